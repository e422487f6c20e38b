/*
 * cmd_local.c: `tanaw gistar` (Getis-Ord Gi* and Gi) and `tanaw lisa` (local
 * Moran's I). Both run the shared pipeline, compute the local statistic
 * with analytic and permutation inference, adjust the p-values for
 * multiple testing and write the table, GeoJSON, map and top hotspots.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

static const cli_optspec local_opts[] = {
    {"permutations", 1, 0, "N", "conditional permutations for pseudo p-values (default 999; 0 = none)"},
    {"correction", 1, 0, "KIND", "none | bonferroni | fdr (Benjamini-Hochberg; default fdr)"},
    {"p-source", 1, 0, "KIND", "analytic | permutation: which p the correction and classes use "
                               "(default: analytic for gistar, permutation for lisa)"},
    {"style", 1, 0, "B|W", "weights style: B binary, W row-standardised (default B for gistar, W for lisa)"},
    {"no-self", 0, 0, NULL, "gistar: Gi without the area itself (default Gi*, self included)"},
    {"out", 1, 0, "FILE.csv", "per-area table"},
    {"geojson", 1, 0, "FILE", "per-area GeoJSON for QGIS"},
    {"map", 1, 0, "FILE.png|FILE.svg", "map of the classes"},
    {"title", 1, 0, "TEXT", "map title"},
    {"top", 1, 0, "N", "hotspots listed on stdout (default 10)"},
    {"by-source", 0, 0, NULL, "per-source counts (count_<source> columns) and, for each hotspot, "
                              "the sources' shares and its z without each source"},
    {"by-source-out", 1, 0, "FILE.csv", "with --by-source: the per-hotspot, per-source table"},
};

static int parse_correction(const char *s, tw_correction *c)
{
    if (!s || strcmp(s, "fdr") == 0)
        *c = TW_CORRECT_FDR;
    else if (strcmp(s, "none") == 0)
        *c = TW_CORRECT_NONE;
    else if (strcmp(s, "bonferroni") == 0)
        *c = TW_CORRECT_BONFERRONI;
    else {
        fprintf(stderr, "tanaw: --correction: expected none, bonferroni or fdr, got '%s'\n", s);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static bool is_hotspot(const tw_local_result *r, size_t i)
{
    return r->cls[i] > 0 && (!r->quadrant || r->quadrant[i] == 1);
}

static const char *class_text(const tw_local_result *r, size_t i)
{
    return r->quadrant ? tw_quadrant_label(r->quadrant[i]) : tw_class_label(r->cls[i]);
}

/*
 * --by-source: for each hotspot, each source's share of the records in its
 * neighbourhood (the area and its neighbours under w) against the source's
 * national share, and the hotspot's z and class when the analysis is run
 * again without that source's records (leave one source out).
 */
static int report_sources(cli_analysis *an, const cli_args *a, const tw_weights *w,
                          const tw_local_result *r, const tw_local_opts *lo, int lisa, int star)
{
    size_t n = r->n, ns = an->n_by_source, nhot = 0;
    for (size_t i = 0; i < n; i++)
        nhot += is_hotspot(r, i);
    const char *path = cli_get(a, "by-source-out");
    if (nhot == 0 || ns == 0) {
        printf("sources of the hotspots: %s\n", ns ? "no significant hotspot" : "no source in the records");
        if (!path)
            return EXIT_OK;
    }
    double total = 0, national[64];
    for (size_t i = 0; i < n; i++)
        total += an->count[i];
    for (size_t k = 0; k < ns; k++) {
        national[k] = 0;
        for (size_t i = 0; i < n; i++)
            national[k] += an->source_count[k][i];
    }
    /* Leave one source out: the whole analysis again on the other records. */
    tw_local_result *without[64] = {NULL};
    double *cnt = malloc((n ? n : 1) * sizeof *cnt), *x = malloc((n ? n : 1) * sizeof *x);
    int rc = cnt && x ? EXIT_OK : EXIT_INTERNAL;
    for (size_t k = 0; k < ns && !rc && nhot; k++) {
        for (size_t i = 0; i < n; i++)
            cnt[i] = an->count[i] - an->source_count[k][i] > 0 ? an->count[i] - an->source_count[k][i] : 0;
        tw_status s = tw_rate_compute(an->ctx, an->rate_kind, an->rate_per, cnt, an->population, n, x);
        if (!s)
            s = lisa ? tw_lisa_compute(an->ctx, w, x, lo, &without[k])
                     : tw_gistar_compute(an->ctx, w, x, star, lo, &without[k]);
        cli_progress_done();
        if (s == TW_E_NOMEM)
            rc = EXIT_INTERNAL;
        else if (s) /* e.g. nothing varies without the source: no hotspot left */
            tw_local_result_free(an->ctx, without[k]), without[k] = NULL;
        cli_warnings(an->ctx, true);
    }
    FILE *f = NULL;
    if (!rc && path && !(f = fopen(path, "w"))) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        rc = EXIT_OUTPUT;
    }
    if (f)
        fprintf(f, "id,name,z,class,source,count,neighbourhood_count,share,national_share,"
                   "z_without,class_without\n");
    if (!rc && nhot)
        printf("sources of the hotspots (share of the records in the area and its neighbours, "
               "national share; z and class without the source):\n");
    for (size_t i = 0; i < n && !rc; i++) {
        if (!is_hotspot(r, i))
            continue;
        const int32_t *nbr;
        const double *wt;
        size_t m = tw_weights_row(w, i, &nbr, &wt);
        bool self = false;
        double hood = 0, part[64] = {0};
        for (size_t j = 0; j <= m; j++) {
            size_t q = j < m ? (size_t)nbr[j] : i;
            if (j == m && self)
                break;
            self |= q == i;
            hood += an->count[q];
            for (size_t k = 0; k < ns; k++)
                part[k] += an->source_count[k][q];
        }
        printf("  %-10s  %-34.34s z %.3f  %s\n", tw_areas_id(an->areas, i), tw_areas_name(an->areas, i),
               r->z[i], class_text(r, i));
        for (size_t k = 0; k < ns; k++) {
            double sh = hood > 0 ? part[k] / hood : 0, nat = total > 0 ? national[k] / total : 0;
            const tw_local_result *o = without[k];
            bool still = o && is_hotspot(o, i);
            double zo = o ? o->z[i] : NAN;
            const char *co = o ? class_text(o, i) : "not significant";
            printf("      %-20s %8.0f  %5.1f%% (national %5.1f%%)  without: z %7.3f  %s%s\n",
                   an->source_name[k], part[k], 100 * sh, 100 * nat, zo, co,
                   still ? "" : "  <- not hot without it");
            if (f) {
                fprintf(f, "%s,", tw_areas_id(an->areas, i));
                tw_csv_write_field(f, tw_areas_name(an->areas, i));
                fprintf(f, ",%.6g,%s,%s,%.17g,%.17g,%.6f,%.6f,%.6g,%s\n", r->z[i], class_text(r, i),
                        an->source_name[k], part[k], hood, sh, nat, zo, co);
            }
        }
    }
    if (f && fclose(f) != 0 && !rc) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        rc = EXIT_OUTPUT;
    } else if (f && !rc)
        cli_note("wrote %s", path);
    for (size_t k = 0; k < ns; k++)
        tw_local_result_free(an->ctx, without[k]);
    free(cnt);
    free(x);
    return rc;
}

static int run_local(int argc, char **argv, int lisa)
{
    cli_optspec spec[CLI_MAX_OPTS];
    size_t ns = 0;
    cli_spec_add(spec, &ns, cli_analysis_opts, cli_analysis_nopts, NULL);
    cli_spec_add(spec, &ns, local_opts, sizeof local_opts / sizeof local_opts[0], NULL);
    cli_spec_add(spec, &ns, cli_public_opts, cli_public_nopts, NULL);
    cli_args a;
    const char *usage = lisa
        ? "tanaw lisa --areas FILE [--areas FILE] --cases FILE [options]"
        : "tanaw gistar --areas FILE [--areas FILE] --cases FILE [options]";
    const char *desc = lisa
        ? "Local Moran's I (Anselin 1995) per area, as spdep localmoran(x, nb2listw(nb, style=\"W\")),\n"
          "with conditional permutation pseudo p-values and HH/LH/LL/HL quadrants."
        : "Getis-Ord Gi* hot and cold spots per area (z equal to spdep localG with\n"
          "include.self and binary weights), with conditional permutation p-values,\n"
          "multiple-testing correction and ArcGIS-style confidence classes.";
    int rc = cli_parse(&a, spec, ns, argc, argv, usage, desc);
    if (rc >= 0)
        return rc;
    tw_local_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.permutations = 999;
    const char *perm = cli_get(&a, "permutations");
    if (perm) {
        long p;
        if (!cli_int("permutations", perm, 0, 1000000, &p))
            return EXIT_USAGE;
        lo.permutations = (int)p;
    }
    if (parse_correction(cli_get(&a, "correction"), &lo.correction))
        return EXIT_USAGE;
    const char *ps = cli_get(&a, "p-source");
    lo.use_permutation_p = lisa;
    if (ps) {
        if (strcmp(ps, "analytic") == 0)
            lo.use_permutation_p = 0;
        else if (strcmp(ps, "permutation") == 0)
            lo.use_permutation_p = 1;
        else {
            fprintf(stderr, "tanaw: --p-source: expected analytic or permutation, got '%s'\n", ps);
            return EXIT_USAGE;
        }
    }
    if (lo.use_permutation_p && lo.permutations == 0) {
        fprintf(stderr, "tanaw: --p-source permutation needs --permutations > 0\n");
        return EXIT_USAGE;
    }
    tw_wstyle style = lisa ? TW_STYLE_W : TW_STYLE_B;
    const char *st = cli_get(&a, "style");
    if (st) {
        if (strcmp(st, "B") == 0 || strcmp(st, "b") == 0)
            style = TW_STYLE_B;
        else if (strcmp(st, "W") == 0 || strcmp(st, "w") == 0)
            style = TW_STYLE_W;
        else {
            fprintf(stderr, "tanaw: --style: expected B or W, got '%s'\n", st);
            return EXIT_USAGE;
        }
    }
    cli_analysis an;
    memset(&an, 0, sizeof an);
    if ((rc = cli_by_source_opts(&a, &an.by_source)))
        return rc;
    if (!(an.ctx = cli_ctx_new(&a)))
        return EXIT_USAGE;
    lo.seed = tw_ctx_seed(an.ctx);
    if ((rc = cli_analysis_prepare(&an, &a))) {
        cli_analysis_free(&an);
        return rc;
    }
    int star = !lisa && !cli_flag(&a, "no-self");
    tw_weights *w = NULL;
    tw_local_result *r = NULL;
    tw_status s = tw_weights_transform(an.ctx, an.nb, star, style, &w);
    if (!s)
        s = lisa ? tw_lisa_compute(an.ctx, w, an.x, &lo, &r)
                 : tw_gistar_compute(an.ctx, w, an.x, star, &lo, &r);
    cli_progress_done();
    if (s) {
        cli_report(an.ctx, lisa ? "local Moran" : "Gi*");
        rc = cli_exit_for(s);
        goto done;
    }
    cli_warnings(an.ctx, cli_quiet());
    printf("%s of %s\n", lisa ? "local Moran's I" : (star ? "Getis-Ord Gi*" : "Getis-Ord Gi"),
           an.variable_label);
    cli_analysis_print_inputs(&an);
    tw_extra_column extra[5 + 64];
    char colname[64][48];
    size_t ne = 0;
    /* neighbours of each area in the weights (self not counted): 0 marks
       an island, whose Gi* is its own value against the map
       (docs/statistics.md) */
    size_t na = tw_areas_count(an.areas);
    int *nbc = malloc((na ? na : 1) * sizeof *nbc);
    if (!nbc) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < na; i++) {
        const int32_t *nbr;
        const double *wt;
        nbc[i] = (int)tw_weights_row(an.nb, i, &nbr, &wt);
    }
    extra[ne++] = (tw_extra_column){"expected", r->expected, NULL};
    extra[ne++] = (tw_extra_column){"variance", r->variance, NULL};
    extra[ne++] = (tw_extra_column){"p_perm", r->p_perm, NULL};
    if (lisa)
        extra[ne++] = (tw_extra_column){"quadrant_code", NULL, r->quadrant};
    extra[ne++] = (tw_extra_column){"neighbours", NULL, nbc};
    for (size_t k = 0; k < an.n_by_source; k++) {
        snprintf(colname[k], sizeof colname[k], "count_%s", an.source_name[k]);
        extra[ne++] = (tw_extra_column){colname[k], an.source_count[k], NULL};
    }
    rc = cli_write_local(&an, &a, r,
                         lisa ? "Local Moran's I clusters" : "Hot and cold spots (Getis-Ord Gi*)",
                         lisa ? "quadrant" : "hotspot", extra, ne);
    if (!rc && an.by_source)
        rc = report_sources(&an, &a, w, r, &lo, lisa, star);
    free(nbc);
done:
    tw_local_result_free(an.ctx, r);
    tw_weights_free(w);
    cli_analysis_free(&an);
    return rc;
}

int cmd_gistar(int argc, char **argv) { return run_local(argc, argv, 0); }
int cmd_lisa(int argc, char **argv) { return run_local(argc, argv, 1); }
