/* lookup.c - existence checks against TensorPool, one place for the
 * NOT_FOUND wording. Buckets have no "info" call, so a bucket is looked for
 * in the bucket list. */
#include "controller/lookup.h"

#include <stdlib.h>
#include <string.h>

static enum csi_err lookup_storage(struct csi_ctx *ctx, struct tp_client *tp, const char *id,
                                   const struct tp_opts *o, struct tp_volume *info)
{
    struct tp_error err = {0};
    if (tp_volume_info(tp, o, id, info, &err) == TP_OK)
        return CSI_OK;
    if (err.code == TP_E_NOT_FOUND)
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "TensorPool volume %s does not exist", id);
    return ctl_tp_fail(ctx, &err, "TensorPool volume info");
}

static enum csi_err lookup_bucket(struct csi_ctx *ctx, struct tp_client *tp, const char *bucket,
                                  const struct tp_opts *o)
{
    struct tp_error err = {0};
    char **names = NULL;
    size_t n = 0;
    if (tp_bucket_list(tp, o, &names, &n, &err) != TP_OK) {
        /* The API answers 404 when object storage is not enabled: then no
         * bucket exists. */
        if (err.code == TP_E_NOT_FOUND)
            return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "bucket %s does not exist (object storage is not enabled)",
                                bucket);
        return ctl_tp_fail(ctx, &err, "TensorPool bucket list");
    }
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = !strcmp(names[i], bucket);
    tp_strv_free(names, n);
    return found ? CSI_OK : csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "bucket %s does not exist", bucket);
}

enum csi_err ctl_lookup(struct csi_ctx *ctx, const struct vid *v, const struct tp_opts *o, struct tp_volume *info)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    if (v->kind == VID_SHARED_VOLUME || v->kind == VID_SHARED_SUBDIR)
        return lookup_storage(ctx, d->tp, v->name, o, info);
    return lookup_bucket(ctx, d->tp, v->name, o);
}
