/*
 * The HTTP/1.1 layer of the HTTPS edge (gw_edge.c): parsing a bounded request
 * head, status texts, the query and id syntax of the API, the mapping of the
 * gateway's ERROR codes to HTTP statuses, and JSON string output. Pure
 * functions on buffers, no I/O; the limits are gw_http.h's (the metrics
 * listener's), the response builder is its gw_http_resp_t.
 */
#ifndef GW_EDGE_HTTP_H
#define GW_EDGE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "gw_http.h"

/* A parsed request. */
typedef struct gw_edge_req {
    char method[16];              /* "GET", "POST" */
    char path[GW_HTTP_MAX_LINE];  /* target without the query */
    char query[GW_HTTP_MAX_LINE]; /* after '?', "" if none */
    long long clen;               /* Content-Length, -1 if absent */
    int expect100;                /* Expect: 100-continue */
    int chunked;                  /* Transfer-Encoding present (not supported: 501) */
    char ctype[128];              /* Content-Type, "" if absent */
    char *body;                   /* heap, NUL-terminated; NULL without a body */
    size_t len;                   /* body bytes */
} gw_edge_req_t;

/**
 * Parse the request line and the header fields. head holds the request up to,
 * not including, the blank line, NUL-terminated; it is modified in place.
 * rq must be zeroed by the caller.
 * @returns 0, or the HTTP status to answer: 400 (malformed, a bad Content-Length,
 *   an Expect other than 100-continue), 414 (request line over GW_HTTP_MAX_LINE),
 *   431 (more than GW_HTTP_MAX_HEADERS fields), 505 (not HTTP/1.0 or 1.1).
 */
int gw_edge_http_parse_head(char *head, gw_edge_req_t *rq);

/** The reason phrase of status ("Not Found"). Static. */
const char *gw_edge_http_reason(int status);

/** Append s[0..n) as a JSON string, quotes included; bytes >= 0x80 pass through (UTF-8). */
void gw_edge_json_str(gw_http_resp_t *r, const char *s, size_t n);

/** Append ,"key":"val" (without the comma when comma is 0). */
void gw_edge_json_field(gw_http_resp_t *r, const char *key, const char *val, int comma);

/** 1 when s[0..n) is a delivery id: 1..GW_PROTO_MAX_ID of [A-Za-z0-9._:-]. */
int gw_edge_http_id_ok(const char *s, size_t n);

/** The HTTP status for a gateway ERROR code (docs/edge.md): 413, 429, 503, 403, else 400. */
int gw_edge_http_error_status(const char *code);

/** 1 when a Content-Type is absent or application/xml or text/xml (parameters ignored). */
int gw_edge_http_xml_ctype(const char *ctype);

/**
 * The query of GET /v1/deliveries/next: empty, or wait=SECONDS with
 * SECONDS * 1000 <= max_ms. @returns 1 with *wait_ms, 0 for anything else.
 */
int gw_edge_http_wait_param(const char *query, int64_t max_ms, int64_t *wait_ms);

#endif
