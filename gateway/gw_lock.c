/*
 * The store's single-writer lock (gw_lock.h): flock(LOCK_EX | LOCK_NB) on
 * "<store>.lock", with the holder's pid in the file for the error message.
 */
#include "gw_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "gw/alloc.h"

struct gw_lock {
    int fd; /* the lock file, flock'ed exclusively */
};

gw_lock_t *
gw_lock_take(const char *store_path, char **err)
{
    char path[1100];
    if (!store_path || !*store_path ||
        (size_t)snprintf(path, sizeof(path), "%s.lock", store_path) >= sizeof(path)) {
        if (err) {
            *err = gw_strdup("store path missing or too long for its lock file");
        }
        return NULL;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (err) {
            char text[1200];
            snprintf(text, sizeof(text), "cannot open the lock file %s: %s", path, strerror(errno));
            *err = gw_strdup(text);
        }
        return NULL;
    }
    int rc;
    do {
        rc = flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        long pid = 0;
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n > 0) {
            (void)sscanf(buf, "%ld", &pid);
        }
        close(fd);
        if (err) {
            char text[2400];
            if (e == EWOULDBLOCK && pid > 0) {
                snprintf(text, sizeof(text),
                         "store %s is in use by another process (pid %ld holds %s): "
                         "one gateway per store",
                         store_path, pid, path);
            } else if (e == EWOULDBLOCK) {
                snprintf(text, sizeof(text),
                         "store %s is in use by another process (%s is locked): "
                         "one gateway per store",
                         store_path, path);
            } else {
                snprintf(text, sizeof(text), "cannot lock %s: %s", path, strerror(e));
            }
            *err = gw_strdup(text);
        }
        return NULL;
    }
    gw_lock_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        close(fd);
        if (err) {
            *err = gw_strdup("out of memory");
        }
        return NULL;
    }
    self->fd = fd;
    /* The pid is only for the message a refused process prints. */
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) == len) {
        return self;
    }
    /* Not fatal: the lock is held; a refused process's message just lacks the pid. */
    return self;
}

void
gw_lock_release(gw_lock_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    close((*self_p)->fd); /* drops the flock */
    gw_free(*self_p);
    *self_p = NULL;
}
