/*
 * ijwgw-edge: the HTTPS edge for party software that cannot speak ZeroMQ
 * (docs/edge.md). Parses the command line, loads the config, installs signal
 * handlers and runs the accept loop (gw_edge.c).
 *
 *   ijwgw-edge -c FILE      run (foreground; systemd or a shell supervises it)
 *   ijwgw-edge -t -c FILE   check the config and the TLS files, then exit 0/1
 *   ijwgw-edge -V           print the version
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/log.h"

#include "gw_edge.h"
#include "gw_edge_config.h"
#include "gw_notify.h"
#include "gw_tls.h"

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

static volatile sig_atomic_t s_stop;
static volatile sig_atomic_t s_hup;

static void
s_on_signal(int sig)
{
    if (sig == SIGHUP) {
        s_hup = 1;
    } else {
        s_stop = 1;
    }
}

static void
s_usage(FILE *f)
{
    fputs("usage: ijwgw-edge -c CONFIG [-t] [-V]\n"
          "  -c CONFIG  configuration file (default /etc/ijwgw/edge.conf)\n"
          "  -t         check the configuration, the key files and the TLS files, then exit\n"
          "  -V         print the version\n"
          "signals: SIGHUP reloads the configuration (open connections finish under the old\n"
          "one); SIGTERM/SIGINT stop\n",
          f);
}

int
main(int argc, char **argv)
{
    const char *path = "/etc/ijwgw/edge.conf";
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
            printf("ijwgw-edge %s\n", GW_VERSION);
            return 0;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        s_usage(stderr);
        return 2;
    }
    char *err = NULL;
    gw_edge_config_t *conf = gw_edge_config_load(path, &err);
    if (!conf) {
        fprintf(stderr, "ijwgw-edge: configuration rejected:\n%s\n", err ? err : "?");
        gw_free(err);
        return 1;
    }
    if (test_only) {
        gw_tls_ctx_t *tls = gw_tls_ctx_new(conf->cert, conf->key, conf->client_ca,
                                           conf->crl[0] ? conf->crl : NULL, &err);
        int ok = tls != NULL;
        if (!ok) {
            fprintf(stderr, "ijwgw-edge: TLS files rejected: %s\n", err ? err : "?");
        } else {
            printf("ijwgw-edge: %s OK: %zu parties, CURVE %s, CRL %s\n", path, conf->nparties,
                   conf->server_key[0] ? "on" : "off", conf->crl[0] ? "on" : "off");
        }
        gw_tls_ctx_destroy(&tls);
        gw_free(err);
        gw_edge_config_destroy(&conf);
        return ok ? 0 : 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    gw_edge_t *edge = gw_edge_new(&conf, &err);
    if (!edge) {
        fprintf(stderr, "ijwgw-edge: cannot start: %s\n", err ? err : "?");
        gw_free(err);
        return 1;
    }
    /* systemd Type=notify: READY once listening, RELOADING/READY around SIGHUP,
       WATCHDOG from the accept loop, STOPPING on the way out. */
    gw_notify_t *notify = gw_notify_new();
    char status[200];
    snprintf(status, sizeof(status), "accepting HTTPS on %s", gw_edge_address(edge));
    gw_notify_ready(notify, status);
    int rc = GW_OK;
    while (!s_stop && rc == GW_OK) {
        rc = gw_edge_poll(edge, 250);
        gw_notify_watchdog(notify);
        if (s_hup) {
            s_hup = 0;
            gw_notify_reloading(notify);
            gw_edge_config_t *n = gw_edge_config_load(path, &err);
            if (n && gw_edge_reload(edge, &n, &err) == GW_OK) {
                gw_notify_ready(notify, "configuration reloaded");
            } else {
                gw_notify_ready(notify, "reload failed: running the previous configuration");
                /* one line per error; the old configuration stays */
                for (char *l = err; l && *l;) {
                    char *nl = strchr(l, '\n');
                    if (nl) {
                        *nl = '\0';
                    }
                    gw_log(GW_LOG_ERROR, "edge_reload_failed", "reason=\"%s\"", l);
                    l = nl ? nl + 1 : NULL;
                }
            }
            gw_free(err);
            err = NULL;
        }
    }
    if (rc != GW_OK) {
        gw_log(GW_LOG_ERROR, "edge_listener_failed", "rc=%s", gw_strerror(rc));
    }
    gw_log(GW_LOG_INFO, "edge_stopping", "%s", "");
    gw_notify_stopping(notify, NULL);
    gw_edge_destroy(&edge);
    gw_notify_destroy(&notify);
    return rc == GW_OK ? 0 : 1;
}
