/* unstage_volume.c - NodeUnstageVolume: unmounts the volume's staging path
 * (a bind of the host's TensorPool mount, or an NFS mount) and removes the
 * directory. Idempotent: a stage already gone is success. Like unpublish,
 * it only rmdirs: an unmounted staging directory holding files is left. */
#include "node/node.h"

typedef Csi__V1__NodeUnstageVolumeRequest Req;

NODE_HANDLER(node_unstage_volume)
{
    const Req *r = (const Req *)req;
    enum csi_err rc = node_check_id_path(ctx, r->volume_id, r->staging_target_path, "staging_target_path");
    if (rc || (rc = node_unmount_and_remove(ctx, r->staging_target_path, "staging path")))
        return rc;
    *resp = csi_ctx_new(ctx, &csi__v1__node_unstage_volume_response__descriptor);
    return CSI_OK;
}
