/* published.c - the in-memory table of controller publications: a small
 * array under one mutex, because a controller sees at most a few thousand
 * (volume, node) pairs and every operation is a short scan. */
#include "controller/published.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "csi/validate.h"

struct pub_rec {
    char volume_id[CSI_MAX_ID_LEN + 1];
    char node_id[CSI_MAX_ID_LEN + 1];
    char storage[CSI_MAX_ID_LEN + 1];
    char cluster[CSI_MAX_ID_LEN + 1];
    bool detaching;
};

/* (storage, cluster) pairs this process attached; see ctl_published_attached_here. */
struct attach_rec {
    char storage[CSI_MAX_ID_LEN + 1];
    char cluster[CSI_MAX_ID_LEN + 1];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct pub_rec *recs;
static size_t n_recs, cap_recs;
static struct attach_rec *attaches;
static size_t n_attaches, cap_attaches;

static void copy_str(char *dst, const char *src)
{
    /* Callers pass checked ids (at most CSI_MAX_ID_LEN bytes); cut anyway. */
    size_t n = strnlen(src, CSI_MAX_ID_LEN);
    memcpy(dst, src, n);
    dst[n] = 0;
}

static struct pub_rec *find_locked(const char *volume_id, const char *node_id)
{
    for (size_t i = 0; i < n_recs; i++)
        if (!strcmp(recs[i].volume_id, volume_id) && !strcmp(recs[i].node_id, node_id))
            return &recs[i];
    return NULL;
}

/* A record other than self that needs storage attached to cluster. */
static const struct pub_rec *other_user_locked(const struct pub_rec *self, bool detaching_only)
{
    for (size_t i = 0; i < n_recs; i++) {
        const struct pub_rec *r = &recs[i];
        if (r != self && !strcmp(r->storage, self->storage) && !strcmp(r->cluster, self->cluster) &&
            (!detaching_only || r->detaching))
            return r;
    }
    return NULL;
}

static void grow_locked(void)
{
    if (n_recs < cap_recs)
        return;
    size_t cap = cap_recs ? cap_recs * 2 : 16;
    struct pub_rec *p = realloc(recs, cap * sizeof *p);
    if (!p)
        abort(); /* as the arena does: no RPC recovers from memory exhaustion */
    recs = p;
    cap_recs = cap;
}

enum ctl_pub_add ctl_published_add(const char *volume_id, const char *node_id, const char *storage,
                                   const char *cluster)
{
    struct pub_rec rec = {0};
    copy_str(rec.volume_id, volume_id);
    copy_str(rec.node_id, node_id);
    copy_str(rec.storage, storage);
    copy_str(rec.cluster, cluster);
    enum ctl_pub_add rc = CTL_PUB_ADDED;
    pthread_mutex_lock(&mu);
    if (*rec.storage && other_user_locked(&rec, true))
        rc = CTL_PUB_DETACHING;
    else if (find_locked(rec.volume_id, rec.node_id))
        rc = CTL_PUB_EXISTED;
    else {
        grow_locked();
        recs[n_recs++] = rec;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

void ctl_published_remove(const char *volume_id, const char *node_id)
{
    pthread_mutex_lock(&mu);
    struct pub_rec *r = find_locked(volume_id, node_id);
    if (r)
        *r = recs[--n_recs]; /* order does not matter */
    pthread_mutex_unlock(&mu);
}

char **ctl_published_nodes(const char *volume_id, struct csi_arena *a, size_t *n)
{
    pthread_mutex_lock(&mu);
    char **out = csi_arena_alloc(a, (n_recs + 1) * sizeof *out);
    *n = 0;
    for (size_t i = 0; i < n_recs; i++)
        if (!strcmp(recs[i].volume_id, volume_id))
            out[(*n)++] = csi_arena_strdup(a, recs[i].node_id);
    pthread_mutex_unlock(&mu);
    return out;
}

static struct attach_rec *find_attach_locked(const char *storage, const char *cluster)
{
    for (size_t i = 0; i < n_attaches; i++)
        if (!strcmp(attaches[i].storage, storage) && !strcmp(attaches[i].cluster, cluster))
            return &attaches[i];
    return NULL;
}

void ctl_published_attached_here(const char *storage, const char *cluster)
{
    pthread_mutex_lock(&mu);
    if (!find_attach_locked(storage, cluster)) {
        if (n_attaches == cap_attaches) {
            cap_attaches = cap_attaches ? 2 * cap_attaches : 16;
            attaches = realloc(attaches, cap_attaches * sizeof *attaches);
            if (!attaches)
                abort();
        }
        copy_str(attaches[n_attaches].storage, storage);
        copy_str(attaches[n_attaches++].cluster, cluster);
    }
    pthread_mutex_unlock(&mu);
}

void ctl_published_forget_attach(const char *storage, const char *cluster)
{
    pthread_mutex_lock(&mu);
    struct attach_rec *a = find_attach_locked(storage, cluster);
    if (a)
        *a = attaches[--n_attaches];
    pthread_mutex_unlock(&mu);
}

enum ctl_pub_detach ctl_published_claim_detach(const char *volume_id, const char *node_id)
{
    enum ctl_pub_detach rc;
    pthread_mutex_lock(&mu);
    struct pub_rec *r = find_locked(volume_id, node_id);
    if (!r || (*r->storage && !find_attach_locked(r->storage, r->cluster)))
        rc = CTL_DETACH_UNKNOWN;
    else if (!*r->storage || other_user_locked(r, false))
        rc = CTL_DETACH_IN_USE;
    else {
        r->detaching = true;
        rc = CTL_DETACH_CLAIMED;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

void ctl_published_unclaim(const char *volume_id, const char *node_id)
{
    pthread_mutex_lock(&mu);
    struct pub_rec *r = find_locked(volume_id, node_id);
    if (r)
        r->detaching = false;
    pthread_mutex_unlock(&mu);
}

size_t ctl_published_count(void)
{
    pthread_mutex_lock(&mu);
    size_t n = n_recs;
    pthread_mutex_unlock(&mu);
    return n;
}
