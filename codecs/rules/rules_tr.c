/*
 * The technical rules (Technische regels, TR) of spec §5.2 that one message
 * decides (level 2, 0001), TR319's intra-message part, and the two
 * external-source rules that need only the message and the system date:
 * TR135 (8848) and TR346 (9346, spec §5.3). Each check follows the template
 * of the official XSLT 2.10.5; where iJw and iWmo differ, or the rule text
 * is ambiguous, the comment says which reading we took and why. Findings
 * name elements, codes, product dates and amounts; never a BSN, a name or a
 * birth date.
 */
#include "gw/alloc.h"
#include "gw/err.h"

#include "rules_int.h"

/* ---- shared pieces ---- */

/* Signed value of an amount with DebetCredit (C negative). 1 when it parsed. */
static int
s_signed(const char *amount, const char *dc, int64_t *v)
{
    if (!gw_rv_int(amount, v)) {
        return 0;
    }
    if (gw_rv_eq(dc, "C")) {
        *v = -*v;
    }
    return 1;
}

/* Sum of IngediendBedrag over all Prestaties, debet minus credit (TR342, TR358). */
static int64_t
s_prestaties_sum(const gw_declaratie_t *d)
{
    int64_t sum = 0;
    for (size_t ci = 0; ci < d->Client.n; ci++) {
        const gw_client_t *c = &d->Client.v[ci];
        for (size_t i = 0; i < c->Prestatie.n; i++) {
            const gw_bedrag_t *b = c->Prestatie.v[i].IngediendBedrag;
            int64_t v;
            /* The XSLT sums D and C rows only; other values count for nothing. */
            if (b && (gw_rv_eq(b->DebetCredit, "D") || gw_rv_eq(b->DebetCredit, "C")) &&
                s_signed(b->Bedrag, b->DebetCredit, &v)) {
                sum += v;
            }
        }
    }
    return sum;
}

/* ---- TR002 Geboortedatum at most 120 years before Dagtekening ---- */

static int
s_tr002(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, const gw_geboortedatum_t *g,
        const gw_rpath_t *path, int32_t dagtekening)
{
    int32_t d;
    if (!g || !gw_rv_date(g->Datum, &d)) {
        return GW_OK;
    }
    /* "tenzij Geboortedatum onbekend is": DatumGebruik 3 with 1900-01-01. */
    if (gw_rv_eq(g->DatumGebruik, "3") && gw_date_ymd(d) == 19000101) {
        return GW_OK;
    }
    /* The XSLT adds 1200000 to YYYYMMDD: exactly 120 years, no day overflow. */
    if (gw_date_ymd(d) + 1200000 >= gw_date_ymd(dagtekening)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, cls, path, "Geboortedatum/Datum",
                             "Geboortedatum lies more than 120 years before the Dagtekening");
}

int
gw_check_tr002(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    int32_t dag;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c || !gw_rules_dagtekening(ctx->msg, &dag)) {
        return GW_OK;
    }
    int rc = s_tr002(rule, ctx, c, c->Geboortedatum, &p, dag);
    for (size_t i = 0; rc == GW_OK && i < c->Relatie.n; i++) {
        size_t mark = gw_rpath_push(&p, "Relaties");
        gw_rpath_pushi(&p, "Relatie", i);
        rc = s_tr002(rule, ctx, &c->Relatie.v[i], c->Relatie.v[i].Geboortedatum, &p, dag);
        gw_rpath_pop(&p, mark);
    }
    return rc;
}

/* ---- TR006 Contact has Telefoon or Huis + Postcode ---- */

static int
s_tr006(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c, const gw_rpath_t *path)
{
    if (c->Telefoon || (c->Adres && c->Adres->Huis && c->Adres->Postcode)) {
        return GW_OK;
    }
    /* The XSLT tests Huis and Postcode separately; one finding per Contact. */
    return gw_rule_report_at(rule, ctx, c, path, NULL,
                             "Contact has neither Telefoon nor both Adres/Huis and Adres/Postcode");
}

int
gw_check_tr006(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_contact(rule, ctx, s_tr006);
}

/* ---- TR018 StopProduct Einddatum not before Begindatum (307) ---- */

int
gw_check_tr018(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    for (size_t i = 0; c && i < c->StopProduct.n; i++) {
        const gw_start_stop_product_t *s = &c->StopProduct.v[i];
        int32_t b, e;
        if (!gw_rv_date(s->Einddatum, &e) || (gw_rv_date(s->Begindatum, &b) && e >= b)) {
            continue;
        }
        size_t mark = gw_rpath_push(&p, "StopProducten");
        gw_rpath_pushi(&p, "StopProduct", i);
        int rc = gw_rule_report_at(rule, ctx, s, &p, "Einddatum",
                                   "Einddatum %s lies before Begindatum %s", s->Einddatum,
                                   s->Begindatum ? s->Begindatum : "(missing)");
        gw_rpath_pop(&p, mark);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* ---- TR061 a BRP-, correspondentie- or verblijfadres (301) ---- */

int
gw_check_tr061(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    /* The XSLT looks at Contactgegevens/Contact/Soort only (not at Relaties). */
    for (size_t i = 0; i < c->Contact.n; i++) {
        if (gw_rv_in(c->Contact.v[i].Soort, "01,02,03")) {
            return GW_OK;
        }
    }
    return gw_rule_report_at(rule, ctx, c, &p, "Contactgegevens",
                             "no Contact with Soort 01, 02 or 03");
}

/* ---- TR101 no duplicate rows ---- */

/* Where the rows of one list live, for reporting. */
typedef struct s_list {
    const gw_rpath_t *base; /* path of the parent class */
    const char *wrap;       /* folded wrapper element, or NULL */
    const char *item;       /* element name of a row */
    const void *v;          /* first row */
    size_t size;            /* sizeof a row */
} s_list_t;

/* Report row as a repeat of first: "<item>[row] <what> <item>[first]" (1-based). */
static int
s_report_row(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const s_list_t *l, const char *what,
             size_t row, size_t first)
{
    gw_rpath_t p = *l->base;
    if (l->wrap) {
        gw_rpath_push(&p, l->wrap);
    }
    gw_rpath_pushi(&p, l->item, row);
    /* Only positions: the key itself may be a BSN. */
    return gw_rule_report_at(rule, ctx, (const char *)l->v + row * l->size, &p, NULL,
                             "%s[%zu] %s %s[%zu]", l->item, row + 1, what, l->item, first + 1);
}

/* Sort rows and report duplicates: each=0 reports the last row of every
 * group (as the XSLT's TR101 does), each=1 every row after the first. */
static int
s_report_dups(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const s_list_t *l, const char *what,
              gw_keyrow_t *rows, size_t n, int each)
{
    gw_keyrows_sort(rows, n);
    for (size_t g = 0; g < n;) {
        size_t e = g + 1;
        while (e < n && gw_keyrows_same(&rows[g], &rows[e])) {
            e++;
        }
        for (size_t k = each ? g + 1 : e - 1; e - g > 1 && k < e; k++) {
            int rc = s_report_row(rule, ctx, l, what, rows[k].idx, rows[g].idx);
            if (rc != GW_OK) {
                return rc;
            }
        }
        g = e;
    }
    return GW_OK;
}

typedef void (*s_key_fn)(const void *row, gw_keyrow_t *k);

static const char *
s_cat(const gw_product_t *p)
{
    return p ? p->Categorie : NULL;
}

static const char *
s_code(const gw_product_t *p)
{
    return p ? p->Code : NULL;
}

static void
s_key_relatie(const void *row, gw_keyrow_t *k)
{
    k->k[0] = ((const gw_relatie_t *)row)->Nummer;
}

static void
s_key_contact(const void *row, gw_keyrow_t *k)
{
    k->k[0] = ((const gw_contact_t *)row)->Soort;
}

static void
s_key_toegewezen(const void *row, gw_keyrow_t *k)
{
    k->k[0] = ((const gw_toegewezen_product_t *)row)->ToewijzingNummer;
}

static void
s_key_start(const void *row, gw_keyrow_t *k)
{
    const gw_start_stop_product_t *s = row;
    k->k[0] = s->Begindatum;
    k->k[1] = s_cat(s->Product);
    k->k[2] = s_code(s->Product);
    k->k[3] = s->ToewijzingNummer;
}

static void
s_key_stop(const void *row, gw_keyrow_t *k)
{
    const gw_start_stop_product_t *s = row;
    k->k[0] = s->Begindatum;
    k->k[1] = s->Einddatum;
    k->k[2] = s_cat(s->Product);
    k->k[3] = s_code(s->Product);
    k->k[4] = s->RedenBeeindiging;
    k->k[5] = s->ToewijzingNummer;
}

static void
s_key_aangevraagd(const void *row, gw_keyrow_t *k)
{
    k->k[0] = ((const gw_aangevraagd_product_t *)row)->ReferentieAanbieder;
}

static void
s_key_nieuw(const void *row, gw_keyrow_t *k)
{
    const gw_vow_product_t *v = row;
    k->k[0] = v->GewensteIngangsdatum;
    k->k[1] = s_cat(v->Product);
    k->k[2] = s_code(v->Product);
}

static void
s_key_toewijzing(const void *row, gw_keyrow_t *k)
{
    k->k[0] = ((const gw_vow_product_t *)row)->ToewijzingNummer;
}

static void
s_key_client(const void *row, gw_keyrow_t *k)
{
    k->k[0] = ((const gw_client_t *)row)->Bsn;
}

static void
s_key_prestatie(const void *row, gw_keyrow_t *k)
{
    const gw_referentie_t *r = ((const gw_prestatie_t *)row)->ProductReferentie;
    k->k[0] = r ? r->ReferentieNummer : NULL;
    k->k[1] = r ? r->VorigReferentieNummer : NULL;
}

/* TR101 on one list: rows with equal logical keys (spec §2.7). Keys are
 * compared as trimmed text, as the XSLT compares text(); rows are siblings,
 * so a Prestatie is compared within its Client (the parent key). */
static int
s_tr101_list(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const s_list_t *l, size_t n, s_key_fn key)
{
    if (n < 2) {
        return GW_OK;
    }
    gw_keyrow_t *rows = gw_calloc(n, sizeof(*rows));
    if (!rows) {
        return GW_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        key((const char *)l->v + i * l->size, &rows[i]);
        rows[i].idx = i;
    }
    int rc = s_report_dups(rule, ctx, l, "has the same logical key as", rows, n, 0);
    gw_free(rows);
    return rc;
}

#define LIST(BASE, WRAP, ITEM, L)                                                                  \
    {                                                                                              \
        (BASE), (WRAP), (ITEM), (L).v, sizeof(*(L).v)                                              \
    }

int
gw_check_tr101(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c;
    int rc = GW_OK;
    const gw_bericht_t *b = ctx->msg->bericht;
    const gw_declaratie_t *d = b->Declaratie ? b->Declaratie : b->DeclaratieAntwoord;
    if (d) {
        gw_rpath_t dp;
        gw_rpath_set(&dp, b->Declaratie ? "/Bericht/Declaratie" : "/Bericht/DeclaratieAntwoord");
        s_list_t l = LIST(&dp, "Clienten", "Client", d->Client);
        rc = s_tr101_list(rule, ctx, &l, d->Client.n, s_key_client);
    }
    for (size_t ci = 0; rc == GW_OK && (c = gw_rules_client(ctx->msg, ci, &p)) != NULL; ci++) {
        s_list_t lists[] = {
            LIST(&p, "Relaties", "Relatie", c->Relatie),
            LIST(&p, "Contactgegevens", "Contact", c->Contact),
            LIST(&p, "ToegewezenProducten", "ToegewezenProduct", c->ToegewezenProduct),
            LIST(&p, "StartProducten", "StartProduct", c->StartProduct),
            LIST(&p, "StopProducten", "StopProduct", c->StopProduct),
            LIST(&p, "AangevraagdeProducten", "AangevraagdProduct", c->AangevraagdProduct),
            LIST(&p, "Prestaties", "Prestatie", c->Prestatie),
        };
        const size_t counts[] = {c->Relatie.n,      c->Contact.n,     c->ToegewezenProduct.n,
                                 c->StartProduct.n, c->StopProduct.n, c->AangevraagdProduct.n,
                                 c->Prestatie.n};
        const s_key_fn keys[] = {s_key_relatie, s_key_contact,     s_key_toegewezen, s_key_start,
                                 s_key_stop,    s_key_aangevraagd, s_key_prestatie};
        for (size_t i = 0; rc == GW_OK && i < sizeof(keys) / sizeof(keys[0]); i++) {
            rc = s_tr101_list(rule, ctx, &lists[i], counts[i], keys[i]);
        }
        const gw_verzoek_t *v = c->Verzoek;
        if (rc == GW_OK && v) {
            gw_rpath_t vp = p;
            gw_rpath_push(&vp, "Verzoek");
            s_list_t vl[] = {
                LIST(&vp, "OngewijzigdeProducten", "OngewijzigdProduct", v->OngewijzigdProduct),
                LIST(&vp, "TeWijzigenProducten", "TeWijzigenProduct", v->TeWijzigenProduct),
                LIST(&vp, "NieuweProducten", "NieuwProduct", v->NieuwProduct),
            };
            rc = s_tr101_list(rule, ctx, &vl[0], v->OngewijzigdProduct.n, s_key_toewijzing);
            if (rc == GW_OK) {
                rc = s_tr101_list(rule, ctx, &vl[1], v->TeWijzigenProduct.n, s_key_toewijzing);
            }
            if (rc == GW_OK) {
                rc = s_tr101_list(rule, ctx, &vl[2], v->NieuwProduct.n, s_key_nieuw);
            }
        }
    }
    return rc;
}

/* ---- TR134 dates not after the Dagtekening ---- */

/* what: the element as named in the text; personal: do not print the date. */
static int
s_tr134_one(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, const gw_rpath_t *path,
            const char *leaf, const char *date, int32_t dag, int personal)
{
    int32_t d;
    if (!gw_rv_date(date, &d) || d <= dag) {
        return GW_OK;
    }
    if (personal) {
        return gw_rule_report_at(rule, ctx, cls, path, leaf, "%s lies after the Dagtekening", leaf);
    }
    return gw_rule_report_at(rule, ctx, cls, path, leaf, "%s %s lies after the Dagtekening", leaf,
                             date);
}

static int
s_tr134_prestatie(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr,
                  const gw_rpath_t *path)
{
    int32_t dag;
    if (!pr->ProductPeriode || !gw_rules_dagtekening(ctx->msg, &dag)) {
        return GW_OK;
    }
    return s_tr134_one(rule, ctx, pr, path, "ProductPeriode/Begindatum",
                       pr->ProductPeriode->Begindatum, dag, 0);
}

int
gw_check_tr134(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    int32_t dag;
    if (!gw_rules_dagtekening(ctx->msg, &dag)) {
        return GW_OK;
    }
    int number = ctx->msg->type->number;
    if (number == 323 || number == 325) {
        const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
        if (d && d->DeclaratiePeriode) {
            gw_rpath_t dp;
            gw_rpath_set(&dp, "/Bericht/Declaratie");
            int rc = s_tr134_one(rule, ctx, d, &dp, "DeclaratiePeriode/Begindatum",
                                 d->DeclaratiePeriode->Begindatum, dag, 0);
            if (rc != GW_OK) {
                return rc;
            }
        }
        return gw_rules_each_prestatie(rule, ctx, s_tr134_prestatie);
    }
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    int rc = c->Geboortedatum ? s_tr134_one(rule, ctx, c, &p, "Geboortedatum/Datum",
                                            c->Geboortedatum->Datum, dag, 1)
                              : GW_OK;
    size_t base = p.len;
    for (size_t i = 0; rc == GW_OK && i < c->Relatie.n; i++) {
        const gw_relatie_t *r = &c->Relatie.v[i];
        gw_rpath_push(&p, "Relaties");
        gw_rpath_pushi(&p, "Relatie", i);
        if (r->Geboortedatum) {
            rc = s_tr134_one(rule, ctx, r, &p, "Geboortedatum/Datum", r->Geboortedatum->Datum, dag,
                             1);
        }
        gw_rpath_pop(&p, base);
    }
    for (size_t i = 0; rc == GW_OK && i < c->ToegewezenProduct.n; i++) {
        const gw_toegewezen_product_t *t = &c->ToegewezenProduct.v[i];
        gw_rpath_push(&p, "ToegewezenProducten");
        gw_rpath_pushi(&p, "ToegewezenProduct", i);
        rc = s_tr134_one(rule, ctx, t, &p, "Toewijzingsdatum", t->Toewijzingsdatum, dag, 0);
        gw_rpath_pop(&p, base);
    }
    for (size_t i = 0; rc == GW_OK && i < c->StartProduct.n; i++) {
        const gw_start_stop_product_t *s = &c->StartProduct.v[i];
        gw_rpath_push(&p, "StartProducten");
        gw_rpath_pushi(&p, "StartProduct", i);
        rc = s_tr134_one(rule, ctx, s, &p, "Begindatum", s->Begindatum, dag, 0);
        gw_rpath_pop(&p, base);
    }
    for (size_t i = 0; rc == GW_OK && i < c->StopProduct.n; i++) {
        const gw_start_stop_product_t *s = &c->StopProduct.v[i];
        gw_rpath_push(&p, "StopProducten");
        gw_rpath_pushi(&p, "StopProduct", i);
        rc = s_tr134_one(rule, ctx, s, &p, "Einddatum", s->Einddatum, dag, 0);
        gw_rpath_pop(&p, base);
    }
    return rc;
}

/* ---- TR137 period end: not before its begin, not after the Dagtekening ---- */

static int
s_tr137_one(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, const gw_rpath_t *path,
            const char *what, const gw_periode_t *pp)
{
    int32_t b, e, dag;
    if (!pp || !gw_rv_date(pp->Einddatum, &e) || !gw_rules_dagtekening(ctx->msg, &dag)) {
        return GW_OK;
    }
    if (gw_rv_date(pp->Begindatum, &b) && e >= b && e <= dag) {
        return GW_OK;
    }
    /* The XSLT reports the two halves separately; one finding per period. */
    return gw_rule_report_at(rule, ctx, cls, path, NULL,
                             "%s/Einddatum %s lies before Begindatum %s or after the Dagtekening",
                             what, pp->Einddatum, pp->Begindatum ? pp->Begindatum : "(missing)");
}

static int
s_tr137_prestatie(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr,
                  const gw_rpath_t *path)
{
    gw_rpath_t p = *path;
    gw_rpath_push(&p, "ProductPeriode");
    return s_tr137_one(rule, ctx, pr, &p, "ProductPeriode", pr->ProductPeriode);
}

int
gw_check_tr137(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
    if (d) {
        gw_rpath_t p;
        gw_rpath_set(&p, "/Bericht/Declaratie/DeclaratiePeriode");
        int rc = s_tr137_one(rule, ctx, d, &p, "DeclaratiePeriode", d->DeclaratiePeriode);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return gw_rules_each_prestatie(rule, ctx, s_tr137_prestatie);
}

/* ---- TR302 / TR386 / TR410 no overlapping periods for the same product ---- */

/* The XSLT's product test for two rows: same Categorie and Code; or same
 * Categorie when either lacks a Code (the check runs per categorie); or
 * either has neither (then nothing may overlap). */
static int
s_same_product(const gw_product_t *a, const gw_product_t *b)
{
    const char *ac = s_code(a), *bc = s_code(b), *ak = s_cat(a), *bk = s_cat(b);
    int same_cat = ak && bk && gw_rv_cmp(ak, bk) == 0;
    if (ac && bc && gw_rv_cmp(ac, bc) == 0 && same_cat) {
        return 1;
    }
    if ((!ac || !bc) && same_cat) {
        return 1;
    }
    return (!ac && !ak) || (!bc && !bk);
}

/* TR302 ignores toewijzingen deleted with RedenWijziging 01 or 13, which
 * have Einddatum = Ingangsdatum (XSLT ignoreForTR302). */
static int
s_deleted(const gw_prodview_t *pv)
{
    if (pv->kind != GW_PV_TOEGEWEZEN) {
        return 0;
    }
    const gw_toegewezen_product_t *t = pv->cls;
    int32_t in, eind;
    return gw_rv_in(t->RedenWijziging, "01,13") && gw_rv_date(t->Einddatum, &eind) &&
           gw_rv_date(t->Ingangsdatum, &in) && in == eind;
}

static int
s_span(const gw_prodview_t *pv, gw_span_t *s)
{
    if (!gw_rv_date(pv->Begin, &s->begin)) {
        return 0;
    }
    s->open = !gw_rv_date(pv->Eind, &s->end);
    return 1;
}

/* View of row i of the list kind. */
static void
s_view(const gw_client_t *c, unsigned kind, size_t i, gw_prodview_t *pv)
{
    if (kind == GW_PV_TOEGEWEZEN) {
        gw_prodview_toegewezen(pv, &c->ToegewezenProduct.v[i]);
    } else if (kind == GW_PV_AANGEVRAAGD) {
        gw_prodview_aangevraagd(pv, &c->AangevraagdProduct.v[i]);
    } else {
        gw_prodview_vow(pv, &c->Verzoek->NieuwProduct.v[i], GW_PV_NIEUW);
    }
}

static int
s_overlaps(const gw_rule_t *rule, gw_rule_ctx_t *ctx, unsigned kind)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    const char *wrap, *item;
    size_t n;
    if (kind == GW_PV_TOEGEWEZEN) {
        wrap = "ToegewezenProducten";
        item = "ToegewezenProduct";
        n = c->ToegewezenProduct.n;
    } else if (kind == GW_PV_AANGEVRAAGD) {
        wrap = "AangevraagdeProducten";
        item = "AangevraagdProduct";
        n = c->AangevraagdProduct.n;
    } else {
        wrap = "Verzoek/NieuweProducten";
        item = "NieuwProduct";
        n = c->Verzoek ? c->Verzoek->NieuwProduct.n : 0;
    }
    /* The iWmo XSLT exempts hulpmiddelen (categorie 11..14: rolstoelen,
     * vervoer-, woonvoorzieningen, overige hulpmiddelen) from all three
     * overlap rules; the iJw XSLT has no such exemption. */
    const int wmo = ctx->msg->type->family == GW_FAMILY_IWMO;
    for (size_t j = 1; j < n; j++) {
        gw_prodview_t a, b;
        gw_span_t sa, sb;
        s_view(c, kind, j, &a);
        if (s_deleted(&a) || !s_span(&a, &sa) ||
            (wmo && a.Product && gw_rv_in(a.Product->Categorie, "11,12,13,14"))) {
            continue;
        }
        for (size_t i = 0; i < j; i++) {
            s_view(c, kind, i, &b);
            if (s_deleted(&b) || !s_span(&b, &sb) || !s_same_product(a.Product, b.Product) ||
                (wmo && b.Product && gw_rv_in(b.Product->Categorie, "11,12,13,14")) ||
                !gw_span_overlap(&sa, &sb)) {
                continue;
            }
            size_t mark = gw_rpath_push(&p, wrap);
            gw_rpath_pushi(&p, item, j);
            int rc = gw_rule_report_at(rule, ctx, a.cls, &p, NULL,
                                       "%s[%zu] (%s..%s) overlaps %s[%zu] (%s..%s) for the same "
                                       "product",
                                       item, j + 1, a.Begin, a.Eind ? a.Eind : "", item, i + 1,
                                       b.Begin, b.Eind ? b.Eind : "");
            gw_rpath_pop(&p, mark);
            if (rc != GW_OK) {
                return rc;
            }
        }
    }
    return GW_OK;
}

int
gw_check_tr302(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_overlaps(rule, ctx, GW_PV_TOEGEWEZEN);
}

int
gw_check_tr386(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_overlaps(rule, ctx, GW_PV_AANGEVRAAGD);
}

int
gw_check_tr410(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_overlaps(rule, ctx, GW_PV_NIEUW);
}

/* ---- TR315 / TR316 credits within one declaratie (323) ---- */

/* Every Prestatie of the message in document order, flattened. */
typedef struct s_flat {
    const gw_prestatie_t *pr; /* the Prestatie */
    size_t client;            /* its Client index */
    size_t idx;               /* its index under Prestaties */
} s_flat_t;

static int
s_flatten(const gw_msg_t *msg, s_flat_t **out, size_t *n)
{
    gw_rpath_t p;
    const gw_client_t *c;
    size_t total = 0;
    for (size_t ci = 0; (c = gw_rules_client(msg, ci, &p)) != NULL; ci++) {
        total += c->Prestatie.n;
    }
    *out = NULL;
    *n = total;
    if (total == 0) {
        return GW_OK;
    }
    s_flat_t *f = gw_calloc(total, sizeof(*f));
    if (!f) {
        return GW_ENOMEM;
    }
    size_t k = 0;
    for (size_t ci = 0; (c = gw_rules_client(msg, ci, &p)) != NULL; ci++) {
        for (size_t i = 0; i < c->Prestatie.n; i++) {
            f[k++] = (s_flat_t){&c->Prestatie.v[i], ci, i};
        }
    }
    *out = f;
    return GW_OK;
}

/* Report at Prestatie f: "<what> Prestatie <other> of the message" (1-based). */
static int
s_report_flat(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const s_flat_t *f, const char *leaf,
              const char *what, size_t other)
{
    gw_rpath_t p;
    if (!gw_rules_client(ctx->msg, f->client, &p)) {
        return GW_OK;
    }
    gw_rpath_push(&p, "Prestaties");
    gw_rpath_pushi(&p, "Prestatie", f->idx);
    return gw_rule_report_at(rule, ctx, f->pr, &p, leaf, "%s Prestatie %zu of the message", what,
                             other);
}

static const char *
s_vorig(const gw_prestatie_t *pr)
{
    const gw_referentie_t *r = pr->ProductReferentie;
    return r && gw_rv_filled(r->VorigReferentieNummer) ? r->VorigReferentieNummer : NULL;
}

int
gw_check_tr315(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    s_flat_t *f;
    size_t n;
    int rc = s_flatten(ctx->msg, &f, &n);
    if (rc != GW_OK || n < 2) {
        gw_free(f);
        return rc;
    }
    gw_keyrow_t *rows = gw_calloc(n, sizeof(*rows));
    if (!rows) {
        gw_free(f);
        return GW_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (s_vorig(f[i].pr)) {
            rows[m].k[0] = s_vorig(f[i].pr);
            rows[m++].idx = i;
        }
    }
    gw_keyrows_sort(rows, m);
    /* Every later Prestatie crediting the same VorigReferentieNummer, across
     * all Clients of the message (the XSLT looks at preceding Clients too). */
    for (size_t k = 1; rc == GW_OK && k < m; k++) {
        size_t g = k;
        while (g > 0 && gw_keyrows_same(&rows[g - 1], &rows[k])) {
            g--;
        }
        if (g < k) {
            rc =
                s_report_flat(rule, ctx, &f[rows[k].idx], "ProductReferentie/VorigReferentieNummer",
                              "VorigReferentieNummer is also credited by", rows[g].idx + 1);
        }
    }
    gw_free(rows);
    gw_free(f);
    return rc;
}

/* Index of a row in sorted rows whose k[0] equals key, or n. */
static size_t
s_find(const gw_keyrow_t *rows, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = gw_rv_cmp(rows[mid].k[0], key);
        if (c == 0) {
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return n;
}

int
gw_check_tr316(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    s_flat_t *f;
    size_t n;
    int rc = s_flatten(ctx->msg, &f, &n);
    if (rc != GW_OK || n == 0) {
        gw_free(f);
        return rc;
    }
    gw_keyrow_t *refs = gw_calloc(n, sizeof(*refs));
    if (!refs) {
        gw_free(f);
        return GW_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const gw_referentie_t *r = f[i].pr->ProductReferentie;
        if (r && gw_rv_filled(r->ReferentieNummer)) {
            refs[m].k[0] = r->ReferentieNummer;
            refs[m++].idx = i;
        }
    }
    gw_keyrows_sort(refs, m);
    /* A credit (VorigReferentieNummer) whose debet is a Prestatie of this
     * same message, in whatever order they appear; the XSLT reports it at the
     * later of the two, we at the credit. A Prestatie crediting itself counts. */
    for (size_t i = 0; rc == GW_OK && i < n; i++) {
        const char *vorig = s_vorig(f[i].pr);
        size_t at = vorig ? s_find(refs, m, vorig) : m;
        if (at < m) {
            rc = s_report_flat(rule, ctx, &f[i], "ProductReferentie/VorigReferentieNummer",
                               "this credit refers to the debet", refs[at].idx + 1);
        }
    }
    gw_free(refs);
    gw_free(f);
    return rc;
}

/* ---- TR319 ProductPeriode not after the DeclaratiePeriode (323) ---- */

/* The rule allows the current or an earlier declaratieperiode, and the XSLT
 * checks only that ProductPeriode Begindatum and Einddatum do not lie after
 * DeclaratiePeriode/Einddatum. A credit for an earlier month is fine. */
static int
s_tr319(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr, const gw_rpath_t *path)
{
    const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
    const gw_periode_t *pp = pr->ProductPeriode;
    int32_t end, b, e;
    if (!d || !d->DeclaratiePeriode || !pp || !gw_rv_date(d->DeclaratiePeriode->Einddatum, &end)) {
        return GW_OK;
    }
    int late =
        (gw_rv_date(pp->Begindatum, &b) && b > end) || (gw_rv_date(pp->Einddatum, &e) && e > end);
    if (!late) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pr, path, "ProductPeriode",
                             "ProductPeriode %s..%s lies after DeclaratiePeriode/Einddatum %s",
                             pp->Begindatum ? pp->Begindatum : "",
                             pp->Einddatum ? pp->Einddatum : "", d->DeclaratiePeriode->Einddatum);
}

int
gw_check_tr319(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_prestatie(rule, ctx, s_tr319);
}

/* ---- TR335 ProductPeriode ends at most 5 years before DeclaratieDagtekening ---- */

static int
s_tr335(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr, const gw_rpath_t *path)
{
    const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
    int32_t dag, e;
    if (!d || !pr->ProductPeriode || !gw_rv_date(d->DeclaratieDagtekening, &dag) ||
        !gw_rv_date(pr->ProductPeriode->Einddatum, &e)) {
        return GW_OK;
    }
    /* XSLT: Einddatum < DeclaratieDagtekening - 60 months (day truncated to
     * the month's end, 29 Feb -> 28 Feb). */
    if (e >= gw_date_add_months(dag, -60)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pr, path, "ProductPeriode/Einddatum",
                             "ProductPeriode/Einddatum %s lies more than 5 years before "
                             "DeclaratieDagtekening %s",
                             pr->ProductPeriode->Einddatum, d->DeclaratieDagtekening);
}

int
gw_check_tr335(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_prestatie(rule, ctx, s_tr335);
}

/* ---- TR342 325 totals: listed prestaties = ingediend - toegekend ---- */

int
gw_check_tr342(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_declaratie_t *d = ctx->msg->bericht->DeclaratieAntwoord;
    int64_t ingediend, toegekend;
    if (!d || !d->TotaalIngediendBedrag || !d->TotaalToegekendBedrag ||
        !s_signed(d->TotaalIngediendBedrag->TotaalBedrag, d->TotaalIngediendBedrag->DebetCredit,
                  &ingediend) ||
        !s_signed(d->TotaalToegekendBedrag->TotaalBedrag, d->TotaalToegekendBedrag->DebetCredit,
                  &toegekend)) {
        return GW_OK;
    }
    /* A DeclaratieAntwoord rejected as a whole (a code other than 0200/8001)
     * must grant nothing; otherwise the listed (rejected) prestaties must add
     * up to what was asked minus what was granted (XSLT). */
    int rejected = 0;
    for (size_t i = 0; i < d->RetourCode.n; i++) {
        if (!gw_rv_in(d->RetourCode.v[i], "0200,8001")) {
            rejected = 1;
        }
    }
    if (rejected) {
        if (toegekend == 0) {
            return GW_OK;
        }
        return gw_rule_report(rule, ctx, d, "/Bericht/DeclaratieAntwoord/TotaalToegekendBedrag",
                              "TotaalToegekendBedrag is %lld although DeclaratieAntwoord is "
                              "rejected as a whole",
                              (long long)toegekend);
    }
    int64_t listed = s_prestaties_sum(d);
    if (listed == ingediend - toegekend) {
        return GW_OK;
    }
    return gw_rule_report(rule, ctx, d, "/Bericht/DeclaratieAntwoord/TotaalToegekendBedrag",
                          "listed Prestaties add up to %lld but TotaalIngediendBedrag - "
                          "TotaalToegekendBedrag is %lld (signed, eurocents)",
                          (long long)listed, (long long)(ingediend - toegekend));
}

/* ---- TR352 / TR353 content of a verzoek om wijziging (317) ---- */

static int
s_verzoek(const gw_rule_t *rule, gw_rule_ctx_t *ctx, int need_tewijzigen_or_nieuw)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    const gw_verzoek_t *v = c ? c->Verzoek : NULL;
    if (!v) {
        return GW_OK;
    }
    size_t other = need_tewijzigen_or_nieuw ? v->NieuwProduct.n : v->OngewijzigdProduct.n;
    if (v->TeWijzigenProduct.n + other > 0) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, v, &p, "Verzoek",
                             need_tewijzigen_or_nieuw
                                 ? "Verzoek has no TeWijzigenProduct and no NieuwProduct"
                                 : "Verzoek has no OngewijzigdProduct and no TeWijzigenProduct");
}

int
gw_check_tr352(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_verzoek(rule, ctx, 0);
}

int
gw_check_tr353(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_verzoek(rule, ctx, 1);
}

/* ---- TR358 TotaalIngediendBedrag = sum of the prestaties (323) ---- */

int
gw_check_tr358(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
    int64_t total;
    if (!d || !d->TotaalIngediendBedrag ||
        !s_signed(d->TotaalIngediendBedrag->TotaalBedrag, d->TotaalIngediendBedrag->DebetCredit,
                  &total)) {
        return GW_OK;
    }
    int64_t sum = s_prestaties_sum(d);
    if (sum == total) {
        return GW_OK;
    }
    return gw_rule_report(rule, ctx, d, "/Bericht/Declaratie/TotaalIngediendBedrag",
                          "TotaalIngediendBedrag is %lld but the Prestaties add up to %lld "
                          "(signed, eurocents)",
                          (long long)total, (long long)sum);
}

/* ---- TR377 / TR409 Woonplaatsbeginsel (iJw 319) ---- */

int
gw_check_tr377(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_antwoord_t *a = ctx->msg->bericht->Antwoord;
    if (!a || !gw_rv_eq(a->RedenAfwijzingVerzoek, "8") || a->Woonplaatsbeginsel) {
        return GW_OK;
    }
    return gw_rule_report(rule, ctx, a, "/Bericht/Antwoord/Woonplaatsbeginsel",
                          "Woonplaatsbeginsel is missing although RedenAfwijzingVerzoek is 8");
}

int
gw_check_tr409(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_antwoord_t *a = ctx->msg->bericht->Antwoord;
    /* The XSLT matches on RedenAfwijzingVerzoek: when it is absent, TR409 is
     * not checked (a Woonplaatsbeginsel without reden is left to CD085). */
    if (!a || !a->Woonplaatsbeginsel || !gw_rv_filled(a->RedenAfwijzingVerzoek) ||
        gw_rv_eq(a->RedenAfwijzingVerzoek, "8")) {
        return GW_OK;
    }
    return gw_rule_report(rule, ctx, a->Woonplaatsbeginsel, "/Bericht/Antwoord/Woonplaatsbeginsel",
                          "Woonplaatsbeginsel is filled although RedenAfwijzingVerzoek is %s, "
                          "not 8",
                          a->RedenAfwijzingVerzoek);
}

/* ---- TR380 GewensteIngangsdatum after the Dagtekening (317) ---- */

int
gw_check_tr380(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    int32_t dag, g;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    const gw_verzoek_t *v = c ? c->Verzoek : NULL;
    if (!v || !gw_rules_dagtekening(ctx->msg, &dag)) {
        return GW_OK;
    }
    gw_rpath_push(&p, "Verzoek");
    for (size_t i = 0; i < v->NieuwProduct.n; i++) {
        const gw_vow_product_t *n = &v->NieuwProduct.v[i];
        if (!gw_rv_date(n->GewensteIngangsdatum, &g) || g > dag) {
            continue;
        }
        size_t mark = gw_rpath_push(&p, "NieuweProducten");
        gw_rpath_pushi(&p, "NieuwProduct", i);
        int rc = gw_rule_report_at(rule, ctx, n, &p, "GewensteIngangsdatum",
                                   "GewensteIngangsdatum %s is not after the Dagtekening",
                                   n->GewensteIngangsdatum);
        gw_rpath_pop(&p, mark);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* ---- TR383 ReferentieAanbieder unique per AangevraagdProduct (315) ---- */

int
gw_check_tr383(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    for (size_t j = 1; c && j < c->AangevraagdProduct.n; j++) {
        const gw_aangevraagd_product_t *a = &c->AangevraagdProduct.v[j];
        size_t i = 0;
        while (i < j && gw_rv_cmp(c->AangevraagdProduct.v[i].ReferentieAanbieder,
                                  a->ReferentieAanbieder) != 0) {
            i++;
        }
        if (i == j) {
            continue;
        }
        size_t mark = gw_rpath_push(&p, "AangevraagdeProducten");
        gw_rpath_pushi(&p, "AangevraagdProduct", j);
        int rc =
            gw_rule_report_at(rule, ctx, a, &p, "ReferentieAanbieder",
                              "ReferentieAanbieder repeats that of AangevraagdProduct[%zu]", i + 1);
        gw_rpath_pop(&p, mark);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* ---- TR416 one debet per period, product and toewijzing (323) ---- */

int
gw_check_tr416(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c;
    int rc = GW_OK;
    /* The XSLT compares a debet Prestatie with its preceding siblings, i.e.
     * within one Client; credits do not count. */
    for (size_t ci = 0; rc == GW_OK && (c = gw_rules_client(ctx->msg, ci, &p)) != NULL; ci++) {
        if (c->Prestatie.n < 2) {
            continue;
        }
        gw_keyrow_t *rows = gw_calloc(c->Prestatie.n, sizeof(*rows));
        if (!rows) {
            return GW_ENOMEM;
        }
        size_t m = 0;
        for (size_t i = 0; i < c->Prestatie.n; i++) {
            const gw_prestatie_t *pr = &c->Prestatie.v[i];
            if (!pr->IngediendBedrag || !gw_rv_eq(pr->IngediendBedrag->DebetCredit, "D")) {
                continue;
            }
            rows[m].k[0] = pr->ProductPeriode ? pr->ProductPeriode->Begindatum : NULL;
            rows[m].k[1] = pr->ProductPeriode ? pr->ProductPeriode->Einddatum : NULL;
            rows[m].k[2] = pr->ProductCategorie;
            rows[m].k[3] = pr->ToewijzingNummer;
            rows[m].k[4] = pr->ProductCode;
            rows[m++].idx = i;
        }
        s_list_t l = LIST(&p, "Prestaties", "Prestatie", c->Prestatie);
        rc = s_report_dups(rule, ctx, &l,
                           "is a debet for the same ProductPeriode, product and ToewijzingNummer "
                           "as debet",
                           rows, m, 1);
        gw_free(rows);
    }
    return rc;
}

/* ---- TR135 (8848) Dagtekening not in the future ---- */

int
gw_check_tr135(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    int32_t dag;
    if (gw_rules_dagtekening(ctx->msg, &dag) && dag > ctx->today) {
        int rc = gw_rule_report(rule, ctx, NULL, "/Bericht/Header/BerichtIdentificatie/Dagtekening",
                                "Dagtekening %s lies after the system date",
                                ctx->msg->bericht->Header->BerichtIdentificatie->Dagtekening);
        if (rc != GW_OK) {
            return rc;
        }
    }
    const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
    if (d && gw_rv_date(d->DeclaratieDagtekening, &dag) && dag > ctx->today) {
        return gw_rule_report(rule, ctx, d, "/Bericht/Declaratie/DeclaratieDagtekening",
                              "DeclaratieDagtekening %s lies after the system date",
                              d->DeclaratieDagtekening);
    }
    return GW_OK;
}

/* ---- TR346 (9346) IngediendBedrag = GeleverdVolume x ProductTarief (323) ---- */

/* Amounts are eurocents. For Eenheid 01 (minuut) the ProductTarief is an
 * uurtarief (IV081): bedrag = volume x tarief / 60, rounded to whole cents
 * ("afgerond op 2 decimalen" in euros), half up. UNCERTAIN: IV081 does not say
 * whether half-up or half-even applies, and whether other units (e.g. 04 uur
 * declared per 16 dagdelen) need conversions; we only convert minutes, as the
 * spec notes. Without a ProductTarief (CD087 reports that) nothing is checked. */
static int
s_tr346(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr, const gw_rpath_t *path)
{
    int64_t vol, tarief, bedrag;
    if (gw_rv_eq(pr->Eenheid, "83") || !pr->IngediendBedrag ||
        !gw_rv_int(pr->GeleverdVolume, &vol) || !gw_rv_int(pr->ProductTarief, &tarief) ||
        !gw_rv_int(pr->IngediendBedrag->Bedrag, &bedrag)) {
        return GW_OK;
    }
    /* LDT_Volume and LDT_Bedrag are at most 99999999: the product fits in int64. */
    int64_t expect = vol * tarief;
    if (gw_rv_eq(pr->Eenheid, "01")) {
        expect = (expect + 30) / 60;
    }
    if (bedrag == expect) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pr, path, "IngediendBedrag/Bedrag",
                             "IngediendBedrag/Bedrag %lld differs from GeleverdVolume %lld x "
                             "ProductTarief %lld%s = %lld (eurocents)",
                             (long long)bedrag, (long long)vol, (long long)tarief,
                             gw_rv_eq(pr->Eenheid, "01") ? " / 60 (minuten)" : "",
                             (long long)expect);
}

int
gw_check_tr346(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_prestatie(rule, ctx, s_tr346);
}
