/*
 * Test plugin for the integration tests: passes every message and fails to record it
 * (on_accept returns GW_EIO), as a filter whose store write fails does. With
 * `fail_after = N` the first N messages are recorded and only later ones fail.
 */
#include <stdlib.h>

#include "gw/alloc.h"
#include "gw/filter.h"

typedef struct s_state {
    long left; /* messages still recorded before on_accept starts failing */
} s_state_t;

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    (void)err;
    s_state_t *st = gw_calloc(1, sizeof(*st));
    if (!st) {
        return GW_ENOMEM;
    }
    const char *n = gw_filter_opt(opts, "fail_after", NULL);
    st->left = n ? strtol(n, NULL, 10) : 0;
    *state = st;
    return GW_OK;
}

static void
s_destroy(void *state)
{
    gw_free(state);
}

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    (void)state;
    (void)msg;
    (void)diag;
    (void)ctx;
    return GW_VERDICT_PASS;
}

static int
s_on_accept(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    (void)msg;
    (void)ctx;
    s_state_t *st = state;
    if (st->left > 0) {
        st->left--;
        return GW_OK;
    }
    return GW_EIO;
}

const gw_filter_ops_t gw_filter_plugin = {
    .abi = GW_FILTER_ABI,
    .name = "fail_accept",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .msgs = GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M319 | GW_M323 | GW_M325,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
};
