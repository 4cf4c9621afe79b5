/*
 * The metrics and status-page sink (gw_monitor.c): on when the gateway
 * section sets `http = host:port`.
 */
#ifndef GW_MONITOR_H
#define GW_MONITOR_H

#include "gw_config.h"
#include "gw_events.h"

/**
 * Sink factory for gw_sinks.c: leaves sink->on_event NULL when cfg->http is empty.
 * @returns GW_OK, or an error with *err (heap) when the listener cannot be bound.
 */
int gw_monitor_sink_create(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err);

#endif
