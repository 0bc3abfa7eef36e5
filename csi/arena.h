/* arena.h - per-call memory: everything a call allocates is freed at once.
 *
 * Requests are unpacked into the call's arena (through a ProtobufCAllocator)
 * and handlers build responses in it, so no handler ever frees a message or
 * has to know which strings it owns. Allocation failure aborts the process,
 * as memory exhaustion is not something an RPC can recover from.
 */
#ifndef CSI_ARENA_H
#define CSI_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

struct csi_arena;

struct csi_arena *csi_arena_new(void);
/* Frees every allocation made from the arena, then the arena. NULL is a no-op. */
void csi_arena_free(struct csi_arena *a);

/* Zeroed memory that lives until csi_arena_free. */
void *csi_arena_alloc(struct csi_arena *a, size_t size);
char *csi_arena_strdup(struct csi_arena *a, const char *s);
char *csi_arena_printf(struct csi_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An allocator for protobuf_c_message_unpack that allocates from the arena;
 * its free is a no-op. */
ProtobufCAllocator csi_arena_allocator(struct csi_arena *a);

#endif
