/*
 * The codec library: recognise, validate, decode and encode iJw 3.2 and iWmo 3.2
 * messages. Decoding is one pass: a SAX2 parse with the libxml2 schema validator
 * plugged in fills the typed model (gw/model.h) directly; no DOM is built.
 * Untrusted input is bounded in size and depth, DTDs and entities are refused
 * before parsing, and the parser never touches the network or the disk.
 */
#ifndef GW_CODEC_H
#define GW_CODEC_H

#include <stddef.h>

#include "gw/arena.h"
#include "gw/diag.h"
#include "gw/err.h"
#include "gw/model.h"

typedef enum gw_family {
    GW_FAMILY_IJW = 1,  /* iJw 3.2, Jeugdwet */
    GW_FAMILY_IWMO = 2, /* iWmo 3.2, Wmo 2015 */
} gw_family_t;

typedef enum gw_kind {
    GW_KIND_HEEN = 0,       /* 301, 305, 307, 315, 317, 319, 323 */
    GW_KIND_RETOUR,         /* 302, 306, 308, 316, 318, 320 */
    GW_KIND_DECL_ANTWOORD,  /* 325 */
} gw_kind_t;

/* Message number bits, for rule and filter applicability masks. */
enum {
    GW_M301 = 1u << 0, GW_M302 = 1u << 1, GW_M305 = 1u << 2, GW_M306 = 1u << 3,
    GW_M307 = 1u << 4, GW_M308 = 1u << 5, GW_M315 = 1u << 6, GW_M316 = 1u << 7,
    GW_M317 = 1u << 8, GW_M318 = 1u << 9, GW_M319 = 1u << 10, GW_M320 = 1u << 11,
    GW_M323 = 1u << 12, GW_M325 = 1u << 13,
};

struct gw_node_type; /* field table of a class; private to codecs/ */

/* One of the 28 message types. Static data, never freed. */
typedef struct gw_msgtype {
    const char *name;        /* "JW301", "WMO301" */
    gw_family_t family;      /* GW_FAMILY_IJW / GW_FAMILY_IWMO */
    int number;              /* 301 */
    unsigned bit;            /* GW_M301 */
    const char *berichtcode; /* COD002 value, "436" */
    const char *ns;          /* root namespace URI */
    const char *basis_ns;    /* basisschema namespace URI */
    const char *prefix;      /* conventional prefix, "jw301" */
    const char *basis_prefix; /* "ijw" / "iwmo" */
    const char *xsd;         /* schema path relative to the xsd root, "ijw/3_2/JW301.xsd" */
    gw_kind_t kind;          /* heen, retour or 325 */
    int answer_number;       /* number of the message that answers this one (302 for 301, 325 for 323), 0 if none */
    const struct gw_node_type *root; /* field table of Bericht */
} gw_msgtype_t;

/** All 28 message types, in a stable order. */
size_t gw_msgtype_count(void);
const gw_msgtype_t *gw_msgtype_at(size_t i);
/** Lookup by name, case-insensitive ("JW301", "wmo325"). NULL when unknown. */
const gw_msgtype_t *gw_msgtype_by_name(const char *name);
/** Lookup by root namespace URI. NULL when unknown. */
const gw_msgtype_t *gw_msgtype_by_ns(const char *ns);
/** Lookup by family and number (301...325). NULL when unknown. */
const gw_msgtype_t *gw_msgtype_by_number(gw_family_t family, int number);
/** The message type that answers t (JW302 for JW301, JW325 for JW323), or NULL. */
const gw_msgtype_t *gw_msgtype_answer(const gw_msgtype_t *t);
/** XsdVersie of our schemas (BasisschemaXsdVersie / BerichtXsdVersie from the XSD appinfo). */
const char *gw_msgtype_xsd_version(const gw_msgtype_t *t);

/* A decoded (or built) message: type, typed model and the arena that owns it. */
typedef struct gw_msg {
    const gw_msgtype_t *type; /* never NULL */
    gw_bericht_t *bericht;    /* the model; arena-owned */
    gw_arena_t *arena;        /* owns every byte of the model */
    size_t size;              /* input size in bytes (0 when built) */
} gw_msg_t;

/** Empty message of a given type with an empty Bericht (for building). NULL on OOM. */
gw_msg_t *gw_msg_new(const gw_msgtype_t *type);
/** Free the message and its arena; sets *self_p = NULL. Accepts NULL. */
void gw_msg_destroy(gw_msg_t **self_p);
/** Deep copy into a new arena. NULL on OOM. Ownership: the caller destroys the copy. */
gw_msg_t *gw_msg_dup(const gw_msg_t *m);

typedef struct gw_codec_opts {
    size_t max_size;     /* bytes; 0 = 25 MiB (OP179) */
    int max_depth;       /* element nesting; 0 = 32 */
    const char *xsd_dir; /* NULL = the schemas compiled into the library; else a directory
                            holding ijw/3_2/... and iwmo/3_2/...; nothing outside it is read */
} gw_codec_opts_t;

typedef struct gw_codec gw_codec_t;

/**
 * New codec. Schemas are compiled on first use per message type and cached for
 * the codec's life. A codec is used by one thread at a time.
 * Note: the first call installs a process-wide libxml2 external-entity loader
 * that serves only the gateway's schemas and refuses every other resource
 * (files, http, DTDs) for every document parsed in the process afterwards.
 * @param opts NULL for defaults.
 * @param err on failure receives a heap message (free with gw_free), may be NULL.
 * Ownership: the caller destroys the codec.
 */
gw_codec_t *gw_codec_new(const gw_codec_opts_t *opts, char **err);
void gw_codec_destroy(gw_codec_t **self_p);

/**
 * Compile every schema now (for `-t` and to move the cost out of the first message).
 * @returns GW_OK, GW_ESCHEMA (details in diag when given) or GW_ENOMEM.
 */
GW_NODISCARD int gw_codec_preload(gw_codec_t *self, gw_diag_t *diag);

/**
 * Recognise, XSD-validate and decode one message.
 * @returns GW_OK when the codec worked, whatever the verdict; GW_ENOMEM or
 *   GW_ESCHEMA when it could not do its job.
 * On GW_OK: diag holds level-0/1 findings if the input is unacceptable, and
 *   *msg_out is the decoded message when the input was recognised and is
 *   XSD-valid (otherwise NULL). *type_out (may be NULL) receives the recognised
 *   message type even when the message failed the XSD.
 * Ownership: the caller destroys *msg_out.
 */
GW_NODISCARD int gw_codec_decode(gw_codec_t *self, const char *buf, size_t len, gw_msg_t **msg_out,
                                 const gw_msgtype_t **type_out, gw_diag_t *diag);

/**
 * Serialise a message to XML: UTF-8, no BOM, CR/LF line ends (OP192), the
 * conventional prefixes, elements in schema order.
 * @returns GW_OK, GW_EINVAL (a required element is missing: the text in *err), GW_ENOMEM.
 * Ownership: *out is heap memory the caller frees with gw_free(); NUL-terminated.
 */
GW_NODISCARD int gw_codec_encode(const gw_msg_t *msg, char **out, size_t *len, char **err);

/**
 * Deep-compare two models of the same type.
 * @returns 1 when equal; 0 otherwise, with the first differing element path in
 *   *where (heap, free with gw_free) when where is not NULL.
 */
int gw_model_equal(const gw_msg_t *a, const gw_msg_t *b, char **where);

#endif
