/*
 * The per-message check (gateway/gw_check.c) and wire-tap copies
 * (gateway/gw_tap.c): sender identity, rule verdicts, answers, stripping.
 */
#include <stdio.h>
#include <string.h>

#include "unittest.h"

#include "gw_check.h"
#include "gw_tap.h"

static gw_codec_t *s_codec;

static int
s_setup(void **state)
{
    ut_alloc_setup(state);
    s_codec = ut_codec();
    return s_codec ? 0 : -1;
}

static int
s_teardown(void **state)
{
    gw_codec_destroy(&s_codec);
    return ut_alloc_teardown(state);
}

static void
s_run(const char *fixture, const char *peer, uint32_t strip, int answer, gw_check_t *res,
      gw_check_out_t *out)
{
    size_t len = 0;
    char *xml = ut_read_fixture(fixture, &len);
    /* A diag per call: cmocka counts what a test leaves allocated before teardown. */
    gw_diag_t *diag = gw_diag_new();
    assert_int_equal(gw_check_run(s_codec, diag, peer, xml, len, strip, answer, res, out), GW_OK);
    gw_diag_destroy(&diag);
    gw_free(xml);
}

static void
test_check_accepts_and_extracts_routing_fields(void **state)
{
    (void)state;
    gw_check_t res;
    gw_check_out_t out;
    s_run("valid/jw301.xml", "0363", 0, 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ACCEPT);
    assert_string_equal(res.type->name, "JW301");
    assert_string_equal(res.afzender, "0363");
    assert_string_equal(res.ontvanger, "42420001");
    assert_string_equal(res.ident, "JW301-000001");
    assert_true(strlen(res.dagtekening) == 10);
    assert_null(out.text);
    assert_null(out.tap);
    assert_null(out.answer);
    gw_check_out_clear(&out);
}

static void
test_check_spoofed_afzender_is_refused(void **state)
{
    (void)state;
    gw_check_t res;
    gw_check_out_t out;
    s_run("valid/jw301.xml", "0384", 0, 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ERROR);
    assert_string_equal(res.code, "SPOOF");
    assert_non_null(strstr(out.text, "Afzender is 0363"));
    gw_check_out_clear(&out);
}

/* A retourbericht copies its heenbericht's header: its sender is the Ontvanger. */
static void
test_check_retour_is_sent_by_the_ontvanger(void **state)
{
    (void)state;
    gw_check_t res;
    gw_check_out_t out;
    s_run("valid/jw302.xml", "42420001", 0, 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ACCEPT);
    gw_check_out_clear(&out);
    s_run("valid/jw302.xml", "0363", 0, 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ERROR);
    assert_string_equal(res.code, "SPOOF");
    assert_non_null(strstr(out.text, "Ontvanger"));
    gw_check_out_clear(&out);
}

static void
test_check_rule_violation_is_rejected_with_retour(void **state)
{
    (void)state;
    gw_check_t res;
    gw_check_out_t out;
    s_run("rules/CS002-jw301.xml", "0363", 0, 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_REJECT);
    assert_string_equal(res.code, "CS002");
    assert_string_equal(res.answer_type, "JW302");
    assert_non_null(out.text);
    assert_non_null(strstr(out.text, "<jw302:RetourCode>0001</jw302:RetourCode>"));
    gw_msg_t *r = ut_decode_buf(s_codec, out.text, out.text_len); /* a valid JW302 */
    assert_string_equal(r->type->name, "JW302");
    gw_msg_destroy(&r);
    gw_check_out_clear(&out);
}

static void
test_check_xsd_failure_is_an_error_without_retour(void **state)
{
    (void)state;
    gw_check_t res;
    gw_check_out_t out;
    s_run("invalid/xsd/jw301-bsn-8-digits.xml", "0363", 0, 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ERROR);
    assert_string_equal(res.code, "XSD");
    assert_non_null(strstr(out.text, "Bsn"));
    assert_null(strstr(out.text, "99990000")); /* never the value */
    gw_check_out_clear(&out);
    s_run("invalid/input/xxe-file.xml", "0363", 0, 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ERROR);
    assert_string_equal(res.code, "DTD");
    assert_null(res.type);
    gw_check_out_clear(&out);
}

static void
test_check_answer_accepted_builds_retour_but_not_for_323(void **state)
{
    (void)state;
    gw_check_t res;
    gw_check_out_t out;
    s_run("valid/jw305.xml", "42420001", 0, 1, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ACCEPT);
    assert_string_equal(res.answer_type, "JW306");
    assert_non_null(out.answer);
    assert_null(strstr(out.answer, "RetourCode>")); /* approved: no retourcodes */
    gw_check_out_clear(&out);
    s_run("valid/jw323.xml", "42420001", 0, 1, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ACCEPT);
    assert_null(out.answer); /* only the gemeente's 325 approves a declaratie */
    gw_check_out_clear(&out);
}

static uint32_t
s_bit(const char *name)
{
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (strcmp(gw_msgtype_at(i)->name, name) == 0) {
            return 1u << i;
        }
    }
    return 0;
}

/* The platform's copy has no free text, names or contact details, keeps the
 * process data, and is still a valid message. */
static void
test_check_tap_copy_is_stripped_and_valid(void **state)
{
    (void)state;
    gw_check_t res;
    gw_check_out_t out;
    s_run("valid/jw301-multi.xml", "0363", s_bit("JW301"), 0, &res, &out);
    assert_int_equal(res.status, GW_CHECK_ACCEPT);
    assert_non_null(out.tap);
    size_t olen = 0;
    char *orig = ut_read_fixture("valid/jw301-multi.xml", &olen);
    gw_msg_t *a = ut_decode_buf(s_codec, orig, olen);
    gw_msg_t *b = ut_decode_buf(s_codec, out.tap, out.tap_len);
    const gw_client_t *ca = a->bericht->Client, *cb = b->bericht->Client;
    assert_string_equal(cb->Bsn, ca->Bsn);
    assert_string_equal(cb->Naam->Geslachtsnaam->Achternaam, "(verwijderd)");
    assert_null(cb->Naam->Voornamen);
    assert_null(cb->Commentaar);
    assert_int_equal(cb->Relatie.n, 0);
    for (size_t i = 0; i < cb->Contact.n; i++) {
        assert_null(cb->Contact.v[i].Adres);
        assert_null(cb->Contact.v[i].Telefoon);
        assert_null(cb->Contact.v[i].Emailadres);
    }
    assert_int_equal(cb->ToegewezenProduct.n, ca->ToegewezenProduct.n);
    for (size_t i = 0; i < cb->ToegewezenProduct.n; i++) {
        assert_string_equal(cb->ToegewezenProduct.v[i].ToewijzingNummer,
                            ca->ToegewezenProduct.v[i].ToewijzingNummer);
        assert_null(cb->ToegewezenProduct.v[i].Commentaar);
    }
    if (ca->Naam->Geslachtsnaam->Achternaam) {
        assert_null(strstr(out.tap, ca->Naam->Geslachtsnaam->Achternaam));
    }
    gw_msg_destroy(&b);
    gw_msg_destroy(&a);
    gw_free(orig);
    gw_check_out_clear(&out);
    /* not asked for: no copy */
    s_run("valid/jw301-multi.xml", "0363", s_bit("JW305"), 0, &res, &out);
    assert_null(out.tap);
    gw_check_out_clear(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_accepts_and_extracts_routing_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_check_spoofed_afzender_is_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_check_retour_is_sent_by_the_ontvanger, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_check_rule_violation_is_rejected_with_retour, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_check_xsd_failure_is_an_error_without_retour, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_check_answer_accepted_builds_retour_but_not_for_323, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_check_tap_copy_is_stripped_and_valid, s_setup, s_teardown),
    };
    return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
