/* tp_ops.h - the side effects of the TensorPool client, as tables of
 * function pointers: HTTP (real: libcurl, http_curl.c) and the clock (real:
 * CLOCK_MONOTONIC and nanosleep). Tests pass scripted fakes. */
#ifndef TP_OPS_H
#define TP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tp_http_request {
    const char *method; /* "GET", "POST", ... */
    const char *url;
    const char *bearer; /* the API key; never logged */
    const char *body;   /* JSON or NULL */
    long connect_timeout_ms;
    long timeout_ms;    /* whole exchange */
    /* false: the transport must send it at most once. libcurl silently
     * resends a request whose reused connection died before any answer,
     * which for a POST that was applied makes a second volume. */
    int may_resend;
    /* Polled during the exchange (about once a second at least): when it
     * returns true the exchange is abandoned as soon as possible. NULL: never. */
    bool (*stop)(void *arg);
    void *stop_arg;
};

struct tp_http_response {
    long status;
    char *body;          /* NUL-terminated, malloc'd; the caller frees */
    size_t body_len;
    long retry_after_s;  /* -1 if absent */
};

enum tp_http_result {
    TP_HTTP_OK,          /* an HTTP answer arrived (any status) */
    TP_HTTP_NOT_SENT,    /* could not connect: the server saw nothing */
    TP_HTTP_LOST,        /* sent, but no (complete) answer: it may have been applied */
    TP_HTTP_TIMEOUT,     /* timed out after sending: it may have been applied */
};

struct tp_http_ops {
    /* Performs one exchange. Blocks at most req->timeout_ms. On TP_HTTP_OK
     * fills resp; otherwise leaves resp->body NULL and writes a reason
     * (without secrets) into errbuf. Must be thread-safe. */
    enum tp_http_result (*perform)(void *ctx, const struct tp_http_request *req, struct tp_http_response *resp,
                                   char *errbuf, size_t errlen);
    /* Releases ctx; NULL if there is nothing to release. */
    void (*destroy)(void *ctx);
};

/* The real one. ca_bundle may be NULL; insecure skips TLS verification. */
void *tp_curl_new(const char *ca_bundle, int insecure);
extern const struct tp_http_ops tp_curl_http_ops;

struct tp_clock_ops {
    int64_t (*now_ns)(void *ctx);             /* monotonic */
    void (*sleep_ns)(void *ctx, int64_t ns);
};

extern const struct tp_clock_ops tp_monotonic_clock_ops;

#endif
