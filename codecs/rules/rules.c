/*
 * The rule table of the intra-message rules (spec §5.2) and of the two
 * external-source rules that need only the message and the system date
 * (TR135, TR346; spec §5.3), and the code that runs it on a decoded message.
 * Each row names the messages and families the rule applies to, as listed
 * in §5.2 (Regels per data-element) and as the official XSLT 2.10.5 applies
 * them; the check functions live in rules_cd.c, rules_cs.c and rules_tr.c.
 * Retourberichten (302..320) are never checked: no row names them.
 */
#include "gw/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gw/alloc.h"
#include "gw/err.h"

#include "rules_int.h"

#define BOTH (GW_FAMILY_IJW | GW_FAMILY_IWMO)
#define IJW  GW_FAMILY_IJW
#define L2   GW_LEVEL_CONTENT
#define L4   GW_LEVEL_EXTERNAL

/* Heenberichten whose header carries a Dagtekening (TR135) and the 325. */
#define M_DAGTEKENING                                                                              \
    (GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M319 | GW_M323 | GW_M325)

static const gw_rule_t s_rules[] = {
    /* ---- Condities (CD) ---- */
    {"CD005", L2, "0001", GW_M301, BOTH,
     "Als Postcode gevuld is, dan verplicht vullen, anders leeg laten.", gw_check_cd005},
    {"CD007", L2, "0001", GW_M301, BOTH,
     "Als Communicatie / Vorm de waarde 1 (tolk taal) heeft, dan verplicht vullen, anders "
     "leeglaten.",
     gw_check_cd007},
    {"CD009", L2, "0001", GW_M301, BOTH,
     "Alleen als Soort adres de waarde 04 (tijdelijk adres) heeft, is vullen toegestaan.",
     gw_check_cd009},
    {"CD025", L2, "0001", GW_M301, BOTH,
     "Als Adres / LandCode de waarde NL (Nederland) heeft, dan verplicht vullen.", gw_check_cd025},
    {"CD034", L2, "0001", GW_M301, BOTH,
     "Als Soort adres de waarde 1 (BRP-adres) of 3 (verblijfadres) heeft, dan verplicht vullen.",
     gw_check_cd034},
    {"CD041", L2, "0001", GW_M301 | GW_M315 | GW_M317, BOTH,
     "Indien Code in Product gevuld is, verplicht vullen.", gw_check_cd041},
    {"CD043", L2, "0001", GW_M315, BOTH,
     "Indien Beschikkingnummer gevuld is, verplicht vullen, anders leeg laten.", gw_check_cd043},
    {"CD060", L2, "0001", GW_M323 | GW_M325, BOTH,
     "Verplicht vullen indien DebetCredit bij het ingediende bedrag de waarde C (credit) heeft, "
     "anders leeg laten.",
     gw_check_cd060},
    {"CD066", L2, "0001", GW_M315, BOTH,
     "Als type verwijzer gelijk is aan 02, 03, 04 of 05 en ZorgverlenerCode is gevuld, dan is "
     "Naamverwijzer leeg.",
     gw_check_cd066},
    {"CD067", L2, "0001", GW_M315, BOTH,
     "Als type verwijzer gelijk is aan 02, 03, 04 of 05 en ZorgverlenerCode is leeg, dan is "
     "Naamverwijzer gevuld.",
     gw_check_cd067},
    {"CD068", L2, "0001", GW_M315, BOTH,
     "Als type verwijzer ongelijk is aan 02, 03, 04 of 05, dan is ZorgverlenerCode leeg.",
     gw_check_cd068},
    {"CD075", L2, "0001", GW_M301 | GW_M315 | GW_M317, BOTH,
     "Verplicht vullen indien Budget gevuld is", gw_check_cd075},
    {"CD076", L2, "0001", GW_M301 | GW_M315 | GW_M317, BOTH,
     "Verplicht vullen indien Frequentie waarde 2 (per week)", gw_check_cd076},
    {"CD077", L2, "0001", GW_M301 | GW_M315 | GW_M317, BOTH,
     "Indien Budget gevuld is, dan leeg laten", gw_check_cd077},
    {"CD078", L2, "0001", GW_M301 | GW_M315 | GW_M317, BOTH,
     "Indien Omvang gevuld is, dan leeg laten", gw_check_cd078},
    {"CD079", L2, "0001", GW_M301 | GW_M315 | GW_M317, BOTH,
     "Indien Budget leeg is, dan verplicht vullen", gw_check_cd079},
    {"CD080", L2, "0001", GW_M301, BOTH,
     "Indien Code in Product leeg is en Einddatum van het ToegewezenProduct groter dan "
     "31-12-2020 of leeg is, dan leeg laten",
     gw_check_cd080},
    {"CD085", L2, "0001", GW_M319, BOTH,
     "Als VerzoekAntwoord de waarde 1 (Verzoek afgewezen) heeft, dan vullen", gw_check_cd085},
    {"CD086", L2, "0001", GW_M319, BOTH,
     "Als VerzoekAntwoord de waarde 2 (Aanvraag in onderzoek) heeft, dan leeg laten",
     gw_check_cd086},
    {"CD087", L2, "0001", GW_M323, BOTH,
     "Als eenheid ongelijk is aan 83 (euro's) dan verplicht vullen, anders leeg laten.",
     gw_check_cd087},
    {"CD095", L2, "0001", GW_M315, BOTH,
     "Indien Code in AangevraagdProduct leeg is en ToewijzingEinddatum van het "
     "AangevraagdProduct groter dan 31-12-2020 of leeg is, dan leeg laten",
     gw_check_cd095},
    {"CD096", L2, "0001", GW_M317, BOTH,
     "Indien Code in NieuwProduct leeg is en Einddatum groter dan 31-12-2020 of leeg is, dan "
     "leeg laten",
     gw_check_cd096},

    /* ---- Constraints (CS) ---- */
    {"CS002", L2, "0001", GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M323 | GW_M325, BOTH,
     "De waarde moet voldoen aan de 11-proef.", gw_check_cs002},
    {"CS003", L2, "0001", GW_M301 | GW_M315 | GW_M317, BOTH,
     "Indien van toepassing vullen met een waarde die groter is dan, of gelijk is aan de "
     "Begindatum (of Ingangsdatum) van de aangeduide periode.",
     gw_check_cs003},
    {"CS050", L2, "0001", GW_M301, BOTH,
     "Als Partnernaam gevuld is, dan NaamGebruik vullen met waarde 1, 2, 3 of 4. Anders waarde "
     "1 of 6 vullen.",
     gw_check_cs050},
    {"CS058", L2, "0001", GW_M305 | GW_M307, BOTH,
     "1 (eerste aanlevering) of 3 (verwijderen aanlevering) vullen.", gw_check_cs058},
    {"CS089", L2, "0001", GW_M301, BOTH,
     "Als LandCode de waarde NL (Nederland) heeft, dan moet het formaat overeenkomen met dat van "
     "een Nederlandse postcode.",
     gw_check_cs089},
    {"CS100", L2, "0001", GW_M323, BOTH,
     "Vullen met een datum die groter dan of gelijk is aan 01-01-2021", gw_check_cs100},
    {"CS139", L2, "0001", GW_M301 | GW_M305 | GW_M307 | GW_M315, BOTH,
     "Voor Geboortedatum geldt dat DatumGebruik en Datum met elkaar in overeenstemming moeten "
     "zijn.",
     gw_check_cs139},
    {"CS318", L2, "0001", GW_M301, IJW, "NaamGebruik 6 (Niet-natuurlijk persoon) niet vullen.",
     gw_check_cs318},
    {"CS325", L2, "0001", GW_M323 | GW_M325, BOTH,
     "Indien (Totaal)Bedrag de waarde 0 heeft, dan DebetCredit vullen met D (Debet).",
     gw_check_cs325},
    {"CS335", L2, "0001", GW_M301, BOTH,
     "RedenWijziging 13 (verwijderd) mag alleen gebruikt worden indien de ingangsdatum gelijk is "
     "aan de einddatum",
     gw_check_cs335},
    {"CS336", L2, "0001", GW_M301, BOTH,
     "01 (Administratieve correctie (vervallen)) niet gebruiken", gw_check_cs336},
    {"CS337", L2, "0001", GW_M323, BOTH,
     "Einddatum in de ProductPeriode vullen met een datum die valt in dezelfde kalendermaand en "
     "jaar als de Begindatum van de ProductPeriode",
     gw_check_cs337},
    {"CS338", L2, "0001", GW_M301 | GW_M317, BOTH,
     "Indien eenheid de waarde 14, 16, 83 of 84 heeft en Einddatum groter dan 31-12-2020 of leeg "
     "is, dan Frequentie vullen met de waarde 2 , 4 of 6",
     gw_check_cs338},
    {"CS339", L2, "0001", GW_M323, BOTH,
     "Indien Eenheid de waarde 83 (euro's) heeft, moet IngediendBedrag gelijk zijn aan "
     "GeleverdVolume.",
     gw_check_cs339},
    {"CS340", L2, "0001", GW_M323, BOTH, "De periode is exact gelijk aan 1 hele kalendermaand",
     gw_check_cs340},
    {"CS343", L2, "0001", GW_M315, BOTH,
     "Indien eenheid de waarde 14, 16, 83 of 84 heeft en ToewijzingEinddatum is groter dan "
     "31-12-2020 of leeg, dan Frequentie vullen met waarde 2, 4 of 6",
     gw_check_cs343},

    /* ---- Technische regels, bericht inhoud (TR) ---- */
    {"TR002", L2, "0001", GW_M301 | GW_M305 | GW_M307 | GW_M315, BOTH,
     "Geboortedatum mag niet meer dan 120 jaar voor de Dagtekening liggen, tenzij Geboortedatum "
     "onbekend is.",
     gw_check_tr002},
    {"TR006", L2, "0001", GW_M301, BOTH,
     "De berichtklasse Contact moet een berichtelement Telefoon, en/of de combinatie Huis en "
     "Postcode bevatten.",
     gw_check_tr006},
    {"TR018", L2, "0001", GW_M307, BOTH, "Einddatum moet groter dan of gelijk zijn aan Begindatum.",
     gw_check_tr018},
    {"TR061", L2, "0001", GW_M301, BOTH,
     "Bij een Client moet minimaal één Adres voorkomen waarvan Soort de waarde '01' "
     "(BRP-adres), '02' (Correspondentie-adres) of '03' (Verblijfadres) heeft.",
     gw_check_tr061},
    {"TR101", L2, "0001", GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M323 | GW_M325, BOTH,
     "Binnen een bericht zijn dubbele regels niet toegestaan.", gw_check_tr101},
    {"TR134", L2, "0001", GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M323 | GW_M325, BOTH,
     "Vullen met een bestaande datum die niet groter is dan de Dagtekening van het bericht.",
     gw_check_tr134},
    {"TR137", L2, "0001", GW_M323 | GW_M325, BOTH,
     "Vullen met een waarde die groter is dan, of gelijk is aan de Begindatum van de aangeduide "
     "periode én die niet groter is dan de Dagtekening van het bericht.",
     gw_check_tr137},
    {"TR302", L2, "0001", GW_M301, BOTH,
     "Een Product mag alleen vaker in een toewijzingsbericht voorkomen indien de zorgperiodes "
     "elkaar niet overlappen",
     gw_check_tr302},
    {"TR315", L2, "0001", GW_M323, BOTH,
     "VorigReferentieNummer van de Prestatie moet uniek zijn in het bericht.", gw_check_tr315},
    {"TR316", L2, "0001", GW_M323, BOTH,
     "Debetregels mogen niet in hetzelfde bericht gecrediteerd worden.", gw_check_tr316},
    /* TR319 is berichtoverstijgend in the rule list (retourcode 9319), but the
     * official XSLT 2.10.5 implements its intra-message part and reports it as
     * a level-2 error with 0001 (spec §5.1 "Quirks", §9 item 5). We do what the
     * Validatiemodule does, so our verdict matches the official one. */
    {"TR319", L2, "0001", GW_M323, BOTH,
     "Een declaratiebericht bevat alleen prestaties waarvan de ProductPeriode valt binnen de "
     "huidige, of een voorgaande declaratieperiode.",
     gw_check_tr319},
    {"TR335", L2, "0001", GW_M323, BOTH,
     "Einddatum mag niet meer dan 5 jaar voor DeclaratieDagtekening liggen.", gw_check_tr335},
    {"TR342", L2, "0001", GW_M325, BOTH,
     "Alleen afgewezen Prestaties dienen meegestuurd te worden in het declaratie-antwoordbericht "
     "op een declaratie.",
     gw_check_tr342},
    {"TR352", L2, "0001", GW_M317, BOTH,
     "Bij een verzoek om wijziging komt minstens 1 OngewijzigdProduct of TeWijzigenProduct voor.",
     gw_check_tr352},
    {"TR353", L2, "0001", GW_M317, BOTH,
     "Bij een verzoek om wijziging komt minstens 1 TeWijzigenProduct of NieuwProduct voor.",
     gw_check_tr353},
    {"TR358", L2, "0001", GW_M323, BOTH,
     "De waarde van TotaalBedrag in TotaalIngediendBedrag  moet gelijk zijn aan de SOM van de "
     "waarden van Bedrag in Ingediendbedrag in alle onderliggende Prestaties, rekening houdend "
     "met indicatie debet/credit.",
     gw_check_tr358},
    {"TR377", L2, "0001", GW_M319, IJW,
     "Indien RedenAfwijzingVerzoek de waarde 8 (Woonplaatsbeginsel) heeft, dan berichtklasse "
     "Woonplaatsbeginsel opnemen",
     gw_check_tr377},
    {"TR380", L2, "0001", GW_M317, BOTH,
     "Vullen met een datum die groter is dan de dagtekening van het bericht.", gw_check_tr380},
    {"TR383", L2, "0001", GW_M315, BOTH,
     "ReferentieAanbieder is uniek voor elk AangevraagdProduct binnen het bericht", gw_check_tr383},
    {"TR386", L2, "0001", GW_M315, BOTH,
     "Een Product mag alleen vaker in een verzoek om toewijzing voorkomen indien de zorgperiodes "
     "elkaar niet overlappen",
     gw_check_tr386},
    {"TR409", L2, "0001", GW_M319, IJW,
     "Als RedenAfwijzingVerzoek ongelijk is aan 8 (Woonplaatsbeginsel), dan berichtklasse "
     "Woonplaatsbeginsel weglaten",
     gw_check_tr409},
    {"TR410", L2, "0001", GW_M317, BOTH,
     "Een Product mag alleen vaker in de berichtklassen NieuwProduct voorkomen als de "
     "zorgperiodes elkaar niet overlappen.",
     gw_check_tr410},
    {"TR416", L2, "0001", GW_M323, BOTH,
     "Prestatie met DebetCredit in IngediendBedrag waarde Debet mag alleen ingezonden worden "
     "voor dezelfde ProductPeriode, ProductCategorie en ProductCode met gelijk ToewijzingNummer "
     "als er niet al een Prestatie met waarde Debet is.",
     gw_check_tr416},

    /* ---- External source, decidable from one message (spec §5.3) ---- */
    {"TR135", L4, "8848", M_DAGTEKENING, BOTH,
     "Vullen met een bestaande datum die niet in de toekomst ligt.", gw_check_tr135},
    {"TR346", L4, "9346", GW_M323, BOTH,
     "Indien Eenheid ongelijk is aan waarde 83 (Euro\xe2\x80\x99s), moet IngediendBedrag gelijk "
     "zijn aan GeleverdVolume vermenigvuldigd met ProductTarief",
     gw_check_tr346},
};

#define NRULES (sizeof(s_rules) / sizeof(s_rules[0]))

size_t
gw_rules_count(void)
{
    return NRULES;
}

const gw_rule_t *
gw_rules_at(size_t i)
{
    return i < NRULES ? &s_rules[i] : NULL;
}

const gw_rule_t *
gw_rules_find(const char *code)
{
    for (size_t i = 0; code && i < NRULES; i++) {
        if (strcmp(s_rules[i].code, code) == 0) {
            return &s_rules[i];
        }
    }
    return NULL;
}

/* Today's local date as a day number. */
static int32_t
s_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm)) {
        return gw_model_days(1970, 1, 1);
    }
    return gw_model_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int
gw_rules_run(const gw_msg_t *msg, gw_diag_t *diag, int32_t today)
{
    if (!msg || !msg->type || !msg->bericht || !diag) {
        return GW_EINVAL;
    }
    gw_rule_ctx_t ctx = {msg, diag, today != 0 ? today : s_today()};
    for (size_t i = 0; i < NRULES; i++) {
        const gw_rule_t *r = &s_rules[i];
        if (!(r->msgs & msg->type->bit) || !(r->families & (unsigned)msg->type->family)) {
            continue;
        }
        int rc = r->check(r, &ctx);
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

int
gw_rule_vreport(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, const char *path,
                const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return GW_EINVAL;
    }
    char *text = gw_malloc((size_t)n + 1);
    if (!text) {
        return GW_ENOMEM;
    }
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    int rc =
        gw_diag_add(ctx->diag, rule->level, rule->code, rule->retourcode, path, 0, cls, "%s", text);
    gw_free(text);
    return rc;
}

int
gw_rule_report(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls, const char *path,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = gw_rule_vreport(rule, ctx, cls, path, fmt, ap);
    va_end(ap);
    return rc;
}

int
gw_rule_report_at(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls,
                  const gw_rpath_t *base, const char *leaf, const char *fmt, ...)
{
    gw_rpath_t p;
    gw_rpath_set(&p, base->buf);
    if (leaf) {
        gw_rpath_push(&p, leaf);
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = gw_rule_vreport(rule, ctx, cls, p.buf, fmt, ap);
    va_end(ap);
    return rc;
}
