/*
 * Client library for parties (gw/client.h): one DEALER socket, named by the
 * party code, talking the IJW1 protocol (gw_proto.c) to a gateway. It says
 * HELLO, submits messages and waits for their answers, hands deliveries to the
 * application and acknowledges them, and keeps the session alive with
 * heartbeats. Deliveries that arrive while gw_client_submit() waits for its
 * answer are kept in a FIFO that gw_client_next() empties first.
 *
 * Not thread-safe: one client per thread (ZeroMQ sockets are single-threaded).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "gw/alloc.h"
#include "gw/client.h"
#include "gw/clock.h"
#include "gw/keys.h"

#define S_DEFAULT_HEARTBEAT_MS 5000
#define S_LINGER_MS            1000        /* bounded: destroy never hangs on a dead gateway */
#define S_MAX_BODY             (64u << 20) /* largest body accepted from the gateway */
#define S_LIVENESS             3           /* heartbeat intervals of silence before re-HELLO */

/* One queued event (FIFO node). */
typedef struct s_node {
    gw_client_event_t ev;
    struct s_node *next;
} s_node_t;

struct gw_client {
    void *ctx;                          /* own ZeroMQ context */
    void *sock;                         /* DEALER, routing id = party */
    char party[GW_PROTO_MAX_PEER + 1];  /* party code */
    int heartbeat_ms;                   /* interval of our heartbeats */
    int hello_sent;                     /* HELLO went out on this session */
    int welcomed;                       /* a WELCOME arrived */
    int refused;                        /* the gateway answered HELLO with ERROR: no automatic
                                           HELLO or heartbeat until gw_client_connect again */
    char hello_id[GW_PROTO_MAX_ID + 1]; /* correlation id of the last HELLO */
    int64_t last_send_ms;               /* monotonic time of our last message */
    int64_t last_recv_ms;               /* monotonic time of the gateway's last message */
    int64_t last_try_ms;                /* monotonic time of the last heartbeat duty */
    uint64_t counter;                   /* correlation id counter */
    uint32_t nonce;                     /* random per client, part of generated ids */
    s_node_t *head;                     /* queued events, oldest first */
    s_node_t *tail;                     /* newest queued event */
    size_t pending;                     /* number of queued events */
};

/* Milliseconds left until deadline (-1 = forever), never negative. */
static long
s_left(int64_t deadline)
{
    if (deadline < 0) {
        return -1;
    }
    int64_t left = deadline - gw_mono_ms();
    return left > 0 ? (long)left : 0;
}

static int64_t
s_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : gw_mono_ms() + timeout_ms;
}

static void
s_set_err(char **err, const char *text)
{
    if (err) {
        *err = gw_strdup(text);
    }
}

static int
s_party_valid(const char *party)
{
    size_t n = party ? strlen(party) : 0;
    if (n == 0 || n > GW_PROTO_MAX_PEER) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)party[i] <= 0x20 || (unsigned char)party[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

static uint32_t
s_random32(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec ^ ((uint32_t)getpid() << 16);
    }
    return r;
}

/* A correlation id that is unique across clients and restarts: the party
 * code (cut to leave room), a per-client random nonce and a counter. */
static void
s_make_id(gw_client_t *self, const char *kind, char out[GW_PROTO_MAX_ID + 1])
{
    self->counter++;
    snprintf(out, GW_PROTO_MAX_ID + 1, "%.32s-%s%08" PRIx32 "-%" PRIu64, self->party, kind,
             self->nonce, self->counter);
}

/* Send one message, waiting up to deadline for the socket to accept it. */
static int
s_send(gw_client_t *self, gw_cmd_t cmd, const char *id, const char *props, const void *body,
       size_t len, int64_t deadline)
{
    for (;;) {
        int rc = gw_proto_send(self->sock, NULL, cmd, id, props, body, len, ZMQ_DONTWAIT);
        if (rc == GW_OK) {
            self->last_send_ms = gw_mono_ms();
        }
        if (rc != GW_EAGAIN) {
            return rc;
        }
        long left = s_left(deadline);
        if (left == 0) {
            return GW_EAGAIN;
        }
        zmq_pollitem_t item = {self->sock, 0, ZMQ_POLLOUT, 0};
        if (zmq_poll(&item, 1, left) < 0 && errno != EINTR) {
            return GW_EIO;
        }
    }
}

static int
s_send_hello(gw_client_t *self, int64_t deadline)
{
    char props[GW_PROTO_MAX_PEER + 32];
    snprintf(props, sizeof(props), "party=%s\nversion=1\nnotices=1", self->party);
    char id[GW_PROTO_MAX_ID + 1];
    s_make_id(self, "h", id);
    int rc = s_send(self, GW_CMD_HELLO, id, props, NULL, 0, deadline);
    if (rc == GW_OK) {
        memcpy(self->hello_id, id, sizeof(id));
        self->hello_sent = 1;
        self->last_recv_ms = self->last_send_ms; /* liveness counts from the HELLO */
    }
    return rc;
}

/* Heartbeat duties at a poll wake-up: emit one when we have been quiet for an
 * interval, and say HELLO again when the gateway has been silent for
 * S_LIVENESS intervals (it may have restarted and forgotten us). Failures
 * (no connection) are retried an interval later or when the socket becomes
 * writable. */
static void
s_heartbeat(gw_client_t *self)
{
    int64_t now = gw_mono_ms();
    if (self->refused) {
        return;
    }
    if (self->hello_sent && now - self->last_recv_ms >= (int64_t)S_LIVENESS * self->heartbeat_ms) {
        self->hello_sent = 0;
    }
    if (now - self->last_try_ms < self->heartbeat_ms &&
        now - self->last_send_ms < self->heartbeat_ms) {
        return;
    }
    self->last_try_ms = now;
    if (!self->hello_sent) {
        (void)s_send_hello(self, now);
    } else if (now - self->last_send_ms >= self->heartbeat_ms) {
        (void)s_send(self, GW_CMD_HEARTBEAT, NULL, NULL, NULL, 0, now);
    }
}

/* Poll timeout: the earlier of the caller's deadline and the next heartbeat
 * duty (an interval after our last message or attempt, or liveness expiry). */
static long
s_poll_timeout(gw_client_t *self, int64_t deadline)
{
    int64_t now = gw_mono_ms();
    int64_t last = self->last_send_ms > self->last_try_ms ? self->last_send_ms : self->last_try_ms;
    int64_t due = last + self->heartbeat_ms - now;
    if (self->hello_sent) {
        int64_t live = self->last_recv_ms + (int64_t)S_LIVENESS * self->heartbeat_ms - now;
        if (live < due) {
            due = live;
        }
    }
    if (due < 0) {
        due = 0;
    }
    long left = s_left(deadline);
    if (left < 0 || due < left) {
        return (long)due;
    }
    return left;
}

static void
s_event_reset(gw_client_event_t *ev)
{
    memset(ev, 0, sizeof(*ev));
}

void
gw_client_event_clear(gw_client_event_t *ev)
{
    if (!ev) {
        return;
    }
    gw_free(ev->body);
    ev->body = NULL;
    gw_free(ev->props);
    ev->props = NULL;
    s_event_reset(ev);
}

/* Turn a decoded message into an event (body copied to the heap). */
static int
s_event_from(gw_client_event_t *ev, const gw_proto_msg_t *m)
{
    s_event_reset(ev);
    ev->cmd = m->cmd;
    memcpy(ev->id, m->id, sizeof(ev->id));
    (void)gw_props_get(m->props, m->props_len, "code", ev->code, sizeof(ev->code));
    (void)gw_props_get(m->props, m->props_len, "type", ev->type, sizeof(ev->type));
    (void)gw_props_get(m->props, m->props_len, "from", ev->from, sizeof(ev->from));
    (void)gw_props_get(m->props, m->props_len, "msgid", ev->msgid, sizeof(ev->msgid));
    if (m->cmd == GW_CMD_NOTICE) {
        (void)gw_props_get(m->props, m->props_len, "kind", ev->code, sizeof(ev->code));
        ev->props = gw_malloc(m->props_len + 1);
        if (!ev->props) {
            return GW_ENOMEM;
        }
        memcpy(ev->props, m->props, m->props_len + 1); /* includes gw_proto's NUL */
        ev->props_len = m->props_len;
    }
    if (m->body_len > 0) {
        ev->body = gw_malloc(m->body_len + 1);
        if (!ev->body) {
            return GW_ENOMEM;
        }
        memcpy(ev->body, m->body, m->body_len + 1); /* includes gw_proto's NUL */
        ev->body_len = m->body_len;
    }
    return GW_OK;
}

static int
s_queue_push(gw_client_t *self, gw_client_event_t *ev)
{
    s_node_t *n = gw_malloc(sizeof(*n));
    if (!n) {
        return GW_ENOMEM;
    }
    n->ev = *ev;
    n->next = NULL;
    s_event_reset(ev); /* the node owns the body now */
    if (self->tail) {
        self->tail->next = n;
    } else {
        self->head = n;
    }
    self->tail = n;
    self->pending++;
    return GW_OK;
}

static int
s_queue_pop(gw_client_t *self, gw_client_event_t *ev)
{
    s_node_t *n = self->head;
    if (!n) {
        return 0;
    }
    self->head = n->next;
    if (!self->head) {
        self->tail = NULL;
    }
    self->pending--;
    *ev = n->ev;
    gw_free(n);
    return 1;
}

/* Wait up to deadline for one event from the socket (not the FIFO). Heartbeats
 * and repeated WELCOMEs are handled here; malformed messages are dropped. */
static int
s_recv_event(gw_client_t *self, gw_client_event_t *ev, int64_t deadline)
{
    for (;;) {
        /* Without a HELLO on this session, also wake when the connection is up. */
        int want_hello = !self->hello_sent && !self->refused;
        short events = ZMQ_POLLIN | (want_hello ? ZMQ_POLLOUT : 0);
        zmq_pollitem_t item = {self->sock, 0, events, 0};
        long timeout = s_poll_timeout(self, deadline);
        int n = zmq_poll(&item, 1, timeout);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return GW_EIO;
        }
        if ((item.revents & ZMQ_POLLOUT) && want_hello) {
            (void)s_send_hello(self, gw_mono_ms());
        }
        if (!(item.revents & ZMQ_POLLIN)) {
            s_heartbeat(self);
            if (s_left(deadline) == 0) {
                return GW_EAGAIN;
            }
            continue;
        }
        gw_proto_msg_t m;
        int rc = gw_proto_recv(self->sock, 0, S_MAX_BODY, &m, ZMQ_DONTWAIT);
        if (rc == GW_EAGAIN) {
            continue;
        }
        if (rc == GW_EPARSE) {
            gw_proto_msg_clear(&m); /* not from a conforming gateway: drop it */
            self->last_recv_ms = gw_mono_ms();
            continue;
        }
        if (rc != GW_OK) {
            return rc;
        }
        self->last_recv_ms = gw_mono_ms();
        int deliver = 1;
        switch (m.cmd) {
        case GW_CMD_HEARTBEAT:
            /* A challenge (CURVE: the gateway asks this connection to prove itself before
             * it delivers) is echoed at once; the gateway does not answer the echo. */
            if (strncmp(m.id, GW_PROTO_CHALLENGE, strlen(GW_PROTO_CHALLENGE)) == 0) {
                (void)s_send(self, GW_CMD_HEARTBEAT, m.id, NULL, NULL, 0, self->last_recv_ms);
                deliver = 0;
                break;
            }
            /* Answer unless we spoke recently: avoids ping-pong between two peers
             * that both answer heartbeats. */
            if (self->last_recv_ms - self->last_send_ms >= self->heartbeat_ms / 2) {
                (void)s_send(self, GW_CMD_HEARTBEAT, NULL, NULL, NULL, 0, self->last_recv_ms);
            }
            deliver = 0;
            break;
        case GW_CMD_WELCOME: {
            deliver = !self->welcomed; /* a re-HELLO's WELCOME is not news */
            self->welcomed = 1;
            /* The gateway drops a party silent for 3 of its heartbeats: never beat
             * slower than it does. */
            char hb[16];
            if (gw_props_get(m.props, m.props_len, "heartbeat", hb, sizeof(hb))) {
                int g = atoi(hb);
                if (g > 0 && g < self->heartbeat_ms) {
                    self->heartbeat_ms = g;
                }
            }
            break;
        }
        case GW_CMD_ERROR:
            if (self->hello_sent && strcmp(m.id, self->hello_id) == 0) {
                self->refused = 1; /* the party is refused: stop saying HELLO */
                self->hello_sent = 0;
            }
            break;
        case GW_CMD_ACK:
        case GW_CMD_REJECT:
        case GW_CMD_DELIVER:
        case GW_CMD_NOTICE:
            break;
        default:
            deliver = 0; /* party-to-gateway commands have no meaning here */
            break;
        }
        if (deliver) {
            rc = s_event_from(ev, &m);
        }
        gw_proto_msg_clear(&m);
        if (deliver) {
            if (rc != GW_OK) {
                gw_client_event_clear(ev);
            }
            return rc;
        }
    }
}

static gw_client_t *s_new(const char *endpoint, const char *party, const gw_client_opts_t *opts,
                          char **err);

gw_client_t *
gw_client_new(const char *endpoint, const char *party, const gw_client_opts_t *opts, char **err)
{
    if (err) {
        *err = NULL;
    }
    if (!endpoint || !s_party_valid(party)) {
        s_set_err(err, "invalid endpoint or party code (1..64 printable ASCII, no spaces)");
        return NULL;
    }
    gw_client_opts_t o = {0};
    if (opts) {
        o = *opts;
    }
    gw_keypair_t own, server; /* from the key files, wiped below */
    memset(&own, 0, sizeof(own));
    memset(&server, 0, sizeof(server));
    if (o.curve_key_file || o.curve_server_key_file) {
        char *kerr = NULL;
        if (o.curve_public_key || o.curve_secret_key || o.curve_server_key) {
            s_set_err(err, "give the CURVE keys either as Z85 strings or as files, not both");
            return NULL;
        }
        if ((o.curve_key_file && gw_keys_load(o.curve_key_file, &own, 1, &kerr) != GW_OK) ||
            (o.curve_server_key_file &&
             gw_keys_load(o.curve_server_key_file, &server, 0, &kerr) != GW_OK)) {
            s_set_err(err, kerr ? kerr : "cannot read the CURVE key files");
            gw_free(kerr);
            gw_keys_wipe(&own);
            return NULL;
        }
        o.curve_public_key = o.curve_key_file ? own.public_key : NULL;
        o.curve_secret_key = o.curve_key_file ? own.secret_key : NULL;
        o.curve_server_key = o.curve_server_key_file ? server.public_key : NULL;
    }
    gw_client_t *self = s_new(endpoint, party, &o, err);
    gw_keys_wipe(&own);
    return self;
}

/* gw_client_new with the keys as Z85 strings in o. */
static gw_client_t *
s_new(const char *endpoint, const char *party, const gw_client_opts_t *opts, char **err)
{
    gw_client_opts_t o = *opts;
    int curve = o.curve_server_key || o.curve_public_key || o.curve_secret_key;
    if (curve && !(o.curve_server_key && o.curve_public_key && o.curve_secret_key)) {
        s_set_err(err, "CURVE needs the server key, the public key and the secret key");
        return NULL;
    }
    gw_client_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        s_set_err(err, "out of memory");
        return NULL;
    }
    memcpy(self->party, party, strlen(party) + 1);
    self->heartbeat_ms = o.heartbeat_ms > 0 ? o.heartbeat_ms : S_DEFAULT_HEARTBEAT_MS;
    self->nonce = s_random32();
    self->last_send_ms = self->last_recv_ms = gw_mono_ms();
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        s_set_err(err, "cannot create a ZeroMQ context");
        goto fail;
    }
    self->sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!self->sock) {
        s_set_err(err, "cannot create a ZeroMQ socket");
        goto fail;
    }
    int linger = S_LINGER_MS, one = 1;
    if (zmq_setsockopt(self->sock, ZMQ_ROUTING_ID, party, strlen(party)) != 0 ||
        zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(self->sock, ZMQ_IMMEDIATE, &one, sizeof(one)) != 0) {
        s_set_err(err, "cannot set socket options");
        goto fail;
    }
    if (o.sndhwm > 0 && zmq_setsockopt(self->sock, ZMQ_SNDHWM, &o.sndhwm, sizeof(o.sndhwm)) != 0) {
        s_set_err(err, "cannot set the send high-water mark");
        goto fail;
    }
    if (curve && (zmq_setsockopt(self->sock, ZMQ_CURVE_SERVERKEY, o.curve_server_key,
                                 strlen(o.curve_server_key)) != 0 ||
                  zmq_setsockopt(self->sock, ZMQ_CURVE_PUBLICKEY, o.curve_public_key,
                                 strlen(o.curve_public_key)) != 0 ||
                  zmq_setsockopt(self->sock, ZMQ_CURVE_SECRETKEY, o.curve_secret_key,
                                 strlen(o.curve_secret_key)) != 0)) {
        s_set_err(err, "CURVE keys rejected (40-character Z85, libzmq built with CURVE?)");
        goto fail;
    }
    if (zmq_connect(self->sock, endpoint) != 0) {
        char buf[160];
        snprintf(buf, sizeof(buf), "cannot connect to the endpoint: %s", zmq_strerror(errno));
        s_set_err(err, buf);
        goto fail;
    }
    /* With ZMQ_IMMEDIATE nothing can be queued before the connection exists:
     * try the HELLO now, and otherwise gw_client_connect/next send it. */
    (void)s_send_hello(self, gw_mono_ms());
    return self;
fail:
    gw_client_destroy(&self);
    return NULL;
}

void
gw_client_destroy(gw_client_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_client_t *self = *self_p;
    if (self->sock) {
        if (self->hello_sent && gw_proto_send(self->sock, NULL, GW_CMD_BYE, NULL, NULL, NULL, 0,
                                              ZMQ_DONTWAIT) != GW_OK) {
            /* best effort: the gateway also notices the silence */
        }
        zmq_close(self->sock);
    }
    if (self->ctx) {
        zmq_ctx_term(self->ctx);
    }
    gw_client_event_t ev;
    while (s_queue_pop(self, &ev)) {
        gw_client_event_clear(&ev);
    }
    gw_free(self);
    *self_p = NULL;
}

/* Wait for the answer to our HELLO: WELCOME, or an ERROR for the HELLO's id
 * (or without id: the gateway could not read it). Anything else is queued. */
int
gw_client_connect(gw_client_t *self, int timeout_ms, char **err)
{
    if (err) {
        *err = NULL;
    }
    if (!self) {
        return GW_EINVAL;
    }
    if (self->welcomed) {
        return GW_OK;
    }
    int64_t deadline = s_deadline(timeout_ms);
    int rc = GW_OK;
    self->refused = 0; /* an explicit connect asks again */
    if (!self->hello_sent) {
        rc = s_send_hello(self, deadline);
        if (rc != GW_OK) {
            return rc;
        }
    }
    for (;;) {
        gw_client_event_t ev;
        rc = s_recv_event(self, &ev, deadline);
        if (rc != GW_OK) {
            return rc;
        }
        if (ev.cmd == GW_CMD_WELCOME) {
            gw_client_event_clear(&ev);
            return GW_OK;
        }
        if (ev.cmd == GW_CMD_ERROR && (self->refused || ev.id[0] == '\0')) {
            if (err) {
                size_t cap = sizeof(ev.code) + ev.body_len + 3;
                *err = gw_malloc(cap);
                if (*err) {
                    snprintf(*err, cap, "%s: %s", ev.code[0] ? ev.code : "ERROR",
                             ev.body ? ev.body : "refused");
                }
            }
            gw_client_event_clear(&ev);
            self->refused = 1; /* no session: no BYE at destroy, no automatic HELLO */
            self->hello_sent = 0;
            return GW_EINVAL;
        }
        rc = s_queue_push(self, &ev);
        if (rc != GW_OK) {
            gw_client_event_clear(&ev);
            return rc;
        }
    }
}

int
gw_client_send(gw_client_t *self, const char *xml, size_t len, const char *corr_id,
               char id_out[GW_PROTO_MAX_ID + 1])
{
    if (!self || (!xml && len > 0)) {
        return GW_EINVAL;
    }
    char id[GW_PROTO_MAX_ID + 1];
    if (corr_id) {
        size_t n = strlen(corr_id);
        if (n == 0 || n > GW_PROTO_MAX_ID) {
            return GW_EINVAL;
        }
        memcpy(id, corr_id, n + 1);
    } else {
        s_make_id(self, "", id);
    }
    int64_t now = gw_mono_ms();
    if (!self->hello_sent && !self->refused) {
        int rc = s_send_hello(self, now);
        if (rc != GW_OK) {
            return rc;
        }
    }
    int rc = s_send(self, GW_CMD_SUBMIT, id, NULL, xml, len, now);
    if (rc == GW_OK && id_out) {
        memcpy(id_out, id, strlen(id) + 1);
    }
    return rc;
}

int
gw_client_next(gw_client_t *self, gw_client_event_t *ev, int timeout_ms)
{
    if (!self || !ev) {
        return GW_EINVAL;
    }
    s_event_reset(ev);
    if (s_queue_pop(self, ev)) {
        return GW_OK;
    }
    return s_recv_event(self, ev, s_deadline(timeout_ms));
}

/* Submit and wait for the answer carrying our correlation id. Everything else
 * that arrives meanwhile (deliveries, answers to earlier gw_client_send calls)
 * goes to the FIFO in arrival order. */
int
gw_client_submit(gw_client_t *self, const char *xml, size_t len, gw_client_result_t *result,
                 int timeout_ms)
{
    if (!self || !result || (!xml && len > 0)) {
        return GW_EINVAL;
    }
    s_event_reset(result);
    int64_t deadline = s_deadline(timeout_ms);
    char id[GW_PROTO_MAX_ID + 1];
    s_make_id(self, "", id);
    int rc = GW_OK;
    if (!self->hello_sent && !self->refused) {
        rc = s_send_hello(self, deadline);
        if (rc != GW_OK) {
            return rc;
        }
    }
    rc = s_send(self, GW_CMD_SUBMIT, id, NULL, xml, len, deadline);
    if (rc != GW_OK) {
        return rc;
    }
    for (;;) {
        gw_client_event_t ev;
        rc = s_recv_event(self, &ev, deadline);
        if (rc != GW_OK) {
            return rc;
        }
        int answer = ev.cmd == GW_CMD_ACK || ev.cmd == GW_CMD_REJECT || ev.cmd == GW_CMD_ERROR;
        if (answer && strcmp(ev.id, id) == 0) {
            *result = ev;
            return GW_OK;
        }
        rc = s_queue_push(self, &ev);
        if (rc != GW_OK) {
            gw_client_event_clear(&ev);
            return rc;
        }
    }
}

int
gw_client_dack(gw_client_t *self, const char *msg_id)
{
    if (!self || !msg_id || !msg_id[0] || strlen(msg_id) > GW_PROTO_MAX_ID) {
        return GW_EINVAL;
    }
    return s_send(self, GW_CMD_DACK, msg_id, NULL, NULL, 0, s_deadline(self->heartbeat_ms));
}

void *
gw_client_socket(gw_client_t *self)
{
    return self ? self->sock : NULL;
}

size_t
gw_client_pending(const gw_client_t *self)
{
    return self ? self->pending : 0;
}
