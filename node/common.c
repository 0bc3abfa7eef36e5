/* common.c - the checks and deadline-bound filesystem calls every Node RPC
 * shares (see node.h), and the table of publications on this node. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controller/capability.h"
#include "csi/fsop.h"
#include "csi/log.h"
#include "csi/validate.h"
#include "node/node.h"

#define LOG_MODULE "node"

const struct mnt *node_mnt(struct csi_ctx *ctx)
{
    const struct csi_driver *d = csi_ctx_data(ctx);
    return &d->mnt;
}

enum csi_err node_check_path(struct csi_ctx *ctx, const char *path, const char *what)
{
    const struct csi_driver *d = csi_ctx_data(ctx);
    if (csi_ctx_check_path(ctx, path, what))
        return CSI_E_INVALID;
    size_t n = d->kubelet_dir ? strlen(d->kubelet_dir) : 0;
    while (n > 1 && d->kubelet_dir[n - 1] == '/')
        n--;
    /* paths are already free of ".." components, so a prefix test is enough */
    if (n && (strncmp(path, d->kubelet_dir, n) != 0 || path[n] != '/'))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "%s must be below the kubelet directory %s", what, d->kubelet_dir);
    return CSI_OK;
}

enum csi_err node_check_id_path(struct csi_ctx *ctx, const char *volume_id, const char *path, const char *what)
{
    if (csi_ctx_check_id(ctx, volume_id, "volume_id"))
        return CSI_E_INVALID;
    return node_check_path(ctx, path, what);
}

enum csi_err node_check_capability(struct csi_ctx *ctx, const Csi__V1__VolumeCapability *cap)
{
    const char *problem;
    if (!cap)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_capability is required");
    if ((problem = ctl_capability_problem(cap)))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "%s", problem);
    return CSI_OK;
}

enum csi_err node_shared_volume(struct csi_ctx *ctx, const char *volume_id, struct vid *out)
{
    if (!vid_parse(volume_id, out))
        return csi_ctx_fail(ctx, CSI_E_NOT_FOUND, "volume %s is not a volume id of this driver", volume_id);
    if (out->kind == VID_OBJECT_BUCKET || out->kind == VID_OBJECT_PREFIX)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                            "object volumes are served by the FUSE filesystem, which comes with object storage support");
    return CSI_OK;
}

bool node_dead_errno(int e) { return e == ENOTCONN || e == ESTALE || e == EIO; }

/* ---- filesystem calls on their own thread (csi_fsop_run copies these) ---- */

struct path_op {
    char path[PATH_MAX];
    dev_t dev;
    ino_t ino;
    gid_t gid;
};

static int set_path(struct path_op *op, const char *path)
{
    return snprintf(op->path, sizeof op->path, "%s", path) < (int)sizeof op->path ? 0 : ENAMETOOLONG;
}

static int do_stat(void *arg)
{
    struct path_op *op = arg;
    struct stat st;
    if (stat(op->path, &st) != 0)
        return errno;
    op->dev = st.st_dev;
    op->ino = st.st_ino;
    return 0;
}

int node_stat(const char *path, dev_t *dev, ino_t *ino, int64_t deadline_ns)
{
    struct path_op op = {0};
    int e = set_path(&op, path);
    if (!e)
        e = csi_fsop_run(do_stat, &op, sizeof op, deadline_ns);
    if (!e) {
        *dev = op.dev;
        *ino = op.ino;
    }
    return e;
}

static int do_rmdir(void *arg)
{
    struct path_op *op = arg;
    return rmdir(op->path) == 0 || errno == ENOENT ? 0 : errno;
}

int node_rmdir(const char *path, int64_t deadline_ns)
{
    struct path_op op = {0};
    int e = set_path(&op, path);
    return e ? e : csi_fsop_run(do_rmdir, &op, sizeof op, deadline_ns);
}

int node_mkdir(const char *path, int64_t deadline_ns)
{
    int e = csi_fs_mkdir(path, 0750, deadline_ns);
    return e == EEXIST ? 0 : e;
}

static int do_set_group(void *arg)
{
    struct path_op *op = arg;
    struct stat st;
    if (stat(op->path, &st) != 0)
        return errno;
    if (!S_ISDIR(st.st_mode))
        return ENOTDIR;
    if (st.st_gid != op->gid && chown(op->path, (uid_t)-1, op->gid) != 0)
        return errno;
    mode_t want = (st.st_mode & 07777) | S_IRWXG | S_ISGID;
    /* chown clears setgid on some filesystems, so the mode is set after it */
    return chmod(op->path, want) == 0 ? 0 : errno;
}

int node_set_group(const char *path, gid_t gid, int64_t deadline_ns)
{
    struct path_op op = {.gid = gid};
    int e = set_path(&op, path);
    return e ? e : csi_fsop_run(do_set_group, &op, sizeof op, deadline_ns);
}

/* ---- publications: a short list, one entry per (volume, target) ---- */

struct pub {
    struct pub *next;
    char *volume_id, *target;
};

static pthread_mutex_t pub_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pub *pubs;

bool node_pub_elsewhere(const char *volume_id, const char *target)
{
    bool found = false;
    pthread_mutex_lock(&pub_lock);
    for (struct pub *p = pubs; p && !found; p = p->next)
        found = !strcmp(p->volume_id, volume_id) && strcmp(p->target, target) != 0;
    pthread_mutex_unlock(&pub_lock);
    return found;
}

void node_pub_add(const char *volume_id, const char *target)
{
    pthread_mutex_lock(&pub_lock);
    struct pub *p = pubs;
    while (p && (strcmp(p->volume_id, volume_id) || strcmp(p->target, target)))
        p = p->next;
    if (!p && (p = calloc(1, sizeof *p))) {
        p->volume_id = strdup(volume_id);
        p->target = strdup(target);
        if (p->volume_id && p->target) {
            p->next = pubs;
            pubs = p;
        } else {
            /* out of memory: the rule is not enforced for this one, nothing worse */
            free(p->volume_id);
            free(p->target);
            free(p);
        }
    }
    pthread_mutex_unlock(&pub_lock);
}

void node_pub_remove(const char *volume_id, const char *target)
{
    pthread_mutex_lock(&pub_lock);
    for (struct pub **pp = &pubs; *pp; pp = &(*pp)->next) {
        struct pub *p = *pp;
        if (!strcmp(p->volume_id, volume_id) && !strcmp(p->target, target)) {
            *pp = p->next;
            free(p->volume_id);
            free(p->target);
            free(p);
            break;
        }
    }
    pthread_mutex_unlock(&pub_lock);
}

enum csi_err node_unmount_and_remove(struct csi_ctx *ctx, const char *path, const char *what)
{
    int64_t dl = csi_ctx_deadline_ns(ctx);
    int e = mnt_unmount(node_mnt(ctx), path, dl);
    if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "unmounting the %s: %s", what, strerror(e));
    e = node_rmdir(path, dl);
    if (e == ENOTEMPTY || e == EEXIST || e == ENOTDIR)
        LOG_WARN("%s %s is unmounted but %s; left in place", what, path,
                 e == ENOTDIR ? "not a directory" : "not empty");
    else if (e)
        return csi_ctx_fail(ctx, csi_err_from_errno(e), "removing the %s: %s", what, strerror(e));
    return CSI_OK;
}

enum node_pub_owner node_pub_owner(const char *volume_id, const char *target)
{
    enum node_pub_owner owner = NODE_PUB_NONE;
    pthread_mutex_lock(&pub_lock);
    for (struct pub *p = pubs; p && owner != NODE_PUB_THIS; p = p->next)
        if (!strcmp(p->target, target))
            owner = !strcmp(p->volume_id, volume_id) ? NODE_PUB_THIS : NODE_PUB_OTHER;
    pthread_mutex_unlock(&pub_lock);
    return owner;
}
