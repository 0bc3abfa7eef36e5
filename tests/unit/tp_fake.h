/* tp_fake.h - header-only fakes for the TensorPool client tests: a virtual clock and a scripted, recording HTTP server that can also act as a tiny in-memory TensorPool API. */
#ifndef TP_FAKE_H
#define TP_FAKE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensorpool/tp_ops.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

/* ------------------------------------------------------------------ clock */

/* Virtual time: now_ns returns a counter, sleep_ns advances it. Atomic, so
 * several client threads may share it. */
struct fake_clock {
    int64_t now;
    int64_t slept;
    long n_sleeps;
};

static inline int64_t fake_clock_now(void *ctx)
{
    struct fake_clock *k = ctx;
    return __atomic_load_n(&k->now, __ATOMIC_SEQ_CST);
}

static inline void fake_clock_sleep(void *ctx, int64_t ns)
{
    struct fake_clock *k = ctx;
    if (ns < 0) /* the client must never ask for a negative sleep */
        abort();
    __atomic_add_fetch(&k->now, ns, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&k->slept, ns, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&k->n_sleeps, 1, __ATOMIC_SEQ_CST);
}

static inline const struct tp_clock_ops *fake_clock_ops(void)
{
    static const struct tp_clock_ops ops = {.now_ns = fake_clock_now, .sleep_ns = fake_clock_sleep};
    return &ops;
}

static inline void fake_clock_init(struct fake_clock *k)
{
    memset(k, 0, sizeof *k);
    k->now = 1000 * NS_PER_S; /* far from 0, which tp_opts reads as "no deadline" */
}

/* ------------------------------------------------------------------- http */

enum fake_out {
    FAKE_ANSWER = 0, /* an HTTP answer: status/body (model mode, status 0: the model's answer) */
    FAKE_NOT_SENT,
    FAKE_LOST,
    FAKE_TIMEOUT,
};

/* One scripted exchange. In strict mode (no model) requests must match the
 * steps in order; in model mode the first unused step matching a request
 * overrides the model's answer, and apply says whether the model performs
 * the request first ("applied, then the answer was lost"). */
struct fake_step {
    const char *method;
    const char *prefix; /* path prefix, e.g. "/storage/info/" */
    enum fake_out out;
    long status;
    const char *body;
    long retry_after; /* used when has_retry_after */
    bool has_retry_after;
    bool apply;
    int times;        /* 0 or 1: once; n: n times; -1: forever */
    int64_t took_ns;  /* virtual time the exchange takes */
};

struct fake_rec {
    char method[16];
    char url[512];
    char path[512];
    char bearer[256];
    char *body;
    long timeout_ms, connect_timeout_ms;
    int64_t t_start, t_end;
};

#define FAKE_MAX_STEPS 64
#define FAKE_MAX_VOLS 32
#define FAKE_MAX_REQS 128
#define FAKE_MAX_CL 8

enum fake_op { OP_NONE, OP_READY, OP_REMOVE, OP_ADD_CLUSTER, OP_DEL_CLUSTER };

struct fake_vol {
    bool used;
    char id[32];
    char name[128];
    long size;
    char status[24];
    bool protect;
    int n_cl;
    char cl[FAKE_MAX_CL][32];
    /* a change in progress: applied when its request completes, or after
     * op_reads more info reads */
    enum fake_op op;
    char op_arg[32];
    int op_reads;
    char op_req[32];
};

struct fake_req {
    char id[32];
    char type[32];
    char vol[32];
    int polls_left;
    bool fail;
};

struct fake {
    pthread_mutex_t mu;
    struct fake_clock *clock;
    char engine[128];
    struct fake_step steps[FAKE_MAX_STEPS];
    int uses[FAKE_MAX_STEPS];
    size_t n_steps, next;
    struct fake_rec *recs;
    size_t n_recs, cap_recs;
    int unexpected;
    char unexpected_what[256];
    bool destroyed;
    /* the model */
    bool model;
    bool structured;     /* list and info as JSON fields, not the text the real API prints */
    int settle_reads;    /* info reads that still show a change in progress */
    int req_polls;       /* request polls answered PROCESSING before COMPLETED */
    long req_retry_after; /* Retry-After on request polls; -1: none */
    bool fail_requests;  /* requests end FAILED */
    struct fake_vol vols[FAKE_MAX_VOLS];
    struct fake_req reqs[FAKE_MAX_REQS];
    size_t n_reqs;
    int next_id;
};

static inline void fake_init(struct fake *f, struct fake_clock *k, const char *engine)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->clock = k;
    snprintf(f->engine, sizeof f->engine, "%s", engine);
    f->req_retry_after = -1;
}

static inline void fake_free(struct fake *f)
{
    for (size_t i = 0; i < f->n_recs; i++)
        free(f->recs[i].body);
    free(f->recs);
    pthread_mutex_destroy(&f->mu);
}

static inline void fake_push(struct fake *f, struct fake_step s)
{
    if (f->n_steps == FAKE_MAX_STEPS)
        abort();
    f->steps[f->n_steps++] = s;
}

static inline bool fake_step_matches(const struct fake_step *s, const char *method, const char *path)
{
    return strcmp(s->method, method) == 0 && strncmp(path, s->prefix, strlen(s->prefix)) == 0;
}

static inline bool fake_step_left(const struct fake *f, size_t i)
{
    int times = f->steps[i].times ? f->steps[i].times : 1;
    return times < 0 || f->uses[i] < times;
}

/* Every scripted step was used (steps that repeat forever excepted). */
static inline bool fake_script_done(const struct fake *f)
{
    for (size_t i = 0; i < f->n_steps; i++)
        if (f->steps[i].times >= 0 && fake_step_left(f, i))
            return false;
    return true;
}

/* Requests recorded whose method and path prefix match (method NULL: any). */
static inline size_t fake_count(struct fake *f, const char *method, const char *prefix)
{
    size_t n = 0;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->n_recs; i++)
        if ((!method || strcmp(f->recs[i].method, method) == 0) &&
            strncmp(f->recs[i].path, prefix, strlen(prefix)) == 0)
            n++;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* The i-th recorded request matching method and prefix; NULL if none. */
static inline const struct fake_rec *fake_nth(struct fake *f, const char *method, const char *prefix, size_t nth)
{
    for (size_t i = 0; i < f->n_recs; i++)
        if ((!method || strcmp(f->recs[i].method, method) == 0) &&
            strncmp(f->recs[i].path, prefix, strlen(prefix)) == 0 && nth-- == 0)
            return &f->recs[i];
    return NULL;
}

/* ------------------------------------------------------------------ model */

static inline struct fake_vol *fake_vol_by_id(struct fake *f, const char *id)
{
    for (size_t i = 0; i < FAKE_MAX_VOLS; i++)
        if (f->vols[i].used && strcmp(f->vols[i].id, id) == 0)
            return &f->vols[i];
    return NULL;
}

/* Adds a volume; returns it (its id is "s-vol0001", "s-vol0002", ...). */
static inline struct fake_vol *fake_add_volume(struct fake *f, const char *name, long size, const char *status,
                                               bool protect)
{
    for (size_t i = 0; i < FAKE_MAX_VOLS; i++) {
        struct fake_vol *v = &f->vols[i];
        if (v->used)
            continue;
        memset(v, 0, sizeof *v);
        v->used = true;
        snprintf(v->id, sizeof v->id, "s-vol%04d", ++f->next_id);
        snprintf(v->name, sizeof v->name, "%s", name ? name : "");
        v->size = size;
        snprintf(v->status, sizeof v->status, "%s", status);
        v->protect = protect;
        return v;
    }
    abort();
}

static inline void fake_vol_add_cluster(struct fake_vol *v, const char *cl)
{
    for (int i = 0; i < v->n_cl; i++)
        if (strcmp(v->cl[i], cl) == 0)
            return;
    if (v->n_cl < FAKE_MAX_CL)
        snprintf(v->cl[v->n_cl++], sizeof v->cl[0], "%s", cl);
}

static inline void fake_vol_del_cluster(struct fake_vol *v, const char *cl)
{
    for (int i = 0; i < v->n_cl; i++)
        if (strcmp(v->cl[i], cl) == 0) {
            memmove(v->cl[i], v->cl[i + 1], (size_t)(v->n_cl - i - 1) * sizeof v->cl[0]);
            v->n_cl--;
            return;
        }
}

/* How many volumes are named name. */
static inline size_t fake_volumes_named(struct fake *f, const char *name)
{
    size_t n = 0;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < FAKE_MAX_VOLS; i++)
        if (f->vols[i].used && strcmp(f->vols[i].name, name) == 0)
            n++;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static inline size_t fake_volume_total(struct fake *f)
{
    size_t n = 0;
    for (size_t i = 0; i < FAKE_MAX_VOLS; i++)
        n += f->vols[i].used;
    return n;
}

static inline void fake_apply_op(struct fake_vol *v)
{
    switch (v->op) {
    case OP_READY: snprintf(v->status, sizeof v->status, "READY"); break;
    case OP_REMOVE: v->used = false; break;
    case OP_ADD_CLUSTER: fake_vol_add_cluster(v, v->op_arg); break;
    case OP_DEL_CLUSTER: fake_vol_del_cluster(v, v->op_arg); break;
    case OP_NONE: break;
    }
    v->op = OP_NONE;
}

static inline const char *fake_new_request(struct fake *f, const char *type, struct fake_vol *v, enum fake_op op,
                                           const char *arg)
{
    if (f->n_reqs == FAKE_MAX_REQS)
        abort();
    struct fake_req *r = &f->reqs[f->n_reqs++];
    snprintf(r->id, sizeof r->id, "req-%03zu", f->n_reqs);
    snprintf(r->type, sizeof r->type, "%s", type);
    snprintf(r->vol, sizeof r->vol, "%s", v->id);
    r->polls_left = f->req_polls;
    r->fail = f->fail_requests;
    v->op = op;
    snprintf(v->op_arg, sizeof v->op_arg, "%s", arg ? arg : "");
    v->op_reads = f->settle_reads;
    snprintf(v->op_req, sizeof v->op_req, "%s", r->id);
    return r->id;
}

static inline json_t *fake_vol_json(const struct fake_vol *v)
{
    json_t *cl = json_array();
    for (int i = 0; i < v->n_cl; i++)
        json_array_append_new(cl, json_string(v->cl[i]));
    return json_pack("{s:s, s:s, s:I, s:s, s:b, s:o}", "storage_id", v->id, "name", v->name, "size_gb",
                     (json_int_t)v->size, "status", v->status, "deletion_protection", v->protect,
                     "attached_clusters", cl);
}

static inline void fake_vol_clusters_text(const struct fake_vol *v, char *out, size_t len)
{
    out[0] = 0;
    for (int i = 0; i < v->n_cl; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "", v->cl[i]);
    if (!*out)
        snprintf(out, len, "-");
}

/* The text the real API prints in "message" for GET /storage/list. */
static inline char *fake_list_text(struct fake *f)
{
    size_t cap = 8192, n = 0;
    char *s = malloc(cap);
    if (fake_volume_total(f) == 0) {
        snprintf(s, cap, "No storage volumes found.");
        return s;
    }
    n += (size_t)snprintf(s + n, cap - n,
                          "Storage volumes (%zu):\n"
                          "| ID | Name | Size (GB) | Status | Attached clusters | Deletion protection |\n"
                          "|---|---|---|---|---|---|\n",
                          fake_volume_total(f));
    for (size_t i = 0; i < FAKE_MAX_VOLS; i++) {
        const struct fake_vol *v = &f->vols[i];
        if (!v->used)
            continue;
        char cl[512];
        fake_vol_clusters_text(v, cl, sizeof cl);
        n += (size_t)snprintf(s + n, cap - n, "| %s | %s | %ld | %s | %s | %s |\n", v->id, *v->name ? v->name : "-",
                              v->size, v->status, cl, v->protect ? "Yes" : "No");
    }
    return s;
}

static inline char *fake_info_text(const struct fake_vol *v)
{
    char cl[512];
    fake_vol_clusters_text(v, cl, sizeof cl);
    char *s = malloc(2048);
    snprintf(s, 2048,
             "Storage volume %s\nID: %s\nName: %s\nSize: %ld GB\nStatus: %s\nAttached clusters: %s\n"
             "Deletion protection: %s",
             v->id, v->id, *v->name ? v->name : "-", v->size, v->status, cl, v->protect ? "Yes" : "No");
    return s;
}

struct fake_answer {
    long status;
    char *body; /* malloc'd */
    long retry_after;
};

static inline struct fake_answer fake_json_answer(long status, json_t *j)
{
    struct fake_answer a = {.status = status, .body = json_dumps(j, JSON_COMPACT), .retry_after = -1};
    json_decref(j);
    return a;
}

static inline struct fake_answer fake_detail(long status, const char *detail)
{
    return fake_json_answer(status, json_pack("{s:s}", "detail", detail));
}

/* The model's answer to one request. Called with f->mu held. */
static inline struct fake_answer fake_model(struct fake *f, const char *method, const char *path, const char *body)
{
    json_t *in = body ? json_loads(body, 0, NULL) : NULL;
    struct fake_answer a;
    const char *id;
    if (strcmp(method, "GET") == 0 && strncmp(path, "/storage/list", 13) == 0) {
        if (f->structured) {
            json_t *arr = json_array();
            for (size_t i = 0; i < FAKE_MAX_VOLS; i++)
                if (f->vols[i].used)
                    json_array_append_new(arr, fake_vol_json(&f->vols[i]));
            a = fake_json_answer(200, json_pack("{s:s, s:o}", "message", "volumes", "volumes", arr));
        } else {
            char *text = fake_list_text(f);
            a = fake_json_answer(200, json_pack("{s:s}", "message", text));
            free(text);
        }
    } else if (strcmp(method, "GET") == 0 && strncmp(path, "/storage/info/", 14) == 0) {
        struct fake_vol *v = fake_vol_by_id(f, path + 14);
        if (v && v->op != OP_NONE && v->op_reads-- <= 0)
            fake_apply_op(v);
        if (!v || !v->used) {
            a = fake_detail(404, "Storage volume not found");
        } else if (f->structured) {
            a = fake_json_answer(200, json_pack("{s:o}", "storage_info", fake_vol_json(v)));
        } else {
            char *text = fake_info_text(v);
            a = fake_json_answer(200, json_pack("{s:s}", "message", text));
            free(text);
        }
    } else if (strcmp(method, "POST") == 0 && strcmp(path, "/storage/create") == 0) {
        json_t *size = json_object_get(in, "size"), *name = json_object_get(in, "name");
        if (!json_is_integer(size) || !json_is_string(name)) {
            a = fake_json_answer(422, json_pack("{s:[{s:[s,s], s:s}]}", "detail", "loc", "body", "size", "msg",
                                                "field required"));
        } else {
            struct fake_vol *v = fake_add_volume(f, json_string_value(name), (long)json_integer_value(size),
                                                 "CREATING", json_is_true(json_object_get(in, "deletion_protection")));
            const char *req = fake_new_request(f, "STORAGE_CREATE", v, OP_READY, NULL);
            a = fake_json_answer(202, json_pack("{s:s, s:s, s:s}", "message", "Storage volume creation started",
                                                "storage_id", v->id, "request_id", req));
        }
    } else if (strcmp(method, "DELETE") == 0 && strncmp(path, "/storage/", 9) == 0) {
        struct fake_vol *v = fake_vol_by_id(f, path + 9);
        if (!v) {
            a = fake_detail(404, "Storage volume not found");
        } else if (v->protect) {
            a = fake_detail(409, "Deletion protection is enabled for this storage volume");
        } else {
            snprintf(v->status, sizeof v->status, "DELETING");
            const char *req = fake_new_request(f, "STORAGE_DESTROY", v, OP_REMOVE, NULL);
            a = fake_json_answer(202, json_pack("{s:s}", "request_id", req));
        }
    } else if (strcmp(method, "POST") == 0 &&
               (strcmp(path, "/storage/attach") == 0 || strcmp(path, "/storage/detach") == 0)) {
        bool attach = strcmp(path, "/storage/attach") == 0;
        id = json_string_value(json_object_get(in, "storage_id"));
        json_t *cl = attach ? json_array_get(json_object_get(in, "cluster_ids"), 0) : json_object_get(in, "cluster_id");
        struct fake_vol *v = id ? fake_vol_by_id(f, id) : NULL;
        if (!v || !json_is_string(cl)) {
            a = fake_detail(404, "Storage volume not found");
        } else {
            const char *req = fake_new_request(f, attach ? "STORAGE_ATTACH" : "STORAGE_DETACH", v,
                                               attach ? OP_ADD_CLUSTER : OP_DEL_CLUSTER, json_string_value(cl));
            a = attach ? fake_json_answer(202, json_pack("{s:[s]}", "request_ids", req))
                       : fake_json_answer(202, json_pack("{s:s}", "request_id", req));
        }
    } else if (strcmp(method, "PATCH") == 0 && strncmp(path, "/storage/edit/", 14) == 0) {
        struct fake_vol *v = fake_vol_by_id(f, path + 14);
        if (!v) {
            a = fake_detail(404, "Storage volume not found");
        } else {
            json_t *x;
            if (json_is_string(x = json_object_get(in, "tp_storage_name")))
                snprintf(v->name, sizeof v->name, "%s", json_string_value(x));
            if (json_is_boolean(x = json_object_get(in, "deletion_protection")))
                v->protect = json_is_true(x);
            if (json_is_integer(x = json_object_get(in, "size_gb")))
                v->size = (long)json_integer_value(x);
            a = fake_json_answer(200, json_pack("{s:s}", "message", "updated"));
        }
    } else if (strcmp(method, "GET") == 0 && strncmp(path, "/request/info/", 14) == 0) {
        struct fake_req *r = NULL;
        for (size_t i = 0; i < f->n_reqs; i++)
            if (strcmp(f->reqs[i].id, path + 14) == 0)
                r = &f->reqs[i];
        if (!r) {
            a = fake_detail(404, "Request not found");
        } else {
            const char *status = "PROCESSING";
            if (r->polls_left-- <= 0) {
                status = r->fail ? "FAILED" : "COMPLETED";
                struct fake_vol *v = fake_vol_by_id(f, r->vol);
                if (v && strcmp(v->op_req, r->id) == 0) {
                    if (r->fail)
                        v->op = OP_NONE;
                    else
                        fake_apply_op(v);
                }
            }
            a = fake_json_answer(200, json_pack("{s:s, s:s, s:s, s:s, s:s?}", "request_id", r->id, "request_type",
                                                r->type, "status", status, "object_id", r->vol, "external_message",
                                                r->fail ? "the provider refused" : NULL));
            a.retry_after = f->req_retry_after;
        }
    } else {
        a = fake_detail(404, "Not Found");
    }
    json_decref(in);
    return a;
}

static inline enum tp_http_result fake_perform(void *ctx, const struct tp_http_request *req,
                                               struct tp_http_response *resp, char *errbuf, size_t errlen)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    if (f->n_recs == f->cap_recs) {
        f->cap_recs = f->cap_recs ? 2 * f->cap_recs : 64;
        f->recs = realloc(f->recs, f->cap_recs * sizeof *f->recs);
    }
    struct fake_rec *rec = &f->recs[f->n_recs++];
    memset(rec, 0, sizeof *rec);
    snprintf(rec->method, sizeof rec->method, "%s", req->method);
    snprintf(rec->url, sizeof rec->url, "%s", req->url);
    size_t el = strlen(f->engine);
    snprintf(rec->path, sizeof rec->path, "%s", strncmp(req->url, f->engine, el) == 0 ? req->url + el : req->url);
    snprintf(rec->bearer, sizeof rec->bearer, "%s", req->bearer ? req->bearer : "");
    rec->body = req->body ? strdup(req->body) : NULL;
    rec->timeout_ms = req->timeout_ms;
    rec->connect_timeout_ms = req->connect_timeout_ms;
    rec->t_start = fake_clock_now(f->clock);
    char path[512];
    snprintf(path, sizeof path, "%s", rec->path);

    const struct fake_step *s = NULL;
    if (f->model) {
        for (size_t i = 0; i < f->n_steps && !s; i++)
            if (fake_step_left(f, i) && fake_step_matches(&f->steps[i], req->method, path)) {
                f->uses[i]++;
                s = &f->steps[i];
            }
    } else {
        while (f->next < f->n_steps && !fake_step_left(f, f->next))
            f->next++;
        if (f->next < f->n_steps && fake_step_matches(&f->steps[f->next], req->method, path)) {
            f->uses[f->next]++;
            s = &f->steps[f->next];
        }
    }

    struct fake_answer a = {.status = 0, .retry_after = -1};
    enum tp_http_result result = TP_HTTP_OK;
    if (!s && !f->model) {
        if (!f->unexpected++)
            snprintf(f->unexpected_what, sizeof f->unexpected_what, "%.15s %.200s", req->method, path);
        a = fake_detail(418, "unexpected request");
    } else if (!s) {
        a = fake_model(f, req->method, path, req->body);
    } else {
        if (f->model && (s->apply || (s->out == FAKE_ANSWER && s->status == 0))) {
            a = fake_model(f, req->method, path, req->body);
            if (s->out != FAKE_ANSWER || s->status != 0) {
                free(a.body);
                a.body = NULL;
            }
        }
        if (s->took_ns)
            fake_clock_sleep(f->clock, s->took_ns);
        if (s->out == FAKE_ANSWER && s->status != 0) {
            a.status = s->status;
            a.body = strdup(s->body ? s->body : "");
            a.retry_after = s->has_retry_after ? s->retry_after : -1;
        } else if (s->out != FAKE_ANSWER) {
            result = s->out == FAKE_NOT_SENT ? TP_HTTP_NOT_SENT : s->out == FAKE_LOST ? TP_HTTP_LOST : TP_HTTP_TIMEOUT;
            snprintf(errbuf, errlen, "%s", s->out == FAKE_NOT_SENT ? "fake: connection refused"
                                           : s->out == FAKE_LOST   ? "fake: connection reset"
                                                                   : "fake: operation timed out");
        }
    }
    if (result == TP_HTTP_OK && !a.body) { /* strict mode, status 0: an empty object */
        a.status = 200;
        a.body = strdup("{}");
    }
    if (result == TP_HTTP_OK) {
        resp->status = a.status;
        resp->body = a.body;
        resp->body_len = strlen(a.body);
        resp->retry_after_s = a.retry_after;
    } else {
        resp->body = NULL;
    }
    rec->t_end = fake_clock_now(f->clock);
    pthread_mutex_unlock(&f->mu);
    return result;
}

static inline void fake_destroy(void *ctx)
{
    struct fake *f = ctx;
    f->destroyed = true;
}

static inline const struct tp_http_ops *fake_http_ops(void)
{
    static const struct tp_http_ops ops = {.perform = fake_perform, .destroy = fake_destroy};
    return &ops;
}

#endif
