/* render.h - how volumes are shown: the text the real API puts in "message"
 * (its exact layout is a contract, the driver's client parses it) and the
 * structured form the emulator adds as an extension. */
#ifndef EMU_RENDER_H
#define EMU_RENDER_H

#include <jansson.h>

#include "state.h"

/* {"storage_id","name","size_gb","status","deletion_protection","attached_clusters"} */
json_t *emu_volume_json(const struct emu_volume *v);
/* The list table, or "No storage volumes found."; malloc'd, NULL on OOM. */
char *emu_render_list(struct emu_volume *const *volumes, size_t n);
/* The info block for one volume; malloc'd, NULL on OOM. */
char *emu_render_info(const struct emu_volume *v);

#endif
