/* Unit tests for tensorpool/parse.h: JSON objects, messages, volume lists and info (structured and text), requests, credentials, buckets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csi/validate.h"
#include "tensorpool/parse.h"

static json_t *J(const char *text);
static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("test JSON does not parse: %s: %s", e.text, text);
    return j;
}

/* Parses a list answer, asserting TP_OK; the caller frees the result. */
static struct tp_volume *list_of(const char *answer, size_t *n);
static struct tp_volume *list_of(const char *answer, size_t *n)
{
    json_t *obj = J(answer);
    struct tp_volume *vols = NULL;
    char msg[128] = "";
    assert_int_equal(tp_parse_volume_list(obj, &vols, n, msg, sizeof msg), TP_OK);
    assert_non_null(vols);
    json_decref(obj);
    return vols;
}

/* A list answer whose "message" is text (given with real newlines). */
static struct tp_volume *table_of(const char *text, size_t *n);
static struct tp_volume *table_of(const char *text, size_t *n)
{
    json_t *obj = json_pack("{s:s}", "message", text);
    struct tp_volume *vols = NULL;
    char msg[128] = "";
    assert_int_equal(tp_parse_volume_list(obj, &vols, n, msg, sizeof msg), TP_OK);
    assert_non_null(vols);
    json_decref(obj);
    return vols;
}

static bool valid_utf8(const char *s);
static bool valid_utf8(const char *s) { return csi_utf8_valid(s, strlen(s)); }

#define REAL_HEADER "| ID | Name | Size (GB) | Status | Attached clusters | Deletion protection |\n|---|---|---|---|---|---|\n"

/* ---------------------------------------------------------- tp_parse_object */

static void test_object_rejects_non_json_with_a_message(void **state)
{
    (void)state;
    char msg[128] = "";
    const char *body = "<html>502 Bad Gateway</html>";
    assert_null(tp_parse_object(body, strlen(body), msg, sizeof msg));
    assert_non_null(strstr(msg, "not JSON"));
}

static void test_object_rejects_a_json_array_and_scalars(void **state)
{
    (void)state;
    const char *bodies[] = {"[1,2,3]", "\"text\"", "42", "null", "true"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char msg[128] = "";
        assert_null(tp_parse_object(bodies[i], strlen(bodies[i]), msg, sizeof msg));
        assert_true(msg[0] != 0);
    }
}

static void test_object_rejects_truncated_json(void **state)
{
    (void)state;
    char msg[128] = "";
    const char *body = "{\"message\": \"Storage volu";
    assert_null(tp_parse_object(body, strlen(body), msg, sizeof msg));
    assert_true(msg[0] != 0);
    /* a complete object cut by len is truncated too */
    msg[0] = 0;
    assert_null(tp_parse_object("{\"a\":1}", 5, msg, sizeof msg));
    assert_true(msg[0] != 0);
}

static void test_object_rejects_an_empty_or_null_body(void **state)
{
    (void)state;
    char msg[128] = "";
    assert_null(tp_parse_object("", 0, msg, sizeof msg));
    assert_true(msg[0] != 0);
    msg[0] = 0;
    assert_null(tp_parse_object(NULL, 0, msg, sizeof msg));
    assert_true(msg[0] != 0);
}

static void test_object_accepts_an_object_reading_only_len_bytes(void **state)
{
    (void)state;
    char msg[128] = "";
    const char *body = "{\"status\":\"COMPLETED\"}trailing garbage";
    json_t *j = tp_parse_object(body, strlen("{\"status\":\"COMPLETED\"}"), msg, sizeof msg);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "COMPLETED");
    json_decref(j);
}

/* --------------------------------------------------------- tp_parse_message */

static void message_of(const char *answer, char *out, size_t len);
static void message_of(const char *answer, char *out, size_t len)
{
    json_t *j = J(answer);
    memset(out, 'X', len);
    tp_parse_message(j, out, len);
    json_decref(j);
}

static void test_message_prefers_message_then_error_then_external_message(void **state)
{
    (void)state;
    char out[64];
    message_of("{\"detail\":\"d\",\"external_message\":\"x\",\"error\":\"e\",\"message\":\"m\"}", out, sizeof out);
    assert_string_equal(out, "m");
    message_of("{\"detail\":\"d\",\"external_message\":\"x\",\"error\":\"e\"}", out, sizeof out);
    assert_string_equal(out, "e");
    message_of("{\"detail\":\"d\",\"external_message\":\"x\"}", out, sizeof out);
    assert_string_equal(out, "x");
    message_of("{\"detail\":\"d\"}", out, sizeof out);
    assert_string_equal(out, "d");
}

static void test_message_skips_empty_null_and_non_string_fields(void **state)
{
    (void)state;
    char out[64];
    message_of("{\"message\":\"\",\"error\":null,\"external_message\":42,\"detail\":\"not found\"}", out, sizeof out);
    assert_string_equal(out, "not found");
    message_of("{\"message\":{\"nested\":1},\"error\":\"boom\"}", out, sizeof out);
    assert_string_equal(out, "boom");
}

static void test_message_reads_fastapi_detail_list_as_field_colon_msg(void **state)
{
    (void)state;
    char out[64];
    message_of("{\"detail\":[{\"loc\":[\"body\",\"size\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"},"
               "{\"loc\":[\"body\",\"name\"],\"msg\":\"second\"}]}",
               out, sizeof out);
    assert_string_equal(out, "size: field required");
}

static void test_message_detail_without_a_string_loc_is_just_the_msg(void **state)
{
    (void)state;
    char out[64];
    message_of("{\"detail\":[{\"loc\":[\"body\",\"items\",0],\"msg\":\"bad item\"}]}", out, sizeof out);
    assert_string_equal(out, "bad item");
    message_of("{\"detail\":[{\"msg\":\"no loc\"}]}", out, sizeof out);
    assert_string_equal(out, "no loc");
}

static void test_message_without_any_known_field_is_empty(void **state)
{
    (void)state;
    char out[64];
    message_of("{}", out, sizeof out);
    assert_string_equal(out, "");
    message_of("{\"detail\":[]}", out, sizeof out);
    assert_string_equal(out, "");
    message_of("{\"detail\":[{\"loc\":[\"x\"]}]}", out, sizeof out);
    assert_string_equal(out, "");
    message_of("{\"detail\":{\"msg\":\"an object, not a list\"}}", out, sizeof out);
    assert_string_equal(out, "");
}

static void test_message_control_characters_become_spaces(void **state)
{
    (void)state;
    char out[64];
    message_of("{\"message\":\"line1\\nline2\\ttab\\u001b[31mred\\u007f!\"}", out, sizeof out);
    assert_string_equal(out, "line1 line2 tab [31mred !");
}

static void test_message_utf8_character_cut_by_the_buffer_end_is_dropped(void **state)
{
    (void)state;
    char out[8];
    /* "abcde" + U+00E9 (2 bytes): 7 bytes fit only with the whole character */
    message_of("{\"message\":\"abcde\\u00e9\"}", out, sizeof out);
    assert_string_equal(out, "abcde\xC3\xA9");
    message_of("{\"message\":\"abcdef\\u00e9\"}", out, sizeof out);
    assert_string_equal(out, "abcdef");
    /* U+1F600 (4 bytes) cut after 1, 2 and 3 of its bytes */
    message_of("{\"message\":\"abcdef\\ud83d\\ude00\"}", out, sizeof out);
    assert_string_equal(out, "abcdef");
    message_of("{\"message\":\"abcde\\ud83d\\ude00\"}", out, sizeof out);
    assert_string_equal(out, "abcde");
    message_of("{\"message\":\"abcd\\ud83d\\ude00\"}", out, sizeof out);
    assert_string_equal(out, "abcd");
    message_of("{\"message\":\"abc\\ud83d\\ude00\"}", out, sizeof out);
    assert_string_equal(out, "abc\xF0\x9F\x98\x80");
    /* U+20AC (3 bytes) cut after 2 */
    message_of("{\"message\":\"abcde\\u20ac\"}", out, sizeof out);
    assert_string_equal(out, "abcde");
}

/* The FastAPI form is assembled with snprintf: it must not cut a character
 * in half either ("size: " + "éééé..." into a small buffer). */
static void test_message_detail_cut_by_the_buffer_end_stays_valid_utf8(void **state)
{
    (void)state;
    for (size_t len = 8; len <= 24; len++) {
        char out[24];
        json_t *j = J("{\"detail\":[{\"loc\":[\"body\",\"size\"],\"msg\":"
                      "\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}]}");
        tp_parse_message(j, out, len);
        json_decref(j);
        assert_true(strlen(out) < len);
        if (!valid_utf8(out)) {
            char shown[128] = "";
            for (const unsigned char *p = (const unsigned char *)out; *p; p++)
                snprintf(shown + strlen(shown), sizeof shown - strlen(shown), *p < 0x80 ? "%c" : "\\x%02X", *p);
            fail_msg("outlen %zu: the detail message ends with half a character: \"%s\"", len, shown);
        }
    }
}

static void test_parse_string_copies_a_string_and_reports_an_absent_one(void **state)
{
    (void)state;
    json_t *j = J("{\"a\":\"value\",\"n\":1}");
    char out[16] = "junk";
    assert_true(tp_parse_string(j, "a", out, sizeof out));
    assert_string_equal(out, "value");
    strcpy(out, "junk");
    assert_false(tp_parse_string(j, "n", out, sizeof out));
    assert_string_equal(out, "");
    strcpy(out, "junk");
    assert_false(tp_parse_string(j, "missing", out, sizeof out));
    assert_string_equal(out, "");
    assert_true(tp_parse_string(j, "a", out, 4));
    assert_string_equal(out, "val");
    json_decref(j);
}

/* ------------------------------------------------- volume list: structured */

static void test_list_reads_structured_volumes_with_every_field(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = list_of("{\"message\":\"x\",\"volumes\":[{\"storage_id\":\"s-abcdefghij\",\"name\":\"vol-a\","
                                  "\"size_gb\":10,\"status\":\"ready\",\"deletion_protection\":true,"
                                  "\"attached_clusters\":[\"c-1\",\"c-2\"]}]}",
                                  &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-abcdefghij");
    assert_string_equal(v[0].name, "vol-a");
    assert_int_equal(v[0].size_gb, 10);
    assert_string_equal(v[0].status, "READY");
    assert_int_equal(v[0].deletion_protection, 1);
    assert_int_equal(v[0].n_clusters, 2);
    assert_string_equal(v[0].clusters[0], "c-1");
    assert_string_equal(v[0].clusters[1], "c-2");
    free(v);
}

static void test_list_structured_accepts_id_size_and_cluster_object_forms(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = list_of("{\"volumes\":[{\"id\":\"s-1\",\"name\":\"a\",\"size\":5,\"status\":\"Creating\","
                                  "\"deletion_protection\":false,"
                                  "\"attached_clusters\":[{\"cluster_id\":\"c-9\",\"state\":\"x\"},{\"other\":1},7,\"c-8\"]},"
                                  "{\"storage_id\":\"s-2\",\"tp_storage_name\":\"b\",\"size_gb\":2.0}]}",
                                  &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "s-1");
    assert_int_equal(v[0].size_gb, 5);
    assert_string_equal(v[0].status, "CREATING");
    assert_int_equal(v[0].deletion_protection, 0);
    assert_int_equal(v[0].n_clusters, 2);
    assert_string_equal(v[0].clusters[0], "c-9");
    assert_string_equal(v[0].clusters[1], "c-8");
    assert_string_equal(v[1].id, "s-2");
    assert_string_equal(v[1].name, "b");
    assert_int_equal(v[1].size_gb, 2);
    free(v);
}

static void test_list_structured_missing_fields_are_unknown_and_entries_without_id_skipped(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = list_of("{\"volumes\":[{\"name\":\"no-id\"},{\"storage_id\":\"\"},\"s-x\",null,"
                                  "{\"storage_id\":\"s-3\",\"size_gb\":-4,\"deletion_protection\":\"yes\"}]}",
                                  &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-3");
    assert_string_equal(v[0].name, "");
    assert_int_equal(v[0].size_gb, -1);
    assert_string_equal(v[0].status, "");
    assert_int_equal(v[0].deletion_protection, -1);
    assert_int_equal(v[0].n_clusters, 0);
    free(v);
}

static void test_list_structured_truncates_more_than_max_clusters_safely(void **state)
{
    (void)state;
    json_t *cl = json_array();
    for (int i = 0; i < TP_MAX_CLUSTERS + 9; i++) {
        char id[32];
        snprintf(id, sizeof id, "c-%d", i);
        json_array_append_new(cl, json_string(id));
    }
    json_t *obj = json_pack("{s:[{s:s, s:o}]}", "volumes", "storage_id", "s-1", "attached_clusters", cl);
    struct tp_volume *v;
    size_t n;
    char msg[128];
    assert_int_equal(tp_parse_volume_list(obj, &v, &n, msg, sizeof msg), TP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].n_clusters, TP_MAX_CLUSTERS);
    assert_string_equal(v[0].clusters[TP_MAX_CLUSTERS - 1], "c-15");
    free(v);
    json_decref(obj);
}

static void test_list_prefers_the_volumes_array_over_the_message_table(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = list_of("{\"volumes\":[],\"message\":\"| ID |\\n|---|\\n| s-from-text |\"}", &n);
    assert_int_equal(n, 0);
    free(v);
}

/* ------------------------------------------------------- volume list: text */

static void test_list_reads_the_real_api_text_table(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = table_of("Storage volumes (2):\n" REAL_HEADER
                                   "| s-abcdefghij | vol-a | 10 | READY | c-1, c-2 | Yes |\n"
                                   "| s-bcdefghijk | - | 5 | creating | - | No |",
                                   &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "s-abcdefghij");
    assert_string_equal(v[0].name, "vol-a");
    assert_int_equal(v[0].size_gb, 10);
    assert_string_equal(v[0].status, "READY");
    assert_int_equal(v[0].n_clusters, 2);
    assert_string_equal(v[0].clusters[0], "c-1");
    assert_string_equal(v[0].clusters[1], "c-2");
    assert_int_equal(v[0].deletion_protection, 1);
    assert_string_equal(v[1].id, "s-bcdefghijk");
    assert_string_equal(v[1].name, "");
    assert_int_equal(v[1].size_gb, 5);
    assert_string_equal(v[1].status, "CREATING");
    assert_int_equal(v[1].n_clusters, 0);
    assert_int_equal(v[1].deletion_protection, 0);
    free(v);
}

static void test_list_reads_a_table_with_crlf_line_endings(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = table_of("| ID | Name | Size (GB) | Status | Attached clusters | Deletion protection |\r\n"
                                   "|---|---|---|---|---|---|\r\n| s-1 | a | 3 | READY | - | No |\r\n",
                                   &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-1");
    assert_string_equal(v[0].name, "a");
    assert_int_equal(v[0].deletion_protection, 0);
    free(v);
}

static void test_list_reads_a_box_drawing_table(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = table_of("┏━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━┓\n"
                                   "┃ ID           ┃ Name  ┃ Size (GB) ┃ Status ┃\n"
                                   "┡━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━┩\n"
                                   "│ s-abcdefghij │ x     │ 1         │ READY  │\n"
                                   "│ s-bcdefghijk │ y     │ 20        │ ready  │\n"
                                   "└──────────────┴───────┴───────────┴────────┘",
                                   &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "s-abcdefghij");
    assert_string_equal(v[0].name, "x");
    assert_int_equal(v[0].size_gb, 1);
    assert_string_equal(v[0].status, "READY");
    assert_string_equal(v[1].id, "s-bcdefghijk");
    assert_int_equal(v[1].size_gb, 20);
    assert_int_equal(v[1].deletion_protection, -1); /* no such column: unknown */
    free(v);
}

static void test_list_reads_columns_in_another_order(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = table_of("| Status | Size (GB) | Name | Deletion protection | ID | Attached clusters |\n"
                                   "|---|---|---|---|---|---|\n"
                                   "| READY | 7 | vol-b | No | s-1 | c-3 |",
                                   &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-1");
    assert_string_equal(v[0].name, "vol-b");
    assert_int_equal(v[0].size_gb, 7);
    assert_string_equal(v[0].status, "READY");
    assert_int_equal(v[0].deletion_protection, 0);
    assert_int_equal(v[0].n_clusters, 1);
    assert_string_equal(v[0].clusters[0], "c-3");
    free(v);
}

/* With the columns reordered, a row whose first cell is "-" (no name, no
 * clusters) is still a row, not a separator line. */
static void test_list_reordered_row_whose_first_cell_is_a_dash_is_kept(void **state)
{
    (void)state;
    struct tp_volume v[4];
    size_t n = tp_parse_volume_table("| Name | ID | Size (GB) | Status |\n"
                                     "|---|---|---|---|\n"
                                     "| vol-a | s-1 | 1 | READY |\n"
                                     "| - | s-2 | 2 | READY |",
                                     v, 4);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "s-1");
    assert_string_equal(v[1].id, "s-2");
    assert_string_equal(v[1].name, "");
    n = tp_parse_volume_table("| Attached clusters | ID | Name |\n|---|---|---|\n| - | s-3 | unattached |", v, 4);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-3");
}

static void test_list_ignores_unknown_extra_columns(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = table_of("| ID | Created | Name | Region | Size (GB) | Type | Status | Cost/hour |\n"
                                   "|---|---|---|---|---|---|---|---|\n"
                                   "| s-1 | 2026-01-01 | vol-a | us-east | 4 | fast | READY | 0.10 |",
                                   &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-1");
    assert_string_equal(v[0].name, "vol-a");
    assert_int_equal(v[0].size_gb, 4);
    assert_string_equal(v[0].status, "READY");
    free(v);
}

static void test_list_provider_column_is_not_the_id_column(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = table_of("| Provider | ID | Name |\n|---|---|---|\n| aws | s-1 | vol-a |", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-1");
    free(v);
    v = table_of("| ID | Name | Provider |\n|---|---|---|\n| s-2 | vol-b | gcp |", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-2");
    free(v);
}

/* "Provider ID" holds the cloud provider's id, not TensorPool's storage id:
 * it must not overwrite the ID column. */
static void test_list_provider_id_column_does_not_replace_the_storage_id(void **state)
{
    (void)state;
    struct tp_volume v[2];
    size_t n = tp_parse_volume_table("| ID | Name | Provider ID |\n|---|---|---|\n| s-1 | vol-a | fs-0123abcd |", v, 2);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-1");
    assert_string_equal(v[0].name, "vol-a");
}

static void test_list_no_storage_volumes_found_is_an_empty_list(void **state)
{
    (void)state;
    size_t n = 99;
    struct tp_volume *v = list_of("{\"message\":\"No storage volumes found.\"}", &n);
    assert_int_equal(n, 0);
    free(v);
}

static void test_list_with_neither_volumes_nor_message_is_protocol_error(void **state)
{
    (void)state;
    const char *answers[] = {"{}", "{\"volumes\":{}}", "{\"message\":42}", "{\"volumes\":null,\"message\":null}"};
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        json_t *obj = J(answers[i]);
        struct tp_volume *v = (struct tp_volume *)1;
        size_t n = 7;
        char msg[128] = "";
        assert_int_equal(tp_parse_volume_list(obj, &v, &n, msg, sizeof msg), TP_E_PROTOCOL);
        assert_null(v);
        assert_int_equal(n, 0);
        assert_true(msg[0] != 0);
        json_decref(obj);
    }
}

static void test_list_table_truncates_more_than_max_clusters_safely(void **state)
{
    (void)state;
    char text[2048] = "| ID | Attached clusters |\n|---|---|\n| s-1 | ";
    for (int i = 0; i < TP_MAX_CLUSTERS + 10; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%sc-%d", i ? ", " : "", i);
    strcat(text, " |");
    size_t n;
    struct tp_volume *v = table_of(text, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].n_clusters, TP_MAX_CLUSTERS);
    assert_string_equal(v[0].clusters[0], "c-0");
    assert_string_equal(v[0].clusters[TP_MAX_CLUSTERS - 1], "c-15");
    free(v);
}

static void test_list_table_short_row_leaves_missing_columns_unknown(void **state)
{
    (void)state;
    size_t n;
    struct tp_volume *v = table_of(REAL_HEADER "| s-1 | vol-a |", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "s-1");
    assert_string_equal(v[0].name, "vol-a");
    assert_int_equal(v[0].size_gb, -1);
    assert_string_equal(v[0].status, "");
    assert_int_equal(v[0].deletion_protection, -1);
    free(v);
}

static void test_volume_table_stops_at_max(void **state)
{
    (void)state;
    struct tp_volume vols[2];
    size_t n = tp_parse_volume_table(REAL_HEADER "| s-1 | a | 1 | READY | - | No |\n| s-2 | b | 1 | READY | - | No |\n"
                                                 "| s-3 | c | 1 | READY | - | No |",
                                     vols, 2);
    assert_int_equal(n, 2);
    assert_string_equal(vols[1].id, "s-2");
    assert_int_equal(tp_parse_volume_table(NULL, vols, 2), 0);
    assert_int_equal(tp_parse_volume_table("no table here", vols, 2), 0);
}

/* -------------------------------------------------------------- volume info */

static void test_info_reads_the_storage_info_object(void **state)
{
    (void)state;
    json_t *obj = J("{\"storage_info\":{\"storage_id\":\"s-abcdefghij\",\"name\":\"n\",\"size_gb\":3,\"status\":\"ready\","
                    "\"deletion_protection\":true,\"attached_clusters\":[\"c-1\"]},\"message\":\"ID: s-other\"}");
    struct tp_volume v;
    char msg[128];
    assert_int_equal(tp_parse_volume_info(obj, &v, msg, sizeof msg), TP_OK);
    assert_string_equal(v.id, "s-abcdefghij");
    assert_string_equal(v.name, "n");
    assert_int_equal(v.size_gb, 3);
    assert_string_equal(v.status, "READY");
    assert_int_equal(v.deletion_protection, 1);
    assert_int_equal(v.n_clusters, 1);
    assert_string_equal(v.clusters[0], "c-1");
    json_decref(obj);
}

static void test_info_reads_key_value_lines(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s}", "message",
                            "Storage volume s-abcdefghij\nID: s-abcdefghij\nName: my-name\nSize: 10 GB\n"
                            "Status: Ready\nAttached clusters: c-1, c-2\nDeletion protection: Yes\n"
                            "Created: 2026-01-01T00:00:00Z");
    struct tp_volume v;
    char msg[128];
    assert_int_equal(tp_parse_volume_info(obj, &v, msg, sizeof msg), TP_OK);
    assert_string_equal(v.id, "s-abcdefghij");
    assert_string_equal(v.name, "my-name");
    assert_int_equal(v.size_gb, 10);
    assert_string_equal(v.status, "READY");
    assert_int_equal(v.n_clusters, 2);
    assert_string_equal(v.clusters[0], "c-1");
    assert_string_equal(v.clusters[1], "c-2");
    assert_int_equal(v.deletion_protection, 1);
    json_decref(obj);
}

static void test_info_key_value_lines_with_dash_and_none_mean_nothing(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s}", "message", "ID: s-1\nName: -\nAttached clusters: None\nDeletion protection: No");
    struct tp_volume v;
    char msg[128];
    assert_int_equal(tp_parse_volume_info(obj, &v, msg, sizeof msg), TP_OK);
    assert_string_equal(v.id, "s-1");
    assert_string_equal(v.name, "");
    assert_int_equal(v.n_clusters, 0);
    assert_int_equal(v.deletion_protection, 0);
    assert_int_equal(v.size_gb, -1);
    assert_string_equal(v.status, "");
    json_decref(obj);
}

static void test_info_reads_a_one_row_table(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s}", "message", REAL_HEADER "| s-1 | vol-a | 8 | READY | c-7 | No |");
    struct tp_volume v;
    char msg[128];
    assert_int_equal(tp_parse_volume_info(obj, &v, msg, sizeof msg), TP_OK);
    assert_string_equal(v.id, "s-1");
    assert_string_equal(v.name, "vol-a");
    assert_int_equal(v.size_gb, 8);
    assert_int_equal(v.n_clusters, 1);
    assert_string_equal(v.clusters[0], "c-7");
    json_decref(obj);
}

static void test_info_without_an_id_is_protocol_error(void **state)
{
    (void)state;
    const char *answers[] = {"{}", "{\"storage_info\":{\"name\":\"x\"}}", "{\"message\":\"Name: x\\nSize: 3 GB\"}",
                             "{\"message\":\"Storage volume not found\"}", "{\"message\":7}"};
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        json_t *obj = J(answers[i]);
        struct tp_volume v;
        char msg[128] = "";
        assert_int_equal(tp_parse_volume_info(obj, &v, msg, sizeof msg), TP_E_PROTOCOL);
        assert_true(msg[0] != 0);
        json_decref(obj);
    }
}

/* ----------------------------------------------------------------- requests */

static enum tp_err request_of(const char *answer, struct tp_request *r);
static enum tp_err request_of(const char *answer, struct tp_request *r)
{
    json_t *obj = J(answer);
    char msg[128] = "";
    enum tp_err rc = tp_parse_request(obj, r, msg, sizeof msg);
    if (rc != TP_OK)
        assert_true(msg[0] != 0);
    json_decref(obj);
    return rc;
}

static void test_request_statuses_are_read_case_insensitively(void **state)
{
    (void)state;
    static const struct { const char *text; enum tp_req_status st; } cases[] = {
        {"PENDING", TP_REQ_PENDING},       {"pending", TP_REQ_PENDING},     {"Processing", TP_REQ_PROCESSING},
        {"RETRYING", TP_REQ_RETRYING},     {"retrying", TP_REQ_RETRYING},   {"COMPLETED", TP_REQ_COMPLETED},
        {"completed", TP_REQ_COMPLETED},   {"FAILED", TP_REQ_FAILED},       {"Failed", TP_REQ_FAILED},
        {"CANCELLED", TP_REQ_UNKNOWN},     {"", TP_REQ_UNKNOWN},            {"COMPLETED ", TP_REQ_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char answer[128];
        snprintf(answer, sizeof answer, "{\"status\":\"%s\"}", cases[i].text);
        struct tp_request r;
        assert_int_equal(request_of(answer, &r), TP_OK);
        assert_int_equal(r.status, cases[i].st);
    }
}

static void test_request_without_a_string_status_is_protocol_error(void **state)
{
    (void)state;
    struct tp_request r;
    assert_int_equal(request_of("{\"request_id\":\"req_1\"}", &r), TP_E_PROTOCOL);
    assert_int_equal(request_of("{\"status\":null}", &r), TP_E_PROTOCOL);
    assert_int_equal(request_of("{\"status\":3}", &r), TP_E_PROTOCOL);
}

static void test_request_fields_and_external_message_are_read(void **state)
{
    (void)state;
    struct tp_request r;
    assert_int_equal(request_of("{\"request_id\":\"req_abc\",\"request_type\":\"STORAGE_CREATE\",\"status\":\"FAILED\","
                                "\"created_at\":\"2026-01-01T00:00:00Z\",\"object_id\":\"s-abcdefghij\","
                                "\"external_message\":\"quota exceeded\\nin region\"}",
                                &r),
                     TP_OK);
    assert_string_equal(r.id, "req_abc");
    assert_string_equal(r.type, "STORAGE_CREATE");
    assert_int_equal(r.status, TP_REQ_FAILED);
    assert_string_equal(r.object_id, "s-abcdefghij");
    assert_string_equal(r.message, "quota exceeded in region");
    assert_int_equal(request_of("{\"status\":\"PROCESSING\",\"external_message\":null}", &r), TP_OK);
    assert_string_equal(r.message, "");
    assert_string_equal(r.id, "");
}

/* -------------------------------------------------------------- credentials */

static void test_creds_complete_are_read(void **state)
{
    (void)state;
    json_t *obj = J("{\"org_id\":\"o\",\"access_key_id\":\"AK\",\"secret_access_key\":\"SK\","
                    "\"endpoint\":\"http://127.0.0.1:9000\",\"region\":\"us-east-1\"}");
    struct tp_s3_creds c;
    char msg[128];
    assert_int_equal(tp_parse_creds(obj, &c, msg, sizeof msg), TP_OK);
    assert_string_equal(c.access_key_id, "AK");
    assert_string_equal(c.secret_access_key, "SK");
    assert_string_equal(c.endpoint, "http://127.0.0.1:9000");
    assert_string_equal(c.region, "us-east-1");
    json_decref(obj);
    obj = J("{\"access_key_id\":\"AK\",\"secret_access_key\":\"SK\",\"endpoint\":\"https://s3\"}");
    assert_int_equal(tp_parse_creds(obj, &c, msg, sizeof msg), TP_OK);
    assert_string_equal(c.region, ""); /* optional */
    json_decref(obj);
}

static bool all_zero(const void *p, size_t n);
static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void test_creds_missing_any_required_field_is_protocol_error_and_leaves_nothing(void **state)
{
    (void)state;
    const char *answers[] = {
        "{\"secret_access_key\":\"SK\",\"endpoint\":\"e\",\"region\":\"r\"}",
        "{\"access_key_id\":\"AK\",\"endpoint\":\"e\",\"region\":\"r\"}",
        "{\"access_key_id\":\"AK\",\"secret_access_key\":\"SK\",\"region\":\"r\"}",
        "{\"access_key_id\":\"AK\",\"secret_access_key\":\"\",\"endpoint\":\"e\",\"region\":\"r\"}",
        "{\"access_key_id\":\"AK\",\"secret_access_key\":\"SK\",\"endpoint\":null,\"region\":\"r\"}",
        "{\"access_key_id\":1,\"secret_access_key\":\"SK\",\"endpoint\":\"e\",\"region\":\"r\"}",
    };
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        json_t *obj = J(answers[i]);
        struct tp_s3_creds c;
        memset(&c, 0x5a, sizeof c);
        char msg[128] = "";
        assert_int_equal(tp_parse_creds(obj, &c, msg, sizeof msg), TP_E_PROTOCOL);
        assert_true(all_zero(&c, sizeof c));
        assert_true(msg[0] != 0);
        assert_null(strstr(msg, "SK"));
        json_decref(obj);
    }
}

/* ------------------------------------------------------------------ buckets */

static void test_buckets_read_strings_and_name_objects_and_skip_other_types(void **state)
{
    (void)state;
    json_t *obj = J("{\"buckets\":[\"a\",{\"name\":\"b\",\"created\":\"x\"},3,null,{\"name\":4},{\"id\":\"c\"},\"d\"]}");
    char **names;
    size_t n;
    char msg[128];
    assert_int_equal(tp_parse_buckets(obj, &names, &n, msg, sizeof msg), TP_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    assert_string_equal(names[2], "d");
    tp_strv_free(names, n);
    json_decref(obj);
}

static void test_buckets_empty_array_is_an_empty_list(void **state)
{
    (void)state;
    json_t *obj = J("{\"buckets\":[]}");
    char **names;
    size_t n = 5;
    char msg[128];
    assert_int_equal(tp_parse_buckets(obj, &names, &n, msg, sizeof msg), TP_OK);
    assert_int_equal(n, 0);
    tp_strv_free(names, n);
    json_decref(obj);
}

static void test_buckets_not_an_array_is_protocol_error(void **state)
{
    (void)state;
    const char *answers[] = {"{}", "{\"buckets\":\"a\"}", "{\"buckets\":{\"name\":\"a\"}}"};
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        json_t *obj = J(answers[i]);
        char **names = (char **)1;
        size_t n = 5;
        char msg[128] = "";
        assert_int_equal(tp_parse_buckets(obj, &names, &n, msg, sizeof msg), TP_E_PROTOCOL);
        assert_null(names);
        assert_int_equal(n, 0);
        assert_true(msg[0] != 0);
        json_decref(obj);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_rejects_non_json_with_a_message),
        cmocka_unit_test(test_object_rejects_a_json_array_and_scalars),
        cmocka_unit_test(test_object_rejects_truncated_json),
        cmocka_unit_test(test_object_rejects_an_empty_or_null_body),
        cmocka_unit_test(test_object_accepts_an_object_reading_only_len_bytes),
        cmocka_unit_test(test_message_prefers_message_then_error_then_external_message),
        cmocka_unit_test(test_message_skips_empty_null_and_non_string_fields),
        cmocka_unit_test(test_message_reads_fastapi_detail_list_as_field_colon_msg),
        cmocka_unit_test(test_message_detail_without_a_string_loc_is_just_the_msg),
        cmocka_unit_test(test_message_without_any_known_field_is_empty),
        cmocka_unit_test(test_message_control_characters_become_spaces),
        cmocka_unit_test(test_message_utf8_character_cut_by_the_buffer_end_is_dropped),
        cmocka_unit_test(test_message_detail_cut_by_the_buffer_end_stays_valid_utf8),
        cmocka_unit_test(test_parse_string_copies_a_string_and_reports_an_absent_one),
        cmocka_unit_test(test_list_reads_structured_volumes_with_every_field),
        cmocka_unit_test(test_list_structured_accepts_id_size_and_cluster_object_forms),
        cmocka_unit_test(test_list_structured_missing_fields_are_unknown_and_entries_without_id_skipped),
        cmocka_unit_test(test_list_structured_truncates_more_than_max_clusters_safely),
        cmocka_unit_test(test_list_prefers_the_volumes_array_over_the_message_table),
        cmocka_unit_test(test_list_reads_the_real_api_text_table),
        cmocka_unit_test(test_list_reads_a_table_with_crlf_line_endings),
        cmocka_unit_test(test_list_reads_a_box_drawing_table),
        cmocka_unit_test(test_list_reads_columns_in_another_order),
        cmocka_unit_test(test_list_reordered_row_whose_first_cell_is_a_dash_is_kept),
        cmocka_unit_test(test_list_ignores_unknown_extra_columns),
        cmocka_unit_test(test_list_provider_column_is_not_the_id_column),
        cmocka_unit_test(test_list_provider_id_column_does_not_replace_the_storage_id),
        cmocka_unit_test(test_list_no_storage_volumes_found_is_an_empty_list),
        cmocka_unit_test(test_list_with_neither_volumes_nor_message_is_protocol_error),
        cmocka_unit_test(test_list_table_truncates_more_than_max_clusters_safely),
        cmocka_unit_test(test_list_table_short_row_leaves_missing_columns_unknown),
        cmocka_unit_test(test_volume_table_stops_at_max),
        cmocka_unit_test(test_info_reads_the_storage_info_object),
        cmocka_unit_test(test_info_reads_key_value_lines),
        cmocka_unit_test(test_info_key_value_lines_with_dash_and_none_mean_nothing),
        cmocka_unit_test(test_info_reads_a_one_row_table),
        cmocka_unit_test(test_info_without_an_id_is_protocol_error),
        cmocka_unit_test(test_request_statuses_are_read_case_insensitively),
        cmocka_unit_test(test_request_without_a_string_status_is_protocol_error),
        cmocka_unit_test(test_request_fields_and_external_message_are_read),
        cmocka_unit_test(test_creds_complete_are_read),
        cmocka_unit_test(test_creds_missing_any_required_field_is_protocol_error_and_leaves_nothing),
        cmocka_unit_test(test_buckets_read_strings_and_name_objects_and_skip_other_types),
        cmocka_unit_test(test_buckets_empty_array_is_an_empty_list),
        cmocka_unit_test(test_buckets_not_an_array_is_protocol_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
