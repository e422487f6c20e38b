/*
 * stats_internal.h: helpers shared by the statistics of src/lib/stats:
 * the conditional permutation engine (perm.c), normal p-values, input
 * checks and the allocation of tw_local_result. Not part of the public API.
 */
#ifndef TW_STATS_INTERNAL_H
#define TW_STATS_INTERNAL_H

#include "core/core.h"
#include "weights/weights_internal.h"

/*
 * Output of perm_local_run, all arrays of n entries, in units of the
 * weighted lag L_i = sum_j w_ij v_j (self-link included when present).
 * ge/le count the permutations whose lag is >= / <= the observed lag,
 * where values closer than a rounding tolerance count as equal (so
 * equal sums of tied values are ties in both directions, not noise).
 * Areas without a neighbour other than themselves get ge = le = -1
 * and NaN mean/sd: there is nothing to permute.
 */
typedef struct perm_local {
    int32_t *ge;
    int32_t *le;
    double *obs;  /* observed lag, summed in the same order as the draws */
    double *mean; /* mean of the R permuted lags */
    double *sd;   /* standard deviation (R - 1 denominator, as R var()); NaN if R < 2 */
} perm_local;

/*
 * Conditional permutation (Anselin 1995): for each area i, v_i stays in
 * place and its neighbours other than itself receive R times a fresh
 * sample without replacement of the other n - 1 values. Area i draws from
 * its own RNG stream rng_init(seed, i): results are identical for any
 * thread count. Allocates out's arrays (free with perm_local_free).
 */
tw_status perm_local_run(tw_ctx *ctx, const tw_weights *w, const double *v, int R,
                         uint64_t seed, perm_local *out);
void perm_local_free(tw_ctx *ctx, perm_local *p);

/* Two-sided permutation p: min(1, 2 (min(ge, le) + 1) / (R + 1)). */
double perm_p_two_sided(int32_t ge, int32_t le, int R);

/* Two-sided normal p of z: 2 (1 - Phi(|z|)); NaN for NaN. */
double stats_p_norm2(double z);
/* Upper tail 1 - Phi(z). */
double stats_p_norm_upper(double z);

/* Reject NULL/NaN/Inf values (TW_E_DOMAIN naming the first bad area). */
tw_status stats_check_values(tw_ctx *ctx, const double *x, size_t n, const char *what);

/* Allocate a result of n areas (quadrant array only when with_quadrant). */
tw_status stats_local_alloc(tw_ctx *ctx, size_t n, int with_quadrant, tw_local_result **out);

/*
 * Fill p_adjusted and cls (and quadrant when lz is given) from p or
 * p_perm according to opts. dir[i] is the direction of area i: +1 above
 * expectation, -1 below, 0 none. quadrant uses the signs of x_i - mean
 * (zc) and its lag (lz).
 */
tw_status stats_local_finish(tw_ctx *ctx, const tw_local_opts *opts, const signed char *dir,
                             const double *zc, const double *lz, tw_local_result *r);

/* Check a tw_local_opts (NULL is refused). */
tw_status stats_check_opts(tw_ctx *ctx, const tw_local_opts *opts);

/* Neumaier-compensated sum of x[0..n). */
double stats_sum(const double *x, size_t n);

#endif
