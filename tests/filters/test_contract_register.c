/*
 * Tests of the contract register parser (filters/contract_register.c): a good
 * register resolves products, inheritance, tariffs, contracts, onderaannemers
 * and the gemeente list; malformed registers are refused whole with one
 * "file:line: text" per problem, the gemeente list's own errors under its own
 * name. Every test also checks for leaks (cmocka allocator).
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract_register.h"
#include "unittest.h"

static char s_dir[256];

static int
s_group_setup(void **state)
{
    (void)state;
    if (ut_tmpdir(s_dir, sizeof(s_dir), "gw-register") != 0) {
        return -1;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/gem.list", s_dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        return -1;
    }
    fputs("# test list\n0363 Amsterdam\n0384 Diemen\n1959 2019-01-01.. Altena\n"
          "0738 ..2018-12-31 Aalburg\n",
          f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/bad.list", s_dir);
    f = fopen(path, "w");
    if (!f) {
        return -1;
    }
    fputs("0363 Amsterdam\n363 Kort\n0384 2019-13-01.. Diemen\n", f);
    fclose(f);
    return 0;
}

static int
s_group_teardown(void **state)
{
    (void)state;
    return ut_tree_remove(s_dir);
}

static const char s_good[] =
    "# Regio Voorbeeld\n"                                                           /* 1 */
    "register\n"                                                                    /* 2 */
    "    naam = \"Regio Voorbeeld\"\n"                                              /* 3 */
    "    periode = 2025-01-01..2027-12-31\n"                                        /* 4 */
    "    gemeenten = 0363, 0384\n"                                                  /* 5 */
    "    gemeentelijst = gem.list\n"                                                /* 6 */
    "\n"                                                                            /* 7 */
    "regels\n"                                                                      /* 8 */
    "    CR-TAAKGERICHT = warn\n"                                                   /* 9 */
    "    CR-LEEFTIJD = off  # not yet\n"                                            /* 10 */
    "segment 2\n"                                                                   /* 11 */
    "    naam = Wonen\n"                                                            /* 12 */
    "    bekostiging = inspanningsgericht\n"                                        /* 13 */
    "    eenheid = 14\n"                                                            /* 14 */
    "segment 4\n"                                                                   /* 15 */
    "    bekostiging = inspanningsgericht\n"                                        /* 16 */
    "    frequentie = 2 4\n"                                                        /* 17 */
    "    verwijzers = 01 02 03 04 05 08\n"                                          /* 18 */
    "segment 5\n"                                                                   /* 19 */
    "    crisis = ja\n"                                                             /* 20 */
    "    max_duur = 4w\n"                                                           /* 21 */
    "categorie 46\n"                                                                /* 22 */
    "    segment = 5\n"                                                             /* 23 */
    "    leeftijd = 0..17\n"                                                        /* 24 */
    "categorie 45\n"                                                                /* 25 */
    "    segment = 4\n"                                                             /* 26 */
    "product 44A01\n"                                                               /* 27 */
    "    categorie = 44\n"                                                          /* 28 */
    "    segment = 2\n"                                                             /* 29 */
    "    tarief = 15000 2025-01-01..2025-12-31\n"                                   /* 30 */
    "    tarief = 15450 2026-01-01..\n"                                             /* 31 */
    "product 46A01\n"                                                               /* 32 */
    "    categorie = 46\n"                                                          /* 33 */
    "product 45A01\n"                                                               /* 34 */
    "    categorie = 45\n"                                                          /* 35 */
    "    bekostiging = taakgericht\n"                                               /* 36 */
    "product 45A02\n"                                                               /* 37 */
    "    categorie = 45\n"                                                          /* 38 */
    "    gecontracteerd = nee\n"                                                    /* 39 */
    "    geldig = ..2025-06-30\n"                                                   /* 40 */
    "product 02A01\n"                                                               /* 41 */
    "    categorie = 02\n"                                                          /* 42 */
    "    buiten_scope = ja\n"                                                       /* 43 */
    "aanbieder 12345678\n"                                                          /* 44 */
    "    naam = Voorbeeld Jeugdzorg\n"                                              /* 45 */
    "    contract = 2\n"                                                            /* 46 */
    "    contract = 5 2025-01-01..2025-12-31 gemeenten=0363\n"                      /* 47 */
    "    contract = 4 2025-01-01.. bekostiging=taakgericht producten=45A01,45A02\n" /* 48 */
    "    tarief = 44A01 16000 2025-01-01..2025-06-30\n"                             /* 49 */
    "aanbieder 87654321\n"                                                          /* 50 */
    "    hoofdaannemer = 12345678\n";                                               /* 51 */

static gw_register_t *
s_parse(const char *text, char **err)
{
    return gw_register_parse(text, strlen(text), "t.register", s_dir, err);
}

static int32_t
s_day(const char *d)
{
    int32_t v = 0;
    assert_int_equal(gw_model_date(d, &v), GW_OK);
    return v;
}

static gw_register_t *
s_good_reg(void)
{
    char *err = NULL;
    gw_register_t *reg = s_parse(s_good, &err);
    if (!reg) {
        fail_msg("good register refused:\n%s", err ? err : "?");
    }
    assert_null(err);
    return reg;
}

static void
test_register_good_resolves_products(void **state)
{
    (void)state;
    gw_register_t *reg = s_good_reg();
    assert_string_equal(gw_register_name(reg), "Regio Voorbeeld");
    assert_int_equal(gw_register_count_products(reg), 5);
    assert_int_equal(gw_register_count_aanbieders(reg), 2);
    assert_true(gw_register_complete_list(reg));

    /* Segment 2's eenheid and bekostiging reach 44A01. */
    const gw_reg_product_t *p = gw_register_product(reg, GW_FAMILY_IJW, "44A01");
    assert_non_null(p);
    assert_string_equal(p->segment->id, "2");
    assert_int_equal(p->props.bekostiging, GW_BEK_INSPANNING);
    assert_int_equal(p->props.eenheden, gw_reg_code_bit(gw_reg_eenheden, "14"));
    assert_false(p->props.set & GW_REG_P_MAXDUUR);

    /* 46A01 takes its segment from categorie 46, the age band from the categorie, crisis
     * and max_duur from segment 5. */
    p = gw_register_product(reg, GW_FAMILY_IJW, "46A01");
    assert_non_null(p);
    assert_string_equal(p->segment->id, "5");
    assert_true(p->props.crisis);
    assert_int_equal(p->props.dur_n, 4);
    assert_int_equal(p->props.dur_unit, 'w');
    assert_int_equal(p->props.age_min, 0);
    assert_int_equal(p->props.age_max, 17);

    /* Own bekostiging beats the segment's; taakgericht has no default units. */
    p = gw_register_product(reg, GW_FAMILY_IJW, "45A01");
    assert_int_equal(p->props.bekostiging, GW_BEK_TAAK);
    assert_false(p->props.set & GW_REG_P_EENHEID);
    assert_int_equal(p->props.frequenties, gw_reg_code_bit(gw_reg_frequenties, "2") |
                                               gw_reg_code_bit(gw_reg_frequenties, "4"));
    assert_true(p->props.verwijzers & gw_reg_code_bit(gw_reg_verwijzers, "08"));
    assert_false(p->props.verwijzers & gw_reg_code_bit(gw_reg_verwijzers, "06"));

    p = gw_register_product(reg, GW_FAMILY_IJW, "45A02");
    assert_false(p->gecontracteerd);
    assert_int_equal(p->geldig.to, s_day("2025-06-30"));
    /* Inspanningsgericht default units. */
    assert_int_equal(p->props.eenheden, gw_reg_code_bit(gw_reg_eenheden, "01") |
                                            gw_reg_code_bit(gw_reg_eenheden, "04") |
                                            gw_reg_code_bit(gw_reg_eenheden, "14") |
                                            gw_reg_code_bit(gw_reg_eenheden, "16") |
                                            gw_reg_code_bit(gw_reg_eenheden, "84"));

    /* A wmo code is looked up under wmo only. */
    assert_non_null(gw_register_product(reg, GW_FAMILY_IWMO, "02A01"));
    assert_null(gw_register_product(reg, GW_FAMILY_IJW, "02A01"));
    assert_null(gw_register_product(reg, GW_FAMILY_IJW, "99X99"));
    assert_non_null(gw_register_categorie(reg, GW_FAMILY_IJW, "46"));
    assert_null(gw_register_categorie(reg, GW_FAMILY_IJW, "43"));

    assert_int_equal(gw_register_severity(reg, GW_CR_TAAKGERICHT), GW_SEV_WARN);
    assert_int_equal(gw_register_severity(reg, GW_CR_LEEFTIJD), GW_SEV_OFF);
    assert_int_equal(gw_register_severity(reg, GW_CR_CONTRACT), GW_SEV_REJECT);
    assert_int_equal(gw_register_severity(reg, GW_CR_ONDERAANNEMER), GW_SEV_ROUTE);
    gw_register_destroy(&reg);
    assert_null(reg);
}

static void
test_register_good_contracts_and_tariffs(void **state)
{
    (void)state;
    gw_register_t *reg = s_good_reg();
    const gw_reg_aanbieder_t *a = gw_register_aanbieder(reg, "12345678");
    const gw_reg_product_t *p44 = gw_register_product(reg, GW_FAMILY_IJW, "44A01");
    const gw_reg_product_t *p46 = gw_register_product(reg, GW_FAMILY_IJW, "46A01");
    const gw_reg_product_t *p45 = gw_register_product(reg, GW_FAMILY_IJW, "45A01");
    assert_non_null(a);
    assert_null(a->hoofdaannemer);
    /* contract = 2 takes the register's periode. */
    assert_non_null(gw_register_contract(a, p44->segment, s_day("2025-03-01"), "0384", "44A01"));
    assert_null(gw_register_contract(a, p44->segment, s_day("2028-01-01"), "0384", "44A01"));
    assert_null(gw_register_contract(a, p44->segment, s_day("2024-12-31"), "0384", "44A01"));
    /* Segment 5 only for 0363, only in 2025. */
    assert_non_null(gw_register_contract(a, p46->segment, s_day("2025-03-01"), "0363", "46A01"));
    assert_null(gw_register_contract(a, p46->segment, s_day("2025-03-01"), "0384", "46A01"));
    assert_null(gw_register_contract(a, p46->segment, s_day("2026-03-01"), "0363", "46A01"));
    /* Segment 4 for two products, taakgericht. */
    const gw_reg_contract_t *c =
        gw_register_contract(a, p45->segment, s_day("2030-01-01"), "0363", "45A01");
    assert_non_null(c);
    assert_int_equal(c->bekostiging, GW_BEK_TAAK);
    assert_null(gw_register_contract(a, p45->segment, s_day("2030-01-01"), "0363", "45A09"));

    /* Onderaannemer. */
    const gw_reg_aanbieder_t *o = gw_register_aanbieder(reg, "87654321");
    assert_non_null(o);
    assert_ptr_equal(o->hoofdaannemer, a);
    assert_null(gw_register_aanbieder(reg, "11111111"));

    /* Tariffs: the aanbieder's own first, then the product's, by date. */
    int64_t t = 0;
    assert_true(gw_register_tarief(a, p44, s_day("2025-02-01"), &t));
    assert_int_equal(t, 16000);
    assert_true(gw_register_tarief(a, p44, s_day("2025-09-01"), &t));
    assert_int_equal(t, 15000);
    assert_true(gw_register_tarief(NULL, p44, s_day("2026-09-01"), &t));
    assert_int_equal(t, 15450);
    assert_false(gw_register_tarief(NULL, p44, s_day("2024-09-01"), &t));
    assert_false(gw_register_tarief(a, p46, s_day("2025-09-01"), &t));
    gw_register_destroy(&reg);
}

static void
test_register_good_gemeenten(void **state)
{
    (void)state;
    gw_register_t *reg = s_good_reg();
    assert_true(gw_register_in_scope(reg, "0363"));
    assert_true(gw_register_in_scope(reg, "0384"));
    assert_false(gw_register_in_scope(reg, "0599"));
    assert_int_equal(gw_register_gemeente_known(reg, "0363", s_day("2025-01-01")), 1);
    assert_int_equal(gw_register_gemeente_known(reg, "9999", s_day("2025-01-01")), 0);
    /* Periods of validity around a herindeling. */
    assert_int_equal(gw_register_gemeente_known(reg, "1959", s_day("2018-12-31")), 0);
    assert_int_equal(gw_register_gemeente_known(reg, "1959", s_day("2019-01-01")), 1);
    assert_int_equal(gw_register_gemeente_known(reg, "0738", s_day("2018-12-31")), 1);
    assert_int_equal(gw_register_gemeente_known(reg, "0738", s_day("2019-01-01")), 0);
    gw_register_destroy(&reg);

    /* Without gemeenten and gemeentelijst: every gemeente in scope, TR378 not checkable. */
    char *err = NULL;
    reg = s_parse("register\n    naam = x\n", &err);
    assert_non_null(reg);
    assert_true(gw_register_in_scope(reg, "0599"));
    assert_int_equal(gw_register_gemeente_known(reg, "0599", 0), -1);
    gw_register_destroy(&reg);
}

/* Parse text that must be refused; check that each expected line occurs in the errors. */
static void
s_refused(const char *text, const char *const *want, size_t nwant, size_t nlines)
{
    char *err = NULL;
    gw_register_t *reg = s_parse(text, &err);
    assert_null(reg);
    assert_non_null(err);
    for (size_t i = 0; i < nwant; i++) {
        if (!strstr(err, want[i])) {
            fail_msg("expected '%s' in:\n%s", want[i], err);
        }
    }
    size_t lines = 1;
    for (const char *c = err; *c; c++) {
        lines += *c == '\n';
    }
    if (nlines && lines != nlines) {
        fail_msg("expected %zu error lines, got %zu:\n%s", nlines, lines, err);
    }
    gw_free(err);
}

static void
test_register_malformed_every_error_with_its_line(void **state)
{
    (void)state;
    static const char text[] = "register\n"                                 /* 1 */
                               "    naam = x\n"                             /* 2 */
                               "    periode = 2022-13-01..\n"               /* 3 */
                               "segment 1\n"                                /* 4 */
                               "    bekostiging = lumpsum\n"                /* 5 */
                               "    eenheid = 14 99\n"                      /* 6 */
                               "    max_duur = 4 weken\n"                   /* 7 */
                               "    leeftijd = 18..4\n"                     /* 8 */
                               "product 45A01\n"                            /* 9 */
                               "    categorie = 45\n"                       /* 10 */
                               "    segment = 9\n"                          /* 11 */
                               "    tarif = 100\n"                          /* 12 */
                               "    categorie = 45\n"                       /* 13 */
                               "aanbieder 1234\n"                           /* 14 */
                               "    contract = 1\n"                         /* 15 */
                               "aanbieder 12345678\n"                       /* 16 */
                               "    contract = 1 2022-01-01 gemeenten=36\n" /* 17 */
                               "    hoofdaannemer = 99999999\n"             /* 18 */
                               "sgement 4\n"                                /* 19 */
                               "regels\n"                                   /* 20 */
                               "    CR-NOPE = warn\n"                       /* 21 */
                               "    CR-DUUR = maybe\n"                      /* 22 */
                               "  = 4\n";                                   /* 23 */
    static const char *const want[] = {
        "t.register:3: periode: bad period '2022-13-01..'",
        "t.register:5: bekostiging: 'lumpsum' is not inspanningsgericht, outputgericht or "
        "taakgericht",
        "t.register:6: eenheid: '99' is not a WJ756 Eenheid code (valid: 01 04 14 16 82 83 84)",
        "t.register:7: max_duur: '4 weken' is not a duration",
        "t.register:8: leeftijd: '18..4' is not an age band",
        "t.register:11: product 45A01: unknown segment '9' (segments: 1)",
        "t.register:12: unknown key 'tarif' in section 'product' (valid: naam, bekostiging,",
        "t.register:13: 'categorie' set twice in section 'product 45A01' (first at line 10)",
        "t.register:14: bad AGB code '1234' (8 digits)",
        "t.register:17: contract: bad period '2022-01-01'",
        "t.register:18: aanbieder 12345678: hoofdaannemer 99999999 is not an aanbieder of this "
        "register",
        "t.register:19: unknown section 'sgement'",
        "t.register:21: unknown rule 'CR-NOPE' (rules: TR378, TR381, TR418, CR-PRODUCT,",
        "t.register:22: CR-DUUR: severity must be reject, warn or off",
        "t.register:23: missing key before '='",
    };
    /* Line 15 belongs to the refused section of line 14 and is not reported again. */
    s_refused(text, want, sizeof(want) / sizeof(want[0]), sizeof(want) / sizeof(want[0]));
}

static void
test_register_malformed_references(void **state)
{
    (void)state;
    static const char text[] = "register\n"                                /* 1 */
                               "    naam = x\n"                            /* 2 */
                               "segment 1\n"                               /* 3 */
                               "segment 1\n"                               /* 4 */
                               "categorie 45\n"                            /* 5 */
                               "product 45A01\n"                           /* 6 */
                               "    categorie = 45\n"                      /* 7 */
                               "    tarief = 100 2025-01-01..2025-12-31\n" /* 8 */
                               "    tarief = 110 2025-06-01..\n"           /* 9 */
                               "product 45A01\n"                           /* 10 */
                               "    categorie = 45\n"                      /* 11 */
                               "    segment = 1\n"                         /* 12 */
                               "product 45A03\n"                           /* 13 */
                               "aanbieder 11111111\n"                      /* 14 */
                               "    contract = 7\n"                        /* 15 */
                               "    tarief = 45A09 100\n"                  /* 16 */
                               "    hoofdaannemer = 11111111\n"            /* 17 */
                               "aanbieder 22222222\n"                      /* 18 */
                               "    hoofdaannemer = 33333333\n"            /* 19 */
                               "aanbieder 33333333\n"                      /* 20 */
                               "    hoofdaannemer = 44444444\n"            /* 21 */
                               "aanbieder 44444444\n"                      /* 22 */
                               "    contract = 1 producten=45A01,45A77\n"; /* 23 */
    static const char *const want[] = {
        "t.register:4: duplicate segment 1 (first at line 3)",
        "t.register:5: categorie 45: missing 'segment' (or buiten_scope = ja)",
        "t.register:9: product 45A01: tarief overlaps the one at line 8",
        "t.register:10: duplicate product 45A01 (first at line 6)",
        "t.register:13: product 45A03: missing 'categorie'",
        "t.register:15: aanbieder 11111111: contract: unknown segment '7'",
        "t.register:16: aanbieder 11111111: tarief: unknown product '45A09'",
        "t.register:17: aanbieder 11111111: cannot be its own hoofdaannemer",
        "t.register:18: aanbieder 22222222: its hoofdaannemer 33333333 is itself an onderaannemer",
        "t.register:23: aanbieder 44444444: contract: unknown product '45A77'",
    };
    s_refused(text, want, sizeof(want) / sizeof(want[0]), 0);
}

static void
test_register_malformed_missing_register(void **state)
{
    (void)state;
    static const char *const want1[] = {
        "t.register:1: key 'naam' outside a section",
        "t.register: no 'register' section",
    };
    s_refused("    naam = x\nsegment 1\n", want1, 2, 2);
    static const char *const want2[] = {"t.register:1: register: missing 'naam'"};
    s_refused("register\n    periode = 2025-01-01..\n", want2, 1, 1);
    static const char *const want3[] = {
        "t.register:2: second 'register' section (the first is at line 1)",
        "t.register:4: naam: unterminated quoted value",
        "t.register:1: register: missing 'naam'", /* line 3 was in the refused section */
    };
    s_refused("register\nregister\n    naam = ok\n    naam = \"open\n", want3, 3, 3);
}

static void
test_register_malformed_gemeentelijst(void **state)
{
    (void)state;
    char want_a[600], want_b[600];
    snprintf(want_a, sizeof(want_a), "%s/bad.list:2: '363' is not a gemeentecode (4 digits)",
             s_dir);
    snprintf(want_b, sizeof(want_b), "%s/bad.list:3: bad period '2019-13-01..'", s_dir);
    const char *const want[] = {want_a, want_b};
    s_refused("register\n    naam = x\n    gemeentelijst = bad.list\n", want, 2, 2);
    static const char *const want2[] = {"t.register:3: gemeentelijst: cannot read "};
    s_refused("register\n    naam = x\n    gemeentelijst = missing.list\n", want2, 1, 1);
}

static void
test_register_malformed_new_keys(void **state)
{
    (void)state;
    static const char text[] = "register\n"                      /* 1 */
                               "    naam = x\n"                  /* 2 */
                               "segment 1\n"                     /* 3 */
                               "    ernst = CR-DUUR\n"           /* 4 */
                               "segment 2\n"                     /* 5 */
                               "    ernst = TR378:warn\n"        /* 6 */
                               "segment 3\n"                     /* 7 */
                               "    ernst = CR-DUUR:sometimes\n" /* 8 */
                               "    specifiek = misschien\n"     /* 9 */
                               "    einddatum = ja\n"            /* 10 */
                               "    leeftijd_max_op = start\n";  /* 11 */
    static const char *const want[] = {
        "t.register:4: ernst: 'CR-DUUR' is not RULE-ID:SEVERITY",
        "t.register:6: ernst: TR378 is a rule of the whole message: set it in `regels`",
        "t.register:8: ernst: 'CR-DUUR:sometimes' is not RULE-ID:SEVERITY",
        "t.register:9: specifiek: 'misschien' is not ja or nee",
        "t.register:10: einddatum: 'ja' is not verplicht or optioneel",
        "t.register:11: leeftijd_max_op: 'start' is not ingangsdatum or einddatum",
    };
    s_refused(text, want, 6, 6);
}

static void
test_register_load_file_and_missing_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/r.register", s_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(s_good, f);
    fclose(f);
    char *err = NULL;
    gw_register_t *reg = gw_register_load(path, &err);
    if (!reg) {
        fail_msg("%s", err ? err : "?");
    }
    /* gem.list was found next to the file. */
    assert_int_equal(gw_register_gemeente_known(reg, "0384", 20000), 1);
    assert_string_equal(gw_register_file(reg), path);
    gw_register_destroy(&reg);
    unlink(path);
    reg = gw_register_load(path, &err);
    assert_null(reg);
    assert_non_null(strstr(err, ": cannot read the contract register: cannot open"));
    gw_free(err);
}

static void
test_register_rule_table_is_complete(void **state)
{
    (void)state;
    for (int i = 0; i < GW_CR_NRULES; i++) {
        assert_non_null(gw_cr_rules[i].id);
        assert_int_equal(strlen(gw_cr_rules[i].retourcode), 4);
        assert_int_equal(gw_cr_rule_by_id(gw_cr_rules[i].id), i);
    }
    assert_string_equal(gw_cr_rules[GW_CR_TR418].retourcode, "0611");
    assert_string_equal(gw_cr_rules[GW_CR_TR381].retourcode, "S329");
    assert_string_equal(gw_cr_rules[GW_CR_TR378].retourcode, "S300");
    assert_int_equal(gw_cr_rule_by_id("CR-NOPE"), GW_CR_NRULES);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_good_resolves_products, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_good_contracts_and_tariffs, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_good_gemeenten, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_malformed_every_error_with_its_line,
                                        ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_malformed_references, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_malformed_missing_register, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_malformed_gemeentelijst, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_malformed_new_keys, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_load_file_and_missing_file, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_register_rule_table_is_complete, ut_alloc_setup,
                                        ut_alloc_teardown),
    };
    return cmocka_run_group_tests_name("contract_register", tests, s_group_setup, s_group_teardown);
}
