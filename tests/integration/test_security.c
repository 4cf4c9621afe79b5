/*
 * End-to-end tests of the gateway's security (issue 5, items 1, 2 and 6), each
 * against a real `ijwgw` with CurveZMQ on (harness.h, gwconf_t.curve): who may
 * connect (registered keys only, a key only under its own party's code, revocation
 * by SIGHUP for new and existing connections), who may send and receive what
 * (Afzender, the message-flow table: ERROR FORBIDDEN), and the per-party limits
 * (size, rate, queue). The plain-TCP path is what test_gateway.c runs.
 */
#include "harness.h"

/* Parties the security tests add to the harness's five (keys: s_party_keys). */
static const char s_extra_parties[] =
    "party 0599\n" /* a gemeente with tight limits */
    "    kind = gemeente\n"
    "    rate = 2\n"
    "    max_message_size = 2K\n"
    "party 42420009\n" /* an aanbieder that takes at most one undelivered message */
    "    kind = aanbieder\n"
    "    queue_limit = 1\n"
    "party 0399\n" /* a platform misconfigured with a gemeente-like code */
    "    kind = platform\n"
    "party 42420002\n" /* a platform misconfigured with an AGB-like code */
    "    kind = platform\n";

/* Key pairs for the extra parties (the harness made the standard five). */
static void
s_party_keys(void)
{
    static const char *const codes[] = {"0599", "42420009", "0399", "42420002"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char key[400], pub[400];
        snprintf(key, sizeof(key), "%s/keys/%s.key", W.gw.dir, codes[i]);
        snprintf(pub, sizeof(pub), "%s/keys/%s.pub", W.gw.dir, codes[i]);
        gw_keypair_t kp;
        assert_int_equal(gw_keys_new(&kp), GW_OK);
        assert_int_equal(gw_keys_save(&kp, key, pub, codes[i], NULL), GW_OK);
    }
    assert_int_equal(kill(W.gw.pid, SIGHUP), 0); /* the registry reads them at reload */
    s_wait_log(" reloaded ", 5000);
}

static void
s_begin_curve(void)
{
    gwconf_t c;
    memset(&c, 0, sizeof(c));
    c.curve = 1;
    c.extra = s_extra_parties;
    s_begin(&c);
    s_party_keys();
}

/* Connect as code with kp (NULL: the party's own key) against server public key spub
 * (NULL: the gateway's); the gw_client_connect result, with the refusal in why. */
static int
s_connect_with(const char *code, const gw_keypair_t *kp, const char *spub, char *why, size_t cap)
{
    gw_keypair_t own;
    if (!kp) {
        s_keys_of(code, &own);
        kp = &own;
    }
    gw_client_opts_t o = {.heartbeat_ms = CLIENT_HEARTBEAT_MS,
                          .curve_server_key = spub ? spub : W.server_pub,
                          .curve_public_key = kp->public_key,
                          .curve_secret_key = kp->secret_key};
    char *err = NULL;
    gw_client_t *c = gw_client_new(W.gw.endpoint, code, &o, &err);
    assert_non_null(c);
    int rc = gw_client_connect(c, 1500, &err);
    if (why) {
        snprintf(why, cap, "%s", err ? err : "");
    }
    gw_free(err);
    gw_client_destroy(&c);
    return rc;
}

/* A JW301 of from to to with its own BerichtIdentificatie (gw_free). */
static char *
s_jw301(const char *from, const char *to, const char *ident, size_t *len)
{
    size_t l1 = 0, l2 = 0;
    char *a = s_variant("valid/jw301.xml", ident, &l1);
    char af[32], on[32];
    snprintf(af, sizeof(af), ">%s<", from);
    char *b = s_replace(a, ">0363<", af, &l2);
    gw_free(a);
    snprintf(on, sizeof(on), ">%s<", to);
    char *c = s_replace(b, ">42420001<", on, len);
    gw_free(b);
    return c;
}

typedef struct want {
    party_t *p;
    gw_cmd_t cmd;
    const char *type;
} want_t;

static int
s_has_type(const void *arg)
{
    const want_t *w = arg;
    return s_count(w->p, w->cmd, w->type, NULL) > 0;
}

static int
s_has_deliver(const void *arg)
{
    return s_count((party_t *)(uintptr_t)arg, GW_CMD_DELIVER, "JW301", NULL) > 0;
}

/* ------------------------------------------------------------ 1. who may connect ---- */

static void
test_security_registered_keys_exchange_messages(void **state)
{
    (void)state;
    s_begin_curve();
    party_t *gem = s_party("0363", 1, 0);
    party_t *aan = s_party("42420001", 1, 0);
    s_submit_fixture_expect(gem, "valid/jw301.xml", GW_CMD_ACK, NULL);
    assert_true(s_pump_until(s_has_deliver, aan, 5000));
    assert_true(s_log_has(" curve server_public_key="));
    s_end();
}

static void
test_security_unknown_key_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    gw_keypair_t stranger;
    assert_int_equal(gw_keys_new(&stranger), GW_OK);
    /* No answer at all: the handshake fails before any protocol message. */
    assert_int_equal(s_connect_with("0363", &stranger, NULL, NULL, 0), GW_EAGAIN);
    assert_true(s_log_has("auth_refused reason=\"unknown key\""));
    assert_true(s_log_has(stranger.public_key));
    s_end();
}

static void
test_security_wrong_server_key_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    gw_keypair_t other;
    assert_int_equal(gw_keys_new(&other), GW_OK);
    /* The party's own key, but not the gateway it meant: CURVE fails, nothing is said. */
    assert_int_equal(s_connect_with("0363", NULL, other.public_key, NULL, 0), GW_EAGAIN);
    s_end();
}

static void
test_security_key_under_another_party_code_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    gw_keypair_t k0384;
    s_keys_of("0384", &k0384);
    char why[300];
    /* 0363 not connected: the connection with 0384's key under the code 0363 is refused. */
    assert_int_equal(s_connect_with("0363", &k0384, NULL, why, sizeof(why)), GW_EINVAL);
    assert_non_null(strstr(why, "FORBIDDEN"));
    assert_non_null(strstr(why, "key of party 0384"));
    /* 0363 connected: the hijacker's connection (which takes over the routing id) gets
     * refusals, no deliveries; 0363 still gets its own. */
    party_t *gem = s_party("0363", 1, 0);
    gw_client_opts_t o = {.heartbeat_ms = CLIENT_HEARTBEAT_MS,
                          .curve_server_key = W.server_pub,
                          .curve_public_key = k0384.public_key,
                          .curve_secret_key = k0384.secret_key};
    gw_client_t *thief = gw_client_new(W.gw.endpoint, "0363", &o, NULL);
    assert_non_null(thief);
    char *err = NULL;
    assert_true(gw_client_connect(thief, 1000, &err) != GW_OK);
    gw_free(err);
    party_t *aan = s_party("42420001", 1, 0);
    s_submit_fixture_expect(aan, "valid/jw305.xml", GW_CMD_ACK, NULL);
    want_t w = {gem, GW_CMD_DELIVER, "JW305"};
    assert_true(s_pump_until(s_has_type, &w, 10000));
    gw_client_event_t ev;
    int stolen = 0;
    while (gw_client_next(thief, &ev, 200) == GW_OK) {
        stolen += ev.cmd == GW_CMD_DELIVER;
        gw_client_event_clear(&ev);
    }
    gw_client_destroy(&thief);
    assert_int_equal(stolen, 0);
    s_end();
}

static void
test_security_revoked_key_is_refused_new_and_existing(void **state)
{
    (void)state;
    s_begin_curve();
    party_t *gem = s_party("0363", 1, 0);
    s_submit_fixture_expect(gem, "valid/jw301.xml", GW_CMD_ACK, NULL);
    /* Revoke: the operator removes the party's public key and reloads. */
    char pub[400];
    snprintf(pub, sizeof(pub), "%s/keys/0363.pub", W.gw.dir);
    assert_int_equal(unlink(pub), 0);
    assert_int_equal(kill(W.gw.pid, SIGHUP), 0);
    int64_t until = s_now() + 5000;
    while (!s_log_has("key_revoked party=0363") && s_now() < until) {
        s_pump_for(50);
    }
    assert_true(s_log_has("key_revoked party=0363"));
    /* The existing connection: its next message is refused. */
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "REVOKED1", &len);
    s_submit_take_expect(gem, &xml, len, GW_CMD_ERROR, "UNKNOWN_KEY", "revoked, connected");
    /* A new connection with the revoked key: refused at the handshake. */
    assert_int_equal(s_connect_with("0363", NULL, NULL, NULL, 0), GW_EAGAIN);
    /* Others are unaffected. */
    assert_int_equal(s_connect_with("0384", NULL, NULL, NULL, 0), GW_OK);
    s_end();
}

static void
test_security_new_connection_of_a_party_takes_over(void **state)
{
    (void)state;
    s_begin_curve();
    party_t *first = s_party("0363", 1, 0);
    /* The same party again with its own key (a restarted application): welcomed. */
    gw_client_t *second = s_client_new("0363");
    char *err = NULL;
    int rc = gw_client_connect(second, 5000, &err);
    gw_free(err);
    assert_int_equal(rc, GW_OK);
    gw_client_destroy(&first->c);
    gw_client_result_t r;
    assert_int_equal(gw_client_submit(second, "<x/>", 4, &r, 5000), GW_OK);
    assert_int_equal(r.cmd, GW_CMD_ERROR); /* the checker's answer: the connection works */
    gw_client_event_clear(&r);
    gw_client_destroy(&second);
    s_end();
}

/* A malformed message from a connection holding another party's code is an identity
 * refusal, not a PROTOCOL error booked (and audited) as that party's. */
static void
test_security_malformed_message_under_another_code_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    gw_keypair_t k0384;
    s_keys_of("0384", &k0384);
    void *s = zmq_socket(W.zctx, ZMQ_DEALER);
    assert_non_null(s);
    int zero = 0;
    assert_int_equal(zmq_setsockopt(s, ZMQ_ROUTING_ID, "0363", 4), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, W.server_pub, 40), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, k0384.public_key, 40), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k0384.secret_key, 40), 0);
    assert_int_equal(zmq_connect(s, W.gw.endpoint), 0);
    for (size_t i = 0; i < MAX_RAW; i++) { /* closed by the teardown if an assert fails */
        if (!W.raw[i]) {
            W.raw[i] = s;
            break;
        }
    }
    assert_int_equal(zmq_send(s, "junk", 4, 0), 4);
    gw_proto_msg_t m;
    assert_int_equal(s_raw_recv(s, &m, 5000), GW_OK);
    assert_int_equal(m.cmd, GW_CMD_ERROR);
    char code[32];
    assert_true(gw_props_get(m.props, m.props_len, "code", code, sizeof(code)));
    assert_string_equal(code, "FORBIDDEN");
    gw_proto_msg_clear(&m);
    s_raw_close(s);
    assert_true(s_log_has("identity_refused routing_id=0363 key_of=0384"));
    assert_false(s_log_has("code=PROTOCOL"));
    s_end();
}

/* ------------------------------------------------------------ 2. what it may send ---- */

static void
test_security_spoofed_afzender_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    party_t *other = s_party("0384", 1, 0);
    s_submit_fixture_expect(other, "valid/jw301.xml", GW_CMD_ERROR, "SPOOF");
    s_end();
}

static void
test_security_forbidden_message_type_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    /* An aanbieder sending a toewijzing (spec 1.1: Gemeente -> Aanbieder). */
    party_t *aan = s_party("42420001", 1, 0);
    s_submit_fixture_expect(aan, "valid/jw301.xml", GW_CMD_ERROR, "FORBIDDEN");
    /* A platform sends nothing, even with a header naming it. */
    party_t *plat = s_party("0399", 1, 0);
    size_t len = 0;
    char *xml = s_jw301("0399", "42420001", "PLATF01", &len);
    s_submit_take_expect(plat, &xml, len, GW_CMD_ERROR, "FORBIDDEN", "platform sends a JW301");
    /* A gemeente sending a declaratie (spec 1.3: Aanbieder -> Gemeente). */
    party_t *gem = s_party("0363", 1, 0);
    s_submit_fixture_expect(gem, "valid/jw323.xml", GW_CMD_ERROR, "FORBIDDEN");
    assert_true(s_log_has("code=FORBIDDEN"));
    s_gw_stop_clean();
    assert_true(s_log_has("party_refusals party=42420001 forbidden=1"));
    assert_true(s_log_has("party_refusals party=0399 forbidden=1"));
    s_end();
}

/* Only the party a heenbericht went to may answer it: a retour naming itself as Ontvanger
 * (so it passes the identity check) does not make another party's heenbericht its own. */
static void
test_security_retour_for_a_heen_sent_to_another_party_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    party_t *gem = s_party("0363", 1, 0);
    party_t *intruder = s_party("65656055", 1, 0);
    party_t *aan = s_party("42420001", 1, 0);
    s_submit_fixture_expect(gem, "valid/jw301.xml", GW_CMD_ACK, NULL);
    char *tmpl = ut_read_fixture("valid/jw302.xml", NULL);
    size_t len = 0;
    char *fake = s_replace(tmpl, "<jw302:Ontvanger>42420001<", "<jw302:Ontvanger>65656055<", &len);
    s_submit_take_expect(intruder, &fake, len, GW_CMD_ERROR, "FORBIDDEN",
                         "a JW302 for a JW301 sent to another aanbieder");
    /* The real recipient's answer still goes through, to the gemeente. */
    char *real = gw_strdup(tmpl);
    s_submit_take_expect(aan, &real, strlen(tmpl), GW_CMD_ACK, NULL, "the recipient's JW302");
    gw_free(tmpl);
    s_end();
}

static void
test_security_forbidden_recipient_is_refused(void **state)
{
    (void)state;
    s_begin_curve();
    /* A JW301 addressed to a platform (registered with an AGB-shaped code). */
    party_t *gem = s_party("0363", 1, 0);
    size_t len = 0;
    char *xml = s_jw301("0363", "42420002", "TOPLAT01", &len);
    gw_client_result_t r;
    s_submit(gem, xml, len, &r);
    gw_free(xml);
    s_expect(&r, GW_CMD_ERROR, "FORBIDDEN", "JW301 to a platform");
    assert_non_null(strstr(r.body, "not delivered to a platform"));
    gw_client_event_clear(&r);
    s_end();
}

/* ------------------------------------------------------------ 6. per-party limits ---- */

static void
test_security_party_size_limit(void **state)
{
    (void)state;
    s_begin_curve();
    party_t *small = s_party("0599", 1, 0);
    size_t len = 0;
    char *xml = s_jw301("0599", "42420001", "BIG00001", &len);
    assert_true(len > 2048);
    s_submit_take_expect(small, &xml, len, GW_CMD_ERROR, "SIZE", "over the party's size");
    s_end();
}

static void
test_security_party_rate_limit(void **state)
{
    (void)state;
    s_begin_curve();
    /* 0599 may submit 2 messages per second (burst 2). Tiny bodies, so its 2K size limit
     * does not interfere: the first two get the checker's answer, the rest RATE_LIMITED. */
    party_t *p = s_party("0599", 1, 0);
    int limited = 0, answered = 0;
    for (int i = 0; i < 6; i++) {
        gw_client_result_t r;
        s_submit(p, "<x/>", 4, &r);
        answered++;
        limited += r.cmd == GW_CMD_ERROR && strcmp(r.code, "RATE_LIMITED") == 0;
        gw_client_event_clear(&r);
    }
    assert_int_equal(answered, 6);
    assert_true(limited >= 3);
    /* The bucket refills: a second later the party may send again. */
    s_sleep_ms(1100);
    gw_client_result_t r;
    s_submit(p, "<x/>", 4, &r);
    int refilled = !(r.cmd == GW_CMD_ERROR && strcmp(r.code, "RATE_LIMITED") == 0);
    gw_client_event_clear(&r);
    assert_true(refilled);
    s_end();
}

static void
test_security_party_queue_limit(void **state)
{
    (void)state;
    s_begin_curve();
    party_t *gem = s_party("0363", 1, 0);
    size_t len = 0;
    char *xml = s_jw301("0363", "42420009", "QL000001", &len);
    s_submit_take_expect(gem, &xml, len, GW_CMD_ACK, NULL, "first to 42420009");
    xml = s_jw301("0363", "42420009", "QL000002", &len);
    s_submit_take_expect(gem, &xml, len, GW_CMD_ERROR, "QUEUE_FULL", "second to 42420009");
    /* The gateway-wide limit still holds for the others. */
    s_submit_fixture_expect(gem, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_end();
}

/* ------------------------------------------------------------ main ---- */

int
main(void)
{
    s_test_filter_from_env();
    const struct CMUnitTest tests[] = {
        T(test_security_registered_keys_exchange_messages),
        T(test_security_unknown_key_is_refused),
        T(test_security_wrong_server_key_is_refused),
        T(test_security_key_under_another_party_code_is_refused),
        T(test_security_revoked_key_is_refused_new_and_existing),
        T(test_security_new_connection_of_a_party_takes_over),
        T(test_security_malformed_message_under_another_code_is_refused),
        T(test_security_spoofed_afzender_is_refused),
        T(test_security_forbidden_message_type_is_refused),
        T(test_security_forbidden_recipient_is_refused),
        T(test_security_retour_for_a_heen_sent_to_another_party_is_refused),
        T(test_security_party_size_limit),
        T(test_security_party_rate_limit),
        T(test_security_party_queue_limit),
    };
    return cmocka_run_group_tests_name("security", tests, s_group_setup, s_group_teardown);
}
