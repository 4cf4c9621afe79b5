/*
 * ijwctl storekey / audit: manage the store key file (encryption at rest) and
 * check or read the audit trail. Admin actions (storekey new/rotate, dlq requeue)
 * are appended to the audit log when one is named (-a FILE, or the config's
 * audit_log), under the same file lock the gateway takes.
 */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/clock.h"

#include "gw_audit.h"
#include "gw_config.h"
#include "gw_crypt.h"
#include "ijwctl.h"

int
ijwctl_audit_admin(const char *audit_path, const char *action, const char *target,
                   const char *detail)
{
    if (!audit_path || !*audit_path) {
        return 0;
    }
    char *err = NULL;
    gw_audit_t *log = gw_audit_open(audit_path, &err);
    if (!log) {
        fprintf(stderr, "ijwctl: audit log: %s\n", err ? err : "?");
        gw_free(err);
        return -1;
    }
    char b[GW_AUDIT_BODY_MAX];
    gw_audit_body_start(b, sizeof(b), gw_wall_ms(), "admin");
    gw_audit_body_add(b, sizeof(b), "action", action);
    gw_audit_body_add(b, sizeof(b), "target", target);
    gw_audit_body_add(b, sizeof(b), "result", detail);
    struct passwd *pw = getpwuid(getuid());
    char uid[32];
    snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
    gw_audit_body_add(b, sizeof(b), "user", pw && pw->pw_name ? pw->pw_name : uid);
    gw_audit_body_add(b, sizeof(b), "tool", "ijwctl");
    const char *bodies[1] = {b};
    int rc = gw_audit_append(log, bodies, 1, &err);
    if (rc != GW_OK) {
        fprintf(stderr, "ijwctl: audit log: %s\n", err ? err : "?");
        gw_free(err);
    }
    gw_audit_close(&log);
    return rc == GW_OK ? 0 : -1;
}

int
ijwctl_config_paths(const char *config_path, char *store_key, size_t kcap, char *audit_log,
                    size_t acap)
{
    gw_config_t *cfg = ijwctl_config_load(config_path);
    if (!cfg) {
        return -1;
    }
    if (store_key) {
        snprintf(store_key, kcap, "%s", cfg->store_key);
    }
    if (audit_log) {
        snprintf(audit_log, acap, "%s", cfg->audit_log);
    }
    gw_config_destroy(&cfg);
    return 0;
}

/* [-a AUDITLOG] [-c CONFIG] options after the command's arguments. */
static int
s_audit_opt(int argc, char **argv, char *audit, size_t cap)
{
    const char *cfg = NULL;
    audit[0] = '\0';
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "ijwctl: %s needs a value\n", argv[i]);
            return -1;
        }
        if (strcmp(argv[i], "-a") == 0) {
            snprintf(audit, cap, "%s", argv[i + 1]);
        } else if (strcmp(argv[i], "-c") == 0) {
            cfg = argv[i + 1];
        } else {
            fprintf(stderr, "ijwctl: unknown option %s\n", argv[i]);
            return -1;
        }
    }
    if (cfg && !audit[0]) {
        return ijwctl_config_paths(cfg, NULL, 0, audit, cap);
    }
    return 0;
}

static void
s_storekey_usage(FILE *f)
{
    fputs("usage: ijwctl storekey new FILE [-a AUDITLOG | -c CONFIG]\n"
          "       ijwctl storekey rotate FILE [-a AUDITLOG | -c CONFIG]\n"
          "       ijwctl storekey list FILE\n"
          "new: create a key file (mode 0600) with key 1 active and a client-reference secret.\n"
          "rotate: add a key and make it active; old keys stay to read older payloads. The\n"
          "gateway uses the new key after a reload (SIGHUP) or restart.\n",
          f);
}

int
ijwctl_storekey(int argc, char **argv)
{
    if (argc < 2) {
        s_storekey_usage(stderr);
        return 2;
    }
    const char *sub = argv[0], *path = argv[1];
    char audit[1024];
    if (s_audit_opt(argc - 2, argv + 2, audit, sizeof(audit)) != 0) {
        return 2;
    }
    char *err = NULL;
    if (strcmp(sub, "new") == 0) {
        if (gw_keyring_create(path, &err) != GW_OK) {
            fprintf(stderr, "ijwctl: storekey new: %s\n", err ? err : "?");
            gw_free(err);
            return 2;
        }
        printf("%s: key 1 active (AES-256-GCM), client-reference secret; mode 0600. Back it "
               "up: without it the stored payloads cannot be read.\n",
               path);
        return ijwctl_audit_admin(audit, "storekey_new", path, "key:1") == 0 ? 0 : 2;
    }
    if (strcmp(sub, "rotate") == 0) {
        uint32_t id = 0;
        if (gw_keyring_rotate(path, &id, &err) != GW_OK) {
            fprintf(stderr, "ijwctl: storekey rotate: %s\n", err ? err : "?");
            gw_free(err);
            return 2;
        }
        printf("%s: key %" PRIu32 " added and active; older keys kept for reading. Reload the "
               "gateway (SIGHUP) to seal new payloads with it.\n",
               path, id);
        char detail[32];
        snprintf(detail, sizeof(detail), "active:%" PRIu32, id);
        return ijwctl_audit_admin(audit, "storekey_rotate", path, detail) == 0 ? 0 : 2;
    }
    if (strcmp(sub, "list") == 0) {
        gw_keyring_t *kr = gw_keyring_load(path, &err);
        if (!kr) {
            fprintf(stderr, "ijwctl: storekey list: %s\n", err ? err : "?");
            gw_free(err);
            return 2;
        }
        printf("%-8s %s\n", "KEY", "STATE");
        for (size_t i = 0; i < gw_keyring_count(kr); i++) {
            uint32_t id = gw_keyring_id_at(kr, i);
            printf("%-8" PRIu32 " %s\n", id, id == gw_keyring_active(kr) ? "active" : "read-only");
        }
        printf("client-reference secret: %s\n", gw_keyring_mac(kr) ? "present" : "absent");
        gw_keyring_destroy(&kr);
        return 0;
    }
    s_storekey_usage(stderr);
    return 2;
}

/* Does the first entry of path continue the chain that ended at (seq, head)? A rotated
 * file starts with "ev=log_rotated prev_seq=N prev_hash=H" (gw_audit_sink.c). */
static int
s_links(const char *path, int64_t seq, const char *head)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    char line[GW_AUDIT_BODY_MAX + 256], want[128];
    int ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    snprintf(want, sizeof(want), " ev=log_rotated prev_seq=%" PRId64 " prev_hash=%s ", seq, head);
    return ok && strstr(line, want) != NULL;
}

/* Verify files in order (a rotated log: oldest first); each later file must start where the
 * one before it ended. */
static int
s_audit_verify(char **paths, int n)
{
    gw_audit_report_t prev;
    memset(&prev, 0, sizeof(prev));
    for (int i = 0; i < n; i++) {
        const char *path = paths[i];
        gw_audit_report_t rep;
        if (gw_audit_verify(path, &rep) != GW_OK) {
            fprintf(stderr, "ijwctl: audit verify: %s\n", rep.why);
            return 2;
        }
        if (rep.bad_line) {
            printf("%s: BROKEN at line %" PRId64 ": %s\n", path, rep.bad_line, rep.why);
            printf("%" PRId64 " entries verified before it (last seq=%" PRId64 ")\n", rep.entries,
                   rep.last_seq);
            return 1;
        }
        if (i > 0 && !s_links(path, prev.last_seq, prev.head)) {
            printf("%s: BROKEN at line 1: does not continue %s (expected ev=log_rotated "
                   "prev_seq=%" PRId64 " prev_hash=%s)\n",
                   path, paths[i - 1], prev.last_seq, prev.head);
            return 1;
        }
        printf("%s: OK, %" PRId64 " entries, last seq=%" PRId64 " hash=%s\n", path, rep.entries,
               rep.last_seq, rep.entries ? rep.head : "-");
        prev = rep;
    }
    printf("(a chain cannot show entries cut off at its end: compare seq and hash with the "
           "gateway log's last audit_head)\n");
    return 0;
}

int
ijwctl_audit(int argc, char **argv)
{
    if (argc < 1 || (strcmp(argv[0], "verify") != 0 && strcmp(argv[0], "show") != 0) ||
        (strcmp(argv[0], "show") == 0 && argc > 3)) {
        fputs("usage: ijwctl audit verify [FILE... | -c CONFIG]   check the hash chain; exit 1 "
              "at the first broken entry\n"
              "       ijwctl audit show [FILE | -c CONFIG]        print the log\n"
              "(without FILE: the audit_log of CONFIG or of the embedded default; several\n"
              "FILEs: a rotated log, oldest first, each continuing the one before)\n",
              stderr);
        return 2;
    }
    if (strcmp(argv[0], "verify") == 0 && argc >= 2 && strcmp(argv[1], "-c") != 0) {
        return s_audit_verify(argv + 1, argc - 1);
    }
    char path[1024];
    if (argc == 2) {
        snprintf(path, sizeof(path), "%s", argv[1]);
    } else if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        if (ijwctl_config_paths(argv[2], NULL, 0, path, sizeof(path)) != 0) {
            return 2;
        }
    } else if (ijwctl_config_paths(NULL, NULL, 0, path, sizeof(path)) != 0) {
        return 2;
    }
    if (!path[0]) {
        fprintf(stderr, "ijwctl: no audit_log in the configuration\n");
        return 2;
    }
    if (strcmp(argv[0], "verify") == 0) {
        char *one[1] = {path};
        return s_audit_verify(one, 1);
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 2;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        fwrite(buf, 1, n, stdout);
    }
    fclose(f);
    return 0;
}
