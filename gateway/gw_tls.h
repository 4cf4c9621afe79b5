/*
 * TLS for the HTTPS edge (ijwgw-edge, gw_edge.c): the only file pair that
 * includes <openssl/ssl.h>. A server context holds the edge's certificate and
 * key, the CA bundle that signs client certificates and an optional CRL; it
 * accepts TLS 1.2 and 1.3 only and requires a client certificate
 * (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT). A connection that
 * completes the handshake has a verified client certificate; its subject is
 * given as an RFC 2253 string ("CN=gemeente-0363,O=Gemeente Amsterdam,C=NL"),
 * which the edge matches exactly against its party table. Characters outside
ASCII are kept as UTF-8 (RFC 2253 flags without ASN1_STRFLGS_ESC_MSB).
 *
 * OpenSSL errors are drained into the log (gw_log) and come back as
 * GW_ECRYPTO; callers never see OpenSSL types.
 */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <stddef.h>

#include "gw/err.h"

#define GW_TLS_MAX_SUBJECT 512 /* bytes of an RFC 2253 subject, excluding NUL */

typedef struct gw_tls_ctx gw_tls_ctx_t;
typedef struct gw_tls_conn gw_tls_conn_t;

/**
 * A server context. crl may be NULL (no revocation check); with a CRL every
 * client certificate's issuer must have a CRL in that file (X509_V_FLAG_CRL_CHECK).
 * @returns the context or NULL with *err (heap, gw_free) naming the file that failed.
 */
gw_tls_ctx_t *gw_tls_ctx_new(const char *cert, const char *key, const char *client_ca,
                             const char *crl, char **err);
void gw_tls_ctx_destroy(gw_tls_ctx_t **self_p);

/**
 * Handshake on the connected socket fd (blocking; the caller has set its
 * SO_RCVTIMEO/SO_SNDTIMEO). On success the connection owns nothing of fd: the
 * caller closes it after gw_tls_conn_destroy.
 * @param ctx borrowed; must outlive the connection
 * @param why on failure, a short reason for the log (no personal data)
 * @returns the connection or NULL (handshake failed, certificate refused, timeout).
 */
gw_tls_conn_t *gw_tls_accept(gw_tls_ctx_t *ctx, int fd, char *why, size_t whycap);

/** The verified client certificate's subject (RFC 2253). Borrowed for the connection's life. */
const char *gw_tls_subject(const gw_tls_conn_t *conn);

/** The negotiated protocol ("TLSv1.3"). Borrowed, static. */
const char *gw_tls_version(const gw_tls_conn_t *conn);

/**
 * Read up to cap bytes.
 * @returns bytes read (> 0), 0 when the peer closed, -1 on error or timeout.
 */
long gw_tls_read(gw_tls_conn_t *conn, char *buf, size_t cap);

/** Write all len bytes. @returns GW_OK or GW_EIO. */
GW_NODISCARD int gw_tls_write(gw_tls_conn_t *conn, const char *data, size_t len);

/** Send close_notify (best effort) and free the connection. */
void gw_tls_conn_destroy(gw_tls_conn_t **self_p);

#endif
