/* ticker.h - a background thread that completes due requests every 100 ms,
 * so their effects (a volume turning READY, a directory appearing under the
 * host root) happen even when nobody polls. */
#ifndef EMU_TICKER_H
#define EMU_TICKER_H

#include <pthread.h>
#include <stdbool.h>

#include "state.h"

struct emu_ticker {
    pthread_t thread;
    struct emu_state *st;
    bool running;
};

bool emu_ticker_start(struct emu_ticker *t, struct emu_state *st);
/* Joins the thread; emu_stop_begin() must have been called. */
void emu_ticker_stop(struct emu_ticker *t);

#endif
