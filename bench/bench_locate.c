/*
 * bench_locate.c: speed of tw_locator_find on the real barangays
 * (41,096 lowres polygons), single thread, median of 5 runs, in points per
 * second, for three fixed point sets (seeded, same every run):
 *   bbox   uniform in the Philippine box lon 116-127, lat 4.5-21.5 (mostly sea)
 *   land   uniform over the polygons (points of "bbox" that fall in one)
 *   rp     the barangays' rp_lon/rp_lat (one point per barangay, dense
 *          in the cities), repeated to the same count
 * Also the build time of the index, and tw_locator_nearest on the
 * "bbox" points that fall in no polygon. Wall and thread CPU time are both
 * printed: on a loaded machine the CPU figure is the one per core. Not a
 * test (see docs/geography.md for the numbers measured).
 *
 *   bench_locate [DATA_DIR] [N]      (DATA_DIR default ../shared/data/ph,
 *                                     N default 2,000,000 points per set)
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* splitmix64: a fixed, seeded stream of points. */
static uint64_t sm_state = 12345;
static double uniform(void)
{
    uint64_t z = (sm_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static volatile long sink;

/* Median over RUNS of wall and CPU points/s for find over the set. */
static void time_find(const tw_locator *l, const char *name, const double *xy, size_t n)
{
    double wall[RUNS], cpu[RUNS];
    long found = 0;
    for (int r = 0; r < RUNS; r++) {
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        long f = 0;
        for (size_t i = 0; i < n; i++)
            f += tw_locator_find(l, xy[2 * i], xy[2 * i + 1]) >= 0;
        cpu[r] = (double)n / (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0);
        wall[r] = (double)n / (clock_s(CLOCK_MONOTONIC) - w0);
        found = f;
    }
    sink = found;
    qsort(wall, RUNS, sizeof wall[0], cmp_d);
    qsort(cpu, RUNS, sizeof cpu[0], cmp_d);
    printf("find %-5s %9zu points, %5.1f%% in a polygon: %12.0f points/s (CPU), %12.0f points/s "
           "(wall), median of %d\n",
           name, n, 100.0 * (double)found / (double)n, cpu[RUNS / 2], wall[RUNS / 2], RUNS);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/data/ph";
    size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 2000000;
    char gj[4096], csv[4096];
    snprintf(gj, sizeof gj, "%s/barangays.geojson", dir);
    snprintf(csv, sizeof csv, "%s/barangays.csv", dir);
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    tw_locator *l = NULL;
    double *bbox = malloc(2 * n * sizeof *bbox), *land = malloc(2 * n * sizeof *land),
           *rp = malloc(2 * n * sizeof *rp);
    if (!ctx || !bbox || !land || !rp)
        return 1;
    double t0 = clock_s(CLOCK_MONOTONIC);
    if (tw_areas_new(ctx, &a) || tw_areas_read_geojson(ctx, a, gj, NULL, NULL, NULL) ||
        tw_areas_finalize(ctx, a, 0)) {
        fprintf(stderr, "bench_locate: %s\n", tw_ctx_error(ctx)->message);
        return 1;
    }
    double t1 = clock_s(CLOCK_MONOTONIC);
    if (tw_locator_new(ctx, a, &l)) {
        fprintf(stderr, "bench_locate: %s\n", tw_ctx_error(ctx)->message);
        return 1;
    }
    double t2 = clock_s(CLOCK_MONOTONIC);
    printf("%zu polygons: read %.2f s, index built in %.3f s\n", tw_areas_count(a), t1 - t0,
           t2 - t1);

    for (size_t i = 0; i < n; i++) {
        bbox[2 * i] = 116 + 11 * uniform();
        bbox[2 * i + 1] = 4.5 + 17 * uniform();
    }
    for (size_t k = 0; k < n;) {
        double x = 116 + 11 * uniform(), y = 4.5 + 17 * uniform();
        if (tw_locator_find(l, x, y) >= 0) {
            land[2 * k] = x;
            land[2 * k + 1] = y;
            k++;
        }
    }
    /* rp points of barangays.csv (columns rp_lon, rp_lat), when present */
    tw_areas *pts = NULL;
    tw_areas_csv_columns cols = {.lon = "rp_lon", .lat = "rp_lat"};
    size_t nrp = 0;
    if (tw_areas_new(ctx, &pts) == TW_OK && tw_areas_read_csv(ctx, pts, csv, &cols) == TW_OK) {
        size_t m = tw_areas_count(pts), have = 0;
        for (size_t i = 0; i < m; i++)
            have += tw_areas_lonlat(pts, i, NULL, NULL);
        for (size_t i = 0; have && nrp < n; i = (i + 1) % m)
            if (tw_areas_lonlat(pts, i, &rp[2 * nrp], &rp[2 * nrp + 1]))
                nrp++;
    }
    tw_areas_free(pts);

    time_find(l, "bbox", bbox, n);
    time_find(l, "land", land, n);
    if (nrp)
        time_find(l, "rp", rp, nrp);

    /* nearest, for points at sea (what snapping does) */
    size_t ns = 0, cap = 20000;
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), sum_km = 0;
    for (size_t i = 0; i < n && ns < cap; i++) {
        if (tw_locator_find(l, bbox[2 * i], bbox[2 * i + 1]) >= 0)
            continue;
        double km;
        sink = tw_locator_nearest(l, bbox[2 * i], bbox[2 * i + 1], &km);
        sum_km += km;
        ns++;
    }
    double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    printf("nearest: %zu points at sea, mean distance %.1f km, %.0f points/s (CPU)\n", ns,
           sum_km / (double)ns, (double)ns / (c1 - c0));
    /* Snapping is for records just off the coast: points at sea within 5 km. */
    size_t nc = 0;
    for (size_t i = 0; i < n && nc < cap; i++) {
        double km;
        if (tw_locator_find(l, bbox[2 * i], bbox[2 * i + 1]) >= 0)
            continue;
        tw_locator_nearest(l, bbox[2 * i], bbox[2 * i + 1], &km);
        if (km <= 5) {
            land[2 * nc] = bbox[2 * i]; /* reuse the buffer */
            land[2 * nc + 1] = bbox[2 * i + 1];
            nc++;
        }
    }
    c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    sum_km = 0;
    for (size_t i = 0; i < nc; i++) {
        double km;
        sink = tw_locator_nearest(l, land[2 * i], land[2 * i + 1], &km);
        sum_km += km;
    }
    c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    printf("nearest: %zu points at sea within 5 km of a polygon, mean %.2f km, %.0f points/s "
           "(CPU)\n", nc, sum_km / (double)(nc ? nc : 1), (double)nc / (c1 - c0));
    tw_locator_free(l);
    tw_areas_free(a);
    tw_ctx_free(ctx);
    free(bbox);
    free(land);
    free(rp);
    return 0;
}
