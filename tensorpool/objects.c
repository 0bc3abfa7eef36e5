/* objects.c - TensorPool object storage: enable, credentials, buckets.
 * All of these are safe to repeat (enable is idempotent, a duplicate bucket
 * is 409, a deleted bucket is 404), so they are retried like reads. The
 * credentials are secrets: they are only ever copied into the caller's
 * struct, never into a message or the debug hook. */
#include <string.h>

#include "tensorpool/client-int.h"
#include "tensorpool/parse.h"

static enum tp_err creds_call(struct tp_client *c, const struct tp_opts *o, const char *method, const char *path,
                              struct tp_s3_creds *out, struct tp_error *err)
{
    struct tp_call call = {.method = method, .safe = true};
    snprintf(call.path, sizeof call.path, "%s", path);
    struct tp_answer ans;
    bool maybe;
    char msg[128];
    enum tp_err rc = tp_exchange(c, o, &call, &ans, &maybe, err);
    if (rc == TP_OK && (rc = ans.obj ? tp_parse_creds(ans.obj, out, msg, sizeof msg) : TP_E_PROTOCOL) != TP_OK)
        tp_fail(err, rc, ans.status, "%s", ans.obj ? msg : "empty credentials answer");
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_object_enable(struct tp_client *c, const struct tp_opts *o, struct tp_s3_creds *out,
                             struct tp_error *err)
{
    return creds_call(c, o, "POST", "/object-storage/enable", out, err);
}

enum tp_err tp_object_credentials(struct tp_client *c, const struct tp_opts *o, struct tp_s3_creds *out,
                                  struct tp_error *err)
{
    return creds_call(c, o, "GET", "/object-storage/credentials", out, err);
}

enum tp_err tp_bucket_list(struct tp_client *c, const struct tp_opts *o, char ***names, size_t *n,
                           struct tp_error *err)
{
    struct tp_call call = {.method = "GET", .path = "/object-storage/bucket/list", .safe = true};
    struct tp_answer ans;
    bool maybe;
    char msg[128];
    *names = NULL;
    *n = 0;
    enum tp_err rc = tp_exchange(c, o, &call, &ans, &maybe, err);
    if (rc == TP_OK && (rc = ans.obj ? tp_parse_buckets(ans.obj, names, n, msg, sizeof msg) : TP_E_PROTOCOL) != TP_OK)
        tp_fail(err, rc, ans.status, "%s", ans.obj ? msg : "empty bucket list");
    tp_answer_free(&ans);
    return rc;
}

static enum tp_err bucket_call(struct tp_client *c, const struct tp_opts *o, const char *method, const char *verb,
                               const char *name, struct tp_error *err)
{
    struct tp_call call = {.method = method, .safe = true};
    if (!tp_path_safe(name))
        return tp_fail(err, TP_E_INVALID, 0, "invalid bucket name");
    if (!tp_call_path(&call, err, "/object-storage/bucket/%s/%s", verb, name))
        return err->code;
    struct tp_answer ans;
    bool maybe;
    enum tp_err rc = tp_exchange(c, o, &call, &ans, &maybe, err);
    tp_answer_free(&ans);
    return rc;
}

enum tp_err tp_bucket_create(struct tp_client *c, const struct tp_opts *o, const char *name, struct tp_error *err)
{
    return bucket_call(c, o, "PUT", "create", name, err);
}

enum tp_err tp_bucket_delete(struct tp_client *c, const struct tp_opts *o, const char *name, struct tp_error *err)
{
    return bucket_call(c, o, "DELETE", "delete", name, err);
}
