/* faults.h - fault injection settings and the seeded draws that turn them
 * into a per-request decision. Callers hold the state lock: the sequence of
 * decisions must depend only on the seed and the sequence of requests. */
#ifndef EMU_FAULTS_H
#define EMU_FAULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define EMU_DEFAULT_HANG_MS 5000

struct emu_faults {
    int64_t latency_ms;
    double error_rate;
    double rate_429;
    double drop_rate;
    double drop_after_rate;
    double hang_rate;
    int64_t hang_ms;
    double fail_rate;
    uint64_t seed;
};

enum emu_fault_kind {
    EMU_FAULT_NONE,
    EMU_FAULT_ERROR,      /* 500/502/503 before any effect */
    EMU_FAULT_429,        /* 429 + Retry-After: 1 before any effect */
    EMU_FAULT_DROP,       /* close without answering, before any effect */
    EMU_FAULT_DROP_AFTER, /* apply the effect, then close without answering */
    EMU_FAULT_HANG,       /* apply the effect, then answer after hang_ms */
};

struct emu_fault_engine {
    struct emu_faults cfg;
    struct emu_rng pick; /* one fault draw per API request */
    struct emu_rng fail; /* one outcome draw per async request */
};

void emu_faults_defaults(struct emu_faults *f);
/* Replaces the settings and reseeds both generators from cfg->seed. */
void emu_faults_configure(struct emu_fault_engine *e, const struct emu_faults *cfg);
/* Draws the fault for one API request; *status gets the 5xx for ERROR. */
enum emu_fault_kind emu_faults_pick(struct emu_fault_engine *e, unsigned *status);
/* Draws whether a new async request is planned to end FAILED. */
bool emu_faults_draw_failure(struct emu_fault_engine *e);
const char *emu_fault_name(enum emu_fault_kind k);

json_t *emu_faults_to_json(const struct emu_faults *f);

#endif
