/* ids.h - random resource ids ("s-" + 10, "req_" + 12 lowercase alphanumerics).
 * They come from their own generator seeded by the kernel, not from the fault
 * seed: a restart with the same --seed must not reissue ids already in the
 * state file, and creating a volume must not shift the fault sequence. */
#ifndef EMU_IDS_H
#define EMU_IDS_H

#include <stddef.h>

void emu_ids_init(void);
/* Writes prefix followed by n random characters and a NUL into out. */
void emu_id_make(char *out, size_t outlen, const char *prefix, size_t n);

#endif
