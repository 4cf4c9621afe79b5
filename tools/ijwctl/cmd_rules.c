/*
 * ijwctl rules test: a dry run of messages through everything the gateway
 * checks, in order, without a running gateway: the XSD, the standard's
 * intra-message rules, and the configured filter chain (cross-message and
 * contract rules) with its state in a scratch database, so each message is
 * judged against the ones before it. Prints every filter's verdict per message,
 * and for a `contract` filter the verdict of each of its rules.
 *
 * --region NAME judges against a region profile (docs/contract-register.md):
 * deploy/regions/NAME.conf, a configuration fragment with the region's filter
 * sections, found in $IJWGW_REGIONS_DIR, the installed regions directory, the
 * source tree or ./deploy/regions (NAME may also be a path to a .conf file).
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/diag.h"
#include "gw/rules.h"
#include "gw_chain.h"
#include "gw_config.h"
#include "gw_store.h"

#include "contract_register.h"
#include "ijwctl.h"

static void
s_findings(const gw_diag_t *diag, size_t from)
{
    for (size_t i = from; i < gw_diag_count(diag); i++) {
        const gw_diag_entry_t *e = gw_diag_at(diag, i);
        printf("    %-8s %-9s %-4s %s\n             %s\n", gw_level_name(e->level), e->rule,
               e->retourcode[0] ? e->retourcode : "-", e->path, e->text);
    }
}

/* ---- region profiles ---- */

#ifndef GW_REGIONS_DIR
#define GW_REGIONS_DIR "/usr/local/share/ijwgw/regions"
#endif

static int
s_exists(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
    }
    return f != NULL;
}

/* The .conf of region name into out; 0 with the places looked in (looked) when not found. */
static int
s_region_path(const char *name, char *out, size_t cap, char *looked, size_t lcap)
{
    size_t nl = strlen(name);
    looked[0] = '\0';
    if (strchr(name, '/') || (nl > 5 && strcmp(name + nl - 5, ".conf") == 0)) {
        snprintf(out, cap, "%s", name);
        snprintf(looked, lcap, "%s", name);
        return s_exists(out);
    }
    const char *env = getenv("IJWGW_REGIONS_DIR");
    const char *dirs[] = {env && *env ? env : NULL, GW_REGIONS_DIR, GW_SOURCE_DIR "/deploy/regions",
                          "deploy/regions"};
    size_t lo = 0;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (!dirs[i]) {
            continue;
        }
        snprintf(out, cap, "%s/%s.conf", dirs[i], name);
        if (s_exists(out)) {
            return 1;
        }
        int w = snprintf(looked + lo, lcap - lo, "%s%s", lo ? ", " : "", dirs[i]);
        lo += w > 0 && (size_t)w < lcap - lo ? (size_t)w : 0;
    }
    return 0;
}

/* The profiles next to a missing one, for the error message. */
static void
s_region_list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }
    struct dirent *e;
    int any = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".conf") == 0) {
            fprintf(stderr, "%s%.*s", any ? ", " : "  known regions: ", (int)(n - 5), e->d_name);
            any = 1;
        }
    }
    if (any) {
        fprintf(stderr, " (in %s)\n", dir);
    }
    closedir(d);
}

/* Load a region profile: a config fragment. It needs no gateway or party sections, so a
 * placeholder party is appended after its last line (its own line numbers stay right). */
static gw_config_t *
s_region_load(const char *path, char **err)
{
    size_t len = 0;
    char why[256];
    char *text = ijwctl_read_file(path, &len, why, sizeof(why));
    if (!text) {
        char msg[4400];
        snprintf(msg, sizeof(msg), "%s: cannot read: %s", path, why);
        *err = gw_strdup(msg);
        return NULL;
    }
    static const char tail[] = "\nparty ijwctl_region\n    kind = platform\n";
    char *all = gw_malloc(len + sizeof(tail));
    gw_config_t *cfg = NULL;
    if (all) {
        memcpy(all, text, len);
        memcpy(all + len, tail, sizeof(tail));
        cfg = gw_config_parse(all, len + sizeof(tail) - 1, path, err);
    }
    gw_free(all);
    gw_free(text);
    return cfg;
}

/* The contract registers of the chain's `contract` filters (loaded again for the report). */
typedef struct s_regs {
    gw_register_t *v[8];
    size_t n;
} s_regs_t;

static void
s_regs_load(s_regs_t *rs, const gw_chain_spec_t *specs, size_t n)
{
    for (size_t i = 0; i < n && rs->n < 8; i++) {
        if (!specs[i].name || strcmp(specs[i].name, "contract") != 0 || specs[i].plugin) {
            continue;
        }
        const char *reg = gw_filter_opt(&specs[i].opts, "register", NULL);
        char path[4096];
        if (!reg || gw_register_resolve(specs[i].opts.file, reg, path, sizeof(path)) != GW_OK) {
            continue;
        }
        rs->v[rs->n] = gw_register_load(path, NULL);
        if (rs->v[rs->n]) {
            rs->n++;
        }
    }
}

/* Every rule of a register: off, not applicable, or what it found in diag[from..]. */
static void
s_rule_verdicts(const gw_register_t *reg, const gw_msg_t *msg, const gw_diag_t *diag,
                size_t from)
{
    const gw_msgtype_t *type = msg->type;
    const gw_header_t *h = msg->bericht->Header;
    const char *gemeente = type->number == 301 || type->number == 319 ? h->Afzender : h->Ontvanger;
    printf("    register %s (%s)\n", gw_register_name(reg), gw_register_file(reg));
    if (type->kind != GW_KIND_HEEN) {
        printf("      not applicable: the register's rules judge heenberichten\n");
        return;
    }
    if (!gw_register_in_scope(reg, gemeente)) {
        printf("      not applicable: gemeente %s is not one of the region's\n",
               gemeente ? gemeente : "-");
        return;
    }
    for (int r = 0; r < GW_CR_NRULES; r++) {
        const gw_cr_rule_info_t *ri = &gw_cr_rules[r];
        gw_severity_t sev = gw_register_severity(reg, (gw_cr_rule_t)r);
        const char *what = NULL;
        const char *code = "";
        /* A finding first: a product's `ernst` may switch on a rule the register has off. */
        for (size_t i = from; i < gw_diag_count(diag); i++) {
            const gw_diag_entry_t *e = gw_diag_at(diag, i);
            if (strcmp(e->rule, ri->id) == 0) {
                what = e->level == GW_LEVEL_WARN ? "WARN" : "REJECT";
                code = e->retourcode;
                if (e->level != GW_LEVEL_WARN) {
                    break;
                }
            }
        }
        if (!what) {
            what = !(ri->msgs & type->bit) ? "not applicable"
                   : sev == GW_SEV_OFF     ? "off"
                                           : "pass";
        }
        printf("      rule %-24s %s%s%s\n", ri->id, what, code[0] ? " " : "", code);
    }
}

int
ijwctl_rules_test(int argc, char **argv)
{
    const char *config = NULL;
    const char *region = NULL;
    int32_t today = 0;
    int i = 0;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-c") == 0) {
            config = argv[i + 1];
        } else if (strcmp(argv[i], "--region") == 0) {
            region = argv[i + 1];
        } else if (strcmp(argv[i], "--today") == 0) {
            if (gw_model_date(argv[i + 1], &today) != GW_OK) {
                fprintf(stderr, "ijwctl: --today %s is not a date (YYYY-MM-DD)\n", argv[i + 1]);
                return 2;
            }
        } else {
            fprintf(stderr, "ijwctl: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: ijwctl rules test [-c CONFIG] [--region NAME] [--today YYYY-MM-DD] "
                        "FILE|DIR...\n"
                        "  files are judged in the order given (directories: sorted by name)\n"
                        "  --region NAME: the filters of deploy/regions/NAME.conf (after -c's)\n");
        return 2;
    }
    char *err = NULL;
    gw_config_t *rcfg = NULL;
    if (region) {
        char rpath[4096], looked[2048];
        if (!s_region_path(region, rpath, sizeof(rpath), looked, sizeof(looked))) {
            fprintf(stderr, "ijwctl: region '%s' not found (looked for %s.conf in: %s)\n", region,
                    region, looked);
            const char *env = getenv("IJWGW_REGIONS_DIR");
            if (env && *env) {
                s_region_list(env);
            }
            s_region_list(GW_REGIONS_DIR);
            s_region_list(GW_SOURCE_DIR "/deploy/regions");
            return 2;
        }
        rcfg = s_region_load(rpath, &err);
        if (!rcfg) {
            fprintf(stderr, "ijwctl: region profile rejected:\n%s\n", err ? err : "?");
            gw_free(err);
            return 2;
        }
    }
    /* With --region alone, the region's filters are the chain; with -c, they follow its. */
    gw_config_t *cfg = config ? gw_config_load(config, &err)
                       : region ? NULL
                                : gw_config_parse(gw_config_default_text,
                                                  strlen(gw_config_default_text), "<default>", &err);
    if (!cfg && (config || !region)) {
        fprintf(stderr, "ijwctl: configuration rejected:\n%s\n", err ? err : "?");
        gw_free(err);
        gw_config_destroy(&rcfg);
        return 2;
    }
    size_t nbase = cfg ? cfg->nfilters : 0;
    size_t nspecs = nbase + (rcfg ? rcfg->nfilters : 0);
    s_regs_t regs = {{NULL}, 0};
    char **files = NULL;
    int n = 0;
    int status = 2;
    gw_chain_spec_t *specs = gw_calloc(nspecs ? nspecs : 1, sizeof(*specs));
    gw_chain_t *chain = NULL;
    gw_codec_t *codec = NULL;
    gw_store_t *scratch = NULL;
    gw_diag_t *diag = gw_diag_new();
    char dir[] = "/tmp/ijwctl-rules-XXXXXX";
    int have_dir = 0;
    if (!specs || !diag || ijwctl_collect(argc - i, argv + i, &files, &n) != 0) {
        goto out;
    }
    if (cfg) {
        gw_config_chain_specs(cfg, specs);
    }
    if (rcfg) {
        gw_config_chain_specs(rcfg, specs + nbase);
    }
    chain = gw_chain_new(specs, nspecs, &err);
    if (!chain) {
        fprintf(stderr, "ijwctl: filters rejected:\n%s\n", err ? err : "?");
        goto out;
    }
    s_regs_load(&regs, specs, nspecs);
    codec = gw_codec_new(NULL, NULL);
    if (!codec || !mkdtemp(dir)) {
        goto out;
    }
    have_dir = 1;
    char path[64];
    snprintf(path, sizeof(path), "%s/state.db", dir);
    scratch = gw_store_open(path, NULL, &err);
    if (!scratch) {
        fprintf(stderr, "ijwctl: scratch state: %s\n", err ? err : "?");
        goto out;
    }
    size_t nf = gw_chain_count(chain);
    printf("judging %d message(s) with the XSD, %zu intra-message rules and %zu filter(s)", n,
           gw_rules_count(), nf);
    for (size_t k = 0; k < nf; k++) {
        gw_chain_stats_t st;
        gw_chain_stats(chain, k, &st);
        printf("%s%s", k ? ", " : ": ", st.name);
    }
    printf("\n\n");
    status = 0;
    int accepted = 0, rejected = 0;
    for (int f = 0; f < n; f++) {
        size_t len = 0;
        char why[256];
        char *buf = ijwctl_read_file(files[f], &len, why, sizeof(why));
        gw_diag_reset(diag);
        gw_msg_t *msg = NULL;
        const gw_msgtype_t *type = NULL;
        if (!buf) {
            printf("%s: cannot read: %s\n", files[f], why);
            status = 1;
            rejected++;
            continue;
        }
        int rc = gw_codec_decode(codec, buf, len, &msg, &type, diag);
        if (rc == GW_OK && msg) {
            rc = gw_rules_run(msg, diag, today);
        }
        printf("%s: %s\n", files[f], type ? type->name : "unrecognised");
        if (rc != GW_OK || !msg || gw_diag_rejects(diag)) {
            printf("  REJECTED before the filters (%s)\n",
                   rc != GW_OK ? gw_strerror(rc) : gw_level_name(gw_diag_worst(diag)));
            s_findings(diag, 0);
            gw_msg_destroy(&msg);
            gw_free(buf);
            status = 1;
            rejected++;
            continue;
        }
        size_t intra = gw_diag_count(diag);
        s_findings(diag, 0);
        const gw_header_t *h = msg->bericht->Header;
        const char *peer = msg->type->kind == GW_KIND_RETOUR ? h->Ontvanger : h->Afzender;
        char route[GW_FILTER_ROUTE_MAX] = "";
        gw_filter_ctx_t ctx = {.now_ms = 0, .peer = peer, .db = gw_store_db(scratch),
                               .route_to = route};
        gw_chain_stats_t before[64];
        for (size_t k = 0; k < nf && k < 64; k++) {
            gw_chain_stats(chain, k, &before[k]);
        }
        if (gw_store_begin(scratch) != GW_OK) {
            status = 2;
            gw_msg_destroy(&msg);
            gw_free(buf);
            break;
        }
        gw_verdict_t v = gw_chain_run(chain, msg, diag, &ctx);
        for (size_t k = 0; k < nf && k < 64; k++) {
            gw_chain_stats_t now;
            gw_chain_stats(chain, k, &now);
            const char *what = now.rejected > before[k].rejected ? "REJECT"
                               : now.errors > before[k].errors   ? "ERROR"
                               : now.warned > before[k].warned   ? "WARN"
                               : now.passed > before[k].passed   ? "pass"
                                                                 : "not applicable";
            printf("  filter %-12s %s\n", now.name, what);
        }
        for (size_t k = 0; k < regs.n; k++) {
            s_rule_verdicts(regs.v[k], msg, diag, intra);
        }
        if (route[0]) {
            printf("  routed to %s (instead of the header's recipient)\n", route);
        }
        s_findings(diag, intra);
        int ok = v == GW_VERDICT_PASS || v == GW_VERDICT_WARN || v == GW_VERDICT_STOP;
        if (ok && gw_chain_accept(chain, msg, &ctx) != GW_OK) {
            printf("  (a filter could not record the message)\n");
        }
        if (gw_store_commit(scratch) != GW_OK) {
            status = 2;
        }
        printf("  %s\n", ok ? "ACCEPTED: later messages are judged against it" : "REJECTED");
        accepted += ok;
        rejected += !ok;
        if (!ok && status == 0) {
            status = 1;
        }
        gw_msg_destroy(&msg);
        gw_free(buf);
    }
    printf("\n%d message(s): %d accepted, %d rejected\n", n, accepted, rejected);
out:
    /* Filters hold statements on the scratch database: before it closes. */
    gw_chain_destroy(&chain);
    gw_store_close(&scratch);
    if (have_dir) {
        char p[96];
        const char *parts[] = {"state.db", "state.db-wal", "state.db-shm"};
        for (size_t k = 0; k < 3; k++) {
            snprintf(p, sizeof(p), "%s/%s", dir, parts[k]);
            unlink(p);
        }
        rmdir(dir);
    }
    gw_diag_destroy(&diag);
    gw_codec_destroy(&codec);
    gw_free(specs);
    gw_free(err);
    ijwctl_free_list(files, n);
    gw_config_destroy(&cfg);
    gw_config_destroy(&rcfg);
    for (size_t k = 0; k < regs.n; k++) {
        gw_register_destroy(&regs.v[k]);
    }
    return status;
}
