/* buckets.h - the bucket store behind the object-storage endpoints. The
 * handlers only see this function table, so a later backend can forward the
 * calls to a real S3 server without touching them; today's backend is
 * buckets_local.c, which keeps names (and a fake object count) in the state
 * file. Callers hold the state lock. */
#ifndef EMU_BUCKETS_H
#define EMU_BUCKETS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum emu_bucket_result {
    EMU_BUCKET_OK,
    EMU_BUCKET_EXISTS,
    EMU_BUCKET_NOT_FOUND,
    EMU_BUCKET_NOT_EMPTY,
    EMU_BUCKET_FAILED, /* the backend itself failed */
};

struct emu_bucket_ops {
    /* Appends every bucket name, sorted, to the JSON array names. */
    enum emu_bucket_result (*list)(void *impl, json_t *names);
    enum emu_bucket_result (*create)(void *impl, const char *name);
    /* Refuses with NOT_EMPTY while the bucket holds objects. */
    enum emu_bucket_result (*remove)(void *impl, const char *name);
    /* Test hook behind POST /_emulator/buckets/{name}/objects. */
    enum emu_bucket_result (*set_object_count)(void *impl, const char *name, int64_t count);
    /* State-file section; a backend keeping its own state returns NULL. */
    json_t *(*save)(void *impl);
    bool (*load)(void *impl, json_t *saved, char *why, size_t whylen);
    void (*destroy)(void *impl);
};

struct emu_bucket_store {
    const struct emu_bucket_ops *ops;
    void *impl;
};

struct emu_bucket_store *emu_buckets_local_new(void);
void emu_buckets_free(struct emu_bucket_store *store);

#endif
