/*
 * Wire-tap copies for the regional platform (seed-rules-002 §5,
 * SEG-NO-CLINICAL-TO-PLATFORM): a copy of a message with the free text and the
 * contact details taken out, so monitoring sees the process, not the person's
 * story. What is removed: every Commentaar, the client's Communicatie, Relaties,
 * and all address, phone, e-mail and organisation details of Contact; names are
 * replaced by a fixed placeholder. The BSN stays (pathways are linked by it);
 * pseudonymising it is the security issue's job (keyed hash).
 */
#ifndef GW_TAP_H
#define GW_TAP_H

#include <stddef.h>

#include "gw/codec.h"

/**
 * Strip msg in place (its arena) and encode the result.
 * @returns GW_OK with *xml (gw_free) or GW_ENOMEM.
 */
GW_NODISCARD int gw_tap_strip(gw_msg_t *msg, char **xml, size_t *len);

#endif
