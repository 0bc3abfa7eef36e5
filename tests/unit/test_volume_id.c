/* Unit tests for controller/volume_id.h: every id form round-trips with and without options, and
 * ids the driver could not have written (bad names, unsafe paths, over-long) are rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "controller/volume_id.h"

/* Formats v, parses the result back, and checks both agree with want. */
static void round_trip(const struct vid *v, const char *want)
{
    char id[CSI_MAX_ID_LEN + 1];
    struct vid back;
    assert_true(vid_format(v, id, sizeof id));
    assert_string_equal(id, want);
    assert_true(vid_parse(id, &back));
    assert_int_equal(back.kind, v->kind);
    assert_string_equal(back.name, v->name);
    assert_string_equal(back.path, v->path);
    assert_int_equal(back.on_delete, v->on_delete);
    assert_int_equal(back.detach_on_unpublish, v->detach_on_unpublish);
}

static struct vid make(enum vid_kind kind, const char *name, const char *path, enum vid_on_delete d, bool detach)
{
    struct vid v = {.kind = kind, .on_delete = d, .detach_on_unpublish = detach};
    strncpy(v.name, name, sizeof v.name - 1);
    strncpy(v.path, path, sizeof v.path - 1);
    return v;
}

static bool parses(const char *id)
{
    struct vid v;
    return vid_parse(id, &v);
}

/* ------------------------------------------------------------ round trips */

static void test_shared_volume_round_trips(void **state)
{
    (void)state;
    struct vid v = make(VID_SHARED_VOLUME, "s-abc123", "", VID_RETAIN, false);
    round_trip(&v, "shared/s-abc123");
    v = make(VID_SHARED_VOLUME, "s-abc123", "", VID_DELETE, false);
    round_trip(&v, "shared/s-abc123;d=delete");
    v = make(VID_SHARED_VOLUME, "s-abc123", "", VID_DELETE, true);
    round_trip(&v, "shared/s-abc123;d=delete,detach");
    v = make(VID_SHARED_VOLUME, "s-abc123", "", VID_RETAIN, true);
    round_trip(&v, "shared/s-abc123;detach");
}

static void test_shared_subdir_round_trips(void **state)
{
    (void)state;
    struct vid v = make(VID_SHARED_SUBDIR, "s-X9", "pvc-1", VID_RETAIN, false);
    round_trip(&v, "shared/s-X9/pvc-1");
    v = make(VID_SHARED_SUBDIR, "s-X9", "team/a/pvc-1", VID_ARCHIVE, false);
    round_trip(&v, "shared/s-X9/team/a/pvc-1;d=archive");
    v = make(VID_SHARED_SUBDIR, "s-X9", "pvc-1", VID_ARCHIVE, true);
    round_trip(&v, "shared/s-X9/pvc-1;d=archive,detach");
}

static void test_object_bucket_round_trips(void **state)
{
    (void)state;
    struct vid v = make(VID_OBJECT_BUCKET, "my-bucket.data", "", VID_RETAIN, false);
    round_trip(&v, "object/my-bucket.data");
    v = make(VID_OBJECT_BUCKET, "my-bucket", "", VID_DELETE, false);
    round_trip(&v, "object/my-bucket;d=delete");
}

static void test_object_prefix_round_trips(void **state)
{
    (void)state;
    struct vid v = make(VID_OBJECT_PREFIX, "bkt", "datasets/pvc-1", VID_RETAIN, false);
    round_trip(&v, "object/bkt/datasets/pvc-1");
    v = make(VID_OBJECT_PREFIX, "bkt", "pvc-1", VID_ARCHIVE, false);
    round_trip(&v, "object/bkt/pvc-1;d=archive");
}

static void test_parse_accepts_explicit_retain(void **state)
{
    (void)state;
    struct vid v;
    assert_true(vid_parse("shared/s-a1;d=retain", &v));
    assert_int_equal(v.on_delete, VID_RETAIN);
    assert_false(v.detach_on_unpublish);
}

/* ------------------------------------------------------------ rejections */

static void test_parse_rejects_unknown_prefixes_and_options(void **state)
{
    (void)state;
    assert_false(parses(""));
    assert_false(parses("s-abc"));
    assert_false(parses("block/s-abc"));
    assert_false(parses("shared/"));
    assert_false(parses("object/"));
    assert_false(parses("shared/s-abc;d=shred"));
    assert_false(parses("shared/s-abc;bogus"));
    assert_false(parses("shared/s-abc;d=delete;detach"));
}

static void test_parse_rejects_bad_storage_ids(void **state)
{
    (void)state;
    assert_false(parses("shared/abc"));
    assert_false(parses("shared/s-"));
    assert_false(parses("shared/S-abc"));
    assert_false(parses("shared/s-ab_c"));
    assert_false(parses("shared/s-ab.c"));
    assert_false(parses("shared/s-a b"));
    assert_false(vid_storage_id_valid("s-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_true(vid_storage_id_valid("s-abcDEF123"));
}

static void test_bucket_names(void **state)
{
    (void)state;
    assert_true(vid_bucket_valid("abc"));
    assert_true(vid_bucket_valid("my.bucket-1"));
    assert_true(vid_bucket_valid("a23456789012345678901234567890123456789012345678901234567890123")); /* 63 */
    assert_false(vid_bucket_valid("a234567890123456789012345678901234567890123456789012345678901234")); /* 64 */
    assert_false(vid_bucket_valid("ab"));
    assert_false(vid_bucket_valid("Abc"));
    assert_false(vid_bucket_valid("ab_c"));
    assert_false(vid_bucket_valid("-abc"));
    assert_false(vid_bucket_valid("abc-"));
    assert_false(vid_bucket_valid(".abc"));
    assert_false(vid_bucket_valid("a..bc"));
    assert_false(vid_bucket_valid("192.168.1.10"));
    assert_false(parses("object/192.168.1.10"));
    assert_false(parses("object/a..b"));
    assert_false(parses("object/UPPER"));
}

static void test_paths(void **state)
{
    (void)state;
    assert_true(vid_path_valid("a"));
    assert_true(vid_path_valid("a/b.c/d-e_f"));
    assert_true(vid_path_valid("...")); /* only "." and ".." are special */
    assert_false(vid_path_valid(""));
    assert_false(vid_path_valid("/abs"));
    assert_false(vid_path_valid("trailing/"));
    assert_false(vid_path_valid("a//b"));
    assert_false(vid_path_valid(".."));
    assert_false(vid_path_valid("a/../b"));
    assert_false(vid_path_valid("a/./b"));
    assert_false(vid_path_valid("a;b"));
    assert_false(vid_path_valid("a\\b"));
    assert_false(vid_path_valid("a\nb"));
    assert_false(vid_path_valid("a\x01" "b"));
    assert_false(vid_path_valid("a\x7f"));
    assert_false(vid_path_valid("\xC3\x28")); /* invalid UTF-8 */
    assert_false(parses("shared/s-a1/../etc"));
    assert_false(parses("shared/s-a1//x"));
    assert_false(parses("shared/s-a1/"));
    assert_false(parses("object/bkt/x;y"));
}

static void test_parse_rejects_ids_over_128_bytes(void **state)
{
    (void)state;
    char id[200] = "shared/s-a1/";
    size_t n = strlen(id);
    memset(id + n, 'x', CSI_MAX_ID_LEN - n);
    id[CSI_MAX_ID_LEN] = 0;
    assert_true(parses(id)); /* exactly 128 bytes */
    id[CSI_MAX_ID_LEN] = 'x';
    id[CSI_MAX_ID_LEN + 1] = 0;
    assert_false(parses(id));
}

static void test_format_refuses_over_long_ids(void **state)
{
    (void)state;
    char id[256];
    struct vid v = make(VID_SHARED_SUBDIR, "s-abc", "", VID_RETAIN, false);
    memset(v.path, 'p', VID_PATH_MAX - 1); /* 127 bytes: valid path, id too long */
    v.path[VID_PATH_MAX - 1] = 0;
    assert_true(vid_path_valid(v.path));
    assert_false(vid_format(&v, id, sizeof id));
    /* fits without options, not with them */
    memset(v.path, 0, sizeof v.path);
    memset(v.path, 'p', CSI_MAX_ID_LEN - strlen("shared/s-abc/"));
    assert_true(vid_format(&v, id, sizeof id));
    assert_int_equal(strlen(id), CSI_MAX_ID_LEN);
    v.on_delete = VID_DELETE;
    assert_false(vid_format(&v, id, sizeof id));
    /* and a buffer too small is a refusal, not a truncation */
    v.on_delete = VID_RETAIN;
    assert_false(vid_format(&v, id, 20));
}

static void test_format_refuses_invalid_parts(void **state)
{
    (void)state;
    char id[CSI_MAX_ID_LEN + 1];
    struct vid v = make(VID_SHARED_VOLUME, "bucket-name", "", VID_RETAIN, false);
    assert_false(vid_format(&v, id, sizeof id));
    v = make(VID_OBJECT_BUCKET, "s-abc1", "", VID_RETAIN, false);
    assert_true(vid_format(&v, id, sizeof id)); /* "s-abc1" is also a valid bucket name */
    v = make(VID_OBJECT_BUCKET, "Bad_Bucket", "", VID_RETAIN, false);
    assert_false(vid_format(&v, id, sizeof id));
    v = make(VID_SHARED_SUBDIR, "s-abc", "../x", VID_RETAIN, false);
    assert_false(vid_format(&v, id, sizeof id));
    v = make(VID_OBJECT_PREFIX, "bkt", "", VID_RETAIN, false);
    assert_false(vid_format(&v, id, sizeof id));
}

static void test_on_delete_names(void **state)
{
    (void)state;
    assert_string_equal(vid_on_delete_name(VID_RETAIN), "retain");
    assert_string_equal(vid_on_delete_name(VID_DELETE), "delete");
    assert_string_equal(vid_on_delete_name(VID_ARCHIVE), "archive");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_volume_round_trips),
        cmocka_unit_test(test_shared_subdir_round_trips),
        cmocka_unit_test(test_object_bucket_round_trips),
        cmocka_unit_test(test_object_prefix_round_trips),
        cmocka_unit_test(test_parse_accepts_explicit_retain),
        cmocka_unit_test(test_parse_rejects_unknown_prefixes_and_options),
        cmocka_unit_test(test_parse_rejects_bad_storage_ids),
        cmocka_unit_test(test_bucket_names),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_parse_rejects_ids_over_128_bytes),
        cmocka_unit_test(test_format_refuses_over_long_ids),
        cmocka_unit_test(test_format_refuses_invalid_parts),
        cmocka_unit_test(test_on_delete_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
