/* log.h - the emulator's one sink for diagnostics: request lines (with --log)
 * and errors go to stderr whole, so lines from connection threads never mix. */
#ifndef EMU_LOG_H
#define EMU_LOG_H

#include <stdbool.h>

void emu_log_set_requests(bool on);
bool emu_log_requests_enabled(void);
void emu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
