/*
 * Cryptography for data at rest: the store key file (numbered AES-256 keys, one
 * active, plus a MAC secret), AES-256-GCM sealing of stored payloads, and the
 * SHA-256 / HMAC-SHA-256 the audit trail chains and pseudonymises with. This is
 * the only file of the core that includes <openssl/...>; callers never see
 * OpenSSL types. Key management and the sealed format: docs/store.md.
 *
 * Key file (text, mode 0600 or stricter, refused when group/world-accessible):
 *
 *   # comment
 *   mac  <64 hex>        secret for client references in the audit log (optional)
 *   key 1 <64 hex>       an AES-256 key; ids 1..2147483647, each once
 *   key 2 <64 hex>
 *   active 2             the key new payloads are sealed with
 *
 * Sealed payload: 0x00 'E' 0x01 0x00 | key id (4 bytes, big-endian) | nonce (12) |
 * ciphertext | tag (16). A stored payload that does not start with 0x00 is
 * plaintext (key id 0): XML never contains NUL, so old unencrypted rows stay readable.
 */
#ifndef GW_CRYPT_H
#define GW_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"

#define GW_KEY_BYTES     32
#define GW_SEAL_HEADER   20 /* magic (4) + key id (4) + nonce (12) */
#define GW_SEAL_TAG      16
#define GW_SEAL_OVERHEAD (GW_SEAL_HEADER + GW_SEAL_TAG)
#define GW_SHA256_BYTES  32
#define GW_KEYS_MAX      256

typedef struct gw_keyring gw_keyring_t;

/**
 * Load a key file. Refuses a file that group or others may read or write, a file
 * without an active key, unknown lines (with the line number), duplicate ids.
 * @returns the keyring or NULL with *err (heap, gw_free).
 */
gw_keyring_t *gw_keyring_load(const char *path, char **err);
/** Wipe the keys and free. */
void gw_keyring_destroy(gw_keyring_t **self_p);

/**
 * Create a new key file (O_EXCL, mode 0600) with key 1 active and a MAC secret.
 * @returns GW_OK, GW_EIO (exists, cannot write: *err), GW_ECRYPTO (no randomness).
 */
GW_NODISCARD int gw_keyring_create(const char *path, char **err);
/**
 * Add a key (highest id + 1) to an existing key file and make it active. Old keys
 * stay, for reading. The file is replaced atomically (temporary file, fsync, rename).
 * @returns GW_OK with *new_id, or an error with *err.
 */
GW_NODISCARD int gw_keyring_rotate(const char *path, uint32_t *new_id, char **err);

/**
 * The keyring of a gateway's store: NULL in *out when key_path is empty (encryption
 * off). When key_path does not exist and may_create is set (the store holds no sealed
 * payload: a first start, or a store from before encryption), the key file is created
 * (gw_keyring_create) and *created set; without may_create a missing key file is an
 * error (a lost key file must not silently become a new key).
 * @returns GW_OK, or an error with *err.
 */
GW_NODISCARD int gw_keyring_for_store(const char *key_path, int may_create, gw_keyring_t **out,
                                      int *created, char **err);

/** 1 when path names an existing file (or anything else; 0 only for "does not exist"). */
int gw_keyring_exists(const char *path);

/** The active key's id. */
uint32_t gw_keyring_active(const gw_keyring_t *self);
/** Number of keys and the id of the i-th (file order). */
size_t gw_keyring_count(const gw_keyring_t *self);
uint32_t gw_keyring_id_at(const gw_keyring_t *self, size_t i);
/** The MAC secret (GW_KEY_BYTES), or NULL when the file has none. Borrowed. */
const uint8_t *gw_keyring_mac(const gw_keyring_t *self);

/**
 * Seal len bytes of pt with the active key under aad into out, which must have room
 * for len + GW_SEAL_OVERHEAD bytes. A fresh random 96-bit nonce per call.
 * @returns GW_OK, GW_ECRYPTO.
 */
GW_NODISCARD int gw_keyring_seal(const gw_keyring_t *self, const void *aad, size_t aad_len,
                                 const void *pt, size_t len, uint8_t *out);
/**
 * Open a sealed blob (in, in_len) under aad into out (room for in_len - GW_SEAL_OVERHEAD).
 * self may be NULL (then every sealed blob is GW_EINVAL "no key file").
 * @returns GW_OK with *out_len; GW_EINVAL (malformed, unknown key id: *why); GW_ECRYPTO
 *   (the GCM tag does not verify: tampered, swapped between rows, or a wrong key: *why).
 *   why is a static string naming the problem, never data.
 */
GW_NODISCARD int gw_keyring_open(const gw_keyring_t *self, const void *aad, size_t aad_len,
                                 const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
                                 const char **why);
/** Key id of a stored payload: 0 for plaintext, else the sealing key's id. */
uint32_t gw_sealed_key_id(const void *blob, size_t len);

/** SHA-256 of data. @returns GW_OK, GW_ECRYPTO. */
GW_NODISCARD int gw_sha256(const void *data, size_t len, uint8_t out[GW_SHA256_BYTES]);
/** HMAC-SHA-256 of data with key. @returns GW_OK, GW_ECRYPTO. */
GW_NODISCARD int gw_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
                                uint8_t out[GW_SHA256_BYTES]);
/** Lower-case hex of n bytes into out (2n + 1 bytes). */
void gw_hex(const uint8_t *in, size_t n, char *out);
/** Wipe memory the compiler may not optimise away (OPENSSL_cleanse). */
void gw_cleanse(void *p, size_t n);

#endif
