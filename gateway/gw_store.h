/*
 * The durable message store (SQLite in WAL mode, the embedded default). It
 * holds every accepted message and one delivery row per recipient copy, so a
 * message acknowledged to its sender survives kill -9 and is delivered when
 * its recipient connects, in order per recipient. Writes are grouped: the
 * broker opens one transaction per batch and acknowledges senders only after
 * gw_store_commit() returned GW_OK (group commit).
 *
 * Delivery states: pending -> inflight (sent, awaiting DACK; retried with
 * backoff) -> delivered; or -> dead (dead-letter) when not delivered within
 * the configured time; an operator can requeue dead deliveries.
 */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"

typedef struct gw_store gw_store_t;
typedef struct gw_keyring gw_keyring_t; /* gw_crypt.h */

typedef struct gw_store_opts {
    int sync_normal;    /* 1: PRAGMA synchronous=NORMAL (faster, WAL-safe against app crash,
                           not power loss); 0: FULL (default) */
    int64_t max_bytes;  /* refuse new messages when the database file exceeds this; 0 = no limit */
    int readonly;       /* open for inspection only (ijwctl queues) */
    const char *node;   /* PostgreSQL store: this node's id (config `node`); NULL = "ijwgw" */
} gw_store_opts_t;

/* A message to store. Strings are borrowed for the call. */
typedef struct gw_store_msg {
    int64_t id;              /* out: gateway message id */
    const char *sender;      /* party code that submitted it */
    const char *recipient;   /* party code it goes to */
    const char *type;        /* message type name, "JW301" */
    const char *afzender;    /* Header/Afzender */
    const char *ident;       /* Header/BerichtIdentificatie/Identificatie */
    const char *dagtekening; /* Header/BerichtIdentificatie/Dagtekening */
    int64_t answers;         /* for a retourbericht: id of the heenbericht it answers; 0 = none */
    const void *payload;     /* XML bytes */
    size_t len;
    int64_t received_ms;     /* wall clock, ms since the epoch */
} gw_store_msg_t;

/* A delivery handed to the broker. Borrowed: valid during the callback only. */
typedef struct gw_store_delivery {
    int64_t delivery_id;  /* the id sent in DELIVER and expected back in DACK */
    int64_t msg_id;
    const char *recipient;
    const char *sender;
    const char *type;
    const void *payload;
    size_t len;
    int attempts;          /* sends so far */
    int64_t created_ms;
    const char *state;     /* "pending", "inflight", "delivered", "dead" */
    uint32_t key_id;       /* 0: stored as plaintext; else the store key that sealed it */
    const char *unreadable; /* NULL; or why the stored payload cannot be read (GCM tag failure,
                               unknown key, no key configured), and payload is "" with len 0.
                               A static text, never data. Callers must not send it. */
} gw_store_delivery_t;

typedef int (*gw_store_delivery_cb)(void *arg, const gw_store_delivery_t *d);

/** 1 when path names a PostgreSQL store (postgresql:// or postgres:// URL) rather than a
 * SQLite file (docs/scale-out.md). */
int gw_store_is_pg(const char *path);

/** 1 when this build has the PostgreSQL backend (meson -Dpostgresql, libpq). */
int gw_store_pg_available(void);

/** path for logs and messages: a PostgreSQL URL with its password replaced by "***". */
const char *gw_store_display(const char *path, char *buf, size_t cap);

/**
 * Open or create the store at path; applies WAL, the schema and schema upgrades. A
 * postgresql:// URL opens the PostgreSQL backend (gw_store_pg.h) behind the same API.
 * @returns the store or NULL with *err (heap, gw_free).
 */
gw_store_t *gw_store_open(const char *path, const gw_store_opts_t *opts, char **err);
void gw_store_close(gw_store_t **self_p);

/** The schema version (PRAGMA user_version) this code reads and writes. A read-write open
 * upgrades an older store to it, one transaction per version; a newer store is refused. */
int gw_store_schema_version(void);

/**
 * Encrypt payloads at rest from now on with the keyring's active key (AES-256-GCM, the
 * row bound in the AAD); rows sealed with its older keys, and plaintext rows, stay
 * readable. NULL turns sealing off (sealed rows then read as unreadable).
 * Ownership: takes *keys_p (NULL afterwards); a previous keyring is destroyed.
 */
void gw_store_set_keys(gw_store_t *self, gw_keyring_t **keys_p);

/** Does the store hold any sealed payload (*any 1/0)? Reads every payload's first byte:
 * O(data), for start-up decisions only. @returns GW_OK, GW_EIO. */
GW_NODISCARD int gw_store_has_sealed(gw_store_t *self, int *any);

/** The store's SQLite connection (a sqlite3 *), for filters that keep state in tables of
 * their own (gw/filter.h). Borrowed for the store's life; never BEGIN/COMMIT on it. */
void *gw_store_db(gw_store_t *self);

/** Group transaction. @returns GW_OK or GW_EIO (details logged via gw_store_last_error). */
GW_NODISCARD int gw_store_begin(gw_store_t *self);
GW_NODISCARD int gw_store_commit(gw_store_t *self);
GW_NODISCARD int gw_store_rollback(gw_store_t *self);
/** Text of the last SQLite error (static per store). */
const char *gw_store_last_error(const gw_store_t *self);

/**
 * Store a message and its delivery to m->recipient (state pending), inside a
 * transaction. Deduplicates on (sender, type, ident, dagtekening): a resend after
 * a lost ACK sets *duplicate = 1 and m->id to the first copy's id, storing nothing.
 * @returns GW_OK; GW_EFULL when max_bytes is exceeded or the disk is full (the caller
 *   answers the sender with an error; nothing was stored); GW_EIO.
 */
GW_NODISCARD int gw_store_put(gw_store_t *self, gw_store_msg_t *m, int *duplicate);

/**
 * Is m (sender, type, ident, dagtekening) already stored? Sets *found and m->id.
 * The put does the same check; this lets the broker answer a resend before the
 * filters see it again. @returns GW_OK, GW_EINVAL, GW_EIO.
 */
GW_NODISCARD int gw_store_find_copy(gw_store_t *self, gw_store_msg_t *m, int *found);

/** Add a delivery of message msg_id to another recipient (wire tap), with its own payload
 * (e.g. a copy without free text), inside a transaction. */
GW_NODISCARD int gw_store_add_delivery(gw_store_t *self, int64_t msg_id, const char *recipient,
                                       const void *payload, size_t len, int64_t now_ms);

/**
 * Deliveries due for recipient: state pending, or inflight with next_attempt <= now,
 * in per-recipient order, at most limit. cb returning non-zero stops the walk.
 */
GW_NODISCARD int gw_store_due(gw_store_t *self, const char *recipient, int64_t now_ms, size_t limit,
                              gw_store_delivery_cb cb, void *arg);

/**
 * As gw_store_due, but pending deliveries only with delivery id > after_id (inflight ones
 * that are due are returned whatever their id). The broker passes the highest id it has
 * already sent on the recipient's current connection without marking it sent.
 */
GW_NODISCARD int gw_store_due_after(gw_store_t *self, const char *recipient, int64_t after_id,
                                    int64_t now_ms, size_t limit, gw_store_delivery_cb cb,
                                    void *arg);

/** Mark a delivery sent (inflight, attempts+1) with its next retry time. */
GW_NODISCARD int gw_store_sent(gw_store_t *self, int64_t delivery_id, int64_t now_ms,
                               int64_t next_attempt_ms);
/**
 * Recipient acknowledged a delivery (DACK). Only the delivery's own recipient may
 * acknowledge it. @returns GW_OK, GW_EINVAL (unknown id or not that recipient's).
 */
GW_NODISCARD int gw_store_acked(gw_store_t *self, int64_t delivery_id, const char *recipient,
                                int64_t now_ms);

/** As gw_store_acked; *changed (may be NULL) is 1 when this call moved the delivery to
 * delivered, 0 for a repeated acknowledgement (which is harmless and returns GW_OK). */
GW_NODISCARD int gw_store_ack(gw_store_t *self, int64_t delivery_id, const char *recipient,
                              int64_t now_ms, int *changed);

/** A recipient (re)connected: its in-flight deliveries went to a connection that is
 * gone, so make them due now (they are re-sent first, in order). */
GW_NODISCARD int gw_store_retry_now(gw_store_t *self, const char *recipient, int64_t now_ms);

/** Move deliveries not delivered within max_age_ms of their creation to the dead-letter state. */
GW_NODISCARD int gw_store_expire(gw_store_t *self, int64_t now_ms, int64_t max_age_ms,
                                 size_t *moved);
/** As gw_store_expire, and cb(arg, id) for each delivery it moved, after the move. */
GW_NODISCARD int gw_store_expire_each(gw_store_t *self, int64_t now_ms, int64_t max_age_ms,
                                      void (*cb)(void *arg, int64_t delivery_id), void *arg,
                                      size_t *moved);
/** Move one pending or in-flight delivery to the dead letters now (an unreadable payload).
 * @returns GW_OK, GW_EINVAL (no such undelivered delivery), GW_EIO. */
GW_NODISCARD int gw_store_dead_letter(gw_store_t *self, int64_t delivery_id);
/** Walk dead-lettered deliveries (oldest first). */
GW_NODISCARD int gw_store_dead(gw_store_t *self, gw_store_delivery_cb cb, void *arg);
/** Requeue one dead delivery (delivery_id > 0) or all (0) as pending, created now. */
GW_NODISCARD int gw_store_requeue(gw_store_t *self, int64_t delivery_id, int64_t now_ms,
                                  size_t *requeued);

/**
 * Find the stored heenbericht a retourbericht answers: same heen type, Afzender,
 * BerichtIdentificatie (ident + dagtekening). Writes its id, its submitting party and
 * (recipient not NULL) the party it was routed to, who alone may answer it.
 * @returns GW_OK, GW_EINVAL when not found.
 */
GW_NODISCARD int gw_store_find_heen(gw_store_t *self, const char *heen_type, const char *afzender,
                                    const char *ident, const char *dagtekening, int64_t *msg_id,
                                    char sender[65], char *recipient);

/* Per-recipient queue depths. */
typedef struct gw_store_depth {
    const char *recipient;
    int64_t pending, inflight, delivered, dead;
    int64_t oldest_pending_ms; /* created_ms of the oldest undelivered, 0 if none */
} gw_store_depth_t;
GW_NODISCARD int gw_store_depths(gw_store_t *self, int (*cb)(void *arg, const gw_store_depth_t *d),
                                 void *arg);
/** Undelivered (pending + inflight) count for one recipient. */
GW_NODISCARD int gw_store_backlog(gw_store_t *self, const char *recipient, int64_t *n);
/** In-flight (sent, retry pending) count for one recipient; O(its backlog), unlike
 * gw_store_depths, which counts delivered rows too and so reads the whole table. */
GW_NODISCARD int gw_store_inflight(gw_store_t *self, const char *recipient, int64_t *n);
/** Size of the database files in bytes (0 for a PostgreSQL store). */
int64_t gw_store_size(gw_store_t *self);

/* Several nodes on one PostgreSQL store (docs/scale-out.md); no-ops for SQLite. */
/** A descriptor that turns readable when another node stored a delivery (LISTEN), for the
 * broker's poll; -1 for SQLite or while the listen connection is down. */
int gw_store_wake_fd(gw_store_t *self);
/** Drain wake-ups: cb(arg, recipient code) per delivery another node committed (or this
 * one); also the node's heartbeat and reconnects. Call it outside a transaction.
 * @returns GW_OK, or GW_EIO when a connection is down (logged by the caller, retried). */
GW_NODISCARD int gw_store_poll(gw_store_t *self, int64_t now_ms,
                               void (*cb)(void *arg, const char *party), void *arg);

#endif
