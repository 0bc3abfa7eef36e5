/* http_curl.c - the libcurl HTTP implementation of tp_http_ops.
 *
 * Connections are reused by keeping finished easy handles in a small free
 * list (curl_easy_reset keeps a handle's live connections), so concurrent
 * calls each get their own handle and sequential calls share connections.
 * Answers are capped at 8 MiB; redirects are not followed.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tensorpool/tp_ops.h"

#define MAX_IDLE 8
#define MAX_BODY (8u << 20)

struct curl_ctx {
    pthread_mutex_t lock;
    CURL *idle[MAX_IDLE];
    size_t n_idle;
    char *ca_bundle;
    bool insecure;
};

struct sink {
    char *data;
    size_t len;
    bool too_big;
    long retry_after_s;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void *tp_curl_new(const char *ca_bundle, int insecure)
{
    pthread_once(&global_once, global_init);
    struct curl_ctx *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    pthread_mutex_init(&c->lock, NULL);
    c->ca_bundle = ca_bundle ? strdup(ca_bundle) : NULL;
    c->insecure = insecure != 0;
    return c;
}

static void curl_destroy(void *ctx)
{
    struct curl_ctx *c = ctx;
    for (size_t i = 0; i < c->n_idle; i++)
        curl_easy_cleanup(c->idle[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->ca_bundle);
    free(c);
}

static CURL *take_handle(struct curl_ctx *c)
{
    pthread_mutex_lock(&c->lock);
    CURL *h = c->n_idle ? c->idle[--c->n_idle] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (h)
        curl_easy_reset(h);
    return h ? h : curl_easy_init();
}

static void give_back(struct curl_ctx *c, CURL *h)
{
    pthread_mutex_lock(&c->lock);
    bool kept = c->n_idle < MAX_IDLE;
    if (kept)
        c->idle[c->n_idle++] = h;
    pthread_mutex_unlock(&c->lock);
    if (!kept)
        curl_easy_cleanup(h);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct sink *s = arg;
    size_t n = size * nmemb;
    if (s->len + n > MAX_BODY) {
        s->too_big = true;
        return 0;
    }
    char *grown = realloc(s->data, s->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + s->len, ptr, n);
    s->data = grown;
    s->len += n;
    s->data[s->len] = 0;
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct sink *s = arg;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(ptr, name, sizeof name - 1) == 0) {
        char value[32] = "";
        size_t len = n - (sizeof name - 1) < sizeof value - 1 ? n - (sizeof name - 1) : sizeof value - 1;
        memcpy(value, ptr + sizeof name - 1, len);
        char *end;
        long v = strtol(value, &end, 10);
        /* Only delta-seconds; an HTTP date is treated as absent. */
        if (end != value && v >= 0)
            s->retry_after_s = v;
    }
    return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const struct tp_http_request *req = arg;
    return req->stop(req->stop_arg) ? 1 : 0; /* non-zero aborts the transfer */
}

static struct curl_slist *headers_for(const struct tp_http_request *req)
{
    char auth[1024];
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    h = curl_slist_append(h, "X-Client-Type: tensorpool-csi");
    if (req->body)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (req->bearer && *req->bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", req->bearer);
        h = curl_slist_append(h, auth);
        explicit_bzero(auth, sizeof auth);
    }
    return h;
}

static void configure(struct curl_ctx *c, CURL *h, const struct tp_http_request *req, struct curl_slist *hdrs,
                      struct sink *s, char *curl_err)
{
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
    } else if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    if (req->stop) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)req);
    }
    if (!req->may_resend) { /* only a fresh connection is never silently retried */
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    if (c->ca_bundle)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_bundle);
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

/* Whether the server can have seen the request: only a failure to connect
 * (or resolve) proves it did not. */
static enum tp_http_result classify(CURL *h, CURLcode rc)
{
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
        rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION)
        return TP_HTTP_NOT_SENT;
    long sent = 0;
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent);
    if (sent == 0)
        return TP_HTTP_NOT_SENT;
    return rc == CURLE_OPERATION_TIMEDOUT ? TP_HTTP_TIMEOUT : TP_HTTP_LOST;
}

static enum tp_http_result curl_perform(void *ctx, const struct tp_http_request *req, struct tp_http_response *resp,
                                        char *errbuf, size_t errlen)
{
    struct curl_ctx *c = ctx;
    CURL *h = take_handle(c);
    struct sink s = {.retry_after_s = -1};
    char curl_err[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = headers_for(req);
    configure(c, h, req, hdrs, &s, curl_err);
    CURLcode rc = curl_easy_perform(h);
    enum tp_http_result result = TP_HTTP_OK;
    memset(resp, 0, sizeof *resp);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->body = s.data ? s.data : strdup("");
        resp->body_len = s.len;
        resp->retry_after_s = s.retry_after_s;
    } else {
        result = s.too_big ? TP_HTTP_LOST : classify(h, rc);
        snprintf(errbuf, errlen, "%s", s.too_big ? "answer larger than 8 MiB" : *curl_err ? curl_err : curl_easy_strerror(rc));
        free(s.data);
    }
    curl_slist_free_all(hdrs); /* holds the key: freed right away */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    give_back(c, h);
    return result;
}

const struct tp_http_ops tp_curl_http_ops = {.perform = curl_perform, .destroy = curl_destroy};
