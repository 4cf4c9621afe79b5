/*
 * The condition rules (Condities, CD) of spec §5.2: "if element A has value
 * X, element B must (not) be filled". Each check follows the template of the
 * official XSLT 2.10.5 for iJw and iWmo (identical for these rules), which
 * decides the ambiguous cases; where it matters the comment says so. A
 * finding names elements and codes, never personal data.
 */
#include "gw/err.h"

#include "rules_int.h"

/* Einddatum "groter dan 31-12-2020 of leeg" (CD080, CD095, CD096, CS338, CS343). */
static int
s_after_2020_or_empty(const char *einddatum)
{
    int32_t d;
    if (!gw_rv_filled(einddatum)) {
        return 1;
    }
    /* The XSLT compares number(translate(Einddatum,'-','')) > 20201231. */
    return gw_rv_date(einddatum, &d) && gw_date_ymd(d) > 20201231;
}

/* ---- 301 Contact / Adres ---- */

static int
s_cd005(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c, const gw_rpath_t *path)
{
    const gw_adres_t *a = c->Adres;
    if (!a) {
        return GW_OK;
    }
    /* XSLT checks both directions: Postcode without LandCode and LandCode
     * without Postcode ("anders leeg laten"). */
    int pc = gw_rv_filled(a->Postcode), lc = gw_rv_filled(a->LandCode);
    if (pc && !lc) {
        return gw_rule_report_at(rule, ctx, c, path, "Adres/LandCode",
                                 "LandCode is missing although Postcode is filled");
    }
    if (lc && !pc) {
        return gw_rule_report_at(rule, ctx, c, path, "Adres/Postcode",
                                 "Postcode is missing although LandCode is filled");
    }
    return GW_OK;
}

int
gw_check_cd005(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_contact(rule, ctx, s_cd005);
}

int
gw_check_cd007(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    const gw_communicatie_t *k = c ? c->Communicatie : NULL;
    if (!k) {
        return GW_OK;
    }
    /* Taal is filled exactly when Vorm is 1 (tolk taal). */
    int taal = gw_rv_filled(k->Taal), tolk = gw_rv_eq(k->Vorm, "1");
    if (taal == tolk) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, c, &p, "Communicatie/Taal",
                             tolk ? "Taal is missing although Communicatie/Vorm is 1"
                                  : "Taal is filled although Communicatie/Vorm is not 1");
}

static int
s_cd009(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c, const gw_rpath_t *path)
{
    if (!c->Periode || gw_rv_eq(c->Soort, "04")) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, c, path, "Periode",
                             "Periode is filled although Soort is not 04 (tijdelijk adres)");
}

int
gw_check_cd009(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_contact(rule, ctx, s_cd009);
}

static int
s_cd025(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c, const gw_rpath_t *path)
{
    const gw_adres_t *a = c->Adres;
    /* The element that must be filled is Huis/Huisnummer (XSLT). */
    if (!a || !gw_rv_eq(a->LandCode, "NL") || (a->Huis && gw_rv_filled(a->Huis->Huisnummer))) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, c, path, "Adres/Huis",
                             "Huis/Huisnummer is missing although LandCode is NL");
}

int
gw_check_cd025(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_contact(rule, ctx, s_cd025);
}

static int
s_cd034(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c, const gw_rpath_t *path)
{
    /* "Adres ... verplicht vullen": the XSLT requires Adres/Postcode. */
    if (!gw_rv_in(c->Soort, "01,03") || (c->Adres && gw_rv_filled(c->Adres->Postcode))) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, c, path, "Adres",
                             "Adres/Postcode is missing although Soort is 01 or 03");
}

int
gw_check_cd034(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_contact(rule, ctx, s_cd034);
}

/* ---- product classes (301, 315, 317) ---- */

static int
s_cd041(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv, const gw_rpath_t *path)
{
    if (!pv->Product || !gw_rv_filled(pv->Product->Code) || pv->Omvang) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, "Omvang",
                             "Omvang is missing although Product/Code is filled");
}

int
gw_check_cd041(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, GW_PV_TOEGEWEZEN | GW_PV_AANGEVRAAGD | GW_PV_NIEUW,
                                 s_cd041);
}

int
gw_check_cd043(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    for (size_t i = 0; i < c->AangevraagdProduct.n; i++) {
        const gw_aangevraagd_product_t *a = &c->AangevraagdProduct.v[i];
        int nr = gw_rv_filled(a->BeschikkingNummer);
        if (nr == gw_rv_filled(a->BeschikkingIngangsdatum)) {
            continue;
        }
        size_t mark = gw_rpath_push(&p, "AangevraagdeProducten");
        gw_rpath_pushi(&p, "AangevraagdProduct", i);
        int rc = gw_rule_report_at(
            rule, ctx, a, &p, "BeschikkingIngangsdatum",
            nr ? "BeschikkingIngangsdatum is missing although BeschikkingNummer is filled"
               : "BeschikkingIngangsdatum is filled although BeschikkingNummer is missing");
        gw_rpath_pop(&p, mark);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* ---- 323/325 Prestatie ---- */

int
gw_check_cd060(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c;
    for (size_t ci = 0; (c = gw_rules_client(ctx->msg, ci, &p)) != NULL; ci++) {
        for (size_t i = 0; i < c->Prestatie.n; i++) {
            const gw_prestatie_t *pr = &c->Prestatie.v[i];
            int credit = pr->IngediendBedrag && gw_rv_eq(pr->IngediendBedrag->DebetCredit, "C");
            int vorig =
                pr->ProductReferentie && gw_rv_filled(pr->ProductReferentie->VorigReferentieNummer);
            if (credit == vorig) {
                continue;
            }
            size_t mark = gw_rpath_push(&p, "Prestaties");
            gw_rpath_pushi(&p, "Prestatie", i);
            int rc = gw_rule_report_at(
                rule, ctx, pr, &p, "ProductReferentie/VorigReferentieNummer",
                credit ? "VorigReferentieNummer is missing on a credit Prestatie (DebetCredit C)"
                       : "VorigReferentieNummer is filled on a debet Prestatie (DebetCredit D)");
            gw_rpath_pop(&p, mark);
            if (rc != GW_OK) {
                return rc;
            }
        }
    }
    return GW_OK;
}

/* ---- 315 Verwijzer ---- */

typedef enum { CD066, CD067, CD068 } s_verwijzer_rule_t;

static int
s_verwijzer(const gw_rule_t *rule, gw_rule_ctx_t *ctx, s_verwijzer_rule_t which)
{
    gw_rpath_t p;
    const gw_client_t *c = gw_rules_client(ctx->msg, 0, &p);
    if (!c) {
        return GW_OK;
    }
    for (size_t i = 0; i < c->AangevraagdProduct.n; i++) {
        const gw_aangevraagd_product_t *a = &c->AangevraagdProduct.v[i];
        const gw_verwijzer_t *v = a->Verwijzer;
        if (!v) {
            continue;
        }
        int zorgverlener = gw_rv_in(v->Type, "02,03,04,05");
        int code = gw_rv_filled(v->ZorgverlenerCode), naam = gw_rv_filled(v->Naam);
        const char *leaf = NULL, *text = NULL;
        if (which == CD066 && zorgverlener && code && naam) {
            leaf = "Verwijzer/Naam";
            text = "Verwijzer/Naam is filled although ZorgverlenerCode is filled (Type 02..05)";
        } else if (which == CD067 && zorgverlener && !code && !naam) {
            leaf = "Verwijzer/Naam";
            text = "Verwijzer/Naam is missing although ZorgverlenerCode is empty (Type 02..05)";
        } else if (which == CD068 && !zorgverlener && code) {
            leaf = "Verwijzer/ZorgverlenerCode";
            text = "Verwijzer/ZorgverlenerCode is filled although Type is not 02..05";
        }
        if (!leaf) {
            continue;
        }
        size_t mark = gw_rpath_push(&p, "AangevraagdeProducten");
        gw_rpath_pushi(&p, "AangevraagdProduct", i);
        int rc = gw_rule_report_at(rule, ctx, a, &p, leaf, "%s", text);
        gw_rpath_pop(&p, mark);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

int
gw_check_cd066(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_verwijzer(rule, ctx, CD066);
}

int
gw_check_cd067(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_verwijzer(rule, ctx, CD067);
}

int
gw_check_cd068(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_verwijzer(rule, ctx, CD068);
}

/* ---- Budget / Omvang / Einddatum (301, 315, 317) ---- */

#define PV_ALL (GW_PV_TOEGEWEZEN | GW_PV_AANGEVRAAGD | GW_PV_TEWIJZIGEN | GW_PV_NIEUW)

static int
s_cd075(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv, const gw_rpath_t *path)
{
    if (!gw_rv_filled(pv->Budget) || gw_rv_filled(pv->Eind)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, pv->eind_name,
                             "%s is missing although Budget is filled", pv->eind_name);
}

int
gw_check_cd075(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, PV_ALL, s_cd075);
}

static int
s_cd076(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv, const gw_rpath_t *path)
{
    if (!pv->Omvang || !gw_rv_eq(pv->Omvang->Frequentie, "2") || gw_rv_filled(pv->Eind)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, pv->eind_name,
                             "%s is missing although Omvang/Frequentie is 2 (per week)",
                             pv->eind_name);
}

int
gw_check_cd076(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, PV_ALL, s_cd076);
}

/* CD077 and CD078 are the two sides of "Budget xor Omvang": a product with
 * both violates both rules, as in the XSLT (one finding each). */
static int
s_cd077(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv, const gw_rpath_t *path)
{
    if (!gw_rv_filled(pv->Budget) || !pv->Omvang) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, "Omvang",
                             "Omvang is filled although Budget is filled");
}

int
gw_check_cd077(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, PV_ALL, s_cd077);
}

static int
s_cd078(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv, const gw_rpath_t *path)
{
    if (!pv->Omvang || !pv->Budget) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, "Budget",
                             "Budget is filled although Omvang is filled");
}

int
gw_check_cd078(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, PV_ALL, s_cd078);
}

static int
s_cd079(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv, const gw_rpath_t *path)
{
    if (gw_rv_filled(pv->Budget) || pv->Product) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, "Product",
                             "Product is missing although Budget is empty");
}

int
gw_check_cd079(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, GW_PV_TOEGEWEZEN | GW_PV_AANGEVRAAGD | GW_PV_NIEUW,
                                 s_cd079);
}

/* CD080 (ToegewezenProduct), CD095 (AangevraagdProduct) and CD096
 * (NieuwProduct) are one rule on three classes: an aspecifiek or generiek
 * product (no Product/Code) ending after 2020 has no Omvang. */
static int
s_no_omvang_without_code(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv,
                         const gw_rpath_t *path)
{
    if (!pv->Omvang || (pv->Product && gw_rv_filled(pv->Product->Code)) ||
        !s_after_2020_or_empty(pv->Eind)) {
        return GW_OK;
    }
    return gw_rule_report_at(rule, ctx, pv->cls, path, "Omvang",
                             "Omvang is filled although Product/Code is empty and %s is empty "
                             "or after 2020-12-31",
                             pv->eind_name);
}

int
gw_check_cd080(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, GW_PV_TOEGEWEZEN, s_no_omvang_without_code);
}

int
gw_check_cd095(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, GW_PV_AANGEVRAAGD, s_no_omvang_without_code);
}

int
gw_check_cd096(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return gw_rules_each_product(rule, ctx, GW_PV_NIEUW, s_no_omvang_without_code);
}

/* ---- 319 Antwoord ---- */

static int
s_antwoord(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const char *antwoord, int must_fill)
{
    const gw_antwoord_t *a = ctx->msg->bericht->Antwoord;
    if (!a || !gw_rv_eq(a->VerzoekAntwoord, antwoord) ||
        gw_rv_filled(a->RedenAfwijzingVerzoek) == must_fill) {
        return GW_OK;
    }
    return gw_rule_report(rule, ctx, a, "/Bericht/Antwoord/RedenAfwijzingVerzoek",
                          must_fill ? "RedenAfwijzingVerzoek is missing although VerzoekAntwoord "
                                      "is 1 (verzoek afgewezen)"
                                    : "RedenAfwijzingVerzoek is filled although VerzoekAntwoord "
                                      "is 2 (aanvraag in onderzoek)");
}

int
gw_check_cd085(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_antwoord(rule, ctx, "1", 1);
}

int
gw_check_cd086(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    return s_antwoord(rule, ctx, "2", 0);
}

/* ---- 323 Prestatie ---- */

int
gw_check_cd087(const gw_rule_t *rule, gw_rule_ctx_t *ctx)
{
    gw_rpath_t p;
    const gw_client_t *c;
    for (size_t ci = 0; (c = gw_rules_client(ctx->msg, ci, &p)) != NULL; ci++) {
        for (size_t i = 0; i < c->Prestatie.n; i++) {
            const gw_prestatie_t *pr = &c->Prestatie.v[i];
            int need = !gw_rv_eq(pr->Eenheid, "83");
            if (need == gw_rv_filled(pr->ProductTarief)) {
                continue;
            }
            size_t mark = gw_rpath_push(&p, "Prestaties");
            gw_rpath_pushi(&p, "Prestatie", i);
            int rc = gw_rule_report_at(
                rule, ctx, pr, &p, "ProductTarief",
                need ? "ProductTarief is missing although Eenheid is not 83 (euro's)"
                     : "ProductTarief is filled although Eenheid is 83 (euro's)");
            gw_rpath_pop(&p, mark);
            if (rc != GW_OK) {
                return rc;
            }
        }
    }
    return GW_OK;
}
