/*
 * The durable message store on SQLite (WAL). The broker puts every accepted
 * message here inside a group transaction and acknowledges the senders only
 * after gw_store_commit(); deliveries are read back per recipient in id order
 * and walk pending -> inflight -> delivered (or dead). This is the only file
 * that includes <sqlite3.h>. Every statement is prepared once at open (the
 * s_sql table) and reused; a connection is used by one thread at a time.
 * Schema, states and the crash-safety argument: docs/store.md.
 */
#include "gw_seal.h"
#include "gw_store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gw/alloc.h"

#include "gw_crypt.h"
#include "gw_store_pg.h"

#define S_SCHEMA_VERSION  2
#define S_BUSY_TIMEOUT_MS 5000
#define S_PARTY_MAX       64         /* longest party code (gw_store_find_heen's sender[65]) */
#define S_ROW_OVERHEAD    512        /* estimated bytes per message beyond its payload */
#define S_SIZE_EVERY      64         /* re-read page_count at least every this many puts */
#define S_WAL_LIMIT       (64 << 20) /* journal_size_limit: truncate the WAL back to this */
#define S_CACHE_KIB       16384      /* page cache per connection */
#define S_CKPT_PAGES      1000       /* WAL pages that wake the checkpointer thread */
#define S_CKPT_INLINE     8000       /* WAL pages past which a commit checkpoints itself */

/* Prepared statements, by index into s_sql. */
enum {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_PAGE_COUNT,
    S_DEDUP,
    S_INSERT_MSG,
    S_INSERT_DELIVERY,
    S_DUE,
    S_SENT,
    S_ACK,
    S_OWNER,
    S_EXPIRE,
    S_DEAD,
    S_REQUEUE_ONE,
    S_REQUEUE_ALL,
    S_RETRY_NOW,
    S_FIND_HEEN,
    S_DEPTHS,
    S_BACKLOG,
    S_INFLIGHT,
    S_NEXT_MSG_ID,
    S_NEXT_DELIVERY_ID,
    S_KILL,
    S_EXPIRE_IDS,
    S_COUNT
};

/* Columns of S_DUE and S_DEAD (same shape). */
#define S_DELIVERY_COLUMNS                                                                         \
    "d.id, d.msg_id, d.recipient, m.sender, m.type, coalesce(d.payload, m.payload), d.attempts, "  \
    "d.created_ms, d.state, d.payload IS NOT NULL"
#define S_DELIVERY_FROM " FROM deliveries d JOIN messages m ON m.id = d.msg_id"

/* The SQL of every statement. "state <> 'delivered'" terms select the partial index
 * deliveries_open; they must stay spelled exactly as in its WHERE clause. */
static const char *const s_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT gw_put",
    [S_RELEASE] = "RELEASE gw_put",
    [S_ROLLBACK_TO] = "ROLLBACK TO gw_put",
    [S_PAGE_COUNT] = "PRAGMA page_count",
    [S_DEDUP] = "SELECT id FROM messages WHERE sender = ?1 AND type = ?2 AND ident = ?3 AND "
                "dagtekening = ?4",
    /* id ?11 / ?5: NULL lets SQLite choose; an encrypted payload's AAD names its row id,
     * so with a key the id is chosen first (S_NEXT_*_ID, inside the transaction). */
    [S_INSERT_MSG] = "INSERT INTO messages (sender, recipient, type, afzender, ident, dagtekening, "
                     "answers, payload, len, received_ms, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                     "?8, ?9, ?10, ?11)",
    [S_INSERT_DELIVERY] = "INSERT INTO deliveries (msg_id, recipient, payload, state, attempts, "
                          "created_ms, next_attempt_ms, id) VALUES (?1, ?2, ?3, 'pending', 0, ?4, "
                          "0, ?5)",
    /* Two index range scans on deliveries_due merged in id order (MERGE UNION ALL). */
    [S_DUE] = "SELECT " S_DELIVERY_COLUMNS S_DELIVERY_FROM
              " WHERE d.recipient = ?1 AND d.state <> 'delivered' AND d.state = 'pending'"
              " AND d.id > ?4"
              " UNION ALL SELECT " S_DELIVERY_COLUMNS S_DELIVERY_FROM
              " WHERE d.recipient = ?1 AND d.state <> 'delivered' AND d.state = 'inflight'"
              " AND d.next_attempt_ms <= ?2"
              " ORDER BY 1 LIMIT ?3",
    [S_SENT] = "UPDATE deliveries SET state = 'inflight', attempts = attempts + 1, "
               "next_attempt_ms = ?2 WHERE id = ?1 AND state IN ('pending', 'inflight')",
    [S_ACK] = "UPDATE deliveries SET state = 'delivered', delivered_ms = ?3 WHERE id = ?1 AND "
              "recipient = ?2 AND state <> 'delivered'",
    [S_OWNER] = "SELECT recipient = ?2 FROM deliveries WHERE id = ?1",
    [S_EXPIRE] = "UPDATE deliveries SET state = 'dead' WHERE state <> 'delivered' AND "
                 "state IN ('pending', 'inflight') AND created_ms < ?1",
    [S_DEAD] = "SELECT " S_DELIVERY_COLUMNS S_DELIVERY_FROM
               " WHERE d.state <> 'delivered' AND d.state = 'dead' ORDER BY d.created_ms, d.id",
    [S_REQUEUE_ONE] = "UPDATE deliveries SET state = 'pending', created_ms = ?2, attempts = 0, "
                      "next_attempt_ms = 0 WHERE id = ?1 AND state = 'dead'",
    [S_RETRY_NOW] = "UPDATE deliveries SET next_attempt_ms = ?2 WHERE recipient = ?1 AND "
                    "state = 'inflight' AND next_attempt_ms > ?2",
    [S_REQUEUE_ALL] = "UPDATE deliveries SET state = 'pending', created_ms = ?1, attempts = 0, "
                      "next_attempt_ms = 0 WHERE state <> 'delivered' AND state = 'dead'",
    [S_FIND_HEEN] = "SELECT id, sender, recipient FROM messages WHERE type = ?1 AND afzender = ?2 AND "
                    "ident = ?3 AND dagtekening = ?4 ORDER BY id LIMIT 1",
    [S_DEPTHS] = "SELECT recipient, sum(state = 'pending'), sum(state = 'inflight'), "
                 "sum(state = 'delivered'), sum(state = 'dead'), "
                 "(SELECT min(o.created_ms) FROM deliveries o WHERE o.recipient = d.recipient "
                 "AND o.state <> 'delivered' AND o.state IN ('pending', 'inflight')) "
                 "FROM deliveries d GROUP BY recipient ORDER BY recipient",
    [S_BACKLOG] = "SELECT count(*) FROM deliveries WHERE recipient = ?1 AND "
                  "state <> 'delivered' AND state IN ('pending', 'inflight')",
    [S_INFLIGHT] = "SELECT count(*) FROM deliveries WHERE recipient = ?1 AND "
                   "state <> 'delivered' AND state = 'inflight'",
    [S_NEXT_MSG_ID] = "SELECT coalesce(max(id), 0) + 1 FROM messages",
    [S_NEXT_DELIVERY_ID] = "SELECT coalesce(max(id), 0) + 1 FROM deliveries",
    [S_KILL] = "UPDATE deliveries SET state = 'dead' WHERE id = ?1 AND state <> 'delivered' AND "
               "state IN ('pending', 'inflight')",
    [S_EXPIRE_IDS] = "SELECT id FROM deliveries WHERE state <> 'delivered' AND "
                     "state IN ('pending', 'inflight') AND created_ms < ?1 ORDER BY id",
};

/* Schema version 1. */
static const char s_schema_v1[] =
    "CREATE TABLE schema_version ("
    "  version INTEGER PRIMARY KEY,"
    "  applied_ms INTEGER NOT NULL);"
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY,"
    "  sender TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  afzender TEXT NOT NULL,"
    "  ident TEXT NOT NULL,"
    "  dagtekening TEXT NOT NULL,"
    "  answers INTEGER NOT NULL DEFAULT 0,"
    "  payload BLOB NOT NULL,"
    "  len INTEGER NOT NULL,"
    "  received_ms INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX messages_dedup ON messages (sender, type, ident, dagtekening);"
    "CREATE INDEX messages_heen ON messages (type, afzender, ident, dagtekening);"
    "CREATE TABLE deliveries ("
    "  id INTEGER PRIMARY KEY,"
    "  msg_id INTEGER NOT NULL REFERENCES messages (id),"
    "  recipient TEXT NOT NULL,"
    "  payload BLOB,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'inflight', 'delivered', 'dead')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    "  delivered_ms INTEGER);"
    "CREATE INDEX deliveries_due ON deliveries (recipient, state, id);"
    "CREATE INDEX deliveries_open ON deliveries (state, created_ms) WHERE state <> 'delivered';";

/* Version 2. deliveries is rebuilt (ids kept) with the same state check written as
 * comparisons: SQLite 3.40 evaluates a CHECK "IN" list of more than two values through a
 * temporary b-tree built anew for every INSERT and UPDATE, which cost the broker more
 * than the row write itself. deliveries_due holds undelivered rows only, so a DACK
 * deletes its entry instead of moving it and the index stays the size of the backlog. */
static const char s_schema_v2[] =
    "CREATE TABLE deliveries_v2 ("
    "  id INTEGER PRIMARY KEY,"
    "  msg_id INTEGER NOT NULL REFERENCES messages (id),"
    "  recipient TEXT NOT NULL,"
    "  payload BLOB,"
    "  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'inflight' OR "
    "state = 'delivered' OR state = 'dead'),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    "  delivered_ms INTEGER);"
    "INSERT INTO deliveries_v2 (id, msg_id, recipient, payload, state, attempts, created_ms,"
    "  next_attempt_ms, delivered_ms) SELECT id, msg_id, recipient, payload, state, attempts,"
    "  created_ms, next_attempt_ms, delivered_ms FROM deliveries;"
    "DROP TABLE deliveries;"
    "ALTER TABLE deliveries_v2 RENAME TO deliveries;"
    "CREATE INDEX deliveries_due ON deliveries (recipient, state, id) WHERE state <> 'delivered';"
    "CREATE INDEX deliveries_open ON deliveries (state, created_ms) WHERE state <> 'delivered';";

/* The checkpointer: a thread with its own connection that copies the WAL back into the
 * database file (PASSIVE checkpoints), so commits on the broker's connection do not. */
typedef struct s_ckpt {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sqlite3 *db; /* the checkpointer's connection; used by its thread only */
    int started; /* thread, mutex and condition exist */
    int want;    /* under mu: the WAL passed S_CKPT_PAGES since the last run */
    int stop;    /* under mu: gw_store_close() asks the thread to end */
} s_ckpt_t;

struct gw_store {
    gw_pgstore_t *pg;          /* the PostgreSQL backend (gw_store_pg.c); NULL: SQLite, below */
    sqlite3 *db;               /* the connection */
    s_ckpt_t ckpt;             /* WAL checkpoints off the commit path (read-write stores) */
    sqlite3_stmt *st[S_COUNT]; /* prepared statements, s_sql order */
    int readonly;              /* opened with opts->readonly */
    int64_t max_bytes;         /* opts->max_bytes; 0 = no limit */
    int64_t page_size;         /* PRAGMA page_size, read at open */
    int64_t size_base;         /* page_count * page_size at the last read */
    int64_t size_added;        /* estimated bytes put since that read */
    int puts_since_size;       /* puts since that read */
    int tx_lost;               /* SQLite rolled the group transaction back after an error */
    gw_keyring_t *keys;        /* at-rest encryption (gw_store_set_keys); NULL = plaintext */
    uint8_t *seal;             /* scratch for a sealed payload being written */
    size_t seal_cap;
    uint8_t *open; /* scratch for the payload of the delivery being walked */
    size_t open_cap;
    char err[256]; /* gw_store_last_error() */
};

/* One step of the schema upgrade path: brings the schema from to - 1 to to. */
typedef struct s_migration {
    int to;                      /* user_version after this step */
    int (*fn)(gw_store_t *self); /* runs inside the upgrade transaction */
} s_migration_t;

static int s_migrate_v1(gw_store_t *self);
static int s_migrate_v2(gw_store_t *self);

/* Append version N + 1 here (and raise S_SCHEMA_VERSION) for a new schema. */
static const s_migration_t s_migrations[] = {
    {1, s_migrate_v1},
    {2, s_migrate_v2},
};

/* ------------------------------------------------------------ errors ---- */

GW_PRINTF(2, 3)
static void
s_seterr(gw_store_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->err, sizeof(self->err), fmt, ap);
    va_end(ap);
}

/* Record the connection's error for op and map the SQLite code to a gw_rc_t. SQLite's
 * messages name tables and columns, never bound values, so no payload reaches the text. */
static int
s_sqlerr(gw_store_t *self, const char *op, int src)
{
    s_seterr(self, "%s: %s (sqlite %d)", op, sqlite3_errmsg(self->db), src);
    if ((src & 0xff) == SQLITE_FULL) {
        return GW_EFULL;
    }
    return GW_EIO;
}

/* As s_sqlerr, for reads: always GW_EIO. */
static int
s_ioerr(gw_store_t *self, const char *op, int src)
{
    (void)s_sqlerr(self, op, src);
    return GW_EIO;
}

/* Run a statement that returns no rows (or whose rows are ignored) and reset it. */
static int
s_exec(gw_store_t *self, int idx, const char *op)
{
    sqlite3_stmt *st = self->st[idx];
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) {
        return s_sqlerr(self, op, src);
    }
    return GW_OK;
}

static int
s_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Bind a blob; an empty payload is an empty blob, not NULL. */
static int
s_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t len)
{
    if (len == 0) {
        return sqlite3_bind_zeroblob(st, i, 0);
    }
    return sqlite3_bind_blob64(st, i, p, (sqlite3_uint64)len, SQLITE_STATIC);
}

static int
s_writable(gw_store_t *self)
{
    if (self->readonly) {
        s_seterr(self, "store opened readonly");
        return GW_EINVAL;
    }
    return GW_OK;
}

/* Writes inside a group: refused once SQLite has rolled the group back, so nothing is
 * autocommitted behind the caller's back until it calls gw_store_commit/rollback. */
static int
s_can_write(gw_store_t *self)
{
    int rc = s_writable(self);
    if (rc == GW_OK && self->tx_lost) {
        s_seterr(self, "the group transaction was rolled back after an error; commit or roll back");
        rc = GW_EIO;
    }
    return rc;
}

/* After a failed write: undo the savepoint when the transaction is still open; when
 * SQLite already rolled back the whole transaction (it may on SQLITE_FULL, IOERR, NOMEM),
 * remember it so gw_store_commit() cannot report success for the lost group. */
static void
s_undo_savepoint(gw_store_t *self, int in_group)
{
    if (sqlite3_get_autocommit(self->db)) {
        if (in_group) {
            self->tx_lost = 1;
            self->puts_since_size = S_SIZE_EVERY;
        }
        return;
    }
    char keep[sizeof(self->err)];
    memcpy(keep, self->err, sizeof(keep));
    if (s_exec(self, S_ROLLBACK_TO, "rollback to savepoint") != GW_OK ||
        s_exec(self, S_RELEASE, "release savepoint") != GW_OK) {
        self->tx_lost = in_group; /* cannot happen short of I/O errors; be safe */
    }
    memcpy(self->err, keep, sizeof(keep));
}

/* ------------------------------------------------------------ quota ---- */

static int
s_page_count(gw_store_t *self, int64_t *pages)
{
    sqlite3_stmt *st = self->st[S_PAGE_COUNT];
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *pages = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW) {
        return s_sqlerr(self, "page_count", src);
    }
    return GW_OK;
}

static int
s_size_refresh(gw_store_t *self)
{
    int64_t pages = 0;
    int rc = s_page_count(self, &pages);
    if (rc != GW_OK) {
        return rc;
    }
    self->size_base = pages * self->page_size;
    self->size_added = 0;
    self->puts_since_size = 0;
    return GW_OK;
}

/* GW_EFULL when storing len more bytes would take the database file past max_bytes. The
 * file size (page_count, which counts pages of the open transaction too) is re-read every
 * S_SIZE_EVERY puts and whenever the running estimate says the limit is near. */
static int
s_quota(gw_store_t *self, size_t len)
{
    if (self->max_bytes <= 0) {
        return GW_OK;
    }
    int64_t want = (int64_t)len + S_ROW_OVERHEAD;
    int64_t headroom = self->max_bytes / 8;
    if (self->puts_since_size >= S_SIZE_EVERY || self->size_base == 0 ||
        self->size_base + self->size_added + want + headroom > self->max_bytes) {
        int rc = s_size_refresh(self);
        if (rc != GW_OK) {
            return rc;
        }
    }
    if (self->size_base + self->size_added + (int64_t)len > self->max_bytes) {
        s_seterr(self, "store over its size limit (%lld of %lld bytes)",
                 (long long)(self->size_base + self->size_added), (long long)self->max_bytes);
        return GW_EFULL;
    }
    return GW_OK;
}

static void
s_quota_used(gw_store_t *self, size_t len)
{
    self->size_added += (int64_t)len + S_ROW_OVERHEAD;
    self->puts_since_size++;
}

/* ------------------------------------------------------------ open / schema ---- */

static int
s_pragma(gw_store_t *self, const char *sql)
{
    char *msg = NULL;
    int src = sqlite3_exec(self->db, sql, NULL, NULL, &msg);
    if (src != SQLITE_OK) {
        s_seterr(self, "%s: %s", sql, msg ? msg : sqlite3_errstr(src));
        sqlite3_free(msg);
        return GW_EIO;
    }
    return GW_OK;
}

static int
s_query_int(gw_store_t *self, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(self->db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            src = SQLITE_OK;
        }
    }
    int rc = src == SQLITE_OK ? GW_OK : s_sqlerr(self, sql, src);
    sqlite3_finalize(st);
    return rc;
}

static int
s_migrate_v1(gw_store_t *self)
{
    return s_pragma(self, s_schema_v1);
}

static int
s_migrate_v2(gw_store_t *self)
{
    return s_pragma(self, s_schema_v2);
}

/* The refusal of a store written by a newer release (a downgrade). */
static void
s_newer(gw_store_t *self, int64_t version)
{
    s_seterr(self,
             "schema version %lld is newer than this gateway's (%d): downgrading is not "
             "supported; run the newer release or restore a backup taken before the upgrade",
             (long long)version, S_SCHEMA_VERSION);
}

/* Bring the schema to S_SCHEMA_VERSION one step at a time. Each step from N to N + 1 is
 * one transaction (the change, its schema_version row and user_version), so a crash or a
 * failure leaves the store at a whole version, never between two (docs/store.md). */
static int
s_upgrade(gw_store_t *self)
{
    int rc;
    for (;;) {
        int64_t version = 0;
        rc = s_pragma(self, "BEGIN IMMEDIATE");
        if (rc != GW_OK) {
            return rc;
        }
        rc = s_query_int(self, "PRAGMA user_version", &version);
        if (rc != GW_OK) {
            goto fail;
        }
        if (version > S_SCHEMA_VERSION) {
            s_newer(self, version);
            rc = GW_EIO;
            goto fail;
        }
        if (version == S_SCHEMA_VERSION) {
            return s_pragma(self, "COMMIT");
        }
        const s_migration_t *mg = NULL;
        for (size_t i = 0; i < sizeof(s_migrations) / sizeof(s_migrations[0]); i++) {
            if (s_migrations[i].to == version + 1) {
                mg = &s_migrations[i];
            }
        }
        if (!mg) {
            s_seterr(self, "no upgrade step from schema version %lld", (long long)version);
            rc = GW_EIO;
            goto fail;
        }
        char sql[256];
        rc = mg->fn(self);
        if (rc != GW_OK) {
            goto fail;
        }
        snprintf(sql, sizeof(sql),
                 "INSERT INTO schema_version (version, applied_ms) VALUES (%d, "
                 "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));"
                 "PRAGMA user_version = %d",
                 mg->to, mg->to);
        rc = s_pragma(self, sql);
        if (rc != GW_OK) {
            goto fail;
        }
        rc = s_pragma(self, "COMMIT");
        if (rc != GW_OK) {
            goto fail;
        }
    }
fail:
    (void)sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int
s_check_version(gw_store_t *self)
{
    int64_t version = 0;
    int rc = s_query_int(self, "PRAGMA user_version", &version);
    if (rc == GW_OK && version > S_SCHEMA_VERSION) {
        s_newer(self, version);
        rc = GW_EIO;
    } else if (rc == GW_OK && version != S_SCHEMA_VERSION) {
        s_seterr(self,
                 "schema version %lld, this gateway reads %d (run `ijwctl store upgrade` or "
                 "start the gateway once)",
                 (long long)version, S_SCHEMA_VERSION);
        rc = GW_EIO;
    }
    return rc;
}

/* ------------------------------------------------------------ checkpoints ---- */

static void *
s_ckpt_main(void *arg)
{
    s_ckpt_t *ck = arg;
    pthread_mutex_lock(&ck->mu);
    while (!ck->stop) {
        if (!ck->want) {
            pthread_cond_wait(&ck->cv, &ck->mu);
            continue;
        }
        ck->want = 0;
        pthread_mutex_unlock(&ck->mu);
        /* Errors (a reader pins the WAL, disk full) are retried on the next signal; a
         * commit that finds the WAL past S_CKPT_INLINE checkpoints by itself. */
        (void)sqlite3_wal_checkpoint_v2(ck->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&ck->mu);
    }
    pthread_mutex_unlock(&ck->mu);
    return NULL;
}

/* After every commit on the broker's connection (wal_autocheckpoint is off): wake the
 * checkpointer once the WAL holds S_CKPT_PAGES. A WAL that still grows past S_CKPT_INLINE
 * (the checkpointer cannot finish while commits keep coming) is checkpointed here, which
 * bounds the WAL as the automatic checkpoint did; it usually finds little left to copy. */
static int
s_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    gw_store_t *self = arg;
    if (pages >= S_CKPT_INLINE) {
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (pages >= S_CKPT_PAGES) {
        pthread_mutex_lock(&self->ckpt.mu);
        if (!self->ckpt.want) {
            self->ckpt.want = 1;
            pthread_cond_signal(&self->ckpt.cv);
        }
        pthread_mutex_unlock(&self->ckpt.mu);
    }
    return SQLITE_OK;
}

static int
s_ckpt_start(gw_store_t *self, const char *path, const gw_store_opts_t *opts)
{
    s_ckpt_t *ck = &self->ckpt;
    char sql[64];
    int src = sqlite3_open_v2(path, &ck->db, SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE, NULL);
    if (src != SQLITE_OK) {
        s_seterr(self, "checkpointer: %s", ck->db ? sqlite3_errmsg(ck->db) : sqlite3_errstr(src));
        return GW_EIO;
    }
    /* The checkpointer syncs the database file as the broker's settings say; it never
     * checkpoints on close (the broker's connection, closed last, does that). */
    snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s", opts->sync_normal ? "NORMAL" : "FULL");
    if (sqlite3_exec(ck->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_db_config(ck->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) != SQLITE_OK ||
        sqlite3_wal_autocheckpoint(ck->db, 0) != SQLITE_OK) {
        s_seterr(self, "checkpointer: %s", sqlite3_errmsg(ck->db));
        return GW_EIO;
    }
    if (pthread_mutex_init(&ck->mu, NULL) != 0) {
        s_seterr(self, "checkpointer: mutex");
        return GW_EIO;
    }
    if (pthread_cond_init(&ck->cv, NULL) != 0) {
        pthread_mutex_destroy(&ck->mu);
        s_seterr(self, "checkpointer: condition");
        return GW_EIO;
    }
    if (pthread_create(&ck->thread, NULL, s_ckpt_main, ck) != 0) {
        pthread_cond_destroy(&ck->cv);
        pthread_mutex_destroy(&ck->mu);
        s_seterr(self, "checkpointer: cannot start its thread");
        return GW_EIO;
    }
    ck->started = 1;
    sqlite3_wal_hook(self->db, s_wal_hook, self); /* replaces the automatic checkpoint */
    return GW_OK;
}

static void
s_ckpt_stop(gw_store_t *self)
{
    s_ckpt_t *ck = &self->ckpt;
    if (ck->started) {
        sqlite3_wal_hook(self->db, NULL, NULL);
        pthread_mutex_lock(&ck->mu);
        ck->stop = 1;
        pthread_cond_signal(&ck->cv);
        pthread_mutex_unlock(&ck->mu);
        pthread_join(ck->thread, NULL);
        pthread_cond_destroy(&ck->cv);
        pthread_mutex_destroy(&ck->mu);
        ck->started = 0;
    }
    sqlite3_close(ck->db);
    ck->db = NULL;
}

static int
s_configure(gw_store_t *self, const gw_store_opts_t *opts)
{
    char sql[96];
    int rc;
    sqlite3_extended_result_codes(self->db, 1);
    if (sqlite3_busy_timeout(self->db, S_BUSY_TIMEOUT_MS) != SQLITE_OK) {
        return s_sqlerr(self, "busy_timeout", sqlite3_errcode(self->db));
    }
    snprintf(sql, sizeof(sql), "PRAGMA foreign_keys = ON; PRAGMA cache_size = -%d", S_CACHE_KIB);
    rc = s_pragma(self, sql);
    if (rc != GW_OK || self->readonly) {
        return rc;
    }
    int64_t wal = 0;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(self->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *mode = sqlite3_column_text(st, 0);
        wal = mode && strcmp((const char *)mode, "wal") == 0;
        src = SQLITE_OK;
    }
    rc = src == SQLITE_OK ? GW_OK : s_sqlerr(self, "journal_mode", src);
    sqlite3_finalize(st);
    if (rc != GW_OK) {
        return rc;
    }
    if (!wal) {
        s_seterr(self, "cannot switch the database to WAL mode");
        return GW_EIO;
    }
    snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s; PRAGMA journal_size_limit = %d",
             opts->sync_normal ? "NORMAL" : "FULL", S_WAL_LIMIT);
    return s_pragma(self, sql);
}

static int
s_prepare_all(gw_store_t *self)
{
    for (int i = 0; i < S_COUNT; i++) {
        int src = sqlite3_prepare_v3(self->db, s_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                     &self->st[i], NULL);
        if (src != SQLITE_OK) {
            return s_sqlerr(self, "prepare", src);
        }
    }
    return GW_OK;
}

gw_store_t *
gw_store_open(const char *path, const gw_store_opts_t *opts, char **err)
{
    static const gw_store_opts_t defaults = {0};
    gw_store_t *self = NULL;
    const char *why = "out of memory";
    if (!opts) {
        opts = &defaults;
    }
    if (!path || !*path) {
        why = "no store path";
        goto fail;
    }
    self = gw_calloc(1, sizeof(*self));
    if (!self) {
        goto fail;
    }
    if (gw_store_is_pg(path)) {
        self->pg = gw_pgstore_open(path, opts, err);
        if (!self->pg) {
            gw_free(self);
            return NULL;
        }
        return self;
    }
    self->readonly = opts->readonly != 0;
    self->max_bytes = opts->max_bytes;
    int flags = SQLITE_OPEN_NOMUTEX | (self->readonly ? SQLITE_OPEN_READONLY
                                                      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int src = sqlite3_open_v2(path, &self->db, flags, NULL);
    if (src != SQLITE_OK) {
        s_seterr(self, "open: %s", self->db ? sqlite3_errmsg(self->db) : sqlite3_errstr(src));
        why = self->err;
        goto fail;
    }
    int64_t page_size = 0;
    if (s_configure(self, opts) != GW_OK ||
        (self->readonly ? s_check_version(self) : s_upgrade(self)) != GW_OK ||
        s_query_int(self, "PRAGMA page_size", &page_size) != GW_OK ||
        s_prepare_all(self) != GW_OK ||
        (!self->readonly && s_ckpt_start(self, path, opts) != GW_OK)) {
        why = self->err;
        goto fail;
    }
    self->page_size = page_size;
    return self;
fail:
    if (err) {
        *err = gw_strdup(why);
    }
    gw_store_close(&self);
    return NULL;
}

int
gw_store_schema_version(void)
{
    return S_SCHEMA_VERSION;
}

void
gw_store_close(gw_store_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_store_t *self = *self_p;
    gw_pgstore_close(&self->pg);
    s_ckpt_stop(self);
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(self->st[i]);
        self->st[i] = NULL;
    }
    /* Closing the last connection checkpoints the WAL into the database file. */
    sqlite3_close(self->db);
    self->db = NULL;
    gw_keyring_destroy(&self->keys);
    gw_free(self->seal);
    self->seal = NULL;
    if (self->open) {
        gw_cleanse(self->open, self->open_cap);
        gw_free(self->open);
        self->open = NULL;
    }
    gw_free(self);
    *self_p = NULL;
}

const char *
gw_store_last_error(const gw_store_t *self)
{
    if (!self) {
        return "no store";
    }
    if (self->pg) {
        return gw_pgstore_last_error(self->pg);
    }
    return self->err;
}

/* ------------------------------------------------------------ transactions ---- */

int
gw_store_begin(gw_store_t *self)
{
    if (self->pg) {
        return gw_pgstore_begin(self->pg);
    }
    int rc = s_writable(self);
    if (rc != GW_OK) {
        return rc;
    }
    self->tx_lost = 0;
    rc = s_exec(self, S_BEGIN, "begin");
    return rc == GW_OK ? GW_OK : GW_EIO;
}

/* A failed COMMIT leaves nothing half-done: when SQLite kept the transaction open
 * (SQLITE_FULL, IOERR), it is rolled back here, so the caller answers the whole group
 * with an error and a following gw_store_rollback() is a no-op. */
int
gw_store_commit(gw_store_t *self)
{
    if (self->pg) {
        return gw_pgstore_commit(self->pg);
    }
    if (self->tx_lost) {
        self->tx_lost = 0;
        s_seterr(self, "commit: the transaction was rolled back after an earlier error");
        return GW_EIO;
    }
    int rc = s_exec(self, S_COMMIT, "commit");
    if (rc != GW_OK) {
        if (!sqlite3_get_autocommit(self->db)) {
            char keep[sizeof(self->err)];
            memcpy(keep, self->err, sizeof(keep));
            (void)s_exec(self, S_ROLLBACK, "rollback");
            memcpy(self->err, keep, sizeof(keep));
        }
        return GW_EIO;
    }
    return GW_OK;
}

int
gw_store_rollback(gw_store_t *self)
{
    if (self->pg) {
        return gw_pgstore_rollback(self->pg);
    }
    self->tx_lost = 0;
    self->puts_since_size = S_SIZE_EVERY; /* the file shrank back: re-read its size */
    if (sqlite3_get_autocommit(self->db)) {
        return GW_OK; /* nothing open: already rolled back */
    }
    return s_exec(self, S_ROLLBACK, "rollback") == GW_OK ? GW_OK : GW_EIO;
}

/* ------------------------------------------------------------ put ---- */

static int
s_party_ok(const char *code)
{
    return code && *code && strlen(code) <= S_PARTY_MAX;
}

/* Look up the first copy of m; *found = 0 when there is none. */
static int
s_dedup(gw_store_t *self, gw_store_msg_t *m, int *found)
{
    sqlite3_stmt *st = self->st[S_DEDUP];
    s_bind_text(st, 1, m->sender);
    s_bind_text(st, 2, m->type);
    s_bind_text(st, 3, m->ident);
    s_bind_text(st, 4, m->dagtekening);
    int src = sqlite3_step(st);
    *found = src == SQLITE_ROW;
    if (*found) {
        m->id = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        return s_sqlerr(self, "dedup", src);
    }
    return GW_OK;
}

/* ------------------------------------------------------------ at rest ---- */

void
gw_store_set_keys(gw_store_t *self, gw_keyring_t **keys_p)
{
    if (self->pg) {
        gw_pgstore_set_keys(self->pg, keys_p);
        return;
    }
    gw_keyring_destroy(&self->keys);
    if (keys_p) {
        self->keys = *keys_p;
        *keys_p = NULL;
    }
}

int
gw_store_has_sealed(gw_store_t *self, int *any)
{
    if (self->pg) {
        return gw_pgstore_has_sealed(self->pg, any);
    }
    int64_t v = 1;
    int rc = s_query_int(self,
                         "SELECT EXISTS (SELECT 1 FROM messages WHERE substr(payload, 1, 1) = "
                         "x'00') OR EXISTS (SELECT 1 FROM deliveries WHERE payload IS NOT NULL "
                         "AND substr(payload, 1, 1) = x'00')",
                         &v);
    *any = v != 0;
    return rc;
}

/* The id SQLite would give the next row of a table (max + 1, inside the transaction). */
static int
s_next_id(gw_store_t *self, int idx, int64_t *id)
{
    sqlite3_stmt *st = self->st[idx];
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW) {
        return s_sqlerr(self, "next id", src);
    }
    return GW_OK;
}

/* Seal *payload for row (kind, id) with the active key (gw_seal.h); on GW_OK *payload and
 * *len name the sealed copy in self->seal (valid until the next seal). */
static int
s_seal(gw_store_t *self, char kind, int64_t id, int64_t msg_id, const char *type,
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
s_open_payload(gw_store_t *self, gw_store_delivery_t *d, const uint8_t *blob, size_t blen,
               int own)
{
    gw_seal_open(self->keys, &self->open, &self->open_cap, d, blob, blen, own);
}

/* Insert one delivery row; payload NULL with len 0 means "the message's payload". */
static int
s_insert_delivery(gw_store_t *self, int64_t msg_id, const char *recipient, const void *payload,
                  size_t len, int64_t created_ms, int own_payload)
{
    sqlite3_stmt *st = self->st[S_INSERT_DELIVERY];
    if (own_payload && self->keys) {
        int64_t id = 0;
        int rc = s_next_id(self, S_NEXT_DELIVERY_ID, &id);
        if (rc == GW_OK) {
            rc = s_seal(self, 'd', id, msg_id, NULL, &payload, &len);
        }
        if (rc != GW_OK) {
            return rc;
        }
        sqlite3_bind_int64(st, 5, id);
    }
    sqlite3_bind_int64(st, 1, msg_id);
    s_bind_text(st, 2, recipient);
    if (own_payload) {
        s_bind_blob(st, 3, payload, len);
    } else {
        sqlite3_bind_null(st, 3);
    }
    sqlite3_bind_int64(st, 4, created_ms);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* do not keep a pointer to the caller's payload */
    if (src != SQLITE_DONE) {
        if (src == SQLITE_CONSTRAINT_FOREIGNKEY) {
            s_seterr(self, "add delivery: no message %lld", (long long)msg_id);
            return GW_EINVAL;
        }
        return s_sqlerr(self, "insert delivery", src);
    }
    return GW_OK;
}

static int
s_insert_message(gw_store_t *self, gw_store_msg_t *m)
{
    sqlite3_stmt *st = self->st[S_INSERT_MSG];
    const void *payload = m->payload;
    size_t stored_len = m->len;
    if (self->keys) {
        int64_t id = 0;
        int rc = s_next_id(self, S_NEXT_MSG_ID, &id);
        if (rc == GW_OK) {
            rc = s_seal(self, 'm', id, 0, m->type, &payload, &stored_len);
        }
        if (rc != GW_OK) {
            return rc;
        }
        sqlite3_bind_int64(st, 11, id);
    }
    s_bind_text(st, 1, m->sender);
    s_bind_text(st, 2, m->recipient);
    s_bind_text(st, 3, m->type);
    s_bind_text(st, 4, m->afzender);
    s_bind_text(st, 5, m->ident);
    s_bind_text(st, 6, m->dagtekening);
    sqlite3_bind_int64(st, 7, m->answers);
    s_bind_blob(st, 8, payload, stored_len);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)m->len);
    sqlite3_bind_int64(st, 10, m->received_ms);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (src != SQLITE_DONE) {
        return s_sqlerr(self, "insert message", src);
    }
    m->id = sqlite3_last_insert_rowid(self->db);
    return GW_OK;
}

int
gw_store_put(gw_store_t *self, gw_store_msg_t *m, int *duplicate)
{
    if (self->pg) {
        return gw_pgstore_put(self->pg, m, duplicate);
    }
    int found = 0;
    int in_group = 0;
    int rc = s_can_write(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (!m || !duplicate || !s_party_ok(m->sender) || !s_party_ok(m->recipient) || !m->type ||
        !m->afzender || !m->ident || !m->dagtekening || (!m->payload && m->len > 0)) {
        s_seterr(self, "put: missing or oversized envelope field");
        return GW_EINVAL;
    }
    *duplicate = 0;
    rc = s_dedup(self, m, &found);
    if (rc != GW_OK || found) {
        *duplicate = found;
        return rc == GW_OK ? GW_OK : GW_EIO;
    }
    rc = s_quota(self, m->len);
    if (rc != GW_OK) {
        return rc;
    }
    in_group = !sqlite3_get_autocommit(self->db);
    rc = s_exec(self, S_SAVEPOINT, "savepoint");
    if (rc != GW_OK) {
        return rc;
    }
    rc = s_insert_message(self, m);
    if (rc != GW_OK) {
        goto fail;
    }
    rc = s_insert_delivery(self, m->id, m->recipient, NULL, 0, m->received_ms, 0);
    if (rc != GW_OK) {
        goto fail;
    }
    rc = s_exec(self, S_RELEASE, "release savepoint");
    if (rc != GW_OK) {
        goto fail;
    }
    s_quota_used(self, m->len);
    return GW_OK;
fail:
    s_undo_savepoint(self, in_group);
    m->id = 0;
    return rc == GW_EFULL ? GW_EFULL : GW_EIO;
}

int
gw_store_add_delivery(gw_store_t *self, int64_t msg_id, const char *recipient, const void *payload,
                      size_t len, int64_t now_ms)
{
    if (self->pg) {
        return gw_pgstore_add_delivery(self->pg, msg_id, recipient, payload, len, now_ms);
    }
    int rc = s_can_write(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (msg_id <= 0 || !s_party_ok(recipient) || (!payload && len > 0)) {
        s_seterr(self, "add delivery: invalid argument");
        return GW_EINVAL;
    }
    rc = s_quota(self, len);
    if (rc != GW_OK) {
        return rc;
    }
    int in_group = !sqlite3_get_autocommit(self->db);
    rc = s_insert_delivery(self, msg_id, recipient, payload, len, now_ms, 1);
    if (rc == GW_OK) {
        s_quota_used(self, len);
    } else if (in_group && sqlite3_get_autocommit(self->db)) {
        self->tx_lost = 1;
        self->puts_since_size = S_SIZE_EVERY;
    }
    return rc;
}

/* ------------------------------------------------------------ reading deliveries ---- */

/* Walk the rows of a bound S_DUE/S_DEAD statement; resets it. */
static int
s_walk(gw_store_t *self, sqlite3_stmt *st, const char *op, gw_store_delivery_cb cb, void *arg)
{
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        gw_store_delivery_t d;
        d.delivery_id = sqlite3_column_int64(st, 0);
        d.msg_id = sqlite3_column_int64(st, 1);
        d.recipient = (const char *)sqlite3_column_text(st, 2);
        d.sender = (const char *)sqlite3_column_text(st, 3);
        d.type = (const char *)sqlite3_column_text(st, 4);
        const uint8_t *blob = sqlite3_column_blob(st, 5);
        size_t blen = (size_t)sqlite3_column_bytes(st, 5);
        d.attempts = sqlite3_column_int(st, 6);
        d.created_ms = sqlite3_column_int64(st, 7);
        d.state = (const char *)sqlite3_column_text(st, 8);
        if (!d.recipient || !d.sender || !d.type || !d.state) {
            src = SQLITE_NOMEM;
            break;
        }
        s_open_payload(self, &d, blob, blen, sqlite3_column_int(st, 9));
        int stop = cb(arg, &d);
        if (d.payload == self->open) {
            gw_cleanse(self->open, d.len); /* plaintext does not outlive the callback */
        }
        if (stop != 0) {
            src = SQLITE_DONE;
            break;
        }
    }
    int rc = GW_OK;
    if (src != SQLITE_DONE) {
        rc = s_ioerr(self, op, src);
    }
    sqlite3_reset(st);
    return rc;
}

int
gw_store_due(gw_store_t *self, const char *recipient, int64_t now_ms, size_t limit,
             gw_store_delivery_cb cb, void *arg)
{
    return gw_store_due_after(self, recipient, 0, now_ms, limit, cb, arg);
}

int
gw_store_due_after(gw_store_t *self, const char *recipient, int64_t after_id, int64_t now_ms,
                   size_t limit, gw_store_delivery_cb cb, void *arg)
{
    if (self->pg) {
        return gw_pgstore_due_after(self->pg, recipient, after_id, now_ms, limit, cb, arg);
    }
    if (!recipient || !cb) {
        s_seterr(self, "due: invalid argument");
        return GW_EINVAL;
    }
    if (limit == 0) {
        return GW_OK;
    }
    sqlite3_stmt *st = self->st[S_DUE];
    s_bind_text(st, 1, recipient);
    sqlite3_bind_int64(st, 2, now_ms);
    sqlite3_bind_int64(st, 3, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    sqlite3_bind_int64(st, 4, after_id);
    return s_walk(self, st, "due", cb, arg);
}

int
gw_store_dead(gw_store_t *self, gw_store_delivery_cb cb, void *arg)
{
    if (self->pg) {
        return gw_pgstore_dead(self->pg, cb, arg);
    }
    if (!cb) {
        s_seterr(self, "dead: invalid argument");
        return GW_EINVAL;
    }
    return s_walk(self, self->st[S_DEAD], "dead", cb, arg);
}

/* ------------------------------------------------------------ state changes ---- */

/* Run a bound UPDATE; *changed = rows it changed. */
static int
s_update(gw_store_t *self, int idx, const char *op, int64_t *changed)
{
    int rc = s_exec(self, idx, op);
    *changed = rc == GW_OK ? sqlite3_changes(self->db) : 0;
    return rc == GW_OK ? GW_OK : GW_EIO;
}

/* now_ms is accepted for symmetry with the other calls; the schema keeps next_attempt_ms. */
int
gw_store_sent(gw_store_t *self, int64_t delivery_id, int64_t now_ms, int64_t next_attempt_ms)
{
    if (self->pg) {
        return gw_pgstore_sent(self->pg, delivery_id, next_attempt_ms);
    }
    int64_t n = 0;
    (void)now_ms;
    int rc = s_can_write(self);
    if (rc != GW_OK) {
        return rc;
    }
    sqlite3_stmt *st = self->st[S_SENT];
    sqlite3_bind_int64(st, 1, delivery_id);
    sqlite3_bind_int64(st, 2, next_attempt_ms);
    rc = s_update(self, S_SENT, "sent", &n);
    if (rc == GW_OK && n == 0) {
        s_seterr(self, "sent: no pending or in-flight delivery %lld", (long long)delivery_id);
        rc = GW_EINVAL;
    }
    return rc;
}

/* A late DACK for a dead-lettered delivery marks it delivered (the recipient has it, a
 * requeue would duplicate it); a repeated DACK for a delivered one is GW_OK. */
int
gw_store_acked(gw_store_t *self, int64_t delivery_id, const char *recipient, int64_t now_ms)
{
    return gw_store_ack(self, delivery_id, recipient, now_ms, NULL);
}

int
gw_store_ack(gw_store_t *self, int64_t delivery_id, const char *recipient, int64_t now_ms,
             int *changed)
{
    if (self->pg) {
        return gw_pgstore_ack(self->pg, delivery_id, recipient, now_ms, changed);
    }
    int64_t n = 0;
    if (changed) {
        *changed = 0;
    }
    int rc = s_can_write(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (!recipient) {
        s_seterr(self, "acked: no recipient");
        return GW_EINVAL;
    }
    sqlite3_stmt *st = self->st[S_ACK];
    sqlite3_bind_int64(st, 1, delivery_id);
    s_bind_text(st, 2, recipient);
    sqlite3_bind_int64(st, 3, now_ms);
    rc = s_update(self, S_ACK, "acked", &n);
    if (rc != GW_OK || n > 0) {
        if (changed) {
            *changed = rc == GW_OK;
        }
        return rc;
    }
    st = self->st[S_OWNER];
    sqlite3_bind_int64(st, 1, delivery_id);
    s_bind_text(st, 2, recipient);
    int src = sqlite3_step(st);
    int own = src == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_reset(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        return s_ioerr(self, "acked", src);
    }
    if (!own) {
        s_seterr(self, "acked: delivery %lld is unknown or not for this recipient",
                 (long long)delivery_id);
        return GW_EINVAL;
    }
    return GW_OK;
}

int
gw_store_expire(gw_store_t *self, int64_t now_ms, int64_t max_age_ms, size_t *moved)
{
    if (self->pg) {
        return gw_pgstore_expire_each(self->pg, now_ms, max_age_ms, NULL, NULL, moved);
    }
    int64_t n = 0;
    int rc = s_can_write(self);
    if (moved) {
        *moved = 0;
    }
    if (rc != GW_OK) {
        return rc;
    }
    sqlite3_bind_int64(self->st[S_EXPIRE], 1, now_ms - max_age_ms);
    rc = s_update(self, S_EXPIRE, "expire", &n);
    if (moved) {
        *moved = (size_t)n;
    }
    return rc;
}

int
gw_store_expire_each(gw_store_t *self, int64_t now_ms, int64_t max_age_ms,
                     void (*cb)(void *arg, int64_t delivery_id), void *arg, size_t *moved)
{
    if (self->pg) {
        return gw_pgstore_expire_each(self->pg, now_ms, max_age_ms, cb, arg, moved);
    }
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    if (moved) {
        *moved = 0;
    }
    int rc = s_can_write(self);
    if (rc != GW_OK) {
        return rc;
    }
    sqlite3_stmt *st = self->st[S_EXPIRE_IDS];
    sqlite3_bind_int64(st, 1, now_ms - max_age_ms);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            int64_t *b = gw_realloc(ids, ncap * sizeof(*ids));
            if (!b) {
                src = SQLITE_NOMEM;
                break;
            }
            ids = b;
            cap = ncap;
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) {
        gw_free(ids);
        return s_ioerr(self, "expire", src);
    }
    rc = gw_store_expire(self, now_ms, max_age_ms, moved);
    if (rc == GW_OK && cb) {
        for (size_t i = 0; i < n; i++) {
            cb(arg, ids[i]);
        }
    }
    gw_free(ids);
    return rc;
}

int
gw_store_dead_letter(gw_store_t *self, int64_t delivery_id)
{
    if (self->pg) {
        return gw_pgstore_dead_letter(self->pg, delivery_id);
    }
    int64_t n = 0;
    int rc = s_can_write(self);
    if (rc != GW_OK) {
        return rc;
    }
    sqlite3_bind_int64(self->st[S_KILL], 1, delivery_id);
    rc = s_update(self, S_KILL, "dead letter", &n);
    if (rc == GW_OK && n == 0) {
        s_seterr(self, "dead letter: no pending or in-flight delivery %lld",
                 (long long)delivery_id);
        rc = GW_EINVAL;
    }
    return rc;
}

int
gw_store_requeue(gw_store_t *self, int64_t delivery_id, int64_t now_ms, size_t *requeued)
{
    if (self->pg) {
        return gw_pgstore_requeue(self->pg, delivery_id, now_ms, requeued);
    }
    int64_t n = 0;
    int rc = s_can_write(self);
    if (requeued) {
        *requeued = 0;
    }
    if (rc != GW_OK) {
        return rc;
    }
    if (delivery_id < 0) {
        s_seterr(self, "requeue: invalid delivery id");
        return GW_EINVAL;
    }
    if (delivery_id > 0) {
        sqlite3_bind_int64(self->st[S_REQUEUE_ONE], 1, delivery_id);
        sqlite3_bind_int64(self->st[S_REQUEUE_ONE], 2, now_ms);
        rc = s_update(self, S_REQUEUE_ONE, "requeue", &n);
        if (rc == GW_OK && n == 0) {
            s_seterr(self, "requeue: delivery %lld is not dead-lettered", (long long)delivery_id);
            rc = GW_EINVAL;
        }
    } else {
        sqlite3_bind_int64(self->st[S_REQUEUE_ALL], 1, now_ms);
        rc = s_update(self, S_REQUEUE_ALL, "requeue", &n);
    }
    if (requeued) {
        *requeued = (size_t)n;
    }
    return rc;
}

int
gw_store_retry_now(gw_store_t *self, const char *recipient, int64_t now_ms)
{
    if (self->pg) {
        return gw_pgstore_retry_now(self->pg, recipient, now_ms);
    }
    int64_t n = 0;
    int rc = s_can_write(self);
    if (rc != GW_OK) {
        return rc;
    }
    if (!recipient) {
        s_seterr(self, "retry_now: no recipient");
        return GW_EINVAL;
    }
    s_bind_text(self->st[S_RETRY_NOW], 1, recipient);
    sqlite3_bind_int64(self->st[S_RETRY_NOW], 2, now_ms);
    return s_update(self, S_RETRY_NOW, "retry_now", &n);
}

/* ------------------------------------------------------------ queries ---- */

int
gw_store_find_heen(gw_store_t *self, const char *heen_type, const char *afzender, const char *ident,
                   const char *dagtekening, int64_t *msg_id, char sender[65], char *recipient)
{
    if (self->pg) {
        return gw_pgstore_find_heen(self->pg, heen_type, afzender, ident, dagtekening, msg_id,
                                    sender, recipient);
    }
    if (!heen_type || !afzender || !ident || !dagtekening || !msg_id || !sender) {
        s_seterr(self, "find_heen: invalid argument");
        return GW_EINVAL;
    }
    sqlite3_stmt *st = self->st[S_FIND_HEEN];
    s_bind_text(st, 1, heen_type);
    s_bind_text(st, 2, afzender);
    s_bind_text(st, 3, ident);
    s_bind_text(st, 4, dagtekening);
    int rc = GW_OK;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 1);
        *msg_id = sqlite3_column_int64(st, 0);
        snprintf(sender, 65, "%s", s ? s : "");
        if (recipient) {
            const char *to = (const char *)sqlite3_column_text(st, 2);
            snprintf(recipient, 65, "%s", to ? to : "");
        }
    } else if (src == SQLITE_DONE) {
        s_seterr(self, "find_heen: no such heenbericht");
        rc = GW_EINVAL;
    } else {
        rc = s_ioerr(self, "find_heen", src);
    }
    sqlite3_reset(st);
    return rc;
}

int
gw_store_depths(gw_store_t *self, int (*cb)(void *arg, const gw_store_depth_t *d), void *arg)
{
    if (self->pg) {
        return gw_pgstore_depths(self->pg, cb, arg);
    }
    if (!cb) {
        s_seterr(self, "depths: invalid argument");
        return GW_EINVAL;
    }
    sqlite3_stmt *st = self->st[S_DEPTHS];
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        gw_store_depth_t d;
        d.recipient = (const char *)sqlite3_column_text(st, 0);
        d.pending = sqlite3_column_int64(st, 1);
        d.inflight = sqlite3_column_int64(st, 2);
        d.delivered = sqlite3_column_int64(st, 3);
        d.dead = sqlite3_column_int64(st, 4);
        d.oldest_pending_ms = sqlite3_column_int64(st, 5); /* NULL reads as 0 */
        if (!d.recipient) {
            src = SQLITE_NOMEM;
            break;
        }
        if (cb(arg, &d) != 0) {
            src = SQLITE_DONE;
            break;
        }
    }
    int rc = GW_OK;
    if (src != SQLITE_DONE) {
        rc = s_ioerr(self, "depths", src);
    }
    sqlite3_reset(st);
    return rc;
}

/* Run a bound count(*) statement for one recipient. */
static int
s_count(gw_store_t *self, int idx, const char *op, const char *recipient, int64_t *n)
{
    if (!recipient || !n) {
        s_seterr(self, "%s: invalid argument", op);
        return GW_EINVAL;
    }
    sqlite3_stmt *st = self->st[idx];
    s_bind_text(st, 1, recipient);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW) {
        return s_ioerr(self, op, src);
    }
    return GW_OK;
}

int
gw_store_backlog(gw_store_t *self, const char *recipient, int64_t *n)
{
    if (self->pg) {
        return gw_pgstore_count(self->pg, recipient, 0, n);
    }
    return s_count(self, S_BACKLOG, "backlog", recipient, n);
}

int
gw_store_inflight(gw_store_t *self, const char *recipient, int64_t *n)
{
    if (self->pg) {
        return gw_pgstore_count(self->pg, recipient, 1, n);
    }
    return s_count(self, S_INFLIGHT, "inflight", recipient, n);
}

static int64_t
s_file_size(const char *path)
{
    struct stat sb;
    if (!path || !*path || stat(path, &sb) != 0) {
        return 0;
    }
    return (int64_t)sb.st_size;
}

int64_t
gw_store_size(gw_store_t *self)
{
    if (self->pg) {
        return 0;
    }
    const char *db = sqlite3_db_filename(self->db, "main");
    if (!db || !*db) {
        return 0;
    }
    return s_file_size(db) + s_file_size(sqlite3_filename_wal(db));
}

void *
gw_store_db(gw_store_t *self)
{
    if (self->pg) {
        return NULL; /* filters and sinks with SQL state are refused with PostgreSQL */
    }
    return self->db;
}

int
gw_store_find_copy(gw_store_t *self, gw_store_msg_t *m, int *found)
{
    if (self->pg) {
        return gw_pgstore_find_copy(self->pg, m, found);
    }
    *found = 0;
    if (!m || !m->sender || !m->type || !m->ident || !m->dagtekening) {
        s_seterr(self, "find_copy: invalid argument");
        return GW_EINVAL;
    }
    return s_dedup(self, m, found);
}

/* ------------------------------------------------------------ backends ---- */

int
gw_store_is_pg(const char *path)
{
    return path &&
           (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

/* "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db". */
const char *
gw_store_display(const char *path, char *buf, size_t cap)
{
    if (!path || !gw_store_is_pg(path)) {
        return path ? path : "";
    }
    const char *auth = strstr(path, "://") + 3;
    const char *at = strchr(auth, '@');
    const char *slash = strchr(auth, '/');
    const char *colon = strchr(auth, ':');
    if (!at || (slash && slash < at) || !colon || colon > at) {
        snprintf(buf, cap, "%s", path);
    } else {
        snprintf(buf, cap, "%.*s***%s", (int)(colon + 1 - path), path, at);
    }
    /* A password may also sit in the query string (password=...). */
    char *q = strstr(buf, "password=");
    if (q) {
        char *end = strchr(q, '&');
        snprintf(q, cap - (size_t)(q - buf), "password=***%s", end ? "&..." : "");
    }
    return buf;
}

int
gw_store_pg_available(void)
{
    return gw_pgstore_available();
}

int
gw_store_wake_fd(gw_store_t *self)
{
    return self->pg ? gw_pgstore_wake_fd(self->pg) : -1;
}

int
gw_store_poll(gw_store_t *self, int64_t now_ms, void (*cb)(void *arg, const char *party), void *arg)
{
    return self->pg ? gw_pgstore_poll(self->pg, now_ms, cb, arg) : GW_OK;
}
