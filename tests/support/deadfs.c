/* deadfs.c - a tiny FUSE filesystem for tests: an empty root directory,
 * served until the process is killed. Killed with SIGKILL it leaves a dead
 * mount (ENOTCONN), the state a crashed FUSE daemon or a lost NFS server
 * leaves behind, so tests can prove the node repairs such mounts.
 * usage: deadfs MOUNTPOINT   (runs in the foreground) */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <sys/stat.h>

static int getattr_cb(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    (void)fi;
    memset(st, 0, sizeof *st);
    if (strcmp(path, "/") != 0)
        return -ENOENT;
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
}

static int readdir_cb(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
    (void)off;
    (void)fi;
    (void)flags;
    if (strcmp(path, "/") != 0)
        return -ENOENT;
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    return 0;
}

static const struct fuse_operations ops = {.getattr = getattr_cb, .readdir = readdir_cb};

int main(int argc, char **argv)
{
    char *args[] = {argv[0], "-f", "-s", argc > 1 ? argv[1] : "", NULL};
    return fuse_main(4, args, &ops, NULL);
}
