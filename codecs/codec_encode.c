/*
 * Encoding (gw/codec.h): walk the field tables and write the model as XML in
 * schema order, with the conventional prefixes, UTF-8 without BOM and CR/LF
 * line ends (OP192). Text is escaped; nothing else is interpreted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec_tables.h"
#include "gw/alloc.h"
#include "gw/codec.h"

typedef struct out {
    char *buf;
    size_t len, cap;
    int oom;
    const gw_msgtype_t *type;
} out_t;

static void
s_put(out_t *o, const char *s, size_t n)
{
    if (o->oom) {
        return;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1) {
            cap *= 2;
        }
        char *b = gw_realloc(o->buf, cap);
        if (!b) {
            o->oom = 1;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void
s_puts(out_t *o, const char *s)
{
    s_put(o, s, strlen(s));
}

static void
s_indent(out_t *o, int depth)
{
    static const char spaces[] = "                                                                ";
    int n = depth * 2;
    if (n > (int)sizeof(spaces) - 1) {
        n = (int)sizeof(spaces) - 1;
    }
    s_put(o, spaces, (size_t)n);
}

static void
s_escaped(out_t *o, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '\r':
            rep = "&#13;";
            break;
        default:
            break;
        }
        if (rep) {
            s_put(o, run, (size_t)(s - run));
            s_puts(o, rep);
            run = s + 1;
        }
    }
    s_put(o, run, (size_t)(s - run));
}

static void
s_tag(out_t *o, int basis, const char *name, int close)
{
    s_puts(o, close ? "</" : "<");
    s_puts(o, basis ? o->type->basis_prefix : o->type->prefix);
    s_puts(o, ":");
    s_puts(o, name);
    s_puts(o, ">");
}

static void s_class(out_t *o, const gw_node_type_t *t, const void *obj, int depth);

static void
s_leaf(out_t *o, int basis, const char *name, const char *value, int depth)
{
    s_indent(o, depth);
    s_tag(o, basis, name, 0);
    s_escaped(o, value);
    s_tag(o, basis, name, 1);
    s_puts(o, "\r\n");
}

static void
s_element(out_t *o, int basis, const char *name, const gw_node_type_t *t, const void *obj,
          int depth)
{
    s_indent(o, depth);
    s_tag(o, basis, name, 0);
    s_puts(o, "\r\n");
    s_class(o, t, obj, depth + 1);
    s_indent(o, depth);
    s_tag(o, basis, name, 1);
    s_puts(o, "\r\n");
}

static void
s_class(out_t *o, const gw_node_type_t *t, const void *obj, int depth)
{
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        if (!gw_field_applies(f, o->type)) {
            continue;
        }
        const char *slot = (const char *)obj + f->off;
        int d = depth;
        if (f->kind == GW_N_TEXTS || f->kind == GW_N_MANY) {
            const gw_list_t *l = (const gw_list_t *)slot;
            if (l->n == 0) {
                continue;
            }
            if (f->wrap) {
                s_indent(o, d);
                s_tag(o, t->basis, f->wrap, 0);
                s_puts(o, "\r\n");
                d++;
            }
            for (size_t k = 0; k < l->n; k++) {
                if (f->kind == GW_N_TEXTS) {
                    const char *v = ((const char *const *)l->v)[k];
                    s_leaf(o, t->basis, f->name, v ? v : "", d);
                } else {
                    s_element(o, t->basis, f->name, f->type,
                              (const char *)l->v + k * f->type->size, d);
                }
            }
            if (f->wrap) {
                s_indent(o, depth);
                s_tag(o, t->basis, f->wrap, 1);
                s_puts(o, "\r\n");
            }
        } else if (f->kind == GW_N_TEXT) {
            const char *v = *(const char *const *)slot;
            if (v) {
                s_leaf(o, t->basis, f->name, v, d);
            }
        } else {
            const void *child = *(const void *const *)slot;
            if (child) {
                s_element(o, t->basis, f->name, f->type, child, d);
            }
        }
    }
}

int
gw_codec_encode(const gw_msg_t *msg, char **out, size_t *len, char **err)
{
    *out = NULL;
    if (len) {
        *len = 0;
    }
    if (!msg || !msg->bericht || !msg->bericht->Header) {
        if (err) {
            *err = gw_strdup("the message has no Header");
        }
        return GW_EINVAL;
    }
    out_t o = {0};
    o.type = msg->type;
    s_puts(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<");
    s_puts(&o, o.type->prefix);
    s_puts(&o, ":Bericht xmlns:");
    s_puts(&o, o.type->prefix);
    s_puts(&o, "=\"");
    s_puts(&o, o.type->ns);
    s_puts(&o, "\" xmlns:");
    s_puts(&o, o.type->basis_prefix);
    s_puts(&o, "=\"");
    s_puts(&o, o.type->basis_ns);
    s_puts(&o, "\">\r\n");
    s_class(&o, o.type->root, msg->bericht, 1);
    s_tag(&o, 0, "Bericht", 1);
    s_puts(&o, "\r\n");
    if (o.oom) {
        gw_free(o.buf);
        return GW_ENOMEM;
    }
    *out = o.buf;
    if (len) {
        *len = o.len;
    }
    return GW_OK;
}
