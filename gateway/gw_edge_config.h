/*
 * Configuration of the HTTPS edge (ijwgw-edge): one file in the syntax of
 * ijwgw's (sections at column 0, indented `key = value` lines, '#' comments,
 * values bare or "quoted" as gw_conf_value lexes them), parsed and validated whole into an
 * immutable generation; errors name the file and line. SIGHUP builds a new generation; if it fails,
 * the old one stays. docs/edge.md documents every key.
 *
 *   edge
 *       listen = 0.0.0.0:8443
 *       cert = /etc/ijwgw-edge/server.crt
 *       key = /etc/ijwgw-edge/server.key
 *       client_ca = /etc/ijwgw-edge/clients-ca.pem
 *       crl = /etc/ijwgw-edge/clients.crl          # optional
 *       gateway = tcp://127.0.0.1:5570
 *       server_key = /etc/ijwgw-edge/server.pub   # optional: CURVE on
 *   party 0363
 *       subject = CN=gemeente-0363,O=Gemeente Amsterdam,C=NL
 *       key = /etc/ijwgw-edge/keys/0363.key
 *
 * `subject` is the client certificate's full subject as RFC 2253 text (what
 * `openssl x509 -noout -subject -nameopt RFC2253,-esc_msb` prints after "subject="),
 * matched exactly: no wildcards, no case folding.
 */
#ifndef GW_EDGE_CONFIG_H
#define GW_EDGE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"

#include "gw_tls.h"

#define GW_EDGE_PATH_MAX 1024

typedef struct gw_edge_party {
    char code[65];                        /* the party's code at the gateway (routing id) */
    char subject[GW_TLS_MAX_SUBJECT + 1]; /* client certificate subject, RFC 2253, exact */
    char key[GW_EDGE_PATH_MAX];           /* its CURVE secret key file; "" without CURVE */
    int line;                             /* where the section starts */
} gw_edge_party_t;

typedef struct gw_edge_config {
    char *path;                        /* file it came from (heap) */
    char listen[256];                  /* host:port of the HTTPS listener */
    char cert[GW_EDGE_PATH_MAX];       /* server certificate chain (PEM) */
    char key[GW_EDGE_PATH_MAX];        /* its private key (PEM) */
    char client_ca[GW_EDGE_PATH_MAX];  /* CA bundle that signs client certificates (PEM) */
    char crl[GW_EDGE_PATH_MAX];        /* CRL file (PEM); "" = no revocation check */
    char gateway[256];                 /* the gateway's endpoint (tcp://host:port) */
    char server_key[GW_EDGE_PATH_MAX]; /* the gateway's public key file; "" = no CURVE */
    size_t max_message_size;           /* largest request body; default 25M (OP179) */
    size_t max_connections;            /* concurrent HTTPS connections; default 64 */
    int64_t timeout_ms;                /* handshake, request, response; default 30s */
    int64_t max_wait_ms;               /* cap on ?wait= of deliveries/next; default 60s */
    int64_t submit_timeout_ms;         /* wait for the gateway's answer; default 30s */
    gw_edge_party_t *parties;          /* heap array */
    size_t nparties;                   /* entries in parties */
} gw_edge_config_t;

/**
 * Parse and validate text (name is used in error messages). Key files are
 * read to check them (a party's secret key, the gateway's public key); the
 * TLS files are checked by gw_tls_ctx_new.
 * @returns a new generation, or NULL with *err (heap, gw_free; "NAME:LINE: why" lines).
 */
gw_edge_config_t *gw_edge_config_parse(const char *text, size_t len, const char *name, char **err);

/** Read and parse a file. @returns as gw_edge_config_parse. */
gw_edge_config_t *gw_edge_config_load(const char *path, char **err);

void gw_edge_config_destroy(gw_edge_config_t **self_p);

/** The party whose subject is exactly subject, or NULL. Borrowed for the generation's life. */
const gw_edge_party_t *gw_edge_config_by_subject(const gw_edge_config_t *self, const char *subject);

#endif
