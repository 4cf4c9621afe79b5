/*
 * The working-day calendar (gw_calendar.h): weekends, Dutch public holidays
 * computed per year, the configurable ones and extra closed days. Pure
 * computation, no I/O; the deadline monitor (gw_deadline.c) and `ijwctl
 * overdue` count deadlines with it.
 */
#include "gw_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/alloc.h"
#include "gw/model.h"

struct gw_calendar {
    int goede_vrijdag;                      /* Goede Vrijdag closed */
    gw_cal_bevrijdingsdag_t bevrijdingsdag; /* when 5 May is closed */
    int32_t *closed;                        /* extra closed days, ascending, no repeats */
    size_t nclosed;                         /* entries in closed */
};

/* Anonymous Gregorian computus (Meeus/Jones/Butcher). */
void
gw_calendar_easter(int year, int *month, int *day)
{
    int a = year % 19;
    int b = year / 100;
    int c = year % 100;
    int d = b / 4;
    int e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4;
    int k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = (h + l - 7 * m + 114) % 31 + 1;
}

/* 0 = Sunday .. 6 = Saturday; day 0 (1970-01-01) was a Thursday. */
static int
s_weekday(int32_t day)
{
    int w = (int)((day + 4) % 7);
    return w < 0 ? w + 7 : w;
}

int
gw_calendar_parse(const char *s, int32_t *day)
{
    if (!s || strlen(s) != 10) {
        return GW_EINVAL;
    }
    return gw_model_date(s, day) == GW_OK ? GW_OK : GW_EINVAL;
}

void
gw_calendar_format(int32_t day, char out[11])
{
    int y, m, d;
    gw_model_date_parts(day, &y, &m, &d);
    unsigned yy = (unsigned)y % 10000u, mm = (unsigned)m % 100u, dd = (unsigned)d % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", yy, mm, dd);
}

int32_t
gw_calendar_day_of(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        return (int32_t)(ms / 86400000);
    }
    return gw_model_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Walk a closed_days list; each entry is handed to fn. Separators: spaces, tabs, commas. */
static int
s_each_day(const char *list, int (*fn)(void *arg, int32_t day), void *arg, char *why, size_t whycap)
{
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (!*p) {
            break;
        }
        size_t n = strcspn(p, " \t,");
        char tok[16];
        int32_t day = 0;
        if (n >= sizeof(tok)) {
            snprintf(why, whycap, "'%.20s...' is not a date (use YYYY-MM-DD)", p);
            return GW_EINVAL;
        }
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (gw_calendar_parse(tok, &day) != GW_OK) {
            snprintf(why, whycap, "'%s' is not a date (use YYYY-MM-DD)", tok);
            return GW_EINVAL;
        }
        if (fn && fn(arg, day) != GW_OK) {
            snprintf(why, whycap, "out of memory");
            return GW_ENOMEM;
        }
        p += n;
    }
    return GW_OK;
}

int
gw_calendar_check_days(const char *list, char *why, size_t whycap)
{
    return s_each_day(list, NULL, NULL, why, whycap) == GW_OK ? GW_OK : GW_EINVAL;
}

static int
s_add_closed(void *arg, int32_t day)
{
    gw_calendar_t *self = arg;
    int32_t *v = gw_realloc(self->closed, (self->nclosed + 1) * sizeof(*v));
    if (!v) {
        return GW_ENOMEM;
    }
    self->closed = v;
    self->closed[self->nclosed++] = day;
    return GW_OK;
}

static int
s_cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

gw_calendar_t *
gw_calendar_new(const gw_calendar_opts_t *opts, char **err)
{
    gw_calendar_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        if (err) {
            *err = gw_strdup("out of memory");
        }
        return NULL;
    }
    if (opts) {
        self->goede_vrijdag = opts->goede_vrijdag;
        self->bevrijdingsdag = opts->bevrijdingsdag;
        char why[128];
        if (s_each_day(opts->closed_days, s_add_closed, self, why, sizeof(why)) != GW_OK) {
            if (err) {
                *err = gw_strdup(why);
            }
            gw_calendar_destroy(&self);
            return NULL;
        }
    }
    if (self->nclosed > 1) {
        qsort(self->closed, self->nclosed, sizeof(*self->closed), s_cmp_day);
    }
    return self;
}

void
gw_calendar_destroy(gw_calendar_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_free((*self_p)->closed);
    (*self_p)->closed = NULL;
    gw_free(*self_p);
    *self_p = NULL;
}

/* The public holiday on day, or NULL. Koningsdag is 27 April, or the 26th when the 27th is
 * a Sunday (since 2014; Koninginnedag 30 April, or the 29th on a Sunday, before). */
static const char *
s_holiday(const gw_calendar_t *self, int32_t day)
{
    int y, m, d;
    gw_model_date_parts(day, &y, &m, &d);
    if (m == 1 && d == 1) {
        return "Nieuwjaarsdag";
    }
    if (m == 12 && d == 25) {
        return "Eerste Kerstdag";
    }
    if (m == 12 && d == 26) {
        return "Tweede Kerstdag";
    }
    if (m == 4) {
        int kd = y >= 2014 ? 27 : 30;
        if (s_weekday(gw_model_days(y, 4, kd)) == 0) {
            kd--;
        }
        if (d == kd) {
            return "Koningsdag";
        }
    }
    if (m == 5 && d == 5) {
        if (self->bevrijdingsdag == GW_CAL_BEVRIJDINGSDAG_YES ||
            (self->bevrijdingsdag == GW_CAL_BEVRIJDINGSDAG_LUSTRUM && y % 5 == 0)) {
            return "Bevrijdingsdag";
        }
    }
    if (m < 3 || m > 6) {
        return NULL; /* no moveable feast outside March..June */
    }
    int em, ed;
    gw_calendar_easter(y, &em, &ed);
    int32_t easter = gw_model_days(y, em, ed);
    switch (day - easter) {
    case -2:
        return self->goede_vrijdag ? "Goede Vrijdag" : NULL;
    case 0:
        return "Eerste Paasdag";
    case 1:
        return "Tweede Paasdag";
    case 39:
        return "Hemelvaartsdag";
    case 49:
        return "Eerste Pinksterdag";
    case 50:
        return "Tweede Pinksterdag";
    default:
        return NULL;
    }
}

const char *
gw_calendar_closed_why(const gw_calendar_t *self, int32_t day)
{
    const char *h = s_holiday(self, day);
    if (h) {
        return h;
    }
    int w = s_weekday(day);
    if (w == 0) {
        return "zondag";
    }
    if (w == 6) {
        return "zaterdag";
    }
    if (self->nclosed &&
        bsearch(&day, self->closed, self->nclosed, sizeof(*self->closed), s_cmp_day)) {
        return "gesloten";
    }
    return NULL;
}

int
gw_calendar_is_workday(const gw_calendar_t *self, int32_t day)
{
    return gw_calendar_closed_why(self, day) == NULL;
}

int32_t
gw_calendar_add_workdays(const gw_calendar_t *self, int32_t from, int n)
{
    int32_t day = from;
    /* A closed day 0 moves to the next working day (bounded: a year has working days). */
    for (int i = 0; i < 366 && !gw_calendar_is_workday(self, day); i++) {
        day++;
    }
    while (n > 0) {
        day++;
        if (gw_calendar_is_workday(self, day)) {
            n--;
        }
    }
    return day;
}

int
gw_calendar_workdays_between(const gw_calendar_t *self, int32_t a, int32_t b)
{
    int n = 0;
    for (int32_t day = a + 1; day <= b; day++) {
        n += gw_calendar_is_workday(self, day);
    }
    return n;
}
