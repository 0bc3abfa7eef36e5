/* stop.c - one flag and condition variable shared by every sleeper, so the
 * stop request wakes them all at once. */
#include "stop.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond;
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;
static bool stop_flag;

/* The sleepers compute deadlines on CLOCK_MONOTONIC so a wall-clock jump
 * neither shortens nor stretches an injected delay. */
static void init_cond(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&stop_cond, &attr);
    pthread_condattr_destroy(&attr);
}

void emu_stop_begin(void)
{
    pthread_once(&stop_once, init_cond);
    pthread_mutex_lock(&stop_lock);
    stop_flag = true;
    pthread_cond_broadcast(&stop_cond);
    pthread_mutex_unlock(&stop_lock);
}

bool emu_sleep_ms(int64_t ms)
{
    struct timespec deadline;
    bool stopped;

    pthread_once(&stop_once, init_cond);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&stop_lock);
    while (!stop_flag && pthread_cond_timedwait(&stop_cond, &stop_lock, &deadline) == 0)
        ;
    stopped = stop_flag;
    pthread_mutex_unlock(&stop_lock);
    return !stopped;
}
