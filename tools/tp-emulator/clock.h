/* clock.h - wall-clock milliseconds (persisted request times must survive a
 * restart, so they are CLOCK_REALTIME), a monotonic clock for durations, and
 * the ISO 8601 rendering the API uses. */
#ifndef EMU_CLOCK_H
#define EMU_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define EMU_ISO8601_LEN 32

int64_t emu_now_ms(void);
int64_t emu_mono_ms(void);
void emu_iso8601(int64_t ms, char out[EMU_ISO8601_LEN]);

#endif
