/*
 * gistar.c: Getis-Ord local G statistics, Gi (self excluded) and Gi*
 * (self included), after Getis & Ord (1992, Geogr. Anal. 24:189-206) in
 * the general-weights form of Ord & Getis (1995, Geogr. Anal. 27:286-306).
 * For area i with weights w_ij (any style: binary, row-standardised or
 * general) and L_i = sum_j w_ij x_j, W_i = sum_j w_ij, S1_i = sum_j w_ij^2:
 *   Gi*: G = L_i / sum_j x_j,  E = W_i xbar,  s^2 = sum (x_j - xbar)^2 / n,
 *        Var(L) = s^2 (n S1_i - W_i^2) / (n - 1)
 *   Gi:  G = L_i / (sum_j x_j - x_i), xbar_i and s_i^2 over j != i,
 *        E = W_i xbar_i, Var(L) = s_i^2 ((n - 1) S1_i - W_i^2) / (n - 2)
 *   z = (L_i - E) / sqrt(Var(L)),
 * which is spdep::localG(x, listw) (1.2-7) for every style: Gi* when
 * listw was built from include.self(nb). stat/expected/variance are G,
 * E[G], Var[G] (L scaled by the denominator), as localG's internals.
 * s_i^2 comes from a downdate of the global sum of squares instead of
 * localG's sum(x^2) - x_i^2 difference, which loses digits when the mean
 * is large; the two agree to ~1e-12 on ordinary data.
 *
 * Inference: analytic two-sided normal p, and optional conditional
 * permutations (perm.c) with x_i held fixed (also for Gi*, where spdep's
 * localG_perm permutes it with the rest).
 * Degenerate areas: no neighbour (Gi), or a zero leave-one-out variance,
 * give z = p = NaN; all values equal is an error. O(links) + O(R links).
 */
#include "stats/stats_internal.h"

#include <math.h>

tw_status tw_gistar_compute(tw_ctx *ctx, const tw_weights *w, const double *x, int star,
                            const tw_local_opts *opts, tw_local_result **out)
{
    tw_local_result *r = NULL;
    signed char *dir = NULL;
    perm_local pl = {0};
    tw_status s;
    const char *name = star ? "gi*" : "gi";
    if (!w || !out)
        return ctx_error(ctx, TW_E_ARG, "%s: weights and result pointer are required", name);
    if ((s = stats_check_opts(ctx, opts)))
        return s;
    size_t n = w->n;
    if (n < (star ? 2u : 3u))
        return ctx_error(ctx, TW_E_ARG, "%s needs at least %d areas, got %zu", name, star ? 2 : 3, n);
    if ((s = stats_check_values(ctx, x, n, name)))
        return s;
    for (size_t i = 0; i < n; i++) {
        int self = 0;
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++)
            self |= (size_t)w->col[t] == i;
        if (star && !self)
            return ctx_error(ctx, TW_E_ARG,
                             "gi* needs a self-link in every row (include_self), area %zu has none", i);
        if (!star && self)
            return ctx_error(ctx, TW_E_ARG, "gi needs weights without self-links, area %zu has one", i);
    }
    double dn = (double)n;
    double sum = stats_sum(x, n), mean = sum / dn;
    double m2 = 0;
    for (size_t i = 0; i < n; i++)
        m2 += (x[i] - mean) * (x[i] - mean);
    if (!(m2 > 0))
        return ctx_error(ctx, TW_E_DOMAIN, "%s: all %zu values are equal, the variance is zero", name, n);

    if ((s = stats_local_alloc(ctx, n, 0, &r)))
        return s;
    dir = ctx_calloc(ctx, n, sizeof *dir);
    if (!dir) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    size_t islands = 0, degenerate = 0;
    for (size_t i = 0; i < n; i++) {
        double lx = 0, wi = 0, s1 = 0;
        size_t others = 0;
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++) {
            double wt = w->w[t];
            lx += wt * x[w->col[t]];
            wi += wt;
            s1 += wt * wt;
            others += (size_t)w->col[t] != i;
        }
        double eg, vg, denom;
        if (star) {
            eg = wi * mean;
            double c = dn * s1 - wi * wi;
            vg = (m2 / dn) * c / (dn - 1);
            if (c <= 1e-12 * dn * s1)
                vg = 0;
            denom = sum;
        } else {
            double d = x[i] - mean;
            double m2i = m2 - d * d * dn / (dn - 1);
            double xbi = (sum - x[i]) / (dn - 1);
            double c = (dn - 1) * s1 - wi * wi;
            if (m2i <= 1e-13 * m2 || c <= 1e-12 * (dn - 1) * s1)
                m2i = 0;
            eg = wi * xbi;
            vg = (m2i / (dn - 1)) * c / (dn - 2);
            denom = sum - x[i];
        }
        islands += others == 0;
        double z = vg > 0 ? (lx - eg) / sqrt(vg) : NAN;
        degenerate += isnan(z) && others > 0;
        r->z[i] = z;
        r->p[i] = stats_p_norm2(z);
        if (denom != 0) {
            r->stat[i] = lx / denom;
            r->expected[i] = eg / denom;
            r->variance[i] = vg / (denom * denom);
        } else {
            r->stat[i] = r->expected[i] = r->variance[i] = NAN;
        }
        dir[i] = (signed char)(z > 0 ? 1 : z < 0 ? -1 : 0);
    }
    if (islands)
        ctx_warn(ctx, "%s: %zu areas have no neighbours%s", name, islands,
                 star ? ": no permutation p for them" : ": their z and p are NaN");
    if (degenerate)
        ctx_warn(ctx, "%s: %zu areas have zero variance under randomisation: their z and p are NaN",
                 name, degenerate);

    if (opts->permutations > 0) {
        int R = opts->permutations;
        if ((s = perm_local_run(ctx, w, x, R, opts->seed, &pl)))
            goto fail;
        for (size_t i = 0; i < n; i++) {
            if (pl.ge[i] < 0)
                continue; /* nothing to permute: stays NaN */
            r->p_perm[i] = perm_p_two_sided(pl.ge[i], pl.le[i], R);
            r->z_perm[i] = pl.sd[i] > 0 ? (pl.obs[i] - pl.mean[i]) / pl.sd[i] : NAN;
            if (opts->use_permutation_p)
                dir[i] = (signed char)(pl.ge[i] < pl.le[i] ? 1 : pl.le[i] < pl.ge[i] ? -1 : 0);
        }
        perm_local_free(ctx, &pl);
    }
    if ((s = stats_local_finish(ctx, opts, dir, NULL, NULL, r)))
        goto fail;
    ctx_free(ctx, dir);
    *out = r;
    return TW_OK;
fail:
    perm_local_free(ctx, &pl);
    ctx_free(ctx, dir);
    tw_local_result_free(ctx, r);
    return s;
}
