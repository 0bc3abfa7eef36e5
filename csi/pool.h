/* pool.h - a fixed set of worker threads for handlers that may block.
 *
 * Completion-queue threads must never block, or Probe and cancellations stall
 * behind a slow mount; blocking handlers run here instead. The pool admits a
 * job only if a worker is idle or the wait queue has room, so overload shows
 * up at once as a refusal (UNAVAILABLE) instead of an unbounded backlog.
 */
#ifndef CSI_POOL_H
#define CSI_POOL_H

#include <stdbool.h>

struct csi_pool;

typedef void (*csi_job_fn)(void *arg);

/* threads >= 1; queue_depth >= 0 is how many jobs may wait for a worker. */
struct csi_pool *csi_pool_new(unsigned threads, unsigned queue_depth);

/* Returns true if the job was accepted (it will run exactly once), false if
 * the pool is full or stopping (it will not run). */
bool csi_pool_submit(struct csi_pool *p, csi_job_fn fn, void *arg);

/* Withdraws the job (fn, arg) if it still waits for a worker: true if it
 * was withdrawn (it will not run), false if it already runs or ran. */
bool csi_pool_cancel(struct csi_pool *p, csi_job_fn fn, void *arg);

/* Runs every accepted job, joins the workers and frees the pool. */
void csi_pool_free(struct csi_pool *p);

#endif
