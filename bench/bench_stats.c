/*
 * bench_stats.c: wall time of tw_gistar_compute (Gi*, binary weights with
 * self-links) and tw_lisa_compute (row-standardised) with conditional
 * permutations. Not a test: it prints timings.
 *
 *   bench_stats [--perm R] [--threads T]
 *       synthetic: 1k, 10k, 42k and 100k areas, 8 random neighbours each
 *   bench_stats --areas barangays.csv --gal knn8.gal --x x.csv
 *               [--perm R] [--threads T] [--out results.csv]
 *       real weights from a GeoDa GAL file, x from a CSV "id,x"; --out
 *       writes id,gistar_z,gistar_p_perm,lisa_z,lisa_p_perm for comparison
 *       with spdep (bench/bench_stats.sh)
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"

#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t st = 0x9e3779b97f4a7c15ull; /* made-up inputs */
static double unif(void) { return bench_unif(&st); }

static int die(tw_ctx *ctx, const char *what)
{
    const tw_error *e = tw_ctx_error(ctx);
    fprintf(stderr, "bench_stats: %s: %s%s%s\n", what, e->file[0] ? e->file : "", e->file[0] ? ": " : "",
            e->message);
    return 1;
}

/* Times Gi* and local Moran on base weights b (no self-links). */
static int run(tw_ctx *ctx, const tw_weights *b, const double *x, int R, const char *label,
               tw_local_result **g_out, tw_local_result **l_out)
{
    tw_weights *ws = NULL, *ww = NULL;
    if (tw_weights_transform(ctx, b, 1, TW_STYLE_B, &ws) ||
        tw_weights_transform(ctx, b, 0, TW_STYLE_W, &ww))
        return die(ctx, "weights");
    tw_local_opts o = {.permutations = R, .seed = 1, .correction = TW_CORRECT_FDR,
                       .use_permutation_p = 1};
    tw_local_result *g = NULL, *l = NULL;
    double t0 = now_s(), c0 = cpu_s();
    if (tw_gistar_compute(ctx, ws, x, 1, &o, &g))
        return die(ctx, "gistar");
    double t1 = now_s(), c1 = cpu_s();
    if (tw_lisa_compute(ctx, ww, x, &o, &l))
        return die(ctx, "lisa");
    double t2 = now_s(), c2 = cpu_s();
    size_t links = tw_weights_links(ww);
    printf("%-10s n=%-7zu links=%-8zu R=%d threads=%d  gistar %.3f s  lisa %.3f s  "
           "(cpu %.3f s + %.3f s, %.2f ns cpu/draw)\n",
           label, tw_weights_n(b), links, R, tw_ctx_threads(ctx), t1 - t0, t2 - t1, c1 - c0,
           c2 - c1, 1e9 * (c2 - c0) / (2.0 * (double)R * (double)links));
    tw_weights_free(ws);
    tw_weights_free(ww);
    if (g_out)
        *g_out = g;
    else
        tw_local_result_free(ctx, g);
    if (l_out)
        *l_out = l;
    else
        tw_local_result_free(ctx, l);
    return 0;
}

static int synthetic(tw_ctx *ctx, int R)
{
    size_t sizes[] = {1000, 10000, 42000, 100000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s], k = 8;
        size_t *rowptr = malloc((n + 1) * sizeof *rowptr);
        int32_t *col = malloc(n * k * sizeof *col);
        double *x = malloc(n * sizeof *x);
        rowptr[0] = 0;
        for (size_t i = 0; i < n; i++) {
            /* neighbours near i in index order, like areas sorted by PSGC */
            for (size_t t = 0; t < k;) {
                long j = (long)i + (long)(unif() * 41) - 20;
                if (j < 0 || j >= (long)n || (size_t)j == i)
                    continue;
                int dup = 0;
                for (size_t u = 0; u < t; u++)
                    dup |= col[i * k + u] == (int32_t)j;
                if (!dup)
                    col[i * k + t++] = (int32_t)j;
            }
            rowptr[i + 1] = (i + 1) * k;
            x[i] = floor(-log(1 - unif()) * 3);
        }
        tw_weights *b = NULL;
        if (tw_weights_from_lists(ctx, n, rowptr, col, NULL, &b))
            return die(ctx, "weights");
        char label[32];
        snprintf(label, sizeof label, "synthetic");
        int rc = run(ctx, b, x, R, label, NULL, NULL);
        tw_weights_free(b);
        free(rowptr);
        free(col);
        free(x);
        if (rc)
            return rc;
    }
    return 0;
}

static int real(tw_ctx *ctx, const char *areas_path, const char *gal, const char *xpath, int R,
                const char *out)
{
    tw_areas *a = NULL;
    tw_weights *b = NULL;
    double t0 = now_s();
    if (tw_areas_new(ctx, &a) || tw_areas_read_csv(ctx, a, areas_path, NULL))
        return die(ctx, "areas");
    if (tw_weights_read_gal(ctx, a, gal, &b))
        return die(ctx, "gal");
    size_t n = tw_areas_count(a);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = NAN;
    FILE *f = fopen(xpath, "r");
    if (!f) {
        perror(xpath);
        return 1;
    }
    char line[256];
    size_t got = 0;
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ',');
        if (!c)
            continue;
        *c = '\0';
        char *end;
        double v = strtod(c + 1, &end);
        if (end == c + 1)
            continue; /* header */
        long i = tw_areas_find(a, line);
        if (i < 0) {
            fprintf(stderr, "bench_stats: %s: unknown id %s\n", xpath, line);
            return 1;
        }
        x[i] = v;
        got++;
    }
    fclose(f);
    if (got != n) {
        fprintf(stderr, "bench_stats: %s has %zu values for %zu areas\n", xpath, got, n);
        return 1;
    }
    printf("read areas + gal + x: %.3f s\n", now_s() - t0);
    tw_local_result *g = NULL, *l = NULL;
    if (run(ctx, b, x, R, "barangays", &g, &l))
        return 1;
    if (out) {
        FILE *o = fopen(out, "w");
        if (!o) {
            perror(out);
            return 1;
        }
        fprintf(o, "id,gistar_z,gistar_p_perm,lisa_z,lisa_p_perm\n");
        for (size_t i = 0; i < n; i++)
            fprintf(o, "%s,%.17g,%.17g,%.17g,%.17g\n", tw_areas_id(a, i), g->z[i], g->p_perm[i],
                    l->z[i], l->p_perm[i]);
        if (fclose(o)) {
            perror(out);
            return 1;
        }
    }
    tw_local_result_free(ctx, g);
    tw_local_result_free(ctx, l);
    tw_weights_free(b);
    tw_areas_free(a);
    free(x);
    return 0;
}

int main(int argc, char **argv)
{
    const char *areas = NULL, *gal = NULL, *xpath = NULL, *out = NULL;
    int R = 999, threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "bench_stats: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--areas") == 0)
            areas = v;
        else if (strcmp(argv[i], "--gal") == 0)
            gal = v;
        else if (strcmp(argv[i], "--x") == 0)
            xpath = v;
        else if (strcmp(argv[i], "--out") == 0)
            out = v;
        else if (strcmp(argv[i], "--perm") == 0)
            R = atoi(v);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(v);
        else {
            fprintf(stderr, "bench_stats: unknown option %s\n", argv[i]);
            return 2;
        }
        i++;
    }
    tw_ctx *ctx = tw_ctx_new();
    if (!ctx)
        return 1;
    tw_ctx_set_threads(ctx, threads);
    int rc = areas || gal || xpath ? real(ctx, areas, gal, xpath, R, out) : synthetic(ctx, R);
    tw_ctx_free(ctx);
    return rc;
}
