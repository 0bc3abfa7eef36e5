/* buf.c - formatted appends with doubling growth. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static bool reserve(struct emu_buf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 256;
    char *grown;

    if (b->len + extra + 1 <= b->cap)
        return true;
    while (cap < b->len + extra + 1)
        cap *= 2;
    grown = realloc(b->data, cap);
    if (!grown)
        return false;
    b->data = grown;
    b->cap = cap;
    return true;
}

void emu_buf_addf(struct emu_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->oom)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n)) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *emu_buf_take(struct emu_buf *b)
{
    char *s = b->oom ? NULL : b->data;

    if (b->oom)
        free(b->data);
    else if (!s)
        s = calloc(1, 1);
    *b = (struct emu_buf){0};
    return s;
}
