/* capability.h - whether a VolumeCapability is one our volumes can serve:
 * a mount (NFS and FUSE are filesystems, never block devices) with a known
 * access mode. Shared by Publish, ValidateVolumeCapabilities and Expand. */
#ifndef CTL_CAPABILITY_H
#define CTL_CAPABILITY_H

#include "csi.pb-c.h"

/* NULL if cap is usable, else a fixed sentence saying why not (safe to put
 * in a status message: it echoes nothing from the request). */
const char *ctl_capability_problem(const Csi__V1__VolumeCapability *cap);

#endif
