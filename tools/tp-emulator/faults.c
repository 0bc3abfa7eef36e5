/* faults.c - picks at most one fault per request from cumulative rates, in a
 * fixed order (error, 429, drop, drop-after, hang), so a given seed and
 * request sequence always yields the same faults. */
#include "faults.h"

#include <string.h>

/* The fail generator is offset from the pick generator so the two streams
 * differ even though one seed drives both. */
#define FAIL_STREAM_SALT 0x5deece66dULL

void emu_faults_defaults(struct emu_faults *f)
{
    memset(f, 0, sizeof *f);
    f->hang_ms = EMU_DEFAULT_HANG_MS;
}

void emu_faults_configure(struct emu_fault_engine *e, const struct emu_faults *cfg)
{
    e->cfg = *cfg;
    emu_rng_seed(&e->pick, cfg->seed);
    emu_rng_seed(&e->fail, cfg->seed ^ FAIL_STREAM_SALT);
}

enum emu_fault_kind emu_faults_pick(struct emu_fault_engine *e, unsigned *status)
{
    static const unsigned statuses[] = {500, 502, 503};
    /* Both draws happen on every request so the stream position depends only
     * on how many requests were seen, not on which faults fired. */
    double u = emu_rng_unit(&e->pick);
    uint64_t which = emu_rng_next(&e->pick);
    const struct emu_faults *f = &e->cfg;
    double edge = 0;

    *status = statuses[which % 3];
    if (u < (edge += f->error_rate))
        return EMU_FAULT_ERROR;
    if (u < (edge += f->rate_429))
        return EMU_FAULT_429;
    if (u < (edge += f->drop_rate))
        return EMU_FAULT_DROP;
    if (u < (edge += f->drop_after_rate))
        return EMU_FAULT_DROP_AFTER;
    if (u < (edge += f->hang_rate))
        return EMU_FAULT_HANG;
    return EMU_FAULT_NONE;
}

bool emu_faults_draw_failure(struct emu_fault_engine *e)
{
    return emu_rng_unit(&e->fail) < e->cfg.fail_rate;
}

const char *emu_fault_name(enum emu_fault_kind k)
{
    static const char *const names[] = {"none", "error", "429", "drop", "drop-after", "hang"};
    return names[k];
}

json_t *emu_faults_to_json(const struct emu_faults *f)
{
    return json_pack("{sI sf sf sf sf sf sI sf sI}", "latency_ms", (json_int_t)f->latency_ms,
                     "error_rate", f->error_rate, "rate_429", f->rate_429, "drop_rate", f->drop_rate,
                     "drop_after_rate", f->drop_after_rate, "hang_rate", f->hang_rate, "hang_ms",
                     (json_int_t)f->hang_ms, "fail_rate", f->fail_rate, "seed",
                     (json_int_t)f->seed);
}
