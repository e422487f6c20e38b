/*
 * bench_kde.c: wall time of tw_kde_compute on points read from a CSV
 * (x,y in km, as bench/bench_kde.R writes them for density.ppp), on an
 * NX x NY grid of square cells from (X0, Y0). Not a test: prints the
 * median time of RUNS runs per mode and, with OUT, writes the spatstat-mode
 * surface as row-major values (row 0 the lowest) for comparison with R.
 *
 *   bench_kde POINTS.csv NX NY X0 Y0 CELL SIGMA RUNS [OUT] [THREADS]
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"

#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 9) {
        fprintf(stderr, "usage: bench_kde POINTS.csv NX NY X0 Y0 CELL SIGMA RUNS [OUT] [THREADS]\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 1 << 20, n = 0;
    double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
    char line[256];
    if (!fgets(line, sizeof line, f)) /* header */
        return 1;
    while (fgets(line, sizeof line, f)) {
        if (n == cap) {
            cap *= 2;
            x = realloc(x, cap * sizeof *x);
            y = realloc(y, cap * sizeof *y);
        }
        char *p;
        x[n] = strtod(line, &p);
        y[n] = strtod(p + 1, NULL);
        n++;
    }
    fclose(f);
    tw_grid g = {.nx = (size_t)atol(argv[2]), .ny = (size_t)atol(argv[3]), .x0 = atof(argv[4]),
                 .y0 = atof(argv[5]), .cell = atof(argv[6])};
    double sigma = atof(argv[7]);
    int runs = atoi(argv[8]);
    tw_ctx *ctx = tw_ctx_new();
    if (argc > 10)
        tw_ctx_set_threads(ctx, atoi(argv[10]));
    double *d = malloc(g.nx * g.ny * sizeof *d);
    static const char *const names[] = {"spatstat", "linear"};
    for (int mode = 0; mode < 2; mode++) {
        tw_kde_opts o = {.kernel = TW_KERNEL_GAUSSIAN, .sigma = sigma, .mode = (tw_kde_mode)mode};
        double *t = malloc((size_t)runs * sizeof *t);
        for (int r = 0; r < runs; r++) {
            double t0 = now_s();
            if (tw_kde_compute(ctx, x, y, NULL, n, &g, &o, d)) {
                fprintf(stderr, "bench_kde: %s\n", tw_ctx_error(ctx)->message);
                return 1;
            }
            t[r] = now_s() - t0;
        }
        qsort(t, (size_t)runs, sizeof *t, cmp);
        double diff = NAN;
        if (tw_kde_compare_exact(ctx, x, y, NULL, n, &g, &o, d, 200, 1, &diff) != TW_OK)
            diff = NAN;
        printf("tanaw %s: %zu points, %zu x %zu grid: median %.4f s of %d runs; "
               "max difference from the exact sum at 200 cells %.3g %% of the peak\n",
               names[mode], n, g.nx, g.ny, t[runs / 2], runs, 100 * diff);
        free(t);
        if (mode == 0 && argc > 9 && strcmp(argv[9], "-") != 0) {
            FILE *o2 = fopen(argv[9], "w");
            for (size_t k = 0; k < g.nx * g.ny; k++)
                fprintf(o2, "%.17g\n", d[k]);
            fclose(o2);
        }
    }
    free(d);
    free(x);
    free(y);
    tw_ctx_free(ctx);
    return 0;
}
