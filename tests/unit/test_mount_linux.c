/* Unit tests for node/mount_linux.c, against the real kernel.
 *
 * main() first moves the process into a private mount namespace (with every
 * mount made private), so nothing done here reaches the host: whatever is
 * left when the process exits goes away with the namespace. All work happens
 * in a tmpfs mounted on a mkdtemp directory named "tpcsi-*"; the last test
 * checks that nothing is still mounted below it. Needs root (CAP_SYS_ADMIN);
 * without it the file prints a note and passes, since the runner knows no
 * "skipped" exit code.
 *
 * There is no NFS client on the test machines, so "nfs" mounts fail fast in
 * mount(8); the argv, environment, deadline and kill paths are tested with a
 * script bind-mounted over /bin/mount inside the namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "csi/clock.h"
#include "node/mount.h"

#define LATER (csi_now_ns() + 10 * CSI_NS_PER_S)
#define MOUNT_BIN "/bin/mount"

static const struct mnt real = {.ops = &mnt_linux_ops, .ctx = NULL};
static char base[] = "/tmp/tpcsi-unit-XXXXXX"; /* a tmpfs in the private namespace */
static bool mount_bin_replaced;

/* ---- helpers ---- */

/* A fresh directory under base for one test; *dir receives its path. */
static void new_dir(char *dir, size_t size)
{
    assert_true(snprintf(dir, size, "%s/t-XXXXXX", base) < (int)size);
    assert_non_null(mkdtemp(dir));
}

static void sub(char *out, size_t size, const char *dir, const char *name)
{
    assert_true(snprintf(out, size, "%s/%s", dir, name) < (int)size);
}

static void sub_dir(char *out, size_t size, const char *dir, const char *name)
{
    sub(out, size, dir, name);
    assert_int_equal(mkdir(out, 0755), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
}

static void read_file(const char *path, char *out, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n = read(fd, out, size - 1);
    assert_true(n >= 0);
    out[n] = 0;
    close(fd);
}

/* Whether creating a file in dir fails with EROFS (and not otherwise). */
static int create_errno(const char *dir)
{
    char path[PATH_MAX];
    sub(path, sizeof path, dir, "probe");
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

/* Mount points in this namespace's mountinfo that start with prefix. */
static int mounts_under(const char *prefix)
{
    FILE *fp = fopen("/proc/self/mountinfo", "re");
    assert_non_null(fp);
    char line[8192], mp[8192];
    int n = 0;
    while (fgets(line, sizeof line, fp))
        if (sscanf(line, "%*s %*s %*s %*s %8191s", mp) == 1 && strncmp(mp, prefix, strlen(prefix)) == 0)
            n++;
    fclose(fp);
    return n;
}

static double seconds_since(int64_t t0) { return (double)(csi_now_ns() - t0) / CSI_NS_PER_S; }

/* Puts a shell script over /bin/mount (in this namespace only). */
static void replace_mount_program(const char *dir, const char *script)
{
    char path[PATH_MAX];
    sub(path, sizeof path, dir, "fake-mount.sh");
    write_file(path, script, 0755);
    assert_int_equal(mount(path, MOUNT_BIN, NULL, MS_BIND, NULL), 0);
    mount_bin_replaced = true;
}

static int restore_mount_program(void **state)
{
    (void)state;
    if (mount_bin_replaced && umount2(MOUNT_BIN, MNT_DETACH) != 0)
        return -1;
    mount_bin_replaced = false;
    return 0;
}

/* ---- bind and lookup ---- */

static void test_bind_and_lookup(void **state)
{
    (void)state;
    char d[PATH_MAX], src[PATH_MAX], dst[PATH_MAX], root[PATH_MAX], slash[PATH_MAX + 1];
    struct mnt_info info;
    struct stat st;
    new_dir(d, sizeof d);
    sub_dir(src, sizeof src, d, "src");
    sub_dir(dst, sizeof dst, d, "dst");
    assert_int_equal(mnt_bind(&real, src, dst, false, LATER), 0);
    assert_int_equal(mnt_lookup(&real, dst, &info), 0);
    assert_int_equal(stat(src, &st), 0);
    snprintf(root, sizeof root, "%s", src + strlen(base)); /* the path inside the tmpfs */
    assert_string_equal(info.fstype, "tmpfs");
    assert_string_equal(info.source, "tpcsi-base");
    assert_string_equal(info.root, root);
    assert_int_equal(info.major, major(st.st_dev));
    assert_int_equal(info.minor, minor(st.st_dev));
    assert_false(info.read_only);
    snprintf(slash, sizeof slash, "%s/", dst);
    assert_int_equal(mnt_lookup(&real, slash, &info), 0);
    assert_int_equal(mnt_lookup(&real, src, &info), ENOENT);
    assert_int_equal(mnt_lookup(&real, d, &info), ENOENT);
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(mnt_lookup(&real, dst, &info), ENOENT);
}

static void test_read_only_bind_refuses_writes(void **state)
{
    (void)state;
    char d[PATH_MAX], src[PATH_MAX], dst[PATH_MAX], f[PATH_MAX], text[16];
    struct mnt_info info;
    new_dir(d, sizeof d);
    sub_dir(src, sizeof src, d, "src");
    sub_dir(dst, sizeof dst, d, "dst");
    assert_int_equal(mnt_bind(&real, src, dst, true, LATER), 0);
    assert_int_equal(mnt_lookup(&real, dst, &info), 0);
    assert_true(info.read_only);
    assert_int_equal(create_errno(dst), EROFS);
    sub(f, sizeof f, src, "data");
    write_file(f, "hello", 0644); /* the source stays writable */
    sub(f, sizeof f, dst, "data");
    read_file(f, text, sizeof text); /* and the bind shows it */
    assert_string_equal(text, "hello");
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(create_errno(dst), 0); /* the directory below is writable again */
}

static void test_read_only_bind_keeps_source_flags(void **state)
{
    (void)state;
    char d[PATH_MAX], fs[PATH_MAX], dst[PATH_MAX];
    struct statvfs sv;
    new_dir(d, sizeof d);
    sub_dir(fs, sizeof fs, d, "fs");
    sub_dir(dst, sizeof dst, d, "dst");
    assert_int_equal(mnt_mount(&real, "tpcsi-flags", fs, "tmpfs", "nosuid,nodev,noexec,size=1m", LATER), 0);
    assert_int_equal(mnt_bind(&real, fs, dst, true, LATER), 0);
    assert_int_equal(mnt_statvfs(&real, dst, &sv, LATER), 0);
    assert_true(sv.f_flag & ST_RDONLY);
    assert_true(sv.f_flag & ST_NOSUID);
    assert_true(sv.f_flag & ST_NODEV);
    assert_true(sv.f_flag & ST_NOEXEC);
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(mnt_unmount(&real, fs, LATER), 0);
}

static void test_bind_of_a_missing_source_mounts_nothing(void **state)
{
    (void)state;
    char d[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
    struct mnt_info info;
    new_dir(d, sizeof d);
    sub(src, sizeof src, d, "missing");
    sub_dir(dst, sizeof dst, d, "dst");
    assert_int_equal(mnt_bind(&real, src, dst, true, LATER), ENOENT);
    assert_int_equal(mnt_lookup(&real, dst, &info), ENOENT);
}

static void test_lookup_unescapes_mountinfo(void **state)
{
    (void)state;
    char d[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
    struct mnt_info info;
    new_dir(d, sizeof d);
    sub_dir(src, sizeof src, d, "source with space\tand tab");
    sub_dir(dst, sizeof dst, d, "pod volume\\back\nslash");
    assert_int_equal(mnt_bind(&real, src, dst, false, LATER), 0);
    assert_int_equal(mnt_lookup(&real, dst, &info), 0);
    assert_string_equal(info.root, src + strlen(base));
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(mnt_lookup(&real, dst, &info), ENOENT);
}

/* ---- unmount ---- */

static void test_unmount_of_a_plain_directory_is_success(void **state)
{
    (void)state;
    char d[PATH_MAX], missing[PATH_MAX];
    new_dir(d, sizeof d);
    assert_int_equal(mnt_unmount(&real, d, LATER), 0);
    sub(missing, sizeof missing, d, "missing");
    assert_int_equal(mnt_unmount(&real, missing, LATER), 0);
}

static void test_unmount_twice(void **state)
{
    (void)state;
    char d[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
    new_dir(d, sizeof d);
    sub_dir(src, sizeof src, d, "src");
    sub_dir(dst, sizeof dst, d, "dst");
    assert_int_equal(mnt_bind(&real, src, dst, false, LATER), 0);
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(mounts_under(d), 0);
}

static void test_stacked_binds_come_off_together(void **state)
{
    (void)state;
    char d[PATH_MAX], a[PATH_MAX], b[PATH_MAX], dst[PATH_MAX];
    struct mnt_info info;
    new_dir(d, sizeof d);
    sub_dir(a, sizeof a, d, "a");
    sub_dir(b, sizeof b, d, "b");
    sub_dir(dst, sizeof dst, d, "dst");
    assert_int_equal(mnt_bind(&real, a, dst, false, LATER), 0);
    assert_int_equal(mnt_bind(&real, b, dst, true, LATER), 0);
    assert_int_equal(mnt_lookup(&real, dst, &info), 0);
    assert_string_equal(info.root, b + strlen(base)); /* the topmost */
    assert_true(info.read_only);
    assert_int_equal(mounts_under(dst), 2);
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(mnt_lookup(&real, dst, &info), ENOENT);
    assert_int_equal(mounts_under(d), 0);
}

static void test_busy_mount_is_detached(void **state)
{
    (void)state;
    char d[PATH_MAX], src[PATH_MAX], dst[PATH_MAX], f[PATH_MAX];
    new_dir(d, sizeof d);
    sub_dir(src, sizeof src, d, "src");
    sub_dir(dst, sizeof dst, d, "dst");
    assert_int_equal(mnt_bind(&real, src, dst, false, LATER), 0);
    sub(f, sizeof f, dst, "open");
    int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644); /* keeps the mount busy */
    assert_true(fd >= 0);
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal(chdir(dst), 0); /* so does a working directory inside it */
    assert_int_equal(mnt_unmount(&real, dst, LATER), 0);
    assert_int_equal(mounts_under(d), 0);
    assert_int_equal(fchdir(cwd), 0);
    close(cwd);
    close(fd);
}

/* ---- mount(2) ---- */

static void test_tmpfs_mount_and_statvfs(void **state)
{
    (void)state;
    char d[PATH_MAX], fs[PATH_MAX];
    struct mnt_info info;
    struct statvfs sv;
    struct stat st;
    new_dir(d, sizeof d);
    sub_dir(fs, sizeof fs, d, "fs");
    assert_int_equal(mnt_mount(&real, "tpcsi-tmpfs", fs, "tmpfs", "size=16m,mode=0750", LATER), 0);
    assert_int_equal(mnt_lookup(&real, fs, &info), 0);
    assert_string_equal(info.fstype, "tmpfs");
    assert_string_equal(info.source, "tpcsi-tmpfs");
    assert_string_equal(info.root, "/");
    assert_false(info.read_only);
    assert_int_equal(stat(fs, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0750);
    assert_int_equal(major(st.st_dev), info.major);
    assert_int_equal(minor(st.st_dev), info.minor);
    assert_int_equal(mnt_statvfs(&real, fs, &sv, LATER), 0);
    assert_int_equal((unsigned long long)sv.f_blocks * sv.f_frsize, 16ULL << 20);
    assert_true(sv.f_bavail > 0 && sv.f_files > 0);
    assert_int_equal(mnt_unmount(&real, fs, LATER), 0);
    assert_int_equal(mnt_lookup(&real, fs, &info), ENOENT);
}

static void test_tmpfs_mount_read_only_option(void **state)
{
    (void)state;
    char d[PATH_MAX], fs[PATH_MAX];
    struct mnt_info info;
    new_dir(d, sizeof d);
    sub_dir(fs, sizeof fs, d, "fs");
    assert_int_equal(mnt_mount(&real, "tpcsi-ro", fs, "tmpfs", "ro,size=1m", LATER), 0);
    assert_int_equal(mnt_lookup(&real, fs, &info), 0);
    assert_true(info.read_only);
    assert_int_equal(create_errno(fs), EROFS);
    assert_int_equal(mnt_unmount(&real, fs, LATER), 0);
}

static void test_mount_errors(void **state)
{
    (void)state;
    char d[PATH_MAX], fs[PATH_MAX], missing[PATH_MAX];
    struct statvfs sv;
    new_dir(d, sizeof d);
    sub_dir(fs, sizeof fs, d, "fs");
    sub(missing, sizeof missing, d, "missing");
    assert_int_equal(mnt_mount(&real, "x", fs, "tpcsi-no-such-fs", NULL, LATER), ENODEV);
    assert_int_equal(mnt_mount(&real, "x", missing, "tmpfs", NULL, LATER), ENOENT);
    assert_int_equal(mnt_mount(&real, "x", fs, "tmpfs", "tpcsi-bad-option=1", LATER), EINVAL);
    assert_int_equal(mnt_statvfs(&real, missing, &sv, LATER), ENOENT);
    assert_int_equal(mounts_under(d), 0);
}

/* ---- NFS through mount(8) ---- */

static void test_nfs_without_a_server_fails_within_the_deadline(void **state)
{
    (void)state;
    char d[PATH_MAX], dst[PATH_MAX];
    struct mnt_info info;
    new_dir(d, sizeof d);
    sub_dir(dst, sizeof dst, d, "dst");
    int64_t t0 = csi_now_ns();
    int e = mnt_mount(&real, "127.0.0.1:/nowhere", dst, "nfs", "vers=3,soft,timeo=10,retrans=1", t0 + 2 * CSI_NS_PER_S);
    assert_int_not_equal(e, 0);
    assert_true(seconds_since(t0) < 3.0);
    assert_int_equal(mnt_lookup(&real, dst, &info), ENOENT);
}

static void test_nfs_runs_mount_program_with_argv_only(void **state)
{
    (void)state;
    char d[PATH_MAX], out[PATH_MAX], script[2 * PATH_MAX], got[4096];
    new_dir(d, sizeof d);
    sub(out, sizeof out, d, "args");
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "{ printf '%%s\\n' \"$@\"; echo \"secret=${TPCSI_TEST_SECRET:-}\";\n"
             "  [ -e /proc/$$/fd/50 ] && echo fd50=open || echo fd50=closed; } > '%s'\n"
             "exit 32\n",
             out);
    replace_mount_program(d, script);
    assert_int_equal(dup2(2, 50), 50); /* not close-on-exec */
    setenv("TPCSI_TEST_SECRET", "hunter2", 1);
    int e = mnt_mount(&real, "server:/export dir", "/target;x", "nfs4", "vers=4.1,hard", LATER);
    unsetenv("TPCSI_TEST_SECRET");
    close(50);
    assert_int_equal(e, EIO);
    read_file(out, got, sizeof got);
    assert_string_equal(got, "-t\nnfs4\n-o\nvers=4.1,hard\n--\nserver:/export dir\n/target;x\nsecret=\nfd50=closed\n");
}

static void test_nfs_mount_program_success(void **state)
{
    (void)state;
    char d[PATH_MAX], out[PATH_MAX], script[2 * PATH_MAX], got[256];
    new_dir(d, sizeof d);
    sub(out, sizeof out, d, "args");
    snprintf(script, sizeof script, "#!/bin/sh\nprintf '%%s ' \"$@\" > '%s'\n", out);
    replace_mount_program(d, script);
    assert_int_equal(mnt_mount(&real, "s:/e", "/t", "nfs", NULL, CSI_NO_DEADLINE), 0);
    read_file(out, got, sizeof got);
    assert_string_equal(got, "-t nfs -- s:/e /t ");
}

static void test_nfs_mount_program_killed_at_the_deadline(void **state)
{
    (void)state;
    char d[PATH_MAX], pidfile[PATH_MAX], script[2 * PATH_MAX], text[32];
    new_dir(d, sizeof d);
    sub(pidfile, sizeof pidfile, d, "pid");
    snprintf(script, sizeof script, "#!/bin/sh\necho $$ > '%s'\nexec sleep 30\n", pidfile);
    replace_mount_program(d, script);
    int64_t t0 = csi_now_ns();
    assert_int_equal(mnt_mount(&real, "s:/e", "/t", "nfs4", NULL, t0 + CSI_NS_PER_S), ETIMEDOUT);
    assert_true(seconds_since(t0) < 2.0);
    read_file(pidfile, text, sizeof text);
    pid_t pid = (pid_t)atoi(text);
    assert_true(pid > 0);
    /* killed and reaped in the background: the pid disappears (a zombie would
     * still answer kill(pid, 0)) */
    int64_t t1 = csi_now_ns();
    while (kill(pid, 0) == 0 && seconds_since(t1) < 5.0)
        usleep(10000);
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

/* ---- must run last ---- */

static void test_nothing_left_mounted(void **state)
{
    (void)state;
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s/", base);
    assert_int_equal(mounts_under(prefix), 0);
}

/* ---- namespace and scratch tmpfs ---- */

/* Leaves the host's mount table out of reach; false (and a note) when this
 * process may not. */
static bool enter_private_namespace(void)
{
    if (unshare(CLONE_NEWNS) != 0) {
        if (errno == EPERM) {
            printf("test_mount_linux: skipped: needs root for a private mount namespace\n");
            return false;
        }
        fprintf(stderr, "test_mount_linux: unshare: %s\n", strerror(errno));
        exit(1);
    }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        fprintf(stderr, "test_mount_linux: making mounts private: %s\n", strerror(errno));
        exit(1);
    }
    return true;
}

int main(void)
{
    if (!enter_private_namespace())
        return 0;
    if (!mkdtemp(base) || mount("tpcsi-base", base, "tmpfs", 0, "size=64m") != 0) {
        fprintf(stderr, "test_mount_linux: scratch tmpfs: %s\n", strerror(errno));
        return 1;
    }
#define T(name) cmocka_unit_test_teardown(name, restore_mount_program)
    const struct CMUnitTest tests[] = {
        T(test_bind_and_lookup),
        T(test_read_only_bind_refuses_writes),
        T(test_read_only_bind_keeps_source_flags),
        T(test_bind_of_a_missing_source_mounts_nothing),
        T(test_lookup_unescapes_mountinfo),
        T(test_unmount_of_a_plain_directory_is_success),
        T(test_unmount_twice),
        T(test_stacked_binds_come_off_together),
        T(test_busy_mount_is_detached),
        T(test_tmpfs_mount_and_statvfs),
        T(test_tmpfs_mount_read_only_option),
        T(test_mount_errors),
        T(test_nfs_without_a_server_fails_within_the_deadline),
        T(test_nfs_runs_mount_program_with_argv_only),
        T(test_nfs_mount_program_success),
        T(test_nfs_mount_program_killed_at_the_deadline),
        T(test_nothing_left_mounted),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    /* The namespace would take the mounts with it, but base is a directory
     * on the host's /tmp; a lazy unmount takes off anything a failed test
     * left below it too. */
    if (umount2(base, MNT_DETACH) != 0 || rmdir(base) != 0 || mounts_under(base) != 0) {
        fprintf(stderr, "test_mount_linux: %s not cleaned up\n", base);
        return 1;
    }
    return failed;
}
