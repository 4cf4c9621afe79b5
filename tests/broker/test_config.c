/*
 * Tests of gateway/gw_config.c: the embedded default and the shipped example
 * parse; defaults are applied; sizes and durations parse and reject garbage;
 * every class of configuration error is reported with its file and line, all
 * of them in one pass; party lookup and tap bits; `filter NAME` sections
 * (order, reserved keys, free-form options, their errors) and the chain specs
 * built from them; gw_config_load's file errors. Every test runs on cmocka's allocator, so every
 * test is a leak test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/err.h"

#include "gw_config.h"
#include "gw_store.h"
#include "unittest.h"

/* The smallest valid file: one party. */
#define ONE_PARTY "party 0363\n    kind = gemeente\n"

static gw_config_t *
s_parse(const char *text, char **err)
{
    return gw_config_parse(text, strlen(text), "t.conf", err);
}

/* Parse must fail and the error text must contain needle. */
static void
s_expect_error(const char *text, const char *needle)
{
    char *err = NULL;
    gw_config_t *cfg = s_parse(text, &err);
    assert_null(cfg);
    assert_non_null(err);
    if (!strstr(err, needle)) {
        fail_msg("expected \"%s\" in errors:\n%s", needle, err);
    }
    gw_free(err);
}

/* Parse must succeed; fails the test with the error text otherwise. */
static gw_config_t *
s_parse_ok(const char *text)
{
    char *err = NULL;
    gw_config_t *cfg = s_parse(text, &err);
    if (!cfg) {
        fail_msg("config rejected:\n%s", err ? err : "(no message)");
    }
    assert_null(err);
    return cfg;
}

static size_t
s_count_lines(const char *s)
{
    size_t n = 1;
    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/* Bit of a message type in a tap mask (its index in the registry). */
static uint32_t
s_tap_bit(const char *name)
{
    const gw_msgtype_t *t = gw_msgtype_by_name(name);
    assert_non_null(t);
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (gw_msgtype_at(i) == t) {
            return UINT32_C(1) << i;
        }
    }
    fail_msg("%s not in the registry", name);
    return 0;
}

/* Source root: $GW_SOURCE_ROOT, else $GW_FIXTURES minus "/tests/fixtures". */
static const char *
s_source_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("GW_SOURCE_ROOT");
    if (root && *root) {
        snprintf(buf, sizeof(buf), "%s/%s", root, rel);
        return buf;
    }
    const char *fx = getenv("GW_FIXTURES");
    if (!fx) {
        fail_msg("neither GW_SOURCE_ROOT nor GW_FIXTURES is set");
        return NULL;
    }
    snprintf(buf, sizeof(buf), "%s", fx);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '/') {
        buf[--n] = '\0';
    }
    const char *suffix = "/tests/fixtures";
    size_t sn = strlen(suffix);
    if (n < sn || strcmp(buf + n - sn, suffix) != 0) {
        fail_msg("GW_FIXTURES=%s does not end in %s", fx, suffix);
        return NULL;
    }
    buf[n - sn] = '\0';
    snprintf(buf + n - sn, sizeof(buf) - (n - sn), "/%s", rel);
    return buf;
}

/* Write text to a new temporary file; returns its path (static buffer). */
static const char *
s_temp_file(const char *text, size_t len)
{
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/ijwgw-test-config-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    close(fd);
    return path;
}

/* ---- the shipped configurations ---- */

static void
test_config_default_text_parses(void **state)
{
    (void)state;
    char *err = NULL;
    gw_config_t *cfg =
        gw_config_parse(gw_config_default_text, strlen(gw_config_default_text), "<default>", &err);
    if (!cfg) {
        fail_msg("default rejected:\n%s", err);
    }
    assert_string_equal(cfg->path, "<default>");
    assert_string_equal(cfg->endpoint, "tcp://127.0.0.1:5570");
    assert_string_equal(cfg->store, "/tmp/ijwgw-demo/store.db");
    assert_string_equal(cfg->store_key, "/tmp/ijwgw-demo/store.key"); /* made at first start */
    assert_string_equal(cfg->audit_log, "/tmp/ijwgw-demo/audit.log");
    assert_int_equal(cfg->nparties, 5);

    const gw_party_conf_t *a = gw_config_party(cfg, "0363");
    assert_non_null(a);
    assert_int_equal(a->kind, GW_PARTY_GEMEENTE);
    assert_string_equal(a->name, "Amsterdam");
    const gw_party_conf_t *d = gw_config_party(cfg, "0384");
    assert_non_null(d);
    assert_string_equal(d->name, "Diemen");
    assert_int_equal(gw_config_party(cfg, "42420001")->kind, GW_PARTY_AANBIEDER);
    assert_int_equal(gw_config_party(cfg, "65656055")->kind, GW_PARTY_AANBIEDER);

    const gw_party_conf_t *pl = gw_config_party(cfg, "platform");
    assert_non_null(pl);
    assert_int_equal(pl->kind, GW_PARTY_PLATFORM);
    assert_int_equal(pl->tap, s_tap_bit("JW301") | s_tap_bit("JW305") | s_tap_bit("JW307") |
                                  s_tap_bit("WMO301") | s_tap_bit("WMO305") | s_tap_bit("WMO307"));
    assert_int_equal(pl->tap_strip_freetext, 1);
    assert_int_equal(a->tap, 0);
    assert_int_equal(a->tap_strip_freetext, 0);
    gw_config_destroy(&cfg);
    assert_null(cfg);
}

static void
test_config_example_file_parses(void **state)
{
    (void)state;
    char *err = NULL;
    const char *path = s_source_path("deploy/ijwgw.conf.example");
    gw_config_t *cfg = gw_config_load(path, &err);
    if (!cfg) {
        fail_msg("example rejected:\n%s", err);
    }
    assert_string_equal(cfg->path, path);
    /* The example shows every gateway directive at its default. */
    assert_string_equal(cfg->endpoint, "tcp://127.0.0.1:5570");
    assert_string_equal(cfg->store, "/var/lib/ijwgw/store.db");
    assert_int_equal(cfg->max_message_size, 25 * 1024 * 1024);
    assert_int_equal(cfg->delivery_timeout_ms, 3 * 86400 * 1000LL);
    assert_int_equal(cfg->heartbeat_ms, 5000);
    assert_int_equal(cfg->sync_normal, 0);
    assert_int_equal(cfg->store_max_bytes, 0);
    assert_string_equal(cfg->store_key, "");
    assert_string_equal(cfg->audit_log, "");
    assert_true(cfg->nparties >= 3);
    const gw_party_conf_t *p = gw_config_party(cfg, "65656055");
    assert_non_null(p);
    assert_string_equal(p->name, "Stichting Zorg & Welzijn #2");
    p = gw_config_party(cfg, "platform");
    assert_non_null(p);
    assert_int_equal(p->kind, GW_PARTY_PLATFORM);
    assert_int_not_equal(p->tap, 0);
    gw_config_destroy(&cfg);
}

/* ---- values ---- */

static void
test_config_defaults_applied(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok(ONE_PARTY);
    assert_string_equal(cfg->path, "t.conf");
    assert_string_equal(cfg->endpoint, "tcp://127.0.0.1:5570");
    assert_string_equal(cfg->store, "/var/lib/ijwgw/store.db");
    assert_int_equal(cfg->max_message_size, 25 * 1024 * 1024);
    assert_int_equal(cfg->delivery_timeout_ms, 3 * 86400 * 1000LL);
    assert_int_equal(cfg->retry_initial_ms, 2000);
    assert_int_equal(cfg->retry_max_ms, 5 * 60 * 1000);
    assert_int_equal(cfg->queue_limit, 100000);
    assert_int_equal(cfg->inflight_limit, 256);
    assert_int_equal(cfg->heartbeat_ms, 5000);
    assert_int_equal(cfg->sync_normal, 0);
    assert_int_equal(cfg->store_max_bytes, 0);
    assert_int_equal(cfg->nparties, 1);
    assert_string_equal(cfg->parties[0].code, "0363");
    assert_string_equal(cfg->parties[0].name, "");
    assert_int_equal(cfg->parties[0].tap, 0);
    assert_int_equal(cfg->parties[0].tap_strip_freetext, 0);
    assert_int_equal(cfg->parties[0].line, 1);
    gw_config_destroy(&cfg);
}

static void
test_config_gateway_values_set(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok("gateway\n"
                                  "    endpoint = ipc:///run/ijwgw/broker.sock\n"
                                  "    store = /srv/ijwgw/q.db\n"
                                  "    max_message_size = 1K\n"
                                  "    delivery_timeout = 1h\n"
                                  "    retry_initial = 150ms\n"
                                  "    retry_max = 30s\n"
                                  "    queue_limit = 42\n"
                                  "    inflight_limit = 65536\n"
                                  "    heartbeat = 250ms\n"
                                  "    store_sync = NORMAL\n"
                                  "    store_max_size = 2G\n" ONE_PARTY);
    assert_string_equal(cfg->endpoint, "ipc:///run/ijwgw/broker.sock");
    assert_string_equal(cfg->store, "/srv/ijwgw/q.db");
    assert_int_equal(cfg->max_message_size, 1024);
    assert_int_equal(cfg->delivery_timeout_ms, 3600 * 1000);
    assert_int_equal(cfg->retry_initial_ms, 150);
    assert_int_equal(cfg->retry_max_ms, 30000);
    assert_int_equal(cfg->queue_limit, 42);
    assert_int_equal(cfg->inflight_limit, 65536);
    assert_int_equal(cfg->heartbeat_ms, 250);
    assert_int_equal(cfg->sync_normal, 1);
    assert_int_equal(cfg->store_max_bytes, 2LL * 1024 * 1024 * 1024);
    gw_config_destroy(&cfg);
}

static void
test_config_size_parses(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t v;
    } cases[] = {
        {"0", 0},
        {"1024", 1024},
        {"512K", 512 * 1024},
        {"512k", 512 * 1024},
        {"25M", 25 * 1024 * 1024},
        {"1G", 1024 * 1024 * 1024},
        {"2T", (size_t)2 << 40},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t v = 12345;
        assert_int_equal(gw_config_parse_size(cases[i].s, &v), GW_OK);
        assert_int_equal(v, cases[i].v);
    }
}

static void
test_config_size_rejects_garbage(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "K",
        "25MB",
        "25 M",
        " 25M",
        "25M ",
        "-1",
        "+1",
        "1.5M",
        "0x10",
        "25X",
        "99999999999999999999",
        "18446744073709551615K",
        "abc",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t v = 777;
        if (gw_config_parse_size(bad[i], &v) != GW_EINVAL) {
            fail_msg("size '%s' accepted", bad[i]);
        }
        assert_int_equal(v, 777);
    }
    size_t v;
    assert_int_equal(gw_config_parse_size(NULL, &v), GW_EINVAL);
    assert_int_equal(gw_config_parse_size("1K", NULL), GW_EINVAL);
}

static void
test_config_duration_parses(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t ms;
    } cases[] = {
        {"150ms", 150},  {"0ms", 0},        {"2s", 2000}, {"5m", 300000},
        {"1h", 3600000}, {"3d", 259200000}, {"0s", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = -1;
        assert_int_equal(gw_config_parse_duration(cases[i].s, &ms), GW_OK);
        assert_int_equal(ms, cases[i].ms);
    }
}

static void
test_config_duration_rejects_garbage(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "5",
        "s",
        "5 s",
        "5S",
        "5sec",
        "5mss",
        "1.5s",
        "-1s",
        "1w",
        "ms5",
        "9223372036854775807d",
        "99999999999999999999ms",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms = 777;
        if (gw_config_parse_duration(bad[i], &ms) != GW_EINVAL) {
            fail_msg("duration '%s' accepted", bad[i]);
        }
        assert_int_equal(ms, 777);
    }
    int64_t ms;
    assert_int_equal(gw_config_parse_duration(NULL, &ms), GW_EINVAL);
    assert_int_equal(gw_config_parse_duration("1s", NULL), GW_EINVAL);
}

static void
test_config_syntax_variants_accepted(void **state)
{
    (void)state;
    /* BOM, CRLF, tabs, no blanks around '=', trailing comments, quotes. */
    gw_config_t *cfg = s_parse_ok("\xEF\xBB\xBF# comment at the top\r\n"
                                  "gateway   # trailing comment\r\n"
                                  "\tendpoint=tcp://[::1]:6000\r\n"
                                  "  # indented comment\r\n"
                                  "\r\n"
                                  "    store   =   \"/data/with space #1.db\"   # comment\r\n"
                                  "    heartbeat =1s\r\n"
                                  "party 42420001\r\n"
                                  "    kind = Aanbieder\r\n"
                                  "    name = \"Zorg \\\"Het Anker\\\" \\\\ Co\"\r\n"
                                  "party p-1_x\n"
                                  "    kind = platform\n"
                                  "    tap = jw301,WMO325  JW302\n"
                                  "    tap_strip_freetext = On");
    assert_string_equal(cfg->endpoint, "tcp://[::1]:6000");
    assert_string_equal(cfg->store, "/data/with space #1.db");
    assert_int_equal(cfg->heartbeat_ms, 1000);
    const gw_party_conf_t *p = gw_config_party(cfg, "42420001");
    assert_non_null(p);
    assert_int_equal(p->kind, GW_PARTY_AANBIEDER);
    assert_string_equal(p->name, "Zorg \"Het Anker\" \\ Co");
    assert_int_equal(p->line, 8);
    p = gw_config_party(cfg, "p-1_x");
    assert_non_null(p);
    assert_int_equal(p->tap, s_tap_bit("JW301") | s_tap_bit("WMO325") | s_tap_bit("JW302"));
    assert_int_equal(p->tap_strip_freetext, 1);
    assert_int_equal(p->line, 11);
    gw_config_destroy(&cfg);
}

static void
test_config_endpoints_accepted(void **state)
{
    (void)state;
    static const char *good[] = {
        "tcp://127.0.0.1:5570",  "tcp://*:5570",     "tcp://*:*",
        "tcp://gw.example.nl:1", "tcp://[::]:65535", "tcp://eth0:80",
        "ipc:///tmp/ijwgw.sock", "ipc://@abstract",  "inproc://broker",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "gateway\n    endpoint = %s\n" ONE_PARTY, good[i]);
        gw_config_t *cfg = s_parse_ok(text);
        assert_string_equal(cfg->endpoint, good[i]);
        gw_config_destroy(&cfg);
    }
}

static void
test_config_endpoints_rejected(void **state)
{
    (void)state;
    static const char *bad[] = {
        "tcp://127.0.0.1", "tcp://:5570",   "tcp://host:0",         "tcp://host:65536",
        "tcp://host:x",    "tcp://ho st:1", "tcp://[::1:1",         "ipc://",
        "inproc://",       "udp://h:1",     "pgm://eth0;1.2.3.4:5", "127.0.0.1:5570",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "gateway\n    endpoint = \"%s\"\n" ONE_PARTY, bad[i]);
        s_expect_error(text, "t.conf:2: endpoint: ");
    }
    /* An ipc path longer than sockaddr_un holds. */
    char text[512];
    char path[120];
    memset(path, 'a', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    snprintf(text, sizeof(text), "gateway\n    endpoint = ipc:///%s\n" ONE_PARTY, path);
    s_expect_error(text, "t.conf:2: endpoint: ipc path");
}

/* ---- errors: each class, with its line ---- */

static void
test_config_unknown_section_has_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "\nrouter\n    x = 1\n", "t.conf:4: unknown section 'router'");
}

static void
test_config_section_arguments_checked(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "gateway main\n", "t.conf:3: section 'gateway' takes no argument");
    s_expect_error(ONE_PARTY "party\n    kind = gemeente\n",
                   "t.conf:3: section 'party' needs a code");
    s_expect_error(ONE_PARTY "party 0384 0385\n    kind = gemeente\n",
                   "t.conf:3: unexpected '0385' after section 'party'");
    s_expect_error("gateway\ngateway\n" ONE_PARTY,
                   "t.conf:2: duplicate section 'gateway' (first at line 1)");
}

static void
test_config_unknown_key_lists_valid_keys(void **state)
{
    (void)state;
    s_expect_error("gateway\n    endpoint = tcp://*:1\n    endpiont = x\n" ONE_PARTY,
                   "t.conf:3: unknown key 'endpiont' in section 'gateway' (valid: endpoint, store, "
                   "max_message_size, delivery_timeout, retry_initial, retry_max, queue_limit, "
                   "inflight_limit, heartbeat, store_sync, answer_accepted, store_max_size, curve, "
                   "server_key, party_keys, http, deadlines, clock_offset, goede_vrijdag, "
                   "bevrijdingsdag, closed_days, store_key, audit_log, audit_key, node)");
    s_expect_error(ONE_PARTY "    colour = red\n",
                   "t.conf:3: unknown key 'colour' in section 'party' (valid: kind, name, tap, "
                   "tap_strip_freetext, max_message_size, rate, queue_limit)");
    /* A key of the other section gets a hint. */
    s_expect_error(ONE_PARTY "    endpoint = tcp://*:1\n", "(it belongs in 'gateway'");
}

static void
test_config_http_listener_checked(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok(ONE_PARTY);
    assert_string_equal(cfg->http, ""); /* off by default */
    gw_config_destroy(&cfg);
    static const char *const good[] = {"127.0.0.1:9464", "[::1]:9464", "localhost:0", "off"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "gateway\n    http = %s\n" ONE_PARTY, good[i]);
        cfg = s_parse_ok(text);
        assert_string_equal(cfg->http, strcmp(good[i], "off") == 0 ? "" : good[i]);
        gw_config_destroy(&cfg);
    }
    s_expect_error("gateway\n    http = 127.0.0.1\n" ONE_PARTY,
                   "t.conf:2: http: '127.0.0.1' needs a host and a port");
    s_expect_error("gateway\n    http = 127.0.0.1:65536\n" ONE_PARTY,
                   "t.conf:2: http: bad port in '127.0.0.1:65536'");
    s_expect_error("gateway\n    http = http://x:1\n" ONE_PARTY, "t.conf:2: http: bad host");
}

static void
test_config_out_of_range_has_line(void **state)
{
    (void)state;
    s_expect_error("gateway\n    max_message_size = 200M\n" ONE_PARTY,
                   "t.conf:2: max_message_size: value 200M out of range (allowed 1K..100M)");
    s_expect_error("gateway\n    max_message_size = 1023\n" ONE_PARTY,
                   "t.conf:2: max_message_size: value 1023 out of range");
    s_expect_error("gateway\n\n    inflight_limit = 0\n" ONE_PARTY,
                   "t.conf:3: inflight_limit: value 0 out of range (allowed 1..65536)");
    s_expect_error("gateway\n    inflight_limit = 65537\n" ONE_PARTY,
                   "t.conf:2: inflight_limit: value 65537 out of range");
    s_expect_error("gateway\n    heartbeat = 2h\n" ONE_PARTY,
                   "t.conf:2: heartbeat: value 2h out of range (allowed 10ms..1h)");
    s_expect_error("gateway\n    delivery_timeout = 366d\n" ONE_PARTY,
                   "t.conf:2: delivery_timeout: value 366d out of range");
}

static void
test_config_bad_size_and_duration_have_line(void **state)
{
    (void)state;
    s_expect_error("gateway\n    max_message_size = 25MB\n" ONE_PARTY,
                   "t.conf:2: max_message_size: bad size '25MB'");
    s_expect_error("gateway\n    store_max_size = lots\n" ONE_PARTY,
                   "t.conf:2: store_max_size: bad size 'lots'");
    s_expect_error("gateway\n    retry_max = 5\n" ONE_PARTY,
                   "t.conf:2: retry_max: bad duration '5'");
    s_expect_error("gateway\n    heartbeat = soon\n" ONE_PARTY,
                   "t.conf:2: heartbeat: bad duration 'soon'");
    s_expect_error("gateway\n    queue_limit = 10K\n" ONE_PARTY,
                   "t.conf:2: queue_limit: bad number '10K'");
    s_expect_error("gateway\n    store_sync = off\n" ONE_PARTY,
                   "t.conf:2: store_sync: bad value 'off' (valid: full, normal)");
}

static void
test_config_duplicate_key_has_line(void **state)
{
    (void)state;
    s_expect_error("gateway\n    store = /a\n    store = /b\n" ONE_PARTY,
                   "t.conf:3: duplicate key 'store' (first set at line 2)");
    s_expect_error(ONE_PARTY "    name = A\n    name = B\n",
                   "t.conf:4: duplicate key 'name' (first set at line 3)");
    /* Across two gateway sections the key is still a duplicate. */
    s_expect_error("gateway\n    store = /a\n" ONE_PARTY "gateway\n    store = /b\n",
                   "t.conf:6: duplicate key 'store' (first set at line 2)");
}

static void
test_config_duplicate_party_has_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "party 0384\n    kind = gemeente\n" ONE_PARTY,
                   "t.conf:5: duplicate party '0363' (first at line 1)");
}

static void
test_config_code_shape_checked_per_kind(void **state)
{
    (void)state;
    s_expect_error("party 363\n    kind = gemeente\n",
                   "t.conf:1: party '363': gemeente code must be exactly 4 digits");
    s_expect_error(ONE_PARTY "party 4242000\n    kind = aanbieder\n",
                   "t.conf:3: party '4242000': aanbieder code must be exactly 8 digits");
    s_expect_error(ONE_PARTY "party 0363\n", "t.conf:3: duplicate party");
    s_expect_error("party 0384\n    kind = aanbieder\n",
                   "t.conf:1: party '0384': aanbieder code must be exactly 8 digits");
    s_expect_error("party Platform\n    kind = platform\n",
                   "t.conf:1: party 'Platform': platform code must be 1..32 of [a-z0-9_-]");
    s_expect_error("party abcdefghijklmnopqrstuvwxyz0123456\n    kind = platform\n",
                   "t.conf:1: party 'abcdefghijklmnopqrstuvwxyz0123456': platform code");
    char text[256];
    char code[80];
    memset(code, '7', sizeof(code) - 1);
    code[sizeof(code) - 1] = '\0';
    snprintf(text, sizeof(text), "party %s\n    kind = platform\n", code);
    s_expect_error(text, "t.conf:1: party code '");
}

static void
test_config_tap_only_on_platform(void **state)
{
    (void)state;
    s_expect_error("party 0363\n    tap = JW301\n    kind = gemeente\n",
                   "t.conf:2: tap: only valid for kind platform (party '0363' is gemeente)");
    s_expect_error("party 42420001\n    kind = aanbieder\n    tap_strip_freetext = yes\n",
                   "t.conf:3: tap_strip_freetext: only valid for kind platform (party "
                   "'42420001' is aanbieder)");
}

static void
test_config_unknown_tap_type_has_line(void **state)
{
    (void)state;
    s_expect_error("party platform\n    kind = platform\n    tap = JW301 JW999\n",
                   "t.conf:3: tap: unknown message type 'JW999' (valid: JW301 JW302");
    s_expect_error("party platform\n    kind = platform\n    tap = JW301;JW305\n",
                   "t.conf:3: tap: unknown message type 'JW301;JW305'");
}

static void
test_config_key_outside_section_has_line(void **state)
{
    (void)state;
    s_expect_error("# header\n    endpoint = tcp://*:1\n" ONE_PARTY,
                   "t.conf:2: key 'endpoint' outside a section");
    s_expect_error(ONE_PARTY "name = Amsterdam\n",
                   "t.conf:3: 'name' at column 0: keys must be indented under a section");
}

static void
test_config_missing_kind_has_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "\nparty 0384\n    name = Diemen\n",
                   "t.conf:4: party '0384': missing 'kind'");
    s_expect_error(ONE_PARTY "party 0384\n    kind = stad\n",
                   "t.conf:4: kind: bad value 'stad' (valid: gemeente, aanbieder, platform)");
}

static void
test_config_no_parties_is_error(void **state)
{
    (void)state;
    s_expect_error("gateway\n    store = /x.db\n", "t.conf:2: no parties configured");
    s_expect_error("", "t.conf:1: no parties configured");
    s_expect_error("# only a comment\n\n\n", "t.conf:3: no parties configured");
}

static void
test_config_value_syntax_errors_have_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "    name = \"Amsterdam\n",
                   "t.conf:3: name: unterminated quoted value");
    s_expect_error(ONE_PARTY "    name = \"A\" B\n",
                   "t.conf:3: name: unexpected text after quoted");
    s_expect_error(ONE_PARTY "    name = \"A\\n\"\n", "t.conf:3: name: bad escape");
    s_expect_error(ONE_PARTY "    name Amsterdam\n", "t.conf:3: expected '=' after 'name'");
    s_expect_error(ONE_PARTY "    = x\n", "t.conf:3: missing key before '='");
    s_expect_error("gateway\n    store =\n" ONE_PARTY, "t.conf:2: store: must not be empty");
    s_expect_error(ONE_PARTY "    name = \"a\tb\"\n",
                   "t.conf:3: name: contains a control character");
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char text[512];
    snprintf(text, sizeof(text), ONE_PARTY "    name = %s\n", big);
    s_expect_error(text, "t.conf:3: name: too long (299 bytes, at most 127)");
    static const char nul[] = "party 0363\n    kind = gemeente\n    name = a\0b\n";
    char *err = NULL;
    assert_null(gw_config_parse(nul, sizeof(nul) - 1, "t.conf", &err));
    assert_non_null(strstr(err, "t.conf:3: NUL byte"));
    gw_free(err);
}

static void
test_config_cross_checks_have_line(void **state)
{
    (void)state;
    s_expect_error("gateway\n    retry_initial = 10m\n" ONE_PARTY,
                   "t.conf:2: retry_initial (10m) must not exceed retry_max (5m)");
    s_expect_error("gateway\n    max_message_size = 50M\n    store_max_size = 10M\n" ONE_PARTY,
                   "t.conf:3: store_max_size (10M) must be 0 (unlimited) or at least "
                   "max_message_size (50M)");
}

static void
test_config_collects_all_errors(void **state)
{
    (void)state;
    char *err = NULL;
    gw_config_t *cfg = s_parse("gateway\n"                  /* 1 */
                               "    max_message_size = 1\n" /* 2: range */
                               "    heartbeat = often\n"    /* 3: bad duration */
                               "    bogus = 1\n"            /* 4: unknown key */
                               "frobnicate\n"               /* 5: unknown section */
                               "    ignored = 1\n"          /* 6: skipped, no cascade */
                               "party 0363\n"               /* 7 */
                               "    kind = gemeente\n"      /* 8 */
                               "    tap = JW301\n"          /* 9: tap on gemeente */
                               "party 123\n"                /* 10: missing kind */
                               "party 0363\n"               /* 11: duplicate party */
                               "    kind = gemeente\n",
                               &err);
    assert_null(cfg);
    assert_non_null(err);
    static const char *lines[] = {"t.conf:2: max_message_size",
                                  "t.conf:3: heartbeat",
                                  "t.conf:4: unknown key 'bogus'",
                                  "t.conf:5: unknown section",
                                  "t.conf:9: tap: only valid",
                                  "t.conf:10: party '123': missing",
                                  "t.conf:11: duplicate party '0363' (first at line 7)"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if (!strstr(err, lines[i])) {
            fail_msg("missing \"%s\" in:\n%s", lines[i], err);
        }
    }
    if (s_count_lines(err) != sizeof(lines) / sizeof(lines[0])) {
        fail_msg("expected %zu lines, got:\n%s", sizeof(lines) / sizeof(lines[0]), err);
    }
    assert_null(strstr(err, "ignored"));
    assert_int_not_equal(err[strlen(err) - 1], '\n');
    gw_free(err);
}

static void
test_config_error_flood_is_capped(void **state)
{
    (void)state;
    size_t len = 0;
    size_t cap = 300 * 16 + 64;
    char *text = gw_malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < 300; i++) {
        len += (size_t)snprintf(text + len, cap - len, "nonsense%d\n", i);
    }
    char *err = NULL;
    assert_null(gw_config_parse(text, len, "t.conf", &err));
    assert_non_null(err);
    assert_int_equal(s_count_lines(err), 101);
    assert_non_null(strstr(err, "t.conf: 201 more errors not shown"));
    gw_free(err);
    gw_free(text);
}

static void
test_config_err_may_be_null(void **state)
{
    (void)state;
    assert_null(gw_config_parse("bogus\n", 6, "t.conf", NULL));
    assert_null(gw_config_load("/nonexistent/ijwgw.conf", NULL));
    gw_config_t *cfg = gw_config_parse(ONE_PARTY, strlen(ONE_PARTY), NULL, NULL);
    assert_non_null(cfg);
    gw_config_destroy(&cfg);
}

/* ---- filter sections ---- */

/* Three chain positions; tr056 twice, a party between them. */
static const char s_filters_text[] = ONE_PARTY          /* 1-2 */
    "filter tr056\n"                                    /* 3 */
    "filter max_products   # a plugin filter\n"         /* 4 */
    "    plugin = /usr/lib/ijwgw/plugin_example.so\n"   /* 5 */
    "    types = JW301, wmo301\n"                       /* 6 */
    "    max_products = 5\n"                            /* 7 */
    "    # a comment between options\n"                 /* 8 */
    "    note = \"a # b\"   # quoted values keep '#'\n" /* 9 */
    "party 0384\n"                                      /* 10 */
    "    kind = gemeente\n"                             /* 11 */
    "\n"                                                /* 12 */
    "filter tr056\n"                                    /* 13 */
    "\tmode=strict";                                    /* 14, no newline */

static void
test_config_filter_sections_in_file_order(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok(s_filters_text);
    assert_int_equal(cfg->nparties, 2);
    assert_int_equal(cfg->nfilters, 3);

    const gw_filter_conf_t *f = &cfg->filters[0];
    assert_string_equal(f->name, "tr056");
    assert_null(f->plugin);
    assert_int_equal(f->types, 0);
    assert_int_equal(f->nopts, 0);
    assert_int_equal(f->line, 3);

    f = &cfg->filters[1];
    assert_string_equal(f->name, "max_products");
    assert_string_equal(f->plugin, "/usr/lib/ijwgw/plugin_example.so");
    assert_int_equal(f->types, s_tap_bit("JW301") | s_tap_bit("WMO301"));
    assert_int_equal(f->line, 4);
    assert_int_equal(f->nopts, 2); /* plugin and types are not options */
    assert_string_equal(f->opts[0].key, "max_products");
    assert_string_equal(f->opts[0].value, "5");
    assert_int_equal(f->opts[0].line, 7);
    assert_string_equal(f->opts[1].key, "note");
    assert_string_equal(f->opts[1].value, "a # b");
    assert_int_equal(f->opts[1].line, 9);

    f = &cfg->filters[2];
    assert_string_equal(f->name, "tr056");
    assert_null(f->plugin);
    assert_int_equal(f->types, 0);
    assert_int_equal(f->line, 13);
    assert_int_equal(f->nopts, 1);
    assert_string_equal(f->opts[0].key, "mode");
    assert_string_equal(f->opts[0].value, "strict");
    assert_int_equal(f->opts[0].line, 14);
    gw_config_destroy(&cfg);
    assert_null(cfg);
}

static void
test_config_no_filter_sections_is_empty_chain(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok(ONE_PARTY);
    assert_int_equal(cfg->nfilters, 0);
    assert_null(cfg->filters);
    gw_config_chain_specs(cfg, NULL); /* nothing to write; must not crash */
    gw_config_destroy(&cfg);
}

static void
test_config_filter_options_grow(void **state)
{
    (void)state;
    /* More options than the first allocation holds; all types spelled out. */
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof(text), ONE_PARTY "filter many\n    types =");
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        o += (size_t)snprintf(text + o, sizeof(text) - o, " %s", gw_msgtype_at(i)->name);
    }
    o += (size_t)snprintf(text + o, sizeof(text) - o, "\n");
    for (int i = 0; i < 20; i++) {
        o += (size_t)snprintf(text + o, sizeof(text) - o, "    opt_%d = value %d\n", i, i);
    }
    for (int i = 0; i < 9; i++) {
        o += (size_t)snprintf(text + o, sizeof(text) - o, "filter f%d\n", i);
    }
    assert_true(o < sizeof(text));
    gw_config_t *cfg = s_parse_ok(text);
    assert_int_equal(cfg->nfilters, 10);
    const gw_filter_conf_t *f = &cfg->filters[0];
    uint32_t all = gw_msgtype_count() >= 32 ? UINT32_MAX : (UINT32_C(1) << gw_msgtype_count()) - 1;
    assert_int_equal(f->types, all);
    assert_int_equal(f->nopts, 20);
    for (size_t i = 0; i < 20; i++) {
        char key[16];
        char val[16];
        snprintf(key, sizeof(key), "opt_%zu", i);
        snprintf(val, sizeof(val), "value %zu", i);
        assert_string_equal(f->opts[i].key, key);
        assert_string_equal(f->opts[i].value, val);
        assert_int_equal(f->opts[i].line, (int)(5 + i));
    }
    assert_string_equal(cfg->filters[9].name, "f8");
    gw_config_destroy(&cfg);
}

static void
test_config_chain_specs_borrow_from_config(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok(s_filters_text);
    gw_chain_spec_t specs[3];
    memset(specs, 0xa5, sizeof(specs));
    gw_config_chain_specs(cfg, specs);
    for (size_t i = 0; i < 3; i++) {
        const gw_filter_conf_t *f = &cfg->filters[i];
        assert_ptr_equal(specs[i].name, f->name);
        assert_ptr_equal(specs[i].plugin, f->plugin);
        assert_int_equal(specs[i].types, f->types);
        assert_ptr_equal(specs[i].opts.file, cfg->path);
        assert_ptr_equal(specs[i].opts.v, f->opts);
        assert_int_equal(specs[i].opts.n, f->nopts);
        assert_int_equal(specs[i].line, f->line);
    }
    assert_string_equal(specs[0].name, "tr056");
    assert_null(specs[0].plugin);
    assert_string_equal(specs[1].plugin, "/usr/lib/ijwgw/plugin_example.so");
    assert_string_equal(specs[1].opts.file, "t.conf");
    assert_int_equal(specs[1].opts.n, 2);
    assert_string_equal(specs[1].opts.v[0].key, "max_products");
    assert_int_equal(specs[1].opts.v[0].line, 7);
    assert_int_equal(specs[2].line, 13);
    assert_int_equal(specs[2].opts.n, 1);
    gw_config_chain_specs(NULL, specs); /* NULL-safe */
    gw_config_destroy(&cfg);
}

static void
test_config_filter_name_checked(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "filter\n    x = 1\n",
                   "t.conf:3: section 'filter' needs a name, e.g. 'filter tr056'");
    s_expect_error(ONE_PARTY "filter   # comment only\n",
                   "t.conf:3: section 'filter' needs a name");
    s_expect_error(ONE_PARTY "filter TR056\n",
                   "t.conf:3: bad filter name 'TR056' (1..32 of [a-z0-9_])");
    s_expect_error(ONE_PARTY "filter max-products\n", "t.conf:3: bad filter name 'max-products'");
    s_expect_error(ONE_PARTY "filter abcdefghijklmnopqrstuvwxyz0123456\n",
                   "t.conf:3: bad filter name 'abcdefghijklmnopqrstuvwxyz0123456'");
    s_expect_error(ONE_PARTY "filter tr056 tr057\n",
                   "t.conf:3: unexpected 'tr057' after section 'filter'");
    /* 32 bytes is the longest name. */
    gw_config_t *cfg = s_parse_ok(ONE_PARTY "filter abcdefghijklmnopqrstuvwxyz012345\n");
    assert_string_equal(cfg->filters[0].name, "abcdefghijklmnopqrstuvwxyz012345");
    gw_config_destroy(&cfg);
}

static void
test_config_filter_duplicate_key_has_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "filter f\n    limit = 1\n    other = 2\n    limit = 3\n",
                   "t.conf:6: duplicate key 'limit' (first set at line 4)");
    s_expect_error(ONE_PARTY "filter f\n    plugin = /a.so\n    plugin = /b.so\n",
                   "t.conf:5: duplicate key 'plugin' (first set at line 4)");
    s_expect_error(ONE_PARTY "filter f\n    types = JW301\n    types = JW305\n",
                   "t.conf:5: duplicate key 'types' (first set at line 4)");
    /* Keys are unique per section, not per name. */
    gw_config_t *cfg = s_parse_ok(ONE_PARTY "filter f\n    limit = 1\n    types = JW301\n"
                                            "filter f\n    limit = 2\n    types = JW305\n");
    assert_int_equal(cfg->nfilters, 2);
    assert_string_equal(cfg->filters[0].opts[0].value, "1");
    assert_string_equal(cfg->filters[1].opts[0].value, "2");
    assert_int_equal(cfg->filters[1].types, s_tap_bit("JW305"));
    gw_config_destroy(&cfg);
}

static void
test_config_filter_bad_key_has_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "filter f\n    Limit = 1\n",
                   "t.conf:4: bad key 'Limit' in section 'filter' (keys are 1..32 of [a-z0-9_])");
    s_expect_error(ONE_PARTY "filter f\n    max-products = 1\n",
                   "t.conf:4: bad key 'max-products' in section 'filter'");
    s_expect_error(ONE_PARTY "filter f\n    abcdefghijklmnopqrstuvwxyz0123456 = 1\n",
                   "t.conf:4: bad key 'abcdefghijklmnopqrstuvwxyz0123456'");
    s_expect_error(ONE_PARTY "filter f\n    limit 5\n", "t.conf:4: expected '=' after 'limit'");
    s_expect_error(ONE_PARTY "filter f\n    limit = \"5\n",
                   "t.conf:4: limit: unterminated quoted value");
    /* Unknown keys are the filter's business, not the config's. */
    gw_config_t *cfg = s_parse_ok(ONE_PARTY "filter f\n    kind = x\n    endpoint = y\n");
    assert_int_equal(cfg->filters[0].nopts, 2);
    assert_string_equal(cfg->filters[0].opts[0].key, "kind");
    gw_config_destroy(&cfg);
}

static void
test_config_filter_unknown_type_has_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "filter f\n    types = JW301 JW999\n",
                   "t.conf:4: types: unknown message type 'JW999' (valid: JW301 JW302");
    s_expect_error(ONE_PARTY "filter f\n    types = JW301;JW305\n",
                   "t.conf:4: types: unknown message type 'JW301;JW305'");
    s_expect_error(ONE_PARTY "filter f\n    types = , ,\n",
                   "t.conf:4: types: names no message type");
}

static void
test_config_filter_empty_value_has_line(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "filter f\n    limit =\n", "t.conf:4: limit: must not be empty");
    s_expect_error(ONE_PARTY "filter f\n    limit = \"\"\n", "t.conf:4: limit: must not be empty");
    s_expect_error(ONE_PARTY "filter f\n    plugin =   # none\n",
                   "t.conf:4: plugin: must not be empty");
    s_expect_error(ONE_PARTY "filter f\n    types =\n", "t.conf:4: types: must not be empty");
    s_expect_error(ONE_PARTY "filter f\n    plugin = \"/a\tb.so\"\n",
                   "t.conf:4: plugin: contains a control character");
}

static void
test_config_filter_errors_collected(void **state)
{
    (void)state;
    char *err = NULL;
    gw_config_t *cfg = s_parse(ONE_PARTY              /* 1-2 */
                               "filter ok\n"          /* 3 */
                               "    plugin = /x.so\n" /* 4: allocated, then freed */
                               "    a = 1\n"          /* 5 */
                               "    a = 2\n"          /* 6: duplicate */
                               "filter Bad\n"         /* 7: bad name */
                               "    b = 1\n"          /* 8: still checked, dropped */
                               "    B = 1\n"          /* 9: bad key */
                               "filter\n"             /* 10: missing name */
                               "    ignored = \n"     /* 11: skipped, no cascade */
                               "filter f\n"           /* 12 */
                               "    types = JW000\n"  /* 13: unknown type */
                               "    c =\n",           /* 14: empty value */
                               &err);
    assert_null(cfg);
    assert_non_null(err);
    static const char *lines[] = {
        "t.conf:6: duplicate key 'a' (first set at line 5)",
        "t.conf:7: bad filter name 'Bad'",
        "t.conf:9: bad key 'B'",
        "t.conf:10: section 'filter' needs a name",
        "t.conf:13: types: unknown message type 'JW000'",
        "t.conf:14: c: must not be empty",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if (!strstr(err, lines[i])) {
            fail_msg("missing \"%s\" in:\n%s", lines[i], err);
        }
    }
    if (s_count_lines(err) != sizeof(lines) / sizeof(lines[0])) {
        fail_msg("expected %zu lines, got:\n%s", sizeof(lines) / sizeof(lines[0]), err);
    }
    gw_free(err);
}

static void
test_config_section_errors_mention_filter(void **state)
{
    (void)state;
    s_expect_error(ONE_PARTY "router\n",
                   "t.conf:3: unknown section 'router' (valid: gateway, party CODE, filter NAME)");
    s_expect_error(ONE_PARTY "limit = 5\n", "must be indented under a section (gateway, party "
                                            "CODE, filter NAME)");
    s_expect_error("    limit = 5\n" ONE_PARTY,
                   "t.conf:1: key 'limit' outside a section (start one: gateway, party CODE, "
                   "filter NAME)");
    /* A filter section is not a party. */
    s_expect_error("filter tr056\n", "t.conf:1: no parties configured");
}

/* ---- lookups ---- */

static void
test_config_party_lookup(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok(ONE_PARTY "party 42420001\n    kind = aanbieder\n"
                                            "party platform\n    kind = platform\n");
    assert_int_equal(cfg->nparties, 3);
    const gw_party_conf_t *p = gw_config_party(cfg, "42420001");
    assert_non_null(p);
    assert_ptr_equal(p, &cfg->parties[1]);
    assert_int_equal(p->line, 3);
    assert_null(gw_config_party(cfg, "4242000"));
    assert_null(gw_config_party(cfg, "036"));
    assert_null(gw_config_party(cfg, "PLATFORM"));
    assert_null(gw_config_party(cfg, NULL));
    assert_null(gw_config_party(NULL, "0363"));
    gw_config_destroy(&cfg);
    gw_config_destroy(&cfg); /* NULL-safe */
    gw_config_destroy(NULL);
}

static void
test_config_tap_bits_follow_registry_order(void **state)
{
    (void)state;
    gw_config_t *cfg = s_parse_ok("party platform\n    kind = platform\n"
                                  "    tap = JW301 JW325 WMO301 WMO325 jw301\n");
    const gw_party_conf_t *p = gw_config_party(cfg, "platform");
    assert_non_null(p);
    uint32_t want = 0;
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        const char *n = gw_msgtype_at(i)->name;
        if (!strcmp(n, "JW301") || !strcmp(n, "JW325") || !strcmp(n, "WMO301") ||
            !strcmp(n, "WMO325")) {
            want |= UINT32_C(1) << i;
        }
    }
    assert_int_equal(p->tap, want);
    gw_config_destroy(&cfg);

    /* Every registry name is accepted; the mask has one bit per type. */
    char text[1024];
    size_t o = (size_t)snprintf(text, sizeof(text), "party all\n    kind = platform\n    tap =");
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        o += (size_t)snprintf(text + o, sizeof(text) - o, " %s", gw_msgtype_at(i)->name);
    }
    snprintf(text + o, sizeof(text) - o, "\n");
    cfg = s_parse_ok(text);
    uint32_t all = gw_msgtype_count() >= 32 ? UINT32_MAX : (UINT32_C(1) << gw_msgtype_count()) - 1;
    assert_int_equal(cfg->parties[0].tap, all);
    gw_config_destroy(&cfg);
}

/* ---- gw_config_load ---- */

static void
test_config_load_reads_file(void **state)
{
    (void)state;
    const char *path = s_temp_file(ONE_PARTY, strlen(ONE_PARTY));
    char *err = NULL;
    gw_config_t *cfg = gw_config_load(path, &err);
    unlink(path);
    if (!cfg) {
        fail_msg("%s", err);
    }
    assert_string_equal(cfg->path, path);
    assert_int_equal(cfg->nparties, 1);
    gw_config_destroy(&cfg);
}

static void
test_config_load_errors_name_the_file(void **state)
{
    (void)state;
    char *err = NULL;
    const char *text = "party 0363\n    kind = gemeente\n    tap = JW301\n";
    const char *path = s_temp_file(text, strlen(text));
    char want[512];
    snprintf(want, sizeof(want), "%s:3: tap: only valid", path);
    gw_config_t *cfg = gw_config_load(path, &err);
    unlink(path);
    assert_null(cfg);
    assert_non_null(err);
    if (!strstr(err, want)) {
        fail_msg("expected \"%s\" in:\n%s", want, err);
    }
    gw_free(err);
}

static void
test_config_load_missing_file_reports_errno(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(gw_config_load("/nonexistent/ijwgw.conf", &err));
    assert_non_null(err);
    char want[256];
    snprintf(want, sizeof(want), "/nonexistent/ijwgw.conf: cannot open: %s", strerror(ENOENT));
    assert_string_equal(err, want);
    gw_free(err);

    const char *dir = getenv("TMPDIR");
    dir = dir && *dir ? dir : "/tmp";
    assert_null(gw_config_load(dir, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, strerror(EISDIR)));
    gw_free(err);

    assert_null(gw_config_load(NULL, &err));
    assert_non_null(err);
    gw_free(err);
}

static void
test_config_load_refuses_large_file(void **state)
{
    (void)state;
    size_t len = 1024 * 1024 + 1;
    char *big = gw_malloc(len);
    assert_non_null(big);
    memset(big, '#', len);
    const char *path = s_temp_file(big, len);
    gw_free(big);
    char *err = NULL;
    gw_config_t *cfg = gw_config_load(path, &err);
    unlink(path);
    assert_null(cfg);
    assert_non_null(err);
    assert_non_null(strstr(err, "file too large"));
    gw_free(err);

    /* Exactly 1 MiB is allowed (a comment-only file with one party at the end). */
    len = 1024 * 1024;
    big = gw_malloc(len);
    assert_non_null(big);
    memset(big, '#', len);
    size_t plen = strlen("\n" ONE_PARTY);
    memcpy(big + len - plen, "\n" ONE_PARTY, plen);
    path = s_temp_file(big, len);
    gw_free(big);
    cfg = gw_config_load(path, &err);
    unlink(path);
    if (!cfg) {
        fail_msg("%s", err);
    }
    gw_config_destroy(&cfg);
}

/* ---- a PostgreSQL store (docs/scale-out.md) ---- */

#define PG_GW "gateway\n    store = postgresql://ijwgw@db.example/ijwgw\n"

static void
test_config_postgresql_store_accepted(void **state)
{
    (void)state;
    gw_config_t *cfg =
        s_parse_ok(PG_GW "    node = gw-0\n    deadlines = no\n" ONE_PARTY "filter contract\n");
    assert_string_equal(cfg->store, "postgresql://ijwgw@db.example/ijwgw");
    assert_string_equal(cfg->node, "gw-0");
    assert_true(gw_store_is_pg(cfg->store));
    gw_config_destroy(&cfg);
}

static void
test_config_postgresql_refuses_sqlite_state(void **state)
{
    (void)state;
    /* the deadline monitor is on by default */
    s_expect_error(PG_GW ONE_PARTY, "t.conf:2: deadlines: the deadline monitor needs the SQLite "
                                    "store until its state moves to PostgreSQL");
    s_expect_error(PG_GW "    deadlines = yes\n" ONE_PARTY,
                   "t.conf:3: deadlines: the deadline monitor needs the SQLite store");
    s_expect_error(PG_GW "    deadlines = no\n" ONE_PARTY "filter toewijzing\n",
                   "t.conf:6: filter 'toewijzing' keeps its state in the SQLite store and needs "
                   "it until its state moves to PostgreSQL");
    s_expect_error(PG_GW "    deadlines = no\n" ONE_PARTY "filter x\n    plugin = /a.so\n",
                   "t.conf:6: filter 'x': plugin filters may keep state in the SQLite store");
    s_expect_error(PG_GW "    deadlines = no\n    store_sync = normal\n" ONE_PARTY,
                   "t.conf:4: store_sync applies to the SQLite store only");
    s_expect_error(PG_GW "    deadlines = no\n    store_max_size = 1G\n" ONE_PARTY,
                   "t.conf:4: store_max_size applies to the SQLite store only");
    s_expect_error(PG_GW "    deadlines = no\n    node = a/b\n" ONE_PARTY,
                   "t.conf:4: node: 1..63 of [A-Za-z0-9._-]");
    /* a SQLite store keeps all of it */
    gw_config_t *cfg =
        s_parse_ok("gateway\n    store = /tmp/x.db\n" ONE_PARTY "filter toewijzing\n");
    gw_config_destroy(&cfg);
}

static void
test_config_postgresql_password_not_shown(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(gw_store_display("postgresql://u:secret@h:5432/d", buf, sizeof(buf)),
                        "postgresql://u:***@h:5432/d");
    assert_string_equal(gw_store_display("postgres://h/d?password=secret&x=1", buf, sizeof(buf)),
                        "postgres://h/d?password=***&...");
    assert_string_equal(gw_store_display("postgresql://u@h/d", buf, sizeof(buf)),
                        "postgresql://u@h/d");
    assert_string_equal(gw_store_display("/var/lib/ijwgw/store.db", buf, sizeof(buf)),
                        "/var/lib/ijwgw/store.db");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ut_alloc_setup, ut_alloc_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_config_default_text_parses),
        T(test_config_postgresql_store_accepted),
        T(test_config_postgresql_refuses_sqlite_state),
        T(test_config_postgresql_password_not_shown),
        T(test_config_example_file_parses),
        T(test_config_defaults_applied),
        T(test_config_gateway_values_set),
        T(test_config_size_parses),
        T(test_config_size_rejects_garbage),
        T(test_config_duration_parses),
        T(test_config_duration_rejects_garbage),
        T(test_config_syntax_variants_accepted),
        T(test_config_endpoints_accepted),
        T(test_config_endpoints_rejected),
        T(test_config_unknown_section_has_line),
        T(test_config_section_arguments_checked),
        T(test_config_unknown_key_lists_valid_keys),
        T(test_config_http_listener_checked),
        T(test_config_out_of_range_has_line),
        T(test_config_bad_size_and_duration_have_line),
        T(test_config_duplicate_key_has_line),
        T(test_config_duplicate_party_has_line),
        T(test_config_code_shape_checked_per_kind),
        T(test_config_tap_only_on_platform),
        T(test_config_unknown_tap_type_has_line),
        T(test_config_key_outside_section_has_line),
        T(test_config_missing_kind_has_line),
        T(test_config_no_parties_is_error),
        T(test_config_value_syntax_errors_have_line),
        T(test_config_cross_checks_have_line),
        T(test_config_collects_all_errors),
        T(test_config_error_flood_is_capped),
        T(test_config_err_may_be_null),
        T(test_config_filter_sections_in_file_order),
        T(test_config_no_filter_sections_is_empty_chain),
        T(test_config_filter_options_grow),
        T(test_config_chain_specs_borrow_from_config),
        T(test_config_filter_name_checked),
        T(test_config_filter_duplicate_key_has_line),
        T(test_config_filter_bad_key_has_line),
        T(test_config_filter_unknown_type_has_line),
        T(test_config_filter_empty_value_has_line),
        T(test_config_filter_errors_collected),
        T(test_config_section_errors_mention_filter),
        T(test_config_party_lookup),
        T(test_config_tap_bits_follow_registry_order),
        T(test_config_load_reads_file),
        T(test_config_load_errors_name_the_file),
        T(test_config_load_missing_file_reports_errno),
        T(test_config_load_refuses_large_file),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
