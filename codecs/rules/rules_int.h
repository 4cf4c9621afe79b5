/*
 * Private interface of the intra-message rules (spec §5.2, §5.3): the helpers
 * the CD/CS/TR check functions share (element paths, reading leaves, dates,
 * the 11-proef, period overlap, duplicate keys) and the prototypes of the
 * check functions the rule table in rules.c points at. Nothing here is public;
 * tests include it to check the helpers directly.
 */
#ifndef GW_RULES_INT_H
#define GW_RULES_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/codec.h"
#include "gw/model.h"
#include "gw/rules.h"

/* ---- element paths (/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]) ---- */

#define GW_RPATH_MAX 320

/* A path under construction. Push returns a mark; pop back to it. Set by
 * gw_rpath_set(); a path that would overflow is cut off (still terminated). */
typedef struct gw_rpath {
    char buf[GW_RPATH_MAX]; /* NUL-terminated path */
    size_t len;             /* strlen(buf) */
} gw_rpath_t;

/* Reset the path to s ("" or "/Bericht/..."). */
void gw_rpath_set(gw_rpath_t *p, const char *s);
/* Append "/name"; returns the mark to pop back to. */
size_t gw_rpath_push(gw_rpath_t *p, const char *name);
/* Append "/name[i+1]" (i is 0-based, the path is 1-based, as in XPath). */
size_t gw_rpath_pushi(gw_rpath_t *p, const char *name, size_t i);
/* Truncate back to a mark returned by a push. */
void gw_rpath_pop(gw_rpath_t *p, size_t mark);

/* Report a violation at base + "/" + leaf (leaf may be NULL or hold several
 * steps, "Omvang/Frequentie"). Same contract as gw_rule_report(). */
GW_NODISCARD int gw_rule_report_at(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls,
                                   const gw_rpath_t *base, const char *leaf, const char *fmt, ...)
    GW_PRINTF(6, 7);
/* va_list form of gw_rule_report(). */
GW_NODISCARD int gw_rule_vreport(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls,
                                 const char *path, const char *fmt, va_list ap) GW_PRINTF(5, 0);

/* ---- reading leaves (the XSLT's testvalue: trimmed text) ---- */

/* Element present with non-blank text (XSLT value "*"). */
int gw_rv_filled(const char *s);
/* Trimmed text equals code (XSLT value "01"). Absent: 0. */
int gw_rv_eq(const char *s, const char *code);
/* Trimmed text equals one of the comma-separated codes in set (XSLT "02,03,04,05"). */
int gw_rv_in(const char *s, const char *set);
/* Trimmed comparison where an absent leaf equals only another absent leaf
 * (the XSLT's duplicate-key test). Returns <0, 0, >0 like strcmp. */
int gw_rv_cmp(const char *a, const char *b);
/* Integer value of a leaf; 1 when it parsed. */
int gw_rv_int(const char *s, int64_t *v);
/* Day number of an LDT_Datum leaf; 1 when it parsed (XSD-valid input always does). */
int gw_rv_date(const char *s, int32_t *day);

/* ---- dates ---- */

/* YYYYMMDD as a number, the form the XSLT compares dates and years in. */
int64_t gw_date_ymd(int32_t day);
/* Number of days in a month of the proleptic Gregorian calendar. */
int gw_days_in_month(int y, int m);
/* day plus n calendar months (n may be negative); a day past the end of the
 * target month becomes its last day (the XSLT's addMonths "truncate"). */
int32_t gw_date_add_months(int32_t day, int n);
/* Dagtekening of the message (Header/BerichtIdentificatie/Dagtekening); 1 when present. */
int gw_rules_dagtekening(const gw_msg_t *msg, int32_t *day);

/* ---- domain helpers ---- */

/* CS002 11-proef on a BSN as the official XSLT computes it: 9 digits,
 * (9*d1 + 8*d2 + ... + 2*d8 - d9) mod 11 == 0. An all-zero BSN passes, like
 * in the XSLT. Returns 1 when valid, 0 otherwise (also for non-digits). */
int gw_bsn_elfproef(const char *bsn);

/* A period of days. An open end (no Einddatum) runs forever. */
typedef struct gw_span {
    int32_t begin; /* first day (day number) */
    int32_t end;   /* last day, inclusive; ignored when open */
    int open;      /* 1: no end date */
} gw_span_t;

/* Do two periods share at least one day? (The XSLT's isPeriodOverlay.) */
int gw_span_overlap(const gw_span_t *a, const gw_span_t *b);

/* CS089: LandCode NL needs a Dutch postcode: [1-9][0-9]{3}[a-zA-Z]{2}, no space. */
int gw_postcode_nl(const char *s);

/* ---- walking the model ---- */

/* Number of Client classes: 1 in 301..318 (when present), n in 323/325. */
size_t gw_rules_nclients(const gw_msg_t *msg);
/* Client i and its path (/Bericht/Client or .../Clienten/Client[i+1]). */
const gw_client_t *gw_rules_client(const gw_msg_t *msg, size_t i, gw_rpath_t *path);

/* Visitor of every Contact in a 301: Client/Contactgegevens/Contact[i] and
 * Client/Relaties/Relatie[i]/Contact. path points at the Contact. */
typedef int (*gw_contact_fn)(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_contact_t *c,
                             const gw_rpath_t *path);
GW_NODISCARD int gw_rules_each_contact(const gw_rule_t *rule, gw_rule_ctx_t *ctx, gw_contact_fn fn);

/* Visitor of every Prestatie of a 323/325 (all Clients, document order);
 * path points at .../Prestaties/Prestatie[i]. */
typedef int (*gw_prestatie_fn)(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prestatie_t *pr,
                               const gw_rpath_t *path);
GW_NODISCARD int gw_rules_each_prestatie(const gw_rule_t *rule, gw_rule_ctx_t *ctx,
                                         gw_prestatie_fn fn);

/* The product-like classes share rules (CD041, CD075..CD079, CS003, CS338...).
 * A view gives them one shape; fields a class lacks are NULL. */
enum {
    GW_PV_TOEGEWEZEN = 1u << 0,  /* 301 ToegewezenProduct */
    GW_PV_AANGEVRAAGD = 1u << 1, /* 315 AangevraagdProduct */
    GW_PV_TEWIJZIGEN = 1u << 2,  /* 317 TeWijzigenProduct */
    GW_PV_NIEUW = 1u << 3,       /* 317 NieuwProduct */
};

typedef struct gw_prodview {
    unsigned kind;               /* one GW_PV_* */
    const void *cls;             /* the class struct (retourcode owner) */
    const gw_product_t *Product; /* Product (NULL when absent or the class has none) */
    const char *Begin;           /* Ingangsdatum / ToewijzingIngangsdatum / GewensteIngangsdatum */
    const char *begin_name;      /* element name of Begin */
    const char *Eind;            /* Einddatum / ToewijzingEinddatum */
    const char *eind_name;       /* element name of Eind */
    const gw_omvang_t *Omvang;   /* Omvang or NULL */
    const char *Budget;          /* Budget or NULL */
} gw_prodview_t;

/* Visitor of every product of the kinds in mask, in document order. */
typedef int (*gw_prod_fn)(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const gw_prodview_t *pv,
                          const gw_rpath_t *path);
GW_NODISCARD int gw_rules_each_product(const gw_rule_t *rule, gw_rule_ctx_t *ctx, unsigned mask,
                                       gw_prod_fn fn);
/* View of ToegewezenProduct / AangevraagdProduct / TeWijzigen- or NieuwProduct. */
void gw_prodview_toegewezen(gw_prodview_t *pv, const gw_toegewezen_product_t *p);
void gw_prodview_aangevraagd(gw_prodview_t *pv, const gw_aangevraagd_product_t *p);
void gw_prodview_vow(gw_prodview_t *pv, const gw_vow_product_t *p, unsigned kind);

/* ---- duplicate keys (TR101, TR315, TR416) ---- */

#define GW_KEY_MAX 6

/* One row of a key table: up to GW_KEY_MAX key leaves and the row's index. */
typedef struct gw_keyrow {
    const char *k[GW_KEY_MAX]; /* key leaves, NULL = absent (unused slots stay NULL) */
    size_t idx;                /* position of the row in its list (0-based) */
} gw_keyrow_t;

/* Sort rows by key (gw_rv_cmp per slot), then by idx, so equal keys are
 * adjacent and in document order. */
void gw_keyrows_sort(gw_keyrow_t *rows, size_t n);
/* Do two rows have the same key? */
int gw_keyrows_same(const gw_keyrow_t *a, const gw_keyrow_t *b);

/* ---- check functions (one per rule; rules_cd.c, rules_cs.c, rules_tr.c) ---- */

/* Each adds one diagnostic per violation; returns GW_OK or GW_ENOMEM. */
GW_NODISCARD int gw_check_cd005(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd007(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd009(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd025(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd034(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd041(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd043(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd060(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd066(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd067(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd068(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd075(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd076(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd077(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd078(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd079(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd080(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd085(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd086(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd087(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd095(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cd096(const gw_rule_t *rule, gw_rule_ctx_t *ctx);

GW_NODISCARD int gw_check_cs002(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs003(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs050(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs058(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs089(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs100(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs139(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs318(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs325(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs335(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs336(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs337(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs338(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs339(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs340(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_cs343(const gw_rule_t *rule, gw_rule_ctx_t *ctx);

GW_NODISCARD int gw_check_tr002(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr006(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr018(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr061(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr101(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr134(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr137(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr302(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr315(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr316(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr319(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr335(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr342(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr352(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr353(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr358(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr377(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr380(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr383(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr386(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr409(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr410(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr416(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr135(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
GW_NODISCARD int gw_check_tr346(const gw_rule_t *rule, gw_rule_ctx_t *ctx);

#endif
