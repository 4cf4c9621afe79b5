/*
 * CURVE key files (ZeroMQ CurveZMQ, RFC 26), shared by the gateway, ijwctl,
 * the client library's users, the tests and the benchmark. Keys are Z85 text
 * (40 characters for 32 bytes, zmq_z85_encode). Two files per key pair,
 * written by `ijwctl keygen NAME`:
 *
 *   NAME.key  (mode 0600, secret)        NAME.pub  (public: give it to the operator)
 *     # comment lines                      # comment lines
 *     public_key = <40 Z85 characters>     public_key = <40 Z85 characters>
 *     secret_key = <40 Z85 characters>
 *
 * A .pub file may list several public_key lines (a party rolling over to a
 * new key); the gateway accepts each of them for that party.
 */
#ifndef GW_KEYS_H
#define GW_KEYS_H

#include <stddef.h>

#include "gw/err.h"

#define GW_KEY_Z85_LEN 40 /* characters of a Z85 key, excluding NUL */

typedef struct gw_keypair {
    char public_key[GW_KEY_Z85_LEN + 1]; /* Z85 */
    char secret_key[GW_KEY_Z85_LEN + 1]; /* Z85; "" when only the public half is known */
} gw_keypair_t;

/** 1 when s is a 40-character Z85 string that decodes to 32 bytes. */
int gw_keys_valid(const char *s);

/**
 * A new key pair (zmq_curve_keypair).
 * @returns GW_OK, or GW_ECRYPTO when libzmq was built without CURVE.
 */
GW_NODISCARD int gw_keys_new(gw_keypair_t *kp);

/**
 * Write kp to key_path (public and secret, mode 0600, refused if it exists) and, when
 * pub_path is not NULL, its public half to pub_path (mode 0644, replaced if it exists).
 * name is written in the comment line.
 * @returns GW_OK, GW_EINVAL (key_path exists), GW_EIO; *err (heap, gw_free) says why.
 */
GW_NODISCARD int gw_keys_save(const gw_keypair_t *kp, const char *key_path, const char *pub_path,
                              const char *name, char **err);

/**
 * Read a key file: the first public_key line and, if present, the secret_key line (which
 * must belong to that public key). need_secret: a missing secret_key is an error.
 * @returns GW_OK, GW_EIO (cannot read), GW_EPARSE (bad file: "PATH:LINE: why" in *err).
 */
GW_NODISCARD int gw_keys_load(const char *path, gw_keypair_t *kp, int need_secret, char **err);

/** Called by gw_keys_scan for each public_key line; non-zero stops the scan. */
typedef int (*gw_keys_each_fn)(void *arg, const char *z85, int line);

/**
 * Every public_key line of a file, in order (a .pub file may hold several).
 * @returns GW_OK, GW_EIO (cannot read; errno kept, ENOENT for a missing file), GW_EPARSE.
 */
GW_NODISCARD int gw_keys_scan(const char *path, gw_keys_each_fn fn, void *arg, char **err);

/**
 * The public file beside a key file: "DIR/NAME.key" -> "DIR/NAME.pub", otherwise PATH.pub.
 * Ownership: heap (gw_free), NULL on allocation failure.
 */
char *gw_keys_pub_path(const char *key_path);

/** Overwrite the secret half (before kp goes out of scope). */
void gw_keys_wipe(gw_keypair_t *kp);

#endif
