/*
 * Tests of the built-in filter startstop (filters/filter_startstop.c): the start/stop
 * sequences of spec §1.3 pass, and each cross-message rule (TR074, TR063, TR326,
 * TR071, TR382, TR413, TR414, TR415) rejects with its retourcode on the right class.
 * Messages are the valid fixtures, mutated in memory; the state is a real SQLite
 * file in a mkdtemp directory, each submit inside its own transaction as the broker
 * does.
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

#define FT_FILE  "test.conf"
#define T_START "/Bericht/Client/StartProducten/StartProduct"
#define T_STOP  "/Bericht/Client/StopProducten/StopProduct"

/* Submit msg and expect exactly one level-3 diagnostic rule/code on path, cls. */
static void
s_reject(ft_env_t *env, const gw_msg_t *msg, const char *rule, const char *code, const char *path,
         const void *cls)
{
    ft_expect_reject1(env, msg, rule, code, path, cls, msg->bericht->Client->Bsn);
}

static gw_msg_t *
s_fixture(const char *rel)
{
    gw_msg_t *m = ut_decode_fixture(ft_codec, rel);
    assert_non_null(m);
    return m;
}

static gw_start_stop_product_t *
s_start(gw_msg_t *m, size_t i)
{
    assert_true(i < m->bericht->Client->StartProduct.n);
    return &m->bericht->Client->StartProduct.v[i];
}

static gw_start_stop_product_t *
s_stop(gw_msg_t *m, size_t i)
{
    assert_true(i < m->bericht->Client->StopProduct.n);
    return &m->bericht->Client->StopProduct.v[i];
}

/* Give m's StartProducten (start) or StopProducten n copies of its first row. */
static void
s_rows(gw_msg_t *m, int start, size_t n)
{
    gw_client_t *c = m->bericht->Client;
    gw_start_stop_product_t *v = gw_arena_alloc(m->arena, n * sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = start ? c->StartProduct.v[0] : c->StopProduct.v[0];
    }
    if (start) {
        c->StartProduct.v = v;
        c->StartProduct.n = n;
    } else {
        c->StopProduct.v = v;
        c->StopProduct.n = n;
    }
}

/* ---- the sequences of §1.3 ---- */

static void
test_startstop_story_passes(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "startstop", "story.db");
    gw_msg_t *m305 = s_fixture("valid/jw305.xml");
    gw_msg_t *m307 = s_fixture("valid/jw307.xml");
    gw_msg_t *w305 = s_fixture("valid/wmo305.xml");
    gw_msg_t *w307 = s_fixture("valid/wmo307.xml");

    /* Stop na start, iJw and iWmo. */
    ft_expect_pass(&env, m305);
    ft_expect_pass(&env, m307);
    ft_expect_pass(&env, w305);
    ft_expect_pass(&env, w307);

    /* The same start again: its key was already received (TR074). */
    s_reject(&env, m305, "TR074", "9074", T_START "[1]", s_start(m305, 0));
    /* The same stop again: TR074 before TR415. */
    s_reject(&env, w307, "TR074", "9074", T_STOP "[1]", s_stop(w307, 0));

    /* Another aanbieder, or another gemeente, has its own rows. */
    m305->bericht->Header->Afzender = "42420002";
    ft_expect_pass(&env, m305);
    m305->bericht->Header->Afzender = "42420001";
    m305->bericht->Header->Ontvanger = "0599";
    s_start(m305, 0)->StatusAanlevering = "3";
    s_reject(&env, m305, "TR063", "9063", T_START "[1]", s_start(m305, 0));

    /* A retourbericht is outside the filter's mask. */
    gw_msg_t *m306 = s_fixture("valid/jw306.xml");
    ft_expect_pass(&env, m306);
    gw_msg_destroy(&m306);

    gw_msg_destroy(&m305);
    gw_msg_destroy(&m307);
    gw_msg_destroy(&w305);
    gw_msg_destroy(&w307);
    ft_env_close(&env);
}

static void
test_startstop_tijdelijk_then_definitief(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "startstop", "tijdelijk.db");
    gw_msg_t *m305 = s_fixture("valid/jw305.xml");
    gw_msg_t *m307 = s_fixture("valid/jw307.xml");
    gw_start_stop_product_t *sp = s_stop(m307, 0);
    ft_expect_pass(&env, m305);

    /* Tijdelijke stop. */
    sp->RedenBeeindiging = "20";
    sp->Einddatum = "2026-05-01";
    ft_expect_pass(&env, m307);

    /* A second tijdelijke stop on the same Begindatum (TR413). */
    sp->Einddatum = "2026-06-01";
    s_reject(&env, m307, "TR413", "9413", T_STOP "[1]", sp);

    /* A definitive stop before the tijdelijke stop's Einddatum (TR414). */
    sp->RedenBeeindiging = "31";
    sp->Einddatum = "2026-04-30";
    s_reject(&env, m307, "TR414", "9414", T_STOP "[1]", sp);

    /* Definitieve stop na tijdelijke stop (OP377/OP378), on the same day is fine too. */
    sp->Einddatum = "2026-05-01";
    ft_expect_pass(&env, m307);

    /* Nothing after a definitive stop (TR415), tijdelijk or not. */
    sp->RedenBeeindiging = "33";
    sp->Einddatum = "2026-07-31";
    s_reject(&env, m307, "TR415", "9415", T_STOP "[1]", sp);
    sp->RedenBeeindiging = "20";
    s_reject(&env, m307, "TR415", "9415", T_STOP "[1]", sp);

    gw_msg_destroy(&m305);
    gw_msg_destroy(&m307);
    ft_env_close(&env);
}

static void
test_startstop_start_after_stop(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "startstop", "restart.db");
    gw_msg_t *m305 = s_fixture("valid/wmo305.xml");
    gw_msg_t *m307 = s_fixture("valid/wmo307.xml");
    gw_start_stop_product_t *st = s_start(m305, 0);
    gw_start_stop_product_t *sp = s_stop(m307, 0);
    ft_expect_pass(&env, m305);

    /* A second start for the same toewijzing while the first is actueel (TR326). */
    st->Begindatum = "2026-03-01";
    s_reject(&env, m305, "TR326", "9326", T_START "[1]", st);

    /* Tijdelijke stop, then the resumption: a new start with a new Begindatum (OP379). */
    sp->RedenBeeindiging = "20";
    sp->Einddatum = "2026-02-28";
    ft_expect_pass(&env, m307);
    ft_expect_pass(&env, m305);

    /* The resumed start is actueel now: yet another start is refused. */
    st->Begindatum = "2026-04-01";
    s_reject(&env, m305, "TR326", "9326", T_START "[1]", st);

    /* Definitive stop of the resumed start, then a start after that stop. */
    sp->Begindatum = "2026-03-01";
    sp->RedenBeeindiging = "39";
    sp->Einddatum = "2026-03-31";
    ft_expect_pass(&env, m307);
    ft_expect_pass(&env, m305);

    gw_msg_destroy(&m305);
    gw_msg_destroy(&m307);
    ft_env_close(&env);
}

static void
test_startstop_delete_and_correct(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "startstop", "delete.db");
    gw_msg_t *m305 = s_fixture("valid/jw305.xml");
    gw_msg_t *m307 = s_fixture("valid/jw307.xml");
    gw_start_stop_product_t *st = s_start(m305, 0);
    gw_start_stop_product_t *sp = s_stop(m307, 0);

    /* Deleting what was never sent (TR063; the IV028 example). */
    st->StatusAanlevering = "3";
    s_reject(&env, m305, "TR063", "9063", T_START "[1]", st);
    sp->StatusAanlevering = "3";
    s_reject(&env, m307, "TR063", "9063", T_STOP "[1]", sp);

    /* Verwijderen start: 305, 305 (3); a second delete has nothing left to delete. */
    st->StatusAanlevering = "1";
    ft_expect_pass(&env, m305);
    st->StatusAanlevering = "3";
    ft_expect_pass(&env, m305);
    s_reject(&env, m305, "TR063", "9063", T_START "[1]", st);

    /* Correctie start: 305, 305 (3), 305 (1) with the same key in a later message. */
    st->StatusAanlevering = "1";
    ft_expect_pass(&env, m305);

    /* A stop was sent: the start cannot be deleted (TR071). */
    sp->StatusAanlevering = "1";
    ft_expect_pass(&env, m307);
    st->StatusAanlevering = "3";
    s_reject(&env, m305, "TR071", "9071", T_START "[1]", st);

    /* Verwijderen stop, then the start may go (and a second stop delete is TR063). */
    sp->StatusAanlevering = "3";
    ft_expect_pass(&env, m307);
    s_reject(&env, m307, "TR063", "9063", T_STOP "[1]", sp);
    ft_expect_pass(&env, m305);

    /* Correctie stop: the same stop may be sent again once deleted... but not the start
     * it referred to, which is gone now (TR382). */
    sp->StatusAanlevering = "1";
    s_reject(&env, m307, "TR382", "9069", T_STOP "[1]", sp);

    gw_msg_destroy(&m305);
    gw_msg_destroy(&m307);
    ft_env_close(&env);
}

static void
test_startstop_correction_in_one_message(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "startstop", "iv008.db");
    gw_msg_t *m305 = s_fixture("valid/jw305.xml");
    ft_expect_pass(&env, m305);

    /* IV008: delete and a new row in one message, a key element (Begindatum) changed. */
    gw_msg_t *fix = s_fixture("valid/jw305.xml");
    s_rows(fix, 1, 2);
    s_start(fix, 0)->StatusAanlevering = "3";
    s_start(fix, 1)->Begindatum = "2026-02-09";
    ft_expect_pass(&env, fix);

    /* The same key deleted and sent again in one message: refused (TR074 on row 2). */
    s_start(fix, 0)->Begindatum = "2026-02-09";
    s_reject(&env, fix, "TR074", "9074", T_START "[2]", s_start(fix, 1));

    /* The new row before the delete: the old start is still actueel for row 1 (TR326). */
    s_start(fix, 0)->StatusAanlevering = "1";
    s_start(fix, 0)->Begindatum = "2026-02-16";
    s_start(fix, 1)->StatusAanlevering = "3";
    s_reject(&env, fix, "TR326", "9326", T_START "[1]", s_start(fix, 0));

    /* Two new rows for one toewijzing in one message: the second is TR326. */
    gw_msg_t *two = s_fixture("valid/jw305.xml");
    s_rows(two, 1, 2);
    s_start(two, 0)->ToewijzingNummer = "12345002";
    s_start(two, 1)->ToewijzingNummer = "12345002";
    s_start(two, 1)->Begindatum = "2026-02-23";
    s_reject(&env, two, "TR326", "9326", T_START "[2]", s_start(two, 1));

    /* A stop and its deletion in one 307 leave nothing behind; every failing row is named. */
    gw_msg_t *m307 = s_fixture("valid/jw307.xml");
    s_rows(m307, 0, 3);
    s_stop(m307, 0)->Begindatum = "2026-02-09";
    s_stop(m307, 1)->Begindatum = "2026-02-09";
    s_stop(m307, 1)->StatusAanlevering = "3";
    s_stop(m307, 2)->Begindatum = "2026-02-09";
    s_stop(m307, 2)->StatusAanlevering = "3";
    assert_int_equal(ft_submit(&env, m307), GW_VERDICT_REJECT);
    assert_int_equal(gw_diag_count(env.diag), 1);
    assert_true(ut_diag_has(env.diag, "TR063", "9063"));
    assert_ptr_equal(gw_diag_at(env.diag, 0)->cls, s_stop(m307, 2));
    s_stop(m307, 0)->Begindatum = "2026-02-02"; /* the deleted start: TR382 */
    assert_int_equal(ft_submit(&env, m307), GW_VERDICT_REJECT);
    assert_int_equal(gw_diag_count(env.diag), 3);
    assert_string_equal(gw_diag_at(env.diag, 0)->rule, "TR382");
    assert_string_equal(gw_diag_at(env.diag, 1)->rule, "TR063");
    assert_string_equal(gw_diag_at(env.diag, 1)->path, T_STOP "[2]");
    assert_string_equal(gw_diag_at(env.diag, 2)->rule, "TR063");
    assert_string_equal(gw_diag_at(env.diag, 2)->path, T_STOP "[3]");

    gw_msg_destroy(&m307);
    gw_msg_destroy(&two);
    gw_msg_destroy(&fix);
    gw_msg_destroy(&m305);
    ft_env_close(&env);
}

static void
test_startstop_stop_needs_start(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "startstop", "tr382.db");
    gw_msg_t *m305 = s_fixture("valid/jw305.xml");
    gw_msg_t *m307 = s_fixture("valid/jw307.xml");
    gw_start_stop_product_t *sp = s_stop(m307, 0);

    /* No start at all. */
    s_reject(&env, m307, "TR382", "9069", T_STOP "[1]", sp);
    ft_expect_pass(&env, m305);

    /* The start key elements must be copied unchanged: Product, Begindatum. */
    sp->Product->Code = "45A49";
    s_reject(&env, m307, "TR382", "9069", T_STOP "[1]", sp);
    sp->Product->Code = "45A48";
    sp->Begindatum = "2026-02-03";
    s_reject(&env, m307, "TR382", "9069", T_STOP "[1]", sp);

    /* ToewijzingNummer compares as a number; ToewijzingIngangsdatum is not in the key. */
    sp->Begindatum = "2026-02-02";
    sp->ToewijzingNummer = "012345001";
    sp->ToewijzingIngangsdatum = "2026-01-01";
    ft_expect_pass(&env, m307);

    /* Taakgericht (IV096): no ToewijzingNummer, the key is Product + Begindatum. */
    gw_msg_t *t305 = s_fixture("valid/jw305-taakgericht.xml");
    ft_expect_pass(&env, t305);
    s_reject(&env, t305, "TR074", "9074", T_START "[1]", s_start(t305, 0));
    gw_client_t *tc = t305->bericht->Client;
    sp->ToewijzingNummer = NULL;
    sp->ToewijzingIngangsdatum = NULL;
    m307->bericht->Header->Afzender = t305->bericht->Header->Afzender;
    m307->bericht->Header->Ontvanger = t305->bericht->Header->Ontvanger;
    m307->bericht->Client->Bsn = gw_arena_strdup(m307->arena, tc->Bsn);
    sp->Product->Code = "45A02";
    sp->Begindatum = "2026-03-09";
    s_reject(&env, m307, "TR382", "9069", T_STOP "[1]", sp);
    sp->Product->Code = "45A01";
    ft_expect_pass(&env, m307);

    gw_msg_destroy(&t305);
    gw_msg_destroy(&m305);
    gw_msg_destroy(&m307);
    ft_env_close(&env);
}

/* ---- robustness ---- */

static void
test_startstop_refuses_options(void **state)
{
    (void)state;
    gw_filter_opt_t o = {"strict", "yes", 8};
    gw_chain_spec_t spec = {.name = "startstop", .line = 7, .opts = {FT_FILE, &o, 1}};
    char *err = NULL;
    assert_null(gw_chain_new(&spec, 1, &err));
    assert_non_null(err);
    assert_string_equal(
        err, "test.conf:8: filter startstop: unknown option 'strict' (startstop has none)");
    gw_free(err);
}

static void
test_startstop_survives_rolled_back_first_transaction(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "startstop", "rollback.db");
    gw_msg_t *m305 = s_fixture("valid/jw305.xml");

    /* The table is created inside a transaction that the broker then rolls back. */
    ut_db_exec(env.db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(env.chain, m305, env.diag, &env.ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_chain_accept(env.chain, m305, &env.ctx), GW_OK);
    ut_db_exec(env.db, "ROLLBACK");

    /* The cached statements point at a table that is gone; the filter recovers. */
    ft_expect_pass(&env, m305);
    s_reject(&env, m305, "TR074", "9074", T_START "[1]", s_start(m305, 0));

    /* A fresh chain on a new handle to the same file sees what was recorded. */
    gw_chain_destroy(&env.chain);
    assert_int_equal(sqlite3_close(env.db), SQLITE_OK);
    env.db = ft_db_open("rollback.db");
    env.ctx.db = env.db;
    gw_chain_spec_t spec = {.name = "startstop", .line = 1, .opts = {FT_FILE, NULL, 0}};
    env.chain = gw_chain_new(&spec, 1, NULL);
    assert_non_null(env.chain);
    s_reject(&env, m305, "TR074", "9074", T_START "[1]", s_start(m305, 0));

    /* No database handle: the filter cannot work, ERROR (logged). */
    gw_diag_reset(env.diag);
    gw_filter_ctx_t nodb = {.now_ms = 1, .peer = "42420001", .db = NULL};
    assert_int_equal(gw_chain_run(env.chain, m305, env.diag, &nodb), GW_VERDICT_ERROR);
    assert_int_not_equal(gw_chain_accept(env.chain, m305, &nodb), GW_OK);

    gw_msg_destroy(&m305);
    ft_env_close(&env);
}

/* ---- main ---- */

int
main(void)
{
    if (ft_dir_make("startstop") != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_startstop_story_passes, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_startstop_tijdelijk_then_definitief, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_startstop_start_after_stop, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_startstop_delete_and_correct, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_startstop_correction_in_one_message, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_startstop_stop_needs_start, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_startstop_refuses_options, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_startstop_survives_rolled_back_first_transaction,
                                        ft_setup, ft_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ft_dir_remove();
    return failed;
}
