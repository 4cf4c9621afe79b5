/*
 * The harness of the end-to-end tests (tests/integration/test_*.c): each test
 * starts a real `ijwgw` process ($IJWGW) with fork/exec on a config file written
 * to a mkdtemp directory, listening on tcp://127.0.0.1:<free port>, and drives it
 * with real parties: the client library (gw/client.h) for gemeenten, aanbieders
 * and the platform, and raw protocol sockets (gw/proto.h) where a test needs to
 * see the frames themselves. A simulated recipient answers a heenbericht the way
 * a party's software would: decode, run the rules, build the retourbericht and
 * submit it.
 *
 * Each test program includes this file once: its helpers are static, so every
 * program links its own copy and uses what it needs. Environment:
 *   IJWGW           the ijwgw executable (unset: every test is skipped)
 *   GW_FIXTURES     tests/fixtures (set by meson)
 *   GW_KEEP_TMP=1   keep the temporary directories (config, store, the gateway's log)
 *   GW_TEST_FILTER  run only matching tests, e.g. "*kill9*"
 *   GW_TEST_CURVE=1 run every test with CurveZMQ on (gwconf_t.curve)
 */
#ifndef GW_IT_HARNESS_H
#define GW_IT_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-function" /* each program uses a subset */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "gw/client.h"
#include "gw/clock.h"
#include "gw/keys.h"
#include "gw/proto.h"
#include "gw/retour.h"
#include "gw/rules.h"

#include "gw_store.h"
#include "unittest.h"

#define MAX_PARTIES         8
#define MAX_RAW             4
#define MAX_RX              2048
#define MAX_BODY            (64u << 20)
#define CLIENT_HEARTBEAT_MS 300 /* gateway heartbeat is 1 s: it drops parties after 3 s silence */

/* ------------------------------------------------------------ state ---- */

/* How to configure the gateway of a test; NULL = the default below. */
typedef struct gwconf {
    const char *retry_initial;    /* default 200ms */
    const char *retry_max;        /* default 2s */
    const char *delivery_timeout; /* default: the gateway's (3d) */
    const char *inflight_limit;   /* default: the gateway's (256) */
    const char *max_message_size; /* default: the gateway's (25M) */
    const char *store_max_size;   /* default: none */
    const char *queue_limit;      /* default: the gateway's (100000) */
    int tap;                      /* platform taps JW301 and WMO301, free text stripped */
    const char *gateway_extra;    /* more lines of the gateway section ("    key = value\n") */
    const char *extra;            /* more sections after the parties (party, filter, ...) */
    int curve;                    /* CurveZMQ on: a key pair per party in DIR/keys, the
                                     gateway's in DIR/server.key; clients and raw sockets
                                     connect with the key of their code (s_keys_of) */
} gwconf_t;

/* The gateway process of a test. */
typedef struct gwproc {
    char dir[256];     /* mkdtemp directory */
    char conf[300];    /* config file */
    char store[300];   /* SQLite store */
    char log[300];     /* the gateway's stdout + stderr */
    char endpoint[64]; /* tcp://127.0.0.1:PORT */
    pid_t pid;         /* 0 when not running */
} gwproc_t;

/* One event a party received. */
typedef struct rx {
    gw_cmd_t cmd;
    char id[GW_PROTO_MAX_ID + 1];     /* delivery id (DELIVER) or correlation id */
    char code[32];                    /* ERROR/REJECT code */
    char type[16];                    /* message type */
    char from[GW_PROTO_MAX_PEER + 1]; /* DELIVER: submitting party */
    char ident[16];                   /* body: BerichtIdentificatie/Identificatie */
    char text[160];                   /* ERROR: start of the reason */
} rx_t;

/* A party on the client library, with everything it received. */
typedef struct party {
    char code[GW_PROTO_MAX_PEER + 1];
    gw_client_t *c;
    int dack;              /* acknowledge deliveries */
    int answer;            /* answer heenberichten with their retourbericht */
    const char *forbid[4]; /* strings that must never be in a delivery (privacy) */
    size_t forbidden_hits; /* deliveries that contained one */
    size_t nanswered;      /* retourberichten submitted */
    rx_t rx[MAX_RX];
    size_t nrx;
} party_t;

static struct {
    const char *ijwgw; /* $IJWGW */
    void *zctx;        /* context of the raw sockets */
    gwproc_t gw;
    party_t parties[MAX_PARTIES];
    size_t nparties;
    void *raw[MAX_RAW];
    gw_codec_t *codec; /* the simulated parties' codec */
    gw_diag_t *diag;
    unsigned retour_seq;
    int ok; /* the test reached its end */
    int curve;                             /* the current gateway runs CURVE */
    char server_pub[GW_KEY_Z85_LEN + 1];   /* its public key */
} W;

/* ------------------------------------------------------------ small helpers ---- */

/* The tests' short names for the shared clocks (gw/clock.h). */
static int64_t
s_now(void)
{
    return gw_mono_ms();
}

static int64_t
s_wall_ms(void)
{
    return gw_wall_ms();
}

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Text of the first element <prefix:name> in xml (the header's comes first). */
static int
s_xml_text(const char *xml, const char *name, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof(pat), ":%s>", name);
    out[0] = '\0';
    const char *p = xml ? strstr(xml, pat) : NULL;
    if (!p) {
        return 0;
    }
    p += strlen(pat);
    const char *e = strchr(p, '<');
    if (!e || (size_t)(e - p) >= cap) {
        return 0;
    }
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 1;
}

/* A copy of src with the first occurrence of from replaced by to (gw_free). */
static char *
s_replace(const char *src, const char *from, const char *to, size_t *len)
{
    const char *p = strstr(src, from);
    if (!p) {
        fail_msg("'%s' not found in the template", from);
    }
    size_t a = (size_t)(p - src), fl = strlen(from), tl = strlen(to), rest = strlen(p + fl);
    char *out = gw_malloc(a + tl + rest + 1);
    assert_non_null(out);
    memcpy(out, src, a);
    memcpy(out + a, to, tl);
    memcpy(out + a + tl, p + fl, rest + 1);
    *len = a + tl + rest;
    return out;
}

/* A fixture with its BerichtIdentificatie/Identificatie replaced by ident (gw_free). */
static char *
s_variant(const char *rel, const char *ident, size_t *len)
{
    char *tmpl = ut_read_fixture(rel, NULL);
    char old[32], from[48], to[48];
    assert_true(s_xml_text(tmpl, "Identificatie", old, sizeof(old)));
    snprintf(from, sizeof(from), ">%s<", old);
    snprintf(to, sizeof(to), ">%s<", ident);
    char *out = s_replace(tmpl, from, to, len);
    gw_free(tmpl);
    return out;
}

static int
s_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        return -1;
    }
    int rc = fputs(text, f) < 0 ? -1 : 0;
    if (fclose(f) != 0) {
        rc = -1;
    }
    return rc;
}

/* Last bytes of the gateway's log on stderr (for failing tests). */
static void
s_dump_log(void)
{
    FILE *f = W.gw.log[0] ? fopen(W.gw.log, "r") : NULL;
    if (!f) {
        return;
    }
    char buf[4096];
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, n > (long)sizeof(buf) - 1 ? n - (long)sizeof(buf) + 1 : 0, SEEK_SET);
    size_t got = fread(buf, 1, sizeof(buf) - 1, f);
    buf[got] = '\0';
    fclose(f);
    fprintf(stderr, "# ---- tail of %s ----\n%s# ----\n", W.gw.log, buf);
}

/* 1 when the log contains needle. */
static int
s_log_has(const char *needle)
{
    FILE *f = fopen(W.gw.log, "r");
    if (!f) {
        return 0;
    }
    char line[2048];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        found = strstr(line, needle) != NULL;
    }
    fclose(f);
    return found;
}

/* Wait up to timeout_ms for needle in the log, looking every 20 ms; fails the test when it
 * does not come. */
static void
s_wait_log(const char *needle, int timeout_ms)
{
    int64_t until = s_now() + timeout_ms;
    while (!s_log_has(needle) && s_now() < until) {
        s_sleep_ms(20);
    }
    assert_true(s_log_has(needle));
}

/* GW_TEST_FILTER (e.g. "*kill9*") selects the test cases to run. */
static void
s_test_filter_from_env(void)
{
    const char *filter = getenv("GW_TEST_FILTER");
    if (filter && filter[0]) {
        cmocka_set_test_filter(filter);
    }
}

/* ------------------------------------------------------------ the gateway process ---- */

static int
s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static const char s_parties_text[] = "party 0363\n"
                                     "    kind = gemeente\n"
                                     "    name = Amsterdam\n"
                                     "party 0384\n"
                                     "    kind = gemeente\n"
                                     "    name = Diemen\n"
                                     "party 42420001\n"
                                     "    kind = aanbieder\n"
                                     "party 65656055\n"
                                     "    kind = aanbieder\n"
                                     "party platform\n"
                                     "    kind = platform\n";

/* Write the config file of the current gateway. */
static void
s_conf_write(const gwconf_t *c)
{
    char text[16384];
    size_t off = 0;
#define APPEND(...)                                                                                \
    do {                                                                                           \
        int n_ = snprintf(text + off, sizeof(text) - off, __VA_ARGS__);                            \
        assert_true(n_ > 0 && (size_t)n_ < sizeof(text) - off);                                    \
        off += (size_t)n_;                                                                         \
    } while (0)
    APPEND("# written by tests/integration/harness.h\ngateway\n");
    APPEND("    endpoint = %s\n", W.gw.endpoint);
    APPEND("    store = %s\n", W.gw.store);
    APPEND("    heartbeat = 1s\n");
    APPEND("    retry_initial = %s\n", c->retry_initial ? c->retry_initial : "200ms");
    APPEND("    retry_max = %s\n", c->retry_max ? c->retry_max : "2s");
    if (c->delivery_timeout) {
        APPEND("    delivery_timeout = %s\n", c->delivery_timeout);
    }
    if (c->inflight_limit) {
        APPEND("    inflight_limit = %s\n", c->inflight_limit);
    }
    if (c->max_message_size) {
        APPEND("    max_message_size = %s\n", c->max_message_size);
    }
    if (c->queue_limit) {
        APPEND("    queue_limit = %s\n", c->queue_limit);
    }
    if (c->store_max_size) {
        APPEND("    store_max_size = %s\n", c->store_max_size);
    }
    if (c->gateway_extra) {
        APPEND("%s", c->gateway_extra);
    }
    if (c->curve || W.curve) { /* a rewrite keeps the test's gateway on CURVE */
        APPEND("    curve = on\n    server_key = %s/server.key\n    party_keys = %s/keys\n",
               W.gw.dir, W.gw.dir);
    }
    APPEND("%s", s_parties_text);
    if (c->tap) {
        APPEND("    tap = JW301 WMO301\n    tap_strip_freetext = yes\n");
    }
    if (c->extra) {
        APPEND("%s", c->extra);
    }
#undef APPEND
    assert_int_equal(s_write_file(W.gw.conf, text), 0);
}

/* Wait up to timeout_ms for the child; returns its wait status, or -1 if it still runs. */
static int
s_gw_wait(int timeout_ms)
{
    int64_t deadline = s_now() + timeout_ms;
    for (;;) {
        int status = 0;
        pid_t r = waitpid(W.gw.pid, &status, WNOHANG);
        if (r == W.gw.pid || (r < 0 && errno == ECHILD)) {
            W.gw.pid = 0;
            return r == -1 ? 0 : status;
        }
        if (s_now() >= deadline) {
            return -1;
        }
        s_sleep_ms(10);
    }
}

static int
s_gw_alive(void)
{
    return W.gw.pid > 0 && s_gw_wait(0) == -1;
}

/* Until the gateway answers a HELLO (an unknown party's: ERROR UNKNOWN_PARTY, which
 * changes no state). */
static int
s_gw_ready(int timeout_ms)
{
    if (W.curve) {
        /* An unknown key gets no answer at all: wait for the log line instead. */
        int64_t until = s_now() + timeout_ms;
        while (s_now() < until && s_gw_alive()) {
            if (s_log_has(" ready ")) {
                return 1;
            }
            s_sleep_ms(20);
        }
        return 0;
    }
    void *s = zmq_socket(W.zctx, ZMQ_DEALER);
    assert_non_null(s);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_ROUTING_ID, "probe", 5);
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
    assert_int_equal(zmq_connect(s, W.gw.endpoint), 0);
    assert_int_equal(gw_proto_send(s, NULL, GW_CMD_HELLO, "probe-1", "party=probe\n", NULL, 0, 0),
                     GW_OK);
    int64_t deadline = s_now() + timeout_ms;
    int ready = 0;
    while (!ready && s_now() < deadline && s_gw_alive()) {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 100) > 0) {
            gw_proto_msg_t m;
            int rc = gw_proto_recv(s, 0, MAX_BODY, &m, ZMQ_DONTWAIT);
            ready = rc == GW_OK && (m.cmd == GW_CMD_ERROR || m.cmd == GW_CMD_WELCOME);
            gw_proto_msg_clear(&m);
        }
    }
    zmq_close(s);
    return ready;
}

/* 1 when GW_TEST_CURVE=1 runs every test with CURVE: a test of what only a gateway
 * without CURVE does (answer an unregistered party) then returns at once (meson counts a
 * cmocka skip as a failure); test_security.c covers those cases with CURVE. */
static int
s_forced_curve(void)
{
    const char *force = getenv("GW_TEST_CURVE");
    return force && force[0] == '1';
}

static void
s_gw_start(void)
{
    assert_int_equal(W.gw.pid, 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(W.gw.log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (fd < 0 || in < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(in, 0) < 0) {
            _exit(126);
        }
        execl(W.ijwgw, "ijwgw", "-c", W.gw.conf, (char *)NULL);
        _exit(127);
    }
    W.gw.pid = pid;
    if (!s_gw_ready(10000)) {
        s_dump_log();
        fail_msg("ijwgw (%s) did not come up on %s", W.ijwgw, W.gw.endpoint);
    }
}

/* SIGTERM, then SIGKILL after 5 s. Returns the wait status (-1: was not running). */
static int
s_gw_stop(void)
{
    if (W.gw.pid <= 0) {
        return -1;
    }
    kill(W.gw.pid, SIGTERM);
    int status = s_gw_wait(5000);
    if (status == -1) {
        fprintf(stderr, "# ijwgw ignored SIGTERM for 5 s: SIGKILL\n");
        kill(W.gw.pid, SIGKILL);
        status = s_gw_wait(5000);
        status = status == -1 ? -1 : 0x7f00; /* "not a clean exit" */
    }
    return status;
}

static void
s_gw_kill9(void)
{
    assert_true(W.gw.pid > 0);
    assert_int_equal(kill(W.gw.pid, SIGKILL), 0);
    int status = s_gw_wait(5000);
    assert_true(status != -1 && WIFSIGNALED(status));
}

/* Stopped cleanly with exit status 0 (all committed, sockets closed). */
static void
s_gw_stop_clean(void)
{
    int status = s_gw_stop();
    if (!(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        s_dump_log();
        fail_msg("ijwgw did not stop cleanly on SIGTERM (wait status 0x%x)", (unsigned)status);
    }
}

static void
s_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) != 0 && (errno == EISDIR || errno == EPERM)) {
            s_rmdir(path); /* DIR/keys of a CURVE test */
        }
    }
    closedir(d);
    rmdir(dir);
}

/* ------------------------------------------------------------ parties (client library) ---- */

static party_t *
s_party_find(const char *code)
{
    for (size_t i = 0; i < W.nparties; i++) {
        if (strcmp(W.parties[i].code, code) == 0) {
            return &W.parties[i];
        }
    }
    return NULL;
}

/* CURVE: the key pair of code (DIR/keys/CODE.key), or a fresh unregistered one. */
static void
s_keys_of(const char *code, gw_keypair_t *kp)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/keys/%s.key", W.gw.dir, code);
    if (access(path, R_OK) != 0 || gw_keys_load(path, kp, 1, NULL) != GW_OK) {
        assert_int_equal(gw_keys_new(kp), GW_OK);
    }
}

/* CURVE: key pairs for the parties and the gateway, before the gateway first starts. */
static void
s_curve_keys(void)
{
    /* The harness's parties, and those tests add in their own sections. */
    static const char *const codes[] = {"0363",     "0384", "42420001", "65656055",
                                        "platform", "0518", "77777777"};
    char dir[300], key[400], pub[400];
    snprintf(dir, sizeof(dir), "%s/keys", W.gw.dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        gw_keypair_t kp;
        snprintf(key, sizeof(key), "%s/%s.key", dir, codes[i]);
        snprintf(pub, sizeof(pub), "%s/%s.pub", dir, codes[i]);
        assert_int_equal(gw_keys_new(&kp), GW_OK);
        assert_int_equal(gw_keys_save(&kp, key, pub, codes[i], NULL), GW_OK);
    }
    gw_keypair_t kp;
    snprintf(key, sizeof(key), "%s/server.key", W.gw.dir);
    assert_int_equal(gw_keys_new(&kp), GW_OK);
    assert_int_equal(gw_keys_save(&kp, key, NULL, "the gateway", NULL), GW_OK);
    memcpy(W.server_pub, kp.public_key, sizeof(W.server_pub));
    W.curve = 1;
}

static gw_client_t *
s_client_new(const char *code)
{
    gw_client_opts_t o = {.heartbeat_ms = CLIENT_HEARTBEAT_MS};
    gw_keypair_t kp;
    if (W.curve) {
        s_keys_of(code, &kp);
        o.curve_server_key = W.server_pub;
        o.curve_public_key = kp.public_key;
        o.curve_secret_key = kp.secret_key;
    }
    char *err = NULL;
    gw_client_t *c = gw_client_new(W.gw.endpoint, code, &o, &err);
    if (!c) {
        fail_msg("gw_client_new(%s): %s", code, err ? err : "?");
    }
    return c;
}

/* Connect a party; the gateway must welcome it. */
static party_t *
s_party(const char *code, int dack, int answer)
{
    assert_true(W.nparties < MAX_PARTIES);
    party_t *p = &W.parties[W.nparties++];
    memset(p->code, 0, sizeof(p->code));
    snprintf(p->code, sizeof(p->code), "%s", code);
    p->dack = dack;
    p->answer = answer;
    memset(p->forbid, 0, sizeof(p->forbid));
    p->forbidden_hits = 0;
    p->nanswered = 0;
    p->nrx = 0;
    p->c = s_client_new(code);
    char *err = NULL;
    int rc = gw_client_connect(p->c, 5000, &err);
    if (rc != GW_OK) {
        s_dump_log();
        fail_msg("party %s not welcomed: rc=%d %s", code, rc, err ? err : "");
    }
    return p;
}

/* 1 when party code is welcomed within timeout_ms (retrying while it is refused). */
static int
s_try_welcome(const char *code, int timeout_ms, char *why, size_t whycap)
{
    int64_t deadline = s_now() + timeout_ms;
    do {
        gw_client_t *c = s_client_new(code);
        char *err = NULL;
        int rc = gw_client_connect(c, 1000, &err);
        if (why) {
            snprintf(why, whycap, "%s", err ? err : "");
        }
        gw_free(err);
        gw_client_destroy(&c);
        if (rc == GW_OK) {
            return 1;
        }
        s_sleep_ms(100);
    } while (s_now() < deadline);
    return 0;
}

/* The retourbericht a recipient's software sends for a heenbericht it received. */
static void
s_answer(party_t *p, const gw_client_event_t *ev)
{
    gw_msg_t *msg = NULL;
    gw_diag_reset(W.diag);
    assert_int_equal(gw_codec_decode(W.codec, ev->body, ev->body_len, &msg, NULL, W.diag), GW_OK);
    if (!msg) {
        ut_print_diag(W.diag);
        fail_msg("%s received an undecodable %s", p->code, ev->type);
    }
    const gw_msgtype_t *ans = gw_msgtype_answer(msg->type);
    if (msg->type->kind == GW_KIND_HEEN && ans && ans->kind == GW_KIND_RETOUR) {
        gw_diag_reset(W.diag);
        assert_int_equal(gw_rules_run(msg, W.diag, 0), GW_OK);
        char ident[16];
        snprintf(ident, sizeof(ident), "RT%06u", ++W.retour_seq);
        gw_retour_opts_t o = {.identificatie = ident};
        gw_msg_t *ret = NULL;
        assert_int_equal(gw_retour_build(msg, W.diag, &o, &ret), GW_OK);
        char *xml = NULL, *err = NULL;
        size_t len = 0;
        int rc = gw_codec_encode(ret, &xml, &len, &err);
        if (rc != GW_OK) {
            fail_msg("encode %s: %s", ret->type->name, err ? err : "?");
        }
        assert_int_equal(gw_client_send(p->c, xml, len, NULL, NULL), GW_OK);
        p->nanswered++;
        gw_free(xml);
        gw_msg_destroy(&ret);
    }
    gw_msg_destroy(&msg);
}

static void
s_on_event(party_t *p, gw_client_event_t *ev)
{
    assert_true(p->nrx < MAX_RX);
    rx_t *r = &p->rx[p->nrx++];
    memset(r, 0, sizeof(*r));
    r->cmd = ev->cmd;
    snprintf(r->id, sizeof(r->id), "%s", ev->id);
    snprintf(r->code, sizeof(r->code), "%s", ev->code);
    snprintf(r->type, sizeof(r->type), "%s", ev->type);
    snprintf(r->from, sizeof(r->from), "%s", ev->from);
    if (ev->cmd == GW_CMD_DELIVER) {
        (void)s_xml_text(ev->body, "Identificatie", r->ident, sizeof(r->ident));
        for (size_t i = 0; i < 4 && p->forbid[i]; i++) {
            if (ev->body && strstr(ev->body, p->forbid[i])) {
                p->forbidden_hits++;
            }
        }
        if (p->dack) {
            assert_int_equal(gw_client_dack(p->c, ev->id), GW_OK);
        }
        if (p->answer) {
            s_answer(p, ev);
        }
    } else if (ev->body) {
        snprintf(r->text, sizeof(r->text), "%s", ev->body);
    }
    gw_client_event_clear(ev);
}

/* Wait up to timeout_ms for traffic on any party, then handle everything queued. */
static size_t
s_pump_once(int timeout_ms)
{
    zmq_pollitem_t items[MAX_PARTIES];
    int n = 0;
    for (size_t i = 0; i < W.nparties; i++) {
        if (W.parties[i].c) {
            items[n].socket = gw_client_socket(W.parties[i].c);
            items[n].fd = 0;
            items[n].events = ZMQ_POLLIN;
            items[n].revents = 0;
            n++;
        }
    }
    if (n == 0) {
        s_sleep_ms(timeout_ms);
        return 0;
    }
    (void)zmq_poll(items, n, timeout_ms);
    size_t got = 0;
    for (size_t i = 0; i < W.nparties; i++) {
        party_t *p = &W.parties[i];
        gw_client_event_t ev;
        while (p->c && gw_client_next(p->c, &ev, 0) == GW_OK) {
            s_on_event(p, &ev);
            got++;
        }
    }
    return got;
}

static void
s_pump_for(int ms)
{
    int64_t deadline = s_now() + ms;
    while (s_now() < deadline) {
        (void)s_pump_once(20);
    }
}

typedef int (*pred_fn)(const void *arg);

static int
s_pump_until(pred_fn pred, const void *arg, int timeout_ms)
{
    int64_t deadline = s_now() + timeout_ms;
    while (!pred(arg)) {
        if (s_now() >= deadline) {
            return 0;
        }
        (void)s_pump_once(20);
    }
    return 1;
}

static size_t
s_count(const party_t *p, gw_cmd_t cmd, const char *type, const char *ident)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nrx; i++) {
        const rx_t *r = &p->rx[i];
        if (r->cmd == cmd && (!type || strcmp(r->type, type) == 0) &&
            (!ident || strcmp(r->ident, ident) == 0)) {
            n++;
        }
    }
    return n;
}

/* No party received the same delivery id twice, nor an ERROR or REJECT. */
static void
s_assert_clean_deliveries(void)
{
    for (size_t k = 0; k < W.nparties; k++) {
        const party_t *p = &W.parties[k];
        for (size_t i = 0; i < p->nrx; i++) {
            const rx_t *a = &p->rx[i];
            if (a->cmd == GW_CMD_ERROR || a->cmd == GW_CMD_REJECT) {
                fail_msg("%s got %s %s: %s", p->code, gw_cmd_name(a->cmd), a->code, a->text);
            }
            for (size_t j = i + 1; a->cmd == GW_CMD_DELIVER && j < p->nrx; j++) {
                if (p->rx[j].cmd == GW_CMD_DELIVER && strcmp(a->id, p->rx[j].id) == 0) {
                    fail_msg("%s got delivery %s (%s %s) twice", p->code, a->id, a->type, a->ident);
                }
            }
        }
    }
}

/* Submit and wait for the answer. */
static void
s_submit(party_t *p, const char *xml, size_t len, gw_client_result_t *r)
{
    int rc = gw_client_submit(p->c, xml, len, r, 10000);
    if (rc != GW_OK) {
        s_dump_log();
        fail_msg("%s: submit got no answer (rc=%d)", p->code, rc);
    }
}

/* On a mismatch the result is cleared before failing (no leak reports on top). */
static void
s_expect(gw_client_result_t *r, gw_cmd_t cmd, const char *code, const char *what)
{
    if (r->cmd != cmd || (code && strcmp(r->code, code) != 0)) {
        char got[400];
        snprintf(got, sizeof(got), "%s %s: %.300s", gw_cmd_name(r->cmd), r->code,
                 r->body ? r->body : "");
        gw_client_event_clear(r);
        fail_msg("%s: expected %s %s, got %s", what, gw_cmd_name(cmd), code ? code : "", got);
    }
}

/* Submit a fixture (or a buffer) and expect an answer. */
/* Submit and expect an answer; takes ownership of *xml_p (gw_free), also on failure. */
static void
s_submit_take_expect(party_t *p, char **xml_p, size_t len, gw_cmd_t cmd, const char *code,
                     const char *what)
{
    gw_client_result_t r;
    int rc = gw_client_submit(p->c, *xml_p, len, &r, 10000);
    gw_free(*xml_p);
    *xml_p = NULL;
    if (rc != GW_OK) {
        s_dump_log();
        fail_msg("%s: %s: submit got no answer (rc=%d)", what, p->code, rc);
    }
    s_expect(&r, cmd, code, what);
    if (r.body) {
        assert_null(strstr(r.body, "9999000")); /* never a BSN in an answer */
    }
    gw_client_event_clear(&r);
}

static void
s_submit_fixture_expect(party_t *p, const char *rel, gw_cmd_t cmd, const char *code)
{
    size_t len = 0;
    char *xml = ut_read_fixture(rel, &len);
    s_submit_take_expect(p, &xml, len, cmd, code, rel);
}

/* ------------------------------------------------------------ raw protocol sockets ---- */

static void *
s_raw(const char *routing_id)
{
    assert_true(W.raw[MAX_RAW - 1] == NULL);
    void *s = zmq_socket(W.zctx, ZMQ_DEALER);
    assert_non_null(s);
    int zero = 0;
    assert_int_equal(zmq_setsockopt(s, ZMQ_ROUTING_ID, routing_id, strlen(routing_id)), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)), 0);
    if (W.curve) {
        gw_keypair_t kp;
        s_keys_of(routing_id, &kp);
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, W.server_pub, 40), 0);
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, kp.public_key, 40), 0);
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, kp.secret_key, 40), 0);
    }
    assert_int_equal(zmq_connect(s, W.gw.endpoint), 0);
    for (size_t i = 0; i < MAX_RAW; i++) {
        if (!W.raw[i]) {
            W.raw[i] = s;
            break;
        }
    }
    return s;
}

static void
s_raw_close(void *s)
{
    for (size_t i = 0; i < MAX_RAW; i++) {
        if (W.raw[i] == s) {
            W.raw[i] = NULL;
        }
    }
    zmq_close(s);
}

/* Next message other than a HEARTBEAT, within timeout_ms. */
static int
s_raw_recv(void *s, gw_proto_msg_t *m, int timeout_ms)
{
    int64_t deadline = s_now() + timeout_ms;
    memset(m, 0, sizeof(*m));
    for (;;) {
        int64_t left = deadline - s_now();
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        if (left <= 0 || zmq_poll(&it, 1, (long)left) <= 0) {
            if (s_now() >= deadline) {
                return GW_EAGAIN;
            }
            continue;
        }
        int rc = gw_proto_recv(s, 0, MAX_BODY, m, ZMQ_DONTWAIT);
        if (rc == GW_OK && m->cmd == GW_CMD_HEARTBEAT) {
            gw_proto_msg_clear(m);
            continue;
        }
        if (rc == GW_EAGAIN) {
            continue;
        }
        return rc;
    }
}

/* Expect an answer cmd (ERROR: with props code=code) within 5 s. */
static void
s_raw_expect(void *s, gw_cmd_t cmd, const char *code, const char *what)
{
    gw_proto_msg_t m;
    int rc = s_raw_recv(s, &m, 5000);
    if (rc != GW_OK) {
        fail_msg("%s: no answer (rc=%d)", what, rc);
    }
    char got[32] = "", text[300];
    (void)gw_props_get(m.props, m.props_len, "code", got, sizeof(got));
    snprintf(text, sizeof(text), "%s %s: %.200s", gw_cmd_name(m.cmd), got, m.body);
    int ok = m.cmd == cmd && (!code || strcmp(got, code) == 0);
    gw_proto_msg_clear(&m);
    if (!ok) {
        fail_msg("%s: expected %s %s, got %s", what, gw_cmd_name(cmd), code ? code : "", text);
    }
}

/* Send raw frames (no IJW1 encoding). */
static void
s_raw_frames(void *s, const char *const *frames, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int flags = i + 1 < n ? ZMQ_SNDMORE : 0;
        assert_true(zmq_send(s, frames[i], strlen(frames[i]), flags) >= 0);
    }
}

/* ------------------------------------------------------------ test life cycle ---- */

static void
s_begin(const gwconf_t *conf)
{
    gwconf_t dflt;
    memset(&dflt, 0, sizeof(dflt));
    W.ok = 0;
    W.retour_seq = 0;
    W.codec = gw_codec_new(NULL, NULL);
    W.diag = gw_diag_new();
    assert_non_null(W.codec);
    assert_non_null(W.diag);
    const char *tmp = getenv("TMPDIR");
    snprintf(W.gw.dir, sizeof(W.gw.dir), "%s/ijwgw-it-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(W.gw.dir));
    snprintf(W.gw.conf, sizeof(W.gw.conf), "%s/ijwgw.conf", W.gw.dir);
    snprintf(W.gw.store, sizeof(W.gw.store), "%s/store.db", W.gw.dir);
    snprintf(W.gw.log, sizeof(W.gw.log), "%s/ijwgw.log", W.gw.dir);
    snprintf(W.gw.endpoint, sizeof(W.gw.endpoint), "tcp://127.0.0.1:%d", s_free_port());
    gwconf_t c = conf ? *conf : dflt;
    const char *force = getenv("GW_TEST_CURVE"); /* 1: every test with CURVE on */
    if (force && force[0] == '1') {
        c.curve = 1;
    }
    if (c.curve) {
        s_curve_keys();
    }
    s_conf_write(&c);
    s_gw_start();
}

static void
s_parties_close(void)
{
    for (size_t i = 0; i < W.nparties; i++) {
        gw_client_destroy(&W.parties[i].c);
    }
    W.nparties = 0;
    for (size_t i = 0; i < MAX_RAW; i++) {
        if (W.raw[i]) {
            zmq_close(W.raw[i]);
            W.raw[i] = NULL;
        }
    }
}

/* Release everything (also after a failed assertion). */
static void
s_cleanup(void)
{
    s_parties_close();
    (void)s_gw_stop();
    if (!W.ok && W.gw.log[0]) {
        s_dump_log();
    }
    gw_codec_destroy(&W.codec);
    gw_diag_destroy(&W.diag);
    if (W.gw.dir[0]) {
        const char *keep = getenv("GW_KEEP_TMP");
        if (keep && keep[0] == '1') {
            fprintf(stderr, "# kept %s\n", W.gw.dir);
        } else {
            s_rmdir(W.gw.dir);
        }
    }
    memset(&W.gw, 0, sizeof(W.gw));
    W.curve = 0;
}

static void
s_end(void)
{
    W.ok = 1;
    s_cleanup();
}

static int
s_setup(void **state)
{
    if (!W.ijwgw) {
        skip();
    }
    return ut_alloc_setup(state);
}

static int
s_teardown(void **state)
{
    s_cleanup();
    return ut_alloc_teardown(state);
}


static int
s_group_setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    W.ijwgw = getenv("IJWGW");
    if (W.ijwgw && access(W.ijwgw, X_OK) != 0) {
        fprintf(stderr, "# IJWGW=%s is not executable\n", W.ijwgw);
        return -1;
    }
    if (!W.ijwgw) {
        fprintf(stderr, "# IJWGW not set: every test is skipped\n");
    }
    signal(SIGPIPE, SIG_IGN);
    W.zctx = zmq_ctx_new();
    return W.zctx ? 0 : -1;
}

static int
s_group_teardown(void **state)
{
    (void)state;
    if (W.zctx) {
        zmq_ctx_term(W.zctx);
        W.zctx = NULL;
    }
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)

#endif
