/*
 * Tests of the filter chain (gateway/gw_chain.c): config order, applicability
 * masks, verdicts and counters, the plugin loader's refusals (with the exact
 * messages), the example plugin, and the built-in tr056 on a real SQLite file
 * in a mkdtemp directory.
 */
#define _XOPEN_SOURCE 700
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter_registry.h"
#include "gw_chain.h"
#include "record.h"
#include "unittest.h"

#define T_FILE "test.conf"

/* ---- the call log plugin_record writes into ---- */

static char s_calls[2048];

void
t_chain_record(const char *tag, const char *event)
{
    size_t n = strlen(s_calls);
    snprintf(s_calls + n, sizeof(s_calls) - n, "%s:%s;", tag, event);
}

/* ---- helpers ---- */

static gw_codec_t *s_codec;
static char s_dir[256];

static int
s_setup(void **state)
{
    s_calls[0] = '\0';
    int rc = ut_alloc_setup(state);
    s_codec = ut_codec(); /* per test: its schema cache must die under the same allocator */
    return rc;
}

static int
s_teardown(void **state)
{
    gw_codec_destroy(&s_codec);
    return ut_alloc_teardown(state);
}

/* A spec for plugin_record with up to two extra options. */
typedef struct t_spec {
    gw_chain_spec_t spec;
    gw_filter_opt_t opt[3];
} t_spec_t;

static void
s_record(t_spec_t *t, const char *tag, const char *verdict, int line)
{
    memset(t, 0, sizeof(*t));
    t->opt[0] = (gw_filter_opt_t){"tag", tag, line + 1};
    t->opt[1] = (gw_filter_opt_t){"verdict", verdict, line + 2};
    t->spec.name = "record";
    t->spec.plugin = T_PLUGIN_RECORD;
    t->spec.line = line;
    t->spec.opts = (gw_filter_opts_t){T_FILE, t->opt, 2};
}

static gw_chain_t *
s_chain(const t_spec_t *t, size_t n)
{
    gw_chain_spec_t specs[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        specs[i] = t[i].spec;
    }
    char *err = NULL;
    gw_chain_t *c = gw_chain_new(specs, n, &err);
    if (!c) {
        fail_msg("gw_chain_new: %s", err ? err : "?");
    }
    assert_null(err);
    return c;
}

/* Build a chain that must fail; returns the error text (caller frees). */
static char *
s_chain_err(const gw_chain_spec_t *specs, size_t n)
{
    char *err = NULL;
    gw_chain_t *c = gw_chain_new(specs, n, &err);
    assert_null(c);
    assert_non_null(err);
    return err;
}

static int
s_type_bit(const char *name)
{
    const gw_msgtype_t *t = gw_msgtype_by_name(name);
    assert_non_null(t);
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (gw_msgtype_at(i) == t) {
            return (int)i;
        }
    }
    fail_msg("type %s not in the registry", name);
    return -1;
}

static gw_chain_stats_t
s_stats(const gw_chain_t *c, size_t i)
{
    gw_chain_stats_t st;
    gw_chain_stats(c, i, &st);
    return st;
}

/* The "built-in filters: ..." list of the unknown-filter error, from the registry itself
 * (so adding a built-in filter does not break these tests). Static buffer. */
static const char *
s_builtin_names(void)
{
    static char names[512];
    names[0] = '\0';
    for (size_t i = 0; gw_filter_builtins[i]; i++) {
        size_t n = strlen(names);
        snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", gw_filter_builtins[i]->name);
    }
    return names;
}

static const gw_filter_ctx_t s_ctx = {.now_ms = 1770000000000, .peer = "0363", .db = NULL};

/* ---- chain behaviour ---- */

static void
test_chain_empty_passes(void **state)
{
    (void)state;
    char *err = NULL;
    gw_chain_t *c = gw_chain_new(NULL, 0, &err);
    assert_non_null(c);
    assert_null(err);
    assert_int_equal(gw_chain_count(c), 0);
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301.xml");
    gw_diag_t *diag = gw_diag_new();
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_chain_accept(c, msg, &s_ctx), GW_OK);
    gw_chain_tick(c, 1);
    assert_int_equal(gw_diag_count(diag), 0);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_chain_destroy(&c);
    assert_null(c);
    gw_chain_destroy(&c); /* NULL is fine */
    gw_chain_destroy(NULL);
}

static void
test_chain_order_is_config_order(void **state)
{
    (void)state;
    t_spec_t t[3];
    s_record(&t[0], "B", "pass", 10);
    s_record(&t[1], "A", "pass", 20);
    s_record(&t[2], "C", "pass", 30);
    gw_chain_t *c = s_chain(t, 3);
    assert_string_equal(s_calls, "B:create;A:create;C:create;");
    assert_int_equal(gw_chain_count(c), 3);
    assert_string_equal(s_stats(c, 0).name, "record");

    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301.xml");
    gw_diag_t *diag = gw_diag_new();
    s_calls[0] = '\0';
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_PASS);
    assert_string_equal(s_calls, "B:message;A:message;C:message;");
    s_calls[0] = '\0';
    assert_int_equal(gw_chain_accept(c, msg, &s_ctx), GW_OK);
    assert_string_equal(s_calls, "B:accept;A:accept;C:accept;");
    s_calls[0] = '\0';
    gw_chain_tick(c, 5);
    assert_string_equal(s_calls, "B:tick;A:tick;C:tick;");
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s_stats(c, i).passed, 1);
        assert_int_equal(s_stats(c, i).rejected, 0);
    }
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    s_calls[0] = '\0';
    gw_chain_destroy(&c);
    assert_string_equal(s_calls, "C:destroy;A:destroy;B:destroy;");
}

static void
test_chain_masks_skip_filters(void **state)
{
    (void)state;
    t_spec_t t[3];
    s_record(&t[0], "all", "pass", 10);
    s_record(&t[1], "only305", "pass", 20);
    t[1].spec.types = 1u << s_type_bit("JW305");
    /* max_products: families = iJw, msgs = 301; max 1 so a 3-product JW301 warns. */
    gw_filter_opt_t mp = {"max_products", "1", 32};
    t[2].spec = (gw_chain_spec_t){
        .name = "max_products", .plugin = T_PLUGIN_EXAMPLE, .line = 30, .opts = {T_FILE, &mp, 1}};
    gw_chain_t *c = s_chain(t, 3);
    gw_diag_t *diag = gw_diag_new();

    /* JW301 with 3 products: types mask skips only305; max_products warns. */
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301-multi.xml");
    s_calls[0] = '\0';
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_WARN);
    assert_string_equal(s_calls, "all:message;");
    assert_int_equal(gw_diag_count(diag), 1);
    assert_int_equal(gw_diag_at(diag, 0)->level, GW_LEVEL_WARN);
    assert_ptr_equal(gw_diag_at(diag, 0)->cls, msg->bericht->Client);
    assert_false(gw_diag_rejects(diag));
    assert_int_equal(s_stats(c, 2).warned, 1);
    gw_msg_destroy(&msg);

    /* JW305: the msgs mask (301 only) skips max_products; the types mask lets only305 in. */
    gw_diag_reset(diag);
    msg = ut_decode_fixture(s_codec, "valid/jw305.xml");
    s_calls[0] = '\0';
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_PASS);
    assert_string_equal(s_calls, "all:message;only305:message;");
    gw_msg_destroy(&msg);

    /* WMO301: the family mask (iJw only) skips max_products. */
    msg = ut_decode_fixture(s_codec, "valid/wmo301.xml");
    s_calls[0] = '\0';
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_PASS);
    assert_string_equal(s_calls, "all:message;");
    s_calls[0] = '\0';
    assert_int_equal(gw_chain_accept(c, msg, &s_ctx), GW_OK);
    assert_string_equal(s_calls, "all:accept;");
    gw_msg_destroy(&msg);

    assert_int_equal(s_stats(c, 0).passed, 3);
    assert_int_equal(s_stats(c, 1).passed, 1);
    assert_int_equal(s_stats(c, 2).passed, 0);
    assert_int_equal(s_stats(c, 2).warned, 1);
    assert_string_equal(s_stats(c, 2).name, "max_products");
    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
}

static void
test_chain_example_plugin_passes_under_limit(void **state)
{
    (void)state;
    gw_filter_opt_t mp = {"max_products", "5", 4};
    gw_chain_spec_t spec = {.name = "max_products",
                            .plugin = T_PLUGIN_EXAMPLE,
                            .line = 2,
                            .types = 1u << s_type_bit("JW301"),
                            .opts = {T_FILE, &mp, 1}};
    char *err = NULL;
    gw_chain_t *c = gw_chain_new(&spec, 1, &err);
    assert_non_null(c);
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301-multi.xml");
    gw_diag_t *diag = gw_diag_new();
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_diag_count(diag), 0);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_chain_destroy(&c);

    /* A bad option value: the plugin's own "file:line: ..." text is kept as is. */
    mp.value = "many";
    err = s_chain_err(&spec, 1);
    assert_string_equal(err, "test.conf:4: max_products must be 1..100000, not 'many'");
    gw_free(err);
}

static void
s_run_verdicts(const char *v1, const char *v2, gw_verdict_t want, const char *calls)
{
    t_spec_t t[3];
    s_record(&t[0], "A", v1, 10);
    s_record(&t[1], "B", v2, 20);
    s_record(&t[2], "C", "pass", 30);
    gw_chain_t *c = s_chain(t, 3);
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301.xml");
    gw_diag_t *diag = gw_diag_new();
    s_calls[0] = '\0';
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), want);
    assert_string_equal(s_calls, calls);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_chain_destroy(&c);
}

static void
test_chain_reject_stops_and_counts(void **state)
{
    (void)state;
    t_spec_t t[3];
    s_record(&t[0], "A", "pass", 10);
    s_record(&t[1], "B", "reject", 20);
    s_record(&t[2], "C", "pass", 30);
    gw_chain_t *c = s_chain(t, 3);
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301.xml");
    gw_diag_t *diag = gw_diag_new();
    for (int round = 0; round < 2; round++) {
        gw_diag_reset(diag);
        s_calls[0] = '\0';
        assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_REJECT);
        assert_string_equal(s_calls, "A:message;B:message;");
        assert_true(ut_diag_has(diag, "TREJ", "9999"));
    }
    assert_int_equal(s_stats(c, 0).passed, 2);
    assert_int_equal(s_stats(c, 1).rejected, 2);
    assert_int_equal(s_stats(c, 1).passed, 0);
    gw_chain_stats_t st2 = s_stats(c, 2);
    assert_int_equal(st2.passed + st2.rejected + st2.warned + st2.errors, 0);
    gw_chain_stats_t none = s_stats(c, 99);
    assert_null(none.name);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_chain_destroy(&c);

    s_run_verdicts("warn", "pass", GW_VERDICT_WARN, "A:message;B:message;C:message;");
    s_run_verdicts("warn", "reject", GW_VERDICT_REJECT, "A:message;B:message;");
    s_run_verdicts("stop", "pass", GW_VERDICT_STOP, "A:message;");
    s_run_verdicts("pass", "error", GW_VERDICT_ERROR, "A:message;B:message;");
    /* REJECT without a rejecting diagnostic, or a value that is no verdict: ERROR. */
    s_run_verdicts("reject_nodiag", "pass", GW_VERDICT_ERROR, "A:message;");
    s_run_verdicts("bogus", "pass", GW_VERDICT_ERROR, "A:message;");
}

static void
test_chain_error_counters(void **state)
{
    (void)state;
    t_spec_t t[2];
    s_record(&t[0], "A", "reject_nodiag", 10);
    s_record(&t[1], "B", "stop", 20);
    gw_chain_t *c = s_chain(t, 2);
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301.xml");
    gw_diag_t *diag = gw_diag_new();
    assert_int_equal(gw_chain_run(c, msg, diag, &s_ctx), GW_VERDICT_ERROR);
    assert_int_equal(s_stats(c, 0).errors, 1);
    assert_int_equal(s_stats(c, 0).rejected, 0);
    assert_int_equal(gw_diag_count(diag), 0);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&msg);
    gw_chain_destroy(&c);
}

/* ---- refusals ---- */

static void
test_chain_refuses_unknown_builtin(void **state)
{
    (void)state;
    gw_chain_spec_t spec = {.name = "nosuch", .line = 3, .opts = {T_FILE, NULL, 0}};
    char *err = s_chain_err(&spec, 1);
    char want[768];
    snprintf(want, sizeof(want),
             "test.conf:3: unknown filter 'nosuch' (built-in filters: %s; or set `plugin = PATH`)",
             s_builtin_names());
    assert_non_null(strstr(want, "tr056"));
    assert_string_equal(err, want);
    gw_free(err);
}

static void
test_chain_refuses_wrong_abi(void **state)
{
    (void)state;
    gw_chain_spec_t spec = {
        .name = "record", .plugin = T_PLUGIN_BAD_ABI, .line = 7, .opts = {T_FILE, NULL, 0}};
    char *err = s_chain_err(&spec, 1);
    assert_string_equal(err, "test.conf:7: plugin " T_PLUGIN_BAD_ABI
                             " was built for filter ABI 99; this gateway supports 1");
    gw_free(err);
    assert_string_equal(s_calls, ""); /* never created */
}

static void
test_chain_refuses_reserved_slot(void **state)
{
    (void)state;
    gw_chain_spec_t spec = {
        .name = "record", .plugin = T_PLUGIN_BAD_RESERVED, .line = 8, .opts = {T_FILE, NULL, 0}};
    char *err = s_chain_err(&spec, 1);
    assert_string_equal(err, "test.conf:8: plugin " T_PLUGIN_BAD_RESERVED
                             " has reserved[1] set (must be NULL for filter ABI 1)");
    gw_free(err);
}

static void
test_chain_refuses_missing_plugin(void **state)
{
    (void)state;
    gw_chain_spec_t spec = {
        .name = "ghost", .plugin = "/nonexistent/ghost.so", .line = 4, .opts = {T_FILE, NULL, 0}};
    char *err = s_chain_err(&spec, 1);
    const char *head = "test.conf:4: filter ghost: cannot load plugin /nonexistent/ghost.so: ";
    assert_memory_equal(err, head, strlen(head));
    assert_non_null(strstr(err, "/nonexistent/ghost.so: cannot open shared object file"));
    gw_free(err);
}

static void
test_chain_refuses_name_mismatch(void **state)
{
    (void)state;
    gw_chain_spec_t spec = {
        .name = "other", .plugin = T_PLUGIN_EXAMPLE, .line = 5, .opts = {T_FILE, NULL, 0}};
    char *err = s_chain_err(&spec, 1);
    assert_string_equal(err, "test.conf:5: plugin " T_PLUGIN_EXAMPLE
                             " is named 'max_products', not 'other' (the section must be "
                             "`filter max_products`)");
    gw_free(err);
}

static void
test_chain_reports_every_problem_and_cleans_up(void **state)
{
    (void)state;
    t_spec_t t[4];
    s_record(&t[0], "ok", "pass", 10);
    t[1].spec = (gw_chain_spec_t){.name = "nosuch", .line = 20, .opts = {T_FILE, NULL, 0}};
    s_record(&t[2], "bad", "pass", 30);
    t[2].opt[2] = (gw_filter_opt_t){"fail", "tag must be unique", 33};
    t[2].spec.opts.n = 3;
    t[3].spec = (gw_chain_spec_t){
        .name = "record", .plugin = T_PLUGIN_BAD_ABI, .line = 40, .opts = {T_FILE, NULL, 0}};
    gw_chain_spec_t specs[4] = {t[0].spec, t[1].spec, t[2].spec, t[3].spec};
    /* Every problem in one run: resolution errors first, then create errors; what was
     * created is destroyed again. */
    char *err = s_chain_err(specs, 4);
    char want[1024];
    snprintf(want, sizeof(want),
             "test.conf:20: unknown filter 'nosuch' (built-in filters: %s; "
             "or set `plugin = PATH`)\n"
             "test.conf:40: plugin " T_PLUGIN_BAD_ABI
             " was built for filter ABI 99; this gateway supports 1\n"
             "test.conf:33: tag must be unique",
             s_builtin_names());
    assert_string_equal(err, want);
    gw_free(err);
    assert_string_equal(s_calls, "ok:create;ok:destroy;");
    s_calls[0] = '\0';

    /* A create failure: the others are created, then destroyed again. */
    gw_chain_spec_t specs2[3] = {t[0].spec, t[2].spec, t[0].spec};
    specs2[2].line = 50;
    err = s_chain_err(specs2, 3);
    assert_string_equal(err, "test.conf:33: tag must be unique");
    gw_free(err);
    assert_string_equal(s_calls, "ok:create;ok:create;ok:destroy;ok:destroy;");

    /* tr056 takes no options. */
    gw_filter_opt_t o = {"window", "30", 61};
    gw_chain_spec_t tr = {.name = "tr056", .line = 60, .opts = {T_FILE, &o, 1}};
    err = s_chain_err(&tr, 1);
    assert_string_equal(err,
                        "test.conf:61: filter tr056: unknown option 'window' (tr056 has none)");
    gw_free(err);

    /* err may be NULL. */
    assert_null(gw_chain_new(&tr, 1, NULL));
}

static void
test_chain_filter_opt(void **state)
{
    (void)state;
    gw_filter_opt_t o[3] = {{"a", "1", 2}, {"b", "2", 3}, {"a", "3", 4}};
    gw_filter_opts_t opts = {T_FILE, o, 3};
    int line = 0;
    assert_string_equal(gw_filter_opt(&opts, "a", &line), "3");
    assert_int_equal(line, 4);
    assert_string_equal(gw_filter_opt(&opts, "b", NULL), "2");
    assert_null(gw_filter_opt(&opts, "c", &line));
    assert_null(gw_filter_opt(NULL, "a", NULL));
}

/* ---- tr056 on a real SQLite file ---- */

static sqlite3 *
s_db_open(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", s_dir, name);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    assert_int_equal(rc, SQLITE_OK);
    return db;
}

static int
s_count_rows(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM tr056_ident", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* Run the chain on msg inside a transaction and accept it when it passed. */
static gw_verdict_t
s_submit(gw_chain_t *c, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    ut_db_exec(ctx->db, "BEGIN IMMEDIATE");
    gw_verdict_t v = gw_chain_run(c, msg, diag, ctx);
    if (v == GW_VERDICT_PASS || v == GW_VERDICT_WARN) {
        assert_int_equal(gw_chain_accept(c, msg, ctx), GW_OK);
    }
    ut_db_exec(ctx->db, "COMMIT");
    return v;
}

static void
test_tr056_rejects_reused_identificatie(void **state)
{
    (void)state;
    sqlite3 *db = s_db_open("tr056.db");
    gw_chain_spec_t spec = {.name = "tr056", .line = 1, .opts = {T_FILE, NULL, 0}};
    char *err = NULL;
    gw_chain_t *c = gw_chain_new(&spec, 1, &err);
    assert_non_null(c);
    gw_filter_ctx_t ctx = {.now_ms = 1770000000000, .peer = "0363", .db = db};
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/jw301.xml");
    gw_bericht_identificatie_t *id = msg->bericht->Header->BerichtIdentificatie;
    assert_string_equal(id->Identificatie, "JW301-000001");
    assert_string_equal(id->Dagtekening, "2026-01-20");

    /* First JW301 passes and is recorded by accept. */
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_diag_count(diag), 0);
    assert_int_equal(s_count_rows(db), 1);

    /* Same Identificatie and Dagtekening: an exact resend, the store's dedup answers. */
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 1);

    /* Same Identificatie, another Dagtekening: 9056 on the Header. */
    id->Dagtekening = "2026-01-21";
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_REJECT);
    assert_int_equal(gw_diag_count(diag), 1);
    const gw_diag_entry_t *d = gw_diag_at(diag, 0);
    assert_int_equal(d->level, GW_LEVEL_CROSS);
    assert_string_equal(d->rule, "TR056");
    assert_string_equal(d->retourcode, "9056");
    assert_string_equal(d->path, "/Bericht/Header/BerichtIdentificatie/Identificatie");
    assert_null(d->cls);
    assert_non_null(strstr(d->text, "Identificatie moet per berichtsoort uniek zijn"));
    assert_null(strstr(d->text, msg->bericht->Client->Bsn)); /* no personal data */
    assert_int_equal(s_stats(c, 0).rejected, 1);
    assert_int_equal(s_stats(c, 0).passed, 2);

    /* Another sender: its own namespace. */
    gw_diag_reset(diag);
    gw_filter_ctx_t other = ctx;
    other.peer = "0599";
    assert_int_equal(s_submit(c, msg, diag, &other), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 2);

    /* Another message type with the same Identificatie and another Dagtekening. */
    gw_msg_t *m305 = ut_decode_fixture(s_codec, "valid/jw305.xml");
    m305->bericht->Header->BerichtIdentificatie->Identificatie = "JW301-000001";
    m305->bericht->Header->BerichtIdentificatie->Dagtekening = "2026-03-01";
    assert_int_equal(s_submit(c, m305, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 3);
    gw_msg_destroy(&m305);

    /* A retourbericht is outside the msgs mask: not looked at, not recorded. */
    gw_msg_t *m302 = ut_decode_fixture(s_codec, "valid/jw302.xml");
    assert_int_equal(s_submit(c, m302, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 3);
    gw_msg_destroy(&m302);
    assert_int_equal(gw_diag_count(diag), 0);

    /* A fresh chain on a new handle to the same file sees what was recorded. */
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    db = s_db_open("tr056.db");
    ctx.db = db;
    c = gw_chain_new(&spec, 1, &err);
    assert_non_null(c);
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_REJECT);
    assert_true(ut_diag_has(diag, "TR056", "9056"));

    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
test_tr056_survives_rolled_back_first_transaction(void **state)
{
    (void)state;
    sqlite3 *db = s_db_open("tr056-rollback.db");
    gw_chain_spec_t spec = {.name = "tr056", .line = 1, .opts = {T_FILE, NULL, 0}};
    gw_chain_t *c = gw_chain_new(&spec, 1, NULL);
    assert_non_null(c);
    gw_filter_ctx_t ctx = {.now_ms = 1, .peer = "12345678", .db = db};
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = ut_decode_fixture(s_codec, "valid/wmo323.xml");

    /* The table is created inside a transaction that the broker then rolls back. */
    ut_db_exec(db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(c, msg, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_chain_accept(c, msg, &ctx), GW_OK);
    ut_db_exec(db, "ROLLBACK");

    /* The cached statements point at a table that is gone; the filter recovers. */
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 1);
    msg->bericht->Header->BerichtIdentificatie->Dagtekening = "2020-01-01";
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_REJECT);

    /* No database handle: the filter cannot work, ERROR (logged). */
    gw_diag_reset(diag);
    gw_filter_ctx_t nodb = {.now_ms = 1, .peer = "12345678", .db = NULL};
    assert_int_equal(gw_chain_run(c, msg, diag, &nodb), GW_VERDICT_ERROR);
    assert_int_equal(s_stats(c, 0).errors, 1);
    assert_int_not_equal(gw_chain_accept(c, msg, &nodb), GW_OK);

    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* ---- main ---- */

int
main(void)
{
    if (ut_tmpdir(s_dir, sizeof(s_dir), "gw-chain") != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_empty_passes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_order_is_config_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_masks_skip_filters, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_example_plugin_passes_under_limit, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_reject_stops_and_counts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_error_counters, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_refuses_unknown_builtin, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_refuses_wrong_abi, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_refuses_reserved_slot, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_refuses_missing_plugin, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_refuses_name_mismatch, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_reports_every_problem_and_cleans_up, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_chain_filter_opt, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tr056_rejects_reused_identificatie, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_tr056_survives_rolled_back_first_transaction, s_setup,
                                        s_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ut_tree_remove(s_dir);
    return failed;
}
