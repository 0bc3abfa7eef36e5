/* volume_id.c - parsing and writing volume ids (see volume_id.h). Every
 * part is validated both ways, so an id the driver writes always parses
 * back to the same struct, and a hand-written one is rejected, not guessed. */
#include "controller/volume_id.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *vid_on_delete_name(enum vid_on_delete d)
{
    switch (d) {
    case VID_RETAIN: return "retain";
    case VID_DELETE: return "delete";
    case VID_ARCHIVE: return "archive";
    }
    return "retain";
}

bool vid_storage_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n < 3 || n >= VID_NAME_MAX || strncmp(id, "s-", 2) != 0)
        return false;
    for (const char *p = id + 2; *p; p++)
        if (!isalnum((unsigned char)*p))
            return false;
    return true;
}

static bool looks_like_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

bool vid_bucket_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > 63 || !isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[n - 1]))
        return false;
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
            return false;
    return !strstr(name, "..") && !looks_like_ipv4(name);
}

bool vid_path_valid(const char *path)
{
    size_t n = strlen(path);
    if (n == 0 || n >= VID_PATH_MAX || path[0] == '/' || path[n - 1] == '/' || strstr(path, "//"))
        return false;
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ';' || *p == '\\' || *p == '%')
            return false;
    char copy[VID_PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
        if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0 || strcmp(c, VID_RESERVED_DIR) == 0)
            return false;
    return csi_utf8_valid(path, n);
}

static bool parse_options(char *opts, struct vid *v)
{
    char *save = NULL;
    for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (strcmp(o, "detach") == 0)
            v->detach_on_unpublish = true;
        else if (strcmp(o, "d=delete") == 0)
            v->on_delete = VID_DELETE;
        else if (strcmp(o, "d=archive") == 0)
            v->on_delete = VID_ARCHIVE;
        else if (strcmp(o, "d=retain") != 0)
            return false;
    }
    return true;
}

bool vid_parse(const char *id, struct vid *out)
{
    char buf[CSI_MAX_ID_LEN + 1];
    if (strlen(id) > CSI_MAX_ID_LEN)
        return false;
    snprintf(buf, sizeof buf, "%s", id);
    memset(out, 0, sizeof *out);
    char *semi = strchr(buf, ';');
    if (semi) {
        *semi = 0;
        if (!parse_options(semi + 1, out))
            return false;
    }
    bool shared = strncmp(buf, "shared/", 7) == 0, object = strncmp(buf, "object/", 7) == 0;
    if (!shared && !object)
        return false;
    char *name = buf + 7, *slash = strchr(name, '/');
    if (slash)
        *slash = 0;
    if (strlen(name) >= VID_NAME_MAX || (shared ? !vid_storage_id_valid(name) : !vid_bucket_valid(name)))
        return false;
    if (slash && !vid_path_valid(slash + 1))
        return false;
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->path, sizeof out->path, "%s", slash ? slash + 1 : "");
    out->kind = shared ? (slash ? VID_SHARED_SUBDIR : VID_SHARED_VOLUME) : (slash ? VID_OBJECT_PREFIX : VID_OBJECT_BUCKET);
    return true;
}

bool vid_format(const struct vid *v, char *out, size_t outlen)
{
    bool shared = v->kind == VID_SHARED_VOLUME || v->kind == VID_SHARED_SUBDIR;
    bool has_path = v->kind == VID_SHARED_SUBDIR || v->kind == VID_OBJECT_PREFIX;
    if ((shared ? !vid_storage_id_valid(v->name) : !vid_bucket_valid(v->name)) || (has_path && !vid_path_valid(v->path)))
        return false;
    char opts[32] = "";
    if (v->on_delete != VID_RETAIN || v->detach_on_unpublish)
        snprintf(opts, sizeof opts, ";%s%s%s", v->on_delete != VID_RETAIN ? "d=" : "",
                 v->on_delete != VID_RETAIN ? vid_on_delete_name(v->on_delete) : "",
                 v->detach_on_unpublish ? (v->on_delete != VID_RETAIN ? ",detach" : "detach") : "");
    int n = snprintf(out, outlen, "%s/%s%s%s%s", shared ? "shared" : "object", v->name, has_path ? "/" : "",
                     has_path ? v->path : "", opts);
    return n > 0 && (size_t)n < outlen && n <= CSI_MAX_ID_LEN;
}
