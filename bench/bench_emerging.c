/*
 * bench_emerging.c: wall time of tw_emerging_compute (space-time Gi* over
 * the cube, FDR over all bins, Mann-Kendall and categories per area) and
 * of tw_mann_kendall alone, on synthetic cubes of N areas (8 random
 * neighbours each) x T steps with sparse counts (most bins 0, as barangay
 * months are). Not a test: prints timings.
 *
 *   bench_emerging [N] [T] [K] [THREADS]   (default 42000 48 1, all cores)
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"

#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t st = 0x9e3779b97f4a7c15ull; /* made-up inputs */
static double unif(void) { return bench_unif(&st); }

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 42000;
    size_t T = argc > 2 ? (size_t)atol(argv[2]) : 48;
    int K = argc > 3 ? atoi(argv[3]) : 1;
    tw_ctx *ctx = tw_ctx_new();
    if (argc > 4)
        tw_ctx_set_threads(ctx, atoi(argv[4]));
    size_t k = 8;
    size_t *rowptr = malloc((n + 1) * sizeof *rowptr);
    int32_t *col = malloc(n * k * sizeof *col);
    rowptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t < k;) {
            int32_t j = (int32_t)(unif() * (double)n);
            int dup = (size_t)j == i;
            for (size_t u = 0; u < t; u++)
                dup |= col[i * k + u] == j;
            if (!dup)
                col[i * k + t++] = j;
        }
        rowptr[i + 1] = (i + 1) * k;
    }
    tw_weights *w = NULL;
    if (tw_weights_from_lists(ctx, n, rowptr, col, NULL, &w)) {
        fprintf(stderr, "%s\n", tw_ctx_error(ctx)->message);
        return 1;
    }
    double *x = malloc(n * T * sizeof *x);
    for (size_t b = 0; b < n * T; b++) {
        double u = unif();
        x[b] = u < 0.9 ? 0 : u < 0.97 ? 1 : u < 0.99 ? 2 : 3 + (double)(int)(unif() * 5);
    }
    tw_emerging_opts o = {.time_neighbours = K, .alpha = 0.05, .correction = TW_CORRECT_FDR};
    tw_emerging_result *r = NULL;
    double t0 = now_s(), c0 = cpu_s();
    if (tw_emerging_compute(ctx, w, x, T, &o, &r)) {
        fprintf(stderr, "%s\n", tw_ctx_error(ctx)->message);
        return 1;
    }
    double t1 = now_s(), c1 = cpu_s();
    size_t hot = 0;
    for (size_t i = 0; i < n; i++)
        hot += r->category[i] > 0;
    printf("tw_emerging_compute: %zu areas x %zu steps (%zu bins), time neighbours %d, threads %d: "
           "wall %.3f s, cpu %.3f s (%zu areas in a hot pattern)\n",
           n, T, n * T, K, tw_ctx_threads(ctx), t1 - t0, c1 - c0, hot);
    tw_mk_result m;
    c0 = cpu_s();
    for (size_t i = 0; i < n; i++)
        tw_mann_kendall(ctx, x + i * T, T, &m);
    c1 = cpu_s();
    printf("tw_mann_kendall with Sen's slope: %zu series of %zu: cpu %.3f s (%.2f us each)\n", n,
           T, c1 - c0, 1e6 * (c1 - c0) / (double)n);
    tw_emerging_result_free(ctx, r);
    tw_weights_free(w);
    free(x);
    free(rowptr);
    free(col);
    tw_ctx_free(ctx);
    return 0;
}
