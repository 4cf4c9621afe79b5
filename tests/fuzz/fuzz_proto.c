/*
 * libFuzzer target for the wire protocol decoder (gateway/gw_proto.c). The
 * input becomes one multipart ZeroMQ message sent raw over inproc, then
 * gw_proto_recv must refuse or accept it without crashing, leaking or leaving
 * a frame behind; whatever it accepts must re-encode with gw_proto_send and
 * decode to the same message. Built with -Dfuzz=enabled (clang).
 *
 * Input layout:
 *   byte 0   control: bit 0 = send over a PAIR (else DEALER -> ROUTER);
 *            bit 1 = with PAIR, decode as a ROUTER would (first frame = routing id);
 *            bits 2-3 = max_body (0, 16, 4096, unlimited); bit 4 = fail allocations
 *   then     frames, each a 2-byte little-endian length and that many bytes
 *            (the last one is cut at the end of the input), at most 16 frames
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "gw/alloc.h"
#include "gw/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_MAX_FRAMES 16
#define S_PARTY      "42420001"

static void *s_ctx, *s_dealer, *s_router, *s_pair_a, *s_pair_b;

static void *
s_fail_malloc(size_t n)
{
    (void)n;
    return NULL;
}

static void *
s_fail_calloc(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

static void *
s_fail_realloc(void *p, size_t n)
{
    (void)p;
    (void)n;
    return NULL;
}

static const gw_allocator_t s_failing = {s_fail_malloc, s_fail_calloc, s_fail_realloc, free};

static void *
s_socket(int type, int timeo)
{
    void *s = zmq_socket(s_ctx, type);
    int zero = 0;
    if (!s || zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeo, sizeof(timeo)) != 0) {
        abort();
    }
    return s;
}

static void
s_init(void)
{
    s_ctx = zmq_ctx_new();
    if (!s_ctx) {
        abort();
    }
    s_router = s_socket(ZMQ_ROUTER, 1000);
    s_dealer = s_socket(ZMQ_DEALER, 1000);
    s_pair_a = s_socket(ZMQ_PAIR, 1000);
    s_pair_b = s_socket(ZMQ_PAIR, 1000);
    if (zmq_setsockopt(s_dealer, ZMQ_ROUTING_ID, S_PARTY, strlen(S_PARTY)) != 0 ||
        zmq_bind(s_router, "inproc://fuzz-proto") != 0 ||
        zmq_connect(s_dealer, "inproc://fuzz-proto") != 0 ||
        zmq_bind(s_pair_b, "inproc://fuzz-proto-pair") != 0 ||
        zmq_connect(s_pair_a, "inproc://fuzz-proto-pair") != 0) {
        abort();
    }
}

/* Nothing of the message may be left in the socket. */
static void
s_assert_drained(void *sock)
{
    zmq_msg_t f;
    zmq_msg_init(&f);
    if (zmq_msg_recv(&f, sock, ZMQ_DONTWAIT) >= 0 || zmq_errno() != EAGAIN) {
        abort();
    }
    zmq_msg_close(&f);
}

static void
s_check_accepted(const gw_proto_msg_t *m, size_t max_body)
{
    if (m->cmd == GW_CMD_INVALID || strlen(m->id) > GW_PROTO_MAX_ID ||
        m->props_len > GW_PROTO_MAX_PROPS || strlen(m->props) != m->props_len ||
        m->body_len > max_body || m->body[m->body_len] != '\0' || m->error || m->reason) {
        abort();
    }
}

/* Re-encode an accepted message and decode it again: it must come back equal. */
static void
s_round_trip(const gw_proto_msg_t *m, void *tx, void *rx, int router, size_t max_body)
{
    const char *peer = router && tx == s_pair_a ? m->peer : NULL;
    int rc = gw_proto_send(tx, peer, m->cmd, m->id, m->props, m->body, m->body_len, 0);
    if (rc != GW_OK) {
        abort();
    }
    gw_proto_msg_t again;
    if (gw_proto_recv(rx, router, max_body, &again, 0) != GW_OK) {
        abort();
    }
    if (again.cmd != m->cmd || strcmp(again.id, m->id) != 0 || strcmp(again.peer, m->peer) != 0 ||
        again.props_len != m->props_len || memcmp(again.props, m->props, m->props_len) != 0 ||
        again.body_len != m->body_len || memcmp(again.body, m->body, m->body_len) != 0) {
        abort();
    }
    gw_proto_msg_clear(&again);
    s_assert_drained(rx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t max_bodies[] = {0, 16, 4096, SIZE_MAX};
    if (!s_ctx) {
        s_init();
    }
    if (size == 0) {
        return 0;
    }
    uint8_t ctl = data[0];
    int use_pair = ctl & 1;
    int router = use_pair ? (ctl >> 1) & 1 : 1;
    size_t max_body = max_bodies[(ctl >> 2) & 3];
    int fail_alloc = (ctl >> 4) & 1;
    void *tx = use_pair ? s_pair_a : s_dealer;
    void *rx = use_pair ? s_pair_b : s_router;

    const uint8_t *p = data + 1, *end = data + size;
    const uint8_t *frames[S_MAX_FRAMES];
    size_t lens[S_MAX_FRAMES];
    size_t n = 0;
    while (p < end && n < S_MAX_FRAMES) {
        size_t len = p[0];
        if (p + 1 < end) {
            len |= (size_t)p[1] << 8;
        }
        p += p + 1 < end ? 2 : 1;
        if (len > (size_t)(end - p)) {
            len = (size_t)(end - p);
        }
        frames[n] = p;
        lens[n] = len;
        n++;
        p += len;
    }
    if (n == 0) {
        frames[0] = p;
        lens[0] = 0;
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (zmq_send(tx, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0) {
            abort();
        }
    }

    gw_proto_msg_t m;
    if (fail_alloc) {
        gw_alloc_set(&s_failing);
    }
    int rc = gw_proto_recv(rx, router, max_body, &m, 0);
    gw_alloc_set(NULL);
    s_assert_drained(rx);
    switch (rc) {
    case GW_OK:
        s_check_accepted(&m, max_body);
        s_round_trip(&m, tx, rx, router, max_body);
        break;
    case GW_EPARSE:
        if (!m.error || !m.reason || m.priv_ || m.body_len || m.props_len) {
            abort();
        }
        break;
    case GW_ENOMEM:
        if (!fail_alloc) {
            abort();
        }
        break;
    default:
        abort(); /* a message was sent: EAGAIN or EIO would be a bug */
    }
    gw_proto_msg_clear(&m);
    return 0;
}
