/*
 * Intra-message rules of the standard (spec §5.2, §5.3): the CD, CS and TR rules
 * that can be decided from one message (controleniveau 2, retourcode 0001), and
 * the external-source rules that need only the message and the system date
 * (TR135 8848, TR346 9346). Rules are data: a table of gw_rule_t.
 */
#ifndef GW_RULES_H
#define GW_RULES_H

#include <stdint.h>

#include "gw/codec.h"
#include "gw/diag.h"

typedef struct gw_rule_ctx {
    const gw_msg_t *msg; /* the message under test (borrowed) */
    gw_diag_t *diag;     /* findings go here */
    int32_t today;       /* system date as a day number (gw_model_days), for TR135 */
} gw_rule_ctx_t;

typedef struct gw_rule gw_rule_t;
struct gw_rule {
    const char *code;       /* "CD041" */
    gw_level_t level;       /* GW_LEVEL_CONTENT or GW_LEVEL_EXTERNAL */
    const char *retourcode; /* "0001", "8848", "9346" */
    unsigned msgs;          /* GW_M301 | ... : messages it applies to */
    unsigned families;      /* GW_FAMILY_IJW | GW_FAMILY_IWMO */
    const char *text;       /* the rule's official text (Dutch) */
    /* Add one diagnostic per violation; return GW_OK or GW_ENOMEM. */
    int (*check)(const gw_rule_t *rule, gw_rule_ctx_t *ctx);
};

/** The rule table. */
size_t gw_rules_count(void);
const gw_rule_t *gw_rules_at(size_t i);
/** NULL when unknown. */
const gw_rule_t *gw_rules_find(const char *code);

/**
 * Run every applicable rule on msg.
 * @param today day number of the system date; 0 = take it from the clock.
 * @returns GW_OK (findings in diag) or GW_ENOMEM.
 */
GW_NODISCARD int gw_rules_run(const gw_msg_t *msg, gw_diag_t *diag, int32_t today);

/**
 * Report a violation of rule at path. cls is the model class the retourcode
 * belongs to (NULL: Header). fmt describes the finding without personal data.
 */
GW_NODISCARD int gw_rule_report(const gw_rule_t *rule, gw_rule_ctx_t *ctx, const void *cls,
                                const char *path, const char *fmt, ...) GW_PRINTF(5, 6);

#endif
