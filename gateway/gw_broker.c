/*
 * The broker (gw_broker.h). One thread, one ROUTER socket, one event loop:
 *
 *   poll -> read a batch of up to BATCH protocol messages without blocking ->
 *   handle each (SUBMIT runs the whole pipeline; DACK marks a delivery done) ->
 *   commit the batch's store writes in one transaction (group commit) ->
 *   only then send the batch's ACKs -> pump deliveries to connected parties.
 *
 * A message is acknowledged only after the transaction holding it committed,
 * so an ACK means "on disk". Deliveries are at-least-once: a DELIVER not
 * answered by DACK is re-sent with exponential backoff until the delivery
 * timeout moves it to the dead-letter state. Sends use ZMQ_DONTWAIT, so a slow
 * or dead recipient fills only its own pipe (bounded by the socket HWM and the
 * per-recipient in-flight limit) and never blocks the others.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <zmq.h>

#include "gw_acl.h"
#include "gw_broker.h"
#include "gw_chain.h"
#include "gw_config.h"
#include "gw_crypt.h"
#include "gw_events.h"
#include "gw_lock.h"
#include "gw_notify.h"
#include "gw_store.h"
#include "gw_tap.h"
#include "gw_worker.h"
#include "gw_zap.h"
#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/codec.h"
#include "gw/diag.h"
#include "gw/keys.h"
#include "gw/log.h"
#include "gw/proto.h"
#include "gw/retour.h"
#include "gw/rules.h"

#define BATCH 256          /* protocol messages per group commit */
#define TICK_MS 200        /* housekeeping period */
#define EXPIRE_EVERY_MS 10000

/* A first send not yet recorded in the store: the row stays pending until its DACK, or
 * until its first retry comes due, when it is marked inflight (attempts 1). */
typedef struct sent_mark {
    int64_t id;      /* delivery id; negated once acknowledged */
    int64_t sent_ms; /* when it went out */
} sent_mark_t;

typedef struct party_state {
    char code[65];        /* routing identity */
    gw_party_kind_t kind; /* from the config */
    int connected;        /* said HELLO (or anything) and not gone */
    int notices;          /* its HELLO on this connection asked for NOTICEs (notices=1) */
    int64_t last_seen_ms; /* last frame from it */
    int64_t inflight;     /* deliveries sent, not yet acknowledged (soft count) */
    int64_t backlog;      /* undelivered deliveries (-1: not loaded yet) */
    int want_pump;        /* deliveries may be due */
    int64_t cursor;       /* highest delivery id first-sent on this connection (pending rows
                             up to it are in win, or acknowledged, or marked inflight) */
    sent_mark_t *win;     /* first sends awaiting DACK, ascending ids; a ring (heap) */
    size_t win_head, win_n, win_cap;
    char key[GW_KEY_Z85_LEN + 1]; /* CURVE: the key its connection was last verified with */
    uint64_t key_gen;     /* registry generation of that verification */
    uint64_t proven_hs;   /* CURVE: handshakes approved when it last proved itself (a message
                             from its key); deliveries only while none came since */
    uint64_t challenged_hs; /* CURVE: handshakes approved when it was last challenged */
    double tokens;        /* rate limit: messages it may submit now (token bucket) */
    int64_t tokens_ms;    /* when tokens was last refilled */
    uint64_t forbidden;   /* refused: wrong identity, revoked key, forbidden message type */
    uint64_t limited;     /* refused: its size or rate limit */
} party_state_t;

typedef struct reply {
    char peer[GW_PROTO_MAX_PEER + 1];
    gw_cmd_t cmd;
    char id[GW_PROTO_MAX_ID + 1];
    char props[256];
    char *body; /* heap or NULL */
    size_t body_len;
} reply_t;

struct gw_broker {
    gw_config_t *config;       /* current generation */
    gw_codec_t *codec;         /* schemas compiled once */
    gw_store_t *store;         /* durable state */
    gw_lock_t *lock;           /* the store's single-writer lock (gw_lock.h) */
    gw_notify_t *notify;       /* the service manager's notifications; NULL without one */
    void *zctx;                /* ZeroMQ context */
    void *router;              /* the parties' endpoint */
    char endpoint[256];        /* as bound */
    volatile sig_atomic_t stop_flag;
    volatile sig_atomic_t reload_flag;
    party_state_t *parties;    /* one per configured party, same order as config */
    size_t nparties;
    gw_diag_t *diag;           /* reused per message */
    gw_worker_t *worker;       /* runs the per-message check off this thread */
    gw_chain_t *chain;         /* the configured filters, current generation */
    uint32_t strip_mask;       /* types some platform taps with tap_strip_freetext */
    reply_t *replies;          /* answers of the current batch */
    size_t nreplies, capreplies;
    int in_tx;                 /* a store transaction is open */
    int64_t next_expire_ms;
    gw_sink_t sinks[GW_SINKS_MAX]; /* observers: audit, metrics, deadlines (gw_events.h) */
    gw_zap_t *zap;             /* CURVE: the ZAP handler and its key registry; NULL = off */
    uint64_t key_gen;          /* registry generation (bumped at each reload) */
    size_t nsinks;
    struct {
        uint64_t submitted, accepted, rejected, errors, duplicates, delivered, redelivered;
    } stats;
};

/* ------------------------------------------------------------ parties ---- */

static int s_notice(void *ctx, const char *party, const char *id, const char *props);

/* Tell the observers; ev->now_ms, db, config and notice are filled in here. */
static void
s_emit(gw_broker_t *self, gw_event_t *ev)
{
    if (self->nsinks == 0) {
        return;
    }
    if (!ev->now_ms) {
        ev->now_ms = gw_wall_ms();
    }
    ev->db = self->store ? gw_store_db(self->store) : NULL;
    ev->config = self->config;
    ev->chain = self->chain;
    ev->notice = s_notice;
    ev->notice_ctx = self;
    for (size_t i = 0; i < self->nsinks; i++) {
        self->sinks[i].on_event(self->sinks[i].state, ev);
    }
}

static party_state_t *
s_party(gw_broker_t *self, const char *code)
{
    for (size_t i = 0; i < self->nparties; i++) {
        if (strcmp(self->parties[i].code, code) == 0) {
            return &self->parties[i];
        }
    }
    return NULL;
}

/* A sink's NOTICE to a party (gw_event_t.notice): only to a connected party that asked for
 * notices in its HELLO, never queued for an absent one (the sink keeps it for later). */
static int
s_notice(void *ctx, const char *party, const char *id, const char *props)
{
    gw_broker_t *self = ctx;
    party_state_t *p = s_party(self, party);
    if (!p || !p->connected || !p->notices) {
        return GW_EAGAIN;
    }
    if (!props) {
        return GW_OK;
    }
    return gw_proto_send(self->router, p->code, GW_CMD_NOTICE, id, props, NULL, 0, ZMQ_DONTWAIT);
}

/* Rebuild the party table from a config, keeping the state of parties that stay. */
static int
s_parties_from(gw_broker_t *self, const gw_config_t *cfg)
{
    party_state_t *v = gw_calloc(cfg->nparties ? cfg->nparties : 1, sizeof(*v));
    if (!v) {
        return GW_ENOMEM;
    }
    for (size_t i = 0; i < cfg->nparties; i++) {
        const party_state_t *old = s_party(self, cfg->parties[i].code);
        if (old) {
            v[i] = *old;
        } else {
            snprintf(v[i].code, sizeof(v[i].code), "%s", cfg->parties[i].code);
            v[i].backlog = -1;
        }
        v[i].kind = cfg->parties[i].kind;
    }
    for (size_t j = 0; j < self->nparties; j++) {
        size_t i = 0;
        while (i < cfg->nparties && strcmp(cfg->parties[i].code, self->parties[j].code) != 0) {
            i++;
        }
        if (i == cfg->nparties) {
            gw_free(self->parties[j].win); /* removed: its window goes with it */
        }
    }
    gw_free(self->parties);
    self->parties = v;
    self->nparties = cfg->nparties;
    return GW_OK;
}

/* ------------------------------------------------------------ sent window ---- */

static sent_mark_t *
s_win_at(const party_state_t *p, size_t i)
{
    return &p->win[(p->win_head + i) % p->win_cap];
}

/* Forget the first sends of a connection that is gone: their rows are still pending,
 * so they go out again from the cursor 0, in order. */
static void
s_win_reset(party_state_t *p)
{
    p->win_head = 0;
    p->win_n = 0;
    p->cursor = 0;
}

static int
s_win_push(party_state_t *p, int64_t id, int64_t now)
{
    if (p->win_n == p->win_cap) {
        size_t cap = p->win_cap ? p->win_cap * 2 : 256;
        sent_mark_t *w = gw_malloc(cap * sizeof(*w));
        if (!w) {
            return GW_ENOMEM;
        }
        for (size_t i = 0; i < p->win_n; i++) {
            w[i] = *s_win_at(p, i);
        }
        gw_free(p->win);
        p->win = w;
        p->win_cap = cap;
        p->win_head = 0;
    }
    sent_mark_t *e = &p->win[(p->win_head + p->win_n) % p->win_cap];
    e->id = id;
    e->sent_ms = now;
    p->win_n++;
    return GW_OK;
}

static void
s_win_pop_acked(party_state_t *p)
{
    while (p->win_n > 0 && p->win[p->win_head].id < 0) {
        p->win_head = (p->win_head + 1) % p->win_cap;
        p->win_n--;
    }
}

/* A DACK: mark the delivery acknowledged (its id negated, so the ids stay ordered for the
 * binary search) and drop acknowledged entries from the head. */
static void
s_win_acked(party_state_t *p, int64_t id)
{
    size_t lo = 0, hi = p->win_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        sent_mark_t *e = s_win_at(p, mid);
        int64_t v = e->id < 0 ? -e->id : e->id;
        if (v == id) {
            e->id = -v;
            break;
        }
        if (v < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    s_win_pop_acked(p);
}

/* ------------------------------------------------------------ replies ---- */

static void
s_reply(gw_broker_t *self, const char *peer, gw_cmd_t cmd, const char *id, const char *props,
        char **body_p, size_t body_len)
{
    if (self->nreplies == self->capreplies) {
        size_t cap = self->capreplies ? self->capreplies * 2 : 64;
        reply_t *r = gw_realloc(self->replies, cap * sizeof(*r));
        if (!r) {
            gw_log(GW_LOG_ERROR, "oom", "what=reply peer=%s", peer);
            if (body_p) {
                gw_free(*body_p);
                *body_p = NULL;
            }
            return;
        }
        self->replies = r;
        self->capreplies = cap;
    }
    reply_t *r = &self->replies[self->nreplies++];
    memset(r, 0, sizeof(*r));
    snprintf(r->peer, sizeof(r->peer), "%s", peer);
    r->cmd = cmd;
    snprintf(r->id, sizeof(r->id), "%s", id ? id : "");
    snprintf(r->props, sizeof(r->props), "%s", props ? props : "");
    if (body_p) {
        r->body = *body_p;
        r->body_len = body_len;
        *body_p = NULL;
    }
}

static void
s_error(gw_broker_t *self, const char *peer, const char *id, const char *code, const char *fmt,
        ...) GW_PRINTF(5, 6);

static void
s_error(gw_broker_t *self, const char *peer, const char *id, const char *code, const char *fmt,
        ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    char props[64];
    snprintf(props, sizeof(props), "code=%s\n", code);
    char *body = gw_strdup(text);
    size_t len = body ? strlen(body) : 0;
    (void)n;
    self->stats.errors++;
    gw_log(GW_LOG_INFO, "refused", "peer=%s id=%s code=%s", peer, id ? id : "", code);
    s_emit(self, &(gw_event_t){.kind = GW_EV_REFUSED, .party = peer, .code = code, .corr_id = id});
    s_reply(self, peer, GW_CMD_ERROR, id, props, &body, len);
}

/* Send the queued replies. With acks == 0 only those that need no commit
 * (WELCOME, ERROR, REJECT, HEARTBEAT) go, and the ACKs stay queued. */
static void
s_flush_replies(gw_broker_t *self, int acks)
{
    size_t keep = 0;
    for (size_t i = 0; i < self->nreplies; i++) {
        reply_t *r = &self->replies[i];
        if (!acks && r->cmd == GW_CMD_ACK) {
            self->replies[keep++] = *r;
            continue;
        }
        int rc = gw_proto_send(self->router, r->peer, r->cmd, r->id, r->props, r->body,
                               r->body_len, ZMQ_DONTWAIT);
        if (rc != GW_OK) {
            /* The sender is gone or its pipe is full; it resends and dedup answers it. */
            gw_log(GW_LOG_WARN, "reply_dropped", "peer=%s cmd=%s id=%s", r->peer,
                   gw_cmd_name(r->cmd), r->id);
        }
        gw_free(r->body);
        r->body = NULL;
    }
    self->nreplies = keep;
}

/* Turn the batch's ACKs into errors: their transaction did not commit. */
static void
s_fail_acks(gw_broker_t *self, const char *why)
{
    for (size_t i = 0; i < self->nreplies; i++) {
        reply_t *r = &self->replies[i];
        if (r->cmd != GW_CMD_ACK) {
            continue;
        }
        gw_free(r->body);
        r->body = gw_strdup(why);
        r->body_len = r->body ? strlen(r->body) : 0;
        r->cmd = GW_CMD_ERROR;
        snprintf(r->props, sizeof(r->props), "code=INTERNAL\n");
    }
}

/* ------------------------------------------------------------ the store ---- */

static int
s_tx(gw_broker_t *self)
{
    if (self->in_tx) {
        return GW_OK;
    }
    int rc = gw_store_begin(self->store);
    if (rc == GW_OK) {
        self->in_tx = 1;
    }
    return rc;
}

static int
s_commit(gw_broker_t *self)
{
    if (!self->in_tx) {
        return GW_OK;
    }
    self->in_tx = 0;
    int rc = gw_store_commit(self->store);
    s_emit(self, &(gw_event_t){.kind = rc == GW_OK ? GW_EV_COMMITTED : GW_EV_ABORTED});
    if (rc != GW_OK) {
        gw_log(GW_LOG_ERROR, "store_commit_failed", "error=\"%s\"",
               gw_store_last_error(self->store));
        if (gw_store_rollback(self->store) != GW_OK) {
            gw_log(GW_LOG_ERROR, "store_rollback_failed", "error=\"%s\"",
                   gw_store_last_error(self->store));
        }
    }
    return rc;
}

/* Roll the open group transaction back mid-batch: its ACKs so far become errors (the
 * senders resend), as after a failed commit. */
static void
s_abort(gw_broker_t *self, const char *why)
{
    if (!self->in_tx) {
        return;
    }
    self->in_tx = 0;
    if (gw_store_rollback(self->store) != GW_OK) {
        gw_log(GW_LOG_ERROR, "store_rollback_failed", "error=\"%s\"",
               gw_store_last_error(self->store));
    }
    s_emit(self, &(gw_event_t){.kind = GW_EV_ABORTED});
    s_fail_acks(self, why);
}

static int64_t
s_backlog(gw_broker_t *self, party_state_t *p)
{
    if (p->backlog < 0) {
        int64_t n = 0;
        if (gw_store_backlog(self->store, p->code, &n) == GW_OK) {
            p->backlog = n;
        } else {
            return 0;
        }
    }
    return p->backlog;
}

/* ------------------------------------------------------------ the pipeline ---- */

/* Copies for the platform parties that tap this message type. */
static void
s_taps(gw_broker_t *self, const gw_msgtype_t *type, int64_t msg_id, const void *body,
       size_t len, const void *stripped, size_t slen, int64_t now)
{
    size_t idx = 0;
    for (; idx < gw_msgtype_count() && gw_msgtype_at(idx) != type; idx++) {
    }
    for (size_t i = 0; i < self->config->nparties; i++) {
        const gw_party_conf_t *pc = &self->config->parties[i];
        if (pc->kind != GW_PARTY_PLATFORM || !(pc->tap & (1u << idx))) {
            continue;
        }
        const void *payload = body;
        size_t plen = len;
        if (pc->tap_strip_freetext) {
            if (!stripped || !slen) {
                gw_log(GW_LOG_ERROR, "tap_failed", "party=%s type=%s", pc->code, type->name);
                continue;
            }
            payload = stripped;
            plen = slen;
        }
        if (gw_store_add_delivery(self->store, msg_id, pc->code, payload, plen, now) == GW_OK) {
            party_state_t *p = s_party(self, pc->code);
            if (p) {
                p->want_pump = 1;
                if (p->backlog >= 0) {
                    p->backlog++;
                }
            }
        } else {
            gw_log(GW_LOG_ERROR, "tap_store_failed", "party=%s error=\"%s\"", pc->code,
                   gw_store_last_error(self->store));
        }
    }
}

static uint32_t
s_strip_mask(const gw_config_t *cfg)
{
    uint32_t m = 0;
    for (size_t i = 0; i < cfg->nparties; i++) {
        if (cfg->parties[i].kind == GW_PARTY_PLATFORM && cfg->parties[i].tap_strip_freetext) {
            m |= cfg->parties[i].tap;
        }
    }
    return m;
}

/* The party's own config (parties and their states share the config's order). */
static const gw_party_conf_t *
s_party_conf(const gw_broker_t *self, const party_state_t *p)
{
    return &self->config->parties[p - self->parties];
}

/* Token bucket of a party's `rate`: up to rate messages per second, bursts up to rate. */
static int
s_rate_ok(party_state_t *p, size_t rate, int64_t now)
{
    if (p->tokens_ms == 0 || now < p->tokens_ms) {
        p->tokens = (double)rate;
    } else {
        p->tokens += (double)(now - p->tokens_ms) * (double)rate / 1000.0;
        if (p->tokens > (double)rate) {
            p->tokens = (double)rate;
        }
    }
    p->tokens_ms = now;
    if (p->tokens < 1.0) {
        return 0;
    }
    p->tokens -= 1.0;
    return 1;
}

/* The per-party limits of a submission (issue 5 item 6); 0 when refused. */
static int
s_limits_ok(gw_broker_t *self, party_state_t *from, const gw_proto_msg_t *m)
{
    const gw_party_conf_t *pc = s_party_conf(self, from);
    if (pc->max_message_size && m->body_len > pc->max_message_size) {
        from->limited++;
        s_error(self, from->code, m->id, "SIZE",
                "the message is %zu bytes; party %s may submit at most %zu bytes", m->body_len,
                from->code, pc->max_message_size);
        return 0;
    }
    if (pc->rate && !s_rate_ok(from, pc->rate, gw_wall_ms())) {
        from->limited++;
        s_error(self, from->code, m->id, "RATE_LIMITED",
                "party %s may submit at most %zu messages per second; retry later", from->code,
                pc->rate);
        return 0;
    }
    return 1;
}

/* First half of the pipeline: hand the message to the check worker. */
static void
s_submit(gw_broker_t *self, party_state_t *from, const gw_proto_msg_t *m)
{
    self->stats.submitted++;
    if (!s_limits_ok(self, from, m)) {
        return;
    }
    if (gw_worker_submit(self->worker, from->code, m->id, self->strip_mask,
                         self->config->answer_accepted, m->body, m->body_len) != GW_OK) {
        s_error(self, from->code, m->id, "INTERNAL", "the gateway could not check the message");
    }
}

static char *
s_frame_dup(zmq_msg_t *f, size_t *len)
{
    *len = zmq_msg_size(f);
    if (*len == 0) {
        return NULL;
    }
    char *b = gw_malloc(*len + 1);
    if (b) {
        memcpy(b, zmq_msg_data(f), *len);
        b[*len] = '\0';
    }
    return b;
}

/* A filter rejected the message (levels 3/4): answer with the retourbericht, or
 * with an ERROR for a message the standard gives no retourbericht. */
static void
s_filter_reject(gw_broker_t *self, gw_worker_result_t *r)
{
    self->stats.rejected++;
    const gw_msgtype_t *type = r->msg->type;
    const char *rule = "FILTER";
    for (size_t i = 0; i < gw_diag_count(self->diag); i++) {
        if (gw_diag_at(self->diag, i)->level < GW_LEVEL_WARN) {
            rule = gw_diag_at(self->diag, i)->rule;
            break;
        }
    }
    gw_log(GW_LOG_INFO, "rejected", "peer=%s id=%s type=%s rule=%s", r->peer, r->id, type->name,
           rule);
    s_emit(self, &(gw_event_t){.kind = GW_EV_REJECTED, .party = r->peer, .type = type,
                               .code = rule, .corr_id = r->id, .afzender = r->check.afzender,
                               .ident = r->check.ident, .dagtekening = r->check.dagtekening,
                               .msg = r->msg});
    const gw_msgtype_t *ans = gw_msgtype_answer(type);
    gw_msg_t *ret = NULL;
    char *xml = NULL;
    size_t len = 0;
    if (ans && gw_retour_build(r->msg, self->diag, NULL, &ret) == GW_OK &&
        gw_codec_encode(ret, &xml, &len, NULL) == GW_OK) {
        char props[128];
        snprintf(props, sizeof(props), "type=%s\ncode=%s\n", ans->name, rule);
        s_reply(self, r->peer, GW_CMD_REJECT, r->id, props, &xml, len);
    } else {
        s_error(self, r->peer, r->id, rule, "rule %s: the message was not accepted", rule);
    }
    gw_free(xml);
    gw_msg_destroy(&ret);
}

static void
s_log_filter_stats(const gw_broker_t *self)
{
    for (size_t i = 0; i < gw_chain_count(self->chain); i++) {
        gw_chain_stats_t st;
        gw_chain_stats(self->chain, i, &st);
        gw_log(GW_LOG_INFO, "filter_stats",
               "filter=%s passed=%" PRIu64 " rejected=%" PRIu64 " warned=%" PRIu64
               " errors=%" PRIu64,
               st.name, st.passed, st.rejected, st.warned, st.errors);
    }
    for (size_t i = 0; i < gw_chain_rule_count(self->chain); i++) {
        gw_chain_rule_stats_t rs;
        gw_chain_rule_stats(self->chain, i, &rs);
        gw_log(GW_LOG_INFO, "rule_stats", "rule=%s rejected=%" PRIu64 " warned=%" PRIu64,
               rs.rule, rs.rejected, rs.warned);
    }
}

/* Build the chain of a config generation. NULL with *err on failure. */
static gw_chain_t *
s_chain_for(const gw_config_t *cfg, char **err)
{
    gw_chain_spec_t *specs = gw_calloc(cfg->nfilters ? cfg->nfilters : 1, sizeof(*specs));
    if (!specs) {
        *err = gw_strdup("out of memory");
        return NULL;
    }
    gw_config_chain_specs(cfg, specs);
    gw_chain_t *c = gw_chain_new(specs, cfg->nfilters, err);
    gw_free(specs);
    return c;
}

/* A filter routed the message to another party (the contract filter: an onderaannemer's
 * messages go to its hoofdaannemer). Returns 1 with recipient and *to replaced, or 0 after
 * answering the sender with an error. */
static int
s_reroute(gw_broker_t *self, gw_worker_result_t *r, const char *route, char *recipient,
          size_t cap, party_state_t **to)
{
    party_state_t *via = s_party(self, route);
    if (!via) {
        s_error(self, r->peer, r->id, "UNKNOWN_RECIPIENT",
                "this message goes via party %s (instead of %s), which is not a registered party "
                "of this gateway",
                route, recipient);
        return 0;
    }
    if ((size_t)s_backlog(self, via) >= self->config->queue_limit) {
        s_error(self, r->peer, r->id, "QUEUE_FULL",
                "recipient %s has %" PRId64 " undelivered messages (limit %zu); try later", route,
                via->backlog, self->config->queue_limit);
        return 0;
    }
    gw_log(GW_LOG_INFO, "routed", "peer=%s id=%s from=%s to=%s", r->peer, r->id, recipient,
           route);
    snprintf(recipient, cap, "%s", route);
    *to = via;
    return 1;
}

/* Second half: route, persist, acknowledge (after the batch commits). */
static void
s_checked(gw_broker_t *self, gw_worker_result_t *r)
{
    const char *peer = r->peer;
    const gw_check_t *c = &r->check;
    size_t tlen = 0;
    party_state_t *from = s_party(self, peer);
    if (!from) {
        return; /* removed by a reload while it was being checked: it was never acknowledged */
    }
    if (c->decoded && !gw_acl_may_send(from->kind, c->type)) {
        /* Once the message is readable, before its Afzender and its rules are judged: this
         * party does not take part in this flow at all (spec §1). */
        from->forbidden++;
        s_error(self, peer, r->id, "FORBIDDEN",
                "party %s is a %s; a %s is not sent by a %s (iStandaard message flow, spec 1.1-1.3)",
                peer, gw_acl_kind_name(from->kind), c->type->name,
                gw_acl_kind_name(from->kind));
        return;
    }
    if (c->status == GW_CHECK_ERROR) {
        char *text = s_frame_dup(&r->text, &tlen);
        s_error(self, peer, r->id, c->code, "%s", text ? text : "refused");
        gw_free(text);
        return;
    }
    if (c->status == GW_CHECK_REJECT) {
        self->stats.rejected++;
        char *xml = s_frame_dup(&r->text, &tlen);
        char props[128];
        snprintf(props, sizeof(props), "type=%s\ncode=%s\n", c->answer_type, c->code);
        gw_log(GW_LOG_INFO, "rejected", "peer=%s id=%s type=%s rule=%s", peer, r->id,
               c->type ? c->type->name : "?", c->code);
        s_emit(self, &(gw_event_t){.kind = GW_EV_REJECTED, .party = peer, .type = c->type,
                                   .code = c->code, .corr_id = r->id, .afzender = c->afzender,
                                   .ident = c->ident, .dagtekening = c->dagtekening});
        s_reply(self, peer, GW_CMD_REJECT, r->id, props, &xml, tlen);
        return;
    }
    const gw_msgtype_t *type = c->type;
    char recipient[65];
    int64_t answers = 0;
    if (type->kind == GW_KIND_RETOUR) {
        /* Route a retourbericht by the heenbericht it answers, not by its header. */
        const gw_msgtype_t *heen = gw_msgtype_by_number(type->family, type->number - 1);
        char orig[65], heen_to[65];
        if (heen && gw_store_find_heen(self->store, heen->name, c->afzender, c->ident,
                                       c->dagtekening, &answers, orig, heen_to) == GW_OK) {
            /* Only the party the heenbericht went to may answer it: a header naming itself as
             * Ontvanger does not make another party's heenbericht its own. */
            if (strcmp(heen_to, peer) != 0) {
                from->forbidden++;
                s_error(self, peer, r->id, "FORBIDDEN",
                        "this %s answers a %s that was delivered to another party; only its "
                        "recipient may send the retourbericht",
                        type->name, heen->name);
                return;
            }
            snprintf(recipient, sizeof(recipient), "%s", orig);
        } else {
            /* The heenbericht did not pass through this gateway: its Afzender sent it. */
            snprintf(recipient, sizeof(recipient), "%s", c->afzender);
            answers = 0;
        }
    } else {
        snprintf(recipient, sizeof(recipient), "%s", c->ontvanger);
    }
    party_state_t *to = s_party(self, recipient);
    if (!to) {
        s_error(self, peer, r->id, "UNKNOWN_RECIPIENT",
                "recipient %s of this %s is not a registered party of this gateway", recipient,
                type->name);
        return;
    }
    if (!gw_acl_may_receive(to->kind, type)) {
        from->forbidden++;
        s_error(self, peer, r->id, "FORBIDDEN",
                "recipient %s is a %s; a %s is not delivered to a %s (iStandaard message flow, "
                "spec 1.1-1.3)",
                recipient, gw_acl_kind_name(to->kind), type->name, gw_acl_kind_name(to->kind));
        return;
    }
    size_t qlimit = s_party_conf(self, to)->queue_limit ? s_party_conf(self, to)->queue_limit
                                                        : self->config->queue_limit;
    if ((size_t)s_backlog(self, to) >= qlimit) {
        s_error(self, peer, r->id, "QUEUE_FULL",
                "recipient %s has %" PRId64 " undelivered messages (limit %zu); try later",
                recipient, to->backlog, qlimit);
        return;
    }
    if (s_tx(self) != GW_OK) {
        s_error(self, peer, r->id, "INTERNAL", "the store is unavailable");
        return;
    }
    int64_t now = gw_wall_ms();
    gw_store_msg_t sm = {
        .sender = peer,
        .recipient = recipient,
        .type = type->name,
        .afzender = c->afzender,
        .ident = c->ident,
        .dagtekening = c->dagtekening,
        .answers = answers,
        .payload = zmq_msg_data(&r->body),
        .len = zmq_msg_size(&r->body),
        .received_ms = now,
    };
    int dup = 0;
    char route[GW_FILTER_ROUTE_MAX] = ""; /* a filter may name another recipient */
    gw_filter_ctx_t fctx = {.now_ms = now, .peer = peer, .db = gw_store_db(self->store),
                            .route_to = route};
    if (gw_chain_count(self->chain) > 0 && r->msg) {
        /* A resend of a stored message is answered as such, not judged again. */
        int rc0 = gw_store_find_copy(self->store, &sm, &dup);
        if (rc0 != GW_OK) {
            s_error(self, peer, r->id, "INTERNAL", "the store is unavailable");
            return;
        }
        if (!dup) {
            gw_diag_reset(self->diag);
            gw_verdict_t v = gw_chain_run(self->chain, r->msg, self->diag, &fctx);
            if (v == GW_VERDICT_ERROR) {
                s_error(self, peer, r->id, "FILTER",
                        "a filter of this gateway failed on the message; it was not accepted");
                return;
            }
            if (v == GW_VERDICT_REJECT) {
                s_filter_reject(self, r);
                return;
            }
            if (v == GW_VERDICT_STOP) {
                char props[96];
                snprintf(props, sizeof(props), "type=%s\ncode=HANDLED\n", type->name);
                s_reply(self, peer, GW_CMD_ACK, r->id, props, NULL, 0);
                return;
            }
            if (route[0] && strcmp(route, recipient) != 0 && !s_reroute(self, r, route, recipient,
                                                                         sizeof(recipient), &to)) {
                return;
            }
        }
    }
    int rc = gw_store_put(self->store, &sm, &dup);
    if (rc == GW_EFULL) {
        s_error(self, peer, r->id, "FULL",
                "the gateway's store is full; the message was not accepted, stored messages are "
                "kept");
        return;
    }
    if (rc != GW_OK) {
        s_error(self, peer, r->id, "INTERNAL", "the message could not be stored");
        return;
    }
    char props[192];
    char *answer = NULL;
    size_t alen = 0;
    if (dup) {
        self->stats.duplicates++;
        snprintf(props, sizeof(props), "msgid=%" PRId64 "\ntype=%s\nduplicate=1\ncode=DUPLICATE\n",
                 sm.id, type->name);
        gw_log(GW_LOG_INFO, "duplicate", "peer=%s id=%s msgid=%" PRId64 " type=%s", peer, r->id,
               sm.id, type->name);
        s_emit(self, &(gw_event_t){.kind = GW_EV_DUPLICATE, .party = peer, .recipient = recipient,
                                   .type = type, .corr_id = r->id, .msg_id = sm.id,
                                   .afzender = c->afzender, .ident = c->ident,
                                   .dagtekening = c->dagtekening, .now_ms = now,
                                   .received_us = r->received_us});
    } else {
        self->stats.accepted++;
        if (to->backlog >= 0) {
            to->backlog++;
        }
        to->want_pump = 1;
        s_taps(self, type, sm.id, sm.payload, sm.len, zmq_msg_data(&r->tap),
               zmq_msg_size(&r->tap), now);
        /* The filters record what was accepted, in the same transaction. A filter that
         * could not (its state would be half-written, later filters' not written at all)
         * fails the whole group, as a failed commit does (gw_chain_accept stops at it). */
        if (r->msg && gw_chain_accept(self->chain, r->msg, &fctx) != GW_OK) {
            gw_log(GW_LOG_ERROR, "filter_accept_failed", "peer=%s msgid=%" PRId64, peer, sm.id);
            self->stats.accepted--;
            if (to->backlog > 0) {
                to->backlog--;
            }
            s_abort(self, "a filter could not record the message; please resend");
            s_error(self, peer, r->id, "INTERNAL", "a filter could not record the message");
            return;
        }
        /* By default the recipient sends the retourbericht (one per heenbericht, IV028);
         * with answer_accepted the gateway answered for it (the worker built it). */
        answer = s_frame_dup(&r->answer, &alen);
        snprintf(props, sizeof(props), "msgid=%" PRId64 "\ntype=%s\nto=%s\n", sm.id,
                 answer ? c->answer_type : type->name, recipient);
        gw_log(GW_LOG_DEBUG, "accepted", "peer=%s id=%s msgid=%" PRId64 " type=%s to=%s", peer,
               r->id, sm.id, type->name, recipient);
        s_emit(self, &(gw_event_t){.kind = GW_EV_ACCEPTED, .party = peer, .recipient = recipient,
                                   .type = type, .corr_id = r->id, .msg_id = sm.id,
                                   .answers = answers, .afzender = c->afzender,
                                   .ident = c->ident, .dagtekening = c->dagtekening,
                                   .msg = r->msg, .now_ms = now,
                                   .received_us = r->received_us});
    }
    s_reply(self, peer, GW_CMD_ACK, r->id, props, &answer, alen);
    gw_free(answer);
}

static void
s_dack(gw_broker_t *self, party_state_t *p, const gw_proto_msg_t *m)
{
    char *end = NULL;
    long long id = strtoll(m->id, &end, 10);
    if (!end || *end || id <= 0) {
        s_error(self, p->code, m->id, "PROTOCOL", "DACK needs a delivery id");
        return;
    }
    if (s_tx(self) != GW_OK) {
        return; /* not acknowledged: it will be redelivered */
    }
    int changed = 0;
    int rc = gw_store_ack(self->store, id, p->code, gw_wall_ms(), &changed);
    if (rc == GW_EINVAL) {
        s_error(self, p->code, m->id, "UNKNOWN_DELIVERY", "no delivery %s for party %s", m->id,
                p->code);
        return;
    }
    if (rc == GW_OK && changed) {
        s_win_acked(p, id);
        self->stats.delivered++;
        s_emit(self, &(gw_event_t){.kind = GW_EV_DELIVERED, .party = p->code, .delivery_id = id});
        if (p->inflight > 0) {
            p->inflight--;
        }
        if (p->backlog > 0) {
            p->backlog--;
        }
        p->want_pump = 1;
    }
}

/* CURVE: is this message from a connection whose key belongs, now, to the party its
 * routing id names? Checked before anything else, so a refused connection is never
 * counted as the party's and gets no deliveries (gw_zap.h says why not in ZAP). */
static int
s_authentic(gw_broker_t *self, party_state_t *p, const gw_proto_msg_t *m)
{
    if (strcmp(m->user_id, m->peer) != 0) {
        if (p) {
            p->forbidden++;
            p->connected = 0; /* whatever holds its routing id now is not the party */
            p->key[0] = '\0';
        }
        gw_log(GW_LOG_WARN, "identity_refused", "routing_id=%s key_of=%s", m->peer,
               m->user_id[0] ? m->user_id : "-");
        s_error(self, m->peer, m->id, "FORBIDDEN",
                "this connection authenticated with the key of party %s, not of %s: a party may "
                "only connect under its own code",
                m->user_id[0] ? m->user_id : "(none)", m->peer);
        return 0;
    }
    if (!p || (p->key_gen == self->key_gen && strcmp(p->key, m->auth_key) == 0)) {
        return 1; /* an unknown party is answered as such by the caller */
    }
    if (!gw_zap_allows(self->zap, m->auth_key, m->peer)) {
        p->forbidden++;
        p->connected = 0;
        p->key[0] = '\0';
        gw_log(GW_LOG_WARN, "key_refused", "party=%s key=%s reason=revoked", m->peer, m->auth_key);
        s_error(self, m->peer, m->id, "UNKNOWN_KEY",
                "the key %s of this connection is no longer registered for party %s (revoked); "
                "connect with a registered key",
                m->auth_key, m->peer);
        return 0;
    }
    snprintf(p->key, sizeof(p->key), "%s", m->auth_key);
    p->key_gen = self->key_gen;
    return 1;
}

/* CURVE: note that p's current connection just proved itself (a message with its key). */
static void
s_proven(gw_broker_t *self, party_state_t *p)
{
    if (self->zap && p) {
        p->proven_hs = gw_zap_handshakes(self->zap);
    }
}

static void
s_handle(gw_broker_t *self, const gw_proto_msg_t *m)
{
    party_state_t *p = s_party(self, m->peer);
    if (self->zap && !s_authentic(self, p, m)) {
        return;
    }
    s_proven(self, p);
    if (!p) {
        s_error(self, m->peer, m->id, "UNKNOWN_PARTY",
                "party '%s' is not registered at this gateway", m->peer);
        return;
    }
    p->last_seen_ms = gw_wall_ms();
    if (!p->connected && m->cmd != GW_CMD_BYE) {
        p->connected = 1;
        p->notices = 0;
        p->inflight = 0;
        s_win_reset(p);
        p->want_pump = 1;
        gw_log(GW_LOG_INFO, "connected", "party=%s", p->code);
        s_emit(self, &(gw_event_t){.kind = GW_EV_CONNECTED, .party = p->code});
    }
    switch (m->cmd) {
    case GW_CMD_HELLO: {
        char props[128];
        snprintf(props, sizeof(props), "party=%s\nbacklog=%" PRId64 "\nheartbeat=%d\n", p->code,
                 s_backlog(self, p), self->config->heartbeat_ms);
        /* A (re)connected party: what was in flight to it went to a connection that
         * may be gone; send it again first, in order. */
        p->inflight = 0;
        s_win_reset(p);
        p->want_pump = 1;
        char nv[4];
        p->notices = gw_props_get(m->props, m->props_len, "notices", nv, sizeof(nv)) &&
                     strcmp(nv, "1") == 0;
        if (s_tx(self) != GW_OK ||
            gw_store_retry_now(self->store, p->code, gw_wall_ms()) != GW_OK) {
            gw_log(GW_LOG_ERROR, "store_retry_failed", "party=%s error=\"%s\"", p->code,
                   gw_store_last_error(self->store));
        }
        s_reply(self, p->code, GW_CMD_WELCOME, m->id, props, NULL, 0);
        break;
    }
    case GW_CMD_SUBMIT:
        s_submit(self, p, m);
        break;
    case GW_CMD_DACK:
        s_dack(self, p, m);
        break;
    case GW_CMD_HEARTBEAT:
        /* The answer to a challenge (s_pump) is not answered again. */
        if (strncmp(m->id, GW_PROTO_CHALLENGE, strlen(GW_PROTO_CHALLENGE)) != 0) {
            s_reply(self, p->code, GW_CMD_HEARTBEAT, m->id, NULL, NULL, 0);
        }
        break;
    case GW_CMD_BYE:
        p->connected = 0;
        gw_log(GW_LOG_INFO, "disconnected", "party=%s reason=bye", p->code);
        s_emit(self, &(gw_event_t){.kind = GW_EV_DISCONNECTED, .party = p->code, .code = "bye"});
        break;
    default:
        s_error(self, p->code, m->id, "PROTOCOL", "command %s is not accepted from a party",
                gw_cmd_name(m->cmd));
        break;
    }
}

/* ------------------------------------------------------------ delivery ---- */

typedef struct pump {
    gw_broker_t *self;
    party_state_t *p;
    int64_t now;
    int64_t room;   /* new deliveries the in-flight window still allows */
    int64_t sent_ids[512];
    int attempts[512];
    size_t nsent;
    int blocked;
    int64_t unreadable[16]; /* deliveries whose stored payload failed to open: dead-lettered */
    size_t nunreadable;
} pump_t;

static int
s_pump_one(void *arg, const gw_store_delivery_t *d)
{
    pump_t *pu = arg;
    if (d->unreadable) { /* never sent: logged and dead-lettered after the walk */
        gw_log(GW_LOG_ERROR, "payload_unreadable",
               "party=%s delivery=%" PRId64 " msg=%" PRId64 " key=%" PRIu32 " reason=\"%s\"",
               pu->p->code, d->delivery_id, d->msg_id, d->key_id, d->unreadable);
        pu->unreadable[pu->nunreadable++] = d->delivery_id;
        return pu->nunreadable == sizeof(pu->unreadable) / sizeof(pu->unreadable[0]);
    }
    if (d->attempts == 0) {
        if (pu->room <= 0) {
            return 1; /* window full: keep order, wait for DACKs */
        }
        pu->room--;
    }
    char id[32], props[160];
    snprintf(id, sizeof(id), "%" PRId64, d->delivery_id);
    snprintf(props, sizeof(props), "type=%s\nfrom=%s\nmsgid=%" PRId64 "\nattempt=%d\n", d->type,
             d->sender, d->msg_id, d->attempts + 1);
    int rc = gw_proto_send(pu->self->router, pu->p->code, GW_CMD_DELIVER, id, props, d->payload,
                           d->len, ZMQ_DONTWAIT);
    if (rc != GW_OK) {
        if (pu->self->zap && zmq_errno() == EHOSTUNREACH) {
            /* CURVE: its connection is gone; the next one must prove itself (s_authentic)
             * before it gets deliveries, so none go to another holder of its routing id. */
            pu->p->connected = 0;
            pu->p->key[0] = '\0';
        }
        pu->blocked = 1;
        return 1;
    }
    s_emit(pu->self, &(gw_event_t){.kind = GW_EV_SENT, .party = pu->p->code,
                                   .type = gw_msgtype_by_name(d->type), .msg_id = d->msg_id,
                                   .delivery_id = d->delivery_id, .count = d->attempts + 1,
                                   .now_ms = pu->now});
    pu->sent_ids[pu->nsent] = d->delivery_id;
    pu->attempts[pu->nsent] = d->attempts;
    pu->nsent++;
    return pu->nsent >= sizeof(pu->sent_ids) / sizeof(pu->sent_ids[0]);
}

static int64_t
s_backoff(const gw_config_t *c, int attempts)
{
    int64_t b = c->retry_initial_ms;
    for (int i = 0; i < attempts && b < c->retry_max_ms; i++) {
        b *= 2;
    }
    return b < c->retry_max_ms ? b : c->retry_max_ms;
}

/* Record in the store the first sends whose first retry is due (sent before now - limit;
 * with limit 0, all of them): inflight, attempts 1, next attempt when the first send's
 * backoff ends, so the pump re-sends them as the retries they are. */
static void
s_win_mark(gw_broker_t *self, party_state_t *p, int64_t now, int64_t limit)
{
    int64_t backoff = s_backoff(self->config, 0);
    while (p->win_n > 0) {
        sent_mark_t *e = &p->win[p->win_head];
        if (e->id > 0) {
            if (e->sent_ms + limit > now || s_tx(self) != GW_OK) {
                break;
            }
            int rc = gw_store_sent(self->store, e->id, e->sent_ms, e->sent_ms + backoff);
            if (rc != GW_OK && rc != GW_EINVAL) { /* EINVAL: already delivered or dead */
                gw_log(GW_LOG_ERROR, "store_sent_failed", "party=%s error=\"%s\"", p->code,
                       gw_store_last_error(self->store));
                break;
            }
        }
        p->win_head = (p->win_head + 1) % p->win_cap;
        p->win_n--;
    }
}

static void
s_pump(gw_broker_t *self, party_state_t *p, int64_t now)
{
    p->want_pump = 0;
    if (!p->connected) {
        return;
    }
    uint64_t hs = self->zap ? gw_zap_handshakes(self->zap) : 0;
    if (self->zap && p->proven_hs != hs) {
        /* A connection was authenticated since p last spoke: it may hold p's routing id
         * now (gw_zap.h). Deliver once p's next message proves its connection again; ask
         * for one (a conforming client echoes the challenge at once). */
        if (p->challenged_hs != hs) {
            char id[48];
            snprintf(id, sizeof(id), "%s%" PRIu64, GW_PROTO_CHALLENGE, hs);
            if (gw_proto_send(self->router, p->code, GW_CMD_HEARTBEAT, id, NULL, NULL, 0,
                              ZMQ_DONTWAIT) == GW_OK) {
                p->challenged_hs = hs;
            }
        }
        p->want_pump = 1;
        return;
    }
    s_win_mark(self, p, now, s_backoff(self->config, 0));
    int64_t room = (int64_t)self->config->inflight_limit - p->inflight;
    pump_t pu = {.self = self, .p = p, .now = now, .room = room};
    /* Walk up to a bounded number of due deliveries: retries of in-flight ones
     * go out regardless of the window, new ones only while it has room. */
    size_t limit = room > 0 ? (size_t)room + 64 : 64;
    if (limit > 512) {
        limit = 512;
    }
    if (gw_store_due_after(self->store, p->code, p->cursor, now, limit, s_pump_one, &pu) != GW_OK) {
        gw_log(GW_LOG_ERROR, "store_due_failed", "party=%s error=\"%s\"", p->code,
               gw_store_last_error(self->store));
        return;
    }
    for (size_t i = 0; i < pu.nunreadable; i++) {
        if (s_tx(self) == GW_OK && gw_store_dead_letter(self->store, pu.unreadable[i]) == GW_OK) {
            s_emit(self, &(gw_event_t){.kind = GW_EV_DEAD, .party = p->code, .count = 1,
                                       .delivery_id = pu.unreadable[i], .code = "unreadable"});
        }
    }
    if (pu.nsent == 0) {
        return;
    }
    for (size_t i = 0; i < pu.nsent; i++) {
        if (pu.attempts[i] == 0) {
            /* A first send is not written to the store: the row stays pending (sent again
             * after a restart or reconnect, with the same id) and the window remembers it. */
            p->inflight++;
            if (pu.sent_ids[i] > p->cursor) {
                p->cursor = pu.sent_ids[i];
            }
            if (s_win_push(p, pu.sent_ids[i], now) == GW_OK) {
                continue;
            }
            gw_log(GW_LOG_ERROR, "oom", "what=sent_window party=%s", p->code);
        } else {
            self->stats.redelivered++;
        }
        if (s_tx(self) != GW_OK) {
            continue;
        }
        if (gw_store_sent(self->store, pu.sent_ids[i], now,
                          now + s_backoff(self->config, pu.attempts[i])) != GW_OK) {
            gw_log(GW_LOG_ERROR, "store_sent_failed", "party=%s error=\"%s\"", p->code,
                   gw_store_last_error(self->store));
        }
    }
    if (pu.blocked) {
        gw_log(GW_LOG_DEBUG, "recipient_blocked", "party=%s", p->code);
    }
}

/* ------------------------------------------------------------ CURVE ---- */

/* The gateway's key pair: read it, or create it at first start (like an SSH host key:
 * mode 0600, the public half beside it as .pub, logged so the operator can hand it out). */
static int
s_server_key(const gw_config_t *cfg, gw_keypair_t *kp, char *why, size_t whysz)
{
    char *err = NULL;
    struct stat st;
    if (stat(cfg->server_key, &st) != 0 && errno == ENOENT) {
        char *pub = gw_keys_pub_path(cfg->server_key);
        int rc = pub ? gw_keys_new(kp) : GW_ENOMEM;
        if (rc == GW_OK) {
            rc = gw_keys_save(kp, cfg->server_key, pub, "the gateway", &err);
        }
        if (rc == GW_OK) {
            gw_log(GW_LOG_WARN, "server_key_created", "file=%s public_file=%s public_key=%s",
                   cfg->server_key, pub, kp->public_key);
        } else {
            snprintf(why, whysz, "server_key: %.400s",
                     err ? err : rc == GW_ECRYPTO ? "libzmq has no CURVE" : "out of memory");
        }
        gw_free(pub);
        gw_free(err);
        return rc;
    }
    int rc = gw_keys_load(cfg->server_key, kp, 1, &err);
    if (rc != GW_OK) {
        snprintf(why, whysz, "server_key: %.400s", err ? err : "cannot read");
    }
    gw_free(err);
    return rc;
}

/* CURVE on the ROUTER, with the ZAP handler bound first. */
static int
s_curve_start(gw_broker_t *self, char *why, size_t whysz)
{
    gw_keypair_t kp;
    if (s_server_key(self->config, &kp, why, whysz) != GW_OK) {
        return GW_ECONFIG;
    }
    char *err = NULL;
    gw_partykeys_t *ring = gw_partykeys_load(self->config, &err);
    if (!ring) {
        snprintf(why, whysz, "party keys:\n%.460s", err ? err : "?");
        gw_free(err);
        gw_keys_wipe(&kp);
        return GW_ECONFIG;
    }
    size_t nkeys = gw_partykeys_count(ring), keyless = gw_partykeys_keyless(ring);
    self->zap = gw_zap_new(self->zctx, &ring, &err);
    if (!self->zap) {
        snprintf(why, whysz, "%.480s", err ? err : "cannot start the ZAP handler");
        gw_free(err);
        gw_keys_wipe(&kp);
        return GW_EIO;
    }
    self->key_gen = 1;
    int one = 1, hb = self->config->heartbeat_ms, hbt = 3 * hb;
    /* ZMTP heartbeats drop dead connections. ROUTER_HANDOVER stays on (gw_zap.h: why). */
    int rc = zmq_setsockopt(self->router, ZMQ_HEARTBEAT_IVL, &hb, sizeof(hb));
    rc |= zmq_setsockopt(self->router, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof(hbt));
    rc |= zmq_setsockopt(self->router, ZMQ_CURVE_SERVER, &one, sizeof(one));
    rc |= zmq_setsockopt(self->router, ZMQ_CURVE_SECRETKEY, kp.secret_key, GW_KEY_Z85_LEN);
    rc |= zmq_setsockopt(self->router, ZMQ_ZAP_DOMAIN, GW_ZAP_DOMAIN, strlen(GW_ZAP_DOMAIN));
    gw_keys_wipe(&kp);
    if (rc != 0) {
        snprintf(why, whysz, "cannot enable CURVE: %s (libzmq built without libsodium?)",
                 zmq_strerror(zmq_errno()));
        return GW_EIO;
    }
    gw_log(GW_LOG_INFO, "curve", "server_public_key=%s party_keys=%s keys=%zu keyless_parties=%zu",
           kp.public_key, self->config->party_keys, nkeys, keyless);
    return GW_OK;
}

/* A reload's new registry: parties whose verified key is gone lose their connection's
 * standing at once (no deliveries), and their next message is refused (s_authentic). */
static void
s_curve_reload(gw_broker_t *self, gw_partykeys_t **ring_p)
{
    gw_zap_swap(self->zap, ring_p);
    self->key_gen++;
    for (size_t i = 0; i < self->nparties; i++) {
        party_state_t *p = &self->parties[i];
        if (p->key[0] && !gw_zap_allows(self->zap, p->key, p->code)) {
            gw_log(GW_LOG_WARN, "key_revoked", "party=%s key=%s", p->code, p->key);
            p->key[0] = '\0';
            p->connected = 0;
        }
    }
}

static void
s_log_party_refusals(const gw_broker_t *self)
{
    for (size_t i = 0; i < self->nparties; i++) {
        const party_state_t *p = &self->parties[i];
        if (p->forbidden || p->limited) {
            gw_log(GW_LOG_INFO, "party_refusals",
                   "party=%s forbidden=%" PRIu64 " limited=%" PRIu64, p->code, p->forbidden,
                   p->limited);
        }
    }
    if (self->zap) {
        gw_log(GW_LOG_INFO, "auth_stats", "handshakes_refused=%" PRIu64,
               gw_zap_refused(self->zap));
    }
}

/* ------------------------------------------------------------ housekeeping ---- */

/* Encryption at rest: the store key file (re)read at start and at every reload, so a
 * rotated key (ijwctl storekey rotate) seals new payloads from the reload on. */
static int
s_store_keys(gw_broker_t *self, int at_start, char *why, size_t cap)
{
    gw_keyring_t *kr = NULL;
    int created = 0, sealed = 1;
    char *kerr = NULL;
    /* At start, a missing key file is made for a store that holds no sealed payload yet (a
     * new one, or one from before encryption); otherwise it was lost and must be restored.
     * The check reads the store only when the key file is missing. */
    if (!at_start && !self->config->store_key[0]) {
        return GW_OK; /* turning encryption off takes effect at restart: keep reading */
    }
    int may_create = 0;
    if (at_start && self->config->store_key[0] && !gw_keyring_exists(self->config->store_key)) {
        /* Never on a shared PostgreSQL store: every node must read what the others seal,
         * so the key file is made once and given to all (docs/scale-out.md). */
        may_create = !gw_store_is_pg(self->config->store) &&
                     gw_store_has_sealed(self->store, &sealed) == GW_OK && !sealed;
    }
    int rc = gw_keyring_for_store(self->config->store_key, may_create, &kr, &created, &kerr);
    if (rc != GW_OK) {
        if (gw_store_is_pg(self->config->store) && !gw_keyring_exists(self->config->store_key)) {
            snprintf(why, cap,
                     "store_key %.300s does not exist: with a PostgreSQL store every node needs "
                     "the same key file (make it once: ijwctl storekey new FILE)",
                     self->config->store_key);
        } else {
            snprintf(why, cap, "store_key: %.480s", kerr ? kerr : "?");
        }
        gw_free(kerr);
        return rc;
    }
    if (created) {
        gw_log(GW_LOG_WARN, "store_key_created",
               "file=%s note=\"new key file for a new store: back it up\"",
               self->config->store_key);
    }
    if (kr) {
        gw_log(GW_LOG_INFO, "store_key", "file=%s active=%" PRIu32 " keys=%zu",
               self->config->store_key, gw_keyring_active(kr), gw_keyring_count(kr));
    }
    gw_store_set_keys(self->store, &kr);
    return GW_OK;
}

static void
s_reload(gw_broker_t *self)
{
    self->reload_flag = 0;
    if (!self->config->path || strcmp(self->config->path, "<default>") == 0) {
        gw_log(GW_LOG_WARN, "reload_skipped", "reason=\"running on the embedded default config\"");
        return;
    }
    char *err = NULL;
    gw_config_t *next = gw_config_load(self->config->path, &err);
    if (!next) {
        gw_log(GW_LOG_ERROR, "reload_failed", "file=%s keeping=previous", self->config->path);
        if (err) {
            fprintf(stderr, "%s\n", err);
        }
        gw_free(err);
        return;
    }
    /* What the open socket, store and codecs were built with stays until a restart. */
    if (strcmp(next->endpoint, self->config->endpoint) != 0 ||
        strcmp(next->store, self->config->store) != 0 ||
        strcmp(next->node, self->config->node) != 0 ||
        next->max_message_size != self->config->max_message_size ||
        next->store_max_bytes != self->config->store_max_bytes ||
        next->sync_normal != self->config->sync_normal ||
        strcmp(next->http, self->config->http) != 0 || next->curve != self->config->curve ||
        strcmp(next->server_key, self->config->server_key) != 0) {
        gw_log(GW_LOG_WARN, "reload_partial",
               "reason=\"endpoint, store, store_sync, store_max_size, max_message_size, http, "
               "curve and server_key changes take effect at restart\"");
        snprintf(next->endpoint, sizeof(next->endpoint), "%s", self->config->endpoint);
        snprintf(next->store, sizeof(next->store), "%s", self->config->store);
        snprintf(next->node, sizeof(next->node), "%s", self->config->node);
        next->max_message_size = self->config->max_message_size;
        next->store_max_bytes = self->config->store_max_bytes;
        next->sync_normal = self->config->sync_normal;
        snprintf(next->http, sizeof(next->http), "%s", self->config->http);
        next->curve = self->config->curve;
        snprintf(next->server_key, sizeof(next->server_key), "%s", self->config->server_key);
    }
    gw_partykeys_t *ring = NULL;
    if (self->zap) {
        char *kerr = NULL;
        ring = gw_partykeys_load(next, &kerr);
        if (!ring) {
            gw_log(GW_LOG_ERROR, "reload_failed", "file=%s keeping=previous reason=party_keys",
                   self->config->path);
            if (kerr) {
                fprintf(stderr, "%s\n", kerr);
            }
            gw_free(kerr);
            gw_config_destroy(&next);
            return;
        }
    }
    char *ferr = NULL;
    gw_chain_t *chain = s_chain_for(next, &ferr);
    if (!chain) {
        gw_log(GW_LOG_ERROR, "reload_failed", "file=%s keeping=previous reason=filters",
               self->config->path);
        if (ferr) {
            fprintf(stderr, "%s\n", ferr);
        }
        gw_free(ferr);
        gw_partykeys_destroy(&ring);
        gw_config_destroy(&next);
        return;
    }
    if (s_parties_from(self, next) != GW_OK) {
        gw_chain_destroy(&chain);
        gw_partykeys_destroy(&ring);
        gw_config_destroy(&next);
        return;
    }
    s_log_filter_stats(self);
    gw_chain_destroy(&self->chain);
    self->chain = chain;
    gw_config_destroy(&self->config);
    self->config = next;
    self->strip_mask = s_strip_mask(next);
    if (ring) {
        s_curve_reload(self, &ring);
    }
    char kwhy[512];
    if (s_store_keys(self, 0, kwhy, sizeof(kwhy)) != GW_OK) {
        gw_log(GW_LOG_ERROR, "store_key_reload_failed", "keeping=previous error=\"%s\"", kwhy);
    }
    gw_log(GW_LOG_INFO, "reloaded", "file=%s parties=%zu", next->path, next->nparties);
    s_emit(self, &(gw_event_t){.kind = GW_EV_RELOADED});
}

/* Dead letters no longer hold a recipient's in-flight window: recount it from the store
 * (the windows were just written out, so the store has every delivery in flight). */
static void
s_recount(gw_broker_t *self)
{
    for (size_t i = 0; i < self->nparties; i++) {
        party_state_t *p = &self->parties[i];
        int64_t n = 0;
        if (gw_store_inflight(self->store, p->code, &n) != GW_OK) {
            gw_log(GW_LOG_ERROR, "store_inflight_failed", "party=%s error=\"%s\"", p->code,
                   gw_store_last_error(self->store));
            continue;
        }
        p->inflight = n;
        p->want_pump = 1;
    }
}

/* One DEAD event per expired delivery (gw_store_expire_each). */
static void
s_expired(void *arg, int64_t delivery_id)
{
    s_emit(arg, &(gw_event_t){.kind = GW_EV_DEAD, .count = 1, .delivery_id = delivery_id,
                              .code = "expired"});
}

/* TICK, with every party's queue for the metrics (gw_events.h). */
static void
s_emit_tick(gw_broker_t *self, int64_t now)
{
    gw_event_queue_t *q = self->nsinks ? gw_calloc(self->nparties + 1, sizeof(*q)) : NULL;
    for (size_t i = 0; q && i < self->nparties; i++) {
        party_state_t *p = &self->parties[i];
        q[i] = (gw_event_queue_t){.party = p->code, .backlog = s_backlog(self, p),
                                  .inflight = p->inflight, .connected = p->connected};
    }
    s_emit(self, &(gw_event_t){.kind = GW_EV_TICK, .now_ms = now, .queues = q,
                               .nqueues = q ? self->nparties : 0});
    gw_free(q);
}

/* Another node (or this one) committed a delivery for party: pump it if it is here. The
 * backlog estimate is left alone: it is recounted with the expiry (EXPIRE_EVERY_MS). */
static void
s_woken(void *arg, const char *party)
{
    gw_broker_t *self = arg;
    party_state_t *p = s_party(self, party);
    if (p && p->connected) {
        p->want_pump = 1;
    }
}

static void
s_store_poll(gw_broker_t *self, int64_t now)
{
    if (gw_store_poll(self->store, now, s_woken, self) != GW_OK) {
        gw_log(GW_LOG_WARN, "store_poll_failed", "error=\"%s\"", gw_store_last_error(self->store));
    }
}

static void
s_housekeeping(gw_broker_t *self, int64_t now)
{
    s_store_poll(self, now);
    gw_chain_tick(self->chain, now);
    s_emit_tick(self, now);
    if (self->reload_flag) {
        const gw_config_t *before = self->config;
        gw_notify_reloading(self->notify);
        s_reload(self);
        gw_notify_ready(self->notify, self->config != before
                                          ? "running; configuration reloaded"
                                          : "running; reload not applied, previous config kept");
    }
    gw_notify_watchdog(self->notify); /* the loop turns: it is healthy */
    int64_t dead_after = 3 * (int64_t)self->config->heartbeat_ms;
    for (size_t i = 0; i < self->nparties; i++) {
        party_state_t *p = &self->parties[i];
        if (p->connected && now - p->last_seen_ms > dead_after) {
            p->connected = 0;
            gw_log(GW_LOG_INFO, "disconnected", "party=%s reason=silent", p->code);
            s_emit(self,
                   &(gw_event_t){.kind = GW_EV_DISCONNECTED, .party = p->code, .code = "silent"});
        }
        if (p->connected) {
            p->want_pump = 1; /* retries may have come due */
        }
    }
    if (now >= self->next_expire_ms) {
        int64_t every = self->config->delivery_timeout_ms / 2;
        self->next_expire_ms = now + (every < EXPIRE_EVERY_MS ? every : EXPIRE_EVERY_MS);
        size_t moved = 0;
        /* First sends in the windows become inflight rows, so the expiry and the recount
         * below see them; the cursors restart at 0, so pending rows behind them that
         * ijwctl requeued are sent now (nothing already sent is pending any more). */
        for (size_t i = 0; i < self->nparties; i++) {
            party_state_t *p = &self->parties[i];
            s_win_mark(self, p, now, 0);
            if (p->win_n == 0) {
                p->cursor = 0;
            }
        }
        if (s_tx(self) == GW_OK &&
            gw_store_expire_each(self->store, now, self->config->delivery_timeout_ms, s_expired,
                                 self, &moved) == GW_OK &&
            moved > 0) {
            gw_log(GW_LOG_WARN, "dead_lettered", "count=%zu", moved);
            s_recount(self);
        }
        /* The in-memory backlog counts are estimates (a repeated DACK, a requeue by
         * ijwctl): recount them from the store now and then. */
        for (size_t i = 0; i < self->nparties; i++) {
            self->parties[i].backlog = -1;
        }
    }
}

/* ------------------------------------------------------------ the API ---- */

gw_broker_t *
gw_broker_new(gw_config_t **config_p, char **err)
{
    gw_config_t *cfg = *config_p;
    *config_p = NULL;
    char why[512] = "out of memory";
    gw_broker_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        goto fail;
    }
    self->config = cfg;
    cfg = NULL;
    self->diag = gw_diag_new();
    if (!self->diag || s_parties_from(self, self->config) != GW_OK) {
        goto fail;
    }
    char *ferr = NULL;
    self->chain = s_chain_for(self->config, &ferr);
    if (!self->chain) {
        snprintf(why, sizeof(why), "filters:\n%.480s", ferr ? ferr : "?");
        gw_free(ferr);
        goto fail;
    }
    gw_codec_opts_t co = {.max_size = self->config->max_message_size};
    char *cerr = NULL;
    self->codec = gw_codec_new(&co, &cerr);
    if (!self->codec) {
        snprintf(why, sizeof(why), "codec: %.400s", cerr ? cerr : "?");
        gw_free(cerr);
        goto fail;
    }
    gw_diag_reset(self->diag);
    if (gw_codec_preload(self->codec, self->diag) != GW_OK) {
        snprintf(why, sizeof(why), "schemas: %.400s",
                 gw_diag_count(self->diag) ? gw_diag_at(self->diag, 0)->text : "cannot compile");
        goto fail;
    }
    gw_store_opts_t so = {.sync_normal = self->config->sync_normal,
                          .max_bytes = self->config->store_max_bytes,
                          .node = self->config->node};
    char *serr = NULL;
    /* A SQLite store has one gateway; a PostgreSQL one is shared by the nodes. */
    self->lock =
        gw_store_is_pg(self->config->store) ? NULL : gw_lock_take(self->config->store, &serr);
    if (!self->lock && !gw_store_is_pg(self->config->store)) {
        snprintf(why, sizeof(why), "%.500s", serr ? serr : "?");
        gw_free(serr);
        goto fail;
    }
    self->store = gw_store_open(self->config->store, &so, &serr);
    if (!self->store) {
        char shown[320];
        snprintf(why, sizeof(why), "store %.300s: %.180s",
                 gw_store_display(self->config->store, shown, sizeof(shown)), serr ? serr : "?");
        gw_free(serr);
        goto fail;
    }
    if (s_store_keys(self, 1, why, sizeof(why)) != GW_OK) {
        goto fail;
    }
    char *kerr = NULL;
    if (gw_sinks_create(self->config, gw_store_db(self->store), self->sinks, &self->nsinks,
                        &kerr) != GW_OK) {
        snprintf(why, sizeof(why), "%.480s", kerr ? kerr : "cannot create the observers");
        gw_free(kerr);
        goto fail;
    }
    self->zctx = zmq_ctx_new();
    if (!self->zctx) {
        goto fail;
    }
    self->router = zmq_socket(self->zctx, ZMQ_ROUTER);
    if (!self->router) {
        goto fail;
    }
    int one = 1, zero = 0, hwm = 100000;
    zmq_setsockopt(self->router, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
    zmq_setsockopt(self->router, ZMQ_ROUTER_HANDOVER, &one, sizeof(one));
    zmq_setsockopt(self->router, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(self->router, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(self->router, ZMQ_RCVHWM, &hwm, sizeof(hwm));
    /* A frame far past max_message_size is cut by libzmq (the connection drops) before it
     * is buffered whole; up to twice the limit still gets gw_proto_recv's SIZE error. */
    int64_t maxmsg = (int64_t)self->config->max_message_size * 2 + 65536;
    zmq_setsockopt(self->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
    if (self->config->curve && s_curve_start(self, why, sizeof(why)) != GW_OK) {
        goto fail;
    }
    if (zmq_bind(self->router, self->config->endpoint) != 0) {
        snprintf(why, sizeof(why), "cannot bind %.250s: %.200s", self->config->endpoint,
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    char *werr = NULL;
    self->worker = gw_worker_new(self->zctx, self->config->max_message_size, &werr);
    if (!self->worker) {
        snprintf(why, sizeof(why), "%.400s", werr ? werr : "cannot start the check worker");
        gw_free(werr);
        goto fail;
    }
    self->strip_mask = s_strip_mask(self->config);
    size_t elen = sizeof(self->endpoint);
    if (zmq_getsockopt(self->router, ZMQ_LAST_ENDPOINT, self->endpoint, &elen) != 0) {
        snprintf(self->endpoint, sizeof(self->endpoint), "%s", self->config->endpoint);
    }
    return self;
fail:
    if (err) {
        *err = gw_strdup(why);
    }
    gw_config_destroy(&cfg);
    gw_broker_destroy(&self);
    return NULL;
}

void
gw_broker_destroy(gw_broker_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_broker_t *self = *self_p;
    if (self->in_tx && self->store) {
        if (s_commit(self) != GW_OK) {
            gw_log(GW_LOG_ERROR, "final_commit_failed", "%s", "");
        }
    }
    for (size_t i = 0; i < self->nreplies; i++) {
        gw_free(self->replies[i].body);
    }
    gw_free(self->replies);
    for (size_t i = 0; i < self->nparties; i++) {
        gw_free(self->parties[i].win);
    }
    gw_worker_destroy(&self->worker);
    /* Filters and sinks may hold statements on the store's connection: before it closes. */
    gw_chain_destroy(&self->chain);
    gw_sinks_destroy(self->sinks, &self->nsinks);
    if (self->router) {
        zmq_close(self->router);
    }
    gw_zap_destroy(&self->zap);
    if (self->zctx) {
        zmq_ctx_term(self->zctx);
    }
    gw_store_close(&self->store);
    gw_lock_release(&self->lock);
    gw_notify_destroy(&self->notify);
    gw_codec_destroy(&self->codec);
    gw_diag_destroy(&self->diag);
    gw_free(self->parties);
    gw_config_destroy(&self->config);
    gw_free(self);
    *self_p = NULL;
}

const char *
gw_broker_endpoint(const gw_broker_t *self)
{
    return self->endpoint;
}

void
gw_broker_stop(gw_broker_t *self)
{
    self->stop_flag = 1;
}

void
gw_broker_reload(gw_broker_t *self)
{
    self->reload_flag = 1;
}

int
gw_broker_run(gw_broker_t *self)
{
    char shown[1100];
    gw_log(GW_LOG_INFO, "ready", "endpoint=%s store=%s parties=%zu", self->endpoint,
           gw_store_display(self->config->store, shown, sizeof(shown)), self->nparties);
    /* Bound and the store open (gw_broker_new): tell the service manager. */
    self->notify = gw_notify_new();
    char what[400];
    snprintf(what, sizeof(what), "accepting on %.300s, %zu parties", self->endpoint,
             self->nparties);
    gw_notify_ready(self->notify, what);
    gw_notify_watchdog(self->notify);
    int64_t next_tick = gw_wall_ms();
    int status = GW_OK;
    while (!self->stop_flag) {
        int64_t now = gw_wall_ms();
        long timeout = next_tick > now ? (long)(next_tick - now) : 0;
        /* items[2]: another node stored a delivery (PostgreSQL LISTEN; docs/scale-out.md). */
        int wake_fd = gw_store_wake_fd(self->store);
        zmq_pollitem_t items[3] = {
            {self->router, 0, ZMQ_POLLIN, 0},
            {gw_worker_socket(self->worker), 0, ZMQ_POLLIN, 0},
            {NULL, wake_fd, ZMQ_POLLIN, 0},
        };
        int n = zmq_poll(items, wake_fd >= 0 ? 3 : 2, timeout);
        if (n < 0) {
            if (zmq_errno() == EINTR) {
                continue;
            }
            gw_log(GW_LOG_ERROR, "poll_failed", "error=\"%s\"", zmq_strerror(zmq_errno()));
            status = GW_EIO;
            break;
        }
        if (wake_fd >= 0 && (items[2].revents & ZMQ_POLLIN)) {
            s_store_poll(self, gw_wall_ms());
        }
        for (int i = 0; i < BATCH; i++) {
            gw_proto_msg_t m;
            memset(&m, 0, sizeof(m));
            int rc = gw_proto_recv(self->router, 1, self->config->max_message_size, &m,
                                   ZMQ_DONTWAIT);
            if (rc == GW_EAGAIN) {
                break;
            }
            if (rc == GW_EPARSE) {
                /* CURVE: the identity check comes first here too, or a connection holding
                 * another party's code gets a PROTOCOL error booked as that party's. */
                if (m.peer[0] && (!self->zap || s_authentic(self, s_party(self, m.peer), &m))) {
                    s_error(self, m.peer, m.id, m.error ? m.error : "PROTOCOL", "%s",
                            m.reason ? m.reason
                                     : "malformed protocol message (see docs/protocol.md)");
                }
                gw_proto_msg_clear(&m);
                continue;
            }
            if (rc != GW_OK) {
                gw_log(GW_LOG_ERROR, "recv_failed", "error=\"%s\"", zmq_strerror(zmq_errno()));
                break;
            }
            s_handle(self, &m);
            gw_proto_msg_clear(&m);
        }
        /* Checked messages back from the worker: route and store them in this batch. */
        for (int i = 0; i < BATCH; i++) {
            gw_worker_result_t r;
            int rc = gw_worker_result(self->worker, &r, ZMQ_DONTWAIT);
            if (rc != GW_OK) {
                if (rc != GW_EAGAIN) {
                    gw_log(GW_LOG_ERROR, "worker_recv_failed", "%s", "");
                }
                break;
            }
            s_checked(self, &r);
            gw_worker_result_clear(&r);
        }
        if (s_commit(self) != GW_OK) {
            s_fail_acks(self, "the message could not be stored durably; please resend");
        }
        /* ACKs only now: what they acknowledge is on disk. */
        s_flush_replies(self, 1);
        now = gw_wall_ms();
        if (now >= next_tick) {
            s_housekeeping(self, now);
            next_tick = now + TICK_MS;
        }
        /* Deliveries only of committed messages: a delivery id a recipient has seen
         * must never be rolled back and reused for another message. */
        for (size_t i = 0; i < self->nparties; i++) {
            if (self->parties[i].want_pump) {
                s_pump(self, &self->parties[i], now);
            }
        }
        if (s_commit(self) != GW_OK) {
            gw_log(GW_LOG_ERROR, "store_commit_failed", "phase=delivery");
        }
        s_flush_replies(self, 1);
    }
    gw_notify_stopping(self->notify, status == GW_OK ? "stopping" : "stopping after an error");
    if (s_commit(self) != GW_OK) {
        status = GW_EIO;
    }
    s_log_filter_stats(self);
    s_log_party_refusals(self);
    gw_log(GW_LOG_INFO, "stopped",
           "submitted=%" PRIu64 " accepted=%" PRIu64 " rejected=%" PRIu64 " errors=%" PRIu64
           " duplicates=%" PRIu64 " delivered=%" PRIu64 " redelivered=%" PRIu64,
           self->stats.submitted, self->stats.accepted, self->stats.rejected, self->stats.errors,
           self->stats.duplicates, self->stats.delivered, self->stats.redelivered);
    return status;
}
