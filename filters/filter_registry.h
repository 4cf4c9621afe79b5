/*
 * The built-in filters: a NULL-terminated table of ops (gw/filter.h), the single
 * place a new built-in filter is listed, and a lookup by config name. Order here
 * means nothing; the config's `filter` sections decide the chain's order.
 */
#ifndef GW_FILTER_REGISTRY_H
#define GW_FILTER_REGISTRY_H

#include "gw/filter.h"

/* One line per built-in filter (filters/filter_<rule>.c). */
extern const gw_filter_ops_t filter_tr056;
extern const gw_filter_ops_t filter_toewijzing;
extern const gw_filter_ops_t filter_verzoek;
extern const gw_filter_ops_t filter_startstop;
extern const gw_filter_ops_t filter_declaratie;
extern const gw_filter_ops_t filter_contract;

/* Every built-in filter, NULL-terminated. */
extern const gw_filter_ops_t *const gw_filter_builtins[];

/** The built-in filter called name (exact, lower case), or NULL. */
const gw_filter_ops_t *gw_filter_builtin(const char *name);

#endif
