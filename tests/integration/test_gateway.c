/*
 * End-to-end tests of the gateway's pipeline (harness: harness.h): story replay
 * with retours, offline backlog, kill -9, dedup, bad input and faults, SIGHUP
 * and dead letters, each against a real `ijwgw` process.
 *
 * Every wait is bounded; the gateway is stopped with SIGTERM (SIGKILL after
 * 5 s) in the teardown, also when a test fails. Environment: see harness.h, and
 *   GW_SEED=N       replay the kill -9 test's random kill point
 */
#include "harness.h"


/* ------------------------------------------------------------ 1. story replay ---- */

/* The heenberichten of the stories, in the order of tests/fixtures/valid/README.md. */
static const char *const s_ijw_story[] = {
    "jw315", "jw319",        "jw301",         "jw305", "jw323",
    "jw325", "jw323-credit", "jw325-partial", "jw317", "jw319-vow-afgewezen",
    "jw307",
};
static const char *const s_wmo_story[] = {
    "wmo315", "wmo319",        "wmo301",        "wmo305", "wmo323",
    "wmo325", "wmo323-credit", "wmo325-credit", "wmo317", "wmo319-vow-afgewezen",
    "wmo307",
};

typedef struct expect {
    char file[32];
    char type[16];
    char retour[16]; /* "" when the message has no retourbericht */
    char ident[16];
    party_t *from, *to;
} expect_t;

static int
s_story_step_done(const void *arg)
{
    const expect_t *e = arg;
    if (s_count(e->to, GW_CMD_DELIVER, e->type, e->ident) == 0) {
        return 0;
    }
    return !e->retour[0] || s_count(e->from, GW_CMD_DELIVER, e->retour, e->ident) > 0;
}

static void
s_story_step(const char *file, expect_t *e)
{
    char rel[64];
    snprintf(rel, sizeof(rel), "valid/%s.xml", file);
    size_t len = 0;
    char *xml = ut_read_fixture(rel, &len);
    gw_msg_t *msg = NULL;
    gw_diag_reset(W.diag);
    assert_int_equal(gw_codec_decode(W.codec, xml, len, &msg, NULL, W.diag), GW_OK);
    assert_non_null(msg);
    memset(e, 0, sizeof(*e));
    snprintf(e->file, sizeof(e->file), "%s", file);
    snprintf(e->type, sizeof(e->type), "%s", msg->type->name);
    const gw_msgtype_t *ans = gw_msgtype_answer(msg->type);
    if (ans && ans->kind == GW_KIND_RETOUR) {
        snprintf(e->retour, sizeof(e->retour), "%s", ans->name);
    }
    gw_msg_destroy(&msg);
    char afz[16], ont[16];
    assert_true(s_xml_text(xml, "Afzender", afz, sizeof(afz)));
    assert_true(s_xml_text(xml, "Ontvanger", ont, sizeof(ont)));
    assert_true(s_xml_text(xml, "Identificatie", e->ident, sizeof(e->ident)));
    e->from = s_party_find(afz);
    e->to = s_party_find(ont);
    assert_non_null(e->from);
    assert_non_null(e->to);

    gw_client_result_t r;
    s_submit(e->from, xml, len, &r);
    s_expect(&r, GW_CMD_ACK, NULL, rel);
    assert_string_equal(r.type, e->type);
    gw_client_event_clear(&r);
    gw_free(xml);
    if (!s_pump_until(s_story_step_done, e, 5000)) {
        fail_msg("%s: %s got it %zu times, %s got the %s %zu times", file, e->to->code,
                 s_count(e->to, GW_CMD_DELIVER, e->type, e->ident), e->from->code,
                 e->retour[0] ? e->retour : "-",
                 e->retour[0] ? s_count(e->from, GW_CMD_DELIVER, e->retour, e->ident) : 0);
    }
}

static void
test_gateway_story_replay_delivers_everything_once(void **state)
{
    (void)state;
    /* with the standard's cross-message filters: the story keeps every rule */
    gwconf_t conf = {.retry_initial = "1s",
                     .tap = 1,
                     .extra = "filter tr056\nfilter verzoek\nfilter toewijzing\n"
                              "filter startstop\nfilter declaratie\n"};
    s_begin(&conf);
    s_party("0363", 1, 1);
    s_party("42420001", 1, 1);
    s_party("0384", 1, 1);
    s_party("65656055", 1, 1);
    party_t *platform = s_party("platform", 1, 0);
    platform->forbid[0] = "Jansen";     /* jw301 client's name: stripped from tap copies */
    platform->forbid[1] = "Wilhelmina"; /* wmo301 client's first name */

    enum { NSTEPS = 2 * sizeof(s_ijw_story) / sizeof(s_ijw_story[0]) };
    static expect_t steps[NSTEPS];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(s_ijw_story) / sizeof(s_ijw_story[0]); i++) {
        s_story_step(s_ijw_story[i], &steps[n++]);
    }
    for (size_t i = 0; i < sizeof(s_wmo_story) / sizeof(s_wmo_story[0]); i++) {
        s_story_step(s_wmo_story[i], &steps[n++]);
    }
    s_pump_for(1500); /* longer than retry_initial: a lost DACK would show as a redelivery */

    size_t retours = 0;
    for (size_t i = 0; i < n; i++) {
        const expect_t *e = &steps[i];
        if (s_count(e->to, GW_CMD_DELIVER, e->type, e->ident) != 1) {
            fail_msg("%s delivered %zu times to %s", e->file,
                     s_count(e->to, GW_CMD_DELIVER, e->type, e->ident), e->to->code);
        }
        if (e->retour[0]) {
            retours++;
            if (s_count(e->from, GW_CMD_DELIVER, e->retour, e->ident) != 1) {
                fail_msg("the %s for %s reached %s %zu times", e->retour, e->file, e->from->code,
                         s_count(e->from, GW_CMD_DELIVER, e->retour, e->ident));
            }
            for (size_t k = 0; k < e->from->nrx; k++) {
                const rx_t *r = &e->from->rx[k];
                if (r->cmd == GW_CMD_DELIVER && strcmp(r->type, e->retour) == 0 &&
                    strcmp(r->ident, e->ident) == 0) {
                    assert_string_equal(r->from, e->to->code); /* sent by the heen's Ontvanger */
                }
            }
        } else {
            /* 323 and 325: answered in the story by a message of its own, not a retour. */
            assert_int_equal(s_count(e->from, GW_CMD_DELIVER, NULL, e->ident), 0);
        }
    }
    assert_int_equal(retours, 14);
    /* Every retour was ACKed, and nobody got anything that is not in the story. */
    size_t answered = 0, acks = 0, delivered = 0;
    for (size_t k = 0; k < W.nparties; k++) {
        const party_t *p = &W.parties[k];
        if (p == platform) {
            continue;
        }
        answered += p->nanswered;
        acks += s_count(p, GW_CMD_ACK, NULL, NULL);
        delivered += s_count(p, GW_CMD_DELIVER, NULL, NULL);
    }
    assert_int_equal(answered, retours);
    assert_int_equal(acks, retours);
    assert_int_equal(delivered, n + retours);
    /* The platform tapped exactly one JW301 and one WMO301, without names. */
    assert_int_equal(s_count(platform, GW_CMD_DELIVER, "JW301", "JW301-000001"), 1);
    assert_int_equal(s_count(platform, GW_CMD_DELIVER, "WMO301", "WMO301-00001"), 1);
    assert_int_equal(s_count(platform, GW_CMD_DELIVER, NULL, NULL), 2);
    assert_int_equal(platform->forbidden_hits, 0);
    s_assert_clean_deliveries();

    s_parties_close();
    s_gw_stop_clean();
    s_end();
}

/* ------------------------------------------------------------ 2. offline recipient ---- */

typedef struct want {
    const party_t *p;
    gw_cmd_t cmd;
    size_t n;
} want_t;

static int
s_has_n(const void *arg)
{
    const want_t *w = arg;
    return s_count(w->p, w->cmd, NULL, NULL) >= w->n;
}

static void
test_gateway_offline_recipient_gets_backlog_in_order(void **state)
{
    (void)state;
    s_begin(NULL);
    party_t *g = s_party("0363", 1, 0);
    /* 0363 -> 42420001 messages, fixtures interleaved with fresh JW301s. */
    static const char *const files[] = {
        "jw319",         NULL, "jw301", NULL, "jw325", NULL, "jw319-vow-afgewezen", NULL,
        "jw325-partial", NULL};
    enum { N = sizeof(files) / sizeof(files[0]) };
    char idents[N][16];
    for (size_t i = 0; i < N; i++) {
        size_t len = 0;
        char *xml;
        if (files[i]) {
            char rel[64];
            snprintf(rel, sizeof(rel), "valid/%s.xml", files[i]);
            xml = ut_read_fixture(rel, &len);
            assert_true(s_xml_text(xml, "Identificatie", idents[i], sizeof(idents[i])));
        } else {
            snprintf(idents[i], sizeof(idents[i]), "OFF%09zu", i);
            xml = s_variant("valid/jw301.xml", idents[i], &len);
        }
        s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, idents[i]);
    }
    party_t *a = s_party("42420001", 1, 0);
    want_t w = {a, GW_CMD_DELIVER, N};
    if (!s_pump_until(s_has_n, &w, 5000)) {
        fail_msg("backlog: %zu of %d delivered", s_count(a, GW_CMD_DELIVER, NULL, NULL), (int)N);
    }
    s_pump_for(500);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), N);
    size_t k = 0;
    for (size_t i = 0; i < a->nrx; i++) {
        if (a->rx[i].cmd == GW_CMD_DELIVER) {
            assert_string_equal(a->rx[i].ident, idents[k]); /* submission order */
            assert_string_equal(a->rx[i].from, "0363");
            k++;
        }
    }
    s_assert_clean_deliveries();
    s_end();
}

/* ------------------------------------------------------------ 3. kill -9 mid-replay ---- */

#define K_N      500
#define K_WINDOW 64

static struct {
    int acked[K_N];          /* 1: ACK read before the kill; 2: after the restart */
    int d1[K_N];             /* deliveries before the kill */
    int d2[K_N];             /* deliveries after the restart */
    int dacked1[K_N];        /* DACK sent before the kill */
    int confirmed[K_N];      /* ... and known to be committed (a later HEARTBEAT was answered) */
    int64_t msgid[K_N];      /* gateway message id (props msgid=) */
    int64_t did[K_N];        /* delivery id (DELIVER id frame) */
    int intruders;           /* deliveries of the INTRUDER messages (stored after the restart) */
    int dacks[2 * K_N + 64]; /* indexes DACKed before the kill, in order */
    size_t ndacks, nconfirmed;
} K;

/* A recipient on a raw socket: it DACKs every delivery and follows its DACKs with a
 * HEARTBEAT whose answer proves they were committed (the gateway answers a batch only
 * after its transaction committed). */
typedef struct krecv {
    void *s;
    int phase;        /* 1: before the kill, 2: after the restart */
    unsigned barrier; /* id of the outstanding barrier, 0 = none */
    unsigned seq;
    size_t barrier_at; /* K.ndacks when the barrier was sent */
    int64_t last_ms;
    int fresh;         /* got a delivery whose ACK the sender has not seen yet */
    int kill_on_fresh; /* then SIGKILL the gateway at once */
} krecv_t;

static int
s_k_index(const char *ident)
{
    int idx = -1;
    if (sscanf(ident, "KL%d", &idx) != 1 || idx < 0 || idx >= K_N) {
        fail_msg("unexpected delivery %s", ident);
    }
    return idx;
}

static void
s_k_recv(krecv_t *r)
{
    for (;;) {
        gw_proto_msg_t m;
        int rc = gw_proto_recv(r->s, 0, MAX_BODY, &m, ZMQ_DONTWAIT);
        if (rc == GW_EAGAIN) {
            break;
        }
        assert_int_equal(rc, GW_OK);
        if (m.cmd == GW_CMD_DELIVER) {
            char ident[16], mid[32];
            assert_true(s_xml_text(m.body, "Identificatie", ident, sizeof(ident)));
            assert_true(gw_props_get(m.props, m.props_len, "msgid", mid, sizeof(mid)));
            int64_t msgid = strtoll(mid, NULL, 10);
            int64_t did = strtoll(m.id, NULL, 10);
            if (strncmp(ident, "INTR", 4) == 0) {
                for (int i = 0; i < K_N; i++) {
                    if (K.msgid[i] == msgid || K.did[i] == did) {
                        gw_proto_msg_clear(&m);
                        fail_msg("%s arrived as message %" PRId64 " (delivery %" PRId64 "), ids "
                                 "that KL%010d had before the kill: a receiver deduplicating on "
                                 "them (docs/protocol.md) drops %s",
                                 ident, msgid, did, i, ident);
                    }
                }
                K.intruders++;
                assert_int_equal(gw_proto_send(r->s, NULL, GW_CMD_DACK, m.id, NULL, NULL, 0, 0),
                                 GW_OK);
                gw_proto_msg_clear(&m);
                continue;
            }
            int idx = s_k_index(ident);
            if (K.msgid[idx] == 0) {
                K.msgid[idx] = msgid;
                K.did[idx] = did;
            } else if (K.msgid[idx] != msgid || K.did[idx] != did) {
                /* The first copy went out before it was committed, and its ids died
                 * with the gateway: they can now name another message. */
                gw_proto_msg_clear(&m);
                fail_msg("%s delivered as message %" PRId64 " (delivery %" PRId64
                         ") and as message %" PRId64 " (delivery %" PRId64 ")",
                         ident, K.msgid[idx], K.did[idx], msgid, did);
            }
            if (r->phase == 1 && !K.acked[idx]) {
                r->fresh = 1;
                if (r->kill_on_fresh && W.gw.pid > 0) {
                    (void)kill(W.gw.pid, SIGKILL); /* before its transaction committed? */
                    r->kill_on_fresh = 0;
                }
            }
            if (r->phase == 1) {
                K.d1[idx]++;
            } else {
                K.d2[idx]++;
            }
            assert_int_equal(gw_proto_send(r->s, NULL, GW_CMD_DACK, m.id, NULL, NULL, 0, 0), GW_OK);
            if (r->phase == 1) {
                assert_true(K.ndacks < sizeof(K.dacks) / sizeof(K.dacks[0]));
                K.dacks[K.ndacks++] = idx;
                K.dacked1[idx] = 1;
            }
        } else if (m.cmd == GW_CMD_HEARTBEAT && r->barrier) {
            char want[16];
            snprintf(want, sizeof(want), "b%u", r->barrier);
            if (strcmp(m.id, want) == 0) {
                /* (after the restart there is nothing left to confirm: barrier_at is 0) */
                for (; K.nconfirmed < r->barrier_at; K.nconfirmed++) {
                    K.confirmed[K.dacks[K.nconfirmed]] = 1;
                }
                r->barrier = 0;
            }
        } else if (m.cmd == GW_CMD_ERROR) {
            fail_msg("recipient got ERROR: %s", m.body);
        }
        gw_proto_msg_clear(&m);
    }
    if (!r->barrier && s_now() - r->last_ms >= 20) {
        char id[16];
        r->barrier = ++r->seq;
        snprintf(id, sizeof(id), "b%u", r->barrier);
        r->barrier_at = r->phase == 1 ? K.ndacks : 0;
        r->last_ms = s_now();
        assert_int_equal(gw_proto_send(r->s, NULL, GW_CMD_HEARTBEAT, id, NULL, NULL, 0, 0), GW_OK);
    }
}

static void
s_k_open_recipient(krecv_t *r, int phase)
{
    memset(r, 0, sizeof(*r));
    r->phase = phase;
    r->s = s_raw("42420001");
    assert_int_equal(
        gw_proto_send(r->s, NULL, GW_CMD_HELLO, "h1", "party=42420001\nversion=1\n", NULL, 0, 0),
        GW_OK);
}

/* Send message idx (KL<idx>) with correlation id k<idx>. */
static int
s_k_send(gw_client_t *c, int idx)
{
    char ident[16], corr[16];
    snprintf(ident, sizeof(ident), "KL%010d", idx);
    snprintf(corr, sizeof(corr), "k%d", idx);
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", ident, &len);
    int rc = gw_client_send(c, xml, len, corr, NULL);
    gw_free(xml);
    return rc;
}

/* Pipelined sending of the messages not yet ACKed, pumping the recipient meanwhile, until
 * `until` ACKs were read in this call (or all are ACKed). Then, for up to hunt_ms more, until
 * the recipient gets a message whose ACK has not arrived: a kill -9 at that moment hits the
 * window between sending a delivery and committing it. */
static size_t
s_k_run(gw_client_t *c, krecv_t *r, size_t until, int mark, int timeout_ms, int hunt_ms)
{
    int todo[K_N];
    size_t ntodo = 0, next = 0, nacked = 0, inflight = 0;
    for (int i = 0; i < K_N; i++) {
        if (!K.acked[i]) {
            todo[ntodo++] = i;
        }
    }
    int64_t deadline = s_now() + timeout_ms, hunt_end = 0;
    for (;;) {
        if (nacked >= until || nacked >= ntodo) {
            if (hunt_ms <= 0) {
                break;
            }
            if (!hunt_end) {
                hunt_end = s_now() + hunt_ms;
                r->fresh = 0;
                r->kill_on_fresh = 1;
            }
            if (r->fresh || s_now() >= hunt_end) {
                r->kill_on_fresh = 0;
                break;
            }
        }
        if (s_now() >= deadline) {
            s_dump_log();
            fail_msg("phase %d: %zu of %zu ACKs", mark, nacked, until);
        }
        while (next < ntodo && inflight < K_WINDOW && s_k_send(c, todo[next]) == GW_OK) {
            next++;
            inflight++;
        }
        zmq_pollitem_t it[2] = {{gw_client_socket(c), 0, ZMQ_POLLIN, 0}, {r->s, 0, ZMQ_POLLIN, 0}};
        (void)zmq_poll(it, 2, 5);
        gw_client_event_t ev;
        while (gw_client_next(c, &ev, 0) == GW_OK) {
            if (ev.cmd != GW_CMD_ACK) {
                char what[200];
                snprintf(what, sizeof(what), "%s %s for %s: %.120s", gw_cmd_name(ev.cmd), ev.code,
                         ev.id, ev.body ? ev.body : "");
                gw_client_event_clear(&ev);
                fail_msg("%s", what);
            }
            int idx = atoi(ev.id + 1);
            assert_true(idx >= 0 && idx < K_N && !K.acked[idx]);
            K.acked[idx] = mark;
            nacked++;
            inflight--;
            gw_client_event_clear(&ev);
        }
        s_k_recv(r);
    }
    return nacked;
}

static int
s_k_all_delivered(void)
{
    if (K.intruders < 3) {
        return 0;
    }
    for (int i = 0; i < K_N; i++) {
        if (K.d2[i] == 0 && !K.dacked1[i]) {
            return 0;
        }
    }
    return 1;
}

static void
test_gateway_kill9_loses_no_acked_message(void **state)
{
    (void)state;
    memset(&K, 0, sizeof(K));
    const char *seed_env = getenv("GW_SEED");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10)
                             : (unsigned)(s_wall_ms() ^ (int64_t)getpid());
    srand(seed);
    size_t kill_at = 50 + (size_t)(rand() % 400);
    fprintf(stderr, "# kill -9 after %zu ACKs (GW_SEED=%u)\n", kill_at, seed);

    gwconf_t conf = {.retry_initial = "1s"};
    s_begin(&conf);
    party_t *g = s_party("0363", 0, 0);
    krecv_t r;
    s_k_open_recipient(&r, 1);
    size_t acked1 = s_k_run(g->c, &r, kill_at, 1, 30000, 2000);
    assert_true(acked1 >= kill_at);
    int fresh = r.fresh;
    s_gw_kill9();

    size_t ndelivered1 = 0, nconfirmed = 0;
    for (int i = 0; i < K_N; i++) {
        ndelivered1 += K.d1[i] > 0;
        nconfirmed += K.confirmed[i];
    }
    fprintf(stderr, "# before the kill: %zu ACKed, %zu delivered, %zu DACKs confirmed%s\n", acked1,
            ndelivered1, nconfirmed,
            fresh ? ", killed right after a delivery whose ACK had not arrived" : "");

    /* Restart on the same store; the sender resends what it has no ACK for. */
    s_parties_close();
    s_gw_start();
    /* Other messages for the same recipient are stored first (another application of
     * 0363: JW319s): they take whatever ids are free now. */
    void *other = s_raw("0363");
    for (int i = 0; i < 3; i++) {
        char ident[16], corr[16];
        snprintf(ident, sizeof(ident), "INTR-%d", i);
        snprintf(corr, sizeof(corr), "i%d", i);
        size_t len = 0;
        char *xml = s_variant("valid/jw319.xml", ident, &len);
        int rc = gw_proto_send(other, NULL, GW_CMD_SUBMIT, corr, NULL, xml, len, 0);
        gw_free(xml);
        assert_int_equal(rc, GW_OK);
        s_raw_expect(other, GW_CMD_ACK, NULL, ident);
    }
    s_raw_close(other);
    g = s_party("0363", 0, 0);
    s_k_open_recipient(&r, 2);
    (void)s_k_run(g->c, &r, K_N, 2, 30000, 0);
    int64_t deadline = s_now() + 15000;
    while (!s_k_all_delivered()) {
        if (s_now() >= deadline) {
            s_dump_log();
            fail_msg("not every message was delivered after the restart");
        }
        zmq_pollitem_t it = {r.s, 0, ZMQ_POLLIN, 0};
        (void)zmq_poll(&it, 1, 20);
        s_k_recv(&r);
        (void)s_pump_once(0); /* keeps the sender's heartbeats going */
    }
    /* Settle: longer than retry_initial, so a redelivery would show. */
    deadline = s_now() + 1500;
    while (s_now() < deadline) {
        zmq_pollitem_t it = {r.s, 0, ZMQ_POLLIN, 0};
        (void)zmq_poll(&it, 1, 20);
        s_k_recv(&r);
        (void)s_pump_once(0);
    }
    for (int i = 0; i < K_N; i++) {
        if (!K.acked[i]) {
            fail_msg("KL%010d never ACKed", i);
        }
        if (K.d1[i] + K.d2[i] == 0) {
            fail_msg("KL%010d (ACKed %s the kill) was lost", i,
                     K.acked[i] == 1 ? "before" : "after");
        }
        if (K.d2[i] > 1) {
            fail_msg("KL%010d delivered %d times after the restart", i, K.d2[i]);
        }
        if (K.confirmed[i] && K.d2[i] != 0) {
            fail_msg("KL%010d was DACKed (committed) before the kill but delivered again", i);
        }
    }
    assert_int_equal(K.intruders, 3);
    /* Every message kept one gateway id: no resend created a second copy. */
    for (int i = 0; i < K_N; i++) {
        for (int j = i + 1; j < K_N; j++) {
            if (K.msgid[i] == K.msgid[j]) {
                fail_msg("KL%010d and KL%010d share message id %" PRId64, i, j, K.msgid[i]);
            }
        }
    }
    s_end();
}

/* ------------------------------------------------------------ 4. dedup ---- */

static void
test_gateway_duplicate_submit_is_acked_as_duplicate_and_delivered_once(void **state)
{
    (void)state;
    s_begin(NULL);
    void *s = s_raw("0363");
    size_t len = 0;
    char *xml = ut_read_fixture("valid/jw301.xml", &len);
    char msgid[3][32];
    for (int i = 0; i < 3; i++) {
        char corr[16];
        snprintf(corr, sizeof(corr), "dup-%d", i);
        assert_int_equal(gw_proto_send(s, NULL, GW_CMD_SUBMIT, corr, NULL, xml, len, 0), GW_OK);
        gw_proto_msg_t m;
        assert_int_equal(s_raw_recv(s, &m, 5000), GW_OK);
        if (m.cmd != GW_CMD_ACK) {
            fail_msg("submit %d: %s %s", i, gw_cmd_name(m.cmd), m.body);
        }
        assert_string_equal(m.id, corr);
        assert_true(gw_props_get(m.props, m.props_len, "msgid", msgid[i], sizeof(msgid[i])));
        char type[16], dup[8];
        assert_true(gw_props_get(m.props, m.props_len, "type", type, sizeof(type)));
        assert_string_equal(type, "JW301");
        int is_dup = gw_props_get(m.props, m.props_len, "duplicate", dup, sizeof(dup)) &&
                     strcmp(dup, "1") == 0;
        assert_int_equal(is_dup, i > 0);
        if (i == 0) {
            char to[16];
            assert_true(gw_props_get(m.props, m.props_len, "to", to, sizeof(to)));
            assert_string_equal(to, "42420001");
        }
        assert_string_equal(msgid[i], msgid[0]);
        gw_proto_msg_clear(&m);
        if (i == 1) {
            /* The recipient takes it before the third copy arrives. */
            party_t *a = s_party("42420001", 1, 0);
            want_t w = {a, GW_CMD_DELIVER, 1};
            assert_true(s_pump_until(s_has_n, &w, 5000));
        }
    }
    s_pump_for(700);
    const party_t *a = s_party_find("42420001");
    assert_int_equal(s_count(a, GW_CMD_DELIVER, "JW301", "JW301-000001"), 1);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 1);
    gw_free(xml);
    s_end();
}

/* ------------------------------------------------------------ 5. bad input and faults ---- */

static void
test_gateway_unknown_party_is_refused(void **state)
{
    (void)state;
    if (s_forced_curve()) {
        return; /* with CURVE an unknown party gets no answer at all: test_security.c */
    }
    s_begin(NULL);
    size_t len = 0;
    char *xml = ut_read_fixture("valid/jw301.xml", &len);
    void *s = s_raw("99999999");
    assert_int_equal(gw_proto_send(s, NULL, GW_CMD_SUBMIT, "u1", NULL, xml, len, 0), GW_OK);
    s_raw_expect(s, GW_CMD_ERROR, "UNKNOWN_PARTY", "SUBMIT from an unknown party");
    /* The client library reports the refused HELLO. */
    gw_client_t *c = s_client_new("77777777");
    char *err = NULL;
    assert_int_equal(gw_client_connect(c, 5000, &err), GW_EINVAL);
    assert_non_null(err);
    assert_non_null(strstr(err, "UNKNOWN_PARTY"));
    gw_free(err);
    gw_client_destroy(&c);
    /* Registered parties are unaffected. */
    party_t *g = s_party("0363", 1, 0);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "jw301 after an unknown party");
    s_end();
}

static void
test_gateway_spoofed_afzender_is_refused(void **state)
{
    (void)state;
    s_begin(NULL);
    /* Spoofing within the party's own kind (across kinds the message flow refuses it first:
     * FORBIDDEN, tests/integration/test_security.c). */
    party_t *a = s_party("65656055", 1, 0);
    party_t *g = s_party("0384", 1, 0);
    /* A JW301 whose Afzender is 0363, submitted by 0384. */
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ERROR, "SPOOF");
    /* A JW302 (retour of 0363 -> 42420001: its sender is the Ontvanger 42420001) from
     * 65656055. */
    s_submit_fixture_expect(a, "valid/jw302.xml", GW_CMD_ERROR, "SPOOF");
    s_pump_for(300);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 0);
    assert_int_equal(s_count(g, GW_CMD_DELIVER, NULL, NULL), 0);
    s_end();
}

static void
test_gateway_unknown_recipient_is_refused(void **state)
{
    (void)state;
    s_begin(NULL);
    party_t *g = s_party("0363", 1, 0);
    char *tmpl = ut_read_fixture("valid/jw301.xml", NULL);
    size_t len = 0;
    char *xml = s_replace(tmpl, ">42420001<", ">12345678<", &len);
    gw_free(tmpl);
    s_submit_take_expect(g, &xml, len, GW_CMD_ERROR, "UNKNOWN_RECIPIENT", "jw301 to 12345678");
    s_end();
}

/* Hostile and broken input (tests/fixtures/invalid/README.md) and the codec's code for each.
 * bom.xml is left out: the codec accepts it with an OP192 warning. */
static const struct {
    const char *file;
    const char *code;
} s_hostile[] = {
    {"empty.xml", "EMPTY"},
    {"whitespace.xml", "XML"},
    {"not-xml.txt", "XML"},
    {"truncated.xml", "XML"},
    {"two-roots.xml", "XML"},
    {"wrong-namespace.xml", "VERSION"},
    {"unknown-message.xml", "MESSAGE"},
    {"no-namespace.xml", "NAMESPACE"},
    {"xxe-file.xml", "DTD"},
    {"xxe-http.xml", "DTD"},
    {"billion-laughs.xml", "DTD"},
    {"dtd-external.xml", "DTD"},
    {"deep-nesting.xml", "DEPTH"},
    {"latin1.xml", "ENCODING"},
};

static void
test_gateway_invalid_and_hostile_input_gets_error(void **state)
{
    (void)state;
    s_begin(NULL);
    party_t *g = s_party("0363", 1, 0);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", ut_fixture_path("invalid/xsd"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t nxsd = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0) {
            continue;
        }
        char rel[300];
        snprintf(rel, sizeof(rel), "invalid/xsd/%s", e->d_name);
        s_submit_fixture_expect(g, rel, GW_CMD_ERROR, "XSD");
        nxsd++;
    }
    closedir(d);
    assert_true(nxsd >= 20);
    for (size_t i = 0; i < sizeof(s_hostile) / sizeof(s_hostile[0]); i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "invalid/input/%s", s_hostile[i].file);
        size_t len = 0;
        char *xml = ut_read_fixture(rel, &len);
        gw_client_result_t r;
        s_submit(g, xml, len, &r);
        gw_free(xml);
        s_expect(&r, GW_CMD_ERROR, s_hostile[i].code, rel);
        int leaked = r.body && strstr(r.body, "root:") != NULL; /* /etc/passwd was read */
        gw_client_event_clear(&r);
        assert_false(leaked);
    }
    /* Still serving, and nothing reached the recipient. */
    assert_true(s_gw_alive());
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    party_t *a = s_party("42420001", 1, 0);
    want_t w = {a, GW_CMD_DELIVER, 1};
    assert_true(s_pump_until(s_has_n, &w, 5000));
    s_pump_for(300);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 1);
    s_end();
}

static void
test_gateway_rule_violation_is_rejected_with_retourbericht(void **state)
{
    (void)state;
    s_begin(NULL);
    party_t *g = s_party("0363", 1, 0);
    size_t len = 0;
    char *xml = ut_read_fixture("rules/CS002-jw301.xml", &len); /* BSN fails the 11-proef */
    gw_client_result_t r;
    s_submit(g, xml, len, &r);
    s_expect(&r, GW_CMD_REJECT, NULL, "CS002-jw301");
    assert_string_equal(r.type, "JW302");
    assert_string_equal(r.code, "CS002");
    assert_non_null(r.body);
    gw_msg_t *ret = NULL;
    gw_diag_reset(W.diag);
    assert_int_equal(gw_codec_decode(W.codec, r.body, r.body_len, &ret, NULL, W.diag), GW_OK);
    if (!ret) {
        ut_print_diag(W.diag);
        fail_msg("the REJECT body is not a valid retourbericht");
    }
    assert_string_equal(ret->type->name, "JW302");
    gw_msg_destroy(&ret);
    assert_non_null(strstr(r.body, "RetourCode>0001<"));
    char ident[16];
    assert_true(s_xml_text(r.body, "Identificatie", ident, sizeof(ident)));
    assert_string_equal(ident, "JW301-000001"); /* the retour copies the heen's header */
    gw_client_event_clear(&r);
    gw_free(xml);
    /* A rejected message is not stored for delivery. */
    party_t *a = s_party("42420001", 1, 0);
    s_pump_for(500);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 0);
    s_end();
}

static void
test_gateway_oversize_message_gets_error(void **state)
{
    (void)state;
    gwconf_t conf = {.max_message_size = "64K"};
    s_begin(&conf);
    party_t *g = s_party("0363", 1, 0);
    size_t big = 100 * 1024;
    char *buf = gw_malloc(big);
    assert_non_null(buf);
    memset(buf, 'x', big);
    /* proto.h: an oversize body is a GW_EPARSE whose error code is "SIZE". */
    s_submit_take_expect(g, &buf, big, GW_CMD_ERROR, "SIZE", "100 KiB body, limit 64 KiB");
    assert_true(s_gw_alive());
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_end();
}

/* A frame far past max_message_size is cut by libzmq before the gateway buffers it whole:
 * no answer, the gateway lives on (up to twice the limit: the SIZE error above). */
static void
test_gateway_huge_frame_is_cut_before_it_is_buffered(void **state)
{
    (void)state;
    gwconf_t conf = {.max_message_size = "64K"};
    s_begin(&conf);
    void *s = s_raw("0384");
    size_t big = 1024 * 1024;
    char *buf = gw_malloc(big);
    assert_non_null(buf);
    memset(buf, 'x', big);
    static const char *const head[] = {"IJW1", "SUBMIT", "huge-1", ""};
    for (size_t i = 0; i < 4; i++) {
        assert_true(zmq_send(s, head[i], strlen(head[i]), ZMQ_SNDMORE) >= 0);
    }
    assert_true(zmq_send(s, buf, big, 0) >= 0);
    gw_free(buf);
    gw_proto_msg_t m;
    assert_int_equal(s_raw_recv(s, &m, 1500), GW_EAGAIN);
    s_raw_close(s);
    assert_true(s_gw_alive());
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_end();
}

static void
test_gateway_malformed_frames_get_protocol_error(void **state)
{
    (void)state;
    s_begin(NULL);
    void *s = s_raw("0384");
    static const char *const two[] = {"IJW1", "HELLO"};
    s_raw_frames(s, two, 2);
    s_raw_expect(s, GW_CMD_ERROR, "PROTOCOL", "2 frames");
    static const char *const badsig[] = {"IJW9", "SUBMIT", "x1", "", "<x/>"};
    s_raw_frames(s, badsig, 5);
    s_raw_expect(s, GW_CMD_ERROR, "PROTOCOL", "wrong signature");
    static const char *const badcmd[] = {"IJW1", "FROB", "x2", "", ""};
    s_raw_frames(s, badcmd, 5);
    s_raw_expect(s, GW_CMD_ERROR, "PROTOCOL", "unknown command");
    static const char *const six[] = {"IJW1", "SUBMIT", "x3", "", "<x/>", "extra"};
    s_raw_frames(s, six, 6);
    s_raw_expect(s, GW_CMD_ERROR, "PROTOCOL", "6 frames");
    static const char *const noid[] = {"IJW1", "SUBMIT", "", "", "<x/>"};
    s_raw_frames(s, noid, 5);
    s_raw_expect(s, GW_CMD_ERROR, "PROTOCOL", "SUBMIT without id");
    /* A gateway-to-party command from a party. */
    assert_int_equal(gw_proto_send(s, NULL, GW_CMD_DELIVER, "x4", NULL, "<x/>", 4, 0), GW_OK);
    s_raw_expect(s, GW_CMD_ERROR, "PROTOCOL", "DELIVER from a party");
    /* A socket whose routing id is not a party code at all (libzmq's binary default). */
    void *anon = zmq_socket(W.zctx, ZMQ_DEALER);
    assert_non_null(anon);
    int zero = 0;
    zmq_setsockopt(anon, ZMQ_LINGER, &zero, sizeof(zero));
    assert_int_equal(zmq_connect(anon, W.gw.endpoint), 0);
    s_raw_frames(anon, badsig, 5);
    s_sleep_ms(100);
    zmq_close(anon);
    /* The gateway keeps serving: the same socket and other parties. */
    assert_true(s_gw_alive());
    assert_int_equal(gw_proto_send(s, NULL, GW_CMD_HELLO, "h1", "party=0384\n", NULL, 0, 0), GW_OK);
    s_raw_expect(s, GW_CMD_WELCOME, NULL, "HELLO after garbage");
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_end();
}

/* Submit n JW301 variants ("<prefix><i>") from 0363 to 42420001 (or WMO301s from 0384 to
 * 65656055), pipelined, and wait for all ACKs. */
static void
s_submit_variants(party_t *from, const char *fixture, const char *prefix, size_t n)
{
    size_t before = s_count(from, GW_CMD_ACK, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        char ident[48]; /* prefix + 6 digits stays within the 12 of LDT_IdentificatieBericht */
        snprintf(ident, sizeof(ident), "%s%06zu", prefix, i % 1000000);
        size_t len = 0;
        char *xml = s_variant(fixture, ident, &len);
        assert_int_equal(gw_client_send(from->c, xml, len, NULL, NULL), GW_OK);
        gw_free(xml);
    }
    want_t w = {from, GW_CMD_ACK, before + n};
    if (!s_pump_until(s_has_n, &w, 10000)) {
        s_assert_clean_deliveries(); /* names an ERROR if there was one */
        fail_msg("%zu of %zu ACKs", s_count(from, GW_CMD_ACK, NULL, NULL) - before, n);
    }
}

static void
test_gateway_slow_recipient_does_not_block_others(void **state)
{
    (void)state;
    gwconf_t conf = {.inflight_limit = "4"};
    s_begin(&conf);
    party_t *slow = s_party("42420001", 0, 0); /* connected, never DACKs */
    party_t *fast = s_party("65656055", 1, 0);
    party_t *g1 = s_party("0363", 1, 0);
    party_t *g2 = s_party("0384", 1, 0);
    s_submit_variants(g1, "valid/jw301.xml", "SLOW", 40);
    s_pump_for(500); /* the slow recipient's window fills and its retries start */
    s_submit_variants(g2, "valid/wmo301.xml", "FAST", 5);
    want_t w = {fast, GW_CMD_DELIVER, 5};
    if (!s_pump_until(s_has_n, &w, 5000)) {
        fail_msg("fast recipient got %zu of 5", s_count(fast, GW_CMD_DELIVER, NULL, NULL));
    }
    s_pump_for(300);
    for (size_t i = 0; i < 5; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "FAST%06zu", i);
        assert_int_equal(s_count(fast, GW_CMD_DELIVER, "WMO301", ident), 1);
    }
    assert_true(s_count(slow, GW_CMD_DELIVER, NULL, NULL) > 0);
    s_end();
}

static void
test_gateway_inflight_limit_caps_unacknowledged_deliveries(void **state)
{
    (void)state;
    gwconf_t conf = {.inflight_limit = "4", .retry_initial = "5s", .retry_max = "10s"};
    s_begin(&conf);
    party_t *slow = s_party("42420001", 0, 0); /* connected, never DACKs */
    party_t *g = s_party("0363", 1, 0);
    s_submit_variants(g, "valid/jw301.xml", "WIN", 40);
    s_pump_for(1500);
    /* Distinct deliveries it holds without having acknowledged any: at most the window. */
    size_t distinct = 0;
    for (size_t i = 0; i < slow->nrx; i++) {
        if (slow->rx[i].cmd != GW_CMD_DELIVER) {
            continue;
        }
        size_t j = 0;
        while (j < i && !(slow->rx[j].cmd == GW_CMD_DELIVER &&
                          strcmp(slow->rx[j].id, slow->rx[i].id) == 0)) {
            j++;
        }
        distinct += j == i;
    }
    if (distinct > 4) {
        fail_msg("inflight_limit 4, but %zu unacknowledged deliveries were sent", distinct);
    }
    assert_int_equal(distinct, 4);
    s_end();
}

static void
test_gateway_store_full_refuses_new_keeps_stored(void **state)
{
    (void)state;
    gwconf_t conf = {.store_max_size = "256K", .max_message_size = "64K"};
    s_begin(&conf);
    party_t *g = s_party("0363", 1, 0);
    static char acked[400][16];
    size_t nacked = 0;
    int full = 0;
    for (size_t i = 0; i < 400 && !full; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "FULL%08zu", i);
        size_t len = 0;
        char *xml = s_variant("valid/jw301.xml", ident, &len);
        gw_client_result_t r;
        s_submit(g, xml, len, &r);
        gw_free(xml);
        if (r.cmd == GW_CMD_ACK) {
            snprintf(acked[nacked++], sizeof(acked[0]), "%s", ident);
        } else {
            s_expect(&r, GW_CMD_ERROR, "FULL", ident);
            full = 1;
        }
        gw_client_event_clear(&r);
    }
    assert_true(full);
    assert_true(nacked >= 5);
    fprintf(stderr, "# store full after %zu messages\n", nacked);
    /* Still full for the next one, still running. */
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "FULLNEXT", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ERROR, "FULL", "after full");
    assert_true(s_gw_alive());
    /* Everything stored before is delivered, exactly once, in order. */
    party_t *a = s_party("42420001", 1, 0);
    want_t w = {a, GW_CMD_DELIVER, nacked};
    if (!s_pump_until(s_has_n, &w, 10000)) {
        fail_msg("%zu of %zu stored messages delivered", s_count(a, GW_CMD_DELIVER, NULL, NULL),
                 nacked);
    }
    s_pump_for(300);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), nacked);
    size_t k = 0;
    for (size_t i = 0; i < a->nrx; i++) {
        if (a->rx[i].cmd == GW_CMD_DELIVER) {
            assert_string_equal(a->rx[i].ident, acked[k]);
            k++;
        }
    }
    s_assert_clean_deliveries();
    s_end();
}

/* Receive DELIVERs on a raw socket until n arrived; their delivery ids go to ids. */
static void
s_raw_deliveries(void *s, size_t n, char ids[][GW_PROTO_MAX_ID + 1])
{
    for (size_t i = 0; i < n;) {
        gw_proto_msg_t m;
        int rc = s_raw_recv(s, &m, 5000);
        if (rc != GW_OK) {
            fail_msg("%zu of %zu deliveries (rc=%d)", i, n, rc);
        }
        if (m.cmd == GW_CMD_DELIVER) {
            snprintf(ids[i++], GW_PROTO_MAX_ID + 1, "%s", m.id);
        }
        gw_proto_msg_clear(&m);
    }
}

static void
test_gateway_only_the_recipient_can_acknowledge(void **state)
{
    (void)state;
    s_begin(NULL);
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    void *a = s_raw("42420001");
    assert_int_equal(gw_proto_send(a, NULL, GW_CMD_HELLO, "h1", NULL, NULL, 0, 0), GW_OK);
    char ids[1][GW_PROTO_MAX_ID + 1];
    s_raw_deliveries(a, 1, ids);
    /* Another party acknowledges 42420001's delivery: refused, and it stays undelivered. */
    void *other = s_raw("65656055");
    assert_int_equal(gw_proto_send(other, NULL, GW_CMD_DACK, ids[0], NULL, NULL, 0, 0), GW_OK);
    s_raw_expect(other, GW_CMD_ERROR, "UNKNOWN_DELIVERY", "DACK of another party's delivery");
    assert_int_equal(gw_proto_send(other, NULL, GW_CMD_DACK, "999999", NULL, NULL, 0, 0), GW_OK);
    s_raw_expect(other, GW_CMD_ERROR, "UNKNOWN_DELIVERY", "DACK of an unknown delivery");
    /* A party speaks at least once per heartbeat interval (with CURVE, deliveries wait
     * for that after another party connected). */
    assert_int_equal(gw_proto_send(a, NULL, GW_CMD_HEARTBEAT, NULL, NULL, NULL, 0, 0), GW_OK);
    char redelivered[1][GW_PROTO_MAX_ID + 1];
    s_raw_deliveries(a, 1, redelivered); /* retried after retry_initial */
    assert_string_equal(redelivered[0], ids[0]);
    s_end();
}

/* The filter chain on the live pipeline: tr056 (TR056, retourcode 9056) refuses a
 * BerichtIdentificatie a sender already used for another message of the type,
 * with a JW302 carrying 9056; an exact resend is still answered as a duplicate. */
static void
test_gateway_filter_tr056_rejects_reused_identificatie(void **state)
{
    (void)state;
    gwconf_t conf = {.extra = "filter tr056\n"};
    s_begin(&conf);
    party_t *g = s_party("0363", 1, 0);
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "TR056-A", &len);
    char *again = gw_malloc(len + 1);
    assert_non_null(again);
    memcpy(again, xml, len + 1);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "first use");
    s_submit_take_expect(g, &again, len, GW_CMD_ACK, "DUPLICATE", "exact resend");
    /* the same Identificatie on another day: another message */
    char *base = s_variant("valid/jw301.xml", "TR056-A", &len);
    char day[16];
    assert_true(s_xml_text(base, "Dagtekening", day, sizeof(day)));
    char from[40], to[40];
    snprintf(from, sizeof(from), "<ijw:Dagtekening>%s<", day);
    /* later than the fixture's day (TR134) and not in the future (TR135) */
    snprintf(to, sizeof(to), "<ijw:Dagtekening>%s<", strcmp(day, "2026-11-01") ? "2026-11-01"
                                                                                  : "2026-11-02");
    size_t len2 = 0;
    char *other = s_replace(base, from, to, &len2);
    gw_free(base);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(g->c, other, len2, &r, 10000), GW_OK);
    gw_free(other);
    s_expect(&r, GW_CMD_REJECT, "TR056", "reused Identificatie");
    assert_string_equal(r.type, "JW302");
    assert_non_null(r.body);
    assert_non_null(strstr(r.body, "<jw302:RetourCode>9056</jw302:RetourCode>"));
    gw_client_event_clear(&r);
    s_end();
}

/* The contract filter on the live pipeline (docs/contract-register.md): a JW301 to an
 * onderaannemer is delivered to its hoofdaannemer; a JW301 to a provider without a contract
 * for the product's segment is rejected (CR-CONTRACT, JW302 with 0001); SIGHUP reloads the
 * register, and a broken register keeps the previous one. */
static const char s_contract_reg[] = "register\n    naam = Integratie\n    productlijst = gedeeltelijk\n"
                                     "segment amb\n    bekostiging = inspanningsgericht\n"
                                     "product 45A48\n    categorie = 45\n    segment = amb\n"
                                     "aanbieder 42420001\n    contract = amb\n"
                                     "aanbieder 77777777\n    hoofdaannemer = 42420001\n";

static int
s_got_jw301(const void *arg)
{
    return s_count(arg, GW_CMD_DELIVER, "JW301", NULL) > 0;
}

static char *
s_jw301_to(const char *ident, const char *agb, size_t *len)
{
    char *base = s_variant("valid/jw301.xml", ident, len);
    char to[16];
    snprintf(to, sizeof(to), ">%s<", agb);
    char *xml = s_replace(base, ">42420001<", to, len);
    gw_free(base);
    return xml;
}

static void
s_sighup_until(const char *needle)
{
    assert_int_equal(kill(W.gw.pid, SIGHUP), 0);
    s_wait_log(needle, 5000);
}

static void
test_gateway_filter_contract_routes_and_reloads_its_register(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char rdir[256], reg[320], extra[600];
    snprintf(rdir, sizeof(rdir), "%s/ijwgw-reg-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(rdir));
    snprintf(reg, sizeof(reg), "%s/route.register", rdir);
    assert_int_equal(s_write_file(reg, s_contract_reg), 0);
    snprintf(extra, sizeof(extra),
             "party 77777777\n    kind = aanbieder\nfilter contract\n    register = %s\n", reg);
    gwconf_t conf = {.extra = extra};
    s_begin(&conf);
    party_t *g = s_party("0363", 1, 0);
    party_t *h = s_party("42420001", 1, 0);
    party_t *o = s_party("77777777", 1, 0);
    size_t len = 0;
    char *xml = s_jw301_to("CR-1", "77777777", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "jw301 to an onderaannemer");
    assert_true(s_pump_until(s_got_jw301, h, 5000));
    assert_int_equal(s_count(o, GW_CMD_DELIVER, "JW301", NULL), 0);
    assert_true(s_log_has("routed"));

    xml = s_jw301_to("CR-2", "65656055", &len);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(g->c, xml, len, &r, 10000), GW_OK);
    gw_free(xml);
    s_expect(&r, GW_CMD_REJECT, "CR-CONTRACT", "jw301 to an uncontracted provider");
    assert_non_null(r.body);
    assert_non_null(strstr(r.body, "<jw302:RetourCode>0001</jw302:RetourCode>"));
    gw_client_event_clear(&r);

    /* 65656055 gets a contract: after SIGHUP its toewijzing passes. */
    char text[sizeof(s_contract_reg) + 64];
    snprintf(text, sizeof(text), "%saanbieder 65656055\n    contract = amb\n", s_contract_reg);
    assert_int_equal(s_write_file(reg, text), 0);
    s_sighup_until("reloaded");
    xml = s_jw301_to("CR-3", "65656055", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "jw301 after the register reload");

    /* A broken register: the reload fails, the previous register stays. */
    assert_int_equal(s_write_file(reg, "register\n    naam = x\nproduct 45A48\n"), 0);
    s_sighup_until("reload_failed");
    assert_true(s_gw_alive());
    xml = s_jw301_to("CR-4", "65656055", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "jw301 after a failed reload");
    s_end();
    unlink(reg);
    rmdir(rdir);
}

static void
test_gateway_repeated_dack_does_not_free_queue_space(void **state)
{
    (void)state;
    gwconf_t conf = {.queue_limit = "2"};
    s_begin(&conf);
    party_t *g = s_party("0363", 1, 0);
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "QL-A", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "A");
    xml = s_variant("valid/jw301.xml", "QL-B", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "B");
    xml = s_variant("valid/jw301.xml", "QL-X", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ERROR, "QUEUE_FULL", "X (2 undelivered, limit 2)");
    /* The recipient takes A and B, acknowledges A three times (a party that re-sends
     * its DACK after a redelivery, or a retry), and keeps B. */
    void *a = s_raw("42420001");
    assert_int_equal(gw_proto_send(a, NULL, GW_CMD_HELLO, "h1", NULL, NULL, 0, 0), GW_OK);
    /* WELCOME announces the 2 undelivered; the deliveries may come before it. */
    char ids[2][GW_PROTO_MAX_ID + 1];
    char backlog[16] = "";
    size_t ndeliv = 0;
    int welcomed = 0;
    while (!welcomed || ndeliv < 2) {
        gw_proto_msg_t m;
        if (s_raw_recv(a, &m, 5000) != GW_OK) {
            fail_msg("welcomed=%d, %zu of 2 deliveries", welcomed, ndeliv);
        }
        if (m.cmd == GW_CMD_WELCOME) {
            welcomed = 1;
            (void)gw_props_get(m.props, m.props_len, "backlog", backlog, sizeof(backlog));
        } else if (m.cmd == GW_CMD_DELIVER && ndeliv < 2) {
            snprintf(ids[ndeliv++], GW_PROTO_MAX_ID + 1, "%s", m.id);
        }
        gw_proto_msg_clear(&m);
    }
    assert_string_equal(backlog, "2");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(gw_proto_send(a, NULL, GW_CMD_DACK, ids[0], NULL, NULL, 0, 0), GW_OK);
    }
    /* A barrier: the HEARTBEAT is answered after the DACKs were handled. */
    assert_int_equal(gw_proto_send(a, NULL, GW_CMD_HEARTBEAT, "bar", NULL, NULL, 0, 0), GW_OK);
    for (;;) {
        gw_proto_msg_t m;
        memset(&m, 0, sizeof(m));
        assert_int_equal(gw_proto_recv(a, 0, MAX_BODY, &m, 0), GW_OK);
        int done = m.cmd == GW_CMD_HEARTBEAT && strcmp(m.id, "bar") == 0;
        gw_proto_msg_clear(&m);
        if (done) {
            break;
        }
    }
    /* One undelivered (B): room for exactly one more. */
    xml = s_variant("valid/jw301.xml", "QL-C", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "C (1 undelivered, limit 2)");
    xml = s_variant("valid/jw301.xml", "QL-D", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ERROR, "QUEUE_FULL", "D (2 undelivered, limit 2)");
    s_end();
}

/* Ident of the next DELIVER on a raw socket within timeout_ms ("" when none came). */
static void
s_raw_next_ident(void *s, int timeout_ms, char ident[16])
{
    ident[0] = '\0';
    int64_t deadline = s_now() + timeout_ms;
    while (!ident[0] && s_now() < deadline) {
        gw_proto_msg_t m;
        if (s_raw_recv(s, &m, (int)(deadline - s_now())) != GW_OK) {
            break;
        }
        if (m.cmd == GW_CMD_DELIVER) {
            (void)s_xml_text(m.body, "Identificatie", ident, 16);
        }
        gw_proto_msg_clear(&m);
    }
}

static void
test_gateway_reconnected_recipient_gets_inflight_first(void **state)
{
    (void)state;
    gwconf_t conf = {.retry_initial = "4s", .retry_max = "10s"};
    s_begin(&conf);
    party_t *g = s_party("0363", 1, 0);
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "RC-1", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "RC-1");
    /* The recipient receives RC-1 and dies before it could acknowledge it. */
    void *a = s_raw("42420001");
    assert_int_equal(gw_proto_send(a, NULL, GW_CMD_HELLO, "h1", NULL, NULL, 0, 0), GW_OK);
    char ident[16];
    s_raw_next_ident(a, 5000, ident);
    assert_string_equal(ident, "RC-1");
    s_raw_close(a);
    xml = s_variant("valid/jw301.xml", "RC-2", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "RC-2");
    s_pump_for(200);
    /* It restarts and says HELLO: RC-1 comes first and without waiting for its retry. */
    a = s_raw("42420001");
    assert_int_equal(gw_proto_send(a, NULL, GW_CMD_HELLO, "h2", NULL, NULL, 0, 0), GW_OK);
    s_raw_next_ident(a, 1500, ident);
    if (strcmp(ident, "RC-1") != 0) {
        fail_msg("after a reconnect the first delivery was '%s', not the in-flight RC-1 "
                 "(retry_initial 4s)",
                 ident);
    }
    s_raw_next_ident(a, 1500, ident);
    assert_string_equal(ident, "RC-2");
    s_end();
}

/* ------------------------------------------------------------ 6. SIGHUP ---- */

static void
test_gateway_sighup_reloads_parties_and_survives_a_broken_config(void **state)
{
    (void)state;
    if (s_forced_curve()) {
        return; /* the added party has no key; reloads with CURVE: test_security.c */
    }
    s_begin(NULL);
    char why[256];
    assert_false(s_try_welcome("0518", 0, why, sizeof(why)));
    assert_non_null(strstr(why, "UNKNOWN_PARTY"));

    gwconf_t added = {.extra = "party 0518\n    kind = gemeente\n    name = \"Den Haag\"\n"};
    s_conf_write(&added);
    assert_int_equal(kill(W.gw.pid, SIGHUP), 0);
    if (!s_try_welcome("0518", 5000, why, sizeof(why))) {
        s_dump_log();
        fail_msg("0518 not welcomed after SIGHUP: %s", why);
    }

    /* A new party plus an error: the whole file is refused, the previous parties stay. */
    gwconf_t broken = {.extra = "party 0518\n    kind = gemeente\n"
                                "party 0599\n    kind = gemeente\n"
                                "party 0600\n    kind = ministerie\n"};
    s_conf_write(&broken);
    assert_int_equal(kill(W.gw.pid, SIGHUP), 0);
    s_wait_log("reload_failed", 5000);
    assert_true(s_gw_alive());
    assert_true(s_try_welcome("0518", 2000, why, sizeof(why)));
    assert_false(s_try_welcome("0599", 0, why, sizeof(why)));
    assert_non_null(strstr(why, "UNKNOWN_PARTY"));
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_parties_close();
    s_gw_stop_clean();
    s_end();
}

/* ------------------------------------------------------------ 7. dead letter ---- */

typedef struct deadscan {
    size_t n;
    int64_t delivery_id;
    int ident_ok;
} deadscan_t;

/* 1 when the len bytes at p contain needle. */
static int
s_contains(const void *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; p && i + n <= len; i++) {
        if (memcmp((const char *)p + i, needle, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
s_dead_cb(void *arg, const gw_store_delivery_t *d)
{
    deadscan_t *ds = arg;
    ds->n++;
    ds->delivery_id = d->delivery_id;
    ds->ident_ok = strcmp(d->recipient, "42420001") == 0 && strcmp(d->type, "JW301") == 0 &&
                   s_contains(d->payload, d->len, ">JW301-000001<");
    return 0;
}

static deadscan_t
s_dead_scan(void)
{
    deadscan_t ds = {0, 0, 0};
    gw_store_opts_t o = {.readonly = 1};
    char *err = NULL;
    gw_store_t *st = gw_store_open(W.gw.store, &o, &err);
    if (!st) {
        fail_msg("gw_store_open(%s, readonly): %s", W.gw.store, err ? err : "?");
    }
    assert_int_equal(gw_store_dead(st, s_dead_cb, &ds), GW_OK);
    gw_store_close(&st);
    return ds;
}

static void
test_gateway_undelivered_message_is_dead_lettered_and_requeued(void **state)
{
    (void)state;
    gwconf_t conf = {.delivery_timeout = "1s"};
    s_begin(&conf);
    party_t *slow = s_party("42420001", 0, 0); /* receives, never DACKs */
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    want_t w = {slow, GW_CMD_DELIVER, 1};
    assert_true(s_pump_until(s_has_n, &w, 5000));
    /* The gateway expires undelivered messages periodically: wait for it (bounded). */
    deadscan_t ds = {0, 0, 0};
    int64_t deadline = s_now() + 20000;
    while (ds.n == 0 && s_now() < deadline) {
        s_pump_for(250);
        ds = s_dead_scan();
    }
    if (ds.n != 1) {
        s_dump_log();
        fail_msg("%zu dead deliveries after 20 s (delivery_timeout 1s)", ds.n);
    }
    assert_true(ds.ident_ok);
    /* Dead means no more attempts. */
    s_pump_for(300);
    size_t seen = s_count(slow, GW_CMD_DELIVER, NULL, NULL);
    s_pump_for(800);
    assert_int_equal(s_count(slow, GW_CMD_DELIVER, NULL, NULL), seen);

    /* The operator requeues it (gateway stopped), and it is delivered on reconnect. */
    s_parties_close();
    s_gw_stop_clean();
    gw_store_opts_t o = {0};
    char *err = NULL;
    gw_store_t *st = gw_store_open(W.gw.store, &o, &err);
    if (!st) {
        fail_msg("gw_store_open(%s): %s", W.gw.store, err ? err : "?");
    }
    size_t requeued = 0;
    assert_int_equal(gw_store_requeue(st, 0, s_wall_ms(), &requeued), GW_OK);
    gw_store_close(&st);
    assert_int_equal(requeued, 1);
    assert_int_equal(s_dead_scan().n, 0);

    gwconf_t later = {.delivery_timeout = "1h"};
    s_conf_write(&later);
    s_gw_start();
    party_t *a = s_party("42420001", 1, 0);
    want_t w2 = {a, GW_CMD_DELIVER, 1};
    assert_true(s_pump_until(s_has_n, &w2, 5000));
    s_pump_for(500);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, "JW301", "JW301-000001"), 1);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 1);
    s_parties_close();
    s_gw_stop_clean();
    assert_int_equal(s_dead_scan().n, 0);
    s_end();
}

static void
test_gateway_dead_lettered_delivery_frees_the_inflight_window(void **state)
{
    (void)state;
    gwconf_t conf = {.delivery_timeout = "1s", .inflight_limit = "1"};
    s_begin(&conf);
    party_t *slow = s_party("42420001", 0, 0); /* stays connected; never DACKs */
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    want_t w = {slow, GW_CMD_DELIVER, 1};
    assert_true(s_pump_until(s_has_n, &w, 5000));
    deadscan_t ds = {0, 0, 0};
    int64_t deadline = s_now() + 20000;
    while (ds.n == 0 && s_now() < deadline) {
        s_pump_for(250);
        ds = s_dead_scan();
    }
    assert_int_equal(ds.n, 1);
    /* The window (1) was taken by the delivery that is now dead: a new message must flow. */
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "DL-2", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "DL-2");
    deadline = s_now() + 3000;
    while (s_count(slow, GW_CMD_DELIVER, "JW301", "DL-2") == 0 && s_now() < deadline) {
        (void)s_pump_once(20);
    }
    if (s_count(slow, GW_CMD_DELIVER, "JW301", "DL-2") == 0) {
        fail_msg("inflight_limit 1: the dead-lettered delivery still holds the window, DL-2 "
                 "is not delivered to the connected recipient");
    }
    s_end();
}

/* ------------------------------------------------------------ main ---- */

int
main(void)
{
    s_test_filter_from_env();
    const struct CMUnitTest tests[] = {
        T(test_gateway_story_replay_delivers_everything_once),
        T(test_gateway_offline_recipient_gets_backlog_in_order),
        T(test_gateway_kill9_loses_no_acked_message),
        T(test_gateway_duplicate_submit_is_acked_as_duplicate_and_delivered_once),
        T(test_gateway_unknown_party_is_refused),
        T(test_gateway_spoofed_afzender_is_refused),
        T(test_gateway_unknown_recipient_is_refused),
        T(test_gateway_invalid_and_hostile_input_gets_error),
        T(test_gateway_rule_violation_is_rejected_with_retourbericht),
        T(test_gateway_oversize_message_gets_error),
        T(test_gateway_huge_frame_is_cut_before_it_is_buffered),
        T(test_gateway_malformed_frames_get_protocol_error),
        T(test_gateway_slow_recipient_does_not_block_others),
        T(test_gateway_inflight_limit_caps_unacknowledged_deliveries),
        T(test_gateway_store_full_refuses_new_keeps_stored),
        T(test_gateway_only_the_recipient_can_acknowledge),
        T(test_gateway_repeated_dack_does_not_free_queue_space),
        T(test_gateway_filter_tr056_rejects_reused_identificatie),
        T(test_gateway_filter_contract_routes_and_reloads_its_register),
        T(test_gateway_reconnected_recipient_gets_inflight_first),
        T(test_gateway_sighup_reloads_parties_and_survives_a_broken_config),
        T(test_gateway_undelivered_message_is_dead_lettered_and_requeued),
        T(test_gateway_dead_lettered_delivery_frees_the_inflight_window),
    };
    return cmocka_run_group_tests_name("gateway", tests, s_group_setup, s_group_teardown);
}
