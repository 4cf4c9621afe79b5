/*
 * Check workers: threads that run gw_check_run() on submitted messages so the
 * broker thread only does I/O and the store. Each worker owns its codec (its
 * compiled schemas and parser) and talks to the broker over one inproc PAIR
 * socket; one worker per sender keeps every sender's messages in order.
 */
#ifndef GW_WORKER_H
#define GW_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "gw/err.h"
#include "gw/proto.h"

#include "gw_check.h"

typedef struct gw_worker gw_worker_t;

/* A checked message back from a worker. Frames are owned until gw_worker_result_clear. */
typedef struct gw_worker_result {
    char peer[GW_PROTO_MAX_PEER + 1];
    char id[GW_PROTO_MAX_ID + 1];
    gw_check_t check;
    zmq_msg_t body;   /* the message as submitted */
    zmq_msg_t text;   /* ERROR reason / REJECT retourbericht (may be empty) */
    zmq_msg_t tap;    /* stripped copy (may be empty) */
    zmq_msg_t answer; /* retourbericht of an accepted message (may be empty) */
    gw_msg_t *msg;    /* ACCEPT: the decoded message (owned; freed by gw_worker_result_clear) */
    int64_t received_us; /* CLOCK_MONOTONIC us when gw_worker_submit took it (receipt time) */
    int live;         /* frames initialised */
} gw_worker_result_t;

/**
 * Start a worker thread with its own codec.
 * @returns the worker or NULL with *err (heap, gw_free).
 */
gw_worker_t *gw_worker_new(void *zctx, size_t max_message_size, char **err);
/** Stop the thread (pending work is dropped: those senders were not acknowledged). */
void gw_worker_destroy(gw_worker_t **self_p);
/** The broker's end of the pipe, for zmq_poll. */
void *gw_worker_socket(gw_worker_t *self);
/** Hand a message to the worker; the result carries the time of this call as its receipt time.
 * @returns GW_OK or GW_EIO. */
GW_NODISCARD int gw_worker_submit(gw_worker_t *self, const char *peer, const char *id,
                                  uint32_t strip_mask, int answer_accepted, const void *body,
                                  size_t len);
/** Take one result. @returns GW_OK, GW_EAGAIN (none waiting with ZMQ_DONTWAIT), GW_EIO. */
GW_NODISCARD int gw_worker_result(gw_worker_t *self, gw_worker_result_t *out, int flags);
void gw_worker_result_clear(gw_worker_result_t *r);

#endif
