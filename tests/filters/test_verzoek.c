/*
 * Tests of the built-in verzoek filter (filters/filter_verzoek.c): the VOT/VOW
 * cross-message rules TR347, TR374, TR355, TR359, TR360, TR365 and TR379 on a
 * real SQLite file in a mkdtemp directory, driven through the chain with the
 * fixtures of the iJw and iWmo stories (tests/fixtures/valid/README.md),
 * mutated in memory to break one rule at a time.
 */
#define _XOPEN_SOURCE 700
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/arena.h"

#include "gw_chain.h"
#include "unittest.h"

#include "filter_env.h"


/* ---- helpers ---- */


/* Decode a fixture and submit it; it must pass. Returns the message (caller destroys). */
static gw_msg_t *
s_pass(ft_env_t *env, const char *fixture)
{
    gw_msg_t *msg = ut_decode_fixture(ft_codec, fixture);
    gw_verdict_t v = ft_submit(env, msg);
    if (v != GW_VERDICT_PASS) {
        ut_print_diag(env->diag);
        fail_msg("%s: verdict %d, expected PASS", fixture, (int)v);
    }
    assert_int_equal(gw_diag_count(env->diag), 0);
    return msg;
}

static void
s_pass_free(ft_env_t *env, const char *fixture)
{
    gw_msg_t *msg = s_pass(env, fixture);
    gw_msg_destroy(&msg);
}

/* Entry i must be rule/code at path on cls, level 3, without personal data. */
static void
s_expect(const gw_diag_t *diag, size_t i, const char *rule, const char *code, const char *path,
         const void *cls)
{
    assert_true(i < gw_diag_count(diag));
    assert_non_null(gw_diag_at(diag, i)->text);
    ft_expect_diag(diag, i, rule, code, path, cls, "9999000"); /* no BSN */
}

/* Submit msg, expect REJECT with exactly one diagnostic. */
static void
s_reject1(ft_env_t *env, const gw_msg_t *msg, const char *rule, const char *code, const char *path,
          const void *cls)
{
    gw_verdict_t v = ft_submit(env, msg);
    if (v != GW_VERDICT_REJECT) {
        fail_msg("expected REJECT by %s, got verdict %d", rule, (int)v);
    }
    if (gw_diag_count(env->diag) != 1) {
        ut_print_diag(env->diag);
    }
    assert_int_equal(gw_diag_count(env->diag), 1);
    s_expect(env->diag, 0, rule, code, path, cls);
}

static int
s_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return n;
}

#define P_AP1      "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]"
#define P_VERZOEK  "/Bericht/Client/Verzoek"
#define P_ANTW_REF "/Bericht/Antwoord/ReferentieAanbieder"
#define P_ANTW_VA  "/Bericht/Antwoord/VerzoekAntwoord"
#define P_TP1_REF  "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder"

/* ---- the stories pass ---- */

static void
s_story(ft_env_t *env, const char *prefix)
{
    static const char *const steps[] = {"315.xml", "319.xml", "301.xml", "317.xml",
                                        "319-vow-afgewezen.xml"};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "valid/%s%s", prefix, steps[i]);
        s_pass_free(env, rel);
    }
}

static void
test_verzoek_stories_pass(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "story.db");
    s_story(&env, "jw");
    s_story(&env, "wmo");
    /* Per family: the VOT toegewezen, the VOW afgewezen. */
    assert_int_equal(s_count(env.db, "SELECT count(*) FROM verzoek_ref"), 4);
    assert_int_equal(s_count(env.db, "SELECT count(*) FROM verzoek_ref WHERE state = 3"), 2);
    assert_int_equal(s_count(env.db, "SELECT count(*) FROM verzoek_ref WHERE state = 2"), 2);
    assert_int_equal(s_count(env.db, "SELECT count(*) FROM verzoek_antwoord"), 4);
    assert_int_equal(s_count(env.db, "SELECT count(*) FROM verzoek_toewijzing"), 2);
    gw_chain_stats_t st;
    gw_chain_stats(env.chain, 0, &st);
    assert_int_equal(st.passed, 10);
    assert_int_equal(st.rejected, 0);

    /* A 301 repeats the honoured toewijzing (OP087): still fine (TR379). */
    s_pass_free(&env, "valid/jw301.xml");

    /* Other message types are not looked at: a 305 and a retour pass untouched. */
    s_pass_free(&env, "valid/jw305.xml");
    s_pass_free(&env, "valid/jw316.xml");
    ft_env_close(&env);
}

/* ---- TR347 ---- */

static void
test_verzoek_tr347_reused_referentie(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr347.db");
    s_pass_free(&env, "valid/jw315.xml");

    /* Another client (no open verzoek for it), same ReferentieAanbieder: 9347. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw315.xml");
    m->bericht->Header->BerichtIdentificatie->Identificatie = "JW315-000002";
    m->bericht->Client->Bsn = "999900031";
    gw_aangevraagd_product_t *ap = &m->bericht->Client->AangevraagdProduct.v[0];
    s_reject1(&env, m, "TR347", "9347", P_AP1 "/ReferentieAanbieder", ap);
    /* Unique per aanbieder, not per gemeente: to another gemeente too. */
    m->bericht->Header->Ontvanger = "0599";
    s_reject1(&env, m, "TR347", "9347", P_AP1 "/ReferentieAanbieder", ap);
    /* Another aanbieder may use the same text. */
    m->bericht->Header->Afzender = "65656055";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    gw_msg_destroy(&m);

    /* A 317 reusing the VOT's reference (the VOT is answered first, so TR374 holds). */
    s_pass_free(&env, "valid/jw301.xml");
    m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    m->bericht->Client->Verzoek->ReferentieAanbieder = gw_arena_strdup(m->arena, "VOT-2026-0001");
    s_reject1(&env, m, "TR347", "9347", P_VERZOEK "/ReferentieAanbieder",
              m->bericht->Client->Verzoek);
    gw_msg_destroy(&m);

    /* The same reference in the other family (another wettelijk domein) is new there. */
    m = ut_decode_fixture(ft_codec, "valid/wmo315.xml");
    m->bericht->Client->AangevraagdProduct.v[0].ReferentieAanbieder = "VOT-2026-0001";
    m->bericht->Header->Afzender = "42420001";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- TR374 ---- */

static void
test_verzoek_tr374_open_verzoek(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr374.db");
    s_pass_free(&env, "valid/jw315.xml");

    /* The VOT is open: a VOW for the same client at the same gemeente is refused. */
    gw_msg_t *vow = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    s_reject1(&env, vow, "TR374", "9374", P_VERZOEK, vow->bericht->Client->Verzoek);

    /* So is a second VOT with a new reference. */
    gw_msg_t *vot = ut_decode_fixture(ft_codec, "valid/jw315.xml");
    vot->bericht->Client->AangevraagdProduct.v[0].ReferentieAanbieder = "VOT-2026-0002";
    s_reject1(&env, vot, "TR374", "9374", P_AP1, &vot->bericht->Client->AangevraagdProduct.v[0]);

    /* In onderzoek is still onderhanden. */
    s_pass_free(&env, "valid/jw319.xml");
    s_reject1(&env, vow, "TR374", "9374", P_VERZOEK, vow->bericht->Client->Verzoek);

    /* Another client, or the same client at another gemeente: not onderhanden. */
    vot->bericht->Client->Bsn = "999900031";
    assert_int_equal(ft_submit(&env, vot), GW_VERDICT_PASS);
    vow->bericht->Header->Ontvanger = "0599";
    assert_int_equal(ft_submit(&env, vow), GW_VERDICT_PASS);
    gw_msg_destroy(&vot);
    gw_msg_destroy(&vow);

    /* Honoured by the 301: the VOW may follow. */
    s_pass_free(&env, "valid/jw301.xml");
    vow = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    vow->bericht->Client->Verzoek->ReferentieAanbieder = "VOW-2026-0009";
    assert_int_equal(ft_submit(&env, vow), GW_VERDICT_PASS);
    gw_msg_destroy(&vow);
    ft_env_close(&env);
}

/* A VOT with two products stays onderhanden until both are answered. */
static void
test_verzoek_tr374_vot_open_until_every_product_answered(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr374-two.db");
    gw_msg_t *vot = ut_decode_fixture(ft_codec, "valid/jw315.xml");
    gw_client_t *c = vot->bericht->Client;
    gw_aangevraagd_product_t *two = gw_arena_alloc(vot->arena, 2 * sizeof(*two));
    assert_non_null(two);
    two[0] = c->AangevraagdProduct.v[0];
    two[1] = c->AangevraagdProduct.v[0];
    two[1].ReferentieAanbieder = "VOT-2026-0002";
    c->AangevraagdProduct.v = two;
    c->AangevraagdProduct.n = 2;
    assert_int_equal(ft_submit(&env, vot), GW_VERDICT_PASS);

    /* While open, a new VOT is refused on each of its products. */
    gw_msg_t *again = ut_decode_fixture(ft_codec, "valid/jw315.xml");
    again->bericht->Client->AangevraagdProduct.v[0].ReferentieAanbieder = "VOT-2026-0003";
    s_reject1(&env, again, "TR374", "9374", P_AP1,
              &again->bericht->Client->AangevraagdProduct.v[0]);
    assert_int_equal(ft_submit(&env, vot), GW_VERDICT_REJECT); /* TR347 and TR374 twice each */
    assert_int_equal(gw_diag_count(env.diag), 4);
    s_expect(env.diag, 0, "TR347", "9347", P_AP1 "/ReferentieAanbieder", &two[0]);
    s_expect(env.diag, 1, "TR347", "9347",
             "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[2]/ReferentieAanbieder",
             &two[1]);
    s_expect(env.diag, 2, "TR374", "9374", P_AP1, &two[0]);
    s_expect(env.diag, 3, "TR374", "9374",
             "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[2]", &two[1]);

    /* The first product is honoured; the second is still open. */
    s_pass_free(&env, "valid/jw301.xml");
    gw_msg_t *vow = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    s_reject1(&env, vow, "TR374", "9374", P_VERZOEK, vow->bericht->Client->Verzoek);

    /* The second product is afgewezen: nothing onderhanden any more. */
    gw_msg_t *nee = ut_decode_fixture(ft_codec, "valid/jw319-vow-afgewezen.xml");
    nee->bericht->Antwoord->ReferentieAanbieder = "VOT-2026-0002";
    assert_int_equal(ft_submit(&env, nee), GW_VERDICT_PASS);
    assert_int_equal(ft_submit(&env, vow), GW_VERDICT_PASS);

    /* The VOW is answered by one 319 with VerzoekAntwoord 1: closed. */
    nee->bericht->Antwoord->ReferentieAanbieder = "VOW-2026-0001";
    assert_int_equal(ft_submit(&env, nee), GW_VERDICT_PASS);
    assert_int_equal(ft_submit(&env, again), GW_VERDICT_PASS);

    gw_msg_destroy(&nee);
    gw_msg_destroy(&vow);
    gw_msg_destroy(&again);
    gw_msg_destroy(&vot);
    ft_env_close(&env);
}

/* ---- TR355 ---- */

static void
test_verzoek_tr355_unknown_referentie(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr355.db");

    /* No verzoek at all. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw319.xml");
    s_reject1(&env, m, "TR355", "9355", P_ANTW_REF, m->bericht->Antwoord);

    /* The VOT exists, but was sent to another gemeente than the one answering. */
    s_pass_free(&env, "valid/jw315.xml");
    m->bericht->Header->Afzender = "0599";
    s_reject1(&env, m, "TR355", "9355", P_ANTW_REF, m->bericht->Antwoord);

    /* Or the answer goes to another aanbieder. */
    m->bericht->Header->Afzender = "0363";
    m->bericht->Header->Ontvanger = "65656055";
    s_reject1(&env, m, "TR355", "9355", P_ANTW_REF, m->bericht->Antwoord);

    /* The right parties: fine. */
    m->bericht->Header->Ontvanger = "42420001";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- TR359 ---- */

static void
test_verzoek_tr359_answer_after_toewijzing(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr359.db");
    s_pass_free(&env, "valid/wmo315.xml");
    s_pass_free(&env, "valid/wmo301.xml");
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/wmo319.xml");
    m->bericht->Antwoord->VerzoekAntwoord = "1";
    m->bericht->Antwoord->RedenAfwijzingVerzoek = "4";
    s_reject1(&env, m, "TR359", "9359", P_ANTW_REF, m->bericht->Antwoord);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- TR360 and TR365 ---- */

static void
test_verzoek_tr360_second_in_onderzoek(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr360.db");
    s_pass_free(&env, "valid/jw315.xml");
    s_pass_free(&env, "valid/jw319.xml");
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw319.xml");
    m->bericht->Header->BerichtIdentificatie->Identificatie = "JW319-000009";
    s_reject1(&env, m, "TR360", "9360", P_ANTW_VA, m->bericht->Antwoord);
    /* The final answer after "in onderzoek" is fine (afwijzen na onderzoek). */
    m->bericht->Antwoord->VerzoekAntwoord = "1";
    m->bericht->Antwoord->RedenAfwijzingVerzoek = "7";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

static void
test_verzoek_tr365_answer_after_afwijzing(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr365.db");
    s_pass_free(&env, "valid/wmo317.xml");
    s_pass_free(&env, "valid/wmo319-vow-afgewezen.xml");

    /* Another afwijzing: 9365 only. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/wmo319-vow-afgewezen.xml");
    m->bericht->Header->BerichtIdentificatie->Identificatie = "WMO319-0009";
    s_reject1(&env, m, "TR365", "9365", P_ANTW_VA, m->bericht->Antwoord);

    /* "In onderzoek" after an afwijzing breaks TR360 and TR365. */
    m->bericht->Antwoord->VerzoekAntwoord = "2";
    m->bericht->Antwoord->RedenAfwijzingVerzoek = NULL;
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_REJECT);
    assert_int_equal(gw_diag_count(env.diag), 2);
    s_expect(env.diag, 0, "TR360", "9360", P_ANTW_VA, m->bericht->Antwoord);
    s_expect(env.diag, 1, "TR365", "9365", P_ANTW_VA, m->bericht->Antwoord);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- TR379 ---- */

static void
test_verzoek_tr379_toewijzing_without_verzoek(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "tr379.db");

    /* No VOT was sent. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    gw_toegewezen_product_t *tp = &m->bericht->Client->ToegewezenProduct.v[0];
    s_reject1(&env, m, "TR379", "9379", P_TP1_REF, tp);

    /* The VOT went to another gemeente. */
    gw_msg_t *vot = ut_decode_fixture(ft_codec, "valid/jw315.xml");
    vot->bericht->Header->Ontvanger = "0599";
    assert_int_equal(ft_submit(&env, vot), GW_VERDICT_PASS);
    gw_msg_destroy(&vot);
    s_reject1(&env, m, "TR379", "9379", P_TP1_REF, tp);

    /* Without ReferentieAanbieder a toewijzing honours no verzoek: nothing to check. */
    tp->ReferentieAanbieder = NULL;
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    gw_msg_destroy(&m);

    /* The standalone jw301-multi: VOT-2026-0150 was never sent (see jw302-rejected). */
    m = ut_decode_fixture(ft_codec, "valid/jw301-multi.xml");
    s_reject1(&env, m, "TR379", "9379",
              "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/ReferentieAanbieder",
              &m->bericht->Client->ToegewezenProduct.v[1]);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- configuration, errors, recovery ---- */

static void
test_verzoek_refuses_options(void **state)
{
    (void)state;
    gw_filter_opt_t o = {"window", "30", 12};
    gw_chain_spec_t spec = {.name = "verzoek", .line = 11, .opts = {FT_FILE, &o, 1}};
    char *err = NULL;
    assert_null(gw_chain_new(&spec, 1, &err));
    assert_non_null(err);
    assert_string_equal(err,
                        "test.conf:12: filter verzoek: unknown option 'window' (verzoek has none)");
    gw_free(err);
}

static void
test_verzoek_survives_rolled_back_first_transaction(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "verzoek", "rollback.db");
    gw_msg_t *vot = ut_decode_fixture(ft_codec, "valid/jw315.xml");

    /* The tables are created inside a transaction that the broker then rolls back. */
    ut_db_exec(env.db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(env.chain, vot, env.diag, &env.ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_chain_accept(env.chain, vot, &env.ctx), GW_OK);
    ut_db_exec(env.db, "ROLLBACK");

    /* The cached statements point at tables that are gone; the filter recovers. */
    gw_msg_t *ant = ut_decode_fixture(ft_codec, "valid/jw319.xml");
    s_reject1(&env, ant, "TR355", "9355", P_ANTW_REF, ant->bericht->Antwoord);
    assert_int_equal(ft_submit(&env, vot), GW_VERDICT_PASS);
    assert_int_equal(ft_submit(&env, ant), GW_VERDICT_PASS);

    /* And on accept: a table gone under the cached statements is made again. */
    ut_db_exec(env.db, "DROP TABLE verzoek_toewijzing");
    s_pass_free(&env, "valid/jw301.xml");
    assert_int_equal(s_count(env.db, "SELECT count(*) FROM verzoek_toewijzing"), 1);

    /* No database handle: the filter cannot work, ERROR (logged). */
    gw_filter_ctx_t nodb = env.ctx;
    nodb.db = NULL;
    gw_diag_reset(env.diag);
    assert_int_equal(gw_chain_run(env.chain, ant, env.diag, &nodb), GW_VERDICT_ERROR);
    assert_int_not_equal(gw_chain_accept(env.chain, ant, &nodb), GW_OK);

    /* A fresh chain on a new handle to the same file sees what was recorded. */
    gw_chain_destroy(&env.chain);
    assert_int_equal(sqlite3_close(env.db), SQLITE_OK);
    env.db = ft_db_open("rollback.db");
    env.ctx.db = env.db;
    gw_chain_spec_t spec = {.name = "verzoek", .line = 1, .opts = {FT_FILE, NULL, 0}};
    env.chain = gw_chain_new(&spec, 1, NULL);
    assert_non_null(env.chain);
    assert_int_equal(ft_submit(&env, ant), GW_VERDICT_REJECT);
    assert_int_equal(gw_diag_count(env.diag), 2);
    s_expect(env.diag, 0, "TR359", "9359", P_ANTW_REF, ant->bericht->Antwoord);
    s_expect(env.diag, 1, "TR360", "9360", P_ANTW_VA, ant->bericht->Antwoord);

    gw_msg_destroy(&ant);
    gw_msg_destroy(&vot);
    ft_env_close(&env);
}

/* ---- main ---- */

int
main(void)
{
    if (ft_dir_make("verzoek") != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verzoek_stories_pass, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr347_reused_referentie, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr374_open_verzoek, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr374_vot_open_until_every_product_answered,
                                        ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr355_unknown_referentie, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr359_answer_after_toewijzing, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr360_second_in_onderzoek, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr365_answer_after_afwijzing, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_tr379_toewijzing_without_verzoek, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_refuses_options, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_verzoek_survives_rolled_back_first_transaction,
                                        ft_setup, ft_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ft_dir_remove();
    return failed;
}
