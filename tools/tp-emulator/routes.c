/* routes.c - the route table and segment-by-segment matching. Unknown paths
 * get 404 and known paths with the wrong method 405, as FastAPI answers. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "handlers.h"

#define ROUTE(m, p, k, h) {m, p, k, h, m " " p}

static const struct emu_route routes[] = {
    ROUTE("GET", "/healthz", EMU_ROUTE_OPEN, emu_handle_healthz),
    ROUTE("POST", "/health", EMU_ROUTE_API, emu_handle_health),
    ROUTE("POST", "/storage/create", EMU_ROUTE_API, emu_handle_storage_create),
    ROUTE("POST", "/storage/attach", EMU_ROUTE_API, emu_handle_storage_attach),
    ROUTE("POST", "/storage/detach", EMU_ROUTE_API, emu_handle_storage_detach),
    ROUTE("GET", "/storage/list", EMU_ROUTE_API, emu_handle_storage_list),
    ROUTE("GET", "/storage/info/{storage_id}", EMU_ROUTE_API, emu_handle_storage_info),
    ROUTE("PATCH", "/storage/edit/{storage_id}", EMU_ROUTE_API, emu_handle_storage_edit),
    ROUTE("DELETE", "/storage/{storage_id}", EMU_ROUTE_API, emu_handle_storage_destroy),
    ROUTE("GET", "/request/info/{request_id}", EMU_ROUTE_API, emu_handle_request_info),
    ROUTE("POST", "/object-storage/enable", EMU_ROUTE_API, emu_handle_os_enable),
    ROUTE("GET", "/object-storage/credentials", EMU_ROUTE_API, emu_handle_os_credentials),
    ROUTE("DELETE", "/object-storage/disable", EMU_ROUTE_API, emu_handle_os_disable),
    ROUTE("GET", "/object-storage/bucket/list", EMU_ROUTE_API, emu_handle_bucket_list),
    ROUTE("PUT", "/object-storage/bucket/create/{bucket_name}", EMU_ROUTE_API,
          emu_handle_bucket_create),
    ROUTE("DELETE", "/object-storage/bucket/delete/{bucket_name}", EMU_ROUTE_API,
          emu_handle_bucket_delete),
    ROUTE("GET", "/_emulator/faults", EMU_ROUTE_ADMIN, emu_handle_admin_faults_get),
    ROUTE("PUT", "/_emulator/faults", EMU_ROUTE_ADMIN, emu_handle_admin_faults_put),
    ROUTE("GET", "/_emulator/config", EMU_ROUTE_ADMIN, emu_handle_admin_config_get),
    ROUTE("PUT", "/_emulator/config", EMU_ROUTE_ADMIN, emu_handle_admin_config_put),
    ROUTE("GET", "/_emulator/stats", EMU_ROUTE_ADMIN, emu_handle_admin_stats),
    ROUTE("POST", "/_emulator/reset", EMU_ROUTE_ADMIN, emu_handle_admin_reset),
    ROUTE("POST", "/_emulator/buckets/{bucket_name}/objects", EMU_ROUTE_ADMIN,
          emu_handle_admin_bucket_objects),
};

/* One path segment: its start and length; the next segment starts after it. */
static const char *segment(const char *s, size_t *len)
{
    const char *end = strchr(s, '/');
    *len = end ? (size_t)(end - s) : strlen(s);
    return s;
}

/* Matches path against pattern; captures go to params when not NULL. */
static bool match(const char *pattern, const char *path, char params[][EMU_PARAM_LEN])
{
    size_t n = 0;

    if (*pattern++ != '/' || *path++ != '/')
        return false;
    for (;;) {
        size_t plen, slen;
        const char *p = segment(pattern, &plen), *s = segment(path, &slen);
        if (p[0] == '{') {
            if (slen == 0 || slen >= EMU_PARAM_LEN || n >= EMU_MAX_PARAMS)
                return false;
            if (params) {
                memcpy(params[n], s, slen);
                params[n][slen] = '\0';
            }
            n++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        pattern += plen;
        path += slen;
        if (*pattern == '\0' || *path == '\0')
            return *pattern == '\0' && *path == '\0';
        pattern++;
        path++;
    }
}

const struct emu_route *emu_route_match(const char *method, const char *path, struct emu_call *c,
                                        char *allow, size_t allowlen)
{
    size_t used = 0;

    allow[0] = '\0';
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!match(routes[i].pattern, path, NULL))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            match(routes[i].pattern, path, c->params);
            allow[0] = '\0';
            return &routes[i];
        }
        if (used < allowlen)
            used += (size_t)snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "",
                                     routes[i].method);
    }
    return NULL;
}
