/* Unit tests for csi/inflight.h: the set of volume ids with an operation in progress. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "csi/inflight.h"

static void test_new_set_is_empty(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    assert_non_null(t);
    assert_int_equal(csi_inflight_count(t), 0);
    csi_inflight_free(t);
}

static void test_acquire_takes_a_free_key(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    assert_true(csi_inflight_acquire(t, "vol-1"));
    assert_int_equal(csi_inflight_count(t), 1);
    csi_inflight_free(t);
}

static void test_acquire_refuses_a_key_already_held(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    assert_true(csi_inflight_acquire(t, "vol-1"));
    assert_false(csi_inflight_acquire(t, "vol-1"));
    assert_false(csi_inflight_acquire(t, "vol-1"));
    assert_int_equal(csi_inflight_count(t), 1);
    csi_inflight_free(t);
}

static void test_acquire_copies_the_key(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    char key[16];
    snprintf(key, sizeof key, "vol-%d", 7);
    assert_true(csi_inflight_acquire(t, key));
    memset(key, 'x', sizeof key - 1); /* the caller's buffer is reused */
    assert_false(csi_inflight_acquire(t, "vol-7"));
    csi_inflight_release(t, "vol-7");
    assert_int_equal(csi_inflight_count(t), 0);
    csi_inflight_free(t);
}

static void test_distinct_keys_are_held_independently(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    assert_true(csi_inflight_acquire(t, "vol-1"));
    assert_true(csi_inflight_acquire(t, "vol-2"));
    assert_true(csi_inflight_acquire(t, "vol-10"));
    assert_true(csi_inflight_acquire(t, ""));
    assert_int_equal(csi_inflight_count(t), 4);
    csi_inflight_release(t, "vol-2");
    assert_int_equal(csi_inflight_count(t), 3);
    assert_false(csi_inflight_acquire(t, "vol-1"));
    assert_false(csi_inflight_acquire(t, "vol-10"));
    assert_false(csi_inflight_acquire(t, ""));
    assert_true(csi_inflight_acquire(t, "vol-2"));
    csi_inflight_free(t);
}

static void test_release_makes_the_key_available_again(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    for (int i = 0; i < 3; i++) {
        assert_true(csi_inflight_acquire(t, "vol-1"));
        assert_int_equal(csi_inflight_count(t), 1);
        csi_inflight_release(t, "vol-1");
        assert_int_equal(csi_inflight_count(t), 0);
    }
    csi_inflight_free(t);
}

static void test_release_of_an_unheld_key_is_a_no_op(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    csi_inflight_release(t, "never-held");
    assert_int_equal(csi_inflight_count(t), 0);
    assert_true(csi_inflight_acquire(t, "vol-1"));
    csi_inflight_release(t, "vol-2");
    csi_inflight_release(t, "vol-");
    csi_inflight_release(t, "vol-11");
    assert_int_equal(csi_inflight_count(t), 1);
    assert_false(csi_inflight_acquire(t, "vol-1"));
    csi_inflight_release(t, "vol-1");
    csi_inflight_release(t, "vol-1"); /* a second release too */
    assert_int_equal(csi_inflight_count(t), 0);
    assert_true(csi_inflight_acquire(t, "vol-1"));
    csi_inflight_free(t);
}

static void test_many_keys_across_buckets(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct csi_inflight *t = csi_inflight_new();
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "pvc-%d", i);
        assert_true(csi_inflight_acquire(t, key));
    }
    assert_int_equal(csi_inflight_count(t), N);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "pvc-%d", i);
        assert_false(csi_inflight_acquire(t, key));
    }
    /* release the even ones, in reverse order to unlink from chain middles */
    for (int i = N - 2; i >= 0; i -= 2) {
        snprintf(key, sizeof key, "pvc-%d", i);
        csi_inflight_release(t, key);
    }
    assert_int_equal(csi_inflight_count(t), N / 2);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "pvc-%d", i);
        assert_int_equal(csi_inflight_acquire(t, key), i % 2 == 0);
    }
    assert_int_equal(csi_inflight_count(t), N);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "pvc-%d", i);
        csi_inflight_release(t, key);
    }
    assert_int_equal(csi_inflight_count(t), 0);
    csi_inflight_free(t);
}

static void test_free_releases_keys_still_held(void **state)
{
    (void)state;
    struct csi_inflight *t = csi_inflight_new();
    assert_true(csi_inflight_acquire(t, "a"));
    assert_true(csi_inflight_acquire(t, "b"));
    csi_inflight_free(t); /* ASan reports a leak if the entries are not freed */
    csi_inflight_free(NULL);
}

/* ------------------------------------------------------------- contention */

enum { THREADS = 8, ITERATIONS = 1000, KEYS = 4 };

struct contention {
    struct csi_inflight *t;
    atomic_int holders[KEYS];
    atomic_int max_holders;
    atomic_long acquired;
    pthread_barrier_t start;
};

struct worker_arg {
    struct contention *c;
    unsigned seed;
};

static void *contend(void *arg);
static void *contend(void *arg)
{
    struct worker_arg *w = arg;
    struct contention *c = w->c;
    static const char *const keys[KEYS] = {"vol-a", "vol-b", "vol-c", "vol-d"};
    pthread_barrier_wait(&c->start);
    for (int i = 0; i < ITERATIONS; i++) {
        w->seed = w->seed * 1103515245u + 12345u;
        int k = (int)((w->seed >> 16) % KEYS);
        if (!csi_inflight_acquire(c->t, keys[k]))
            continue;
        int now = atomic_fetch_add(&c->holders[k], 1) + 1;
        int prev = atomic_load(&c->max_holders);
        while (now > prev && !atomic_compare_exchange_weak(&c->max_holders, &prev, now))
            ;
        atomic_fetch_add(&c->acquired, 1);
        for (volatile int spin = 0; spin < 50; spin++)
            ;
        atomic_fetch_sub(&c->holders[k], 1);
        csi_inflight_release(c->t, keys[k]);
    }
    return NULL;
}

static void test_contending_threads_never_share_a_key(void **state)
{
    (void)state;
    struct contention c = {.t = csi_inflight_new()};
    assert_int_equal(pthread_barrier_init(&c.start, NULL, THREADS), 0);
    pthread_t th[THREADS];
    struct worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (struct worker_arg){.c = &c, .seed = (unsigned)i * 7919u + 1u};
        assert_int_equal(pthread_create(&th[i], NULL, contend, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(atomic_load(&c.max_holders), 1);
    assert_true(atomic_load(&c.acquired) > 0);
    for (int k = 0; k < KEYS; k++)
        assert_int_equal(atomic_load(&c.holders[k]), 0);
    assert_int_equal(csi_inflight_count(c.t), 0);
    pthread_barrier_destroy(&c.start);
    csi_inflight_free(c.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_set_is_empty),
        cmocka_unit_test(test_acquire_takes_a_free_key),
        cmocka_unit_test(test_acquire_refuses_a_key_already_held),
        cmocka_unit_test(test_acquire_copies_the_key),
        cmocka_unit_test(test_distinct_keys_are_held_independently),
        cmocka_unit_test(test_release_makes_the_key_available_again),
        cmocka_unit_test(test_release_of_an_unheld_key_is_a_no_op),
        cmocka_unit_test(test_many_keys_across_buckets),
        cmocka_unit_test(test_free_releases_keys_still_held),
        cmocka_unit_test(test_contending_threads_never_share_a_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
