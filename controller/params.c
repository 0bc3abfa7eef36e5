/* params.c - StorageClass parameters (see params.h): one pass over the map,
 * then the cross-checks between keys. */
#include "controller/params.h"

#include <stdio.h>
#include <string.h>

struct raw {
    const char *type, *mode, *storage_id, *bucket, *on_delete, *protection, *detach;
};

static bool parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't';
        return true;
    }
    return false;
}

static enum csi_err bad(char *msg, size_t msglen, const char *key, const char *what)
{
    snprintf(msg, msglen, "parameter %s: %s", key, what);
    return CSI_E_INVALID;
}

static enum csi_err collect(Csi__V1__CreateVolumeRequest__ParametersEntry *const *entries, size_t n, struct raw *r,
                            struct ctl_params *p, char *msg, size_t msglen)
{
    static const char k8s[] = "csi.storage.k8s.io/";
    for (size_t i = 0; i < n; i++) {
        const char *k = entries[i]->key, *v = entries[i]->value;
        const char **slot = strcmp(k, "type") == 0 ? &r->type
                          : strcmp(k, "mode") == 0 ? &r->mode
                          : strcmp(k, "storageId") == 0 ? &r->storage_id
                          : strcmp(k, "bucket") == 0 ? &r->bucket
                          : strcmp(k, "onDelete") == 0 ? &r->on_delete
                          : strcmp(k, "deletionProtection") == 0 ? &r->protection
                          : strcmp(k, "detachOnUnpublish") == 0 ? &r->detach
                          : strcmp(k, "csi.storage.k8s.io/pvc/name") == 0 ? &p->pvc_name
                          : strcmp(k, "csi.storage.k8s.io/pvc/namespace") == 0 ? &p->pvc_namespace
                          : strcmp(k, "csi.storage.k8s.io/pv/name") == 0 ? &p->pv_name : NULL;
        if (slot)
            *slot = v;
        else if (strncmp(k, k8s, sizeof k8s - 1) != 0) {
            char key[64];
            csi_escape(k, key, sizeof key);
            snprintf(msg, msglen, "unknown parameter \"%s\" (known: type, mode, storageId, bucket, onDelete, "
                                  "deletionProtection, detachOnUnpublish)", key);
            return CSI_E_INVALID;
        }
    }
    return CSI_OK;
}

static enum csi_err kind_of(const struct raw *r, struct ctl_params *p, char *msg, size_t msglen)
{
    const char *type = r->type ? r->type : "shared";
    bool shared = strcmp(type, "shared") == 0;
    if (!shared && strcmp(type, "object") != 0)
        return bad(msg, msglen, "type", "must be shared or object");
    const char *mode = r->mode ? r->mode : shared ? "subdir" : "bucket";
    if (shared && strcmp(mode, "subdir") == 0)
        p->kind = VID_SHARED_SUBDIR;
    else if (shared && strcmp(mode, "volume") == 0)
        p->kind = VID_SHARED_VOLUME;
    else if (!shared && strcmp(mode, "bucket") == 0)
        p->kind = VID_OBJECT_BUCKET;
    else if (!shared && strcmp(mode, "prefix") == 0)
        p->kind = VID_OBJECT_PREFIX;
    else
        return bad(msg, msglen, "mode", shared ? "must be subdir or volume for type=shared"
                                               : "must be bucket or prefix for type=object");
    return CSI_OK;
}

/* storageId belongs to subdir, bucket to prefix, and nowhere else. */
static enum csi_err container_of(const struct raw *r, struct ctl_params *p, char *msg, size_t msglen)
{
    if (r->storage_id && p->kind != VID_SHARED_SUBDIR)
        return bad(msg, msglen, "storageId", "only applies to type=shared, mode=subdir");
    if (r->bucket && p->kind != VID_OBJECT_PREFIX)
        return bad(msg, msglen, "bucket", "only applies to type=object, mode=prefix");
    if (p->kind == VID_SHARED_SUBDIR && !(r->storage_id && vid_storage_id_valid(r->storage_id)))
        return bad(msg, msglen, "storageId", "mode=subdir needs the TensorPool volume id (s-...) to put directories in");
    if (p->kind == VID_OBJECT_PREFIX && !(r->bucket && vid_bucket_valid(r->bucket)))
        return bad(msg, msglen, "bucket", "mode=prefix needs a valid S3 bucket name");
    snprintf(p->name, sizeof p->name, "%s", p->kind == VID_SHARED_SUBDIR ? r->storage_id
                                            : p->kind == VID_OBJECT_PREFIX ? r->bucket : "");
    return CSI_OK;
}

static enum csi_err options_of(const struct raw *r, struct ctl_params *p, char *msg, size_t msglen)
{
    if (r->on_delete) {
        if (strcmp(r->on_delete, "retain") == 0)
            p->on_delete = VID_RETAIN;
        else if (p->kind == VID_OBJECT_PREFIX) /* deleting objects needs the S3 client (object storage issue) */
            return bad(msg, msglen, "onDelete", "must be retain for mode=prefix (for now)");
        else if (strcmp(r->on_delete, "delete") == 0)
            p->on_delete = VID_DELETE;
        else if (strcmp(r->on_delete, "archive") == 0 && p->kind == VID_SHARED_SUBDIR)
            p->on_delete = VID_ARCHIVE;
        else
            return bad(msg, msglen, "onDelete", "must be retain, delete, or (for mode=subdir) archive");
    }
    if (r->protection && (p->kind != VID_SHARED_VOLUME || !parse_bool(r->protection, &p->deletion_protection)))
        return bad(msg, msglen, "deletionProtection", "is true or false, for type=shared, mode=volume");
    bool shared = p->kind == VID_SHARED_VOLUME || p->kind == VID_SHARED_SUBDIR;
    if (r->detach && (!shared || !parse_bool(r->detach, &p->detach_on_unpublish)))
        return bad(msg, msglen, "detachOnUnpublish", "is true or false, for type=shared");
    return CSI_OK;
}

enum csi_err ctl_params_parse(Csi__V1__CreateVolumeRequest__ParametersEntry *const *entries, size_t n,
                              struct ctl_params *p, char *msg, size_t msglen)
{
    struct raw r = {0};
    memset(p, 0, sizeof *p);
    enum csi_err err = collect(entries, n, &r, p, msg, msglen);
    if (!err)
        err = kind_of(&r, p, msg, msglen);
    if (!err)
        err = container_of(&r, p, msg, msglen);
    if (!err)
        err = options_of(&r, p, msg, msglen);
    return err;
}
