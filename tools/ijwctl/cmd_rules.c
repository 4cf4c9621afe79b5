/*
 * ijwctl rules test: a dry run of messages through everything the gateway
 * checks, in order, without a running gateway: the XSD, the standard's
 * intra-message rules, and the configured filter chain (cross-message and
 * contract rules) with its state in a scratch database, so each message is
 * judged against the ones before it. Prints every filter's verdict per message.
 */
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

int
ijwctl_rules_test(int argc, char **argv)
{
    const char *config = NULL;
    int32_t today = 0;
    int i = 0;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-c") == 0) {
            config = argv[i + 1];
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
        fprintf(stderr, "usage: ijwctl rules test [-c CONFIG] [--today YYYY-MM-DD] FILE|DIR...\n"
                        "  files are judged in the order given (directories: sorted by name)\n");
        return 2;
    }
    char *err = NULL;
    gw_config_t *cfg = config ? gw_config_load(config, &err)
                              : gw_config_parse(gw_config_default_text,
                                                strlen(gw_config_default_text), "<default>", &err);
    if (!cfg) {
        fprintf(stderr, "ijwctl: configuration rejected:\n%s\n", err ? err : "?");
        gw_free(err);
        return 2;
    }
    char **files = NULL;
    int n = 0;
    int status = 2;
    gw_chain_spec_t *specs = gw_calloc(cfg->nfilters ? cfg->nfilters : 1, sizeof(*specs));
    gw_chain_t *chain = NULL;
    gw_codec_t *codec = NULL;
    gw_store_t *scratch = NULL;
    gw_diag_t *diag = gw_diag_new();
    char dir[] = "/tmp/ijwctl-rules-XXXXXX";
    int have_dir = 0;
    if (!specs || !diag || ijwctl_collect(argc - i, argv + i, &files, &n) != 0) {
        goto out;
    }
    gw_config_chain_specs(cfg, specs);
    chain = gw_chain_new(specs, cfg->nfilters, &err);
    if (!chain) {
        fprintf(stderr, "ijwctl: filters rejected:\n%s\n", err ? err : "?");
        goto out;
    }
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
        gw_filter_ctx_t ctx = {.now_ms = 0, .peer = peer, .db = gw_store_db(scratch)};
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
    return status;
}
