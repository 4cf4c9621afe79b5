/*
 * What happens in the broker, as events for observers ("sinks"): the audit
 * trail, the metrics, the deadline monitor. The broker emits; sinks observe.
 * A sink never changes the broker's decision and never blocks it.
 *
 * Sinks run on the broker thread, synchronously. Events of one batch that touch
 * the store (ACCEPTED, DUPLICATE, DELIVERED, DEAD) are emitted inside the open
 * store transaction: a sink may write its own tables on `db` in that transaction
 * (never BEGIN/COMMIT), and they commit or roll back with the message. COMMITTED
 * or ABORTED follows, telling sinks with outside effects (a log file) whether
 * what they saw since the previous COMMITTED/ABORTED became durable.
 *
 * Pointers in an event are borrowed for the call only.
 */
#ifndef GW_EVENTS_H
#define GW_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "gw/codec.h"

#include "gw_config.h"

typedef enum gw_event_kind {
    GW_EV_ACCEPTED,     /* a message was stored for its recipient (in the transaction) */
    GW_EV_DUPLICATE,    /* a resend of a stored message (in the transaction) */
    GW_EV_REJECTED,     /* XSD, rules or a filter rejected it: REJECT with the retourbericht */
    GW_EV_REFUSED,      /* answered with ERROR: identity, protocol, size, queue, store... */
    GW_EV_SENT,         /* DELIVER sent to its recipient (attempt >= 1) */
    GW_EV_DELIVERED,    /* the recipient acknowledged a delivery (DACK, in the transaction) */
    GW_EV_DEAD,         /* a delivery moved to the dead letters (in the transaction): one event
                           per delivery, count 1, code "expired" or "unreadable" (its stored
                           payload failed to decrypt: it was not sent) */
    GW_EV_CONNECTED,    /* a party said its first frame */
    GW_EV_DISCONNECTED, /* a party said BYE or fell silent */
    GW_EV_COMMITTED,    /* the batch's transaction committed */
    GW_EV_ABORTED,      /* the batch's transaction failed: its events did not happen */
    GW_EV_TICK,         /* housekeeping tick (every ~200 ms) */
    GW_EV_RELOADED,     /* a new configuration generation is live (config = the new one) */
} gw_event_kind_t;

typedef struct gw_event {
    gw_event_kind_t kind;
    int64_t now_ms;           /* wall clock, ms since the epoch */
    const char *party;        /* the submitting party (ACCEPTED..REFUSED), the recipient (SENT,
                                 DELIVERED), the party (CONNECTED, DISCONNECTED); else NULL */
    const char *recipient;    /* ACCEPTED, DUPLICATE: the party it is routed to */
    const gw_msgtype_t *type; /* the message type, when known */
    const char *code;         /* REJECTED: the first failing rule id; REFUSED: the error code;
                                 DEAD: why ("expired", "unreadable") */
    const char *corr_id;      /* the sender's correlation id (SUBMIT id), when there is one */
    int64_t msg_id;           /* ACCEPTED, DUPLICATE, SENT: the stored message id */
    int64_t delivery_id;      /* SENT, DELIVERED, DEAD: the delivery id */
    int64_t answers;          /* ACCEPTED retourbericht: msg id of the heenbericht it answers */
    int64_t count;            /* DEAD: 1; SENT: the attempt number */
    const char *afzender;     /* header identity of the message, when known (never a BSN) */
    const char *ident;        /* BerichtIdentificatie/Identificatie */
    const char *dagtekening;  /* Dagtekening, YYYY-MM-DD */
    const gw_msg_t *msg;      /* ACCEPTED, REJECTED by a filter: the decoded model, or NULL */
    void *db;                 /* the store's sqlite3 handle (for sinks with tables) */
    const gw_config_t *config;/* the current configuration generation */
    const gw_chain_t *chain;  /* the current filter chain (gw_chain_stats), or NULL */
    int64_t received_us;      /* ACCEPTED, DUPLICATE: CLOCK_MONOTONIC us when the SUBMIT arrived
                                 (the ACK follows the next COMMITTED); 0 = unknown */
    const struct gw_event_queue *queues; /* TICK: one per configured party (config order) */
    size_t nqueues;           /* entries in queues */
    /* Send a NOTICE (docs/protocol.md) to a party now, without waiting: props are "k=v\n"
     * lines without personal data. With props NULL it only asks whether one could be sent.
     * Returns GW_OK (sent), GW_EAGAIN (the party is not connected, did not ask for notices
     * in its HELLO, or its pipe is full). Set by the broker on every event. */
    int (*notice)(void *notice_ctx, const char *party, const char *id, const char *props);
    void *notice_ctx;
} gw_event_t;

/* A party's queue as the broker sees it (TICK). */
typedef struct gw_event_queue {
    const char *party; /* its code */
    int64_t backlog;   /* undelivered deliveries (pending + in flight) */
    int64_t inflight;  /* sent, awaiting DACK */
    int connected;     /* said HELLO and not gone */
} gw_event_queue_t;

/* An observer. Created at broker start by gw_sinks_create (gw_sinks.c). */
typedef struct gw_sink {
    const char *name;
    void *state;
    void (*on_event)(void *state, const gw_event_t *ev);
    void (*destroy)(void *state);
} gw_sink_t;

#define GW_SINKS_MAX 8

/**
 * Create the sinks the configuration asks for into sinks[0..*n).
 * @param db the store's sqlite3 handle (sinks may create their tables here)
 * @returns GW_OK, or an error with *err (heap) and no sinks left behind.
 */
int gw_sinks_create(const gw_config_t *cfg, void *db, gw_sink_t sinks[GW_SINKS_MAX], size_t *n,
                    char **err);
/** Destroy the sinks. */
void gw_sinks_destroy(gw_sink_t sinks[GW_SINKS_MAX], size_t *n);

#endif
