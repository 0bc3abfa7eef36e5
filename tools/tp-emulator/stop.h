/* stop.h - shutdown-aware sleeping: injected latency, hangs and the ticker
 * wait here, so SIGTERM never waits for a 5 s hang to run out. */
#ifndef EMU_STOP_H
#define EMU_STOP_H

#include <stdbool.h>
#include <stdint.h>

void emu_stop_begin(void);
/* Sleeps ms milliseconds; returns false early when shutdown began. */
bool emu_sleep_ms(int64_t ms);

#endif
