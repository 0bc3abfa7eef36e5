/* grpc_bench.c - latency and throughput of unary CSI calls against a running
 * server: N client threads, each with its own channel, call one method back
 * to back for a fixed time; prints calls/s and latency percentiles.
 *
 * usage: grpc-bench ENDPOINT METHOD CLIENTS SECONDS
 */
#include <grpc/grpc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi/client.h"
#include "csi/clock.h"

#define MAX_SAMPLES (1 << 21)

struct worker {
    pthread_t thread;
    const char *endpoint;
    const struct csi_route *route;
    int64_t until_ns;
    int64_t *samples;
    size_t n, errors;
};

static void *run(void *arg)
{
    struct worker *w = arg;
    char msg[256];
    struct csi_client *c = csi_client_new(w->endpoint, msg, sizeof msg);
    ProtobufCMessage *req = calloc(1, w->route->md->input->sizeof_message);
    w->route->md->input->message_init(req);
    while (c && csi_now_ns() < w->until_ns && w->n < MAX_SAMPLES) {
        struct csi_arena *a = csi_arena_new();
        ProtobufCMessage *resp;
        int64_t t0 = csi_now_ns();
        if (csi_client_call(c, w->route, req, a, &resp, 5000, msg, sizeof msg) == GRPC_STATUS_OK)
            w->samples[w->n++] = csi_now_ns() - t0;
        else
            w->errors++;
        csi_arena_free(a);
    }
    free(req);
    csi_client_free(c);
    return NULL;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: grpc-bench ENDPOINT METHOD CLIENTS SECONDS\n");
        return 2;
    }
    int clients = atoi(argv[3]);
    double seconds = atof(argv[4]);
    grpc_init();
    struct csi_router *router = csi_client_router();
    const struct csi_route *route = NULL;
    for (size_t i = 0; i < csi_router_count(router); i++) {
        const char *p = csi_router_at(router, i)->path;
        if (strcmp(strrchr(p, '/') + 1, argv[2]) == 0)
            route = csi_router_at(router, i);
    }
    if (!route || clients < 1 || clients > 64 || seconds <= 0) {
        fprintf(stderr, "grpc-bench: bad method, client count or duration\n");
        return 2;
    }
    struct worker *w = calloc((size_t)clients, sizeof *w);
    int64_t start = csi_now_ns();
    for (int i = 0; i < clients; i++) {
        w[i] = (struct worker){.endpoint = argv[1], .route = route, .until_ns = start + (int64_t)(seconds * 1e9),
                               .samples = malloc(MAX_SAMPLES * sizeof(int64_t))};
        pthread_create(&w[i].thread, NULL, run, &w[i]);
    }
    size_t total = 0, errors = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(w[i].thread, NULL);
        total += w[i].n;
        errors += w[i].errors;
    }
    double elapsed = (double)(csi_now_ns() - start) / 1e9;
    int64_t *all = malloc((total ? total : 1) * sizeof *all);
    for (int i = 0, k = 0; i < clients; k += (int)w[i].n, i++) {
        memcpy(all + k, w[i].samples, w[i].n * sizeof *all);
        free(w[i].samples);
    }
    qsort(all, total, sizeof *all, cmp64);
    double p50 = total ? (double)all[total / 2] / 1e3 : 0, p99 = total ? (double)all[total * 99 / 100] / 1e3 : 0;
    printf("| %s | %d | %zu | %.0f | %.0f | %.0f | %zu |\n", argv[2], clients, total, (double)total / elapsed, p50, p99,
           errors);
    free(all);
    free(w);
    csi_router_free(router);
    grpc_shutdown();
    return errors ? 1 : 0;
}
