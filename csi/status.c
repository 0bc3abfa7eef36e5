/* status.c - every translation between error vocabularies. The switches have
 * no default so -Wswitch flags a new code that was given no mapping. */
#include "csi/status.h"

#include <errno.h>

#include "tensorpool/tp.h"

const char *csi_strerror(enum csi_err err)
{
    switch (err) {
    case CSI_OK: return "ok";
    case CSI_E_INVALID: return "invalid argument";
    case CSI_E_NOT_FOUND: return "not found";
    case CSI_E_EXISTS: return "already exists";
    case CSI_E_PRECONDITION: return "failed precondition";
    case CSI_E_BUSY: return "operation already in progress";
    case CSI_E_UNAVAILABLE: return "temporarily unavailable";
    case CSI_E_TIMEOUT: return "deadline exceeded";
    case CSI_E_CANCELLED: return "cancelled";
    case CSI_E_RANGE: return "out of range";
    case CSI_E_EXHAUSTED: return "resource exhausted";
    case CSI_E_PERMISSION: return "permission denied";
    case CSI_E_UNAUTHENTICATED: return "unauthenticated";
    case CSI_E_UNIMPLEMENTED: return "not implemented";
    case CSI_E_INTERNAL: return "internal error";
    }
    return "unknown error";
}

grpc_status_code csi_err_to_grpc(enum csi_err err)
{
    switch (err) {
    case CSI_OK: return GRPC_STATUS_OK;
    case CSI_E_INVALID: return GRPC_STATUS_INVALID_ARGUMENT;
    case CSI_E_NOT_FOUND: return GRPC_STATUS_NOT_FOUND;
    case CSI_E_EXISTS: return GRPC_STATUS_ALREADY_EXISTS;
    case CSI_E_PRECONDITION: return GRPC_STATUS_FAILED_PRECONDITION;
    case CSI_E_BUSY: return GRPC_STATUS_ABORTED;
    case CSI_E_UNAVAILABLE: return GRPC_STATUS_UNAVAILABLE;
    case CSI_E_TIMEOUT: return GRPC_STATUS_DEADLINE_EXCEEDED;
    case CSI_E_CANCELLED: return GRPC_STATUS_CANCELLED;
    case CSI_E_RANGE: return GRPC_STATUS_OUT_OF_RANGE;
    case CSI_E_EXHAUSTED: return GRPC_STATUS_RESOURCE_EXHAUSTED;
    case CSI_E_PERMISSION: return GRPC_STATUS_PERMISSION_DENIED;
    case CSI_E_UNAUTHENTICATED: return GRPC_STATUS_UNAUTHENTICATED;
    case CSI_E_UNIMPLEMENTED: return GRPC_STATUS_UNIMPLEMENTED;
    case CSI_E_INTERNAL: return GRPC_STATUS_INTERNAL;
    }
    return GRPC_STATUS_INTERNAL;
}

/* Mount, statfs and file errors. A dead FUSE session (ENOTCONN) or a stale
 * NFS handle is transient from the CO's point of view: the next call repairs
 * the mount, so it is UNAVAILABLE rather than INTERNAL. */
enum csi_err csi_err_from_errno(int errnum)
{
    switch (errnum) {
    case 0: return CSI_OK;
    case EINVAL: case ENAMETOOLONG: case ENOTDIR: case EISDIR: case ELOOP:
        return CSI_E_INVALID;
    case ENOENT: case ENODEV: case ENXIO: return CSI_E_NOT_FOUND;
    case EEXIST: return CSI_E_EXISTS;
    case ENOTEMPTY: case EBUSY: case EROFS: case EXDEV: return CSI_E_PRECONDITION;
    case EAGAIN: case EINTR: case ENOTCONN: case ESTALE: case EIO: case ECONNREFUSED:
    case ECONNRESET: case EHOSTUNREACH: case ENETUNREACH: case EPIPE:
        return CSI_E_UNAVAILABLE;
    case ETIMEDOUT: return CSI_E_TIMEOUT;
    case ECANCELED: return CSI_E_CANCELLED;
    case ERANGE: case EFBIG: case EOVERFLOW: return CSI_E_RANGE;
    case ENOSPC: case EDQUOT: case ENOMEM: case EMFILE: case ENFILE: return CSI_E_EXHAUSTED;
    case EACCES: case EPERM: return CSI_E_PERMISSION;
    case ENOSYS: case EOPNOTSUPP: return CSI_E_UNIMPLEMENTED;
    default: return CSI_E_INTERNAL;
    }
}

/* TensorPool and S3 answers. 429 and 5xx gateway errors are retryable, so
 * UNAVAILABLE; 402 is TensorPool's "insufficient balance". */
enum csi_err csi_err_from_http(long http_status)
{
    if (http_status >= 200 && http_status < 300)
        return CSI_OK;
    switch (http_status) {
    case 400: case 422: return CSI_E_INVALID;
    case 401: return CSI_E_UNAUTHENTICATED;
    case 402: return CSI_E_EXHAUSTED;
    case 403: return CSI_E_PERMISSION;
    case 404: case 410: return CSI_E_NOT_FOUND;
    case 408: case 504: return CSI_E_TIMEOUT;
    case 409: return CSI_E_EXISTS;
    case 412: case 423: return CSI_E_PRECONDITION;
    case 416: return CSI_E_RANGE;
    case 429: case 502: case 503: return CSI_E_UNAVAILABLE;
    case 499: return CSI_E_CANCELLED;
    case 501: return CSI_E_UNIMPLEMENTED;
    default: return http_status >= 500 ? CSI_E_UNAVAILABLE : CSI_E_INTERNAL;
    }
}

enum csi_err csi_err_from_tp(int tp_err)
{
    switch ((enum tp_err)tp_err) {
    case TP_OK: return CSI_OK;
    case TP_E_INVALID: return CSI_E_INVALID;
    case TP_E_UNAUTHORIZED: return CSI_E_UNAUTHENTICATED;
    case TP_E_FORBIDDEN: return CSI_E_PERMISSION;
    case TP_E_NOT_FOUND: return CSI_E_NOT_FOUND;
    case TP_E_CONFLICT: case TP_E_PROTECTED: return CSI_E_PRECONDITION;
    case TP_E_BALANCE: return CSI_E_EXHAUSTED;
    case TP_E_RATE_LIMITED: case TP_E_UNAVAILABLE: return CSI_E_UNAVAILABLE;
    case TP_E_TIMEOUT: return CSI_E_TIMEOUT;
    case TP_E_CANCELLED: return CSI_E_CANCELLED;
    case TP_E_FAILED: case TP_E_PROTOCOL: case TP_E_INTERNAL: return CSI_E_INTERNAL;
    }
    return CSI_E_INTERNAL;
}

const char *csi_grpc_code_name(grpc_status_code code)
{
    switch (code) {
    case GRPC_STATUS_OK: return "OK";
    case GRPC_STATUS_CANCELLED: return "CANCELLED";
    case GRPC_STATUS_UNKNOWN: return "UNKNOWN";
    case GRPC_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case GRPC_STATUS_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case GRPC_STATUS_NOT_FOUND: return "NOT_FOUND";
    case GRPC_STATUS_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case GRPC_STATUS_PERMISSION_DENIED: return "PERMISSION_DENIED";
    case GRPC_STATUS_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case GRPC_STATUS_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case GRPC_STATUS_ABORTED: return "ABORTED";
    case GRPC_STATUS_OUT_OF_RANGE: return "OUT_OF_RANGE";
    case GRPC_STATUS_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case GRPC_STATUS_INTERNAL: return "INTERNAL";
    case GRPC_STATUS_UNAVAILABLE: return "UNAVAILABLE";
    case GRPC_STATUS_DATA_LOSS: return "DATA_LOSS";
    case GRPC_STATUS_UNAUTHENTICATED: return "UNAUTHENTICATED";
    case GRPC_STATUS__DO_NOT_USE: break;
    }
    return "UNKNOWN";
}
