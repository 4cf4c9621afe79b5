/*
 * The monitor: the sink (gw_events.h) that serves the metrics and the status
 * page. With `http = host:port` in the gateway section it creates a metrics
 * collector (gw_metrics.h) that observes the broker and an HTTP server
 * (gw_http.h) whose thread answers from the collector's snapshots:
 *
 *   /metrics       Prometheus text format 0.0.4
 *   /status        the status page (gw_status.html, embedded at build time)
 *   /status.json   the data the page draws
 *   /healthz       200 "ok" while the broker loop publishes, 503 when it has not for 10 s
 *
 * Without `http` the sink stays off and costs nothing.
 */
#include "gw_monitor.h"

#include <string.h>
#include <time.h>

#include "gw/alloc.h"
#include "gw/clock.h"
#include "gw/log.h"

#include "gw_events.h"
#include "gw_http.h"
#include "gw_metrics.h"

/* The page, generated from gateway/gw_status.html by tools/embed_file.py. */
extern const char gw_status_html[];
extern const size_t gw_status_html_len;

typedef struct monitor {
    gw_metrics_t *metrics; /* written by the broker thread, read via snapshots */
    gw_http_t *http;       /* its thread reads only snapshots and the page */
} monitor_t;

static void
s_handle(void *arg, const char *path, gw_http_resp_t *resp)
{
    monitor_t *m = arg;
    if (strcmp(path, "/metrics") == 0) {
        gw_metrics_render_prometheus(m->metrics, resp);
    } else if (strcmp(path, "/status") == 0 || strcmp(path, "/") == 0) {
        resp->ctype = "text/html; charset=utf-8";
        gw_http_append(resp, gw_status_html, gw_status_html_len);
    } else if (strcmp(path, "/status.json") == 0) {
        gw_metrics_render_json(m->metrics, resp);
    } else if (strcmp(path, "/healthz") == 0) {
        int64_t now = gw_wall_ms();
        if (gw_metrics_age_ms(m->metrics, now) > 10000) {
            resp->status = 503;
        } else {
            gw_http_append(resp, "ok\n", 3);
        }
    } else {
        resp->status = 404;
    }
}

static void
s_on_event(void *state, const gw_event_t *ev)
{
    monitor_t *m = state;
    gw_metrics_on_event(m->metrics, ev);
}

static void
s_destroy(void *state)
{
    monitor_t *m = state;
    gw_http_destroy(&m->http); /* first: its thread reads the metrics */
    gw_metrics_destroy(&m->metrics);
    gw_free(m);
}

int
gw_monitor_sink_create(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err)
{
    if (!cfg->http[0]) {
        return GW_OK;
    }
    monitor_t *m = gw_calloc(1, sizeof(*m));
    if (!m) {
        *err = gw_strdup("monitor: out of memory");
        return GW_ENOMEM;
    }
    m->metrics = gw_metrics_new(cfg, db, err);
    if (!m->metrics) {
        gw_free(m);
        return GW_ENOMEM;
    }
    m->http = gw_http_new(cfg->http, s_handle, m, err);
    if (!m->http) {
        gw_metrics_destroy(&m->metrics);
        gw_free(m);
        return GW_EIO;
    }
    gw_log(GW_LOG_INFO, "http_listening", "addr=%s paths=/metrics,/status,/status.json,/healthz",
           gw_http_address(m->http));
    sink->name = "monitor";
    sink->state = m;
    sink->on_event = s_on_event;
    sink->destroy = s_destroy;
    return GW_OK;
}
