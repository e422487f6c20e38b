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
 * Search. Points are sorted along their widest axis; a centre's candidates
 * are the slab |key - key_c| <= r, kept when within r, with r doubled
 * until the cap is crossed, the radius limit reached or every area taken.
 * Cost per centre: O(slab + k log k) for a window list of k entries.
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

typedef struct key_item {
    double k;
    int32_t i;
} key_item;

static int cmp_key(const void *a, const void *b)
{
    const key_item *x = a, *y = b;
    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
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
    key_item *ki = NULL;
    pt_item *pts = NULL;
    g->n = n;
    g->p = ctx_mallocarray(ctx, n ? 3 * n : 1, sizeof *g->p);
    g->order = ctx_mallocarray(ctx, n ? n : 1, sizeof *g->order);
    g->key = ctx_mallocarray(ctx, n ? n : 1, sizeof *g->key);
    g->is_center = ctx_calloc(ctx, n ? n : 1, 1);
    ki = ctx_mallocarray(ctx, n ? n : 1, sizeof *ki);
    pts = ctx_mallocarray(ctx, n ? n : 1, sizeof *pts);
    if (!g->p || !g->order || !g->key || !g->is_center || !ki || !pts)
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
    g->axis = 0;
    for (int a = 1; a < 3; a++)
        if (n && hi[a] - lo[a] > hi[g->axis] - lo[g->axis])
            g->axis = a;
    for (size_t i = 0; i < n; i++)
        ki[i] = (key_item){g->p[3 * i + g->axis], (int32_t)i};
    qsort(ki, n, sizeof *ki, cmp_key);
    for (size_t i = 0; i < n; i++) {
        g->order[i] = ki[i].i;
        g->key[i] = ki[i].k;
    }
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
    ctx_free(ctx, g->order);
    ctx_free(ctx, g->key);
    ctx_free(ctx, g->is_center);
    memset(g, 0, sizeof *g);
}

/* qsort has no context argument: the comparator reads the points here.
 * Each thread sorts with its own copy through a thread-local pointer. */
static _Thread_local const double *tl_points;

static int cmp_nbr(const void *a, const void *b)
{
    const scan_nbr *u = a, *v = b;
    if (u->d != v->d)
        return u->d < v->d ? -1 : 1;
    const double *p = tl_points + 3 * (size_t)u->idx, *q = tl_points + 3 * (size_t)v->idx;
    for (int k = 0; k < 3; k++)
        if (p[k] != q[k])
            return p[k] < q[k] ? -1 : 1;
    return (u->idx > v->idx) - (u->idx < v->idx);
}

/* Sort by distance only (inline comparisons; qsort's callback costs
 * several times more on lists of thousands): quicksort with median of
 * three, insertion sort below 16, recursion on the smaller side. */
static void sort_by_d(scan_nbr *a, size_t n)
{
    while (n > 16) {
        size_t mid = n / 2;
        scan_nbr t;
#define SWAPN(i, j) (t = a[i], a[i] = a[j], a[j] = t)
        if (a[mid].d < a[0].d)
            SWAPN(mid, 0);
        if (a[n - 1].d < a[0].d)
            SWAPN(n - 1, 0);
        if (a[n - 1].d < a[mid].d)
            SWAPN(n - 1, mid);
        double piv = a[mid].d;
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i].d < piv)
                i++;
            while (piv < a[j].d)
                j--;
            if (i >= j)
                break;
            SWAPN(i, j);
            i++;
            j--;
        }
#undef SWAPN
        size_t left = j + 1;
        if (left < n - left) {
            sort_by_d(a, left);
            a += left;
            n -= left;
        } else {
            sort_by_d(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        scan_nbr x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].d > x.d) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Full order: by distance, then the tie rule (cmp_nbr) inside runs of
 * equal distance, which are rare except on grids. */
static void sort_nbrs(scan_nbr *a, size_t n)
{
    sort_by_d(a, n);
    for (size_t k = 0; k < n;) {
        size_t e = k + 1;
        while (e < n && a[e].d == a[k].d)
            e++;
        if (e - k > 1)
            qsort(a + k, e - k, sizeof *a, cmp_nbr);
        k = e;
    }
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
                double max_r, size_t *keep)
{
    sort_nbrs(buf, m);
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

static size_t lower_bound(const double *key, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline double dist3(const double *p, const double *q)
{
    double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

size_t scan_geo_window(const scan_geo *g, size_t c, const double *measure, double cap,
                       double max_r, scan_nbr *buf, double *r_guess)
{
    const double *pc = g->p + 3 * c;
    /* Start a little beyond the previous centre's radius; grow by half. */
    double r = *r_guess > 0 ? 1.25 * *r_guess : 1.0;
    if (max_r > 0 && r > max_r)
        r = max_r;
    tl_points = g->p;
    for (;;) {
        int limited = max_r > 0 && r >= max_r;
        if (limited)
            r = max_r;
        double kc = pc[g->axis];
        size_t a = lower_bound(g->key, g->n, kc - r);
        size_t m = 0;
        double tot = 0;
        for (size_t s = a; s < g->n && g->key[s] <= kc + r; s++) {
            int32_t j = g->order[s];
            double d = dist3(pc, g->p + 3 * (size_t)j);
            if (d <= r) {
                buf[m].d = d;
                buf[m].idx = j;
                buf[m].end = 0;
                m++;
                tot += measure[j];
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
        int crossed = walk(g, buf, front, measure, cap, max_r, &keep);
        if (!crossed && front < m) /* rounding: sort everything after all */
            crossed = walk(g, buf, m, measure, cap, max_r, &keep);
        if (!crossed && !limited && !all) {
            /* Rounding made the unsorted total disagree with the walk:
             * look farther. */
            r *= 2;
            continue;
        }
        /* Next centre starts near this radius (nearby centres are alike). */
        *r_guess = keep > 0 ? (buf[keep - 1].d > 0 ? buf[keep - 1].d : r) : r;
        return keep;
    }
}
