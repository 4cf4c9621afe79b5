/*
 * The contract register (docs/contract-register.md): a region's purchasing
 * agreements (inkoopafspraken) as an immutable, in-memory table built from one
 * human-editable file. Segments, the product code list with each product's
 * bekostiging (uitvoeringsvariant), units, tariffs, durations and age bands,
 * contracted providers (aanbieders) per segment and period, hoofdaannemer /
 * onderaannemer relations, the rule severities, and the CBS gemeente list for
 * TR378. The `contract` filter (filter_contract.c) reads it; a reload builds a
 * new register and the old one stays until the new one is complete.
 *
 * Lookups are binary searches over sorted arrays: no SQL, no allocation.
 * Every pointer handed out is borrowed and valid until gw_register_destroy().
 */
#ifndef GW_CONTRACT_REGISTER_H
#define GW_CONTRACT_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "gw/codec.h"
#include "gw/err.h"

#define GW_REG_OPEN_FROM INT32_MIN /* an open start of a period */
#define GW_REG_OPEN_TO   INT32_MAX /* an open end of a period */

/* Uitvoeringsvariant / bekostiging of a product (docs: BEKOSTIGING). */
typedef enum gw_bekostiging {
    GW_BEK_NONE = 0,   /* not configured: no bekostiging checks */
    GW_BEK_INSPANNING, /* inspanningsgericht: P x Q in time units */
    GW_BEK_OUTPUT,     /* outputgericht: a fixed amount per arrangement */
    GW_BEK_TAAK,       /* taakgericht: lump sum, no per-client declaratie */
} gw_bekostiging_t;

/* What a rule does when it fails (docs: SEVERITY). */
typedef enum gw_severity {
    GW_SEV_OFF = 0, /* not checked */
    GW_SEV_WARN,    /* level-5 diagnostic, message accepted */
    GW_SEV_REJECT,  /* level-4 diagnostic with the rule's retourcode */
    GW_SEV_ROUTE,   /* CR-ONDERAANNEMER only: deliver to the hoofdaannemer */
} gw_severity_t;

/* The rules of the contract filter, in the order ijwctl prints them. */
typedef enum gw_cr_rule {
    GW_CR_TR378 = 0,
    GW_CR_TR381,
    GW_CR_TR418,
    GW_CR_PRODUCT,
    GW_CR_NIET_GECONTRACTEERD,
    GW_CR_CONTRACT,
    GW_CR_BEKOSTIGING,
    GW_CR_TAAKGERICHT,
    GW_CR_EENHEID,
    GW_CR_FREQUENTIE,
    GW_CR_DUUR,
    GW_CR_LEEFTIJD,
    GW_CR_VERWIJZER,
    GW_CR_ONDERAANNEMER,
    GW_CR_SPECIFIEK, /* appended after format version 1's first rules */
    GW_CR_EINDDATUM,
    GW_CR_NRULES,
} gw_cr_rule_t;

/* Static description of one rule. */
typedef struct gw_cr_rule_info {
    const char *id;         /* "CR-CONTRACT", "TR418": the diagnostic's rule */
    const char *retourcode; /* WJ001 code it rejects with */
    gw_severity_t def;      /* default severity */
    uint32_t msgs;          /* GW_M3xx it applies to */
    const char *what;       /* one line, for ijwctl and the docs */
} gw_cr_rule_info_t;

extern const gw_cr_rule_info_t gw_cr_rules[GW_CR_NRULES];

/** Rule by id ("CR-DUUR"), or GW_CR_NRULES when unknown. */
gw_cr_rule_t gw_cr_rule_by_id(const char *id);

/* A date range, both ends inclusive (day numbers of gw_model_date). */
typedef struct gw_reg_period {
    int32_t from; /* GW_REG_OPEN_FROM when open */
    int32_t to;   /* GW_REG_OPEN_TO when open */
} gw_reg_period_t;

/* The inheritable product properties (product -> categorie -> segment). */
typedef struct gw_reg_props {
    uint32_t set;                 /* GW_REG_P_* bits: which fields were given */
    gw_bekostiging_t bekostiging; /* GW_REG_P_BEKOSTIGING */
    uint32_t eenheden;            /* bit i = gw_reg_eenheden[i] allowed; GW_REG_P_EENHEID */
    uint32_t frequenties;         /* bit i = gw_reg_frequenties[i]; GW_REG_P_FREQUENTIE */
    int32_t dur_n;                /* max_duur amount; GW_REG_P_MAXDUUR */
    char dur_unit;                /* 'd', 'w', 'm', 'j' */
    int age_min;                  /* leeftijd, -1 = open; GW_REG_P_LEEFTIJD */
    int age_max;                  /* -1 = open */
    int crisis;                   /* GW_REG_P_CRISIS */
    uint32_t verwijzers;          /* bit i = gw_reg_verwijzers[i]; GW_REG_P_VERWIJZERS */
    int buiten_scope;             /* GW_REG_P_SCOPE */
    int specifiek;                /* a Product/Code is required; GW_REG_P_SPECIFIEK */
    int einddatum;                /* an Einddatum is required; GW_REG_P_EINDDATUM */
    int age_max_at_begin;         /* leeftijd MAX on the Ingangsdatum; GW_REG_P_LEEFTIJD_OP */
    uint32_t sev_set;             /* bit r: sev[r] was given (`ernst`), per rule */
    uint8_t sev[GW_CR_NRULES];    /* gw_severity_t per rule, where sev_set */
} gw_reg_props_t;

enum {
    GW_REG_P_BEKOSTIGING = 1u << 0,
    GW_REG_P_EENHEID = 1u << 1,
    GW_REG_P_FREQUENTIE = 1u << 2,
    GW_REG_P_MAXDUUR = 1u << 3,
    GW_REG_P_LEEFTIJD = 1u << 4,
    GW_REG_P_CRISIS = 1u << 5,
    GW_REG_P_VERWIJZERS = 1u << 6,
    GW_REG_P_SCOPE = 1u << 7,
    GW_REG_P_SPECIFIEK = 1u << 8,
    GW_REG_P_EINDDATUM = 1u << 9,
    GW_REG_P_LEEFTIJD_OP = 1u << 10,
};

/* The code lists the props' bit masks index (NULL-terminated). */
extern const char *const gw_reg_eenheden[];    /* WJ756 */
extern const char *const gw_reg_frequenties[]; /* WMO757 */
extern const char *const gw_reg_verwijzers[];  /* COD327 */

/** Bit of code in a NULL-terminated list, or 0 when not in it. */
uint32_t gw_reg_code_bit(const char *const *list, const char *code);

typedef struct gw_reg_segment {
    const char *id;       /* "1", "ambulant" */
    const char *naam;     /* may be NULL */
    gw_reg_props_t props; /* as written in the section */
    int line;
} gw_reg_segment_t;

typedef struct gw_reg_tarief {
    int64_t amount; /* eurocents */
    gw_reg_period_t period;
    const char *product; /* aanbieder tariffs: the ProductCode; product tariffs: NULL */
    int line;
} gw_reg_tarief_t;

/* A categorie section, or the resolved view of an aspecific product. */
typedef struct gw_reg_categorie {
    gw_family_t wet;  /* GW_FAMILY_IJW / GW_FAMILY_IWMO */
    const char *code; /* "45" */
    const char *naam;
    const gw_reg_segment_t *segment; /* NULL only when buiten_scope */
    gw_reg_props_t props;            /* effective (own, then the segment's) */
    int line;
} gw_reg_categorie_t;

typedef struct gw_reg_product {
    gw_family_t wet;
    const char *code;      /* ProductCode */
    const char *categorie; /* its ProductCategorie */
    const char *naam;
    const gw_reg_segment_t *segment; /* NULL only when buiten_scope */
    gw_reg_period_t geldig;          /* when the code is in the list */
    int gecontracteerd;              /* 0: CR-NIET-GECONTRACTEERD */
    gw_reg_props_t props;            /* effective: own, then categorie's, then segment's */
    const gw_reg_tarief_t *tarief;   /* sorted by period */
    size_t ntarief;
    int line;
} gw_reg_product_t;

typedef struct gw_reg_contract {
    const gw_reg_segment_t *segment;
    gw_reg_period_t period;
    gw_bekostiging_t bekostiging; /* override; GW_BEK_NONE = the product's */
    const char *const *gemeenten; /* NULL = all of the region */
    size_t ngemeenten;
    const char *const *producten; /* NULL = every product of the segment */
    size_t nproducten;
    int line;
} gw_reg_contract_t;

typedef struct gw_reg_aanbieder {
    const char *agb;
    const char *naam;
    const struct gw_reg_aanbieder *hoofdaannemer; /* non-NULL: this one is an onderaannemer */
    const gw_reg_contract_t *contract;
    size_t ncontract;
    const gw_reg_tarief_t *tarief; /* provider-specific tariffs, sorted by product, period */
    size_t ntarief;
    int line;
} gw_reg_aanbieder_t;

typedef struct gw_register gw_register_t;

/**
 * Read and check a register file. Relative paths in it (gemeentelijst) are
 * taken relative to the file's directory.
 * @returns the register, or NULL with *err (heap, gw_free): one "file:line: text" line
 *   per problem, every problem of the file at once.
 * Ownership: the caller destroys the register.
 */
gw_register_t *gw_register_load(const char *path, char **err);

/**
 * Parse register text. name is used in errors; dir (may be NULL = ".") resolves
 * relative paths. Same result as gw_register_load.
 */
gw_register_t *gw_register_parse(const char *text, size_t len, const char *name, const char *dir,
                                 char **err);

void gw_register_destroy(gw_register_t **self_p);

/**
 * The path of a register named in a config file: an absolute reg as is, a relative one
 * relative to the directory of conf_file (may be NULL or have no directory: as is).
 * @returns GW_OK, or GW_EINVAL when it does not fit in cap.
 */
GW_NODISCARD int gw_register_resolve(const char *conf_file, const char *reg, char *out, size_t cap);

/** The region's naam. */
const char *gw_register_name(const gw_register_t *self);
/** The file it was read from (the name given to gw_register_parse). */
const char *gw_register_file(const gw_register_t *self);
/** Severity of a rule (the `regels` section, else the rule's default). */
gw_severity_t gw_register_severity(const gw_register_t *self, gw_cr_rule_t rule);
/** Severity of a rule for a product: its `ernst` (own, categorie's, segment's), else the
 * register's. props may be NULL. */
gw_severity_t gw_register_severity_for(const gw_register_t *self, const gw_reg_props_t *props,
                                       gw_cr_rule_t rule);
/** 1 when the register's `productlijst` is volledig (the default). */
int gw_register_complete_list(const gw_register_t *self);

/** 1 when gemeente belongs to the region (or the register names no gemeenten). */
int gw_register_in_scope(const gw_register_t *self, const char *gemeente);
/**
 * TR378: 1 when gemeente is in the CBS list on day, 0 when not, -1 when the
 * register has no gemeentelijst.
 */
int gw_register_gemeente_known(const gw_register_t *self, const char *gemeente, int32_t day);

/** Product by wet and ProductCode, or NULL. */
const gw_reg_product_t *gw_register_product(const gw_register_t *self, gw_family_t wet,
                                            const char *code);
/** Categorie by wet and code, or NULL. */
const gw_reg_categorie_t *gw_register_categorie(const gw_register_t *self, gw_family_t wet,
                                                const char *code);
/** Aanbieder by AGB code, or NULL. */
const gw_reg_aanbieder_t *gw_register_aanbieder(const gw_register_t *self, const char *agb);

/**
 * The contract of aanbieder a for segment seg valid on day, for gemeente and
 * product code (either may be NULL = not restricted), or NULL.
 */
const gw_reg_contract_t *gw_register_contract(const gw_reg_aanbieder_t *a,
                                              const gw_reg_segment_t *seg, int32_t day,
                                              const char *gemeente, const char *product);

/**
 * TR418: the contract tariff of product p for aanbieder a (may be NULL) on day:
 * the aanbieder's own tariff first, then the product's. 1 and *amount when one
 * is configured, else 0.
 */
int gw_register_tarief(const gw_reg_aanbieder_t *a, const gw_reg_product_t *p, int32_t day,
                       int64_t *amount);

/** Sizes, for ijwctl and tests. */
size_t gw_register_count_products(const gw_register_t *self);
size_t gw_register_count_aanbieders(const gw_register_t *self);

#endif
