/*
 * Unit tests of the HTTPS edge's configuration (gateway/gw_edge_config.c):
 * defaults, exact subject matching, and a specific, line-numbered error for
 * each kind of mistake. Key files are real (gw_keys_new/gw_keys_save in a
 * temporary directory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/keys.h"

#include "gw_edge_config.h"
#include "unittest.h"

static const char s_base[] = "edge\n"
                             "    listen = 127.0.0.1:8443\n"
                             "    cert = /etc/e/server.crt\n"
                             "    key = /etc/e/server.key\n"
                             "    client_ca = /etc/e/ca.pem\n"
                             "    gateway = tcp://127.0.0.1:5570\n";

static gw_edge_config_t *
s_parse(const char *text, char **err)
{
    *err = NULL;
    return gw_edge_config_parse(text, strlen(text), "edge.conf", err);
}

/* Parsing text fails with an error containing want. */
static void
s_expect_error(const char *text, const char *want)
{
    char *err = NULL;
    gw_edge_config_t *c = s_parse(text, &err);
    assert_null(c);
    assert_non_null(err);
    if (!strstr(err, want)) {
        fail_msg("expected '%s' in:\n%s", want, err);
    }
    gw_free(err);
}

static char *
s_cat(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = gw_malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%s%s", a, b);
    return s;
}

static void
test_edge_config_defaults_and_exact_subject(void **state)
{
    (void)state;
    char *text = s_cat(s_base, "# a comment\n"
                               "party 0363\n"
                               "    subject = CN=gemeente-0363,O=Test\n"
                               "\n"
                               "party 42420001\n"
                               "    subject = CN=aanbieder,O=Test,C=NL\n");
    char *err = NULL;
    gw_edge_config_t *c = s_parse(text, &err);
    assert_null(err);
    assert_non_null(c);
    assert_string_equal(c->listen, "127.0.0.1:8443");
    assert_string_equal(c->crl, "");
    assert_string_equal(c->server_key, "");
    assert_int_equal(c->max_message_size, 25u << 20);
    assert_int_equal(c->max_connections, 64);
    assert_int_equal(c->timeout_ms, 30000);
    assert_int_equal(c->max_wait_ms, 60000);
    assert_int_equal(c->submit_timeout_ms, 30000);
    assert_int_equal(c->nparties, 2);
    const gw_edge_party_t *p = gw_edge_config_by_subject(c, "CN=gemeente-0363,O=Test");
    assert_non_null(p);
    assert_string_equal(p->code, "0363");
    assert_int_equal(p->line, 8);
    /* Exact: no case folding, no prefix, no extra spaces. */
    assert_null(gw_edge_config_by_subject(c, "cn=gemeente-0363,O=Test"));
    assert_null(gw_edge_config_by_subject(c, "CN=gemeente-0363"));
    assert_null(gw_edge_config_by_subject(c, "CN=gemeente-0363, O=Test"));
    assert_null(gw_edge_config_by_subject(c, ""));
    gw_edge_config_destroy(&c);
    assert_null(c);
    gw_free(text);
}

static void
test_edge_config_limits(void **state)
{
    (void)state;
    char *text = s_cat("edge\n"
                       "    listen = [::1]:0\n"
                       "    cert = a\n    key = b\n    client_ca = c\n    crl = d\n"
                       "    gateway = ipc:///run/ijwgw/gw.sock\n"
                       "    max_message_size = 64K\n"
                       "    max_connections = 8\n"
                       "    timeout = 500ms\n"
                       "    max_wait = 0s\n"
                       "    submit_timeout = 2m\n",
                       "party platform\n    subject = CN=p\n");
    char *err = NULL;
    gw_edge_config_t *c = s_parse(text, &err);
    assert_null(err);
    assert_non_null(c);
    assert_int_equal(c->max_message_size, 64 * 1024);
    assert_int_equal(c->max_connections, 8);
    assert_int_equal(c->timeout_ms, 500);
    assert_int_equal(c->max_wait_ms, 0);
    assert_int_equal(c->submit_timeout_ms, 120000);
    assert_string_equal(c->crl, "d");
    gw_edge_config_destroy(&c);
    gw_free(text);
}

/* Values as in ijwgw's config: a bare value ends at '#', a "quoted" one may hold it. */
static void
test_edge_config_comments_and_quoted_values(void **state)
{
    (void)state;
    char *text = s_cat("edge   # the listener\n"
                       "    listen = 127.0.0.1:8443   # loopback only\n"
                       "    cert = /etc/e/server.crt\n    key = /etc/e/server.key\n"
                       "    client_ca = \"/etc/e/ca #1.pem\"\n"
                       "    gateway = tcp://127.0.0.1:5570\n",
                       "party 0363  # Amsterdam\n"
                       "    subject = \"CN=#0403616263,O=Test\"\n");
    char *err = NULL;
    gw_edge_config_t *c = s_parse(text, &err);
    assert_null(err);
    assert_non_null(c);
    assert_string_equal(c->listen, "127.0.0.1:8443");
    assert_string_equal(c->client_ca, "/etc/e/ca #1.pem");
    assert_string_equal(c->parties[0].code, "0363");
    assert_string_equal(c->parties[0].subject, "CN=#0403616263,O=Test");
    gw_edge_config_destroy(&c);
    gw_free(text);
    text = s_cat(s_base, "party 0363\n    subject = \"CN=a\n");
    s_expect_error(text, "edge.conf:8: subject: ");
    gw_free(text);
}

static void
test_edge_config_errors_name_the_line(void **state)
{
    (void)state;
    static const char p1[] = "party 0363\n    subject = CN=a\n";
    char *t;
    s_expect_error("", "no 'edge' section");
    s_expect_error(p1, "no 'edge' section");
    s_expect_error(s_base, "no 'party' section");
    s_expect_error("edge\n    listen = 1.2.3.4:1\n", "edge.conf:1: edge: 'cert' is required");
    t = s_cat(s_base, "    bogus = 1\n");
    s_expect_error(t, "edge.conf:7: unknown key 'bogus' in the edge section");
    gw_free(t);
    t = s_cat(s_base, "    listen = 1.2.3.4:2\n");
    s_expect_error(t, "edge.conf:7: 'listen' set twice (first on line 2)");
    gw_free(t);
    t = s_cat(s_base, "    max_message_size = lots\n");
    s_expect_error(t, "edge.conf:7: max_message_size: 'lots' is not a size");
    gw_free(t);
    t = s_cat(s_base, "    timeout = 30\n");
    s_expect_error(t, "edge.conf:7: timeout: '30' is not a duration");
    gw_free(t);
    t = s_cat(s_base, "    max_connections = 0\n");
    s_expect_error(t, "edge.conf:7: max_connections: '0' is not a number between 1 and 4096");
    gw_free(t);
    t = s_cat(s_base, "    crl =\n");
    s_expect_error(t, "edge.conf:7: 'crl' needs a value");
    gw_free(t);
    t = s_cat(s_base, "frontend\n");
    s_expect_error(t, "edge.conf:7: unknown section 'frontend'");
    gw_free(t);
    t = s_cat(s_base, "edge\n");
    s_expect_error(t, "edge.conf:7: a second 'edge' section (the first is on line 1)");
    gw_free(t);
    t = s_cat(s_base, "party 03/63\n    subject = x\n");
    s_expect_error(t, "edge.conf:7: party: '03/63' is not a party code");
    gw_free(t);
    t = s_cat(s_base, "party 0363\n    key = /k\n");
    s_expect_error(t, "edge.conf:7: party 0363: 'subject' is required");
    gw_free(t);
    t = s_cat(s_base, "party 0363\n    subject = CN=a\nparty 0363\n    subject = CN=b\n");
    s_expect_error(t, "edge.conf:9: party 0363: defined twice (first on line 7)");
    gw_free(t);
    t = s_cat(s_base, "party 0363\n    subject = CN=a\nparty 0384\n    subject = CN=a\n");
    s_expect_error(t, "edge.conf:9: party 0384: the same subject as party 0363 (line 7)");
    gw_free(t);
    t = s_cat(s_base, "party 0363\n    subject = CN=a\n    key = /etc/k\n");
    s_expect_error(t, "edge.conf:7: party 0363: 'key' without the edge's server_key");
    gw_free(t);
    t = s_cat("edge\n    listen = nope\n    cert = a\n    key = b\n    client_ca = c\n"
              "    gateway = http://x\n",
              p1);
    s_expect_error(t, "edge.conf:1: edge: listen 'nope' is not host:port");
    s_expect_error(t, "edge.conf:1: edge: gateway 'http://x' is not a tcp:// or ipc:// endpoint");
    gw_free(t);
    t = s_cat(s_base, "    subject = x\n");
    s_expect_error(t, "edge.conf:7: unknown key 'subject' in the edge section");
    gw_free(t);
    s_expect_error("    listen = x\n", "edge.conf:1: 'listen' outside a section");
    s_expect_error("edge\n    listen\n", "edge.conf:2: expected 'key = value'");
}

static void
test_edge_config_curve_keys(void **state)
{
    (void)state;
    char dir[] = "/tmp/edge-conf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char key[200], pub[200], srv[200];
    snprintf(key, sizeof(key), "%s/0363.key", dir);
    snprintf(pub, sizeof(pub), "%s/0363.pub", dir);
    snprintf(srv, sizeof(srv), "%s/server.pub", dir);
    gw_keypair_t kp;
    assert_int_equal(gw_keys_new(&kp), GW_OK);
    assert_int_equal(gw_keys_save(&kp, key, pub, "0363", NULL), GW_OK);
    gw_keys_wipe(&kp);
    char text[2048];
    /* A good pair: the server's public file, the party's secret file. */
    snprintf(text, sizeof(text),
             "%s    server_key = %s\nparty 0363\n    subject = CN=a\n"
             "    key = %s\n",
             s_base, pub, key);
    char *err = NULL;
    gw_edge_config_t *c = s_parse(text, &err);
    assert_null(err);
    assert_non_null(c);
    assert_string_equal(c->parties[0].key, key);
    gw_edge_config_destroy(&c);
    /* A party without a key under CURVE. */
    snprintf(text, sizeof(text), "%s    server_key = %s\nparty 0363\n    subject = CN=a\n", s_base,
             pub);
    s_expect_error(text, "edge.conf:8: party 0363: 'key' is required when the edge has a "
                         "server_key");
    /* A public file where the secret one is needed. */
    snprintf(text, sizeof(text),
             "%s    server_key = %s\nparty 0363\n    subject = CN=a\n"
             "    key = %s\n",
             s_base, pub, pub);
    s_expect_error(text, "edge.conf:8: party 0363: key: ");
    /* A missing server key file. */
    snprintf(text, sizeof(text),
             "%s    server_key = %s\nparty 0363\n    subject = CN=a\n"
             "    key = %s\n",
             s_base, srv, key);
    s_expect_error(text, "edge.conf:1: edge: server_key: ");
    unlink(key);
    unlink(pub);
    rmdir(dir);
}

static void
test_edge_config_load_missing_file(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(gw_edge_config_load("/nonexistent/edge.conf", &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "/nonexistent/edge.conf: cannot open"));
    gw_free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edge_config_defaults_and_exact_subject, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_config_limits, ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_config_comments_and_quoted_values, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_config_errors_name_the_line, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_config_curve_keys, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_config_load_missing_file, ut_alloc_setup,
                                        ut_alloc_teardown),
    };
    return cmocka_run_group_tests_name("edge_config", tests, NULL, NULL);
}
