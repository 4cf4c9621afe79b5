/*
 * The message check: everything the gateway decides from one submitted message
 * on its own (no store, no routing): decode and XSD-validate, verify that the
 * submitting party is the message's sender, run the standard's intra-message
 * rules, and produce what the broker needs next: the verdict, the header fields
 * for routing and dedup, the retourbericht of a rejection, an optional
 * retourbericht for an accepted message, and a wire-tap copy without free text.
 * Runs in worker threads (gw_worker.c); pure function of its inputs.
 */
#ifndef GW_CHECK_H
#define GW_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "gw/codec.h"
#include "gw/diag.h"

typedef enum gw_check_status {
    GW_CHECK_ACCEPT = 0, /* route, store, acknowledge */
    GW_CHECK_REJECT,     /* refused by a rule of the standard: answer with text = retourbericht */
    GW_CHECK_ERROR,      /* refused: answer ERROR code with text = reason */
} gw_check_status_t;

/* Plain data, copied between threads as bytes. */
typedef struct gw_check {
    gw_check_status_t status;
    char code[32];            /* ERROR code, or the first rule of a REJECT */
    const gw_msgtype_t *type; /* recognised type (static registry entry), or NULL */
    int decoded;              /* passed levels 0/1 (readable, XSD-valid): header fields are set */
    char answer_type[16];     /* REJECT / answer: the retourbericht's type name */
    char afzender[65];        /* Header/Afzender */
    char ontvanger[65];       /* Header/Ontvanger */
    char ident[16];           /* BerichtIdentificatie/Identificatie */
    char dagtekening[16];     /* BerichtIdentificatie/Dagtekening */
} gw_check_t;

typedef struct gw_check_out {
    char *text;     /* heap (gw_free): ERROR reason or REJECT retourbericht; may be NULL */
    size_t text_len;
    char *tap;      /* heap: the stripped copy when asked for; may be NULL */
    size_t tap_len;
    char *answer;   /* heap: retourbericht for an accepted heenbericht when asked for */
    size_t answer_len;
    gw_msg_t *msg;  /* ACCEPT: the decoded message, for the filter chain; owned */
} gw_check_out_t;

/**
 * Check one message submitted by party peer.
 * @param strip_mask bit i set: produce a stripped copy if the type is gw_msgtype_at(i).
 * @param answer_accepted produce the retourbericht of an accepted heenbericht.
 * @returns GW_OK with *res and *out filled (free out with gw_check_out_clear), or GW_ENOMEM.
 */
GW_NODISCARD int gw_check_run(gw_codec_t *codec, gw_diag_t *diag, const char *peer,
                              const char *body, size_t len, uint32_t strip_mask,
                              int answer_accepted, gw_check_t *res, gw_check_out_t *out);
void gw_check_out_clear(gw_check_out_t *out);

#endif
