/*
 * A minimal, read-only HTTP/1.1 server for the gateway's metrics and status
 * page (gw_monitor.c). One thread, one connection at a time, GET and HEAD
 * only, no request bodies, no keep-alive (every response says Connection:
 * close). Requests are bounded: request line, header block, header count and
 * the time a client may take; what breaks a bound gets the matching status
 * (400, 405, 408, 413, 414, 431, 505) and the connection is closed.
 *
 * The handler runs on the server's thread: it must not touch the broker's
 * state, only data published for it (gw_metrics.h snapshots).
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <stddef.h>

#include "gw/err.h"

#define GW_HTTP_MAX_LINE    2048 /* request line, bytes (else 414) */
#define GW_HTTP_MAX_HEAD    8192 /* request line + headers, bytes (else 431) */
#define GW_HTTP_MAX_HEADERS 64   /* header fields (else 431) */
#define GW_HTTP_TIMEOUT_MS  5000 /* to receive the request and to send the response */

/* A response being built by a handler. */
typedef struct gw_http_resp {
    int status;        /* 200 unless the handler says otherwise */
    const char *ctype; /* Content-Type (static string) */
    char *body;        /* heap, owned by the server */
    size_t len;        /* bytes in body */
    size_t cap;        /* allocated */
    int oom;           /* an append failed: the server answers 500 */
} gw_http_resp_t;

/** Append bytes / formatted text to the response body (sets oom on failure). */
void gw_http_append(gw_http_resp_t *r, const char *data, size_t len);
void gw_http_printf(gw_http_resp_t *r, const char *fmt, ...) GW_PRINTF(2, 3);

/** Answer a GET of path (query string removed; never NULL). Runs on the server thread. */
typedef void (*gw_http_handler_fn)(void *arg, const char *path, gw_http_resp_t *resp);

typedef struct gw_http gw_http_t;

/**
 * Bind addr ("host:port"; port 0 = any free port) and start the server thread.
 * @param arg borrowed; must outlive the server
 * @returns the server, or NULL with *err (heap, gw_free) when the address cannot be bound.
 */
gw_http_t *gw_http_new(const char *addr, gw_http_handler_fn handler, void *arg, char **err);
/** Stop the thread (a request being served is cut short) and close the socket. */
void gw_http_destroy(gw_http_t **self_p);
/** The bound address, "127.0.0.1:PORT" or "[::1]:PORT". Borrowed for the server's life. */
const char *gw_http_address(const gw_http_t *self);

#endif
