/*
 * The audit trail: an append-only text file, one entry per line, chained with
 * SHA-256 so that editing, deleting, inserting or reordering entries is detected.
 *
 *   seq=N ts=YYYY-MM-DDTHH:MM:SS.mmmZ ev=EVENT key=value ... prev=HEX64 hash=HEX64
 *
 * hash is the SHA-256 of the line up to (not including) " hash=", so it covers seq,
 * the body and prev; prev is the hash of the previous entry (64 zeros for seq=1).
 * Writers (the gateway's audit sink, ijwctl admin commands) take flock(LOCK_EX) on
 * the file for each append, continue the chain from the entry they find at the end,
 * and fdatasync before they unlock. Bodies never hold a payload or a BSN: a client
 * is named by an HMAC-SHA-256 of its BSN (client=HEX). Operator guide: README.md.
 */
#ifndef GW_AUDIT_H
#define GW_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gw/err.h"

#define GW_AUDIT_BODY_MAX 1024 /* longest body (the part between seq= and prev=) */

typedef struct gw_audit gw_audit_t;

/**
 * Open (create, mode 0600) an audit log for appending. The last entry is checked
 * (complete line, own hash); a broken tail refuses the open, with the line in *err.
 * @returns the log or NULL with *err (heap, gw_free).
 */
gw_audit_t *gw_audit_open(const char *path, char **err);
void gw_audit_close(gw_audit_t **self_p);

/**
 * Append bodies (each "ts=... ev=... ...", no newline) as consecutive entries, under the
 * file lock, then fdatasync. Continues from whatever entry is last in the file now.
 * @returns GW_OK, GW_EIO (*err when err is not NULL), GW_EINVAL (a body too long or
 *   with a newline).
 */
GW_NODISCARD int gw_audit_append(gw_audit_t *self, const char *const *bodies, size_t n, char **err);
/**
 * With on, gw_audit_append() writes (the entries are in the kernel: they survive a kill -9
 * of the process) but leaves fdatasync to gw_audit_sync(), which the gateway calls every
 * housekeeping tick: one sync per ~200 ms instead of one per batch. gw_audit_close() syncs.
 */
void gw_audit_defer_sync(gw_audit_t *self, int on);
/** fdatasync what was appended since the last sync. GW_OK or GW_EIO (*err if not NULL). */
GW_NODISCARD int gw_audit_sync(gw_audit_t *self, char **err);
/** 1 when the path no longer names the open file (renamed or removed by log rotation). */
int gw_audit_rotated(const gw_audit_t *self);
/** The path the log was opened with. Borrowed. */
const char *gw_audit_path(const gw_audit_t *self);

/** Sequence number and hash (hex) of the last entry written or found. */
int64_t gw_audit_seq(const gw_audit_t *self);
const char *gw_audit_head(const gw_audit_t *self);

/** Format the start of a body: "ts=<UTC time of ms> ev=<event>". @returns its length. */
size_t gw_audit_body_start(char *buf, size_t cap, int64_t ms, const char *event);
/** Append " key=value" to a body; the value is copied with every byte outside
 * [A-Za-z0-9._:/@+-] replaced by '_' (so lines stay one field per word). No-op for NULL/"". */
void gw_audit_body_add(char *buf, size_t cap, const char *key, const char *value);

/* Result of gw_audit_verify. */
typedef struct gw_audit_report {
    int64_t entries;  /* entries that verified */
    int64_t last_seq; /* seq of the last good entry (0 when none) */
    char head[65];    /* hash of the last good entry ("" when none) */
    int64_t bad_line; /* first broken line (1-based), 0 when the chain verifies */
    char why[256];    /* what is wrong with it */
} gw_audit_report_t;

/**
 * Check the whole chain of the file at path.
 * @returns GW_OK (rep->bad_line says whether it verified), GW_EIO (cannot read: rep->why).
 */
GW_NODISCARD int gw_audit_verify(const char *path, gw_audit_report_t *rep);

/** The client reference of a BSN: hex HMAC-SHA-256 under key (32 bytes) into out[65].
 * @returns GW_OK, GW_ECRYPTO. */
GW_NODISCARD int gw_audit_client_ref(const uint8_t *key, const char *bsn, char out[65]);

#endif
