/* state.c - the in-memory model: arrays of pointers (so a pointer stays valid
 * while others are added or removed) and the enum <-> string tables shared by
 * the API, the state file and the flags. */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ids.h"

static const char *const volume_status_names[] = {"CREATING", "READY", "DELETING"};
static const char *const request_type_names[] = {"STORAGE_CREATE", "STORAGE_DESTROY",
                                                 "STORAGE_ATTACH", "STORAGE_DETACH",
                                                 "STORAGE_EDIT"};
static const char *const list_format_names[] = {"text", "structured", "both"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index of s in names, or -1. */
static int find_name(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

const char *emu_volume_status_name(enum emu_volume_status s) { return volume_status_names[s]; }
const char *emu_request_type_name(enum emu_request_type t) { return request_type_names[t]; }
const char *emu_list_format_name(enum emu_list_format f) { return list_format_names[f]; }

bool emu_volume_status_parse(const char *s, enum emu_volume_status *out)
{
    int i = find_name(volume_status_names, COUNT(volume_status_names), s);
    if (i >= 0)
        *out = (enum emu_volume_status)i;
    return i >= 0;
}

bool emu_request_type_parse(const char *s, enum emu_request_type *out)
{
    int i = find_name(request_type_names, COUNT(request_type_names), s);
    if (i >= 0)
        *out = (enum emu_request_type)i;
    return i >= 0;
}

bool emu_list_format_parse(const char *s, enum emu_list_format *out)
{
    int i = find_name(list_format_names, COUNT(list_format_names), s);
    if (i >= 0)
        *out = (enum emu_list_format)i;
    return i >= 0;
}

bool emu_state_init(struct emu_state *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->lock, NULL);
    st->buckets = emu_buckets_local_new();
    st->stats_by_route = json_object();
    return st->buckets && st->stats_by_route;
}

void emu_volume_free(struct emu_volume *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_clusters; i++)
        free(v->clusters[i]);
    free(v->clusters);
    free(v->name);
    free(v);
}

void emu_request_free(struct emu_request *r)
{
    if (!r)
        return;
    free(r->message);
    free(r->cluster);
    free(r->edit.name);
    free(r);
}

void emu_state_free(struct emu_state *st)
{
    for (size_t i = 0; i < st->n_volumes; i++)
        emu_volume_free(st->volumes[i]);
    free(st->volumes);
    for (size_t i = 0; i < st->n_requests; i++)
        emu_request_free(st->requests[i]);
    free(st->requests);
    emu_buckets_free(st->buckets);
    json_decref(st->stats_by_route);
    free(st->data_dir);
    pthread_mutex_destroy(&st->lock);
}

void emu_state_lock(struct emu_state *st) { pthread_mutex_lock(&st->lock); }
void emu_state_unlock(struct emu_state *st) { pthread_mutex_unlock(&st->lock); }

/* Room for one more element; a macro because the arrays have different
 * element types and a void ** cast would break strict aliasing. */
#define ROOM_FOR_ONE(items, n, cap)                                                          \
    ((n) < (cap) || room_grow((void *)&(items), sizeof *(items), &(cap)))

static bool room_grow(void *items_ptr, size_t elem, size_t *cap)
{
    void *old, *grown;
    size_t ncap = *cap ? *cap * 2 : 16;

    memcpy(&old, items_ptr, sizeof old);
    grown = realloc(old, ncap * elem);
    if (!grown)
        return false;
    memcpy(items_ptr, &grown, sizeof grown);
    *cap = ncap;
    return true;
}

struct emu_volume *emu_volume_find(struct emu_state *st, const char *id)
{
    for (size_t i = 0; i < st->n_volumes; i++)
        if (strcmp(st->volumes[i]->id, id) == 0)
            return st->volumes[i];
    return NULL;
}

struct emu_volume *emu_volume_add(struct emu_state *st)
{
    struct emu_volume *v;

    if (!ROOM_FOR_ONE(st->volumes, st->n_volumes, st->cap_volumes))
        return NULL;
    v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    do
        emu_id_make(v->id, sizeof v->id, "s-", 10);
    while (emu_volume_find(st, v->id));
    v->created_ms = emu_now_ms();
    st->volumes[st->n_volumes++] = v;
    return v;
}

void emu_volume_remove(struct emu_state *st, const char *id)
{
    for (size_t i = 0; i < st->n_volumes; i++)
        if (strcmp(st->volumes[i]->id, id) == 0) {
            emu_volume_free(st->volumes[i]);
            memmove(&st->volumes[i], &st->volumes[i + 1],
                    (st->n_volumes - i - 1) * sizeof *st->volumes);
            st->n_volumes--;
            return;
        }
}

bool emu_volume_has_cluster(const struct emu_volume *v, const char *cluster)
{
    for (size_t i = 0; i < v->n_clusters; i++)
        if (strcmp(v->clusters[i], cluster) == 0)
            return true;
    return false;
}

bool emu_volume_add_cluster(struct emu_volume *v, const char *cluster)
{
    char **grown;
    char *copy;

    if (emu_volume_has_cluster(v, cluster))
        return true;
    grown = realloc(v->clusters, (v->n_clusters + 1) * sizeof *grown);
    if (!grown)
        return false;
    v->clusters = grown;
    copy = strdup(cluster);
    if (!copy)
        return false;
    v->clusters[v->n_clusters++] = copy;
    return true;
}

void emu_volume_drop_cluster(struct emu_volume *v, const char *cluster)
{
    for (size_t i = 0; i < v->n_clusters; i++)
        if (strcmp(v->clusters[i], cluster) == 0) {
            free(v->clusters[i]);
            memmove(&v->clusters[i], &v->clusters[i + 1],
                    (v->n_clusters - i - 1) * sizeof *v->clusters);
            v->n_clusters--;
            return;
        }
}

bool emu_request_append(struct emu_state *st, struct emu_request *r)
{
    if (!ROOM_FOR_ONE(st->requests, st->n_requests, st->cap_requests))
        return false;
    st->requests[st->n_requests++] = r;
    return true;
}

struct emu_request *emu_request_add(struct emu_state *st, enum emu_request_type type,
                                    const char *object_id)
{
    struct emu_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    do
        emu_id_make(r->id, sizeof r->id, "req_", 12);
    while (emu_request_find(st, r->id));
    r->type = type;
    snprintf(r->object_id, sizeof r->object_id, "%s", object_id);
    r->created_ms = emu_now_ms();
    r->delay_ms = st->cfg.delay_ms;
    r->fail = emu_faults_draw_failure(&st->faults);
    if (!emu_request_append(st, r)) {
        free(r);
        return NULL;
    }
    return r;
}

struct emu_request *emu_request_find(struct emu_state *st, const char *id)
{
    for (size_t i = 0; i < st->n_requests; i++)
        if (strcmp(st->requests[i]->id, id) == 0)
            return st->requests[i];
    return NULL;
}

struct emu_request *emu_request_pending(struct emu_state *st, enum emu_request_type type,
                                        const char *object_id, const char *cluster)
{
    for (size_t i = 0; i < st->n_requests; i++) {
        struct emu_request *r = st->requests[i];
        if (r->applied || r->type != type || strcmp(r->object_id, object_id) != 0)
            continue;
        if (!cluster || (r->cluster && strcmp(r->cluster, cluster) == 0))
            return r;
    }
    return NULL;
}
