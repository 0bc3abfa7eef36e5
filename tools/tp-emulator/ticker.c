/* ticker.c - the periodic advance; it stops when emu_stop_begin() wakes its
 * sleep. */
#include "ticker.h"

#include "clock.h"
#include "persist.h"
#include "requests.h"
#include "stop.h"

#define TICK_MS 100

static void *tick_loop(void *arg)
{
    struct emu_ticker *t = arg;

    while (emu_sleep_ms(TICK_MS)) {
        emu_state_lock(t->st);
        if (emu_requests_advance(t->st, emu_now_ms()))
            emu_state_save_or_log(t->st);
        emu_state_unlock(t->st);
    }
    return NULL;
}

bool emu_ticker_start(struct emu_ticker *t, struct emu_state *st)
{
    t->st = st;
    t->running = pthread_create(&t->thread, NULL, tick_loop, t) == 0;
    return t->running;
}

void emu_ticker_stop(struct emu_ticker *t)
{
    if (t->running)
        pthread_join(t->thread, NULL);
    t->running = false;
}
