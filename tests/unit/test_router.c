/* Unit tests for csi/router.h: route table built from service descriptors, lookup by path, row and lock-field errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "csi.pb-c.h"
#include "csi/router.h"

static enum csi_err dummy_handler(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp);
static enum csi_err dummy_handler(struct csi_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage **resp)
{
    (void)ctx;
    (void)req;
    (void)resp;
    return CSI_E_INTERNAL;
}

static const struct csi_method probe_row[] = {{.name = "Probe", .handler = dummy_handler}};
static const struct csi_service identity = {
    .descriptor = &csi__v1__identity__descriptor,
    .methods = probe_row,
    .n_methods = 1,
};

static const struct csi_route *find(const struct csi_router *r, const char *path);
static const struct csi_route *find(const struct csi_router *r, const char *path)
{
    return csi_router_find(r, path, strlen(path));
}

static void test_every_identity_method_has_a_route(void **state)
{
    (void)state;
    const struct csi_service *svcs[] = {&identity};
    char msg[256] = "";
    struct csi_router *r = csi_router_new(svcs, 1, msg, sizeof msg);
    assert_non_null(r);
    assert_int_equal(csi_router_count(r), csi__v1__identity__descriptor.n_methods);
    assert_int_equal(csi_router_count(r), 3);
    for (unsigned m = 0; m < csi__v1__identity__descriptor.n_methods; m++) {
        const ProtobufCMethodDescriptor *md = &csi__v1__identity__descriptor.methods[m];
        char path[128];
        snprintf(path, sizeof path, "/csi.v1.Identity/%s", md->name);
        const struct csi_route *rt = find(r, path);
        if (!rt)
            fail_msg("no route for %s", path);
        assert_string_equal(rt->path, path);
        assert_ptr_equal(rt->md, md);
        assert_ptr_equal(rt->service, &identity);
        assert_null(rt->lock_field);
    }
    assert_non_null(find(r, "/csi.v1.Identity/GetPluginInfo"));
    assert_non_null(find(r, "/csi.v1.Identity/GetPluginCapabilities"));
    assert_non_null(find(r, "/csi.v1.Identity/Probe"));
    csi_router_free(r);
}

static void test_only_methods_with_a_row_have_a_handler(void **state)
{
    (void)state;
    const struct csi_service *svcs[] = {&identity};
    char msg[256];
    struct csi_router *r = csi_router_new(svcs, 1, msg, sizeof msg);
    const struct csi_route *probe = find(r, "/csi.v1.Identity/Probe");
    assert_non_null(probe);
    assert_ptr_equal(probe->method, &probe_row[0]);
    assert_ptr_equal(probe->method->handler, dummy_handler);
    assert_ptr_equal(probe->md->input, &csi__v1__probe_request__descriptor);
    assert_ptr_equal(probe->md->output, &csi__v1__probe_response__descriptor);
    assert_null(find(r, "/csi.v1.Identity/GetPluginInfo")->method);
    assert_null(find(r, "/csi.v1.Identity/GetPluginCapabilities")->method);
    csi_router_free(r);
}

static void test_routes_are_sorted_by_path(void **state)
{
    (void)state;
    static const struct csi_service node = {.descriptor = &csi__v1__node__descriptor};
    static const struct csi_service controller = {.descriptor = &csi__v1__controller__descriptor};
    const struct csi_service *svcs[] = {&node, &identity, &controller};
    char msg[256];
    struct csi_router *r = csi_router_new(svcs, 3, msg, sizeof msg);
    assert_non_null(r);
    size_t n = csi_router_count(r);
    assert_int_equal(n, csi__v1__node__descriptor.n_methods + csi__v1__identity__descriptor.n_methods +
                            csi__v1__controller__descriptor.n_methods);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(csi_router_at(r, i - 1)->path, csi_router_at(r, i)->path) < 0);
    /* every route is found again through the binary search */
    for (size_t i = 0; i < n; i++)
        assert_ptr_equal(find(r, csi_router_at(r, i)->path), csi_router_at(r, i));
    csi_router_free(r);
}

static void test_find_needs_the_exact_length(void **state)
{
    (void)state;
    const struct csi_service *svcs[] = {&identity};
    char msg[256];
    struct csi_router *r = csi_router_new(svcs, 1, msg, sizeof msg);
    /* not NUL-terminated at the path's end: the length decides */
    const char buf[] = "/csi.v1.Identity/ProbeXYZ";
    const size_t probe_len = strlen("/csi.v1.Identity/Probe");
    const struct csi_route *rt = csi_router_find(r, buf, probe_len);
    assert_non_null(rt);
    assert_string_equal(rt->path, "/csi.v1.Identity/Probe");
    assert_null(csi_router_find(r, buf, probe_len - 1)); /* a prefix */
    assert_null(csi_router_find(r, buf, probe_len + 1)); /* longer */
    assert_null(csi_router_find(r, buf, strlen(buf)));
    assert_null(csi_router_find(r, buf, 0));
    assert_null(find(r, "/csi.v1.Identity/"));
    assert_null(find(r, "/csi.v1.Identity"));
    assert_null(find(r, "/csi.v1.Identity/probe"));
    assert_null(find(r, "/csi.v1.Node/Probe"));
    assert_null(find(r, "/"));
    csi_router_free(r);
}

static void test_empty_router_finds_nothing(void **state)
{
    (void)state;
    char msg[256];
    struct csi_router *r = csi_router_new(NULL, 0, msg, sizeof msg);
    assert_non_null(r);
    assert_int_equal(csi_router_count(r), 0);
    assert_null(find(r, "/csi.v1.Identity/Probe"));
    csi_router_free(r);
    csi_router_free(NULL);
}

static void test_a_row_naming_an_unknown_method_is_an_error(void **state)
{
    (void)state;
    static const struct csi_method rows[] = {
        {.name = "Probe", .handler = dummy_handler},
        {.name = "ProbeHarder", .handler = dummy_handler},
    };
    static const struct csi_service bad = {.descriptor = &csi__v1__identity__descriptor, .methods = rows, .n_methods = 2};
    const struct csi_service *svcs[] = {&identity, &bad};
    char msg[256] = "";
    assert_null(csi_router_new(svcs, 2, msg, sizeof msg));
    assert_non_null(strstr(msg, "ProbeHarder"));
    assert_non_null(strstr(msg, "csi.v1.Identity"));
}

static void test_a_node_method_row_resolves_its_lock_field(void **state)
{
    (void)state;
    static const struct csi_method rows[] = {
        {.name = "NodeStageVolume", .handler = dummy_handler, .flags = CSI_METHOD_BLOCKING, .lock_field = "volume_id"},
        {.name = "NodeGetInfo", .handler = dummy_handler},
    };
    static const struct csi_service node = {.descriptor = &csi__v1__node__descriptor, .methods = rows, .n_methods = 2};
    const struct csi_service *svcs[] = {&node};
    char msg[256] = "";
    struct csi_router *r = csi_router_new(svcs, 1, msg, sizeof msg);
    assert_non_null(r);
    const struct csi_route *rt = find(r, "/csi.v1.Node/NodeStageVolume");
    assert_non_null(rt);
    assert_ptr_equal(rt->method, &rows[0]);
    assert_non_null(rt->lock_field);
    assert_string_equal(rt->lock_field->name, "volume_id");
    assert_ptr_equal(rt->lock_field, protobuf_c_message_descriptor_get_field_by_name(
                                         &csi__v1__node_stage_volume_request__descriptor, "volume_id"));
    assert_null(find(r, "/csi.v1.Node/NodeGetInfo")->lock_field);
    assert_null(find(r, "/csi.v1.Node/NodeUnstageVolume")->lock_field); /* no row, no lock */
    csi_router_free(r);
}

static void expect_lock_field_error(const char *lock_field);
static void expect_lock_field_error(const char *lock_field)
{
    const struct csi_method rows[] = {
        {.name = "NodeStageVolume", .handler = dummy_handler, .lock_field = lock_field},
    };
    const struct csi_service node = {.descriptor = &csi__v1__node__descriptor, .methods = rows, .n_methods = 1};
    const struct csi_service *svcs[] = {&identity, &node};
    char msg[256] = "";
    struct csi_router *r = csi_router_new(svcs, 2, msg, sizeof msg);
    if (r)
        fail_msg("lock field %s was accepted", lock_field);
    assert_non_null(strstr(msg, lock_field));
    assert_non_null(strstr(msg, "NodeStageVolume"));
}

static void test_a_missing_lock_field_is_an_error(void **state)
{
    (void)state;
    expect_lock_field_error("volume_name");
    expect_lock_field_error("");
}

static void test_a_non_string_lock_field_is_an_error(void **state)
{
    (void)state;
    expect_lock_field_error("volume_capability"); /* a message */
    expect_lock_field_error("secrets");           /* a map */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_identity_method_has_a_route),
        cmocka_unit_test(test_only_methods_with_a_row_have_a_handler),
        cmocka_unit_test(test_routes_are_sorted_by_path),
        cmocka_unit_test(test_find_needs_the_exact_length),
        cmocka_unit_test(test_empty_router_finds_nothing),
        cmocka_unit_test(test_a_row_naming_an_unknown_method_is_an_error),
        cmocka_unit_test(test_a_node_method_row_resolves_its_lock_field),
        cmocka_unit_test(test_a_missing_lock_field_is_an_error),
        cmocka_unit_test(test_a_non_string_lock_field_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
