/*
 * bench_geocode.c: speed of the gazetteer geocoder on one core. Reads the
 * PSA PSGC datafile (CSV export), times the gazetteer build, then geocodes
 * labelled addresses made from real PSGC names (evalset.c): clean ones,
 * perturbed ones (typos, abbreviations, missing province, swapped order,
 * old names, case) and a mix of 80 % clean and 20 % perturbed, and prints
 * addresses per second with the outcomes. Not a test (issue 6 asks for
 * at least 100,000 addresses per second per core).
 *
 *   bench_geocode [PSGC.csv] [--n N] [--seed S] [--reps R] [--only clean|perturbed|mix]
 *       --reps: passes per set, the fastest is printed (default 3); --only
 *       one set (with --reps 1, for callgrind's instruction counts)
 *   bench_geocode --dump FILE [--n N] [--seed S]: every result of the
 *       clean, perturbed and no-commas sets, one line each, to compare two
 *       builds (results must not change when the code is made faster)
 *       default file: $TANAW_DATA/psgc/PSGC-4Q-2023-Publication-Datafile.csv
 *       (TANAW_DATA defaults to ../shared/data/ph)
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"
#include "geocode/geocode_internal.h"

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Geocode every address of set, best of `reps` passes; prints one line. */
static void run(tw_ctx *ctx, const tw_gazetteer *g, const char *label, const gz_labelled *set,
                size_t n, int reps)
{
    size_t out[5] = {0}, right = 0;
    double best = 1e30, best_wall = 1e30;
    for (int r = 0; r < reps; r++) {
        memset(out, 0, sizeof out);
        right = 0;
        double t0 = cpu_s(), w0 = now_s();
        for (size_t i = 0; i < n; i++) {
            tw_geocode_result res;
            tw_geocode(ctx, g, set[i].address, strlen(set[i].address), &res);
            out[res.outcome]++;
            right += (res.outcome == TW_GEOCODE_EXACT || res.outcome == TW_GEOCODE_FUZZY) &&
                     strcmp(res.psgc, set[i].truth) == 0;
        }
        double dt = cpu_s() - t0, dw = now_s() - w0;
        if (dt < best)
            best = dt;
        if (dw < best_wall)
            best_wall = dw;
    }
    printf("%-10s n=%-7zu %9.0f addresses/s per core (CPU time; wall %.0f/s)  %6.2f us/address  "
           "right %.2f%%  exact %zu fuzzy %zu ambiguous %zu coarser %zu not_found %zu\n",
           label, n, (double)n / best, (double)n / best_wall, 1e6 * best / (double)n,
           100.0 * (double)right / (double)n,
           out[TW_GEOCODE_EXACT], out[TW_GEOCODE_FUZZY], out[TW_GEOCODE_AMBIGUOUS],
           out[TW_GEOCODE_COARSER], out[TW_GEOCODE_NOT_FOUND]);
}

/* One line per address: set, index, outcome, psgc, score, candidates. */
static void dump(tw_ctx *ctx, const tw_gazetteer *g, FILE *f, const char *label,
                 const gz_labelled *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tw_geocode_result r;
        tw_geocode(ctx, g, set[i].address, strlen(set[i].address), &r);
        fprintf(f, "%s\t%zu\t%s\t%s\t%.9g\t%zu", label, i, tw_geocode_outcome_name(r.outcome),
                r.psgc, r.score, r.n_candidates);
        for (size_t k = 0; k < r.n_candidates && k < TW_GEOCODE_MAX_CANDIDATES; k++)
            fprintf(f, "%c%s", k ? ';' : '\t', r.candidates[k]);
        fputc('\n', f);
    }
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    size_t n = 100000;
    uint64_t seed = 7;
    int reps = 3;
    const char *only = NULL, *dump_path = NULL;
    char buf[4096];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            n = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
            dump_path = argv[++i];
        else
            path = argv[i];
    }
    if (!path) {
        const char *d = getenv("TANAW_DATA");
        snprintf(buf, sizeof buf, "%s/psgc/PSGC-4Q-2023-Publication-Datafile.csv",
                 d && *d ? d : "../shared/data/ph");
        path = buf;
    }
    if (n == 0)
        n = 1;
    tw_ctx *ctx = tw_ctx_new();
    tw_gazetteer *g = NULL;
    gz_labelled *clean = NULL, *pert = NULL, *mix = NULL;
    double t0 = now_s();
    if (!ctx || tw_gazetteer_read_psgc(ctx, path, &g) != TW_OK) {
        fprintf(stderr, "bench_geocode: %s: %s\n", path, ctx ? tw_ctx_error(ctx)->message : "no memory");
        tw_ctx_free(ctx);
        return 1;
    }
    printf("gazetteer: %zu units (%zu barangays) read and indexed in %.3f s\n",
           tw_gazetteer_count(g, TW_LEVEL_UNKNOWN), tw_gazetteer_count(g, TW_LEVEL_BARANGAY),
           now_s() - t0);
    int all = GZ_P_TYPO_BGY | GZ_P_TYPO_MUN | GZ_P_ABBREV | GZ_P_NO_PROVINCE | GZ_P_SWAP |
              GZ_P_OLD_NAME | GZ_P_CASE;
    if (gz_evalset_make(ctx, g, seed, n, 0, &clean) || gz_evalset_make(ctx, g, seed + 1, n, all, &pert) ||
        !(mix = malloc(n * sizeof *mix))) {
        fprintf(stderr, "bench_geocode: cannot build the address sets\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        mix[i] = i % 5 == 4 ? pert[i] : clean[i];
    if (dump_path) {
        gz_labelled *nocomma = NULL;
        FILE *f = fopen(dump_path, "w");
        if (!f || gz_evalset_make(ctx, g, seed + 2, n, all | GZ_P_NO_COMMAS, &nocomma)) {
            fprintf(stderr, "bench_geocode: %s: cannot write\n", dump_path);
            return 1;
        }
        dump(ctx, g, f, "clean", clean, n);
        dump(ctx, g, f, "perturbed", pert, n);
        dump(ctx, g, f, "nocommas", nocomma, n);
        ctx_free(ctx, nocomma);
        if (fclose(f) != 0)
            return 1;
        only = "none";
    }
    if (!only || strcmp(only, "clean") == 0)
        run(ctx, g, "clean", clean, n, reps);
    if (!only || strcmp(only, "perturbed") == 0)
        run(ctx, g, "perturbed", pert, n, reps);
    if (!only || strcmp(only, "mix") == 0)
        run(ctx, g, "mix 80/20", mix, n, reps);
    free(mix);
    ctx_free(ctx, clean); /* the sets were allocated through the context */
    ctx_free(ctx, pert);
    tw_gazetteer_free(g);
    tw_ctx_free(ctx);
    return 0;
}
