/*
 * classes.c: confidence classes (ArcGIS Gi_Bin: +-3/2/1 at 99/95/90 %
 * from the adjusted p and the direction), local Moran quadrants, their
 * labels, and the pieces every statistic here shares: normal p-values,
 * compensated sums, input checks and allocation of tw_local_result.
 */
#include "stats/stats_internal.h"

#include <math.h>
#include <string.h>

double stats_p_norm2(double z)
{
    if (isnan(z))
        return NAN;
    /* erfc keeps full relative precision in the far tail, as R's pnorm. */
    return erfc(fabs(z) / sqrt(2.0));
}

double stats_p_norm_upper(double z)
{
    if (isnan(z))
        return NAN;
    return 0.5 * erfc(z / sqrt(2.0));
}

double stats_sum(const double *x, size_t n)
{
    double s = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double t = s + x[i];
        if (fabs(s) >= fabs(x[i]))
            c += (s - t) + x[i];
        else
            c += (x[i] - t) + s;
        s = t;
    }
    return s + c;
}

tw_status stats_check_values(tw_ctx *ctx, const double *x, size_t n, const char *what)
{
    if (!x)
        return ctx_error(ctx, TW_E_ARG, "%s: no values given", what);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return ctx_error(ctx, TW_E_DOMAIN, "%s: value of area %zu is not a finite number", what,
                             i);
    return TW_OK;
}

tw_status stats_check_opts(tw_ctx *ctx, const tw_local_opts *opts)
{
    if (!opts)
        return ctx_error(ctx, TW_E_ARG, "local statistic options missing");
    if (opts->permutations < 0)
        return ctx_error(ctx, TW_E_ARG, "permutations must be >= 0, got %d", opts->permutations);
    if (opts->use_permutation_p && opts->permutations == 0)
        return ctx_error(ctx, TW_E_ARG, "permutation p-values need permutations > 0");
    if (opts->correction != TW_CORRECT_NONE && opts->correction != TW_CORRECT_BONFERRONI &&
        opts->correction != TW_CORRECT_FDR)
        return ctx_error(ctx, TW_E_ARG, "unknown p-value correction %d", (int)opts->correction);
    if (!(opts->alpha >= 0 && opts->alpha < 1))
        return ctx_error(ctx, TW_E_ARG, "alpha must be in (0, 1) or 0 for 0.05, got %g", opts->alpha);
    return TW_OK;
}

void tw_local_result_free(tw_ctx *ctx, tw_local_result *r)
{
    if (!r)
        return;
    ctx_free(ctx, r->stat);
    ctx_free(ctx, r->expected);
    ctx_free(ctx, r->variance);
    ctx_free(ctx, r->z);
    ctx_free(ctx, r->p);
    ctx_free(ctx, r->p_perm);
    ctx_free(ctx, r->z_perm);
    ctx_free(ctx, r->p_adjusted);
    ctx_free(ctx, r->cls);
    ctx_free(ctx, r->quadrant);
    ctx_free(ctx, r);
}

tw_status stats_local_alloc(tw_ctx *ctx, size_t n, int with_quadrant, tw_local_result **out)
{
    tw_local_result *r = ctx_calloc(ctx, 1, sizeof *r);
    if (!r)
        return ctx_nomem(ctx);
    r->n = n;
    double **cols[] = {&r->stat, &r->expected, &r->variance, &r->z,
                       &r->p, &r->p_perm, &r->z_perm, &r->p_adjusted};
    int ok = 1;
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        *cols[c] = ctx_mallocarray(ctx, n, sizeof(double));
        ok = ok && *cols[c];
    }
    r->cls = ctx_calloc(ctx, n, sizeof *r->cls);
    ok = ok && r->cls;
    if (with_quadrant) {
        r->quadrant = ctx_calloc(ctx, n, sizeof *r->quadrant);
        ok = ok && r->quadrant;
    }
    if (!ok) {
        tw_local_result_free(ctx, r);
        return ctx_nomem(ctx);
    }
    for (size_t i = 0; i < n; i++)
        r->p_perm[i] = r->z_perm[i] = NAN;
    *out = r;
    return TW_OK;
}

/* Confidence level of an adjusted p-value: 3 (99 %), 2 (95 %), 1 (90 %), 0. */
static int confidence_level(double p)
{
    if (!(p <= 0.10)) /* also NaN */
        return 0;
    return p <= 0.01 ? 3 : p <= 0.05 ? 2 : 1;
}

tw_status stats_local_finish(tw_ctx *ctx, const tw_local_opts *opts, const signed char *dir,
                             const double *zc, const double *lz, tw_local_result *r)
{
    size_t n = r->n;
    const double *src = opts->use_permutation_p ? r->p_perm : r->p;
    tw_status s = tw_p_adjust(ctx, opts->correction, src, n, r->p_adjusted);
    if (s)
        return s;
    double alpha = opts->alpha > 0 ? opts->alpha : 0.05;
    for (size_t i = 0; i < n; i++) {
        int level = confidence_level(r->p_adjusted[i]);
        r->cls[i] = dir[i] * level;
        if (r->quadrant) {
            int q = 0;
            if (r->p_adjusted[i] <= alpha && !isnan(lz[i])) {
                /* Zero counts as low, as spdep's cut(z, c(-Inf, 0, Inf)) and esda. */
                int hi = zc[i] > 0, lhi = lz[i] > 0;
                q = hi ? (lhi ? 1 : 4) : (lhi ? 2 : 3);
            }
            r->quadrant[i] = q;
        }
    }
    return TW_OK;
}

const char *tw_class_label(int cls)
{
    switch (cls) {
    case 3: return "hot 99%";
    case 2: return "hot 95%";
    case 1: return "hot 90%";
    case 0: return "not significant";
    case -1: return "cold 90%";
    case -2: return "cold 95%";
    case -3: return "cold 99%";
    }
    return "unknown";
}

const char *tw_quadrant_label(int q)
{
    switch (q) {
    case 0: return "not significant";
    case 1: return "HH";
    case 2: return "LH";
    case 3: return "LL";
    case 4: return "HL";
    }
    return "unknown";
}
