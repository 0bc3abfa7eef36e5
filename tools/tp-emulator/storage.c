/* storage.c - the /storage endpoints. Mutations validate, record an async
 * request and answer 202 at once; the change itself happens when the request
 * completes (effects.c). Checks run in FastAPI's order: schema (422), then
 * the request's own values (400), then the resources (404), then conflicts
 * with their state (409). */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "handlers.h"
#include "render.h"

/* Price of storage and the balance rule of the real API: an organization
 * needs 24 hours of the new volume's cost to create it. */
#define PRICE_PER_GB_MONTH 0.10
#define HOURS_PER_MONTH 730.0
#define BALANCE_HOURS 24.0

static struct emu_volume *volume_or_404(struct emu_call *c, const char *id)
{
    struct emu_volume *v = emu_volume_find(c->st, id);
    if (!v)
        emu_reply_message(c, 404, "Storage volume %s not found", id);
    return v;
}

static bool request_or_500(struct emu_call *c, struct emu_request *r)
{
    if (!r)
        emu_reply_message(c, 500, "Out of memory");
    return r != NULL;
}

void emu_handle_storage_create(struct emu_call *c)
{
    struct emu_body b;
    int64_t size = 0;
    const char *name = NULL;
    bool protection = false;
    struct emu_volume *v;
    struct emu_request *r;

    if (!emu_body_begin(c, &b))
        return;
    emu_body_int(&b, "size", true, 1, &size);
    emu_body_string(&b, "name", false, true, &name);
    emu_body_bool(&b, "deletion_protection", false, &protection);
    if (!emu_body_end(&b))
        return;
    double needed = (double)size * PRICE_PER_GB_MONTH / HOURS_PER_MONTH * BALANCE_HOURS;
    if (c->st->cfg.has_balance && c->st->cfg.balance < needed) {
        emu_reply_message(c, 402,
                          "Insufficient balance: $%.4f available, $%.4f needed (24 hours of "
                          "storage for %lld GB)",
                          c->st->cfg.balance, needed, (long long)size);
        return;
    }
    v = emu_volume_add(c->st);
    if (!v || (name && !(v->name = strdup(name)))) {
        if (v)
            emu_volume_remove(c->st, v->id);
        emu_reply_message(c, 500, "Out of memory");
        return;
    }
    v->size_gb = size;
    v->deletion_protection = protection;
    v->status = EMU_VOL_CREATING;
    r = emu_request_add(c->st, EMU_REQ_CREATE, v->id);
    if (!request_or_500(c, r)) {
        emu_volume_remove(c->st, v->id);
        return;
    }
    c->changed = true;
    emu_reply(c, 202, json_pack("{ss ss ss}", "storage_id", v->id, "request_id", r->id, "message",
                                "Storage volume creation started"));
}

void emu_handle_storage_destroy(struct emu_call *c)
{
    struct emu_volume *v = volume_or_404(c, c->params[0]);
    struct emu_request *r;

    if (!v)
        return;
    if (v->deletion_protection) {
        emu_reply_message(c, 409, "Deletion protection is enabled for storage volume %s", v->id);
        return;
    }
    if (v->status == EMU_VOL_DELETING) {
        emu_reply_message(c, 409, "Storage volume %s is already being deleted", v->id);
        return;
    }
    if (v->n_clusters > 0 || emu_request_pending(c->st, EMU_REQ_ATTACH, v->id, NULL)) {
        emu_reply_message(c, 409, "Storage volume %s is attached to a cluster: detach it first",
                          v->id);
        return;
    }
    r = emu_request_add(c->st, EMU_REQ_DESTROY, v->id);
    if (!request_or_500(c, r))
        return;
    v->status = EMU_VOL_DELETING;
    c->changed = true;
    emu_reply(c, 202, json_pack("{ss ss ss}", "storage_id", v->id, "request_id", r->id, "message",
                                "Storage volume deletion started"));
}

/* Reads the edit body into e; false when a reply (422) was set. */
static bool read_edit(struct emu_call *c, struct emu_edit *e)
{
    struct emu_body b;
    const char *name = NULL;

    if (!emu_body_begin(c, &b))
        return false;
    e->has_name = emu_body_string(&b, "tp_storage_name", false, false, &name);
    e->has_protection = emu_body_bool(&b, "deletion_protection", false, &e->protection);
    e->has_size = emu_body_int(&b, "size_gb", false, 1, &e->size_gb);
    if (json_array_size(b.errors) == 0 && !e->has_name && !e->has_protection && !e->has_size)
        emu_body_error(&b, "At least one of tp_storage_name, deletion_protection, size_gb is required",
                       "value_error");
    if (!emu_body_end(&b))
        return false;
    e->name = NULL;
    if (name && !(e->name = strdup(name))) {
        emu_reply_message(c, 500, "Out of memory");
        return false;
    }
    return true;
}

void emu_handle_storage_edit(struct emu_call *c)
{
    struct emu_edit e = {0};
    struct emu_volume *v;
    struct emu_request *r;

    if (!read_edit(c, &e))
        return;
    v = volume_or_404(c, c->params[0]);
    if (!v) {
        free(e.name);
        return;
    }
    if (e.has_size && e.size_gb < v->size_gb) {
        emu_reply_message(c, 400, "Storage volume size cannot shrink (from %lld GB to %lld GB)",
                          (long long)v->size_gb, (long long)e.size_gb);
    } else if (v->status == EMU_VOL_DELETING) {
        emu_reply_message(c, 409, "Storage volume %s is being deleted", v->id);
    } else if ((r = emu_request_add(c->st, EMU_REQ_EDIT, v->id)) != NULL) {
        r->edit = e;
        c->changed = true;
        emu_reply(c, 202, json_pack("{ss ss}", "request_id", r->id, "message",
                                    "Storage volume update started"));
        return;
    } else {
        emu_reply_message(c, 500, "Out of memory");
    }
    free(e.name);
}

/* Validates the attach body; returns the one cluster id or NULL (replied). */
static const char *read_attach(struct emu_call *c, const char **storage_id)
{
    struct emu_body b;
    json_t *clusters = NULL;

    if (!emu_body_begin(c, &b))
        return NULL;
    emu_body_string(&b, "storage_id", true, false, storage_id);
    emu_body_string_list(&b, "cluster_ids", true, &clusters);
    if (!emu_body_end(&b))
        return NULL;
    if (json_array_size(clusters) != 1) {
        emu_reply_message(c, 400, "Exactly one cluster id is required (got %zu)",
                          json_array_size(clusters));
        return NULL;
    }
    return json_string_value(json_array_get(clusters, 0));
}

static bool cluster_exists_or_404(struct emu_call *c, const char *cluster)
{
    /* The emulator has no clusters of its own: any "c-..." id exists. */
    if (strncmp(cluster, "c-", 2) == 0 && cluster[2] != '\0')
        return true;
    emu_reply_message(c, 404, "Cluster %s not found", cluster);
    return false;
}

void emu_handle_storage_attach(struct emu_call *c)
{
    const char *id = NULL, *cluster = read_attach(c, &id);
    struct emu_volume *v;
    struct emu_request *r;

    if (!cluster || !(v = volume_or_404(c, id)) || !cluster_exists_or_404(c, cluster))
        return;
    if (v->status != EMU_VOL_READY) {
        emu_reply_message(c, 409, "Storage volume %s is not ready (status %s)", v->id,
                          emu_volume_status_name(v->status));
        return;
    }
    if (emu_volume_has_cluster(v, cluster) ||
        emu_request_pending(c->st, EMU_REQ_ATTACH, v->id, cluster)) {
        emu_reply_message(c, 409, "Storage volume %s is already attached to cluster %s", v->id,
                          cluster);
        return;
    }
    r = emu_request_add(c->st, EMU_REQ_ATTACH, v->id);
    if (!request_or_500(c, r) || !(r->cluster = strdup(cluster))) {
        if (r)
            r->applied = true; /* an empty shell: never apply it */
        emu_reply_message(c, 500, "Out of memory");
        return;
    }
    c->changed = true;
    emu_reply(c, 202, json_pack("{s[s] ss s[s] ss}", "request_ids", r->id, "storage_id", v->id,
                                "cluster_ids", cluster, "message",
                                "Attaching storage restarts all cluster nodes"));
}

void emu_handle_storage_detach(struct emu_call *c)
{
    struct emu_body b;
    const char *id = NULL, *cluster = NULL;
    struct emu_volume *v;
    struct emu_request *r;

    if (!emu_body_begin(c, &b))
        return;
    emu_body_string(&b, "storage_id", true, false, &id);
    emu_body_string(&b, "cluster_id", true, false, &cluster);
    if (!emu_body_end(&b) || !(v = volume_or_404(c, id)))
        return;
    if (!emu_volume_has_cluster(v, cluster)) {
        emu_reply_message(c, 409, "Storage volume %s is not attached to cluster %s", v->id, cluster);
        return;
    }
    if (emu_request_pending(c->st, EMU_REQ_DETACH, v->id, cluster)) {
        emu_reply_message(c, 409, "Storage volume %s is already being detached from cluster %s",
                          v->id, cluster);
        return;
    }
    r = emu_request_add(c->st, EMU_REQ_DETACH, v->id);
    if (!request_or_500(c, r) || !(r->cluster = strdup(cluster))) {
        if (r)
            r->applied = true;
        emu_reply_message(c, 500, "Out of memory");
        return;
    }
    c->changed = true;
    emu_reply(c, 202, json_pack("{ss ss ss ss}", "request_id", r->id, "storage_id", v->id,
                                "cluster_id", cluster, "message",
                                "Detaching storage restarts all cluster nodes"));
}

void emu_handle_storage_list(struct emu_call *c)
{
    /* include_org (True/true/...) is accepted and changes nothing: the
     * emulator has one owner for everything. */
    char *text = emu_render_list(c->st->volumes, c->st->n_volumes);
    json_t *reply, *list;

    if (!text) {
        emu_reply_message(c, 500, "Out of memory");
        return;
    }
    reply = json_pack("{ss}", "message", text);
    free(text);
    if (c->st->cfg.list_format != EMU_LIST_TEXT) {
        list = json_array();
        for (size_t i = 0; i < c->st->n_volumes; i++)
            json_array_append_new(list, emu_volume_json(c->st->volumes[i]));
        json_object_set_new(reply, "volumes", list);
    }
    emu_reply(c, 200, reply);
}

void emu_handle_storage_info(struct emu_call *c)
{
    struct emu_volume *v = volume_or_404(c, c->params[0]);
    char *text;
    json_t *reply;

    if (!v)
        return;
    text = emu_render_info(v);
    if (!text) {
        emu_reply_message(c, 500, "Out of memory");
        return;
    }
    reply = json_pack("{ss}", "message", text);
    free(text);
    if (c->st->cfg.list_format != EMU_LIST_TEXT)
        json_object_set_new(reply, "storage_info", emu_volume_json(v));
    emu_reply(c, 200, reply);
}
