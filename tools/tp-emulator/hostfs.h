/* hostfs.h - where a volume's data lives on this machine. A detached volume's
 * data is <data_dir>/<id>; while attached to at least one cluster it is moved
 * to <host_root>/mnt/<id>, the path a TensorPool instance would see, so the
 * node plugin can be tested against real directories. Moves are rename(2), so
 * the data dir and the host root belong on one file system. Callers hold the
 * state lock; failures are reported through why, never printed. */
#ifndef EMU_HOSTFS_H
#define EMU_HOSTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

bool emu_hostfs_create(const struct emu_state *st, const char *id, char *why, size_t whylen);
/* The volume's first cluster attached: data moves under <host_root>/mnt. */
bool emu_hostfs_attach(const struct emu_state *st, const char *id, char *why, size_t whylen);
/* Its last cluster detached: data moves back to <data_dir>. */
bool emu_hostfs_detach(const struct emu_state *st, const char *id, char *why, size_t whylen);
bool emu_hostfs_destroy(const struct emu_state *st, const char *id, char *why, size_t whylen);

#endif
