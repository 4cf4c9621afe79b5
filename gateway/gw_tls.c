/*
 * TLS for the HTTPS edge (see gw_tls.h): server context with client
 * certificate verification and an optional CRL, the handshake, the verified
 * subject, and blocking reads/writes bounded by the socket's timeouts.
 */
#include "gw_tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "gw/alloc.h"
#include "gw/log.h"

#if OPENSSL_VERSION_NUMBER < 0x30000000L /* OpenSSL 1.1.1: the older name */
#define SSL_get1_peer_certificate SSL_get_peer_certificate
#endif

struct gw_tls_ctx {
    SSL_CTX *ssl; /* the OpenSSL server context */
};

struct gw_tls_conn {
    SSL *ssl;                             /* one connection */
    char subject[GW_TLS_MAX_SUBJECT + 1]; /* verified client certificate subject, RFC 2253 */
};

/* First error of the OpenSSL queue as text (the rest is logged at debug), queue emptied. */
static void
s_drain(char *buf, size_t cap)
{
    unsigned long e = ERR_get_error();
    if (buf && cap) {
        if (e) {
            ERR_error_string_n(e, buf, cap);
        } else {
            snprintf(buf, cap, "unknown TLS error");
        }
    }
    while ((e = ERR_get_error()) != 0) {
        char more[256];
        ERR_error_string_n(e, more, sizeof(more));
        gw_log(GW_LOG_DEBUG, "tls_error", "detail=\"%s\"", more);
    }
}

static void
s_set_err(char **err, const char *what, const char *path)
{
    if (!err) {
        ERR_clear_error();
        return;
    }
    char ossl[256];
    s_drain(ossl, sizeof(ossl));
    size_t n = strlen(what) + strlen(path) + strlen(ossl) + 8;
    *err = gw_malloc(n);
    if (*err) {
        snprintf(*err, n, "%s %s: %s", what, path, ossl);
    }
}

gw_tls_ctx_t *
gw_tls_ctx_new(const char *cert, const char *key, const char *client_ca, const char *crl,
               char **err)
{
    gw_tls_ctx_t *self = gw_calloc(1, sizeof(*self));
    STACK_OF(X509_NAME) *names = NULL;
    if (!self) {
        goto fail;
    }
    self->ssl = SSL_CTX_new(TLS_server_method());
    if (!self->ssl) {
        s_set_err(err, "cannot create a TLS context", "");
        goto fail;
    }
    /* TLS 1.2 and 1.3 only; 1.2 limited to forward-secret AEAD suites. */
    if (SSL_CTX_set_min_proto_version(self->ssl, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(self->ssl, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
        s_set_err(err, "cannot set the TLS protocol versions/ciphers", "");
        goto fail;
    }
    SSL_CTX_set_options(self->ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                       SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    /* No resumption: every connection presents and verifies its certificate afresh
       (and a reload's new CA or CRL applies to every new connection). */
    SSL_CTX_set_session_cache_mode(self->ssl, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(self->ssl, 0);
    static const unsigned char sid[] = "ijwgw-edge";
    SSL_CTX_set_session_id_context(self->ssl, sid, sizeof(sid) - 1);
    if (SSL_CTX_use_certificate_chain_file(self->ssl, cert) != 1) {
        s_set_err(err, "cannot load the certificate", cert);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(self->ssl, key, SSL_FILETYPE_PEM) != 1) {
        s_set_err(err, "cannot load the key", key);
        goto fail;
    }
    if (SSL_CTX_check_private_key(self->ssl) != 1) {
        s_set_err(err, "the key does not belong to the certificate", cert);
        goto fail;
    }
    if (SSL_CTX_load_verify_locations(self->ssl, client_ca, NULL) != 1) {
        s_set_err(err, "cannot load the client CA bundle", client_ca);
        goto fail;
    }
    names = SSL_load_client_CA_file(client_ca);
    if (!names) {
        s_set_err(err, "no CA certificates in", client_ca);
        goto fail;
    }
    SSL_CTX_set_client_CA_list(self->ssl, names); /* takes names */
    names = NULL;
    if (crl) {
        X509_STORE *st = SSL_CTX_get_cert_store(self->ssl);
        X509_LOOKUP *lk = X509_STORE_add_lookup(st, X509_LOOKUP_file());
        if (!lk || X509_load_crl_file(lk, crl, X509_FILETYPE_PEM) < 1) {
            s_set_err(err, "cannot load the CRL", crl);
            goto fail;
        }
        X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
    }
    SSL_CTX_set_verify(self->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_verify_depth(self->ssl, 4);
    return self;
fail:
    if (err && !*err) {
        *err = gw_strdup("out of memory");
    }
    gw_tls_ctx_destroy(&self);
    return NULL;
}

void
gw_tls_ctx_destroy(gw_tls_ctx_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    SSL_CTX_free((*self_p)->ssl);
    gw_free(*self_p);
    *self_p = NULL;
}

gw_tls_conn_t *
gw_tls_accept(gw_tls_ctx_t *ctx, int fd, char *why, size_t whycap)
{
    gw_tls_conn_t *self = gw_calloc(1, sizeof(*self));
    X509 *peer = NULL;
    BIO *mem = NULL;
    if (!self) {
        snprintf(why, whycap, "out of memory");
        return NULL;
    }
    ERR_clear_error();
    self->ssl = SSL_new(ctx->ssl);
    if (!self->ssl || SSL_set_fd(self->ssl, fd) != 1) {
        s_drain(why, whycap);
        goto fail;
    }
    if (SSL_accept(self->ssl) != 1) {
        long v = SSL_get_verify_result(self->ssl);
        if (v != X509_V_OK) {
            snprintf(why, whycap, "certificate refused: %s", X509_verify_cert_error_string(v));
            ERR_clear_error();
        } else {
            s_drain(why, whycap);
        }
        goto fail;
    }
    peer = SSL_get1_peer_certificate(self->ssl);
    if (!peer || SSL_get_verify_result(self->ssl) != X509_V_OK) {
        snprintf(why, whycap, "no verified client certificate");
        goto fail;
    }
    mem = BIO_new(BIO_s_mem());
    if (!mem || X509_NAME_print_ex(mem, X509_get_subject_name(peer), 0,
                                   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        s_drain(why, whycap);
        goto fail;
    }
    char *data = NULL;
    long n = BIO_get_mem_data(mem, &data);
    if (n < 0 || (size_t)n > GW_TLS_MAX_SUBJECT) {
        snprintf(why, whycap, "client certificate subject longer than %d bytes",
                 GW_TLS_MAX_SUBJECT);
        goto fail;
    }
    memcpy(self->subject, data, (size_t)n);
    self->subject[n] = '\0';
    BIO_free(mem);
    X509_free(peer);
    return self;
fail:
    BIO_free(mem);
    X509_free(peer);
    SSL_free(self->ssl);
    gw_free(self);
    return NULL;
}

const char *
gw_tls_subject(const gw_tls_conn_t *conn)
{
    return conn->subject;
}

const char *
gw_tls_version(const gw_tls_conn_t *conn)
{
    return SSL_get_version(conn->ssl);
}

long
gw_tls_read(gw_tls_conn_t *conn, char *buf, size_t cap)
{
    size_t got = 0;
    int ok = SSL_read_ex(conn->ssl, buf, cap, &got);
    if (ok == 1) {
        return (long)got;
    }
    int e = SSL_get_error(conn->ssl, ok);
    ERR_clear_error();
    return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

int
gw_tls_write(gw_tls_conn_t *conn, const char *data, size_t len)
{
    while (len > 0) {
        size_t put = 0;
        if (SSL_write_ex(conn->ssl, data, len, &put) != 1) {
            ERR_clear_error();
            return GW_EIO;
        }
        data += put;
        len -= put;
    }
    return GW_OK;
}

void
gw_tls_conn_destroy(gw_tls_conn_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_tls_conn_t *self = *self_p;
    if (SSL_is_init_finished(self->ssl)) {
        (void)SSL_shutdown(self->ssl); /* close_notify; we do not wait for the peer's */
    }
    ERR_clear_error();
    SSL_free(self->ssl);
    gw_free(self);
    *self_p = NULL;
}
