/* pbmap.c - map lookups through the entry's descriptor (fields 1 and 2). */
#include "csi/pbmap.h"

#include <string.h>

const char *csi_map_get(void *const *entries, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        const ProtobufCMessage *e = entries[i];
        const ProtobufCFieldDescriptor *k = &e->descriptor->fields[0], *v = &e->descriptor->fields[1];
        const char *ek = *(char *const *)((const char *)e + k->offset);
        if (ek && strcmp(ek, key) == 0)
            return *(char *const *)((const char *)e + v->offset);
    }
    return NULL;
}
