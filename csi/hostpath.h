/* hostpath.h - where an attached TensorPool volume appears on this host.
 *
 * TensorPool mounts an attached volume on every instance of the cluster
 * under /mnt, by a name that changed over time: /mnt/<id> today,
 * /mnt/shared-<id> and /mnt/nfs-<id> before. In a pod the host's root is
 * mounted somewhere (the "host root"), so the paths are looked up below it,
 * trying each pattern of --host-mount-patterns in turn.
 */
#ifndef CSI_HOSTPATH_H
#define CSI_HOSTPATH_H

#include <stddef.h>
#include <stdint.h>

#include "csi/driver.h"

/* Comma-separated paths below the host root, "{id}" standing for the storage id. */
#define CSI_DEFAULT_HOST_PATTERNS "mnt/{id},mnt/shared-{id},mnt/nfs-{id}"

/* A pattern list is well formed: every pattern relative, with exactly one {id}. */
bool csi_hostpath_patterns_valid(const char *patterns);

/* Finds storage_id's directory below d->host_root, trying each of
 * d->host_patterns, within the deadline. Returns 0 with out set, ENOENT if
 * none exists (the volume is not attached to this host's cluster), or
 * another errno (ETIMEDOUT: the mount hangs). */
int csi_hostpath_find(const struct csi_driver *d, const char *storage_id, char *out, size_t outlen,
                      int64_t deadline_ns);

#endif
