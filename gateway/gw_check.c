/* The per-message check (gw_check.h): codec, sender identity, rules, answers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gw_check.h"
#include "gw_tap.h"
#include "gw/alloc.h"
#include "gw/retour.h"
#include "gw/rules.h"

static void
s_set_error(gw_check_t *res, gw_check_out_t *out, const char *code, const char *fmt, ...)
    GW_PRINTF(4, 5);

static void
s_set_error(gw_check_t *res, gw_check_out_t *out, const char *code, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    res->status = GW_CHECK_ERROR;
    snprintf(res->code, sizeof(res->code), "%s", code);
    out->text = gw_strdup(text);
    out->text_len = out->text ? strlen(out->text) : 0;
}

/* A short, privacy-safe summary of the findings (codes, paths, texts without values). */
static void
s_summarise(const gw_diag_t *diag, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0, shown = 0; i < gw_diag_count(diag) && shown < 8 && off < cap; i++) {
        const gw_diag_entry_t *e = gw_diag_at(diag, i);
        if (e->level == GW_LEVEL_WARN) {
            continue;
        }
        int n = snprintf(buf + off, cap - off, "%s%s%s%s %s: %s", off ? "\n" : "", e->rule,
                         e->retourcode[0] ? " " : "", e->retourcode, e->path, e->text);
        if (n < 0) {
            break;
        }
        off += (size_t)n;
        shown++;
    }
}

static const char *
s_first_rule(const gw_diag_t *diag)
{
    gw_level_t w = gw_diag_worst(diag);
    for (size_t i = 0; i < gw_diag_count(diag); i++) {
        if (gw_diag_at(diag, i)->level == w) {
            return gw_diag_at(diag, i)->rule;
        }
    }
    return "INTERNAL";
}

static int
s_retour(const gw_msg_t *heen, const gw_diag_t *diag, char **xml, size_t *len)
{
    gw_msg_t *ret = NULL;
    int rc = gw_retour_build(heen, diag, NULL, &ret);
    if (rc == GW_OK) {
        rc = gw_codec_encode(ret, xml, len, NULL);
    }
    gw_msg_destroy(&ret);
    return rc;
}

static size_t
s_index(const gw_msgtype_t *t)
{
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (gw_msgtype_at(i) == t) {
            return i;
        }
    }
    return 0;
}

void
gw_check_out_clear(gw_check_out_t *out)
{
    gw_free(out->text);
    gw_free(out->tap);
    gw_free(out->answer);
    gw_msg_destroy(&out->msg);
    memset(out, 0, sizeof(*out));
}

int
gw_check_run(gw_codec_t *codec, gw_diag_t *diag, const char *peer, const char *body, size_t len,
             uint32_t strip_mask, int answer_accepted, gw_check_t *res, gw_check_out_t *out)
{
    memset(res, 0, sizeof(*res));
    memset(out, 0, sizeof(*out));
    gw_diag_reset(diag);
    gw_msg_t *msg = NULL;
    char summary[1536];
    int rc = gw_codec_decode(codec, body, len, &msg, &res->type, diag);
    if (rc == GW_ENOMEM) {
        return rc;
    }
    if (rc != GW_OK) {
        s_set_error(res, out, "INTERNAL", "the gateway could not check the message: %s",
                    gw_strerror(rc));
        return GW_OK;
    }
    if (!msg) {
        /* Levels 0/1: no retourbericht (IV028), an error that names the reason. */
        s_summarise(diag, summary, sizeof(summary));
        s_set_error(res, out, s_first_rule(diag), "%s", summary);
        return GW_OK;
    }
    const gw_header_t *h = msg->bericht->Header;
    res->decoded = 1;
    snprintf(res->afzender, sizeof(res->afzender), "%s", h->Afzender);
    snprintf(res->ontvanger, sizeof(res->ontvanger), "%s", h->Ontvanger);
    snprintf(res->ident, sizeof(res->ident), "%s", h->BerichtIdentificatie->Identificatie);
    snprintf(res->dagtekening, sizeof(res->dagtekening), "%s",
             h->BerichtIdentificatie->Dagtekening);
    /* A retourbericht copies its heenbericht's header: its sender is the Ontvanger. */
    int is_retour = msg->type->kind == GW_KIND_RETOUR;
    const char *claimed = is_retour ? h->Ontvanger : h->Afzender;
    if (strcmp(claimed, peer) != 0) {
        s_set_error(res, out, "SPOOF",
                    "party %s submitted a %s whose %s is %s: a party may only send as itself",
                    peer, msg->type->name, is_retour ? "Ontvanger" : "Afzender", claimed);
        goto done;
    }
    rc = gw_rules_run(msg, diag, 0);
    if (rc != GW_OK) {
        goto done;
    }
    const gw_msgtype_t *ans = gw_msgtype_answer(msg->type);
    if (gw_diag_rejects(diag)) {
        snprintf(res->code, sizeof(res->code), "%s", s_first_rule(diag));
        if (ans) {
            res->status = GW_CHECK_REJECT;
            snprintf(res->answer_type, sizeof(res->answer_type), "%s", ans->name);
            rc = s_retour(msg, diag, &out->text, &out->text_len);
        } else {
            /* A retourbericht or a 325 cannot be answered in-band (OP090x2). */
            s_summarise(diag, summary, sizeof(summary));
            s_set_error(res, out, "CONTENT", "%s", summary);
        }
        goto done;
    }
    res->status = GW_CHECK_ACCEPT;
    /* The gemeente answers a 323 with its 325; the gateway never approves one. */
    if (answer_accepted && ans && msg->type->kind == GW_KIND_HEEN && msg->type->number != 323) {
        snprintf(res->answer_type, sizeof(res->answer_type), "%s", ans->name);
        rc = s_retour(msg, diag, &out->answer, &out->answer_len);
        if (rc != GW_OK) {
            goto done;
        }
    }
    /* The platform's copy is stripped from a copy of the model: the model itself
     * goes on to the filters unchanged. */
    if (strip_mask & (1u << s_index(msg->type))) {
        gw_msg_t *copy = gw_msg_dup(msg);
        rc = copy ? gw_tap_strip(copy, &out->tap, &out->tap_len) : GW_ENOMEM;
        gw_msg_destroy(&copy);
    }
    if (rc == GW_OK) {
        out->msg = msg; /* the filters see the model the check decoded */
        msg = NULL;
    }
done:
    gw_msg_destroy(&msg);
    if (rc == GW_ENOMEM) {
        gw_check_out_clear(out);
    }
    return rc == GW_ENOMEM ? GW_ENOMEM : GW_OK;
}
