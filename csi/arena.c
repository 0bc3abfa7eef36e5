/* arena.c - a bump allocator over a list of blocks; big requests get their
 * own block. Calls are small (a few KB), so one 4 KB block usually does. */
#include "csi/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 4096
#define ARENA_ALIGN 16

struct block {
    struct block *next;
    size_t used, size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct csi_arena {
    struct block *head;
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        abort();
    return p;
}

struct csi_arena *csi_arena_new(void) { return xcalloc(1, sizeof(struct csi_arena)); }

void csi_arena_free(struct csi_arena *a)
{
    if (!a)
        return;
    for (struct block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

static struct block *new_block(struct csi_arena *a, size_t size)
{
    struct block *b = xcalloc(1, sizeof *b + size);
    b->size = size;
    if (a->head && size > ARENA_BLOCK) {
        /* Oversized blocks go second so the current small block stays in use. */
        b->next = a->head->next;
        a->head->next = b;
    } else {
        b->next = a->head;
        a->head = b;
    }
    return b;
}

void *csi_arena_alloc(struct csi_arena *a, size_t size)
{
    if (size > SIZE_MAX / 2) /* no real request is this big; rounding would wrap */
        abort();
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0)
        size = ARENA_ALIGN;
    struct block *b = a->head;
    if (!b || b->size - b->used < size)
        b = new_block(a, size > ARENA_BLOCK ? size : ARENA_BLOCK);
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

char *csi_arena_strdup(struct csi_arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(csi_arena_alloc(a, n), s, n);
}

char *csi_arena_printf(struct csi_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = csi_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void *pb_alloc(void *data, size_t size) { return csi_arena_alloc(data, size); }
static void pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

ProtobufCAllocator csi_arena_allocator(struct csi_arena *a)
{
    return (ProtobufCAllocator){.alloc = pb_alloc, .free = pb_free, .allocator_data = a};
}
