/*
 * Per-message arena (nginx's request pool). Everything decoded from one message
 * (the typed model, its strings, diagnostics) is carved from one arena and dies
 * with it: no per-field frees, no leaks on error paths.
 */
#ifndef GW_ARENA_H
#define GW_ARENA_H

#include <stddef.h>

typedef struct gw_arena gw_arena_t;

/** New arena whose first block holds block_size bytes (0 = default 8 KiB). NULL on OOM. */
gw_arena_t *gw_arena_new(size_t block_size);
/** Free the arena and everything allocated from it; sets *self_p = NULL. Accepts NULL. */
void gw_arena_destroy(gw_arena_t **self_p);
/** Forget every allocation but keep the first block for reuse. */
void gw_arena_reset(gw_arena_t *self);
/** Zeroed, 16-byte aligned memory valid until destroy/reset. NULL on OOM. */
void *gw_arena_alloc(gw_arena_t *self, size_t size);
/** Copy len bytes of s and NUL-terminate. NULL on OOM. */
char *gw_arena_strndup(gw_arena_t *self, const char *s, size_t len);
/** Copy a NUL-terminated string (NULL in gives NULL out). */
char *gw_arena_strdup(gw_arena_t *self, const char *s);
/** printf into the arena. NULL on OOM. */
char *gw_arena_printf(gw_arena_t *self, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Bytes handed out so far (for limits and benchmarks). */
size_t gw_arena_used(const gw_arena_t *self);

#endif
