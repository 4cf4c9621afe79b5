/*
 * End-to-end tests of the HTTPS edge (ijwgw-edge, docs/edge.md): a real
 * `ijwgw` with CurveZMQ on (harness.h), a real `ijwgw-edge` ($IJWGW_EDGE) in
 * front of it, a test PKI made per test with the `openssl` command (a client
 * CA with a CRL, a server CA, a foreign CA) and `curl` as the HTTPS client.
 * Checked: submit (ACK, REJECT with its retourbericht, ERROR codes mapped to
 * HTTP statuses, oversize 413), deliveries/next and ack with at-least-once
 * redelivery, the TLS refusals (no certificate, another CA, a revoked
 * certificate), an unknown subject (403), a reload on SIGHUP and `-t`.
 * Skipped when IJWGW/IJWGW_EDGE are unset or openssl/curl are not installed.
 */
#include <stddef.h>
#include <sys/un.h>

#include "harness.h"

static struct {
    const char *exe;        /* $IJWGW_EDGE */
    pid_t pid;              /* the edge process, 0 = none */
    int port;               /* its HTTPS port */
    char conf[400];         /* its config file */
    char log[400];          /* its stdout + stderr */
    int mgr;                /* a "service manager's" notification socket, -1 = none */
    char notify[108];       /* its name ("@..."), passed as NOTIFY_SOCKET; "" = none */
    char timeout[16];       /* edge timeout, "" = 10s */
    char max_conn[16];      /* edge max_connections, "" = 64 */
    const char *curl_extra; /* more curl options for s_https, NULL = none */
    int omit_gem;           /* leave party 0363 out of the config */
    char pki[400];          /* DIR/pki */
} E;

/* The test PKI (see docs/edge.md for the same steps by hand). */
static const char s_pki_script[] =
    "set -e\n"
    "K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
    "openssl req -x509 $K -keyout ca.key -out ca.crt -subj '/O=Test/CN=Test Client CA' -days 2\n"
    "openssl req -x509 $K -keyout srvca.key -out srvca.crt -subj '/O=Test/CN=Test Server CA' "
    "-days 2\n"
    "openssl req -x509 $K -keyout otherca.key -out otherca.crt -subj '/O=Other/CN=Other CA' "
    "-days 2\n"
    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext\n"
    "openssl req $K -keyout server.key -out server.csr -subj '/O=Test/CN=localhost'\n"
    "openssl x509 -req -in server.csr -CA srvca.crt -CAkey srvca.key -CAcreateserial "
    "-out server.crt -days 2 -extfile server.ext\n"
    "issue() {\n"
    "    openssl req $K -keyout $1.key -out $1.csr -subj \"$2\"\n"
    "    openssl x509 -req -in $1.csr -CA $3.crt -CAkey $3.key -CAcreateserial -out $1.crt "
    "-days 2\n"
    "}\n"
    "issue gem '/O=Test/CN=gemeente-0363' ca\n"
    "issue aanb '/O=Test/CN=aanbieder-42420001' ca\n"
    "issue stranger '/O=Test/CN=stranger' ca\n"
    "issue revoked '/O=Test/CN=revoked-0384' ca\n"
    "issue rogue '/O=Test/CN=gemeente-0363' otherca\n" /* a known subject, the wrong CA */
    "K=\"$K -utf8\"\n"
    "issue utf8 '/O=Gemeente S\xc3\xba"
    "dwest-Frysl\xc3\xa2"
    "n/CN=sudwest' ca\n"
    ": > index.txt\n"
    "echo 01 > crlnumber\n"
    "printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\n"
    "default_md=sha256\\ndefault_crl_days=2\\n' > ca.cnf\n"
    "openssl ca -config ca.cnf -keyfile ca.key -cert ca.crt -revoke revoked.crt\n"
    "openssl ca -config ca.cnf -keyfile ca.key -cert ca.crt -gencrl -out crl.pem\n";

static int
s_have(const char *cmd)
{
    char line[200];
    snprintf(line, sizeof(line), "command -v %s >/dev/null 2>&1", cmd);
    return system(line) == 0;
}

static void
s_pki(void)
{
    snprintf(E.pki, sizeof(E.pki), "%s/pki", W.gw.dir);
    assert_int_equal(mkdir(E.pki, 0700), 0);
    char path[500], cmd[700];
    snprintf(path, sizeof(path), "%s/pki.sh", E.pki);
    assert_int_equal(s_write_file(path, s_pki_script), 0);
    snprintf(cmd, sizeof(cmd), "cd '%s' && sh pki.sh > pki.log 2>&1", E.pki);
    if (system(cmd) != 0) {
        fail_msg("the test PKI could not be made (see %s/pki.log)", E.pki);
    }
}

/* The edge config; extra_party is appended (a reload test adds one). */
static void
s_edge_conf(const char *extra_party)
{
    char text[8192], gem[600] = "";
    if (!E.omit_gem) {
        snprintf(gem, sizeof(gem),
                 "party 0363\n    subject = CN=gemeente-0363,O=Test\n    key = %s/keys/0363.key\n",
                 W.gw.dir);
    }
    snprintf(text, sizeof(text),
             "# written by tests/integration/test_edge.c\n"
             "edge\n"
             "    listen = 127.0.0.1:%d\n"
             "    cert = %s/server.crt\n"
             "    key = %s/server.key\n"
             "    client_ca = %s/ca.crt\n"
             "    crl = %s/crl.pem\n"
             "    gateway = %s\n"
             "    server_key = %s/server.pub\n"
             "    max_message_size = 64K\n"
             "    timeout = %s\n"
             "    max_wait = 20s\n"
             "    max_connections = %s\n"
             "%s"
             "party 42420001\n"
             "    subject = CN=aanbieder-42420001,O=Test\n"
             "    key = %s/keys/42420001.key\n"
             "party 0384\n"
             "    subject = CN=revoked-0384,O=Test\n"
             "    key = %s/keys/0384.key\n"
             "party 65656055\n" /* a subject outside ASCII, written as UTF-8 */
             "    subject = CN=sudwest,O=Gemeente S\xc3\xba"
             "dwest-Frysl\xc3\xa2"
             "n\n"
             "    key = %s/keys/65656055.key\n"
             "%s",
             E.port, E.pki, E.pki, E.pki, E.pki, W.gw.endpoint, W.gw.dir,
             E.timeout[0] ? E.timeout : "10s", E.max_conn[0] ? E.max_conn : "64", gem, W.gw.dir,
             W.gw.dir, W.gw.dir, extra_party ? extra_party : "");
    assert_int_equal(s_write_file(E.conf, text), 0);
}

static int
s_edge_log_has(const char *needle)
{
    FILE *f = fopen(E.log, "r");
    if (!f) {
        return 0;
    }
    char line[4096];
    int hit = 0;
    while (!hit && fgets(line, sizeof(line), f)) {
        hit = strstr(line, needle) != NULL;
    }
    fclose(f);
    return hit;
}

/* The edge's sd_notify datagrams go to an abstract unix socket of the test. */
static void
s_mgr_open(void)
{
    snprintf(E.notify, sizeof(E.notify), "@ijwgw-edge-it-%ld", (long)getpid());
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    size_t n = strlen(E.notify);
    memcpy(sa.sun_path, E.notify, n);
    sa.sun_path[0] = '\0';
    E.mgr = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(E.mgr >= 0);
    assert_int_equal(bind(E.mgr, (struct sockaddr *)&sa,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
                     0);
}

/* Wait for a notification starting with prefix (others are skipped); copied to got. */
static int
s_mgr_wait(const char *prefix, char *got, size_t cap, int timeout_ms)
{
    int64_t deadline = s_now() + timeout_ms;
    while (s_now() < deadline) {
        struct timeval tv = {0, 100 * 1000};
        setsockopt(E.mgr, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ssize_t n = recv(E.mgr, got, cap - 1, 0);
        if (n <= 0) {
            continue;
        }
        got[n] = '\0';
        if (strncmp(got, prefix, strlen(prefix)) == 0) {
            return 1;
        }
    }
    got[0] = '\0';
    return 0;
}

/* Start a CURVE gateway, make the PKI, write the config and start the edge. */
static void
s_edge_begin(void)
{
    gwconf_t c;
    memset(&c, 0, sizeof(c));
    c.curve = 1;
    s_begin(&c);
    char pub[400], text[200];
    snprintf(pub, sizeof(pub), "%s/server.pub", W.gw.dir);
    snprintf(text, sizeof(text), "# the gateway's public key\npublic_key = %s\n", W.server_pub);
    assert_int_equal(s_write_file(pub, text), 0);
    s_pki();
    E.port = s_free_port();
    snprintf(E.conf, sizeof(E.conf), "%s/edge.conf", W.gw.dir);
    snprintf(E.log, sizeof(E.log), "%s/edge.log", W.gw.dir);
    s_edge_conf(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(E.log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (fd < 0 || in < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(in, 0) < 0) {
            _exit(126);
        }
        if (E.notify[0]) {
            setenv("NOTIFY_SOCKET", E.notify, 1);
        }
        execl(E.exe, "ijwgw-edge", "-c", E.conf, (char *)NULL);
        _exit(127);
    }
    E.pid = pid;
    int64_t until = s_now() + 10000;
    while (!s_edge_log_has("edge_listening ") && s_now() < until) {
        s_sleep_ms(20);
    }
    if (!s_edge_log_has("edge_listening ")) {
        fail_msg("ijwgw-edge did not come up on port %d (log %s)", E.port, E.log);
    }
}

/* SIGTERM; returns the wait status (-1: SIGKILL was needed or it was not running). */
static int
s_edge_stop(void)
{
    if (E.pid <= 0) {
        return -1;
    }
    kill(E.pid, SIGTERM);
    int status = -1;
    int64_t until = s_now() + 10000;
    while (s_now() < until) {
        pid_t r = waitpid(E.pid, &status, WNOHANG);
        if (r == E.pid) {
            E.pid = 0;
            return status;
        }
        s_sleep_ms(20);
    }
    kill(E.pid, SIGKILL);
    waitpid(E.pid, &status, 0);
    E.pid = 0;
    return -1;
}

static void
s_edge_end(void)
{
    int status = s_edge_stop();
    if (!(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        fail_msg("ijwgw-edge did not stop cleanly on SIGTERM (status 0x%x)", (unsigned)status);
    }
    s_end();
}

/* One HTTPS request with curl. who: a certificate in the PKI ("gem"), or NULL for none.
 * body_file: POSTed as application/xml, or NULL. Returns the HTTP status (0: no
 * HTTP answer, e.g. a refused handshake); the body and headers go to out/hdrs. */
typedef struct answer {
    int status;
    char body[65536];
    char hdrs[4096];
} answer_t;

static void
s_https(const char *who, const char *method, const char *path, const char *body_file, answer_t *a)
{
    char cmd[3000], cert[1200] = "", data[600] = "", out[450], hdr[450];
    snprintf(out, sizeof(out), "%s/curl.body", W.gw.dir);
    snprintf(hdr, sizeof(hdr), "%s/curl.hdrs", W.gw.dir);
    unlink(out);
    unlink(hdr);
    if (who) {
        snprintf(cert, sizeof(cert), "--cert '%s/%s.crt' --key '%s/%s.key'", E.pki, who, E.pki,
                 who);
    }
    if (body_file) {
        snprintf(data, sizeof(data), "-H 'Content-Type: application/xml' --data-binary '@%s'",
                 body_file);
    }
    snprintf(cmd, sizeof(cmd),
             "curl -sS --max-time 30 -o '%s' -D '%s' -w '%%{http_code}' --cacert '%s/srvca.crt' "
             "%s %s -X %s %s 'https://127.0.0.1:%d%s' 2>>'%s/curl.err'",
             out, hdr, E.pki, cert, E.curl_extra ? E.curl_extra : "", method, data, E.port, path,
             W.gw.dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char code[16] = "";
    if (!fgets(code, sizeof(code), p)) {
        code[0] = '\0';
    }
    pclose(p);
    a->status = atoi(code);
    a->body[0] = a->hdrs[0] = '\0';
    FILE *f = fopen(out, "r");
    if (f) {
        size_t n = fread(a->body, 1, sizeof(a->body) - 1, f);
        a->body[n] = '\0';
        fclose(f);
    }
    f = fopen(hdr, "r");
    if (f) {
        size_t n = fread(a->hdrs, 1, sizeof(a->hdrs) - 1, f);
        a->hdrs[n] = '\0';
        fclose(f);
    }
}

/* Value of header name in a->hdrs (case as sent), "" when absent. */
static void
s_hdr(const answer_t *a, const char *name, char *out, size_t cap)
{
    char pat[80];
    snprintf(pat, sizeof(pat), "\n%s: ", name);
    out[0] = '\0';
    const char *p = strstr(a->hdrs, pat);
    if (!p) {
        return;
    }
    p += strlen(pat);
    size_t n = strcspn(p, "\r\n");
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, p, n);
    out[n] = '\0';
}

static const char *
s_fixture_path(const char *rel, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", getenv("GW_FIXTURES"), rel);
    return buf;
}

static void
test_edge_submit_deliver_ack(void **state)
{
    (void)state;
    s_edge_begin();
    char fx[600], id[80], id2[80], v[80];
    answer_t *a = gw_malloc(sizeof(*a));
    assert_non_null(a);
    /* The gemeente submits a JW301 to 42420001 over HTTPS. */
    s_https("gem", "POST", "/v1/messages", s_fixture_path("valid/jw301.xml", fx, sizeof(fx)), a);
    assert_int_equal(a->status, 202);
    assert_non_null(strstr(a->body, "\"result\":\"ACK\""));
    assert_non_null(strstr(a->body, "\"type\":\"JW301\""));
    assert_non_null(strstr(a->body, "\"msgid\":\""));
    /* The aanbieder fetches it, also over HTTPS. */
    s_https("aanb", "GET", "/v1/deliveries/next?wait=10", NULL, a);
    assert_int_equal(a->status, 200);
    s_hdr(a, "X-Delivery-Id", id, sizeof(id));
    assert_true(id[0] != '\0');
    s_hdr(a, "X-Message-Type", v, sizeof(v));
    assert_string_equal(v, "JW301");
    s_hdr(a, "X-From", v, sizeof(v));
    assert_string_equal(v, "0363");
    assert_non_null(strstr(a->body, "<jw301:Ontvanger>42420001</jw301:Ontvanger>"));
    /* Not acknowledged: at-least-once, the gateway delivers it again. */
    s_https("aanb", "GET", "/v1/deliveries/next?wait=10", NULL, a);
    assert_int_equal(a->status, 200);
    s_hdr(a, "X-Delivery-Id", id2, sizeof(id2));
    assert_string_equal(id2, id);
    /* Acknowledged: it stays away. */
    char path[200];
    snprintf(path, sizeof(path), "/v1/deliveries/%s/ack", id);
    s_https("aanb", "POST", path, NULL, a);
    assert_int_equal(a->status, 204);
    s_https("aanb", "GET", "/v1/deliveries/next?wait=4", NULL, a);
    assert_int_equal(a->status, 204);
    /* Nothing for the gemeente; a bad wait is a 400. */
    s_https("gem", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 204);
    s_https("gem", "GET", "/v1/deliveries/next?wait=abc", NULL, a);
    assert_int_equal(a->status, 400);
    s_https("gem", "GET", "/v1/nothing", NULL, a);
    assert_int_equal(a->status, 404);
    s_https("gem", "GET", "/v1/messages", NULL, a);
    assert_int_equal(a->status, 405);
    /* The log names parties and ids, never payload content. */
    assert_true(s_edge_log_has("edge_submit party=0363 result=ACK"));
    assert_false(s_edge_log_has("VOT-2026-0001"));
    gw_free(a);
    s_edge_end();
}

static void
test_edge_tls_refusals_and_unknown_subject(void **state)
{
    (void)state;
    s_edge_begin();
    char fx[600];
    s_fixture_path("valid/jw301.xml", fx, sizeof(fx));
    answer_t *a = gw_malloc(sizeof(*a));
    assert_non_null(a);
    /* No client certificate: refused in the handshake, no HTTP answer. */
    s_https(NULL, "POST", "/v1/messages", fx, a);
    assert_int_equal(a->status, 0);
    /* A known subject from another CA: refused in the handshake. */
    s_https("rogue", "POST", "/v1/messages", fx, a);
    assert_int_equal(a->status, 0);
    /* A revoked certificate (CRL): refused in the handshake. */
    s_https("revoked", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 0);
    assert_true(s_edge_log_has("certificate refused: certificate revoked"));
    /* A valid certificate whose subject maps to no party: 403. */
    s_https("stranger", "POST", "/v1/messages", fx, a);
    assert_int_equal(a->status, 403);
    assert_non_null(strstr(a->body, "unknown_subject"));
    assert_true(
        s_edge_log_has("edge_unknown_subject peer=127.0.0.1 subject=\"CN=stranger,O=Test\""));
    /* A subject outside ASCII matches its UTF-8 spelling in the config. */
    s_https("utf8", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 204);
    /* TLS 1.2 is accepted (with a client certificate too); below 1.2 is not offered. */
    E.curl_extra = "--tlsv1.2 --tls-max 1.2";
    s_https("gem", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 204);
    E.curl_extra = "--tlsv1.0 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0";
    s_https("gem", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 0);
    assert_true(s_edge_log_has("unsupported protocol")); /* refused by the edge, not curl */
    E.curl_extra = NULL;
    /* None of that reached the gateway: the known client still works. */
    s_https("gem", "POST", "/v1/messages", fx, a);
    assert_int_equal(a->status, 202);
    gw_free(a);
    s_edge_end();
}

static void
test_edge_reject_error_and_size(void **state)
{
    (void)state;
    s_edge_begin();
    char fx[600], path[500];
    answer_t *a = gw_malloc(sizeof(*a));
    assert_non_null(a);
    /* A rule violation: 422 with the retourbericht (JW302) as a JSON string. The client
       waits for "100 Continue" before it sends the body. */
    E.curl_extra = "-H 'Expect: 100-continue' --expect100-timeout 20";
    int64_t t0 = s_now();
    s_https("gem", "POST", "/v1/messages", s_fixture_path("rules/CS002-jw301.xml", fx, sizeof(fx)),
            a);
    assert_true(s_now() - t0 < 10000); /* not curl's 20 s fallback */
    E.curl_extra = NULL;
    assert_int_equal(a->status, 422);
    assert_non_null(strstr(a->body, "\"result\":\"REJECT\""));
    assert_non_null(strstr(a->body, "\"code\":\"CS002\""));
    assert_non_null(strstr(a->body, "\"type\":\"JW302\""));
    assert_non_null(strstr(a->body, "\"retourbericht\":\"<?xml"));
    assert_non_null(strstr(a->body, "CS002"));
    /* Not XML: ERROR from the gateway, 400 with its code. */
    snprintf(path, sizeof(path), "%s/junk.xml", W.gw.dir);
    assert_int_equal(s_write_file(path, "this is not xml"), 0);
    s_https("gem", "POST", "/v1/messages", path, a);
    assert_int_equal(a->status, 400);
    assert_non_null(strstr(a->body, "\"result\":\"ERROR\""));
    assert_non_null(strstr(a->body, "\"code\":\"XML\""));
    /* A gemeente sending an aanbieder's message type: FORBIDDEN, 403. */
    s_https("gem", "POST", "/v1/messages", s_fixture_path("valid/jw305.xml", fx, sizeof(fx)), a);
    assert_int_equal(a->status, 403);
    assert_non_null(strstr(a->body, "\"code\":\"FORBIDDEN\""));
    /* Over max_message_size (64K): 413 from the edge, before the gateway. */
    char *big = gw_malloc(100 * 1024 + 1);
    assert_non_null(big);
    memset(big, 'x', 100 * 1024);
    big[100 * 1024] = '\0';
    snprintf(path, sizeof(path), "%s/big.xml", W.gw.dir);
    assert_int_equal(s_write_file(path, big), 0);
    gw_free(big);
    s_https("gem", "POST", "/v1/messages", path, a);
    assert_int_equal(a->status, 413);
    assert_non_null(strstr(a->body, "too_large"));
    gw_free(a);
    s_edge_end();
}

static void
test_edge_reload_and_config_check(void **state)
{
    (void)state;
    char got[1024];
    s_mgr_open();
    s_edge_begin();
    assert_true(s_mgr_wait("READY=1", got, sizeof(got), 5000));
    assert_non_null(strstr(got, "\nSTATUS=accepting HTTPS on 127.0.0.1:"));
    answer_t *a = gw_malloc(sizeof(*a));
    assert_non_null(a);
    s_https("stranger", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 403);
    s_https("gem", "GET", "/v1/deliveries/next", NULL, a); /* 0363 connects to the gateway */
    assert_int_equal(a->status, 204);
    /* SIGHUP with the stranger mapped to the platform party and 0363 removed: the
       stranger may poll now, 0363 may not, and its gateway connection is closed. */
    E.omit_gem = 1;
    char extra[600];
    snprintf(extra, sizeof(extra),
             "party platform\n    subject = CN=stranger,O=Test\n    key = %s/keys/platform.key\n",
             W.gw.dir);
    s_edge_conf(extra);
    assert_int_equal(kill(E.pid, SIGHUP), 0);
    int64_t until = s_now() + 5000;
    while (!s_edge_log_has("edge_reloaded parties=4") && s_now() < until) {
        s_sleep_ms(20);
    }
    assert_true(s_edge_log_has("edge_reloaded parties=4"));
    assert_true(s_mgr_wait("RELOADING=1", got, sizeof(got), 5000));
    assert_true(s_mgr_wait("READY=1", got, sizeof(got), 5000));
    assert_non_null(strstr(got, "configuration reloaded"));
    s_https("stranger", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 204);
    s_https("gem", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 403);
    until = s_now() + 3000;
    while (!s_edge_log_has("edge_party_closed party=0363 reason=removed") && s_now() < until) {
        s_sleep_ms(20);
    }
    assert_true(s_edge_log_has("edge_party_closed party=0363 reason=removed"));
    /* A broken config on SIGHUP: logged with its line, the old one stays. */
    assert_int_equal(s_write_file(E.conf, "edge\n    listen = 127.0.0.1:1\n    bogus = 1\n"), 0);
    assert_int_equal(kill(E.pid, SIGHUP), 0);
    until = s_now() + 5000;
    while (!s_edge_log_has("edge.conf:3: unknown key 'bogus'") && s_now() < until) {
        s_sleep_ms(20);
    }
    assert_true(s_edge_log_has("edge.conf:3: unknown key 'bogus'"));
    s_https("stranger", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 204);
    /* -t on that file: exit 1 with the line-numbered errors. */
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "'%s' -t -c '%s' > '%s/t.out' 2>&1", E.exe, E.conf, W.gw.dir);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char tout[400];
    snprintf(tout, sizeof(tout), "%s/t.out", W.gw.dir);
    char *txt = ut_read_file(tout, NULL);
    assert_non_null(strstr(txt, "edge.conf:3: unknown key 'bogus' in the edge section"));
    gw_free(txt);
    gw_free(a);
    int status = s_edge_stop();
    assert_true(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(s_mgr_wait("STOPPING=1", got, sizeof(got), 2000));
    s_end();
}

static void
test_edge_limits_and_concurrency(void **state)
{
    (void)state;
    snprintf(E.timeout, sizeof(E.timeout), "2s");
    snprintf(E.max_conn, sizeof(E.max_conn), "2");
    s_edge_begin();
    answer_t *a = gw_malloc(sizeof(*a));
    assert_non_null(a);
    char cmd[4000], fx[600];
    s_fixture_path("valid/jw301.xml", fx, sizeof(fx));
    /* Too many header fields: 431. */
    size_t off = (size_t)snprintf(cmd, sizeof(cmd),
                                  "curl -sS --max-time 20 -o /dev/null -w '%%{http_code}' "
                                  "--cacert '%s/srvca.crt' --cert '%s/gem.crt' --key '%s/gem.key'",
                                  E.pki, E.pki, E.pki);
    for (int i = 0; i < 70; i++) {
        off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, " -H 'X-Fill-%d: %d'", i, i);
    }
    snprintf(cmd + off, sizeof(cmd) - off, " 'https://127.0.0.1:%d/v1/deliveries/next' 2>&1",
             E.port);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char code[64] = "";
    assert_non_null(fgets(code, sizeof(code), p));
    pclose(p);
    assert_string_equal(code, "431");
    /* A client that stops halfway through its request: 408 after `timeout` (2 s). */
    snprintf(cmd, sizeof(cmd),
             "(printf 'GET /v1/deliveries/next HTTP/1.1\\r\\nHost: x\\r\\n'; sleep 4) | "
             "openssl s_client -quiet -connect 127.0.0.1:%d -CAfile '%s/srvca.crt' "
             "-cert '%s/gem.crt' -key '%s/gem.key' 2>/dev/null | head -c 200",
             E.port, E.pki, E.pki, E.pki);
    p = popen(cmd, "r");
    assert_non_null(p);
    char line[256] = "";
    size_t n = fread(line, 1, sizeof(line) - 1, p);
    line[n] = '\0';
    pclose(p);
    assert_non_null(strstr(line, "HTTP/1.1 408 Request Timeout"));
    /* max_connections = 2: two idle TCP connections fill it, a third is closed at once. */
    int idle[2];
    for (int i = 0; i < 2; i++) {
        idle[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)E.port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(idle[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
    }
    s_sleep_ms(300);
    s_https("gem", "GET", "/v1/deliveries/next", NULL, a);
    assert_int_equal(a->status, 0);
    assert_true(s_edge_log_has("edge_busy peer=127.0.0.1 active=2"));
    close(idle[0]);
    close(idle[1]);
    s_sleep_ms(600); /* the edge reaps the two threads */
    /* Four submits of one party at once share its gateway connection one at a time:
       all answered, exactly one stored and three duplicates. */
    snprintf(E.max_conn, sizeof(E.max_conn), "64");
    s_edge_conf(NULL);
    assert_int_equal(kill(E.pid, SIGHUP), 0);
    int64_t until = s_now() + 5000;
    while (!s_edge_log_has("edge_reloaded ") && s_now() < until) {
        s_sleep_ms(20);
    }
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && for i in 1 2 3 4; do curl -sS --max-time 30 -o par$i.json "
             "-w '%%{http_code}\\n' --cacert pki/srvca.crt --cert pki/gem.crt --key pki/gem.key "
             "-H 'Content-Type: application/xml' --data-binary '@%s' "
             "'https://127.0.0.1:%d/v1/messages' > par$i.code & done; wait; "
             "cat par1.code par2.code par3.code par4.code; cat par*.json | grep -c "
             "'\"duplicate\":false'",
             W.gw.dir, fx, E.port);
    p = popen(cmd, "r");
    assert_non_null(p);
    char all[256] = "";
    n = fread(all, 1, sizeof(all) - 1, p);
    all[n] = '\0';
    pclose(p);
    assert_string_equal(all, "202\n202\n202\n202\n1\n");
    gw_free(a);
    s_edge_end();
}

static int
s_edge_setup(void **state)
{
    if (!E.exe || !s_have("openssl") || !s_have("curl")) {
        skip();
    }
    return s_setup(state);
}

static int
s_edge_teardown(void **state)
{
    (void)s_edge_stop();
    if (E.mgr >= 0) {
        close(E.mgr);
    }
    if (!W.ok && E.log[0]) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "sed 's/^/# edge: /' '%s' >&2", E.log);
        (void)system(cmd);
    }
    memset(&E, 0, sizeof(E));
    E.mgr = -1;
    E.exe = getenv("IJWGW_EDGE");
    return s_teardown(state);
}

#define TE(f) cmocka_unit_test_setup_teardown(f, s_edge_setup, s_edge_teardown)

int
main(void)
{
    const char *filter = getenv("GW_TEST_FILTER");
    if (filter && filter[0]) {
        cmocka_set_test_filter(filter);
    }
    E.exe = getenv("IJWGW_EDGE");
    E.mgr = -1;
    const struct CMUnitTest tests[] = {
        TE(test_edge_submit_deliver_ack),     TE(test_edge_tls_refusals_and_unknown_subject),
        TE(test_edge_reject_error_and_size),  TE(test_edge_reload_and_config_check),
        TE(test_edge_limits_and_concurrency),
    };
    return cmocka_run_group_tests_name("edge", tests, s_group_setup, s_group_teardown);
}
