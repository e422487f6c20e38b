/*
 * locator.c: which polygon contains a point (tw_locator_find) and which
 * polygon boundary is nearest (tw_locator_nearest).
 *
 * Index: a uniform grid over the bounding box of all polygons, about 8
 * cells per polygon. Each cell lists, in area order, the polygons that can
 * contain a point of the cell, flagged "full" when the whole cell lies
 * inside the polygon (no edge's bounding box touches the cell and the cell
 * centre is inside): a point there needs no edge test. This is the cell
 * classification of Zalik & Kolingerova, "A cell-based point-in-polygon
 * algorithm suitable for large sets of points", Computers & Geosciences
 * 27 (2001) 1135-1145. For the remaining "boundary" candidates, each
 * polygon's non-horizontal edges are bucketed into horizontal bands of its
 * bounding box (about 4 edges per band), and the point is tested by
 * even-odd ray crossing (Franklin's PNPOLY) against the edges of its band
 * only. Holes and multipolygon parts need nothing special: even-odd over
 * every ring of the area.
 *
 * Points on boundaries: the crossing test is half-open (an edge counts when
 * y0 <= py < y1 and px < x(py)), and every edge is stored with its lower
 * end first so that an edge shared by two polygons gives bit-identical
 * intersections in both. A point on an edge shared exactly by two
 * polygons therefore lies in exactly one of them: the one to its east for
 * a vertical edge, to its north for a horizontal one (tested). Points on
 * an outer boundary that is not shared may be in or out by the same rule.
 * When polygons overlap, the lowest area index wins.
 *
 * Cost: build O(edges + cells); find O(1) cell lookup + O(candidates *
 * edges per band): 3.6 to 18 million points/s per core on the 41,096
 * lowres barangays, depending on the point set
 * (bench/bench_locate.c). Memory: 32 bytes per edge and band, 4 bytes per
 * cell entry. Read-only after building: find/nearest may run from many
 * threads at once. Limits: 2^32 - 1 edges and cell entries.
 *
 * Nearest: rings of grid cells around the point are visited outward,
 * empty cells skipped, others pruned by lower bounds (haversine of the
 * latitude and longitude gaps); the search stops when a whole ring is
 * farther than the best so far;
 * the distance to a polygon is the great-circle distance on the sphere of
 * TW_DIST_HAVERSINE (R = 6371.0088 km) from the point to the nearest edge,
 * each edge taken as the minor great-circle arc between its vertices
 * (a straight lon/lat edge of 10 km differs from its arc by < 1 m).
 * Polygons only: areas with just a point are not candidates.
 */
#include "geo/areas_internal.h"

#include <math.h>
#include <string.h>

#define LOC_PI 3.14159265358979323846
#define LOC_CELLS_PER_POLY 8
#define LOC_MAX_CELLS (1u << 23)
#define LOC_EDGES_PER_BAND 4
#define LOC_MAX_BANDS 4096

typedef struct loc_edge {
    double y0, y1; /* y0 < y1 */
    double x0;     /* x at y0 */
    double slope;  /* dx/dy */
} loc_edge;

typedef struct loc_poly {
    double bb[4];      /* minx, miny, maxx, maxy */
    double by0, bih;   /* band origin and inverse band height */
    uint32_t band0;    /* first of its bands in band_start */
    uint32_t nband;    /* 0: no polygon */
} loc_poly;

struct tw_locator {
    tw_ctx *ctx;
    const tw_areas *a;
    size_t n;
    loc_poly *poly;      /* n */
    uint32_t *band_start; /* sum(nband) + 1 offsets into bedge */
    loc_edge *bedge;
    /* grid */
    double gx0, gy0, gx1, gy1, icw, ich, cw, ch;
    uint32_t nx, ny;
    uint32_t *cell_start; /* nx * ny + 1 */
    uint32_t *cell_item;  /* area << 1 | full */
};

static inline uint32_t cell_x(const tw_locator *l, double x)
{
    double f = (x - l->gx0) * l->icw;
    if (!(f > 0))
        return 0;
    uint32_t c = f >= (double)l->nx ? l->nx - 1 : (uint32_t)f;
    return c;
}

static inline uint32_t cell_y(const tw_locator *l, double y)
{
    double f = (y - l->gy0) * l->ich;
    if (!(f > 0))
        return 0;
    uint32_t c = f >= (double)l->ny ? l->ny - 1 : (uint32_t)f;
    return c;
}

static inline uint32_t band_of(const loc_poly *p, double y)
{
    double f = (y - p->by0) * p->bih;
    if (!(f > 0))
        return 0;
    return f >= (double)p->nband ? p->nband - 1 : (uint32_t)f;
}

/* Even-odd test of (px, py) against area k (bbox already passed). */
static inline int pip(const tw_locator *l, const loc_poly *p, double px, double py)
{
    uint32_t b = p->band0 + band_of(p, py);
    const loc_edge *e = l->bedge + l->band_start[b];
    const loc_edge *end = l->bedge + l->band_start[b + 1];
    int c = 0;
    for (; e < end; e++) {
        if (e->y0 <= py && py < e->y1) {
            double x = e->x0 + (py - e->y0) * e->slope;
            if (px < x)
                c ^= 1;
        }
    }
    return c;
}

static inline int in_bbox(const double *bb, double x, double y)
{
    return x >= bb[0] && x <= bb[2] && y >= bb[1] && y <= bb[3];
}

void tw_locator_free(tw_locator *loc)
{
    if (!loc)
        return;
    tw_ctx *ctx = loc->ctx;
    ctx_free(ctx, loc->poly);
    ctx_free(ctx, loc->band_start);
    ctx_free(ctx, loc->bedge);
    ctx_free(ctx, loc->cell_start);
    ctx_free(ctx, loc->cell_item);
    ctx_free(ctx, loc);
}

/* Edges of area geometry g (non-horizontal, lower end first) into bands. */
static void edges_count(const area_geom *g, size_t *nedge)
{
    size_t m = 0;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t np = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t k = 0; k + 1 < np; k++)
            if (p[2 * k + 1] != p[2 * k + 3])
                m++;
    }
    *nedge = m;
}

static loc_edge make_edge(const double *p, const double *q)
{
    loc_edge e;
    if (p[1] > q[1]) {
        const double *t = p;
        p = q;
        q = t;
    }
    e.y0 = p[1];
    e.y1 = q[1];
    e.x0 = p[0];
    e.slope = (q[0] - p[0]) / (q[1] - p[1]);
    return e;
}

/* Visit edges of g: fn(ud, edge) for each non-horizontal one. Two passes
 * (count band entries, then fill) share this walk. */
static size_t bands_fill(const loc_poly *lp, const area_geom *g, uint32_t *band_start,
                         loc_edge *bedge, uint32_t *cursor)
{
    size_t total = 0;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t np = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t k = 0; k + 1 < np; k++) {
            if (p[2 * k + 1] == p[2 * k + 3])
                continue;
            loc_edge e = make_edge(p + 2 * k, p + 2 * k + 2);
            uint32_t b0 = band_of(lp, e.y0), b1 = band_of(lp, e.y1);
            for (uint32_t b = b0; b <= b1; b++) {
                if (bedge)
                    bedge[cursor[b]++] = e;
                else if (band_start)
                    band_start[lp->band0 + b]++;
                total++;
            }
        }
    }
    return total;
}

typedef struct pair32 {
    uint32_t cell, item;
} pair32;

typedef struct pairvec {
    tw_ctx *ctx;
    pair32 *v;
    size_t n, cap;
} pairvec;

static int pv_push(pairvec *pv, uint32_t cell, uint32_t item)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 4096;
        pair32 *v = ctx_realloc(pv->ctx, pv->v, cap * sizeof *v);
        if (!v)
            return 0;
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n].cell = cell;
    pv->v[pv->n].item = item;
    pv->n++;
    return 1;
}

tw_status tw_locator_new(tw_ctx *ctx, const tw_areas *a, tw_locator **out)
{
    tw_status s = TW_OK;
    tw_locator *l = NULL;
    unsigned char *mark = NULL;
    uint32_t *cursor = NULL;
    pairvec pv = {ctx, NULL, 0, 0};

    if (!ctx || !a || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_locator_new: NULL argument") : TW_E_ARG;
    if (a->n > (size_t)INT32_MAX)
        return ctx_error(ctx, TW_E_UNSUPPORTED, "too many areas for the locator");
    l = ctx_calloc(ctx, 1, sizeof *l);
    if (!l)
        return ctx_nomem(ctx);
    l->ctx = ctx;
    l->a = a;
    l->n = a->n;
    l->poly = ctx_calloc(ctx, a->n ? a->n : 1, sizeof *l->poly);
    if (!l->poly)
        goto nomem;

    /* Polygons: bboxes and bands. */
    double gb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    size_t npoly = 0, nbands = 0;
    for (size_t i = 0; i < a->n; i++) {
        const area_geom *g = a->geom[i];
        loc_poly *lp = &l->poly[i];
        if (!g || g->n_points == 0)
            continue;
        size_t m;
        edges_count(g, &m);
        double bb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (size_t k = 0; k < g->n_points; k++) {
            double x = g->xy[2 * k], y = g->xy[2 * k + 1];
            if (x < bb[0]) bb[0] = x;
            if (y < bb[1]) bb[1] = y;
            if (x > bb[2]) bb[2] = x;
            if (y > bb[3]) bb[3] = y;
        }
        memcpy(lp->bb, bb, sizeof bb);
        size_t nb = m / LOC_EDGES_PER_BAND;
        if (nb < 1)
            nb = 1;
        if (nb > LOC_MAX_BANDS)
            nb = LOC_MAX_BANDS;
        double h = bb[3] - bb[1];
        if (!(h > 0))
            nb = 1;
        lp->nband = (uint32_t)nb;
        lp->by0 = bb[1];
        lp->bih = h > 0 ? (double)nb / h : 0;
        if (nbands > UINT32_MAX - nb - 1) {
            s = ctx_error(ctx, TW_E_UNSUPPORTED, "too many edges for the locator");
            goto fail;
        }
        lp->band0 = (uint32_t)nbands;
        nbands += nb;
        npoly++;
        for (int b = 0; b < 2; b++) {
            if (bb[b] < gb[b]) gb[b] = bb[b];
            if (bb[b + 2] > gb[b + 2]) gb[b + 2] = bb[b + 2];
        }
    }
    if (npoly == 0) {
        s = ctx_error(ctx, TW_E_EMPTY, "no polygons to locate points in");
        goto fail;
    }
    l->band_start = ctx_calloc(ctx, nbands + 1, sizeof *l->band_start);
    cursor = ctx_mallocarray(ctx, nbands + 1, sizeof *cursor);
    if (!l->band_start || !cursor)
        goto nomem;
    size_t nbe = 0;
    for (size_t i = 0; i < a->n; i++)
        if (l->poly[i].nband) {
            nbe += bands_fill(&l->poly[i], a->geom[i], l->band_start, NULL, NULL);
            if (nbe > UINT32_MAX) {
                s = ctx_error(ctx, TW_E_UNSUPPORTED, "too many edges for the locator");
                goto fail;
            }
        }
    /* counts -> offsets */
    uint32_t acc = 0;
    for (size_t b = 0; b < nbands; b++) {
        uint32_t c = l->band_start[b];
        l->band_start[b] = acc;
        cursor[b] = acc;
        acc += c;
    }
    l->band_start[nbands] = acc;
    l->bedge = ctx_mallocarray(ctx, nbe ? nbe : 1, sizeof *l->bedge);
    if (!l->bedge)
        goto nomem;
    for (size_t i = 0; i < a->n; i++)
        if (l->poly[i].nband)
            bands_fill(&l->poly[i], a->geom[i], NULL, l->bedge, cursor + l->poly[i].band0);

    /* Grid: square-ish cells (in degrees), about LOC_CELLS_PER_POLY per polygon. */
    double W = gb[2] - gb[0], H = gb[3] - gb[1];
    double tiny = 1e-9 * (1 + fabs(gb[0]) + fabs(gb[1]));
    if (W < tiny) W = tiny;
    if (H < tiny) H = tiny;
    double target = (double)npoly * LOC_CELLS_PER_POLY;
    if (target > LOC_MAX_CELLS)
        target = LOC_MAX_CELLS;
    if (target < 16)
        target = 16;
    double side = sqrt(W * H / target);
    double fnx = ceil(W / side), fny = ceil(H / side);
    if (fnx < 1) fnx = 1;
    if (fny < 1) fny = 1;
    if (fnx > 65536) fnx = 65536;
    if (fny > 65536) fny = 65536;
    while (fnx * fny > LOC_MAX_CELLS) {
        fnx = ceil(fnx / 2);
        fny = ceil(fny / 2);
    }
    l->nx = (uint32_t)fnx;
    l->ny = (uint32_t)fny;
    l->gx0 = gb[0];
    l->gy0 = gb[1];
    l->gx1 = gb[2];
    l->gy1 = gb[3];
    l->cw = W / fnx;
    l->ch = H / fny;
    l->icw = fnx / W;
    l->ich = fny / H;
    size_t ncell = (size_t)l->nx * l->ny;

    /* Cell entries, polygon by polygon (so each cell lists areas in order). */
    size_t markcap = 0;
    for (size_t i = 0; i < a->n; i++) {
        const loc_poly *lp = &l->poly[i];
        const area_geom *g = a->geom[i];
        if (!lp->nband)
            continue;
        uint32_t cx0 = cell_x(l, lp->bb[0]), cx1 = cell_x(l, lp->bb[2]);
        uint32_t cy0 = cell_y(l, lp->bb[1]), cy1 = cell_y(l, lp->bb[3]);
        size_t w = cx1 - cx0 + 1, h = cy1 - cy0 + 1, nc = w * h;
        uint32_t item = (uint32_t)i << 1;
        if (nc <= 2) {
            for (uint32_t cy = cy0; cy <= cy1; cy++)
                for (uint32_t cx = cx0; cx <= cx1; cx++)
                    if (!pv_push(&pv, cy * l->nx + cx, item))
                        goto nomem;
            continue;
        }
        if (nc > markcap) {
            unsigned char *m2 = ctx_realloc(ctx, mark, nc);
            if (!m2)
                goto nomem;
            mark = m2;
            markcap = nc;
        }
        memset(mark, 0, nc);
        /* Every edge (horizontal ones too) marks the cells its bbox meets:
         * a point on the boundary never falls in a "full" cell. */
        for (size_t r = 0; r < g->n_rings; r++) {
            const double *p = g->xy + 2 * g->ring_start[r];
            size_t np = g->ring_start[r + 1] - g->ring_start[r];
            for (size_t k = 0; k + 1 < np; k++) {
                double ex0 = fmin(p[2 * k], p[2 * k + 2]), ex1 = fmax(p[2 * k], p[2 * k + 2]);
                double ey0 = fmin(p[2 * k + 1], p[2 * k + 3]);
                double ey1 = fmax(p[2 * k + 1], p[2 * k + 3]);
                uint32_t ax0 = cell_x(l, ex0), ax1 = cell_x(l, ex1);
                uint32_t ay0 = cell_y(l, ey0), ay1 = cell_y(l, ey1);
                for (uint32_t cy = ay0; cy <= ay1; cy++)
                    memset(mark + (size_t)(cy - cy0) * w + (ax0 - cx0), 1, ax1 - ax0 + 1);
            }
        }
        for (uint32_t cy = cy0; cy <= cy1; cy++) {
            for (uint32_t cx = cx0; cx <= cx1; cx++) {
                uint32_t flag;
                if (mark[(size_t)(cy - cy0) * w + (cx - cx0)]) {
                    flag = 0;
                } else {
                    double mx = l->gx0 + (cx + 0.5) * l->cw, my = l->gy0 + (cy + 0.5) * l->ch;
                    if (!in_bbox(lp->bb, mx, my) || !pip(l, lp, mx, my))
                        continue; /* the whole cell is outside */
                    flag = 1;
                }
                if (!pv_push(&pv, cy * l->nx + cx, item | flag))
                    goto nomem;
            }
        }
        if (pv.n > UINT32_MAX) {
            s = ctx_error(ctx, TW_E_UNSUPPORTED, "too many cell entries for the locator");
            goto fail;
        }
    }
    l->cell_start = ctx_calloc(ctx, ncell + 1, sizeof *l->cell_start);
    l->cell_item = ctx_mallocarray(ctx, pv.n ? pv.n : 1, sizeof *l->cell_item);
    if (!l->cell_start || !l->cell_item)
        goto nomem;
    for (size_t k = 0; k < pv.n; k++)
        l->cell_start[pv.v[k].cell + 1]++;
    for (size_t c = 0; c < ncell; c++)
        l->cell_start[c + 1] += l->cell_start[c];
    /* Stable counting sort: reuse the counts as cursors. */
    ctx_free(ctx, cursor);
    cursor = ctx_mallocarray(ctx, ncell ? ncell : 1, sizeof *cursor);
    if (!cursor)
        goto nomem;
    memcpy(cursor, l->cell_start, ncell * sizeof *cursor);
    for (size_t k = 0; k < pv.n; k++)
        l->cell_item[cursor[pv.v[k].cell]++] = pv.v[k].item;

    *out = l;
    l = NULL;
    goto fail;
nomem:
    s = ctx_nomem(ctx);
fail:
    ctx_free(ctx, pv.v);
    ctx_free(ctx, mark);
    ctx_free(ctx, cursor);
    tw_locator_free(l);
    return s;
}

long tw_locator_find(const tw_locator *l, double lon, double lat)
{
    if (!l || !(lon >= l->gx0 && lon <= l->gx1 && lat >= l->gy0 && lat <= l->gy1))
        return -1;
    size_t c = (size_t)cell_y(l, lat) * l->nx + cell_x(l, lon);
    for (uint32_t k = l->cell_start[c], e = l->cell_start[c + 1]; k < e; k++) {
        uint32_t item = l->cell_item[k];
        const loc_poly *p = &l->poly[item >> 1];
        if (item & 1)
            return (long)(item >> 1);
        if (in_bbox(p->bb, lon, lat) && pip(l, p, lon, lat))
            return (long)(item >> 1);
    }
    return -1;
}

/* ---- nearest ---- */

#define LOC_R_KM 6371.0088 /* as TW_DIST_HAVERSINE */

typedef struct near_q {
    double lon0, lat0;
    double p[3];        /* the point as a unit vector */
    double coslat0;
    double cmin;        /* min cos(lat) over the grid's latitudes */
    double best;        /* great-circle angle (radians) of the best so far */
    double hbest;       /* sin^2(best / 2): bounds compare in haversine form */
    long best_i;
} near_q;

static void unit(double lon, double lat, double v[3])
{
    double la = lat * (LOC_PI / 180), lo = lon * (LOC_PI / 180);
    v[0] = cos(la) * cos(lo);
    v[1] = cos(la) * sin(lo);
    v[2] = sin(la);
}

static void cross(const double a[3], const double b[3], double c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static double dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double norm(const double a[3]) { return sqrt(dot(a, a)); }

/* Angle between unit vectors, stable at every size. */
static double angle(const double a[3], const double b[3])
{
    double c[3];
    cross(a, b, c);
    return atan2(norm(c), dot(a, b));
}

/* Angle from p to the minor great-circle arc a-b. */
static double arc_angle(const double p[3], const double a[3], const double b[3])
{
    double n[3], c[3], t[3];
    cross(a, b, n);
    double nn = norm(n);
    double ea = angle(p, a), eb = angle(p, b), e = ea < eb ? ea : eb;
    if (nn < 1e-15)
        return e; /* a == b (or antipodal: not an edge) */
    for (int k = 0; k < 3; k++)
        n[k] /= nn;
    double pn = dot(p, n);
    for (int k = 0; k < 3; k++)
        c[k] = p[k] - pn * n[k];
    double cn = norm(c);
    if (cn < 1e-15)
        return e; /* p is a pole of the arc's circle: every point is 90 degrees off */
    /* Is the foot c between a and b on the circle? */
    cross(a, c, t);
    if (dot(t, n) < 0)
        return e;
    cross(c, b, t);
    if (dot(t, n) < 0)
        return e;
    double d = atan2(fabs(pn), cn);
    return d < e ? d : e;
}

/*
 * Lower bound of the angle from the point to any point of a lon/lat
 * rectangle, as the haversine h = sin^2(angle / 2) (monotone in the angle,
 * so no asin is needed to compare): the haversine formula with the latitude gap, the longitude
 * gap (shorter way round) and the smallest cos(lat) of the grid, which
 * keeps the bound monotone from one ring of cells to the next.
 */
static double rect_lb(const near_q *q, double x0, double y0, double x1, double y1)
{
    double dy = fmax(0, fmax(y0 - q->lat0, q->lat0 - y1));
    double gx = fmax(0, fmax(x0 - q->lon0, q->lon0 - x1));
    double dx = fmin(gx, fmax(0, 360 - gx - (x1 - x0)));
    double sy = sin(dy * (LOC_PI / 360)), sx = sin(dx * (LOC_PI / 360));
    return sy * sy + q->coslat0 * q->cmin * sx * sx;
}

static void near_poly(near_q *q, const area_geom *g, long k)
{
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t np = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t i = 0; i + 1 < np; i++) {
            /* The latitude gap alone bounds the edge cheaply. */
            double ylo = fmin(p[2 * i + 1], p[2 * i + 3]), yhi = fmax(p[2 * i + 1], p[2 * i + 3]);
            double gap = fmax(0, fmax(ylo - q->lat0, q->lat0 - yhi)) * (LOC_PI / 180);
            if (gap > q->best)
                continue;
            double a[3], b[3];
            unit(p[2 * i], p[2 * i + 1], a);
            unit(p[2 * i + 2], p[2 * i + 3], b);
            double d = arc_angle(q->p, a, b);
            if (d < q->best || (d == q->best && k < q->best_i)) {
                double sh = sin(d / 2);
                q->best = d;
                q->hbest = sh * sh;
                q->best_i = k;
            }
        }
    }
}

long tw_locator_nearest(const tw_locator *l, double lon, double lat, double *dist_km)
{
    if (dist_km)
        *dist_km = NAN;
    if (!l || !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
        return -1;
    long in = tw_locator_find(l, lon, lat);
    if (in >= 0) {
        if (dist_km)
            *dist_km = 0;
        return in;
    }
    near_q q;
    q.lon0 = lon;
    q.lat0 = lat;
    unit(lon, lat, q.p);
    q.coslat0 = cos(lat * (LOC_PI / 180));
    q.cmin = fmin(cos(l->gy0 * (LOC_PI / 180)), cos(l->gy1 * (LOC_PI / 180)));
    q.best = INFINITY;
    q.hbest = INFINITY;
    q.best_i = -1;
    long ci = (long)cell_x(l, lon), cj = (long)cell_y(l, lat);
    long nx = (long)l->nx, ny = (long)l->ny;
    long rmax = nx > ny ? nx : ny;
    /* Areas already measured in this query (small, linear: most queries
     * meet a handful of polygons; beyond 64 a repeat is only slower). */
    long seen[64];
    size_t nseen = 0;
    /* Every cell of ring r is at least r - 1 cells away in latitude or in
     * longitude (the longitude part only counts when the point is within
     * the grid's longitudes: otherwise the way round may be shorter). */
    int lon_inside = lon >= l->gx0 && lon <= l->gx1;
    for (long r = 0; r <= rmax; r++) {
        if (r >= 2) {
            double gy = (double)(r - 1) * l->ch, gx = (double)(r - 1) * l->cw;
            double sy = sin(gy * (LOC_PI / 360)), sx = sin(gx * (LOC_PI / 360));
            double hy = sy * sy, hx = lon_inside ? q.coslat0 * q.cmin * sx * sx : 0;
            if (fmin(hy, hx) > q.hbest)
                break;
        }
        for (long j = cj - r; j <= cj + r; j++) {
            if (j < 0 || j >= ny)
                continue;
            long step = (r == 0 || j == cj - r || j == cj + r) ? 1 : 2 * r;
            for (long i = ci - r; i <= ci + r; i += step) {
                if (i < 0 || i >= nx)
                    continue;
                size_t c = (size_t)j * l->nx + (size_t)i;
                if (l->cell_start[c] == l->cell_start[c + 1])
                    continue; /* empty (at sea): no bound needed */
                double x0 = l->gx0 + (double)i * l->cw, y0 = l->gy0 + (double)j * l->ch;
                if (rect_lb(&q, x0, y0, x0 + l->cw, y0 + l->ch) > q.hbest)
                    continue;
                for (uint32_t k = l->cell_start[c]; k < l->cell_start[c + 1]; k++) {
                    uint32_t item = l->cell_item[k];
                    if (item & 1)
                        continue; /* a full cell holds no boundary */
                    long a = (long)(item >> 1);
                    const loc_poly *p = &l->poly[a];
                    if (rect_lb(&q, p->bb[0], p->bb[1], p->bb[2], p->bb[3]) > q.hbest)
                        continue;
                    size_t s;
                    for (s = 0; s < nseen && seen[s] != a; s++)
                        ;
                    if (s < nseen)
                        continue;
                    if (nseen < sizeof seen / sizeof seen[0])
                        seen[nseen++] = a;
                    near_poly(&q, l->a->geom[a], a);
                }
            }
        }
    }
    if (q.best_i >= 0 && dist_km)
        *dist_km = q.best * LOC_R_KM;
    return q.best_i;
}
