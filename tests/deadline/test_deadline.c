/*
 * Tests of the deadline monitor (gateway/gw_deadline.c) as the broker drives it:
 * ACCEPTED events with decoded fixtures on a real store file (gw_store), TICK
 * events at chosen times, and a recording stand-in for the broker's NOTICE
 * sender. Covers opening, closing by each kind of answer, the overdue scan,
 * alerting once, re-sending to a party that was offline, late starts, the
 * clock offset and the configuration keys.
 */
#define _XOPEN_SOURCE 700
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/proto.h"

#include "gw_calendar.h"
#include "gw_config.h"
#include "gw_deadline.h"
#include "gw_overdue.h"
#include "gw_store.h"
#include "unittest.h"

#define T_CONF                                                                                     \
    "gateway\n"                                                                                    \
    "    store = unused.db\n"                                                                      \
    "party 0363\n"                                                                                 \
    "    kind = gemeente\n"                                                                        \
    "party 42420001\n"                                                                             \
    "    kind = aanbieder\n"                                                                       \
    "party platform\n"                                                                             \
    "    kind = platform\n"

#define T_MAX_NOTICES 32

typedef struct t_notice {
    char party[65];
    char id[65];
    char props[1024];
} t_notice_t;

/* One test's world: store, codec, config, the sink and what it sent. */
typedef struct t_env {
    char dir[64];
    gw_store_t *store;
    gw_codec_t *codec;
    gw_config_t *cfg;
    gw_sink_t sink;
    int online_aanbieder, online_platform, online_gemeente;
    t_notice_t sent[T_MAX_NOTICES];
    size_t nsent;
} t_env_t;

static int
s_notice(void *ctx, const char *party, const char *id, const char *props)
{
    t_env_t *e = ctx;
    int online = strcmp(party, "42420001") == 0   ? e->online_aanbieder
                 : strcmp(party, "platform") == 0 ? e->online_platform
                                                  : e->online_gemeente;
    if (!online) {
        return GW_EAGAIN;
    }
    if (!props) {
        return GW_OK;
    }
    assert_true(e->nsent < T_MAX_NOTICES);
    t_notice_t *n = &e->sent[e->nsent++];
    snprintf(n->party, sizeof(n->party), "%s", party);
    snprintf(n->id, sizeof(n->id), "%s", id);
    snprintf(n->props, sizeof(n->props), "%s", props);
    return GW_OK;
}

/* Wall-clock ms of a local date and hour. */
static int64_t
s_at(const char *date, int hour)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    assert_int_equal(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_hour = hour;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

static void
s_env_open(t_env_t *e, const char *extra)
{
    memset(e, 0, sizeof(*e));
    assert_int_equal(ut_tmpdir(e->dir, sizeof(e->dir), "gw-deadline"), 0);
    char path[128];
    snprintf(path, sizeof(path), "%s/store.db", e->dir);
    char *err = NULL;
    gw_store_opts_t so = {0};
    e->store = gw_store_open(path, &so, &err);
    assert_non_null(e->store);
    char text[1024];
    snprintf(text, sizeof(text), "%s%s", T_CONF, extra ? extra : "");
    /* extra lines go into the gateway section when they are indented and come first */
    if (extra && extra[0] == ' ') {
        snprintf(text, sizeof(text), "gateway\n    store = unused.db\n%s%s", extra,
                 strstr(T_CONF, "party 0363"));
    }
    e->cfg = gw_config_parse(text, strlen(text), "t.conf", &err);
    if (!e->cfg) {
        fprintf(stderr, "%s\n", err ? err : "?");
    }
    assert_non_null(e->cfg);
    assert_int_equal(gw_deadline_sink_create(e->cfg, gw_store_db(e->store), &e->sink, &err), GW_OK);
    assert_non_null(e->sink.on_event);
    e->codec = ut_codec();
    e->online_aanbieder = e->online_platform = e->online_gemeente = 1;
}

static void
s_env_close(t_env_t *e)
{
    if (e->sink.destroy) {
        e->sink.destroy(e->sink.state);
    }
    gw_store_close(&e->store);
    gw_config_destroy(&e->cfg);
    gw_codec_destroy(&e->codec);
    ut_tree_remove(e->dir);
}

static void
s_event(t_env_t *e, gw_event_t *ev)
{
    ev->db = gw_store_db(e->store);
    ev->config = e->cfg;
    ev->notice = s_notice;
    ev->notice_ctx = e;
    e->sink.on_event(e->sink.state, ev);
}

/* An accepted message: fixture, submitting party, recipient, msg id, answered msg id. */
static void
s_accept(t_env_t *e, const char *fixture, const char *party, const char *recipient, int64_t msg_id,
         int64_t answers, int64_t now_ms)
{
    gw_msg_t *msg = ut_decode_fixture(e->codec, fixture);
    const gw_header_t *h = msg->bericht->Header;
    gw_event_t ev = {.kind = GW_EV_ACCEPTED,
                     .now_ms = now_ms,
                     .party = party,
                     .recipient = recipient,
                     .type = msg->type,
                     .msg_id = msg_id,
                     .answers = answers,
                     .afzender = h->Afzender,
                     .ident = h->BerichtIdentificatie->Identificatie,
                     .dagtekening = h->BerichtIdentificatie->Dagtekening,
                     .msg = msg};
    assert_int_equal(gw_store_begin(e->store), GW_OK);
    s_event(e, &ev);
    assert_int_equal(gw_store_commit(e->store), GW_OK);
    gw_msg_destroy(&msg);
}

static void
s_tick(t_env_t *e, int64_t now_ms)
{
    gw_event_t ev = {.kind = GW_EV_TICK, .now_ms = now_ms};
    s_event(e, &ev);
}

/* Collect open (or late) items into a small text, "kind:type:due" per line. */
typedef struct t_list {
    char text[2048];
    size_t n;
} t_list_t;

static int
s_collect(void *arg, const gw_deadline_item_t *it)
{
    t_list_t *l = arg;
    size_t o = strlen(l->text);
    snprintf(l->text + o, sizeof(l->text) - o, "%s:%s:%s:%s%s\n", it->kind, it->type, it->due,
             it->expect, it->alerted ? ":alerted" : "");
    l->n++;
    return 0;
}

static t_list_t
s_list(t_env_t *e, const char *party, int late)
{
    t_list_t l;
    memset(&l, 0, sizeof(l));
    assert_int_equal(gw_deadline_list(gw_store_db(e->store), party, late, s_collect, &l), GW_OK);
    return l;
}

static const char *
s_prop(const t_notice_t *n, const char *key, char *buf, size_t cap)
{
    assert_true(gw_props_get(n->props, strlen(n->props), key, buf, cap));
    return buf;
}

static void
test_deadline_retour_overdue_after_three_workdays(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    /* Monday 23 November 2026: retour due Thursday 26th (OP090), antwoord Monday 30th. */
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, s_at("2026-11-23", 10));
    t_list_t l = s_list(&e, NULL, 0);
    assert_string_equal(l.text, "retour:JW315:2026-11-26:JW316\n"
                                "antwoord:JW315:2026-11-30:JW301 JW319\n");
    s_tick(&e, s_at("2026-11-26", 23));
    assert_int_equal(e.nsent, 0); /* the last day is still on time */
    s_tick(&e, s_at("2026-11-27", 8));
    assert_int_equal(e.nsent, 2); /* the sender and the platform */
    char v[64];
    assert_string_equal(e.sent[0].party, "42420001");
    assert_string_equal(e.sent[1].party, "platform");
    assert_string_equal(s_prop(&e.sent[0], "kind", v, sizeof(v)), "overdue");
    assert_string_equal(s_prop(&e.sent[0], "rule", v, sizeof(v)), "OP090");
    assert_string_equal(s_prop(&e.sent[0], "type", v, sizeof(v)), "JW315");
    assert_string_equal(s_prop(&e.sent[0], "ident", v, sizeof(v)), "JW315-000001");
    assert_string_equal(s_prop(&e.sent[0], "due", v, sizeof(v)), "2026-11-26");
    assert_string_equal(s_prop(&e.sent[0], "to", v, sizeof(v)), "0363");
    assert_string_equal(s_prop(&e.sent[0], "expect", v, sizeof(v)), "JW316");
    assert_null(strstr(e.sent[0].props, "Bsn"));
    /* Once: later scans do not repeat it. */
    s_tick(&e, s_at("2026-11-27", 9));
    s_tick(&e, s_at("2026-11-27", 10));
    assert_int_equal(e.nsent, 2);
    int64_t open = 0, overdue = 0;
    assert_int_equal(gw_deadline_counts(gw_store_db(e.store),
                                        gw_calendar_day_of(s_at("2026-11-27", 8)), &open, &overdue),
                     GW_OK);
    assert_int_equal(open, 2);
    assert_int_equal(overdue, 1);
    /* Tuesday 1 December: the antwoord (due Monday 30th) is overdue too. */
    s_tick(&e, s_at("2026-12-01", 8));
    assert_int_equal(e.nsent, 4);
    assert_string_equal(s_prop(&e.sent[2], "rule", v, sizeof(v)), "OP274/OP346");
    l = s_list(&e, "0363", 0);
    assert_int_equal(l.n, 2);
    assert_non_null(strstr(l.text, "retour:JW315:2026-11-26:JW316:alerted"));
    s_env_close(&e);
}

static void
test_deadline_answers_close_items(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    int64_t t0 = s_at("2026-11-23", 10);
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, t0);
    /* The JW316 answers message 1: the retour item closes. */
    s_accept(&e, "valid/jw316.xml", "0363", "42420001", 2, 1, t0 + 1000);
    t_list_t l = s_list(&e, NULL, 0);
    assert_string_equal(l.text, "antwoord:JW315:2026-11-30:JW301 JW319\n");
    /* JW319 "Aanvraag in onderzoek": the 5-day item closes, the 8-week one opens, counted from
     * the verzoek's Dagtekening (2026-01-05 + 56 days); the 319 itself is owed a JW320. */
    s_accept(&e, "valid/jw319.xml", "0363", "42420001", 3, 0, t0 + 2000);
    l = s_list(&e, NULL, 0);
    assert_string_equal(l.text, "onderzoek:JW315:2026-03-02:JW301 JW319\n"
                                "retour:JW319:2026-11-26:JW320\n");
    /* The JW301 with the same ReferentieAanbieder is the final answer. */
    s_accept(&e, "valid/jw301.xml", "0363", "42420001", 4, 0, t0 + 3000);
    l = s_list(&e, NULL, 0);
    assert_string_equal(l.text, "retour:JW319:2026-11-26:JW320\n"
                                "retour:JW301:2026-11-26:JW302\n");
    /* Nothing closed is ever alerted. */
    s_tick(&e, s_at("2026-11-25", 10));
    assert_int_equal(e.nsent, 0);
    s_env_close(&e);
}

static void
test_deadline_declaratie_closed_by_its_325_only(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    int64_t t0 = s_at("2026-11-23", 10);
    s_accept(&e, "valid/jw323.xml", "42420001", "0363", 1, 0, t0);
    t_list_t l = s_list(&e, NULL, 0);
    assert_string_equal(l.text, "declaratie:JW323:2026-12-07:JW325\n"); /* 10 werkdagen */
    /* A 325 between other parties does not close it. */
    s_accept(&e, "valid/jw325.xml", "0599", "42420001", 2, 0, t0 + 1000);
    assert_int_equal(s_list(&e, NULL, 0).n, 1);
    s_accept(&e, "valid/jw325.xml", "0363", "42420001", 3, 0, t0 + 2000);
    assert_int_equal(s_list(&e, NULL, 0).n, 0);
    s_env_close(&e);
}

static void
test_deadline_offline_party_told_when_back(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, s_at("2026-11-23", 10));
    e.online_platform = 0;
    s_tick(&e, s_at("2026-11-27", 8));
    assert_int_equal(e.nsent, 1);
    assert_string_equal(e.sent[0].party, "42420001");
    /* Within the scan period nothing happens; after it, the platform is back and is told. */
    e.online_platform = 1;
    s_tick(&e, s_at("2026-11-27", 8) + 200);
    assert_int_equal(e.nsent, 1);
    s_tick(&e, s_at("2026-11-27", 8) + 1200);
    assert_int_equal(e.nsent, 2);
    assert_string_equal(e.sent[1].party, "platform");
    assert_string_equal(e.sent[1].id, e.sent[0].id);
    s_tick(&e, s_at("2026-11-27", 8) + 2400);
    assert_int_equal(e.nsent, 2);
    s_env_close(&e);
}

/* Parties that never take notices (offline, or not asking for them) keep theirs pending; when
 * more of them sort before a party than one scan reads, that party must still be told. */
static void
test_deadline_pending_parties_do_not_starve_others(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, s_at("2026-11-23", 10));
    sqlite3 *db = gw_store_db(e.store);
    for (int i = 1; i <= 100; i++) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO deadline_notice (item_id, party, created_ms) VALUES (999, '%04d', 1)",
                 i);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    e.online_gemeente = 0; /* the 100 parties 0001..0100 (and 0363) never take them */
    int64_t t = s_at("2026-11-27", 8);
    for (int i = 0; i < 4 && e.nsent < 2; i++, t += 1200) {
        s_tick(&e, t);
    }
    assert_int_equal(e.nsent, 2);
    assert_string_equal(e.sent[0].party, "42420001");
    assert_string_equal(e.sent[1].party, "platform");
    s_env_close(&e);
}

static void
test_deadline_answered_before_told_is_not_sent(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    int64_t t0 = s_at("2026-11-23", 10);
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, t0);
    e.online_platform = 0;
    s_tick(&e, s_at("2026-11-27", 8));
    assert_int_equal(e.nsent, 1);
    /* The late JW316 arrives; then the platform connects: it hears nothing stale. */
    s_accept(&e, "valid/jw316.xml", "0363", "42420001", 2, 1, s_at("2026-11-27", 9));
    e.online_platform = 1;
    s_tick(&e, s_at("2026-11-27", 10));
    assert_int_equal(e.nsent, 1);
    s_env_close(&e);
}

static void
test_deadline_overdue_counts_for_metrics(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    gw_overdue_t c;
    gw_overdue_counts(gw_store_db(e.store), 0, &c);
    assert_int_equal(c.available, 1);
    assert_int_equal(c.open, 0);
    int64_t t0 = s_at("2026-11-23", 10);
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, t0);
    s_accept(&e, "valid/jw323.xml", "42420001", "0363", 2, 0, t0);
    s_tick(&e, s_at("2026-11-27", 8)); /* the retour of the 315 is overdue */
    gw_overdue_counts(gw_store_db(e.store), 0, &c);
    assert_int_equal(c.open, 1);
    assert_int_equal(c.late, 0);
    /* The JW316 comes a day late; the 325 comes on time. */
    s_accept(&e, "valid/jw316.xml", "0363", "42420001", 3, 1, s_at("2026-11-27", 9));
    s_accept(&e, "valid/jw325.xml", "0363", "42420001", 4, 0, s_at("2026-11-27", 9));
    gw_overdue_counts(gw_store_db(e.store), 0, &c);
    assert_int_equal(c.open, 0);
    assert_int_equal(c.late, 1);
    s_env_close(&e);
    /* A store the monitor never ran on: not available. */
    char dir[64];
    assert_int_equal(ut_tmpdir(dir, sizeof(dir), "gw-deadline"), 0);
    char path[80];
    snprintf(path, sizeof(path), "%s/s.db", dir);
    char *err = NULL;
    gw_store_opts_t so = {0};
    gw_store_t *s = gw_store_open(path, &so, &err);
    assert_non_null(s);
    gw_overdue_counts(gw_store_db(s), 0, &c);
    assert_int_equal(c.available, 0);
    gw_store_close(&s);
    ut_tree_remove(dir);
}

static void
test_deadline_answer_accepted_opens_no_retour(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, "    answer_accepted = yes\n");
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, s_at("2026-11-23", 10));
    t_list_t l = s_list(&e, NULL, 0);
    assert_string_equal(l.text, "antwoord:JW315:2026-11-30:JW301 JW319\n");
    s_env_close(&e);
}

static void
test_deadline_late_start_recorded(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    /* Begindatum 2026-02-02 + 5 werkdagen = 2026-02-09; received in November: late (OP271). */
    s_accept(&e, "valid/jw305.xml", "42420001", "0363", 1, 0, s_at("2026-11-23", 10));
    t_list_t late = s_list(&e, NULL, 1);
    assert_string_equal(late.text, "start:JW305:2026-02-09:\n");
    /* Its retour is open as usual; the late start is not an open item and is not alerted. */
    t_list_t l = s_list(&e, NULL, 0);
    assert_string_equal(l.text, "retour:JW305:2026-11-26:JW306\n");
    s_env_close(&e);
}

static void
test_deadline_late_woonplaatsbeginsel_rejection_recorded(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    /* VOT dated 2026-06-01; the woonplaatsbeginsel rejection (319, reden 8) is due within 2 weeks
     * (OP359): on 10 June it is on time. */
    s_accept(&e, "valid/jw315-woonplaatsbeginsel.xml", "65656055", "0363", 1, 0,
             s_at("2026-06-02", 10));
    s_accept(&e, "valid/jw319-woonplaatsbeginsel.xml", "0363", "65656055", 2, 0,
             s_at("2026-06-10", 10));
    assert_int_equal(s_list(&e, NULL, 1).n, 0);
    s_env_close(&e);
    /* On 16 June it is late: recorded (not alerted), against the verzoek. */
    s_env_open(&e, NULL);
    s_accept(&e, "valid/jw315-woonplaatsbeginsel.xml", "65656055", "0363", 1, 0,
             s_at("2026-06-02", 10));
    s_accept(&e, "valid/jw319-woonplaatsbeginsel.xml", "0363", "65656055", 2, 0,
             s_at("2026-06-16", 10));
    t_list_t late = s_list(&e, NULL, 1);
    assert_string_equal(late.text, "woonplaatsbeginsel:JW315:2026-06-15:JW319\n");
    /* The antwoord item (due 9 June) was closed by that 319. */
    t_list_t l = s_list(&e, NULL, 0);
    assert_null(strstr(l.text, "antwoord"));
    s_env_close(&e);
}

static void
test_deadline_clock_offset_moves_today(void **state)
{
    (void)state;
    t_env_t e;
    s_env_open(&e, NULL);
    int64_t t0 = s_at("2026-11-23", 10);
    s_accept(&e, "valid/jw315.xml", "42420001", "0363", 1, 0, t0);
    s_tick(&e, t0 + 1000);
    assert_int_equal(e.nsent, 0);
    /* A reload with clock_offset = 8d: the same wall clock is now Tuesday 1 December. */
    char *err = NULL;
    const char *text = "gateway\n    store = unused.db\n    clock_offset = 8d\n"
                       "party 0363\n    kind = gemeente\n"
                       "party 42420001\n    kind = aanbieder\n"
                       "party platform\n    kind = platform\n";
    gw_config_t *next = gw_config_parse(text, strlen(text), "t.conf", &err);
    assert_non_null(next);
    gw_config_destroy(&e.cfg);
    e.cfg = next;
    gw_event_t rl = {.kind = GW_EV_RELOADED, .now_ms = t0 + 1100};
    s_event(&e, &rl);
    s_tick(&e, t0 + 1200);
    assert_int_equal(e.nsent, 4); /* retour and antwoord, each to the sender and the platform */
    s_env_close(&e);
}

static void
test_deadline_config_keys(void **state)
{
    (void)state;
    char *err = NULL;
    const char *text = "gateway\n    closed_days = 2026-12-24 2026-13-01\nparty 0363\n"
                       "    kind = gemeente\n";
    assert_null(gw_config_parse(text, strlen(text), "t.conf", &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "t.conf:2: closed_days"));
    assert_non_null(strstr(err, "2026-13-01"));
    gw_free(err);
    err = NULL;
    text = "gateway\n    bevrijdingsdag = sometimes\nparty 0363\n    kind = gemeente\n";
    assert_null(gw_config_parse(text, strlen(text), "t.conf", &err));
    assert_non_null(strstr(err, "t.conf:2: bevrijdingsdag"));
    gw_free(err);
    err = NULL;
    text = "party 0363\n    kind = gemeente\n";
    gw_config_t *c = gw_config_parse(text, strlen(text), "t.conf", &err);
    assert_non_null(c);
    assert_int_equal(c->deadlines, 1);
    assert_int_equal(c->clock_offset_ms, 0);
    assert_int_equal(c->goede_vrijdag, 1);
    assert_int_equal(c->bevrijdingsdag, GW_CAL_BEVRIJDINGSDAG_YES);
    assert_string_equal(c->closed_days, "");
    gw_config_destroy(&c);
    /* deadlines = no: the sink stays off and makes no tables. */
    text = "gateway\n    deadlines = no\nparty 0363\n    kind = gemeente\n";
    c = gw_config_parse(text, strlen(text), "t.conf", &err);
    assert_non_null(c);
    gw_sink_t s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_deadline_sink_create(c, (void *)1, &s, &err), GW_OK);
    assert_null(s.on_event);
    gw_config_destroy(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_deadline_retour_overdue_after_three_workdays, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_answers_close_items, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_declaratie_closed_by_its_325_only, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_offline_party_told_when_back, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_pending_parties_do_not_starve_others, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_answered_before_told_is_not_sent, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_overdue_counts_for_metrics, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_answer_accepted_opens_no_retour, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_late_start_recorded, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_late_woonplaatsbeginsel_rejection_recorded,
                               ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_clock_offset_moves_today, ut_alloc_setup),
        cmocka_unit_test_setup(test_deadline_config_keys, ut_alloc_setup),
    };
    return cmocka_run_group_tests_name("deadline", tests, NULL, NULL);
}
