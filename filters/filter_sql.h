/*
 * SQL plumbing shared by the built-in filters that keep state in the gateway's
 * database: a filter's tables are created on first use and its statements are
 * prepared once per database handle; after an SQLite error everything is
 * forgotten and prepared again (a rolled-back first transaction can take a
 * lazily created table with it). The filters keep their statements in named
 * fields; a table of (slot, SQL) pairs tells these helpers where they are.
 */
#ifndef GW_FILTER_SQL_H
#define GW_FILTER_SQL_H

#include <sqlite3.h>
#include <stddef.h>

#include "gw/filter.h"

/*
 * The declaratie filter's tables (filter_declaratie.c owns and writes them). The toewijzing
 * filter reads declaratie_prestatie for the volume rules on the 323 and TR385 on the 301, so
 * it runs this DDL too: with no declaratie filter in the chain the tables stay empty.
 * - declaratie_bericht: one row per accepted 323 (TR333, TR318; TR337, TR371, TR376 on the
 *   325). afgewezen = 1 once a 325 rejected the whole 323 ("telt als niet verzonden").
 * - declaratie_prestatie: one row per Prestatie of an accepted 323. status: 0 = no 325 yet,
 *   1 = goedgekeurd (the 325 answering the 323 did not list it), 2 = afgewezen (listed).
 * Dates are day numbers, amounts eurocents, twnr the ToewijzingNummer (-1 when absent).
 * This is version 2 of the "declaratie" tables. A store made by a build before
 * declaratie_bericht existed (version 1: declaratie_nummer, and declaratie_prestatie without
 * bsn/status) is migrated by gw_fsql_ready (filter_sql.c, docs/store.md).
 */
#define GW_FSQL_DECLARATIE_DDL                                                                     \
    "CREATE TABLE IF NOT EXISTS declaratie_bericht("                                               \
    " family INTEGER NOT NULL,"                                                                    \
    " aanbieder TEXT NOT NULL,"                                                                    \
    " ident TEXT NOT NULL,"       /* BerichtIdentificatie/Identificatie */                         \
    " dagtekening TEXT NOT NULL," /* BerichtIdentificatie/Dagtekening */                           \
    " gemeente TEXT NOT NULL,"    /* the 323's Ontvanger */                                        \
    " nummer TEXT NOT NULL,"      /* DeclaratieNummer */                                           \
    " xsd_basis TEXT NOT NULL,"   /* XsdVersie/BasisschemaXsdVersie */                             \
    " xsd_bericht TEXT NOT NULL," /* XsdVersie/BerichtXsdVersie */                                 \
    " begin INTEGER NOT NULL,"    /* DeclaratiePeriode/Begindatum */                               \
    " eind INTEGER NOT NULL,"     /* DeclaratiePeriode/Einddatum */                                \
    " afgewezen INTEGER NOT NULL DEFAULT 0,"                                                       \
    " PRIMARY KEY(family, aanbieder, ident));"                                                     \
    "CREATE INDEX IF NOT EXISTS declaratie_bericht_nummer"                                         \
    " ON declaratie_bericht(family, aanbieder, nummer);"                                           \
    "CREATE INDEX IF NOT EXISTS declaratie_bericht_periode"                                        \
    " ON declaratie_bericht(family, aanbieder, gemeente, afgewezen, eind);"                        \
    "CREATE TABLE IF NOT EXISTS declaratie_prestatie("                                             \
    " family INTEGER NOT NULL,"                                                                    \
    " aanbieder TEXT NOT NULL,"                                                                    \
    " gemeente TEXT NOT NULL,"                                                                     \
    " refnr TEXT NOT NULL,"     /* ProductReferentie/ReferentieNummer */                           \
    " vorig TEXT NOT NULL,"     /* VorigReferentieNummer, '' when absent */                        \
    " dc TEXT NOT NULL,"        /* IngediendBedrag/DebetCredit: D or C */                          \
    " twnr INTEGER NOT NULL,"   /* ToewijzingNummer */                                             \
    " categorie TEXT NOT NULL," /* ProductCategorie */                                             \
    " code TEXT NOT NULL,"      /* ProductCode, '' when absent */                                  \
    " begin INTEGER NOT NULL,"  /* ProductPeriode/Begindatum */                                    \
    " eind INTEGER NOT NULL,"   /* ProductPeriode/Einddatum */                                     \
    " volume INTEGER NOT NULL," /* GeleverdVolume */                                               \
    " eenheid TEXT NOT NULL,"   /* Eenheid */                                                      \
    " bedrag INTEGER NOT NULL," /* IngediendBedrag/Bedrag */                                       \
    " declnr TEXT NOT NULL,"    /* DeclaratieNummer */                                             \
    " ident TEXT NOT NULL,"     /* the 323's BerichtIdentificatie/Identificatie */                 \
    " bsn TEXT NOT NULL,"       /* the Client's Bsn (TR304 on the 325); never logged */            \
    " status INTEGER NOT NULL DEFAULT 0,"                                                          \
    " PRIMARY KEY(family, aanbieder, refnr));"                                                     \
    "CREATE INDEX IF NOT EXISTS declaratie_prestatie_vorig"                                        \
    " ON declaratie_prestatie(family, aanbieder, vorig);"                                          \
    "CREATE INDEX IF NOT EXISTS declaratie_prestatie_key"                                          \
    " ON declaratie_prestatie(family, aanbieder, twnr, categorie, code, begin, eind);"             \
    "CREATE INDEX IF NOT EXISTS declaratie_prestatie_ident"                                        \
    " ON declaratie_prestatie(family, aanbieder, ident);"

/*
 * The version of each filter's set of tables: one row per set ("tr056", "verzoek",
 * "toewijzing", "startstop", "declaratie"). gw_fsql_ready brings a set up to this build's
 * version before it runs the filter's DDL (one savepoint per step) and refuses tables written
 * by a newer build.
 */
#define GW_FSQL_SCHEMA_DDL                                                                         \
    "CREATE TABLE IF NOT EXISTS filter_schema("                                                    \
    " name TEXT PRIMARY KEY,"                                                                      \
    " version INTEGER NOT NULL)"

typedef struct gw_fsql_stmt {
    sqlite3_stmt **slot; /* where the prepared statement lives in the filter's state */
    const char *sql;     /* its SQL */
} gw_fsql_stmt_t;

/**
 * Make the tables and statements ready for db (a no-op when they already are).
 * @param db_slot the state's "prepared on" handle; set to db on success.
 * @param name the filter's name, for the log line of a failure.
 * @param ddl CREATE TABLE/INDEX IF NOT EXISTS statements, run once per handle, after the
 *   filter's sets of tables were brought up to this build's version (filter_schema).
 * @returns GW_OK, or GW_ENOMEM / GW_EFULL / GW_EIO with everything forgotten.
 */
int gw_fsql_ready(sqlite3 **db_slot, sqlite3 *db, const char *name, const char *ddl,
                  const gw_fsql_stmt_t *v, size_t n);
/** Finalize every statement and forget the handle. */
void gw_fsql_forget(sqlite3 **db_slot, const gw_fsql_stmt_t *v, size_t n);
/** The gw_rc_t of an SQLite result code. */
int gw_fsql_rc(int sqlrc);

/**
 * The create() of a built-in filter that takes no options: refuses any option
 * ("FILE:LINE: filter NAME: unknown option 'KEY' (NAME has none)": a typo must not
 * pass silently) and allocates a zeroed state of size bytes.
 * @returns GW_OK, GW_ECONFIG (message in *err, heap) or GW_ENOMEM.
 */
int gw_fsql_create(void **state, size_t size, const char *name, const gw_filter_opts_t *opts,
                   char **err);

#endif
