/* Unit tests for csi/endpoint.h: endpoint URI parsing and safely claiming a unix socket path. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "csi/endpoint.h"

/* ---------------------------------------------------------------- parsing */

static void expect_parse_ok(const char *uri, bool is_unix, const char *path, const char *grpc_addr);
static void expect_parse_ok(const char *uri, bool is_unix, const char *path, const char *grpc_addr)
{
    struct csi_endpoint ep;
    char msg[256] = "";
    memset(&ep, 0x5A, sizeof ep);
    enum csi_err err = csi_endpoint_parse(uri, &ep, msg, sizeof msg);
    if (err != CSI_OK)
        fail_msg("%s: %s", uri, msg);
    assert_int_equal(ep.is_unix, is_unix);
    if (is_unix)
        assert_string_equal(ep.path, path);
    assert_string_equal(ep.grpc_addr, grpc_addr);
    assert_int_equal(ep.lock_fd, -1);
}

static void expect_parse_error(const char *uri, const char *want);
static void expect_parse_error(const char *uri, const char *want)
{
    struct csi_endpoint ep;
    char msg[256] = "";
    enum csi_err err = csi_endpoint_parse(uri, &ep, msg, sizeof msg);
    if (err != CSI_E_INVALID)
        fail_msg("%s: expected CSI_E_INVALID, got %d", uri, err);
    if (!strstr(msg, want))
        fail_msg("%s: message \"%s\" does not contain \"%s\"", uri, msg, want);
    assert_int_equal(ep.lock_fd, -1);
}

static void test_parse_unix_uri(void **state)
{
    (void)state;
    expect_parse_ok("unix:///csi/csi.sock", true, "/csi/csi.sock", "unix:/csi/csi.sock");
    expect_parse_ok("unix:///var/lib/kubelet/plugins/csi.tensorpool.dev/csi.sock", true,
                    "/var/lib/kubelet/plugins/csi.tensorpool.dev/csi.sock",
                    "unix:/var/lib/kubelet/plugins/csi.tensorpool.dev/csi.sock");
}

static void test_parse_bare_absolute_path(void **state)
{
    (void)state;
    expect_parse_ok("/csi/csi.sock", true, "/csi/csi.sock", "unix:/csi/csi.sock");
}

static void test_parse_loopback_tcp(void **state)
{
    (void)state;
    expect_parse_ok("tcp://127.0.0.1:0", false, NULL, "127.0.0.1:0");
    expect_parse_ok("tcp://localhost:1234", false, NULL, "localhost:1234");
    expect_parse_ok("tcp://[::1]:5", false, NULL, "[::1]:5");
    expect_parse_ok("tcp://127.0.0.1:65535", false, NULL, "127.0.0.1:65535");
}

static void test_parse_rejects_relative_unix_paths(void **state)
{
    (void)state;
    expect_parse_error("unix://relative/csi.sock", "absolute");
    expect_parse_error("unix://", "absolute");
    expect_parse_error("csi.sock", "absolute");
    expect_parse_error("", "absolute");
    expect_parse_error("http://127.0.0.1:80", "absolute");
}

static void test_parse_rejects_non_loopback_tcp(void **state)
{
    (void)state;
    expect_parse_error("tcp://0.0.0.0:1", "127.0.0.1");
    expect_parse_error("tcp://10.0.0.1:1", "127.0.0.1");
    expect_parse_error("tcp://127.0.0.2:1", "127.0.0.1");
    expect_parse_error("tcp://example.com:1", "127.0.0.1");
    expect_parse_error("tcp://:1", "127.0.0.1");
    expect_parse_error("tcp://localhost.evil.com:1", "127.0.0.1");
}

static void test_parse_rejects_bad_tcp_ports(void **state)
{
    (void)state;
    expect_parse_error("tcp://127.0.0.1", "PORT");
    expect_parse_error("tcp://127.0.0.1:", "PORT");
    expect_parse_error("tcp://127.0.0.1:70000", "PORT");
    expect_parse_error("tcp://127.0.0.1:65536", "PORT");
    expect_parse_error("tcp://127.0.0.1:-1", "PORT");
    expect_parse_error("tcp://127.0.0.1:80x", "PORT");
    expect_parse_error("tcp://[::1]", "PORT");
    expect_parse_error("tcp://", "PORT");
}

static void test_parse_rejects_an_overly_long_unix_path(void **state)
{
    (void)state;
    /* the limit leaves room for "<path>.lock" in a sockaddr_un */
    char path[CSI_UNIX_PATH_MAX + 16], uri[CSI_UNIX_PATH_MAX + 32], want[CSI_UNIX_PATH_MAX + 32];
    size_t max = CSI_UNIX_PATH_MAX - 5;
    memset(path, 'p', sizeof path);
    path[0] = '/';
    path[max] = 0;
    snprintf(uri, sizeof uri, "unix://%s", path);
    snprintf(want, sizeof want, "unix:%s", path);
    expect_parse_ok(uri, true, path, want);
    path[max] = 'p';
    path[max + 1] = 0;
    snprintf(uri, sizeof uri, "unix://%s", path);
    expect_parse_error(uri, "longer");
    expect_parse_error(path, "longer");
    path[sizeof path - 1] = 0;
    expect_parse_error(path, "longer");
}

/* --------------------------------------------------------------- claiming */

struct tmp {
    char dir[64];
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw);
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static int make_tmp(void **state);
static int make_tmp(void **state)
{
    struct tmp *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/tp-csi-endpoint-XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int remove_tmp(void **state);
static int remove_tmp(void **state)
{
    struct tmp *t = *state;
    nftw(t->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    struct stat st;
    int gone = lstat(t->dir, &st) != 0 && errno == ENOENT;
    free(t);
    return gone ? 0 : -1;
}

static void parse_in(const struct tmp *t, const char *rel, struct csi_endpoint *ep);
static void parse_in(const struct tmp *t, const char *rel, struct csi_endpoint *ep)
{
    char uri[256], msg[256];
    snprintf(uri, sizeof uri, "unix://%s/%s", t->dir, rel);
    assert_int_equal(csi_endpoint_parse(uri, ep, msg, sizeof msg), CSI_OK);
}

static bool exists(const char *path);
static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Binds a unix socket at path and closes it, leaving the socket file behind. */
static void make_stale_socket(const char *path);
static void make_stale_socket(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
}

static void test_claim_creates_missing_parent_directories(void **state)
{
    struct tmp *t = *state;
    struct csi_endpoint ep;
    char msg[256] = "", dir[128], lock[160];
    parse_in(t, "a/b/c/csi.sock", &ep);
    assert_int_equal(csi_endpoint_claim(&ep, msg, sizeof msg), CSI_OK);
    assert_true(ep.lock_fd >= 0);
    snprintf(dir, sizeof dir, "%s/a/b/c", t->dir);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    snprintf(lock, sizeof lock, "%s.lock", ep.path);
    assert_true(exists(lock));
    assert_false(exists(ep.path)); /* nothing is bound yet */
    csi_endpoint_release(&ep);
    assert_int_equal(ep.lock_fd, -1);
}

static void test_second_claim_is_busy_while_the_first_holds_it(void **state)
{
    struct tmp *t = *state;
    struct csi_endpoint first, second;
    char msg[256] = "";
    parse_in(t, "run/csi.sock", &first);
    parse_in(t, "run/csi.sock", &second);
    assert_int_equal(csi_endpoint_claim(&first, msg, sizeof msg), CSI_OK);
    make_stale_socket(first.path); /* the first instance is serving */

    msg[0] = 0;
    assert_int_equal(csi_endpoint_claim(&second, msg, sizeof msg), CSI_E_BUSY);
    assert_non_null(strstr(msg, second.path));
    assert_int_equal(second.lock_fd, -1);
    assert_true(exists(first.path)); /* the live socket was left alone */

    csi_endpoint_release(&second); /* unclaimed: must not unlink the first's socket */
    assert_true(exists(first.path));

    csi_endpoint_release(&first);
    assert_false(exists(first.path));
    msg[0] = 0;
    assert_int_equal(csi_endpoint_claim(&second, msg, sizeof msg), CSI_OK);
    assert_true(second.lock_fd >= 0);
    csi_endpoint_release(&second);
}

static void test_a_regular_file_in_the_way_is_a_precondition_failure_and_is_kept(void **state)
{
    struct tmp *t = *state;
    struct csi_endpoint ep, other;
    char msg[256] = "";
    parse_in(t, "csi.sock", &ep);
    parse_in(t, "csi.sock", &other);
    FILE *f = fopen(ep.path, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);

    assert_int_equal(csi_endpoint_claim(&ep, msg, sizeof msg), CSI_E_PRECONDITION);
    assert_non_null(strstr(msg, ep.path));
    assert_int_equal(ep.lock_fd, -1);
    csi_endpoint_release(&ep);

    char buf[32] = "";
    f = fopen(ep.path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "precious");
    /* the lock was dropped: another claimant gets the same answer, not BUSY */
    assert_int_equal(csi_endpoint_claim(&other, msg, sizeof msg), CSI_E_PRECONDITION);
}

static void test_a_directory_or_symlink_in_the_way_is_kept(void **state)
{
    struct tmp *t = *state;
    struct csi_endpoint ep;
    char msg[256];
    parse_in(t, "dir.sock", &ep);
    assert_int_equal(mkdir(ep.path, 0700), 0);
    assert_int_equal(csi_endpoint_claim(&ep, msg, sizeof msg), CSI_E_PRECONDITION);
    assert_true(exists(ep.path));

    char target[128];
    snprintf(target, sizeof target, "%s/target.sock", t->dir);
    make_stale_socket(target);
    parse_in(t, "link.sock", &ep);
    assert_int_equal(symlink(target, ep.path), 0);
    assert_int_equal(csi_endpoint_claim(&ep, msg, sizeof msg), CSI_E_PRECONDITION);
    assert_true(exists(ep.path));
    assert_true(exists(target));
}

static void test_a_stale_socket_is_removed(void **state)
{
    struct tmp *t = *state;
    struct csi_endpoint ep;
    char msg[256] = "";
    parse_in(t, "stale/csi.sock", &ep);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/stale", t->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    make_stale_socket(ep.path);
    assert_int_equal(csi_endpoint_claim(&ep, msg, sizeof msg), CSI_OK);
    assert_false(exists(ep.path));
    assert_true(ep.lock_fd >= 0);
    csi_endpoint_release(&ep);
}

static void test_set_mode_makes_the_socket_0660(void **state)
{
    struct tmp *t = *state;
    struct csi_endpoint ep;
    char msg[256] = "";
    parse_in(t, "mode/csi.sock", &ep);
    assert_int_equal(csi_endpoint_claim(&ep, msg, sizeof msg), CSI_OK);
    make_stale_socket(ep.path); /* stands in for the server's bind */
    assert_int_equal(chmod(ep.path, 0777), 0);
    assert_int_equal(csi_endpoint_set_mode(&ep, msg, sizeof msg), CSI_OK);
    struct stat st;
    assert_int_equal(lstat(ep.path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0660);
    csi_endpoint_release(&ep);
    assert_false(exists(ep.path)); /* release removes the socket */

    msg[0] = 0;
    assert_int_not_equal(csi_endpoint_set_mode(&ep, msg, sizeof msg), CSI_OK); /* nothing there now */
    assert_non_null(strstr(msg, ep.path));
}

static void test_tcp_endpoints_need_no_claim(void **state)
{
    (void)state;
    struct csi_endpoint ep;
    char msg[256];
    assert_int_equal(csi_endpoint_parse("tcp://127.0.0.1:0", &ep, msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_endpoint_claim(&ep, msg, sizeof msg), CSI_OK);
    assert_int_equal(ep.lock_fd, -1);
    assert_int_equal(csi_endpoint_set_mode(&ep, msg, sizeof msg), CSI_OK);
    csi_endpoint_release(&ep);
}

static void test_release_of_an_unclaimed_endpoint_is_safe(void **state)
{
    struct tmp *t = *state;
    struct csi_endpoint ep;
    parse_in(t, "unclaimed.sock", &ep);
    make_stale_socket(ep.path);
    csi_endpoint_release(&ep);
    csi_endpoint_release(&ep);
    assert_true(exists(ep.path)); /* not ours: not removed */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, make_tmp, remove_tmp)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_unix_uri),
        cmocka_unit_test(test_parse_bare_absolute_path),
        cmocka_unit_test(test_parse_loopback_tcp),
        cmocka_unit_test(test_parse_rejects_relative_unix_paths),
        cmocka_unit_test(test_parse_rejects_non_loopback_tcp),
        cmocka_unit_test(test_parse_rejects_bad_tcp_ports),
        cmocka_unit_test(test_parse_rejects_an_overly_long_unix_path),
        T(test_claim_creates_missing_parent_directories),
        T(test_second_claim_is_busy_while_the_first_holds_it),
        T(test_a_regular_file_in_the_way_is_a_precondition_failure_and_is_kept),
        T(test_a_directory_or_symlink_in_the_way_is_kept),
        T(test_a_stale_socket_is_removed),
        T(test_set_mode_makes_the_socket_0660),
        cmocka_unit_test(test_tcp_endpoints_need_no_claim),
        T(test_release_of_an_unclaimed_endpoint_is_safe),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
