/*
 * The audit sink: turns broker events (gw_events.h) into audit log entries
 * (gw_audit.h). Entries wait in memory until the batch's transaction is decided:
 * COMMITTED writes them (one append per batch, per 512 entries of a large one), before
 * the batch's ACKs go out, so a kill -9 loses no audit entry of an acknowledged message;
 * fdatasync follows at the next TICK (~200 ms: a power failure may lose that much of the
 * log, never the messages, whose store syncs at every commit); ABORTED drops those
 * of events that happen in the transaction (ACCEPTED, DUPLICATE, DELIVERED, DEAD)
 * and writes the others; TICK, which the broker emits with no transaction open,
 * writes what events outside a batch left. No payload and no BSN is ever written:
 * a message with one client carries client=HMAC-SHA-256(mac secret, Bsn).
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/log.h"

#include "gw_audit.h"
#include "gw_crypt.h"
#include "gw_events.h"

#define S_PENDING_MAX (1 << 20) /* entries kept in memory: a batch, or while the file fails */
#define S_CHUNK       512       /* entries per write + fdatasync (an expiry may move many) */

typedef struct s_entry {
    char *body; /* heap */
    int in_tx;  /* happened inside the store transaction */
} s_entry_t;

typedef struct s_audit {
    gw_audit_t *log;
    int has_mac;               /* mac is set */
    uint8_t mac[GW_KEY_BYTES]; /* client-reference secret */
    s_entry_t *pending;
    size_t n, cap;
    int64_t lost; /* entries dropped after S_PENDING_MAX */
} s_audit_t;

int gw_audit_sink_create(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err);

static void
s_push(s_audit_t *self, const char *body, int in_tx)
{
    if (self->n == self->cap) {
        size_t ncap = self->cap ? self->cap * 2 : 64;
        s_entry_t *p = ncap <= S_PENDING_MAX ? gw_realloc(self->pending, ncap * sizeof(*p)) : NULL;
        if (!p) {
            self->lost++;
            gw_log(GW_LOG_ERROR, "audit_entry_lost", "lost=%" PRId64, self->lost);
            return;
        }
        self->pending = p;
        self->cap = ncap;
    }
    char *b = gw_strdup(body);
    if (!b) {
        self->lost++;
        gw_log(GW_LOG_ERROR, "audit_entry_lost", "lost=%" PRId64, self->lost);
        return;
    }
    self->pending[self->n].body = b;
    self->pending[self->n].in_tx = in_tx;
    self->n++;
}

/* Write the pending entries; those that fail stay for the next flush. */
static void
s_flush(s_audit_t *self)
{
    if (self->n == 0) {
        return;
    }
    const char **bodies = gw_malloc(self->n * sizeof(*bodies));
    if (!bodies) {
        gw_log(GW_LOG_ERROR, "audit_write_failed", "error=\"out of memory\" pending=%zu", self->n);
        return;
    }
    for (size_t i = 0; i < self->n; i++) {
        bodies[i] = self->pending[i].body;
    }
    char *err = NULL;
    size_t done = 0;
    int rc = GW_OK;
    while (done < self->n && rc == GW_OK) {
        size_t k = self->n - done < S_CHUNK ? self->n - done : S_CHUNK;
        rc = gw_audit_append(self->log, bodies + done, k, &err);
        done += rc == GW_OK ? k : 0;
    }
    gw_free(bodies);
    for (size_t i = 0; i < done; i++) {
        gw_free(self->pending[i].body);
    }
    memmove(self->pending, self->pending + done, (self->n - done) * sizeof(*self->pending));
    self->n -= done;
    if (rc != GW_OK) {
        gw_log(GW_LOG_ERROR, "audit_write_failed", "error=\"%s\" pending=%zu", err ? err : "?",
               self->n);
        gw_free(err);
    }
}

/* ABORTED: what happened in the transaction did not happen. */
static void
s_drop_tx(s_audit_t *self)
{
    size_t k = 0;
    for (size_t i = 0; i < self->n; i++) {
        if (self->pending[i].in_tx) {
            gw_free(self->pending[i].body);
        } else {
            self->pending[k++] = self->pending[i];
        }
    }
    self->n = k;
}

static void
s_add_id(char *b, size_t cap, const char *key, int64_t v)
{
    if (v > 0) {
        char num[24];
        snprintf(num, sizeof(num), "%" PRId64, v);
        gw_audit_body_add(b, cap, key, num);
    }
}

/* client=HMAC of the Bsn, for a message about exactly one client (301..318). */
static void
s_add_client(s_audit_t *self, char *b, size_t cap, const gw_msg_t *msg)
{
    if (!self->has_mac || !msg || !msg->bericht || !msg->bericht->Client ||
        !msg->bericht->Client->Bsn) {
        return;
    }
    char ref[65];
    if (gw_audit_client_ref(self->mac, msg->bericht->Client->Bsn, ref) == GW_OK) {
        gw_audit_body_add(b, cap, "client", ref);
    }
}

/* The appends of the last tick to disk (gw_audit_defer_sync). */
static void
s_sync(s_audit_t *self)
{
    char *err = NULL;
    if (gw_audit_sync(self->log, &err) != GW_OK) {
        gw_log(GW_LOG_ERROR, "audit_sync_failed", "error=\"%s\"", err ? err : "?");
        gw_free(err);
    }
}

/* Log rotation (deploy/logrotate/ijwgw): the file was renamed and a reload asked for. The
 * entries so far go to the old file; a new file starts a new chain whose first entry names
 * the end of the old one (ijwctl audit verify OLD NEW checks the link). */
static void
s_reopen_if_rotated(s_audit_t *self, int64_t now_ms)
{
    if (!gw_audit_rotated(self->log)) {
        return;
    }
    s_flush(self);
    int64_t seq = gw_audit_seq(self->log);
    char head[65];
    snprintf(head, sizeof(head), "%s", gw_audit_head(self->log));
    char *err = NULL;
    gw_audit_t *next = gw_audit_open(gw_audit_path(self->log), &err);
    if (!next) {
        gw_log(GW_LOG_ERROR, "audit_reopen_failed", "keeping=previous error=\"%s\"",
               err ? err : "?");
        gw_free(err);
        return;
    }
    gw_audit_close(&self->log);
    self->log = next;
    gw_audit_defer_sync(self->log, 1);
    gw_log(GW_LOG_INFO, "audit_reopened", "file=%s seq=%" PRId64, gw_audit_path(next),
           gw_audit_seq(next));
    if (gw_audit_seq(next) == 0) {
        char b[GW_AUDIT_BODY_MAX], num[24];
        gw_audit_body_start(b, sizeof(b), now_ms, "log_rotated");
        snprintf(num, sizeof(num), "%" PRId64, seq);
        gw_audit_body_add(b, sizeof(b), "prev_seq", num);
        gw_audit_body_add(b, sizeof(b), "prev_hash", head);
        s_push(self, b, 0);
    }
}

static void
s_on_event(void *state, const gw_event_t *ev)
{
    s_audit_t *self = state;
    char b[GW_AUDIT_BODY_MAX];
    const char *name = NULL;
    int in_tx = 0;
    switch (ev->kind) {
    case GW_EV_ACCEPTED:
        name = "accepted";
        in_tx = 1;
        break;
    case GW_EV_DUPLICATE:
        name = "duplicate";
        in_tx = 1;
        break;
    case GW_EV_REJECTED:
        name = "rejected";
        break;
    case GW_EV_REFUSED:
        name = "refused";
        break;
    case GW_EV_DELIVERED:
        name = "delivered";
        in_tx = 1;
        break;
    case GW_EV_DEAD:
        name = "dead";
        in_tx = 1;
        break;
    case GW_EV_RELOADED:
        s_reopen_if_rotated(self, ev->now_ms);
        name = "config_reloaded";
        break;
    case GW_EV_COMMITTED:
        s_flush(self);
        return;
    case GW_EV_TICK:
        s_flush(self);
        s_sync(self);
        return;
    case GW_EV_ABORTED:
        s_drop_tx(self);
        s_flush(self);
        return;
    default:
        return; /* SENT, CONNECTED, DISCONNECTED: not audited */
    }
    gw_audit_body_start(b, sizeof(b), ev->now_ms, name);
    gw_audit_body_add(b, sizeof(b), "party", ev->party);
    gw_audit_body_add(b, sizeof(b), "to", ev->recipient);
    gw_audit_body_add(b, sizeof(b), "type", ev->type ? ev->type->name : NULL);
    s_add_id(b, sizeof(b), "msg", ev->msg_id);
    s_add_id(b, sizeof(b), "delivery", ev->delivery_id);
    s_add_id(b, sizeof(b), "answers", ev->answers);
    gw_audit_body_add(b, sizeof(b), ev->kind == GW_EV_DEAD ? "reason" : "code", ev->code);
    gw_audit_body_add(b, sizeof(b), "afzender", ev->afzender);
    gw_audit_body_add(b, sizeof(b), "ident", ev->ident);
    gw_audit_body_add(b, sizeof(b), "dagtekening", ev->dagtekening);
    gw_audit_body_add(b, sizeof(b), "corr", ev->corr_id);
    if (ev->kind == GW_EV_ACCEPTED || ev->kind == GW_EV_REJECTED) {
        s_add_client(self, b, sizeof(b), ev->msg);
    }
    s_push(self, b, in_tx);
}

static void
s_log_head(const s_audit_t *self, const char *when)
{
    gw_log(GW_LOG_INFO, "audit_head", "at=%s seq=%" PRId64 " hash=%s", when,
           gw_audit_seq(self->log), gw_audit_head(self->log));
}

static void
s_destroy(void *state)
{
    s_audit_t *self = state;
    if (!self) {
        return;
    }
    if (self->log) {
        s_drop_tx(self); /* an open transaction at shutdown is rolled back */
        char b[GW_AUDIT_BODY_MAX];
        gw_audit_body_start(b, sizeof(b), gw_wall_ms(), "gateway_stop");
        s_push(self, b, 0);
        s_flush(self);
        s_log_head(self, "stop");
    }
    for (size_t i = 0; i < self->n; i++) {
        gw_free(self->pending[i].body);
    }
    gw_free(self->pending);
    gw_audit_close(&self->log);
    gw_cleanse(self->mac, sizeof(self->mac));
    gw_free(self);
}

/* The client-reference secret: audit_key's mac line, else store_key's; none = no refs. */
static int
s_load_mac(s_audit_t *self, const gw_config_t *cfg, char **err)
{
    const char *path = cfg->audit_key[0] ? cfg->audit_key : cfg->store_key;
    if (!path[0]) {
        return GW_OK;
    }
    gw_keyring_t *kr = gw_keyring_load(path, err);
    if (!kr) {
        return GW_ECONFIG;
    }
    const uint8_t *mac = gw_keyring_mac(kr);
    if (mac) {
        memcpy(self->mac, mac, sizeof(self->mac));
        self->has_mac = 1;
    } else if (cfg->audit_key[0]) {
        gw_free(*err);
        *err = gw_strdup("audit_key: the key file has no 'mac' line");
        gw_keyring_destroy(&kr);
        return GW_ECONFIG;
    }
    gw_keyring_destroy(&kr);
    return GW_OK;
}

int
gw_audit_sink_create(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err)
{
    (void)db;
    if (!cfg->audit_log[0]) {
        return GW_OK;
    }
    s_audit_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        *err = gw_strdup("out of memory");
        return GW_ENOMEM;
    }
    char *why = NULL;
    int rc = s_load_mac(self, cfg, &why);
    if (rc == GW_OK) {
        self->log = gw_audit_open(cfg->audit_log, &why);
        rc = self->log ? GW_OK : GW_ECONFIG;
    }
    if (rc != GW_OK) {
        size_t n = strlen(why ? why : "?") + 32;
        *err = gw_malloc(n);
        if (*err) {
            snprintf(*err, n, "audit_log: %s", why ? why : "?");
        }
        gw_free(why);
        s_destroy(self);
        return rc;
    }
    s_log_head(self, "start");
    gw_audit_defer_sync(self->log, 1);
    char b[GW_AUDIT_BODY_MAX];
    gw_audit_body_start(b, sizeof(b), gw_wall_ms(), "gateway_start");
    gw_audit_body_add(b, sizeof(b), "config", cfg->path);
    gw_audit_body_add(b, sizeof(b), "store_key", cfg->store_key[0] ? "on" : "off");
    s_push(self, b, 0);
    s_flush(self);
    sink->name = "audit";
    sink->state = self;
    sink->on_event = s_on_event;
    sink->destroy = s_destroy;
    return GW_OK;
}
