/* stage_volume.c - NodeStageVolume for shared volumes: makes the volume
 * appear once per node at the staging path, which every pod's target is
 * then bind-mounted from. The source is the host's TensorPool mount
 * (<host_root>/mnt/<id>, bound), or, when the volume is not attached to
 * this node's cluster but the volume context names an NFS server and share,
 * a kernel NFS mount with tuned defaults. A stage already in place is
 * accepted when it shows the same source, and a dead one is replaced. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "csi/fsop.h"
#include "csi/hostpath.h"
#include "csi/log.h"
#include "node/node.h"

#define LOG_MODULE "node"

typedef Csi__V1__NodeStageVolumeRequest Req;

/* Kernel NFS defaults for large sequential I/O: parallel connections, 1 MiB
 * transfers, and "hard" so a server restart stalls I/O instead of failing
 * it (a training job survives a failover). */
static const char nfs_defaults[] = "vers=4.1,nconnect=8,rsize=1048576,wsize=1048576,hard,noresvport,timeo=600,retrans=2";

#define OPTS_MAX 1024

/* Where the volume comes from: a directory to bind, or an NFS source. */
struct source {
    bool nfs;
    char path[PATH_MAX]; /* bind: the directory; nfs: "server:/share[/dir]" */
    char options[OPTS_MAX];
};

/* One flag of mount_flags: no ',' (one option per flag), no empty key. */
static bool flag_valid(const char *f)
{
    return *f && !strchr(f, ',') && *f != '=';
}

static bool has_flag(const Csi__V1__VolumeCapability__MountVolume *m, const char *flag)
{
    for (size_t i = 0; i < m->n_mount_flags; i++)
        if (!strcmp(m->mount_flags[i], flag))
            return true;
    return false;
}

static size_t key_len(const char *opt, size_t len);

/* Flags that contradict each other (hard and soft, one key with two
 * values) or would let files on the share gain privileges on the node. */
static const char *flags_problem(const Csi__V1__VolumeCapability__MountVolume *m)
{
    if (has_flag(m, "suid") || has_flag(m, "dev"))
        return "mount_flags: suid and dev are refused (files on a shared volume must not gain privileges on the node)";
    if (has_flag(m, "hard") && has_flag(m, "soft"))
        return "mount_flags: hard and soft contradict each other";
    for (size_t i = 0; i < m->n_mount_flags; i++)
        for (size_t j = i + 1; j < m->n_mount_flags; j++) {
            const char *a = m->mount_flags[i], *b = m->mount_flags[j];
            size_t ka = key_len(a, strlen(a));
            if (ka == key_len(b, strlen(b)) && !strncmp(a, b, ka) && strcmp(a, b) != 0)
                return "mount_flags: one option is given two different values";
        }
    return NULL;
}

static enum csi_err check_args(struct csi_ctx *ctx, const Req *r)
{
    enum csi_err rc = node_check_id_path(ctx, r->volume_id, r->staging_target_path, "staging_target_path");
    if (rc || (rc = node_check_capability(ctx, r->volume_capability)))
        return rc;
    const Csi__V1__VolumeCapability__MountVolume *m = r->volume_capability->mount;
    for (size_t i = 0; m && i < m->n_mount_flags; i++)
        if (!flag_valid(m->mount_flags[i]))
            /* the flag itself is not echoed: mount flags may be sensitive */
            return csi_ctx_fail(ctx, CSI_E_INVALID,
                                "mount_flags[%zu] is not one mount option (empty, has a ',' or an empty key)", i);
    const char *problem = m ? flags_problem(m) : NULL;
    return problem ? csi_ctx_fail(ctx, CSI_E_INVALID, "%s", problem) : CSI_OK;
}

static const char *context_value(const Req *r, const char *key)
{
    for (size_t i = 0; i < r->n_volume_context; i++)
        if (!strcmp(r->volume_context[i]->key, key))
            return r->volume_context[i]->value;
    return NULL;
}

/* Length of an option's key: "rsize=1" -> 5, "hard" -> 4. */
static size_t key_len(const char *opt, size_t len)
{
    const char *eq = memchr(opt, '=', len);
    return eq ? (size_t)(eq - opt) : len;
}

static bool same_key(const char *a, size_t alen, const char *b)
{
    size_t ka = key_len(a, alen), kb = key_len(b, strlen(b));
    return ka == kb && !memcmp(a, b, ka);
}

static bool append(char *out, size_t *used, const char *opt, size_t len)
{
    int n = snprintf(out + *used, OPTS_MAX - *used, "%s%.*s", *used ? "," : "", (int)len, opt);
    if (n < 0 || (size_t)n >= OPTS_MAX - *used)
        return false;
    *used += (size_t)n;
    return true;
}

/* The defaults, less those whose key a user flag names, then the user
 * flags: the StorageClass's mountOptions win over ours. */
static bool merge_options(const Csi__V1__VolumeCapability__MountVolume *m, char *out)
{
    size_t used = 0;
    out[0] = 0;
    for (const char *p = nfs_defaults; *p;) {
        size_t len = strcspn(p, ",");
        bool overridden = false;
        for (size_t i = 0; m && i < m->n_mount_flags && !overridden; i++)
            overridden = same_key(p, len, m->mount_flags[i]);
        if (!overridden && !append(out, &used, p, len))
            return false;
        p += len + (p[len] == ',');
    }
    for (size_t i = 0; m && i < m->n_mount_flags; i++)
        if (!append(out, &used, m->mount_flags[i], strlen(m->mount_flags[i])))
            return false;
    return true;
}

static enum csi_err nfs_source(struct csi_ctx *ctx, const Req *r, const struct vid *v, const char *root,
                               struct source *src)
{
    const char *server = context_value(r, "server"), *share = context_value(r, "share");
    if (!server || !*server || !share || !*share)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                            "TensorPool volume %s is not attached to this node's cluster (not under %s/mnt) and "
                            "the volume context names no NFS server",
                            v->name, root);
    if (strchr(server, ',') || strchr(share, ',') || share[0] != '/')
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume context: share must be an absolute path, and neither it "
                                                "nor server may hold a ','");
    const char *sep = share[strlen(share) - 1] == '/' ? "" : "/";
    int n = v->path[0] ? snprintf(src->path, sizeof src->path, "%s:%s%s%s", server, share, sep, v->path)
                       : snprintf(src->path, sizeof src->path, "%s:%s", server, share);
    if (n < 0 || (size_t)n >= sizeof src->path)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume context: NFS server and share are too long");
    if (!merge_options(r->volume_capability->mount, src->options))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "mount_flags are too long (at most %d bytes with the defaults)",
                            OPTS_MAX);
    src->nfs = true;
    return CSI_OK;
}

/* The host's TensorPool mount of the volume (and the directory in it), or
 * the NFS source from the volume context when the host has none. */
static enum csi_err find_source(struct csi_ctx *ctx, const Req *r, const struct vid *v, struct source *src)
{
    const struct csi_driver *d = csi_ctx_data(ctx);
    int64_t dl = csi_ctx_deadline_ns(ctx);
    int e = csi_hostpath_find(d, v->name, src->path, sizeof src->path, dl);
    if (e == ENOENT)
        return nfs_source(ctx, r, v, d->host_root, src);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "looking for volume %s under %s/mnt: %s", v->name,
                            d->host_root, strerror(e));
    if (!v->path[0])
        return CSI_OK;
    size_t len = strlen(src->path);
    if (snprintf(src->path + len, sizeof src->path - len, "/%s", v->path) >= (int)(sizeof src->path - len))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume path too long");
    e = csi_fs_is_dir(src->path, dl);
    if (e == ENOENT || e == ENOTDIR)
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "directory %s does not exist in TensorPool volume %s", v->path,
                            v->name);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "checking %s: %s", src->path, strerror(e));
    return CSI_OK;
}

/* What is mounted at the staging path already: CSI_OK with *done when it is
 * this source, CSI_OK and !*done when nothing (or a dead mount, now gone)
 * is, ALREADY_EXISTS when it is something else. */
static enum csi_err existing_stage(struct csi_ctx *ctx, const char *staging, const struct source *src, bool *done)
{
    const struct mnt *m = node_mnt(ctx);
    int64_t dl = csi_ctx_deadline_ns(ctx);
    struct mnt_info info;
    *done = false;
    int e = mnt_lookup(m, staging, &info);
    if (e == ENOENT)
        return CSI_OK;
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "reading the mount table: %s", strerror(e));
    dev_t sdev, ddev;
    ino_t sino, dino;
    e = node_stat(staging, &ddev, &dino, dl);
    if (node_dead_errno(e)) {
        LOG_WARN("staging path %s is a dead mount (%s); mounting it again", staging, strerror(e));
        if ((e = mnt_unmount(m, staging, dl)))
            return csi_ctx_fail(ctx, csi_err_from_errno(e), "unmounting the dead stage: %s", strerror(e));
        return CSI_OK;
    }
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "checking the staging path: %s", strerror(e));
    if (src->nfs) {
        *done = (!strcmp(info.fstype, "nfs") || !strcmp(info.fstype, "nfs4")) && !strcmp(info.source, src->path);
    } else {
        e = node_stat(src->path, &sdev, &sino, dl);
        if (e)
            return csi_ctx_fail(ctx, csi_err_from_errno(e), "checking %s: %s", src->path, strerror(e));
        /* A bind shows its source's root directory: same device, same inode. */
        *done = sdev == ddev && sino == dino;
    }
    if (!*done)
        return csi_ctx_fail(ctx, CSI_E_EXISTS, "staging path %s already has another volume mounted", staging);
    return CSI_OK;
}

NODE_HANDLER(node_stage_volume)
{
    const Req *r = (const Req *)req;
    const struct mnt *m = node_mnt(ctx);
    int64_t dl = csi_ctx_deadline_ns(ctx);
    struct vid v;
    struct source src = {0};
    bool done;
    enum csi_err rc = check_args(ctx, r);
    if (rc || (rc = node_shared_volume(ctx, r->volume_id, &v)) || (rc = find_source(ctx, r, &v, &src)) ||
        (rc = csi_ctx_check(ctx)))
        return rc;
    int e = node_mkdir(r->staging_target_path, dl);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "creating the staging path: %s", strerror(e));
    if ((rc = existing_stage(ctx, r->staging_target_path, &src, &done)) || (rc = csi_ctx_check(ctx)))
        return rc;
    if (!done) {
        e = src.nfs ? mnt_mount(m, src.path, r->staging_target_path, "nfs4", src.options, dl)
                    : mnt_bind(m, src.path, r->staging_target_path, false, dl);
        /* the NFS source comes from the volume context: not echoed */
        if (e)
            return csi_ctx_fail(ctx, csi_err_from_errno(e), "%s at the staging path: %s",
                                src.nfs ? "NFS mount from the volume context's server" : "bind mount of the volume",
                                strerror(e));
        LOG_INFO("staged %s (%s)", r->volume_id, src.nfs ? "NFS" : "bound from the host's TensorPool mount");
    }
    *resp = csi_ctx_new(ctx, &csi__v1__node_stage_volume_response__descriptor);
    return CSI_OK;
}
