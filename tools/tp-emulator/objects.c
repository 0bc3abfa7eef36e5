/* objects.c - the /object-storage endpoints: the org-wide switch, its S3
 * credentials (from the --s3-* flags) and buckets. Bucket names are checked
 * here, against S3's rules, so every bucket backend gets valid names; the
 * backend itself is reached only through struct emu_bucket_ops. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "handlers.h"

#define ORG_ID "org-emulator"

static bool is_lower_alnum(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }

/* S3 bucket naming: 3-63 characters of [a-z0-9.-], starting and ending with a
 * letter or digit, no "..", not shaped like an IPv4 address. */
static bool bucket_name_valid(const char *name, char *why, size_t whylen)
{
    size_t len = strlen(name);
    struct in_addr ip;

    if (len < 3 || len > 63) {
        snprintf(why, whylen, "must be 3 to 63 characters long");
        return false;
    }
    for (size_t i = 0; i < len; i++)
        if (!is_lower_alnum(name[i]) && name[i] != '-' && name[i] != '.') {
            snprintf(why, whylen, "may contain only lowercase letters, digits, '-' and '.'");
            return false;
        }
    if (!is_lower_alnum(name[0]) || !is_lower_alnum(name[len - 1])) {
        snprintf(why, whylen, "must start and end with a lowercase letter or digit");
        return false;
    }
    if (strstr(name, "..")) {
        snprintf(why, whylen, "must not contain \"..\"");
        return false;
    }
    if (inet_pton(AF_INET, name, &ip) == 1) {
        snprintf(why, whylen, "must not be an IP address");
        return false;
    }
    return true;
}

static json_t *credentials_json(const struct emu_state *st)
{
    char when[EMU_ISO8601_LEN];

    emu_iso8601(st->os_enabled_ms, when);
    return json_pack("{ss ss ss ss ss sn sn ss ss ss}", "org_id", ORG_ID, "access_key_id",
                     st->s3.access_key, "secret_access_key", st->s3.secret_key, "endpoint",
                     st->s3.endpoint, "region", st->s3.region, "profile_id", "iam_username",
                     "status", "ACTIVE", "created_at", when, "updated_at", when);
}

static bool enabled_or_404(struct emu_call *c)
{
    if (!c->st->os_enabled)
        emu_reply_message(c, 404, "Object storage is not enabled");
    return c->st->os_enabled;
}

void emu_handle_os_enable(struct emu_call *c)
{
    json_t *reply;

    if (!c->st->os_enabled) {
        c->st->os_enabled = true;
        c->st->os_enabled_ms = emu_now_ms();
        c->changed = true;
    }
    reply = credentials_json(c->st);
    json_object_set_new(reply, "message", json_string("Object storage enabled"));
    emu_reply(c, 200, reply);
}

void emu_handle_os_credentials(struct emu_call *c)
{
    if (enabled_or_404(c))
        emu_reply(c, 200, credentials_json(c->st));
}

void emu_handle_os_disable(struct emu_call *c)
{
    /* Buckets stay in the store and come back with the next enable. */
    if (c->st->os_enabled) {
        c->st->os_enabled = false;
        c->changed = true;
    }
    emu_reply_message(c, 200, "Object storage disabled");
}

void emu_handle_bucket_list(struct emu_call *c)
{
    struct emu_bucket_store *store = c->st->buckets;
    json_t *names;

    if (!enabled_or_404(c))
        return;
    names = json_array();
    if (store->ops->list(store->impl, names) != EMU_BUCKET_OK) {
        json_decref(names);
        emu_reply_message(c, 500, "Bucket store failed");
        return;
    }
    emu_reply(c, 200, json_pack("{so}", "buckets", names));
}

void emu_handle_bucket_create(struct emu_call *c)
{
    struct emu_bucket_store *store = c->st->buckets;
    const char *name = c->params[0];
    char why[128];

    if (!enabled_or_404(c))
        return;
    if (!bucket_name_valid(name, why, sizeof why)) {
        emu_reply_message(c, 400, "Invalid bucket name \"%s\": %s", name, why);
        return;
    }
    switch (store->ops->create(store->impl, name)) {
    case EMU_BUCKET_OK:
        c->changed = true;
        emu_reply_message(c, 201, "Bucket %s created", name);
        break;
    case EMU_BUCKET_EXISTS:
        emu_reply_message(c, 409, "Bucket %s already exists", name);
        break;
    default:
        emu_reply_message(c, 500, "Bucket store failed");
        break;
    }
}

void emu_handle_bucket_delete(struct emu_call *c)
{
    struct emu_bucket_store *store = c->st->buckets;
    const char *name = c->params[0];

    if (!enabled_or_404(c))
        return;
    switch (store->ops->remove(store->impl, name)) {
    case EMU_BUCKET_OK:
        c->changed = true;
        emu_reply(c, 204, NULL);
        break;
    case EMU_BUCKET_NOT_FOUND:
        emu_reply_message(c, 404, "Bucket %s not found", name);
        break;
    case EMU_BUCKET_NOT_EMPTY:
        emu_reply_message(c, 409, "Bucket %s is not empty", name);
        break;
    default:
        emu_reply_message(c, 500, "Bucket store failed");
        break;
    }
}
