/*
 * The registry of built-in filters (filter_registry.h). Add a filter here and
 * to filters/meson.build; nothing else needs to know about it.
 */
#include "filter_registry.h"

#include <stddef.h>
#include <string.h>

const gw_filter_ops_t *const gw_filter_builtins[] = {
    &filter_tr056,
    &filter_toewijzing,
    &filter_verzoek,
    &filter_startstop,
    &filter_declaratie,
    &filter_contract,
    NULL,
};

const gw_filter_ops_t *
gw_filter_builtin(const char *name)
{
    if (!name) {
        return NULL;
    }
    for (size_t i = 0; gw_filter_builtins[i]; i++) {
        if (strcmp(gw_filter_builtins[i]->name, name) == 0) {
            return gw_filter_builtins[i];
        }
    }
    return NULL;
}
