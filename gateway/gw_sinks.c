/*
 * The broker's observers (gw_events.h), in one table: each entry's create()
 * returns GW_OK with sink->on_event NULL when the configuration leaves it off.
 */
#include <string.h>

#include "gw/alloc.h"
#include "gw/err.h"

#include "gw_deadline.h"
#include "gw_events.h"
#include "gw_monitor.h"

/* gw_audit_sink.c */
int gw_audit_sink_create(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err);

typedef int (*sink_create_fn)(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err);

/* One line per sink kind; order = the order they see events. */
static const sink_create_fn s_sink_kinds[] = {
    gw_deadline_sink_create, /* answers owed and overdue (docs/deadlines.md) */
    gw_monitor_sink_create,  /* metrics + status page (http = host:port) */
    gw_audit_sink_create,    /* audit_log: the tamper-evident audit trail */
};

int
gw_sinks_create(const gw_config_t *cfg, void *db, gw_sink_t sinks[GW_SINKS_MAX], size_t *n,
                char **err)
{
    *n = 0;
    for (size_t i = 0; i < sizeof(s_sink_kinds) / sizeof(s_sink_kinds[0]); i++) {
        if (!s_sink_kinds[i]) {
            continue;
        }
        if (*n == GW_SINKS_MAX) {
            *err = gw_strdup("too many sinks (GW_SINKS_MAX)");
            gw_sinks_destroy(sinks, n);
            return GW_EINVAL;
        }
        gw_sink_t s;
        memset(&s, 0, sizeof(s));
        int rc = s_sink_kinds[i](cfg, db, &s, err);
        if (rc != GW_OK) {
            gw_sinks_destroy(sinks, n);
            return rc;
        }
        if (s.on_event) {
            sinks[(*n)++] = s;
        }
    }
    return GW_OK;
}

void
gw_sinks_destroy(gw_sink_t sinks[GW_SINKS_MAX], size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        if (sinks[i].destroy) {
            sinks[i].destroy(sinks[i].state);
        }
        memset(&sinks[i], 0, sizeof(sinks[i]));
    }
    *n = 0;
}
