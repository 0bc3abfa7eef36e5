/* status.h - the driver's error codes and their one mapping to gRPC status.
 *
 * Handlers and helpers speak enum csi_err; errno values and HTTP statuses are
 * turned into it here, and the dispatcher turns it into a gRPC status code
 * here too, so the mapping lives in exactly one file.
 */
#ifndef CSI_STATUS_H
#define CSI_STATUS_H

#include <grpc/status.h>

enum csi_err {
    CSI_OK = 0,
    CSI_E_INVALID,       /* bad argument from the caller */
    CSI_E_NOT_FOUND,     /* the volume, node or path does not exist */
    CSI_E_EXISTS,        /* exists, but incompatible with the request */
    CSI_E_PRECONDITION,  /* the system is not in a state the call needs */
    CSI_E_BUSY,          /* another operation on the same volume is running */
    CSI_E_UNAVAILABLE,   /* transient: the caller should retry */
    CSI_E_TIMEOUT,       /* the call's deadline passed */
    CSI_E_CANCELLED,     /* the caller cancelled the call */
    CSI_E_RANGE,         /* capacity or other value out of the allowed range */
    CSI_E_EXHAUSTED,     /* quota, space, balance or capacity exhausted */
    CSI_E_PERMISSION,    /* authenticated but not allowed */
    CSI_E_UNAUTHENTICATED, /* missing or wrong credentials */
    CSI_E_UNIMPLEMENTED, /* the method or feature is not implemented */
    CSI_E_INTERNAL,      /* a bug or an unexpected failure */
};

/* A short, fixed description; never NULL. */
const char *csi_strerror(enum csi_err err);
grpc_status_code csi_err_to_grpc(enum csi_err err);
enum csi_err csi_err_from_errno(int errnum);
enum csi_err csi_err_from_http(long http_status);
/* A TensorPool client error (enum tp_err), for callers without a more
 * specific reading of it. */
enum csi_err csi_err_from_tp(int tp_err);

/* "OK", "INVALID_ARGUMENT", ... as gRPC names them. */
const char *csi_grpc_code_name(grpc_status_code code);

#endif
