/*
 * The ZAP handler (ZeroMQ RFC 27) of the gateway's CURVE endpoint: a thread
 * owning a REP socket on inproc://zeromq.zap.01 in the broker's context, bound
 * before the ROUTER so no handshake is ever unauthenticated. For each CURVE
 * handshake it looks the client's public key up in the current key registry
 * (gw_partykeys.h) and answers 200 when the key is registered, 400 otherwise.
 * The reply's User-Id is the party owning the key and its metadata carries the
 * key as "X-Key", so the broker checks every message (zmq_msg_gets) against
 * the routing id it came with and against the registry of the moment: a key
 * used under another party's routing id is refused, and a key revoked by a
 * reload is refused at the connection's next message.
 *
 * Why the routing id is not checked here: libzmq 4.3 fills the ZAP request's
 * "identity" frame with the routing id of the *server* socket, not with the
 * client's (verified with libzmq 4.3.4), and the client's routing id arrives in
 * the CURVE INITIATE metadata only after the ZAP request was sent. So a client
 * with a registered key can connect under another party's routing id and, with
 * ROUTER_HANDOVER, take over that party's connection. The broker answers every
 * message of such a connection with FORBIDDEN, and it delivers to a party only
 * while no handshake was approved since the party's last authenticated message
 * (gw_zap_handshakes): after any new connection, deliveries wait for each
 * party's next message (at most one heartbeat interval). What remains is a race
 * of microseconds between a handshake's approval and its takeover. Turning
 * ROUTER_HANDOVER off is no cure: libzmq then ignores a party's reconnection
 * for as long as its old connection's routing id is held, and keeps ignoring
 * that connection afterwards (verified), so parties would hang after a
 * network failure.
 */
#ifndef GW_ZAP_H
#define GW_ZAP_H

#include <stdint.h>

#include "gw/keys.h"

#include "gw_partykeys.h"

#define GW_ZAP_DOMAIN   "ijwgw" /* ZMQ_ZAP_DOMAIN of the gateway's endpoint */
#define GW_ZAP_KEY_PROP "X-Key" /* message property holding the client's Z85 key */

typedef struct gw_zap gw_zap_t;

/**
 * Bind the ZAP endpoint in zctx and start the handler with a first registry.
 * Ownership: takes *ring_p (NULLed, also on failure).
 * @returns the handler, or NULL with *err (heap, gw_free).
 */
gw_zap_t *gw_zap_new(void *zctx, gw_partykeys_t **ring_p, char **err);
/** Stop the thread and close its socket (before zmq_ctx_term). */
void gw_zap_destroy(gw_zap_t **self_p);
/** Swap in a new registry generation (SIGHUP). Ownership: takes *ring_p. */
void gw_zap_swap(gw_zap_t *self, gw_partykeys_t **ring_p);
/** 1 when key z85 is registered for party in the current generation. */
int gw_zap_allows(gw_zap_t *self, const char *z85, const char *party);
/** Generation counter: changes at every gw_zap_swap (so callers can cache checks). */
uint64_t gw_zap_generation(gw_zap_t *self);
/**
 * Handshakes approved so far. A new connection may take over any routing id
 * (ROUTER_HANDOVER), so the broker delivers to a party only while no handshake
 * was approved since that party's last authenticated message (gw_broker.c).
 */
uint64_t gw_zap_handshakes(gw_zap_t *self);
/** Handshakes refused so far. */
uint64_t gw_zap_refused(gw_zap_t *self);

#endif
