/* publish_volume.c - NodePublishVolume: bind-mounts the staged volume into
 * a pod's target path, read-only when asked, and gives it to the pod's
 * fsGroup (volume_mount_group) so non-root pods can write. A target already
 * showing this volume is accepted; a dead one is replaced. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csi/log.h"
#include "node/node.h"

#define LOG_MODULE "node"

typedef Csi__V1__NodePublishVolumeRequest Req;

/* A numeric group id ("1000"), as Kubernetes sends fsGroup. */
static bool parse_gid(const char *s, gid_t *out)
{
    char *end;
    if (!*s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > 0xfffffffeul) /* (gid_t)-1 means "unchanged" to chown */
        return false;
    *out = (gid_t)v;
    return true;
}

static const char *mount_group(const Req *r)
{
    const Csi__V1__VolumeCapability__MountVolume *m = r->volume_capability->mount;
    return m && m->volume_mount_group && *m->volume_mount_group ? m->volume_mount_group : NULL;
}

static enum csi_err check_args(struct csi_ctx *ctx, const Req *r)
{
    gid_t gid;
    enum csi_err rc = node_check_id_path(ctx, r->volume_id, r->target_path, "target_path");
    if (rc)
        return rc;
    /* STAGE_UNSTAGE_VOLUME is advertised, so the CO must send the staging path */
    if ((rc = node_check_path(ctx, r->staging_target_path, "staging_target_path")))
        return rc;
    if ((rc = node_check_capability(ctx, r->volume_capability)))
        return rc;
    if (mount_group(r) && !parse_gid(mount_group(r), &gid))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_mount_group must be a numeric group id");
    return CSI_OK;
}

static bool reader_only(const Csi__V1__VolumeCapability *cap)
{
    int mode = cap->access_mode->mode;
    return mode == CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__SINGLE_NODE_READER_ONLY ||
           mode == CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__MULTI_NODE_READER_ONLY;
}

/* What is at the target already: CSI_OK with *done when it is this staged
 * volume with the same read-only flag; CSI_OK and !*done when nothing (or a
 * dead mount, now gone) is; ALREADY_EXISTS otherwise. */
static enum csi_err existing_publish(struct csi_ctx *ctx, const Req *r, bool read_only, dev_t sdev, ino_t sino,
                                     bool *done)
{
    const struct mnt *m = node_mnt(ctx);
    int64_t dl = csi_ctx_deadline_ns(ctx);
    struct mnt_info info;
    dev_t tdev;
    ino_t tino;
    *done = false;
    int e = mnt_lookup(m, r->target_path, &info);
    if (e == ENOENT)
        return CSI_OK;
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "reading the mount table: %s", strerror(e));
    e = node_stat(r->target_path, &tdev, &tino, dl);
    if (node_dead_errno(e)) {
        LOG_WARN("target path %s is a dead mount (%s); mounting it again", r->target_path, strerror(e));
        if ((e = mnt_unmount(m, r->target_path, dl)))
            return csi_ctx_fail(ctx, csi_err_from_errno(e), "unmounting the dead target: %s", strerror(e));
        return CSI_OK;
    }
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "checking the target path: %s", strerror(e));
    if (tdev != sdev || tino != sino)
        return csi_ctx_fail(ctx, CSI_E_EXISTS, "target path %s already has another volume mounted", r->target_path);
    if (info.read_only != read_only)
        return csi_ctx_fail(ctx, CSI_E_EXISTS, "volume is already published at %s %s", r->target_path,
                            info.read_only ? "read-only" : "read-write");
    *done = true;
    return CSI_OK;
}

/* The staged volume's root: it must be a mount point (staged and alive). */
static enum csi_err staged_root(struct csi_ctx *ctx, const char *staging, dev_t *dev, ino_t *ino)
{
    struct mnt_info info;
    int e = mnt_lookup(node_mnt(ctx), staging, &info);
    if (e == ENOENT)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION, "volume is not staged at %s", staging);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "reading the mount table: %s", strerror(e));
    e = node_stat(staging, dev, ino, csi_ctx_deadline_ns(ctx));
    if (node_dead_errno(e))
        /* NodeStageVolume repairs it; the CO calls it again before publishing */
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION, "the stage at %s is a dead mount (%s); stage it again",
                            staging, strerror(e));
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "checking the staging path: %s", strerror(e));
    return CSI_OK;
}

static enum csi_err apply_group(struct csi_ctx *ctx, const Req *r)
{
    gid_t gid;
    if (!mount_group(r))
        return CSI_OK;
    parse_gid(mount_group(r), &gid); /* checked in check_args */
    /* Through the staging path, which shows the same directory and is
     * always writable, so a read-only target gets its group too. */
    int e = node_set_group(r->staging_target_path, gid, csi_ctx_deadline_ns(ctx));
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "giving the volume to group %u: %s", (unsigned)gid,
                            strerror(e));
    return CSI_OK;
}

NODE_HANDLER(node_publish_volume)
{
    const Req *r = (const Req *)req;
    const struct mnt *m = node_mnt(ctx);
    int64_t dl = csi_ctx_deadline_ns(ctx);
    bool read_only, done;
    struct vid v;
    dev_t sdev;
    ino_t sino;
    enum csi_err rc = check_args(ctx, r);
    if (rc || (rc = node_shared_volume(ctx, r->volume_id, &v)) ||
        (rc = staged_root(ctx, r->staging_target_path, &sdev, &sino)))
        return rc;
    read_only = r->readonly || reader_only(r->volume_capability);
    if (r->volume_capability->access_mode->mode ==
            CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__SINGLE_NODE_SINGLE_WRITER &&
        node_pub_elsewhere(r->volume_id, r->target_path))
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                            "volume is SINGLE_NODE_SINGLE_WRITER and already published at another target on this node");
    int e = node_mkdir(r->target_path, dl);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "creating the target path: %s", strerror(e));
    if ((rc = existing_publish(ctx, r, read_only, sdev, sino, &done)) || (rc = apply_group(ctx, r)) ||
        (rc = csi_ctx_check(ctx)))
        return rc;
    if (!done) {
        if ((e = mnt_bind(m, r->staging_target_path, r->target_path, read_only, dl)))
            return csi_ctx_fail(ctx, csi_err_from_errno(e), "bind mount at the target path: %s", strerror(e));
        LOG_INFO("published %s at %s%s", r->volume_id, r->target_path, read_only ? " (read-only)" : "");
    }
    node_pub_add(r->volume_id, r->target_path);
    *resp = csi_ctx_new(ctx, &csi__v1__node_publish_volume_response__descriptor);
    return CSI_OK;
}
