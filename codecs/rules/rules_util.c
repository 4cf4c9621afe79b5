/*
 * Helpers shared by the intra-message rule checks (rules_int.h): element
 * paths, reading trimmed leaves the way the official XSLT does, date
 * arithmetic, the BSN 11-proef, period overlap, duplicate-key sorting and
 * walking the Clients and Contacts of a message. No rule logic lives here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/err.h"

#include "rules_int.h"

/* ---- paths ---- */

/* Paths are built for every class a rule visits, so this is on the hot path:
 * plain copies, no printf. */
static void
s_rpath_append(gw_rpath_t *p, const char *s)
{
    size_t n = strlen(s);
    size_t room = sizeof(p->buf) - 1 - p->len;
    if (n > room) {
        n = room;
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

void
gw_rpath_set(gw_rpath_t *p, const char *s)
{
    p->len = 0;
    p->buf[0] = '\0';
    s_rpath_append(p, s ? s : "");
}

size_t
gw_rpath_push(gw_rpath_t *p, const char *name)
{
    size_t mark = p->len;
    s_rpath_append(p, "/");
    s_rpath_append(p, name);
    return mark;
}

size_t
gw_rpath_pushi(gw_rpath_t *p, const char *name, size_t i)
{
    char idx[32];
    char *q = idx + sizeof(idx);
    *--q = '\0';
    *--q = ']';
    size_t v = i + 1;
    do {
        *--q = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    *--q = '[';
    size_t mark = gw_rpath_push(p, name);
    s_rpath_append(p, q);
    return mark;
}

void
gw_rpath_pop(gw_rpath_t *p, size_t mark)
{
    if (mark < p->len) {
        p->len = mark;
        p->buf[mark] = '\0';
    }
}

/* ---- leaves ---- */

/* Trimmed extent of s: *b..*e. */
static void
s_trim(const char *s, const char **b, const char **e)
{
    *b = s;
    *e = s + strlen(s);
    while (*b < *e && isspace((unsigned char)**b)) {
        (*b)++;
    }
    while (*e > *b && isspace((unsigned char)(*e)[-1])) {
        (*e)--;
    }
}

int
gw_rv_filled(const char *s)
{
    if (!s) {
        return 0;
    }
    const char *b, *e;
    s_trim(s, &b, &e);
    return b < e;
}

/* Trimmed s equals the n bytes at code. */
static int
s_eqn(const char *s, const char *code, size_t n)
{
    const char *b, *e;
    s_trim(s, &b, &e);
    return (size_t)(e - b) == n && memcmp(b, code, n) == 0;
}

int
gw_rv_eq(const char *s, const char *code)
{
    return s && s_eqn(s, code, strlen(code));
}

int
gw_rv_in(const char *s, const char *set)
{
    if (!s) {
        return 0;
    }
    const char *p = set;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (s_eqn(s, p, n)) {
            return 1;
        }
        if (!comma) {
            return 0;
        }
        p = comma + 1;
    }
}

int
gw_rv_cmp(const char *a, const char *b)
{
    if (!a || !b) {
        return (a != NULL) - (b != NULL);
    }
    const char *ab, *ae, *bb, *be;
    s_trim(a, &ab, &ae);
    s_trim(b, &bb, &be);
    size_t an = (size_t)(ae - ab), bn = (size_t)(be - bb);
    int c = memcmp(ab, bb, an < bn ? an : bn);
    if (c != 0) {
        return c;
    }
    return (an > bn) - (an < bn);
}

int
gw_rv_int(const char *s, int64_t *v)
{
    return gw_model_int(s, v) == GW_OK;
}

int
gw_rv_date(const char *s, int32_t *day)
{
    return gw_model_date(s, day) == GW_OK;
}

/* ---- dates ---- */

int64_t
gw_date_ymd(int32_t day)
{
    int y, m, d;
    gw_model_date_parts(day, &y, &m, &d);
    return (int64_t)y * 10000 + m * 100 + d;
}

int
gw_days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return dim[(m - 1) % 12];
}

int32_t
gw_date_add_months(int32_t day, int n)
{
    int y, m, d;
    gw_model_date_parts(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + n;
    int ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
    int nm = total - ny * 12 + 1;
    int last = gw_days_in_month(ny, nm);
    return gw_model_days(ny, nm, d > last ? last : d);
}

int
gw_rules_dagtekening(const gw_msg_t *msg, int32_t *day)
{
    const gw_header_t *h = msg->bericht ? msg->bericht->Header : NULL;
    if (!h || !h->BerichtIdentificatie) {
        return 0;
    }
    return gw_rv_date(h->BerichtIdentificatie->Dagtekening, day);
}

/* ---- domain ---- */

int
gw_bsn_elfproef(const char *bsn)
{
    if (!bsn) {
        return 0;
    }
    const char *b, *e;
    s_trim(bsn, &b, &e);
    if (e - b != 9) {
        return 0;
    }
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        if (!isdigit((unsigned char)b[i])) {
            return 0;
        }
        int w = i < 8 ? 9 - i : -1;
        sum += w * (b[i] - '0');
    }
    /* C's % truncates like XPath's mod, so a negative sum (0000000xy with y
     * large) fails here exactly as in the XSLT. */
    return sum % 11 == 0;
}

int
gw_span_overlap(const gw_span_t *a, const gw_span_t *b)
{
    if (!a->open && a->end < b->begin) {
        return 0;
    }
    if (!b->open && b->end < a->begin) {
        return 0;
    }
    return 1;
}

int
gw_postcode_nl(const char *s)
{
    if (!s || strlen(s) != 6) {
        return 0;
    }
    if (s[0] < '1' || s[0] > '9') {
        return 0;
    }
    for (int i = 1; i < 4; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    for (int i = 4; i < 6; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
            return 0;
        }
    }
    return 1;
}

/* ---- walking ---- */

size_t
gw_rules_nclients(const gw_msg_t *msg)
{
    const gw_bericht_t *b = msg->bericht;
    if (!b) {
        return 0;
    }
    if (b->Declaratie) {
        return b->Declaratie->Client.n;
    }
    if (b->DeclaratieAntwoord) {
        return b->DeclaratieAntwoord->Client.n;
    }
    return b->Client ? 1 : 0;
}

const gw_client_t *
gw_rules_client(const gw_msg_t *msg, size_t i, gw_rpath_t *path)
{
    const gw_bericht_t *b = msg->bericht;
    const gw_declaratie_t *d = b ? (b->Declaratie ? b->Declaratie : b->DeclaratieAntwoord) : NULL;
    if (d) {
        if (i >= d->Client.n) {
            return NULL;
        }
        gw_rpath_set(path, b->Declaratie ? "/Bericht/Declaratie" : "/Bericht/DeclaratieAntwoord");
        gw_rpath_push(path, "Clienten");
        gw_rpath_pushi(path, "Client", i);
        return &d->Client.v[i];
    }
    if (!b || !b->Client || i > 0) {
        return NULL;
    }
    gw_rpath_set(path, "/Bericht/Client");
    return b->Client;
}

int
gw_rules_each_contact(const gw_rule_t *rule, gw_rule_ctx_t *ctx, gw_contact_fn fn)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    size_t base = p.len;
    for (size_t i = 0; i < c->Relatie.n; i++) {
        const gw_relatie_t *r = &c->Relatie.v[i];
        if (!r->Contact) {
            continue;
        }
        gw_rpath_push(&p, "Relaties");
        gw_rpath_pushi(&p, "Relatie", i);
        gw_rpath_push(&p, "Contact");
        int rc = fn(rule, ctx, r->Contact, &p);
        gw_rpath_pop(&p, base);
        if (rc != GW_OK) {
            return rc;
        }
    }
    for (size_t i = 0; i < c->Contact.n; i++) {
        gw_rpath_push(&p, "Contactgegevens");
        gw_rpath_pushi(&p, "Contact", i);
        int rc = fn(rule, ctx, &c->Contact.v[i], &p);
        gw_rpath_pop(&p, base);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

int
gw_rules_each_prestatie(const gw_rule_t *rule, gw_rule_ctx_t *ctx, gw_prestatie_fn fn)
{
    gw_rpath_t p;
    const gw_client_t *c;
    for (size_t ci = 0; (c = gw_rules_client(ctx->msg, ci, &p)) != NULL; ci++) {
        for (size_t i = 0; i < c->Prestatie.n; i++) {
            size_t mark = gw_rpath_push(&p, "Prestaties");
            gw_rpath_pushi(&p, "Prestatie", i);
            int rc = fn(rule, ctx, &c->Prestatie.v[i], &p);
            gw_rpath_pop(&p, mark);
            if (rc != GW_OK) {
                return rc;
            }
        }
    }
    return GW_OK;
}

/* ---- duplicate keys ---- */

static int
s_keyrow_cmp(const void *pa, const void *pb)
{
    const gw_keyrow_t *a = pa, *b = pb;
    for (int i = 0; i < GW_KEY_MAX; i++) {
        int c = gw_rv_cmp(a->k[i], b->k[i]);
        if (c != 0) {
            return c;
        }
    }
    return (a->idx > b->idx) - (a->idx < b->idx);
}

void
gw_keyrows_sort(gw_keyrow_t *rows, size_t n)
{
    if (n > 1) {
        qsort(rows, n, sizeof(*rows), s_keyrow_cmp);
    }
}

int
gw_keyrows_same(const gw_keyrow_t *a, const gw_keyrow_t *b)
{
    for (int i = 0; i < GW_KEY_MAX; i++) {
        if (gw_rv_cmp(a->k[i], b->k[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

/* ---- product views ---- */

void
gw_prodview_toegewezen(gw_prodview_t *pv, const gw_toegewezen_product_t *p)
{
    *pv = (gw_prodview_t){
        .kind = GW_PV_TOEGEWEZEN,
        .cls = p,
        .Product = p->Product,
        .Begin = p->Ingangsdatum,
        .begin_name = "Ingangsdatum",
        .Eind = p->Einddatum,
        .eind_name = "Einddatum",
        .Omvang = p->Omvang,
        .Budget = p->Budget,
    };
}

void
gw_prodview_aangevraagd(gw_prodview_t *pv, const gw_aangevraagd_product_t *p)
{
    *pv = (gw_prodview_t){
        .kind = GW_PV_AANGEVRAAGD,
        .cls = p,
        .Product = p->Product,
        .Begin = p->ToewijzingIngangsdatum,
        .begin_name = "ToewijzingIngangsdatum",
        .Eind = p->ToewijzingEinddatum,
        .eind_name = "ToewijzingEinddatum",
        .Omvang = p->Omvang,
        .Budget = p->Budget,
    };
}

void
gw_prodview_vow(gw_prodview_t *pv, const gw_vow_product_t *p, unsigned kind)
{
    *pv = (gw_prodview_t){
        .kind = kind,
        .cls = p,
        .Product = p->Product,
        .Begin = p->GewensteIngangsdatum,
        .begin_name = "GewensteIngangsdatum",
        .Eind = p->Einddatum,
        .eind_name = "Einddatum",
        .Omvang = p->Omvang,
        .Budget = p->Budget,
    };
}

int
gw_rules_each_product(const gw_rule_t *rule, gw_rule_ctx_t *ctx, unsigned mask, gw_prod_fn fn)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    size_t base = p.len;
    gw_prodview_t pv;
    int rc = GW_OK;
    for (size_t i = 0; rc == GW_OK && (mask & GW_PV_TOEGEWEZEN) && i < c->ToegewezenProduct.n;
         i++) {
        gw_prodview_toegewezen(&pv, &c->ToegewezenProduct.v[i]);
        gw_rpath_push(&p, "ToegewezenProducten");
        gw_rpath_pushi(&p, "ToegewezenProduct", i);
        rc = fn(rule, ctx, &pv, &p);
        gw_rpath_pop(&p, base);
    }
    for (size_t i = 0; rc == GW_OK && (mask & GW_PV_AANGEVRAAGD) && i < c->AangevraagdProduct.n;
         i++) {
        gw_prodview_aangevraagd(&pv, &c->AangevraagdProduct.v[i]);
        gw_rpath_push(&p, "AangevraagdeProducten");
        gw_rpath_pushi(&p, "AangevraagdProduct", i);
        rc = fn(rule, ctx, &pv, &p);
        gw_rpath_pop(&p, base);
    }
    const gw_verzoek_t *v = c->Verzoek;
    for (size_t i = 0; rc == GW_OK && v && (mask & GW_PV_TEWIJZIGEN) && i < v->TeWijzigenProduct.n;
         i++) {
        gw_prodview_vow(&pv, &v->TeWijzigenProduct.v[i], GW_PV_TEWIJZIGEN);
        gw_rpath_push(&p, "Verzoek");
        gw_rpath_push(&p, "TeWijzigenProducten");
        gw_rpath_pushi(&p, "TeWijzigenProduct", i);
        rc = fn(rule, ctx, &pv, &p);
        gw_rpath_pop(&p, base);
    }
    for (size_t i = 0; rc == GW_OK && v && (mask & GW_PV_NIEUW) && i < v->NieuwProduct.n; i++) {
        gw_prodview_vow(&pv, &v->NieuwProduct.v[i], GW_PV_NIEUW);
        gw_rpath_push(&p, "Verzoek");
        gw_rpath_push(&p, "NieuweProducten");
        gw_rpath_pushi(&p, "NieuwProduct", i);
        rc = fn(rule, ctx, &pv, &p);
        gw_rpath_pop(&p, base);
    }
    return rc;
}
