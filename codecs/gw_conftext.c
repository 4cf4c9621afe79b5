/* The `key = value` value lexer shared by the config and the contract register (gw/conftext.h). */
#include <string.h>

#include "gw/conftext.h"

int
gw_conf_value(const char *c, const char *end, char *out, size_t cap, const char **why)
{
    size_t o = 0;
    while (c < end && (*c == ' ' || *c == '\t')) {
        c++;
    }
    if (c < end && *c == '"') {
        for (c++;; c++) {
            if (c == end) {
                *why = "unterminated quoted value";
                return 0;
            }
            if (*c == '"') {
                c++;
                break;
            }
            if (*c == '\\') {
                if (c + 1 == end || (c[1] != '"' && c[1] != '\\')) {
                    *why = "bad escape in quoted value (only \\\" and \\\\)";
                    return 0;
                }
                c++;
            }
            if (o + 1 >= cap) {
                *why = "value too long";
                return 0;
            }
            out[o++] = *c;
        }
        while (c < end && (*c == ' ' || *c == '\t')) {
            c++;
        }
        if (c < end && *c != '#') {
            *why = "unexpected text after quoted value";
            return 0;
        }
    } else {
        const char *hash = memchr(c, '#', (size_t)(end - c));
        const char *vend = hash ? hash : end;
        while (vend > c && (vend[-1] == ' ' || vend[-1] == '\t')) {
            vend--;
        }
        if ((size_t)(vend - c) >= cap) {
            *why = "value too long";
            return 0;
        }
        o = (size_t)(vend - c);
        memcpy(out, c, o);
    }
    out[o] = '\0';
    return 1;
}
