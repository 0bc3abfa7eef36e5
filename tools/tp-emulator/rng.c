/* rng.c - splitmix64 (Steele, Lea, Flood 2014), written from its published
 * constants. */
#include "rng.h"

void emu_rng_seed(struct emu_rng *r, uint64_t seed) { r->state = seed; }

uint64_t emu_rng_next(struct emu_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double emu_rng_unit(struct emu_rng *r)
{
    /* The top 53 bits fill a double's mantissa exactly. */
    return (double)(emu_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}
