/* Unit tests for controller/params.h: defaults per type, every key, unknown keys named, and the
 * cross-key rules, so a StorageClass typo fails loudly instead of falling back to a default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "controller/params.h"

#define MAX_KV 12

/* A parameters map built from "key", "value", ... pairs, NULL-terminated. */
struct kv {
    Csi__V1__CreateVolumeRequest__ParametersEntry e[MAX_KV];
    Csi__V1__CreateVolumeRequest__ParametersEntry *p[MAX_KV];
    size_t n;
};

static void build(struct kv *m, const char *const *pairs)
{
    m->n = 0;
    for (; pairs[0]; pairs += 2, m->n++) {
        Csi__V1__CreateVolumeRequest__ParametersEntry init = CSI__V1__CREATE_VOLUME_REQUEST__PARAMETERS_ENTRY__INIT;
        m->e[m->n] = init;
        m->e[m->n].key = (char *)pairs[0];
        m->e[m->n].value = (char *)pairs[1];
        m->p[m->n] = &m->e[m->n];
    }
}

static char msg[256];

static enum csi_err parse_pairs(const char *const *pairs, struct ctl_params *p)
{
    struct kv m;
    build(&m, pairs);
    msg[0] = 0;
    return ctl_params_parse(m.p, m.n, p, msg, sizeof msg);
}

#define PARSE(p, ...) parse_pairs((const char *const[]){__VA_ARGS__, NULL}, p)
#define PARSE_NONE(p) parse_pairs((const char *const[]){NULL}, p)

/* Expects CSI_E_INVALID with a message containing each of the given words. */
#define FAILS_WITH(word, ...)                                                                                    \
    do {                                                                                                         \
        struct ctl_params p_;                                                                                    \
        assert_int_equal(PARSE(&p_, __VA_ARGS__), CSI_E_INVALID);                                                \
        assert_non_null(strstr(msg, word));                                                                      \
    } while (0)

/* ------------------------------------------------------------ defaults */

static void test_no_parameters_needs_storage_id(void **state)
{
    (void)state;
    struct ctl_params p;
    /* the default is type=shared, mode=subdir, which needs a storageId */
    assert_int_equal(PARSE_NONE(&p), CSI_E_INVALID);
    assert_non_null(strstr(msg, "storageId"));
}

static void test_shared_defaults_to_subdir_retain(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "storageId", "s-abc1"), CSI_OK);
    assert_int_equal(p.kind, VID_SHARED_SUBDIR);
    assert_string_equal(p.name, "s-abc1");
    assert_int_equal(p.on_delete, VID_RETAIN);
    assert_false(p.deletion_protection);
    assert_false(p.detach_on_unpublish);
}

static void test_shared_volume_defaults(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "type", "shared", "mode", "volume"), CSI_OK);
    assert_int_equal(p.kind, VID_SHARED_VOLUME);
    assert_string_equal(p.name, "");
    assert_int_equal(p.on_delete, VID_RETAIN);
    assert_false(p.deletion_protection);
}

static void test_object_defaults_to_bucket(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "type", "object"), CSI_OK);
    assert_int_equal(p.kind, VID_OBJECT_BUCKET);
    assert_string_equal(p.name, "");
    assert_int_equal(p.on_delete, VID_RETAIN);
}

static void test_object_prefix(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "type", "object", "mode", "prefix", "bucket", "data-1", "onDelete", "retain"), CSI_OK);
    assert_int_equal(p.kind, VID_OBJECT_PREFIX);
    assert_string_equal(p.name, "data-1");
    assert_int_equal(p.on_delete, VID_RETAIN);
    /* removing or renaming objects needs the S3 client: refused at create, not stuck at delete */
    assert_int_equal(PARSE(&p, "type", "object", "mode", "prefix", "bucket", "data-1", "onDelete", "delete"), CSI_E_INVALID);
    assert_int_equal(PARSE(&p, "type", "object", "mode", "prefix", "bucket", "data-1", "onDelete", "archive"), CSI_E_INVALID);
}

/* ------------------------------------------------------------ every key */

static void test_every_key_of_shared_volume(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "type", "shared", "mode", "volume", "onDelete", "delete", "deletionProtection", "true",
                           "detachOnUnpublish", "true"),
                     CSI_OK);
    assert_int_equal(p.on_delete, VID_DELETE);
    assert_true(p.deletion_protection);
    assert_true(p.detach_on_unpublish);
    assert_int_equal(PARSE(&p, "mode", "volume", "deletionProtection", "false", "detachOnUnpublish", "false",
                           "onDelete", "retain"),
                     CSI_OK);
    assert_false(p.deletion_protection);
    assert_false(p.detach_on_unpublish);
    assert_int_equal(p.on_delete, VID_RETAIN);
}

static void test_subdir_options(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "storageId", "s-x1", "onDelete", "archive", "detachOnUnpublish", "true"), CSI_OK);
    assert_int_equal(p.on_delete, VID_ARCHIVE);
    assert_true(p.detach_on_unpublish);
}

static void test_k8s_keys_are_accepted(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "mode", "volume", "csi.storage.k8s.io/pvc/name", "claim", "csi.storage.k8s.io/pvc/namespace",
                           "ns", "csi.storage.k8s.io/pv/name", "pvc-123", "csi.storage.k8s.io/something-new", "x"),
                     CSI_OK);
    assert_string_equal(p.pvc_name, "claim");
    assert_string_equal(p.pvc_namespace, "ns");
    assert_string_equal(p.pv_name, "pvc-123");
}

/* ------------------------------------------------------------ errors */

static void test_unknown_key_is_named(void **state)
{
    (void)state;
    FAILS_WITH("storageID", "mode", "volume", "storageID", "s-abc");
    FAILS_WITH("unknown parameter", "mode", "volume", "sizeGB", "3");
    FAILS_WITH("csi.storage.k8s.io", "mode", "volume", "csi.storage.k8s.io", "x"); /* no slash: not the prefix */
}

static void test_bad_values(void **state)
{
    (void)state;
    FAILS_WITH("type", "type", "block");
    FAILS_WITH("mode", "type", "shared", "mode", "bucket");
    FAILS_WITH("mode", "type", "object", "mode", "subdir");
    FAILS_WITH("onDelete", "mode", "volume", "onDelete", "Delete");
    FAILS_WITH("deletionProtection", "mode", "volume", "deletionProtection", "yes");
    FAILS_WITH("detachOnUnpublish", "mode", "volume", "detachOnUnpublish", "1");
    FAILS_WITH("storageId", "storageId", "vol-1");
    FAILS_WITH("bucket", "type", "object", "mode", "prefix", "bucket", "Bad_Bucket");
}

static void test_cross_key_rules(void **state)
{
    (void)state;
    FAILS_WITH("storageId", "mode", "volume", "storageId", "s-abc");
    FAILS_WITH("storageId", "type", "object", "storageId", "s-abc");
    FAILS_WITH("storageId", "type", "shared", "mode", "subdir");
    FAILS_WITH("bucket", "type", "object", "mode", "bucket", "bucket", "data");
    FAILS_WITH("bucket", "mode", "subdir", "storageId", "s-a", "bucket", "data");
    FAILS_WITH("bucket", "type", "object", "mode", "prefix");
    FAILS_WITH("onDelete", "mode", "volume", "onDelete", "archive");
    FAILS_WITH("onDelete", "type", "object", "onDelete", "archive");
    FAILS_WITH("deletionProtection", "storageId", "s-a", "deletionProtection", "true");
    FAILS_WITH("deletionProtection", "type", "object", "deletionProtection", "false");
    FAILS_WITH("detachOnUnpublish", "type", "object", "detachOnUnpublish", "true");
    FAILS_WITH("detachOnUnpublish", "type", "object", "mode", "prefix", "bucket", "bkt", "detachOnUnpublish", "false");
}

static void test_message_never_echoes_control_characters(void **state)
{
    (void)state;
    struct ctl_params p;
    assert_int_equal(PARSE(&p, "bad\nkey", "v"), CSI_E_INVALID);
    assert_null(strchr(msg, '\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_parameters_needs_storage_id),
        cmocka_unit_test(test_shared_defaults_to_subdir_retain),
        cmocka_unit_test(test_shared_volume_defaults),
        cmocka_unit_test(test_object_defaults_to_bucket),
        cmocka_unit_test(test_object_prefix),
        cmocka_unit_test(test_every_key_of_shared_volume),
        cmocka_unit_test(test_subdir_options),
        cmocka_unit_test(test_k8s_keys_are_accepted),
        cmocka_unit_test(test_unknown_key_is_named),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_cross_key_rules),
        cmocka_unit_test(test_message_never_echoes_control_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
