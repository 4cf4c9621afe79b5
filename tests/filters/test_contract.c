/*
 * Tests of the built-in filter contract (filters/filter_contract.c) through the
 * real chain: the valid fixtures pass a register written for them, and each
 * rule (TR378, TR381, TR418, CR-*) fires with its rule id, retourcode (or a
 * warning), element path and class when a fixture is mutated in memory to
 * break it. Also: messages of gemeenten outside the region pass untouched, an
 * onderaannemer's messages are routed to its hoofdaannemer (route_to), and a
 * bad register refuses the chain with file:line errors.
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/arena.h"

#include "gw_chain.h"
#include "unittest.h"

static gw_codec_t *s_codec;
static char s_dir[256];

static const char s_register[] = "register\n"
                                 "    naam = Testregio\n"
                                 "    gemeenten = 0363 0384 9999\n"
                                 "    periode = 2026-01-01..2026-12-31\n"
                                 "    gemeentelijst = gem.list\n"
                                 "regels\n"
                                 "    CR-TAAKGERICHT = warn\n"
                                 "segment amb\n"
                                 "    bekostiging = inspanningsgericht\n"
                                 "    frequentie = 2 4\n"
                                 "    verwijzers = 01 02 03 04 05 08\n"
                                 "segment crisis\n"
                                 "    crisis = ja\n"
                                 "    max_duur = 4w\n"
                                 "    bekostiging = inspanningsgericht\n"
                                 "    verwijzers = 01\n"
                                 "segment taak\n"
                                 "    bekostiging = taakgericht\n"
                                 "segment wmo\n"
                                 "    bekostiging = inspanningsgericht\n"
                                 "categorie 46\n"
                                 "    segment = crisis\n"
                                 "product 45A48\n"
                                 "    categorie = 45\n"
                                 "    segment = amb\n"
                                 "    tarief = 9850 ..2026-03-31\n"
                                 "    tarief = 9900 2026-04-01..\n"
                                 "    leeftijd = 4..17\n"
                                 "product 45B01\n"
                                 "    categorie = 45\n"
                                 "    segment = taak\n"
                                 "product 45C01\n"
                                 "    categorie = 45\n"
                                 "    segment = amb\n"
                                 "    gecontracteerd = nee\n"
                                 "product 54001\n"
                                 "    categorie = 54\n"
                                 "    segment = amb\n"
                                 "product 02A01\n"
                                 "    categorie = 02\n"
                                 "    segment = wmo\n"
                                 "    tarief = 6250\n"
                                 "product 46C01\n"
                                 "    categorie = 46\n"
                                 "aanbieder 42420001\n"
                                 "    contract = amb\n"
                                 "    contract = crisis\n"
                                 "    contract = taak\n"
                                 "aanbieder 65656055\n"
                                 "    contract = wmo\n"
                                 "aanbieder 77777777\n"
                                 "    hoofdaannemer = 42420001\n";

typedef struct t_env {
    gw_chain_t *chain;
    gw_diag_t *diag;
    char route[GW_FILTER_ROUTE_MAX];
    gw_filter_ctx_t ctx;
} t_env_t;

static void
s_write(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
s_group_setup(void **state)
{
    (void)state;
    return ut_tmpdir(s_dir, sizeof(s_dir), "gw-contract");
}

static int
s_group_teardown(void **state)
{
    (void)state;
    return ut_tree_remove(s_dir);
}

static int
s_setup(void **state)
{
    int rc = ut_alloc_setup(state);
    s_codec = ut_codec();
    s_write("gem.list", "0363 Amsterdam\n0384 Diemen\n");
    s_write("t.register", s_register);
    return rc;
}

static int
s_teardown(void **state)
{
    gw_codec_destroy(&s_codec);
    return ut_alloc_teardown(state);
}

/* A chain with just `filter contract` on register file name (in the scratch dir). */
static void
s_open(t_env_t *env, const char *name)
{
    memset(env, 0, sizeof(*env));
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", s_dir, name);
    gw_filter_opt_t opt = {"register", path, 3};
    gw_chain_spec_t spec = {.name = "contract", .line = 2, .opts = {"test.conf", &opt, 1}};
    char *err = NULL;
    env->chain = gw_chain_new(&spec, 1, &err);
    if (!env->chain) {
        fail_msg("gw_chain_new: %s", err ? err : "?");
    }
    env->diag = gw_diag_new();
    assert_non_null(env->diag);
    env->ctx =
        (gw_filter_ctx_t){.now_ms = 1770000000000, .peer = "42420001", .route_to = env->route};
}

static void
s_close(t_env_t *env)
{
    gw_diag_destroy(&env->diag);
    gw_chain_destroy(&env->chain);
}

static gw_verdict_t
s_run(t_env_t *env, const gw_msg_t *msg)
{
    gw_diag_reset(env->diag);
    env->route[0] = '\0';
    return gw_chain_run(env->chain, msg, env->diag, &env->ctx);
}

static gw_msg_t *
s_fixture(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "valid/%s.xml", name);
    gw_msg_t *m = ut_decode_fixture(s_codec, rel);
    assert_non_null(m);
    return m;
}

static void
s_pass(t_env_t *env, const gw_msg_t *msg)
{
    gw_verdict_t v = s_run(env, msg);
    if (v != GW_VERDICT_PASS || gw_diag_count(env->diag) != 0) {
        ut_print_diag(env->diag);
        fail_msg("%s: expected PASS, got %d", msg->type->name, (int)v);
    }
}

/* Exactly one finding: rule, retourcode ("" = a warning), path, class. */
static void
s_one(t_env_t *env, const gw_msg_t *msg, const char *rule, const char *code, const char *path,
      const void *cls)
{
    gw_verdict_t v = s_run(env, msg);
    int warn = code[0] == '\0';
    if (v != (warn ? GW_VERDICT_WARN : GW_VERDICT_REJECT) || gw_diag_count(env->diag) != 1) {
        ut_print_diag(env->diag);
        fail_msg("%s: expected one %s, got verdict %d", msg->type->name, rule, (int)v);
    }
    const gw_diag_entry_t *d = gw_diag_at(env->diag, 0);
    assert_int_equal(d->level, warn ? GW_LEVEL_WARN : GW_LEVEL_EXTERNAL);
    assert_string_equal(d->rule, rule);
    assert_string_equal(d->retourcode, code);
    assert_string_equal(d->path, path);
    assert_ptr_equal(d->cls, cls);
    assert_non_null(strstr(d->text, "Testregio"));
    assert_null(strstr(d->text, "999900006")); /* no BSN */
}

#define T_TP "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]"
#define T_AP "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]"
#define T_NP "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct[1]"
#define T_PR "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]"

static gw_toegewezen_product_t *
s_tp(gw_msg_t *m)
{
    return &m->bericht->Client->ToegewezenProduct.v[0];
}

static gw_prestatie_t *
s_pr(gw_msg_t *m)
{
    return &m->bericht->Declaratie->Client.v[0].Prestatie.v[0];
}

/* ---- the fixtures pass ---- */

static void
test_contract_valid_fixtures_pass(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    const char *names[] = {"jw301", "jw305",        "jw307",  "jw315",  "jw317",
                           "jw323", "jw323-credit", "wmo301", "wmo323", "jw319-woonplaatsbeginsel",
                           "jw302"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        gw_msg_t *m = s_fixture(names[i]);
        s_pass(&env, m);
        assert_string_equal(env.route, "");
        gw_msg_destroy(&m);
    }
    gw_chain_stats_t st;
    gw_chain_stats(env.chain, 0, &st);
    assert_string_equal(st.name, "contract");
    assert_int_equal(st.passed, 10); /* the JW302 is not the filter's */
    s_close(&env);
}

/* ---- the standard's external-source rules ---- */

static void
test_contract_tr378_gemeente_not_in_cbs_list(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw301");
    m->bericht->Header->Afzender = "9999"; /* in the region, not in the CBS list */
    s_one(&env, m, "TR378", "S300", "/Bericht/Header/Afzender", NULL);
    gw_msg_destroy(&m);
    m = s_fixture("jw323");
    m->bericht->Header->Ontvanger = "9999";
    s_one(&env, m, "TR378", "S300", "/Bericht/Header/Ontvanger", NULL);
    gw_msg_destroy(&m);
    m = s_fixture("jw319-woonplaatsbeginsel");
    m->bericht->Antwoord->Woonplaatsbeginsel->Gemeente = "9999";
    s_one(&env, m, "TR378", "S300", "/Bericht/Antwoord/Woonplaatsbeginsel/Gemeente",
          m->bericht->Antwoord->Woonplaatsbeginsel);
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_tr381_code_not_in_list_or_category(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw301");
    s_tp(m)->Product->Code = "45A99";
    s_one(&env, m, "TR381", "S329", T_TP "/Product/Code", s_tp(m));
    s_tp(m)->Product->Code = "45A48";
    s_tp(m)->Product->Categorie = "54";
    s_one(&env, m, "TR381", "S329", T_TP "/Product/Code", s_tp(m));
    gw_msg_destroy(&m);
    m = s_fixture("jw317");
    m->bericht->Client->Verzoek->NieuwProduct.v[0].Product->Code = "54999";
    s_one(&env, m, "TR381", "S329", T_NP "/Product/Code",
          &m->bericht->Client->Verzoek->NieuwProduct.v[0]);
    gw_msg_destroy(&m);
    m = s_fixture("jw323");
    s_pr(m)->ProductCode = "45X01";
    s_one(&env, m, "TR381", "S329", T_PR "/ProductCode", s_pr(m));
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_tr418_tariff_differs(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw323");
    s_pr(m)->ProductTarief = "9900";
    s_one(&env, m, "TR418", "0611", T_PR "/ProductTarief", s_pr(m));
    gw_msg_destroy(&m);
    m = s_fixture("wmo323");
    s_pr(m)->ProductTarief = "6000";
    s_one(&env, m, "TR418", "0611", T_PR "/ProductTarief", s_pr(m));
    gw_msg_destroy(&m);
    s_close(&env);
}

/* ---- the regional rules ---- */

static void
test_contract_product_unknown_category_warns(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw301");
    s_tp(m)->Product->Code = NULL; /* aspecific, categorie 43 has no section */
    s_tp(m)->Product->Categorie = "43";
    s_one(&env, m, "CR-PRODUCT", "", T_TP "/Product/Categorie", s_tp(m));
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_niet_gecontracteerd_warns(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw305");
    m->bericht->Client->StartProduct.v[0].Product->Code = "45C01";
    s_one(&env, m, "CR-NIET-GECONTRACTEERD", "", "/Bericht/Client/StartProducten/StartProduct[1]",
          &m->bericht->Client->StartProduct.v[0]);
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_provider_without_contract_rejected(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    /* A toewijzing to a provider contracted for another segment only. */
    gw_msg_t *m = s_fixture("jw301");
    m->bericht->Header->Ontvanger = "65656055";
    s_one(&env, m, "CR-CONTRACT", "0001", T_TP, s_tp(m));
    /* A provider that is not in the register at all. */
    m->bericht->Header->Ontvanger = "11111111";
    s_one(&env, m, "CR-CONTRACT", "0001", T_TP, s_tp(m));
    /* Outside the contract period. */
    m->bericht->Header->Ontvanger = "42420001";
    s_tp(m)->Ingangsdatum = "2027-02-01";
    s_tp(m)->Einddatum = "2027-03-01";
    s_one(&env, m, "CR-CONTRACT", "0001", T_TP, s_tp(m));
    gw_msg_destroy(&m);
    /* Start, stop, verzoek and declaratie from an uncontracted sender. */
    const char *names[] = {"jw305", "jw307", "jw315", "jw323"};
    const char *paths[] = {"/Bericht/Client/StartProducten/StartProduct[1]",
                           "/Bericht/Client/StopProducten/StopProduct[1]", T_AP, T_PR};
    for (size_t i = 0; i < 4; i++) {
        m = s_fixture(names[i]);
        m->bericht->Header->Afzender = "65656055";
        gw_verdict_t v = s_run(&env, m);
        assert_int_equal(v, GW_VERDICT_REJECT);
        assert_true(ut_diag_has(env.diag, "CR-CONTRACT", "0001"));
        assert_string_equal(gw_diag_at(env.diag, 0)->path, paths[i]);
        gw_msg_destroy(&m);
    }
    s_close(&env);
}

static void
test_contract_taakgericht_declaratie_rejected(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw323");
    s_pr(m)->ProductCode = "45B01";
    s_one(&env, m, "CR-BEKOSTIGING", "0001", T_PR, s_pr(m));
    gw_msg_destroy(&m);
    /* A toewijzing for it only warns (CR-TAAKGERICHT = warn in this register). */
    m = s_fixture("jw301");
    s_tp(m)->Product->Code = "45B01";
    s_one(&env, m, "CR-TAAKGERICHT", "", T_TP, s_tp(m));
    gw_msg_destroy(&m);
    /* Start and stop of a taakgericht product are fine. */
    m = s_fixture("jw305");
    m->bericht->Client->StartProduct.v[0].Product->Code = "45B01";
    s_pass(&env, m);
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_eenheid_and_frequentie(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw301");
    s_tp(m)->Omvang->Eenheid = "82"; /* output unit on an inspanningsgericht product */
    s_one(&env, m, "CR-EENHEID", "0001", T_TP "/Omvang/Eenheid", s_tp(m));
    s_tp(m)->Omvang->Eenheid = "04";
    s_tp(m)->Omvang->Frequentie = "1"; /* per dag: the segment allows 2 and 4 */
    s_one(&env, m, "CR-FREQUENTIE", "0001", T_TP "/Omvang/Frequentie", s_tp(m));
    s_one(&env, m, "CR-FREQUENTIE", "0001", T_TP "/Omvang/Frequentie", s_tp(m));
    gw_msg_destroy(&m);
    /* The chain counts each rule under its own id. */
    assert_int_equal(gw_chain_rule_count(env.chain), 2);
    gw_chain_rule_stats_t rs;
    gw_chain_rule_stats(env.chain, 0, &rs);
    assert_string_equal(rs.rule, "CR-EENHEID");
    assert_int_equal(rs.rejected, 1);
    gw_chain_rule_stats(env.chain, 1, &rs);
    assert_string_equal(rs.rule, "CR-FREQUENTIE");
    assert_int_equal(rs.rejected, 2);
    assert_int_equal(rs.warned, 0);
    m = s_fixture("jw315");
    m->bericht->Client->AangevraagdProduct.v[0].Omvang->Eenheid = "83";
    s_one(&env, m, "CR-EENHEID", "0001", T_AP "/Omvang/Eenheid",
          &m->bericht->Client->AangevraagdProduct.v[0]);
    gw_msg_destroy(&m);
    m = s_fixture("jw323");
    s_pr(m)->Eenheid = "82";
    s_one(&env, m, "CR-EENHEID", "9341", T_PR "/Eenheid", s_pr(m));
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_crisis_max_duration_warns(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw301");
    s_tp(m)->Product->Categorie = "46";
    s_tp(m)->Product->Code = "46C01";
    s_tp(m)->Omvang->Frequentie = "2";
    /* Four weeks exactly: fine. */
    s_tp(m)->Ingangsdatum = "2026-02-01";
    s_tp(m)->Einddatum = "2026-02-28";
    s_pass(&env, m);
    /* One day more: a warning, the message is accepted. */
    s_tp(m)->Einddatum = "2026-03-01";
    s_one(&env, m, "CR-DUUR", "", T_TP, s_tp(m));
    gw_chain_rule_stats_t rs;
    gw_chain_rule_stats(env.chain, 0, &rs);
    assert_string_equal(rs.rule, "CR-DUUR");
    assert_int_equal(rs.warned, 1);
    /* Open-ended exceeds any maximum. */
    s_tp(m)->Einddatum = NULL;
    s_one(&env, m, "CR-DUUR", "", T_TP, s_tp(m));
    /* The aspecific crisis product (categorie 46 only) follows its categorie. */
    s_tp(m)->Product->Code = NULL;
    s_tp(m)->Einddatum = "2026-06-01";
    s_one(&env, m, "CR-DUUR", "", T_TP, s_tp(m));
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_leeftijd(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw301");
    m->bericht->Client->Geboortedatum->Datum = "2023-01-01"; /* 3 on the Ingangsdatum */
    s_one(&env, m, "CR-LEEFTIJD", "0001", T_TP, s_tp(m));
    m->bericht->Client->Geboortedatum->Datum = "2008-07-01"; /* 18 on the Einddatum */
    s_one(&env, m, "CR-LEEFTIJD", "0001", T_TP, s_tp(m));
    m->bericht->Client->Geboortedatum->Datum = "2008-08-01"; /* 17 on the Einddatum */
    s_pass(&env, m);
    /* An unknown day: not judged. */
    m->bericht->Client->Geboortedatum->Datum = "2023-01-01";
    m->bericht->Client->Geboortedatum->DatumGebruik = "1";
    s_pass(&env, m);
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_verwijzer(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw315");
    gw_aangevraagd_product_t *ap = &m->bericht->Client->AangevraagdProduct.v[0];
    ap->Verwijzer->Type = "06"; /* zelfverwijzer */
    s_one(&env, m, "CR-VERWIJZER", "0001", T_AP "/Verwijzer/Type", ap);
    /* A crisis product: no verwijzer check (segment crisis allows only 01 otherwise). */
    ap->Product->Categorie = "46";
    ap->Product->Code = "46C01";
    ap->Omvang->Frequentie = "2";
    ap->ToewijzingEinddatum = "2026-02-20";
    s_pass(&env, m);
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_partial_list_falls_back_to_categorie(void **state)
{
    (void)state;
    char text[sizeof(s_register) + 64];
    snprintf(text, sizeof(text), "%s", s_register);
    char *at = strstr(text, "    naam = Testregio\n");
    assert_non_null(at);
    /* Insert `productlijst = gedeeltelijk` into the register section. */
    char all[sizeof(s_register) + 128];
    snprintf(all, sizeof(all), "%.*s    productlijst = gedeeltelijk\n%s", (int)(at - text), text,
             at);
    s_write("onder.register", all);
    t_env_t env;
    s_open(&env, "onder.register");
    gw_msg_t *m = s_fixture("jw301");
    s_tp(m)->Product->Categorie = "46";
    s_tp(m)->Product->Code = "46Z99"; /* not listed: categorie 46 (crisis, 4w) applies */
    s_tp(m)->Omvang->Frequentie = "2";
    s_one(&env, m, "CR-DUUR", "", T_TP, s_tp(m));
    s_tp(m)->Product->Categorie = "43";
    s_tp(m)->Product->Code = "43Z99"; /* neither listed nor a categorie section */
    s_one(&env, m, "CR-PRODUCT", "", T_TP "/Product/Code", s_tp(m));
    gw_msg_destroy(&m);
    s_close(&env);
}

static const char s_more[] = "regels\n"
                             "    CR-CONTRACT = off\n"
                             "segment gk\n"
                             "    bekostiging = inspanningsgericht\n"
                             "    verwijzers = 04 08\n"
                             "    ernst = CR-VERWIJZER:warn\n"
                             "    leeftijd = 12..17\n"
                             "    leeftijd_max_op = ingangsdatum\n"
                             "segment spec\n"
                             "    bekostiging = inspanningsgericht\n"
                             "    specifiek = ja\n"
                             "    einddatum = verplicht\n"
                             "categorie 47\n"
                             "    segment = gk\n"
                             "categorie 41\n"
                             "    segment = spec\n"
                             "product 41A01\n"
                             "    categorie = 41\n"
                             "product 41A02\n"
                             "    categorie = 41\n"
                             "    einddatum = optioneel\n"
                             "    ernst = CR-SPECIFIEK:off CR-LEEFTIJD:warn\n"
                             "    leeftijd = ..3\n"
                             "product 41A03\n"
                             "    categorie = 41\n"
                             "    max_duur = 1m\n";

static void
s_open_more(t_env_t *env)
{
    char text[sizeof(s_register) + sizeof(s_more)];
    snprintf(text, sizeof(text), "%s%s", s_register, s_more);
    s_write("onder.register", text);
    s_open(env, "onder.register");
}

static void
test_contract_ernst_per_segment_and_age_on_ingangsdatum(void **state)
{
    (void)state;
    t_env_t env;
    s_open_more(&env);
    gw_msg_t *m = s_fixture("jw315");
    gw_aangevraagd_product_t *ap = &m->bericht->Client->AangevraagdProduct.v[0];
    ap->Product->Categorie = "47"; /* gedwongen kader, aspecific */
    ap->Product->Code = NULL;
    /* 17 on the ToewijzingIngangsdatum, 18 on the Einddatum: MAX counts at the start. */
    m->bericht->Client->Geboortedatum->Datum = "2008-03-01";
    /* A huisarts (02) for gedwongen kader: a warning in this segment, not a reject. */
    s_one(&env, m, "CR-VERWIJZER", "", T_AP "/Verwijzer/Type", ap);
    ap->Verwijzer->Type = "04";
    s_pass(&env, m);
    /* 18 at the start: too old. */
    m->bericht->Client->Geboortedatum->Datum = "2007-12-01";
    s_one(&env, m, "CR-LEEFTIJD", "0001", T_AP, ap);
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_specifiek_and_einddatum(void **state)
{
    (void)state;
    t_env_t env;
    s_open_more(&env);
    gw_msg_t *m = s_fixture("jw301");
    s_tp(m)->Product->Categorie = "41";
    s_tp(m)->Product->Code = NULL; /* aspecific in a segment that assigns specifically */
    s_one(&env, m, "CR-SPECIFIEK", "0001", T_TP "/Product/Code", s_tp(m));
    s_tp(m)->Product->Code = "41A01";
    s_pass(&env, m);
    s_tp(m)->Einddatum = NULL; /* open-ended where an Einddatum is required */
    s_one(&env, m, "CR-EINDDATUM", "", T_TP, s_tp(m));
    /* A product's own keys beat its segment's: 41A02 needs no Einddatum; its age band
     * only warns. */
    s_tp(m)->Product->Code = "41A02";
    s_one(&env, m, "CR-LEEFTIJD", "", T_TP, s_tp(m));
    /* max_duur in calendar months: the day before the same day a month later. */
    s_tp(m)->Product->Code = "41A03";
    s_tp(m)->Ingangsdatum = "2026-01-15";
    s_tp(m)->Einddatum = "2026-02-14";
    s_pass(&env, m);
    s_tp(m)->Einddatum = "2026-02-15";
    s_one(&env, m, "CR-DUUR", "", T_TP, s_tp(m));
    s_tp(m)->Ingangsdatum = "2026-01-31"; /* February has no 31st: through its end */
    s_tp(m)->Einddatum = "2026-02-28";
    s_pass(&env, m);
    s_tp(m)->Einddatum = "2026-03-01";
    s_one(&env, m, "CR-DUUR", "", T_TP, s_tp(m));
    s_tp(m)->Ingangsdatum = "2026-12-15"; /* across the year */
    s_tp(m)->Einddatum = "2027-01-14";
    s_pass(&env, m);
    gw_msg_destroy(&m);
    s_close(&env);
}

/* ---- scope and onderaannemers ---- */

static void
test_contract_other_gemeente_passes_untouched(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    gw_msg_t *m = s_fixture("jw301");
    m->bericht->Header->Afzender = "0599";
    m->bericht->Header->Ontvanger = "11111111";
    s_tp(m)->Product->Code = "45A99";
    s_pass(&env, m);
    gw_msg_destroy(&m);
    s_close(&env);
}

static void
test_contract_onderaannemer_routed_to_hoofdaannemer(void **state)
{
    (void)state;
    t_env_t env;
    s_open(&env, "t.register");
    /* A toewijzing addressed to the onderaannemer goes to its hoofdaannemer, and is judged
     * on the hoofdaannemer's contracts. */
    gw_msg_t *m = s_fixture("jw301");
    m->bericht->Header->Ontvanger = "77777777";
    s_pass(&env, m);
    assert_string_equal(env.route, "42420001");
    gw_msg_destroy(&m);
    /* The onderaannemer's own start goes to the hoofdaannemer too, not to the gemeente. */
    m = s_fixture("jw305");
    m->bericht->Header->Afzender = "77777777";
    s_pass(&env, m);
    assert_string_equal(env.route, "42420001");
    gw_msg_destroy(&m);
    /* A core without route_to (an older one) just gets no routing. */
    env.ctx.route_to = NULL;
    m = s_fixture("jw301");
    m->bericht->Header->Ontvanger = "77777777";
    assert_int_equal(gw_chain_run(env.chain, m, env.diag, &env.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    s_close(&env);

    /* A region that refuses onderaannemers as counterparty. */
    char text[sizeof(s_register) + 64];
    snprintf(text, sizeof(text), "%sregels\n    CR-ONDERAANNEMER = reject\n", s_register);
    s_write("onder.register", text);
    s_open(&env, "onder.register");
    m = s_fixture("jw305");
    m->bericht->Header->Afzender = "77777777";
    s_one(&env, m, "CR-ONDERAANNEMER", "0001", "/Bericht/Header/Afzender", NULL);
    assert_string_equal(env.route, "");
    gw_msg_destroy(&m);
    s_close(&env);
}

/* ---- speed: in-memory lookups, no SQL per message ---- */

static double
s_secs(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
test_contract_large_register_is_fast(void **state)
{
    (void)state;
    /* 20000 products, 5000 aanbieders with two contracts each. */
    size_t cap = 4u * 1024u * 1024u;
    char *text = gw_malloc(cap);
    assert_non_null(text);
    size_t o = (size_t)snprintf(text, cap,
                                "register\n    naam = Groot\n    gemeentelijst = gem.list\n"
                                "segment amb\n    bekostiging = inspanningsgericht\n"
                                "    frequentie = 2 4\nsegment twee\n");
    for (int i = 0; i < 20000; i++) {
        o += (size_t)snprintf(text + o, cap - o,
                              "product %c%04d\n    categorie = 45\n    segment = amb\n"
                              "    tarief = %d\n",
                              'A' + i / 10000, i % 10000, 1000 + i);
    }
    for (int i = 0; i < 5000; i++) {
        o += (size_t)snprintf(text + o, cap - o,
                              "aanbieder %08d\n    contract = twee\n    contract = amb "
                              "2026-01-01..\n",
                              42420001 - 2500 + i);
    }
    assert_true(o < cap);
    s_write("big.register", text);
    gw_free(text);
    double t0 = s_secs();
    t_env_t env;
    s_open(&env, "big.register");
    double t1 = s_secs();
    gw_msg_t *m = s_fixture("jw301");
    s_tp(m)->Product->Code = "A1234";
    s_pass(&env, m);
    enum { N = 20000 };
    double t2 = s_secs();
    for (int i = 0; i < N; i++) {
        gw_diag_reset(env.diag);
        assert_int_equal(gw_chain_run(env.chain, m, env.diag, &env.ctx), GW_VERDICT_PASS);
    }
    double per_us = (s_secs() - t2) / N * 1e6;
    printf("# register of 20000 products and 5000 aanbieders: built in %.0f ms, %.2f us per "
           "JW301\n",
           (t1 - t0) * 1e3, per_us);
    assert_true(per_us < 200.0); /* generous: a shared 2-core machine */
    gw_msg_destroy(&m);
    s_close(&env);
    char path[512];
    snprintf(path, sizeof(path), "%s/big.register", s_dir);
    unlink(path);
}

/* ---- configuration ---- */

static void
test_contract_bad_register_refuses_chain(void **state)
{
    (void)state;
    s_write("bad.register", "register\n    naam = x\nproduct 45A01\n    categorie = 99\n");
    char path[512];
    snprintf(path, sizeof(path), "%s/bad.register", s_dir);
    gw_filter_opt_t opt = {"register", path, 7};
    gw_chain_spec_t spec = {.name = "contract", .line = 6, .opts = {"test.conf", &opt, 1}};
    char *err = NULL;
    assert_null(gw_chain_new(&spec, 1, &err));
    assert_non_null(err);
    char want[1200];
    snprintf(want, sizeof(want),
             "test.conf:7: filter contract: register %s refused:\n%s:4: "
             "categorie: '99' is not a JZ020",
             path, path);
    if (strncmp(err, want, strlen(want)) != 0) {
        fail_msg("got:\n%s\nwant prefix:\n%s", err, want);
    }
    gw_free(err);

    /* Missing and unknown options. */
    spec.opts.n = 0;
    assert_null(gw_chain_new(&spec, 1, &err));
    assert_non_null(strstr(err, "filter contract: missing 'register = PATH'"));
    gw_free(err);
    gw_filter_opt_t bad = {"registr", path, 9};
    spec.opts = (gw_filter_opts_t){"test.conf", &bad, 1};
    assert_null(gw_chain_new(&spec, 1, &err));
    assert_non_null(strstr(err, "test.conf:9: filter contract: unknown option 'registr'"));
    gw_free(err);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_contract_valid_fixtures_pass),
        T(test_contract_tr378_gemeente_not_in_cbs_list),
        T(test_contract_tr381_code_not_in_list_or_category),
        T(test_contract_tr418_tariff_differs),
        T(test_contract_product_unknown_category_warns),
        T(test_contract_niet_gecontracteerd_warns),
        T(test_contract_provider_without_contract_rejected),
        T(test_contract_taakgericht_declaratie_rejected),
        T(test_contract_eenheid_and_frequentie),
        T(test_contract_crisis_max_duration_warns),
        T(test_contract_leeftijd),
        T(test_contract_verwijzer),
        T(test_contract_partial_list_falls_back_to_categorie),
        T(test_contract_ernst_per_segment_and_age_on_ingangsdatum),
        T(test_contract_specifiek_and_einddatum),
        T(test_contract_other_gemeente_passes_untouched),
        T(test_contract_onderaannemer_routed_to_hoofdaannemer),
        T(test_contract_large_register_is_fast),
        T(test_contract_bad_register_refuses_chain),
    };
    return cmocka_run_group_tests_name("contract", tests, s_group_setup, s_group_teardown);
}
