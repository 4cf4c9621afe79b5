/*
 * The ZAP handler thread (gw_zap.h). The registry pointer is swapped under a
 * mutex; lookups hold the mutex only for a binary search. The REP socket is
 * created and bound by gw_zap_new (so the endpoint exists before the broker's
 * ROUTER binds) and then used only by the thread until gw_zap_destroy joins it.
 */
#include "gw_zap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/log.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_POLL_MS      100   /* how often the thread looks at the stop flag */
#define S_MAX_FRAMES   16    /* a ZAP request has 7 (CURVE) frames; more is malformed */
#define S_QUIET        8     /* refused keys remembered to keep the log quiet */
#define S_QUIET_MS     60000 /* a refused key is logged once a minute (libzmq retries every 100 ms) */

typedef struct quiet {
    char key[GW_KEY_Z85_LEN + 1];
    int64_t until_ms;
} quiet_t;

struct gw_zap {
    void *rep; /* REP on the ZAP endpoint; the thread's once started */
    pthread_t thread;
    int started;
    atomic_int stop;
    pthread_mutex_t lock; /* guards ring and generation */
    gw_partykeys_t *ring;   /* current generation */
    uint64_t generation;
    atomic_uint_fast64_t refused;
    atomic_uint_fast64_t accepted; /* handshakes approved (gw_zap_handshakes) */
    quiet_t quiet[S_QUIET];        /* the thread's own: recently logged refusals */
    size_t quiet_next;
};

/* 1 when this refusal should be logged: not the same key logged within S_QUIET_MS. */
static int
s_should_log(gw_zap_t *self, const char *z85)
{
    int64_t now = gw_mono_ms();
    for (size_t i = 0; i < S_QUIET; i++) {
        if (strcmp(self->quiet[i].key, z85) == 0 && self->quiet[i].until_ms > now) {
            return 0;
        }
    }
    quiet_t *q = &self->quiet[self->quiet_next++ % S_QUIET];
    snprintf(q->key, sizeof(q->key), "%s", z85);
    q->until_ms = now + S_QUIET_MS;
    return 1;
}

/* Copy the frame into buf as a string (cut at cap - 1). */
static void
s_str(zmq_msg_t *f, char *buf, size_t cap)
{
    size_t n = zmq_msg_size(f);
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(buf, zmq_msg_data(f), n);
    buf[n] = '\0';
}

static void
s_send(void *rep, const void *data, size_t len, int more)
{
    (void)zmq_send(rep, data, len, more ? ZMQ_SNDMORE : 0);
}

/* The metadata frame: one ZMTP property, name X-Key, value the Z85 key. */
static size_t
s_metadata(const char *z85, unsigned char *out, size_t cap)
{
    size_t nlen = strlen(GW_ZAP_KEY_PROP), vlen = strlen(z85);
    if (1 + nlen + 4 + vlen > cap) {
        return 0;
    }
    size_t o = 0;
    out[o++] = (unsigned char)nlen;
    memcpy(out + o, GW_ZAP_KEY_PROP, nlen);
    o += nlen;
    out[o++] = (unsigned char)(vlen >> 24);
    out[o++] = (unsigned char)(vlen >> 16);
    out[o++] = (unsigned char)(vlen >> 8);
    out[o++] = (unsigned char)vlen;
    memcpy(out + o, z85, vlen);
    return o + vlen;
}

/* Decide one request; fills party (the User-Id) on success. */
static int
s_decide(gw_zap_t *self, zmq_msg_t *f, size_t n, char *party, size_t pcap, char *z85,
         const char **why)
{
    char version[8], mech[16];
    if (n < 6) {
        *why = "malformed request";
        return 0;
    }
    s_str(&f[0], version, sizeof(version));
    s_str(&f[5], mech, sizeof(mech));
    if (strcmp(version, "1.0") != 0) {
        *why = "unknown ZAP version";
        return 0;
    }
    if (strcmp(mech, "CURVE") != 0 || n != 7 || zmq_msg_size(&f[6]) != 32) {
        *why = "not a CURVE handshake";
        return 0;
    }
    if (!zmq_z85_encode(z85, zmq_msg_data(&f[6]), 32)) {
        *why = "bad key";
        return 0;
    }
    pthread_mutex_lock(&self->lock);
    const char *owner = gw_partykeys_party(self->ring, z85);
    if (owner) {
        snprintf(party, pcap, "%s", owner);
    }
    pthread_mutex_unlock(&self->lock);
    if (!owner) {
        *why = "unknown key";
        return 0;
    }
    return 1;
}

static void
s_handle(gw_zap_t *self)
{
    zmq_msg_t f[S_MAX_FRAMES];
    size_t n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t extra;
        zmq_msg_t *into = n < S_MAX_FRAMES ? &f[n] : &extra; /* frames past the limit: dropped */
        zmq_msg_init(into);
        if (zmq_msg_recv(into, self->rep, 0) < 0) {
            zmq_msg_close(into);
            break;
        }
        more = zmq_msg_more(into);
        if (into == &extra) {
            zmq_msg_close(&extra);
        } else {
            n++;
        }
    }
    char reqid[256] = "";
    if (n >= 2) {
        s_str(&f[1], reqid, sizeof(reqid));
    }
    char party[65] = "", z85[GW_KEY_Z85_LEN + 1] = "", address[64] = "";
    if (n >= 4) {
        s_str(&f[3], address, sizeof(address));
    }
    const char *why = NULL;
    int ok = s_decide(self, f, n, party, sizeof(party), z85, &why);
    size_t reqid_len = n >= 2 ? zmq_msg_size(&f[1]) : 0;
    s_send(self->rep, "1.0", 3, 1);
    s_send(self->rep, n >= 2 ? zmq_msg_data(&f[1]) : "", reqid_len, 1);
    if (ok) {
        unsigned char meta[128];
        size_t mlen = s_metadata(z85, meta, sizeof(meta));
        s_send(self->rep, "200", 3, 1);
        s_send(self->rep, "OK", 2, 1);
        s_send(self->rep, party, strlen(party), 1);
        s_send(self->rep, meta, mlen, 0);
        atomic_fetch_add(&self->accepted, 1);
        gw_log(GW_LOG_DEBUG, "authenticated", "party=%s address=%s", party, address);
    } else {
        atomic_fetch_add(&self->refused, 1);
        s_send(self->rep, "400", 3, 1);
        s_send(self->rep, why, strlen(why), 1);
        s_send(self->rep, "", 0, 1);
        s_send(self->rep, "", 0, 0);
        /* The public key is not secret: logging it lets the operator register it. */
        if (s_should_log(self, z85)) {
            gw_log(GW_LOG_WARN, "auth_refused",
                   "reason=\"%s\" key=%s address=%s (repeats of this key not logged for %d s)", why,
                   z85[0] ? z85 : "-", address, S_QUIET_MS / 1000);
        }
    }
    for (size_t i = 0; i < n; i++) {
        zmq_msg_close(&f[i]);
    }
}

static void *
s_run(void *arg)
{
    gw_zap_t *self = arg;
    while (!atomic_load(&self->stop)) {
        zmq_pollitem_t it = {self->rep, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&it, 1, S_POLL_MS);
        if (rc > 0 && (it.revents & ZMQ_POLLIN)) {
            s_handle(self);
        } else if (rc < 0 && zmq_errno() == ETERM) {
            break;
        }
    }
    return NULL;
}

gw_zap_t *
gw_zap_new(void *zctx, gw_partykeys_t **ring_p, char **err)
{
    gw_partykeys_t *ring = *ring_p;
    *ring_p = NULL;
    gw_zap_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        gw_partykeys_destroy(&ring);
        if (err) {
            *err = gw_strdup("out of memory");
        }
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    self->ring = ring;
    self->generation = 1;
    self->rep = zmq_socket(zctx, ZMQ_REP);
    int zero = 0;
    if (!self->rep || zmq_setsockopt(self->rep, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
        zmq_bind(self->rep, S_ZAP_ENDPOINT) != 0) {
        if (err) {
            char m[256];
            snprintf(m, sizeof(m), "cannot bind the ZAP handler: %s", zmq_strerror(zmq_errno()));
            *err = gw_strdup(m);
        }
        gw_zap_destroy(&self);
        return NULL;
    }
    if (pthread_create(&self->thread, NULL, s_run, self) != 0) {
        if (err) {
            *err = gw_strdup("cannot start the ZAP handler thread");
        }
        gw_zap_destroy(&self);
        return NULL;
    }
    self->started = 1;
    return self;
}

void
gw_zap_destroy(gw_zap_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_zap_t *self = *self_p;
    if (self->started) {
        atomic_store(&self->stop, 1);
        pthread_join(self->thread, NULL);
    }
    if (self->rep) {
        zmq_close(self->rep);
    }
    gw_partykeys_destroy(&self->ring);
    pthread_mutex_destroy(&self->lock);
    gw_free(self);
    *self_p = NULL;
}

void
gw_zap_swap(gw_zap_t *self, gw_partykeys_t **ring_p)
{
    gw_partykeys_t *old;
    pthread_mutex_lock(&self->lock);
    old = self->ring;
    self->ring = *ring_p;
    self->generation++;
    pthread_mutex_unlock(&self->lock);
    *ring_p = NULL;
    gw_partykeys_destroy(&old);
}

int
gw_zap_allows(gw_zap_t *self, const char *z85, const char *party)
{
    pthread_mutex_lock(&self->lock);
    const char *owner = gw_partykeys_party(self->ring, z85);
    int ok = owner && strcmp(owner, party) == 0;
    pthread_mutex_unlock(&self->lock);
    return ok;
}

uint64_t
gw_zap_generation(gw_zap_t *self)
{
    pthread_mutex_lock(&self->lock);
    uint64_t g = self->generation;
    pthread_mutex_unlock(&self->lock);
    return g;
}

uint64_t
gw_zap_handshakes(gw_zap_t *self)
{
    return (uint64_t)atomic_load(&self->accepted);
}

uint64_t
gw_zap_refused(gw_zap_t *self)
{
    return (uint64_t)atomic_load(&self->refused);
}
