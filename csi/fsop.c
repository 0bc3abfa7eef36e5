/* fsop.c - a thread per call, a shared job freed by whoever is last: the
 * waiter when the call finished in time, the thread when the waiter left. */
#include "csi/fsop.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csi/clock.h"

static atomic_int stuck;

struct job {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    int (*fn)(void *);
    int result;
    bool done, abandoned;
    _Alignas(16) unsigned char arg[];
};

static void job_free(struct job *j)
{
    pthread_cond_destroy(&j->done_cv);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

static void *job_thread(void *p)
{
    struct job *j = p;
    int r = j->fn(j->arg);
    pthread_mutex_lock(&j->lock);
    j->result = r;
    j->done = true;
    bool abandoned = j->abandoned;
    pthread_cond_signal(&j->done_cv);
    pthread_mutex_unlock(&j->lock);
    if (abandoned) {
        atomic_fetch_sub(&stuck, 1);
        job_free(j);
    }
    return NULL;
}

int csi_fsop_stuck(void) { return atomic_load(&stuck); }

int csi_fsop_run(int (*fn)(void *arg), void *arg, size_t arg_size, int64_t deadline_ns)
{
    struct job *j = calloc(1, sizeof *j + arg_size);
    if (!j)
        abort();
    memcpy(j->arg, arg, arg_size);
    j->fn = fn;
    pthread_mutex_init(&j->lock, NULL);
    csi_cond_init_monotonic(&j->done_cv);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, job_thread, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        job_free(j);
        return EAGAIN;
    }
    struct timespec ts = {.tv_sec = deadline_ns / CSI_NS_PER_S, .tv_nsec = deadline_ns % CSI_NS_PER_S};
    pthread_mutex_lock(&j->lock);
    while (!j->done)
        if ((deadline_ns == CSI_NO_DEADLINE ? pthread_cond_wait(&j->done_cv, &j->lock)
                                            : pthread_cond_timedwait(&j->done_cv, &j->lock, &ts)) == ETIMEDOUT)
            break;
    bool done = j->done;
    int result = j->result;
    j->abandoned = !done;
    pthread_mutex_unlock(&j->lock);
    if (!done) {
        atomic_fetch_add(&stuck, 1);
        return ETIMEDOUT;
    }
    memcpy(arg, j->arg, arg_size);
    job_free(j);
    return result;
}

struct path_args {
    char a[PATH_MAX], b[PATH_MAX];
    unsigned mode;
    char data[CSI_FS_SMALL + 1]; /* small file contents, in or out */
};

static bool fill(struct path_args *p, const char *a, const char *b)
{
    memset(p, 0, sizeof *p);
    return snprintf(p->a, sizeof p->a, "%s", a) < (int)sizeof p->a &&
           snprintf(p->b, sizeof p->b, "%s", b ? b : "") < (int)sizeof p->b;
}

static int do_mkdir(void *arg)
{
    struct path_args *p = arg;
    return mkdir(p->a, p->mode) == 0 ? 0 : errno;
}

static int do_rename(void *arg)
{
    struct path_args *p = arg;
    if (renameat2(AT_FDCWD, p->a, AT_FDCWD, p->b, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return errno;
    /* NFS has no RENAME_NOREPLACE: check, then rename (a narrow race only
     * with someone else creating the same archive name) */
    struct stat st;
    if (lstat(p->b, &st) == 0)
        return EEXIST;
    return rename(p->a, p->b) == 0 ? 0 : errno;
}

static int do_is_dir(void *arg)
{
    struct path_args *p = arg;
    struct stat st;
    if (stat(p->a, &st) != 0)
        return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int r = flag == FTW_DP || flag == FTW_DNR ? rmdir(path) : unlink(path);
    return r == 0 || errno == ENOENT ? 0 : errno;
}

static int do_remove_tree(void *arg)
{
    struct path_args *p = arg;
    struct stat st;
    if (lstat(p->a, &st) != 0)
        return errno == ENOENT ? 0 : errno;
    /* FTW_PHYS: never follow a link out of the tree; FTW_MOUNT: never cross into another mount */
    int r = nftw(p->a, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    return r == -1 ? errno : r; /* nftw's own failures come as -1 and errno */
}

static int do_inside(void *arg)
{
    struct path_args *p = arg; /* a: root, b: path */
    char root[PATH_MAX], parent[PATH_MAX], resolved[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", p->b);
    char *slash = strrchr(parent, '/');
    if (!slash)
        return EINVAL;
    *slash = 0;
    if (!realpath(p->a, root))
        return errno;
    if (!realpath(*parent ? parent : "/", resolved))
        return errno;
    size_t n = strlen(root);
    bool below = strncmp(resolved, root, n) == 0 && (resolved[n] == 0 || resolved[n] == '/' || n == 1);
    return below ? 0 : EXDEV;
}

static int do_write_small(void *arg)
{
    struct path_args *p = arg; /* b: the temporary name */
    int fd = open(p->b, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return errno;
    size_t n = strlen(p->data);
    int e = write(fd, p->data, n) == (ssize_t)n ? 0 : errno ? errno : EIO;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(p->b, p->a) != 0)
        e = errno;
    if (e)
        unlink(p->b);
    return e;
}

static int do_read_small(void *arg)
{
    struct path_args *p = arg;
    int fd = open(p->a, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno;
    ssize_t n = read(fd, p->data, CSI_FS_SMALL);
    int e = n < 0 ? errno : 0;
    close(fd);
    p->data[n > 0 ? n : 0] = 0;
    return e;
}

static int run_path(int (*fn)(void *), const char *a, const char *b, unsigned mode, int64_t deadline_ns)
{
    struct path_args p;
    if (!fill(&p, a, b))
        return ENAMETOOLONG;
    p.mode = mode;
    return csi_fsop_run(fn, &p, sizeof p, deadline_ns);
}

int csi_fs_mkdir(const char *path, unsigned mode, int64_t deadline_ns) { return run_path(do_mkdir, path, NULL, mode, deadline_ns); }
int csi_fs_rename(const char *from, const char *to, int64_t deadline_ns) { return run_path(do_rename, from, to, 0, deadline_ns); }
int csi_fs_is_dir(const char *path, int64_t deadline_ns) { return run_path(do_is_dir, path, NULL, 0, deadline_ns); }
int csi_fs_remove_tree(const char *path, int64_t deadline_ns) { return run_path(do_remove_tree, path, NULL, 0, deadline_ns); }

int csi_fs_inside(const char *root, const char *path, int64_t deadline_ns)
{
    return run_path(do_inside, root, path, 0, deadline_ns);
}

int csi_fs_write_small(const char *path, const char *text, int64_t deadline_ns)
{
    struct path_args p;
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp || !fill(&p, path, tmp) ||
        snprintf(p.data, sizeof p.data, "%s", text) >= (int)sizeof p.data)
        return ENAMETOOLONG;
    return csi_fsop_run(do_write_small, &p, sizeof p, deadline_ns);
}

int csi_fs_read_small(const char *path, char *out, size_t outlen, int64_t deadline_ns)
{
    struct path_args p;
    if (!fill(&p, path, NULL))
        return ENAMETOOLONG;
    int e = csi_fsop_run(do_read_small, &p, sizeof p, deadline_ns);
    if (!e)
        snprintf(out, outlen, "%s", p.data);
    return e;
}
