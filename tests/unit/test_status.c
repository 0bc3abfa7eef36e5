/* Unit tests for csi/status.h: error-code translations to gRPC, from errno and HTTP, and their names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csi/status.h"

#define ALL_ERRS_LAST CSI_E_INTERNAL

static void test_to_grpc_maps_every_error_code(void **state)
{
    (void)state;
    static const struct {
        enum csi_err err;
        grpc_status_code code;
    } want[] = {
        {CSI_OK, GRPC_STATUS_OK},
        {CSI_E_INVALID, GRPC_STATUS_INVALID_ARGUMENT},
        {CSI_E_NOT_FOUND, GRPC_STATUS_NOT_FOUND},
        {CSI_E_EXISTS, GRPC_STATUS_ALREADY_EXISTS},
        {CSI_E_PRECONDITION, GRPC_STATUS_FAILED_PRECONDITION},
        {CSI_E_BUSY, GRPC_STATUS_ABORTED},
        {CSI_E_UNAVAILABLE, GRPC_STATUS_UNAVAILABLE},
        {CSI_E_TIMEOUT, GRPC_STATUS_DEADLINE_EXCEEDED},
        {CSI_E_CANCELLED, GRPC_STATUS_CANCELLED},
        {CSI_E_RANGE, GRPC_STATUS_OUT_OF_RANGE},
        {CSI_E_EXHAUSTED, GRPC_STATUS_RESOURCE_EXHAUSTED},
        {CSI_E_PERMISSION, GRPC_STATUS_PERMISSION_DENIED},
        {CSI_E_UNAUTHENTICATED, GRPC_STATUS_UNAUTHENTICATED},
        {CSI_E_UNIMPLEMENTED, GRPC_STATUS_UNIMPLEMENTED},
        {CSI_E_INTERNAL, GRPC_STATUS_INTERNAL},
    };
    assert_int_equal(sizeof want / sizeof want[0], ALL_ERRS_LAST + 1);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(want[i].err, (enum csi_err)i); /* the table covers every value in order */
        assert_int_equal(csi_err_to_grpc(want[i].err), want[i].code);
    }
}

static void test_to_grpc_maps_every_error_to_a_distinct_code(void **state)
{
    (void)state;
    for (int a = CSI_OK; a <= ALL_ERRS_LAST; a++)
        for (int b = a + 1; b <= ALL_ERRS_LAST; b++)
            assert_int_not_equal(csi_err_to_grpc((enum csi_err)a), csi_err_to_grpc((enum csi_err)b));
}

static void test_from_errno_maps_common_errnos(void **state)
{
    (void)state;
    assert_int_equal(csi_err_from_errno(0), CSI_OK);
    assert_int_equal(csi_err_from_errno(EINVAL), CSI_E_INVALID);
    assert_int_equal(csi_err_from_errno(ENOENT), CSI_E_NOT_FOUND);
    assert_int_equal(csi_err_from_errno(EEXIST), CSI_E_EXISTS);
    assert_int_equal(csi_err_from_errno(ETIMEDOUT), CSI_E_TIMEOUT);
    assert_int_equal(csi_err_from_errno(EACCES), CSI_E_PERMISSION);
    assert_int_equal(csi_err_from_errno(EPERM), CSI_E_PERMISSION);
    assert_int_equal(csi_err_from_errno(ENOSPC), CSI_E_EXHAUSTED);
    assert_int_equal(csi_err_from_errno(ENOTEMPTY), CSI_E_PRECONDITION);
    assert_int_equal(csi_err_from_errno(ENOSYS), CSI_E_UNIMPLEMENTED);
    assert_int_equal(csi_err_from_errno(ECANCELED), CSI_E_CANCELLED);
    assert_int_equal(csi_err_from_errno(ERANGE), CSI_E_RANGE);
}

static void test_from_errno_treats_dead_fuse_and_stale_nfs_as_unavailable(void **state)
{
    (void)state;
    assert_int_equal(csi_err_from_errno(ENOTCONN), CSI_E_UNAVAILABLE);
    assert_int_equal(csi_err_from_errno(ESTALE), CSI_E_UNAVAILABLE);
    assert_int_equal(csi_err_from_errno(EIO), CSI_E_UNAVAILABLE);
}

static void test_from_errno_maps_unknown_errno_to_internal(void **state)
{
    (void)state;
    assert_int_equal(csi_err_from_errno(ECHILD), CSI_E_INTERNAL);
    assert_int_equal(csi_err_from_errno(123456), CSI_E_INTERNAL);
    assert_int_equal(csi_err_from_errno(-1), CSI_E_INTERNAL);
}

static void test_from_http_maps_success_statuses_to_ok(void **state)
{
    (void)state;
    assert_int_equal(csi_err_from_http(200), CSI_OK);
    assert_int_equal(csi_err_from_http(201), CSI_OK);
    assert_int_equal(csi_err_from_http(204), CSI_OK);
    assert_int_equal(csi_err_from_http(299), CSI_OK);
}

static void test_from_http_maps_client_errors(void **state)
{
    (void)state;
    assert_int_equal(csi_err_from_http(400), CSI_E_INVALID);
    assert_int_equal(csi_err_from_http(401), CSI_E_UNAUTHENTICATED);
    assert_int_equal(csi_err_from_http(402), CSI_E_EXHAUSTED);
    assert_int_equal(csi_err_from_http(403), CSI_E_PERMISSION);
    assert_int_equal(csi_err_from_http(404), CSI_E_NOT_FOUND);
    assert_int_equal(csi_err_from_http(409), CSI_E_EXISTS);
    assert_int_equal(csi_err_from_http(429), CSI_E_UNAVAILABLE);
}

static void test_from_http_treats_server_errors_as_retryable(void **state)
{
    (void)state;
    assert_int_equal(csi_err_from_http(500), CSI_E_UNAVAILABLE);
    assert_int_equal(csi_err_from_http(502), CSI_E_UNAVAILABLE);
    assert_int_equal(csi_err_from_http(503), CSI_E_UNAVAILABLE);
    assert_int_equal(csi_err_from_http(504), CSI_E_TIMEOUT);
    assert_int_equal(csi_err_from_http(501), CSI_E_UNIMPLEMENTED);
}

static void test_from_http_maps_unexpected_statuses_to_internal(void **state)
{
    (void)state;
    assert_int_equal(csi_err_from_http(418), CSI_E_INTERNAL);
    assert_int_equal(csi_err_from_http(301), CSI_E_INTERNAL);
    assert_int_equal(csi_err_from_http(100), CSI_E_INTERNAL);
    assert_int_equal(csi_err_from_http(0), CSI_E_INTERNAL);
}

static void test_strerror_is_never_null_and_distinct_per_code(void **state)
{
    (void)state;
    for (int a = CSI_OK; a <= ALL_ERRS_LAST; a++) {
        const char *sa = csi_strerror((enum csi_err)a);
        assert_non_null(sa);
        assert_true(strlen(sa) > 0);
        for (int b = a + 1; b <= ALL_ERRS_LAST; b++)
            assert_string_not_equal(sa, csi_strerror((enum csi_err)b));
    }
}

static void test_strerror_of_an_out_of_range_value_is_not_null(void **state)
{
    (void)state;
    const char *s = csi_strerror((enum csi_err)(ALL_ERRS_LAST + 1));
    assert_non_null(s);
    assert_true(strlen(s) > 0);
}

static void test_grpc_code_name_names_every_code(void **state)
{
    (void)state;
    static const char *const names[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
        "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    };
    for (int code = 0; code <= 16; code++)
        assert_string_equal(csi_grpc_code_name((grpc_status_code)code), names[code]);
}

static void test_grpc_code_name_of_an_unknown_code_is_unknown(void **state)
{
    (void)state;
    assert_string_equal(csi_grpc_code_name((grpc_status_code)17), "UNKNOWN");
    assert_string_equal(csi_grpc_code_name((grpc_status_code)-1), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_to_grpc_maps_every_error_code),
        cmocka_unit_test(test_to_grpc_maps_every_error_to_a_distinct_code),
        cmocka_unit_test(test_from_errno_maps_common_errnos),
        cmocka_unit_test(test_from_errno_treats_dead_fuse_and_stale_nfs_as_unavailable),
        cmocka_unit_test(test_from_errno_maps_unknown_errno_to_internal),
        cmocka_unit_test(test_from_http_maps_success_statuses_to_ok),
        cmocka_unit_test(test_from_http_maps_client_errors),
        cmocka_unit_test(test_from_http_treats_server_errors_as_retryable),
        cmocka_unit_test(test_from_http_maps_unexpected_statuses_to_internal),
        cmocka_unit_test(test_strerror_is_never_null_and_distinct_per_code),
        cmocka_unit_test(test_strerror_of_an_out_of_range_value_is_not_null),
        cmocka_unit_test(test_grpc_code_name_names_every_code),
        cmocka_unit_test(test_grpc_code_name_of_an_unknown_code_is_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
