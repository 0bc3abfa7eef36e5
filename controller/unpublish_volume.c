/* unpublish_volume.c - ControllerUnpublishVolume: forgets the publication
 * and, only when the volume id asks for it (";detach") and no other
 * publication still needs the storage on that cluster, detaches it: attach
 * and detach restart every node of the cluster, so the default is never to
 * detach. Always idempotent. */
#include <string.h>

#include "controller/controller.h"
#include "controller/published.h"
#include "csi/log.h"

#define LOG_MODULE "controller"

typedef Csi__V1__ControllerUnpublishVolumeRequest Req;

static enum csi_err detach(struct csi_ctx *ctx, const Req *r, const char *storage, const char *cluster)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_error err = {0};
    LOG_INFO("detaching %s from cluster %s (TensorPool restarts the cluster's nodes)", storage, cluster);
    /* A no-op when not attached; a volume that is gone is detached too. */
    if (tp_volume_detach(d->tp, &o, storage, cluster, &err) == TP_OK || err.code == TP_E_NOT_FOUND)
        return CSI_OK;
    return ctl_tp_fail(ctx, &err, "TensorPool volume detach");
}

/* Unpublishes volume v from one node; the record goes only once done, so a
 * failed detach is retried by the CO's next call. */
static enum csi_err unpublish_node(struct csi_ctx *ctx, const Req *r, const struct vid *v, const char *node_id)
{
    char cluster[CSI_MAX_ID_LEN + 1];
    bool shared = v->kind == VID_SHARED_VOLUME || v->kind == VID_SHARED_SUBDIR;
    if (!shared || !v->detach_on_unpublish || !ctl_cluster_of_node(node_id, cluster, sizeof cluster)) {
        ctl_published_remove(r->volume_id, node_id);
        return CSI_OK;
    }
    switch (ctl_published_claim_detach(r->volume_id, node_id)) {
    case CTL_DETACH_UNKNOWN:
        /* After a controller restart the table is empty: other nodes of the
         * cluster may still use the volume, and a wrong detach breaks them. */
        LOG_WARN("not detaching %s from cluster %s: no record that this controller attached it (restarted?), so "
                 "other users may be unknown; detach it by hand once no node of the cluster uses it",
                 v->name, cluster);
        ctl_published_remove(r->volume_id, node_id);
        return CSI_OK;
    case CTL_DETACH_IN_USE:
        LOG_INFO("not detaching %s from cluster %s: still published to another node or as another volume", v->name,
                 cluster);
        ctl_published_remove(r->volume_id, node_id);
        return CSI_OK;
    case CTL_DETACH_CLAIMED:
        break;
    }
    enum csi_err rc = detach(ctx, r, v->name, cluster);
    if (rc) {
        ctl_published_unclaim(r->volume_id, node_id);
    } else {
        ctl_published_remove(r->volume_id, node_id);
        ctl_published_forget_attach(v->name, cluster);
    }
    return rc;
}

/* An empty node_id means every node the volume is published to. */
static enum csi_err unpublish_all(struct csi_ctx *ctx, const Req *r, const struct vid *v)
{
    size_t n;
    char **nodes = ctl_published_nodes(r->volume_id, csi_ctx_arena(ctx), &n);
    if (n == 0 && v->detach_on_unpublish)
        LOG_WARN("not detaching %s: no record of any publication of %s (controller restarted?)", v->name,
                 r->volume_id);
    for (size_t i = 0; i < n; i++) {
        enum csi_err rc = csi_ctx_check(ctx);
        if (rc || (rc = unpublish_node(ctx, r, v, nodes[i])))
            return rc;
    }
    return CSI_OK;
}

CTL_HANDLER(ctl_unpublish_volume)
{
    const Req *r = (const Req *)req;
    struct vid v;
    if (csi_ctx_check_id(ctx, r->volume_id, "volume_id") || (*r->node_id && csi_ctx_check_id(ctx, r->node_id, "node_id")))
        return CSI_E_INVALID;
    enum csi_err rc = CSI_OK;
    /* An id we never issued was never published: nothing to undo (spec: OK). */
    if (vid_parse(r->volume_id, &v))
        rc = *r->node_id ? unpublish_node(ctx, r, &v, r->node_id) : unpublish_all(ctx, r, &v);
    if (rc)
        return rc;
    *resp = csi_ctx_new(ctx, &csi__v1__controller_unpublish_volume_response__descriptor);
    return CSI_OK;
}
