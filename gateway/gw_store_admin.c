/*
 * Whole-store operations (gw_store_admin.h): backup with sqlite3_backup_*,
 * verification, restore by copy + rename, and the schema version of a file.
 * These run in ijwctl, next to a gateway that may be writing the same store.
 */
#include "gw_store_admin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gw/alloc.h"

#include "gw_store.h"

#define S_STEP_PAGES 1024 /* pages per sqlite3_backup_step (4 MiB at 4 KiB pages) */
#define S_BUSY_MS    5000 /* busy_timeout of our connections */
#define S_PATH_MAX   1100

GW_PRINTF(2, 3)
static int
s_fail(char **err, const char *fmt, ...)
{
    if (err && !*err) {
        char text[1600];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        *err = gw_strdup(text);
    }
    return GW_EIO;
}

static int
s_suffix(char *out, const char *path, const char *suffix)
{
    return (size_t)snprintf(out, S_PATH_MAX, "%s%s", path, suffix) < S_PATH_MAX ? GW_OK : GW_EINVAL;
}

static int
s_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            src = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return src;
}

/* A regular file exists at path (a store must; a backup target must not). */
static int
s_exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static int
s_open(const char *path, int flags, sqlite3 **db, char **err)
{
    int src = sqlite3_open_v2(path, db, flags, NULL);
    if (src != SQLITE_OK) {
        s_fail(err, "cannot open %s: %s", path, *db ? sqlite3_errmsg(*db) : sqlite3_errstr(src));
        sqlite3_close(*db);
        *db = NULL;
        return GW_EIO;
    }
    sqlite3_busy_timeout(*db, S_BUSY_MS);
    return GW_OK;
}

/* Open an existing store read-only: GW_OK, or GW_EINVAL with *err when it is missing or
 * will not open. */
static int
s_open_store_ro(const char *path, sqlite3 **db, char **err)
{
    if (!s_exists(path)) {
        s_fail(err, "%s: no such file", path);
        return GW_EINVAL;
    }
    if (s_open(path, SQLITE_OPEN_READONLY, db, err) != GW_OK) {
        return GW_EINVAL;
    }
    return GW_OK;
}

/* fsync a file, or a directory (the one holding path when dir_of is set). */
static int
s_fsync_path(const char *path, int dir_of)
{
    char dir[S_PATH_MAX];
    const char *target = path;
    if (dir_of) {
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (!slash) {
            snprintf(dir, sizeof(dir), ".");
        } else if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
        target = dir;
    }
    int fd = open(target, O_RDONLY | O_CLOEXEC | (dir_of ? O_DIRECTORY : 0));
    if (fd < 0) {
        return GW_EIO;
    }
    int rc = fsync(fd) == 0 ? GW_OK : GW_EIO;
    close(fd);
    return rc;
}

/* Checks on an open connection; see gw_store_verify. */
static int
s_check(sqlite3 *db, const char *path, gw_store_check_t *out, char **err)
{
    gw_store_check_t c;
    memset(&c, 0, sizeof(c));
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
    if (src != SQLITE_OK) {
        sqlite3_finalize(st);
        s_fail(err, "%s: not a readable SQLite database: %s", path, sqlite3_errmsg(db));
        return GW_EINVAL;
    }
    src = sqlite3_step(st);
    const unsigned char *first = src == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    int ok = first && strcmp((const char *)first, "ok") == 0;
    if (!ok) {
        s_fail(err, "%s: integrity check failed: %.300s", path,
               first ? (const char *)first : sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    if (!ok) {
        return GW_EINVAL;
    }
    int64_t psize = 0, pages = 0;
    if (s_int(db, "PRAGMA user_version", &c.version) != SQLITE_OK ||
        s_int(db, "PRAGMA page_size", &psize) != SQLITE_OK ||
        s_int(db, "PRAGMA page_count", &pages) != SQLITE_OK) {
        s_fail(err, "%s: %s", path, sqlite3_errmsg(db));
        return GW_EINVAL;
    }
    c.bytes = psize * pages;
    if (c.version < 1) {
        s_fail(err, "%s: not a gateway store (schema version %lld)", path, (long long)c.version);
        return GW_EINVAL;
    }
    if (c.version > gw_store_schema_version()) {
        s_fail(err,
               "%s: schema version %lld is newer than this release's (%d): downgrading is "
               "not supported",
               path, (long long)c.version, gw_store_schema_version());
        return GW_EINVAL;
    }
    if (s_int(db, "SELECT count(*) FROM messages", &c.messages) != SQLITE_OK ||
        s_int(db, "SELECT count(*) FROM deliveries", &c.deliveries) != SQLITE_OK) {
        s_fail(err, "%s: not a gateway store: %s", path, sqlite3_errmsg(db));
        return GW_EINVAL;
    }
    if (out) {
        *out = c;
    }
    return GW_OK;
}

int
gw_store_verify(const char *path, gw_store_check_t *out, char **err)
{
    sqlite3 *db = NULL;
    if (s_open_store_ro(path, &db, err) != GW_OK) {
        return GW_EINVAL;
    }
    int rc = s_check(db, path, out, err);
    sqlite3_close(db);
    return rc;
}

int
gw_store_file_version(const char *path, int64_t *version, char **err)
{
    sqlite3 *db = NULL;
    if (s_open_store_ro(path, &db, err) != GW_OK) {
        return GW_EINVAL;
    }
    int src = s_int(db, "PRAGMA user_version", version);
    int rc = GW_OK;
    if (src != SQLITE_OK) {
        s_fail(err, "%s: not a readable SQLite database: %s", path, sqlite3_errmsg(db));
        rc = GW_EINVAL;
    }
    sqlite3_close(db);
    return rc;
}

/*
 * Copy src into the new file dst (which must not exist) with the online backup API, then
 * make dst a self-contained rollback-journal file and verify it. The source's read
 * transaction is opened before the first step and held to the last, so every step reads
 * the same snapshot: in WAL mode that never blocks the writer, and the backup does not
 * restart when the writer commits (it would, step after step, under load). The price is
 * that checkpoints cannot pass the snapshot while the copy runs: the WAL grows by what
 * the gateway writes meanwhile.
 */
static int
s_copy(const char *src, const char *dst, gw_store_check_t *out, char **err)
{
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b = NULL;
    int rc = GW_EIO;
    if (s_open(src, SQLITE_OPEN_READONLY, &from, err) != GW_OK) {
        goto done;
    }
    int64_t dummy = 0;
    if (sqlite3_exec(from, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        s_int(from, "SELECT count(*) FROM sqlite_master", &dummy) != SQLITE_OK) {
        s_fail(err, "%s: cannot read: %s", src, sqlite3_errmsg(from));
        rc = GW_EINVAL;
        goto done;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        s_fail(err, "cannot create %s: %s", dst, strerror(errno));
        goto done;
    }
    close(fd);
    if (s_open(dst, SQLITE_OPEN_READWRITE, &to, err) != GW_OK) {
        goto done;
    }
    b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        s_fail(err, "backup of %s: %s", src, sqlite3_errmsg(to));
        goto done;
    }
    int src_rc;
    do {
        src_rc = sqlite3_backup_step(b, S_STEP_PAGES);
        if (src_rc == SQLITE_BUSY || src_rc == SQLITE_LOCKED) {
            sqlite3_sleep(20);
        }
    } while (src_rc == SQLITE_OK || src_rc == SQLITE_BUSY || src_rc == SQLITE_LOCKED);
    int fin = sqlite3_backup_finish(b);
    b = NULL;
    if (src_rc != SQLITE_DONE || fin != SQLITE_OK) {
        s_fail(err, "backup of %s failed: %s", src,
               sqlite3_errstr(src_rc != SQLITE_DONE ? src_rc : fin));
        goto done;
    }
    (void)sqlite3_exec(from, "COMMIT", NULL, NULL, NULL);
    /* The page-1 header came from a WAL store: switch the copy to a single file. */
    if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        s_fail(err, "%s: %s", dst, sqlite3_errmsg(to));
        goto done;
    }
    rc = s_check(to, dst, out, err);
done:
    if (b) {
        (void)sqlite3_backup_finish(b);
    }
    sqlite3_close(to);
    sqlite3_close(from);
    if (rc == GW_OK && s_fsync_path(dst, 0) != GW_OK) {
        rc = s_fail(err, "fsync %s: %s", dst, strerror(errno));
    }
    return rc;
}

int
gw_store_backup(const char *src, const char *dst, gw_store_check_t *out, char **err)
{
    char tmp[S_PATH_MAX];
    if (!src || !dst || s_suffix(tmp, dst, ".partial") != GW_OK) {
        s_fail(err, "backup: path missing or too long");
        return GW_EINVAL;
    }
    if (!s_exists(src)) {
        s_fail(err, "store %s: no such file", src);
        return GW_EINVAL;
    }
    if (s_exists(dst)) {
        s_fail(err, "%s exists: choose a new name for the backup", dst);
        return GW_EINVAL;
    }
    (void)unlink(tmp); /* left by an interrupted backup */
    int rc = s_copy(src, tmp, out, err);
    if (rc == GW_OK && link(tmp, dst) != 0) {
        /* link, not rename: a dst created meanwhile is never replaced */
        rc = s_fail(err, "cannot create %s: %s", dst, strerror(errno));
    }
    (void)unlink(tmp);
    if (rc == GW_OK && s_fsync_path(dst, 1) != GW_OK) {
        rc = s_fail(err, "fsync the directory of %s: %s", dst, strerror(errno));
    }
    return rc;
}

/* Merge the WAL of the store being replaced into its file, so that file alone is the
 * whole previous store. A store that cannot be opened (the reason for a restore, maybe)
 * is kept as it is. */
static void
s_checkpoint_old(const char *store)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(store, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, S_BUSY_MS);
        (void)sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    }
    sqlite3_close(db); /* the last connection: also deletes the WAL */
}

int
gw_store_restore(const char *backup, const char *store, gw_store_check_t *out, char **err)
{
    char tmp[S_PATH_MAX], old[S_PATH_MAX], wal[S_PATH_MAX], shm[S_PATH_MAX];
    if (!backup || !store || s_suffix(tmp, store, ".restore") != GW_OK ||
        s_suffix(old, store, ".before-restore") != GW_OK || s_suffix(wal, store, "-wal") != GW_OK ||
        s_suffix(shm, store, "-shm") != GW_OK) {
        s_fail(err, "restore: path missing or too long");
        return GW_EINVAL;
    }
    int rc = gw_store_verify(backup, NULL, err);
    if (rc != GW_OK) {
        return rc;
    }
    (void)unlink(tmp);
    rc = s_copy(backup, tmp, out, err);
    if (rc != GW_OK) {
        (void)unlink(tmp);
        return rc;
    }
    struct stat sb;
    if (stat(store, &sb) == 0) {
        /* Keep the owner the gateway runs as, when ijwctl runs as root. */
        if (geteuid() == 0 && chown(tmp, sb.st_uid, sb.st_gid) != 0) {
            rc = s_fail(err, "chown %s: %s", tmp, strerror(errno));
            (void)unlink(tmp);
            return rc;
        }
        s_checkpoint_old(store);
        /* A second name for the old file: the rename below replaces the store in one
         * step, so there is never a moment without one. */
        (void)unlink(old);
        if (link(store, old) != 0) {
            rc = s_fail(err, "cannot keep the previous store as %s: %s", old, strerror(errno));
            (void)unlink(tmp);
            return rc;
        }
    }
    /* A WAL left next to the old file (it could not be checkpointed) must never be
     * replayed into the restored one. */
    if ((unlink(wal) != 0 && errno != ENOENT) || (unlink(shm) != 0 && errno != ENOENT)) {
        return s_fail(err, "cannot remove %s or %s: %s (the restored copy is %s)", wal, shm,
                      strerror(errno), tmp);
    }
    if (rename(tmp, store) != 0) {
        return s_fail(err, "cannot rename %s to %s: %s", tmp, store, strerror(errno));
    }
    if (s_fsync_path(store, 1) != GW_OK) {
        return s_fail(err, "fsync the directory of %s: %s", store, strerror(errno));
    }
    return GW_OK;
}
