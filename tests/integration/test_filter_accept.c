/*
 * End-to-end test of a filter that cannot record an accepted message (on_accept fails, as
 * when its store write fails): gw_chain_accept stops at it and leaves the transaction to be
 * rolled back, so the gateway must not acknowledge or deliver the message; the sender gets
 * ERROR INTERNAL and resends. Uses the test plugin plugin_fail_accept.c.
 */
#include "harness.h"

static void
test_filter_accept_failure_is_not_acknowledged(void **state)
{
    (void)state;
    gwconf_t conf = {.extra = "filter tr056\n"
                              "\n"
                              "filter fail_accept\n"
                              "    plugin = " T_PLUGIN_FAIL_ACCEPT "\n"
                              "    fail_after = 1\n"};
    s_begin(&conf);
    party_t *a = s_party("42420001", 1, 0);
    party_t *g = s_party("0363", 1, 0);
    s_submit_fixture_expect(a, "valid/jw315.xml", GW_CMD_ACK, NULL); /* recorded */
    s_submit_fixture_expect(a, "valid/jw317.xml", GW_CMD_ERROR, "INTERNAL"); /* not */
    s_pump_for(1500);
    assert_int_equal(s_count(g, GW_CMD_DELIVER, "JW315", NULL), 1);
    assert_int_equal(s_count(g, GW_CMD_DELIVER, "JW317", NULL), 0);
    assert_true(s_log_has("filter_accept_failed"));
    s_parties_close();
    s_gw_stop_clean();
    s_end();
}

int
main(void)
{
    s_test_filter_from_env();
    const struct CMUnitTest tests[] = {
        T(test_filter_accept_failure_is_not_acknowledged),
    };
    return cmocka_run_group_tests_name("filter_accept", tests, s_group_setup, s_group_teardown);
}
