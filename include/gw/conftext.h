/*
 * Lexing helpers shared by the gateway's line-based text formats: the gateway
 * config (gateway/gw_config.c) and the contract register (filters/contract_register.c)
 * use the same `key = value` syntax, so they share one value lexer.
 */
#ifndef GW_CONFTEXT_H
#define GW_CONFTEXT_H

#include <stddef.h>

/**
 * Lex the value after '=' in [c, end): "quoted" (only \" and \\ escapes; may hold '#')
 * or bare (up to a '#' comment, trailing blanks trimmed). Leading blanks are skipped.
 * An empty value is not an error here: the caller decides whether it allows one.
 * @param out  receives the value, NUL-terminated (cap bytes, cap >= 1)
 * @param why  on failure, a static text naming the syntax error
 * @returns 1 on success, 0 on a syntax error or a value that does not fit
 */
int gw_conf_value(const char *c, const char *end, char *out, size_t cap, const char **why);

#endif
