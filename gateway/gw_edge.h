/*
 * The HTTPS edge (ijwgw-edge): an HTTPS/1.1 server for party software that
 * cannot speak ZeroMQ. Each client presents a certificate; its subject maps
 * to a party (gw_edge_config.h), and the edge talks to the gateway on that
 * party's behalf with the client library (gw/client.h): one gateway
 * connection per party, opened on first use and shared, serialised, by all of
 * that party's HTTPS requests. docs/edge.md describes the API.
 *
 * Threads: the caller's (accept loop, gw_edge_poll), one per HTTPS connection
 * (at most max_connections), and a keeper that keeps the parties' gateway
 * connections alive (heartbeats) and collects deliveries that arrive between
 * requests. A delivery is acknowledged to the gateway only when the HTTPS
 * client acknowledges it, so delivery stays at-least-once.
 */
#ifndef GW_EDGE_H
#define GW_EDGE_H

#include "gw/err.h"

#include "gw_edge_config.h"

typedef struct gw_edge gw_edge_t;

/**
 * Build the TLS context, bind the listener and start the keeper.
 * Ownership: takes *conf_p (NULLed, also on failure).
 * @returns the edge or NULL with *err (heap, gw_free).
 */
gw_edge_t *gw_edge_new(gw_edge_config_t **conf_p, char **err);

/**
 * Swap in a new generation (party table, TLS files, limits). Connections
 * already open keep the generation they started with until they close.
 * `listen` cannot change without a restart (refused). A party whose key or
 * the gateway endpoint changed reconnects on its next use.
 * Ownership: takes *conf_p.
 * @returns GW_OK, GW_ECONFIG (*err says why; the old generation stays).
 */
GW_NODISCARD int gw_edge_reload(gw_edge_t *self, gw_edge_config_t **conf_p, char **err);

/** Accept connections for up to timeout_ms. @returns GW_OK or GW_EIO (listener failed). */
GW_NODISCARD int gw_edge_poll(gw_edge_t *self, int timeout_ms);

/** The bound address ("127.0.0.1:8443"). Borrowed for the edge's life. */
const char *gw_edge_address(const gw_edge_t *self);

/** Stop: cut open connections short, join every thread, close the gateway connections. */
void gw_edge_destroy(gw_edge_t **self_p);

#endif
