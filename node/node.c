/* node.c - the CSI Node service's method table.
 *
 * Registered in node (and all) mode. NodeGetInfo names this node;
 * NodeGetCapabilities advertises nothing until staging, publishing and stats
 * exist. Every other Node method is answered UNIMPLEMENTED by the server
 * core, after its request is parsed.
 */
#include "csi.pb-c.h"
#include "csi/driver.h"
#include "csi/services.h"

static enum csi_err get_capabilities(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)req;
    Csi__V1__NodeGetCapabilitiesResponse *r = csi_ctx_new(ctx, &csi__v1__node_get_capabilities_response__descriptor);
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
};

struct csi_service csi_node_service = {
    .descriptor = &csi__v1__node__descriptor,
    .methods = node_methods,
    .n_methods = sizeof node_methods / sizeof node_methods[0],
};
