/*
 * Schema loading and caching (codec_xsd.h). Schemas are addressed by a private
 * URL scheme, "gw-xsd:/ijw/3_2/JW301.xsd", so that xs:import's relative
 * schemaLocation="basisschema.xsd" resolves to the right family's basisschema.
 * The libxml2 external entity loader is replaced process-wide: it serves
 * gw-xsd: URLs from the embedded table or from the configured directory, and
 * refuses every other resource (files, http, ftp) for every document parsed in
 * this process. Message parsing never needs a resource, so this costs nothing.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include "codec_xsd.h"
#include "codec_xsd_embedded.h"
#include "gw/alloc.h"

#define SCHEME "gw-xsd:/"
#define NTYPES_MAX 32

struct gw_xsd_set {
    char *dir;                             /* schema root, or NULL for embedded */
    xmlSchemaPtr schema[NTYPES_MAX];       /* compiled, by registry index */
    xmlSchemaValidCtxtPtr vctxt[NTYPES_MAX]; /* one per schema */
};

/* The set being compiled on this thread (the loader reads its dir). */
static _Thread_local const gw_xsd_set_t *s_compiling;
static int s_loader_installed;

static const gw_xsd_blob_t *
s_blob(const char *name)
{
    for (const gw_xsd_blob_t *b = gw_xsd_blobs; b->name; b++) {
        if (strcmp(b->name, name) == 0) {
            return b;
        }
    }
    return NULL;
}

/* Read a file under dir/name; refuses names that climb out of dir. */
static char *
s_read_under(const char *dir, const char *name, size_t *len)
{
    if (strstr(name, "..") || name[0] == '/') {
        return NULL;
    }
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long sz = ftell(f);
        if (sz >= 0 && sz < 64L * 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)sz + 1); /* the caller copies and frees it */
            if (buf && fread(buf, 1, (size_t)sz, f) == (size_t)sz) {
                buf[sz] = '\0';
                *len = (size_t)sz;
            } else {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    return buf;
}

static xmlParserInputPtr
s_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)id;
    if (url && strncmp(url, SCHEME, strlen(SCHEME)) == 0) {
        const char *name = url + strlen(SCHEME);
        const gw_xsd_set_t *set = s_compiling;
        if (set && set->dir) {
            size_t len = 0;
            char *data = s_read_under(set->dir, name, &len);
            if (!data) {
                return NULL;
            }
            /* Copy into a libxml2-owned buffer so the input frees it. */
            xmlParserInputBufferPtr ib = xmlParserInputBufferCreateMem(data, (int)len,
                                                                       XML_CHAR_ENCODING_NONE);
            free(data);
            if (!ib) {
                return NULL;
            }
            xmlParserInputPtr in = xmlNewIOInputStream(ctxt, ib, XML_CHAR_ENCODING_NONE);
            if (!in) {
                xmlFreeParserInputBuffer(ib);
                return NULL;
            }
            in->filename = (char *)xmlStrdup((const xmlChar *)url);
            return in;
        }
        const gw_xsd_blob_t *b = s_blob(name);
        if (!b) {
            return NULL;
        }
        xmlParserInputBufferPtr ib =
            xmlParserInputBufferCreateMem(b->data, (int)b->len, XML_CHAR_ENCODING_NONE);
        if (!ib) {
            return NULL;
        }
        xmlParserInputPtr in = xmlNewIOInputStream(ctxt, ib, XML_CHAR_ENCODING_NONE);
        if (!in) {
            xmlFreeParserInputBuffer(ib);
            return NULL;
        }
        in->filename = (char *)xmlStrdup((const xmlChar *)url);
        return in;
    }
    /* Everything else (file:, http:, ftp:, relative paths, DTDs) is refused. */
    return NULL;
}

void
gw_xsd_install_loader(void)
{
    if (!s_loader_installed) {
        xmlSetExternalEntityLoader(s_loader);
        s_loader_installed = 1;
    }
}

gw_xsd_set_t *
gw_xsd_set_new(const char *dir)
{
    gw_xsd_set_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        return NULL;
    }
    if (dir) {
        self->dir = gw_strdup(dir);
        if (!self->dir) {
            gw_free(self);
            return NULL;
        }
    }
    return self;
}

void
gw_xsd_set_destroy(gw_xsd_set_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_xsd_set_t *self = *self_p;
    for (size_t i = 0; i < NTYPES_MAX; i++) {
        if (self->vctxt[i]) {
            xmlSchemaFreeValidCtxt(self->vctxt[i]);
        }
        if (self->schema[i]) {
            xmlSchemaFree(self->schema[i]);
        }
    }
    gw_free(self->dir);
    gw_free(self);
    *self_p = NULL;
}

/* Collect schema-compiler errors into the diagnostics of the caller. */
typedef struct {
    gw_diag_t *diag;
    const gw_msgtype_t *type;
    int count;
} s_compile_err_t;

static void
s_compile_error(void *ctx, xmlErrorPtr err)
{
    s_compile_err_t *ce = ctx;
    if (ce->diag && ce->count++ < 5 && err && err->message) {
        size_t n = strlen(err->message);
        while (n && (err->message[n - 1] == '\n')) {
            n--;
        }
        if (gw_diag_add(ce->diag, GW_LEVEL_INPUT, "SCHEMA", NULL, ce->type->xsd, err->line, NULL,
                        "schema %s: %.*s", ce->type->xsd, (int)n, err->message) != GW_OK) {
            ce->count = 5; /* out of memory: stop collecting */
        }
    }
}

static size_t
s_index(const gw_msgtype_t *t)
{
    for (size_t i = 0; i < gw_msgtype_count(); i++) {
        if (gw_msgtype_at(i) == t) {
            return i;
        }
    }
    return NTYPES_MAX;
}

xmlSchemaValidCtxtPtr
gw_xsd_set_vctxt(gw_xsd_set_t *self, const gw_msgtype_t *t, gw_diag_t *diag)
{
    size_t i = s_index(t);
    if (i >= NTYPES_MAX) {
        return NULL;
    }
    if (self->vctxt[i]) {
        return self->vctxt[i];
    }
    char url[256];
    snprintf(url, sizeof(url), SCHEME "%s", t->xsd);
    s_compile_err_t ce = {diag, t, 0};
    s_compiling = self;
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(url);
    xmlSchemaPtr schema = NULL;
    if (pc) {
        xmlSchemaSetParserStructuredErrors(pc, s_compile_error, &ce);
        schema = xmlSchemaParse(pc);
        xmlSchemaFreeParserCtxt(pc);
    }
    s_compiling = NULL;
    if (!schema) {
        if (ce.count == 0 && diag) {
            if (gw_diag_add(diag, GW_LEVEL_INPUT, "SCHEMA", NULL, t->xsd, 0, NULL,
                            "schema %s could not be loaded", t->xsd) != GW_OK) {
                return NULL; /* out of memory; NULL already says it failed */
            }
        }
        return NULL;
    }
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
    if (!v) {
        xmlSchemaFree(schema);
        return NULL;
    }
    self->schema[i] = schema;
    self->vctxt[i] = v;
    return v;
}
