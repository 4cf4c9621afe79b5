/* The party key registry (gw_partykeys.h): a sorted array of (key, party), searched by bsearch. */
#include "gw_partykeys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gw/alloc.h"
#include "gw/log.h"

typedef struct ring_entry {
    char key[GW_KEY_Z85_LEN + 1]; /* Z85 public key */
    char party[65];               /* owning party code */
    int line;                     /* line in its .pub file */
} ring_entry_t;

struct gw_partykeys {
    ring_entry_t *v; /* sorted by key */
    size_t n, cap;
    size_t keyless; /* parties without a key file */
};

typedef struct ring_load {
    gw_partykeys_t *ring;
    const char *party;
    int oom;
} ring_load_t;

static int
s_add(void *arg, const char *z85, int line)
{
    ring_load_t *l = arg;
    gw_partykeys_t *r = l->ring;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        ring_entry_t *v = gw_realloc(r->v, cap * sizeof(*v));
        if (!v) {
            l->oom = 1;
            return 1;
        }
        r->v = v;
        r->cap = cap;
    }
    ring_entry_t *e = &r->v[r->n++];
    memset(e, 0, sizeof(*e));
    memcpy(e->key, z85, GW_KEY_Z85_LEN);
    snprintf(e->party, sizeof(e->party), "%s", l->party);
    e->line = line;
    return 0;
}

static int
s_cmp(const void *a, const void *b)
{
    const ring_entry_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->party, y->party);
}

/* Append a line to the heap error text. */
static void
s_append(char **errs, const char *line)
{
    size_t a = *errs ? strlen(*errs) : 0, b = strlen(line);
    char *n = gw_realloc(*errs, a + b + 2);
    if (!n) {
        return;
    }
    if (a) {
        n[a++] = '\n';
    }
    memcpy(n + a, line, b + 1);
    *errs = n;
}

gw_partykeys_t *
gw_partykeys_load(const gw_config_t *cfg, char **err)
{
    char *errs = NULL;
    if (err) {
        *err = NULL;
    }
    gw_partykeys_t *r = gw_calloc(1, sizeof(*r));
    if (!r) {
        goto oom;
    }
    struct stat st;
    int missing = stat(cfg->party_keys, &st) != 0;
    if (missing || !S_ISDIR(st.st_mode)) {
        char line[1400];
        snprintf(line, sizeof(line),
                 "%s: party_keys %s: %s (create it and put each party's CODE.pub in it; "
                 "ijwctl keygen -o DIR CODE makes a key pair)",
                 cfg->path ? cfg->path : "<config>", cfg->party_keys,
                 missing ? "no such directory" : "not a directory");
        s_append(&errs, line);
    }
    for (size_t i = 0; i < cfg->nparties; i++) {
        char path[1200];
        snprintf(path, sizeof(path), "%s/%s.pub", cfg->party_keys, cfg->parties[i].code);
        ring_load_t l = {.ring = r, .party = cfg->parties[i].code};
        char *ferr = NULL;
        int rc = gw_keys_scan(path, s_add, &l, &ferr);
        if (l.oom) {
            gw_free(ferr);
            goto oom;
        }
        if (rc == GW_EIO && errno == ENOENT) {
            r->keyless++;
            gw_log(GW_LOG_WARN, "party_without_key", "party=%s file=%s", cfg->parties[i].code,
                   path);
        } else if (rc != GW_OK) {
            s_append(&errs, ferr ? ferr : path);
        }
        gw_free(ferr);
    }
    if (r->n > 1) {
        qsort(r->v, r->n, sizeof(r->v[0]), s_cmp);
    }
    /* A key in two parties: the one identity a key maps to would be ambiguous. */
    size_t out = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (out > 0 && strcmp(r->v[out - 1].key, r->v[i].key) == 0) {
            if (strcmp(r->v[out - 1].party, r->v[i].party) != 0) {
                char line[2800];
                snprintf(line, sizeof(line),
                         "%s/%s.pub:%d: this public key is also registered for party %s "
                         "(%s/%s.pub:%d); a key belongs to exactly one party",
                         cfg->party_keys, r->v[i].party, r->v[i].line, r->v[out - 1].party,
                         cfg->party_keys, r->v[out - 1].party, r->v[out - 1].line);
                s_append(&errs, line);
            }
            continue; /* the same key twice for one party: harmless */
        }
        r->v[out++] = r->v[i];
    }
    r->n = out;
    if (errs) {
        if (err) {
            *err = errs;
        } else {
            gw_free(errs);
        }
        gw_partykeys_destroy(&r);
        return NULL;
    }
    return r;
oom:
    gw_free(errs);
    gw_partykeys_destroy(&r);
    if (err) {
        *err = gw_strdup("out of memory while loading the party keys");
    }
    return NULL;
}

void
gw_partykeys_destroy(gw_partykeys_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_free((*self_p)->v);
    gw_free(*self_p);
    *self_p = NULL;
}

static int
s_key_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const ring_entry_t *)elem)->key);
}

const char *
gw_partykeys_party(const gw_partykeys_t *self, const char *z85)
{
    if (!self || !z85 || self->n == 0) {
        return NULL;
    }
    const ring_entry_t *e = bsearch(z85, self->v, self->n, sizeof(self->v[0]), s_key_cmp);
    return e ? e->party : NULL;
}

size_t
gw_partykeys_count(const gw_partykeys_t *self)
{
    return self ? self->n : 0;
}

size_t
gw_partykeys_keyless(const gw_partykeys_t *self)
{
    return self ? self->keyless : 0;
}
