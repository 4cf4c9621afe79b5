/*
 * End-to-end tests of encryption at rest and the audit trail against a real
 * ijwgw (IJWGW) and ijwctl (IJWCTL): what the gateway audits, that the chain
 * verifies and that `ijwctl audit verify` finds a tampered entry, that a stored
 * payload tampered with in the SQLite file is reported and never delivered,
 * that admin actions are audited, and that no BSN or payload text reaches the
 * audit log, the gateway log or the store file.
 */
#include <sqlite3.h> /* to tamper with the stored payload as someone with the file would */

#include "harness.h"

#define T_BSN_OK  "999900006" /* valid/jw301.xml */
#define T_BSN_REJ "999900007" /* rules/CS002-jw301.xml */

static char s_keyfile[300];
static char s_auditlog[300];

/* Start a gateway with store_key and audit_log in its directory; the key file is made by
 * the gateway at its first start (a new store). */
static void
s_secure_conf(void)
{
    snprintf(s_keyfile, sizeof(s_keyfile), "%s/store.key", W.gw.dir);
    snprintf(s_auditlog, sizeof(s_auditlog), "%s/audit.log", W.gw.dir);
    static char extra[800];
    snprintf(extra, sizeof(extra), "    store_key = %s\n    audit_log = %s\n", s_keyfile,
             s_auditlog);
    gwconf_t conf = {.gateway_extra = extra, .extra = "filter tr056\n"};
    s_conf_write(&conf);
}

static void
s_begin_secure(void)
{
    s_begin(NULL);
    s_gw_stop_clean();
    char p[320];
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", W.gw.store, ext[i]);
        (void)unlink(p);
    }
    s_secure_conf();
    s_gw_start();
}

/* Start ijwgw on the current config and expect it to refuse (exit non-zero). */
static void
s_gw_start_refused(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(W.gw.log, O_WRONLY | O_APPEND);
        if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0) {
            _exit(126);
        }
        execl(W.ijwgw, "ijwgw", "-c", W.gw.conf, (char *)NULL);
        _exit(127);
    }
    W.gw.pid = pid;
    int status = s_gw_wait(10000);
    assert_true(status != -1);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

/* Run ijwctl with args; its stdout+stderr into out. @returns its exit status. */
static int
s_ijwctl(char *out, size_t cap, const char *args)
{
    const char *bin = getenv("IJWCTL");
    assert_non_null(bin);
    char cmd[1400];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* Whole file (gw_malloc'd, NUL-terminated; binary files are cut at their first NUL for
 * strstr, so s_file_has is used for those). */
static char *
s_slurp(const char *path, size_t *len)
{
    return ut_read_file(path, len);
}

static int
s_file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return 0;
    }
    size_t k = strlen(needle), cap = 1 << 16, have = 0;
    char *buf = malloc(cap + k);
    assert_non_null(buf);
    int found = 0;
    size_t n;
    while (!found && (n = fread(buf + have, 1, cap, f)) > 0) {
        size_t total = have + n;
        for (size_t i = 0; i + k <= total && !found; i++) {
            found = memcmp(buf + i, needle, k) == 0;
        }
        have = total < k ? total : k - 1;
        memmove(buf, buf + total - have, have);
    }
    free(buf);
    fclose(f);
    return found;
}

typedef struct audit_wait {
    const char *needle;
} audit_wait_t;

static int
s_audit_has(const void *arg)
{
    return s_file_has(s_auditlog, ((const audit_wait_t *)arg)->needle);
}

static void
s_wait_audit(const char *needle)
{
    audit_wait_t w = {needle};
    if (!s_pump_until(s_audit_has, &w, 5000)) {
        fail_msg("audit log has no '%s' after 5 s", needle);
    }
}

static int
s_log_has_arg(const void *arg)
{
    return s_log_has(arg);
}

static int
s_delivers(const void *arg)
{
    return s_count(arg, GW_CMD_DELIVER, NULL, NULL) > 0;
}

/* No BSN of the fixtures and no free text in the audit log, the gateway log, the store. */
static void
s_assert_no_personal_data(void)
{
    static const char *const secrets[] = {T_BSN_OK, T_BSN_REJ, "Bericht", "<"};
    for (size_t i = 0; i < 2; i++) {
        assert_false(s_file_has(W.gw.log, secrets[i]));
    }
    for (size_t i = 0; i < 4; i++) {
        if (s_file_has(s_auditlog, secrets[i])) {
            fail_msg("audit log contains '%s'", secrets[i]);
        }
    }
    char p[320];
    snprintf(p, sizeof(p), "%s-wal", W.gw.store);
    for (size_t i = 0; i < 2; i++) {
        assert_false(s_file_has(W.gw.store, secrets[i]));
        assert_false(s_file_has(p, secrets[i]));
    }
}

static void
test_audit_accept_reject_deliver_are_audited_and_chain_verifies(void **state)
{
    (void)state;
    s_begin_secure();
    struct stat sb;
    assert_int_equal(stat(s_keyfile, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_true(s_log_has("store_key_created"));
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, "DUPLICATE");
    s_submit_fixture_expect(g, "rules/CS002-jw301.xml", GW_CMD_REJECT, "CS002");
    /* a filter's rejection (TR056: the Identificatie again, on another day) */
    size_t blen = 0, len2 = 0;
    char *base = ut_read_fixture("valid/jw301.xml", &blen);
    char day[16], from[40], to[40];
    assert_true(s_xml_text(base, "Dagtekening", day, sizeof(day)));
    snprintf(from, sizeof(from), "<ijw:Dagtekening>%s<", day);
    /* later than the fixture's day (TR134) and not in the future (TR135) */
    snprintf(to, sizeof(to), "<ijw:Dagtekening>%s<",
             strcmp(day, "2026-11-01") ? "2026-11-01" : "2026-11-02");
    char *other = s_replace(base, from, to, &len2);
    gw_free(base);
    s_submit_take_expect(g, &other, len2, GW_CMD_REJECT, "TR056", "reused Identificatie");
    party_t *a = s_party("42420001", 1, 0);
    assert_true(s_pump_until(s_delivers, a, 5000));
    s_wait_audit("ev=delivered party=42420001");
    s_gw_stop_clean();

    char out[4096], cmd[400];
    snprintf(cmd, sizeof(cmd), "audit verify '%s'", s_auditlog);
    int st = s_ijwctl(out, sizeof(out), cmd);
    if (st != 0) {
        fail_msg("ijwctl %s: exit %d: %s", cmd, st, out);
    }
    assert_non_null(strstr(out, ": OK, "));
    size_t len = 0;
    char *log = s_slurp(s_auditlog, &len);
    assert_non_null(strstr(log, " ev=gateway_start "));
    assert_non_null(strstr(log, " ev=accepted party=0363 to=42420001 type=JW301 msg=1 "));
    assert_non_null(strstr(log, " ev=duplicate party=0363 to=42420001 type=JW301 msg=1 "));
    assert_non_null(strstr(log, " ev=rejected party=0363 type=JW301 code=CS002"));
    const char *tr056 = strstr(log, " ev=rejected party=0363 type=JW301 code=TR056");
    assert_non_null(tr056);
    const char *ref = strstr(tr056, " client=");
    assert_true(ref && ref < strchr(tr056, '\n')); /* the filter's rejection names the client */
    const char *acc_ref = strstr(strstr(log, " ev=accepted "), " client=");
    assert_memory_equal(ref, acc_ref, 8 + 64); /* the same Bsn: the same reference */
    assert_non_null(strstr(log, " ev=delivered party=42420001 delivery=1 "));
    assert_non_null(strstr(log, " ev=gateway_stop "));
    char *client = strstr(log, " client=");
    assert_non_null(client);
    assert_int_equal(strspn(client + 8, "0123456789abcdef"), 64); /* a keyed hash, not a BSN */
    gw_free(log);
    s_assert_no_personal_data();
    s_end();
}

static void
test_audit_tampered_log_is_detected(void **state)
{
    (void)state;
    s_begin_secure();
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_wait_audit("ev=accepted");
    s_gw_stop_clean();
    size_t len = 0;
    char *log = s_slurp(s_auditlog, &len);
    /* the accept's line (after gateway_start and the harness probe's refusal) */
    char *acc = strstr(log, " ev=accepted party=0363");
    assert_non_null(acc);
    char *line2 = acc;
    while (line2 > log && line2[-1] != '\n') {
        line2--;
    }
    int lineno = 1;
    for (const char *c = log; c < line2; c++) {
        lineno += *c == '\n';
    }
    acc[22] = '4'; /* party=0364 */
    FILE *f = fopen(s_auditlog, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(log, 1, len, f), len);
    fclose(f);
    char out[4096], cmd[400];
    snprintf(cmd, sizeof(cmd), "audit verify '%s'", s_auditlog);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 1);
    char want[64];
    snprintf(want, sizeof(want), "BROKEN at line %d: edited", lineno);
    if (!strstr(out, want)) {
        fail_msg("ijwctl audit verify said: %s", out);
    }
    /* deleting the entry instead is reported as a deletion at the same line */
    char *line3 = strchr(line2, '\n') + 1;
    f = fopen(s_auditlog, "wb");
    assert_non_null(f);
    fwrite(log, 1, (size_t)(line2 - log), f);
    fwrite(line3, 1, len - (size_t)(line3 - log), f);
    fclose(f);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 1);
    snprintf(want, sizeof(want), "BROKEN at line %d: deleted", lineno);
    if (!strstr(out, want)) {
        fail_msg("ijwctl audit verify said: %s", out);
    }
    gw_free(log);
    /* a gateway refuses to continue a chain whose last entry is damaged */
    log = s_slurp(s_auditlog, &len);
    log[len - 80] = log[len - 80] == 'a' ? 'b' : 'a'; /* in the last entry's hash */
    f = fopen(s_auditlog, "wb");
    fwrite(log, 1, len, f);
    fclose(f);
    gw_free(log);
    s_gw_start_refused();
    assert_true(s_log_has("the last entry does not verify"));
    s_end();
}

static void
test_audit_tampered_payload_is_reported_not_delivered(void **state)
{
    (void)state;
    s_begin_secure();
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_parties_close();
    s_gw_stop_clean();
    /* flip one byte of the ciphertext of message 1 in the SQLite file */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(W.gw.store, &db), SQLITE_OK);
    char *msg = NULL;
    int src = sqlite3_exec(db,
                           "UPDATE messages SET payload = substr(payload, 1, 40) || CASE WHEN "
                           "substr(payload, 41, 1) = x'00' THEN x'01' ELSE x'00' END || "
                           "substr(payload, 42) WHERE id = 1",
                           NULL, NULL, &msg);
    if (src != SQLITE_OK || sqlite3_changes(db) != 1) {
        fail_msg("tamper: %s", msg ? msg : "no row");
    }
    sqlite3_close(db);
    s_gw_start();
    party_t *a = s_party("42420001", 1, 0);
    s_wait_audit("reason=unreadable");
    s_pump_for(500);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 0);
    assert_true(s_gw_alive());
    assert_true(s_log_has("payload_unreadable"));
    assert_true(s_log_has("GCM tag check failed"));
    /* the store keeps it as a dead letter, marked unreadable */
    char out[4096], cmd[400];
    snprintf(cmd, sizeof(cmd), "dlq list -c '%s'", W.gw.conf);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 0);
    if (!strstr(out, "UNREADABLE") || !strstr(out, "1 dead letter(s)")) {
        fail_msg("ijwctl dlq list said: %s", out);
    }
    /* and the gateway keeps delivering what is intact */
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "AFTER-1", &len);
    s_submit_take_expect(g = s_party("0363", 1, 0), &xml, len, GW_CMD_ACK, NULL, "after");
    assert_true(s_pump_until(s_delivers, a, 5000));
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, "AFTER-1"), 1);
    s_gw_stop_clean();
    snprintf(cmd, sizeof(cmd), "audit verify '%s'", s_auditlog);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 0);
    s_assert_no_personal_data();
    s_end();
}

static void
test_audit_admin_actions_and_key_rotation(void **state)
{
    (void)state;
    s_begin_secure();
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_wait_audit("ev=accepted");
    char out[4096], cmd[1000];
    /* rotate while the gateway runs; it seals with key 2 after a reload */
    snprintf(cmd, sizeof(cmd), "storekey rotate '%s' -c '%s'", s_keyfile, W.gw.conf);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 0);
    snprintf(cmd, sizeof(cmd), "storekey list '%s'", s_keyfile);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 0);
    assert_non_null(strstr(out, "2        active"));
    assert_non_null(strstr(out, "1        read-only"));
    snprintf(cmd, sizeof(cmd), "dlq requeue all -c '%s'", W.gw.conf);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 1); /* nothing dead: 0 requeued */
    kill(W.gw.pid, SIGHUP);
    assert_true(s_pump_until(s_log_has_arg, "active=2", 5000));
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "ROT-2", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "after rotation");
    party_t *a = s_party("42420001", 1, 0);
    int64_t deadline = s_now() + 5000;
    while (s_count(a, GW_CMD_DELIVER, NULL, NULL) < 2 && s_now() < deadline) {
        (void)s_pump_once(20);
    }
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 2); /* key 1 and key 2 rows */
    s_wait_audit("ev=delivered party=42420001 delivery=2");
    s_gw_stop_clean();
    size_t n = 0;
    char *log = s_slurp(s_auditlog, &n);
    assert_non_null(strstr(log, " ev=admin action=storekey_rotate "));
    assert_non_null(strstr(log, "result=active:2"));
    assert_non_null(strstr(log, " ev=admin action=dlq_requeue target=all result=requeued:0 "));
    assert_non_null(strstr(log, " ev=config_reloaded "));
    gw_free(log);
    snprintf(cmd, sizeof(cmd), "audit verify '%s'", s_auditlog);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 0); /* gateway and ijwctl interleaved */
    /* the store holds rows sealed with both keys, nothing in the clear */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(W.gw.store, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT hex(substr(payload, 1, 8)) FROM messages "
                                        "ORDER BY id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "0045010000000001");
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "0045010000000002");
    sqlite3_finalize(q);
    sqlite3_close(db);
    s_assert_no_personal_data();
    s_end();
}

static void
test_audit_plain_store_upgrades_to_encryption(void **state)
{
    (void)state;
    s_begin(NULL); /* a store from before encryption */
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_parties_close();
    s_gw_stop_clean();
    s_secure_conf();
    s_gw_start();
    assert_true(s_log_has("store_key_created")); /* no sealed payload yet: a key is made */
    g = s_party("0363", 1, 0);
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "SEALED-1", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "after the upgrade");
    party_t *a = s_party("42420001", 1, 0);
    int64_t deadline = s_now() + 5000;
    while (s_count(a, GW_CMD_DELIVER, NULL, NULL) < 2 && s_now() < deadline) {
        (void)s_pump_once(20);
    }
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, "JW301-000001"), 1); /* the plain row */
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, "SEALED-1"), 1);
    s_wait_audit("ev=delivered party=42420001 delivery=2");
    s_parties_close();
    s_gw_stop_clean();
    /* the store now holds a sealed payload: without its key file the gateway refuses */
    char moved[340];
    snprintf(moved, sizeof(moved), "%s.moved", s_keyfile);
    assert_int_equal(rename(s_keyfile, moved), 0);
    s_gw_start_refused();
    assert_true(s_log_has("restore the key file"));
    assert_int_equal(access(s_keyfile, F_OK), -1);
    /* a key file readable by others is refused too */
    assert_int_equal(rename(moved, s_keyfile), 0);
    assert_int_equal(chmod(s_keyfile, 0644), 0);
    s_gw_start_refused();
    assert_true(s_log_has("group and others must have no access"));
    assert_int_equal(chmod(s_keyfile, 0600), 0);
    s_gw_start();
    s_end();
}

/* deploy/logrotate/ijwgw: rename, then reload; the gateway goes on in a new file whose
 * first entry continues the old chain. */
static void
test_audit_log_rotation_continues_the_chain(void **state)
{
    (void)state;
    s_begin_secure();
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_wait_audit("ev=accepted");
    char old[340];
    snprintf(old, sizeof(old), "%s.1", s_auditlog);
    assert_int_equal(rename(s_auditlog, old), 0);
    kill(W.gw.pid, SIGHUP);
    assert_true(s_pump_until(s_log_has_arg, "audit_reopened", 5000));
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "ROTATED-1", &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "after the rotation");
    s_wait_audit("ident=ROTATED-1");
    s_gw_stop_clean();
    assert_false(s_file_has(old, "ROTATED-1"));
    char out[4096], cmd[1000];
    snprintf(cmd, sizeof(cmd), "audit verify '%s' '%s'", old, s_auditlog);
    int st = s_ijwctl(out, sizeof(out), cmd);
    if (st != 0) {
        fail_msg("ijwctl %s: exit %d: %s", cmd, st, out);
    }
    char *head = s_slurp(s_auditlog, &len);
    assert_non_null(strstr(head, "seq=1 "));
    assert_non_null(strstr(head, " ev=log_rotated prev_seq="));
    gw_free(head);
    /* the files in the wrong order do not link */
    snprintf(cmd, sizeof(cmd), "audit verify '%s' '%s'", s_auditlog, old);
    assert_int_equal(s_ijwctl(out, sizeof(out), cmd), 1);
    assert_non_null(strstr(out, "does not continue"));
    s_end();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_audit_accept_reject_deliver_are_audited_and_chain_verifies),
        T(test_audit_tampered_log_is_detected),
        T(test_audit_tampered_payload_is_reported_not_delivered),
        T(test_audit_admin_actions_and_key_rotation),
        T(test_audit_plain_store_upgrades_to_encryption),
        T(test_audit_log_rotation_continues_the_chain),
    };
    s_test_filter_from_env();
    return cmocka_run_group_tests_name("audit", tests, s_group_setup, s_group_teardown);
}
