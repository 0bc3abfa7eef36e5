/* options.c - flag table, value parsers and the --help text, which documents
 * every flag and every extension the emulator adds to the real API. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct opt {
    const char *name;
    const char *metavar; /* NULL: a switch without a value */
    const char *help;
    bool (*set)(void *field, const char *v);
    size_t offset; /* of the field in struct emu_options */
};

static bool parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return false;
    *out = n;
    return true;
}

static bool parse_number(const char *v, double min, double max, double *out)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d) || d < min || d > max)
        return false;
    *out = d;
    return true;
}

static bool set_string(void *field, const char *v)
{
    *(const char **)field = v;
    return *v != '\0';
}

static bool set_switch(void *field, const char *v)
{
    (void)v;
    *(bool *)field = true;
    return true;
}

static bool set_port(void *field, const char *v)
{
    int64_t n;
    if (!parse_int(v, 0, 65535, &n))
        return false;
    *(uint16_t *)field = (uint16_t)n;
    return true;
}

/* Milliseconds or seconds: non-negative, at most a day's worth of ms. */
static bool set_duration(void *field, const char *v)
{
    return parse_int(v, 0, 86400000, field);
}

static bool set_seed(void *field, const char *v)
{
    int64_t n;
    if (!parse_int(v, 0, INT64_MAX, &n))
        return false;
    *(uint64_t *)field = (uint64_t)n;
    return true;
}

static bool set_rate(void *field, const char *v) { return parse_number(v, 0, 1, field); }

static bool set_balance(void *field, const char *v)
{
    struct emu_config *cfg = field;
    cfg->has_balance = parse_number(v, 0, 1e12, &cfg->balance);
    return cfg->has_balance;
}

static bool set_list_format(void *field, const char *v)
{
    return emu_list_format_parse(v, field);
}

#define AT(field) offsetof(struct emu_options, field)

static const struct opt opts[] = {
    {"port", "N", "TCP port on 127.0.0.1; 0 (default) picks a free one", set_port, AT(port)},
    {"port-file", "PATH", "write the bound port here once listening (atomically)", set_string, AT(port_file)},
    {"state", "PATH",
     "JSON state file: loaded at start if present, rewritten atomically after every change, so a "
     "restart keeps volumes, buckets and pending requests (default: memory only)",
     set_string, AT(state_path)},
    {"api-key", "KEY", "the bearer key every API call must carry (required; env TENSORPOOL_KEY)",
     set_string, AT(api_key)},
    {"host-root", "DIR",
     "a volume attached to a cluster has its data at DIR/mnt/<storage_id> (default: none)",
     set_string, AT(host_root)},
    {"data-dir", "DIR",
     "detached volumes' data: DIR/<storage_id>, created empty when a create completes (default: "
     "<dir of --state>/data; none without --state)",
     set_string, AT(data_dir)},
    {"provisioning-delay-ms", "N", "time from a request's creation to its end (default 2000)",
     set_duration, AT(cfg.delay_ms)},
    {"retry-after", "S", "Retry-After seconds on non-terminal request polls (default 1; 0 allowed)",
     set_duration, AT(cfg.retry_after)},
    {"balance", "DOLLARS",
     "account balance; create answers 402 below 24 h of the new volume's cost at $0.10/GB/month "
     "(default: unlimited)",
     set_balance, AT(cfg)},
    {"list-format", "FMT",
     "text | structured | both (default both): whether list/info add the structured fields",
     set_list_format, AT(cfg.list_format)},
    {"s3-endpoint", "URL", "S3 endpoint returned by object storage (default http://127.0.0.1:9000)",
     set_string, AT(s3.endpoint)},
    {"s3-region", "R", "S3 region returned by object storage (default us-east-1)", set_string, AT(s3.region)},
    {"s3-access-key", "K", "S3 access key id returned (default tp-emulator-access-key)",
     set_string, AT(s3.access_key)},
    {"s3-secret-key", "K", "S3 secret key returned (default tp-emulator-secret-key)",
     set_string, AT(s3.secret_key)},
    {"seed", "N", "seed of the fault generator (default 0): same seed, same faults", set_seed, AT(faults.seed)},
    {"latency-ms", "N", "delay added to every API request (default 0)", set_duration,
     AT(faults.latency_ms)},
    {"error-rate", "F", "share of API requests answered 500/502/503 before any effect", set_rate,
     AT(faults.error_rate)},
    {"rate-429", "F", "share answered 429 with Retry-After: 1 before any effect", set_rate,
     AT(faults.rate_429)},
    {"drop-rate", "F", "share whose connection is closed unanswered before any effect", set_rate,
     AT(faults.drop_rate)},
    {"drop-after-rate", "F", "share whose effect happens, then the connection is closed unanswered",
     set_rate, AT(faults.drop_after_rate)},
    {"hang-rate", "F", "share whose effect happens, then the answer waits --hang-ms", set_rate,
     AT(faults.hang_rate)},
    {"hang-ms", "N", "how long a hang lasts (default 5000)", set_duration, AT(faults.hang_ms)},
    {"fail-rate", "F", "share of async requests that end FAILED (default 0)", set_rate,
     AT(faults.fail_rate)},
    {"log", NULL, "one line per request on stderr (never the API key)", set_switch, AT(log)},
};

#define N_OPTS (sizeof opts / sizeof opts[0])

static const char usage_head[] =
    "usage: tp-emulator --api-key KEY [options]\n"
    "\n"
    "A local emulator of the TensorPool API (https://engine.tensorpool.dev) for tests and demos.\n"
    "Serves HTTP on 127.0.0.1 only. SIGTERM/SIGINT stop it cleanly (exit 0). Bad flags exit 2,\n"
    "a corrupt state file or a failure to listen exits 1.\n"
    "\n"
    "options:\n";

static const char usage_tail[] =
    "  -h, --help                    this text\n"
    "\n"
    "Fault rates are shares in [0, 1]. Per API request at most one fault is drawn, in the order\n"
    "error, 429, drop, drop-after, hang. They apply to the real API paths only, not /healthz\n"
    "or /_emulator.\n"
    "\n"
    "API (real shape; all but GET /healthz need 'Authorization: Bearer KEY', else 401):\n"
    "  GET /healthz, POST /health\n"
    "  POST /storage/create  DELETE /storage/{id}  PATCH /storage/edit/{id}\n"
    "  POST /storage/attach  POST /storage/detach  GET /storage/list  GET /storage/info/{id}\n"
    "  GET /request/info/{request_id}: PENDING for the first third of the provisioning delay,\n"
    "    then PROCESSING, then COMPLETED or FAILED; effects happen once, when it ends, even if\n"
    "    nobody polls\n"
    "  POST /object-storage/enable  GET /object-storage/credentials  DELETE /object-storage/disable\n"
    "  GET /object-storage/bucket/list  PUT /object-storage/bucket/create/{name}\n"
    "  DELETE /object-storage/bucket/delete/{name}\n"
    "  Any cluster id starting with \"c-\" exists. A volume is CREATING until its create\n"
    "  completes (a FAILED create removes it) and DELETING until its destroy completes. Attach\n"
    "  needs a READY volume; destroy refuses a protected or attached volume (409); an edit\n"
    "  applies when its request completes, and a smaller size_gb is refused (400).\n"
    "\n"
    "Host directories:\n"
    "  With --host-root DIR, a volume attached to at least one cluster has its data directory at\n"
    "  DIR/mnt/<storage_id> (created when the attach completes); when its last cluster detaches\n"
    "  the directory moves back to <data-dir>/<storage_id>, so the data survives a re-attach; a\n"
    "  destroy removes it. Moves are rename(2): keep both on one file system.\n"
    "\n"
    "EMULATOR EXTENSIONS (not in the real API):\n"
    "  GET /storage/list adds \"volumes\": [{storage_id, name, size_gb, status,\n"
    "    deletion_protection, attached_clusters}] and GET /storage/info/{id} adds \"storage_info\"\n"
    "    (same fields) unless --list-format text; \"message\" always holds the text.\n"
    "  Admin endpoints, no auth, JSON:\n"
    "  GET|PUT /_emulator/faults   {latency_ms, error_rate, rate_429, drop_rate, drop_after_rate,\n"
    "                               hang_rate, hang_ms, fail_rate, seed}; PUT replaces the whole\n"
    "                               set (missing: defaults; missing seed: the current one) and\n"
    "                               reseeds\n"
    "  GET|PUT /_emulator/config   {list_format, provisioning_delay_ms, retry_after, balance};\n"
    "                               PUT changes the fields given; balance null = unlimited\n"
    "  GET /_emulator/stats        {total, by_route: {\"POST /storage/create\": n, ...}}: every\n"
    "                               authenticated request to an API route, faults included;\n"
    "                               keys are route patterns (\"DELETE /storage/{storage_id}\")\n"
    "  POST /_emulator/reset       clears the stats\n"
    "  POST /_emulator/buckets/{name}/objects {count}: pretend the bucket holds count objects\n"
    "                               (a delete then answers 409)\n";

#define HELP_INDENT 32
#define HELP_WIDTH 96

/* Appends text word by word, wrapping at HELP_WIDTH under HELP_INDENT. */
static void add_wrapped(struct emu_buf *b, const char *text)
{
    size_t col = HELP_INDENT;

    while (*text) {
        size_t len = strcspn(text, " ");
        if (col > HELP_INDENT && col + 1 + len > HELP_WIDTH) {
            emu_buf_addf(b, "\n%*s", HELP_INDENT, "");
            col = HELP_INDENT;
        } else if (col > HELP_INDENT) {
            emu_buf_addf(b, " ");
            col++;
        }
        emu_buf_addf(b, "%.*s", (int)len, text);
        col += len;
        text += len;
        text += strspn(text, " ");
    }
    emu_buf_addf(b, "\n");
}

char *emu_options_usage(void)
{
    struct emu_buf b = {0};
    char flag[48];

    emu_buf_addf(&b, "%s", usage_head);
    for (size_t i = 0; i < N_OPTS; i++) {
        snprintf(flag, sizeof flag, "--%s%s%s", opts[i].name, opts[i].metavar ? " " : "",
                 opts[i].metavar ? opts[i].metavar : "");
        emu_buf_addf(&b, "  %-*s", HELP_INDENT - 2, flag);
        add_wrapped(&b, opts[i].help);
    }
    emu_buf_addf(&b, "%s", usage_tail);
    return emu_buf_take(&b);
}

static void defaults(struct emu_options *o)
{
    memset(o, 0, sizeof *o);
    o->cfg.list_format = EMU_LIST_BOTH;
    o->cfg.delay_ms = 2000;
    o->cfg.retry_after = 1;
    o->s3.endpoint = "http://127.0.0.1:9000";
    o->s3.region = "us-east-1";
    o->s3.access_key = "tp-emulator-access-key";
    o->s3.secret_key = "tp-emulator-secret-key";
    emu_faults_defaults(&o->faults);
}

enum emu_parse_result emu_options_parse(int argc, char **argv, struct emu_options *o, char *why,
                                        size_t whylen)
{
    struct option longopts[N_OPTS + 2];
    int idx, c;

    defaults(o);
    for (size_t i = 0; i < N_OPTS; i++)
        longopts[i] = (struct option){opts[i].name, opts[i].metavar ? required_argument : no_argument,
                                      NULL, (int)i + 256};
    longopts[N_OPTS] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[N_OPTS + 1] = (struct option){0};
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, &idx)) != -1) {
        if (c == 'h')
            return EMU_PARSE_HELP;
        if (c == '?' || c == ':') {
            snprintf(why, whylen, "%s: %s", c == ':' ? "missing value for" : "unknown flag",
                     argv[optind - 1]);
            return EMU_PARSE_ERROR;
        }
        const struct opt *op = &opts[c - 256];
        if (!op->set((char *)o + op->offset, optarg ? optarg : "")) {
            snprintf(why, whylen, "--%s: invalid value \"%s\"", op->name, optarg ? optarg : "");
            return EMU_PARSE_ERROR;
        }
    }
    if (optind < argc) {
        snprintf(why, whylen, "unexpected argument: %s", argv[optind]);
        return EMU_PARSE_ERROR;
    }
    if (!o->api_key)
        o->api_key = getenv("TENSORPOOL_KEY");
    if (!o->api_key || !*o->api_key) {
        snprintf(why, whylen, "--api-key (or TENSORPOOL_KEY) is required");
        return EMU_PARSE_ERROR;
    }
    return EMU_PARSE_OK;
}
