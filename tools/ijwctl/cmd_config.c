/*
 * The configuration for an ijwctl command: the -c file, or the embedded default
 * when there is none. Every command that reads the config loads it here, so they
 * all refuse a bad config with the same message.
 */
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"

#include "gw_config.h"
#include "ijwctl.h"

struct gw_config *
ijwctl_config_load(const char *config_path)
{
    char *err = NULL;
    gw_config_t *cfg = config_path
                           ? gw_config_load(config_path, &err)
                           : gw_config_parse(gw_config_default_text, strlen(gw_config_default_text),
                                             "<default>", &err);
    if (!cfg) {
        fprintf(stderr, "ijwctl: configuration rejected:\n%s\n", err ? err : "?");
        gw_free(err);
    }
    return cfg;
}
