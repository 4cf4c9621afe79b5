/*
 * Tests of encryption at rest: the key file (gateway/gw_crypt.c: create, load,
 * mode check, rotate) and AES-256-GCM sealing, alone and through the store
 * (gateway/gw_store.c): round trip, tag failure, unknown key id, rotation,
 * a payload swapped between rows, plaintext rows of an older store.
 * Real files in a mkdtemp directory, real SQLite, real OpenSSL.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <sqlite3.h> /* to tamper with a stored payload as an attacker with the file would */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_crypt.h"
#include "gw_store.h"
#include "unittest.h"

static char s_dir[256];
static int s_seq;

static const char *
s_path(char *buf, size_t cap, const char *what)
{
    snprintf(buf, cap, "%s/%s-%d", s_dir, what, ++s_seq);
    return buf;
}

static gw_keyring_t *
s_new_keys(char *path, size_t cap)
{
    char *err = NULL;
    s_path(path, cap, "keys");
    assert_int_equal(gw_keyring_create(path, &err), GW_OK);
    gw_keyring_t *kr = gw_keyring_load(path, &err);
    if (!kr) {
        fail_msg("load: %s", err ? err : "?");
    }
    return kr;
}

/* Does buf hold needle? (memmem is a GNU extension) */
static int
s_mem_has(const void *buf, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp((const char *)buf + i, needle, k) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char s_xml[] = "<Bericht><Bsn>999990019</Bsn><Commentaar>vrije tekst</Commentaar>"
                            "</Bericht>";

/* ------------------------------------------------------------ gw_crypt ---- */

static void
test_crypt_seal_open_round_trip(void **state)
{
    (void)state;
    char path[300];
    gw_keyring_t *kr = s_new_keys(path, sizeof(path));
    assert_int_equal(gw_keyring_active(kr), 1);
    assert_non_null(gw_keyring_mac(kr));
    uint8_t sealed[sizeof(s_xml) + GW_SEAL_OVERHEAD], out[sizeof(s_xml)];
    assert_int_equal(gw_keyring_seal(kr, "row 1", 5, s_xml, sizeof(s_xml), sealed), GW_OK);
    assert_int_equal(gw_sealed_key_id(sealed, sizeof(sealed)), 1);
    assert_false(s_mem_has(sealed, sizeof(sealed), "999990019")); /* not in the clear */
    size_t n = 0;
    const char *why = "x";
    assert_int_equal(gw_keyring_open(kr, "row 1", 5, sealed, sizeof(sealed), out, &n, &why), GW_OK);
    assert_int_equal(n, sizeof(s_xml));
    assert_memory_equal(out, s_xml, n);
    assert_null(why);
    /* two seals of the same text differ (random nonce) */
    uint8_t again[sizeof(sealed)];
    assert_int_equal(gw_keyring_seal(kr, "row 1", 5, s_xml, sizeof(s_xml), again), GW_OK);
    assert_memory_not_equal(again, sealed, sizeof(sealed));
    gw_keyring_destroy(&kr);
    assert_null(kr);
}

static void
test_crypt_tag_failure_on_any_flipped_byte(void **state)
{
    (void)state;
    char path[300];
    gw_keyring_t *kr = s_new_keys(path, sizeof(path));
    uint8_t sealed[sizeof(s_xml) + GW_SEAL_OVERHEAD], out[sizeof(s_xml)];
    assert_int_equal(gw_keyring_seal(kr, "a", 1, s_xml, sizeof(s_xml), sealed), GW_OK);
    /* nonce, ciphertext and tag bytes (the key id is checked separately) */
    for (size_t i = 8; i < sizeof(sealed); i++) {
        sealed[i] ^= 0x01;
        size_t n = 99;
        const char *why = NULL;
        assert_int_equal(gw_keyring_open(kr, "a", 1, sealed, sizeof(sealed), out, &n, &why),
                         GW_ECRYPTO);
        assert_int_equal(n, 0);
        assert_non_null(strstr(why, "GCM tag"));
        sealed[i] ^= 0x01;
    }
    gw_keyring_destroy(&kr);
}

static void
test_crypt_wrong_aad_fails(void **state)
{
    (void)state;
    char path[300];
    gw_keyring_t *kr = s_new_keys(path, sizeof(path));
    uint8_t sealed[sizeof(s_xml) + GW_SEAL_OVERHEAD], out[sizeof(s_xml)];
    assert_int_equal(gw_keyring_seal(kr, "msg 1", 5, s_xml, sizeof(s_xml), sealed), GW_OK);
    size_t n = 0;
    const char *why = NULL;
    assert_int_equal(gw_keyring_open(kr, "msg 2", 5, sealed, sizeof(sealed), out, &n, &why),
                     GW_ECRYPTO);
    gw_keyring_destroy(&kr);
}

static void
test_crypt_unknown_key_id_and_no_keys(void **state)
{
    (void)state;
    char path[300];
    gw_keyring_t *kr = s_new_keys(path, sizeof(path));
    uint8_t sealed[sizeof(s_xml) + GW_SEAL_OVERHEAD], out[sizeof(s_xml)];
    assert_int_equal(gw_keyring_seal(kr, "a", 1, s_xml, sizeof(s_xml), sealed), GW_OK);
    sealed[7] = 9; /* key id 9: not in the file */
    size_t n = 0;
    const char *why = NULL;
    assert_int_equal(gw_keyring_open(kr, "a", 1, sealed, sizeof(sealed), out, &n, &why), GW_EINVAL);
    assert_non_null(strstr(why, "key id"));
    assert_int_equal(gw_keyring_open(NULL, "a", 1, sealed, sizeof(sealed), out, &n, &why),
                     GW_EINVAL);
    assert_non_null(strstr(why, "no store_key"));
    /* a second, unrelated key file with the same id 1 fails the tag check */
    sealed[7] = 1;
    char path2[300];
    gw_keyring_t *other = s_new_keys(path2, sizeof(path2));
    assert_int_equal(gw_keyring_open(other, "a", 1, sealed, sizeof(sealed), out, &n, &why),
                     GW_ECRYPTO);
    gw_keyring_destroy(&other);
    gw_keyring_destroy(&kr);
}

static void
test_crypt_rotation_keeps_old_keys(void **state)
{
    (void)state;
    char path[300];
    gw_keyring_t *kr = s_new_keys(path, sizeof(path));
    uint8_t old[sizeof(s_xml) + GW_SEAL_OVERHEAD], out[sizeof(s_xml)];
    assert_int_equal(gw_keyring_seal(kr, "a", 1, s_xml, sizeof(s_xml), old), GW_OK);
    char *err = NULL;
    uint32_t id = 0;
    assert_int_equal(gw_keyring_rotate(path, &id, &err), GW_OK);
    assert_int_equal(id, 2);
    gw_keyring_t *kr2 = gw_keyring_load(path, &err);
    assert_non_null(kr2);
    assert_int_equal(gw_keyring_active(kr2), 2);
    assert_int_equal(gw_keyring_count(kr2), 2);
    assert_memory_equal(gw_keyring_mac(kr2), gw_keyring_mac(kr), GW_KEY_BYTES); /* refs stable */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    size_t n = 0;
    const char *why = NULL;
    assert_int_equal(gw_keyring_open(kr2, "a", 1, old, sizeof(old), out, &n, &why), GW_OK);
    uint8_t fresh[sizeof(old)];
    assert_int_equal(gw_keyring_seal(kr2, "a", 1, s_xml, sizeof(s_xml), fresh), GW_OK);
    assert_int_equal(gw_sealed_key_id(fresh, sizeof(fresh)), 2);
    /* the old keyring cannot read what the new key sealed */
    assert_int_equal(gw_keyring_open(kr, "a", 1, fresh, sizeof(fresh), out, &n, &why), GW_EINVAL);
    gw_keyring_destroy(&kr2);
    gw_keyring_destroy(&kr);
}

static void
test_crypt_keyfile_mode_and_syntax_checked(void **state)
{
    (void)state;
    char path[300];
    gw_keyring_t *kr = s_new_keys(path, sizeof(path));
    gw_keyring_destroy(&kr);
    char *err = NULL;
    assert_int_equal(chmod(path, 0640), 0);
    assert_null(gw_keyring_load(path, &err));
    assert_non_null(strstr(err, "group and others must have no access"));
    gw_free(err);
    err = NULL;
    assert_int_equal(chmod(path, 0600), 0);
    /* creating over an existing file is refused */
    assert_int_equal(gw_keyring_create(path, &err), GW_EIO);
    gw_free(err);
    err = NULL;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"key 1 abcd\nactive 1\n", ":1: key 1 wants 64 hex"},
        {"active 1\n", "active key 1 is not defined"},
        {"key 1 "
         "0000000000000000000000000000000000000000000000000000000000000000\n",
         "no 'active ID' line"},
        {"# c\n\nfoo bar\n", ":3: expected"},
        {"key 0 "
         "0000000000000000000000000000000000000000000000000000000000000000\n",
         ":1: key id"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char p[300];
        s_path(p, sizeof(p), "bad");
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, bad[i].text, strlen(bad[i].text)), (ssize_t)strlen(bad[i].text));
        close(fd);
        assert_null(gw_keyring_load(p, &err));
        if (!err || !strstr(err, bad[i].want)) {
            fail_msg("case %zu: want '%s' in '%s'", i, bad[i].want, err ? err : "(null)");
        }
        gw_free(err);
        err = NULL;
    }
}

static void
test_crypt_for_store_creates_only_when_allowed(void **state)
{
    (void)state;
    char key[300];
    s_path(key, sizeof(key), "k");
    gw_keyring_t *kr = NULL;
    int created = 0;
    char *err = NULL;
    assert_int_equal(gw_keyring_for_store("", 1, &kr, &created, &err), GW_OK);
    assert_null(kr);
    /* a store with sealed payloads and no key file: refused, nothing created */
    assert_int_equal(gw_keyring_for_store(key, 0, &kr, &created, &err), GW_ECONFIG);
    assert_non_null(strstr(err, "restore the key file"));
    assert_int_equal(access(key, F_OK), -1);
    gw_free(err);
    err = NULL;
    assert_int_equal(gw_keyring_for_store(key, 1, &kr, &created, &err), GW_OK);
    assert_non_null(kr);
    assert_int_equal(created, 1);
    gw_keyring_destroy(&kr);
    /* an existing key file is loaded, never replaced */
    assert_int_equal(gw_keyring_for_store(key, 1, &kr, &created, &err), GW_OK);
    assert_int_equal(created, 0);
    gw_keyring_destroy(&kr);
}

/* ------------------------------------------------------------ through the store ---- */

typedef struct seen {
    int n;
    char payload[4][256];
    size_t len[4];
    uint32_t key_id[4];
    const char *unreadable[4];
    int64_t id[4];
} seen_t;

static int
s_seen(void *arg, const gw_store_delivery_t *d)
{
    seen_t *s = arg;
    assert_true(s->n < 4);
    snprintf(s->payload[s->n], sizeof(s->payload[0]), "%.*s", (int)d->len,
             (const char *)d->payload);
    s->len[s->n] = d->len;
    s->key_id[s->n] = d->key_id;
    s->unreadable[s->n] = d->unreadable;
    s->id[s->n] = d->delivery_id;
    s->n++;
    return 0;
}

static int64_t
s_put(gw_store_t *st, const char *ident, const char *payload)
{
    gw_store_msg_t m = {.sender = "0363",
                        .recipient = "42420001",
                        .type = "JW301",
                        .afzender = "0363",
                        .ident = ident,
                        .dagtekening = "2025-01-31",
                        .payload = payload,
                        .len = strlen(payload),
                        .received_ms = 1000};
    int dup = 0;
    assert_int_equal(gw_store_begin(st), GW_OK);
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(gw_store_commit(st), GW_OK);
    return m.id;
}

static gw_store_t *
s_store(const char *db, const char *keypath)
{
    char *err = NULL;
    gw_store_opts_t o = {.sync_normal = 1};
    gw_store_t *st = gw_store_open(db, &o, &err);
    if (!st) {
        fail_msg("open: %s", err ? err : "?");
    }
    if (keypath) {
        gw_keyring_t *kr = gw_keyring_load(keypath, &err);
        assert_non_null(kr);
        gw_store_set_keys(st, &kr);
        assert_null(kr);
    }
    return st;
}

static int
s_file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return s_mem_has(buf, n, needle);
}

static void
test_store_encrypted_round_trip_and_nothing_in_the_clear(void **state)
{
    (void)state;
    char key[300], db[300];
    gw_keyring_t *kr = s_new_keys(key, sizeof(key));
    gw_keyring_destroy(&kr);
    s_path(db, sizeof(db), "store.db");
    gw_store_t *st = s_store(db, key);
    s_put(st, "1", s_xml);
    int64_t mid = s_put(st, "2", "<tap-source/>");
    assert_int_equal(gw_store_begin(st), GW_OK);
    assert_int_equal(gw_store_add_delivery(st, mid, "platform", "<stripped/>", 11, 2000), GW_OK);
    assert_int_equal(gw_store_commit(st), GW_OK);
    seen_t s = {0};
    assert_int_equal(gw_store_due(st, "42420001", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.payload[0], s_xml);
    assert_int_equal(s.key_id[0], 1);
    assert_null(s.unreadable[0]);
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_store_due(st, "platform", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.payload[0], "<stripped/>");
    gw_store_close(&st);
    assert_false(s_file_has(db, "999990019"));
    assert_false(s_file_has(db, "vrije tekst"));
    assert_false(s_file_has(db, "stripped"));
}

static void
test_store_tampered_payload_is_unreadable_not_delivered(void **state)
{
    (void)state;
    char key[300], db[300];
    gw_keyring_t *kr = s_new_keys(key, sizeof(key));
    gw_keyring_destroy(&kr);
    s_path(db, sizeof(db), "store.db");
    gw_store_t *st = s_store(db, key);
    s_put(st, "1", s_xml);
    s_put(st, "2", "<two/>");
    gw_store_close(&st);
    /* flip one ciphertext byte of message 1 */
    ut_sql_exec(db,
                "UPDATE messages SET payload = substr(payload, 1, 24) || CASE WHEN "
                "substr(payload, 25, 1) = x'00' THEN x'01' ELSE x'00' END || substr(payload, 26) "
                "WHERE id = 1");
    st = s_store(db, key);
    seen_t s = {0};
    assert_int_equal(gw_store_due(st, "42420001", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 2);
    assert_non_null(s.unreadable[0]);
    assert_non_null(strstr(s.unreadable[0], "GCM tag"));
    assert_int_equal(s.len[0], 0);
    assert_null(s.unreadable[1]);
    assert_string_equal(s.payload[1], "<two/>");
    /* the broker dead-letters it; afterwards only the good one is due */
    assert_int_equal(gw_store_begin(st), GW_OK);
    assert_int_equal(gw_store_dead_letter(st, s.id[0]), GW_OK);
    assert_int_equal(gw_store_dead_letter(st, s.id[0]), GW_EINVAL);
    assert_int_equal(gw_store_commit(st), GW_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_store_due(st, "42420001", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.payload[0], "<two/>");
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_store_dead(st, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 1);
    assert_non_null(s.unreadable[0]);
    gw_store_close(&st);
}

static void
test_store_payload_swapped_between_rows_fails(void **state)
{
    (void)state;
    char key[300], db[300];
    gw_keyring_t *kr = s_new_keys(key, sizeof(key));
    gw_keyring_destroy(&kr);
    s_path(db, sizeof(db), "store.db");
    gw_store_t *st = s_store(db, key);
    s_put(st, "1", "<one/>");
    s_put(st, "2", "<two/>");
    gw_store_close(&st);
    ut_sql_exec(db, "UPDATE messages SET payload = (SELECT payload FROM messages WHERE id = 2) "
                    "WHERE id = 1");
    st = s_store(db, key);
    seen_t s = {0};
    assert_int_equal(gw_store_due(st, "42420001", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 2);
    assert_non_null(s.unreadable[0]); /* message 2's ciphertext does not open as message 1 */
    assert_string_equal(s.payload[1], "<two/>");
    gw_store_close(&st);
}

static void
test_store_damaged_header_is_not_taken_for_plaintext(void **state)
{
    (void)state;
    char key[300], db[300];
    gw_keyring_t *kr = s_new_keys(key, sizeof(key));
    gw_keyring_destroy(&kr);
    s_path(db, sizeof(db), "store.db");
    gw_store_t *st = s_store(db, key);
    s_put(st, "1", "<one/>");
    gw_store_close(&st);
    /* the 0x00 that marks a sealed payload becomes 0x01: no longer "sealed" */
    ut_sql_exec(db, "UPDATE messages SET payload = x'01' || substr(payload, 2) WHERE id = 1");
    st = s_store(db, key);
    seen_t s = {0};
    assert_int_equal(gw_store_due(st, "42420001", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.key_id[0], 0);
    assert_non_null(s.unreadable[0]);
    assert_non_null(strstr(s.unreadable[0], "neither sealed nor XML"));
    assert_int_equal(s.len[0], 0);
    gw_store_close(&st);
}

static void
test_store_rotation_and_plaintext_rows_stay_readable(void **state)
{
    (void)state;
    char key[300], db[300];
    s_path(db, sizeof(db), "store.db");
    gw_store_t *st = s_store(db, NULL); /* an older store: no encryption */
    s_put(st, "1", "<plain/>");
    int any = -1;
    assert_int_equal(gw_store_has_sealed(st, &any), GW_OK);
    assert_int_equal(any, 0);
    gw_store_close(&st);
    gw_keyring_t *kr = s_new_keys(key, sizeof(key));
    gw_keyring_destroy(&kr);
    st = s_store(db, key);
    s_put(st, "2", "<key-one/>");
    assert_int_equal(gw_store_has_sealed(st, &any), GW_OK);
    assert_int_equal(any, 1);
    gw_store_close(&st);
    char *err = NULL;
    uint32_t id = 0;
    assert_int_equal(gw_keyring_rotate(key, &id, &err), GW_OK);
    st = s_store(db, key);
    s_put(st, "3", "<key-two/>");
    seen_t s = {0};
    assert_int_equal(gw_store_due(st, "42420001", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.payload[0], "<plain/>");
    assert_int_equal(s.key_id[0], 0);
    assert_string_equal(s.payload[1], "<key-one/>");
    assert_int_equal(s.key_id[1], 1);
    assert_string_equal(s.payload[2], "<key-two/>");
    assert_int_equal(s.key_id[2], 2);
    gw_store_close(&st);
    /* without the key file, sealed rows are reported, not handed out */
    st = s_store(db, NULL);
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_store_due(st, "42420001", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 3);
    assert_null(s.unreadable[0]);
    assert_non_null(s.unreadable[1]);
    assert_non_null(s.unreadable[2]);
    gw_store_close(&st);
}

static int
s_group_setup(void **state)
{
    (void)state;
    return ut_tmpdir(s_dir, sizeof(s_dir), "gw-crypt");
}

static int
s_group_teardown(void **state)
{
    (void)state;
    return ut_tree_remove(s_dir);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ut_alloc_setup, ut_alloc_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_crypt_seal_open_round_trip),
        T(test_crypt_tag_failure_on_any_flipped_byte),
        T(test_crypt_wrong_aad_fails),
        T(test_crypt_unknown_key_id_and_no_keys),
        T(test_crypt_rotation_keeps_old_keys),
        T(test_crypt_keyfile_mode_and_syntax_checked),
        T(test_crypt_for_store_creates_only_when_allowed),
        T(test_store_encrypted_round_trip_and_nothing_in_the_clear),
        T(test_store_tampered_payload_is_unreadable_not_delivered),
        T(test_store_payload_swapped_between_rows_fails),
        T(test_store_damaged_header_is_not_taken_for_plaintext),
        T(test_store_rotation_and_plaintext_rows_stay_readable),
    };
    return cmocka_run_group_tests_name("crypt", tests, s_group_setup, s_group_teardown);
}
