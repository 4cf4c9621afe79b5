/*
 * Tests of the working-day calendar (gateway/gw_calendar.c) against known dates:
 * Easter by the computus, the Dutch public holidays of 2025..2027, the
 * configurable Goede Vrijdag and Bevrijdingsdag, extra closed days, and
 * counting working days across weekends and holidays.
 */
#include <string.h>

#include "gw_calendar.h"
#include "unittest.h"

static int32_t
s_day(const char *s)
{
    int32_t d = 0;
    assert_int_equal(gw_calendar_parse(s, &d), GW_OK);
    return d;
}

static gw_calendar_t *
s_cal(int goede_vrijdag, gw_cal_bevrijdingsdag_t bevrijdingsdag, const char *closed)
{
    gw_calendar_opts_t o = {
        .goede_vrijdag = goede_vrijdag, .bevrijdingsdag = bevrijdingsdag, .closed_days = closed};
    char *err = NULL;
    gw_calendar_t *c = gw_calendar_new(&o, &err);
    assert_non_null(c);
    assert_null(err);
    return c;
}

static void
test_calendar_easter_known_years(void **state)
{
    (void)state;
    static const struct {
        int y, m, d;
    } k[] = {{2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5},  {2027, 3, 28},
             {2028, 4, 16}, {2038, 4, 25}, {2285, 3, 22}, {2019, 4, 21}};
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        int m = 0, d = 0;
        gw_calendar_easter(k[i].y, &m, &d);
        assert_int_equal(m, k[i].m);
        assert_int_equal(d, k[i].d);
    }
}

static void
test_calendar_holidays_2026(void **state)
{
    (void)state;
    gw_calendar_t *c = s_cal(0, GW_CAL_BEVRIJDINGSDAG_NO, NULL);
    static const struct {
        const char *date, *name;
    } k[] = {
        {"2026-01-01", "Nieuwjaarsdag"},      {"2026-04-05", "Eerste Paasdag"},
        {"2026-04-06", "Tweede Paasdag"},     {"2026-04-27", "Koningsdag"},
        {"2026-05-14", "Hemelvaartsdag"},     {"2026-05-24", "Eerste Pinksterdag"},
        {"2026-05-25", "Tweede Pinksterdag"}, {"2026-12-25", "Eerste Kerstdag"},
        {"2026-12-26", "Tweede Kerstdag"},    {"2027-03-29", "Tweede Paasdag"},
        {"2027-05-06", "Hemelvaartsdag"},     {"2027-05-17", "Tweede Pinksterdag"},
    };
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        const char *why = gw_calendar_closed_why(c, s_day(k[i].date));
        assert_non_null(why);
        assert_string_equal(why, k[i].name);
        assert_false(gw_calendar_is_workday(c, s_day(k[i].date)));
    }
    /* Ordinary days, and the configurable ones left open. */
    assert_true(gw_calendar_is_workday(c, s_day("2026-04-03"))); /* Goede Vrijdag */
    assert_true(gw_calendar_is_workday(c, s_day("2026-05-05"))); /* Bevrijdingsdag, a Tuesday */
    assert_true(gw_calendar_is_workday(c, s_day("2026-11-24")));
    assert_string_equal(gw_calendar_closed_why(c, s_day("2026-11-28")), "zaterdag");
    assert_string_equal(gw_calendar_closed_why(c, s_day("2026-11-29")), "zondag");
    gw_calendar_destroy(&c);
    assert_null(c);
}

static void
test_calendar_koningsdag_on_sunday_moves_to_saturday(void **state)
{
    (void)state;
    gw_calendar_t *c = s_cal(0, GW_CAL_BEVRIJDINGSDAG_NO, NULL);
    /* 27 April 2025 was a Sunday: Koningsdag was Saturday 26 April. */
    assert_string_equal(gw_calendar_closed_why(c, s_day("2025-04-26")), "Koningsdag");
    assert_string_equal(gw_calendar_closed_why(c, s_day("2025-04-27")), "zondag");
    /* 2031: 27 April is a Sunday again. */
    assert_string_equal(gw_calendar_closed_why(c, s_day("2031-04-26")), "Koningsdag");
    gw_calendar_destroy(&c);
}

static void
test_calendar_configurable_days(void **state)
{
    (void)state;
    gw_calendar_t *c = s_cal(1, GW_CAL_BEVRIJDINGSDAG_LUSTRUM, "2026-12-24, 2026-12-31");
    assert_string_equal(gw_calendar_closed_why(c, s_day("2026-04-03")), "Goede Vrijdag");
    assert_string_equal(gw_calendar_closed_why(c, s_day("2027-03-26")), "Goede Vrijdag");
    assert_string_equal(gw_calendar_closed_why(c, s_day("2025-05-05")), "Bevrijdingsdag");
    assert_string_equal(gw_calendar_closed_why(c, s_day("2030-05-05")), "Bevrijdingsdag");
    assert_true(gw_calendar_is_workday(c, s_day("2026-05-05"))); /* not a lustrum year */
    assert_string_equal(gw_calendar_closed_why(c, s_day("2026-12-24")), "gesloten");
    assert_string_equal(gw_calendar_closed_why(c, s_day("2026-12-31")), "gesloten");
    assert_true(gw_calendar_is_workday(c, s_day("2026-12-30")));
    gw_calendar_destroy(&c);
    c = s_cal(0, GW_CAL_BEVRIJDINGSDAG_YES, NULL);
    assert_string_equal(gw_calendar_closed_why(c, s_day("2026-05-05")), "Bevrijdingsdag");
    gw_calendar_destroy(&c);
}

static void
test_calendar_bad_closed_days_is_einval(void **state)
{
    (void)state;
    char why[128];
    assert_int_equal(gw_calendar_check_days("2026-12-24 2026-02-30", why, sizeof(why)), GW_EINVAL);
    assert_non_null(strstr(why, "2026-02-30"));
    assert_int_equal(gw_calendar_check_days("24-12-2026", why, sizeof(why)), GW_EINVAL);
    assert_int_equal(gw_calendar_check_days("", why, sizeof(why)), GW_OK);
    gw_calendar_opts_t o = {.closed_days = "tomorrow"};
    char *err = NULL;
    assert_null(gw_calendar_new(&o, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "tomorrow"));
    gw_free(err);
}

static void
test_calendar_add_workdays(void **state)
{
    (void)state;
    gw_calendar_t *c = s_cal(0, GW_CAL_BEVRIJDINGSDAG_NO, NULL);
    char out[11];
    /* Monday + 3 = Thursday. */
    gw_calendar_format(gw_calendar_add_workdays(c, s_day("2026-11-23"), 3), out);
    assert_string_equal(out, "2026-11-26");
    /* Thursday + 3 = Tuesday (over the weekend). */
    gw_calendar_format(gw_calendar_add_workdays(c, s_day("2026-11-26"), 3), out);
    assert_string_equal(out, "2026-12-01");
    /* Received on a Saturday: counted from Monday, + 3 = Thursday. */
    gw_calendar_format(gw_calendar_add_workdays(c, s_day("2026-11-28"), 3), out);
    assert_string_equal(out, "2026-12-03");
    /* Over Easter 2026: Thursday 2 April + 3 = Wednesday 8 April (Easter Monday closed). */
    gw_calendar_format(gw_calendar_add_workdays(c, s_day("2026-04-02"), 3), out);
    assert_string_equal(out, "2026-04-08");
    /* Over Christmas: Wednesday 23 December 2026 + 5 = Thursday 31 December (25th closed). */
    gw_calendar_format(gw_calendar_add_workdays(c, s_day("2026-12-23"), 5), out);
    assert_string_equal(out, "2026-12-31");
    /* Tuesday 29 December + 3: 1 January closed, so Monday 4 January. */
    gw_calendar_format(gw_calendar_add_workdays(c, s_day("2026-12-29"), 3), out);
    assert_string_equal(out, "2027-01-04");
    /* 10 working days (OP090x4) from Monday 20 April 2026, Koningsdag on the 27th. */
    gw_calendar_format(gw_calendar_add_workdays(c, s_day("2026-04-20"), 10), out);
    assert_string_equal(out, "2026-05-05");
    assert_int_equal(gw_calendar_workdays_between(c, s_day("2026-11-26"), s_day("2026-12-01")), 3);
    assert_int_equal(gw_calendar_workdays_between(c, s_day("2026-12-01"), s_day("2026-11-26")), 0);
    gw_calendar_destroy(&c);
}

static void
test_calendar_format_parse_round_trip(void **state)
{
    (void)state;
    char out[11];
    int32_t d = 0;
    assert_int_equal(gw_calendar_parse("2028-02-29", &d), GW_OK);
    gw_calendar_format(d, out);
    assert_string_equal(out, "2028-02-29");
    assert_int_equal(gw_calendar_parse("2027-02-29", &d), GW_EINVAL);
    assert_int_equal(gw_calendar_parse("2027-2-1", &d), GW_EINVAL);
    assert_int_equal(gw_calendar_parse(NULL, &d), GW_EINVAL);
    assert_int_equal(gw_calendar_day_of(0) >= -1, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_calendar_easter_known_years, ut_alloc_setup),
        cmocka_unit_test_setup(test_calendar_holidays_2026, ut_alloc_setup),
        cmocka_unit_test_setup(test_calendar_koningsdag_on_sunday_moves_to_saturday,
                               ut_alloc_setup),
        cmocka_unit_test_setup(test_calendar_configurable_days, ut_alloc_setup),
        cmocka_unit_test_setup(test_calendar_bad_closed_days_is_einval, ut_alloc_setup),
        cmocka_unit_test_setup(test_calendar_add_workdays, ut_alloc_setup),
        cmocka_unit_test_setup(test_calendar_format_parse_round_trip, ut_alloc_setup),
    };
    return cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
}
