/* render.c - the text formats:
 *
 *   Storage volumes (N):
 *   | ID | Name | Size (GB) | Status | Attached clusters | Deletion protection |
 *   |---|---|---|---|---|---|
 *   | s-abcdefghij | my-name | 10 | READY | c-1, c-2 | Yes |
 *
 * and "Storage volume <id>" followed by "Key: value" lines. A missing name
 * and an empty cluster list show as "-". Names are printed unescaped (the
 * real server's escaping is unknown), so a name containing '|' or a newline
 * makes the table ambiguous: clients should not create such names. */
#include "render.h"

#include <string.h>

#include "buf.h"

json_t *emu_volume_json(const struct emu_volume *v)
{
    json_t *clusters = json_array();
    for (size_t i = 0; i < v->n_clusters; i++)
        json_array_append_new(clusters, json_string(v->clusters[i]));
    return json_pack("{ss so sI ss sb so}", "storage_id", v->id, "name",
                     v->name ? json_string(v->name) : json_null(), "size_gb",
                     (json_int_t)v->size_gb, "status", emu_volume_status_name(v->status),
                     "deletion_protection", v->deletion_protection, "attached_clusters",
                     clusters);
}

static void put_clusters(struct emu_buf *b, const struct emu_volume *v)
{
    if (v->n_clusters == 0)
        emu_buf_addf(b, "-");
    for (size_t i = 0; i < v->n_clusters; i++)
        emu_buf_addf(b, "%s%s", i ? ", " : "", v->clusters[i]);
}

char *emu_render_list(struct emu_volume *const *volumes, size_t n)
{
    struct emu_buf b = {0};

    if (n == 0)
        return strdup("No storage volumes found.");
    emu_buf_addf(&b, "Storage volumes (%zu):\n", n);
    emu_buf_addf(&b, "| ID | Name | Size (GB) | Status | Attached clusters | Deletion protection |\n");
    emu_buf_addf(&b, "|---|---|---|---|---|---|");
    for (size_t i = 0; i < n; i++) {
        const struct emu_volume *v = volumes[i];
        emu_buf_addf(&b, "\n| %s | %s | %lld | %s | ", v->id, v->name ? v->name : "-",
                     (long long)v->size_gb, emu_volume_status_name(v->status));
        put_clusters(&b, v);
        emu_buf_addf(&b, " | %s |", v->deletion_protection ? "Yes" : "No");
    }
    return emu_buf_take(&b);
}

char *emu_render_info(const struct emu_volume *v)
{
    struct emu_buf b = {0};

    emu_buf_addf(&b, "Storage volume %s\nID: %s\nName: %s\nSize: %lld GB\nStatus: %s\n", v->id,
                 v->id, v->name ? v->name : "-", (long long)v->size_gb,
                 emu_volume_status_name(v->status));
    emu_buf_addf(&b, "Attached clusters: ");
    put_clusters(&b, v);
    emu_buf_addf(&b, "\nDeletion protection: %s", v->deletion_protection ? "Yes" : "No");
    return emu_buf_take(&b);
}
