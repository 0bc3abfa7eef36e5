/* endpoint.c - parsing and owning listen addresses (see endpoint.h). */
#include "csi/endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_loopback(const char *host, size_t len)
{
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && strncmp(host, names[i], len) == 0)
            return true;
    return false;
}

static enum csi_err parse_tcp(const char *hostport, struct csi_endpoint *ep, char *msg, size_t msglen)
{
    const char *colon = strrchr(hostport, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon[1] == 0 || *end || port < 0 || port > 65535) {
        snprintf(msg, msglen, "tcp endpoint needs HOST:PORT with a port from 0 to 65535");
        return CSI_E_INVALID;
    }
    if (!is_loopback(hostport, (size_t)(colon - hostport))) {
        snprintf(msg, msglen, "tcp endpoints are for debugging and must be on 127.0.0.1, localhost or [::1]");
        return CSI_E_INVALID;
    }
    snprintf(ep->grpc_addr, sizeof ep->grpc_addr, "%s", hostport);
    return CSI_OK;
}

enum csi_err csi_endpoint_parse(const char *uri, struct csi_endpoint *ep, char *msg, size_t msglen)
{
    memset(ep, 0, sizeof *ep);
    ep->lock_fd = -1;
    if (strncmp(uri, "tcp://", 6) == 0)
        return parse_tcp(uri + 6, ep, msg, msglen);
    const char *path = NULL;
    if (strncmp(uri, "unix://", 7) == 0)
        path = uri + 7;
    else if (uri[0] == '/')
        path = uri; /* a bare path is what many CO manifests pass */
    if (!path || path[0] != '/') {
        snprintf(msg, msglen, "endpoint must be unix:///absolute/path or tcp://127.0.0.1:PORT");
        return CSI_E_INVALID;
    }
    if (strlen(path) > CSI_UNIX_PATH_MAX - 5) { /* room for the ".lock" beside it */
        snprintf(msg, msglen, "unix socket path is longer than %d bytes", CSI_UNIX_PATH_MAX - 5);
        return CSI_E_INVALID;
    }
    ep->is_unix = true;
    snprintf(ep->path, sizeof ep->path, "%s", path);
    snprintf(ep->grpc_addr, sizeof ep->grpc_addr, "unix:%s", path);
    return CSI_OK;
}

static int mkdir_parents(const char *path)
{
    char dir[CSI_UNIX_PATH_MAX + 1];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        if (mkdir(dir, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

static enum csi_err take_lock(struct csi_endpoint *ep, char *msg, size_t msglen)
{
    char lock_path[CSI_UNIX_PATH_MAX + 8];
    snprintf(lock_path, sizeof lock_path, "%s.lock", ep->path);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(msg, msglen, "cannot open lock file %s: %s", lock_path, strerror(errno));
        return csi_err_from_errno(errno);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK) {
            snprintf(msg, msglen, "another instance is already serving %s", ep->path);
            return CSI_E_BUSY;
        }
        snprintf(msg, msglen, "cannot lock %s: %s", lock_path, strerror(e));
        return csi_err_from_errno(e);
    }
    ep->lock_fd = fd;
    return CSI_OK;
}

static enum csi_err remove_stale(const struct csi_endpoint *ep, char *msg, size_t msglen)
{
    struct stat st;
    if (lstat(ep->path, &st) != 0)
        return CSI_OK;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(msg, msglen, "%s exists and is not a socket; refusing to replace it", ep->path);
        return CSI_E_PRECONDITION;
    }
    if (unlink(ep->path) != 0 && errno != ENOENT) {
        snprintf(msg, msglen, "cannot remove stale socket %s: %s", ep->path, strerror(errno));
        return csi_err_from_errno(errno);
    }
    return CSI_OK;
}

enum csi_err csi_endpoint_claim(struct csi_endpoint *ep, char *msg, size_t msglen)
{
    if (!ep->is_unix)
        return CSI_OK;
    if (mkdir_parents(ep->path) != 0) {
        snprintf(msg, msglen, "cannot create the directory of %s: %s", ep->path, strerror(errno));
        return csi_err_from_errno(errno);
    }
    enum csi_err err = take_lock(ep, msg, msglen);
    if (err == CSI_OK && (err = remove_stale(ep, msg, msglen)) != CSI_OK) {
        close(ep->lock_fd); /* not release(): the path is not ours to unlink */
        ep->lock_fd = -1;
    }
    return err;
}

enum csi_err csi_endpoint_set_mode(const struct csi_endpoint *ep, char *msg, size_t msglen)
{
    if (ep->is_unix && chmod(ep->path, 0660) != 0) {
        snprintf(msg, msglen, "cannot chmod %s: %s", ep->path, strerror(errno));
        return csi_err_from_errno(errno);
    }
    return CSI_OK;
}

void csi_endpoint_release(struct csi_endpoint *ep)
{
    if (ep->lock_fd < 0)
        return;
    unlink(ep->path);
    close(ep->lock_fd);
    ep->lock_fd = -1;
}
