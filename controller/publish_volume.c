/* publish_volume.c - ControllerPublishVolume: makes sure a shared volume is
 * attached to the node's TensorPool cluster (an attach restarts every node
 * of the cluster, so it is sent only when not attached yet) and records the
 * publication for ControllerUnpublishVolume. Object volumes need no attach. */
#include <stdio.h>
#include <string.h>

#include "controller/capability.h"
#include "controller/controller.h"
#include "controller/lookup.h"
#include "controller/published.h"
#include "csi/log.h"

#define LOG_MODULE "controller"

typedef Csi__V1__ControllerPublishVolumeRequest Req;
typedef Csi__V1__ControllerPublishVolumeResponse__PublishContextEntry CtxEntry;

static enum csi_err check_args(struct csi_ctx *ctx, const Req *r)
{
    const char *problem;
    if (csi_ctx_check_id(ctx, r->volume_id, "volume_id") || csi_ctx_check_id(ctx, r->node_id, "node_id"))
        return CSI_E_INVALID;
    if (!r->volume_capability)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_capability is required");
    if ((problem = ctl_capability_problem(r->volume_capability)))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "%s", problem);
    return CSI_OK;
}

static void add_context(struct csi_ctx *ctx, Csi__V1__ControllerPublishVolumeResponse *resp, const char *key,
                        const char *value)
{
    CtxEntry *e = csi_ctx_new(ctx, &csi__v1__controller_publish_volume_response__publish_context_entry__descriptor);
    e->key = csi_arena_strdup(csi_ctx_arena(ctx), key);
    e->value = csi_arena_strdup(csi_ctx_arena(ctx), value);
    resp->publish_context[resp->n_publish_context++] = e;
}

/* What the node side needs to find the attached volume; never secrets. */
static Csi__V1__ControllerPublishVolumeResponse *shared_response(struct csi_ctx *ctx, const struct vid *v,
                                                                const char *cluster)
{
    Csi__V1__ControllerPublishVolumeResponse *resp =
        csi_ctx_new(ctx, &csi__v1__controller_publish_volume_response__descriptor);
    resp->publish_context = csi_arena_alloc(csi_ctx_arena(ctx), 3 * sizeof *resp->publish_context);
    add_context(ctx, resp, "storageId", v->name);
    add_context(ctx, resp, "clusterId", cluster);
    if (v->kind == VID_SHARED_SUBDIR)
        add_context(ctx, resp, "subdir", v->path);
    return resp;
}

static enum csi_err attach(struct csi_ctx *ctx, const Req *r, const struct vid *v, const char *cluster)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_volume info;
    struct tp_error err = {0};
    enum csi_err rc = ctl_lookup(ctx, v, &o, &info);
    if (rc || (rc = csi_ctx_check(ctx)))
        return rc;
    /* tp_volume_attach sends nothing when the cluster is already attached;
     * say so in the log when it will not, as every node of it restarts. */
    bool attached = false;
    for (size_t i = 0; i < info.n_clusters && !attached; i++)
        attached = !strcmp(info.clusters[i], cluster);
    if (!attached)
        LOG_INFO("attaching %s to cluster %s (TensorPool restarts the cluster's nodes)", v->name, cluster);
    if (tp_volume_attach(d->tp, &o, v->name, cluster, &err) != TP_OK) {
        if (err.code == TP_E_NOT_FOUND)
            return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "attach %s to %s: %s", v->name, cluster,
                                err.message[0] ? err.message : "not found");
        return ctl_tp_fail(ctx, &err, "TensorPool volume attach");
    }
    if (!attached)
        ctl_published_attached_here(v->name, cluster);
    return CSI_OK;
}

CTL_HANDLER(ctl_publish_volume)
{
    const Req *r = (const Req *)req;
    struct vid v;
    char cluster[CSI_MAX_ID_LEN + 1];
    enum csi_err rc = check_args(ctx, r);
    if (rc)
        return rc;
    if (!vid_parse(r->volume_id, &v))
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "volume %s is not a volume id of this driver", r->volume_id);
    if (!ctl_cluster_of_node(r->node_id, cluster, sizeof cluster))
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND,
                            "node %s names no TensorPool cluster (node ids look like c-<cluster>/<node>)", r->node_id);
    bool shared = v.kind == VID_SHARED_VOLUME || v.kind == VID_SHARED_SUBDIR;
    /* Recorded before the attach so a concurrent unpublish of another id of
     * the same storage sees this node as a user and does not detach. */
    enum ctl_pub_add added = ctl_published_add(r->volume_id, r->node_id, shared ? v.name : "", cluster);
    if (added == CTL_PUB_DETACHING)
        return csi_ctx_fail(ctx, CSI_E_BUSY, "%s is being detached from cluster %s; retry", v.name, cluster);
    if (shared) {
        rc = attach(ctx, r, &v, cluster);
    } else {
        struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
        rc = ctl_lookup(ctx, &v, &o, NULL);
    }
    if (rc) {
        if (added == CTL_PUB_ADDED)
            ctl_published_remove(r->volume_id, r->node_id);
        return rc;
    }
    *resp = shared ? &shared_response(ctx, &v, cluster)->base
                   : csi_ctx_new(ctx, &csi__v1__controller_publish_volume_response__descriptor);
    return CSI_OK;
}
