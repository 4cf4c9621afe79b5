/* Structured logging backend (gw/log.h): ISO-8601 UTC time, level, event name,
 * then the caller's key=value pairs, one line, written with a single fputs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/log.h"

static gw_log_level_t s_level = GW_LOG_INFO;
static int s_level_from_env;

static void
s_init(void)
{
    if (s_level_from_env) {
        return;
    }
    s_level_from_env = 1;
    const char *e = getenv("IJWGW_LOG");
    if (!e) {
        return;
    }
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(e, names[i]) == 0) {
            s_level = (gw_log_level_t)i;
        }
    }
}

void
gw_log_set_level(gw_log_level_t level)
{
    s_level_from_env = 1;
    s_level = level;
}

gw_log_level_t
gw_log_get_level(void)
{
    s_init();
    return s_level;
}

void
gw_log(gw_log_level_t level, const char *event, const char *fmt, ...)
{
    s_init();
    if (level > s_level) {
        return;
    }
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[level], event);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
    if (len > sizeof(line) - 2) {
        len = sizeof(line) - 2;
    }
    line[len] = '\n';
    line[len + 1] = '\0';
    fputs(line, stderr);
}
