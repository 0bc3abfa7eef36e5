/* params.h - StorageClass parameters of CreateVolume, checked and typed.
 *
 *   type               shared (default) | object
 *   mode               shared: subdir (default) | volume;  object: bucket (default) | prefix
 *   storageId          mode=subdir: the TensorPool volume (s-...) holding the directories
 *   bucket             mode=prefix: the bucket holding the prefixes
 *   onDelete           retain (default) | delete | archive
 *   deletionProtection true | false (default): mode=volume only
 *   detachOnUnpublish  true | false (default): shared volumes only; see ControllerUnpublishVolume
 *   csi.storage.k8s.io/...  added by external-provisioner (pvc/name, pvc/namespace, pv/name): accepted
 *
 * Any other key is an error naming it: a typo must not silently fall back
 * to a default.
 */
#ifndef CTL_PARAMS_H
#define CTL_PARAMS_H

#include "controller/volume_id.h"
#include "csi.pb-c.h"
#include "csi/status.h"

struct ctl_params {
    enum vid_kind kind;
    char name[VID_NAME_MAX]; /* storageId (subdir) or bucket (prefix); "" otherwise */
    enum vid_on_delete on_delete;
    bool deletion_protection;
    bool detach_on_unpublish;
    const char *pvc_name, *pvc_namespace, *pv_name; /* point into the request; may be NULL */
};

/* CSI_OK, or CSI_E_INVALID with a message naming the key and what it takes. */
enum csi_err ctl_params_parse(Csi__V1__CreateVolumeRequest__ParametersEntry *const *entries, size_t n,
                              struct ctl_params *p, char *msg, size_t msglen);

#endif
