/* buckets_local.c - the in-process bucket store: a sorted array of names with
 * an object count each. Nothing is stored in the buckets; the count exists so
 * tests can make a delete hit "bucket not empty". */
#include "buckets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct local_bucket {
    char *name;
    int64_t objects;
};

struct local_store {
    struct local_bucket *items;
    size_t n, cap;
};

/* Index of name, or -(insertion point) - 1 when absent. */
static long find(const struct local_store *s, const char *name)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->items[mid].name, name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

static enum emu_bucket_result insert(struct local_store *s, const char *name, int64_t objects)
{
    long at = find(s, name);
    if (at >= 0)
        return EMU_BUCKET_EXISTS;
    at = -at - 1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct local_bucket *items = realloc(s->items, cap * sizeof *items);
        if (!items)
            return EMU_BUCKET_FAILED;
        s->items = items;
        s->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return EMU_BUCKET_FAILED;
    memmove(&s->items[at + 1], &s->items[at], (s->n - (size_t)at) * sizeof *s->items);
    s->items[at] = (struct local_bucket){copy, objects};
    s->n++;
    return EMU_BUCKET_OK;
}

static enum emu_bucket_result local_list(void *impl, json_t *names)
{
    struct local_store *s = impl;
    for (size_t i = 0; i < s->n; i++)
        if (json_array_append_new(names, json_string(s->items[i].name)) != 0)
            return EMU_BUCKET_FAILED;
    return EMU_BUCKET_OK;
}

static enum emu_bucket_result local_create(void *impl, const char *name)
{
    return insert(impl, name, 0);
}

static enum emu_bucket_result local_remove(void *impl, const char *name)
{
    struct local_store *s = impl;
    long at = find(s, name);
    if (at < 0)
        return EMU_BUCKET_NOT_FOUND;
    if (s->items[at].objects > 0)
        return EMU_BUCKET_NOT_EMPTY;
    free(s->items[at].name);
    memmove(&s->items[at], &s->items[at + 1], (s->n - (size_t)at - 1) * sizeof *s->items);
    s->n--;
    return EMU_BUCKET_OK;
}

static enum emu_bucket_result local_set_count(void *impl, const char *name, int64_t count)
{
    struct local_store *s = impl;
    long at = find(s, name);
    if (at < 0)
        return EMU_BUCKET_NOT_FOUND;
    s->items[at].objects = count;
    return EMU_BUCKET_OK;
}

static json_t *local_save(void *impl)
{
    struct local_store *s = impl;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < s->n; i++)
        json_array_append_new(arr, json_pack("{ss sI}", "name", s->items[i].name, "objects",
                                             (json_int_t)s->items[i].objects));
    return arr;
}

static bool local_load(void *impl, json_t *saved, char *why, size_t whylen)
{
    size_t i;
    json_t *b;

    if (!json_is_array(saved)) {
        snprintf(why, whylen, "\"buckets\" must be an array");
        return false;
    }
    json_array_foreach(saved, i, b) {
        const char *name = json_string_value(json_object_get(b, "name"));
        json_t *objects = json_object_get(b, "objects");
        if (!name || (objects && !json_is_integer(objects))) {
            snprintf(why, whylen, "buckets[%zu]: needs a string \"name\" and an integer \"objects\"", i);
            return false;
        }
        if (insert(impl, name, objects ? json_integer_value(objects) : 0) != EMU_BUCKET_OK) {
            snprintf(why, whylen, "buckets[%zu]: duplicate name \"%s\"", i, name);
            return false;
        }
    }
    return true;
}

static void local_destroy(void *impl)
{
    struct local_store *s = impl;
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i].name);
    free(s->items);
    free(s);
}

static const struct emu_bucket_ops local_ops = {
    .list = local_list,
    .create = local_create,
    .remove = local_remove,
    .set_object_count = local_set_count,
    .save = local_save,
    .load = local_load,
    .destroy = local_destroy,
};

struct emu_bucket_store *emu_buckets_local_new(void)
{
    struct emu_bucket_store *store = calloc(1, sizeof *store);
    struct local_store *s = calloc(1, sizeof *s);
    if (!store || !s) {
        free(store);
        free(s);
        return NULL;
    }
    store->ops = &local_ops;
    store->impl = s;
    return store;
}

void emu_buckets_free(struct emu_bucket_store *store)
{
    if (!store)
        return;
    store->ops->destroy(store->impl);
    free(store);
}
