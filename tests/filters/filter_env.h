/*
 * Shared harness of the filter tests: a scratch directory, SQLite databases in
 * it, and an environment that runs one built-in filter through the real chain
 * inside a transaction, as the broker does.
 */
#ifndef GW_FILTER_ENV_H
#define GW_FILTER_ENV_H

#include <sqlite3.h>

#include "unittest.h"

#include "gw_chain.h"

#define FT_FILE "test.conf" /* config file name the filters' option errors carry */

/* One filter, its database and a diagnostic list. */
typedef struct ft_env {
    sqlite3 *db;         /* the filter's database */
    gw_chain_t *chain;   /* a chain with just that filter */
    gw_diag_t *diag;     /* the last message's findings */
    gw_filter_ctx_t ctx; /* peer 42420001, db */
} ft_env_t;

/* The codec of the test being run (ft_setup makes it under the test's allocator, so its
 * schema cache dies with the test; ft_teardown destroys it). */
extern gw_codec_t *ft_codec;
int ft_setup(void **state);
int ft_teardown(void **state);

/* Make the scratch directory ($TMPDIR/gw-TAG-XXXXXX); 0 on success. Once per process. */
int ft_dir_make(const char *tag);
/* Remove it and everything in it. */
void ft_dir_remove(void);
/* Open (create) a database file in the scratch directory; fails the test on error. */
sqlite3 *ft_db_open(const char *name);
/* A chain with the built-in filter on database file dbname. */
void ft_env_open(ft_env_t *env, const char *filter, const char *dbname);
void ft_env_close(ft_env_t *env);
/* Run the chain on msg in a transaction and accept it when it passed (or warned). */
gw_verdict_t ft_submit(ft_env_t *env, const gw_msg_t *msg);
/* Submit msg; it must PASS without any diagnostic (prints them otherwise). */
void ft_expect_pass(ft_env_t *env, const gw_msg_t *msg);
/* Diagnostic i must be a level-3 (cross-message) rule/code at path on cls, and its text must not
 * hold bsn (NULL: not checked): no personal data in a retourbericht's text. */
void ft_expect_diag(const gw_diag_t *diag, size_t i, const char *rule, const char *code,
                    const char *path, const void *cls, const char *bsn);
/* Submit msg; it must be REJECTed with exactly one diagnostic, as ft_expect_diag describes. */
void ft_expect_reject1(ft_env_t *env, const gw_msg_t *msg, const char *rule, const char *code,
                       const char *path, const void *cls, const char *bsn);

#endif
