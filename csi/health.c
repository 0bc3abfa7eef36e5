/* health.c - one thread, one timed wait between checks; stop wakes it and
 * also cancels a check in flight through the client's stop hook. */
#include "csi/health.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "csi/clock.h"
#include "csi/log.h"
#include "tensorpool/tp.h"

#define LOG_MODULE "health"
#define CHECK_TIMEOUT_NS (10 * CSI_NS_PER_S)

struct csi_health {
    struct tp_client *client;
    atomic_bool *ok;
    int64_t interval_ns, threshold_ns;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_bool stopping;
};

static bool stopping(void *arg) { return atomic_load(&((struct csi_health *)arg)->stopping); }

static void record(struct csi_health *h, bool success, int64_t *last_ok, const struct tp_error *err)
{
    int64_t now = csi_now_ns();
    if (success)
        *last_ok = now;
    bool ok = now - *last_ok < h->threshold_ns;
    if (atomic_exchange(h->ok, ok) != ok) {
        if (ok)
            LOG_INFO("TensorPool API reachable again: ready");
        else
            LOG_WARN("TensorPool API unreachable for %lld s (%s): not ready",
                     (long long)((now - *last_ok) / CSI_NS_PER_S), err->message);
    }
}

static void *run(void *arg)
{
    struct csi_health *h = arg;
    int64_t last_ok = csi_now_ns(); /* the threshold runs from start-up */
    pthread_mutex_lock(&h->lock);
    while (!atomic_load(&h->stopping)) {
        pthread_mutex_unlock(&h->lock);
        struct tp_opts o = {.deadline_ns = csi_now_ns() + CHECK_TIMEOUT_NS, .stop = stopping, .stop_arg = h};
        struct tp_error err = {0};
        enum tp_err rc = tp_health(h->client, &o, &err);
        if (rc != TP_E_CANCELLED)
            record(h, rc == TP_OK, &last_ok, &err);
        int64_t next = csi_now_ns() + h->interval_ns;
        struct timespec ts = {.tv_sec = next / CSI_NS_PER_S, .tv_nsec = next % CSI_NS_PER_S};
        pthread_mutex_lock(&h->lock);
        while (!atomic_load(&h->stopping) && pthread_cond_timedwait(&h->wake, &h->lock, &ts) == 0)
            ;
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

struct csi_health *csi_health_start(struct tp_client *c, atomic_bool *ok, int64_t interval_ns, int64_t threshold_ns)
{
    struct csi_health *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    *h = (struct csi_health){.client = c, .ok = ok, .interval_ns = interval_ns, .threshold_ns = threshold_ns};
    pthread_mutex_init(&h->lock, NULL);
    csi_cond_init_monotonic(&h->wake);
    if (pthread_create(&h->thread, NULL, run, h) != 0)
        abort();
    return h;
}

void csi_health_stop(struct csi_health *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    atomic_store(&h->stopping, true);
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
