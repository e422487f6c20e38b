/*
 * bench_weights.c: wall time of tw_weights_build on the real barangays
 * (queen exact as spdep poly2nb, queen:50m fuzzy, knn:8 as knearneigh
 * longlat), median of R runs; and, with --recall, what fuzzy contiguity
 * recovers against the reference pairs of barangays_neighbours.csv.
 * Not a test: it prints numbers (see bench/bench_weights.sh, which runs
 * spdep on the same files side by side, and docs/weights.md).
 *
 *   bench_weights --geojson barangays.geojson --csv barangays.csv
 *                 [--reps 5] [--threads T] [--specs queen,queen:50m,knn:8]
 *   bench_weights --geojson barangays.geojson --recall barangays_neighbours.csv
 *                 [--specs queen,queen:20m,queen:50m,queen:100m,queen:200m]
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int die(tw_ctx *ctx, const char *what)
{
    fprintf(stderr, "bench_weights: %s: %s\n", what, tw_ctx_error(ctx)->message);
    return 1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reference pairs as a sorted list of (i << 32 | j), i < j. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t key(long i, long j)
{
    return i < j ? ((uint64_t)i << 32) | (uint64_t)j : ((uint64_t)j << 32) | (uint64_t)i;
}

static int recall(tw_ctx *ctx, const tw_areas *a, const char *ref_path, char *specs)
{
    FILE *f = fopen(ref_path, "r");
    if (!f) {
        fprintf(stderr, "bench_weights: cannot open %s\n", ref_path);
        return 1;
    }
    size_t cap = 1 << 18, nref = 0, nref_edge = 0, missing_ids = 0;
    uint64_t *ref = malloc(cap * sizeof *ref);
    unsigned char *is_edge = malloc(cap);
    char line[256];
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return 1;
    }
    /* a,b,kind,shared_m */
    uint64_t *tmp = malloc(cap * sizeof *tmp);
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = 0;
        long i = tw_areas_find(a, line), j = tw_areas_find(a, c1 + 1);
        if (i < 0 || j < 0) {
            missing_ids++;
            continue;
        }
        if (nref == cap)
            break;
        int edge = !strncmp(c2 + 1, "edge", 4);
        tmp[nref] = (key(i, j) << 1) | (uint64_t)edge; /* keep kind in bit 0 */
        nref++;
        nref_edge += (size_t)edge;
    }
    fclose(f);
    /* sort by pair (kind in the low bit does not disturb the order of pairs) */
    qsort(tmp, nref, sizeof *tmp, cmp_u64);
    for (size_t t = 0; t < nref; t++) {
        ref[t] = tmp[t] >> 1;
        is_edge[t] = (unsigned char)(tmp[t] & 1);
    }
    free(tmp);
    printf("reference: %zu pairs (%zu edge), %zu pairs with ids not in the geography\n", nref,
           nref_edge, missing_ids);
    printf("| weights | pairs | reference found | recall | edge recall | extra pairs | components | islands | time s |\n");
    printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (char *sp = strtok(specs, ","); sp; sp = strtok(NULL, ",")) {
        tw_weights_spec spec;
        tw_weights *w = NULL;
        if (tw_weights_spec_parse(ctx, sp, &spec))
            return die(ctx, sp);
        double t0 = now_s();
        if (tw_weights_build(ctx, a, &spec, &w))
            return die(ctx, sp);
        double t1 = now_s();
        size_t n = tw_weights_n(w), pairs = 0, found = 0, found_edge = 0;
        for (size_t i = 0; i < n; i++) {
            const int32_t *nb;
            size_t len = tw_weights_row(w, i, &nb, NULL);
            for (size_t t = 0; t < len; t++) {
                if ((size_t)nb[t] <= i)
                    continue;
                pairs++;
                uint64_t k = key((long)i, nb[t]);
                uint64_t *hit = bsearch(&k, ref, nref, sizeof *ref, cmp_u64);
                if (hit) {
                    found++;
                    found_edge += is_edge[hit - ref];
                }
            }
        }
        tw_weights_summary s;
        if (tw_weights_summarise(ctx, w, &s))
            return die(ctx, "summary");
        printf("| %s | %zu | %zu | %.4f | %.4f | %zu | %zu | %zu | %.2f |\n", sp, pairs, found,
               (double)found / (double)nref, (double)found_edge / (double)nref_edge,
               pairs - found, s.components, s.islands, t1 - t0);
        tw_weights_free(w);
    }
    free(ref);
    free(is_edge);
    return 0;
}

int main(int argc, char **argv)
{
    const char *geojson = NULL, *csv = NULL, *ref = NULL;
    char specs_buf[512] = "";
    int reps = 5, threads = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--geojson") && i + 1 < argc)
            geojson = argv[++i];
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv = argv[++i];
        else if (!strcmp(argv[i], "--recall") && i + 1 < argc)
            ref = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--specs") && i + 1 < argc)
            snprintf(specs_buf, sizeof specs_buf, "%s", argv[++i]);
        else {
            fprintf(stderr, "usage: bench_weights --geojson F [--csv F] [--recall REF] "
                            "[--reps R] [--threads T] [--specs a,b,c]\n");
            return 2;
        }
    }
    if (!geojson || reps < 1) {
        fprintf(stderr, "bench_weights: --geojson is required\n");
        return 2;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_ctx_set_threads(ctx, threads);
    tw_areas *a = NULL;
    double t0 = now_s();
    if (tw_areas_new(ctx, &a) || tw_areas_read_geojson(ctx, a, geojson, "psgc", "name", NULL))
        return die(ctx, geojson);
    if (csv && tw_areas_read_csv(ctx, a, csv, NULL))
        return die(ctx, csv);
    if (tw_areas_finalize(ctx, a, 0))
        return die(ctx, "finalize");
    printf("read %zu areas in %.2f s\n", tw_areas_count(a), now_s() - t0);
    if (ref) {
        if (!*specs_buf)
            snprintf(specs_buf, sizeof specs_buf,
                     "queen,queen:20m,queen:50m,queen:100m,queen:200m,rook,rook:20m,rook:50m");
        return recall(ctx, a, ref, specs_buf);
    }
    if (!*specs_buf)
        snprintf(specs_buf, sizeof specs_buf, "queen,queen:50m,knn:8");
    for (char *sp = strtok(specs_buf, ","); sp; sp = strtok(NULL, ",")) {
        tw_weights_spec spec;
        if (tw_weights_spec_parse(ctx, sp, &spec))
            return die(ctx, sp);
        double *t = malloc((size_t)reps * sizeof *t), *c = malloc((size_t)reps * sizeof *c);
        size_t links = 0;
        for (int r = 0; r < reps; r++) {
            tw_weights *w = NULL;
            double s0 = now_s(), c0 = cpu_s();
            if (tw_weights_build(ctx, a, &spec, &w))
                return die(ctx, sp);
            t[r] = now_s() - s0;
            c[r] = cpu_s() - c0;
            links = tw_weights_links(w);
            tw_weights_free(w);
            tw_ctx_clear_warnings(ctx);
        }
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        qsort(c, (size_t)reps, sizeof *c, cmp_d);
        /* CPU time too: on a shared machine wall time varies with the load */
        printf("tanaw %-10s median %.4f s wall (min %.4f, max %.4f, %d runs), cpu %.4f s, %zu links\n",
               sp, t[reps / 2], t[0], t[reps - 1], reps, c[reps / 2], links);
        free(t);
        free(c);
    }
    tw_areas_free(a);
    tw_ctx_free(ctx);
    return 0;
}
