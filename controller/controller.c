/* controller.c - the CSI Controller service's method table and its
 * capabilities.
 *
 * Registered in controller (and all) mode. Each RPC lives in its own file;
 * a capability is listed only when the RPCs behind it exist. Methods with no
 * row (snapshots, cloning, GetCapacity, ControllerGetVolume, ModifyVolume)
 * are answered UNIMPLEMENTED by the server core after their request is
 * parsed. Every row that touches TensorPool or a mount is blocking and, but
 * for ListVolumes, serialized per volume (or per name for CreateVolume).
 */
#include "controller/controller.h"
#include "csi.pb-c.h"
#include "csi/services.h"

/* SINGLE_NODE_MULTI_WRITER: CreateVolume and ControllerPublishVolume take
 * the SINGLE_NODE_{SINGLE,MULTI}_WRITER access modes (controller/capability.c). */
static const Csi__V1__ControllerServiceCapability__RPC__Type advertised[] = {
    CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__CREATE_DELETE_VOLUME,
    CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__PUBLISH_UNPUBLISH_VOLUME,
    CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__LIST_VOLUMES,
    CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__EXPAND_VOLUME,
    CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__SINGLE_NODE_MULTI_WRITER,
};
#define N_ADVERTISED (sizeof advertised / sizeof advertised[0])

static enum csi_err get_capabilities(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)req;
    Csi__V1__ControllerGetCapabilitiesResponse *r =
        csi_ctx_new(ctx, &csi__v1__controller_get_capabilities_response__descriptor);
    r->capabilities = csi_arena_alloc(csi_ctx_arena(ctx), N_ADVERTISED * sizeof *r->capabilities);
    for (size_t i = 0; i < N_ADVERTISED; i++) {
        Csi__V1__ControllerServiceCapability *cap = csi_ctx_new(ctx, &csi__v1__controller_service_capability__descriptor);
        cap->rpc = csi_ctx_new(ctx, &csi__v1__controller_service_capability__rpc__descriptor);
        cap->rpc->type = advertised[i];
        cap->type_case = CSI__V1__CONTROLLER_SERVICE_CAPABILITY__TYPE_RPC;
        r->capabilities[r->n_capabilities++] = cap;
    }
    *resp = &r->base;
    return CSI_OK;
}

static const struct csi_method controller_methods[] = {
    {.name = "ControllerGetCapabilities", .handler = get_capabilities},
    {.name = "CreateVolume", .handler = ctl_create_volume, .flags = CSI_METHOD_BLOCKING, .lock_field = "name"},
    {.name = "DeleteVolume", .handler = ctl_delete_volume, .flags = CSI_METHOD_BLOCKING, .lock_field = "volume_id"},
    {.name = "ControllerPublishVolume", .handler = ctl_publish_volume, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
    {.name = "ControllerUnpublishVolume", .handler = ctl_unpublish_volume, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
    {.name = "ValidateVolumeCapabilities", .handler = ctl_validate_capabilities, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
    {.name = "ListVolumes", .handler = ctl_list_volumes, .flags = CSI_METHOD_BLOCKING},
    {.name = "ControllerExpandVolume", .handler = ctl_expand_volume, .flags = CSI_METHOD_BLOCKING,
     .lock_field = "volume_id"},
};

struct csi_service csi_controller_service = {
    .descriptor = &csi__v1__controller__descriptor,
    .methods = controller_methods,
    .n_methods = sizeof controller_methods / sizeof controller_methods[0],
};
