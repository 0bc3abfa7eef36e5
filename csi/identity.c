/* identity.c - the CSI Identity service: who the plugin is, what it offers,
 * and whether it is ready. All three answers come from memory, so they run
 * on the completion-queue threads and never block. */
#include <ctype.h>
#include <string.h>

#include "csi.pb-c.h"
#include "csi/driver.h"
#include "csi/services.h"

bool csi_driver_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 63 || !isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[len - 1]))
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-._", *p))
            return false;
    return true;
}

static enum csi_err get_plugin_info(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)req;
    const struct csi_driver *d = csi_ctx_data(ctx);
    Csi__V1__GetPluginInfoResponse *r = csi_ctx_new(ctx, &csi__v1__get_plugin_info_response__descriptor);
    r->name = (char *)d->name;
    r->vendor_version = (char *)d->version;
    *resp = &r->base;
    return CSI_OK;
}

static Csi__V1__PluginCapability *service_cap(struct csi_ctx *ctx, Csi__V1__PluginCapability__Service__Type type)
{
    Csi__V1__PluginCapability *cap = csi_ctx_new(ctx, &csi__v1__plugin_capability__descriptor);
    Csi__V1__PluginCapability__Service *svc = csi_ctx_new(ctx, &csi__v1__plugin_capability__service__descriptor);
    svc->type = type;
    cap->type_case = CSI__V1__PLUGIN_CAPABILITY__TYPE_SERVICE;
    cap->service = svc;
    return cap;
}

static Csi__V1__PluginCapability *expansion_cap(struct csi_ctx *ctx)
{
    Csi__V1__PluginCapability *cap = csi_ctx_new(ctx, &csi__v1__plugin_capability__descriptor);
    Csi__V1__PluginCapability__VolumeExpansion *exp =
        csi_ctx_new(ctx, &csi__v1__plugin_capability__volume_expansion__descriptor);
    exp->type = CSI__V1__PLUGIN_CAPABILITY__VOLUME_EXPANSION__TYPE__ONLINE;
    cap->type_case = CSI__V1__PLUGIN_CAPABILITY__TYPE_VOLUME_EXPANSION;
    cap->volume_expansion = exp;
    return cap;
}

static enum csi_err get_plugin_capabilities(struct csi_ctx *ctx, const ProtobufCMessage *req,
                                            ProtobufCMessage **resp)
{
    (void)req;
    const struct csi_driver *d = csi_ctx_data(ctx);
    Csi__V1__GetPluginCapabilitiesResponse *r =
        csi_ctx_new(ctx, &csi__v1__get_plugin_capabilities_response__descriptor);
    r->capabilities = csi_arena_alloc(csi_ctx_arena(ctx), 2 * sizeof *r->capabilities);
    if (d->mode & CSI_MODE_CONTROLLER) {
        r->capabilities[r->n_capabilities++] =
            service_cap(ctx, CSI__V1__PLUGIN_CAPABILITY__SERVICE__TYPE__CONTROLLER_SERVICE);
        /* ControllerExpandVolume needs no node step, so a mounted volume grows in place */
        r->capabilities[r->n_capabilities++] = expansion_cap(ctx);
    }
    *resp = &r->base;
    return CSI_OK;
}

static enum csi_err probe(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)req;
    struct csi_driver *d = csi_ctx_data(ctx);
    Csi__V1__ProbeResponse *r = csi_ctx_new(ctx, &csi__v1__probe_response__descriptor);
    r->ready = csi_ctx_new(ctx, &google__protobuf__bool_value__descriptor);
    r->ready->value = atomic_load(&d->ready) && atomic_load(&d->api_ok);
    *resp = &r->base;
    return CSI_OK;
}

static const struct csi_method identity_methods[] = {
    {.name = "GetPluginInfo", .handler = get_plugin_info},
    {.name = "GetPluginCapabilities", .handler = get_plugin_capabilities},
    {.name = "Probe", .handler = probe, .flags = CSI_METHOD_QUIET},
};

struct csi_service csi_identity_service = {
    .descriptor = &csi__v1__identity__descriptor,
    .methods = identity_methods,
    .n_methods = sizeof identity_methods / sizeof identity_methods[0],
};
