/* router.h - the sorted table from gRPC method path to CSI handler.
 *
 * Built once from the registered services' protobuf-c descriptors, so every
 * method of a registered service has a route (with its request and response
 * types) whether or not a handler implements it.
 */
#ifndef CSI_ROUTER_H
#define CSI_ROUTER_H

#include <stddef.h>

#include "csi/service.h"

struct csi_route {
    char *path;                                /* "/csi.v1.Identity/Probe" */
    const ProtobufCMethodDescriptor *md;       /* input and output types */
    const struct csi_service *service;
    const struct csi_method *method;           /* NULL: answered UNIMPLEMENTED */
    const ProtobufCFieldDescriptor *lock_field; /* NULL: no per-volume lock */
};

struct csi_router;

/* NULL with msg set if a method row names no method of its service, or its
 * lock_field is not a string field of the request. */
struct csi_router *csi_router_new(const struct csi_service *const *services, size_t n, char *msg, size_t msglen);
void csi_router_free(struct csi_router *r);

/* The route for path (len bytes, not NUL-terminated), or NULL. */
const struct csi_route *csi_router_find(const struct csi_router *r, const char *path, size_t len);

size_t csi_router_count(const struct csi_router *r);
const struct csi_route *csi_router_at(const struct csi_router *r, size_t i);

#endif
