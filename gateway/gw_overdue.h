/*
 * Overdue retourberichten for the metrics and the status page: how many
 * heenberichten are past the standard's answer deadline without their
 * retourbericht, and how many retourberichten came in after it.
 *
 * The deadline monitor (a separate sink with its own deadline_ tables) owns
 * these facts: gw_overdue_counts() is defined in gw_deadline.c, over those
 * tables (docs/deadlines.md).
 */
#ifndef GW_OVERDUE_H
#define GW_OVERDUE_H

#include <stdint.h>

typedef struct gw_overdue {
    int available; /* 0: no deadline monitor in this build; the counts mean nothing */
    int64_t open;  /* heenberichten past their deadline, still without a retourbericht */
    int64_t late;  /* retourberichten received after their deadline (since the store began) */
} gw_overdue_t;

/**
 * Count the overdue retourberichten. Called on the broker thread (inside or outside the
 * store transaction), at most once every few seconds, with the store's sqlite3 handle.
 * Must not BEGIN/COMMIT. On any failure it sets out->available = 0.
 */
void gw_overdue_counts(void *db, int64_t now_ms, gw_overdue_t *out);

#endif
