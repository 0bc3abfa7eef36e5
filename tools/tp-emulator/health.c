/* health.c - the two health endpoints: /healthz (open, for probes) and the
 * authenticated POST /health the CLI sends before every command. The real
 * server uses the latter to force upgrades; the emulator always lets the
 * client proceed, whatever version information the body carries. */
#include "handlers.h"

void emu_handle_healthz(struct emu_call *c)
{
    emu_reply(c, 200, json_pack("{ss}", "status", "ok"));
}

void emu_handle_health(struct emu_call *c)
{
    emu_reply(c, 200, json_pack("{ss}", "message", ""));
}
