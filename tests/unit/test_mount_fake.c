/* Unit tests for node/mount_fake.c: the in-memory mount table node code is
 * tested against, so it has to answer the way the real one does. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "csi/clock.h"
#include "node/mount.h"

#define LATER (csi_now_ns() + 10 * CSI_NS_PER_S)

static int setup(void **state)
{
    struct mnt *m = test_malloc(sizeof *m);
    m->ops = &mnt_fake_ops;
    m->ctx = mnt_fake_new();
    *state = m;
    return m->ctx ? 0 : -1;
}

static int teardown(void **state)
{
    struct mnt *m = *state;
    mnt_fake_free(m->ctx);
    test_free(m);
    return 0;
}

static const char *calls(const struct mnt *m) { return mnt_fake_calls(m->ctx); }

static void test_new_fake_has_no_calls_and_no_mounts(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_string_equal(calls(m), "");
    assert_int_equal(mnt_lookup(m, "/", &info), ENOENT);
    assert_int_equal(mnt_lookup(m, "/mnt/x", &info), ENOENT);
}

static void test_mount_is_recorded_and_looked_up(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_mount(m, "10.0.0.1:/export", "/stage/v1", "nfs4", "vers=4.1,hard", LATER), 0);
    assert_string_equal(calls(m), "mount nfs4 10.0.0.1:/export /stage/v1 vers=4.1,hard\n");
    assert_int_equal(mnt_lookup(m, "/stage/v1", &info), 0);
    assert_string_equal(info.fstype, "nfs4");
    assert_string_equal(info.source, "10.0.0.1:/export");
    assert_string_equal(info.root, "/");
    assert_false(info.read_only);
}

static void test_mount_without_options_records_a_dash(void **state)
{
    struct mnt *m = *state;
    assert_int_equal(mnt_mount(m, "none", "/t", "tmpfs", NULL, CSI_NO_DEADLINE), 0);
    assert_int_equal(mnt_mount(m, "none", "/u", "tmpfs", "", CSI_NO_DEADLINE), 0);
    assert_string_equal(calls(m), "mount tmpfs none /t -\nmount tmpfs none /u -\n");
}

static void test_mount_with_ro_option_is_read_only(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_mount(m, "s:/e", "/a", "nfs", "vers=3,ro", LATER), 0);
    assert_int_equal(mnt_lookup(m, "/a", &info), 0);
    assert_true(info.read_only);
    assert_int_equal(mnt_mount(m, "s:/e", "/b", "nfs", "rw,root=x", LATER), 0); /* "ro" as a prefix is not "ro" */
    assert_int_equal(mnt_lookup(m, "/b", &info), 0);
    assert_false(info.read_only);
}

static void test_lookup_ignores_a_trailing_slash(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_mount(m, "s:/e", "/stage/v1/", "nfs4", NULL, LATER), 0);
    assert_int_equal(mnt_lookup(m, "/stage/v1", &info), 0);
    assert_int_equal(mnt_lookup(m, "/stage/v1//", &info), 0);
    assert_int_equal(mnt_lookup(m, "/stage", &info), ENOENT);
    assert_int_equal(mnt_lookup(m, "/stage/v1/x", &info), ENOENT);
}

static void test_bind_inside_a_mount_reports_its_filesystem(void **state)
{
    struct mnt *m = *state;
    struct mnt_info staged, pub;
    assert_int_equal(mnt_mount(m, "s:/export", "/stage", "nfs4", NULL, LATER), 0);
    assert_int_equal(mnt_bind(m, "/stage/sub/dir", "/pods/p1/vol", true, LATER), 0);
    assert_int_equal(mnt_lookup(m, "/stage", &staged), 0);
    assert_int_equal(mnt_lookup(m, "/pods/p1/vol", &pub), 0);
    assert_string_equal(pub.fstype, "nfs4");
    assert_string_equal(pub.source, "s:/export");
    assert_string_equal(pub.root, "/sub/dir");
    assert_int_equal(pub.major, staged.major);
    assert_int_equal(pub.minor, staged.minor);
    assert_true(pub.read_only);
    assert_false(staged.read_only);
}

static void test_bind_of_a_bind_joins_roots(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_mount(m, "s:/e", "/stage", "nfs4", NULL, LATER), 0);
    assert_int_equal(mnt_bind(m, "/stage/a", "/b1", false, LATER), 0);
    assert_int_equal(mnt_bind(m, "/b1/c", "/b2", false, LATER), 0);
    assert_int_equal(mnt_bind(m, "/stage", "/b3", false, LATER), 0);
    assert_int_equal(mnt_lookup(m, "/b2", &info), 0);
    assert_string_equal(info.root, "/a/c");
    assert_int_equal(mnt_lookup(m, "/b3", &info), 0);
    assert_string_equal(info.root, "/");
}

static void test_bind_outside_any_mount(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_bind(m, "/host/mnt/s-1/", "/stage/v", false, LATER), 0);
    assert_string_equal(calls(m), "bind /host/mnt/s-1/ /stage/v rw\n");
    assert_int_equal(mnt_lookup(m, "/stage/v", &info), 0);
    assert_string_equal(info.fstype, "fake");
    assert_string_equal(info.root, "/host/mnt/s-1");
    assert_false(info.read_only);
}

static void test_bind_of_a_read_only_mount_is_read_only(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_mount(m, "s:/e", "/stage", "nfs4", "ro", LATER), 0);
    assert_int_equal(mnt_bind(m, "/stage", "/pub", false, LATER), 0);
    assert_int_equal(mnt_lookup(m, "/pub", &info), 0);
    assert_true(info.read_only);
}

static void test_stacked_mounts_lookup_topmost_unmount_all(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_bind(m, "/a", "/t", false, LATER), 0);
    assert_int_equal(mnt_bind(m, "/b", "/t", true, LATER), 0);
    assert_int_equal(mnt_mount(m, "none", "/other", "tmpfs", NULL, LATER), 0);
    assert_int_equal(mnt_lookup(m, "/t", &info), 0);
    assert_string_equal(info.root, "/b");
    assert_true(info.read_only);
    assert_int_equal(mnt_unmount(m, "/t/", LATER), 0);
    assert_int_equal(mnt_lookup(m, "/t", &info), ENOENT);
    assert_int_equal(mnt_lookup(m, "/other", &info), 0);
}

static void test_unmount_of_nothing_is_success(void **state)
{
    struct mnt *m = *state;
    assert_int_equal(mnt_unmount(m, "/never", LATER), 0);
    assert_int_equal(mnt_unmount(m, "/never", LATER), 0);
    assert_string_equal(calls(m), "unmount /never\nunmount /never\n");
}

static void test_fail_next_fails_once(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    mnt_fake_fail_next(m->ctx, "bind", EACCES);
    assert_int_equal(mnt_bind(m, "/a", "/t", false, LATER), EACCES);
    assert_int_equal(mnt_lookup(m, "/t", &info), ENOENT); /* a failed bind mounts nothing */
    assert_int_equal(mnt_bind(m, "/a", "/t", false, LATER), 0);
    assert_string_equal(calls(m), "bind /a /t rw\nbind /a /t rw\n");
}

static void test_fail_next_is_per_op(void **state)
{
    struct mnt *m = *state;
    struct statvfs st;
    struct mnt_info info;
    mnt_fake_fail_next(m->ctx, "mount", EIO);
    mnt_fake_fail_next(m->ctx, "unmount", EBUSY);
    mnt_fake_fail_next(m->ctx, "statvfs", ESTALE);
    assert_int_equal(mnt_bind(m, "/a", "/t", false, LATER), 0);
    assert_int_equal(mnt_unmount(m, "/t", LATER), EBUSY);
    assert_int_equal(mnt_lookup(m, "/t", &info), 0); /* a failed unmount leaves it */
    assert_int_equal(mnt_statvfs(m, "/t", &st, LATER), ESTALE);
    assert_int_equal(mnt_statvfs(m, "/t", &st, LATER), 0);
    assert_int_equal(mnt_mount(m, "s:/e", "/u", "nfs", NULL, LATER), EIO);
    assert_int_equal(mnt_mount(m, "s:/e", "/u", "nfs", NULL, LATER), 0);
    assert_int_equal(mnt_unmount(m, "/t", LATER), 0);
}

static void test_fail_next_lookup(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    assert_int_equal(mnt_bind(m, "/a", "/t", false, LATER), 0);
    mnt_fake_fail_next(m->ctx, "lookup", EMFILE);
    assert_int_equal(mnt_lookup(m, "/t", &info), EMFILE);
    assert_int_equal(mnt_lookup(m, "/t", &info), 0);
}

static void test_passed_deadline_times_out(void **state)
{
    struct mnt *m = *state;
    struct mnt_info info;
    struct statvfs st;
    int64_t past = csi_now_ns() - 1;
    assert_int_equal(mnt_mount(m, "s:/e", "/t", "nfs4", NULL, past), ETIMEDOUT);
    assert_int_equal(mnt_bind(m, "/a", "/t", false, past), ETIMEDOUT);
    assert_int_equal(mnt_statvfs(m, "/t", &st, past), ETIMEDOUT);
    assert_int_equal(mnt_lookup(m, "/t", &info), ENOENT);
    assert_int_equal(mnt_bind(m, "/a", "/t", false, CSI_NO_DEADLINE), 0);
    assert_int_equal(mnt_unmount(m, "/t", past), ETIMEDOUT);
    assert_int_equal(mnt_lookup(m, "/t", &info), 0);
}

static void test_statvfs_fixed_numbers(void **state)
{
    struct mnt *m = *state;
    struct statvfs st;
    assert_int_equal(mnt_statvfs(m, "/anything", &st, LATER), 0);
    assert_int_equal((unsigned long long)st.f_blocks * st.f_frsize, 100ULL << 30);
    assert_int_equal((unsigned long long)st.f_bavail * st.f_frsize, 40ULL << 30);
    assert_int_equal(st.f_files, 1u << 20);
    assert_true(st.f_ffree < st.f_files);
    assert_string_equal(calls(m), "statvfs /anything\n");
}

static void test_calls_grow_past_any_buffer(void **state)
{
    struct mnt *m = *state;
    char path[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(path, sizeof path, "/p/%d", i);
        assert_int_equal(mnt_bind(m, "/src", path, i % 2, LATER), 0);
    }
    const char *c = calls(m);
    assert_non_null(strstr(c, "bind /src /p/0 rw\nbind /src /p/1 ro\n"));
    assert_non_null(strstr(c, "bind /src /p/1999 ro\n"));
    assert_int_equal(c[strlen(c) - 1], '\n');
}

#define THREADS 8
#define ROUNDS 200

static void *churn(void *p)
{
    struct mnt *m = p;
    char path[64];
    struct mnt_info info;
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(path, sizeof path, "/t/%p/%d", (void *)&path, i);
        if (mnt_bind(m, "/src", path, false, CSI_NO_DEADLINE) != 0 || mnt_lookup(m, path, &info) != 0 ||
            mnt_unmount(m, path, CSI_NO_DEADLINE) != 0 || mnt_lookup(m, path, &info) != ENOENT)
            return (void *)1;
    }
    return NULL;
}

static void test_threads_share_one_fake(void **state)
{
    struct mnt *m = *state;
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, churn, m), 0);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        assert_int_equal(pthread_join(th[i], &r), 0);
        assert_null(r);
    }
    const char *c = calls(m);
    size_t lines = 0;
    for (const char *p = c; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, THREADS * ROUNDS * 2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_new_fake_has_no_calls_and_no_mounts),
        T(test_mount_is_recorded_and_looked_up),
        T(test_mount_without_options_records_a_dash),
        T(test_mount_with_ro_option_is_read_only),
        T(test_lookup_ignores_a_trailing_slash),
        T(test_bind_inside_a_mount_reports_its_filesystem),
        T(test_bind_of_a_bind_joins_roots),
        T(test_bind_outside_any_mount),
        T(test_bind_of_a_read_only_mount_is_read_only),
        T(test_stacked_mounts_lookup_topmost_unmount_all),
        T(test_unmount_of_nothing_is_success),
        T(test_fail_next_fails_once),
        T(test_fail_next_is_per_op),
        T(test_fail_next_lookup),
        T(test_passed_deadline_times_out),
        T(test_statvfs_fixed_numbers),
        T(test_calls_grow_past_any_buffer),
        T(test_threads_share_one_fake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
