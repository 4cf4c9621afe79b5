/*
 * Scale-out on PostgreSQL (docs/scale-out.md), end to end: a private PostgreSQL server on
 * loopback (tests/integration/pg_cluster.sh, started once for the group), a fresh database
 * per test, and two real ijwgw nodes on it. Parties connect to one node or the other with
 * the client library. Also the store API against the same server, and the config refusals.
 *
 * Skipped, with the reason, when no PostgreSQL server is installed or this build has no
 * PostgreSQL backend (CI installs postgresql and libpq-dev: tools/quickstart.sh).
 */
#include "gw_crypt.h"
#include "harness.h"

#define NODES 2

static struct {
    char dir[256];    /* the cluster's temporary directory */
    char script[512]; /* pg_cluster.sh */
    int port;
    int up;             /* the server runs */
    char skip_why[256]; /* why every test is skipped, "" = they run */
    unsigned ndb;       /* databases made so far (t1, t2, ...) */
    char url[256];      /* the current test's database */
} PG;

static gwproc_t s_node[NODES];
static int s_cur = -1; /* the node W.gw is a copy of */

/* Make node i the harness's current gateway (W.gw). */
static void
s_select(int i)
{
    if (s_cur >= 0) {
        s_node[s_cur] = W.gw;
    }
    W.gw = s_node[i];
    s_cur = i;
}

static int
s_script(const char *args)
{
    char cmd[1200]; /* script path (512) + args (600) */
    snprintf(cmd, sizeof(cmd), "sh '%s' %s", PG.script, args);
    int st = system(cmd);
    return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int
s_pg_group_setup(void **state)
{
    int rc = s_group_setup(state);
    if (rc != 0) {
        return rc;
    }
    memset(&PG, 0, sizeof(PG));
    const char *root = getenv("GW_SOURCE_ROOT");
    if (!W.ijwgw) {
        snprintf(PG.skip_why, sizeof(PG.skip_why), "IJWGW not set");
        return 0;
    }
    if (!root) {
        snprintf(PG.skip_why, sizeof(PG.skip_why), "GW_SOURCE_ROOT not set");
        return 0;
    }
    if (!gw_store_pg_available()) {
        snprintf(PG.skip_why, sizeof(PG.skip_why),
                 "this ijwgw was built without PostgreSQL support (no libpq)");
        return 0;
    }
    snprintf(PG.script, sizeof(PG.script), "%s/tests/integration/pg_cluster.sh", root);
    const char *tmp = getenv("TMPDIR");
    snprintf(PG.dir, sizeof(PG.dir), "%s/ijwgw-pg-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(PG.dir)) {
        snprintf(PG.skip_why, sizeof(PG.skip_why), "mkdtemp failed");
        return -1;
    }
    PG.port = s_free_port();
    char args[400];
    snprintf(args, sizeof(args), "start '%s' %d", PG.dir, PG.port);
    rc = s_script(args);
    if (rc == 77) {
        snprintf(PG.skip_why, sizeof(PG.skip_why),
                 "no PostgreSQL server installed (apt-get install postgresql)");
        return 0;
    }
    if (rc != 0) {
        fprintf(stderr, "# could not start PostgreSQL in %s (status %d)\n", PG.dir, rc);
        return -1;
    }
    PG.up = 1;
    return 0;
}

static int
s_pg_group_teardown(void **state)
{
    if (PG.up) {
        char args[400];
        snprintf(args, sizeof(args), "stop '%s'", PG.dir);
        if (s_script(args) != 0) {
            fprintf(stderr, "# pg_ctl stop failed in %s\n", PG.dir);
        }
        PG.up = 0;
    }
    if (PG.dir[0]) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", PG.dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "# could not remove %s\n", PG.dir);
        }
    }
    return s_group_teardown(state);
}

/* A fresh database for the test; PG.url names it. */
static void
s_new_db(void)
{
    char args[400];
    snprintf(args, sizeof(args), "createdb '%s' %d t%u", PG.dir, PG.port, ++PG.ndb);
    assert_int_equal(s_script(args), 0);
    snprintf(PG.url, sizeof(PG.url), "postgresql://ijwgw@127.0.0.1:%d/t%u", PG.port, PG.ndb);
}

static int
s_pg_setup(void **state)
{
    memset(s_node, 0, sizeof(s_node));
    s_cur = -1;
    W.ok = 0;
    W.retour_seq = 0;
    PG.url[0] = '\0';
    return ut_alloc_setup(state);
}

/* First thing in a test body (allocations belong to the test, as in harness.h s_begin).
 * Skips the test when it needs what is missing; need_server: a running PostgreSQL with a
 * fresh database for the test (PG.url). */
static void
s_pg_begin(int need_server)
{
    if (!W.ijwgw || (need_server && (!PG.up || !gw_store_pg_available()))) {
        fprintf(stderr, "# skipped: %s\n",
                PG.skip_why[0] ? PG.skip_why : "this ijwgw was built without PostgreSQL support");
        skip();
    }
    if (need_server) {
        s_new_db();
    } else {
        snprintf(PG.url, sizeof(PG.url), "postgresql://ijwgw@127.0.0.1:5432/ijwgw");
    }
    W.codec = gw_codec_new(NULL, NULL);
    W.diag = gw_diag_new();
    assert_non_null(W.codec);
    assert_non_null(W.diag);
}

/* Stop the nodes and release everything; idempotent (the test body ends with it, so the
 * leak check sees nothing, and the teardown repeats it after a failure). */
static void
s_pg_end(void)
{
    s_parties_close();
    for (int i = 0; i < NODES && s_cur >= 0; i++) {
        s_select(i);
        (void)s_gw_stop();
        if (!W.ok && W.gw.log[0]) {
            s_dump_log();
        }
        if (W.gw.dir[0]) {
            const char *keep = getenv("GW_KEEP_TMP");
            if (keep && keep[0] == '1') {
                fprintf(stderr, "# kept %s\n", W.gw.dir);
            } else {
                s_rmdir(W.gw.dir);
            }
        }
    }
    memset(&W.gw, 0, sizeof(W.gw));
    s_cur = -1;
    gw_codec_destroy(&W.codec);
    gw_diag_destroy(&W.diag);
}

static int
s_pg_teardown(void **state)
{
    s_pg_end();
    return ut_alloc_teardown(state);
}

#define TPG(f) cmocka_unit_test_setup_teardown(f, s_pg_setup, s_pg_teardown)

/* Write node i's config (store = the test's database, node = "a" or "b") and start it. */
static void
s_node_start(int i, const gwconf_t *base)
{
    s_select(i);
    if (!W.gw.dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(W.gw.dir, sizeof(W.gw.dir), "%s/ijwgw-it-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        assert_non_null(mkdtemp(W.gw.dir));
        snprintf(W.gw.conf, sizeof(W.gw.conf), "%s/ijwgw.conf", W.gw.dir);
        snprintf(W.gw.store, sizeof(W.gw.store), "%s", PG.url);
        snprintf(W.gw.log, sizeof(W.gw.log), "%s/ijwgw.log", W.gw.dir);
        snprintf(W.gw.endpoint, sizeof(W.gw.endpoint), "tcp://127.0.0.1:%d", s_free_port());
    }
    gwconf_t c;
    memset(&c, 0, sizeof(c));
    if (base) {
        c = *base;
    }
    char extra[256];
    snprintf(extra, sizeof(extra), "    node = %s\n    deadlines = no\n%s", i == 0 ? "a" : "b",
             c.gateway_extra ? c.gateway_extra : "");
    c.gateway_extra = extra;
    s_conf_write(&c);
    s_gw_start();
}

/* The client of a party object no longer exists (its node died). */
static void
s_party_drop(party_t *p)
{
    gw_client_destroy(&p->c);
}

typedef struct want {
    const party_t *p;
    gw_cmd_t cmd;
    const char *type;
    size_t n;
} want_t;

static int
s_has_n(const void *arg)
{
    const want_t *w = arg;
    return s_count(w->p, w->cmd, w->type, NULL) >= w->n;
}

static void
s_wait_n(const party_t *p, gw_cmd_t cmd, const char *type, size_t n, const char *what)
{
    want_t w = {p, cmd, type, n};
    if (!s_pump_until(s_has_n, &w, 10000)) {
        fail_msg("%s: %s has %zu %s %s, expected %zu", what, p->code, s_count(p, cmd, type, NULL),
                 gw_cmd_name(cmd), type ? type : "", n);
    }
}

/* Submit a JW301 from 0363 to 42420001 with this Identificatie; expect an ACK (code). */
static void
s_submit_ident(party_t *g, const char *ident, const char *code)
{
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", ident, &len);
    s_submit_take_expect(g, &xml, len, GW_CMD_ACK, code, ident);
}

/* Until the store holds no undelivered delivery for party (its DACKs are committed). */
static void
s_wait_acked(const char *party)
{
    gw_store_opts_t o = {.readonly = 1, .node = "observer"};
    char *err = NULL;
    gw_store_t *st = gw_store_open(PG.url, &o, &err);
    if (!st) {
        fail_msg("observer: %s", err ? err : "?");
    }
    int64_t n = -1;
    int64_t deadline = s_now() + 10000;
    while (s_now() < deadline) {
        assert_int_equal(gw_store_backlog(st, party, &n), GW_OK);
        if (n == 0) {
            break;
        }
        s_pump_for(20);
    }
    gw_store_close(&st);
    if (n != 0) {
        fail_msg("%s: %lld deliveries still unacknowledged in the store", party, (long long)n);
    }
}

/* The delivery id under which p received ident (first), or "". */
static const char *
s_delivery_id(const party_t *p, const char *ident)
{
    for (size_t i = 0; i < p->nrx; i++) {
        if (p->rx[i].cmd == GW_CMD_DELIVER && strcmp(p->rx[i].ident, ident) == 0) {
            return p->rx[i].id;
        }
    }
    return "";
}

/* ------------------------------------------------------------ the cases ---- */

/* A new key file both nodes use (encryption at rest on the shared store). */
static void
s_key_file(char *path, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, cap, "%s/ijwgw-pgkey-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    char *err = NULL;
    if (gw_keyring_create(path, &err) != GW_OK) {
        fail_msg("key file: %s", err ? err : "?");
    }
}

/* (1) Sender on node a, recipient on node b: delivered through PostgreSQL (NOTIFY wakes
 * node b), and the recipient's retourbericht routed back to the sender on node a. The
 * payloads are sealed with one key file shared by the nodes. */
static void
test_pg_two_nodes_route_heen_and_retour(void **state)
{
    (void)state;
    s_pg_begin(1);
    char key[300], extra[400];
    s_key_file(key, sizeof(key));
    snprintf(extra, sizeof(extra), "    store_key = %s\n", key);
    gwconf_t conf = {.gateway_extra = extra};
    s_node_start(0, &conf);
    s_node_start(1, &conf);
    s_select(0);
    party_t *g = s_party("0363", 1, 0);
    s_select(1);
    party_t *a = s_party("42420001", 1, 1); /* DACKs and answers with the JW302 */
    s_select(0);
    int64_t t0 = s_now();
    s_submit_fixture_expect(g, "valid/jw301.xml", GW_CMD_ACK, NULL);
    s_wait_n(a, GW_CMD_DELIVER, "JW301", 1, "heen on node b");
    fprintf(stderr, "# heen delivered across nodes in %lld ms\n", (long long)(s_now() - t0));
    s_wait_n(g, GW_CMD_DELIVER, "JW302", 1, "retour on node a");
    assert_int_equal(a->nanswered, 1);
    s_pump_for(300);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, NULL, NULL), 1);
    assert_int_equal(s_count(g, GW_CMD_DELIVER, NULL, NULL), 1);
    s_assert_clean_deliveries();
    unlink(key);
    W.ok = 1;
    s_pg_end();
}

/* (2) kill -9 of node a: what it acknowledged is in PostgreSQL. The recipient and the
 * sender reconnect to node b: the deliveries a had sent but not seen acknowledged come
 * again with the same delivery ids (at-least-once; the recipient dedups by id), the
 * acknowledged ones do not, and new traffic flows through b. */
static void
test_pg_kill9_node_loses_nothing_acknowledged(void **state)
{
    (void)state;
    s_pg_begin(1);
    /* No retries on node a during the test: every DELIVER it sends is a first send. */
    gwconf_t conf = {.retry_initial = "30s", .retry_max = "60s"};
    s_node_start(0, &conf);
    s_node_start(1, &conf);
    s_select(0);
    party_t *r = s_party("42420001", 1, 0);
    party_t *s = s_party("0363", 1, 0);
    enum { N1 = 5, N2 = 5, N3 = 3 };
    char id[32];
    for (int i = 0; i < N1; i++) {
        snprintf(id, sizeof(id), "P1-%d", i);
        s_submit_ident(s, id, NULL);
    }
    s_wait_n(r, GW_CMD_DELIVER, "JW301", N1, "phase 1 on node a");
    s_wait_acked("42420001"); /* the DACKs are committed */
    r->dack = 0;              /* from now on received, never acknowledged: in flight at the kill */
    for (int i = 0; i < N2; i++) {
        snprintf(id, sizeof(id), "P2-%d", i);
        s_submit_ident(s, id, NULL);
    }
    s_wait_n(r, GW_CMD_DELIVER, "JW301", N1 + N2, "phase 2 on node a");
    s_select(0);
    s_gw_kill9();
    s_party_drop(r);
    s_party_drop(s);

    s_select(1);
    party_t *r2 = s_party("42420001", 1, 0);
    party_t *s2 = s_party("0363", 1, 0);
    s_wait_n(r2, GW_CMD_DELIVER, "JW301", N2, "in-flight redelivered by node b");
    for (int i = 0; i < N3; i++) {
        snprintf(id, sizeof(id), "P3-%d", i);
        s_submit_ident(s2, id, NULL);
    }
    s_wait_n(r2, GW_CMD_DELIVER, "JW301", N2 + N3, "new traffic on node b");
    s_pump_for(500);
    for (int i = 0; i < N1; i++) {
        snprintf(id, sizeof(id), "P1-%d", i);
        if (s_count(r2, GW_CMD_DELIVER, "JW301", id) != 0) {
            fail_msg("%s was acknowledged on node a and delivered again by node b", id);
        }
    }
    for (int i = 0; i < N2; i++) {
        snprintf(id, sizeof(id), "P2-%d", i);
        assert_int_equal(s_count(r2, GW_CMD_DELIVER, "JW301", id), 1);
        /* the same delivery, not a copy: the recipient can drop it by its id */
        assert_string_equal(s_delivery_id(r2, id), s_delivery_id(r, id));
    }
    for (int i = 0; i < N3; i++) {
        snprintf(id, sizeof(id), "P3-%d", i);
        assert_int_equal(s_count(r2, GW_CMD_DELIVER, "JW301", id), 1);
    }
    assert_int_equal(s_count(r2, GW_CMD_DELIVER, NULL, NULL), N2 + N3);
    s_assert_clean_deliveries();
    W.ok = 1;
    s_pg_end();
}

/* (3) The dedup key is the database's: a message accepted by node a and resent to node
 * b (a lost ACK, a failover) is a DUPLICATE there, and delivered once. */
static void
test_pg_dedup_across_nodes(void **state)
{
    (void)state;
    s_pg_begin(1);
    s_node_start(0, NULL);
    s_node_start(1, NULL);
    s_select(0);
    party_t *g = s_party("0363", 1, 0);
    s_submit_ident(g, "DUP-1", NULL);
    s_select(1);
    party_t *g2 = s_party("0363", 1, 0);
    s_submit_ident(g2, "DUP-1", "DUPLICATE");
    party_t *a = s_party("42420001", 1, 0);
    s_wait_n(a, GW_CMD_DELIVER, "JW301", 1, "the first copy");
    s_pump_for(500);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, "JW301", "DUP-1"), 1);
    W.ok = 1;
    s_pg_end();
}

/* The database server restarts (every connection dropped): the nodes reconnect on their
 * own. A submit during the gap gets an ERROR (never an ACK for something not stored), a
 * resend is accepted, and delivery across the nodes resumes. */
static void
test_pg_server_restart_is_survived(void **state)
{
    (void)state;
    s_pg_begin(1);
    s_node_start(0, NULL);
    s_node_start(1, NULL);
    s_select(0);
    party_t *g = s_party("0363", 1, 0);
    s_select(1);
    party_t *a = s_party("42420001", 1, 0);
    s_submit_ident(g, "RS-1", NULL);
    s_wait_n(a, GW_CMD_DELIVER, "JW301", 1, "before the restart");
    char args[400];
    snprintf(args, sizeof(args), "restart '%s'", PG.dir);
    assert_int_equal(s_script(args), 0);
    size_t len = 0;
    char *xml = s_variant("valid/jw301.xml", "RS-2", &len);
    int acked = 0, errors = 0;
    int64_t deadline = s_now() + 20000;
    while (!acked && s_now() < deadline) {
        gw_client_result_t r;
        memset(&r, 0, sizeof(r));
        int rc = gw_client_submit(g->c, xml, len, &r, 10000);
        if (rc == GW_OK && r.cmd == GW_CMD_ACK) {
            acked = 1;
        } else if (rc == GW_OK && r.cmd == GW_CMD_ERROR) {
            errors++;
            s_sleep_ms(200);
        } else if (rc == GW_OK) {
            char got[64];
            snprintf(got, sizeof(got), "%s %s", gw_cmd_name(r.cmd), r.code);
            gw_client_event_clear(&r);
            gw_free(xml);
            fail_msg("RS-2 after the restart: %s", got);
        }
        gw_client_event_clear(&r);
    }
    gw_free(xml);
    assert_true(acked);
    fprintf(stderr, "# %d ERROR answer(s) during the reconnect\n", errors);
    s_wait_n(a, GW_CMD_DELIVER, "JW301", 2, "after the restart");
    s_pump_for(300);
    assert_int_equal(s_count(a, GW_CMD_DELIVER, "JW301", "RS-2"), 1);
    W.ok = 1;
    s_pg_end();
}

/* Two nodes never both deliver to a party: the latest HELLO takes it. The party's old
 * connection (on node a, still open) gets nothing more; its new one (node b) gets all. */
static void
test_pg_latest_hello_holds_the_party(void **state)
{
    (void)state;
    s_pg_begin(1);
    s_node_start(0, NULL);
    s_node_start(1, NULL);
    s_select(0);
    party_t *old = s_party("42420001", 1, 0);
    party_t *g = s_party("0363", 1, 0);
    s_submit_ident(g, "LH-0", NULL);
    s_wait_n(old, GW_CMD_DELIVER, "JW301", 1, "before the move");
    s_wait_acked("42420001"); /* else the move re-sends it (at-least-once) */
    s_select(1);
    party_t *cur = s_party("42420001", 1, 0);
    enum { N = 6 };
    char id[32];
    for (int i = 1; i <= N; i++) {
        snprintf(id, sizeof(id), "LH-%d", i);
        s_submit_ident(g, id, NULL); /* accepted by node a, where the old connection is */
    }
    s_wait_n(cur, GW_CMD_DELIVER, "JW301", N, "on the node of the latest HELLO");
    s_pump_for(1000);
    assert_int_equal(s_count(old, GW_CMD_DELIVER, NULL, NULL), 1);
    assert_int_equal(s_count(cur, GW_CMD_DELIVER, NULL, NULL), N);
    s_assert_clean_deliveries();
    W.ok = 1;
    s_pg_end();
}

static void
s_sql(const char *sql)
{
    char args[600];
    snprintf(args, sizeof(args), "sql '%s' %d t%u \"%s\"", PG.dir, PG.port, PG.ndb, sql);
    assert_int_equal(s_script(args), 0);
}

/* Nodes starting together on an empty database: the schema is made once (advisory lock),
 * every node opens it. A database with a newer schema is refused. */
static void
test_pg_schema_made_once_and_newer_refused(void **state)
{
    (void)state;
    s_pg_begin(1);
    enum { K = 4 };
    pid_t kids[K];
    for (int i = 0; i < K; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            char node[16];
            snprintf(node, sizeof(node), "k%d", i);
            gw_store_opts_t o = {.node = node};
            char *err = NULL;
            gw_store_t *st = gw_store_open(PG.url, &o, &err);
            if (!st) {
                fprintf(stderr, "# node %s: %s\n", node, err ? err : "?");
            }
            _exit(st ? 0 : 1);
        }
    }
    for (int i = 0; i < K; i++) {
        int status = 0;
        assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    s_sql("INSERT INTO gw_schema_version VALUES (99, 0)");
    gw_store_opts_t o = {.node = "late"};
    char *err = NULL;
    gw_store_t *st = gw_store_open(PG.url, &o, &err);
    assert_null(st);
    assert_non_null(err);
    if (!strstr(err, "schema version 99") || !strstr(err, "upgrade ijwgw")) {
        fail_msg("unexpected refusal: %s", err);
    }
    gw_free(err);
    W.ok = 1;
    s_pg_end();
}

/* (4) ijwgw -t refuses what would keep state per node on a PostgreSQL store. */
static void
test_pg_config_refuses_sqlite_state(void **state)
{
    (void)state;
    s_pg_begin(0);
    s_select(0);
    const char *tmp = getenv("TMPDIR");
    snprintf(W.gw.dir, sizeof(W.gw.dir), "%s/ijwgw-it-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(W.gw.dir));
    snprintf(W.gw.conf, sizeof(W.gw.conf), "%s/ijwgw.conf", W.gw.dir);
    snprintf(W.gw.store, sizeof(W.gw.store), "%s", PG.url);
    snprintf(W.gw.endpoint, sizeof(W.gw.endpoint), "tcp://127.0.0.1:%d", s_free_port());
    static const struct {
        const char *gateway_extra, *extra, *expect;
    } cases[] = {
        {NULL, NULL, "deadlines: the deadline monitor needs the SQLite store"},
        {"    deadlines = no\n", "filter toewijzing\n",
         "filter 'toewijzing' keeps its state in the SQLite store"},
        {"    deadlines = no\n    store_sync = normal\n", NULL, "store_sync applies to the SQLite"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gwconf_t c = {.gateway_extra = cases[i].gateway_extra, .extra = cases[i].extra};
        s_conf_write(&c);
        char cmd[800];
        snprintf(cmd, sizeof(cmd), "'%s' -t -c '%s' 2>&1", W.ijwgw, W.gw.conf);
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        char out[4096];
        size_t n = fread(out, 1, sizeof(out) - 1, f);
        out[n] = '\0';
        int st = pclose(f);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 1) || !strstr(out, cases[i].expect) ||
            !strstr(out, "ijwgw.conf:")) {
            fail_msg("case %zu: expected exit 1 with a line-numbered '%s', got:\n%s", i,
                     cases[i].expect, out);
        }
    }
    W.ok = 1;
    s_pg_end();
}

/* ------------------------------------------------------------ the store API ---- */

typedef struct seen {
    size_t n;
    int64_t ids[16];
    char payload[64];
} seen_t;

static int
s_seen(void *arg, const gw_store_delivery_t *d)
{
    seen_t *s = arg;
    if (s->n < 16) {
        s->ids[s->n] = d->delivery_id;
    }
    s->n++;
    assert_null(d->unreadable);
    snprintf(s->payload, sizeof(s->payload), "%.*s", (int)(d->len < 60 ? d->len : 60),
             (const char *)d->payload);
    return 0;
}

static void
s_woke(void *arg, const char *party)
{
    seen_t *s = arg;
    if (strcmp(party, "R1") == 0) {
        s->n++;
    }
}

static gw_store_t *
s_open(const char *node)
{
    gw_store_opts_t o = {.node = node};
    char *err = NULL;
    gw_store_t *st = gw_store_open(PG.url, &o, &err);
    if (!st) {
        fail_msg("open %s: %s", PG.url, err ? err : "?");
    }
    return st;
}

/* Put, dedup, presence-gated due, sent, ack, wake-up across two handles (nodes u1, u2),
 * sealed payloads with the row-binding AAD, dead letters. */
static void
test_pg_store_api(void **state)
{
    (void)state;
    s_pg_begin(1);
    gw_store_t *u1 = s_open("u1");
    gw_store_t *u2 = s_open("u2");
    assert_true(gw_store_wake_fd(u1) >= 0);
    assert_null(gw_store_db(u1));
    /* sealed payloads, as with SQLite */
    char kpath[300];
    const char *tmp = getenv("TMPDIR");
    snprintf(kpath, sizeof(kpath), "%s/ijwgw-pgkey-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int kfd = mkstemp(kpath);
    assert_true(kfd >= 0);
    close(kfd);
    unlink(kpath);
    gw_keyring_t *kr = NULL;
    int created = 0;
    char *kerr = NULL;
    assert_int_equal(gw_keyring_for_store(kpath, 1, &kr, &created, &kerr), GW_OK);
    gw_store_set_keys(u1, &kr);
    assert_null(kr);

    gw_store_msg_t m = {.sender = "S1",
                        .recipient = "R1",
                        .type = "JW301",
                        .afzender = "S1",
                        .ident = "API-1",
                        .dagtekening = "2026-01-01",
                        .payload = "<a>one</a>",
                        .len = 10,
                        .received_ms = 1000};
    int dup = -1;
    assert_int_equal(gw_store_begin(u1), GW_OK);
    assert_int_equal(gw_store_put(u1, &m, &dup), GW_OK);
    assert_int_equal(dup, 0);
    assert_true(m.id > 0);
    assert_int_equal(gw_store_commit(u1), GW_OK);
    int any = 0;
    assert_int_equal(gw_store_has_sealed(u1, &any), GW_OK);
    assert_int_equal(any, 1);
    /* the same message through the other node: a duplicate with the first id */
    gw_store_msg_t m2 = m;
    m2.id = 0;
    assert_int_equal(gw_store_put(u2, &m2, &dup), GW_OK);
    assert_int_equal(dup, 1);
    assert_int_equal(m2.id, m.id);

    /* nobody holds R1: nothing is due anywhere */
    seen_t s = {0};
    assert_int_equal(gw_store_due(u1, "R1", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 0);
    /* R1 says HELLO to u1 */
    assert_int_equal(gw_store_retry_now(u1, "R1", 5000), GW_OK);
    assert_int_equal(gw_store_due(u1, "R1", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.payload, "<a>one</a>"); /* opened with the key and the row's AAD */
    int64_t did = s.ids[0];
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_store_due(u2, "R1", 5000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 0); /* u2 does not hold R1 */
    int64_t n = -1;
    assert_int_equal(gw_store_backlog(u2, "R1", &n), GW_OK);
    assert_int_equal(n, 1);

    /* a put by u2 wakes u1 (NOTIFY at commit) */
    gw_store_msg_t m3 = m;
    m3.ident = "API-2";
    m3.id = 0;
    assert_int_equal(gw_store_begin(u2), GW_OK);
    assert_int_equal(gw_store_put(u2, &m3, &dup), GW_OK);
    assert_int_equal(gw_store_commit(u2), GW_OK);
    seen_t woke = {0};
    int64_t deadline = s_now() + 5000;
    while (woke.n == 0 && s_now() < deadline) {
        assert_int_equal(gw_store_poll(u1, s_wall_ms(), s_woke, &woke), GW_OK);
        s_sleep_ms(10);
    }
    assert_true(woke.n >= 1);

    /* sent, then acknowledged; a stranger cannot acknowledge */
    assert_int_equal(gw_store_begin(u1), GW_OK);
    assert_int_equal(gw_store_sent(u1, did, 5000, 9000), GW_OK);
    assert_int_equal(gw_store_inflight(u1, "R1", &n), GW_OK);
    assert_int_equal(n, 1);
    int changed = 0;
    assert_int_equal(gw_store_ack(u1, did, "R9", 5100, &changed), GW_EINVAL);
    assert_int_equal(gw_store_commit(u1), GW_OK);
    /* R1 moves to u2 (a failover): the in-flight one is due there now */
    assert_int_equal(gw_store_retry_now(u2, "R1", 6000), GW_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_store_due(u1, "R1", 6000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 0);
    gw_keyring_t *kr2 = NULL;
    assert_int_equal(gw_keyring_for_store(kpath, 0, &kr2, &created, &kerr), GW_OK);
    gw_store_set_keys(u2, &kr2);
    assert_int_equal(gw_store_due(u2, "R1", 6000, 10, s_seen, &s), GW_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ids[0], did);
    assert_int_equal(gw_store_ack(u2, did, "R1", 6100, &changed), GW_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(gw_store_ack(u2, did, "R1", 6200, &changed), GW_OK);
    assert_int_equal(changed, 0);
    /* heen lookup and dead letters */
    int64_t heen = 0;
    char sender[65];
    assert_int_equal(gw_store_find_heen(u2, "JW301", "S1", "API-1", "2026-01-01", &heen, sender, NULL),
                     GW_OK);
    assert_int_equal(heen, m.id);
    assert_string_equal(sender, "S1");
    size_t moved = 0;
    assert_int_equal(gw_store_expire(u2, 100000000, 1000, &moved), GW_OK);
    assert_int_equal(moved, 1);
    memset(&s, 0, sizeof(s));
    assert_int_equal(gw_store_dead(u1, s_seen, &s), GW_OK); /* any node lists them */
    assert_int_equal(s.n, 1);
    size_t requeued = 0;
    assert_int_equal(gw_store_requeue(u2, 0, 7000, &requeued), GW_OK);
    assert_int_equal(requeued, 1);
    /* add_delivery (a tap copy) to an unknown message is refused, the group goes on */
    assert_int_equal(gw_store_begin(u2), GW_OK);
    assert_int_equal(gw_store_add_delivery(u2, 999999, "R1", "<x/>", 4, 7000), GW_EINVAL);
    assert_int_equal(gw_store_add_delivery(u2, m.id, "T1", "<tap/>", 6, 7000), GW_OK);
    assert_int_equal(gw_store_commit(u2), GW_OK);
    assert_int_equal(gw_store_backlog(u1, "T1", &n), GW_OK);
    assert_int_equal(n, 1);
    gw_store_close(&u1);
    gw_store_close(&u2);
    assert_null(u1);
    unlink(kpath);
    W.ok = 1;
    s_pg_end();
}

int
main(void)
{
    const char *filter = getenv("GW_TEST_FILTER");
    if (filter && filter[0]) {
        cmocka_set_test_filter(filter);
    }
    const struct CMUnitTest tests[] = {
        TPG(test_pg_store_api),
        TPG(test_pg_two_nodes_route_heen_and_retour),
        TPG(test_pg_kill9_node_loses_nothing_acknowledged),
        TPG(test_pg_dedup_across_nodes),
        TPG(test_pg_server_restart_is_survived),
        TPG(test_pg_latest_hello_holds_the_party),
        TPG(test_pg_schema_made_once_and_newer_refused),
        TPG(test_pg_config_refuses_sqlite_state),
    };
    return cmocka_run_group_tests_name("pgstore", tests, s_pg_group_setup, s_pg_group_teardown);
}
