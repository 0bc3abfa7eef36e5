/* lookup.h - "does the volume behind this id exist?", asked by every RPC
 * that must answer NOT_FOUND for a missing volume (Publish, Validate,
 * Expand): the TensorPool volume for shared ids, the bucket for object ids. */
#ifndef CTL_LOOKUP_H
#define CTL_LOOKUP_H

#include "controller/controller.h"

/* CSI_OK with *info filled for shared ids (left untouched for object ids);
 * CSI_E_NOT_FOUND or the TensorPool error, recorded on ctx, otherwise. */
enum csi_err ctl_lookup(struct csi_ctx *ctx, const struct vid *v, const struct tp_opts *o, struct tp_volume *info);

#endif
