/*
 * Codec benchmark. Measures, in one run and on the same corpus of realistic
 * messages (the valid fixtures), messages per second for:
 *   baseline  plain libxml2: xmlReadMemory + xmlSchemaValidateDoc with a cached
 *             compiled schema (what `xmllint --noout --schema` does per file);
 *   pipeline  the gateway's codec: recognise + SAX parse with plugged XSD
 *             validation + typed model + every intra-message rule;
 *   answer    pipeline + build the retourbericht + encode it to XML.
 * and reports pipeline/baseline as a ratio (machines are noisy; ratios are not).
 * Runs alternate A/B several times and take the best round of each.
 *
 * usage: bench_codec [SECONDS-PER-ROUND] (default 1.0)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/retour.h"
#include "gw/rules.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

typedef struct item {
    char *buf;
    size_t len;
    const gw_msgtype_t *type;
    xmlSchemaValidCtxtPtr base_v; /* baseline validation context */
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
    char *b = malloc((size_t)n + 1);
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

static xmlSchemaValidCtxtPtr s_base_v[64];

static xmlSchemaValidCtxtPtr
s_baseline_ctxt(const gw_msgtype_t *t)
{
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (gw_msgtype_at(i) != t) {
            continue;
        }
        if (!s_base_v[i]) {
            char path[1024];
            snprintf(path, sizeof(path), "%s/xsd/%s", GW_SOURCE_DIR, t->xsd);
            xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
            xmlSchemaPtr s = xmlSchemaParse(pc);
            xmlSchemaFreeParserCtxt(pc);
            s_base_v[i] = s ? xmlSchemaNewValidCtxt(s) : NULL;
        }
        return s_base_v[i];
    }
    return NULL;
}

typedef int (*run_fn)(gw_codec_t *codec, const item_t *it);

static int
s_run_baseline(gw_codec_t *codec, const item_t *it)
{
    (void)codec;
    xmlDocPtr doc = xmlReadMemory(it->buf, (int)it->len, NULL, NULL, XML_PARSE_NONET);
    if (!doc) {
        return -1;
    }
    int r = xmlSchemaValidateDoc(it->base_v, doc);
    xmlFreeDoc(doc);
    return r == 0 ? 0 : -1;
}

static gw_diag_t *s_diag;

static int
s_run_pipeline(gw_codec_t *codec, const item_t *it)
{
    gw_msg_t *msg = NULL;
    gw_diag_reset(s_diag);
    if (gw_codec_decode(codec, it->buf, it->len, &msg, NULL, s_diag) != GW_OK || !msg) {
        return -1;
    }
    int rc = gw_rules_run(msg, s_diag, 0);
    gw_msg_destroy(&msg);
    return rc == GW_OK ? 0 : -1;
}

static int
s_run_answer(gw_codec_t *codec, const item_t *it)
{
    gw_msg_t *msg = NULL, *ret = NULL;
    gw_diag_reset(s_diag);
    if (gw_codec_decode(codec, it->buf, it->len, &msg, NULL, s_diag) != GW_OK || !msg) {
        return -1;
    }
    int rc = gw_rules_run(msg, s_diag, 0);
    if (rc == GW_OK && gw_msgtype_answer(msg->type)) {
        gw_retour_opts_t o = {"BENCH0000001", "2026-11-24", NULL};
        rc = gw_retour_build(msg, s_diag, &o, &ret);
        if (rc == GW_OK) {
            char *xml = NULL;
            size_t len = 0;
            rc = gw_codec_encode(ret, &xml, &len, NULL);
            gw_free(xml);
        }
    }
    gw_msg_destroy(&ret);
    gw_msg_destroy(&msg);
    return rc == GW_OK ? 0 : -1;
}

/* Messages per second of fn over the items, for about `secs` seconds. */
static double
s_rate(gw_codec_t *codec, run_fn fn, const item_t *items, size_t n, double secs, size_t *bytes)
{
    size_t done = 0, b = 0;
    double t0 = s_now(), t;
    do {
        for (size_t i = 0; i < n; i++) {
            if (fn(codec, &items[i]) != 0) {
                fprintf(stderr, "bench: a corpus message failed\n");
                exit(1);
            }
            b += items[i].len;
        }
        done += n;
        t = s_now() - t0;
    } while (t < secs);
    if (bytes) {
        *bytes = (size_t)((double)b / t);
    }
    return (double)done / t;
}

static int
s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    if (secs <= 0) {
        secs = 1.0;
    }
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/valid", GW_SOURCE_DIR);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench: cannot open %s\n", dir);
        return 2;
    }
    char *names[256];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 256) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".xml") == 0) {
            names[nn++] = strdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, nn, sizeof(names[0]), s_cmp);

    xmlInitParser();
    /* Compile the baseline's schemas from the files first: gw_codec_new installs a
     * process-wide resource loader that refuses everything but its own schemas. */
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (!s_baseline_ctxt(gw_msgtype_at(i))) {
            fprintf(stderr, "bench: cannot compile %s\n", gw_msgtype_at(i)->xsd);
            return 2;
        }
    }
    gw_codec_t *codec = gw_codec_new(NULL, NULL);
    s_diag = gw_diag_new();
    if (!codec || !s_diag || gw_codec_preload(codec, s_diag) != GW_OK) {
        fprintf(stderr, "bench: cannot set up the codec\n");
        return 2;
    }
    item_t all[256], jw301[8];
    size_t n = 0, n301 = 0, total_bytes = 0;
    for (size_t i = 0; i < nn; i++) {
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        item_t it = {0};
        it.buf = s_read(path, &it.len);
        gw_msg_t *m = NULL;
        gw_diag_reset(s_diag);
        if (!it.buf || gw_codec_decode(codec, it.buf, it.len, &m, &it.type, s_diag) != GW_OK || !m) {
            fprintf(stderr, "bench: %s is not a valid message\n", names[i]);
            return 2;
        }
        gw_msg_destroy(&m);
        it.base_v = s_baseline_ctxt(it.type);
        all[n++] = it;
        total_bytes += it.len;
        if (strcmp(names[i], "jw301.xml") == 0 && n301 < 8) {
            jw301[n301++] = it;
        }
        free(names[i]);
    }
    printf("corpus: %zu valid messages (all 28 types), %zu bytes, mean %zu bytes\n", n,
           total_bytes, total_bytes / n);

    double best_base = 0, best_pipe = 0, best_ans = 0, best_301 = 0, best_301b = 0;
    size_t bps = 0;
    for (int round = 0; round < 3; round++) {
        double r = s_rate(codec, s_run_baseline, all, n, secs, NULL);
        best_base = r > best_base ? r : best_base;
        r = s_rate(codec, s_run_pipeline, all, n, secs, &bps);
        best_pipe = r > best_pipe ? r : best_pipe;
        r = s_rate(codec, s_run_answer, all, n, secs, NULL);
        best_ans = r > best_ans ? r : best_ans;
        if (n301) {
            r = s_rate(codec, s_run_pipeline, jw301, n301, secs, NULL);
            best_301 = r > best_301 ? r : best_301;
            r = s_rate(codec, s_run_baseline, jw301, n301, secs, NULL);
            best_301b = r > best_301b ? r : best_301b;
        }
    }
    printf("baseline  libxml2 parse + XSD validate     %9.0f msg/s\n", best_base);
    printf("pipeline  decode + XSD + rules              %9.0f msg/s  (%.1f MB/s)\n", best_pipe,
           (double)bps / 1e6);
    printf("answer    pipeline + retourbericht + encode %9.0f msg/s\n", best_ans);
    printf("ratio     pipeline / baseline               %9.2f   (target >= 0.80)\n",
           best_pipe / best_base);
    if (n301) {
        printf("JW301     pipeline                          %9.0f msg/s  (target >= 30000; "
               "baseline %.0f, ratio %.2f)\n",
               best_301, best_301b, best_301 / best_301b);
    }
    gw_diag_destroy(&s_diag);
    gw_codec_destroy(&codec);
    for (size_t i = 0; i < n; i++) {
        free(all[i].buf);
    }
    return 0;
}
