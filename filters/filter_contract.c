/*
 * Built-in filter `contract`: a region's contract register
 * (docs/contract-register.md, contract_register.c) enforced on the heen-
 * berichten 301, 305, 307, 315, 317, 319 and 323 of iJw and iWmo. Per product
 * it checks the product code list (TR381), the provider's contract for the
 * product's segment (CR-CONTRACT), the bekostiging and its units and tariffs
 * (CR-BEKOSTIGING, CR-TAAKGERICHT, CR-EENHEID, CR-FREQUENTIE, TR418),
 * durations, age bands and verwijzers (CR-DUUR, CR-LEEFTIJD, CR-VERWIJZER); per
 * message the gemeente (TR378) and onderaannemers (CR-ONDERAANNEMER, which can
 * route the message to the hoofdaannemer through gw_filter_ctx_t.route_to).
 * Every finding carries its own rule id. The register is read in create(); a
 * reload rebuilds the chain and with it the register, keeping the old one on
 * error. Lookups are in memory; the filter keeps no state in the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/filter.h"

#include "contract_register.h"
#include "filter_registry.h"

typedef struct s_contract {
    gw_register_t *reg; /* owned */
} s_contract_t;

/* ------------------------------------------------------------------ config ---- */

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    const char *file = opts && opts->file ? opts->file : "(config)";
    char msg[4400];
    int line = 0;
    for (size_t i = 0; opts && i < opts->n; i++) {
        if (strcmp(opts->v[i].key, "register") != 0) {
            snprintf(msg, sizeof(msg),
                     "%s:%d: filter contract: unknown option '%s' (options: register)", file,
                     opts->v[i].line, opts->v[i].key);
            *err = gw_strdup(msg);
            return GW_ECONFIG;
        }
    }
    const char *reg_path = gw_filter_opt(opts, "register", &line);
    if (!reg_path) {
        snprintf(msg, sizeof(msg),
                 "filter contract: missing 'register = PATH' (the region's contract register, "
                 "see docs/contract-register.md)");
        *err = gw_strdup(msg);
        return GW_ECONFIG;
    }
    /* A relative path is relative to the config file's directory. */
    char path[4096];
    if (gw_register_resolve(opts ? opts->file : NULL, reg_path, path, sizeof(path)) != GW_OK) {
        snprintf(msg, sizeof(msg), "%s:%d: filter contract: register path too long", file, line);
        *err = gw_strdup(msg);
        return GW_ECONFIG;
    }
    char *rerr = NULL;
    gw_register_t *reg = gw_register_load(path, &rerr);
    if (!reg) {
        size_t need = strlen(file) + strlen(path) + (rerr ? strlen(rerr) : 0) + 96;
        char *m = gw_malloc(need);
        if (m) {
            snprintf(m, need, "%s:%d: filter contract: register %s refused:\n%s", file, line, path,
                     rerr ? rerr : "out of memory");
        }
        gw_free(rerr);
        *err = m;
        return m ? GW_ECONFIG : GW_ENOMEM;
    }
    s_contract_t *st = gw_calloc(1, sizeof(*st));
    if (!st) {
        gw_register_destroy(&reg);
        return GW_ENOMEM;
    }
    st->reg = reg;
    *state = st;
    return GW_OK;
}

static void
s_destroy(void *state)
{
    s_contract_t *st = state;
    if (st) {
        gw_register_destroy(&st->reg);
        gw_free(st);
    }
}

/* ------------------------------------------------------------------ dates ---- */

static int
s_day(const char *s, int32_t *d)
{
    return s && gw_model_date(s, d) == GW_OK;
}

/* Last day of the period of n units starting on begin (both inclusive). */
static int32_t
s_limit(int32_t begin, int32_t n, char unit)
{
    if (unit == 'd') {
        return begin + n - 1;
    }
    if (unit == 'w') {
        return begin + 7 * n - 1;
    }
    int months = unit == 'm' ? n : 12 * n;
    int y, m, d;
    gw_model_date_parts(begin, &y, &m, &d);
    int mm = m - 1 + months;
    y += mm / 12;
    m = mm % 12 + 1;
    int32_t first = gw_model_days(y, m, 1);
    int32_t next = m == 12 ? gw_model_days(y + 1, 1, 1) : gw_model_days(y, m + 1, 1);
    int len = (int)(next - first);
    /* The day before the same day n months later; from a day the target month does not
     * have (31 January + 1m), through the end of that month. */
    return d > len ? first + len - 1 : first + d - 2;
}

/* Whole years of age on day for someone born on birth. */
static int
s_age(int32_t birth, int32_t day)
{
    int by, bm, bd, y, m, d;
    gw_model_date_parts(birth, &by, &bm, &bd);
    gw_model_date_parts(day, &y, &m, &d);
    int age = y - by;
    if (m < bm || (m == bm && d < bd)) {
        age--;
    }
    return age;
}

/* ------------------------------------------------------------------ findings ---- */

typedef struct s_run {
    const gw_register_t *reg;
    gw_diag_t *diag;
    int rejected; /* a REJECT finding was added */
    int warned;   /* a WARN finding was added */
    int failed;   /* gw_diag_add failed */
} s_run_t;

static void s_find(s_run_t *r, const gw_reg_props_t *props, gw_cr_rule_t rule, const char *code,
                   const char *path, const void *cls, const char *fmt, ...) GW_PRINTF(7, 8);

/* Add a finding of rule at its severity for the product (props; NULL = the message's
 * rules) (off: nothing). code NULL = the rule's retourcode. */
static void
s_find(s_run_t *r, const gw_reg_props_t *props, gw_cr_rule_t rule, const char *code,
       const char *path, const void *cls, const char *fmt, ...)
{
    gw_severity_t sev = gw_register_severity_for(r->reg, props, rule);
    if (sev == GW_SEV_OFF || sev == GW_SEV_ROUTE) {
        return;
    }
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    int reject = sev == GW_SEV_REJECT;
    if (gw_diag_add(r->diag, reject ? GW_LEVEL_EXTERNAL : GW_LEVEL_WARN, gw_cr_rules[rule].id,
                    reject ? (code ? code : gw_cr_rules[rule].retourcode) : "", path, 0, cls,
                    "%s (regio %s)", text, gw_register_name(r->reg)) != GW_OK) {
        r->failed = 1;
        return;
    }
    if (reject) {
        r->rejected = 1;
    } else {
        r->warned = 1;
    }
}

static int
s_on(const s_run_t *r, gw_cr_rule_t rule)
{
    return gw_register_severity(r->reg, rule) != GW_SEV_OFF;
}

/* ------------------------------------------------------------------ one product ---- */

/* What the checks need of one product element, whatever message it is in. */
typedef struct s_item {
    const char *categorie; /* Product/Categorie or Prestatie/ProductCategorie */
    const char *code;      /* Product/Code or ProductCode; NULL = aspecific */
    const char *begin;     /* the product date (see the docs) */
    const char *end;       /* Einddatum, may be NULL */
    const gw_omvang_t *omvang;
    const char *eenheid;             /* 323 Eenheid */
    const char *tarief;              /* 323 ProductTarief */
    const gw_verwijzer_t *verwijzer; /* 315 */
    const gw_geboortedatum_t *geboortedatum;
    const void *cls;
    char path[160]; /* the product element */
    int number;     /* message number */
} s_item_t;

static const char *
s_bek_name(gw_bekostiging_t b)
{
    return b == GW_BEK_INSPANNING ? "inspanningsgericht"
           : b == GW_BEK_OUTPUT   ? "outputgericht"
           : b == GW_BEK_TAAK     ? "taakgericht"
                                  : "-";
}

/* Units a bekostiging allows by default (docs: eenheid). */
static uint32_t
s_units(gw_bekostiging_t b)
{
    static const char *const insp[] = {"01", "04", "14", "16", "84", NULL};
    static const char *const outp[] = {"82", "83", NULL};
    const char *const *l = b == GW_BEK_INSPANNING ? insp : b == GW_BEK_OUTPUT ? outp : NULL;
    uint32_t m = 0;
    for (size_t i = 0; l && l[i]; i++) {
        m |= gw_reg_code_bit(gw_reg_eenheden, l[i]);
    }
    return m;
}

static void
s_check_item(s_run_t *r, const s_item_t *it, gw_family_t fam, const char *gemeente,
             const gw_reg_aanbieder_t *holder, const char *agb)
{
    char p2[200];
    int is323 = it->number == 323;
    int32_t day = 0;
    if (!s_day(it->begin, &day)) {
        return; /* dates are the XSD's business; nothing to judge against */
    }
    const char *code_path = is323 ? "/ProductCode" : "/Product/Code";
    const gw_reg_product_t *p = NULL;
    const gw_reg_props_t *props = NULL;
    const gw_reg_segment_t *seg = NULL;

    if (it->code) {
        p = gw_register_product(r->reg, fam, it->code);
        snprintf(p2, sizeof(p2), "%s%s", it->path, code_path);
        if (p && strcmp(p->categorie, it->categorie ? it->categorie : "") != 0) {
            s_find(r, &p->props, GW_CR_TR381, NULL, p2, it->cls,
                   "ProductCode %s hoort niet bij ProductCategorie %s (productcodelijst: %s)",
                   it->code, it->categorie ? it->categorie : "-", p->categorie);
            return;
        }
        if (p && (day < p->geldig.from || day > p->geldig.to)) {
            s_find(r, &p->props, GW_CR_TR381, NULL, p2, it->cls,
                   "ProductCode %s staat op de productdatum niet in de productcodelijst", it->code);
            return;
        }
        if (!p && gw_register_complete_list(r->reg)) {
            s_find(r, NULL, GW_CR_TR381, NULL, p2, it->cls,
                   "ProductCode %s komt niet voor in de productcodelijst", it->code);
            return;
        }
        if (p) {
            props = &p->props;
            seg = p->segment;
        }
    }
    if (!p) {
        /* Aspecific, or a code a partial list does not hold: judged by its categorie. */
        const gw_reg_categorie_t *c = gw_register_categorie(r->reg, fam, it->categorie);
        if (!c) {
            snprintf(p2, sizeof(p2), "%s%s", it->path,
                     it->code ? code_path
                     : is323  ? "/ProductCategorie"
                              : "/Product/Categorie");
            s_find(r, NULL, GW_CR_PRODUCT, NULL, p2, it->cls,
                   "%s%s van categorie %s: het register kent er geen segment voor",
                   it->code ? "ProductCode " : "aspecifiek product", it->code ? it->code : "",
                   it->categorie ? it->categorie : "-");
            return;
        }
        props = &c->props;
        seg = c->segment;
    }
    if (props->buiten_scope || !seg) {
        return;
    }
    const char *pcode = it->code;
    if (!it->code && !is323 && props->specifiek) {
        snprintf(p2, sizeof(p2), "%s/Product/Code", it->path);
        s_find(r, props, GW_CR_SPECIFIEK, NULL, p2, it->cls,
               "ProductCategorie %s wordt in deze regio specifiek toegewezen: Code ontbreekt",
               it->categorie ? it->categorie : "-");
    }
    if (p && !p->gecontracteerd) {
        s_find(r, props, GW_CR_NIET_GECONTRACTEERD, NULL, it->path, it->cls,
               "product %s is (nog) niet gecontracteerd", p->code);
    }

    /* The contract: the holder's (an onderaannemer works under its hoofdaannemer's). */
    const gw_reg_contract_t *con = gw_register_contract(holder, seg, day, gemeente, pcode);
    if (!con) {
        s_find(r, props, GW_CR_CONTRACT, NULL, it->path, it->cls,
               "aanbieder %s heeft op de productdatum geen contract voor segment %s%s%s", agb,
               seg->id, holder ? "" : " (niet in het register)",
               holder && holder != gw_register_aanbieder(r->reg, agb) ? " (via de hoofdaannemer)"
                                                                      : "");
    }
    gw_bekostiging_t bek =
        con && con->bekostiging != GW_BEK_NONE ? con->bekostiging : props->bekostiging;
    uint32_t units = props->eenheden;
    int units_set = (props->set & GW_REG_P_EENHEID) != 0;
    if (con && con->bekostiging != GW_BEK_NONE && con->bekostiging != props->bekostiging) {
        units = s_units(bek); /* the contract's variant decides the units */
        units_set = bek != GW_BEK_TAAK;
    }

    if (is323 && bek == GW_BEK_TAAK) {
        s_find(r, props, GW_CR_BEKOSTIGING, NULL, it->path, it->cls,
               "product %s is taakgericht bekostigd: geen declaratie per client",
               pcode ? pcode : it->categorie);
        return;
    }
    if (!is323 && it->number != 305 && it->number != 307 && bek == GW_BEK_TAAK) {
        s_find(r, props, GW_CR_TAAKGERICHT, NULL, it->path, it->cls,
               "product %s is taakgericht bekostigd: geen toewijzing of verzoek per client",
               pcode ? pcode : it->categorie);
    }

    /* Units and frequency. */
    const char *eenheid = is323 ? it->eenheid : it->omvang ? it->omvang->Eenheid : NULL;
    if (eenheid && units_set && bek != GW_BEK_TAAK &&
        !(units & gw_reg_code_bit(gw_reg_eenheden, eenheid))) {
        snprintf(p2, sizeof(p2), "%s%s", it->path, is323 ? "/Eenheid" : "/Omvang/Eenheid");
        s_find(r, props, GW_CR_EENHEID, is323 ? "9341" : NULL, p2, it->cls,
               "Eenheid %s past niet bij product %s (%s)", eenheid, pcode ? pcode : it->categorie,
               s_bek_name(bek));
    }
    const char *freq = it->omvang ? it->omvang->Frequentie : NULL;
    if (freq && (props->set & GW_REG_P_FREQUENTIE) &&
        !(props->frequenties & gw_reg_code_bit(gw_reg_frequenties, freq))) {
        snprintf(p2, sizeof(p2), "%s/Omvang/Frequentie", it->path);
        s_find(r, props, GW_CR_FREQUENTIE, NULL, p2, it->cls,
               "Frequentie %s past niet bij product %s", freq, pcode ? pcode : it->categorie);
    }

    /* TR418: the declared tariff is the contract tariff (not for Eenheid 83, CD087). */
    if (is323 && p && it->tarief && !(it->eenheid && strcmp(it->eenheid, "83") == 0)) {
        int64_t want = 0, got = 0;
        if (gw_register_tarief(holder, p, day, &want) &&
            (gw_model_int(it->tarief, &got) != GW_OK || got != want)) {
            snprintf(p2, sizeof(p2), "%s/ProductTarief", it->path);
            s_find(r, props, GW_CR_TR418, NULL, p2, it->cls,
                   "ProductTarief %s wijkt af van het contractuele tarief %lld voor %s", it->tarief,
                   (long long)want, p->code);
        }
    }
    if (is323 || it->number == 305 || it->number == 307) {
        return;
    }

    /* A required Einddatum (a set duration without a maximum). */
    if (props->einddatum && !it->end) {
        s_find(r, props, GW_CR_EINDDATUM, NULL, it->path, it->cls,
               "product %s vraagt een Einddatum", pcode ? pcode : it->categorie);
    }

    /* Duration (crisis products above all). */
    if (props->set & GW_REG_P_MAXDUUR) {
        int32_t end = 0;
        int32_t limit = s_limit(day, props->dur_n, props->dur_unit);
        int has_end = s_day(it->end, &end);
        if (!has_end || end > limit) {
            s_find(r, props, GW_CR_DUUR, NULL, it->path, it->cls,
                   "%s%s: de periode%s is langer dan het maximum van %d%c",
                   props->crisis ? "crisisproduct " : "product ", pcode ? pcode : it->categorie,
                   has_end ? "" : " (zonder Einddatum)", (int)props->dur_n, props->dur_unit);
        }
    }

    /* Age band, when the whole birth date is known. */
    int32_t birth = 0;
    if ((props->set & GW_REG_P_LEEFTIJD) && it->geboortedatum && !it->geboortedatum->DatumGebruik &&
        s_day(it->geboortedatum->Datum, &birth)) {
        int32_t end = 0;
        int at_begin = s_age(birth, day);
        int at_end =
            !props->age_max_at_begin && s_day(it->end, &end) ? s_age(birth, end) : at_begin;
        if ((props->age_min >= 0 && at_begin < props->age_min) ||
            (props->age_max >= 0 && at_end > props->age_max)) {
            char band[24];
            snprintf(band, sizeof(band), "%d..%d", props->age_min, props->age_max);
            if (props->age_min < 0) {
                snprintf(band, sizeof(band), "..%d", props->age_max);
            } else if (props->age_max < 0) {
                snprintf(band, sizeof(band), "%d..", props->age_min);
            }
            /* No age or date in the text: only which bound and the band. */
            s_find(r, props, GW_CR_LEEFTIJD, NULL, it->path, it->cls,
                   "de leeftijd van de client %s valt buiten de leeftijdsgrenzen %s van "
                   "product %s",
                   props->age_min >= 0 && at_begin < props->age_min ? "bij de ingangsdatum"
                   : props->age_max_at_begin                        ? "bij de ingangsdatum"
                                                                    : "bij de einddatum",
                   band, pcode ? pcode : it->categorie);
        }
    }

    /* Who may refer (not for crisis: the crisis access routes bypass the toegang). */
    if (it->number == 315 && (props->set & GW_REG_P_VERWIJZERS) && !props->crisis) {
        const char *type = it->verwijzer ? it->verwijzer->Type : NULL;
        if (!type || !(props->verwijzers & gw_reg_code_bit(gw_reg_verwijzers, type))) {
            snprintf(p2, sizeof(p2), "%s/Verwijzer/Type", it->path);
            s_find(r, props, GW_CR_VERWIJZER, NULL, p2, it->cls,
                   "verwijzer type %s mag niet verwijzen naar product %s", type ? type : "-",
                   pcode ? pcode : it->categorie);
        }
    }
}

/* ------------------------------------------------------------------ per message ---- */

static const char *
s_first_date(const gw_msg_t *msg)
{
    const gw_bericht_t *b = msg->bericht;
    const gw_client_t *c = b->Client;
    if (c && c->ToegewezenProduct.n) {
        return c->ToegewezenProduct.v[0].Ingangsdatum;
    }
    if (c && c->AangevraagdProduct.n) {
        return c->AangevraagdProduct.v[0].ToewijzingIngangsdatum;
    }
    if (c && c->StartProduct.n) {
        return c->StartProduct.v[0].Begindatum;
    }
    if (c && c->StopProduct.n) {
        return c->StopProduct.v[0].Begindatum;
    }
    if (c && c->Verzoek && c->Verzoek->NieuwProduct.n) {
        return c->Verzoek->NieuwProduct.v[0].GewensteIngangsdatum;
    }
    if (b->Declaratie && b->Declaratie->Client.n && b->Declaratie->Client.v[0].Prestatie.n &&
        b->Declaratie->Client.v[0].Prestatie.v[0].ProductPeriode) {
        return b->Declaratie->Client.v[0].Prestatie.v[0].ProductPeriode->Begindatum;
    }
    return b->Header->BerichtIdentificatie ? b->Header->BerichtIdentificatie->Dagtekening : NULL;
}

static void
s_tr378(s_run_t *r, const gw_msg_t *msg, const char *gemeente, const char *path, const void *cls)
{
    int32_t day = 0;
    if (!s_on(r, GW_CR_TR378) || !s_day(s_first_date(msg), &day)) {
        return;
    }
    if (gw_register_gemeente_known(r->reg, gemeente, day) == 0) {
        s_find(r, NULL, GW_CR_TR378, NULL, path, cls,
               "Gemeentecode %s komt niet voor in de lijst van CBS", gemeente);
    }
}

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    s_contract_t *st = state;
    const gw_bericht_t *b = msg->bericht;
    const gw_header_t *h = b->Header;
    int number = msg->type->number;
    gw_family_t fam = msg->type->family;
    if (!h || msg->type->kind != GW_KIND_HEEN) {
        return GW_VERDICT_PASS;
    }
    int from_gemeente = number == 301 || number == 319;
    const char *gemeente = from_gemeente ? h->Afzender : h->Ontvanger;
    const char *agb = from_gemeente ? h->Ontvanger : h->Afzender;
    if (!gw_register_in_scope(st->reg, gemeente)) {
        return GW_VERDICT_PASS; /* another region's messages */
    }
    s_run_t r = {.reg = st->reg, .diag = diag};

    s_tr378(&r, msg, gemeente,
            from_gemeente ? "/Bericht/Header/Afzender" : "/Bericht/Header/Ontvanger", NULL);
    if (number == 319 && b->Antwoord && b->Antwoord->Woonplaatsbeginsel &&
        b->Antwoord->Woonplaatsbeginsel->Gemeente) {
        s_tr378(&r, msg, b->Antwoord->Woonplaatsbeginsel->Gemeente,
                "/Bericht/Antwoord/Woonplaatsbeginsel/Gemeente", b->Antwoord->Woonplaatsbeginsel);
    }

    /* Onderaannemers: the hoofdaannemer is the gemeente's counterparty. */
    const gw_reg_aanbieder_t *a = gw_register_aanbieder(st->reg, agb);
    const gw_reg_aanbieder_t *holder = a && a->hoofdaannemer ? a->hoofdaannemer : a;
    if (a && a->hoofdaannemer) {
        gw_severity_t sev = gw_register_severity(st->reg, GW_CR_ONDERAANNEMER);
        const char *path = from_gemeente ? "/Bericht/Header/Ontvanger" : "/Bericht/Header/Afzender";
        if (sev == GW_SEV_ROUTE) {
            if (ctx && ctx->route_to) {
                snprintf(ctx->route_to, GW_FILTER_ROUTE_MAX, "%s", a->hoofdaannemer->agb);
            }
        } else {
            s_find(&r, NULL, GW_CR_ONDERAANNEMER, NULL, path, NULL,
                   "aanbieder %s is onderaannemer van %s: berichten lopen via de hoofdaannemer",
                   agb, a->hoofdaannemer->agb);
        }
    }

    s_item_t it;
    const gw_client_t *c = b->Client;
    size_t n = 0;
    switch (number) {
    case 301:
        n = c ? c->ToegewezenProduct.n : 0;
        for (size_t i = 0; i < n; i++) {
            const gw_toegewezen_product_t *t = &c->ToegewezenProduct.v[i];
            it = (s_item_t){.categorie = t->Product ? t->Product->Categorie : NULL,
                            .code = t->Product ? t->Product->Code : NULL,
                            .begin = t->Ingangsdatum,
                            .end = t->Einddatum,
                            .omvang = t->Omvang,
                            .geboortedatum = c->Geboortedatum,
                            .cls = t,
                            .number = number};
            if (!t->Product) {
                continue;
            }
            snprintf(it.path, sizeof(it.path),
                     "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[%zu]", i + 1);
            s_check_item(&r, &it, fam, gemeente, holder, agb);
        }
        break;
    case 315:
        n = c ? c->AangevraagdProduct.n : 0;
        for (size_t i = 0; i < n; i++) {
            const gw_aangevraagd_product_t *t = &c->AangevraagdProduct.v[i];
            if (!t->Product) {
                continue;
            }
            it = (s_item_t){.categorie = t->Product->Categorie,
                            .code = t->Product->Code,
                            .begin = t->ToewijzingIngangsdatum,
                            .end = t->ToewijzingEinddatum,
                            .omvang = t->Omvang,
                            .verwijzer = t->Verwijzer,
                            .geboortedatum = c->Geboortedatum,
                            .cls = t,
                            .number = number};
            snprintf(it.path, sizeof(it.path),
                     "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[%zu]", i + 1);
            s_check_item(&r, &it, fam, gemeente, holder, agb);
        }
        break;
    case 317:
        n = c && c->Verzoek ? c->Verzoek->NieuwProduct.n : 0;
        for (size_t i = 0; i < n; i++) {
            const gw_vow_product_t *t = &c->Verzoek->NieuwProduct.v[i];
            if (!t->Product) {
                continue;
            }
            it = (s_item_t){.categorie = t->Product->Categorie,
                            .code = t->Product->Code,
                            .begin = t->GewensteIngangsdatum,
                            .end = t->Einddatum,
                            .omvang = t->Omvang,
                            .geboortedatum = c->Geboortedatum,
                            .cls = t,
                            .number = number};
            snprintf(it.path, sizeof(it.path),
                     "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct[%zu]", i + 1);
            s_check_item(&r, &it, fam, gemeente, holder, agb);
        }
        break;
    case 305:
    case 307: {
        int start = number == 305;
        n = c ? (start ? c->StartProduct.n : c->StopProduct.n) : 0;
        for (size_t i = 0; i < n; i++) {
            const gw_start_stop_product_t *t = start ? &c->StartProduct.v[i] : &c->StopProduct.v[i];
            if (!t->Product) {
                continue;
            }
            it = (s_item_t){.categorie = t->Product->Categorie,
                            .code = t->Product->Code,
                            .begin = t->Begindatum,
                            .end = t->Einddatum,
                            .cls = t,
                            .number = number};
            snprintf(it.path, sizeof(it.path), "/Bericht/Client/%s/%s[%zu]",
                     start ? "StartProducten" : "StopProducten",
                     start ? "StartProduct" : "StopProduct", i + 1);
            s_check_item(&r, &it, fam, gemeente, holder, agb);
        }
        break;
    }
    case 323: {
        const gw_declaratie_t *d = b->Declaratie;
        for (size_t k = 0; d && k < d->Client.n; k++) {
            const gw_client_t *dc = &d->Client.v[k];
            for (size_t i = 0; i < dc->Prestatie.n; i++) {
                const gw_prestatie_t *t = &dc->Prestatie.v[i];
                it = (s_item_t){.categorie = t->ProductCategorie,
                                .code = t->ProductCode,
                                .begin = t->ProductPeriode ? t->ProductPeriode->Begindatum : NULL,
                                .end = t->ProductPeriode ? t->ProductPeriode->Einddatum : NULL,
                                .eenheid = t->Eenheid,
                                .tarief = t->ProductTarief,
                                .cls = t,
                                .number = number};
                snprintf(it.path, sizeof(it.path),
                         "/Bericht/Declaratie/Clienten/Client[%zu]/Prestaties/Prestatie[%zu]",
                         k + 1, i + 1);
                s_check_item(&r, &it, fam, gemeente, holder, agb);
            }
        }
        break;
    }
    default:
        break;
    }
    if (r.failed) {
        return GW_VERDICT_ERROR;
    }
    return r.rejected ? GW_VERDICT_REJECT : r.warned ? GW_VERDICT_WARN : GW_VERDICT_PASS;
}

const gw_filter_ops_t filter_contract = {
    .abi = GW_FILTER_ABI,
    .name = "contract",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .msgs = GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M319 | GW_M323,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
};
