/*
 * ijwctl overdue: the deadline monitor's open items (gateway/gw_deadline.c),
 * read from the store read-only (WAL allows it next to a running gateway):
 * what is owed, by whom, since when, when it is due, and how many working days
 * late it is at a given date (default: today in the monitor's clock).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/alloc.h"

#include "gw_calendar.h"
#include "gw_config.h"
#include "gw_deadline.h"
#include "gw_store.h"
#include "ijwctl.h"

typedef struct overdue_run {
    const gw_calendar_t *cal;
    int32_t at;         /* the date the lateness is computed for */
    int only_overdue;   /* --overdue-only */
    long open, overdue; /* rows printed */
    int uncertain;      /* a row's rule reading is uncertain: print the footnote */
} overdue_run_t;

static int
s_row(void *arg, const gw_deadline_item_t *it)
{
    overdue_run_t *r = arg;
    int32_t due = 0;
    int late = 0;
    if (gw_calendar_parse(it->due, &due) == GW_OK && due < r->at) {
        late = gw_calendar_workdays_between(r->cal, due, r->at);
        if (late == 0) {
            late = 1; /* due on a working day, now past it on a closed day: still late */
        }
    }
    if (it->late) {
        /* --late: a message that arrived after its own deadline; lateness at its arrival. */
        int32_t rec = 0;
        late = gw_calendar_parse(it->received, &rec) == GW_OK
                   ? gw_calendar_workdays_between(r->cal, due, rec)
                   : 0;
    }
    if (r->only_overdue && late == 0) {
        return 0;
    }
    r->open++;
    r->overdue += late > 0;
    char lbuf[16];
    snprintf(lbuf, sizeof(lbuf), "%d", late);
    char rule[24];
    snprintf(rule, sizeof(rule), "%s%s", it->rule, it->uncertain ? "*" : "");
    r->uncertain |= it->uncertain;
    printf("%-8s %-13.13s %-10s %-10s %-10s %-10s %4s  %-12s %-11s %s%s\n", it->type, it->ident,
           it->sender, it->recipient, it->received, it->due, late > 0 ? lbuf : "-", rule, it->kind,
           it->expect, late > 0 ? "  OVERDUE" : "");
    return 0;
}

int
ijwctl_overdue(int argc, char **argv)
{
    const char *cfg_path = NULL, *store = NULL, *at = NULL, *party = NULL;
    int late = 0, only_overdue = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && has) {
            cfg_path = argv[++i];
        } else if ((strcmp(a, "-s") == 0 || strcmp(a, "--store") == 0) && has) {
            store = argv[++i];
        } else if (strcmp(a, "--at") == 0 && has) {
            at = argv[++i];
        } else if ((strcmp(a, "-p") == 0 || strcmp(a, "--party") == 0) && has) {
            party = argv[++i];
        } else if (strcmp(a, "--late") == 0) {
            late = 1;
        } else if (strcmp(a, "--overdue-only") == 0) {
            only_overdue = 1;
        } else {
            fprintf(stderr,
                    "ijwctl overdue: unknown or incomplete option %s\n"
                    "usage: ijwctl overdue [-c CONFIG | --store FILE] [--at YYYY-MM-DD]"
                    " [--party CODE] [--overdue-only] [--late]\n",
                    a);
            return 2;
        }
    }
    char *err = NULL;
    gw_config_t *cfg = ijwctl_config_load(cfg_path);
    if (!cfg) {
        return 2;
    }
    /* The calendar and clock of the gateway's configuration (defaults with --store alone). */
    gw_calendar_opts_t co = {.goede_vrijdag = cfg->goede_vrijdag,
                             .bevrijdingsdag = (gw_cal_bevrijdingsdag_t)cfg->bevrijdingsdag,
                             .closed_days = cfg->closed_days};
    gw_calendar_t *cal = gw_calendar_new(&co, &err);
    int status = 2;
    gw_store_t *s = NULL;
    if (!cal) {
        fprintf(stderr, "ijwctl overdue: %s\n", err ? err : "calendar");
        goto done;
    }
    overdue_run_t run = {.cal = cal, .only_overdue = only_overdue};
    if (at) {
        if (gw_calendar_parse(at, &run.at) != GW_OK) {
            fprintf(stderr, "ijwctl overdue: --at '%s' is not a date (use YYYY-MM-DD)\n", at);
            goto done;
        }
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        run.at = gw_calendar_day_of((int64_t)ts.tv_sec * 1000 + cfg->clock_offset_ms);
    }
    gw_store_opts_t so = {.readonly = 1};
    const char *path = store ? store : cfg->store;
    if (gw_store_is_pg(path)) {
        fprintf(stderr, "ijwctl overdue: the deadline monitor keeps its tables in a SQLite "
                        "store; it does not run on a PostgreSQL store (docs/scale-out.md)\n");
        goto done;
    }
    s = gw_store_open(path, &so, &err);
    if (!s) {
        fprintf(stderr, "ijwctl: cannot open store %s: %s\n", path, err ? err : "?");
        goto done;
    }
    char today[11];
    gw_calendar_format(run.at, today);
    printf("%s at %s%s%s\n",
           late ? "late messages (start, stop, woonplaatsbeginsel)" : "open deadlines", today,
           party ? ", party " : "", party ? party : "");
    printf("%-8s %-13s %-10s %-10s %-10s %-10s %4s  %-12s %-11s %s\n", "TYPE", "IDENT", "SENDER",
           "RECIPIENT", "RECEIVED", "DUE", "LATE", "RULE", "DEADLINE", "EXPECTS");
    if (gw_deadline_list(gw_store_db(s), party, late, s_row, &run) != GW_OK) {
        fprintf(stderr, "ijwctl overdue: cannot read the deadline tables of %s\n", path);
        goto done;
    }
    if (late) {
        printf("%ld late\n", run.open);
    } else {
        printf("%ld open, %ld overdue\n", run.open, run.overdue);
    }
    if (run.uncertain) {
        printf("* how this rule's deadline is counted is our reading of the standard "
               "(docs/deadlines.md)\n");
    }
    status = 0;
done:
    gw_free(err);
    gw_store_close(&s);
    gw_calendar_destroy(&cal);
    gw_config_destroy(&cfg);
    return status;
}
