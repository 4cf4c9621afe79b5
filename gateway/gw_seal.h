/*
 * Payloads at rest, for both store backends (gw_store.c on SQLite, gw_store_pg.c on
 * PostgreSQL): seal a payload for its row with the active key, and open a stored blob
 * into a delivery. The associated data binds a sealed payload to its row, so a blob
 * moved to another row does not open:
 *   message row:  "ijwgw/1 msg <id> <type>"
 *   delivery row: "ijwgw/1 dlv <id> <msg id>"  (a delivery with a payload of its own)
 */
#ifndef GW_SEAL_H
#define GW_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "gw_crypt.h"
#include "gw_store.h"

/**
 * Seal *payload (*len bytes) for row (kind 'm' or 'd', id, msg_id, type) into *buf (grown
 * as needed; wiped when it moves). On GW_OK *payload and *len name the sealed copy in
 * *buf, valid until the next call. On failure *why says what failed.
 */
GW_NODISCARD int gw_seal_payload(const gw_keyring_t *keys, uint8_t **buf, size_t *cap, char kind,
                                 int64_t id, int64_t msg_id, const char *type,
                                 const void **payload, size_t *len, const char **why);

/**
 * Fill d->payload/len/key_id from the stored blob (d->delivery_id, msg_id and type set):
 * opened into *buf when sealed (own: the delivery's own payload, else the message's).
 * keys may be NULL (no key configured). On failure d->payload is "" with len 0 and
 * d->unreadable says why, never data.
 */
void gw_seal_open(const gw_keyring_t *keys, uint8_t **buf, size_t *cap, gw_store_delivery_t *d,
                  const uint8_t *blob, size_t blen, int own);

#endif
