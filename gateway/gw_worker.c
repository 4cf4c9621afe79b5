/* Check worker threads (gw_worker.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gw_worker.h"
#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/codec.h"
#include "gw/diag.h"
#include "gw/log.h"

typedef struct request {
    char peer[GW_PROTO_MAX_PEER + 1];
    char id[GW_PROTO_MAX_ID + 1];
    uint32_t strip_mask;
    int answer_accepted;
    int64_t received_us; /* echoed in the response */
} request_t;

typedef struct response {
    char peer[GW_PROTO_MAX_PEER + 1];
    char id[GW_PROTO_MAX_ID + 1];
    int64_t received_us;
    gw_check_t check;
} response_t;

struct gw_worker {
    void *zctx;          /* shared context (borrowed) */
    void *pipe;          /* broker end */
    char endpoint[64];   /* inproc://gw-worker-N */
    pthread_t thread;
    int started;
    size_t max_size;
};

static atomic_uint s_seq;

static void
s_free_heap(void *data, void *hint)
{
    (void)hint;
    gw_free(data);
}

/* Send a heap buffer as a frame without copying; the frame frees it. */
static int
s_send_heap(void *sock, char **buf_p, size_t len, int more)
{
    zmq_msg_t m;
    int rc;
    if (*buf_p && len) {
        rc = zmq_msg_init_data(&m, *buf_p, len, s_free_heap, NULL);
        if (rc == 0) {
            *buf_p = NULL;
        }
    } else {
        rc = zmq_msg_init(&m);
    }
    if (rc != 0) {
        return -1;
    }
    if (zmq_msg_send(&m, sock, more ? ZMQ_SNDMORE : 0) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    return 0;
}

static void *
s_thread(void *arg)
{
    gw_worker_t *self = arg;
    void *sock = zmq_socket(self->zctx, ZMQ_PAIR);
    gw_codec_opts_t co = {.max_size = self->max_size};
    gw_codec_t *codec = gw_codec_new(&co, NULL);
    gw_diag_t *diag = gw_diag_new();
    if (!sock || zmq_connect(sock, self->endpoint) != 0 || !codec || !diag) {
        gw_log(GW_LOG_ERROR, "worker_failed", "endpoint=%s", self->endpoint);
        goto out;
    }
    for (;;) {
        zmq_msg_t head, body;
        zmq_msg_init(&head);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&head, sock, 0) < 0) {
            zmq_msg_close(&head);
            zmq_msg_close(&body);
            break;
        }
        if (zmq_msg_size(&head) != sizeof(request_t) || !zmq_msg_more(&head) ||
            zmq_msg_recv(&body, sock, 0) < 0) {
            /* the stop request is an empty frame */
            zmq_msg_close(&head);
            zmq_msg_close(&body);
            break;
        }
        request_t req;
        memcpy(&req, zmq_msg_data(&head), sizeof(req));
        zmq_msg_close(&head);
        response_t resp;
        memset(&resp, 0, sizeof(resp));
        memcpy(resp.peer, req.peer, sizeof(resp.peer));
        memcpy(resp.id, req.id, sizeof(resp.id));
        resp.received_us = req.received_us;
        gw_check_out_t out;
        int rc = gw_check_run(codec, diag, req.peer, zmq_msg_data(&body), zmq_msg_size(&body),
                              req.strip_mask, req.answer_accepted, &resp.check, &out);
        if (rc != GW_OK) {
            memset(&resp.check, 0, sizeof(resp.check));
            resp.check.status = GW_CHECK_ERROR;
            snprintf(resp.check.code, sizeof(resp.check.code), "INTERNAL");
            memset(&out, 0, sizeof(out));
        }
        zmq_send(sock, &resp, sizeof(resp), ZMQ_SNDMORE);
        zmq_msg_send(&body, sock, ZMQ_SNDMORE);
        zmq_msg_close(&body);
        s_send_heap(sock, &out.text, out.text_len, 1);
        s_send_heap(sock, &out.tap, out.tap_len, 1);
        s_send_heap(sock, &out.answer, out.answer_len, 1);
        /* The decoded model travels by pointer: same process, and the broker owns it
         * from here (the inproc pipe never drops a message while both ends live). */
        gw_msg_t *msg = out.msg;
        out.msg = NULL;
        if (zmq_send(sock, &msg, sizeof(msg), 0) < 0) {
            gw_msg_destroy(&msg);
        }
        gw_check_out_clear(&out);
    }
out:
    gw_diag_destroy(&diag);
    gw_codec_destroy(&codec);
    if (sock) {
        int zero = 0;
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
        zmq_close(sock);
    }
    return NULL;
}

gw_worker_t *
gw_worker_new(void *zctx, size_t max_message_size, char **err)
{
    gw_worker_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        goto fail;
    }
    self->zctx = zctx;
    self->max_size = max_message_size;
    snprintf(self->endpoint, sizeof(self->endpoint), "inproc://gw-worker-%u",
             atomic_fetch_add(&s_seq, 1));
    self->pipe = zmq_socket(zctx, ZMQ_PAIR);
    int zero = 0;
    if (!self->pipe || zmq_setsockopt(self->pipe, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
        zmq_bind(self->pipe, self->endpoint) != 0) {
        goto fail;
    }
    if (pthread_create(&self->thread, NULL, s_thread, self) != 0) {
        goto fail;
    }
    self->started = 1;
    return self;
fail:
    if (err) {
        *err = gw_strdup("cannot start a check worker");
    }
    gw_worker_destroy(&self);
    return NULL;
}

void
gw_worker_destroy(gw_worker_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_worker_t *self = *self_p;
    if (self->started) {
        zmq_send(self->pipe, "", 0, 0); /* stop */
        pthread_join(self->thread, NULL);
    }
    if (self->pipe) {
        zmq_close(self->pipe);
    }
    gw_free(self);
    *self_p = NULL;
}

void *
gw_worker_socket(gw_worker_t *self)
{
    return self->pipe;
}

int
gw_worker_submit(gw_worker_t *self, const char *peer, const char *id, uint32_t strip_mask,
                 int answer_accepted, const void *body, size_t len)
{
    request_t req;
    memset(&req, 0, sizeof(req));
    snprintf(req.peer, sizeof(req.peer), "%s", peer);
    snprintf(req.id, sizeof(req.id), "%s", id);
    req.strip_mask = strip_mask;
    req.answer_accepted = answer_accepted;
    req.received_us = gw_mono_us();
    if (zmq_send(self->pipe, &req, sizeof(req), ZMQ_SNDMORE) < 0 ||
        zmq_send(self->pipe, body, len, 0) < 0) {
        return GW_EIO;
    }
    return GW_OK;
}

int
gw_worker_result(gw_worker_t *self, gw_worker_result_t *out, int flags)
{
    memset(out, 0, sizeof(*out));
    response_t resp;
    int n = zmq_recv(self->pipe, &resp, sizeof(resp), flags);
    if (n < 0) {
        return zmq_errno() == EAGAIN ? GW_EAGAIN : GW_EIO;
    }
    if (n != (int)sizeof(resp)) {
        return GW_EIO;
    }
    memcpy(out->peer, resp.peer, sizeof(out->peer));
    memcpy(out->id, resp.id, sizeof(out->id));
    out->check = resp.check;
    out->received_us = resp.received_us;
    zmq_msg_init(&out->body);
    zmq_msg_init(&out->text);
    zmq_msg_init(&out->tap);
    zmq_msg_init(&out->answer);
    out->live = 1;
    if (zmq_msg_recv(&out->body, self->pipe, 0) < 0 || zmq_msg_recv(&out->text, self->pipe, 0) < 0 ||
        zmq_msg_recv(&out->tap, self->pipe, 0) < 0 ||
        zmq_msg_recv(&out->answer, self->pipe, 0) < 0 ||
        zmq_recv(self->pipe, &out->msg, sizeof(out->msg), 0) != (int)sizeof(out->msg)) {
        gw_worker_result_clear(out);
        return GW_EIO;
    }
    return GW_OK;
}

void
gw_worker_result_clear(gw_worker_result_t *r)
{
    if (r->live) {
        zmq_msg_close(&r->body);
        zmq_msg_close(&r->text);
        zmq_msg_close(&r->tap);
        zmq_msg_close(&r->answer);
        r->live = 0;
    }
    gw_msg_destroy(&r->msg);
}
