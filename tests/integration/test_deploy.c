/*
 * End-to-end tests of what deploy/ relies on (harness: harness.h), against a
 * real `ijwgw` and the real `ijwctl` ($IJWCTL):
 *   - the sd_notify protocol: READY=1, WATCHDOG=1, RELOADING=1 + READY=1 on
 *     SIGHUP and STOPPING=1 reach a datagram socket named by NOTIFY_SOCKET;
 *   - `ijwctl backup` while the gateway accepts messages: the copy holds every
 *     message acknowledged before it started; `ijwctl restore` and a second
 *     gateway on the same store are refused while it runs; a restore puts the
 *     backup's messages back, and the restarted gateway delivers them;
 *   - `ijwctl store version|upgrade` on a version-1 store, and the refusal of a
 *     store newer than the binaries.
 */
#include <sqlite3.h> /* to look inside the backup and build old or newer stores */
#include <sys/un.h>

#include "harness.h"
#include "store_v1.h"

/* ------------------------------------------------------------ helpers ---- */

/* Run argv (argv[0] a path) with stdout + stderr into out; returns the exit status, or -1
 * when it did not exit within timeout_ms (it is then killed). */
static int
s_run(const char *const *argv, char *out, size_t cap, int timeout_ms)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/run.out", W.gw.dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
            _exit(126);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int64_t deadline = s_now() + timeout_ms;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (s_now() > deadline) {
            kill(pid, SIGKILL);
            (void)waitpid(pid, &status, 0);
            return -1;
        }
        s_sleep_ms(10);
    }
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(out, 1, cap - 1, f);
        out[n] = '\0';
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *
s_ijwctl(void)
{
    const char *p = getenv("IJWCTL");
    if (!p || access(p, X_OK) != 0) {
        skip();
    }
    return p;
}

/* Remove the store and its side files (the gateway is stopped). */
static void
s_store_remove(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[400];
        snprintf(p, sizeof(p), "%s%s", W.gw.store, suffix[i]);
        unlink(p);
    }
}

/* Submit a fresh JW301 from g with identificatie ident; expect the ACK. */
static void
s_submit_jw301(party_t *g, const char *ident)
{
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", ident, &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, ident);
}

typedef struct dwant {
    const party_t *p;
    size_t n;
} dwant_t;

/* The party received at least n deliveries. */
static int
s_delivered_n(const void *arg)
{
    const dwant_t *w = arg;
    return s_count(w->p, GW_CMD_DELIVER, NULL, NULL) >= w->n;
}

/* ------------------------------------------------------------ 1. sd_notify ---- */

static int s_mgr = -1; /* the "service manager's" notification socket */

static void
s_mgr_open(char *name, size_t cap)
{
    snprintf(name, cap, "@ijwgw-it-notify-%ld", (long)getpid());
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(sa.sun_path, name, n);
    sa.sun_path[0] = '\0';
    s_mgr = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s_mgr >= 0);
    assert_int_equal(bind(s_mgr, (struct sockaddr *)&sa,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
                     0);
}

/* Wait up to timeout_ms for a notification starting with prefix (others are skipped);
 * copies it to got. */
static int
s_mgr_wait(const char *prefix, char *got, size_t cap, int timeout_ms)
{
    int64_t deadline = s_now() + timeout_ms;
    while (s_now() < deadline) {
        struct timeval tv = {0, 100 * 1000};
        setsockopt(s_mgr, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ssize_t n = recv(s_mgr, got, cap - 1, 0);
        if (n <= 0) {
            continue;
        }
        got[n] = '\0';
        if (strncmp(got, prefix, strlen(prefix)) == 0) {
            return 1;
        }
    }
    got[0] = '\0';
    return 0;
}

static void
test_deploy_notify_ready_watchdog_reload_stopping(void **state)
{
    (void)state;
    char name[108], got[1024];
    s_mgr_open(name, sizeof(name));
    setenv("NOTIFY_SOCKET", name, 1);
    setenv("WATCHDOG_USEC", "400000", 1);
    s_begin(NULL); /* the harness waits until the gateway answers */
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    assert_true(s_mgr_wait("READY=1", got, sizeof(got), 5000));
    assert_non_null(strstr(got, "\nSTATUS=accepting on tcp://127.0.0.1:"));
    assert_true(s_mgr_wait("WATCHDOG=1", got, sizeof(got), 2000));
    assert_true(s_mgr_wait("WATCHDOG=1", got, sizeof(got), 2000)); /* keeps pinging */
    assert_int_equal(kill(W.gw.pid, SIGHUP), 0);
    assert_true(s_mgr_wait("RELOADING=1", got, sizeof(got), 5000));
    assert_non_null(strstr(got, "\nMONOTONIC_USEC="));
    assert_true(s_mgr_wait("READY=1", got, sizeof(got), 5000));
    assert_non_null(strstr(got, "configuration reloaded"));
    s_gw_stop_clean();
    assert_true(s_mgr_wait("STOPPING=1", got, sizeof(got), 2000));
    close(s_mgr);
    s_mgr = -1;
    s_end();
}

/* ------------------------------------------------------------ 2. backup, restore, lock ---- */

#define B_BEFORE 20 /* acknowledged before the backup starts */
#define B_DURING 20 /* submitted while it runs */

static void
test_deploy_backup_while_running_restore_and_single_writer(void **state)
{
    (void)state;
    const char *ctl = s_ijwctl();
    s_begin(NULL);
    party_t *g = s_party("0363", 1, 0);
    for (int i = 0; i < B_BEFORE; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "BK%08d", i);
        s_submit_jw301(g, ident);
    }
    /* The backup runs in a child while this process keeps submitting. */
    char backup[400], out[4096];
    snprintf(backup, sizeof(backup), "%s/backup.db", W.gw.dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd < 0 || dup2(fd, 1) < 0) {
            _exit(126);
        }
        execl(ctl, "ijwctl", "backup", "--store", W.gw.store, backup, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < B_DURING; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "DU%08d", i);
        s_submit_jw301(g, ident);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int64_t in_backup = ut_sql_int(backup, "SELECT count(*) FROM messages");
    assert_int_equal(ut_sql_int(backup, "SELECT count(*) FROM messages WHERE ident LIKE 'BK%'"),
                     B_BEFORE);
    assert_true(in_backup >= B_BEFORE && in_backup <= B_BEFORE + B_DURING);
    assert_int_equal(ut_sql_int(backup, "SELECT count(*) FROM deliveries"), in_backup);
    assert_int_equal(ut_sql_int(backup, "PRAGMA user_version"), 2);

    /* While the gateway runs: a restore is refused, and so is a second gateway. */
    const char *restore[] = {ctl, "restore", backup, "-s", W.gw.store, NULL};
    assert_int_equal(s_run(restore, out, sizeof(out), 10000), 2);
    assert_non_null(strstr(out, "in use by another process"));
    assert_non_null(strstr(out, "stop the gateway first"));
    char conf2[400], text[1024];
    snprintf(conf2, sizeof(conf2), "%s/second.conf", W.gw.dir);
    snprintf(text, sizeof(text),
             "gateway\n    endpoint = tcp://127.0.0.1:%d\n    store = %s\n"
             "party 0363\n    kind = gemeente\n",
             s_free_port(), W.gw.store);
    assert_int_equal(s_write_file(conf2, text), 0);
    const char *second[] = {W.ijwgw, "-c", conf2, NULL};
    assert_int_equal(s_run(second, out, sizeof(out), 10000), 1);
    assert_non_null(strstr(out, "in use by another process"));
    char pidtext[32];
    snprintf(pidtext, sizeof(pidtext), "pid %ld", (long)W.gw.pid);
    assert_non_null(strstr(out, pidtext));
    s_submit_jw301(g, "AFTER0001"); /* the first gateway is unaffected */

    /* Stopped: restore, restart, and the recipient gets exactly the backup's messages. */
    s_parties_close();
    s_gw_stop_clean();
    assert_int_equal(s_run(restore, out, sizeof(out), 10000), 0);
    assert_non_null(strstr(out, "integrity ok"));
    assert_int_equal(ut_sql_int(W.gw.store, "SELECT count(*) FROM messages"), in_backup);
    s_gw_start();
    party_t *a = s_party("42420001", 1, 0);
    dwant_t w = {a, (size_t)in_backup};
    if (!s_pump_until(s_delivered_n, &w, 10000)) {
        fail_msg("restored backlog: %zu of %d delivered", s_count(a, GW_CMD_DELIVER, NULL, NULL),
                 (int)in_backup);
    }
    s_pump_for(500);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), (size_t)in_backup);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, "AFTER0001"), 0);
    for (int i = 0; i < B_BEFORE; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "BK%08d", i);
        assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, ident), 1);
    }
    s_assert_clean_deliveries();
    s_end();
}

/* ------------------------------------------------------------ 3. schema upgrade ---- */

/* The version-1 schema as the first release created it (as in tests/broker/test_store.c),
 * with one message pending for 42420001. */
static const char s_v1[] =
    UT_STORE_V1_SCHEMA
    "INSERT INTO messages VALUES (1, '0363', '42420001', 'JW315', '0363', 'V1MSG', "
    "'2025-01-31', 0, 'x', 1, 100);"
    "INSERT INTO deliveries VALUES (10, 1, '42420001', NULL, 'pending', 0, "
    "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 0, NULL);" /* not expired */
    "PRAGMA user_version = 1;";

/* Number of files in the test directory whose name contains needle. */
static int
s_files_with(const char *needle)
{
    DIR *d = opendir(W.gw.dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += strstr(e->d_name, needle) != NULL;
    }
    closedir(d);
    return n;
}

static void
test_deploy_store_upgrade_from_v1_and_downgrade_refused(void **state)
{
    (void)state;
    const char *ctl = s_ijwctl();
    char out[4096];
    s_begin(NULL);
    s_gw_stop_clean();
    s_store_remove();
    ut_sql_exec(W.gw.store, s_v1);
    const char *version[] = {ctl, "store", "version", "--store", W.gw.store, NULL};
    const char *upgrade[] = {ctl, "store", "upgrade", "--store", W.gw.store, NULL};
    assert_int_equal(s_run(version, out, sizeof(out), 10000), 1);
    assert_non_null(strstr(out, "schema version 1; this release: 2; older"));
    assert_int_equal(s_run(upgrade, out, sizeof(out), 10000), 0);
    assert_non_null(strstr(out, "upgraded from schema version 1 to 2"));
    assert_int_equal(s_files_with(".v1-"), 1); /* the backup it took first */
    assert_int_equal(s_run(version, out, sizeof(out), 10000), 0);
    assert_non_null(strstr(out, "current"));
    assert_int_equal(s_run(upgrade, out, sizeof(out), 10000), 0);
    assert_non_null(strstr(out, "nothing to do"));
    assert_int_equal(ut_sql_int(W.gw.store, "SELECT count(*) FROM schema_version"), 2);
    /* --no-backup on a fresh v1 store: no second backup file. */
    s_store_remove();
    ut_sql_exec(W.gw.store, s_v1);
    const char *nob[] = {ctl, "store", "upgrade", "--no-backup", "-s", W.gw.store, NULL};
    assert_int_equal(s_run(nob, out, sizeof(out), 10000), 0);
    assert_int_equal(s_files_with(".v1-"), 1);
    /* The upgraded store works: its pending message is delivered. */
    s_gw_start();
    party_t *a = s_party("42420001", 1, 0);
    dwant_t w = {a, 1};
    assert_true(s_pump_until(s_delivered_n, &w, 5000));
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 1);
    s_parties_close();
    s_gw_stop_clean();
    /* A store from a newer release: refused by ijwctl and by the gateway, left unchanged. */
    ut_sql_exec(W.gw.store, "PRAGMA user_version = 9");
    assert_int_equal(s_run(version, out, sizeof(out), 10000), 2);
    assert_non_null(strstr(out, "NEWER"));
    assert_int_equal(s_run(upgrade, out, sizeof(out), 10000), 2);
    assert_non_null(strstr(out, "downgrading is not supported"));
    const char *gw[] = {W.ijwgw, "-c", W.gw.conf, NULL};
    assert_int_equal(s_run(gw, out, sizeof(out), 10000), 1);
    assert_non_null(strstr(out, "newer than this gateway's"));
    assert_int_equal(ut_sql_int(W.gw.store, "PRAGMA user_version"), 9);
    s_end();
}

/* The harness's teardown, and the notification socket of a failed test. */
static int
s_deploy_teardown(void **state)
{
    if (s_mgr >= 0) {
        close(s_mgr);
        s_mgr = -1;
    }
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    return s_teardown(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deploy_notify_ready_watchdog_reload_stopping,
                                        s_setup, s_deploy_teardown),
        T(test_deploy_backup_while_running_restore_and_single_writer),
        T(test_deploy_store_upgrade_from_v1_and_downgrade_refused),
    };
    return cmocka_run_group_tests_name("deploy", tests, s_group_setup, s_group_teardown);
}
