/*
 * One writer per store: the gateway holds an exclusive flock(2) on
 * "<store>.lock" for as long as it runs, and writes its pid into it. A second
 * gateway on the same store, and `ijwctl restore` / `ijwctl store upgrade`,
 * take the same lock and are refused while it is held. The kernel drops the
 * lock when the holder exits, also on kill -9, so a stale lock file is harmless
 * and is never deleted (deleting it would race with a new holder).
 *
 * flock(2) is per open file description and local to the machine: a store on a
 * network file system is not protected across hosts (nor is SQLite's WAL there).
 */
#ifndef GW_LOCK_H
#define GW_LOCK_H

#include "gw/err.h"

typedef struct gw_lock gw_lock_t;

/**
 * Take the store's lock without waiting.
 * @param store_path the SQLite store; the lock file is store_path + ".lock"
 * @returns the held lock, or NULL with *err (heap, gw_free): "store X is in use by
 *   another process (pid N holds X.lock)" when it is held, or the open error.
 * Ownership: the caller owns the lock (gw_lock_release).
 */
gw_lock_t *gw_lock_take(const char *store_path, char **err);

/** Release the lock (the file stays). Accepts NULL. */
void gw_lock_release(gw_lock_t **self_p);

#endif
