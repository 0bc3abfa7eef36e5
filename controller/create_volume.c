/* create_volume.c - CreateVolume: checks the request, then makes a TensorPool volume, a directory in
 * one, a bucket, or nothing (a prefix), idempotently by the CSI name, and encodes in the volume id
 * all that DeleteVolume will need, since DeleteVolume receives only the id. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "controller/controller.h"
#include "csi/clock.h"
#include "csi/fsop.h"
#include "csi/hostpath.h"

/* TensorPool sizes volumes in decimal gigabytes. */
#define GB 1000000000LL
#define BUCKET_MAX 63
#define BUCKET_CUT 54 /* 54 + "-" + 8 hex digits = 63 */

typedef Csi__V1__CreateVolumeRequest CreateReq;

/* What one create produced: the volume id's parts and the reported size. */
struct made {
    struct vid vid;
    int64_t capacity;
};

/* The name becomes a directory name, an S3 prefix or key, and part of the volume id, so it is held
 * to a set of characters that is safe in all of them. */
static enum csi_err check_name(struct csi_ctx *ctx, const char *name)
{
    if (csi_ctx_check_id(ctx, name, "name"))
        return CSI_E_INVALID;
    if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(name))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "name may only hold the characters A-Z a-z 0-9 . _ - "
                                                "(it is used as a directory name and an S3 key)");
    /* the driver's own names inside a TensorPool volume: its size records and archives */
    if (name[0] == '.' || strncmp(name, "archived-", 9) == 0)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "name may not start with \".\" or \"archived-\"");
    return CSI_OK;
}

static enum csi_err check_capabilities(struct csi_ctx *ctx, const CreateReq *r)
{
    if (r->n_volume_capabilities == 0)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_capabilities is required");
    for (size_t i = 0; i < r->n_volume_capabilities; i++) {
        const Csi__V1__VolumeCapability *c = r->volume_capabilities[i];
        if (c->access_type_case == CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_BLOCK)
            return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_capabilities[%zu]: block access is not supported", i);
        if (c->access_type_case != CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT)
            return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_capabilities[%zu]: access_type must be mount", i);
        /* protobuf-c keeps enum values it does not know, so check against the descriptor. */
        if (!c->access_mode || c->access_mode->mode == CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__UNKNOWN ||
            !protobuf_c_enum_descriptor_get_value(&csi__v1__volume_capability__access_mode__mode__descriptor,
                                                  (int)c->access_mode->mode))
            return csi_ctx_fail(ctx, CSI_E_INVALID, "volume_capabilities[%zu]: access_mode must be a defined mode", i);
    }
    return CSI_OK;
}

static enum csi_err check_range(struct csi_ctx *ctx, const Csi__V1__CapacityRange *cr)
{
    if (!cr)
        return CSI_OK;
    if (cr->required_bytes < 0 || cr->limit_bytes < 0)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "capacity_range: required_bytes and limit_bytes may not be negative");
    if (cr->limit_bytes && cr->required_bytes > cr->limit_bytes)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "capacity_range: limit_bytes %lld is below required_bytes %lld",
                            (long long)cr->limit_bytes, (long long)cr->required_bytes);
    return CSI_OK;
}

/* Every argument check, in the order the errors are reported. */
static enum csi_err check_request(struct csi_ctx *ctx, const CreateReq *r, struct ctl_params *p)
{
    enum csi_err err = check_name(ctx, r->name);
    if (!err)
        err = check_capabilities(ctx, r);
    if (!err) {
        char msg[256];
        if (ctl_params_parse(r->parameters, r->n_parameters, p, msg, sizeof msg) != CSI_OK)
            return csi_ctx_fail(ctx, CSI_E_INVALID, "%s", msg);
    }
    if (!err)
        err = check_range(ctx, r->capacity_range);
    if (!err && r->volume_content_source)
        return csi_ctx_fail(ctx, CSI_E_INVALID, "cloning and snapshots are not supported");
    return err;
}

/* ---------------------------------------------------------------- mode=volume */

static int64_t required_of(const CreateReq *r) { return r->capacity_range ? r->capacity_range->required_bytes : 0; }
static int64_t limit_of(const CreateReq *r) { return r->capacity_range ? r->capacity_range->limit_bytes : 0; }

/* Whole GB covering required (at least 1), or OUT_OF_RANGE when that exceeds the limit. */
static enum csi_err size_in_gb(struct csi_ctx *ctx, const CreateReq *r, long *size_gb)
{
    int64_t req = required_of(r), lim = limit_of(r);
    int64_t gb = req / GB + (req % GB != 0);
    if (gb == 0)
        gb = 1;
    if (gb > INT64_MAX / GB || gb > LONG_MAX)
        return csi_ctx_fail(ctx, CSI_E_RANGE, "capacity_range: %lld bytes is too large", (long long)req);
    if (lim && gb * GB > lim)
        return csi_ctx_fail(ctx, CSI_E_RANGE,
                            "capacity_range: TensorPool volumes come in whole GB (10^9 bytes); the smallest size "
                            "covering required_bytes %lld is %lld GB = %lld bytes, above limit_bytes %lld",
                            (long long)req, (long long)gb, (long long)(gb * GB), (long long)lim);
    *size_gb = (long)gb;
    return CSI_OK;
}

static enum csi_err create_shared_volume(struct csi_ctx *ctx, const CreateReq *r, const struct ctl_params *p,
                                         struct made *m)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    long size_gb = 0;
    enum csi_err err = size_in_gb(ctx, r, &size_gb);
    if (err)
        return err;
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_volume vol;
    struct tp_error te = {0};
    if (tp_volume_create(d->tp, &o, r->name, size_gb, p->deletion_protection, &vol, &te) != TP_OK)
        return ctl_tp_fail(ctx, &te, "creating the TensorPool volume");
    /* The volume may predate this call (a retry, or someone else's): its size must fit the range. */
    long have = vol.size_gb < 0 ? size_gb : vol.size_gb;
    int64_t lim = limit_of(r);
    if ((int64_t)have * GB < required_of(r) || (lim && (int64_t)have * GB > lim))
        return csi_ctx_fail(ctx, CSI_E_EXISTS, "a volume named %s exists with %ld GB", r->name, have);
    if (!vid_storage_id_valid(vol.id))
        return csi_ctx_fail(ctx, CSI_E_INTERNAL, "TensorPool returned a storage id of an unexpected form");
    m->vid.kind = VID_SHARED_VOLUME;
    snprintf(m->vid.name, sizeof m->vid.name, "%s", vol.id);
    m->capacity = (int64_t)have * GB;
    return CSI_OK;
}

/* ---------------------------------------------------------------- mode=subdir */

/* The storage volume's directory under the host root, or the call's error. */
static enum csi_err find_storage_dir(struct csi_ctx *ctx, const char *storage_id, char *dir, size_t len)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    int e = csi_hostpath_find(d, storage_id, dir, len, csi_ctx_deadline_ns(ctx));
    if (e == 0)
        return CSI_OK;
    if (e == ENOENT)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION,
                            "TensorPool volume %s is not attached to this cluster (not found under %s/mnt)",
                            storage_id, d->host_root);
    return ctl_fs_fail(ctx, e, "looking up TensorPool volume %s under %s/mnt", storage_id, d->host_root);
}

/* A directory's size is not enforced, only recorded: a retry must fit the
 * size recorded by the first call (ALREADY_EXISTS otherwise). */
static enum csi_err subdir_capacity(struct csi_ctx *ctx, const CreateReq *r, const char *dir, int64_t *capacity)
{
    int64_t have, lim = limit_of(r);
    int e = ctl_record_get(dir, r->name, &have, csi_ctx_deadline_ns(ctx));
    if (e == 0 && (have < required_of(r) || (lim && have > lim)))
        return csi_ctx_fail(ctx, CSI_E_EXISTS, "volume %s exists with %" PRId64 " bytes", r->name, have);
    if (e == 0) {
        *capacity = have;
        return CSI_OK;
    }
    *capacity = required_of(r);
    if (e == ENOENT || e == EINVAL)
        e = ctl_record_set(dir, r->name, *capacity, csi_ctx_deadline_ns(ctx));
    return e ? ctl_fs_fail(ctx, e, "recording the size of %s", r->name) : CSI_OK;
}

static enum csi_err create_subdir(struct csi_ctx *ctx, const CreateReq *r, const struct ctl_params *p,
                                  struct made *m)
{
    char dir[CSI_MAX_PATH_LEN], path[CSI_MAX_PATH_LEN + VID_PATH_MAX];
    enum csi_err err = find_storage_dir(ctx, p->name, dir, sizeof dir);
    if (err || (err = csi_ctx_check(ctx)))
        return err;
    snprintf(path, sizeof path, "%s/%s", dir, r->name);
    /* 0777 so any pod user can write; the process umask still applies (mkdir cannot bypass it). */
    int e = csi_fs_mkdir(path, 0777, csi_ctx_deadline_ns(ctx));
    if (e == EEXIST)
        e = csi_fs_is_dir(path, csi_ctx_deadline_ns(ctx)); /* a retry: fine if it is our directory */
    if (e == ENOTDIR)
        return csi_ctx_fail(ctx, CSI_E_EXISTS, "%s in TensorPool volume %s exists and is not a directory", r->name,
                            p->name);
    if (e)
        return ctl_fs_fail(ctx, e, "creating directory %s in TensorPool volume %s", r->name, p->name);
    if ((err = subdir_capacity(ctx, r, dir, &m->capacity)))
        return err;
    m->vid.kind = VID_SHARED_SUBDIR;
    snprintf(m->vid.name, sizeof m->vid.name, "%s", p->name);
    snprintf(m->vid.path, sizeof m->vid.path, "%s", r->name);
    return CSI_OK;
}

/* ---------------------------------------------------------------- mode=bucket */

static uint32_t fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The S3 bucket for a CSI name, the same every time: the name made S3-safe, plus a hash of the
 * original when that changed anything (so distinct names stay distinct), cut it, or left it short. */
static bool bucket_of(const char *name, bool force_hash, char out[BUCKET_MAX + 1])
{
    char buf[CSI_MAX_ID_LEN + 1];
    size_t n = 0;
    bool changed = false;
    for (const char *s = name; *s && n < sizeof buf - 1; s++) {
        char c = *s;
        char l = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        char k = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' ? l : '-';
        changed |= k != c;
        buf[n++] = k;
    }
    buf[n] = 0;
    char *start = buf;
    while (*start == '-')
        start++, changed = true;
    size_t len = strlen(start);
    while (len && start[len - 1] == '-')
        start[--len] = 0, changed = true;
    if (changed || force_hash || len > BUCKET_MAX || len < 3) {
        if (len > BUCKET_CUT)
            start[len = BUCKET_CUT] = 0;
        snprintf(out, BUCKET_MAX + 1, "%s%s%08x", start, len ? "-" : "", fnv1a32(name));
    } else
        snprintf(out, BUCKET_MAX + 1, "%s", start);
    return vid_bucket_valid(out);
}

/* Object storage disabled answers 404 on bucket calls; for CreateVolume that is a precondition. */
static enum csi_err bucket_fail(struct csi_ctx *ctx, const struct tp_error *te, const char *what)
{
    if (te->code == TP_E_NOT_FOUND)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION, "%s: %s", what, te->message[0] ? te->message : "not found");
    return ctl_tp_fail(ctx, te, what);
}

static enum csi_err create_bucket(struct csi_ctx *ctx, const CreateReq *r, struct made *m)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    char bucket[BUCKET_MAX + 1];
    /* A name that is already a bucket name but not a valid one (all digits) gets the hash too. */
    if (!bucket_of(r->name, false, bucket) && !bucket_of(r->name, true, bucket))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "name cannot be made into an S3 bucket name");
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_error te = {0};
    enum tp_err e = tp_bucket_create(d->tp, &o, bucket, &te);
    if (e != TP_OK && e != TP_E_CONFLICT) /* CONFLICT: it exists, from an earlier try */
        return bucket_fail(ctx, &te, "creating the bucket");
    m->vid.kind = VID_OBJECT_BUCKET;
    snprintf(m->vid.name, sizeof m->vid.name, "%s", bucket);
    m->capacity = required_of(r);
    return CSI_OK;
}

/* ---------------------------------------------------------------- mode=prefix */

static enum csi_err create_prefix(struct csi_ctx *ctx, const CreateReq *r, const struct ctl_params *p,
                                  struct made *m)
{
    struct csi_driver *d = csi_ctx_data(ctx);
    struct tp_opts o = ctl_tp_opts(ctx, (void *const *)r->secrets, r->n_secrets);
    struct tp_error te = {0};
    char **names = NULL;
    size_t n = 0;
    if (tp_bucket_list(d->tp, &o, &names, &n, &te) != TP_OK)
        return bucket_fail(ctx, &te, "listing buckets");
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = strcmp(names[i], p->name) == 0;
    tp_strv_free(names, n);
    if (!found)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION, "bucket %s does not exist", p->name);
    /* S3 prefixes exist implicitly: nothing to create. */
    m->vid.kind = VID_OBJECT_PREFIX;
    snprintf(m->vid.name, sizeof m->vid.name, "%s", p->name);
    snprintf(m->vid.path, sizeof m->vid.path, "%s", r->name);
    m->capacity = required_of(r);
    return CSI_OK;
}

/* ---------------------------------------------------------------- the answer */

static void put_context(struct csi_ctx *ctx, Csi__V1__Volume *v, const char *key, const char *value)
{
    Csi__V1__Volume__VolumeContextEntry *e =
        csi_ctx_new(ctx, &csi__v1__volume__volume_context_entry__descriptor);
    e->key = (char *)key;
    e->value = csi_arena_strdup(csi_ctx_arena(ctx), value);
    v->volume_context[v->n_volume_context++] = e;
}

/* What the node needs to find the volume; never secrets, nothing else from the parameters. */
static void fill_context(struct csi_ctx *ctx, Csi__V1__Volume *v, const struct vid *id)
{
    static const char *const modes[] = {"volume", "subdir", "bucket", "prefix"};
    bool shared = id->kind == VID_SHARED_VOLUME || id->kind == VID_SHARED_SUBDIR;
    v->volume_context = csi_arena_alloc(csi_ctx_arena(ctx), 4 * sizeof *v->volume_context);
    put_context(ctx, v, "type", shared ? "shared" : "object");
    put_context(ctx, v, "mode", modes[id->kind]);
    put_context(ctx, v, shared ? "storageId" : "bucket", id->name);
    if (id->kind == VID_SHARED_SUBDIR)
        put_context(ctx, v, "dir", id->path);
    else if (id->kind == VID_OBJECT_PREFIX)
        put_context(ctx, v, "prefix", id->path);
}

static enum csi_err answer(struct csi_ctx *ctx, struct made *m, const struct ctl_params *p, ProtobufCMessage **resp)
{
    char id[CSI_MAX_ID_LEN + 1];
    m->vid.on_delete = p->on_delete;
    m->vid.detach_on_unpublish = p->detach_on_unpublish;
    if (!vid_format(&m->vid, id, sizeof id))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "name is too long: the volume id would exceed %d bytes",
                            CSI_MAX_ID_LEN);
    Csi__V1__CreateVolumeResponse *r = csi_ctx_new(ctx, &csi__v1__create_volume_response__descriptor);
    r->volume = csi_ctx_new(ctx, &csi__v1__volume__descriptor);
    r->volume->volume_id = csi_arena_strdup(csi_ctx_arena(ctx), id);
    r->volume->capacity_bytes = m->capacity;
    fill_context(ctx, r->volume, &m->vid);
    *resp = &r->base;
    return CSI_OK;
}

/* Checked before anything is made, so a name too long for the id fails fast, not after a create. */
static enum csi_err check_id_fits(struct csi_ctx *ctx, const CreateReq *r, const struct ctl_params *p)
{
    if (p->kind != VID_SHARED_SUBDIR && p->kind != VID_OBJECT_PREFIX)
        return CSI_OK;
    struct vid v = {.kind = p->kind, .on_delete = p->on_delete, .detach_on_unpublish = p->detach_on_unpublish};
    char id[CSI_MAX_ID_LEN + 1];
    snprintf(v.name, sizeof v.name, "%s", p->name);
    snprintf(v.path, sizeof v.path, "%s", r->name);
    if (strlen(r->name) >= VID_PATH_MAX || !vid_format(&v, id, sizeof id))
        return csi_ctx_fail(ctx, CSI_E_INVALID, "name is too long: the volume id would exceed %d bytes",
                            CSI_MAX_ID_LEN);
    return CSI_OK;
}

CTL_HANDLER(ctl_create_volume)
{
    const CreateReq *r = (const CreateReq *)req;
    struct ctl_params p;
    struct made m = {0};
    enum csi_err err = check_request(ctx, r, &p);
    if (err || (err = check_id_fits(ctx, r, &p)) || (err = csi_ctx_check(ctx)))
        return err;
    switch (p.kind) {
    case VID_SHARED_VOLUME: err = create_shared_volume(ctx, r, &p, &m); break;
    case VID_SHARED_SUBDIR: err = create_subdir(ctx, r, &p, &m); break;
    case VID_OBJECT_BUCKET: err = create_bucket(ctx, r, &m); break;
    case VID_OBJECT_PREFIX: err = create_prefix(ctx, r, &p, &m); break;
    }
    if (err || (err = csi_ctx_check(ctx)))
        return err;
    return answer(ctx, &m, &p, resp);
}
