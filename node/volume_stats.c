/* volume_stats.c - NodeGetVolumeStats: bytes and inodes of a published or
 * staged volume, and its condition. A dead mount (server gone, stale
 * handle, or statvfs hanging past the deadline) is not an error of the
 * call: it is reported as an abnormal VolumeCondition, which is what the
 * kubelet surfaces as an event on the pod. */
#include <errno.h>
#include <string.h>

#include "csi/clock.h"
#include "node/node.h"

/* At most this long for statvfs, and at most half of what the call has left:
 * a hung mount must still leave time to answer "abnormal" before the
 * caller's deadline. */
#define STATVFS_MAX_NS (10 * CSI_NS_PER_S)

typedef Csi__V1__NodeGetVolumeStatsRequest Req;
typedef Csi__V1__NodeGetVolumeStatsResponse Resp;

static Csi__V1__VolumeUsage *usage(struct csi_ctx *ctx, Csi__V1__VolumeUsage__Unit unit, uint64_t total,
                                   uint64_t available, uint64_t used)
{
    Csi__V1__VolumeUsage *u = csi_ctx_new(ctx, &csi__v1__volume_usage__descriptor);
    u->unit = unit;
    u->total = (int64_t)total;
    u->available = (int64_t)available;
    u->used = (int64_t)used;
    return u;
}

static void fill_usage(struct csi_ctx *ctx, Resp *resp, const struct statvfs *st)
{
    uint64_t frsize = st->f_frsize ? st->f_frsize : st->f_bsize;
    /* "used" as df counts it: blocks not free, whoever may use them */
    uint64_t used_blocks = st->f_blocks >= st->f_bfree ? st->f_blocks - st->f_bfree : 0;
    uint64_t used_files = st->f_files >= st->f_ffree ? st->f_files - st->f_ffree : 0;
    resp->usage = csi_arena_alloc(csi_ctx_arena(ctx), 2 * sizeof *resp->usage);
    resp->usage[0] = usage(ctx, CSI__V1__VOLUME_USAGE__UNIT__BYTES, st->f_blocks * frsize, st->f_bavail * frsize,
                           used_blocks * frsize);
    resp->usage[1] = usage(ctx, CSI__V1__VOLUME_USAGE__UNIT__INODES, st->f_files, st->f_favail, used_files);
    resp->n_usage = 2;
}

static int64_t statvfs_deadline(struct csi_ctx *ctx)
{
    int64_t now = csi_now_ns(), left = csi_ctx_deadline_ns(ctx) - now;
    if (left > 2 * STATVFS_MAX_NS)
        left = 2 * STATVFS_MAX_NS;
    return now + left / 2;
}

static bool abnormal_errno(int e) { return node_dead_errno(e) || e == ETIMEDOUT; }

NODE_HANDLER(node_volume_stats)
{
    const Req *r = (const Req *)req;
    struct mnt_info info;
    struct statvfs st;
    enum csi_err rc = node_check_id_path(ctx, r->volume_id, r->volume_path, "volume_path");
    if (rc)
        return rc;
    enum node_pub_owner owner = node_pub_owner(r->volume_id, r->volume_path);
    int e = mnt_lookup(node_mnt(ctx), r->volume_path, &info);
    if (e && e != ENOENT)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "reading the mount table: %s", strerror(e));
    if ((e == ENOENT && owner != NODE_PUB_THIS) || owner == NODE_PUB_OTHER)
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "volume_path %s is not a mount of volume %s", r->volume_path,
                            r->volume_id);
    Resp *resp_msg = csi_ctx_new(ctx, &csi__v1__node_get_volume_stats_response__descriptor);
    Csi__V1__VolumeCondition *cond = csi_ctx_new(ctx, &csi__v1__volume_condition__descriptor);
    resp_msg->volume_condition = cond;
    if (e == ENOENT) { /* published here, yet the mount is gone: unmounted by hand, or lost at a reboot */
        cond->abnormal = true;
        cond->message = "the volume is not mounted at volume_path; the next NodePublishVolume mounts it again";
        *resp = &resp_msg->base;
        return CSI_OK;
    }
    e = mnt_statvfs(node_mnt(ctx), r->volume_path, &st, statvfs_deadline(ctx));
    if (!e) {
        fill_usage(ctx, resp_msg, &st);
        cond->message = "ok";
    } else if (abnormal_errno(e)) {
        cond->abnormal = true;
        cond->message = csi_arena_printf(csi_ctx_arena(ctx), "the mount does not answer: %s", strerror(e));
    } else {
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "statvfs of the volume path: %s", strerror(e));
    }
    *resp = &resp_msg->base;
    return CSI_OK;
}
