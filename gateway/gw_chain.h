/*
 * The filter chain: the configured filters (gw/filter.h), built whole from the
 * config's `filter` sections, checked, then used read-only by the broker thread
 * until the next generation replaces it. Runs the filters in config order and
 * keeps per-filter counters.
 */
#ifndef GW_CHAIN_H
#define GW_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "gw/filter.h"

/* One `filter NAME` section. Borrowed by gw_chain_new for the call. */
typedef struct gw_chain_spec {
    const char *name;      /* built-in filter name, or the plugin's own name */
    const char *plugin;    /* path of a shared object exporting gw_filter_plugin, or NULL */
    uint32_t types;        /* bit i = gw_msgtype_at(i) passes through this filter; 0 = all */
    gw_filter_opts_t opts; /* the section's other keys */
    int line;              /* line of the section */
} gw_chain_spec_t;

typedef struct gw_chain gw_chain_t;

/* Counters of one filter (since the chain was built). */
typedef struct gw_chain_stats {
    const char *name;  /* filter name (borrowed, valid for the chain's life) */
    uint64_t passed;   /* PASS or STOP */
    uint64_t rejected; /* REJECT */
    uint64_t warned;   /* WARN */
    uint64_t errors;   /* ERROR */
} gw_chain_stats_t;

/**
 * Build a chain: resolve every spec (built-in registry or dlopen with an ABI
 * check), create each instance with its options.
 * @returns the chain (possibly empty) or NULL with *err (heap, gw_free; one line per
 *   problem, "file:line: ...") when any filter is unknown, refused or fails to create.
 */
gw_chain_t *gw_chain_new(const gw_chain_spec_t *specs, size_t n, char **err);
void gw_chain_destroy(gw_chain_t **self_p);

/**
 * Run the filters that apply to msg's family and type, in order, until one does
 * not pass. @returns the chain's verdict: PASS, WARN (some warned), REJECT, STOP
 * or ERROR (a filter failed; the message must not be accepted).
 */
gw_verdict_t gw_chain_run(gw_chain_t *self, const gw_msg_t *msg, gw_diag_t *diag,
                          const gw_filter_ctx_t *ctx);

/** The message was stored: let the filters record it. @returns GW_OK or the first error. */
GW_NODISCARD int gw_chain_accept(gw_chain_t *self, const gw_msg_t *msg,
                                 const gw_filter_ctx_t *ctx);

/** Periodic hook for the filters that have one. */
void gw_chain_tick(gw_chain_t *self, int64_t now_ms);

/** Number of filters, and the counters of filter i. */
size_t gw_chain_count(const gw_chain_t *self);
void gw_chain_stats(const gw_chain_t *self, size_t i, gw_chain_stats_t *out);

/* Counters of one rule id (a diagnostic's `rule`), over every filter that reported it. */
typedef struct gw_chain_rule_stats {
    const char *rule;  /* "TR056", "CR-CONTRACT" (borrowed, valid for the chain's life) */
    uint64_t rejected; /* messages with a level-3/4 finding of this rule */
    uint64_t warned;   /* messages with a warning of this rule */
} gw_chain_rule_stats_t;

/** Number of rule ids seen since the chain was built, and the counters of rule i
 * (in the order first seen). */
size_t gw_chain_rule_count(const gw_chain_t *self);
void gw_chain_rule_stats(const gw_chain_t *self, size_t i, gw_chain_rule_stats_t *out);

#endif
