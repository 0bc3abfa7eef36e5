/* mount_fake.c - the test mount operations (mnt_fake_ops).
 *
 * Node code is tested without root or a kernel: this table answers like the
 * real one from memory. It keeps what is "mounted" where, records every call
 * as one line ("mount FSTYPE SRC DST OPTIONS" with "-" for no options,
 * "bind SRC DST ro|rw", "unmount DST", "statvfs PATH"; lookups are not
 * recorded), and can be told to fail the next call of an op once.
 *
 * Like the kernel, mounts on the same target stack: lookup answers the
 * topmost, unmount takes them all off. A bind of a path inside a fake mount
 * reports that mount's fstype, source and device with the path below it as
 * root, as mountinfo does; a bind of any other path reports fstype "fake",
 * source "/dev/fake" and the path itself as root. A deadline already passed
 * gives ETIMEDOUT (after the call is recorded). statvfs answers fixed
 * numbers: 100 GiB of 4 KiB blocks, 40 GiB free, 1 Mi inodes, 1 Ki used.
 * One mutex makes it safe to share between threads; ctx is the struct
 * mnt_fake *.
 */
#include "node/mount.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi/clock.h"

#define FAKE_BLOCK 4096ULL
#define FAKE_TOTAL (100ULL << 30)
#define FAKE_FREE (40ULL << 30)
#define FAKE_INODES (1ULL << 20)
#define FAKE_INODES_USED 1024ULL
/* Fake mounts get minor numbers from here on, clear of bind-only ones (0). */
#define FAKE_FIRST_MINOR 100

enum fake_op { OP_MOUNT, OP_BIND, OP_UNMOUNT, OP_STATVFS, OP_LOOKUP, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"mount", "bind", "unmount", "statvfs", "lookup"};

struct fake_mount {
    char target[PATH_MAX];
    struct mnt_info info;
};

struct mnt_fake {
    pthread_mutex_t lock;
    struct fake_mount *mounts; /* bottom to top, like mountinfo */
    size_t n, cap;
    char *calls;
    size_t calls_len, calls_cap;
    int fail[OP_COUNT]; /* errno for the next call of each op, 0: none */
    unsigned next_minor;
};

struct mnt_fake *mnt_fake_new(void)
{
    struct mnt_fake *f = calloc(1, sizeof *f);
    if (!f)
        abort();
    pthread_mutex_init(&f->lock, NULL);
    f->calls = calloc(1, 1);
    if (!f->calls)
        abort();
    f->calls_cap = 1;
    f->next_minor = FAKE_FIRST_MINOR;
    return f;
}

void mnt_fake_free(struct mnt_fake *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    free(f->mounts);
    free(f->calls);
    free(f);
}

/* Test code naming an op that does not exist would otherwise pass silently. */
static enum fake_op op_by_name(const char *name)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (strcmp(name, op_names[i]) == 0)
            return (enum fake_op)i;
    abort();
}

/* Also takes "lookup", which the header does not list. */
void mnt_fake_fail_next(struct mnt_fake *f, const char *op, int err)
{
    enum fake_op o = op_by_name(op);
    pthread_mutex_lock(&f->lock);
    f->fail[o] = err;
    pthread_mutex_unlock(&f->lock);
}

/* Valid until the next call on f; read it once the calls are done. */
const char *mnt_fake_calls(const struct mnt_fake *f)
{
    struct mnt_fake *m = (struct mnt_fake *)f; /* the lock is not part of the value */
    pthread_mutex_lock(&m->lock);
    const char *s = m->calls;
    pthread_mutex_unlock(&m->lock);
    return s;
}

/* ---- helpers; all called with the lock held ---- */

__attribute__((format(printf, 2, 3))) static void record(struct mnt_fake *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t need = f->calls_len + (size_t)n + 2;
    if (need > f->calls_cap) {
        size_t cap = f->calls_cap * 2 > need ? f->calls_cap * 2 : need;
        char *p = realloc(f->calls, cap);
        if (!p)
            abort();
        f->calls = p;
        f->calls_cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(f->calls + f->calls_len, f->calls_cap - f->calls_len, fmt, ap);
    va_end(ap);
    f->calls_len += (size_t)n;
    f->calls[f->calls_len++] = '\n';
    f->calls[f->calls_len] = 0;
}

/* The errno this call must return: a pending failure, then the deadline. */
static int take_failure(struct mnt_fake *f, enum fake_op o, int64_t deadline_ns)
{
    int e = f->fail[o];
    f->fail[o] = 0;
    if (!e && deadline_ns != CSI_NO_DEADLINE && csi_now_ns() >= deadline_ns)
        e = ETIMEDOUT;
    return e;
}

static void normalize(char *dst, const char *src)
{
    snprintf(dst, PATH_MAX, "%s", src);
    size_t n = strlen(dst);
    while (n > 1 && dst[n - 1] == '/')
        dst[--n] = 0;
}

static void push(struct mnt_fake *f, const char *target, const struct mnt_info *info)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct fake_mount *p = realloc(f->mounts, cap * sizeof *p);
        if (!p)
            abort();
        f->mounts = p;
        f->cap = cap;
    }
    normalize(f->mounts[f->n].target, target);
    f->mounts[f->n].info = *info;
    f->n++;
}

/* The topmost mount exactly at target, or NULL. */
static const struct fake_mount *find_at(const struct mnt_fake *f, const char *target)
{
    char want[PATH_MAX];
    normalize(want, target);
    for (size_t i = f->n; i-- > 0;)
        if (strcmp(f->mounts[i].target, want) == 0)
            return &f->mounts[i];
    return NULL;
}

/* The topmost mount whose tree holds path (longest target prefix), and
 * where path's rest starts. */
static const struct fake_mount *find_under(const struct mnt_fake *f, const char *path, const char **rest)
{
    const struct fake_mount *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < f->n; i++) {
        const char *t = f->mounts[i].target;
        size_t n = strcmp(t, "/") == 0 ? 0 : strlen(t);
        if (strncmp(path, t, n) == 0 && (path[n] == '/' || path[n] == 0) && n >= best_len) {
            best = &f->mounts[i];
            best_len = n;
        }
    }
    *rest = path + best_len;
    return best;
}

static bool has_ro_word(const char *options)
{
    for (const char *p = options; p; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        if (strncmp(p, "ro", 2) == 0 && (p[2] == ',' || p[2] == 0))
            return true;
    }
    return false;
}

/* ---- the ops ---- */

static int fake_mount(void *ctx, const char *source, const char *target, const char *fstype, const char *options,
                      int64_t deadline_ns)
{
    struct mnt_fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    record(f, "mount %s %s %s %s", fstype, source, target, options && *options ? options : "-");
    int e = take_failure(f, OP_MOUNT, deadline_ns);
    if (!e) {
        struct mnt_info info = {.major = 0, .minor = f->next_minor++, .read_only = options && has_ro_word(options)};
        snprintf(info.fstype, sizeof info.fstype, "%s", fstype);
        snprintf(info.source, sizeof info.source, "%s", source);
        snprintf(info.root, sizeof info.root, "/");
        push(f, target, &info);
    }
    pthread_mutex_unlock(&f->lock);
    return e;
}

/* What a bind of source shows in mountinfo: its filesystem, rooted at it. */
static void bind_info(const struct mnt_fake *f, const char *source, bool read_only, struct mnt_info *info)
{
    char src[PATH_MAX];
    const char *rest;
    normalize(src, source);
    const struct fake_mount *under = find_under(f, src, &rest);
    memset(info, 0, sizeof *info);
    if (under) {
        *info = under->info;
        const char *base = strcmp(under->info.root, "/") == 0 ? "" : under->info.root;
        if (snprintf(info->root, sizeof info->root, "%s%s", base, *rest ? rest : (*base ? "" : "/")) >=
            (int)sizeof info->root)
            abort(); /* only a test building paths past PATH_MAX gets here */
    } else {
        snprintf(info->fstype, sizeof info->fstype, "fake");
        snprintf(info->source, sizeof info->source, "/dev/fake");
        snprintf(info->root, sizeof info->root, "%s", src);
    }
    /* a bind of a read-only mount is read-only too, as in the kernel */
    info->read_only = read_only || (under && under->info.read_only);
}

static int fake_bind(void *ctx, const char *source, const char *target, bool read_only, int64_t deadline_ns)
{
    struct mnt_fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    record(f, "bind %s %s %s", source, target, read_only ? "ro" : "rw");
    int e = take_failure(f, OP_BIND, deadline_ns);
    if (!e) {
        struct mnt_info info;
        bind_info(f, source, read_only, &info);
        push(f, target, &info);
    }
    pthread_mutex_unlock(&f->lock);
    return e;
}

static int fake_unmount(void *ctx, const char *target, int64_t deadline_ns)
{
    struct mnt_fake *f = ctx;
    char want[PATH_MAX];
    normalize(want, target);
    pthread_mutex_lock(&f->lock);
    record(f, "unmount %s", target);
    int e = take_failure(f, OP_UNMOUNT, deadline_ns);
    if (!e) {
        size_t k = 0;
        for (size_t i = 0; i < f->n; i++)
            if (strcmp(f->mounts[i].target, want) != 0)
                f->mounts[k++] = f->mounts[i];
        f->n = k;
    }
    pthread_mutex_unlock(&f->lock);
    return e;
}

static int fake_lookup(void *ctx, const char *target, struct mnt_info *out)
{
    struct mnt_fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    int e = take_failure(f, OP_LOOKUP, CSI_NO_DEADLINE);
    const struct fake_mount *m = e ? NULL : find_at(f, target);
    if (m)
        *out = m->info;
    else if (!e)
        e = ENOENT;
    pthread_mutex_unlock(&f->lock);
    return e;
}

static int fake_statvfs(void *ctx, const char *path, struct statvfs *out, int64_t deadline_ns)
{
    struct mnt_fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    record(f, "statvfs %s", path);
    int e = take_failure(f, OP_STATVFS, deadline_ns);
    pthread_mutex_unlock(&f->lock);
    if (e)
        return e;
    memset(out, 0, sizeof *out);
    out->f_bsize = out->f_frsize = FAKE_BLOCK;
    out->f_blocks = FAKE_TOTAL / FAKE_BLOCK;
    out->f_bfree = out->f_bavail = FAKE_FREE / FAKE_BLOCK;
    out->f_files = FAKE_INODES;
    out->f_ffree = out->f_favail = FAKE_INODES - FAKE_INODES_USED;
    out->f_namemax = 255;
    return 0;
}

const struct mnt_ops mnt_fake_ops = {
    .mount = fake_mount,
    .bind = fake_bind,
    .unmount = fake_unmount,
    .lookup = fake_lookup,
    .statvfs = fake_statvfs,
};
