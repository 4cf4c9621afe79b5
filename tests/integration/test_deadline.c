/*
 * End-to-end test of the deadline monitor (gateway/gw_deadline.c) against a real
 * ijwgw: heenberichten that get no retourbericht become overdue once the
 * monitor's clock is moved forward (clock_offset, reloaded with SIGHUP); the
 * sender and the platform receive a NOTICE once (the platform when it comes
 * online), `ijwctl overdue` lists the items, and an answer takes its item off
 * the list.
 */
#include "harness.h"

/* Run `$IJWCTL overdue ARGS` and return its output (heap). */
static char *
s_ijwctl_overdue(const char *args)
{
    const char *ijwctl = getenv("IJWCTL");
    if (!ijwctl || access(ijwctl, X_OK) != 0) {
        fail_msg("IJWCTL is not set to the ijwctl executable");
    }
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' overdue -c '%s' %s 2>&1", ijwctl, W.gw.conf, args);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t cap = 65536, len = 0;
    char *out = gw_malloc(cap);
    assert_non_null(out);
    size_t n;
    while ((n = fread(out + len, 1, cap - 1 - len, f)) > 0) {
        len += n;
    }
    out[len] = '\0';
    int st = pclose(f);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fail_msg("ijwctl overdue %s failed:\n%s", args, out);
    }
    return out;
}

typedef struct want {
    const char *party;
    size_t n;
} want_t;

static size_t
s_notices(const party_t *p, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nrx; i++) {
        if (p->rx[i].cmd == GW_CMD_NOTICE && strcmp(p->rx[i].code, "overdue") == 0 &&
            (!type || strcmp(p->rx[i].type, type) == 0)) {
            n++;
        }
    }
    return n;
}

static int
s_has_notices(const void *arg)
{
    const want_t *w = arg;
    const party_t *p = s_party_find(w->party);
    return p && s_notices(p, NULL) >= w->n;
}

/* The JW316 for the fixture JW315, as the gemeente's software sends it. */
static void
s_answer_315(party_t *g)
{
    gw_msg_t *heen = ut_decode_fixture(W.codec, "valid/jw315.xml");
    gw_diag_reset(W.diag);
    gw_retour_opts_t o = {.identificatie = "RT-DL-1"};
    gw_msg_t *ret = NULL;
    assert_int_equal(gw_retour_build(heen, W.diag, &o, &ret), GW_OK);
    char *xml = NULL, *err = NULL;
    size_t len = 0;
    assert_int_equal(gw_codec_encode(ret, &xml, &len, &err), GW_OK);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, "JW316 for the overdue JW315");
    gw_msg_destroy(&ret);
    gw_msg_destroy(&heen);
}

static void
test_deadline_overdue_retours_are_noticed_listed_and_cleared(void **state)
{
    (void)state;
    s_begin(NULL);
    party_t *a = s_party("42420001", 1, 0); /* receives the 301, does not answer it */
    party_t *g = s_party("0363", 1, 0);     /* receives the 315, does not answer it (yet) */
    s_submit_fixture_expect(a, "valid/jw315.xml", GW_CMD_ACK, NULL);
    /* The JW301 answers the verzoek (same ReferentieAanbieder): OP274 is met at once. */
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_pump_for(1500);
    assert_int_equal(s_count(g, GW_CMD_DELIVER, "JW315", NULL), 1);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, "JW301", NULL), 1);
    assert_int_equal(s_notices(a, NULL) + s_notices(g, NULL), 0); /* nothing due yet */

    /* Both retours are open, due in 3 werkdagen; none overdue today. */
    char *out = s_ijwctl_overdue("");
    if (out) {
        assert_non_null(strstr(out, "2 open, 0 overdue"));
        assert_non_null(strstr(out, "JW315"));
        assert_non_null(strstr(out, "JW301"));
        assert_null(strstr(out, "999900006"));
        gw_free(out);
    }

    /* Twenty days later (the platform is offline): OP090 is missed for both. */
    gwconf_t later = {.gateway_extra = "    clock_offset = 20d\n"};
    s_conf_write(&later);
    assert_int_equal(kill(W.gw.pid, SIGHUP), 0);
    want_t wa = {"42420001", 1}, wg = {"0363", 1};
    if (!s_pump_until(s_has_notices, &wa, 10000) || !s_pump_until(s_has_notices, &wg, 5000)) {
        s_dump_log();
        fail_msg("no NOTICE: aanbieder %zu, gemeente %zu", s_notices(a, NULL), s_notices(g, NULL));
    }
    assert_int_equal(s_notices(a, "JW315"), 1); /* to the sender of the JW315 */
    assert_int_equal(s_notices(g, "JW301"), 1); /* to the sender of the JW301 */
    assert_true(s_log_has("deadline_overdue"));
    assert_false(s_log_has("999900006"));

    /* The platform connects later and is told both. */
    party_t *pl = s_party("platform", 1, 0);
    want_t wp = {"platform", 2};
    if (!s_pump_until(s_has_notices, &wp, 10000)) {
        s_dump_log();
        fail_msg("platform got %zu NOTICEs, want 2", s_notices(pl, NULL));
    }
    assert_int_equal(s_notices(pl, "JW315"), 1);
    assert_int_equal(s_notices(pl, "JW301"), 1);

    out = s_ijwctl_overdue("");
    if (out) {
        assert_non_null(strstr(out, "2 open, 2 overdue"));
        assert_non_null(strstr(out, "OVERDUE"));
        gw_free(out);
    }
    out = s_ijwctl_overdue("--party 42420001");
    if (out) {
        assert_non_null(strstr(out, "2 open, 2 overdue")); /* it sent one, received the other */
        gw_free(out);
    }
    out = s_ijwctl_overdue("--party 0384");
    if (out) {
        assert_non_null(strstr(out, "0 open, 0 overdue"));
        gw_free(out);
    }

    /* The gemeente finally answers the JW315: it leaves the list. */
    s_answer_315(g);
    s_pump_for(500);
    out = s_ijwctl_overdue("");
    if (out) {
        assert_non_null(strstr(out, "1 open, 1 overdue"));
        assert_null(strstr(out, "JW315"));
        assert_non_null(strstr(out, "JW301"));
        gw_free(out);
    }
    /* Each alert once. */
    s_pump_for(2500);
    assert_int_equal(s_notices(a, NULL), 1);
    assert_int_equal(s_notices(g, NULL), 1);
    assert_int_equal(s_notices(pl, NULL), 2);
    s_parties_close();
    s_gw_stop_clean();
    s_end();
}

static void
test_deadline_at_date_lists_without_moving_the_clock(void **state)
{
    (void)state;
    s_begin(NULL);
    party_t *a = s_party("42420001", 1, 0);
    s_submit_fixture_expect(a, "valid/jw323.xml", GW_CMD_ACK, NULL);
    s_pump_for(300);
    /* The 325 is due within 10 werkdagen: 30 days on it is overdue, today it is not. */
    char at[32];
    time_t t = time(NULL) + 30 * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(at, sizeof(at), "--at %Y-%m-%d", &tm);
    char *out = s_ijwctl_overdue(at);
    if (out) {
        assert_non_null(strstr(out, "1 open, 1 overdue"));
        assert_non_null(strstr(out, "JW325"));
        assert_non_null(strstr(out, "OP090x4"));
        gw_free(out);
    }
    out = s_ijwctl_overdue("");
    if (out) {
        assert_non_null(strstr(out, "1 open, 0 overdue"));
        gw_free(out);
    }
    s_parties_close();
    s_gw_stop_clean();
    s_end();
}

int
main(void)
{
    s_test_filter_from_env();
    const struct CMUnitTest tests[] = {
        T(test_deadline_overdue_retours_are_noticed_listed_and_cleared),
        T(test_deadline_at_date_lists_without_moving_the_clock),
    };
    return cmocka_run_group_tests_name("deadline_it", tests, s_group_setup, s_group_teardown);
}
