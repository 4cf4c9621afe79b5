/*
 * Tests of the whole-store operations (gateway/gw_store_admin.c) and the
 * single-writer lock (gateway/gw_lock.c) on real SQLite files in a mkdtemp
 * directory: a backup taken while a writer holds the store open (with its
 * commits still in the WAL), verification, restore round trip, refusals
 * (corrupt or newer backup, existing target, a held lock), and the upgrade
 * from a version-1 file one version per transaction.
 */
#define _XOPEN_SOURCE 700
#include <sqlite3.h> /* to look inside the copies and to build old or newer files */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_lock.h"
#include "gw_store.h"
#include "gw_store_admin.h"
#include "store_v1.h"
#include "unittest.h"

static char s_dir[256];

static const char *
s_at(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", s_dir, name);
    return buf;
}

static int
s_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static gw_store_t *
s_open(const char *path)
{
    char *err = NULL;
    gw_store_t *st = gw_store_open(path, NULL, &err);
    if (!st) {
        fail_msg("gw_store_open(%s): %s", path, err ? err : "?");
    }
    return st;
}

/* Put messages first..last (idents "m<i>") from S1 to A in one transaction. */
static void
s_put(gw_store_t *st, int first, int last)
{
    assert_int_equal(gw_store_begin(st), GW_OK);
    for (int i = first; i <= last; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "m%d", i);
        gw_store_msg_t m = {.sender = "S1",
                            .recipient = "A",
                            .type = "JW315",
                            .afzender = "12345678",
                            .ident = ident,
                            .dagtekening = "2025-01-31",
                            .payload = "<x/>",
                            .len = 4,
                            .received_ms = 1000 + i};
        int dup = -1;
        assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
        assert_int_equal(dup, 0);
    }
    assert_int_equal(gw_store_commit(st), GW_OK);
}

static int
s_setup(void **state)
{
    if (ut_tmpdir(s_dir, sizeof(s_dir), "ijwgw-admin") != 0) {
        return -1;
    }
    return ut_alloc_setup(state);
}

static int
s_teardown(void **state)
{
    ut_tree_remove(s_dir);
    return ut_alloc_teardown(state);
}

/* The writer keeps the store open with its commits in the WAL (no checkpoint yet): the
 * backup still has every committed message, and is one file that verifies. */
static void
test_store_backup_while_open_has_every_commit(void **state)
{
    (void)state;
    char store[300], out[300], wal[320];
    s_at(store, sizeof(store), "store.db");
    s_at(out, sizeof(out), "backup.db");
    gw_store_t *st = s_open(store);
    s_put(st, 1, 40);
    s_put(st, 41, 50);
    gw_store_check_t c;
    char *err = NULL;
    int rc = gw_store_backup(store, out, &c, &err);
    if (rc != GW_OK) {
        fail_msg("backup: %s", err ? err : "?");
    }
    s_put(st, 51, 60); /* after the backup: not in it */
    gw_store_close(&st);
    assert_int_equal(c.version, gw_store_schema_version());
    assert_int_equal(c.messages, 50);
    assert_int_equal(c.deliveries, 50);
    assert_true(c.bytes > 0);
    assert_int_equal(ut_sql_int(out, "SELECT count(*) FROM messages"), 50);
    assert_int_equal(ut_sql_int(out, "SELECT max(id) FROM messages"), 50);
    snprintf(wal, sizeof(wal), "%s-wal", out);
    assert_false(s_exists(wal));
    char partial[320];
    snprintf(partial, sizeof(partial), "%s.partial", out);
    assert_false(s_exists(partial));
    gw_store_check_t v;
    assert_int_equal(gw_store_verify(out, &v, &err), GW_OK);
    assert_int_equal(v.messages, 50);
    /* A backup opens as a store: the gateway could run on it. */
    st = s_open(out);
    int64_t n = 0;
    assert_int_equal(gw_store_backlog(st, "A", &n), GW_OK);
    assert_int_equal(n, 50);
    gw_store_close(&st);
}

static void
test_store_backup_refuses_existing_target_and_missing_store(void **state)
{
    (void)state;
    char store[300], out[300], missing[300];
    s_at(store, sizeof(store), "store.db");
    s_at(out, sizeof(out), "exists.db");
    s_at(missing, sizeof(missing), "missing.db");
    gw_store_t *st = s_open(store);
    gw_store_close(&st);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    fputs("keep me", f);
    fclose(f);
    char *err = NULL;
    assert_int_equal(gw_store_backup(store, out, NULL, &err), GW_EINVAL);
    assert_non_null(strstr(err, "exists"));
    gw_free(err);
    err = NULL;
    assert_int_equal(ut_sql_int(store, "PRAGMA user_version"), gw_store_schema_version());
    f = fopen(out, "r");
    char buf[16] = {0};
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "keep me");
    char out2[300];
    assert_int_equal(gw_store_backup(missing, s_at(out2, sizeof(out2), "b.db"), NULL, &err),
                     GW_EINVAL);
    assert_non_null(strstr(err, "no such file"));
    gw_free(err);
    assert_false(s_exists(out2));
}

static void
test_store_restore_round_trip_keeps_previous_store(void **state)
{
    (void)state;
    char store[300], out[300], old[320], wal[320];
    s_at(store, sizeof(store), "store.db");
    s_at(out, sizeof(out), "backup.db");
    gw_store_t *st = s_open(store);
    s_put(st, 1, 3);
    char *err = NULL;
    assert_int_equal(gw_store_backup(store, out, NULL, &err), GW_OK);
    s_put(st, 4, 8);
    gw_store_close(&st);
    /* A leftover WAL of the store being replaced (as after kill -9) must not survive. */
    snprintf(wal, sizeof(wal), "%s-wal", store);
    FILE *f = fopen(wal, "w");
    assert_non_null(f);
    fputs("stale", f);
    fclose(f);
    gw_store_check_t c;
    int rc = gw_store_restore(out, store, &c, &err);
    if (rc != GW_OK) {
        fail_msg("restore: %s", err ? err : "?");
    }
    assert_int_equal(c.messages, 3);
    assert_false(s_exists(wal));
    snprintf(old, sizeof(old), "%s.before-restore", store);
    assert_int_equal(ut_sql_int(old, "SELECT count(*) FROM messages"), 8);
    st = s_open(store);
    int64_t n = 0;
    assert_int_equal(gw_store_backlog(st, "A", &n), GW_OK);
    assert_int_equal(n, 3);
    s_put(st, 4, 4); /* the restored store takes writes; ids continue after the backup's */
    gw_store_close(&st);
    assert_int_equal(ut_sql_int(store, "SELECT max(id) FROM messages"), 4);
}

static void
test_store_restore_refuses_corrupt_and_newer_backups(void **state)
{
    (void)state;
    char store[300], junk[300], newer[300];
    s_at(store, sizeof(store), "store.db");
    s_at(junk, sizeof(junk), "junk.db");
    s_at(newer, sizeof(newer), "newer.db");
    gw_store_t *st = s_open(store);
    s_put(st, 1, 2);
    gw_store_close(&st);
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    for (int i = 0; i < 512; i++) {
        fputs("not a database ", f);
    }
    fclose(f);
    char *err = NULL;
    assert_int_equal(gw_store_restore(junk, store, NULL, &err), GW_EINVAL);
    assert_non_null(err);
    gw_free(err);
    err = NULL;
    char out[300];
    assert_int_equal(gw_store_backup(store, s_at(out, sizeof(out), "b.db"), NULL, &err), GW_OK);
    assert_int_equal(rename(out, newer), 0);
    ut_sql_exec(newer, "PRAGMA user_version = 99");
    assert_int_equal(gw_store_restore(newer, store, NULL, &err), GW_EINVAL);
    assert_non_null(strstr(err, "newer"));
    gw_free(err);
    /* The store is untouched by the refusals. */
    assert_int_equal(ut_sql_int(store, "SELECT count(*) FROM messages"), 2);
    char tmp[320];
    snprintf(tmp, sizeof(tmp), "%s.restore", store);
    assert_false(s_exists(tmp));
}

static void
test_lock_second_holder_is_refused_with_the_pid(void **state)
{
    (void)state;
    char store[300];
    s_at(store, sizeof(store), "store.db");
    char *err = NULL;
    gw_lock_t *a = gw_lock_take(store, &err);
    assert_non_null(a);
    gw_lock_t *b = gw_lock_take(store, &err);
    assert_null(b);
    char pid[32];
    snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
    assert_non_null(strstr(err, "in use"));
    assert_non_null(strstr(err, pid));
    gw_free(err);
    err = NULL;
    gw_lock_release(&a);
    assert_null(a);
    b = gw_lock_take(store, &err);
    assert_non_null(b);
    gw_lock_release(&b);
}

/* The version-1 schema as the first release created it (as in test_store.c). */
static const char s_v1[] = UT_STORE_V1_SCHEMA
    "INSERT INTO messages VALUES (1, 'S1', 'A', 'JW315', '12345678', 'm1', '2025-01-31', 0, "
    "'one', 3, 100);"
    "INSERT INTO deliveries VALUES (10, 1, 'A', NULL, 'pending', 0, 100, 0, NULL);"
    "PRAGMA user_version = 1;";

/* A v1 file: its version is read without upgrading it; it backs up and verifies as v1; a
 * read-write open upgrades it one step, recorded in schema_version. */
static void
test_store_v1_file_version_backup_and_upgrade(void **state)
{
    (void)state;
    char store[300], out[300];
    s_at(store, sizeof(store), "v1.db");
    ut_sql_exec(store, s_v1);
    int64_t v = 0;
    char *err = NULL;
    assert_int_equal(gw_store_file_version(store, &v, &err), GW_OK);
    assert_int_equal(v, 1);
    gw_store_check_t c;
    assert_int_equal(gw_store_backup(store, s_at(out, sizeof(out), "v1.bak"), &c, &err), GW_OK);
    assert_int_equal(c.version, 1);
    assert_int_equal(c.messages, 1);
    gw_store_t *st = s_open(store);
    gw_store_close(&st);
    assert_int_equal(gw_store_file_version(store, &v, &err), GW_OK);
    assert_int_equal(v, 2);
    assert_int_equal(ut_sql_int(store, "SELECT count(*) FROM schema_version"), 2);
    assert_int_equal(ut_sql_int(store, "SELECT max(version) FROM schema_version"), 2);
    assert_int_equal(ut_sql_int(out, "PRAGMA user_version"), 1); /* the backup stays v1 */
    assert_int_equal(gw_store_file_version(s_at(out, sizeof(out), "none.db"), &v, &err), GW_EINVAL);
    gw_free(err);
}

/* A store newer than the code: the gateway's open is refused with a clear message, and the
 * file is not changed. */
static void
test_store_newer_than_code_is_refused_untouched(void **state)
{
    (void)state;
    char store[300];
    s_at(store, sizeof(store), "store.db");
    gw_store_t *st = s_open(store);
    s_put(st, 1, 1);
    gw_store_close(&st);
    ut_sql_exec(store, "PRAGMA user_version = 7");
    char *err = NULL;
    assert_null(gw_store_open(store, NULL, &err));
    assert_non_null(strstr(err, "newer than this gateway's"));
    assert_non_null(strstr(err, "downgrading is not supported"));
    gw_free(err);
    err = NULL;
    gw_store_opts_t ro = {.readonly = 1};
    assert_null(gw_store_open(store, &ro, &err));
    assert_non_null(strstr(err, "newer"));
    gw_free(err);
    assert_int_equal(ut_sql_int(store, "PRAGMA user_version"), 7);
    assert_int_equal(ut_sql_int(store, "SELECT count(*) FROM messages"), 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_store_backup_while_open_has_every_commit),
        T(test_store_backup_refuses_existing_target_and_missing_store),
        T(test_store_restore_round_trip_keeps_previous_store),
        T(test_store_restore_refuses_corrupt_and_newer_backups),
        T(test_lock_second_holder_is_refused_with_the_pid),
        T(test_store_v1_file_version_backup_and_upgrade),
        T(test_store_newer_than_code_is_refused_untouched),
    };
    return cmocka_run_group_tests_name("store_admin", tests, NULL, NULL);
}
