/*
 * Example filter plugin (docs/writing-a-filter.md): warns about a JW301 that
 * assigns more products than a regional agreement allows. A warning filter: it
 * never rejects, it adds a GW_LEVEL_WARN diagnostic and returns WARN, so the
 * message is accepted and the operator sees the finding.
 *
 * Build:  gcc -std=c11 -shared -fPIC -I include -o plugin_example.so plugin_example.c
 * Config: filter max_products
 *             plugin = /path/plugin_example.so
 *             types = JW301
 *             max_products = 5
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/filter.h"

typedef struct max_products {
    size_t max; /* most ToegewezenProduct elements one JW301 may carry */
} max_products_t;

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    size_t max = 5;
    int line = 0;
    const char *v = gw_filter_opt(opts, "max_products", &line);
    if (v) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || n < 1 || n > 100000) {
            char buf[256];
            snprintf(buf, sizeof(buf), "%s:%d: max_products must be 1..100000, not '%s'",
                     opts->file, line, v);
            *err = gw_strdup(buf);
            return GW_ECONFIG;
        }
        max = (size_t)n;
    }
    for (size_t i = 0; i < opts->n; i++) {
        if (strcmp(opts->v[i].key, "max_products") != 0) {
            char buf[256];
            snprintf(buf, sizeof(buf),
                     "%s:%d: unknown option '%s' (max_products has: max_products)", opts->file,
                     opts->v[i].line, opts->v[i].key);
            *err = gw_strdup(buf);
            return GW_ECONFIG;
        }
    }
    max_products_t *st = gw_calloc(1, sizeof(*st));
    if (!st) {
        return GW_ENOMEM;
    }
    st->max = max;
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
    (void)ctx;
    const max_products_t *st = state;
    const gw_client_t *client = msg->bericht->Client;
    if (!client || client->ToegewezenProduct.n <= st->max) {
        return GW_VERDICT_PASS;
    }
    /* Codes and counts only: never a BSN, name or free text. */
    if (gw_diag_add(diag, GW_LEVEL_WARN, "MAXPROD", NULL, "/Bericht/Client/ToegewezenProducten", 0,
                    client, "%zu ToegewezenProduct elements, more than the agreed %zu",
                    client->ToegewezenProduct.n, st->max) != GW_OK) {
        return GW_VERDICT_ERROR;
    }
    return GW_VERDICT_WARN;
}

const gw_filter_ops_t gw_filter_plugin = {
    .abi = GW_FILTER_ABI,
    .name = "max_products",
    .families = GW_FAMILY_IJW,
    .msgs = GW_M301,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
};
