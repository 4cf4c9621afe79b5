/*
 * Start/stop regieberichten (JW305/JW307, WMO305/WMO307) across messages:
 * TR074 (9074), TR063 (9063), TR326 (9326), TR071 (9071), TR382 (9069),
 * TR413 (9413), TR414 (9414) and TR415 (9415) (spec §5.4, keys §2.7, flows §1.3).
 *
 * State: one row per StartProduct/StopProduct key ever accepted, per (family,
 * aanbieder = Header/Afzender, gemeente = Header/Ontvanger, Bsn), with a status
 * "actueel" or "verwijderd", in the table startstop_row. on_accept records an
 * accepted message row by row: StatusAanlevering 1 adds the key (or makes a
 * verwijderd key actueel again: "correctie" = delete, then the same key again in a
 * later message), 3 marks it verwijderd. Nothing is ever physically deleted, so a
 * delete of a delete is answered too.
 *
 * Keys (§2.7, IV096). Start: Bsn + ToewijzingNummer + Product + Begindatum. Stop:
 * the start key + RedenBeeindiging + Einddatum. ToewijzingNummer is compared as a
 * number (leading zeros do not matter); absent (taakgericht) is its own value.
 * Product is Categorie + Code (Code may be absent); dates are compared as days.
 * ToewijzingIngangsdatum is not part of any key (IV008).
 *
 * Rows inside one message are checked in document order, each against the stored
 * state plus the effect of the rows before it (as if those were accepted), so a
 * delete followed by a new row in the same message is seen as such. A row's effect
 * is applied even when the row itself failed, so one mistake does not cascade.
 *
 * Readings and uncertainties (the rule texts are short; these are our choices):
 * - TR074 (status 1): the key must not be actueel in the store, and must not occur in
 *   an earlier row of the same message at all ("uniek binnen het bericht zelf"). The
 *   latter also covers IV008: deleting a key and sending the same key again in ONE
 *   message is refused (9074); a correction in one message is fine only when a key
 *   element changed (then the new key is simply new). Re-sending a verwijderd key in
 *   a later message is allowed (correctie start/stop, §1.3).
 * - TR063 (status 3): the key must be actueel (received and not yet removed). An
 *   earlier row that was itself removed does not count: there is nothing to delete.
 * - TR326 (start, status 1): refused when a start for the same toegewezen product
 *   is actueel, i.e. not removed and not stopped. "Toegewezen product" is the
 *   ToewijzingNummer (with Bsn); taakgericht (no ToewijzingNummer, IV096) it is
 *   Product + Begindatum, so there TR326 coincides with TR074 and TR074 answers.
 *   "Not stopped" counts ANY non-removed stop, also a tijdelijke (reden 20): the
 *   spec's state column says "no stop, not deleted", and resuming after a tijdelijke
 *   stop is a new start (305, 307, 305: OP379; TR413 forbids a second tijdelijke stop
 *   on the same Begindatum, so a resumption must carry a new Begindatum). This is
 *   narrower than "not definitively stopped"; a start after a tijdelijke stop passes.
 * - TR071 (start, status 3): refused when a non-removed stop carries this start's key
 *   elements (ToewijzingNummer, Product, Begindatum). A stop that was itself deleted
 *   first no longer blocks ("verwijderen stop", then "verwijderen start").
 * - TR382 (stop, status 1 or 2): the stop's ToewijzingNummer, Product and Begindatum
 *   must equal those of an actueel start: not removed and not definitively stopped
 *   (no non-removed stop with reden <> 20 on that start). A tijdelijk stopped start
 *   can still get its definitive stop (OP377/OP378). Checked after TR415, so a stop
 *   after a definitive stop answers with the more specific 9415.
 * - TR413/TR414/TR415 (stop, status 1 or 2): "hetzelfde Bsn, ToewijzingNummer,
 *   Begindatum" compares exactly those, over non-removed stops; without a
 *   ToewijzingNummer (taakgericht) Product is compared as well, as it is then the
 *   identifying element. TR414's "actuele StopProduct" is read as the non-removed
 *   stop(s) of that group; the Einddatum must be >= the latest of their Einddata.
 * - StatusAanlevering 2 is refused by CS058 before any filter; should it arrive, it
 *   is checked by TR413/414/415/382 (their texts name 1 or 2) and changes no state.
 *   Any other status is ignored.
 * - One diagnostic per row: the first failing rule in the order TR074, TR326 / TR063,
 *   TR071 (starts) and TR074, TR415, TR413, TR414, TR382 / TR063 (stops). Every row of
 *   the message is checked, so the retourbericht names every failing class.
 * - A row whose ToewijzingNummer, Begindatum or Einddatum does not parse (the XSD
 *   prevents it) is neither checked nor recorded.
 *
 * The store keeps the Bsn (as the stored messages do); diagnostics and logs never
 * carry it. Runs on the broker thread inside the broker's transaction: no
 * BEGIN/COMMIT. The table is created on first use; the statements are prepared
 * once per database handle and re-prepared after an SQLite error (a rolled-back
 * first transaction takes the table with it), as in filter_tr056.c.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/arena.h"
#include "gw/log.h"

#include "filter_registry.h"
#include "filter_sql.h"

enum { S_START = 0, S_STOP = 1 };

#define S_NO_TWNR   ((int64_t)-1) /* no ToewijzingNummer (taakgericht) */
#define S_TIJDELIJK "20" /* RedenBeeindiging: levering tijdelijk beeindigd (JZ588/WMO588) */

static const char s_sql_table[] = "CREATE TABLE IF NOT EXISTS startstop_row("
                                  " family INTEGER NOT NULL,"
                                  " aanbieder TEXT NOT NULL,"
                                  " gemeente TEXT NOT NULL,"
                                  " bsn TEXT NOT NULL,"
                                  " kind INTEGER NOT NULL," /* 0 start, 1 stop */
                                  " twnr INTEGER NOT NULL," /* -1: none (taakgericht) */
                                  " product TEXT NOT NULL," /* Categorie|Code, '' when absent */
                                  " begindatum INTEGER NOT NULL," /* days since 1970-01-01 */
                                  " reden TEXT NOT NULL,"         /* stop only; '' for a start */
                                  " einddatum INTEGER NOT NULL,"  /* stop only; 0 for a start */
                                  " removed INTEGER NOT NULL,"    /* 0 actueel, 1 verwijderd */
                                  " PRIMARY KEY(family, aanbieder, gemeente, bsn, kind, twnr,"
                                  "  product, begindatum, reden, einddatum)) WITHOUT ROWID";
static const char s_sql_load[] =
    "SELECT kind, twnr, product, begindatum, reden, einddatum, removed FROM startstop_row"
    " WHERE family = ?1 AND aanbieder = ?2 AND gemeente = ?3 AND bsn = ?4";
static const char s_sql_add[] =
    "INSERT INTO startstop_row(family, aanbieder, gemeente, bsn, kind, twnr, product,"
    " begindatum, reden, einddatum, removed) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)"
    " ON CONFLICT(family, aanbieder, gemeente, bsn, kind, twnr, product, begindatum, reden,"
    " einddatum) DO UPDATE SET removed = 0";
static const char s_sql_remove[] =
    "UPDATE startstop_row SET removed = 1 WHERE family = ?1 AND aanbieder = ?2 AND gemeente = ?3"
    " AND bsn = ?4 AND kind = ?5 AND twnr = ?6 AND product = ?7 AND begindatum = ?8"
    " AND reden = ?9 AND einddatum = ?10";

typedef struct s_state {
    sqlite3 *db;          /* handle the statements were prepared on (borrowed) */
    sqlite3_stmt *load;   /* s_sql_load */
    sqlite3_stmt *add;    /* s_sql_add */
    sqlite3_stmt *remove; /* s_sql_remove */
} s_state_t;

/* Whose rows: one client of one aanbieder at one gemeente. Borrowed strings. */
typedef struct s_party {
    int family;
    const char *aanbieder;
    const char *gemeente;
    const char *bsn;
} s_party_t;

/* One start or stop key with its status (stored, or a row of the message). */
typedef struct s_row {
    int kind;         /* S_START / S_STOP */
    int64_t twnr;     /* ToewijzingNummer, S_NO_TWNR when absent */
    char product[40]; /* "Categorie|Code", "" when absent */
    int32_t begin;    /* Begindatum (days) */
    char reden[8];    /* RedenBeeindiging, "" for a start */
    int32_t eind;     /* Einddatum (days), 0 for a start */
    int removed;      /* verwijderd */
    int touched;      /* named by an earlier row of the message being checked */
    struct s_row *next;
} s_row_t;

/* ---- statements ---- */

#define S_NSTMTS 3

/* The statement table of this state, for filter_sql.h. */
static void
s_stmts(s_state_t *st, gw_fsql_stmt_t v[S_NSTMTS])
{
    v[0] = (gw_fsql_stmt_t){&st->load, s_sql_load};
    v[1] = (gw_fsql_stmt_t){&st->add, s_sql_add};
    v[2] = (gw_fsql_stmt_t){&st->remove, s_sql_remove};
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
    return gw_fsql_ready(&st->db, db, "startstop", s_sql_table, v, S_NSTMTS);
}

static int
s_bind_party(sqlite3_stmt *s, const s_party_t *p)
{
    int rc = sqlite3_bind_int(s, 1, p->family);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 2, p->aanbieder, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 3, p->gemeente, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 4, p->bsn, -1, SQLITE_STATIC);
    }
    return rc;
}

/* Load the party's stored rows into *list (arena). @returns SQLITE_DONE or the error. */
static int
s_load(s_state_t *st, const s_party_t *p, gw_arena_t *arena, s_row_t **list)
{
    *list = NULL;
    s_row_t **tail = list;
    int rc = s_bind_party(st->load, p);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st->load);
        if (rc != SQLITE_ROW) {
            break;
        }
        s_row_t *r = gw_arena_alloc(arena, sizeof(*r));
        if (!r) {
            rc = SQLITE_NOMEM;
            break;
        }
        const unsigned char *prod = sqlite3_column_text(st->load, 2);
        const unsigned char *reden = sqlite3_column_text(st->load, 4);
        r->kind = sqlite3_column_int(st->load, 0);
        r->twnr = sqlite3_column_int64(st->load, 1);
        gw_fsql_copy(r->product, sizeof(r->product), prod);
        r->begin = (int32_t)sqlite3_column_int(st->load, 3);
        gw_fsql_copy(r->reden, sizeof(r->reden), reden);
        r->eind = (int32_t)sqlite3_column_int(st->load, 5);
        r->removed = sqlite3_column_int(st->load, 6) != 0;
        *tail = r;
        tail = &r->next;
    }
    sqlite3_reset(st->load);
    sqlite3_clear_bindings(st->load);
    return rc;
}

/* Run the add or remove statement for r. @returns SQLITE_DONE or the error. */
static int
s_write(sqlite3_stmt *s, const s_party_t *p, const s_row_t *r)
{
    int rc = s_bind_party(s, p);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(s, 5, r->kind);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int64(s, 6, r->twnr);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 7, r->product, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(s, 8, r->begin);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 9, r->reden, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(s, 10, r->eind);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

/* ---- the message ---- */

/* The party of msg and its rows (StartProduct for 305, StopProduct for 307). 0: nothing
 * to check (the XSD guarantees Client, Bsn and the header codes on a heenbericht). */
static int
s_party(const gw_msg_t *msg, s_party_t *p, const gw_start_stop_product_t **v, size_t *n, int *kind)
{
    const gw_bericht_t *b = msg->bericht;
    const gw_header_t *h = b ? b->Header : NULL;
    const gw_client_t *c = b ? b->Client : NULL;
    if (!h || !c || !h->Afzender || !h->Ontvanger || !c->Bsn) {
        return 0;
    }
    p->family = (int)msg->type->family;
    p->aanbieder = h->Afzender;
    p->gemeente = h->Ontvanger;
    p->bsn = c->Bsn;
    if (msg->type->bit == GW_M305) {
        *kind = S_START;
        *v = c->StartProduct.v;
        *n = c->StartProduct.n;
    } else {
        *kind = S_STOP;
        *v = c->StopProduct.v;
        *n = c->StopProduct.n;
    }
    return 1;
}

/* The key of one StartProduct/StopProduct. 0 when an element does not parse. */
static int
s_row_of(const gw_start_stop_product_t *sp, int kind, s_row_t *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->twnr = S_NO_TWNR;
    if (sp->ToewijzingNummer &&
        (gw_model_int(sp->ToewijzingNummer, &r->twnr) != GW_OK || r->twnr < 0)) {
        return 0;
    }
    if (sp->Product) {
        int w = snprintf(r->product, sizeof(r->product), "%s|%s",
                         sp->Product->Categorie ? sp->Product->Categorie : "",
                         sp->Product->Code ? sp->Product->Code : "");
        if (w < 0 || (size_t)w >= sizeof(r->product)) {
            return 0;
        }
    }
    if (gw_model_date(sp->Begindatum, &r->begin) != GW_OK) {
        return 0;
    }
    if (kind == S_STOP) {
        if (!sp->RedenBeeindiging || strlen(sp->RedenBeeindiging) >= sizeof(r->reden) ||
            gw_model_date(sp->Einddatum, &r->eind) != GW_OK) {
            return 0;
        }
        snprintf(r->reden, sizeof(r->reden), "%s", sp->RedenBeeindiging);
    }
    return 1;
}

/* StatusAanlevering as a digit, 0 when absent or other. */
static int
s_status(const gw_start_stop_product_t *sp)
{
    const char *s = sp->StatusAanlevering;
    return s && s[0] >= '1' && s[0] <= '9' && s[1] == '\0' ? s[0] - '0' : 0;
}

/* Same ToewijzingNummer, Product and Begindatum (the start key elements, TR382). */
static int
s_start_key_eq(const s_row_t *a, const s_row_t *b)
{
    return a->twnr == b->twnr && a->begin == b->begin && strcmp(a->product, b->product) == 0;
}

static int
s_key_eq(const s_row_t *a, const s_row_t *b)
{
    return a->kind == b->kind && s_start_key_eq(a, b) && a->eind == b->eind &&
           strcmp(a->reden, b->reden) == 0;
}

static s_row_t *
s_find(s_row_t *list, const s_row_t *k)
{
    for (s_row_t *r = list; r; r = r->next) {
        if (s_key_eq(r, k)) {
            return r;
        }
    }
    return NULL;
}

/* A non-removed stop on start s (definitive only: reden <> 20). */
static int
s_stopped(const s_row_t *list, const s_row_t *s, int definitive_only)
{
    for (const s_row_t *r = list; r; r = r->next) {
        if (r->kind == S_STOP && !r->removed && s_start_key_eq(r, s) &&
            (!definitive_only || strcmp(r->reden, S_TIJDELIJK) != 0)) {
            return 1;
        }
    }
    return 0;
}

/* Same toegewezen product (TR326): ToewijzingNummer, or taakgericht Product + Begindatum. */
static int
s_same_product(const s_row_t *a, const s_row_t *b)
{
    if (a->twnr != S_NO_TWNR || b->twnr != S_NO_TWNR) {
        return a->twnr == b->twnr;
    }
    return a->begin == b->begin && strcmp(a->product, b->product) == 0;
}

/* Same Bsn, ToewijzingNummer and Begindatum (TR413/414/415); Product too when taakgericht. */
static int
s_same_group(const s_row_t *a, const s_row_t *b)
{
    return a->twnr == b->twnr && a->begin == b->begin &&
           (a->twnr != S_NO_TWNR || strcmp(a->product, b->product) == 0);
}

typedef struct s_fail {
    const char *rule;
    const char *code;
    const char *text;
} s_fail_t;

static const s_fail_t s_tr074 = {"TR074", "9074",
                                 "Sleutel van de aanlevering met StatusAanlevering 1 is niet "
                                 "uniek (al eerder ontvangen of eerder in dit bericht)"};
static const s_fail_t s_tr063 = {"TR063", "9063",
                                 "StatusAanlevering 3 zonder eerdere (niet verwijderde) "
                                 "aanlevering met dezelfde logische sleutel"};
static const s_fail_t s_tr326 = {"TR326", "9326",
                                 "Er is al een actueel StartProduct bij het ToegewezenProduct"};
static const s_fail_t s_tr071 = {"TR071", "9071",
                                 "StatusAanlevering 3 niet toegestaan: voor deze start is al een "
                                 "stop verstuurd"};
static const s_fail_t s_tr382 = {"TR382", "9069",
                                 "ToewijzingNummer, Product en Begindatum van het StopProduct "
                                 "komen niet overeen met een actueel StartProduct"};
static const s_fail_t s_tr413 = {"TR413", "9413",
                                 "RedenBeeindiging 20 terwijl er al een StopProduct met hetzelfde "
                                 "Bsn, ToewijzingNummer, Begindatum en RedenBeeindiging 20 is"};
static const s_fail_t s_tr414 = {"TR414", "9414",
                                 "Einddatum is niet >= Einddatum uit actuele StopProduct met "
                                 "gelijk Bsn, ToewijzingNummer en Begindatum"};
static const s_fail_t s_tr415 = {"TR415", "9415",
                                 "Er is al een StopProduct met gelijk Bsn, ToewijzingNummer, "
                                 "Begindatum en RedenBeeindiging <> 20"};

static const s_fail_t *
s_check_start(const s_row_t *list, const s_row_t *k, const s_row_t *found, int status)
{
    if (status == 1) {
        if (found && (!found->removed || found->touched)) {
            return &s_tr074;
        }
        for (const s_row_t *r = list; r; r = r->next) {
            if (r->kind == S_START && !r->removed && s_same_product(r, k) &&
                !s_stopped(list, r, 0)) {
                return &s_tr326;
            }
        }
    } else if (status == 3) {
        if (!found || found->removed) {
            return &s_tr063;
        }
        if (s_stopped(list, found, 0)) {
            return &s_tr071;
        }
    }
    return NULL;
}

static const s_fail_t *
s_check_stop(const s_row_t *list, const s_row_t *k, const s_row_t *found, int status)
{
    if (status == 3) {
        return !found || found->removed ? &s_tr063 : NULL;
    }
    if (status != 1 && status != 2) {
        return NULL;
    }
    if (status == 1 && found && (!found->removed || found->touched)) {
        return &s_tr074;
    }
    int tijdelijk = 0, definitief = 0, have_eind = 0;
    int32_t max_eind = 0;
    for (const s_row_t *r = list; r; r = r->next) {
        if (r->kind != S_STOP || r->removed || !s_same_group(r, k)) {
            continue;
        }
        if (strcmp(r->reden, S_TIJDELIJK) == 0) {
            tijdelijk = 1;
        } else {
            definitief = 1;
        }
        if (!have_eind || r->eind > max_eind) {
            max_eind = r->eind;
            have_eind = 1;
        }
    }
    if (definitief) {
        return &s_tr415;
    }
    if (tijdelijk && strcmp(k->reden, S_TIJDELIJK) == 0) {
        return &s_tr413;
    }
    if (have_eind && k->eind < max_eind) {
        return &s_tr414;
    }
    for (const s_row_t *r = list; r; r = r->next) {
        if (r->kind == S_START && !r->removed && s_start_key_eq(r, k) && !s_stopped(list, r, 1)) {
            return NULL;
        }
    }
    return &s_tr382;
}

/* Let row k (status 1 adds, 3 removes) take effect on the in-memory list. */
static int
s_apply(gw_arena_t *arena, s_row_t **list, s_row_t *found, const s_row_t *k, int status)
{
    if (status != 1 && status != 3) {
        return GW_OK;
    }
    if (!found) {
        found = gw_arena_alloc(arena, sizeof(*found));
        if (!found) {
            return GW_ENOMEM;
        }
        *found = *k;
        found->next = *list;
        *list = found;
    }
    found->removed = status == 3;
    found->touched = 1;
    return GW_OK;
}

/* ---- the filter ---- */

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    return gw_fsql_create(state, sizeof(s_state_t), "startstop", opts, err);
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

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_party_t p;
    const gw_start_stop_product_t *v = NULL;
    size_t n = 0;
    int kind = S_START;
    if (!s_party(msg, &p, &v, &n, &kind) || n == 0) {
        return GW_VERDICT_PASS;
    }
    const char *type = msg->type->name;
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "startstop_no_db", "type=%s", type);
        return GW_VERDICT_ERROR;
    }
    if (s_ready(st, ctx->db) != GW_OK) {
        return GW_VERDICT_ERROR;
    }
    s_row_t *list = NULL;
    int rc = s_load(st, &p, msg->arena, &list);
    if (rc != SQLITE_DONE) {
        /* A rolled-back first transaction may have taken the table with it: retry once. */
        s_forget(st);
        if (s_ready(st, ctx->db) == GW_OK) {
            rc = s_load(st, &p, msg->arena, &list);
        }
    }
    if (rc != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "startstop_sqlite", "step=load type=%s rc=%d err=\"%s\"", type, rc,
               sqlite3_errmsg(ctx->db));
        s_forget(st); /* re-prepare (and re-create the table) on the next message */
        return GW_VERDICT_ERROR;
    }
    const char *cls_path = kind == S_START ? "/Bericht/Client/StartProducten/StartProduct"
                                           : "/Bericht/Client/StopProducten/StopProduct";
    gw_verdict_t verdict = GW_VERDICT_PASS;
    for (size_t i = 0; i < n; i++) {
        s_row_t k;
        if (!s_row_of(&v[i], kind, &k)) {
            continue;
        }
        int status = s_status(&v[i]);
        s_row_t *found = s_find(list, &k);
        const s_fail_t *f = kind == S_START ? s_check_start(list, &k, found, status)
                                            : s_check_stop(list, &k, found, status);
        if (f) {
            char path[96];
            snprintf(path, sizeof(path), "%s[%zu]", cls_path, i + 1);
            if (gw_diag_add(diag, GW_LEVEL_CROSS, f->rule, f->code, path, 0, &v[i], "%s",
                            f->text) != GW_OK) {
                gw_log(GW_LOG_ERROR, "startstop_nomem", "type=%s", type);
                return GW_VERDICT_ERROR;
            }
            verdict = GW_VERDICT_REJECT;
        }
        if (s_apply(msg->arena, &list, found, &k, status) != GW_OK) {
            gw_log(GW_LOG_ERROR, "startstop_nomem", "type=%s", type);
            return GW_VERDICT_ERROR;
        }
    }
    return verdict;
}

static int
s_on_accept(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_party_t p;
    const gw_start_stop_product_t *v = NULL;
    size_t n = 0;
    int kind = S_START;
    if (!s_party(msg, &p, &v, &n, &kind) || n == 0) {
        return GW_OK;
    }
    const char *type = msg->type->name;
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "startstop_no_db", "type=%s", type);
        return GW_EINVAL;
    }
    int rc = s_ready(st, ctx->db);
    if (rc != GW_OK) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        s_row_t k;
        int status = s_status(&v[i]);
        if ((status != 1 && status != 3) || !s_row_of(&v[i], kind, &k)) {
            continue;
        }
        int src = s_write(status == 1 ? st->add : st->remove, &p, &k);
        if (src != SQLITE_DONE) {
            s_forget(st); /* see s_on_message: retry once on fresh statements */
            if (s_ready(st, ctx->db) == GW_OK) {
                src = s_write(status == 1 ? st->add : st->remove, &p, &k);
            }
        }
        if (src != SQLITE_DONE) {
            gw_log(GW_LOG_ERROR, "startstop_sqlite", "step=record type=%s rc=%d err=\"%s\"", type,
                   src, sqlite3_errmsg(ctx->db));
            s_forget(st);
            return gw_fsql_rc(src);
        }
    }
    return GW_OK;
}

const gw_filter_ops_t filter_startstop = {
    .abi = GW_FILTER_ABI,
    .name = "startstop",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .msgs = GW_M305 | GW_M307,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
};
