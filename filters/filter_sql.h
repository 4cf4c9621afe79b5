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
#include <stdint.h>

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
 * This is version 3 of the "declaratie" tables (version 2 had them as rowid tables). A store
 * made by a build before declaratie_bericht existed (version 1: declaratie_nummer, and
 * declaratie_prestatie without bsn/status) is migrated by gw_fsql_ready (filter_sql.c,
 * docs/store.md).
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
    " PRIMARY KEY(family, aanbieder, ident)) WITHOUT ROWID;"                                      \
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
    " PRIMARY KEY(family, aanbieder, refnr)) WITHOUT ROWID;"                                      \
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
/** Copy column text t (NULL = "") into out[cap], cut to cap - 1 bytes: what
 * snprintf(out, cap, "%s", t) does, without the format machinery (hot: row reads). */
void gw_fsql_copy(char *out, size_t cap, const unsigned char *t);
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

/*
 * A negative cache in front of a look-up that mostly finds nothing (a new Identificatie, a
 * new DeclaratieNummer): a Bloom filter of every key in the filter's table. "Not in the set"
 * is certain and skips the SQL; "maybe" asks SQL as before. It is built from a scan of the
 * table at first use (per database handle) and keeps what on_accept writes. It may only
 * hold more keys than the table, never fewer, so a rolled-back batch (keys added for rows
 * that were undone) only costs a look-up in SQL: no abort hook is needed. Only for tables
 * that no one else writes. Memory: 2 bytes per key, sized for four times the rows (at least
 * 2 MiB); past GW_FSQL_BLOOM_MAX keys it turns itself off (every look-up goes to SQL, as
 * without it). The scan at first use, and again each time the table has grown fourfold,
 * runs on the broker thread: about 0.25 s per million rows (two passes) from a warm cache.
 */
#define GW_FSQL_BLOOM_MAX (16u << 20)

typedef struct gw_fsql_bloom {
    uint64_t *bits;  /* owned; NULL when not built */
    uint64_t mask;   /* number of bits - 1 (a power of two) */
    uint64_t n, cap; /* keys added; keys it was sized for */
    sqlite3 *db;     /* the handle it was built on (borrowed) */
    int off;         /* 1: too many keys, always "maybe" */
} gw_fsql_bloom_t;

/* Hashing a key: start with GW_FSQL_HASH0, add its fields in the order of the scan's
 * columns, with the same types (an INTEGER column is added with gw_fsql_hash_int). */
#define GW_FSQL_HASH0 1469598103934665603ULL
uint64_t gw_fsql_hash_text(uint64_t h, const char *s);
uint64_t gw_fsql_hash_int(uint64_t h, int64_t v);

/**
 * Make b ready for db: built (from scan_sql, whose columns are the key) when it is not, or
 * was built on another handle, or has outgrown its size. @returns GW_OK, or an error
 * (then b is off until the next build; look-ups answer "maybe").
 */
int gw_fsql_bloom_ready(gw_fsql_bloom_t *b, sqlite3 *db, const char *scan_sql);
/** 0 when key h is certainly not in the table; 1 when it may be. */
int gw_fsql_bloom_maybe(const gw_fsql_bloom_t *b, uint64_t h);
/** Record key h (after its row was written). */
void gw_fsql_bloom_add(gw_fsql_bloom_t *b, uint64_t h);
/** Free the bits; b is zeroed (not built). */
void gw_fsql_bloom_free(gw_fsql_bloom_t *b);

#endif
