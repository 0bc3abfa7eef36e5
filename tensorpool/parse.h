/* parse.h - reading TensorPool answers (internal to the client; also the
 * fuzz target's entry points).
 *
 * Every function accepts any bytes: malformed, truncated, hostile. Volumes
 * come from structured fields when present (an emulator extension today;
 * perhaps the real API tomorrow), else from the text table the real API
 * puts in "message". Nothing here allocates except where it says so.
 */
#ifndef TP_PARSE_H
#define TP_PARSE_H

#include <jansson.h>

#include "tensorpool/tp.h"

/* Cuts s so it does not end in the middle of a UTF-8 character. */
void tp_utf8_trim(char *s);

/* Parses body as a JSON object (NULL with msg set otherwise). */
json_t *tp_parse_object(const char *body, size_t len, char *msg, size_t msglen);

/* The human message of an answer: "message", "error", "external_message",
 * or FastAPI's "detail" (string or [{msg}]); "" if none. Made printable. */
void tp_parse_message(json_t *obj, char *out, size_t outlen);

/* A string field copied into out (truncated, made printable); false if absent. */
bool tp_parse_string(json_t *obj, const char *key, char *out, size_t outlen);

/* Volume list: "volumes" array, else the text table in "message".
 * Allocates *vols (free()). TP_E_PROTOCOL if neither can be read. */
enum tp_err tp_parse_volume_list(json_t *obj, struct tp_volume **vols, size_t *n, char *msg, size_t msglen);

/* Volume info: "storage_info" object, else "key: value" lines or a
 * one-row table in "message". */
enum tp_err tp_parse_volume_info(json_t *obj, struct tp_volume *v, char *msg, size_t msglen);

/* The text forms on their own (used by the two above). */
size_t tp_parse_volume_table(const char *text, struct tp_volume *vols, size_t max);
bool tp_parse_volume_text(const char *text, struct tp_volume *v);

enum tp_err tp_parse_request(json_t *obj, struct tp_request *r, char *msg, size_t msglen);
enum tp_err tp_parse_creds(json_t *obj, struct tp_s3_creds *c, char *msg, size_t msglen);
/* Allocates *names (tp_strv_free()); elements may be strings or {"name": ...}. */
enum tp_err tp_parse_buckets(json_t *obj, char ***names, size_t *n, char *msg, size_t msglen);

#endif
