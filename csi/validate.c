/* validate.c - input checks. The UTF-8 walk exists because protobuf-c, unlike
 * Go's protobuf, accepts invalid UTF-8 in proto3 strings, and the Go sidecars
 * reject any status message that carries it. */
#include "csi/validate.h"

#include <stdio.h>
#include <string.h>

bool csi_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    while (s < end) {
        unsigned c = *s++;
        if (c < 0x80)
            continue;
        int extra;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (end - s < extra)
            return false;
        for (int i = 0; i < extra; i++, s++) {
            if ((*s & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (*s & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
    }
    return true;
}

void csi_utf8_trim(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && !csi_utf8_valid(s, len))
        s[--len] = 0;
}

static bool string_ok(const char *s) { return !s || csi_utf8_valid(s, strlen(s)); }

/* On failure, path receives the bad field's dotted name from m down
 * ("volume_capability.mount.fs_type"); a map is named by its own field, not
 * by its entries' key/value. */
static bool check_fields(const ProtobufCMessage *m, char *path, size_t pathlen);

static bool is_map_entry(const ProtobufCMessageDescriptor *d)
{
    return d->n_fields == 2 && strcmp(d->fields[0].name, "key") == 0 && d->fields[0].type == PROTOBUF_C_TYPE_STRING &&
           strcmp(d->fields[1].name, "value") == 0;
}

static bool check_value(const ProtobufCFieldDescriptor *f, const void *member, char *path, size_t pathlen)
{
    if (f->type == PROTOBUF_C_TYPE_STRING && !string_ok(*(char *const *)member)) {
        snprintf(path, pathlen, "%s", f->name);
        return false;
    }
    const ProtobufCMessage *sub = f->type == PROTOBUF_C_TYPE_MESSAGE ? *(ProtobufCMessage *const *)member : NULL;
    char inner[256];
    if (!sub || check_fields(sub, inner, sizeof inner))
        return true;
    snprintf(path, pathlen, "%s", f->name);
    if (!is_map_entry(sub->descriptor)) {
        size_t n = strlen(path);
        snprintf(path + n, pathlen - n, ".%s", inner);
    }
    return false;
}

static bool check_fields(const ProtobufCMessage *m, char *path, size_t pathlen)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *base = (const char *)m;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            void *const *items = *(void *const *const *)(base + f->offset);
            for (size_t k = 0; k < n; k++)
                if (!check_value(f, &items[k], path, pathlen))
                    return false;
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        if (!check_value(f, base + f->offset, path, pathlen))
            return false;
    }
    return true;
}

enum csi_err csi_check_message_utf8(const ProtobufCMessage *m, char *msg, size_t msglen)
{
    char path[256];
    if (check_fields(m, path, sizeof path))
        return CSI_OK;
    snprintf(msg, msglen, "field %s is not valid UTF-8", path);
    return CSI_E_INVALID;
}

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* The name of the first string field with a NUL in it, or NULL. */
static const char *wire_nul_field(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end, int depth)
{
    uint64_t tag, n;
    while (p < end && depth < 32 && read_varint(&p, end, &tag)) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3));
        switch (tag & 7) {
        case 0: if (!read_varint(&p, end, &n)) return NULL; break;
        case 1: p += 8; break;
        case 5: p += 4; break;
        case 2:
            if (!read_varint(&p, end, &n) || n > (uint64_t)(end - p))
                return NULL;
            if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, n))
                return f->name;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                const char *bad = wire_nul_field(f->descriptor, p, p + n, depth + 1);
                if (bad)
                    return is_map_entry(f->descriptor) ? f->name : bad;
            }
            p += n;
            break;
        default: return NULL; /* groups: not in proto3 */
        }
    }
    return NULL;
}

enum csi_err csi_check_wire_strings(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len, char *msg,
                                    size_t msglen)
{
    const char *bad = wire_nul_field(d, data, data + len, 0);
    if (!bad)
        return CSI_OK;
    snprintf(msg, msglen, "field %s contains a NUL byte", bad);
    return CSI_E_INVALID;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

enum csi_err csi_check_id(const char *value, const char *what, char *msg, size_t msglen)
{
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        snprintf(msg, msglen, "%s is required", what);
    else if (len > CSI_MAX_ID_LEN)
        snprintf(msg, msglen, "%s is longer than %d bytes", what, CSI_MAX_ID_LEN);
    else if (!csi_utf8_valid(value, len))
        snprintf(msg, msglen, "%s is not valid UTF-8", what);
    else if (has_control(value))
        snprintf(msg, msglen, "%s contains control characters", what);
    else
        return CSI_OK;
    return CSI_E_INVALID;
}

static bool has_dotdot(const char *p)
{
    for (const char *s = p; (s = strstr(s, "..")); s += 2)
        if (s[-1] == '/' && (s[2] == '/' || s[2] == 0))
            return true;
    return false;
}

enum csi_err csi_check_path(const char *value, const char *what, char *msg, size_t msglen)
{
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        snprintf(msg, msglen, "%s is required", what);
    else if (len > CSI_MAX_PATH_LEN)
        snprintf(msg, msglen, "%s is longer than %d bytes", what, CSI_MAX_PATH_LEN);
    else if (!csi_utf8_valid(value, len))
        snprintf(msg, msglen, "%s is not valid UTF-8", what);
    else if (has_control(value))
        snprintf(msg, msglen, "%s contains control characters", what);
    else if (value[0] != '/')
        snprintf(msg, msglen, "%s must be an absolute path", what);
    else if (has_dotdot(value))
        snprintf(msg, msglen, "%s must not contain '..' components", what);
    else
        return CSI_OK;
    return CSI_E_INVALID;
}

void csi_escape(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    for (; *s && o + 5 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
    }
    if (outlen)
        out[o < outlen ? o : outlen - 1] = 0;
}
