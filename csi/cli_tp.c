/* cli_tp.c - one TensorPool API call per invocation, answers as JSON.
 * Object storage credentials are printed with the secret key stripped
 * unless --show-secrets is given. */
#include "csi/cli_tp.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi/clock.h"
#include "csi/pbjson.h"
#include "csi/status.h"
#include "tensorpool/tp.h"

struct tp_cli {
    struct tp_client *client;
    struct tp_opts opts;
    bool show_secrets;
    int argc;
    char **argv; /* the command's own arguments */
};

typedef enum tp_err (*tp_cmd_fn)(struct tp_cli *cli, json_t **out, struct tp_error *err);

static json_t *volume_json(const struct tp_volume *v)
{
    json_t *clusters = json_array();
    for (size_t i = 0; i < v->n_clusters; i++)
        json_array_append_new(clusters, json_string(v->clusters[i]));
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:o}", "storage_id", v->id, "name", v->name,
                          "size_gb", (json_int_t)v->size_gb, "status", v->status, "attached_clusters", clusters);
    json_object_set_new(o, "deletion_protection",
                        v->deletion_protection < 0 ? json_null() : json_boolean(v->deletion_protection));
    return o;
}

static enum tp_err cmd_health(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    enum tp_err rc = tp_health(cli->client, &cli->opts, err);
    *out = json_pack("{s:b}", "healthy", rc == TP_OK);
    return rc;
}

static enum tp_err cmd_volume_list(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_volume *vols;
    size_t n;
    enum tp_err rc = tp_volume_list(cli->client, &cli->opts, &vols, &n, err);
    *out = json_array();
    for (size_t i = 0; rc == TP_OK && i < n; i++)
        json_array_append_new(*out, volume_json(&vols[i]));
    free(vols);
    return rc;
}

static enum tp_err cmd_volume_info(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_volume v;
    enum tp_err rc = tp_volume_info(cli->client, &cli->opts, cli->argv[0], &v, err);
    *out = rc == TP_OK ? volume_json(&v) : NULL;
    return rc;
}

static enum tp_err cmd_volume_find(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_volume v;
    size_t n;
    enum tp_err rc = tp_volume_find(cli->client, &cli->opts, cli->argv[0], &v, &n, err);
    *out = json_pack("{s:I}", "found", (json_int_t)n);
    if (rc == TP_OK && n > 0)
        json_object_set_new(*out, "volume", volume_json(&v));
    return rc;
}

static enum tp_err cmd_volume_create(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_volume v;
    bool protect = cli->argc > 2 && strcmp(cli->argv[2], "protect") == 0;
    enum tp_err rc = tp_volume_create(cli->client, &cli->opts, cli->argv[0], atol(cli->argv[1]), protect, &v, err);
    *out = rc == TP_OK ? volume_json(&v) : NULL;
    return rc;
}

static enum tp_err cmd_volume_destroy(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    *out = NULL;
    return tp_volume_destroy(cli->client, &cli->opts, cli->argv[0], err);
}

/* volume-edit ID [name=N] [protect=yes|no] [size=GB] */
static enum tp_err cmd_volume_edit(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_edit e = {.deletion_protection = -1};
    for (int i = 1; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if (strncmp(a, "name=", 5) == 0)
            e.name = a + 5;
        else if (strncmp(a, "protect=", 8) == 0)
            e.deletion_protection = strcmp(a + 8, "yes") == 0;
        else if (strncmp(a, "size=", 5) == 0)
            e.size_gb = atol(a + 5);
    }
    *out = NULL;
    return tp_volume_edit(cli->client, &cli->opts, cli->argv[0], &e, err);
}

static enum tp_err cmd_volume_attach(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    *out = NULL;
    return tp_volume_attach(cli->client, &cli->opts, cli->argv[0], cli->argv[1], err);
}

static enum tp_err cmd_volume_detach(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    *out = NULL;
    return tp_volume_detach(cli->client, &cli->opts, cli->argv[0], cli->argv[1], err);
}

static enum tp_err cmd_request_wait(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_request r;
    enum tp_err rc = tp_request_wait(cli->client, &cli->opts, cli->argv[0], &r, err);
    *out = rc == TP_OK ? json_pack("{s:s, s:s, s:s}", "request_id", r.id, "request_type", r.type, "object_id", r.object_id)
                       : NULL;
    return rc;
}

static enum tp_err creds_out(struct tp_cli *cli, enum tp_err rc, struct tp_s3_creds *c, json_t **out)
{
    *out = rc != TP_OK ? NULL
                       : json_pack("{s:s, s:s, s:s, s:s}", "access_key_id", c->access_key_id, "secret_access_key",
                                   cli->show_secrets ? c->secret_access_key : CSI_REDACTED, "endpoint", c->endpoint,
                                   "region", c->region);
    explicit_bzero(c, sizeof *c);
    return rc;
}

static enum tp_err cmd_object_enable(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_s3_creds c;
    return creds_out(cli, tp_object_enable(cli->client, &cli->opts, &c, err), &c, out);
}

static enum tp_err cmd_object_credentials(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    struct tp_s3_creds c;
    return creds_out(cli, tp_object_credentials(cli->client, &cli->opts, &c, err), &c, out);
}

static enum tp_err cmd_bucket_list(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    char **names;
    size_t n;
    enum tp_err rc = tp_bucket_list(cli->client, &cli->opts, &names, &n, err);
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, json_string(names[i]));
    tp_strv_free(names, n);
    return rc;
}

static enum tp_err cmd_bucket_create(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    *out = NULL;
    return tp_bucket_create(cli->client, &cli->opts, cli->argv[0], err);
}

static enum tp_err cmd_bucket_delete(struct tp_cli *cli, json_t **out, struct tp_error *err)
{
    *out = NULL;
    return tp_bucket_delete(cli->client, &cli->opts, cli->argv[0], err);
}

static const struct {
    const char *name, *args;
    int min_args;
    tp_cmd_fn fn;
} commands[] = {
    {"health", "", 0, cmd_health},
    {"volume-list", "", 0, cmd_volume_list},
    {"volume-info", "ID", 1, cmd_volume_info},
    {"volume-find", "NAME", 1, cmd_volume_find},
    {"volume-create", "NAME SIZE_GB [protect]", 2, cmd_volume_create},
    {"volume-destroy", "ID", 1, cmd_volume_destroy},
    {"volume-edit", "ID [name=N] [protect=yes|no] [size=GB]", 2, cmd_volume_edit},
    {"volume-attach", "ID CLUSTER_ID", 2, cmd_volume_attach},
    {"volume-detach", "ID CLUSTER_ID", 2, cmd_volume_detach},
    {"request-wait", "REQUEST_ID", 1, cmd_request_wait},
    {"object-enable", "", 0, cmd_object_enable},
    {"object-credentials", "", 0, cmd_object_credentials},
    {"bucket-list", "", 0, cmd_bucket_list},
    {"bucket-create", "NAME", 1, cmd_bucket_create},
    {"bucket-delete", "NAME", 1, cmd_bucket_delete},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: tensorpool-csi tp [--engine URL] [--key-file PATH] [--ca-bundle PATH] [--insecure]\n"
                 "                         [--timeout SECONDS] [--request-timeout SECONDS] [--include-org]\n"
                 "                         [--show-secrets] [-v] COMMAND [ARGS]\n"
                 "--timeout bounds the whole command (default 120 s), --request-timeout each HTTP attempt (30 s).\n"
                 "The API key comes from --key-file, else $TENSORPOOL_KEY, else $TENSORPOOL_API_KEY;\n"
                 "the engine from --engine, else $TENSORPOOL_ENGINE, else " TP_DEFAULT_ENGINE ".\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %s %s\n", commands[i].name, commands[i].args);
}

static void debug_to_stderr(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

static int run_command(struct tp_cli *cli, tp_cmd_fn fn)
{
    json_t *out = NULL;
    struct tp_error err = {0};
    enum tp_err rc = fn(cli, &out, &err);
    if (rc == TP_OK) {
        if (!out)
            out = json_object();
        json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        fputc('\n', stdout);
    } else {
        grpc_status_code code = csi_err_to_grpc(csi_err_from_tp(rc));
        fprintf(stderr, "%s (%s): %s\n", csi_grpc_code_name(code), tp_strerror(rc), err.message);
    }
    json_decref(out);
    return rc == TP_OK ? 0 : 1;
}

int csi_cli_tp(int argc, char **argv)
{
    struct tp_config cfg = {0};
    struct tp_cli cli = {0};
    double timeout_s = 120;
    static const struct option longopts[] = {
        {"engine", required_argument, NULL, 'e'}, {"key-file", required_argument, NULL, 'k'},
        {"ca-bundle", required_argument, NULL, 'c'}, {"insecure", no_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 't'}, {"include-org", no_argument, NULL, 'o'},
        {"show-secrets", no_argument, NULL, 's'}, {"request-timeout", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'}, {0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+e:k:c:it:osr:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': cfg.engine = optarg; break;
        case 'k': cfg.api_key_file = optarg; break;
        case 'c': cfg.ca_bundle = optarg; break;
        case 'i': cfg.insecure = true; break;
        case 't': timeout_s = atof(optarg); break;
        case 'o': cfg.include_org = true; break;
        case 's': cli.show_secrets = true; break;
        case 'r': cfg.request_timeout_ms = (long)(atof(optarg) * 1000); break;
        case 'v': cfg.debug = debug_to_stderr; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    size_t i = 0;
    while (optind < argc && i < N_COMMANDS && strcmp(argv[optind], commands[i].name) != 0)
        i++;
    if (optind >= argc || i == N_COMMANDS || argc - optind - 1 < commands[i].min_args || timeout_s <= 0) {
        fprintf(stderr, "tensorpool-csi tp: %s\n", optind >= argc ? "expected a command" : "bad command or arguments");
        usage(stderr);
        return 2;
    }
    struct tp_error err = {0};
    cli.client = tp_client_new(&cfg, &err);
    if (!cli.client) {
        fprintf(stderr, "tensorpool-csi tp: %s\n", err.message);
        return 2;
    }
    cli.opts.deadline_ns = csi_now_ns() + (int64_t)(timeout_s * 1e9);
    cli.argc = argc - optind - 1;
    cli.argv = argv + optind + 1;
    int rc = run_command(&cli, commands[i].fn);
    tp_client_free(cli.client);
    return rc;
}
