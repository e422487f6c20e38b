/*
 * contiguity.c: queen and rook contiguity from area polygons, exact (as
 * spdep's poly2nb) or fuzzy (boundaries within a distance in metres).
 *
 * Exact mode reproduces spdep 1.2-7 poly2nb(pl, queen, snap =
 * sqrt(.Machine$double.eps)) on sf polygons with sf_use_s2(FALSE):
 *  - each area contributes the list of all vertices of all its rings and
 *    parts (st_coordinates) minus the very first row, so the first ring
 *    lists each corner once while later rings list their start twice;
 *  - two areas are neighbours when k > 0 (queen) or k > 1 (rook), k being
 *    the number of pairs (vertex of A, vertex of B) with |dx| <= snap,
 *    |dy| <= snap and hypot(dx, dy) <= snap, in degrees (src/polypoly.c);
 *  - poly2nb's bounding-box candidates (boxes widened by snap) can never
 *    exclude such a pair, so they do not change the result.
 * We find the vertex pairs by sorting the vertices into cells of side snap
 * and comparing each with its own and the adjacent cells; then count the
 * pairs per pair of areas. O(V log V) for V vertices instead of poly2nb's
 * O(sum over candidate pairs of V_A * V_B).
 *
 * Fuzzy mode (snap_m > 0) is our own: A and B are queen neighbours when
 * some segment of A's boundary comes within snap_m metres of a segment of
 * B's (crossing counts as 0). Rook additionally needs the contact to
 * stretch: the contact points (endpoints within snap_m of the other
 * boundary, and crossings) must span more than 2 * snap_m, so that a
 * corner where two boundaries approach does not count as a shared edge.
 * Metres come from a local equirectangular frame at each segment pair
 * (WGS84 metres per degree of latitude and longitude at that latitude);
 * its relative error over the few hundred metres that matter is ~1e-5.
 * Segments go into a uniform grid (cells wider than the snap distance and
 * the typical segment); each pair of segments is tested in exactly one
 * cell (the one holding the corner of their widened boxes' overlap).
 * Pairs of areas already decided are skipped through a hash set.
 * This exists because the source polygons were simplified file by file and
 * no longer share vertices across municipal borders: see docs/weights.md
 * for what each distance recovers on the barangays.
 *
 * Limits: coordinates are lon/lat degrees; the fuzzy grid is capped at
 * 2^22 cells (cells grow for continental extents).
 */
#include "weights/weights_internal.h"

#include "geo/areas_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CG_PI 3.14159265358979323846

/* ---- pairs of areas -> symmetric CSR ---- */

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t x = *(const uint64_t *)pa, y = *(const uint64_t *)pb;
    return (x > y) - (x < y);
}

/* pairs: (a << 32 | b), a < b, unique. */
static tw_status pairs_to_weights(tw_ctx *ctx, size_t n, const uint64_t *pairs, size_t np,
                                  tw_weights **out)
{
    tw_weights *w;
    tw_status s = weights_alloc(ctx, n, 2 * np, &w);
    if (s)
        return s;
    size_t *fill = ctx_calloc(ctx, n + 1, sizeof *fill);
    if (!fill) {
        tw_weights_free(w);
        return ctx_nomem(ctx);
    }
    for (size_t t = 0; t < np; t++) {
        w->rowptr[(pairs[t] >> 32) + 1]++;
        w->rowptr[(pairs[t] & 0xffffffffu) + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        w->rowptr[i + 1] += w->rowptr[i];
    memcpy(fill, w->rowptr, n * sizeof *fill);
    /* pairs are sorted by (a, b): filling row a with b and row b with a in
     * this order leaves every row ascending (all a-entries of row b are
     * smaller than b and come before the b-row's own pairs). */
    for (size_t t = 0; t < np; t++) {
        size_t x = (size_t)(pairs[t] >> 32), y = (size_t)(pairs[t] & 0xffffffffu);
        w->col[fill[x]] = (int32_t)y;
        w->w[fill[x]++] = 1.0;
        w->col[fill[y]] = (int32_t)x;
        w->w[fill[y]++] = 1.0;
    }
    ctx_free(ctx, fill);
    /* The argument above is what makes rows ascending: check it, O(links). */
    for (size_t i = 0; i < n; i++)
        for (size_t t = w->rowptr[i] + 1; t < w->rowptr[i + 1]; t++)
            if (w->col[t - 1] >= w->col[t]) {
                tw_weights_free(w);
                return ctx_error(ctx, TW_E_INTERNAL, "contiguity rows not ascending");
            }
    w->style = TW_STYLE_B;
    *out = w;
    return TW_OK;
}

typedef struct u64vec {
    uint64_t *v;
    size_t len, cap;
} u64vec;

static int u64vec_push(tw_ctx *ctx, u64vec *p, uint64_t x)
{
    if (p->len == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 1024;
        uint64_t *nv = ctx_realloc(ctx, p->v, nc * sizeof *nv);
        if (!nv)
            return 0;
        p->v = nv;
        p->cap = nc;
    }
    p->v[p->len++] = x;
    return 1;
}

static uint64_t pair_key(size_t a, size_t b)
{
    return a < b ? ((uint64_t)a << 32) | (uint64_t)b : ((uint64_t)b << 32) | (uint64_t)a;
}

/* ---- exact: spdep poly2nb ---- */

typedef struct vrec {
    int64_t cx, cy;
    int32_t area;
    double x, y;
} vrec;

static int cmp_vrec(const void *pa, const void *pb)
{
    const vrec *p = pa, *q = pb;
    if (p->cx != q->cx)
        return (p->cx > q->cx) - (p->cx < q->cx);
    if (p->cy != q->cy)
        return (p->cy > q->cy) - (p->cy < q->cy);
    return (p->area > q->area) - (p->area < q->area);
}

static int vclose(const vrec *p, const vrec *q, double sn)
{
    double xd = p->x - q->x;
    if (fabs(xd) > sn)
        return 0;
    double yd = p->y - q->y;
    if (fabs(yd) > sn)
        return 0;
    return hypot(xd, yd) <= sn;
}

static tw_status contiguity_exact(tw_ctx *ctx, const tw_areas *a, int rook, tw_weights **out)
{
    const double sn = sqrt(DBL_EPSILON); /* poly2nb's default snap, degrees */
    tw_status s = TW_OK;
    size_t n = a->n, nv = 0;
    vrec *v = NULL;
    u64vec hits = {0};
    for (size_t i = 0; i < n; i++)
        if (a->geom[i] && a->geom[i]->n_points > 1)
            nv += a->geom[i]->n_points - 1;
    v = ctx_mallocarray(ctx, nv ? nv : 1, sizeof *v);
    if (!v) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    size_t t = 0;
    for (size_t i = 0; i < n; i++) {
        const area_geom *g = a->geom[i];
        if (!g || g->n_points < 2)
            continue;
        for (size_t p = 1; p < g->n_points; p++) { /* all but the first row */
            double x = g->xy[2 * p], y = g->xy[2 * p + 1];
            v[t].x = x;
            v[t].y = y;
            v[t].cx = (int64_t)floor(x / sn);
            v[t].cy = (int64_t)floor(y / sn);
            v[t].area = (int32_t)i;
            t++;
        }
    }
    qsort(v, nv, sizeof *v, cmp_vrec);
    if ((s = ctx_progress(ctx, "contiguity", 0.5, 1)))
        goto fail;
    size_t nxt = 0; /* first record at or after (cx + 1, cy - 1) */
    for (size_t p = 0; p < nv; p++) {
        /* same column, same or next row (later in the sort order) */
        for (size_t q = p + 1; q < nv && v[q].cx == v[p].cx && v[q].cy <= v[p].cy + 1; q++)
            if (v[q].area != v[p].area && vclose(&v[p], &v[q], sn))
                if (!u64vec_push(ctx, &hits, pair_key((size_t)v[p].area, (size_t)v[q].area)))
                    goto nomem;
        /* next column, rows cy-1 .. cy+1; the target only moves forward */
        while (nxt < nv && (v[nxt].cx < v[p].cx + 1 ||
                            (v[nxt].cx == v[p].cx + 1 && v[nxt].cy < v[p].cy - 1)))
            nxt++;
        for (size_t q = nxt; q < nv && v[q].cx == v[p].cx + 1 && v[q].cy <= v[p].cy + 1; q++)
            if (v[q].area != v[p].area && vclose(&v[p], &v[q], sn))
                if (!u64vec_push(ctx, &hits, pair_key((size_t)v[p].area, (size_t)v[q].area)))
                    goto nomem;
    }
    ctx_free(ctx, v);
    v = NULL;
    if (hits.len)
        qsort(hits.v, hits.len, sizeof *hits.v, cmp_u64);
    /* Keep pairs of areas with more than `crit` vertex pairs. */
    size_t m = 0, crit = rook ? 1 : 0;
    for (size_t p = 0; p < hits.len;) {
        size_t q = p;
        while (q < hits.len && hits.v[q] == hits.v[p])
            q++;
        if (q - p > crit)
            hits.v[m++] = hits.v[p];
        p = q;
    }
    s = pairs_to_weights(ctx, n, hits.v, m, out);
    ctx_free(ctx, hits.v);
    return s;
nomem:
    s = ctx_nomem(ctx);
fail:
    ctx_free(ctx, v);
    ctx_free(ctx, hits.v);
    return s;
}

/* ---- fuzzy: boundaries within snap_m metres ---- */

/* WGS84 metres per degree of latitude and of longitude at latitude phi. */
static double m_per_deg_lat(double phi_deg)
{
    double p = phi_deg * CG_PI / 180;
    return 111132.954 - 559.822 * cos(2 * p) + 1.175 * cos(4 * p);
}
static double m_per_deg_lon(double phi_deg)
{
    double p = phi_deg * CG_PI / 180;
    return 111412.84 * cos(p) - 93.5 * cos(3 * p) + 0.118 * cos(5 * p);
}

typedef struct seg {
    double x0, y0, x1, y1; /* lon/lat */
    double bx0, by0, bx1, by1; /* box widened by half the snap */
    int32_t area;
} seg;

/* Hash map from a pair of areas to its contact state. */
typedef struct pstate {
    uint64_t key; /* 0 = empty slot (pair (0,0) never occurs) */
    double minx, miny, maxx, maxy; /* contact points (degrees) */
    int done; /* decided: a neighbour */
} pstate;

typedef struct pmap {
    pstate *s;
    size_t cap, len;
} pmap;

static size_t pmap_hash(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static pstate *pmap_get(tw_ctx *ctx, pmap *m, uint64_t key, int create, int *oom)
{
    if (create && (m->len + 1) * 2 > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 4096;
        pstate *ns = ctx_calloc(ctx, nc, sizeof *ns);
        if (!ns) {
            *oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->s[i].key) {
                size_t h = pmap_hash(m->s[i].key, nc);
                while (ns[h].key)
                    h = (h + 1) & (nc - 1);
                ns[h] = m->s[i];
            }
        ctx_free(ctx, m->s);
        m->s = ns;
        m->cap = nc;
    }
    if (!m->cap)
        return NULL;
    size_t h = pmap_hash(key, m->cap);
    while (m->s[h].key) {
        if (m->s[h].key == key)
            return &m->s[h];
        h = (h + 1) & (m->cap - 1);
    }
    if (!create)
        return NULL;
    m->s[h].key = key;
    m->s[h].minx = m->s[h].miny = INFINITY;
    m->s[h].maxx = m->s[h].maxy = -INFINITY;
    m->len++;
    return &m->s[h];
}

/* Squared distance from point p to segment ab (plane). */
static double pt_seg_d2(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    double l2 = dx * dx + dy * dy;
    double u = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
    if (u < 0)
        u = 0;
    else if (u > 1)
        u = 1;
    double ex = ax + u * dx - px, ey = ay + u * dy - py;
    return ex * ex + ey * ey;
}

static double orient(double ax, double ay, double bx, double by, double cx, double cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/*
 * Test segments s and t against the snap distance; add their contact
 * points (lon/lat) to the box *c. Returns 1 when they are in contact.
 */
static int seg_contact(const seg *s, const seg *t, double snap_m, double c[4])
{
    double lon0 = s->x0, lat0 = s->y0;
    double kx = m_per_deg_lon(lat0), ky = m_per_deg_lat(lat0);
    double ax = 0, ay = 0;
    double bx = (s->x1 - lon0) * kx, by = (s->y1 - lat0) * ky;
    double px = (t->x0 - lon0) * kx, py = (t->y0 - lat0) * ky;
    double qx = (t->x1 - lon0) * kx, qy = (t->y1 - lat0) * ky;
    double d2 = snap_m * snap_m;
    int hit = 0;
#define CONTACT(lon, lat)                       \
    do {                                        \
        hit = 1;                                \
        if ((lon) < c[0]) c[0] = (lon);         \
        if ((lat) < c[1]) c[1] = (lat);         \
        if ((lon) > c[2]) c[2] = (lon);         \
        if ((lat) > c[3]) c[3] = (lat);         \
    } while (0)
    if (pt_seg_d2(ax, ay, px, py, qx, qy) <= d2)
        CONTACT(s->x0, s->y0);
    if (pt_seg_d2(bx, by, px, py, qx, qy) <= d2)
        CONTACT(s->x1, s->y1);
    if (pt_seg_d2(px, py, ax, ay, bx, by) <= d2)
        CONTACT(t->x0, t->y0);
    if (pt_seg_d2(qx, qy, ax, ay, bx, by) <= d2)
        CONTACT(t->x1, t->y1);
    double o1 = orient(ax, ay, bx, by, px, py), o2 = orient(ax, ay, bx, by, qx, qy);
    double o3 = orient(px, py, qx, qy, ax, ay), o4 = orient(px, py, qx, qy, bx, by);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) {
        double u = o3 / (o3 - o4); /* crossing at a + u (b - a) */
        CONTACT(s->x0 + u * (s->x1 - s->x0), s->y0 + u * (s->y1 - s->y0));
    }
#undef CONTACT
    return hit;
}

static tw_status contiguity_fuzzy(tw_ctx *ctx, const tw_areas *a, int rook, double snap_m,
                                  tw_weights **out)
{
    tw_status s = TW_OK;
    size_t n = a->n, ns = 0;
    seg *sg = NULL;
    size_t *cstart = NULL, *fill = NULL;
    int32_t *centry = NULL;
    pmap pm = {0};
    u64vec pairs = {0};
    double maxlat = 0;
    for (size_t i = 0; i < n; i++) {
        const area_geom *g = a->geom[i];
        if (!g)
            continue;
        for (size_t r = 0; r < g->n_rings; r++)
            if (g->ring_start[r + 1] > g->ring_start[r])
                ns += g->ring_start[r + 1] - g->ring_start[r] - 1;
        if (fabs(g->bbox[1]) > maxlat) maxlat = fabs(g->bbox[1]);
        if (fabs(g->bbox[3]) > maxlat) maxlat = fabs(g->bbox[3]);
    }
    if (maxlat > 89)
        maxlat = 89;
    double elat = snap_m / 110574.0 * 0.5 * 1.001;
    double elon = snap_m / m_per_deg_lon(maxlat) * 0.5 * 1.001;
    sg = ctx_mallocarray(ctx, ns ? ns : 1, sizeof *sg);
    if (!sg) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY, ext = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const area_geom *g = a->geom[i];
        if (!g)
            continue;
        for (size_t r = 0; r < g->n_rings; r++)
            for (size_t p = g->ring_start[r]; p + 1 < g->ring_start[r + 1]; p++) {
                seg *e = &sg[k++];
                e->x0 = g->xy[2 * p];
                e->y0 = g->xy[2 * p + 1];
                e->x1 = g->xy[2 * p + 2];
                e->y1 = g->xy[2 * p + 3];
                e->bx0 = fmin(e->x0, e->x1) - elon;
                e->bx1 = fmax(e->x0, e->x1) + elon;
                e->by0 = fmin(e->y0, e->y1) - elat;
                e->by1 = fmax(e->y0, e->y1) + elat;
                e->area = (int32_t)i;
                ext += fmax(e->bx1 - e->bx0, e->by1 - e->by0);
                if (e->bx0 < minx) minx = e->bx0;
                if (e->by0 < miny) miny = e->by0;
                if (e->bx1 > maxx) maxx = e->bx1;
                if (e->by1 > maxy) maxy = e->by1;
            }
    }
    ns = k;
    if (ns == 0) {
        s = pairs_to_weights(ctx, n, NULL, 0, out);
        goto done;
    }
    /* Cells about twice the mean widened segment: few cells per segment,
     * few segments per cell. */
    double cs = 2 * ext / (double)ns;
    if (!(cs > 0))
        cs = 1e-6;
    double w = maxx - minx, h = maxy - miny;
    while ((w / cs + 1) * (h / cs + 1) > (double)(1u << 22))
        cs *= 1.5;
    long nx = (long)(w / cs) + 1, ny = (long)(h / cs) + 1;
    size_t ncell = (size_t)nx * (size_t)ny;
    cstart = ctx_calloc(ctx, ncell + 1, sizeof *cstart);
    if (!cstart) {
        s = ctx_nomem(ctx);
        goto fail;
    }
#define CELLX(v) ((long)fmin((double)(nx - 1), fmax(0.0, floor(((v) - minx) / cs))))
#define CELLY(v) ((long)fmin((double)(ny - 1), fmax(0.0, floor(((v) - miny) / cs))))
    size_t nent = 0;
    for (size_t e = 0; e < ns; e++) {
        long x0 = CELLX(sg[e].bx0), x1 = CELLX(sg[e].bx1);
        long y0 = CELLY(sg[e].by0), y1 = CELLY(sg[e].by1);
        for (long yy = y0; yy <= y1; yy++)
            for (long xx = x0; xx <= x1; xx++)
                cstart[(size_t)yy * (size_t)nx + (size_t)xx + 1]++;
        nent += (size_t)(x1 - x0 + 1) * (size_t)(y1 - y0 + 1);
    }
    for (size_t c = 0; c < ncell; c++)
        cstart[c + 1] += cstart[c];
    centry = ctx_mallocarray(ctx, nent ? nent : 1, sizeof *centry);
    fill = ctx_mallocarray(ctx, ncell, sizeof *fill);
    if (!centry || !fill) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    memcpy(fill, cstart, ncell * sizeof *fill);
    for (size_t e = 0; e < ns; e++) {
        long x0 = CELLX(sg[e].bx0), x1 = CELLX(sg[e].bx1);
        long y0 = CELLY(sg[e].by0), y1 = CELLY(sg[e].by1);
        for (long yy = y0; yy <= y1; yy++)
            for (long xx = x0; xx <= x1; xx++)
                centry[fill[(size_t)yy * (size_t)nx + (size_t)xx]++] = (int32_t)e;
    }
    ctx_free(ctx, fill);
    fill = NULL;
    int oom = 0;
    for (long cy = 0; cy < ny; cy++) {
        if (cy % 64 == 0 && (s = ctx_progress(ctx, "contiguity", (double)cy, (double)ny)))
            goto fail;
        for (long cx = 0; cx < nx; cx++) {
            size_t c = (size_t)cy * (size_t)nx + (size_t)cx;
            for (size_t p = cstart[c]; p < cstart[c + 1]; p++) {
                const seg *e = &sg[centry[p]];
                for (size_t q = p + 1; q < cstart[c + 1]; q++) {
                    const seg *f = &sg[centry[q]];
                    if (e->area == f->area)
                        continue;
                    double ox0 = fmax(e->bx0, f->bx0), oy0 = fmax(e->by0, f->by0);
                    if (ox0 > fmin(e->bx1, f->bx1) || oy0 > fmin(e->by1, f->by1))
                        continue;
                    if (CELLX(ox0) != cx || CELLY(oy0) != cy)
                        continue; /* tested in the cell of the overlap's corner */
                    uint64_t key = pair_key((size_t)e->area, (size_t)f->area);
                    pstate *st = pmap_get(ctx, &pm, key, 0, &oom);
                    if (st && st->done)
                        continue;
                    double cb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
                    if (!seg_contact(e, f, snap_m, cb))
                        continue;
                    if (!st) {
                        st = pmap_get(ctx, &pm, key, 1, &oom);
                        if (!st)
                            goto nomem;
                    }
                    if (cb[0] < st->minx) st->minx = cb[0];
                    if (cb[1] < st->miny) st->miny = cb[1];
                    if (cb[2] > st->maxx) st->maxx = cb[2];
                    if (cb[3] > st->maxy) st->maxy = cb[3];
                    if (!rook) {
                        st->done = 1;
                    } else {
                        double mid = (st->miny + st->maxy) / 2;
                        double ex = (st->maxx - st->minx) * m_per_deg_lon(mid);
                        double ey = (st->maxy - st->miny) * m_per_deg_lat(mid);
                        if (hypot(ex, ey) > 2 * snap_m)
                            st->done = 1;
                    }
                }
            }
        }
    }
#undef CELLX
#undef CELLY
    for (size_t i = 0; i < pm.cap; i++)
        if (pm.s[i].key && pm.s[i].done)
            if (!u64vec_push(ctx, &pairs, pm.s[i].key))
                goto nomem;
    if (pairs.len)
        qsort(pairs.v, pairs.len, sizeof *pairs.v, cmp_u64);
    s = pairs_to_weights(ctx, n, pairs.v, pairs.len, out);
    goto done;
nomem:
    s = ctx_nomem(ctx);
fail:
done:
    ctx_free(ctx, sg);
    ctx_free(ctx, cstart);
    ctx_free(ctx, fill);
    ctx_free(ctx, centry);
    ctx_free(ctx, pm.s);
    ctx_free(ctx, pairs.v);
    return s;
}

tw_status weights_contiguity(tw_ctx *ctx, const tw_areas *a, int rook, double snap_m,
                             tw_weights **out)
{
    if (a->n > INT32_MAX)
        return ctx_error(ctx, TW_E_ARG, "too many areas for weights");
    if (!(snap_m >= 0) || !isfinite(snap_m))
        return ctx_error(ctx, TW_E_ARG, "contiguity snap must be >= 0 metres");
    if (snap_m == 0)
        return contiguity_exact(ctx, a, rook, out);
    return contiguity_fuzzy(ctx, a, rook, snap_m, out);
}
