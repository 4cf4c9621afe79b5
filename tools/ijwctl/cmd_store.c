/*
 * ijwctl queues / dlq: inspect the gateway's store and requeue dead letters.
 * Reads the SQLite store directly (WAL allows it next to a running gateway).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw_config.h"
#include "gw_crypt.h"
#include "gw_store.h"

#include "ijwctl.h"

int
ijwctl_conf(const char *config_path, char *endpoint, size_t ecap, char *store, size_t scap)
{
    gw_config_t *cfg = ijwctl_config_load(config_path);
    if (!cfg) {
        return -1;
    }
    snprintf(endpoint, ecap, "%s", cfg->endpoint);
    snprintf(store, scap, "%s", cfg->store);
    gw_config_destroy(&cfg);
    return 0;
}

/* The store key file and the audit log of the -c config, or -k / -a with -s. */
static char s_key_path[1024];
static char s_audit_path[1024];
static int s_have_keys; /* the store opens sealed payloads (s_key_path loaded) */

/* -c CONFIG or -s STORE (with -k KEYFILE, -a AUDITLOG), then the rest. */
static int
s_store_path(int *argc, char ***argv, char *store, size_t cap)
{
    const char *cfg = NULL, *direct = NULL;
    int i = 0;
    while (i + 1 < *argc && (*argv)[i][0] == '-') {
        if (strcmp((*argv)[i], "-c") == 0) {
            cfg = (*argv)[i + 1];
        } else if (strcmp((*argv)[i], "-s") == 0) {
            direct = (*argv)[i + 1];
        } else if (strcmp((*argv)[i], "-k") == 0) {
            snprintf(s_key_path, sizeof(s_key_path), "%s", (*argv)[i + 1]);
        } else if (strcmp((*argv)[i], "-a") == 0) {
            snprintf(s_audit_path, sizeof(s_audit_path), "%s", (*argv)[i + 1]);
        } else {
            fprintf(stderr, "ijwctl: unknown option %s\n", (*argv)[i]);
            return -1;
        }
        i += 2;
    }
    *argc -= i;
    *argv += i;
    if (direct) {
        snprintf(store, cap, "%s", direct);
        return 0;
    }
    char ep[256];
    if (ijwctl_conf(cfg, ep, sizeof(ep), store, cap) != 0) {
        return -1;
    }
    char key[1024], audit[1024];
    if (ijwctl_config_paths(cfg, key, sizeof(key), audit, sizeof(audit)) != 0) {
        return -1;
    }
    if (!s_key_path[0]) {
        snprintf(s_key_path, sizeof(s_key_path), "%s", key);
    }
    if (!s_audit_path[0]) {
        snprintf(s_audit_path, sizeof(s_audit_path), "%s", audit);
    }
    return 0;
}

static gw_store_t *
s_open(const char *path, int readonly)
{
    char *err = NULL;
    gw_store_opts_t o = {.readonly = readonly};
    gw_store_t *s = gw_store_open(path, &o, &err);
    if (!s) {
        char shown[1100];
        fprintf(stderr, "ijwctl: cannot open store %s: %s\n",
                gw_store_display(path, shown, sizeof(shown)), err ? err : "?");
        gw_free(err);
        return NULL;
    }
    if (s_key_path[0]) { /* payloads read through the store are opened with these keys */
        gw_keyring_t *kr = gw_keyring_load(s_key_path, &err);
        if (!kr) { /* listing needs no payload: go on, without checking the sealed ones */
            fprintf(stderr, "ijwctl: store_key: %s (encrypted payloads not checked)\n",
                    err ? err : "?");
            gw_free(err);
            return s;
        }
        gw_store_set_keys(s, &kr);
        s_have_keys = 1;
    }
    return s;
}

static int
s_depth_row(void *arg, const gw_store_depth_t *d)
{
    int64_t now = *(int64_t *)arg;
    char age[32] = "-";
    if (d->oldest_pending_ms > 0) {
        snprintf(age, sizeof(age), "%" PRId64 "s", (now - d->oldest_pending_ms) / 1000);
    }
    printf("%-12s %8" PRId64 " %8" PRId64 " %10" PRId64 " %6" PRId64 " %12s\n", d->recipient,
           d->pending, d->inflight, d->delivered, d->dead, age);
    return 0;
}

int
ijwctl_queues(int argc, char **argv)
{
    char path[1024];
    if (s_store_path(&argc, &argv, path, sizeof(path)) != 0) {
        return 2;
    }
    gw_store_t *s = s_open(path, 1);
    if (!s) {
        return 2;
    }
    int64_t now = gw_wall_ms();
    char shown[1100];
    printf("store %s (%" PRId64 " bytes)\n", gw_store_display(path, shown, sizeof(shown)),
           gw_store_size(s));
    printf("%-12s %8s %8s %10s %6s %12s\n", "RECIPIENT", "PENDING", "INFLIGHT", "DELIVERED",
           "DEAD", "OLDEST-OPEN");
    int rc = gw_store_depths(s, s_depth_row, &now);
    gw_store_close(&s);
    return rc == GW_OK ? 0 : 2;
}

static int
s_dead_row(void *arg, const gw_store_delivery_t *d)
{
    int *n = arg;
    (*n)++;
    time_t t = (time_t)(d->created_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    char pl[32];
    if (d->unreadable && (s_have_keys || !d->key_id)) {
        snprintf(pl, sizeof(pl), "UNREADABLE");
    } else if (d->key_id && !s_have_keys) {
        snprintf(pl, sizeof(pl), "key %" PRIu32 " (unchecked)", d->key_id);
    } else if (d->key_id) {
        snprintf(pl, sizeof(pl), "key %" PRIu32, d->key_id);
    } else {
        snprintf(pl, sizeof(pl), "plain");
    }
    printf("%-10" PRId64 " %-10" PRId64 " %-8s %-10s -> %-10s %8d %s %s\n", d->delivery_id,
           d->msg_id, d->type, d->sender, d->recipient, d->attempts, when, pl);
    if (d->unreadable && (s_have_keys || !d->key_id)) {
        fprintf(stderr, "ijwctl: delivery %" PRId64 ": %s\n", d->delivery_id, d->unreadable);
    }
    return 0;
}

int
ijwctl_dlq(int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: ijwctl dlq list|requeue [ID|all] [-c CONFIG | -s STORE]\n");
        return 2;
    }
    const char *sub = argv[0];
    argc--;
    argv++;
    const char *target = NULL;
    if (strcmp(sub, "requeue") == 0) {
        if (argc < 1 || argv[0][0] == '-') {
            fprintf(stderr, "usage: ijwctl dlq requeue ID|all [-c CONFIG | -s STORE]\n");
            return 2;
        }
        target = argv[0];
        argc--;
        argv++;
    } else if (strcmp(sub, "list") != 0) {
        fprintf(stderr, "ijwctl: dlq %s: expected list or requeue\n", sub);
        return 2;
    }
    char path[1024];
    if (s_store_path(&argc, &argv, path, sizeof(path)) != 0) {
        return 2;
    }
    gw_store_t *s = s_open(path, target == NULL);
    if (!s) {
        return 2;
    }
    int status = 0;
    if (!target) {
        int n = 0;
        printf("%-10s %-10s %-8s %-10s    %-10s %8s %-20s %s\n", "DELIVERY", "MESSAGE", "TYPE",
               "FROM", "TO", "ATTEMPTS", "CREATED", "PAYLOAD");
        status = gw_store_dead(s, s_dead_row, &n) == GW_OK ? 0 : 2;
        printf("%d dead letter(s)\n", n);
    } else {
        int64_t id = 0;
        if (strcmp(target, "all") != 0) {
            char *end = NULL;
            id = strtoll(target, &end, 10);
            if (!end || *end || id <= 0) {
                fprintf(stderr, "ijwctl: %s is not a delivery id\n", target);
                gw_store_close(&s);
                return 2;
            }
        }
        size_t n = 0;
        int rc = gw_store_begin(s);
        if (rc == GW_OK) {
            rc = gw_store_requeue(s, id, gw_wall_ms(), &n);
        }
        if (rc == GW_OK) {
            rc = gw_store_commit(s);
        } else if (gw_store_rollback(s) != GW_OK) {
            rc = GW_EIO;
        }
        if (rc != GW_OK) {
            fprintf(stderr, "ijwctl: requeue failed: %s\n", gw_store_last_error(s));
            status = 2;
        } else {
            printf("%zu dead letter(s) requeued; the gateway delivers them when the recipient is "
                   "connected\n",
                   n);
            status = n > 0 ? 0 : 1;
            char detail[32];
            snprintf(detail, sizeof(detail), "requeued:%zu", n);
            if (ijwctl_audit_admin(s_audit_path, "dlq_requeue", target, detail) != 0) {
                status = 2;
            }
        }
    }
    gw_store_close(&s);
    return status;
}
