/*
 * Codec tests: recognition, XSD validation, decoding, encoding and round trip
 * for every fixture, the level-0/1 error model on hostile and invalid input,
 * and the privacy rule that findings never quote message values.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unittest.h"

#include "gw/arena.h"
#include "gw/model.h"

typedef void (*file_fn)(gw_codec_t *codec, const char *rel, const char *name);

static int
s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run fn on every *.xml in a fixture directory; returns the count. */
static int
s_each(gw_codec_t *codec, const char *dir, file_fn fn)
{
    DIR *d = opendir(ut_fixture_path(dir));
    assert_non_null(d);
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        size_t l = strlen(de->d_name);
        if (l > 4 && (strcmp(de->d_name + l - 4, ".xml") == 0 ||
                      strcmp(de->d_name + l - 4, ".txt") == 0)) {
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), s_cmp);
    for (int i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof(rel), "%s/%s", dir, names[i]);
        fn(codec, rel, names[i]);
        free(names[i]);
    }
    return n;
}

/* ------------------------------------------------------------------------ */

static void
s_roundtrip(gw_codec_t *codec, const char *rel, const char *name)
{
    gw_msg_t *a = ut_decode_fixture(codec, rel);
    assert_non_null(a);
    /* the file name starts with the lowercase type name */
    char want[16];
    snprintf(want, sizeof(want), "%.*s", (int)strcspn(name, "-."), name);
    assert_non_null(gw_msgtype_by_name(want));
    assert_ptr_equal(a->type, gw_msgtype_by_name(want));
    assert_string_equal(a->bericht->Header->BerichtCode, a->type->berichtcode);

    char *xml = NULL, *err = NULL;
    size_t len = 0;
    assert_int_equal(gw_codec_encode(a, &xml, &len, &err), GW_OK);
    assert_null(err);
    assert_int_equal(strlen(xml), len);
    assert_null(strstr(xml, "\xEF\xBB\xBF")); /* no BOM (OP192) */
    for (size_t i = 0; i < len; i++) {         /* CR/LF line ends (OP192) */
        if (xml[i] == '\n') {
            assert_true(i > 0 && xml[i - 1] == '\r');
        }
    }
    gw_msg_t *b = ut_decode_buf(codec, xml, len); /* the encoder's output is XSD-valid */
    char *where = NULL;
    int eq = gw_model_equal(a, b, &where);
    if (!eq) {
        fail_msg("%s: round trip differs at %s", rel, where ? where : "?");
    }
    gw_free(where);
    gw_free(xml);
    gw_msg_destroy(&b);
    gw_msg_destroy(&a);
}

static void
test_codec_valid_fixtures_round_trip(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    int n = s_each(codec, "valid", s_roundtrip);
    assert_true(n >= 28);
    gw_codec_destroy(&codec);
}

/* All 28 message types have at least one valid fixture. */
static void
test_codec_every_type_has_a_fixture(void **state)
{
    (void)state;
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        const gw_msgtype_t *t = gw_msgtype_at(i);
        char rel[64], lower[16];
        size_t k = 0;
        for (; t->name[k] && k < sizeof(lower) - 1; k++) {
            lower[k] = (char)(t->name[k] >= 'A' && t->name[k] <= 'Z' ? t->name[k] + 32
                                                                      : t->name[k]);
        }
        lower[k] = '\0';
        snprintf(rel, sizeof(rel), "valid/%s.xml", lower);
        FILE *f = fopen(ut_fixture_path(rel), "rb");
        if (!f) {
            fail_msg("no fixture %s", rel);
        }
        fclose(f);
    }
}

/* The model carries what the message says. */
static void
test_codec_decodes_typed_model(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *m = ut_decode_fixture(codec, "valid/jw301.xml");
    const gw_bericht_t *b = m->bericht;
    assert_string_equal(m->type->name, "JW301");
    assert_int_equal(m->type->family, GW_FAMILY_IJW);
    assert_string_equal(b->Header->Afzender, "0363");
    assert_string_equal(b->Header->Ontvanger, "42420001");
    assert_non_null(b->Header->BerichtIdentificatie->Identificatie);
    assert_string_equal(b->Header->XsdVersie->BerichtXsdVersie, "1.0.0");
    assert_non_null(b->Client);
    assert_int_equal(strlen(b->Client->Bsn), 9);
    assert_true(b->Client->ToegewezenProduct.n >= 1);
    const gw_toegewezen_product_t *tp = &b->Client->ToegewezenProduct.v[0];
    int64_t nr = 0;
    assert_int_equal(gw_model_int(tp->ToewijzingNummer, &nr), GW_OK);
    assert_int_equal(nr, 12345001);
    assert_non_null(tp->Product);
    assert_string_equal(tp->Product->Categorie, "45");
    assert_true(b->Client->Contact.n >= 1);
    assert_int_equal(b->Client->RetourCode.n, 0);
    gw_msg_destroy(&m);

    m = ut_decode_fixture(codec, "valid/jw323.xml");
    assert_non_null(m->bericht->Declaratie);
    assert_true(m->bericht->Declaratie->Client.n >= 1);
    assert_true(m->bericht->Declaratie->Client.v[0].Prestatie.n >= 1);
    gw_msg_destroy(&m);

    m = ut_decode_fixture(codec, "valid/jw302-rejected.xml");
    assert_true(m->bericht->Header->RetourCode.n >= 1);
    assert_non_null(m->bericht->Client);
    assert_true(m->bericht->Client->RetourCode.n >= 1);
    gw_msg_destroy(&m);
    gw_codec_destroy(&codec);
}

/* ------------------------------------------------------------------------ */

static void
s_expect_xsd(gw_codec_t *codec, const char *rel, const char *name)
{
    (void)name;
    size_t len = 0;
    char *buf = ut_read_fixture(rel, &len);
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = NULL;
    const gw_msgtype_t *type = NULL;
    assert_int_equal(gw_codec_decode(codec, buf, len, &msg, &type, diag), GW_OK);
    if (msg || gw_diag_worst(diag) != GW_LEVEL_XSD) {
        ut_print_diag(diag);
        fail_msg("%s: expected an XSD rejection", rel);
    }
    assert_non_null(type);                                  /* recognised ... */
    assert_int_equal(gw_diag_answer(diag), GW_ANSWER_ERROR); /* ... but no retourbericht */
    for (size_t i = 0; i < gw_diag_count(diag); i++) {
        const gw_diag_entry_t *e = gw_diag_at(diag, i);
        assert_string_equal(e->retourcode, "");
        assert_true(e->path[0] == '/');
        assert_true(e->line > 0);
        assert_null(strstr(e->text, "9999000")); /* never quote a BSN */
    }
    gw_diag_destroy(&diag);
    gw_free(buf);
}

static void
test_codec_xsd_invalid_fixtures_rejected_without_retour(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    assert_true(s_each(codec, "invalid/xsd", s_expect_xsd) >= 14);
    gw_codec_destroy(&codec);
}

typedef struct {
    const char *file; /* under invalid/input */
    const char *rule; /* expected rule code of the level-0 finding */
    int decodes;      /* 1: accepted (with a warning) */
} input_case_t;

static const input_case_t s_input_cases[] = {
    {"empty.xml", "EMPTY", 0},
    {"whitespace.xml", "XML", 0},
    {"not-xml.txt", "XML", 0},
    {"truncated.xml", "XML", 0},
    {"two-roots.xml", "XML", 0},
    {"wrong-namespace.xml", "VERSION", 0},
    {"unknown-message.xml", "MESSAGE", 0},
    {"no-namespace.xml", "NAMESPACE", 0},
    {"xxe-file.xml", "DTD", 0},
    {"xxe-http.xml", "DTD", 0},
    {"billion-laughs.xml", "DTD", 0},
    {"dtd-external.xml", "DTD", 0},
    {"deep-nesting.xml", "DEPTH", 0},
    {"latin1.xml", "ENCODING", 0},
    {"bom.xml", "OP192", 1},
};

static void
test_codec_hostile_input_gets_specific_error(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    for (size_t i = 0; i < sizeof(s_input_cases) / sizeof(s_input_cases[0]); i++) {
        const input_case_t *c = &s_input_cases[i];
        char rel[256];
        snprintf(rel, sizeof(rel), "invalid/input/%s", c->file);
        size_t len = 0;
        char *buf = ut_read_fixture(rel, &len);
        gw_diag_t *diag = gw_diag_new();
        gw_msg_t *msg = NULL;
        assert_int_equal(gw_codec_decode(codec, buf, len, &msg, NULL, diag), GW_OK);
        if (!ut_diag_has(diag, c->rule, NULL) || (msg != NULL) != c->decodes) {
            ut_print_diag(diag);
            fail_msg("%s: expected rule %s, decodes=%d", c->file, c->rule, c->decodes);
        }
        if (!c->decodes) {
            assert_int_equal(gw_diag_answer(diag), GW_ANSWER_ERROR);
            assert_int_equal(gw_diag_worst(diag), GW_LEVEL_INPUT);
        }
        gw_msg_destroy(&msg);
        gw_diag_destroy(&diag);
        gw_free(buf);
    }
    gw_codec_destroy(&codec);
}

/* A message above the size limit is refused before parsing (OP179: 25 MB). */
static void
test_codec_oversize_message_refused(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    size_t len = 50u * 1024 * 1024;
    char *buf = gw_malloc(len);
    assert_non_null(buf);
    memset(buf, ' ', len);
    memcpy(buf, "<?xml version=\"1.0\"?>", 21);
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = NULL;
    assert_int_equal(gw_codec_decode(codec, buf, len, &msg, NULL, diag), GW_OK);
    assert_null(msg);
    assert_true(ut_diag_has(diag, "SIZE", NULL));
    assert_non_null(strstr(gw_diag_at(diag, 0)->text, "52428800"));
    gw_diag_destroy(&diag);
    gw_free(buf);

    /* a configurable limit */
    gw_codec_opts_t o = {.max_size = 1000};
    gw_codec_t *small = gw_codec_new(&o, NULL);
    size_t flen = 0;
    buf = ut_read_fixture("valid/jw301.xml", &flen);
    diag = gw_diag_new();
    assert_int_equal(gw_codec_decode(small, buf, flen, &msg, NULL, diag), GW_OK);
    assert_null(msg);
    assert_true(ut_diag_has(diag, "SIZE", NULL));
    gw_diag_destroy(&diag);
    gw_free(buf);
    gw_codec_destroy(&small);
    gw_codec_destroy(&codec);
}

/* A long, wide (not deep) document of the right type is handled in bounded time. */
static void
test_codec_many_prestaties_decode(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *m = ut_decode_fixture(codec, "valid/jw323.xml");
    /* grow the first client to 2000 prestaties and round-trip it */
    gw_client_t *c = &m->bericht->Declaratie->Client.v[0];
    size_t n = 2000;
    gw_prestatie_t *v = gw_arena_alloc(m->arena, n * sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = c->Prestatie.v[0];
        gw_referentie_t *r = gw_arena_alloc(m->arena, sizeof(*r));
        r->ReferentieNummer = gw_arena_printf(m->arena, "R%zu", i);
        v[i].ProductReferentie = r;
    }
    c->Prestatie.v = v;
    c->Prestatie.n = n;
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(gw_codec_encode(m, &xml, &len, NULL), GW_OK);
    gw_msg_t *b = ut_decode_buf(codec, xml, len);
    assert_int_equal(b->bericht->Declaratie->Client.v[0].Prestatie.n, n);
    assert_string_equal(b->bericht->Declaratie->Client.v[0].Prestatie.v[1999].ProductReferentie
                            ->ReferentieNummer,
                        "R1999");
    gw_msg_destroy(&b);
    gw_free(xml);
    gw_msg_destroy(&m);
    gw_codec_destroy(&codec);
}

/* A different major XsdVersie is accepted with a warning (no rule forbids it). */
static void
test_codec_other_xsd_major_version_warns(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *m = ut_decode_fixture(codec, "valid/jw305.xml");
    m->bericht->Header->XsdVersie->BerichtXsdVersie = "2.0.0";
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(gw_codec_encode(m, &xml, &len, NULL), GW_OK);
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *b = NULL;
    assert_int_equal(gw_codec_decode(codec, xml, len, &b, NULL, diag), GW_OK);
    assert_non_null(b);
    assert_true(ut_diag_has(diag, "XSDVERSIE", NULL));
    assert_int_equal(gw_diag_verdict(diag), GW_VERDICT_WARN);
    gw_msg_destroy(&b);
    gw_diag_destroy(&diag);
    gw_free(xml);
    gw_msg_destroy(&m);
    gw_codec_destroy(&codec);
}

/* A deep copy is equal and shares nothing with the original. */
static void
test_codec_msg_dup_is_deep(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *a = ut_decode_fixture(codec, "valid/jw301-multi.xml");
    gw_msg_t *b = gw_msg_dup(a);
    assert_non_null(b);
    assert_true(gw_model_equal(a, b, NULL));
    assert_ptr_not_equal(a->bericht->Client, b->bericht->Client);
    assert_ptr_not_equal(a->bericht->Client->Bsn, b->bericht->Client->Bsn);
    assert_ptr_not_equal(a->bericht->Client->ToegewezenProduct.v,
                         b->bericht->Client->ToegewezenProduct.v);
    b->bericht->Client->ToegewezenProduct.v[0].Commentaar = NULL;
    b->bericht->Client->Naam->Geslachtsnaam->Achternaam = "X";
    gw_msg_destroy(&a); /* the copy survives its original */
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(gw_codec_encode(b, &xml, &len, NULL), GW_OK);
    gw_msg_t *c = ut_decode_buf(codec, xml, len);
    assert_string_equal(c->bericht->Client->Naam->Geslachtsnaam->Achternaam, "X");
    gw_msg_destroy(&c);
    gw_free(xml);
    gw_msg_destroy(&b);
    gw_codec_destroy(&codec);
}

/* Text that needs escaping survives the round trip. */
static void
test_codec_escapes_text(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_msg_t *m = ut_decode_fixture(codec, "valid/jw301.xml");
    m->bericht->Client->Commentaar = "a < b & c > d \"q\" 'x'";
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(gw_codec_encode(m, &xml, &len, NULL), GW_OK);
    gw_msg_t *b = ut_decode_buf(codec, xml, len);
    assert_string_equal(b->bericht->Client->Commentaar, "a < b & c > d \"q\" 'x'");
    gw_msg_destroy(&b);
    gw_free(xml);
    gw_msg_destroy(&m);
    gw_codec_destroy(&codec);
}

/* Schemas can also come from a directory (an updated release), and nothing
 * outside that directory is read. */
static void
test_codec_xsd_dir(void **state)
{
    (void)state;
    const char *dir = getenv("GW_XSD_DIR");
    assert_non_null(dir);
    gw_codec_opts_t o = {.xsd_dir = dir};
    gw_codec_t *codec = gw_codec_new(&o, NULL);
    assert_non_null(codec);
    gw_diag_t *diag = gw_diag_new();
    assert_int_equal(gw_codec_preload(codec, diag), GW_OK);
    gw_msg_t *m = ut_decode_fixture(codec, "valid/wmo315.xml");
    gw_msg_destroy(&m);
    gw_diag_destroy(&diag);
    gw_codec_destroy(&codec);

    o.xsd_dir = "/nonexistent";
    codec = gw_codec_new(&o, NULL);
    diag = gw_diag_new();
    assert_int_equal(gw_codec_preload(codec, diag), GW_ESCHEMA);
    assert_true(ut_diag_has(diag, "SCHEMA", NULL));
    gw_diag_destroy(&diag);
    gw_codec_destroy(&codec);
}

static void
test_codec_embedded_schemas_compile(void **state)
{
    (void)state;
    gw_codec_t *codec = ut_codec();
    gw_diag_t *diag = gw_diag_new();
    assert_int_equal(gw_codec_preload(codec, diag), GW_OK);
    assert_int_equal(gw_diag_count(diag), 0);
    gw_diag_destroy(&diag);
    gw_codec_destroy(&codec);
}

/* ------------------------------------------------------------------------ */

static void
test_registry_lookups(void **state)
{
    (void)state;
    assert_int_equal(gw_msgtype_count(), 28);
    const gw_msgtype_t *t = gw_msgtype_by_name("jw301");
    assert_non_null(t);
    assert_string_equal(t->berichtcode, "436");
    assert_ptr_equal(gw_msgtype_by_ns("http://www.istandaarden.nl/ijw/3_2/jw301/schema"), t);
    assert_ptr_equal(gw_msgtype_by_number(GW_FAMILY_IJW, 301), t);
    assert_string_equal(gw_msgtype_answer(t)->name, "JW302");
    assert_string_equal(gw_msgtype_answer(gw_msgtype_by_name("WMO323"))->name, "WMO325");
    assert_null(gw_msgtype_answer(gw_msgtype_by_name("JW325")));
    assert_null(gw_msgtype_answer(gw_msgtype_by_name("WMO302")));
    assert_null(gw_msgtype_by_name("JW399"));
    /* COD002 codes, spec §4.1 */
    static const char *const codes[][2] = {
        {"JW301", "436"},  {"JW302", "437"},  {"JW305", "438"},  {"JW306", "439"},
        {"JW307", "440"},  {"JW308", "441"},  {"JW315", "446"},  {"JW316", "447"},
        {"JW317", "486"},  {"JW318", "487"},  {"JW319", "488"},  {"JW320", "489"},
        {"JW323", "490"},  {"JW325", "491"},  {"WMO301", "414"}, {"WMO302", "415"},
        {"WMO305", "418"}, {"WMO306", "419"}, {"WMO307", "420"}, {"WMO308", "421"},
        {"WMO315", "444"}, {"WMO316", "445"}, {"WMO317", "480"}, {"WMO318", "481"},
        {"WMO319", "482"}, {"WMO320", "483"}, {"WMO323", "484"}, {"WMO325", "485"},
    };
    for (size_t i = 0; i < 28; i++) {
        assert_string_equal(gw_msgtype_by_name(codes[i][0])->berichtcode, codes[i][1]);
    }
}

/* The version the retourberichten state (XsdVersieRetour) is the one in the
 * appinfo of every schema we ship. */
static void
test_registry_xsd_version_matches_appinfo(void **state)
{
    (void)state;
    const char *dir = getenv("GW_XSD_DIR");
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        const gw_msgtype_t *t = gw_msgtype_at(i);
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, t->xsd);
        size_t len = 0;
        char *x = ut_read_file(path, &len);
        char want[128];
        snprintf(want, sizeof(want), "BerichtXsdVersie>%s<", gw_msgtype_xsd_version(t));
        assert_non_null(strstr(x, want));
        snprintf(want, sizeof(want), "BasisschemaXsdVersie>%s<", gw_msgtype_xsd_version(t));
        assert_non_null(strstr(x, want));
        gw_free(x);
    }
}

/* ------------------------------------------------------------------------ */

static void
test_model_dates_and_ints(void **state)
{
    (void)state;
    int32_t d = 0;
    assert_int_equal(gw_model_date("2026-02-28", &d), GW_OK);
    int y, m, dd;
    gw_model_date_parts(d + 1, &y, &m, &dd);
    assert_int_equal(y, 2026);
    assert_int_equal(m, 3);
    assert_int_equal(dd, 1);
    assert_int_equal(gw_model_date("2024-02-29", &d), GW_OK);
    assert_int_equal(gw_model_date("2026-02-29", &d), GW_EINVAL);
    assert_int_equal(gw_model_date("2027-06-31", &d), GW_EINVAL);
    assert_int_equal(gw_model_date("2026-1-01", &d), GW_EINVAL);
    assert_int_equal(gw_model_date(NULL, &d), GW_EINVAL);
    assert_int_equal(gw_model_days(1970, 1, 1), 0);
    int64_t v = 0;
    assert_int_equal(gw_model_int(" +0042 ", &v), GW_OK);
    assert_int_equal(v, 42);
    assert_int_equal(gw_model_int("-7", &v), GW_OK);
    assert_int_equal(v, -7);
    assert_int_equal(gw_model_int("4x", &v), GW_EINVAL);
    assert_int_equal(gw_model_int("", &v), GW_EINVAL);
    assert_int_equal(gw_model_int("99999999999999999999", &v), GW_EINVAL);
}

static void
test_diag_verdicts(void **state)
{
    (void)state;
    gw_diag_t *d = gw_diag_new();
    assert_int_equal(gw_diag_verdict(d), GW_VERDICT_PASS);
    assert_int_equal(gw_diag_answer(d), GW_ANSWER_RETOUR_OK);
    assert_int_equal(gw_diag_add(d, GW_LEVEL_WARN, "OP192", NULL, "/", 1, NULL, "bom"), GW_OK);
    assert_int_equal(gw_diag_verdict(d), GW_VERDICT_WARN);
    int x = 0;
    assert_int_equal(gw_diag_add(d, GW_LEVEL_EXTERNAL, "TR135", "8848", "/Bericht/Header", 3, &x,
                                 "dagtekening %s", "in de toekomst"),
                     GW_OK);
    assert_int_equal(gw_diag_answer(d), GW_ANSWER_RETOUR_REJECT);
    assert_true(gw_diag_has_code_for(d, &x));
    assert_false(gw_diag_has_code_for(d, NULL));
    assert_int_equal(gw_diag_add(d, GW_LEVEL_CONTENT, "CD041", "0001", "/", 0, NULL, "x"), GW_OK);
    assert_int_equal(gw_diag_worst(d), GW_LEVEL_CONTENT);
    assert_int_equal(gw_diag_add(d, GW_LEVEL_XSD, "XSD", NULL, "/", 0, NULL, "x"), GW_OK);
    assert_int_equal(gw_diag_answer(d), GW_ANSWER_ERROR);
    assert_int_equal(gw_diag_count(d), 4);
    assert_int_equal(gw_diag_count_level(d, GW_LEVEL_XSD), 1);
    gw_diag_reset(d);
    assert_int_equal(gw_diag_count(d), 0);
    gw_diag_destroy(&d);
    assert_null(d);
}

static void
test_arena_alignment_and_growth(void **state)
{
    (void)state;
    gw_arena_t *a = gw_arena_new(64);
    for (int i = 0; i < 100; i++) {
        void *p = gw_arena_alloc(a, (size_t)i * 7 + 1);
        assert_non_null(p);
        assert_int_equal(((uintptr_t)p) % 16, 0);
    }
    void *big = gw_arena_alloc(a, 100000);
    assert_non_null(big);
    assert_string_equal(gw_arena_printf(a, "%d-%s", 7, "x"), "7-x");
    gw_arena_reset(a);
    assert_int_equal(gw_arena_used(a), 0);
    gw_arena_destroy(&a);
    assert_null(a);
    gw_arena_destroy(&a); /* NULL-safe */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_codec_valid_fixtures_round_trip, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test(test_codec_every_type_has_a_fixture),
        cmocka_unit_test_setup_teardown(test_codec_decodes_typed_model, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_codec_xsd_invalid_fixtures_rejected_without_retour,
                                        ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_codec_hostile_input_gets_specific_error,
                                        ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test(test_codec_oversize_message_refused),
        cmocka_unit_test_setup_teardown(test_codec_many_prestaties_decode, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_codec_escapes_text, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_codec_other_xsd_major_version_warns, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_codec_msg_dup_is_deep, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_codec_xsd_dir, ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_codec_embedded_schemas_compile, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test(test_registry_lookups),
        cmocka_unit_test(test_registry_xsd_version_matches_appinfo),
        cmocka_unit_test(test_model_dates_and_ints),
        cmocka_unit_test_setup_teardown(test_diag_verdicts, ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_arena_alignment_and_growth, ut_alloc_setup,
                                        ut_alloc_teardown),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
