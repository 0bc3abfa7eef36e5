/* requests.h - the async request life cycle: PENDING for the first third of
 * the provisioning delay, PROCESSING until it has passed, then COMPLETED or
 * FAILED (planned at creation). Effects are applied when a request becomes
 * due, by whoever gets the state lock first: any API call or the ticker. */
#ifndef EMU_REQUESTS_H
#define EMU_REQUESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

const char *emu_request_status(const struct emu_request *r, int64_t now_ms);
/* Applies every due request, oldest first; true when anything changed. */
bool emu_requests_advance(struct emu_state *st, int64_t now_ms);

#endif
