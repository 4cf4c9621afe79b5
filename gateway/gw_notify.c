/*
 * The sd_notify protocol in a few lines (gw_notify.h): a SOCK_DGRAM unix socket,
 * connected once to $NOTIFY_SOCKET, carries each notification as one datagram.
 * The wire format is systemd's documented one (sd_notify(3)); we link no library
 * for it, so the gateway runs the same with or without systemd.
 */
#include "gw_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/log.h"

#define S_MAX_TEXT 1024 /* one notification; ours are a few lines */

struct gw_notify {
    int fd;                 /* SOCK_DGRAM, connected to the manager's socket */
    uint64_t watchdog_usec; /* WATCHDOG_USEC for this process; 0 = none */
    int64_t last_ping_ms;   /* CLOCK_MONOTONIC ms of the last WATCHDOG=1; 0 = never */
    int send_failed;        /* a send failed and was logged (log once) */
};

/* Parse a decimal unsigned number filling the whole string; 0 on anything else. */
static uint64_t
s_env_u64(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno != 0 || !end || *end || v[0] == '-') {
        return 0;
    }
    return (uint64_t)n;
}

gw_notify_t *
gw_notify_new(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) {
        return NULL;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    size_t len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
        gw_log(GW_LOG_WARN, "notify_socket_ignored",
               "reason=\"NOTIFY_SOCKET is neither an absolute path nor @abstract\"");
        return NULL;
    }
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@') {
        sa.sun_path[0] = '\0'; /* abstract namespace: the name is not NUL-terminated */
    }
    socklen_t alen =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1));
    gw_notify_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        return NULL;
    }
    self->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (self->fd < 0 || connect(self->fd, (struct sockaddr *)&sa, alen) != 0) {
        gw_log(GW_LOG_WARN, "notify_socket_failed", "error=\"%s\"", strerror(errno));
        if (self->fd >= 0) {
            close(self->fd);
        }
        gw_free(self);
        return NULL;
    }
    /* WATCHDOG_PID, when set, names the process the watchdog is meant for. */
    uint64_t wpid = s_env_u64("WATCHDOG_PID");
    if (getenv("WATCHDOG_PID") == NULL || wpid == (uint64_t)getpid()) {
        self->watchdog_usec = s_env_u64("WATCHDOG_USEC");
    }
    return self;
}

void
gw_notify_destroy(gw_notify_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    close((*self_p)->fd);
    gw_free(*self_p);
    *self_p = NULL;
}

int
gw_notify_send(gw_notify_t *self, const char *text)
{
    if (!self) {
        return GW_OK;
    }
    size_t len = strlen(text);
    if (len == 0 || len > S_MAX_TEXT) {
        return GW_EINVAL;
    }
    ssize_t n;
    do {
        n = send(self->fd, text, len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (size_t)n != len) {
        if (!self->send_failed) {
            self->send_failed = 1;
            gw_log(GW_LOG_WARN, "notify_failed", "error=\"%s\"",
                   n < 0 ? strerror(errno) : "short send");
        }
        return GW_EIO;
    }
    return GW_OK;
}

/* STATUS= is one line: anything after a newline would be read as another variable. */
static void
s_send_status(gw_notify_t *self, const char *head, const char *status)
{
    char text[S_MAX_TEXT];
    int n = snprintf(text, sizeof(text), "%s", head);
    if (status && n > 0 && (size_t)n < sizeof(text)) {
        int m = snprintf(text + n, sizeof(text) - (size_t)n, "\nSTATUS=%s", status);
        if (m > 0) {
            char *nl = strchr(text + n + 1, '\n');
            if (nl) {
                *nl = '\0';
            }
        }
    }
    (void)gw_notify_send(self, text);
}

void
gw_notify_ready(gw_notify_t *self, const char *status)
{
    if (self) {
        s_send_status(self, "READY=1", status);
    }
}

void
gw_notify_reloading(gw_notify_t *self)
{
    if (!self) {
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char text[96];
    snprintf(text, sizeof(text), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
    (void)gw_notify_send(self, text);
}

void
gw_notify_stopping(gw_notify_t *self, const char *status)
{
    if (self) {
        s_send_status(self, "STOPPING=1", status);
    }
}

uint64_t
gw_notify_watchdog_usec(const gw_notify_t *self)
{
    return self ? self->watchdog_usec : 0;
}

void
gw_notify_watchdog(gw_notify_t *self)
{
    if (!self || self->watchdog_usec == 0) {
        return;
    }
    int64_t now_ms = gw_mono_ms();
    int64_t half_ms = (int64_t)(self->watchdog_usec / 2000);
    if (self->last_ping_ms != 0 && now_ms - self->last_ping_ms < half_ms) {
        return;
    }
    if (gw_notify_send(self, "WATCHDOG=1") == GW_OK) {
        self->last_ping_ms = now_ms;
    }
}
