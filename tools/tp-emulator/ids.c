/* ids.c - id generator; callers hold the state lock, which serialises it. */
#include "ids.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "rng.h"

static struct emu_rng id_rng;

void emu_ids_init(void)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
    }
    emu_rng_seed(&id_rng, seed);
}

void emu_id_make(char *out, size_t outlen, const char *prefix, size_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t len = (size_t)snprintf(out, outlen, "%s", prefix);

    if (len >= outlen)
        return; /* truncated prefix: snprintf already terminated it */

    for (size_t i = 0; i < n && len + 1 < outlen; i++, len++)
        out[len] = alphabet[emu_rng_next(&id_rng) % (sizeof alphabet - 1)];
    out[len] = '\0';
}
