/*
 * Tests of the built-in toewijzing filter (filters/filter_toewijzing.c), driven
 * through the chain (gateway/gw_chain.c) on a real SQLite file in a mkdtemp
 * directory: the fixture stories pass unchanged; each rule (TR332, TR019,
 * TR338, TR304, TR339, TR340, TR341, TR307, TR308, TR384, and on the 317 TR349,
 * TR350, TR351, TR357, TR373, TR375, TR412, TR411) is triggered once by
 * mutating the decoded model, with its retourcode, level, path and cls; IV013
 * versioning; recovery after a rolled-back first transaction.
 */
#define _XOPEN_SOURCE 700
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter_env.h"
#include "gw_chain.h"
#include "unittest.h"


static int
s_count_rows(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM toewijzing_product", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* A text column of the stored toewijzing (gemeente, nummer); "" when NULL. Static buffer. */
static const char *
s_stored(sqlite3 *db, const char *col, const char *gemeente, int64_t nummer)
{
    static char out[64];
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT %s FROM toewijzing_product WHERE gemeente = ?1 AND nummer = ?2", col);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, gemeente, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, nummer);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(out, sizeof(out), "%s", t ? (const char *)t : "");
    sqlite3_finalize(s);
    return out;
}

/* A chain with the toewijzing filter only. */
static gw_chain_t *
s_chain(void)
{
    gw_chain_spec_t spec = {.name = "toewijzing", .line = 1, .opts = {FT_FILE, NULL, 0}};
    char *err = NULL;
    gw_chain_t *c = gw_chain_new(&spec, 1, &err);
    if (!c) {
        fail_msg("gw_chain_new: %s", err ? err : "?");
    }
    assert_null(err);
    return c;
}

/* Run the chain on msg inside a transaction and accept it when it passed. */
static gw_verdict_t
s_submit(gw_chain_t *c, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    gw_diag_reset(diag);
    ut_db_exec(ctx->db, "BEGIN IMMEDIATE");
    gw_verdict_t v = gw_chain_run(c, msg, diag, ctx);
    if (v == GW_VERDICT_PASS || v == GW_VERDICT_WARN) {
        assert_int_equal(gw_chain_accept(c, msg, ctx), GW_OK);
    }
    ut_db_exec(ctx->db, "COMMIT");
    return v;
}

/* Decode a fixture, submit it and require a pass; returns nothing (the message is freed). */
static void
s_pass(gw_chain_t *c, const char *rel, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    gw_msg_t *msg = ut_decode_fixture(ft_codec, rel);
    gw_verdict_t v = s_submit(c, msg, diag, ctx);
    if (v != GW_VERDICT_PASS) {
        ut_print_diag(diag);
        fail_msg("%s: verdict %d, want PASS", rel, (int)v);
    }
    assert_int_equal(gw_diag_count(diag), 0);
    gw_msg_destroy(&msg);
}

/* Entry i must be a level-3 diagnostic of rule/code at path on cls, without the BSN. */
static void
s_assert_diag(const gw_diag_t *diag, size_t i, const char *rule, const char *code, const char *path,
              const void *cls)
{
    ft_expect_diag(diag, i, rule, code, path, cls, "9999000"); /* no BSN in the text */
}

/* Submit msg, expect REJECT with exactly one diagnostic as given. */
static void
s_reject_one(gw_chain_t *c, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx,
             const char *rule, const char *code, const char *path, const void *cls)
{
    assert_int_equal(s_submit(c, msg, diag, ctx), GW_VERDICT_REJECT);
    if (gw_diag_count(diag) != 1) {
        ut_print_diag(diag);
    }
    assert_int_equal(gw_diag_count(diag), 1);
    s_assert_diag(diag, 0, rule, code, path, cls);
}

#define P1 "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]"

/* ---- the stories pass ---- */

static void
test_toewijzing_ijw_story_passes(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("ijw-story.db");
    gw_chain_t *c = s_chain();
    gw_filter_ctx_t ctx = {.now_ms = 1770000000000, .peer = "0363", .db = db};
    gw_diag_t *diag = gw_diag_new();
    s_pass(c, "valid/jw301.xml", diag, &ctx);
    assert_int_equal(s_count_rows(db), 1);
    assert_string_equal(s_stored(db, "aanbieder", "0363", 12345001), "42420001");
    assert_string_equal(s_stored(db, "eenheid", "0363", 12345001), "04");
    assert_string_equal(s_stored(db, "frequentie", "0363", 12345001), "4");
    assert_string_equal(s_stored(db, "toewijzingstijd", "0363", 12345001), "10:15:00");
    ctx.peer = "42420001";
    s_pass(c, "valid/jw305.xml", diag, &ctx);
    s_pass(c, "valid/jw317.xml", diag, &ctx); /* lists the one actuele toewijzing */
    s_pass(c, "valid/jw323.xml", diag, &ctx);
    s_pass(c, "valid/jw323-credit.xml", diag, &ctx);
    s_pass(c, "valid/jw307.xml", diag, &ctx);
    /* Taakgericht start (no ToewijzingNummer): not checked, although nothing is stored. */
    s_pass(c, "valid/jw305-taakgericht.xml", diag, &ctx);
    /* The same 301 again (a resend for the same client) passes; still one row. */
    ctx.peer = "0363";
    s_pass(c, "valid/jw301.xml", diag, &ctx);
    s_pass(c, "valid/jw301-multi.xml", diag, &ctx);
    s_pass(c, "valid/jw301-budget.xml", diag, &ctx);
    assert_int_equal(s_count_rows(db), 5);
    /* Retours are outside the mask. */
    s_pass(c, "valid/jw302.xml", diag, &ctx);
    gw_chain_stats_t st;
    gw_chain_stats(c, 0, &st);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(st.errors, 0);
    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
test_toewijzing_wmo_story_passes(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("wmo-story.db");
    gw_chain_t *c = s_chain();
    gw_filter_ctx_t ctx = {.now_ms = 1770000000000, .peer = "0384", .db = db};
    gw_diag_t *diag = gw_diag_new();
    s_pass(c, "valid/wmo301.xml", diag, &ctx);
    ctx.peer = "65656055";
    s_pass(c, "valid/wmo305.xml", diag, &ctx);
    s_pass(c, "valid/wmo317.xml", diag, &ctx);
    s_pass(c, "valid/wmo323.xml", diag, &ctx);
    s_pass(c, "valid/wmo323-credit.xml", diag, &ctx);
    s_pass(c, "valid/wmo307.xml", diag, &ctx);
    assert_int_equal(s_count_rows(db), 1);

    /* Families are separate: a JW323 on the WMO toewijzing's gemeente/number relates to
     * nothing. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw323.xml");
    m->bericht->Header->Afzender = "65656055";
    m->bericht->Header->Ontvanger = "0384";
    gw_prestatie_t *p = &m->bericht->Declaratie->Client.v[0].Prestatie.v[0];
    p->ToewijzingNummer = "23456001";
    s_reject_one(c, m, diag, &ctx, "TR338", "9338", P1 "/ToewijzingNummer", p);
    gw_msg_destroy(&m);

    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
test_toewijzing_refuses_options(void **state)
{
    (void)state;
    gw_filter_opt_t o = {"window", "5", 61};
    gw_chain_spec_t spec = {.name = "toewijzing", .line = 60, .opts = {FT_FILE, &o, 1}};
    char *err = NULL;
    assert_null(gw_chain_new(&spec, 1, &err));
    assert_non_null(err);
    assert_string_equal(err, "test.conf:61: filter toewijzing: unknown option 'window' "
                             "(toewijzing has none)");
    gw_free(err);
}

/* ---- TR332 ---- */

static void
test_toewijzing_tr332_number_of_another_client(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("tr332.db");
    gw_chain_t *c = s_chain();
    gw_filter_ctx_t ctx = {.now_ms = 1770000000000, .peer = "0363", .db = db};
    gw_diag_t *diag = gw_diag_new();
    s_pass(c, "valid/jw301.xml", diag, &ctx);

    /* The same number of gemeente 0363 for another client: 9332 on that ToegewezenProduct. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw301-multi.xml");
    gw_client_t *cl = m->bericht->Client;
    cl->ToegewezenProduct.v[1].ToewijzingNummer = "012345001"; /* numeric: = 12345001 */
    s_reject_one(c, m, diag, &ctx, "TR332", "9332",
                 "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/ToewijzingNummer",
                 &cl->ToegewezenProduct.v[1]);
    assert_int_equal(s_count_rows(db), 1); /* rejected: nothing recorded */

    /* Another gemeente may use the same number. */
    m->bericht->Header->Afzender = "0599";
    assert_int_equal(s_submit(c, m, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 4);
    gw_msg_destroy(&m);

    /* Another domain (iWmo) may use the same number in the same gemeente. */
    m = ut_decode_fixture(ft_codec, "valid/wmo301.xml");
    m->bericht->Header->Afzender = "0363";
    m->bericht->Client->ToegewezenProduct.v[0].ToewijzingNummer = "12345001";
    assert_int_equal(s_submit(c, m, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 5);
    gw_msg_destroy(&m);

    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* ---- TR019 ---- */

static void
test_toewijzing_tr019_start_stop_without_toewijzing(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("tr019.db");
    gw_chain_t *c = s_chain();
    gw_filter_ctx_t ctx = {.now_ms = 1770000000000, .peer = "0363", .db = db};
    gw_diag_t *diag = gw_diag_new();
    s_pass(c, "valid/jw301.xml", diag, &ctx);
    ctx.peer = "42420001";

    /* Start on an unknown number. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw305.xml");
    gw_start_stop_product_t *sp = &m->bericht->Client->StartProduct.v[0];
    sp->ToewijzingNummer = "12345002";
    s_reject_one(c, m, diag, &ctx, "TR019", "9019",
                 "/Bericht/Client/StartProducten/StartProduct[1]/ToewijzingNummer", sp);
    /* Leading zeros: the same number. */
    sp->ToewijzingNummer = "0012345001";
    assert_int_equal(s_submit(c, m, diag, &ctx), GW_VERDICT_PASS);
    /* Another client. */
    m->bericht->Client->Bsn = gw_arena_strdup(m->arena, "999900018");
    s_reject_one(c, m, diag, &ctx, "TR019", "9019",
                 "/Bericht/Client/StartProducten/StartProduct[1]/ToewijzingNummer", sp);
    gw_msg_destroy(&m);

    /* Stop from another aanbieder. */
    m = ut_decode_fixture(ft_codec, "valid/jw307.xml");
    m->bericht->Header->Afzender = "65656055";
    s_reject_one(c, m, diag, &ctx, "TR019", "9019",
                 "/Bericht/Client/StopProducten/StopProduct[1]/ToewijzingNummer",
                 &m->bericht->Client->StopProduct.v[0]);
    /* Stop to another gemeente. */
    m->bericht->Header->Afzender = "42420001";
    m->bericht->Header->Ontvanger = "0599";
    s_reject_one(c, m, diag, &ctx, "TR019", "9019",
                 "/Bericht/Client/StopProducten/StopProduct[1]/ToewijzingNummer",
                 &m->bericht->Client->StopProduct.v[0]);
    gw_msg_destroy(&m);

    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* ---- 323 rules ---- */

typedef struct t_323 {
    sqlite3 *db;
    gw_chain_t *c;
    gw_filter_ctx_t ctx;
    gw_diag_t *diag;
} t_323_t;

static void
s_323_begin(t_323_t *t, const char *dbname)
{
    t->db = ft_db_open(dbname);
    t->c = s_chain();
    t->ctx = (gw_filter_ctx_t){.now_ms = 1770000000000, .peer = "0363", .db = t->db};
    t->diag = gw_diag_new();
    s_pass(t->c, "valid/jw301.xml", t->diag, &t->ctx);
    t->ctx.peer = "42420001";
}

static void
s_323_end(t_323_t *t)
{
    gw_diag_destroy(&t->diag);
    gw_chain_destroy(&t->c);
    assert_int_equal(sqlite3_close(t->db), SQLITE_OK);
}

/* One rule on the jw323 prestatie: mutate with f, expect exactly that diagnostic. */
typedef void (*t_mutate_fn)(gw_msg_t *m, gw_prestatie_t *p);

static void
s_323_one(t_323_t *t, t_mutate_fn f, const char *rule, const char *code, const char *path)
{
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw323.xml");
    gw_prestatie_t *p = &m->bericht->Declaratie->Client.v[0].Prestatie.v[0];
    f(m, p);
    s_reject_one(t->c, m, t->diag, &t->ctx, rule, code, path, p);
    gw_msg_destroy(&m);
}

static void
m_nummer(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)m;
    p->ToewijzingNummer = "12345099";
}

static void
m_aanbieder(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)p;
    m->bericht->Header->Afzender = "65656055";
}

static void
m_bsn(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)p;
    m->bericht->Declaratie->Client.v[0].Bsn = gw_arena_strdup(m->arena, "999900018");
}

static void
m_categorie(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)m;
    p->ProductCategorie = "41";
}

static void
m_code(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)m;
    p->ProductCode = "45A01";
}

static void
m_eenheid(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)m;
    p->Eenheid = "14";
}

static void
m_begin(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)m;
    p->ProductPeriode->Begindatum = "2026-01-01";
}

static void
m_eind(gw_msg_t *m, gw_prestatie_t *p)
{
    (void)m;
    p->ProductPeriode->Einddatum = "2026-08-31";
}

static void
test_toewijzing_323_each_rule(void **state)
{
    (void)state;
    t_323_t t;
    s_323_begin(&t, "r323.db");
    s_323_one(&t, m_nummer, "TR338", "9338", P1 "/ToewijzingNummer");
    s_323_one(&t, m_aanbieder, "TR338", "9338", P1 "/ToewijzingNummer");
    s_323_one(&t, m_bsn, "TR304", "8187", "/Bericht/Declaratie/Clienten/Client[1]/Bsn");
    s_323_one(&t, m_categorie, "TR339", "9339", P1 "/ProductCategorie");
    s_323_one(&t, m_code, "TR340", "9340", P1 "/ProductCode");
    s_323_one(&t, m_eenheid, "TR341", "9341", P1 "/Eenheid");
    s_323_one(&t, m_begin, "TR307", "9307", P1 "/ProductPeriode/Begindatum");
    s_323_one(&t, m_eind, "TR308", "9308", P1 "/ProductPeriode/Einddatum");

    /* Minutes on a toewijzing in hours fit (IV081); hours on one in minutes do not. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw323.xml");
    gw_prestatie_t *p = &m->bericht->Declaratie->Client.v[0].Prestatie.v[0];
    p->Eenheid = "01";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    /* Boundaries are inclusive. */
    p->ProductPeriode->Begindatum = "2026-02-01";
    p->ProductPeriode->Einddatum = "2026-07-31";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    s_323_end(&t);
}

static void
test_toewijzing_323_reports_every_rule_of_a_prestatie(void **state)
{
    (void)state;
    t_323_t t;
    s_323_begin(&t, "r323-multi.db");
    /* The credit fixture's second prestatie breaks TR339, TR340 and TR307 at once; the
     * first stays clean. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw323-credit.xml");
    gw_client_t *cl = &m->bericht->Declaratie->Client.v[0];
    assert_int_equal(cl->Prestatie.n, 2);
    gw_prestatie_t *p = &cl->Prestatie.v[1];
    p->ProductCategorie = "41";
    p->ProductCode = "41A05";
    p->ProductPeriode->Begindatum = "2026-01-01";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_REJECT);
    assert_int_equal(gw_diag_count(t.diag), 3);
#define P2 "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]"
    s_assert_diag(t.diag, 0, "TR339", "9339", P2 "/ProductCategorie", p);
    s_assert_diag(t.diag, 1, "TR340", "9340", P2 "/ProductCode", p);
    s_assert_diag(t.diag, 2, "TR307", "9307", P2 "/ProductPeriode/Begindatum", p);
#undef P2
    gw_msg_destroy(&m);
    s_323_end(&t);
}

/* ---- IV013 versions and TR384 ---- */

static void
test_toewijzing_latest_version_wins_and_tr384(void **state)
{
    (void)state;
    t_323_t t;
    s_323_begin(&t, "iv013.db");
    gw_filter_ctx_t gem = t.ctx;
    gem.peer = "0363";

    /* A newer version (intrekking: Einddatum 2026-03-15) replaces the stored one. */
    gw_msg_t *v2 = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    gw_toegewezen_product_t *tp = &v2->bericht->Client->ToegewezenProduct.v[0];
    tp->Toewijzingsdatum = "2026-03-10";
    tp->Toewijzingstijd = "08:00:00";
    tp->Einddatum = "2026-03-15";
    tp->RedenWijziging = "01";
    assert_int_equal(s_submit(t.c, v2, t.diag, &gem), GW_VERDICT_PASS);
    assert_string_equal(s_stored(t.db, "einddatum", "0363", 12345001), "2026-03-15");

    /* An older version arriving later (Einddatum 2026-12-31) does not. */
    gw_msg_t *v0 = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    tp = &v0->bericht->Client->ToegewezenProduct.v[0];
    tp->Toewijzingsdatum = "2026-03-10";
    tp->Toewijzingstijd = "07:59:59.999";
    tp->Einddatum = "2026-12-31";
    assert_int_equal(s_submit(t.c, v0, t.diag, &gem), GW_VERDICT_PASS);
    assert_string_equal(s_stored(t.db, "einddatum", "0363", 12345001), "2026-03-15");
    assert_int_equal(s_count_rows(t.db), 1);

    /* So the March prestatie now ends after the toewijzing: TR308. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw323.xml");
    gw_prestatie_t *p = &m->bericht->Declaratie->Client.v[0].Prestatie.v[0];
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR308", "9308", P1 "/ProductPeriode/Einddatum", p);

    /* Verwijdering (RedenWijziging 13, a later fraction of a second): TR384 as well. */
    tp = &v2->bericht->Client->ToegewezenProduct.v[0];
    tp->Toewijzingstijd = "08:00:00.5";
    tp->Einddatum = "2026-02-01";
    tp->RedenWijziging = "13";
    assert_int_equal(s_submit(t.c, v2, t.diag, &gem), GW_VERDICT_PASS);
    assert_string_equal(s_stored(t.db, "redenwijziging", "0363", 12345001), "13");
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_REJECT);
    assert_int_equal(gw_diag_count(t.diag), 2);
    s_assert_diag(t.diag, 0, "TR308", "9308", P1 "/ProductPeriode/Einddatum", p);
    s_assert_diag(t.diag, 1, "TR384", "9384", P1 "/ToewijzingNummer", p);

    gw_msg_destroy(&m);
    gw_msg_destroy(&v0);
    gw_msg_destroy(&v2);
    s_323_end(&t);
}

/* ---- 317 rules ---- */

#define VZ  "/Bericht/Client/Verzoek"
#define OP1 VZ "/OngewijzigdeProducten/OngewijzigdProduct[1]"
#define TW1 VZ "/TeWijzigenProducten/TeWijzigenProduct[1]"

/* A chain on a fresh database holding the jw301 toewijzing (12345001: 45/45A48, 2026-02-01 ..
 * 2026-07-31, Omvang 16 x 04 per 4), as changed by f (NULL: unchanged) before it is stored. */
typedef void (*t_301_fn)(gw_toegewezen_product_t *tp);

static void
s_317_begin(t_323_t *t, const char *dbname, t_301_fn f)
{
    t->db = ft_db_open(dbname);
    t->c = s_chain();
    t->ctx = (gw_filter_ctx_t){.now_ms = 1770000000000, .peer = "0363", .db = t->db};
    t->diag = gw_diag_new();
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    if (f) {
        f(&m->bericht->Client->ToegewezenProduct.v[0]);
    }
    assert_int_equal(s_submit(t->c, m, t->diag, &t->ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    t->ctx.peer = "42420001";
}

/* The jw317 (Dagtekening 2026-05-18) with its OngewijzigdProduct 12345001 moved to the
 * TeWijzigenProduct *tw as a valid change (longer, same Omvang, from 2026-06-01). */
static gw_msg_t *
s_317_te_wijzigen(gw_vow_product_t *tw, gw_omvang_t *o)
{
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    gw_verzoek_t *vz = m->bericht->Client->Verzoek;
    *o = (gw_omvang_t){.Volume = "16", .Eenheid = "04", .Frequentie = "4"};
    *tw = (gw_vow_product_t){.ToewijzingNummer = "12345001",
                             .GewensteIngangsdatum = "2026-06-01",
                             .Einddatum = "2026-12-31",
                             .Omvang = o};
    vz->OngewijzigdProduct.n = 0;
    vz->TeWijzigenProduct.v = tw;
    vz->TeWijzigenProduct.n = 1;
    return m;
}

static void
test_toewijzing_317_lists_and_relations(void **state)
{
    (void)state;
    t_323_t t;
    s_317_begin(&t, "r317-lists.db", NULL);

    /* TR349: the actuele toewijzing is in neither list. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    gw_verzoek_t *vz = m->bericht->Client->Verzoek;
    vz->OngewijzigdProduct.n = 0;
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR349", "9349", VZ, vz);
    gw_msg_destroy(&m);

    /* TR350: the OngewijzigdProduct names a toewijzing that is no longer actueel (its
     * Einddatum 2026-07-31 is before the Dagtekening), so nothing is missing either. */
    m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    m->bericht->Header->BerichtIdentificatie->Dagtekening = "2026-08-01";
    vz = m->bericht->Client->Verzoek;
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR350", "9350", OP1 "/ToewijzingNummer",
                 &vz->OngewijzigdProduct.v[0]);
    /* Ending on the Dagtekening still counts as actueel. */
    m->bericht->Header->BerichtIdentificatie->Dagtekening = "2026-07-31";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    /* Another client's 317 naming it: TR304, the toewijzing is not this client's. */
    m->bericht->Client->Bsn = gw_arena_strdup(m->arena, "999900018");
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR304", "8187", "/Bericht/Client/Bsn",
                 &vz->OngewijzigdProduct.v[0]);
    gw_msg_destroy(&m);

    /* TR351: a TeWijzigenProduct with an unknown number next to the listed one. */
    m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    vz = m->bericht->Client->Verzoek;
    gw_omvang_t o = {.Volume = "16", .Eenheid = "04", .Frequentie = "4"};
    gw_vow_product_t tw = {
        .ToewijzingNummer = "12345099", .GewensteIngangsdatum = "2026-06-01", .Omvang = &o};
    vz->TeWijzigenProduct.v = &tw;
    vz->TeWijzigenProduct.n = 1;
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR351", "9351", TW1 "/ToewijzingNummer", &tw);
    gw_msg_destroy(&m);

    /* A verwijderde toewijzing (RedenWijziging 13) is not actueel: TR350, not TR349. */
    t.ctx.peer = "0363";
    m = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    gw_toegewezen_product_t *tp = &m->bericht->Client->ToegewezenProduct.v[0];
    tp->Toewijzingstijd = "11:00:00";
    tp->Einddatum = "2026-02-01";
    tp->RedenWijziging = "13";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    t.ctx.peer = "42420001";
    m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR350", "9350", OP1 "/ToewijzingNummer",
                 &m->bericht->Client->Verzoek->OngewijzigdProduct.v[0]);
    m->bericht->Client->Verzoek->OngewijzigdProduct.n = 0;
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);

    s_323_end(&t);
}

static void
test_toewijzing_317_te_wijzigen_rules(void **state)
{
    (void)state;
    t_323_t t;
    s_317_begin(&t, "r317-tw.db", NULL);
    gw_vow_product_t tw;
    gw_omvang_t o;
    gw_msg_t *m = s_317_te_wijzigen(&tw, &o);
    /* The valid change passes. */
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_diag_count(t.diag), 0);

    /* TR357: a wished start in the past that is not the toewijzing's Ingangsdatum. */
    tw.GewensteIngangsdatum = "2026-03-01";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR357", "9357", TW1 "/GewensteIngangsdatum", &tw);
    tw.GewensteIngangsdatum = "2026-02-01"; /* the Ingangsdatum itself */
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    tw.GewensteIngangsdatum = "2026-05-18"; /* = Dagtekening, still in the rule */
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR357", "9357", TW1 "/GewensteIngangsdatum", &tw);

    /* TR373: a changed Budget from another date than the Ingangsdatum. */
    tw.GewensteIngangsdatum = "2026-06-01";
    tw.Budget = "500000";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR373", "9373", TW1 "/GewensteIngangsdatum", &tw);
    tw.GewensteIngangsdatum = "2026-02-01";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    /* So is a changed total over the toewijzingsperiode (Frequentie 6). */
    tw.Budget = NULL;
    tw.GewensteIngangsdatum = "2026-06-01";
    o.Frequentie = "6";
    o.Volume = "96";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR373", "9373", TW1 "/GewensteIngangsdatum", &tw);
    o.Frequentie = "4";
    o.Volume = "16";

    /* TR411: no Omvang on a toewijzing with a Product Code; the path is the product. */
    tw.Omvang = NULL;
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR411", "9411", TW1, &tw);
    gw_msg_destroy(&m);
    s_323_end(&t);
}

static void
m_301_no_code(gw_toegewezen_product_t *tp)
{
    tp->Product->Code = NULL; /* aspecifiek: Categorie 45 only */
}

static void
m_301_no_product(gw_toegewezen_product_t *tp)
{
    tp->Product = NULL;
}

static void
m_301_budget(gw_toegewezen_product_t *tp)
{
    tp->Product = NULL;
    tp->Omvang = NULL;
    tp->Budget = "0500000";
}

static void
test_toewijzing_317_omvang_on_toewijzing_without_code(void **state)
{
    (void)state;
    gw_vow_product_t tw;
    gw_omvang_t o;

    /* TR412: the toewijzing has a Product without Code; Omvang must stay empty. */
    t_323_t t;
    s_317_begin(&t, "r317-412.db", m_301_no_code);
    gw_msg_t *m = s_317_te_wijzigen(&tw, &o);
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR412", "9412", TW1 "/Omvang", &tw);
    tw.Omvang = NULL; /* and TR411 does not want one */
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    s_323_end(&t);

    /* TR375: the toewijzing has no Product at all; only TR375 is reported. */
    s_317_begin(&t, "r317-375.db", m_301_no_product);
    m = s_317_te_wijzigen(&tw, &o);
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR375", "9375", TW1 "/Omvang", &tw);
    tw.Omvang = NULL;
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    s_323_end(&t);

    /* A budget toewijzing: the same Budget repeated (as a number) is no change for TR373. */
    s_317_begin(&t, "r317-budget.db", m_301_budget);
    m = s_317_te_wijzigen(&tw, &o);
    tw.Omvang = NULL;
    tw.Budget = "500000";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    tw.Budget = "600000";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR373", "9373", TW1 "/GewensteIngangsdatum", &tw);
    gw_msg_destroy(&m);
    s_323_end(&t);
}

static void
test_toewijzing_317_wmo(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("r317-wmo.db");
    gw_chain_t *c = s_chain();
    gw_filter_ctx_t ctx = {.now_ms = 1770000000000, .peer = "0384", .db = db};
    gw_diag_t *diag = gw_diag_new();
    s_pass(c, "valid/wmo301.xml", diag, &ctx);
    ctx.peer = "65656055";
    s_pass(c, "valid/wmo317.xml", diag, &ctx);
    /* To another gemeente: the toewijzing is not actueel there. */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/wmo317.xml");
    m->bericht->Header->Ontvanger = "0363";
    s_reject_one(c, m, diag, &ctx, "TR350", "9350", OP1 "/ToewijzingNummer",
                 &m->bericht->Client->Verzoek->OngewijzigdProduct.v[0]);
    /* From another aanbieder: idem. */
    m->bericht->Header->Ontvanger = "0384";
    m->bericht->Header->Afzender = "42420001";
    s_reject_one(c, m, diag, &ctx, "TR350", "9350", OP1 "/ToewijzingNummer",
                 &m->bericht->Client->Verzoek->OngewijzigdProduct.v[0]);
    gw_msg_destroy(&m);
    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

#undef TW1
#undef OP1
#undef VZ

/* ---- store handling ---- */

static void
test_toewijzing_survives_rolled_back_first_transaction(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("rollback.db");
    gw_chain_t *c = s_chain();
    gw_filter_ctx_t ctx = {.now_ms = 1, .peer = "0384", .db = db};
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = ut_decode_fixture(ft_codec, "valid/wmo301.xml");

    /* The table is created inside a transaction that the broker then rolls back. */
    ut_db_exec(db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(c, msg, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_chain_accept(c, msg, &ctx), GW_OK);
    ut_db_exec(db, "ROLLBACK");

    /* The cached statements point at a table that is gone; the filter recovers. */
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_PASS);
    assert_int_equal(s_count_rows(db), 1);

    /* Same after a rollback on the accept side only (first use in on_accept). */
    gw_chain_destroy(&c);
    c = s_chain();
    ut_db_exec(db, "DROP TABLE toewijzing_product");
    gw_msg_t *m323 = ut_decode_fixture(ft_codec, "valid/wmo323.xml");
    ctx.peer = "65656055";
    ut_db_exec(db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(c, m323, diag, &ctx), GW_VERDICT_REJECT); /* creates */
    ut_db_exec(db, "ROLLBACK");
    ctx.peer = "0384";
    assert_int_equal(s_submit(c, msg, diag, &ctx), GW_VERDICT_PASS);
    ctx.peer = "65656055";
    assert_int_equal(s_submit(c, m323, diag, &ctx), GW_VERDICT_PASS);

    /* No database handle: the filter cannot work, ERROR (logged). */
    gw_diag_reset(diag);
    gw_filter_ctx_t nodb = {.now_ms = 1, .peer = "0384", .db = NULL};
    assert_int_equal(gw_chain_run(c, msg, diag, &nodb), GW_VERDICT_ERROR);
    assert_int_not_equal(gw_chain_accept(c, msg, &nodb), GW_OK);

    gw_msg_destroy(&m323);
    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
    gw_chain_destroy(&c);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* ---- 317: TR304, TR361 ---- */

static void
test_toewijzing_tr304_317_bsn_of_toewijzing(void **state)
{
    (void)state;
    t_323_t t;
    s_317_begin(&t, "tr304v.db", NULL);
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    gw_verzoek_t *vz = m->bericht->Client->Verzoek;
    /* 12345001 is this aanbieder's toewijzing, but of another client. */
    m->bericht->Client->Bsn = gw_arena_strdup(m->arena, "999900018");
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR304", "8187", "/Bericht/Client/Bsn",
                 &vz->OngewijzigdProduct.v[0]);
    m->bericht->Client->Bsn = gw_arena_strdup(m->arena, "999900006");
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    s_323_end(&t);
}

static void
test_toewijzing_tr361_overlapping_products(void **state)
{
    (void)state;
    t_323_t t;
    s_317_begin(&t, "tr361.db", NULL);
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw317.xml");
    gw_vow_product_t *np = &m->bericht->Client->Verzoek->NieuwProduct.v[0];
    /* The new product is 45/45A48 from 2026-06-01, inside 12345001 (2026-02-01..07-31). */
    np->Product->Categorie = "45";
    np->Product->Code = "45A48";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR361", "9361",
                 "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct[1]", np);
    /* After the toewijzing ends it does not overlap; another code is another product. */
    np->GewensteIngangsdatum = "2026-08-01";
    np->Einddatum = "2026-12-31";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    np->GewensteIngangsdatum = "2026-06-01";
    np->Einddatum = "2026-07-31";
    np->Product->Code = "45A49";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    s_323_end(&t);
}

/* ---- 323: TR387, TR388, volumes ---- */

static void
test_toewijzing_tr387_tr388_month_bounds(void **state)
{
    (void)state;
    t_323_t t;
    s_323_begin(&t, "tr387.db");
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw323.xml");
    gw_prestatie_t *p = &m->bericht->Declaratie->Client.v[0].Prestatie.v[0];
    p->ProductPeriode->Begindatum = "2026-03-02";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR387", "9387", P1 "/ProductPeriode/Begindatum", p);
    p->ProductPeriode->Begindatum = "2026-03-01";
    p->ProductPeriode->Einddatum = "2026-03-30";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR388", "9388", P1 "/ProductPeriode/Einddatum", p);

    /* A newer version runs 2026-02-10..2026-07-20: its first and last month are partial. */
    gw_filter_ctx_t gem = t.ctx;
    gem.peer = "0363";
    gw_msg_t *v2 = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    gw_toegewezen_product_t *tp = &v2->bericht->Client->ToegewezenProduct.v[0];
    tp->Toewijzingsdatum = "2026-01-25";
    tp->Ingangsdatum = "2026-02-10";
    tp->Einddatum = "2026-07-20";
    assert_int_equal(s_submit(t.c, v2, t.diag, &gem), GW_VERDICT_PASS);
    p->ProductPeriode->Begindatum = "2026-02-10";
    p->ProductPeriode->Einddatum = "2026-02-28";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    p->ProductPeriode->Begindatum = "2026-07-01";
    p->ProductPeriode->Einddatum = "2026-07-20";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&v2);
    gw_msg_destroy(&m);
    s_323_end(&t);
}

static void
test_toewijzing_tr321_volume_of_one_prestatie(void **state)
{
    (void)state;
    t_323_t t;
    s_323_begin(&t, "tr321.db"); /* 16 uur per maand */
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw323.xml");
    gw_prestatie_t *p = &m->bericht->Declaratie->Client.v[0].Prestatie.v[0];
    p->GeleverdVolume = "17";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR321", "9321", P1 "/GeleverdVolume", p);
    p->GeleverdVolume = "16";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    /* In minutes on the hour toewijzing (IV081): 960 fit, 961 do not. */
    p->Eenheid = "01";
    p->GeleverdVolume = "960";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    p->GeleverdVolume = "961";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR321", "9321", P1 "/GeleverdVolume", p);

    /* 4 uur per week: March 2026 (Sunday 1 .. Tuesday 31) touches six weeks, so 24. */
    gw_filter_ctx_t gem = t.ctx;
    gem.peer = "0363";
    gw_msg_t *v2 = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    gw_toegewezen_product_t *tp = &v2->bericht->Client->ToegewezenProduct.v[0];
    tp->Toewijzingsdatum = "2026-01-25";
    tp->Omvang->Volume = "4";
    tp->Omvang->Frequentie = "2";
    assert_int_equal(s_submit(t.c, v2, t.diag, &gem), GW_VERDICT_PASS);
    p->Eenheid = "04";
    p->GeleverdVolume = "24";
    assert_int_equal(s_submit(t.c, m, t.diag, &t.ctx), GW_VERDICT_PASS);
    p->GeleverdVolume = "25";
    s_reject_one(t.c, m, t.diag, &t.ctx, "TR321", "9321", P1 "/GeleverdVolume", p);
    gw_msg_destroy(&v2);
    gw_msg_destroy(&m);
    s_323_end(&t);
}

/* A chain of toewijzing and declaratie (which records the Prestaties and the 325 outcomes),
 * with jw301 (mutated by f) stored. */
static void
s_decl_begin(t_323_t *t, const char *dbname, t_301_fn f)
{
    t->db = ft_db_open(dbname);
    gw_chain_spec_t spec[2] = {{.name = "toewijzing", .line = 1, .opts = {FT_FILE, NULL, 0}},
                               {.name = "declaratie", .line = 2, .opts = {FT_FILE, NULL, 0}}};
    t->c = gw_chain_new(spec, 2, NULL);
    assert_non_null(t->c);
    t->ctx = (gw_filter_ctx_t){.now_ms = 1770000000000, .peer = "0363", .db = t->db};
    t->diag = gw_diag_new();
    gw_msg_t *m = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    if (f) {
        f(&m->bericht->Client->ToegewezenProduct.v[0]);
    }
    assert_int_equal(s_submit(t->c, m, t->diag, &t->ctx), GW_VERDICT_PASS);
    gw_msg_destroy(&m);
    t->ctx.peer = "42420001";
}

static void
m_totaal_20(gw_toegewezen_product_t *tp)
{
    tp->Omvang->Volume = "20";
    tp->Omvang->Frequentie = "6";
}

static void
m_budget(gw_toegewezen_product_t *tp)
{
    tp->Omvang = NULL;
    tp->Budget = "200000";
}

/* Run the credit 323 (credit of March + April debet) with only its April debet: expect the
 * rule on it; then the whole message passes (the credit nets March out). */
static void
s_april_alone_then_with_credit(t_323_t *t, const char *rule, const char *code, const char *sub)
{
    gw_msg_t *c = ut_decode_fixture(ft_codec, "valid/jw323-credit.xml");
    gw_client_t *cl = &c->bericht->Declaratie->Client.v[0];
    gw_prestatie_t *v = cl->Prestatie.v;
    cl->Prestatie.v = &v[1];
    cl->Prestatie.n = 1;
    char path[160];
    snprintf(path, sizeof(path), P1 "%s", sub);
    s_reject_one(t->c, c, t->diag, &t->ctx, rule, code, path, &v[1]);
    cl->Prestatie.v = v;
    cl->Prestatie.n = 2;
    if (s_submit(t->c, c, t->diag, &t->ctx) != GW_VERDICT_PASS) {
        ut_print_diag(t->diag);
        fail_msg("credit 323 did not pass");
    }
    gw_msg_destroy(&c);
}

static void
test_toewijzing_tr322_running_total_net_of_credits(void **state)
{
    (void)state;
    t_323_t t;
    s_decl_begin(&t, "tr322.db", m_totaal_20);      /* 20 uur in total */
    s_pass(t.c, "valid/jw323.xml", t.diag, &t.ctx); /* March: 14 */
    s_pass(t.c, "valid/jw325.xml", t.diag, &t.ctx); /* approved */
    /* April 12 on top of March 14 is 26; with March credited it is 12. */
    s_april_alone_then_with_credit(&t, "TR322", "9322", "/GeleverdVolume");
    s_323_end(&t);
}

static void
test_toewijzing_tr322_per_month_net_of_credits(void **state)
{
    (void)state;
    t_323_t t;
    s_decl_begin(&t, "tr322m.db", NULL);            /* 16 uur per maand */
    s_pass(t.c, "valid/jw323.xml", t.diag, &t.ctx); /* March: 14 */
    s_pass(t.c, "valid/jw325.xml", t.diag, &t.ctx); /* approved */
    /* A second debet of 16 for March in the April declaratie: 14 + 16 > 16 ... */
    gw_msg_t *c = ut_decode_fixture(ft_codec, "valid/jw323-credit.xml");
    gw_client_t *cl = &c->bericht->Declaratie->Client.v[0];
    gw_prestatie_t *d = &cl->Prestatie.v[1];
    d->ProductPeriode->Begindatum = "2026-03-01";
    d->ProductPeriode->Einddatum = "2026-03-31";
    d->GeleverdVolume = "16";
    d->ProductTarief = "9850";
    d->IngediendBedrag->Bedrag = "157600";
    c->bericht->Declaratie->TotaalIngediendBedrag->TotaalBedrag = "19700";
    c->bericht->Declaratie->TotaalIngediendBedrag->DebetCredit = "D";
    cl->Prestatie.v = d;
    cl->Prestatie.n = 1;
    s_reject_one(t.c, c, t.diag, &t.ctx, "TR322", "9322", P1 "/GeleverdVolume", d);
    /* ... but with the March 14 credited in the same message it is 16. */
    cl->Prestatie.v = d - 1;
    cl->Prestatie.n = 2;
    if (s_submit(t.c, c, t.diag, &t.ctx) != GW_VERDICT_PASS) {
        ut_print_diag(t.diag);
        fail_msg("credit and re-declaration did not pass");
    }
    gw_msg_destroy(&c);
    s_323_end(&t);
}

static void
test_toewijzing_tr369_budget(void **state)
{
    (void)state;
    t_323_t t;
    s_decl_begin(&t, "tr369.db", m_budget);         /* Budget 200000 eurocent, no Omvang */
    s_pass(t.c, "valid/jw323.xml", t.diag, &t.ctx); /* March: 137900 */
    s_pass(t.c, "valid/jw325.xml", t.diag, &t.ctx);
    /* April 118800 on top is 256700; with March credited it is 118800. */
    s_april_alone_then_with_credit(&t, "TR369", "9369", "/IngediendBedrag/Bedrag");
    s_323_end(&t);
}

static void
test_toewijzing_tr385_delete_with_goedgekeurde_prestaties(void **state)
{
    (void)state;
    t_323_t t;
    s_decl_begin(&t, "tr385.db", NULL);
    gw_filter_ctx_t gem = t.ctx;
    gem.peer = "0363";
    s_pass(t.c, "valid/jw323.xml", t.diag, &t.ctx);
    s_pass(t.c, "valid/jw325.xml", t.diag, &t.ctx); /* March goedgekeurd */
    gw_msg_t *del = ut_decode_fixture(ft_codec, "valid/jw301.xml");
    gw_toegewezen_product_t *tp = &del->bericht->Client->ToegewezenProduct.v[0];
    tp->Toewijzingsdatum = "2026-05-20";
    tp->RedenWijziging = "13";
    s_reject_one(t.c, del, t.diag, &gem, "TR385", "9385",
                 "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]/RedenWijziging", tp);
    /* Credited; the April debet has no 325 yet, so is not goedgekeurd: deleting is allowed. */
    s_pass(t.c, "valid/jw323-credit.xml", t.diag, &t.ctx);
    assert_int_equal(s_submit(t.c, del, t.diag, &gem), GW_VERDICT_PASS);
    gw_msg_destroy(&del);
    s_323_end(&t);
}

/* ---- main ---- */

int
main(void)
{
    if (ft_dir_make("toewijzing") != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_toewijzing_ijw_story_passes, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_wmo_story_passes, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_refuses_options, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr332_number_of_another_client, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr019_start_stop_without_toewijzing,
                                        ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_323_each_rule, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_323_reports_every_rule_of_a_prestatie,
                                        ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_latest_version_wins_and_tr384, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_317_lists_and_relations, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_317_te_wijzigen_rules, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_317_omvang_on_toewijzing_without_code,
                                        ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_317_wmo, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr304_317_bsn_of_toewijzing, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr361_overlapping_products, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr387_tr388_month_bounds, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr321_volume_of_one_prestatie, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr322_running_total_net_of_credits, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr322_per_month_net_of_credits, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr369_budget, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_tr385_delete_with_goedgekeurde_prestaties,
                                        ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_toewijzing_survives_rolled_back_first_transaction,
                                        ft_setup, ft_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ft_dir_remove();
    return failed;
}
