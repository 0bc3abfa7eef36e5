/* client.c - the client handle, the API key, and the retrying exchange.
 *
 * Retry rules: a request that never reached the server (connect failure)
 * or was refused with 429 is always safe to send again. A mutation that
 * may have reached it (timeout, reset, 5xx) is not repeated here: the
 * caller looks at the server's state first (see storage.c), because the
 * API has no idempotency key and a blind retry can create a second volume.
 */
#include "tensorpool/client-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensorpool/parse.h"

#define BACKOFF_BASE_NS 250000000LL
#define BACKOFF_CAP_NS 8000000000LL

const char *tp_strerror(enum tp_err err)
{
    switch (err) {
    case TP_OK: return "ok";
    case TP_E_INVALID: return "invalid request";
    case TP_E_UNAUTHORIZED: return "unauthorized (missing or wrong API key)";
    case TP_E_FORBIDDEN: return "forbidden";
    case TP_E_NOT_FOUND: return "not found";
    case TP_E_CONFLICT: return "conflict";
    case TP_E_PROTECTED: return "deletion protection is enabled";
    case TP_E_BALANCE: return "insufficient balance";
    case TP_E_RATE_LIMITED: return "rate limited";
    case TP_E_UNAVAILABLE: return "TensorPool API unavailable";
    case TP_E_TIMEOUT: return "deadline exceeded";
    case TP_E_CANCELLED: return "cancelled";
    case TP_E_FAILED: return "request failed";
    case TP_E_PROTOCOL: return "unexpected answer from the TensorPool API";
    case TP_E_INTERNAL: return "internal error";
    }
    return "unknown error";
}

enum tp_err tp_fail(struct tp_error *err, enum tp_err code, long http_status, const char *fmt, ...)
{
    err->code = code;
    err->http_status = http_status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    tp_utf8_trim(err->message);
    return code;
}

int64_t tp_retry_after_ns(long seconds)
{
    if (seconds < 0)
        return -1;
    return (seconds > 3600 ? 3600 : seconds) * 1000000000LL; /* a bigger wait is the deadline's business */
}

bool tp_path_safe(const char *s)
{
    /* "." and ".." would be resolved away inside the URL */
    if (!s || !*s || strlen(s) > 200 || strspn(s, ".") == strlen(s))
        return false;
    for (; *s; s++)
        if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') && !strchr("._-", *s))
            return false;
    return true;
}

bool tp_call_path(struct tp_call *call, struct tp_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(call->path, sizeof call->path, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof call->path)
        return true;
    tp_fail(err, TP_E_INVALID, 0, "request path too long");
    return false;
}

/* ----------------------------------------------------------------- clock */

static int64_t mono_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void mono_sleep(void *ctx, int64_t ns)
{
    (void)ctx;
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const struct tp_clock_ops tp_monotonic_clock_ops = {.now_ns = mono_now, .sleep_ns = mono_sleep};

static int64_t now_ns(struct tp_client *c) { return c->clock->now_ns(c->clock_ctx); }

/* ---------------------------------------------------------------- handle */

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

static bool engine_ok(const char *url)
{
    const char *host = strncmp(url, "https://", 8) == 0 ? url + 8 : strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    return host && (isalnum((unsigned char)*host) || *host == '[') && strlen(url) < 400 && !strpbrk(url, " \t\r\n?#");
}

struct tp_client *tp_client_new(const struct tp_config *cfg, struct tp_error *err)
{
    const char *engine = cfg->engine ? cfg->engine : getenv("TENSORPOOL_ENGINE");
    if (!engine || !*engine)
        engine = TP_DEFAULT_ENGINE;
    if (!engine_ok(engine)) {
        tp_fail(err, TP_E_INVALID, 0, "TensorPool engine URL must be http(s)://host[:port][/path]");
        return NULL;
    }
    struct tp_client *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->engine = strdup(engine);
    for (size_t n = strlen(c->engine); n > 0 && c->engine[n - 1] == '/'; n--)
        c->engine[n - 1] = 0;
    const char *key = cfg->api_key ? cfg->api_key : getenv("TENSORPOOL_KEY");
    c->key = dup_or_null(key && *key ? key : getenv("TENSORPOOL_API_KEY"));
    c->key_file = dup_or_null(cfg->api_key_file);
    pthread_mutex_init(&c->key_lock, NULL);
    pthread_mutex_init(&c->rng_lock, NULL);
    c->include_org = cfg->include_org;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
    c->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 30000;
    c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 6;
    c->max_in_flight = cfg->max_in_flight > 0 ? cfg->max_in_flight : 16;
    pthread_mutex_init(&c->slot_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->slot_free, &ca);
    pthread_condattr_destroy(&ca);
    c->own_http = !cfg->http;
    c->http = cfg->http ? cfg->http : &tp_curl_http_ops;
    c->http_ctx = cfg->http ? cfg->http_ctx : tp_curl_new(cfg->ca_bundle, cfg->insecure);
    c->clock = cfg->clock ? cfg->clock : &tp_monotonic_clock_ops;
    c->clock_ctx = cfg->clock_ctx;
    c->rng = cfg->seed ? cfg->seed : (uint64_t)now_ns(c) | 1;
    c->debug = cfg->debug;
    c->debug_arg = cfg->debug_arg;
    return c;
}

static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void tp_client_free(struct tp_client *c)
{
    if (!c)
        return;
    if (c->own_http && c->http->destroy)
        c->http->destroy(c->http_ctx);
    free_secret(c->key);
    free_secret(c->file_key);
    free(c->key_file);
    free(c->engine);
    pthread_mutex_destroy(&c->key_lock);
    pthread_mutex_destroy(&c->rng_lock);
    pthread_mutex_destroy(&c->slot_lock);
    pthread_cond_destroy(&c->slot_free);
    free(c);
}

const char *tp_client_engine(const struct tp_client *c) { return c->engine; }

/* ------------------------------------------------------------------- key */

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Re-reads the key file when it changed (a Kubernetes Secret update swaps
 * the file behind a symlink). Called with key_lock held. */
static void refresh_file_key(struct tp_client *c)
{
    struct stat st;
    if (stat(c->key_file, &st) != 0 || (c->file_key && same_file(&st, &c->file_st)))
        return;
    FILE *f = fopen(c->key_file, "re");
    if (!f)
        return;
    char buf[1024] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
    free_secret(c->file_key);
    c->file_key = dup_or_null(buf);
    c->file_st = st;
    explicit_bzero(buf, sizeof buf);
}

/* Copies the key for this call into buf: the per-call override, else the
 * key file, else the configured key. False if there is none. */
static bool current_key(struct tp_client *c, const struct tp_opts *o, char *buf, size_t len)
{
    if (o && o->api_key && *o->api_key) {
        snprintf(buf, len, "%s", o->api_key);
        return true;
    }
    pthread_mutex_lock(&c->key_lock);
    if (c->key_file)
        refresh_file_key(c);
    const char *k = c->file_key ? c->file_key : c->key;
    if (k)
        snprintf(buf, len, "%s", k);
    pthread_mutex_unlock(&c->key_lock);
    return k != NULL;
}

/* ------------------------------------------------------------- retrying */

int64_t tp_backoff_ns(struct tp_client *c, int attempt)
{
    int64_t base = BACKOFF_BASE_NS << (attempt > 6 ? 6 : attempt - 1);
    if (base > BACKOFF_CAP_NS)
        base = BACKOFF_CAP_NS;
    pthread_mutex_lock(&c->rng_lock);
    c->rng ^= c->rng << 13; /* xorshift64 */
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    uint64_t r = c->rng;
    pthread_mutex_unlock(&c->rng_lock);
    return base / 2 + (int64_t)(r % (uint64_t)(base / 2 + 1)); /* "equal jitter" */
}

enum tp_err tp_pause(struct tp_client *c, const struct tp_opts *o, int64_t ns, struct tp_error *err)
{
    int64_t deadline = o ? o->deadline_ns : 0;
    int64_t until = now_ns(c) + ns;
    while (now_ns(c) < until) {
        if (o && o->stop && o->stop(o->stop_arg))
            return tp_fail(err, TP_E_CANCELLED, 0, "cancelled");
        if (deadline && now_ns(c) >= deadline)
            break;
        int64_t step = until - now_ns(c);
        if (deadline && deadline - now_ns(c) < step)
            step = deadline - now_ns(c);
        c->clock->sleep_ns(c->clock_ctx, step > 50000000 ? 50000000 : step); /* 50 ms: stop checks stay prompt */
    }
    if (deadline && now_ns(c) >= deadline) {
        char last[sizeof err->message];
        snprintf(last, sizeof last, "%s", err->message);
        return tp_fail(err, TP_E_TIMEOUT, err->http_status, "deadline exceeded%s%.200s", *last ? "; last error: " : "",
                       last);
    }
    return TP_OK;
}

static enum tp_err code_for_status(long status, const char *message)
{
    if (status == 400 || status == 422) return TP_E_INVALID;
    if (status == 401) return TP_E_UNAUTHORIZED;
    if (status == 402) return TP_E_BALANCE;
    if (status == 403) return TP_E_FORBIDDEN;
    if (status == 404) return TP_E_NOT_FOUND;
    if (status == 409) return strcasestr(message, "protection") ? TP_E_PROTECTED : TP_E_CONFLICT;
    if (status == 429) return TP_E_RATE_LIMITED;
    if (status >= 500) return TP_E_UNAVAILABLE;
    return TP_E_PROTOCOL;
}

static void debug_line(struct tp_client *c, const struct tp_call *call, const char *outcome, int64_t t0)
{
    if (!c->debug)
        return;
    char line[768];
    snprintf(line, sizeof line, "tensorpool: %s %s -> %s (%.1f ms)", call->method, call->path, outcome,
             (double)(now_ns(c) - t0) / 1e6);
    c->debug(c->debug_arg, line);
}

/* Reads a 2xx answer into ans; TP_E_PROTOCOL for a body that is not a JSON object. */
static enum tp_err take_answer(struct tp_http_response *resp, struct tp_answer *ans, struct tp_error *err)
{
    ans->status = resp->status;
    ans->retry_after_s = resp->retry_after_s;
    ans->obj = NULL;
    if (resp->body_len == 0 || resp->status == 204)
        return TP_OK;
    char msg[128];
    ans->obj = tp_parse_object(resp->body, resp->body_len, msg, sizeof msg);
    return ans->obj ? TP_OK : tp_fail(err, TP_E_PROTOCOL, resp->status, "%s", msg);
}

/* A server that quotes the key back ("Invalid API key: ...") must not put
 * it into our message. */
static void scrub_key(char *text, const char *key)
{
    size_t klen = key ? strlen(key) : 0;
    for (char *p; klen >= 4 && (p = strstr(text, key));)
        memmove(p + 3, p + klen, strlen(p + klen) + 1), memcpy(p, "***", 3);
}

static enum tp_err error_answer(struct tp_http_response *resp, const char *key, struct tp_error *err)
{
    char msg[128], text[200] = "";
    json_t *obj = tp_parse_object(resp->body, resp->body_len, msg, sizeof msg);
    if (obj)
        tp_parse_message(obj, text, sizeof text);
    json_decref(obj);
    scrub_key(text, key);
    enum tp_err code = code_for_status(resp->status, text);
    return tp_fail(err, code, resp->status, "HTTP %ld: %s", resp->status, *text ? text : tp_strerror(code));
}

struct attempt {
    enum tp_err code;
    bool retry;         /* worth another attempt */
    bool maybe_applied; /* an unsafe call may have taken effect */
    long retry_after_s;
};

static struct attempt one_attempt(struct tp_client *c, const struct tp_opts *o, const struct tp_call *call,
                                  const char *key, const char *body, struct tp_answer *ans, struct tp_error *err)
{
    char url[1024], why[256] = "";
    snprintf(url, sizeof url, "%s%s", c->engine, call->path);
    long timeout = c->request_timeout_ms;
    int64_t deadline = o ? o->deadline_ns : 0;
    if (deadline && (deadline - now_ns(c)) / 1000000 < timeout)
        timeout = (deadline - now_ns(c)) / 1000000 > 1 ? (deadline - now_ns(c)) / 1000000 : 1;
    struct tp_http_request req = {.method = call->method, .url = url, .bearer = key, .body = body,
                                  .connect_timeout_ms = c->connect_timeout_ms < timeout ? c->connect_timeout_ms : timeout,
                                  .timeout_ms = timeout, .may_resend = call->safe,
                                  .stop = o ? o->stop : NULL, .stop_arg = o ? o->stop_arg : NULL};
    struct tp_http_response resp = {.retry_after_s = -1};
    int64_t t0 = now_ns(c);
    enum tp_http_result r = c->http->perform(c->http_ctx, &req, &resp, why, sizeof why);
    struct attempt a = {.retry_after_s = -1};
    if (r != TP_HTTP_OK) {
        debug_line(c, call, r == TP_HTTP_NOT_SENT ? "not sent" : r == TP_HTTP_TIMEOUT ? "timeout" : "lost", t0);
        a.code = tp_fail(err, r == TP_HTTP_TIMEOUT ? TP_E_TIMEOUT : TP_E_UNAVAILABLE, 0, "%s %s: %s", call->method,
                         call->path, why);
        a.maybe_applied = r != TP_HTTP_NOT_SENT && !call->safe;
        a.retry = !a.maybe_applied;
        return a;
    }
    char status[16];
    snprintf(status, sizeof status, "%ld", resp.status);
    debug_line(c, call, status, t0);
    if (resp.status >= 200 && resp.status < 300)
        a.code = take_answer(&resp, ans, err);
    else {
        a.code = error_answer(&resp, key, err);
        a.retry_after_s = resp.retry_after_s;
        a.maybe_applied = resp.status >= 500 && !call->safe;
        a.retry = resp.status == 429 || (resp.status >= 500 && call->safe);
    }
    free(resp.body);
    return a;
}

/* Waits for one of max_in_flight slots (the API's capacity is shared by
 * every volume being provisioned), within the deadline and the stop check. */
static enum tp_err take_slot(struct tp_client *c, const struct tp_opts *o, struct tp_error *err)
{
    enum tp_err rc = TP_OK;
    pthread_mutex_lock(&c->slot_lock);
    while (c->in_flight >= c->max_in_flight) {
        if (o && o->stop && o->stop(o->stop_arg)) {
            rc = tp_fail(err, TP_E_CANCELLED, 0, "cancelled");
            break;
        }
        if (o && o->deadline_ns && now_ns(c) >= o->deadline_ns) {
            rc = tp_fail(err, TP_E_TIMEOUT, 0, "deadline exceeded waiting for a free connection slot");
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 50000000; /* re-check stop and deadline every 50 ms */
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->slot_free, &c->slot_lock, &ts);
    }
    if (rc == TP_OK)
        c->in_flight++;
    pthread_mutex_unlock(&c->slot_lock);
    return rc;
}

static void give_slot(struct tp_client *c)
{
    pthread_mutex_lock(&c->slot_lock);
    c->in_flight--;
    pthread_cond_signal(&c->slot_free);
    pthread_mutex_unlock(&c->slot_lock);
}

enum tp_err tp_exchange(struct tp_client *c, const struct tp_opts *o, const struct tp_call *call,
                        struct tp_answer *ans, bool *maybe_applied, struct tp_error *err)
{
    char key[1024];
    *maybe_applied = false;
    memset(ans, 0, sizeof *ans);
    memset(err, 0, sizeof *err);
    if (!current_key(c, o, key, sizeof key))
        return tp_fail(err, TP_E_UNAUTHORIZED, 0, "no TensorPool API key configured");
    for (const char *p = key; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) { /* it goes into a header line */
            explicit_bzero(key, sizeof key);
            return tp_fail(err, TP_E_INVALID, 0, "the TensorPool API key contains control characters");
        }
    char *body = call->body ? json_dumps(call->body, JSON_COMPACT) : NULL;
    enum tp_err rc = TP_E_INTERNAL;
    for (int attempt = 1; attempt <= c->max_attempts; attempt++) {
        if (o && o->stop && o->stop(o->stop_arg)) {
            rc = tp_fail(err, TP_E_CANCELLED, 0, "cancelled");
            break;
        }
        if (o && o->deadline_ns && now_ns(c) >= o->deadline_ns) {
            rc = tp_fail(err, TP_E_TIMEOUT, err->http_status, "deadline exceeded before %s %s", call->method, call->path);
            break;
        }
        if ((rc = take_slot(c, o, err)) != TP_OK)
            break;
        struct attempt a = one_attempt(c, o, call, key, body, ans, err);
        give_slot(c);
        rc = a.code;
        *maybe_applied = a.maybe_applied;
        if (!a.retry || attempt == c->max_attempts)
            break;
        int64_t wait = tp_backoff_ns(c, attempt);
        if (tp_retry_after_ns(a.retry_after_s) > wait)
            wait = tp_retry_after_ns(a.retry_after_s);
        enum tp_err p = tp_pause(c, o, wait, err);
        if (p != TP_OK) {
            rc = p;
            break;
        }
    }
    explicit_bzero(key, sizeof key);
    free(body);
    return rc;
}

void tp_answer_free(struct tp_answer *ans)
{
    json_decref(ans->obj);
    ans->obj = NULL;
}
