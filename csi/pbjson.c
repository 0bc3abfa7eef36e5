/* pbjson.c - the descriptor walk behind pbjson.h. protobuf-c lays a message
 * out as a C struct; each field descriptor gives the member's offset, and for
 * repeated fields, oneofs and proto2 optionals a second "quantifier" member
 * (count, case or has_ flag). Maps are repeated *Entry messages with a key
 * and a value field. */
#include "csi/pbjson.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi/secrets.h"

#define MEMBER(base, off) ((void *)((char *)(base) + (off)))

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    }
    return 0;
}

static bool is_map(const ProtobufCFieldDescriptor *f)
{
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label != PROTOBUF_C_LABEL_REPEATED)
        return false;
    const ProtobufCMessageDescriptor *e = f->descriptor;
    size_t len = strlen(e->short_name);
    return e->n_fields == 2 && len > 5 && strcmp(e->short_name + len - 5, "Entry") == 0 &&
           strcmp(e->fields[0].name, "key") == 0 && e->fields[0].type == PROTOBUF_C_TYPE_STRING &&
           strcmp(e->fields[1].name, "value") == 0;
}

/* google.protobuf.*Value wrappers are written as their bare value. */
static bool is_wrapper(const ProtobufCMessageDescriptor *d)
{
    return strncmp(d->name, "google.protobuf.", 16) == 0 && d->n_fields == 1 &&
           strcmp(d->fields[0].name, "value") == 0 && strcmp(d->short_name + strlen(d->short_name) - 5, "Value") == 0;
}

/* ---------------------------------------------------------------- to JSON */

static json_t *msg_to_json(const ProtobufCMessage *m, bool redact);

static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p, bool redact)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return json_integer((json_int_t) * (const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT: return json_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        return v ? json_string(v->name) : json_integer(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        json_t *j = json_string(s ? s : "");
        return j ? j : json_string("<invalid UTF-8>");
    }
    case PROTOBUF_C_TYPE_BYTES:
        return json_sprintf("<%zu bytes>", ((const ProtobufCBinaryData *)p)->len);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? msg_to_json(sub, redact) : json_null();
    }
    }
    return json_null();
}

static json_t *repeated_to_json(const ProtobufCFieldDescriptor *f, size_t n, const char *items, bool redact)
{
    size_t size = elem_size(f->type);
    if (is_map(f)) {
        const ProtobufCMessageDescriptor *ed = f->descriptor;
        const ProtobufCFieldDescriptor *vf = &ed->fields[1];
        json_t *obj = json_object();
        for (size_t i = 0; i < n; i++) {
            const ProtobufCMessage *e = *(ProtobufCMessage *const *)(items + i * size);
            const char *key = *(char *const *)MEMBER(e, ed->fields[0].offset);
            json_object_set_new(obj, key ? key : "", value_to_json(vf, MEMBER(e, vf->offset), redact));
        }
        return obj;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, value_to_json(f, items + i * size, redact));
    return arr;
}

static bool scalar_is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)p == NULL;
    case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_FLOAT: return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)p == 0;
    default: {
        static const char zero[8];
        return memcmp(p, zero, elem_size(f->type)) == 0;
    }
    }
}

/* Whether field f is present in m, as proto3 JSON would print it. */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *q = MEMBER(m, f->quantifier_offset);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)q > 0;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)q == f->id;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
        f->type != PROTOBUF_C_TYPE_STRING)
        return *(const protobuf_c_boolean *)q;
    return !scalar_is_default(f, MEMBER(m, f->offset));
}

static json_t *msg_to_json(const ProtobufCMessage *m, bool redact)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (is_wrapper(d))
        return value_to_json(&d->fields[0], MEMBER(m, d->fields[0].offset), redact);
    json_t *obj = json_object();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!field_present(m, f))
            continue;
        json_t *v;
        if (redact && csi_field_is_secret(d, f))
            v = json_string(CSI_REDACTED);
        else if (f->label == PROTOBUF_C_LABEL_REPEATED)
            v = repeated_to_json(f, *(const size_t *)MEMBER(m, f->quantifier_offset),
                                 *(char *const *)MEMBER(m, f->offset), redact);
        else
            v = value_to_json(f, MEMBER(m, f->offset), redact);
        json_object_set_new(obj, f->name, v);
    }
    return obj;
}

json_t *csi_pb_to_json(const ProtobufCMessage *m, bool redact)
{
    json_t *j = msg_to_json(m, redact);
    if (json_is_object(j))
        return j;
    json_t *obj = json_object();
    json_object_set_new(obj, "value", j);
    return obj;
}

char *csi_pb_to_text(const ProtobufCMessage *m, bool redact)
{
    json_t *j = csi_pb_to_json(m, redact);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s)
        abort();
    return s;
}

/* -------------------------------------------------------------- from JSON */

struct parse {
    struct csi_arena *arena;
    char *msg;
    size_t msglen;
};

static enum csi_err fail(struct parse *ps, const char *field, const char *what)
{
    snprintf(ps->msg, ps->msglen, "field %s: %s", field, what);
    return CSI_E_INVALID;
}

static enum csi_err msg_from_json(struct parse *ps, const ProtobufCMessageDescriptor *d, json_t *j,
                                  ProtobufCMessage **out);

static bool json_to_int(json_t *j, bool is_unsigned, long long min, long long max, long long *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
    } else if (json_is_string(j)) { /* proto3 JSON writes 64-bit integers as strings */
        const char *s = json_string_value(j);
        char *end;
        errno = 0;
        *out = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return false;
    } else {
        return false;
    }
    return !(is_unsigned && *out < 0) && *out >= min && *out <= max;
}

static enum csi_err enum_from_json(struct parse *ps, const ProtobufCFieldDescriptor *f, json_t *j, int *out)
{
    const ProtobufCEnumValue *v = NULL;
    if (json_is_string(j))
        v = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, json_string_value(j));
    else if (json_is_integer(j) && json_integer_value(j) >= INT32_MIN && json_integer_value(j) <= INT32_MAX)
        v = protobuf_c_enum_descriptor_get_value(f->descriptor, (int)json_integer_value(j));
    if (!v)
        return fail(ps, f->name, "not a value of the enum");
    *out = v->value;
    return CSI_OK;
}

static enum csi_err value_from_json(struct parse *ps, const ProtobufCFieldDescriptor *f, json_t *j, void *p)
{
    long long v;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        if (!json_to_int(j, false, INT32_MIN, INT32_MAX, &v))
            return fail(ps, f->name, "expected a 32-bit integer");
        *(int32_t *)p = (int32_t)v;
        return CSI_OK;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        if (!json_to_int(j, true, 0, UINT32_MAX, &v))
            return fail(ps, f->name, "expected an unsigned 32-bit integer");
        *(uint32_t *)p = (uint32_t)v;
        return CSI_OK;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        if (!json_to_int(j, f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64,
                         INT64_MIN, INT64_MAX, &v))
            return fail(ps, f->name, "expected a 64-bit integer");
        *(int64_t *)p = v;
        return CSI_OK;
    case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_is_number(j))
            return fail(ps, f->name, "expected a number");
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)p = (float)json_number_value(j);
        else
            *(double *)p = json_number_value(j);
        return CSI_OK;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(j))
            return fail(ps, f->name, "expected true or false");
        *(protobuf_c_boolean *)p = json_is_true(j);
        return CSI_OK;
    case PROTOBUF_C_TYPE_ENUM:
        return enum_from_json(ps, f, j, p);
    case PROTOBUF_C_TYPE_STRING:
        if (!json_is_string(j))
            return fail(ps, f->name, "expected a string");
        *(char **)p = csi_arena_strdup(ps->arena, json_string_value(j));
        return CSI_OK;
    case PROTOBUF_C_TYPE_BYTES:
        return fail(ps, f->name, "bytes fields are not supported");
    case PROTOBUF_C_TYPE_MESSAGE:
        return msg_from_json(ps, f->descriptor, j, (ProtobufCMessage **)p);
    }
    return fail(ps, f->name, "unsupported type");
}

static enum csi_err map_from_json(struct parse *ps, const ProtobufCFieldDescriptor *f, json_t *j, void *p, size_t *n)
{
    if (!json_is_object(j))
        return fail(ps, f->name, "expected an object");
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    ProtobufCMessage **items = csi_arena_alloc(ps->arena, (json_object_size(j) + 1) * sizeof *items);
    const char *key;
    json_t *val;
    *n = 0;
    json_object_foreach(j, key, val) {
        ProtobufCMessage *e = csi_arena_alloc(ps->arena, ed->sizeof_message);
        ed->message_init(e);
        *(char **)MEMBER(e, ed->fields[0].offset) = csi_arena_strdup(ps->arena, key);
        enum csi_err err = value_from_json(ps, &ed->fields[1], val, MEMBER(e, ed->fields[1].offset));
        if (err)
            return err;
        items[(*n)++] = e;
    }
    *(ProtobufCMessage ***)p = items;
    return CSI_OK;
}

static enum csi_err repeated_from_json(struct parse *ps, const ProtobufCFieldDescriptor *f, json_t *j, void *p, size_t *n)
{
    if (is_map(f))
        return map_from_json(ps, f, j, p, n);
    if (!json_is_array(j))
        return fail(ps, f->name, "expected an array");
    size_t size = elem_size(f->type);
    char *items = csi_arena_alloc(ps->arena, (json_array_size(j) + 1) * size);
    size_t i;
    json_t *val;
    json_array_foreach(j, i, val) {
        enum csi_err err = value_from_json(ps, f, val, items + i * size);
        if (err)
            return err;
    }
    *n = json_array_size(j);
    *(char **)p = items;
    return CSI_OK;
}

/* volumeId -> volume_id, so lowerCamelCase JSON names are accepted too. */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d, const char *key)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
    if (f)
        return f;
    char snake[256];
    size_t o = 0;
    for (const char *s = key; *s && o + 2 < sizeof snake; s++) {
        if (isupper((unsigned char)*s)) {
            snake[o++] = '_';
            snake[o++] = (char)tolower((unsigned char)*s);
        } else {
            snake[o++] = *s;
        }
    }
    snake[o] = 0;
    return protobuf_c_message_descriptor_get_field_by_name(d, snake);
}

static enum csi_err field_from_json(struct parse *ps, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_t *val)
{
    if (json_is_null(val))
        return CSI_OK;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return repeated_from_json(ps, f, val, MEMBER(m, f->offset), MEMBER(m, f->quantifier_offset));
    enum csi_err err = value_from_json(ps, f, val, MEMBER(m, f->offset));
    if (err)
        return err;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)MEMBER(m, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
             f->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
    return CSI_OK;
}

static enum csi_err msg_from_json(struct parse *ps, const ProtobufCMessageDescriptor *d, json_t *j,
                                  ProtobufCMessage **out)
{
    ProtobufCMessage *m = csi_arena_alloc(ps->arena, d->sizeof_message);
    d->message_init(m);
    *out = m;
    if (is_wrapper(d) && !json_is_object(j))
        return value_from_json(ps, &d->fields[0], j, MEMBER(m, d->fields[0].offset));
    if (!json_is_object(j)) {
        snprintf(ps->msg, ps->msglen, "%s: expected a JSON object", d->name);
        return CSI_E_INVALID;
    }
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val) {
        const ProtobufCFieldDescriptor *f = find_field(d, key);
        if (!f) {
            snprintf(ps->msg, ps->msglen, "%s has no field named \"%.64s\"", d->name, key);
            return CSI_E_INVALID;
        }
        enum csi_err err = field_from_json(ps, m, f, val);
        if (err)
            return err;
    }
    return CSI_OK;
}

enum csi_err csi_pb_from_json(const ProtobufCMessageDescriptor *d, json_t *json, struct csi_arena *a,
                              ProtobufCMessage **out, char *msg, size_t msglen)
{
    struct parse ps = {.arena = a, .msg = msg, .msglen = msglen};
    enum csi_err err = msg_from_json(&ps, d, json, out);
    if (err)
        *out = NULL;
    return err;
}
