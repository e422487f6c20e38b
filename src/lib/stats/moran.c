/*
 * moran.c: global Moran's I (Moran 1950; moments from Cliff & Ord 1981,
 * ch. 2) exactly as spdep 1.2-7 moran.test(x, listw, randomisation,
 * zero.policy = TRUE, adjust.n = TRUE) and moran.mc. With z = x - xbar
 * (xbar over all areas), n' = areas with at least one neighbour (spdep's
 * adjust.n), S0 = sum w_ij, S1 = sum_ij w_ij (w_ij + w_ji),
 * S2 = sum_i (w_i. + w_.i)^2, K = n sum z^4 / (sum z^2)^2 (all n areas):
 *   I = n' / S0 * sum_i z_i lz_i / sum z^2,   E[I] = -1 / (n' - 1)
 *   Var_norm = (n'^2 S1 - n' S2 + 3 S0^2) / (S0^2 (n'^2 - 1)) - E[I]^2
 *   Var_rand = [n'((n'^2 - 3n' + 3) S1 - n' S2 + 3 S0^2)
 *              - K((n'^2 - n') S1 - 2n' S2 + 6 S0^2)]
 *              / ((n'-1)(n'-2)(n'-3) S0^2) - E[I]^2
 * z = (I - E[I]) / sqrt(Var); p two-sided, plus the one-sided "greater"
 * p of moran.test's default. A negative variance (extreme kurtosis) gives
 * z = p = NaN and a warning where moran.test warns.
 *
 * Permutations: R full random permutations of x (moran.mc), replicate r
 * drawing from rng stream (seed, r), in parallel; identical for any
 * thread count. p_perm = (#{I_sim >= I} + 1) / (R + 1) (moran.mc
 * "greater" without ties; moran.mc counts a tie as half), and a two-sided
 * p_perm_two_sided = min(1, 2 (min(#>=, #<=) + 1) / (R + 1)) (moran.mc's
 * two-sided formula can give 0; ours cannot).
 * O(links) analytic, O(R (n + links)) permutations, O(n threads + R) memory.
 */
#include "stats/stats_internal.h"
#include "core/rng.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* sum_i v_i sum_j w_ij v_j: the numerator of I in any order of v. */
static double cross_sum(const tw_weights *w, const double *v)
{
    double s = 0;
    for (size_t i = 0; i < w->n; i++) {
        double l = 0;
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++)
            l += w->w[t] * v[w->col[t]];
        s += v[i] * l;
    }
    return s;
}

/* w_ji, or 0 when j has no link to i. */
static double weight_of(const tw_weights *w, size_t j, int32_t i)
{
    size_t lo = w->rowptr[j], hi = w->rowptr[j + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->col[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->rowptr[j + 1] && w->col[lo] == i ? w->w[lo] : 0.0;
}

tw_status tw_moran_compute(tw_ctx *ctx, const tw_weights *w, const double *x, int permutations,
                           uint64_t seed, tw_moran_result *out)
{
    double *z = NULL, *cs = NULL, *sims = NULL, *bufs = NULL;
    tw_status s;
    if (!w || !out)
        return ctx_error(ctx, TW_E_ARG, "moran: weights and result are required");
    if (permutations < 0)
        return ctx_error(ctx, TW_E_ARG, "permutations must be >= 0, got %d", permutations);
    size_t n = w->n;
    if ((s = stats_check_values(ctx, x, n, "moran")))
        return s;
    size_t nadj = 0;
    for (size_t i = 0; i < n; i++)
        nadj += w->rowptr[i + 1] > w->rowptr[i];
    if (nadj < 4)
        return ctx_error(ctx, TW_E_ARG, "moran needs at least 4 areas with neighbours, got %zu", nadj);
    if (nadj < n)
        ctx_warn(ctx, "moran: %zu areas have no neighbours: n reduced to %zu (spdep adjust.n)",
                 n - nadj, nadj);
    z = ctx_mallocarray(ctx, n, sizeof *z);
    cs = ctx_calloc(ctx, n, sizeof *cs);
    if (!z || !cs) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    double mean = stats_sum(x, n) / (double)n;
    double zz = 0, z4 = 0, zmax = 0;
    for (size_t i = 0; i < n; i++) {
        z[i] = x[i] - mean;
        zz += z[i] * z[i];
        z4 += z[i] * z[i] * z[i] * z[i];
        if (fabs(z[i]) > zmax)
            zmax = fabs(z[i]);
    }
    if (!(zz > 0)) {
        s = ctx_error(ctx, TW_E_DOMAIN, "moran: all %zu values are equal, the variance is zero", n);
        goto fail;
    }
    double S0 = 0, S1 = 0, S2 = 0, wabs = 0;
    for (size_t i = 0; i < n; i++) {
        double rs = 0;
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++) {
            double wij = w->w[t];
            rs += wij;
            wabs += fabs(wij);
            cs[w->col[t]] += wij;
            S1 += wij * wij + wij * weight_of(w, (size_t)w->col[t], (int32_t)i);
        }
        S0 += rs;
    }
    /* Row sums again once the column sums are complete. */
    for (size_t i = 0; i < n; i++) {
        double rs = 0;
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++)
            rs += w->w[t];
        S2 += (rs + cs[i]) * (rs + cs[i]);
    }
    if (S0 == 0) {
        s = ctx_error(ctx, TW_E_DOMAIN, "moran: the weights sum to zero");
        goto fail;
    }
    double nn = (double)nadj, K = (double)n * z4 / (zz * zz), S02 = S0 * S0;
    double num = cross_sum(w, z);
    double I = nn / S0 * num / zz;
    double EI = -1.0 / (nn - 1);
    double vn = (nn * nn * S1 - nn * S2 + 3 * S02) / (S02 * (nn * nn - 1)) - EI * EI;
    double vr = nn * (S1 * (nn * nn - 3 * nn + 3) - nn * S2 + 3 * S02);
    vr -= K * (S1 * (nn * nn - nn) - 2 * nn * S2 + 6 * S02);
    vr = vr / ((nn - 1) * (nn - 2) * (nn - 3) * S02) - EI * EI;
    memset(out, 0, sizeof *out);
    out->I = I;
    out->expected = EI;
    out->variance_norm = vn;
    out->variance_rand = vr;
    out->z_norm = vn > 0 ? (I - EI) / sqrt(vn) : NAN;
    out->z_rand = vr > 0 ? (I - EI) / sqrt(vr) : NAN;
    if (!(vr > 0))
        ctx_warn(ctx, "moran: negative variance under randomisation (kurtosis %g): z is NaN", K);
    out->p_norm = stats_p_norm2(out->z_norm);
    out->p_rand = stats_p_norm2(out->z_rand);
    out->p_rand_greater = stats_p_norm_upper(out->z_rand);
    out->permutations = permutations;
    out->p_perm = out->p_perm_two_sided = NAN;

    if (permutations > 0) {
        int nt = ctx_nthreads(ctx);
        sims = ctx_mallocarray(ctx, (size_t)permutations, sizeof *sims);
        bufs = ctx_mallocarray(ctx, n, sizeof *bufs * (size_t)nt);
        if (!sims || !bufs) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        const int block = 64;
        for (int r0 = 0; r0 < permutations; r0 += block) {
            int r1 = r0 + block < permutations ? r0 + block : permutations;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
            for (int r = r0; r < r1; r++) {
                int t = 0;
#ifdef _OPENMP
                t = omp_get_thread_num();
#endif
                double *b = bufs + (size_t)t * n;
                memcpy(b, z, n * sizeof *b); /* same start for every replicate */
                rng g;
                rng_init(&g, seed, (uint64_t)r);
                for (size_t k = n - 1; k > 0; k--) {
                    size_t j = (size_t)rng_below(&g, (uint64_t)k + 1);
                    double tmp = b[k];
                    b[k] = b[j];
                    b[j] = tmp;
                }
                sims[r] = cross_sum(w, b);
            }
            if ((s = ctx_progress(ctx, "permutations", r1, permutations)))
                goto fail;
        }
        /* Rounding bound of the numerator: ties closer than this are ties. */
        double tol = 1e-11 * wabs * zmax * zmax;
        int ge = 0, le = 0;
        for (int r = 0; r < permutations; r++) {
            ge += sims[r] >= num - tol;
            le += sims[r] <= num + tol;
        }
        out->p_perm = (ge + 1.0) / (permutations + 1.0);
        out->p_perm_two_sided = perm_p_two_sided(ge, le, permutations);
    }
    s = TW_OK;
fail:
    ctx_free(ctx, z);
    ctx_free(ctx, cs);
    ctx_free(ctx, sims);
    ctx_free(ctx, bufs);
    return s;
}
