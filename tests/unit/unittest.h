/*
 * Common test helpers: cmocka includes, the leak-checking allocator seam,
 * fixture loading and decoding. Every test that calls ut_alloc_setup routes
 * the gateway's allocations through cmocka, so every test is a leak test.
 */
#ifndef GW_UNITTEST_H
#define GW_UNITTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/diag.h"

struct sqlite3; /* <sqlite3.h>, for the SQLite helpers below */

/* cmocka setup: route gw_malloc & co. through test_malloc (leak checks). */
int ut_alloc_setup(void **state);
/* cmocka teardown: restore the C library allocator. */
int ut_alloc_teardown(void **state);

/* Absolute path of a fixture: $GW_FIXTURES/rel. Static buffer. */
const char *ut_fixture_path(const char *rel);
/* Read a whole file (gw_malloc'd, NUL-terminated); fails the test when unreadable. */
char *ut_read_file(const char *path, size_t *len);
/* Read a fixture relative to tests/fixtures. */
char *ut_read_fixture(const char *rel, size_t *len);

/* A codec on the embedded schemas; fails the test on error. */
gw_codec_t *ut_codec(void);
/* Decode a fixture that must be XSD-valid; fails the test otherwise (prints diagnostics). */
gw_msg_t *ut_decode_fixture(gw_codec_t *codec, const char *rel);
/* Decode a buffer that must be XSD-valid. */
gw_msg_t *ut_decode_buf(gw_codec_t *codec, const char *buf, size_t len);
/* Print diagnostics to stderr (debug aid for failing tests). */
void ut_print_diag(const gw_diag_t *diag);
/* True when diag has an entry for rule (and retourcode, when not NULL). */
int ut_diag_has(const gw_diag_t *diag, const char *rule, const char *retourcode);

/* A new directory $TMPDIR/name-XXXXXX (TMPDIR unset or empty: /tmp) into dir. 0 or -1. */
int ut_tmpdir(char *dir, size_t cap, const char *name);
/* Remove dir and everything below it (links are not followed). 0 or -1. */
int ut_tree_remove(const char *dir);

/* The first column of the first row of sql on the SQLite file at path (-1: no row). */
int64_t ut_sql_int(const char *path, const char *sql);
/* Run sql on an open SQLite handle; fails the test (with the SQLite message) on error. */
void ut_db_exec(struct sqlite3 *db, const char *sql);
/* Run sql on the SQLite file at path (created when missing); fails the test on error. */
void ut_sql_exec(const char *path, const char *sql);

#endif
