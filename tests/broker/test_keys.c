/*
 * CURVE key files (gateway/gw_keys.c), the party key registry
 * (gateway/gw_partykeys.c) and the message-flow table (gateway/gw_acl.c), with
 * real files in a temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/keys.h"

#include "gw_acl.h"
#include "gw_config.h"
#include "gw_partykeys.h"
#include "unittest.h"

static char s_dir[256];

static int
s_setup(void **state)
{
    if (ut_tmpdir(s_dir, sizeof(s_dir), "gw-keys") != 0) {
        return -1;
    }
    return ut_alloc_setup(state);
}

static int
s_teardown(void **state)
{
    ut_tree_remove(s_dir);
    return ut_alloc_teardown(state);
}

static void
s_write(const char *name, const char *text)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", s_dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(p, 0600), 0);
}

/* A new key pair saved as DIR/NAME.key + NAME.pub. */
static void
s_keygen(const char *name, gw_keypair_t *kp)
{
    char key[600], pub[600];
    snprintf(key, sizeof(key), "%s/%s.key", s_dir, name);
    snprintf(pub, sizeof(pub), "%s/%s.pub", s_dir, name);
    assert_int_equal(gw_keys_new(kp), GW_OK);
    assert_int_equal(gw_keys_save(kp, key, pub, name, NULL), GW_OK);
}

static gw_config_t *
s_config(void)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "gateway\n    curve = on\n    party_keys = %s\n"
             "party 0363\n    kind = gemeente\n"
             "party 42420001\n    kind = aanbieder\n"
             "party platform\n    kind = platform\n",
             s_dir);
    char *err = NULL;
    gw_config_t *c = gw_config_parse(text, strlen(text), "t.conf", &err);
    if (!c) {
        fail_msg("config: %s", err ? err : "?");
    }
    assert_int_equal(c->curve, 1);
    return c;
}

/* ------------------------------------------------------------ key files ---- */

static void
test_keys_save_and_load_round_trip(void **state)
{
    (void)state;
    gw_keypair_t kp, back;
    s_keygen("0363", &kp);
    assert_true(gw_keys_valid(kp.public_key));
    char path[600];
    snprintf(path, sizeof(path), "%s/0363.key", s_dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(gw_keys_load(path, &back, 1, NULL), GW_OK);
    assert_string_equal(back.public_key, kp.public_key);
    assert_string_equal(back.secret_key, kp.secret_key);
    /* A key is never overwritten. */
    char *err = NULL;
    assert_int_equal(gw_keys_save(&kp, path, NULL, "x", &err), GW_EINVAL);
    assert_non_null(strstr(err, "never overwritten"));
    gw_free(err);
    /* The .pub has no secret: fine when none is needed, an error when it is. */
    snprintf(path, sizeof(path), "%s/0363.pub", s_dir);
    assert_int_equal(gw_keys_load(path, &back, 0, NULL), GW_OK);
    assert_string_equal(back.public_key, kp.public_key);
    assert_string_equal(back.secret_key, "");
    assert_int_equal(gw_keys_load(path, &back, 1, &err), GW_EPARSE);
    assert_non_null(strstr(err, "no secret_key"));
    gw_free(err);
    char *pub = gw_keys_pub_path("/a/server.key");
    assert_string_equal(pub, "/a/server.pub");
    gw_free(pub);
    pub = gw_keys_pub_path("/a/server");
    assert_string_equal(pub, "/a/server.pub");
    gw_free(pub);
}

static void
test_keys_bad_files_name_file_and_line(void **state)
{
    (void)state;
    gw_keypair_t a, b, kp;
    assert_int_equal(gw_keys_new(&a), GW_OK);
    assert_int_equal(gw_keys_new(&b), GW_OK);
    char text[512], path[600];
    char *err = NULL;
    snprintf(path, sizeof(path), "%s/bad.key", s_dir);
    s_write("bad.key", "# c\npublic_key = tooshort\n");
    assert_int_equal(gw_keys_load(path, &kp, 0, &err), GW_EPARSE);
    assert_non_null(strstr(err, "bad.key:2: public_key is not a 40-character Z85 key"));
    gw_free(err);
    s_write("bad.key", "colour = red\n");
    assert_int_equal(gw_keys_load(path, &kp, 0, &err), GW_EPARSE);
    assert_non_null(strstr(err, "bad.key:1: unknown key 'colour'"));
    gw_free(err);
    snprintf(text, sizeof(text), "public_key = %s\nsecret_key = %s\n", a.public_key, b.secret_key);
    s_write("bad.key", text);
    assert_int_equal(gw_keys_load(path, &kp, 1, &err), GW_EPARSE);
    assert_non_null(strstr(err, "bad.key:2: secret_key does not belong to the public_key"));
    gw_free(err);
    /* A secret key others may read is refused, as ssh refuses one. */
    snprintf(text, sizeof(text), "public_key = %s\nsecret_key = %s\n", a.public_key, a.secret_key);
    s_write("bad.key", text);
    assert_int_equal(gw_keys_load(path, &kp, 1, &err), GW_OK);
    gw_keys_wipe(&kp);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(gw_keys_load(path, &kp, 1, &err), GW_EPARSE);
    assert_non_null(strstr(err, "group or others may access it (mode 640): chmod 600"));
    gw_free(err);
    snprintf(path, sizeof(path), "%s/missing.key", s_dir);
    assert_int_equal(gw_keys_load(path, &kp, 1, &err), GW_EIO);
    assert_non_null(strstr(err, "cannot open"));
    gw_free(err);
}

/* ------------------------------------------------------------ the registry ---- */

static void
test_keyring_maps_each_key_to_its_party(void **state)
{
    (void)state;
    gw_keypair_t g, g2, a, stranger;
    s_keygen("0363", &g);
    s_keygen("42420001", &a);
    assert_int_equal(gw_keys_new(&g2), GW_OK);
    assert_int_equal(gw_keys_new(&stranger), GW_OK);
    /* 0363 rolls over to a second key: both lines count. */
    char text[512];
    snprintf(text, sizeof(text), "public_key = %s\n# new key\npublic_key = %s\n", g.public_key,
             g2.public_key);
    s_write("0363.pub", text);
    gw_config_t *cfg = s_config();
    char *err = NULL;
    gw_partykeys_t *r = gw_partykeys_load(cfg, &err);
    if (!r) {
        fail_msg("%s", err ? err : "?");
    }
    assert_int_equal(gw_partykeys_count(r), 3);
    assert_int_equal(gw_partykeys_keyless(r), 1); /* platform has no .pub */
    assert_string_equal(gw_partykeys_party(r, g.public_key), "0363");
    assert_string_equal(gw_partykeys_party(r, g2.public_key), "0363");
    assert_string_equal(gw_partykeys_party(r, a.public_key), "42420001");
    assert_null(gw_partykeys_party(r, stranger.public_key));
    assert_null(gw_partykeys_party(r, ""));
    gw_partykeys_destroy(&r);
    assert_null(r);
    gw_config_destroy(&cfg);
}

static void
test_keyring_key_of_two_parties_is_an_error(void **state)
{
    (void)state;
    gw_keypair_t g;
    s_keygen("0363", &g);
    char text[256];
    snprintf(text, sizeof(text), "# copied by mistake\npublic_key = %s\n", g.public_key);
    s_write("42420001.pub", text);
    gw_config_t *cfg = s_config();
    char *err = NULL;
    assert_null(gw_partykeys_load(cfg, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "42420001.pub:2: this public key is also registered for party "
                                "0363"));
    assert_non_null(strstr(err, "0363.pub:2)"));
    gw_free(err);
    /* A broken .pub is an error too, with its line. */
    s_write("42420001.pub", "public_key = nope\n");
    assert_null(gw_partykeys_load(cfg, &err));
    assert_non_null(strstr(err, "42420001.pub:1:"));
    gw_free(err);
    gw_config_destroy(&cfg);
}

static void
test_keyring_missing_directory_is_an_error(void **state)
{
    (void)state;
    gw_config_t *cfg = s_config();
    snprintf(cfg->party_keys, sizeof(cfg->party_keys), "%s/nope", s_dir);
    char *err = NULL;
    assert_null(gw_partykeys_load(cfg, &err));
    assert_non_null(strstr(err, "party_keys"));
    assert_non_null(strstr(err, "no such directory"));
    gw_free(err);
    gw_config_destroy(&cfg);
}

static void
test_config_party_limits_parse(void **state)
{
    (void)state;
    const char *text = "party 0363\n    kind = gemeente\n    rate = 50\n"
                       "    max_message_size = 1M\n    queue_limit = 10\n";
    char *err = NULL;
    gw_config_t *c = gw_config_parse(text, strlen(text), "t.conf", &err);
    assert_non_null(c);
    assert_int_equal(c->curve, 0); /* default off; the embedded demo config turns it on */
    assert_int_equal(c->parties[0].rate, 50);
    assert_int_equal(c->parties[0].max_message_size, 1u << 20);
    assert_int_equal(c->parties[0].queue_limit, 10);
    gw_config_destroy(&c);
    c = gw_config_parse(gw_config_default_text, strlen(gw_config_default_text), "<default>", &err);
    assert_non_null(c);
    assert_int_equal(c->curve, 1);
    gw_config_destroy(&c);
    text = "gateway\n    curve = maybe\nparty 0363\n    kind = gemeente\n    rate = -1\n";
    assert_null(gw_config_parse(text, strlen(text), "t.conf", &err));
    assert_non_null(strstr(err, "t.conf:2: curve: bad value 'maybe'"));
    assert_non_null(strstr(err, "t.conf:5: rate:"));
    gw_free(err);
}

/* ------------------------------------------------------------ the message flows ---- */

static void
test_acl_follows_the_standard(void **state)
{
    (void)state;
    const gw_msgtype_t *jw301 = gw_msgtype_by_name("JW301");
    const gw_msgtype_t *wmo302 = gw_msgtype_by_name("WMO302");
    const gw_msgtype_t *jw323 = gw_msgtype_by_name("JW323");
    const gw_msgtype_t *jw325 = gw_msgtype_by_name("JW325");
    assert_true(gw_acl_may_send(GW_PARTY_GEMEENTE, jw301));
    assert_false(gw_acl_may_send(GW_PARTY_AANBIEDER, jw301));
    assert_true(gw_acl_may_receive(GW_PARTY_AANBIEDER, jw301));
    assert_false(gw_acl_may_receive(GW_PARTY_GEMEENTE, jw301));
    assert_true(gw_acl_may_send(GW_PARTY_AANBIEDER, wmo302)); /* retours flow back */
    assert_true(gw_acl_may_receive(GW_PARTY_GEMEENTE, wmo302));
    assert_true(gw_acl_may_send(GW_PARTY_AANBIEDER, jw323));
    assert_true(gw_acl_may_send(GW_PARTY_GEMEENTE, jw325));
    assert_true(gw_acl_may_receive(GW_PARTY_AANBIEDER, jw325));
    assert_false(gw_acl_may_send(GW_PARTY_AANBIEDER, NULL));
    /* Every type: one sending kind, the other receives it; a platform does neither. A
     * retour goes the opposite way of its heenbericht. */
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        const gw_msgtype_t *t = gw_msgtype_at(i);
        int g = gw_acl_may_send(GW_PARTY_GEMEENTE, t), a = gw_acl_may_send(GW_PARTY_AANBIEDER, t);
        assert_true(g != a);
        assert_true(gw_acl_may_receive(GW_PARTY_GEMEENTE, t) == a);
        assert_true(gw_acl_may_receive(GW_PARTY_AANBIEDER, t) == g);
        assert_false(gw_acl_may_send(GW_PARTY_PLATFORM, t));
        assert_false(gw_acl_may_receive(GW_PARTY_PLATFORM, t));
        const gw_msgtype_t *ans = gw_msgtype_answer(t);
        if (ans) {
            assert_true(gw_acl_may_send(GW_PARTY_GEMEENTE, ans) == a);
        }
    }
    assert_string_equal(gw_acl_kind_name(GW_PARTY_AANBIEDER), "aanbieder");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_save_and_load_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_keys_bad_files_name_file_and_line, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_keyring_maps_each_key_to_its_party, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_keyring_key_of_two_parties_is_an_error, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_keyring_missing_directory_is_an_error, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_config_party_limits_parse, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_acl_follows_the_standard, s_setup, s_teardown),
    };
    return cmocka_run_group_tests_name("keys", tests, NULL, NULL);
}
