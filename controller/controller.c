/* controller.c - the CSI Controller service's method table.
 *
 * Registered in controller (and all) mode. Only ControllerGetCapabilities is
 * implemented so far, and it advertises nothing: a capability is listed here
 * only when the RPCs behind it exist. Every other Controller method is
 * answered UNIMPLEMENTED by the server core, after its request is parsed.
 */
#include "csi.pb-c.h"
#include "csi/services.h"

static enum csi_err get_capabilities(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)req;
    Csi__V1__ControllerGetCapabilitiesResponse *r =
        csi_ctx_new(ctx, &csi__v1__controller_get_capabilities_response__descriptor);
    *resp = &r->base;
    return CSI_OK;
}

static const struct csi_method controller_methods[] = {
    {.name = "ControllerGetCapabilities", .handler = get_capabilities},
};

struct csi_service csi_controller_service = {
    .descriptor = &csi__v1__controller__descriptor,
    .methods = controller_methods,
    .n_methods = sizeof controller_methods / sizeof controller_methods[0],
};
