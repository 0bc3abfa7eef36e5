/* client.h - a unary gRPC client for CSI endpoints (the `call` command and
 * the benchmark). One handle per thread: it owns a channel and a queue. */
#ifndef CSI_CLIENT_H
#define CSI_CLIENT_H

#include <grpc/status.h>
#include <stdint.h>

#include "csi/arena.h"
#include "csi/router.h"

struct csi_client;

/* endpoint as the server takes it (unix:///path, tcp://127.0.0.1:PORT).
 * NULL with msg set if it does not parse. Needs grpc_init(). */
struct csi_client *csi_client_new(const char *endpoint, char *msg, size_t msglen);
void csi_client_free(struct csi_client *c);

/* Calls route's method with req. On GRPC_STATUS_OK, *resp is the reply,
 * allocated from a. Otherwise msg holds the status details. timeout_ms <= 0
 * means no deadline. */
grpc_status_code csi_client_call(struct csi_client *c, const struct csi_route *route, const ProtobufCMessage *req,
                                 struct csi_arena *a, ProtobufCMessage **resp, int64_t timeout_ms, char *msg,
                                 size_t msglen);

/* A router over every unary csi.v1 service (no handlers), to find a method's types. */
struct csi_router *csi_client_router(void);

#endif
