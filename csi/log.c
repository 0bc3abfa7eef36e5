/* log.c - leveled log lines with a UTC timestamp, written whole under a lock
 * so lines from CQ threads, workers and gRPC never interleave. */
#include "csi/log.h"

#include <grpc/support/log.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static atomic_int threshold = CSI_LOG_INFO;
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static csi_log_sink_fn sink_fn;
static void *sink_arg;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void csi_log_set_level(enum csi_log_level level) { atomic_store(&threshold, level); }
enum csi_log_level csi_log_get_level(void) { return atomic_load(&threshold); }
bool csi_log_enabled(enum csi_log_level level) { return (int)level <= atomic_load(&threshold); }
const char *csi_log_level_name(enum csi_log_level level) { return level_names[level]; }

bool csi_log_parse_level(const char *s, enum csi_log_level *out)
{
    for (int i = CSI_LOG_ERROR; i <= CSI_LOG_DEBUG; i++) {
        char digit[2] = {(char)('0' + i), 0};
        if (strcasecmp(s, level_names[i]) == 0 || strcmp(s, digit) == 0) {
            *out = i;
            return true;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = CSI_LOG_WARN;
        return true;
    }
    return false;
}

void csi_log_set_sink(csi_log_sink_fn sink, void *arg)
{
    pthread_mutex_lock(&sink_lock);
    sink_fn = sink;
    sink_arg = arg;
    pthread_mutex_unlock(&sink_lock);
}

static void emit(enum csi_log_level level, const char *line)
{
    pthread_mutex_lock(&sink_lock);
    if (sink_fn) {
        sink_fn(level, line, sink_arg);
    } else {
        fputs(line, stderr);
        fputc('\n', stderr);
        fflush(stderr);
    }
    pthread_mutex_unlock(&sink_lock);
}

void csi_log_write(enum csi_log_level level, const char *module, const char *fmt, ...)
{
    char line[8192];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %-5s %s: ", ts.tv_nsec / 1000000,
                          level_names[level], module);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    emit(level, line);
}

static void grpc_log_hook(gpr_log_func_args *args)
{
    enum csi_log_level level = CSI_LOG_DEBUG;
    if (args->severity == GPR_LOG_SEVERITY_ERROR)
        level = CSI_LOG_ERROR;
    else if (args->severity == GPR_LOG_SEVERITY_INFO)
        level = CSI_LOG_DEBUG;
    CSI_LOG(level, "grpc", "%s:%d %s", args->file, args->line, args->message);
}

void csi_log_route_grpc(void)
{
    gpr_set_log_function(grpc_log_hook);
    gpr_set_log_verbosity(csi_log_enabled(CSI_LOG_DEBUG) ? GPR_LOG_SEVERITY_INFO
                                                         : GPR_LOG_SEVERITY_ERROR);
}
