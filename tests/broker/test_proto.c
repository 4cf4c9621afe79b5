/*
 * Tests of the wire protocol (gateway/gw_proto.c) over real ZeroMQ sockets:
 * a DEALER (the party) and a ROUTER (the gateway) on inproc:// and on
 * tcp://127.0.0.1 with an ephemeral port. Malformed messages are sent with raw
 * zmq_send so the decoder sees exactly what a broken or hostile peer sends.
 */
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "gw/proto.h"

#include "unittest.h"

#define S_PARTY    "42420001"
#define S_TIMEO_MS 2000
#define S_MAX_BODY 1024

typedef struct s_pair {
    void *ctx;
    void *dealer; /* the party, routing id S_PARTY */
    void *router; /* the gateway */
} s_pair_t;

static int s_inproc_seq;

static void
s_set_int(void *sock, int opt, int v)
{
    assert_int_equal(zmq_setsockopt(sock, opt, &v, sizeof(v)), 0);
}

/* Build a connected DEALER->ROUTER pair; tcp uses port 0 and ZMQ_LAST_ENDPOINT. */
static s_pair_t *
s_pair_new(int tcp, const char *routing_id)
{
    s_pair_t *p = test_calloc(1, sizeof(*p));
    assert_non_null(p);
    p->ctx = zmq_ctx_new();
    assert_non_null(p->ctx);
    p->router = zmq_socket(p->ctx, ZMQ_ROUTER);
    p->dealer = zmq_socket(p->ctx, ZMQ_DEALER);
    assert_non_null(p->router);
    assert_non_null(p->dealer);
    s_set_int(p->router, ZMQ_LINGER, 0);
    s_set_int(p->dealer, ZMQ_LINGER, 0);
    s_set_int(p->router, ZMQ_RCVTIMEO, S_TIMEO_MS);
    s_set_int(p->dealer, ZMQ_RCVTIMEO, S_TIMEO_MS);
    s_set_int(p->router, ZMQ_ROUTER_MANDATORY, 1);
    if (routing_id) {
        assert_int_equal(zmq_setsockopt(p->dealer, ZMQ_ROUTING_ID, routing_id, strlen(routing_id)),
                         0);
    }
    char ep[256];
    if (tcp) {
        assert_int_equal(zmq_bind(p->router, "tcp://127.0.0.1:0"), 0);
        size_t len = sizeof(ep);
        assert_int_equal(zmq_getsockopt(p->router, ZMQ_LAST_ENDPOINT, ep, &len), 0);
    } else {
        snprintf(ep, sizeof(ep), "inproc://test-proto-%d", ++s_inproc_seq);
        assert_int_equal(zmq_bind(p->router, ep), 0);
    }
    assert_int_equal(zmq_connect(p->dealer, ep), 0);
    return p;
}

static void
s_pair_destroy(s_pair_t **p_p)
{
    s_pair_t *p = *p_p;
    zmq_close(p->dealer);
    zmq_close(p->router);
    zmq_ctx_term(p->ctx);
    test_free(p);
    *p_p = NULL;
}

static int
s_setup_inproc(void **state)
{
    ut_alloc_setup(state);
    *state = s_pair_new(0, S_PARTY);
    return 0;
}

static int
s_setup_tcp(void **state)
{
    ut_alloc_setup(state);
    *state = s_pair_new(1, S_PARTY);
    return 0;
}

static int
s_teardown(void **state)
{
    s_pair_t *p = *state;
    s_pair_destroy(&p);
    return ut_alloc_teardown(state);
}

/* Send raw frames (n of them, lengths from strlen) from sock. */
static void
s_send_raw(void *sock, const char *const *frames, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int more = i + 1 < n ? ZMQ_SNDMORE : 0;
        assert_int_equal(zmq_send(sock, frames[i], strlen(frames[i]), more),
                         (int)strlen(frames[i]));
    }
}

/* The socket has nothing more to read: no frame of a refused message is left behind. */
static void
s_assert_empty(void *sock)
{
    zmq_msg_t f;
    zmq_msg_init(&f);
    assert_int_equal(zmq_msg_recv(&f, sock, ZMQ_DONTWAIT), -1);
    assert_int_equal(zmq_errno(), EAGAIN);
    zmq_msg_close(&f);
}

/* A well-formed SUBMIT from the party arrives intact at the router. */
static void
s_assert_good_submit_arrives(s_pair_t *p)
{
    assert_int_equal(
        gw_proto_send(p->dealer, NULL, GW_CMD_SUBMIT, "good-1", "type=JW301", "<ok/>", 5, 0),
        GW_OK);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_OK);
    assert_string_equal(m.peer, S_PARTY);
    assert_int_equal(m.cmd, GW_CMD_SUBMIT);
    assert_string_equal(m.id, "good-1");
    assert_string_equal(m.props, "type=JW301");
    assert_string_equal(m.body, "<ok/>");
    assert_null(m.error);
    gw_proto_msg_clear(&m);
    s_assert_empty(p->router);
}

/* Send raw frames from the party; the router must refuse with GW_EPARSE, drain
 * the whole message, and then receive the next good message. */
static void
s_assert_refused(s_pair_t *p, const char *const *frames, size_t n, const char *code, const char *id)
{
    s_send_raw(p->dealer, frames, n);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_EPARSE);
    assert_string_equal(m.peer, S_PARTY);
    assert_string_equal(m.id, id);
    assert_non_null(m.error);
    assert_string_equal(m.error, code);
    assert_non_null(m.reason);
    assert_string_equal(m.props, "");
    assert_string_equal(m.body, "");
    gw_proto_msg_clear(&m);
    s_assert_empty(p->router);
    s_assert_good_submit_arrives(p);
}

static void
test_proto_cmd_names_round_trip(void **state)
{
    (void)state;
    for (int c = GW_CMD_HELLO; c <= GW_CMD_NOTICE; c++) {
        const char *name = gw_cmd_name((gw_cmd_t)c);
        assert_int_equal(gw_cmd_parse(name, strlen(name)), c);
    }
    assert_string_equal(gw_cmd_name(GW_CMD_SUBMIT), "SUBMIT");
    assert_string_equal(gw_cmd_name(GW_CMD_INVALID), "INVALID");
    assert_string_equal(gw_cmd_name((gw_cmd_t)99), "INVALID");
    assert_int_equal(gw_cmd_parse("SUBMITX", 7), GW_CMD_INVALID);
    assert_int_equal(gw_cmd_parse("SUBMIT", 5), GW_CMD_INVALID);
    assert_int_equal(gw_cmd_parse("submit", 6), GW_CMD_INVALID);
    assert_int_equal(gw_cmd_parse("INVALID", 7), GW_CMD_INVALID);
    assert_int_equal(gw_cmd_parse(NULL, 0), GW_CMD_INVALID);
}

/* Every command, both ways: party -> gateway (with peer) and gateway -> party. */
static void
s_round_trip_all(s_pair_t *p)
{
    static const char body[] = "<Bericht>\0binary\xff</Bericht>";
    for (int c = GW_CMD_HELLO; c <= GW_CMD_NOTICE; c++) {
        char id[32];
        snprintf(id, sizeof(id), "corr-%d", c);
        const char *props = c % 2 ? "type=JW301\nfrom=0363\n" : NULL;
        size_t blen = c % 3 ? sizeof(body) - 1 : 0;
        gw_proto_msg_t m;

        assert_int_equal(
            gw_proto_send(p->dealer, NULL, (gw_cmd_t)c, id, props, blen ? body : NULL, blen, 0),
            GW_OK);
        assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_OK);
        assert_string_equal(m.peer, S_PARTY);
        assert_int_equal(m.cmd, c);
        assert_string_equal(m.id, id);
        assert_string_equal(m.props, props ? props : "");
        assert_int_equal(m.props_len, props ? strlen(props) : 0);
        assert_int_equal(m.body_len, blen);
        assert_memory_equal(m.body, body, blen);
        assert_int_equal(m.body[blen], '\0');
        gw_proto_msg_clear(&m);
        assert_null(m.priv_);

        assert_int_equal(
            gw_proto_send(p->router, S_PARTY, (gw_cmd_t)c, id, props, blen ? body : NULL, blen, 0),
            GW_OK);
        assert_int_equal(gw_proto_recv(p->dealer, 0, S_MAX_BODY, &m, 0), GW_OK);
        assert_string_equal(m.peer, "");
        assert_int_equal(m.cmd, c);
        assert_string_equal(m.id, id);
        assert_string_equal(m.props, props ? props : "");
        assert_int_equal(m.body_len, blen);
        assert_memory_equal(m.body, body, blen);
        gw_proto_msg_clear(&m);
    }
    s_assert_empty(p->router);
    s_assert_empty(p->dealer);
}

static void
test_proto_round_trip_every_command(void **state)
{
    s_round_trip_all(*state);
}

static void
test_proto_body_at_limit_passes(void **state)
{
    s_pair_t *p = *state;
    char *big = test_malloc(S_MAX_BODY);
    memset(big, 'x', S_MAX_BODY);
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_SUBMIT, "big", NULL, big, S_MAX_BODY, 0),
                     GW_OK);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_OK);
    assert_int_equal(m.body_len, S_MAX_BODY);
    assert_memory_equal(m.body, big, S_MAX_BODY);
    gw_proto_msg_clear(&m);
    test_free(big);
}

static void
test_proto_wrong_signature_is_eparse(void **state)
{
    const char *f[] = {"IJW2", "SUBMIT", "c-1", "", "<x/>"};
    s_assert_refused(*state, f, 5, "PROTOCOL", "");
}

static void
test_proto_three_frames_is_eparse(void **state)
{
    const char *f[] = {"IJW1", "SUBMIT", "c-3"};
    s_assert_refused(*state, f, 3, "PROTOCOL", "c-3");
}

static void
test_proto_nine_frames_is_eparse(void **state)
{
    const char *f[] = {"IJW1", "SUBMIT", "c-9", "", "<x/>", "a", "b", "c", "d"};
    s_assert_refused(*state, f, 9, "PROTOCOL", "c-9");
}

static void
test_proto_single_empty_frame_is_eparse(void **state)
{
    const char *f[] = {""};
    s_assert_refused(*state, f, 1, "PROTOCOL", "");
}

static void
test_proto_unknown_command_is_eparse(void **state)
{
    const char *f[] = {"IJW1", "PUBLISH", "c-u", "", "<x/>"};
    s_assert_refused(*state, f, 5, "PROTOCOL", "");
}

static void
test_proto_id_65_bytes_is_eparse(void **state)
{
    char id[66];
    memset(id, 'a', 65);
    id[65] = '\0';
    const char *f[] = {"IJW1", "SUBMIT", id, "", "<x/>"};
    s_assert_refused(*state, f, 5, "PROTOCOL", "");
}

static void
test_proto_id_64_bytes_passes(void **state)
{
    s_pair_t *p = *state;
    char id[65];
    memset(id, 'a', 64);
    id[64] = '\0';
    const char *f[] = {"IJW1", "SUBMIT", id, "", "<x/>"};
    s_send_raw(p->dealer, f, 5);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_OK);
    assert_string_equal(m.id, id);
    gw_proto_msg_clear(&m);
}

static void
test_proto_id_not_printable_is_eparse(void **state)
{
    const char *f[] = {"IJW1", "SUBMIT", "c\n1", "", "<x/>"};
    s_assert_refused(*state, f, 5, "PROTOCOL", "");
}

static void
test_proto_submit_without_id_is_eparse(void **state)
{
    const char *f[] = {"IJW1", "SUBMIT", "", "", "<x/>"};
    s_assert_refused(*state, f, 5, "PROTOCOL", "");
}

static void
test_proto_oversize_body_is_eparse_size(void **state)
{
    s_pair_t *p = *state;
    char *big = test_malloc(S_MAX_BODY + 2);
    memset(big, 'x', S_MAX_BODY + 1);
    big[S_MAX_BODY + 1] = '\0';
    const char *f[] = {"IJW1", "SUBMIT", "c-big", "type=JW301", big};
    s_assert_refused(p, f, 5, "SIZE", "c-big");
    test_free(big);
}

static void
test_proto_oversize_props_is_eparse(void **state)
{
    char props[GW_PROTO_MAX_PROPS + 2];
    memset(props, 'p', sizeof(props) - 1);
    props[sizeof(props) - 1] = '\0';
    const char *f[] = {"IJW1", "SUBMIT", "c-p", props, "<x/>"};
    s_assert_refused(*state, f, 5, "PROTOCOL", "c-p");
}

static void
test_proto_props_with_nul_is_eparse(void **state)
{
    s_pair_t *p = *state;
    assert_int_equal(zmq_send(p->dealer, "IJW1", 4, ZMQ_SNDMORE), 4);
    assert_int_equal(zmq_send(p->dealer, "SUBMIT", 6, ZMQ_SNDMORE), 6);
    assert_int_equal(zmq_send(p->dealer, "c-n", 3, ZMQ_SNDMORE), 3);
    assert_int_equal(zmq_send(p->dealer, "a=1\0b=2", 7, ZMQ_SNDMORE), 7);
    assert_int_equal(zmq_send(p->dealer, "<x/>", 4, 0), 4);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_EPARSE);
    assert_string_equal(m.id, "c-n");
    gw_proto_msg_clear(&m);
    s_assert_good_submit_arrives(p);
}

/* Many bad messages queued back to back: each is refused alone, none bleeds into the next. */
static void
test_proto_burst_of_bad_messages_stays_framed(void **state)
{
    s_pair_t *p = *state;
    const char *bad1[] = {"IJW1", "SUBMIT", "b-1"};
    const char *bad2[] = {"XXXX", "SUBMIT", "b-2", "", "", "", "", ""};
    const char *bad3[] = {"IJW1", "NOPE", "b-3", "", ""};
    for (int i = 0; i < 20; i++) {
        s_send_raw(p->dealer, bad1, 3);
        s_send_raw(p->dealer, bad2, 8);
        s_send_raw(p->dealer, bad3, 5);
    }
    for (int i = 0; i < 60; i++) {
        gw_proto_msg_t m;
        assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_EPARSE);
        assert_string_equal(m.peer, S_PARTY);
        gw_proto_msg_clear(&m);
    }
    s_assert_good_submit_arrives(p);
}

/* The dealer side refuses a message from a broken gateway the same way. */
static void
test_proto_dealer_side_refuses_and_drains(void **state)
{
    s_pair_t *p = *state;
    s_assert_good_submit_arrives(p); /* over tcp the router knows the party after this */
    const char *f[] = {S_PARTY, "IJW1", "DELIVER", "7"};
    s_send_raw(p->router, f, 4);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->dealer, 0, S_MAX_BODY, &m, 0), GW_EPARSE);
    assert_string_equal(m.peer, "");
    assert_string_equal(m.id, "7");
    assert_int_equal(m.cmd, GW_CMD_DELIVER);
    gw_proto_msg_clear(&m);
    s_assert_empty(p->dealer);
    assert_int_equal(
        gw_proto_send(p->router, S_PARTY, GW_CMD_DELIVER, "8", "from=0363", "<y/>", 4, 0), GW_OK);
    assert_int_equal(gw_proto_recv(p->dealer, 0, S_MAX_BODY, &m, 0), GW_OK);
    assert_string_equal(m.id, "8");
    gw_proto_msg_clear(&m);
}

/* A party that did not set a routing id gets libzmq's binary one: not a party code. */
static void
test_proto_binary_routing_id_is_eparse(void **state)
{
    ut_alloc_setup(state);
    s_pair_t *p = s_pair_new(0, NULL);
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_HELLO, "h-1", "party=x", NULL, 0, 0),
                     GW_OK);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_EPARSE);
    assert_string_equal(m.peer, "");
    assert_string_equal(m.id, "");
    gw_proto_msg_clear(&m);
    s_assert_empty(p->router);
    s_pair_destroy(&p);
}

static void
test_proto_recv_nothing_waiting_is_eagain(void **state)
{
    s_pair_t *p = *state;
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, ZMQ_DONTWAIT), GW_EAGAIN);
    assert_null(m.priv_);
    s_set_int(p->dealer, ZMQ_RCVTIMEO, 20);
    assert_int_equal(gw_proto_recv(p->dealer, 0, S_MAX_BODY, &m, 0), GW_EAGAIN);
    assert_int_equal(gw_proto_recv(NULL, 0, S_MAX_BODY, &m, 0), GW_EINVAL);
}

static void
test_proto_send_refuses_bad_arguments(void **state)
{
    s_pair_t *p = *state;
    char id65[66], props[GW_PROTO_MAX_PROPS + 2], peer65[66];
    memset(id65, 'i', 65);
    id65[65] = '\0';
    memset(peer65, 'p', 65);
    peer65[65] = '\0';
    memset(props, 'k', sizeof(props) - 1);
    props[sizeof(props) - 1] = '\0';
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_INVALID, "x", NULL, NULL, 0, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->dealer, NULL, (gw_cmd_t)42, "x", NULL, NULL, 0, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_SUBMIT, id65, NULL, NULL, 0, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_SUBMIT, NULL, NULL, NULL, 0, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_SUBMIT, "a\tb", NULL, NULL, 0, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_SUBMIT, "x", props, NULL, 0, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_SUBMIT, "x", NULL, NULL, 3, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->router, peer65, GW_CMD_ACK, "x", NULL, NULL, 0, 0),
                     GW_EINVAL);
    assert_int_equal(gw_proto_send(p->router, "", GW_CMD_ACK, "x", NULL, NULL, 0, 0), GW_EINVAL);
    assert_int_equal(gw_proto_send(NULL, NULL, GW_CMD_HELLO, NULL, NULL, NULL, 0, 0), GW_EINVAL);
    /* HELLO, HEARTBEAT, BYE and ERROR may go without an id. */
    assert_int_equal(gw_proto_send(p->dealer, NULL, GW_CMD_HEARTBEAT, NULL, NULL, NULL, 0, 0),
                     GW_OK);
    gw_proto_msg_t m;
    assert_int_equal(gw_proto_recv(p->router, 1, S_MAX_BODY, &m, 0), GW_OK);
    assert_int_equal(m.cmd, GW_CMD_HEARTBEAT);
    assert_string_equal(m.id, "");
    gw_proto_msg_clear(&m);
    s_assert_empty(p->router);
}

/* With ROUTER_MANDATORY an unknown peer is "cannot send now", not a crash or a silent drop. */
static void
test_proto_send_to_unknown_peer_is_eagain(void **state)
{
    s_pair_t *p = *state;
    assert_int_equal(
        gw_proto_send(p->router, "0363", GW_CMD_DELIVER, "1", NULL, "<x/>", 4, ZMQ_DONTWAIT),
        GW_EAGAIN);
}

static void
test_proto_props_get(void **state)
{
    (void)state;
    const char *props = "type=JW301\nfrom=0363\r\ncode=\nlong=0123456789\ntype=JW999\nnoeq\n";
    size_t len = strlen(props);
    char buf[8];
    assert_int_equal(gw_props_get(props, len, "type", buf, sizeof(buf)), 1);
    assert_string_equal(buf, "JW301");
    assert_int_equal(gw_props_get(props, len, "from", buf, sizeof(buf)), 1);
    assert_string_equal(buf, "0363");
    assert_int_equal(gw_props_get(props, len, "code", buf, sizeof(buf)), 1);
    assert_string_equal(buf, "");
    assert_int_equal(gw_props_get(props, len, "long", buf, sizeof(buf)), 0); /* never truncates */
    assert_string_equal(buf, "");
    assert_int_equal(gw_props_get(props, len, "long", NULL, 0), 1);
    assert_int_equal(gw_props_get(props, len, "ty", buf, sizeof(buf)), 0);
    assert_int_equal(gw_props_get(props, len, "noeq", buf, sizeof(buf)), 0);
    assert_int_equal(gw_props_get(props, len, "missing", buf, sizeof(buf)), 0);
    assert_int_equal(gw_props_get(props, 4, "type", buf, sizeof(buf)), 0); /* bounded by len */
    assert_int_equal(gw_props_get("", 0, "type", buf, sizeof(buf)), 0);
    assert_int_equal(gw_props_get(NULL, 0, "type", buf, sizeof(buf)), 0);
    assert_int_equal(gw_props_get("a=1", 3, "a", buf, sizeof(buf)), 1); /* no final newline */
    assert_string_equal(buf, "1");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_cmd_names_round_trip),
        cmocka_unit_test(test_proto_props_get),
        cmocka_unit_test_setup_teardown(test_proto_round_trip_every_command, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_round_trip_every_command, s_setup_tcp,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_body_at_limit_passes, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_wrong_signature_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_three_frames_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_nine_frames_is_eparse, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_single_empty_frame_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_unknown_command_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_id_65_bytes_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_id_64_bytes_passes, s_setup_inproc, s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_id_not_printable_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_submit_without_id_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_oversize_body_is_eparse_size, s_setup_tcp,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_oversize_props_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_props_with_nul_is_eparse, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_burst_of_bad_messages_stays_framed, s_setup_tcp,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_dealer_side_refuses_and_drains, s_setup_tcp,
                                        s_teardown),
        cmocka_unit_test_teardown(test_proto_binary_routing_id_is_eparse, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_proto_recv_nothing_waiting_is_eagain, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_send_refuses_bad_arguments, s_setup_inproc,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_proto_send_to_unknown_peer_is_eagain, s_setup_inproc,
                                        s_teardown),
    };
    return cmocka_run_group_tests_name("gw_proto", tests, NULL, NULL);
}
