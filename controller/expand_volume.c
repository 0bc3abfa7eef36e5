/* expand_volume.c - ControllerExpandVolume: grows a whole TensorPool volume
 * (sizes are whole GB, grow only). Subdirectories, buckets and prefixes have
 * no size of their own to change, so they report the requested capacity.
 * No node step: NFS and FUSE see the new size without one. */
#include <errno.h>
#include <stdint.h>

#include "controller/capability.h"
#include "controller/controller.h"
#include "controller/lookup.h"
#include "csi/hostpath.h"
#include "csi/log.h"

#define LOG_MODULE "controller"
#define BYTES_PER_GB 1000000000LL

typedef Csi__V1__ControllerExpandVolumeRequest Req;

static enum csi_err check_args(struct csi_ctx *ctx, const Req *r)
{
    const char *problem;
    if (csi_ctx_check_id(ctx, r->volume_id, "volume_id"))
        return CSI_E_INVALID;
    if (!r->capacity_range)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "capacity_range is required");
    if (r->capacity_range->required_bytes < 0 || r->capacity_range->limit_bytes < 0)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "capacity_range must not be negative");
    if (r->capacity_range->limit_bytes && r->capacity_range->limit_bytes < r->capacity_range->required_bytes)
        return csi_ctx_fail(ctx, CSI_E_RANGE, "capacity_range: limit_bytes is below required_bytes");
    if (r->volume_capability && (problem = ctl_capability_problem(r->volume_capability)))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "%s", problem);
    return CSI_OK;
}

static int64_t gb_to_bytes(long gb)
{
    return gb <= 0 ? 0 : gb > INT64_MAX / BYTES_PER_GB ? INT64_MAX : (int64_t)gb * BYTES_PER_GB;
}

/* Grows v to at least required bytes; *capacity is its size afterwards. */
static enum csi_err grow(struct csi_ctx *ctx, const Req *r, const struct tp_opts *o, const struct tp_volume *info,
                         int64_t *capacity)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    int64_t required = r->capacity_range->required_bytes, limit = r->capacity_range->limit_bytes;
    long size_gb = (long)(required / BYTES_PER_GB + (required % BYTES_PER_GB != 0));
    if (info->size_gb >= 0 && info->size_gb >= size_gb) {
        /* Already big enough (CSI: reply OK); TensorPool cannot shrink. */
        *capacity = gb_to_bytes(info->size_gb);
        return CSI_OK;
    }
    if (limit && gb_to_bytes(size_gb) > limit)
        return csi_ctx_fail(ctx, CSI_E_RANGE, "TensorPool sizes volumes in whole GB (10^9 bytes): %ld GB exceeds "
                                              "limit_bytes %lld", size_gb, (long long)limit);
    struct tp_edit e = {.name = NULL, .deletion_protection = -1, .size_gb = size_gb};
    struct tp_error err = {0};
    LOG_INFO("growing %s from %ld GB to %ld GB", info->id, info->size_gb, size_gb);
    if (tp_volume_edit(d->tp, o, info->id, &e, &err) != TP_OK) {
        if (err.code == TP_E_NOT_FOUND)
            return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "TensorPool volume %s does not exist", info->id);
        return ctl_tp_fail(ctx, &err, "TensorPool volume edit");
    }
    *capacity = gb_to_bytes(size_gb);
    return CSI_OK;
}

/* A subdir's size is only recorded (controller/record.c); never shrunk. A
 * volume not attached where the controller runs cannot be recorded, which
 * loses nothing: the size is not enforced. */
static enum csi_err record_subdir(struct csi_ctx *ctx, const struct vid *v, int64_t *capacity)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    char dir[CSI_MAX_PATH_LEN];
    int64_t have, deadline = csi_ctx_deadline_ns(ctx);
    int e = csi_hostpath_find(d, v->name, dir, sizeof dir, deadline);
    if (e == ENOENT)
        return CSI_OK;
    if (!e && ctl_record_get(dir, v->path, &have, deadline) == 0 && have >= *capacity) {
        *capacity = have;
        return CSI_OK;
    }
    if (!e)
        e = ctl_record_set(dir, v->path, *capacity, deadline);
    return e ? ctl_fs_fail(ctx, e, "recording the size of %s in %s", v->path, v->name) : CSI_OK;
}

CTL_HANDLER(ctl_expand_volume)
{
    const Req *r = (const Req *)req;
    struct vid v;
    struct tp_volume info;
    enum csi_err rc = check_args(ctx, r);
    if (rc)
        return rc;
    if (!vid_parse(r->volume_id, &v))
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "volume %s is not a volume id of this driver", r->volume_id);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    /* Every kind must exist (spec: NOT_FOUND), even when nothing is resized. */
    if ((rc = ctl_lookup(ctx, &v, &o, &info)) || (rc = csi_ctx_check(ctx)))
        return rc;
    int64_t capacity = r->capacity_range->required_bytes;
    if (v.kind == VID_SHARED_VOLUME && (rc = grow(ctx, r, &o, &info, &capacity)))
        return rc;
    if (v.kind == VID_SHARED_SUBDIR && (rc = record_subdir(ctx, &v, &capacity)))
        return rc;
    Csi__V1__ControllerExpandVolumeResponse *out =
        csi_ctx_new(ctx, &csi__v1__controller_expand_volume_response__descriptor);
    out->capacity_bytes = capacity;
    out->node_expansion_required = false;
    *resp = &out->base;
    return CSI_OK;
}
