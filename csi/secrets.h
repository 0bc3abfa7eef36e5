/* secrets.h - which csi.v1 fields carry secrets.
 *
 * csi.proto marks them with the (csi.v1.csi_secret) option, which protoc-c
 * drops; proto/gen_secrets.py regenerates this table from the proto at build
 * time, so it cannot drift from the spec.
 */
#ifndef CSI_SECRETS_H
#define CSI_SECRETS_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

struct csi_secret_field {
    const char *message; /* full name, e.g. "csi.v1.CreateVolumeRequest" */
    unsigned number;
    const char *field;
};

extern const struct csi_secret_field csi_secret_fields[];
extern const size_t csi_secret_field_count;

/* True if field f of message d is marked csi_secret. */
bool csi_field_is_secret(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f);

#endif
