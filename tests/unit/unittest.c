/* Common test helpers (unittest.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unittest.h"

static void *
s_malloc(size_t n)
{
    return test_malloc(n);
}

static void *
s_calloc(size_t n, size_t size)
{
    return test_calloc(n, size);
}

static void *
s_realloc(void *p, size_t n)
{
    return test_realloc(p, n);
}

static void
s_free(void *p)
{
    test_free(p);
}

static const gw_allocator_t s_test_alloc = {s_malloc, s_calloc, s_realloc, s_free};

int
ut_alloc_setup(void **state)
{
    (void)state;
    gw_alloc_set(&s_test_alloc);
    return 0;
}

int
ut_alloc_teardown(void **state)
{
    (void)state;
    gw_alloc_set(NULL);
    return 0;
}

const char *
ut_fixture_path(const char *rel)
{
    static char buf[4096];
    const char *dir = getenv("GW_FIXTURES");
    snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "tests/fixtures", rel);
    return buf;
}

char *
ut_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open %s", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = gw_malloc((size_t)n + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    assert_int_equal(got, (size_t)n);
    buf[n] = '\0';
    if (len) {
        *len = (size_t)n;
    }
    return buf;
}

char *
ut_read_fixture(const char *rel, size_t *len)
{
    return ut_read_file(ut_fixture_path(rel), len);
}

gw_codec_t *
ut_codec(void)
{
    char *err = NULL;
    gw_codec_t *c = gw_codec_new(NULL, &err);
    if (!c) {
        fail_msg("gw_codec_new: %s", err ? err : "?");
    }
    return c;
}

void
ut_print_diag(const gw_diag_t *diag)
{
    for (size_t i = 0; i < gw_diag_count(diag); i++) {
        const gw_diag_entry_t *e = gw_diag_at(diag, i);
        fprintf(stderr, "  [%s] %s %s line %d %s: %s\n", gw_level_name(e->level), e->rule,
                e->retourcode, e->line, e->path, e->text);
    }
}

gw_msg_t *
ut_decode_buf(gw_codec_t *codec, const char *buf, size_t len)
{
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    gw_msg_t *msg = NULL;
    int rc = gw_codec_decode(codec, buf, len, &msg, NULL, diag);
    assert_int_equal(rc, GW_OK);
    if (!msg || gw_diag_rejects(diag)) {
        ut_print_diag(diag);
        gw_diag_destroy(&diag);
        gw_msg_destroy(&msg);
        fail_msg("message did not decode as valid");
        return NULL;
    }
    gw_diag_destroy(&diag);
    return msg;
}

gw_msg_t *
ut_decode_fixture(gw_codec_t *codec, const char *rel)
{
    size_t len = 0;
    char *buf = ut_read_fixture(rel, &len);
    gw_msg_t *msg = ut_decode_buf(codec, buf, len);
    gw_free(buf);
    return msg;
}

int
ut_diag_has(const gw_diag_t *diag, const char *rule, const char *retourcode)
{
    for (size_t i = 0; i < gw_diag_count(diag); i++) {
        const gw_diag_entry_t *e = gw_diag_at(diag, i);
        if (strcmp(e->rule, rule) == 0 && (!retourcode || strcmp(e->retourcode, retourcode) == 0)) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ temporary files ---- */

int
ut_tmpdir(char *dir, size_t cap, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, cap, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

static int
s_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

int
ut_tree_remove(const char *dir)
{
    return nftw(dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------ SQLite ---- */

int64_t
ut_sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

void
ut_db_exec(sqlite3 *db, const char *sql)
{
    char *e = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) {
        fail_msg("%s: %s", sql, e ? e : "?");
    }
}

void
ut_sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "# %s\n", msg ? msg : "?");
    }
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}
