/*
 * The filter interface: what the gateway lets through beyond the XSD and the
 * standard's intra-message rules (cross-message rules, regional contract rules).
 * A filter is one exported, versioned table of callbacks (STYLE §10.6). Built-in
 * filters are listed in filters/filter_registry.c; third-party filters are
 * shared objects exporting `gw_filter_plugin` (see docs/writing-a-filter.md).
 *
 * Filters run on the broker thread, in the order of the `filter` sections of the
 * configuration, on messages that passed the XSD and the intra-message rules.
 * They see a message once (on_message) and, if the whole chain passed and the
 * message was stored, once more (on_accept) inside the same store transaction,
 * so state they keep is consistent with what was acknowledged.
 */
#ifndef GW_FILTER_H
#define GW_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "gw/codec.h"
#include "gw/diag.h"

#define GW_FILTER_ABI 1 /* bumped when hooks are appended; the core refuses newer tables */

/* One `key = value` line of a filter's config section. */
typedef struct gw_filter_opt {
    const char *key;   /* lower-case key */
    const char *value; /* value text, unquoted */
    int line;          /* line in the config file */
} gw_filter_opt_t;

/* A filter's options: its config section, in file order. Borrowed during create/reload. */
typedef struct gw_filter_opts {
    const char *file;         /* config file name, for error messages */
    const gw_filter_opt_t *v; /* options */
    size_t n;
} gw_filter_opts_t;

/** The value of key, or NULL; *line (may be NULL) receives its line. */
const char *gw_filter_opt(const gw_filter_opts_t *opts, const char *key, int *line);

/* What the core gives a filter per call. */
typedef struct gw_filter_ctx {
    int64_t now_ms;   /* wall clock, ms since the epoch */
    const char *peer; /* the submitting party's code */
    void *db;         /* the gateway store's sqlite3 handle, for filters that keep state in
                         tables of their own (prefix them with the filter name); inside the
                         broker's transaction: never BEGIN/COMMIT */
    /* Appended (the struct only grows at its end; older filters never read it). */
    char *route_to;   /* out, may be NULL: a GW_FILTER_ROUTE_MAX-byte buffer, "" on entry. A
                         filter that wants the message delivered to another registered party
                         than its header names (an onderaannemer's hoofdaannemer) writes that
                         party's code here in on_message; the last writer wins. */
} gw_filter_ctx_t;

#define GW_FILTER_ROUTE_MAX 65 /* size of gw_filter_ctx_t.route_to, with the NUL */

typedef struct gw_filter_ops {
    int abi;           /* GW_FILTER_ABI the filter was built against */
    const char *name;  /* config keyword: filter <name> */
    uint32_t families; /* GW_FAMILY_IJW | GW_FAMILY_IWMO: the chain skips the others */
    uint32_t msgs;     /* GW_M301 | ...: message types it looks at; 0 = all */

    /* Config time, once per `filter` section. *state is the filter's until destroy().
     * Errors go to *err (heap, gw_malloc) as "file:line: text". */
    int (*create)(void **state, const gw_filter_opts_t *opts, char **err);
    void (*destroy)(void *state);

    /* Per message (required). Borrowed msg; REJECT must add at least one diagnostic
     * with a retourcode and a level 3/4; WARN adds a GW_LEVEL_WARN diagnostic. */
    gw_verdict_t (*on_message)(void *state, const gw_msg_t *msg, gw_diag_t *diag,
                               const gw_filter_ctx_t *ctx);

    /* Optional (NULL = none). */
    int (*on_accept)(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx);
    void (*on_tick)(void *state, int64_t now_ms);
    int (*on_reload)(void *state, const gw_filter_opts_t *opts, char **err);

    void *reserved[4]; /* must be NULL: room to grow without breaking the ABI */
} gw_filter_ops_t;

/* A shared-object filter exports this symbol. */
#define GW_FILTER_PLUGIN_SYMBOL "gw_filter_plugin"

#endif
