/*
 * The gateway's wire protocol (gw/proto.h, docs/protocol.md): encoding and
 * strict decoding of the five-frame "IJW1" messages that travel between a
 * party's DEALER and the gateway's ROUTER. The decoder consumes every frame of
 * a message it refuses, so a malformed or oversize message never leaves a
 * partial read in the socket; it looks at sizes and the envelope only, never
 * inside the body.
 */
#include <errno.h>
#include <string.h>

#include <zmq.h>

#include "gw/alloc.h"
#include "gw/proto.h"

/* Frame positions after the optional routing id. */
enum {
    S_FRAME_SIGNATURE = 0,
    S_FRAME_COMMAND,
    S_FRAME_ID,
    S_FRAME_PROPS,
    S_FRAME_BODY,
    S_FRAMES,
};

#define S_SIGNATURE_LEN 4

/* Indexed by gw_cmd_t; GW_CMD_INVALID has no wire name. */
static const char *const s_cmd_names[] = {
    [GW_CMD_INVALID] = NULL,          [GW_CMD_HELLO] = "HELLO",     [GW_CMD_WELCOME] = "WELCOME",
    [GW_CMD_SUBMIT] = "SUBMIT",       [GW_CMD_ACK] = "ACK",         [GW_CMD_REJECT] = "REJECT",
    [GW_CMD_ERROR] = "ERROR",         [GW_CMD_DELIVER] = "DELIVER", [GW_CMD_DACK] = "DACK",
    [GW_CMD_HEARTBEAT] = "HEARTBEAT", [GW_CMD_BYE] = "BYE",         [GW_CMD_NOTICE] = "NOTICE",
};

#define S_NCMDS (sizeof(s_cmd_names) / sizeof(s_cmd_names[0]))

const char *
gw_cmd_name(gw_cmd_t cmd)
{
    if ((unsigned)cmd >= S_NCMDS || !s_cmd_names[cmd]) {
        return "INVALID";
    }
    return s_cmd_names[cmd];
}

gw_cmd_t
gw_cmd_parse(const char *s, size_t len)
{
    if (!s) {
        return GW_CMD_INVALID;
    }
    for (size_t i = 1; i < S_NCMDS; i++) {
        if (strlen(s_cmd_names[i]) == len && memcmp(s_cmd_names[i], s, len) == 0) {
            return (gw_cmd_t)i;
        }
    }
    return GW_CMD_INVALID;
}

/* Printable ASCII (space through '~'), as ids and routing ids must be: they are
 * logged and used as C strings. */
static int
s_printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* Commands whose id frame must not be empty: a correlation id or a gateway message id. */
static int
s_cmd_needs_id(gw_cmd_t cmd)
{
    return cmd == GW_CMD_SUBMIT || cmd == GW_CMD_ACK || cmd == GW_CMD_REJECT ||
           cmd == GW_CMD_DELIVER || cmd == GW_CMD_DACK;
}

static int
s_id_valid(gw_cmd_t cmd, const char *id, size_t len)
{
    if (len > GW_PROTO_MAX_ID || !s_printable(id, len)) {
        return 0;
    }
    return len > 0 || !s_cmd_needs_id(cmd);
}

static int
s_props_valid(const char *props, size_t len)
{
    return len <= GW_PROTO_MAX_PROPS && memchr(props, '\0', len) == NULL;
}

/* Send one frame; the first frame of a message maps "cannot send now" to GW_EAGAIN. */
static int
s_send_frame(void *socket, const void *data, size_t len, int flags, int first)
{
    for (;;) {
        if (zmq_send(socket, data, len, flags) >= 0) {
            return GW_OK;
        }
        if (errno == EINTR && !first) {
            continue; /* a started multipart message must be completed */
        }
        if (first && (errno == EAGAIN || errno == EHOSTUNREACH || errno == EINTR)) {
            return GW_EAGAIN;
        }
        return GW_EIO;
    }
}

int
gw_proto_send(void *socket, const char *peer, gw_cmd_t cmd, const char *id, const char *props,
              const void *body, size_t body_len, int flags)
{
    if (!socket || (unsigned)cmd >= S_NCMDS || cmd == GW_CMD_INVALID) {
        return GW_EINVAL;
    }
    if (!id) {
        id = "";
    }
    if (!props) {
        props = "";
    }
    if (!body && body_len > 0) {
        return GW_EINVAL;
    }
    size_t id_len = strlen(id);
    size_t props_len = strlen(props);
    if (!s_id_valid(cmd, id, id_len) || !s_props_valid(props, props_len)) {
        return GW_EINVAL;
    }
    if (peer) {
        size_t peer_len = strlen(peer);
        if (peer_len == 0 || peer_len > GW_PROTO_MAX_PEER || !s_printable(peer, peer_len)) {
            return GW_EINVAL;
        }
    }
    flags &= ZMQ_DONTWAIT;
    const char *name = s_cmd_names[cmd];
    int rc = GW_OK;
    int first = 1;
    if (peer) {
        rc = s_send_frame(socket, peer, strlen(peer), flags | ZMQ_SNDMORE, 1);
        if (rc != GW_OK) {
            return rc;
        }
        first = 0;
    }
    rc = s_send_frame(socket, GW_PROTO_SIGNATURE, S_SIGNATURE_LEN, flags | ZMQ_SNDMORE, first);
    if (rc != GW_OK) {
        return rc;
    }
    /* libzmq queues the rest of a multipart message once its first frame went out. */
    rc = s_send_frame(socket, name, strlen(name), flags | ZMQ_SNDMORE, 0);
    if (rc == GW_OK) {
        rc = s_send_frame(socket, id, id_len, flags | ZMQ_SNDMORE, 0);
    }
    if (rc == GW_OK) {
        rc = s_send_frame(socket, props, props_len, flags | ZMQ_SNDMORE, 0);
    }
    if (rc == GW_OK) {
        rc = s_send_frame(socket, body_len ? body : "", body_len, flags, 0);
    }
    return rc;
}

static void
s_msg_reset(gw_proto_msg_t *m)
{
    memset(m, 0, sizeof(*m));
    m->props = "";
    m->body = "";
}

void
gw_proto_msg_clear(gw_proto_msg_t *m)
{
    if (!m) {
        return;
    }
    gw_free(m->priv_);
    m->priv_ = NULL;
    s_msg_reset(m);
}

/* Receive one frame, retrying on EINTR only when inside a multipart message. */
static int
s_recv_frame(zmq_msg_t *frame, void *socket, int flags, int first)
{
    for (;;) {
        if (zmq_msg_recv(frame, socket, flags) >= 0) {
            return GW_OK;
        }
        if (errno == EINTR && !first) {
            continue;
        }
        if (first && (errno == EAGAIN || errno == EINTR)) {
            return GW_EAGAIN;
        }
        return GW_EIO;
    }
}

/* Check one frame at position pos (after the routing id) and take what the
 * message needs from it. Returns NULL or the reason it is refused (*code set). */
static const char *
s_take_frame(gw_proto_msg_t *out, size_t pos, zmq_msg_t *frame, zmq_msg_t *props_frame,
             size_t max_body, const char **code)
{
    const char *data = zmq_msg_data(frame);
    size_t len = zmq_msg_size(frame);
    *code = "PROTOCOL";
    switch (pos) {
    case S_FRAME_SIGNATURE:
        if (len != S_SIGNATURE_LEN || memcmp(data, GW_PROTO_SIGNATURE, S_SIGNATURE_LEN) != 0) {
            return "wrong signature: not an IJW1 message";
        }
        return NULL;
    case S_FRAME_COMMAND:
        out->cmd = gw_cmd_parse(data, len);
        if (out->cmd == GW_CMD_INVALID) {
            return "unknown command";
        }
        return NULL;
    case S_FRAME_ID:
        if (!s_id_valid(out->cmd, data, len)) {
            return len > GW_PROTO_MAX_ID ? "id longer than 64 bytes"
                                         : "id empty or not printable ASCII";
        }
        memcpy(out->id, data, len);
        out->id[len] = '\0';
        return NULL;
    case S_FRAME_PROPS:
        if (!s_props_valid(data, len)) {
            return len > GW_PROTO_MAX_PROPS ? "properties longer than 4096 bytes"
                                            : "properties contain a NUL byte";
        }
        zmq_msg_move(props_frame, frame);
        return NULL;
    case S_FRAME_BODY: {
        if (len > max_body) {
            *code = "SIZE";
            return "body larger than the limit";
        }
        size_t plen = zmq_msg_size(props_frame);
        /* priv_: props '\0' body '\0' in one block (frames are not NUL-terminated). */
        char *st = gw_malloc(plen + len + 2);
        if (!st) {
            *code = "INTERNAL";
            return "out of memory";
        }
        memcpy(st, zmq_msg_data(props_frame), plen);
        st[plen] = '\0';
        memcpy(st + plen + 1, data, len);
        st[plen + 1 + len] = '\0';
        out->priv_ = st;
        out->props = st;
        out->props_len = plen;
        out->body = st + plen + 1;
        out->body_len = len;
        return NULL;
    }
    default:
        return "too many frames";
    }
}

/* Receive and validate one message; see gw/proto.h for the contract. Frames
 * after the first refusal are received and dropped, so the next call starts on
 * a message boundary. */
int
gw_proto_recv(void *socket, int router, size_t max_body, gw_proto_msg_t *out, int flags)
{
    if (!out) {
        return GW_EINVAL;
    }
    s_msg_reset(out);
    if (!socket) {
        return GW_EINVAL;
    }
    zmq_msg_t frame, props_frame;
    zmq_msg_init(&frame);
    zmq_msg_init(&props_frame);
    int rc = s_recv_frame(&frame, socket, flags & ZMQ_DONTWAIT, 1);
    if (rc != GW_OK) {
        goto done;
    }
    const char *reason = NULL, *code = NULL;
    size_t nframes = 0;
    size_t skip = router ? 1 : 0;
    for (;;) {
        int more = zmq_msg_more(&frame);
        if (!reason) {
            if (nframes < skip) {
                size_t len = zmq_msg_size(&frame);
                if (len == 0 || len > GW_PROTO_MAX_PEER ||
                    !s_printable(zmq_msg_data(&frame), len)) {
                    code = "PROTOCOL";
                    reason = "routing id is not a party code";
                } else {
                    memcpy(out->peer, zmq_msg_data(&frame), len);
                    out->peer[len] = '\0';
                }
            } else {
                reason = s_take_frame(out, nframes - skip, &frame, &props_frame, max_body, &code);
            }
        }
        zmq_msg_close(&frame);
        zmq_msg_init(&frame);
        nframes++;
        if (!more) {
            break;
        }
        rc = s_recv_frame(&frame, socket, 0, 0);
        if (rc != GW_OK) {
            goto done;
        }
    }
    if (!reason && nframes != skip + S_FRAMES) {
        code = "PROTOCOL";
        reason = "wrong number of frames";
    }
    if (reason) {
        gw_free(out->priv_);
        out->priv_ = NULL;
        out->props = "";
        out->props_len = 0;
        out->body = "";
        out->body_len = 0;
        out->error = code;
        out->reason = reason;
        rc = strcmp(code, "INTERNAL") == 0 ? GW_ENOMEM : GW_EPARSE;
    }
done:
    zmq_msg_close(&props_frame);
    zmq_msg_close(&frame);
    if (rc != GW_OK && rc != GW_EPARSE) {
        gw_proto_msg_clear(out);
    }
    return rc;
}

int
gw_props_get(const char *props, size_t len, const char *key, char *buf, size_t cap)
{
    if (buf && cap > 0) {
        buf[0] = '\0';
    }
    if (!props || !key || (!buf && cap > 0)) {
        return 0;
    }
    size_t klen = strlen(key);
    const char *p = props, *end = props + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t vlen = (size_t)(eol - v);
            if (vlen > 0 && v[vlen - 1] == '\r') {
                vlen--;
            }
            if (cap == 0) {
                return 1;
            }
            if (vlen >= cap) {
                return 0;
            }
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return 1;
        }
        p = eol + 1;
    }
    return 0;
}
