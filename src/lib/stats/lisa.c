/*
 * lisa.c: local Moran's I (Anselin 1995, "Local indicators of spatial
 * association - LISA", Geogr. Anal. 27:93-115), exactly as
 * spdep::localmoran(x, listw) in spdep 1.2-7 with its defaults
 * (mlvar = TRUE, conditional = TRUE, adjust.x = FALSE,
 * alternative = "two.sided"). With z_i = x_i - xbar, m2 = sum z^2 / n,
 * lz_i = sum_j w_ij z_j, W_i = sum_j w_ij, W2_i = sum_j w_ij^2:
 *   I_i   = z_i lz_i / m2
 *   E.Ii  = -z_i^2 W_i / ((n - 1) m2)                       (conditional)
 *   Var.Ii = (z_i / m2)^2 n / (n - 2) (W2_i - W_i^2 / (n - 1))
 *            (m2 - z_i^2 / (n - 1)) (conditional,
 *            Sokal, Oden & Thomson 1998)
 *   Z.Ii = (I_i - E.Ii) / sqrt(Var.Ii), p two-sided normal.
 * Any weights style works; the usual one is row-standardised ("W").
 *
 * Permutations: conditional, z_i held fixed (perm.c), like GeoDa and
 * esda (spdep's localmoran_perm samples with replacement). The quadrant
 * (HH/LH/LL/HL) is read from the signs of z_i and lz_i, zero counting as
 * low, as spdep's "pysal" quadrant and esda; 0 when p_adjusted > alpha.
 * Areas without neighbours, or with z_i = 0, have Var.Ii = 0: z and p
 * NaN (spdep gives NaN too). All values equal is an error.
 * O(links) + O(R links).
 */
#include "stats/stats_internal.h"

#include <math.h>

tw_status tw_lisa_compute(tw_ctx *ctx, const tw_weights *w, const double *x,
                          const tw_local_opts *opts, tw_local_result **out)
{
    tw_local_result *r = NULL;
    signed char *dir = NULL;
    double *z = NULL, *lz = NULL;
    perm_local pl = {0};
    tw_status s;
    if (!w || !out)
        return ctx_error(ctx, TW_E_ARG, "local moran: weights and result pointer are required");
    if ((s = stats_check_opts(ctx, opts)))
        return s;
    size_t n = w->n;
    if (n < 3)
        return ctx_error(ctx, TW_E_ARG, "local moran needs at least 3 areas, got %zu", n);
    if ((s = stats_check_values(ctx, x, n, "local moran")))
        return s;
    for (size_t i = 0; i < n; i++)
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++)
            if ((size_t)w->col[t] == i)
                return ctx_error(ctx, TW_E_ARG,
                                 "local moran needs weights without self-links, area %zu has one", i);
    double dn = (double)n;
    double mean = stats_sum(x, n) / dn;
    if ((s = stats_local_alloc(ctx, n, 1, &r)))
        return s;
    dir = ctx_calloc(ctx, n, sizeof *dir);
    z = ctx_mallocarray(ctx, n, sizeof *z);
    lz = ctx_mallocarray(ctx, n, sizeof *lz);
    if (!dir || !z || !lz) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    double m2 = 0;
    for (size_t i = 0; i < n; i++) {
        z[i] = x[i] - mean;
        m2 += z[i] * z[i];
    }
    m2 /= dn;
    if (!(m2 > 0)) {
        s = ctx_error(ctx, TW_E_DOMAIN, "local moran: all %zu values are equal, the variance is zero", n);
        goto fail;
    }
    size_t islands = 0;
    for (size_t i = 0; i < n; i++) {
        double l = 0, wi = 0, w2 = 0;
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++) {
            double wt = w->w[t];
            l += wt * z[w->col[t]];
            wi += wt;
            w2 += wt * wt;
        }
        islands += w->rowptr[i + 1] == w->rowptr[i];
        lz[i] = l;
        double zi = z[i];
        double ii = (zi / m2) * l;
        double e = -(zi * zi * wi) / ((dn - 1) * m2);
        double v = (zi / m2) * (zi / m2) * (dn / (dn - 2)) * (w2 - wi * wi / (dn - 1)) *
                   (m2 - zi * zi / (dn - 1));
        double zz = v > 0 ? (ii - e) / sqrt(v) : NAN;
        r->stat[i] = ii;
        r->expected[i] = e;
        r->variance[i] = v;
        r->z[i] = zz;
        r->p[i] = stats_p_norm2(zz);
        dir[i] = (signed char)(zz > 0 ? 1 : zz < 0 ? -1 : 0);
    }
    if (islands)
        ctx_warn(ctx, "local moran: %zu areas have no neighbours: their z and p are NaN", islands);

    if (opts->permutations > 0) {
        int R = opts->permutations;
        if ((s = perm_local_run(ctx, w, z, R, opts->seed, &pl)))
            goto fail;
        for (size_t i = 0; i < n; i++) {
            if (pl.ge[i] < 0)
                continue;
            /* I_i = (z_i / m2) lz_i: its order is the lag's, reversed when z_i < 0. */
            int32_t ge = pl.ge[i], le = pl.le[i];
            double sgn = z[i] > 0 ? 1 : z[i] < 0 ? -1 : 0;
            if (sgn < 0) {
                int32_t t = ge;
                ge = le;
                le = t;
            } else if (sgn == 0) {
                ge = le = R; /* every permutation gives I_i = 0: all ties */
            }
            r->p_perm[i] = perm_p_two_sided(ge, le, R);
            r->z_perm[i] = sgn != 0 && pl.sd[i] > 0 ? sgn * (pl.obs[i] - pl.mean[i]) / pl.sd[i] : NAN;
            if (opts->use_permutation_p)
                dir[i] = (signed char)(ge < le ? 1 : le < ge ? -1 : 0);
        }
        perm_local_free(ctx, &pl);
    }
    if ((s = stats_local_finish(ctx, opts, dir, z, lz, r)))
        goto fail;
    ctx_free(ctx, dir);
    ctx_free(ctx, z);
    ctx_free(ctx, lz);
    *out = r;
    return TW_OK;
fail:
    perm_local_free(ctx, &pl);
    ctx_free(ctx, dir);
    ctx_free(ctx, z);
    ctx_free(ctx, lz);
    tw_local_result_free(ctx, r);
    return s;
}
