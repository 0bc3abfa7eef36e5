/* secrets.c - lookup in the generated csi_secret table (19 rows in v1.12, so a
 * linear scan is cheaper than anything cleverer). */
#include "csi/secrets.h"

#include <string.h>

bool csi_field_is_secret(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
    for (size_t i = 0; i < csi_secret_field_count; i++)
        if (csi_secret_fields[i].number == f->id && strcmp(csi_secret_fields[i].message, d->name) == 0)
            return true;
    return false;
}
