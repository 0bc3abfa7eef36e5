/* daemon.h - the tensorpool-csi process: options, signals, gRPC lifetime. */
#ifndef CSI_DAEMON_H
#define CSI_DAEMON_H

#include <stddef.h>

#include "csi/service.h"

struct mnt;

/* Runs the daemon until SIGTERM or SIGINT; returns the exit status (0 after a
 * graceful stop, 1 if it could not start, 2 on a usage error). extra services
 * are registered beside the mode's own, and mounter replaces the real mount
 * layer when not NULL (both for tests). */
int csi_main(int argc, char **argv, struct csi_service *const *extra, size_t n_extra, const struct mnt *mounter);

#endif
