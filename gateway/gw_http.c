/*
 * The metrics and status HTTP server (gw_http.h): a listening socket and one
 * thread that accepts, reads one bounded request, answers it through the
 * handler and closes. A pipe wakes the thread for shutdown, also while it is
 * in the middle of a request.
 */
#include "gw_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/log.h"

struct gw_http {
    int fd;      /* listening socket */
    int wake[2]; /* pipe: a byte in wake[0] stops the thread */
    pthread_t thread;
    int started;
    gw_http_handler_fn handler; /* answers GETs */
    void *arg;                  /* the handler's (borrowed) */
    char address[80];           /* as bound */
};

/* ------------------------------------------------------------ response body ---- */

void
gw_http_append(gw_http_resp_t *r, const char *data, size_t len)
{
    if (r->oom) {
        return;
    }
    if (r->len + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + len + 1) {
            cap *= 2;
        }
        char *b = gw_realloc(r->body, cap);
        if (!b) {
            r->oom = 1;
            return;
        }
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, len);
    r->len += len;
    r->body[r->len] = '\0';
}

void
gw_http_printf(gw_http_resp_t *r, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        r->oom = 1;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        gw_http_append(r, small, (size_t)n);
        return;
    }
    char *big = gw_malloc((size_t)n + 1);
    if (!big) {
        r->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    gw_http_append(r, big, (size_t)n);
    gw_free(big);
}

/* ------------------------------------------------------------ I/O with a deadline ---- */

/* Wait for fd to be ready for events before deadline. 1 ready, 0 timeout, -1 stop/error. */
static int
s_wait(gw_http_t *self, int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - gw_mono_ms();
        if (left <= 0) {
            return 0;
        }
        struct pollfd p[2] = {{fd, events, 0}, {self->wake[0], POLLIN, 0}};
        int n = poll(p, 2, (int)left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || (p[1].revents & POLLIN)) {
            return -1;
        }
        if (n > 0) {
            return 1;
        }
    }
}

static int
s_write_all(gw_http_t *self, int fd, const char *p, size_t len, int64_t deadline)
{
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (s_wait(self, fd, POLLOUT, deadline) != 1) {
                return -1;
            }
            continue;
        }
        return -1;
    }
    return 0;
}

static const char *
s_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

/* Send a response and close gracefully: stop sending, read what the client still sends
 * (briefly), so the close does not reset the connection before the client read the answer. */
static void
s_respond(gw_http_t *self, int fd, int status, const char *ctype, const char *body, size_t len,
          int head_only)
{
    char head[768];
    int n =
        snprintf(head, sizeof(head),
                 "HTTP/1.1 %d %s\r\n"
                 "Content-Type: %s\r\n"
                 "Content-Length: %zu\r\n"
                 "Connection: close\r\n"
                 "Cache-Control: no-store\r\n"
                 "X-Content-Type-Options: nosniff\r\n"
                 "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
                 "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:\r\n"
                 "%s"
                 "\r\n",
                 status, s_reason(status), ctype, len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
    int64_t deadline = gw_mono_ms() + GW_HTTP_TIMEOUT_MS;
    if (n > 0 && (size_t)n < sizeof(head) &&
        s_write_all(self, fd, head, (size_t)n, deadline) == 0 && !head_only && len > 0) {
        (void)s_write_all(self, fd, body, len, deadline);
    }
    shutdown(fd, SHUT_WR);
    int64_t drain_until = gw_mono_ms() + 200;
    size_t drained = 0;
    char sink[4096];
    while (drained < 65536 && s_wait(self, fd, POLLIN, drain_until) == 1) {
        ssize_t r = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
        if (r <= 0) {
            break;
        }
        drained += (size_t)r;
    }
}

static void
s_error(gw_http_t *self, int fd, int status, const char *text)
{
    char body[160];
    int n = snprintf(body, sizeof(body), "%d %s: %s\n", status, s_reason(status), text);
    s_respond(self, fd, status, "text/plain; charset=utf-8", body, n > 0 ? (size_t)n : 0, 0);
}

/* ------------------------------------------------------------ one request ---- */

static int
s_is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Parse the request head in buf (NUL-terminated, ends with an empty line) and answer it. */
static void
s_serve(gw_http_t *self, int fd, char *buf)
{
    char *line_end = strchr(buf, '\n');
    *line_end = '\0';
    if (line_end > buf && line_end[-1] == '\r') {
        line_end[-1] = '\0';
    }
    /* Request line: METHOD SP TARGET SP HTTP/x.y */
    char *method = buf;
    char *sp1 = strchr(method, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || sp1 == method || sp2 == sp1 + 1 || strchr(sp2 + 1, ' ')) {
        s_error(self, fd, 400, "malformed request line");
        return;
    }
    *sp1 = '\0';
    *sp2 = '\0';
    char *target = sp1 + 1;
    const char *version = sp2 + 1;
    for (const char *c = method; *c; c++) {
        if (!s_is_tchar(*c)) {
            s_error(self, fd, 400, "malformed method");
            return;
        }
    }
    if (strncmp(version, "HTTP/", 5) != 0 || strlen(version) != 8 || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        s_error(self, fd, 400, "malformed HTTP version");
        return;
    }
    if (version[5] != '1') {
        s_error(self, fd, 505, "only HTTP/1.0 and HTTP/1.1");
        return;
    }
    int http11 = version[7] != '0';
    /* Header fields: count them, find Host and any sign of a body. */
    size_t nheaders = 0;
    int has_host = 0;
    int has_body = 0;
    char *p = line_end + 1;
    while (*p && *p != '\r' && *p != '\n') {
        char *end = strchr(p, '\n');
        *end = '\0';
        if (end > p && end[-1] == '\r') {
            end[-1] = '\0';
        }
        char *colon = strchr(p, ':');
        if (!colon || colon == p) {
            s_error(self, fd, 400, "malformed header field");
            return;
        }
        for (char *c = p; c < colon; c++) {
            if (!s_is_tchar(*c)) {
                s_error(self, fd, 400, "malformed header field name");
                return;
            }
        }
        if (++nheaders > GW_HTTP_MAX_HEADERS) {
            s_error(self, fd, 431, "too many header fields");
            return;
        }
        *colon = '\0';
        const char *val = colon + 1;
        while (*val == ' ' || *val == '\t') {
            val++;
        }
        if (strcasecmp(p, "Host") == 0) {
            has_host = 1;
        } else if (strcasecmp(p, "Transfer-Encoding") == 0) {
            has_body = 1;
        } else if (strcasecmp(p, "Content-Length") == 0) {
            char *e = NULL;
            errno = 0;
            unsigned long long cl = strtoull(val, &e, 10);
            if (e == val || errno) {
                s_error(self, fd, 400, "malformed Content-Length");
                return;
            }
            if (cl > 0) {
                has_body = 1;
            }
        }
        p = end + 1;
    }
    if (http11 && !has_host) {
        s_error(self, fd, 400, "HTTP/1.1 request without Host");
        return;
    }
    int head_only = strcmp(method, "HEAD") == 0;
    if (!head_only && strcmp(method, "GET") != 0) {
        s_error(self, fd, 405, "this server is read-only: GET and HEAD only");
        return;
    }
    if (has_body) {
        s_error(self, fd, 413, "requests carry no body here");
        return;
    }
    if (target[0] != '/') {
        s_error(self, fd, 400, "the target must be a path");
        return;
    }
    for (const char *c = target; *c; c++) {
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
            s_error(self, fd, 400, "malformed target");
            return;
        }
    }
    char *q = strpbrk(target, "?#");
    if (q) {
        *q = '\0';
    }
    gw_http_resp_t resp = {.status = 200, .ctype = "text/plain; charset=utf-8"};
    self->handler(self->arg, target, &resp);
    if (resp.oom) {
        s_error(self, fd, 500, "out of memory");
    } else if (resp.status != 200) {
        s_error(self, fd, resp.status, resp.status == 404 ? "no such page" : "error");
    } else {
        s_respond(self, fd, 200, resp.ctype, resp.body ? resp.body : "", resp.len, head_only);
    }
    gw_free(resp.body);
    resp.body = NULL;
}

/* Read one request head within the limits, then serve it. */
static void
s_connection(gw_http_t *self, int fd)
{
    char buf[GW_HTTP_MAX_HEAD + 1];
    size_t len = 0;
    int64_t deadline = gw_mono_ms() + GW_HTTP_TIMEOUT_MS;
    for (;;) {
        int w = s_wait(self, fd, POLLIN, deadline);
        if (w < 0) {
            return; /* stopping */
        }
        if (w == 0) {
            s_error(self, fd, 408, "the request took too long");
            return;
        }
        ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            continue;
        }
        if (r <= 0) {
            return; /* closed before a full request: nothing to answer */
        }
        len += (size_t)r;
        buf[len] = '\0';
        if (memchr(buf, '\0', len)) {
            s_error(self, fd, 400, "NUL in the request");
            return;
        }
        char *nl = strchr(buf, '\n');
        if ((!nl && len > GW_HTTP_MAX_LINE) || (nl && (size_t)(nl - buf) > GW_HTTP_MAX_LINE)) {
            s_error(self, fd, 414, "request line too long");
            return;
        }
        if (nl && (strstr(nl, "\n\r\n") || strstr(nl, "\n\n"))) {
            s_serve(self, fd, buf);
            return;
        }
        if (len == sizeof(buf) - 1) {
            s_error(self, fd, 431, "request header block too large");
            return;
        }
    }
}

static void *
s_thread(void *arg)
{
    gw_http_t *self = arg;
    for (;;) {
        struct pollfd p[2] = {{self->fd, POLLIN, 0}, {self->wake[0], POLLIN, 0}};
        int n = poll(p, 2, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            gw_log(GW_LOG_ERROR, "http_poll_failed", "error=\"%s\"", strerror(errno));
            break;
        }
        if (p[1].revents & POLLIN) {
            break;
        }
        if (!(p[0].revents & POLLIN)) {
            continue;
        }
        int fd = accept(self->fd, NULL, NULL);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED) {
                /* EMFILE, ENOBUFS...: the connection stays queued; back off instead of
                 * spinning on a listener that stays readable. */
                struct pollfd w = {self->wake[0], POLLIN, 0};
                if (poll(&w, 1, 100) > 0) {
                    break;
                }
            }
            continue;
        }
        int fl = fcntl(fd, F_GETFL, 0);
        if (fl >= 0) {
            (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        }
        s_connection(self, fd);
        close(fd);
    }
    return NULL;
}

/* ------------------------------------------------------------ the API ---- */

gw_http_t *
gw_http_new(const char *addr, gw_http_handler_fn handler, void *arg, char **err)
{
    char why[300] = "out of memory";
    char host[128];
    struct addrinfo *ai = NULL;
    gw_http_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        goto fail;
    }
    self->fd = -1;
    self->wake[0] = self->wake[1] = -1;
    self->handler = handler;
    self->arg = arg;
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    size_t hn = colon ? (size_t)(colon - addr) : 0;
    if (!colon || hn == 0 || hn >= sizeof(host)) {
        snprintf(why, sizeof(why), "http: bad address '%.80s' (host:port)", addr ? addr : "");
        goto fail;
    }
    memcpy(host, addr, hn);
    host[hn] = '\0';
    if (host[0] == '[' && hn > 2 && host[hn - 1] == ']') {
        memmove(host, host + 1, hn - 2);
        host[hn - 2] = '\0';
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo(host, colon + 1, &hints, &ai);
    if (g != 0 || !ai) {
        snprintf(why, sizeof(why), "http: cannot resolve '%.80s': %s", addr, gai_strerror(g));
        goto fail;
    }
    self->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (self->fd < 0 || setsockopt(self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(self->fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(self->fd, 16) != 0) {
        snprintf(why, sizeof(why), "http: cannot listen on %.80s: %s", addr, strerror(errno));
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t slen = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (getsockname(self->fd, (struct sockaddr *)&ss, &slen) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
            port = ntohs(a6->sin6_port);
        } else {
            struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
            port = ntohs(a4->sin_port);
        }
    }
    snprintf(self->address, sizeof(self->address), ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
             ip, port);
    if (pipe(self->wake) != 0) {
        snprintf(why, sizeof(why), "http: pipe: %s", strerror(errno));
        goto fail;
    }
    /* The log reads its settings once, lazily: do it here, before a second thread logs. */
    (void)gw_log_get_level();
    if (pthread_create(&self->thread, NULL, s_thread, self) != 0) {
        snprintf(why, sizeof(why), "http: cannot start the server thread");
        goto fail;
    }
    self->started = 1;
    freeaddrinfo(ai);
    return self;
fail:
    if (ai) {
        freeaddrinfo(ai);
    }
    if (err) {
        *err = gw_strdup(why);
    }
    gw_http_destroy(&self);
    return NULL;
}

void
gw_http_destroy(gw_http_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_http_t *self = *self_p;
    if (self->started) {
        ssize_t w;
        do {
            w = write(self->wake[1], "x", 1);
        } while (w < 0 && errno == EINTR);
        pthread_join(self->thread, NULL);
    }
    for (int i = 0; i < 2; i++) {
        if (self->wake[i] >= 0) {
            close(self->wake[i]);
        }
    }
    if (self->fd >= 0) {
        close(self->fd);
    }
    gw_free(self);
    *self_p = NULL;
}

const char *
gw_http_address(const gw_http_t *self)
{
    return self->address;
}
