/*
 * ijwgw: the gateway daemon. Parses the command line, loads the config (or the
 * embedded default), installs signal handlers and runs the broker.
 *
 *   ijwgw [-c FILE]      run (foreground; systemd or a shell supervises it)
 *   ijwgw -t [-c FILE]   check the config and the schemas, then exit 0/1
 *   ijwgw -V             print the version
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_broker.h"
#include "gw_chain.h"
#include "gw_config.h"
#include "gw_partykeys.h"
#include "gw_store.h"
#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/diag.h"
#include "gw/log.h"

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

static gw_broker_t *s_broker;

static void
s_on_signal(int sig)
{
    if (!s_broker) {
        return;
    }
    if (sig == SIGHUP) {
        gw_broker_reload(s_broker);
    } else {
        gw_broker_stop(s_broker);
    }
}

static void
s_usage(FILE *f)
{
    fputs("usage: ijwgw [-c CONFIG] [-t] [-V]\n"
          "  -c CONFIG  configuration file (default: the embedded demo configuration)\n"
          "  -t         check the configuration and compile every schema, then exit\n"
          "  -V         print the version\n"
          "signals: SIGHUP reloads the configuration; SIGTERM/SIGINT stop cleanly\n",
          f);
}

/* The demo config keeps its store under /tmp/ijwgw-demo; make sure the folder exists. */
static void
s_ensure_parent(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0700);
    }
}

int
main(int argc, char **argv)
{
    const char *path = NULL;
    int test_only = 0;
    int opt;
    while ((opt = getopt(argc, argv, "c:tVh")) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 't':
            test_only = 1;
            break;
        case 'V':
            printf("ijwgw %s (iJw 3.2, iWmo 3.2)\n", GW_VERSION);
            return 0;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    char *err = NULL;
    gw_config_t *cfg = path ? gw_config_load(path, &err)
                            : gw_config_parse(gw_config_default_text,
                                              strlen(gw_config_default_text), "<default>", &err);
    if (!cfg) {
        fprintf(stderr, "ijwgw: configuration rejected:\n%s\n", err ? err : "?");
        gw_free(err);
        return 1;
    }
    if (test_only) {
        gw_codec_t *codec = gw_codec_new(NULL, NULL);
        gw_diag_t *diag = gw_diag_new();
        int ok = codec && diag && gw_codec_preload(codec, diag) == GW_OK;
        if (!ok && diag) {
            for (size_t i = 0; i < gw_diag_count(diag); i++) {
                fprintf(stderr, "ijwgw: %s\n", gw_diag_at(diag, i)->text);
            }
        }
        /* Build the filter chain too: loads every plugin and checks its options. */
        gw_chain_spec_t *specs = gw_calloc(cfg->nfilters ? cfg->nfilters : 1, sizeof(*specs));
        char *ferr = NULL;
        gw_chain_t *chain = NULL;
        if (specs) {
            gw_config_chain_specs(cfg, specs);
            chain = gw_chain_new(specs, cfg->nfilters, &ferr);
        }
        if (!chain) {
            fprintf(stderr, "ijwgw: filters rejected:\n%s\n", ferr ? ferr : "out of memory");
            ok = 0;
        }
        gw_chain_destroy(&chain);
        gw_free(ferr);
        gw_free(specs);
        /* CURVE: every party's key file must parse and no key may belong to two parties. */
        if (cfg->curve) {
            char *kerr = NULL;
            gw_partykeys_t *ring = gw_partykeys_load(cfg, &kerr);
            if (!ring) {
                fprintf(stderr, "ijwgw: party keys rejected:\n%s\n", kerr ? kerr : "?");
                ok = 0;
            } else {
                printf("ijwgw: CURVE on: %zu party keys, %zu parties without a key\n",
                       gw_partykeys_count(ring), gw_partykeys_keyless(ring));
            }
            gw_partykeys_destroy(&ring);
            gw_free(kerr);
        }
        char shown[1100];
        printf("ijwgw: configuration %s: %s (%zu parties, %zu filters, endpoint %s, store %s)\n",
               cfg->path ? cfg->path : "<default>", ok ? "ok" : "FAILED", cfg->nparties,
               cfg->nfilters, cfg->endpoint, gw_store_display(cfg->store, shown, sizeof(shown)));
        gw_diag_destroy(&diag);
        gw_codec_destroy(&codec);
        gw_config_destroy(&cfg);
        return ok ? 0 : 1;
    }
    if (!path) {
        s_ensure_parent(cfg->store);
    }
    s_broker = gw_broker_new(&cfg, &err);
    if (!s_broker) {
        fprintf(stderr, "ijwgw: cannot start: %s\n", err ? err : "?");
        gw_free(err);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = gw_broker_run(s_broker);
    gw_broker_destroy(&s_broker);
    return rc == GW_OK ? 0 : 1;
}
