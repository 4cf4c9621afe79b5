/* Diagnostic lists (gw/diag.h). Entries live in a growable array; their
 * strings in the list's own arena, so a list outlives the message it judged. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/arena.h"
#include "gw/diag.h"

struct gw_diag {
    gw_arena_t *arena;  /* strings of the entries */
    gw_diag_entry_t *v; /* entries */
    size_t n;           /* used */
    size_t cap;         /* allocated */
};

gw_diag_t *
gw_diag_new(void)
{
    gw_diag_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        return NULL;
    }
    self->arena = gw_arena_new(2048);
    if (!self->arena) {
        gw_free(self);
        return NULL;
    }
    return self;
}

void
gw_diag_destroy(gw_diag_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_diag_t *self = *self_p;
    gw_arena_destroy(&self->arena);
    gw_free(self->v);
    gw_free(self);
    *self_p = NULL;
}

void
gw_diag_reset(gw_diag_t *self)
{
    self->n = 0;
    gw_arena_reset(self->arena);
}

int
gw_diag_add(gw_diag_t *self, gw_level_t level, const char *rule, const char *retourcode,
            const char *path, int line, const void *cls, const char *fmt, ...)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 8;
        gw_diag_entry_t *v = gw_realloc(self->v, cap * sizeof(*v));
        if (!v) {
            return GW_ENOMEM;
        }
        self->v = v;
        self->cap = cap;
    }
    gw_diag_entry_t *e = &self->v[self->n];
    memset(e, 0, sizeof(*e));
    e->level = level;
    e->line = line;
    e->cls = cls;
    if (retourcode) {
        snprintf(e->retourcode, sizeof(e->retourcode), "%s", retourcode);
    }
    e->rule = gw_arena_strdup(self->arena, rule ? rule : "");
    e->path = gw_arena_strdup(self->arena, path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = n >= 0 ? gw_arena_alloc(self->arena, (size_t)n + 1) : NULL;
    if (!e->rule || !e->path || !text) {
        return GW_ENOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    e->text = text;
    self->n++;
    return GW_OK;
}

size_t
gw_diag_count(const gw_diag_t *self)
{
    return self->n;
}

const gw_diag_entry_t *
gw_diag_at(const gw_diag_t *self, size_t i)
{
    return i < self->n ? &self->v[i] : NULL;
}

size_t
gw_diag_count_level(const gw_diag_t *self, gw_level_t level)
{
    size_t c = 0;
    for (size_t i = 0; i < self->n; i++) {
        c += self->v[i].level == level;
    }
    return c;
}

gw_level_t
gw_diag_worst(const gw_diag_t *self)
{
    gw_level_t worst = GW_LEVEL_WARN;
    for (size_t i = 0; i < self->n; i++) {
        if (self->v[i].level < worst) {
            worst = self->v[i].level;
        }
    }
    return worst;
}

int
gw_diag_rejects(const gw_diag_t *self)
{
    return gw_diag_worst(self) != GW_LEVEL_WARN;
}

gw_verdict_t
gw_diag_verdict(const gw_diag_t *self)
{
    if (gw_diag_rejects(self)) {
        return GW_VERDICT_REJECT;
    }
    return self->n ? GW_VERDICT_WARN : GW_VERDICT_PASS;
}

gw_answer_t
gw_diag_answer(const gw_diag_t *self)
{
    gw_level_t w = gw_diag_worst(self);
    if (w == GW_LEVEL_INPUT || w == GW_LEVEL_XSD) {
        return GW_ANSWER_ERROR;
    }
    return w == GW_LEVEL_WARN ? GW_ANSWER_RETOUR_OK : GW_ANSWER_RETOUR_REJECT;
}

int
gw_diag_has_code_for(const gw_diag_t *self, const void *cls)
{
    for (size_t i = 0; i < self->n; i++) {
        if (self->v[i].cls == cls && self->v[i].retourcode[0] && self->v[i].level < GW_LEVEL_WARN) {
            return 1;
        }
    }
    return 0;
}

const char *
gw_level_name(gw_level_t level)
{
    static const char *const names[] = {"input", "xsd", "content", "cross", "external", "warn"};
    return (unsigned)level <= GW_LEVEL_WARN ? names[level] : "?";
}
