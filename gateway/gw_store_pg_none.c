/*
 * The PostgreSQL backend of the store when this build has no libpq (meson -Dpostgresql
 * found none): a postgresql:// store is refused at open with a clear message. The other
 * functions are never reached (no gw_pgstore_t exists), but must link.
 */
#include "gw/alloc.h"

#include "gw_store_pg.h"

int
gw_pgstore_available(void)
{
    return 0;
}

gw_pgstore_t *
gw_pgstore_open(const char *url, const gw_store_opts_t *opts, char **err)
{
    (void)url;
    (void)opts;
    if (err) {
        *err = gw_strdup("this ijwgw was built without PostgreSQL support (install libpq-dev "
                         "and rebuild with -Dpostgresql=enabled)");
    }
    return NULL;
}

void
gw_pgstore_close(gw_pgstore_t **self_p)
{
    (void)self_p;
}

const char *
gw_pgstore_last_error(const gw_pgstore_t *self)
{
    (void)self;
    return "built without PostgreSQL support";
}

void
gw_pgstore_set_keys(gw_pgstore_t *self, gw_keyring_t **keys_p)
{
    (void)self;
    (void)keys_p;
}

int
gw_pgstore_has_sealed(gw_pgstore_t *self, int *any)
{
    (void)self;
    (void)any;
    return GW_EIO;
}

int
gw_pgstore_begin(gw_pgstore_t *self)
{
    (void)self;
    return GW_EIO;
}

int
gw_pgstore_commit(gw_pgstore_t *self)
{
    (void)self;
    return GW_EIO;
}

int
gw_pgstore_rollback(gw_pgstore_t *self)
{
    (void)self;
    return GW_EIO;
}

int
gw_pgstore_put(gw_pgstore_t *self, gw_store_msg_t *m, int *duplicate)
{
    (void)self;
    (void)m;
    (void)duplicate;
    return GW_EIO;
}

int
gw_pgstore_find_copy(gw_pgstore_t *self, gw_store_msg_t *m, int *found)
{
    (void)self;
    (void)m;
    (void)found;
    return GW_EIO;
}

int
gw_pgstore_add_delivery(gw_pgstore_t *self, int64_t msg_id, const char *recipient,
                        const void *payload, size_t len, int64_t now_ms)
{
    (void)self;
    (void)msg_id;
    (void)recipient;
    (void)payload;
    (void)len;
    (void)now_ms;
    return GW_EIO;
}

int
gw_pgstore_due_after(gw_pgstore_t *self, const char *recipient, int64_t after_id, int64_t now_ms,
                     size_t limit, gw_store_delivery_cb cb, void *arg)
{
    (void)self;
    (void)recipient;
    (void)after_id;
    (void)now_ms;
    (void)limit;
    (void)cb;
    (void)arg;
    return GW_EIO;
}

int
gw_pgstore_sent(gw_pgstore_t *self, int64_t delivery_id, int64_t next_attempt_ms)
{
    (void)self;
    (void)delivery_id;
    (void)next_attempt_ms;
    return GW_EIO;
}

int
gw_pgstore_ack(gw_pgstore_t *self, int64_t delivery_id, const char *recipient, int64_t now_ms,
               int *changed)
{
    (void)self;
    (void)delivery_id;
    (void)recipient;
    (void)now_ms;
    (void)changed;
    return GW_EIO;
}

int
gw_pgstore_retry_now(gw_pgstore_t *self, const char *recipient, int64_t now_ms)
{
    (void)self;
    (void)recipient;
    (void)now_ms;
    return GW_EIO;
}

int
gw_pgstore_expire_each(gw_pgstore_t *self, int64_t now_ms, int64_t max_age_ms,
                       void (*cb)(void *arg, int64_t delivery_id), void *arg, size_t *moved)
{
    (void)self;
    (void)now_ms;
    (void)max_age_ms;
    (void)cb;
    (void)arg;
    (void)moved;
    return GW_EIO;
}

int
gw_pgstore_dead_letter(gw_pgstore_t *self, int64_t delivery_id)
{
    (void)self;
    (void)delivery_id;
    return GW_EIO;
}

int
gw_pgstore_dead(gw_pgstore_t *self, gw_store_delivery_cb cb, void *arg)
{
    (void)self;
    (void)cb;
    (void)arg;
    return GW_EIO;
}

int
gw_pgstore_requeue(gw_pgstore_t *self, int64_t delivery_id, int64_t now_ms, size_t *requeued)
{
    (void)self;
    (void)delivery_id;
    (void)now_ms;
    (void)requeued;
    return GW_EIO;
}

int
gw_pgstore_find_heen(gw_pgstore_t *self, const char *heen_type, const char *afzender,
                     const char *ident, const char *dagtekening, int64_t *msg_id, char sender[65])
{
    (void)self;
    (void)heen_type;
    (void)afzender;
    (void)ident;
    (void)dagtekening;
    (void)msg_id;
    (void)sender;
    return GW_EIO;
}

int
gw_pgstore_depths(gw_pgstore_t *self, int (*cb)(void *arg, const gw_store_depth_t *d), void *arg)
{
    (void)self;
    (void)cb;
    (void)arg;
    return GW_EIO;
}

int
gw_pgstore_count(gw_pgstore_t *self, const char *recipient, int inflight_only, int64_t *n)
{
    (void)self;
    (void)recipient;
    (void)inflight_only;
    (void)n;
    return GW_EIO;
}

int
gw_pgstore_wake_fd(gw_pgstore_t *self)
{
    (void)self;
    return -1;
}

int
gw_pgstore_poll(gw_pgstore_t *self, int64_t now_ms, void (*cb)(void *arg, const char *party),
                void *arg)
{
    (void)self;
    (void)now_ms;
    (void)cb;
    (void)arg;
    return GW_EIO;
}
