/*
 * Allocation seam. Every heap allocation of the gateway libraries goes through
 * gw_malloc/gw_calloc/gw_realloc/gw_free, so tests can route them through
 * cmocka's leak-checking allocator and fuzzers can inject failures.
 */
#ifndef GW_ALLOC_H
#define GW_ALLOC_H

#include <stddef.h>

typedef struct gw_allocator {
    void *(*malloc_fn)(size_t size);             /* like malloc(3) */
    void *(*calloc_fn)(size_t n, size_t size);   /* like calloc(3) */
    void *(*realloc_fn)(void *ptr, size_t size); /* like realloc(3) */
    void (*free_fn)(void *ptr);                  /* like free(3) */
} gw_allocator_t;

/**
 * Replace the allocator (tests and fuzzers only; call before any other gw_ call).
 * @param a the new allocator, or NULL to restore the C library's.
 * Ownership: a is borrowed and must outlive every later allocation.
 */
void gw_alloc_set(const gw_allocator_t *a);

void *gw_malloc(size_t size);
void *gw_calloc(size_t n, size_t size);
void *gw_realloc(void *ptr, size_t size);
void gw_free(void *ptr);
/** Duplicate a string. Ownership: the caller frees with gw_free(). NULL on OOM. */
char *gw_strdup(const char *s);

#endif
