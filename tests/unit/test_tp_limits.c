/* test_tp_limits.c - the TensorPool client never has more than
 * max_in_flight HTTP requests out at once, across threads, and a caller
 * waiting for a slot still honours its deadline. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tensorpool/tp.h"

static atomic_int now_out, most_out;
static atomic_bool hold; /* requests block while set */

static enum tp_http_result slow_perform(void *ctx, const struct tp_http_request *req, struct tp_http_response *resp,
                                        char *errbuf, size_t errlen)
{
    (void)ctx;
    (void)req;
    (void)errbuf;
    (void)errlen;
    int n = atomic_fetch_add(&now_out, 1) + 1;
    for (int m = atomic_load(&most_out); n > m && !atomic_compare_exchange_weak(&most_out, &m, n);)
        ;
    nanosleep(&(struct timespec){.tv_nsec = 3000000}, NULL);
    for (int i = 0; i < 400 && atomic_load(&hold); i++) /* bounded: 2 s */
        nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
    atomic_fetch_sub(&now_out, 1);
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    resp->body = strdup("{\"message\": \"No storage volumes found.\"}");
    resp->body_len = strlen(resp->body);
    resp->retry_after_s = -1;
    return TP_HTTP_OK;
}

static const struct tp_http_ops slow_ops = {.perform = slow_perform};

static struct tp_client *new_client(int max_in_flight)
{
    struct tp_config cfg = {.engine = "http://tp.invalid", .api_key = "k-test", .http = &slow_ops,
                            .max_in_flight = max_in_flight};
    struct tp_error err;
    struct tp_client *c = tp_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

static void *lister(void *arg)
{
    for (int i = 0; i < 10; i++) {
        struct tp_volume *v;
        size_t n;
        struct tp_error err;
        if (tp_volume_list(arg, NULL, &v, &n, &err) == TP_OK)
            free(v);
    }
    return NULL;
}

static void test_no_more_than_max_in_flight_requests_across_threads(void **state)
{
    (void)state;
    struct tp_client *c = new_client(2);
    atomic_store(&most_out, 0);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, lister, c);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&most_out), 2);
    tp_client_free(c);
}

static void *hold_one(void *arg)
{
    struct tp_volume *v;
    size_t n;
    struct tp_error err;
    if (tp_volume_list(arg, NULL, &v, &n, &err) == TP_OK)
        free(v);
    return NULL;
}

static void test_a_caller_waiting_for_a_slot_keeps_its_deadline(void **state)
{
    (void)state;
    struct tp_client *c = new_client(1);
    atomic_store(&hold, true);
    pthread_t t;
    pthread_create(&t, NULL, hold_one, c);
    while (atomic_load(&now_out) == 0)
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    struct tp_opts o = {.deadline_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + 100000000LL};
    struct tp_volume *v = NULL;
    size_t n;
    struct tp_error err;
    assert_int_equal(tp_volume_list(c, &o, &v, &n, &err), TP_E_TIMEOUT);
    assert_non_null(strstr(err.message, "slot"));
    atomic_store(&hold, false);
    pthread_join(t, NULL);
    tp_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_more_than_max_in_flight_requests_across_threads),
        cmocka_unit_test(test_a_caller_waiting_for_a_slot_keeps_its_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
