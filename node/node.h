/* node.h - what the Node service's RPC files share: their handlers, the
 * checks every one of them makes the same way, and the few filesystem calls
 * (stat, rmdir, chown) they run with the call's deadline, since any of them
 * may land on a dead NFS mount. */
#ifndef NODE_NODE_H
#define NODE_NODE_H

#include <stdbool.h>
#include <sys/types.h>

#include "controller/volume_id.h"
#include "csi.pb-c.h"
#include "csi/driver.h"
#include "csi/services.h"

#define NODE_HANDLER(name) enum csi_err name(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
NODE_HANDLER(node_stage_volume);
NODE_HANDLER(node_unstage_volume);
NODE_HANDLER(node_publish_volume);
NODE_HANDLER(node_unpublish_volume);
NODE_HANDLER(node_volume_stats);

/* The mounter of the running driver. */
const struct mnt *node_mnt(struct csi_ctx *ctx);

/* volume_id and one required path (csi_check_id, csi_check_path); on
 * failure the call's error is recorded and returned. */
/* A request path: absolute, clean, and below --kubelet-dir when one is set. */
enum csi_err node_check_path(struct csi_ctx *ctx, const char *path, const char *what);
enum csi_err node_check_id_path(struct csi_ctx *ctx, const char *volume_id, const char *path, const char *what);

/* A capability shared volumes can serve (mount, known access mode). */
enum csi_err node_check_capability(struct csi_ctx *ctx, const Csi__V1__VolumeCapability *cap);

/* Parses volume_id: NOT_FOUND if it is none of ours, FAILED_PRECONDITION for
 * object volumes (served by the FUSE side, not here yet). */
enum csi_err node_shared_volume(struct csi_ctx *ctx, const char *volume_id, struct vid *out);

/* A mount that answers ENOTCONN, ESTALE or EIO: its server or FUSE session
 * is gone and only an unmount and a new mount repair it. */
bool node_dead_errno(int e);

/* stat(2) of path within the deadline: 0 with *dev and *ino, or an errno. */
int node_stat(const char *path, dev_t *dev, ino_t *ino, int64_t deadline_ns);
/* rmdir(2) of path within the deadline; 0 when it is already gone. Never
 * recursive: a directory still holding files is not ours to empty. */
int node_rmdir(const char *path, int64_t deadline_ns);

/* Unmounts path (dead mounts lazily) and rmdirs it; what ("target path",
 * "staging path") names it in messages. A path already gone, or one left
 * holding files (not the volume's: it is unmounted), is success. */
enum csi_err node_unmount_and_remove(struct csi_ctx *ctx, const char *path, const char *what);
/* mkdir(2) 0750 within the deadline; 0 when it exists already. */
int node_mkdir(const char *path, int64_t deadline_ns);
/* Gives group gid the directory at path: chown :gid, g+rwx and setgid, so
 * files created below inherit the group (what fsGroup asks for). */
int node_set_group(const char *path, gid_t gid, int64_t deadline_ns);

/* Which targets each volume is published at on this node (in memory: the
 * SINGLE_NODE_SINGLE_WRITER rule needs to know about the others). */
/* True if volume_id is published at a target other than target. */
bool node_pub_elsewhere(const char *volume_id, const char *target);
void node_pub_add(const char *volume_id, const char *target);
void node_pub_remove(const char *volume_id, const char *target);
enum node_pub_owner { NODE_PUB_NONE, NODE_PUB_THIS, NODE_PUB_OTHER };
/* Whose publication target is: this volume's, another volume's, or nobody's
 * (as far as this process knows). */
enum node_pub_owner node_pub_owner(const char *volume_id, const char *target);

#endif
