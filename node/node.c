/* node.c - the CSI Node service's method table.
 *
 * Registered in node (and all) mode. NodeGetInfo names this node;
 * NodeGetCapabilities advertises what the RPC files beside this one serve
 * (each RPC lives in its own file, see node.h). The mounting RPCs block and
 * lock their volume id, so a second call on one volume gets ABORTED. Every
 * other Node method (NodeExpandVolume) is answered UNIMPLEMENTED by the
 * server core, after its request is parsed.
 */
#include "node/node.h"

static const Csi__V1__NodeServiceCapability__RPC__Type node_caps[] = {
    CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__STAGE_UNSTAGE_VOLUME,
    CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__GET_VOLUME_STATS,
    CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__VOLUME_CONDITION,
    CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__VOLUME_MOUNT_GROUP,
    CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__SINGLE_NODE_MULTI_WRITER,
};
#define N_CAPS (sizeof node_caps / sizeof node_caps[0])

static enum csi_err get_capabilities(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)req;
    Csi__V1__NodeGetCapabilitiesResponse *r = csi_ctx_new(ctx, &csi__v1__node_get_capabilities_response__descriptor);
    r->capabilities = csi_arena_alloc(csi_ctx_arena(ctx), N_CAPS * sizeof *r->capabilities);
    for (size_t i = 0; i < N_CAPS; i++) {
        Csi__V1__NodeServiceCapability *c = csi_ctx_new(ctx, &csi__v1__node_service_capability__descriptor);
        c->type_case = CSI__V1__NODE_SERVICE_CAPABILITY__TYPE_RPC;
        c->rpc = csi_ctx_new(ctx, &csi__v1__node_service_capability__rpc__descriptor);
        c->rpc->type = node_caps[i];
        r->capabilities[r->n_capabilities++] = c;
    }
    *resp = &r->base;
    return CSI_OK;
}

static enum csi_err get_info(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)req;
    const struct csi_driver *d = csi_ctx_data(ctx);
    Csi__V1__NodeGetInfoResponse *r = csi_ctx_new(ctx, &csi__v1__node_get_info_response__descriptor);
    r->node_id = (char *)d->node_id;
    *resp = &r->base;
    return CSI_OK;
}

static const struct csi_method node_methods[] = {
    {.name = "NodeGetCapabilities", .handler = get_capabilities},
    {.name = "NodeGetInfo", .handler = get_info},
    {.name = "NodeStageVolume", .handler = node_stage_volume, .flags = CSI_METHOD_BLOCKING, .lock_field = "volume_id"},
    {.name = "NodeUnstageVolume", .handler = node_unstage_volume, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
    {.name = "NodePublishVolume", .handler = node_publish_volume, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
    {.name = "NodeUnpublishVolume", .handler = node_unpublish_volume, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
    {.name = "NodeGetVolumeStats", .handler = node_volume_stats, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
};

struct csi_service csi_node_service = {
    .descriptor = &csi__v1__node__descriptor,
    .methods = node_methods,
    .n_methods = sizeof node_methods / sizeof node_methods[0],
};
