/*
 * TR056 (retourcode 9056): "Identificatie moet per berichtsoort uniek zijn voor
 * de verzendende partij." Keeps every accepted (sender, message type,
 * Identificatie) with its Dagtekening in the gateway's store, in a table of its
 * own, and rejects a heenbericht that reuses an Identificatie with another
 * Dagtekening. The same Identificatie and Dagtekening is an exact resend, which
 * the store's dedup answers, so it passes here.
 *
 * Runs on the broker thread inside the broker's transaction: no BEGIN/COMMIT.
 * The table is created on first use and the statements are prepared once per
 * database handle and cached in the state.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/log.h"

#include "filter_registry.h"
#include "filter_sql.h"

#define S_PATH "/Bericht/Header/BerichtIdentificatie/Identificatie"

static const char s_sql_table[] = "CREATE TABLE IF NOT EXISTS tr056_ident("
                                  " sender TEXT NOT NULL,"
                                  " type TEXT NOT NULL,"
                                  " ident TEXT NOT NULL,"
                                  " dagtekening TEXT NOT NULL,"
                                  " PRIMARY KEY(sender, type, ident)) WITHOUT ROWID";
static const char s_sql_find[] =
    "SELECT dagtekening FROM tr056_ident WHERE sender = ?1 AND type = ?2 AND ident = ?3";
static const char s_sql_insert[] =
    "INSERT OR IGNORE INTO tr056_ident(sender, type, ident, dagtekening) VALUES(?1, ?2, ?3, ?4)";

/* The keys, for the negative cache: a new Identificatie (nearly every message) is answered
 * without SQL. tr056_ident is written by this filter only. */
static const char s_sql_scan[] = "SELECT sender, type, ident FROM tr056_ident";

typedef struct s_state {
    sqlite3 *db;          /* handle the statements were prepared on (borrowed) */
    sqlite3_stmt *find;   /* s_sql_find */
    sqlite3_stmt *insert; /* s_sql_insert */
    gw_fsql_bloom_t seen; /* every key in tr056_ident (and maybe more) */
} s_state_t;

/* The key of a message: NULL fields when the message has no Identificatie. */
typedef struct s_key {
    const char *sender;
    const char *type;
    const char *ident;
    const char *dagtekening;
} s_key_t;

#define S_NSTMTS 2

/* The statement table of this state, for filter_sql.h. */
static void
s_stmts(s_state_t *st, gw_fsql_stmt_t v[S_NSTMTS])
{
    v[0] = (gw_fsql_stmt_t){&st->find, s_sql_find};
    v[1] = (gw_fsql_stmt_t){&st->insert, s_sql_insert};
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
    return gw_fsql_ready(&st->db, db, "tr056", s_sql_table, v, S_NSTMTS);
}

static int
s_key(const gw_msg_t *msg, const gw_filter_ctx_t *ctx, s_key_t *k)
{
    memset(k, 0, sizeof(*k));
    const gw_header_t *h = msg->bericht ? msg->bericht->Header : NULL;
    const gw_bericht_identificatie_t *id = h ? h->BerichtIdentificatie : NULL;
    if (!id || !id->Identificatie || !id->Dagtekening) {
        return 0; /* the XSD guarantees both on every heenbericht; nothing to check */
    }
    k->sender = ctx && ctx->peer ? ctx->peer : h->Afzender;
    if (!k->sender) {
        return 0;
    }
    k->type = msg->type->name;
    k->ident = id->Identificatie;
    k->dagtekening = id->Dagtekening;
    return 1;
}

static uint64_t
s_hash(const s_key_t *k)
{
    uint64_t h = gw_fsql_hash_text(GW_FSQL_HASH0, k->sender);
    h = gw_fsql_hash_text(h, k->type);
    return gw_fsql_hash_text(h, k->ident);
}

static int
s_bind_key(sqlite3_stmt *s, const s_key_t *k)
{
    int rc = sqlite3_bind_text(s, 1, k->sender, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 2, k->type, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 3, k->ident, -1, SQLITE_STATIC);
    }
    return rc;
}

/* Look k up. @returns SQLITE_DONE (with *found and earlier) or the SQLite error. */
static int
s_find(s_state_t *st, const s_key_t *k, char *earlier, size_t cap, int *found)
{
    *found = 0;
    int rc = s_bind_key(st->find, k);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st->find);
        if (rc == SQLITE_ROW) {
            const unsigned char *d = sqlite3_column_text(st->find, 0);
            *found = 1;
            snprintf(earlier, cap, "%s", d ? (const char *)d : "");
            rc = SQLITE_DONE;
        }
    }
    sqlite3_reset(st->find);
    sqlite3_clear_bindings(st->find);
    return rc;
}

/* Record k. @returns SQLITE_DONE or the SQLite error. */
static int
s_insert(s_state_t *st, const s_key_t *k)
{
    int rc = s_bind_key(st->insert, k);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(st->insert, 4, k->dagtekening, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st->insert);
    }
    sqlite3_reset(st->insert);
    sqlite3_clear_bindings(st->insert);
    return rc;
}

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    return gw_fsql_create(state, sizeof(s_state_t), "tr056", opts, err);
}

static void
s_destroy(void *state)
{
    s_state_t *st = state;
    if (!st) {
        return;
    }
    s_forget(st);
    gw_fsql_bloom_free(&st->seen);
    gw_free(st);
}

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_key_t k;
    if (!s_key(msg, ctx, &k)) {
        return GW_VERDICT_PASS;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "tr056_no_db", "type=%s", k.type);
        return GW_VERDICT_ERROR;
    }
    if (s_ready(st, ctx->db) != GW_OK) {
        return GW_VERDICT_ERROR;
    }
    if (gw_fsql_bloom_ready(&st->seen, ctx->db, s_sql_scan) == GW_OK &&
        !gw_fsql_bloom_maybe(&st->seen, s_hash(&k))) {
        return GW_VERDICT_PASS; /* certainly a new Identificatie */
    }
    char earlier[64] = "";
    int found = 0;
    int rc = s_find(st, &k, earlier, sizeof(earlier), &found);
    if (rc != SQLITE_DONE) {
        /* A rolled-back first transaction may have taken the table with it: retry once. */
        s_forget(st);
        if (s_ready(st, ctx->db) == GW_OK) {
            rc = s_find(st, &k, earlier, sizeof(earlier), &found);
        }
    }
    if (rc != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "tr056_sqlite", "step=find type=%s rc=%d err=\"%s\"", k.type, rc,
               sqlite3_errmsg(ctx->db));
        s_forget(st); /* re-prepare (and re-create the table) on the next message */
        return GW_VERDICT_ERROR;
    }
    if (!found || strcmp(earlier, k.dagtekening) == 0) {
        return GW_VERDICT_PASS;
    }
    if (gw_diag_add(diag, GW_LEVEL_CROSS, "TR056", "9056", S_PATH, 0, NULL,
                    "Identificatie moet per berichtsoort uniek zijn voor de verzendende partij "
                    "(eerder ontvangen met Dagtekening %s)",
                    earlier) != GW_OK) {
        gw_log(GW_LOG_ERROR, "tr056_nomem", "type=%s", k.type);
        return GW_VERDICT_ERROR;
    }
    return GW_VERDICT_REJECT;
}

static int
s_on_accept(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_key_t k;
    if (!s_key(msg, ctx, &k)) {
        return GW_OK;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "tr056_no_db", "type=%s", k.type);
        return GW_EINVAL;
    }
    int rc = s_ready(st, ctx->db);
    if (rc != GW_OK) {
        return rc;
    }
    int src = s_insert(st, &k);
    if (src != SQLITE_DONE) {
        s_forget(st); /* see s_on_message: retry once on fresh statements */
        if (s_ready(st, ctx->db) == GW_OK) {
            src = s_insert(st, &k);
        }
    }
    if (src != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "tr056_sqlite", "step=insert type=%s rc=%d err=\"%s\"", k.type, src,
               sqlite3_errmsg(ctx->db));
        s_forget(st);
        return gw_fsql_rc(src);
    }
    gw_fsql_bloom_add(&st->seen, s_hash(&k));
    return GW_OK;
}

const gw_filter_ops_t filter_tr056 = {
    .abi = GW_FILTER_ABI,
    .name = "tr056",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .msgs = GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M319 | GW_M323 | GW_M325,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
};
