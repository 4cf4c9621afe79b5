/*
 * Broker benchmark. Starts a real ijwgw (fork/exec, a temporary config with a
 * free loopback port and a fresh store in a mkdtemp folder) and drives it over
 * TCP with N sender parties (gemeenten submitting JW301) and M recipient
 * parties (aanbieders receiving and DACKing), one thread and one client each.
 * In one run it measures:
 *
 *   baseline    raw ZeroMQ: a DEALER sends the same payloads to a ROUTER thread
 *               that forwards them to a second DEALER (one hop in, one hop out,
 *               like the gateway, but no validation, no store, no protocol);
 *   throughput  end-to-end gateway rate, pipelined senders (a window of
 *               outstanding submits each): from the first submit to the last
 *               delivery DACKed, every message validated (XSD + rules), stored
 *               durably (group commit) and routed;
 *   latency     submit -> delivery at the recipient, p50/p99/max, at a fixed
 *               offered load (paced senders; the clock starts at the scheduled
 *               send time, so a stalled sender cannot hide queueing).
 *
 * and prints the figures, throughput/baseline as a ratio (machines are noisy;
 * ratios are not) and the targets. A benchmark, never a timed test: missing a
 * target prints "NO" but exits 0; only a broken run (gateway did not start,
 * message refused or lost, timeout) exits non-zero.
 *
 * Each submit is unique (the gateway deduplicates on the BerichtIdentificatie):
 * the Identificatie (12 characters) carries phase letter + sender + sequence
 * number, which is also how a recipient finds the submit time in the side table.
 *
 * usage: bench_broker [--gateway PATH] [--quick] [--senders N] [--recipients M]
 *                     [--window W] [--rate R] [--secs S] [--fixture FILE]
 *                     [--log LEVEL] [--sync-normal] [--keep] [--encrypt] [--curve]
 *                     [--security]
 *   (the gateway path may also come from $IJWGW)
 *
 * --curve: after the plain run, the warm-up and throughput phases again on a second
 * gateway with CurveZMQ on (a key pair per party), and the ratio CURVE on / off.
 * --security: the same with everything issue 5 adds on at once: CurveZMQ, payloads
 * AES-256-GCM encrypted at rest and the hash-chained audit trail; ratio on / off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <zmq.h>

#include "gw/alloc.h"
#include "gw/client.h"
#include "gw/keys.h"
#include "gw/proto.h"

#include "gw_crypt.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

#define MAX_PARTIES      16      /* per side */
#define IDENT_LEN        12      /* LDT_IdentificatieBericht maxLength */
#define TARGET_TPUT      20000.0 /* durable validated routed msg/s */
#define TARGET_P99_MS    10.0    /* at the offered load below */
#define DRAIN_TIMEOUT_NS (15 * NS)
#define NS               1000000000LL

enum { PH_WARM, PH_TPUT, PH_LAT, PH_ENC, NPHASE };
static const char s_phase_letter[NPHASE] = {'W', 'T', 'L', 'E'};
static const char *const s_phase_name[NPHASE] = {"warm-up", "throughput", "latency",
                                                 "throughput, encrypted at rest"};
#define TARGET_ENC_RATIO 0.70 /* at-rest encryption may cost at most 30% of throughput */

typedef struct opts {
    const char *gateway; /* ijwgw binary */
    const char *fixture; /* payload template */
    const char *log;     /* IJWGW_LOG for the gateway, NULL = its default (info) */
    int senders;         /* gemeenten */
    int recipients;      /* aanbieders */
    int window;          /* outstanding submits per sender (throughput phase) */
    double rate;         /* offered load of the latency phase, msg/s over all senders */
    double base_secs;    /* baseline duration */
    double warm_secs;    /* warm-up duration */
    double tput_secs;    /* throughput phase: submit for this long, then drain */
    double lat_secs;     /* latency phase duration */
    int sync_normal;     /* store synchronous=NORMAL instead of FULL */
    int keep;            /* keep the temp folder (store, config, log) */
    int curve;           /* also measure throughput with CURVE on */
    int security;        /* also measure throughput with CURVE, store_key and audit_log on */
    int encrypt;         /* --encrypt: after the latency phase, turn store_key on (SIGHUP)
                            and run the throughput phase again: on vs off, same run */
} opts_t;

/* A JW301 prepared for one (sender, recipient) pair: Afzender and Ontvanger
 * rewritten, the Identificatie a 12-character field at id_off. */
typedef struct payload {
    char *buf; /* heap */
    size_t len;
    size_t id_off; /* where the Identificatie text starts */
} payload_t;

typedef struct bench bench_t;

typedef struct sender {
    bench_t *b;
    int idx;
    char code[8]; /* gemeentecode, 4 digits */
    gw_client_t *client;
    payload_t pay[MAX_PARTIES]; /* one per recipient */
    /* results of the current phase (written by the sender thread only) */
    int phase;
    uint64_t sent, acked, failed;
    int timed_out;
    char first_error[192];
    gw_keypair_t kp; /* --curve */
} sender_t;

typedef struct recipient {
    bench_t *b;
    int idx;
    char code[12]; /* AGB code, 8 digits */
    gw_client_t *client;
    int64_t *lat[NPHASE]; /* latencies in ns (heap), read after join */
    size_t nlat[NPHASE], caplat[NPHASE];
    uint64_t dups, unknown, errors; /* redeliveries, unparseable, ERROR events */
    gw_keypair_t kp;                /* --curve */
} recipient_t;

struct bench {
    opts_t o;
    char dir[256]; /* mkdtemp folder */
    char endpoint[64];
    pid_t gw_pid;
    sender_t snd[MAX_PARTIES];
    recipient_t rcp[MAX_PARTIES];
    _Atomic int64_t *stamp[NPHASE][MAX_PARTIES]; /* submit time (ns) per seq; -1 = delivered */
    size_t cap[NPHASE];                          /* entries per sender per phase */
    _Atomic uint64_t delivered[NPHASE];          /* unique deliveries */
    _Atomic int64_t last_dack_ns[NPHASE];
    _Atomic int stop; /* recipients: leave */
    int curve;        /* the gateway being run has CURVE on */
    char server_pub[GW_KEY_Z85_LEN + 1];
    int enc_on;       /* the config written next has store_key */
    int audit_on;     /* the config written next has audit_log */
};

static int64_t
s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
s_sleep_ns(int64_t ns)
{
    if (ns <= 0) {
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)(ns / NS), .tv_nsec = (long)(ns % NS)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void
s_atomic_max(_Atomic int64_t *v, int64_t x)
{
    int64_t cur = atomic_load(v);
    while (cur < x && !atomic_compare_exchange_weak(v, &cur, x)) {
    }
}

static char *
s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *b = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        n = ftell(f);
    }
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
        b = malloc((size_t)n + 1);
        if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
            free(b);
            b = NULL;
        }
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

/* ------------------------------------------------------------ payloads ---- */

/* The text of the first element whose tag ends in `tag` (e.g. ":Afzender>"). */
static int
s_span(const char *xml, size_t from, const char *tag, size_t *off, size_t *len)
{
    const char *p = strstr(xml + from, tag);
    if (!p) {
        return -1;
    }
    p += strlen(tag);
    const char *e = strchr(p, '<');
    if (!e) {
        return -1;
    }
    *off = (size_t)(p - xml);
    *len = (size_t)(e - p);
    return 0;
}

static int
s_make_payload(const char *xml, const char *afz, const char *ont, payload_t *out)
{
    size_t ao, al, oo, ol, io, il;
    if (s_span(xml, 0, ":Afzender>", &ao, &al) != 0 ||
        s_span(xml, ao, ":Ontvanger>", &oo, &ol) != 0 ||
        s_span(xml, oo, ":Identificatie>", &io, &il) != 0) {
        return -1;
    }
    size_t n = strlen(xml), alen = strlen(afz), olen = strlen(ont);
    size_t len = n - al - ol - il + alen + olen + IDENT_LEN;
    char *b = malloc(len + 1);
    if (!b) {
        return -1;
    }
    char *w = b;
    memcpy(w, xml, ao);
    w += ao;
    memcpy(w, afz, alen);
    w += alen;
    memcpy(w, xml + ao + al, oo - ao - al);
    w += oo - ao - al;
    memcpy(w, ont, olen);
    w += olen;
    memcpy(w, xml + oo + ol, io - oo - ol);
    w += io - oo - ol;
    out->id_off = (size_t)(w - b);
    memset(w, 'X', IDENT_LEN);
    w += IDENT_LEN;
    memcpy(w, xml + io + il, n - io - il);
    w += n - io - il;
    *w = '\0';
    out->buf = b;
    out->len = len;
    return 0;
}

/* Identificatie = phase letter, 2-digit sender, 9-digit sequence number. */
static void
s_ident(char out[IDENT_LEN + 1], int phase, int sender, uint64_t seq)
{
    snprintf(out, IDENT_LEN + 1, "%c%02d%09" PRIu64, s_phase_letter[phase], sender,
             seq % 1000000000u);
}

static int
s_parse_ident(const char *s, int *phase, int *sender, uint64_t *seq)
{
    *phase = -1;
    for (int i = 0; i < NPHASE; i++) {
        if (s[0] == s_phase_letter[i]) {
            *phase = i;
        }
    }
    if (*phase < 0) {
        return -1;
    }
    int sd = 0;
    uint64_t sq = 0;
    for (int i = 1; i < IDENT_LEN; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        if (i < 3) {
            sd = sd * 10 + (s[i] - '0');
        } else {
            sq = sq * 10 + (uint64_t)(s[i] - '0');
        }
    }
    *sender = sd;
    *seq = sq;
    return 0;
}

/* ------------------------------------------------------------ baseline ---- */

typedef struct base {
    void *ctx;
    const char *endpoint;
    payload_t *pay; /* the sender-0 payloads */
    int npay;
    double secs;
    void *router;
    _Atomic int b_ready; /* the ROUTER knows B's routing id */
    uint64_t sent;
    int64_t t_first;
    int failed;
} base_t;

/* The ROUTER: learn B from its READY, then forward everything A sends to B. */
static void *
s_base_router(void *arg)
{
    base_t *bs = arg;
    void *r = bs->router;
    char id[16], buf[64];
    int n = zmq_recv(r, id, sizeof(id), 0);
    int m = n > 0 ? zmq_recv(r, buf, sizeof(buf), 0) : -1;
    if (n != 1 || id[0] != 'B' || m < 0) {
        return NULL;
    }
    atomic_store(&bs->b_ready, 1);
    for (;;) {
        zmq_msg_t from, body;
        zmq_msg_init(&from);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&from, r, 0) < 0 || zmq_msg_recv(&body, r, 0) < 0) {
            zmq_msg_close(&from);
            zmq_msg_close(&body);
            break;
        }
        size_t len = zmq_msg_size(&body);
        int end = len == 3 && memcmp(zmq_msg_data(&body), "END", 3) == 0;
        int ok = zmq_send(r, "B", 1, ZMQ_SNDMORE) == 1 && zmq_msg_send(&body, r, 0) >= 0;
        zmq_msg_close(&from);
        zmq_msg_close(&body);
        if (!ok || end) {
            break;
        }
    }
    return NULL;
}

static void *
s_base_sender(void *arg)
{
    base_t *bs = arg;
    void *a = zmq_socket(bs->ctx, ZMQ_DEALER);
    int tmo = 2000, linger = 5000; /* closing must not discard the queued tail */
    zmq_setsockopt(a, ZMQ_ROUTING_ID, "A", 1);
    zmq_setsockopt(a, ZMQ_SNDTIMEO, &tmo, sizeof(tmo));
    zmq_setsockopt(a, ZMQ_LINGER, &linger, sizeof(linger));
    if (zmq_connect(a, bs->endpoint) != 0) {
        bs->failed = 1;
        zmq_close(a);
        return NULL;
    }
    char ident[IDENT_LEN + 1];
    int64_t ready_by = s_now_ns() + 2 * NS;
    while (!atomic_load(&bs->b_ready) && s_now_ns() < ready_by) {
        s_sleep_ns(1000000);
    }
    bs->t_first = s_now_ns();
    int64_t end = bs->t_first + (int64_t)(bs->secs * (double)NS);
    for (uint64_t seq = 0;; seq++) {
        if ((seq & 255) == 0 && s_now_ns() >= end) {
            break;
        }
        payload_t *p = &bs->pay[seq % (uint64_t)bs->npay];
        s_ident(ident, PH_TPUT, 0, seq);
        memcpy(p->buf + p->id_off, ident, IDENT_LEN);
        if (zmq_send(a, p->buf, p->len, 0) != (int)p->len) {
            bs->failed = 1;
            break;
        }
        bs->sent++;
    }
    if (zmq_send(a, "END", 3, 0) != 3) {
        bs->failed = 1;
    }
    zmq_close(a);
    return NULL;
}

/* Raw ZeroMQ DEALER -> ROUTER -> DEALER over loopback TCP. Returns msg/s or -1. */
static double
s_baseline(bench_t *b, double *mbps)
{
    double rate = -1;
    base_t bs = {.pay = b->snd[0].pay, .npay = b->o.recipients, .secs = b->o.base_secs};
    bs.ctx = zmq_ctx_new();
    void *r = zmq_socket(bs.ctx, ZMQ_ROUTER);
    void *rb = zmq_socket(bs.ctx, ZMQ_DEALER);
    int one = 1, zero = 0, tmo = 2000;
    char ep[64];
    size_t eplen = sizeof(ep);
    zmq_setsockopt(r, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
    zmq_setsockopt(r, ZMQ_SNDTIMEO, &tmo, sizeof(tmo));
    zmq_setsockopt(r, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
    zmq_setsockopt(r, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(rb, ZMQ_ROUTING_ID, "B", 1);
    zmq_setsockopt(rb, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
    zmq_setsockopt(rb, ZMQ_LINGER, &zero, sizeof(zero));
    if (zmq_bind(r, "tcp://127.0.0.1:*") != 0 ||
        zmq_getsockopt(r, ZMQ_LAST_ENDPOINT, ep, &eplen) != 0 || zmq_connect(rb, ep) != 0 ||
        zmq_send(rb, "READY", 5, 0) != 5) {
        goto done;
    }
    bs.endpoint = ep;
    bs.router = r;
    pthread_t tr, ta;
    if (pthread_create(&tr, NULL, s_base_router, &bs) != 0) {
        goto done;
    }
    if (pthread_create(&ta, NULL, s_base_sender, &bs) != 0) {
        zmq_close(rb);
        rb = NULL;
        pthread_join(tr, NULL);
        goto done;
    }
    uint64_t got = 0, bytes = 0;
    int64_t t_last = 0;
    zmq_msg_t m;
    zmq_msg_init(&m);
    for (;;) {
        int n = zmq_msg_recv(&m, rb, 0);
        if (n < 0) {
            break; /* 2 s of silence: something is wrong */
        }
        if (n == 3 && memcmp(zmq_msg_data(&m), "END", 3) == 0) {
            break;
        }
        got++;
        bytes += (uint64_t)n;
        t_last = s_now_ns();
    }
    zmq_msg_close(&m);
    pthread_join(ta, NULL);
    pthread_join(tr, NULL);
    if (!bs.failed && got == bs.sent && got > 0 && t_last > bs.t_first) {
        double secs = (double)(t_last - bs.t_first) / (double)NS;
        rate = (double)got / secs;
        *mbps = (double)bytes / secs / 1e6;
    } else {
        fprintf(stderr, "bench: baseline failed (sent %" PRIu64 ", received %" PRIu64 ")\n",
                bs.sent, got);
    }
done:
    if (rb) {
        zmq_close(rb);
    }
    zmq_close(r);
    zmq_ctx_term(bs.ctx);
    return rate;
}

/* ------------------------------------------------------------ the gateway ---- */

static int
s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

static int
s_write_config(bench_t *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        return -1;
    }
    fprintf(f,
            "# written by bench_broker\n"
            "gateway\n"
            "    endpoint = %s\n"
            "    store = %s/store.db\n"
            "    inflight_limit = 65536\n"
            "    queue_limit = 10000000\n"
            "%s",
            b->endpoint, b->dir, b->o.sync_normal ? "    store_sync = normal\n" : "");
    if (b->curve) {
        fprintf(f, "    curve = on\n    server_key = %s/server.key\n    party_keys = %s/keys\n",
                b->dir, b->dir);
    }
    if (b->enc_on) {
        fprintf(f, "    store_key = %s/store.key\n", b->dir);
    }
    if (b->audit_on) {
        fprintf(f, "    audit_log = %s/audit.log\n", b->dir);
    }
    for (int i = 0; i < b->o.senders; i++) {
        fprintf(f, "party %s\n    kind = gemeente\n    name = \"Bench gemeente %d\"\n",
                b->snd[i].code, i);
    }
    for (int i = 0; i < b->o.recipients; i++) {
        fprintf(f, "party %s\n    kind = aanbieder\n    name = \"Bench aanbieder %d\"\n",
                b->rcp[i].code, i);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* --encrypt: a key file, the config with store_key, SIGHUP; wait until the gateway logs
 * the key (gw_broker.c reads store_key at every reload). */
static int
s_encrypt_on(bench_t *b)
{
    char key[600], cfg[512], logp[512];
    snprintf(key, sizeof(key), "%s/store.key", b->dir);
    snprintf(cfg, sizeof(cfg), "%s/ijwgw.conf", b->dir);
    snprintf(logp, sizeof(logp), "%s/ijwgw.log", b->dir);
    char *err = NULL;
    if (gw_keyring_create(key, &err) != GW_OK) {
        fprintf(stderr, "bench: %s\n", err ? err : "cannot create the store key");
        gw_free(err);
        return -1;
    }
    b->enc_on = 1;
    if (s_write_config(b, cfg) != 0 || kill(b->gw_pid, SIGHUP) != 0) {
        return -1;
    }
    if (b->o.log && strcmp(b->o.log, "info") != 0 && strcmp(b->o.log, "debug") != 0) {
        s_sleep_ns(NS); /* the INFO line below is not logged: give the reload a second */
        return 0;
    }
    for (int i = 0; i < 500; i++) {
        size_t len = 0;
        char *text = s_read(logp, &len);
        int on = text && strstr(text, "store_key file=") != NULL;
        free(text);
        if (on) {
            return 0;
        }
        s_sleep_ns(NS / 100);
    }
    fprintf(stderr, "bench: the gateway did not turn store_key on after SIGHUP\n");
    return -1;
}

static pid_t
s_spawn_gateway(bench_t *b)
{
    char cfg[512], logp[512];
    snprintf(cfg, sizeof(cfg), "%s/ijwgw.conf", b->dir);
    snprintf(logp, sizeof(logp), "%s/ijwgw.log", b->dir);
    if (s_write_config(b, cfg) != 0) {
        return -1;
    }
    int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a killed benchmark */
#endif
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        if (b->o.log) {
            setenv("IJWGW_LOG", b->o.log, 1);
        }
        char *argv[] = {(char *)b->o.gateway, "-c", cfg, NULL};
        execv(b->o.gateway, argv);
        _exit(127);
    }
    close(fd);
    return pid;
}

/* SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status or -1. */
static int
s_stop_gateway(bench_t *b, double *cpu_total)
{
    if (b->gw_pid <= 0) {
        return -1;
    }
    kill(b->gw_pid, SIGTERM);
    int status = 0;
    struct rusage ru;
    int64_t end = s_now_ns() + 10 * NS;
    for (;;) {
        pid_t w = wait4(b->gw_pid, &status, WNOHANG, &ru);
        if (w == b->gw_pid) {
            break;
        }
        if (w < 0 || s_now_ns() > end) {
            fprintf(stderr, "bench: the gateway did not stop on SIGTERM within 10 s; killing it\n");
            kill(b->gw_pid, SIGKILL);
            waitpid(b->gw_pid, &status, 0);
            b->gw_pid = -1;
            return -1;
        }
        s_sleep_ns(10 * 1000000);
    }
    b->gw_pid = -1;
    *cpu_total = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* CPU seconds (user + system) the gateway has used so far; -1 when unknown. */
static double
s_gateway_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
     */
    if (!p ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
        return -1;
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
s_self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
s_print_log_tail(const bench_t *b, int lines)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/ijwgw.log", b->dir);
    size_t len = 0;
    char *text = s_read(path, &len);
    if (!text) {
        return;
    }
    const char *p = text + len;
    for (int n = 0; p > text && n <= lines; p--) {
        if (p[-1] == '\n') {
            n++;
        }
    }
    fprintf(stderr, "---- gateway log (last lines, %s) ----\n%s\n", path, p);
    free(text);
}

/* The gateway's "stopped" line: its own counters. */
static void
s_print_gateway_stats(const bench_t *b)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/ijwgw.log", b->dir);
    size_t len = 0;
    char *text = s_read(path, &len);
    if (!text) {
        return;
    }
    char *p = strstr(text, " stopped ");
    if (p) {
        char *e = strchr(p, '\n');
        if (e) {
            *e = '\0';
        }
        printf("gateway counters:%s\n", p + 8);
    }
    free(text);
}

static void
s_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }
    struct dirent *de;
    char path[1024];
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        int n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (n > 0 && (size_t)n < sizeof(path) && unlink(path) != 0 &&
            (errno == EISDIR || errno == EPERM)) {
            s_remove_dir(path); /* keys/ of the --curve run */
        }
    }
    closedir(d);
    rmdir(dir);
}

/* Connect a party, retrying while the gateway starts (schemas compile first). */
static gw_client_t *
s_connect(bench_t *b, const char *party)
{
    int64_t end = s_now_ns() + 20 * NS;
    gw_client_opts_t co = {.sndhwm = 100000};
    if (b->curve) {
        const gw_keypair_t *kp = NULL;
        for (int i = 0; i < b->o.senders && !kp; i++) {
            kp = strcmp(b->snd[i].code, party) == 0 ? &b->snd[i].kp : NULL;
        }
        for (int i = 0; i < b->o.recipients && !kp; i++) {
            kp = strcmp(b->rcp[i].code, party) == 0 ? &b->rcp[i].kp : NULL;
        }
        co.curve_server_key = b->server_pub;
        co.curve_public_key = kp ? kp->public_key : NULL;
        co.curve_secret_key = kp ? kp->secret_key : NULL;
    }
    while (s_now_ns() < end) {
        char *err = NULL;
        gw_client_t *c = gw_client_new(b->endpoint, party, &co, &err);
        if (!c) {
            fprintf(stderr, "bench: client %s: %s\n", party, err ? err : "?");
            gw_free(err);
            return NULL;
        }
        int rc = gw_client_connect(c, 500, &err);
        if (rc == GW_OK) {
            return c;
        }
        gw_client_destroy(&c);
        if (rc != GW_EAGAIN) {
            fprintf(stderr, "bench: the gateway refused party %s: %s\n", party, err ? err : "?");
            gw_free(err);
            return NULL;
        }
        gw_free(err);
        int status;
        if (waitpid(b->gw_pid, &status, WNOHANG) == b->gw_pid) {
            fprintf(stderr, "bench: the gateway exited during start-up (%s %d)\n",
                    WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            b->gw_pid = -1;
            return NULL;
        }
    }
    fprintf(stderr, "bench: party %s got no WELCOME within 20 s\n", party);
    return NULL;
}

/* ------------------------------------------------------------ recipients ---- */

static void
s_record(recipient_t *r, int phase, int64_t lat)
{
    if (r->nlat[phase] == r->caplat[phase]) {
        size_t cap = r->caplat[phase] ? r->caplat[phase] * 2 : 16384;
        int64_t *v = realloc(r->lat[phase], cap * sizeof(*v));
        if (!v) {
            return;
        }
        r->lat[phase] = v;
        r->caplat[phase] = cap;
    }
    r->lat[phase][r->nlat[phase]++] = lat;
}

/* Match a delivery to its submit: its phase when it is the first copy, -1 otherwise. */
static int
s_on_delivery(recipient_t *r, const gw_client_event_t *ev, int64_t now)
{
    bench_t *b = r->b;
    size_t off, len;
    int phase, sender;
    uint64_t seq;
    if (!ev->body || s_span(ev->body, 0, ":Identificatie>", &off, &len) != 0 || len != IDENT_LEN ||
        s_parse_ident(ev->body + off, &phase, &sender, &seq) != 0 || sender >= b->o.senders ||
        seq >= b->cap[phase]) {
        r->unknown++;
        return -1;
    }
    int64_t t0 = atomic_exchange(&b->stamp[phase][sender][seq], -1);
    if (t0 <= 0) {
        r->dups++; /* a redelivery (or a message the sender never stamped) */
        return -1;
    }
    s_record(r, phase, now - t0);
    return phase;
}

static void *
s_recipient_main(void *arg)
{
    recipient_t *r = arg;
    bench_t *b = r->b;
    while (!atomic_load(&b->stop)) {
        gw_client_event_t ev;
        memset(&ev, 0, sizeof(ev));
        int rc = gw_client_next(r->client, &ev, 50);
        if (rc == GW_EAGAIN) {
            continue;
        }
        if (rc != GW_OK) {
            r->errors++;
            s_sleep_ns(10 * 1000000);
            continue;
        }
        if (ev.cmd == GW_CMD_DELIVER) {
            int phase = s_on_delivery(r, &ev, s_now_ns());
            if (gw_client_dack(r->client, ev.id) != GW_OK) {
                r->errors++;
            } else if (phase >= 0) {
                s_atomic_max(&b->last_dack_ns[phase], s_now_ns());
                atomic_fetch_add(&b->delivered[phase], 1);
            }
        } else if (ev.cmd == GW_CMD_ERROR) {
            r->errors++;
        }
        gw_client_event_clear(&ev);
    }
    return NULL;
}

/* ------------------------------------------------------------ senders ---- */

static void
s_on_answer(sender_t *s, const gw_client_event_t *ev)
{
    if (ev->cmd == GW_CMD_ACK) {
        s->acked++;
        return;
    }
    if (ev->cmd == GW_CMD_REJECT || ev->cmd == GW_CMD_ERROR) {
        if (s->failed++ == 0) {
            snprintf(s->first_error, sizeof(s->first_error), "%s %s %.120s", gw_cmd_name(ev->cmd),
                     ev->code, ev->body ? ev->body : "");
        }
    }
}

/* Submit message seq of the current phase; stamps it first. GW_OK or GW_EAGAIN. */
static int
s_submit(sender_t *s, uint64_t seq, int64_t stamp)
{
    bench_t *b = s->b;
    payload_t *p = &s->pay[seq % (uint64_t)b->o.recipients];
    char ident[IDENT_LEN + 1];
    s_ident(ident, s->phase, s->idx, seq);
    memcpy(p->buf + p->id_off, ident, IDENT_LEN);
    atomic_store(&b->stamp[s->phase][s->idx][seq], stamp ? stamp : s_now_ns());
    int rc = gw_client_send(s->client, p->buf, p->len, ident, NULL);
    if (rc != GW_OK) {
        atomic_store(&b->stamp[s->phase][s->idx][seq], 0);
    }
    return rc;
}

/* Wait up to timeout_ms for one answer, then take whatever else is waiting. */
static int
s_drain(sender_t *s, int timeout_ms)
{
    int got = 0;
    for (;;) {
        gw_client_event_t ev;
        memset(&ev, 0, sizeof(ev));
        int rc = gw_client_next(s->client, &ev, got ? 0 : timeout_ms);
        if (rc != GW_OK) {
            return got;
        }
        got++;
        if (ev.cmd == GW_CMD_DELIVER) {
            if (gw_client_dack(s->client, ev.id) != GW_OK) {
                s->failed++;
            }
        } else {
            s_on_answer(s, &ev);
        }
        gw_client_event_clear(&ev);
    }
}

/* Pipelined: keep `window` submits outstanding for `secs`, then wait for the answers. */
static void
s_run_window(sender_t *s, double secs)
{
    bench_t *b = s->b;
    int64_t end = s_now_ns() + (int64_t)(secs * (double)NS);
    uint64_t seq = 0;
    for (;;) {
        int64_t now = s_now_ns();
        uint64_t outstanding = seq - s->acked - s->failed;
        int sending = now < end && seq < b->cap[s->phase];
        if (!sending && outstanding == 0) {
            break;
        }
        if (now > end + DRAIN_TIMEOUT_NS) {
            s->timed_out = 1;
            break;
        }
        while (sending && outstanding < (uint64_t)b->o.window) {
            if (s_submit(s, seq, 0) != GW_OK) {
                break; /* send queue full: take answers first */
            }
            seq++;
            outstanding++;
        }
        s->sent = seq;
        s_drain(s, 100);
    }
    s->sent = seq;
}

/* Paced: message k at t0 + k * interval, stamped with its scheduled time. */
static void
s_run_paced(sender_t *s, double rate, double secs)
{
    bench_t *b = s->b;
    uint64_t total = (uint64_t)(rate * secs / b->o.senders);
    if (total > b->cap[s->phase]) {
        total = b->cap[s->phase];
    }
    int64_t interval = (int64_t)((double)NS * b->o.senders / rate);
    int64_t t0 = s_now_ns() + (int64_t)((double)NS / rate) * s->idx;
    int64_t end = t0 + (int64_t)(secs * (double)NS) + DRAIN_TIMEOUT_NS;
    uint64_t seq = 0;
    while (seq < total || seq > s->acked + s->failed) {
        int64_t now = s_now_ns();
        if (now > end) {
            s->timed_out = 1;
            break;
        }
        while (seq < total && t0 + (int64_t)seq * interval <= now) {
            if (s_submit(s, seq, t0 + (int64_t)seq * interval) != GW_OK) {
                break;
            }
            seq++;
        }
        s->sent = seq;
        s_drain(s, 0);
        if (seq < total) {
            int64_t next = t0 + (int64_t)seq * interval - s_now_ns();
            s_sleep_ns(next < 1000000 ? next : 1000000);
        } else {
            s_drain(s, 50);
        }
    }
    s->sent = seq;
}

typedef struct phase_arg {
    sender_t *s;
    int paced;
    double secs;
} phase_arg_t;

static void *
s_sender_main(void *arg)
{
    phase_arg_t *pa = arg;
    if (pa->paced) {
        s_run_paced(pa->s, pa->s->b->o.rate, pa->secs);
    } else {
        s_run_window(pa->s, pa->secs);
    }
    return NULL;
}

typedef struct phase_result {
    uint64_t sent, acked, failed, delivered;
    int64_t t_first, t_last; /* first submit, last delivery DACKed */
    double rate;             /* delivered / (t_last - t_first) */
    double gw_cpu;           /* gateway CPU seconds during the phase */
    double self_cpu;         /* this process (clients) */
    int ok;
} phase_result_t;

static int
s_run_phase(bench_t *b, int phase, int paced, double secs, phase_result_t *res)
{
    memset(res, 0, sizeof(*res));
    pthread_t th[MAX_PARTIES];
    phase_arg_t pa[MAX_PARTIES];
    double gw0 = s_gateway_cpu(b->gw_pid), me0 = s_self_cpu();
    res->t_first = s_now_ns();
    int started = 0;
    for (int i = 0; i < b->o.senders; i++) {
        sender_t *s = &b->snd[i];
        s->phase = phase;
        s->sent = s->acked = s->failed = 0;
        s->timed_out = 0;
        s->first_error[0] = '\0';
        pa[i] = (phase_arg_t){.s = s, .paced = paced, .secs = secs};
        if (pthread_create(&th[i], NULL, s_sender_main, &pa[i]) != 0) {
            break;
        }
        started++;
    }
    int ok = started == b->o.senders;
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        sender_t *s = &b->snd[i];
        res->sent += s->sent;
        res->acked += s->acked;
        res->failed += s->failed;
        if (s->timed_out) {
            fprintf(stderr, "bench: %s: sender %s timed out waiting for answers\n",
                    s_phase_name[phase], s->code);
            ok = 0;
        }
        if (s->failed) {
            fprintf(stderr, "bench: %s: sender %s: %" PRIu64 " submits refused; first: %s\n",
                    s_phase_name[phase], s->code, s->failed, s->first_error);
            ok = 0;
        }
    }
    /* Every accepted message must reach its recipient. */
    int64_t end = s_now_ns() + DRAIN_TIMEOUT_NS;
    while (atomic_load(&b->delivered[phase]) < res->acked && s_now_ns() < end) {
        s_sleep_ns(2 * 1000000);
    }
    res->delivered = atomic_load(&b->delivered[phase]);
    res->t_last = atomic_load(&b->last_dack_ns[phase]);
    if (res->delivered < res->acked) {
        fprintf(stderr,
                "bench: %s: only %" PRIu64 " of %" PRIu64 " accepted messages delivered "
                "within %lld s\n",
                s_phase_name[phase], res->delivered, res->acked,
                (long long)(DRAIN_TIMEOUT_NS / NS));
        ok = 0;
    }
    double gw1 = s_gateway_cpu(b->gw_pid);
    res->gw_cpu = gw0 >= 0 && gw1 >= 0 ? gw1 - gw0 : -1;
    res->self_cpu = s_self_cpu() - me0;
    if (res->t_last > res->t_first && res->delivered > 0) {
        res->rate = (double)res->delivered / ((double)(res->t_last - res->t_first) / (double)NS);
    }
    res->ok = ok && res->acked > 0;
    return res->ok ? 0 : -1;
}

/* ------------------------------------------------------------ report ---- */

static int
s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct lat_stats {
    size_t n;
    double p50, p99, max; /* ms */
} lat_stats_t;

static lat_stats_t
s_latency(bench_t *b, int phase)
{
    lat_stats_t st = {0};
    size_t n = 0;
    for (int i = 0; i < b->o.recipients; i++) {
        n += b->rcp[i].nlat[phase];
    }
    if (n == 0) {
        return st;
    }
    int64_t *all = malloc(n * sizeof(*all));
    if (!all) {
        return st;
    }
    size_t k = 0;
    for (int i = 0; i < b->o.recipients; i++) {
        memcpy(all + k, b->rcp[i].lat[phase], b->rcp[i].nlat[phase] * sizeof(*all));
        k += b->rcp[i].nlat[phase];
    }
    qsort(all, n, sizeof(*all), s_cmp_i64);
    st.n = n;
    st.p50 = (double)all[(n - 1) / 2] / 1e6;
    st.p99 = (double)all[(size_t)((double)(n - 1) * 0.99)] / 1e6;
    st.max = (double)all[n - 1] / 1e6;
    free(all);
    return st;
}

/* Key pairs for every party and the gateway in DIR/keys and DIR/server.key. */
static int
s_curve_keys(bench_t *b)
{
    char path[600], pub[600];
    snprintf(path, sizeof(path), "%s/keys", b->dir);
    if (mkdir(path, 0700) != 0) {
        return -1;
    }
    for (int i = 0; i < b->o.senders + b->o.recipients; i++) {
        int snd = i < b->o.senders;
        gw_keypair_t *kp = snd ? &b->snd[i].kp : &b->rcp[i - b->o.senders].kp;
        const char *code = snd ? b->snd[i].code : b->rcp[i - b->o.senders].code;
        snprintf(path, sizeof(path), "%s/keys/%s.key", b->dir, code);
        snprintf(pub, sizeof(pub), "%s/keys/%s.pub", b->dir, code);
        if (gw_keys_new(kp) != GW_OK || gw_keys_save(kp, path, pub, code, NULL) != GW_OK) {
            return -1;
        }
    }
    gw_keypair_t server;
    snprintf(path, sizeof(path), "%s/server.key", b->dir);
    if (gw_keys_new(&server) != GW_OK ||
        gw_keys_save(&server, path, NULL, "bench", NULL) != GW_OK) {
        return -1;
    }
    memcpy(b->server_pub, server.public_key, sizeof(b->server_pub));
    gw_keys_wipe(&server);
    return 0;
}

/* --curve: warm-up and throughput again on a fresh gateway with CURVE on (a new folder
 * replaces the plain run's, which is removed unless --keep). 0, or -1 after saying why. */
static int
s_curve_run(bench_t *b, phase_result_t *res, int all_security)
{
    if (!b->o.keep) {
        s_remove_dir(b->dir);
    }
    snprintf(b->dir, sizeof(b->dir), "%s/ijwgw-bench-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(b->dir)) {
        b->dir[0] = '\0';
        fprintf(stderr, "bench: mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    b->curve = 1;
    /* Compared with the plain run's throughput phase (store_key and audit_log off); with
     * all_security, at-rest encryption and the audit trail are on from the start. */
    b->enc_on = all_security;
    b->audit_on = all_security;
    if (s_curve_keys(b) != 0) {
        fprintf(stderr, "bench: cannot make CURVE keys in %s\n", b->dir);
        return -1;
    }
    if (all_security) {
        char key[600];
        char *err = NULL;
        snprintf(key, sizeof(key), "%s/store.key", b->dir);
        if (gw_keyring_create(key, &err) != GW_OK) {
            fprintf(stderr, "bench: %s\n", err ? err : "cannot create the store key");
            gw_free(err);
            return -1;
        }
    }
    for (int ph = PH_WARM; ph <= PH_TPUT; ph++) {
        atomic_store(&b->delivered[ph], 0);
        atomic_store(&b->last_dack_ns[ph], 0);
        for (int i = 0; i < b->o.senders; i++) {
            for (size_t k = 0; k < b->cap[ph]; k++) {
                atomic_store(&b->stamp[ph][i][k], 0);
            }
        }
    }
    atomic_store(&b->stop, 0);
    int port = s_free_port();
    snprintf(b->endpoint, sizeof(b->endpoint), "tcp://127.0.0.1:%d", port);
    b->gw_pid = port > 0 ? s_spawn_gateway(b) : -1;
    pthread_t rth[MAX_PARTIES];
    int nrth = 0, ok = b->gw_pid > 0;
    for (int i = 0; ok && i < b->o.recipients; i++) {
        ok = (b->rcp[i].client = s_connect(b, b->rcp[i].code)) != NULL;
    }
    for (int i = 0; ok && i < b->o.senders; i++) {
        ok = (b->snd[i].client = s_connect(b, b->snd[i].code)) != NULL;
    }
    for (; ok && nrth < b->o.recipients; nrth++) {
        ok = pthread_create(&rth[nrth], NULL, s_recipient_main, &b->rcp[nrth]) == 0;
    }
    phase_result_t warm;
    ok = ok && s_run_phase(b, PH_WARM, 0, b->o.warm_secs, &warm) == 0 &&
         s_run_phase(b, PH_TPUT, 0, b->o.tput_secs, res) == 0;
    atomic_store(&b->stop, 1);
    for (int i = 0; i < nrth; i++) {
        pthread_join(rth[i], NULL);
    }
    for (int i = 0; i < b->o.senders; i++) {
        gw_client_destroy(&b->snd[i].client);
        gw_keys_wipe(&b->snd[i].kp);
    }
    for (int i = 0; i < b->o.recipients; i++) {
        gw_client_destroy(&b->rcp[i].client);
        gw_keys_wipe(&b->rcp[i].kp);
    }
    double cpu = -1;
    if (s_stop_gateway(b, &cpu) != 0) {
        ok = 0;
    }
    if (!ok) {
        s_print_log_tail(b, 20);
    }
    return ok ? 0 : -1;
}

static void
s_usage(FILE *f)
{
    fputs("usage: bench_broker [--gateway PATH] [--quick] [--senders N] [--recipients M]\n"
          "                    [--window W] [--rate MSG/S] [--secs S] [--fixture FILE]\n"
          "                    [--log LEVEL] [--sync-normal] [--keep]\n"
          "  --gateway PATH  the ijwgw binary (default $IJWGW)\n"
          "  --quick         about 5 s instead of about 20 s\n"
          "  --senders N     gemeenten submitting (default 2, max 16)\n"
          "  --recipients M  aanbieders receiving and DACKing (default 2, max 16)\n"
          "  --window W      outstanding submits per sender, throughput phase (default 256)\n"
          "  --rate R        offered load of the latency phase, msg/s (default 5000)\n"
          "  --secs S        length of the throughput phase (default 8; quick 2)\n"
          "  --fixture FILE  the JW301 to send (default tests/fixtures/valid/jw301.xml)\n"
          "  --log LEVEL     gateway log level (IJWGW_LOG: error|warn|info|debug; default info)\n"
          "  --sync-normal   store synchronous=NORMAL instead of FULL\n"
          "  --keep          keep the temporary folder (config, store, gateway log)\n"
          "  --encrypt       also measure throughput with payloads encrypted at rest\n"
          "                  (store_key on after a reload; reported as a ratio to off)\n"
          "  --curve         also run the throughput phase with CurveZMQ on; print the ratio\n"
          "  --security      also run it with CurveZMQ, encryption at rest and the audit trail\n",
          f);
}

static int
s_parse_args(int argc, char **argv, opts_t *o)
{
    *o = (opts_t){.gateway = getenv("IJWGW"),
                  .senders = 2,
                  .recipients = 2,
                  .window = 256,
                  .rate = 5000,
                  .base_secs = 2.0,
                  .warm_secs = 0.5,
                  .tput_secs = 8.0,
                  .lat_secs = 3.0};
    double secs = -1;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            quick = 1;
        } else if (strcmp(a, "--sync-normal") == 0) {
            o->sync_normal = 1;
        } else if (strcmp(a, "--keep") == 0) {
            o->keep = 1;
        } else if (strcmp(a, "--curve") == 0) {
            o->curve = 1;
        } else if (strcmp(a, "--security") == 0) {
            o->security = 1;
        } else if (strcmp(a, "--encrypt") == 0) {
            o->encrypt = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            s_usage(stdout);
            exit(0);
        } else if (!v) {
            s_usage(stderr);
            return -1;
        } else if (strcmp(a, "--gateway") == 0) {
            o->gateway = v;
            i++;
        } else if (strcmp(a, "--fixture") == 0) {
            o->fixture = v;
            i++;
        } else if (strcmp(a, "--log") == 0) {
            o->log = v;
            i++;
        } else if (strcmp(a, "--senders") == 0) {
            o->senders = atoi(v);
            i++;
        } else if (strcmp(a, "--recipients") == 0) {
            o->recipients = atoi(v);
            i++;
        } else if (strcmp(a, "--window") == 0) {
            o->window = atoi(v);
            i++;
        } else if (strcmp(a, "--rate") == 0) {
            o->rate = atof(v);
            i++;
        } else if (strcmp(a, "--secs") == 0) {
            secs = atof(v);
            i++;
        } else {
            s_usage(stderr);
            return -1;
        }
    }
    if (quick) {
        o->base_secs = 0.5;
        o->warm_secs = 0.2;
        o->tput_secs = 2.0;
        o->lat_secs = 1.0;
    }
    if (secs > 0) {
        o->tput_secs = secs;
    }
    if (!o->gateway || o->senders < 1 || o->senders > MAX_PARTIES || o->recipients < 1 ||
        o->recipients > MAX_PARTIES || o->window < 1 || o->rate <= 0) {
        s_usage(stderr);
        return -1;
    }
    return 0;
}

static const char *
s_met(int met)
{
    return met ? "yes" : "NO";
}

int
main(int argc, char **argv)
{
    static bench_t bench; /* large; zeroed */
    bench_t *b = &bench;
    int status = 1;
    if (s_parse_args(argc, argv, &b->o) != 0) {
        return 2;
    }
    alarm((unsigned)(b->o.base_secs + b->o.tput_secs + b->o.lat_secs) * 3 + 90); /* last resort */
    signal(SIGPIPE, SIG_IGN);

    if (access(b->o.gateway, X_OK) != 0) {
        fprintf(stderr, "bench: %s is not an executable: %s\n", b->o.gateway, strerror(errno));
        return 2;
    }

    /* Payloads. */
    char fixture[1024];
    snprintf(fixture, sizeof(fixture), "%s",
             b->o.fixture ? b->o.fixture : GW_SOURCE_DIR "/tests/fixtures/valid/jw301.xml");
    size_t flen = 0;
    char *xml = s_read(fixture, &flen);
    if (!xml) {
        fprintf(stderr, "bench: cannot read %s\n", fixture);
        return 2;
    }
    for (int i = 0; i < b->o.recipients; i++) {
        b->rcp[i].b = b;
        b->rcp[i].idx = i;
        snprintf(b->rcp[i].code, sizeof(b->rcp[i].code), "%08u", (unsigned)(42420001 + i) % 100000000u);
    }
    for (int i = 0; i < b->o.senders; i++) {
        sender_t *s = &b->snd[i];
        s->b = b;
        s->idx = i;
        snprintf(s->code, sizeof(s->code), "%04u", (unsigned)(363 + i) % 10000u);
        for (int j = 0; j < b->o.recipients; j++) {
            if (s_make_payload(xml, s->code, b->rcp[j].code, &s->pay[j]) != 0) {
                fprintf(stderr, "bench: %s has no Afzender/Ontvanger/Identificatie header\n",
                        fixture);
                return 2;
            }
        }
    }
    free(xml);
    /* Side tables: room for 150k msg/s per sender in the pipelined phases. */
    double per_sender_rate = b->o.rate / b->o.senders * 1.01 + 16;
    b->cap[PH_WARM] = (size_t)(150000 * b->o.warm_secs) + (size_t)b->o.window + 16;
    b->cap[PH_TPUT] = (size_t)(150000 * b->o.tput_secs) + (size_t)b->o.window + 16;
    b->cap[PH_LAT] = (size_t)(per_sender_rate * b->o.lat_secs);
    b->cap[PH_ENC] = b->o.encrypt ? b->cap[PH_TPUT] : 16;
    for (int ph = 0; ph < NPHASE; ph++) {
        for (int i = 0; i < b->o.senders; i++) {
            b->stamp[ph][i] = calloc(b->cap[ph], sizeof(**b->stamp[ph]));
            if (!b->stamp[ph][i]) {
                fprintf(stderr, "bench: out of memory\n");
                return 2;
            }
        }
    }
    size_t paylen = b->snd[0].pay[0].len;

    printf("bench_broker: %d sender(s) -> %d recipient(s), JW301 payload %zu bytes, loopback TCP, "
           "store synchronous=%s, gateway log level %s\n",
           b->o.senders, b->o.recipients, paylen, b->o.sync_normal ? "NORMAL" : "FULL",
           b->o.log ? b->o.log : "default (info)");
    fflush(stdout);

    /* (c) Baseline first, while the machine is otherwise idle. */
    double base_mbps = 0;
    double base = s_baseline(b, &base_mbps);
    if (base <= 0) {
        return 1;
    }

    /* The gateway. */
    snprintf(b->dir, sizeof(b->dir), "%s/ijwgw-bench-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(b->dir)) {
        fprintf(stderr, "bench: mkdtemp: %s\n", strerror(errno));
        return 2;
    }
    int port = s_free_port();
    snprintf(b->endpoint, sizeof(b->endpoint), "tcp://127.0.0.1:%d", port);
    b->gw_pid = port > 0 ? s_spawn_gateway(b) : -1;
    pthread_t rth[MAX_PARTIES];
    int nrth = 0;
    phase_result_t warm = {0}, tput = {0}, lat = {0}, enc = {0};
    int run_ok = 0;
    double startup = 0;
    int64_t t_start = s_now_ns();
    if (b->gw_pid <= 0) {
        fprintf(stderr, "bench: cannot start %s\n", b->o.gateway);
        goto out;
    }
    for (int i = 0; i < b->o.recipients; i++) {
        if (!(b->rcp[i].client = s_connect(b, b->rcp[i].code))) {
            goto out;
        }
    }
    for (int i = 0; i < b->o.senders; i++) {
        if (!(b->snd[i].client = s_connect(b, b->snd[i].code))) {
            goto out;
        }
    }
    startup = (double)(s_now_ns() - t_start) / (double)NS;
    for (; nrth < b->o.recipients; nrth++) {
        if (pthread_create(&rth[nrth], NULL, s_recipient_main, &b->rcp[nrth]) != 0) {
            goto out;
        }
    }
    if (s_run_phase(b, PH_WARM, 0, b->o.warm_secs, &warm) != 0 ||
        s_run_phase(b, PH_TPUT, 0, b->o.tput_secs, &tput) != 0 ||
        s_run_phase(b, PH_LAT, 1, b->o.lat_secs, &lat) != 0) {
        goto out;
    }
    if (b->o.encrypt &&
        (s_encrypt_on(b) != 0 || s_run_phase(b, PH_ENC, 0, b->o.tput_secs, &enc) != 0)) {
        goto out;
    }
    run_ok = 1;
out:
    atomic_store(&b->stop, 1);
    for (int i = 0; i < nrth; i++) {
        pthread_join(rth[i], NULL);
    }
    for (int i = 0; i < b->o.senders; i++) {
        gw_client_destroy(&b->snd[i].client);
    }
    for (int i = 0; i < b->o.recipients; i++) {
        gw_client_destroy(&b->rcp[i].client);
    }
    double gw_cpu_total = -1;
    int gw_status = s_stop_gateway(b, &gw_cpu_total);
    if (gw_status != 0 && b->dir[0] && run_ok) {
        fprintf(stderr, "bench: the gateway exited with status %d\n", gw_status);
        run_ok = 0;
    }
    if (!run_ok) {
        if (b->dir[0]) {
            s_print_log_tail(b, 20);
        }
        goto cleanup;
    }
    uint64_t dups = 0, unknown = 0, rerr = 0;
    for (int i = 0; i < b->o.recipients; i++) {
        dups += b->rcp[i].dups;
        unknown += b->rcp[i].unknown;
        rerr += b->rcp[i].errors;
    }
    lat_stats_t lt = s_latency(b, PH_LAT), ltl = s_latency(b, PH_TPUT);
    double tput_secs = (double)(tput.t_last - tput.t_first) / (double)NS;

    printf("gateway start-up (schemas, store, %d WELCOMEs): %.2f s\n",
           b->o.senders + b->o.recipients, startup);
    s_print_gateway_stats(b);
    printf("recipients: %" PRIu64 " redeliveries, %" PRIu64 " unparseable, %" PRIu64 " errors\n\n",
           dups, unknown, rerr);
    printf("%-52s %14s %12s %4s\n", "figure", "measured", "target", "met");
    printf("%-52s %10.0f/s   %12s\n", "(c) baseline: raw ZeroMQ DEALER->ROUTER->DEALER", base, "");
    printf("%-52s %10.0f MB/s %10s\n", "    baseline bytes", base_mbps, "");
    printf("%-52s %10.0f/s   %12s %4s\n", "(a) gateway: durable validated routed, pipelined",
           tput.rate, ">= 20000/s", s_met(tput.rate >= TARGET_TPUT));
    printf("%-52s %12.3f\n", "    ratio gateway / baseline", tput.rate / base);
    printf("%-52s %10" PRIu64 "     (%.2f s, window %d per sender)\n",
           "    messages (first submit -> last DACK)", tput.delivered, tput_secs, b->o.window);
    if (tput.gw_cpu >= 0 && tput_secs > 0) {
        printf("%-52s %10.1f us   (%.0f%% of one core)\n", "    gateway CPU per message",
               tput.gw_cpu / (double)tput.delivered * 1e6, tput.gw_cpu / tput_secs * 100);
    }
    printf("%-52s %10.1f us   (%.0f%% of one core)\n", "    client CPU per message (this process)",
           tput.self_cpu / (double)tput.delivered * 1e6, tput.self_cpu / tput_secs * 100);
    printf("%-52s %10.2f ms / %.2f ms / %.2f ms (p50/p99/max, saturated)\n",
           "    latency under full load", ltl.p50, ltl.p99, ltl.max);
    printf("(b) latency at %.0f msg/s offered (%.1f s, %zu messages, %.0f msg/s delivered)\n",
           b->o.rate, b->o.lat_secs, lt.n, lat.rate);
    printf("%-52s %10.2f ms\n", "    p50 submit -> delivery", lt.p50);
    printf("%-52s %10.2f ms   %12s %4s\n", "    p99 submit -> delivery", lt.p99, "< 10 ms",
           s_met(lt.p99 < TARGET_P99_MS));
    printf("%-52s %10.2f ms\n", "    max submit -> delivery", lt.max);
    if (lat.gw_cpu >= 0) {
        printf("%-52s %10.0f%%\n", "    gateway CPU at this load (of one core)",
               lat.gw_cpu / b->o.lat_secs * 100);
    }
    if (b->o.encrypt) {
        printf("%-52s %10.0f/s\n", "(d) gateway, payloads AES-256-GCM encrypted at rest", enc.rate);
        printf("%-52s %12.3f   %12s %4s\n", "    ratio encrypted / plain (same run)",
               enc.rate / tput.rate, ">= 0.70", s_met(enc.rate >= TARGET_ENC_RATIO * tput.rate));
        double enc_secs = (double)(enc.t_last - enc.t_first) / (double)NS;
        if (enc.gw_cpu >= 0 && tput.gw_cpu >= 0 && enc.delivered > 0 && enc_secs > 0) {
            printf("%-52s %10.1f us   (plain %.1f us; %.0f%% of one core)\n",
                   "    gateway CPU per message, encrypted",
                   enc.gw_cpu / (double)enc.delivered * 1e6,
                   tput.gw_cpu / (double)tput.delivered * 1e6, enc.gw_cpu / enc_secs * 100);
        }
    }
    if (gw_cpu_total >= 0) {
        printf("gateway CPU total %.2f s; run time %.1f s\n", gw_cpu_total,
               (double)(s_now_ns() - t_start) / (double)NS + b->o.base_secs);
    }
    if (b->o.curve) {
        phase_result_t ct;
        fflush(stdout);
        if (s_curve_run(b, &ct, 0) != 0) {
            goto cleanup;
        }
        printf("%-52s %10.0f/s\n", "(d) gateway with CURVE on (same phases, new gateway)", ct.rate);
        printf("%-52s %12.3f   %12s %4s\n", "    ratio CURVE on / off", ct.rate / tput.rate,
               ">= 0.70", s_met(ct.rate >= 0.70 * tput.rate));
        double csecs = (double)(ct.t_last - ct.t_first) / (double)NS;
        if (ct.gw_cpu >= 0 && csecs > 0 && ct.delivered > 0) {
            printf("%-52s %10.1f us   (%.0f%% of one core)\n", "    gateway CPU per message",
                   ct.gw_cpu / (double)ct.delivered * 1e6, ct.gw_cpu / csecs * 100);
        }
    }
    if (b->o.security) {
        phase_result_t st;
        fflush(stdout);
        if (s_curve_run(b, &st, 1) != 0) {
            goto cleanup;
        }
        printf("%-52s %10.0f/s\n", "(e) gateway, CURVE + encrypted at rest + audit trail", st.rate);
        printf("%-52s %12.3f   %12s %4s\n", "    ratio security on / off (same run)",
               st.rate / tput.rate, ">= 0.70", s_met(st.rate >= 0.70 * tput.rate));
        double ssecs = (double)(st.t_last - st.t_first) / (double)NS;
        if (st.gw_cpu >= 0 && ssecs > 0 && st.delivered > 0) {
            printf("%-52s %10.1f us   (%.0f%% of one core)\n", "    gateway CPU per message",
                   st.gw_cpu / (double)st.delivered * 1e6, st.gw_cpu / ssecs * 100);
        }
    }
    status = 0;
cleanup:
    if (b->dir[0]) {
        if (b->o.keep || status != 0) {
            fprintf(stderr, "bench: kept %s\n", b->dir);
        } else {
            s_remove_dir(b->dir);
        }
    }
    for (int ph = 0; ph < NPHASE; ph++) {
        for (int i = 0; i < MAX_PARTIES; i++) {
            free((void *)b->stamp[ph][i]);
            free(b->rcp[i].lat[ph]);
        }
    }
    for (int i = 0; i < MAX_PARTIES; i++) {
        for (int j = 0; j < MAX_PARTIES; j++) {
            free(b->snd[i].pay[j].buf);
        }
    }
    return status;
}
