/* pool.c - a ring of pending jobs and a condition variable. Admission counts
 * idle workers as room, so a job is refused only when every worker is busy
 * and queue_depth jobs already wait. */
#include "csi/pool.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
    csi_job_fn fn;
    void *arg;
};

struct csi_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t *threads;
    unsigned n_threads, idle, capacity, head, pending;
    bool stopping;
    struct job *ring;
};

static void *worker(void *arg)
{
    struct csi_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->pending == 0 && !p->stopping)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->pending == 0)
            break;
        struct job j = p->ring[p->head];
        p->head = (p->head + 1) % p->capacity;
        p->pending--;
        p->idle--;
        pthread_mutex_unlock(&p->lock);
        j.fn(j.arg);
        pthread_mutex_lock(&p->lock);
        p->idle++;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct csi_pool *csi_pool_new(unsigned threads, unsigned queue_depth)
{
    struct csi_pool *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->n_threads = threads ? threads : 1;
    p->capacity = p->n_threads + queue_depth;
    p->ring = calloc(p->capacity, sizeof *p->ring);
    p->threads = calloc(p->n_threads, sizeof *p->threads);
    if (!p->ring || !p->threads)
        abort();
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->idle = p->n_threads;
    for (unsigned i = 0; i < p->n_threads; i++)
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            abort();
    return p;
}

bool csi_pool_submit(struct csi_pool *p, csi_job_fn fn, void *arg)
{
    pthread_mutex_lock(&p->lock);
    /* Jobs already queued will take idle workers first. */
    unsigned room = p->capacity - p->n_threads + p->idle;
    bool ok = !p->stopping && p->pending < room;
    if (ok) {
        p->ring[(p->head + p->pending) % p->capacity] = (struct job){fn, arg};
        p->pending++;
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

bool csi_pool_cancel(struct csi_pool *p, csi_job_fn fn, void *arg)
{
    pthread_mutex_lock(&p->lock);
    bool found = false;
    for (unsigned i = 0; i < p->pending; i++) {
        struct job *j = &p->ring[(p->head + i) % p->capacity];
        if (found)
            p->ring[(p->head + i - 1) % p->capacity] = *j; /* close the gap, keeping order */
        else if (j->fn == fn && j->arg == arg)
            found = true;
    }
    if (found)
        p->pending--;
    pthread_mutex_unlock(&p->lock);
    return found;
}

void csi_pool_free(struct csi_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p->ring);
    free(p);
}
