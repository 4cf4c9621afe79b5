/*
 * Tests of the retourbericht builder (codecs/retour/retour.c, spec §1.5). Each
 * retour is encoded, decoded again against the answer's XSD, and then checked
 * for where the retourcodes sit: Header only for no/level-2/header findings,
 * the whole body with a code on every class for class findings, and the 325
 * cases of IV087/IV088 with the TR342 arithmetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec_tables.h"
#include "gw/retour.h"
#include "unittest.h"

static const gw_retour_opts_t s_opts = {"RET-0000001", "2026-04-07", "2.10.5"};

/* ---- helpers ---- */

/* Encode msg, decode it again (must be XSD-valid for its type), and check the
 * model survived unchanged. */
static gw_msg_t *
s_roundtrip(gw_codec_t *codec, const gw_msg_t *msg)
{
    char *xml = NULL, *err = NULL;
    size_t len = 0;
    int rc = gw_codec_encode(msg, &xml, &len, &err);
    if (rc != GW_OK) {
        fail_msg("encode: %s", err ? err : gw_strerror(rc));
    }
    gw_msg_t *back = ut_decode_buf(codec, xml, len);
    gw_free(xml);
    assert_non_null(back);
    assert_ptr_equal(back->type, msg->type);
    char *where = NULL;
    if (!gw_model_equal(msg, back, &where)) {
        fail_msg("model changed in the round trip at %s", where ? where : "?");
    }
    return back;
}

static void
s_build_ok(const gw_msg_t *heen, const gw_diag_t *diag, const gw_retour_opts_t *opts,
           gw_msg_t **out)
{
    int rc = gw_retour_build(heen, diag, opts, out);
    assert_int_equal(rc, GW_OK);
    assert_non_null(*out);
    assert_ptr_equal((*out)->type, gw_msgtype_answer(heen->type));
}

static void
s_codes_are(const gw_codes_t *c, const char *const *want, size_t n)
{
    assert_int_equal(c->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(c->v[i], want[i]);
    }
}

static void
s_code_is(const gw_codes_t *c, const char *want)
{
    s_codes_are(c, &want, 1);
}

static void
s_str_eq(const char *a, const char *b)
{
    if (!a || !b) {
        assert_true(a == b);
    } else {
        assert_string_equal(a, b);
    }
}

static const gw_node_field_t *
s_rc_field(const gw_node_type_t *t, const gw_msgtype_t *mt)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->f[i].kind == GW_N_TEXTS && (t->f[i].flags & GW_NF_RETOUR) &&
            gw_field_applies(&t->f[i], mt)) {
            return &t->f[i];
        }
    }
    return NULL;
}

/* a (heen) and b (retour) hold the same data in every field of the heen. */
static void
s_same(const gw_node_type_t *t, const void *a, const void *b, const gw_msgtype_t *heen)
{
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        if (!gw_field_applies(f, heen)) {
            continue;
        }
        const char *pa = (const char *)a + f->off;
        const char *pb = (const char *)b + f->off;
        if (f->kind == GW_N_TEXT) {
            s_str_eq(*(const char *const *)pa, *(const char *const *)pb);
        } else if (f->kind == GW_N_ONE) {
            const void *ca = *(const void *const *)pa, *cb = *(const void *const *)pb;
            assert_true((ca == NULL) == (cb == NULL));
            if (ca) {
                s_same(f->type, ca, cb, heen);
            }
        } else if (f->kind == GW_N_MANY) {
            const gw_list_t *la = (const gw_list_t *)pa, *lb = (const gw_list_t *)pb;
            assert_int_equal(la->n, lb->n);
            for (size_t j = 0; j < la->n; j++) {
                s_same(f->type, (const char *)la->v + j * f->type->size,
                       (const char *)lb->v + j * f->type->size, heen);
            }
        }
    }
}

/* Every class in the retour body carries RetourCodes: {code} on the class at
 * marked, {0200} elsewhere. Returns the number of classes seen. */
static size_t
s_class_codes(const gw_node_type_t *t, const void *p, const gw_msgtype_t *mt, const void *marked,
              const char *code, size_t *hits)
{
    size_t seen = 0;
    const gw_node_field_t *rf = s_rc_field(t, mt);
    if (rf) {
        const gw_codes_t *c = (const gw_codes_t *)((const char *)p + rf->off);
        seen++;
        if (p == marked) {
            s_code_is(c, code);
            (*hits)++;
        } else {
            s_code_is(c, "0200");
        }
    }
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        const char *q = (const char *)p + f->off;
        if (!gw_field_applies(f, mt)) {
            continue;
        }
        if (f->kind == GW_N_ONE && *(const void *const *)q) {
            seen += s_class_codes(f->type, *(const void *const *)q, mt, marked, code, hits);
        } else if (f->kind == GW_N_MANY) {
            const gw_list_t *l = (const gw_list_t *)q;
            for (size_t j = 0; j < l->n; j++) {
                seen += s_class_codes(f->type, (const char *)l->v + j * f->type->size, mt, marked,
                                      code, hits);
            }
        }
    }
    return seen;
}

static const gw_node_field_t *
s_root_field(const gw_msgtype_t *t, size_t i)
{
    return &t->root->f[i];
}

/* The retour header: the heen's fields unchanged except BerichtCode, plus the
 * retour fields. */
static void
s_check_header(const gw_msg_t *heen, const gw_msg_t *ret, const gw_retour_opts_t *opts)
{
    const gw_header_t *a = heen->bericht->Header, *b = ret->bericht->Header;
    assert_string_equal(b->BerichtCode, ret->type->berichtcode);
    s_str_eq(a->BerichtVersie, b->BerichtVersie);
    s_str_eq(a->BerichtSubversie, b->BerichtSubversie);
    s_str_eq(a->Afzender, b->Afzender); /* not swapped */
    s_str_eq(a->Ontvanger, b->Ontvanger);
    s_str_eq(a->BerichtIdentificatie->Identificatie, b->BerichtIdentificatie->Identificatie);
    s_str_eq(a->BerichtIdentificatie->Dagtekening, b->BerichtIdentificatie->Dagtekening);
    s_str_eq(a->XsdVersie->BasisschemaXsdVersie, b->XsdVersie->BasisschemaXsdVersie);
    s_str_eq(a->XsdVersie->BerichtXsdVersie, b->XsdVersie->BerichtXsdVersie);
    if (opts) {
        assert_string_equal(b->IdentificatieRetour, opts->identificatie);
        assert_string_equal(b->DagtekeningRetour, opts->dagtekening);
        s_str_eq(b->XsltVersie, opts->xslt_versie);
    }
    const char *v = gw_msgtype_xsd_version(ret->type);
    assert_string_equal(b->XsdVersieRetour->BasisschemaXsdVersie, v);
    assert_string_equal(b->XsdVersieRetour->BerichtXsdVersie, v);
    assert_null(b->DeclaratieIdentificatie);
    assert_null(b->XsdVersieDeclaratie);
}

static int
s_has_body(const gw_msg_t *m)
{
    const gw_bericht_t *b = m->bericht;
    return b->Client || b->Antwoord || b->Declaratie || b->DeclaratieAntwoord;
}

/* The class of a heen (or retour) body that gets the finding in the tests:
 * a product class where the message has one. */
static const void *
s_product_class(const gw_bericht_t *b, int number)
{
    switch (number) {
    case 301:
    case 302:
        return &b->Client->ToegewezenProduct.v[0];
    case 305:
    case 306:
        return &b->Client->StartProduct.v[0];
    case 307:
    case 308:
        return &b->Client->StopProduct.v[0];
    case 315:
    case 316:
        return &b->Client->AangevraagdProduct.v[0];
    case 317:
    case 318: {
        const gw_verzoek_t *v = b->Client->Verzoek;
        if (v->TeWijzigenProduct.n) {
            return &v->TeWijzigenProduct.v[0];
        }
        return v->NieuwProduct.n ? (const void *)&v->NieuwProduct.v[0]
                                 : (const void *)&v->OngewijzigdProduct.v[0];
    }
    case 319:
    case 320:
        return b->Antwoord;
    default:
        fail_msg("no product class for %d", number);
        return NULL;
    }
}

static char *
s_fixture_name(const char *name)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "valid/%s.xml", name);
    return buf;
}

/* ---- 30x/31x/320: one test per case, run for each heen type (prestate) ---- */

static void
test_retour_accepted_is_header_only(void **state)
{
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, s_fixture_name(*state));
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *ret = NULL;
    assert_non_null(diag);
    /* A warning never puts anything in the retour. */
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_WARN, "OP033", NULL, "/Bericht", 0, NULL, "w"),
                     GW_OK);
    s_build_ok(heen, diag, &s_opts, &ret);
    gw_msg_t *back = s_roundtrip(codec, ret);
    s_check_header(heen, back, &s_opts);
    assert_int_equal(back->bericht->Header->RetourCode.n, 0);
    assert_false(s_has_body(back));
    gw_msg_destroy(&back);
    gw_msg_destroy(&ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

static void
test_retour_level2_is_header_0001(void **state)
{
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, s_fixture_name(*state));
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *ret = NULL;
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CONTENT, "CS002", "0001", "/Bericht/Client/Bsn", 0,
                                 heen->bericht->Client, "11-proef"),
                     GW_OK);
    /* Level 2 wins over a level-4 finding on a class. */
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR135", "8848", "/Bericht", 0,
                                 s_product_class(heen->bericht, heen->type->number), "future"),
                     GW_OK);
    s_build_ok(heen, diag, &s_opts, &ret);
    gw_msg_t *back = s_roundtrip(codec, ret);
    s_check_header(heen, back, &s_opts);
    s_code_is(&back->bericht->Header->RetourCode, "0001");
    assert_false(s_has_body(back));
    gw_msg_destroy(&back);
    gw_msg_destroy(&ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

static void
test_retour_class_code_copies_body(void **state)
{
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, s_fixture_name(*state));
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *ret = NULL;
    assert_non_null(diag);
    const void *cls = s_product_class(heen->bericht, heen->type->number);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR135", "8848", "/Bericht", 0, cls,
                                 "dagtekening in the future"),
                     GW_OK);
    /* The same code twice is listed once. */
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR135", "8848", "/Bericht", 0, cls, "x"),
                     GW_OK);
    s_build_ok(heen, diag, &s_opts, &ret);
    gw_msg_t *back = s_roundtrip(codec, ret);
    s_check_header(heen, back, &s_opts);
    s_code_is(&back->bericht->Header->RetourCode, "0200");

    const gw_node_field_t *fb = s_root_field(heen->type, 1);
    const void *hb = *(const void *const *)((const char *)heen->bericht + fb->off);
    const void *rb = *(const void *const *)((const char *)back->bericht + fb->off);
    assert_non_null(rb);
    s_same(fb->type, hb, rb, heen->type);
    size_t hits = 0;
    size_t seen = s_class_codes(fb->type, rb, back->type,
                                s_product_class(back->bericht, back->type->number), "8848", &hits);
    assert_int_equal(hits, 1);
    assert_true(seen >= (heen->type->number == 319 ? 1u : 2u));
    gw_msg_destroy(&back);
    gw_msg_destroy(&ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* ---- 30x details ---- */

static void
test_retour_header_codes_are_header_only(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/jw301.xml");
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *ret = NULL;
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR056", "9056", "/Bericht/Header", 0, NULL,
                                 "dup"),
                     GW_OK);
    /* A finding inside the Header struct counts as the Header. */
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR135", "8848", "/Bericht/Header", 0,
                                 heen->bericht->Header->BerichtIdentificatie, "future"),
                     GW_OK);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR056", "9056", "/Bericht/Header", 0,
                                 heen->bericht->Header, "dup"),
                     GW_OK);
    /* A class finding next to a header finding: the header decides. */
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR332", "9332", "/Bericht", 0,
                                 &heen->bericht->Client->ToegewezenProduct.v[0], "x"),
                     GW_OK);
    s_build_ok(heen, diag, NULL, &ret);
    gw_msg_t *back = s_roundtrip(codec, ret);
    s_check_header(heen, back, NULL);
    static const char *const want[] = {"9056", "8848"};
    s_codes_are(&back->bericht->Header->RetourCode, want, 2);
    assert_false(s_has_body(back));
    assert_null(back->bericht->Header->XsltVersie);
    gw_msg_destroy(&back);
    gw_msg_destroy(&ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* Findings inside a class (an Omvang, a Contact's Periode) land on the class;
 * several codes on one class keep their order; Relatie and both kinds of
 * Contact get 0200. */
static void
test_retour_nested_findings_land_on_their_class(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/jw301-multi.xml");
    const gw_client_t *c = heen->bericht->Client;
    assert_true(c->Relatie.n >= 1);
    assert_true(c->ToegewezenProduct.n >= 2);
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *ret = NULL;
    assert_non_null(diag);
    const gw_toegewezen_product_t *tp = &c->ToegewezenProduct.v[1];
    const void *inner = tp->Product ? (const void *)tp->Product : (const void *)tp;
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR332", "9332", "/x", 0, inner, "a"), GW_OK);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR381", "S329", "/x", 0, tp, "b"), GW_OK);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR332", "9332", "/x", 0, tp, "c"), GW_OK);
    assert_int_equal(
        gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR378", "S300", "/x", 0, c->Relatie.v[0].Contact, "d"),
        GW_OK);
    s_build_ok(heen, diag, &s_opts, &ret);
    gw_msg_t *back = s_roundtrip(codec, ret);
    const gw_client_t *rc = back->bericht->Client;
    assert_non_null(rc);
    s_same(s_root_field(heen->type, 1)->type, c, rc, heen->type);
    static const char *const two[] = {"9332", "S329"};
    s_codes_are(&rc->ToegewezenProduct.v[1].RetourCode, two, 2);
    s_code_is(&rc->ToegewezenProduct.v[0].RetourCode, "0200");
    s_code_is(&rc->Relatie.v[0].RetourCode, "0200");
    s_code_is(&rc->Relatie.v[0].Contact->RetourCode, "S300");
    for (size_t i = 0; i < rc->Contact.n; i++) {
        s_code_is(&rc->Contact.v[i].RetourCode, "0200");
    }
    s_code_is(&rc->RetourCode, "0200");
    s_code_is(&back->bericht->Header->RetourCode, "0200");
    gw_msg_destroy(&back);
    gw_msg_destroy(&ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

static void
test_retour_woonplaatsbeginsel_gets_code(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/jw319-woonplaatsbeginsel.xml");
    assert_non_null(heen->bericht->Antwoord->Woonplaatsbeginsel);
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *ret = NULL;
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR378", "S300", "/x", 0,
                                 heen->bericht->Antwoord->Woonplaatsbeginsel, "cbs"),
                     GW_OK);
    s_build_ok(heen, diag, &s_opts, &ret);
    gw_msg_t *back = s_roundtrip(codec, ret);
    s_code_is(&back->bericht->Antwoord->Woonplaatsbeginsel->RetourCode, "S300");
    s_code_is(&back->bericht->Antwoord->RetourCode, "0200");
    s_code_is(&back->bericht->Header->RetourCode, "0200");
    gw_msg_destroy(&back);
    gw_msg_destroy(&ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* Without opts: a generated IdentificatieRetour (≤12, unique per call) and
 * today's date; no XsltVersie. A NULL diag means no findings. */
static void
test_retour_generated_identificatie_is_unique(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/wmo305.xml");
    enum { N = 200 };
    char ids[N][13];
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    assert_non_null(localtime_r(&now, &tm));
    assert_int_equal(strftime(today, sizeof(today), "%Y-%m-%d", &tm), 10);
    for (int i = 0; i < N; i++) {
        gw_msg_t *ret = NULL;
        s_build_ok(heen, NULL, NULL, &ret);
        const gw_header_t *h = ret->bericht->Header;
        size_t n = strlen(h->IdentificatieRetour);
        assert_true(n >= 1 && n <= 12);
        memcpy(ids[i], h->IdentificatieRetour, n + 1);
        assert_string_equal(h->DagtekeningRetour, today);
        assert_null(h->XsltVersie);
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(ids[j], ids[i]);
        }
        if (i == 0) {
            gw_msg_t *back = s_roundtrip(codec, ret);
            gw_msg_destroy(&back);
        }
        gw_msg_destroy(&ret);
    }
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* ---- error cases ---- */

static void
s_expect_einval(const char *fixture, gw_level_t level, const char *code, int foreign_cls)
{
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, fixture);
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *ret = (gw_msg_t *)&ret; /* must be reset to NULL */
    static int foreign;
    assert_non_null(diag);
    if (code || level != GW_LEVEL_WARN) {
        assert_int_equal(gw_diag_add(diag, level, "R", code, "/", 0, foreign_cls ? &foreign : NULL,
                                     "t"),
                         GW_OK);
    }
    assert_int_equal(gw_retour_build(heen, diag, &s_opts, &ret), GW_EINVAL);
    assert_null(ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

static void
test_retour_of_a_retour_is_einval(void **state)
{
    (void)state;
    s_expect_einval("valid/jw302.xml", GW_LEVEL_WARN, NULL, 0);
    s_expect_einval("valid/wmo318.xml", GW_LEVEL_WARN, NULL, 0);
}

static void
test_retour_of_a_325_is_einval(void **state)
{
    (void)state;
    s_expect_einval("valid/jw325.xml", GW_LEVEL_WARN, NULL, 0);
}

static void
test_retour_level1_is_einval(void **state)
{
    (void)state;
    s_expect_einval("valid/jw301.xml", GW_LEVEL_XSD, NULL, 0);
    s_expect_einval("valid/jw323.xml", GW_LEVEL_XSD, NULL, 0);
}

static void
test_retour_level0_is_einval(void **state)
{
    (void)state;
    s_expect_einval("valid/wmo307.xml", GW_LEVEL_INPUT, NULL, 0);
}

static void
test_retour_contract_violations_are_einval(void **state)
{
    (void)state;
    /* cls that is not part of heen */
    s_expect_einval("valid/jw305.xml", GW_LEVEL_CROSS, "9063", 1);
    /* a level-3 finding without a retourcode */
    s_expect_einval("valid/jw305.xml", GW_LEVEL_CROSS, NULL, 0);
    /* a malformed retourcode */
    s_expect_einval("valid/jw305.xml", GW_LEVEL_EXTERNAL, "88", 0);

    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/jw301.xml");
    gw_msg_t *ret = NULL;
    const gw_retour_opts_t long_id = {"1234567890123", NULL, NULL};
    const gw_retour_opts_t bad_date = {NULL, "2026-02-30", NULL};
    assert_int_equal(gw_retour_build(heen, NULL, &long_id, &ret), GW_EINVAL);
    assert_int_equal(gw_retour_build(heen, NULL, &bad_date, &ret), GW_EINVAL);
    assert_int_equal(gw_retour_build(NULL, NULL, NULL, &ret), GW_EINVAL);
    assert_int_equal(gw_retour_build(heen, NULL, NULL, NULL), GW_EINVAL);
    assert_null(ret);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* ---- 325 ---- */

static int64_t
s_signed(const gw_bedrag_t *b, int totaal)
{
    int64_t v = 0;
    assert_int_equal(gw_model_int(totaal ? b->TotaalBedrag : b->Bedrag, &v), GW_OK);
    assert_true(strcmp(b->DebetCredit, "D") == 0 || strcmp(b->DebetCredit, "C") == 0);
    if (v == 0) {
        assert_string_equal(b->DebetCredit, "D"); /* CS325 */
    }
    return b->DebetCredit[0] == 'C' ? -v : v;
}

/* TR342: sum of listed IngediendBedrag = TotaalIngediend − TotaalToegekend. */
static void
s_check_tr342(const gw_declaratie_t *da)
{
    int64_t listed = 0;
    for (size_t i = 0; i < da->Client.n; i++) {
        for (size_t j = 0; j < da->Client.v[i].Prestatie.n; j++) {
            listed += s_signed(da->Client.v[i].Prestatie.v[j].IngediendBedrag, 0);
        }
    }
    assert_int_equal(listed,
                     s_signed(da->TotaalIngediendBedrag, 1) - s_signed(da->TotaalToegekendBedrag, 1));
}

static const gw_retour_opts_t s_opts325 = {"DA-000000001", "2026-04-10", NULL};

static void
s_check_325_header(const gw_msg_t *heen, const gw_msg_t *da)
{
    const gw_header_t *a = heen->bericht->Header, *b = da->bericht->Header;
    const char *v = gw_msgtype_xsd_version(da->type);
    assert_string_equal(b->BerichtCode, da->type->berichtcode);
    assert_string_equal(b->BerichtVersie, "3");
    assert_string_equal(b->BerichtSubversie, "2");
    assert_string_equal(b->Afzender, a->Ontvanger); /* a new message from the gemeente */
    assert_string_equal(b->Ontvanger, a->Afzender);
    assert_string_equal(b->BerichtIdentificatie->Identificatie, s_opts325.identificatie);
    assert_string_equal(b->BerichtIdentificatie->Dagtekening, s_opts325.dagtekening);
    assert_string_equal(b->XsdVersie->BasisschemaXsdVersie, v);
    assert_string_equal(b->XsdVersie->BerichtXsdVersie, v);
    assert_string_equal(b->DeclaratieIdentificatie->Identificatie,
                        a->BerichtIdentificatie->Identificatie); /* TR337 */
    assert_string_equal(b->DeclaratieIdentificatie->Dagtekening,
                        a->BerichtIdentificatie->Dagtekening);
    assert_string_equal(b->XsdVersieDeclaratie->BasisschemaXsdVersie,
                        a->XsdVersie->BasisschemaXsdVersie); /* TR371 */
    assert_string_equal(b->XsdVersieDeclaratie->BerichtXsdVersie, a->XsdVersie->BerichtXsdVersie);
    assert_null(b->XsltVersie);
    assert_null(b->IdentificatieRetour);
    assert_null(b->XsdVersieRetour);
    assert_true(b->RetourCode.n >= 1);
}

/* Build the 325 for heen with diag, round-trip it, check header and TR342. */
static gw_msg_t *
s_325(gw_codec_t *codec, const gw_msg_t *heen, const gw_diag_t *diag)
{
    gw_msg_t *ret = NULL;
    s_build_ok(heen, diag, &s_opts325, &ret);
    assert_int_equal(ret->type->kind, GW_KIND_DECL_ANTWOORD);
    gw_msg_t *back = s_roundtrip(codec, ret);
    gw_msg_destroy(&ret);
    s_check_325_header(heen, back);
    const gw_declaratie_t *da = back->bericht->DeclaratieAntwoord;
    if (da) {
        assert_string_equal(da->DeclaratieNummer, heen->bericht->Declaratie->DeclaratieNummer);
        s_same(s_root_field(heen->type, 1)->type->f[3].type,
               heen->bericht->Declaratie->TotaalIngediendBedrag, da->TotaalIngediendBedrag,
               heen->type);
        s_check_tr342(da);
    }
    return back;
}

static void
test_325_fully_approved(void **state)
{
    gw_codec_t *codec = ut_codec();
    char rel[64];
    snprintf(rel, sizeof(rel), "valid/%s.xml", (const char *)*state);
    gw_msg_t *heen = ut_decode_fixture(codec, rel);
    gw_msg_t *back = s_325(codec, heen, NULL);
    s_code_is(&back->bericht->Header->RetourCode, "0200");
    const gw_declaratie_t *da = back->bericht->DeclaratieAntwoord;
    assert_non_null(da);
    s_code_is(&da->RetourCode, "8001");
    assert_int_equal(da->Client.n, 0);
    assert_string_equal(da->TotaalToegekendBedrag->TotaalBedrag,
                        heen->bericht->Declaratie->TotaalIngediendBedrag->TotaalBedrag);
    assert_string_equal(da->TotaalToegekendBedrag->DebetCredit,
                        heen->bericht->Declaratie->TotaalIngediendBedrag->DebetCredit);
    gw_msg_destroy(&back);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

static void
test_325_level2_is_header_0001(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/wmo323.xml");
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CONTENT, "TR358", NULL, "/x", 0, NULL, "sum"),
                     GW_OK);
    gw_msg_t *back = s_325(codec, heen, diag);
    s_code_is(&back->bericht->Header->RetourCode, "0001");
    assert_null(back->bericht->DeclaratieAntwoord);
    gw_msg_destroy(&back);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

static void
test_325_header_code_is_header_only(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/jw323.xml");
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR056", "9056", "/x", 0, NULL, "dup"),
                     GW_OK);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR333", "9333", "/x", 0,
                                 heen->bericht->Declaratie, "dup"),
                     GW_OK);
    gw_msg_t *back = s_325(codec, heen, diag);
    s_code_is(&back->bericht->Header->RetourCode, "9056");
    assert_null(back->bericht->DeclaratieAntwoord);
    gw_msg_destroy(&back);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

static void
test_325_declaratie_code_grants_nothing(void **state)
{
    gw_codec_t *codec = ut_codec();
    char rel[64];
    snprintf(rel, sizeof(rel), "valid/%s.xml", (const char *)*state);
    gw_msg_t *heen = ut_decode_fixture(codec, rel);
    const gw_declaratie_t *d = heen->bericht->Declaratie;
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR333", "9333", "/x", 0, d, "dup"), GW_OK);
    /* A finding on the DeclaratiePeriode is a finding on the Declaratie. */
    assert_int_equal(
        gw_diag_add(diag, GW_LEVEL_CROSS, "TR318", "8214", "/x", 0, d->DeclaratiePeriode, "p"),
        GW_OK);
    /* Findings below are not reported when the Declaratie itself fails. */
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR338", "9338", "/x", 0,
                                 &d->Client.v[0].Prestatie.v[0], "p"),
                     GW_OK);
    gw_msg_t *ret = NULL;
    s_build_ok(heen, diag, &s_opts325, &ret);
    gw_msg_t *back = s_roundtrip(codec, ret);
    s_check_325_header(heen, back);
    s_code_is(&back->bericht->Header->RetourCode, "0200");
    const gw_declaratie_t *da = back->bericht->DeclaratieAntwoord;
    assert_non_null(da);
    static const char *const want[] = {"9333", "8214"};
    s_codes_are(&da->RetourCode, want, 2);
    assert_string_equal(da->TotaalToegekendBedrag->TotaalBedrag, "0");
    assert_string_equal(da->TotaalToegekendBedrag->DebetCredit, "D");
    assert_int_equal(da->Client.n, 0);
    gw_msg_destroy(&back);
    gw_msg_destroy(&ret);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* A JW323 with clients[i] holding the amounts of amounts[i] (signed eurocents,
 * negative = credit), terminated by 0 per client and a 0-length list at the end.
 * TotaalIngediendBedrag is their sum plus skew. gw_malloc'd. */
static char *
s_make_323(const int64_t *const *clients, size_t nclients, int64_t skew, size_t *len)
{
    static const char head[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
        "<jw323:Bericht xmlns:jw323=\"http://www.istandaarden.nl/ijw/3_2/jw323/schema\" "
        "xmlns:ijw=\"http://www.istandaarden.nl/ijw/3_2/basisschema/schema\">"
        "<jw323:Header><jw323:BerichtCode>490</jw323:BerichtCode>"
        "<jw323:BerichtVersie>3</jw323:BerichtVersie>"
        "<jw323:BerichtSubversie>2</jw323:BerichtSubversie>"
        "<jw323:Afzender>42420001</jw323:Afzender><jw323:Ontvanger>0363</jw323:Ontvanger>"
        "<jw323:BerichtIdentificatie><ijw:Identificatie>T323-1</ijw:Identificatie>"
        "<ijw:Dagtekening>2026-04-03</ijw:Dagtekening></jw323:BerichtIdentificatie>"
        "<jw323:XsdVersie><ijw:BasisschemaXsdVersie>1.0.0</ijw:BasisschemaXsdVersie>"
        "<ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie></jw323:XsdVersie></jw323:Header>"
        "<jw323:Declaratie><jw323:DeclaratieNummer>DEC7</jw323:DeclaratieNummer>"
        "<jw323:DeclaratiePeriode><ijw:Begindatum>2026-03-01</ijw:Begindatum>"
        "<ijw:Einddatum>2026-03-31</ijw:Einddatum></jw323:DeclaratiePeriode>"
        "<jw323:DeclaratieDagtekening>2026-04-03</jw323:DeclaratieDagtekening>";
    static const char *const bsn[] = {"999900006", "999900018", "999900031", "999900043"};
    size_t cap = 65536;
    char *buf = gw_malloc(cap);
    assert_non_null(buf);
    int64_t total = skew;
    for (size_t i = 0; i < nclients; i++) {
        for (const int64_t *a = clients[i]; *a; a++) {
            total += *a;
        }
    }
    size_t n = (size_t)snprintf(buf, cap,
                                "%s<jw323:TotaalIngediendBedrag><ijw:TotaalBedrag>%lld"
                                "</ijw:TotaalBedrag><ijw:DebetCredit>%s</ijw:DebetCredit>"
                                "</jw323:TotaalIngediendBedrag><jw323:Clienten>",
                                head, (long long)(total < 0 ? -total : total),
                                total < 0 ? "C" : "D");
    int ref = 0;
    for (size_t i = 0; i < nclients; i++) {
        n += (size_t)snprintf(buf + n, cap - n,
                              "<jw323:Client><jw323:Bsn>%s</jw323:Bsn><jw323:Prestaties>",
                              bsn[i % 4]);
        for (const int64_t *a = clients[i]; *a; a++) {
            n += (size_t)snprintf(
                buf + n, cap - n,
                "<jw323:Prestatie><jw323:ProductReferentie><ijw:ReferentieNummer>R%d"
                "</ijw:ReferentieNummer></jw323:ProductReferentie>"
                "<jw323:ToewijzingNummer>12345001</jw323:ToewijzingNummer>"
                "<jw323:ProductCategorie>45</jw323:ProductCategorie>"
                "<jw323:ProductCode>45A48</jw323:ProductCode>"
                "<jw323:ProductPeriode><ijw:Begindatum>2026-03-01</ijw:Begindatum>"
                "<ijw:Einddatum>2026-03-31</ijw:Einddatum></jw323:ProductPeriode>"
                "<jw323:GeleverdVolume>1</jw323:GeleverdVolume><jw323:Eenheid>83</jw323:Eenheid>"
                "<jw323:IngediendBedrag><ijw:Bedrag>%lld</ijw:Bedrag>"
                "<ijw:DebetCredit>%s</ijw:DebetCredit></jw323:IngediendBedrag></jw323:Prestatie>",
                ++ref, (long long)(*a < 0 ? -*a : *a), *a < 0 ? "C" : "D");
        }
        n += (size_t)snprintf(buf + n, cap - n, "</jw323:Prestaties></jw323:Client>");
    }
    n += (size_t)snprintf(buf + n, cap - n, "</jw323:Clienten></jw323:Declaratie></jw323:Bericht>");
    assert_true(n < cap);
    *len = n;
    return buf;
}

static gw_msg_t *
s_decode_323(gw_codec_t *codec, const int64_t *const *clients, size_t nclients, int64_t skew)
{
    size_t len = 0;
    char *xml = s_make_323(clients, nclients, skew, &len);
    gw_msg_t *m = ut_decode_buf(codec, xml, len);
    gw_free(xml);
    return m;
}

/* Client 0 fails as a whole (all its prestaties 0233); client 1 has one
 * failing prestatie with two codes (one repeated, one on its IngediendBedrag);
 * client 2 is approved and not listed. */
static void
test_325_partial_lists_only_failures(void **state)
{
    (void)state;
    static const int64_t c0[] = {10000, -3000, 0};
    static const int64_t c1[] = {5000, 7000, -1500, 0};
    static const int64_t c2[] = {20000, 0};
    static const int64_t *const clients[] = {c0, c1, c2};
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = s_decode_323(codec, clients, 3, 0);
    const gw_declaratie_t *d = heen->bericht->Declaratie;
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR304", "8187", "/x", 0, &d->Client.v[0],
                                 "c"),
                     GW_OK);
    const gw_prestatie_t *p = &d->Client.v[1].Prestatie.v[1];
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR307", "9307", "/x", 0, p, "a"), GW_OK);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_EXTERNAL, "TR418", "0611", "/x", 0,
                                 p->IngediendBedrag, "b"),
                     GW_OK);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR307", "9307", "/x", 0, p, "a"), GW_OK);
    gw_msg_t *back = s_325(codec, heen, diag);
    s_code_is(&back->bericht->Header->RetourCode, "0200");
    const gw_declaratie_t *da = back->bericht->DeclaratieAntwoord;
    assert_non_null(da);
    s_code_is(&da->RetourCode, "0200");
    /* approved: 5000 - 1500 + 20000 */
    assert_string_equal(da->TotaalToegekendBedrag->TotaalBedrag, "23500");
    assert_string_equal(da->TotaalToegekendBedrag->DebetCredit, "D");
    assert_int_equal(da->Client.n, 2);

    const gw_client_t *r0 = &da->Client.v[0], *r1 = &da->Client.v[1];
    const gw_node_type_t *tp = s_root_field(heen->type, 1)->type->f[4].type->f[1].type;
    assert_string_equal(r0->Bsn, d->Client.v[0].Bsn);
    s_code_is(&r0->RetourCode, "8187");
    assert_int_equal(r0->Prestatie.n, 2);
    for (size_t j = 0; j < 2; j++) {
        s_code_is(&r0->Prestatie.v[j].RetourCode, "0233");
        s_same(tp, &d->Client.v[0].Prestatie.v[j], &r0->Prestatie.v[j], heen->type);
    }
    assert_string_equal(r1->Bsn, d->Client.v[1].Bsn);
    s_code_is(&r1->RetourCode, "0200");
    assert_int_equal(r1->Prestatie.n, 1);
    static const char *const want[] = {"9307", "0611"};
    s_codes_are(&r1->Prestatie.v[0].RetourCode, want, 2);
    s_same(tp, p, &r1->Prestatie.v[0], heen->type);
    gw_msg_destroy(&back);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* The approved prestaties are net credit: TotaalToegekend is positive with C. */
static void
test_325_negative_grant_is_credit(void **state)
{
    (void)state;
    static const int64_t c0[] = {5000, -2000, 0};
    static const int64_t *const clients[] = {c0};
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = s_decode_323(codec, clients, 1, 0);
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR338", "9338", "/x", 0,
                                 &heen->bericht->Declaratie->Client.v[0].Prestatie.v[0], "p"),
                     GW_OK);
    gw_msg_t *back = s_325(codec, heen, diag);
    const gw_declaratie_t *da = back->bericht->DeclaratieAntwoord;
    assert_string_equal(da->TotaalIngediendBedrag->TotaalBedrag, "3000");
    assert_string_equal(da->TotaalToegekendBedrag->TotaalBedrag, "2000");
    assert_string_equal(da->TotaalToegekendBedrag->DebetCredit, "C");
    assert_int_equal(da->Client.n, 1);
    assert_int_equal(da->Client.v[0].Prestatie.n, 1);
    gw_msg_destroy(&back);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* Everything rejected: TotaalToegekend 0 with D (CS325). */
static void
test_325_nothing_granted_is_zero_debet(void **state)
{
    (void)state;
    static const int64_t c0[] = {-4000, 0};
    static const int64_t c1[] = {1000, 0};
    static const int64_t *const clients[] = {c0, c1};
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = s_decode_323(codec, clients, 2, 0);
    const gw_declaratie_t *d = heen->bericht->Declaratie;
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR323", "8017", "/x", 0,
                                 &d->Client.v[0].Prestatie.v[0], "p"),
                     GW_OK);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR304", "8187", "/x", 0, &d->Client.v[1],
                                 "c"),
                     GW_OK);
    gw_msg_t *back = s_325(codec, heen, diag);
    const gw_declaratie_t *da = back->bericht->DeclaratieAntwoord;
    assert_string_equal(da->TotaalIngediendBedrag->DebetCredit, "C");
    assert_string_equal(da->TotaalToegekendBedrag->TotaalBedrag, "0");
    assert_string_equal(da->TotaalToegekendBedrag->DebetCredit, "D");
    assert_int_equal(da->Client.n, 2);
    gw_msg_destroy(&back);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* A 323 whose total is not the sum of its prestaties (TR358, level 2) has no
 * TR342-valid partial 325: it gets the level-2 answer. */
static void
test_325_total_mismatch_is_header_0001(void **state)
{
    (void)state;
    static const int64_t c0[] = {5000, 2000, 0};
    static const int64_t *const clients[] = {c0};
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = s_decode_323(codec, clients, 1, 100);
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR338", "9338", "/x", 0,
                                 &heen->bericht->Declaratie->Client.v[0].Prestatie.v[0], "p"),
                     GW_OK);
    gw_msg_t *back = s_325(codec, heen, diag);
    s_code_is(&back->bericht->Header->RetourCode, "0001");
    assert_null(back->bericht->DeclaratieAntwoord);
    gw_msg_destroy(&back);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* The credit fixtures of both families, one prestatie failing. */
static void
test_325_partial_fixture(void **state)
{
    gw_codec_t *codec = ut_codec();
    char rel[64];
    snprintf(rel, sizeof(rel), "valid/%s.xml", (const char *)*state);
    gw_msg_t *heen = ut_decode_fixture(codec, rel);
    const gw_declaratie_t *d = heen->bericht->Declaratie;
    const gw_client_t *lc = &d->Client.v[d->Client.n - 1];
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR323", "8017", "/x", 0,
                                 &lc->Prestatie.v[lc->Prestatie.n - 1], "p"),
                     GW_OK);
    gw_msg_t *back = s_325(codec, heen, diag);
    const gw_declaratie_t *da = back->bericht->DeclaratieAntwoord;
    assert_non_null(da);
    s_code_is(&back->bericht->Header->RetourCode, "0200");
    s_code_is(&da->RetourCode, "0200");
    assert_int_equal(da->Client.n, 1);
    s_code_is(&da->Client.v[0].RetourCode, "0200");
    assert_int_equal(da->Client.v[0].Prestatie.n, 1);
    s_code_is(&da->Client.v[0].Prestatie.v[0].RetourCode, "8017");
    gw_msg_destroy(&back);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* ---- allocation failures: every failure point gives GW_ENOMEM, no leak ---- */

static long s_budget = -1; /* allocations left; -1 = unlimited */

static void *
s_lim_malloc(size_t n)
{
    if (s_budget == 0) {
        return NULL;
    }
    s_budget -= s_budget > 0;
    return test_malloc(n);
}

static void *
s_lim_calloc(size_t n, size_t size)
{
    if (s_budget == 0) {
        return NULL;
    }
    s_budget -= s_budget > 0;
    return test_calloc(n, size);
}

static void *
s_lim_realloc(void *p, size_t n)
{
    if (s_budget == 0) {
        return NULL;
    }
    s_budget -= s_budget > 0;
    return test_realloc(p, n);
}

static void
s_lim_free(void *p)
{
    test_free(p);
}

static const gw_allocator_t s_lim_alloc = {s_lim_malloc, s_lim_calloc, s_lim_realloc, s_lim_free};

static void
s_oom_loop(const gw_msg_t *heen, const gw_diag_t *diag)
{
    gw_alloc_set(&s_lim_alloc);
    int rc = GW_ENOMEM;
    long k = 0;
    for (; rc == GW_ENOMEM && k < 100000; k++) {
        gw_msg_t *ret = NULL;
        s_budget = k;
        rc = gw_retour_build(heen, diag, &s_opts, &ret);
        s_budget = -1;
        if (rc == GW_ENOMEM) {
            assert_null(ret);
        }
        gw_msg_destroy(&ret);
    }
    assert_int_equal(rc, GW_OK);
    assert_true(k > 1);
    ut_alloc_setup(NULL);
}

static void
test_retour_oom_is_enomem_without_leaks(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *heen = ut_decode_fixture(codec, "valid/jw301-multi.xml");
    gw_diag_t *diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR332", "9332", "/x", 0,
                                 &heen->bericht->Client->ToegewezenProduct.v[0], "a"),
                     GW_OK);
    s_oom_loop(heen, diag);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);

    static const int64_t c0[] = {10000, -3000, 0};
    static const int64_t c1[] = {5000, 0};
    static const int64_t *const clients[] = {c0, c1};
    heen = s_decode_323(codec, clients, 2, 0);
    diag = gw_diag_new();
    assert_non_null(diag);
    assert_int_equal(gw_diag_add(diag, GW_LEVEL_CROSS, "TR304", "8187", "/x", 0,
                                 &heen->bericht->Declaratie->Client.v[0], "c"),
                     GW_OK);
    s_oom_loop(heen, diag);
    gw_diag_destroy(&diag);
    gw_msg_destroy(&heen);
    gw_codec_destroy(&codec);
}

/* ---- table ---- */

#define T(f) cmocka_unit_test_setup_teardown(f, ut_alloc_setup, ut_alloc_teardown)
/* Like cmocka_unit_test_prestate_setup_teardown, with the fixture in the name. */
#define TP(f, p) {#f "(" p ")", f, ut_alloc_setup, ut_alloc_teardown, (void *)p}
#define PER_HEEN(f)                                                                                \
    TP(f, "jw301"), TP(f, "jw305"), TP(f, "jw307"), TP(f, "jw315"), TP(f, "jw317"),                \
        TP(f, "jw319"), TP(f, "wmo301"), TP(f, "wmo305"), TP(f, "wmo307"), TP(f, "wmo315"),        \
        TP(f, "wmo317"), TP(f, "wmo319")

int
main(void)
{
    const struct CMUnitTest tests[] = {
        PER_HEEN(test_retour_accepted_is_header_only),
        PER_HEEN(test_retour_level2_is_header_0001),
        PER_HEEN(test_retour_class_code_copies_body),
        T(test_retour_header_codes_are_header_only),
        T(test_retour_nested_findings_land_on_their_class),
        T(test_retour_woonplaatsbeginsel_gets_code),
        T(test_retour_generated_identificatie_is_unique),
        T(test_retour_of_a_retour_is_einval),
        T(test_retour_of_a_325_is_einval),
        T(test_retour_level1_is_einval),
        T(test_retour_level0_is_einval),
        T(test_retour_contract_violations_are_einval),
        TP(test_325_fully_approved, "jw323"),
        TP(test_325_fully_approved, "wmo323"),
        TP(test_325_fully_approved, "jw323-credit"),
        T(test_325_level2_is_header_0001),
        T(test_325_header_code_is_header_only),
        TP(test_325_declaratie_code_grants_nothing, "jw323"),
        TP(test_325_declaratie_code_grants_nothing, "wmo323"),
        T(test_325_partial_lists_only_failures),
        T(test_325_negative_grant_is_credit),
        T(test_325_nothing_granted_is_zero_debet),
        T(test_325_total_mismatch_is_header_0001),
        TP(test_325_partial_fixture, "jw323-credit"),
        TP(test_325_partial_fixture, "wmo323-credit"),
        T(test_retour_oom_is_enomem_without_leaks),
    };
    return cmocka_run_group_tests_name("retour", tests, NULL, NULL);
}
