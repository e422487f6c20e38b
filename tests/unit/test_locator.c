/*
 * test_locator.c: point location (geo/locator.c).
 *  - hand-made squares: shared edges and corners (the documented
 *    east/north rule), holes, multipolygon parts, outside, NaN;
 *  - property: tw_locator_find equals a brute-force even-odd test over
 *    every polygon (a plain PNPOLY written here, no index) for random
 *    points, on the cebu_metro barangays and the national medres
 *    municipalities (large polygons: exercises the "full" cells and bands);
 *  - tw_locator_nearest: hand cases in km, and equal to a brute-force
 *    search over all boundaries;
 *  - real data: each municipality's rp_lon/rp_lat (GEOS PointOnSurface of
 *    the hires polygon) located in its own medres polygon: the exact count.
 */
#include "geo/areas_internal.h"
#include "harness.h"
#include "io/csv.h"
#include "core/rng.h"
#include "tanaw/tanaw.h"

#include <string.h>

/* A [0,1]^2, B [1,2]x[0,1], C [0,1]x[1,2], F [1,2]x[1,2] (four squares
 * meeting at (1,1)); D [3,6]^2 with hole [4,5]^2; E [10,11]^2 + [12,13]x[10,11]. */
static const char *GJ =
    "{\"type\":\"FeatureCollection\",\"features\":[\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"A\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"B\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[1,0],[1,1],[2,1],[2,0],[1,0]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"C\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[0,1],[1,1],[1,2],[0,2],[0,1]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"F\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[1,1],[2,1],[2,2],[1,2],[1,1]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"D\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[3,3],[6,3],[6,6],[3,6],[3,3]],[[4,4],[5,4],[5,5],[4,5],[4,4]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"E\"},\"geometry\":{\"type\":\"MultiPolygon\","
    "\"coordinates\":[[[[10,10],[11,10],[11,11],[10,11],[10,10]]],"
    "[[[12,10],[13,10],[13,11],[12,11],[12,10]]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"G\"},\"geometry\":null}\n"
    "]}\n";

#define DEG (3.14159265358979323846 / 180)

static const char *name_at(const tw_areas *a, long i) { return i < 0 ? "-" : tw_areas_id(a, (size_t)i); }

static void expect(int line, const tw_areas *a, const tw_locator *l, double x, double y,
                   const char *want)
{
    const char *got = name_at(a, tw_locator_find(l, x, y));
    if (strcmp(got, want) != 0)
        harness_fail(__FILE__, line, "(%g, %g) in %s, expected %s", x, y, got, want);
}

static void test_hand(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    tw_locator *l = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("sq.geojson", GJ), NULL, NULL,
                                        NULL));
    CHECK_OK(ctx, tw_locator_new(ctx, a, &l));
    expect(__LINE__, a, l, 0.5, 0.5, "A");
    expect(__LINE__, a, l, 1.5, 0.5, "B");
    expect(__LINE__, a, l, 0.5, 1.5, "C");
    expect(__LINE__, a, l, 1.5, 1.5, "F");
    /* Shared edges: a point on them lies in exactly one polygon, the one
     * to its east (vertical edge) or north (horizontal edge). */
    expect(__LINE__, a, l, 1, 0.5, "B");
    expect(__LINE__, a, l, 1, 1.5, "F");
    expect(__LINE__, a, l, 0.5, 1, "C");
    expect(__LINE__, a, l, 1.5, 1, "F");
    expect(__LINE__, a, l, 1, 1, "F"); /* the corner of four: north-east */
    /* Outer boundaries follow the same half-open rule. */
    expect(__LINE__, a, l, 0, 0.5, "A");  /* west edge: in */
    expect(__LINE__, a, l, 2, 0.5, "-");  /* east edge: out */
    expect(__LINE__, a, l, 0.5, 0, "A");  /* south edge: in */
    expect(__LINE__, a, l, 0.5, 2, "-");  /* north edge: out */
    /* Holes and parts. */
    expect(__LINE__, a, l, 3.5, 3.5, "D");
    expect(__LINE__, a, l, 4.5, 4.5, "-");
    expect(__LINE__, a, l, 5.5, 4.5, "D");
    expect(__LINE__, a, l, 4, 4.5, "-");   /* hole's west edge: in the hole */
    expect(__LINE__, a, l, 5, 4.5, "D");   /* hole's east edge: back in D */
    expect(__LINE__, a, l, 10.5, 10.5, "E");
    expect(__LINE__, a, l, 12.5, 10.5, "E");
    expect(__LINE__, a, l, 11.5, 10.5, "-");
    /* Outside everything, and nonsense. */
    expect(__LINE__, a, l, -1, 0.5, "-");
    expect(__LINE__, a, l, 100, 100, "-");
    expect(__LINE__, a, l, NAN, 0.5, "-");
    expect(__LINE__, a, l, 0.5, NAN, "-");
    expect(__LINE__, a, l, INFINITY, 0.5, "-");

    /* Nearest: inside is distance 0; outside, the closest boundary. */
    double km = -1;
    CHECK_EQ_INT(tw_locator_nearest(l, 0.5, 0.5, &km), 0);
    CHECK_NEAR(km, 0, 0);
    CHECK_EQ_INT(tw_locator_nearest(l, 1.5, -1, &km), 1); /* B, 1 degree south */
    CHECK_NEAR(km, tw_distance_km(TW_DIST_HAVERSINE, 1.5, -1, 1.5, 0), 1e-12);
    CHECK_NEAR(km, 6371.0088 * 3.14159265358979323846 / 180, 1e-9);
    /* In D's hole, nearest its east edge (a meridian): the perpendicular
     * to a meridian has length asin(sin(dlon) cos(lat)). */
    CHECK_EQ_INT(tw_locator_nearest(l, 4.9, 4.5, &km), 4);
    CHECK_NEAR(km, 6371.0088 * asin(sin(0.1 * DEG) * cos(4.5 * DEG)), 1e-12);
    CHECK_EQ_INT(tw_locator_nearest(l, 11.4, 10.5, &km), 5); /* between E's parts */
    CHECK_NEAR(km, 6371.0088 * asin(sin(0.4 * DEG) * cos(10.5 * DEG)), 1e-12);
    /* Far away: still found; no farther than E's corner (13, 11). */
    CHECK_EQ_INT(tw_locator_nearest(l, 40, 40, &km), 5);
    double corner = tw_distance_km(TW_DIST_HAVERSINE, 40, 40, 13, 11);
    CHECK(km <= corner * (1 + 1e-12) && km > 0.99 * corner);
    CHECK_EQ_INT(tw_locator_nearest(l, NAN, 1, &km), -1);
    CHECK(isnan(km));
    tw_locator_free(l);

    /* No polygons at all. */
    tw_areas *e = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &e));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, e, harness_write("p.csv", "psgc,lon,lat\nX,1,1\n"),
                                    NULL));
    l = NULL;
    CHECK_EQ_INT(tw_locator_new(ctx, e, &l), TW_E_EMPTY);
    CHECK(l == NULL);
    tw_areas_free(e);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Reference: plain PNPOLY (Franklin) over every ring, edges as stored. */
static int brute_in(const area_geom *g, double x, double y)
{
    int c = 0;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t n = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t i = 0, j = n - 1; i < n; j = i++) {
            double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                c ^= 1;
        }
    }
    return c;
}

static long brute_find(const tw_areas *a, double x, double y)
{
    for (size_t i = 0; i < a->n; i++) {
        const area_geom *g = a->geom[i];
        if (g && x >= g->bbox[0] && x <= g->bbox[2] && y >= g->bbox[1] && y <= g->bbox[3] &&
            brute_in(g, x, y))
            return (long)i;
    }
    return -1;
}

/* Independent reference for nearest: each edge is the minor great-circle
 * arc between its vertices (as documented); the closest point is found by
 * golden-section search along the arc (slerp), not by projection. */
static void uvec(double lon, double lat, double v[3])
{
    v[0] = cos(lat * DEG) * cos(lon * DEG);
    v[1] = cos(lat * DEG) * sin(lon * DEG);
    v[2] = sin(lat * DEG);
}

static double ang(const double a[3], const double b[3])
{
    double c[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    return atan2(sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]),
                 a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
}

static double arc_dist(const double p[3], const double a[3], const double b[3])
{
    double om = ang(a, b);
    if (om < 1e-12)
        return ang(p, a);
    double lo = 0, hi = 1, best = fmin(ang(p, a), ang(p, b));
    const double gr = 0.6180339887498949;
    for (int it = 0; it < 56; it++) { /* 0.618^56 < 1e-11 of the arc */
        double t1 = hi - gr * (hi - lo), t2 = lo + gr * (hi - lo), d[2];
        for (int k = 0; k < 2; k++) {
            double t = k ? t2 : t1, v[3];
            double wa = sin((1 - t) * om) / sin(om), wb = sin(t * om) / sin(om);
            for (int q = 0; q < 3; q++)
                v[q] = wa * a[q] + wb * b[q];
            d[k] = ang(p, v);
        }
        if (d[0] < d[1])
            hi = t2;
        else
            lo = t1;
        best = fmin(best, fmin(d[0], d[1]));
    }
    return best;
}

/* Reference angle from the point p to area k's boundary (below `cap`:
 * edges whose latitude gap alone exceeds cap are skipped). */
static double brute_poly(const tw_areas *a, size_t k, double x0, double y0, const double p[3],
                         double cap)
{
    const area_geom *g = a->geom[k];
    double best = cap;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *v = g->xy + 2 * g->ring_start[r];
        size_t n = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t i = 0; i + 1 < n; i++) {
            double ylo = fmin(v[2 * i + 1], v[2 * i + 3]);
            double yhi = fmax(v[2 * i + 1], v[2 * i + 3]);
            if (fmax(0, fmax(ylo - y0, y0 - yhi)) * DEG > best)
                continue;
            double ua[3], ub[3];
            uvec(v[2 * i], v[2 * i + 1], ua);
            uvec(v[2 * i + 2], v[2 * i + 3], ub);
            /* Triangle inequality: every point of the arc is within its
             * length of a; skip arcs that cannot beat best. */
            if (ang(p, ua) - ang(ua, ub) > best)
                continue;
            best = fmin(best, arc_dist(p, ua, ub));
        }
    }
    (void)x0;
    return best;
}

static long brute_nearest(const tw_areas *a, double x0, double y0, double *km)
{
    double p[3], best = INFINITY;
    long bi = -1;
    uvec(x0, y0, p);
    for (size_t k = 0; k < a->n; k++) {
        if (!a->geom[k])
            continue;
        const double *bb = a->geom[k]->bbox;
        if (fmax(0, fmax(bb[1] - y0, y0 - bb[3])) * DEG > best)
            continue; /* the latitude gap alone is farther */
        double d = brute_poly(a, k, x0, y0, p, best);
        if (d < best) {
            best = d;
            bi = (long)k;
        }
    }
    *km = best * 6371.0088;
    return bi;
}

static tw_areas *load_geojson(tw_ctx *ctx, const char *rel)
{
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_data_path(rel), NULL, NULL, NULL));
    return a;
}

static void random_vs_brute(const char *rel, int npts, int nnear)
{
    if (!harness_data_dir()) {
        fprintf(stderr, "skip: no data folder\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load_geojson(ctx, rel);
    tw_locator *l = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &l));
    if (!l)
        goto done;
    double bb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < a->n; i++) {
        const double *g = a->geom[i]->bbox;
        bb[0] = fmin(bb[0], g[0]);
        bb[1] = fmin(bb[1], g[1]);
        bb[2] = fmax(bb[2], g[2]);
        bb[3] = fmax(bb[3], g[3]);
    }
    rng r;
    rng_init(&r, 42, 7);
    long inside = 0, differ = 0;
    for (int k = 0; k < npts; k++) {
        /* half the points uniform in the bbox, half near a random polygon */
        double x, y;
        if (k & 1) {
            x = bb[0] + rng_uniform(&r) * (bb[2] - bb[0]);
            y = bb[1] + rng_uniform(&r) * (bb[3] - bb[1]);
        } else {
            const double *g = a->geom[rng_below(&r, a->n)]->bbox;
            x = g[0] + rng_uniform(&r) * (g[2] - g[0]);
            y = g[1] + rng_uniform(&r) * (g[3] - g[1]);
        }
        long want = brute_find(a, x, y), got = tw_locator_find(l, x, y);
        inside += want >= 0;
        if (want != got && differ++ < 5)
            fprintf(stderr, "    (%.9f, %.9f): locator %ld, brute force %ld\n", x, y, got, want);
    }
    CHECK_EQ_INT(differ, 0);
    CHECK(inside > npts / 4); /* the test did look inside polygons */
    fprintf(stderr, "    %s: %d random points, %ld inside, 0 differences\n", rel, npts, inside);

    long ndiff = 0;
    double worst = 0;
    for (int k = 0; k < nnear; k++) {
        /* points around the bbox, also outside it */
        double x = bb[0] - 0.2 + rng_uniform(&r) * (bb[2] - bb[0] + 0.4);
        double y = bb[1] - 0.2 + rng_uniform(&r) * (bb[3] - bb[1] + 0.4);
        double want_km = 0, km;
        long in = brute_find(a, x, y);
        long want = in >= 0 ? in : brute_nearest(a, x, y, &want_km);
        long got = tw_locator_nearest(l, x, y, &km);
        if (want != got && got >= 0 && in < 0) {
            /* A tie: polygons share boundary vertices. Fine when the
             * locator's polygon is as near as the reference's. */
            double p[3];
            uvec(x, y, p);
            double dg = brute_poly(a, (size_t)got, x, y, p, INFINITY) * 6371.0088;
            if (fabs(dg - want_km) <= 1e-9 * want_km)
                want = got;
        }
        if (want != got && ndiff++ < 5)
            fprintf(stderr, "    nearest (%.9f, %.9f): locator %ld at %.9f km, brute force %ld "
                            "at %.9f km\n", x, y, got, km, want, want_km);
        CHECK_NEAR(km, want_km, 1e-9);
        worst = fmax(worst, fabs(km - want_km));
    }
    fprintf(stderr, "    %d nearest queries, max |km - reference| %.3g\n", nnear, worst);
    CHECK_EQ_INT(ndiff, 0);
done:
    tw_locator_free(l);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_random_cebu(void)
{
    random_vs_brute("cebu_metro/barangays.geojson", 200000, 300);
}

static void test_random_municipalities(void)
{
    random_vs_brute("municipalities.geojson", 100000, 60);
}

/* rp_lon/rp_lat of each municipality located in its own medres polygon. */
static void test_rp_points(void)
{
    if (!harness_data_dir()) {
        fprintf(stderr, "skip: no data folder\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load_geojson(ctx, "municipalities.geojson");
    tw_locator *l = NULL;
    csv_reader *r = NULL;
    bool eof;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &l));
    CHECK_OK(ctx, csv_open(ctx, harness_data_path("municipalities.csv"), &r));
    if (!l || !r)
        goto done;
    CHECK_OK(ctx, csv_next(r, &eof));
    long ci = csv_find_column(r, "psgc"), cx = csv_find_column(r, "rp_lon"),
         cy = csv_find_column(r, "rp_lat");
    long n = 0, own = 0, other = 0, none = 0;
    while (csv_next(r, &eof) == TW_OK && !eof) {
        size_t lx, ly;
        const char *fx = csv_field(r, (size_t)cx, &lx), *fy = csv_field(r, (size_t)cy, &ly);
        double x, y;
        CHECK(num_parse_double(fx, lx, &x) && num_parse_double(fy, ly, &y));
        long want = tw_areas_find(a, csv_field(r, (size_t)ci, NULL));
        long got = tw_locator_find(l, x, y);
        n++;
        if (got == want)
            own++;
        else if (got >= 0 && ++other)
            fprintf(stderr, "    rp of %s lies in %s\n", tw_areas_id(a, (size_t)want),
                    tw_areas_id(a, (size_t)got));
        else
            none++;
        CHECK_EQ_INT(got, brute_find(a, x, y));
    }
    fprintf(stderr, "    rp points: %ld of %ld in their own medres polygon (%.2f%%), %ld in "
                    "another, %ld in none\n",
            own, n, 100.0 * (double)own / (double)n, other, none);
    CHECK_EQ_INT(n, 1642);
    /* R sf (s2 off) st_intersects of the same points and polygons finds
     * the same 1641: one rp point lies outside its simplified medres
     * polygon (inside a neighbour's). */
    CHECK_EQ_INT(own, 1641);
    CHECK_EQ_INT(other, 1);
done:
    csv_close(r);
    tw_locator_free(l);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Overlapping polygons: the lowest area index wins, also in "full" cells. */
static void test_overlap(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    tw_locator *l = NULL;
    /* Big square P [0,10]^2 (full cells inside), then Q [2,4]^2 on top,
     * then R [-5,15]^2 under everything; and a tiny S far away so the grid
     * has many cells. */
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"features\":[\n"
        "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"Q\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[2,2],[4,2],[4,4],[2,4],[2,2]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"P\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"R\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[-5,-5],[15,-5],[15,15],[-5,15],[-5,-5]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"S\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[40,40],[40.01,40],[40.01,40.01],[40,40]]]}}\n"
        "]}\n";
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("ov.geojson", gj), NULL, NULL,
                                        NULL));
    CHECK_OK(ctx, tw_locator_new(ctx, a, &l));
    expect(__LINE__, a, l, 3, 3, "Q");
    expect(__LINE__, a, l, 7, 7, "P");
    expect(__LINE__, a, l, 12, 12, "R");
    expect(__LINE__, a, l, -4, 0, "R");
    expect(__LINE__, a, l, 40.008, 40.002, "S");
    expect(__LINE__, a, l, 30, 30, "-");
    /* every point of a fine lattice agrees with the brute force */
    long differ = 0;
    for (double y = -6; y <= 16; y += 0.37)
        for (double x = -6; x <= 16; x += 0.29)
            differ += tw_locator_find(l, x, y) != brute_find(a, x, y);
    CHECK_EQ_INT(differ, 0);
    tw_locator_free(l);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_hand);
    RUN(test_overlap);
    RUN(test_random_cebu);
    RUN(test_random_municipalities);
    RUN(test_rp_points);
    return harness_finish();
}
