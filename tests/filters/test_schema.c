/*
 * The upgrade path of the filters' tables (filters/filter_sql.c, docs/store.md "Filter
 * tables"): a store whose tr056, verzoek and startstop tables have the layout from before
 * filter_schema (rowid tables) is brought to version 2 (WITHOUT ROWID) at the filter's first
 * use, in the broker's transaction, keeping every row; a fresh store is made at version 2
 * directly. The old layout is written here with the old DDL. (The declaratie tables' step is
 * tested in test_declaratie.c.) And the negative cache in front of tr056's look-up.
 */
#define _XOPEN_SOURCE 700
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../../filters/filter_sql.h"
#include "filter_env.h"
#include "gw_chain.h"
#include "unittest.h"

static int
s_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* 1 when table t is WITHOUT ROWID. */
static int
s_without_rowid(sqlite3 *db, const char *t)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM sqlite_master WHERE name = '%s' AND sql LIKE '%%WITHOUT ROWID'",
             t);
    return s_int(db, sql);
}

static int
s_version(sqlite3 *db, const char *set)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT version FROM filter_schema WHERE name = '%s'", set);
    return s_int(db, sql);
}

static void
test_schema_tr056_old_rows_still_count(void **state)
{
    (void)state;
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw315.xml");
    assert_non_null(m);
    sqlite3 *db = ft_db_open("tr056.db");
    ut_db_exec(db, "CREATE TABLE tr056_ident(sender TEXT NOT NULL, type TEXT NOT NULL,"
                " ident TEXT NOT NULL, dagtekening TEXT NOT NULL,"
                " PRIMARY KEY(sender, type, ident))");
    char sql[256];
    snprintf(sql, sizeof(sql), "INSERT INTO tr056_ident VALUES('42420001', '%s', '%s', '2020-01-01')",
             m->type->name, m->bericht->Header->BerichtIdentificatie->Identificatie);
    ut_db_exec(db, sql);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);

    ft_env_t env;
    ft_env_open(&env, "tr056", "tr056.db");
    /* The old row (same Identificatie, another Dagtekening) makes this one a TR056. */
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_REJECT);
    assert_string_equal(gw_diag_at(env.diag, 0)->rule, "TR056");
    assert_int_equal(s_version(env.db, "tr056"), 2);
    assert_int_equal(s_without_rowid(env.db, "tr056_ident"), 1);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM tr056_ident"), 1);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_old'"),
                     0);
    /* Another Identificatie passes and is recorded in the new table. */
    m->bericht->Header->BerichtIdentificatie->Identificatie = "JW315-NEW001";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM tr056_ident"), 2);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

static void
test_schema_verzoek_and_startstop_rebuilt(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("vs.db");
    ut_db_exec(db,
            "CREATE TABLE verzoek_ref(family INTEGER NOT NULL, aanbieder TEXT NOT NULL,"
            " ref TEXT NOT NULL, gemeente TEXT NOT NULL, bsn TEXT NOT NULL,"
            " soort INTEGER NOT NULL, state INTEGER NOT NULL, PRIMARY KEY(family, aanbieder, ref));"
            "CREATE INDEX verzoek_ref_client ON verzoek_ref(family, aanbieder, gemeente, bsn);"
            "CREATE TABLE verzoek_antwoord(family INTEGER NOT NULL, aanbieder TEXT NOT NULL,"
            " ref TEXT NOT NULL, gemeente TEXT NOT NULL, ident TEXT NOT NULL,"
            " antwoord TEXT NOT NULL, PRIMARY KEY(family, aanbieder, ref, gemeente, ident));"
            "CREATE TABLE verzoek_toewijzing(family INTEGER NOT NULL, aanbieder TEXT NOT NULL,"
            " ref TEXT NOT NULL, gemeente TEXT NOT NULL, toewijzing TEXT NOT NULL,"
            " PRIMARY KEY(family, aanbieder, ref, gemeente, toewijzing));"
            "INSERT INTO verzoek_ref VALUES(1, '42420001', 'R1', '0363', '999900006', 315, 3);"
            "INSERT INTO verzoek_antwoord VALUES(1, '42420001', 'R1', '0363', 'I1', '1');"
            "INSERT INTO verzoek_toewijzing VALUES(1, '42420001', 'R1', '0363', '7');"
            "CREATE TABLE startstop_row(family INTEGER NOT NULL, aanbieder TEXT NOT NULL,"
            " gemeente TEXT NOT NULL, bsn TEXT NOT NULL, kind INTEGER NOT NULL,"
            " twnr INTEGER NOT NULL, product TEXT NOT NULL, begindatum INTEGER NOT NULL,"
            " reden TEXT NOT NULL, einddatum INTEGER NOT NULL, removed INTEGER NOT NULL,"
            " PRIMARY KEY(family, aanbieder, gemeente, bsn, kind, twnr, product, begindatum,"
            " reden, einddatum));"
            "INSERT INTO startstop_row VALUES(1, '42420001', '0363', '999900006', 0, 1, '45|45A48',"
            " 20500, '', 0, 0);");
    assert_int_equal(sqlite3_close(db), SQLITE_OK);

    ft_env_t env;
    ft_env_open(&env, "verzoek", "vs.db");
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw315.xml");
    assert_non_null(m);
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    assert_int_equal(s_version(env.db, "verzoek"), 2);
    assert_int_equal(s_without_rowid(env.db, "verzoek_ref"), 1);
    assert_int_equal(s_without_rowid(env.db, "verzoek_antwoord"), 1);
    assert_int_equal(s_without_rowid(env.db, "verzoek_toewijzing"), 1);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM verzoek_ref WHERE ref = 'R1'"), 1);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM verzoek_antwoord WHERE ref = 'R1'"), 1);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM verzoek_toewijzing WHERE ref = 'R1'"),
                     1);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM sqlite_master"
                                   " WHERE name = 'verzoek_ref_client'"),
                     1);
    gw_msg_destroy(&m);
    gw_chain_destroy(&env.chain);
    gw_chain_spec_t spec = {.name = "startstop", .line = 1, .opts = {FT_FILE, NULL, 0}};
    env.chain = gw_chain_new(&spec, 1, NULL);
    assert_non_null(env.chain);
    m = ut_decode_fixture(ft_codec, "valid/jw305.xml");
    assert_non_null(m);
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    assert_int_equal(s_version(env.db, "startstop"), 2);
    assert_int_equal(s_without_rowid(env.db, "startstop_row"), 1);
    assert_int_equal(s_int(env.db, "SELECT count(*) FROM startstop_row WHERE twnr = 1"), 1);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

static void
test_schema_fresh_store_is_current(void **state)
{
    (void)state;
    const char *const filters[] = {"tr056", "verzoek", "toewijzing", "startstop", "declaratie"};
    const char *const fixtures[] = {"valid/jw301.xml", "valid/jw305.xml", "valid/jw323.xml"};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        ft_env_t env;
        ft_env_open(&env, filters[i], "fresh.db");
        for (size_t k = 0; k < 3; k++) {
            gw_msg_t *m = ut_decode_fixture(ft_codec, fixtures[k]);
            assert_non_null(m);
            gw_verdict_t v = ft_submit(&env, m);
            assert_true(v == GW_VERDICT_PASS || v == GW_VERDICT_REJECT);
            gw_msg_destroy(&m);
        }
        ft_env_close(&env);
    }
    sqlite3 *db = ft_db_open("fresh.db");
    assert_int_equal(s_version(db, "tr056"), 2);
    assert_int_equal(s_version(db, "verzoek"), 2);
    assert_int_equal(s_version(db, "startstop"), 2);
    assert_int_equal(s_version(db, "toewijzing"), 1);
    assert_int_equal(s_version(db, "declaratie"), 3);
    assert_int_equal(s_without_rowid(db, "declaratie_prestatie"), 1);
    assert_int_equal(s_without_rowid(db, "tr056_ident"), 1);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The tr056 filter's negative cache (gw_fsql_bloom_t): a key of a rolled-back batch stays in
 * the cache but not in the table, and must not count; a committed one must. */
static void
test_tr056_cache_and_rolled_back_batch(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "tr056", "cache.db");
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    assert_non_null(m);
    gw_bericht_identificatie_t *id = m->bericht->Header->BerichtIdentificatie;
    const char *dag = id->Dagtekening;
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS); /* builds the cache, records */

    /* Accepted in a batch that the broker then rolls back. */
    id->Identificatie = "JW301-ROLLBK";
    ut_db_exec(env.db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(env.chain, m, env.diag, &env.ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_chain_accept(env.chain, m, &env.ctx), GW_OK);
    ut_db_exec(env.db, "ROLLBACK");
    /* The same Identificatie with another Dagtekening: nothing was kept, so it passes. */
    id->Dagtekening = "2026-01-02";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_PASS);
    /* Now it was committed: with yet another Dagtekening it is a TR056. */
    id->Dagtekening = "2026-01-03";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_REJECT);
    assert_string_equal(gw_diag_at(env.diag, 0)->rule, "TR056");
    /* The first message's Identificatie, recorded before the cache existed in a new chain. */
    gw_chain_destroy(&env.chain);
    gw_chain_spec_t spec = {.name = "tr056", .line = 1, .opts = {FT_FILE, NULL, 0}};
    env.chain = gw_chain_new(&spec, 1, NULL);
    assert_non_null(env.chain);
    id->Identificatie = "JW301-ROLLBK";
    id->Dagtekening = "2026-01-04";
    assert_int_equal(ft_submit(&env, m), GW_VERDICT_REJECT);
    id->Dagtekening = dag;
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* The negative cache itself: never "absent" for a key it holds, and rarely "maybe" for one
 * it does not (16 bits per key, 4 bits in one block: well under 1 %). */
static void
test_bloom_no_false_absent_few_false_maybe(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("bloom.db");
    ut_db_exec(db, "CREATE TABLE k(family INTEGER, ident TEXT);"
                "INSERT INTO k VALUES(1, 'A'), (2, 'B')");
    gw_fsql_bloom_t b = {0};
    assert_int_equal(gw_fsql_bloom_ready(&b, db, "SELECT family, ident FROM k"), GW_OK);
    uint64_t ha = gw_fsql_hash_text(gw_fsql_hash_int(GW_FSQL_HASH0, 1), "A");
    assert_true(gw_fsql_bloom_maybe(&b, ha)); /* from the scan */
    char key[32];
    for (int i = 0; i < 200000; i++) {
        snprintf(key, sizeof(key), "K%09d", i);
        gw_fsql_bloom_add(&b, gw_fsql_hash_text(gw_fsql_hash_int(GW_FSQL_HASH0, 1), key));
    }
    int maybe = 0;
    for (int i = 0; i < 200000; i++) {
        snprintf(key, sizeof(key), "K%09d", i);
        assert_true(gw_fsql_bloom_maybe(&b, gw_fsql_hash_text(gw_fsql_hash_int(GW_FSQL_HASH0, 1),
                                                             key)));
        snprintf(key, sizeof(key), "X%09d", i);
        maybe += gw_fsql_bloom_maybe(&b, gw_fsql_hash_text(gw_fsql_hash_int(GW_FSQL_HASH0, 1),
                                                          key));
    }
    assert_true(maybe < 2000); /* < 1 % */
    /* The same text in another family is another key. */
    assert_int_equal(gw_fsql_hash_text(gw_fsql_hash_int(GW_FSQL_HASH0, 2), "A") == ha, 0);
    /* Grown past its size (2^20 keys when built small): the next ready() builds it again from
     * the table, which holds only A and B. */
    for (int i = 0; i < (1 << 20); i++) {
        gw_fsql_bloom_add(&b, (uint64_t)i);
    }
    assert_int_equal(gw_fsql_bloom_ready(&b, db, "SELECT family, ident FROM k"), GW_OK);
    assert_true(gw_fsql_bloom_maybe(&b, ha));
    assert_int_equal(b.n, 2);
    gw_fsql_bloom_free(&b);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

int
main(void)
{
    if (ft_dir_make("schema") != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_tr056_old_rows_still_count, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_schema_verzoek_and_startstop_rebuilt, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_schema_fresh_store_is_current, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_tr056_cache_and_rolled_back_batch, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_bloom_no_false_absent_few_false_maybe, ft_setup,
                                        ft_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ft_dir_remove();
    return failed;
}
