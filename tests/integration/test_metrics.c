/*
 * End-to-end tests of the metrics endpoint and the status server (gw_monitor.c):
 * a real ijwgw with `http = 127.0.0.1:PORT`, real parties sending a short story,
 * and /metrics scraped over a real TCP socket; then hostile and malformed HTTP.
 */
#include <math.h>
#include <netinet/tcp.h>
#include <sys/time.h>

#include "harness.h"

#define HTTP_MAX (1u << 20)

static int s_http_port;

/* ------------------------------------------------------------ a tiny HTTP client ---- */

typedef struct http_reply {
    int status; /* 0: no parsable answer */
    char *raw;  /* the whole answer (heap) */
    size_t len;
    const char *body; /* into raw */
} http_reply_t;

static void
s_reply_clear(http_reply_t *r)
{
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

static int
s_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)s_http_port);
    struct timeval tv = {.tv_sec = 15};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Read until the server closes, then parse the status line. */
static void
s_read_reply(int fd, http_reply_t *r)
{
    memset(r, 0, sizeof(*r));
    r->raw = malloc(HTTP_MAX + 1);
    assert_non_null(r->raw);
    for (;;) {
        ssize_t n = recv(fd, r->raw + r->len, HTTP_MAX - r->len, 0);
        if (n <= 0) {
            break;
        }
        r->len += (size_t)n;
        assert_true(r->len < HTTP_MAX);
    }
    r->raw[r->len] = '\0';
    close(fd);
    int st = 0;
    if (sscanf(r->raw, "HTTP/1.1 %d ", &st) == 1) {
        r->status = st;
    }
    const char *b = strstr(r->raw, "\r\n\r\n");
    r->body = b ? b + 4 : r->raw + r->len;
}

/* Send raw bytes as a request and read the answer. */
static void
s_http_raw(const char *req, size_t len, http_reply_t *r)
{
    int fd = s_connect();
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n <= 0) {
            break; /* the server may answer and close before reading it all */
        }
        off += (size_t)n;
    }
    s_read_reply(fd, r);
}

static void
s_http_get(const char *path, http_reply_t *r)
{
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: t\r\n\r\n", path);
    s_http_raw(req, (size_t)n, r);
}

/* ------------------------------------------------------------ reading the exposition ---- */

/* The value of the sample whose line starts with `series ` (name and labels exactly as
 * rendered), or -1 when absent. */
static double
s_sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, series, n) == 0 && line[n] == ' ') {
            return strtod(line + n + 1, NULL);
        }
        line = end ? end + 1 : NULL;
    }
    return -1;
}

static double
s_scrape_value(const char *series)
{
    http_reply_t r;
    s_http_get("/metrics", &r);
    assert_int_equal(r.status, 200);
    double v = s_sample(r.body, series);
    s_reply_clear(&r);
    return v;
}

/* Scrape until series has value want (snapshots are published every ~200 ms). */
static void
s_wait_sample(const char *series, double want)
{
    int64_t deadline = s_now() + 5000;
    double v = -1;
    while ((v = s_scrape_value(series)) != want && s_now() < deadline) {
        (void)s_pump_once(50);
    }
    if (v != want) {
        fail_msg("%s is %g, expected %g", series, v, want);
    }
}

/* Every sample line belongs to a metric declared before it with HELP and TYPE, counters end
 * in _total, and a histogram's buckets are cumulative with +Inf equal to _count. */
static void
s_check_exposition(const char *text)
{
    char declared[64][96];
    char types[64][16];
    size_t nd = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        assert_non_null(end); /* every line ends with a newline */
        size_t len = (size_t)(end - line);
        char buf[1024];
        assert_true(len < sizeof(buf));
        memcpy(buf, line, len);
        buf[len] = '\0';
        if (strncmp(buf, "# TYPE ", 7) == 0) {
            assert_true(nd < 64);
            assert_int_equal(sscanf(buf + 7, "%95s %15s", declared[nd], types[nd]), 2);
            if (strcmp(types[nd], "counter") == 0) {
                size_t l = strlen(declared[nd]);
                assert_true(l > 6 && strcmp(declared[nd] + l - 6, "_total") == 0);
            }
            nd++;
        } else if (buf[0] != '#') {
            char name[128];
            size_t k = strcspn(buf, "{ ");
            assert_true(k > 0 && k < sizeof(name));
            memcpy(name, buf, k);
            name[k] = '\0';
            int found = 0;
            for (size_t i = 0; i < nd && !found; i++) {
                size_t l = strlen(declared[i]);
                if (strcmp(name, declared[i]) == 0) {
                    found = 1;
                } else if (strcmp(types[i], "histogram") == 0 &&
                           strncmp(name, declared[i], l) == 0 &&
                           (strcmp(name + l, "_bucket") == 0 || strcmp(name + l, "_sum") == 0 ||
                            strcmp(name + l, "_count") == 0)) {
                    found = 1;
                }
            }
            if (!found) {
                fail_msg("sample of undeclared metric: %s", buf);
            }
            const char *sp = strrchr(buf, ' ');
            assert_non_null(sp);
            char *e = NULL;
            (void)strtod(sp + 1, &e);
            assert_true(e && *e == '\0' && e != sp + 1);
        }
        line = end + 1;
    }
}

static void
s_check_histogram(const char *text, const char *name, double want_count)
{
    char series[160];
    double prev = 0;
    const char *p = text;
    size_t nb = 0;
    snprintf(series, sizeof(series), "%s_bucket{le=\"", name);
    while ((p = strstr(p, series)) != NULL) {
        const char *sp = strchr(p, ' ');
        double v = strtod(sp + 1, NULL);
        assert_true(v >= prev); /* cumulative */
        prev = v;
        nb++;
        p = sp;
    }
    assert_true(nb >= 2);
    snprintf(series, sizeof(series), "%s_bucket{le=\"+Inf\"}", name);
    double inf = s_sample(text, series);
    snprintf(series, sizeof(series), "%s_count", name);
    double count = s_sample(text, series);
    snprintf(series, sizeof(series), "%s_sum", name);
    double sum = s_sample(text, series);
    assert_true(inf == prev);
    assert_true(count == inf);
    assert_true(count == want_count);
    assert_true(sum > 0 && isfinite(sum));
}

/* ------------------------------------------------------------ tests ---- */

static void
s_begin_http(const char *extra)
{
    s_http_port = s_free_port();
    char gw_extra[96];
    snprintf(gw_extra, sizeof(gw_extra), "    http = 127.0.0.1:%d\n", s_http_port);
    gwconf_t conf = {.gateway_extra = gw_extra, .extra = extra};
    s_begin(&conf);
    char needle[64];
    snprintf(needle, sizeof(needle), "http_listening addr=127.0.0.1:%d", s_http_port);
    assert_true(s_log_has(needle));
}

static void
test_metrics_story_is_counted_and_scraped(void **state)
{
    (void)state;
    s_begin_http("filter tr056\n");
    party_t *g = s_party("0363", 1, 0);
    party_t *a = s_party("42420001", 1, 1); /* DACKs and answers with the JW302 */
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, "DUPLICATE");
    s_submit_fixture_expect(g, "demo/jw301-bsn-elfproef.xml", GW_CMD_REJECT, "CS002");
    /* An aanbieder does not send a JW301 (message flow, spec 1.1): FORBIDDEN. */
    s_submit_fixture_expect(a, "valid/jw301.xml", GW_CMD_ERROR, "FORBIDDEN");
    size_t len = 0;
    char *xml = ut_read_fixture("valid/jw301.xml", &len);
    void *raw = s_raw("99999999");
    assert_int_equal(gw_proto_send(raw, NULL, GW_CMD_SUBMIT, "u1", NULL, xml, len, 0), GW_OK);
    s_raw_expect(raw, GW_CMD_ERROR, "UNKNOWN_PARTY", "SUBMIT from an unknown party");
    gw_free(xml);
    /* The JW302 the aanbieder answered reaches the gemeente, which DACKs it. */
    int64_t deadline = s_now() + 5000;
    while (s_count(g, GW_CMD_DELIVER, "JW302", NULL) == 0 && s_now() < deadline) {
        (void)s_pump_once(20);
    }
    assert_int_equal(s_count(g, GW_CMD_DELIVER, "JW302", NULL), 1);
    s_wait_sample("ijwgw_messages_out_total{party=\"0363\",type=\"JW302\",outcome=\"delivered\"}",
                  1);

    http_reply_t r;
    s_http_get("/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.raw, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(r.raw, "Connection: close\r\n"));
    const char *m = r.body;
    s_check_exposition(m);
    struct {
        const char *series;
        double want;
    } want[] = {
        {"ijwgw_build_info{version=\"0.1.0\",ijw=\"3.2\",iwmo=\"3.2\"}", 1},
        {"ijwgw_messages_in_total{party=\"0363\",type=\"JW301\",outcome=\"accepted\"}", 1},
        {"ijwgw_messages_in_total{party=\"0363\",type=\"JW301\",outcome=\"duplicate\"}", 1},
        {"ijwgw_messages_in_total{party=\"0363\",type=\"JW301\",outcome=\"rejected\"}", 1},
        {"ijwgw_messages_in_total{party=\"42420001\",type=\"JW302\",outcome=\"accepted\"}", 1},
        {"ijwgw_messages_in_total{party=\"42420001\",type=\"(none)\",outcome=\"refused\"}", 1},
        /* the harness's readiness probe (HELLO from "probe") and the raw SUBMIT */
        {"ijwgw_messages_in_total{party=\"(unregistered)\",type=\"(none)\",outcome=\"refused\"}",
         2},
        {"ijwgw_rejections_total{rule=\"CS002\"}", 1},
        {"ijwgw_refusals_total{code=\"FORBIDDEN\"}", 1},
        {"ijwgw_refusals_total{code=\"UNKNOWN_PARTY\"}", 2},
        {"ijwgw_messages_out_total{party=\"42420001\",type=\"JW301\",outcome=\"delivered\"}", 1},
        {"ijwgw_messages_out_total{party=\"0363\",type=\"JW302\",outcome=\"delivered\"}", 1},
        {"ijwgw_queue_backlog{party=\"0363\"}", 0},
        {"ijwgw_queue_backlog{party=\"42420001\"}", 0},
        {"ijwgw_queue_inflight{party=\"42420001\"}", 0},
        {"ijwgw_party_connected{party=\"0363\"}", 1},
        {"ijwgw_party_connected{party=\"0384\"}", 0},
        {"ijwgw_parties_connected", 2},
        {"ijwgw_dead_lettered_total", 0},
        /* tr056 judges the JW301 (not the 302, not the resend: dedup answers it first) */
        {"ijwgw_filter_verdicts_total{filter=\"tr056\",verdict=\"passed\"}", 1},
        {"ijwgw_filter_verdicts_total{filter=\"tr056\",verdict=\"rejected\"}", 0},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        double v = s_sample(m, want[i].series);
        if (v != want[i].want) {
            fprintf(stderr, "%s", m);
            fail_msg("%s = %g, expected %g", want[i].series, v, want[i].want);
        }
    }
    /* At least one DELIVER per delivered message (a resend after HELLO counts as sent). */
    assert_true(s_sample(m, "ijwgw_messages_out_total{party=\"42420001\",type=\"JW301\","
                            "outcome=\"sent\"}") >= 1);
    assert_true(s_sample(m, "ijwgw_store_bytes{file=\"db\"}") > 0);
    /* ACK latency: the two ACKs of the gemeente and the JW302's; accept -> DACK: two. */
    s_check_histogram(m, "ijwgw_ack_latency_seconds", 3);
    s_check_histogram(m, "ijwgw_delivery_latency_seconds", 2);
    /* No BSN (jw301.xml's, the rejected one's) anywhere. */
    assert_null(strstr(r.raw, "999900"));
    s_reply_clear(&r);

    /* The page's data: the same numbers. */
    s_http_get("/status.json", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.raw, "Content-Type: application/json"));
    assert_non_null(strstr(r.body, "{\"rule\":\"CS002\",\"count\":1}"));
    assert_non_null(strstr(r.body, "{\"code\":\"FORBIDDEN\",\"count\":1}"));
    assert_non_null(strstr(r.body, "\"code\":\"0363\",\"name\":\"Amsterdam\""));
    /* The deadline monitor counts; nothing is overdue a few seconds in. */
    assert_non_null(strstr(r.body, "\"overdue\":{\"available\":true,\"open\":0,\"late\":0}"));
    assert_null(strstr(r.raw, "999900"));
    s_reply_clear(&r);

    s_http_get("/status", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.raw, "Content-Type: text/html; charset=utf-8"));
    assert_non_null(strstr(r.body, "chart-flows"));
    /* self-contained: no linked style sheet, script, image or font */
    assert_null(strstr(r.body, "<link"));
    assert_null(strstr(r.body, " src="));
    assert_null(strstr(r.body, "url("));
    assert_null(strstr(r.body, "@import"));
    s_reply_clear(&r);

    s_http_get("/healthz", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok\n");
    s_reply_clear(&r);
    s_raw_close(raw);
    s_end();
}

static void
s_expect_status(const char *what, const char *req, size_t len, int status)
{
    http_reply_t r;
    s_http_raw(req, len, &r);
    if (r.status != status) {
        char head[200];
        snprintf(head, sizeof(head), "%.190s", r.raw);
        s_reply_clear(&r);
        fail_msg("%s: expected HTTP %d, got: %s", what, status, head);
    }
    assert_non_null(strstr(r.raw, "Connection: close\r\n"));
    if (status == 405) {
        assert_non_null(strstr(r.raw, "Allow: GET, HEAD\r\n"));
    }
    s_reply_clear(&r);
}

#define EXPECT(what, req, status) s_expect_status(what, req, sizeof(req) - 1, status)

static void
test_metrics_http_refuses_bad_requests(void **state)
{
    (void)state;
    s_begin_http(NULL);
    EXPECT("POST", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405);
    EXPECT("DELETE", "DELETE /status HTTP/1.1\r\nHost: x\r\n\r\n", 405);
    EXPECT("unknown path", "GET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    EXPECT("dot-dot", "GET /../metrics HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    EXPECT("garbage", "hello there\r\n\r\n", 400);
    EXPECT("no Host", "GET /metrics HTTP/1.1\r\n\r\n", 400);
    EXPECT("HTTP/2", "GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 505);
    EXPECT("absolute URI", "GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    EXPECT("bad header", "GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400);
    EXPECT("body", "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 413);
    EXPECT("chunked", "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
           413);
    EXPECT("HTTP/1.0 without Host", "GET /healthz HTTP/1.0\r\n\r\n", 200);
    EXPECT("query string", "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200);
    /* Too many header fields, a too large header block, a too long request line. */
    char big[16384];
    size_t off = (size_t)snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 100; i++) {
        off += (size_t)snprintf(big + off, sizeof(big) - off, "X-%d: y\r\n", i);
    }
    off += (size_t)snprintf(big + off, sizeof(big) - off, "\r\n");
    s_expect_status("100 headers", big, off, 431);
    off = (size_t)snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(big + off, 'a', 9000);
    off += 9000;
    off += (size_t)snprintf(big + off, sizeof(big) - off, "\r\n\r\n");
    s_expect_status("9000-byte header", big, off, 431);
    off = (size_t)snprintf(big, sizeof(big), "GET /");
    memset(big + off, 'a', 3000);
    off += 3000;
    off += (size_t)snprintf(big + off, sizeof(big) - off, " HTTP/1.1\r\nHost: x\r\n\r\n");
    s_expect_status("3000-byte target", big, off, 414);
    /* HEAD: the headers of the GET, no body. */
    http_reply_t r;
    const char *head = "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    s_http_raw(head, strlen(head), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "");
    assert_null(strstr(r.raw, "Content-Length: 0\r\n"));
    s_reply_clear(&r);
    /* A client that connects and says nothing is answered 408 after the timeout, and the
     * server serves the next client afterwards. */
    int64_t t0 = s_now();
    int idle = s_connect();
    s_read_reply(idle, &r);
    int64_t waited = s_now() - t0;
    assert_int_equal(r.status, 408);
    assert_true(waited >= 4000 && waited < 9000);
    s_reply_clear(&r);
    s_http_get("/healthz", &r);
    assert_int_equal(r.status, 200);
    s_reply_clear(&r);
    /* The gateway itself is untouched. */
    assert_true(s_gw_alive());
    s_party("0363", 1, 0);
    s_submit_fixture_expect(&W.parties[0], "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_end();
}

static void
test_metrics_http_port_in_use_fails_start_clearly(void **state)
{
    (void)state;
    /* Hold a port, then configure the gateway on it: ijwgw -t accepts the config, the start
     * fails with a message naming the address. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    int port = ntohs(a.sin_port);
    char dir[] = "/tmp/ijwgw-mt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char conf[128], text[512], cmd[512];
    snprintf(conf, sizeof(conf), "%s/c.conf", dir);
    snprintf(text, sizeof(text),
             "gateway\n    endpoint = tcp://127.0.0.1:%d\n    store = %s/s.db\n"
             "    http = 127.0.0.1:%d\nparty 0363\n    kind = gemeente\n",
             s_free_port(), dir, port);
    assert_int_equal(s_write_file(conf, text), 0);
    snprintf(cmd, sizeof(cmd), "%s -c %s 2>%s/err", W.ijwgw, conf, dir);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char errf[160], buf[512] = "";
    snprintf(errf, sizeof(errf), "%s/err", dir);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    char needle[64];
    snprintf(needle, sizeof(needle), "cannot listen on 127.0.0.1:%d", port);
    if (!strstr(buf, needle)) {
        fail_msg("expected '%s' in: %s", needle, buf);
    }
    /* A bad address is a config error with its line. */
    snprintf(text, sizeof(text), "gateway\n    store = %s/s.db\n    http = 127.0.0.1\n", dir);
    assert_int_equal(s_write_file(conf, text), 0);
    snprintf(cmd, sizeof(cmd), "%s -t -c %s >%s/err 2>&1", W.ijwgw, conf, dir);
    st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    f = fopen(errf, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    if (!strstr(buf, ":3:") || !strstr(buf, "needs a host and a port")) {
        fail_msg("expected a line-numbered error for http, got: %s", buf);
    }
    close(fd);
    s_rmdir(dir);
}

/* A child process scraping for ms milliseconds: exit 0 when every answer was a 200 with a
 * complete body (plain code: no cmocka in a forked child). */
static void
s_scraper(int ms)
{
    int64_t end = s_now() + ms;
    int n = 0;
    while (s_now() < end) {
        const char *path = (n++ % 2) ? "/status.json" : "/metrics";
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons((uint16_t)s_http_port);
        char req[128];
        int len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
            send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
            _exit(2);
        }
        static char buf[1 << 20];
        size_t got = 0;
        ssize_t r;
        while ((r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0) {
            got += (size_t)r;
        }
        close(fd);
        buf[got] = '\0';
        const char *cl = strstr(buf, "Content-Length: ");
        const char *body = strstr(buf, "\r\n\r\n");
        if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0 || !cl || !body ||
            strtoul(cl + 16, NULL, 10) != got - (size_t)(body + 4 - buf)) {
            _exit(3);
        }
    }
    _exit(n > 10 ? 0 : 4);
}

static void
test_metrics_scrapes_during_traffic(void **state)
{
    (void)state;
    s_begin_http(NULL);
    party_t *g = s_party("0363", 1, 0);
    s_party("42420001", 1, 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        s_scraper(2500);
    }
    enum { N = 40 };
    for (int i = 0; i < N; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "MT%04d", i);
        size_t len = 0;
        char *xml = s_variant("valid/jw301.xml", ident, &len);
        s_submit_take_expect(g, &xml, len, GW_CMD_ACK, NULL, ident);
        (void)s_pump_once(0);
    }
    int st = 0;
    assert_int_equal(waitpid(child, &st, 0), child);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fail_msg("the scraper failed (wait status 0x%x)", (unsigned)st);
    }
    s_wait_sample("ijwgw_messages_in_total{party=\"0363\",type=\"JW301\",outcome=\"accepted\"}", N);
    s_wait_sample("ijwgw_messages_out_total{party=\"42420001\",type=\"JW301\","
                  "outcome=\"delivered\"}",
                  N);
    http_reply_t r;
    s_http_get("/metrics", &r);
    assert_int_equal(r.status, 200);
    s_check_exposition(r.body);
    s_check_histogram(r.body, "ijwgw_ack_latency_seconds", N);
    s_reply_clear(&r);
    s_end();
}

/* Start ijwgw with stderr on a file and JOURNAL_STREAM set (js NULL: the file's own
 * device:inode), wait for "ready", stop it, and return the log (heap). */
static char *
s_run_with_journal_stream(const char *dir, const char *js)
{
    char conf[160], logf[160], text[512];
    snprintf(conf, sizeof(conf), "%s/j.conf", dir);
    snprintf(logf, sizeof(logf), "%s/j.log", dir);
    snprintf(text, sizeof(text),
             "gateway\n    endpoint = tcp://127.0.0.1:%d\n    store = %s/j.db\n"
             "party 0363\n    kind = gemeente\n",
             s_free_port(), dir);
    assert_int_equal(s_write_file(conf, text), 0);
    int fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    char own[64];
    snprintf(own, sizeof(own), "%llu:%llu", (unsigned long long)sb.st_dev,
             (unsigned long long)sb.st_ino);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("JOURNAL_STREAM", js ? js : own, 1);
        if (dup2(fd, 2) < 0) {
            _exit(126);
        }
        execl(W.ijwgw, "ijwgw", "-c", conf, (char *)NULL);
        _exit(127);
    }
    close(fd);
    char *log = NULL;
    int64_t deadline = s_now() + 10000;
    for (;;) {
        FILE *f = fopen(logf, "r");
        assert_non_null(f);
        char buf[8192];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        if (strstr(buf, " ready ") || s_now() > deadline) {
            log = strdup(buf);
            break;
        }
        s_sleep_ms(20);
    }
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_non_null(log);
    return log;
}

static void
test_metrics_log_has_priority_prefix_under_journald(void **state)
{
    (void)state;
    char dir[] = "/tmp/ijwgw-mt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *log = s_run_with_journal_stream(dir, NULL);
    if (!strstr(log, "<6>") || !strstr(log, "Z INFO ready endpoint=")) {
        fail_msg("expected <6>...INFO ready lines, got:\n%s", log);
    }
    for (const char *line = log; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
        assert_true(line[0] == '<' && line[2] == '>'); /* every line has its priority */
    }
    free(log);
    /* JOURNAL_STREAM naming another file (stderr redirected by hand): no prefix. */
    log = s_run_with_journal_stream(dir, "1:2");
    assert_null(strstr(log, "<6>"));
    assert_non_null(strstr(log, " INFO ready "));
    free(log);
    s_rmdir(dir);
}

int
main(void)
{
    s_test_filter_from_env();
    const struct CMUnitTest tests[] = {
        T(test_metrics_story_is_counted_and_scraped),
        T(test_metrics_http_refuses_bad_requests),
        T(test_metrics_scrapes_during_traffic),
        T(test_metrics_http_port_in_use_fails_start_clearly),
        T(test_metrics_log_has_priority_prefix_under_journald),
    };
    return cmocka_run_group_tests_name("metrics", tests, s_group_setup, s_group_teardown);
}
