/* storage.c - TensorPool storage volumes: list, info, create, destroy,
 * edit, attach, detach.
 *
 * Every mutation that may have reached the server without an answer is
 * followed by a look at the server's state (the volume by name, or its
 * info) before anything is sent again: creating twice makes two volumes,
 * and attaching twice restarts a cluster's nodes twice.
 */
#include <stdlib.h>
#include <string.h>

#include "tensorpool/client-int.h"
#include "tensorpool/parse.h"

#define SETTLE_POLL_NS 1000000000LL
#define VERIFY_WINDOW_NS 30000000000LL

static enum tp_err get(struct tp_client *c, const struct tp_opts *o, struct tp_call *call, struct tp_answer *ans,
                       struct tp_error *err)
{
    bool maybe;
    enum tp_err rc = tp_exchange(c, o, call, ans, &maybe, err);
    if (rc == TP_OK && !ans->obj)
        rc = tp_fail(err, TP_E_PROTOCOL, ans->status, "%s %s: empty answer", call->method, call->path);
    return rc;
}

enum tp_err tp_health(struct tp_client *c, const struct tp_opts *o, struct tp_error *err)
{
    struct tp_call call = {.method = "POST", .path = "/health", .safe = true};
    call.body = json_pack("{s:s, s:s}", "package_version", "tensorpool-csi", "uname", "Linux");
    struct tp_answer ans;
    bool maybe;
    enum tp_err rc = tp_exchange(c, o, &call, &ans, &maybe, err);
    json_decref(call.body);
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_volume_list(struct tp_client *c, const struct tp_opts *o, struct tp_volume **vols, size_t *n,
                           struct tp_error *err)
{
    struct tp_call call = {.method = "GET", .safe = true};
    snprintf(call.path, sizeof call.path, "/storage/list%s", c->include_org ? "?include_org=true" : "");
    struct tp_answer ans;
    *vols = NULL;
    *n = 0;
    enum tp_err rc = get(c, o, &call, &ans, err);
    char msg[128];
    if (rc == TP_OK && (rc = tp_parse_volume_list(ans.obj, vols, n, msg, sizeof msg)) != TP_OK)
        tp_fail(err, rc, ans.status, "%s", msg);
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_volume_info(struct tp_client *c, const struct tp_opts *o, const char *id, struct tp_volume *out,
                           struct tp_error *err)
{
    struct tp_call call = {.method = "GET", .safe = true};
    if (!tp_path_safe(id))
        return tp_fail(err, TP_E_INVALID, 0, "invalid storage id");
    if (!tp_call_path(&call, err, "/storage/info/%s", id))
        return err->code;
    struct tp_answer ans;
    enum tp_err rc = get(c, o, &call, &ans, err);
    char msg[128];
    if (rc == TP_OK && (rc = tp_parse_volume_info(ans.obj, out, msg, sizeof msg)) != TP_OK)
        tp_fail(err, rc, ans.status, "%s", msg);
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_volume_find(struct tp_client *c, const struct tp_opts *o, const char *name, struct tp_volume *out,
                           size_t *n_found, struct tp_error *err)
{
    struct tp_volume *vols;
    size_t n;
    *n_found = 0;
    enum tp_err rc = tp_volume_list(c, o, &vols, &n, err);
    for (size_t i = 0; rc == TP_OK && i < n; i++)
        if (strcmp(vols[i].name, name) == 0 && (*n_found)++ == 0)
            *out = vols[i];
    free(vols);
    return rc;
}

static bool status_is(const char *status, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(status, *set) == 0)
            return true;
    return false;
}

/* Waits until volume id leaves its transitional state. */
static enum tp_err wait_settled(struct tp_client *c, const struct tp_opts *o, const char *id, struct tp_volume *out,
                                struct tp_error *err)
{
    static const char *const busy[] = {"CREATING", "PENDING", "PROVISIONING", "PROCESSING", "RESIZING", NULL};
    static const char *const broken[] = {"FAILED", "ERROR", NULL};
    for (;;) {
        enum tp_err rc = tp_volume_info(c, o, id, out, err);
        if (rc == TP_E_NOT_FOUND)
            return tp_fail(err, TP_E_FAILED, 404, "storage volume %s disappeared while being created", id);
        if (rc != TP_OK)
            return rc;
        if (status_is(out->status, broken))
            return tp_fail(err, TP_E_FAILED, 0, "storage volume %s is %s", id, out->status);
        if (!status_is(out->status, busy))
            return TP_OK;
        if ((rc = tp_pause(c, o, SETTLE_POLL_NS, err)) != TP_OK)
            return rc;
    }
}

/* Waits for the request named by key (a string or a one-element array) in
 * a 202 answer; an answer without one is taken as done. */
static enum tp_err wait_answer_request(struct tp_client *c, const struct tp_opts *o, json_t *obj, const char *key,
                                       struct tp_error *err)
{
    json_t *v = json_object_get(obj, key);
    size_t i;
    json_t *e;
    struct tp_request r;
    if (json_is_string(v))
        return tp_request_wait(c, o, json_string_value(v), &r, err);
    json_array_foreach(v, i, e) {
        enum tp_err rc = json_is_string(e) ? tp_request_wait(c, o, json_string_value(e), &r, err) : TP_OK;
        if (rc != TP_OK)
            return rc;
    }
    return TP_OK;
}

/* '|' would break the text table that lists volumes by name. */
static bool name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= TP_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '|')
            return false;
    return true;
}

/* One POST /storage/create; on success waits for its request and returns the id. */
static enum tp_err send_create(struct tp_client *c, const struct tp_opts *o, const char *name, long size_gb,
                               bool protect, char *id, bool *maybe, struct tp_error *err)
{
    struct tp_call call = {.method = "POST", .path = "/storage/create"};
    call.body = json_pack("{s:I, s:s, s:b}", "size", (json_int_t)size_gb, "name", name, "deletion_protection", protect);
    struct tp_answer ans;
    enum tp_err rc = tp_exchange(c, o, &call, &ans, maybe, err);
    json_decref(call.body);
    if (rc == TP_OK && !(ans.obj && tp_parse_string(ans.obj, "storage_id", id, TP_ID_MAX) && tp_path_safe(id)))
        rc = tp_fail(err, TP_E_PROTOCOL, ans.status, "create answer has no valid storage_id");
    if (rc == TP_OK)
        rc = wait_answer_request(c, o, ans.obj, "request_id", err);
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_volume_create(struct tp_client *c, const struct tp_opts *o, const char *name, long size_gb,
                             bool deletion_protection, struct tp_volume *out, struct tp_error *err)
{
    if (!name_ok(name) || size_gb < 1)
        return tp_fail(err, TP_E_INVALID, 0, "a volume needs a name and a size of at least 1 GB");
    for (int attempt = 1;; attempt++) {
        size_t found;
        enum tp_err rc = tp_volume_find(c, o, name, out, &found, err);
        if (rc != TP_OK)
            return rc;
        if (found > 1)
            return tp_fail(err, TP_E_CONFLICT, 0, "%zu storage volumes are named %s; remove the extra ones", found,
                           name);
        if (found == 1)
            return wait_settled(c, o, out->id, out, err);
        char id[TP_ID_MAX];
        bool maybe;
        rc = send_create(c, o, name, size_gb, deletion_protection, id, &maybe, err);
        if (rc == TP_OK)
            return wait_settled(c, o, id, out, err);
        if (!maybe || attempt >= c->max_attempts)
            return rc;
        /* It may exist now: look again before sending anything. */
        if ((rc = tp_pause(c, o, tp_backoff_ns(c, attempt), err)) != TP_OK)
            return rc;
    }
}

/* Polls info until cond(volume) holds or the volume is gone (gone_ok),
 * within a bounded window: the verdict after an unanswered mutation. */
static enum tp_err verify(struct tp_client *c, const struct tp_opts *o, const char *id,
                          bool (*cond)(const struct tp_volume *, const char *), const char *arg, bool gone_ok,
                          struct tp_error *err)
{
    struct tp_opts bounded = o ? *o : (struct tp_opts){0};
    int64_t window = c->clock->now_ns(c->clock_ctx) + VERIFY_WINDOW_NS;
    if (!bounded.deadline_ns || bounded.deadline_ns > window)
        bounded.deadline_ns = window;
    for (int attempt = 1;; attempt++) {
        struct tp_volume v;
        enum tp_err rc = tp_volume_info(c, &bounded, id, &v, err);
        if (rc == TP_E_NOT_FOUND && gone_ok)
            return TP_OK;
        if (rc == TP_OK && cond(&v, arg))
            return TP_OK;
        if (rc != TP_OK && rc != TP_E_UNAVAILABLE)
            return rc;
        if ((rc = tp_pause(c, &bounded, tp_backoff_ns(c, attempt), err)) == TP_OK)
            continue;
        bool callers_deadline = o && o->deadline_ns && o->deadline_ns <= bounded.deadline_ns;
        if (rc == TP_E_CANCELLED || callers_deadline)
            return rc;
        return tp_fail(err, TP_E_UNAVAILABLE, 0, "the outcome of a change to %s is not known yet; retry", id);
    }
}

static bool never(const struct tp_volume *v, const char *arg)
{
    (void)v;
    (void)arg;
    return false;
}

/* After an unanswered DELETE: TP_OK once the volume is gone (waiting while
 * it is DELETING); TP_E_CONFLICT when it is still there untouched, so the
 * DELETE must be sent again. */
static enum tp_err after_lost_delete(struct tp_client *c, const struct tp_opts *o, const char *id,
                                     struct tp_error *err)
{
    struct tp_volume v;
    enum tp_err rc = tp_volume_info(c, o, id, &v, err);
    if (rc == TP_E_NOT_FOUND)
        return TP_OK;
    if (rc != TP_OK)
        return rc;
    if (strcmp(v.status, "DELETING") == 0)
        return verify(c, o, id, never, NULL, true, err);
    return tp_fail(err, TP_E_CONFLICT, 0, "storage volume %s is still there", id);
}

enum tp_err tp_volume_destroy(struct tp_client *c, const struct tp_opts *o, const char *id, struct tp_error *err)
{
    struct tp_call call = {.method = "DELETE"};
    if (!tp_path_safe(id))
        return tp_fail(err, TP_E_INVALID, 0, "invalid storage id");
    if (!tp_call_path(&call, err, "/storage/%s", id))
        return err->code;
    for (int attempt = 1;; attempt++) {
        struct tp_answer ans;
        bool maybe;
        enum tp_err rc = tp_exchange(c, o, &call, &ans, &maybe, err);
        if (rc == TP_OK)
            rc = wait_answer_request(c, o, ans.obj, "request_id", err);
        tp_answer_free(&ans);
        /* 409 may mean "already being deleted" (a retry of ours or the CO's) */
        if (rc == TP_OK || (!maybe && rc != TP_E_CONFLICT))
            return rc;
        struct tp_error first = *err;
        rc = after_lost_delete(c, o, id, err);
        if (rc == TP_E_CONFLICT && !maybe) {
            *err = first; /* still there and not deleting: the 409 was about something else */
            return rc;
        }
        if (rc != TP_E_CONFLICT || attempt >= c->max_attempts)
            return rc;
        if ((rc = tp_pause(c, o, tp_backoff_ns(c, attempt), err)) != TP_OK)
            return rc;
    }
}

enum tp_err tp_volume_edit(struct tp_client *c, const struct tp_opts *o, const char *id, const struct tp_edit *e,
                           struct tp_error *err)
{
    struct tp_call call = {.method = "PATCH", .safe = true}; /* setting values twice is harmless */
    if (!tp_path_safe(id))
        return tp_fail(err, TP_E_INVALID, 0, "invalid storage id");
    if (!tp_call_path(&call, err, "/storage/edit/%s", id))
        return err->code;
    if (e->name && !name_ok(e->name))
        return tp_fail(err, TP_E_INVALID, 0, "a volume name must be 1 to 255 printable bytes without '|'");
    call.body = json_object();
    if (e->name)
        json_object_set_new(call.body, "tp_storage_name", json_string(e->name));
    if (e->deletion_protection >= 0)
        json_object_set_new(call.body, "deletion_protection", json_boolean(e->deletion_protection));
    if (e->size_gb > 0)
        json_object_set_new(call.body, "size_gb", json_integer(e->size_gb));
    enum tp_err rc;
    if (json_object_size(call.body) == 0) {
        rc = tp_fail(err, TP_E_INVALID, 0, "nothing to change");
    } else {
        struct tp_answer ans;
        bool maybe;
        rc = tp_exchange(c, o, &call, &ans, &maybe, err);
        if (rc == TP_OK)
            rc = wait_answer_request(c, o, ans.obj, "request_id", err);
        tp_answer_free(&ans);
    }
    json_decref(call.body);
    return rc;
}

static bool attached_to(const struct tp_volume *v, const char *cluster)
{
    for (size_t i = 0; i < v->n_clusters; i++)
        if (strcmp(v->clusters[i], cluster) == 0)
            return true;
    return false;
}

static bool detached_from(const struct tp_volume *v, const char *cluster) { return !attached_to(v, cluster); }

/* Attach and detach share their shape: check the state, send only if it
 * differs, and after an unanswered send wait to see it change. */
static enum tp_err change_attachment(struct tp_client *c, const struct tp_opts *o, const char *id,
                                     const char *cluster, bool attach, struct tp_error *err)
{
    bool (*done)(const struct tp_volume *, const char *) = attach ? attached_to : detached_from;
    if (!tp_path_safe(id) || !tp_path_safe(cluster))
        return tp_fail(err, TP_E_INVALID, 0, "invalid storage or cluster id");
    struct tp_volume v;
    enum tp_err rc = tp_volume_info(c, o, id, &v, err);
    if (rc != TP_OK || done(&v, cluster))
        return rc;
    struct tp_call call = {.method = "POST", .path = "/storage/detach"};
    if (attach) {
        snprintf(call.path, sizeof call.path, "/storage/attach");
        call.body = json_pack("{s:s, s:[s]}", "storage_id", id, "cluster_ids", cluster);
    } else {
        call.body = json_pack("{s:s, s:s}", "storage_id", id, "cluster_id", cluster);
    }
    struct tp_answer ans;
    bool maybe;
    rc = tp_exchange(c, o, &call, &ans, &maybe, err);
    json_decref(call.body);
    if (rc == TP_OK && (rc = wait_answer_request(c, o, ans.obj, "request_ids", err)) == TP_OK)
        rc = wait_answer_request(c, o, ans.obj, "request_id", err);
    else if (maybe || rc == TP_E_CONFLICT) /* 409: someone else's change got there first */
        rc = verify(c, o, id, done, cluster, false, err);
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_volume_attach(struct tp_client *c, const struct tp_opts *o, const char *id, const char *cluster_id,
                             struct tp_error *err)
{
    return change_attachment(c, o, id, cluster_id, true, err);
}

enum tp_err tp_volume_detach(struct tp_client *c, const struct tp_opts *o, const char *id, const char *cluster_id,
                             struct tp_error *err)
{
    return change_attachment(c, o, id, cluster_id, false, err);
}
