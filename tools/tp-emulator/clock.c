/* clock.c - time sources and the one timestamp format (UTC, milliseconds, Z). */
#include "clock.h"

#include <stdio.h>
#include <time.h>

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t emu_now_ms(void) { return clock_ms(CLOCK_REALTIME); }
int64_t emu_mono_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

void emu_iso8601(int64_t ms, char out[EMU_ISO8601_LEN])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char base[24];

    gmtime_r(&secs, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, EMU_ISO8601_LEN, "%s.%03dZ", base, (int)(ms % 1000));
}
