/* record.c - the capacity of a subdir volume. A directory has no size of
 * its own, yet CSI wants CreateVolume retries with an incompatible size
 * refused (ALREADY_EXISTS) and expansions remembered, so the size is kept
 * in a small file beside the directories: <volume>/.tensorpool-csi/<dir>. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller.h"
#include "csi/fsop.h"

#define RECORD_DIR VID_RESERVED_DIR

/* <voldir>/.tensorpool-csi/<path with '/' as '%'> (vid_path_valid refuses '%'). */
static bool record_path(const char *voldir, const char *path, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/" RECORD_DIR "/%s", voldir, path);
    if (n < 0 || (size_t)n >= len)
        return false;
    for (char *p = out + strlen(voldir) + sizeof RECORD_DIR + 1; *p; p++)
        if (*p == '/')
            *p = '%';
    return true;
}

/* The record's file, checked to be inside the volume (".tensorpool-csi"
 * could be a planted symlink). 0, ENOENT (no record directory), EXDEV. */
static int locate(const char *voldir, const char *path, char *file, size_t len, int64_t deadline_ns)
{
    if (!record_path(voldir, path, file, len))
        return ENAMETOOLONG;
    return csi_fs_inside(voldir, file, deadline_ns);
}

int ctl_record_get(const char *voldir, const char *path, int64_t *capacity, int64_t deadline_ns)
{
    char file[CSI_MAX_PATH_LEN], text[CSI_FS_SMALL + 1];
    int e = locate(voldir, path, file, sizeof file, deadline_ns);
    if (!e)
        e = csi_fs_read_small(file, text, sizeof text, deadline_ns);
    if (e)
        return e;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || v < 0)
        return EINVAL; /* not ours to interpret: treat as no record */
    *capacity = v;
    return 0;
}

int ctl_record_set(const char *voldir, const char *path, int64_t capacity, int64_t deadline_ns)
{
    char dir[CSI_MAX_PATH_LEN], file[CSI_MAX_PATH_LEN], text[32];
    snprintf(dir, sizeof dir, "%s/" RECORD_DIR, voldir);
    int e = csi_fs_mkdir(dir, 0755, deadline_ns);
    if (e && e != EEXIST)
        return e;
    if ((e = locate(voldir, path, file, sizeof file, deadline_ns)))
        return e;
    snprintf(text, sizeof text, "%" PRId64 "\n", capacity);
    return csi_fs_write_small(file, text, deadline_ns);
}

int ctl_record_remove(const char *voldir, const char *path, int64_t deadline_ns)
{
    char file[CSI_MAX_PATH_LEN];
    int e = locate(voldir, path, file, sizeof file, deadline_ns);
    if (e == ENOENT)
        return 0;
    return e ? e : csi_fs_remove_tree(file, deadline_ns);
}
