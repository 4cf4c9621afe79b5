/*
 * Structured logging to stderr (journald picks it up under systemd): one line
 * per event, "LEVEL event key=value ...". Callers pass identifiers and codes
 * only; payloads, BSNs, names and free text never go to the log, at any level.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include "gw/err.h"

typedef enum gw_log_level {
    GW_LOG_ERROR = 0,
    GW_LOG_WARN,
    GW_LOG_INFO,
    GW_LOG_DEBUG,
} gw_log_level_t;

/** Messages above this level are dropped (default INFO; env IJWGW_LOG=debug|info|warn|error). */
void gw_log_set_level(gw_log_level_t level);
gw_log_level_t gw_log_get_level(void);

/** Log an event: fmt continues the line with key=value pairs. */
void gw_log(gw_log_level_t level, const char *event, const char *fmt, ...) GW_PRINTF(3, 4);

#endif
