/*
 * Decoding (gw/codec.h): recognise the message from its prolog, then one SAX2
 * pass with the libxml2 schema validator plugged in front of our handlers. The
 * handlers fill the typed model straight from the field tables, so validation
 * and decoding share a single parse and no DOM is built.
 *
 * Safety: input size is bounded before parsing; a DOCTYPE anywhere in the
 * prolog is refused before the parser sees it (no DTD, no entity can be
 * declared, so no XXE and no entity expansion); the SAX handlers refuse DTD
 * and entity events as a second line; nesting depth is bounded; the parser
 * runs with XML_PARSE_NONET and a resource loader that serves nothing.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include "codec_tables.h"
#include "codec_xsd.h"
#include "gw/alloc.h"
#include "gw/codec.h"

#define DEFAULT_MAX_SIZE (25u * 1024 * 1024) /* OP179 */
#define DEFAULT_MAX_DEPTH 32
#define MAX_XSD_DIAGS 50
#define MAX_FRAMES 64

struct gw_codec {
    gw_xsd_set_t *xsd;     /* compiled schemas */
    xmlParserCtxtPtr pctxt; /* reused parser context */
    size_t max_size;       /* bytes */
    int max_depth;         /* element nesting */
};

enum { F_CLASS, F_WRAP, F_TEXT, F_SKIP };

typedef struct frame {
    uint8_t kind;                /* F_* */
    const char *name;            /* element local name (for paths) */
    size_t index;                /* 1-based index among same-name siblings, 0 = unindexed */
    const gw_node_type_t *type;  /* F_CLASS: class of obj */
    void *obj;                   /* F_CLASS: the struct; F_WRAP/F_TEXT: owner struct */
    const gw_node_field_t *field; /* F_WRAP/F_TEXT: the field being filled */
} frame_t;

typedef struct state {
    gw_codec_t *codec;
    const gw_msgtype_t *type; /* recognised from the prolog */
    gw_msg_t *msg;            /* being filled */
    gw_diag_t *diag;          /* findings */
    xmlParserCtxtPtr pctxt;   /* for xmlStopParser and line numbers */
    frame_t stack[MAX_FRAMES];
    int depth;                /* elements open (may exceed MAX_FRAMES: then frames are not pushed) */
    char *text;               /* text of the open leaf */
    size_t text_len, text_cap;
    int xsd_errors;           /* schema findings so far */
    int input_error;          /* a level-0 finding was recorded */
    int oom;                  /* allocation failed */
    char path[1024];
} state_t;

/* ---------------------------------------------------------------- paths ---- */

static const char *
s_path(state_t *st, const char *leaf)
{
    size_t off = 0;
    int top = st->depth < MAX_FRAMES ? st->depth : MAX_FRAMES;
    st->path[0] = '\0';
    for (int i = 0; i < top && off < sizeof(st->path); i++) {
        const frame_t *f = &st->stack[i];
        int n = f->index ? snprintf(st->path + off, sizeof(st->path) - off, "/%s[%zu]", f->name,
                                    f->index)
                         : snprintf(st->path + off, sizeof(st->path) - off, "/%s", f->name);
        if (n < 0) {
            break;
        }
        off += (size_t)n;
    }
    if (leaf && off < sizeof(st->path)) {
        snprintf(st->path + off, sizeof(st->path) - off, "/%s", leaf);
    }
    return st->path[0] ? st->path : "/";
}

static int
s_line(const state_t *st)
{
    return st->pctxt && st->pctxt->input ? st->pctxt->input->line : 0;
}

static void
s_input_error(state_t *st, const char *rule, const char *fmt, ...) GW_PRINTF(3, 4);

static void
s_input_error(state_t *st, const char *rule, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (gw_diag_add(st->diag, GW_LEVEL_INPUT, rule, NULL, s_path(st, NULL), s_line(st), NULL, "%s",
                    text) != GW_OK) {
        st->oom = 1;
    }
    st->input_error = 1;
    if (st->pctxt) {
        xmlStopParser(st->pctxt);
    }
}

/* ------------------------------------------------------------ the model ---- */

/* Append one element to a list whose capacity is implied by its length (the
 * next power of two), so the list needs no capacity field. */
static void *
s_list_push(state_t *st, gw_list_t *l, size_t esize)
{
    if ((l->n & (l->n - 1)) == 0) {
        size_t cap = l->n ? l->n * 2 : 1;
        void *v = gw_arena_alloc(st->msg->arena, cap * esize);
        if (!v) {
            st->oom = 1;
            return NULL;
        }
        if (l->n) {
            memcpy(v, l->v, l->n * esize);
        }
        l->v = v;
    }
    void *e = (char *)l->v + l->n * esize;
    l->n++;
    return e;
}

static const gw_node_field_t *
s_find_field(const gw_node_type_t *t, const gw_msgtype_t *mt, const char *name)
{
    for (size_t i = 0; i < t->n; i++) {
        const gw_node_field_t *f = &t->f[i];
        const char *ename = f->wrap ? f->wrap : f->name;
        if (strcmp(ename, name) == 0 && gw_field_applies(f, mt)) {
            return f;
        }
    }
    return NULL;
}

static frame_t *
s_push(state_t *st, uint8_t kind, const char *name)
{
    int d = st->depth++;
    frame_t *f = d < MAX_FRAMES ? &st->stack[d] : NULL;
    if (f) {
        memset(f, 0, sizeof(*f));
        f->kind = kind;
        f->name = name;
    }
    if (st->depth > st->codec->max_depth) {
        s_input_error(st, "DEPTH", "elements nested deeper than %d levels", st->codec->max_depth);
        return NULL;
    }
    return f;
}

static int
s_ns_is(const xmlChar *uri, const char *want)
{
    return uri && strcmp((const char *)uri, want) == 0;
}

/* Open a child element of a class frame or of a wrapper frame. */
static void
s_open_child(state_t *st, frame_t *top, const char *name, const xmlChar *uri)
{
    const gw_msgtype_t *mt = st->type;
    const gw_node_field_t *f = NULL;
    void *owner = top->obj;
    if (top->kind == F_WRAP) {
        if (strcmp(top->field->name, name) == 0 && s_ns_is(uri, mt->ns)) {
            f = top->field;
        }
    } else {
        f = s_find_field(top->type, mt, name);
        if (f && !s_ns_is(uri, top->type->basis ? mt->basis_ns : mt->ns)) {
            f = NULL; /* right name, wrong namespace: the validator reports it */
        }
        if (f && f->wrap) {
            frame_t *w = s_push(st, F_WRAP, f->wrap);
            if (w) {
                w->obj = owner;
                w->field = f;
            }
            return;
        }
    }
    if (!f) {
        s_push(st, F_SKIP, name);
        return;
    }
    char *slot = (char *)owner + f->off;
    switch (f->kind) {
    case GW_N_TEXT:
    case GW_N_TEXTS: {
        frame_t *t = s_push(st, F_TEXT, f->name);
        if (t) {
            t->obj = owner;
            t->field = f;
            if (f->kind == GW_N_TEXTS) {
                t->index = ((gw_list_t *)slot)->n + 1;
            }
        }
        st->text_len = 0;
        return;
    }
    case GW_N_ONE: {
        void *child = gw_arena_alloc(st->msg->arena, f->type->size);
        if (!child) {
            st->oom = 1;
            s_push(st, F_SKIP, name);
            return;
        }
        *(void **)slot = child;
        frame_t *c = s_push(st, F_CLASS, f->name);
        if (c) {
            c->type = f->type;
            c->obj = child;
        }
        return;
    }
    case GW_N_MANY: {
        gw_list_t *l = (gw_list_t *)slot;
        void *child = s_list_push(st, l, f->type->size);
        if (!child) {
            s_push(st, F_SKIP, name);
            return;
        }
        frame_t *c = s_push(st, F_CLASS, f->name);
        if (c) {
            c->type = f->type;
            c->obj = child;
            c->index = l->n;
        }
        return;
    }
    default:
        s_push(st, F_SKIP, name);
        return;
    }
}

static void
s_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
        int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
        const xmlChar **attributes)
{
    (void)prefix;
    (void)nb_namespaces;
    (void)namespaces;
    (void)nb_attributes;
    (void)nb_defaulted;
    (void)attributes;
    state_t *st = ctx;
    const char *name = (const char *)localname;
    if (st->input_error) {
        return;
    }
    if (st->depth == 0) {
        frame_t *r = s_push(st, F_CLASS, "Bericht");
        if (!r) {
            return;
        }
        r->type = st->type->root;
        r->obj = st->msg->bericht;
        if (strcmp(name, "Bericht") != 0 || !s_ns_is(uri, st->type->ns)) {
            r->kind = F_SKIP; /* the validator names the problem */
        }
        return;
    }
    frame_t *top = st->depth <= MAX_FRAMES ? &st->stack[st->depth - 1] : NULL;
    if (!top || top->kind == F_SKIP || top->kind == F_TEXT) {
        s_push(st, F_SKIP, name);
        return;
    }
    s_open_child(st, top, name, uri);
}

static void
s_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    state_t *st = ctx;
    if (st->depth == 0) {
        return;
    }
    int d = --st->depth;
    if (d >= MAX_FRAMES) {
        return;
    }
    frame_t *f = &st->stack[d];
    if (f->kind != F_TEXT) {
        return;
    }
    char *s = gw_arena_strndup(st->msg->arena, st->text ? st->text : "", st->text_len);
    if (!s) {
        st->oom = 1;
        return;
    }
    char *slot = (char *)f->obj + f->field->off;
    if (f->field->kind == GW_N_TEXT) {
        *(const char **)slot = s;
    } else {
        const char **e = s_list_push(st, (gw_list_t *)slot, sizeof(const char *));
        if (e) {
            *e = s;
        }
    }
    st->text_len = 0;
}

static void
s_characters(void *ctx, const xmlChar *ch, int len)
{
    state_t *st = ctx;
    if (st->depth == 0 || st->depth > MAX_FRAMES || st->stack[st->depth - 1].kind != F_TEXT) {
        return;
    }
    size_t need = st->text_len + (size_t)len + 1;
    if (need > st->text_cap) {
        size_t cap = st->text_cap ? st->text_cap : 256;
        while (cap < need) {
            cap *= 2;
        }
        char *t = gw_realloc(st->text, cap);
        if (!t) {
            st->oom = 1;
            xmlStopParser(st->pctxt);
            return;
        }
        st->text = t;
        st->text_cap = cap;
    }
    memcpy(st->text + st->text_len, ch, (size_t)len);
    st->text_len += (size_t)len;
}

/* ------------------------------------------------- refused constructs ---- */

static void
s_internal_subset(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    (void)name;
    (void)eid;
    (void)sid;
    s_input_error(ctx, "DTD", "a DOCTYPE/DTD is not allowed in a message");
}

static void
s_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pid, const xmlChar *sid,
              xmlChar *content)
{
    (void)name;
    (void)type;
    (void)pid;
    (void)sid;
    (void)content;
    s_input_error(ctx, "ENTITY", "entity declarations are not allowed in a message");
}

static xmlEntityPtr
s_get_entity(void *ctx, const xmlChar *name)
{
    (void)name;
    s_input_error(ctx, "ENTITY", "entity references are not allowed in a message");
    return NULL;
}

static void
s_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)ctx;
    (void)target;
    (void)data;
}

/* ------------------------------------------------------------- errors ---- */

/* Copy a libxml2 message without the values it quotes (they may be a BSN or a
 * name): "Element '{ns}Bsn': [facet 'pattern'] The value '1234' is not ..." keeps
 * element names (namespace stripped) and facet/type names, redacts values. */
static void
s_sanitize(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = in;
    while (*p && o + 8 < cap) {
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end) {
                break;
            }
            size_t before = (size_t)(p - in);
            int redact = 1;
            if (p[1] == '{') {
                /* qualified element name: keep the local part */
                const char *rb = memchr(p + 1, '}', (size_t)(end - p));
                if (rb) {
                    p = rb;
                    out[o++] = '\'';
                    for (const char *q = rb + 1; q < end && o + 8 < cap; q++) {
                        out[o++] = *q;
                    }
                    out[o++] = '\'';
                    p = end + 1;
                    continue;
                }
            }
            static const char *const keep_after[] = {"facet ", "type ", "Element ", "pattern ",
                                                     "set {", ", ", "attribute ",
                                                     "length of "};
            for (size_t k = 0; k < sizeof(keep_after) / sizeof(keep_after[0]); k++) {
                size_t kl = strlen(keep_after[k]);
                if (before >= kl && strncmp(p - kl, keep_after[k], kl) == 0) {
                    redact = 0;
                }
            }
            if (redact) {
                const char *r = "'...'";
                for (; *r && o + 8 < cap; r++) {
                    out[o++] = *r;
                }
            } else {
                for (const char *q = p; q <= end && o + 8 < cap; q++) {
                    out[o++] = *q;
                }
            }
            p = end + 1;
            continue;
        }
        out[o++] = *p++;
    }
    while (o && (out[o - 1] == '\n' || out[o - 1] == ' ')) {
        o--;
    }
    out[o] = '\0';
}

static void
s_schema_error(void *ctx, xmlErrorPtr err)
{
    state_t *st = ctx;
    if (!err || st->input_error) {
        return;
    }
    if (err->domain != XML_FROM_SCHEMASV && err->domain != XML_FROM_SCHEMASP) {
        return;
    }
    if (++st->xsd_errors > MAX_XSD_DIAGS) {
        return;
    }
    char text[600];
    s_sanitize(err->message ? err->message : "schema violation", text, sizeof(text));
    /* The validator reports a leaf's value after our handler closed the leaf:
     * name the element in the path when the message names it. */
    const char *leaf = NULL;
    char leafbuf[64];
    if (strncmp(text, "Element '", 9) == 0) {
        const char *q = strchr(text + 9, '\'');
        size_t n = q ? (size_t)(q - text - 9) : 0;
        if (n > 0 && n < sizeof(leafbuf)) {
            memcpy(leafbuf, text + 9, n);
            leafbuf[n] = '\0';
            int top = st->depth < MAX_FRAMES ? st->depth : MAX_FRAMES;
            if (top == 0 || !st->stack[top - 1].name ||
                strcmp(st->stack[top - 1].name, leafbuf) != 0) {
                leaf = leafbuf;
            }
        }
    }
    if (st->xsd_errors == MAX_XSD_DIAGS) {
        snprintf(text, sizeof(text), "more schema violations follow; only the first %d are listed",
                 MAX_XSD_DIAGS - 1);
    }
    if (gw_diag_add(st->diag, GW_LEVEL_XSD, "XSD", NULL, s_path(st, leaf),
                    err->line ? err->line : s_line(st), NULL, "%s", text) != GW_OK) {
        st->oom = 1;
    }
}

static void
s_xml_error(void *ctx, xmlErrorPtr err)
{
    state_t *st = ctx;
    if (!err || err->level < XML_ERR_ERROR || st->input_error) {
        return;
    }
    if (err->domain == XML_FROM_SCHEMASV || err->domain == XML_FROM_SCHEMASP) {
        s_schema_error(ctx, err);
        return;
    }
    char text[600];
    s_sanitize(err->message ? err->message : "not well-formed", text, sizeof(text));
    st->input_error = 1;
    if (gw_diag_add(st->diag, GW_LEVEL_INPUT, "XML", NULL, s_path(st, NULL), err->line, NULL,
                    "not well-formed XML: %s", text) != GW_OK) {
        st->oom = 1;
    }
}

static int
s_locator(void *ctx, const char **file, unsigned long *line)
{
    state_t *st = ctx;
    if (file) {
        *file = NULL;
    }
    if (line) {
        *line = (unsigned long)s_line(st);
    }
    return 0;
}

/* ------------------------------------------------------- the prolog ---- */

static const char *
s_skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
    }
    return p;
}

static const char *
s_find(const char *p, const char *e, const char *needle)
{
    size_t n = strlen(needle);
    for (; p + n <= e; p++) {
        if (memcmp(p, needle, n) == 0) {
            return p;
        }
    }
    return NULL;
}

/* Encoding named in an XML declaration, must be UTF-8 (OP192). */
static int
s_check_decl(state_t *st, const char *p, const char *end)
{
    const char *enc = s_find(p, end, "encoding");
    if (!enc) {
        return 0;
    }
    enc += strlen("encoding");
    enc = s_skip_ws(enc, end);
    if (enc >= end || *enc != '=') {
        return 0;
    }
    enc = s_skip_ws(enc + 1, end);
    if (enc >= end || (*enc != '"' && *enc != '\'')) {
        return 0;
    }
    char q = *enc++;
    const char *close = memchr(enc, q, (size_t)(end - enc));
    if (!close) {
        return 0;
    }
    size_t n = (size_t)(close - enc);
    if (!((n == 5 && strncasecmp(enc, "UTF-8", 5) == 0) ||
          (n == 4 && strncasecmp(enc, "UTF8", 4) == 0))) {
        s_input_error(st, "ENCODING",
                      "encoding \"%.*s\" is not allowed: iStandaarden messages are UTF-8 (OP192)",
                      (int)(n > 40 ? 40 : n), enc);
        return -1;
    }
    return 0;
}

/*
 * Find the root element and its namespace without parsing: skip the XML
 * declaration, comments, processing instructions and whitespace; refuse a
 * DOCTYPE; read the root's QName and the xmlns declaration of its prefix.
 * On success *type is the message type. Any failure adds a level-0 finding.
 */
static int
s_sniff(state_t *st, const char *buf, size_t len, const gw_msgtype_t **type)
{
    const char *p = buf, *e = buf + len;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF) {
        if (gw_diag_add(st->diag, GW_LEVEL_WARN, "OP192", NULL, "/", 1, NULL,
                        "the message starts with a byte order mark; OP192 asks for UTF-8 "
                        "without BOM") != GW_OK) {
            st->oom = 1;
        }
        p += 3;
    }
    for (;;) {
        p = s_skip_ws(p, e);
        if (p >= e) {
            s_input_error(st, "XML", "no root element: the message is empty or only whitespace");
            return -1;
        }
        if (*p != '<') {
            s_input_error(st, "XML", "not XML: the message does not start with '<'");
            return -1;
        }
        if (e - p >= 5 && memcmp(p, "<?xml", 5) == 0) {
            const char *c = s_find(p, e, "?>");
            if (!c) {
                s_input_error(st, "XML", "unterminated XML declaration");
                return -1;
            }
            if (s_check_decl(st, p, c) < 0) {
                return -1;
            }
            p = c + 2;
            continue;
        }
        if (e - p >= 2 && memcmp(p, "<?", 2) == 0) {
            const char *c = s_find(p, e, "?>");
            if (!c) {
                s_input_error(st, "XML", "unterminated processing instruction");
                return -1;
            }
            p = c + 2;
            continue;
        }
        if (e - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *c = s_find(p + 4, e, "-->");
            if (!c) {
                s_input_error(st, "XML", "unterminated comment");
                return -1;
            }
            p = c + 3;
            continue;
        }
        if (e - p >= 2 && memcmp(p, "<!", 2) == 0) {
            s_input_error(st, "DTD",
                          "a DOCTYPE/DTD is not allowed in a message (no DTDs, no entities)");
            return -1;
        }
        break;
    }
    /* p is at '<' of the root start tag */
    const char *q = p + 1, *name_b = q;
    while (q < e && !isspace((unsigned char)*q) && *q != '>' && *q != '/') {
        q++;
    }
    size_t qlen = (size_t)(q - name_b);
    const char *colon = memchr(name_b, ':', qlen);
    const char *local = colon ? colon + 1 : name_b;
    size_t llen = (size_t)(q - local);
    size_t plen = colon ? (size_t)(colon - name_b) : 0;
    if (llen != 7 || memcmp(local, "Bericht", 7) != 0) {
        s_input_error(st, "ROOT", "root element is '%.*s', expected 'Bericht'",
                      (int)(llen > 40 ? 40 : llen), local);
        return -1;
    }
    const char *tag_end = memchr(q, '>', (size_t)(e - q));
    if (!tag_end) {
        s_input_error(st, "XML", "unterminated root start tag");
        return -1;
    }
    /* find xmlns[:prefix]="..." */
    char attr[64];
    if (plen >= sizeof(attr) - 7) {
        s_input_error(st, "ROOT", "root element prefix is too long");
        return -1;
    }
    snprintf(attr, sizeof(attr), plen ? "xmlns:%.*s" : "xmlns", (int)plen, name_b);
    size_t alen = strlen(attr);
    const char *ns_b = NULL, *ns_e = NULL;
    for (const char *a = q; a < tag_end; a++) {
        if ((size_t)(tag_end - a) > alen && memcmp(a, attr, alen) == 0 &&
            isspace((unsigned char)a[-1])) {
            const char *v = s_skip_ws(a + alen, tag_end);
            if (v >= tag_end || *v != '=') {
                continue;
            }
            v = s_skip_ws(v + 1, tag_end);
            if (v >= tag_end || (*v != '"' && *v != '\'')) {
                continue;
            }
            const char *close = memchr(v + 1, *v, (size_t)(tag_end - v - 1));
            if (close) {
                ns_b = v + 1;
                ns_e = close;
                break;
            }
        }
    }
    if (!ns_b) {
        s_input_error(st, "NAMESPACE",
                      "root element Bericht has no namespace; expected "
                      "http://www.istandaarden.nl/{ijw|iwmo}/3_2/{jw|wmo}NNN/schema");
        return -1;
    }
    char ns[256];
    size_t nlen = (size_t)(ns_e - ns_b);
    if (nlen >= sizeof(ns)) {
        s_input_error(st, "NAMESPACE", "root namespace is too long to be an iStandaarden namespace");
        return -1;
    }
    memcpy(ns, ns_b, nlen);
    ns[nlen] = '\0';
    *type = gw_msgtype_by_ns(ns);
    if (*type) {
        return 0;
    }
    const char *base = "http://www.istandaarden.nl/";
    if (strncmp(ns, base, strlen(base)) == 0) {
        const char *rest = ns + strlen(base);
        if ((strncmp(rest, "ijw/", 4) == 0 || strncmp(rest, "iwmo/", 5) == 0) &&
            !strstr(rest, "/3_2/")) {
            s_input_error(st, "VERSION",
                          "unsupported release in namespace %s: this gateway accepts iJw 3.2 and "
                          "iWmo 3.2",
                          ns);
            return -1;
        }
        s_input_error(st, "MESSAGE", "unknown message type: namespace %s is not one of the 28 "
                                     "iJw/iWmo 3.2 messages",
                      ns);
        return -1;
    }
    s_input_error(st, "NAMESPACE", "namespace %s is not an iJw/iWmo namespace", ns);
    return -1;
}

/* ------------------------------------------------------------ the API ---- */

gw_codec_t *
gw_codec_new(const gw_codec_opts_t *opts, char **err)
{
    gw_codec_opts_t o = {0};
    if (opts) {
        o = *opts;
    }
    xmlInitParser();
    gw_xsd_install_loader();
    gw_codec_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        goto fail;
    }
    self->max_size = o.max_size ? o.max_size : DEFAULT_MAX_SIZE;
    self->max_depth = o.max_depth > 0 ? o.max_depth : DEFAULT_MAX_DEPTH;
    self->xsd = gw_xsd_set_new(o.xsd_dir);
    if (!self->xsd) {
        goto fail;
    }
    self->pctxt = xmlNewParserCtxt();
    if (!self->pctxt) {
        goto fail;
    }
    return self;
fail:
    if (err) {
        *err = gw_strdup("out of memory creating the codec");
    }
    gw_codec_destroy(&self);
    return NULL;
}

void
gw_codec_destroy(gw_codec_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_codec_t *self = *self_p;
    gw_xsd_set_destroy(&self->xsd);
    if (self->pctxt) {
        xmlFreeParserCtxt(self->pctxt);
    }
    gw_free(self);
    *self_p = NULL;
}

int
gw_codec_preload(gw_codec_t *self, gw_diag_t *diag)
{
    int rc = GW_OK;
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (!gw_xsd_set_vctxt(self->xsd, gw_msgtype_at(i), diag)) {
            rc = GW_ESCHEMA;
        }
    }
    return rc;
}

gw_msg_t *
gw_msg_new(const gw_msgtype_t *type)
{
    gw_msg_t *m = gw_calloc(1, sizeof(*m));
    if (!m) {
        return NULL;
    }
    m->type = type;
    m->arena = gw_arena_new(8192);
    if (!m->arena) {
        gw_free(m);
        return NULL;
    }
    m->bericht = gw_arena_alloc(m->arena, sizeof(gw_bericht_t));
    if (!m->bericht) {
        gw_msg_destroy(&m);
        return NULL;
    }
    return m;
}

void
gw_msg_destroy(gw_msg_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_arena_destroy(&(*self_p)->arena);
    gw_free(*self_p);
    *self_p = NULL;
}

static int
s_parse(gw_codec_t *self, state_t *st, xmlSchemaValidCtxtPtr v, const char *buf, size_t len)
{
    xmlParserCtxtPtr p = self->pctxt;
    xmlCtxtReset(p);
    xmlCtxtUseOptions(p, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    st->pctxt = p;

    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = s_start;
    sax.endElementNs = s_end;
    sax.characters = s_characters;
    sax.cdataBlock = s_characters;
    sax.internalSubset = s_internal_subset;
    sax.externalSubset = s_internal_subset;
    sax.entityDecl = s_entity_decl;
    sax.getEntity = s_get_entity;
    sax.getParameterEntity = s_get_entity;
    sax.processingInstruction = s_pi;
    sax.serror = s_xml_error;

    xmlSAXHandlerPtr old_sax = p->sax;
    void *old_user = p->userData;
    xmlSAXHandlerPtr sax_p = &sax;
    void *user = st;
    xmlSchemaSAXPlugPtr plug = xmlSchemaSAXPlug(v, &sax_p, &user);
    if (!plug) {
        return GW_ENOMEM;
    }
    xmlSchemaSetValidStructuredErrors(v, s_schema_error, st);
    xmlSchemaValidateSetLocator(v, s_locator, st);
    p->sax = sax_p;
    p->userData = user;

    int rc = GW_OK;
    xmlParserInputBufferPtr ib =
        xmlParserInputBufferCreateMem(buf, (int)len, XML_CHAR_ENCODING_NONE);
    xmlParserInputPtr in = ib ? xmlNewIOInputStream(p, ib, XML_CHAR_ENCODING_NONE) : NULL;
    if (!in) {
        if (ib) {
            xmlFreeParserInputBuffer(ib);
        }
        rc = GW_ENOMEM;
    } else if (inputPush(p, in) < 0) {
        xmlFreeInputStream(in);
        rc = GW_ENOMEM;
    } else {
        xmlParseDocument(p);
        if (!p->wellFormed && !st->input_error) {
            xmlErrorPtr le = xmlCtxtGetLastError(p);
            char text[600];
            s_sanitize(le && le->message ? le->message : "", text, sizeof(text));
            s_input_error(st, "XML", "not well-formed XML%s%s", text[0] ? ": " : "", text);
        }
    }
    xmlSchemaSAXUnplug(plug);
    xmlSchemaSetValidStructuredErrors(v, NULL, NULL);
    xmlSchemaValidateSetLocator(v, NULL, NULL);
    p->sax = old_sax;
    p->userData = old_user;
    if (p->myDoc) {
        xmlFreeDoc(p->myDoc);
        p->myDoc = NULL;
    }
    return rc;
}

/* The declared XsdVersie (IV034) against ours. The standard has no rule for it
 * (spec §6.1: the appinfo Min/Max versions suggest a compatible range, but no
 * receiver check is defined), so a different major version is only a warning. */
static void
s_check_xsd_versie(state_t *st)
{
    const gw_header_t *h = st->msg->bericht->Header;
    if (!h || !h->XsdVersie) {
        return;
    }
    const char *ours = gw_msgtype_xsd_version(st->type);
    const char *theirs[2] = {h->XsdVersie->BerichtXsdVersie, h->XsdVersie->BasisschemaXsdVersie};
    for (int i = 0; i < 2; i++) {
        if (theirs[i] && atoi(theirs[i]) != atoi(ours)) {
            if (gw_diag_add(st->diag, GW_LEVEL_WARN, "XSDVERSIE", NULL,
                            i ? "/Bericht/Header/XsdVersie/BasisschemaXsdVersie"
                              : "/Bericht/Header/XsdVersie/BerichtXsdVersie",
                            0, NULL,
                            "the message declares XSD version %.20s; this gateway validates with "
                            "%s (another major version)",
                            theirs[i], ours) != GW_OK) {
                st->oom = 1;
            }
            return;
        }
    }
}

int
gw_codec_decode(gw_codec_t *self, const char *buf, size_t len, gw_msg_t **msg_out,
                const gw_msgtype_t **type_out, gw_diag_t *diag)
{
    state_t st;
    memset(&st, 0, sizeof(st));
    st.codec = self;
    st.diag = diag;
    *msg_out = NULL;
    if (type_out) {
        *type_out = NULL;
    }
    if (!buf || len == 0) {
        s_input_error(&st, "EMPTY", "the message is empty (0 bytes)");
        return st.oom ? GW_ENOMEM : GW_OK;
    }
    if (len > self->max_size || len > (size_t)INT32_MAX) {
        s_input_error(&st, "SIZE", "the message is %zu bytes; the limit is %zu bytes (OP179)", len,
                      self->max_size);
        return st.oom ? GW_ENOMEM : GW_OK;
    }
    const gw_msgtype_t *type = NULL;
    if (s_sniff(&st, buf, len, &type) < 0) {
        return st.oom ? GW_ENOMEM : GW_OK;
    }
    if (type_out) {
        *type_out = type;
    }
    st.type = type;
    xmlSchemaValidCtxtPtr v = gw_xsd_set_vctxt(self->xsd, type, diag);
    if (!v) {
        return GW_ESCHEMA;
    }
    st.msg = gw_msg_new(type);
    if (!st.msg) {
        return GW_ENOMEM;
    }
    st.msg->size = len;
    int rc = s_parse(self, &st, v, buf, len);
    gw_free(st.text);
    if (rc == GW_OK && st.oom) {
        rc = GW_ENOMEM;
    }
    if (rc != GW_OK || st.input_error || st.xsd_errors > 0) {
        gw_msg_destroy(&st.msg);
        return rc;
    }
    s_check_xsd_versie(&st);
    if (st.oom) {
        gw_msg_destroy(&st.msg);
        return GW_ENOMEM;
    }
    *msg_out = st.msg;
    return GW_OK;
}
