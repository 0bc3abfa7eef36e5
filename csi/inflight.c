/* inflight.c - an open hash of strings behind one mutex. The set holds at most
 * as many keys as calls in flight (tens), so chaining with a fixed bucket
 * count is plenty. */
#include "csi/inflight.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 64

struct entry {
    struct entry *next;
    char key[];
};

struct csi_inflight {
    pthread_mutex_t lock;
    struct entry *buckets[BUCKETS];
    size_t count;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

struct csi_inflight *csi_inflight_new(void)
{
    struct csi_inflight *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

void csi_inflight_free(struct csi_inflight *t)
{
    if (!t)
        return;
    for (int i = 0; i < BUCKETS; i++)
        for (struct entry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static struct entry **find(struct csi_inflight *t, const char *key)
{
    struct entry **pe = &t->buckets[hash(key)];
    while (*pe && strcmp((*pe)->key, key) != 0)
        pe = &(*pe)->next;
    return pe;
}

bool csi_inflight_acquire(struct csi_inflight *t, const char *key)
{
    size_t len = strlen(key) + 1;
    struct entry *e = malloc(sizeof *e + len);
    if (!e)
        abort();
    memcpy(e->key, key, len);
    pthread_mutex_lock(&t->lock);
    struct entry **pe = find(t, key);
    bool free_slot = *pe == NULL;
    if (free_slot) {
        *pe = e;
        e->next = NULL;
        t->count++;
    }
    pthread_mutex_unlock(&t->lock);
    if (!free_slot)
        free(e);
    return free_slot;
}

void csi_inflight_release(struct csi_inflight *t, const char *key)
{
    pthread_mutex_lock(&t->lock);
    struct entry **pe = find(t, key), *e = *pe;
    if (e) {
        *pe = e->next;
        t->count--;
    }
    pthread_mutex_unlock(&t->lock);
    free(e);
}

size_t csi_inflight_count(struct csi_inflight *t)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}
