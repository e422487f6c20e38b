/*
 * bench_util.h: what every benchmark program in bench/ needs besides the
 * library: wall and CPU clocks (CPU time shows the work done where wall
 * time on a loaded machine also shows the waiting) and a small seeded
 * uniform generator for made-up inputs. Header-only; bench programs only.
 */
#ifndef TANAW_BENCH_UTIL_H
#define TANAW_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of all the process's threads. */
static inline double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64 uniform in [0, 1) from the state *s (non-zero). */
static inline double bench_unif(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) * 0x1.0p-53;
}

#endif
