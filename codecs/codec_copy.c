/* Deep copy of a model (gw_msg_dup), driven by the field tables like the
 * decoder and the encoder: every string and class lands in the copy's arena. */
#include <string.h>

#include "codec_tables.h"
#include "gw/alloc.h"
#include "gw/codec.h"

static int s_copy(gw_arena_t *a, const gw_msgtype_t *mt, const gw_node_type_t *t, const void *src,
                  void *dst);

static int
s_copy(gw_arena_t *a, const gw_msgtype_t *mt, const gw_node_type_t *t, const void *src, void *dst)
{
    memcpy(dst, src, t->size);
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        char *slot = (char *)dst + f->off;
        if (!gw_field_applies(f, mt)) {
            continue;
        }
        switch (f->kind) {
        case GW_N_TEXT: {
            const char **s = (const char **)slot;
            if (*s && !(*s = gw_arena_strdup(a, *s))) {
                return GW_ENOMEM;
            }
            break;
        }
        case GW_N_ONE: {
            void **p = (void **)slot;
            if (*p) {
                void *c = gw_arena_alloc(a, f->type->size);
                if (!c || s_copy(a, mt, f->type, *p, c) != GW_OK) {
                    return GW_ENOMEM;
                }
                *p = c;
            }
            break;
        }
        case GW_N_TEXTS:
        case GW_N_MANY: {
            gw_list_t *l = (gw_list_t *)slot;
            if (l->n == 0) {
                l->v = NULL;
                break;
            }
            size_t esize = f->kind == GW_N_TEXTS ? sizeof(const char *) : f->type->size;
            char *v = gw_arena_alloc(a, l->n * esize);
            if (!v) {
                return GW_ENOMEM;
            }
            for (size_t k = 0; k < l->n; k++) {
                const char *from = (const char *)l->v + k * esize;
                if (f->kind == GW_N_TEXTS) {
                    const char *s = *(const char *const *)from;
                    if (s && !(s = gw_arena_strdup(a, s))) {
                        return GW_ENOMEM;
                    }
                    ((const char **)(void *)v)[k] = s;
                } else if (s_copy(a, mt, f->type, from, v + k * esize) != GW_OK) {
                    return GW_ENOMEM;
                }
            }
            l->v = v;
            break;
        }
        default:
            break;
        }
    }
    return GW_OK;
}

gw_msg_t *
gw_msg_dup(const gw_msg_t *m)
{
    gw_msg_t *d = gw_msg_new(m->type);
    if (!d) {
        return NULL;
    }
    d->size = m->size;
    if (s_copy(d->arena, m->type, m->type->root, m->bericht, d->bericht) != GW_OK) {
        gw_msg_destroy(&d);
    }
    return d;
}
