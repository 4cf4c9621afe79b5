/*
 * Schema set (private to codecs/): compiles the iJw/iWmo XSDs on demand, once
 * per message type, from the schemas compiled into the library or from a
 * directory, through a resource loader that serves nothing else: no network,
 * no file outside the schema root. The only file that calls xmlSchemaParse.
 */
#ifndef GW_CODEC_XSD_H
#define GW_CODEC_XSD_H

#include <libxml/xmlschemas.h>

#include "gw/codec.h"
#include "gw/diag.h"

typedef struct gw_xsd_set gw_xsd_set_t;

/** New, empty set. dir NULL = embedded schemas. NULL on OOM. */
gw_xsd_set_t *gw_xsd_set_new(const char *dir);
void gw_xsd_set_destroy(gw_xsd_set_t **self_p);

/**
 * Validation context for message type t, compiling its schema on first use.
 * @returns borrowed context (valid for the set's life) or NULL with a diagnostic
 *   (level input, rule "SCHEMA") in diag when the schema cannot be compiled.
 */
xmlSchemaValidCtxtPtr gw_xsd_set_vctxt(gw_xsd_set_t *self, const gw_msgtype_t *t, gw_diag_t *diag);

/** Install the process-wide resource loader (idempotent, called by gw_codec_new). */
void gw_xsd_install_loader(void);

#endif
