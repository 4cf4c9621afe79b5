/*
 * The party key registry: one immutable generation mapping each registered
 * CURVE public key (Z85) to the one party that owns it. Built from a config
 * generation: for every `party CODE`, the file PARTY_KEYS/CODE.pub lists its
 * public key(s) (gw/keys.h format). A party without a file has no key and
 * cannot connect while CURVE is on. A key listed for two parties is an error
 * naming both files and lines. The broker builds a new generation on SIGHUP
 * and hands it to the ZAP handler (gw_zap.h); removing a key from a .pub file
 * and reloading revokes it.
 */
#ifndef GW_PARTYKEYS_H
#define GW_PARTYKEYS_H

#include <stddef.h>

#include "gw/keys.h"

#include "gw_config.h"

typedef struct gw_partykeys gw_partykeys_t;

/**
 * Build the registry of cfg's parties from cfg->party_keys.
 * @returns the registry, or NULL with *err (heap, gw_free; one "FILE:LINE: why" per line).
 */
gw_partykeys_t *gw_partykeys_load(const gw_config_t *cfg, char **err);
void gw_partykeys_destroy(gw_partykeys_t **self_p);
/**
 * The party owning key z85, or NULL.
 * Ownership: borrowed, valid until gw_partykeys_destroy.
 */
const char *gw_partykeys_party(const gw_partykeys_t *self, const char *z85);
/** Number of registered keys. */
size_t gw_partykeys_count(const gw_partykeys_t *self);
/** Number of configured parties that have no key. */
size_t gw_partykeys_keyless(const gw_partykeys_t *self);

#endif
