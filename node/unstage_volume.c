/* unstage_volume.c - NodeUnstageVolume: unmounts the volume's staging path
 * (a bind of the host's TensorPool mount, or an NFS mount) and removes the
 * directory. Idempotent: a stage already gone is success. Like unpublish,
 * it only rmdirs: an unmounted staging directory holding files is left. */
#include <errno.h>
#include <string.h>

#include "csi/log.h"
#include "node/node.h"

#define LOG_MODULE "node"

typedef Csi__V1__NodeUnstageVolumeRequest Req;

NODE_HANDLER(node_unstage_volume)
{
    const Req *r = (const Req *)req;
    int64_t dl = csi_ctx_deadline_ns(ctx);
    enum csi_err rc = node_check_id_path(ctx, r->volume_id, r->staging_target_path, "staging_target_path");
    if (rc)
        return rc;
    int e = mnt_unmount(node_mnt(ctx), r->staging_target_path, dl);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "unmounting the staging path: %s", strerror(e));
    e = node_rmdir(r->staging_target_path, dl);
    if (e == ENOTEMPTY || e == EEXIST)
        LOG_WARN("staging path %s is unmounted but not empty; left in place", r->staging_target_path);
    else if (e == ENOTDIR)
        LOG_WARN("staging path %s is not a directory; left in place", r->staging_target_path);
    else if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "removing the staging path: %s", strerror(e));
    *resp = csi_ctx_new(ctx, &csi__v1__node_unstage_volume_response__descriptor);
    return CSI_OK;
}
