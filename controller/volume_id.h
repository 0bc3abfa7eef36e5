/* volume_id.h - the CSI volume id: what a volume is, and what deleting it
 * should do, in at most 128 bytes the CO hands back on every call.
 *
 *   shared/<storage_id>              a whole TensorPool volume (mode=volume)
 *   shared/<storage_id>/<dir>        a directory inside one (mode=subdir)
 *   object/<bucket>                  a whole bucket (mode=bucket)
 *   object/<bucket>/<prefix>         a prefix inside one (mode=prefix)
 *
 * optionally followed by ";" and comma-separated options chosen at create
 * time, because DeleteVolume and ControllerUnpublishVolume receive nothing
 * but the id: "d=delete" / "d=archive" (onDelete; absent: retain) and
 * "detach" (detachOnUnpublish). Static PVs write the same forms by hand.
 */
#ifndef CTL_VOLUME_ID_H
#define CTL_VOLUME_ID_H

#include <stdbool.h>
#include <stddef.h>

#include "csi/validate.h"

enum vid_kind { VID_SHARED_VOLUME, VID_SHARED_SUBDIR, VID_OBJECT_BUCKET, VID_OBJECT_PREFIX };
enum vid_on_delete { VID_RETAIN, VID_DELETE, VID_ARCHIVE };

#define VID_NAME_MAX 64  /* storage id or bucket */
#define VID_PATH_MAX 128 /* dir or prefix */

struct vid {
    enum vid_kind kind;
    char name[VID_NAME_MAX]; /* storage id (s-...) or bucket */
    char path[VID_PATH_MAX]; /* dir or prefix; "" for whole volumes and buckets */
    enum vid_on_delete on_delete;
    bool detach_on_unpublish;
};

/* Parses id. False if it is not one of the forms above (DeleteVolume
 * answers OK for such ids; other RPCs NOT_FOUND). */
bool vid_parse(const char *id, struct vid *out);

/* Writes the id; false if it would exceed CSI_MAX_ID_LEN or a part is not
 * valid (then out is unspecified). */
bool vid_format(const struct vid *v, char *out, size_t outlen);

/* The driver's own directory inside a TensorPool volume (subdir sizes). */
#define VID_RESERVED_DIR ".tensorpool-csi"

/* A dir or prefix: relative, '/'-separated, no empty, "." or ".." or
 * VID_RESERVED_DIR component, printable, no ';' or '%'. */
bool vid_path_valid(const char *path);

/* An S3 bucket name: 3-63 of [a-z0-9.-], alphanumeric at both ends, no
 * "..", not an IPv4 address. */
bool vid_bucket_valid(const char *name);

/* A TensorPool storage id: "s-" then letters and digits. */
bool vid_storage_id_valid(const char *id);

const char *vid_on_delete_name(enum vid_on_delete d);

#endif
