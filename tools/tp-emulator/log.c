/* log.c - timestamped lines on stderr, written under a lock so lines from the
 * thread-per-connection server never interleave. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_bool log_requests;
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;

void emu_log_set_requests(bool on) { atomic_store(&log_requests, on); }
bool emu_log_requests_enabled(void) { return atomic_load(&log_requests); }

void emu_log(const char *fmt, ...)
{
    struct timespec ts;
    struct tm tm;
    char stamp[32];
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&sink_lock);
    fprintf(stderr, "%s.%03ldZ tp-emulator: ", stamp, ts.tv_nsec / 1000000);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&sink_lock);
}
