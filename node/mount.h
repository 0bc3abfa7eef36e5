/* mount.h - the node's one side effect on the kernel: mounts.
 *
 * A table of operations with a real implementation (mount_linux.c: mount(2),
 * umount2(2), /proc/self/mountinfo; NFS through mount(8) in a child process
 * killed at the deadline) and a test one (mount_fake.c: records the calls,
 * keeps a table of what is "mounted" where, can be told to fail). Callers
 * use the mnt_* wrappers, never the table.
 *
 * Every operation that can hang on a dead NFS server or FUSE session takes
 * an absolute deadline on csi_now_ns()'s clock (CSI_NO_DEADLINE: none) and
 * returns ETIMEDOUT when it passes; no lock is held across one. Results are
 * 0 or an errno value. Mount data strings never hold secrets: they are
 * visible in /proc/mounts.
 */
#ifndef NODE_MOUNT_H
#define NODE_MOUNT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>

struct mnt_info {
    char fstype[32];
    char source[PATH_MAX]; /* the mount source field ("server:/export", "/dev/vda", ...) */
    char root[PATH_MAX];   /* the path inside the source filesystem that is mounted */
    unsigned major, minor; /* st_dev of the mounted filesystem */
    bool read_only;        /* the mount point's own ro flag */
};

struct mnt_ops {
    /* mount(2)-style: fstype "nfs"/"nfs4" goes through mount(8) (it resolves
     * and negotiates), anything else through mount(2). */
    int (*mount)(void *ctx, const char *source, const char *target, const char *fstype, const char *options,
                 int64_t deadline_ns);
    /* Bind-mounts source on target; read_only is applied by a remount so the
     * flag really holds on the new mount point. */
    int (*bind)(void *ctx, const char *source, const char *target, bool read_only, int64_t deadline_ns);
    /* Unmounts target; a busy or dead (ENOTCONN, ESTALE, EIO) mount is
     * detached lazily. 0 when target is not a mount point. */
    int (*unmount)(void *ctx, const char *target, int64_t deadline_ns);
    /* What is mounted exactly at target (the last, topmost mount): 0 and
     * *out, or ENOENT when target is not a mount point. Reads mountinfo
     * only, so it cannot hang. */
    int (*lookup)(void *ctx, const char *target, struct mnt_info *out);
    /* statvfs(2) of path within the deadline. */
    int (*statvfs)(void *ctx, const char *path, struct statvfs *out, int64_t deadline_ns);
};

struct mnt {
    const struct mnt_ops *ops;
    void *ctx;
};

static inline int mnt_mount(const struct mnt *m, const char *source, const char *target, const char *fstype,
                            const char *options, int64_t deadline_ns)
{
    return m->ops->mount(m->ctx, source, target, fstype, options, deadline_ns);
}
static inline int mnt_bind(const struct mnt *m, const char *source, const char *target, bool read_only,
                           int64_t deadline_ns)
{
    return m->ops->bind(m->ctx, source, target, read_only, deadline_ns);
}
static inline int mnt_unmount(const struct mnt *m, const char *target, int64_t deadline_ns)
{
    return m->ops->unmount(m->ctx, target, deadline_ns);
}
static inline int mnt_lookup(const struct mnt *m, const char *target, struct mnt_info *out)
{
    return m->ops->lookup(m->ctx, target, out);
}
static inline int mnt_statvfs(const struct mnt *m, const char *path, struct statvfs *out, int64_t deadline_ns)
{
    return m->ops->statvfs(m->ctx, path, out, deadline_ns);
}

/* The real one; ctx is NULL. */
extern const struct mnt_ops mnt_linux_ops;

/* The test one (mount_fake.c). */
extern const struct mnt_ops mnt_fake_ops;
struct mnt_fake;
struct mnt_fake *mnt_fake_new(void);
void mnt_fake_free(struct mnt_fake *f);
/* The next call of op ("mount", "bind", "unmount", "statvfs") returns err. */
void mnt_fake_fail_next(struct mnt_fake *f, const char *op, int err);
/* Calls so far, one line each ("bind /src /dst ro", ...), newline-separated. */
const char *mnt_fake_calls(const struct mnt_fake *f);

#endif
