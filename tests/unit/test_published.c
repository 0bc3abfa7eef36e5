/* Unit tests for controller/published.h: the in-memory publication table
 * that decides whether ControllerUnpublishVolume may detach. The table is
 * process-wide, so each test removes what it added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "controller/published.h"

/* As if this process had attached every storage the tests use. */
static void attached_here_all(void)
{
    ctl_published_attached_here("s-a", "c-1");
    ctl_published_attached_here("s-a", "c-2");
    ctl_published_attached_here("s-b", "c-1");
}

static void test_an_attach_that_predates_the_process_is_never_detached(void **state)
{
    (void)state;
    ctl_published_forget_attach("s-z", "c-9");
    assert_int_equal(ctl_published_add("shared/s-z", "c-9/n1", "s-z", "c-9"), CTL_PUB_ADDED);
    assert_int_equal(ctl_published_claim_detach("shared/s-z", "c-9/n1"), CTL_DETACH_UNKNOWN);
    ctl_published_attached_here("s-z", "c-9");
    assert_int_equal(ctl_published_claim_detach("shared/s-z", "c-9/n1"), CTL_DETACH_CLAIMED);
    ctl_published_remove("shared/s-z", "c-9/n1");
    ctl_published_forget_attach("s-z", "c-9");
}

static void test_add_is_idempotent(void **state)
{
    (void)state;
    assert_int_equal(ctl_published_add("shared/s-a", "c-1/n1", "s-a", "c-1"), CTL_PUB_ADDED);
    assert_int_equal(ctl_published_add("shared/s-a", "c-1/n1", "s-a", "c-1"), CTL_PUB_EXISTED);
    assert_int_equal(ctl_published_count(), 1);
    ctl_published_remove("shared/s-a", "c-1/n1");
    ctl_published_remove("shared/s-a", "c-1/n1"); /* unknown: no-op */
    assert_int_equal(ctl_published_count(), 0);
}

static void test_unknown_publication_is_never_detached(void **state)
{
    (void)state;
    assert_int_equal(ctl_published_claim_detach("shared/s-a", "c-1/n1"), CTL_DETACH_UNKNOWN);
}

static void test_other_node_of_same_cluster_keeps_it_attached(void **state)
{
    (void)state;
    attached_here_all();
    ctl_published_add("shared/s-a", "c-1/n1", "s-a", "c-1");
    ctl_published_add("shared/s-a", "c-1/n2", "s-a", "c-1");
    ctl_published_add("shared/s-a", "c-2/n1", "s-a", "c-2");
    assert_int_equal(ctl_published_claim_detach("shared/s-a", "c-1/n1"), CTL_DETACH_IN_USE);
    ctl_published_remove("shared/s-a", "c-1/n1");
    /* c-2 does not count for c-1. */
    assert_int_equal(ctl_published_claim_detach("shared/s-a", "c-1/n2"), CTL_DETACH_CLAIMED);
    ctl_published_remove("shared/s-a", "c-1/n2");
    ctl_published_remove("shared/s-a", "c-2/n1");
    assert_int_equal(ctl_published_count(), 0);
}

static void test_another_id_of_the_same_storage_keeps_it_attached(void **state)
{
    (void)state;
    attached_here_all();
    ctl_published_add("shared/s-a/x;detach", "c-1/n1", "s-a", "c-1");
    ctl_published_add("shared/s-a/y", "c-1/n1", "s-a", "c-1");
    assert_int_equal(ctl_published_claim_detach("shared/s-a/x;detach", "c-1/n1"), CTL_DETACH_IN_USE);
    ctl_published_remove("shared/s-a/x;detach", "c-1/n1");
    ctl_published_remove("shared/s-a/y", "c-1/n1");
}

static void test_claimed_detach_blocks_new_publications_until_done(void **state)
{
    (void)state;
    attached_here_all();
    ctl_published_add("shared/s-a", "c-1/n1", "s-a", "c-1");
    assert_int_equal(ctl_published_claim_detach("shared/s-a", "c-1/n1"), CTL_DETACH_CLAIMED);
    assert_int_equal(ctl_published_add("shared/s-a/z", "c-1/n2", "s-a", "c-1"), CTL_PUB_DETACHING);
    assert_int_equal(ctl_published_add("shared/s-a", "c-2/n2", "s-a", "c-2"), CTL_PUB_ADDED); /* other cluster */
    ctl_published_unclaim("shared/s-a", "c-1/n1"); /* the detach failed */
    assert_int_equal(ctl_published_add("shared/s-a/z", "c-1/n2", "s-a", "c-1"), CTL_PUB_ADDED);
    ctl_published_remove("shared/s-a", "c-1/n1");
    ctl_published_remove("shared/s-a", "c-2/n2");
    ctl_published_remove("shared/s-a/z", "c-1/n2");
    assert_int_equal(ctl_published_count(), 0);
}

static void test_object_volumes_never_detach(void **state)
{
    (void)state;
    ctl_published_add("object/b", "c-1/n1", "", "c-1");
    assert_int_equal(ctl_published_claim_detach("object/b", "c-1/n1"), CTL_DETACH_IN_USE);
    ctl_published_remove("object/b", "c-1/n1");
}

static void test_nodes_lists_every_node_of_a_volume(void **state)
{
    (void)state;
    attached_here_all();
    char id[32];
    for (int i = 0; i < 40; i++) { /* past the first growth of the array */
        snprintf(id, sizeof id, "c-1/n%d", i);
        ctl_published_add(i % 2 ? "shared/s-a" : "shared/s-b", id, i % 2 ? "s-a" : "s-b", "c-1");
    }
    struct csi_arena *a = csi_arena_new();
    size_t n;
    char **nodes = ctl_published_nodes("shared/s-a", a, &n);
    assert_int_equal(n, 20);
    for (size_t i = 0; i < n; i++)
        ctl_published_remove("shared/s-a", nodes[i]);
    nodes = ctl_published_nodes("shared/s-b", a, &n);
    assert_int_equal(n, 20);
    for (size_t i = 0; i < n; i++)
        ctl_published_remove("shared/s-b", nodes[i]);
    assert_int_equal(ctl_published_count(), 0);
    csi_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_is_idempotent),
        cmocka_unit_test(test_an_attach_that_predates_the_process_is_never_detached),
        cmocka_unit_test(test_unknown_publication_is_never_detached),
        cmocka_unit_test(test_other_node_of_same_cluster_keeps_it_attached),
        cmocka_unit_test(test_another_id_of_the_same_storage_keeps_it_attached),
        cmocka_unit_test(test_claimed_detach_blocks_new_publications_until_done),
        cmocka_unit_test(test_object_volumes_never_detach),
        cmocka_unit_test(test_nodes_lists_every_node_of_a_volume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
