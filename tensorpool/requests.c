/* requests.c - waiting for TensorPool's async requests (202 + request_id):
 * poll GET /request/info/{id}, sleeping what Retry-After asks (at least
 * 100 ms, so "Retry-After: 0" cannot spin), within the caller's deadline. */
#include <string.h>

#include "tensorpool/client-int.h"
#include "tensorpool/parse.h"

#define MIN_POLL_NS 100000000LL
#define DEFAULT_POLL_NS 2000000000LL

static enum tp_err poll_once(struct tp_client *c, const struct tp_opts *o, const char *id, struct tp_request *out,
                             int64_t *wait_ns, struct tp_error *err)
{
    struct tp_call call = {.method = "GET", .safe = true};
    if (!tp_call_path(&call, err, "/request/info/%s", id))
        return err->code;
    struct tp_answer ans;
    bool maybe;
    enum tp_err rc = tp_exchange(c, o, &call, &ans, &maybe, err);
    if (rc != TP_OK)
        return rc;
    char msg[128];
    rc = ans.obj ? tp_parse_request(ans.obj, out, msg, sizeof msg) : TP_E_PROTOCOL;
    if (rc != TP_OK)
        tp_fail(err, TP_E_PROTOCOL, ans.status, "request %s: %s", id, ans.obj ? msg : "empty answer");
    *wait_ns = ans.retry_after_s >= 0 ? tp_retry_after_ns(ans.retry_after_s) : DEFAULT_POLL_NS;
    if (*wait_ns < MIN_POLL_NS)
        *wait_ns = MIN_POLL_NS;
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_request_wait(struct tp_client *c, const struct tp_opts *o, const char *request_id,
                            struct tp_request *out, struct tp_error *err)
{
    if (!tp_path_safe(request_id))
        return tp_fail(err, TP_E_INVALID, 0, "invalid request id");
    for (;;) {
        int64_t wait;
        enum tp_err rc = poll_once(c, o, request_id, out, &wait, err);
        if (rc != TP_OK)
            return rc;
        if (out->status == TP_REQ_COMPLETED)
            return TP_OK;
        if (out->status == TP_REQ_FAILED)
            return tp_fail(err, TP_E_FAILED, 0, "request %s (%s) failed%s%s", out->id, out->type,
                           out->message[0] ? ": " : "", out->message);
        if ((rc = tp_pause(c, o, wait, err)) != TP_OK)
            return rc;
    }
}
