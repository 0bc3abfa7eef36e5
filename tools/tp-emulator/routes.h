/* routes.h - the table of {method, path pattern, handler}: the one place that
 * lists what the emulator serves and which requests need the API key. */
#ifndef EMU_ROUTES_H
#define EMU_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

enum emu_route_kind {
    EMU_ROUTE_OPEN,  /* no auth, no faults: /healthz */
    EMU_ROUTE_API,   /* the real API: bearer auth, counted, faults apply */
    EMU_ROUTE_ADMIN, /* /_emulator/...: no auth, no faults, not counted */
};

struct emu_route {
    const char *method;
    const char *pattern; /* "/storage/{storage_id}": {x} matches one segment */
    enum emu_route_kind kind;
    emu_handler_fn handler;
    const char *stats_key; /* "DELETE /storage/{storage_id}" */
};

/* The route for method + path, with its {x} segments copied into
 * c->params; NULL when none. Then *allow lists the methods the path does
 * accept ("" when the path is unknown: 404, else 405). */
const struct emu_route *emu_route_match(const char *method, const char *path, struct emu_call *c,
                                        char *allow, size_t allowlen);

#endif
