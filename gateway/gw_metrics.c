/*
 * The metrics collector (gw_metrics.h). The live counters are a snapshot_t
 * owned by the broker thread; publishing copies it whole into a new snapshot
 * that readers copy again under the mutex before rendering, so no pointer
 * into live state ever leaves the broker thread.
 *
 * Label sets are bounded: parties and types come from the config and the
 * codec (unregistered peers count as party "(unregistered)"), rule ids and
 * refusal codes are capped (the rest count as "(other)").
 */
#include "gw_metrics.h"

#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/codec.h"
#include "gw/log.h"

#include "gw_acl.h"
#include "gw_chain.h"
#include "gw_overdue.h"

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

#define MAX_KEYS    256 /* distinct rule ids / refusal codes kept; more count as "(other)" */
#define MAX_FILTERS 64  /* distinct filter names */
#define NO_PARTY    "(unregistered)"
#define NO_TYPE     "(none)"
#define OTHER       "(other)"

enum { IN_ACCEPTED, IN_DUPLICATE, IN_REJECTED, IN_REFUSED, IN_N };
enum { OUT_SENT, OUT_REDELIVERED, OUT_DELIVERED, OUT_N };
static const char *const s_in_names[IN_N] = {"accepted", "duplicate", "rejected", "refused"};
static const char *const s_out_names[OUT_N] = {"sent", "redelivered", "delivered"};

/* Histogram bounds in seconds: receipt -> ACK (ms range) and accept -> DACK (up to days). */
#define ACK_NB 14
static const double s_ack_le[ACK_NB] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define DLV_NB 15
static const double s_dlv_le[DLV_NB] = {0.01, 0.05, 0.1, 0.5,  1,     5,     10,    30,
                                        60,   300,  900, 3600, 14400, 86400, 259200};

typedef struct hist {
    uint64_t bucket[16]; /* non-cumulative counts per bound; [nb] = above the last bound */
    uint64_t count;
    double sum; /* seconds */
} hist_t;

typedef struct m_party {
    char code[65];
    char name[128];
    int kind; /* gw_party_kind_t, 0 for the unregistered row */
    int connected;
    int64_t backlog;  /* undelivered */
    int64_t inflight; /* sent, awaiting DACK */
} m_party_t;

typedef struct m_key {
    char key[40];
    uint64_t n;
} m_key_t;

typedef struct m_filter {
    char name[33];
    uint64_t base[4]; /* of chains replaced by a reload */
    uint64_t cur[4];  /* of the current chain: passed, rejected, warned, errors */
} m_filter_t;

/* Everything a page or a scrape shows. Dense [party][type] arrays: row nparties is
 * the unregistered peers, column ntypes is "no type". */
typedef struct snapshot {
    int64_t now_ms, started_ms;
    size_t np, nt;      /* parties + 1, types + 1 */
    m_party_t *parties; /* np, sorted by code (the unregistered row last) */
    uint64_t *in;       /* np * nt * IN_N */
    uint64_t *out;      /* np * nt * OUT_N */
    int64_t *dead;      /* np * nt: dead letters now in the store (gauge) */
    m_key_t rules[MAX_KEYS];
    size_t nrules;
    uint64_t rules_other;
    m_key_t codes[MAX_KEYS];
    size_t ncodes;
    uint64_t codes_other;
    m_filter_t filters[MAX_FILTERS];
    size_t nfilters;
    hist_t ack, dlv;
    uint64_t dead_lettered, connects, disconnects, aborted;
    int64_t store_db, store_wal;
    gw_overdue_t overdue;
} snapshot_t;

/* A counter change inside the open store transaction, applied at COMMITTED. */
typedef struct staged {
    gw_event_kind_t kind;
    size_t p, t;         /* party and type index */
    double latency_s;    /* DACK latency; < 0 = none */
    int64_t received_us; /* ACCEPTED, DUPLICATE: receipt (monotonic); 0 = unknown */
    int64_t count;       /* DEAD */
} staged_t;

struct gw_metrics {
    snapshot_t live;       /* broker thread only */
    void *db;              /* store connection (borrowed) */
    sqlite3_stmt *st_dlv;  /* type and creation of a delivery */
    sqlite3_stmt *st_dead; /* dead letters per recipient and type */
    staged_t *staged;      /* this transaction's counter changes */
    size_t nstaged, capstaged;
    int dirty;     /* live changed since the last publish */
    int want_dead; /* recount dead letters at the next tick */
    int64_t last_publish_ms, last_slow_ms, last_dead_ms;
    pthread_mutex_t mu; /* guards pub */
    snapshot_t *pub;    /* latest published copy (heap) */
};

/* ------------------------------------------------------------ snapshots ---- */

static void
s_snap_free_arrays(snapshot_t *s)
{
    gw_free(s->parties);
    s->parties = NULL;
    gw_free(s->in);
    s->in = NULL;
    gw_free(s->out);
    s->out = NULL;
    gw_free(s->dead);
    s->dead = NULL;
}

static void
s_snap_destroy(snapshot_t **s_p)
{
    if (*s_p) {
        s_snap_free_arrays(*s_p);
        gw_free(*s_p);
        *s_p = NULL;
    }
}

/* Allocate the dense arrays for np parties and nt types (zeroed). */
static int
s_snap_alloc(snapshot_t *s, size_t np, size_t nt)
{
    s->np = np;
    s->nt = nt;
    s->parties = gw_calloc(np, sizeof(*s->parties));
    s->in = gw_calloc(np * nt * IN_N, sizeof(*s->in));
    s->out = gw_calloc(np * nt * OUT_N, sizeof(*s->out));
    s->dead = gw_calloc(np * nt, sizeof(*s->dead));
    if (!s->parties || !s->in || !s->out || !s->dead) {
        s_snap_free_arrays(s);
        return GW_ENOMEM;
    }
    return GW_OK;
}

static snapshot_t *
s_snap_dup(const snapshot_t *src)
{
    snapshot_t *s = gw_malloc(sizeof(*s));
    if (!s) {
        return NULL;
    }
    *s = *src;
    s->parties = NULL;
    s->in = NULL;
    s->out = NULL;
    s->dead = NULL;
    if (s_snap_alloc(s, src->np, src->nt) != GW_OK) {
        gw_free(s);
        return NULL;
    }
    memcpy(s->parties, src->parties, src->np * sizeof(*s->parties));
    memcpy(s->in, src->in, src->np * src->nt * IN_N * sizeof(*s->in));
    memcpy(s->out, src->out, src->np * src->nt * OUT_N * sizeof(*s->out));
    memcpy(s->dead, src->dead, src->np * src->nt * sizeof(*s->dead));
    return s;
}

static int
s_cmp_party(const void *a, const void *b)
{
    return strcmp(((const m_party_t *)a)->code, ((const m_party_t *)b)->code);
}

/* Index of a party code (bsearch over the sorted registered rows), or the unregistered row. */
static size_t
s_party_ix(const snapshot_t *s, const char *code)
{
    if (code && s->np > 1) {
        m_party_t key;
        snprintf(key.code, sizeof(key.code), "%s", code);
        const m_party_t *hit = bsearch(&key, s->parties, s->np - 1, sizeof(key), s_cmp_party);
        if (hit) {
            return (size_t)(hit - s->parties);
        }
    }
    return s->np - 1;
}

static size_t
s_type_ix(const snapshot_t *s, const gw_msgtype_t *t)
{
    for (size_t i = 0; t && i + 1 < s->nt; i++) {
        if (gw_msgtype_at(i) == t) {
            return i;
        }
    }
    return s->nt - 1;
}

/* Build the party rows of cfg into fresh arrays, carrying over the counters of parties
 * (and of the unregistered row) that were there before. */
static int
s_snap_parties(snapshot_t *s, const gw_config_t *cfg)
{
    snapshot_t n = *s;
    if (s_snap_alloc(&n, cfg->nparties + 1, gw_msgtype_count() + 1) != GW_OK) {
        return GW_ENOMEM;
    }
    for (size_t i = 0; i < cfg->nparties; i++) {
        snprintf(n.parties[i].code, sizeof(n.parties[i].code), "%s", cfg->parties[i].code);
        snprintf(n.parties[i].name, sizeof(n.parties[i].name), "%s", cfg->parties[i].name);
        n.parties[i].kind = (int)cfg->parties[i].kind;
    }
    qsort(n.parties, cfg->nparties, sizeof(*n.parties), s_cmp_party);
    snprintf(n.parties[n.np - 1].code, sizeof(n.parties[0].code), "%s", NO_PARTY);
    for (size_t i = 0; s->parties && i < n.np; i++) {
        size_t old = i + 1 == n.np ? s->np - 1 : s_party_ix(s, n.parties[i].code);
        if (i + 1 < n.np && old == s->np - 1) {
            continue; /* a new party */
        }
        n.parties[i].connected = s->parties[old].connected;
        n.parties[i].backlog = s->parties[old].backlog;
        n.parties[i].inflight = s->parties[old].inflight;
        memcpy(&n.in[i * n.nt * IN_N], &s->in[old * s->nt * IN_N], n.nt * IN_N * sizeof(*n.in));
        memcpy(&n.out[i * n.nt * OUT_N], &s->out[old * s->nt * OUT_N],
               n.nt * OUT_N * sizeof(*n.out));
        memcpy(&n.dead[i * n.nt], &s->dead[old * s->nt], n.nt * sizeof(*n.dead));
    }
    s_snap_free_arrays(s);
    *s = n;
    return GW_OK;
}

/* ------------------------------------------------------------ counting ---- */

static void
s_key_add(m_key_t *keys, size_t *n, uint64_t *other, const char *key, uint64_t by)
{
    const char *k = key && *key ? key : "(unknown)";
    for (size_t i = 0; i < *n; i++) {
        if (strncmp(keys[i].key, k, sizeof(keys[i].key) - 1) == 0 &&
            strlen(k) < sizeof(keys[i].key)) {
            keys[i].n += by;
            return;
        }
    }
    if (*n < MAX_KEYS && strlen(k) < sizeof(keys[0].key)) {
        snprintf(keys[*n].key, sizeof(keys[*n].key), "%s", k);
        keys[*n].n = by;
        (*n)++;
        return;
    }
    *other += by;
}

static void
s_observe(hist_t *h, const double *le, size_t nb, double v)
{
    if (v < 0) {
        v = 0;
    }
    size_t i = 0;
    while (i < nb && v > le[i]) {
        i++;
    }
    h->bucket[i]++;
    h->count++;
    h->sum += v;
}

static void
s_stage(gw_metrics_t *self, const staged_t *st)
{
    if (self->nstaged == self->capstaged) {
        size_t cap = self->capstaged ? self->capstaged * 2 : 256;
        staged_t *v = gw_realloc(self->staged, cap * sizeof(*v));
        if (!v) {
            gw_log(GW_LOG_WARN, "oom", "what=metrics_stage");
            return;
        }
        self->staged = v;
        self->capstaged = cap;
    }
    self->staged[self->nstaged++] = *st;
}

static void
s_apply(gw_metrics_t *self, const staged_t *st, int64_t commit_us)
{
    snapshot_t *s = &self->live;
    switch (st->kind) {
    case GW_EV_ACCEPTED:
    case GW_EV_DUPLICATE:
        s->in[(st->p * s->nt + st->t) * IN_N +
              (st->kind == GW_EV_ACCEPTED ? IN_ACCEPTED : IN_DUPLICATE)]++;
        if (st->received_us > 0) {
            s_observe(&s->ack, s_ack_le, ACK_NB, (double)(commit_us - st->received_us) / 1e6);
        }
        break;
    case GW_EV_DELIVERED:
        s->out[(st->p * s->nt + st->t) * OUT_N + OUT_DELIVERED]++;
        if (st->latency_s >= 0) {
            s_observe(&s->dlv, s_dlv_le, DLV_NB, st->latency_s);
        }
        break;
    case GW_EV_DEAD:
        s->dead_lettered += (uint64_t)st->count;
        self->want_dead = 1;
        break;
    default:
        break;
    }
}

/* The type and age of a delivery being acknowledged (its row, in the transaction). */
static void
s_delivery_info(gw_metrics_t *self, int64_t id, int64_t now_ms, size_t *t, double *age_s)
{
    *t = self->live.nt - 1;
    *age_s = -1;
    if (!self->st_dlv) {
        return;
    }
    sqlite3_bind_int64(self->st_dlv, 1, id);
    if (sqlite3_step(self->st_dlv) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(self->st_dlv, 0);
        *t = s_type_ix(&self->live, type ? gw_msgtype_by_name(type) : NULL);
        *age_s = (double)(now_ms - sqlite3_column_int64(self->st_dlv, 1)) / 1000.0;
    }
    sqlite3_reset(self->st_dlv);
}

/* Dead letters per recipient and type, recounted from the store (ijwctl requeues them). */
static void
s_recount_dead(gw_metrics_t *self)
{
    snapshot_t *s = &self->live;
    if (!self->st_dead) {
        return;
    }
    memset(s->dead, 0, s->np * s->nt * sizeof(*s->dead));
    int rc;
    while ((rc = sqlite3_step(self->st_dead)) == SQLITE_ROW) {
        const char *who = (const char *)sqlite3_column_text(self->st_dead, 0);
        const char *type = (const char *)sqlite3_column_text(self->st_dead, 1);
        size_t p = s_party_ix(s, who);
        size_t t = s_type_ix(s, type ? gw_msgtype_by_name(type) : NULL);
        s->dead[p * s->nt + t] += sqlite3_column_int64(self->st_dead, 2);
    }
    if (rc != SQLITE_DONE) {
        gw_log(GW_LOG_WARN, "metrics_query_failed", "what=dead error=\"%s\"",
               sqlite3_errmsg(self->db));
    }
    sqlite3_reset(self->st_dead);
}

static int64_t
s_file_size(const char *path)
{
    struct stat sb;
    if (!path || !*path || stat(path, &sb) != 0) {
        return 0;
    }
    return (int64_t)sb.st_size;
}

static void
s_store_size(gw_metrics_t *self)
{
    const char *f = self->db ? sqlite3_db_filename(self->db, "main") : NULL;
    if (!f || !*f) {
        return;
    }
    self->live.store_db = s_file_size(f);
    self->live.store_wal = s_file_size(sqlite3_filename_wal(f));
}

static m_filter_t *
s_filter(snapshot_t *s, const char *name)
{
    for (size_t i = 0; i < s->nfilters; i++) {
        if (strcmp(s->filters[i].name, name) == 0) {
            return &s->filters[i];
        }
    }
    if (s->nfilters == MAX_FILTERS || strlen(name) >= sizeof(s->filters[0].name)) {
        return NULL;
    }
    m_filter_t *f = &s->filters[s->nfilters++];
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", name);
    return f;
}

static void
s_tick(gw_metrics_t *self, const gw_event_t *ev)
{
    snapshot_t *s = &self->live;
    for (size_t i = 0; i < ev->nqueues; i++) {
        size_t p = s_party_ix(s, ev->queues[i].party);
        if (p + 1 == s->np) {
            continue;
        }
        m_party_t *mp = &s->parties[p];
        if (mp->backlog != ev->queues[i].backlog || mp->inflight != ev->queues[i].inflight ||
            mp->connected != ev->queues[i].connected) {
            self->dirty = 1;
        }
        mp->backlog = ev->queues[i].backlog;
        mp->inflight = ev->queues[i].inflight;
        mp->connected = ev->queues[i].connected;
    }
    if (ev->chain) {
        for (size_t i = 0; i < s->nfilters; i++) {
            memset(s->filters[i].cur, 0, sizeof(s->filters[i].cur));
        }
        for (size_t i = 0; i < gw_chain_count(ev->chain); i++) {
            gw_chain_stats_t st;
            gw_chain_stats(ev->chain, i, &st);
            m_filter_t *f = st.name ? s_filter(s, st.name) : NULL;
            if (f) {
                f->cur[0] += st.passed;
                f->cur[1] += st.rejected;
                f->cur[2] += st.warned;
                f->cur[3] += st.errors;
            }
        }
    }
    int64_t now = ev->now_ms ? ev->now_ms : gw_wall_ms();
    if (now - self->last_slow_ms >= 1000) {
        self->last_slow_ms = now;
        s_store_size(self);
        gw_overdue_counts(self->db, now, &s->overdue);
        if (self->want_dead || now - self->last_dead_ms >= 10000) {
            self->want_dead = 0;
            self->last_dead_ms = now;
            s_recount_dead(self);
        }
        self->dirty = 1;
    }
    if (self->dirty) {
        gw_metrics_publish(self, now);
    }
}

void
gw_metrics_on_event(gw_metrics_t *self, const gw_event_t *ev)
{
    snapshot_t *s = &self->live;
    size_t p = s_party_ix(s, ev->party);
    size_t t = s_type_ix(s, ev->type);
    switch (ev->kind) {
    case GW_EV_ACCEPTED:
    case GW_EV_DUPLICATE:
        s_stage(
            self,
            &(staged_t){
                .kind = ev->kind, .p = p, .t = t, .latency_s = -1, .received_us = ev->received_us});
        break;
    case GW_EV_DELIVERED: {
        double age = -1;
        s_delivery_info(self, ev->delivery_id, ev->now_ms, &t, &age);
        s_stage(self, &(staged_t){.kind = ev->kind, .p = p, .t = t, .latency_s = age});
        break;
    }
    case GW_EV_DEAD:
        s_stage(self, &(staged_t){.kind = ev->kind, .count = ev->count, .latency_s = -1});
        break;
    case GW_EV_REJECTED:
        s->in[(p * s->nt + t) * IN_N + IN_REJECTED]++;
        s_key_add(s->rules, &s->nrules, &s->rules_other, ev->code, 1);
        break;
    case GW_EV_REFUSED:
        s->in[(p * s->nt + t) * IN_N + IN_REFUSED]++;
        s_key_add(s->codes, &s->ncodes, &s->codes_other, ev->code, 1);
        break;
    case GW_EV_SENT:
        s->out[(p * s->nt + t) * OUT_N + (ev->count > 1 ? OUT_REDELIVERED : OUT_SENT)]++;
        break;
    case GW_EV_CONNECTED:
        s->connects++;
        if (p + 1 < s->np) {
            s->parties[p].connected = 1;
        }
        break;
    case GW_EV_DISCONNECTED:
        s->disconnects++;
        if (p + 1 < s->np) {
            s->parties[p].connected = 0;
        }
        break;
    case GW_EV_COMMITTED: {
        int64_t us = gw_mono_us();
        for (size_t i = 0; i < self->nstaged; i++) {
            s_apply(self, &self->staged[i], us);
        }
        self->nstaged = 0;
        break;
    }
    case GW_EV_ABORTED:
        /* Nothing of the batch happened: its ACKs went out as ERROR INTERNAL. */
        for (size_t i = 0; i < self->nstaged; i++) {
            const staged_t *st = &self->staged[i];
            if (st->kind == GW_EV_ACCEPTED || st->kind == GW_EV_DUPLICATE) {
                s->in[(st->p * s->nt + st->t) * IN_N + IN_REFUSED]++;
                s_key_add(s->codes, &s->ncodes, &s->codes_other, "INTERNAL", 1);
            }
        }
        s->aborted++;
        self->nstaged = 0;
        break;
    case GW_EV_TICK:
        s_tick(self, ev);
        return;
    case GW_EV_RELOADED:
        for (size_t i = 0; i < s->nfilters; i++) {
            for (int k = 0; k < 4; k++) {
                s->filters[i].base[k] += s->filters[i].cur[k];
                s->filters[i].cur[k] = 0;
            }
        }
        if (ev->config && s_snap_parties(s, ev->config) != GW_OK) {
            gw_log(GW_LOG_WARN, "oom", "what=metrics_reload (keeping the previous parties)");
        }
        self->want_dead = 1;
        break;
    }
    self->dirty = 1;
}

void
gw_metrics_publish(gw_metrics_t *self, int64_t now_ms)
{
    self->live.now_ms = now_ms;
    snapshot_t *copy = s_snap_dup(&self->live);
    if (!copy) {
        return; /* readers keep the previous snapshot */
    }
    pthread_mutex_lock(&self->mu);
    snapshot_t *old = self->pub;
    self->pub = copy;
    pthread_mutex_unlock(&self->mu);
    s_snap_destroy(&old);
    self->dirty = 0;
    self->last_publish_ms = now_ms;
}

static snapshot_t *
s_take(gw_metrics_t *self)
{
    pthread_mutex_lock(&self->mu);
    snapshot_t *s = self->pub ? s_snap_dup(self->pub) : NULL;
    pthread_mutex_unlock(&self->mu);
    return s;
}

int64_t
gw_metrics_age_ms(gw_metrics_t *self, int64_t now_ms)
{
    pthread_mutex_lock(&self->mu);
    int64_t at = self->pub ? self->pub->now_ms : 0;
    pthread_mutex_unlock(&self->mu);
    return at ? now_ms - at : INT64_MAX;
}

/* ------------------------------------------------------------ life ---- */

gw_metrics_t *
gw_metrics_new(const gw_config_t *cfg, void *db, char **err)
{
    gw_metrics_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        goto fail;
    }
    pthread_mutex_init(&self->mu, NULL);
    self->db = db;
    self->live.started_ms = gw_wall_ms();
    if (s_snap_parties(&self->live, cfg) != GW_OK) {
        goto fail;
    }
    if (db) {
        /* deliveries_open is partial (state <> 'delivered'): the query repeats its condition. */
        if (sqlite3_prepare_v2(db,
                               "SELECT m.type, d.created_ms FROM deliveries d JOIN messages m "
                               "ON m.id = d.msg_id WHERE d.id = ?1",
                               -1, &self->st_dlv, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(db,
                               "SELECT d.recipient, m.type, count(*) FROM deliveries d JOIN "
                               "messages m ON m.id = d.msg_id WHERE d.state <> 'delivered' AND "
                               "d.state = 'dead' GROUP BY d.recipient, m.type",
                               -1, &self->st_dead, NULL) != SQLITE_OK) {
            if (err) {
                char why[300];
                snprintf(why, sizeof(why), "metrics: cannot prepare the store queries: %.200s",
                         sqlite3_errmsg(db));
                *err = gw_strdup(why);
                err = NULL;
            }
            goto fail;
        }
        s_recount_dead(self);
        s_store_size(self);
    }
    gw_overdue_counts(db, self->live.started_ms, &self->live.overdue);
    gw_metrics_publish(self, self->live.started_ms);
    return self;
fail:
    if (err) {
        *err = gw_strdup("metrics: out of memory");
    }
    gw_metrics_destroy(&self);
    return NULL;
}

void
gw_metrics_destroy(gw_metrics_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_metrics_t *self = *self_p;
    sqlite3_finalize(self->st_dlv);
    sqlite3_finalize(self->st_dead);
    s_snap_free_arrays(&self->live);
    s_snap_destroy(&self->pub);
    gw_free(self->staged);
    pthread_mutex_destroy(&self->mu);
    gw_free(self);
    *self_p = NULL;
}

/* ------------------------------------------------------------ Prometheus text ---- */

/* A label value per the exposition format: backslash, double quote and newline escaped. */
static void
s_label(gw_http_resp_t *r, const char *v)
{
    for (const char *c = v; *c; c++) {
        if (*c == '\\') {
            gw_http_append(r, "\\\\", 2);
        } else if (*c == '"') {
            gw_http_append(r, "\\\"", 2);
        } else if (*c == '\n') {
            gw_http_append(r, "\\n", 2);
        } else {
            gw_http_append(r, c, 1);
        }
    }
}

static void
s_head(gw_http_resp_t *r, const char *name, const char *type, const char *help)
{
    gw_http_printf(r, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1",k2="v2"} value; keys/values NULL-terminated pairs. */
static void
s_sample(gw_http_resp_t *r, const char *name, const char *const *kv, const char *value)
{
    gw_http_printf(r, "%s", name);
    for (size_t i = 0; kv && kv[i]; i += 2) {
        gw_http_printf(r, "%s%s=\"", i == 0 ? "{" : ",", kv[i]);
        s_label(r, kv[i + 1]);
        gw_http_append(r, "\"", 1);
        if (!kv[i + 2]) {
            gw_http_append(r, "}", 1);
        }
    }
    gw_http_printf(r, " %s\n", value);
}

static void
s_sample_u(gw_http_resp_t *r, const char *name, const char *const *kv, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%" PRIu64, v);
    s_sample(r, name, kv, b);
}

static void
s_sample_i(gw_http_resp_t *r, const char *name, const char *const *kv, int64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%" PRId64, v);
    s_sample(r, name, kv, b);
}

static void
s_hist(gw_http_resp_t *r, const char *name, const char *help, const hist_t *h, const double *le,
       size_t nb)
{
    char bucket[96], sum[96], count[96], b[48];
    snprintf(bucket, sizeof(bucket), "%s_bucket", name);
    snprintf(sum, sizeof(sum), "%s_sum", name);
    snprintf(count, sizeof(count), "%s_count", name);
    s_head(r, name, "histogram", help);
    uint64_t cum = 0;
    for (size_t i = 0; i <= nb; i++) {
        cum += h->bucket[i];
        if (i < nb) {
            snprintf(b, sizeof(b), "%g", le[i]);
        } else {
            snprintf(b, sizeof(b), "+Inf");
        }
        s_sample_u(r, bucket, (const char *const[]){"le", b, NULL}, cum);
    }
    snprintf(b, sizeof(b), "%.6f", h->sum);
    s_sample(r, sum, NULL, b);
    s_sample_u(r, count, NULL, h->count);
}

static const char *
s_type_name(const snapshot_t *s, size_t t)
{
    return t + 1 < s->nt ? gw_msgtype_at(t)->name : NO_TYPE;
}

void
gw_metrics_render_prometheus(gw_metrics_t *self, gw_http_resp_t *r)
{
    snapshot_t *s = s_take(self);
    if (!s) {
        r->status = 503;
        return;
    }
    r->ctype = "text/plain; version=0.0.4; charset=utf-8";
    s_head(r, "ijwgw_build_info", "gauge",
           "Version of the gateway and of the standards it speaks.");
    s_sample(r, "ijwgw_build_info",
             (const char *const[]){"version", GW_VERSION, "ijw", "3.2", "iwmo", "3.2", NULL}, "1");
    s_head(r, "ijwgw_start_time_seconds", "gauge",
           "When the gateway started, seconds since the epoch.");
    s_sample_i(r, "ijwgw_start_time_seconds", NULL, s->started_ms / 1000);

    s_head(r, "ijwgw_messages_in_total", "counter",
           "Messages submitted, by submitting party, message type and outcome.");
    for (size_t p = 0; p < s->np; p++) {
        for (size_t t = 0; t < s->nt; t++) {
            for (int o = 0; o < IN_N; o++) {
                uint64_t v = s->in[(p * s->nt + t) * IN_N + (size_t)o];
                if (v) {
                    s_sample_u(r, "ijwgw_messages_in_total",
                               (const char *const[]){"party", s->parties[p].code, "type",
                                                     s_type_name(s, t), "outcome", s_in_names[o],
                                                     NULL},
                               v);
                }
            }
        }
    }
    s_head(r, "ijwgw_messages_out_total", "counter",
           "Deliveries to recipients, by recipient party, message type and outcome.");
    for (size_t p = 0; p < s->np; p++) {
        for (size_t t = 0; t < s->nt; t++) {
            for (int o = 0; o < OUT_N; o++) {
                uint64_t v = s->out[(p * s->nt + t) * OUT_N + (size_t)o];
                if (v) {
                    s_sample_u(r, "ijwgw_messages_out_total",
                               (const char *const[]){"party", s->parties[p].code, "type",
                                                     s_type_name(s, t), "outcome", s_out_names[o],
                                                     NULL},
                               v);
                }
            }
        }
    }
    s_head(r, "ijwgw_rejections_total", "counter",
           "Messages rejected with a retourbericht, by the first failing rule id.");
    for (size_t i = 0; i < s->nrules; i++) {
        s_sample_u(r, "ijwgw_rejections_total",
                   (const char *const[]){"rule", s->rules[i].key, NULL}, s->rules[i].n);
    }
    if (s->rules_other) {
        s_sample_u(r, "ijwgw_rejections_total", (const char *const[]){"rule", OTHER, NULL},
                   s->rules_other);
    }
    s_head(r, "ijwgw_refusals_total", "counter", "Messages answered with ERROR, by error code.");
    for (size_t i = 0; i < s->ncodes; i++) {
        s_sample_u(r, "ijwgw_refusals_total", (const char *const[]){"code", s->codes[i].key, NULL},
                   s->codes[i].n);
    }
    if (s->codes_other) {
        s_sample_u(r, "ijwgw_refusals_total", (const char *const[]){"code", OTHER, NULL},
                   s->codes_other);
    }
    s_head(r, "ijwgw_dead_lettered_total", "counter", "Deliveries moved to the dead letters.");
    s_sample_u(r, "ijwgw_dead_lettered_total", NULL, s->dead_lettered);
    s_head(r, "ijwgw_dead_letters", "gauge",
           "Dead letters now in the store, by recipient party and message type.");
    for (size_t p = 0; p < s->np; p++) {
        for (size_t t = 0; t < s->nt; t++) {
            if (s->dead[p * s->nt + t]) {
                s_sample_i(r, "ijwgw_dead_letters",
                           (const char *const[]){"party", s->parties[p].code, "type",
                                                 s_type_name(s, t), NULL},
                           s->dead[p * s->nt + t]);
            }
        }
    }
    s_head(r, "ijwgw_queue_backlog", "gauge", "Undelivered deliveries per recipient party.");
    for (size_t p = 0; p + 1 < s->np; p++) {
        s_sample_i(r, "ijwgw_queue_backlog",
                   (const char *const[]){"party", s->parties[p].code, NULL}, s->parties[p].backlog);
    }
    s_head(r, "ijwgw_queue_inflight", "gauge",
           "Deliveries sent and awaiting their DACK, per recipient party.");
    for (size_t p = 0; p + 1 < s->np; p++) {
        s_sample_i(r, "ijwgw_queue_inflight",
                   (const char *const[]){"party", s->parties[p].code, NULL},
                   s->parties[p].inflight);
    }
    s_head(r, "ijwgw_party_connected", "gauge", "1 when the party is connected.");
    size_t nconn = 0;
    for (size_t p = 0; p + 1 < s->np; p++) {
        nconn += s->parties[p].connected ? 1 : 0;
        s_sample_i(r, "ijwgw_party_connected",
                   (const char *const[]){"party", s->parties[p].code, NULL},
                   s->parties[p].connected ? 1 : 0);
    }
    s_head(r, "ijwgw_parties_connected", "gauge", "Parties connected now.");
    s_sample_u(r, "ijwgw_parties_connected", NULL, nconn);
    s_head(r, "ijwgw_connects_total", "counter", "Party connections (first frame after none).");
    s_sample_u(r, "ijwgw_connects_total", NULL, s->connects);
    s_head(r, "ijwgw_store_bytes", "gauge", "Size of the store's files.");
    s_sample_i(r, "ijwgw_store_bytes", (const char *const[]){"file", "db", NULL}, s->store_db);
    s_sample_i(r, "ijwgw_store_bytes", (const char *const[]){"file", "wal", NULL}, s->store_wal);
    s_head(r, "ijwgw_store_aborts_total", "counter", "Store transactions that failed to commit.");
    s_sample_u(r, "ijwgw_store_aborts_total", NULL, s->aborted);
    s_hist(r, "ijwgw_ack_latency_seconds",
           "From receipt of a SUBMIT to its ACK (the commit that makes it durable).", &s->ack,
           s_ack_le, ACK_NB);
    s_hist(r, "ijwgw_delivery_latency_seconds",
           "From acceptance of a message to the recipient's DACK of its delivery.", &s->dlv,
           s_dlv_le, DLV_NB);
    s_head(r, "ijwgw_filter_verdicts_total", "counter", "Verdicts of the configured filters.");
    static const char *const verdicts[4] = {"passed", "rejected", "warned", "error"};
    for (size_t i = 0; i < s->nfilters; i++) {
        for (int k = 0; k < 4; k++) {
            s_sample_u(
                r, "ijwgw_filter_verdicts_total",
                (const char *const[]){"filter", s->filters[i].name, "verdict", verdicts[k], NULL},
                s->filters[i].base[k] + s->filters[i].cur[k]);
        }
    }
    if (s->overdue.available) {
        s_head(r, "ijwgw_overdue_retours", "gauge",
               "Retourberichten past their deadline: open (still unanswered), late (answered "
               "after it).");
        s_sample_i(r, "ijwgw_overdue_retours", (const char *const[]){"state", "open", NULL},
                   s->overdue.open);
        s_sample_i(r, "ijwgw_overdue_retours", (const char *const[]){"state", "late", NULL},
                   s->overdue.late);
    }
    s_snap_destroy(&s);
}

/* ------------------------------------------------------------ JSON ---- */

static void
s_json_str(gw_http_resp_t *r, const char *v)
{
    gw_http_append(r, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
        if (*c == '"' || *c == '\\') {
            char e[2] = {'\\', (char)*c};
            gw_http_append(r, e, 2);
        } else if (*c < 0x20 || *c == '<' || *c == '>' || *c == '&') {
            gw_http_printf(r, "\\u%04x", *c);
        } else {
            gw_http_append(r, (const char *)c, 1);
        }
    }
    gw_http_append(r, "\"", 1);
}

static void
s_json_hist(gw_http_resp_t *r, const char *key, const hist_t *h, const double *le, size_t nb)
{
    gw_http_printf(r, "\"%s\":{\"count\":%" PRIu64 ",\"sum_s\":%.6f,\"buckets\":[", key, h->count,
                   h->sum);
    uint64_t cum = 0;
    for (size_t i = 0; i < nb; i++) {
        cum += h->bucket[i];
        gw_http_printf(r, "%s{\"le\":%g,\"n\":%" PRIu64 "}", i ? "," : "", le[i], cum);
    }
    gw_http_printf(r, "]}");
}

/* The party kind's name; "" for the unregistered row (kind 0). */
static const char *
s_kind_name(int kind)
{
    return kind ? gw_acl_kind_name((gw_party_kind_t)kind) : "";
}

void
gw_metrics_render_json(gw_metrics_t *self, gw_http_resp_t *r)
{
    snapshot_t *s = s_take(self);
    if (!s) {
        r->status = 503;
        return;
    }
    r->ctype = "application/json";
    gw_http_printf(
        r, "{\"version\":\"%s\",\"now_ms\":%" PRId64 ",\"started_ms\":%" PRId64 ",\"parties\":[",
        GW_VERSION, s->now_ms, s->started_ms);
    uint64_t tin[IN_N] = {0}, tout[OUT_N] = {0};
    for (size_t p = 0; p < s->np; p++) {
        uint64_t in[IN_N] = {0}, out[OUT_N] = {0};
        int64_t dead = 0;
        for (size_t t = 0; t < s->nt; t++) {
            for (size_t o = 0; o < IN_N; o++) {
                in[o] += s->in[(p * s->nt + t) * IN_N + o];
            }
            for (size_t o = 0; o < OUT_N; o++) {
                out[o] += s->out[(p * s->nt + t) * OUT_N + o];
            }
            dead += s->dead[p * s->nt + t];
        }
        int registered = p + 1 < s->np;
        if (!registered && !in[IN_REFUSED] && !in[IN_REJECTED] && !in[IN_ACCEPTED]) {
            continue; /* no unregistered peer said anything */
        }
        const m_party_t *mp = &s->parties[p];
        gw_http_printf(r, "%s{\"code\":", p ? "," : "");
        s_json_str(r, mp->code);
        gw_http_printf(r, ",\"name\":");
        s_json_str(r, mp->name);
        gw_http_printf(r,
                       ",\"kind\":\"%s\",\"registered\":%s,\"connected\":%s,\"backlog\":%" PRId64
                       ",\"inflight\":%" PRId64 ",\"dead\":%" PRId64 ",\"in\":{",
                       s_kind_name(mp->kind), registered ? "true" : "false",
                       mp->connected ? "true" : "false", mp->backlog, mp->inflight, dead);
        for (size_t o = 0; o < IN_N; o++) {
            gw_http_printf(r, "%s\"%s\":%" PRIu64, o ? "," : "", s_in_names[o], in[o]);
            tin[o] += in[o];
        }
        gw_http_printf(r, "},\"out\":{");
        for (size_t o = 0; o < OUT_N; o++) {
            gw_http_printf(r, "%s\"%s\":%" PRIu64, o ? "," : "", s_out_names[o], out[o]);
            tout[o] += out[o];
        }
        gw_http_printf(r, "}}");
    }
    gw_http_printf(r, "],\"totals\":{");
    for (size_t o = 0; o < IN_N; o++) {
        gw_http_printf(r, "\"%s\":%" PRIu64 ",", s_in_names[o], tin[o]);
    }
    for (size_t o = 0; o < OUT_N; o++) {
        gw_http_printf(r, "\"%s\":%" PRIu64 ",", s_out_names[o], tout[o]);
    }
    gw_http_printf(r, "\"dead_lettered\":%" PRIu64 "},\"rejections\":[", s->dead_lettered);
    for (size_t i = 0; i < s->nrules; i++) {
        gw_http_printf(r, "%s{\"rule\":", i ? "," : "");
        s_json_str(r, s->rules[i].key);
        gw_http_printf(r, ",\"count\":%" PRIu64 "}", s->rules[i].n);
    }
    if (s->rules_other) {
        gw_http_printf(r, "%s{\"rule\":\"%s\",\"count\":%" PRIu64 "}", s->nrules ? "," : "", OTHER,
                       s->rules_other);
    }
    gw_http_printf(r, "],\"refusals\":[");
    for (size_t i = 0; i < s->ncodes; i++) {
        gw_http_printf(r, "%s{\"code\":", i ? "," : "");
        s_json_str(r, s->codes[i].key);
        gw_http_printf(r, ",\"count\":%" PRIu64 "}", s->codes[i].n);
    }
    if (s->codes_other) {
        gw_http_printf(r, "%s{\"code\":\"%s\",\"count\":%" PRIu64 "}", s->ncodes ? "," : "", OTHER,
                       s->codes_other);
    }
    gw_http_printf(r, "],\"filters\":[");
    for (size_t i = 0; i < s->nfilters; i++) {
        const m_filter_t *f = &s->filters[i];
        gw_http_printf(r, "%s{\"name\":", i ? "," : "");
        s_json_str(r, f->name);
        gw_http_printf(r,
                       ",\"passed\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"warned\":%" PRIu64
                       ",\"errors\":%" PRIu64 "}",
                       f->base[0] + f->cur[0], f->base[1] + f->cur[1], f->base[2] + f->cur[2],
                       f->base[3] + f->cur[3]);
    }
    gw_http_printf(r, "],\"store\":{\"db_bytes\":%" PRId64 ",\"wal_bytes\":%" PRId64 "},",
                   s->store_db, s->store_wal);
    gw_http_printf(r, "\"latency\":{");
    s_json_hist(r, "ack", &s->ack, s_ack_le, ACK_NB);
    gw_http_append(r, ",", 1);
    s_json_hist(r, "delivery", &s->dlv, s_dlv_le, DLV_NB);
    gw_http_printf(r,
                   "},\"overdue\":{\"available\":%s,\"open\":%" PRId64 ",\"late\":%" PRId64 "}}\n",
                   s->overdue.available ? "true" : "false", s->overdue.open, s->overdue.late);
    s_snap_destroy(&s);
}
