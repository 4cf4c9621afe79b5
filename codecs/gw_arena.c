/* Bump allocator for per-message data (gw/arena.h). Blocks are chained; a
 * request larger than the block size gets a block of its own. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/arena.h"

#define ALIGN 16u

typedef struct block {
    struct block *next; /* older block */
    size_t size;        /* usable bytes in data */
    size_t used;        /* bytes handed out */
    _Alignas(16) unsigned char data[];
} block_t;

struct gw_arena {
    block_t *head;     /* current block (newest) */
    block_t *first;    /* the first block, kept on reset */
    size_t block_size; /* default size of new blocks */
    size_t total;      /* bytes handed out since the last reset */
};

static block_t *
s_block_new(size_t size)
{
    block_t *b = gw_malloc(sizeof(*b) + size);
    if (!b) {
        return NULL;
    }
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

gw_arena_t *
gw_arena_new(size_t block_size)
{
    gw_arena_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        return NULL;
    }
    self->block_size = block_size ? block_size : 8192;
    self->first = self->head = s_block_new(self->block_size);
    if (!self->head) {
        gw_free(self);
        return NULL;
    }
    return self;
}

static void
s_free_chain(block_t *b, block_t *stop)
{
    while (b && b != stop) {
        block_t *next = b->next;
        gw_free(b);
        b = next;
    }
}

void
gw_arena_destroy(gw_arena_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_arena_t *self = *self_p;
    s_free_chain(self->head, NULL);
    gw_free(self);
    *self_p = NULL;
}

void
gw_arena_reset(gw_arena_t *self)
{
    s_free_chain(self->head, self->first);
    self->head = self->first;
    self->first->used = 0;
    self->first->next = NULL;
    self->total = 0;
}

void *
gw_arena_alloc(gw_arena_t *self, size_t size)
{
    size = (size + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
    if (size == 0) {
        size = ALIGN;
    }
    block_t *b = self->head;
    if (b->size - b->used < size) {
        size_t bs = size > self->block_size ? size : self->block_size;
        block_t *nb = s_block_new(bs);
        if (!nb) {
            return NULL;
        }
        nb->next = self->head;
        self->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    self->total += size;
    memset(p, 0, size);
    return p;
}

char *
gw_arena_strndup(gw_arena_t *self, const char *s, size_t len)
{
    char *p = gw_arena_alloc(self, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *
gw_arena_strdup(gw_arena_t *self, const char *s)
{
    return s ? gw_arena_strndup(self, s, strlen(s)) : NULL;
}

char *
gw_arena_printf(gw_arena_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return NULL;
    }
    char *p = gw_arena_alloc(self, (size_t)n + 1);
    if (!p) {
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t
gw_arena_used(const gw_arena_t *self)
{
    return self->total;
}
