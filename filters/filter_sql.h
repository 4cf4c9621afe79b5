/*
 * SQL plumbing shared by the built-in filters that keep state in the gateway's
 * database: a filter's tables are created on first use and its statements are
 * prepared once per database handle; after an SQLite error everything is
 * forgotten and prepared again (a rolled-back first transaction can take a
 * lazily created table with it). The filters keep their statements in named
 * fields; a table of (slot, SQL) pairs tells these helpers where they are.
 */
#ifndef GW_FILTER_SQL_H
#define GW_FILTER_SQL_H

#include <sqlite3.h>
#include <stddef.h>

#include "gw/filter.h"

typedef struct gw_fsql_stmt {
    sqlite3_stmt **slot; /* where the prepared statement lives in the filter's state */
    const char *sql;     /* its SQL */
} gw_fsql_stmt_t;

/**
 * Make the tables and statements ready for db (a no-op when they already are).
 * @param db_slot the state's "prepared on" handle; set to db on success.
 * @param name the filter's name, for the log line of a failure.
 * @param ddl CREATE TABLE/INDEX IF NOT EXISTS statements, run once per handle.
 * @returns GW_OK, or GW_ENOMEM / GW_EFULL / GW_EIO with everything forgotten.
 */
int gw_fsql_ready(sqlite3 **db_slot, sqlite3 *db, const char *name, const char *ddl,
                  const gw_fsql_stmt_t *v, size_t n);
/** Finalize every statement and forget the handle. */
void gw_fsql_forget(sqlite3 **db_slot, const gw_fsql_stmt_t *v, size_t n);
/** The gw_rc_t of an SQLite result code. */
int gw_fsql_rc(int sqlrc);

/**
 * The create() of a built-in filter that takes no options: refuses any option
 * ("FILE:LINE: filter NAME: unknown option 'KEY' (NAME has none)": a typo must not
 * pass silently) and allocates a zeroed state of size bytes.
 * @returns GW_OK, GW_ECONFIG (message in *err, heap) or GW_ENOMEM.
 */
int gw_fsql_create(void **state, size_t size, const char *name, const gw_filter_opts_t *opts,
                   char **err);

#endif
