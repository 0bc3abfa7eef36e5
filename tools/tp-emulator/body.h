/* body.h - JSON request-body validation with FastAPI's 422 error shape, so a
 * client written against the real server sees the same schema errors here.
 * Usage: emu_body_begin, one emu_body_<type> per field, emu_body_end; every
 * field error is collected, then end replies 422 listing them all. */
#ifndef EMU_BODY_H
#define EMU_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct emu_body {
    struct emu_call *call;
    json_t *obj;    /* the body object, owned by the call */
    json_t *errors; /* FastAPI "detail" entries */
};

/* Parses the body as a JSON object; on failure replies 422, returns false. */
bool emu_body_begin(struct emu_call *c, struct emu_body *b);
/* Each getter returns true when the field is present (and not null) with the
 * right type; a missing required field or a wrong type is recorded. */
bool emu_body_int(struct emu_body *b, const char *field, bool required, int64_t min, int64_t *out);
/* A JSON number (integer or real) within [min, max]. */
bool emu_body_number(struct emu_body *b, const char *field, double min, double max, double *out);
bool emu_body_bool(struct emu_body *b, const char *field, bool required, bool *out);
bool emu_body_string(struct emu_body *b, const char *field, bool required, bool nullable,
                     const char **out);
/* A list of strings; *out is borrowed from the body. */
bool emu_body_string_list(struct emu_body *b, const char *field, bool required, json_t **out);
/* Adds an error not tied to one field's type (loc ["body"]). */
void emu_body_error(struct emu_body *b, const char *msg, const char *type);
/* Adds an error at ["body", field]. */
void emu_body_field_error(struct emu_body *b, const char *field, const char *msg, const char *type);
/* Records "extra_forbidden" for every key not in the NULL-terminated allowed
 * list: the admin endpoints reject typos instead of ignoring them. */
void emu_body_forbid_extra(struct emu_body *b, const char *const *allowed);
/* True when no error was recorded; otherwise replies 422 with all of them. */
bool emu_body_end(struct emu_body *b);

#endif
