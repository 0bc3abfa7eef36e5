/* server.c - listeners, completion-queue threads, the per-call state machine
 * and graceful shutdown.
 *
 * A call goes NEW -> (RECV_CLOSE posted, RECV_MESSAGE posted) -> RECV ->
 * handler (inline, or on the worker pool) -> one SEND batch -> freed when
 * the last of its tags has come back. Each outstanding tag and the handler
 * phase hold a reference, because once the final batch is started the call
 * may complete on another CQ thread at any moment.
 *
 * Completion-queue threads never block: a blocking handler there would stall
 * Probe, new calls and cancellation notices for everyone.
 */
#include "csi/server.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csi/clock.h"
#include "csi/endpoint.h"
#include "csi/inflight.h"
#include "csi/log.h"
#include "csi/pbjson.h"
#include "csi/pool.h"
#include "csi/router.h"
#include "csi/validate.h"

#define LOG_MODULE "rpc"
#define REQUESTS_PER_CQ 16

enum tag_kind { TAG_NEW, TAG_CLOSE, TAG_RECV, TAG_SEND, TAG_SHUTDOWN };

struct tag {
    enum tag_kind kind;
    struct call *call;
};

struct csi_ctx {
    struct csi_arena *arena;
    void *data;
    int64_t deadline_ns;
    atomic_bool cancelled;
    atomic_bool deadline_hit; /* the core cancelled the call at its deadline */
    const atomic_bool *stopping; /* the server's: says why a call was cancelled */
    enum csi_err err;
    char msg[512];
};

struct cq {
    grpc_completion_queue *queue;
    pthread_t thread;
    struct csi_server *srv;
};

struct call {
    struct csi_server *srv;
    struct cq *cq;
    grpc_call *gcall;
    grpc_call_details details;
    grpc_metadata_array request_md;
    grpc_byte_buffer *recv_buf, *send_buf;
    grpc_slice status_details;
    int close_cancelled;
    atomic_int refs;
    struct tag t_new, t_close, t_recv, t_send;
    const struct csi_route *route;
    ProtobufCMessage *req, *resp;
    const char *lock_key; /* validated; shown in the log line */
    bool locked;          /* lock_key is held in srv->inflight */
    int64_t start_ns;
    struct csi_ctx ctx;
};

struct csi_server {
    struct csi_server_config cfg;
    struct csi_router *router;
    struct csi_endpoint ep, debug_ep;
    bool has_debug;
    int debug_port;
    grpc_server *gs;
    struct cq *cqs;
    unsigned n_cqs, n_threads;
    struct csi_pool *pool;
    struct csi_inflight *inflight;
    atomic_bool stopping;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* live dropped or shutdown tag came back */
    int live; /* calls, and requests for calls, that may still touch a queue */
    bool shutdown_done;
    struct tag shutdown_tag;
};

/* ------------------------------------------------------------ handler API */

void *csi_ctx_data(struct csi_ctx *ctx) { return ctx->data; }
struct csi_arena *csi_ctx_arena(struct csi_ctx *ctx) { return ctx->arena; }

void *csi_ctx_new(struct csi_ctx *ctx, const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = csi_arena_alloc(ctx->arena, d->sizeof_message);
    d->message_init(m);
    return m;
}

enum csi_err csi_ctx_fail(struct csi_ctx *ctx, enum csi_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
    ctx->err = err;
    return err;
}

int64_t csi_ctx_deadline_left_ms(const struct csi_ctx *ctx)
{
    if (ctx->deadline_ns == CSI_NO_DEADLINE)
        return -1;
    int64_t left = ctx->deadline_ns - csi_now_ns();
    return left > 0 ? left / CSI_NS_PER_MS : 0;
}

int64_t csi_ctx_deadline_ns(const struct csi_ctx *ctx) { return ctx->deadline_ns; }

bool csi_ctx_cancelled(const struct csi_ctx *ctx) { return atomic_load(&ctx->cancelled); }

enum csi_err csi_ctx_check_id(struct csi_ctx *ctx, const char *value, const char *what)
{
    return ctx->err = csi_check_id(value, what, ctx->msg, sizeof ctx->msg);
}

enum csi_err csi_ctx_check_path(struct csi_ctx *ctx, const char *value, const char *what)
{
    return ctx->err = csi_check_path(value, what, ctx->msg, sizeof ctx->msg);
}

enum csi_err csi_ctx_check(struct csi_ctx *ctx)
{
    /* The core cancels a call when its deadline passes, so the deadline is
     * checked first to report the reason the client will see. */
    if ((ctx->deadline_ns != CSI_NO_DEADLINE && csi_now_ns() >= ctx->deadline_ns) || atomic_load(&ctx->deadline_hit))
        return csi_ctx_fail(ctx, CSI_E_TIMEOUT, "deadline exceeded");
    if (csi_ctx_cancelled(ctx))
        return csi_ctx_fail(ctx, CSI_E_CANCELLED, "call cancelled %s",
                            atomic_load(ctx->stopping) ? "because the server is shutting down" : "by the client");
    return CSI_OK;
}

/* --------------------------------------------------------- call lifecycle */

static void post_request(struct cq *cq);

static struct call *call_new(struct cq *cq)
{
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->srv = cq->srv;
    c->cq = cq;
    c->t_new = (struct tag){TAG_NEW, c};
    c->t_close = (struct tag){TAG_CLOSE, c};
    c->t_recv = (struct tag){TAG_RECV, c};
    c->t_send = (struct tag){TAG_SEND, c};
    c->status_details = grpc_empty_slice();
    grpc_call_details_init(&c->details);
    grpc_metadata_array_init(&c->request_md);
    atomic_init(&c->ctx.cancelled, false);
    atomic_init(&c->ctx.deadline_hit, false);
    c->ctx.stopping = &cq->srv->stopping;
    return c;
}

static void call_free(struct call *c)
{
    struct csi_server *s = c->srv;
    if (c->gcall)
        grpc_call_unref(c->gcall);
    grpc_call_details_destroy(&c->details);
    grpc_metadata_array_destroy(&c->request_md);
    if (c->recv_buf)
        grpc_byte_buffer_destroy(c->recv_buf);
    if (c->send_buf)
        grpc_byte_buffer_destroy(c->send_buf);
    grpc_slice_unref(c->status_details);
    csi_arena_free(c->ctx.arena);
    free(c);
    pthread_mutex_lock(&s->lock);
    if (--s->live == 0)
        pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static void call_ref(struct call *c) { atomic_fetch_add(&c->refs, 1); }
static void call_unref(struct call *c)
{
    if (atomic_fetch_sub(&c->refs, 1) == 1)
        call_free(c);
}

/* Takes a reference for the tag; false (reference dropped) if gRPC refused. */
static bool start_batch(struct call *c, const grpc_op *ops, size_t n, struct tag *t)
{
    call_ref(c);
    grpc_call_error e = grpc_call_start_batch(c->gcall, ops, n, t, NULL);
    if (e == GRPC_CALL_OK)
        return true;
    LOG_ERROR("grpc_call_start_batch failed: %d", (int)e);
    call_unref(c);
    return false;
}

/* The call's deadline, capped at CSI_MAX_CALL_NS: every blocking step of a
 * handler is bounded by it, so a call without one must still end. */
static int64_t deadline_from(gpr_timespec dl)
{
    int64_t now = csi_now_ns(), cap = now + CSI_MAX_CALL_NS;
    if (gpr_time_cmp(dl, gpr_inf_future(dl.clock_type)) == 0)
        return cap;
    gpr_timespec left = gpr_time_sub(dl, gpr_now(dl.clock_type));
    if (left.tv_sec >= CSI_MAX_CALL_NS / CSI_NS_PER_S) /* also keeps "grpc-timeout: 99999999H" from overflowing */
        return cap;
    return now + left.tv_sec * CSI_NS_PER_S + left.tv_nsec;
}

static const char *lock_value(const struct call *c)
{
    const struct csi_route *r = c->route;
    if (!r || !r->lock_field || !c->req)
        return "";
    const char *v = *(char *const *)((const char *)c->req + r->lock_field->offset);
    return v ? v : "";
}

static void slice_text(grpc_slice sl, char *out, size_t outlen)
{
    char raw[256];
    size_t n = GRPC_SLICE_LENGTH(sl) < sizeof raw - 1 ? GRPC_SLICE_LENGTH(sl) : sizeof raw - 1;
    memcpy(raw, GRPC_SLICE_START_PTR(sl), n);
    raw[n] = 0;
    csi_escape(raw, out, outlen);
}

/* The one line per RPC. The id was validated before it became lock_key, and
 * status messages never hold secrets, so nothing here needs redaction. */
static void log_call(struct call *c, grpc_status_code code)
{
    bool quiet = code == GRPC_STATUS_OK && c->route && c->route->method &&
                 (c->route->method->flags & CSI_METHOD_QUIET);
    enum csi_log_level level = quiet ? CSI_LOG_DEBUG
                               : code == GRPC_STATUS_INTERNAL ? CSI_LOG_ERROR : CSI_LOG_INFO;
    if (!csi_log_enabled(level))
        return;
    char method[512], msg[1024], vol[CSI_MAX_ID_LEN + 32] = "";
    slice_text(c->details.method, method, sizeof method);
    csi_escape(code == GRPC_STATUS_OK ? "" : c->ctx.msg, msg, sizeof msg);
    if (c->lock_key)
        snprintf(vol, sizeof vol, " %s=%s", c->route->lock_field->name, c->lock_key);
    double ms = (double)(csi_now_ns() - c->start_ns) / 1e6;
    csi_log_write(level, LOG_MODULE, "method=%s%s code=%s duration_ms=%.3f%s%s%s", method, vol,
                  csi_grpc_code_name(code), ms, *msg ? " msg=\"" : "", msg, *msg ? "\"" : "");
}

static void log_message(const char *what, const struct call *c, const ProtobufCMessage *m)
{
    if (!csi_log_enabled(CSI_LOG_DEBUG) || !m)
        return;
    char *text = csi_pb_to_text(m, true);
    csi_log_write(CSI_LOG_DEBUG, LOG_MODULE, "%s %s %s", c->route->path, what, text);
    free(text);
}

static void pack_response(struct call *c)
{
    size_t len = protobuf_c_message_get_packed_size(c->resp);
    grpc_slice sl = grpc_slice_malloc(len);
    protobuf_c_message_pack(c->resp, GRPC_SLICE_START_PTR(sl));
    c->send_buf = grpc_raw_byte_buffer_create(&sl, 1);
    grpc_slice_unref(sl);
}

/* Sends the call's outcome: the response on success, the status alone on error.
 * Consumes the handler-phase reference. */
static void complete(struct call *c)
{
    struct csi_server *s = c->srv;
    if (c->ctx.err == CSI_OK && (!c->resp || c->resp->descriptor != c->route->md->output))
        csi_ctx_fail(&c->ctx, CSI_E_INTERNAL, "handler returned no %s", c->route->md->output->name);
    if (c->locked)
        csi_inflight_release(s->inflight, c->lock_key);
    grpc_status_code code = csi_err_to_grpc(c->ctx.err);
    if (code != GRPC_STATUS_OK && !c->ctx.msg[0])
        snprintf(c->ctx.msg, sizeof c->ctx.msg, "%s", csi_strerror(c->ctx.err));
    csi_utf8_trim(c->ctx.msg);
    if (code == GRPC_STATUS_OK) {
        log_message("response", c, c->resp);
        pack_response(c);
    }
    log_call(c, code);

    grpc_op ops[3];
    size_t n = 0;
    memset(ops, 0, sizeof ops);
    ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (code == GRPC_STATUS_OK) {
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = c->send_buf;
    }
    c->status_details = grpc_slice_from_copied_string(code == GRPC_STATUS_OK ? "" : c->ctx.msg);
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.status = code;
    ops[n++].data.send_status_from_server.status_details = &c->status_details;
    start_batch(c, ops, n, &c->t_send);
    call_unref(c);
}

static void run_handler(struct call *c)
{
    if (csi_ctx_check(&c->ctx) == CSI_OK)
        c->ctx.err = c->route->method->handler(&c->ctx, c->req, &c->resp);
    complete(c);
}

static void run_handler_job(void *arg) { run_handler(arg); }

static bool unpack_request(struct call *c)
{
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, c->recv_buf)) {
        csi_ctx_fail(&c->ctx, CSI_E_INVALID, "cannot read the request");
        return false;
    }
    grpc_slice sl = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    ProtobufCAllocator alloc = csi_arena_allocator(c->ctx.arena);
    c->req = protobuf_c_message_unpack(c->route->md->input, &alloc, GRPC_SLICE_LENGTH(sl), GRPC_SLICE_START_PTR(sl));
    if (!c->req)
        csi_ctx_fail(&c->ctx, CSI_E_INVALID, "request is not a valid %s", c->route->md->input->name);
    else
        c->ctx.err = csi_check_wire_strings(c->route->md->input, GRPC_SLICE_START_PTR(sl), GRPC_SLICE_LENGTH(sl),
                                            c->ctx.msg, sizeof c->ctx.msg);
    grpc_slice_unref(sl);
    if (c->ctx.err != CSI_OK)
        return false;
    return csi_check_message_utf8(c->req, c->ctx.msg, sizeof c->ctx.msg) == CSI_OK ||
           (c->ctx.err = CSI_E_INVALID, false);
}

static bool lock_volume(struct call *c)
{
    const char *key = lock_value(c);
    if (!*key)
        return true; /* the handler reports the missing id */
    if ((c->ctx.err = csi_check_id(key, c->route->lock_field->name, c->ctx.msg, sizeof c->ctx.msg)))
        return false;
    c->lock_key = key;
    if ((c->locked = csi_inflight_acquire(c->srv->inflight, key)))
        return true;
    csi_ctx_fail(&c->ctx, CSI_E_BUSY, "an operation on %s %s is already in progress", c->route->lock_field->name, key);
    return false;
}

/* Parses, validates, locks, then runs the handler here or on the pool. */
static void dispatch(struct call *c)
{
    if (!c->route) {
        csi_ctx_fail(&c->ctx, CSI_E_UNIMPLEMENTED, "unknown method");
        complete(c);
        return;
    }
    if (!unpack_request(c)) {
        complete(c);
        return;
    }
    log_message("request", c, c->req);
    if (!c->route->method) {
        csi_ctx_fail(&c->ctx, CSI_E_UNIMPLEMENTED, "%s is not implemented by this driver", c->route->path);
        complete(c);
        return;
    }
    if (!lock_volume(c)) {
        complete(c);
        return;
    }
    c->ctx.data = c->route->service->data;
    if (!(c->route->method->flags & CSI_METHOD_BLOCKING)) {
        run_handler(c);
    } else if (!csi_pool_submit(c->srv->pool, run_handler_job, c)) {
        csi_ctx_fail(&c->ctx, CSI_E_UNAVAILABLE, "too many requests in flight; retry later");
        complete(c);
    }
}

static void on_new(struct call *c, bool ok)
{
    struct csi_server *s = c->srv;
    if (!ok) { /* the server is shutting down: no call was started */
        call_free(c);
        return;
    }
    if (!atomic_load(&s->stopping))
        post_request(c->cq);
    c->start_ns = csi_now_ns();
    c->ctx.arena = csi_arena_new();
    c->ctx.deadline_ns = deadline_from(c->details.deadline);
    c->route = csi_router_find(s->router, (const char *)GRPC_SLICE_START_PTR(c->details.method),
                               GRPC_SLICE_LENGTH(c->details.method));
    atomic_store(&c->refs, 1); /* the handler phase */

    /* Posting RECV_CLOSE first is what makes a client's cancel visible. */
    grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};
    op.data.recv_close_on_server.cancelled = &c->close_cancelled;
    start_batch(c, &op, 1, &c->t_close);
    grpc_op recv = {.op = GRPC_OP_RECV_MESSAGE};
    recv.data.recv_message.recv_message = &c->recv_buf;
    if (!start_batch(c, &recv, 1, &c->t_recv)) {
        csi_ctx_fail(&c->ctx, CSI_E_INTERNAL, "cannot receive the request");
        complete(c);
    }
}

/* A call cancelled (or out of time) while its job still waits for a worker
 * is answered now, so it neither holds its volume lock nor a queue slot. */
static void on_close(struct call *c)
{
    /* The core cancels a call at its own reading of the deadline, which can
     * be a little before ours: then the deadline is what ended it. */
    gpr_timespec dl = c->details.deadline;
    if (c->close_cancelled && gpr_time_cmp(gpr_now(dl.clock_type), dl) >= 0)
        atomic_store(&c->ctx.deadline_hit, true);
    atomic_store(&c->ctx.cancelled, c->close_cancelled != 0);
    if (c->close_cancelled && csi_pool_cancel(c->srv->pool, run_handler_job, c)) {
        csi_ctx_check(&c->ctx);
        complete(c);
    }
    call_unref(c);
}

static void on_recv(struct call *c, bool ok)
{
    if (!ok || !c->recv_buf) {
        csi_ctx_fail(&c->ctx, ok ? CSI_E_INVALID : CSI_E_CANCELLED,
                     ok ? "the request message is missing" : "call ended before its request arrived");
        complete(c);
    } else {
        dispatch(c);
    }
    call_unref(c);
}

static void on_event(struct csi_server *s, struct tag *t, bool ok)
{
    switch (t->kind) {
    case TAG_NEW: on_new(t->call, ok); break;
    case TAG_RECV: on_recv(t->call, ok); break;
    case TAG_CLOSE: on_close(t->call); break;
    case TAG_SEND: call_unref(t->call); break;
    case TAG_SHUTDOWN:
        pthread_mutex_lock(&s->lock);
        s->shutdown_done = true;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        break;
    }
}

static void post_request(struct cq *cq)
{
    struct call *c = call_new(cq);
    /* Counted from now: a matched call may sit on another queue before its
     * NEW tag is seen, and shutdown must not destroy the queues under it. */
    pthread_mutex_lock(&cq->srv->lock);
    cq->srv->live++;
    pthread_mutex_unlock(&cq->srv->lock);
    grpc_call_error e = grpc_server_request_call(cq->srv->gs, &c->gcall, &c->details, &c->request_md, cq->queue,
                                                 cq->queue, &c->t_new);
    if (e != GRPC_CALL_OK)
        call_free(c);
}

static void *cq_thread(void *arg)
{
    struct cq *cq = arg;
    for (int i = 0; i < REQUESTS_PER_CQ; i++)
        post_request(cq);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(cq->queue, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type == GRPC_OP_COMPLETE)
            on_event(cq->srv, ev.tag, ev.success != 0);
    }
    return NULL;
}

/* ------------------------------------------------------------ the server */

struct csi_server *csi_server_new(const struct csi_server_config *cfg, const struct csi_service *const *services,
                                  size_t n_services, char *msg, size_t msglen)
{
    struct csi_server *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    s->ep.lock_fd = s->debug_ep.lock_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    csi_cond_init_monotonic(&s->changed);
    s->shutdown_tag.kind = TAG_SHUTDOWN;
    if (!(s->router = csi_router_new(services, n_services, msg, msglen)) ||
        csi_endpoint_parse(cfg->endpoint, &s->ep, msg, msglen) != CSI_OK)
        goto fail;
    s->has_debug = cfg->debug_endpoint && *cfg->debug_endpoint;
    if (s->has_debug && csi_endpoint_parse(cfg->debug_endpoint, &s->debug_ep, msg, msglen) != CSI_OK)
        goto fail;
    if (s->has_debug && s->debug_ep.is_unix) {
        snprintf(msg, msglen, "the debug endpoint must be tcp://127.0.0.1:PORT");
        goto fail;
    }
    return s;
fail:
    csi_server_free(s);
    return NULL;
}

static enum csi_err listen_on(struct csi_server *s, struct csi_endpoint *ep, int *port, char *msg, size_t msglen)
{
    enum csi_err err = csi_endpoint_claim(ep, msg, msglen);
    if (err)
        return err;
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    /* bind() takes its mode from the umask: never let it be wider than 0660,
     * even for the moment before the chmod below */
    mode_t old_mask = umask(0117);
    *port = grpc_server_add_http2_port(s->gs, ep->grpc_addr, creds);
    umask(old_mask);
    grpc_server_credentials_release(creds);
    if (*port == 0) {
        snprintf(msg, msglen, "cannot listen on %s", ep->grpc_addr);
        return CSI_E_UNAVAILABLE;
    }
    return csi_endpoint_set_mode(ep, msg, msglen);
}

enum csi_err csi_server_start(struct csi_server *s, char *msg, size_t msglen)
{
    grpc_arg arg = {.type = GRPC_ARG_INTEGER, .key = GRPC_ARG_ALLOW_REUSEPORT, .value.integer = 0};
    grpc_channel_args args = {.num_args = 1, .args = &arg};
    s->gs = grpc_server_create(&args, NULL);
    s->n_cqs = s->cfg.cq_threads ? s->cfg.cq_threads : 2;
    s->cqs = calloc(s->n_cqs, sizeof *s->cqs);
    if (!s->cqs)
        abort();
    for (unsigned i = 0; i < s->n_cqs; i++) {
        s->cqs[i].srv = s;
        s->cqs[i].queue = grpc_completion_queue_create_for_next(NULL);
        grpc_server_register_completion_queue(s->gs, s->cqs[i].queue, NULL);
    }
    int port;
    enum csi_err err = listen_on(s, &s->ep, &port, msg, msglen);
    if (!err && s->has_debug)
        err = listen_on(s, &s->debug_ep, &s->debug_port, msg, msglen);
    if (err)
        return err;
    s->pool = csi_pool_new(s->cfg.workers, s->cfg.queue_depth);
    s->inflight = csi_inflight_new();
    grpc_server_start(s->gs);
    for (; s->n_threads < s->n_cqs; s->n_threads++)
        if (pthread_create(&s->cqs[s->n_threads].thread, NULL, cq_thread, &s->cqs[s->n_threads]) != 0)
            abort();
    return CSI_OK;
}

int csi_server_debug_port(const struct csi_server *s) { return s->debug_port; }

/* Waits on s->changed until done(s) or the absolute monotonic deadline. */
static bool wait_until(struct csi_server *s, bool (*done)(const struct csi_server *), int64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = deadline_ns / CSI_NS_PER_S, .tv_nsec = deadline_ns % CSI_NS_PER_S};
    pthread_mutex_lock(&s->lock);
    while (!done(s))
        if (deadline_ns == CSI_NO_DEADLINE ? pthread_cond_wait(&s->changed, &s->lock) != 0
                                           : pthread_cond_timedwait(&s->changed, &s->lock, &ts) != 0)
            break;
    bool ok = done(s);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

static bool all_done(const struct csi_server *s) { return s->shutdown_done && s->live == 0; }
static bool no_live_calls(const struct csi_server *s) { return s->live == 0; }

void csi_server_stop(struct csi_server *s, int64_t grace_ms)
{
    if (!s->gs || atomic_exchange(&s->stopping, true))
        return;
    grpc_server_shutdown_and_notify(s->gs, s->cqs[0].queue, &s->shutdown_tag);
    if (!wait_until(s, no_live_calls, csi_now_ns() + grace_ms * CSI_NS_PER_MS))
        LOG_WARN("grace period of %lld ms over: cancelling the calls still in flight", (long long)grace_ms);
    /* Also closes idle client connections, which would otherwise hold the
     * shutdown tag back until the client hangs up. */
    grpc_server_cancel_all_calls(s->gs);
    /* The shutdown tag can come back while handlers still run on the pool:
     * only a live count of zero means no call touches the queues any more. */
    wait_until(s, all_done, CSI_NO_DEADLINE);
}

/* A server that failed to start has no CQ thread to see its shutdown tag. */
static void shutdown_unstarted(struct csi_server *s)
{
    grpc_server_shutdown_and_notify(s->gs, s->cqs[0].queue, &s->shutdown_tag);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(s->cqs[0].queue, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        if (ev.type != GRPC_OP_COMPLETE || ev.tag == &s->shutdown_tag)
            break;
    }
}

void csi_server_free(struct csi_server *s)
{
    if (!s)
        return;
    if (s->gs) {
        if (s->n_threads)
            csi_server_stop(s, 0);
        else
            shutdown_unstarted(s);
        grpc_server_destroy(s->gs);
    }
    for (unsigned i = 0; i < s->n_cqs; i++) {
        grpc_completion_queue_shutdown(s->cqs[i].queue);
        if (i < s->n_threads)
            pthread_join(s->cqs[i].thread, NULL);
        else /* never served: drain it here */
            while (grpc_completion_queue_next(s->cqs[i].queue, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
                   GRPC_QUEUE_SHUTDOWN)
                ;
        grpc_completion_queue_destroy(s->cqs[i].queue);
    }
    free(s->cqs);
    if (s->pool)
        csi_pool_free(s->pool);
    csi_inflight_free(s->inflight);
    csi_endpoint_release(&s->ep);
    csi_endpoint_release(&s->debug_ep);
    csi_router_free(s->router);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
