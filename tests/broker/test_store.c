/*
 * Tests of the durable store (gateway/gw_store.c) on real SQLite files in a
 * mkdtemp directory: put/dedup/order, delivery state changes, wire taps,
 * quotas, reopen, readonly inspection, and crash safety against SIGKILL of a
 * writer child process.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h> /* only to build a version-1 file as the previous release made it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gw_store.h"
#include "store_v1.h"
#include "unittest.h"

#define T_MAX_ROWS 4096
#define T_BATCH    64

static char s_dir[256];
static int s_seq;

/* A fresh database path in the test directory. Static buffer per call site is enough. */
static const char *
s_path(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/store-%d.db", s_dir, ++s_seq);
    return buf;
}

static gw_store_t *
s_open(const char *path, const gw_store_opts_t *opts)
{
    char *err = NULL;
    gw_store_t *st = gw_store_open(path, opts, &err);
    if (!st) {
        fail_msg("gw_store_open(%s): %s", path, err ? err : "?");
    }
    return st;
}

static gw_store_msg_t
s_msg(const char *sender, const char *recipient, const char *ident, const char *payload,
      int64_t now)
{
    gw_store_msg_t m = {
        .sender = sender,
        .recipient = recipient,
        .type = "JW315",
        .afzender = "12345678",
        .ident = ident,
        .dagtekening = "2025-01-31",
        .payload = payload,
        .len = strlen(payload),
        .received_ms = now,
    };
    return m;
}

/* Put one message in its own transaction; returns its id. */
static int64_t
s_put(gw_store_t *st, const char *sender, const char *recipient, const char *ident,
      const char *payload, int64_t now)
{
    gw_store_msg_t m = s_msg(sender, recipient, ident, payload, now);
    int dup = -1;
    assert_int_equal(gw_store_begin(st), GW_OK);
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(dup, 0);
    assert_int_equal(gw_store_commit(st), GW_OK);
    assert_true(m.id > 0);
    return m.id;
}

/* What a walk over deliveries saw. */
typedef struct rows {
    size_t n;
    size_t stop_after; /* 0 = never stop */
    int64_t id[T_MAX_ROWS];
    int64_t msg_id[T_MAX_ROWS];
    int attempts[T_MAX_ROWS];
    int64_t created[T_MAX_ROWS];
    char payload[T_MAX_ROWS][32];
    size_t len[T_MAX_ROWS];
    char recipient[T_MAX_ROWS][16];
    char state[T_MAX_ROWS][12];
} rows_t;

static int
s_collect(void *arg, const gw_store_delivery_t *d)
{
    rows_t *r = arg;
    assert_true(r->n < T_MAX_ROWS);
    r->id[r->n] = d->delivery_id;
    r->msg_id[r->n] = d->msg_id;
    r->attempts[r->n] = d->attempts;
    r->created[r->n] = d->created_ms;
    r->len[r->n] = d->len;
    snprintf(r->payload[r->n], sizeof(r->payload[0]), "%.*s", (int)(d->len < 31 ? d->len : 31),
             (const char *)d->payload);
    snprintf(r->recipient[r->n], sizeof(r->recipient[0]), "%s", d->recipient);
    snprintf(r->state[r->n], sizeof(r->state[0]), "%s", d->state);
    assert_string_equal(d->type, "JW315");
    r->n++;
    return r->stop_after && r->n >= r->stop_after;
}

static rows_t *
s_rows(void)
{
    rows_t *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    return r;
}

static void
s_due(gw_store_t *st, const char *recipient, int64_t now, size_t limit, rows_t *r)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(gw_store_due(st, recipient, now, limit, s_collect, r), GW_OK);
}

static int64_t
s_backlog(gw_store_t *st, const char *recipient)
{
    int64_t n = -1;
    assert_int_equal(gw_store_backlog(st, recipient, &n), GW_OK);
    return n;
}

/* ------------------------------------------------------------ tests ---- */

static void
test_store_put_dedup_and_due_order(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    int64_t a1 = s_put(st, "S1", "A", "1", "a-one", 1000);
    int64_t b1 = s_put(st, "S1", "B", "2", "b-one", 1001);
    int64_t a2 = s_put(st, "S2", "A", "1", "a-two", 1002); /* same ident, other sender */
    int64_t a3 = s_put(st, "S1", "A", "3", "a-three", 1003);
    assert_true(a1 < b1 && b1 < a2 && a2 < a3);

    /* A resend after a lost ACK: the first copy's id, nothing stored. */
    gw_store_msg_t m = s_msg("S1", "A", "1", "a-one-resent", 2000);
    int dup = 0;
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(dup, 1);
    assert_int_equal(m.id, a1);
    assert_int_equal(s_backlog(st, "A"), 3);
    assert_int_equal(s_backlog(st, "B"), 1);
    assert_int_equal(s_backlog(st, "C"), 0);

    rows_t *r = s_rows();
    s_due(st, "A", 5000, 100, r);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->msg_id[0], a1);
    assert_int_equal(r->msg_id[1], a2);
    assert_int_equal(r->msg_id[2], a3);
    assert_true(r->id[0] < r->id[1] && r->id[1] < r->id[2]);
    assert_string_equal(r->payload[0], "a-one");
    assert_string_equal(r->payload[1], "a-two");
    assert_string_equal(r->state[0], "pending");
    assert_string_equal(r->recipient[2], "A");
    assert_int_equal(r->created[0], 1000);
    assert_int_equal(r->attempts[0], 0);

    s_due(st, "A", 5000, 2, r); /* limit */
    assert_int_equal(r->n, 2);
    assert_int_equal(r->msg_id[1], a2);
    r->stop_after = 1; /* callback stops the walk */
    r->n = 0;
    assert_int_equal(gw_store_due(st, "A", 5000, 100, s_collect, r), GW_OK);
    assert_int_equal(r->n, 1);

    s_due(st, "B", 5000, 100, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->msg_id[0], b1);

    /* Contract violations. */
    gw_store_msg_t bad = s_msg("S1", "A", "9", "x", 1);
    bad.ident = NULL;
    assert_int_equal(gw_store_put(st, &bad, &dup), GW_EINVAL);
    free(r);
    gw_store_close(&st);
    assert_null(st);
    gw_store_close(&st); /* NULL is fine */
}

static void
test_store_sent_ack_and_retry_timing(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    s_put(st, "S1", "A", "1", "one", 1000);
    s_put(st, "S1", "A", "2", "two", 1001);
    rows_t *r = s_rows();
    s_due(st, "A", 2000, 10, r);
    assert_int_equal(r->n, 2);
    int64_t d1 = r->id[0], d2 = r->id[1];

    /* Send the first: in flight until 3000, the second is still due. */
    assert_int_equal(gw_store_begin(st), GW_OK);
    assert_int_equal(gw_store_sent(st, d1, 2000, 3000), GW_OK);
    assert_int_equal(gw_store_commit(st), GW_OK);
    s_due(st, "A", 2999, 10, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->id[0], d2);

    /* At its retry time it is due again, before the second (id order), attempts 1. */
    s_due(st, "A", 3000, 10, r);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->id[0], d1);
    assert_int_equal(r->attempts[0], 1);
    assert_string_equal(r->state[0], "inflight");
    assert_int_equal(r->id[1], d2);

    assert_int_equal(gw_store_sent(st, d1, 3000, 5000), GW_OK); /* autocommit works too */
    s_due(st, "A", 5000, 10, r);
    assert_int_equal(r->attempts[0], 2);
    assert_int_equal(s_backlog(st, "A"), 2);

    /* DACK: delivered, no longer due; a repeated DACK is harmless. */
    assert_int_equal(gw_store_acked(st, d1, "A", 5100), GW_OK);
    assert_int_equal(gw_store_acked(st, d1, "A", 5200), GW_OK);
    s_due(st, "A", 99999, 10, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->id[0], d2);
    assert_int_equal(s_backlog(st, "A"), 1);
    assert_int_equal(gw_store_sent(st, d1, 6000, 7000), GW_EINVAL); /* already delivered */
    assert_int_equal(gw_store_sent(st, 999999, 6000, 7000), GW_EINVAL);
    free(r);
    gw_store_close(&st);
}

static void
test_store_ack_by_wrong_recipient_is_einval(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    s_put(st, "S1", "A", "1", "one", 1000);
    rows_t *r = s_rows();
    s_due(st, "A", 2000, 10, r);
    int64_t d = r->id[0];
    assert_int_equal(gw_store_acked(st, d, "B", 2000), GW_EINVAL);
    assert_true(strlen(gw_store_last_error(st)) > 0);
    assert_int_equal(gw_store_acked(st, d + 1000, "A", 2000), GW_EINVAL);
    assert_int_equal(s_backlog(st, "A"), 1);
    s_due(st, "A", 2000, 10, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(gw_store_acked(st, d, "A", 2000), GW_OK);
    assert_int_equal(s_backlog(st, "A"), 0);
    free(r);
    gw_store_close(&st);
}

static void
test_store_expire_dead_and_requeue(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    s_put(st, "S1", "A", "1", "one", 1000);
    s_put(st, "S1", "A", "2", "two", 2000);
    s_put(st, "S1", "B", "3", "three", 1500);
    s_put(st, "S1", "A", "4", "four", 9000);
    rows_t *r = s_rows();
    s_due(st, "A", 10000, 10, r);
    int64_t a1 = r->id[0], a2 = r->id[1], a4 = r->id[2];
    assert_int_equal(gw_store_sent(st, a2, 2000, 2500), GW_OK);
    s_due(st, "B", 10000, 10, r);
    int64_t b3 = r->id[0];
    assert_int_equal(gw_store_acked(st, b3, "B", 1600), GW_OK);

    /* max_age 5000 at 8000: created before 3000 and undelivered -> dead (a1, a2); a
     * delivered one (b3) and a young one (a4) stay. */
    size_t moved = 0;
    assert_int_equal(gw_store_expire(st, 8000, 5000, &moved), GW_OK);
    assert_int_equal(moved, 2);
    s_due(st, "A", 100000, 10, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->id[0], a4);
    assert_int_equal(s_backlog(st, "A"), 1);

    memset(r, 0, sizeof(*r));
    assert_int_equal(gw_store_dead(st, s_collect, r), GW_OK);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->id[0], a1); /* oldest first */
    assert_int_equal(r->id[1], a2);
    assert_string_equal(r->state[0], "dead");
    assert_string_equal(r->payload[1], "two");

    /* Requeue one: pending again, created now, attempts 0. */
    size_t n = 0;
    assert_int_equal(gw_store_requeue(st, a2, 20000, &n), GW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(gw_store_requeue(st, a2, 20000, &n), GW_EINVAL); /* not dead now */
    assert_int_equal(gw_store_requeue(st, a4, 20000, &n), GW_EINVAL); /* never dead */
    s_due(st, "A", 20000, 10, r);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->id[0], a2);
    assert_int_equal(r->attempts[0], 0);
    assert_int_equal(r->created[0], 20000);
    assert_string_equal(r->state[0], "pending");

    /* Requeue all: the rest. */
    assert_int_equal(gw_store_requeue(st, 0, 21000, &n), GW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(gw_store_requeue(st, 0, 21000, &n), GW_OK);
    assert_int_equal(n, 0);
    s_due(st, "A", 21000, 10, r);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->id[0], a1);

    /* A late DACK of a dead delivery records it as delivered (no duplicate on requeue). */
    assert_int_equal(gw_store_expire(st, 100000, 1000, &moved), GW_OK);
    assert_int_equal(moved, 3);
    assert_int_equal(gw_store_acked(st, a1, "A", 100001), GW_OK);
    assert_int_equal(gw_store_requeue(st, 0, 100002, &n), GW_OK);
    assert_int_equal(n, 2);
    free(r);
    gw_store_close(&st);
}

static void
test_store_wiretap_delivery_has_own_payload(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    assert_int_equal(gw_store_begin(st), GW_OK);
    gw_store_msg_t m = s_msg("S1", "A", "1", "<full>free text</full>", 1000);
    int dup = 0;
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(gw_store_add_delivery(st, m.id, "TAP", "<stripped/>", 11, 1001), GW_OK);
    assert_int_equal(gw_store_add_delivery(st, m.id, "TAP2", NULL, 0, 1002), GW_OK);
    assert_int_equal(gw_store_add_delivery(st, m.id + 100, "TAP", "x", 1, 1002), GW_EINVAL);
    assert_int_equal(gw_store_commit(st), GW_OK);

    rows_t *r = s_rows();
    s_due(st, "A", 2000, 10, r);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->payload[0], "<full>free text</full>");
    s_due(st, "TAP", 2000, 10, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->msg_id[0], m.id);
    assert_int_equal(r->len[0], 11);
    assert_string_equal(r->payload[0], "<stripped/>");
    assert_int_equal(r->created[0], 1001);
    s_due(st, "TAP2", 2000, 10, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->len[0], 0); /* an empty copy is not the original */
    free(r);
    gw_store_close(&st);
}

static void
test_store_find_heen(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    int64_t id = s_put(st, "GEM0363", "AGB1", "42", "<heen/>", 1000);
    int64_t found = 0;
    char sender[65] = "", to[65] = "";
    assert_int_equal(
        gw_store_find_heen(st, "JW315", "12345678", "42", "2025-01-31", &found, sender, to), GW_OK);
    assert_int_equal(found, id);
    assert_string_equal(sender, "GEM0363");
    assert_string_equal(to, "AGB1"); /* who may answer it */
    assert_int_equal(
        gw_store_find_heen(st, "JW301", "12345678", "42", "2025-01-31", &found, sender, NULL), GW_EINVAL);
    assert_int_equal(
        gw_store_find_heen(st, "JW315", "12345678", "42", "2025-02-01", &found, sender, NULL), GW_EINVAL);
    gw_store_close(&st);
}

typedef struct depths {
    size_t n;
    char recipient[8][16];
    gw_store_depth_t d[8];
} depths_t;

static int
s_depth_cb(void *arg, const gw_store_depth_t *d)
{
    depths_t *ds = arg;
    assert_true(ds->n < 8);
    snprintf(ds->recipient[ds->n], sizeof(ds->recipient[0]), "%s", d->recipient);
    ds->d[ds->n] = *d;
    ds->d[ds->n].recipient = ds->recipient[ds->n];
    ds->n++;
    return 0;
}

static void
test_store_depths_and_backlog(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    s_put(st, "S1", "A", "1", "x", 1000);
    s_put(st, "S1", "A", "2", "x", 1100);
    s_put(st, "S1", "A", "3", "x", 1200);
    s_put(st, "S1", "A", "4", "x", 1300);
    s_put(st, "S1", "B", "5", "x", 1400);
    rows_t *r = s_rows();
    s_due(st, "A", 2000, 10, r);
    assert_int_equal(gw_store_acked(st, r->id[0], "A", 2000), GW_OK); /* created 1000 */
    assert_int_equal(gw_store_sent(st, r->id[1], 2000, 9000), GW_OK);
    size_t moved = 0;
    assert_int_equal(gw_store_expire(st, 2250, 1000, &moved), GW_OK); /* kills 1100, 1200 */
    assert_int_equal(moved, 2);

    depths_t ds = {0};
    assert_int_equal(gw_store_depths(st, s_depth_cb, &ds), GW_OK);
    assert_int_equal(ds.n, 2);
    assert_string_equal(ds.d[0].recipient, "A");
    assert_int_equal(ds.d[0].pending, 1);
    assert_int_equal(ds.d[0].inflight, 0);
    assert_int_equal(ds.d[0].delivered, 1);
    assert_int_equal(ds.d[0].dead, 2);
    assert_int_equal(ds.d[0].oldest_pending_ms, 1300);
    assert_string_equal(ds.d[1].recipient, "B");
    assert_int_equal(ds.d[1].pending, 1);
    assert_int_equal(ds.d[1].oldest_pending_ms, 1400);
    assert_int_equal(s_backlog(st, "A"), 1);
    assert_int_equal(s_backlog(st, "B"), 1);

    assert_int_equal(gw_store_acked(st, r->id[3], "A", 3000), GW_OK);
    memset(&ds, 0, sizeof(ds));
    assert_int_equal(gw_store_depths(st, s_depth_cb, &ds), GW_OK);
    assert_int_equal(ds.d[0].oldest_pending_ms, 0);
    assert_int_equal(s_backlog(st, "A"), 0);
    assert_true(gw_store_size(st) > 0);
    free(r);
    gw_store_close(&st);
}

static void
test_store_max_bytes_is_efull_and_group_survives(void **state)
{
    (void)state;
    char path[300];
    static char big[2 << 20];
    static char mid[8192];
    memset(big, 'b', sizeof(big) - 1);
    memset(mid, 'm', sizeof(mid) - 1);
    gw_store_opts_t opts = {.max_bytes = 1 << 20};
    gw_store_t *st = s_open(s_path(path, sizeof(path)), &opts);
    char ident[32];
    int dup = 0;

    /* In one group: small puts, one too big (GW_EFULL), more small puts, commit. */
    assert_int_equal(gw_store_begin(st), GW_OK);
    for (int i = 0; i < 20; i++) {
        snprintf(ident, sizeof(ident), "s%d", i);
        gw_store_msg_t m = s_msg("S1", "A", ident, "<small/>", 1000 + i);
        if (i == 10) {
            gw_store_msg_t b = s_msg("S1", "A", "big", big, 1000);
            assert_int_equal(gw_store_put(st, &b, &dup), GW_EFULL);
            assert_int_equal(b.id, 0);
        }
        assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
        assert_int_equal(dup, 0);
    }
    assert_int_equal(gw_store_commit(st), GW_OK);
    assert_int_equal(s_backlog(st, "A"), 20);
    int64_t id = 0;
    char sender[65];
    assert_int_equal(gw_store_find_heen(st, "JW315", "12345678", "big", "2025-01-31", &id, sender, NULL),
                     GW_EINVAL);

    /* Fill up with 8 KB messages until refused; what was accepted commits. */
    int accepted = 0, rc = GW_OK;
    assert_int_equal(gw_store_begin(st), GW_OK);
    for (int i = 0; i < 1000 && rc == GW_OK; i++) {
        snprintf(ident, sizeof(ident), "m%d", i);
        gw_store_msg_t m = s_msg("S1", "B", ident, mid, 2000 + i);
        rc = gw_store_put(st, &m, &dup);
        accepted += rc == GW_OK;
    }
    assert_int_equal(rc, GW_EFULL);
    assert_true(accepted > 10);
    /* A resend of a stored message is still answered (duplicate, nothing stored). */
    gw_store_msg_t again = s_msg("S1", "B", "m0", mid, 9999);
    assert_int_equal(gw_store_put(st, &again, &dup), GW_OK);
    assert_int_equal(dup, 1);
    assert_int_equal(gw_store_commit(st), GW_OK);
    assert_int_equal(s_backlog(st, "B"), accepted);
    /* Deliveries still progress while full. */
    rows_t *r = s_rows();
    s_due(st, "B", 5000, 1, r);
    assert_int_equal(gw_store_acked(st, r->id[0], "B", 5000), GW_OK);
    free(r);
    gw_store_close(&st);

    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size <= (1 << 20) + 3 * (int)sizeof(mid));

    /* A larger limit after reopening: accepted again, everything kept. */
    opts.max_bytes = 8 << 20;
    st = s_open(path, &opts);
    gw_store_msg_t m = s_msg("S1", "B", "after", mid, 3000);
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(s_backlog(st, "B"), accepted);
    assert_int_equal(s_backlog(st, "A"), 20);
    gw_store_close(&st);
}

static void
test_store_rollback_discards_group(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    assert_int_equal(gw_store_begin(st), GW_OK);
    gw_store_msg_t m = s_msg("S1", "A", "1", "x", 1000);
    int dup = 0;
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(gw_store_rollback(st), GW_OK);
    assert_int_equal(gw_store_rollback(st), GW_OK); /* nothing open: no-op */
    assert_int_equal(s_backlog(st, "A"), 0);
    assert_int_equal(gw_store_begin(st), GW_OK);
    assert_int_equal(gw_store_begin(st), GW_EIO); /* nested */
    assert_int_equal(gw_store_commit(st), GW_OK);
    assert_int_equal(gw_store_commit(st), GW_EIO); /* none open */
    s_put(st, "S1", "A", "1", "x", 1000);          /* the rolled-back copy is not a duplicate */
    gw_store_close(&st);
}

static void
test_store_reopen_keeps_everything(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    gw_store_t *st = s_open(path, NULL);
    for (int i = 0; i < 10; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "%d", i);
        s_put(st, "S1", i % 2 ? "A" : "B", ident, "payload", 1000 + i);
    }
    rows_t *r = s_rows();
    s_due(st, "A", 2000, 10, r);
    assert_int_equal(r->n, 5);
    assert_int_equal(gw_store_sent(st, r->id[0], 2000, 4000), GW_OK);
    assert_int_equal(gw_store_acked(st, r->id[1], "A", 2000), GW_OK);
    gw_store_close(&st);

    st = s_open(path, NULL);
    s_due(st, "A", 3000, 10, r);
    assert_int_equal(r->n, 3); /* one in flight until 4000, one delivered */
    s_due(st, "A", 4000, 10, r);
    assert_int_equal(r->n, 4);
    assert_int_equal(r->attempts[0], 1);
    assert_int_equal(s_backlog(st, "B"), 5);
    int dup = 0;
    gw_store_msg_t m = s_msg("S1", "A", "1", "payload", 5000);
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(dup, 1);
    free(r);
    gw_store_close(&st);
}

static void
test_store_readonly_reads_while_writer_holds_db(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    gw_store_t *w = s_open(path, NULL);
    s_put(w, "S1", "A", "1", "x", 1000);
    s_put(w, "S1", "A", "2", "x", 1001);
    assert_int_equal(gw_store_begin(w), GW_OK);
    gw_store_msg_t m = s_msg("S1", "A", "3", "x", 1002);
    int dup = 0;
    assert_int_equal(gw_store_put(w, &m, &dup), GW_OK); /* holds the write lock */

    gw_store_opts_t ro = {.readonly = 1};
    gw_store_t *r = s_open(path, &ro);
    depths_t ds = {0};
    assert_int_equal(gw_store_depths(r, s_depth_cb, &ds), GW_OK);
    assert_int_equal(ds.n, 1);
    assert_int_equal(ds.d[0].pending, 2); /* committed state only */
    assert_int_equal(gw_store_begin(r), GW_EINVAL);
    assert_int_equal(gw_store_put(r, &m, &dup), GW_EINVAL);

    assert_int_equal(gw_store_commit(w), GW_OK);
    memset(&ds, 0, sizeof(ds));
    assert_int_equal(gw_store_depths(r, s_depth_cb, &ds), GW_OK);
    assert_int_equal(ds.d[0].pending, 3);
    gw_store_close(&r);
    gw_store_close(&w);

    /* Readonly never creates a database. */
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/missing.db", s_dir);
    char *err = NULL;
    assert_null(gw_store_open(missing, &ro, &err));
    assert_non_null(err);
    gw_free(err);
    assert_int_equal(access(missing, F_OK), -1);
}

static void
test_store_newer_schema_is_refused(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    gw_store_t *st = s_open(path, NULL);
    gw_store_close(&st);
    /* user_version lives at offset 60 of the database header, big-endian. */
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char v[4] = {0, 0, 0, 99};
    assert_int_equal(pwrite(fd, v, sizeof(v), 60), 4);
    close(fd);
    char *err = NULL;
    assert_null(gw_store_open(path, NULL, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "newer"));
    gw_free(err);
}

/* gw_store_due_after: pending deliveries after the cursor, retries that are due at any id,
 * merged in id order; after_id 0 is gw_store_due. */
static void
test_store_due_after_skips_sent_pending(void **state)
{
    (void)state;
    char path[300];
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    int64_t id[5];
    for (int i = 0; i < 5; i++) {
        char ident[8];
        snprintf(ident, sizeof(ident), "%d", i);
        id[i] = s_put(st, "S1", "A", ident, "x", 1000 + i);
    }
    rows_t *r = s_rows();
    assert_int_equal(gw_store_due_after(st, "A", id[1], 2000, 10, s_collect, r), GW_OK);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->id[0], id[2]);
    assert_int_equal(r->id[2], id[4]);
    /* id[0] was retried (inflight, due at 1500): it comes back despite the cursor, first. */
    assert_int_equal(gw_store_sent(st, id[0], 1000, 1500), GW_OK);
    memset(r, 0, sizeof(*r));
    assert_int_equal(gw_store_due_after(st, "A", id[3], 2000, 10, s_collect, r), GW_OK);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->id[0], id[0]);
    assert_int_equal(r->attempts[0], 1);
    assert_int_equal(r->id[1], id[4]);
    int64_t n = -1;
    assert_int_equal(gw_store_inflight(st, "A", &n), GW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(gw_store_inflight(st, "B", &n), GW_OK);
    assert_int_equal(n, 0);
    /* Not due yet: only the pending row after the cursor. */
    memset(r, 0, sizeof(*r));
    assert_int_equal(gw_store_due_after(st, "A", id[3], 1400, 10, s_collect, r), GW_OK);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->id[0], id[4]);
    /* A pending row can be acknowledged without ever being marked sent. */
    assert_int_equal(gw_store_acked(st, id[2], "A", 2100), GW_OK);
    s_due(st, "A", 2000, 10, r);
    assert_int_equal(r->n, 4);
    assert_int_equal(r->id[0], id[0]);
    assert_int_equal(r->id[1], id[1]);
    assert_int_equal(r->id[2], id[3]);
    assert_int_equal(s_backlog(st, "A"), 4);
    free(r);
    gw_store_close(&st);
}

/* The version-1 schema exactly as the previous release created it. */
static const char s_v1_schema[] = UT_STORE_V1_SCHEMA
    "INSERT INTO messages VALUES (1, 'S1', 'A', 'JW315', '12345678', 'm1', '2025-01-31', 0, "
    "'one', 3, 100), (2, 'S1', 'A', 'JW315', '12345678', 'm2', '2025-01-31', 0, 'two', 3, 200), "
    "(3, 'S1', 'A', 'JW315', '12345678', 'm3', '2025-01-31', 0, 'three', 5, 300), "
    "(4, 'S1', 'B', 'JW315', '12345678', 'm4', '2025-01-31', 0, 'four', 4, 400);"
    "INSERT INTO deliveries VALUES (10, 1, 'A', NULL, 'delivered', 1, 100, 2100, 150), "
    "(11, 2, 'A', NULL, 'inflight', 1, 200, 5000, NULL), "
    "(12, 3, 'A', NULL, 'pending', 0, 300, 0, NULL), "
    "(13, 4, 'B', NULL, 'dead', 3, 400, 9000, NULL), "
    "(14, 3, 'TAP', 'copy', 'pending', 0, 300, 0, NULL);"
    "PRAGMA user_version = 1;";

/* A version-1 store upgrades to version 2 in place: every delivery keeps its id, state,
 * attempts and payload, the state check still holds, new ids continue after the old. */
static void
test_store_upgrade_from_v1(void **state)
{
    (void)state;
    char path[300];
    s_path(path, sizeof(path));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, s_v1_schema, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    gw_store_opts_t ro = {.readonly = 1};
    char *err = NULL;
    assert_null(gw_store_open(path, &ro, &err)); /* readonly never upgrades */
    gw_free(err);

    gw_store_t *st = s_open(path, NULL);
    rows_t *r = s_rows();
    s_due(st, "A", 6000, 10, r);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->id[0], 11);
    assert_int_equal(r->attempts[0], 1);
    assert_string_equal(r->state[0], "inflight");
    assert_string_equal(r->payload[0], "two");
    assert_int_equal(r->id[1], 12);
    assert_string_equal(r->state[1], "pending");
    s_due(st, "A", 4000, 10, r); /* the retry is not due yet */
    assert_int_equal(r->n, 1);
    assert_int_equal(r->id[0], 12);
    s_due(st, "TAP", 4000, 10, r);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->payload[0], "copy");
    assert_int_equal(s_backlog(st, "A"), 2);
    memset(r, 0, sizeof(*r));
    assert_int_equal(gw_store_dead(st, s_collect, r), GW_OK);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->id[0], 13);
    depths_t ds = {0};
    assert_int_equal(gw_store_depths(st, s_depth_cb, &ds), GW_OK);
    assert_int_equal(ds.n, 3);
    assert_int_equal(ds.d[0].delivered, 1);
    assert_int_equal(ds.d[0].inflight, 1);
    assert_int_equal(ds.d[0].pending, 1);
    assert_int_equal(ds.d[0].oldest_pending_ms, 200);
    assert_int_equal(ds.d[1].dead, 1);
    /* Dedup still sees the old messages; a new one gets a delivery id after the old ones. */
    gw_store_msg_t m = s_msg("S1", "A", "m1", "again", 7000);
    int dup = 0;
    assert_int_equal(gw_store_begin(st), GW_OK);
    assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
    assert_int_equal(dup, 1);
    assert_int_equal(m.id, 1);
    assert_int_equal(gw_store_commit(st), GW_OK);
    s_put(st, "S1", "A", "m5", "five", 7000);
    s_due(st, "A", 6000, 10, r);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->id[2], 15);
    assert_int_equal(gw_store_acked(st, 11, "A", 7000), GW_OK);
    assert_int_equal(gw_store_acked(st, 10, "A", 7000), GW_OK); /* repeated: harmless */
    assert_int_equal(s_backlog(st, "A"), 2);
    free(r);
    gw_store_close(&st);

    assert_int_equal(ut_sql_int(path, "PRAGMA user_version"), 2);
    assert_int_equal(ut_sql_int(path, "SELECT count(*) FROM schema_version"), 2);
    assert_int_equal(ut_sql_int(path, "SELECT sql LIKE '%WHERE%' FROM sqlite_schema WHERE "
                                      "name = 'deliveries_due'"),
                     1);
    /* The state check survived the rebuild. */
    assert_int_equal(ut_sql_int(path, "SELECT count(*) FROM deliveries"), 6);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    int src =
        sqlite3_exec(db, "UPDATE deliveries SET state = 'lost' WHERE id = 12", NULL, NULL, NULL);
    assert_int_equal(src & 0xff, SQLITE_CONSTRAINT);
    sqlite3_close(db);
    st = s_open(path, &ro); /* and a readonly open reads version 2 */
    assert_int_equal(s_backlog(st, "A"), 2);
    gw_store_close(&st);
}

/* Cap the size of any file this process writes at limit (soft limit only, so it can be
 * raised again); SIGXFSZ is ignored so an over-long write fails instead of killing us. */
static void
s_fsize(struct rlimit *saved, rlim_t limit)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, saved), 0);
    rl = *saved;
    rl.rlim_cur = limit;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static off_t
s_file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* The disk fills up while the group commits: COMMIT fails, nothing of the group is
 * stored, what was committed before stays, and the store works once there is room. */
static void
test_store_disk_full_at_commit_loses_only_the_group(void **state)
{
    (void)state;
    char path[300], wal[310];
    static char payload[2048];
    memset(payload, 'p', sizeof(payload) - 1);
    signal(SIGXFSZ, SIG_IGN);
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    s_put(st, "S1", "A", "before", "x", 1000);
    struct rlimit saved;
    s_fsize(&saved,
            (rlim_t)(s_file_size(wal) > s_file_size(path) ? s_file_size(wal) : s_file_size(path)) +
                6000);
    assert_int_equal(gw_store_begin(st), GW_OK);
    for (int i = 0; i < T_BATCH; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "g%d", i);
        gw_store_msg_t m = s_msg("S1", "A", ident, payload, 2000 + i);
        int dup = 0;
        assert_int_equal(gw_store_put(st, &m, &dup), GW_OK); /* in the page cache */
    }
    assert_int_not_equal(gw_store_commit(st), GW_OK);
    print_message("# disk full at commit: %s\n", gw_store_last_error(st));
    assert_int_equal(gw_store_rollback(st), GW_OK); /* what the broker does; a no-op */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_int_equal(s_backlog(st, "A"), 1);
    s_put(st, "S1", "A", "g0", "x", 3000); /* not a duplicate: the group is gone */
    gw_store_close(&st);
    st = s_open(path, NULL);
    assert_int_equal(s_backlog(st, "A"), 2);
    gw_store_close(&st);
}

/* The disk fills up in the middle of a large group (the page cache spills to the WAL):
 * the failing put stores nothing, and the group either stays usable (commit keeps the
 * puts that succeeded) or was rolled back by SQLite (commit fails, nothing kept). Never
 * a commit that reports success for a partial group. */
static void
test_store_disk_full_during_put_never_half_commits(void **state)
{
    (void)state;
    char path[300], wal[310];
    const size_t len = 1 << 20;
    char *payload = malloc(len);
    assert_non_null(payload);
    memset(payload, 'q', len);
    signal(SIGXFSZ, SIG_IGN);
    gw_store_t *st = s_open(s_path(path, sizeof(path)), NULL);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    s_put(st, "S1", "A", "before", "x", 1000);
    struct rlimit saved;
    s_fsize(&saved, (rlim_t)s_file_size(wal) + (rlim_t)(4 * len));
    assert_int_equal(gw_store_begin(st), GW_OK);
    int ok = 0, rc = GW_OK;
    for (int i = 0; i < 64 && rc == GW_OK; i++) {
        char ident[16];
        snprintf(ident, sizeof(ident), "big%d", i);
        gw_store_msg_t m = s_msg("S1", "A", ident, payload, 2000 + i);
        m.len = len;
        int dup = 0;
        rc = gw_store_put(st, &m, &dup);
        ok += rc == GW_OK;
    }
    assert_true(rc == GW_EFULL || rc == GW_EIO);
    print_message("# disk full during put after %d puts: %s\n", ok, gw_store_last_error(st));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    gw_store_msg_t probe = s_msg("S1", "A", "probe", "x", 2500);
    int dup = 0;
    int prc = gw_store_put(st, &probe, &dup); /* refused if the group is gone */
    int crc = gw_store_commit(st);
    print_message("# then commit: %s\n", crc == GW_OK ? "ok, group kept" : gw_store_last_error(st));
    if (crc != GW_OK) {
        assert_int_equal(gw_store_rollback(st), GW_OK);
    }
    assert_int_equal(prc, crc == GW_OK ? GW_OK : GW_EIO);
    int64_t expect = 1 + (crc == GW_OK ? ok + 1 : 0);
    assert_int_equal(s_backlog(st, "A"), expect);
    s_put(st, "S1", "A", "after", "x", 3000);
    gw_store_close(&st);
    st = s_open(path, NULL);
    assert_int_equal(s_backlog(st, "A"), expect + 1);
    gw_store_close(&st);
    free(payload);
}

/* ------------------------------------------------------------ crash safety ---- */

/* Child: put and commit batches forever, reporting the committed count after each
 * commit; it is SIGKILLed by the parent. Exits 2 on any store error. */
static void
s_crash_child(const char *path, int sync_normal, int fd)
{
    gw_alloc_set(NULL); /* cmocka's allocator bookkeeping is not the child's business */
    gw_store_opts_t opts = {.sync_normal = sync_normal};
    gw_store_t *st = gw_store_open(path, &opts, NULL);
    if (!st) {
        _exit(2);
    }
    static char payload[4096];
    int64_t committed = 0;
    for (int b = 0; b < 100000; b++) {
        if (gw_store_begin(st) != GW_OK) {
            _exit(2);
        }
        for (int i = 0; i < T_BATCH; i++) {
            char ident[32];
            int64_t n = committed + i;
            snprintf(ident, sizeof(ident), "%" PRId64, n);
            int len = snprintf(payload, sizeof(payload), "%08" PRId64 ":", n);
            size_t extra = (size_t)(n * 37 % 3000);
            memset(payload + len, 'x', extra);
            gw_store_msg_t m = s_msg("S1", "A", ident, payload, n);
            m.len = (size_t)len + extra;
            int dup = 0;
            if (gw_store_put(st, &m, &dup) != GW_OK || dup) {
                _exit(2);
            }
        }
        if (gw_store_commit(st) != GW_OK) {
            _exit(2);
        }
        committed += T_BATCH;
        if (write(fd, &committed, sizeof(committed)) != (ssize_t)sizeof(committed)) {
            _exit(2);
        }
    }
    _exit(0);
}

static void
s_crash_round(unsigned *seed, int sync_normal)
{
    char path[300];
    s_path(path, sizeof(path));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        s_crash_child(path, sync_normal, fds[1]);
    }
    close(fds[1]);
    int64_t threshold = T_BATCH * (1 + rand_r(seed) % 40);
    int64_t reported = 0, v = 0;
    while (reported < threshold && read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v)) {
        reported = v;
    }
    struct timespec ts = {0, (long)(rand_r(seed) % 5000) * 1000L};
    nanosleep(&ts, NULL);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status)); /* did not fail on its own */
    ssize_t got;
    while ((got = read(fds[0], &v, sizeof(v))) == (ssize_t)sizeof(v)) {
        reported = v;
    }
    assert_int_equal(got, 0);
    close(fds[0]);
    assert_true(reported >= threshold);

    gw_store_t *st = s_open(path, NULL);
    int64_t backlog = s_backlog(st, "A");
    assert_true(backlog >= reported);       /* everything acknowledged survived */
    assert_int_equal(backlog % T_BATCH, 0); /* and groups are atomic */
    rows_t *r = s_rows();
    int64_t seen = 0, last = 0;
    while (seen < backlog) {
        s_due(st, "A", 0, T_MAX_ROWS, r);
        assert_true(r->n > 0);
        for (size_t i = 0; i < r->n; i++) {
            assert_true(r->id[i] > last);
            last = r->id[i];
            assert_int_equal(strtoll(r->payload[i], NULL, 10), seen); /* in order */
            assert_int_equal(r->len[i], 9 + (size_t)(seen * 37 % 3000));
            assert_int_equal(gw_store_acked(st, r->id[i], "A", 1), GW_OK);
            seen++;
        }
    }
    assert_int_equal(s_backlog(st, "A"), 0);
    free(r);
    gw_store_close(&st);
    print_message("# crash round: %" PRId64 " reported, %" PRId64 " found (sync %s)\n", reported,
                  backlog, sync_normal ? "NORMAL" : "FULL");
}

static void
test_store_survives_sigkill(void **state)
{
    (void)state;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    print_message("# crash seed %u\n", seed);
    for (int round = 0; round < 5; round++) {
        s_crash_round(&seed, round == 4);
    }
}

/* ------------------------------------------------------------ throughput ---- */

static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
s_throughput(int sync_normal, int batches)
{
    char path[300];
    gw_store_opts_t opts = {.sync_normal = sync_normal, .max_bytes = 1LL << 40};
    gw_store_t *st = s_open(s_path(path, sizeof(path)), &opts);
    static char payload[2048];
    memset(payload, 'p', sizeof(payload) - 1);
    double t0 = s_now();
    for (int b = 0; b < batches; b++) {
        assert_int_equal(gw_store_begin(st), GW_OK);
        for (int i = 0; i < T_BATCH; i++) {
            char ident[32];
            snprintf(ident, sizeof(ident), "%d", b * T_BATCH + i);
            gw_store_msg_t m = s_msg("S1", i % 2 ? "A" : "B", ident, payload, b);
            int dup = 0;
            assert_int_equal(gw_store_put(st, &m, &dup), GW_OK);
        }
        assert_int_equal(gw_store_commit(st), GW_OK);
    }
    double dt = s_now() - t0;
    print_message("# throughput: %d put+commit in batches of %d, 2 KB, synchronous=%s: "
                  "%.0f msg/s\n",
                  batches * T_BATCH, T_BATCH, sync_normal ? "NORMAL" : "FULL",
                  (double)(batches * T_BATCH) / dt);
    gw_store_close(&st);
}

static void
test_store_throughput(void **state)
{
    (void)state;
    int batches = getenv("GW_STORE_BENCH_BATCHES") ? atoi(getenv("GW_STORE_BENCH_BATCHES")) : 50;
    s_throughput(0, batches);
    s_throughput(1, batches);
}

/* ------------------------------------------------------------ fixture ---- */

static int
s_group_setup(void **state)
{
    (void)state;
    return ut_tmpdir(s_dir, sizeof(s_dir), "gw-store");
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
        T(test_store_put_dedup_and_due_order),
        T(test_store_sent_ack_and_retry_timing),
        T(test_store_ack_by_wrong_recipient_is_einval),
        T(test_store_expire_dead_and_requeue),
        T(test_store_wiretap_delivery_has_own_payload),
        T(test_store_find_heen),
        T(test_store_depths_and_backlog),
        T(test_store_max_bytes_is_efull_and_group_survives),
        T(test_store_rollback_discards_group),
        T(test_store_reopen_keeps_everything),
        T(test_store_readonly_reads_while_writer_holds_db),
        T(test_store_newer_schema_is_refused),
        T(test_store_due_after_skips_sent_pending),
        T(test_store_upgrade_from_v1),
        T(test_store_disk_full_at_commit_loses_only_the_group),
        T(test_store_disk_full_during_put_never_half_commits),
        T(test_store_survives_sigkill),
        T(test_store_throughput),
    };
    return cmocka_run_group_tests_name("store", tests, s_group_setup, s_group_teardown);
}
