/*
 * The HTTPS edge (see gw_edge.h): listener and accept loop, one thread per
 * HTTPS connection (bounded), the bounded HTTP/1.1 request reader, the three
 * API routes, the per-party gateway sessions and the keeper thread.
 *
 * One request per connection: every response says Connection: close (as the
 * metrics listener, gw_http.c, whose response builder gw_http_resp_t is
 * reused here). Limits: request line GW_HTTP_MAX_LINE (414), header block
 * GW_HTTP_MAX_HEAD and GW_HTTP_MAX_HEADERS (431), body max_message_size (413),
 * the whole request within `timeout` (408).
 */
#define _GNU_SOURCE /* accept4 */
#include "gw_edge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/client.h"
#include "gw/clock.h"
#include "gw/log.h"

#include "gw_edge_http.h"
#include "gw_http.h"
#include "gw_tls.h"

#define S_MAX_SLOTS   4096       /* the bound of max_connections */
#define S_SLICE_MS    200        /* a waiting request holds its party's session this long at most */
#define S_KEEPER_MS   200        /* keeper period */
#define S_CONNECT_MS  5000       /* wait for the gateway's WELCOME */
#define S_MAX_PENDING 10000      /* deliveries collected by the keeper per party */
#define S_DRAIN_BYTES (1u << 20) /* unread body discarded before closing (lingering close) */

/* One configuration generation, shared by the connections that started under it. */
typedef struct gen {
    gw_edge_config_t *conf; /* owned */
    gw_tls_ctx_t *tls;      /* owned */
    int refs;               /* the edge's + one per connection; under gw_edge.lock */
} gen_t;

/* A delivery collected by the keeper, waiting for GET /v1/deliveries/next. */
typedef struct pend {
    gw_client_event_t ev; /* DELIVER, owned */
    struct pend *next;    /* FIFO */
} pend_t;

/* The gateway connection of one party, shared by its HTTPS requests. */
typedef struct session {
    pthread_mutex_t mu;                /* serialises every use of c and the FIFO */
    char code[65];                     /* party code */
    char key[GW_EDGE_PATH_MAX];        /* the key file c was opened with */
    char gateway[256];                 /* the endpoint c was opened with */
    char server_key[GW_EDGE_PATH_MAX]; /* the server key file c was opened with */
    gw_client_t *c;                    /* NULL = not connected (opened on use) */
    pend_t *head, *tail;               /* deliveries the keeper collected */
    size_t npend;                      /* entries in the FIFO */
} session_t;

/* One HTTPS connection thread. */
typedef struct slot {
    pthread_t th;    /* valid when used */
    int fd;          /* the connection's socket; closed by the reaper after join */
    int used;        /* a thread runs or awaits join; under gw_edge.lock */
    atomic_int done; /* the thread finished */
    gw_edge_t *edge; /* back pointer */
    gen_t *gen;      /* the generation it holds a reference on */
    char peer[64];   /* client address, for the log */
} slot_t;

struct gw_edge {
    pthread_mutex_t lock; /* gen, refs, sessions, slots[].used/fd */
    gen_t *gen;           /* current generation */
    int lfd;              /* listening socket */
    char addr[80];        /* bound address */
    char listen[256];     /* the listen value it was bound from */
    session_t **sessions; /* heap array of heap sessions; never removed before destroy */
    size_t nsessions;     /* entries */
    slot_t *slots;        /* S_MAX_SLOTS entries */
    size_t active;        /* used slots */
    pthread_t keeper;     /* keeper thread */
    int keeper_started;   /* keeper needs joining */
    atomic_int stop;      /* destroy in progress */
};

/* A response, before it goes out. */
typedef struct resp {
    gw_http_resp_t b; /* body and content type */
    char extra[1024]; /* extra header lines, each ending in CRLF */
} resp_t;

/* ------------------------------------------------------------ generations ---- */

static void
s_gen_release(gw_edge_t *self, gen_t **g_p)
{
    gen_t *g = *g_p;
    *g_p = NULL;
    if (!g) {
        return;
    }
    pthread_mutex_lock(&self->lock);
    int last = --g->refs == 0;
    pthread_mutex_unlock(&self->lock);
    if (last) {
        gw_tls_ctx_destroy(&g->tls);
        gw_edge_config_destroy(&g->conf);
        gw_free(g);
    }
}

static gen_t *
s_gen_new(gw_edge_config_t **conf_p, char **err)
{
    gen_t *g = gw_calloc(1, sizeof(*g));
    if (!g) {
        gw_edge_config_destroy(conf_p);
        *err = gw_strdup("out of memory");
        return NULL;
    }
    g->conf = *conf_p;
    *conf_p = NULL;
    g->refs = 1;
    g->tls = gw_tls_ctx_new(g->conf->cert, g->conf->key, g->conf->client_ca,
                            g->conf->crl[0] ? g->conf->crl : NULL, err);
    if (!g->tls) {
        gw_edge_config_destroy(&g->conf);
        gw_free(g);
        return NULL;
    }
    return g;
}

/* ------------------------------------------------------------ sessions ---- */

static void
s_pend_clear(session_t *s)
{
    while (s->head) {
        pend_t *p = s->head;
        s->head = p->next;
        gw_client_event_clear(&p->ev);
        gw_free(p);
    }
    s->tail = NULL;
    s->npend = 0;
}

/* Queue a delivery unless one with the same id is already waiting (a redelivery). */
static void
s_pend_push(session_t *s, gw_client_event_t *ev)
{
    for (pend_t *p = s->head; p; p = p->next) {
        if (strcmp(p->ev.id, ev->id) == 0) {
            gw_client_event_clear(ev);
            return;
        }
    }
    pend_t *p = s->npend < S_MAX_PENDING ? gw_calloc(1, sizeof(*p)) : NULL;
    if (!p) {
        gw_client_event_clear(ev); /* not acknowledged: the gateway delivers it again */
        return;
    }
    p->ev = *ev;
    memset(ev, 0, sizeof(*ev));
    if (s->tail) {
        s->tail->next = p;
    } else {
        s->head = p;
    }
    s->tail = p;
    s->npend++;
}

static int
s_pend_pop(session_t *s, gw_client_event_t *ev)
{
    pend_t *p = s->head;
    if (!p) {
        return 0;
    }
    s->head = p->next;
    if (!s->head) {
        s->tail = NULL;
    }
    s->npend--;
    *ev = p->ev;
    gw_free(p);
    return 1;
}

static void
s_pend_drop(session_t *s, const char *id)
{
    pend_t **pp = &s->head, *prev = NULL;
    while (*pp) {
        pend_t *p = *pp;
        if (strcmp(p->ev.id, id) == 0) {
            *pp = p->next;
            if (s->tail == p) {
                s->tail = prev;
            }
            gw_client_event_clear(&p->ev);
            gw_free(p);
            s->npend--;
            return;
        }
        prev = p;
        pp = &p->next;
    }
}

static void
s_session_close(session_t *s)
{
    gw_client_destroy(&s->c);
    s_pend_clear(s); /* unacknowledged: the gateway delivers them again */
}

static session_t *
s_session(gw_edge_t *self, const char *code)
{
    session_t *s = NULL;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->nsessions; i++) {
        if (strcmp(self->sessions[i]->code, code) == 0) {
            s = self->sessions[i];
            goto out;
        }
    }
    session_t **n = gw_realloc(self->sessions, (self->nsessions + 1) * sizeof(*n));
    if (!n) {
        goto out;
    }
    self->sessions = n;
    s = gw_calloc(1, sizeof(*s));
    if (!s) {
        goto out;
    }
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->code, sizeof(s->code), "%s", code);
    self->sessions[self->nsessions++] = s;
out:
    pthread_mutex_unlock(&self->lock);
    return s;
}

/*
 * With s->mu held: make sure s->c is connected with the settings of conf.
 * Returns 0, or an HTTP status (502: the gateway refused the party; 503: not
 * reachable) with why filled.
 */
static int
s_session_ready(session_t *s, const gw_edge_config_t *conf, const gw_edge_party_t *pt, char *why,
                size_t whycap)
{
    if (s->c && (strcmp(s->key, pt->key) != 0 || strcmp(s->gateway, conf->gateway) != 0 ||
                 strcmp(s->server_key, conf->server_key) != 0)) {
        gw_log(GW_LOG_INFO, "edge_party_reconnect", "party=%s reason=config", s->code);
        s_session_close(s);
    }
    if (s->c) {
        return 0;
    }
    gw_client_opts_t o;
    memset(&o, 0, sizeof(o));
    if (conf->server_key[0]) {
        o.curve_key_file = pt->key;
        o.curve_server_key_file = conf->server_key;
    }
    char *err = NULL;
    gw_client_t *c = gw_client_new(conf->gateway, s->code, &o, &err);
    if (!c) {
        snprintf(why, whycap, "cannot open the gateway connection: %s", err ? err : "?");
        gw_log(GW_LOG_ERROR, "edge_party_connect_failed", "party=%s reason=\"%s\"", s->code,
               err ? err : "?");
        gw_free(err);
        return 503;
    }
    int rc = gw_client_connect(c, S_CONNECT_MS, &err);
    if (rc != GW_OK) {
        int status = rc == GW_EINVAL ? 502 : 503;
        snprintf(why, whycap, "%s",
                 rc == GW_EINVAL ? "the gateway refused this party" : "the gateway did not answer");
        gw_log(GW_LOG_ERROR, "edge_party_connect_failed", "party=%s rc=%s reason=\"%s\"", s->code,
               gw_strerror(rc), err ? err : "timeout");
        gw_free(err);
        gw_client_destroy(&c);
        return status;
    }
    s->c = c;
    snprintf(s->key, sizeof(s->key), "%s", pt->key);
    snprintf(s->gateway, sizeof(s->gateway), "%s", conf->gateway);
    snprintf(s->server_key, sizeof(s->server_key), "%s", conf->server_key);
    gw_log(GW_LOG_INFO, "edge_party_connected", "party=%s gateway=%s", s->code, conf->gateway);
    return 0;
}

/* Collect what arrived for s without waiting (heartbeats are sent inside). With s->mu held. */
static void
s_session_pump(session_t *s)
{
    while (s->c) {
        gw_client_event_t ev;
        memset(&ev, 0, sizeof(ev));
        int rc = gw_client_next(s->c, &ev, 0);
        if (rc == GW_EAGAIN) {
            return;
        }
        if (rc != GW_OK) {
            gw_log(GW_LOG_WARN, "edge_party_disconnected", "party=%s rc=%s", s->code,
                   gw_strerror(rc));
            s_session_close(s);
            return;
        }
        if (ev.cmd == GW_CMD_DELIVER) {
            s_pend_push(s, &ev);
        } else {
            if (ev.cmd == GW_CMD_ERROR) {
                gw_log(GW_LOG_DEBUG, "edge_gateway_error", "party=%s id=%s code=%s", s->code, ev.id,
                       ev.code);
            }
            gw_client_event_clear(&ev);
        }
    }
}

static void *
s_keeper(void *arg)
{
    gw_edge_t *self = arg;
    while (!atomic_load(&self->stop)) {
        pthread_mutex_lock(&self->lock);
        size_t n = self->nsessions;
        pthread_mutex_unlock(&self->lock);
        for (size_t i = 0; i < n; i++) {
            pthread_mutex_lock(&self->lock);
            session_t *s = self->sessions[i]; /* stable: sessions are only added */
            pthread_mutex_unlock(&self->lock);
            /* A party no longer in the configuration (a reload removed it): close its
               gateway connection; what it had not acknowledged comes again later. */
            int known = 0;
            pthread_mutex_lock(&self->lock);
            const gw_edge_config_t *conf = self->gen->conf;
            for (size_t k = 0; k < conf->nparties && !known; k++) {
                known = strcmp(conf->parties[k].code, s->code) == 0;
            }
            pthread_mutex_unlock(&self->lock);
            if (pthread_mutex_trylock(&s->mu) == 0) { /* busy = a request pumps it */
                if (!known && s->c) {
                    gw_log(GW_LOG_INFO, "edge_party_closed", "party=%s reason=removed", s->code);
                    s_session_close(s);
                }
                s_session_pump(s);
                pthread_mutex_unlock(&s->mu);
            }
        }
        struct timespec ts = {0, S_KEEPER_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* ------------------------------------------------------------ HTTP ---- */

/* A JSON error answer {"error":..., "message":...}. */
static void
s_error(resp_t *rs, int status, const char *error, const char *message)
{
    rs->b.status = status;
    rs->b.ctype = "application/json";
    rs->b.len = 0;
    gw_http_append(&rs->b, "{", 1);
    gw_edge_json_field(&rs->b, "error", error, 0);
    gw_edge_json_field(&rs->b, "message", message, 1);
    gw_http_append(&rs->b, "}\n", 2);
}

/* Header value with anything but printable ASCII replaced (values come from the gateway). */
static void
s_header(resp_t *rs, const char *name, const char *val)
{
    size_t off = strlen(rs->extra);
    char clean[200];
    size_t i = 0;
    for (; val[i] && i < sizeof(clean) - 1; i++) {
        clean[i] = (val[i] >= 0x20 && val[i] < 0x7f) ? val[i] : '?';
    }
    clean[i] = '\0';
    snprintf(rs->extra + off, sizeof(rs->extra) - off, "%s: %s\r\n", name, clean);
}

static int
s_send(gw_tls_conn_t *conn, resp_t *rs)
{
    if (rs->b.oom) {
        rs->b.len = 0;
        rs->b.status = 500;
        rs->b.ctype = "application/json";
        rs->extra[0] = '\0';
    }
    char head[2048];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Connection: close\r\n"
                     "%s\r\n",
                     rs->b.status, gw_edge_http_reason(rs->b.status),
                     rs->b.ctype ? rs->b.ctype : "application/json", rs->b.len, rs->extra);
    if (n < 0 || (size_t)n >= sizeof(head)) {
        return GW_EIO;
    }
    if (gw_tls_write(conn, head, (size_t)n) != GW_OK) {
        return GW_EIO;
    }
    if (rs->b.len && gw_tls_write(conn, rs->b.body, rs->b.len) != GW_OK) {
        return GW_EIO;
    }
    return GW_OK;
}

/*
 * Read and parse the request head into rq; bytes read past the head are kept
 * in rest/nrest (the start of the body). Returns 0 or the HTTP status to
 * answer (-1: the peer went away, answer nothing).
 */
static int
s_read_head(gw_tls_conn_t *conn, int64_t deadline, gw_edge_req_t *rq, char *buf, size_t *nbuf,
            size_t *headlen)
{
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (gw_mono_ms() > deadline) {
            return 408;
        }
        if (n >= GW_HTTP_MAX_HEAD) {
            return memchr(buf, '\n', n) ? 431 : 414;
        }
        long r = gw_tls_read(conn, buf + n, GW_HTTP_MAX_HEAD - n);
        if (r <= 0) {
            return n ? 408 : -1;
        }
        n += (size_t)r;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (!end && !memchr(buf, '\n', n) && n > GW_HTTP_MAX_LINE) {
            return 414;
        }
    }
    *nbuf = n;
    *headlen = (size_t)(end - buf) + 4;
    *end = '\0';
    return gw_edge_http_parse_head(buf, rq);
}

/* Read the body announced by Content-Length (bounded by max). Returns 0 or an HTTP status. */
static int
s_read_body(gw_tls_conn_t *conn, int64_t deadline, gw_edge_req_t *rq, const char *rest,
            size_t nrest, size_t max)
{
    if (rq->chunked) {
        return 501; /* chunked bodies are not supported: send Content-Length */
    }
    if (rq->clen < 0) {
        return 411;
    }
    if ((unsigned long long)rq->clen > max) {
        return 413;
    }
    size_t len = (size_t)rq->clen;
    if (nrest > len) {
        return 400; /* pipelined requests are not supported */
    }
    rq->body = gw_malloc(len + 1);
    if (!rq->body) {
        return 503;
    }
    memcpy(rq->body, rest, nrest);
    size_t got = nrest;
    if (rq->expect100 && got < len) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (gw_tls_write(conn, cont, sizeof(cont) - 1) != GW_OK) {
            return -1;
        }
    }
    while (got < len) {
        if (gw_mono_ms() > deadline) {
            return 408;
        }
        long r = gw_tls_read(conn, rq->body + got, len - got);
        if (r <= 0) {
            return r == 0 ? -1 : 408;
        }
        got += (size_t)r;
    }
    rq->body[len] = '\0';
    rq->len = len;
    return 0;
}

/* ------------------------------------------------------------ routes ---- */

static void
s_route_submit(session_t *s, const gw_edge_config_t *conf, const gw_edge_party_t *pt,
               gw_edge_req_t *rq, resp_t *rs)
{
    if (!gw_edge_http_xml_ctype(rq->ctype)) {
        s_error(rs, 415, "unsupported_media_type", "send the message as application/xml");
        return;
    }
    char why[300];
    gw_client_result_t r;
    memset(&r, 0, sizeof(r));
    pthread_mutex_lock(&s->mu);
    int st = s_session_ready(s, conf, pt, why, sizeof(why));
    int rc = GW_EIO;
    if (st == 0) {
        rc = gw_client_submit(s->c, rq->body, rq->len, &r, (int)conf->submit_timeout_ms);
        if (rc == GW_EIO) {
            s_session_close(s);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (st) {
        s_error(rs, st, "gateway_unavailable", why);
        return;
    }
    if (rc == GW_EAGAIN) {
        s_error(rs, 504, "timeout",
                "no answer from the gateway in time; submit the same message again (a message "
                "already stored is answered as a duplicate)");
        return;
    }
    if (rc != GW_OK) {
        s_error(rs, 503, "gateway_unavailable", "the gateway connection failed; retry later");
        return;
    }
    gw_http_resp_t *b = &rs->b;
    b->ctype = "application/json";
    switch (r.cmd) {
    case GW_CMD_ACK:
        b->status = 202;
        gw_http_append(b, "{", 1);
        gw_edge_json_field(b, "result", "ACK", 0);
        gw_edge_json_field(b, "msgid", r.msgid, 1);
        gw_edge_json_field(b, "type", r.type, 1);
        gw_http_printf(b, ",\"duplicate\":%s", strcmp(r.code, "DUPLICATE") == 0 ? "true" : "false");
        if (r.body_len) {
            gw_http_printf(b, ",\"retourbericht\":");
            gw_edge_json_str(b, r.body, r.body_len);
        }
        gw_http_append(b, "}\n", 2);
        break;
    case GW_CMD_REJECT:
        b->status = 422;
        gw_http_append(b, "{", 1);
        gw_edge_json_field(b, "result", "REJECT", 0);
        gw_edge_json_field(b, "code", r.code, 1);
        gw_edge_json_field(b, "type", r.type, 1);
        gw_http_printf(b, ",\"retourbericht\":");
        gw_edge_json_str(b, r.body ? r.body : "", r.body_len);
        gw_http_append(b, "}\n", 2);
        break;
    case GW_CMD_ERROR:
        b->status = gw_edge_http_error_status(r.code);
        gw_http_append(b, "{", 1);
        gw_edge_json_field(b, "result", "ERROR", 0);
        gw_edge_json_field(b, "code", r.code, 1);
        gw_http_printf(b, ",\"message\":");
        gw_edge_json_str(b, r.body ? r.body : "", r.body_len);
        gw_http_append(b, "}\n", 2);
        break;
    default:
        s_error(rs, 502, "bad_gateway_answer", "unexpected answer from the gateway");
        break;
    }
    gw_log(GW_LOG_INFO, "edge_submit", "party=%s result=%s code=%s msgid=%s", pt->code,
           gw_cmd_name(r.cmd), r.code, r.msgid);
    gw_client_event_clear(&r);
}

static void
s_route_next(gw_edge_t *self, session_t *s, const gw_edge_config_t *conf, const gw_edge_party_t *pt,
             gw_edge_req_t *rq, resp_t *rs)
{
    int64_t wait_ms = 0;
    if (!gw_edge_http_wait_param(rq->query, conf->max_wait_ms, &wait_ms)) {
        char msg[120];
        snprintf(msg, sizeof(msg), "the only parameter is wait=SECONDS, 0 to %lld",
                 (long long)(conf->max_wait_ms / 1000));
        s_error(rs, 400, "bad_query", msg);
        return;
    }
    int64_t deadline = gw_mono_ms() + wait_ms;
    gw_client_event_t ev;
    memset(&ev, 0, sizeof(ev));
    int got = 0;
    for (;;) {
        char why[300];
        pthread_mutex_lock(&s->mu);
        int st = s_session_ready(s, conf, pt, why, sizeof(why));
        if (st == 0) {
            s_session_pump(s);
            got = s_pend_pop(s, &ev);
            if (!got && s->c) {
                int64_t left = deadline - gw_mono_ms();
                int slice = left <= 0 ? 0 : left > S_SLICE_MS ? S_SLICE_MS : (int)left;
                int rc = gw_client_next(s->c, &ev, slice);
                if (rc == GW_OK && ev.cmd == GW_CMD_DELIVER) {
                    got = 1;
                } else if (rc == GW_OK) {
                    gw_client_event_clear(&ev);
                } else if (rc != GW_EAGAIN) {
                    s_session_close(s);
                }
            }
        }
        pthread_mutex_unlock(&s->mu);
        if (st) {
            s_error(rs, st, "gateway_unavailable", why);
            return;
        }
        if (got || gw_mono_ms() >= deadline || atomic_load(&self->stop)) {
            break;
        }
    }
    if (!got) {
        rs->b.status = 204;
        return;
    }
    rs->b.status = 200;
    rs->b.ctype = "application/xml";
    s_header(rs, "X-Delivery-Id", ev.id);
    s_header(rs, "X-Message-Type", ev.type);
    s_header(rs, "X-From", ev.from);
    s_header(rs, "X-Message-Id", ev.msgid);
    gw_http_append(&rs->b, ev.body ? ev.body : "", ev.body_len);
    gw_log(GW_LOG_INFO, "edge_delivery", "party=%s id=%s type=%s from=%s", pt->code, ev.id, ev.type,
           ev.from);
    gw_client_event_clear(&ev);
}

static void
s_route_ack(session_t *s, const gw_edge_config_t *conf, const gw_edge_party_t *pt, const char *id,
            resp_t *rs)
{
    char why[300];
    pthread_mutex_lock(&s->mu);
    int st = s_session_ready(s, conf, pt, why, sizeof(why));
    int rc = GW_EIO;
    if (st == 0) {
        s_pend_drop(s, id); /* a redelivery of it may be waiting */
        rc = gw_client_dack(s->c, id);
    }
    pthread_mutex_unlock(&s->mu);
    if (st) {
        s_error(rs, st, "gateway_unavailable", why);
    } else if (rc != GW_OK) {
        s_error(
            rs, 503, "gateway_unavailable",
            "the acknowledgement was not sent; acknowledge again (the delivery may come again)");
    } else {
        rs->b.status = 204;
        gw_log(GW_LOG_INFO, "edge_dack", "party=%s id=%s", pt->code, id);
    }
}

static void
s_dispatch(gw_edge_t *self, const gw_edge_config_t *conf, const gw_edge_party_t *pt,
           gw_edge_req_t *rq, resp_t *rs, gw_tls_conn_t *conn, int64_t deadline, const char *rest,
           size_t nrest, int *drain)
{
    static const char ack_pfx[] = "/v1/deliveries/";
    static const char ack_sfx[] = "/ack";
    int is_post = strcmp(rq->method, "POST") == 0;
    int is_get = strcmp(rq->method, "GET") == 0;
    const char *p = rq->path;
    size_t pl = strlen(p);
    const char *id = NULL;
    size_t idl = 0;
    if (strncmp(p, ack_pfx, sizeof(ack_pfx) - 1) == 0 && pl > sizeof(ack_pfx) - 1 + 4 &&
        strcmp(p + pl - 4, ack_sfx) == 0) {
        id = p + sizeof(ack_pfx) - 1;
        idl = pl - (sizeof(ack_pfx) - 1) - 4;
    }
    int route = strcmp(p, "/v1/messages") == 0          ? 1
                : strcmp(p, "/v1/deliveries/next") == 0 ? 2
                : id                                    ? 3
                                                        : 0;
    if (!route) {
        s_error(rs, 404, "not_found", "no such resource");
        *drain = 1;
        return;
    }
    if ((route == 2 && !is_get) || (route != 2 && !is_post)) {
        s_header(rs, "Allow", route == 2 ? "GET" : "POST");
        s_error(rs, 405, "method_not_allowed", route == 2 ? "use GET" : "use POST");
        *drain = 1;
        return;
    }
    if (route != 1 && (rq->clen > 0 || rq->chunked)) {
        s_error(rs, 400, "unexpected_body", "this request takes no body");
        *drain = 1;
        return;
    }
    session_t *s = s_session(self, pt->code);
    if (!s) {
        s_error(rs, 503, "out_of_memory", "retry later");
        return;
    }
    if (route == 1) {
        int st = s_read_body(conn, deadline, rq, rest, nrest, conf->max_message_size);
        if (st < 0) {
            rs->b.status = -1;
            return;
        }
        if (st) {
            char msg[160];
            if (st == 413) {
                snprintf(msg, sizeof(msg), "the body exceeds max_message_size (%zu bytes)",
                         conf->max_message_size);
            } else {
                snprintf(msg, sizeof(msg), "%s",
                         st == 411   ? "send a Content-Length"
                         : st == 501 ? "chunked bodies are not supported"
                                     : gw_edge_http_reason(st));
            }
            s_error(rs, st, st == 413 ? "too_large" : "bad_request", msg);
            *drain = 1;
            return;
        }
        if (rq->len == 0) {
            s_error(rs, 400, "empty", "the body is empty: send the iJw/iWmo XML message");
            return;
        }
        s_route_submit(s, conf, pt, rq, rs);
    } else if (route == 2) {
        s_route_next(self, s, conf, pt, rq, rs);
    } else {
        char buf[GW_PROTO_MAX_ID + 1];
        if (!gw_edge_http_id_ok(id, idl)) {
            s_error(rs, 400, "bad_id", "not a delivery id");
            return;
        }
        memcpy(buf, id, idl);
        buf[idl] = '\0';
        s_route_ack(s, conf, pt, buf, rs);
    }
}

/* Discard what the client still sends (bounded), so the response is not lost to a reset. */
static void
s_drain(gw_tls_conn_t *conn, int fd)
{
    struct timeval tv = {1, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[16384];
    size_t total = 0;
    while (total < S_DRAIN_BYTES) {
        long r = gw_tls_read(conn, buf, sizeof(buf));
        if (r <= 0) {
            break;
        }
        total += (size_t)r;
    }
}

static void
s_serve(slot_t *sl)
{
    gw_edge_t *self = sl->edge;
    const gw_edge_config_t *conf = sl->gen->conf;
    int64_t t0 = gw_mono_ms();
    int64_t deadline = t0 + conf->timeout_ms;
    struct timeval tv = {(time_t)(conf->timeout_ms / 1000),
                         (suseconds_t)(conf->timeout_ms % 1000) * 1000};
    (void)setsockopt(sl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(sl->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    char why[300] = "";
    gw_tls_conn_t *conn = gw_tls_accept(sl->gen->tls, sl->fd, why, sizeof(why));
    if (!conn) {
        gw_log(GW_LOG_WARN, "edge_tls_refused", "peer=%s reason=\"%s\"", sl->peer, why);
        return;
    }
    const gw_edge_party_t *pt = gw_edge_config_by_subject(conf, gw_tls_subject(conn));
    char *buf = gw_malloc(GW_HTTP_MAX_HEAD + 1);
    gw_edge_req_t rq;
    memset(&rq, 0, sizeof(rq));
    resp_t rs;
    memset(&rs, 0, sizeof(rs));
    rs.b.status = 200;
    int drain = 0;
    size_t nbuf = 0, headlen = 0;
    int st = buf ? s_read_head(conn, deadline, &rq, buf, &nbuf, &headlen) : 503;
    if (st < 0) {
        goto out;
    }
    if (st) {
        s_error(&rs, st, "bad_request", gw_edge_http_reason(st));
        drain = 1;
    } else if (!pt) {
        /* The subject is the certificate's, not message content; it is what an
           operator needs to add the party. */
        gw_log(GW_LOG_WARN, "edge_unknown_subject", "peer=%s subject=\"%s\"", sl->peer,
               gw_tls_subject(conn));
        s_error(&rs, 403, "unknown_subject",
                "this client certificate's subject is not mapped to a party");
        drain = 1;
    } else {
        s_dispatch(self, conf, pt, &rq, &rs, conn, deadline, buf + headlen, nbuf - headlen, &drain);
    }
    if (rs.b.status < 0) {
        goto out;
    }
    if (s_send(conn, &rs) != GW_OK) {
        gw_log(GW_LOG_WARN, "edge_send_failed", "peer=%s party=%s", sl->peer, pt ? pt->code : "-");
    } else if (drain) {
        s_drain(conn, sl->fd);
    }
    gw_log(GW_LOG_INFO, "edge_request", "peer=%s party=%s method=%s path=%s status=%d ms=%lld",
           sl->peer, pt ? pt->code : "-", rq.method[0] ? rq.method : "-",
           rq.path[0] ? rq.path : "-", rs.b.status, (long long)(gw_mono_ms() - t0));
out:
    gw_free(rq.body);
    gw_free(rs.b.body);
    gw_free(buf);
    gw_tls_conn_destroy(&conn);
}

static void *
s_conn_thread(void *arg)
{
    slot_t *sl = arg;
    s_serve(sl);
    s_gen_release(sl->edge, &sl->gen);
    (void)shutdown(sl->fd, SHUT_RDWR);
    atomic_store(&sl->done, 1);
    return NULL;
}

/* ------------------------------------------------------------ the edge ---- */

static int
s_bind(gw_edge_t *self, const char *listen_addr, char **err)
{
    char host[256];
    snprintf(host, sizeof(host), "%s", listen_addr);
    char *colon = strrchr(host, ':');
    if (!colon) {
        *err = gw_strdup("listen: expected host:port");
        return GW_ECONFIG;
    }
    *colon = '\0';
    const char *port = colon + 1;
    char *h = host;
    if (h[0] == '[' && colon > h && colon[-1] == ']') {
        colon[-1] = '\0';
        h++;
    }
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int e = getaddrinfo(h[0] && strcmp(h, "*") != 0 ? h : NULL, port, &hints, &ai);
    if (e != 0) {
        char msg[400];
        snprintf(msg, sizeof(msg), "listen %s: %s", listen_addr, gai_strerror(e));
        *err = gw_strdup(msg);
        return GW_ECONFIG;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        char msg[400];
        snprintf(msg, sizeof(msg), "listen %s: %s", listen_addr, strerror(errno));
        *err = gw_strdup(msg);
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(ai);
        return GW_EIO;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    int p = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
            p = ntohs(a->sin6_port);
            snprintf(self->addr, sizeof(self->addr), "[%s]:%d", ip, p);
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
            p = ntohs(a->sin_port);
            snprintf(self->addr, sizeof(self->addr), "%s:%d", ip, p);
        }
    }
    self->lfd = fd;
    return GW_OK;
}

gw_edge_t *
gw_edge_new(gw_edge_config_t **conf_p, char **err)
{
    gw_edge_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        gw_edge_config_destroy(conf_p);
        *err = gw_strdup("out of memory");
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    self->lfd = -1;
    snprintf(self->listen, sizeof(self->listen), "%s", (*conf_p)->listen);
    self->gen = s_gen_new(conf_p, err);
    self->slots = gw_calloc(S_MAX_SLOTS, sizeof(*self->slots));
    if (!self->gen || !self->slots) {
        if (!*err) {
            *err = gw_strdup("out of memory");
        }
        goto fail;
    }
    if (s_bind(self, self->listen, err) != GW_OK) {
        goto fail;
    }
    if (pthread_create(&self->keeper, NULL, s_keeper, self) != 0) {
        *err = gw_strdup("cannot start the keeper thread");
        goto fail;
    }
    self->keeper_started = 1;
    gw_log(GW_LOG_INFO, "edge_listening", "address=%s parties=%zu crl=%s curve=%s", self->addr,
           self->gen->conf->nparties, self->gen->conf->crl[0] ? "on" : "off",
           self->gen->conf->server_key[0] ? "on" : "off");
    return self;
fail:
    gw_edge_destroy(&self);
    return NULL;
}

int
gw_edge_reload(gw_edge_t *self, gw_edge_config_t **conf_p, char **err)
{
    if (strcmp((*conf_p)->listen, self->listen) != 0) {
        gw_edge_config_destroy(conf_p);
        *err = gw_strdup("listen cannot change on reload: restart ijwgw-edge");
        return GW_ECONFIG;
    }
    gen_t *g = s_gen_new(conf_p, err);
    if (!g) {
        return GW_ECONFIG;
    }
    pthread_mutex_lock(&self->lock);
    gen_t *old = self->gen;
    self->gen = g;
    pthread_mutex_unlock(&self->lock);
    gw_log(GW_LOG_INFO, "edge_reloaded", "parties=%zu crl=%s", g->conf->nparties,
           g->conf->crl[0] ? "on" : "off");
    s_gen_release(self, &old);
    return GW_OK;
}

/* Join finished connection threads. */
static void
s_reap(gw_edge_t *self, int all)
{
    for (size_t i = 0; i < S_MAX_SLOTS; i++) {
        slot_t *sl = &self->slots[i];
        if (sl->used && (all || atomic_load(&sl->done))) {
            pthread_join(sl->th, NULL);
            pthread_mutex_lock(&self->lock);
            close(sl->fd);
            sl->fd = -1;
            sl->used = 0;
            self->active--;
            pthread_mutex_unlock(&self->lock);
        }
    }
}

int
gw_edge_poll(gw_edge_t *self, int timeout_ms)
{
    s_reap(self, 0);
    struct pollfd pfd = {self->lfd, POLLIN, 0};
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0) {
        return errno == EINTR ? GW_OK : GW_EIO;
    }
    if (n == 0) {
        return GW_OK;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = accept4(self->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    if (fd < 0) {
        return (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED || errno == EMFILE ||
                errno == ENFILE)
                   ? GW_OK
                   : GW_EIO;
    }
    char peer[64] = "?";
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, peer, sizeof(peer));
    } else if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, peer, sizeof(peer));
    }
    pthread_mutex_lock(&self->lock);
    slot_t *slot = NULL;
    if (self->active < self->gen->conf->max_connections) {
        for (size_t i = 0; i < S_MAX_SLOTS; i++) {
            if (!self->slots[i].used) {
                slot = &self->slots[i];
                break;
            }
        }
    }
    if (!slot) {
        pthread_mutex_unlock(&self->lock);
        gw_log(GW_LOG_WARN, "edge_busy", "peer=%s active=%zu", peer, self->active);
        close(fd);
        return GW_OK;
    }
    slot->used = 1;
    slot->fd = fd;
    atomic_store(&slot->done, 0);
    slot->edge = self;
    slot->gen = self->gen;
    slot->gen->refs++;
    snprintf(slot->peer, sizeof(slot->peer), "%s", peer);
    self->active++;
    pthread_mutex_unlock(&self->lock);
    if (pthread_create(&slot->th, NULL, s_conn_thread, slot) != 0) {
        s_gen_release(self, &slot->gen);
        pthread_mutex_lock(&self->lock);
        close(fd);
        slot->used = 0;
        self->active--;
        pthread_mutex_unlock(&self->lock);
        gw_log(GW_LOG_WARN, "edge_busy", "peer=%s reason=thread", peer);
    }
    return GW_OK;
}

const char *
gw_edge_address(const gw_edge_t *self)
{
    return self->addr;
}

void
gw_edge_destroy(gw_edge_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_edge_t *self = *self_p;
    atomic_store(&self->stop, 1);
    if (self->slots) {
        pthread_mutex_lock(&self->lock);
        for (size_t i = 0; i < S_MAX_SLOTS; i++) {
            if (self->slots[i].used) {
                (void)shutdown(self->slots[i].fd, SHUT_RDWR); /* wakes a blocked read */
            }
        }
        pthread_mutex_unlock(&self->lock);
        s_reap(self, 1);
    }
    if (self->keeper_started) {
        pthread_join(self->keeper, NULL);
    }
    for (size_t i = 0; i < self->nsessions; i++) {
        s_session_close(self->sessions[i]);
        pthread_mutex_destroy(&self->sessions[i]->mu);
        gw_free(self->sessions[i]);
    }
    gw_free(self->sessions);
    gw_free(self->slots);
    if (self->lfd >= 0) {
        close(self->lfd);
    }
    s_gen_release(self, &self->gen);
    pthread_mutex_destroy(&self->lock);
    gw_free(self);
    *self_p = NULL;
}
