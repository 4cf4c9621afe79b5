/*
 * Tests of the built-in filter declaratie (filters/filter_declaratie.c): the declaratie
 * stories of spec §1.3 pass (iJw 323, credit 323, partial 325; iWmo 323, credit 323,
 * 325), and each cross-message rule (TR333, TR314, TR323, TR390, TR389 on the 323;
 * TR366, TR367 on the 325) rejects with its retourcode on the right class. Messages
 * are the valid fixtures, mutated in memory; the state is a real SQLite file in a
 * mkdtemp directory, each submit inside its own transaction as the broker does.
 */
#define _XOPEN_SOURCE 700
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/arena.h"

#include "filter_env.h"
#include "gw_chain.h"
#include "unittest.h"

#define T_P     "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie"
#define T_A     "/Bericht/DeclaratieAntwoord/Clienten/Client[1]/Prestaties/Prestatie"
#define T_REF   "/ProductReferentie/ReferentieNummer"
#define T_VORIG "/ProductReferentie/VorigReferentieNummer"

static gw_declaratie_t *
s_decl(const gw_msg_t *m)
{
    gw_declaratie_t *d =
        m->bericht->Declaratie ? m->bericht->Declaratie : m->bericht->DeclaratieAntwoord;
    assert_non_null(d);
    return d;
}

/* Submit msg and expect exactly one level-3 diagnostic rule/code on path, cls. */
static void
s_reject(ft_env_t *env, const gw_msg_t *msg, const char *rule, const char *code, const char *path,
         const void *cls)
{
    const gw_declaratie_t *decl = s_decl(msg);
    ft_expect_reject1(env, msg, rule, code, path, cls,
                      decl->Client.n > 0 ? decl->Client.v[0].Bsn : NULL);
}

static gw_msg_t *
s_fixture(const char *rel)
{
    gw_msg_t *m = ut_decode_fixture(ft_codec, rel);
    assert_non_null(m);
    return m;
}

static gw_prestatie_t *
s_prest(gw_msg_t *m, size_t i)
{
    gw_client_t *c = &s_decl(m)->Client.v[0];
    assert_true(i < c->Prestatie.n);
    return &c->Prestatie.v[i];
}

/* Give m's first Client n Prestaties: copies of its Prestatie `from` (deep for the reference). */
static void
s_prestaties(gw_msg_t *m, size_t from, size_t n)
{
    gw_client_t *c = &s_decl(m)->Client.v[0];
    gw_prestatie_t *v = gw_arena_alloc(m->arena, n * sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = c->Prestatie.v[from];
        v[i].ProductReferentie = gw_arena_alloc(m->arena, sizeof(*v[i].ProductReferentie));
        assert_non_null(v[i].ProductReferentie);
        *v[i].ProductReferentie = *c->Prestatie.v[from].ProductReferentie;
    }
    c->Prestatie.v = v;
    c->Prestatie.n = n;
}

/* Set the DeclaratiePeriode of the 323 m. */
static void
s_periode(gw_msg_t *m, const char *begin, const char *end)
{
    gw_periode_t *dp = s_decl(m)->DeclaratiePeriode;
    assert_non_null(dp);
    dp->Begindatum = begin;
    dp->Einddatum = end;
}

/* ---- the stories of §1.3 ---- */

static void
test_declaratie_story_passes(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "story.db");
    gw_msg_t *j323 = s_fixture("valid/jw323.xml");
    gw_msg_t *j325a = s_fixture("valid/jw325.xml");
    gw_msg_t *j323c = s_fixture("valid/jw323-credit.xml");
    gw_msg_t *j325 = s_fixture("valid/jw325-partial.xml");
    gw_msg_t *w323 = s_fixture("valid/wmo323.xml");
    gw_msg_t *w325a = s_fixture("valid/wmo325.xml");
    gw_msg_t *w323c = s_fixture("valid/wmo323-credit.xml");
    gw_msg_t *w325 = s_fixture("valid/wmo325-credit.xml");

    /* Debet, its approval, credit of it plus a new debet, and the gemeente's partial answer. */
    ft_expect_pass(&env, j323);
    ft_expect_pass(&env, j325a);
    ft_expect_pass(&env, j323c);
    ft_expect_pass(&env, j325);
    ft_expect_pass(&env, w323);
    ft_expect_pass(&env, w325a);
    ft_expect_pass(&env, w323c);
    ft_expect_pass(&env, w325);

    /* A 325 changes nothing: the same answer passes again. */
    ft_expect_pass(&env, j325);

    /* Another aanbieder has its own numbers; the other family too. */
    j323->bericht->Header->Afzender = "42420002";
    ft_expect_pass(&env, j323);
    gw_msg_t *w = s_fixture("valid/wmo323.xml");
    w->bericht->Header->Afzender = "42420001";
    s_decl(w)->Client.v[0].Prestatie.v[0].ProductReferentie->ReferentieNummer = "JPR2026030001";
    s_decl(w)->DeclaratieNummer = "DEC202603001";
    ft_expect_pass(&env, w);

    gw_msg_destroy(&w);
    gw_msg_destroy(&j323);
    gw_msg_destroy(&j323c);
    gw_msg_destroy(&j325);
    gw_msg_destroy(&j325a);
    gw_msg_destroy(&w325a);
    gw_msg_destroy(&w323);
    gw_msg_destroy(&w323c);
    gw_msg_destroy(&w325);
    ft_env_close(&env);
}

/* ---- the 323 rules ---- */

static void
test_declaratie_tr333_nummer_unique(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr333.db");
    gw_msg_t *m = s_fixture("valid/jw323.xml");
    ft_expect_pass(&env, m);
    /* A new declaratie (new ReferentieNummer, new period) reusing the DeclaratieNummer. */
    gw_prestatie_t *p = s_prest(m, 0);
    p->ProductReferentie->ReferentieNummer = "JPR2026040009";
    p->ProductPeriode->Begindatum = "2026-04-01";
    p->ProductPeriode->Einddatum = "2026-04-30";
    s_periode(m, "2026-04-01", "2026-04-30");
    s_reject(&env, m, "TR333", "9333", "/Bericht/Declaratie/DeclaratieNummer", s_decl(m));
    s_decl(m)->DeclaratieNummer = "DEC202604009";
    ft_expect_pass(&env, m);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

static void
test_declaratie_tr314_referentie_unique(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr314.db");
    gw_msg_t *m = s_fixture("valid/wmo323.xml");
    ft_expect_pass(&env, m);
    /* The same ReferentieNummer in a later declaratie, for another period. */
    gw_prestatie_t *p = s_prest(m, 0);
    s_decl(m)->DeclaratieNummer = "DEC202604009";
    p->ProductPeriode->Begindatum = "2026-04-01";
    p->ProductPeriode->Einddatum = "2026-04-30";
    s_periode(m, "2026-04-01", "2026-04-30");
    s_reject(&env, m, "TR314", "8021", T_P "[1]" T_REF, p);

    /* Twice in one message: the second occurrence is refused. */
    p->ProductReferentie->ReferentieNummer = "WPR2026040009";
    s_prestaties(m, 0, 2);
    s_prest(m, 1)->ProductPeriode = gw_arena_alloc(m->arena, sizeof(gw_periode_t));
    assert_non_null(s_prest(m, 1)->ProductPeriode);
    s_prest(m, 1)->ProductPeriode->Begindatum = "2026-05-01";
    s_prest(m, 1)->ProductPeriode->Einddatum = "2026-05-31";
    s_periode(m, "2026-05-01", "2026-05-31");
    s_reject(&env, m, "TR314", "8021", T_P "[2]" T_REF, s_prest(m, 1));
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

static void
test_declaratie_tr323_credit_needs_debet(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr323.db");
    /* The credit before its debet was ever sent. */
    gw_msg_t *c = s_fixture("valid/jw323-credit.xml");
    s_reject(&env, c, "TR323", "8017", T_P "[1]" T_VORIG, s_prest(c, 0));
    gw_msg_destroy(&c);
    ft_env_close(&env);
}

static void
test_declaratie_tr390_credit_once(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr390.db");
    gw_msg_t *d = s_fixture("valid/jw323.xml");
    gw_msg_t *a = s_fixture("valid/jw325.xml");
    gw_msg_t *c = s_fixture("valid/jw323-credit.xml");
    ft_expect_pass(&env, d);
    ft_expect_pass(&env, a);
    ft_expect_pass(&env, c);
    /* The same debet credited again, with a new ReferentieNummer and DeclaratieNummer. */
    s_prestaties(c, 0, 1);
    s_decl(c)->DeclaratieNummer = "DEC202605001";
    s_periode(c, "2026-05-01", "2026-05-31");
    s_prest(c, 0)->ProductReferentie->ReferentieNummer = "JPR2026050001";
    s_reject(&env, c, "TR390", "9390", T_P "[1]" T_VORIG, s_prest(c, 0));
    gw_msg_destroy(&a);
    gw_msg_destroy(&d);
    gw_msg_destroy(&c);
    ft_env_close(&env);
}

static void
test_declaratie_tr389_debet_once(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr389.db");
    gw_msg_t *d = s_fixture("valid/wmo323.xml");
    ft_expect_pass(&env, d);
    /* A second debet for the same toewijzing, product and period, not credited. */
    s_decl(d)->DeclaratieNummer = "DEC202603002";
    s_prest(d, 0)->ProductReferentie->ReferentieNummer = "WPR2026030002";
    s_periode(d, "2026-04-01", "2026-04-30");
    s_reject(&env, d, "TR389", "9389", T_P "[1]", s_prest(d, 0));

    /* After the approval (wmo325) and the credit (wmo323-credit) a new debet for that period
     * is fine (in the May declaratie). */
    gw_msg_t *a = s_fixture("valid/wmo325.xml");
    gw_msg_t *c = s_fixture("valid/wmo323-credit.xml");
    ft_expect_pass(&env, a);
    ft_expect_pass(&env, c);
    s_periode(d, "2026-05-01", "2026-05-31");
    ft_expect_pass(&env, d);
    gw_msg_destroy(&a);
    gw_msg_destroy(&c);
    gw_msg_destroy(&d);
    ft_env_close(&env);
}

/* ---- the 325 rules ---- */

static void
test_declaratie_tr366_tr367_answer_matches(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr366.db");
    gw_msg_t *a = s_fixture("valid/jw325-partial.xml");
    gw_prestatie_t *p = s_prest(a, 0);
    gw_msg_t *d = s_fixture("valid/jw323.xml");
    gw_msg_t *a1 = s_fixture("valid/jw325.xml");
    gw_msg_t *c = s_fixture("valid/jw323-credit.xml");
    ft_expect_pass(&env, d);
    ft_expect_pass(&env, a1);
    ft_expect_pass(&env, c);
    /* No 323 with that ReferentieNummer was ever accepted. */
    p->ProductReferentie->ReferentieNummer = "JPR2026049999";
    s_reject(&env, a, "TR366", "9366", T_A "[1]" T_REF, p);
    p->ProductReferentie->ReferentieNummer = "JPR2026040002";
    ft_expect_pass(&env, a);
    /* The answer must copy the declared values (TR367). */
    p->GeleverdVolume = "13";
    s_reject(&env, a, "TR367", "9367", T_A "[1]/GeleverdVolume", p);
    gw_msg_destroy(&a);
    gw_msg_destroy(&a1);
    gw_msg_destroy(&c);
    gw_msg_destroy(&d);
    ft_env_close(&env);
}

/* ---- goedgekeurd: the 325's outcomes ---- */

/* Make the partial answer a answer the 323 d instead, listing (rejecting) d's first Prestatie. */
static void
s_answer(gw_msg_t *a, const gw_msg_t *d)
{
    const gw_header_t *dh = d->bericht->Header;
    a->bericht->Header->DeclaratieIdentificatie = dh->BerichtIdentificatie;
    s_decl(a)->DeclaratieNummer = s_decl(d)->DeclaratieNummer;
    gw_prestatie_t *p = s_prest(a, 0);
    gw_codes_t codes = p->RetourCode;
    *p = s_decl(d)->Client.v[0].Prestatie.v[0];
    p->RetourCode = codes;
}

static void
test_declaratie_tr323_credit_needs_goedgekeurde_debet(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr323g.db");
    gw_msg_t *d = s_fixture("valid/jw323.xml");
    gw_msg_t *c = s_fixture("valid/jw323-credit.xml");
    gw_msg_t *ok = s_fixture("valid/jw325.xml");
    gw_msg_t *no = s_fixture("valid/jw325-partial.xml");
    ft_expect_pass(&env, d);
    /* No 325 yet: the debet is not goedgekeurd. */
    s_reject(&env, c, "TR323", "8017", T_P "[1]" T_VORIG, s_prest(c, 0));
    /* The 325 approves it (8001): now the credit passes. */
    ft_expect_pass(&env, ok);
    ft_expect_pass(&env, c);
    ft_env_close(&env);

    /* A debet the 325 lists (afgewezen) cannot be credited; its period is free again. */
    ft_env_open(&env, "declaratie", "tr323r.db");
    ft_expect_pass(&env, d);
    s_answer(no, d);
    ft_expect_pass(&env, no);
    s_reject(&env, c, "TR323", "8017", T_P "[1]" T_VORIG, s_prest(c, 0));
    /* TR389: a new debet for the rejected one's period passes (in the April declaratie). */
    s_decl(d)->DeclaratieNummer = "DEC202604001";
    s_prest(d, 0)->ProductReferentie->ReferentieNummer = "JPR2026040001";
    s_periode(d, "2026-04-01", "2026-04-30");
    ft_expect_pass(&env, d);
    gw_msg_destroy(&d);
    gw_msg_destroy(&c);
    gw_msg_destroy(&ok);
    gw_msg_destroy(&no);
    ft_env_close(&env);
}

static void
test_declaratie_tr304_answer_bsn(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr304.db");
    gw_msg_t *d = s_fixture("valid/jw323.xml");
    gw_msg_t *a = s_fixture("valid/jw325-partial.xml");
    ft_expect_pass(&env, d);
    s_answer(a, d);
    s_decl(a)->Client.v[0].Bsn = "999900018";
    s_reject(&env, a, "TR304", "8187", "/Bericht/DeclaratieAntwoord/Clienten/Client[1]/Bsn",
             s_prest(a, 0));
    s_decl(a)->Client.v[0].Bsn = "999900006";
    ft_expect_pass(&env, a);
    gw_msg_destroy(&d);
    gw_msg_destroy(&a);
    ft_env_close(&env);
}

static void
test_declaratie_tr337_tr371_tr376_answer_links(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr337.db");
    gw_msg_t *d = s_fixture("valid/jw323.xml");
    gw_msg_t *a = s_fixture("valid/jw325.xml");
    gw_header_t *h = a->bericht->Header;
    /* TR337: no 323 with that BerichtIdentificatie (nor before it was received). */
    s_reject(&env, a, "TR337", "0001", "/Bericht/Header/DeclaratieIdentificatie", NULL);
    ft_expect_pass(&env, d);
    h->DeclaratieIdentificatie->Dagtekening = "2026-04-04";
    s_reject(&env, a, "TR337", "0001", "/Bericht/Header/DeclaratieIdentificatie", NULL);
    h->DeclaratieIdentificatie->Dagtekening = "2026-04-03";
    /* TR371: XsdVersieDeclaratie is the 323's XsdVersie. */
    h->XsdVersieDeclaratie->BerichtXsdVersie = "1.0.1";
    s_reject(&env, a, "TR371", "0001", "/Bericht/Header/XsdVersieDeclaratie", NULL);
    h->XsdVersieDeclaratie->BerichtXsdVersie = "1.0.0";
    /* TR376: DeclaratieNummer is the 323's. */
    s_decl(a)->DeclaratieNummer = "DEC202603009";
    s_reject(&env, a, "TR376", "0001", "/Bericht/DeclaratieAntwoord/DeclaratieNummer", s_decl(a));
    s_decl(a)->DeclaratieNummer = "DEC202603001";
    ft_expect_pass(&env, a);
    gw_msg_destroy(&d);
    gw_msg_destroy(&a);
    ft_env_close(&env);
}

/* ---- the DeclaratiePeriode ---- */

static void
test_declaratie_tr318_periode_follows(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr318.db");
    gw_msg_t *m = s_fixture("valid/jw323.xml");
    gw_bericht_identificatie_t *bi = m->bericht->Header->BerichtIdentificatie;
    gw_prestatie_t *p = s_prest(m, 0);
    ft_expect_pass(&env, m); /* March */
    /* A new declaratie (ident, number, reference) for February: before March. */
    bi->Identificatie = "JW323-000002";
    s_decl(m)->DeclaratieNummer = "DEC202602001";
    p->ProductReferentie->ReferentieNummer = "JPR2026020001";
    p->ProductPeriode->Begindatum = "2026-02-01";
    p->ProductPeriode->Einddatum = "2026-02-28";
    s_periode(m, "2026-02-01", "2026-02-28");
    s_reject(&env, m, "TR318", "8214", "/Bericht/Declaratie/DeclaratiePeriode", s_decl(m));
    /* March again (a second declaratie for the same month, here with February achteraf)
     * passes; so does May after March (a month without care in between). */
    s_periode(m, "2026-03-01", "2026-03-31");
    ft_expect_pass(&env, m);
    bi->Identificatie = "JW323-000003";
    s_decl(m)->DeclaratieNummer = "DEC202605001";
    p->ProductReferentie->ReferentieNummer = "JPR2026050001";
    p->ProductPeriode->Begindatum = "2026-05-01";
    p->ProductPeriode->Einddatum = "2026-05-31";
    s_periode(m, "2026-05-01", "2026-05-31");
    ft_expect_pass(&env, m);

    /* The 325 rejects the May 323 as a whole (header-only 0001): it counts as not sent, so
     * April may follow March. */
    gw_msg_t *a = s_fixture("valid/jw325.xml");
    const char *code0001[] = {"0001"};
    a->bericht->Header->DeclaratieIdentificatie->Identificatie = "JW323-000003";
    a->bericht->Header->DeclaratieIdentificatie->Dagtekening = "2026-04-03";
    a->bericht->Header->RetourCode.v = code0001;
    a->bericht->Header->RetourCode.n = 1;
    a->bericht->DeclaratieAntwoord = NULL;
    ft_expect_pass(&env, a);
    bi->Identificatie = "JW323-000004";
    s_decl(m)->DeclaratieNummer = "DEC202604001";
    p->ProductReferentie->ReferentieNummer = "JPR2026040001";
    p->ProductPeriode->Begindatum = "2026-04-01";
    p->ProductPeriode->Einddatum = "2026-04-30";
    s_periode(m, "2026-04-01", "2026-04-30");
    ft_expect_pass(&env, m);
    /* ... and April counts: February again is refused. */
    bi->Identificatie = "JW323-000005";
    s_decl(m)->DeclaratieNummer = "DEC202602002";
    p->ProductReferentie->ReferentieNummer = "JPR2026020002";
    p->ProductPeriode->Begindatum = "2026-01-01";
    p->ProductPeriode->Einddatum = "2026-01-31";
    s_periode(m, "2026-02-01", "2026-02-28");
    s_reject(&env, m, "TR318", "8214", "/Bericht/Declaratie/DeclaratiePeriode", s_decl(m));
    gw_msg_destroy(&a);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

static void
test_declaratie_tr319_productperiode_voorgaand(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "tr319.db");
    gw_msg_t *m = s_fixture("valid/jw323.xml");
    gw_prestatie_t *p = s_prest(m, 0);
    s_periode(m, "2026-04-01", "2026-04-30");
    /* Straddling two declaratieperiodes (March and April). */
    p->ProductPeriode->Begindatum = "2026-03-16";
    p->ProductPeriode->Einddatum = "2026-04-15";
    s_reject(&env, m, "TR319", "9319", T_P "[1]/ProductPeriode", p);
    /* All of March in the April declaratie: a voorgaande declaratieperiode (achteraf). */
    p->ProductPeriode->Begindatum = "2026-03-01";
    p->ProductPeriode->Einddatum = "2026-03-31";
    ft_expect_pass(&env, m);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- robustness ---- */

static void
test_declaratie_refuses_options(void **state)
{
    (void)state;
    gw_filter_opt_t o = {"strict", "yes", 8};
    gw_chain_spec_t spec = {.name = "declaratie", .line = 7, .opts = {FT_FILE, &o, 1}};
    char *err = NULL;
    assert_null(gw_chain_new(&spec, 1, &err));
    assert_non_null(err);
    assert_string_equal(
        err, "test.conf:8: filter declaratie: unknown option 'strict' (declaratie has none)");
    gw_free(err);
}

static void
test_declaratie_survives_rolled_back_first_transaction(void **state)
{
    (void)state;
    ft_env_t env;
    ft_env_open(&env, "declaratie", "rollback.db");
    gw_msg_t *m = s_fixture("valid/jw323.xml");

    /* The tables are created inside a transaction that the broker then rolls back. */
    ut_db_exec(env.db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(env.chain, m, env.diag, &env.ctx), GW_VERDICT_PASS);
    assert_int_equal(gw_chain_accept(env.chain, m, &env.ctx), GW_OK);
    ut_db_exec(env.db, "ROLLBACK");

    /* The cached statements point at tables that are gone; the filter recovers. */
    ft_expect_pass(&env, m);
    s_decl(m)->DeclaratieNummer = "DEC202603009";
    s_periode(m, "2026-04-01", "2026-04-30");
    s_reject(&env, m, "TR314", "8021", T_P "[1]" T_REF, s_prest(m, 0));

    /* A fresh chain on a new handle to the same file sees what was recorded. */
    gw_chain_destroy(&env.chain);
    assert_int_equal(sqlite3_close(env.db), SQLITE_OK);
    env.db = ft_db_open("rollback.db");
    env.ctx.db = env.db;
    gw_chain_spec_t spec = {.name = "declaratie", .line = 1, .opts = {FT_FILE, NULL, 0}};
    env.chain = gw_chain_new(&spec, 1, NULL);
    assert_non_null(env.chain);
    s_reject(&env, m, "TR314", "8021", T_P "[1]" T_REF, s_prest(m, 0));

    /* No database handle: the filter cannot work, ERROR (logged). */
    gw_diag_reset(env.diag);
    gw_filter_ctx_t nodb = {.now_ms = 1, .peer = "42420001", .db = NULL};
    assert_int_equal(gw_chain_run(env.chain, m, env.diag, &nodb), GW_VERDICT_ERROR);
    assert_int_not_equal(gw_chain_accept(env.chain, m, &nodb), GW_OK);

    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- the upgrade path (filter_sql.c, docs/store.md) ---- */

/* The tables as the declaratie filter made them before the xrules change (commit 658c59a):
 * version 1 of the "declaratie" tables, from before filter_schema existed. */
static const char s_old_ddl[] =
    "CREATE TABLE declaratie_nummer(family INTEGER NOT NULL, aanbieder TEXT NOT NULL,"
    " nummer TEXT NOT NULL, PRIMARY KEY(family, aanbieder, nummer));"
    "CREATE TABLE declaratie_prestatie(family INTEGER NOT NULL, aanbieder TEXT NOT NULL,"
    " gemeente TEXT NOT NULL, refnr TEXT NOT NULL, vorig TEXT NOT NULL, dc TEXT NOT NULL,"
    " twnr INTEGER NOT NULL, categorie TEXT NOT NULL, code TEXT NOT NULL,"
    " begin INTEGER NOT NULL, eind INTEGER NOT NULL, volume INTEGER NOT NULL,"
    " eenheid TEXT NOT NULL, bedrag INTEGER NOT NULL, declnr TEXT NOT NULL,"
    " ident TEXT NOT NULL, PRIMARY KEY(family, aanbieder, refnr));"
    "CREATE INDEX declaratie_prestatie_vorig ON declaratie_prestatie(family, aanbieder, vorig);"
    "CREATE INDEX declaratie_prestatie_key"
    " ON declaratie_prestatie(family, aanbieder, twnr, categorie, code, begin, eind);";

static int
s_one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

static void
test_declaratie_migrates_old_tables(void **state)
{
    (void)state;
    /* A store of the old layout holding one earlier 323 of February (family 1 = iJw). */
    sqlite3 *db = ft_db_open("old.db");
    ut_db_exec(db, s_old_ddl);
    ut_db_exec(db, "INSERT INTO declaratie_nummer VALUES(1, '42420001', 'DEC202602001');"
                "INSERT INTO declaratie_prestatie VALUES(1, '42420001', '0363', 'JPR2026020001',"
                " '', 'D', 12345001, '45', '45A48', 20485, 20512, 10, '04', 98500,"
                " 'DEC202602001', 'JW323-000000');");
    assert_int_equal(sqlite3_close(db), SQLITE_OK);

    ft_env_t env;
    ft_env_open(&env, "declaratie", "old.db");
    gw_msg_t *m = s_fixture("valid/jw323.xml");
    /* The 323 of March passes (before the upgrade path the filter answered ERROR) ... */
    ft_expect_pass(&env, m);
    assert_int_equal(s_one_int(env.db, "SELECT version FROM filter_schema"
                                       " WHERE name = 'declaratie'"),
                     3);
    assert_int_equal(s_one_int(env.db, "SELECT count(*) FROM sqlite_master"
                                       " WHERE name = 'declaratie_nummer'"),
                     0);
    assert_int_equal(s_one_int(env.db, "SELECT count(*) FROM declaratie_bericht"), 2);
    /* ... and what the old tables held still counts: the old DeclaratieNummer (TR333) and
     * the old ReferentieNummer (TR314). Another ToewijzingNummer keeps TR389 (the March
     * Prestatie just accepted) out of it. */
    s_prest(m, 0)->ToewijzingNummer = "12345009";
    s_decl(m)->DeclaratieNummer = "DEC202602001";
    s_prest(m, 0)->ProductReferentie->ReferentieNummer = "JPR2026030077";
    s_reject(&env, m, "TR333", "9333", "/Bericht/Declaratie/DeclaratieNummer", s_decl(m));
    s_decl(m)->DeclaratieNummer = "DEC202603077";
    s_prest(m, 0)->ProductReferentie->ReferentieNummer = "JPR2026020001";
    s_reject(&env, m, "TR314", "8021", T_P "[1]" T_REF, s_prest(m, 0));
    gw_msg_destroy(&m);
    ft_env_close(&env);

    /* Tables written by a newer build are refused (ERROR), never guessed at. */
    db = ft_db_open("old.db");
    ut_db_exec(db, "UPDATE filter_schema SET version = 99 WHERE name = 'declaratie'");
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    ft_env_open(&env, "declaratie", "old.db");
    m = s_fixture("valid/jw323.xml");
    ut_db_exec(env.db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(env.chain, m, env.diag, &env.ctx), GW_VERDICT_ERROR);
    ut_db_exec(env.db, "ROLLBACK");
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

static void
test_declaratie_migration_rolls_back_with_the_batch(void **state)
{
    (void)state;
    sqlite3 *db = ft_db_open("old2.db");
    ut_db_exec(db, s_old_ddl);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    ft_env_t env;
    ft_env_open(&env, "declaratie", "old2.db");
    gw_msg_t *m = s_fixture("valid/jw323.xml");
    /* The migration runs in the broker's transaction, which then aborts: the old layout is
     * back, and the next first use migrates again. */
    ut_db_exec(env.db, "BEGIN IMMEDIATE");
    assert_int_equal(gw_chain_run(env.chain, m, env.diag, &env.ctx), GW_VERDICT_PASS);
    ut_db_exec(env.db, "ROLLBACK");
    assert_int_equal(s_one_int(env.db, "SELECT count(*) FROM sqlite_master"
                                       " WHERE name = 'declaratie_nummer'"),
                     1);
    ft_expect_pass(&env, m);
    assert_int_equal(s_one_int(env.db, "SELECT version FROM filter_schema"
                                       " WHERE name = 'declaratie'"),
                     3);
    gw_msg_destroy(&m);
    ft_env_close(&env);
}

/* ---- main ---- */

int
main(void)
{
    if (ft_dir_make("declaratie") != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_declaratie_story_passes, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr333_nummer_unique, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr314_referentie_unique, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr323_credit_needs_debet, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr390_credit_once, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr389_debet_once, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr366_tr367_answer_matches, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr323_credit_needs_goedgekeurde_debet,
                                        ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr304_answer_bsn, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr337_tr371_tr376_answer_links, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr318_periode_follows, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_tr319_productperiode_voorgaand, ft_setup,
                                        ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_refuses_options, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_survives_rolled_back_first_transaction,
                                        ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_migrates_old_tables, ft_setup, ft_teardown),
        cmocka_unit_test_setup_teardown(test_declaratie_migration_rolls_back_with_the_batch,
                                        ft_setup, ft_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ft_dir_remove();
    return failed;
}
