/* client.c - one blocking unary call: a single batch with every op, plucked
 * from the handle's own queue. */
#include "csi/client.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi.pb-c.h"
#include "csi/endpoint.h"

struct csi_client {
    grpc_channel *channel;
    grpc_completion_queue *cq;
};

struct csi_client *csi_client_new(const char *endpoint, char *msg, size_t msglen)
{
    struct csi_endpoint ep;
    if (csi_endpoint_parse(endpoint, &ep, msg, msglen) != CSI_OK)
        return NULL;
    struct csi_client *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    c->channel = grpc_channel_create(ep.grpc_addr, creds, NULL);
    grpc_channel_credentials_release(creds);
    c->cq = grpc_completion_queue_create_for_pluck(NULL);
    return c;
}

void csi_client_free(struct csi_client *c)
{
    if (!c)
        return;
    grpc_channel_destroy(c->channel);
    grpc_completion_queue_shutdown(c->cq);
    while (grpc_completion_queue_pluck(c->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(c->cq);
    free(c);
}

static grpc_byte_buffer *pack(const ProtobufCMessage *m)
{
    grpc_slice sl = grpc_slice_malloc(protobuf_c_message_get_packed_size(m));
    protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(sl));
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&sl, 1);
    grpc_slice_unref(sl);
    return bb;
}

static ProtobufCMessage *unpack(const ProtobufCMessageDescriptor *d, grpc_byte_buffer *bb, struct csi_arena *a)
{
    grpc_byte_buffer_reader reader;
    if (!bb || !grpc_byte_buffer_reader_init(&reader, bb))
        return NULL;
    grpc_slice sl = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    ProtobufCAllocator alloc = csi_arena_allocator(a);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &alloc, GRPC_SLICE_LENGTH(sl), GRPC_SLICE_START_PTR(sl));
    grpc_slice_unref(sl);
    return m;
}

grpc_status_code csi_client_call(struct csi_client *c, const struct csi_route *route, const ProtobufCMessage *req,
                                 struct csi_arena *a, ProtobufCMessage **resp, int64_t timeout_ms, char *msg,
                                 size_t msglen)
{
    gpr_timespec deadline = timeout_ms > 0 ? gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                                          gpr_time_from_millis(timeout_ms, GPR_TIMESPAN))
                                           : gpr_inf_future(GPR_CLOCK_MONOTONIC);
    grpc_slice method = grpc_slice_from_static_string(route->path);
    grpc_call *call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq, method, NULL,
                                               deadline, NULL);
    grpc_byte_buffer *send = pack(req), *recv = NULL;
    grpc_metadata_array initial_md, trailing_md;
    grpc_metadata_array_init(&initial_md);
    grpc_metadata_array_init(&trailing_md);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    if (grpc_call_start_batch(call, ops, 6, call, NULL) == GRPC_CALL_OK)
        grpc_completion_queue_pluck(c->cq, call, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    *resp = NULL;
    if (status == GRPC_STATUS_OK && !(*resp = unpack(route->md->output, recv, a))) {
        status = GRPC_STATUS_INTERNAL;
        snprintf(msg, msglen, "reply is not a valid %s", route->md->output->name);
    } else if (status != GRPC_STATUS_OK) {
        snprintf(msg, msglen, "%.*s", (int)GRPC_SLICE_LENGTH(details), (const char *)GRPC_SLICE_START_PTR(details));
        for (char *p = msg; *p; p++) /* a server's text must not drive the terminal */
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = ' ';
    }
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&initial_md);
    grpc_metadata_array_destroy(&trailing_md);
    grpc_byte_buffer_destroy(send);
    if (recv)
        grpc_byte_buffer_destroy(recv);
    grpc_call_unref(call);
    return status;
}

struct csi_router *csi_client_router(void)
{
    static struct csi_service all[] = {
        {.descriptor = &csi__v1__identity__descriptor},
        {.descriptor = &csi__v1__controller__descriptor},
        {.descriptor = &csi__v1__node__descriptor},
        {.descriptor = &csi__v1__group_controller__descriptor},
    };
    const struct csi_service *list[] = {&all[0], &all[1], &all[2], &all[3]};
    char msg[128];
    return csi_router_new(list, 4, msg, sizeof msg);
}
