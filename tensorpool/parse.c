/* parse.c - TensorPool answers to C structs, tolerant of what the API
 * leaves unspecified: missing fields are "unknown", never an error, unless
 * the call cannot do without them (an id). Fuzzed by tests/fuzz. */
#include "tensorpool/parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TABLE_ROWS 4096

void tp_utf8_trim(char *s)
{
    size_t n = strlen(s), k = n;
    while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0xC0) {
        unsigned lead = (unsigned char)s[k - 1];
        size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (n - (k - 1) < want)
            s[k - 1] = 0;
    }
}

/* Copies at most outlen-1 bytes, replacing control bytes by spaces and
 * dropping a UTF-8 sequence cut in half at the end. */
static void copy_printable(char *out, size_t outlen, const char *in, size_t inlen)
{
    if (outlen == 0)
        return;
    size_t n = inlen < outlen - 1 ? inlen : outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? ' ' : in[i];
    out[n] = 0;
    tp_utf8_trim(out);
}

json_t *tp_parse_object(const char *body, size_t len, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        snprintf(msg, msglen, "answer is not JSON (%.80s)", jerr.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(msg, msglen, "answer is JSON but not an object");
        return NULL;
    }
    return j;
}

bool tp_parse_string(json_t *obj, const char *key, char *out, size_t outlen)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) {
        if (outlen)
            out[0] = 0;
        return false;
    }
    copy_printable(out, outlen, json_string_value(v), json_string_length(v));
    return true;
}

static void detail_message(json_t *detail, char *out, size_t outlen)
{
    if (json_is_string(detail)) {
        copy_printable(out, outlen, json_string_value(detail), json_string_length(detail));
        return;
    }
    json_t *first = json_is_array(detail) ? json_array_get(detail, 0) : NULL;
    char loc[64] = "";
    json_t *where = json_is_object(first) ? json_object_get(first, "loc") : NULL;
    json_t *last = json_is_array(where) ? json_array_get(where, json_array_size(where) - 1) : NULL;
    if (json_is_string(last))
        copy_printable(loc, sizeof loc, json_string_value(last), json_string_length(last));
    char what[200] = "";
    if (json_is_object(first))
        tp_parse_string(first, "msg", what, sizeof what);
    if (*what) {
        snprintf(out, outlen, "%s%s%s", loc, *loc ? ": " : "", what);
        tp_utf8_trim(out);
    }
}

void tp_parse_message(json_t *obj, char *out, size_t outlen)
{
    static const char *const keys[] = {"message", "error", "external_message"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (tp_parse_string(obj, keys[i], out, outlen) && *out)
            return;
    if (outlen)
        out[0] = 0;
    detail_message(json_object_get(obj, "detail"), out, outlen);
}

/* ------------------------------------------------------------ structured */

static long int_field(json_t *obj, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        if (json_is_integer(v) && json_integer_value(v) >= 0)
            return (long)json_integer_value(v);
        if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 1e15)
            return (long)json_real_value(v);
    }
    return -1;
}

static void upper(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

static void clusters_from_json(json_t *arr, struct tp_volume *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (v->n_clusters == TP_MAX_CLUSTERS)
            break;
        json_t *id = json_is_object(e) ? json_object_get(e, "cluster_id") : e;
        if (json_is_string(id) && json_string_length(id) > 0)
            copy_printable(v->clusters[v->n_clusters++], TP_ID_MAX, json_string_value(id), json_string_length(id));
    }
}

static bool volume_from_json(json_t *o, struct tp_volume *v)
{
    static const char *const size_keys[] = {"size_gb", "size"};
    memset(v, 0, sizeof *v);
    if (!json_is_object(o) || (!tp_parse_string(o, "storage_id", v->id, sizeof v->id) &&
                               !tp_parse_string(o, "id", v->id, sizeof v->id)) || !v->id[0])
        return false;
    if (!tp_parse_string(o, "name", v->name, sizeof v->name))
        tp_parse_string(o, "tp_storage_name", v->name, sizeof v->name);
    v->size_gb = int_field(o, size_keys, 2);
    tp_parse_string(o, "status", v->status, sizeof v->status);
    upper(v->status);
    json_t *p = json_object_get(o, "deletion_protection");
    v->deletion_protection = json_is_boolean(p) ? json_is_true(p) : -1;
    json_t *cl = json_object_get(o, "attached_clusters");
    clusters_from_json(json_is_array(cl) ? cl : json_object_get(o, "cluster_ids"), v);
    return true;
}

/* ------------------------------------------------------------------ text */

enum column { COL_ID, COL_NAME, COL_SIZE, COL_STATUS, COL_CLUSTERS, COL_PROTECTION, COL_N };

/* Whether h has w starting a word (and ending one, if whole): "Storage ID"
 * names the id column, "Provider" does not. */
static bool has_word(const char *h, const char *w, bool whole)
{
    size_t n = strlen(w);
    for (const char *p = h; (p = strcasestr(p, w)); p++)
        if ((p == h || !isalnum((unsigned char)p[-1])) && (!whole || !isalnum((unsigned char)p[n])))
            return true;
    return false;
}

/* Which column a header cell names; COL_N if none. */
static enum column column_of(const char *h)
{
    static const struct { const char *word; bool whole; enum column col; } words[] = {
        {"protect", false, COL_PROTECTION}, {"cluster", false, COL_CLUSTERS}, {"attach", false, COL_CLUSTERS},
        {"status", true, COL_STATUS}, {"state", true, COL_STATUS}, {"size", false, COL_SIZE},
        {"name", true, COL_NAME}, {"id", true, COL_ID}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (has_word(h, words[i].word, words[i].whole))
            return words[i].col;
    return COL_N;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    size_t k = strspn(s, " \t");
    memmove(s, s + k, n - k + 1);
}

/* Splits a table line on '|' or the box-drawing bars "│" / "┃" into at most
 * max cells (trimmed, in place). Returns the cell count. */
static size_t split_row(char *line, char **cells, size_t max)
{
    for (char *p = line; *p; p++)
        if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x94 &&
            ((unsigned char)p[2] == 0x82 || (unsigned char)p[2] == 0x83)) {
            p[0] = '|';
            memset(p + 1, ' ', 2);
        }
    char *s = line + strspn(line, " \t");
    if (*s != '|')
        return 0;
    size_t n = 0;
    for (char *cell = s + 1, *bar; n < max && (bar = strchr(cell, '|')); cell = bar + 1) {
        *bar = 0;
        trim(cell);
        cells[n++] = cell;
    }
    return n;
}

/* "|---|:--:|" rules, whatever the column order; a row of "-" cells
 * ("no name", "no clusters") is data. */
static bool is_separator(char **cells, size_t k)
{
    bool rule = false;
    for (size_t i = 0; i < k; i++) {
        if (strspn(cells[i], "-=:+ ") != strlen(cells[i]))
            return false;
        rule |= strlen(cells[i]) >= 2;
    }
    return rule;
}

/* Maps header cells to columns. Of several id-like columns ("ID",
 * "Storage ID", "Provider ID") the storage id is the one named exactly
 * "ID" or mentioning storage, else the first. */
static void map_header(char **cells, size_t k, enum column *cols)
{
    size_t best = k;
    int best_score = 0;
    for (size_t i = 0; i < k; i++) {
        cols[i] = column_of(cells[i]);
        if (cols[i] != COL_ID)
            continue;
        int score = strcasecmp(cells[i], "id") == 0 ? 3 : strcasestr(cells[i], "storage") ? 2 : 1;
        if (score > best_score) {
            best_score = score;
            best = i;
        }
        cols[i] = COL_N;
    }
    if (best < k)
        cols[best] = COL_ID;
}

static long parse_size(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end != s && v >= 0 ? v : -1;
}

static int parse_yes_no(const char *s)
{
    static const char *const yes[] = {"yes", "true", "enabled", "on", "y"};
    static const char *const no[] = {"no", "false", "disabled", "off", "n", "-"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    return -1;
}

static void parse_cluster_list(const char *s, struct tp_volume *v)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t && v->n_clusters < TP_MAX_CLUSTERS; t = strtok_r(NULL, ", ", &save))
        if (strcmp(t, "-") != 0 && strcasecmp(t, "none") != 0)
            copy_printable(v->clusters[v->n_clusters++], TP_ID_MAX, t, strlen(t));
}

static void set_field(struct tp_volume *v, enum column col, const char *value)
{
    bool none = !*value || strcmp(value, "-") == 0;
    switch (col) {
    case COL_ID: copy_printable(v->id, sizeof v->id, value, strlen(value)); break;
    case COL_NAME: if (!none) copy_printable(v->name, sizeof v->name, value, strlen(value)); break;
    case COL_SIZE: v->size_gb = parse_size(value); break;
    case COL_STATUS: copy_printable(v->status, sizeof v->status, value, strlen(value)); upper(v->status); break;
    case COL_CLUSTERS: parse_cluster_list(value, v); break;
    case COL_PROTECTION: v->deletion_protection = parse_yes_no(value); break;
    case COL_N: break;
    }
}

static void blank_volume(struct tp_volume *v)
{
    memset(v, 0, sizeof *v);
    v->size_gb = -1;
    v->deletion_protection = -1;
}

size_t tp_parse_volume_table(const char *text, struct tp_volume *vols, size_t max)
{
    char *copy = strdup(text ? text : "");
    enum column cols[16];
    size_t n_cols = 0, n = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
        char *cells[16];
        size_t k = split_row(line, cells, 16);
        if (k == 0 || is_separator(cells, k))
            continue;
        if (n_cols == 0) { /* the header */
            map_header(cells, k, cols);
            n_cols = k;
            continue;
        }
        blank_volume(&vols[n]);
        for (size_t i = 0; i < k && i < n_cols; i++)
            set_field(&vols[n], cols[i], cells[i]);
        if (vols[n].id[0])
            n++;
    }
    free(copy);
    return n;
}

bool tp_parse_volume_text(const char *text, struct tp_volume *v)
{
    blank_volume(v);
    if (tp_parse_volume_table(text, v, 1) == 1)
        return true;
    char *copy = strdup(text ? text : "");
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *value = colon + 1;
        trim(line);
        trim(value);
        enum column col = column_of(line);
        if (col != COL_N && !(col == COL_ID && v->id[0]))
            set_field(v, col, value);
    }
    free(copy);
    return v->id[0] != 0;
}

/* ------------------------------------------------------------- per call */

enum tp_err tp_parse_volume_list(json_t *obj, struct tp_volume **vols, size_t *n, char *msg, size_t msglen)
{
    json_t *arr = json_object_get(obj, "volumes");
    json_t *text = json_object_get(obj, "message");
    *vols = NULL;
    *n = 0;
    if (json_is_array(arr)) {
        *vols = calloc(json_array_size(arr) + 1, sizeof **vols);
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
            if (volume_from_json(e, &(*vols)[*n]))
                (*n)++;
        return TP_OK;
    }
    if (!json_is_string(text)) {
        snprintf(msg, msglen, "volume list has neither \"volumes\" nor a \"message\" table");
        return TP_E_PROTOCOL;
    }
    /* one row per line at most */
    size_t lines = 1;
    for (const char *p = json_string_value(text); (p = strchr(p, '\n')); p++)
        lines++;
    if (lines > MAX_TABLE_ROWS)
        lines = MAX_TABLE_ROWS;
    *vols = calloc(lines, sizeof **vols);
    *n = tp_parse_volume_table(json_string_value(text), *vols, lines);
    return TP_OK;
}

enum tp_err tp_parse_volume_info(json_t *obj, struct tp_volume *v, char *msg, size_t msglen)
{
    json_t *info = json_object_get(obj, "storage_info");
    if (volume_from_json(info, v) || volume_from_json(obj, v))
        return TP_OK;
    json_t *text = json_object_get(obj, "message");
    if (json_is_string(text) && tp_parse_volume_text(json_string_value(text), v))
        return TP_OK;
    snprintf(msg, msglen, "volume info names no storage id");
    return TP_E_PROTOCOL;
}

static enum tp_req_status request_status(const char *s)
{
    static const struct { const char *name; enum tp_req_status st; } names[] = {
        {"PENDING", TP_REQ_PENDING}, {"PROCESSING", TP_REQ_PROCESSING}, {"RETRYING", TP_REQ_RETRYING},
        {"COMPLETED", TP_REQ_COMPLETED}, {"FAILED", TP_REQ_FAILED}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0)
            return names[i].st;
    return TP_REQ_UNKNOWN;
}

enum tp_err tp_parse_request(json_t *obj, struct tp_request *r, char *msg, size_t msglen)
{
    char status[32];
    memset(r, 0, sizeof *r);
    if (!tp_parse_string(obj, "status", status, sizeof status)) {
        snprintf(msg, msglen, "request info has no status");
        return TP_E_PROTOCOL;
    }
    r->status = request_status(status);
    tp_parse_string(obj, "request_id", r->id, sizeof r->id);
    tp_parse_string(obj, "request_type", r->type, sizeof r->type);
    tp_parse_string(obj, "object_id", r->object_id, sizeof r->object_id);
    tp_parse_message(obj, r->message, sizeof r->message);
    return TP_OK;
}

enum tp_err tp_parse_creds(json_t *obj, struct tp_s3_creds *c, char *msg, size_t msglen)
{
    memset(c, 0, sizeof *c);
    if (tp_parse_string(obj, "access_key_id", c->access_key_id, sizeof c->access_key_id) &&
        tp_parse_string(obj, "secret_access_key", c->secret_access_key, sizeof c->secret_access_key) &&
        tp_parse_string(obj, "endpoint", c->endpoint, sizeof c->endpoint) && c->access_key_id[0] &&
        c->secret_access_key[0] && c->endpoint[0]) {
        tp_parse_string(obj, "region", c->region, sizeof c->region);
        return TP_OK;
    }
    memset(c, 0, sizeof *c); /* no half-filled secrets left behind */
    snprintf(msg, msglen, "object storage credentials are incomplete");
    return TP_E_PROTOCOL;
}

void tp_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

enum tp_err tp_parse_buckets(json_t *obj, char ***names, size_t *n, char *msg, size_t msglen)
{
    json_t *arr = json_object_get(obj, "buckets");
    *names = NULL;
    *n = 0;
    if (!json_is_array(arr)) {
        snprintf(msg, msglen, "bucket list has no \"buckets\" array");
        return TP_E_PROTOCOL;
    }
    *names = calloc(json_array_size(arr) + 1, sizeof **names);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        json_t *name = json_is_object(e) ? json_object_get(e, "name") : e;
        if (!json_is_string(name))
            continue;
        char buf[TP_NAME_MAX];
        copy_printable(buf, sizeof buf, json_string_value(name), json_string_length(name));
        (*names)[(*n)++] = strdup(buf);
    }
    return TP_OK;
}
