/*
 * Tests of the audit log file (gateway/gw_audit.c): appending chained entries,
 * continuing the chain across writers and reopen, and verification that finds
 * an edited, deleted, reordered or truncated entry at the right line.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_audit.h"
#include "gw_config.h"
#include "gw_crypt.h"
#include "gw_events.h"
#include "unittest.h"

static char s_dir[256];
static int s_seq;

static const char *
s_path(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/audit-%d.log", s_dir, ++s_seq);
    return buf;
}

/* A log with n entries "ts=... ev=test n=I", written by two writers in turn. */
static void
s_make(const char *path, int n)
{
    char *err = NULL;
    gw_audit_t *a = gw_audit_open(path, &err);
    gw_audit_t *b = gw_audit_open(path, &err);
    assert_non_null(a);
    assert_non_null(b);
    for (int i = 1; i <= n; i++) {
        char body[GW_AUDIT_BODY_MAX], num[16];
        gw_audit_body_start(body, sizeof(body), 1764000000000 + i, "test");
        snprintf(num, sizeof(num), "%d", i);
        gw_audit_body_add(body, sizeof(body), "n", num);
        const char *bodies[1] = {body};
        assert_int_equal(gw_audit_append(i % 2 ? a : b, bodies, 1, &err), GW_OK);
    }
    gw_audit_close(&a);
    gw_audit_close(&b);
}

static char *
s_read(const char *path, size_t *len)
{
    return ut_read_file(path, len);
}

static void
s_write(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* Start of line i (1-based) in text. */
static char *
s_line(char *text, int i)
{
    char *p = text;
    for (int k = 1; k < i; k++) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    return p;
}

static void
s_expect_broken(const char *path, int64_t line, const char *why)
{
    gw_audit_report_t rep;
    assert_int_equal(gw_audit_verify(path, &rep), GW_OK);
    if (rep.bad_line != line || !strstr(rep.why, why)) {
        fail_msg("want line %lld '%s', got line %lld '%s'", (long long)line, why,
                 (long long)rep.bad_line, rep.why);
    }
}

static void
test_audit_chain_verifies_across_writers_and_reopen(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    s_make(path, 6);
    char *err = NULL;
    gw_audit_t *a = gw_audit_open(path, &err);
    assert_non_null(a);
    assert_int_equal(gw_audit_seq(a), 6);
    const char *bodies[2] = {"ts=x ev=more", "ts=y ev=more"};
    assert_int_equal(gw_audit_append(a, bodies, 2, &err), GW_OK);
    assert_int_equal(gw_audit_seq(a), 8);
    const char *nl[1] = {"ts=x ev=bad\nseq=1"};
    assert_int_equal(gw_audit_append(a, nl, 1, &err), GW_EINVAL);
    gw_free(err);
    gw_audit_close(&a);
    gw_audit_report_t rep;
    assert_int_equal(gw_audit_verify(path, &rep), GW_OK);
    assert_int_equal(rep.bad_line, 0);
    assert_int_equal(rep.entries, 8);
    assert_int_equal(rep.last_seq, 8);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    size_t len = 0;
    char *text = s_read(path, &len);
    assert_non_null(strstr(text, "seq=1 ts=2025-11-24T16:00:00.001Z ev=test n=1 prev=0000"));
    gw_free(text);
}

static void
test_audit_body_values_are_one_word(void **state)
{
    (void)state;
    char b[GW_AUDIT_BODY_MAX];
    gw_audit_body_start(b, sizeof(b), 0, "x");
    gw_audit_body_add(b, sizeof(b), "a", "two words=\n");
    gw_audit_body_add(b, sizeof(b), "empty", "");
    gw_audit_body_add(b, sizeof(b), "none", NULL);
    assert_string_equal(b, "ts=1970-01-01T00:00:00.000Z ev=x a=two_words__");
}

static void
test_audit_edit_detected(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    s_make(path, 5);
    size_t len = 0;
    char *text = s_read(path, &len);
    char *l3 = s_line(text, 3);
    char *n = strstr(l3, " n=3");
    n[3] = '7'; /* n=3 -> n=7 */
    s_write(path, text, len);
    s_expect_broken(path, 3, "edited");
    gw_free(text);
}

static void
test_audit_edit_with_recomputed_hash_breaks_the_next_link(void **state)
{
    (void)state;
    char path[300], forged[300];
    s_path(path, sizeof(path));
    s_make(path, 4);
    size_t len = 0;
    char *text = s_read(path, &len);
    /* rewrite entry 2 as a forger would: new body, own hash recomputed */
    char *l2 = s_line(text, 2), *l3 = s_line(text, 3);
    char *prev = strstr(l2, " prev=");
    char line[512];
    snprintf(line, sizeof(line), "seq=2 ts=2025-11-24T16:00:00.002Z ev=test n=X%.*s",
             (int)(strstr(prev, " hash=") - prev), prev);
    uint8_t md[GW_SHA256_BYTES];
    char hex[65];
    assert_int_equal(gw_sha256(line, strlen(line), md), GW_OK);
    gw_hex(md, sizeof(md), hex);
    s_path(forged, sizeof(forged));
    FILE *f = fopen(forged, "wb");
    fwrite(text, 1, (size_t)(l2 - text), f);
    fprintf(f, "%s hash=%s\n", line, hex);
    fwrite(l3, 1, len - (size_t)(l3 - text), f);
    fclose(f);
    s_expect_broken(forged, 3, "chain broken");
    gw_free(text);
}

static void
test_audit_delete_detected(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    s_make(path, 5);
    size_t len = 0;
    char *text = s_read(path, &len);
    char *l2 = s_line(text, 2), *l3 = s_line(text, 3);
    memmove(l2, l3, len - (size_t)(l3 - text));
    s_write(path, text, len - (size_t)(l3 - l2));
    s_expect_broken(path, 2, "deleted");
    /* the first entry removed */
    s_make(s_path(path, sizeof(path)), 3);
    gw_free(text);
    text = s_read(path, &len);
    l2 = s_line(text, 2);
    s_write(path, l2, len - (size_t)(l2 - text));
    s_expect_broken(path, 1, "deleted");
    gw_free(text);
}

static void
test_audit_reorder_detected(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    s_make(path, 4);
    size_t len = 0;
    char *text = s_read(path, &len);
    char *l2 = s_line(text, 2), *l3 = s_line(text, 3), *l4 = s_line(text, 4);
    size_t a = (size_t)(l3 - l2), b = (size_t)(l4 - l3);
    char *tmp = malloc(a + b);
    memcpy(tmp, l3, b);
    memcpy(tmp + b, l2, a);
    memcpy(l2, tmp, a + b);
    free(tmp);
    s_write(path, text, len);
    s_expect_broken(path, 2, "seq=3 where seq=2 was expected");
    gw_free(text);
}

static void
test_audit_truncation_detected(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    s_make(path, 3);
    size_t len = 0;
    char *text = s_read(path, &len);
    s_write(path, text, len - 20); /* cut into the last entry */
    s_expect_broken(path, 3, "truncated");
    /* and a writer refuses to continue such a chain */
    char *err = NULL;
    assert_null(gw_audit_open(path, &err));
    assert_non_null(strstr(err, "incomplete"));
    gw_free(err);
    gw_free(text);
}

static void
test_audit_open_refuses_an_edited_tail(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    s_make(path, 3);
    size_t len = 0;
    char *text = s_read(path, &len);
    char *n = strstr(s_line(text, 3), " n=3");
    n[3] = '4';
    s_write(path, text, len);
    char *err = NULL;
    assert_null(gw_audit_open(path, &err));
    assert_non_null(strstr(err, "does not verify"));
    gw_free(err);
    gw_free(text);
}

static void
test_audit_client_ref_is_keyed_and_stable(void **state)
{
    (void)state;
    uint8_t k1[GW_KEY_BYTES], k2[GW_KEY_BYTES];
    memset(k1, 1, sizeof(k1));
    memset(k2, 2, sizeof(k2));
    char a[65], b[65], c[65];
    assert_int_equal(gw_audit_client_ref(k1, "999990019", a), GW_OK);
    assert_int_equal(gw_audit_client_ref(k1, "999990019", b), GW_OK);
    assert_int_equal(gw_audit_client_ref(k2, "999990019", c), GW_OK);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 64);
    assert_null(strstr(a, "999990019"));
}

/* The audit sink through the sink table: entries of a batch are written at COMMITTED;
 * ABORTED drops what happened in the transaction and keeps the rest. */
static void
test_audit_sink_writes_committed_batches_only(void **state)
{
    (void)state;
    char path[300], text[600];
    s_path(path, sizeof(path));
    snprintf(text, sizeof(text), "gateway\n    audit_log = %s\nparty 0363\n    kind = gemeente\n",
             path);
    char *err = NULL;
    gw_config_t *cfg = gw_config_parse(text, strlen(text), "t.conf", &err);
    assert_non_null(cfg);
    gw_sink_t sinks[GW_SINKS_MAX];
    size_t n = 0;
    assert_int_equal(gw_sinks_create(cfg, NULL, sinks, &n, &err), GW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(sinks[0].name, "audit");
    const gw_msgtype_t *jw301 = gw_msgtype_by_name("JW301");
    gw_event_t acc = {.kind = GW_EV_ACCEPTED,
                      .now_ms = 1,
                      .party = "0363",
                      .recipient = "42420001",
                      .type = jw301,
                      .msg_id = 7,
                      .ident = "ABORTED-1"};
    gw_event_t rej = {
        .kind = GW_EV_REJECTED, .now_ms = 2, .party = "0363", .type = jw301, .code = "CS002"};
    gw_event_t aborted = {.kind = GW_EV_ABORTED, .now_ms = 3};
    gw_event_t committed = {.kind = GW_EV_COMMITTED, .now_ms = 4};
    gw_event_t dead = {
        .kind = GW_EV_DEAD, .now_ms = 5, .delivery_id = 9, .count = 1, .code = "expired"};
    sinks[0].on_event(sinks[0].state, &acc);
    sinks[0].on_event(sinks[0].state, &rej);
    sinks[0].on_event(sinks[0].state, &aborted);
    acc.ident = "KEPT-1";
    sinks[0].on_event(sinks[0].state, &acc);
    sinks[0].on_event(sinks[0].state, &dead);
    size_t len = 0;
    char *log = s_read(path, &len);
    assert_null(strstr(log, "KEPT-1")); /* not yet committed: not written */
    gw_free(log);
    sinks[0].on_event(sinks[0].state, &committed);
    gw_sinks_destroy(sinks, &n);
    gw_config_destroy(&cfg);
    log = s_read(path, &len);
    assert_non_null(strstr(log, " ev=gateway_start "));
    assert_null(strstr(log, "ABORTED-1"));
    assert_non_null(strstr(log, " ev=rejected party=0363 type=JW301 code=CS002 "));
    assert_non_null(
        strstr(log, " ev=accepted party=0363 to=42420001 type=JW301 msg=7 ident=KEPT-1 "));
    assert_non_null(strstr(log, " ev=dead delivery=9 reason=expired "));
    assert_non_null(strstr(log, " ev=gateway_stop "));
    gw_free(log);
    gw_audit_report_t rep;
    assert_int_equal(gw_audit_verify(path, &rep), GW_OK);
    assert_int_equal(rep.bad_line, 0);
    assert_int_equal(rep.entries, 5);
}

static int
s_group_setup(void **state)
{
    (void)state;
    return ut_tmpdir(s_dir, sizeof(s_dir), "gw-audit");
}

static int
s_group_teardown(void **state)
{
    (void)state;
    return ut_tree_remove(s_dir);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ut_alloc_setup, ut_alloc_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_audit_chain_verifies_across_writers_and_reopen),
        T(test_audit_body_values_are_one_word),
        T(test_audit_edit_detected),
        T(test_audit_edit_with_recomputed_hash_breaks_the_next_link),
        T(test_audit_delete_detected),
        T(test_audit_reorder_detected),
        T(test_audit_truncation_detected),
        T(test_audit_open_refuses_an_edited_tail),
        T(test_audit_client_ref_is_keyed_and_stable),
        T(test_audit_sink_writes_committed_batches_only),
    };
    return cmocka_run_group_tests_name("audit_chain", tests, s_group_setup, s_group_teardown);
}
