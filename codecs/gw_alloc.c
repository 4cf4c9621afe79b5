/* The allocation seam (gw/alloc.h): one indirection so tests and fuzzers can
 * swap the allocator. The default is the C library's. */
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"

static const gw_allocator_t s_libc = {malloc, calloc, realloc, free};
static const gw_allocator_t *s_alloc = &s_libc;

void
gw_alloc_set(const gw_allocator_t *a)
{
    s_alloc = a ? a : &s_libc;
}

void *
gw_malloc(size_t size)
{
    return s_alloc->malloc_fn(size ? size : 1);
}

void *
gw_calloc(size_t n, size_t size)
{
    return s_alloc->calloc_fn(n ? n : 1, size ? size : 1);
}

void *
gw_realloc(void *ptr, size_t size)
{
    return s_alloc->realloc_fn(ptr, size ? size : 1);
}

void
gw_free(void *ptr)
{
    if (ptr) {
        s_alloc->free_fn(ptr);
    }
}

char *
gw_strdup(const char *s)
{
    if (!s) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *p = gw_malloc(n);
    if (p) {
        memcpy(p, s, n);
    }
    return p;
}
