/*
 * The toewijzing (assignment) filter: records every accepted JW301/WMO301's
 * ToegewezenProducten in a table of its own in the gateway's store and checks
 * the cross-message rules that need them (spec §5.4):
 *
 * - 301: TR332 (9332) a ToewijzingNummer is unique per gemeente per wettelijk
 *   domein: the same number of this gemeente must not belong to another client.
 * - 305/307: TR019 (9019) a StartProduct/StopProduct with a ToewijzingNummer
 *   relates to a stored toewijzing.
 * - 323: TR338 (9338), TR304 (8187), TR339 (9339), TR340 (9340), TR341 (9341),
 *   TR307 (9307), TR308 (9308) and TR384 (9384), per Prestatie.
 *
 * Key of a stored toewijzing: (family, gemeente, ToewijzingNummer as a number).
 * The gemeente is the 301's Afzender and the aanbieder its Ontvanger; on 305,
 * 307 and 323 the roles are swapped (gemeente = Ontvanger, aanbieder =
 * Afzender). Both come from the message Header, not from ctx->peer: the key is
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
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/log.h"

#include "filter_registry.h"
#include "filter_sql.h"

static const char s_sql_table[] = "CREATE TABLE IF NOT EXISTS toewijzing_product("
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
                                  " PRIMARY KEY(family, gemeente, nummer))";
static const char s_sql_find[] =
    "SELECT aanbieder, bsn, categorie, code, ingangsdatum, einddatum, redenwijziging, eenheid"
    " FROM toewijzing_product WHERE family = ?1 AND gemeente = ?2 AND nummer = ?3";
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

typedef struct s_state {
    sqlite3 *db;          /* handle the statements were prepared on (borrowed) */
    sqlite3_stmt *find;   /* s_sql_find */
    sqlite3_stmt *upsert; /* s_sql_upsert */
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
} s_row_t;

#define S_NSTMTS 2

/* The statement table of this state, for filter_sql.h. */
static void
s_stmts(s_state_t *st, gw_fsql_stmt_t v[S_NSTMTS])
{
    v[0] = (gw_fsql_stmt_t){&st->find, s_sql_find};
    v[1] = (gw_fsql_stmt_t){&st->upsert, s_sql_upsert};
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
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

/* The number of a ToewijzingNummer (LDT_Nummer, 0..999999999), compared as a number so
 * that "012345001" and "12345001" are the same toewijzing. Returns 0 when absent or not a
 * number. */
static int
s_nummer(const char *s, int64_t *out)
{
    return s && gw_model_int(s, out) == GW_OK;
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
            s_col(st->find, 0, row->aanbieder, sizeof(row->aanbieder));
            s_col(st->find, 1, row->bsn, sizeof(row->bsn));
            s_col(st->find, 2, row->categorie, sizeof(row->categorie));
            s_col(st->find, 3, row->code, sizeof(row->code));
            s_col(st->find, 4, row->ingangsdatum, sizeof(row->ingangsdatum));
            s_col(st->find, 5, row->einddatum, sizeof(row->einddatum));
            s_col(st->find, 6, row->reden, sizeof(row->reden));
            s_col(st->find, 7, row->eenheid, sizeof(row->eenheid));
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
    if (opts && opts->n > 0) {
        /* No options: a typo must not pass silently. */
        char buf[256];
        snprintf(buf, sizeof(buf),
                 "%s:%d: filter toewijzing: unknown option '%s' (toewijzing has none)",
                 opts->file ? opts->file : "(config)", opts->v[0].line,
                 opts->v[0].key ? opts->v[0].key : "");
        if (err) {
            *err = gw_strdup(buf);
        }
        return GW_ECONFIG;
    }
    s_state_t *st = gw_calloc(1, sizeof(*st));
    if (!st) {
        return GW_ENOMEM;
    }
    *state = st;
    return GW_OK;
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
            }
            if (pc.failed) {
                return GW_VERDICT_ERROR;
            }
            rejected |= pc.rejected;
        }
    }
    return rejected ? GW_VERDICT_REJECT : GW_VERDICT_PASS;
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
    .msgs = GW_M301 | GW_M305 | GW_M307 | GW_M323,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
};
