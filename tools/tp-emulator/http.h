/* http.h - what a handler sees: one call with its path parameters and body,
 * and the reply it fills in. Handlers run with the state lock held and never
 * touch libmicrohttpd directly, so the server loop alone decides when (and
 * whether, under fault injection) the reply goes out. */
#ifndef EMU_HTTP_H
#define EMU_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define EMU_MAX_PARAMS 2
#define EMU_PARAM_LEN 256

struct MHD_Connection;

struct emu_call {
    struct emu_state *st;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char params[EMU_MAX_PARAMS][EMU_PARAM_LEN]; /* the {...} path segments */
    const char *body;
    size_t body_len;
    json_t *body_json; /* parsed on demand, owned by the call */

    unsigned status;
    json_t *reply;       /* NULL: empty body */
    int64_t retry_after; /* < 0: no Retry-After header */
    bool changed;        /* the model changed: save the state file */
};

typedef void (*emu_handler_fn)(struct emu_call *c);

/* Sets the reply, taking ownership of body (NULL for an empty body). */
void emu_reply(struct emu_call *c, unsigned status, json_t *body);
/* {"message": "..."} */
void emu_reply_message(struct emu_call *c, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 422 {"detail": [one FastAPI-style error at ["body", field]]}; field NULL
 * puts the error at ["body"]. */
void emu_reply_invalid(struct emu_call *c, const char *field, const char *msg, const char *type);

#endif
