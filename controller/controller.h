/* controller.h - what the Controller RPC files share.
 *
 * One file per RPC (create_volume.c, delete_volume.c, ...), each exporting
 * its handler; controller.c holds the method table and the capabilities.
 * The service's data is the daemon's struct csi_driver, which carries the
 * TensorPool client (d->tp) and the host root (d->host_root).
 */
#ifndef CTL_CONTROLLER_H
#define CTL_CONTROLLER_H

#include "controller/params.h"
#include "controller/volume_id.h"
#include "csi.pb-c.h"
#include "csi/driver.h"
#include "csi/service.h"
#include "tensorpool/tp.h"

/* The secrets key that overrides the TensorPool API key for one call
 * (provisioner/controller-publish secrets). */
#define CTL_SECRET_API_KEY "apiKey"

/* TensorPool call options for this RPC: its deadline, its cancellation, and
 * the API key from secrets (any map<string,string> secrets field's entries)
 * when present. */
struct tp_opts ctl_tp_opts(struct csi_ctx *ctx, void *const *secrets, size_t n_secrets);

/* Maps a TensorPool error to the call's error with "what: message". */
enum csi_err ctl_tp_fail(struct csi_ctx *ctx, const struct tp_error *err, const char *what);

/* A failed filesystem call under the host root (an errno value e) as the
 * call's error, with "<what>: <reason>": ETIMEDOUT is the caller's deadline
 * (DEADLINE_EXCEEDED) or a mount that does not answer (UNAVAILABLE); EXDEV
 * a symlink out of the volume (FAILED_PRECONDITION). */
enum csi_err ctl_fs_fail(struct csi_ctx *ctx, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The recorded capacity of subdir volume <path> in the TensorPool volume
 * mounted at voldir (controller/record.c). 0 or an errno value; get gives
 * ENOENT when nothing was recorded. */
int ctl_record_get(const char *voldir, const char *path, int64_t *capacity, int64_t deadline_ns);
int ctl_record_set(const char *voldir, const char *path, int64_t capacity, int64_t deadline_ns);
int ctl_record_remove(const char *voldir, const char *path, int64_t deadline_ns);

/* The cluster id a node id names ("c-abc/node-7" -> "c-abc"); false if it
 * names none. */
bool ctl_cluster_of_node(const char *node_id, char *cluster, size_t len);

/* The RPCs, one file each; the signature of csi_handler_fn. */
#define CTL_HANDLER(name) enum csi_err name(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
CTL_HANDLER(ctl_create_volume);
CTL_HANDLER(ctl_delete_volume);
CTL_HANDLER(ctl_publish_volume);
CTL_HANDLER(ctl_unpublish_volume);
CTL_HANDLER(ctl_validate_capabilities);
CTL_HANDLER(ctl_list_volumes);
CTL_HANDLER(ctl_expand_volume);

#endif
