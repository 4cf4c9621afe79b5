/* Structured logging backend (gw/log.h): ISO-8601 UTC time, level, event name,
 * then the caller's key=value pairs, one line, written with a single fputs.
 *
 * Under systemd, when stderr is the journal (JOURNAL_STREAM names stderr's device
 * and inode, see systemd.exec(5)), each line starts with the sd-daemon(3) priority
 * prefix ("<3>" error, "<4>" warning, "<6>" info, "<7>" debug), so journalctl -p
 * filters by level; the rest of the line is unchanged. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gw/log.h"

static gw_log_level_t s_level = GW_LOG_INFO;
static int s_level_from_env;
static int s_journal; /* stderr is the journal: prefix lines with <N> */

/* 1 when JOURNAL_STREAM ("DEV:INODE") is the file stderr writes to. */
static int
s_stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev = 0, ino = 0;
    struct stat sb;
    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &sb) != 0) {
        return 0;
    }
    return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

static void
s_init(void)
{
    if (s_level_from_env) {
        return;
    }
    s_level_from_env = 1;
    s_journal = s_stderr_is_journal();
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
    s_init();
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
    static const char *const prio[] = {"<3>", "<4>", "<6>", "<7>"};
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%s%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
                     s_journal ? prio[level] : "", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level], event);
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
