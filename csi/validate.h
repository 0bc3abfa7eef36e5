/* validate.h - input checks shared by every RPC: UTF-8, ids, paths.
 *
 * Status messages and log lines may echo an id or a path only after it passed
 * these checks; the messages written here never echo the bad value itself.
 */
#ifndef CSI_VALIDATE_H
#define CSI_VALIDATE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#include "csi/status.h"

/* CSI's size limit for ids and most strings (spec "Size Limits"). */
#define CSI_MAX_ID_LEN 128
#define CSI_MAX_PATH_LEN 4096

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
bool csi_utf8_valid(const char *s, size_t len);

/* Shortens s, if needed, so it ends on a whole UTF-8 character (a message
 * cut by a fixed-size buffer may end mid-character). */
void csi_utf8_trim(char *s);

/* Checks every string in m, nested messages, repeated fields and maps
 * included. On failure writes the offending field's name (never its value)
 * into msg and returns CSI_E_INVALID. */
enum csi_err csi_check_message_utf8(const ProtobufCMessage *m, char *msg, size_t msglen);

/* Checks the wire bytes of a message of type d for a string holding a NUL
 * byte: protobuf-c hands strings over NUL-terminated, so "vol\0a" would
 * silently become "vol". CSI_E_INVALID naming the field if one does. */
enum csi_err csi_check_wire_strings(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len, char *msg,
                                    size_t msglen);

/* A required id (volume_id, node_id, name): non-empty, at most
 * CSI_MAX_ID_LEN bytes, no control characters. */
enum csi_err csi_check_id(const char *value, const char *what, char *msg, size_t msglen);

/* A required absolute path: no control characters, no ".." component. */
enum csi_err csi_check_path(const char *value, const char *what, char *msg, size_t msglen);

/* Copies s into out for a log line, escaping bytes that are not printable
 * ASCII as \xNN and truncating to fit. */
void csi_escape(const char *s, char *out, size_t outlen);

#endif
