/* hostpath.c - the /mnt name patterns of attached volumes, newest first. */
#include "csi/hostpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "csi/fsop.h"

static const char *const prefixes[] = {"mnt/", "mnt/shared-", "mnt/nfs-"};

int csi_hostpath_find(const char *host_root, const char *storage_id, char *out, size_t outlen, int64_t deadline_ns)
{
    size_t rlen = strlen(host_root);
    const char *sep = rlen && host_root[rlen - 1] == '/' ? "" : "/";
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (snprintf(out, outlen, "%s%s%s%s", host_root, sep, prefixes[i], storage_id) >= (int)outlen)
            return ENAMETOOLONG;
        int r = csi_fs_is_dir(out, deadline_ns);
        if (r != ENOENT)
            return r;
    }
    return ENOENT;
}
