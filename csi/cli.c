/* cli.c - the `call` subcommand. METHOD may be a full path
 * (/csi.v1.Node/NodeGetInfo), Service/Method (Node/NodeGetInfo) or a bare
 * method name when only one service has it. */
#include "csi/cli.h"

#include <getopt.h>
#include <grpc/grpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi/client.h"
#include "csi/options.h"
#include "csi/pbjson.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tensorpool-csi call [--endpoint URI] [--timeout SECONDS] METHOD [JSON|-]\n"
                 "  METHOD   /csi.v1.Identity/Probe, Identity/Probe or Probe\n"
                 "  JSON     the request (default {}); - reads it from standard input\n"
                 "  --endpoint defaults to $CSI_ENDPOINT, else " CSI_DEFAULT_ENDPOINT "\n");
}

static bool matches(const char *path, const char *want)
{
    size_t pl = strlen(path), wl = strlen(want);
    if (strcmp(path, want) == 0 || strcmp(path + 1, want) == 0)
        return true;
    /* suffix match on a '.' or '/' boundary: "Identity/Probe", "Probe" */
    return wl < pl && strcmp(path + pl - wl, want) == 0 && strchr("./", path[pl - wl - 1]);
}

static const struct csi_route *find_method(const struct csi_router *r, const char *want, char *msg, size_t msglen)
{
    const struct csi_route *found = NULL;
    for (size_t i = 0; i < csi_router_count(r); i++) {
        const struct csi_route *rt = csi_router_at(r, i);
        if (!matches(rt->path, want))
            continue;
        if (found) {
            snprintf(msg, msglen, "%s is ambiguous: %s or %s", want, found->path, rt->path);
            return NULL;
        }
        found = rt;
    }
    if (!found)
        snprintf(msg, msglen, "no CSI method %s", want);
    return found;
}

static json_t *load_json(const char *arg, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *j = strcmp(arg, "-") == 0 ? json_loadf(stdin, 0, &jerr) : json_loads(arg, 0, &jerr);
    if (!j)
        snprintf(msg, msglen, "request is not JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
    return j;
}

static int run(const char *endpoint, double timeout_s, const struct csi_route *route, json_t *json)
{
    struct csi_arena *a = csi_arena_new();
    char msg[1024];
    ProtobufCMessage *req, *resp;
    int rc = 2;
    if (csi_pb_from_json(route->md->input, json, a, &req, msg, sizeof msg) != CSI_OK) {
        fprintf(stderr, "tensorpool-csi call: %s\n", msg);
        goto out;
    }
    grpc_init();
    struct csi_client *c = csi_client_new(endpoint, msg, sizeof msg);
    if (!c) {
        fprintf(stderr, "tensorpool-csi call: %s\n", msg);
    } else {
        grpc_status_code st = csi_client_call(c, route, req, a, &resp, (int64_t)(timeout_s * 1000), msg, sizeof msg);
        rc = st == GRPC_STATUS_OK ? 0 : 1;
        if (st == GRPC_STATUS_OK) {
            json_t *out = csi_pb_to_json(resp, false);
            json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
            json_decref(out);
        } else {
            fprintf(stderr, "%s: %s\n", csi_grpc_code_name(st), msg);
        }
        csi_client_free(c);
    }
    grpc_shutdown();
out:
    csi_arena_free(a);
    return rc;
}

int csi_cli_call(int argc, char **argv)
{
    const char *endpoint = getenv("CSI_ENDPOINT");
    double timeout_s = 30;
    static const struct option longopts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'}, {0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+e:t:h", longopts, NULL)) != -1) {
        if (c == 'e') {
            endpoint = optarg;
        } else if (c == 't' && (timeout_s = atof(optarg)) >= 0.001) {
            continue;
        } else if (c == 'h') {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc || argc - optind > 2) {
        fprintf(stderr, "tensorpool-csi call: expected METHOD and an optional JSON request\n");
        usage(stderr);
        return 2;
    }
    char msg[512];
    struct csi_router *router = csi_client_router();
    const struct csi_route *route = find_method(router, argv[optind], msg, sizeof msg);
    json_t *json = route ? load_json(optind + 1 < argc ? argv[optind + 1] : "{}", msg, sizeof msg) : NULL;
    int rc = 2;
    if (!json)
        fprintf(stderr, "tensorpool-csi call: %s\n", msg);
    else
        rc = run(endpoint ? endpoint : CSI_DEFAULT_ENDPOINT, timeout_s, route, json);
    json_decref(json);
    csi_router_free(router);
    return rc;
}
