/*
 * The working-day calendar (werkdagen) that the standard's response deadlines
 * count in (OP090 "binnen drie werkdagen", OP090x4, OP271/OP272, OP274/OP346).
 * A day is a day number: days since 1970-01-01 (gw_model_days), so dates carry
 * no time zone. Closed days: Saturday, Sunday, the Dutch public holidays computed
 * per year (Nieuwjaarsdag, Eerste and Tweede Paasdag, Koningsdag, Hemelvaartsdag,
 * Eerste and Tweede Pinksterdag, Eerste and Tweede Kerstdag), Goede Vrijdag and
 * Bevrijdingsdag as configured, and extra closed days from the configuration.
 *
 * The standard does not define "werkdag". Which of Goede Vrijdag and 5 May count
 * is therefore a choice (gw_calendar_opts_t); the defaults are documented in
 * docs/deadlines.md and are [UNVERIFIED].
 */
#ifndef GW_CALENDAR_H
#define GW_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"

/* Bevrijdingsdag (5 May): a day off every year, every fifth year (2025, 2030, ...) or never. */
typedef enum gw_cal_bevrijdingsdag {
    GW_CAL_BEVRIJDINGSDAG_NO = 0,
    GW_CAL_BEVRIJDINGSDAG_YES = 1,
    GW_CAL_BEVRIJDINGSDAG_LUSTRUM = 2,
} gw_cal_bevrijdingsdag_t;

typedef struct gw_calendar_opts {
    int goede_vrijdag;                      /* 1: Goede Vrijdag is closed */
    gw_cal_bevrijdingsdag_t bevrijdingsdag; /* when 5 May is closed */
    const char *closed_days;                /* extra closed days: "YYYY-MM-DD ..." (space or comma
                                               separated), or NULL */
} gw_calendar_opts_t;

typedef struct gw_calendar gw_calendar_t;

/**
 * A calendar with these options.
 * @returns the calendar, or NULL with *err (heap, gw_free) when closed_days does not parse.
 * Ownership: the caller destroys it with gw_calendar_destroy().
 */
gw_calendar_t *gw_calendar_new(const gw_calendar_opts_t *opts, char **err);
void gw_calendar_destroy(gw_calendar_t **self_p);

/**
 * Check a closed_days list without building a calendar (for the config parser).
 * @returns GW_OK, or GW_EINVAL with the first bad entry described in why.
 */
GW_NODISCARD int gw_calendar_check_days(const char *list, char *why, size_t whycap);

/** Easter Sunday of a Gregorian year (1583..9999): month (3 or 4) and day. */
void gw_calendar_easter(int year, int *month, int *day);

/**
 * The name of the public holiday on day (in this calendar: configured ones included),
 * "zaterdag"/"zondag" for a weekend, "gesloten" for an extra closed day, or NULL on a werkdag.
 * Ownership: static strings.
 */
const char *gw_calendar_closed_why(const gw_calendar_t *self, int32_t day);
/** 1 when day is a working day. */
int gw_calendar_is_workday(const gw_calendar_t *self, int32_t day);
/**
 * The n-th working day after day 0, where day 0 is `from`, or the first working day on or
 * after it when `from` is closed (a message received on a Saturday counts from Monday).
 */
int32_t gw_calendar_add_workdays(const gw_calendar_t *self, int32_t from, int n);
/** Working days in (a, b]: how many working days late an answer due on a is on b; 0 if b <= a. */
int gw_calendar_workdays_between(const gw_calendar_t *self, int32_t a, int32_t b);

/** The local calendar date (TZ of the process) of a wall-clock time in ms since the epoch. */
int32_t gw_calendar_day_of(int64_t ms);
/** "YYYY-MM-DD" into out (at least 11 bytes). */
void gw_calendar_format(int32_t day, char out[11]);
/** Parse "YYYY-MM-DD" (an existing date). @returns GW_OK or GW_EINVAL. */
GW_NODISCARD int gw_calendar_parse(const char *s, int32_t *day);

#endif
