/* body.c - field checks. Types are strict (10.0 is not an integer, "true" is
 * not a boolean) so a sloppy client fails here before it fails in production. */
#include "body.h"

#include <stdio.h>
#include <string.h>

static void add_error(struct emu_body *b, json_t *loc, const char *msg, const char *type)
{
    json_array_append_new(b->errors, json_pack("{so ss ss}", "loc", loc, "msg", msg, "type", type));
}

static void field_error(struct emu_body *b, const char *field, const char *msg, const char *type)
{
    add_error(b, json_pack("[ss]", "body", field), msg, type);
}

bool emu_body_begin(struct emu_call *c, struct emu_body *b)
{
    json_error_t err;

    b->call = c;
    b->obj = NULL;
    b->errors = NULL;
    if (c->body_len == 0) {
        emu_reply_invalid(c, NULL, "Field required", "missing");
        return false;
    }
    if (!c->body_json)
        c->body_json = json_loadb(c->body, c->body_len, JSON_DECODE_ANY, &err);
    if (!c->body_json) {
        emu_reply(c, 422, json_pack("{s[{s[si] ss ss}]}", "detail", "loc", "body",
                                    (int)err.position, "msg", "JSON decode error", "type",
                                    "json_invalid"));
        return false;
    }
    if (!json_is_object(c->body_json)) {
        emu_reply_invalid(c, NULL, "Input should be a valid dictionary or object to extract fields from",
                          "model_attributes_type");
        return false;
    }
    b->obj = c->body_json;
    b->errors = json_array();
    return true;
}

/* The value of field, or NULL when absent (recording "missing" for a
 * required one). A JSON null is returned as is: only nullable fields accept
 * it, the others report a type error as pydantic does. */
static json_t *present(struct emu_body *b, const char *field, bool required)
{
    json_t *v = json_object_get(b->obj, field);
    if (!v && required)
        field_error(b, field, "Field required", "missing");
    return v;
}

bool emu_body_int(struct emu_body *b, const char *field, bool required, int64_t min, int64_t *out)
{
    json_t *v = present(b, field, required);
    char msg[96];

    if (!v)
        return false;
    if (!json_is_integer(v)) {
        field_error(b, field, "Input should be a valid integer", "int_type");
        return false;
    }
    if (json_integer_value(v) < min) {
        snprintf(msg, sizeof msg, "Input should be greater than or equal to %lld", (long long)min);
        field_error(b, field, msg, "greater_than_equal");
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool emu_body_number(struct emu_body *b, const char *field, double min, double max, double *out)
{
    json_t *v = present(b, field, false);
    char msg[96];

    if (!v)
        return false;
    if (!json_is_number(v)) {
        field_error(b, field, "Input should be a valid number", "float_type");
        return false;
    }
    if (json_number_value(v) < min || json_number_value(v) > max) {
        snprintf(msg, sizeof msg, "Input should be between %g and %g", min, max);
        field_error(b, field, msg, "range");
        return false;
    }
    *out = json_number_value(v);
    return true;
}

bool emu_body_bool(struct emu_body *b, const char *field, bool required, bool *out)
{
    json_t *v = present(b, field, required);

    if (!v)
        return false;
    if (!json_is_boolean(v)) {
        field_error(b, field, "Input should be a valid boolean", "bool_type");
        return false;
    }
    *out = json_is_true(v);
    return true;
}

bool emu_body_string(struct emu_body *b, const char *field, bool required, bool nullable,
                     const char **out)
{
    json_t *v = present(b, field, required);

    if (!v || (nullable && json_is_null(v)))
        return false;
    if (!json_is_string(v)) {
        field_error(b, field, "Input should be a valid string", "string_type");
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool emu_body_string_list(struct emu_body *b, const char *field, bool required, json_t **out)
{
    json_t *v = present(b, field, required), *item;
    size_t i;
    bool ok = true;

    if (!v)
        return false;
    if (!json_is_array(v)) {
        field_error(b, field, "Input should be a valid list", "list_type");
        return false;
    }
    json_array_foreach(v, i, item) {
        if (!json_is_string(item)) {
            add_error(b, json_pack("[ssi]", "body", field, (int)i), "Input should be a valid string",
                      "string_type");
            ok = false;
        }
    }
    if (ok)
        *out = v;
    return ok;
}

void emu_body_error(struct emu_body *b, const char *msg, const char *type)
{
    add_error(b, json_pack("[s]", "body"), msg, type);
}

void emu_body_field_error(struct emu_body *b, const char *field, const char *msg, const char *type)
{
    field_error(b, field, msg, type);
}

void emu_body_forbid_extra(struct emu_body *b, const char *const *allowed)
{
    const char *key;
    json_t *v;

    json_object_foreach(b->obj, key, v) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i])
            field_error(b, key, "Extra inputs are not permitted", "extra_forbidden");
    }
}

bool emu_body_end(struct emu_body *b)
{
    if (json_array_size(b->errors) == 0) {
        json_decref(b->errors);
        b->errors = NULL;
        return true;
    }
    emu_reply(b->call, 422, json_pack("{so}", "detail", b->errors));
    b->errors = NULL;
    return false;
}
