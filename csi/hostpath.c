/* hostpath.c - the /mnt name patterns of attached volumes, first match wins. */
#include "csi/hostpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "csi/fsop.h"

#define ID_TOKEN "{id}"

bool csi_hostpath_patterns_valid(const char *patterns)
{
    char copy[512];
    if (!*patterns || snprintf(copy, sizeof copy, "%s", patterns) >= (int)sizeof copy)
        return false;
    char *save = NULL;
    for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char *id = strstr(p, ID_TOKEN);
        if (p[0] == '/' || !id || strstr(id + 1, ID_TOKEN) || strstr(p, ".."))
            return false;
    }
    return true;
}

/* <root>/<pattern with {id} replaced>; false if it does not fit. */
static bool expand(const char *root, const char *pattern, size_t plen, const char *id, char *out, size_t outlen)
{
    const char *tok = strstr(pattern, ID_TOKEN);
    size_t rlen = strlen(root), before = (size_t)(tok - pattern);
    const char *sep = rlen && root[rlen - 1] == '/' ? "" : "/";
    int n = snprintf(out, outlen, "%s%s%.*s%s%.*s", root, sep, (int)before, pattern, id,
                     (int)(plen - before - strlen(ID_TOKEN)), tok + strlen(ID_TOKEN));
    return n >= 0 && (size_t)n < outlen;
}

int csi_hostpath_find(const struct csi_driver *d, const char *storage_id, char *out, size_t outlen,
                      int64_t deadline_ns)
{
    const char *p = d->host_patterns ? d->host_patterns : CSI_DEFAULT_HOST_PATTERNS;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *tok = strstr(p, ID_TOKEN);
        if (tok && (size_t)(tok - p) < len) { /* checked at start-up; a bad entry is skipped */
            if (!expand(d->host_root, p, len, storage_id, out, outlen))
                return ENAMETOOLONG;
            int r = csi_fs_is_dir(out, deadline_ns);
            if (r != ENOENT)
                return r;
        }
        p += len + (p[len] == ',');
    }
    return ENOENT;
}
