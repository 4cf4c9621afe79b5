/*
 * The filter chain (gw_chain.h): resolves each `filter NAME` section to an ops
 * table (the built-in registry or a dlopen'ed plugin), checks the table's ABI
 * handshake, creates the instances in config order, and runs them per message.
 * Built whole or not at all: any refused section fails the whole chain, with
 * one "file:line: ..." line per problem.
 */
#include "gw_chain.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/log.h"

#include "filter_registry.h"

/* One configured filter. */
typedef struct gw_filter_inst {
    const gw_filter_ops_t *ops; /* built-in table, or the plugin's exported table */
    void *state;                /* from ops->create; the filter's until ops->destroy */
    void *dl;                   /* dlopen handle, NULL for built-ins */
    int created;                /* create() succeeded (or there is none): destroy() is due */
    uint32_t types;             /* gw_chain_spec_t.types: registry-index mask, 0 = all */
    gw_chain_stats_t stats;     /* name points into ops (valid while dl is open) */
} gw_filter_inst_t;

/* Counters of one rule id. */
typedef struct s_rule_count {
    char *rule; /* gw_strdup'd */
    uint64_t rejected;
    uint64_t warned;
} s_rule_count_t;

struct gw_chain {
    gw_filter_inst_t *v; /* config order */
    size_t n;
    s_rule_count_t *rules; /* per rule id, in the order first seen (grows while running) */
    size_t nrules;
    size_t caprules;
};

/* ---- options ---- */

const char *
gw_filter_opt(const gw_filter_opts_t *opts, const char *key, int *line)
{
    if (!opts || !key) {
        return NULL;
    }
    /* The last occurrence wins, as for every other config key. */
    for (size_t i = opts->n; i-- > 0;) {
        if (opts->v[i].key && strcmp(opts->v[i].key, key) == 0) {
            if (line) {
                *line = opts->v[i].line;
            }
            return opts->v[i].value;
        }
    }
    return NULL;
}

/* ---- error accumulation: one line per problem ---- */

typedef struct s_errbuf {
    char *p;  /* gw_malloc'd, NUL-terminated; NULL until the first line */
    size_t n; /* strlen(p) */
    int oom;  /* an append failed */
} s_errbuf_t;

/* Append one line (without its '\n'). */
static void
s_errline(s_errbuf_t *e, const char *text)
{
    size_t tn = strlen(text);
    char *grown = gw_realloc(e->p, e->n + tn + 2);
    if (!grown) {
        e->oom = 1;
        return;
    }
    e->p = grown;
    if (e->n > 0) {
        e->p[e->n++] = '\n';
    }
    memcpy(e->p + e->n, text, tn + 1);
    e->n += tn;
}

static void s_errf(s_errbuf_t *e, const char *file, int line, const char *fmt, ...) GW_PRINTF(4, 5);

/* Append "file:line: <fmt>". */
static void
s_errf(s_errbuf_t *e, const char *file, int line, const char *fmt, ...)
{
    char msg[1536];
    int hn = snprintf(msg, sizeof(msg), "%s:%d: ", file ? file : "(config)", line);
    if (hn < 0 || (size_t)hn >= sizeof(msg)) {
        hn = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + hn, sizeof(msg) - (size_t)hn, fmt, ap);
    va_end(ap);
    s_errline(e, msg);
}

/* Append a create() error: kept as is when it already starts with "file:", else located. */
static void
s_err_create(s_errbuf_t *e, const gw_chain_spec_t *spec, const char *name, const char *text)
{
    const char *file = spec->opts.file;
    size_t fn = file ? strlen(file) : 0;
    if (fn > 0 && strncmp(text, file, fn) == 0 && text[fn] == ':') {
        s_errline(e, text);
        return;
    }
    s_errf(e, file, spec->line, "filter %s: %s", name, text);
}

/* ---- building ---- */

static void
s_inst_release(gw_filter_inst_t *f)
{
    if (f->created && f->ops->destroy) {
        f->ops->destroy(f->state);
    }
    f->state = NULL;
    f->created = 0;
    if (f->dl) {
        dlclose(f->dl);
        f->dl = NULL;
    }
    f->ops = NULL;
}

/* Names of the built-ins, comma separated, into buf. */
static void
s_builtin_names(char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; gw_filter_builtins[i] && n + 1 < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", gw_filter_builtins[i]->name);
        if (w < 0) {
            break;
        }
        n += (size_t)w;
    }
}

/* Check an ops table's handshake. Returns 1 when acceptable; else adds the reason. */
static int
s_check_ops(const gw_filter_ops_t *ops, const gw_chain_spec_t *spec, const char *what,
            s_errbuf_t *e)
{
    const char *file = spec->opts.file;
    if (ops->abi < 1 || ops->abi > GW_FILTER_ABI) {
        s_errf(e, file, spec->line, "%s %s was built for filter ABI %d; this gateway supports %d",
               what, spec->plugin ? spec->plugin : spec->name, ops->abi, GW_FILTER_ABI);
        return 0;
    }
    for (size_t r = 0; r < sizeof(ops->reserved) / sizeof(ops->reserved[0]); r++) {
        if (ops->reserved[r] != NULL) {
            s_errf(e, file, spec->line,
                   "%s %s has reserved[%zu] set (must be NULL for filter ABI %d)", what,
                   spec->plugin ? spec->plugin : spec->name, r, GW_FILTER_ABI);
            return 0;
        }
    }
    if (!ops->name || !*ops->name) {
        s_errf(e, file, spec->line, "%s %s has no name", what,
               spec->plugin ? spec->plugin : spec->name);
        return 0;
    }
    if (!ops->on_message) {
        s_errf(e, file, spec->line, "%s %s has no on_message", what,
               spec->plugin ? spec->plugin : spec->name);
        return 0;
    }
    if (spec->name && strcmp(ops->name, spec->name) != 0) {
        s_errf(e, file, spec->line,
               "%s %s is named '%s', not '%s' (the section must be `filter %s`)", what,
               spec->plugin ? spec->plugin : spec->name, ops->name, spec->name, ops->name);
        return 0;
    }
    return 1;
}

/* Resolve one spec into f->ops (and f->dl). Returns 1 on success. */
static int
s_resolve(const gw_chain_spec_t *spec, gw_filter_inst_t *f, s_errbuf_t *e)
{
    const char *file = spec->opts.file;
    if (!spec->plugin) {
        const gw_filter_ops_t *ops = spec->name ? gw_filter_builtin(spec->name) : NULL;
        if (!ops) {
            char names[512];
            s_builtin_names(names, sizeof(names));
            s_errf(e, file, spec->line,
                   "unknown filter '%s' (built-in filters: %s; or set `plugin = PATH`)",
                   spec->name ? spec->name : "", names);
            return 0;
        }
        if (!s_check_ops(ops, spec, "built-in filter", e)) {
            return 0;
        }
        f->ops = ops;
        return 1;
    }
    dlerror(); /* clear */
    void *dl = dlopen(spec->plugin, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        s_errf(e, file, spec->line, "filter %s: cannot load plugin %s: %s",
               spec->name ? spec->name : "", spec->plugin, why ? why : "dlopen failed");
        return 0;
    }
    dlerror();
    const gw_filter_ops_t *ops = (const gw_filter_ops_t *)dlsym(dl, GW_FILTER_PLUGIN_SYMBOL);
    const char *why = dlerror();
    if (!ops || why) {
        s_errf(e, file, spec->line, "filter %s: plugin %s does not export %s: %s",
               spec->name ? spec->name : "", spec->plugin, GW_FILTER_PLUGIN_SYMBOL,
               why ? why : "symbol is NULL");
        dlclose(dl);
        return 0;
    }
    if (!s_check_ops(ops, spec, "plugin", e)) {
        dlclose(dl);
        return 0;
    }
    f->ops = ops;
    f->dl = dl;
    return 1;
}

gw_chain_t *
gw_chain_new(const gw_chain_spec_t *specs, size_t n, char **err)
{
    s_errbuf_t e = {0};
    if (err) {
        *err = NULL;
    }
    gw_chain_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        goto oom;
    }
    if (n > 0) {
        self->v = gw_calloc(n, sizeof(*self->v));
        if (!self->v) {
            goto oom;
        }
    }
    /* Resolve everything first so one run reports every unknown/refused section. */
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        if (!s_resolve(&specs[i], &self->v[i], &e)) {
            ok = 0;
        }
    }
    /* Create every resolved instance, again to report every bad option in one run. */
    for (size_t i = 0; i < n; i++) {
        gw_filter_inst_t *f = &self->v[i];
        const gw_chain_spec_t *spec = &specs[i];
        if (!f->ops) {
            continue;
        }
        f->types = spec->types;
        f->stats.name = f->ops->name;
        if (f->ops->create) {
            char *ferr = NULL;
            int rc = f->ops->create(&f->state, &spec->opts, &ferr);
            if (rc != GW_OK) {
                s_err_create(&e, spec, f->ops->name, ferr ? ferr : gw_strerror(rc));
                gw_free(ferr);
                f->state = NULL;
                ok = 0;
                continue;
            }
            gw_free(ferr); /* a filter may leave a text on success too; nobody reads it */
        }
        f->created = 1;
    }
    if (!ok || e.oom) {
        goto fail;
    }
    self->n = n;
    return self;

oom:
    e.oom = 1;
fail:
    if (self) {
        /* Any instance may hold a dl handle or a created state. */
        for (size_t i = n; self->v && i-- > 0;) {
            s_inst_release(&self->v[i]);
        }
        gw_free(self->v);
        gw_free(self);
    }
    if (e.oom) {
        gw_free(e.p);
        e.p = gw_strdup("out of memory building the filter chain");
    }
    if (err) {
        *err = e.p;
    } else {
        gw_free(e.p);
    }
    return NULL;
}

void
gw_chain_destroy(gw_chain_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_chain_t *self = *self_p;
    /* Reverse order: a later filter may depend on an earlier one's library. */
    for (size_t i = self->n; i-- > 0;) {
        s_inst_release(&self->v[i]);
    }
    gw_free(self->v);
    self->v = NULL;
    for (size_t i = 0; i < self->nrules; i++) {
        gw_free(self->rules[i].rule);
    }
    gw_free(self->rules);
    gw_free(self);
    *self_p = NULL;
}

/* ---- running ---- */

/* Registry index of a message type (bit position in gw_chain_spec_t.types), or -1. */
static int
s_type_index(const gw_msgtype_t *t)
{
    size_t n = gw_msgtype_count();
    for (size_t i = 0; i < n && i < 32; i++) {
        if (gw_msgtype_at(i) == t) {
            return (int)i;
        }
    }
    return -1;
}

static int
s_applies(const gw_filter_inst_t *f, const gw_msgtype_t *t, int tidx)
{
    if ((f->ops->families & (uint32_t)t->family) == 0) {
        return 0;
    }
    if (f->ops->msgs != 0 && (f->ops->msgs & t->bit) == 0) {
        return 0;
    }
    if (f->types != 0 && (tidx < 0 || (f->types & (1u << tidx)) == 0)) {
        return 0;
    }
    return 1;
}

/* Number of entries a filter may reject with: level 3/4 with a retourcode. */
static size_t
s_rejecting(const gw_diag_t *diag)
{
    size_t k = 0;
    size_t n = diag ? gw_diag_count(diag) : 0;
    for (size_t i = 0; i < n; i++) {
        const gw_diag_entry_t *d = gw_diag_at(diag, i);
        if ((d->level == GW_LEVEL_CROSS || d->level == GW_LEVEL_EXTERNAL) && d->retourcode[0]) {
            k++;
        }
    }
    return k;
}

/* The counters of rule, added when first seen; NULL when out of memory (not counted). */
static s_rule_count_t *
s_rule(gw_chain_t *self, const char *rule)
{
    for (size_t i = 0; i < self->nrules; i++) {
        if (strcmp(self->rules[i].rule, rule) == 0) {
            return &self->rules[i];
        }
    }
    if (self->nrules == self->caprules) {
        size_t cap = self->caprules ? 2 * self->caprules : 16;
        s_rule_count_t *g = gw_realloc(self->rules, cap * sizeof(*g));
        if (!g) {
            return NULL;
        }
        self->rules = g;
        self->caprules = cap;
    }
    char *copy = gw_strdup(rule);
    if (!copy) {
        return NULL;
    }
    s_rule_count_t *r = &self->rules[self->nrules++];
    *r = (s_rule_count_t){copy, 0, 0};
    return r;
}

/* Count the findings diag[from..] a filter added, once per rule id and message. */
static void
s_count_rules(gw_chain_t *self, const gw_diag_t *diag, size_t from)
{
    size_t n = diag ? gw_diag_count(diag) : 0;
    for (size_t i = from; i < n; i++) {
        const gw_diag_entry_t *d = gw_diag_at(diag, i);
        if (!d->rule || d->level < GW_LEVEL_CROSS) {
            continue;
        }
        int seen = 0; /* an earlier finding of this filter with the same rule and kind */
        for (size_t k = from; k < i && !seen; k++) {
            const gw_diag_entry_t *e = gw_diag_at(diag, k);
            seen = e->rule && strcmp(e->rule, d->rule) == 0 &&
                   (e->level == GW_LEVEL_WARN) == (d->level == GW_LEVEL_WARN);
        }
        s_rule_count_t *r = seen ? NULL : s_rule(self, d->rule);
        if (r && d->level == GW_LEVEL_WARN) {
            r->warned++;
        } else if (r) {
            r->rejected++;
        }
    }
}

gw_verdict_t
gw_chain_run(gw_chain_t *self, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    if (!self || self->n == 0) {
        return GW_VERDICT_PASS;
    }
    int tidx = s_type_index(msg->type);
    int warned = 0;
    for (size_t i = 0; i < self->n; i++) {
        gw_filter_inst_t *f = &self->v[i];
        if (!s_applies(f, msg->type, tidx)) {
            continue;
        }
        size_t before = s_rejecting(diag);
        size_t from = diag ? gw_diag_count(diag) : 0;
        gw_verdict_t v = f->ops->on_message(f->state, msg, diag, ctx);
        s_count_rules(self, diag, from);
        switch (v) {
        case GW_VERDICT_PASS:
            f->stats.passed++;
            continue;
        case GW_VERDICT_WARN:
            f->stats.warned++;
            warned = 1;
            continue;
        case GW_VERDICT_STOP:
            f->stats.passed++;
            return GW_VERDICT_STOP;
        case GW_VERDICT_REJECT:
            if (s_rejecting(diag) > before) {
                f->stats.rejected++;
                return GW_VERDICT_REJECT;
            }
            gw_log(GW_LOG_ERROR, "filter_error",
                   "filter=%s type=%s reason=reject_without_diagnostic", f->ops->name,
                   msg->type->name);
            f->stats.errors++;
            return GW_VERDICT_ERROR;
        case GW_VERDICT_ERROR:
            f->stats.errors++;
            gw_log(GW_LOG_ERROR, "filter_error", "filter=%s type=%s reason=filter_failed",
                   f->ops->name, msg->type->name);
            return GW_VERDICT_ERROR;
        }
        /* Not a verdict at all (a broken plugin). */
        f->stats.errors++;
        gw_log(GW_LOG_ERROR, "filter_error", "filter=%s type=%s reason=bad_verdict verdict=%d",
               f->ops->name, msg->type->name, (int)v);
        return GW_VERDICT_ERROR;
    }
    return warned ? GW_VERDICT_WARN : GW_VERDICT_PASS;
}

int
gw_chain_accept(gw_chain_t *self, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    if (!self) {
        return GW_OK;
    }
    int tidx = s_type_index(msg->type);
    for (size_t i = 0; i < self->n; i++) {
        gw_filter_inst_t *f = &self->v[i];
        if (!f->ops->on_accept || !s_applies(f, msg->type, tidx)) {
            continue;
        }
        int rc = f->ops->on_accept(f->state, msg, ctx);
        if (rc != GW_OK) {
            /* The caller rolls the transaction back, so stop here. */
            f->stats.errors++;
            gw_log(GW_LOG_ERROR, "filter_accept_failed", "filter=%s type=%s rc=%s", f->ops->name,
                   msg->type->name, gw_strerror(rc));
            return rc;
        }
    }
    return GW_OK;
}

void
gw_chain_tick(gw_chain_t *self, int64_t now_ms)
{
    if (!self) {
        return;
    }
    for (size_t i = 0; i < self->n; i++) {
        if (self->v[i].ops->on_tick) {
            self->v[i].ops->on_tick(self->v[i].state, now_ms);
        }
    }
}

size_t
gw_chain_count(const gw_chain_t *self)
{
    return self ? self->n : 0;
}

void
gw_chain_stats(const gw_chain_t *self, size_t i, gw_chain_stats_t *out)
{
    if (!self || i >= self->n) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = self->v[i].stats;
}

size_t
gw_chain_rule_count(const gw_chain_t *self)
{
    return self ? self->nrules : 0;
}

void
gw_chain_rule_stats(const gw_chain_t *self, size_t i, gw_chain_rule_stats_t *out)
{
    if (!self || i >= self->nrules) {
        memset(out, 0, sizeof(*out));
        return;
    }
    out->rule = self->rules[i].rule;
    out->rejected = self->rules[i].rejected;
    out->warned = self->rules[i].warned;
}
