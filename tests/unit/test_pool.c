/* Unit tests for csi/pool.h: admission (idle workers plus queue_depth), exactly-once runs, draining on free. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "csi/pool.h"

#define WAIT_LIMIT_S 2

/* A gate blocking jobs until opened; counts jobs that reached it and left. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool open;
    int started, finished;
};

static void gate_init(struct gate *g);
static void gate_init(struct gate *g)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->changed, NULL);
}

static void gate_destroy(struct gate *g);
static void gate_destroy(struct gate *g)
{
    pthread_cond_destroy(&g->changed);
    pthread_mutex_destroy(&g->lock);
}

static void gate_open(struct gate *g);
static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = true;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
}

static struct timespec deadline(void);
static struct timespec deadline(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_LIMIT_S;
    return ts;
}

/* Waits, at most WAIT_LIMIT_S, until *counter >= n; returns whether it got there. */
static bool gate_wait_for(struct gate *g, const int *counter, int n);
static bool gate_wait_for(struct gate *g, const int *counter, int n)
{
    struct timespec until = deadline();
    pthread_mutex_lock(&g->lock);
    int rc = 0;
    while (*counter < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g->changed, &g->lock, &until);
    bool ok = *counter >= n;
    pthread_mutex_unlock(&g->lock);
    return ok;
}

struct job {
    struct gate *gate; /* NULL: do not block */
    atomic_int runs;
};

static void run_job(void *arg);
static void run_job(void *arg)
{
    struct job *j = arg;
    atomic_fetch_add(&j->runs, 1);
    struct gate *g = j->gate;
    if (!g)
        return;
    struct timespec until = deadline(); /* bounded even if a test forgets to open */
    pthread_mutex_lock(&g->lock);
    g->started++;
    pthread_cond_broadcast(&g->changed);
    int rc = 0;
    while (!g->open && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g->changed, &g->lock, &until);
    g->finished++;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
}

static void test_every_accepted_job_runs_exactly_once(void **state)
{
    (void)state;
    enum { N = 300 };
    static struct job jobs[N];
    bool accepted[N];
    size_t n_accepted = 0;
    memset(jobs, 0, sizeof jobs);
    struct csi_pool *p = csi_pool_new(4, 8);
    assert_non_null(p);
    for (int i = 0; i < N; i++) {
        accepted[i] = csi_pool_submit(p, run_job, &jobs[i]);
        n_accepted += accepted[i];
    }
    csi_pool_free(p);
    assert_true(n_accepted >= 12); /* at least every worker plus the queue */
    for (int i = 0; i < N; i++)
        assert_int_equal(atomic_load(&jobs[i].runs), accepted[i] ? 1 : 0);
}

static void test_busy_workers_and_a_full_queue_refuse_a_job(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g);
    struct job a = {.gate = &g}, b = {.gate = &g}, c = {.gate = &g}, d = {.gate = &g}, e = {0};
    struct csi_pool *p = csi_pool_new(2, 1);

    assert_true(csi_pool_submit(p, run_job, &a));
    assert_true(csi_pool_submit(p, run_job, &b));
    assert_true(gate_wait_for(&g, &g.started, 2)); /* both workers are blocked */
    assert_true(csi_pool_submit(p, run_job, &c));   /* waits in the queue */
    assert_false(csi_pool_submit(p, run_job, &d));  /* no worker, no room */
    assert_false(csi_pool_submit(p, run_job, &d));

    gate_open(&g);
    assert_true(gate_wait_for(&g, &g.finished, 3));
    /* the workers are back (idle is counted after the job returns, so give
     * them a bounded number of tries) */
    bool again = false;
    for (int i = 0; i < 200 && !again; i++) {
        again = csi_pool_submit(p, run_job, &e);
        if (!again)
            nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    assert_true(again);
    csi_pool_free(p);

    assert_int_equal(atomic_load(&a.runs), 1);
    assert_int_equal(atomic_load(&b.runs), 1);
    assert_int_equal(atomic_load(&c.runs), 1);
    assert_int_equal(atomic_load(&d.runs), 0);
    assert_int_equal(atomic_load(&e.runs), 1);
    gate_destroy(&g);
}

static void test_queue_depth_zero_accepts_only_idle_workers(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g);
    struct job jobs[4] = {{.gate = &g}, {.gate = &g}, {.gate = &g}, {.gate = &g}};
    struct csi_pool *p = csi_pool_new(3, 0);
    /* refused whether or not the workers have picked the first three up yet */
    assert_true(csi_pool_submit(p, run_job, &jobs[0]));
    assert_true(csi_pool_submit(p, run_job, &jobs[1]));
    assert_true(csi_pool_submit(p, run_job, &jobs[2]));
    assert_false(csi_pool_submit(p, run_job, &jobs[3]));
    assert_true(gate_wait_for(&g, &g.started, 3));
    assert_false(csi_pool_submit(p, run_job, &jobs[3]));
    gate_open(&g);
    csi_pool_free(p);
    for (int i = 0; i < 3; i++)
        assert_int_equal(atomic_load(&jobs[i].runs), 1);
    assert_int_equal(atomic_load(&jobs[3].runs), 0);
    gate_destroy(&g);
}

static void test_single_worker_with_no_queue_takes_one_job_at_a_time(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g);
    struct job a = {.gate = &g}, b = {0};
    struct csi_pool *p = csi_pool_new(1, 0);
    assert_true(csi_pool_submit(p, run_job, &a));
    assert_true(gate_wait_for(&g, &g.started, 1));
    assert_false(csi_pool_submit(p, run_job, &b));
    gate_open(&g);
    csi_pool_free(p);
    assert_int_equal(atomic_load(&a.runs), 1);
    assert_int_equal(atomic_load(&b.runs), 0);
    gate_destroy(&g);
}

struct freer {
    pthread_t thread;
    struct csi_pool *p;
};

static void *free_pool(void *arg);
static void *free_pool(void *arg)
{
    csi_pool_free(((struct freer *)arg)->p);
    return NULL;
}

static void test_free_runs_jobs_still_queued(void **state)
{
    (void)state;
    enum { QUEUED = 5, PROBES = 200 };
    struct gate g;
    gate_init(&g);
    struct job blocker = {.gate = &g}, queued[QUEUED], probes[PROBES];
    memset(queued, 0, sizeof queued);
    memset(probes, 0, sizeof probes);
    struct csi_pool *p = csi_pool_new(1, 1000);
    assert_true(csi_pool_submit(p, run_job, &blocker));
    assert_true(gate_wait_for(&g, &g.started, 1));
    for (int i = 0; i < QUEUED; i++)
        assert_true(csi_pool_submit(p, run_job, &queued[i]));

    /* Free from another thread; it blocks joining the worker held by the
     * gate. A refused submit (the queue has plenty of room) shows that the
     * pool is stopping, with the queued jobs still waiting. */
    struct freer f = {.p = p};
    assert_int_equal(pthread_create(&f.thread, NULL, free_pool, &f), 0);
    int n_probes = 0;
    bool stopping = false;
    while (n_probes < PROBES && !stopping) {
        if (csi_pool_submit(p, run_job, &probes[n_probes]))
            n_probes++;
        else
            stopping = true;
        if (!stopping)
            nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    assert_true(stopping);
    for (int i = 0; i < QUEUED; i++)
        assert_int_equal(atomic_load(&queued[i].runs), 0);

    gate_open(&g);
    assert_int_equal(pthread_join(f.thread, NULL), 0);
    assert_int_equal(atomic_load(&blocker.runs), 1);
    for (int i = 0; i < QUEUED; i++)
        assert_int_equal(atomic_load(&queued[i].runs), 1);
    for (int i = 0; i < PROBES; i++)
        assert_int_equal(atomic_load(&probes[i].runs), i < n_probes ? 1 : 0);
    gate_destroy(&g);
}

static void test_cancel_withdraws_only_a_job_still_waiting(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g);
    struct job a = {.gate = &g}, b = {0}, c = {0}, d = {0};
    struct csi_pool *p = csi_pool_new(1, 3);
    assert_true(csi_pool_submit(p, run_job, &a));
    assert_true(gate_wait_for(&g, &g.started, 1)); /* a runs; b, c, d wait */
    assert_true(csi_pool_submit(p, run_job, &b));
    assert_true(csi_pool_submit(p, run_job, &c));
    assert_true(csi_pool_submit(p, run_job, &d));
    assert_false(csi_pool_cancel(p, run_job, &a)); /* already running */
    assert_true(csi_pool_cancel(p, run_job, &c));  /* from the middle */
    assert_false(csi_pool_cancel(p, run_job, &c)); /* only once */
    assert_true(csi_pool_submit(p, run_job, &c));  /* its slot is free again */
    gate_open(&g);
    csi_pool_free(p);
    assert_int_equal(atomic_load(&a.runs), 1);
    assert_int_equal(atomic_load(&b.runs), 1);
    assert_int_equal(atomic_load(&c.runs), 1);
    assert_int_equal(atomic_load(&d.runs), 1);
    gate_destroy(&g);
}

static void test_free_of_an_idle_pool_returns(void **state)
{
    (void)state;
    struct csi_pool *p = csi_pool_new(8, 16);
    csi_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_accepted_job_runs_exactly_once),
        cmocka_unit_test(test_busy_workers_and_a_full_queue_refuse_a_job),
        cmocka_unit_test(test_queue_depth_zero_accepts_only_idle_workers),
        cmocka_unit_test(test_single_worker_with_no_queue_takes_one_job_at_a_time),
        cmocka_unit_test(test_free_runs_jobs_still_queued),
        cmocka_unit_test(test_free_of_an_idle_pool_returns),
        cmocka_unit_test(test_cancel_withdraws_only_a_job_still_waiting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
