/*
 * emerging.c: emerging hot spot analysis of a space-time cube, after
 * ArcGIS Pro's Emerging Hot Spot Analysis (Space Time Pattern Mining
 * toolbox; "How Emerging Hot Spot Analysis works"), categories written
 * down in docs/emerging.md.
 *
 * Method:
 *  1. Space-time neighbours: bin (i, t) has as neighbours the bins of i
 *     and of its spatial neighbours j at steps t-K .. t (K = time
 *     neighbours; earlier steps only, as ArcGIS's neighbourhood time step,
 *     fewer at the start of the series). Weights: w_ij of the spatial
 *     weights for j, 1 for i itself. The cube's CSR is built here and
 *     handed to tw_weights_from_lists.
 *  2. Gi* of every bin with the whole cube as global window (ArcGIS's
 *     default "entire cube"): tw_gistar_compute on the n*T values, so a
 *     bin's z is spdep's localG on the flattened cube. The p-values are
 *     adjusted over all bins (ArcGIS Pro applies FDR).
 *  3. Per area: Mann-Kendall of its series of Gi* z (the trend in the
 *     intensity of clustering), and of its counts (plus Sen's slope).
 *  4. The category from which steps are significant hot or cold bins
 *     (p_adjusted <= alpha) and the trend (tw_emerging_category).
 *
 * Complexity: links = T * (K+1) * (links of w + n), less at the start;
 * O(links) time and memory for Gi*, O(n T^2) for the Mann-Kendall part
 * (parallel over areas). The cube must have fewer than 2^31 bins.
 *
 * Limits: ArcGIS's other global windows (neighbourhood time step,
 * individual time step) and its polygon analysis mask are not offered;
 * areas without any case are kept (a defined-locations cube, where
 * ArcGIS keeps every location too).
 */
#include "spacetime/spacetime_internal.h"
#include "weights/weights_internal.h"

#include <math.h>
#include <omp.h>
#include <string.h>

const char *tw_emerging_label(int c)
{
    static const char *const hot[] = {
        "no pattern detected", "new hot spot", "consecutive hot spot", "intensifying hot spot",
        "persistent hot spot", "diminishing hot spot", "sporadic hot spot",
        "oscillating hot spot", "historical hot spot"};
    static const char *const cold[] = {
        "no pattern detected", "new cold spot", "consecutive cold spot", "intensifying cold spot",
        "persistent cold spot", "diminishing cold spot", "sporadic cold spot",
        "oscillating cold spot", "historical cold spot"};
    if (c >= 0 && c <= 8)
        return hot[c];
    if (c < 0 && c >= -8)
        return cold[-c];
    return "unknown";
}

int tw_emerging_category(const int *sig, size_t T, double trend_z, double trend_p, double alpha)
{
    if (!sig || T == 0)
        return TW_EHS_NONE;
    size_t nh = 0, nc = 0;
    for (size_t k = 0; k < T; k++) {
        nh += sig[k] > 0;
        nc += sig[k] < 0;
    }
    int last = sig[T - 1] > 0 ? 1 : sig[T - 1] < 0 ? -1 : 0;
    /* "90 percent of the time-step intervals" in integers: 10 m >= 9 T */
    if (last != 0) {
        size_t same = last > 0 ? nh : nc, opposite = last > 0 ? nc : nh;
        if (10 * same >= 9 * T) {
            int trend = !isnan(trend_p) && !isnan(trend_z) && trend_p <= alpha && trend_z != 0;
            if (!trend)
                return last * TW_EHS_PERSISTENT;
            /* hot: rising z intensifies; cold: falling z intensifies */
            return last * ((trend_z > 0) == (last > 0) ? TW_EHS_INTENSIFYING : TW_EHS_DIMINISHING);
        }
        if (opposite > 0)
            return last * TW_EHS_OSCILLATING;
        size_t run = 0;
        while (run < T && (sig[T - 1 - run] > 0 ? 1 : sig[T - 1 - run] < 0 ? -1 : 0) == last)
            run++;
        if (run == same)
            return last * (run == 1 ? TW_EHS_NEW : TW_EHS_CONSECUTIVE);
        return last * TW_EHS_SPORADIC;
    }
    if (10 * nh >= 9 * T)
        return TW_EHS_HISTORICAL;
    if (10 * nc >= 9 * T)
        return -TW_EHS_HISTORICAL;
    return TW_EHS_NONE;
}

void tw_emerging_result_free(tw_ctx *ctx, tw_emerging_result *r)
{
    if (!r)
        return;
    ctx_free(ctx, r->z);
    ctx_free(ctx, r->p);
    ctx_free(ctx, r->p_adjusted);
    ctx_free(ctx, r->bin_cls);
    ctx_free(ctx, r->category);
    ctx_free(ctx, r->trend_z);
    ctx_free(ctx, r->trend_p);
    ctx_free(ctx, r->trend_tau);
    ctx_free(ctx, r->count_tau);
    ctx_free(ctx, r->count_p);
    ctx_free(ctx, r->count_sen);
    ctx_free(ctx, r->hot_steps);
    ctx_free(ctx, r->cold_steps);
    ctx_free(ctx, r->last_z);
    ctx_free(ctx, r);
}

static tw_status result_alloc(tw_ctx *ctx, size_t n, size_t T, tw_emerging_result **out)
{
    tw_emerging_result *r = ctx_calloc(ctx, 1, sizeof *r);
    if (!r)
        return ctx_nomem(ctx);
    r->n = n;
    r->steps = T;
    size_t N = n * T;
    r->z = ctx_mallocarray(ctx, N, sizeof *r->z);
    r->p = ctx_mallocarray(ctx, N, sizeof *r->p);
    r->p_adjusted = ctx_mallocarray(ctx, N, sizeof *r->p_adjusted);
    r->bin_cls = ctx_mallocarray(ctx, N, sizeof *r->bin_cls);
    r->category = ctx_mallocarray(ctx, n, sizeof *r->category);
    r->trend_z = ctx_mallocarray(ctx, n, sizeof(double));
    r->trend_p = ctx_mallocarray(ctx, n, sizeof(double));
    r->trend_tau = ctx_mallocarray(ctx, n, sizeof(double));
    r->count_tau = ctx_mallocarray(ctx, n, sizeof(double));
    r->count_p = ctx_mallocarray(ctx, n, sizeof(double));
    r->count_sen = ctx_mallocarray(ctx, n, sizeof(double));
    r->hot_steps = ctx_mallocarray(ctx, n, sizeof(int));
    r->cold_steps = ctx_mallocarray(ctx, n, sizeof(int));
    r->last_z = ctx_mallocarray(ctx, n, sizeof(double));
    if (!r->z || !r->p || !r->p_adjusted || !r->bin_cls || !r->category || !r->trend_z ||
        !r->trend_p || !r->trend_tau || !r->count_tau || !r->count_p || !r->count_sen ||
        !r->hot_steps || !r->cold_steps || !r->last_z) {
        tw_emerging_result_free(ctx, r);
        return ctx_nomem(ctx);
    }
    *out = r;
    return TW_OK;
}

/* CSR of the space-time neighbours of the n*T bins (bin = t*n + i). */
static tw_status cube_weights(tw_ctx *ctx, const tw_weights *w, size_t T, size_t K,
                              tw_weights **out)
{
    size_t n = w->n, N = n * T;
    size_t *rowptr = NULL;
    int32_t *col = NULL;
    double *wt = NULL;
    tw_status s = TW_OK;
    int binary = 1;
    size_t per_slice = 0; /* links of one slice: self + neighbours other than self */
    for (size_t i = 0; i < n; i++) {
        per_slice++;
        for (size_t e = w->rowptr[i]; e < w->rowptr[i + 1]; e++) {
            if ((size_t)w->col[e] == i)
                continue;
            per_slice++;
            binary &= w->w[e] == 1.0;
        }
    }
    size_t nnz = 0;
    for (size_t t = 0; t < T; t++)
        nnz += per_slice * ((t < K ? t : K) + 1);
    rowptr = ctx_mallocarray(ctx, N + 1, sizeof *rowptr);
    col = ctx_mallocarray(ctx, nnz ? nnz : 1, sizeof *col);
    if (!binary)
        wt = ctx_mallocarray(ctx, nnz ? nnz : 1, sizeof *wt);
    if (!rowptr || !col || (!binary && !wt)) {
        s = ctx_nomem(ctx);
        goto done;
    }
    size_t e = 0;
    rowptr[0] = 0;
    for (size_t t = 0; t < T; t++) {
        size_t s0 = t < K ? 0 : t - K;
        for (size_t i = 0; i < n; i++) {
            for (size_t u = s0; u <= t; u++) {
                /* neighbours ascending with the location itself in its place:
                 * from_lists sorts anyway, this keeps its sort cheap */
                int self_done = 0;
                for (size_t f = w->rowptr[i]; f <= w->rowptr[i + 1]; f++) {
                    size_t j = f < w->rowptr[i + 1] ? (size_t)w->col[f] : SIZE_MAX;
                    if (j == i)
                        continue;
                    if (!self_done && j > i) {
                        col[e] = (int32_t)(u * n + i);
                        if (wt)
                            wt[e] = 1.0;
                        e++;
                        self_done = 1;
                    }
                    if (j == SIZE_MAX)
                        break;
                    col[e] = (int32_t)(u * n + j);
                    if (wt)
                        wt[e] = w->w[f];
                    e++;
                }
            }
            rowptr[t * n + i + 1] = e;
        }
    }
    if (TW_NEVER(e != nnz)) {
        s = ctx_error(ctx, TW_E_INTERNAL, "emerging: built %zu space-time links, expected %zu", e,
                      nnz);
        goto done;
    }
    s = tw_weights_from_lists(ctx, N, rowptr, col, wt, out);
done:
    ctx_free(ctx, rowptr);
    ctx_free(ctx, col);
    ctx_free(ctx, wt);
    return s;
}

/* Drop the warnings added since `keep` (the ones before stay, in order). */
static tw_status replace_warnings(tw_ctx *ctx, size_t keep)
{
    char **old = ctx_calloc(ctx, keep ? keep : 1, sizeof *old);
    if (!old)
        return ctx_nomem(ctx);
    tw_status s = TW_OK;
    for (size_t i = 0; i < keep; i++)
        if (!(old[i] = ctx_strdup(ctx, tw_ctx_warning(ctx, i)))) {
            s = ctx_nomem(ctx);
            goto done;
        }
    tw_ctx_clear_warnings(ctx);
    for (size_t i = 0; i < keep; i++)
        ctx_warn(ctx, "%s", old[i]);
done:
    for (size_t i = 0; i < keep; i++)
        ctx_free(ctx, old[i]);
    ctx_free(ctx, old);
    return s;
}

tw_status tw_emerging_compute(tw_ctx *ctx, const tw_weights *w, const double *counts,
                              size_t steps, const tw_emerging_opts *opts,
                              tw_emerging_result **out)
{
    tw_weights *stw = NULL;
    tw_local_result *g = NULL;
    tw_emerging_result *r = NULL;
    double *scratch = NULL;
    int *sig = NULL;
    double *series = NULL;
    tw_status s;
    if (!w || !counts || !opts || !out)
        return ctx_error(ctx, TW_E_ARG, "emerging: weights, counts, options and result are required");
    size_t n = w->n, T = steps;
    if (T < 2)
        return ctx_error(ctx, TW_E_ARG, "emerging hot spots need at least 2 time steps, got %zu", T);
    if (opts->time_neighbours < 0)
        return ctx_error(ctx, TW_E_ARG, "emerging: time neighbours must be >= 0, got %d",
                         opts->time_neighbours);
    double alpha = opts->alpha == 0 ? 0.05 : opts->alpha;
    if (!(alpha > 0 && alpha < 1))
        return ctx_error(ctx, TW_E_ARG, "emerging: alpha must be in (0, 1), got %g", opts->alpha);
    if (n == 0 || n > (size_t)INT32_MAX / T)
        return ctx_error(ctx, TW_E_ARG, "emerging: %zu areas x %zu steps do not fit a cube", n, T);
    for (size_t b = 0; b < n * T; b++)
        if (!isfinite(counts[b]) || counts[b] < 0)
            return ctx_error(ctx, TW_E_DOMAIN, "emerging: count of area %zu at step %zu is %g",
                             b % n + 1, b / n + 1, counts[b]);
    size_t K = (size_t)opts->time_neighbours;
    if ((s = cube_weights(ctx, w, T, K, &stw)))
        goto fail;
    tw_local_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.correction = opts->correction;
    size_t nw0 = tw_ctx_warning_count(ctx);
    if ((s = tw_gistar_compute(ctx, stw, counts, 1, &lo, &g)))
        goto fail;
    /* gistar's warnings speak of "areas" and permutations; here they are bins
     * of areas without spatial neighbours: say that instead */
    if (tw_ctx_warning_count(ctx) > nw0 && (s = replace_warnings(ctx, nw0)))
        goto fail;
    size_t islands = 0;
    for (size_t i = 0; i < n; i++) {
        size_t others = 0;
        for (size_t e = w->rowptr[i]; e < w->rowptr[i + 1]; e++)
            others += (size_t)w->col[e] != i;
        islands += others == 0;
    }
    if (islands)
        ctx_warn(ctx, "emerging: %zu areas have no spatial neighbours: their bins are compared "
                      "with their own past steps only",
                 islands);
    tw_weights_free(stw);
    stw = NULL;
    if ((s = result_alloc(ctx, n, T, &r)))
        goto fail;
    size_t N = n * T;
    memcpy(r->z, g->z, N * sizeof *r->z);
    memcpy(r->p, g->p, N * sizeof *r->p);
    memcpy(r->p_adjusted, g->p_adjusted, N * sizeof *r->p_adjusted);
    memcpy(r->bin_cls, g->cls, N * sizeof *r->bin_cls);
    tw_local_result_free(ctx, g);
    g = NULL;

    int nt = ctx_nthreads(ctx);
    size_t sc = st_mk_scratch(T);
    scratch = ctx_mallocarray(ctx, sc * (size_t)nt, sizeof *scratch);
    series = ctx_mallocarray(ctx, 2 * T * (size_t)nt, sizeof *series);
    sig = ctx_mallocarray(ctx, T * (size_t)nt, sizeof *sig);
    if (!scratch || !series || !sig) {
        s = ctx_nomem(ctx);
        goto fail;
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 256)
    for (size_t i = 0; i < n; i++) {
        int th = omp_get_thread_num();
        double *zs = series + 2 * T * (size_t)th, *cs = zs + T;
        double *scr = scratch + sc * (size_t)th;
        int *sg = sig + T * (size_t)th;
        int nh = 0, nc = 0;
        for (size_t k = 0; k < T; k++) {
            size_t b = k * n + i;
            zs[k] = r->z[b];
            cs[k] = counts[b];
            int on = !isnan(r->z[b]) && r->p_adjusted[b] <= alpha;
            sg[k] = on ? (r->z[b] > 0 ? 1 : r->z[b] < 0 ? -1 : 0) : 0;
            nh += sg[k] > 0;
            nc += sg[k] < 0;
        }
        tw_mk_result mz, mc;
        st_mk(zs, T, scr, 0, &mz);
        st_mk(cs, T, scr, 1, &mc);
        r->trend_z[i] = mz.z;
        r->trend_p[i] = mz.p;
        r->trend_tau[i] = mz.tau;
        r->count_tau[i] = mc.tau;
        r->count_p[i] = mc.p;
        r->count_sen[i] = mc.sen_slope;
        r->hot_steps[i] = nh;
        r->cold_steps[i] = nc;
        r->last_z[i] = zs[T - 1];
        r->category[i] = tw_emerging_category(sg, T, mz.z, mz.p, alpha);
    }
    ctx_free(ctx, scratch);
    ctx_free(ctx, series);
    ctx_free(ctx, sig);
    *out = r;
    return TW_OK;
fail:
    ctx_free(ctx, scratch);
    ctx_free(ctx, series);
    ctx_free(ctx, sig);
    tw_weights_free(stw);
    tw_local_result_free(ctx, g);
    tw_emerging_result_free(ctx, r);
    return s;
}
