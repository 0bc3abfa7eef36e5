/* admin.c - the /_emulator endpoints (an EMULATOR EXTENSION, no auth): fault
 * settings, run-time config, request stats and the bucket test hook. They let
 * a test change the emulator's behaviour without restarting it. */
#include <stdio.h>

#include "body.h"
#include "handlers.h"

void emu_handle_admin_faults_get(struct emu_call *c)
{
    emu_reply(c, 200, emu_faults_to_json(&c->st->faults.cfg));
}

/* PUT replaces the whole set (missing fields take their defaults; a missing
 * seed keeps the current one) and reseeds, so a test can replay a sequence. */
void emu_handle_admin_faults_put(struct emu_call *c)
{
    static const char *const allowed[] = {"latency_ms", "error_rate", "rate_429", "drop_rate",
                                          "drop_after_rate", "hang_rate", "hang_ms", "fail_rate",
                                          "seed", NULL};
    struct emu_faults f;
    struct emu_body b;
    int64_t seed = (int64_t)c->st->faults.cfg.seed;

    if (!emu_body_begin(c, &b))
        return;
    emu_faults_defaults(&f);
    emu_body_forbid_extra(&b, allowed);
    emu_body_int(&b, "latency_ms", false, 0, &f.latency_ms);
    emu_body_number(&b, "error_rate", 0, 1, &f.error_rate);
    emu_body_number(&b, "rate_429", 0, 1, &f.rate_429);
    emu_body_number(&b, "drop_rate", 0, 1, &f.drop_rate);
    emu_body_number(&b, "drop_after_rate", 0, 1, &f.drop_after_rate);
    emu_body_number(&b, "hang_rate", 0, 1, &f.hang_rate);
    emu_body_int(&b, "hang_ms", false, 0, &f.hang_ms);
    emu_body_number(&b, "fail_rate", 0, 1, &f.fail_rate);
    emu_body_int(&b, "seed", false, 0, &seed);
    if (!emu_body_end(&b))
        return;
    f.seed = (uint64_t)seed;
    emu_faults_configure(&c->st->faults, &f);
    emu_reply(c, 200, emu_faults_to_json(&f));
}

static json_t *config_json(const struct emu_config *cfg)
{
    return json_pack("{ss sI sI so}", "list_format", emu_list_format_name(cfg->list_format),
                     "provisioning_delay_ms", (json_int_t)cfg->delay_ms, "retry_after",
                     (json_int_t)cfg->retry_after, "balance",
                     cfg->has_balance ? json_real(cfg->balance) : json_null());
}

void emu_handle_admin_config_get(struct emu_call *c)
{
    emu_reply(c, 200, config_json(&c->st->cfg));
}

static void read_balance(struct emu_body *b, struct emu_config *cfg)
{
    json_t *v = json_object_get(b->obj, "balance");

    if (!v)
        return;
    if (json_is_null(v)) {
        cfg->has_balance = false;
    } else if (json_is_number(v) && json_number_value(v) >= 0) {
        cfg->has_balance = true;
        cfg->balance = json_number_value(v);
    } else {
        emu_body_field_error(b, "balance", "Input should be a non-negative number or null",
                             "float_type");
    }
}

/* PUT updates only the fields it names; "balance": null means unlimited.
 * A new provisioning delay applies to requests created from then on. */
void emu_handle_admin_config_put(struct emu_call *c)
{
    static const char *const allowed[] = {"list_format", "provisioning_delay_ms", "retry_after",
                                          "balance", NULL};
    struct emu_config cfg = c->st->cfg;
    struct emu_body b;
    const char *format = NULL;

    if (!emu_body_begin(c, &b))
        return;
    emu_body_forbid_extra(&b, allowed);
    if (emu_body_string(&b, "list_format", false, false, &format) &&
        !emu_list_format_parse(format, &cfg.list_format))
        emu_body_field_error(&b, "list_format", "Input should be 'text', 'structured' or 'both'",
                             "enum");
    emu_body_int(&b, "provisioning_delay_ms", false, 0, &cfg.delay_ms);
    emu_body_int(&b, "retry_after", false, 0, &cfg.retry_after);
    read_balance(&b, &cfg);
    if (!emu_body_end(&b))
        return;
    c->st->cfg = cfg;
    emu_reply(c, 200, config_json(&cfg));
}

void emu_handle_admin_stats(struct emu_call *c)
{
    /* A copy: the reply is serialised after the lock is released. */
    emu_reply(c, 200, json_pack("{sI so}", "total", (json_int_t)c->st->stats_total, "by_route",
                                json_deep_copy(c->st->stats_by_route)));
}

void emu_handle_admin_reset(struct emu_call *c)
{
    c->st->stats_total = 0;
    json_object_clear(c->st->stats_by_route);
    emu_reply_message(c, 200, "Stats cleared");
}

/* Marks a bucket as holding count objects, so a delete can hit 409. */
void emu_handle_admin_bucket_objects(struct emu_call *c)
{
    struct emu_bucket_store *store = c->st->buckets;
    struct emu_body b;
    int64_t count = 0;

    if (!emu_body_begin(c, &b))
        return;
    emu_body_int(&b, "count", true, 0, &count);
    if (!emu_body_end(&b))
        return;
    switch (store->ops->set_object_count(store->impl, c->params[0], count)) {
    case EMU_BUCKET_OK:
        c->changed = true;
        emu_reply(c, 200, json_pack("{ss sI}", "bucket", c->params[0], "objects", (json_int_t)count));
        break;
    case EMU_BUCKET_NOT_FOUND:
        emu_reply_message(c, 404, "Bucket %s not found", c->params[0]);
        break;
    default:
        emu_reply_message(c, 500, "Bucket store failed");
        break;
    }
}
