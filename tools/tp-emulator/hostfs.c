/* hostfs.c - directory moves for attach/detach. A move is one rename(2), so
 * the data is either in the data dir or under the host root, never half. */
#include "hostfs.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool path_join(char out[PATH_MAX], const char *a, const char *b, const char *c)
{
    int n = c ? snprintf(out, PATH_MAX, "%s/%s/%s", a, b, c) : snprintf(out, PATH_MAX, "%s/%s", a, b);
    return n > 0 && n < PATH_MAX;
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static bool mkdir_p(const char *path, char *why, size_t whylen)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);

    if (len >= sizeof buf) {
        snprintf(why, whylen, "path too long: %s", path);
        return false;
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            snprintf(why, whylen, "mkdir %s: %s", buf, strerror(errno));
            return false;
        }
        *p = saved;
        if (saved == '\0')
            return true;
    }
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static bool remove_tree(const char *path, char *why, size_t whylen)
{
    if (!exists(path))
        return true;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        snprintf(why, whylen, "remove %s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

static bool move_dir(const char *from, const char *to, char *why, size_t whylen)
{
    if (rename(from, to) != 0) {
        snprintf(why, whylen, "rename %s to %s: %s", from, to, strerror(errno));
        return false;
    }
    return true;
}

bool emu_hostfs_create(const struct emu_state *st, const char *id, char *why, size_t whylen)
{
    char dir[PATH_MAX];

    if (!st->data_dir)
        return true;
    if (!path_join(dir, st->data_dir, id, NULL)) {
        snprintf(why, whylen, "data dir path too long");
        return false;
    }
    return mkdir_p(dir, why, whylen);
}

bool emu_hostfs_attach(const struct emu_state *st, const char *id, char *why, size_t whylen)
{
    char mnt[PATH_MAX], mounted[PATH_MAX], data[PATH_MAX];

    if (!st->host_root)
        return true;
    if (!path_join(mnt, st->host_root, "mnt", NULL) || !path_join(mounted, st->host_root, "mnt", id)) {
        snprintf(why, whylen, "host root path too long");
        return false;
    }
    if (!mkdir_p(mnt, why, whylen))
        return false;
    if (exists(mounted))
        return true;
    if (st->data_dir && path_join(data, st->data_dir, id, NULL) && exists(data) &&
        !move_dir(data, mounted, why, whylen)) {
        /* Typically EXDEV (data dir and host root on different file systems):
         * the volume still appears, empty, and the failure is reported. */
        char ignored[64];
        mkdir_p(mounted, ignored, sizeof ignored);
        return false;
    }
    return mkdir_p(mounted, why, whylen);
}

bool emu_hostfs_detach(const struct emu_state *st, const char *id, char *why, size_t whylen)
{
    char mounted[PATH_MAX], data[PATH_MAX];

    if (!st->host_root)
        return true;
    if (!path_join(mounted, st->host_root, "mnt", id)) {
        snprintf(why, whylen, "host root path too long");
        return false;
    }
    if (!exists(mounted))
        return true;
    /* Without a data dir there is nowhere to keep the data: it goes. */
    if (!st->data_dir || !path_join(data, st->data_dir, id, NULL))
        return remove_tree(mounted, why, whylen);
    return mkdir_p(st->data_dir, why, whylen) && remove_tree(data, why, whylen) &&
           move_dir(mounted, data, why, whylen);
}

bool emu_hostfs_destroy(const struct emu_state *st, const char *id, char *why, size_t whylen)
{
    char path[PATH_MAX];
    bool ok = true;

    if (st->host_root && path_join(path, st->host_root, "mnt", id))
        ok = remove_tree(path, why, whylen);
    if (st->data_dir && path_join(path, st->data_dir, id, NULL))
        ok = remove_tree(path, why, whylen) && ok;
    return ok;
}
