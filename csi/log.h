/* log.h - the daemon's one log sink: leveled, line-at-a-time, replaceable.
 *
 * Only the daemon logs; library-style modules return codes and messages.
 * The level is checked before anything is formatted, so debug lines cost
 * nothing at info. gRPC's own gpr_log output is routed here too.
 */
#ifndef CSI_LOG_H
#define CSI_LOG_H

#include <stdbool.h>

enum csi_log_level { CSI_LOG_ERROR, CSI_LOG_WARN, CSI_LOG_INFO, CSI_LOG_DEBUG };

/* Receives each finished line (no trailing newline). Called under the sink's
 * lock, so it must not log. */
typedef void (*csi_log_sink_fn)(enum csi_log_level level, const char *line, void *arg);

void csi_log_set_level(enum csi_log_level level);
enum csi_log_level csi_log_get_level(void);
bool csi_log_enabled(enum csi_log_level level);

/* Parses "error", "warn", "info", "debug" (or 0-3). Returns false, leaving
 * *out unchanged, on anything else. */
bool csi_log_parse_level(const char *s, enum csi_log_level *out);
const char *csi_log_level_name(enum csi_log_level level);

/* NULL restores the default sink (stderr). */
void csi_log_set_sink(csi_log_sink_fn sink, void *arg);

/* Routes gpr_log into this sink; call before grpc_init(). */
void csi_log_route_grpc(void);

void csi_log_write(enum csi_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define CSI_LOG(level, module, ...)                                                                \
    do {                                                                                           \
        if (csi_log_enabled(level))                                                                \
            csi_log_write(level, module, __VA_ARGS__);                                             \
    } while (0)
#define LOG_ERROR(...) CSI_LOG(CSI_LOG_ERROR, LOG_MODULE, __VA_ARGS__)
#define LOG_WARN(...) CSI_LOG(CSI_LOG_WARN, LOG_MODULE, __VA_ARGS__)
#define LOG_INFO(...) CSI_LOG(CSI_LOG_INFO, LOG_MODULE, __VA_ARGS__)
#define LOG_DEBUG(...) CSI_LOG(CSI_LOG_DEBUG, LOG_MODULE, __VA_ARGS__)

#endif
