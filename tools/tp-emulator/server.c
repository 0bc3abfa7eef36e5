/* server.c - one request's path through the emulator: accumulate the body,
 * route (404/405), authenticate API routes (401), count them, inject latency
 * and pre-effect faults, run the handler under the state lock, save the state,
 * then inject post-effect faults and send. Returning MHD_NO from the access
 * handler is how a "dropped" connection is closed without any response. */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "http.h"
#include "log.h"
#include "persist.h"
#include "requests.h"
#include "routes.h"
#include "stop.h"

#define MAX_BODY (1024 * 1024)
#define CONNECTION_TIMEOUT_S 60

/* Per-request context kept by libmicrohttpd between access-handler calls. */
struct pending {
    char *body;
    size_t len, cap;
    bool too_big;
    int64_t started_ms;
};

static bool append_body(struct pending *p, const char *data, size_t n)
{
    if (p->too_big || p->len + n > MAX_BODY) {
        p->too_big = true;
        return true;
    }
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 1024;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *grown = realloc(p->body, cap);
        if (!grown)
            return false;
        p->body = grown;
        p->cap = cap;
    }
    memcpy(p->body + p->len, data, n);
    p->len += n;
    p->body[p->len] = '\0';
    return true;
}

/* Compares every byte whatever the first mismatch, so response timing does
 * not reveal how much of a guessed key was right. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0;
}

static bool authorized(struct MHD_Connection *conn, const char *key)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    return same_secret(h, key);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, const struct emu_call *c,
                                  const char *allow)
{
    static char empty[] = "";
    char *text = c->reply ? json_dumps(c->reply, JSON_COMPACT) : NULL;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char retry[24];

    resp = text ? MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free)
                : MHD_create_response_from_buffer_with_free_callback(0, empty, NULL);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    if (text)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (c->retry_after >= 0) {
        snprintf(retry, sizeof retry, "%lld", (long long)c->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    if (allow && *allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    ret = MHD_queue_response(conn, c->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void log_request(const struct emu_call *c, const struct pending *p,
                        enum emu_fault_kind fault, bool replied)
{
    char status[16] = "no reply";

    if (!emu_log_requests_enabled())
        return;
    if (replied)
        snprintf(status, sizeof status, "%u", c->status);
    emu_log("%s %s -> %s%s%s (%lld ms)", c->method, c->path, status,
            fault != EMU_FAULT_NONE ? ", injected fault: " : "",
            fault != EMU_FAULT_NONE ? emu_fault_name(fault) : "",
            (long long)(emu_mono_ms() - p->started_ms));
}

/* The fault decision for one authenticated API request, with what it needs
 * taken under the lock so the sleeps can happen outside it. */
struct decision {
    enum emu_fault_kind fault;
    unsigned error_status;
    int64_t latency_ms, hang_ms;
};

static struct decision decide(struct emu_state *st, const struct emu_route *route)
{
    struct decision d;
    json_t *count;

    emu_state_lock(st);
    st->stats_total++;
    count = json_object_get(st->stats_by_route, route->stats_key);
    json_object_set_new(st->stats_by_route, route->stats_key,
                        json_integer(count ? json_integer_value(count) + 1 : 1));
    d.fault = emu_faults_pick(&st->faults, &d.error_status);
    d.latency_ms = st->faults.cfg.latency_ms;
    d.hang_ms = st->faults.cfg.hang_ms;
    emu_state_unlock(st);
    return d;
}

static void run_handler(struct emu_call *c, const struct emu_route *route)
{
    emu_state_lock(c->st);
    if (emu_requests_advance(c->st, emu_now_ms()))
        emu_state_save_or_log(c->st);
    route->handler(c);
    if (c->changed)
        emu_state_save_or_log(c->st);
    emu_state_unlock(c->st);
}

/* Runs an API route with its fault; returns MHD_NO to drop the connection. */
static enum MHD_Result serve_api(struct emu_server *srv, struct emu_call *c,
                                 const struct emu_route *route, struct pending *p)
{
    struct decision d = decide(srv->st, route);

    if (d.latency_ms > 0)
        emu_sleep_ms(d.latency_ms);
    switch (d.fault) {
    case EMU_FAULT_ERROR:
        emu_reply_message(c, d.error_status, "Internal server error (injected fault)");
        break;
    case EMU_FAULT_429:
        emu_reply_message(c, 429, "Rate limit exceeded");
        c->retry_after = 1;
        break;
    case EMU_FAULT_DROP:
        log_request(c, p, d.fault, false);
        return MHD_NO;
    default:
        run_handler(c, route);
        break;
    }
    if (d.fault == EMU_FAULT_DROP_AFTER) {
        log_request(c, p, d.fault, false);
        return MHD_NO;
    }
    if (d.fault == EMU_FAULT_HANG)
        emu_sleep_ms(d.hang_ms);
    log_request(c, p, d.fault, true);
    return send_reply(c->conn, c, NULL);
}

static enum MHD_Result dispatch(struct emu_server *srv, struct MHD_Connection *conn,
                                const char *url, const char *method, struct pending *p)
{
    struct emu_call c = {.st = srv->st, .conn = conn, .method = method, .path = url,
                         .body = p->body ? p->body : "", .body_len = p->len, .retry_after = -1};
    char allow[64];
    const struct emu_route *route = emu_route_match(method, url, &c, allow, sizeof allow);
    enum MHD_Result ret;

    if (route && !p->too_big && route->kind == EMU_ROUTE_API && authorized(conn, srv->api_key)) {
        ret = serve_api(srv, &c, route, p);
    } else {
        if (!route && *allow)
            emu_reply(&c, 405, json_pack("{ss}", "detail", "Method Not Allowed"));
        else if (!route)
            emu_reply(&c, 404, json_pack("{ss}", "detail", "Not Found"));
        else if (p->too_big)
            emu_reply_message(&c, 413, "Request body too large");
        else if (route->kind == EMU_ROUTE_API)
            emu_reply_message(&c, 401, "Invalid or missing API key");
        else
            run_handler(&c, route);
        log_request(&c, p, EMU_FAULT_NONE, true);
        ret = send_reply(conn, &c, allow);
    }
    json_decref(c.reply);
    json_decref(c.body_json);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **req_cls)
{
    struct pending *p = *req_cls;
    (void)version;

    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p)
            return MHD_NO;
        p->started_ms = emu_mono_ms();
        *req_cls = p;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!append_body(p, upload_data, *upload_size))
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    return dispatch(cls, conn, url, method, p);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *req_cls;
    (void)cls;
    (void)conn;
    (void)toe;

    if (p) {
        free(p->body);
        free(p);
        *req_cls = NULL;
    }
}

bool emu_server_start(struct emu_server *srv, struct emu_state *st, const char *api_key,
                      uint16_t port, char *why, size_t whylen)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    const union MHD_DaemonInfo *info;

    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv->st = st;
    srv->api_key = api_key;
    srv->daemon = MHD_start_daemon(
        /* poll(), not select(): no FD_SETSIZE cap on open connections. */
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, port,
        NULL, NULL,
        on_access, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(why, whylen, "cannot listen on 127.0.0.1:%u", port);
        return false;
    }
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : port;
    return true;
}

void emu_server_stop(struct emu_server *srv)
{
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
}
