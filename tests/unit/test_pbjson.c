/* Unit tests for csi/pbjson.h and csi/secrets.h: JSON round trips, parse errors, and csi_secret redaction of every CSI message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csi.pb-c.h"
#include "csi/arena.h"
#include "csi/pbjson.h"
#include "csi/secrets.h"

/* ------------------------------------------------------------- helpers */

static json_t *parse_json(const char *text);
static json_t *parse_json(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("bad JSON in test: %s: %s", err.text, text);
    return j;
}

/* JSON text -> message (from_json) -> wire -> message (unpack) -> JSON. */
static json_t *round_trip(const ProtobufCMessageDescriptor *d, const char *text);
static json_t *round_trip(const ProtobufCMessageDescriptor *d, const char *text)
{
    json_t *in = parse_json(text);
    struct csi_arena *a = csi_arena_new();
    ProtobufCMessage *m = NULL;
    char msg[256] = "";
    enum csi_err err = csi_pb_from_json(d, in, a, &m, msg, sizeof msg);
    if (err != CSI_OK)
        fail_msg("csi_pb_from_json failed: %s", msg);
    assert_non_null(m);
    assert_ptr_equal(m->descriptor, d);
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = csi_arena_alloc(a, len + 1);
    assert_int_equal(protobuf_c_message_pack(m, buf), len);
    ProtobufCAllocator alloc = csi_arena_allocator(a);
    ProtobufCMessage *back = protobuf_c_message_unpack(d, &alloc, len, buf);
    assert_non_null(back);
    json_t *out = csi_pb_to_json(back, false);
    assert_non_null(out);
    json_decref(in);
    csi_arena_free(a);
    return out;
}

static void assert_json_equals_text(json_t *got, const char *want_text);
static void assert_json_equals_text(json_t *got, const char *want_text)
{
    json_t *want = parse_json(want_text);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
        char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
        print_error("got:  %s\nwant: %s\n", g, w);
        free(g);
        free(w);
        fail();
    }
    json_decref(want);
}

#define CREATE_VOLUME_JSON(required_bytes)                                                         \
    "{\"name\": \"pvc-0a1b2c\","                                                                   \
    " \"capacity_range\": {\"required_bytes\": " required_bytes ", \"limit_bytes\": 2147483648},"  \
    " \"volume_capabilities\": ["                                                                  \
    "   {\"mount\": {\"fs_type\": \"ext4\", \"mount_flags\": [\"noatime\", \"nodev\"]},"            \
    "    \"access_mode\": {\"mode\": \"MULTI_NODE_MULTI_WRITER\"}},"                               \
    "   {\"block\": {}, \"access_mode\": {\"mode\": \"SINGLE_NODE_WRITER\"}}],"                    \
    " \"parameters\": {\"tier\": \"fast\", \"csi.storage.k8s.io/pvc/name\": \"data\"},"           \
    " \"secrets\": {\"token\": \"s3cr3t\", \"user\": \"admin\"},"                                  \
    " \"accessibility_requirements\": {"                                                           \
    "   \"requisite\": [{\"segments\": {\"topology.kubernetes.io/zone\": \"z1\"}},"                \
    "                   {\"segments\": {\"topology.kubernetes.io/zone\": \"z2\", \"rack\": \"r7\"}}],"\
    "   \"preferred\": [{\"segments\": {\"topology.kubernetes.io/zone\": \"z2\"}}]}}"

/* ------------------------------------------------------------ round trips */

static void test_create_volume_request_round_trips(void **state)
{
    (void)state;
    const char *text = CREATE_VOLUME_JSON("1073741824");
    json_t *out = round_trip(&csi__v1__create_volume_request__descriptor, text);
    assert_json_equals_text(out, text);
    json_decref(out);
}

static void test_int64_given_as_a_string_is_accepted(void **state)
{
    (void)state;
    json_t *out = round_trip(&csi__v1__create_volume_request__descriptor, CREATE_VOLUME_JSON("\"1073741824\""));
    /* the value survives; the printed form is the JSON integer */
    assert_json_equals_text(out, CREATE_VOLUME_JSON("1073741824"));
    json_decref(out);
}

static void test_lower_camel_case_keys_are_accepted(void **state)
{
    (void)state;
    json_t *out = round_trip(&csi__v1__create_volume_request__descriptor,
                             "{\"name\": \"pvc-1\","
                             " \"capacityRange\": {\"requiredBytes\": 5, \"limitBytes\": 6},"
                             " \"volumeCapabilities\": [{\"mount\": {\"fsType\": \"xfs\", \"mountFlags\": [\"ro\"]},"
                             "                           \"accessMode\": {\"mode\": \"SINGLE_NODE_READER_ONLY\"}}],"
                             " \"accessibilityRequirements\": {\"requisite\": [{\"segments\": {\"zoneKey\": \"a\"}}]}}");
    assert_json_equals_text(out, "{\"name\": \"pvc-1\","
                                 " \"capacity_range\": {\"required_bytes\": 5, \"limit_bytes\": 6},"
                                 " \"volume_capabilities\": [{\"mount\": {\"fs_type\": \"xfs\", \"mount_flags\": [\"ro\"]},"
                                 "   \"access_mode\": {\"mode\": \"SINGLE_NODE_READER_ONLY\"}}],"
                                 " \"accessibility_requirements\": {\"requisite\": [{\"segments\": {\"zoneKey\": \"a\"}}]}}");
    json_decref(out);
}

static void test_enum_given_as_a_number_is_accepted(void **state)
{
    (void)state;
    json_t *out = round_trip(&csi__v1__create_volume_request__descriptor,
                             "{\"volume_capabilities\": [{\"access_mode\": {\"mode\": 5}}]}");
    assert_json_equals_text(out, "{\"volume_capabilities\": [{\"access_mode\": {\"mode\": \"MULTI_NODE_MULTI_WRITER\"}}]}");
    json_decref(out);
}

static void test_default_values_are_omitted(void **state)
{
    (void)state;
    json_t *out = round_trip(&csi__v1__create_volume_request__descriptor,
                             "{\"name\": \"\", \"capacity_range\": {\"required_bytes\": 0}, \"parameters\": {},"
                             " \"volume_capabilities\": [], \"secrets\": null}");
    assert_json_equals_text(out, "{\"capacity_range\": {}}");
    json_decref(out);
}

static void test_to_text_is_compact_json_in_field_order(void **state)
{
    (void)state;
    Csi__V1__CreateVolumeRequest req = CSI__V1__CREATE_VOLUME_REQUEST__INIT;
    Csi__V1__CapacityRange range = CSI__V1__CAPACITY_RANGE__INIT;
    range.required_bytes = 42;
    req.name = "pvc-\"q\"";
    req.capacity_range = &range;
    char *s = csi_pb_to_text(&req.base, false);
    assert_string_equal(s, "{\"name\":\"pvc-\\\"q\\\"\",\"capacity_range\":{\"required_bytes\":42}}");
    free(s);
}

/* ------------------------------------------------------- wrapper (Probe) */

static void test_probe_response_prints_ready_as_a_bare_bool(void **state)
{
    (void)state;
    Csi__V1__ProbeResponse resp = CSI__V1__PROBE_RESPONSE__INIT;
    Google__Protobuf__BoolValue ready = GOOGLE__PROTOBUF__BOOL_VALUE__INIT;
    char *s = csi_pb_to_text(&resp.base, false);
    assert_string_equal(s, "{}");
    free(s);
    resp.ready = &ready;
    ready.value = 1;
    s = csi_pb_to_text(&resp.base, false);
    assert_string_equal(s, "{\"ready\":true}");
    free(s);
    ready.value = 0; /* present but false is not the same as absent */
    s = csi_pb_to_text(&resp.base, true);
    assert_string_equal(s, "{\"ready\":false}");
    free(s);
}

static void test_probe_response_parses_ready_from_a_bare_bool(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int value;
    } cases[] = {{"{\"ready\": true}", 1}, {"{\"ready\": false}", 0}, {"{\"ready\": {\"value\": true}}", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *in = parse_json(cases[i].text);
        struct csi_arena *a = csi_arena_new();
        ProtobufCMessage *m = NULL;
        char msg[256] = "";
        assert_int_equal(csi_pb_from_json(&csi__v1__probe_response__descriptor, in, a, &m, msg, sizeof msg), CSI_OK);
        const Csi__V1__ProbeResponse *r = (const Csi__V1__ProbeResponse *)m;
        assert_non_null(r->ready);
        assert_int_equal(r->ready->value, cases[i].value);
        json_t *out = csi_pb_to_json(m, false);
        assert_json_equals_text(out, cases[i].value ? "{\"ready\": true}" : "{\"ready\": false}");
        json_decref(out);
        json_decref(in);
        csi_arena_free(a);
    }
    json_t *out = round_trip(&csi__v1__probe_response__descriptor, "{\"ready\": true}");
    assert_json_equals_text(out, "{\"ready\": true}");
    json_decref(out);
}

static void test_probe_response_rejects_a_non_bool_ready(void **state)
{
    (void)state;
    json_t *in = parse_json("{\"ready\": \"yes\"}");
    struct csi_arena *a = csi_arena_new();
    ProtobufCMessage *m = (ProtobufCMessage *)&m;
    char msg[256] = "";
    assert_int_equal(csi_pb_from_json(&csi__v1__probe_response__descriptor, in, a, &m, msg, sizeof msg),
                     CSI_E_INVALID);
    assert_null(m);
    json_decref(in);
    csi_arena_free(a);
}

/* ---------------------------------------------------------------- errors */

/* Parses text as a CreateVolumeRequest, expecting CSI_E_INVALID, *out NULL
 * and a message containing want. */
static void expect_invalid(const char *text, const char *want);
static void expect_invalid(const char *text, const char *want)
{
    json_t *in = parse_json(text);
    struct csi_arena *a = csi_arena_new();
    ProtobufCMessage *m = (ProtobufCMessage *)&m; /* not NULL before the call */
    char msg[256] = "";
    enum csi_err err = csi_pb_from_json(&csi__v1__create_volume_request__descriptor, in, a, &m, msg, sizeof msg);
    if (err != CSI_E_INVALID || m != NULL || !strstr(msg, want))
        fail_msg("input %s: err %d, out %p, msg \"%s\" (wanted it to name \"%s\")", text, err, (void *)m, msg, want);
    json_decref(in);
    csi_arena_free(a);
}

static void test_unknown_field_is_rejected_by_name(void **state)
{
    (void)state;
    expect_invalid("{\"name\": \"x\", \"bogus_field\": 1}", "bogus_field");
    expect_invalid("{\"capacity_range\": {\"required_bytes\": 1, \"huge_bytes\": 2}}", "huge_bytes");
    expect_invalid("{\"volume_capabilities\": [{\"mount\": {\"fs\": \"ext4\"}}]}", "\"fs\"");
}

static void test_string_for_an_integer_is_rejected(void **state)
{
    (void)state;
    expect_invalid("{\"capacity_range\": {\"required_bytes\": \"lots\"}}", "required_bytes");
    expect_invalid("{\"capacity_range\": {\"required_bytes\": \"12abc\"}}", "required_bytes");
    expect_invalid("{\"capacity_range\": {\"required_bytes\": \"\"}}", "required_bytes");
    expect_invalid("{\"capacity_range\": {\"required_bytes\": 1.5}}", "required_bytes");
    expect_invalid("{\"capacity_range\": {\"required_bytes\": true}}", "required_bytes");
}

static void test_number_for_a_string_is_rejected(void **state)
{
    (void)state;
    expect_invalid("{\"name\": 5}", "name");
    expect_invalid("{\"parameters\": {\"tier\": 1}}", "value");
    expect_invalid("{\"volume_capabilities\": [{\"mount\": {\"mount_flags\": [\"ok\", 7]}}]}", "mount_flags");
}

static void test_bad_enum_name_is_rejected(void **state)
{
    (void)state;
    expect_invalid("{\"volume_capabilities\": [{\"access_mode\": {\"mode\": \"MULTI_NODE_EVERYTHING\"}}]}", "mode");
    expect_invalid("{\"volume_capabilities\": [{\"access_mode\": {\"mode\": 999}}]}", "mode");
    expect_invalid("{\"volume_capabilities\": [{\"access_mode\": {\"mode\": true}}]}", "mode");
}

static void test_array_for_a_map_is_rejected(void **state)
{
    (void)state;
    expect_invalid("{\"parameters\": [\"tier\", \"fast\"]}", "parameters");
    expect_invalid("{\"secrets\": \"token=x\"}", "secrets");
}

static void test_object_for_a_repeated_field_is_rejected(void **state)
{
    (void)state;
    expect_invalid("{\"volume_capabilities\": {\"mount\": {}}}", "volume_capabilities");
    expect_invalid("{\"volume_capabilities\": [{\"mount\": {\"mount_flags\": {\"a\": \"b\"}}}]}", "mount_flags");
}

static void test_wrong_shape_for_a_message_is_rejected(void **state)
{
    (void)state;
    expect_invalid("{\"capacity_range\": 5}", "CapacityRange");
    expect_invalid("{\"volume_capabilities\": [\"mount\"]}", "VolumeCapability");
}

static void test_non_object_top_level_is_rejected(void **state)
{
    (void)state;
    expect_invalid("[1, 2]", "CreateVolumeRequest");
    expect_invalid("\"name\"", "CreateVolumeRequest");
}

/* ------------------------------------------------------------- redaction */

#define MAX_TYPES 512
#define MAX_MARKERS 512

struct walk {
    const ProtobufCMessageDescriptor *types[MAX_TYPES];
    size_t n_types;
};

static void collect(struct walk *w, const ProtobufCMessageDescriptor *d);
static void collect(struct walk *w, const ProtobufCMessageDescriptor *d)
{
    for (size_t i = 0; i < w->n_types; i++)
        if (w->types[i] == d)
            return;
    assert_true(w->n_types < MAX_TYPES);
    w->types[w->n_types++] = d;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
            collect(w, d->fields[i].descriptor);
}

static void collect_all(struct walk *w);
static void collect_all(struct walk *w)
{
    static const ProtobufCServiceDescriptor *const services[] = {
        &csi__v1__identity__descriptor, &csi__v1__controller__descriptor, &csi__v1__node__descriptor,
        &csi__v1__group_controller__descriptor, &csi__v1__snapshot_metadata__descriptor,
    };
    w->n_types = 0;
    for (size_t s = 0; s < sizeof services / sizeof services[0]; s++)
        for (unsigned m = 0; m < services[s]->n_methods; m++) {
            collect(w, services[s]->methods[m].input);
            collect(w, services[s]->methods[m].output);
        }
}

struct marker {
    const char *text;
    bool secret;
    const ProtobufCMessageDescriptor *d; /* where it was put */
    const ProtobufCFieldDescriptor *f;
};

struct fill {
    struct csi_arena *arena;
    unsigned variant;
    struct marker markers[MAX_MARKERS];
    size_t n_markers;
};

static char *marker(struct fill *fl, const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                    const char *part);
static char *marker(struct fill *fl, const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                    const char *part)
{
    char *s = csi_arena_printf(fl->arena, "SECRET-%s-%s~%s~", d->name, f->name, part);
    assert_true(fl->n_markers < MAX_MARKERS);
    fl->markers[fl->n_markers++] = (struct marker){s, csi_field_is_secret(d, f), d, f};
    return s;
}

static bool is_string_map(const ProtobufCFieldDescriptor *f);
static bool is_string_map(const ProtobufCFieldDescriptor *f)
{
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label != PROTOBUF_C_LABEL_REPEATED)
        return false;
    const ProtobufCMessageDescriptor *e = f->descriptor;
    return e->n_fields == 2 && strcmp(e->fields[0].name, "key") == 0 && strcmp(e->fields[1].name, "value") == 0 &&
           e->fields[0].type == PROTOBUF_C_TYPE_STRING && e->fields[1].type == PROTOBUF_C_TYPE_STRING &&
           strstr(e->name, "Entry") != NULL;
}

/* Index of f among the members of its oneof, and how many members it has. */
static void oneof_position(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f, unsigned *index,
                           unsigned *count);
static void oneof_position(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f, unsigned *index,
                           unsigned *count)
{
    *index = *count = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *g = &d->fields[i];
        if (!(g->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || g->quantifier_offset != f->quantifier_offset)
            continue;
        if (g == f)
            *index = *count;
        (*count)++;
    }
}

static unsigned max_oneof_members(const ProtobufCMessageDescriptor *d);
static unsigned max_oneof_members(const ProtobufCMessageDescriptor *d)
{
    unsigned most = 1;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            unsigned index, count;
            oneof_position(d, &d->fields[i], &index, &count);
            if (count > most)
                most = count;
        }
    return most;
}

static ProtobufCMessage *new_message(struct fill *fl, const ProtobufCMessageDescriptor *d, int depth);

#define AT(m, off) ((void *)((char *)(m) + (off)))

/* Puts markers in every string, one marked entry in every map, one marked
 * element in every repeated string, and (above depth 1) a filled message in
 * every message field; in each oneof, member variant % count is chosen. */
static void fill_message(struct fill *fl, ProtobufCMessage *m, int depth);
static void fill_message(struct fill *fl, ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        bool oneof = f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF;
        if (oneof) {
            unsigned index, count;
            oneof_position(d, f, &index, &count);
            if (fl->variant % count != index)
                continue;
        }
        bool set = false;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            void **items = csi_arena_alloc(fl->arena, sizeof *items);
            if (is_string_map(f)) {
                const ProtobufCMessageDescriptor *ed = f->descriptor;
                ProtobufCMessage *e = csi_arena_alloc(fl->arena, ed->sizeof_message);
                ed->message_init(e);
                *(char **)AT(e, ed->fields[0].offset) = marker(fl, d, f, "key");
                *(char **)AT(e, ed->fields[1].offset) = marker(fl, d, f, "value");
                items[0] = e;
                set = true;
            } else if (f->type == PROTOBUF_C_TYPE_STRING) {
                items[0] = marker(fl, d, f, "item");
                set = true;
            } else if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth < 1) {
                items[0] = new_message(fl, f->descriptor, depth + 1);
                set = true;
            }
            if (set) {
                *(size_t *)AT(m, f->quantifier_offset) = 1;
                *(void ***)AT(m, f->offset) = items;
            }
        } else if (f->type == PROTOBUF_C_TYPE_STRING) {
            *(char **)AT(m, f->offset) = marker(fl, d, f, "string");
            set = true;
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth < 1) {
            *(ProtobufCMessage **)AT(m, f->offset) = new_message(fl, f->descriptor, depth + 1);
            set = true;
        }
        if (set && oneof)
            *(uint32_t *)AT(m, f->quantifier_offset) = f->id;
    }
}

static ProtobufCMessage *new_message(struct fill *fl, const ProtobufCMessageDescriptor *d, int depth)
{
    ProtobufCMessage *m = csi_arena_alloc(fl->arena, d->sizeof_message);
    d->message_init(m);
    fill_message(fl, m, depth);
    return m;
}

static void test_walk_finds_every_csi_secret_field(void **state)
{
    (void)state;
    static struct walk w;
    collect_all(&w);
    assert_true(w.n_types > 100);
    size_t secret_pairs = 0;
    for (size_t t = 0; t < w.n_types; t++)
        for (unsigned i = 0; i < w.types[t]->n_fields; i++)
            secret_pairs += csi_field_is_secret(w.types[t], &w.types[t]->fields[i]);
    assert_int_equal(secret_pairs, csi_secret_field_count);
    assert_int_equal(csi_secret_field_count, 19);

    /* every row of the table names a real field by name and number */
    for (size_t r = 0; r < csi_secret_field_count; r++) {
        const struct csi_secret_field *row = &csi_secret_fields[r];
        const ProtobufCMessageDescriptor *d = NULL;
        for (size_t t = 0; t < w.n_types && !d; t++)
            if (strcmp(w.types[t]->name, row->message) == 0)
                d = w.types[t];
        if (!d)
            fail_msg("secret table row %s is not a message of any service", row->message);
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, row->field);
        assert_non_null(f);
        assert_int_equal(f->id, row->number);
        assert_true(csi_field_is_secret(d, f));
    }
}

static void test_is_secret_is_false_for_ordinary_fields(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &csi__v1__create_volume_request__descriptor;
    assert_true(csi_field_is_secret(d, protobuf_c_message_descriptor_get_field_by_name(d, "secrets")));
    assert_false(csi_field_is_secret(d, protobuf_c_message_descriptor_get_field_by_name(d, "parameters")));
    assert_false(csi_field_is_secret(d, protobuf_c_message_descriptor_get_field_by_name(d, "name")));
    /* same field number in a message with no secrets */
    const ProtobufCMessageDescriptor *r = &csi__v1__create_volume_response__descriptor;
    for (unsigned i = 0; i < r->n_fields; i++)
        assert_false(csi_field_is_secret(r, &r->fields[i]));
}

/* Builds every message type of every CSI service filled with markers and
 * checks csi_pb_to_text with and without redaction. */
static void test_redaction_hides_every_secret_field_of_every_message(void **state)
{
    (void)state;
    static struct walk w;
    static struct fill fl;
    collect_all(&w);
    size_t secrets_checked = 0, markers_checked = 0;
    for (size_t t = 0; t < w.n_types; t++) {
        const ProtobufCMessageDescriptor *d = w.types[t];
        unsigned variants = max_oneof_members(d);
        for (unsigned v = 0; v < variants; v++) {
            fl.arena = csi_arena_new();
            fl.variant = v;
            fl.n_markers = 0;
            ProtobufCMessage *m = new_message(&fl, d, 0);

            char *plain = csi_pb_to_text(m, false);
            char *redacted = csi_pb_to_text(m, true);
            json_t *check = json_loads(redacted, 0, NULL);
            assert_non_null(check); /* still valid JSON */
            json_decref(check);

            for (size_t k = 0; k < fl.n_markers; k++) {
                const struct marker *mk = &fl.markers[k];
                if (!strstr(plain, mk->text))
                    fail_msg("%s: without redaction, marker %s is missing from %s", d->name, mk->text, plain);
                if (mk->secret && strstr(redacted, mk->text))
                    fail_msg("%s: secret %s.%s leaks: %s", d->name, mk->d->name, mk->f->name, redacted);
                if (!mk->secret && !strstr(redacted, mk->text))
                    fail_msg("%s: non-secret marker %s was removed: %s", d->name, mk->text, redacted);
                markers_checked++;
            }
            for (unsigned i = 0; i < d->n_fields; i++) {
                if (!csi_field_is_secret(d, &d->fields[i]))
                    continue;
                char *want = csi_arena_printf(fl.arena, "\"%s\":\"%s\"", d->fields[i].name, CSI_REDACTED);
                if (!strstr(redacted, want))
                    fail_msg("%s: %s missing from %s", d->name, want, redacted);
                assert_null(strstr(plain, CSI_REDACTED));
                secrets_checked++;
            }
            free(plain);
            free(redacted);
            csi_arena_free(fl.arena);
        }
    }
    assert_int_equal(secrets_checked, 19); /* the messages with secrets have no oneof: built once each */
    assert_true(markers_checked > 200);
}

/* The whole secrets map becomes one string: neither its keys nor its values
 * survive, while the other maps are printed as usual. */
static void test_redaction_replaces_the_whole_map(void **state)
{
    (void)state;
    json_t *in = parse_json("{\"name\": \"pvc-1\", \"secrets\": {\"token\": \"hunter2\", \"hunter2\": \"x\"},"
                            " \"parameters\": {\"p\": \"v\"}}");
    struct csi_arena *a = csi_arena_new();
    ProtobufCMessage *m;
    char msg[256];
    assert_int_equal(csi_pb_from_json(&csi__v1__create_volume_request__descriptor, in, a, &m, msg, sizeof msg),
                     CSI_OK);
    json_t *out = csi_pb_to_json(m, true);
    assert_json_equals_text(out, "{\"name\": \"pvc-1\", \"secrets\": \"***stripped***\", \"parameters\": {\"p\": \"v\"}}");
    json_decref(out);
    char *text = csi_pb_to_text(m, true);
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "token"));
    free(text);
    json_decref(in);
    csi_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_volume_request_round_trips),
        cmocka_unit_test(test_int64_given_as_a_string_is_accepted),
        cmocka_unit_test(test_lower_camel_case_keys_are_accepted),
        cmocka_unit_test(test_enum_given_as_a_number_is_accepted),
        cmocka_unit_test(test_default_values_are_omitted),
        cmocka_unit_test(test_to_text_is_compact_json_in_field_order),
        cmocka_unit_test(test_probe_response_prints_ready_as_a_bare_bool),
        cmocka_unit_test(test_probe_response_parses_ready_from_a_bare_bool),
        cmocka_unit_test(test_probe_response_rejects_a_non_bool_ready),
        cmocka_unit_test(test_unknown_field_is_rejected_by_name),
        cmocka_unit_test(test_string_for_an_integer_is_rejected),
        cmocka_unit_test(test_number_for_a_string_is_rejected),
        cmocka_unit_test(test_bad_enum_name_is_rejected),
        cmocka_unit_test(test_array_for_a_map_is_rejected),
        cmocka_unit_test(test_object_for_a_repeated_field_is_rejected),
        cmocka_unit_test(test_wrong_shape_for_a_message_is_rejected),
        cmocka_unit_test(test_non_object_top_level_is_rejected),
        cmocka_unit_test(test_walk_finds_every_csi_secret_field),
        cmocka_unit_test(test_is_secret_is_false_for_ordinary_fields),
        cmocka_unit_test(test_redaction_hides_every_secret_field_of_every_message),
        cmocka_unit_test(test_redaction_replaces_the_whole_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
