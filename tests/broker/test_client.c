/*
 * Tests of the client library (gateway/gw_client.c) against a tiny fake
 * gateway: a ROUTER on tcp://127.0.0.1 (ephemeral port) served by a thread.
 * The fake speaks the wire protocol with raw zmq_send/zmq_recv, written from
 * docs/protocol.md rather than from gw_proto.c, so it also checks the frames
 * the client puts on the wire. The thread makes no gw_ allocations (cmocka's
 * leak-checking allocator is not thread-safe) and never calls cmocka: it
 * records what it saw and the test thread asserts on that after joining.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "gw/client.h"

#include "unittest.h"

#define S_PARTY "42420001"
#define S_MAXF  8   /* frames the fake keeps per message */
#define S_FLEN  256 /* bytes the fake keeps per frame */

typedef enum s_mode {
    S_MODE_NORMAL,  /* WELCOME, answers SUBMITs by body: <reject/>, <error/>, otherwise ACK */
    S_MODE_REFUSE,  /* ERROR code=UNKNOWN_PARTY on HELLO */
    S_MODE_SILENT,  /* answers nothing */
    S_MODE_DELIVER, /* NORMAL, plus DELIVER 1001 before and DELIVER 1002 after each ACK */
    S_MODE_NOTICE,  /* NORMAL, plus a NOTICE (kind=overdue) before each ACK */
} s_mode_t;

typedef struct s_fake {
    void *ctx;
    void *router;
    char endpoint[128];
    s_mode_t mode;
    pthread_t thread;
    atomic_int stop;
    /* what the fake saw (read by the test after s_fake_stop, or through atomics) */
    atomic_int hellos;
    atomic_int submits;
    atomic_int heartbeats;
    atomic_int dacks;
    atomic_int byes;
    atomic_int malformed;
    char hello_peer[S_FLEN];
    char hello_props[S_FLEN];
    char dack_id[S_FLEN];
    char submit_ids[8][S_FLEN];
} s_fake_t;

typedef struct s_frames {
    size_t n;
    size_t len[S_MAXF];
    char f[S_MAXF][S_FLEN]; /* NUL-terminated, truncated copies */
} s_frames_t;

static void
s_frame(void *sock, const char *data, int more)
{
    zmq_send(sock, data, strlen(data), more ? ZMQ_SNDMORE : 0);
}

static void
s_reply(s_fake_t *fk, const char *peer, const char *cmd, const char *id, const char *props,
        const char *body)
{
    s_frame(fk->router, peer, 1);
    s_frame(fk->router, "IJW1", 1);
    s_frame(fk->router, cmd, 1);
    s_frame(fk->router, id, 1);
    s_frame(fk->router, props, 1);
    s_frame(fk->router, body, 0);
}

static int
s_recv_frames(void *sock, s_frames_t *fr)
{
    fr->n = 0;
    int more = 1;
    while (more) {
        char buf[S_FLEN];
        int n = zmq_recv(sock, buf, sizeof(buf) - 1, fr->n == 0 ? ZMQ_DONTWAIT : 0);
        if (n < 0) {
            return -1;
        }
        if (fr->n < S_MAXF) {
            size_t len = (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 1;
            memcpy(fr->f[fr->n], buf, len);
            fr->f[fr->n][len] = '\0';
            fr->len[fr->n] = (size_t)n;
            fr->n++;
        }
        int m = 0;
        size_t ml = sizeof(m);
        zmq_getsockopt(sock, ZMQ_RCVMORE, &m, &ml);
        more = m;
    }
    return 0;
}

static void
s_fake_handle(s_fake_t *fk, s_frames_t *fr)
{
    if (fr->n != 6 || strcmp(fr->f[1], "IJW1") != 0) {
        atomic_fetch_add(&fk->malformed, 1);
        return;
    }
    const char *peer = fr->f[0], *cmd = fr->f[2], *id = fr->f[3], *body = fr->f[5];
    if (strcmp(cmd, "HELLO") == 0) {
        snprintf(fk->hello_peer, sizeof(fk->hello_peer), "%s", peer);
        snprintf(fk->hello_props, sizeof(fk->hello_props), "%s", fr->f[4]);
        atomic_fetch_add(&fk->hellos, 1);
        if (fk->mode == S_MODE_REFUSE) {
            s_reply(fk, peer, "ERROR", id, "code=UNKNOWN_PARTY\n",
                    "party 42420001 is not registered at this gateway");
        } else if (fk->mode != S_MODE_SILENT) {
            s_reply(fk, peer, "WELCOME", id, "party=42420001\nbacklog=0\n", "");
        }
    } else if (strcmp(cmd, "SUBMIT") == 0) {
        int n = atomic_load(&fk->submits);
        if (n < 8) {
            snprintf(fk->submit_ids[n], S_FLEN, "%s", id);
        }
        atomic_fetch_add(&fk->submits, 1);
        if (fk->mode == S_MODE_SILENT) {
            return;
        }
        if (fk->mode == S_MODE_DELIVER) {
            s_reply(fk, peer, "DELIVER", "1001", "type=JW301\nfrom=0363\nmsgid=5\n",
                    "<Bericht>first</Bericht>");
        }
        if (fk->mode == S_MODE_NOTICE) {
            s_reply(fk, peer, "NOTICE", "overdue-3",
                    "kind=overdue\ndeadline=retour\nrule=OP090\nmsgid=5\ntype=JW315\n"
                    "ident=JW315-000001\nfrom=42420001\nto=0363\ndue=2026-11-26\n",
                    "");
        }
        if (strcmp(body, "<reject/>") == 0) {
            s_reply(fk, peer, "REJECT", id, "type=JW302\ncode=CD041\n", "<retour>0001</retour>");
        } else if (strcmp(body, "<error/>") == 0) {
            s_reply(fk, peer, "ERROR", id, "code=XSD\n", "the message fails the XSD");
        } else {
            s_reply(fk, peer, "ACK", id, "msgid=7\ntype=JW301\nto=0363\n", "<retour/>");
        }
        if (fk->mode == S_MODE_DELIVER) {
            s_reply(fk, peer, "DELIVER", "1002", "type=JW315\nfrom=0599\n",
                    "<Bericht>second</Bericht>");
        }
    } else if (strcmp(cmd, "HEARTBEAT") == 0) {
        atomic_fetch_add(&fk->heartbeats, 1);
        if (fk->mode != S_MODE_SILENT) {
            s_reply(fk, peer, "HEARTBEAT", "", "", "");
        }
    } else if (strcmp(cmd, "DACK") == 0) {
        snprintf(fk->dack_id, sizeof(fk->dack_id), "%s", id);
        atomic_fetch_add(&fk->dacks, 1);
    } else if (strcmp(cmd, "BYE") == 0) {
        atomic_fetch_add(&fk->byes, 1);
    } else {
        atomic_fetch_add(&fk->malformed, 1);
    }
}

static void *
s_fake_run(void *arg)
{
    s_fake_t *fk = arg;
    while (!atomic_load(&fk->stop)) {
        zmq_pollitem_t item = {fk->router, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 10) <= 0) {
            continue;
        }
        s_frames_t fr;
        while (s_recv_frames(fk->router, &fr) == 0) {
            s_fake_handle(fk, &fr);
        }
    }
    return NULL;
}

/* Bind in the test thread (so the endpoint is known), then hand the socket to the fake. */
static s_fake_t *
s_fake_start(s_mode_t mode)
{
    s_fake_t *fk = test_calloc(1, sizeof(*fk));
    assert_non_null(fk);
    fk->mode = mode;
    fk->ctx = zmq_ctx_new();
    fk->router = zmq_socket(fk->ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(fk->router, ZMQ_LINGER, &zero, sizeof(zero));
    assert_int_equal(zmq_bind(fk->router, "tcp://127.0.0.1:0"), 0);
    size_t len = sizeof(fk->endpoint);
    assert_int_equal(zmq_getsockopt(fk->router, ZMQ_LAST_ENDPOINT, fk->endpoint, &len), 0);
    assert_int_equal(pthread_create(&fk->thread, NULL, s_fake_run, fk), 0);
    return fk;
}

/* Join the fake; what it recorded stays readable until s_fake_destroy. */
static void
s_fake_stop(s_fake_t *fk)
{
    if (!fk->router) {
        return;
    }
    atomic_store(&fk->stop, 1);
    pthread_join(fk->thread, NULL);
    zmq_close(fk->router);
    zmq_ctx_term(fk->ctx);
    fk->router = NULL;
}

static void
s_fake_destroy(s_fake_t **fk_p)
{
    s_fake_stop(*fk_p);
    test_free(*fk_p);
    *fk_p = NULL;
}

/* Wait (briefly) until *counter reaches want; the fake runs in another thread. */
static int
s_wait_for(atomic_int *counter, int want)
{
    for (int i = 0; i < 2000 && atomic_load(counter) < want; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(counter);
}

static gw_client_t *
s_client(const s_fake_t *fk, int heartbeat_ms)
{
    gw_client_opts_t o = {.heartbeat_ms = heartbeat_ms};
    char *err = NULL;
    gw_client_t *c = gw_client_new(fk->endpoint, S_PARTY, &o, &err);
    assert_null(err);
    assert_non_null(c);
    return c;
}

static gw_client_t *
s_connected(const s_fake_t *fk)
{
    gw_client_t *c = s_client(fk, 0);
    char *err = NULL;
    assert_int_equal(gw_client_connect(c, 2000, &err), GW_OK);
    assert_null(err);
    return c;
}

static void
test_client_connect_says_hello_and_gets_welcome(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_NORMAL);
    gw_client_t *c = s_connected(fk);
    assert_int_equal(gw_client_connect(c, 0, NULL), GW_OK); /* idempotent */
    assert_non_null(gw_client_socket(c));
    gw_client_destroy(&c);
    assert_null(c);
    assert_int_equal(s_wait_for(&fk->byes, 1), 1);
    s_fake_destroy(&fk);
}

static void
test_client_hello_carries_party_and_version(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_NORMAL);
    gw_client_t *c = s_connected(fk);
    gw_client_destroy(&c);
    s_fake_stop(fk);
    assert_int_equal(atomic_load(&fk->hellos), 1);
    assert_string_equal(fk->hello_peer, S_PARTY); /* the routing id is the party code */
    assert_string_equal(fk->hello_props, "party=" S_PARTY "\nversion=1\nnotices=1");
    assert_int_equal(atomic_load(&fk->malformed), 0);
    s_fake_destroy(&fk);
}

static void
test_client_submit_returns_ack(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_NORMAL);
    gw_client_t *c = s_connected(fk);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(c, "<Bericht/>", 10, &r, 2000), GW_OK);
    assert_int_equal(r.cmd, GW_CMD_ACK);
    assert_string_equal(r.type, "JW301");
    assert_string_equal(r.code, "");
    assert_non_null(r.body);
    assert_string_equal(r.body, "<retour/>");
    assert_int_equal(r.body_len, 9);
    assert_int_equal(strncmp(r.id, S_PARTY "-", strlen(S_PARTY) + 1), 0);
    gw_client_event_clear(&r);
    assert_null(r.body);
    assert_int_equal(gw_client_pending(c), 0);
    gw_client_destroy(&c);
    s_fake_destroy(&fk);
}

static void
test_client_submit_returns_reject_and_error(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_NORMAL);
    gw_client_t *c = s_connected(fk);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(c, "<reject/>", 9, &r, 2000), GW_OK);
    assert_int_equal(r.cmd, GW_CMD_REJECT);
    assert_string_equal(r.type, "JW302");
    assert_string_equal(r.code, "CD041");
    assert_string_equal(r.body, "<retour>0001</retour>");
    gw_client_event_clear(&r);
    assert_int_equal(gw_client_submit(c, "<error/>", 8, &r, 2000), GW_OK);
    assert_int_equal(r.cmd, GW_CMD_ERROR);
    assert_string_equal(r.code, "XSD");
    assert_string_equal(r.type, "");
    assert_string_equal(r.body, "the message fails the XSD");
    gw_client_event_clear(&r);
    gw_client_destroy(&c);
    s_fake_destroy(&fk);
}

/* A DELIVER that arrives while submit waits is queued, returned first by next, and DACKed. */
static void
test_client_deliver_during_submit_is_queued(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_DELIVER);
    gw_client_t *c = s_connected(fk);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(c, "<Bericht/>", 10, &r, 2000), GW_OK);
    assert_int_equal(r.cmd, GW_CMD_ACK);
    gw_client_event_clear(&r);
    assert_int_equal(gw_client_pending(c), 1);

    gw_client_event_t ev;
    assert_int_equal(gw_client_next(c, &ev, 0), GW_OK); /* from the FIFO, no waiting */
    assert_int_equal(gw_client_pending(c), 0);
    assert_int_equal(ev.cmd, GW_CMD_DELIVER);
    assert_string_equal(ev.id, "1001");
    assert_string_equal(ev.from, "0363");
    assert_string_equal(ev.type, "JW301");
    assert_string_equal(ev.body, "<Bericht>first</Bericht>");
    assert_int_equal(gw_client_dack(c, ev.id), GW_OK);
    gw_client_event_clear(&ev);

    assert_int_equal(gw_client_next(c, &ev, 2000), GW_OK); /* from the socket */
    assert_int_equal(ev.cmd, GW_CMD_DELIVER);
    assert_string_equal(ev.id, "1002");
    assert_string_equal(ev.from, "0599");
    assert_string_equal(ev.type, "JW315");
    gw_client_event_clear(&ev);

    assert_int_equal(s_wait_for(&fk->dacks, 1), 1);
    gw_client_destroy(&c);
    s_fake_stop(fk);
    assert_string_equal(fk->dack_id, "1001");
    assert_int_equal(atomic_load(&fk->dacks), 1);
    s_fake_destroy(&fk);
}

/* A NOTICE is an event of its own: kind in code, its properties kept, nothing to DACK. */
static void
test_client_notice_is_an_event_with_its_properties(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_NOTICE);
    gw_client_t *c = s_connected(fk);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(c, "<Bericht/>", 10, &r, 2000), GW_OK);
    assert_int_equal(r.cmd, GW_CMD_ACK);
    assert_null(r.props);
    gw_client_event_clear(&r);
    gw_client_event_t ev;
    assert_int_equal(gw_client_next(c, &ev, 0), GW_OK);
    assert_int_equal(ev.cmd, GW_CMD_NOTICE);
    assert_string_equal(ev.id, "overdue-3");
    assert_string_equal(ev.code, "overdue");
    assert_string_equal(ev.type, "JW315");
    assert_string_equal(ev.from, "42420001");
    assert_null(ev.body);
    assert_non_null(ev.props);
    char due[16];
    assert_true(gw_props_get(ev.props, ev.props_len, "due", due, sizeof(due)));
    assert_string_equal(due, "2026-11-26");
    gw_client_event_clear(&ev);
    assert_null(ev.props);
    gw_client_destroy(&c);
    s_fake_stop(fk);
    assert_int_equal(atomic_load(&fk->dacks), 0);
    assert_int_equal(atomic_load(&fk->malformed), 0);
    s_fake_destroy(&fk);
}

/* Answers to gw_client_send arrive through next, in order, with the ids send reported. */
static void
test_client_send_generates_unique_ids(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_NORMAL);
    gw_client_t *c = s_connected(fk);
    char ids[3][GW_PROTO_MAX_ID + 1];
    assert_int_equal(gw_client_send(c, "<a/>", 4, NULL, ids[0]), GW_OK);
    assert_int_equal(gw_client_send(c, "<b/>", 4, NULL, ids[1]), GW_OK);
    assert_int_equal(gw_client_send(c, "<c/>", 4, "my-own-id", ids[2]), GW_OK);
    assert_string_not_equal(ids[0], ids[1]);
    assert_string_equal(ids[2], "my-own-id");
    assert_int_equal(strncmp(ids[0], S_PARTY "-", strlen(S_PARTY) + 1), 0);
    for (int i = 0; i < 3; i++) {
        gw_client_event_t ev;
        assert_int_equal(gw_client_next(c, &ev, 2000), GW_OK);
        assert_int_equal(ev.cmd, GW_CMD_ACK);
        assert_string_equal(ev.id, ids[i]);
        gw_client_event_clear(&ev);
    }
    /* ids the protocol cannot carry are refused before anything is sent */
    gw_client_t *c2 = s_client(fk, 0);
    char other[GW_PROTO_MAX_ID + 1];
    char bad[GW_PROTO_MAX_ID + 2];
    memset(bad, 'x', sizeof(bad) - 1);
    bad[sizeof(bad) - 1] = '\0';
    assert_int_equal(gw_client_send(c2, "<a/>", 4, bad, other), GW_EINVAL);
    assert_int_equal(gw_client_send(c2, "<a/>", 4, "", other), GW_EINVAL);
    gw_client_destroy(&c2);
    gw_client_destroy(&c);
    s_fake_stop(fk);
    assert_string_equal(fk->submit_ids[0], ids[0]);
    assert_string_equal(fk->submit_ids[2], "my-own-id");
    s_fake_destroy(&fk);
}

static void
test_client_connect_refused_is_einval(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_REFUSE);
    gw_client_t *c = s_client(fk, 20);
    char *err = NULL;
    assert_int_equal(gw_client_connect(c, 2000, &err), GW_EINVAL);
    assert_non_null(err);
    assert_string_equal(err, "UNKNOWN_PARTY: party 42420001 is not registered at this gateway");
    gw_free(err);
    /* a refused client does not keep saying HELLO (or heartbeat) on its own */
    gw_client_event_t ev;
    assert_int_equal(gw_client_next(c, &ev, 100), GW_EAGAIN);
    gw_client_destroy(&c);
    s_fake_stop(fk);
    assert_int_equal(atomic_load(&fk->hellos), 1);
    assert_int_equal(atomic_load(&fk->heartbeats), 0);
    assert_int_equal(atomic_load(&fk->byes), 0); /* no session, no BYE */
    s_fake_destroy(&fk);
}

static void
test_client_connect_timeout_is_eagain(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_SILENT);
    gw_client_t *c = s_client(fk, 0);
    char *err = NULL;
    assert_int_equal(gw_client_connect(c, 100, &err), GW_EAGAIN);
    assert_null(err);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(c, "<Bericht/>", 10, &r, 100), GW_EAGAIN);
    assert_null(r.body);
    gw_client_event_t ev;
    assert_int_equal(gw_client_next(c, &ev, 50), GW_EAGAIN);
    assert_int_equal(s_wait_for(&fk->submits, 1), 1);
    gw_client_destroy(&c);
    s_fake_destroy(&fk);
}

/* Nobody listens: connect times out; nothing is queued for the void (ZMQ_IMMEDIATE). */
static void
test_client_no_gateway_is_eagain(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_SILENT);
    char endpoint[128];
    snprintf(endpoint, sizeof(endpoint), "%s", fk->endpoint);
    s_fake_destroy(&fk);
    char *err = NULL;
    gw_client_t *c = gw_client_new(endpoint, S_PARTY, NULL, &err);
    assert_non_null(c);
    assert_int_equal(gw_client_connect(c, 100, &err), GW_EAGAIN);
    assert_int_equal(gw_client_send(c, "<a/>", 4, NULL, NULL), GW_EAGAIN);
    gw_client_destroy(&c);
}

/* With a short interval the client emits heartbeats while idle and hides the replies. */
static void
test_client_heartbeats_while_idle(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_NORMAL);
    gw_client_t *c = s_client(fk, 20);
    assert_int_equal(gw_client_connect(c, 2000, NULL), GW_OK);
    gw_client_event_t ev;
    assert_int_equal(gw_client_next(c, &ev, 150), GW_EAGAIN);
    assert_true(atomic_load(&fk->heartbeats) >= 3);
    assert_int_equal(atomic_load(&fk->hellos), 1); /* replies keep the session alive */
    gw_client_destroy(&c);
    s_fake_destroy(&fk);
}

/* A gateway that stays silent (e.g. restarted and lost the session) gets a new HELLO. */
static void
test_client_silent_gateway_gets_hello_again(void **state)
{
    (void)state;
    s_fake_t *fk = s_fake_start(S_MODE_SILENT);
    gw_client_t *c = s_client(fk, 10);
    assert_int_equal(gw_client_connect(c, 10, NULL), GW_EAGAIN);
    gw_client_event_t ev;
    assert_int_equal(gw_client_next(c, &ev, 150), GW_EAGAIN);
    assert_true(atomic_load(&fk->hellos) >= 2);
    gw_client_destroy(&c);
    s_fake_destroy(&fk);
}

static void
test_client_new_refuses_bad_arguments(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(gw_client_new("tcp://127.0.0.1:1", NULL, NULL, &err));
    assert_non_null(err);
    gw_free(err);
    err = NULL;
    assert_null(gw_client_new("tcp://127.0.0.1:1", "", NULL, &err));
    gw_free(err);
    err = NULL;
    assert_null(gw_client_new("tcp://127.0.0.1:1", "4242 0001", NULL, &err));
    gw_free(err);
    err = NULL;
    char party[66];
    memset(party, '4', 65);
    party[65] = '\0';
    assert_null(gw_client_new("tcp://127.0.0.1:1", party, NULL, &err));
    gw_free(err);
    err = NULL;
    assert_null(gw_client_new("nonsense://x", S_PARTY, NULL, &err));
    assert_non_null(err);
    gw_free(err);
    err = NULL;
    gw_client_opts_t o = {.curve_server_key = "only-one-key"};
    assert_null(gw_client_new("tcp://127.0.0.1:1", S_PARTY, &o, &err));
    assert_non_null(err);
    gw_free(err);
    assert_null(gw_client_new("tcp://127.0.0.1:1", NULL, NULL, NULL)); /* err may be NULL */
    gw_client_destroy(NULL);
    gw_client_t *none = NULL;
    gw_client_destroy(&none);
    assert_int_equal(gw_client_pending(NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_client_connect_says_hello_and_gets_welcome,
                                        ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_hello_carries_party_and_version, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_submit_returns_ack, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_submit_returns_reject_and_error, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_deliver_during_submit_is_queued, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_notice_is_an_event_with_its_properties,
                                        ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_send_generates_unique_ids, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_connect_refused_is_einval, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_connect_timeout_is_eagain, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_no_gateway_is_eagain, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_heartbeats_while_idle, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_silent_gateway_gets_hello_again, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_client_new_refuses_bad_arguments, ut_alloc_setup,
                                        ut_alloc_teardown),
    };
    return cmocka_run_group_tests_name("gw_client", tests, NULL, NULL);
}
