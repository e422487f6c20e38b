/*
 * pointgrid.c: exact k-nearest and within-distance queries on lon/lat
 * points, for knn and distance-band weights and for attaching islands.
 *
 * Method: a uniform grid over the bounding box in CSR form (points sorted
 * by cell, cell_start[c] .. cell_start[c+1]), with cells shrunk until the
 * typical point shares its cell with about two others (cities are far
 * denser than the countryside). Cells and points whose cheap lower bound
 * exceeds the current k-th distance are skipped before the exact (and
 * costly: six trigonometric calls) distance is computed. A
 * query visits rings of cells around its own cell. After ring r, every
 * point not yet seen lies outside a block of cells whose edges are known,
 * so its distance is bounded below by a latitude gap (>= 109 km per degree,
 * below the 110.57 km of the shortest meridian degree) or, for points in
 * the block's latitude band, by a longitude gap at the block's largest
 * |latitude| (sphere of radius 6300 km, below the polar radius). The search
 * stops when that bound exceeds the k-th distance found (knn) or dmax
 * (band). The bounds are 1-2 % under the truth, far more than the 1e-5
 * between spdep's ellipsoid formula and the geodesic, so no candidate is
 * ever missed: the results equal a brute-force scan with the same
 * distance function, including ties (broken by the lower index, as
 * spdep's insertion sort does).
 *
 * Complexity: O(n log n) build; a knn query costs O(k) cells in practice.
 * Limits: points spanning more than 180 degrees of longitude fall back to
 * one cell (brute force, O(n) a query), since the grid does not wrap
 * around the antimeridian. At most 2^22 cells.
 */
#include "weights/weights_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PG_PI 3.14159265358979323846
#define PG_MAX_CELLS (1u << 22)

struct pgrid {
    tw_ctx *ctx;
    tw_distance dist;
    size_t n;              /* all points, indexed or not */
    const double *lon, *lat; /* borrowed */
    double x0, y0, cs;     /* grid origin and cell size (degrees) */
    long nx, ny;
    size_t *cell_start;    /* nx*ny + 1 */
    int32_t *pts;          /* point indices sorted by cell, then index */
    long *cellx, *celly;   /* cell of each point (-1 when not indexed) */
};

void pgrid_free(pgrid *g)
{
    if (!g)
        return;
    ctx_free(g->ctx, g->cell_start);
    ctx_free(g->ctx, g->pts);
    ctx_free(g->ctx, g->cellx);
    ctx_free(g->ctx, g->celly);
    ctx_free(g->ctx, g);
}

static long clampl(double v, long hi)
{
    if (!(v >= 0))
        return 0;
    if (v >= (double)hi)
        return hi - 1;
    return (long)v;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Median over the points of the number of points in their cell, for cells
 * of side cs; -1 when out of memory. */
static double pgrid_typical_count(tw_ctx *ctx, const double *lon, const double *lat, size_t n,
                                  double x0, double y0, double w, double h, double cs)
{
    long nx = (long)(w / cs) + 1, ny = (long)(h / cs) + 1;
    size_t ncell = (size_t)nx * (size_t)ny, m = 0;
    uint32_t *cnt = ctx_calloc(ctx, ncell, sizeof *cnt);
    uint32_t *per = ctx_mallocarray(ctx, n ? n : 1, sizeof *per);
    if (!cnt || !per) {
        ctx_free(ctx, cnt);
        ctx_free(ctx, per);
        return -1;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            if (isnan(lon[i]) || isnan(lat[i]))
                continue;
            size_t c = (size_t)clampl((lat[i] - y0) / cs, ny) * (size_t)nx +
                       (size_t)clampl((lon[i] - x0) / cs, nx);
            if (pass == 0)
                cnt[c]++;
            else
                per[m++] = cnt[c];
        }
    qsort(per, m, sizeof *per, cmp_u32);
    double med = m ? (double)per[m / 2] : 0;
    ctx_free(ctx, cnt);
    ctx_free(ctx, per);
    return med;
}

tw_status pgrid_build(tw_ctx *ctx, size_t n, const double *lon, const double *lat,
                      tw_distance dist, pgrid **out)
{
    pgrid *g = ctx_calloc(ctx, 1, sizeof *g);
    if (!g)
        return ctx_nomem(ctx);
    g->ctx = ctx;
    g->dist = dist;
    g->n = n;
    g->lon = lon;
    g->lat = lat;
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(lon[i]) || isnan(lat[i]))
            continue;
        m++;
        if (lon[i] < minx) minx = lon[i];
        if (lon[i] > maxx) maxx = lon[i];
        if (lat[i] < miny) miny = lat[i];
        if (lat[i] > maxy) maxy = lat[i];
    }
    g->x0 = m ? minx : 0;
    g->y0 = m ? miny : 0;
    double w = m ? maxx - minx : 0, h = m ? maxy - miny : 0;
    double cs = sqrt((w > 0 ? w : 1e-9) * (h > 0 ? h : 1e-9) / (double)(m ? m : 1) * 2.0);
    if (!(cs > 0) || !isfinite(cs))
        cs = 1;
    /* Thin data (a line of points) would make tiny cells: keep cells at
     * least as large as the extent over the number of points. */
    double big = (w > h ? w : h) / (double)(m ? m : 1);
    if (cs < big)
        cs = big;
    if (cs <= 0)
        cs = 1;
    while ((w / cs + 1) * (h / cs + 1) > PG_MAX_CELLS)
        cs *= 2;
    /* Clustered points (cities) would crowd a grid sized for the average
     * density: shrink the cells until the density a typical point sees
     * (median over points of its cell's count) is about two. */
    if (m > 16 && !(dist != TW_DIST_EUCLIDEAN && w > 180)) {
        for (int pass = 0; pass < 2; pass++) {
            double typical = pgrid_typical_count(ctx, lon, lat, n, minx, miny, w, h, cs);
            if (typical < 0) {
                ctx_free(ctx, g);
                return ctx_nomem(ctx);
            }
            if (typical <= 4)
                break;
            double ncs = cs * sqrt(2.0 / typical);
            if ((w / ncs + 1) * (h / ncs + 1) > PG_MAX_CELLS)
                ncs = sqrt(w * h / (PG_MAX_CELLS / 2.0));
            if (!(ncs < cs))
                break;
            cs = ncs;
        }
    }
    if (dist != TW_DIST_EUCLIDEAN && w > 180) {
        g->nx = g->ny = 1; /* no wrap-around: brute force */
        cs = INFINITY;
    } else {
        g->nx = (long)(w / cs) + 1;
        g->ny = (long)(h / cs) + 1;
    }
    g->cs = cs;
    size_t ncell = (size_t)g->nx * (size_t)g->ny;
    g->cell_start = ctx_calloc(ctx, ncell + 1, sizeof *g->cell_start);
    g->pts = ctx_mallocarray(ctx, m ? m : 1, sizeof *g->pts);
    g->cellx = ctx_mallocarray(ctx, n ? n : 1, sizeof *g->cellx);
    g->celly = ctx_mallocarray(ctx, n ? n : 1, sizeof *g->celly);
    if (!g->cell_start || !g->pts || !g->cellx || !g->celly) {
        pgrid_free(g);
        return ctx_nomem(ctx);
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(lon[i]) || isnan(lat[i])) {
            g->cellx[i] = g->celly[i] = -1;
            continue;
        }
        g->cellx[i] = g->nx == 1 ? 0 : clampl((lon[i] - g->x0) / cs, g->nx);
        g->celly[i] = g->ny == 1 ? 0 : clampl((lat[i] - g->y0) / cs, g->ny);
        g->cell_start[(size_t)g->celly[i] * (size_t)g->nx + (size_t)g->cellx[i] + 1]++;
    }
    for (size_t c = 0; c < ncell; c++)
        g->cell_start[c + 1] += g->cell_start[c];
    /* Counting sort keeps indices ascending within a cell. */
    size_t *fill = ctx_mallocarray(ctx, ncell ? ncell : 1, sizeof *fill);
    if (!fill) {
        pgrid_free(g);
        return ctx_nomem(ctx);
    }
    memcpy(fill, g->cell_start, ncell * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        if (g->cellx[i] >= 0)
            g->pts[fill[(size_t)g->celly[i] * (size_t)g->nx + (size_t)g->cellx[i]]++] = (int32_t)i;
    ctx_free(ctx, fill);
    *out = g;
    return TW_OK;
}

/* Lower bound on the distance from the query to any point outside the
 * block of cells [bx0, bx1] x [by0, by1]; INFINITY when the block covers
 * the grid. */
static double block_bound(const pgrid *g, double qx, double qy, long bx0, long bx1,
                          long by0, long by1)
{
    double gx = INFINITY, gy = INFINITY;
    if (bx0 > 0) {
        double e = qx - (g->x0 + (double)bx0 * g->cs);
        if (e < gx) gx = e;
    }
    if (bx1 < g->nx - 1) {
        double e = g->x0 + (double)(bx1 + 1) * g->cs - qx;
        if (e < gx) gx = e;
    }
    if (by0 > 0) {
        double e = qy - (g->y0 + (double)by0 * g->cs);
        if (e < gy) gy = e;
    }
    if (by1 < g->ny - 1) {
        double e = g->y0 + (double)(by1 + 1) * g->cs - qy;
        if (e < gy) gy = e;
    }
    if (gx < 0) gx = 0;
    if (gy < 0) gy = 0;
    if (g->dist == TW_DIST_EUCLIDEAN) /* exact bound: shave off rounding */
        return (gx < gy ? gx : gy) * (1 - 1e-9) - 1e-12;
    double by_lat = gy * 109.0;
    double by_lon = INFINITY;
    if (isfinite(gx)) {
        double lat_lo = g->y0 + (double)by0 * g->cs, lat_hi = g->y0 + (double)(by1 + 1) * g->cs;
        if (by0 == 0) lat_lo = -90;
        if (by1 == g->ny - 1) lat_hi = 90;
        double phi = fmax(fabs(lat_lo), fabs(lat_hi));
        if (phi > 90) phi = 90;
        double half = (gx > 180 ? 180 : gx) * PG_PI / 360;
        double s = cos(phi * PG_PI / 180) * sin(half);
        by_lon = 2 * 6300.0 * asin(s > 1 ? 1 : (s < 0 ? 0 : s));
    }
    return by_lat < by_lon ? by_lat : by_lon;
}

static double pdist(const pgrid *g, size_t i, size_t j)
{
    return tw_distance_km(g->dist, g->lon[i], g->lat[i], g->lon[j], g->lat[j]);
}

/* Visit the cells of ring r (cells with Chebyshev distance r from (cx, cy)). */
#define RING_FOR(g, cx, cy, r, body)                                            \
    do {                                                                        \
        for (long yy_ = (cy) - (r); yy_ <= (cy) + (r); yy_++) {                 \
            if (yy_ < 0 || yy_ >= (g)->ny)                                      \
                continue;                                                       \
            long step_ = (yy_ == (cy) - (r) || yy_ == (cy) + (r) || (r) == 0) ? 1 : 2 * (r); \
            for (long xx_ = (cx) - (r); xx_ <= (cx) + (r); xx_ += step_) {      \
                if (xx_ < 0 || xx_ >= (g)->nx)                                  \
                    continue;                                                   \
                size_t c_ = (size_t)yy_ * (size_t)(g)->nx + (size_t)xx_;        \
                for (size_t t_ = (g)->cell_start[c_]; t_ < (g)->cell_start[c_ + 1]; t_++) { \
                    size_t j = (size_t)(g)->pts[t_];                            \
                    body                                                        \
                }                                                               \
            }                                                                   \
        }                                                                       \
    } while (0)

/*
 * Cheap lower bound on the distance from the query (qx, qy) to anything
 * at least gx degrees of longitude and gy of latitude away (a point:
 * gx = |dlon|, gy = |dlat|; a cell: the gaps to its rectangle). kq is
 * the km per degree of longitude at |qy| + 1 deg, shaved (see
 * query_kq). Valid because a point less than 1 deg of latitude away has
 * |lat| <= |qy| + 1; anything farther is over 109 km away.
 */
static double cheap_bound(const pgrid *g, double gx, double gy, double kq)
{
    if (g->dist == TW_DIST_EUCLIDEAN)
        return (gx > gy ? gx : gy) * (1 - 1e-9) - 1e-12;
    double b = gy * 109.0;
    if (gy < 1 && gx <= 30) {
        double bl = gx * kq;
        if (bl > b)
            b = bl;
        if (b > 109.0)
            b = 109.0;
    }
    return b;
}

/* 6300 km (under every radius of the ellipsoid) * cos(|lat| + 1 deg),
 * * 0.96 for sin(x) >= 0.988 x up to 15 deg. */
static double query_kq(double qy)
{
    double phi = fabs(qy) + 1;
    if (phi > 90)
        phi = 90;
    return 6300.0 * cos(phi * PG_PI / 180) * PG_PI / 180 * 0.96;
}

size_t pgrid_knn(const pgrid *g, size_t self, size_t k, int32_t *idx, double *d)
{
    size_t have = 0;
    if (k == 0 || g->cellx[self] < 0)
        return 0;
    long cx = g->cellx[self], cy = g->celly[self];
    double qx = g->lon[self], qy = g->lat[self];
    double kq = query_kq(qy);
    long rmax = g->nx > g->ny ? g->nx : g->ny;
    for (long r = 0; r <= rmax; r++) {
        for (long yy = cy - r; yy <= cy + r; yy++) {
            if (yy < 0 || yy >= g->ny)
                continue;
            long step = (yy == cy - r || yy == cy + r || r == 0) ? 1 : 2 * r;
            for (long xx = cx - r; xx <= cx + r; xx += step) {
                if (xx < 0 || xx >= g->nx)
                    continue;
                size_t c = (size_t)yy * (size_t)g->nx + (size_t)xx;
                if (g->cell_start[c] == g->cell_start[c + 1])
                    continue;
                if (have == k && r > 0) {
                    double x0 = g->x0 + (double)xx * g->cs, y0 = g->y0 + (double)yy * g->cs;
                    double gx = fmax(0, fmax(x0 - qx, qx - (x0 + g->cs)));
                    double gy = fmax(0, fmax(y0 - qy, qy - (y0 + g->cs)));
                    if (cheap_bound(g, gx, gy, kq) > d[k - 1])
                        continue;
                }
                for (size_t t = g->cell_start[c]; t < g->cell_start[c + 1]; t++) {
                    size_t j = (size_t)g->pts[t];
                    if (j == self)
                        continue;
                    if (have == k &&
                        cheap_bound(g, fabs(g->lon[j] - qx), fabs(g->lat[j] - qy), kq) > d[k - 1])
                        continue;
                    double dj = pdist(g, self, j);
                    /* Insert by (distance, index); equal distances keep the
                     * lower index first, as spdep's strict '<' insertion
                     * does when it scans j in ascending order. */
                    if (have < k || dj < d[have - 1] ||
                        (dj == d[have - 1] && (int32_t)j < idx[have - 1])) {
                        size_t p = have < k ? have : k - 1;
                        while (p > 0 &&
                               (d[p - 1] > dj || (d[p - 1] == dj && idx[p - 1] > (int32_t)j))) {
                            d[p] = d[p - 1];
                            idx[p] = idx[p - 1];
                            p--;
                        }
                        d[p] = dj;
                        idx[p] = (int32_t)j;
                        if (have < k)
                            have++;
                    }
                }
            }
        }
        double lb = block_bound(g, qx, qy, cx - r, cx + r, cy - r, cy + r);
        if (isinf(lb) && lb > 0)
            break;
        if (have == k && lb > d[k - 1])
            break;
    }
    return have;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

size_t pgrid_within(const pgrid *g, size_t self, double dmax, int32_t **idx, double **d,
                    size_t *cap)
{
    size_t have = 0;
    if (g->cellx[self] < 0)
        return 0;
    long cx = g->cellx[self], cy = g->celly[self];
    double qx = g->lon[self], qy = g->lat[self];
    long rmax = g->nx > g->ny ? g->nx : g->ny;
    int oom = 0;
    for (long r = 0; r <= rmax && !oom; r++) {
        RING_FOR(g, cx, cy, r, {
            if (j != self && !oom) {
                double dj = pdist(g, self, j);
                if (dj >= 0 && dj <= dmax) {
                    if (have == *cap) {
                        size_t nc = *cap ? 2 * *cap : 64;
                        int32_t *ni = ctx_realloc(g->ctx, *idx, nc * sizeof *ni);
                        if (ni)
                            *idx = ni;
                        double *nd = ni ? ctx_realloc(g->ctx, *d, nc * sizeof *nd) : NULL;
                        if (nd)
                            *d = nd;
                        if (!ni || !nd)
                            oom = 1;
                        else
                            *cap = nc;
                    }
                    if (!oom) {
                        (*idx)[have] = (int32_t)j;
                        (*d)[have] = dj;
                        have++;
                    }
                }
            }
        });
        double lb = block_bound(g, qx, qy, cx - r, cx + r, cy - r, cy + r);
        if (lb > dmax)
            break;
    }
    if (oom)
        return (size_t)-1;
    /* Ascending index (as spdep lists them): sort the indices and
     * recompute the distances, cheaper than carrying pairs through qsort. */
    if (have > 1) {
        qsort(*idx, have, sizeof **idx, cmp_i32);
        for (size_t t = 0; t < have; t++)
            (*d)[t] = pdist(g, self, (size_t)(*idx)[t]);
    }
    return have;
}
