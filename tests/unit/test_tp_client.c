/* Unit tests for the TensorPool client (tensorpool/tp.h) through its public API, on a virtual clock and a scripted or modelled fake HTTP server (tp_fake.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csi/validate.h"
#include "tensorpool/tp.h"
#include "tests/unit/tp_fake.h"

#define ENGINE "http://tp.test"
#define KEY "sk-test-0123456789abcdef"
#define EMPTY_LIST "{\"message\":\"No storage volumes found.\"}"

#define STEP(m, p, st, b) ((struct fake_step){.method = (m), .prefix = (p), .status = (st), .body = (b)})
#define STEP_RA(m, p, st, b, ra) \
    ((struct fake_step){.method = (m), .prefix = (p), .status = (st), .body = (b), .retry_after = (ra), .has_retry_after = true})
#define OUTCOME(m, p, o) ((struct fake_step){.method = (m), .prefix = (p), .out = (o)})

struct t {
    struct fake_clock clk;
    struct fake f;
    struct tp_client *c;
    struct tp_error err;
    struct tp_opts o;
    char dir[64]; /* scratch directory for key files; "" if none */
};

static void clear_env(void);
static void clear_env(void)
{
    unsetenv("TENSORPOOL_ENGINE");
    unsetenv("TENSORPOOL_KEY");
    unsetenv("TENSORPOOL_API_KEY");
}

static struct tp_config base_config(struct t *t);
static struct tp_config base_config(struct t *t)
{
    return (struct tp_config){.engine = ENGINE, .api_key = KEY, .http = fake_http_ops(), .http_ctx = &t->f,
                              .clock = fake_clock_ops(), .clock_ctx = &t->clk, .seed = 42};
}

/* Replaces the client with one built from cfg (asserting it is accepted). */
static void reclient(struct t *t, const struct tp_config *cfg);
static void reclient(struct t *t, const struct tp_config *cfg)
{
    tp_client_free(t->c);
    t->c = tp_client_new(cfg, &t->err);
    assert_non_null(t->c);
}

/* A fresh fake (no steps, no requests, empty model); the client keeps it. */
static void reset_fake(struct t *t);
static void reset_fake(struct t *t)
{
    bool model = t->f.model;
    fake_free(&t->f);
    fake_init(&t->f, &t->clk, ENGINE);
    t->f.model = model;
    memset(&t->err, 0, sizeof t->err);
}

static int setup(void **state);
static int setup(void **state)
{
    struct t *t = calloc(1, sizeof *t);
    clear_env();
    fake_clock_init(&t->clk);
    fake_init(&t->f, &t->clk, ENGINE);
    struct tp_config cfg = base_config(t);
    t->c = tp_client_new(&cfg, &t->err);
    *state = t;
    return t->c ? 0 : -1;
}

static int setup_model(void **state);
static int setup_model(void **state)
{
    int rc = setup(state);
    ((struct t *)*state)->f.model = true;
    return rc;
}

static int teardown(void **state);
static int teardown(void **state)
{
    struct t *t = *state;
    tp_client_free(t->c);
    fake_free(&t->f);
    if (t->dir[0]) { /* key_file_client's files */
        char path[160];
        snprintf(path, sizeof path, "%s/key", t->dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/key.new", t->dir);
        unlink(path);
        if (rmdir(t->dir) != 0)
            return -1;
    }
    free(t);
    clear_env();
    return 0;
}

#define assert_script_done(t)                                                      \
    do {                                                                           \
        if ((t)->f.unexpected)                                                     \
            fail_msg("unexpected request: %s", (t)->f.unexpected_what);            \
        if (!fake_script_done(&(t)->f))                                            \
            fail_msg("the script was not used up (%zu requests)", (t)->f.n_recs);  \
    } while (0)

/* Virtual time between the end of request i-1 and the start of request i. */
static int64_t gap(struct t *t, size_t i);
static int64_t gap(struct t *t, size_t i)
{
    assert_true(i > 0 && i < t->f.n_recs);
    return t->f.recs[i].t_start - t->f.recs[i - 1].t_end;
}

static void assert_json_body(const char *body, const char *expected);
static void assert_json_body(const char *body, const char *expected)
{
    assert_non_null(body);
    json_t *a = json_loads(body, 0, NULL), *b = json_loads(expected, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    bool same = json_equal(a, b);
    json_decref(a);
    json_decref(b);
    if (!same)
        fail_msg("body %s, expected %s", body, expected);
}

static bool valid_utf8(const char *s);
static bool valid_utf8(const char *s) { return csi_utf8_valid(s, strlen(s)); }

/* Stops once the fake has seen `after` requests. */
struct stopper {
    struct fake *f;
    size_t after;
    int calls;
};

static bool stop_after(void *arg);
static bool stop_after(void *arg)
{
    struct stopper *s = arg;
    s->calls++;
    return s->f->n_recs >= s->after;
}

static enum tp_err list_n(struct t *t, size_t *n);
static enum tp_err list_n(struct t *t, size_t *n)
{
    struct tp_volume *v = NULL;
    enum tp_err rc = tp_volume_list(t->c, &t->o, &v, n, &t->err);
    free(v);
    return rc;
}

/* ============================================================ configuration */

static void test_engine_comes_from_the_config_before_the_environment(void **state)
{
    struct t *t = *state;
    setenv("TENSORPOOL_ENGINE", "http://env.test", 1);
    struct tp_config cfg = base_config(t);
    cfg.engine = "https://cfg.test:8443/base";
    reclient(t, &cfg);
    assert_string_equal(tp_client_engine(t->c), "https://cfg.test:8443/base");
    fake_push(&t->f, STEP("GET", "", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[0].url, "https://cfg.test:8443/base/storage/list");
}

static void test_engine_comes_from_the_environment_when_not_configured(void **state)
{
    struct t *t = *state;
    setenv("TENSORPOOL_ENGINE", "http://env.test:8080", 1);
    struct tp_config cfg = base_config(t);
    cfg.engine = NULL;
    reclient(t, &cfg);
    assert_string_equal(tp_client_engine(t->c), "http://env.test:8080");
}

static void test_engine_defaults_to_the_tensorpool_engine(void **state)
{
    struct t *t = *state;
    struct tp_config cfg = base_config(t);
    cfg.engine = NULL;
    reclient(t, &cfg);
    assert_string_equal(tp_client_engine(t->c), TP_DEFAULT_ENGINE);
    setenv("TENSORPOOL_ENGINE", "", 1);
    reclient(t, &cfg);
    assert_string_equal(tp_client_engine(t->c), TP_DEFAULT_ENGINE);
}

static void test_engine_trailing_slashes_are_stripped_from_request_urls(void **state)
{
    struct t *t = *state;
    struct tp_config cfg = base_config(t);
    cfg.engine = "http://tp.test/api///";
    reclient(t, &cfg);
    assert_string_equal(tp_client_engine(t->c), "http://tp.test/api");
    fake_push(&t->f, STEP("GET", "/api/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[0].url, "http://tp.test/api/storage/list");
    assert_script_done(t);
}

static void test_engine_that_is_not_an_http_url_is_rejected(void **state)
{
    struct t *t = *state;
    const char *bad[] = {"ftp://tp.test", "tp.test", "file:///etc/passwd", "http://tp.test/?x=1",
                         "http://tp .test", "http://tp.test/#frag", "https:/tp.test", "javascript:alert(1)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tp_config cfg = base_config(t);
        cfg.engine = bad[i];
        struct tp_error err = {0};
        struct tp_client *c = tp_client_new(&cfg, &err);
        bool rejected = c == NULL;
        tp_client_free(c);
        if (!rejected)
            fail_msg("engine \"%s\" accepted", bad[i]);
        assert_int_equal(err.code, TP_E_INVALID);
        assert_true(err.message[0] != 0);
    }
    /* the environment's URL is checked the same way */
    setenv("TENSORPOOL_ENGINE", "gopher://tp.test", 1);
    struct tp_config cfg = base_config(t);
    cfg.engine = NULL;
    struct tp_error err = {0};
    struct tp_client *c = tp_client_new(&cfg, &err);
    bool rejected = c == NULL;
    tp_client_free(c);
    assert_true(rejected);
}

/* "https://" passes the scheme check and, with its slashes stripped,
 * becomes the engine "https:": a URL without a host is unusable. */
static void test_engine_without_a_host_is_rejected(void **state)
{
    struct t *t = *state;
    const char *bad[] = {"https://", "http://", "http:///storage"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tp_config cfg = base_config(t);
        cfg.engine = bad[i];
        struct tp_error err = {0};
        struct tp_client *c = tp_client_new(&cfg, &err);
        char engine[64] = "";
        if (c)
            snprintf(engine, sizeof engine, "%s", tp_client_engine(c));
        tp_client_free(c);
        if (c)
            fail_msg("engine \"%s\" accepted (as \"%s\")", bad[i], engine);
        assert_int_equal(err.code, TP_E_INVALID);
    }
}

static void test_key_comes_from_the_config_before_the_environment(void **state)
{
    struct t *t = *state;
    setenv("TENSORPOOL_KEY", "env-key", 1);
    setenv("TENSORPOOL_API_KEY", "env-api-key", 1);
    struct tp_config cfg = base_config(t);
    cfg.api_key = "cfg-key";
    reclient(t, &cfg);
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[0].bearer, "cfg-key");
}

static void test_key_comes_from_tensorpool_key_then_tensorpool_api_key(void **state)
{
    struct t *t = *state;
    struct tp_config cfg = base_config(t);
    cfg.api_key = NULL;
    setenv("TENSORPOOL_KEY", "env-key", 1);
    setenv("TENSORPOOL_API_KEY", "env-api-key", 1);
    reclient(t, &cfg);
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[0].bearer, "env-key");

    unsetenv("TENSORPOOL_KEY");
    reclient(t, &cfg);
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[1].bearer, "env-api-key");

    setenv("TENSORPOOL_KEY", "", 1); /* empty counts as unset */
    reclient(t, &cfg);
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[2].bearer, "env-api-key");
    assert_script_done(t);
}

static void test_no_key_is_unauthorized_without_any_request(void **state)
{
    struct t *t = *state;
    struct tp_config cfg = base_config(t);
    cfg.api_key = NULL;
    reclient(t, &cfg);
    size_t n;
    assert_int_equal(list_n(t, &n), TP_E_UNAUTHORIZED);
    assert_int_equal(t->err.code, TP_E_UNAUTHORIZED);
    assert_int_equal(t->err.http_status, 0);
    assert_true(t->err.message[0] != 0);
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, NULL, "vol-a", 1, false, &v, &t->err), TP_E_UNAUTHORIZED);
    assert_int_equal(tp_volume_destroy(t->c, NULL, "s-1", &t->err), TP_E_UNAUTHORIZED);
    assert_int_equal(tp_health(t->c, NULL, &t->err), TP_E_UNAUTHORIZED);
    assert_int_equal(t->f.n_recs, 0);
}

static void test_per_call_api_key_overrides_the_configured_key(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    t->o.api_key = "sk-from-csi-secrets";
    assert_int_equal(list_n(t, &n), TP_OK);
    t->o.api_key = NULL;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[0].bearer, "sk-from-csi-secrets");
    assert_string_equal(t->f.recs[1].bearer, KEY);

    /* the override also works when nothing is configured */
    struct tp_config cfg = base_config(t);
    cfg.api_key = NULL;
    reclient(t, &cfg);
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    t->o.api_key = "sk-only-per-call";
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_string_equal(t->f.recs[2].bearer, "sk-only-per-call");
    assert_script_done(t);
}

static void write_file(const char *path, const char *text);
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void set_mtime(const char *path, time_t sec);
static void set_mtime(const char *path, time_t sec)
{
    struct timespec ts[2] = {{.tv_sec = sec}, {.tv_sec = sec}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Makes t->dir and a client reading dir/key; returns the file's path. */
static const char *key_file_client(struct t *t, const char *content);
static const char *key_file_client(struct t *t, const char *content)
{
    static char path[128];
    snprintf(t->dir, sizeof t->dir, "/tmp/tp-unit-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(path, sizeof path, "%s/key", t->dir);
    write_file(path, content);
    set_mtime(path, 1000000);
    struct tp_config cfg = base_config(t);
    cfg.api_key_file = path;
    reclient(t, &cfg);
    return path;
}

static const char *bearer_of_next_get(struct t *t);
static const char *bearer_of_next_get(struct t *t)
{
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    return t->f.recs[t->f.n_recs - 1].bearer;
}

static void test_key_file_wins_over_the_key_and_its_line_end_is_stripped(void **state)
{
    struct t *t = *state;
    const char *path = key_file_client(t, "sk-from-file\n");
    assert_string_equal(bearer_of_next_get(t), "sk-from-file");
    write_file(path, "sk-crlf\r\n");
    assert_string_equal(bearer_of_next_get(t), "sk-crlf");
}

static void test_key_file_is_read_again_after_a_rewrite_with_another_size(void **state)
{
    struct t *t = *state;
    const char *path = key_file_client(t, "sk-one\n");
    assert_string_equal(bearer_of_next_get(t), "sk-one");
    assert_string_equal(bearer_of_next_get(t), "sk-one");
    write_file(path, "sk-number-two\n");
    set_mtime(path, 1000000); /* same mtime: the size alone tells */
    assert_string_equal(bearer_of_next_get(t), "sk-number-two");
}

static void test_key_file_is_read_again_after_a_same_size_rewrite_with_a_new_mtime(void **state)
{
    struct t *t = *state;
    const char *path = key_file_client(t, "sk-AAAA\n");
    assert_string_equal(bearer_of_next_get(t), "sk-AAAA");
    write_file(path, "sk-BBBB\n");
    set_mtime(path, 1000010);
    assert_string_equal(bearer_of_next_get(t), "sk-BBBB");
}

static void test_key_file_is_read_again_after_being_replaced_by_rename(void **state)
{
    struct t *t = *state;
    const char *path = key_file_client(t, "sk-old1\n");
    assert_string_equal(bearer_of_next_get(t), "sk-old1");
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s/key.new", t->dir);
    write_file(tmp, "sk-new1\n");
    set_mtime(tmp, 1000000); /* same size, same mtime: only the inode differs */
    assert_int_equal(rename(tmp, path), 0);
    assert_string_equal(bearer_of_next_get(t), "sk-new1");
}

struct lines {
    int n;
    char all[8192];
};

static void collect_line(void *arg, const char *line);
static void collect_line(void *arg, const char *line)
{
    struct lines *l = arg;
    l->n++;
    snprintf(l->all + strlen(l->all), sizeof l->all - strlen(l->all), "%s\n", line);
}

static void test_debug_hook_gets_one_line_per_exchange_without_key_or_body(void **state)
{
    struct t *t = *state;
    struct lines lines = {0};
    struct tp_config cfg = base_config(t);
    cfg.debug = collect_line;
    cfg.debug_arg = &lines;
    reclient(t, &cfg);
    t->f.model = true;
    fake_push(&t->f, OUTCOME("GET", "/storage/list", FAKE_NOT_SENT));
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, NULL, "body-only-name", 3, true, &v, &t->err), TP_OK);
    assert_int_equal(lines.n, (int)t->f.n_recs);
    assert_non_null(strstr(lines.all, "GET /storage/list -> not sent"));
    assert_non_null(strstr(lines.all, "GET /storage/list -> 200"));
    assert_non_null(strstr(lines.all, "POST /storage/create -> 202"));
    assert_null(strstr(lines.all, KEY));
    assert_null(strstr(lines.all, "body-only-name"));
    assert_null(strstr(lines.all, "deletion_protection"));
}

static void test_timeouts_from_the_config_reach_the_http_layer(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_int_equal(t->f.recs[0].timeout_ms, 30000);
    assert_int_equal(t->f.recs[0].connect_timeout_ms, 5000);
    struct tp_config cfg = base_config(t);
    cfg.connect_timeout_ms = 1234;
    cfg.request_timeout_ms = 5678;
    cfg.include_org = true;
    reclient(t, &cfg);
    fake_push(&t->f, STEP("GET", "/storage/list?include_org=true", 200, EMPTY_LIST));
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_int_equal(t->f.recs[1].timeout_ms, 5678);
    assert_int_equal(t->f.recs[1].connect_timeout_ms, 1234);
    assert_script_done(t);
}

static void test_client_free_leaves_a_caller_supplied_http_context_alone(void **state)
{
    struct t *t = *state;
    tp_client_free(t->c);
    t->c = NULL;
    assert_false(t->f.destroyed);
    tp_client_free(NULL);
}

static void test_every_error_code_has_a_description(void **state)
{
    (void)state;
    for (int e = TP_OK; e <= TP_E_INTERNAL; e++) {
        const char *s = tp_strerror((enum tp_err)e);
        assert_non_null(s);
        assert_string_not_equal(s, "unknown error");
    }
    assert_string_equal(tp_strerror((enum tp_err)999), "unknown error");
}

/* ================================================================= retries */

static void test_get_is_retried_after_not_sent_lost_timeout_and_5xx_until_it_succeeds(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, OUTCOME("GET", "/storage/list", FAKE_NOT_SENT));
    fake_push(&t->f, OUTCOME("GET", "/storage/list", FAKE_LOST));
    fake_push(&t->f, OUTCOME("GET", "/storage/list", FAKE_TIMEOUT));
    fake_push(&t->f, STEP("GET", "/storage/list", 500, "{\"detail\":\"Internal Server Error\"}"));
    fake_push(&t->f, STEP("GET", "/storage/list", 502, "<html>bad gateway</html>"));
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n = 9;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(t->f.n_recs, 6);
    assert_script_done(t);
}

static void test_get_gives_up_after_max_attempts_as_unavailable(void **state)
{
    struct t *t = *state;
    struct fake_step s = STEP("GET", "/storage/list", 503, "{\"message\":\"maintenance\"}");
    s.times = -1;
    fake_push(&t->f, s);
    size_t n;
    assert_int_equal(list_n(t, &n), TP_E_UNAVAILABLE);
    assert_int_equal(t->f.n_recs, 6);
    assert_int_equal(t->err.http_status, 503);
    assert_non_null(strstr(t->err.message, "maintenance"));

    struct tp_config cfg = base_config(t);
    cfg.max_attempts = 3;
    reclient(t, &cfg);
    reset_fake(t);
    fake_push(&t->f, s);
    assert_int_equal(list_n(t, &n), TP_E_UNAVAILABLE);
    assert_int_equal(t->f.n_recs, 3);
}

static void test_get_that_keeps_timing_out_is_retried_max_attempts_times(void **state)
{
    struct t *t = *state;
    struct fake_step s = OUTCOME("GET", "/storage/list", FAKE_TIMEOUT);
    s.times = -1;
    fake_push(&t->f, s);
    size_t n;
    assert_int_not_equal(list_n(t, &n), TP_OK);
    assert_int_equal(t->f.n_recs, 6);
    assert_null(strstr(t->err.message, KEY));
}

static void test_429_is_retried_and_ends_rate_limited(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/list", 429, "{\"detail\":\"Too Many Requests\"}"));
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_int_equal(t->f.n_recs, 2);
    reset_fake(t);
    struct fake_step s = STEP("GET", "/storage/list", 429, "{\"detail\":\"Too Many Requests\"}");
    s.times = -1;
    fake_push(&t->f, s);
    assert_int_equal(list_n(t, &n), TP_E_RATE_LIMITED);
    assert_int_equal(t->f.n_recs, 6);
    assert_int_equal(t->err.http_status, 429);
}

static void test_backoff_delays_grow_and_stay_within_equal_jitter_bounds(void **state)
{
    struct t *t = *state;
    int64_t first_seen[2] = {-1, -1};
    for (uint64_t seed = 1; seed <= 32; seed++) {
        struct tp_config cfg = base_config(t);
        cfg.seed = seed * 0x9E3779B97F4A7C15ULL;
        cfg.max_attempts = 10;
        reclient(t, &cfg);
        reset_fake(t);
        struct fake_step s = STEP("GET", "/storage/list", 503, "{}");
        s.times = -1;
        fake_push(&t->f, s);
        size_t n;
        int64_t t0 = fake_clock_now(&t->clk);
        assert_int_equal(list_n(t, &n), TP_E_UNAVAILABLE);
        assert_int_equal(t->f.n_recs, 10);
        int64_t total = 0;
        for (size_t i = 1; i < t->f.n_recs; i++) {
            int64_t base = (250 * NS_PER_MS) << (i - 1);
            if (base > 8 * NS_PER_S)
                base = 8 * NS_PER_S;
            int64_t g = gap(t, i);
            if (g < base / 2 || g > base)
                fail_msg("seed %llu, retry %zu: waited %lld ns, outside [%lld, %lld]", (unsigned long long)seed, i,
                         (long long)g, (long long)(base / 2), (long long)base);
            if (i > 1 && base <= 4 * NS_PER_S) /* [base/2, base] follows [base/4, base/2]; at the cap they overlap */
                assert_true(g >= gap(t, i - 1));
            total += g;
        }
        assert_int_equal(fake_clock_now(&t->clk) - t0, total); /* no other time passed */
        if (first_seen[0] < 0)
            first_seen[0] = gap(t, 1);
        else if (gap(t, 1) != first_seen[0])
            first_seen[1] = gap(t, 1);
    }
    assert_true(first_seen[1] >= 0); /* the jitter does vary */
}

static void test_retry_after_is_honoured_when_longer_than_the_backoff(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP_RA("GET", "/storage/list", 429, "{}", 5));
    fake_push(&t->f, STEP_RA("GET", "/storage/list", 503, "{}", 7));
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_int_equal(gap(t, 1), 5 * NS_PER_S);
    assert_int_equal(gap(t, 2), 7 * NS_PER_S);
    assert_script_done(t);
}

static void test_retry_after_shorter_than_the_backoff_does_not_shorten_it(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP_RA("GET", "/storage/list", 503, "{}", 0));
    fake_push(&t->f, STEP("GET", "/storage/list", 503, "{}"));
    fake_push(&t->f, STEP("GET", "/storage/list", 503, "{}"));
    fake_push(&t->f, STEP_RA("GET", "/storage/list", 503, "{}", 1)); /* 4th retry: backoff 1-2 s... */
    fake_push(&t->f, STEP_RA("GET", "/storage/list", 503, "{}", 1)); /* 5th: 2-4 s */
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_OK);
    assert_in_range(gap(t, 1), 125 * NS_PER_MS, 250 * NS_PER_MS);
    assert_in_range(gap(t, 4), 1 * NS_PER_S, 2 * NS_PER_S);
    assert_in_range(gap(t, 5), 2 * NS_PER_S, 4 * NS_PER_S);
    assert_script_done(t);
}

static void test_deadline_stops_the_retries_with_timeout(void **state)
{
    struct t *t = *state;
    struct fake_step s = STEP("GET", "/storage/list", 503, "{\"message\":\"overloaded\"}");
    s.times = -1;
    fake_push(&t->f, s);
    t->o.deadline_ns = fake_clock_now(&t->clk) + 1 * NS_PER_S;
    size_t n;
    assert_int_equal(list_n(t, &n), TP_E_TIMEOUT);
    assert_int_equal(fake_clock_now(&t->clk), t->o.deadline_ns); /* not a nanosecond later */
    assert_true(t->f.n_recs >= 2 && t->f.n_recs < 6);
    assert_non_null(strstr(t->err.message, "deadline exceeded"));
    assert_non_null(strstr(t->err.message, "overloaded"));
    for (size_t i = 0; i < t->f.n_recs; i++) { /* each attempt only gets the time that is left */
        long left_ms = (long)((t->o.deadline_ns - t->f.recs[i].t_start) / NS_PER_MS);
        assert_true(t->f.recs[i].timeout_ms <= (left_ms > 1 ? left_ms : 1));
        assert_true(t->f.recs[i].connect_timeout_ms <= t->f.recs[i].timeout_ms);
    }
}

static void test_deadline_already_passed_sends_nothing(void **state)
{
    struct t *t = *state;
    t->o.deadline_ns = fake_clock_now(&t->clk);
    size_t n;
    assert_int_equal(list_n(t, &n), TP_E_TIMEOUT);
    assert_int_equal(t->f.n_recs, 0);
}

static void test_stop_callback_cancels_between_attempts(void **state)
{
    struct t *t = *state;
    struct fake_step s = STEP("GET", "/storage/list", 503, "{}");
    s.times = -1;
    fake_push(&t->f, s);
    struct stopper stop = {.f = &t->f, .after = 2};
    t->o.stop = stop_after;
    t->o.stop_arg = &stop;
    size_t n;
    assert_int_equal(list_n(t, &n), TP_E_CANCELLED);
    assert_int_equal(t->f.n_recs, 2);
    assert_int_equal(t->err.code, TP_E_CANCELLED);

    stop.after = 0; /* already stopped: nothing is sent */
    reset_fake(t);
    assert_int_equal(list_n(t, &n), TP_E_CANCELLED);
    assert_int_equal(t->f.n_recs, 0);
}

static void test_http_errors_map_to_codes_and_4xx_are_not_retried(void **state)
{
    struct t *t = *state;
    static const struct { long status; const char *body; enum tp_err code; } cases[] = {
        {400, "{\"detail\":\"Bad request\"}", TP_E_INVALID},
        {401, "{\"detail\":\"Invalid API key\"}", TP_E_UNAUTHORIZED},
        {402, "{\"detail\":\"Insufficient balance\"}", TP_E_BALANCE},
        {403, "{\"detail\":\"Forbidden\"}", TP_E_FORBIDDEN},
        {404, "{\"detail\":\"Not Found\"}", TP_E_NOT_FOUND},
        {409, "{\"detail\":\"Storage volume is attached\"}", TP_E_CONFLICT},
        {409, "{\"detail\":\"Deletion protection is enabled\"}", TP_E_PROTECTED},
        {422, "{\"detail\":[{\"loc\":[\"path\",\"id\"],\"msg\":\"bad\"}]}", TP_E_INVALID},
        {418, "I'm a teapot", TP_E_PROTOCOL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reset_fake(t);
        fake_push(&t->f, STEP("GET", "/storage/list", cases[i].status, cases[i].body));
        size_t n;
        enum tp_err rc = list_n(t, &n);
        if (rc != cases[i].code)
            fail_msg("HTTP %ld: %s, expected %s", cases[i].status, tp_strerror(rc), tp_strerror(cases[i].code));
        assert_int_equal(t->err.code, cases[i].code);
        assert_int_equal(t->err.http_status, cases[i].status);
        assert_int_equal(t->f.n_recs, 1);
    }
}

static void test_409_deletion_protection_is_protected_and_other_409_is_conflict(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("DELETE", "/storage/s-1", 409, "{\"detail\":\"Deletion protection is enabled for this volume\"}"));
    assert_int_equal(tp_volume_destroy(t->c, &t->o, "s-1", &t->err), TP_E_PROTECTED);
    assert_non_null(strstr(t->err.message, "Deletion protection is enabled"));
    /* Any other 409 is checked against the volume's state: a READY volume
     * means the conflict stands (here: attached) and its message is kept. */
    fake_push(&t->f, STEP("DELETE", "/storage/s-1", 409, "{\"detail\":\"Storage volume is attached to cluster c-1\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/s-1", 200, "{\"message\":\"ID: s-1\\nStatus: READY\"}"));
    assert_int_equal(tp_volume_destroy(t->c, &t->o, "s-1", &t->err), TP_E_CONFLICT);
    assert_int_equal(t->err.http_status, 409);
    assert_non_null(strstr(t->err.message, "attached to cluster c-1"));
    assert_script_done(t);
}

static void test_409_on_a_volume_already_deleting_waits_until_it_is_gone(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("DELETE", "/storage/s-1", 409, "{\"message\":\"Storage volume s-1 is being deleted\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/s-1", 200, "{\"message\":\"ID: s-1\\nStatus: DELETING\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/s-1", 200, "{\"message\":\"ID: s-1\\nStatus: DELETING\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/s-1", 404, "{\"message\":\"not found\"}"));
    assert_int_equal(tp_volume_destroy(t->c, &t->o, "s-1", &t->err), TP_OK);
    assert_script_done(t);
}

static void test_422_carries_the_fastapi_detail_message(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("PATCH", "/storage/edit/s-1", 422,
                          "{\"detail\":[{\"loc\":[\"body\",\"size_gb\"],\"msg\":\"size can only grow\"}]}"));
    struct tp_edit e = {.deletion_protection = -1, .size_gb = 1};
    assert_int_equal(tp_volume_edit(t->c, &t->o, "s-1", &e, &t->err), TP_E_INVALID);
    assert_string_equal(t->err.message, "HTTP 422: size_gb: size can only grow");
    assert_int_equal(t->f.n_recs, 1);
}

static void test_2xx_answer_that_is_not_a_json_object_is_a_protocol_error(void **state)
{
    struct t *t = *state;
    const char *bodies[] = {"<html>ok</html>", "[]", "{\"message\": \"cut"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        reset_fake(t);
        fake_push(&t->f, STEP("GET", "/storage/list", 200, bodies[i]));
        size_t n;
        assert_int_equal(list_n(t, &n), TP_E_PROTOCOL);
        assert_int_equal(t->err.http_status, 200);
        assert_int_equal(t->f.n_recs, 1);
    }
    reset_fake(t);
    fake_push(&t->f, STEP("GET", "/storage/list", 204, ""));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_E_PROTOCOL);
    reset_fake(t);
    fake_push(&t->f, STEP("GET", "/storage/list", 200, "{\"unexpected\":true}"));
    assert_int_equal(list_n(t, &n), TP_E_PROTOCOL);
}

static void test_error_messages_never_contain_the_api_key(void **state)
{
    struct t *t = *state;
    size_t n;
    fake_push(&t->f, STEP("GET", "/storage/list", 401, "{\"detail\":\"Invalid API key\"}"));
    assert_int_equal(list_n(t, &n), TP_E_UNAUTHORIZED);
    assert_null(strstr(t->err.message, KEY));
    struct fake_step lost = OUTCOME("GET", "/storage/list", FAKE_LOST);
    lost.times = -1;
    fake_push(&t->f, lost);
    assert_int_equal(list_n(t, &n), TP_E_UNAVAILABLE);
    assert_null(strstr(t->err.message, KEY));
    t->o.deadline_ns = fake_clock_now(&t->clk) + NS_PER_S;
    assert_int_equal(list_n(t, &n), TP_E_TIMEOUT);
    assert_null(strstr(t->err.message, KEY));
    for (size_t i = 0; i < t->f.n_recs; i++)
        assert_null(strstr(t->f.recs[i].url, KEY));
}

/* The message is documented as holding no secrets; a server that echoes
 * the key it was given must not get it into err.message. */
static void test_server_message_echoing_the_api_key_does_not_reach_the_error(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/list", 401, "{\"detail\":\"Invalid API key: " KEY "\"}"));
    size_t n;
    assert_int_equal(list_n(t, &n), TP_E_UNAUTHORIZED);
    if (strstr(t->err.message, KEY))
        fail_msg("err.message holds the API key: %s", t->err.message);
}

/* Runs fn(t) in a child process (so that a sanitizer abort fails this test
 * alone); returns its wait status. */
static int in_child(int (*fn)(struct t *), struct t *t);
static int in_child(int (*fn)(struct t *), struct t *t)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(fn(t));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static int huge_retry_after_on_a_retry(struct t *t);
static int huge_retry_after_on_a_retry(struct t *t)
{
    fake_push(&t->f, STEP_RA("GET", "/storage/list", 503, "{}", 10000000000L)); /* ~317 years */
    t->o.deadline_ns = fake_clock_now(&t->clk) + 10 * NS_PER_S;
    size_t n;
    enum tp_err rc = list_n(t, &n);
    return rc == TP_E_TIMEOUT && fake_clock_now(&t->clk) == t->o.deadline_ns ? 0 : 3;
}

static int huge_retry_after_on_a_poll(struct t *t);
static int huge_retry_after_on_a_poll(struct t *t)
{
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"status\":\"PENDING\"}", 10000000000L));
    t->o.deadline_ns = fake_clock_now(&t->clk) + 10 * NS_PER_S;
    struct tp_request r;
    enum tp_err rc = tp_request_wait(t->c, &t->o, "req-1", &r, &t->err);
    return rc == TP_E_TIMEOUT && fake_clock_now(&t->clk) == t->o.deadline_ns ? 0 : 3;
}

/* Retry-After is the server's number of seconds: a huge one must be capped
 * by the deadline, not overflow seconds-to-nanoseconds (UB). */
static void test_huge_retry_after_waits_until_the_deadline_without_overflow(void **state)
{
    struct t *t = *state;
    int st[2] = {in_child(huge_retry_after_on_a_retry, t), in_child(huge_retry_after_on_a_poll, t)};
    const char *what[2] = {"a retry after 503", "a request poll"};
    bool ok = true;
    for (int i = 0; i < 2; i++)
        if (!WIFEXITED(st[i]) || WEXITSTATUS(st[i]) != 0) {
            print_error("Retry-After 1e10 on %s: child %s %d\n", what[i], WIFEXITED(st[i]) ? "exited" : "killed by signal",
                        WIFEXITED(st[i]) ? WEXITSTATUS(st[i]) : WTERMSIG(st[i]));
            ok = false;
        }
    assert_true(ok);
}

static void test_deadline_message_after_a_long_server_error_stays_valid_utf8(void **state)
{
    struct t *t = *state;
    for (int odd = 0; odd <= 1; odd++) {
        reset_fake(t);
        char body[1024];
        snprintf(body, sizeof body, "{\"message\":\"%s", odd ? "x" : "");
        for (int i = 0; i < 150; i++)
            strcat(body, "\\u00e9");
        strcat(body, "\"}");
        struct fake_step s = STEP("GET", "/storage/list", 503, body);
        s.times = -1;
        fake_push(&t->f, s);
        t->o.deadline_ns = fake_clock_now(&t->clk) + NS_PER_S;
        size_t n;
        assert_int_equal(list_n(t, &n), TP_E_TIMEOUT);
        if (!valid_utf8(t->err.message))
            fail_msg("err.message ends with half a character (%zu bytes)", strlen(t->err.message));
    }
}

static void test_health_posts_and_is_retried_as_safe(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, OUTCOME("POST", "/health", FAKE_LOST));
    fake_push(&t->f, STEP("POST", "/health", 200, "{\"message\":\"ok\"}"));
    assert_int_equal(tp_health(t->c, &t->o, &t->err), TP_OK);
    assert_int_equal(t->f.n_recs, 2);
    assert_json_body(t->f.recs[1].body, "{\"package_version\":\"tensorpool-csi\",\"uname\":\"Linux\"}");
    assert_script_done(t);
}

/* ========================================================== request polling */

static void test_request_wait_sleeps_what_retry_after_asks_between_polls(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"request_id\":\"req-1\",\"status\":\"PENDING\"}", 3));
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"request_id\":\"req-1\",\"status\":\"PROCESSING\"}", 3));
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"request_id\":\"req-1\",\"status\":\"COMPLETED\","
                                                             "\"object_id\":\"s-1\"}", 3));
    int64_t t0 = fake_clock_now(&t->clk);
    struct tp_request r;
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-1", &r, &t->err), TP_OK);
    assert_int_equal(r.status, TP_REQ_COMPLETED);
    assert_string_equal(r.object_id, "s-1");
    assert_int_equal(gap(t, 1), 3 * NS_PER_S);
    assert_int_equal(gap(t, 2), 3 * NS_PER_S);
    assert_int_equal(fake_clock_now(&t->clk) - t0, 6 * NS_PER_S);
    assert_script_done(t);
}

static void test_request_wait_polls_every_2_s_without_retry_after(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200, "{\"status\":\"PENDING\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200, "{\"status\":\"RETRYING\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200, "{\"status\":\"QUEUED\"}")); /* unknown: keep polling */
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200, "{\"status\":\"completed\"}"));
    struct tp_request r;
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-1", &r, &t->err), TP_OK);
    for (size_t i = 1; i < 4; i++)
        assert_int_equal(gap(t, i), 2 * NS_PER_S);
    assert_script_done(t);
}

static void test_request_wait_retry_after_0_still_waits_100_ms(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"status\":\"PENDING\"}", 0));
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"status\":\"PROCESSING\"}", 0));
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"status\":\"COMPLETED\"}", 0));
    struct tp_request r;
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-1", &r, &t->err), TP_OK);
    assert_int_equal(gap(t, 1), 100 * NS_PER_MS);
    assert_int_equal(gap(t, 2), 100 * NS_PER_MS);
    assert_script_done(t);
}

static void test_request_wait_failed_request_is_failed_with_its_external_message(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200, "{\"status\":\"PENDING\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200,
                          "{\"request_id\":\"req-1\",\"request_type\":\"STORAGE_CREATE\",\"status\":\"FAILED\","
                          "\"external_message\":\"no capacity in us-east-1\"}"));
    struct tp_request r;
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-1", &r, &t->err), TP_E_FAILED);
    assert_int_equal(t->err.code, TP_E_FAILED);
    assert_int_equal(r.status, TP_REQ_FAILED);
    assert_non_null(strstr(t->err.message, "no capacity in us-east-1"));
    assert_non_null(strstr(t->err.message, "req-1"));
    assert_script_done(t);
}

static void test_request_wait_long_failure_message_stays_valid_utf8(void **state)
{
    struct t *t = *state;
    const char *ids[] = {"r", "r1", "r12", "r123"};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        reset_fake(t);
        char body[2048];
        snprintf(body, sizeof body, "{\"request_id\":\"%s\",\"request_type\":\"STORAGE_CREATE\",\"status\":\"FAILED\","
                                    "\"external_message\":\"", ids[k]);
        for (int i = 0; i < 200; i++)
            strcat(body, "\\u00e9");
        strcat(body, "\"}");
        char path[64];
        snprintf(path, sizeof path, "/request/info/%s", ids[k]);
        fake_push(&t->f, STEP("GET", path, 200, body));
        struct tp_request r;
        assert_int_equal(tp_request_wait(t->c, &t->o, ids[k], &r, &t->err), TP_E_FAILED);
        assert_true(valid_utf8(r.message));
        if (!valid_utf8(t->err.message))
            fail_msg("request id \"%s\": err.message ends with half a character (%zu bytes)", ids[k],
                     strlen(t->err.message));
    }
}

static void test_request_wait_stops_at_the_deadline(void **state)
{
    struct t *t = *state;
    struct fake_step s = STEP_RA("GET", "/request/info/req-1", 200, "{\"status\":\"PENDING\"}", 3);
    s.times = -1;
    fake_push(&t->f, s);
    t->o.deadline_ns = fake_clock_now(&t->clk) + 10 * NS_PER_S;
    struct tp_request r;
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-1", &r, &t->err), TP_E_TIMEOUT);
    assert_int_equal(fake_clock_now(&t->clk), t->o.deadline_ns);
    assert_int_equal(t->f.n_recs, 4); /* at 0, 3, 6 and 9 s */
}

static void test_request_wait_stop_callback_cancels(void **state)
{
    struct t *t = *state;
    struct fake_step s = STEP("GET", "/request/info/req-1", 200, "{\"status\":\"PENDING\"}");
    s.times = -1;
    fake_push(&t->f, s);
    struct stopper stop = {.f = &t->f, .after = 3};
    t->o.stop = stop_after;
    t->o.stop_arg = &stop;
    struct tp_request r;
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-1", &r, &t->err), TP_E_CANCELLED);
    assert_int_equal(t->f.n_recs, 3);
}

static void test_request_wait_answer_without_status_is_a_protocol_error(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200, "{\"request_id\":\"req-1\"}"));
    struct tp_request r;
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-1", &r, &t->err), TP_E_PROTOCOL);
    assert_int_equal(t->f.n_recs, 1);
    fake_push(&t->f, STEP("GET", "/request/info/req-2", 404, "{\"detail\":\"Request not found\"}"));
    assert_int_equal(tp_request_wait(t->c, &t->o, "req-2", &r, &t->err), TP_E_NOT_FOUND);
    assert_script_done(t);
}

static void test_request_wait_rejects_an_id_that_is_not_a_path_segment(void **state)
{
    struct t *t = *state;
    const char *bad[] = {"", "a/b", "../x", "a b", "a?b", "req%2f1"};
    struct tp_request r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tp_request_wait(t->c, &t->o, bad[i], &r, &t->err), TP_E_INVALID);
    assert_int_equal(tp_request_wait(t->c, &t->o, NULL, &r, &t->err), TP_E_INVALID);
    assert_int_equal(t->f.n_recs, 0);
}

/* =================================================================== create */

static void test_create_finds_an_existing_volume_by_name_without_posting(void **state)
{
    struct t *t = *state;
    struct fake_vol *existing = fake_add_volume(&t->f, "vol-a", 10, "READY", false);
    fake_add_volume(&t->f, "vol-b", 5, "READY", false);
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_OK);
    assert_string_equal(v.id, existing->id);
    assert_string_equal(v.status, "READY");
    assert_int_equal(fake_count(&t->f, "POST", ""), 0);
    assert_int_equal(fake_volume_total(&t->f), 2);
}

static void test_create_with_two_volumes_of_that_name_is_conflict_without_posting(void **state)
{
    struct t *t = *state;
    fake_add_volume(&t->f, "vol-a", 10, "READY", false);
    fake_add_volume(&t->f, "vol-a", 10, "READY", false);
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_E_CONFLICT);
    assert_non_null(strstr(t->err.message, "2 storage volumes"));
    assert_int_equal(fake_count(&t->f, "POST", ""), 0);
    assert_int_equal(fake_volumes_named(&t->f, "vol-a"), 2);
}

static void test_create_posts_once_waits_for_its_request_then_until_the_volume_leaves_creating(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    fake_push(&t->f, STEP("POST", "/storage/create", 202, "{\"storage_id\":\"s-new1\",\"request_id\":\"req-1\"}"));
    fake_push(&t->f, STEP_RA("GET", "/request/info/req-1", 200, "{\"status\":\"PENDING\"}", 1));
    fake_push(&t->f, STEP("GET", "/request/info/req-1", 200, "{\"status\":\"COMPLETED\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/s-new1", 200, "{\"message\":\"ID: s-new1\\nName: vol-a\\nStatus: CREATING\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/s-new1", 200, "{\"message\":\"ID: s-new1\\nName: vol-a\\nStatus: Provisioning\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/s-new1", 200,
                          "{\"message\":\"ID: s-new1\\nName: vol-a\\nSize: 10 GB\\nStatus: READY\\nDeletion protection: Yes\"}"));
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, true, &v, &t->err), TP_OK);
    assert_script_done(t);
    assert_string_equal(v.id, "s-new1");
    assert_string_equal(v.status, "READY");
    assert_int_equal(v.size_gb, 10);
    assert_int_equal(v.deletion_protection, 1);
    assert_json_body(t->f.recs[1].body, "{\"size\":10,\"name\":\"vol-a\",\"deletion_protection\":true}");
    assert_string_equal(t->f.recs[1].bearer, KEY);
    assert_int_equal(gap(t, 3), 1 * NS_PER_S); /* Retry-After 1 */
    assert_int_equal(gap(t, 5), 1 * NS_PER_S); /* settle polls */
    assert_int_equal(gap(t, 6), 1 * NS_PER_S);
}

static void test_create_makes_exactly_one_volume_in_the_model(void **state)
{
    struct t *t = *state;
    t->f.req_polls = 2;
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 4, false, &v, &t->err), TP_OK);
    assert_string_equal(v.status, "READY");
    assert_string_equal(v.name, "vol-a");
    assert_int_equal(fake_volumes_named(&t->f, "vol-a"), 1);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 1);
    assert_int_equal(fake_count(&t->f, "GET", "/request/info/"), 3);
    /* a second create of the same name finds it */
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 4, false, &v, &t->err), TP_OK);
    assert_int_equal(fake_volumes_named(&t->f, "vol-a"), 1);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 1);
}

static void test_create_with_structured_answers_makes_exactly_one_volume(void **state)
{
    struct t *t = *state;
    t->f.structured = true;
    t->f.settle_reads = 2;
    fake_push(&t->f, ((struct fake_step){.method = "POST", .prefix = "/storage/create", .out = FAKE_LOST, .apply = true}));
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-s", 2, false, &v, &t->err), TP_OK);
    assert_string_equal(v.status, "READY");
    assert_int_equal(fake_volumes_named(&t->f, "vol-s"), 1);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 1);
}

static void test_create_whose_answer_is_lost_after_the_server_applied_it_finds_the_volume_instead_of_posting_again(
    void **state)
{
    struct t *t = *state;
    static const struct { enum fake_out out; long status; } lost[] = {
        {FAKE_LOST, 0}, {FAKE_TIMEOUT, 0}, {FAKE_ANSWER, 500}, {FAKE_ANSWER, 502}, {FAKE_ANSWER, 504}};
    for (size_t i = 0; i < sizeof lost / sizeof lost[0]; i++) {
        reset_fake(t);
        fake_push(&t->f, ((struct fake_step){.method = "POST", .prefix = "/storage/create", .out = lost[i].out,
                                             .status = lost[i].status, .body = "{\"detail\":\"upstream\"}",
                                             .apply = true}));
        struct tp_volume v;
        enum tp_err rc = tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err);
        if (rc != TP_OK)
            fail_msg("case %zu: %s: %s", i, tp_strerror(rc), t->err.message);
        assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 1);
        assert_int_equal(fake_volumes_named(&t->f, "vol-a"), 1);
        assert_int_equal(fake_count(&t->f, "GET", "/storage/list"), 2);
        assert_string_equal(v.name, "vol-a");
        assert_string_equal(v.status, "READY");
        /* it looked again only after a backoff */
        const struct fake_rec *post = fake_nth(&t->f, "POST", "/storage/create", 0);
        const struct fake_rec *relist = fake_nth(&t->f, "GET", "/storage/list", 1);
        assert_in_range(relist->t_start - post->t_end, 125 * NS_PER_MS, 250 * NS_PER_MS);
    }
}

static void test_create_after_a_5xx_that_was_not_applied_posts_again_and_makes_exactly_one(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("POST", "/storage/create", 500, "{\"detail\":\"Internal Server Error\"}"));
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 2);
    assert_int_equal(fake_count(&t->f, "GET", "/storage/list"), 2);
    assert_int_equal(fake_volumes_named(&t->f, "vol-a"), 1);
    /* the list came between the two POSTs */
    const struct fake_rec *relist = fake_nth(&t->f, "GET", "/storage/list", 1);
    assert_true(relist < fake_nth(&t->f, "POST", "/storage/create", 1));
}

static void test_create_not_sent_is_posted_again_and_makes_exactly_one_volume(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, OUTCOME("POST", "/storage/create", FAKE_NOT_SENT));
    fake_push(&t->f, STEP("POST", "/storage/create", 429, "{\"detail\":\"slow down\"}"));
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 3);
    assert_int_equal(fake_count(&t->f, "GET", "/storage/list"), 1);
    assert_int_equal(fake_volumes_named(&t->f, "vol-a"), 1);
}

static void test_create_gives_up_after_max_attempts_of_lost_answers(void **state)
{
    struct t *t = *state;
    struct fake_step s = OUTCOME("POST", "/storage/create", FAKE_LOST);
    s.times = -1;
    fake_push(&t->f, s);
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_E_UNAVAILABLE);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 6);
    assert_int_equal(fake_count(&t->f, "GET", "/storage/list"), 6);
    assert_int_equal(fake_volumes_named(&t->f, "vol-a"), 0);
}

static void test_create_refusals_are_returned_without_retry(void **state)
{
    struct t *t = *state;
    static const struct { long status; const char *body; enum tp_err code; const char *text; } cases[] = {
        {402, "{\"detail\":\"Insufficient balance\"}", TP_E_BALANCE, "Insufficient balance"},
        {422, "{\"detail\":[{\"loc\":[\"body\",\"size\"],\"msg\":\"field required\"}]}", TP_E_INVALID,
         "size: field required"},
        {403, "{\"detail\":\"Forbidden\"}", TP_E_FORBIDDEN, "Forbidden"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reset_fake(t);
        fake_push(&t->f, STEP("POST", "/storage/create", cases[i].status, cases[i].body));
        struct tp_volume v;
        assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), cases[i].code);
        assert_non_null(strstr(t->err.message, cases[i].text));
        assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 1);
        assert_int_equal(fake_count(&t->f, "GET", "/storage/list"), 1);
        assert_int_equal(fake_volume_total(&t->f), 0);
    }
}

static void test_create_volume_that_disappears_while_creating_is_failed(void **state)
{
    struct t *t = *state;
    t->f.settle_reads = 5;
    t->f.req_polls = 0;
    /* the request completes but leaves the volume CREATING; then it is gone */
    fake_push(&t->f, STEP("GET", "/request/info/", 200, "{\"status\":\"COMPLETED\"}"));
    fake_push(&t->f, STEP("GET", "/storage/info/", 0, NULL)); /* the model's answer: CREATING */
    fake_push(&t->f, STEP("GET", "/storage/info/", 404, "{\"detail\":\"Storage volume not found\"}"));
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_E_FAILED);
    assert_int_equal(t->err.http_status, 404);
    assert_non_null(strstr(t->err.message, "disappeared"));
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 1);
    assert_int_equal(fake_count(&t->f, "GET", "/storage/info/"), 2);
}

static void test_create_whose_request_or_volume_fails_is_failed(void **state)
{
    struct t *t = *state;
    t->f.fail_requests = true;
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_E_FAILED);
    assert_non_null(strstr(t->err.message, "the provider refused"));
    assert_int_equal(fake_count(&t->f, "POST", "/storage/create"), 1);

    reset_fake(t);
    t->f.model = false;
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    fake_push(&t->f, STEP("POST", "/storage/create", 200, "{\"storage_id\":\"s-9\"}")); /* no request: done */
    fake_push(&t->f, STEP("GET", "/storage/info/s-9", 200, "{\"storage_info\":{\"storage_id\":\"s-9\",\"status\":\"error\"}}"));
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_E_FAILED);
    assert_non_null(strstr(t->err.message, "ERROR"));
    assert_script_done(t);
}

static void test_create_answer_without_a_usable_storage_id_is_a_protocol_error(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/list", 200, EMPTY_LIST));
    fake_push(&t->f, STEP("POST", "/storage/create", 202, "{\"storage_id\":\"../../etc\",\"request_id\":\"req-1\"}"));
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 10, false, &v, &t->err), TP_E_PROTOCOL);
    assert_script_done(t);
}

static void test_create_rejects_bad_arguments_without_a_request(void **state)
{
    struct t *t = *state;
    struct tp_volume v;
    assert_int_equal(tp_volume_create(t->c, &t->o, "", 10, false, &v, &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_create(t->c, &t->o, NULL, 10, false, &v, &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_create(t->c, &t->o, "a\nb", 10, false, &v, &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", 0, false, &v, &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_create(t->c, &t->o, "vol-a", -5, false, &v, &t->err), TP_E_INVALID);
    assert_int_equal(t->f.n_recs, 0);
}

static void test_find_reports_how_many_volumes_have_the_name(void **state)
{
    struct t *t = *state;
    fake_add_volume(&t->f, "a", 1, "READY", false);
    struct fake_vol *b = fake_add_volume(&t->f, "b", 1, "READY", false);
    fake_add_volume(&t->f, "a", 1, "READY", false);
    struct tp_volume v;
    size_t n = 9;
    assert_int_equal(tp_volume_find(t->c, &t->o, "b", &v, &n, &t->err), TP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v.id, b->id);
    assert_int_equal(tp_volume_find(t->c, &t->o, "a", &v, &n, &t->err), TP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(tp_volume_find(t->c, &t->o, "zzz", &v, &n, &t->err), TP_OK);
    assert_int_equal(n, 0);
}

/* ================================================================== destroy */

static void test_destroy_waits_for_the_delete_request(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    char id[32];
    snprintf(id, sizeof id, "%s", v->id);
    t->f.req_polls = 2;
    assert_int_equal(tp_volume_destroy(t->c, &t->o, id, &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "DELETE", "/storage/"), 1);
    assert_int_equal(fake_count(&t->f, "GET", "/request/info/"), 3);
    assert_null(fake_vol_by_id(&t->f, id));
    assert_string_equal(fake_nth(&t->f, "DELETE", "", 0)->path, "/storage/s-vol0001");
}

static void test_destroy_of_an_unknown_volume_is_not_found(void **state)
{
    struct t *t = *state;
    assert_int_equal(tp_volume_destroy(t->c, &t->o, "s-nope", &t->err), TP_E_NOT_FOUND);
    assert_int_equal(t->f.n_recs, 1);
}

static void test_destroy_of_a_protected_volume_is_protected(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", true);
    assert_int_equal(tp_volume_destroy(t->c, &t->o, v->id, &t->err), TP_E_PROTECTED);
    assert_true(v->used);
    assert_int_equal(t->f.n_recs, 1);
}

static void test_destroy_whose_answer_is_lost_with_the_volume_gone_is_ok(void **state)
{
    struct t *t = *state;
    static const struct { enum fake_out out; long status; } lost[] = {
        {FAKE_LOST, 0}, {FAKE_TIMEOUT, 0}, {FAKE_ANSWER, 500}};
    for (size_t i = 0; i < sizeof lost / sizeof lost[0]; i++) {
        reset_fake(t);
        struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
        char id[32];
        snprintf(id, sizeof id, "%s", v->id);
        fake_push(&t->f, ((struct fake_step){.method = "DELETE", .prefix = "/storage/", .out = lost[i].out,
                                             .status = lost[i].status, .body = "{}", .apply = true}));
        assert_int_equal(tp_volume_destroy(t->c, &t->o, id, &t->err), TP_OK);
        assert_int_equal(fake_count(&t->f, "DELETE", "/storage/"), 1);
        assert_null(fake_vol_by_id(&t->f, id));
    }
}

static void test_destroy_whose_answer_is_lost_with_the_volume_untouched_sends_delete_again(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    char id[32];
    snprintf(id, sizeof id, "%s", v->id);
    fake_push(&t->f, OUTCOME("DELETE", "/storage/", FAKE_LOST)); /* never reached the volume */
    assert_int_equal(tp_volume_destroy(t->c, &t->o, id, &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "DELETE", "/storage/"), 2);
    assert_null(fake_vol_by_id(&t->f, id));
    /* it looked before sending again */
    const struct fake_rec *look = fake_nth(&t->f, "GET", "/storage/info/", 0);
    assert_non_null(look);
    assert_true(look < fake_nth(&t->f, "DELETE", "", 1));
}

static void test_destroy_whose_answer_is_lost_while_deleting_waits_until_gone(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    char id[32];
    snprintf(id, sizeof id, "%s", v->id);
    t->f.settle_reads = 4;
    fake_push(&t->f, ((struct fake_step){.method = "DELETE", .prefix = "/storage/", .out = FAKE_TIMEOUT, .apply = true}));
    assert_int_equal(tp_volume_destroy(t->c, &t->o, id, &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "DELETE", "/storage/"), 1);
    assert_int_equal(fake_count(&t->f, "GET", "/storage/info/"), 5);
    assert_null(fake_vol_by_id(&t->f, id));
}

static void test_destroy_rejects_an_id_that_is_not_a_path_segment(void **state)
{
    struct t *t = *state;
    const char *bad[] = {"", "s/1", "s 1", "s-1?force=true", "s-1#x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tp_volume_destroy(t->c, &t->o, bad[i], &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_destroy(t->c, &t->o, NULL, &t->err), TP_E_INVALID);
    assert_int_equal(t->f.n_recs, 0);
}

/* ========================================================== attach, detach */

static void test_attach_to_a_cluster_already_attached_sends_nothing(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    fake_vol_add_cluster(v, "c-0");
    fake_vol_add_cluster(v, "c-1");
    assert_int_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", ""), 0);
    assert_int_equal(t->f.n_recs, 1);
}

static void test_detach_from_a_cluster_not_attached_sends_nothing(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    fake_vol_add_cluster(v, "c-2");
    assert_int_equal(tp_volume_detach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", ""), 0);
}

static void test_attach_posts_storage_id_and_cluster_ids_and_waits_for_every_request(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/info/s-1", 200, "{\"message\":\"ID: s-1\\nAttached clusters: -\"}"));
    fake_push(&t->f, STEP("POST", "/storage/attach", 202, "{\"request_ids\":[\"req-a\",\"req-b\"]}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-a", 200, "{\"status\":\"COMPLETED\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-b", 200, "{\"status\":\"PROCESSING\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-b", 200, "{\"status\":\"COMPLETED\"}"));
    assert_int_equal(tp_volume_attach(t->c, &t->o, "s-1", "c-1", &t->err), TP_OK);
    assert_script_done(t);
    assert_json_body(t->f.recs[1].body, "{\"storage_id\":\"s-1\",\"cluster_ids\":[\"c-1\"]}");
}

static void test_attach_fails_when_one_of_its_requests_fails(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/info/s-1", 200, "{\"storage_info\":{\"storage_id\":\"s-1\"}}"));
    fake_push(&t->f, STEP("POST", "/storage/attach", 202, "{\"request_ids\":[\"req-a\",\"req-b\"]}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-a", 200, "{\"status\":\"FAILED\",\"external_message\":\"node busy\"}"));
    assert_int_equal(tp_volume_attach(t->c, &t->o, "s-1", "c-1", &t->err), TP_E_FAILED);
    assert_non_null(strstr(t->err.message, "node busy"));
    assert_script_done(t);
}

static void test_detach_posts_storage_id_and_cluster_id_and_waits(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/storage/info/s-1", 200, "{\"message\":\"ID: s-1\\nAttached clusters: c-1, c-2\"}"));
    fake_push(&t->f, STEP("POST", "/storage/detach", 202, "{\"request_id\":\"req-d\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-d", 200, "{\"status\":\"PENDING\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-d", 200, "{\"status\":\"COMPLETED\"}"));
    assert_int_equal(tp_volume_detach(t->c, &t->o, "s-1", "c-2", &t->err), TP_OK);
    assert_script_done(t);
    assert_json_body(t->f.recs[1].body, "{\"storage_id\":\"s-1\",\"cluster_id\":\"c-2\"}");
}

static void test_attach_and_detach_in_the_model_change_the_volume(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    assert_int_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(v->n_cl, 1);
    assert_int_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/attach"), 1);
    assert_int_equal(tp_volume_detach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(v->n_cl, 0);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/detach"), 1);
}

static void test_attach_conflict_then_info_shows_attached_is_ok(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    /* someone else's attach got there first */
    fake_push(&t->f, ((struct fake_step){.method = "POST", .prefix = "/storage/attach", .status = 409,
                                         .body = "{\"detail\":\"Attachment already in progress\"}", .apply = true}));
    assert_int_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/attach"), 1);
    assert_int_equal(v->n_cl, 1);
}

static void test_attach_conflict_that_never_shows_attached_gives_up_after_a_bounded_wait(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    fake_push(&t->f, STEP("POST", "/storage/attach", 409, "{\"detail\":\"Cluster is not running\"}"));
    int64_t t0 = fake_clock_now(&t->clk);
    assert_int_not_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    int64_t took = fake_clock_now(&t->clk) - t0;
    assert_true(took <= 40 * NS_PER_S); /* the verify window is 30 s */
    assert_int_equal(fake_count(&t->f, "POST", "/storage/attach"), 1);
}

static void test_attach_whose_answer_is_lost_polls_info_and_never_posts_again(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    t->f.settle_reads = 3;
    fake_push(&t->f, ((struct fake_step){.method = "POST", .prefix = "/storage/attach", .out = FAKE_LOST, .apply = true}));
    assert_int_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/attach"), 1);
    assert_int_equal(fake_count(&t->f, "GET", "/storage/info/"), 5); /* one before, four after */
    assert_int_equal(v->n_cl, 1);
}

static void test_detach_whose_answer_is_lost_polls_info_until_detached(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    fake_vol_add_cluster(v, "c-1");
    t->f.settle_reads = 2;
    fake_push(&t->f, ((struct fake_step){.method = "POST", .prefix = "/storage/detach", .out = FAKE_TIMEOUT, .apply = true}));
    assert_int_equal(tp_volume_detach(t->c, &t->o, v->id, "c-1", &t->err), TP_OK);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/detach"), 1);
    assert_int_equal(v->n_cl, 0);
}

/* While verifying an unanswered attach, the caller's stop check and
 * deadline still give TP_E_CANCELLED and TP_E_TIMEOUT. */
static void test_attach_cancelled_while_verifying_a_lost_answer_is_cancelled(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    fake_push(&t->f, OUTCOME("POST", "/storage/attach", FAKE_LOST)); /* not applied: never shows up */
    struct stopper stop = {.f = &t->f, .after = 4};
    t->o.stop = stop_after;
    t->o.stop_arg = &stop;
    assert_int_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_E_CANCELLED);
    assert_int_equal(fake_count(&t->f, "POST", "/storage/attach"), 1);
}

static void test_attach_deadline_while_verifying_a_lost_answer_is_timeout(void **state)
{
    struct t *t = *state;
    struct fake_vol *v = fake_add_volume(&t->f, "vol-a", 1, "READY", false);
    fake_push(&t->f, OUTCOME("POST", "/storage/attach", FAKE_LOST));
    t->o.deadline_ns = fake_clock_now(&t->clk) + 5 * NS_PER_S;
    assert_int_equal(tp_volume_attach(t->c, &t->o, v->id, "c-1", &t->err), TP_E_TIMEOUT);
    assert_int_equal(fake_clock_now(&t->clk), t->o.deadline_ns);
}

static void test_attach_to_an_unknown_volume_is_not_found_without_posting(void **state)
{
    struct t *t = *state;
    assert_int_equal(tp_volume_attach(t->c, &t->o, "s-nope", "c-1", &t->err), TP_E_NOT_FOUND);
    assert_int_equal(fake_count(&t->f, "POST", ""), 0);
}

static void test_attach_rejects_ids_that_are_not_path_segments(void **state)
{
    struct t *t = *state;
    assert_int_equal(tp_volume_attach(t->c, &t->o, "s-1", "c 1", &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_attach(t->c, &t->o, "s/1", "c-1", &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_detach(t->c, &t->o, "s-1", "", &t->err), TP_E_INVALID);
    assert_int_equal(tp_volume_detach(t->c, &t->o, "s-1", NULL, &t->err), TP_E_INVALID);
    assert_int_equal(t->f.n_recs, 0);
}

/* ===================================================================== edit */

static void test_edit_sends_only_the_fields_that_are_set(void **state)
{
    struct t *t = *state;
    for (int i = 0; i < 4; i++)
        fake_push(&t->f, STEP("PATCH", "/storage/edit/s-1", 200, "{\"message\":\"updated\"}"));
    struct tp_edit name = {.name = "new-name", .deletion_protection = -1};
    struct tp_edit protect = {.deletion_protection = 0};
    struct tp_edit size = {.deletion_protection = -1, .size_gb = 20};
    struct tp_edit all = {.name = "n", .deletion_protection = 1, .size_gb = 30};
    assert_int_equal(tp_volume_edit(t->c, &t->o, "s-1", &name, &t->err), TP_OK);
    assert_int_equal(tp_volume_edit(t->c, &t->o, "s-1", &protect, &t->err), TP_OK);
    assert_int_equal(tp_volume_edit(t->c, &t->o, "s-1", &size, &t->err), TP_OK);
    assert_int_equal(tp_volume_edit(t->c, &t->o, "s-1", &all, &t->err), TP_OK);
    assert_script_done(t);
    assert_json_body(t->f.recs[0].body, "{\"tp_storage_name\":\"new-name\"}");
    assert_json_body(t->f.recs[1].body, "{\"deletion_protection\":false}");
    assert_json_body(t->f.recs[2].body, "{\"size_gb\":20}");
    assert_json_body(t->f.recs[3].body, "{\"tp_storage_name\":\"n\",\"deletion_protection\":true,\"size_gb\":30}");
}

static void test_edit_with_nothing_set_is_invalid_without_a_request(void **state)
{
    struct t *t = *state;
    struct tp_edit none = {.name = NULL, .deletion_protection = -1, .size_gb = 0};
    assert_int_equal(tp_volume_edit(t->c, &t->o, "s-1", &none, &t->err), TP_E_INVALID);
    assert_int_equal(t->f.n_recs, 0);
    struct tp_edit size = {.deletion_protection = -1, .size_gb = 5};
    assert_int_equal(tp_volume_edit(t->c, &t->o, "../s-1", &size, &t->err), TP_E_INVALID);
    assert_int_equal(t->f.n_recs, 0);
}

static void test_edit_waits_for_its_request_and_is_retried_after_a_lost_answer(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, OUTCOME("PATCH", "/storage/edit/s-1", FAKE_LOST));
    fake_push(&t->f, STEP("PATCH", "/storage/edit/s-1", 202, "{\"request_id\":\"req-e\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-e", 200, "{\"status\":\"PROCESSING\"}"));
    fake_push(&t->f, STEP("GET", "/request/info/req-e", 200, "{\"status\":\"COMPLETED\"}"));
    struct tp_edit size = {.deletion_protection = -1, .size_gb = 50};
    assert_int_equal(tp_volume_edit(t->c, &t->o, "s-1", &size, &t->err), TP_OK);
    assert_script_done(t);
}

/* =========================================================== object storage */

#define CREDS "{\"org_id\":\"o\",\"access_key_id\":\"AKIAEXAMPLE\",\"secret_access_key\":\"SECRETEXAMPLE\"," \
              "\"endpoint\":\"https://s3.tp.test\",\"region\":\"us-east-1\"}"

static void test_object_enable_posts_and_reads_the_credentials(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, OUTCOME("POST", "/object-storage/enable", FAKE_LOST)); /* idempotent: retried */
    fake_push(&t->f, STEP("POST", "/object-storage/enable", 200, CREDS));
    struct tp_s3_creds c;
    assert_int_equal(tp_object_enable(t->c, &t->o, &c, &t->err), TP_OK);
    assert_string_equal(c.access_key_id, "AKIAEXAMPLE");
    assert_string_equal(c.secret_access_key, "SECRETEXAMPLE");
    assert_string_equal(c.endpoint, "https://s3.tp.test");
    assert_string_equal(c.region, "us-east-1");
    assert_script_done(t);
}

static void test_object_credentials_get_and_incomplete_ones_are_a_protocol_error(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/object-storage/credentials", 200, CREDS));
    struct tp_s3_creds c;
    assert_int_equal(tp_object_credentials(t->c, &t->o, &c, &t->err), TP_OK);
    assert_string_equal(c.secret_access_key, "SECRETEXAMPLE");
    fake_push(&t->f, STEP("GET", "/object-storage/credentials", 200,
                          "{\"access_key_id\":\"AKIAEXAMPLE\",\"secret_access_key\":\"SECRETEXAMPLE\"}"));
    assert_int_equal(tp_object_credentials(t->c, &t->o, &c, &t->err), TP_E_PROTOCOL);
    assert_string_equal(c.access_key_id, "");
    assert_string_equal(c.secret_access_key, "");
    assert_null(strstr(t->err.message, "SECRETEXAMPLE"));
    fake_push(&t->f, STEP("GET", "/object-storage/credentials", 404, "{\"detail\":\"Object storage is not enabled\"}"));
    assert_int_equal(tp_object_credentials(t->c, &t->o, &c, &t->err), TP_E_NOT_FOUND);
    assert_script_done(t);
}

static void test_bucket_list_reads_names(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("GET", "/object-storage/bucket/list", 200, "{\"buckets\":[\"a\",{\"name\":\"b\"},3]}"));
    char **names;
    size_t n;
    assert_int_equal(tp_bucket_list(t->c, &t->o, &names, &n, &t->err), TP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    tp_strv_free(names, n);
    fake_push(&t->f, STEP("GET", "/object-storage/bucket/list", 200, "{\"message\":\"no buckets\"}"));
    assert_int_equal(tp_bucket_list(t->c, &t->o, &names, &n, &t->err), TP_E_PROTOCOL);
    assert_null(names);
    assert_script_done(t);
}

static void test_bucket_create_puts_and_delete_deletes_by_name(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("PUT", "/object-storage/bucket/create/my-bucket.v2", 200, "{\"message\":\"created\"}"));
    fake_push(&t->f, STEP("DELETE", "/object-storage/bucket/delete/my-bucket.v2", 204, ""));
    assert_int_equal(tp_bucket_create(t->c, &t->o, "my-bucket.v2", &t->err), TP_OK);
    assert_int_equal(tp_bucket_delete(t->c, &t->o, "my-bucket.v2", &t->err), TP_OK);
    assert_script_done(t);
    assert_string_equal(t->f.recs[0].path, "/object-storage/bucket/create/my-bucket.v2");
    assert_string_equal(t->f.recs[1].path, "/object-storage/bucket/delete/my-bucket.v2");
    assert_null(t->f.recs[0].body);
}

static void test_bucket_that_exists_is_conflict_and_a_missing_one_not_found(void **state)
{
    struct t *t = *state;
    fake_push(&t->f, STEP("PUT", "/object-storage/bucket/create/b1", 409, "{\"detail\":\"Bucket already exists\"}"));
    fake_push(&t->f, STEP("DELETE", "/object-storage/bucket/delete/b2", 404, "{\"detail\":\"No such bucket\"}"));
    assert_int_equal(tp_bucket_create(t->c, &t->o, "b1", &t->err), TP_E_CONFLICT);
    assert_int_equal(tp_bucket_delete(t->c, &t->o, "b2", &t->err), TP_E_NOT_FOUND);
    assert_script_done(t);
}

static void test_bucket_names_that_are_not_path_segments_are_invalid_without_a_request(void **state)
{
    struct t *t = *state;
    const char *bad[] = {"", "a/b", "/etc", "my bucket", "a?b", "a#b", "a%2fb", "tab\tname"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tp_bucket_create(t->c, &t->o, bad[i], &t->err), TP_E_INVALID);
        assert_int_equal(tp_bucket_delete(t->c, &t->o, bad[i], &t->err), TP_E_INVALID);
    }
    assert_int_equal(tp_bucket_create(t->c, &t->o, NULL, &t->err), TP_E_INVALID);
    assert_int_equal(t->f.n_recs, 0);
}

/* "." and ".." pass the character check but are dot-segments: libcurl
 * removes them, so DELETE .../bucket/delete/.. becomes DELETE .../bucket/. */
static void test_dot_segment_names_and_ids_are_invalid_without_a_request(void **state)
{
    struct t *t = *state;
    const char *bad[] = {".", ".."};
    struct tp_volume v;
    struct tp_request r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum tp_err rc[5] = {
            tp_bucket_create(t->c, &t->o, bad[i], &t->err),
            tp_bucket_delete(t->c, &t->o, bad[i], &t->err),
            tp_volume_destroy(t->c, &t->o, bad[i], &t->err),
            tp_volume_info(t->c, &t->o, bad[i], &v, &t->err),
            tp_request_wait(t->c, &t->o, bad[i], &r, &t->err),
        };
        for (int k = 0; k < 5; k++)
            if (rc[k] != TP_E_INVALID)
                fail_msg("\"%s\" (call %d): %s; requests sent: %zu (first: %s)", bad[i], k, tp_strerror(rc[k]),
                         t->f.n_recs, t->f.n_recs ? t->f.recs[0].url : "-");
    }
    assert_int_equal(t->f.n_recs, 0);
}

/* ================================================================== threads */

struct worker {
    struct tp_client *c;
    int ok;
};

static void *get_200_times(void *arg);
static void *get_200_times(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 200; i++) {
        struct tp_volume v;
        struct tp_error err;
        struct tp_opts o = {.api_key = (i % 3 == 0) ? "sk-per-call" : NULL};
        if (tp_volume_info(w->c, &o, "s-1", &v, &err) == TP_OK && strcmp(v.id, "s-1") == 0)
            w->ok++;
    }
    return NULL;
}

static void test_eight_threads_share_one_client_for_1600_gets(void **state)
{
    struct t *t = *state;
    key_file_client(t, "sk-file-key\n"); /* the key file lock is exercised too */
    struct fake_step s = STEP("GET", "/storage/info/s-1", 200,
                              "{\"storage_info\":{\"storage_id\":\"s-1\",\"status\":\"READY\"}}");
    s.times = -1;
    fake_push(&t->f, s);
    pthread_t th[8];
    struct worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){.c = t->c};
        assert_int_equal(pthread_create(&th[i], NULL, get_200_times, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].ok, 200);
    }
    assert_int_equal(t->f.n_recs, 1600);
    for (size_t i = 0; i < t->f.n_recs; i++)
        assert_true(strcmp(t->f.recs[i].bearer, "sk-file-key") == 0 || strcmp(t->f.recs[i].bearer, "sk-per-call") == 0);
    assert_int_equal(t->f.unexpected, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define M(f) cmocka_unit_test_setup_teardown(f, setup_model, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_engine_comes_from_the_config_before_the_environment),
        T(test_engine_comes_from_the_environment_when_not_configured),
        T(test_engine_defaults_to_the_tensorpool_engine),
        T(test_engine_trailing_slashes_are_stripped_from_request_urls),
        T(test_engine_that_is_not_an_http_url_is_rejected),
        T(test_engine_without_a_host_is_rejected),
        T(test_key_comes_from_the_config_before_the_environment),
        T(test_key_comes_from_tensorpool_key_then_tensorpool_api_key),
        T(test_no_key_is_unauthorized_without_any_request),
        T(test_per_call_api_key_overrides_the_configured_key),
        T(test_key_file_wins_over_the_key_and_its_line_end_is_stripped),
        T(test_key_file_is_read_again_after_a_rewrite_with_another_size),
        T(test_key_file_is_read_again_after_a_same_size_rewrite_with_a_new_mtime),
        T(test_key_file_is_read_again_after_being_replaced_by_rename),
        T(test_debug_hook_gets_one_line_per_exchange_without_key_or_body),
        T(test_timeouts_from_the_config_reach_the_http_layer),
        T(test_client_free_leaves_a_caller_supplied_http_context_alone),
        T(test_every_error_code_has_a_description),
        T(test_get_is_retried_after_not_sent_lost_timeout_and_5xx_until_it_succeeds),
        T(test_get_gives_up_after_max_attempts_as_unavailable),
        T(test_get_that_keeps_timing_out_is_retried_max_attempts_times),
        T(test_429_is_retried_and_ends_rate_limited),
        T(test_backoff_delays_grow_and_stay_within_equal_jitter_bounds),
        T(test_retry_after_is_honoured_when_longer_than_the_backoff),
        T(test_retry_after_shorter_than_the_backoff_does_not_shorten_it),
        T(test_deadline_stops_the_retries_with_timeout),
        T(test_deadline_already_passed_sends_nothing),
        T(test_stop_callback_cancels_between_attempts),
        T(test_http_errors_map_to_codes_and_4xx_are_not_retried),
        T(test_409_deletion_protection_is_protected_and_other_409_is_conflict),
        T(test_409_on_a_volume_already_deleting_waits_until_it_is_gone),
        T(test_422_carries_the_fastapi_detail_message),
        T(test_2xx_answer_that_is_not_a_json_object_is_a_protocol_error),
        T(test_error_messages_never_contain_the_api_key),
        T(test_server_message_echoing_the_api_key_does_not_reach_the_error),
        T(test_huge_retry_after_waits_until_the_deadline_without_overflow),
        T(test_deadline_message_after_a_long_server_error_stays_valid_utf8),
        T(test_health_posts_and_is_retried_as_safe),
        T(test_request_wait_sleeps_what_retry_after_asks_between_polls),
        T(test_request_wait_polls_every_2_s_without_retry_after),
        T(test_request_wait_retry_after_0_still_waits_100_ms),
        T(test_request_wait_failed_request_is_failed_with_its_external_message),
        T(test_request_wait_long_failure_message_stays_valid_utf8),
        T(test_request_wait_stops_at_the_deadline),
        T(test_request_wait_stop_callback_cancels),
        T(test_request_wait_answer_without_status_is_a_protocol_error),
        T(test_request_wait_rejects_an_id_that_is_not_a_path_segment),
        M(test_create_finds_an_existing_volume_by_name_without_posting),
        M(test_create_with_two_volumes_of_that_name_is_conflict_without_posting),
        T(test_create_posts_once_waits_for_its_request_then_until_the_volume_leaves_creating),
        M(test_create_makes_exactly_one_volume_in_the_model),
        M(test_create_with_structured_answers_makes_exactly_one_volume),
        M(test_create_whose_answer_is_lost_after_the_server_applied_it_finds_the_volume_instead_of_posting_again),
        M(test_create_after_a_5xx_that_was_not_applied_posts_again_and_makes_exactly_one),
        M(test_create_not_sent_is_posted_again_and_makes_exactly_one_volume),
        M(test_create_gives_up_after_max_attempts_of_lost_answers),
        M(test_create_refusals_are_returned_without_retry),
        M(test_create_volume_that_disappears_while_creating_is_failed),
        M(test_create_whose_request_or_volume_fails_is_failed),
        T(test_create_answer_without_a_usable_storage_id_is_a_protocol_error),
        T(test_create_rejects_bad_arguments_without_a_request),
        M(test_find_reports_how_many_volumes_have_the_name),
        M(test_destroy_waits_for_the_delete_request),
        M(test_destroy_of_an_unknown_volume_is_not_found),
        M(test_destroy_of_a_protected_volume_is_protected),
        M(test_destroy_whose_answer_is_lost_with_the_volume_gone_is_ok),
        M(test_destroy_whose_answer_is_lost_with_the_volume_untouched_sends_delete_again),
        M(test_destroy_whose_answer_is_lost_while_deleting_waits_until_gone),
        T(test_destroy_rejects_an_id_that_is_not_a_path_segment),
        M(test_attach_to_a_cluster_already_attached_sends_nothing),
        M(test_detach_from_a_cluster_not_attached_sends_nothing),
        T(test_attach_posts_storage_id_and_cluster_ids_and_waits_for_every_request),
        T(test_attach_fails_when_one_of_its_requests_fails),
        T(test_detach_posts_storage_id_and_cluster_id_and_waits),
        M(test_attach_and_detach_in_the_model_change_the_volume),
        M(test_attach_conflict_then_info_shows_attached_is_ok),
        M(test_attach_conflict_that_never_shows_attached_gives_up_after_a_bounded_wait),
        M(test_attach_whose_answer_is_lost_polls_info_and_never_posts_again),
        M(test_detach_whose_answer_is_lost_polls_info_until_detached),
        M(test_attach_cancelled_while_verifying_a_lost_answer_is_cancelled),
        M(test_attach_deadline_while_verifying_a_lost_answer_is_timeout),
        M(test_attach_to_an_unknown_volume_is_not_found_without_posting),
        T(test_attach_rejects_ids_that_are_not_path_segments),
        T(test_edit_sends_only_the_fields_that_are_set),
        T(test_edit_with_nothing_set_is_invalid_without_a_request),
        T(test_edit_waits_for_its_request_and_is_retried_after_a_lost_answer),
        T(test_object_enable_posts_and_reads_the_credentials),
        T(test_object_credentials_get_and_incomplete_ones_are_a_protocol_error),
        T(test_bucket_list_reads_names),
        T(test_bucket_create_puts_and_delete_deletes_by_name),
        T(test_bucket_that_exists_is_conflict_and_a_missing_one_not_found),
        T(test_bucket_names_that_are_not_path_segments_are_invalid_without_a_request),
        T(test_dot_segment_names_and_ids_are_invalid_without_a_request),
        T(test_eight_threads_share_one_client_for_1600_gets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
