/* common.c - helpers every Controller RPC uses: TensorPool call options
 * from the CSI call, TensorPool errors as CSI errors, node id to cluster. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "controller/controller.h"
#include "csi/clock.h"
#include "csi/pbmap.h"

static bool call_gone(void *ctx) { return csi_ctx_cancelled(ctx); }

struct tp_opts ctl_tp_opts(struct csi_ctx *ctx, void *const *secrets, size_t n_secrets)
{
    int64_t deadline = csi_ctx_deadline_ns(ctx);
    const char *key = csi_map_get(secrets, n_secrets, CTL_SECRET_API_KEY);
    return (struct tp_opts){.deadline_ns = deadline == CSI_NO_DEADLINE ? 0 : deadline, /* same monotonic clock */
                            .api_key = key && *key ? key : NULL,
                            .stop = call_gone,
                            .stop_arg = ctx};
}

enum csi_err ctl_tp_fail(struct csi_ctx *ctx, const struct tp_error *err, const char *what)
{
    return csi_ctx_fail(ctx, csi_err_from_tp(err->code), "%s: %s", what, err->message[0] ? err->message
                                                                                       : tp_strerror(err->code));
}

enum csi_err ctl_fs_fail(struct csi_ctx *ctx, int e, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (e == ETIMEDOUT)
        return csi_ctx_fail(ctx, csi_ctx_deadline_left_ms(ctx) == 0 ? CSI_E_TIMEOUT : CSI_E_UNAVAILABLE,
                            "%s: the mount does not answer", what);
    if (e == EXDEV) /* csi_fs_inside's verdict */
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION, "%s: a symlink leads outside the TensorPool volume; not "
                                                     "following it", what);
    return csi_ctx_fail(ctx, csi_err_from_errno(e), "%s: %s", what, strerror(e));
}

bool ctl_cluster_of_node(const char *node_id, char *cluster, size_t len)
{
    const char *slash = strchr(node_id, '/');
    size_t n = slash ? (size_t)(slash - node_id) : 0;
    if (n < 3 || n >= len || strncmp(node_id, "c-", 2) != 0 || !slash[1])
        return false;
    memcpy(cluster, node_id, n);
    cluster[n] = 0;
    return strspn(cluster + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n - 2;
}
