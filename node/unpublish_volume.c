/* unpublish_volume.c - NodeUnpublishVolume: takes the pod's bind mount off
 * its target path and removes the directory. Idempotent: a target already
 * unmounted or gone is success. The directory is only rmdir'ed, never
 * emptied: what is left in an unmounted target is not the volume's data. */
#include "node/node.h"

typedef Csi__V1__NodeUnpublishVolumeRequest Req;

NODE_HANDLER(node_unpublish_volume)
{
    const Req *r = (const Req *)req;
    enum csi_err rc = node_check_id_path(ctx, r->volume_id, r->target_path, "target_path");
    if (rc || (rc = node_unmount_and_remove(ctx, r->target_path, "target path")))
        return rc;
    node_pub_remove(r->volume_id, r->target_path);
    *resp = csi_ctx_new(ctx, &csi__v1__node_unpublish_volume_response__descriptor);
    return CSI_OK;
}
