/* reply.c - the reply shapes shared by all handlers: the API's {"message"}
 * errors and FastAPI's 422 {"detail": [...]} for schema errors. */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void emu_reply(struct emu_call *c, unsigned status, json_t *body)
{
    json_decref(c->reply);
    c->status = status;
    c->reply = body;
}

void emu_reply_message(struct emu_call *c, unsigned status, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    emu_reply(c, status, json_pack("{ss}", "message", msg ? msg : "out of memory"));
    free(msg);
}

void emu_reply_invalid(struct emu_call *c, const char *field, const char *msg, const char *type)
{
    json_t *loc = field ? json_pack("[ss]", "body", field) : json_pack("[s]", "body");
    emu_reply(c, 422, json_pack("{s[{so ss ss}]}", "detail", "loc", loc, "msg", msg, "type", type));
}
