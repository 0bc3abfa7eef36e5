/* persist.h - the state file: JSON with "version": 1, loaded once at start and
 * rewritten atomically (tmp + rename) after every change, so a crash or a
 * SIGTERM never leaves a half-written file. Callers hold the state lock. */
#ifndef EMU_PERSIST_H
#define EMU_PERSIST_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

/* No-op without a state path. False with why filled on an I/O error. */
bool emu_state_save(struct emu_state *st, char *why, size_t whylen);
/* Saves, logging (not returning) a failure: for callers that cannot do
 * anything better than report it. */
void emu_state_save_or_log(struct emu_state *st);
/* A missing file is an empty state; a corrupt one is false with why filled. */
bool emu_state_load(struct emu_state *st, char *why, size_t whylen);

#endif
