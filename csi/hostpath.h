/* hostpath.h - where an attached TensorPool volume appears on this host.
 *
 * TensorPool mounts an attached volume on every instance of the cluster
 * under /mnt, by a name that changed over time: /mnt/<id> today,
 * /mnt/shared-<id> and /mnt/nfs-<id> before. In a pod the host's root is
 * mounted somewhere (the "host root"), so the paths are looked up below it.
 */
#ifndef CSI_HOSTPATH_H
#define CSI_HOSTPATH_H

#include <stddef.h>
#include <stdint.h>

/* Finds storage_id's directory below host_root, trying each pattern, within
 * the deadline. Returns 0 with out set, ENOENT if none exists (the volume is
 * not attached to this host's cluster), or another errno (ETIMEDOUT: the
 * mount hangs). */
int csi_hostpath_find(const char *host_root, const char *storage_id, char *out, size_t outlen, int64_t deadline_ns);

#endif
