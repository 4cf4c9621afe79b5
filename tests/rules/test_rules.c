/*
 * Tests of the intra-message rules (codecs/rules/): every rule fires on its
 * fixture in tests/fixtures/rules/ with the right retourcode and level and a
 * path, and nothing else fires there except a documented companion rule;
 * no finding text carries the client's BSN or name; every valid fixture and
 * every ok-*.xml gives no finding; every rule in the table has a fixture;
 * out-of-memory is reported, not crashed on; and the helpers (11-proef,
 * period overlap, dates, paths) behave.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/rules.h"

#include "rules/rules_int.h"
#include "unittest.h"

/* The fixed system date of the tests; the valid fixtures end on 2026-11-20. */
#define TODAY gw_model_days(2026, 11, 24)

typedef struct rule_case {
    const char *fixture;    /* file under tests/fixtures/rules/ */
    const char *rule;       /* rule that must fire */
    const char *retourcode; /* its retourcode */
    const char *also;       /* comma-separated rules that may fire too, or NULL */
} rule_case_t;

/* CD077 and CD078 test the same condition (Budget and Omvang both present),
 * and a duplicate ReferentieAanbieder is also a duplicate TR101 key: those
 * fixtures cannot violate one rule alone. */
static const rule_case_t s_cases[] = {
    {"CD005-jw301.xml", "CD005", "0001", NULL},    {"CD007-jw301.xml", "CD007", "0001", NULL},
    {"CD009-jw301.xml", "CD009", "0001", NULL},    {"CD025-jw301.xml", "CD025", "0001", NULL},
    {"CD034-jw301.xml", "CD034", "0001", NULL},    {"CD041-jw301.xml", "CD041", "0001", NULL},
    {"CD041-wmo301.xml", "CD041", "0001", NULL},   {"CD043-jw315.xml", "CD043", "0001", NULL},
    {"CD060-jw323.xml", "CD060", "0001", NULL},    {"CD066-jw315.xml", "CD066", "0001", NULL},
    {"CD067-jw315.xml", "CD067", "0001", NULL},    {"CD068-jw315.xml", "CD068", "0001", NULL},
    {"CD075-jw301.xml", "CD075", "0001", NULL},    {"CD076-jw301.xml", "CD076", "0001", NULL},
    {"CD077-jw301.xml", "CD077", "0001", "CD078"}, {"CD078-jw315.xml", "CD078", "0001", "CD077"},
    {"CD079-jw301.xml", "CD079", "0001", NULL},    {"CD080-jw301.xml", "CD080", "0001", NULL},
    {"CD085-jw319.xml", "CD085", "0001", NULL},    {"CD086-jw319.xml", "CD086", "0001", NULL},
    {"CD087-jw323.xml", "CD087", "0001", NULL},    {"CD095-jw315.xml", "CD095", "0001", NULL},
    {"CD096-jw317.xml", "CD096", "0001", NULL},    {"CS002-jw301.xml", "CS002", "0001", NULL},
    {"CS002-wmo305.xml", "CS002", "0001", NULL},   {"CS002-jw325.xml", "CS002", "0001", NULL},
    {"CS003-jw301.xml", "CS003", "0001", NULL},    {"CS050-jw301.xml", "CS050", "0001", NULL},
    {"CS050-wmo301.xml", "CS050", "0001", NULL},   {"CS058-jw305.xml", "CS058", "0001", NULL},
    {"CS089-jw301.xml", "CS089", "0001", NULL},    {"CS100-jw323.xml", "CS100", "0001", NULL},
    {"CS139-jw301.xml", "CS139", "0001", NULL},    {"CS318-jw301.xml", "CS318", "0001", NULL},
    {"CS325-jw323.xml", "CS325", "0001", NULL},    {"CS335-jw301.xml", "CS335", "0001", NULL},
    {"CS336-jw301.xml", "CS336", "0001", NULL},    {"CS337-jw323.xml", "CS337", "0001", NULL},
    {"CS338-jw301.xml", "CS338", "0001", NULL},    {"CS339-jw323.xml", "CS339", "0001", NULL},
    {"CS340-jw323.xml", "CS340", "0001", NULL},    {"CS343-jw315.xml", "CS343", "0001", NULL},
    {"TR002-jw301.xml", "TR002", "0001", NULL},    {"TR006-jw301.xml", "TR006", "0001", NULL},
    {"TR018-jw307.xml", "TR018", "0001", NULL},    {"TR061-jw301.xml", "TR061", "0001", NULL},
    {"TR101-jw301.xml", "TR101", "0001", NULL},    {"TR101-jw305.xml", "TR101", "0001", NULL},
    {"TR134-jw305.xml", "TR134", "0001", NULL},    {"TR137-jw323.xml", "TR137", "0001", NULL},
    {"TR302-jw301.xml", "TR302", "0001", NULL},    {"TR302-wmo301.xml", "TR302", "0001", NULL},
    {"TR315-jw323.xml", "TR315", "0001", NULL},    {"TR316-jw323.xml", "TR316", "0001", NULL},
    {"TR319-jw323.xml", "TR319", "0001", NULL},    {"TR335-jw323.xml", "TR335", "0001", NULL},
    {"TR342-jw325.xml", "TR342", "0001", NULL},    {"TR352-jw317.xml", "TR352", "0001", NULL},
    {"TR353-jw317.xml", "TR353", "0001", NULL},    {"TR358-jw323.xml", "TR358", "0001", NULL},
    {"TR377-jw319.xml", "TR377", "0001", NULL},    {"TR380-jw317.xml", "TR380", "0001", NULL},
    {"TR383-jw315.xml", "TR383", "0001", "TR101"}, {"TR386-jw315.xml", "TR386", "0001", NULL},
    {"TR409-jw319.xml", "TR409", "0001", NULL},    {"TR410-jw317.xml", "TR410", "0001", NULL},
    {"TR416-jw323.xml", "TR416", "0001", NULL},    {"TR135-jw305.xml", "TR135", "8848", NULL},
    {"TR135-jw323.xml", "TR135", "8848", NULL},    {"TR135-wmo305.xml", "TR135", "8848", NULL},
    {"TR346-jw323.xml", "TR346", "9346", NULL},    {"TR346-wmo323.xml", "TR346", "9346", NULL},
};

#define NCASES (sizeof(s_cases) / sizeof(s_cases[0]))

/* Fixtures that must give no finding at all (edge cases of our readings). */
static const char *const s_ok[] = {
    "ok-minuten-wmo323.xml",                /* TR346: 601 min x 6250/60 = 62604 (rounded) */
    "ok-hulpmiddel-wmo301.xml",             /* TR302: iWmo exempts categorie 11..14 */
    "ok-woonplaats-zonder-reden-jw319.xml", /* TR409: only checked with a reden */
};

/* ---- helpers ---- */

static int
s_in_list(const char *list, const char *rule)
{
    return list && gw_rv_in(rule, list);
}

/* Fail when any text of diag contains s (personal data). */
static void
s_assert_not_in_texts(const gw_diag_t *diag, const char *s, const char *fixture)
{
    if (!s || !*s) {
        return;
    }
    for (size_t i = 0; i < gw_diag_count(diag); i++) {
        const gw_diag_entry_t *e = gw_diag_at(diag, i);
        if (strstr(e->text, s) || strstr(e->path, s)) {
            fail_msg("%s: finding %s leaks personal data in \"%s\"", fixture, e->rule, e->text);
        }
    }
}

/* BSN and surname of every client must stay out of the findings. */
static void
s_assert_no_personal_data(const gw_msg_t *msg, const gw_diag_t *diag, const char *fixture)
{
    gw_rpath_t p;
    const gw_client_t *c;
    for (size_t i = 0; (c = gw_rules_client(msg, i, &p)) != NULL; i++) {
        s_assert_not_in_texts(diag, c->Bsn, fixture);
        if (c->Naam && c->Naam->Geslachtsnaam) {
            s_assert_not_in_texts(diag, c->Naam->Geslachtsnaam->Achternaam, fixture);
        }
    }
}

static gw_diag_t *
s_run(gw_codec_t *codec, const char *rel, gw_msg_t **msg_out, int32_t today)
{
    gw_msg_t *msg = ut_decode_fixture(codec, rel);
    assert_non_null(msg);
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_rules_run(msg, diag, today), GW_OK);
    *msg_out = msg;
    return diag;
}

/* ---- the fixture table ---- */

static void
test_rules_each_fixture_fires_its_rule(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    char rel[256];
    for (size_t i = 0; i < NCASES; i++) {
        const rule_case_t *tc = &s_cases[i];
        const gw_rule_t *rule = gw_rules_find(tc->rule);
        if (!rule) {
            fail_msg("%s: rule %s is not in the table", tc->fixture, tc->rule);
        }
        snprintf(rel, sizeof(rel), "rules/%s", tc->fixture);
        gw_msg_t *msg;
        gw_diag_t *diag = s_run(codec, rel, &msg, TODAY);
        int fired = 0;
        for (size_t k = 0; k < gw_diag_count(diag); k++) {
            const gw_diag_entry_t *e = gw_diag_at(diag, k);
            if (strcmp(e->rule, tc->rule) == 0) {
                fired = 1;
                assert_string_equal(e->retourcode, tc->retourcode);
                assert_int_equal(e->level, rule->level);
                assert_true(e->path[0] == '/' && strlen(e->path) > strlen("/Bericht"));
                assert_true(e->text[0] != '\0');
                /* Only the header has no class; everything else names one. */
                if (strcmp(e->path, "/Bericht/Header/BerichtIdentificatie/Dagtekening") != 0) {
                    assert_non_null(e->cls);
                }
            } else if (!s_in_list(tc->also, e->rule)) {
                ut_print_diag(diag);
                fail_msg("%s: unexpected %s besides %s", tc->fixture, e->rule, tc->rule);
            }
        }
        if (!fired) {
            ut_print_diag(diag);
            fail_msg("%s: %s did not fire", tc->fixture, tc->rule);
        }
        s_assert_no_personal_data(msg, diag, tc->fixture);
        gw_diag_destroy(&diag);
        gw_msg_destroy(&msg);
    }
    gw_codec_destroy(&codec);
}

static void
test_rules_every_rule_has_a_fixture(void **state)
{
    (void)state;
    for (size_t i = 0; i < gw_rules_count(); i++) {
        const gw_rule_t *r = gw_rules_at(i);
        int found = 0;
        for (size_t k = 0; k < NCASES && !found; k++) {
            found = strcmp(s_cases[k].rule, r->code) == 0;
        }
        if (!found) {
            fail_msg("rule %s has no fixture row", r->code);
        }
    }
}

static void
test_rules_ok_fixtures_have_no_findings(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    char rel[256];
    for (size_t i = 0; i < sizeof(s_ok) / sizeof(s_ok[0]); i++) {
        snprintf(rel, sizeof(rel), "rules/%s", s_ok[i]);
        gw_msg_t *msg;
        gw_diag_t *diag = s_run(codec, rel, &msg, TODAY);
        if (gw_diag_count(diag) != 0) {
            ut_print_diag(diag);
            fail_msg("%s: expected no findings", s_ok[i]);
        }
        gw_diag_destroy(&diag);
        gw_msg_destroy(&msg);
    }
    gw_codec_destroy(&codec);
}

static int
s_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_rules_valid_fixtures_have_no_findings(void **state)
{
    (void)state;
    const char *dirpath = ut_fixture_path("valid");
    DIR *dir = opendir(dirpath);
    if (!dir) {
        fail_msg("cannot open %s", dirpath);
        return;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL && n < 256) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".xml") == 0) {
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(dir);
    assert_true(n >= 28); /* at least one fixture per message type */
    qsort(names, n, sizeof(names[0]), s_cmp_names);
    gw_codec_t *codec = ut_codec();
    char rel[512];
    for (size_t i = 0; i < n; i++) {
        snprintf(rel, sizeof(rel), "valid/%s", names[i]);
        gw_msg_t *msg;
        gw_diag_t *diag = s_run(codec, rel, &msg, TODAY);
        if (gw_diag_count(diag) != 0) {
            ut_print_diag(diag);
            fail_msg("%s: expected no findings", rel);
        }
        gw_diag_destroy(&diag);
        gw_msg_destroy(&msg);
    }
    gw_codec_destroy(&codec);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
}

/* today == 0 takes the clock: a Dagtekening in 2060 is in the future, one in
 * January 2026 is not. */
static void
test_rules_today_zero_uses_the_clock(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *msg;
    gw_diag_t *diag = s_run(codec, "rules/TR135-wmo305.xml", &msg, 0);
    assert_true(ut_diag_has(diag, "TR135", "8848"));
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    diag = s_run(codec, "valid/jw301.xml", &msg, 0);
    assert_int_equal(gw_diag_count(diag), 0);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_codec_destroy(&codec);
}

/* The same message with an earlier system date: its Dagtekening is then in
 * the future (TR135 at the Header, no class). */
static void
test_rules_tr135_depends_on_today(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *msg;
    gw_diag_t *diag = s_run(codec, "valid/jw301.xml", &msg, gw_model_days(2026, 1, 19));
    assert_int_equal(gw_diag_count(diag), 1);
    const gw_diag_entry_t *e = gw_diag_at(diag, 0);
    assert_string_equal(e->rule, "TR135");
    assert_int_equal(e->level, GW_LEVEL_EXTERNAL);
    assert_null(e->cls);
    assert_string_equal(e->path, "/Bericht/Header/BerichtIdentificatie/Dagtekening");
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_codec_destroy(&codec);
}

/* Paths use 1-based indices and point at the offending element. */
static void
test_rules_paths_are_xpath_like(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *msg;
    gw_diag_t *diag = s_run(codec, "rules/TR416-jw323.xml", &msg, TODAY);
    assert_int_equal(gw_diag_count(diag), 1);
    const gw_diag_entry_t *e = gw_diag_at(diag, 0);
    assert_string_equal(e->path, "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]");
    assert_ptr_equal(e->cls, &msg->bericht->Declaratie->Client.v[0].Prestatie.v[1]);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);

    diag = s_run(codec, "rules/CS003-jw301.xml", &msg, TODAY);
    e = gw_diag_at(diag, 0);
    assert_non_null(e);
    assert_string_equal(e->path,
                        "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]/Einddatum");
    assert_ptr_equal(e->cls, &msg->bericht->Client->ToegewezenProduct.v[0]);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_codec_destroy(&codec);
}

/* ---- the table ---- */

static void
test_rules_table_is_consistent(void **state)
{
    (void)state;
    const unsigned retour = GW_M302 | GW_M306 | GW_M308 | GW_M316 | GW_M318 | GW_M320;
    assert_int_equal(gw_rules_count(), 63); /* 60 of §5.2, TR319, TR135, TR346 */
    assert_null(gw_rules_at(gw_rules_count()));
    assert_null(gw_rules_find("TR999"));
    assert_null(gw_rules_find(NULL));
    for (size_t i = 0; i < gw_rules_count(); i++) {
        const gw_rule_t *r = gw_rules_at(i);
        assert_ptr_equal(gw_rules_find(r->code), r); /* codes are unique */
        assert_non_null(r->check);
        assert_true(strlen(r->text) > 10);
        assert_true(r->msgs != 0 && (r->msgs & retour) == 0);
        assert_true(r->families != 0);
        if (strcmp(r->code, "TR135") == 0) {
            assert_int_equal(r->level, GW_LEVEL_EXTERNAL);
            assert_string_equal(r->retourcode, "8848");
        } else if (strcmp(r->code, "TR346") == 0) {
            assert_int_equal(r->level, GW_LEVEL_EXTERNAL);
            assert_string_equal(r->retourcode, "9346");
            assert_int_equal(r->msgs, GW_M323);
        } else {
            assert_int_equal(r->level, GW_LEVEL_CONTENT);
            assert_string_equal(r->retourcode, "0001");
        }
    }
    assert_int_equal(gw_rules_find("CS318")->families, GW_FAMILY_IJW);
    assert_int_equal(gw_rules_find("TR377")->families, GW_FAMILY_IJW);
    assert_int_equal(gw_rules_find("TR409")->families, GW_FAMILY_IJW);
}

static void
test_rules_run_rejects_null(void **state)
{
    (void)state;
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_rules_run(NULL, diag, TODAY), GW_EINVAL);
    gw_diag_destroy(&diag);
}

/* ---- out of memory ---- */

static long s_fail_after; /* allocations left before failing; <0: never fail */

static void *
s_fail_malloc(size_t n)
{
    return s_fail_after-- == 0 ? NULL : test_malloc(n);
}

static void *
s_fail_calloc(size_t n, size_t size)
{
    return s_fail_after-- == 0 ? NULL : test_calloc(n, size);
}

static void *
s_fail_realloc(void *p, size_t n)
{
    return s_fail_after-- == 0 ? NULL : test_realloc(p, n);
}

static void
s_fail_free(void *p)
{
    test_free(p);
}

static const gw_allocator_t s_failing = {s_fail_malloc, s_fail_calloc, s_fail_realloc, s_fail_free};

/* Every allocation a rule run makes may fail: the run says GW_ENOMEM and
 * leaks nothing (cmocka checks), until there is memory enough to finish. */
static void
test_rules_out_of_memory_is_reported(void **state)
{
    (void)state;
    static const char *const fixtures[] = {"rules/TR416-jw323.xml", "rules/TR315-jw323.xml",
                                           "rules/TR316-jw323.xml", "rules/TR101-jw305.xml",
                                           "rules/CS003-jw301.xml"};
    gw_codec_t *codec = ut_codec();
    for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
        gw_msg_t *msg = ut_decode_fixture(codec, fixtures[f]);
        assert_non_null(msg);
        int rc = GW_ENOMEM;
        long k = 0;
        for (; rc == GW_ENOMEM && k < 1000; k++) {
            gw_diag_t *diag = gw_diag_new();
            assert_non_null(diag);
            s_fail_after = k;
            gw_alloc_set(&s_failing);
            rc = gw_rules_run(msg, diag, TODAY);
            ut_alloc_setup(NULL);
            assert_true(rc == GW_OK || rc == GW_ENOMEM);
            gw_diag_destroy(&diag);
        }
        assert_int_equal(rc, GW_OK);
        assert_true(k > 2); /* some allocations did fail on the way */
        gw_msg_destroy(&msg);
    }
    gw_codec_destroy(&codec);
}

/* ---- helpers ---- */

static void
test_rules_elfproef(void **state)
{
    (void)state;
    assert_true(gw_bsn_elfproef("999900006"));
    assert_true(gw_bsn_elfproef("999900018"));
    assert_true(gw_bsn_elfproef("111222333"));
    assert_true(gw_bsn_elfproef("000000000")); /* as the official XSLT */
    assert_true(gw_bsn_elfproef(" 999900006 "));
    assert_false(gw_bsn_elfproef("999900007"));
    assert_false(gw_bsn_elfproef("123456789"));
    assert_false(gw_bsn_elfproef("000000001")); /* negative sum */
    assert_false(gw_bsn_elfproef("99990000"));
    assert_false(gw_bsn_elfproef("9999000061"));
    assert_false(gw_bsn_elfproef("99990000a"));
    assert_false(gw_bsn_elfproef(NULL));
}

static gw_span_t
s_span(int32_t b, int32_t e, int open)
{
    gw_span_t s = {b, e, open};
    return s;
}

static void
test_rules_span_overlap(void **state)
{
    (void)state;
    int32_t jan1 = gw_model_days(2026, 1, 1), jan31 = gw_model_days(2026, 1, 31);
    int32_t feb1 = gw_model_days(2026, 2, 1), feb28 = gw_model_days(2026, 2, 28);
    gw_span_t jan = s_span(jan1, jan31, 0), feb = s_span(feb1, feb28, 0);
    gw_span_t from_feb = s_span(feb1, 0, 1), from_jan = s_span(jan1, 0, 1);
    gw_span_t jan31_feb1 = s_span(jan31, feb1, 0);
    assert_false(gw_span_overlap(&jan, &feb)); /* adjacent months */
    assert_false(gw_span_overlap(&feb, &jan));
    assert_true(gw_span_overlap(&jan, &jan));
    assert_true(gw_span_overlap(&jan, &jan31_feb1)); /* one shared day counts */
    assert_true(gw_span_overlap(&feb, &jan31_feb1));
    assert_false(gw_span_overlap(&jan, &from_feb)); /* open end starting later */
    assert_true(gw_span_overlap(&feb, &from_jan));
    assert_true(gw_span_overlap(&from_feb, &from_jan)); /* two open ends */
}

static void
test_rules_dates(void **state)
{
    (void)state;
    assert_int_equal(gw_date_ymd(gw_model_days(2026, 4, 3)), 20260403);
    assert_int_equal(gw_days_in_month(2024, 2), 29);
    assert_int_equal(gw_days_in_month(2026, 2), 28);
    assert_int_equal(gw_days_in_month(1900, 2), 28);
    assert_int_equal(gw_days_in_month(2000, 2), 29);
    assert_int_equal(gw_days_in_month(2026, 4), 30);
    assert_int_equal(gw_date_add_months(gw_model_days(2026, 4, 3), -60), gw_model_days(2021, 4, 3));
    assert_int_equal(gw_date_add_months(gw_model_days(2024, 2, 29), -60),
                     gw_model_days(2019, 2, 28));
    assert_int_equal(gw_date_add_months(gw_model_days(2026, 1, 31), 1), gw_model_days(2026, 2, 28));
    assert_int_equal(gw_date_add_months(gw_model_days(2026, 12, 15), 1),
                     gw_model_days(2027, 1, 15));
    assert_int_equal(gw_date_add_months(gw_model_days(2026, 1, 15), -1),
                     gw_model_days(2025, 12, 15));
    int32_t d;
    assert_true(gw_rv_date("2026-02-28", &d));
    assert_false(gw_rv_date("2026-02-29", &d));
    assert_false(gw_rv_date(NULL, &d));
}

static void
test_rules_leaves(void **state)
{
    (void)state;
    assert_true(gw_rv_filled("x"));
    assert_false(gw_rv_filled(" \t"));
    assert_false(gw_rv_filled(NULL));
    assert_true(gw_rv_eq(" 01 ", "01"));
    assert_false(gw_rv_eq("1", "01"));
    assert_false(gw_rv_eq(NULL, "01"));
    assert_true(gw_rv_in("03", "02,03,04,05"));
    assert_true(gw_rv_in("05", "02,03,04,05"));
    assert_false(gw_rv_in("0", "02,03,04,05"));
    assert_false(gw_rv_in("02,03", "02,03,04,05"));
    assert_false(gw_rv_in(NULL, "1"));
    assert_int_equal(gw_rv_cmp(NULL, NULL), 0);
    assert_true(gw_rv_cmp(NULL, "a") < 0);
    assert_true(gw_rv_cmp("a", NULL) > 0);
    assert_int_equal(gw_rv_cmp(" a", "a "), 0);
    assert_true(gw_rv_cmp("ab", "a") > 0);
    assert_true(gw_postcode_nl("1011AB"));
    assert_true(gw_postcode_nl("9999zz"));
    assert_false(gw_postcode_nl("0111AB"));
    assert_false(gw_postcode_nl("1011 AB"));
    assert_false(gw_postcode_nl("1011A"));
    assert_false(gw_postcode_nl(NULL));
}

static void
test_rules_rpath(void **state)
{
    (void)state;
    gw_rpath_t p;
    gw_rpath_set(&p, "/Bericht");
    size_t m = gw_rpath_push(&p, "Client");
    gw_rpath_pushi(&p, "Relatie", 1);
    assert_string_equal(p.buf, "/Bericht/Client/Relatie[2]");
    gw_rpath_pop(&p, m);
    assert_string_equal(p.buf, "/Bericht");
    for (int i = 0; i < 100; i++) {
        gw_rpath_push(&p, "AangevraagdeProducten"); /* overflow is cut off, never overrun */
    }
    assert_true(p.len < sizeof(p.buf));
    assert_int_equal(strlen(p.buf), p.len);
}

static void
test_rules_keyrows(void **state)
{
    (void)state;
    gw_keyrow_t rows[4] = {
        {{"b", NULL}, 0},
        {{"a", "x"}, 1},
        {{"b", NULL}, 2},
        {{"a", NULL}, 3},
    };
    gw_keyrows_sort(rows, 4);
    assert_int_equal(rows[0].idx, 3); /* absent sorts first */
    assert_int_equal(rows[1].idx, 1);
    assert_int_equal(rows[2].idx, 0); /* equal keys keep document order */
    assert_int_equal(rows[3].idx, 2);
    assert_true(gw_keyrows_same(&rows[2], &rows[3]));
    assert_false(gw_keyrows_same(&rows[0], &rows[1]));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules_each_fixture_fires_its_rule, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test(test_rules_every_rule_has_a_fixture),
        cmocka_unit_test_setup_teardown(test_rules_ok_fixtures_have_no_findings, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_rules_valid_fixtures_have_no_findings, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_rules_today_zero_uses_the_clock, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_rules_tr135_depends_on_today, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_rules_paths_are_xpath_like, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test(test_rules_table_is_consistent),
        cmocka_unit_test_setup_teardown(test_rules_run_rejects_null, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_rules_out_of_memory_is_reported, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test(test_rules_elfproef),
        cmocka_unit_test(test_rules_span_overlap),
        cmocka_unit_test(test_rules_dates),
        cmocka_unit_test(test_rules_leaves),
        cmocka_unit_test(test_rules_rpath),
        cmocka_unit_test(test_rules_keyrows),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
