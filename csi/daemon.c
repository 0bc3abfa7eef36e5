/* daemon.c - start-up and shutdown order of the process.
 *
 * Signals are blocked in every thread before gRPC starts any, and the main
 * thread takes them with sigwait(), so no handler ever runs inside gRPC or a
 * CSI handler. Shutdown: Probe turns not-ready, the server drains within the
 * grace period, and grpc_shutdown() comes last.
 */
#include "csi/daemon.h"

#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "csi/clock.h"
#include "csi/driver.h"
#include "csi/health.h"
#include "csi/log.h"
#include "csi/options.h"
#include "csi/server.h"
#include "csi/services.h"
#include "csi/validate.h"
#include "tensorpool/tp.h"
#include "version.h"

#define LOG_MODULE "main"

static const char *mode_name(unsigned mode)
{
    return mode == CSI_MODE_ALL ? "all" : mode == CSI_MODE_NODE ? "node" : "controller";
}

static size_t mode_services(struct csi_driver *d, struct csi_service *const *extra, size_t n_extra,
                            const struct csi_service **out)
{
    size_t n = 0;
    struct csi_service *own[] = {&csi_identity_service,
                                 d->mode & CSI_MODE_CONTROLLER ? &csi_controller_service : NULL,
                                 d->mode & CSI_MODE_NODE ? &csi_node_service : NULL};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (own[i]) {
            own[i]->data = d;
            out[n++] = own[i];
        }
    for (size_t i = 0; i < n_extra; i++)
        out[n++] = extra[i];
    return n;
}

static int wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int serve(const struct csi_options *o, struct csi_driver *d, struct csi_service *const *extra, size_t n_extra)
{
    const struct csi_service *services[3 + 8];
    if (n_extra > 8)
        n_extra = 8;
    size_t n = mode_services(d, extra, n_extra, services);
    struct csi_server_config cfg = {.endpoint = o->endpoint, .debug_endpoint = o->debug_endpoint,
                                    .cq_threads = o->cq_threads, .workers = o->workers, .queue_depth = o->queue_depth};
    char msg[512] = "";
    struct csi_server *s = csi_server_new(&cfg, services, n, msg, sizeof msg);
    if (!s || csi_server_start(s, msg, sizeof msg) != CSI_OK) {
        LOG_ERROR("cannot start: %s", msg);
        csi_server_free(s);
        return 1;
    }
    atomic_store(&d->ready, true);
    struct csi_health *health = NULL;
    if ((d->mode & CSI_MODE_CONTROLLER) && o->unready_after_ms > 0) {
        int64_t threshold = o->unready_after_ms * CSI_NS_PER_MS, interval = threshold / 4;
        health = csi_health_start(d->tp, &d->api_ok, interval < 15 * CSI_NS_PER_S ? interval : 15 * CSI_NS_PER_S,
                                  threshold);
    }
    LOG_INFO("serving %s %s in %s mode on %s%s%s (node_id=%s)", d->name, d->version, mode_name(d->mode), o->endpoint,
             o->debug_endpoint ? " and " : "", o->debug_endpoint ? o->debug_endpoint : "", d->node_id ? d->node_id : "-");
    if (o->debug_endpoint)
        LOG_INFO("debug endpoint port %d", csi_server_debug_port(s));
    int sig = wait_for_signal();
    LOG_INFO("received %s: draining (grace period %lld ms)", strsignal(sig), (long long)o->grace_ms);
    atomic_store(&d->ready, false);
    csi_health_stop(health);
    csi_server_stop(s, o->grace_ms);
    csi_server_free(s);
    LOG_INFO("stopped");
    return 0;
}

/* TensorPool instances are named after their cluster: "c-abc" (one node),
 * "c-abc-0", "c-abc-1", ... and "c-abc-jumphost" (multi-node). */
static bool cluster_from_host(const char *host, char *out, size_t len)
{
    if (strncmp(host, "c-", 2) != 0 || strlen(host) >= len)
        return false;
    snprintf(out, len, "%s", host);
    char *dash = strrchr(out + 2, '-');
    if (dash && (strcmp(dash, "-jumphost") == 0 || (dash[1] && strspn(dash + 1, "0123456789") == strlen(dash + 1))))
        *dash = 0;
    return true;
}

/* NodeGetInfo's id: "<cluster>/<node name>", which ControllerPublishVolume
 * reads the cluster back from; just the node name when no cluster is known
 * (shared volumes then cannot be attached to it, and say so). */
static bool node_id_of(const struct csi_options *o, const char *host, char *out, size_t len, char *msg, size_t msglen)
{
    const char *name = o->node_id ? o->node_id : host;
    char cluster[80] = "";
    if (!*name) {
        snprintf(msg, msglen, "no host name for the node id; set --node-id");
        return false;
    }
    if (o->cluster_id)
        snprintf(cluster, sizeof cluster, "%s", o->cluster_id);
    else if (!strchr(name, '/'))
        cluster_from_host(host, cluster, sizeof cluster);
    int n = *cluster ? snprintf(out, len, "%s/%s", cluster, name) : snprintf(out, len, "%s", name);
    if (n < 0 || (size_t)n >= len || csi_check_id(out, "node id", msg, msglen) != CSI_OK) {
        if (n >= 0 && (size_t)n >= len)
            snprintf(msg, msglen, "node id is longer than %d bytes", CSI_MAX_ID_LEN);
        return false;
    }
    return true;
}

static void tensorpool_debug(void *arg, const char *line)
{
    (void)arg;
    CSI_LOG(CSI_LOG_DEBUG, "tensorpool", "%s", line);
}

static struct tp_client *tensorpool_client(const struct csi_options *o, char *msg, size_t msglen)
{
    struct tp_config cfg = {.engine = o->tp_engine, .api_key_file = o->tp_key_file, .ca_bundle = o->tp_ca_bundle,
                            .insecure = o->tp_insecure, .debug = tensorpool_debug};
    struct tp_error err = {0};
    struct tp_client *c = tp_client_new(&cfg, &err);
    if (!c)
        snprintf(msg, msglen, "%s", err.message);
    return c;
}

int csi_main(int argc, char **argv, struct csi_service *const *extra, size_t n_extra, const struct mnt *mounter)
{
    struct csi_options o;
    char msg[512];
    if (!csi_options_parse(&o, argc, argv, msg, sizeof msg)) {
        fprintf(stderr, "tensorpool-csi: %s\n", msg);
        csi_options_usage(stderr);
        return 2;
    }
    if (o.help) {
        csi_options_usage(stdout);
        return 0;
    }
    if (o.version) {
        printf("tensorpool-csi %s\n", CSI_VERSION);
        return 0;
    }
    char host[256] = "", node_id[CSI_MAX_ID_LEN + 1];
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = 0;
    if ((o.mode & CSI_MODE_NODE) && !node_id_of(&o, host, node_id, sizeof node_id, msg, sizeof msg)) {
        fprintf(stderr, "tensorpool-csi: %s\n", msg);
        return 2;
    }
    o.node_id = node_id;
    struct csi_driver d = {.name = o.driver_name, .version = CSI_VERSION, .mode = o.mode,
                           .node_id = o.mode & CSI_MODE_NODE ? o.node_id : NULL, .host_root = o.host_root,
                           .kubelet_dir = o.kubelet_dir, .host_patterns = o.host_patterns,
                           .mnt = {&mnt_linux_ops, NULL}, .api_ok = true};
    csi_log_set_level(o.log_level);
    csi_log_route_grpc();
    if (mounter)
        d.mnt = *mounter;
    if (!(d.tp = tensorpool_client(&o, msg, sizeof msg))) {
        fprintf(stderr, "tensorpool-csi: %s\n", msg);
        return 2;
    }
    block_signals();
    grpc_init();
    int rc = serve(&o, &d, extra, n_extra);
    grpc_shutdown();
    tp_client_free(d.tp);
    return rc;
}
