/* effects.h - what each async request does to the model when it becomes
 * terminal. The request machinery calls this exactly once per request. */
#ifndef EMU_EFFECTS_H
#define EMU_EFFECTS_H

#include "state.h"

/* Applies r's effect, or its planned failure, and marks it applied. */
void emu_effect_apply(struct emu_state *st, struct emu_request *r);

#endif
