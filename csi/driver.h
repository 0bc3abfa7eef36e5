/* driver.h - what every service knows about the running driver: its name,
 * version, mode, node id and readiness. One instance lives in the daemon and
 * is the `data` of the Identity, Controller and Node services. */
#ifndef CSI_DRIVER_H
#define CSI_DRIVER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "node/mount.h"

struct tp_client;

enum csi_mode {
    CSI_MODE_CONTROLLER = 1u << 0,
    CSI_MODE_NODE = 1u << 1,
    CSI_MODE_ALL = CSI_MODE_CONTROLLER | CSI_MODE_NODE,
};

struct csi_driver {
    const char *name;    /* DNS-style, e.g. csi.tensorpool.dev */
    const char *version; /* vendor_version */
    unsigned mode;       /* enum csi_mode bits */
    const char *node_id; /* node mode only */
    struct tp_client *tp; /* the TensorPool API (controller mode) */
    const char *host_root; /* TensorPool volumes appear at <host_root>/mnt/<id> */
    const char *kubelet_dir; /* node paths must be below it; NULL: anywhere */
    const char *host_patterns; /* where below host_root (csi/hostpath.h); NULL: the default */
    struct mnt mnt;        /* the node's mounter: real in the daemon, a fake in tests */
    /* Probe's answer. False until the server serves and again while it
     * drains; later issues add backend checks that clear it. */
    atomic_bool ready;
    /* False once the TensorPool API has been unreachable longer than
     * --unready-after (controller mode); Probe is ready only with both. */
    atomic_bool api_ok;
};

/* The CSI rules for a plugin name: at most 63 characters, alphanumerics,
 * '-', '.' and '_' between, beginning and ending with an alphanumeric. */
bool csi_driver_name_valid(const char *name);

#endif
