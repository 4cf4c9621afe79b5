/*
 * The toewijzing (assignment) filter: records every accepted JW301/WMO301's
 * ToegewezenProducten in a table of its own in the gateway's store and checks
 * the cross-message rules that need them (spec §5.4):
 *
 * - 301: TR332 (9332) a ToewijzingNummer is unique per gemeente per wettelijk
 *   domein: the same number of this gemeente must not belong to another client;
 *   TR385 (9385) no RedenWijziging 13 on a toewijzing with goedgekeurde prestaties.
 * - 305/307: TR019 (9019) a StartProduct/StopProduct with a ToewijzingNummer
 *   relates to a stored toewijzing.
 * - 323: TR338 (9338), TR304 (8187), TR339 (9339), TR340 (9340), TR341 (9341),
 *   TR307 (9307), TR308 (9308), TR384 (9384), TR387 (9387), TR388 (9388), TR321
 *   (9321), TR322 (9322) and TR369 (9369), per Prestatie.
 * - 317 (verzoek om wijziging, VOW): TR349 (9349), TR350 (9350), TR351 (9351),
 *   TR357 (9357), TR373 (9373), TR375 (9375), TR412 (9412), TR411 (9411), TR304
 *   (8187) and TR361 (9361), against the client's actuele toewijzingen (see
 *   s_check_317). A 317 records nothing.
 *
 * TR322, TR369 and TR385 also read the Prestaties the declaratie filter records
 * (table declaratie_prestatie, filter_sql.h; this filter creates the tables too,
 * so it works without that filter, but then finds no Prestaties).
 *
 * Key of a stored toewijzing: (family, gemeente, ToewijzingNummer as a number).
 * The gemeente is the 301's Afzender and the aanbieder its Ontvanger; on 305,
 * 307 and 323 the roles are swapped (gemeente = Ontvanger, aanbieder =
 * Afzender); so on 317. Both come from the message Header, not from ctx->peer: the key is
 * the standard's, and the broker checks elsewhere that the peer may send as
 * the Afzender.
 *
 * Versions (IV013, OP080): a 301 resends a toewijzing with the same number when
 * it changes it. The stored version is the one with the latest
 * Toewijzingsdatum + Toewijzingstijd, whatever the arrival order: a newer
 * version replaces the row, an older one arriving later leaves it alone. Equal
 * stamps replace (an exact resend is harmless; two different versions with the
 * same stamp are outside the standard and the later arrival wins).
 *
 * Runs on the broker thread inside the broker's transaction: no BEGIN/COMMIT.
 * The table is created on first use and the statements are prepared once per
 * database handle and cached in the state; on an SQLite error they are
 * finalized and prepared again (a rolled-back first transaction takes the
 * table with it), as in filter_tr056.c.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/arena.h"
#include "gw/log.h"

#include "filter_registry.h"
#include "filter_sql.h"

static const char s_sql_table[] =
    "CREATE TABLE IF NOT EXISTS toewijzing_product("
    " family INTEGER NOT NULL,"
    " gemeente TEXT NOT NULL,"
    " nummer INTEGER NOT NULL,"
    " aanbieder TEXT NOT NULL,"
    " bsn TEXT NOT NULL,"
    " categorie TEXT,"
    " code TEXT,"
    " ingangsdatum TEXT NOT NULL,"
    " einddatum TEXT,"
    " redenwijziging TEXT,"
    " volume TEXT,"
    " eenheid TEXT,"
    " frequentie TEXT,"
    " budget TEXT,"
    " toewijzingsdatum TEXT NOT NULL,"
    " toewijzingstijd TEXT NOT NULL,"
    " stamp TEXT NOT NULL,"
    " PRIMARY KEY(family, gemeente, nummer));"
    "CREATE INDEX IF NOT EXISTS toewijzing_product_client"
    " ON toewijzing_product(family, gemeente, bsn);" GW_FSQL_DECLARATIE_DDL;
static const char s_sql_find[] =
    "SELECT aanbieder, bsn, categorie, code, ingangsdatum, einddatum, redenwijziging, eenheid,"
    " volume, frequentie, budget"
    " FROM toewijzing_product WHERE family = ?1 AND gemeente = ?2 AND nummer = ?3";
/* The actuele toewijzingen of one client at one gemeente for one aanbieder (see s_actueel;
 * ?5 is the 317's Dagtekening; LDT_Datum text order is date order). Served by the client
 * index, named: without statistics SQLite preferred the primary key on (family, gemeente),
 * walking every toewijzing of the gemeente (with an ORDER BY to avoid a sort, or as a
 * covering index in a WITHOUT ROWID table), a scan that grew with the gemeente. */
static const char s_sql_actueel[] =
    "SELECT nummer, aanbieder, bsn, categorie, code, ingangsdatum, einddatum, redenwijziging,"
    " eenheid, volume, frequentie, budget FROM toewijzing_product"
    " INDEXED BY toewijzing_product_client"
    " WHERE family = ?1 AND gemeente = ?2 AND bsn = ?3 AND aanbieder = ?4"
    " AND (redenwijziging IS NULL OR redenwijziging <> '13')"
    " AND (einddatum IS NULL OR einddatum >= ?5)";
/* stamp: Toewijzingsdatum + Toewijzingstijd normalised so that text order is time order. */
static const char s_sql_upsert[] =
    "INSERT INTO toewijzing_product(family, gemeente, nummer, aanbieder, bsn, categorie, code,"
    " ingangsdatum, einddatum, redenwijziging, volume, eenheid, frequentie, budget,"
    " toewijzingsdatum, toewijzingstijd, stamp)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    " ON CONFLICT(family, gemeente, nummer) DO UPDATE SET"
    " aanbieder = excluded.aanbieder, bsn = excluded.bsn, categorie = excluded.categorie,"
    " code = excluded.code, ingangsdatum = excluded.ingangsdatum,"
    " einddatum = excluded.einddatum, redenwijziging = excluded.redenwijziging,"
    " volume = excluded.volume, eenheid = excluded.eenheid, frequentie = excluded.frequentie,"
    " budget = excluded.budget, toewijzingsdatum = excluded.toewijzingsdatum,"
    " toewijzingstijd = excluded.toewijzingstijd, stamp = excluded.stamp"
    " WHERE excluded.stamp >= toewijzing_product.stamp";

/* The net declared volume (per Eenheid) and amount on one toewijzing, over the Prestaties whose
 * ProductPeriode begins in [?5, ?6], leaving out those the 325 rejected (status 2): credits
 * count negative (TR322, TR369). Reads the declaratie filter's table (filter_sql.h). */
static const char s_sql_sum[] =
    "SELECT eenheid, SUM(CASE dc WHEN 'C' THEN -volume ELSE volume END),"
    " SUM(CASE dc WHEN 'C' THEN -bedrag ELSE bedrag END)"
    " FROM declaratie_prestatie INDEXED BY declaratie_prestatie_key"
    " WHERE family = ?1 AND aanbieder = ?2 AND twnr = ?3 AND gemeente = ?4 AND status <> 2"
    " AND begin BETWEEN ?5 AND ?6 GROUP BY eenheid";
/* A goedgekeurde (status 1), not credited debet on one toewijzing (TR385). */
static const char s_sql_approved[] =
    "SELECT 1 FROM declaratie_prestatie d INDEXED BY declaratie_prestatie_key"
    " WHERE d.family = ?1 AND d.aanbieder = ?2"
    " AND d.twnr = ?3 AND d.gemeente = ?4 AND d.dc = 'D' AND d.status = 1"
    " AND NOT EXISTS(SELECT 1 FROM declaratie_prestatie c INDEXED BY declaratie_prestatie_vorig"
    " WHERE c.family = d.family"
    " AND c.aanbieder = d.aanbieder AND c.vorig = d.refnr AND c.dc = 'C' AND c.status <> 2)"
    " LIMIT 1";

typedef struct s_state {
    sqlite3 *db;            /* handle the statements were prepared on (borrowed) */
    sqlite3_stmt *find;     /* s_sql_find */
    sqlite3_stmt *upsert;   /* s_sql_upsert */
    sqlite3_stmt *actueel;  /* s_sql_actueel */
    sqlite3_stmt *sum;      /* s_sql_sum */
    sqlite3_stmt *approved; /* s_sql_approved */
} s_state_t;

/* A stored toewijzing as the checks need it. Fields are "" when NULL in the store. */
typedef struct s_row {
    char aanbieder[16];    /* AGB code of the aanbieder (8 digits) */
    char bsn[16];          /* Bsn of the client (9 digits); never logged */
    char categorie[16];    /* Product/Categorie */
    char code[16];         /* Product/Code; "" = aspecifiek */
    char ingangsdatum[16]; /* YYYY-MM-DD */
    char einddatum[16];    /* YYYY-MM-DD or "" */
    char reden[8];         /* RedenWijziging or "" */
    char eenheid[8];       /* Omvang/Eenheid or "" (no Omvang: budget toewijzing) */
    char volume[24];       /* Omvang/Volume or "" */
    char frequentie[8];    /* Omvang/Frequentie or "" */
    char budget[24];       /* Budget or "" */
} s_row_t;

#define S_NSTMTS 5

/* The statement table of this state, for filter_sql.h. */
static void
s_stmts(s_state_t *st, gw_fsql_stmt_t v[S_NSTMTS])
{
    v[0] = (gw_fsql_stmt_t){&st->find, s_sql_find};
    v[1] = (gw_fsql_stmt_t){&st->upsert, s_sql_upsert};
    v[2] = (gw_fsql_stmt_t){&st->actueel, s_sql_actueel};
    v[3] = (gw_fsql_stmt_t){&st->sum, s_sql_sum};
    v[4] = (gw_fsql_stmt_t){&st->approved, s_sql_approved};
}

static void
s_forget(s_state_t *st)
{
    gw_fsql_stmt_t v[S_NSTMTS];
    s_stmts(st, v);
    gw_fsql_forget(&st->db, v, S_NSTMTS);
}

/* Make the table and statements ready for db. */
static int
s_ready(s_state_t *st, sqlite3 *db)
{
    gw_fsql_stmt_t v[S_NSTMTS];
    s_stmts(st, v);
    return gw_fsql_ready(&st->db, db, "toewijzing", s_sql_table, v, S_NSTMTS);
}

static const char *
s_str(const char *s)
{
    return s ? s : "";
}

static void
s_col(sqlite3_stmt *s, int i, char *out, size_t cap)
{
    gw_fsql_copy(out, cap, sqlite3_column_text(s, i));
}

/* The number of a ToewijzingNummer (LDT_Nummer, 0..999999999), compared as a number so
 * that "012345001" and "12345001" are the same toewijzing. Returns 0 when absent or not a
 * number. */
static int
s_nummer(const char *s, int64_t *out)
{
    return s && gw_model_int(s, out) == GW_OK;
}

/* Read the columns of s_sql_find (from column `first` on) into row. */
static void
s_read_row(sqlite3_stmt *s, int first, s_row_t *row)
{
    s_col(s, first + 0, row->aanbieder, sizeof(row->aanbieder));
    s_col(s, first + 1, row->bsn, sizeof(row->bsn));
    s_col(s, first + 2, row->categorie, sizeof(row->categorie));
    s_col(s, first + 3, row->code, sizeof(row->code));
    s_col(s, first + 4, row->ingangsdatum, sizeof(row->ingangsdatum));
    s_col(s, first + 5, row->einddatum, sizeof(row->einddatum));
    s_col(s, first + 6, row->reden, sizeof(row->reden));
    s_col(s, first + 7, row->eenheid, sizeof(row->eenheid));
    s_col(s, first + 8, row->volume, sizeof(row->volume));
    s_col(s, first + 9, row->frequentie, sizeof(row->frequentie));
    s_col(s, first + 10, row->budget, sizeof(row->budget));
}

/* Look (family, gemeente, nummer) up once. @returns SQLITE_DONE (with *found and row) or
 * the SQLite error. */
static int
s_find_once(s_state_t *st, int family, const char *gemeente, int64_t nummer, s_row_t *row,
            int *found)
{
    *found = 0;
    int rc = sqlite3_bind_int(st->find, 1, family);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(st->find, 2, gemeente, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int64(st->find, 3, nummer);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st->find);
        if (rc == SQLITE_ROW) {
            s_read_row(st->find, 0, row);
            *found = 1;
            rc = SQLITE_DONE;
        }
    }
    sqlite3_reset(st->find);
    sqlite3_clear_bindings(st->find);
    return rc;
}

/* Look a toewijzing up, preparing on first use and retrying once on fresh statements after
 * an SQLite error (a rolled-back first transaction may have taken the table with it).
 * @returns GW_OK (with *found) or a gw_rc_t; the failure is logged. */
static int
s_find(s_state_t *st, sqlite3 *db, int family, const char *gemeente, int64_t nummer, s_row_t *row,
       int *found)
{
    int rc = s_ready(st, db);
    if (rc != GW_OK) {
        return rc;
    }
    int src = s_find_once(st, family, gemeente, nummer, row, found);
    if (src != SQLITE_DONE) {
        s_forget(st);
        if (s_ready(st, db) == GW_OK) {
            src = s_find_once(st, family, gemeente, nummer, row, found);
        }
    }
    if (src != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "toewijzing_sqlite", "step=find rc=%d err=\"%s\"", src,
               sqlite3_errmsg(db));
        s_forget(st); /* re-prepare (and re-create the table) on the next message */
        return gw_fsql_rc(src);
    }
    return GW_OK;
}

/* ---- the declaratie filter's Prestaties (TR322, TR369, TR385) ---- */

/* Which Prestaties: of one toewijzing, with a ProductPeriode beginning in [wb, we]. */
typedef struct s_dkey {
    int family;
    const char *aanbieder; /* AGB code */
    const char *gemeente;  /* gemeente code */
    int64_t nummer;        /* ToewijzingNummer */
    int32_t wb, we;        /* window on ProductPeriode/Begindatum (days) */
} s_dkey_t;

/* What they add up to. */
typedef struct s_net {
    int64_t volume; /* net GeleverdVolume, in the unit of s_unit (credits negative) */
    int64_t bedrag; /* net IngediendBedrag, eurocents (credits negative) */
    int found;      /* s_sql_approved: a row */
} s_net_t;

/* The factor that turns a volume in Eenheid e into the comparison unit of a toewijzing in
 * Eenheid t: minutes when the toewijzing is in hours (04; IV081 lets an aanbieder declare
 * hours in minutes, 01), else t itself. 0 when e does not fit t (TR341 reports that). */
static int64_t
s_unit(const char *e, const char *t)
{
    if (strcmp(t, "04") == 0) {
        return strcmp(e, "01") == 0 ? 1 : strcmp(e, "04") == 0 ? 60 : 0;
    }
    return strcmp(e, t) == 0 ? 1 : 0;
}

/* Run s_sql_sum (approved 0, with the toewijzing's Eenheid t) or s_sql_approved once.
 * @returns SQLITE_DONE (with *out) or the SQLite error. */
static int
s_dquery_once(s_state_t *st, int approved, const s_dkey_t *k, const char *t, s_net_t *out)
{
    sqlite3_stmt *s = approved ? st->approved : st->sum;
    memset(out, 0, sizeof(*out));
    int rc = sqlite3_bind_int(s, 1, k->family);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 2, k->aanbieder, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int64(s, 3, k->nummer);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 4, k->gemeente, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK && !approved) {
        rc = sqlite3_bind_int(s, 5, k->wb);
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_int(s, 6, k->we);
        }
    }
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && approved) {
            out->found = 1;
            rc = SQLITE_DONE;
        } else if (rc == SQLITE_ROW) {
            const unsigned char *e = sqlite3_column_text(s, 0);
            out->volume += sqlite3_column_int64(s, 1) * s_unit(e ? (const char *)e : "", t);
            out->bedrag += sqlite3_column_int64(s, 2);
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

/* s_dquery_once with the retry of s_find. @returns GW_OK (with *out) or a gw_rc_t. */
static int
s_dquery(s_state_t *st, sqlite3 *db, int approved, const s_dkey_t *k, const char *t, s_net_t *out)
{
    int rc = s_ready(st, db);
    if (rc != GW_OK) {
        return rc;
    }
    int src = s_dquery_once(st, approved, k, t, out);
    if (src != SQLITE_DONE) {
        s_forget(st);
        if (s_ready(st, db) == GW_OK) {
            src = s_dquery_once(st, approved, k, t, out);
        }
    }
    if (src != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "toewijzing_sqlite", "step=prestaties rc=%d err=\"%s\"", src,
               sqlite3_errmsg(db));
        s_forget(st);
        return gw_fsql_rc(src);
    }
    return GW_OK;
}

/* Toewijzingsdatum + Toewijzingstijd as "YYYY-MM-DDTHH:MM:SS.fffffffff": LDT_Tijd is an
 * xs:time without a zone, whose fraction is optional and of any length, so the fraction is
 * padded (or cut) to nine digits to make text order equal time order. */
static void
s_stamp(const char *datum, const char *tijd, char *out, size_t cap)
{
    char hms[9] = "00:00:00";
    char frac[10] = "000000000";
    tijd = s_str(tijd);
    size_t n = strcspn(tijd, ".");
    memcpy(hms, tijd, n < 8 ? n : 8);
    if (tijd[n] == '.') {
        const char *f = tijd + n + 1;
        for (size_t i = 0; i < 9 && f[i] >= '0' && f[i] <= '9'; i++) {
            frac[i] = f[i];
        }
    }
    snprintf(out, cap, "%sT%s.%s", s_str(datum), hms, frac);
}

static int
s_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

/* Record one ToegewezenProduct. @returns SQLITE_DONE or the SQLite error. */
static int
s_upsert_once(s_state_t *st, int family, const gw_header_t *h, const gw_client_t *c,
              const gw_toegewezen_product_t *tp, int64_t nummer, const char *stamp)
{
    sqlite3_stmt *s = st->upsert;
    const gw_product_t *p = tp->Product;
    const gw_omvang_t *o = tp->Omvang;
    int rc = sqlite3_bind_int(s, 1, family);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 2, h->Afzender, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int64(s, 3, nummer);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 4, s_str(h->Ontvanger), -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 5, s_str(c->Bsn), -1, SQLITE_STATIC);
    }
    const char *opt[] = {p ? p->Categorie : NULL, p ? p->Code : NULL};
    for (int i = 0; rc == SQLITE_OK && i < 2; i++) {
        rc = s_bind_opt(s, 6 + i, opt[i]);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 8, s_str(tp->Ingangsdatum), -1, SQLITE_STATIC);
    }
    const char *opt2[] = {tp->Einddatum,         tp->RedenWijziging,       o ? o->Volume : NULL,
                          o ? o->Eenheid : NULL, o ? o->Frequentie : NULL, tp->Budget};
    for (int i = 0; rc == SQLITE_OK && i < 6; i++) {
        rc = s_bind_opt(s, 9 + i, opt2[i]);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 15, s_str(tp->Toewijzingsdatum), -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 16, s_str(tp->Toewijzingstijd), -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 17, stamp, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    return gw_fsql_create(state, sizeof(s_state_t), "toewijzing", opts, err);
}

static void
s_destroy(void *state)
{
    s_state_t *st = state;
    if (!st) {
        return;
    }
    s_forget(st);
    gw_free(st);
}

/* Add one level-3 diagnostic. @returns 1 when added, 0 on OOM (logged). */
static int
s_diag(gw_diag_t *diag, const char *rule, const char *code, const char *path, const void *cls,
       const char *text)
{
    if (gw_diag_add(diag, GW_LEVEL_CROSS, rule, code, path, 0, cls, "%s", text) != GW_OK) {
        gw_log(GW_LOG_ERROR, "toewijzing_nomem", "rule=%s", rule);
        return 0;
    }
    return 1;
}

/*
 * TR385 (9385), 301: "Indien de toewijzing goedgekeurde (niet gecrediteerde) prestatiesregels
 * met gelijk ToewijzingNummer heeft, is het niet toegestaan deze toewijzing te verwijderen met
 * RedenWijziging waarde 13 (verwijderd)." Read against the declaratie filter's Prestaties
 * (filter_sql.h): a debet on this ToewijzingNummer, declared by this aanbieder (Ontvanger) to
 * this gemeente (Afzender), that the 325 on its 323 approved (status 1: goedgekeurd means a
 * 325 was received that did not reject it; one still waiting for its 325 does not count),
 * and that no credit (unless that credit was rejected) has credited. Needs the declaratie
 * filter in the chain; without it nothing is ever goedgekeurd here.
 * @returns 1 when reported, 0 when not, -1 on failure (logged).
 */
static int
s_check_tr385(s_state_t *st, sqlite3 *db, const gw_msg_t *msg, gw_diag_t *diag,
              const gw_toegewezen_product_t *tp, size_t i, int64_t nummer)
{
    const gw_header_t *h = msg->bericht->Header;
    s_dkey_t k = {(int)msg->type->family, h->Ontvanger, h->Afzender, nummer, 0, 0};
    s_net_t net;
    if (s_dquery(st, db, 1, &k, "", &net) != GW_OK) {
        return -1;
    }
    if (!net.found) {
        return 0;
    }
    char path[128];
    snprintf(path, sizeof(path),
             "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[%zu]/RedenWijziging", i + 1);
    if (!s_diag(diag, "TR385", "9385", path, tp,
                "De toewijzing heeft goedgekeurde, niet gecrediteerde prestaties en mag niet "
                "verwijderd worden met RedenWijziging 13")) {
        return -1;
    }
    return 1;
}

/*
 * TR332 (9332), 301: "Ieder ToegewezenProduct binnen één gemeente heeft een uniek nummer per
 * wettelijk domein." Read as: a ToewijzingNummer this gemeente already used (in this
 * family) must belong to the same client (Bsn). Resending the number for the same client is
 * how a toewijzing is changed, ingetrokken or verwijderd (IV066), so that passes.
 * Uncertain: the same number for the same client but another aanbieder also breaks
 * uniqueness in a strict reading; as briefed, only the Bsn is compared, and such a 301
 * replaces the stored row when it is newer.
 */
static gw_verdict_t
s_check_301(s_state_t *st, const gw_msg_t *msg, gw_diag_t *diag, sqlite3 *db)
{
    const gw_header_t *h = msg->bericht->Header;
    const gw_client_t *c = msg->bericht->Client;
    if (!h || !h->Afzender || !c || !c->Bsn) {
        return GW_VERDICT_PASS; /* the XSD guarantees them */
    }
    gw_verdict_t v = GW_VERDICT_PASS;
    for (size_t i = 0; i < c->ToegewezenProduct.n; i++) {
        const gw_toegewezen_product_t *tp = &c->ToegewezenProduct.v[i];
        int64_t nummer = 0;
        if (!s_nummer(tp->ToewijzingNummer, &nummer)) {
            continue;
        }
        s_row_t row;
        int found = 0;
        if (s_find(st, db, (int)msg->type->family, h->Afzender, nummer, &row, &found) != GW_OK) {
            return GW_VERDICT_ERROR;
        }
        if (tp->RedenWijziging && strcmp(tp->RedenWijziging, "13") == 0 && h->Ontvanger) {
            int r = s_check_tr385(st, db, msg, diag, tp, i, nummer);
            if (r < 0) {
                return GW_VERDICT_ERROR;
            }
            if (r > 0) {
                v = GW_VERDICT_REJECT;
            }
        }
        if (!found || strcmp(row.bsn, c->Bsn) == 0) {
            continue;
        }
        char path[128];
        snprintf(path, sizeof(path),
                 "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[%zu]/ToewijzingNummer",
                 i + 1);
        if (!s_diag(diag, "TR332", "9332", path, tp,
                    "Ieder ToegewezenProduct binnen een gemeente heeft een uniek nummer per "
                    "wettelijk domein (ToewijzingNummer hoort bij een andere client)")) {
            return GW_VERDICT_ERROR;
        }
        v = GW_VERDICT_REJECT;
    }
    return v;
}

/*
 * TR019 (9019), 305/307: "Bij een output- of inspanningsgerichte werkwijze moet de melding
 * van de start of de stop van de ondersteuning gerelateerd zijn aan een toewijzing op basis
 * van het ToewijzingNummer." Read as: a StartProduct/StopProduct that has a ToewijzingNummer
 * needs a stored toewijzing with that number of this gemeente (Ontvanger), for this
 * aanbieder (Afzender) and this client (Bsn). Without a ToewijzingNummer the work is
 * taakgericht (IV096) and the rule does not apply. Every StatusAanlevering is checked (a
 * deletion also names a toewijzing). A toewijzing verwijderd with RedenWijziging 13 still
 * counts here: an aanbieder may still have to stop or delete a start on it; the standard
 * does not say otherwise (uncertain).
 */
static gw_verdict_t
s_check_start_stop(s_state_t *st, const gw_msg_t *msg, gw_diag_t *diag, sqlite3 *db)
{
    const gw_header_t *h = msg->bericht->Header;
    const gw_client_t *c = msg->bericht->Client;
    if (!h || !h->Afzender || !h->Ontvanger || !c || !c->Bsn) {
        return GW_VERDICT_PASS;
    }
    int start = msg->type->number == 305;
    size_t n = start ? c->StartProduct.n : c->StopProduct.n;
    const gw_start_stop_product_t *list = start ? c->StartProduct.v : c->StopProduct.v;
    gw_verdict_t v = GW_VERDICT_PASS;
    for (size_t i = 0; i < n; i++) {
        const gw_start_stop_product_t *sp = &list[i];
        if (!sp->ToewijzingNummer) {
            continue; /* taakgericht */
        }
        int64_t nummer = 0;
        s_row_t row;
        int found = 0;
        if (s_nummer(sp->ToewijzingNummer, &nummer) &&
            s_find(st, db, (int)msg->type->family, h->Ontvanger, nummer, &row, &found) != GW_OK) {
            return GW_VERDICT_ERROR;
        }
        if (found && strcmp(row.aanbieder, h->Afzender) == 0 && strcmp(row.bsn, c->Bsn) == 0) {
            continue;
        }
        char path[128];
        snprintf(path, sizeof(path), "/Bericht/Client/%s/%s[%zu]/ToewijzingNummer",
                 start ? "StartProducten" : "StopProducten", start ? "StartProduct" : "StopProduct",
                 i + 1);
        if (!s_diag(diag, "TR019", "9019", path, sp,
                    "De melding van de start of de stop van de ondersteuning moet gerelateerd "
                    "zijn aan een toewijzing op basis van het ToewijzingNummer")) {
            return GW_VERDICT_ERROR;
        }
        v = GW_VERDICT_REJECT;
    }
    return v;
}

/* Eenheid of a prestatie fits the toewijzing's (TR341): equal, or minutes (01) declared on a
 * toewijzing in hours (04), which IV081 allows (tariff per hour x minutes / 60). */
static int
s_eenheid_fits(const char *prestatie, const char *toewijzing)
{
    if (strcmp(prestatie, toewijzing) == 0) {
        return 1;
    }
    return strcmp(prestatie, "01") == 0 && strcmp(toewijzing, "04") == 0;
}

/* One rule's finding on a prestatie: add it and remember the verdict. */
typedef struct s_prest {
    gw_diag_t *diag;
    const gw_prestatie_t *p;
    char base[160];  /* /Bericht/Declaratie/Clienten/Client[c]/Prestaties/Prestatie[p] */
    char client[64]; /* /Bericht/Declaratie/Clienten/Client[c] */
    int rejected;
    int failed; /* OOM */
} s_prest_t;

static void
s_prest_diag(s_prest_t *pc, const char *rule, const char *code, const char *sub, int on_client,
             const char *text)
{
    if (pc->failed) {
        return;
    }
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", on_client ? pc->client : pc->base, sub);
    if (!s_diag(pc->diag, rule, code, path, pc->p, text)) {
        pc->failed = 1;
        return;
    }
    pc->rejected = 1;
}

/* ---- 323: the ProductPeriode's month and the volumes ---- */

/* First and last day of the calendar month of day. */
static void
s_month(int32_t day, int32_t *first, int32_t *last)
{
    int y = 0, m = 0, d = 0;
    gw_model_date_parts(day, &y, &m, &d);
    *first = day - (d - 1);
    *last = gw_model_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
}

/* The Monday-to-Sunday week of a day number (1970-01-01 was a Thursday), rounding down. */
static int64_t
s_week(int32_t day)
{
    int64_t x = (int64_t)day + 3;
    return x >= 0 ? x / 7 : -((-x + 6) / 7);
}

/*
 * The volume an Omvang (Volume per Frequentie) allows over the days [b, e], in its own Eenheid;
 * -1 when the Frequentie is not one of WMO757. The conversion follows IV076/IV077 ("Volume bij
 * frequentie per week"), whose text is not in our reference: the reading chosen is the
 * generous one, so that the gateway never refuses a volume the gemeente may accept:
 * - 1 per dag: Volume for every day of [b, e];
 * - 2 per week: Volume for every calendar week (Monday to Sunday) that [b, e] touches, even
 *   partly (a 31-day month touches 5 or 6 weeks); uncertain, IV076/IV077 may prescribe a
 *   pro-rata conversion (Volume x days / 7) that allows less;
 * - 4 per maand: Volume for every calendar month [b, e] touches (not pro rata for a month the
 *   toewijzing covers only partly; uncertain likewise);
 * - 6 totaal binnen geldigheidsduur: Volume, once.
 */
static int64_t
s_allowed(int64_t volume, const char *frequentie, int32_t b, int32_t e)
{
    if (strcmp(frequentie, "1") == 0) {
        return volume * ((int64_t)e - b + 1);
    }
    if (strcmp(frequentie, "2") == 0) {
        return volume * (s_week(e) - s_week(b) + 1);
    }
    if (strcmp(frequentie, "4") == 0) {
        int by = 0, bm = 0, bd = 0, ey = 0, em = 0, ed = 0;
        gw_model_date_parts(b, &by, &bm, &bd);
        gw_model_date_parts(e, &ey, &em, &ed);
        return volume * ((int64_t)(ey * 12 + em) - (by * 12 + bm) + 1);
    }
    if (strcmp(frequentie, "6") == 0) {
        return volume;
    }
    return -1;
}

/* One Prestatie of the 323, parsed once for the volume rules (s_msg_index). */
typedef struct s_mp {
    int64_t nummer;      /* ToewijzingNummer */
    int32_t begin;       /* ProductPeriode/Begindatum */
    int64_t volume;      /* GeleverdVolume, negative for a credit */
    int64_t bedrag;      /* IngediendBedrag/Bedrag, negative for a credit */
    const char *eenheid; /* Eenheid ("" when absent) */
} s_mp_t;

/* This message's Prestaties, sorted by (nummer, begin), built on first need. */
typedef struct s_mindex {
    s_mp_t *v;
    size_t n;
    int built;
} s_mindex_t;

static int
s_cmp_mp(const void *a, const void *b)
{
    const s_mp_t *x = a, *y = b;
    if (x->nummer != y->nummer) {
        return x->nummer < y->nummer ? -1 : 1;
    }
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Build ix from the 323 d (arena memory). @returns GW_OK or GW_ENOMEM. Prestaties whose
 * fields do not parse are left out. */
static int
s_msg_index(s_mindex_t *ix, const gw_declaratie_t *d, gw_arena_t *arena)
{
    if (ix->built) {
        return GW_OK;
    }
    size_t n = 0;
    for (size_t ci = 0; ci < d->Client.n; ci++) {
        n += d->Client.v[ci].Prestatie.n;
    }
    ix->v = n ? gw_arena_alloc(arena, n * sizeof(*ix->v)) : NULL;
    if (n && !ix->v) {
        return GW_ENOMEM;
    }
    for (size_t ci = 0; ci < d->Client.n; ci++) {
        const gw_client_t *c = &d->Client.v[ci];
        for (size_t pi = 0; pi < c->Prestatie.n; pi++) {
            const gw_prestatie_t *p = &c->Prestatie.v[pi];
            const gw_bedrag_t *ib = p->IngediendBedrag;
            s_mp_t *x = &ix->v[ix->n];
            if (!s_nummer(p->ToewijzingNummer, &x->nummer) || !p->ProductPeriode ||
                gw_model_date(p->ProductPeriode->Begindatum, &x->begin) != GW_OK || !ib ||
                gw_model_int(p->GeleverdVolume, &x->volume) != GW_OK ||
                gw_model_int(ib->Bedrag, &x->bedrag) != GW_OK) {
                continue;
            }
            if (strcmp(s_str(ib->DebetCredit), "C") == 0) {
                x->volume = -x->volume;
                x->bedrag = -x->bedrag;
            }
            x->eenheid = s_str(p->Eenheid);
            ix->n++;
        }
    }
    if (ix->n > 1) {
        qsort(ix->v, ix->n, sizeof(*ix->v), s_cmp_mp);
    }
    ix->built = 1;
    return GW_OK;
}

/* Add this message's Prestaties on toewijzing k->nummer whose ProductPeriode begins in the
 * window of k to *net (volume in the unit of s_unit for Eenheid t, credits negative). A
 * binary search and the matching run: no quadratic work on a large 323. */
static void
s_msg_net(const s_mindex_t *ix, const s_dkey_t *k, const char *t, s_net_t *net)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const s_mp_t *x = &ix->v[mid];
        if (x->nummer < k->nummer || (x->nummer == k->nummer && x->begin < k->wb)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t i = lo; i < ix->n && ix->v[i].nummer == k->nummer && ix->v[i].begin <= k->we; i++) {
        net->volume += ix->v[i].volume * s_unit(ix->v[i].eenheid, t);
        net->bedrag += ix->v[i].bedrag;
    }
}

/*
 * The volume rules on a debet Prestatie (pc, ProductPeriode [pb, pe]) whose toewijzing (row,
 * number nummer) is this aanbieder's. Credits are not checked: they only lower the totals.
 * Volumes compare in the toewijzing's Eenheid, or in minutes for an hour toewijzing (IV081);
 * a Prestatie whose Eenheid does not fit (TR341) is not compared.
 * - TR321 (9321): with an Omvang, GeleverdVolume fits what the Omvang allows over the
 *   ProductPeriode (clipped to the toewijzing's period), see s_allowed.
 * - TR322 (9322): with an Omvang, the net sum of GeleverdVolume of all Prestaties on this
 *   toewijzing (stored ones of this aanbieder at this gemeente, minus those the 325 rejected,
 *   credits subtracted, plus all of this message, credits too) fits the Omvang. For Frequentie
 *   6 the sum runs over the whole toewijzing; for the others over the Prestaties beginning in
 *   the calendar month of this one (a ProductPeriode lies within one month, OP367), against
 *   what the Omvang allows over that month clipped to the toewijzing. Not reported when
 *   TR321 already was.
 * - TR369 (9369): with a Budget (then there is no Omvang, CD077/CD078), the net sum over the
 *   whole toewijzing, computed likewise, fits the Budget. Uncertain: the rule says "de som van
 *   GeleverdVolume", but Budget is an amount in eurocents and a volume in hours or pieces
 *   cannot be compared with it; the net sum of IngediendBedrag (eurocents) is compared instead,
 *   which for Eenheid 83 (euro's) is the delivered volume in money.
 * @returns GW_OK, or a gw_rc_t when the store failed (logged).
 */
static int
s_check_volume(s_state_t *st, sqlite3 *db, const gw_msg_t *msg, s_mindex_t *ix, s_prest_t *pc,
               const s_row_t *row, int64_t nummer, int32_t pb, int32_t pe)
{
    const gw_prestatie_t *p = pc->p;
    const gw_header_t *h = msg->bericht->Header;
    if (!p->IngediendBedrag || strcmp(s_str(p->IngediendBedrag->DebetCredit), "D") != 0) {
        return GW_OK;
    }
    int64_t tvol = 0, budget = 0, vol = 0;
    int omvang = row->eenheid[0] && gw_model_int(row->volume, &tvol) == GW_OK;
    int has_budget = !omvang && row->budget[0] && gw_model_int(row->budget, &budget) == GW_OK;
    int32_t ti = 0, te = INT32_MAX;
    if ((!omvang && !has_budget) || gw_model_date(row->ingangsdatum, &ti) != GW_OK ||
        (row->einddatum[0] && gw_model_date(row->einddatum, &te) != GW_OK)) {
        return GW_OK;
    }
    s_dkey_t k = {(int)msg->type->family, h->Afzender, h->Ontvanger, nummer, INT32_MIN, INT32_MAX};
    int64_t mul = strcmp(row->eenheid, "04") == 0 ? 60 : 1;
    if (omvang) {
        int64_t unit = s_unit(s_str(p->Eenheid), row->eenheid);
        if (unit == 0 || gw_model_int(p->GeleverdVolume, &vol) != GW_OK) {
            return GW_OK;
        }
        int32_t b = pb > ti ? pb : ti, e = pe < te ? pe : te;
        int64_t allowed = b <= e ? s_allowed(tvol, row->frequentie, b, e) : -1;
        if (allowed >= 0 && vol * unit > allowed * mul) {
            s_prest_diag(pc, "TR321", "9321", "GeleverdVolume", 0,
                         "Het ingediende volume overschrijdt het toegewezen volume");
            return GW_OK;
        }
        if (strcmp(row->frequentie, "6") != 0) {
            s_month(pb, &k.wb, &k.we);
        }
    }
    s_net_t net;
    int rc = s_dquery(st, db, 0, &k, row->eenheid, &net);
    if (rc != GW_OK) {
        return rc;
    }
    rc = s_msg_index(ix, msg->bericht->Declaratie, msg->arena);
    if (rc != GW_OK) {
        gw_log(GW_LOG_ERROR, "toewijzing_nomem", "type=%s", msg->type->name);
        return rc;
    }
    s_msg_net(ix, &k, row->eenheid, &net);
    if (omvang) {
        int32_t b = k.wb > ti ? k.wb : ti, e = k.we < te ? k.we : te;
        int64_t allowed = b <= e ? s_allowed(tvol, row->frequentie, b, e) : -1;
        if (allowed >= 0 && net.volume > allowed * mul) {
            s_prest_diag(pc, "TR322", "9322", "GeleverdVolume", 0,
                         "De som van de ingediende volumes overschrijdt het toegewezen volume");
        }
    } else if (net.bedrag > budget) {
        s_prest_diag(pc, "TR369", "9369", "IngediendBedrag/Bedrag", 0,
                     "Budget is meegegeven, maar de som van de ingediende Prestaties past niet "
                     "binnen het toegewezen Budget");
    }
    return GW_OK;
}

/*
 * TR387 (9387) / TR388 (9388): the ProductPeriode begins on the first day of its calendar
 * month unless the toewijzing's Ingangsdatum lies later in that month, and ends on the last
 * day of its month unless the toewijzing's Einddatum lies earlier in that month. Where the
 * exception holds, any day passes (TR307/TR308 keep the ProductPeriode inside the toewijzing).
 */
static void
s_check_month(s_prest_t *pc, const s_row_t *row, int32_t pb, int32_t pe)
{
    int32_t first = 0, last = 0, ti = 0, te = 0;
    s_month(pb, &first, &last);
    int later = gw_model_date(row->ingangsdatum, &ti) == GW_OK && ti > first && ti <= last;
    if (pb != first && !later) {
        s_prest_diag(pc, "TR387", "9387", "ProductPeriode/Begindatum", 0,
                     "Begindatum van de ProductPeriode is niet eerste dag van de kalendermaand en "
                     "Ingangsdatum van de toewijzing ligt niet later in deze maand");
    }
    s_month(pe, &first, &last);
    int earlier = row->einddatum[0] && gw_model_date(row->einddatum, &te) == GW_OK && te >= first &&
                  te < last;
    if (pe != last && !earlier) {
        s_prest_diag(pc, "TR388", "9388", "ProductPeriode/Einddatum", 0,
                     "Einddatum van de ProductPeriode is niet laatste dag van de kalendermaand en "
                     "Einddatum van de toewijzing ligt niet eerder in deze maand");
    }
}

/*
 * The 323 rules, per Prestatie, against the stored (latest, IV013) version of the
 * toewijzing with the Prestatie's ToewijzingNummer of this gemeente (Ontvanger):
 * - TR338 (9338): the toewijzing exists and is this aanbieder's (Afzender). When it fails,
 *   nothing else can be compared and the other rules are not reported for that Prestatie.
 * - TR304 (8187): the Client's Bsn is the toewijzing's. Reported at the Client's Bsn, with
 *   cls the Prestatie (the retourcode belongs to the prestatie that does not fit).
 * - TR339 (9339) / TR340 (9340): ProductCategorie / ProductCode equal the toewijzing's when
 *   the toewijzing has one ("indien deze opgenomen is"; Code is absent on an aspecifieke
 *   toewijzing, Categorie is 1..1 in the 301 so always compared).
 * - TR341 (9341): Eenheid fits the toewijzing's Omvang/Eenheid (see s_eenheid_fits). A
 *   toewijzing without Omvang (a budget toewijzing) gives nothing to compare; which
 *   Eenheid fits then is a matter of contract (spec §5.4) and is not checked here.
 * - TR307 (9307): ProductPeriode/Begindatum >= Ingangsdatum.
 * - TR308 (9308): ProductPeriode/Einddatum <= Einddatum, when the toewijzing has one.
 * - TR384 (9384): not on a toewijzing whose RedenWijziging is 13 (verwijderd). Credits are
 *   declaraties too and are checked like debets (uncertain: a credit on a since-deleted
 *   toewijzing is rejected; TR385 should prevent that state).
 * - TR387 (9387) / TR388 (9388): the ProductPeriode's month boundaries (s_check_month).
 * - TR321 (9321), TR322 (9322), TR369 (9369): volumes and budget (s_check_volume).
 * One diagnostic per violated rule per Prestatie; every rule is evaluated.
 */
static gw_verdict_t
s_check_323(s_state_t *st, const gw_msg_t *msg, gw_diag_t *diag, sqlite3 *db)
{
    const gw_header_t *h = msg->bericht->Header;
    const gw_declaratie_t *d = msg->bericht->Declaratie;
    if (!h || !h->Afzender || !h->Ontvanger || !d) {
        return GW_VERDICT_PASS;
    }
    int family = (int)msg->type->family;
    int rejected = 0;
    s_mindex_t ix = {NULL, 0, 0}; /* the message's Prestaties, for the volume rules */
    for (size_t ci = 0; ci < d->Client.n; ci++) {
        const gw_client_t *c = &d->Client.v[ci];
        for (size_t pi = 0; pi < c->Prestatie.n; pi++) {
            s_prest_t pc = {.diag = diag, .p = &c->Prestatie.v[pi]};
            const gw_prestatie_t *p = pc.p;
            snprintf(pc.client, sizeof(pc.client), "/Bericht/Declaratie/Clienten/Client[%zu]",
                     ci + 1);
            snprintf(pc.base, sizeof(pc.base), "%s/Prestaties/Prestatie[%zu]", pc.client, pi + 1);
            int64_t nummer = 0;
            s_row_t row;
            int found = 0;
            if (s_nummer(p->ToewijzingNummer, &nummer) &&
                s_find(st, db, family, h->Ontvanger, nummer, &row, &found) != GW_OK) {
                return GW_VERDICT_ERROR;
            }
            if (!found || strcmp(row.aanbieder, h->Afzender) != 0) {
                s_prest_diag(&pc, "TR338", "9338", "ToewijzingNummer", 0,
                             "De Prestatie is gerelateerd aan een ToegewezenProduct op basis van "
                             "het Toewijzingnummer");
            } else {
                if (strcmp(row.bsn, s_str(c->Bsn)) != 0) {
                    s_prest_diag(&pc, "TR304", "8187", "Bsn", 1,
                                 "Bsn moet overeenkomen met Bsn van een Client (de prestatie "
                                 "hoort niet bij deze client)");
                }
                if (row.categorie[0] && strcmp(row.categorie, s_str(p->ProductCategorie)) != 0) {
                    s_prest_diag(&pc, "TR339", "9339", "ProductCategorie", 0,
                                 "ProductCategorie in Prestatie moet gelijk zijn aan "
                                 "ProductCategorie in het ToegewezenProduct");
                }
                if (row.code[0] && strcmp(row.code, s_str(p->ProductCode)) != 0) {
                    s_prest_diag(&pc, "TR340", "9340", "ProductCode", 0,
                                 "ProductCode in Prestatie moet gelijk zijn aan ProductCode in "
                                 "het ToegewezenProduct");
                }
                if (row.eenheid[0] && !s_eenheid_fits(s_str(p->Eenheid), row.eenheid)) {
                    s_prest_diag(&pc, "TR341", "9341", "Eenheid", 0,
                                 "Eenheid in Prestatie moet passen bij Eenheid in het "
                                 "ToegewezenProduct");
                }
                const gw_periode_t *pp = p->ProductPeriode;
                int32_t pb = 0, pe = 0, ti = 0, te = 0;
                if (pp && gw_model_date(pp->Begindatum, &pb) == GW_OK &&
                    gw_model_date(row.ingangsdatum, &ti) == GW_OK && pb < ti) {
                    s_prest_diag(&pc, "TR307", "9307", "ProductPeriode/Begindatum", 0,
                                 "Begindatum in ProductPeriode moet groter dan of gelijk zijn aan "
                                 "Ingangsdatum in ToegewezenProduct");
                }
                if (pp && row.einddatum[0] && gw_model_date(pp->Einddatum, &pe) == GW_OK &&
                    gw_model_date(row.einddatum, &te) == GW_OK && pe > te) {
                    s_prest_diag(&pc, "TR308", "9308", "ProductPeriode/Einddatum", 0,
                                 "Einddatum in ProductPeriode moet kleiner dan of gelijk zijn aan "
                                 "Einddatum in ToegewezenProduct");
                }
                if (strcmp(row.reden, "13") == 0) {
                    s_prest_diag(&pc, "TR384", "9384", "ToewijzingNummer", 0,
                                 "Het is niet toegestaan te declareren op een toewijzing met "
                                 "RedenWijziging 13 (Verwijderd)");
                }
                if (pp && gw_model_date(pp->Begindatum, &pb) == GW_OK &&
                    gw_model_date(pp->Einddatum, &pe) == GW_OK && pb <= pe) {
                    s_check_month(&pc, &row, pb, pe);
                    if (s_check_volume(st, db, msg, &ix, &pc, &row, nummer, pb, pe) != GW_OK) {
                        return GW_VERDICT_ERROR;
                    }
                }
            }
            if (pc.failed) {
                return GW_VERDICT_ERROR;
            }
            rejected |= pc.rejected;
        }
    }
    return rejected ? GW_VERDICT_REJECT : GW_VERDICT_PASS;
}

/* ---- 317: verzoek om wijziging (VOW) ---- */

/* Two optional LDT_ numbers (Budget, Volume) hold the same value: equal as numbers when both
 * are numbers ("0500" = "500"), else equal as text; "" and NULL are absent. */
static int
s_same_value(const char *a, const char *b)
{
    a = s_str(a);
    b = s_str(b);
    int64_t x = 0, y = 0;
    if (a[0] && b[0] && gw_model_int(a, &x) == GW_OK && gw_model_int(b, &y) == GW_OK) {
        return x == y;
    }
    return strcmp(a, b) == 0;
}

/* The Verzoek names nummer in an OngewijzigdProduct or a TeWijzigenProduct. */
static int
s_listed(const gw_verzoek_t *vz, int64_t nummer)
{
    for (size_t i = 0; i < vz->OngewijzigdProduct.n; i++) {
        int64_t n = 0;
        if (s_nummer(vz->OngewijzigdProduct.v[i].ToewijzingNummer, &n) && n == nummer) {
            return 1;
        }
    }
    for (size_t i = 0; i < vz->TeWijzigenProduct.n; i++) {
        int64_t n = 0;
        if (s_nummer(vz->TeWijzigenProduct.v[i].ToewijzingNummer, &n) && n == nummer) {
            return 1;
        }
    }
    return 0;
}

/* The stored (latest, IV013) version of a toewijzing is actueel for this 317: it is this
 * aanbieder's and this client's, not verwijderd (RedenWijziging 13), and its Einddatum is
 * absent or not before the Dagtekening. The same test as s_sql_actueel. */
static int
s_actueel(const s_row_t *row, const char *aanbieder, const char *bsn, const char *dagtekening)
{
    return strcmp(row->aanbieder, aanbieder) == 0 && strcmp(row->bsn, bsn) == 0 &&
           strcmp(row->reden, "13") != 0 &&
           (!row->einddatum[0] || strcmp(row->einddatum, dagtekening) >= 0);
}

/* The actuele toewijzingen a 317 lists, as s_missing read them: the product rules use these
 * rows instead of looking each number up again (one statement per 317 instead of one per
 * product). */
typedef struct s_act {
    int64_t *nummer; /* ToewijzingNummer */
    s_row_t *row;    /* its stored row */
    size_t n, cap;
} s_act_t;

/* The cached row of nummer, or NULL. */
static const s_row_t *
s_act_find(const s_act_t *a, int64_t nummer)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->nummer[i] == nummer) {
            return &a->row[i];
        }
    }
    return NULL;
}

/* Count the actuele toewijzingen of the 317's client that its Verzoek does not list, and keep
 * the rows of those it does list in *act, once. @returns SQLITE_DONE (with *missing) or the
 * SQLite error. */
static int
s_missing_once(s_state_t *st, int family, const gw_header_t *h, const char *bsn,
               const char *dagtekening, const gw_verzoek_t *vz, size_t *missing, s_act_t *act)
{
    sqlite3_stmt *s = st->actueel;
    *missing = 0;
    act->n = 0;
    int rc = sqlite3_bind_int(s, 1, family);
    const char *txt[] = {h->Ontvanger, bsn, h->Afzender, dagtekening};
    for (int i = 0; rc == SQLITE_OK && i < 4; i++) {
        rc = sqlite3_bind_text(s, 2 + i, txt[i], -1, SQLITE_STATIC);
    }
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            continue;
        }
        int64_t nummer = sqlite3_column_int64(s, 0);
        if (!s_listed(vz, nummer)) {
            (*missing)++;
        } else if (act->n < act->cap) {
            act->nummer[act->n] = nummer;
            s_read_row(s, 1, &act->row[act->n]);
            act->n++;
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

/* s_missing_once with the retry of s_find. @returns GW_OK (with *missing) or a gw_rc_t. */
static int
s_missing(s_state_t *st, sqlite3 *db, int family, const gw_header_t *h, const char *bsn,
          const char *dagtekening, const gw_verzoek_t *vz, size_t *missing, s_act_t *act)
{
    int rc = s_ready(st, db);
    if (rc != GW_OK) {
        return rc;
    }
    int src = s_missing_once(st, family, h, bsn, dagtekening, vz, missing, act);
    if (src != SQLITE_DONE) {
        s_forget(st);
        if (s_ready(st, db) == GW_OK) {
            src = s_missing_once(st, family, h, bsn, dagtekening, vz, missing, act);
        }
    }
    if (src != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "toewijzing_sqlite", "step=actueel rc=%d err=\"%s\"", src,
               sqlite3_errmsg(db));
        s_forget(st);
        return gw_fsql_rc(src);
    }
    return GW_OK;
}

/* One rule's finding on a VOW product (or the Verzoek): add it and remember the verdict. */
typedef struct s_vow {
    gw_diag_t *diag;
    const void *cls; /* the gw_vow_product_t (or gw_verzoek_t) the retourcode goes on */
    char base[160];  /* its path: /Bericht/Client/Verzoek/<list>/<product>[i] */
    int rejected;
    int failed; /* OOM */
} s_vow_t;

static void
s_vow_diag(s_vow_t *vc, const char *rule, const char *code, const char *sub, const char *text)
{
    if (vc->failed) {
        return;
    }
    char path[224];
    snprintf(path, sizeof(path), "%s%s%s", vc->base, sub ? "/" : "", sub ? sub : "");
    if (!s_diag(vc->diag, rule, code, path, vc->cls, text)) {
        vc->failed = 1;
        return;
    }
    vc->rejected = 1;
}

/* The 317 carries a change of the budget or of an Omvang "totaal over de toewijzingsperiode"
 * (Frequentie 6) compared with the stored toewijzing (TR373). */
static int
s_total_changed(const gw_vow_product_t *vp, const s_row_t *row)
{
    if (vp->Budget && !s_same_value(vp->Budget, row->budget)) {
        return 1;
    }
    const gw_omvang_t *o = vp->Omvang;
    if (!o || strcmp(s_str(o->Frequentie), "6") != 0) {
        return 0;
    }
    return strcmp(row->frequentie, "6") != 0 || !s_same_value(o->Volume, row->volume) ||
           strcmp(s_str(o->Eenheid), row->eenheid) != 0;
}

/* The rules on one TeWijzigenProduct whose toewijzing is actueel (row). */
static void
s_check_te_wijzigen(s_vow_t *vc, const gw_vow_product_t *vp, const s_row_t *row,
                    const char *dagtekening)
{
    int32_t gewenst = 0, dag = 0, ingang = 0, eind = 0;
    int have = gw_model_date(vp->GewensteIngangsdatum, &gewenst) == GW_OK &&
               gw_model_date(row->ingangsdatum, &ingang) == GW_OK;
    if (have && gw_model_date(dagtekening, &dag) == GW_OK && gewenst <= dag && gewenst != ingang) {
        s_vow_diag(vc, "TR357", "9357", "GewensteIngangsdatum",
                   "GewensteIngangsdatum is kleiner dan of gelijk aan de dagtekening, maar niet "
                   "gelijk aan de ingangsdatum van het originele ToegewezenProduct");
    }
    if (have && gewenst != ingang && s_total_changed(vp, row)) {
        s_vow_diag(vc, "TR373", "9373", "GewensteIngangsdatum",
                   "Budget is gewijzigd, maar GewensteIngangsdatum is niet gelijk aan die in de "
                   "actuele toewijzing");
    }
    /* "Einddatum groter dan 31-12-2020 of leeg": the stored toewijzing's Einddatum. */
    int na_2020 = !row->einddatum[0] || (gw_model_date(row->einddatum, &eind) == GW_OK &&
                                         eind > gw_model_days(2020, 12, 31));
    if (vp->Omvang && !row->code[0] && na_2020) {
        if (!row->categorie[0]) {
            s_vow_diag(vc, "TR375", "9375", "Omvang",
                       "Omvang is gevuld, terwijl Product in toewijzing met ToewijzingNummer leeg "
                       "is en Einddatum groter dan 31-12-2020 of leeg is");
        } else {
            s_vow_diag(vc, "TR412", "9412", "Omvang",
                       "Omvang is niet leeg, terwijl Code in Product bij de toewijzing met "
                       "ToewijzingNummer leeg is en einddatum groter dan 31-12-2020 of leeg is");
        }
    }
    if (!vp->Omvang && row->code[0]) {
        s_vow_diag(vc, "TR411", "9411", NULL,
                   "Omvang is leeg, terwijl Code in Product bij de toewijzing met "
                   "ToewijzingNummer gevuld is");
    }
}

/* One product of a 317 with its zorgperiode (TR361). */
typedef struct s_span {
    char categorie[16];  /* Product Categorie (a copy: rows live on the caller's stack) */
    char code[16];       /* Product Code, "" = aspecifiek */
    int32_t begin, end;  /* zorgperiode (days); end INT32_MAX when open */
    const void *cls;       /* the gw_vow_product_t */
    char path[160];        /* its path */
} s_span_t;

/* The zorgperiode of an OngewijzigdProduct (te 0) or TeWijzigenProduct (te 1) whose actuele
 * toewijzing is row: the toewijzing's product, from its Ingangsdatum to its Einddatum, or for
 * a TeWijzigenProduct to the Einddatum it asks for (absent: the toewijzing's). A toewijzing
 * without Product (generiek) gets categorie "" and is skipped by s_check_tr361. */
static void
s_span_of_row(s_span_t *sp, const gw_vow_product_t *vp, const s_row_t *row, const char *path,
              int te)
{
    memset(sp, 0, sizeof(*sp));
    snprintf(sp->categorie, sizeof(sp->categorie), "%s", row->categorie);
    snprintf(sp->code, sizeof(sp->code), "%s", row->code);
    sp->cls = vp;
    snprintf(sp->path, sizeof(sp->path), "%s", path);
    sp->begin = INT32_MIN;
    sp->end = INT32_MAX;
    const char *eind = te && vp->Einddatum ? vp->Einddatum : row->einddatum;
    if (gw_model_date(row->ingangsdatum, &sp->begin) != GW_OK ||
        (eind[0] && gw_model_date(eind, &sp->end) != GW_OK)) {
        sp->categorie[0] = '\0'; /* not comparable */
    }
}

/*
 * TR361 (9361), 317: "Een Product mag alleen vaker in verzoek om wijziging voorkomen als de
 * zorgperiodes elkaar niet overlappen." The products are those of the OngewijzigdProducten and
 * TeWijzigenProducten (from their stored actuele toewijzing, see s_span_of_row) and of the
 * NieuwProducten (their Product, GewensteIngangsdatum to Einddatum or open). A product is
 * Categorie plus Code (both aspecifiek: Categorie alone); a generiek one (no Product) is never
 * "the same product". Every product whose zorgperiode overlaps that of an earlier one (document
 * order: Ongewijzigd, TeWijzigen, Nieuw) gets a diagnostic at its element, cls that product.
 * Products whose toewijzing failed TR350/TR351/TR304 are left out.
 * @returns 1 when something was reported, 0 when not, -1 on OOM.
 */
static int
s_check_tr361(gw_diag_t *diag, const s_span_t *v, size_t n)
{
    int reported = 0;
    for (size_t j = 1; j < n; j++) {
        if (!v[j].categorie[0]) {
            continue;
        }
        for (size_t i = 0; i < j; i++) {
            if (strcmp(v[i].categorie, v[j].categorie) == 0 && strcmp(v[i].code, v[j].code) == 0 &&
                v[i].begin <= v[j].end && v[j].begin <= v[i].end) {
                if (!s_diag(diag, "TR361", "9361", v[j].path, v[j].cls,
                            "Het product komt vaker voor met overlappende zorgperiodes")) {
                    return -1;
                }
                reported = 1;
                break;
            }
        }
    }
    return reported;
}

/*
 * The 317 rules, against the client's actuele toewijzingen at this gemeente (Ontvanger) for
 * this aanbieder (Afzender). Reading of "actueel": the stored version (the latest, IV013) of
 * a toewijzing of this client (Bsn), not verwijderd (RedenWijziging 13, which counts as never
 * sent, CS335), whose Einddatum is absent or on or after the 317's Dagtekening (a toewijzing
 * that ended before the verzoek was made is no longer current; one ending that day still is).
 * A toewijzing whose Ingangsdatum lies after the Dagtekening is actueel too (it is valid on or
 * after the creation date, OP087).
 * - TR349 (9349), on the Verzoek: every actuele toewijzing is named in an OngewijzigdProduct
 *   or a TeWijzigenProduct. One diagnostic per Verzoek, however many are missing.
 * - TR350 (9350) / TR351 (9351): the ToewijzingNummer of each OngewijzigdProduct /
 *   TeWijzigenProduct is an actuele toewijzing. When TR351 fails nothing else can be
 *   compared and the rules below are not reported for that TeWijzigenProduct.
 * - TR357 (9357): GewensteIngangsdatum <= Dagtekening must equal the toewijzing's
 *   Ingangsdatum.
 * - TR373 (9373): a changed Budget (given and not the stored Budget, compared as numbers), or
 *   a changed Omvang with Frequentie 6 (totaal binnen geldigheidsduur; the rule's "totaal over
 *   toewijzingsperiode"), needs GewensteIngangsdatum = the toewijzing's Ingangsdatum. A Budget
 *   repeated unchanged is not a change.
 * - TR375 (9375) / TR412 (9412): both forbid an Omvang on a TeWijzigenProduct whose toewijzing
 *   has no Product Code and an Einddatum after 2020-12-31 or none. They are told apart by what
 *   is empty in the toewijzing: TR375 ("Product ... leeg") when the 301 had no Product at all,
 *   TR412 ("Code in Product ... leeg") when it had a Product with a Categorie but no Code
 *   (aspecifiek). So exactly one of them is reported, at the Omvang.
 * - TR411 (9411): no Omvang while the toewijzing's Product has a Code. The Omvang is absent,
 *   so the path is the TeWijzigenProduct itself.
 * - TR304 (8187): the toewijzing of an OngewijzigdProduct/TeWijzigenProduct is this
 *   aanbieder's but another client's (Bsn): reported at /Bericht/Client/Bsn, cls the product,
 *   instead of TR350/TR351 (the number does exist, it is the Bsn that does not fit).
 * - TR361 (9361): the same product twice with overlapping zorgperiodes (s_check_tr361).
 * Paths of the other product rules are the offending element, cls the gw_vow_product_t. The
 * NieuwProducten refer to no toewijzing and are only checked by TR361.
 */
static gw_verdict_t
s_check_317(s_state_t *st, const gw_msg_t *msg, gw_diag_t *diag, sqlite3 *db)
{
    const gw_header_t *h = msg->bericht->Header;
    const gw_client_t *c = msg->bericht->Client;
    if (!h || !h->Afzender || !h->Ontvanger || !h->BerichtIdentificatie ||
        !h->BerichtIdentificatie->Dagtekening || !c || !c->Bsn || !c->Verzoek) {
        return GW_VERDICT_PASS; /* the XSD guarantees them */
    }
    const char *dagtekening = h->BerichtIdentificatie->Dagtekening;
    const gw_verzoek_t *vz = c->Verzoek;
    int family = (int)msg->type->family;
    int rejected = 0;

    size_t missing = 0;
    s_act_t act = {NULL, NULL, 0, vz->OngewijzigdProduct.n + vz->TeWijzigenProduct.n};
    if (act.cap > 0) {
        act.nummer = gw_arena_alloc(msg->arena, act.cap * sizeof(*act.nummer));
        act.row = gw_arena_alloc(msg->arena, act.cap * sizeof(*act.row));
        if (!act.nummer || !act.row) {
            gw_log(GW_LOG_ERROR, "toewijzing_nomem", "type=%s", msg->type->name);
            return GW_VERDICT_ERROR;
        }
    }
    if (s_missing(st, db, family, h, c->Bsn, dagtekening, vz, &missing, &act) != GW_OK) {
        return GW_VERDICT_ERROR;
    }
    if (missing > 0) {
        if (!s_diag(diag, "TR349", "9349", "/Bericht/Client/Verzoek", vz,
                    "Het VOW bericht bevat niet alle actuele toegewezen producten van de client, "
                    "hetzij in OngewijzigdProduct, hetzij in TeWijzigenProduct")) {
            return GW_VERDICT_ERROR;
        }
        rejected = 1;
    }

    size_t ntotal = vz->OngewijzigdProduct.n + vz->TeWijzigenProduct.n + vz->NieuwProduct.n;
    s_span_t *spans = ntotal ? gw_arena_alloc(msg->arena, ntotal * sizeof(*spans)) : NULL;
    size_t nspans = 0;
    if (ntotal && !spans) {
        gw_log(GW_LOG_ERROR, "toewijzing_nomem", "type=%s", msg->type->name);
        return GW_VERDICT_ERROR;
    }
    for (int te = 0; te < 2; te++) {
        size_t n = te ? vz->TeWijzigenProduct.n : vz->OngewijzigdProduct.n;
        const gw_vow_product_t *list = te ? vz->TeWijzigenProduct.v : vz->OngewijzigdProduct.v;
        for (size_t i = 0; i < n; i++) {
            const gw_vow_product_t *vp = &list[i];
            s_vow_t vc = {.diag = diag, .cls = vp};
            snprintf(vc.base, sizeof(vc.base), "/Bericht/Client/Verzoek/%s/%s[%zu]",
                     te ? "TeWijzigenProducten" : "OngewijzigdeProducten",
                     te ? "TeWijzigenProduct" : "OngewijzigdProduct", i + 1);
            int64_t nummer = 0;
            s_row_t row;
            int found = 0;
            int have = s_nummer(vp->ToewijzingNummer, &nummer);
            const s_row_t *cached = have ? s_act_find(&act, nummer) : NULL;
            if (cached) {
                row = *cached;
                found = 1;
            } else if (have &&
                       s_find(st, db, family, h->Ontvanger, nummer, &row, &found) != GW_OK) {
                return GW_VERDICT_ERROR;
            }
            if (found && strcmp(row.aanbieder, h->Afzender) == 0 && strcmp(row.bsn, c->Bsn) != 0) {
                if (!s_diag(diag, "TR304", "8187", "/Bericht/Client/Bsn", vp,
                            "Bsn moet overeenkomen met Bsn van een Client (de toewijzing met dit "
                            "ToewijzingNummer hoort niet bij deze client)")) {
                    return GW_VERDICT_ERROR;
                }
                vc.rejected = 1;
            } else if (!found || !s_actueel(&row, h->Afzender, c->Bsn, dagtekening)) {
                if (te) {
                    s_vow_diag(&vc, "TR351", "9351", "ToewijzingNummer",
                               "TeWijzigenProduct is niet gerelateerd aan een actuele toewijzing "
                               "op basis van ToewijzingNummer");
                } else {
                    s_vow_diag(&vc, "TR350", "9350", "ToewijzingNummer",
                               "OngewijzigdProduct is niet gerelateerd aan een actueel "
                               "toegewezen product op basis van het toewijzingnummer");
                }
            } else {
                if (te) {
                    s_check_te_wijzigen(&vc, vp, &row, dagtekening);
                }
                s_span_of_row(&spans[nspans++], vp, &row, vc.base, te);
            }
            if (vc.failed) {
                return GW_VERDICT_ERROR;
            }
            rejected |= vc.rejected;
        }
    }
    for (size_t i = 0; i < vz->NieuwProduct.n; i++) {
        const gw_vow_product_t *vp = &vz->NieuwProduct.v[i];
        s_span_t *sp = &spans[nspans];
        if (!vp->Product || !vp->Product->Categorie ||
            gw_model_date(vp->GewensteIngangsdatum, &sp->begin) != GW_OK) {
            continue; /* generiek (no Product): nothing to compare */
        }
        sp->end = INT32_MAX;
        if (vp->Einddatum && gw_model_date(vp->Einddatum, &sp->end) != GW_OK) {
            continue;
        }
        snprintf(sp->categorie, sizeof(sp->categorie), "%s", vp->Product->Categorie);
        snprintf(sp->code, sizeof(sp->code), "%s", s_str(vp->Product->Code));
        sp->cls = vp;
        snprintf(sp->path, sizeof(sp->path),
                 "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct[%zu]", i + 1);
        nspans++;
    }
    int r361 = s_check_tr361(diag, spans, nspans);
    if (r361 < 0) {
        return GW_VERDICT_ERROR;
    }
    return rejected || r361 ? GW_VERDICT_REJECT : GW_VERDICT_PASS;
}

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    if (!msg->bericht) {
        return GW_VERDICT_PASS;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "toewijzing_no_db", "type=%s", msg->type->name);
        return GW_VERDICT_ERROR;
    }
    switch (msg->type->number) {
    case 301:
        return s_check_301(st, msg, diag, ctx->db);
    case 305:
    case 307:
        return s_check_start_stop(st, msg, diag, ctx->db);
    case 323:
        return s_check_323(st, msg, diag, ctx->db);
    case 317:
        return s_check_317(st, msg, diag, ctx->db);
    default:
        return GW_VERDICT_PASS;
    }
}

/* Record every ToegewezenProduct of an accepted 301 (see the file header on versions). */
static int
s_on_accept(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    if (msg->type->number != 301 || !msg->bericht) {
        return GW_OK;
    }
    const gw_header_t *h = msg->bericht->Header;
    const gw_client_t *c = msg->bericht->Client;
    if (!h || !h->Afzender || !c) {
        return GW_OK;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "toewijzing_no_db", "type=%s", msg->type->name);
        return GW_EINVAL;
    }
    int rc = s_ready(st, ctx->db);
    if (rc != GW_OK) {
        return rc;
    }
    int family = (int)msg->type->family;
    for (size_t i = 0; i < c->ToegewezenProduct.n; i++) {
        const gw_toegewezen_product_t *tp = &c->ToegewezenProduct.v[i];
        int64_t nummer = 0;
        if (!s_nummer(tp->ToewijzingNummer, &nummer)) {
            continue; /* the XSD guarantees an LDT_Nummer */
        }
        char stamp[48];
        s_stamp(tp->Toewijzingsdatum, tp->Toewijzingstijd, stamp, sizeof(stamp));
        int src = s_upsert_once(st, family, h, c, tp, nummer, stamp);
        if (src != SQLITE_DONE) {
            s_forget(st); /* retry once on fresh statements (see filter_tr056.c) */
            if (s_ready(st, ctx->db) == GW_OK) {
                src = s_upsert_once(st, family, h, c, tp, nummer, stamp);
            }
        }
        if (src != SQLITE_DONE) {
            gw_log(GW_LOG_ERROR, "toewijzing_sqlite", "step=upsert type=%s rc=%d err=\"%s\"",
                   msg->type->name, src, sqlite3_errmsg(ctx->db));
            s_forget(st);
            return gw_fsql_rc(src);
        }
    }
    return GW_OK;
}

const gw_filter_ops_t filter_toewijzing = {
    .abi = GW_FILTER_ABI,
    .name = "toewijzing",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .msgs = GW_M301 | GW_M305 | GW_M307 | GW_M317 | GW_M323,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
};
