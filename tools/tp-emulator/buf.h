/* buf.h - a growable string for building the text replies; an allocation
 * failure is remembered and reported once, by emu_buf_take. */
#ifndef EMU_BUF_H
#define EMU_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct emu_buf {
    char *data;
    size_t len, cap;
    bool oom;
};

void emu_buf_addf(struct emu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The built string (caller frees), or NULL after an allocation failure. */
char *emu_buf_take(struct emu_buf *b);

#endif
