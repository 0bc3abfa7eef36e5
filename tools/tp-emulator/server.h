/* server.h - the HTTP server: libmicrohttpd with one thread per connection (a
 * hanging reply must not block other clients), bound to 127.0.0.1 only. */
#ifndef EMU_SERVER_H
#define EMU_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct emu_server {
    struct MHD_Daemon *daemon;
    struct emu_state *st;
    const char *api_key;
    uint16_t port; /* the bound port, also when 0 was asked */
};

bool emu_server_start(struct emu_server *srv, struct emu_state *st, const char *api_key,
                      uint16_t port, char *why, size_t whylen);
/* Waits for connections in flight; call emu_stop_begin() first so injected
 * sleeps end at once. */
void emu_server_stop(struct emu_server *srv);

#endif
