/* validate_capabilities.c - ValidateVolumeCapabilities: for pre-provisioned
 * (static) volumes, checks the volume exists and confirms the capabilities
 * only when all of them are ones we serve: mounts with a known access mode. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "controller/capability.h"
#include "controller/controller.h"
#include "controller/lookup.h"
#include "csi/clock.h"
#include "csi/fsop.h"
#include "csi/hostpath.h"

typedef Csi__V1__ValidateVolumeCapabilitiesRequest Req;
typedef Csi__V1__ValidateVolumeCapabilitiesResponse Resp;
typedef Csi__V1__ValidateVolumeCapabilitiesResponse__Confirmed Confirmed;

/* Every map<string,string> entry of csi.proto has this layout. */
struct map_entry {
    ProtobufCMessage base;
    char *key;
    char *value;
};

/* A subdir exists when its directory does inside the attached volume, which
 * the controller sees only when its own cluster has the volume attached. */
static enum csi_err check_subdir(struct csi_ctx *ctx, const struct vid *v)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    char root[CSI_MAX_PATH_LEN], dir[CSI_MAX_PATH_LEN];
    int64_t deadline = csi_ctx_deadline_ns(ctx);
    int e = csi_hostpath_find(d, v->name, root, sizeof root, deadline);
    if (e == ENOENT) /* not attached where the controller runs: TensorPool's word that it exists must do */
        return CSI_OK;
    if (!e && snprintf(dir, sizeof dir, "%s/%s", root, v->path) >= (int)sizeof dir)
        e = ENAMETOOLONG;
    if (!e)
        e = csi_fs_is_dir(dir, deadline);
    if (e == ENOENT || e == ENOTDIR)
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "directory %s does not exist in %s", v->path, v->name);
    return e ? ctl_fs_fail(ctx, e, "looking for %s in %s", v->path, v->name) : CSI_OK;
}

/* The same map, re-typed for the response (its entry descriptor differs). */
static void **copy_map(struct csi_ctx *ctx, const ProtobufCMessageDescriptor *d, void *const *src, size_t n)
{
    struct csi_arena *a = csi_ctx_arena(ctx);
    void **out = csi_arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const struct map_entry *s = src[i];
        struct map_entry *e = csi_ctx_new(ctx, d);
        e->key = csi_arena_strdup(a, s->key);
        e->value = csi_arena_strdup(a, s->value);
        out[i] = e;
    }
    return out;
}

static Confirmed *confirm(struct csi_ctx *ctx, const Req *r)
{
    Confirmed *c = csi_ctx_new(ctx, &csi__v1__validate_volume_capabilities_response__confirmed__descriptor);
    c->n_volume_context = r->n_volume_context;
    c->volume_context = (void *)copy_map(
        ctx, &csi__v1__validate_volume_capabilities_response__confirmed__volume_context_entry__descriptor,
        (void *const *)r->volume_context, r->n_volume_context);
    c->n_parameters = r->n_parameters;
    c->parameters = (void *)copy_map(
        ctx, &csi__v1__validate_volume_capabilities_response__confirmed__parameters_entry__descriptor,
        (void *const *)r->parameters, r->n_parameters);
    /* The capabilities live in the request, which outlives the response. */
    c->n_volume_capabilities = r->n_volume_capabilities;
    c->volume_capabilities = r->volume_capabilities;
    return c;
}

/* Confirming echoes the parameters: only ones this driver would accept,
 * describing this kind of volume. NULL if they are fine. */
static const char *params_problem(const Req *r, const struct vid *v, char *why, size_t len)
{
    struct ctl_params p;
    /* every map<string,string> entry of csi.proto has the same layout */
    if (ctl_params_parse((Csi__V1__CreateVolumeRequest__ParametersEntry *const *)(void *)r->parameters,
                         r->n_parameters, &p, why, len) != CSI_OK)
        return why;
    if (p.kind != v->kind) {
        snprintf(why, len, "the parameters describe another kind of volume");
        return why;
    }
    return NULL;
}

CTL_HANDLER(ctl_validate_capabilities)
{
    const Req *r = (const Req *)req;
    struct vid v;
    struct tp_volume info;
    if (csi_ctx_check_id(ctx, r->volume_id, "volume_id"))
        return CSI_E_INVALID;
    if (r->n_volume_capabilities == 0)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_capabilities is required");
    if (!vid_parse(r->volume_id, &v))
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "volume %s is not a volume id of this driver", r->volume_id);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    enum csi_err rc = ctl_lookup(ctx, &v, &o, &info);
    if (!rc && v.kind == VID_SHARED_SUBDIR && !(rc = csi_ctx_check(ctx)))
        rc = check_subdir(ctx, &v);
    if (rc)
        return rc;
    Resp *out = csi_ctx_new(ctx, &csi__v1__validate_volume_capabilities_response__descriptor);
    const char *problem = NULL;
    for (size_t i = 0; i < r->n_volume_capabilities && !problem; i++)
        problem = ctl_capability_problem(r->volume_capabilities[i]);
    char why[200];
    if (!problem && r->n_parameters)
        problem = params_problem(r, &v, why, sizeof why);
    if (problem)
        out->message = csi_arena_printf(csi_ctx_arena(ctx), "not confirmed: %s", problem);
    else
        out->confirmed = confirm(ctx, r);
    *resp = &out->base;
    return CSI_OK;
}
