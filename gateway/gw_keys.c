/*
 * CURVE key files (gw/keys.h): create, write and read the NAME.key / NAME.pub
 * pairs that authenticate parties and the gateway. The format is a tiny
 * `key = value` text so an operator can read and diff it; only public_key and
 * secret_key are meaningful, '#' lines are comments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "gw/alloc.h"
#include "gw/keys.h"

#define S_MAX_FILE 65536 /* a key file is a few lines */

static void s_err(char **err, const char *fmt, ...) GW_PRINTF(2, 3);

static void
s_err(char **err, const char *fmt, ...)
{
    if (!err) {
        return;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    *err = gw_strdup(buf);
}

int
gw_keys_valid(const char *s)
{
    if (!s || strlen(s) != GW_KEY_Z85_LEN) {
        return 0;
    }
    uint8_t raw[32]; /* the decoded key, a secret one too: wiped before returning */
    int ok = zmq_z85_decode(raw, s) != NULL;
    explicit_bzero(raw, sizeof(raw));
    return ok;
}

int
gw_keys_new(gw_keypair_t *kp)
{
    memset(kp, 0, sizeof(*kp));
    if (zmq_curve_keypair(kp->public_key, kp->secret_key) != 0) {
        return GW_ECRYPTO;
    }
    return GW_OK;
}

void
gw_keys_wipe(gw_keypair_t *kp)
{
    if (kp) {
        explicit_bzero(kp->secret_key, sizeof(kp->secret_key));
    }
}

char *
gw_keys_pub_path(const char *key_path)
{
    size_t n = strlen(key_path);
    char *out = gw_malloc(n + 5);
    if (!out) {
        return NULL;
    }
    memcpy(out, key_path, n + 1);
    if (n > 4 && strcmp(key_path + n - 4, ".key") == 0) {
        memcpy(out + n - 4, ".pub", 5);
    } else {
        memcpy(out + n, ".pub", 5);
    }
    return out;
}

static int
s_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Write text to a new file with mode; excl: refuse an existing file. */
static int
s_write_file(const char *path, const char *text, mode_t mode, int excl, char **err)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC);
    int fd = open(path, flags, mode);
    if (fd < 0) {
        int e = errno;
        s_err(err, "%s: cannot create: %s%s", path, strerror(e),
              e == EEXIST ? " (a key is never overwritten: remove it first)" : "");
        return e == EEXIST ? GW_EINVAL : GW_EIO;
    }
    /* The umask may have widened nothing, but an existing public file keeps its mode. */
    if (fchmod(fd, mode) != 0 || s_write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
        s_err(err, "%s: cannot write: %s", path, strerror(errno));
        close(fd);
        return GW_EIO;
    }
    if (close(fd) != 0) {
        s_err(err, "%s: cannot write: %s", path, strerror(errno));
        return GW_EIO;
    }
    return GW_OK;
}

int
gw_keys_save(const gw_keypair_t *kp, const char *key_path, const char *pub_path, const char *name,
             char **err)
{
    if (err) {
        *err = NULL;
    }
    if (!kp || !key_path || !gw_keys_valid(kp->public_key) || !gw_keys_valid(kp->secret_key)) {
        s_err(err, "not a complete key pair");
        return GW_EINVAL;
    }
    char text[512];
    snprintf(text, sizeof(text),
             "# ijwgw CURVE key pair of %.64s (ijwctl keygen). SECRET: keep this file mode 0600.\n"
             "public_key = %s\n"
             "secret_key = %s\n",
             name ? name : "?", kp->public_key, kp->secret_key);
    int rc = s_write_file(key_path, text, 0600, 1, err);
    explicit_bzero(text, sizeof(text));
    if (rc != GW_OK || !pub_path) {
        return rc;
    }
    snprintf(text, sizeof(text),
             "# ijwgw CURVE public key of %.64s (ijwctl keygen). Public: give it to the gateway "
             "operator.\n"
             "public_key = %s\n",
             name ? name : "?", kp->public_key);
    return s_write_file(pub_path, text, 0644, 0, err);
}

/* Read a whole (small) file into a heap buffer. errno is kept on failure. */
static char *
s_read(const char *path, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        s_err(err, "%s: cannot open: %s", path, strerror(e));
        errno = e;
        return NULL;
    }
    char *buf = gw_malloc(S_MAX_FILE + 1);
    size_t n = 0;
    while (buf && n < S_MAX_FILE) {
        ssize_t r = read(fd, buf + n, S_MAX_FILE - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            int e = errno;
            s_err(err, "%s: cannot read: %s", path, strerror(e));
            gw_free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    if (!buf) {
        s_err(err, "out of memory");
        errno = ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The value of a "key = value" line into val (trimmed); 0 when the line is not one. */
static int
s_kv(const char *line, size_t n, char *key, size_t kcap, char *val, size_t vcap)
{
    const char *end = line + n;
    while (line < end && (*line == ' ' || *line == '\t')) {
        line++;
    }
    const char *k = line;
    while (line < end && *line != ' ' && *line != '\t' && *line != '=') {
        line++;
    }
    size_t kn = (size_t)(line - k);
    while (line < end && (*line == ' ' || *line == '\t')) {
        line++;
    }
    if (kn == 0 || kn >= kcap || line == end || *line != '=') {
        return 0;
    }
    line++;
    while (line < end && (*line == ' ' || *line == '\t')) {
        line++;
    }
    while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) {
        end--;
    }
    size_t vn = (size_t)(end - line);
    if (vn >= vcap) {
        vn = vcap - 1; /* a too long value is then not a valid key */
    }
    memcpy(key, k, kn);
    key[kn] = '\0';
    memcpy(val, line, vn);
    val[vn] = '\0';
    return 1;
}

/* Walk the lines: fn(arg, key, value, line) for each key line; bad lines are errors. */
typedef int (*s_line_fn)(void *arg, const char *key, const char *val, int line, char **err);

static int
s_parse(const char *path, s_line_fn fn, void *arg, char **err)
{
    size_t len = 0;
    char *buf = s_read(path, &len, err);
    if (!buf) {
        return GW_EIO;
    }
    int rc = GW_OK;
    int line = 0;
    char key[32], val[128]; /* val may hold a secret key: wiped below, also after a break */
    for (size_t pos = 0; pos < len && rc == GW_OK;) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        line++;
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) {
            i++;
        }
        if (i == n || s[i] == '#') {
            continue;
        }
        if (!s_kv(s, n, key, sizeof(key), val, sizeof(val))) {
            s_err(err, "%s:%d: expected 'public_key = Z85' or 'secret_key = Z85'", path, line);
            rc = GW_EPARSE;
            break;
        }
        if (strcmp(key, "public_key") != 0 && strcmp(key, "secret_key") != 0) {
            s_err(err, "%s:%d: unknown key '%.31s' (valid: public_key, secret_key)", path, line,
                  key);
            rc = GW_EPARSE;
            break;
        }
        if (!gw_keys_valid(val)) {
            s_err(err, "%s:%d: %s is not a 40-character Z85 key", path, line, key);
            rc = GW_EPARSE;
            break;
        }
        rc = fn(arg, key, val, line, err);
        explicit_bzero(val, sizeof(val));
    }
    explicit_bzero(val, sizeof(val));
    explicit_bzero(buf, len);
    gw_free(buf);
    return rc;
}

typedef struct s_load {
    const char *path;
    gw_keypair_t *kp;
    int pub_line, sec_line;
} s_load_t;

static int
s_load_line(void *arg, const char *key, const char *val, int line, char **err)
{
    s_load_t *l = arg;
    if (strcmp(key, "public_key") == 0) {
        if (!l->pub_line) {
            memcpy(l->kp->public_key, val, GW_KEY_Z85_LEN + 1);
            l->pub_line = line;
        }
        return GW_OK;
    }
    if (l->sec_line) {
        s_err(err, "%s:%d: second secret_key (first at line %d)", l->path, line, l->sec_line);
        return GW_EPARSE;
    }
    memcpy(l->kp->secret_key, val, GW_KEY_Z85_LEN + 1);
    l->sec_line = line;
    return GW_OK;
}

int
gw_keys_load(const char *path, gw_keypair_t *kp, int need_secret, char **err)
{
    if (err) {
        *err = NULL;
    }
    memset(kp, 0, sizeof(*kp));
    s_load_t l = {.path = path, .kp = kp};
    int rc = s_parse(path, s_load_line, &l, err);
    if (rc == GW_OK && !l.pub_line) {
        s_err(err, "%s: no public_key line", path);
        rc = GW_EPARSE;
    }
    if (rc == GW_OK && need_secret && !l.sec_line) {
        s_err(err, "%s: no secret_key line (is this the .pub file? use the .key file)", path);
        rc = GW_EPARSE;
    }
    struct stat sb;
    if (rc == GW_OK && l.sec_line && stat(path, &sb) == 0 && (sb.st_mode & 077) != 0) {
        /* As ssh does for its keys: a secret others can read is no longer a secret. */
        s_err(err, "%s: holds a secret key but group or others may access it (mode %03o): "
                   "chmod 600 it",
              path, (unsigned)(sb.st_mode & 0777));
        rc = GW_EPARSE;
    }
    if (rc == GW_OK && l.sec_line) {
        char derived[GW_KEY_Z85_LEN + 1];
        if (zmq_curve_public(derived, kp->secret_key) != 0 ||
            strcmp(derived, kp->public_key) != 0) {
            s_err(err, "%s:%d: secret_key does not belong to the public_key of line %d", path,
                  l.sec_line, l.pub_line);
            rc = GW_EPARSE;
        }
    }
    if (rc != GW_OK) {
        gw_keys_wipe(kp);
        memset(kp, 0, sizeof(*kp));
    }
    return rc;
}

typedef struct s_scan {
    gw_keys_each_fn fn;
    void *arg;
} s_scan_t;

static int
s_scan_line(void *arg, const char *key, const char *val, int line, char **err)
{
    (void)err;
    s_scan_t *s = arg;
    if (strcmp(key, "public_key") != 0) {
        return GW_OK;
    }
    return s->fn(s->arg, val, line) ? GW_EINVAL : GW_OK;
}

int
gw_keys_scan(const char *path, gw_keys_each_fn fn, void *arg, char **err)
{
    if (err) {
        *err = NULL;
    }
    s_scan_t s = {.fn = fn, .arg = arg};
    int rc = s_parse(path, s_scan_line, &s, err);
    return rc == GW_EINVAL ? GW_OK : rc;
}
