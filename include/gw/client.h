/*
 * Client library for parties (municipal back-offices, provider software, the
 * regional platform, tests): connect to a gateway as a registered party,
 * submit messages, receive deliveries and acknowledge them. A party is named by
 * its code: a gemeentecode ("0363"), an AGB code ("42420001") or a platform
 * name ("platform"); it is the socket's ZeroMQ routing id.
 *
 *   gw_client_t *c = gw_client_new("tcp://127.0.0.1:5570", "42420001", NULL, &err);
 *   gw_client_result_t r;
 *   gw_client_submit(c, xml, len, &r, 5000);          // ACK + retourbericht, REJECT or ERROR
 *   gw_client_event_t ev;
 *   while (gw_client_next(c, &ev, 1000) == GW_OK) {   // DELIVER events
 *       ... store ev.body ...; gw_client_dack(c, ev.id); gw_client_event_clear(&ev);
 *   }
 *   gw_client_destroy(&c);
 */
#ifndef GW_CLIENT_H
#define GW_CLIENT_H

#include <stddef.h>

#include "gw/err.h"
#include "gw/proto.h"

typedef struct gw_client gw_client_t;

typedef struct gw_client_opts {
    int heartbeat_ms; /* 0 = 5000 */
    int sndhwm;       /* 0 = ZeroMQ default */
    /* CURVE keys (security issue), NULL = plain TCP */
    const char *curve_server_key; /* Z85 */
    const char *curve_public_key; /* Z85 */
    const char *curve_secret_key; /* Z85 */
} gw_client_opts_t;

/* An event from the gateway: an answer to a submit or a delivery. */
typedef struct gw_client_event {
    gw_cmd_t cmd;                  /* ACK, REJECT, ERROR, DELIVER, WELCOME, NOTICE */
    char id[GW_PROTO_MAX_ID + 1];  /* correlation id (answers) or gateway message id (DELIVER) */
    char code[32];                 /* ERROR: reason code ("XSD", "SPOOF", ...); REJECT: the first
                                      rule; ACK: "DUPLICATE" for a resend already stored;
                                      NOTICE: its kind ("overdue"); else "" */
    char type[16];                 /* DELIVER/ACK/REJECT: message type of body ("JW302"), may be "" */
    char from[GW_PROTO_MAX_PEER + 1]; /* DELIVER: the sending party */
    char msgid[24];                /* ACK, DELIVER: the gateway's message id (one per message;
                                      a redelivery or a duplicate ACK carries the same) */
    char *body;                    /* heap, NUL-terminated; NULL when empty */
    size_t body_len;
    char *props;                   /* NOTICE: its properties ("k=v\n" lines; read them with
                                      gw_props_get), heap, NUL-terminated; else NULL */
    size_t props_len;
} gw_client_event_t;

typedef gw_client_event_t gw_client_result_t;

/**
 * Connect to endpoint as party. Sends HELLO; the gateway's WELCOME or ERROR
 * arrives as an event (gw_client_connect waits for it).
 * @returns the client or NULL with *err (heap, gw_free) on failure.
 */
gw_client_t *gw_client_new(const char *endpoint, const char *party, const gw_client_opts_t *opts,
                           char **err);
void gw_client_destroy(gw_client_t **self_p);

/**
 * Wait up to timeout_ms for the gateway's WELCOME.
 * @returns GW_OK, GW_EAGAIN (timeout), GW_EINVAL (the gateway refused the party: reason in *err).
 */
GW_NODISCARD int gw_client_connect(gw_client_t *self, int timeout_ms, char **err);

/**
 * Submit without waiting. corr_id NULL = generated; the id used is copied to id_out (may be NULL).
 * The answer arrives later through gw_client_next with ev.id equal to that id.
 * @returns GW_OK, GW_EAGAIN (send queue full, or not connected), GW_EIO,
 *   GW_EINVAL (corr_id empty, longer than 64 bytes or not printable ASCII).
 */
GW_NODISCARD int gw_client_send(gw_client_t *self, const char *xml, size_t len, const char *corr_id,
                                char id_out[GW_PROTO_MAX_ID + 1]);

/**
 * Next event (answer or delivery), waiting up to timeout_ms (-1 = forever).
 * Heartbeats are handled inside. @returns GW_OK, GW_EAGAIN (timeout), GW_EIO, GW_ENOMEM.
 * Ownership: clear the event with gw_client_event_clear().
 */
GW_NODISCARD int gw_client_next(gw_client_t *self, gw_client_event_t *ev, int timeout_ms);
void gw_client_event_clear(gw_client_event_t *ev);

/**
 * Submit and wait for its answer (ACK/REJECT/ERROR). Deliveries that arrive
 * meanwhile are queued and returned by later gw_client_next calls.
 * @returns GW_OK with *result, GW_EAGAIN (timeout; a late answer comes through gw_client_next),
 *   GW_EIO, GW_ENOMEM.
 */
GW_NODISCARD int gw_client_submit(gw_client_t *self, const char *xml, size_t len,
                                  gw_client_result_t *result, int timeout_ms);

/** Acknowledge a delivery (the party has stored it). Waits up to one heartbeat interval
 * for the socket; GW_EAGAIN means not sent (the delivery will come again). */
GW_NODISCARD int gw_client_dack(gw_client_t *self, const char *msg_id);

/** The underlying ZeroMQ socket (for zmq_poll in an application's own loop). */
void *gw_client_socket(gw_client_t *self);

/**
 * Number of events already queued inside the client (deliveries and answers that
 * arrived while gw_client_submit or gw_client_connect waited). They do not make
 * the socket readable: an application polling gw_client_socket() must drain them
 * with gw_client_next(self, &ev, 0) while this is non-zero.
 */
size_t gw_client_pending(const gw_client_t *self);

#endif
