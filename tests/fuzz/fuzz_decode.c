/*
 * libFuzzer target for the codec: any bytes go through recognition, SAX parse
 * with plugged XSD validation, the intra-message rules, the retourbericht
 * builder and the encoder; whatever decodes must encode to XML that decodes
 * to an equal model. Built with -Dfuzz=enabled (clang).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/retour.h"
#include "gw/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gw_codec_t *s_codec;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_codec) {
        gw_codec_opts_t o = {.max_size = 1u << 20};
        s_codec = gw_codec_new(&o, NULL);
        if (!s_codec) {
            abort();
        }
    }
    gw_diag_t *diag = gw_diag_new();
    if (!diag) {
        return 0;
    }
    gw_msg_t *msg = NULL, *ret = NULL, *again = NULL;
    int rc = gw_codec_decode(s_codec, (const char *)data, size, &msg, NULL, diag);
    if (rc == GW_OK && msg) {
        if (gw_rules_run(msg, diag, gw_model_days(2026, 11, 24)) != GW_OK) {
            abort();
        }
        gw_retour_opts_t ro = {"FUZZ00000001", "2026-11-24", NULL};
        if (gw_retour_build(msg, diag, &ro, &ret) == GW_OK) {
            char *xml = NULL;
            size_t len = 0;
            if (gw_codec_encode(ret, &xml, &len, NULL) != GW_OK) {
                abort();
            }
            gw_free(xml);
        }
        char *xml = NULL;
        size_t len = 0;
        if (gw_codec_encode(msg, &xml, &len, NULL) != GW_OK) {
            abort();
        }
        gw_diag_t *d2 = gw_diag_new();
        if (d2 && gw_codec_decode(s_codec, xml, len, &again, NULL, d2) == GW_OK) {
            /* A model that came from valid XML re-encodes to valid XML of the same model
             * (up to whitespace-only leaves, which the schema types collapse). */
            if (again && !gw_model_equal(msg, again, NULL)) {
                abort();
            }
        }
        gw_diag_destroy(&d2);
        gw_free(xml);
    }
    gw_msg_destroy(&again);
    gw_msg_destroy(&ret);
    gw_msg_destroy(&msg);
    gw_diag_destroy(&diag);
    return 0;
}
