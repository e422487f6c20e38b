/*
 * nearest.c: weights from area points: k nearest neighbours (spdep
 * knearneigh + knn2nb), distance bands (spdep dnearneigh(0, d)), inverse
 * distance weights on a band, and attaching islands of other weights to
 * their k nearest areas.
 *
 * spdep semantics reproduced (src/knn.c, src/dnn.c of spdep 1.2-7):
 *  - knearneigh(longlat=TRUE) scans j = 1..n in order and keeps the k
 *    smallest distances by insertion with a strict '<', so among equal
 *    distances the lower index wins; duplicate points (distance 0) are
 *    neighbours like any other. knn2nb sorts each row.
 *  - dnearneigh(x, 0, d, longlat=TRUE) uses bounds c("GE", "LE"): a pair is
 *    linked when 0 <= dist <= d, both ends inclusive, self excluded.
 *  - distances are spdep's ellipsoid formula (tw_distance_km(TW_DIST_SPDEP)).
 * Queries go through pointgrid.c, which returns exactly what a brute-force
 * scan would. Rows are computed in parallel (OpenMP); each row depends only
 * on the input, so results do not depend on the number of threads.
 *
 * Complexity: knn O(n k) after an O(n log n) index in practice; band
 * O(n + links). Areas without a point are refused (TW_E_DOMAIN) for knn and
 * band and skipped (left as islands) when attaching islands.
 */
#include "weights/weights_internal.h"

#include "geo/areas_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static tw_status check_points(tw_ctx *ctx, const tw_areas *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (isnan(a->lon[i]) || isnan(a->lat[i]))
            return ctx_error(ctx, TW_E_DOMAIN,
                             "area %s has no point for distance weights (finalize the areas first)",
                             a->id[i]);
    return TW_OK;
}

tw_status weights_knn(tw_ctx *ctx, const tw_areas *a, int k, tw_distance dist,
                      tw_weights **out)
{
    size_t n = a->n;
    tw_status s;
    pgrid *g = NULL;
    tw_weights *w = NULL;
    if (k < 1)
        return ctx_error(ctx, TW_E_ARG, "knn needs k >= 1, got %d", k);
    if ((size_t)k >= n)
        return ctx_error(ctx, TW_E_ARG, "knn: k = %d needs more than %zu areas", k, n);
    if ((s = check_points(ctx, a)))
        return s;
    if ((s = pgrid_build(ctx, n, a->lon, a->lat, dist, &g)))
        return s;
    size_t kk = (size_t)k;
    if ((s = weights_alloc(ctx, n, n * kk, &w)))
        goto fail;
    int nt = ctx_nthreads(ctx);
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 256)
    for (long li = 0; li < (long)n; li++) {
        size_t i = (size_t)li;
        int32_t *col = w->col + i * kk;
        double *d = w->w + i * kk;
        pgrid_knn(g, i, kk, col, d);
        /* knn2nb: the row in ascending index */
        for (size_t p = 1; p < kk; p++) {
            int32_t c = col[p];
            size_t q = p;
            while (q > 0 && col[q - 1] > c) {
                col[q] = col[q - 1];
                q--;
            }
            col[q] = c;
        }
    }
    for (size_t i = 0; i < n; i++) {
        w->rowptr[i + 1] = (i + 1) * kk;
        for (size_t t = 0; t < kk; t++)
            w->w[i * kk + t] = 1.0;
    }
    w->style = TW_STYLE_B;
    pgrid_free(g);
    *out = w;
    return TW_OK;
fail:
    pgrid_free(g);
    tw_weights_free(w);
    return s;
}

/* Rows of a band as separate arrays, filled in parallel, then packed. */
typedef struct band_row {
    int32_t *idx;
    double *d;
    size_t len, cap;
} band_row;

tw_status weights_band(tw_ctx *ctx, const tw_areas *a, double band_km, double power,
                       tw_distance dist, tw_weights **out)
{
    size_t n = a->n;
    tw_status s;
    pgrid *g = NULL;
    band_row *rows = NULL;
    tw_weights *w = NULL;
    if (!(band_km > 0) || !isfinite(band_km))
        return ctx_error(ctx, TW_E_ARG, "distance band must be a positive number of km");
    if ((s = check_points(ctx, a)))
        return s;
    if ((s = pgrid_build(ctx, n, a->lon, a->lat, dist, &g)))
        return s;
    rows = ctx_calloc(ctx, n ? n : 1, sizeof *rows);
    if (!rows) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    int nt = ctx_nthreads(ctx), oom = 0;
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 128) reduction(| : oom)
    for (long li = 0; li < (long)n; li++) {
        band_row *r = &rows[li];
        size_t got = pgrid_within(g, (size_t)li, band_km, &r->idx, &r->d, &r->cap);
        if (got == (size_t)-1)
            oom = 1;
        else
            r->len = got;
    }
    if (oom) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++)
        nnz += rows[i].len;
    if ((s = weights_alloc(ctx, n, nnz, &w)))
        goto fail;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t < rows[i].len; t++) {
            double wt = 1.0;
            if (power > 0) {
                double d = rows[i].d[t];
                if (!(d > 0)) {
                    s = ctx_error(ctx, TW_E_DOMAIN,
                                  "areas %s and %s are at distance 0: inverse distance undefined",
                                  a->id[i], a->id[rows[i].idx[t]]);
                    goto fail;
                }
                wt = 1.0 / pow(d, power);
            }
            w->col[k] = rows[i].idx[t];
            w->w[k++] = wt;
        }
        w->rowptr[i + 1] = k;
    }
    w->style = TW_STYLE_B;
    for (size_t i = 0; i < n; i++) {
        ctx_free(ctx, rows[i].idx);
        ctx_free(ctx, rows[i].d);
    }
    ctx_free(ctx, rows);
    pgrid_free(g);
    *out = w;
    return TW_OK;
fail:
    if (rows)
        for (size_t i = 0; i < n; i++) {
            ctx_free(ctx, rows[i].idx);
            ctx_free(ctx, rows[i].d);
        }
    ctx_free(ctx, rows);
    pgrid_free(g);
    tw_weights_free(w);
    return s;
}

typedef struct link {
    int32_t i, j;
    double w;
} link;

static int cmp_link_ij(const void *pa, const void *pb)
{
    const link *x = pa, *y = pb;
    if (x->i != y->i)
        return (x->i > y->i) - (x->i < y->i);
    return (x->j > y->j) - (x->j < y->j);
}

tw_status weights_attach_islands(tw_ctx *ctx, const tw_areas *a, const tw_weights *in,
                                 int k, tw_distance dist, double power,
                                 tw_weights **out, size_t *attached)
{
    size_t n = in->n;
    tw_status s = TW_OK;
    pgrid *g = NULL;
    link *links = NULL;
    int32_t *idx = NULL;
    double *d = NULL;
    size_t *rowptr = NULL;
    int32_t *col = NULL;
    double *wt = NULL;
    size_t nisl = 0, nl = 0, done = 0;
    if (k < 1)
        return ctx_error(ctx, TW_E_ARG, "islands:K needs K >= 1, got %d", k);
    for (size_t i = 0; i < n; i++)
        if (in->rowptr[i + 1] == in->rowptr[i])
            nisl++;
    size_t base = in->rowptr[n];
    size_t kk = (size_t)k;
    links = ctx_mallocarray(ctx, base + 2 * nisl * kk + 1, sizeof *links);
    idx = ctx_mallocarray(ctx, kk, sizeof *idx);
    d = ctx_mallocarray(ctx, kk, sizeof *d);
    if (!links || !idx || !d) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t t = in->rowptr[i]; t < in->rowptr[i + 1]; t++)
            links[nl++] = (link){(int32_t)i, in->col[t], in->w[t]};
    if (nisl) {
        if ((s = pgrid_build(ctx, n, a->lon, a->lat, dist, &g)))
            goto fail;
        for (size_t i = 0; i < n; i++) {
            if (in->rowptr[i + 1] != in->rowptr[i])
                continue;
            size_t got = pgrid_knn(g, i, kk, idx, d);
            if (got)
                done++;
            for (size_t t = 0; t < got; t++) {
                double lw = 1.0;
                if (power > 0) {
                    if (!(d[t] > 0)) {
                        s = ctx_error(ctx, TW_E_DOMAIN,
                                      "areas %s and %s are at distance 0: inverse distance undefined",
                                      a->id[i], a->id[idx[t]]);
                        goto fail;
                    }
                    lw = 1.0 / pow(d[t], power);
                }
                links[nl++] = (link){(int32_t)i, idx[t], lw};
                links[nl++] = (link){idx[t], (int32_t)i, lw};
            }
        }
    }
    /* Two islands may pick each other: drop the repeated links. */
    qsort(links, nl, sizeof *links, cmp_link_ij);
    size_t m = 0;
    for (size_t t = 0; t < nl; t++)
        if (!m || links[t].i != links[m - 1].i || links[t].j != links[m - 1].j)
            links[m++] = links[t];
    rowptr = ctx_calloc(ctx, n + 1, sizeof *rowptr);
    col = ctx_mallocarray(ctx, m ? m : 1, sizeof *col);
    wt = ctx_mallocarray(ctx, m ? m : 1, sizeof *wt);
    if (!rowptr || !col || !wt) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t t = 0; t < m; t++) {
        rowptr[links[t].i + 1]++;
        col[t] = links[t].j;
        wt[t] = links[t].w;
    }
    for (size_t i = 0; i < n; i++)
        rowptr[i + 1] += rowptr[i];
    s = tw_weights_from_lists(ctx, n, rowptr, col, wt, out);
    if (!s && attached)
        *attached = done;
fail:
    pgrid_free(g);
    ctx_free(ctx, links);
    ctx_free(ctx, idx);
    ctx_free(ctx, d);
    ctx_free(ctx, rowptr);
    ctx_free(ctx, col);
    ctx_free(ctx, wt);
    return s;
}
