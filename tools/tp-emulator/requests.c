/* requests.c - request status by age, the advance loop, and
 * GET /request/info/{request_id}. */
#include "requests.h"

#include "clock.h"
#include "effects.h"
#include "handlers.h"

const char *emu_request_status(const struct emu_request *r, int64_t now_ms)
{
    if (r->applied)
        return r->fail ? "FAILED" : "COMPLETED";
    /* A clock stepped backwards gives a negative age: still PENDING. */
    return (now_ms - r->created_ms) * 3 < r->delay_ms ? "PENDING" : "PROCESSING";
}

bool emu_requests_advance(struct emu_state *st, int64_t now_ms)
{
    bool changed = false;

    /* Effects remove volumes, never requests, so the array is stable here. */
    for (size_t i = 0; i < st->n_requests; i++) {
        struct emu_request *r = st->requests[i];
        if (r->applied || now_ms - r->created_ms < r->delay_ms)
            continue;
        emu_effect_apply(st, r);
        changed = true;
    }
    return changed;
}

void emu_handle_request_info(struct emu_call *c)
{
    struct emu_request *r = emu_request_find(c->st, c->params[0]);
    char created[EMU_ISO8601_LEN];

    if (!r) {
        emu_reply_message(c, 404, "Request %s not found", c->params[0]);
        return;
    }
    emu_iso8601(r->created_ms, created);
    emu_reply(c, 200,
              json_pack("{ss ss ss ss ss so}", "request_id", r->id, "request_type",
                        emu_request_type_name(r->type), "status",
                        emu_request_status(r, emu_now_ms()), "created_at", created, "object_id",
                        r->object_id, "external_message",
                        r->message ? json_string(r->message) : json_null()));
    if (!r->applied)
        c->retry_after = c->st->cfg.retry_after;
}
