/* Unit tests for csi/arena.h: zeroed aligned bump allocation, big blocks, strings, the protobuf-c allocator. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "csi.pb-c.h"
#include "csi/arena.h"

/* Let a failed malloc return NULL under ASan, as it does in production, so the
 * arena's own "abort on allocation failure" path is what gets exercised. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static bool all_zero(const void *p, size_t n);
static bool all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i])
            return false;
    return true;
}

static void test_alloc_returns_zeroed_memory(void **state)
{
    (void)state;
    struct csi_arena *a = csi_arena_new();
    for (size_t size = 1; size < 600; size += 37) {
        unsigned char *p = csi_arena_alloc(a, size);
        assert_non_null(p);
        assert_true(all_zero(p, size));
        memset(p, 0xA5, size); /* dirty it; later allocations must still be zero */
    }
    csi_arena_free(a);
}

static void test_alloc_returns_16_byte_aligned_memory(void **state)
{
    (void)state;
    struct csi_arena *a = csi_arena_new();
    for (size_t size = 0; size < 300; size++) {
        void *p = csi_arena_alloc(a, size % 41);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    assert_int_equal((uintptr_t)csi_arena_alloc(a, 5000) % 16, 0);
    assert_int_equal((uintptr_t)csi_arena_alloc(a, 3) % 16, 0);
    csi_arena_free(a);
}

static void test_zero_size_allocations_are_distinct(void **state)
{
    (void)state;
    struct csi_arena *a = csi_arena_new();
    void *p = csi_arena_alloc(a, 0), *q = csi_arena_alloc(a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    csi_arena_free(a);
}

/* Many allocations spanning many blocks: each is filled with its own byte and
 * checked at the end, so any two that overlap are caught. */
static void test_allocations_never_overlap_across_blocks(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct csi_arena *a = csi_arena_new();
    static unsigned char *ptrs[N];
    static size_t sizes[N];
    for (size_t i = 0; i < N; i++) {
        sizes[i] = 1 + (i * 131) % 700;
        ptrs[i] = csi_arena_alloc(a, sizes[i]);
        assert_true(all_zero(ptrs[i], sizes[i]));
        memset(ptrs[i], (int)(i % 251) + 1, sizes[i]);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(ptrs[i][k], (i % 251) + 1);
    csi_arena_free(a);
}

static void test_large_allocation_works_and_small_ones_follow(void **state)
{
    (void)state;
    const size_t big = 1u << 20;
    struct csi_arena *a = csi_arena_new();
    char *small0 = csi_arena_alloc(a, 100);
    memset(small0, 's', 100);
    unsigned char *p = csi_arena_alloc(a, big);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    assert_true(all_zero(p, big));
    memset(p, 0x5A, big); /* ASan checks the whole range is ours */
    for (int i = 0; i < 100; i++) {
        char *s = csi_arena_alloc(a, 64);
        assert_true(all_zero(s, 64));
        assert_true((unsigned char *)s + 64 <= p || (unsigned char *)s >= p + big);
        memset(s, 'x', 64);
    }
    assert_int_equal(p[0], 0x5A);
    assert_int_equal(p[big - 1], 0x5A);
    assert_int_equal(small0[99], 's');
    /* a second big one, and one just past the block size */
    unsigned char *q = csi_arena_alloc(a, big / 2);
    memset(q, 1, big / 2);
    unsigned char *r = csi_arena_alloc(a, 4097);
    assert_true(all_zero(r, 4097));
    memset(r, 2, 4097);
    assert_int_equal(p[big / 2], 0x5A);
    csi_arena_free(a);
}

static void test_large_allocation_as_the_first_one(void **state)
{
    (void)state;
    struct csi_arena *a = csi_arena_new();
    unsigned char *p = csi_arena_alloc(a, 10000);
    memset(p, 7, 10000);
    unsigned char *s = csi_arena_alloc(a, 16);
    assert_true(all_zero(s, 16));
    memset(s, 8, 16);
    assert_int_equal(p[9999], 7);
    csi_arena_free(a);
}

static void test_strdup_copies_the_string(void **state)
{
    (void)state;
    struct csi_arena *a = csi_arena_new();
    char src[] = "volume-\xC3\xA9-42";
    char *s = csi_arena_strdup(a, src);
    assert_ptr_not_equal(s, src);
    assert_string_equal(s, src);
    src[0] = 'X';
    assert_string_equal(s, "volume-\xC3\xA9-42");
    assert_string_equal(csi_arena_strdup(a, ""), "");
    static char long_src[9000];
    memset(long_src, 'L', sizeof long_src - 1);
    char *l = csi_arena_strdup(a, long_src);
    assert_int_equal(strlen(l), sizeof long_src - 1);
    csi_arena_free(a);
}

static void test_printf_formats_into_the_arena(void **state)
{
    (void)state;
    struct csi_arena *a = csi_arena_new();
    assert_string_equal(csi_arena_printf(a, "%s/%d/%05.1f", "vol", -3, 2.25), "vol/-3/002.2");
    assert_string_equal(csi_arena_printf(a, "%s", ""), "");
    char *big = csi_arena_printf(a, "%6000d|", 1);
    assert_int_equal(strlen(big), 6001);
    assert_int_equal(big[5999], '1');
    assert_int_equal(big[6000], '|');
    csi_arena_free(a);
}

static void test_free_of_null_is_a_no_op(void **state)
{
    (void)state;
    csi_arena_free(NULL);
    csi_arena_free(csi_arena_new()); /* an unused arena too */
}

static void test_allocator_unpacks_a_create_volume_request(void **state)
{
    (void)state;
    Csi__V1__CreateVolumeRequest req = CSI__V1__CREATE_VOLUME_REQUEST__INIT;
    Csi__V1__CapacityRange range = CSI__V1__CAPACITY_RANGE__INIT;
    Csi__V1__VolumeCapability cap = CSI__V1__VOLUME_CAPABILITY__INIT, *caps[] = {&cap};
    Csi__V1__VolumeCapability__MountVolume mount = CSI__V1__VOLUME_CAPABILITY__MOUNT_VOLUME__INIT;
    Csi__V1__VolumeCapability__AccessMode mode = CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__INIT;
    Csi__V1__CreateVolumeRequest__ParametersEntry p1 = CSI__V1__CREATE_VOLUME_REQUEST__PARAMETERS_ENTRY__INIT,
                                                  p2 = CSI__V1__CREATE_VOLUME_REQUEST__PARAMETERS_ENTRY__INIT,
                                                  *params[] = {&p1, &p2};
    char *flags[] = {"noatime", "nodev"};
    static char long_name[3000];
    memset(long_name, 'n', sizeof long_name - 1);
    req.name = long_name;
    range.required_bytes = 1073741824;
    req.capacity_range = &range;
    mount.fs_type = "xfs";
    mount.n_mount_flags = 2;
    mount.mount_flags = flags;
    mode.mode = CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__MULTI_NODE_MULTI_WRITER;
    cap.access_type_case = CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT;
    cap.mount = &mount;
    cap.access_mode = &mode;
    req.n_volume_capabilities = 1;
    req.volume_capabilities = caps;
    p1.key = "tier";
    p1.value = "fast";
    p2.key = "zone";
    p2.value = "a";
    req.n_parameters = 2;
    req.parameters = params;

    size_t len = csi__v1__create_volume_request__get_packed_size(&req);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    assert_int_equal(csi__v1__create_volume_request__pack(&req, buf), len);

    struct csi_arena *a = csi_arena_new();
    ProtobufCAllocator alloc = csi_arena_allocator(a);
    assert_non_null(alloc.alloc);
    assert_non_null(alloc.free);
    Csi__V1__CreateVolumeRequest *out = csi__v1__create_volume_request__unpack(&alloc, len, buf);
    free(buf);
    assert_non_null(out);
    assert_string_equal(out->name, long_name);
    assert_non_null(out->capacity_range);
    assert_int_equal(out->capacity_range->required_bytes, 1073741824);
    assert_int_equal(out->n_volume_capabilities, 1);
    assert_int_equal(out->volume_capabilities[0]->access_type_case, CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT);
    assert_string_equal(out->volume_capabilities[0]->mount->fs_type, "xfs");
    assert_int_equal(out->volume_capabilities[0]->mount->n_mount_flags, 2);
    assert_string_equal(out->volume_capabilities[0]->mount->mount_flags[1], "nodev");
    assert_int_equal(out->volume_capabilities[0]->access_mode->mode,
                     CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__MULTI_NODE_MULTI_WRITER);
    assert_int_equal(out->n_parameters, 2);
    assert_string_equal(out->parameters[0]->key, "tier");
    assert_string_equal(out->parameters[1]->value, "a");
    /* the allocator's free is a no-op: freeing through it is harmless */
    csi__v1__create_volume_request__free_unpacked(out, &alloc);
    csi_arena_free(a);
}

static void test_allocator_rejects_a_truncated_message_without_leaking(void **state)
{
    (void)state;
    Csi__V1__CreateVolumeRequest req = CSI__V1__CREATE_VOLUME_REQUEST__INIT;
    req.name = "pvc-123";
    uint8_t buf[64];
    size_t len = csi__v1__create_volume_request__pack(&req, buf);
    struct csi_arena *a = csi_arena_new();
    ProtobufCAllocator alloc = csi_arena_allocator(a);
    assert_null(csi__v1__create_volume_request__unpack(&alloc, len - 2, buf));
    csi_arena_free(a); /* ASan reports a leak if anything escaped the arena */
}

/* Runs csi_arena_alloc(size) in a child; true if the child was killed by SIGABRT. */
static bool alloc_aborts(size_t size);
static bool alloc_aborts(size_t size)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* die of a crash rather than return into cmocka */
        signal(SIGBUS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        struct csi_arena *a = csi_arena_new();
        volatile char *p = csi_arena_alloc(a, size);
        (void)p;
        _exit(0); /* it returned: the caller believes it holds size bytes */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* "Allocation failure aborts the process": a size no allocation can satisfy
 * must abort, not wrap around to a small block. */
static void test_alloc_of_an_impossible_size_aborts(void **state)
{
    (void)state;
    static const struct {
        size_t size;
        const char *why;
    } cases[] = {
        {SIZE_MAX / 2, "calloc fails"},
        {SIZE_MAX, "rounding up to 16 wraps to 0"},
        {SIZE_MAX - 20, "adding the block header wraps"},
    };
    bool all = true;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!alloc_aborts(cases[i].size)) {
            print_error("csi_arena_alloc(%zu) did not abort (%s)\n", cases[i].size, cases[i].why);
            all = false;
        }
    assert_true(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_returns_zeroed_memory),
        cmocka_unit_test(test_alloc_returns_16_byte_aligned_memory),
        cmocka_unit_test(test_zero_size_allocations_are_distinct),
        cmocka_unit_test(test_allocations_never_overlap_across_blocks),
        cmocka_unit_test(test_large_allocation_works_and_small_ones_follow),
        cmocka_unit_test(test_large_allocation_as_the_first_one),
        cmocka_unit_test(test_strdup_copies_the_string),
        cmocka_unit_test(test_printf_formats_into_the_arena),
        cmocka_unit_test(test_free_of_null_is_a_no_op),
        cmocka_unit_test(test_allocator_unpacks_a_create_volume_request),
        cmocka_unit_test(test_allocator_rejects_a_truncated_message_without_leaking),
        cmocka_unit_test(test_alloc_of_an_impossible_size_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
