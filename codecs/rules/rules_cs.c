/*
 * The constraint rules (Constraints, CS) of spec §5.2 that the XSD cannot
 * express: the BSN 11-proef, date order, code combinations, amounts and
 * calendar-month periods. Each check follows the template of the official
 * XSLT 2.10.5 (iJw and iWmo); where the two differ or the text is ambiguous
 * the comment says which reading we took. Findings never carry personal data
 * (no BSN, no name, no birth date).
 */
#include "gw/err.h"

#include "rules_int.h"

/* Report at base + "/" + leaf, with base pushed by one indexed step. */
static int
s_report_item(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, gw_rpath_t *p,
              const char *wrap, const char *item, size_t i, const char *leaf, const char *text)
{
    size_t mark = wrap ? gw_rpath_push(p, wrap) : p->len;
    gw_rpath_pushi(p, item, i);
    int rc = gw_rule_report_at(rule, ctx, cls, p, leaf, "%s", text);
    gw_rpath_pop(p, mark);
    return rc;
}

/* ---- CS002 11-proef ---- */

int
gw_check_cs002(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c;
    for (size_t ci = 0; (c = gw_rules_client(ctx->msg, ci, &p)) != NULL; ci++) {
        if (gw_bsn_elfproef(c->Bsn)) {
            continue;
        }
        int rc = gw_rule_report_at(rule, ctx, c, &p, "Bsn", "Bsn does not pass the 11-proef");
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* ---- CS003 end on or after begin ---- */

/* The XSLT (checkafter) also reports an Einddatum whose Begindatum is absent,
 * which can only happen in Contact/Periode (CDT_OpenPeriode). We follow it:
 * the official Validatiemodule rejects such a Periode with CS003. */
static int
s_end_before_begin(const char *begin, const char *end)
{
    int32_t b, e;
    if (!gw_rv_filled(end)) {
        return 0;
    }
    if (!gw_rv_date(begin, &b)) {
        return 1;
    }
    return gw_rv_date(end, &e) && e < b;
}

static int
s_cs003_contact(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c,
                const gw_rpath_t *path)
{
    if (!c->Periode || !s_end_before_begin(c->Periode->Begindatum, c->Periode->Einddatum)) {
        return GW_OK;
    }
    /* Address periods say where a person lives: no dates in the text. */
    return gw_rule_report_at(rule, ctx, c, path, "Periode/Einddatum",
                             "Periode/Einddatum lies before Begindatum or Begindatum is missing");
}

static int
s_cs003_product(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv,
                const gw_rpath_t *path)
{
    if (!s_end_before_begin(pv->Begin, pv->Eind)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, pv->eind_name, "%s %s lies before %s %s",
                             pv->eind_name, pv->Eind, pv->begin_name,
                             pv->Begin ? pv->Begin : "(missing)");
}

int
gw_check_cs003(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    int rc = gw_rules_each_contact(rule, ctx, s_cs003_contact);
    if (rc != GW_OK) {
        return rc;
    }
    return gw_rules_each_product(
        rule, ctx, GW_PV_TOEGEWEZEN | GW_PV_AANGEVRAAGD | GW_PV_TEWIJZIGEN | GW_PV_NIEUW,
        s_cs003_product);
}

/* ---- CS050 NaamGebruik and Partnernaam ---- */

/* iJw allows 1 or 6 without a Partnernaam. The iWmo XSLT allows only 1 there
 * (it has no niet-natuurlijk persoon); we follow each family's XSLT. */
static int
s_cs050_naam(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, const gw_naam_t *n,
             const gw_rpath_t *path)
{
    if (!n || !n->NaamGebruik) {
        return GW_OK;
    }
    int ijw = ctx->msg->type->family == GW_FAMILY_IJW;
    const char *allowed = n->Partnernaam ? "1,2,3,4" : ijw ? "1,6" : "1";
    if (gw_rv_in(n->NaamGebruik, allowed)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, cls, path, "Naam/NaamGebruik",
                             "NaamGebruik %s is not allowed %s a Partnernaam (allowed: %s)",
                             n->NaamGebruik, n->Partnernaam ? "with" : "without", allowed);
}

int
gw_check_cs050(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    int rc = s_cs050_naam(rule, ctx, c, c->Naam, &p);
    for (size_t i = 0; rc == GW_OK && i < c->Relatie.n; i++) {
        size_t mark = gw_rpath_push(&p, "Relaties");
        gw_rpath_pushi(&p, "Relatie", i);
        rc = s_cs050_naam(rule, ctx, &c->Relatie.v[i], c->Relatie.v[i].Naam, &p);
        gw_rpath_pop(&p, mark);
    }
    return rc;
}

/* ---- CS058 StatusAanlevering ---- */

int
gw_check_cs058(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    const int start = ctx->msg->type->number == 305;
    const size_t n = start ? c->StartProduct.n : c->StopProduct.n;
    for (size_t i = 0; i < n; i++) {
        const gw_start_stop_product_t *s = start ? &c->StartProduct.v[i] : &c->StopProduct.v[i];
        if (gw_rv_in(s->StatusAanlevering, "1,3")) {
            continue;
        }
        int rc = s_report_item(rule, ctx, s, &p, start ? "StartProducten" : "StopProducten",
                               start ? "StartProduct" : "StopProduct", i, "StatusAanlevering",
                               "StatusAanlevering must be 1 or 3");
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* ---- CS089 Dutch postcode ---- */

static int
s_cs089(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c, const gw_rpath_t *path)
{
    const gw_adres_t *a = c->Adres;
    /* An absent Postcode does not match the pattern either (XSLT). */
    if (!a || !gw_rv_eq(a->LandCode, "NL") || gw_postcode_nl(a->Postcode)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, c, path, "Adres/Postcode",
                             "Postcode does not have the Dutch format 9999AA although LandCode "
                             "is NL");
}

int
gw_check_cs089(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_contact(rule, ctx, s_cs089);
}

/* ---- CS100 not before 2021 (323) ---- */

static int
s_before_2021(const char *date)
{
    int32_t d;
    return gw_rv_date(date, &d) && gw_date_ymd(d) < 20210101;
}

static int
s_cs100_prestatie(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr,
                  const gw_rpath_t *path)
{
    if (!pr->ProductPeriode || !s_before_2021(pr->ProductPeriode->Begindatum)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pr, path, "ProductPeriode/Begindatum",
                             "ProductPeriode/Begindatum %s lies before 2021-01-01",
                             pr->ProductPeriode->Begindatum);
}

int
gw_check_cs100(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
    if (d && d->DeclaratiePeriode && s_before_2021(d->DeclaratiePeriode->Begindatum)) {
        int rc = gw_rule_report(rule, ctx, d, "/Bericht/Declaratie/DeclaratiePeriode/Begindatum",
                                "DeclaratiePeriode/Begindatum %s lies before 2021-01-01",
                                d->DeclaratiePeriode->Begindatum);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return gw_rules_each_prestatie(rule, ctx, s_cs100_prestatie);
}

/* ---- CS139 Geboortedatum and DatumGebruik ---- */

/* DatumGebruik 3: Datum 1900-01-01; 2: YYYY-01-01; 1: YYYY-MM-01. */
static int
s_cs139_ok(const gw_geboortedatum_t *g)
{
    int32_t day;
    int y, m, d;
    if (!g->DatumGebruik || !gw_rv_date(g->Datum, &day)) {
        return 1;
    }
    gw_model_date_parts(day, &y, &m, &d);
    if (gw_rv_eq(g->DatumGebruik, "3")) {
        return y == 1900 && m == 1 && d == 1;
    }
    if (gw_rv_eq(g->DatumGebruik, "2")) {
        return m == 1 && d == 1;
    }
    if (gw_rv_eq(g->DatumGebruik, "1")) {
        return d == 1;
    }
    return 1;
}

static int
s_cs139(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, const gw_geboortedatum_t *g,
        const gw_rpath_t *path)
{
    if (!g || s_cs139_ok(g)) {
        return GW_OK;
    }
    /* The birth date itself is personal data: name only the DatumGebruik code. */
    return gw_rule_report_at(rule, ctx, cls, path, "Geboortedatum",
                             "Geboortedatum/Datum does not match DatumGebruik %s", g->DatumGebruik);
}

int
gw_check_cs139(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    int rc = s_cs139(rule, ctx, c, c->Geboortedatum, &p);
    for (size_t i = 0; rc == GW_OK && i < c->Relatie.n; i++) {
        size_t mark = gw_rpath_push(&p, "Relaties");
        gw_rpath_pushi(&p, "Relatie", i);
        rc = s_cs139(rule, ctx, &c->Relatie.v[i], c->Relatie.v[i].Geboortedatum, &p);
        gw_rpath_pop(&p, mark);
    }
    return rc;
}

/* ---- CS318 no niet-natuurlijk persoon as client (iJw 301) ---- */

int
gw_check_cs318(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c || !c->Naam || !gw_rv_eq(c->Naam->NaamGebruik, "6")) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, c, &p, "Naam/NaamGebruik",
                             "NaamGebruik 6 (niet-natuurlijk persoon) is not allowed for a Client");
}

/* ---- CS325 zero amounts are debet ---- */

static int
s_zero_credit(const char *bedrag, const char *dc)
{
    int64_t v;
    /* The XSLT accepts a lower-case c as credit here. */
    return gw_rv_int(bedrag, &v) && v == 0 && (gw_rv_eq(dc, "C") || gw_rv_eq(dc, "c"));
}

static int
s_cs325_total(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_declaratie_t *d,
              const gw_bedrag_t *b, const char *path)
{
    if (!b || !s_zero_credit(b->TotaalBedrag, b->DebetCredit)) {
        return GW_OK;
    }
    return gw_rule_report(rule, ctx, d, path, "TotaalBedrag is 0 but DebetCredit is C, not D");
}

static int
s_cs325_prestatie(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr,
                  const gw_rpath_t *path)
{
    const gw_bedrag_t *b = pr->IngediendBedrag;
    if (!b || !s_zero_credit(b->Bedrag, b->DebetCredit)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pr, path, "IngediendBedrag/DebetCredit",
                             "IngediendBedrag/Bedrag is 0 but DebetCredit is C, not D");
}

int
gw_check_cs325(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_bericht_t *b = ctx->msg->bericht;
    int rc = GW_OK;
    if (b->Declaratie) {
        rc = s_cs325_total(rule, ctx, b->Declaratie, b->Declaratie->TotaalIngediendBedrag,
                           "/Bericht/Declaratie/TotaalIngediendBedrag/DebetCredit");
    } else if (b->DeclaratieAntwoord) {
        const gw_declaratie_t *d = b->DeclaratieAntwoord;
        rc = s_cs325_total(rule, ctx, d, d->TotaalIngediendBedrag,
                           "/Bericht/DeclaratieAntwoord/TotaalIngediendBedrag/DebetCredit");
        if (rc == GW_OK) {
            rc = s_cs325_total(rule, ctx, d, d->TotaalToegekendBedrag,
                               "/Bericht/DeclaratieAntwoord/TotaalToegekendBedrag/DebetCredit");
        }
    }
    if (rc != GW_OK) {
        return rc;
    }
    return gw_rules_each_prestatie(rule, ctx, s_cs325_prestatie);
}

/* ---- CS335 / CS336 RedenWijziging (301) ---- */

int
gw_check_cs335(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    for (size_t i = 0; c && i < c->ToegewezenProduct.n; i++) {
        const gw_toegewezen_product_t *t = &c->ToegewezenProduct.v[i];
        int32_t in, eind;
        /* Like the XSLT (checkDateEquals), only a present Einddatum is
         * compared: RedenWijziging 13 without Einddatum is not a CS335 error. */
        if (!gw_rv_eq(t->RedenWijziging, "13") || !gw_rv_date(t->Einddatum, &eind) ||
            (gw_rv_date(t->Ingangsdatum, &in) && in == eind)) {
            continue;
        }
        int rc = s_report_item(rule, ctx, t, &p, "ToegewezenProducten", "ToegewezenProduct", i,
                               "RedenWijziging",
                               "RedenWijziging 13 (verwijderd) but Einddatum differs from "
                               "Ingangsdatum");
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

int
gw_check_cs336(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    for (size_t i = 0; c && i < c->ToegewezenProduct.n; i++) {
        const gw_toegewezen_product_t *t = &c->ToegewezenProduct.v[i];
        if (!gw_rv_eq(t->RedenWijziging, "01")) {
            continue;
        }
        int rc = s_report_item(rule, ctx, t, &p, "ToegewezenProducten", "ToegewezenProduct", i,
                               "RedenWijziging",
                               "RedenWijziging 01 (administratieve correctie, vervallen) is not "
                               "allowed");
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* ---- CS337 ProductPeriode within one calendar month (323) ---- */

static int
s_cs337(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr, const gw_rpath_t *path)
{
    const gw_periode_t *pp = pr->ProductPeriode;
    int32_t b, e;
    if (!pp || !gw_rv_date(pp->Begindatum, &b) || !gw_rv_date(pp->Einddatum, &e) ||
        gw_date_ymd(b) / 100 == gw_date_ymd(e) / 100) {
        return GW_OK;
    }
    /* The XSLT checks year and month separately; one finding suffices. */
    return gw_rule_report_at(rule, ctx, pr, path, "ProductPeriode/Einddatum",
                             "ProductPeriode %s..%s spans more than one calendar month",
                             pp->Begindatum, pp->Einddatum);
}

int
gw_check_cs337(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_prestatie(rule, ctx, s_cs337);
}

/* ---- CS338 / CS343 Frequentie for Eenheid 14, 16, 83, 84 ---- */

static int
s_frequentie(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv,
             const gw_rpath_t *path)
{
    const gw_omvang_t *o = pv->Omvang;
    int32_t d;
    if (!o || !gw_rv_in(o->Eenheid, "14,16,83,84") || gw_rv_in(o->Frequentie, "2,4,6")) {
        return GW_OK;
    }
    if (gw_rv_filled(pv->Eind) && !(gw_rv_date(pv->Eind, &d) && gw_date_ymd(d) > 20201231)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, "Omvang/Frequentie",
                             "Frequentie %s is not 2, 4 or 6 although Eenheid is %s",
                             o->Frequentie ? o->Frequentie : "(missing)", o->Eenheid);
}

int
gw_check_cs338(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, GW_PV_TOEGEWEZEN | GW_PV_TEWIJZIGEN | GW_PV_NIEUW,
                                 s_frequentie);
}

int
gw_check_cs343(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, GW_PV_AANGEVRAAGD, s_frequentie);
}

/* ---- CS339 euro's: IngediendBedrag equals GeleverdVolume (323) ---- */

static int
s_cs339(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr, const gw_rpath_t *path)
{
    int64_t vol, bedrag;
    if (!gw_rv_eq(pr->Eenheid, "83") || !pr->IngediendBedrag ||
        !gw_rv_int(pr->GeleverdVolume, &vol) || !gw_rv_int(pr->IngediendBedrag->Bedrag, &bedrag) ||
        vol == bedrag) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pr, path, "IngediendBedrag/Bedrag",
                             "IngediendBedrag/Bedrag %lld differs from GeleverdVolume %lld with "
                             "Eenheid 83 (euro's)",
                             (long long)bedrag, (long long)vol);
}

int
gw_check_cs339(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_prestatie(rule, ctx, s_cs339);
}

/* ---- CS340 DeclaratiePeriode is one whole calendar month (323) ---- */

int
gw_check_cs340(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    const gw_declaratie_t *d = ctx->msg->bericht->Declaratie;
    const gw_periode_t *pp = d ? d->DeclaratiePeriode : NULL;
    int32_t b, e;
    if (!pp || !gw_rv_date(pp->Begindatum, &b) || !gw_rv_date(pp->Einddatum, &e)) {
        return GW_OK;
    }
    int y, m, day;
    gw_model_date_parts(b, &y, &m, &day);
    /* The XSLT tests day 01 and Einddatum + 1 day == Begindatum + 1 month;
     * together: Begindatum is the 1st and Einddatum the last of that month. */
    if (day == 1 && e == gw_model_days(y, m, gw_days_in_month(y, m))) {
        return GW_OK;
    }
    return gw_rule_report(rule, ctx, d, "/Bericht/Declaratie/DeclaratiePeriode",
                          "DeclaratiePeriode %s..%s is not exactly one calendar month",
                          pp->Begindatum, pp->Einddatum);
}
