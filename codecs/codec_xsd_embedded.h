/* The XSDs compiled into the library (generated table, see tools/embed_xsd.py). */
#ifndef GW_CODEC_XSD_EMBEDDED_H
#define GW_CODEC_XSD_EMBEDDED_H

#include <stddef.h>

typedef struct gw_xsd_blob {
    const char *name; /* path relative to xsd/, e.g. "ijw/3_2/JW301.xsd"; NULL ends the table */
    const char *data; /* file bytes, NUL-terminated */
    size_t len;       /* bytes, without the NUL */
} gw_xsd_blob_t;

extern const gw_xsd_blob_t gw_xsd_blobs[];

#endif
