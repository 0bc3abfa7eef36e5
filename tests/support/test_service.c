/* test_service.c - the tensorpool.test.v1.Test service, linked only into
 * tensorpool-csi-testd. Sleep blocks on the worker pool while holding the
 * volume lock, polling the call's cancellation and deadline, so tests can
 * observe pool limits, ABORTED, deadlines, cancellation and draining.
 * MounterCalls returns what the fake mounter was asked to do, for mounts
 * this machine cannot make (NFS). */
#include <time.h>

#include "csi/clock.h"
#include "csi/service.h"
#include "node/mount.h"
#include "testsvc.pb-c.h"

#include "tests/support/test_service.h"

static enum csi_err sleep_handler(struct csi_ctx *ctx, const ProtobufCMessage *msg, ProtobufCMessage **resp)
{
    const Tensorpool__Test__V1__SleepRequest *req = (const void *)msg;
    Tensorpool__Test__V1__SleepResponse *r = csi_ctx_new(ctx, &tensorpool__test__v1__sleep_response__descriptor);
    r->deadline_left_ms = csi_ctx_deadline_left_ms(ctx);
    int64_t start = csi_now_ns(), until = start + req->sleep_ms * CSI_NS_PER_MS;
    while (csi_now_ns() < until) {
        enum csi_err err = csi_ctx_check(ctx);
        if (err)
            return err;
        nanosleep(&(struct timespec){.tv_nsec = 5 * CSI_NS_PER_MS}, NULL);
    }
    r->slept_ms = (csi_now_ns() - start) / CSI_NS_PER_MS;
    *resp = &r->base;
    return CSI_OK;
}

static enum csi_err mounter_calls(struct csi_ctx *ctx, const ProtobufCMessage *msg, ProtobufCMessage **resp)
{
    (void)msg;
    struct mnt_fake *fake = csi_ctx_data(ctx);
    if (!fake)
        return csi_ctx_fail(ctx, CSI_E_PRECONDITION, "start tensorpool-csi-testd with TP_CSI_FAKE_MOUNTER=1");
    Tensorpool__Test__V1__MounterCallsResponse *r =
        csi_ctx_new(ctx, &tensorpool__test__v1__mounter_calls_response__descriptor);
    r->calls = csi_arena_strdup(csi_ctx_arena(ctx), mnt_fake_calls(fake));
    *resp = &r->base;
    return CSI_OK;
}

static const struct csi_method test_methods[] = {
    {.name = "Sleep", .handler = sleep_handler, .flags = CSI_METHOD_BLOCKING, .lock_field = "volume_id"},
    {.name = "MounterCalls", .handler = mounter_calls},
};

struct csi_service test_service = {
    .descriptor = &tensorpool__test__v1__test__descriptor,
    .methods = test_methods,
    .n_methods = sizeof test_methods / sizeof test_methods[0],
};
