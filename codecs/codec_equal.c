/* Deep comparison of two models (gw_model_equal), driven by the field tables;
 * used by the round-trip tests and by tools that compare messages. */
#include <stdio.h>
#include <string.h>

#include "codec_tables.h"
#include "gw/alloc.h"
#include "gw/codec.h"

static int
s_diff(char **where, const char *path, const char *name)
{
    if (where) {
        size_t n = strlen(path) + strlen(name) + 2;
        *where = gw_malloc(n);
        if (*where) {
            snprintf(*where, n, "%s/%s", path, name);
        }
    }
    return 0;
}

static int
s_str_eq(const char *a, const char *b)
{
    if (!a || !b) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

static int s_class_eq(const gw_msgtype_t *mt, const gw_node_type_t *t, const void *a,
                      const void *b, const char *path, char **where);

static int
s_class_eq(const gw_msgtype_t *mt, const gw_node_type_t *t, const void *a, const void *b,
           const char *path, char **where)
{
    char sub[1024];
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        if (!gw_field_applies(f, mt)) {
            continue;
        }
        const char *sa = (const char *)a + f->off;
        const char *sb = (const char *)b + f->off;
        switch (f->kind) {
        case GW_N_TEXT:
            if (!s_str_eq(*(const char *const *)sa, *(const char *const *)sb)) {
                return s_diff(where, path, f->name);
            }
            break;
        case GW_N_ONE: {
            const void *ca = *(const void *const *)sa, *cb = *(const void *const *)sb;
            if (!ca || !cb) {
                if (ca != cb) {
                    return s_diff(where, path, f->name);
                }
                break;
            }
            snprintf(sub, sizeof(sub), "%s/%s", path, f->name);
            if (!s_class_eq(mt, f->type, ca, cb, sub, where)) {
                return 0;
            }
            break;
        }
        case GW_N_TEXTS:
        case GW_N_MANY: {
            const gw_list_t *la = (const gw_list_t *)sa, *lb = (const gw_list_t *)sb;
            if (la->n != lb->n) {
                return s_diff(where, path, f->name);
            }
            for (size_t k = 0; k < la->n; k++) {
                if (f->kind == GW_N_TEXTS) {
                    if (!s_str_eq(((const char *const *)la->v)[k],
                                  ((const char *const *)lb->v)[k])) {
                        return s_diff(where, path, f->name);
                    }
                    continue;
                }
                snprintf(sub, sizeof(sub), "%s/%s[%zu]", path, f->name, k + 1);
                if (!s_class_eq(mt, f->type, (const char *)la->v + k * f->type->size,
                                (const char *)lb->v + k * f->type->size, sub, where)) {
                    return 0;
                }
            }
            break;
        }
        default:
            break;
        }
    }
    return 1;
}

int
gw_model_equal(const gw_msg_t *a, const gw_msg_t *b, char **where)
{
    if (where) {
        *where = NULL;
    }
    if (a->type != b->type) {
        return s_diff(where, "", "Bericht");
    }
    return s_class_eq(a->type, a->type->root, a->bericht, b->bericht, "/Bericht", where);
}
