/* router.c - route table construction and binary search by path. */
#include "csi/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csi_router {
    struct csi_route *routes;
    size_t n;
};

static int route_cmp(const void *a, const void *b)
{
    return strcmp(((const struct csi_route *)a)->path, ((const struct csi_route *)b)->path);
}

static const struct csi_method *find_row(const struct csi_service *svc, const char *name)
{
    for (size_t i = 0; i < svc->n_methods; i++)
        if (strcmp(svc->methods[i].name, name) == 0)
            return &svc->methods[i];
    return NULL;
}

static bool rows_all_known(const struct csi_service *svc, char *msg, size_t msglen)
{
    for (size_t i = 0; i < svc->n_methods; i++)
        if (!protobuf_c_service_descriptor_get_method_by_name(svc->descriptor, svc->methods[i].name)) {
            snprintf(msg, msglen, "service %s has no method %s", svc->descriptor->name, svc->methods[i].name);
            return false;
        }
    return true;
}

static bool fill_route(struct csi_route *r, const struct csi_service *svc, unsigned m, char *msg, size_t msglen)
{
    r->md = &svc->descriptor->methods[m];
    r->service = svc;
    r->method = find_row(svc, r->md->name);
    if (asprintf(&r->path, "/%s/%s", svc->descriptor->name, r->md->name) < 0)
        abort();
    if (!r->method || !r->method->lock_field)
        return true;
    r->lock_field = protobuf_c_message_descriptor_get_field_by_name(r->md->input, r->method->lock_field);
    if (!r->lock_field || r->lock_field->type != PROTOBUF_C_TYPE_STRING ||
        r->lock_field->label == PROTOBUF_C_LABEL_REPEATED || (r->lock_field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
        snprintf(msg, msglen, "%s: lock field %s is not a plain string field of %s", r->path, r->method->lock_field,
                 r->md->input->name);
        return false;
    }
    return true;
}

struct csi_router *csi_router_new(const struct csi_service *const *services, size_t n, char *msg, size_t msglen)
{
    struct csi_router *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += services[i]->descriptor->n_methods;
    r->routes = calloc(total ? total : 1, sizeof *r->routes);
    if (!r->routes)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (!rows_all_known(services[i], msg, msglen))
            goto fail;
        for (unsigned m = 0; m < services[i]->descriptor->n_methods; m++)
            if (!fill_route(&r->routes[r->n++], services[i], m, msg, msglen))
                goto fail;
    }
    qsort(r->routes, r->n, sizeof *r->routes, route_cmp);
    return r;
fail:
    csi_router_free(r);
    return NULL;
}

void csi_router_free(struct csi_router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->routes[i].path);
    free(r->routes);
    free(r);
}

const struct csi_route *csi_router_find(const struct csi_router *r, const char *path, size_t len)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *p = r->routes[mid].path;
        size_t plen = strlen(p);
        int c = memcmp(p, path, plen < len ? plen : len);
        if (c == 0)
            c = plen < len ? -1 : plen > len;
        if (c == 0)
            return &r->routes[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t csi_router_count(const struct csi_router *r) { return r->n; }
const struct csi_route *csi_router_at(const struct csi_router *r, size_t i) { return &r->routes[i]; }
