/*
 * Test plugin: records every call into the test executable (record.h) and
 * answers the verdict its options ask for. Options: tag = NAME (required),
 * verdict = pass|warn|reject|stop|error|reject_nodiag|bogus, fail = TEXT (create
 * fails with that text). Built three times: as plugin_record, and with
 * T_BAD_ABI / T_BAD_RESERVED to exercise the loader's refusals.
 */
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/filter.h"

#include "record.h"

typedef struct rec {
    char tag[32];
    char verdict[16];
} rec_t;

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    int line = 0;
    const char *fail = gw_filter_opt(opts, "fail", &line);
    if (fail) {
        char buf[256];
        snprintf(buf, sizeof(buf), "%s:%d: %s", opts->file, line, fail);
        *err = gw_strdup(buf);
        return GW_ECONFIG;
    }
    const char *tag = gw_filter_opt(opts, "tag", NULL);
    const char *verdict = gw_filter_opt(opts, "verdict", NULL);
    rec_t *st = gw_calloc(1, sizeof(*st));
    if (!st) {
        return GW_ENOMEM;
    }
    snprintf(st->tag, sizeof(st->tag), "%s", tag ? tag : "?");
    snprintf(st->verdict, sizeof(st->verdict), "%s", verdict ? verdict : "pass");
    t_chain_record(st->tag, "create");
    *state = st;
    return GW_OK;
}

static void
s_destroy(void *state)
{
    rec_t *st = state;
    t_chain_record(st->tag, "destroy");
    gw_free(st);
}

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    (void)msg;
    (void)ctx;
    const rec_t *st = state;
    t_chain_record(st->tag, "message");
    const char *v = st->verdict;
    if (strcmp(v, "warn") == 0) {
        return gw_diag_add(diag, GW_LEVEL_WARN, "TWARN", NULL, "/Bericht", 0, NULL, "%s warns",
                           st->tag) == GW_OK
                   ? GW_VERDICT_WARN
                   : GW_VERDICT_ERROR;
    }
    if (strcmp(v, "reject") == 0) {
        return gw_diag_add(diag, GW_LEVEL_CROSS, "TREJ", "9999", "/Bericht/Header", 0, NULL,
                           "%s rejects", st->tag) == GW_OK
                   ? GW_VERDICT_REJECT
                   : GW_VERDICT_ERROR;
    }
    if (strcmp(v, "reject_nodiag") == 0) {
        return GW_VERDICT_REJECT;
    }
    if (strcmp(v, "stop") == 0) {
        return GW_VERDICT_STOP;
    }
    if (strcmp(v, "error") == 0) {
        return GW_VERDICT_ERROR;
    }
    if (strcmp(v, "bogus") == 0) {
        return (gw_verdict_t)42;
    }
    return GW_VERDICT_PASS;
}

static int
s_on_accept(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    (void)msg;
    (void)ctx;
    const rec_t *st = state;
    t_chain_record(st->tag, "accept");
    return GW_OK;
}

static void
s_on_tick(void *state, int64_t now_ms)
{
    (void)now_ms;
    const rec_t *st = state;
    t_chain_record(st->tag, "tick");
}

#ifdef T_BAD_RESERVED
static int s_future;
#endif

const gw_filter_ops_t gw_filter_plugin = {
#ifdef T_BAD_ABI
    .abi = 99,
#else
    .abi = GW_FILTER_ABI,
#endif
    .name = "record",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
    .on_tick = s_on_tick,
#ifdef T_BAD_RESERVED
    .reserved = {NULL, &s_future, NULL, NULL},
#endif
};
