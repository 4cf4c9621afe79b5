/*
 * Filter chain benchmark. Measures, in one run:
 *   (a) pipeline  gw_codec_decode + gw_rules_run on the iJw and iWmo story
 *                 heenberichten (315 319 301 305 323 317 307 of each family);
 *       chain     the default filter chain (tr056 verzoek toewijzing startstop declaratie)
 *                 and the contract filter with the een10 region profile, on
 *                 the same messages, decoded once, against a realistic state, in
 *                 store transactions like the broker (BEGIN, 256 x (gw_chain_run,
 *                 gw_chain_accept), COMMIT). Every story gets fresh Identificatie,
 *                 ReferentieAanbieder, ToewijzingNummer and Bsn values, so every
 *                 filter does its real lookups and inserts and every message passes;
 *       and reports chain / pipeline per message (target <= 15 %).
 *   (b) growth    the toewijzing filter alone, on a JW323 (TR338 path), a JW305
 *                 (TR019) and a JW317 (TR349: the client's actuele toewijzingen), with
 *                 N synthetic toewijzingen in its table, for N = 10^3 ..
 *                 10^6 (10^7 with --full): per-lookup time, and last / first.
 * Rounds alternate and the best round of each counts (bench/README.md).
 *
 * usage: bench_filters [--full | --chain-only] [SECONDS-PER-ROUND] (default 1.0)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/diag.h"
#include "gw/rules.h"
#include "gw_chain.h"
#include "gw_store.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

#define BATCH     256 /* messages per store transaction: the broker's group commit (up to 256) */
#define MAX_SLOTS 32  /* rewritten fields per message */
#define NGEMEENTE 64  /* synthetic gemeenten of the growth state */
#define AANBIEDER "42420001"

static const char *const s_story[] = {"jw315",  "jw319",  "jw301",  "jw305",  "jw323",
                                      "jw317",  "jw307",  "wmo315", "wmo319", "wmo301",
                                      "wmo305", "wmo323", "wmo317", "wmo307"};
#define NSTORY (sizeof(s_story) / sizeof(s_story[0]))

/* A field of a decoded model that is rewritten per story: it points at buf. */
typedef enum { K_IDENT, K_BSN, K_REF, K_NUM, K_DECL } kind_t;
typedef struct slot {
    const char **field;
    kind_t kind;
    char orig[32];
    char buf[32];
} slot_t;

typedef struct item {
    const char *name;
    char *xml;
    size_t len;
    gw_msg_t *msg; /* decoded once; its slots are rewritten per story */
    slot_t slots[MAX_SLOTS];
    size_t nslots;
} item_t;

static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

static void
s_die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(1);
}

static void
s_add_slot(item_t *it, const char **field, kind_t kind)
{
    if (!*field) {
        return;
    }
    if (it->nslots == MAX_SLOTS) {
        s_die("too many fields to rewrite in one fixture");
    }
    slot_t *s = &it->slots[it->nslots++];
    s->field = field;
    s->kind = kind;
    snprintf(s->orig, sizeof(s->orig), "%s", *field);
    *field = s->buf;
}

/* Find the fields that make a story unique: Identificatie, Bsn, ReferentieAanbieder,
 * ToewijzingNummer, wherever the message types carry them. */
static void
s_collect(item_t *it)
{
    gw_bericht_t *b = it->msg->bericht;
    if (b->Header && b->Header->BerichtIdentificatie) {
        s_add_slot(it, &b->Header->BerichtIdentificatie->Identificatie, K_IDENT);
    }
    gw_client_t *c = b->Client;
    if (c) {
        s_add_slot(it, &c->Bsn, K_BSN);
        for (size_t i = 0; i < c->ToegewezenProduct.n; i++) {
            s_add_slot(it, &c->ToegewezenProduct.v[i].ToewijzingNummer, K_NUM);
            s_add_slot(it, &c->ToegewezenProduct.v[i].ReferentieAanbieder, K_REF);
        }
        for (size_t i = 0; i < c->StartProduct.n; i++) {
            s_add_slot(it, &c->StartProduct.v[i].ToewijzingNummer, K_NUM);
        }
        for (size_t i = 0; i < c->StopProduct.n; i++) {
            s_add_slot(it, &c->StopProduct.v[i].ToewijzingNummer, K_NUM);
        }
        for (size_t i = 0; i < c->AangevraagdProduct.n; i++) {
            s_add_slot(it, &c->AangevraagdProduct.v[i].ReferentieAanbieder, K_REF);
        }
        if (c->Verzoek) {
            s_add_slot(it, &c->Verzoek->ReferentieAanbieder, K_REF);
            for (size_t i = 0; i < c->Verzoek->OngewijzigdProduct.n; i++) {
                s_add_slot(it, &c->Verzoek->OngewijzigdProduct.v[i].ToewijzingNummer, K_NUM);
            }
            for (size_t i = 0; i < c->Verzoek->TeWijzigenProduct.n; i++) {
                s_add_slot(it, &c->Verzoek->TeWijzigenProduct.v[i].ToewijzingNummer, K_NUM);
            }
        }
    }
    if (b->Antwoord) {
        s_add_slot(it, &b->Antwoord->ReferentieAanbieder, K_REF);
    }
    if (b->Declaratie) {
        s_add_slot(it, &b->Declaratie->DeclaratieNummer, K_DECL);
        for (size_t ci = 0; ci < b->Declaratie->Client.n; ci++) {
            gw_client_t *dc = &b->Declaratie->Client.v[ci];
            s_add_slot(it, &dc->Bsn, K_BSN);
            for (size_t pi = 0; pi < dc->Prestatie.n; pi++) {
                gw_prestatie_t *pr = &dc->Prestatie.v[pi];
                s_add_slot(it, &pr->ToewijzingNummer, K_NUM);
                if (pr->ProductReferentie) {
                    s_add_slot(it, &pr->ProductReferentie->ReferentieNummer, K_REF);
                    s_add_slot(it, &pr->ProductReferentie->VorigReferentieNummer, K_REF);
                }
            }
        }
    }
}

/* Make item it the k-th story's copy. Story numbers (>= 100000000) never meet the growth
 * state's synthetic numbers (< 100000000). */
static void
s_rewrite(item_t *it, uint64_t k)
{
    for (size_t i = 0; i < it->nslots; i++) {
        slot_t *s = &it->slots[i];
        switch (s->kind) {
        case K_IDENT: /* LDT_IdentificatieBericht, max 12 */
            snprintf(s->buf, sizeof(s->buf), "B%011" PRIu64, k);
            break;
        case K_DECL: /* LDT_DeclaratieNummer, max 12: unique per aanbieder (TR333) */
            snprintf(s->buf, sizeof(s->buf), "D%011" PRIu64, k);
            break;
        case K_BSN: /* apart from the growth state's Bsns (100000000 + i, i <= 10^7): a
                       shared Bsn made a synthetic toewijzing an actuele one of the story's
                       client, and its 317 failed TR349 */
            snprintf(s->buf, sizeof(s->buf), "%09" PRIu64, 500000000 + k % 400000000);
            break;
        case K_REF: { /* "VOT-" / "WMO-VOW-" (up to the first digit) + story + the
                         original's last 4 (keeps the refs of one 315 apart) */
            size_t n = strlen(s->orig), pre = strcspn(s->orig, "0123456789");
            snprintf(s->buf, sizeof(s->buf), "%.*s%07" PRIu64 "%s", (int)(pre < 8 ? pre : 8),
                     s->orig, k % 10000000, s->orig + (n > 4 ? n - 4 : 0));
            break;
        }
        case K_NUM: {
            int64_t v = atoll(s->orig);
            snprintf(s->buf, sizeof(s->buf), "%" PRIu64, 100000000 + (k % 8000000) * 100 +
                                                             (uint64_t)(v % 100));
            break;
        }
        }
    }
}

/* The region profile the chain's contract filter enforces: een10 covers gemeente 0363 of the
 * story fixtures and every jw story message passes all of its rules (the iWmo ones are out of
 * its scope and pass through). Read from the repo's deploy/regions, never from elsewhere. */
#define REGION_CONF GW_SOURCE_DIR "/deploy/regions/een10.conf"
static const gw_filter_opt_t s_region_opt = {.key = "register", .value = "een10.register",
                                             .line = 7};

static gw_chain_t *
s_chain(const char *const *names, size_t n)
{
    gw_chain_spec_t specs[8];
    memset(specs, 0, sizeof(specs));
    for (size_t i = 0; i < n; i++) {
        specs[i].name = names[i];
        specs[i].line = 1;
        if (strcmp(names[i], "contract") == 0) {
            specs[i].opts.file = REGION_CONF;
            specs[i].opts.v = &s_region_opt;
            specs[i].opts.n = 1;
        }
    }
    char *err = NULL;
    gw_chain_t *c = gw_chain_new(specs, n, &err);
    if (!c) {
        fprintf(stderr, "bench: chain: %s\n", err ? err : "?");
        exit(1);
    }
    return c;
}

static gw_store_t *
s_store(const char *dir, const char *name)
{
    char path[512], *err = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    gw_store_opts_t o = {.sync_normal = 1};
    gw_store_t *s = gw_store_open(path, &o, &err);
    if (!s) {
        fprintf(stderr, "bench: store: %s\n", err ? err : "?");
        exit(1);
    }
    return s;
}

static void
s_remove_store(const char *dir, const char *name)
{
    const char *ext[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext[i]);
        unlink(path);
    }
}

static void
s_begin(gw_store_t *st)
{
    if (gw_store_begin(st) != GW_OK) {
        s_die("BEGIN failed");
    }
}

static void
s_commit(gw_store_t *st)
{
    if (gw_store_commit(st) != GW_OK) {
        fprintf(stderr, "bench: COMMIT failed: %s\n", gw_store_last_error(st));
        exit(1);
    }
}

static void
s_refused(const item_t *it, const gw_diag_t *diag, gw_verdict_t v)
{
    fprintf(stderr, "bench: %s refused by the chain (verdict %d)", it->name, (int)v);
    if (gw_diag_count(diag)) {
        const gw_diag_entry_t *e = gw_diag_at(diag, gw_diag_count(diag) - 1);
        fprintf(stderr, ": %s %s %s", e->rule, e->retourcode, e->path);
    }
    fprintf(stderr, "\n");
    exit(1);
}

/* One message through the chain as the broker does it. */
static void
s_chain_one(gw_chain_t *chain, const item_t *it, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    gw_diag_reset(diag);
    gw_verdict_t v = gw_chain_run(chain, it->msg, diag, ctx);
    if (v != GW_VERDICT_PASS && v != GW_VERDICT_WARN && v != GW_VERDICT_STOP) {
        s_refused(it, diag, v);
    }
    if (gw_chain_accept(chain, it->msg, ctx) != GW_OK) {
        s_die("gw_chain_accept failed");
    }
}

/* Run `stories` fresh stories (or for `secs` when stories is 0) from *next on; returns
 * the number of messages. Batches of BATCH messages per transaction. */
static size_t
s_run_stories(gw_chain_t *chain, gw_store_t *st, item_t *items, gw_diag_t *diag,
              uint64_t *next, size_t stories, double secs, double *elapsed)
{
    gw_filter_ctx_t ctx = {.now_ms = 1795000000000LL, .peer = NULL, .db = gw_store_db(st)};
    size_t done = 0, inbatch = 0;
    double t0 = s_now();
    s_begin(st);
    for (size_t s = 0;; s++) {
        if (stories ? s >= stories : (s % 8 == 0 && s_now() - t0 >= secs)) {
            break;
        }
        uint64_t k = (*next)++;
        for (size_t i = 0; i < NSTORY; i++) {
            s_rewrite(&items[i], k);
            s_chain_one(chain, &items[i], diag, &ctx);
            if (++inbatch == BATCH) {
                s_commit(st);
                s_begin(st);
                inbatch = 0;
            }
        }
        done += NSTORY;
    }
    s_commit(st);
    *elapsed = s_now() - t0;
    return done;
}

/* The default chain plus the region profile, in config order. */
static const char *const s_full[] = {"tr056",     "verzoek",    "toewijzing",
                                     "startstop", "declaratie", "contract"};
#define NFULL (sizeof(s_full) / sizeof(s_full[0]))

/* The breakdown: the same stories through one single-filter chain per filter, in chain order
 * (equal to the whole chain while every message passes), each filter's on_message (look-ups)
 * and on_accept (writes) timed on their own and the COMMITs apart. Adds the cost of the clock
 * reads, so its total is a little above the chain's figure. look[] and write[] get
 * microseconds per message per filter; write[NFULL] is the COMMIT. */
static void
s_breakdown(gw_store_t *st, item_t *items, gw_diag_t *diag, uint64_t *next, double secs,
            double look[NFULL], double write[NFULL + 1])
{
    gw_chain_t *one[NFULL];
    for (size_t f = 0; f < NFULL; f++) {
        one[f] = s_chain(&s_full[f], 1);
        look[f] = write[f] = 0;
    }
    write[NFULL] = 0;
    gw_filter_ctx_t ctx = {.now_ms = 1795000000000LL, .peer = NULL, .db = gw_store_db(st)};
    /* One story untimed: the new instances prepare their statements and build their caches
     * (the whole chain of (a) did that before its timed rounds too). */
    s_begin(st);
    uint64_t k0 = (*next)++;
    for (size_t i = 0; i < NSTORY; i++) {
        s_rewrite(&items[i], k0);
        for (size_t f = 0; f < NFULL; f++) {
            s_chain_one(one[f], &items[i], diag, &ctx);
        }
    }
    s_commit(st);
    size_t done = 0, inbatch = 0;
    double t0 = s_now(), tc;
    s_begin(st);
    for (size_t s = 0; s % 8 != 0 || s_now() - t0 < secs; s++) {
        uint64_t k = (*next)++;
        for (size_t i = 0; i < NSTORY; i++) {
            s_rewrite(&items[i], k);
            for (size_t f = 0; f < NFULL; f++) {
                double t = s_now();
                gw_diag_reset(diag);
                gw_verdict_t v = gw_chain_run(one[f], items[i].msg, diag, &ctx);
                if (v != GW_VERDICT_PASS && v != GW_VERDICT_WARN && v != GW_VERDICT_STOP) {
                    s_refused(&items[i], diag, v);
                }
                double t2 = s_now();
                if (gw_chain_accept(one[f], items[i].msg, &ctx) != GW_OK) {
                    s_die("gw_chain_accept failed");
                }
                look[f] += t2 - t;
                write[f] += s_now() - t2;
            }
            if (++inbatch == BATCH) {
                tc = s_now();
                s_commit(st);
                s_begin(st);
                write[NFULL] += s_now() - tc;
                inbatch = 0;
            }
        }
        done += NSTORY;
    }
    tc = s_now();
    s_commit(st);
    write[NFULL] += s_now() - tc;
    for (size_t f = 0; f <= NFULL; f++) {
        write[f] = write[f] * 1e6 / (double)done;
        if (f < NFULL) {
            look[f] = look[f] * 1e6 / (double)done;
            gw_chain_destroy(&one[f]);
        }
    }
}

/* Messages per second of decode + intra-message rules on the raw story messages. */
static double
s_pipeline_rate(gw_codec_t *codec, const item_t *items, gw_diag_t *diag, double secs)
{
    size_t done = 0;
    double t0 = s_now(), t;
    do {
        for (size_t i = 0; i < NSTORY; i++) {
            gw_msg_t *m = NULL;
            gw_diag_reset(diag);
            if (gw_codec_decode(codec, items[i].xml, items[i].len, &m, NULL, diag) != GW_OK ||
                !m || gw_rules_run(m, diag, 0) != GW_OK) {
                s_die("a story message failed the pipeline");
            }
            gw_msg_destroy(&m);
        }
        done += NSTORY;
        t = s_now() - t0;
    } while (t < secs);
    return (double)done / t;
}

/* ---- (b) growth state ---------------------------------------------------------------- */

/* The product a synthetic toewijzing carries: jw301's first ToegewezenProduct, whose
 * number the jw323 and jw305 fixtures refer to. */
typedef struct proto {
    char categorie[16], code[16], ingang[16], eind[16], eenheid[8], volume[16], freq[8];
    char datum[16], tijd[24];
} proto_t;

static void
s_cp(char *out, size_t cap, const char *v)
{
    snprintf(out, cap, "%s", v ? v : "");
}

static void
s_gemeente(uint64_t i, char out[8])
{
    snprintf(out, 8, "%04u", (unsigned)(300 + (i / 2) % NGEMEENTE));
}

/* Synthetic toewijzing i (1-based): family iJw when i is even, iWmo when odd; gemeente
 * by i; aanbieder AANBIEDER; Bsn 100000000 + i. */
static void
s_fill(gw_store_t *st, uint64_t from, uint64_t to, const proto_t *p)
{
    sqlite3 *db = gw_store_db(st);
    sqlite3_stmt *ins = NULL;
    const char *sql =
        "INSERT INTO toewijzing_product(family, gemeente, nummer, aanbieder, bsn, categorie,"
        " code, ingangsdatum, einddatum, redenwijziging, volume, eenheid, frequentie, budget,"
        " toewijzingsdatum, toewijzingstijd, stamp)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?11, ?12, NULL, ?13, ?14, ?15)";
    if (sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: toewijzing_product schema changed? %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    char stamp[48];
    snprintf(stamp, sizeof(stamp), "%sT%.8s.000000000", p->datum, p->tijd);
    s_begin(st);
    for (uint64_t i = from; i < to; i++) {
        char gem[8], bsn[16];
        s_gemeente(i, gem);
        snprintf(bsn, sizeof(bsn), "%09" PRIu64, 100000000 + i);
        sqlite3_bind_int(ins, 1, (i % 2 == 0) ? GW_FAMILY_IJW : GW_FAMILY_IWMO);
        sqlite3_bind_text(ins, 2, gem, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, (sqlite3_int64)i);
        sqlite3_bind_text(ins, 4, AANBIEDER, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, bsn, -1, SQLITE_TRANSIENT);
        const char *v[] = {p->categorie, p->code, p->ingang, p->eind, p->volume,
                           p->eenheid,   p->freq, p->datum,  p->tijd, stamp};
        for (int c = 0; c < 10; c++) {
            if (v[c][0]) {
                sqlite3_bind_text(ins, 6 + c, v[c], -1, SQLITE_STATIC);
            } else {
                sqlite3_bind_null(ins, 6 + c);
            }
        }
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "bench: fill: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
        sqlite3_reset(ins);
        if ((i + 1) % 100000 == 0) {
            s_commit(st);
            s_begin(st);
        }
    }
    s_commit(st);
    sqlite3_finalize(ins);
}

/* A message pointed at synthetic toewijzing i: Ontvanger (gemeente), Bsn and every
 * ToewijzingNummer it carries. */
typedef struct probe {
    const char *name;
    gw_msg_t *msg;
    const char **ontvanger;
    const char **bsn;
    const char **num[8];
    size_t nnum;
    char gem[8], bsnbuf[24], numbuf[24];
} probe_t;

static void
s_probe_init(probe_t *p, const char *name, gw_msg_t *msg)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    p->msg = msg;
    gw_bericht_t *b = msg->bericht;
    p->ontvanger = &b->Header->Ontvanger;
    gw_client_t *c = b->Declaratie ? &b->Declaratie->Client.v[0] : b->Client;
    p->bsn = &c->Bsn;
    if (b->Declaratie) {
        for (size_t i = 0; i < c->Prestatie.n && p->nnum < 8; i++) {
            p->num[p->nnum++] = &c->Prestatie.v[i].ToewijzingNummer;
        }
    }
    for (size_t i = 0; i < c->StartProduct.n && p->nnum < 8; i++) {
        if (c->StartProduct.v[i].ToewijzingNummer) {
            p->num[p->nnum++] = &c->StartProduct.v[i].ToewijzingNummer;
        }
    }
    for (size_t i = 0; c->Verzoek && i < c->Verzoek->OngewijzigdProduct.n && p->nnum < 8; i++) {
        p->num[p->nnum++] = &c->Verzoek->OngewijzigdProduct.v[i].ToewijzingNummer;
    }
    *p->ontvanger = p->gem;
    *p->bsn = p->bsnbuf;
    for (size_t i = 0; i < p->nnum; i++) {
        *p->num[i] = p->numbuf;
    }
}

static void
s_probe_point(probe_t *p, uint64_t i)
{
    s_gemeente(i, p->gem);
    snprintf(p->bsnbuf, sizeof(p->bsnbuf), "%09" PRIu64, 100000000 + i);
    snprintf(p->numbuf, sizeof(p->numbuf), "%" PRIu64, i);
}

static uint64_t s_rng = 88172645463325252ULL;

static uint64_t
s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

/* Seconds per lookup of probe p against N rows, random iJw rows, for about secs. */
static double
s_lookup_time(gw_chain_t *chain, gw_store_t *st, probe_t *p, uint64_t n, gw_diag_t *diag,
              double secs, size_t *refused)
{
    gw_filter_ctx_t ctx = {.now_ms = 1795000000000LL, .peer = AANBIEDER, .db = gw_store_db(st)};
    size_t msgs = 0;
    double t0 = s_now(), t;
    s_begin(st);
    do {
        for (int b = 0; b < BATCH; b++) {
            uint64_t i = 2 + 2 * (s_rand() % (n / 2)); /* even: iJw rows 2..n */
            if (i > n) {
                i -= 2;
            }
            s_probe_point(p, i);
            gw_diag_reset(diag);
            gw_verdict_t v = gw_chain_run(chain, p->msg, diag, &ctx);
            if (v == GW_VERDICT_ERROR) {
                s_die("lookup failed");
            }
            *refused += v == GW_VERDICT_REJECT;
        }
        s_commit(st);
        s_begin(st);
        msgs += BATCH;
        t = s_now() - t0;
    } while (t < secs);
    s_commit(st);
    return t / (double)(msgs * (p->nnum ? p->nnum : 1));
}

static char s_dir[512]; /* the temp folder, removed at exit whatever the outcome */

static void
s_cleanup(void)
{
    if (s_dir[0]) {
        s_remove_store(s_dir, "a.db");
        s_remove_store(s_dir, "b.db");
        rmdir(s_dir);
    }
}

static const char *
s_met(int ok)
{
    return ok ? "yes" : "NO";
}

int
main(int argc, char **argv)
{
    int full = 0, chain_only = 0;
    double secs = 1.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--full") == 0) {
            full = 1;
        } else if (strcmp(argv[i], "--chain-only") == 0) {
            chain_only = 1; /* (a) alone: for profiling the chain */
        } else if (atof(argv[i]) > 0) {
            secs = atof(argv[i]);
        } else {
            fprintf(stderr, "usage: bench_filters [--full | --chain-only] [SECONDS-PER-ROUND]\n");
            return 2;
        }
    }
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/bench-filters-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        s_die("mkdtemp failed");
    }
    snprintf(s_dir, sizeof(s_dir), "%s", dir);
    atexit(s_cleanup);

    gw_codec_t *codec = gw_codec_new(NULL, NULL);
    gw_diag_t *diag = gw_diag_new();
    if (!codec || !diag || gw_codec_preload(codec, diag) != GW_OK) {
        s_die("cannot set up the codec");
    }
    item_t items[NSTORY];
    memset(items, 0, sizeof(items));
    size_t bytes = 0;
    for (size_t i = 0; i < NSTORY; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/tests/fixtures/valid/%s.xml", GW_SOURCE_DIR,
                 s_story[i]);
        items[i].name = s_story[i];
        items[i].xml = s_read(path, &items[i].len);
        gw_diag_reset(diag);
        if (!items[i].xml ||
            gw_codec_decode(codec, items[i].xml, items[i].len, &items[i].msg, NULL, diag) !=
                GW_OK ||
            !items[i].msg || gw_rules_run(items[i].msg, diag, 0) != GW_OK ||
            gw_diag_rejects(diag)) {
            fprintf(stderr, "bench: %s is not a valid message\n", path);
            return 1;
        }
        s_collect(&items[i]);
        bytes += items[i].len;
    }
    printf("story: %zu heenberichten (iJw + iWmo 315 319 301 305 323 317 307), mean %zu "
           "bytes\n",
           NSTORY, bytes / NSTORY);

    /* ---- (a) ---- */
    gw_chain_t *chain = s_chain(s_full, NFULL);
    gw_store_t *st = s_store(dir, "a.db");
    /* Realistic state: the tables exist, 10^5 synthetic toewijzingen, and 2,000 earlier
     * stories (28,000 messages) through the real filters. */
    uint64_t next = 1;
    double el = 0;
    s_run_stories(chain, st, items, diag, &next, 1, 0, &el);
    proto_t proto;
    memset(&proto, 0, sizeof(proto));
    {
        const gw_client_t *c = items[2].msg->bericht->Client; /* jw301 */
        const gw_toegewezen_product_t *tp = &c->ToegewezenProduct.v[0];
        s_cp(proto.categorie, sizeof(proto.categorie), tp->Product ? tp->Product->Categorie : 0);
        s_cp(proto.code, sizeof(proto.code), tp->Product ? tp->Product->Code : NULL);
        s_cp(proto.ingang, sizeof(proto.ingang), tp->Ingangsdatum);
        s_cp(proto.eind, sizeof(proto.eind), tp->Einddatum);
        s_cp(proto.volume, sizeof(proto.volume), tp->Omvang ? tp->Omvang->Volume : NULL);
        s_cp(proto.eenheid, sizeof(proto.eenheid), tp->Omvang ? tp->Omvang->Eenheid : NULL);
        s_cp(proto.freq, sizeof(proto.freq), tp->Omvang ? tp->Omvang->Frequentie : NULL);
        s_cp(proto.datum, sizeof(proto.datum), tp->Toewijzingsdatum);
        s_cp(proto.tijd, sizeof(proto.tijd), tp->Toewijzingstijd);
    }
    double t0 = s_now();
    s_fill(st, 1, 100001, &proto);
    s_run_stories(chain, st, items, diag, &next, 2000, 0, &el);
    double prep = s_now() - t0;

    double best_pipe = 0, best_chain = 0;
    size_t chain_msgs = 0;
    for (int round = 0; round < 3; round++) {
        double r = s_pipeline_rate(codec, items, diag, secs);
        best_pipe = r > best_pipe ? r : best_pipe;
        size_t m = s_run_stories(chain, st, items, diag, &next, 0, secs, &el);
        chain_msgs += m;
        r = (double)m / el;
        best_chain = r > best_chain ? r : best_chain;
    }
    double us_pipe = 1e6 / best_pipe, us_chain = 1e6 / best_chain;
    double ratio = us_chain / us_pipe;
    double look[NFULL], write[NFULL + 1];
    s_breakdown(st, items, diag, &next, secs, look, write);
    int64_t size_a = gw_store_size(st);
    gw_chain_destroy(&chain);
    gw_store_close(&st);
    s_remove_store(dir, "a.db");

    printf("\n(a) per message, best of 3 alternating rounds of %.1f s\n", secs);
    printf("%-52s %10s %12s  %s\n", "figure", "measured", "target", "met");
    printf("%-52s %7.2f us   (%.0f msg/s)\n", "pipeline  decode + XSD + rules", us_pipe,
           best_pipe);
    printf("%-52s %7.2f us   (%.0f msg/s)\n", "chain     6 filters, region een10", us_chain,
           best_chain);
    printf("%-52s %9.1f %% %10s  %s\n", "ratio     chain / pipeline", ratio * 100, "<= 15 %",
           s_met(ratio <= 0.15));
    printf("    state: 100000 synthetic toewijzingen + %" PRIu64 " stories (%zu messages timed),"
           " %.1f MB on disk; setup %.1f s\n",
           next - 1, chain_msgs, (double)size_a / 1e6, prep);
    printf("    chain = tr056 verzoek toewijzing startstop declaratie contract (deploy/regions/"
           "een10); it includes rewriting the story fields and BEGIN/COMMIT per %d messages "
           "(synchronous=NORMAL)\n",
           BATCH);
    printf("    breakdown per message (one more round, each filter timed on its own):\n");
    printf("      %-12s %9s %9s %9s\n", "filter", "look-ups", "writes", "total");
    double tl = 0, tw = 0;
    for (size_t f = 0; f < NFULL; f++) {
        printf("      %-12s %6.2f us %6.2f us %6.2f us\n", s_full[f], look[f], write[f],
               look[f] + write[f]);
        tl += look[f];
        tw += write[f];
    }
    printf("      %-12s %9s %6.2f us %6.2f us\n", "COMMIT", "", write[NFULL], write[NFULL]);
    printf("      %-12s %6.2f us %6.2f us %6.2f us\n", "sum", tl, tw + write[NFULL],
           tl + tw + write[NFULL]);

    /* ---- (b) ---- */
    if (chain_only) {
        for (size_t i = 0; i < NSTORY; i++) {
            for (size_t s = 0; s < items[i].nslots; s++) {
                *items[i].slots[s].field = NULL;
            }
            gw_msg_destroy(&items[i].msg);
            free(items[i].xml);
        }
        gw_diag_destroy(&diag);
        gw_codec_destroy(&codec);
        return 0;
    }
    const char *const one[] = {"toewijzing"};
    chain = s_chain(one, 1);
    st = s_store(dir, "b.db");
    /* Let the filter create its table, then bulk-insert rows with its schema. */
    {
        gw_filter_ctx_t ctx = {.now_ms = 0, .peer = NULL, .db = gw_store_db(st)};
        s_rewrite(&items[2], 0);
        s_begin(st);
        if (gw_chain_accept(chain, items[2].msg, &ctx) != GW_OK) {
            s_die("toewijzing on_accept failed");
        }
        s_commit(st);
    }
    probe_t p323, p305, p317;
    s_probe_init(&p323, "JW323", items[4].msg);
    s_probe_init(&p305, "JW305", items[3].msg);
    s_probe_init(&p317, "JW317", items[5].msg);
    uint64_t ns[5] = {1000, 10000, 100000, 1000000, 10000000};
    size_t npoints = full ? 5 : 4;
    double t323[5], t305[5], t317[5], fill_s[5];
    int64_t size_b[5];
    size_t refused = 0;
    uint64_t have = 1;
    double bsecs = secs * 0.25;
    printf("\n(b) toewijzing lookups vs state size (random iJw rows; best of 3 rounds of %.2f s)\n",
           bsecs);
    printf("%12s %14s %14s %14s %12s %10s\n", "toewijzingen", "JW323 TR338", "JW305 TR019",
           "JW317 TR349", "on disk", "fill");
    fflush(stdout);
    for (size_t k = 0; k < npoints; k++) {
        t0 = s_now();
        s_fill(st, have, ns[k] + 1, &proto);
        have = ns[k] + 1;
        fill_s[k] = s_now() - t0;
        t323[k] = t305[k] = t317[k] = 1e9;
        for (int round = 0; round < 3; round++) {
            double a = s_lookup_time(chain, st, &p323, ns[k], diag, bsecs, &refused);
            double b = s_lookup_time(chain, st, &p305, ns[k], diag, bsecs, &refused);
            double c = s_lookup_time(chain, st, &p317, ns[k], diag, bsecs, &refused);
            t323[k] = a < t323[k] ? a : t323[k];
            t305[k] = b < t305[k] ? b : t305[k];
            t317[k] = c < t317[k] ? c : t317[k];
        }
        size_b[k] = gw_store_size(st);
        printf("%12" PRIu64 " %11.2f us %11.2f us %11.2f us %9.1f MB %8.1f s\n", ns[k],
               t323[k] * 1e6, t305[k] * 1e6, t317[k] * 1e6, (double)size_b[k] / 1e6, fill_s[k]);
        fflush(stdout);
    }
    gw_chain_destroy(&chain);
    gw_store_close(&st);
    s_remove_store(dir, "b.db");
    rmdir(dir);

    size_t last = npoints - 1;
    double g323 = t323[last] / t323[0], g305 = t305[last] / t305[0];
    double g317 = t317[last] / t317[0];
    double gn = (double)ns[last] / (double)ns[0];
    /* O(log n): a B-tree lookup at 10^6 rows visits about twice the levels of one at 10^3,
     * plus the step where the table outgrows SQLite's page cache (reads then go to the OS
     * page cache). Linear would be gn (1000x); the target is "far less": gn / 100. */
    double lim = gn / 100;
    printf("%-52s %9.2fx %8s%.0fx  %s\n", "growth JW323 last / first", g323, "<= ", lim,
           s_met(g323 <= lim));
    printf("%-52s %9.2fx %8s%.0fx  %s\n", "growth JW305 last / first", g305, "<= ", lim,
           s_met(g305 <= lim));
    printf("%-52s %9.2fx %8s%.0fx  %s\n", "growth JW317 last / first", g317, "<= ", lim,
           s_met(g317 <= lim));
    printf("    state grew %.0fx (%" PRIu64 " -> %" PRIu64 " toewijzingen, %.1f -> %.1f MB); "
           "lookups refused: %zu (0 expected)\n",
           gn, ns[0], ns[last], (double)size_b[0] / 1e6, (double)size_b[last] / 1e6, refused);

    for (size_t i = 0; i < NSTORY; i++) {
        for (size_t s = 0; s < items[i].nslots; s++) {
            *items[i].slots[s].field = NULL; /* the arena never owned our buffers */
        }
        gw_msg_destroy(&items[i].msg);
        free(items[i].xml);
    }
    gw_diag_destroy(&diag);
    gw_codec_destroy(&codec);
    return 0;
}
