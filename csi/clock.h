/* clock.h - the monotonic clock every deadline in the driver is measured on. */
#ifndef CSI_CLOCK_H
#define CSI_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define CSI_NS_PER_MS 1000000LL
#define CSI_NS_PER_S 1000000000LL
#define CSI_NO_DEADLINE INT64_MAX
/* The longest any CSI call may run, deadline or not (10 minutes). */
#define CSI_MAX_CALL_NS (600 * CSI_NS_PER_S)

static inline int64_t csi_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * CSI_NS_PER_S + ts.tv_nsec;
}

/* A condition variable whose timed waits take csi_now_ns() deadlines. */
static inline void csi_cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

#endif
