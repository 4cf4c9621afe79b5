/*
 * The PostgreSQL backend of the durable store (gw_store.h), for several gateway nodes
 * on one database (docs/scale-out.md). gw_store.c dispatches to it when the store is a
 * postgresql:// URL; the broker never calls these functions directly. Same contract as
 * the gw_store_* function of the same name, with these additions: deliveries are handed
 * out only to the node that holds the recipient's connection (gw_presence), a delivery
 * insert NOTIFYs the recipient's code on channel GW_PG_CHANNEL at commit, and delivery
 * ids are allocated in commit order across nodes.
 *
 * Built from gw_store_pg.c with libpq, or from gw_store_pg_none.c (every open fails
 * with "built without PostgreSQL support") when meson did not find libpq.
 */
#ifndef GW_STORE_PG_H
#define GW_STORE_PG_H

#include "gw_store.h"

#define GW_PG_CHANNEL "ijwgw_deliver" /* NOTIFY channel; the payload is a recipient code */

typedef struct gw_pgstore gw_pgstore_t;

/** 1 when this build has the PostgreSQL backend. */
int gw_pgstore_available(void);

gw_pgstore_t *gw_pgstore_open(const char *url, const gw_store_opts_t *opts, char **err);
void gw_pgstore_close(gw_pgstore_t **self_p);
const char *gw_pgstore_last_error(const gw_pgstore_t *self);
void gw_pgstore_set_keys(gw_pgstore_t *self, gw_keyring_t **keys_p);
int gw_pgstore_has_sealed(gw_pgstore_t *self, int *any);
int gw_pgstore_begin(gw_pgstore_t *self);
int gw_pgstore_commit(gw_pgstore_t *self);
int gw_pgstore_rollback(gw_pgstore_t *self);
int gw_pgstore_put(gw_pgstore_t *self, gw_store_msg_t *m, int *duplicate);
int gw_pgstore_find_copy(gw_pgstore_t *self, gw_store_msg_t *m, int *found);
int gw_pgstore_add_delivery(gw_pgstore_t *self, int64_t msg_id, const char *recipient,
                            const void *payload, size_t len, int64_t now_ms);
int gw_pgstore_due_after(gw_pgstore_t *self, const char *recipient, int64_t after_id,
                         int64_t now_ms, size_t limit, gw_store_delivery_cb cb, void *arg);
int gw_pgstore_sent(gw_pgstore_t *self, int64_t delivery_id, int64_t next_attempt_ms);
int gw_pgstore_ack(gw_pgstore_t *self, int64_t delivery_id, const char *recipient, int64_t now_ms,
                   int *changed);
int gw_pgstore_retry_now(gw_pgstore_t *self, const char *recipient, int64_t now_ms);
int gw_pgstore_expire_each(gw_pgstore_t *self, int64_t now_ms, int64_t max_age_ms,
                           void (*cb)(void *arg, int64_t delivery_id), void *arg, size_t *moved);
int gw_pgstore_dead_letter(gw_pgstore_t *self, int64_t delivery_id);
int gw_pgstore_dead(gw_pgstore_t *self, gw_store_delivery_cb cb, void *arg);
int gw_pgstore_requeue(gw_pgstore_t *self, int64_t delivery_id, int64_t now_ms, size_t *requeued);
int gw_pgstore_find_heen(gw_pgstore_t *self, const char *heen_type, const char *afzender,
                         const char *ident, const char *dagtekening, int64_t *msg_id,
                         char sender[65], char *recipient);
int gw_pgstore_depths(gw_pgstore_t *self, int (*cb)(void *arg, const gw_store_depth_t *d),
                      void *arg);
int gw_pgstore_count(gw_pgstore_t *self, const char *recipient, int inflight_only, int64_t *n);
int gw_pgstore_wake_fd(gw_pgstore_t *self);
int gw_pgstore_poll(gw_pgstore_t *self, int64_t now_ms, void (*cb)(void *arg, const char *party),
                    void *arg);

#endif
