/* pbmap.h - reading protobuf-c map fields (repeated key/value entries)
 * without knowing the generated entry type: every map<string,string> entry
 * of csi.proto has the same layout behind its descriptor. */
#ifndef CSI_PBMAP_H
#define CSI_PBMAP_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* The value for key in entries (any map<string,string> field), or NULL. */
const char *csi_map_get(void *const *entries, size_t n, const char *key);

#endif
