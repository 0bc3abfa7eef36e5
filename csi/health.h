/* health.h - is the TensorPool API reachable? A background thread asks it
 * (POST /health) every few seconds, so Probe can answer from memory: Probe
 * must never block on the network, and a controller that cannot reach the
 * API for longer than a threshold should say it is not ready. */
#ifndef CSI_HEALTH_H
#define CSI_HEALTH_H

#include <stdatomic.h>
#include <stdint.h>

struct tp_client;
struct csi_health;

/* Starts checking c every interval_ns; *ok turns false once no check has
 * succeeded for threshold_ns (and true again on the next success). */
struct csi_health *csi_health_start(struct tp_client *c, atomic_bool *ok, int64_t interval_ns, int64_t threshold_ns);

/* Stops the thread (interrupting a check in progress) and frees it. NULL is a no-op. */
void csi_health_stop(struct csi_health *h);

#endif
