/* service.h - what a CSI service gives the server core: a table of methods.
 *
 * Each service file (csi/identity.c, controller/, node/) exports one
 * struct csi_service naming its protobuf-c service descriptor and a row per
 * method it implements. The server builds its route table from the
 * descriptors: a method with no row is parsed, logged and answered
 * UNIMPLEMENTED; a path in no registered service gets UNIMPLEMENTED unparsed.
 *
 * Handler contract:
 *   - runs on a completion-queue thread unless the row has CSI_METHOD_BLOCKING,
 *     in which case it runs on the worker pool and may block, but must honour
 *     csi_ctx_check() (deadline and cancellation) between steps;
 *   - returns CSI_OK with *resp set to a message allocated by csi_ctx_new(),
 *     or an error code set through csi_ctx_fail() (the message must not
 *     contain secrets or unvalidated input);
 *   - everything it allocates comes from the call's arena and dies with it.
 */
#ifndef CSI_SERVICE_H
#define CSI_SERVICE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>

#include "csi/arena.h"
#include "csi/status.h"

struct csi_ctx;

typedef enum csi_err (*csi_handler_fn)(struct csi_ctx *ctx, const ProtobufCMessage *req,
                                       ProtobufCMessage **resp);

enum csi_method_flags {
    CSI_METHOD_BLOCKING = 1u << 0, /* run on the worker pool */
    CSI_METHOD_QUIET = 1u << 1,    /* log successful calls at debug, not info (Probe) */
};

struct csi_method {
    const char *name;       /* as in the service descriptor: "NodeStageVolume" */
    csi_handler_fn handler;
    unsigned flags;         /* enum csi_method_flags */
    const char *lock_field; /* string field of the request naming the volume to
                               lock (ABORTED on overlap), or NULL for none */
};

struct csi_service {
    const ProtobufCServiceDescriptor *descriptor;
    const struct csi_method *methods;
    size_t n_methods;
    void *data; /* handed to every handler through csi_ctx_data() */
};

void *csi_ctx_data(struct csi_ctx *ctx);
struct csi_arena *csi_ctx_arena(struct csi_ctx *ctx);

/* A new, initialised message of type d in the call's arena. */
void *csi_ctx_new(struct csi_ctx *ctx, const ProtobufCMessageDescriptor *d);

/* Records the call's error and message; returns err for `return csi_ctx_fail(...)`. */
enum csi_err csi_ctx_fail(struct csi_ctx *ctx, enum csi_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Milliseconds until the call's deadline (0 once passed). A call without a
 * deadline gets CSI_MAX_CALL_NS (csi/clock.h). */
int64_t csi_ctx_deadline_left_ms(const struct csi_ctx *ctx);
/* The deadline itself, on csi_now_ns()'s clock; CSI_NO_DEADLINE if none. */
int64_t csi_ctx_deadline_ns(const struct csi_ctx *ctx);
bool csi_ctx_cancelled(const struct csi_ctx *ctx);

/* Argument checks (csi/validate.h) that record INVALID_ARGUMENT with their
 * message on the call; CSI_OK when the value is fine. */
enum csi_err csi_ctx_check_id(struct csi_ctx *ctx, const char *value, const char *what);
enum csi_err csi_ctx_check_path(struct csi_ctx *ctx, const char *value, const char *what);

/* CSI_E_CANCELLED or CSI_E_TIMEOUT (recorded as the call's error) once the
 * caller has gone or the deadline passed; CSI_OK otherwise. */
enum csi_err csi_ctx_check(struct csi_ctx *ctx);

#endif
