/*
 * The audit log file (gw_audit.h): appending chained entries under flock, and
 * verifying a whole chain. The gateway's audit sink (gw_audit_sink.c) and the
 * ijwctl admin commands write through gw_audit_append(); `ijwctl audit verify`
 * calls gw_audit_verify().
 */
#include "gw_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/log.h"

#include "gw_crypt.h"

#define S_HEX      64
#define S_TAIL_MAX 65536 /* the last entry is found in this many bytes from the end */
#define S_LINE_MAX (GW_AUDIT_BODY_MAX + 256)

static const char s_zero[S_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct gw_audit {
    int fd;               /* O_APPEND */
    char *path;           /* for messages */
    int64_t seq;          /* last entry's seq; 0 = empty file */
    char head[S_HEX + 1]; /* last entry's hash; zeros for an empty file */
    off_t size;           /* file size after our last append or read of the tail */
    int defer_sync;       /* appends leave fdatasync to gw_audit_sync() */
    int dirty;            /* written since the last fdatasync */
};

static int
s_is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* Parse and self-check one entry (len bytes, no newline). On success: *seq, prev and hash.
 * @returns NULL, or why the line is not a valid entry. */
static const char *
s_check_line(const char *line, size_t len, int64_t *seq, char prev[S_HEX + 1], char hash[S_HEX + 1])
{
    static const char hk[] = " hash=", pk[] = " prev=";
    size_t tail = sizeof(hk) - 1 + S_HEX;
    size_t ptail = sizeof(pk) - 1 + S_HEX;
    if (len < 6 + ptail + tail || memcmp(line, "seq=", 4) != 0) {
        return "malformed entry (not 'seq=N ... prev=HASH hash=HASH')";
    }
    const char *h = line + len - tail;
    const char *p = h - ptail;
    if (memcmp(h, hk, sizeof(hk) - 1) != 0 || memcmp(p, pk, sizeof(pk) - 1) != 0 ||
        !s_is_hex(h + sizeof(hk) - 1, S_HEX) || !s_is_hex(p + sizeof(pk) - 1, S_HEX)) {
        return "malformed entry (prev= and hash= must end the line, 64 hex digits each)";
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(line + 4, &end, 10);
    if (errno || !end || *end != ' ' || v <= 0 || line[4] < '1' || line[4] > '9') {
        return "malformed entry (bad seq=)";
    }
    uint8_t md[GW_SHA256_BYTES];
    char want[S_HEX + 1];
    if (gw_sha256(line, (size_t)(h - line), md) != GW_OK) {
        return "SHA-256 failed";
    }
    gw_hex(md, sizeof(md), want);
    if (memcmp(want, h + sizeof(hk) - 1, S_HEX) != 0) {
        return "edited: the entry's hash does not match its content";
    }
    *seq = v;
    memcpy(prev, p + sizeof(pk) - 1, S_HEX);
    prev[S_HEX] = '\0';
    memcpy(hash, want, S_HEX + 1);
    return NULL;
}

/* Read the last entry of the file into self (seq, head, size). */
static int
s_read_tail(gw_audit_t *self, char **err)
{
    struct stat sb;
    if (fstat(self->fd, &sb) != 0) {
        gw_err_setf(err, "%s: stat: %s", self->path, strerror(errno));
        return GW_EIO;
    }
    self->size = sb.st_size;
    if (sb.st_size == 0) {
        self->seq = 0;
        memcpy(self->head, s_zero, sizeof(self->head));
        return GW_OK;
    }
    size_t want = sb.st_size < S_TAIL_MAX ? (size_t)sb.st_size : S_TAIL_MAX;
    char *buf = gw_malloc(want + 1);
    if (!buf) {
        gw_err_setf(err, "out of memory");
        return GW_ENOMEM;
    }
    int rc = GW_EIO;
    ssize_t got = pread(self->fd, buf, want, sb.st_size - (off_t)want);
    if (got != (ssize_t)want) {
        gw_err_setf(err, "%s: cannot read the last entry", self->path);
        goto done;
    }
    if (buf[want - 1] != '\n') {
        gw_err_setf(err,
                    "%s: the last entry is incomplete (truncated, no newline); run 'ijwctl "
                    "audit verify %s' and move the file aside to start a new chain",
                    self->path, self->path);
        goto done;
    }
    size_t start = want - 1;
    while (start > 0 && buf[start - 1] != '\n') {
        start--;
    }
    if (start == 0 && want < (size_t)sb.st_size) {
        gw_err_setf(err, "%s: the last entry is longer than %d bytes", self->path, S_TAIL_MAX);
        goto done;
    }
    char prev[S_HEX + 1], hash[S_HEX + 1];
    int64_t seq = 0;
    const char *why = s_check_line(buf + start, want - 1 - start, &seq, prev, hash);
    if (why) {
        gw_err_setf(err,
                    "%s: the last entry does not verify (%s); run 'ijwctl audit verify %s' and "
                    "move the file aside to start a new chain",
                    self->path, why, self->path);
        goto done;
    }
    self->seq = seq;
    memcpy(self->head, hash, sizeof(self->head));
    rc = GW_OK;
done:
    gw_free(buf);
    return rc;
}

gw_audit_t *
gw_audit_open(const char *path, char **err)
{
    gw_audit_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        gw_err_setf(err, "out of memory");
        return NULL;
    }
    self->fd = -1;
    self->path = gw_strdup(path);
    if (!self->path) {
        gw_err_setf(err, "out of memory");
        goto fail;
    }
    self->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (self->fd < 0) {
        gw_err_setf(err, "%s: cannot open the audit log: %s", path, strerror(errno));
        goto fail;
    }
    /* pread needs a readable descriptor: reopen read-write now that it exists */
    close(self->fd);
    self->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (self->fd < 0) {
        gw_err_setf(err, "%s: cannot open the audit log: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(self->fd, LOCK_EX) != 0) {
        gw_err_setf(err, "%s: flock: %s", path, strerror(errno));
        goto fail;
    }
    int rc = s_read_tail(self, err);
    (void)flock(self->fd, LOCK_UN);
    if (rc != GW_OK) {
        goto fail;
    }
    return self;
fail:
    gw_audit_close(&self);
    return NULL;
}

void
gw_audit_close(gw_audit_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_audit_t *self = *self_p;
    if (self->fd >= 0) {
        if (gw_audit_sync(self, NULL) != GW_OK) {
            gw_log(GW_LOG_ERROR, "audit_sync_failed", "file=%s", self->path);
        }
        close(self->fd);
    }
    gw_free(self->path);
    gw_free(self);
    *self_p = NULL;
}

void
gw_audit_defer_sync(gw_audit_t *self, int on)
{
    self->defer_sync = on;
}

int
gw_audit_sync(gw_audit_t *self, char **err)
{
    if (!self->dirty) {
        return GW_OK;
    }
    if (fdatasync(self->fd) != 0) {
        gw_err_setf(err, "%s: fdatasync: %s", self->path, strerror(errno));
        return GW_EIO;
    }
    self->dirty = 0;
    return GW_OK;
}

int
gw_audit_rotated(const gw_audit_t *self)
{
    struct stat a, b;
    if (fstat(self->fd, &a) != 0) {
        return 0;
    }
    return stat(self->path, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

const char *
gw_audit_path(const gw_audit_t *self)
{
    return self->path;
}

int64_t
gw_audit_seq(const gw_audit_t *self)
{
    return self->seq;
}

const char *
gw_audit_head(const gw_audit_t *self)
{
    return self->head;
}

int
gw_audit_append(gw_audit_t *self, const char *const *bodies, size_t n, char **err)
{
    if (n == 0) {
        return GW_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (strlen(bodies[i]) > GW_AUDIT_BODY_MAX || strchr(bodies[i], '\n')) {
            gw_err_setf(err, "audit entry too long or with a newline");
            return GW_EINVAL;
        }
    }
    size_t cap = n * S_LINE_MAX;
    char *buf = gw_malloc(cap);
    if (!buf) {
        gw_err_setf(err, "out of memory");
        return GW_ENOMEM;
    }
    int rc = GW_EIO;
    if (flock(self->fd, LOCK_EX) != 0) {
        gw_err_setf(err, "%s: flock: %s", self->path, strerror(errno));
        gw_free(buf);
        return GW_EIO;
    }
    struct stat sb;
    if (fstat(self->fd, &sb) != 0) {
        gw_err_setf(err, "%s: stat: %s", self->path, strerror(errno));
        goto done;
    }
    if (sb.st_size < self->size) { /* never by an append: entries were cut off */
        gw_log(GW_LOG_ERROR, "audit_log_shrank",
               "file=%s from=%lld to=%lld seq=%lld note=\"entries were removed\"", self->path,
               (long long)self->size, (long long)sb.st_size, (long long)self->seq);
    }
    if (sb.st_size != self->size) { /* another writer (ijwctl) appended: continue from it */
        rc = s_read_tail(self, err);
        if (rc != GW_OK) {
            goto done;
        }
        rc = GW_EIO;
    }
    int64_t seq = self->seq;
    char head[S_HEX + 1];
    memcpy(head, self->head, sizeof(head));
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char *line = buf + len;
        int k = snprintf(line, cap - len, "seq=%" PRId64 " %s prev=%s", seq + 1, bodies[i], head);
        if (k < 0 || (size_t)k + 6 + S_HEX + 2 > cap - len) {
            gw_err_setf(err, "audit entry too long");
            goto done;
        }
        uint8_t md[GW_SHA256_BYTES];
        if (gw_sha256(line, (size_t)k, md) != GW_OK) {
            gw_err_setf(err, "SHA-256 failed");
            goto done;
        }
        gw_hex(md, sizeof(md), head);
        k += snprintf(line + k, cap - len - (size_t)k, " hash=%s\n", head);
        len += (size_t)k;
        seq++;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(self->fd, buf + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            gw_err_setf(err, "%s: write: %s", self->path, strerror(errno));
            /* a partial line would break the chain for every later writer: cut it off */
            if (off > 0 && ftruncate(self->fd, self->size) != 0) {
                gw_err_setf(err, "%s: write failed and the partial entry could not be removed",
                            self->path);
            }
            goto done;
        }
        off += (size_t)w;
    }
    if (self->defer_sync) {
        self->dirty = 1;
    } else if (fdatasync(self->fd) != 0) {
        gw_err_setf(err, "%s: fdatasync: %s", self->path, strerror(errno));
        goto done;
    }
    self->seq = seq;
    memcpy(self->head, head, sizeof(head));
    self->size += (off_t)len;
    rc = GW_OK;
done:
    (void)flock(self->fd, LOCK_UN);
    gw_free(buf);
    return rc;
}

size_t
gw_audit_body_start(char *buf, size_t cap, int64_t ms, const char *event)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf(buf, cap, "ts=%s.%03dZ ev=%s", when, (int)(ms % 1000), event);
    return n < 0 ? 0 : (size_t)n;
}

void
gw_audit_body_add(char *buf, size_t cap, const char *key, const char *value)
{
    if (!value || !*value) {
        return;
    }
    size_t n = strlen(buf);
    int k = snprintf(buf + n, cap - n, " %s=", key);
    if (k < 0 || (size_t)k >= cap - n) {
        buf[n] = '\0';
        return;
    }
    n += (size_t)k;
    for (const char *v = value; *v && n + 1 < cap && (v - value) < 128; v++) {
        char c = *v;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 strchr("._:/@+-", c) != NULL;
        buf[n++] = ok ? c : '_';
    }
    buf[n] = '\0';
}

int
gw_audit_verify(const char *path, gw_audit_report_t *rep)
{
    memset(rep, 0, sizeof(*rep));
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(rep->why, sizeof(rep->why), "cannot open %s: %s", path, strerror(errno));
        return GW_EIO;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int64_t lineno = 0, expect = 1;
    char prev_hash[S_HEX + 1];
    memcpy(prev_hash, s_zero, sizeof(prev_hash));
    while ((len = getline(&line, &lcap, f)) > 0) {
        lineno++;
        if (line[len - 1] != '\n') {
            rep->bad_line = lineno;
            snprintf(rep->why, sizeof(rep->why),
                     "truncated: the last entry is incomplete (no newline)");
            break;
        }
        line[--len] = '\0';
        int64_t seq = 0;
        char prev[S_HEX + 1], hash[S_HEX + 1];
        const char *why = s_check_line(line, (size_t)len, &seq, prev, hash);
        if (why) {
            rep->bad_line = lineno;
            snprintf(rep->why, sizeof(rep->why), "%s", why);
            break;
        }
        if (seq != expect) {
            rep->bad_line = lineno;
            if (seq > expect) {
                snprintf(rep->why, sizeof(rep->why),
                         "deleted or moved: seq=%" PRId64 " where seq=%" PRId64
                         " was expected (%" PRId64 " entries missing here)",
                         seq, expect, seq - expect);
            } else {
                snprintf(rep->why, sizeof(rep->why),
                         "reordered or duplicated: seq=%" PRId64 " follows seq=%" PRId64, seq,
                         expect - 1);
            }
            break;
        }
        if (strcmp(prev, prev_hash) != 0) {
            rep->bad_line = lineno;
            snprintf(rep->why, sizeof(rep->why),
                     "chain broken: prev= is not the hash of the entry before (an entry was "
                     "replaced, inserted or rewritten)");
            break;
        }
        memcpy(prev_hash, hash, sizeof(prev_hash));
        rep->entries++;
        rep->last_seq = seq;
        memcpy(rep->head, hash, sizeof(rep->head));
        expect = seq + 1;
    }
    int rc = GW_OK;
    if (!rep->bad_line && ferror(f)) {
        snprintf(rep->why, sizeof(rep->why), "read error on %s", path);
        rc = GW_EIO;
    }
    free(line); /* getline's buffer comes from malloc */
    fclose(f);
    return rc;
}

int
gw_audit_client_ref(const uint8_t *key, const char *bsn, char out[65])
{
    uint8_t md[GW_SHA256_BYTES];
    int rc = gw_hmac_sha256(key, GW_KEY_BYTES, bsn, strlen(bsn), md);
    if (rc == GW_OK) {
        gw_hex(md, sizeof(md), out);
    }
    return rc;
}
