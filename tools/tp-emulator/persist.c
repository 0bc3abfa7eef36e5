/* persist.c - state <-> JSON. Loading is strict: a field of the wrong type is
 * an error naming it, never a silently defaulted volume. */
#include "persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define STATE_VERSION 1

/* ---- saving ---- */

static json_t *nullable_string(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *volume_to_json(const struct emu_volume *v)
{
    json_t *clusters = json_array();
    for (size_t i = 0; i < v->n_clusters; i++)
        json_array_append_new(clusters, json_string(v->clusters[i]));
    return json_pack("{ss so sI ss sb so sI}", "storage_id", v->id, "name",
                     nullable_string(v->name), "size_gb", (json_int_t)v->size_gb, "status",
                     emu_volume_status_name(v->status), "deletion_protection",
                     v->deletion_protection, "attached_clusters", clusters, "created_at_ms",
                     (json_int_t)v->created_ms);
}

static json_t *edit_to_json(const struct emu_edit *e)
{
    json_t *o = json_object();
    if (e->has_name)
        json_object_set_new(o, "tp_storage_name", json_string(e->name));
    if (e->has_protection)
        json_object_set_new(o, "deletion_protection", json_boolean(e->protection));
    if (e->has_size)
        json_object_set_new(o, "size_gb", json_integer(e->size_gb));
    return o;
}

static json_t *request_to_json(const struct emu_request *r)
{
    return json_pack("{ss ss ss sI sI ss sb so so so}", "request_id", r->id, "request_type",
                     emu_request_type_name(r->type), "object_id", r->object_id, "created_at_ms",
                     (json_int_t)r->created_ms, "delay_ms", (json_int_t)r->delay_ms,
                     "planned_outcome", r->fail ? "FAILED" : "COMPLETED", "applied", r->applied,
                     "external_message", nullable_string(r->message), "cluster_id",
                     nullable_string(r->cluster), "edit", edit_to_json(&r->edit));
}

static json_t *state_to_json(struct emu_state *st)
{
    json_t *volumes = json_array(), *requests = json_array();
    json_t *buckets = st->buckets->ops->save(st->buckets->impl);

    for (size_t i = 0; i < st->n_volumes; i++)
        json_array_append_new(volumes, volume_to_json(st->volumes[i]));
    for (size_t i = 0; i < st->n_requests; i++)
        json_array_append_new(requests, request_to_json(st->requests[i]));
    return json_pack("{si so so s{sb sI} so}", "version", STATE_VERSION, "volumes", volumes,
                     "requests", requests, "object_storage", "enabled", st->os_enabled,
                     "enabled_at_ms", (json_int_t)st->os_enabled_ms, "buckets",
                     buckets ? buckets : json_null());
}

static bool write_file(const char *tmp, json_t *root, char *why, size_t whylen)
{
    FILE *f = fopen(tmp, "w");
    bool ok;

    if (!f) {
        snprintf(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
        return false;
    }
    /* No fsync: rename(2) already keeps the file whole if the process dies,
     * and syncing on every API call would make the emulator disk-bound. */
    ok = json_dumpf(root, f, JSON_INDENT(1) | JSON_SORT_KEYS) == 0 && fputc('\n', f) != EOF &&
         fflush(f) == 0;
    if (!ok)
        snprintf(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && ok) {
        snprintf(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
        ok = false;
    }
    return ok;
}

bool emu_state_save(struct emu_state *st, char *why, size_t whylen)
{
    char *tmp;
    json_t *root;
    bool ok;

    if (!st->path)
        return true;
    root = state_to_json(st);
    if (!root || asprintf(&tmp, "%s.tmp", st->path) < 0) {
        json_decref(root);
        snprintf(why, whylen, "out of memory saving state");
        return false;
    }
    ok = write_file(tmp, root, why, whylen);
    if (ok && rename(tmp, st->path) != 0) {
        snprintf(why, whylen, "cannot rename %s to %s: %s", tmp, st->path, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(tmp);
    free(tmp);
    json_decref(root);
    return ok;
}

void emu_state_save_or_log(struct emu_state *st)
{
    char why[512];
    if (!emu_state_save(st, why, sizeof why))
        emu_log("saving state: %s", why);
}

/* ---- loading ---- */

struct loader {
    char *why;
    size_t whylen;
    const char *where; /* "volumes[3]" etc., for messages */
};

static bool fail(struct loader *l, const char *field, const char *expect)
{
    snprintf(l->why, l->whylen, "%s: \"%s\" must be %s", l->where, field, expect);
    return false;
}

static bool get_string(struct loader *l, json_t *o, const char *field, bool nullable,
                       const char **out)
{
    json_t *v = json_object_get(o, field);
    if (nullable && (!v || json_is_null(v))) {
        *out = NULL;
        return true;
    }
    if (!json_is_string(v))
        return fail(l, field, nullable ? "a string or null" : "a string");
    *out = json_string_value(v);
    return true;
}

static bool get_int(struct loader *l, json_t *o, const char *field, int64_t *out)
{
    json_t *v = json_object_get(o, field);
    if (!json_is_integer(v))
        return fail(l, field, "an integer");
    *out = json_integer_value(v);
    return true;
}

static bool get_bool(struct loader *l, json_t *o, const char *field, bool *out)
{
    json_t *v = json_object_get(o, field);
    if (!json_is_boolean(v))
        return fail(l, field, "a boolean");
    *out = json_is_true(v);
    return true;
}

static bool copy_id(struct loader *l, const char *field, const char *s, char *out, size_t outlen)
{
    if (strlen(s) >= outlen)
        return fail(l, field, "a valid id");
    memcpy(out, s, strlen(s) + 1);
    return true;
}

static bool dup_string(const char *s, char **out)
{
    *out = NULL;
    return !s || (*out = strdup(s)) != NULL;
}

static bool load_clusters(struct loader *l, json_t *arr, struct emu_volume *v)
{
    size_t i;
    json_t *c;

    if (!json_is_array(arr))
        return fail(l, "attached_clusters", "an array of strings");
    json_array_foreach(arr, i, c) {
        if (!json_is_string(c))
            return fail(l, "attached_clusters", "an array of strings");
        if (!emu_volume_add_cluster(v, json_string_value(c)))
            return fail(l, "attached_clusters", "loadable (out of memory)");
    }
    return true;
}

static bool load_volume(struct loader *l, struct emu_state *st, json_t *o)
{
    const char *id, *name, *status;
    struct emu_volume *v;

    if (!json_is_object(o))
        return fail(l, "volume", "an object");
    if (!get_string(l, o, "storage_id", false, &id) || !get_string(l, o, "name", true, &name) ||
        !get_string(l, o, "status", false, &status))
        return false;
    if (emu_volume_find(st, id))
        return fail(l, "storage_id", "unique");
    v = emu_volume_add(st);
    if (!v)
        return fail(l, "volume", "loadable (out of memory)");
    if (!copy_id(l, "storage_id", id, v->id, sizeof v->id) ||
        !get_int(l, o, "size_gb", &v->size_gb) ||
        !get_bool(l, o, "deletion_protection", &v->deletion_protection) ||
        !get_int(l, o, "created_at_ms", &v->created_ms) ||
        !load_clusters(l, json_object_get(o, "attached_clusters"), v))
        return false;
    if (!emu_volume_status_parse(status, &v->status))
        return fail(l, "status", "CREATING, READY or DELETING");
    if (!dup_string(name, &v->name))
        return fail(l, "name", "loadable (out of memory)");
    return true;
}

static bool load_edit(struct loader *l, json_t *o, struct emu_edit *e)
{
    json_t *name = json_object_get(o, "tp_storage_name");
    json_t *prot = json_object_get(o, "deletion_protection");
    json_t *size = json_object_get(o, "size_gb");

    if (!json_is_object(o))
        return fail(l, "edit", "an object");
    if ((name && !json_is_string(name)) || (prot && !json_is_boolean(prot)) ||
        (size && !json_is_integer(size)))
        return fail(l, "edit", "an object of tp_storage_name, deletion_protection, size_gb");
    e->has_name = name != NULL;
    e->has_protection = prot != NULL;
    e->has_size = size != NULL;
    e->protection = json_is_true(prot);
    e->size_gb = size ? json_integer_value(size) : 0;
    if (!dup_string(json_string_value(name), &e->name))
        return fail(l, "edit", "loadable (out of memory)");
    return true;
}

static bool fill_request(struct loader *l, json_t *o, struct emu_request *r)
{
    const char *id, *type, *object_id, *outcome, *message, *cluster;

    if (!get_string(l, o, "request_id", false, &id) ||
        !get_string(l, o, "request_type", false, &type) ||
        !get_string(l, o, "object_id", false, &object_id) ||
        !get_string(l, o, "planned_outcome", false, &outcome) ||
        !get_string(l, o, "external_message", true, &message) ||
        !get_string(l, o, "cluster_id", true, &cluster) ||
        !get_int(l, o, "created_at_ms", &r->created_ms) || !get_int(l, o, "delay_ms", &r->delay_ms) ||
        !get_bool(l, o, "applied", &r->applied) ||
        !copy_id(l, "request_id", id, r->id, sizeof r->id) ||
        !copy_id(l, "object_id", object_id, r->object_id, sizeof r->object_id) ||
        !load_edit(l, json_object_get(o, "edit"), &r->edit))
        return false;
    if (!emu_request_type_parse(type, &r->type))
        return fail(l, "request_type", "a STORAGE_* request type");
    if (strcmp(outcome, "COMPLETED") != 0 && strcmp(outcome, "FAILED") != 0)
        return fail(l, "planned_outcome", "COMPLETED or FAILED");
    r->fail = strcmp(outcome, "FAILED") == 0;
    if (!dup_string(message, &r->message) || !dup_string(cluster, &r->cluster))
        return fail(l, "request", "loadable (out of memory)");
    return true;
}

static bool load_request(struct loader *l, struct emu_state *st, json_t *o)
{
    struct emu_request *r;

    if (!json_is_object(o))
        return fail(l, "request", "an object");
    r = calloc(1, sizeof *r);
    if (!r)
        return fail(l, "request", "loadable (out of memory)");
    if (!fill_request(l, o, r) || (emu_request_find(st, r->id) && !fail(l, "request_id", "unique")) ||
        !emu_request_append(st, r)) {
        emu_request_free(r);
        return false;
    }
    return true;
}

static bool load_list(struct loader *l, struct emu_state *st, json_t *root, const char *key,
                      bool (*one)(struct loader *, struct emu_state *, json_t *))
{
    json_t *arr = json_object_get(root, key), *item;
    char where[64];
    size_t i;

    l->where = "state";
    if (!json_is_array(arr))
        return fail(l, key, "an array");
    json_array_foreach(arr, i, item) {
        snprintf(where, sizeof where, "%s[%zu]", key, i);
        l->where = where;
        if (!one(l, st, item))
            return false;
    }
    return true;
}

static bool load_object_storage(struct loader *l, struct emu_state *st, json_t *root)
{
    json_t *os = json_object_get(root, "object_storage");
    json_t *buckets = json_object_get(root, "buckets");

    l->where = "object_storage";
    if (!json_is_object(os) || !get_bool(l, os, "enabled", &st->os_enabled) ||
        !get_int(l, os, "enabled_at_ms", &st->os_enabled_ms))
        return json_is_object(os) ? false : fail(l, "object_storage", "an object");
    if (buckets && !json_is_null(buckets) &&
        !st->buckets->ops->load(st->buckets->impl, buckets, l->why, l->whylen))
        return false;
    return true;
}

bool emu_state_load(struct emu_state *st, char *why, size_t whylen)
{
    json_error_t err;
    json_t *root, *version;
    struct loader l = {why, whylen, "state"};
    bool ok;

    if (!st->path || access(st->path, F_OK) != 0)
        return true;
    root = json_load_file(st->path, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        snprintf(why, whylen, "line %d column %d: %s", err.line, err.column, err.text);
        return false;
    }
    version = json_object_get(root, "version");
    if (!json_is_integer(version) || json_integer_value(version) != STATE_VERSION) {
        ok = fail(&l, "version", "1");
    } else {
        ok = load_list(&l, st, root, "volumes", load_volume) &&
             load_list(&l, st, root, "requests", load_request) &&
             load_object_storage(&l, st, root);
    }
    json_decref(root);
    return ok;
}
