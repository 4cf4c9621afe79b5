/*
 * The PostgreSQL backend of the durable store (gw_store_pg.h, docs/scale-out.md): the same
 * messages and deliveries as the SQLite store, in a database shared by several gateway
 * nodes. The only file that includes <libpq-fe.h>.
 *
 * Two connections per node: `db` runs every statement (prepared once per session, group
 * transaction per broker loop, synchronous_commit on, so a COMMIT that returned is on the
 * server's disk before the broker ACKs), and `listen` only LISTENs on GW_PG_CHANNEL; the
 * broker polls its socket (gw_store_wake_fd) and calls gw_store_poll to drain it.
 *
 * Multi-node rules, enforced here and not in the broker:
 *  - presence: gw_store_retry_now (called when a party says HELLO) records this node as
 *    the holder of the party's connection (gw_presence). gw_store_due* hand deliveries
 *    only to the holder, so two nodes never both deliver while one holds the connection.
 *  - order: the first put or add_delivery of a transaction takes a transaction-level
 *    advisory lock, so delivery ids (a sequence) are allocated in commit order across
 *    nodes and the broker's per-connection cursor (gw_store_due_after) never skips a row
 *    another node committed later with a lower id. It serialises the write part of the
 *    nodes' batches: a documented limit of this step.
 *  - wake-up: a delivery insert NOTIFYs the recipient's code (no BSN, no payload); the
 *    NOTIFY is sent at COMMIT, so a node pumps only committed rows.
 */
#include "gw_seal.h"
#include "gw_store_pg.h"

#include <endian.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/err.h"

#include "gw_crypt.h"

#define S_PG_SCHEMA     1 /* version of the PostgreSQL schema this code uses */
#define S_PARTY_MAX     64
#define S_BEAT_EVERY_MS 5000 /* gw_nodes.heartbeat_ms refresh */
#define S_RETRY_MS      2000 /* reconnect attempts of a lost connection */
#define S_MAX_PARAMS    12

enum {
    S_DEDUP,
    S_ORDER,
    S_NEXT_MSG,
    S_NEXT_DLV,
    S_INSERT_MSG,
    S_INSERT_DLV,
    S_DUE,
    S_DEAD,
    S_SENT,
    S_ACK,
    S_OWNER,
    S_RETRY_NOW,
    S_PRESENCE,
    S_EXPIRE,
    S_KILL,
    S_REQUEUE_ONE,
    S_REQUEUE_ALL,
    S_FIND_HEEN,
    S_DEPTHS,
    S_BACKLOG,
    S_INFLIGHT,
    S_HAS_SEALED,
    S_BEAT,
    S_COUNT
};

#define S_COLS                                                                                     \
    "d.id, d.msg_id, d.recipient, m.sender, m.type, coalesce(d.payload, m.payload), d.attempts, "  \
    "d.created_ms, d.state, d.payload IS NOT NULL"
#define S_FROM " FROM gw_deliveries d JOIN gw_messages m ON m.id = d.msg_id"

/* Statement name is "s<index>". Results are text except S_DUE and S_DEAD (binary).
 * Advisory locks: class 1768585063 ("ijwg"), key 1 the schema steps (session lock at
 * open), key 2 the delivery order (transaction lock, S_ORDER). */
static const char *const s_sql[S_COUNT] = {
    [S_DEDUP] = "SELECT id FROM gw_messages WHERE sender = $1 AND type = $2 AND ident = $3 AND "
                "dagtekening = $4",
    [S_ORDER] = "SELECT pg_advisory_xact_lock(1768585063, 2)",
    [S_NEXT_MSG] = "SELECT nextval('gw_messages_id_seq')",
    [S_NEXT_DLV] = "SELECT nextval('gw_deliveries_id_seq')",
    /* $11: the id chosen before sealing (the AAD names it), NULL: the sequence's next. */
    [S_INSERT_MSG] = "INSERT INTO gw_messages (id, sender, recipient, type, afzender, ident, "
                     "dagtekening, answers, payload, len, received_ms, node) VALUES "
                     "(coalesce($11::bigint, nextval('gw_messages_id_seq')), $1, $2, $3, $4, $5, "
                     "$6, $7, $8, $9, $10, $12) ON CONFLICT (sender, type, ident, dagtekening) DO "
                     "NOTHING RETURNING id",
    /* No row (no error, the transaction goes on) when message $1 does not exist. */
    [S_INSERT_DLV] = "WITH d AS (INSERT INTO gw_deliveries (id, msg_id, recipient, payload, state, "
                     "attempts, created_ms, next_attempt_ms) SELECT coalesce($5::bigint, "
                     "nextval('gw_deliveries_id_seq')), m.id, $2, $3::bytea, 'pending', 0, $4, 0 "
                     "FROM gw_messages m WHERE m.id = $1 RETURNING recipient) "
                     "SELECT pg_notify('" GW_PG_CHANNEL "', recipient) FROM d",
    [S_DUE] = "SELECT " S_COLS S_FROM
              " WHERE d.recipient = $1 AND d.state <> 'delivered' AND ((d.state = 'pending' AND "
              "d.id > $4) OR (d.state = 'inflight' AND d.next_attempt_ms <= $2)) AND EXISTS "
              "(SELECT 1 FROM gw_presence p WHERE p.party = $1 AND p.node = $5) "
              "ORDER BY d.id LIMIT $3",
    [S_DEAD] = "SELECT " S_COLS S_FROM
               " WHERE d.state <> 'delivered' AND d.state = 'dead' ORDER BY d.created_ms, d.id",
    [S_SENT] = "UPDATE gw_deliveries SET state = 'inflight', attempts = attempts + 1, "
               "next_attempt_ms = $2 WHERE id = $1 AND state IN ('pending', 'inflight')",
    [S_ACK] = "UPDATE gw_deliveries SET state = 'delivered', delivered_ms = $3 WHERE id = $1 AND "
              "recipient = $2 AND state <> 'delivered'",
    [S_OWNER] = "SELECT (recipient = $2)::int FROM gw_deliveries WHERE id = $1",
    [S_RETRY_NOW] = "UPDATE gw_deliveries SET next_attempt_ms = $2 WHERE recipient = $1 AND "
                    "state <> 'delivered' AND state = 'inflight' AND next_attempt_ms > $2",
    [S_PRESENCE] = "INSERT INTO gw_presence (party, node, since_ms) VALUES ($1, $2, $3) "
                   "ON CONFLICT (party) DO UPDATE SET node = excluded.node, "
                   "since_ms = excluded.since_ms",
    [S_EXPIRE] = "UPDATE gw_deliveries SET state = 'dead' WHERE state <> 'delivered' AND "
                 "state IN ('pending', 'inflight') AND created_ms < $1 RETURNING id",
    [S_KILL] = "UPDATE gw_deliveries SET state = 'dead' WHERE id = $1 AND state <> 'delivered' "
               "AND state IN ('pending', 'inflight')",
    [S_REQUEUE_ONE] = "UPDATE gw_deliveries SET state = 'pending', created_ms = $2, attempts = 0, "
                      "next_attempt_ms = 0 WHERE id = $1 AND state = 'dead'",
    [S_REQUEUE_ALL] = "UPDATE gw_deliveries SET state = 'pending', created_ms = $1, attempts = 0, "
                      "next_attempt_ms = 0 WHERE state <> 'delivered' AND state = 'dead'",
    [S_FIND_HEEN] = "SELECT id, sender, recipient FROM gw_messages WHERE type = $1 AND afzender = $2 AND "
                    "ident = $3 AND dagtekening = $4 ORDER BY id LIMIT 1",
    [S_DEPTHS] = "SELECT recipient, count(*) FILTER (WHERE state = 'pending'), "
                 "count(*) FILTER (WHERE state = 'inflight'), "
                 "count(*) FILTER (WHERE state = 'delivered'), "
                 "count(*) FILTER (WHERE state = 'dead'), "
                 "coalesce(min(created_ms) FILTER (WHERE state IN ('pending', 'inflight')), 0) "
                 "FROM gw_deliveries GROUP BY recipient ORDER BY recipient",
    [S_BACKLOG] = "SELECT count(*) FROM gw_deliveries WHERE recipient = $1 AND "
                  "state <> 'delivered' AND state IN ('pending', 'inflight')",
    [S_INFLIGHT] = "SELECT count(*) FROM gw_deliveries WHERE recipient = $1 AND "
                   "state <> 'delivered' AND state = 'inflight'",
    [S_HAS_SEALED] = "SELECT (EXISTS (SELECT 1 FROM gw_messages WHERE "
                     "substring(payload FROM 1 FOR 1) = '\\x00'::bytea) OR EXISTS (SELECT 1 FROM "
                     "gw_deliveries WHERE substring(payload FROM 1 FOR 1) = '\\x00'::bytea))::int",
    [S_BEAT] = "INSERT INTO gw_nodes (node, started_ms, heartbeat_ms) VALUES ($1, $2, $2) "
               "ON CONFLICT (node) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
};

/* Schema version 1, created in one transaction under the schema advisory lock. */
static const char s_schema_v1[] =
    "CREATE SEQUENCE gw_messages_id_seq;"
    "CREATE TABLE gw_messages ("
    "  id bigint PRIMARY KEY,"
    "  sender text NOT NULL,"
    "  recipient text NOT NULL,"
    "  type text NOT NULL,"
    "  afzender text NOT NULL,"
    "  ident text NOT NULL,"
    "  dagtekening text NOT NULL,"
    "  answers bigint NOT NULL DEFAULT 0,"
    "  payload bytea NOT NULL,"
    "  len bigint NOT NULL,"
    "  received_ms bigint NOT NULL,"
    "  node text NOT NULL);" /* the node that accepted it */
    "ALTER SEQUENCE gw_messages_id_seq OWNED BY gw_messages.id;"
    "CREATE UNIQUE INDEX gw_messages_dedup ON gw_messages (sender, type, ident, dagtekening);"
    "CREATE INDEX gw_messages_heen ON gw_messages (type, afzender, ident, dagtekening);"
    "CREATE SEQUENCE gw_deliveries_id_seq;"
    "CREATE TABLE gw_deliveries ("
    "  id bigint PRIMARY KEY,"
    "  msg_id bigint NOT NULL REFERENCES gw_messages (id),"
    "  recipient text NOT NULL,"
    "  payload bytea,"
    "  state text NOT NULL CHECK (state IN ('pending', 'inflight', 'delivered', 'dead')),"
    "  attempts integer NOT NULL DEFAULT 0,"
    "  created_ms bigint NOT NULL,"
    "  next_attempt_ms bigint NOT NULL DEFAULT 0,"
    "  delivered_ms bigint);"
    "ALTER SEQUENCE gw_deliveries_id_seq OWNED BY gw_deliveries.id;"
    "CREATE INDEX gw_deliveries_due ON gw_deliveries (recipient, state, id) "
    "  WHERE state <> 'delivered';"
    "CREATE INDEX gw_deliveries_open ON gw_deliveries (state, created_ms) "
    "  WHERE state <> 'delivered';"
    "CREATE TABLE gw_nodes ("
    "  node text PRIMARY KEY,"
    "  started_ms bigint NOT NULL,"
    "  heartbeat_ms bigint NOT NULL);"
    "CREATE TABLE gw_presence (" /* which node holds a party's connection */
    "  party text PRIMARY KEY,"
    "  node text NOT NULL,"
    "  since_ms bigint NOT NULL);";

/* Append version N + 1 here (and raise S_PG_SCHEMA). */
static const char *const s_migrations[S_PG_SCHEMA + 1] = {NULL, s_schema_v1};

struct gw_pgstore {
    PGconn *db;         /* every statement */
    PGconn *listen;     /* LISTEN GW_PG_CHANNEL only; NULL for a readonly store */
    char *url;          /* connection URL (heap; may hold a password: never logged) */
    char node[64];      /* this node's id (gw_nodes, gw_presence, gw_messages.node) */
    int readonly;       /* opts->readonly */
    int in_tx;          /* a group transaction is open */
    int tx_lost;        /* a statement failed inside it: commit reports failure */
    int ordered;        /* this transaction holds the delivery-order lock */
    gw_keyring_t *keys; /* at-rest encryption; NULL = plaintext */
    uint8_t *seal;      /* scratch for a payload being sealed */
    size_t seal_cap;
    uint8_t *open; /* scratch for the payload of the delivery being walked */
    size_t open_cap;
    int64_t next_beat_ms;  /* next gw_nodes heartbeat */
    int64_t next_retry_ms; /* next reconnect attempt of a lost connection */
    char err[256];         /* gw_pgstore_last_error() */
};

/* Bound parameters of one statement (text, except bytea payloads in binary). */
typedef struct s_params {
    const char *v[S_MAX_PARAMS];
    int len[S_MAX_PARAMS];
    int fmt[S_MAX_PARAMS];
    char num[S_MAX_PARAMS][24];
    int n;
} s_params_t;

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

GW_PRINTF(2, 3)
static void
s_seterr(gw_pgstore_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->err, sizeof(self->err), fmt, ap);
    va_end(ap);
}

static void
s_text(s_params_t *p, const char *s)
{
    p->v[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void
s_int(s_params_t *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", (long long)v);
    s_text(p, p->num[p->n]);
}

static void
s_null(s_params_t *p)
{
    s_text(p, NULL);
}

static void
s_bytes(s_params_t *p, const void *b, size_t len)
{
    p->v[p->n] = len ? (const char *)b : "";
    p->len[p->n] = (int)len;
    p->fmt[p->n] = 1;
    p->n++;
}

/* The server's message without its DETAIL (which may quote key values). Maps disk full
 * (53100) to GW_EFULL, everything else to GW_EIO; a failure inside a group marks it lost. */
static int
s_fail(gw_pgstore_t *self, const char *op, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!prim) {
        prim = PQerrorMessage(self->db);
    }
    char one[160];
    snprintf(one, sizeof(one), "%s", prim ? prim : "?");
    one[strcspn(one, "\n")] = '\0';
    s_seterr(self, "%s: %s (postgresql %s)", op, one, state ? state : "-");
    if (self->in_tx) {
        self->tx_lost = 1;
    }
    return state && strcmp(state, "53100") == 0 ? GW_EFULL : GW_EIO;
}

/* Run prepared statement idx. @returns the result (caller PQclear) or NULL with rc set. */
static PGresult *
s_run(gw_pgstore_t *self, int idx, const s_params_t *p, int binary, const char *op, int *rc)
{
    char name[16];
    snprintf(name, sizeof(name), "s%d", idx);
    *rc = GW_OK;
    if (self->in_tx && self->tx_lost) {
        s_seterr(self, "%s: the group transaction failed earlier; commit or roll back", op);
        *rc = GW_EIO;
        return NULL;
    }
    PGresult *res = PQexecPrepared(self->db, name, p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL,
                                   p ? p->fmt : NULL, binary);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        *rc = s_fail(self, op, res);
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Run a statement for its row count (UPDATE) or ignore its rows. */
static int
s_exec(gw_pgstore_t *self, int idx, const s_params_t *p, const char *op, int64_t *changed)
{
    int rc = GW_OK;
    PGresult *res = s_run(self, idx, p, 0, op, &rc);
    if (changed) {
        *changed = res ? atoll(PQcmdTuples(res)) : 0;
    }
    PQclear(res);
    return rc;
}

/* A one-row, one-column integer query. *found = 0 with no row. */
static int
s_int_query(gw_pgstore_t *self, int idx, const s_params_t *p, const char *op, int64_t *v,
            int *found)
{
    int rc = GW_OK;
    PGresult *res = s_run(self, idx, p, 0, op, &rc);
    if (!res) {
        return rc;
    }
    int got = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0);
    if (got) {
        *v = atoll(PQgetvalue(res, 0, 0));
    }
    if (found) {
        *found = got;
    }
    PQclear(res);
    return GW_OK;
}

/* A simple command outside the prepared set (BEGIN, COMMIT, DDL). */
static int
s_command(gw_pgstore_t *self, PGconn *c, const char *sql, const char *op)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = GW_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = s_fail(self, op, res);
    }
    PQclear(res);
    return rc;
}

static int
s_party_ok(const char *code)
{
    return code && *code && strlen(code) <= S_PARTY_MAX;
}

/* ------------------------------------------------------------ connection ---- */

/* Server notices ("relation ... already exists, skipping") are not errors: not printed. */
static void
s_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Session settings, after every (re)connect. 1 on success. */
static int
s_session(PGconn *c)
{
    PQsetNoticeProcessor(c, s_notice, NULL);
    /* ACK after COMMIT relies on synchronous_commit (the server default may be lowered).
     * lock_timeout bounds the wait for another node's batch (the delivery-order lock); a
     * node stuck inside a transaction is cut off by the server after a minute. */
    PGresult *res = PQexec(c, "SET synchronous_commit = on; SET lock_timeout = '30s'; "
                              "SET idle_in_transaction_session_timeout = '60s'");
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

static PGconn *
s_connect(gw_pgstore_t *self, const char *what)
{
    /* Defaults first: a setting in the URL overrides them (libpq keeps the last value). A
     * dead server or network is noticed in about 25 s instead of the kernel's minutes;
     * until then the broker loop waits (and /healthz reports it). */
    static const char *const keys[] = {"connect_timeout",  "keepalives",
                                       "keepalives_idle",  "keepalives_interval",
                                       "keepalives_count", "fallback_application_name",
                                       "dbname",           NULL};
    const char *const vals[] = {"10", "1", "10", "5", "3", "ijwgw", self->url, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char one[200];
        snprintf(one, sizeof(one), "%s", c ? PQerrorMessage(c) : "out of memory");
        one[strcspn(one, "\n")] = '\0';
        s_seterr(self, "%s connection: %s", what, one);
        PQfinish(c);
        return NULL;
    }
    if (!s_session(c)) {
        s_seterr(self, "%s connection: cannot set the session parameters", what);
        PQfinish(c);
        return NULL;
    }
    return c;
}

static int
s_prepare(gw_pgstore_t *self)
{
    for (int i = 0; i < S_COUNT; i++) {
        char name[16];
        snprintf(name, sizeof(name), "s%d", i);
        PGresult *res = PQprepare(self->db, name, s_sql[i], 0, NULL);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
            int rc = s_fail(self, "prepare", res);
            PQclear(res);
            return rc;
        }
        PQclear(res);
    }
    return GW_OK;
}

/* Create or upgrade the schema: one transaction per version, under an advisory lock so
 * nodes starting together do not race. A newer schema is refused. */
static int
s_schema(gw_pgstore_t *self)
{
    int rc = s_command(self, self->db, "SELECT pg_advisory_lock(1768585063, 1)", "schema lock");
    if (rc != GW_OK) {
        return rc;
    }
    rc = s_command(self, self->db,
                   "CREATE TABLE IF NOT EXISTS gw_schema_version (version integer PRIMARY KEY, "
                   "applied_ms bigint NOT NULL)",
                   "schema");
    int version = 0;
    if (rc == GW_OK) {
        PGresult *res = PQexec(self->db, "SELECT coalesce(max(version), 0) FROM gw_schema_version");
        if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
            version = atoi(PQgetvalue(res, 0, 0));
        } else {
            rc = s_fail(self, "schema version", res);
        }
        PQclear(res);
    }
    if (rc == GW_OK && version > S_PG_SCHEMA) {
        s_seterr(self,
                 "the database has store schema version %d, this ijwgw knows up to %d: "
                 "upgrade ijwgw",
                 version, S_PG_SCHEMA);
        rc = GW_EINVAL;
    }
    if (rc == GW_OK && version < S_PG_SCHEMA && self->readonly) {
        s_seterr(self, "the database has no current store schema (%d < %d)", version, S_PG_SCHEMA);
        rc = GW_EINVAL;
    }
    for (int v = version + 1; rc == GW_OK && v <= S_PG_SCHEMA; v++) {
        char ins[128];
        snprintf(ins, sizeof(ins), "INSERT INTO gw_schema_version VALUES (%d, %lld)", v,
                 (long long)s_now_ms());
        rc = s_command(self, self->db, "BEGIN", "schema begin");
        if (rc == GW_OK) {
            rc = s_command(self, self->db, s_migrations[v], "schema upgrade");
        }
        if (rc == GW_OK) {
            rc = s_command(self, self->db, ins, "schema version");
        }
        if (rc == GW_OK) {
            rc = s_command(self, self->db, "COMMIT", "schema commit");
        } else {
            char keep[256];
            memcpy(keep, self->err, sizeof(keep));
            (void)s_command(self, self->db, "ROLLBACK", "schema rollback");
            memcpy(self->err, keep, sizeof(keep));
        }
    }
    char keep[256];
    memcpy(keep, self->err, sizeof(keep));
    int urc =
        s_command(self, self->db, "SELECT pg_advisory_unlock(1768585063, 1)", "schema unlock");
    if (rc != GW_OK) {
        memcpy(self->err, keep, sizeof(keep));
        return rc;
    }
    return urc;
}

static int
s_listen_open(gw_pgstore_t *self)
{
    PQfinish(self->listen);
    self->listen = s_connect(self, "listen");
    if (!self->listen) {
        return GW_EIO;
    }
    int rc = s_command(self, self->listen, "LISTEN " GW_PG_CHANNEL, "listen");
    if (rc == GW_OK && PQsetnonblocking(self->listen, 1) != 0) {
        s_seterr(self, "listen connection: cannot make it non-blocking");
        rc = GW_EIO;
    }
    if (rc != GW_OK) {
        PQfinish(self->listen);
        self->listen = NULL;
    }
    return rc;
}

/* A lost statement connection is reopened between transactions (prepared statements
 * live in the session, so they are prepared again). */
static int
s_ensure(gw_pgstore_t *self)
{
    if (PQstatus(self->db) == CONNECTION_OK) {
        return GW_OK;
    }
    if (self->in_tx) {
        s_seterr(self, "connection to PostgreSQL lost");
        self->tx_lost = 1;
        return GW_EIO;
    }
    PQreset(self->db);
    if (PQstatus(self->db) != CONNECTION_OK) {
        s_seterr(self, "connection to PostgreSQL lost; reconnecting failed");
        return GW_EIO;
    }
    if (!s_session(self->db)) {
        s_seterr(self, "store connection: cannot set the session parameters");
        return GW_EIO;
    }
    return s_prepare(self);
}

int
gw_pgstore_available(void)
{
    return 1;
}

gw_pgstore_t *
gw_pgstore_open(const char *url, const gw_store_opts_t *opts, char **err)
{
    gw_pgstore_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        if (err) {
            *err = gw_strdup("out of memory");
        }
        return NULL;
    }
    self->readonly = opts && opts->readonly;
    if (opts && opts->node && *opts->node) {
        snprintf(self->node, sizeof(self->node), "%s", opts->node);
    } else if (gethostname(self->node, sizeof(self->node) - 1) != 0 || !self->node[0]) {
        snprintf(self->node, sizeof(self->node), "%s", "ijwgw"); /* a StatefulSet pod: its name */
    }
    self->url = gw_strdup(url ? url : "");
    if (!self->url) {
        s_seterr(self, "out of memory");
        goto fail;
    }
    self->db = s_connect(self, "store");
    if (!self->db || s_schema(self) != GW_OK || s_prepare(self) != GW_OK) {
        goto fail;
    }
    if (!self->readonly) {
        int64_t now = s_now_ms();
        s_params_t p = {.n = 0};
        s_text(&p, self->node);
        s_int(&p, now);
        if (s_exec(self, S_BEAT, &p, "node", NULL) != GW_OK || s_listen_open(self) != GW_OK) {
            goto fail;
        }
        self->next_beat_ms = now + S_BEAT_EVERY_MS;
    }
    return self;
fail:
    if (err) {
        *err = gw_strdup(self->err[0] ? self->err : "cannot open the PostgreSQL store");
    }
    gw_pgstore_close(&self);
    return NULL;
}

void
gw_pgstore_close(gw_pgstore_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_pgstore_t *self = *self_p;
    if (self->db && self->in_tx) {
        (void)s_command(self, self->db, "ROLLBACK", "close");
    }
    PQfinish(self->listen);
    PQfinish(self->db);
    gw_keyring_destroy(&self->keys);
    if (self->url) {
        gw_cleanse(self->url, strlen(self->url)); /* may hold a password */
    }
    gw_free(self->url);
    gw_free(self->seal);
    if (self->open) {
        gw_cleanse(self->open, self->open_cap);
    }
    gw_free(self->open);
    gw_free(self);
    *self_p = NULL;
}

const char *
gw_pgstore_last_error(const gw_pgstore_t *self)
{
    return self->err;
}

/* ------------------------------------------------------------ transactions ---- */

int
gw_pgstore_begin(gw_pgstore_t *self)
{
    if (self->in_tx) {
        s_seterr(self, "begin: a transaction is already open");
        return GW_EIO;
    }
    int rc = s_ensure(self);
    if (rc == GW_OK) {
        rc = s_command(self, self->db, "BEGIN", "begin");
    }
    if (rc == GW_OK) {
        self->in_tx = 1;
        self->tx_lost = 0;
        self->ordered = 0;
    }
    return rc;
}

int
gw_pgstore_commit(gw_pgstore_t *self)
{
    if (!self->in_tx) {
        return GW_OK;
    }
    if (self->tx_lost) {
        char keep[256];
        memcpy(keep, self->err, sizeof(keep));
        (void)gw_pgstore_rollback(self);
        memcpy(self->err, keep, sizeof(keep));
        return GW_EIO;
    }
    PGresult *res = PQexec(self->db, "COMMIT");
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK &&
             strcmp(PQcmdStatus(res), "COMMIT") == 0; /* an aborted one answers ROLLBACK */
    int rc = GW_OK;
    if (!ok) {
        rc = s_fail(self, "commit", res);
        if (rc == GW_OK) {
            rc = GW_EIO;
        }
    }
    PQclear(res);
    self->in_tx = 0;
    self->tx_lost = 0;
    self->ordered = 0;
    return rc;
}

int
gw_pgstore_rollback(gw_pgstore_t *self)
{
    if (!self->in_tx) {
        return GW_OK;
    }
    self->in_tx = 0;
    self->tx_lost = 0;
    self->ordered = 0;
    if (PQstatus(self->db) != CONNECTION_OK) {
        return GW_OK; /* the server rolled it back with the session */
    }
    return s_command(self, self->db, "ROLLBACK", "rollback");
}

/* ------------------------------------------------------------ at rest ---- */

void
gw_pgstore_set_keys(gw_pgstore_t *self, gw_keyring_t **keys_p)
{
    gw_keyring_destroy(&self->keys);
    if (keys_p) {
        self->keys = *keys_p;
        *keys_p = NULL;
    }
}

int
gw_pgstore_has_sealed(gw_pgstore_t *self, int *any)
{
    int64_t v = 0;
    int rc = s_int_query(self, S_HAS_SEALED, NULL, "has_sealed", &v, NULL);
    *any = rc == GW_OK && v != 0;
    return rc;
}

/* Seal *payload for row (kind, id) with the active key (gw_seal.h); on GW_OK *payload and
 * *len name the sealed copy in self->seal (valid until the next seal). */
static int
s_seal(gw_pgstore_t *self, char kind, int64_t id, int64_t msg_id, const char *type,
       const void **payload, size_t *len)
{
    const char *why = NULL;
    int rc = gw_seal_payload(self->keys, &self->seal, &self->seal_cap, kind, id, msg_id, type,
                             payload, len, &why);
    if (rc != GW_OK) {
        s_seterr(self, "%s", why);
    }
    return rc;
}

/* Fill d->payload/len from the stored blob, opened when sealed (gw_seal_open). */
static void
s_open_payload(gw_pgstore_t *self, gw_store_delivery_t *d, const uint8_t *blob, size_t blen,
               int own)
{
    gw_seal_open(self->keys, &self->open, &self->open_cap, d, blob, blen, own);
}

/* ------------------------------------------------------------ writes ---- */

static int
s_writable(gw_pgstore_t *self)
{
    if (self->readonly) {
        s_seterr(self, "store opened readonly");
        return GW_EINVAL;
    }
    return GW_OK;
}

/* The delivery-order lock, once per transaction (see the file header). */
static int
s_order(gw_pgstore_t *self)
{
    if (!self->in_tx || self->ordered) {
        return GW_OK;
    }
    int rc = s_exec(self, S_ORDER, NULL, "order lock", NULL);
    if (rc == GW_OK) {
        self->ordered = 1;
    }
    return rc;
}

static int
s_dedup(gw_pgstore_t *self, gw_store_msg_t *m, int *found)
{
    s_params_t p = {.n = 0};
    s_text(&p, m->sender);
    s_text(&p, m->type);
    s_text(&p, m->ident);
    s_text(&p, m->dagtekening);
    int64_t id = 0;
    int rc = s_int_query(self, S_DEDUP, &p, "dedup", &id, found);
    if (rc == GW_OK && *found) {
        m->id = id;
    }
    return rc;
}

static int
s_next(gw_pgstore_t *self, int idx, int64_t *id)
{
    int found = 0;
    int rc = s_int_query(self, idx, NULL, "next id", id, &found);
    if (rc == GW_OK && !found) {
        s_seterr(self, "next id: no value");
        rc = GW_EIO;
    }
    return rc;
}

/* Insert a delivery (payload NULL: the message's); *inserted = 0 when msg_id is unknown. */
static int
s_insert_delivery(gw_pgstore_t *self, int64_t msg_id, const char *recipient, const void *payload,
                  size_t len, int64_t created_ms, int own, int *inserted)
{
    int64_t id = 0;
    if (own && self->keys) {
        int rc = s_next(self, S_NEXT_DLV, &id);
        if (rc == GW_OK) {
            rc = s_seal(self, 'd', id, msg_id, NULL, &payload, &len);
        }
        if (rc != GW_OK) {
            return rc;
        }
    }
    s_params_t p = {.n = 0};
    s_int(&p, msg_id);
    s_text(&p, recipient);
    if (own) {
        s_bytes(&p, payload, len);
    } else {
        s_null(&p);
    }
    s_int(&p, created_ms);
    if (id) {
        s_int(&p, id);
    } else {
        s_null(&p);
    }
    int rc = GW_OK;
    PGresult *res = s_run(self, S_INSERT_DLV, &p, 0, "insert delivery", &rc);
    *inserted = res && PQntuples(res) == 1;
    PQclear(res);
    return rc;
}

/* The put itself; in a transaction (the group's, or its own). */
static int
s_put(gw_pgstore_t *self, gw_store_msg_t *m, int *duplicate)
{
    int found = 0;
    int rc = s_order(self);
    if (rc == GW_OK) {
        rc = s_dedup(self, m, &found);
    }
    if (rc != GW_OK || found) {
        *duplicate = found;
        return rc;
    }
    const void *payload = m->payload ? m->payload : "";
    size_t stored_len = m->len;
    int64_t id = 0;
    if (self->keys) {
        rc = s_next(self, S_NEXT_MSG, &id);
        if (rc == GW_OK) {
            rc = s_seal(self, 'm', id, 0, m->type, &payload, &stored_len);
        }
        if (rc != GW_OK) {
            return rc;
        }
    }
    s_params_t p = {.n = 0};
    s_text(&p, m->sender);
    s_text(&p, m->recipient);
    s_text(&p, m->type);
    s_text(&p, m->afzender);
    s_text(&p, m->ident);
    s_text(&p, m->dagtekening);
    s_int(&p, m->answers);
    s_bytes(&p, payload, stored_len);
    s_int(&p, (int64_t)m->len);
    s_int(&p, m->received_ms);
    if (id) {
        s_int(&p, id);
    } else {
        s_null(&p);
    }
    s_text(&p, self->node);
    PGresult *res = s_run(self, S_INSERT_MSG, &p, 0, "insert message", &rc);
    if (!res) {
        return rc;
    }
    int inserted = PQntuples(res) == 1;
    if (inserted) {
        m->id = atoll(PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    if (!inserted) {
        /* Another node committed the same message after our dedup check. */
        rc = s_dedup(self, m, &found);
        *duplicate = rc == GW_OK && found;
        if (rc == GW_OK && !found) {
            s_seterr(self, "put: conflicting copy vanished");
            rc = GW_EIO;
        }
        return rc;
    }
    rc = s_insert_delivery(self, m->id, m->recipient, NULL, 0, m->received_ms, 0, &inserted);
    if (rc == GW_OK && !inserted) {
        s_seterr(self, "put: delivery not inserted");
        rc = GW_EIO;
    }
    return rc;
}

int
gw_pgstore_put(gw_pgstore_t *self, gw_store_msg_t *m, int *duplicate)
{
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (!m || !duplicate || !s_party_ok(m->sender) || !s_party_ok(m->recipient) || !m->type ||
        !m->afzender || !m->ident || !m->dagtekening || (!m->payload && m->len > 0) ||
        m->len > INT32_MAX - GW_SEAL_OVERHEAD) {
        s_seterr(self, "put: missing or oversized envelope field");
        return GW_EINVAL;
    }
    *duplicate = 0;
    int own = !self->in_tx;
    if (own && (rc = gw_pgstore_begin(self)) != GW_OK) {
        return rc;
    }
    rc = s_put(self, m, duplicate);
    if (own) {
        int crc = rc == GW_OK ? gw_pgstore_commit(self) : gw_pgstore_rollback(self);
        if (rc == GW_OK) {
            rc = crc;
        }
    }
    if (rc != GW_OK) {
        m->id = 0;
        *duplicate = 0;
        return rc == GW_EFULL ? GW_EFULL : GW_EIO;
    }
    return GW_OK;
}

int
gw_pgstore_find_copy(gw_pgstore_t *self, gw_store_msg_t *m, int *found)
{
    *found = 0;
    if (!m || !m->sender || !m->type || !m->ident || !m->dagtekening) {
        s_seterr(self, "find_copy: invalid argument");
        return GW_EINVAL;
    }
    return s_dedup(self, m, found);
}

int
gw_pgstore_add_delivery(gw_pgstore_t *self, int64_t msg_id, const char *recipient,
                        const void *payload, size_t len, int64_t now_ms)
{
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (msg_id <= 0 || !s_party_ok(recipient) || (!payload && len > 0) ||
        len > INT32_MAX - GW_SEAL_OVERHEAD) {
        s_seterr(self, "add delivery: invalid argument");
        return GW_EINVAL;
    }
    int own = !self->in_tx; /* the order lock is a transaction's: take one of our own */
    if (own && (rc = gw_pgstore_begin(self)) != GW_OK) {
        return rc;
    }
    rc = s_order(self);
    int inserted = 0;
    if (rc == GW_OK) {
        rc = s_insert_delivery(self, msg_id, recipient, payload ? payload : "", len, now_ms, 1,
                               &inserted);
    }
    if (rc == GW_OK && !inserted) {
        s_seterr(self, "add delivery: no message %lld", (long long)msg_id);
        rc = GW_EINVAL;
    }
    if (own) {
        char keep[256];
        memcpy(keep, self->err, sizeof(keep));
        int crc = rc == GW_OK ? gw_pgstore_commit(self) : gw_pgstore_rollback(self);
        if (rc == GW_OK) {
            rc = crc;
        } else {
            memcpy(self->err, keep, sizeof(keep));
        }
    }
    return rc;
}

/* ------------------------------------------------------------ reading deliveries ---- */

static int64_t
s_be64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return (int64_t)be64toh(v);
}

static int32_t
s_be32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return (int32_t)be32toh(v);
}

/* One row of a binary S_DUE/S_DEAD result to the callback. *stop: the callback's answer. */
static int
s_walk_row(gw_pgstore_t *self, const PGresult *res, gw_store_delivery_cb cb, void *arg, int *stop)
{
    if (PQnfields(res) != 10 || PQgetlength(res, 0, 0) != 8 || PQgetlength(res, 0, 1) != 8 ||
        PQgetlength(res, 0, 6) != 4 || PQgetlength(res, 0, 7) != 8 || PQgetlength(res, 0, 9) != 1) {
        s_seterr(self, "due: unexpected column format");
        return GW_EIO;
    }
    gw_store_delivery_t d;
    d.delivery_id = s_be64(PQgetvalue(res, 0, 0));
    d.msg_id = s_be64(PQgetvalue(res, 0, 1));
    d.recipient = PQgetvalue(res, 0, 2); /* libpq NUL-terminates binary values too */
    d.sender = PQgetvalue(res, 0, 3);
    d.type = PQgetvalue(res, 0, 4);
    const uint8_t *blob = (const uint8_t *)PQgetvalue(res, 0, 5);
    size_t blen = (size_t)PQgetlength(res, 0, 5);
    d.attempts = s_be32(PQgetvalue(res, 0, 6));
    d.created_ms = s_be64(PQgetvalue(res, 0, 7));
    d.state = PQgetvalue(res, 0, 8);
    s_open_payload(self, &d, blob, blen, PQgetvalue(res, 0, 9)[0] != 0);
    *stop = cb(arg, &d);
    if (d.payload == self->open) {
        gw_cleanse(self->open, d.len); /* plaintext does not outlive the callback */
    }
    return GW_OK;
}

/* Run S_DUE or S_DEAD in single-row mode, so one payload at a time is in memory (up to 512
 * rows of up to max_message_size each would otherwise be one result). Rows after the
 * callback said stop are read and dropped: the connection must be drained either way. */
static int
s_walk(gw_pgstore_t *self, int idx, const s_params_t *p, const char *op, gw_store_delivery_cb cb,
       void *arg)
{
    char name[16];
    snprintf(name, sizeof(name), "s%d", idx);
    if (self->in_tx && self->tx_lost) {
        s_seterr(self, "%s: the group transaction failed earlier; commit or roll back", op);
        return GW_EIO;
    }
    if (!PQsendQueryPrepared(self->db, name, p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL,
                             p ? p->fmt : NULL, 1)) {
        return s_fail(self, op, NULL);
    }
    int rc = GW_OK;
    if (!PQsetSingleRowMode(self->db)) {
        s_seterr(self, "%s: cannot read row by row", op);
        rc = GW_EIO;
    }
    int stop = 0;
    PGresult *res;
    while ((res = PQgetResult(self->db)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            if (rc == GW_OK && !stop) {
                rc = s_walk_row(self, res, cb, arg, &stop);
            }
        } else if (st != PGRES_TUPLES_OK && rc == GW_OK) {
            rc = s_fail(self, op, res);
        }
        PQclear(res);
    }
    return rc;
}

int
gw_pgstore_due_after(gw_pgstore_t *self, const char *recipient, int64_t after_id, int64_t now_ms,
                     size_t limit, gw_store_delivery_cb cb, void *arg)
{
    if (!recipient || !cb) {
        s_seterr(self, "due: invalid argument");
        return GW_EINVAL;
    }
    if (limit == 0) {
        return GW_OK;
    }
    s_params_t p = {.n = 0};
    s_text(&p, recipient);
    s_int(&p, now_ms);
    s_int(&p, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    s_int(&p, after_id);
    s_text(&p, self->node);
    return s_walk(self, S_DUE, &p, "due", cb, arg);
}

int
gw_pgstore_dead(gw_pgstore_t *self, gw_store_delivery_cb cb, void *arg)
{
    if (!cb) {
        s_seterr(self, "dead: invalid argument");
        return GW_EINVAL;
    }
    return s_walk(self, S_DEAD, NULL, "dead", cb, arg);
}

/* ------------------------------------------------------------ state changes ---- */

int
gw_pgstore_sent(gw_pgstore_t *self, int64_t delivery_id, int64_t next_attempt_ms)
{
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    s_params_t p = {.n = 0};
    s_int(&p, delivery_id);
    s_int(&p, next_attempt_ms);
    int64_t n = 0;
    rc = s_exec(self, S_SENT, &p, "sent", &n);
    if (rc == GW_OK && n == 0) {
        s_seterr(self, "sent: no pending or in-flight delivery %lld", (long long)delivery_id);
        rc = GW_EINVAL;
    }
    return rc;
}

int
gw_pgstore_ack(gw_pgstore_t *self, int64_t delivery_id, const char *recipient, int64_t now_ms,
               int *changed)
{
    if (changed) {
        *changed = 0;
    }
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (!recipient) {
        s_seterr(self, "acked: no recipient");
        return GW_EINVAL;
    }
    s_params_t p = {.n = 0};
    s_int(&p, delivery_id);
    s_text(&p, recipient);
    s_int(&p, now_ms);
    int64_t n = 0;
    rc = s_exec(self, S_ACK, &p, "acked", &n);
    if (rc != GW_OK || n > 0) {
        if (changed) {
            *changed = rc == GW_OK;
        }
        return rc;
    }
    p.n = 2;
    int64_t own = 0;
    int found = 0;
    rc = s_int_query(self, S_OWNER, &p, "acked", &own, &found);
    if (rc != GW_OK) {
        return rc;
    }
    if (!found || own != 1) {
        s_seterr(self, "acked: delivery %lld is unknown or not for this recipient",
                 (long long)delivery_id);
        return GW_EINVAL;
    }
    return GW_OK;
}

/* The party said HELLO to this node: it holds the connection from now on. */
int
gw_pgstore_retry_now(gw_pgstore_t *self, const char *recipient, int64_t now_ms)
{
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (!recipient) {
        s_seterr(self, "retry_now: no recipient");
        return GW_EINVAL;
    }
    s_params_t p = {.n = 0};
    s_text(&p, recipient);
    s_text(&p, self->node);
    s_int(&p, now_ms);
    rc = s_exec(self, S_PRESENCE, &p, "presence", NULL);
    if (rc != GW_OK) {
        return rc;
    }
    p.n = 0;
    s_text(&p, recipient);
    s_int(&p, now_ms);
    return s_exec(self, S_RETRY_NOW, &p, "retry_now", NULL);
}

int
gw_pgstore_expire_each(gw_pgstore_t *self, int64_t now_ms, int64_t max_age_ms,
                       void (*cb)(void *arg, int64_t delivery_id), void *arg, size_t *moved)
{
    if (moved) {
        *moved = 0;
    }
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    s_params_t p = {.n = 0};
    s_int(&p, now_ms - max_age_ms);
    PGresult *res = s_run(self, S_EXPIRE, &p, 0, "expire", &rc);
    if (!res) {
        return rc;
    }
    int n = PQntuples(res);
    if (moved) {
        *moved = (size_t)n;
    }
    for (int i = 0; cb && i < n; i++) {
        cb(arg, atoll(PQgetvalue(res, i, 0)));
    }
    PQclear(res);
    return GW_OK;
}

int
gw_pgstore_dead_letter(gw_pgstore_t *self, int64_t delivery_id)
{
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    s_params_t p = {.n = 0};
    s_int(&p, delivery_id);
    int64_t n = 0;
    rc = s_exec(self, S_KILL, &p, "dead letter", &n);
    if (rc == GW_OK && n == 0) {
        s_seterr(self, "dead letter: no pending or in-flight delivery %lld",
                 (long long)delivery_id);
        rc = GW_EINVAL;
    }
    return rc;
}

int
gw_pgstore_requeue(gw_pgstore_t *self, int64_t delivery_id, int64_t now_ms, size_t *requeued)
{
    if (requeued) {
        *requeued = 0;
    }
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (delivery_id < 0) {
        s_seterr(self, "requeue: invalid delivery id");
        return GW_EINVAL;
    }
    s_params_t p = {.n = 0};
    int64_t n = 0;
    if (delivery_id > 0) {
        s_int(&p, delivery_id);
        s_int(&p, now_ms);
        rc = s_exec(self, S_REQUEUE_ONE, &p, "requeue", &n);
        if (rc == GW_OK && n == 0) {
            s_seterr(self, "requeue: delivery %lld is not dead-lettered", (long long)delivery_id);
            rc = GW_EINVAL;
        }
    } else {
        s_int(&p, now_ms);
        rc = s_exec(self, S_REQUEUE_ALL, &p, "requeue", &n);
    }
    if (requeued) {
        *requeued = (size_t)n;
    }
    return rc;
}

/* ------------------------------------------------------------ queries ---- */

int
gw_pgstore_find_heen(gw_pgstore_t *self, const char *heen_type, const char *afzender,
                     const char *ident, const char *dagtekening, int64_t *msg_id, char sender[65],
                     char *recipient)
{
    if (!heen_type || !afzender || !ident || !dagtekening || !msg_id || !sender) {
        s_seterr(self, "find_heen: invalid argument");
        return GW_EINVAL;
    }
    s_params_t p = {.n = 0};
    s_text(&p, heen_type);
    s_text(&p, afzender);
    s_text(&p, ident);
    s_text(&p, dagtekening);
    int rc = GW_OK;
    PGresult *res = s_run(self, S_FIND_HEEN, &p, 0, "find_heen", &rc);
    if (!res) {
        return rc;
    }
    if (PQntuples(res) == 1) {
        *msg_id = atoll(PQgetvalue(res, 0, 0));
        snprintf(sender, 65, "%s", PQgetvalue(res, 0, 1));
        if (recipient) {
            snprintf(recipient, 65, "%s", PQgetvalue(res, 0, 2));
        }
    } else {
        s_seterr(self, "find_heen: no such heenbericht");
        rc = GW_EINVAL;
    }
    PQclear(res);
    return rc;
}

int
gw_pgstore_depths(gw_pgstore_t *self, int (*cb)(void *arg, const gw_store_depth_t *d), void *arg)
{
    if (!cb) {
        s_seterr(self, "depths: invalid argument");
        return GW_EINVAL;
    }
    int rc = GW_OK;
    PGresult *res = s_run(self, S_DEPTHS, NULL, 0, "depths", &rc);
    if (!res) {
        return rc;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        gw_store_depth_t d = {
            .recipient = PQgetvalue(res, r, 0),
            .pending = atoll(PQgetvalue(res, r, 1)),
            .inflight = atoll(PQgetvalue(res, r, 2)),
            .delivered = atoll(PQgetvalue(res, r, 3)),
            .dead = atoll(PQgetvalue(res, r, 4)),
            .oldest_pending_ms = atoll(PQgetvalue(res, r, 5)),
        };
        if (cb(arg, &d) != 0) {
            break;
        }
    }
    PQclear(res);
    return GW_OK;
}

int
gw_pgstore_count(gw_pgstore_t *self, const char *recipient, int inflight_only, int64_t *n)
{
    if (!recipient || !n) {
        s_seterr(self, "count: invalid argument");
        return GW_EINVAL;
    }
    s_params_t p = {.n = 0};
    s_text(&p, recipient);
    *n = 0;
    return s_int_query(self, inflight_only ? S_INFLIGHT : S_BACKLOG, &p,
                       inflight_only ? "inflight" : "backlog", n, NULL);
}

/* ------------------------------------------------------------ wake-ups ---- */

int
gw_pgstore_wake_fd(gw_pgstore_t *self)
{
    return self->listen ? PQsocket(self->listen) : -1;
}

/* Drain the notifications (cb per recipient code), keep the node's heartbeat, and reopen a
 * lost connection now and then. Missed notifications cost latency only: the broker pumps
 * every connected party on its housekeeping tick anyway. */
int
gw_pgstore_poll(gw_pgstore_t *self, int64_t now_ms, void (*cb)(void *arg, const char *party),
                void *arg)
{
    int rc = GW_OK;
    if (self->readonly) {
        return GW_OK;
    }
    if (self->listen && PQconsumeInput(self->listen) == 1) {
        PGnotify *n;
        while ((n = PQnotifies(self->listen)) != NULL) {
            if (cb && strcmp(n->relname, GW_PG_CHANNEL) == 0 && s_party_ok(n->extra)) {
                cb(arg, n->extra);
            }
            PQfreemem(n);
        }
    }
    if (!self->listen || PQstatus(self->listen) != CONNECTION_OK) {
        if (now_ms >= self->next_retry_ms) {
            self->next_retry_ms = now_ms + S_RETRY_MS;
            rc = s_listen_open(self);
        }
    }
    if (!self->in_tx && now_ms >= self->next_beat_ms) {
        self->next_beat_ms = now_ms + S_BEAT_EVERY_MS;
        int erc = s_ensure(self);
        if (erc == GW_OK) {
            s_params_t p = {.n = 0};
            s_text(&p, self->node);
            s_int(&p, now_ms);
            erc = s_exec(self, S_BEAT, &p, "node heartbeat", NULL);
        }
        if (erc != GW_OK) {
            rc = erc;
        }
    }
    return rc;
}
