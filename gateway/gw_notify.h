/*
 * Service-manager notifications (the sd_notify protocol) without libsystemd:
 * one datagram of "KEY=VALUE\n" lines to the unix socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). The broker
 * says READY=1 once its endpoint is bound and its store is open, RELOADING=1
 * and READY=1 around a SIGHUP reload, STOPPING=1 when it leaves its loop, and
 * WATCHDOG=1 from its housekeeping tick when the manager set WATCHDOG_USEC.
 *
 * Notifications are best effort: without $NOTIFY_SOCKET every call is a no-op,
 * and a failed send is logged once, never fatal.
 */
#ifndef GW_NOTIFY_H
#define GW_NOTIFY_H

#include <stdint.h>

#include "gw/err.h"

typedef struct gw_notify gw_notify_t;

/**
 * Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID.
 * @returns a notifier, or NULL when $NOTIFY_SOCKET is unset, invalid or memory ran out
 *   (every function below accepts NULL and then does nothing).
 * Ownership: the caller owns the result (gw_notify_destroy).
 */
gw_notify_t *gw_notify_new(void);
void gw_notify_destroy(gw_notify_t **self_p);

/**
 * Send text (lines "KEY=VALUE", separated by '\n') as one datagram.
 * @returns GW_OK (also for a NULL notifier), GW_EINVAL (text too long), GW_EIO (send failed).
 */
int gw_notify_send(gw_notify_t *self, const char *text);

/** READY=1 with STATUS=status (status may be NULL). */
void gw_notify_ready(gw_notify_t *self, const char *status);
/** RELOADING=1 with MONOTONIC_USEC=<CLOCK_MONOTONIC now>, as Type=notify-reload expects. */
void gw_notify_reloading(gw_notify_t *self);
/** STOPPING=1 with STATUS=status (may be NULL). */
void gw_notify_stopping(gw_notify_t *self, const char *status);

/** The watchdog interval the manager asked for in microseconds; 0 = no watchdog (or the
 * variable names another process in $WATCHDOG_PID). */
uint64_t gw_notify_watchdog_usec(const gw_notify_t *self);

/**
 * Called from a loop that is healthy: sends WATCHDOG=1 when half the watchdog interval
 * (monotonic clock) has passed since the previous ping. No-op without a watchdog.
 */
void gw_notify_watchdog(gw_notify_t *self);

#endif
