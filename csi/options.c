/* options.c - one table drives getopt_long, the environment and --help, so a
 * flag cannot exist in one of them and not the others. */
#include "csi/options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csi/driver.h"
#include "csi/endpoint.h"
#include "csi/hostpath.h"
#include "csi/validate.h"

struct opt {
    const char *name;
    int short_name; /* 0: none */
    const char *env;
    const char *metavar;
    const char *help;
    bool (*set)(struct csi_options *o, const char *value, char *msg, size_t msglen);
};

static bool set_endpoint(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    struct csi_endpoint ep;
    char why[200];
    if (csi_endpoint_parse(v, &ep, why, sizeof why) != CSI_OK) {
        snprintf(msg, msglen, "--endpoint: %s", why);
        return false;
    }
    o->endpoint = v;
    return true;
}

static bool set_debug_endpoint(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    struct csi_endpoint ep;
    char why[200] = "must be tcp://127.0.0.1:PORT";
    if (*v && (csi_endpoint_parse(v, &ep, why, sizeof why) != CSI_OK || ep.is_unix)) {
        snprintf(msg, msglen, "--debug-endpoint: %s", why);
        return false;
    }
    o->debug_endpoint = *v ? v : NULL;
    return true;
}

static bool set_mode(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    static const struct { const char *name; unsigned mode; } modes[] = {
        {"controller", CSI_MODE_CONTROLLER}, {"node", CSI_MODE_NODE}, {"all", CSI_MODE_ALL}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(v, modes[i].name) == 0) {
            o->mode = modes[i].mode;
            return true;
        }
    snprintf(msg, msglen, "--mode must be controller, node or all");
    return false;
}

static bool set_node_id(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    char why[128];
    if (csi_check_id(v, "--node-id", why, sizeof why) != CSI_OK) {
        snprintf(msg, msglen, "%s", why);
        return false;
    }
    o->node_id = v;
    return true;
}

static bool set_cluster_id(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (strncmp(v, "c-", 2) != 0 || strlen(v) > 64 || strchr(v, '/')) {
        snprintf(msg, msglen, "--cluster-id must be a TensorPool cluster id (c-...)");
        return false;
    }
    o->cluster_id = v;
    return true;
}

static bool set_driver_name(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (!csi_driver_name_valid(v)) {
        snprintf(msg, msglen, "--driver-name must be a DNS-style name of at most 63 characters "
                              "(alphanumerics, '-', '.', '_'; alphanumeric at both ends)");
        return false;
    }
    o->driver_name = v;
    return true;
}

static bool set_log_level(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (csi_log_parse_level(v, &o->log_level))
        return true;
    snprintf(msg, msglen, "--log-level must be error, warn, info or debug");
    return false;
}

static bool parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-' || n < min || n > max)
        return false;
    *out = (unsigned)n;
    return true;
}

#define UINT_SETTER(fn, field, min, max, flag)                                                   \
    static bool fn(struct csi_options *o, const char *v, char *msg, size_t msglen)               \
    {                                                                                            \
        if (parse_uint(v, min, max, &o->field))                                                  \
            return true;                                                                         \
        snprintf(msg, msglen, flag " must be a whole number from %u to %u", min, max);           \
        return false;                                                                            \
    }
UINT_SETTER(set_workers, workers, 1u, 1024u, "--workers")
UINT_SETTER(set_queue_depth, queue_depth, 0u, 65536u, "--queue-depth")
UINT_SETTER(set_cq_threads, cq_threads, 1u, 64u, "--cq-threads")

static bool set_grace(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(s) || s < 0 || s > 3600) {
        snprintf(msg, msglen, "--grace-period must be a number of seconds from 0 to 3600");
        return false;
    }
    o->grace_ms = (int64_t)(s * 1000);
    return true;
}

static bool set_host_root(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (v[0] != '/') {
        snprintf(msg, msglen, "--host-root must be an absolute path");
        return false;
    }
    o->host_root = v;
    return true;
}

static bool set_host_patterns(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (!csi_hostpath_patterns_valid(v)) {
        snprintf(msg, msglen, "--host-mount-patterns must be comma-separated relative paths, each with one {id}");
        return false;
    }
    o->host_patterns = v;
    return true;
}

static bool set_kubelet_dir(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (v[0] != '/') {
        snprintf(msg, msglen, "--kubelet-dir must be an absolute path");
        return false;
    }
    o->kubelet_dir = v;
    return true;
}

static bool set_tp_engine(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
        snprintf(msg, msglen, "--tensorpool-engine must be an http(s):// URL");
        return false;
    }
    o->tp_engine = v;
    return true;
}

static bool set_tp_key_file(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    (void)msg;
    (void)msglen;
    o->tp_key_file = *v ? v : NULL;
    return true;
}

static bool set_tp_ca_bundle(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    (void)msg;
    (void)msglen;
    o->tp_ca_bundle = *v ? v : NULL;
    return true;
}

static bool set_tp_insecure(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
        snprintf(msg, msglen, "--tensorpool-insecure must be true or false");
        return false;
    }
    o->tp_insecure = v[0] == 't';
    return true;
}

static bool set_unready_after(struct csi_options *o, const char *v, char *msg, size_t msglen)
{
    char *end;
    double s = strtod(v, &end);
    if (end == v || *end || !isfinite(s) || s < 0 || s > 86400) {
        snprintf(msg, msglen, "--unready-after must be a number of seconds from 0 to 86400");
        return false;
    }
    o->unready_after_ms = (int64_t)(s * 1000);
    return true;
}

static const struct opt opts[] = {
    {"endpoint", 'e', "CSI_ENDPOINT", "URI", "CSI socket: unix:///path (default " CSI_DEFAULT_ENDPOINT ")", set_endpoint},
    {"mode", 'm', "CSI_MODE", "MODE", "controller, node or all (default all)", set_mode},
    {"node-id", 'n', "CSI_NODE_ID", "NAME", "this node's name (default: the host name)", set_node_id},
    {"cluster-id", 0, "TENSORPOOL_CLUSTER_ID", "ID", "this node's TensorPool cluster (default: from the host name)", set_cluster_id},
    {"driver-name", 0, "CSI_DRIVER_NAME", "NAME", "plugin name (default " CSI_DEFAULT_DRIVER_NAME ")", set_driver_name},
    {"log-level", 'l', "CSI_LOG_LEVEL", "LEVEL", "error, warn, info or debug (default info)", set_log_level},
    {"grace-period", 0, "CSI_GRACE_PERIOD", "SECONDS", "on SIGTERM, time calls get to finish (default 20)", set_grace},
    {"debug-endpoint", 0, "CSI_DEBUG_ENDPOINT", "URI", "extra listener, tcp://127.0.0.1:PORT only", set_debug_endpoint},
    {"workers", 0, "CSI_WORKERS", "N", "threads for blocking calls (default 128)", set_workers},
    {"queue-depth", 0, "CSI_QUEUE_DEPTH", "N", "blocking calls that may wait for a thread (default 256)", set_queue_depth},
    {"cq-threads", 0, "CSI_CQ_THREADS", "N", "gRPC completion-queue threads (default 2)", set_cq_threads},
    {"host-root", 0, "CSI_HOST_ROOT", "DIR", "where the host's / is mounted; volumes at DIR/mnt/<id> (default /)", set_host_root},
    {"host-mount-patterns", 0, "CSI_HOST_MOUNT_PATTERNS", "LIST",
     "where attached volumes appear below the host root (default " CSI_DEFAULT_HOST_PATTERNS ")", set_host_patterns},
    {"kubelet-dir", 0, "CSI_KUBELET_DIR", "DIR", "node: staging and target paths must be below DIR (default: anywhere)", set_kubelet_dir},
    {"tensorpool-engine", 0, "TENSORPOOL_ENGINE", "URL", "TensorPool API (default " "https://engine.tensorpool.dev)", set_tp_engine},
    {"tensorpool-key-file", 0, "TENSORPOOL_KEY_FILE", "PATH", "API key file, re-read on change (else $TENSORPOOL_KEY)", set_tp_key_file},
    {"tensorpool-ca-bundle", 0, "TENSORPOOL_CA_BUNDLE", "PATH", "CA certificates for the API (default: the system's)", set_tp_ca_bundle},
    {"unready-after", 0, "CSI_UNREADY_AFTER", "SECONDS", "controller: Probe not ready after the API is unreachable this long; 0: never (default 120)", set_unready_after},
    {"tensorpool-insecure", 0, "TENSORPOOL_INSECURE", "BOOL", "skip TLS verification: test servers only (default false)", set_tp_insecure},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

static void set_defaults(struct csi_options *o)
{
    *o = (struct csi_options){
        .endpoint = CSI_DEFAULT_ENDPOINT,
        .mode = CSI_MODE_ALL,
        .driver_name = CSI_DEFAULT_DRIVER_NAME,
        .log_level = CSI_LOG_INFO,
        .grace_ms = 20000,
        .workers = 128,
        .queue_depth = 256,
        .cq_threads = 2,
        .host_root = "/",
        .unready_after_ms = 120000,
    };
}

static bool apply(const struct opt *op, struct csi_options *o, const char *v, const char *src, char *msg, size_t msglen)
{
    char why[256];
    if (op->set(o, v, why, sizeof why))
        return true;
    snprintf(msg, msglen, "%s%s", src, why);
    return false;
}

static bool from_env(struct csi_options *o, char *msg, size_t msglen)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        const char *v = getenv(opts[i].env);
        char src[64];
        snprintf(src, sizeof src, "%s: ", opts[i].env);
        if (v && !apply(&opts[i], o, v, src, msg, msglen))
            return false;
    }
    return true;
}

enum { OPT_VERSION = 1000, OPT_HELP };

bool csi_options_parse(struct csi_options *o, int argc, char **argv, char *msg, size_t msglen)
{
    set_defaults(o);
    if (!from_env(o, msg, msglen))
        return false;
    struct option longopts[N_OPTS + 3];
    char shortopts[2 * N_OPTS + 4] = ":vh";
    size_t ns = strlen(shortopts);
    for (size_t i = 0; i < N_OPTS; i++) {
        longopts[i] = (struct option){opts[i].name, required_argument, NULL, opts[i].short_name ? opts[i].short_name : (int)(2000 + i)};
        if (opts[i].short_name) {
            shortopts[ns++] = (char)opts[i].short_name;
            shortopts[ns++] = ':';
        }
    }
    shortopts[ns] = 0;
    longopts[N_OPTS] = (struct option){"version", no_argument, NULL, OPT_VERSION};
    longopts[N_OPTS + 1] = (struct option){"help", no_argument, NULL, OPT_HELP};
    longopts[N_OPTS + 2] = (struct option){0};

    optind = 0; /* 0, not 1: glibc then also forgets a half-read "-xv" cluster */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'v') {
            o->log_level = CSI_LOG_DEBUG;
        } else if (c == OPT_VERSION) {
            o->version = true;
        } else if (c == 'h' || c == OPT_HELP) {
            o->help = true;
        } else if (c == '?' || c == ':') {
            /* An unknown short flag is only in optopt (it may sit in a "-xv"
             * cluster); otherwise the flag is the last argument read. */
            char short_flag[3] = {'-', (char)optopt, 0};
            const char *arg = c == '?' && optopt ? short_flag : argv[optind - 1];
            snprintf(msg, msglen, "%s: %.64s", c == '?' ? "unknown flag" : "missing value for", arg);
            return false;
        } else {
            for (size_t i = 0; i < N_OPTS; i++)
                if (c == (opts[i].short_name ? opts[i].short_name : (int)(2000 + i)) &&
                    !apply(&opts[i], o, optarg, "", msg, msglen))
                    return false;
        }
    }
    if (optind < argc) {
        snprintf(msg, msglen, "unexpected argument: %.64s", argv[optind]);
        return false;
    }
    return true;
}

void csi_options_usage(FILE *out)
{
    fprintf(out, "usage: tensorpool-csi [flags]\n"
                 "       tensorpool-csi call [--endpoint URI] [--timeout SECONDS] METHOD [JSON|-]\n\n"
                 "Serves the CSI Identity service and, by --mode, the Controller and/or Node service.\n\n"
                 "flags (environment variable in brackets):\n");
    for (size_t i = 0; i < N_OPTS; i++) {
        char left[64];
        if (opts[i].short_name)
            snprintf(left, sizeof left, "-%c, --%s %s", opts[i].short_name, opts[i].name, opts[i].metavar);
        else
            snprintf(left, sizeof left, "    --%s %s", opts[i].name, opts[i].metavar);
        fprintf(out, "  %-30s %s [%s]\n", left, opts[i].help, opts[i].env);
    }
    fprintf(out, "  %-30s %s\n  %-30s %s\n  %-30s %s\n", "-v", "same as --log-level debug", "    --version",
            "print the version and exit", "-h, --help", "print this help and exit");
}
