/* tp.h - the TensorPool API client: everything the driver asks TensorPool.
 *
 * One opaque handle per process, safe to share between threads. Every call
 * takes per-call options (deadline, API key override, a stop check) and
 * returns an enum tp_err, with details in a caller-supplied struct tp_error.
 * Mutations wait for their async request (202 + request_id) to finish.
 * Creates are idempotent by name: the API has no idempotency key, so the
 * client looks a volume up by name before every (re)try of a create.
 * The client never prints; it calls an optional debug hook, which never
 * receives the API key, request bodies or credentials.
 */
#ifndef TP_H
#define TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tensorpool/tp_ops.h"

#define TP_DEFAULT_ENGINE "https://engine.tensorpool.dev"
#define TP_ID_MAX 64
#define TP_NAME_MAX 256
#define TP_MAX_CLUSTERS 16

enum tp_err {
    TP_OK = 0,
    TP_E_INVALID,      /* 400/422, or a bad argument */
    TP_E_UNAUTHORIZED, /* 401, or no API key configured */
    TP_E_FORBIDDEN,    /* 403 */
    TP_E_NOT_FOUND,    /* 404 */
    TP_E_CONFLICT,     /* 409: duplicate, not empty, attached, ... */
    TP_E_PROTECTED,    /* 409: deletion protection is enabled */
    TP_E_BALANCE,      /* 402: insufficient balance */
    TP_E_RATE_LIMITED, /* 429, still after retries */
    TP_E_UNAVAILABLE,  /* 5xx or connection failures, still after retries */
    TP_E_TIMEOUT,      /* the caller's deadline passed */
    TP_E_CANCELLED,    /* the caller's stop check said stop */
    TP_E_FAILED,       /* the async request ended FAILED */
    TP_E_PROTOCOL,     /* an answer we cannot understand */
    TP_E_INTERNAL,
};

const char *tp_strerror(enum tp_err err);

struct tp_error {
    enum tp_err code;
    long http_status;   /* 0 if no HTTP answer */
    char message[256];  /* the server's message or ours; printable UTF-8, no secrets */
};

struct tp_config {
    const char *engine;       /* base URL; NULL: $TENSORPOOL_ENGINE, else TP_DEFAULT_ENGINE */
    const char *api_key;      /* NULL: $TENSORPOOL_KEY, else $TENSORPOOL_API_KEY */
    const char *api_key_file; /* if set, wins over api_key; re-read when it changes */
    const char *ca_bundle;    /* NULL: the system's */
    bool insecure;            /* skip TLS verification (emulator only) */
    bool include_org;         /* list organization-owned volumes */
    long connect_timeout_ms;  /* 0: 5000 */
    long request_timeout_ms;  /* per attempt; 0: 30000 */
    int max_attempts;         /* per HTTP request; 0: 6 */
    int max_in_flight;        /* HTTP requests at once, all threads; 0: 16 */
    uint64_t seed;            /* jitter; 0: from the clock */
    /* Side effects; NULL: libcurl and the monotonic clock. */
    const struct tp_http_ops *http;
    void *http_ctx;
    const struct tp_clock_ops *clock;
    void *clock_ctx;
    /* Called with one line per HTTP exchange (method, path, status, time). */
    void (*debug)(void *arg, const char *line);
    void *debug_arg;
};

/* Per call. All fields optional (zero = none). */
struct tp_opts {
    int64_t deadline_ns;     /* on the client's clock; 0: no deadline */
    const char *api_key;     /* overrides the configured key (CSI secrets) */
    bool (*stop)(void *arg); /* checked between attempts and polls */
    void *stop_arg;
};

struct tp_client;

/* NULL with err set when the configuration is unusable (bad URL). */
struct tp_client *tp_client_new(const struct tp_config *cfg, struct tp_error *err);
void tp_client_free(struct tp_client *c);
const char *tp_client_engine(const struct tp_client *c);

struct tp_volume {
    char id[TP_ID_MAX];
    char name[TP_NAME_MAX]; /* "" if none */
    long size_gb;           /* -1 if unknown */
    char status[32];        /* opaque upper-case text ("READY"); "" if unknown */
    int deletion_protection; /* 0, 1, or -1 if unknown */
    size_t n_clusters;
    char clusters[TP_MAX_CLUSTERS][TP_ID_MAX];
};

enum tp_req_status { TP_REQ_UNKNOWN, TP_REQ_PENDING, TP_REQ_PROCESSING, TP_REQ_RETRYING, TP_REQ_COMPLETED, TP_REQ_FAILED };

struct tp_request {
    char id[TP_ID_MAX];
    char type[32];
    enum tp_req_status status;
    char object_id[TP_ID_MAX];
    char message[256];
};

struct tp_edit {
    const char *name;        /* NULL: unchanged */
    int deletion_protection; /* -1: unchanged */
    long size_gb;            /* 0: unchanged; may only grow */
};

struct tp_s3_creds {
    char access_key_id[128];
    char secret_access_key[256];
    char endpoint[512];
    char region[64];
};

enum tp_err tp_health(struct tp_client *c, const struct tp_opts *o, struct tp_error *err);

/* Volumes. list allocates *vols (free with free()). */
enum tp_err tp_volume_list(struct tp_client *c, const struct tp_opts *o, struct tp_volume **vols, size_t *n,
                           struct tp_error *err);
enum tp_err tp_volume_info(struct tp_client *c, const struct tp_opts *o, const char *id, struct tp_volume *out,
                           struct tp_error *err);
/* The volumes named name (0, 1, or more if someone else made duplicates). */
enum tp_err tp_volume_find(struct tp_client *c, const struct tp_opts *o, const char *name, struct tp_volume *out,
                           size_t *n_found, struct tp_error *err);
/* Creates the volume named name unless one exists, and waits until it is
 * ready. Never creates a second volume with that name. */
enum tp_err tp_volume_create(struct tp_client *c, const struct tp_opts *o, const char *name, long size_gb,
                             bool deletion_protection, struct tp_volume *out, struct tp_error *err);
/* Destroys and waits; an unknown id is TP_E_NOT_FOUND. */
enum tp_err tp_volume_destroy(struct tp_client *c, const struct tp_opts *o, const char *id, struct tp_error *err);
enum tp_err tp_volume_edit(struct tp_client *c, const struct tp_opts *o, const char *id, const struct tp_edit *e,
                           struct tp_error *err);
/* Attach and detach are no-ops (no request sent) when already in that state:
 * an attach restarts every node of the cluster. */
enum tp_err tp_volume_attach(struct tp_client *c, const struct tp_opts *o, const char *id, const char *cluster_id,
                             struct tp_error *err);
enum tp_err tp_volume_detach(struct tp_client *c, const struct tp_opts *o, const char *id, const char *cluster_id,
                             struct tp_error *err);

/* Polls GET /request/info/{id} until COMPLETED or FAILED (TP_E_FAILED),
 * honouring Retry-After, within the deadline. */
enum tp_err tp_request_wait(struct tp_client *c, const struct tp_opts *o, const char *request_id,
                            struct tp_request *out, struct tp_error *err);

/* Object storage. bucket_list allocates *names (free with tp_strv_free()). */
enum tp_err tp_object_enable(struct tp_client *c, const struct tp_opts *o, struct tp_s3_creds *out,
                             struct tp_error *err);
enum tp_err tp_object_credentials(struct tp_client *c, const struct tp_opts *o, struct tp_s3_creds *out,
                                  struct tp_error *err);
enum tp_err tp_bucket_list(struct tp_client *c, const struct tp_opts *o, char ***names, size_t *n,
                           struct tp_error *err);
/* A bucket that already exists is TP_E_CONFLICT. */
enum tp_err tp_bucket_create(struct tp_client *c, const struct tp_opts *o, const char *name, struct tp_error *err);
enum tp_err tp_bucket_delete(struct tp_client *c, const struct tp_opts *o, const char *name, struct tp_error *err);
void tp_strv_free(char **v, size_t n);

#endif
