/* effects.c - the completion side of every STORAGE_* request. A request whose
 * volume vanished in the meantime ends FAILED with a reason; file-system
 * trouble on the emulator's own directories is logged, not turned into an API
 * failure, since it is the emulator's environment that broke, not the call. */
#include "effects.h"

#include <stdlib.h>
#include <string.h>

#include "hostfs.h"
#include "log.h"

#define SIMULATED_FAILURE "Simulated backend failure (emulator fail_rate)"

static void set_message(struct emu_request *r, const char *msg)
{
    free(r->message);
    r->message = msg ? strdup(msg) : NULL;
}

static void fail_request(struct emu_request *r, const char *msg)
{
    r->fail = true;
    set_message(r, msg);
}

static void check_fs(bool ok, const char *what, const char *id, const char *why)
{
    if (!ok)
        emu_log("host file system: %s %s: %s", what, id, why);
}

static void apply_create(struct emu_state *st, struct emu_request *r, struct emu_volume *v)
{
    char why[512];

    if (!v)
        return;
    if (r->fail) {
        emu_volume_remove(st, r->object_id);
        return;
    }
    /* A destroy issued while creating keeps the volume DELETING. */
    if (v->status == EMU_VOL_CREATING)
        v->status = EMU_VOL_READY;
    check_fs(emu_hostfs_create(st, v->id, why, sizeof why), "create", v->id, why);
}

static void apply_destroy(struct emu_state *st, struct emu_request *r, struct emu_volume *v)
{
    char why[512];

    if (!v)
        return;
    if (r->fail) {
        v->status = emu_request_pending(st, EMU_REQ_CREATE, v->id, NULL) ? EMU_VOL_CREATING
                                                                         : EMU_VOL_READY;
        return;
    }
    check_fs(emu_hostfs_destroy(st, v->id, why, sizeof why), "destroy", v->id, why);
    emu_volume_remove(st, r->object_id);
}

static void apply_attach(struct emu_state *st, struct emu_request *r, struct emu_volume *v)
{
    char why[512];

    if (!emu_volume_add_cluster(v, r->cluster)) {
        fail_request(r, "Out of memory attaching the volume");
        return;
    }
    if (v->n_clusters == 1)
        check_fs(emu_hostfs_attach(st, v->id, why, sizeof why), "attach", v->id, why);
}

static void apply_detach(struct emu_state *st, struct emu_request *r, struct emu_volume *v)
{
    char why[512];
    bool was_attached = emu_volume_has_cluster(v, r->cluster);

    emu_volume_drop_cluster(v, r->cluster);
    if (was_attached && v->n_clusters == 0)
        check_fs(emu_hostfs_detach(st, v->id, why, sizeof why), "detach", v->id, why);
}

static void apply_edit(struct emu_request *r, struct emu_volume *v)
{
    const struct emu_edit *e = &r->edit;

    if (e->has_name) {
        char *name = strdup(e->name);
        if (!name) {
            fail_request(r, "Out of memory renaming the volume");
            return;
        }
        free(v->name);
        v->name = name;
    }
    if (e->has_protection)
        v->deletion_protection = e->protection;
    /* Two grows may complete out of order; the volume never shrinks. */
    if (e->has_size && e->size_gb > v->size_gb)
        v->size_gb = e->size_gb;
}

void emu_effect_apply(struct emu_state *st, struct emu_request *r)
{
    struct emu_volume *v = emu_volume_find(st, r->object_id);

    r->applied = true;
    if (r->fail)
        set_message(r, SIMULATED_FAILURE);
    switch (r->type) {
    case EMU_REQ_CREATE:
        apply_create(st, r, v);
        return;
    case EMU_REQ_DESTROY:
        apply_destroy(st, r, v);
        return;
    default:
        break;
    }
    if (r->fail)
        return;
    if (!v) {
        fail_request(r, "Storage volume no longer exists");
        return;
    }
    if (r->type == EMU_REQ_ATTACH)
        apply_attach(st, r, v);
    else if (r->type == EMU_REQ_DETACH)
        apply_detach(st, r, v);
    else
        apply_edit(r, v);
}
