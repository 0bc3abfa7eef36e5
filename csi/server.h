/* server.h - the CSI gRPC server on the gRPC C core.
 *
 * Owns the listeners, the completion-queue threads, the route table built
 * from the registered services, the worker pool for blocking handlers and
 * the per-volume in-flight table. The caller owns grpc_init/grpc_shutdown.
 */
#ifndef CSI_SERVER_H
#define CSI_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "csi/service.h"
#include "csi/status.h"

struct csi_server;

struct csi_server_config {
    const char *endpoint;       /* unix:///path (or tcp://127.0.0.1:PORT) */
    const char *debug_endpoint; /* optional second listener, tcp loopback; NULL for none */
    unsigned cq_threads;        /* completion-queue threads (never block) */
    unsigned workers;           /* threads for CSI_METHOD_BLOCKING handlers */
    unsigned queue_depth;       /* blocking calls that may wait for a worker */
};

/* Builds the route table; listens on nothing yet. NULL with msg set when a
 * method row names no method of its service (a programming error) or the
 * endpoints do not parse. The services must outlive the server. */
struct csi_server *csi_server_new(const struct csi_server_config *cfg, const struct csi_service *const *services,
                                  size_t n_services, char *msg, size_t msglen);

/* Claims the endpoints, binds and starts serving. On error nothing is left
 * listening and csi_server_free() is still required. */
enum csi_err csi_server_start(struct csi_server *s, char *msg, size_t msglen);

/* Graceful stop: refuse new calls, give calls in flight grace_ms to finish,
 * then cancel the rest and wait until every handler has returned. */
void csi_server_stop(struct csi_server *s, int64_t grace_ms);

void csi_server_free(struct csi_server *s);

/* The port a tcp:// endpoint got (useful with port 0); 0 for unix. */
int csi_server_debug_port(const struct csi_server *s);

#endif
