/*
 * Field tables of the typed model (private to codecs/). One table per class
 * says, in schema order, which child elements the class has, where each one
 * lands in the C struct (offsetof), and what it is. The decoder, the encoder
 * and the model comparison all walk these tables: a message type is data.
 */
#ifndef GW_CODEC_TABLES_H
#define GW_CODEC_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "gw/codec.h"

typedef enum gw_node_kind {
    GW_N_TEXT = 0, /* leaf, 0..1 or 1..1: const char * */
    GW_N_TEXTS,    /* repeating leaf: gw_codes_t-shaped list of const char * */
    GW_N_ONE,      /* complex, 0..1 or 1..1: pointer to a struct */
    GW_N_MANY,     /* complex, 1..n: GW_LIST_OF(struct) */
} gw_node_kind_t;

/* Field flags. */
enum {
    GW_NF_RETOUR = 1u << 0, /* only in retourberichten and the 325 (RetourCodes) */
    GW_NF_IJW = 1u << 1,    /* only in iJw (GezagsdragerBekend, Woonplaatsbeginsel) */
};

typedef struct gw_node_type gw_node_type_t;

typedef struct gw_node_field {
    const char *name;           /* element local name */
    const char *wrap;           /* folded wrapper element (ToegewezenProducten), or NULL */
    uint8_t kind;               /* gw_node_kind_t */
    uint8_t flags;              /* GW_NF_* */
    size_t off;                 /* offset in the parent struct */
    const gw_node_type_t *type; /* child class for GW_N_ONE / GW_N_MANY */
} gw_node_field_t;

struct gw_node_type {
    const char *name;         /* class name, for paths and messages */
    size_t size;              /* sizeof the C struct */
    uint8_t basis;            /* 1: a CDT_ type, children in the basisschema namespace */
    const gw_node_field_t *f; /* fields in schema order */
    size_t n;                 /* number of fields */
};

/* Generic list view: every GW_LIST_OF(T) has this layout. */
typedef struct gw_list {
    void *v;
    size_t n;
} gw_list_t;

/* Is field f present in a message of type t? */
static inline int
gw_field_applies(const gw_node_field_t *f, const gw_msgtype_t *t)
{
    if ((f->flags & GW_NF_RETOUR) && t->kind == GW_KIND_HEEN) {
        return 0;
    }
    if ((f->flags & GW_NF_IJW) && t->family != GW_FAMILY_IJW) {
        return 0;
    }
    return 1;
}

#endif
