/*
 * Tests of the metrics collector (gateway/gw_metrics.c) fed with broker events
 * directly: what counts when, bounded labels, escaping, snapshots, reloads.
 * The end-to-end scrape is in tests/integration/test_metrics.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/codec.h"

#include "gw_config.h"
#include "gw_events.h"
#include "gw_http.h"
#include "gw_metrics.h"
#include "unittest.h"

#define PARTIES                                                                                    \
    "party 0363\n    kind = gemeente\n    name = Amsterdam\n"                                      \
    "party 42420001\n    kind = aanbieder\n"

static gw_config_t *
s_config(const char *text)
{
    char *err = NULL;
    gw_config_t *c = gw_config_parse(text, strlen(text), "t.conf", &err);
    if (!c) {
        fail_msg("config: %s", err ? err : "?");
    }
    return c;
}

static gw_metrics_t *
s_new(gw_config_t **cfg_p)
{
    *cfg_p = s_config("gateway\n    store = /tmp/unused.db\n" PARTIES);
    char *err = NULL;
    gw_metrics_t *m = gw_metrics_new(*cfg_p, NULL, &err);
    assert_non_null(m);
    return m;
}

static void
s_ev(gw_metrics_t *m, gw_event_t ev)
{
    gw_metrics_on_event(m, &ev);
}

/* Render /metrics; the caller frees with gw_free. */
static char *
s_render(gw_metrics_t *m)
{
    gw_http_resp_t r = {.status = 200};
    gw_metrics_render_prometheus(m, &r);
    assert_int_equal(r.status, 200);
    assert_false(r.oom);
    return r.body;
}

static double
s_value(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, series, n) == 0 && l[n] == ' ') {
            return strtod(l + n + 1, NULL);
        }
    }
    return -1;
}

static double
s_scrape(gw_metrics_t *m, const char *series)
{
    char *t = s_render(m);
    double v = s_value(t, series);
    gw_free(t);
    return v;
}

static void
test_metrics_counts_in_transaction_only_when_committed(void **state)
{
    (void)state;
    gw_config_t *cfg = NULL;
    gw_metrics_t *m = s_new(&cfg);
    const gw_msgtype_t *jw301 = gw_msgtype_by_name("JW301");
    const char *acc = "ijwgw_messages_in_total{party=\"0363\",type=\"JW301\",outcome=\"accepted\"}";
    s_ev(m, (gw_event_t){.kind = GW_EV_ACCEPTED, .party = "0363", .type = jw301, .received_us = 1});
    s_ev(m, (gw_event_t){.kind = GW_EV_ABORTED});
    gw_metrics_publish(m, 1);
    assert_true(s_scrape(m, acc) == -1); /* never happened */
    assert_true(s_scrape(m, "ijwgw_refusals_total{code=\"INTERNAL\"}") == 1);
    assert_true(s_scrape(m, "ijwgw_store_aborts_total") == 1);
    s_ev(m, (gw_event_t){.kind = GW_EV_ACCEPTED, .party = "0363", .type = jw301, .received_us = 1});
    gw_metrics_publish(m, 2);
    assert_true(s_scrape(m, acc) == -1); /* not committed yet */
    s_ev(m, (gw_event_t){.kind = GW_EV_COMMITTED});
    assert_true(s_scrape(m, acc) == -1); /* committed, not yet published */
    gw_metrics_publish(m, 3);
    assert_true(s_scrape(m, acc) == 1);
    assert_true(s_scrape(m, "ijwgw_ack_latency_seconds_count") == 1);
    assert_true(s_scrape(m, "ijwgw_ack_latency_seconds_bucket{le=\"+Inf\"}") == 1);
    gw_metrics_destroy(&m);
    gw_config_destroy(&cfg);
}

static void
test_metrics_labels_are_bounded_and_escaped(void **state)
{
    (void)state;
    gw_config_t *cfg = NULL;
    gw_metrics_t *m = s_new(&cfg);
    s_ev(m, (gw_event_t){.kind = GW_EV_REFUSED, .party = "somebody-else", .code = "UNKNOWN_PARTY"});
    s_ev(m, (gw_event_t){.kind = GW_EV_REJECTED, .party = "0363", .code = "a\"b\\c\nd"});
    for (int i = 0; i < 300; i++) {
        char rule[16];
        snprintf(rule, sizeof(rule), "R%03d", i);
        s_ev(m, (gw_event_t){.kind = GW_EV_REJECTED, .party = "0363", .code = rule});
    }
    gw_metrics_publish(m, 1);
    char *t = s_render(m);
    assert_true(s_value(t, "ijwgw_messages_in_total{party=\"(unregistered)\",type=\"(none)\","
                           "outcome=\"refused\"}") == 1);
    assert_null(strstr(t, "somebody-else"));
    assert_true(s_value(t, "ijwgw_rejections_total{rule=\"a\\\"b\\\\c\\nd\"}") == 1);
    assert_true(s_value(t, "ijwgw_rejections_total{rule=\"R000\"}") == 1);
    /* 256 distinct rule ids are kept (the escaped one and R000..R254); the rest: (other) */
    assert_true(s_value(t, "ijwgw_rejections_total{rule=\"R254\"}") == 1);
    assert_true(s_value(t, "ijwgw_rejections_total{rule=\"R255\"}") == -1);
    assert_true(s_value(t, "ijwgw_rejections_total{rule=\"(other)\"}") == 45);
    assert_true(s_value(t, "ijwgw_messages_in_total{party=\"0363\",type=\"(none)\","
                           "outcome=\"rejected\"}") == 301);
    gw_free(t);
    /* The JSON escapes the same value its own way. */
    gw_http_resp_t r = {.status = 200};
    gw_metrics_render_json(m, &r);
    assert_non_null(strstr(r.body, "{\"rule\":\"a\\\"b\\\\c\\u000ad\",\"count\":1}"));
    assert_non_null(strstr(r.body, "\"code\":\"(unregistered)\""));
    gw_free(r.body);
    gw_metrics_destroy(&m);
    gw_config_destroy(&cfg);
}

static void
test_metrics_queues_come_from_the_tick(void **state)
{
    (void)state;
    gw_config_t *cfg = NULL;
    gw_metrics_t *m = s_new(&cfg);
    gw_event_queue_t q[2] = {{.party = "0363", .backlog = 7, .inflight = 3, .connected = 1},
                             {.party = "42420001", .backlog = 0, .inflight = 0}};
    s_ev(m, (gw_event_t){.kind = GW_EV_TICK, .now_ms = 5000, .queues = q, .nqueues = 2});
    char *t = s_render(m);
    assert_true(s_value(t, "ijwgw_queue_backlog{party=\"0363\"}") == 7);
    assert_true(s_value(t, "ijwgw_queue_inflight{party=\"0363\"}") == 3);
    assert_true(s_value(t, "ijwgw_party_connected{party=\"0363\"}") == 1);
    assert_true(s_value(t, "ijwgw_parties_connected") == 1);
    gw_free(t);
    assert_true(gw_metrics_age_ms(m, 5100) == 100);
    gw_metrics_destroy(&m);
    gw_config_destroy(&cfg);
}

static void
test_metrics_reload_keeps_counters_of_parties_that_stay(void **state)
{
    (void)state;
    gw_config_t *cfg = NULL;
    gw_metrics_t *m = s_new(&cfg);
    const gw_msgtype_t *jw315 = gw_msgtype_by_name("JW315");
    s_ev(m, (gw_event_t){.kind = GW_EV_SENT, .party = "0363", .type = jw315, .count = 1});
    s_ev(m, (gw_event_t){.kind = GW_EV_SENT, .party = "0363", .type = jw315, .count = 2});
    s_ev(m, (gw_event_t){.kind = GW_EV_SENT, .party = "42420001", .type = jw315, .count = 1});
    gw_config_t *next = s_config("gateway\n    store = /tmp/unused.db\n"
                                 "party 0001\n    kind = gemeente\n"
                                 "party 0363\n    kind = gemeente\n");
    s_ev(m, (gw_event_t){.kind = GW_EV_RELOADED, .config = next});
    gw_metrics_publish(m, 1);
    char *t = s_render(m);
    assert_true(s_value(t, "ijwgw_messages_out_total{party=\"0363\",type=\"JW315\","
                           "outcome=\"sent\"}") == 1);
    assert_true(s_value(t, "ijwgw_messages_out_total{party=\"0363\",type=\"JW315\","
                           "outcome=\"redelivered\"}") == 1);
    assert_null(strstr(t, "42420001"));                                  /* removed */
    assert_true(s_value(t, "ijwgw_queue_backlog{party=\"0001\"}") == 0); /* added */
    gw_free(t);
    gw_config_destroy(&next);
    gw_metrics_destroy(&m);
    gw_config_destroy(&cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_metrics_counts_in_transaction_only_when_committed,
                                        ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_metrics_labels_are_bounded_and_escaped, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_metrics_queues_come_from_the_tick, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_metrics_reload_keeps_counters_of_parties_that_stay,
                                        ut_alloc_setup, ut_alloc_teardown),
    };
    return cmocka_run_group_tests_name("gw_metrics", tests, NULL, NULL);
}
