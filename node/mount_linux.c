/* mount_linux.c - the real mount operations (mnt_linux_ops).
 *
 * Every call that can block on a dead server (mount(2), umount2(2),
 * statvfs(2)) runs through csi_fsop_run, so the caller gets ETIMEDOUT at its
 * deadline while the stuck syscall finishes (or hangs) on its own thread.
 * NFS goes through mount(8) instead of mount(2), because mount.nfs resolves
 * the server name and negotiates the protocol version; that child is killed
 * at the deadline and reaped in the background. What is mounted where is
 * read from /proc/self/mountinfo, never by touching the mount point, which
 * may be the very mount that hangs.
 *
 * Mount options are passed on mount(8)'s command line and as mount(2) data:
 * both are readable by anyone (ps, /proc/mounts), so callers never put
 * secrets in them.
 */
#include "node/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csi/clock.h"
#include "csi/fsop.h"

#define MOUNT_BIN "/bin/mount"
/* mount(2) data is at most one page; longer option strings are refused. */
#define DATA_MAX 4096
/* Stacked mounts peeled off by one unmount call before giving up. */
#define UNMOUNT_MAX_LAYERS 8

/* ---- arguments copied into fsop threads (they may outlive the caller) ---- */

struct mount_args {
    char source[PATH_MAX], target[PATH_MAX], fstype[64], data[DATA_MAX];
    unsigned long flags;
    bool has_data;
};

struct path_args {
    char path[PATH_MAX];
    struct statvfs st;
};

static bool copy_str(char *dst, size_t size, const char *src)
{
    return snprintf(dst, size, "%s", src ? src : "") < (int)size;
}

/* ---- mount(2) for everything but NFS ---- */

/* Per-mount flags mount(2) takes as bits, not as data: a filesystem's own
 * option parser (tmpfs, fuse, ...) refuses them as unknown parameters. */
static const struct {
    const char *name;
    unsigned long set, clear;
} flag_words[] = {
    {"ro", MS_RDONLY, 0},          {"rw", 0, MS_RDONLY},          {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},        {"nodev", MS_NODEV, 0},        {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},      {"exec", 0, MS_NOEXEC},        {"noatime", MS_NOATIME, 0},
    {"nodiratime", MS_NODIRATIME, 0}, {"relatime", MS_RELATIME, 0}, {"sync", MS_SYNCHRONOUS, 0},
    {"dirsync", MS_DIRSYNC, 0},    {"defaults", 0, 0},
};

static bool take_flag_word(const char *word, unsigned long *flags)
{
    for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
        if (strcmp(word, flag_words[i].name) == 0) {
            *flags = (*flags | flag_words[i].set) & ~flag_words[i].clear;
            return true;
        }
    return false;
}

/* Splits "ro,size=1m,nosuid" into mount flags and the data the filesystem
 * parses ("size=1m"). */
static int split_options(const char *options, struct mount_args *a)
{
    char copy[DATA_MAX];
    if (!copy_str(copy, sizeof copy, options))
        return E2BIG;
    size_t used = 0;
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (take_flag_word(w, &a->flags))
            continue;
        int n = snprintf(a->data + used, sizeof a->data - used, "%s%s", used ? "," : "", w);
        used += (size_t)n; /* cannot overflow: data is never longer than the input */
    }
    a->has_data = used > 0;
    return 0;
}

static int do_mount(void *arg)
{
    struct mount_args *a = arg;
    return mount(a->source, a->target, a->fstype, a->flags, a->has_data ? a->data : NULL) == 0 ? 0 : errno;
}

static int mount_syscall(const char *source, const char *target, const char *fstype, const char *options,
                         int64_t deadline_ns)
{
    struct mount_args a = {0};
    if (!copy_str(a.source, sizeof a.source, source) || !copy_str(a.target, sizeof a.target, target))
        return ENAMETOOLONG;
    if (!copy_str(a.fstype, sizeof a.fstype, fstype))
        return EINVAL;
    int e = split_options(options, &a);
    return e ? e : csi_fsop_run(do_mount, &a, sizeof a, deadline_ns);
}

/* ---- mount(8) for NFS ---- */

/* A child killed at the deadline may stay in the kernel (uninterruptible
 * NFS wait) long after SIGKILL; this thread waits for it so it does not stay
 * a zombie, without making the caller wait. */
static void *reap_thread(void *p)
{
    pid_t pid = (pid_t)(intptr_t)p;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void reap_in_background(pid_t pid)
{
    if (waitpid(pid, NULL, WNOHANG) == pid)
        return;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* If no thread can be had, the child stays a zombie: a pid slot, not a
     * hang, and better than blocking the caller past its deadline. */
    (void)pthread_create(&t, &attr, reap_thread, (void *)(intptr_t)pid);
    pthread_attr_destroy(&attr);
}

static int exit_status_to_errno(int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    /* mount(8) reports failures as exit codes (1 usage, 32 mount failure),
     * not errno values; its stderr is not parsed, so they all read as EIO. */
    return EIO;
}

/* Waits for pid until deadline_ns: 0 and *status, or ETIMEDOUT. Polls with
 * a growing sleep: NFS mounts take milliseconds to seconds, so a few ms of
 * latency is nothing, and no SIGCHLD handler is needed. */
static int wait_child(pid_t pid, int64_t deadline_ns, int *status)
{
    int64_t nap = CSI_NS_PER_MS;
    for (;;) {
        pid_t r = waitpid(pid, status, deadline_ns == CSI_NO_DEADLINE ? 0 : WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return errno; /* ECHILD: someone else reaped it (SIGCHLD ignored) */
        int64_t left = deadline_ns - csi_now_ns();
        if (left <= 0)
            return ETIMEDOUT;
        int64_t d = nap < left ? nap : left;
        struct timespec ts = {.tv_sec = d / CSI_NS_PER_S, .tv_nsec = d % CSI_NS_PER_S};
        nanosleep(&ts, NULL);
        if (nap < 20 * CSI_NS_PER_MS)
            nap *= 2;
    }
}

/* The child starts clean: default signal handling and an empty mask (the
 * daemon blocks its shutdown signals and ignores SIGPIPE), no inherited
 * descriptors (a stuck mount(8) must not keep the CSI socket or its lock file
 * open), stdio on /dev/null (library code does not print, nor do its
 * children), and a minimal environment (the daemon's may hold the API key). */
static int spawn_mount(char *const argv[], pid_t *pid)
{
    static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    int e = posix_spawn(pid, MOUNT_BIN, &fa, &at, argv, envp);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return e;
}

static int mount_program(const char *source, const char *target, const char *fstype, const char *options,
                         int64_t deadline_ns)
{
    /* "--" so a source or target starting with '-' is never an option */
    char *argv[10];
    int n = 0;
    argv[n++] = "mount";
    argv[n++] = "-t";
    argv[n++] = (char *)fstype;
    if (options && *options) {
        argv[n++] = "-o";
        argv[n++] = (char *)options;
    }
    argv[n++] = "--";
    argv[n++] = (char *)source;
    argv[n++] = (char *)target;
    argv[n] = NULL;

    pid_t pid;
    int e = spawn_mount(argv, &pid);
    if (e)
        return e;
    int status = 0;
    e = wait_child(pid, deadline_ns, &status);
    if (e == ETIMEDOUT) {
        kill(pid, SIGKILL);
        reap_in_background(pid);
        return ETIMEDOUT;
    }
    return e ? e : exit_status_to_errno(status);
}

static bool is_nfs(const char *fstype) { return strcmp(fstype, "nfs") == 0 || strcmp(fstype, "nfs4") == 0; }

static int linux_mount(void *ctx, const char *source, const char *target, const char *fstype, const char *options,
                       int64_t deadline_ns)
{
    (void)ctx;
    if (!source || !target || !fstype || !*fstype)
        return EINVAL;
    if (is_nfs(fstype))
        return mount_program(source, target, fstype, options, deadline_ns);
    return mount_syscall(source, target, fstype, options, deadline_ns);
}

/* ---- bind ---- */

/* Whether word is one of list's comma-separated words. */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == 0))
            return true;
    }
    return false;
}

static int do_bind(void *arg)
{
    struct mount_args *a = arg;
    return mount(a->source, a->target, NULL, MS_BIND, NULL) == 0 ? 0 : errno;
}

static int find_mount(const char *target, struct mnt_info *out, char *opts, size_t opts_size);

/* Per-mount flags a bind inherited from its source; a remount replaces them
 * all, so they are carried over or "ro" would quietly drop nosuid/nodev.
 * Read from mountinfo, not statvfs(2): the new mount may be a dead server's. */
static unsigned long inherited_flags(const char *target)
{
    static const struct {
        const char *word;
        unsigned long ms;
    } map[] = {
        {"nosuid", MS_NOSUID},   {"nodev", MS_NODEV},           {"noexec", MS_NOEXEC},
        {"noatime", MS_NOATIME}, {"nodiratime", MS_NODIRATIME}, {"relatime", MS_RELATIME},
    };
    struct mnt_info info;
    char opts[256];
    unsigned long flags = 0;
    if (find_mount(target, &info, opts, sizeof opts) != 0)
        return 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (has_word(opts, map[i].word))
            flags |= map[i].ms;
    return flags;
}

/* Runs on the fsop thread so that the undo follows the failed remount in
 * order even when the caller has stopped waiting: a bind asked to be
 * read-only must never stay mounted writable. */
static int do_remount_ro(void *arg)
{
    struct mount_args *a = arg;
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | inherited_flags(a->target);
    if (mount(NULL, a->target, NULL, flags, NULL) == 0)
        return 0;
    int e = errno;
    umount2(a->target, MNT_DETACH);
    return e;
}

static int linux_bind(void *ctx, const char *source, const char *target, bool read_only, int64_t deadline_ns)
{
    (void)ctx;
    struct mount_args a = {0};
    if (!source || !target)
        return EINVAL;
    if (!copy_str(a.source, sizeof a.source, source) || !copy_str(a.target, sizeof a.target, target))
        return ENAMETOOLONG;
    int e = csi_fsop_run(do_bind, &a, sizeof a, deadline_ns);
    if (e || !read_only)
        return e;
    return csi_fsop_run(do_remount_ro, &a, sizeof a, deadline_ns);
}

/* ---- unmount ---- */

static int do_umount(void *arg)
{
    struct path_args *a = arg;
    return umount2(a->path, 0) == 0 ? 0 : errno;
}

/* Failures a lazy detach cures: the mount is in use, or its server is gone. */
static bool detach_cures(int e)
{
    return e == EBUSY || e == ENOTCONN || e == ESTALE || e == EIO || e == ETIMEDOUT;
}

/* One layer off target: 0 when one came off, EINVAL when none was left. */
static int unmount_layer(struct path_args *a, int64_t deadline_ns)
{
    /* Past the deadline no plain umount2 is started: it would run on in the
     * background and could take off a layer mounted after this call. */
    int e = csi_now_ns() >= deadline_ns ? ETIMEDOUT : csi_fsop_run(do_umount, a, sizeof *a, deadline_ns);
    if (!detach_cures(e))
        return e;
    /* MNT_DETACH only unhooks the mount from the tree and never waits for the
     * filesystem, so it is called directly, even past the deadline. */
    return umount2(a->path, MNT_DETACH) == 0 ? 0 : errno;
}

static int linux_unmount(void *ctx, const char *target, int64_t deadline_ns)
{
    (void)ctx;
    struct path_args a = {0};
    if (!target)
        return EINVAL;
    if (!copy_str(a.path, sizeof a.path, target))
        return ENAMETOOLONG;
    /* Until the kernel says target is no longer a mount point (EINVAL), so
     * mounts stacked on the same directory all come off. */
    for (int i = 0; i < UNMOUNT_MAX_LAYERS; i++) {
        int e = unmount_layer(&a, deadline_ns);
        if (e == EINVAL || e == ENOENT)
            return 0;
        if (e)
            return e;
    }
    return EBUSY;
}

/* ---- lookup: /proc/self/mountinfo ---- */

/* Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash) in place. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
            r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
}

/* "/a/b/" and "/a/b" name the same mount point; "/" stays "/". */
static void strip_trailing_slashes(char *s)
{
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/')
        s[--n] = 0;
}

/* Parses one mountinfo line (modified in place) into *out, and its
 * per-mount options into opts, when its mount point is target. Fields: id
 * parent major:minor root mountpoint options [optional fields...] - fstype
 * source superoptions. */
static bool parse_line(char *line, const char *target, struct mnt_info *out, char *opts, size_t opts_size)
{
    char *f[6], *p = line;
    line[strcspn(line, "\n")] = 0;
    for (int i = 0; i < 6; i++)
        if (!(f[i] = strsep(&p, " ")))
            return false;
    unescape(f[4]);
    strip_trailing_slashes(f[4]);
    if (strcmp(f[4], target) != 0)
        return false;
    char *sep;
    while ((sep = strsep(&p, " ")) && strcmp(sep, "-") != 0)
        ; /* optional fields: shared:N, master:N, ... */
    char *fstype = strsep(&p, " "), *source = strsep(&p, " ");
    unsigned major, minor;
    if (!sep || !fstype || !source || sscanf(f[2], "%u:%u", &major, &minor) != 2)
        return false;
    unescape(f[3]);
    unescape(source);
    memset(out, 0, sizeof *out);
    snprintf(out->fstype, sizeof out->fstype, "%s", fstype);
    snprintf(out->source, sizeof out->source, "%s", source);
    snprintf(out->root, sizeof out->root, "%s", f[3]);
    out->major = major;
    out->minor = minor;
    out->read_only = has_word(f[5], "ro");
    snprintf(opts, opts_size, "%s", f[5]);
    return true;
}

/* The topmost mount at target, and its per-mount options ("rw,nosuid,..."). */
static int find_mount(const char *target, struct mnt_info *out, char *opts, size_t opts_size)
{
    char want[PATH_MAX];
    if (!copy_str(want, sizeof want, target))
        return ENAMETOOLONG;
    strip_trailing_slashes(want);
    FILE *fp = fopen("/proc/self/mountinfo", "re");
    if (!fp)
        return errno;
    char *line = NULL;
    size_t cap = 0;
    struct mnt_info cur;
    bool found = false;
    /* The file lists mounts bottom to top, so the last match is the one a
     * path lookup of target reaches. */
    while (getline(&line, &cap, fp) >= 0)
        if (parse_line(line, want, &cur, opts, opts_size)) {
            *out = cur;
            found = true;
        }
    int e = ferror(fp) ? EIO : 0;
    free(line);
    fclose(fp);
    return e ? e : found ? 0 : ENOENT;
}

static int linux_lookup(void *ctx, const char *target, struct mnt_info *out)
{
    (void)ctx;
    char opts[256];
    if (!target || !out)
        return EINVAL;
    return find_mount(target, out, opts, sizeof opts);
}

/* ---- statvfs ---- */

static int do_statvfs(void *arg)
{
    struct path_args *a = arg;
    return statvfs(a->path, &a->st) == 0 ? 0 : errno;
}

static int linux_statvfs(void *ctx, const char *path, struct statvfs *out, int64_t deadline_ns)
{
    (void)ctx;
    struct path_args a = {0};
    if (!path || !out)
        return EINVAL;
    if (!copy_str(a.path, sizeof a.path, path))
        return ENAMETOOLONG;
    int e = csi_fsop_run(do_statvfs, &a, sizeof a, deadline_ns);
    if (!e)
        *out = a.st;
    return e;
}

const struct mnt_ops mnt_linux_ops = {
    .mount = linux_mount,
    .bind = linux_bind,
    .unmount = linux_unmount,
    .lookup = linux_lookup,
    .statvfs = linux_statvfs,
};
