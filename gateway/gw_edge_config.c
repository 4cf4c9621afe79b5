/*
 * The HTTPS edge's configuration file (see gw_edge_config.h): a directive
 * table per section, a line parser, then whole-file checks (required keys,
 * unique party codes and subjects, key files readable and of the right kind).
 */
#include "gw_edge_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/conftext.h"
#include "gw/keys.h"

#include "gw_config.h"

typedef enum {
    D_STR = 1, /* a string copied into a char[] field */
    D_SIZE,    /* a byte count ("25M") */
    D_COUNT,   /* a plain positive number */
    D_DURATION /* "30s", "500ms" */
} d_kind_t;

typedef struct {
    const char *name; /* key */
    d_kind_t kind;    /* how the value is read */
    size_t off;       /* offset of the field in its struct */
    size_t size;      /* D_STR: the field's size */
    int required;     /* absent = error */
    int64_t min, max; /* D_SIZE/D_COUNT/D_DURATION bounds */
} directive_t;

#define STR(t, f, req)                                                                             \
    {                                                                                              \
#f, D_STR, offsetof(t, f), sizeof(((t *)0)->f), req, 0, 0                                  \
    }

static const directive_t s_edge_keys[] = {
    STR(gw_edge_config_t, listen, 1),
    STR(gw_edge_config_t, cert, 1),
    STR(gw_edge_config_t, key, 1),
    STR(gw_edge_config_t, client_ca, 1),
    STR(gw_edge_config_t, crl, 0),
    STR(gw_edge_config_t, gateway, 1),
    STR(gw_edge_config_t, server_key, 0),
    {"max_message_size", D_SIZE, offsetof(gw_edge_config_t, max_message_size), 0, 0, 1,
     (int64_t)1 << 30},
    {"max_connections", D_COUNT, offsetof(gw_edge_config_t, max_connections), 0, 0, 1, 4096},
    {"timeout", D_DURATION, offsetof(gw_edge_config_t, timeout_ms), 0, 0, 100, 3600000},
    {"max_wait", D_DURATION, offsetof(gw_edge_config_t, max_wait_ms), 0, 0, 0, 3600000},
    {"submit_timeout", D_DURATION, offsetof(gw_edge_config_t, submit_timeout_ms), 0, 0, 100,
     3600000},
};

static const directive_t s_party_keys[] = {
    STR(gw_edge_party_t, subject, 1),
    STR(gw_edge_party_t, key, 0),
};

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))
#define MAX_KEYS 16

typedef struct {
    const char *name;        /* file name for messages */
    gw_edge_config_t *c;     /* being built */
    char *errs;              /* accumulated "NAME:LINE: why\n" (heap) */
    size_t nerrs;            /* errors so far */
    int section;             /* 0 none, 1 edge, 2 party */
    int edge_line;           /* line of the edge section, 0 = none yet */
    int seen_edge[MAX_KEYS]; /* line where each edge key was set */
    int seen_party[MAX_KEYS];
} parser_t;

static void GW_PRINTF(3, 4) s_err(parser_t *p, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char head[300];
    if (line > 0) {
        snprintf(head, sizeof(head), "%s:%d: ", p->name, line);
    } else {
        snprintf(head, sizeof(head), "%s: ", p->name);
    }
    size_t old = p->errs ? strlen(p->errs) : 0;
    size_t add = strlen(head) + strlen(msg) + 2;
    char *n = gw_realloc(p->errs, old + add);
    if (!n) {
        return;
    }
    snprintf(n + old, add, "%s%s\n", head, msg);
    p->errs = n;
    p->nerrs++;
}

static int
s_set(parser_t *p, int line, const directive_t *d, void *base, const char *val)
{
    char *field = (char *)base + d->off;
    switch (d->kind) {
    case D_STR:
        if (strlen(val) >= d->size) {
            s_err(p, line, "%s: longer than %zu bytes", d->name, d->size - 1);
            return 0;
        }
        memcpy(field, val, strlen(val) + 1);
        return 1;
    case D_SIZE: {
        size_t v = 0;
        if (gw_config_parse_size(val, &v) != GW_OK || (int64_t)v < d->min || (int64_t)v > d->max) {
            s_err(p, line, "%s: '%s' is not a size between %lld and %lld bytes (e.g. 25M)", d->name,
                  val, (long long)d->min, (long long)d->max);
            return 0;
        }
        memcpy(field, &v, sizeof(v));
        return 1;
    }
    case D_COUNT: {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(val, &end, 10);
        if (errno || !end || *end || val[0] < '0' || val[0] > '9' || (int64_t)v < d->min ||
            (int64_t)v > d->max) {
            s_err(p, line, "%s: '%s' is not a number between %lld and %lld", d->name, val,
                  (long long)d->min, (long long)d->max);
            return 0;
        }
        size_t sv = (size_t)v;
        memcpy(field, &sv, sizeof(sv));
        return 1;
    }
    case D_DURATION: {
        int64_t v = 0;
        if (gw_config_parse_duration(val, &v) != GW_OK || v < d->min || v > d->max) {
            s_err(p, line, "%s: '%s' is not a duration between %lldms and %lldms (e.g. 30s)",
                  d->name, val, (long long)d->min, (long long)d->max);
            return 0;
        }
        memcpy(field, &v, sizeof(v));
        return 1;
    }
    }
    return 0;
}

static int
s_code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

static void
s_section_end(parser_t *p)
{
    if (p->section == 2) {
        gw_edge_party_t *pt = &p->c->parties[p->c->nparties - 1];
        for (size_t i = 0; i < NKEYS(s_party_keys); i++) {
            if (s_party_keys[i].required && !p->seen_party[i]) {
                s_err(p, pt->line, "party %s: '%s' is required", pt->code, s_party_keys[i].name);
            }
        }
    }
    p->section = 0;
}

static void
s_section(parser_t *p, int line, char *s)
{
    s_section_end(p);
    char *arg = s + strcspn(s, " \t");
    if (*arg) {
        *arg++ = '\0';
        arg += strspn(arg, " \t");
    }
    if (strcmp(s, "edge") == 0) {
        if (*arg) {
            s_err(p, line, "'edge' takes no argument");
        }
        if (p->edge_line) {
            s_err(p, line, "a second 'edge' section (the first is on line %d)", p->edge_line);
        }
        p->edge_line = line;
        p->section = 1;
        return;
    }
    if (strcmp(s, "party") != 0) {
        s_err(p, line, "unknown section '%.64s' (expected 'edge' or 'party CODE')", s);
        p->section = -1; /* skip its keys */
        return;
    }
    if (!s_code_ok(arg)) {
        s_err(p, line, "party: '%.80s' is not a party code ([A-Za-z0-9_-]{1,64})", arg);
        p->section = -1;
        return;
    }
    for (size_t i = 0; i < p->c->nparties; i++) {
        if (strcmp(p->c->parties[i].code, arg) == 0) {
            s_err(p, line, "party %s: defined twice (first on line %d)", arg,
                  p->c->parties[i].line);
        }
    }
    gw_edge_party_t *n = gw_realloc(p->c->parties, (p->c->nparties + 1) * sizeof(*p->c->parties));
    if (!n) {
        s_err(p, line, "out of memory");
        p->section = -1;
        return;
    }
    p->c->parties = n;
    gw_edge_party_t *pt = &n[p->c->nparties++];
    memset(pt, 0, sizeof(*pt));
    snprintf(pt->code, sizeof(pt->code), "%s", arg);
    pt->line = line;
    memset(p->seen_party, 0, sizeof(p->seen_party));
    p->section = 2;
}

static void
s_key(parser_t *p, int line, char *s)
{
    char *eq = strchr(s, '=');
    char *hash = strchr(s, '#');
    if (!eq || (hash && hash < eq)) {
        s_err(p, line, "expected 'key = value'");
        return;
    }
    char *k = s, *ke = eq;
    while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t')) {
        ke--;
    }
    *ke = '\0';
    /* The value as in ijwgw's config: bare up to a '#' comment, or "quoted". */
    char v[2 * GW_EDGE_PATH_MAX];
    const char *why = NULL;
    if (!gw_conf_value(eq + 1, eq + 1 + strlen(eq + 1), v, sizeof(v), &why)) {
        s_err(p, line, "%.32s: %s", k, why ? why : "bad value");
        return;
    }
    size_t vl = strlen(v);
    if (p->section <= 0) {
        if (p->section == 0) {
            s_err(p, line, "'%.32s' outside a section", k);
        }
        return;
    }
    const directive_t *t = p->section == 1 ? s_edge_keys : s_party_keys;
    size_t n = p->section == 1 ? NKEYS(s_edge_keys) : NKEYS(s_party_keys);
    int *seen = p->section == 1 ? p->seen_edge : p->seen_party;
    void *base = p->section == 1 ? (void *)p->c : (void *)&p->c->parties[p->c->nparties - 1];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, k) == 0) {
            if (seen[i]) {
                s_err(p, line, "'%s' set twice (first on line %d)", k, seen[i]);
                return;
            }
            seen[i] = line;
            if (vl == 0) {
                s_err(p, line, "'%s' needs a value", k);
                return;
            }
            (void)s_set(p, line, &t[i], base, v);
            return;
        }
    }
    s_err(p, line, "unknown key '%.32s' in %s section", k,
          p->section == 1 ? "the edge" : "a party");
}

/* host:port with a numeric port 1..65535. */
static int
s_listen_ok(const char *s)
{
    const char *c = strrchr(s, ':');
    if (!c || c == s || !c[1]) {
        return 0;
    }
    char *end = NULL;
    long port = strtol(c + 1, &end, 10);
    return *end == '\0' && port >= 0 && port <= 65535;
}

static void
s_checks(parser_t *p)
{
    gw_edge_config_t *c = p->c;
    if (!p->edge_line) {
        s_err(p, 0, "no 'edge' section");
        return;
    }
    for (size_t i = 0; i < NKEYS(s_edge_keys); i++) {
        if (s_edge_keys[i].required && !p->seen_edge[i]) {
            s_err(p, p->edge_line, "edge: '%s' is required", s_edge_keys[i].name);
        }
    }
    if (c->listen[0] && !s_listen_ok(c->listen)) {
        s_err(p, p->edge_line, "edge: listen '%s' is not host:port", c->listen);
    }
    if (c->gateway[0] && strncmp(c->gateway, "tcp://", 6) != 0 &&
        strncmp(c->gateway, "ipc://", 6) != 0) {
        s_err(p, p->edge_line, "edge: gateway '%s' is not a tcp:// or ipc:// endpoint", c->gateway);
    }
    if (c->server_key[0]) {
        gw_keypair_t kp;
        char *why = NULL;
        if (gw_keys_load(c->server_key, &kp, 0, &why) != GW_OK) {
            s_err(p, p->edge_line, "edge: server_key: %s", why ? why : "cannot read");
        }
        gw_free(why);
        gw_keys_wipe(&kp);
    }
    if (c->nparties == 0) {
        s_err(p, 0, "no 'party' section: nobody could use the edge");
    }
    for (size_t i = 0; i < c->nparties; i++) {
        gw_edge_party_t *pt = &c->parties[i];
        for (size_t j = 0; j < i; j++) {
            if (pt->subject[0] && strcmp(c->parties[j].subject, pt->subject) == 0) {
                s_err(p, pt->line, "party %s: the same subject as party %s (line %d)", pt->code,
                      c->parties[j].code, c->parties[j].line);
            }
        }
        if (c->server_key[0] && !pt->key[0]) {
            s_err(p, pt->line, "party %s: 'key' is required when the edge has a server_key (CURVE)",
                  pt->code);
        } else if (!c->server_key[0] && pt->key[0]) {
            s_err(p, pt->line, "party %s: 'key' without the edge's server_key (CURVE is off)",
                  pt->code);
        } else if (pt->key[0]) {
            gw_keypair_t kp;
            char *why = NULL;
            if (gw_keys_load(pt->key, &kp, 1, &why) != GW_OK) {
                s_err(p, pt->line, "party %s: key: %s", pt->code, why ? why : "cannot read");
            }
            gw_free(why);
            gw_keys_wipe(&kp);
        }
    }
}

gw_edge_config_t *
gw_edge_config_parse(const char *text, size_t len, const char *name, char **err)
{
    parser_t p;
    memset(&p, 0, sizeof(p));
    p.name = name ? name : "<config>";
    char *buf = gw_malloc(len + 1);
    p.c = gw_calloc(1, sizeof(*p.c));
    if (!buf || !p.c) {
        goto oom;
    }
    p.c->path = gw_strdup(p.name);
    if (!p.c->path) {
        goto oom;
    }
    p.c->max_message_size = 25u << 20;
    p.c->max_connections = 64;
    p.c->timeout_ms = 30000;
    p.c->max_wait_ms = 60000;
    p.c->submit_timeout_ms = 30000;
    memcpy(buf, text, len);
    buf[len] = '\0';
    int line = 0;
    for (char *s = buf; s && *s;) {
        char *nl = strchr(s, '\n');
        if (nl) {
            *nl = '\0';
        }
        line++;
        size_t n = strlen(s);
        if (n && s[n - 1] == '\r') {
            s[--n] = '\0';
        }
        char *t = s + strspn(s, " \t");
        if (*t == '\0' || *t == '#') {
            /* blank or comment */
        } else if (t == s) {
            char *hash = strchr(t, '#'); /* "party 0363   # Amsterdam" */
            if (hash) {
                *hash = '\0';
            }
            size_t tl = strlen(t);
            while (tl > 0 && (t[tl - 1] == ' ' || t[tl - 1] == '\t')) {
                t[--tl] = '\0';
            }
            s_section(&p, line, t);
        } else {
            s_key(&p, line, t);
        }
        s = nl ? nl + 1 : NULL;
    }
    if (memchr(text, '\0', len)) {
        s_err(&p, 0, "the file contains a NUL byte");
    }
    s_section_end(&p);
    if (p.nerrs == 0) {
        s_checks(&p);
    }
    gw_free(buf);
    if (p.nerrs) {
        if (err) {
            *err = p.errs;
            p.errs = NULL;
        }
        gw_free(p.errs);
        gw_edge_config_destroy(&p.c);
        return NULL;
    }
    gw_free(p.errs);
    return p.c;
oom:
    gw_free(buf);
    gw_edge_config_destroy(&p.c);
    if (err) {
        *err = gw_strdup("out of memory");
    }
    return NULL;
}

gw_edge_config_t *
gw_edge_config_load(const char *path, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err) {
            char msg[1200];
            snprintf(msg, sizeof(msg), "%s: cannot open: %s", path, strerror(errno));
            *err = gw_strdup(msg);
        }
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            if (cap > (1u << 20)) { /* a config file is small */
                fclose(f);
                gw_free(text);
                if (err) {
                    *err = gw_strdup("config file larger than 1 MiB");
                }
                return NULL;
            }
            char *n = gw_realloc(text, cap + 8192);
            if (!n) {
                fclose(f);
                gw_free(text);
                if (err) {
                    *err = gw_strdup("out of memory");
                }
                return NULL;
            }
            text = n;
            cap += 8192;
        }
        size_t r = fread(text + len, 1, cap - len, f);
        len += r;
        if (r == 0) {
            break;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        gw_free(text);
        if (err) {
            char msg[1200];
            snprintf(msg, sizeof(msg), "%s: read error", path);
            *err = gw_strdup(msg);
        }
        return NULL;
    }
    gw_edge_config_t *c = gw_edge_config_parse(text ? text : "", len, path, err);
    gw_free(text);
    return c;
}

void
gw_edge_config_destroy(gw_edge_config_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_free((*self_p)->parties);
    gw_free((*self_p)->path);
    gw_free(*self_p);
    *self_p = NULL;
}

const gw_edge_party_t *
gw_edge_config_by_subject(const gw_edge_config_t *self, const char *subject)
{
    for (size_t i = 0; i < self->nparties; i++) {
        if (strcmp(self->parties[i].subject, subject) == 0) {
            return &self->parties[i];
        }
    }
    return NULL;
}
