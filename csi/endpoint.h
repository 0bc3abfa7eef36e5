/* endpoint.h - where the server listens, and owning that place safely.
 *
 * unix:///abs/path is the CSI endpoint: its parent directory is created, a
 * flock() on "<path>.lock" makes a second instance refuse to start instead of
 * unlinking the first one's live socket, a stale socket is removed, and the
 * socket is made mode 0660 whatever the umask. tcp://HOST:PORT is accepted
 * for debugging only, and only on a loopback address, as CSI has no auth.
 */
#ifndef CSI_ENDPOINT_H
#define CSI_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "csi/status.h"

#define CSI_UNIX_PATH_MAX 107

struct csi_endpoint {
    bool is_unix;
    char path[CSI_UNIX_PATH_MAX + 1]; /* unix only */
    char grpc_addr[160];              /* address in gRPC's syntax */
    int lock_fd;                      /* unix only; -1 when not held */
};

/* Parses uri; on error returns CSI_E_INVALID with a message naming the problem. */
enum csi_err csi_endpoint_parse(const char *uri, struct csi_endpoint *ep, char *msg, size_t msglen);

/* Before bind: creates the parent directory, takes the lock, removes a stale
 * socket. CSI_E_BUSY if another instance holds the lock; CSI_E_PRECONDITION if
 * something that is not a socket is in the way. No-op for TCP. */
enum csi_err csi_endpoint_claim(struct csi_endpoint *ep, char *msg, size_t msglen);

/* After bind: sets the socket's mode to 0660. */
enum csi_err csi_endpoint_set_mode(const struct csi_endpoint *ep, char *msg, size_t msglen);

/* Removes the socket and drops the lock; safe to call on an unclaimed endpoint. */
void csi_endpoint_release(struct csi_endpoint *ep);

#endif
