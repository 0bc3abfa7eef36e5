/* inflight.h - the set of volume ids with an operation in progress.
 *
 * The CO retries and sometimes overlaps calls on one volume; CSI asks the
 * plugin to answer the second one ABORTED rather than run both. The
 * dispatcher takes the key before the handler runs and drops it after.
 * Thread-safe; never blocks beyond a short mutex.
 */
#ifndef CSI_INFLIGHT_H
#define CSI_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

struct csi_inflight;

struct csi_inflight *csi_inflight_new(void);
void csi_inflight_free(struct csi_inflight *t);

/* Returns true and records key if no call holds it; false if one does. */
bool csi_inflight_acquire(struct csi_inflight *t, const char *key);
/* Forgets key; releasing a key that is not held is a no-op. */
void csi_inflight_release(struct csi_inflight *t, const char *key);
size_t csi_inflight_count(struct csi_inflight *t);

#endif
