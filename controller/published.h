/* published.h - which nodes the controller published each volume to, kept in
 * memory so ControllerUnpublishVolume can tell whether another node of the
 * same cluster still uses a TensorPool volume before it detaches it.
 *
 * The table is lost when the controller restarts; callers must then treat
 * "unknown" as "maybe still in use" and never detach on it. Records of one
 * storage id and cluster being detached block new publications of it (the
 * publisher gets CTL_PUB_DETACHING and answers ABORTED), so a publish cannot
 * slip in between the "nobody else uses it" check and the detach.
 */
#ifndef CTL_PUBLISHED_H
#define CTL_PUBLISHED_H

#include <stdbool.h>
#include <stddef.h>

#include "csi/arena.h"

enum ctl_pub_add {
    CTL_PUB_ADDED,     /* a new record */
    CTL_PUB_EXISTED,   /* already recorded: a repeated publish */
    CTL_PUB_DETACHING, /* storage is being detached from cluster: not recorded */
};

/* Records volume_id on node_id. storage and cluster name what the
 * publication depends on ("" for object volumes, which need no attach). */
enum ctl_pub_add ctl_published_add(const char *volume_id, const char *node_id, const char *storage,
                                   const char *cluster);

/* Forgets volume_id on node_id (a no-op if unknown). */
void ctl_published_remove(const char *volume_id, const char *node_id);

/* The nodes volume_id is recorded on, copied into a (NULL-terminated). */
char **ctl_published_nodes(const char *volume_id, struct csi_arena *a, size_t *n);

/* This process attached storage to cluster itself (it saw it detached), so
 * every publication of it since is in the table. Only then may an
 * unpublish detach: after a restart, nodes that published before are
 * unknown. ctl_published_forget_attach after a successful detach. */
void ctl_published_attached_here(const char *storage, const char *cluster);
void ctl_published_forget_attach(const char *storage, const char *cluster);

enum ctl_pub_detach {
    CTL_DETACH_CLAIMED, /* the caller must detach, then call ctl_published_remove */
    CTL_DETACH_UNKNOWN, /* no record of volume_id on node_id, or the attach predates this process: do not detach */
    CTL_DETACH_IN_USE,  /* another publication needs storage on that cluster */
};

/* Decides, atomically, whether unpublishing volume_id from node_id may detach
 * its storage from the node's cluster; on CTL_DETACH_CLAIMED the record is
 * marked so publications of that storage on that cluster wait for the
 * detach. ctl_published_unclaim undoes the mark when the detach failed. */
enum ctl_pub_detach ctl_published_claim_detach(const char *volume_id, const char *node_id);
void ctl_published_unclaim(const char *volume_id, const char *node_id);

/* Number of records (tests). */
size_t ctl_published_count(void);

#endif
