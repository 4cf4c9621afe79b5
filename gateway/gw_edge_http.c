/*
 * The HTTP/1.1 layer of the HTTPS edge (see gw_edge_http.h): pure functions on
 * buffers, no I/O, so that unit tests reach every limit and every status.
 */
#include "gw_edge_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw/proto.h"

static int
s_tchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Parse the request line and header fields of head (NUL-terminated where the blank
   line was; modified in place). See gw_edge_http.h. */
int
gw_edge_http_parse_head(char *buf, gw_edge_req_t *rq)
{
    /* request line: METHOD SP target SP HTTP/1.x */
    char *line = buf, *eol = strstr(line, "\r\n");
    if (eol) {
        *eol = '\0';
    }
    if (strlen(line) > GW_HTTP_MAX_LINE) {
        return 414;
    }
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || sp1 == line ||
        (size_t)(sp1 - line) >= sizeof(rq->method)) {
        return 400;
    }
    for (char *c = line; c < sp1; c++) {
        if (!s_tchar(*c)) {
            return 400;
        }
    }
    memcpy(rq->method, line, (size_t)(sp1 - line));
    rq->method[sp1 - line] = '\0';
    *sp2 = '\0';
    const char *ver = sp2 + 1;
    if (strncmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1') || ver[8]) {
        return strncmp(ver, "HTTP/", 5) == 0 ? 505 : 400;
    }
    char *target = sp1 + 1;
    if (target[0] != '/') {
        return 400;
    }
    for (char *c = target; *c; c++) {
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
            return 400;
        }
    }
    char *q = strchr(target, '?');
    if (q) {
        *q = '\0';
        snprintf(rq->query, sizeof(rq->query), "%s", q + 1);
    }
    snprintf(rq->path, sizeof(rq->path), "%s", target);
    /* header fields */
    size_t count = 0;
    rq->clen = -1;
    for (char *h = eol ? eol + 2 : NULL; h && *h;) {
        char *he = strstr(h, "\r\n");
        if (he) {
            *he = '\0';
        }
        if (++count > GW_HTTP_MAX_HEADERS) {
            return 431;
        }
        char *colon = strchr(h, ':');
        if (!colon || colon == h) {
            return 400;
        }
        for (char *c = h; c < colon; c++) {
            if (!s_tchar(*c)) {
                return 400; /* also: whitespace before the colon (RFC 9112 §5.1) */
            }
        }
        *colon = '\0';
        char *v = colon + 1;
        v += strspn(v, " \t");
        size_t vl = strlen(v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) {
            v[--vl] = '\0';
        }
        if (strcasecmp(h, "Content-Length") == 0) {
            if (vl == 0 || vl > 15 || strspn(v, "0123456789") != vl) {
                return 400;
            }
            long long l = strtoll(v, NULL, 10);
            if (rq->clen >= 0 && rq->clen != l) {
                return 400;
            }
            rq->clen = l;
        } else if (strcasecmp(h, "Transfer-Encoding") == 0) {
            rq->chunked = 1;
        } else if (strcasecmp(h, "Expect") == 0) {
            if (strcasecmp(v, "100-continue") != 0) {
                return 400; /* 417 would be exact; nothing else is defined */
            }
            rq->expect100 = 1;
        } else if (strcasecmp(h, "Content-Type") == 0) {
            snprintf(rq->ctype, sizeof(rq->ctype), "%s", v);
        }
        h = he ? he + 2 : NULL;
    }
    return 0;
}

const char *
gw_edge_http_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

/* Append s as a JSON string (quotes included); bytes >= 0x80 pass through (UTF-8). */
void
gw_edge_json_str(gw_http_resp_t *r, const char *s, size_t n)
{
    gw_http_append(r, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        gw_http_append(r, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            gw_http_append(r, "\\\"", 2);
            break;
        case '\\':
            gw_http_append(r, "\\\\", 2);
            break;
        case '\n':
            gw_http_append(r, "\\n", 2);
            break;
        case '\r':
            gw_http_append(r, "\\r", 2);
            break;
        case '\t':
            gw_http_append(r, "\\t", 2);
            break;
        default:
            gw_http_printf(r, "\\u%04x", c);
            break;
        }
    }
    gw_http_append(r, s + run, n - run);
    gw_http_append(r, "\"", 1);
}

void
gw_edge_json_field(gw_http_resp_t *r, const char *key, const char *val, int comma)
{
    gw_http_printf(r, "%s\"%s\":", comma ? "," : "", key);
    gw_edge_json_str(r, val, strlen(val));
}

int
gw_edge_http_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > GW_PROTO_MAX_ID) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              strchr("-_.:", c))) {
            return 0;
        }
    }
    return 1;
}

/* The HTTP status for a gateway ERROR code (docs/protocol.md §4, docs/edge.md). */
int
gw_edge_http_error_status(const char *code)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {
        {"SIZE", 413},          {"RATE_LIMITED", 429}, {"FULL", 503},      {"QUEUE_FULL", 503},
        {"SCHEMA", 503},        {"INTERNAL", 503},     {"FORBIDDEN", 403}, {"SPOOF", 403},
        {"UNKNOWN_PARTY", 403}, {"UNKNOWN_KEY", 403},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(map[i].code, code) == 0) {
            return map[i].status;
        }
    }
    return 400; /* EMPTY, XML, XSD, CONTENT, UNKNOWN_RECIPIENT, ... and unknown codes */
}

int
gw_edge_http_xml_ctype(const char *ct)
{
    if (!ct[0]) {
        return 1; /* absent: taken as XML */
    }
    size_t n = strcspn(ct, "; \t");
    return (n == 15 && strncasecmp(ct, "application/xml", n) == 0) ||
           (n == 8 && strncasecmp(ct, "text/xml", n) == 0);
}

int
gw_edge_http_wait_param(const char *query, int64_t max_ms, int64_t *wait_ms)
{
    *wait_ms = 0;
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > 5 && strncmp(p, "wait=", 5) == 0) {
            char num[16];
            if (n - 5 >= sizeof(num) || strspn(p + 5, "0123456789") < n - 5) {
                return 0;
            }
            memcpy(num, p + 5, n - 5);
            num[n - 5] = '\0';
            long long v = strtoll(num, NULL, 10);
            if (v * 1000 > max_ms) {
                return 0;
            }
            *wait_ms = v * 1000;
        } else if (n) {
            return 0;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 1;
}
