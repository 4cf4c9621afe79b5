/*
 * At-rest cryptography (gw_crypt.h): the store key file, AES-256-GCM sealing of
 * payloads with OpenSSL EVP, and the SHA-256/HMAC primitives of the audit trail.
 * The store seals before it writes a payload and opens after it reads one; the
 * audit log hashes its entries. OpenSSL's error queue is drained here, never
 * logged with data.
 */
#include "gw_crypt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "gw/alloc.h"

#define S_NONCE  12
#define S_ID_MAX 2147483647u

typedef struct s_key {
    uint32_t id;               /* 1..S_ID_MAX */
    uint8_t key[GW_KEY_BYTES]; /* AES-256 key */
} s_key_t;

struct gw_keyring {
    s_key_t *keys; /* file order */
    size_t nkeys;
    uint32_t active;           /* id of the sealing key */
    const s_key_t *active_key; /* into keys */
    int has_mac;               /* mac is set */
    uint8_t mac[GW_KEY_BYTES]; /* audit client-reference secret */
    /* Cipher contexts kept across calls (one thread uses a keyring at a time): the key
     * schedule is set once, each payload sets only its nonce. */
    EVP_CIPHER_CTX *seal_ctx; /* keyed with the active key; NULL until the first seal */
    EVP_CIPHER_CTX *open_ctx; /* keyed with open_key */
    uint32_t open_key;        /* key id of open_ctx; 0 = not keyed */
};

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static pthread_once_t s_gcm_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *s_gcm_cipher; /* kept for the life of the process */

static void
s_gcm_fetch(void)
{
    s_gcm_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}
#endif

/* AES-256-GCM, fetched once: on OpenSSL 3 EVP_aes_256_gcm() costs an implicit fetch on
 * every EVP_*Init_ex that names it. */
static const EVP_CIPHER *
s_gcm(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    (void)pthread_once(&s_gcm_once, s_gcm_fetch);
    return s_gcm_cipher;
#else
    return EVP_aes_256_gcm();
#endif
}

void
gw_cleanse(void *p, size_t n)
{
    if (p && n) {
        OPENSSL_cleanse(p, n);
    }
}

void
gw_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int
s_unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n) {
        return -1;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        int c = s[i], v;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            return -1;
        }
        if (i % 2 == 0) {
            out[i / 2] = (uint8_t)(v << 4);
        } else {
            out[i / 2] |= (uint8_t)v;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ key file ---- */

void
gw_keyring_destroy(gw_keyring_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_keyring_t *self = *self_p;
    EVP_CIPHER_CTX_free(self->seal_ctx);
    EVP_CIPHER_CTX_free(self->open_ctx);
    if (self->keys) {
        gw_cleanse(self->keys, self->nkeys * sizeof(*self->keys));
        gw_free(self->keys);
        self->keys = NULL;
    }
    gw_cleanse(self, sizeof(*self));
    gw_free(self);
    *self_p = NULL;
}

/* Read the whole key file after checking its mode on the open descriptor. */
static char *
s_read_keyfile(const char *path, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        gw_err_setf(err, "%s: cannot open the key file: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    char *buf = NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        gw_err_setf(err, "%s: not a regular file", path);
        goto fail;
    }
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        gw_err_setf(err,
                    "%s: key file mode is %03o; group and others must have no access "
                    "(chmod 600 %s)",
                    path, (unsigned)(sb.st_mode & 0777), path);
        goto fail;
    }
    if (sb.st_size > 1 << 20) {
        gw_err_setf(err, "%s: key file too large", path);
        goto fail;
    }
    buf = gw_malloc((size_t)sb.st_size + 1);
    if (!buf) {
        gw_err_setf(err, "out of memory");
        goto fail;
    }
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r <= 0) {
            gw_err_setf(err, "%s: read failed", path);
            goto fail;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';
    *len = got;
    close(fd);
    return buf;
fail:
    if (buf) {
        gw_cleanse(buf, (size_t)sb.st_size);
        gw_free(buf);
    }
    close(fd);
    return NULL;
}

/* Split one line into at most 3 whitespace-separated words. @returns the word count,
 * or 4 when there are more. */
static int
s_words(char *line, char *w[3])
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
        if (n == 3) {
            return 4;
        }
        w[n++] = t;
    }
    return n;
}

static int
s_parse_id(const char *s, uint32_t *id)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !end || *end || s[0] < '1' || s[0] > '9' || v > S_ID_MAX) {
        return -1;
    }
    *id = (uint32_t)v;
    return 0;
}

static int
s_parse_keyring(gw_keyring_t *self, char *text, const char *path, char **err)
{
    int lineno = 0;
    size_t cap = 0;
    char *p = text; /* split by hand: line numbers count empty lines too */
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl) {
            *nl = '\0';
        }
        lineno++;
        char *line = p;
        p = nl ? nl + 1 : NULL;
        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        char *w[3] = {NULL, NULL, NULL};
        int n = s_words(line, w);
        if (n == 0) {
            continue;
        }
        if (n == 2 && strcmp(w[0], "mac") == 0) {
            if (self->has_mac || s_unhex(w[1], strlen(w[1]), self->mac, GW_KEY_BYTES) != 0) {
                gw_err_setf(err, "%s:%d: mac wants one secret of 64 hex digits", path, lineno);
                return GW_ECONFIG;
            }
            self->has_mac = 1;
        } else if (n == 3 && strcmp(w[0], "key") == 0) {
            uint32_t id = 0;
            if (s_parse_id(w[1], &id) != 0) {
                gw_err_setf(err, "%s:%d: key id must be 1..%u", path, lineno, S_ID_MAX);
                return GW_ECONFIG;
            }
            for (size_t i = 0; i < self->nkeys; i++) {
                if (self->keys[i].id == id) {
                    gw_err_setf(err, "%s:%d: key %u defined twice", path, lineno, id);
                    return GW_ECONFIG;
                }
            }
            if (self->nkeys == GW_KEYS_MAX) {
                gw_err_setf(err, "%s:%d: more than %d keys", path, lineno, GW_KEYS_MAX);
                return GW_ECONFIG;
            }
            if (self->nkeys == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                s_key_t *k = gw_calloc(ncap, sizeof(*k));
                if (!k) {
                    gw_err_setf(err, "out of memory");
                    return GW_ENOMEM;
                }
                if (self->keys) {
                    memcpy(k, self->keys, self->nkeys * sizeof(*k));
                    gw_cleanse(self->keys, self->nkeys * sizeof(*k));
                    gw_free(self->keys);
                }
                self->keys = k;
                cap = ncap;
            }
            s_key_t *k = &self->keys[self->nkeys];
            if (s_unhex(w[2], strlen(w[2]), k->key, GW_KEY_BYTES) != 0) {
                /* s_unhex stops at the first bad digit, leaving key bytes in a slot past
                 * nkeys that gw_keyring_destroy does not wipe */
                gw_cleanse(k->key, sizeof(k->key));
                gw_err_setf(err, "%s:%d: key %u wants 64 hex digits (256 bits)", path, lineno, id);
                return GW_ECONFIG;
            }
            k->id = id;
            self->nkeys++;
        } else if (n == 2 && strcmp(w[0], "active") == 0) {
            if (self->active || s_parse_id(w[1], &self->active) != 0) {
                gw_err_setf(err, "%s:%d: one 'active ID' line, ID 1..%u", path, lineno, S_ID_MAX);
                return GW_ECONFIG;
            }
        } else {
            gw_err_setf(err, "%s:%d: expected 'mac HEX', 'key ID HEX' or 'active ID'", path,
                        lineno);
            return GW_ECONFIG;
        }
    }
    if (!self->active) {
        gw_err_setf(err, "%s: no 'active ID' line", path);
        return GW_ECONFIG;
    }
    for (size_t i = 0; i < self->nkeys; i++) {
        if (self->keys[i].id == self->active) {
            self->active_key = &self->keys[i];
        }
    }
    if (!self->active_key) {
        gw_err_setf(err, "%s: active key %u is not defined", path, self->active);
        return GW_ECONFIG;
    }
    return GW_OK;
}

gw_keyring_t *
gw_keyring_load(const char *path, char **err)
{
    size_t len = 0;
    char *text = s_read_keyfile(path, &len, err);
    if (!text) {
        return NULL;
    }
    gw_keyring_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        gw_err_setf(err, "out of memory");
    } else if (s_parse_keyring(self, text, path, err) != GW_OK) {
        gw_keyring_destroy(&self);
    }
    gw_cleanse(text, len);
    gw_free(text);
    return self;
}

uint32_t
gw_keyring_active(const gw_keyring_t *self)
{
    return self->active;
}

size_t
gw_keyring_count(const gw_keyring_t *self)
{
    return self->nkeys;
}

uint32_t
gw_keyring_id_at(const gw_keyring_t *self, size_t i)
{
    return i < self->nkeys ? self->keys[i].id : 0;
}

const uint8_t *
gw_keyring_mac(const gw_keyring_t *self)
{
    return self->has_mac ? self->mac : NULL;
}

/* Write a key file: keys, active id, mac secret. tmp with O_EXCL 0600, fsync, rename
 * (when replace) or link-free create (O_EXCL on path itself). */
static int
s_write_keyfile(const char *path, const gw_keyring_t *kr, int replace, char **err)
{
    char tmp[1100];
    const char *target = path;
    if (replace) {
        if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
            gw_err_setf(err, "%s: path too long", path);
            return GW_EINVAL;
        }
        target = tmp;
    }
    int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        gw_err_setf(err, "%s: cannot create: %s", target, strerror(errno));
        return GW_EIO;
    }
    struct stat was;
    if (replace && stat(path, &was) == 0 && (was.st_uid != geteuid() || was.st_gid != getegid()) &&
        fchown(fd, was.st_uid, was.st_gid) != 0) {
        /* root rotating the gateway's file keeps it the gateway's; others cannot change it */
        gw_err_setf(err, "%s: cannot keep the key file's owner (%u:%u): %s; run as that user", path,
                    (unsigned)was.st_uid, (unsigned)was.st_gid, strerror(errno));
        close(fd);
        unlink(target);
        return GW_EIO;
    }
    /* one line per item; the text is wiped before it is freed */
    size_t cap = 512 + kr->nkeys * 96;
    char *buf = gw_malloc(cap);
    int rc = GW_ENOMEM;
    if (!buf) {
        gw_err_setf(err, "out of memory");
        goto done;
    }
    size_t n = (size_t)snprintf(buf, cap,
                                "# ijw-gateway store keys (docs/store.md). Keep this file secret "
                                "and backed up:\n# without it the stored payloads cannot be "
                                "read. 'ijwctl storekey rotate' adds a key.\n");
    char hex[2 * GW_KEY_BYTES + 1];
    if (kr->has_mac) {
        gw_hex(kr->mac, GW_KEY_BYTES, hex);
        n += (size_t)snprintf(buf + n, cap - n, "mac %s\n", hex);
    }
    for (size_t i = 0; i < kr->nkeys; i++) {
        gw_hex(kr->keys[i].key, GW_KEY_BYTES, hex);
        n += (size_t)snprintf(buf + n, cap - n, "key %u %s\n", kr->keys[i].id, hex);
    }
    n += (size_t)snprintf(buf + n, cap - n, "active %u\n", kr->active);
    gw_cleanse(hex, sizeof(hex));
    rc = GW_EIO;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w <= 0) {
            gw_err_setf(err, "%s: write failed: %s", target, strerror(errno));
            goto done;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        gw_err_setf(err, "%s: fsync failed: %s", target, strerror(errno));
        goto done;
    }
    rc = GW_OK;
done:
    if (buf) {
        gw_cleanse(buf, cap);
        gw_free(buf);
    }
    close(fd);
    if (rc != GW_OK) {
        unlink(target);
        return rc;
    }
    if (replace && rename(tmp, path) != 0) {
        gw_err_setf(err, "%s: rename failed: %s", path, strerror(errno));
        unlink(tmp);
        return GW_EIO;
    }
    return GW_OK;
}

static int
s_random(uint8_t *out, size_t n, char **err)
{
    if (RAND_bytes(out, (int)n) != 1) {
        ERR_clear_error();
        gw_err_setf(err, "no randomness (RAND_bytes failed)");
        return GW_ECRYPTO;
    }
    return GW_OK;
}

int
gw_keyring_create(const char *path, char **err)
{
    gw_keyring_t kr;
    s_key_t k;
    memset(&kr, 0, sizeof(kr));
    k.id = 1;
    int rc = s_random(k.key, sizeof(k.key), err);
    if (rc == GW_OK) {
        rc = s_random(kr.mac, sizeof(kr.mac), err);
    }
    if (rc == GW_OK) {
        kr.keys = &k;
        kr.nkeys = 1;
        kr.active = 1;
        kr.has_mac = 1;
        rc = s_write_keyfile(path, &kr, 0, err);
    }
    gw_cleanse(&k, sizeof(k));
    gw_cleanse(&kr, sizeof(kr));
    return rc;
}

int
gw_keyring_rotate(const char *path, uint32_t *new_id, char **err)
{
    gw_keyring_t *kr = gw_keyring_load(path, err);
    if (!kr) {
        return GW_ECONFIG;
    }
    uint32_t top = 0;
    for (size_t i = 0; i < kr->nkeys; i++) {
        top = kr->keys[i].id > top ? kr->keys[i].id : top;
    }
    int rc = GW_EINVAL;
    s_key_t *keys = NULL;
    if (top >= S_ID_MAX || kr->nkeys >= GW_KEYS_MAX) {
        gw_err_setf(err, "%s: no room for another key", path);
        goto done;
    }
    rc = GW_ENOMEM;
    keys = gw_calloc(kr->nkeys + 1, sizeof(*keys));
    if (!keys) {
        gw_err_setf(err, "out of memory");
        goto done;
    }
    memcpy(keys, kr->keys, kr->nkeys * sizeof(*keys));
    keys[kr->nkeys].id = top + 1;
    rc = s_random(keys[kr->nkeys].key, GW_KEY_BYTES, err);
    if (rc != GW_OK) {
        goto done;
    }
    gw_cleanse(kr->keys, kr->nkeys * sizeof(*keys));
    gw_free(kr->keys);
    kr->keys = keys;
    keys = NULL;
    kr->nkeys++;
    kr->active = top + 1;
    kr->active_key = &kr->keys[kr->nkeys - 1];
    rc = s_write_keyfile(path, kr, 1, err);
    if (rc == GW_OK) {
        *new_id = top + 1;
    }
done:
    if (keys) {
        gw_cleanse(keys, (kr->nkeys + 1) * sizeof(*keys));
        gw_free(keys);
    }
    gw_keyring_destroy(&kr);
    return rc;
}

int
gw_keyring_exists(const char *path)
{
    struct stat sb;
    return !(lstat(path, &sb) != 0 && errno == ENOENT);
}

int
gw_keyring_for_store(const char *key_path, int may_create, gw_keyring_t **out, int *created,
                     char **err)
{
    *out = NULL;
    *created = 0;
    if (!key_path || !*key_path) {
        return GW_OK;
    }
    struct stat sb;
    if (lstat(key_path, &sb) != 0 && errno == ENOENT) {
        if (!may_create) {
            gw_err_setf(err,
                        "store_key %s does not exist, but the store holds encrypted payloads: "
                        "restore the key file from its backup (a new key cannot read them)",
                        key_path);
            return GW_ECONFIG;
        }
        int rc = gw_keyring_create(key_path, err);
        if (rc != GW_OK) {
            return rc;
        }
        *created = 1;
    }
    *out = gw_keyring_load(key_path, err);
    return *out ? GW_OK : GW_ECONFIG;
}

/* ------------------------------------------------------------ sealing ---- */

static const s_key_t *
s_key(const gw_keyring_t *self, uint32_t id)
{
    if (self->active_key && self->active_key->id == id) {
        return self->active_key;
    }
    for (size_t i = 0; i < self->nkeys; i++) {
        if (self->keys[i].id == id) {
            return &self->keys[i];
        }
    }
    return NULL;
}

uint32_t
gw_sealed_key_id(const void *blob, size_t len)
{
    const uint8_t *b = blob;
    if (!b || len < GW_SEAL_OVERHEAD || b[0] != 0x00 || b[1] != 'E' || b[2] != 0x01 ||
        b[3] != 0x00) {
        return 0;
    }
    return (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | (uint32_t)b[7];
}

int
gw_keyring_seal(const gw_keyring_t *self, const void *aad, size_t aad_len, const void *pt,
                size_t len, uint8_t *out)
{
    const s_key_t *k = self->active_key;
    if (len > INT32_MAX || aad_len > INT32_MAX) {
        return GW_EINVAL;
    }
    out[0] = 0x00;
    out[1] = 'E';
    out[2] = 0x01;
    out[3] = 0x00;
    out[4] = (uint8_t)(k->id >> 24);
    out[5] = (uint8_t)(k->id >> 16);
    out[6] = (uint8_t)(k->id >> 8);
    out[7] = (uint8_t)k->id;
    uint8_t *nonce = out + 8;
    uint8_t *ct = out + GW_SEAL_HEADER;
    if (RAND_bytes(nonce, S_NONCE) != 1) {
        ERR_clear_error();
        return GW_ECRYPTO;
    }
    int n = 0, fin = 0;
    gw_keyring_t *mut = (gw_keyring_t *)self; /* the contexts are a cache */
    if (!mut->seal_ctx) {
        mut->seal_ctx = EVP_CIPHER_CTX_new();
        if (!mut->seal_ctx || !s_gcm() ||
            EVP_EncryptInit_ex(mut->seal_ctx, s_gcm(), NULL, k->key, NULL) != 1) {
            ERR_clear_error();
            EVP_CIPHER_CTX_free(mut->seal_ctx);
            mut->seal_ctx = NULL;
            return GW_ECRYPTO;
        }
    }
    EVP_CIPHER_CTX *ctx = mut->seal_ctx;
    if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
        (aad_len && EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
        (len && EVP_EncryptUpdate(ctx, ct, &n, pt, (int)len) != 1) ||
        EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GW_SEAL_TAG, ct + len) != 1) {
        ERR_clear_error();
        return GW_ECRYPTO;
    }
    return GW_OK;
}

int
gw_keyring_open(const gw_keyring_t *self, const void *aad, size_t aad_len, const uint8_t *in,
                size_t in_len, uint8_t *out, size_t *out_len, const char **why)
{
    uint32_t id = gw_sealed_key_id(in, in_len);
    *out_len = 0;
    if (id == 0) {
        *why = "not a sealed payload";
        return GW_EINVAL;
    }
    if (!self) {
        *why = "payload is encrypted and no store_key is configured";
        return GW_EINVAL;
    }
    const s_key_t *k = s_key(self, id);
    if (!k) {
        *why = "payload is sealed with a key id not in the key file";
        return GW_EINVAL;
    }
    size_t len = in_len - GW_SEAL_OVERHEAD;
    if (len > INT32_MAX || aad_len > INT32_MAX) {
        *why = "payload too large";
        return GW_EINVAL;
    }
    const uint8_t *ct = in + GW_SEAL_HEADER;
    uint8_t tag[GW_SEAL_TAG];
    memcpy(tag, ct + len, GW_SEAL_TAG);
    int rc = GW_ECRYPTO, n = 0, fin = 0;
    *why = "cipher failure";
    gw_keyring_t *mut = (gw_keyring_t *)self; /* the contexts are a cache */
    if (!mut->open_ctx) {
        mut->open_ctx = EVP_CIPHER_CTX_new();
        if (!mut->open_ctx) {
            return GW_ECRYPTO;
        }
    }
    EVP_CIPHER_CTX *ctx = mut->open_ctx;
    if (mut->open_key != id) {
        mut->open_key = 0;
        if (!s_gcm() || EVP_DecryptInit_ex(ctx, s_gcm(), NULL, k->key, NULL) != 1) {
            ERR_clear_error();
            return GW_ECRYPTO;
        }
        mut->open_key = id;
    }
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, in + 8) != 1 ||
        (aad_len && EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
        (len && EVP_DecryptUpdate(ctx, out, &n, ct, (int)len) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GW_SEAL_TAG, tag) != 1) {
        ERR_clear_error();
        goto done;
    }
    if (EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1) {
        ERR_clear_error();
        gw_cleanse(out, len);
        *why = "GCM tag check failed (payload tampered with, moved between rows, or wrong key)";
        goto done;
    }
    *out_len = len;
    *why = NULL;
    rc = GW_OK;
done:
    return rc;
}

/* ------------------------------------------------------------ hashes ---- */

int
gw_sha256(const void *data, size_t len, uint8_t out[GW_SHA256_BYTES])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != GW_SHA256_BYTES) {
        ERR_clear_error();
        return GW_ECRYPTO;
    }
    return GW_OK;
}

int
gw_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
               uint8_t out[GW_SHA256_BYTES])
{
    unsigned int n = 0;
    if (key_len > INT32_MAX || !HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) ||
        n != GW_SHA256_BYTES) {
        ERR_clear_error();
        return GW_ECRYPTO;
    }
    return GW_OK;
}
