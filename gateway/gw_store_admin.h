/*
 * Operations on a store as a whole, for `ijwctl backup|restore|store`: an online
 * backup that is consistent while the gateway writes, its verification, an atomic
 * restore, and the schema version of a file. The gateway itself never calls these.
 * Like gw_store.c, this file talks to SQLite directly; nothing else does.
 */
#ifndef GW_STORE_ADMIN_H
#define GW_STORE_ADMIN_H

#include <stdint.h>

#include "gw/err.h"

/* What a verification found. */
typedef struct gw_store_check {
    int64_t version;    /* PRAGMA user_version */
    int64_t messages;   /* rows in messages */
    int64_t deliveries; /* rows in deliveries */
    int64_t bytes;      /* page_count * page_size */
} gw_store_check_t;

/**
 * Copy the store at src to a new file dst with SQLite's online backup API, in steps,
 * inside one read snapshot of src: the copy is the store as of one commit, the writer
 * (a running gateway) is never blocked, and WAL content is included. The copy is a
 * single file (rollback journal mode, no -wal), verified (gw_store_verify), fsync'ed,
 * and appears under dst only when complete (written as dst.partial, then renamed).
 * @returns GW_OK; GW_EINVAL (dst exists, src missing or not a store, verification
 *   failed); GW_EIO. *err (heap, gw_free) says why. out may be NULL.
 */
GW_NODISCARD int gw_store_backup(const char *src, const char *dst, gw_store_check_t *out,
                                 char **err);

/**
 * Open path read-only and check it: PRAGMA integrity_check is "ok", the schema version
 * is one this release can read or upgrade (1..gw_store_schema_version()), and the
 * message tables are there. @returns GW_OK; GW_EINVAL with *err (heap) otherwise.
 */
GW_NODISCARD int gw_store_verify(const char *path, gw_store_check_t *out, char **err);

/**
 * The schema version (PRAGMA user_version) of the store file at path, without opening it
 * as a store (no upgrade, no WAL changes). @returns GW_OK; GW_EINVAL (no such file, not
 * SQLite) or GW_EIO with *err (heap).
 */
GW_NODISCARD int gw_store_file_version(const char *path, int64_t *version, char **err);

/**
 * Replace the store at store with the backup at backup. The caller holds the store's lock
 * (gw_lock_take), so no gateway runs on it. The backup is verified and copied next to the
 * store (store.restore), fsync'ed; a previous store is checkpointed (its WAL merged) and
 * kept as store.before-restore (a hard link); stale -wal/-shm files are removed; then the
 * copy is renamed over the store and the directory fsync'ed. A crash leaves the old store
 * or the restored one under the store's name, never a mix (a crash after removing a WAL
 * that could not be checkpointed loses that WAL's commits: the store was unreadable). An older
 * backup is upgraded by the gateway's next read-write open; a newer one is refused.
 * @returns GW_OK; GW_EINVAL (backup not valid); GW_EIO, with *err (heap).
 */
GW_NODISCARD int gw_store_restore(const char *backup, const char *store, gw_store_check_t *out,
                                  char **err);

#endif
