/*
 * Millisecond and microsecond clocks shared by the gateway, ijwctl and the tests:
 * monotonic for deadlines and durations, wall-clock (UTC epoch) for timestamps
 * that are stored or shown.
 */
#ifndef GW_CLOCK_H
#define GW_CLOCK_H

#include <stdint.h>
#include <time.h>

/** Monotonic milliseconds (CLOCK_MONOTONIC): for deadlines and elapsed time. */
static inline int64_t
gw_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** Monotonic microseconds (CLOCK_MONOTONIC): for latency measurements. */
static inline int64_t
gw_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/** Wall-clock milliseconds since the Unix epoch (CLOCK_REALTIME). */
static inline int64_t
gw_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
