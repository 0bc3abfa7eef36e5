/* unpublish_volume.c - NodeUnpublishVolume: takes the pod's bind mount off
 * its target path and removes the directory. Idempotent: a target already
 * unmounted or gone is success. The directory is only rmdir'ed, never
 * emptied: what is left in an unmounted target is not the volume's data. */
#include <errno.h>
#include <string.h>

#include "csi/log.h"
#include "node/node.h"

#define LOG_MODULE "node"

typedef Csi__V1__NodeUnpublishVolumeRequest Req;

NODE_HANDLER(node_unpublish_volume)
{
    const Req *r = (const Req *)req;
    int64_t dl = csi_ctx_deadline_ns(ctx);
    enum csi_err rc = node_check_id_path(ctx, r->volume_id, r->target_path, "target_path");
    if (rc)
        return rc;
    /* dead mounts are detached lazily by the mount layer */
    int e = mnt_unmount(node_mnt(ctx), r->target_path, dl);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "unmounting the target path: %s", strerror(e));
    node_pub_remove(r->volume_id, r->target_path);
    e = node_rmdir(r->target_path, dl);
    if (e == ENOTEMPTY || e == EEXIST)
        LOG_WARN("target path %s is unmounted but not empty; left in place", r->target_path);
    else if (e == ENOTDIR)
        LOG_WARN("target path %s is not a directory; left in place", r->target_path);
    else if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "removing the target path: %s", strerror(e));
    *resp = csi_ctx_new(ctx, &csi__v1__node_unpublish_volume_response__descriptor);
    return CSI_OK;
}
