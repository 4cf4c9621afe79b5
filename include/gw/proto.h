/*
 * The gateway's wire protocol (docs/protocol.md), ZeroMQ multipart frames
 * between a party's DEALER socket and the gateway's ROUTER socket:
 *
 *   frame 0  signature + version  "IJW1"
 *   frame 1  command              "SUBMIT", "ACK", "REJECT", "ERROR", "DELIVER", "DACK",
 *                                 "HELLO", "WELCOME", "HEARTBEAT", "BYE", "NOTICE"
 *   frame 2  id                   correlation id chosen by the sender of a SUBMIT (echoed in
 *                                 ACK/REJECT/ERROR), or the gateway's message id (DELIVER/DACK)
 *   frame 3  properties           "key=value" lines, UTF-8, no personal data (may be empty)
 *   frame 4  body                 the iJw/iWmo XML (SUBMIT, DELIVER), the retourbericht
 *                                 (ACK, REJECT; may be empty), or a reason text (ERROR)
 *
 * On the ROUTER side libzmq adds the peer's routing id in front; gw_proto
 * handles that. All functions are transport-level: they never look inside the body.
 */
#ifndef GW_PROTO_H
#define GW_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"

#define GW_PROTO_SIGNATURE "IJW1"
#define GW_PROTO_MAX_ID 64      /* bytes of an id, excluding NUL */
#define GW_PROTO_MAX_PROPS 4096 /* bytes of the properties frame */
#define GW_PROTO_MAX_PEER 64    /* bytes of a routing id */

typedef enum gw_cmd {
    GW_CMD_INVALID = 0,
    GW_CMD_HELLO,     /* party -> gw: announce (props: party=..., version=...) */
    GW_CMD_WELCOME,   /* gw -> party: accepted (props: party=..., backlog=N) */
    GW_CMD_SUBMIT,    /* party -> gw: a message to route; id = correlation id */
    GW_CMD_ACK,       /* gw -> party: accepted and stored durably; body = retourbericht (may be empty) */
    GW_CMD_REJECT,    /* gw -> party: refused by the standard's rules; body = retourbericht */
    GW_CMD_ERROR,     /* gw -> party: refused or failed; props code=..., body = reason text */
    GW_CMD_DELIVER,   /* gw -> party: a message for you; id = gateway message id */
    GW_CMD_DACK,      /* party -> gw: delivery of id received and stored by the party */
    GW_CMD_HEARTBEAT, /* either way: liveness */
    GW_CMD_BYE,       /* party -> gw: disconnecting */
    GW_CMD_NOTICE,    /* gw -> party: an alert (props kind=overdue, ...); only to a party whose
                         HELLO said notices=1; no body */
} gw_cmd_t;

/* One decoded protocol message. Pointers borrow from the frames they were
 * decoded from (see gw_proto_recv) and are valid until gw_proto_msg_clear. */
typedef struct gw_proto_msg {
    char peer[GW_PROTO_MAX_PEER + 1]; /* routing id (ROUTER side), "" otherwise */
    gw_cmd_t cmd;
    char id[GW_PROTO_MAX_ID + 1];
    const char *props; /* properties text, NUL-terminated ("" when none) */
    size_t props_len;
    const char *body;  /* body bytes, NUL-terminated for convenience */
    size_t body_len;
    const char *error;  /* after GW_EPARSE: ERROR code to answer with, "PROTOCOL" or "SIZE";
                           static string; NULL after GW_OK */
    const char *reason; /* after GW_EPARSE: static English reason text (no payload); NULL after GW_OK */
    void *priv_;       /* owned frame storage; opaque */
} gw_proto_msg_t;

/** Command name ("SUBMIT") and back. gw_cmd_parse returns GW_CMD_INVALID when unknown. */
const char *gw_cmd_name(gw_cmd_t cmd);
gw_cmd_t gw_cmd_parse(const char *s, size_t len);

/**
 * Send one protocol message on a ZeroMQ socket.
 * @param peer routing id to prepend (ROUTER side), or NULL (DEALER side).
 * @param props "k=v\n..." or NULL; body may be NULL when body_len is 0.
 * @param flags ZMQ_DONTWAIT or 0.
 * @returns GW_OK, GW_EAGAIN (would block / peer unknown with ROUTER_MANDATORY), GW_EINVAL, GW_EIO.
 */
GW_NODISCARD int gw_proto_send(void *socket, const char *peer, gw_cmd_t cmd, const char *id,
                               const char *props, const void *body, size_t body_len, int flags);

/**
 * Receive one protocol message.
 * @param router 1 when socket is a ROUTER (first frame is the peer's routing id).
 * @param max_body largest body accepted; a bigger one is drained and reported as GW_EPARSE.
 * @returns GW_OK; GW_EAGAIN when nothing is waiting (flags ZMQ_DONTWAIT) or on timeout;
 *   GW_EPARSE for a malformed message (wrong frame count, signature, command, oversize id or
 *   body): all its frames have been consumed and out->peer/out->id are filled when known, so
 *   the caller can answer with an ERROR; GW_EIO on socket errors.
 * Ownership: out must be cleared with gw_proto_msg_clear() after GW_OK or GW_EPARSE.
 */
GW_NODISCARD int gw_proto_recv(void *socket, int router, size_t max_body, gw_proto_msg_t *out,
                               int flags);
void gw_proto_msg_clear(gw_proto_msg_t *m);

/**
 * Look up a property in a "k=v\n" text. Copies the value into buf (NUL-terminated).
 * The first line with the key wins; a trailing '\r' is not part of the value.
 * @param buf may be NULL when cap is 0 (a presence test).
 * @returns 1 when found, 0 otherwise (0 also when the value does not fit in cap; never truncates).
 */
int gw_props_get(const char *props, size_t len, const char *key, char *buf, size_t cap);

#endif
