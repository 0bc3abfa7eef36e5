/* Unit tests for csi/options.h: defaults, environment variables, flags overriding them, and one-line errors. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "csi/driver.h"
#include "csi/options.h"

static const char *const env_names[] = {
    "CSI_ENDPOINT", "CSI_MODE", "CSI_NODE_ID", "CSI_DRIVER_NAME", "CSI_LOG_LEVEL", "CSI_GRACE_PERIOD",
    "CSI_WORKERS", "CSI_QUEUE_DEPTH", "CSI_CQ_THREADS", "CSI_DEBUG_ENDPOINT",
};
#define N_ENV (sizeof env_names / sizeof env_names[0])

static int clear_env(void **state);
static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ENV; i++)
        unsetenv(env_names[i]);
    return 0;
}

#define MAX_ARGS 32

/* Parses "prog" followed by the NULL-terminated arguments. */
static bool parse(struct csi_options *o, char *msg, size_t msglen, ...);
static bool parse(struct csi_options *o, char *msg, size_t msglen, ...)
{
    static char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)"prog";
    va_list ap;
    va_start(ap, msglen);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        assert_true(argc <= MAX_ARGS);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    msg[0] = 0;
    return csi_options_parse(o, argc, argv, msg, msglen);
}

/* The parse fails with a one-line message containing want. */
#define EXPECT_ERROR(want, ...)                                                                    \
    do {                                                                                           \
        struct csi_options o_;                                                                     \
        char m_[512];                                                                              \
        if (parse(&o_, m_, sizeof m_, __VA_ARGS__, NULL))                                          \
            fail_msg("parse succeeded, expected an error containing \"%s\"", want);               \
        if (!strstr(m_, want))                                                                     \
            fail_msg("message \"%s\" does not contain \"%s\"", m_, want);                        \
        assert_null(strchr(m_, '\n'));                                                             \
    } while (0)

#define EXPECT_OK(o, ...)                                                                          \
    do {                                                                                           \
        char m_[512];                                                                              \
        if (!parse(o, m_, sizeof m_, __VA_ARGS__, NULL))                                           \
            fail_msg("parse failed: %s", m_);                                                      \
    } while (0)

static void test_defaults(void **state)
{
    (void)state;
    struct csi_options o;
    char msg[256];
    assert_true(parse(&o, msg, sizeof msg, NULL));
    assert_string_equal(o.endpoint, "unix:///csi/csi.sock");
    assert_string_equal(o.endpoint, CSI_DEFAULT_ENDPOINT);
    assert_null(o.debug_endpoint);
    assert_int_equal(o.mode, CSI_MODE_ALL);
    assert_null(o.node_id);
    assert_string_equal(o.driver_name, "csi.tensorpool.dev");
    assert_int_equal(o.log_level, CSI_LOG_INFO);
    assert_int_equal(o.grace_ms, 20000);
    assert_int_equal(o.workers, 128);
    assert_int_equal(o.queue_depth, 256);
    assert_int_equal(o.cq_threads, 2);
    assert_false(o.version);
    assert_false(o.help);
}

static void test_environment_variables_are_honoured(void **state)
{
    (void)state;
    setenv("CSI_ENDPOINT", "unix:///run/tp/csi.sock", 1);
    setenv("CSI_MODE", "node", 1);
    setenv("CSI_NODE_ID", "node-7", 1);
    setenv("CSI_DRIVER_NAME", "tp.example.com", 1);
    setenv("CSI_LOG_LEVEL", "debug", 1);
    setenv("CSI_GRACE_PERIOD", "2.5", 1);
    setenv("CSI_WORKERS", "3", 1);
    setenv("CSI_QUEUE_DEPTH", "0", 1);
    setenv("CSI_CQ_THREADS", "4", 1);
    setenv("CSI_DEBUG_ENDPOINT", "tcp://127.0.0.1:9808", 1);
    struct csi_options o;
    EXPECT_OK(&o, NULL);
    assert_string_equal(o.endpoint, "unix:///run/tp/csi.sock");
    assert_int_equal(o.mode, CSI_MODE_NODE);
    assert_string_equal(o.node_id, "node-7");
    assert_string_equal(o.driver_name, "tp.example.com");
    assert_int_equal(o.log_level, CSI_LOG_DEBUG);
    assert_int_equal(o.grace_ms, 2500);
    assert_int_equal(o.workers, 3);
    assert_int_equal(o.queue_depth, 0);
    assert_int_equal(o.cq_threads, 4);
    assert_string_equal(o.debug_endpoint, "tcp://127.0.0.1:9808");
}

static void test_flags_override_environment_variables(void **state)
{
    (void)state;
    setenv("CSI_ENDPOINT", "unix:///run/env.sock", 1);
    setenv("CSI_MODE", "node", 1);
    setenv("CSI_NODE_ID", "env-node", 1);
    setenv("CSI_DRIVER_NAME", "env.example.com", 1);
    setenv("CSI_LOG_LEVEL", "error", 1);
    setenv("CSI_GRACE_PERIOD", "1", 1);
    setenv("CSI_WORKERS", "3", 1);
    setenv("CSI_QUEUE_DEPTH", "5", 1);
    setenv("CSI_CQ_THREADS", "4", 1);
    setenv("CSI_DEBUG_ENDPOINT", "tcp://127.0.0.1:1111", 1);
    struct csi_options o;
    EXPECT_OK(&o, "--endpoint", "unix:///run/flag.sock", "--mode", "controller", "--node-id", "flag-node",
              "--driver-name", "flag.example.com", "--log-level", "warn", "--grace-period", "7", "--workers", "9",
              "--queue-depth", "10", "--cq-threads", "1", "--debug-endpoint", "tcp://localhost:2222");
    assert_string_equal(o.endpoint, "unix:///run/flag.sock");
    assert_int_equal(o.mode, CSI_MODE_CONTROLLER);
    assert_string_equal(o.node_id, "flag-node");
    assert_string_equal(o.driver_name, "flag.example.com");
    assert_int_equal(o.log_level, CSI_LOG_WARN);
    assert_int_equal(o.grace_ms, 7000);
    assert_int_equal(o.workers, 9);
    assert_int_equal(o.queue_depth, 10);
    assert_int_equal(o.cq_threads, 1);
    assert_string_equal(o.debug_endpoint, "tcp://localhost:2222");
}

static void test_short_flags_and_equals_forms(void **state)
{
    (void)state;
    struct csi_options o;
    EXPECT_OK(&o, "-e", "/var/run/csi.sock", "-m", "node", "-n", "n1", "-l", "error", "--workers=2",
              "--grace-period=0");
    assert_string_equal(o.endpoint, "/var/run/csi.sock");
    assert_int_equal(o.mode, CSI_MODE_NODE);
    assert_string_equal(o.node_id, "n1");
    assert_int_equal(o.log_level, CSI_LOG_ERROR);
    assert_int_equal(o.workers, 2);
    assert_int_equal(o.grace_ms, 0);
}

static void test_empty_debug_endpoint_means_none(void **state)
{
    (void)state;
    setenv("CSI_DEBUG_ENDPOINT", "tcp://127.0.0.1:1", 1);
    struct csi_options o;
    EXPECT_OK(&o, "--debug-endpoint", "");
    assert_null(o.debug_endpoint);
    setenv("CSI_DEBUG_ENDPOINT", "", 1);
    EXPECT_OK(&o, NULL);
    assert_null(o.debug_endpoint);
}

static void test_v_sets_debug_logging(void **state)
{
    (void)state;
    struct csi_options o;
    EXPECT_OK(&o, "-v");
    assert_int_equal(o.log_level, CSI_LOG_DEBUG);
    setenv("CSI_LOG_LEVEL", "error", 1);
    EXPECT_OK(&o, "-v");
    assert_int_equal(o.log_level, CSI_LOG_DEBUG);
}

static void test_version_and_help(void **state)
{
    (void)state;
    struct csi_options o;
    EXPECT_OK(&o, "--version");
    assert_true(o.version);
    assert_false(o.help);
    EXPECT_OK(&o, "--help");
    assert_true(o.help);
    assert_false(o.version);
    EXPECT_OK(&o, "-h");
    assert_true(o.help);
}

static void test_each_parse_starts_from_the_defaults(void **state)
{
    (void)state;
    struct csi_options o;
    EXPECT_OK(&o, "--workers", "5", "-v", "--version");
    assert_int_equal(o.workers, 5);
    EXPECT_OK(&o, NULL);
    assert_int_equal(o.workers, 128);
    assert_int_equal(o.log_level, CSI_LOG_INFO);
    assert_false(o.version);
}

static void test_unknown_flag_is_an_error(void **state)
{
    (void)state;
    EXPECT_ERROR("unknown flag: --bogus", "--bogus");
    EXPECT_ERROR("unknown flag: -x", "-x");
    EXPECT_ERROR("--verbose", "--workers", "2", "--verbose");
}

static void test_missing_value_is_an_error(void **state)
{
    (void)state;
    EXPECT_ERROR("missing value for: --workers", "--workers");
    EXPECT_ERROR("missing value for: -e", "-e");
    EXPECT_ERROR("--mode", "-v", "--mode");
}

static void test_bad_mode_is_an_error(void **state)
{
    (void)state;
    EXPECT_ERROR("--mode", "--mode", "both");
    EXPECT_ERROR("--mode", "-m", "");
    EXPECT_ERROR("--mode", "--mode", "Node");
}

static void test_bad_driver_name_is_an_error(void **state)
{
    (void)state;
    char name64[65], name63[64];
    memset(name64, 'a', 64);
    name64[64] = 0;
    memset(name63, 'a', 63);
    name63[63] = 0;
    EXPECT_ERROR("--driver-name", "--driver-name", "-bad");
    EXPECT_ERROR("--driver-name", "--driver-name", name64);
    EXPECT_ERROR("--driver-name", "--driver-name", "a b");
    EXPECT_ERROR("--driver-name", "--driver-name", "bad-");
    EXPECT_ERROR("--driver-name", "--driver-name", "");
    EXPECT_ERROR("--driver-name", "--driver-name", "a/b");
    struct csi_options o;
    EXPECT_OK(&o, "--driver-name", name63);
    assert_string_equal(o.driver_name, name63);
    EXPECT_OK(&o, "--driver-name", "a");
    EXPECT_OK(&o, "--driver-name", "a_b-c.d9");
}

static void test_bad_log_level_is_an_error(void **state)
{
    (void)state;
    EXPECT_ERROR("--log-level", "--log-level", "loud");
    EXPECT_ERROR("--log-level", "-l", "4");
    EXPECT_ERROR("--log-level", "-l", "");
    struct csi_options o;
    EXPECT_OK(&o, "--log-level", "WARNING");
    assert_int_equal(o.log_level, CSI_LOG_WARN);
    EXPECT_OK(&o, "--log-level", "3");
    assert_int_equal(o.log_level, CSI_LOG_DEBUG);
}

static void test_out_of_range_numbers_are_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("--workers", "--workers", "0");
    EXPECT_ERROR("--workers", "--workers", "1025");
    EXPECT_ERROR("--workers", "--workers", "-1");
    EXPECT_ERROR("--workers", "--workers", "abc");
    EXPECT_ERROR("--workers", "--workers", "4x");
    EXPECT_ERROR("--workers", "--workers", "");
    EXPECT_ERROR("--workers", "--workers", "99999999999999999999999");
    EXPECT_ERROR("--queue-depth", "--queue-depth", "65537");
    EXPECT_ERROR("--cq-threads", "--cq-threads", "0");
    EXPECT_ERROR("--cq-threads", "--cq-threads", "65");
    struct csi_options o;
    EXPECT_OK(&o, "--workers", "1024", "--queue-depth", "65536", "--cq-threads", "64");
    assert_int_equal(o.workers, 1024);
    assert_int_equal(o.queue_depth, 65536);
    assert_int_equal(o.cq_threads, 64);
}

static void test_bad_grace_period_is_an_error(void **state)
{
    (void)state;
    EXPECT_ERROR("--grace-period", "--grace-period", "-1");
    EXPECT_ERROR("--grace-period", "--grace-period", "abc");
    EXPECT_ERROR("--grace-period", "--grace-period", "3601");
    EXPECT_ERROR("--grace-period", "--grace-period", "nan");
    EXPECT_ERROR("--grace-period", "--grace-period", "inf");
    EXPECT_ERROR("--grace-period", "--grace-period", "5s");
    EXPECT_ERROR("--grace-period", "--grace-period", "");
    struct csi_options o;
    EXPECT_OK(&o, "--grace-period", "1.5");
    assert_int_equal(o.grace_ms, 1500);
    EXPECT_OK(&o, "--grace-period", "3600");
    assert_int_equal(o.grace_ms, 3600000);
}

static void test_bad_node_id_is_an_error(void **state)
{
    (void)state;
    char id129[130];
    memset(id129, 'n', 129);
    id129[129] = 0;
    EXPECT_ERROR("--node-id", "--node-id", "");
    EXPECT_ERROR("--node-id", "--node-id", id129);
    id129[128] = 0;
    struct csi_options o;
    EXPECT_OK(&o, "--node-id", id129);
}

static void test_bad_endpoints_are_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("--endpoint", "--endpoint", "unix://relative/csi.sock");
    EXPECT_ERROR("--endpoint", "--endpoint", "tcp://10.0.0.1:5000");
    EXPECT_ERROR("--debug-endpoint", "--debug-endpoint", "unix:///tmp/debug.sock");
    EXPECT_ERROR("--debug-endpoint", "--debug-endpoint", "tcp://0.0.0.0:9000");
    struct csi_options o;
    EXPECT_OK(&o, "--endpoint", "tcp://127.0.0.1:0", "--debug-endpoint", "tcp://[::1]:9000");
    assert_string_equal(o.endpoint, "tcp://127.0.0.1:0");
    assert_string_equal(o.debug_endpoint, "tcp://[::1]:9000");
}

static void test_bad_environment_value_names_the_variable(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
    } bad[] = {
        {"CSI_WORKERS", "0"}, {"CSI_MODE", "everything"}, {"CSI_GRACE_PERIOD", "-1"},
        {"CSI_DRIVER_NAME", "a b"}, {"CSI_LOG_LEVEL", "chatty"}, {"CSI_CQ_THREADS", "x"},
        {"CSI_QUEUE_DEPTH", "-3"}, {"CSI_NODE_ID", ""}, {"CSI_ENDPOINT", "relative.sock"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clear_env(NULL);
        setenv(bad[i].name, bad[i].value, 1);
        char want[64];
        snprintf(want, sizeof want, "%s: ", bad[i].name);
        EXPECT_ERROR(want, NULL);
    }
}

static void test_stray_positional_argument_is_an_error(void **state)
{
    (void)state;
    EXPECT_ERROR("unexpected argument: extra", "extra");
    EXPECT_ERROR("unexpected argument: extra", "--workers", "2", "extra");
    EXPECT_ERROR("unexpected argument: x", "--", "x");
}

/* Runs a parse in a child process (so a crash cannot take the test binary
 * down): first an unknown flag inside a cluster, then a clean command line.
 * Exit status 0: the second parse saw only its own argv; 2/3: it did not. */
static int parse_after_cluster_error(char *first_msg, size_t msglen);
static int parse_after_cluster_error(char *first_msg, size_t msglen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        /* die of the signal rather than return into cmocka's handler */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        if (!freopen("/dev/null", "w", stderr))
            _exit(4);
        struct csi_options o;
        char msg[256] = "";
        char *bad[] = {(char *)"prog", (char *)"-xv", NULL};
        bool ok = csi_options_parse(&o, 2, bad, msg, sizeof msg);
        if (write(fds[1], msg, strlen(msg) + 1) < 0)
            _exit(4);
        if (ok)
            _exit(5);
        char *clean[] = {(char *)"prog", NULL};
        char msg2[256] = "";
        if (!csi_options_parse(&o, 1, clean, msg2, sizeof msg2))
            _exit(2);
        _exit(o.log_level == CSI_LOG_INFO ? 0 : 3);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], first_msg, msglen - 1);
    first_msg[n > 0 ? n : 0] = 0;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* "-xv": 'x' is unknown. The message should name it, and the next parse
 * must not resume inside the old "-xv" (getopt keeps its position there
 * unless optind is reset to 0). */
static void test_unknown_flag_in_a_cluster_is_named_and_does_not_leak_into_the_next_parse(void **state)
{
    (void)state;
    char first[256];
    int rc = parse_after_cluster_error(first, sizeof first);
    bool named = strstr(first, "-x") != NULL;
    if (!named)
        print_error("message for \"-xv\" does not name -x: \"%s\"\n", first);
    if (rc != 0)
        print_error("a later parse of a clean command line %s (child status %d)\n",
                    rc == 2 ? "failed" : rc == 3 ? "picked up -v from the earlier argv" : "crashed", rc);
    assert_true(named);
    assert_int_equal(rc, 0);
}

static void test_usage_lists_every_flag_and_variable(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    csi_options_usage(f);
    fclose(f);
    for (size_t i = 0; i < N_ENV; i++)
        if (!strstr(buf, env_names[i]))
            fail_msg("usage does not mention %s", env_names[i]);
    static const char *const flags[] = {"--endpoint", "--mode", "--node-id", "--driver-name", "--log-level",
                                        "--grace-period", "--debug-endpoint", "--workers", "--queue-depth",
                                        "--cq-threads", "--version", "--help", "-v"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!strstr(buf, flags[i]))
            fail_msg("usage does not mention %s", flags[i]);
    free(buf);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, clear_env, clear_env)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_environment_variables_are_honoured),
        T(test_flags_override_environment_variables),
        T(test_short_flags_and_equals_forms),
        T(test_empty_debug_endpoint_means_none),
        T(test_v_sets_debug_logging),
        T(test_version_and_help),
        T(test_each_parse_starts_from_the_defaults),
        T(test_unknown_flag_is_an_error),
        T(test_missing_value_is_an_error),
        T(test_bad_mode_is_an_error),
        T(test_bad_driver_name_is_an_error),
        T(test_bad_log_level_is_an_error),
        T(test_out_of_range_numbers_are_errors),
        T(test_bad_grace_period_is_an_error),
        T(test_bad_node_id_is_an_error),
        T(test_bad_endpoints_are_errors),
        T(test_bad_environment_value_names_the_variable),
        T(test_stray_positional_argument_is_an_error),
        T(test_unknown_flag_in_a_cluster_is_named_and_does_not_leak_into_the_next_parse),
        T(test_usage_lists_every_flag_and_variable),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
