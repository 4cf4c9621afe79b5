/*
 * The metrics collector: a broker observer (gw_events.h) that counts messages
 * in and out per party and type, rejections per rule, refusals per code,
 * queue depths, dead letters, store size, latencies (receipt -> ACK and
 * accept -> DACK) and the filters' verdicts.
 *
 * Threads: gw_metrics_on_event() runs on the broker thread and is the only
 * writer of the counters. At each TICK (at most once a second unless something
 * changed) it publishes an immutable copy, a snapshot, under a mutex. The
 * render functions run on any thread (the HTTP server's) and read only the
 * latest snapshot, so the broker's state is never shared.
 *
 * Counters in the store transaction (ACCEPTED, DUPLICATE, DELIVERED, DEAD)
 * count only when the transaction commits: on ABORTED the batch's messages
 * were answered with ERROR INTERNAL, and that is what is counted.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include "gw_config.h"
#include "gw_events.h"
#include "gw_http.h"

typedef struct gw_metrics gw_metrics_t;

/**
 * A collector for the parties and filters of cfg.
 * @param db the store's sqlite3 handle (borrowed; read-only queries for delivery types,
 *   dead letters and file sizes)
 * @returns the collector, or NULL with *err (heap, gw_free).
 */
gw_metrics_t *gw_metrics_new(const gw_config_t *cfg, void *db, char **err);
void gw_metrics_destroy(gw_metrics_t **self_p);

/** Observe an event (broker thread only). */
void gw_metrics_on_event(gw_metrics_t *self, const gw_event_t *ev);

/** Publish a snapshot now (broker thread only; the TICK does this by itself). */
void gw_metrics_publish(gw_metrics_t *self, int64_t now_ms);

/** The latest snapshot in Prometheus text format 0.0.4 (any thread). */
void gw_metrics_render_prometheus(gw_metrics_t *self, gw_http_resp_t *out);
/** The latest snapshot as the JSON the status page draws (any thread). */
void gw_metrics_render_json(gw_metrics_t *self, gw_http_resp_t *out);
/** Age of the latest snapshot in ms (any thread); large when the broker loop is stuck. */
int64_t gw_metrics_age_ms(gw_metrics_t *self, int64_t now_ms);

#endif
