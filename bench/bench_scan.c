/*
 * bench_scan.c: speed of the spatial scan statistic (tw_scan_run) on the
 * real geography. Reads an areas CSV (municipalities.csv or
 * barangays.csv), draws synthetic cases in proportion to population
 * (the null: no cluster),
 * runs the Poisson scan with R replicas and prints: areas, windows
 * evaluated on the data, wall time, (windows x (R + 1)) per second, peak
 * memory, and, unless --no-brute, the time of a brute-force scan of the
 * data (every window enumerated, sums recomputed from scratch, one full
 * sort per centre) and its ratio to the time per data set of the fast
 * scan.
 *   bench_scan AREAS.csv [--cases C] [--replicas R] [--max-pop S]
 *              [--threads T] [--no-brute] [--seed S] [--ellipse]
 * --ellipse: SaTScan's elliptic windows (46 ellipses and the circle,
 * medium penalty); the brute force then scans every ellipse too (the
 * points projected at the mean latitude, elliptic distance written as
 * sqrt(along^2 / shape^2 + across^2) in the rotated frame).
 * Not a test: the numbers depend on the machine (see bench/bench_scan.sh).
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"

#include "bench_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t bstate = 0x9E3779B97F4A7C15ULL;
static uint64_t bnext(void)
{
    bstate ^= bstate << 13;
    bstate ^= bstate >> 7;
    bstate ^= bstate << 17;
    return bstate;
}
static double bunif(void) { return (double)(bnext() >> 11) * 0x1.0p-53; }

typedef struct bitem {
    double d, p0, p1, p2;
    int i;
} bitem;

static int cmp_bitem(const void *a, const void *b)
{
    const bitem *u = a, *v = b;
    if (u->d != v->d)
        return u->d < v->d ? -1 : 1;
    if (u->p0 != v->p0)
        return u->p0 < v->p0 ? -1 : 1;
    if (u->p1 != v->p1)
        return u->p1 < v->p1 ? -1 : 1;
    if (u->p2 != v->p2)
        return u->p2 < v->p2 ? -1 : 1;
    return u->i - v->i;
}

/* Every prefix of the sorted list it[] up to the cap, sums recomputed from
 * the members; the largest pen x LLR (high rates, 2 cases or more) into
 * *best. */
static void brute_walk(const bitem *it, size_t n, const double *cases, const double *pop,
                       double cap, double C, double N, double pen, double *windows, double *best)
{
    for (size_t k = 1; k <= n; k++) {
        double cs = 0, M = 0;
        for (size_t e = 0; e < k; e++) {
            cs += cases[it[e].i];
            M += pop[it[e].i];
        }
        if (M > cap)
            break;
        *windows += 1;
        double E = M * C / N;
        if (cs > E && cs >= 2) {
            double l = cs * log(cs / E) + (C - cs > 0 ? (C - cs) * log((C - cs) / (C - E)) : 0);
            *best = pen * l > *best ? pen * l : *best;
        }
    }
}

/* The brute force: per centre, all distances, one full sort, and every
 * window's sums recomputed from its members. Returns the largest LLR. */
static double brute(size_t n, const double *lon, const double *lat, const double *cases,
                    const double *pop, double share, double *windows)
{
    const double pi = 3.14159265358979323846;
    double *P = malloc(3 * n * sizeof *P);
    bitem *it = malloc(n * sizeof *it);
    double C = 0, N = 0, best = 0;
    for (size_t i = 0; i < n; i++) {
        double o = lon[i] * pi / 180.0, a = lat[i] * pi / 180.0;
        P[3 * i] = 6367.0 * cos(o) * cos(a);
        P[3 * i + 1] = 6367.0 * sin(o) * cos(a);
        P[3 * i + 2] = 6367.0 * sin(a);
        C += cases[i];
        N += pop[i];
    }
    *windows = 0;
    for (size_t c = 0; c < n; c++) {
        for (size_t i = 0; i < n; i++) {
            double dx = P[3 * c] - P[3 * i], dy = P[3 * c + 1] - P[3 * i + 1],
                   dz = P[3 * c + 2] - P[3 * i + 2];
            it[i] = (bitem){sqrt(dx * dx + dy * dy + dz * dz), P[3 * i], P[3 * i + 1],
                            P[3 * i + 2], (int)i};
        }
        qsort(it, n, sizeof *it, cmp_bitem);
        brute_walk(it, n, cases, pop, share * N, C, N, 1.0, windows, &best);
    }
    free(P);
    free(it);
    return best;
}

/* The brute force over SaTScan's 46 ellipses (medium penalty): per
 * ellipse and centre, every elliptic distance, one full sort, every
 * window's sums recomputed. Returns the largest penalised LLR. */
static double brute_ellipses(size_t n, const double *lon, const double *lat, const double *cases,
                             const double *pop, double share, double *windows)
{
    const double pi = 3.14159265358979323846, shapes[5] = {1.5, 2, 3, 4, 5};
    const int angles[5] = {4, 6, 9, 12, 15};
    double *X = malloc(n * sizeof *X), *Y = malloc(n * sizeof *Y);
    bitem *it = malloc(n * sizeof *it);
    double C = 0, N = 0, best = 0, lat0 = 0;
    for (size_t i = 0; i < n; i++) {
        C += cases[i];
        N += pop[i];
        lat0 += lat[i];
    }
    lat0 /= (double)n;
    for (size_t i = 0; i < n; i++) {
        X[i] = 6367.0 * lon[i] * pi / 180.0 * cos(lat0 * pi / 180.0);
        Y[i] = 6367.0 * lat[i] * pi / 180.0;
    }
    *windows = 0;
    for (int q = 0; q < 5; q++) {
        double sh = shapes[q], pen = sqrt(4 * sh / ((sh + 1) * (sh + 1)));
        for (int a = 0; a < angles[q]; a++) {
            double ang = pi * a / angles[q], ca = cos(ang), sa = sin(ang);
            for (size_t c = 0; c < n; c++) {
                for (size_t i = 0; i < n; i++) {
                    double dx = X[i] - X[c], dy = Y[i] - Y[c];
                    double along = dx * ca + dy * sa, across = -dx * sa + dy * ca;
                    it[i] = (bitem){sqrt(along * along / (sh * sh) + across * across), X[i], Y[i],
                                    0, (int)i};
                }
                qsort(it, n, sizeof *it, cmp_bitem);
                brute_walk(it, n, cases, pop, share * N, C, N, pen, windows, &best);
            }
        }
    }
    free(X);
    free(Y);
    free(it);
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_scan AREAS.csv [--cases C] [--replicas R] [--max-pop S] "
                        "[--threads T] [--no-brute] [--seed S]\n");
        return 1;
    }
    const char *path = argv[1];
    double total = 20000, share = 0.5;
    int R = 999, threads = 0, do_brute = 1, ellipse = 0;
    uint64_t seed = 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--cases") && i + 1 < argc)
            total = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--replicas") && i + 1 < argc)
            R = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--max-pop") && i + 1 < argc)
            share = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--no-brute"))
            do_brute = 0;
        else if (!strcmp(argv[i], "--ellipse"))
            ellipse = 1;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_ctx_set_threads(ctx, threads);
    tw_areas *a = NULL;
    double t0 = now_s();
    if (tw_areas_new(ctx, &a) || tw_areas_read_csv(ctx, a, path, NULL) ||
        tw_areas_finalize(ctx, a, 1)) {
        fprintf(stderr, "bench_scan: %s: %s\n", path, tw_ctx_error(ctx)->message);
        return 1;
    }
    double t_read = now_s() - t0;
    size_t n = tw_areas_count(a);
    double *lon = malloc(n * sizeof *lon), *lat = malloc(n * sizeof *lat);
    double *pop = malloc(n * sizeof *pop), *cases = calloc(n, sizeof *cases);
    double *cum = malloc(n * sizeof *cum), P = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double p = tw_areas_population(a, i);
        double x, y;
        if (!tw_areas_lonlat(a, i, &x, &y) || isnan(p))
            continue;
        lon[m] = x;
        lat[m] = y;
        pop[m] = p;
        P += p;
        cum[m] = P;
        m++;
    }
    n = m;
    bstate ^= seed * 0x2545F4914F6CDD1DULL;
    for (long k = 0; k < (long)total; k++) {
        double u = bunif() * P;
        size_t lo = 0, hi = n - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cum[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        cases[lo]++;
    }
    tw_scan_data d = {n, lon, lat, 0, cases, pop, NULL, NULL};
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.max_pop_share = share;
    o.shape = ellipse ? TW_SCAN_ELLIPSE : TW_SCAN_CIRCLE;
    o.replicas = R;
    o.seed = seed;
    tw_scan_result *r = NULL;
    t0 = now_s();
    if (tw_scan_run(ctx, &d, &o, &r)) {
        fprintf(stderr, "bench_scan: %s\n", tw_ctx_error(ctx)->message);
        return 1;
    }
    double t_scan = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("areas %zu, cases %.0f, max-pop %.2f, replicas %d, threads %d, %s\n", n, total, share,
           R, tw_ctx_threads(ctx), ellipse ? "circle + 46 ellipses (medium penalty)" : "circles");
    printf("read %.2f s; scan %.2f s; windows on the data %llu; windows x (R+1) per s %.3g\n",
           t_read, t_scan, (unsigned long long)r->windows,
           (double)r->windows * (R + 1) / t_scan);
    double stat = r->n_clusters ? r->clusters[0].test_stat : 0;
    printf("most likely cluster: %zu areas, shape %g, LLR %.4f, statistic %.4f, p %.4g; peak "
           "memory %.0f MB\n",
           r->n_clusters ? r->clusters[0].n_areas : 0, r->n_clusters ? r->clusters[0].shape : 0,
           r->n_clusters ? r->clusters[0].llr : 0, stat, r->n_clusters ? r->clusters[0].p : NAN,
           ru.ru_maxrss / 1024.0);
    if (do_brute) {
        double w, we = 0;
        t0 = now_s();
        double bl = brute(n, lon, lat, cases, pop, share, &w);
        if (ellipse) {
            double be = brute_ellipses(n, lon, lat, cases, pop, share, &we);
            bl = be > bl ? be : bl;
            w += we;
        }
        double t_b = now_s() - t0;
        double per = t_scan / (R + 1);
        printf("brute force (data only, 1 thread): %.2f s, %.0f windows, max statistic %.6f "
               "(fast %.6f); per data set fast %.4f s, ratio %.0f\n",
               t_b, w, bl, stat, per, t_b / per);
    }
    tw_scan_result_free(ctx, r);
    tw_areas_free(a);
    tw_ctx_free(ctx);
    free(lon);
    free(lat);
    free(pop);
    free(cases);
    free(cum);
    return 0;
}
