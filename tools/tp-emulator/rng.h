/* rng.h - splitmix64: tiny, fast and fully determined by its seed, which is
 * what reproducible fault injection needs (not cryptographic quality). */
#ifndef EMU_RNG_H
#define EMU_RNG_H

#include <stdint.h>

struct emu_rng {
    uint64_t state;
};

void emu_rng_seed(struct emu_rng *r, uint64_t seed);
uint64_t emu_rng_next(struct emu_rng *r);
/* Uniform in [0, 1). */
double emu_rng_unit(struct emu_rng *r);

#endif
