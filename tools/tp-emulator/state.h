/* state.h - everything the emulator knows: volumes, async requests, object
 * storage, run-time config, fault engine and stats, behind one mutex. Every
 * handler runs with the lock held, so the model needs no finer locking and
 * fault draws happen in a well-defined order. */
#ifndef EMU_STATE_H
#define EMU_STATE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buckets.h"
#include "faults.h"

#define EMU_VOLUME_ID_LEN 12  /* "s-" + 10 */
#define EMU_REQUEST_ID_LEN 16 /* "req_" + 12 */

enum emu_volume_status { EMU_VOL_CREATING, EMU_VOL_READY, EMU_VOL_DELETING };

enum emu_request_type {
    EMU_REQ_CREATE,
    EMU_REQ_DESTROY,
    EMU_REQ_ATTACH,
    EMU_REQ_DETACH,
    EMU_REQ_EDIT,
};

enum emu_list_format { EMU_LIST_TEXT, EMU_LIST_STRUCTURED, EMU_LIST_BOTH };

struct emu_volume {
    char id[EMU_VOLUME_ID_LEN + 1];
    char *name; /* NULL: no name */
    int64_t size_gb;
    enum emu_volume_status status;
    bool deletion_protection;
    char **clusters; /* attached clusters, in attach order */
    size_t n_clusters;
    int64_t created_ms;
};

/* The fields a STORAGE_EDIT request applies when it completes. */
struct emu_edit {
    bool has_name, has_protection, has_size;
    char *name;
    bool protection;
    int64_t size_gb;
};

struct emu_request {
    char id[EMU_REQUEST_ID_LEN + 1];
    enum emu_request_type type;
    char object_id[EMU_VOLUME_ID_LEN + 1];
    int64_t created_ms; /* CLOCK_REALTIME, so a restart continues the clock */
    int64_t delay_ms;   /* the provisioning delay when it was created */
    bool fail;          /* planned outcome, drawn at creation */
    bool applied;       /* effects done; the request is terminal */
    char *message;      /* external_message once terminal, may be NULL */
    char *cluster;      /* attach/detach target */
    struct emu_edit edit;
};

struct emu_config {
    enum emu_list_format list_format;
    int64_t delay_ms;
    int64_t retry_after;
    bool has_balance; /* false: unlimited */
    double balance;
};

struct emu_s3 {
    const char *endpoint, *region, *access_key, *secret_key;
};

struct emu_state {
    pthread_mutex_t lock;
    const char *path;      /* state file; NULL keeps everything in memory */
    char *data_dir;        /* per-volume data dirs; NULL: none kept */
    const char *host_root; /* attached volumes appear in <host_root>/mnt */
    struct emu_config cfg;
    struct emu_s3 s3;
    struct emu_fault_engine faults;

    struct emu_volume **volumes;
    size_t n_volumes, cap_volumes;
    struct emu_request **requests;
    size_t n_requests, cap_requests;

    bool os_enabled;
    int64_t os_enabled_ms;
    struct emu_bucket_store *buckets;

    json_t *stats_by_route;
    int64_t stats_total;
};

bool emu_state_init(struct emu_state *st);
void emu_state_free(struct emu_state *st);
void emu_state_lock(struct emu_state *st);
void emu_state_unlock(struct emu_state *st);

struct emu_volume *emu_volume_find(struct emu_state *st, const char *id);
/* A new volume with a fresh unique id, appended to the list. */
struct emu_volume *emu_volume_add(struct emu_state *st);
void emu_volume_remove(struct emu_state *st, const char *id);
bool emu_volume_has_cluster(const struct emu_volume *v, const char *cluster);
bool emu_volume_add_cluster(struct emu_volume *v, const char *cluster);
void emu_volume_drop_cluster(struct emu_volume *v, const char *cluster);

/* A new request with a fresh id, created now, with the configured delay and
 * an outcome drawn from the fault engine. */
struct emu_request *emu_request_add(struct emu_state *st, enum emu_request_type type,
                                    const char *object_id);
/* Appends an already built request (state-file loading); false on OOM. */
bool emu_request_append(struct emu_state *st, struct emu_request *r);
struct emu_request *emu_request_find(struct emu_state *st, const char *id);
/* The first not-yet-applied request of this type on object_id (and cluster,
 * when not NULL), or NULL. */
struct emu_request *emu_request_pending(struct emu_state *st, enum emu_request_type type,
                                        const char *object_id, const char *cluster);
void emu_request_free(struct emu_request *r);
void emu_volume_free(struct emu_volume *v);

const char *emu_volume_status_name(enum emu_volume_status s);
bool emu_volume_status_parse(const char *s, enum emu_volume_status *out);
const char *emu_request_type_name(enum emu_request_type t);
bool emu_request_type_parse(const char *s, enum emu_request_type *out);
const char *emu_list_format_name(enum emu_list_format f);
bool emu_list_format_parse(const char *s, enum emu_list_format *out);

#endif
