/* options.h - the daemon's command line and environment.
 *
 * Every flag with a value can also come from an environment variable (the
 * table in options.c, shown by --help); a flag on the command line wins.
 * Bad flags or values are reported in one line, for the caller to print
 * above the usage text before exiting 2.
 */
#ifndef CSI_OPTIONS_H
#define CSI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "csi/log.h"

#define CSI_DEFAULT_ENDPOINT "unix:///csi/csi.sock"
#define CSI_DEFAULT_DRIVER_NAME "csi.tensorpool.dev"

struct csi_options {
    const char *endpoint;
    const char *debug_endpoint; /* NULL: none */
    unsigned mode;              /* enum csi_mode */
    const char *node_id;        /* node name; NULL: the host name */
    const char *cluster_id;     /* TensorPool cluster; NULL: derived from the host name */
    const char *driver_name;
    enum csi_log_level log_level;
    int64_t grace_ms;
    unsigned workers, queue_depth, cq_threads;
    const char *kubelet_dir;   /* NULL: node paths may be anywhere */
    const char *host_root;
    const char *host_patterns;     /* where the host's / is seen; TensorPool volumes under <root>/mnt */
    const char *tp_engine;     /* NULL: $TENSORPOOL_ENGINE, else the public engine */
    const char *tp_key_file;   /* NULL: $TENSORPOOL_KEY / $TENSORPOOL_API_KEY */
    const char *tp_ca_bundle;
    bool tp_insecure;
    int64_t unready_after_ms;  /* 0: Probe ignores the API's health */
    bool version, help;
};

/* Fills o from defaults, then the environment, then argv. Returns true on
 * success; false with a one-line message in msg. */
bool csi_options_parse(struct csi_options *o, int argc, char **argv, char *msg, size_t msglen);

void csi_options_usage(FILE *out);

#endif
