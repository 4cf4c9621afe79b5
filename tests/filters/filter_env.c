/* Shared harness of the filter tests (filter_env.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_env.h"

static char s_dir[256];

int
ft_dir_make(const char *tag)
{
    char name[64];
    snprintf(name, sizeof(name), "gw-%s", tag);
    return ut_tmpdir(s_dir, sizeof(s_dir), name);
}

void
ft_dir_remove(void)
{
    if (s_dir[0]) {
        ut_tree_remove(s_dir);
    }
}

sqlite3 *
ft_db_open(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", s_dir, name);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    return db;
}

void
ft_env_open(ft_env_t *env, const char *filter, const char *dbname)
{
    memset(env, 0, sizeof(*env));
    env->db = ft_db_open(dbname);
    gw_chain_spec_t spec = {.name = filter, .line = 1, .opts = {FT_FILE, NULL, 0}};
    char *err = NULL;
    env->chain = gw_chain_new(&spec, 1, &err);
    if (!env->chain) {
        fail_msg("gw_chain_new: %s", err ? err : "?");
    }
    env->diag = gw_diag_new();
    assert_non_null(env->diag);
    env->ctx = (gw_filter_ctx_t){.now_ms = 1770000000000, .peer = "42420001", .db = env->db};
}

void
ft_env_close(ft_env_t *env)
{
    gw_diag_destroy(&env->diag);
    gw_chain_destroy(&env->chain);
    assert_int_equal(sqlite3_close(env->db), SQLITE_OK);
}

gw_verdict_t
ft_submit(ft_env_t *env, const gw_msg_t *msg)
{
    gw_diag_reset(env->diag);
    ut_db_exec(env->db, "BEGIN IMMEDIATE");
    gw_verdict_t v = gw_chain_run(env->chain, msg, env->diag, &env->ctx);
    if (v == GW_VERDICT_PASS || v == GW_VERDICT_WARN) {
        assert_int_equal(gw_chain_accept(env->chain, msg, &env->ctx), GW_OK);
    }
    ut_db_exec(env->db, "COMMIT");
    return v;
}

void
ft_expect_pass(ft_env_t *env, const gw_msg_t *msg)
{
    gw_verdict_t v = ft_submit(env, msg);
    if (v != GW_VERDICT_PASS) {
        ut_print_diag(env->diag);
        fail_msg("expected PASS, got %d", (int)v);
    }
    assert_int_equal(gw_diag_count(env->diag), 0);
}

void
ft_expect_diag(const gw_diag_t *diag, size_t i, const char *rule, const char *code,
               const char *path, const void *cls, const char *bsn)
{
    assert_true(i < gw_diag_count(diag));
    const gw_diag_entry_t *d = gw_diag_at(diag, i);
    assert_int_equal(d->level, GW_LEVEL_CROSS);
    assert_string_equal(d->rule, rule);
    assert_string_equal(d->retourcode, code);
    assert_string_equal(d->path, path);
    assert_ptr_equal(d->cls, cls);
    if (bsn) {
        assert_null(strstr(d->text, bsn));
    }
}

void
ft_expect_reject1(ft_env_t *env, const gw_msg_t *msg, const char *rule, const char *code,
                  const char *path, const void *cls, const char *bsn)
{
    gw_verdict_t v = ft_submit(env, msg);
    if (v != GW_VERDICT_REJECT || gw_diag_count(env->diag) != 1) {
        ut_print_diag(env->diag);
        fail_msg("expected one %s, got verdict %d", rule, (int)v);
    }
    ft_expect_diag(env->diag, 0, rule, code, path, cls, bsn);
}

gw_codec_t *ft_codec;

int
ft_setup(void **state)
{
    int rc = ut_alloc_setup(state);
    ft_codec = ut_codec();
    return rc;
}

int
ft_teardown(void **state)
{
    gw_codec_destroy(&ft_codec);
    return ut_alloc_teardown(state);
}
