/*
 * rng.h: the random numbers of libtanaw. xoshiro256** (Blackman & Vigna
 * 2018) seeded through splitmix64 from (seed, stream): every area, replica
 * or permutation block draws from its own stream, so results do not depend
 * on how many threads run or in which order. Header-only, no state beyond
 * the struct.
 */
#ifndef TW_RNG_H
#define TW_RNG_H

#include <stdint.h>

__extension__ typedef unsigned __int128 rng_u128;

typedef struct rng {
    uint64_t s[4];
} rng;

static inline uint64_t rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Independent stream `stream` of generator `seed`. */
static inline void rng_init(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));
    uint64_t y = rng_splitmix64(&x) ^ stream;
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&y);
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* Uniform double in [0, 1). */
static inline double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire 2019). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    uint64_t x = rng_next(r);
    rng_u128 m = (rng_u128)x * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = (0 - n) % n;
        while (l < t) {
            x = rng_next(r);
            m = (rng_u128)x * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

#endif
