/* pbjson.h - protobuf-c messages to and from JSON, by walking descriptors.
 *
 * One walk serves two needs: debug logging of requests and responses (with
 * every csi_secret field replaced by CSI_REDACTED) and the `call` command
 * line client, which turns JSON into a request and the reply back to JSON.
 * Field names are the proto names (volume_id); lowerCamelCase is accepted on
 * input. Wrapper types (BoolValue, Int64Value, ...) are plain JSON values.
 * Fields holding their default value are omitted, as proto3 JSON does.
 */
#ifndef CSI_PBJSON_H
#define CSI_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "csi/arena.h"
#include "csi/status.h"

#define CSI_REDACTED "***stripped***"

/* A new JSON object (caller json_decref()s), never NULL. With redact, every
 * csi_secret field present in m, at any depth, is the string CSI_REDACTED. */
json_t *csi_pb_to_json(const ProtobufCMessage *m, bool redact);

/* The same as compact JSON text; caller free()s. */
char *csi_pb_to_text(const ProtobufCMessage *m, bool redact);

/* Builds a message of type d from a JSON object, allocating from a. On error
 * returns CSI_E_INVALID with a message naming the field, and *out is NULL. */
enum csi_err csi_pb_from_json(const ProtobufCMessageDescriptor *d, json_t *json, struct csi_arena *a,
                              ProtobufCMessage **out, char *msg, size_t msglen);

#endif
