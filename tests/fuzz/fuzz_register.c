/*
 * libFuzzer target for the contract register parser (filters/contract_register.c):
 * any bytes are parsed as a register; the parser must refuse or accept without
 * crashing or leaking, every refusal must carry "file:line" errors, and an
 * accepted register must answer its lookups. The first byte selects allocation
 * failure (bit 0) so the out-of-memory paths run too. Relative paths
 * (gemeentelijst) resolve against a directory that does not exist, so the
 * target reads no files. Built with -Dfuzz=enabled (clang).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"

#include "contract_register.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t s_budget; /* allocations left before failing, when failing is on */

static void *
s_malloc(size_t n)
{
    return s_budget-- > 0 ? malloc(n) : NULL;
}

static void *
s_calloc(size_t n, size_t size)
{
    return s_budget-- > 0 ? calloc(n, size) : NULL;
}

static void *
s_realloc(void *p, size_t n)
{
    return s_budget-- > 0 ? realloc(p, n) : NULL;
}

static const gw_allocator_t s_failing = {s_malloc, s_calloc, s_realloc, free};
static const gw_allocator_t s_plain = {malloc, calloc, realloc, free};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    int fail = data[0] & 1;
    s_budget = (size_t)(data[0] >> 1) * 4;
    gw_alloc_set(fail ? &s_failing : &s_plain);
    char *err = NULL;
    gw_register_t *reg = gw_register_parse((const char *)data + 1, size - 1, "fuzz.register",
                                           "/nonexistent-fuzz-dir", &err);
    gw_alloc_set(&s_plain);
    if (reg) {
        if (err) {
            abort(); /* success leaves no error text */
        }
        (void)gw_register_name(reg);
        (void)gw_register_in_scope(reg, "0363");
        (void)gw_register_gemeente_known(reg, "0363", 20000);
        const gw_reg_product_t *p = gw_register_product(reg, GW_FAMILY_IJW, "45A48");
        const gw_reg_aanbieder_t *a = gw_register_aanbieder(reg, "42420001");
        int64_t t = 0;
        if (p) {
            (void)gw_register_tarief(a, p, 20000, &t);
            (void)gw_register_contract(a, p->segment, 20000, "0363", p->code);
        }
        gw_register_destroy(&reg);
    } else if (err && !fail && strncmp(err, "fuzz.register", 13) != 0) {
        abort(); /* every refusal names the file */
    }
    gw_free(err);
    return 0;
}
