/* client-int.h - what the client's files share: the handle and the one
 * HTTP exchange with retries that every call goes through. */
#ifndef TP_CLIENT_INT_H
#define TP_CLIENT_INT_H

#include <jansson.h>
#include <pthread.h>
#include <sys/stat.h>

#include "tensorpool/tp.h"

struct tp_client {
    char *engine; /* no trailing slash */
    char *key;    /* configured or from the environment; may be NULL */
    char *key_file;
    pthread_mutex_t key_lock; /* guards file_key and file_st */
    char *file_key;
    struct stat file_st;
    bool include_org;
    long connect_timeout_ms, request_timeout_ms;
    int max_attempts;
    int max_in_flight, in_flight; /* guarded by slot_lock */
    pthread_mutex_t slot_lock;
    pthread_cond_t slot_free;
    const struct tp_http_ops *http;
    void *http_ctx;
    bool own_http;
    const struct tp_clock_ops *clock;
    void *clock_ctx;
    pthread_mutex_t rng_lock;
    uint64_t rng;
    void (*debug)(void *arg, const char *line);
    void *debug_arg;
};

struct tp_call {
    const char *method;
    char path[512];
    json_t *body; /* borrowed; NULL for none */
    bool safe;    /* repeating it cannot do harm (GET, edit, enable, ...) */
};

struct tp_answer {
    long status;
    json_t *obj; /* NULL for an empty 2xx body (204) */
    long retry_after_s;
};

/* One API call with retries: connection failures, 429 and 5xx are retried
 * with jittered exponential backoff (Retry-After honoured) within the
 * deadline. An unsafe call is never repeated once it may have reached the
 * server; it returns with *maybe_applied set, for the caller to check. On
 * TP_OK the answer is 2xx and the caller frees it with tp_answer_free. */
enum tp_err tp_exchange(struct tp_client *c, const struct tp_opts *o, const struct tp_call *call,
                        struct tp_answer *ans, bool *maybe_applied, struct tp_error *err);
void tp_answer_free(struct tp_answer *ans);

/* Sleeps ns (shortened to the deadline). TP_E_TIMEOUT if the deadline is
 * reached, TP_E_CANCELLED if the stop check fires. */
enum tp_err tp_pause(struct tp_client *c, const struct tp_opts *o, int64_t ns, struct tp_error *err);

/* Retry-After seconds as a wait (capped at an hour); -1 if absent. */
int64_t tp_retry_after_ns(long seconds);

/* The jittered delay before retry number attempt (1, 2, ...). */
int64_t tp_backoff_ns(struct tp_client *c, int attempt);

/* Fills err and returns code. */
enum tp_err tp_fail(struct tp_error *err, enum tp_err code, long http_status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Ids and names go into URL paths: letters, digits, '.', '_', '-' only. */
bool tp_path_safe(const char *s);

/* Fills call->path from a format; false (err set) if it does not fit. */
bool tp_call_path(struct tp_call *call, struct tp_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
