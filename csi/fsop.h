/* fsop.h - filesystem calls with a deadline.
 *
 * mkdir, rename, stat or a tree removal on an NFS-backed path can block
 * forever when the server is gone, and no syscall takes a timeout. The call
 * runs on a short-lived thread; the caller waits at most until its deadline
 * and then gets ETIMEDOUT, leaving the thread to finish (or hang) alone,
 * owning its own copy of the arguments. Such a thread is counted so a stuck
 * mount shows up (csi_fsop_stuck) instead of piling up silently.
 */
#ifndef CSI_FSOP_H
#define CSI_FSOP_H

#include <stddef.h>
#include <stdint.h>

/* Runs fn(arg) and returns its result (0 or an errno value), or ETIMEDOUT
 * when deadline_ns (monotonic; CSI_NO_DEADLINE for none) comes first.
 * fn works on a copy of arg (arg_size bytes), so it may outlive the caller's
 * frame; when it finishes in time the copy is written back to arg. */
int csi_fsop_run(int (*fn)(void *arg), void *arg, size_t arg_size, int64_t deadline_ns);

/* Threads still blocked in a call whose caller gave up. */
int csi_fsop_stuck(void);

/* The usual calls, each returning 0 or an errno value. */
int csi_fs_mkdir(const char *path, unsigned mode, int64_t deadline_ns);       /* EEXIST if present */
int csi_fs_rename(const char *from, const char *to, int64_t deadline_ns);     /* fails if `to` exists */
int csi_fs_is_dir(const char *path, int64_t deadline_ns);                      /* 0, ENOENT or ENOTDIR */
int csi_fs_remove_tree(const char *path, int64_t deadline_ns);                 /* 0 if already gone */
/* Whether path's parent directory, links resolved, is root or below it:
 * 0 if so, EXDEV if a link leads out, ENOENT if the parent is gone. Call
 * before removing or renaming anything under a directory that others can
 * write (a planted symlink must not turn "remove a/b" into "remove /x/b").
 * The final component is not resolved: removing a link removes the link. */
int csi_fs_inside(const char *root, const char *path, int64_t deadline_ns);

/* Small files (at most CSI_FS_SMALL bytes): written whole through a temporary
 * file and a rename, so a reader never sees half of one. */
#define CSI_FS_SMALL 256
int csi_fs_write_small(const char *path, const char *text, int64_t deadline_ns);
int csi_fs_read_small(const char *path, char *out, size_t outlen, int64_t deadline_ns); /* ENOENT if absent */

#endif
