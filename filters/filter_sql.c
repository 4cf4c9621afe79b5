/* SQL plumbing of the stateful built-in filters (filter_sql.h). */
#include <stdio.h>

#include "filter_sql.h"

#include "gw/alloc.h"
#include "gw/err.h"
#include "gw/log.h"

int
gw_fsql_rc(int sqlrc)
{
    switch (sqlrc & 0xff) {
    case SQLITE_NOMEM:
        return GW_ENOMEM;
    case SQLITE_FULL:
        return GW_EFULL;
    default:
        return GW_EIO;
    }
}

void
gw_fsql_forget(sqlite3 **db_slot, const gw_fsql_stmt_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_finalize(*v[i].slot);
        *v[i].slot = NULL;
    }
    *db_slot = NULL;
}

int
gw_fsql_ready(sqlite3 **db_slot, sqlite3 *db, const char *name, const char *ddl,
              const gw_fsql_stmt_t *v, size_t n)
{
    int ready = *db_slot == db;
    for (size_t i = 0; ready && i < n; i++) {
        ready = *v[i].slot != NULL;
    }
    if (ready) {
        return GW_OK;
    }
    gw_fsql_forget(db_slot, v, n);
    int rc = sqlite3_exec(db, ddl, NULL, NULL, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        rc = sqlite3_prepare_v2(db, v[i].sql, -1, v[i].slot, NULL);
    }
    if (rc != SQLITE_OK) {
        gw_log(GW_LOG_ERROR, "filter_sqlite", "filter=%s step=prepare rc=%d err=\"%s\"", name, rc,
               sqlite3_errmsg(db));
        gw_fsql_forget(db_slot, v, n);
        return gw_fsql_rc(rc);
    }
    *db_slot = db;
    return GW_OK;
}

int
gw_fsql_create(void **state, size_t size, const char *name, const gw_filter_opts_t *opts,
               char **err)
{
    if (opts && opts->n > 0) {
        char buf[256];
        snprintf(buf, sizeof(buf), "%s:%d: filter %s: unknown option '%s' (%s has none)",
                 opts->file ? opts->file : "(config)", opts->v[0].line, name,
                 opts->v[0].key ? opts->v[0].key : "", name);
        if (err) {
            *err = gw_strdup(buf);
        }
        return GW_ECONFIG;
    }
    void *st = gw_calloc(1, size);
    if (!st) {
        return GW_ENOMEM;
    }
    *state = st;
    return GW_OK;
}
