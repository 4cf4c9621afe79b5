/* SQL plumbing of the stateful built-in filters (filter_sql.h). */
#include <stdio.h>
#include <string.h>

#include "filter_sql.h"

#include "gw/alloc.h"
#include "gw/err.h"
#include "gw/log.h"

void
gw_fsql_copy(char *out, size_t cap, const unsigned char *t)
{
    if (cap == 0) {
        return;
    }
    size_t n = t ? strlen((const char *)t) : 0;
    n = n < cap - 1 ? n : cap - 1;
    if (n) {
        memcpy(out, t, n);
    }
    out[n] = '\0';
}

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

/* ---- schema versions (docs/store.md "Filter tables") ------------------------------------ */

/* One migration step. sql runs first (may be NULL). Then every table of rebuild (may be NULL)
 * is made again with the filter's DDL and its rows copied over: the way to change what SQLite
 * cannot ALTER (a WITHOUT ROWID, a primary key), as long as the columns stay the same and in
 * the same order. */
typedef struct s_step {
    const char *sql;
    const char *const *rebuild; /* NULL-terminated table names */
} s_step_t;

/* One set of tables with a version of its own. steps[i] takes the tables from version i + 1 to
 * i + 2; probe is SQL that answers, for a store from before filter_schema existed, the version
 * its tables have (0: no tables yet). */
typedef struct s_schema {
    const char *name;       /* filter_schema.name */
    int version;            /* the layout this build's DDL makes */
    const char *probe;      /* SQL, one integer */
    const s_step_t *steps;  /* version - 1 of them */
} s_schema_t;

#define S_TABLE_PROBE(t) "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '" t "'"

/*
 * declaratie 1 -> 2 (the xrules change): declaratie_nummer (TR333's numbers) became
 * declaratie_bericht (one row per 323), and declaratie_prestatie got bsn and status. What the
 * old tables did not keep is filled in conservatively: an old 323's Dagtekening and XSD versions
 * are '' (a 325 answering it cannot be linked: TR337, as for an unknown 323), its
 * DeclaratiePeriode is the span of its Prestaties' ProductPeriodes (within the real period, so
 * TR318 can only be more lenient for it), its Prestaties have bsn '' and status 0 (no 325 yet).
 * Its DeclaratieNummer, Prestaties, amounts and ReferentieNummers keep every 323 rule
 * (TR333, TR314, TR323, TR389, TR390) and the toewijzing filter's volume rules working.
 */
/* declaratie 2 -> 3 (the perf work): both tables WITHOUT ROWID (every statement on them
 * names its index or uses the primary key). */
static const char *const s_declaratie_rebuild[] = {"declaratie_bericht", "declaratie_prestatie",
                                                   NULL};
static const s_step_t s_declaratie_steps[] = {
    {"ALTER TABLE declaratie_prestatie ADD COLUMN bsn TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE declaratie_prestatie ADD COLUMN status INTEGER NOT NULL DEFAULT 0;"
    GW_FSQL_DECLARATIE_DDL
    "INSERT OR IGNORE INTO declaratie_bericht(family, aanbieder, ident, dagtekening, gemeente,"
    " nummer, xsd_basis, xsd_bericht, begin, eind)"
    " SELECT family, aanbieder, ident, '', min(gemeente), min(declnr), '', '', min(begin),"
    " max(eind) FROM declaratie_prestatie GROUP BY family, aanbieder, ident;"
    "DROP TABLE IF EXISTS declaratie_nummer;", NULL},
    {NULL, s_declaratie_rebuild},
};

/*
 * tr056 1 -> 2, verzoek 1 -> 2, startstop 1 -> 2 (the perf work): the tables whose primary key
 * holds (nearly) every column became WITHOUT ROWID: one B-tree per insert and per look-up
 * instead of a rowid table plus the primary key's index. Same columns, same rows.
 */
static const char *const s_tr056_rebuild[] = {"tr056_ident", NULL};
static const s_step_t s_tr056_steps[] = {{NULL, s_tr056_rebuild}};
static const char *const s_verzoek_rebuild[] = {"verzoek_ref", "verzoek_antwoord",
                                                "verzoek_toewijzing", NULL};
static const s_step_t s_verzoek_steps[] = {{NULL, s_verzoek_rebuild}};
static const char *const s_startstop_rebuild[] = {"startstop_row", NULL};
static const s_step_t s_startstop_steps[] = {{NULL, s_startstop_rebuild}};

static const s_schema_t s_schemas[] = {
    {"tr056", 2, S_TABLE_PROBE("tr056_ident"), s_tr056_steps},
    {"verzoek", 2, S_TABLE_PROBE("verzoek_ref"), s_verzoek_steps},
    {"toewijzing", 1, S_TABLE_PROBE("toewijzing_product"), NULL},
    {"startstop", 2, S_TABLE_PROBE("startstop_row"), s_startstop_steps},
    {"declaratie", 3,
     "SELECT CASE WHEN NOT EXISTS(SELECT 1 FROM pragma_table_info('declaratie_prestatie'))"
     " THEN 0 WHEN EXISTS(SELECT 1 FROM pragma_table_info('declaratie_prestatie')"
     " WHERE name = 'status') THEN 2 ELSE 1 END", /* (3 is always recorded) */
     s_declaratie_steps},
};
#define S_NSCHEMAS (sizeof(s_schemas) / sizeof(s_schemas[0]))

/* The sets of tables a filter makes with its DDL, in the order to bring them up to date. The
 * toewijzing filter reads the declaratie tables, so it migrates them too. */
static const struct {
    const char *filter;
    const char *sets[2];
} s_filter_sets[] = {
    {"tr056", {"tr056", NULL}},
    {"verzoek", {"verzoek", NULL}},
    {"toewijzing", {"declaratie", "toewijzing"}},
    {"startstop", {"startstop", NULL}},
    {"declaratie", {"declaratie", NULL}},
};

static const s_schema_t *
s_schema(const char *name)
{
    for (size_t i = 0; i < S_NSCHEMAS; i++) {
        if (strcmp(s_schemas[i].name, name) == 0) {
            return &s_schemas[i];
        }
    }
    return NULL;
}

/* One integer from sql with text parameter p1 (may be NULL); *out = -1 when there is no row. */
static int
s_int(sqlite3 *db, const char *sql, const char *p1, int *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && p1) {
        rc = sqlite3_bind_text(q, 1, p1, -1, SQLITE_STATIC);
    }
    *out = -1;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(q, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(q);
    return rc;
}

static int
s_set_version(sqlite3 *db, const char *name, int version)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        db, "INSERT OR REPLACE INTO filter_schema(name, version) VALUES(?1, ?2)", -1, &q, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(q, 2, version);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(q);
    return rc;
}

/* Run one migration step and record the version it reaches, in a savepoint of its own: a
 * transaction of its own outside the broker's, a nested one (committed with the batch)
 * inside it. A failed step is undone whole and reported. */
/* Rebuild table t of the filter's ddl: rename it away, make it anew, copy, drop the old one.
 * The old table's indexes go with it; the ddl runs again after the step and makes them. */
static int
s_rebuild(sqlite3 *db, const char *t, const char *ddl)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s_old; ALTER TABLE %s RENAME TO %s_old", t,
             t, t);
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, ddl, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof(sql), "INSERT INTO %s SELECT * FROM %s_old; DROP TABLE %s_old", t, t,
                 t);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    return rc;
}

/* Run one migration step and record the version it reaches, in a savepoint of its own: a
 * transaction of its own outside the broker's, a nested one (committed with the batch)
 * inside it. A failed step is undone whole and reported. */
static int
s_step(sqlite3 *db, const s_schema_t *sc, int to, const char *ddl)
{
    int rc = sqlite3_exec(db, "SAVEPOINT gw_fsql_migrate", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return rc;
    }
    const s_step_t *step = &sc->steps[to - 2];
    if (step->sql) {
        rc = sqlite3_exec(db, step->sql, NULL, NULL, NULL);
    }
    for (size_t i = 0; rc == SQLITE_OK && step->rebuild && step->rebuild[i]; i++) {
        rc = s_rebuild(db, step->rebuild[i], ddl);
    }
    if (rc == SQLITE_OK) {
        rc = s_set_version(db, sc->name, to);
    }
    if (rc != SQLITE_OK) {
        gw_log(GW_LOG_ERROR, "filter_migrate", "tables=%s to=%d rc=%d err=\"%s\"", sc->name, to,
               rc, sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK TO gw_fsql_migrate", NULL, NULL, NULL);
        sqlite3_exec(db, "RELEASE gw_fsql_migrate", NULL, NULL, NULL);
        return rc;
    }
    rc = sqlite3_exec(db, "RELEASE gw_fsql_migrate", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        gw_log(GW_LOG_INFO, "filter_migrated", "tables=%s version=%d", sc->name, to);
    }
    return rc;
}

/* Bring the filter's sets of tables up to this build's version (before its DDL runs). */
static int
s_migrate(sqlite3 *db, const char *filter, const char *ddl)
{
    const char *const *sets = NULL;
    for (size_t i = 0; i < sizeof(s_filter_sets) / sizeof(s_filter_sets[0]); i++) {
        if (strcmp(s_filter_sets[i].filter, filter) == 0) {
            sets = s_filter_sets[i].sets;
        }
    }
    if (!sets) {
        return SQLITE_OK; /* not a filter with tables of its own */
    }
    int rc = sqlite3_exec(db, GW_FSQL_SCHEMA_DDL, NULL, NULL, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < 2 && sets[i]; i++) {
        const s_schema_t *sc = s_schema(sets[i]);
        int v = -1;
        rc = s_int(db, "SELECT version FROM filter_schema WHERE name = ?1", sc->name, &v);
        if (rc == SQLITE_OK && v < 0) {
            rc = s_int(db, sc->probe, NULL, &v);
        }
        if (rc != SQLITE_OK) {
            break;
        }
        if (v > sc->version) {
            gw_log(GW_LOG_ERROR, "filter_schema_newer",
                   "tables=%s version=%d known=%d: the store was written by a newer build", sc->name,
                   v, sc->version);
            return SQLITE_ERROR;
        }
        for (int to = v + 1; v > 0 && rc == SQLITE_OK && to <= sc->version; to++) {
            rc = s_step(db, sc, to, ddl);
        }
    }
    return rc;
}

/* Record the version of every set the filter's DDL made or found current. */
static int
s_record(sqlite3 *db, const char *filter)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; i < sizeof(s_filter_sets) / sizeof(s_filter_sets[0]); i++) {
        if (strcmp(s_filter_sets[i].filter, filter) != 0) {
            continue;
        }
        for (size_t k = 0; rc == SQLITE_OK && k < 2 && s_filter_sets[i].sets[k]; k++) {
            const s_schema_t *sc = s_schema(s_filter_sets[i].sets[k]);
            rc = s_set_version(db, sc->name, sc->version);
        }
    }
    return rc;
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
    int rc = s_migrate(db, name, ddl);
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, ddl, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = s_record(db, name);
    }
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

/* ---- the negative cache (filter_sql.h) -------------------------------------------------- */

uint64_t
gw_fsql_hash_text(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        h = (h ^ *p) * 1099511628211ULL; /* FNV-1a */
    }
    return (h ^ 0xffu) * 1099511628211ULL; /* a field separator no text byte can be */
}

uint64_t
gw_fsql_hash_int(uint64_t h, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++) {
        h = (h ^ (u & 0xffu)) * 1099511628211ULL;
        u >>= 8;
    }
    return (h ^ 0x1ffu) * 1099511628211ULL;
}

/* The final mix (splitmix64): FNV's low bits alone are poorly spread. */
static uint64_t
s_mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

/* A blocked Bloom filter: the S_BLOOM_K bits of a key lie in one 512-bit block (one cache
 * line), so a look-up costs one cache miss instead of S_BLOOM_K. With 16 bits per key the
 * false "maybe" rate stays well under 1 %. */
#define S_BLOOM_K 4

static void
s_bloom_bits(const gw_fsql_bloom_t *b, uint64_t h, uint64_t *block, unsigned bit[S_BLOOM_K])
{
    uint64_t x = s_mix(h);
    *block = (x & (b->mask >> 9)) << 3; /* index of the block's first word */
    uint64_t y = x >> 28;
    for (int i = 0; i < S_BLOOM_K; i++) {
        bit[i] = (unsigned)(y & 511u);
        y >>= 9;
    }
}

static void
s_bloom_set(gw_fsql_bloom_t *b, uint64_t h)
{
    uint64_t block;
    unsigned bit[S_BLOOM_K];
    s_bloom_bits(b, h, &block, bit);
    for (int i = 0; i < S_BLOOM_K; i++) {
        b->bits[block + (bit[i] >> 6)] |= 1ULL << (bit[i] & 63);
    }
}

int
gw_fsql_bloom_maybe(const gw_fsql_bloom_t *b, uint64_t h)
{
    if (!b->bits || b->off) {
        return 1;
    }
    uint64_t block;
    unsigned bit[S_BLOOM_K];
    s_bloom_bits(b, h, &block, bit);
    for (int i = 0; i < S_BLOOM_K; i++) {
        if (!(b->bits[block + (bit[i] >> 6)] & (1ULL << (bit[i] & 63)))) {
            return 0;
        }
    }
    return 1;
}

void
gw_fsql_bloom_add(gw_fsql_bloom_t *b, uint64_t h)
{
    if (b->bits && !b->off) {
        s_bloom_set(b, h);
        b->n++;
    }
}

void
gw_fsql_bloom_free(gw_fsql_bloom_t *b)
{
    gw_free(b->bits);
    memset(b, 0, sizeof(*b));
}

int
gw_fsql_bloom_ready(gw_fsql_bloom_t *b, sqlite3 *db, const char *scan_sql)
{
    if (b->db == db && (b->off || (b->bits && b->n <= b->cap))) {
        return GW_OK;
    }
    /* (Re)build: count the rows, size for four times as many (at least 2^20 keys: 2 MiB; at
     * most GW_FSQL_BLOOM_MAX), scan. A rebuild (the keys outgrew the size) is a pause of one
     * scan of the table on the broker thread, each time the table has grown fourfold. */
    gw_fsql_bloom_free(b);
    b->db = db;
    b->off = 1; /* until the scan is through */
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, scan_sql, -1, &q, NULL);
    if (rc != SQLITE_OK) {
        return gw_fsql_rc(rc);
    }
    uint64_t rows = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        rows++;
    }
    if (rc != SQLITE_DONE) {
        sqlite3_finalize(q);
        return gw_fsql_rc(rc);
    }
    uint64_t cap = rows * 4 < (1u << 20) ? (1u << 20) : rows * 4;
    cap = cap > GW_FSQL_BLOOM_MAX ? GW_FSQL_BLOOM_MAX : cap;
    if (rows >= cap) {
        sqlite3_finalize(q);
        gw_log(GW_LOG_INFO, "filter_bloom_off", "rows=%llu", (unsigned long long)rows);
        return GW_OK; /* off: every look-up asks SQL */
    }
    uint64_t nbits = 512; /* at least one block */
    while (nbits < cap * 16) {
        nbits <<= 1;
    }
    b->bits = gw_calloc(nbits / 64, sizeof(uint64_t));
    if (!b->bits) {
        sqlite3_finalize(q);
        return GW_ENOMEM;
    }
    b->mask = nbits - 1;
    b->cap = cap;
    sqlite3_reset(q);
    int ncol = sqlite3_column_count(q);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        uint64_t h = GW_FSQL_HASH0;
        for (int c = 0; c < ncol; c++) {
            if (sqlite3_column_type(q, c) == SQLITE_INTEGER) {
                h = gw_fsql_hash_int(h, sqlite3_column_int64(q, c));
            } else {
                h = gw_fsql_hash_text(h, (const char *)sqlite3_column_text(q, c));
            }
        }
        s_bloom_set(b, h);
        b->n++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        gw_free(b->bits);
        b->bits = NULL;
        return gw_fsql_rc(rc);
    }
    b->off = 0;
    return GW_OK;
}
