/* Payloads at rest for both store backends (gw_seal.h). */
#include <stdio.h>

#include "gw/alloc.h"
#include "gw/err.h"

#include "gw_seal.h"

static size_t
s_aad(char *buf, size_t cap, char kind, int64_t id, int64_t msg_id, const char *type)
{
    int n = kind == 'm'
                ? snprintf(buf, cap, "ijwgw/1 msg %lld %s", (long long)id, type ? type : "")
                : snprintf(buf, cap, "ijwgw/1 dlv %lld %lld", (long long)id, (long long)msg_id);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Room for want bytes in *buf; the old contents (plaintext or key material) are wiped. */
static int
s_grow(uint8_t **buf, size_t *cap, size_t want)
{
    if (*cap >= want) {
        return GW_OK;
    }
    size_t ncap = want < 4096 ? 4096 : want + want / 4;
    uint8_t *b = gw_malloc(ncap);
    if (!b) {
        return GW_ENOMEM;
    }
    if (*buf) {
        gw_cleanse(*buf, *cap);
        gw_free(*buf);
    }
    *buf = b;
    *cap = ncap;
    return GW_OK;
}

/* A plaintext row (key id 0) read while a key is configured must look like XML (a '<',
 * white space, a UTF-8 or UTF-16 byte order mark, or UTF-16BE "<" first), so a sealed
 * payload whose header was damaged is reported, not delivered as bytes. */
static int
s_plain_ok(const uint8_t *p, size_t len)
{
    return len == 0 || p[0] == '<' || p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n' ||
           p[0] == 0xEF || p[0] == 0xFE || p[0] == 0xFF || (len > 1 && p[0] == 0 && p[1] == '<');
}

int
gw_seal_payload(const gw_keyring_t *keys, uint8_t **buf, size_t *cap, char kind, int64_t id,
                int64_t msg_id, const char *type, const void **payload, size_t *len,
                const char **why)
{
    char aad[128];
    size_t alen = s_aad(aad, sizeof(aad), kind, id, msg_id, type);
    if (s_grow(buf, cap, *len + GW_SEAL_OVERHEAD) != GW_OK) {
        *why = "seal: out of memory";
        return GW_ENOMEM;
    }
    if (gw_keyring_seal(keys, aad, alen, *len ? *payload : "", *len, *buf) != GW_OK) {
        *why = "seal: AES-256-GCM encryption failed";
        return GW_EIO;
    }
    *payload = *buf;
    *len += GW_SEAL_OVERHEAD;
    return GW_OK;
}

void
gw_seal_open(const gw_keyring_t *keys, uint8_t **buf, size_t *cap, gw_store_delivery_t *d,
             const uint8_t *blob, size_t blen, int own)
{
    d->key_id = gw_sealed_key_id(blob, blen);
    d->unreadable = NULL;
    d->payload = blob ? (const void *)blob : "";
    d->len = blob ? blen : 0;
    if (d->key_id == 0) {
        if (keys && blob && !s_plain_ok(blob, blen)) {
            d->unreadable = "stored payload is neither sealed nor XML (damaged header)";
            d->payload = "";
            d->len = 0;
        }
        return;
    }
    d->payload = "";
    d->len = 0;
    if (s_grow(buf, cap, blen) != GW_OK) {
        d->unreadable = "out of memory";
        return;
    }
    char aad[128];
    size_t alen = s_aad(aad, sizeof(aad), own ? 'd' : 'm', own ? d->delivery_id : d->msg_id,
                        d->msg_id, d->type);
    size_t n = 0;
    const char *why = NULL;
    if (gw_keyring_open(keys, aad, alen, blob, blen, *buf, &n, &why) != GW_OK) {
        d->unreadable = why;
        return;
    }
    d->payload = *buf;
    d->len = n;
}
