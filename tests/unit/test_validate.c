/* Unit tests for csi/validate.h: strict UTF-8, id and path checks, message-wide UTF-8 walk, log escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csi.pb-c.h"
#include "csi/validate.h"

static bool valid(const char *s);
static bool valid(const char *s) { return csi_utf8_valid(s, strlen(s)); }

/* ------------------------------------------------------------ csi_utf8_valid */

static void test_utf8_accepts_ascii_and_empty(void **state)
{
    (void)state;
    assert_true(valid(""));
    assert_true(valid("hello, world ~!@#$%^&*()"));
    assert_true(csi_utf8_valid("\0abc", 4)); /* NUL is a valid code point */
}

static void test_utf8_accepts_two_three_and_four_byte_sequences(void **state)
{
    (void)state;
    assert_true(valid("\xC3\xA9"));             /* U+00E9 */
    assert_true(valid("\xC2\x80"));             /* U+0080, smallest 2-byte */
    assert_true(valid("\xDF\xBF"));             /* U+07FF */
    assert_true(valid("\xE2\x82\xAC"));         /* U+20AC */
    assert_true(valid("\xE0\xA0\x80"));         /* U+0800, smallest 3-byte */
    assert_true(valid("\xED\x9F\xBF"));         /* U+D7FF, just below the surrogates */
    assert_true(valid("\xEE\x80\x80"));         /* U+E000, just above them */
    assert_true(valid("\xEF\xBF\xBF"));         /* U+FFFF */
    assert_true(valid("\xF0\x9F\x98\x80"));     /* U+1F600 */
    assert_true(valid("\xF0\x90\x80\x80"));     /* U+10000, smallest 4-byte */
    assert_true(valid("\xF4\x8F\xBF\xBF"));     /* U+10FFFF, the last code point */
    assert_true(valid("a\xC3\xA9z\xE2\x82\xAC\xF0\x9F\x98\x80!"));
}

static void test_utf8_rejects_overlong_forms(void **state)
{
    (void)state;
    assert_false(valid("\xC0\xAF"));         /* '/' in two bytes */
    assert_false(valid("\xC1\xBF"));
    assert_false(valid("\xE0\x80\xAF"));     /* '/' in three bytes */
    assert_false(valid("\xE0\x9F\xBF"));     /* U+07FF in three bytes */
    assert_false(valid("\xF0\x80\x80\xAF")); /* '/' in four bytes */
    assert_false(valid("\xF0\x8F\xBF\xBF")); /* U+FFFF in four bytes */
}

static void test_utf8_rejects_surrogates(void **state)
{
    (void)state;
    assert_false(valid("\xED\xA0\x80")); /* U+D800 */
    assert_false(valid("\xED\xBF\xBF")); /* U+DFFF */
    assert_false(valid("\xED\xA0\xBD\xED\xB8\x80")); /* CESU-8 pair */
}

static void test_utf8_rejects_code_points_past_10ffff(void **state)
{
    (void)state;
    assert_false(valid("\xF4\x90\x80\x80")); /* U+110000 */
    assert_false(valid("\xF7\xBF\xBF\xBF"));
    assert_false(valid("\xF8\x88\x80\x80\x80")); /* 5-byte form */
    assert_false(valid("\xFC\x84\x80\x80\x80\x80"));
    assert_false(valid("\xFE"));
    assert_false(valid("\xFF"));
}

static void test_utf8_rejects_truncated_sequences(void **state)
{
    (void)state;
    assert_false(valid("\xC3"));
    assert_false(valid("\xE2\x82"));
    assert_false(valid("\xF0\x9F\x98"));
    assert_false(valid("abc\xF0\x9F"));
    /* the length bounds the walk: the bytes after len do not complete it */
    assert_false(csi_utf8_valid("\xC3\xA9", 1));
    assert_false(csi_utf8_valid("\xF0\x9F\x98\x80", 3));
    /* a lead byte followed by a non-continuation byte */
    assert_false(valid("\xC3(x"));
    assert_false(valid("\xE2\x82("));
}

static void test_utf8_rejects_a_lone_continuation_byte(void **state)
{
    (void)state;
    assert_false(valid("\x80"));
    assert_false(valid("abc\xBF"));
    assert_false(valid("\xC3\xA9\xA9"));
}

/* -------------------------------------------------------------- csi_check_id */

static void test_check_id_requires_a_value(void **state)
{
    (void)state;
    char msg[128] = "";
    assert_int_equal(csi_check_id("", "volume_id", msg, sizeof msg), CSI_E_INVALID);
    assert_string_equal(msg, "volume_id is required");
    msg[0] = 0;
    assert_int_equal(csi_check_id(NULL, "node_id", msg, sizeof msg), CSI_E_INVALID);
    assert_string_equal(msg, "node_id is required");
}

static void test_check_id_accepts_128_bytes_and_rejects_129(void **state)
{
    (void)state;
    char id[CSI_MAX_ID_LEN + 2], msg[128] = "";
    memset(id, 'v', sizeof id - 1);
    id[CSI_MAX_ID_LEN] = 0;
    assert_int_equal(csi_check_id(id, "volume_id", msg, sizeof msg), CSI_OK);
    id[CSI_MAX_ID_LEN] = 'v';
    id[CSI_MAX_ID_LEN + 1] = 0;
    assert_int_equal(csi_check_id(id, "volume_id", msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "volume_id"));
    assert_non_null(strstr(msg, "128"));
    assert_null(strstr(msg, "vvvv"));
}

static void test_check_id_accepts_ordinary_ids(void **state)
{
    (void)state;
    char msg[128];
    assert_int_equal(csi_check_id("pvc-1234_abc.def", "volume_id", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_id("v\xC3\xA9", "volume_id", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_id("a b", "name", msg, sizeof msg), CSI_OK);
}

static void test_check_id_rejects_invalid_utf8_without_echoing_it(void **state)
{
    (void)state;
    char msg[256] = "";
    assert_int_equal(csi_check_id("vol-\xC0\xAF-x", "volume_id", msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "volume_id"));
    assert_non_null(strstr(msg, "UTF-8"));
    assert_null(strchr(msg, '\xC0'));
    assert_null(strchr(msg, '\xAF'));
    assert_null(strstr(msg, "vol-"));
    assert_true(csi_utf8_valid(msg, strlen(msg)));
}

static void test_check_id_rejects_control_characters(void **state)
{
    (void)state;
    static const char *const bad[] = {"vol\n1", "vol\t1", "\x01vol", "vol\x1f", "vol\x7f", "\x1b[31mred"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[128] = "";
        assert_int_equal(csi_check_id(bad[i], "volume_id", msg, sizeof msg), CSI_E_INVALID);
        assert_non_null(strstr(msg, "volume_id"));
        assert_non_null(strstr(msg, "control"));
        assert_null(strstr(msg, "vol\x7f"));
        for (const char *p = msg; *p; p++)
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
}

static void test_check_id_truncates_the_message_to_msglen(void **state)
{
    (void)state;
    char msg[8];
    memset(msg, 'X', sizeof msg);
    assert_int_equal(csi_check_id("", "a_rather_long_field_name", msg, 5), CSI_E_INVALID);
    assert_int_equal(strlen(msg), 4);
    assert_int_equal(msg[5], 'X');
}

/* ------------------------------------------------------------ csi_check_path */

static void test_check_path_accepts_absolute_paths(void **state)
{
    (void)state;
    char msg[128];
    assert_int_equal(csi_check_path("/", "target_path", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_path("/var/lib/kubelet/pods/x/volumes", "target_path", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_path("/a/b..c", "target_path", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_path("/a/..b/c", "target_path", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_path("/a/b../c", "target_path", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_path("/a/.../c", "target_path", msg, sizeof msg), CSI_OK);
    assert_int_equal(csi_check_path("/a/./c", "target_path", msg, sizeof msg), CSI_OK);
}

static void test_check_path_requires_a_value(void **state)
{
    (void)state;
    char msg[128] = "";
    assert_int_equal(csi_check_path("", "target_path", msg, sizeof msg), CSI_E_INVALID);
    assert_string_equal(msg, "target_path is required");
    assert_int_equal(csi_check_path(NULL, "target_path", msg, sizeof msg), CSI_E_INVALID);
    assert_string_equal(msg, "target_path is required");
}

static void test_check_path_rejects_relative_paths(void **state)
{
    (void)state;
    static const char *const bad[] = {"relative/path", "./x", "..", "../etc", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[128] = "";
        assert_int_equal(csi_check_path(bad[i], "staging_target_path", msg, sizeof msg), CSI_E_INVALID);
        assert_non_null(strstr(msg, "staging_target_path"));
        assert_non_null(strstr(msg, "absolute"));
    }
}

static void test_check_path_rejects_dotdot_components(void **state)
{
    (void)state;
    static const char *const bad[] = {"/..", "/../etc", "/a/../b", "/a/..", "/a/b/../../..", "/a/.../..",
                                      "/a/b../.."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[128] = "";
        assert_int_equal(csi_check_path(bad[i], "target_path", msg, sizeof msg), CSI_E_INVALID);
        assert_non_null(strstr(msg, "target_path"));
        assert_non_null(strstr(msg, ".."));
    }
}

static void test_check_path_rejects_paths_longer_than_the_limit(void **state)
{
    (void)state;
    static char path[CSI_MAX_PATH_LEN + 2];
    char msg[128] = "";
    memset(path, 'p', sizeof path - 1);
    path[0] = '/';
    path[CSI_MAX_PATH_LEN] = 0;
    assert_int_equal(csi_check_path(path, "target_path", msg, sizeof msg), CSI_OK);
    path[CSI_MAX_PATH_LEN] = 'p';
    path[CSI_MAX_PATH_LEN + 1] = 0;
    assert_int_equal(csi_check_path(path, "target_path", msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "target_path"));
    assert_null(strstr(msg, "pppp"));
}

static void test_check_path_rejects_control_characters_and_invalid_utf8(void **state)
{
    (void)state;
    char msg[128] = "";
    assert_int_equal(csi_check_path("/a\nb", "target_path", msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "control"));
    assert_int_equal(csi_check_path("/a/\xED\xA0\x80", "target_path", msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "UTF-8"));
    assert_null(strchr(msg, '\xED'));
}

/* ------------------------------------------------- csi_check_message_utf8 */

static void init_stage_request(Csi__V1__NodeStageVolumeRequest *req, Csi__V1__VolumeCapability *cap,
                               Csi__V1__VolumeCapability__MountVolume *mount,
                               Csi__V1__NodeStageVolumeRequest__VolumeContextEntry *entries,
                               Csi__V1__NodeStageVolumeRequest__VolumeContextEntry **entry_ptrs, char **flags);

static void init_stage_request(Csi__V1__NodeStageVolumeRequest *req, Csi__V1__VolumeCapability *cap,
                               Csi__V1__VolumeCapability__MountVolume *mount,
                               Csi__V1__NodeStageVolumeRequest__VolumeContextEntry *entries,
                               Csi__V1__NodeStageVolumeRequest__VolumeContextEntry **entry_ptrs, char **flags)
{
    csi__v1__node_stage_volume_request__init(req);
    csi__v1__volume_capability__init(cap);
    csi__v1__volume_capability__mount_volume__init(mount);
    for (int i = 0; i < 2; i++) {
        csi__v1__node_stage_volume_request__volume_context_entry__init(&entries[i]);
        entry_ptrs[i] = &entries[i];
    }
    entries[0].key = "fs";
    entries[0].value = "ext4";
    entries[1].key = "region";
    entries[1].value = "us-east-1";
    flags[0] = "noatime";
    flags[1] = "ro";
    mount->fs_type = "ext4";
    mount->n_mount_flags = 2;
    mount->mount_flags = flags;
    cap->access_type_case = CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT;
    cap->mount = mount;
    req->volume_id = "vol-1";
    req->staging_target_path = "/var/lib/kubelet/staging/vol-1";
    req->volume_capability = cap;
    req->n_volume_context = 2;
    req->volume_context = entry_ptrs;
}

#define STAGE_FIXTURE                                                                              \
    Csi__V1__NodeStageVolumeRequest req;                                                           \
    Csi__V1__VolumeCapability cap;                                                                 \
    Csi__V1__VolumeCapability__MountVolume mount;                                                  \
    Csi__V1__NodeStageVolumeRequest__VolumeContextEntry entries[2], *entry_ptrs[2];                \
    char *flags[2];                                                                                \
    char msg[256] = "";                                                                            \
    init_stage_request(&req, &cap, &mount, entries, entry_ptrs, flags)

static void test_message_utf8_accepts_a_valid_request(void **state)
{
    (void)state;
    STAGE_FIXTURE;
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_OK);
}

static void test_message_utf8_rejects_invalid_map_value_without_echoing_it(void **state)
{
    (void)state;
    STAGE_FIXTURE;
    entries[1].value = "us-\xF4\x90\x80\x80-east";
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_E_INVALID);
    assert_null(strstr(msg, "us-"));
    assert_null(strstr(msg, "\xF4"));
    assert_null(strstr(msg, "region"));
    assert_true(csi_utf8_valid(msg, strlen(msg)));
}

/* The message must let the caller find the bad field: for a map entry that is
 * the map field of the request, not the synthetic entry's "key"/"value". */
static void test_message_utf8_names_the_map_field_holding_an_invalid_entry(void **state)
{
    (void)state;
    STAGE_FIXTURE;
    entries[1].value = "us-\xC0\xAF-east";
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "volume_context"));

    init_stage_request(&req, &cap, &mount, entries, entry_ptrs, flags);
    entries[0].key = "f\xC0\xAF";
    msg[0] = 0;
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "volume_context"));
}

static void test_message_utf8_rejects_invalid_string_in_nested_message(void **state)
{
    (void)state;
    STAGE_FIXTURE;
    mount.fs_type = "ext\xED\xA0\x80";
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "fs_type"));
    assert_null(strstr(msg, "ext"));
    assert_null(strchr(msg, '\xED'));
}

static void test_message_utf8_rejects_invalid_repeated_string(void **state)
{
    (void)state;
    STAGE_FIXTURE;
    flags[1] = "r\x80o";
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "mount_flags"));
    assert_null(strchr(msg, '\x80'));
}

static void test_message_utf8_rejects_invalid_top_level_string(void **state)
{
    (void)state;
    STAGE_FIXTURE;
    req.volume_id = "vol\xC3";
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_E_INVALID);
    assert_non_null(strstr(msg, "volume_id"));
    assert_null(strchr(msg, '\xC3'));
}

static void test_utf8_trim_drops_a_character_cut_in_half(void **state)
{
    (void)state;
    char cut[] = "caf\xC3\xA9 \xE2\x82"; /* "café " then the first 2 bytes of "€" */
    csi_utf8_trim(cut);
    assert_string_equal(cut, "caf\xC3\xA9 ");
    char whole[] = "caf\xC3\xA9";
    csi_utf8_trim(whole);
    assert_string_equal(whole, "caf\xC3\xA9");
    char empty[] = "";
    csi_utf8_trim(empty);
    assert_string_equal(empty, "");
}

static void test_message_utf8_ignores_an_unselected_oneof_member(void **state)
{
    (void)state;
    STAGE_FIXTURE;
    /* mount is set but the case says none: the union is not read */
    mount.fs_type = "ext\xC0\xAF";
    cap.access_type_case = CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE__NOT_SET;
    assert_int_equal(csi_check_message_utf8(&req.base, msg, sizeof msg), CSI_OK);
}

/* ---------------------------------------------------------------- csi_escape */

static void test_escape_copies_printable_ascii(void **state)
{
    (void)state;
    char out[64];
    csi_escape("vol-1 /a/b ~", out, sizeof out);
    assert_string_equal(out, "vol-1 /a/b ~");
    csi_escape("", out, sizeof out);
    assert_string_equal(out, "");
}

static void test_escape_escapes_quotes_backslashes_control_and_non_ascii(void **state)
{
    (void)state;
    char out[128];
    csi_escape("a\"b\\c\nd\te\x7f\xC3\xA9\x01", out, sizeof out);
    assert_string_equal(out, "a\\x22b\\x5cc\\x0ad\\x09e\\x7f\\xc3\\xa9\\x01");
}

/* Escapes the same input into buffers of every size from 0 to 40 and checks
 * each result is NUL-terminated inside the buffer, a whole-escape prefix of
 * the full result, and that no byte past the buffer was written. */
static void test_escape_truncates_safely_to_any_buffer_size(void **state)
{
    (void)state;
    const char *in = "ab\"\xff" "cd\\\n" "efghijklmnop";
    char full[256];
    csi_escape(in, full, sizeof full);
    assert_string_equal(full, "ab\\x22\\xffcd\\x5c\\x0aefghijklmnop");
    for (size_t size = 0; size <= 40; size++) {
        char buf[64];
        memset(buf, '#', sizeof buf);
        csi_escape(in, buf, size);
        for (size_t i = size; i < sizeof buf; i++)
            assert_int_equal(buf[i], '#');
        if (size == 0)
            continue;
        size_t len = strnlen(buf, size);
        assert_true(len < size);
        assert_memory_equal(buf, full, len);
        /* never ends inside an escape: len falls on a unit boundary of full,
         * where a unit is one plain byte or a 4-byte \xNN (a literal
         * backslash is itself escaped, so '\\' only ever starts a unit) */
        size_t at = 0;
        while (at < len)
            at += full[at] == '\\' ? 4 : 1;
        assert_int_equal(at, len);
    }
}

static void test_escape_into_tiny_buffers(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 5};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char buf[8];
        memset(buf, '#', sizeof buf);
        csi_escape("\x01\x02\x03hello", buf, sizes[i]);
        assert_true(strnlen(buf, sizes[i]) < sizes[i]);
        for (size_t k = sizes[i]; k < sizeof buf; k++)
            assert_int_equal(buf[k], '#');
        /* nothing of an escape fits in fewer than 5 bytes plus NUL */
        assert_null(memchr(buf, '\\', sizes[i]));
    }
    char buf[1] = {'#'};
    csi_escape("abc", buf, 0);
    assert_int_equal(buf[0], '#');
}

static void test_wire_strings_with_a_nul_byte_are_found_at_any_depth(void **state)
{
    (void)state;
    char msg[128] = "";
    /* NodeUnpublishVolumeRequest{volume_id: "v\0x"} */
    static const uint8_t top[] = {0x0a, 3, 'v', 0, 'x'};
    assert_int_equal(csi_check_wire_strings(&csi__v1__node_unpublish_volume_request__descriptor, top, sizeof top,
                                            msg, sizeof msg), CSI_E_INVALID);
    assert_string_equal(msg, "field volume_id contains a NUL byte");
    /* NodeStageVolumeRequest{volume_id: "v", volume_context: {"k": "a\0"}} */
    static const uint8_t map[] = {0x0a, 1, 'v', 0x32, 7, 0x0a, 1, 'k', 0x12, 2, 'a', 0};
    assert_int_equal(csi_check_wire_strings(&csi__v1__node_stage_volume_request__descriptor, map, sizeof map, msg,
                                            sizeof msg), CSI_E_INVALID);
    assert_string_equal(msg, "field volume_context contains a NUL byte");
    static const uint8_t clean[] = {0x0a, 1, 'v', 0x32, 6, 0x0a, 1, 'k', 0x12, 1, 'a'};
    assert_int_equal(csi_check_wire_strings(&csi__v1__node_stage_volume_request__descriptor, clean, sizeof clean,
                                            msg, sizeof msg), CSI_OK);
    static const uint8_t truncated[] = {0x0a, 9, 'v'};
    assert_int_equal(csi_check_wire_strings(&csi__v1__node_stage_volume_request__descriptor, truncated,
                                            sizeof truncated, msg, sizeof msg), CSI_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_ascii_and_empty),
        cmocka_unit_test(test_wire_strings_with_a_nul_byte_are_found_at_any_depth),
        cmocka_unit_test(test_utf8_accepts_two_three_and_four_byte_sequences),
        cmocka_unit_test(test_utf8_rejects_overlong_forms),
        cmocka_unit_test(test_utf8_rejects_surrogates),
        cmocka_unit_test(test_utf8_rejects_code_points_past_10ffff),
        cmocka_unit_test(test_utf8_rejects_truncated_sequences),
        cmocka_unit_test(test_utf8_rejects_a_lone_continuation_byte),
        cmocka_unit_test(test_check_id_requires_a_value),
        cmocka_unit_test(test_check_id_accepts_128_bytes_and_rejects_129),
        cmocka_unit_test(test_check_id_accepts_ordinary_ids),
        cmocka_unit_test(test_check_id_rejects_invalid_utf8_without_echoing_it),
        cmocka_unit_test(test_check_id_rejects_control_characters),
        cmocka_unit_test(test_check_id_truncates_the_message_to_msglen),
        cmocka_unit_test(test_check_path_accepts_absolute_paths),
        cmocka_unit_test(test_check_path_requires_a_value),
        cmocka_unit_test(test_check_path_rejects_relative_paths),
        cmocka_unit_test(test_check_path_rejects_dotdot_components),
        cmocka_unit_test(test_check_path_rejects_paths_longer_than_the_limit),
        cmocka_unit_test(test_check_path_rejects_control_characters_and_invalid_utf8),
        cmocka_unit_test(test_message_utf8_accepts_a_valid_request),
        cmocka_unit_test(test_message_utf8_rejects_invalid_map_value_without_echoing_it),
        cmocka_unit_test(test_message_utf8_names_the_map_field_holding_an_invalid_entry),
        cmocka_unit_test(test_message_utf8_rejects_invalid_string_in_nested_message),
        cmocka_unit_test(test_message_utf8_rejects_invalid_repeated_string),
        cmocka_unit_test(test_message_utf8_rejects_invalid_top_level_string),
        cmocka_unit_test(test_message_utf8_ignores_an_unselected_oneof_member),
        cmocka_unit_test(test_utf8_trim_drops_a_character_cut_in_half),
        cmocka_unit_test(test_escape_copies_printable_ascii),
        cmocka_unit_test(test_escape_escapes_quotes_backslashes_control_and_non_ascii),
        cmocka_unit_test(test_escape_truncates_safely_to_any_buffer_size),
        cmocka_unit_test(test_escape_into_tiny_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
