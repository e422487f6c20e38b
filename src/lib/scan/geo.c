/*
 * geo.c: the circular windows of the scan statistics, as SaTScan builds
 * them (SaTScan user guide, "Spatial window"; Kulldorff 1997, sec. 2).
 *
 * Distances. Lat/long points are converted to 3-D Cartesian coordinates
 * on a sphere of radius 6367 km (x = R cos(lat) cos(lon), y = R cos(lat)
 * sin(lon), z = R sin(lat)) and distances are the straight (chord)
 * distance between those points, which is what SaTScan computes; the
 * chord orders points exactly as the great-circle distance does and is
 * shorter by d^3 / (24 R^2) (0.001 km at 100 km). Cartesian input is used
 * as it is (z = 0), distance sqrt(dx^2 + dy^2).
 *
 * Windows. For each centre the areas are sorted by distance; ties go to
 * the lesser first coordinate, then second, then third (SaTScan's
 * CompareLocationDistance), then the lower index. Areas at the very same
 * point form one location: a window never splits them, and only the
 * first of them is a centre. The window grows one location at a time and
 * stops before the first location whose measure would take it over the
 * cap (SaTScan's "tCumMeasure + pop <= max") or whose distance exceeds
 * the maximum radius.
 *
 * Search. Areas are bucketed in a grid over the two widest of the three
 * axes (about one area per cell). A centre's candidates are the cells of
 * the box of half-side r around it, kept when within r, with r grown
 * until the cap is crossed, the radius limit reached or every area taken.
 * A weighted selection finds the area that crosses the cap, and only the
 * areas up to it are sorted (radix sort on the distance, then an exact
 * pass for ties). Cost per centre: O(candidates + k) for k entries.
 */
#include "scan/scan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double tw_scan_distance_km(double lon1, double lat1, double lon2, double lat2)
{
    const double pi = 3.14159265358979323846;
    double a1 = lat1 * pi / 180.0, o1 = lon1 * pi / 180.0, a2 = lat2 * pi / 180.0,
           o2 = lon2 * pi / 180.0;
    double dx = SCAN_EARTH_RADIUS_KM * (cos(o1) * cos(a1) - cos(o2) * cos(a2));
    double dy = SCAN_EARTH_RADIUS_KM * (sin(o1) * cos(a1) - sin(o2) * cos(a2));
    double dz = SCAN_EARTH_RADIUS_KM * (sin(a1) - sin(a2));
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Grid cell of a point (clamped: the grid covers every area). */
static size_t grid_cell(const scan_geo *g, const double *q)
{
    long i = (long)floor((q[g->ax1] - g->lo1) / g->h), j = (long)floor((q[g->ax2] - g->lo2) / g->h);
    i = i < 0 ? 0 : (i >= (long)g->nx ? (long)g->nx - 1 : i);
    j = j < 0 ? 0 : (j >= (long)g->ny ? (long)g->ny - 1 : j);
    return (size_t)i * g->ny + (size_t)j;
}

/* Lexicographic order of points, then index: finds co-located areas. */
typedef struct pt_item {
    double x, y, z;
    int32_t i;
} pt_item;

static int cmp_pt(const void *a, const void *b)
{
    const pt_item *u = a, *v = b;
    if (u->x != v->x)
        return u->x < v->x ? -1 : 1;
    if (u->y != v->y)
        return u->y < v->y ? -1 : 1;
    if (u->z != v->z)
        return u->z < v->z ? -1 : 1;
    return (u->i > v->i) - (u->i < v->i);
}

tw_status scan_geo_init(tw_ctx *ctx, scan_geo *g, tw_scan_coords coords, const double *x,
                        const double *y, size_t n)
{
    memset(g, 0, sizeof *g);
    size_t *ki = NULL;
    pt_item *pts = NULL;
    g->n = n;
    g->p = ctx_mallocarray(ctx, n ? 3 * n : 1, sizeof *g->p);
    g->is_center = ctx_calloc(ctx, n ? n : 1, 1);
    ki = ctx_mallocarray(ctx, n ? n : 1, sizeof *ki);
    pts = ctx_mallocarray(ctx, n ? n : 1, sizeof *pts);
    if (!g->p || !g->is_center || !ki || !pts)
        goto nomem;
    const double pi = 3.14159265358979323846;
    for (size_t i = 0; i < n; i++) {
        double *q = g->p + 3 * i;
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            ctx_free(ctx, ki);
            ctx_free(ctx, pts);
            scan_geo_free(ctx, g);
            return ctx_error(ctx, TW_E_DOMAIN, "area %zu has no coordinates", i);
        }
        if (coords == TW_SCAN_LATLONG) {
            if (x[i] < -180 || x[i] > 180 || y[i] < -90 || y[i] > 90) {
                ctx_free(ctx, ki);
                ctx_free(ctx, pts);
                scan_geo_free(ctx, g);
                return ctx_error(ctx, TW_E_DOMAIN,
                                 "area %zu: longitude %g, latitude %g out of range", i, x[i],
                                 y[i]);
            }
            /* SaTScan's expression order (x * PI / 180), so that exact
             * distance ties come out as in SaTScan */
            double lon = x[i] * pi / 180.0, lat = y[i] * pi / 180.0;
            q[0] = SCAN_EARTH_RADIUS_KM * cos(lon) * cos(lat);
            q[1] = SCAN_EARTH_RADIUS_KM * sin(lon) * cos(lat);
            q[2] = SCAN_EARTH_RADIUS_KM * sin(lat);
        } else {
            q[0] = x[i];
            q[1] = y[i];
            q[2] = 0;
        }
    }
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) {
            double v = g->p[3 * i + a];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    /* Grid on the two widest axes, about one area per cell. */
    int ax[3] = {0, 1, 2};
    for (int x1 = 0; x1 < 3; x1++)
        for (int x2 = x1 + 1; x2 < 3; x2++)
            if (hi[ax[x2]] - lo[ax[x2]] > hi[ax[x1]] - lo[ax[x1]]) {
                int t = ax[x1];
                ax[x1] = ax[x2];
                ax[x2] = t;
            }
    g->ax1 = ax[0];
    g->ax2 = ax[1];
    g->lo1 = lo[g->ax1];
    g->lo2 = lo[g->ax2];
    double e1 = hi[g->ax1] - lo[g->ax1], e2 = hi[g->ax2] - lo[g->ax2];
    if (e2 > 0)
        g->h = sqrt(e1 * e2 / (double)n);
    else
        g->h = e1 / (double)n;
    if (!(g->h > 0))
        g->h = 1;
    g->nx = (size_t)(e1 / g->h) + 1;
    g->ny = (size_t)(e2 / g->h) + 1;
    while (g->nx * g->ny > 4 * n + 16) { /* degenerate shapes: coarser cells */
        g->h *= 1.5;
        g->nx = (size_t)(e1 / g->h) + 1;
        g->ny = (size_t)(e2 / g->h) + 1;
    }
    size_t nc = g->nx * g->ny;
    g->cell_start = ctx_calloc(ctx, nc + 1, sizeof *g->cell_start);
    g->cell_idx = ctx_mallocarray(ctx, n ? n : 1, sizeof *g->cell_idx);
    g->cell_p = ctx_mallocarray(ctx, n ? 3 * n : 1, sizeof *g->cell_p);
    if (!g->cell_start || !g->cell_idx || !g->cell_p)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        ki[i] = grid_cell(g, g->p + 3 * i);
    for (size_t i = 0; i < n; i++)
        g->cell_start[ki[i] + 1]++;
    for (size_t k = 0; k < nc; k++)
        g->cell_start[k + 1] += g->cell_start[k];
    for (size_t i = 0; i < n; i++) {
        size_t at = g->cell_start[ki[i]]++;
        g->cell_idx[at] = (int32_t)i;
        memcpy(g->cell_p + 3 * at, g->p + 3 * i, 3 * sizeof *g->cell_p);
    }
    for (size_t k = nc; k > 0; k--) /* undo the shift of the fill */
        g->cell_start[k] = g->cell_start[k - 1];
    g->cell_start[0] = 0;
    for (size_t i = 0; i < n; i++)
        pts[i] = (pt_item){g->p[3 * i], g->p[3 * i + 1], g->p[3 * i + 2], (int32_t)i};
    qsort(pts, n, sizeof *pts, cmp_pt);
    for (size_t k = 0; k < n; k++) {
        int same = k > 0 && pts[k].x == pts[k - 1].x && pts[k].y == pts[k - 1].y &&
                   pts[k].z == pts[k - 1].z;
        g->is_center[pts[k].i] = !same;
    }
    ctx_free(ctx, ki);
    ctx_free(ctx, pts);
    return TW_OK;
nomem:
    ctx_free(ctx, ki);
    ctx_free(ctx, pts);
    scan_geo_free(ctx, g);
    return ctx_nomem(ctx);
}

void scan_geo_free(tw_ctx *ctx, scan_geo *g)
{
    if (!g)
        return;
    ctx_free(ctx, g->p);
    ctx_free(ctx, g->cell_start);
    ctx_free(ctx, g->cell_idx);
    ctx_free(ctx, g->cell_p);
    ctx_free(ctx, g->is_center);
    memset(g, 0, sizeof *g);
}

/* Exact order of two entries: distance, then the lesser coordinate
 * (SaTScan), then the index. */
static inline int nbr_less(const double *pts, const scan_nbr *u, const scan_nbr *v)
{
    if (u->d != v->d)
        return u->d < v->d;
    const double *p = pts + 3 * (size_t)u->idx, *q = pts + 3 * (size_t)v->idx;
    for (int k = 0; k < 3; k++)
        if (p[k] != q[k])
            return p[k] < q[k];
    return u->idx < v->idx;
}

/* Insertion sort by nbr_less: linear on nearly sorted input. */
static void insertion_fix(const double *pts, scan_nbr *a, size_t m)
{
    for (size_t i = 1; i < m; i++) {
        if (!nbr_less(pts, &a[i], &a[i - 1]))
            continue;
        scan_nbr x = a[i];
        size_t j = i;
        while (j > 0 && nbr_less(pts, &x, &a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/*
 * Sort a[0..m) by nbr_less: an LSD radix sort (3 passes of 11 bits) on the
 * distance rounded to float, whose bits order like the values for
 * distances >= 0, then an insertion pass with the exact comparison for
 * the few entries that rounding made equal. O(m) for the lists of
 * thousands of areas that barangay windows hold.
 */
static void sort_nbrs(const double *pts, scan_nbr *a, size_t m, scan_work *w)
{
    if (m < 64) {
        insertion_fix(pts, a, m);
        return;
    }
    uint64_t *k0 = w->k0, *k1 = w->k1;
    for (size_t i = 0; i < m; i++) {
        float f = (float)a[i].d;
        uint32_t b;
        memcpy(&b, &f, sizeof b);
        k0[i] = (uint64_t)b << 32 | (uint64_t)i;
    }
    static const int shift[3] = {32, 43, 54};
    for (int pass = 0; pass < 3; pass++) {
        size_t cnt[2048];
        memset(cnt, 0, sizeof cnt);
        int sh = shift[pass];
        for (size_t i = 0; i < m; i++)
            cnt[(k0[i] >> sh) & 2047]++;
        size_t sum = 0;
        for (int b = 0; b < 2048; b++) {
            size_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < m; i++)
            k1[cnt[(k0[i] >> sh) & 2047]++] = k0[i];
        uint64_t *t = k0;
        k0 = k1;
        k1 = t;
    }
    for (size_t i = 0; i < m; i++)
        w->tmp[i] = a[k0[i] & 0xffffffffu];
    memcpy(a, w->tmp, m * sizeof *a);
    insertion_fix(pts, a, m);
}

/*
 * Smallest distance D such that the areas with d <= D hold more than cap
 * of measure (a quickselect weighted by measure, three-way partitions so
 * that ties stay together); INFINITY when the total is not above cap.
 * Reorders a. Expected O(n).
 */
static double cap_distance(scan_nbr *a, size_t n, const double *measure, double cap)
{
    double acc = 0;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo].d, y = a[mid].d, z = a[hi - 1].d;
        double p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t lt = lo, i = lo, gt = hi;
        double wl = 0, we = 0;
        while (i < gt) {
            scan_nbr t;
            if (a[i].d < p) {
                t = a[lt];
                a[lt] = a[i];
                a[i] = t;
                wl += measure[a[lt].idx];
                lt++;
                i++;
            } else if (a[i].d > p) {
                gt--;
                t = a[i];
                a[i] = a[gt];
                a[gt] = t;
            } else {
                we += measure[a[i].idx];
                i++;
            }
        }
        if (acc + wl > cap)
            hi = lt;
        else if (acc + wl + we > cap)
            return p;
        else {
            acc += wl + we;
            lo = gt;
        }
    }
    return INFINITY;
}

/*
 * Sort buf[0..m), mark where locations end, and walk them while the cap
 * and the radius hold: *keep = entries in the largest window. Returns 1
 * when the walk stopped at a location it could not take.
 */
static int walk(const scan_geo *g, scan_nbr *buf, size_t m, const double *measure, double cap,
                double max_r, size_t *keep, scan_work *w)
{
    sort_nbrs(g->p, buf, m, w);
    for (size_t k = 0; k < m; k++) {
        int end = 1;
        if (k + 1 < m) {
            const double *p = g->p + 3 * (size_t)buf[k].idx;
            const double *q = g->p + 3 * (size_t)buf[k + 1].idx;
            end = !(p[0] == q[0] && p[1] == q[1] && p[2] == q[2]);
        }
        buf[k].end = end;
    }
    double cum = 0;
    size_t k = 0;
    *keep = 0;
    while (k < m) {
        size_t e = k;
        double add = 0;
        while (1) {
            add += measure[buf[e].idx];
            if (buf[e].end)
                break;
            e++;
        }
        if (cum + add > cap || (max_r > 0 && buf[k].d > max_r))
            return 1;
        cum += add;
        *keep = e + 1;
        k = e + 1;
    }
    return 0;
}

static inline double dist3(const double *p, const double *q)
{
    double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

size_t scan_geo_window(const scan_geo *g, size_t c, const double *measure, double cap,
                       double max_r, scan_work *w)
{
    const double *pc = g->p + 3 * c;
    scan_nbr *buf = w->buf;
    /* Start a little beyond the previous centre's radius; grow by half. */
    double r = w->r_guess > 0 ? 1.25 * w->r_guess : g->h;
    if (!(r > 0))
        r = 1.0;
    if (max_r > 0 && r > max_r)
        r = max_r;
    for (;;) {
        int limited = max_r > 0 && r >= max_r;
        if (limited)
            r = max_r;
        /* Cells of the grid that the box [c - r, c + r] on the two grid
         * axes touches; any area within r lies in them (a chord is at
         * least as long as its difference along any axis). */
        double u = pc[g->ax1], v = pc[g->ax2];
        /* clamped in double before the conversion: a huge r stays defined */
        double nx1 = (double)g->nx - 1, ny1 = (double)g->ny - 1;
        long i0 = (long)fmax(0, floor((u - r - g->lo1) / g->h));
        long i1 = (long)fmin(nx1, floor((u + r - g->lo1) / g->h));
        long j0 = (long)fmax(0, floor((v - r - g->lo2) / g->h));
        long j1 = (long)fmin(ny1, floor((v + r - g->lo2) / g->h));
        size_t m = 0;
        double tot = 0;
        for (long i = i0; i <= i1 && j0 <= j1; i++) {
            size_t s0 = g->cell_start[(size_t)i * g->ny + (size_t)j0];
            size_t s1 = g->cell_start[(size_t)i * g->ny + (size_t)j1 + 1];
            for (size_t s = s0; s < s1; s++) {
                double d = dist3(pc, g->cell_p + 3 * s);
                if (d <= r) {
                    int32_t j = g->cell_idx[s];
                    buf[m].d = d;
                    buf[m].idx = j;
                    buf[m].end = 0;
                    m++;
                    tot += measure[j];
                }
            }
        }
        int all = m == g->n;
        if (!(limited || all || tot > cap)) {
            r *= 1.5;
            continue;
        }
        /* Only the areas up to the one that crosses the cap need sorting:
         * find its distance by a weighted selection, move the areas not
         * farther than it to the front and sort those. */
        size_t front = m;
        if (tot > cap) {
            double dcap = cap_distance(buf, m, measure, cap);
            if (dcap < INFINITY) {
                size_t f = 0;
                for (size_t k = 0; k < m; k++)
                    if (buf[k].d <= dcap) {
                        scan_nbr t = buf[f];
                        buf[f] = buf[k];
                        buf[k] = t;
                        f++;
                    }
                front = f;
            }
        }
        size_t keep = 0;
        int crossed = walk(g, buf, front, measure, cap, max_r, &keep, w);
        if (!crossed && front < m) /* rounding: sort everything after all */
            crossed = walk(g, buf, m, measure, cap, max_r, &keep, w);
        if (!crossed && !limited && !all) {
            /* Rounding made the unsorted total disagree with the walk:
             * look farther. */
            r *= 2;
            continue;
        }
        /* Next centre starts near this radius (nearby centres are alike);
         * an empty window (the centre alone is over the cap) says nothing,
         * and taking r from it would let the guess grow without bound. */
        if (keep > 0)
            w->r_guess = buf[keep - 1].d > 0 ? buf[keep - 1].d : r;
        return keep;
    }
}

tw_status scan_work_init(tw_ctx *ctx, scan_work *w, size_t n)
{
    memset(w, 0, sizeof *w);
    w->buf = ctx_mallocarray(ctx, n ? n : 1, sizeof *w->buf);
    w->tmp = ctx_mallocarray(ctx, n ? n : 1, sizeof *w->tmp);
    w->k0 = ctx_mallocarray(ctx, n ? n : 1, sizeof *w->k0);
    w->k1 = ctx_mallocarray(ctx, n ? n : 1, sizeof *w->k1);
    if (!w->buf || !w->tmp || !w->k0 || !w->k1) {
        scan_work_free(ctx, w);
        return ctx_nomem(ctx);
    }
    return TW_OK;
}

void scan_work_free(tw_ctx *ctx, scan_work *w)
{
    if (!w)
        return;
    ctx_free(ctx, w->buf);
    ctx_free(ctx, w->tmp);
    ctx_free(ctx, w->k0);
    ctx_free(ctx, w->k1);
    memset(w, 0, sizeof *w);
}

/* ---- elliptic windows ---- */

void scan_ellipse_get(int e, double *shape, double *angle)
{
    static const double shapes[5] = {1.5, 2, 3, 4, 5};
    static const int angles[5] = {4, 6, 9, 12, 15};
    const double pi = 3.14159265358979323846;
    *shape = 1;
    *angle = 0;
    if (e <= 0)
        return;
    int k = e - 1;
    for (int s = 0; s < 5; s++) {
        if (k < angles[s]) {
            *shape = shapes[s];
            *angle = pi * k / angles[s];
            return;
        }
        k -= angles[s];
    }
}

/*
 * The projection of (x, y) on the line through the origin perpendicular
 * to the longest axis keeps its length; the rest is divided by the shape.
 */
void scan_ellipse_transform(double x, double y, double angle, double shape, double *X, double *Y)
{
    double w = 1 / shape;
    if (angle == 0) {
        *X = x * w;
        *Y = y;
        return;
    }
    double beta = -cos(angle) / sin(angle);
    double xp = (x + beta * y) / (1 + beta * beta), yp = beta * xp;
    *X = x * w + xp * (1 - w);
    *Y = y * w + yp * (1 - w);
}

double scan_ellipse_penalty(double shape, tw_scan_penalty p)
{
    double a = p == TW_SCAN_PENALTY_NONE ? 0 : p == TW_SCAN_PENALTY_STRONG ? 1 : 0.5;
    return pow(4 * shape / ((shape + 1) * (shape + 1)), a);
}

void scan_planar(tw_scan_coords coords, const double *x, const double *y, size_t n, double *px,
                 double *py)
{
    const double pi = 3.14159265358979323846;
    if (coords == TW_SCAN_CARTESIAN) {
        memcpy(px, x, n * sizeof *px);
        memcpy(py, y, n * sizeof *py);
        return;
    }
    double lat0 = 0;
    for (size_t i = 0; i < n; i++)
        lat0 += y[i];
    lat0 = n ? lat0 / (double)n : 0;
    double k = cos(lat0 * pi / 180.0);
    for (size_t i = 0; i < n; i++) {
        px[i] = SCAN_EARTH_RADIUS_KM * (x[i] * pi / 180.0) * k;
        py[i] = SCAN_EARTH_RADIUS_KM * (y[i] * pi / 180.0);
    }
}
