/*
 * ijwctl send / recv / replay: act as parties against a running gateway with
 * the client library (gw/client.h). Output names message types, party codes,
 * gateway ids and results; never a BSN, name or free text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/client.h"
#include "gw/codec.h"
#include "gw/diag.h"
#include "gw/retour.h"
#include "gw/rules.h"

#include "ijwctl.h"

#define DEFAULT_TIMEOUT_S 10

typedef struct netopts {
    char endpoint[256];
    const char *party;
    const char *config;
    const char *outdir;
    long count;
    int timeout_s;
    int answer;
} netopts_t;

static int
s_opts(int *argc, char ***argv, netopts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->timeout_s = DEFAULT_TIMEOUT_S;
    o->count = -1;
    const char *ep = NULL;
    int i = 0;
    for (; i < *argc && (*argv)[i][0] == '-'; i++) {
        const char *a = (*argv)[i];
        if (strcmp(a, "--answer") == 0) {
            o->answer = 1;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= *argc) {
            fprintf(stderr, "ijwctl: %s needs a value\n", a);
            return -1;
        }
        const char *v = (*argv)[++i];
        if (strcmp(a, "-e") == 0) {
            ep = v;
        } else if (strcmp(a, "-p") == 0) {
            o->party = v;
        } else if (strcmp(a, "-c") == 0) {
            o->config = v;
        } else if (strcmp(a, "-o") == 0) {
            o->outdir = v;
        } else if (strcmp(a, "-n") == 0) {
            o->count = atol(v);
        } else if (strcmp(a, "-t") == 0) {
            o->timeout_s = atoi(v);
        } else {
            fprintf(stderr, "ijwctl: unknown option %s\n", a);
            return -1;
        }
    }
    char store[1024];
    if (ijwctl_conf(o->config, o->endpoint, sizeof(o->endpoint), store, sizeof(store)) != 0) {
        return -1;
    }
    if (ep) {
        snprintf(o->endpoint, sizeof(o->endpoint), "%s", ep);
    }
    *argc -= i;
    *argv += i;
    return 0;
}

static gw_client_t *
s_connect(const char *endpoint, const char *party)
{
    char *err = NULL;
    gw_client_t *c = gw_client_new(endpoint, party, NULL, &err);
    if (!c) {
        fprintf(stderr, "ijwctl: cannot connect to %s as %s: %s\n", endpoint, party,
                err ? err : "?");
        gw_free(err);
        return NULL;
    }
    int rc = gw_client_connect(c, 5000, &err);
    if (rc != GW_OK) {
        fprintf(stderr, "ijwctl: the gateway at %s did not welcome %s: %s\n", endpoint, party,
                rc == GW_EAGAIN ? "no answer within 5 s (is ijwgw running?)" : (err ? err : "?"));
        gw_free(err);
        gw_client_destroy(&c);
        return NULL;
    }
    return c;
}

/* The party a message is sent by: the Afzender, or for a retourbericht the Ontvanger. */
typedef struct info {
    const gw_msgtype_t *type;
    char sender[65];
    char recipient[65]; /* expected recipient ("" when it depends on the gateway's routing) */
    char ident[16];
    int valid;
} info_t;

static void
s_info(gw_codec_t *codec, const char *buf, size_t len, info_t *in)
{
    memset(in, 0, sizeof(*in));
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = NULL;
    if (diag && gw_codec_decode(codec, buf, len, &msg, &in->type, diag) == GW_OK && msg) {
        const gw_header_t *h = msg->bericht->Header;
        int retour = msg->type->kind == GW_KIND_RETOUR;
        snprintf(in->sender, sizeof(in->sender), "%s", retour ? h->Ontvanger : h->Afzender);
        snprintf(in->recipient, sizeof(in->recipient), "%s", retour ? h->Afzender : h->Ontvanger);
        snprintf(in->ident, sizeof(in->ident), "%s", h->BerichtIdentificatie->Identificatie);
        in->valid = 1;
    }
    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
}

static const char *
s_result_name(const gw_client_event_t *ev)
{
    return ev->cmd == GW_CMD_ACK ? "ACK" : ev->cmd == GW_CMD_REJECT ? "REJECT" : "ERROR";
}

/* ---------------------------------------------------------------- send ---- */

int
ijwctl_send(int argc, char **argv)
{
    netopts_t o;
    if (s_opts(&argc, &argv, &o) != 0 || argc <= 0) {
        fprintf(stderr, "usage: ijwctl send [-e ENDPOINT] [-p PARTY] [-c CONFIG] FILE|DIR...\n");
        return 2;
    }
    char **files = NULL;
    int n = 0;
    if (ijwctl_collect(argc, argv, &files, &n) != 0) {
        return 2;
    }
    gw_codec_t *codec = gw_codec_new(NULL, NULL);
    gw_client_t *client = NULL;
    char client_party[65] = "";
    int status = 0, acked = 0, rejected = 0, errors = 0;
    for (int i = 0; i < n && codec; i++) {
        char why[256];
        size_t len = 0;
        char *buf = ijwctl_read_file(files[i], &len, why, sizeof(why));
        if (!buf) {
            printf("%s: cannot read: %s\n", files[i], why);
            status = 1;
            errors++;
            continue;
        }
        info_t in;
        s_info(codec, buf, len, &in);
        const char *party = o.party ? o.party : (in.valid ? in.sender : NULL);
        if (!party) {
            printf("%s: cannot tell which party sends it (not a valid message); use -p PARTY\n",
                   files[i]);
            gw_free(buf);
            status = 1;
            errors++;
            continue;
        }
        if (!client || strcmp(client_party, party) != 0) {
            gw_client_destroy(&client);
            client = s_connect(o.endpoint, party);
            if (!client) {
                gw_free(buf);
                status = 2;
                break;
            }
            snprintf(client_party, sizeof(client_party), "%s", party);
        }
        gw_client_result_t r;
        memset(&r, 0, sizeof(r));
        int rc = gw_client_submit(client, buf, len, &r, o.timeout_s * 1000);
        if (rc != GW_OK) {
            printf("%s: no answer from the gateway within %d s\n", files[i], o.timeout_s);
            status = 1;
            errors++;
        } else {
            printf("%s: %s as %s -> %s", files[i], in.type ? in.type->name : "?", party,
                   s_result_name(&r));
            if (r.cmd == GW_CMD_ERROR) {
                printf(" %s: %s\n", r.code, r.body ? r.body : "");
                errors++;
                status = 1;
            } else if (r.cmd == GW_CMD_REJECT) {
                printf(" %s (retourbericht %s, %zu bytes)\n", r.code, r.type, r.body_len);
                rejected++;
                status = 1;
                if (o.outdir && r.body) {
                    char p[4096];
                    snprintf(p, sizeof(p), "%s/%s.retour.xml", o.outdir, in.ident);
                    mkdir(o.outdir, 0755);
                    if (ijwctl_write_file(p, r.body, r.body_len) == 0) {
                        printf("  wrote %s\n", p);
                    }
                }
            } else {
                printf(" (gateway id %s)\n", r.id);
                acked++;
            }
        }
        gw_client_event_clear(&r);
        gw_free(buf);
    }
    if (n > 1) {
        printf("\n%d sent: %d acknowledged, %d rejected with a retourbericht, %d errors\n", n,
               acked, rejected, errors);
    }
    gw_client_destroy(&client);
    gw_codec_destroy(&codec);
    ijwctl_free_list(files, n);
    return status;
}

/* ------------------------------------------------------ answering deliveries ---- */

/* As the receiving party: check a delivered heenbericht and send its retourbericht. */
static int
s_answer(gw_codec_t *codec, gw_client_t *client, const gw_client_event_t *ev, char *type_out,
         size_t tcap)
{
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = NULL, *ret = NULL;
    int answered = 0;
    if (diag && gw_codec_decode(codec, ev->body, ev->body_len, &msg, NULL, diag) == GW_OK && msg &&
        gw_msgtype_answer(msg->type) && msg->type->kind == GW_KIND_HEEN &&
        msg->type->number != 323 && gw_rules_run(msg, diag, 0) == GW_OK &&
        gw_retour_build(msg, diag, NULL, &ret) == GW_OK) {
        char *xml = NULL;
        size_t len = 0;
        if (gw_codec_encode(ret, &xml, &len, NULL) == GW_OK) {
            char id[GW_PROTO_MAX_ID + 1];
            if (gw_client_send(client, xml, len, NULL, id) == GW_OK) {
                answered = 1;
                snprintf(type_out, tcap, "%s", ret->type->name);
            }
        }
        gw_free(xml);
    }
    gw_msg_destroy(&ret);
    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
    return answered;
}

/* ---------------------------------------------------------------- recv ---- */

int
ijwctl_recv(int argc, char **argv)
{
    netopts_t o;
    if (s_opts(&argc, &argv, &o) != 0 || !o.party) {
        fprintf(stderr, "usage: ijwctl recv -p PARTY [-e ENDPOINT] [-c CONFIG] [-o DIR] "
                        "[-n COUNT] [-t IDLE-SECONDS] [--answer]\n");
        return 2;
    }
    if (o.outdir && mkdir(o.outdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "ijwctl: cannot create %s: %s\n", o.outdir, strerror(errno));
        return 2;
    }
    gw_client_t *client = s_connect(o.endpoint, o.party);
    if (!client) {
        return 2;
    }
    gw_codec_t *codec = o.answer ? gw_codec_new(NULL, NULL) : NULL;
    long got = 0;
    printf("receiving as %s from %s (stops after %d s idle%s)\n", o.party, o.endpoint,
           o.timeout_s, o.count > 0 ? " or the count" : "");
    while (o.count < 0 || got < o.count) {
        gw_client_event_t ev;
        memset(&ev, 0, sizeof(ev));
        int rc = gw_client_next(client, &ev, o.timeout_s * 1000);
        if (rc != GW_OK) {
            break;
        }
        if (ev.cmd == GW_CMD_DELIVER) {
            got++;
            printf("DELIVER %s %s from %s, %zu bytes", ev.id, ev.type, ev.from, ev.body_len);
            if (o.outdir && ev.body) {
                char p[4096];
                snprintf(p, sizeof(p), "%s/%s-%s.xml", o.outdir, ev.id, ev.type);
                if (ijwctl_write_file(p, ev.body, ev.body_len) != 0) {
                    printf(" (cannot write %s: not acknowledged)\n", p);
                    gw_client_event_clear(&ev);
                    continue;
                }
                printf(" -> %s", p);
            }
            char rt[16] = "";
            if (codec && s_answer(codec, client, &ev, rt, sizeof(rt))) {
                printf(", answered with %s", rt);
            }
            printf("\n");
            if (gw_client_dack(client, ev.id) != GW_OK) {
                printf("  could not acknowledge %s\n", ev.id);
            }
        } else if (ev.cmd == GW_CMD_ERROR) {
            printf("ERROR %s %s: %s\n", ev.id, ev.code, ev.body ? ev.body : "");
        } else if (ev.cmd == GW_CMD_ACK || ev.cmd == GW_CMD_REJECT) {
            printf("%s %s %s\n", s_result_name(&ev), ev.id, ev.type);
        } else if (ev.cmd == GW_CMD_NOTICE) {
            /* An alert from the gateway (docs/protocol.md): one line, its properties. */
            char rule[32] = "", ident[80] = "", due[16] = "", to[72] = "", expect[64] = "";
            (void)gw_props_get(ev.props, ev.props_len, "rule", rule, sizeof(rule));
            (void)gw_props_get(ev.props, ev.props_len, "ident", ident, sizeof(ident));
            (void)gw_props_get(ev.props, ev.props_len, "due", due, sizeof(due));
            (void)gw_props_get(ev.props, ev.props_len, "to", to, sizeof(to));
            (void)gw_props_get(ev.props, ev.props_len, "expect", expect, sizeof(expect));
            printf("NOTICE %s %s %s %s from %s to %s: %s due %s (%s)\n", ev.id, ev.code, ev.type,
                   ident, ev.from, to, expect, due, rule);
        }
        gw_client_event_clear(&ev);
    }
    printf("%ld message(s) received\n", got);
    gw_codec_destroy(&codec);
    gw_client_destroy(&client);
    return 0;
}

/* ---------------------------------------------------------------- replay ---- */

typedef struct rfile {
    char *path;
    info_t in;
    char result[8];       /* ACK, REJECT, ERROR, "-" */
    char code[32];        /* ERROR code */
    int delivered;        /* times delivered to its recipient */
    char answered[16];    /* retourbericht type the recipient sent (--answer) */
    int answer_back;      /* times a retourbericht for it reached the sender */
} rfile_t;

typedef struct rparty {
    char code[65];
    gw_client_t *client;
} rparty_t;

static rparty_t *
s_rparty(rparty_t *ps, int *n, const char *code, const char *endpoint)
{
    for (int i = 0; i < *n; i++) {
        if (strcmp(ps[i].code, code) == 0) {
            return &ps[i];
        }
    }
    if (*n >= 64) {
        return NULL;
    }
    gw_client_t *c = s_connect(endpoint, code);
    if (!c) {
        return NULL;
    }
    rparty_t *p = &ps[(*n)++];
    snprintf(p->code, sizeof(p->code), "%s", code);
    p->client = c;
    return p;
}

static void
s_progress(int done, int total)
{
    if (!isatty(2)) {
        return;
    }
    int width = 30, fill = total ? done * width / total : width;
    fprintf(stderr, "\r  [");
    for (int i = 0; i < width; i++) {
        fputc(i < fill ? '#' : '.', stderr);
    }
    fprintf(stderr, "] %d/%d", done, total);
    if (done == total) {
        fputc('\n', stderr);
    }
}

/* The replayed heenbericht a retourbericht answers (same BerichtIdentificatie: a
 * retour copies its heenbericht's header). */
static rfile_t *
s_match(rfile_t *rf, int n, const char *ident)
{
    for (int i = 0; i < n; i++) {
        if (rf[i].in.valid && strcmp(rf[i].in.ident, ident) == 0) {
            return &rf[i];
        }
    }
    return NULL;
}

int
ijwctl_replay(int argc, char **argv)
{
    netopts_t o;
    if (s_opts(&argc, &argv, &o) != 0 || argc <= 0) {
        fprintf(stderr, "usage: ijwctl replay [-e ENDPOINT] [-c CONFIG] [-t SECONDS] [--answer] "
                        "DIR|FILE...\n");
        return 2;
    }
    char **files = NULL;
    int n = 0;
    if (ijwctl_collect(argc, argv, &files, &n) != 0) {
        return 2;
    }
    gw_codec_t *codec = gw_codec_new(NULL, NULL);
    rfile_t *rf = gw_calloc((size_t)(n ? n : 1), sizeof(*rf));
    rparty_t parties[64];
    int np = 0, status = 0;
    if (!codec || !rf) {
        ijwctl_free_list(files, n);
        gw_free(rf);
        gw_codec_destroy(&codec);
        return 2;
    }
    /* Connect every party that sends or receives first, so nothing waits offline. */
    for (int i = 0; i < n; i++) {
        rf[i].path = files[i];
        snprintf(rf[i].result, sizeof(rf[i].result), "-");
        char why[256];
        size_t len = 0;
        char *buf = ijwctl_read_file(files[i], &len, why, sizeof(why));
        if (buf) {
            s_info(codec, buf, len, &rf[i].in);
            gw_free(buf);
        }
        if (rf[i].in.valid) {
            if (!s_rparty(parties, &np, rf[i].in.sender, o.endpoint) ||
                !s_rparty(parties, &np, rf[i].in.recipient, o.endpoint)) {
                status = 2;
                goto out;
            }
        }
    }
    printf("replaying %d message(s) through %s as %d parties\n", n, o.endpoint, np);
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        s_progress(i, n);
        char why[256];
        size_t len = 0;
        char *buf = ijwctl_read_file(files[i], &len, why, sizeof(why));
        if (!buf || !rf[i].in.valid) {
            snprintf(rf[i].result, sizeof(rf[i].result), "SKIP");
            snprintf(rf[i].code, sizeof(rf[i].code), "%s", buf ? "not valid" : "unreadable");
            gw_free(buf);
            continue;
        }
        rparty_t *p = s_rparty(parties, &np, rf[i].in.sender, o.endpoint);
        gw_client_result_t r;
        memset(&r, 0, sizeof(r));
        if (p && gw_client_submit(p->client, buf, len, &r, o.timeout_s * 1000) == GW_OK) {
            snprintf(rf[i].result, sizeof(rf[i].result), "%s", s_result_name(&r));
            snprintf(rf[i].code, sizeof(rf[i].code), "%s", r.code);
        } else {
            snprintf(rf[i].result, sizeof(rf[i].result), "TIMEOUT");
        }
        gw_client_event_clear(&r);
        gw_free(buf);
    }
    s_progress(n, n);

    /* Collect deliveries (and, with --answer, retourberichten) until quiet. */
    int64_t quiet_ms = 0;
    const int slice = 50;
    while (quiet_ms < (int64_t)o.timeout_s * 1000) {
        int got = 0;
        for (int k = 0; k < np; k++) {
            gw_client_event_t ev;
            memset(&ev, 0, sizeof(ev));
            if (gw_client_next(parties[k].client, &ev, slice / (np ? np : 1)) != GW_OK) {
                continue;
            }
            got = 1;
            if (ev.cmd == GW_CMD_DELIVER) {
                info_t in;
                s_info(codec, ev.body, ev.body_len, &in);
                rfile_t *f = NULL;
                for (int i = 0; i < n; i++) {
                    if (rf[i].in.valid && in.valid && strcmp(rf[i].in.ident, in.ident) == 0 &&
                        rf[i].in.type == in.type && strcmp(rf[i].in.recipient, parties[k].code) == 0) {
                        f = &rf[i];
                        break;
                    }
                }
                if (f) {
                    f->delivered++;
                    if (o.answer && !f->answered[0]) {
                        s_answer(codec, parties[k].client, &ev, f->answered,
                                 sizeof(f->answered));
                    }
                } else if (in.valid && in.type->kind == GW_KIND_RETOUR) {
                    /* a retourbericht made by a recipient for one of our heenberichten */
                    rfile_t *h = s_match(rf, n, in.ident);
                    if (h) {
                        h->answer_back++;
                    }
                }
                if (gw_client_dack(parties[k].client, ev.id) != GW_OK) {
                    status = 1;
                }
            }
            gw_client_event_clear(&ev);
        }
        quiet_ms = got ? 0 : quiet_ms + slice;
        int all = 1;
        for (int i = 0; i < n; i++) {
            if (strcmp(rf[i].result, "ACK") == 0 &&
                (rf[i].delivered == 0 || (o.answer && rf[i].answered[0] && !rf[i].answer_back))) {
                all = 0;
            }
        }
        if (all && quiet_ms >= 300) {
            break;
        }
    }

    int acked = 0, rejected = 0, errors = 0, delivered = 0, once = 0;
    printf("\n%-34s %-7s %-9s    %-9s %-7s %-9s %s\n", "FILE", "TYPE", "FROM", "TO", "RESULT",
           "DELIVERED", o.answer ? "RETOUR" : "");
    for (int i = 0; i < n; i++) {
        const rfile_t *f = &rf[i];
        const char *base = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
        char res[48];
        snprintf(res, sizeof(res), "%s%s%s", f->result, f->code[0] ? " " : "", f->code);
        char ret[40] = "";
        if (o.answer && f->answered[0]) {
            snprintf(ret, sizeof(ret), "%s %s", f->answered, f->answer_back ? "back" : "lost");
        }
        printf("%-34.34s %-7s %-9s -> %-9s %-7.20s %-9d %s\n", base,
               f->in.type ? f->in.type->name : "?", f->in.sender, f->in.recipient, res,
               f->delivered, ret);
        acked += strcmp(f->result, "ACK") == 0;
        rejected += strcmp(f->result, "REJECT") == 0;
        errors += strcmp(f->result, "ERROR") == 0 || strcmp(f->result, "TIMEOUT") == 0 ||
                  strcmp(f->result, "SKIP") == 0;
        delivered += f->delivered > 0;
        once += f->delivered == 1;
        if (strcmp(f->result, "ACK") == 0 && f->delivered != 1 &&
            strcmp(f->code, "DUPLICATE") != 0) {
            status = 1;
        }
    }
    printf("\nsummary: %d messages: %d accepted, %d rejected, %d errors; %d delivered (%d exactly "
           "once)\n",
           n, acked, rejected, errors, delivered, once);
out:
    for (int k = 0; k < np; k++) {
        gw_client_destroy(&parties[k].client);
    }
    gw_free(rf);
    ijwctl_free_list(files, n);
    gw_codec_destroy(&codec);
    return status;
}
