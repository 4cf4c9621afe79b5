/*
 * Retourbericht builder (spec §1.5, IV028/IV032, IV087/IV088). It sits at the
 * end of the message flow: after decode and the rule checks, the findings in a
 * gw_diag_t are turned into the answer the standard prescribes for the
 * heenbericht (outgoing message): a 302/306/308/316/318/320 for a
 * 301/305/307/315/317/319, or the 325 declaratie-antwoord for a 323.
 *
 * The heen model is first indexed: every struct in it gets a node that names
 * the berichtklasse (message class) whose RetourCodes report on it, so a
 * finding may point at a class or at anything inside one (an Omvang, a
 * Product). Copies are made from the field tables of codec_tables.h, so a new
 * element in a message needs no change here. The retour lives in its own arena
 * and shares nothing with the heen or the diagnostics.
 *
 * Where the spec leaves room, this file decides:
 * - Precedence: level 2 beats level 3/4; a level-3/4 finding on the Header
 *   beats findings on classes (header-only retour or 325, the class codes are
 *   dropped); in a 323 a finding on the Declaratie beats findings below it.
 * - A finding on a struct inside a class (Omvang, Product, IngediendBedrag,
 *   the Header's BerichtIdentificatie) counts for that class.
 * - A level-3/4 finding without a well-formed retourcode, or whose cls is not
 *   part of heen, breaks the caller's contract: GW_EINVAL.
 * - A partly rejected 323 whose TotaalIngediendBedrag is not the sum of its
 *   prestaties (TR358, a level-2 rule the caller did not report) admits no
 *   325 that satisfies TR342, so it gets the level-2 answer (Header 0001).
 * - A 325 rejected on the Declaratie lists no Clienten (IV088), although
 *   TR342 then only holds for a TotaalIngediendBedrag of 0.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec_tables.h"
#include "gw/alloc.h"
#include "gw/arena.h"
#include "gw/retour.h"

#define S_HEADER ((size_t)-1) /* owner: the Header (also the root Bericht) */
#define S_NONE ((size_t)-2)   /* diag entry that places no code (level 2, 5) */
#define S_ID_MAX 12           /* LDT_IdentificatieBericht maxLength */
#define S_TOTAAL_MAX INT64_C(999999999999) /* LDT_TotaalBedrag maxInclusive */

/* One struct of the heen model. */
typedef struct gw_retour_node {
    const void *src;            /* the struct in the heen model */
    const gw_node_type_t *type; /* its field table */
    size_t owner;               /* node of the class whose RetourCodes report on it, or S_HEADER */
    void *dst;                  /* its copy in the retour (body copies only), else NULL */
    size_t first;               /* first diag entry placed on this node as owner, or SIZE_MAX */
} gw_retour_node_t;

/* Address of a node, for lookups by the cls pointer of a finding. */
typedef struct gw_retour_addr {
    const void *src; /* heen struct */
    size_t node;     /* index in nodes */
} gw_retour_addr_t;

typedef struct gw_retour_ctx {
    const gw_msg_t *heen;         /* borrowed */
    const gw_diag_t *diag;        /* borrowed, may be NULL */
    const gw_retour_opts_t *opts; /* borrowed, never NULL (defaults substituted) */
    const gw_msgtype_t *ans;      /* type of the answer */
    gw_arena_t *arena;            /* the answer's arena */
    gw_retour_node_t *nodes;      /* every struct of heen, in walk order (heap) */
    size_t n;                     /* used */
    size_t cap;                   /* allocated */
    gw_retour_addr_t *addr;       /* nodes sorted by src (heap) */
    size_t body;                  /* node index of the body root (Client, Antwoord, Declaratie) */
    size_t ndiag;                 /* entries in diag */
    size_t *next;                 /* per diag entry: next entry with the same owner (heap) */
    size_t header_first;          /* first level-3/4 entry placed on the Header, or SIZE_MAX */
    int content;                  /* a level-2 finding is present */
    int cross;                    /* a level-3/4 finding is present */
} gw_retour_ctx_t;

/* ---- small helpers ---- */

static const gw_node_field_t *
s_field(const gw_node_type_t *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->f[i].name, name) == 0) {
            return &t->f[i];
        }
    }
    return NULL;
}

/* The RetourCodes field of a class, or NULL when the class carries none. */
static const gw_node_field_t *
s_rc_field(const gw_node_type_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->f[i].kind == GW_N_TEXTS && (t->f[i].flags & GW_NF_RETOUR)) {
            return &t->f[i];
        }
    }
    return NULL;
}

static GW_NODISCARD int
s_strdup(gw_retour_ctx_t *ctx, const char *s, const char **out)
{
    *out = NULL;
    if (!s) {
        return GW_OK;
    }
    char *c = gw_arena_strdup(ctx->arena, s);
    if (!c) {
        return GW_ENOMEM;
    }
    *out = c;
    return GW_OK;
}

static void *
s_alloc(gw_retour_ctx_t *ctx, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        return NULL;
    }
    return gw_arena_alloc(ctx->arena, n * size);
}

/* A code list with one entry. */
static GW_NODISCARD int
s_codes1(gw_retour_ctx_t *ctx, gw_codes_t *codes, const char *code)
{
    const char **v = s_alloc(ctx, 1, sizeof(*v));
    if (!v || s_strdup(ctx, code, &v[0]) != GW_OK) {
        return GW_ENOMEM;
    }
    codes->v = v;
    codes->n = 1;
    return GW_OK;
}

/* The codes of the findings chained from first (deduplicated, in order of
 * appearance); dflt when there are none. */
static GW_NODISCARD int
s_codes(gw_retour_ctx_t *ctx, size_t first, const char *dflt, gw_codes_t *codes)
{
    size_t k = 0;
    for (size_t d = first; d != SIZE_MAX; d = ctx->next[d]) {
        k++;
    }
    if (k == 0) {
        return dflt ? s_codes1(ctx, codes, dflt) : GW_OK;
    }
    const char **v = s_alloc(ctx, k, sizeof(*v));
    if (!v) {
        return GW_ENOMEM;
    }
    size_t n = 0;
    for (size_t d = first; d != SIZE_MAX; d = ctx->next[d]) {
        const char *code = gw_diag_at(ctx->diag, d)->retourcode;
        int dup = 0;
        for (size_t i = 0; i < n && !dup; i++) {
            dup = strcmp(v[i], code) == 0;
        }
        if (!dup) {
            if (s_strdup(ctx, code, &v[n]) != GW_OK) {
                return GW_ENOMEM;
            }
            n++;
        }
    }
    codes->v = v;
    codes->n = n;
    return GW_OK;
}

/* ---- index of the heen model ---- */

static GW_NODISCARD int
s_push(gw_retour_ctx_t *ctx, const void *src, const gw_node_type_t *t, size_t owner, size_t *idx)
{
    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 64;
        if (cap > SIZE_MAX / 4 / sizeof(*ctx->nodes)) {
            return GW_ENOMEM;
        }
        gw_retour_node_t *v = gw_realloc(ctx->nodes, cap * sizeof(*v));
        if (!v) {
            return GW_ENOMEM;
        }
        ctx->nodes = v;
        ctx->cap = cap;
    }
    *idx = ctx->n++;
    ctx->nodes[*idx] = (gw_retour_node_t){src, t, owner, NULL, SIZE_MAX};
    return GW_OK;
}

/* Record src and everything below it. A struct whose table has RetourCodes,
 * or the body root (force), is a class and owns what lies below it. */
static GW_NODISCARD int
s_index(gw_retour_ctx_t *ctx, const gw_node_type_t *t, const void *src, size_t owner, int force,
        size_t *idx_out)
{
    size_t self = 0;
    int rc = s_push(ctx, src, t, owner, &self);
    if (rc != GW_OK) {
        return rc;
    }
    if (force || s_rc_field(t)) {
        owner = self;
        ctx->nodes[self].owner = self;
    }
    if (idx_out) {
        *idx_out = self;
    }
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        if (!gw_field_applies(f, ctx->heen->type)) {
            continue;
        }
        const char *p = (const char *)src + f->off;
        if (f->kind == GW_N_ONE) {
            const void *child = *(const void *const *)p;
            if (child) {
                rc = s_index(ctx, f->type, child, owner, 0, NULL);
            }
        } else if (f->kind == GW_N_MANY) {
            const gw_list_t *l = (const gw_list_t *)p;
            for (size_t j = 0; j < l->n && rc == GW_OK; j++) {
                rc = s_index(ctx, f->type, (const char *)l->v + j * f->type->size, owner, 0, NULL);
            }
        }
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

static int
s_addr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const gw_retour_addr_t *)a)->src;
    uintptr_t y = (uintptr_t)((const gw_retour_addr_t *)b)->src;
    return x < y ? -1 : x > y;
}

/* Node of the struct at src, or SIZE_MAX when src is not part of heen. */
static size_t
s_find(const gw_retour_ctx_t *ctx, const void *src)
{
    gw_retour_addr_t key = {src, 0};
    const gw_retour_addr_t *hit = bsearch(&key, ctx->addr, ctx->n, sizeof(key), s_addr_cmp);
    return hit ? hit->node : SIZE_MAX;
}

static int
s_code_ok(const char *c)
{
    if (strlen(c) != 4) {
        return 0;
    }
    for (int i = 0; i < 4; i++) {
        if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'A' && c[i] <= 'Z'))) {
            return 0;
        }
    }
    return 1;
}

/* Index heen, then place every level-3/4 finding on its class (or the Header).
 * A finding whose cls is not part of heen, or a level-3/4 finding without a
 * (well-formed) retourcode, breaks the contract: GW_EINVAL. */
static GW_NODISCARD int
s_prepare(gw_retour_ctx_t *ctx)
{
    const gw_node_type_t *root = ctx->heen->type->root;
    const gw_bericht_t *b = ctx->heen->bericht;
    size_t root_idx = 0;
    int rc = s_push(ctx, b, root, S_HEADER, &root_idx);
    if (rc != GW_OK) {
        return rc;
    }
    const gw_node_field_t *fh = s_field(root, "Header");
    const gw_node_field_t *fb = &root->f[root->n - 1]; /* the body: Client, Antwoord, Declaratie */
    if (!fh || fb == fh) {
        return GW_EINVAL;
    }
    rc = s_index(ctx, fh->type, b->Header, S_HEADER, 0, NULL);
    if (rc != GW_OK) {
        return rc;
    }
    const void *body = *(const void *const *)((const char *)b + fb->off);
    ctx->body = SIZE_MAX;
    if (body) {
        rc = s_index(ctx, fb->type, body, S_HEADER, 1, &ctx->body);
        if (rc != GW_OK) {
            return rc;
        }
    }

    ctx->addr = gw_calloc(ctx->n, sizeof(*ctx->addr));
    if (!ctx->addr) {
        return GW_ENOMEM;
    }
    for (size_t i = 0; i < ctx->n; i++) {
        ctx->addr[i] = (gw_retour_addr_t){ctx->nodes[i].src, i};
    }
    qsort(ctx->addr, ctx->n, sizeof(*ctx->addr), s_addr_cmp);

    ctx->header_first = SIZE_MAX;
    ctx->ndiag = ctx->diag ? gw_diag_count(ctx->diag) : 0;
    if (ctx->ndiag == 0) {
        return GW_OK;
    }
    ctx->next = gw_calloc(ctx->ndiag, sizeof(*ctx->next));
    if (!ctx->next) {
        return GW_ENOMEM;
    }
    /* Walk backwards and push to the front, so each chain is in order of appearance. */
    for (size_t d = ctx->ndiag; d-- > 0;) {
        const gw_diag_entry_t *e = gw_diag_at(ctx->diag, d);
        ctx->next[d] = SIZE_MAX;
        if (e->level == GW_LEVEL_CONTENT) {
            ctx->content = 1;
            continue;
        }
        if (e->level != GW_LEVEL_CROSS && e->level != GW_LEVEL_EXTERNAL) {
            continue; /* warnings place nothing; levels 0/1 were refused before */
        }
        if (!s_code_ok(e->retourcode)) {
            return GW_EINVAL;
        }
        size_t owner = S_HEADER;
        if (e->cls) {
            size_t node = s_find(ctx, e->cls);
            if (node == SIZE_MAX) {
                return GW_EINVAL;
            }
            owner = ctx->nodes[node].owner;
        }
        ctx->cross = 1;
        size_t *head = owner == S_HEADER ? &ctx->header_first : &ctx->nodes[owner].first;
        ctx->next[d] = *head;
        *head = d;
    }
    return GW_OK;
}

/* ---- table-driven deep copy ---- */

/* Copy src (a t) into the zeroed dst. With track, record dst on the nodes in
 * walk order (*k is the next node), which is the order s_index used. */
static GW_NODISCARD int
s_copy(gw_retour_ctx_t *ctx, const gw_node_type_t *t, const void *src, void *dst, size_t *k)
{
    if (k) {
        assert(*k < ctx->n && ctx->nodes[*k].src == src);
        ctx->nodes[(*k)++].dst = dst;
    }
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        if (!gw_field_applies(f, ctx->heen->type)) {
            continue; /* RetourCodes are not in a heen; they are placed afterwards */
        }
        const char *s = (const char *)src + f->off;
        char *d = (char *)dst + f->off;
        int rc = GW_OK;
        switch ((gw_node_kind_t)f->kind) {
        case GW_N_TEXT:
            rc = s_strdup(ctx, *(const char *const *)s, (const char **)d);
            break;
        case GW_N_TEXTS: {
            const gw_codes_t *sl = (const gw_codes_t *)s;
            gw_codes_t *dl = (gw_codes_t *)d;
            if (sl->n) {
                const char **v = s_alloc(ctx, sl->n, sizeof(*v));
                if (!v) {
                    return GW_ENOMEM;
                }
                for (size_t j = 0; j < sl->n && rc == GW_OK; j++) {
                    rc = s_strdup(ctx, sl->v[j], &v[j]);
                }
                dl->v = v;
                dl->n = sl->n;
            }
            break;
        }
        case GW_N_ONE: {
            const void *child = *(const void *const *)s;
            if (child) {
                void *c = s_alloc(ctx, 1, f->type->size);
                if (!c) {
                    return GW_ENOMEM;
                }
                rc = s_copy(ctx, f->type, child, c, k);
                *(void **)d = c;
            }
            break;
        }
        case GW_N_MANY: {
            const gw_list_t *sl = (const gw_list_t *)s;
            gw_list_t *dl = (gw_list_t *)d;
            if (sl->n) {
                char *v = s_alloc(ctx, sl->n, f->type->size);
                if (!v) {
                    return GW_ENOMEM;
                }
                for (size_t j = 0; j < sl->n && rc == GW_OK; j++) {
                    rc = s_copy(ctx, f->type, (const char *)sl->v + j * f->type->size,
                                v + j * f->type->size, k);
                }
                dl->v = v;
                dl->n = sl->n;
            }
            break;
        }
        }
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

/* A fresh copy of src (a t), untracked. */
static GW_NODISCARD int
s_dup(gw_retour_ctx_t *ctx, const gw_node_type_t *t, const void *src, void **out)
{
    *out = NULL;
    if (!src) {
        return GW_OK;
    }
    void *c = s_alloc(ctx, 1, t->size);
    if (!c) {
        return GW_ENOMEM;
    }
    int rc = s_copy(ctx, t, src, c, NULL);
    if (rc == GW_OK) {
        *out = c;
    }
    return rc;
}

/* ---- header fields we generate ---- */

static atomic_uint_fast64_t s_id_counter;

static uint64_t
s_mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static void
s_base36(uint64_t v, char *out, int width)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = width - 1; i >= 0; i--) {
        out[i] = digits[v % 36];
        v /= 36;
    }
}

/* A 12-character identification: 7 base-36 digits from a hash of the clock
 * (ns) and the process id, then 5 from a per-process counter. Two calls in one
 * process differ unless 36^5 (60 million) calls lie between them, and then
 * the clock part differs too. */
static void
s_make_id(char out[S_ID_MAX + 1])
{
    struct timespec ts = {0, 0};
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t count = (uint64_t)atomic_fetch_add(&s_id_counter, 1);
    uint64_t t = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
    uint64_t h = s_mix64(t ^ ((uint64_t)getpid() << 40) ^ (count << 20));
    s_base36(h % UINT64_C(78364164096), out, 7); /* 36^7 */
    s_base36(count % UINT64_C(60466176), out + 7, 5); /* 36^5 */
    out[S_ID_MAX] = '\0';
}

/* Today's local date as YYYY-MM-DD. */
static void
s_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!localtime_r(&now, &tm)) {
        (void)gmtime_r(&now, &tm);
    }
    if (strftime(out, 11, "%Y-%m-%d", &tm) != 10) {
        memcpy(out, "1970-01-01", 11); /* a year beyond 9999: not representable */
    }
}

/* Identification and date: the caller's, or generated. */
static GW_NODISCARD int
s_id_and_date(gw_retour_ctx_t *ctx, const char **id, const char **date)
{
    char idbuf[S_ID_MAX + 1];
    char datebuf[11];
    const char *i = ctx->opts->identificatie;
    const char *d = ctx->opts->dagtekening;
    if (!i) {
        s_make_id(idbuf);
        i = idbuf;
    }
    if (!d) {
        s_today(datebuf);
        d = datebuf;
    }
    if (s_strdup(ctx, i, id) != GW_OK || s_strdup(ctx, d, date) != GW_OK) {
        return GW_ENOMEM;
    }
    return GW_OK;
}

static GW_NODISCARD int
s_xsd_versie(gw_retour_ctx_t *ctx, gw_xsd_versie_t **out)
{
    const char *v = gw_msgtype_xsd_version(ctx->ans);
    gw_xsd_versie_t *x = s_alloc(ctx, 1, sizeof(*x));
    if (!x || s_strdup(ctx, v, &x->BasisschemaXsdVersie) != GW_OK ||
        s_strdup(ctx, v, &x->BerichtXsdVersie) != GW_OK) {
        return GW_ENOMEM;
    }
    *out = x;
    return GW_OK;
}

/* ---- 302/306/308/316/318/320 ---- */

/* Give every copied class its RetourCodes: its findings' codes, else 0200. */
static GW_NODISCARD int
s_place_class_codes(gw_retour_ctx_t *ctx)
{
    for (size_t i = 0; i < ctx->n; i++) {
        gw_retour_node_t *nd = &ctx->nodes[i];
        if (nd->owner != i || !nd->dst) {
            continue;
        }
        const gw_node_field_t *f = s_rc_field(nd->type);
        if (!f || !gw_field_applies(f, ctx->ans)) {
            continue;
        }
        int rc = s_codes(ctx, nd->first, "0200", (gw_codes_t *)((char *)nd->dst + f->off));
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

static GW_NODISCARD int
s_build_retour(gw_retour_ctx_t *ctx, gw_bericht_t *out)
{
    const gw_node_type_t *root = ctx->heen->type->root;
    const gw_bericht_t *in = ctx->heen->bericht;
    gw_header_t *h = NULL;

    /* Header: every heen field unchanged (Afzender/Ontvanger not swapped). */
    int rc = s_dup(ctx, s_field(root, "Header")->type, in->Header, (void **)&h);
    if (rc != GW_OK) {
        return rc;
    }
    out->Header = h;
    if (s_strdup(ctx, ctx->ans->berichtcode, &h->BerichtCode) != GW_OK) {
        return GW_ENOMEM;
    }
    rc = s_id_and_date(ctx, &h->IdentificatieRetour, &h->DagtekeningRetour);
    if (rc == GW_OK) {
        rc = s_strdup(ctx, ctx->opts->xslt_versie, &h->XsltVersie);
    }
    if (rc == GW_OK) {
        rc = s_xsd_versie(ctx, &h->XsdVersieRetour);
    }
    if (rc != GW_OK) {
        return rc;
    }

    if (ctx->content) {
        return s_codes1(ctx, &h->RetourCode, "0001"); /* level 2: header only */
    }
    if (!ctx->cross) {
        return GW_OK; /* accepted: header only, no RetourCodes */
    }
    if (ctx->header_first != SIZE_MAX) {
        return s_codes(ctx, ctx->header_first, NULL, &h->RetourCode);
    }

    /* Findings on classes: the whole body, every class with a RetourCode. */
    rc = s_codes1(ctx, &h->RetourCode, "0200");
    if (rc != GW_OK) {
        return rc;
    }
    const gw_node_field_t *fb = &root->f[root->n - 1];
    const gw_retour_node_t *bn = &ctx->nodes[ctx->body];
    void *body = s_alloc(ctx, 1, fb->type->size);
    if (!body) {
        return GW_ENOMEM;
    }
    size_t k = ctx->body;
    rc = s_copy(ctx, fb->type, bn->src, body, &k);
    if (rc != GW_OK) {
        return rc;
    }
    *(void **)((char *)out + fb->off) = body;
    return s_place_class_codes(ctx);
}

/* ---- 325 ---- */

/* Signed value of an amount: D adds, C subtracts. */
static GW_NODISCARD int
s_amount(const gw_bedrag_t *b, int totaal, int64_t *out)
{
    if (!b || !b->DebetCredit) {
        return GW_EINVAL;
    }
    int64_t v = 0;
    int rc = gw_model_int(totaal ? b->TotaalBedrag : b->Bedrag, &v);
    if (rc != GW_OK || v < 0 || v > S_TOTAAL_MAX) {
        return GW_EINVAL;
    }
    const char *dc = b->DebetCredit;
    while (*dc == ' ' || *dc == '\t' || *dc == '\r' || *dc == '\n') {
        dc++;
    }
    if (dc[0] == 'C') {
        v = -v;
    } else if (dc[0] != 'D') {
        return GW_EINVAL;
    }
    *out = v;
    return GW_OK;
}

/* Amounts are bounded by LDT_TotaalBedrag, so sums of up to 2^23 of them stay
 * far inside int64; the check keeps it so for any count. */
static GW_NODISCARD int
s_add(int64_t *acc, int64_t v)
{
    if ((v > 0 && *acc > INT64_MAX - v) || (v < 0 && *acc < INT64_MIN - v)) {
        return GW_EINVAL;
    }
    *acc += v;
    return GW_OK;
}

/* CDT_TotaalBedragMetDC for a signed value: negative as a positive C amount,
 * zero as D (CS325). */
static GW_NODISCARD int
s_totaal(gw_retour_ctx_t *ctx, int64_t v, gw_bedrag_t **out)
{
    if (v > S_TOTAAL_MAX || v < -S_TOTAAL_MAX) {
        return GW_EINVAL;
    }
    gw_bedrag_t *b = s_alloc(ctx, 1, sizeof(*b));
    char *s = gw_arena_printf(ctx->arena, "%" PRId64, v < 0 ? -v : v);
    if (!b || !s || s_strdup(ctx, v < 0 ? "C" : "D", &b->DebetCredit) != GW_OK) {
        return GW_ENOMEM;
    }
    b->TotaalBedrag = s;
    *out = b;
    return GW_OK;
}

static GW_NODISCARD int
s_build_325_header(gw_retour_ctx_t *ctx, gw_bericht_t *out)
{
    const gw_node_type_t *root = ctx->heen->type->root;
    const gw_header_t *in = ctx->heen->bericht->Header;
    const gw_node_type_t *th = s_field(root, "Header")->type;
    const gw_node_type_t *tbi = s_field(th, "BerichtIdentificatie")->type;
    const gw_node_type_t *txv = s_field(th, "XsdVersie")->type;
    gw_header_t *h = s_alloc(ctx, 1, sizeof(*h));
    gw_bericht_identificatie_t *bi = s_alloc(ctx, 1, sizeof(*bi));
    if (!h || !bi) {
        return GW_ENOMEM;
    }
    out->Header = h;
    h->BerichtIdentificatie = bi;
    int rc = GW_OK;
    if (s_strdup(ctx, ctx->ans->berichtcode, &h->BerichtCode) != GW_OK ||
        s_strdup(ctx, "3", &h->BerichtVersie) != GW_OK ||
        s_strdup(ctx, "2", &h->BerichtSubversie) != GW_OK ||
        s_strdup(ctx, in->Ontvanger, &h->Afzender) != GW_OK ||
        s_strdup(ctx, in->Afzender, &h->Ontvanger) != GW_OK ||
        s_strdup(ctx, ctx->opts->xslt_versie, &h->XsltVersie) != GW_OK) {
        return GW_ENOMEM;
    }
    rc = s_id_and_date(ctx, &bi->Identificatie, &bi->Dagtekening);
    if (rc == GW_OK) {
        rc = s_xsd_versie(ctx, &h->XsdVersie);
    }
    if (rc == GW_OK) {
        rc = s_dup(ctx, tbi, in->BerichtIdentificatie, (void **)&h->DeclaratieIdentificatie);
    }
    if (rc == GW_OK) {
        rc = s_dup(ctx, txv, in->XsdVersie, (void **)&h->XsdVersieDeclaratie);
    }
    return rc;
}

/* List one client of a partly rejected 323 in da (or not), and add its
 * prestaties to the listed or the approved sum. da->Client.v has room. */
static GW_NODISCARD int
s_325_client(gw_retour_ctx_t *ctx, const gw_client_t *c, const gw_node_type_t *tp,
             gw_declaratie_t *da, int64_t *listed, int64_t *approved)
{
    size_t cn = s_find(ctx, c);
    assert(cn != SIZE_MAX);
    int client_fails = ctx->nodes[cn].first != SIZE_MAX;
    size_t nfail = 0;
    for (size_t j = 0; j < c->Prestatie.n; j++) {
        size_t pn = s_find(ctx, &c->Prestatie.v[j]);
        assert(pn != SIZE_MAX);
        int fails = client_fails || ctx->nodes[pn].first != SIZE_MAX;
        int64_t v = 0;
        int rc = s_amount(c->Prestatie.v[j].IngediendBedrag, 0, &v);
        if (rc == GW_OK) {
            rc = s_add(fails ? listed : approved, v);
        }
        if (rc != GW_OK) {
            return rc;
        }
        nfail += (size_t)fails;
    }
    if (nfail == 0 && !client_fails) {
        return GW_OK; /* approved clients are not listed (TR342, OP304) */
    }

    gw_client_t *oc = &da->Client.v[da->Client.n++];
    int rc = s_strdup(ctx, c->Bsn, &oc->Bsn);
    if (rc != GW_OK) {
        return rc;
    }
    rc = s_codes(ctx, ctx->nodes[cn].first, "0200", &oc->RetourCode);
    if (rc != GW_OK) {
        return rc;
    }
    if (nfail) {
        oc->Prestatie.v = s_alloc(ctx, nfail, sizeof(*oc->Prestatie.v));
        if (!oc->Prestatie.v) {
            return GW_ENOMEM;
        }
    }
    for (size_t j = 0; j < c->Prestatie.n; j++) {
        size_t pn = s_find(ctx, &c->Prestatie.v[j]);
        if (!client_fails && ctx->nodes[pn].first == SIZE_MAX) {
            continue;
        }
        gw_prestatie_t *op = &oc->Prestatie.v[oc->Prestatie.n++];
        rc = s_copy(ctx, tp, &c->Prestatie.v[j], op, NULL);
        if (rc == GW_OK) {
            /* A failing client's prestaties are not assessed: 0233. */
            rc = client_fails ? s_codes1(ctx, &op->RetourCode, "0233")
                              : s_codes(ctx, ctx->nodes[pn].first, NULL, &op->RetourCode);
        }
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

static GW_NODISCARD int
s_build_325(gw_retour_ctx_t *ctx, gw_bericht_t *out)
{
    const gw_declaratie_t *decl = ctx->heen->bericht->Declaratie;
    int rc = s_build_325_header(ctx, out);
    if (rc != GW_OK) {
        return rc;
    }
    gw_header_t *h = out->Header;
    if (ctx->content) {
        return s_codes1(ctx, &h->RetourCode, "0001"); /* level 2: the 323 counts as not sent */
    }
    if (ctx->header_first != SIZE_MAX) {
        return s_codes(ctx, ctx->header_first, NULL, &h->RetourCode);
    }
    if (!decl) {
        return GW_EINVAL;
    }

    const gw_node_type_t *td = ctx->nodes[ctx->body].type;
    const gw_node_type_t *tt = s_field(td, "TotaalIngediendBedrag")->type;
    const gw_node_type_t *tc = s_field(td, "Client")->type;
    const gw_node_type_t *tp = s_field(tc, "Prestatie")->type;
    gw_declaratie_t *da = s_alloc(ctx, 1, sizeof(*da));
    if (!da) {
        return GW_ENOMEM;
    }
    rc = s_strdup(ctx, decl->DeclaratieNummer, &da->DeclaratieNummer);
    if (rc == GW_OK) {
        rc = s_dup(ctx, tt, decl->TotaalIngediendBedrag, (void **)&da->TotaalIngediendBedrag);
    }
    if (rc != GW_OK) {
        return rc;
    }

    if (!ctx->cross) {
        /* Fully approved: Toegekend = Ingediend, 8001, no Clienten. */
        rc = s_dup(ctx, tt, decl->TotaalIngediendBedrag, (void **)&da->TotaalToegekendBedrag);
        if (rc == GW_OK) {
            rc = s_codes1(ctx, &da->RetourCode, "8001");
        }
    } else if (ctx->nodes[ctx->body].first != SIZE_MAX) {
        /* Rejected as a whole: the Declaratie's codes, nothing granted. */
        rc = s_totaal(ctx, 0, &da->TotaalToegekendBedrag);
        if (rc == GW_OK) {
            rc = s_codes(ctx, ctx->nodes[ctx->body].first, NULL, &da->RetourCode);
        }
    } else {
        /* Partly rejected: only failing clients and prestaties are listed. */
        int64_t totaal = 0, listed = 0, approved = 0;
        rc = s_amount(decl->TotaalIngediendBedrag, 1, &totaal);
        if (rc != GW_OK) {
            return rc;
        }
        if (decl->Client.n) {
            da->Client.v = s_alloc(ctx, decl->Client.n, sizeof(*da->Client.v));
            if (!da->Client.v) {
                return GW_ENOMEM;
            }
        }
        for (size_t i = 0; i < decl->Client.n && rc == GW_OK; i++) {
            rc = s_325_client(ctx, &decl->Client.v[i], tp, da, &listed, &approved);
        }
        if (rc != GW_OK) {
            return rc;
        }
        if (listed + approved != totaal) {
            /* The 323 breaks TR358 (a level-2 rule): no 325 can satisfy TR342,
             * and the standard's answer is the level-2 one. */
            return s_codes1(ctx, &h->RetourCode, "0001");
        }
        rc = s_totaal(ctx, approved, &da->TotaalToegekendBedrag);
        if (rc == GW_OK) {
            rc = s_codes1(ctx, &da->RetourCode, "0200");
        }
    }
    if (rc != GW_OK) {
        return rc;
    }
    out->DeclaratieAntwoord = da;
    return s_codes1(ctx, &h->RetourCode, "0200");
}

/* ---- entry point ---- */

static int
s_opts_ok(const gw_retour_opts_t *o)
{
    int32_t days = 0;
    if (o->identificatie) {
        size_t n = strlen(o->identificatie);
        if (n == 0 || n > S_ID_MAX || strspn(o->identificatie, " \t\r\n") == n) {
            return 0;
        }
    }
    if (o->dagtekening &&
        (strlen(o->dagtekening) != 10 || gw_model_date(o->dagtekening, &days) != GW_OK)) {
        return 0;
    }
    if (o->xslt_versie && o->xslt_versie[0] == '\0') {
        return 0;
    }
    return 1;
}

int
gw_retour_build(const gw_msg_t *heen, const gw_diag_t *diag, const gw_retour_opts_t *opts,
                gw_msg_t **out)
{
    static const gw_retour_opts_t no_opts = {NULL, NULL, NULL};
    gw_retour_ctx_t ctx;
    gw_msg_t *msg = NULL;
    int rc = GW_EINVAL;

    memset(&ctx, 0, sizeof(ctx));
    if (!out) {
        return GW_EINVAL;
    }
    *out = NULL;
    if (!heen || !heen->type || !heen->bericht || !heen->bericht->Header ||
        heen->type->kind != GW_KIND_HEEN) {
        return GW_EINVAL;
    }
    if (diag && gw_diag_answer(diag) == GW_ANSWER_ERROR) {
        return GW_EINVAL; /* level 0/1: no retourbericht, an error to the sender */
    }
    if (!opts) {
        opts = &no_opts;
    }
    if (!s_opts_ok(opts)) {
        return GW_EINVAL;
    }
    ctx.heen = heen;
    ctx.diag = diag;
    ctx.opts = opts;
    ctx.ans = gw_msgtype_answer(heen->type);
    if (!ctx.ans) {
        goto fail;
    }
    rc = s_prepare(&ctx);
    if (rc != GW_OK) {
        goto fail;
    }
    msg = gw_msg_new(ctx.ans);
    if (!msg) {
        rc = GW_ENOMEM;
        goto fail;
    }
    ctx.arena = msg->arena;
    if (!msg->bericht) {
        msg->bericht = gw_arena_alloc(msg->arena, sizeof(*msg->bericht));
        if (!msg->bericht) {
            rc = GW_ENOMEM;
            goto fail;
        }
    }
    if (ctx.ans->kind == GW_KIND_DECL_ANTWOORD) {
        rc = s_build_325(&ctx, msg->bericht);
    } else {
        rc = s_build_retour(&ctx, msg->bericht);
    }
    if (rc != GW_OK) {
        goto fail;
    }
    gw_free(ctx.next);
    gw_free(ctx.addr);
    gw_free(ctx.nodes);
    *out = msg;
    return GW_OK;

fail:
    gw_msg_destroy(&msg);
    gw_free(ctx.next);
    gw_free(ctx.addr);
    gw_free(ctx.nodes);
    return rc;
}
