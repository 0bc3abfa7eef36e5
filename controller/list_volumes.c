/* list_volumes.c - ListVolumes: every whole TensorPool volume (shared/<id>)
 * and every bucket (object/<bucket>), sorted by volume id so the decimal
 * index we hand out as next_token still means the same place on the next
 * page. Subdirectories and prefixes are not enumerated: they are directories
 * and key prefixes inside those, which the controller cannot list cheaply
 * (it would need every volume mounted, or a full bucket listing); the CO
 * only uses ListVolumes for reconciliation and tolerates missing entries. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller.h"

/* At most this many entries per response, whatever max_entries says: about
 * 100 bytes each, so a page stays well under gRPC's 4 MiB message limit. */
#define LIST_PAGE_MAX 10000

#define BYTES_PER_GB 1000000000LL

struct item {
    char id[CSI_MAX_ID_LEN + 1];
    int64_t capacity; /* bytes; 0 = unknown */
};

struct items {
    struct item *v;
    size_t n;
};

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->id, ((const struct item *)b)->id);
}

/* Adds kind/name unless it is not an id we could serve (then it is not ours
 * to list). */
static void add_item(struct items *it, enum vid_kind kind, const char *name, int64_t capacity)
{
    struct vid v = {.kind = kind};
    if (strlen(name) >= sizeof v.name)
        return;
    strcpy(v.name, name);
    if (vid_format(&v, it->v[it->n].id, sizeof it->v[it->n].id))
        it->v[it->n++].capacity = capacity;
}

static int64_t gb_to_bytes(long size_gb)
{
    return size_gb > 0 && size_gb <= INT64_MAX / BYTES_PER_GB ? (int64_t)size_gb * BYTES_PER_GB : 0;
}

static enum csi_err collect(struct csi_ctx *ctx, struct items *it)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    struct tp_opts o = ctl_tp_opts(ctx, NULL, 0);
    struct tp_error err = {0};
    struct tp_volume *vols = NULL;
    size_t n_vols = 0, n_buckets = 0;
    char **buckets = NULL;
    if (tp_volume_list(d->tp, &o, &vols, &n_vols, &err) != TP_OK)
        return ctl_tp_fail(ctx, &err, "TensorPool volume list");
    enum csi_err rc = csi_ctx_check(ctx);
    /* 404: object storage is not enabled, so there are no buckets. */
    if (!rc && tp_bucket_list(d->tp, &o, &buckets, &n_buckets, &err) != TP_OK && err.code != TP_E_NOT_FOUND)
        rc = ctl_tp_fail(ctx, &err, "TensorPool bucket list");
    if (!rc) {
        it->v = csi_arena_alloc(csi_ctx_arena(ctx), (n_vols + n_buckets + 1) * sizeof *it->v);
        for (size_t i = 0; i < n_vols; i++)
            add_item(it, VID_SHARED_VOLUME, vols[i].id, gb_to_bytes(vols[i].size_gb));
        for (size_t i = 0; i < n_buckets; i++)
            add_item(it, VID_OBJECT_BUCKET, buckets[i], 0);
        qsort(it->v, it->n, sizeof *it->v, by_id);
    }
    free(vols);
    tp_strv_free(buckets, n_buckets);
    return rc;
}

/* A token is an index we wrote: plain decimal, inside the list. */
static bool parse_token(const char *token, size_t n, size_t *start)
{
    if (!*token) {
        *start = 0;
        return true;
    }
    if (strspn(token, "0123456789") != strlen(token) || strlen(token) > 9)
        return false;
    unsigned long v = strtoul(token, NULL, 10);
    if (v >= n)
        return false;
    *start = v;
    return true;
}

static Csi__V1__ListVolumesResponse__Entry *entry(struct csi_ctx *ctx, const struct item *item)
{
    Csi__V1__ListVolumesResponse__Entry *e = csi_ctx_new(ctx, &csi__v1__list_volumes_response__entry__descriptor);
    e->volume = csi_ctx_new(ctx, &csi__v1__volume__descriptor);
    e->volume->volume_id = csi_arena_strdup(csi_ctx_arena(ctx), item->id);
    e->volume->capacity_bytes = item->capacity;
    return e;
}

CTL_HANDLER(ctl_list_volumes)
{
    const Csi__V1__ListVolumesRequest *r = (const Csi__V1__ListVolumesRequest *)req;
    struct items it = {0};
    size_t start;
    if (r->max_entries < 0)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "max_entries must not be negative");
    enum csi_err rc = collect(ctx, &it);
    if (rc)
        return rc;
    if (!parse_token(r->starting_token, it.n, &start))
        return csi_ctx_fail(ctx, CSI_E_BUSY, "starting_token is not a token this driver wrote (or the list shrank); "
                                             "start again without one");
    size_t page = r->max_entries > 0 && r->max_entries < LIST_PAGE_MAX ? (size_t)r->max_entries : LIST_PAGE_MAX;
    size_t count = it.n - start < page ? it.n - start : page;
    Csi__V1__ListVolumesResponse *out = csi_ctx_new(ctx, &csi__v1__list_volumes_response__descriptor);
    out->entries = csi_arena_alloc(csi_ctx_arena(ctx), (count + 1) * sizeof *out->entries);
    for (size_t i = 0; i < count; i++)
        out->entries[out->n_entries++] = entry(ctx, &it.v[start + i]);
    if (start + count < it.n)
        out->next_token = csi_arena_printf(csi_ctx_arena(ctx), "%zu", start + count);
    *resp = &out->base;
    return CSI_OK;
}
