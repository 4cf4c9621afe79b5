/*
 * The broker: one ROUTER socket that parties connect to, and the pipeline each
 * submitted message goes through: identify the sender, decode and XSD-validate
 * (codec), check the standard's intra-message rules, route, persist durably
 * (group commit), acknowledge, deliver, and redeliver until the recipient
 * acknowledges or the message is dead-lettered.
 */
#ifndef GW_BROKER_H
#define GW_BROKER_H

#include "gw/err.h"

#include "gw_config.h"

typedef struct gw_broker gw_broker_t;

/**
 * Create a broker on a configuration: opens the store, compiles the schemas
 * and binds the endpoint. Takes ownership of *config_p (even on failure).
 * @returns the broker, or NULL with *err (heap, gw_free).
 */
gw_broker_t *gw_broker_new(gw_config_t **config_p, char **err);
void gw_broker_destroy(gw_broker_t **self_p);

/**
 * Run until gw_broker_stop() or SIGTERM/SIGINT. SIGHUP reloads the config file
 * (if the broker was made from a file): a new generation replaces the old one
 * only when it parses and validates; connections and messages are kept.
 * @returns GW_OK on a clean stop, GW_EIO on a fatal socket or store error.
 */
GW_NODISCARD int gw_broker_run(gw_broker_t *self);

/** Ask a running broker to stop (async-signal-safe). */
void gw_broker_stop(gw_broker_t *self);
/** Ask a running broker to reload its config file (async-signal-safe). */
void gw_broker_reload(gw_broker_t *self);

/** The endpoint actually bound (tcp://127.0.0.1:PORT when the config said port 0 or *). */
const char *gw_broker_endpoint(const gw_broker_t *self);

#endif
