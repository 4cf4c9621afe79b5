/*
 * Diagnostics and verdicts. A verdict says whether a message is acceptable; the
 * diagnostic list says why not, with the rule code, the retourcode the standard
 * gives it, the element path, and where in the typed model the retourcode must
 * go when the retourbericht is built. Diagnostics never contain payload values
 * that identify a person (no BSN, names or free text): only codes and paths.
 */
#ifndef GW_DIAG_H
#define GW_DIAG_H

#include <stddef.h>

#include "gw/err.h"

/* Controleniveaus of the standard (IV028/IV032), plus level 0 for input that is
 * not a readable message at all. */
typedef enum gw_level {
    GW_LEVEL_INPUT = 0,    /* empty, oversize, not well-formed, DTD/entities, unknown message */
    GW_LEVEL_XSD = 1,      /* berichtformaat: fails the XSD; no retourbericht */
    GW_LEVEL_CONTENT = 2,  /* bericht inhoud (CD/CS/TR in one message): retour with 0001 */
    GW_LEVEL_CROSS = 3,    /* berichtoverstijgend: retour with the rule's code per class */
    GW_LEVEL_EXTERNAL = 4, /* externe bron (system date, CBS, contract): code per class */
    GW_LEVEL_WARN = 5,     /* advice only; never rejects */
} gw_level_t;

typedef enum gw_verdict {
    GW_VERDICT_ERROR = -1, /* a filter itself failed: the message is refused, the failure logged */
    GW_VERDICT_PASS = 0, /* acceptable */
    GW_VERDICT_WARN,     /* acceptable, with warnings in the diagnostics */
    GW_VERDICT_REJECT,   /* not acceptable; at least one diagnostic says why */
    GW_VERDICT_STOP,     /* fully handled by a filter (e.g. a duplicate answered) */
} gw_verdict_t;

/* How the sender must be answered, derived from the worst diagnostic. */
typedef enum gw_answer {
    GW_ANSWER_RETOUR_OK,     /* retourbericht without retourcodes (325: 0200 + 8001) */
    GW_ANSWER_RETOUR_REJECT, /* retourbericht with retourcodes (levels 2..4) */
    GW_ANSWER_ERROR,         /* levels 0/1: no retourbericht, an error to the sender */
} gw_answer_t;

typedef struct gw_diag_entry {
    gw_level_t level;    /* controleniveau */
    const char *rule;    /* rule code: "CD041", "TR101", "XSD", "XML", "SIZE", "DTD", ... */
    char retourcode[5];  /* WJ001 code ("0001", "8848"); "" when the level has none */
    const char *path;    /* element path, e.g. /Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/Omvang */
    const char *text;    /* human-readable reason, no personal data */
    int line;            /* input line, 0 when unknown */
    const void *cls;     /* model class the retourcode belongs to (NULL: the Header) */
} gw_diag_entry_t;

typedef struct gw_diag gw_diag_t;

/** New, empty diagnostic list. NULL on OOM. Ownership: caller destroys. */
gw_diag_t *gw_diag_new(void);
/** Free the list; sets *self_p = NULL. Accepts NULL. */
void gw_diag_destroy(gw_diag_t **self_p);
/** Empty the list for reuse. */
void gw_diag_reset(gw_diag_t *self);

/**
 * Append a diagnostic. rule, retourcode, path and text are copied.
 * @param retourcode NULL or "" when the level carries none.
 * @param cls model class the code attaches to, or NULL (Header).
 * @returns GW_OK or GW_ENOMEM.
 */
GW_NODISCARD int gw_diag_add(gw_diag_t *self, gw_level_t level, const char *rule,
                             const char *retourcode, const char *path, int line,
                             const void *cls, const char *fmt, ...) GW_PRINTF(8, 9);

size_t gw_diag_count(const gw_diag_t *self);
/** Borrowed; valid until the next add/reset/destroy. */
const gw_diag_entry_t *gw_diag_at(const gw_diag_t *self, size_t i);
/** Number of entries at a given level. */
size_t gw_diag_count_level(const gw_diag_t *self, gw_level_t level);
/** True when any entry rejects (levels 0..4). */
int gw_diag_rejects(const gw_diag_t *self);
/** Lowest (most fundamental) rejecting level present, or GW_LEVEL_WARN when none rejects. */
gw_level_t gw_diag_worst(const gw_diag_t *self);
/** Verdict implied by the entries: REJECT, WARN or PASS. */
gw_verdict_t gw_diag_verdict(const gw_diag_t *self);
/** How to answer the sender (see gw_answer_t). */
gw_answer_t gw_diag_answer(const gw_diag_t *self);
/** True when an entry with this retourcode is attached to cls (cls may be NULL = Header). */
int gw_diag_has_code_for(const gw_diag_t *self, const void *cls);
/** Short name of a level: "input", "xsd", "content", "cross", "external", "warn". */
const char *gw_level_name(gw_level_t level);

#endif
