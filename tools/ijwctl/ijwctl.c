/*
 * ijwctl: the operator's and developer's command line for the gateway.
 *
 *   ijwctl validate [options] FILE...   recognise, XSD-validate and rule-check messages,
 *                                       print every finding, optionally write the retourbericht
 *   ijwctl demo [DIR]                   validate and answer the bundled sample messages
 *   ijwctl types                        list the 28 message types
 *   ijwctl rules                        list the intra-message rules
 *   ijwctl send|recv|replay ...         act as parties against a running gateway (cmd_net.c)
 *   ijwctl queues | dlq list|requeue    inspect the store (cmd_store.c)
 *   ijwctl backup|restore|store ...     back up, restore, upgrade the store (cmd_backup.c)
 *   ijwctl overdue                      open and overdue deadlines (cmd_deadline.c)
 *   ijwctl storekey | audit ...         store keys and the audit trail (cmd_audit.c)
 *
 * Output names message types, rule codes, retourcodes and element paths; it
 * never prints a BSN, a name or free text from a message.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/diag.h"
#include "gw/retour.h"
#include "gw/rules.h"

#include "ijwctl.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

typedef struct opts {
    const char *retour;      /* --retour: file (one input) or directory */
    const char *xsd_dir;     /* --xsd-dir */
    const char *xslt_versie; /* --xslt-versie */
    int32_t today;           /* --today, 0 = clock */
    int quiet;               /* --quiet: one line per file */
} opts_t;

typedef struct tally {
    int files, accepted, rejected_retour, rejected_error, retours_written;
} tally_t;

static void
s_usage(FILE *f)
{
    fputs("usage: ijwctl validate [--retour OUT] [--today YYYY-MM-DD] [--xslt-versie X.Y.Z]\n"
          "                       [--xsd-dir DIR] [--quiet] FILE...\n"
          "       ijwctl demo [FIXTURE-DIR]\n"
          "       ijwctl types\n"
          "       ijwctl rules\n"
          "       ijwctl rules test [-c CONFIG] [--today YYYY-MM-DD] FILE|DIR...\n"
          "       ijwctl send [-e ENDPOINT] [-p PARTY] [-c CONFIG] FILE|DIR...\n"
          "       ijwctl recv -p PARTY [-e ENDPOINT] [-c CONFIG] [-o DIR] [-n COUNT] [-t SECONDS]\n"
          "                   [--answer]\n"
          "       ijwctl replay [-e ENDPOINT] [-c CONFIG] [-t SECONDS] [--answer] DIR|FILE...\n"
          "       ijwctl keygen [-o DIR] NAME...\n"
          "       ijwctl queues [-c CONFIG | -s STORE]\n"
          "       ijwctl dlq list|requeue [ID|all] [-c CONFIG | -s STORE [-k KEYFILE]\n"
          "                   [-a AUDITLOG]]\n"
          "       ijwctl backup [-c CONFIG | -s STORE] OUT\n"
          "       ijwctl restore BACKUP [-c CONFIG | -s STORE]\n"
          "       ijwctl store version|upgrade [-c CONFIG | -s STORE] [--no-backup]\n"
          "       ijwctl overdue [-c CONFIG | --store FILE] [--at YYYY-MM-DD] [--party CODE]\n"
          "                      [--overdue-only] [--late]\n"
          "       ijwctl storekey new|rotate|list FILE [-a AUDITLOG | -c CONFIG]\n"
          "       ijwctl audit verify|show [FILE | -c CONFIG]\n"
          "\n"
          "validate: for each FILE print the message type, the verdict, every finding with its\n"
          "rule, retourcode and element path, and how the sender is answered. With --retour the\n"
          "retourbericht is written to OUT (a directory when several files are given).\n"
          "Exit status: 0 all accepted, 1 any message rejected, 2 usage or system error.\n"
          "send, recv and replay also take --key FILE (the party's CURVE .key), --keys DIR (a\n"
          "directory of CODE.key files) and --server-key FILE (the gateway's .pub); with\n"
          "curve = on in the configuration (-c, or the embedded one when -e is not given) they\n"
          "default to PARTY_KEYS/CODE.key and the .pub beside the gateway's server_key.\n",
          f);
}

char *
ijwctl_read_file(const char *path, size_t *len, char *why, size_t why_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_len, "%s", strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, why_len, "not a regular file");
        fclose(f);
        return NULL;
    }
    size_t n = (size_t)sb.st_size;
    char *buf = gw_malloc(n + 1);
    if (!buf) {
        snprintf(why, why_len, "out of memory");
        fclose(f);
        return NULL;
    }
    if (n && fread(buf, 1, n, f) != n) {
        snprintf(why, why_len, "read error");
        gw_free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    *len = n;
    return buf;
}

int
ijwctl_write_file(const char *path, const char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        return -1;
    }
    int ok = fwrite(buf, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

static const char *
s_family(const gw_msgtype_t *t)
{
    return t->family == GW_FAMILY_IJW ? "iJw 3.2" : "iWmo 3.2";
}

static void
s_print_findings(const gw_diag_t *diag)
{
    for (size_t i = 0; i < gw_diag_count(diag); i++) {
        const gw_diag_entry_t *e = gw_diag_at(diag, i);
        printf("    %-8s %-9s %-4s %s", gw_level_name(e->level), e->rule,
               e->retourcode[0] ? e->retourcode : "-", e->path);
        if (e->line > 0) {
            printf(" (line %d)", e->line);
        }
        printf("\n             %s\n", e->text);
    }
}

static const char *
s_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Where the retourbericht of input `in` goes. */
static void
s_retour_path(const opts_t *o, int many, const char *in, char *out, size_t cap)
{
    if (!many) {
        snprintf(out, cap, "%s", o->retour);
        return;
    }
    char name[512];
    snprintf(name, sizeof(name), "%s", s_base(in));
    char *dot = strrchr(name, '.');
    if (dot) {
        *dot = '\0';
    }
    snprintf(out, cap, "%s/%s.retour.xml", o->retour, name);
}

static int
s_validate_one(gw_codec_t *codec, const opts_t *o, int many, const char *path, tally_t *t)
{
    t->files++;
    char why[256];
    size_t len = 0;
    char *buf = ijwctl_read_file(path, &len, why, sizeof(why));
    if (!buf) {
        printf("%s: cannot read: %s\n", path, why);
        t->rejected_error++;
        return 1;
    }
    gw_diag_t *diag = gw_diag_new();
    gw_msg_t *msg = NULL, *retour = NULL;
    const gw_msgtype_t *type = NULL;
    int status = 1;
    if (!diag) {
        goto oom;
    }
    int rc = gw_codec_decode(codec, buf, len, &msg, &type, diag);
    if (rc != GW_OK && rc != GW_ESCHEMA) {
        goto oom;
    }
    if (msg) {
        rc = gw_rules_run(msg, diag, o->today);
        if (rc != GW_OK) {
            goto oom;
        }
    }
    gw_answer_t answer = gw_diag_answer(diag);
    printf("%s: ", path);
    if (type) {
        printf("%s (%s, BerichtCode %s)", type->name, s_family(type), type->berichtcode);
        if (msg) {
            const gw_header_t *h = msg->bericht->Header;
            printf(" %s -> %s, id %s", h->Afzender ? h->Afzender : "?",
                   h->Ontvanger ? h->Ontvanger : "?",
                   h->BerichtIdentificatie && h->BerichtIdentificatie->Identificatie
                       ? h->BerichtIdentificatie->Identificatie
                       : "?");
        }
    } else {
        printf("unrecognised");
    }
    const gw_msgtype_t *ans = type ? gw_msgtype_answer(type) : NULL;
    if (answer == GW_ANSWER_ERROR) {
        gw_level_t w = gw_diag_worst(diag);
        printf("\n  REJECTED at level %d (%s): no retourbericht; the sender gets an error\n", (int)w,
               w == GW_LEVEL_XSD ? "berichtformaat/XSD" : "input");
        t->rejected_error++;
    } else if (answer == GW_ANSWER_RETOUR_REJECT) {
        printf("\n  REJECTED at level %d (%s): answered with %s carrying retourcodes\n",
               (int)gw_diag_worst(diag), gw_level_name(gw_diag_worst(diag)),
               ans ? ans->name : "no retourbericht (this message has none)");
        t->rejected_retour++;
    } else {
        printf("\n  ACCEPTED%s%s%s\n", ans ? ": answered with " : " (no retourbericht for a ",
               ans ? ans->name : type->name, ans ? "" : ")");
        t->accepted++;
        status = 0;
    }
    if (!o->quiet) {
        s_print_findings(diag);
    }
    if (o->retour && msg && ans && answer != GW_ANSWER_ERROR) {
        gw_retour_opts_t ro = {NULL, NULL, o->xslt_versie};
        rc = gw_retour_build(msg, diag, &ro, &retour);
        if (rc == GW_ENOMEM) {
            goto oom;
        }
        if (rc == GW_OK) {
            char *xml = NULL, *err = NULL;
            size_t xlen = 0;
            rc = gw_codec_encode(retour, &xml, &xlen, &err);
            if (rc == GW_OK) {
                char out[1024];
                s_retour_path(o, many, path, out, sizeof(out));
                if (ijwctl_write_file(out, xml, xlen) == 0) {
                    printf("  wrote %s to %s\n", retour->type->name, out);
                    t->retours_written++;
                } else {
                    printf("  cannot write %s: %s\n", out, strerror(errno));
                    status = 1;
                }
            } else {
                printf("  cannot encode the retourbericht: %s\n", err ? err : gw_strerror(rc));
                status = 1;
            }
            gw_free(xml);
            gw_free(err);
        }
    }
    gw_msg_destroy(&retour);
    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
    gw_free(buf);
    return status;
oom:
    printf("%s: out of memory\n", path);
    gw_msg_destroy(&retour);
    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
    gw_free(buf);
    t->rejected_error++;
    return 2;
}

static int
s_parse_date(const char *s, int32_t *days)
{
    return gw_model_date(s, days) == GW_OK ? 0 : -1;
}

static void
s_summary(const tally_t *t)
{
    printf("\n%d file(s): %d accepted, %d rejected with a retourbericht, %d rejected with an "
           "error; %d retourbericht(en) written\n",
           t->files, t->accepted, t->rejected_retour, t->rejected_error, t->retours_written);
}

static int
s_cmd_validate(int argc, char **argv)
{
    opts_t o = {0};
    int i = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "ijwctl: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--retour") == 0) {
            o.retour = v;
        } else if (strcmp(a, "--xsd-dir") == 0) {
            o.xsd_dir = v;
        } else if (strcmp(a, "--xslt-versie") == 0) {
            o.xslt_versie = v;
        } else if (strcmp(a, "--today") == 0) {
            if (s_parse_date(v, &o.today) != 0) {
                fprintf(stderr, "ijwctl: --today %s is not a date (YYYY-MM-DD)\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "ijwctl: unknown option %s\n", a);
            s_usage(stderr);
            return 2;
        }
    }
    int nfiles = argc - i;
    if (nfiles <= 0) {
        s_usage(stderr);
        return 2;
    }
    int many = nfiles > 1;
    if (o.retour && many) {
        struct stat sb;
        if (stat(o.retour, &sb) != 0 && mkdir(o.retour, 0755) != 0) {
            fprintf(stderr, "ijwctl: cannot create %s: %s\n", o.retour, strerror(errno));
            return 2;
        }
    }
    gw_codec_opts_t co = {0};
    co.xsd_dir = o.xsd_dir;
    char *err = NULL;
    gw_codec_t *codec = gw_codec_new(&co, &err);
    if (!codec) {
        fprintf(stderr, "ijwctl: %s\n", err ? err : "cannot create codec");
        gw_free(err);
        return 2;
    }
    int status = 0;
    tally_t t = {0};
    for (; i < argc; i++) {
        int s = s_validate_one(codec, &o, many, argv[i], &t);
        if (s > status) {
            status = s;
        }
    }
    if (many) {
        s_summary(&t);
    }
    gw_codec_destroy(&codec);
    return status;
}

static int
s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
ijwctl_collect(int argc, char **argv, char ***files_out, int *n_out)
{
    size_t cap = 64, n = 0;
    char **v = gw_malloc(cap * sizeof(*v));
    if (!v) {
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            DIR *dir = opendir(argv[i]);
            if (!dir) {
                fprintf(stderr, "ijwctl: cannot open %s: %s\n", argv[i], strerror(errno));
                ijwctl_free_list(v, (int)n);
                return -1;
            }
            size_t first = n;
            struct dirent *de;
            while ((de = readdir(dir))) {
                size_t l = strlen(de->d_name);
                if (l <= 4 || strcmp(de->d_name + l - 4, ".xml") != 0) {
                    continue;
                }
                if (n == cap) {
                    cap *= 2;
                    char **nv = gw_realloc(v, cap * sizeof(*v));
                    if (!nv) {
                        closedir(dir);
                        ijwctl_free_list(v, (int)n);
                        return -1;
                    }
                    v = nv;
                }
                char p[4096];
                snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
                v[n++] = gw_strdup(p);
            }
            closedir(dir);
            qsort(v + first, n - first, sizeof(*v), s_cmp_str);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            char **nv = gw_realloc(v, cap * sizeof(*v));
            if (!nv) {
                ijwctl_free_list(v, (int)n);
                return -1;
            }
            v = nv;
        }
        v[n++] = gw_strdup(argv[i]);
    }
    *files_out = v;
    *n_out = (int)n;
    return 0;
}

void
ijwctl_free_list(char **files, int n)
{
    for (int i = 0; files && i < n; i++) {
        gw_free(files[i]);
    }
    gw_free(files);
}

/* Validate and answer every sample message in a directory (default: the
 * fixtures shipped with the source), writing retourberichten to a temporary
 * directory, and print a summary. */
static int
s_cmd_demo(int argc, char **argv)
{
    char dirs[2][1024];
    if (argc > 0) {
        snprintf(dirs[0], sizeof(dirs[0]), "%s", argv[0]);
        dirs[1][0] = '\0';
    } else {
        snprintf(dirs[0], sizeof(dirs[0]), "%s/tests/fixtures/valid", GW_SOURCE_DIR);
        snprintf(dirs[1], sizeof(dirs[1]), "%s/tests/fixtures/demo", GW_SOURCE_DIR);
    }
    char outdir[] = "/tmp/ijwctl-demo-XXXXXX";
    if (!mkdtemp(outdir)) {
        fprintf(stderr, "ijwctl: cannot create a temporary directory: %s\n", strerror(errno));
        return 2;
    }
    char *files[512];
    int n = 0;
    for (int d = 0; d < 2 && dirs[d][0]; d++) {
        DIR *dir = opendir(dirs[d]);
        if (!dir) {
            if (d == 0) {
                fprintf(stderr, "ijwctl: cannot open %s: %s\n", dirs[d], strerror(errno));
                return 2;
            }
            continue;
        }
        struct dirent *de;
        while ((de = readdir(dir)) && n < 512) {
            size_t l = strlen(de->d_name);
            if (l > 4 && strcmp(de->d_name + l - 4, ".xml") == 0) {
                char p[4096];
                snprintf(p, sizeof(p), "%s/%s", dirs[d], de->d_name);
                files[n++] = gw_strdup(p);
            }
        }
        closedir(dir);
    }
    qsort(files, (size_t)n, sizeof(files[0]), s_cmp_str);
    printf("ijw-gateway demo: validating and answering %d sample message(s)\n"
           "retourberichten go to %s\n\n",
           n, outdir);
    char *args[520];
    int a = 0;
    args[a++] = "--quiet";
    args[a++] = "--retour";
    args[a++] = outdir;
    for (int i = 0; i < n; i++) {
        args[a++] = files[i];
    }
    if (n == 1) {
        args[a++] = files[0]; /* keep --retour a directory */
    }
    int rc = s_cmd_validate(a, args);
    for (int i = 0; i < n; i++) {
        gw_free(files[i]);
    }
    /* A demo containing deliberately bad samples "fails" by design; it worked if it ran. */
    return rc == 2 ? 2 : 0;
}

static int
s_cmd_types(void)
{
    printf("%-7s %-8s %-11s %-6s %-9s %s\n", "TYPE", "FAMILY", "BERICHTCODE", "KIND", "ANSWER",
           "NAMESPACE");
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        const gw_msgtype_t *t = gw_msgtype_at(i);
        const gw_msgtype_t *a = gw_msgtype_answer(t);
        static const char *const kinds[] = {"heen", "retour", "325"};
        printf("%-7s %-8s %-11s %-6s %-9s %s\n", t->name, s_family(t), t->berichtcode,
               kinds[t->kind], a ? a->name : "-", t->ns);
    }
    return 0;
}

static int
s_cmd_rules(void)
{
    printf("%-6s %-8s %-4s %s\n", "RULE", "LEVEL", "CODE", "TEXT");
    for (size_t i = 0; i < gw_rules_count(); i++) {
        const gw_rule_t *r = gw_rules_at(i);
        printf("%-6s %-8s %-4s %s\n", r->code, gw_level_name(r->level), r->retourcode, r->text);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        s_usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "validate") == 0) {
        return s_cmd_validate(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "demo") == 0) {
        return s_cmd_demo(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "types") == 0) {
        return s_cmd_types();
    }
    if (strcmp(cmd, "rules") == 0) {
        if (argc > 2 && strcmp(argv[2], "test") == 0) {
            return ijwctl_rules_test(argc - 3, argv + 3);
        }
        return s_cmd_rules();
    }
    if (strcmp(cmd, "send") == 0) {
        return ijwctl_send(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "recv") == 0) {
        return ijwctl_recv(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "replay") == 0) {
        return ijwctl_replay(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "keygen") == 0) {
        return ijwctl_keygen(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "queues") == 0) {
        return ijwctl_queues(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "dlq") == 0) {
        return ijwctl_dlq(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "overdue") == 0) {
        return ijwctl_overdue(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "backup") == 0) {
        return ijwctl_backup(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "restore") == 0) {
        return ijwctl_restore(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "store") == 0) {
        return ijwctl_store(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "storekey") == 0) {
        return ijwctl_storekey(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "audit") == 0) {
        return ijwctl_audit(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        s_usage(stdout);
        return 0;
    }
    fprintf(stderr, "ijwctl: unknown command '%s'\n", cmd);
    s_usage(stderr);
    return 2;
}
