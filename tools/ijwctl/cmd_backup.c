/*
 * ijwctl backup / restore / store version|upgrade: the store as a whole
 * (gateway/gw_store_admin.h). A backup runs next to a running gateway; a
 * restore and an upgrade take the store's lock (gateway/gw_lock.h), so they
 * are refused while a gateway runs on the store, and a gateway cannot start
 * while they run.
 *
 * Run them as the user the gateway runs as (sudo -u ijwgw ijwctl ...), so the
 * files they create belong to it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gw/alloc.h"

#include "gw_lock.h"
#include "gw_store.h"
#include "gw_store_admin.h"
#include "ijwctl.h"

/* The options these commands share; positional arguments are collected in order. */
typedef struct args {
    char store[1024]; /* from -s/--store, or -c CONFIG, or the default config */
    const char *pos[2];
    int npos;
    int no_backup;         /* store upgrade --no-backup */
    const char *backup_to; /* store upgrade --backup FILE */
    char audit[1024];      /* audit log for the admin entry: -a FILE, or CONFIG's audit_log */
} args_t;


/* Backup, restore and schema upgrades work on a SQLite file; a PostgreSQL store is backed
 * up and upgraded with the database's own tools (docs/scale-out.md). */
static int
s_sqlite_only(const char *store)
{
    if (gw_store_is_pg(store)) {
        fprintf(stderr, "ijwctl: backup, restore and store version|upgrade work on a SQLite "
                        "store; back up a PostgreSQL store with its own tools (pg_dump, the "
                        "operator's backups); the nodes upgrade its schema at start\n");
        return -1;
    }
    return 0;
}

static int
s_args(int argc, char **argv, args_t *a, int maxpos, const char *usage)
{
    memset(a, 0, sizeof(*a));
    const char *cfg = NULL, *direct = NULL;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        int has_val = i + 1 < argc;
        if (strcmp(o, "-c") == 0 && has_val) {
            cfg = argv[++i];
        } else if ((strcmp(o, "-s") == 0 || strcmp(o, "--store") == 0) && has_val) {
            direct = argv[++i];
        } else if (strcmp(o, "--backup") == 0 && has_val) {
            a->backup_to = argv[++i];
        } else if (strcmp(o, "-a") == 0 && has_val) {
            snprintf(a->audit, sizeof(a->audit), "%s", argv[++i]);
        } else if (strcmp(o, "--no-backup") == 0) {
            a->no_backup = 1;
        } else if (o[0] == '-' && o[1] != '\0') {
            fprintf(stderr, "ijwctl: unknown option %s\nusage: %s\n", o, usage);
            return -1;
        } else if (a->npos < maxpos) {
            a->pos[a->npos++] = o;
        } else {
            fprintf(stderr, "ijwctl: unexpected argument %s\nusage: %s\n", o, usage);
            return -1;
        }
    }
    if (a->npos < maxpos) {
        fprintf(stderr, "usage: %s\n", usage);
        return -1;
    }
    if (direct) {
        snprintf(a->store, sizeof(a->store), "%s", direct);
        return s_sqlite_only(a->store);
    }
    char ep[256];
    if (!a->audit[0] && ijwctl_config_paths(cfg, NULL, 0, a->audit, sizeof(a->audit)) != 0) {
        return -1;
    }
    if (ijwctl_conf(cfg, ep, sizeof(ep), a->store, sizeof(a->store)) != 0) {
        return -1;
    }
    return s_sqlite_only(a->store);
}

/* The admin entry of a store command in the audit trail (cmd_audit.c). */
static int
s_audited(const args_t *a, const char *action, const char *target, const gw_store_check_t *c)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "messages:%" PRId64, c ? c->messages : 0);
    return ijwctl_audit_admin(a->audit, action, target, c ? detail : "ok") == 0 ? 0 : 2;
}

static void
s_print_check(const char *what, const char *path, const gw_store_check_t *c)
{
    printf("%s %s: schema version %" PRId64 ", %" PRId64 " messages, %" PRId64
           " deliveries, %" PRId64 " bytes, integrity ok\n",
           what, path, c->version, c->messages, c->deliveries, c->bytes);
}

int
ijwctl_backup(int argc, char **argv)
{
    static const char usage[] = "ijwctl backup [-c CONFIG | -s|--store STORE] OUT";
    args_t a;
    if (s_args(argc, argv, &a, 1, usage) != 0) {
        return 2;
    }
    gw_store_check_t c;
    char *err = NULL;
    if (gw_store_backup(a.store, a.pos[0], &c, &err) != GW_OK) {
        fprintf(stderr, "ijwctl: backup failed: %s\n", err ? err : "?");
        gw_free(err);
        return 2;
    }
    s_print_check("backup", a.pos[0], &c);
    return s_audited(&a, "backup", a.pos[0], &c);
}

/* The store's lock, or NULL after printing why (a gateway runs on it). */
static gw_lock_t *
s_lock(const char *store, const char *what)
{
    char *err = NULL;
    gw_lock_t *lock = gw_lock_take(store, &err);
    if (!lock) {
        fprintf(stderr, "ijwctl: %s refused: %s; stop the gateway first\n", what, err ? err : "?");
        gw_free(err);
    }
    return lock;
}

int
ijwctl_restore(int argc, char **argv)
{
    static const char usage[] = "ijwctl restore BACKUP [-c CONFIG | -s|--store STORE]";
    args_t a;
    if (s_args(argc, argv, &a, 1, usage) != 0) {
        return 2;
    }
    gw_lock_t *lock = s_lock(a.store, "restore");
    if (!lock) {
        return 2;
    }
    gw_store_check_t c;
    char *err = NULL;
    int rc = gw_store_restore(a.pos[0], a.store, &c, &err);
    gw_lock_release(&lock);
    if (rc != GW_OK) {
        fprintf(stderr, "ijwctl: restore failed: %s\n", err ? err : "?");
        gw_free(err);
        return 2;
    }
    s_print_check("restored", a.store, &c);
    printf("the previous store (if any) is kept as %s.before-restore\n", a.store);
    if (c.version < gw_store_schema_version()) {
        printf("schema version %" PRId64 " is upgraded to %d when the gateway starts "
               "(or now: ijwctl store upgrade)\n",
               c.version, gw_store_schema_version());
    }
    return s_audited(&a, "restore", a.pos[0], &c);
}

static int
s_store_version(const args_t *a)
{
    int64_t v = 0;
    char *err = NULL;
    if (gw_store_file_version(a->store, &v, &err) != GW_OK) {
        fprintf(stderr, "ijwctl: %s\n", err ? err : "?");
        gw_free(err);
        return 2;
    }
    int mine = gw_store_schema_version();
    const char *state = v == mine  ? "current"
                        : v < mine ? "older: run `ijwctl store upgrade` (or start the gateway)"
                                   : "NEWER than this release: downgrading is not supported";
    printf("store %s: schema version %" PRId64 "; this release: %d; %s\n", a->store, v, mine,
           state);
    return v == mine ? 0 : v < mine ? 1 : 2;
}

static int
s_store_upgrade(const args_t *a)
{
    int64_t from = 0;
    char *err = NULL;
    int mine = gw_store_schema_version();
    gw_lock_t *lock = s_lock(a->store, "upgrade");
    if (!lock) {
        return 2;
    }
    int status = 2;
    if (gw_store_file_version(a->store, &from, &err) != GW_OK) {
        fprintf(stderr, "ijwctl: %s\n", err ? err : "?");
        goto done;
    }
    if (from > mine) {
        fprintf(stderr,
                "ijwctl: store %s has schema version %" PRId64 ", newer than this release's (%d): "
                "downgrading is not supported; run the newer release or restore a backup taken "
                "before the upgrade\n",
                a->store, from, mine);
        goto done;
    }
    if (from == mine) {
        printf("store %s: schema version %d is current; nothing to do\n", a->store, mine);
        status = 0;
        goto done;
    }
    if (!a->no_backup) {
        char def[1200];
        const char *to = a->backup_to;
        if (!to) {
            time_t t = time(NULL);
            struct tm tm;
            gmtime_r(&t, &tm);
            char stamp[32];
            strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
            snprintf(def, sizeof(def), "%s.v%" PRId64 "-%s.bak", a->store, from, stamp);
            to = def;
        }
        gw_store_check_t c;
        if (gw_store_backup(a->store, to, &c, &err) != GW_OK) {
            fprintf(stderr, "ijwctl: backup before the upgrade failed: %s\n", err ? err : "?");
            goto done;
        }
        s_print_check("backup", to, &c);
    }
    /* A read-write open runs the upgrade steps, one transaction per version. */
    gw_store_t *s = gw_store_open(a->store, NULL, &err);
    if (!s) {
        fprintf(stderr,
                "ijwctl: upgrade failed (the store is unchanged past the last whole "
                "version): %s\n",
                err ? err : "?");
        goto done;
    }
    gw_store_close(&s);
    printf("store %s: upgraded from schema version %" PRId64 " to %d\n", a->store, from, mine);
    status = s_audited(a, "store_upgrade", a->store, NULL);
done:
    gw_free(err);
    gw_lock_release(&lock);
    return status;
}

int
ijwctl_store(int argc, char **argv)
{
    static const char usage[] =
        "ijwctl store version|upgrade [-c CONFIG | -s|--store STORE] [--no-backup] "
        "[--backup FILE]";
    if (argc < 1 || (strcmp(argv[0], "version") != 0 && strcmp(argv[0], "upgrade") != 0)) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    args_t a;
    if (s_args(argc - 1, argv + 1, &a, 0, usage) != 0) {
        return 2;
    }
    return strcmp(argv[0], "version") == 0 ? s_store_version(&a) : s_store_upgrade(&a);
}
