/* delete_volume.c - DeleteVolume: does what the volume id's onDelete option says (retain, delete,
 * archive) to a TensorPool volume, a directory in one, or a bucket; anything already gone is
 * success, since the CO retries and an unknown id must answer OK. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "controller/controller.h"
#include "csi/clock.h"
#include "csi/fsop.h"
#include "csi/hostpath.h"

typedef Csi__V1__DeleteVolumeRequest DeleteReq;

static enum csi_err fs_fail(struct csi_ctx *ctx, int e, const struct vid *v, const char *what)
{
    return ctl_fs_fail(ctx, e, "%s %s in TensorPool volume %s", what, v->path, v->name);
}

static enum csi_err delete_shared_volume(struct csi_ctx *ctx, const DeleteReq *r, const struct vid *v)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_error te = {0};
    switch (tp_volume_destroy(d->tp, &o, v->name, &te)) {
    case TP_OK:
    case TP_E_NOT_FOUND: return CSI_OK;
    case TP_E_PROTECTED:
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                            "deletion protection is enabled on %s; turn it off to delete the volume", v->name);
    default: return ctl_tp_fail(ctx, &te, "destroying the TensorPool volume"); /* CONFLICT: still attached */
    }
}

/* The storage volume is not under the host root. If TensorPool no longer knows it, its directories
 * went with it; otherwise we cannot reach them, and answering OK would leak them silently. */
static enum csi_err storage_missing(struct csi_ctx *ctx, const DeleteReq *r, const struct vid *v)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_volume vol;
    struct tp_error te = {0};
    enum tp_err e = tp_volume_info(d->tp, &o, v->name, &vol, &te);
    if (e == TP_E_NOT_FOUND)
        return CSI_OK;
    if (e != TP_OK)
        return ctl_tp_fail(ctx, &te, "looking up the TensorPool volume");
    return csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                        "TensorPool volume %s is not attached to this cluster (not found under %s/mnt); "
                        "cannot remove %s from it",
                        v->name, d->host_root, v->path);
}

/* <dir>/archived-<path with '/' as '-'>, with the time appended when that name is taken. */
static int archive(struct csi_ctx *ctx, const char *from, const char *dir, const char *path)
{
    char flat[VID_PATH_MAX], to[CSI_MAX_PATH_LEN + VID_PATH_MAX + 32];
    snprintf(flat, sizeof flat, "%s", path);
    for (char *c = flat; *c; c++)
        if (*c == '/')
            *c = '-';
    snprintf(to, sizeof to, "%s/archived-%s", dir, flat);
    int e = csi_fs_rename(from, to, csi_ctx_deadline_ns(ctx));
    if (e == EEXIST || e == ENOTEMPTY) {
        snprintf(to, sizeof to, "%s/archived-%s-%lld", dir, flat, (long long)time(NULL));
        e = csi_fs_rename(from, to, csi_ctx_deadline_ns(ctx));
    }
    return e == ENOENT ? 0 : e; /* the source is gone: archived or removed by an earlier try */
}

static enum csi_err delete_subdir(struct csi_ctx *ctx, const DeleteReq *r, const struct vid *v)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    char dir[CSI_MAX_PATH_LEN], path[CSI_MAX_PATH_LEN + VID_PATH_MAX];
    int e = csi_hostpath_find(d, v->name, dir, sizeof dir, csi_ctx_deadline_ns(ctx));
    if (e == ENOENT)
        return storage_missing(ctx, r, v);
    if (e)
        return fs_fail(ctx, e, v, "finding the volume holding");
    enum csi_err err = csi_ctx_check(ctx);
    if (err)
        return err;
    snprintf(path, sizeof path, "%s/%s", dir, v->path);
    e = csi_fs_inside(dir, path, csi_ctx_deadline_ns(ctx));
    if (e == EXDEV)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION, "%s in TensorPool volume %s leads outside the volume (a symlink); "
                                                     "not touching it", v->path, v->name);
    if (e == ENOENT)
        return CSI_OK; /* its parent is gone, so it is too */
    if (e)
        return fs_fail(ctx, e, v, "checking");
    if (v->on_delete == VID_ARCHIVE)
        e = archive(ctx, path, dir, v->path);
    else
        e = csi_fs_remove_tree(path, csi_ctx_deadline_ns(ctx)); /* 0 when already gone */
    if (!e) /* the name is free again: a new volume of that name starts with no recorded size */
        e = ctl_record_remove(dir, v->path, csi_ctx_deadline_ns(ctx));
    return e ? fs_fail(ctx, e, v, v->on_delete == VID_ARCHIVE ? "archiving" : "removing") : CSI_OK;
}

static enum csi_err delete_bucket(struct csi_ctx *ctx, const DeleteReq *r, const struct vid *v)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_error te = {0};
    switch (tp_bucket_delete(d->tp, &o, v->name, &te)) {
    case TP_OK:
    case TP_E_NOT_FOUND: return CSI_OK;
    case TP_E_CONFLICT:
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                            "bucket %s is not empty; emptying buckets needs the S3 client, which comes with "
                            "object storage support",
                            v->name);
    default: return ctl_tp_fail(ctx, &te, "deleting the bucket");
    }
}

CTL_HANDLER(ctl_delete_volume)
{
    const DeleteReq *r = (const DeleteReq *)req;
    struct vid v;
    if (csi_ctx_check_id(ctx, r->volume_id, "volume_id"))
        return CSI_E_INVALID;
    enum csi_err err = CSI_OK;
    /* An id we never wrote names no volume of ours: the spec says that is success. */
    if (vid_parse(r->volume_id, &v) && v.on_delete != VID_RETAIN) {
        switch (v.kind) {
        case VID_SHARED_VOLUME: err = delete_shared_volume(ctx, r, &v); break;
        case VID_SHARED_SUBDIR: err = delete_subdir(ctx, r, &v); break;
        case VID_OBJECT_BUCKET: err = delete_bucket(ctx, r, &v); break;
        case VID_OBJECT_PREFIX:
            err = csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                               "deleting or archiving prefix %s of bucket %s needs the S3 client, which comes with "
                               "object storage support",
                               v.path, v.name);
            break;
        }
    }
    if (err)
        return err;
    *resp = &((Csi__V1__DeleteVolumeResponse *)csi_ctx_new(ctx, &csi__v1__delete_volume_response__descriptor))->base;
    return CSI_OK;
}
