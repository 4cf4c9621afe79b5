/*
 * Retourberichten (spec §1.5): for a heenbericht and the diagnostics of its
 * checks, build the answer the standard prescribes: 302/306/308/316/318/320 for
 * 301/305/307/315/317/319 and the 325 declaratie-antwoord for a 323. A message
 * rejected on level 0 or 1 gets no retourbericht (the sender gets an error).
 */
#ifndef GW_RETOUR_H
#define GW_RETOUR_H

#include "gw/codec.h"
#include "gw/diag.h"

typedef struct gw_retour_opts {
    const char *identificatie; /* IdentificatieRetour (325: its BerichtIdentificatie), max 12 chars;
                                  NULL = generated */
    const char *dagtekening;   /* DagtekeningRetour (325: Dagtekening), YYYY-MM-DD; NULL = today */
    const char *xslt_versie;   /* XsltVersie to state, NULL = omit */
} gw_retour_opts_t;

/**
 * Build the retourbericht for heen.
 * @param diag the findings of the checks on heen (levels 2..4 put codes in the retour).
 * @returns GW_OK with *out, GW_EINVAL when heen has no retourbericht (a retour or a 325)
 *   or when diag holds a level-0/1 finding (no retourbericht: answer with an error),
 *   GW_ENOMEM.
 * Ownership: the caller destroys *out; it shares nothing with heen.
 */
GW_NODISCARD int gw_retour_build(const gw_msg_t *heen, const gw_diag_t *diag,
                                 const gw_retour_opts_t *opts, gw_msg_t **out);

#endif
