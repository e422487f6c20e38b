/*
 * cmd_emerging.c: `tanaw emerging`, emerging hot spot analysis. Reads the
 * areas and the case records as gistar does, bins the records into a
 * space-time cube (areas x steps of --step between --from and --to,
 * empty steps zero), computes space-time Gi* with the spatial --weights
 * and --time-neighbours previous steps, Mann-Kendall trends and the 17
 * ArcGIS Pro categories (docs/emerging.md), and writes the per-area table,
 * the cube, GeoJSON, the category map, and optionally trends per higher
 * level and a chart of the top areas' counts.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const cli_optspec emerging_opts[] = {
    {"step", 1, 0, "STEP", "week | month | quarter | year (default month)"},
    {"time-neighbours", 1, 0, "K", "previous steps in each bin's neighbourhood (default 1, as ArcGIS)"},
    {"alpha", 1, 0, "A", "significance of hot/cold bins and of trends (default 0.05)"},
    {"correction", 1, 0, "KIND", "none | bonferroni | fdr over all bins (default fdr, as ArcGIS Pro)"},
    {"out", 1, 0, "FILE.csv", "per-area table: category, trend, hot and cold steps"},
    {"cube", 1, 0, "FILE.csv", "per area and step: count, Gi* z, p, class"},
    {"geojson", 1, 0, "FILE", "per-area GeoJSON (category as code, see docs/emerging.md)"},
    {"map", 1, 0, "FILE.png|FILE.svg", "map of the categories"},
    {"title", 1, 0, "TEXT", "map title"},
    {"trends", 1, 0, "FILE.csv", "counts per step, Mann-Kendall and Sen's slope per --trend-level unit"},
    {"trend-level", 1, 0, "LEVEL", "level of --trends: the areas' own (default), municipality, province, region"},
    {"chart", 1, 0, "FILE.png|FILE.svg", "counts over time of the --top areas with the most cases"},
    {"top", 1, 0, "N", "areas listed on stdout and drawn in --chart (default 10, chart at most 12)"},
    {"by-source", 0, 0, NULL, "for each hot spot, each source's share of its records and its "
                              "category without the source"},
    {"by-source-out", 1, 0, "FILE.csv", "with --by-source: one row per hot spot and source"},
};

static void csv_num(FILE *f, double v) { tw_csv_write_double(f, v); }

static int close_out(FILE *f, const char *path)
{
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "tanaw: %s: write failed\n", path);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "tanaw: %s: cannot write\n", path);
    return f;
}

typedef struct rank_item {
    size_t i;
    double v;
} rank_item;

static int cmp_desc(const void *x, const void *y)
{
    const rank_item *a = x, *b = y;
    if (a->v != b->v)
        return a->v < b->v ? 1 : -1;
    return (a->i > b->i) - (a->i < b->i);
}

/* --trends: counts of the cube summed per unit of a level, with Mann-Kendall and Sen. */
static int write_trends(cli_analysis *an, const char *path, tw_level lv, const double *cube,
                        const double *acube, size_t steps, char (*labels)[16])
{
    size_t n = tw_areas_count(an->areas);
    char (*code)[TW_PSGC_LEN + 1] = calloc(n ? n : 1, sizeof *code);
    size_t *group = calloc(n ? n : 1, sizeof *group);
    size_t *first = calloc(n ? n : 1, sizeof *first);
    double *series = NULL;
    int rc = EXIT_OK;
    if (!code || !group || !first) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    /* group areas by their ancestor code (or themselves at their own level) */
    size_t ng = 0, unknown = 0;
    for (size_t i = 0; i < n; i++) {
        if (lv == an->level || lv == TW_LEVEL_UNKNOWN) {
            snprintf(code[i], sizeof code[i], "%s", tw_areas_id(an->areas, i));
        } else if (!tw_areas_ancestor(an->areas, i, lv, code[i])) {
            unknown++;
            group[i] = SIZE_MAX;
            continue;
        }
        size_t g;
        for (g = 0; g < ng; g++)
            if (strcmp(code[first[g]], code[i]) == 0)
                break;
        if (g == ng)
            first[ng++] = i;
        group[i] = g;
    }
    if (unknown)
        fprintf(stderr, "tanaw: warning: %zu areas have no %s and are left out of --trends\n",
                unknown, tw_level_name(lv));
    series = calloc(ng * steps + 1, sizeof *series);
    if (!series) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    for (size_t k = 0; k < steps; k++)
        for (size_t i = 0; i < n; i++)
            if (group[i] != SIZE_MAX)
                series[group[i] * steps + k] += cube[k * n + i];
    FILE *f = open_out(path);
    if (!f) {
        rc = EXIT_OUTPUT;
        goto done;
    }
    fprintf(f, "level,id,name,total,tau,p,sen_slope_per_step");
    for (size_t k = 0; k < steps; k++)
        fprintf(f, ",%s", labels[k]);
    fputs(acube ? ",allocated_count\n" : "\n", f); /* --coarse allocate: the spread part */
    for (size_t g = 0; g < ng; g++) {
        const double *x = series + g * steps;
        double tot = 0;
        for (size_t k = 0; k < steps; k++)
            tot += x[k];
        tw_mk_result m;
        tw_status s = tw_mann_kendall(an->ctx, x, steps, &m);
        if (s) {
            fclose(f);
            cli_report(an->ctx, "trends");
            rc = cli_exit_for(s);
            goto done;
        }
        fprintf(f, "%s,", tw_level_name(lv == TW_LEVEL_UNKNOWN ? an->level : lv));
        tw_csv_write_field(f, code[first[g]]);
        fputc(',', f);
        /* the unit's own name is known when it is an analysis area */
        tw_csv_write_field(f, (lv == an->level || lv == TW_LEVEL_UNKNOWN) ? tw_areas_name(an->areas, first[g]) : "");
        fputc(',', f);
        csv_num(f, tot);
        fputc(',', f);
        csv_num(f, m.tau);
        fputc(',', f);
        csv_num(f, m.p);
        fputc(',', f);
        csv_num(f, m.sen_slope);
        for (size_t k = 0; k < steps; k++)
            fputc(',', f), csv_num(f, x[k]);
        if (acube) {
            double al = 0;
            for (size_t k = 0; k < steps; k++)
                for (size_t i = 0; i < n; i++)
                    al += group[i] == g ? acube[k * n + i] : 0;
            fputc(',', f);
            csv_num(f, al);
        }
        fputc('\n', f);
    }
    rc = close_out(f, path);
    if (!rc)
        cli_note("wrote %s (%zu %s units)", path, ng, tw_level_name(lv == TW_LEVEL_UNKNOWN ? an->level : lv));
done:
    free(code);
    free(group);
    free(first);
    free(series);
    return rc;
}

/*
 * --by-source: for each area in a hot spot category, each source's share of
 * its records over the period (against the source's share of all records)
 * and the area's category when the whole analysis (cube, space-time Gi*,
 * correction, trends) is run again without that source's records. The
 * cube of each source is counted with the same placement as the cube.
 */
static int report_sources(cli_analysis *an, const cli_args *a, const tw_cases *cases,
                          const tw_aggregate_opts *ao, tw_step step, int32_t d0, int32_t d1,
                          size_t steps, const double *cube, const tw_emerging_result *r,
                          const tw_emerging_opts *eo, size_t top)
{
    size_t n = tw_areas_count(an->areas), nb = n * steps, nhot = 0;
    for (size_t i = 0; i < n; i++)
        nhot += r->category[i] > 0;
    const char *names[64];
    size_t ns = tw_cases_sources(cases, names, 64);
    double *ck = malloc((nb + 1) * sizeof *ck), *wo = malloc((nb + 1) * sizeof *wo);
    double *part = calloc(64 * (n ? n : 1), sizeof *part), national[64] = {0}, total = 0;
    int *cat_wo = malloc(64 * (n ? n : 1) * sizeof *cat_wo);
    size_t used = 0, k_of[64];
    int rc = ck && wo && part && cat_wo ? EXIT_OK : EXIT_INTERNAL;
    for (size_t b = 0; b < nb; b++)
        total += cube[b];
    for (size_t j = 0; j < ns && !rc && nhot; j++) {
        if (!tw_source_in_filter(ao->source, names[j]))
            continue; /* --source: only those */
        tw_aggregate_opts one = *ao;
        one.source = names[j];
        tw_emerging_result *rk = NULL;
        tw_status s = tw_cube_count(an->ctx, cases, an->areas, an->locator, &one, step, d0, d1, ck, NULL);
        for (size_t b = 0; !s && b < nb; b++) {
            part[used * n + b % n] += ck[b];
            national[used] += ck[b];
            wo[b] = cube[b] > ck[b] ? cube[b] - ck[b] : 0;
        }
        if (!s)
            s = tw_emerging_compute(an->ctx, an->nb, wo, steps, eo, &rk);
        cli_progress_done();
        tw_ctx_clear_warnings(an->ctx); /* the cube's own warnings were shown */
        if (s == TW_E_NOMEM) {
            rc = EXIT_INTERNAL;
            break;
        }
        for (size_t i = 0; i < n; i++) /* no result (nothing varies without it): no pattern */
            cat_wo[used * n + i] = rk ? rk->category[i] : 0;
        tw_emerging_result_free(an->ctx, rk);
        k_of[used++] = j;
    }
    const char *path = cli_get(a, "by-source-out");
    FILE *f = NULL;
    if (!rc && path && !(f = open_out(path)))
        rc = EXIT_OUTPUT;
    if (f)
        fprintf(f, "id,name,category,source,count,area_count,share,national_share,category_without\n");
    /* hot spots by their number of records, most first */
    size_t *ord = malloc((nhot + 1) * sizeof *ord), m = 0;
    if (!ord && !rc)
        rc = EXIT_INTERNAL;
    for (size_t i = 0; i < n && !rc; i++)
        if (r->category[i] > 0) {
            size_t q = m++;
            while (q > 0 && an->count[ord[q - 1]] < an->count[i]) {
                ord[q] = ord[q - 1];
                q--;
            }
            ord[q] = i;
        }
    if (!rc)
        printf(nhot ? "sources of the hot spots (share of the area's records; national share; "
                      "category without the source)%s:\n"
                    : "sources of the hot spots: no hot spot%s\n",
               nhot > top ? ", the areas with the most records first" : "");
    for (size_t q = 0; q < m && !rc; q++) {
        size_t i = ord[q];
        if (q < top)
            printf("  %-10s  %-30.30s %6.0f  %s\n", tw_areas_id(an->areas, i), tw_areas_name(an->areas, i),
                   an->count[i], tw_emerging_label(r->category[i]));
        for (size_t u = 0; u < used; u++) {
            double c = part[u * n + i], sh = an->count[i] > 0 ? c / an->count[i] : 0;
            double nat = total > 0 ? national[u] / total : 0;
            int cw = cat_wo[u * n + i];
            if (q < top)
                printf("      %-20s %6.0f  %5.1f%% (national %5.1f%%)  without: %s%s\n", names[k_of[u]], c,
                       100 * sh, 100 * nat, tw_emerging_label(cw),
                       cw > 0 ? "" : "  <- not a hot spot without it");
            if (f) {
                tw_csv_write_field(f, tw_areas_id(an->areas, i));
                fputc(',', f);
                tw_csv_write_field(f, tw_areas_name(an->areas, i));
                fprintf(f, ",%s,%s,", tw_emerging_label(r->category[i]), names[k_of[u]]);
                csv_num(f, c);
                fputc(',', f);
                csv_num(f, an->count[i]);
                fprintf(f, ",%.6f,%.6f,%s\n", sh, nat, tw_emerging_label(cw));
            }
        }
    }
    if (f) {
        int rc2 = close_out(f, path);
        if (!rc && !(rc = rc2))
            cli_note("wrote %s", path);
    }
    free(ord);
    free(ck);
    free(wo);
    free(part);
    free(cat_wo);
    return rc;
}

int cmd_emerging(int argc, char **argv)
{
    cli_optspec spec[CLI_MAX_OPTS];
    size_t ns = 0;
    static const char *const no_rate[] = {"rate", NULL};
    cli_spec_add(spec, &ns, cli_analysis_opts, cli_analysis_nopts, no_rate);
    cli_spec_add(spec, &ns, emerging_opts, sizeof emerging_opts / sizeof emerging_opts[0], NULL);
    cli_spec_add(spec, &ns, cli_public_opts, cli_public_nopts, NULL);
    cli_args a;
    int rc = cli_parse(&a, spec, ns, argc, argv,
                       "tanaw emerging --areas FILE --cases FILE|--db PATH --from DATE --to DATE [options]",
                       "Emerging hot spot analysis (as ArcGIS Pro): the records are binned into a\n"
                       "space-time cube of areas x time steps, Gi* is computed for every bin with\n"
                       "space-time neighbours, and each area gets a Mann-Kendall trend and one of\n"
                       "17 categories (new, consecutive, intensifying, persistent, diminishing,\n"
                       "sporadic, oscillating, historical hot/cold spot, no pattern). See\n"
                       "docs/emerging.md.");
    if (rc >= 0)
        return rc;
    tw_emerging_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.time_neighbours = 1;
    eo.alpha = 0.05;
    eo.correction = TW_CORRECT_FDR;
    tw_step step = TW_STEP_MONTH;
    const char *v;
    if ((v = cli_get(&a, "step")) && tw_step_parse(v, &step) != TW_OK) {
        fprintf(stderr, "tanaw: --step: expected week, month, quarter or year, got '%s'\n", v);
        return EXIT_USAGE;
    }
    long k;
    if ((v = cli_get(&a, "time-neighbours"))) {
        if (!cli_int("time-neighbours", v, 0, 1000, &k))
            return EXIT_USAGE;
        eo.time_neighbours = (int)k;
    }
    if ((v = cli_get(&a, "alpha")) && !cli_double("alpha", v, 1e-12, 0.5, &eo.alpha))
        return EXIT_USAGE;
    if ((v = cli_get(&a, "correction"))) {
        if (strcmp(v, "none") == 0)
            eo.correction = TW_CORRECT_NONE;
        else if (strcmp(v, "bonferroni") == 0)
            eo.correction = TW_CORRECT_BONFERRONI;
        else if (strcmp(v, "fdr") != 0) {
            fprintf(stderr, "tanaw: --correction: expected none, bonferroni or fdr, got '%s'\n", v);
            return EXIT_USAGE;
        }
    }
    long top = 10;
    if ((v = cli_get(&a, "top")) && !cli_int("top", v, 0, 1000000, &top))
        return EXIT_USAGE;
    tw_level trend_level = TW_LEVEL_UNKNOWN;
    if ((v = cli_get(&a, "trend-level")) && (trend_level = tw_level_parse(v)) == TW_LEVEL_UNKNOWN) {
        fprintf(stderr, "tanaw: --trend-level: expected municipality, province or region, got '%s'\n", v);
        return EXIT_USAGE;
    }
    const char *from = cli_get(&a, "from"), *to = cli_get(&a, "to");
    if (!from || !to) {
        fprintf(stderr, "tanaw: --from DATE and --to DATE are required: they define the time steps\n");
        return EXIT_USAGE;
    }
    int32_t d0, d1;
    if (tw_date_parse(from, strlen(from), &d0) || tw_date_parse(to, strlen(to), &d1)) {
        fprintf(stderr, "tanaw: --from/--to: expected dates YYYY-MM-DD, got '%s' and '%s'\n", from, to);
        return EXIT_USAGE;
    }
    size_t steps = tw_step_count(step, d0, d1);
    if (steps < 2) {
        fprintf(stderr, "tanaw: --from %s --to %s gives %zu %s step%s: at least 2 are needed\n", from,
                to, steps, tw_step_name(step), steps == 1 ? "" : "s");
        return EXIT_USAGE;
    }
    cli_analysis an;
    memset(&an, 0, sizeof an);
    if ((rc = cli_by_source_opts(&a, &an.by_source)))
        return rc;
    if (!(an.ctx = cli_ctx_new(&a)))
        return EXIT_USAGE;
    tw_cases *cases = NULL;
    double *cube = NULL;
    double *acube = NULL; /* --coarse allocate: the part of each bin spread by population */
    tw_emerging_result *r = NULL;
    char (*labels)[16] = NULL;
    rank_item *items = NULL;
    tw_crosswalk *cw = NULL;
    /* population only spreads --coarse allocate records */
    v = cli_get(&a, "coarse");
    if ((rc = cli_load_areas(&an, &a, v && strcmp(v, "allocate") == 0)))
        goto done;
    if ((rc = cli_read_records(an.ctx, &a, &an.cases_report, &an.n_case_files, &cases)))
        goto done;
    if (tw_step_start(step, d0, 0) != d0 || tw_step_start(step, d0, steps) - 1 != d1)
        cli_note("the period %s..%s does not start and end on %s boundaries: the first or last "
                 "step is partial",
                 from, to, tw_step_name(step));
    size_t n = tw_areas_count(an.areas);
    labels = calloc(steps, sizeof *labels);
    if (!labels) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    /* areas given only as points (a CSV) place records by code alone */
    int polys = 0;
    for (size_t i = 0; i < n && !polys; i++)
        polys = tw_areas_has_polygon(an.areas, i);
    tw_status s = polys ? tw_locator_new(an.ctx, an.areas, &an.locator) : TW_OK;
    if (s) {
        cli_report(an.ctx, "spatial index");
        rc = cli_exit_for(s);
        goto done;
    }
    tw_aggregate_opts ao;
    if ((rc = cli_aggregate_opts(&an, &a, &ao)) || (rc = cli_placement_opts(&an, &ao, &cw)))
        goto done;
    cli_progress_attach(an.ctx, cli_quiet());
    /* --coarse level: a count that leaves records above the analysis level
       moves the cube to the dissolved areas, and every step is counted again
       there (the weights are built afterwards, on the areas analysed) */
    for (int pass = 0; pass < 2; pass++) {
        n = tw_areas_count(an.areas);
        free(cube);
        cube = calloc(n * steps + 1, sizeof *cube);
        if (!an.count)
            an.count = calloc(n + 1, sizeof *an.count);
        if (!cube || !an.count) {
            tw_crosswalk_free(cw);
            rc = EXIT_INTERNAL;
            goto done;
        }
        s = tw_cube_count(an.ctx, cases, an.areas, an.locator, &ao, step, d0, d1, cube, &an.agg);
        bool moved = false;
        if (s || pass > 0)
            break;
        if ((rc = cli_coarse_level_move(&an, &ao, &moved))) {
            tw_crosswalk_free(cw);
            goto done;
        }
        if (!moved)
            break;
    }
    /* --coarse allocate: the same cube without spreading; the difference is
       what was allocated, flagged in every output (docs/cases.md) */
    if (!s && an.coarse == TW_COARSE_ALLOCATE) {
        tw_aggregate_opts od = ao;
        od.coarse = TW_COARSE_DROP;
        acube = calloc(n * steps + 1, sizeof *acube);
        an.allocated = calloc(n + 1, sizeof *an.allocated);
        if (!acube || !an.allocated) {
            tw_crosswalk_free(cw);
            rc = EXIT_INTERNAL;
            goto done;
        }
        cli_warnings(an.ctx, cli_quiet()); /* the first count's; the second's repeat them */
        s = tw_cube_count(an.ctx, cases, an.areas, an.locator, &od, step, d0, d1, acube, NULL);
        tw_ctx_clear_warnings(an.ctx);
        for (size_t b = 0; !s && b < n * steps; b++) {
            acube[b] = cube[b] - acube[b];
            an.allocated[b % n] += acube[b];
        }
    }
    tw_crosswalk_free(cw);
    if (!an.by_source) { /* --by-source counts each source's cube from them */
        tw_cases_free(cases);
        cases = NULL;
    }
    if (s) {
        cli_progress_done();
        cli_report(an.ctx, "space-time cube");
        rc = cli_exit_for(s);
        goto done;
    }
    cli_warnings(an.ctx, cli_quiet());
    for (size_t t = 0; t < steps; t++) {
        tw_step_label(step, d0, t, labels[t]);
        for (size_t i = 0; i < n; i++)
            an.count[i] += cube[t * n + i];
    }
    /* --public: one publication over the cube's cells, the areas and their
       totals; the statistics see only its public view (docs/publication.md) */
    if ((rc = cli_public_apply_cube(&an, &a, cube, steps, false)))
        goto done;
    if ((rc = cli_make_weights(&an, &a)))
        goto done;
    s = tw_emerging_compute(an.ctx, an.nb, cube, steps, &eo, &r);
    cli_progress_done();
    if (s) {
        cli_report(an.ctx, "emerging hot spots");
        rc = cli_exit_for(s);
        goto done;
    }
    cli_warnings(an.ctx, cli_quiet());

    printf("emerging hot spots: %zu areas x %zu %ss (%s .. %s), time neighbours %d, "
           "alpha %g, correction %s\n",
           n, steps, tw_step_name(step), labels[0], labels[steps - 1], eo.time_neighbours,
           eo.alpha,
           eo.correction == TW_CORRECT_FDR ? "fdr" : eo.correction == TW_CORRECT_NONE ? "none" : "bonferroni");
    cli_analysis_print_inputs(&an);
    size_t ncat[17] = {0};
    for (size_t i = 0; i < n; i++) {
        int c = r->category[i];
        ncat[c >= 0 ? c : 8 - c]++;
    }
    printf("categories:\n");
    for (int c = 1; c <= 16; c++)
        if (ncat[c])
            printf("  %-24s %zu\n", tw_emerging_label(c <= 8 ? c : 8 - c), ncat[c]);
    printf("  %-24s %zu\n", tw_emerging_label(0), ncat[0]);
    if (an.by_source &&
        (rc = report_sources(&an, &a, cases, &ao, step, d0, d1, steps, cube, r, &eo, (size_t)top)))
        goto done;

    /* outputs */
    const char *out = cli_get(&a, "out");
    if (out) {
        FILE *f = open_out(out);
        if (!f) {
            rc = EXIT_OUTPUT;
            goto done;
        }
        int flag = an.allocated && !an.pub; /* --coarse allocate (left out with --public) */
        fprintf(f, "id,name,category,category_code,count,trend_z,trend_p,trend_tau,hot_steps,"
                   "cold_steps,last_z,count_tau,count_p,count_sen_slope%s%s\n",
                an.pub ? ",suppressed" : "", flag ? ",allocated,allocated_count" : "");
        for (size_t i = 0; i < n; i++) {
            tw_csv_write_field(f, tw_areas_id(an.areas, i));
            fputc(',', f);
            tw_csv_write_field(f, tw_areas_name(an.areas, i));
            fprintf(f, ",%s,%d,", tw_emerging_label(r->category[i]), r->category[i]);
            csv_num(f, an.pub ? an.pub->count[i] : an.count[i]); /* empty: withheld */
            fputc(',', f);
            csv_num(f, r->trend_z[i]);
            fputc(',', f);
            csv_num(f, r->trend_p[i]);
            fputc(',', f);
            csv_num(f, r->trend_tau[i]);
            fprintf(f, ",%d,%d,", r->hot_steps[i], r->cold_steps[i]);
            csv_num(f, r->last_z[i]);
            fputc(',', f);
            csv_num(f, r->count_tau[i]);
            fputc(',', f);
            csv_num(f, r->count_p[i]);
            fputc(',', f);
            csv_num(f, r->count_sen[i]);
            if (an.pub)
                fprintf(f, ",%d", an.pub->suppressed[i]);
            if (flag) {
                fputc(',', f);
                csv_num(f, an.count[i] > 0 ? an.allocated[i] / an.count[i] : 0);
                fputc(',', f);
                csv_num(f, an.allocated[i]);
            }
            fputc('\n', f);
        }
        if ((rc = close_out(f, out)))
            goto done;
        cli_note("wrote %s", out);
    }
    const char *cp = cli_get(&a, "cube");
    if (cp) {
        FILE *f = open_out(cp);
        if (!f) {
            rc = EXIT_OUTPUT;
            goto done;
        }
        int flag = acube && !an.pub;
        fprintf(f, "id,step,start,count,z,p,p_adjusted,class%s%s\n", an.pub ? ",suppressed" : "",
                flag ? ",allocated_count" : "");
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < steps; t++) {
                size_t b = t * n + i;
                char day[11];
                tw_date_format(tw_step_start(step, d0, t) > d0 ? tw_step_start(step, d0, t) : d0, day);
                tw_csv_write_field(f, tw_areas_id(an.areas, i));
                fprintf(f, ",%s,%s,", labels[t], day);
                csv_num(f, an.pub ? an.pub->cell_count[b] : cube[b]); /* empty: withheld */
                fputc(',', f);
                csv_num(f, r->z[b]);
                fputc(',', f);
                csv_num(f, r->p[b]);
                fputc(',', f);
                csv_num(f, r->p_adjusted[b]);
                fprintf(f, ",%s", tw_class_label(r->bin_cls[b]));
                if (an.pub)
                    fprintf(f, ",%d", an.pub->cell_suppressed[b]);
                if (flag)
                    fputc(',', f), csv_num(f, acube[b]);
                fputc('\n', f);
            }
        if ((rc = close_out(f, cp)))
            goto done;
        cli_note("wrote %s", cp);
    }
    const char *gj = cli_get(&a, "geojson");
    if (gj) {
        tw_extra_column ex[] = {
            {"category_code", NULL, r->category}, {"trend_z", r->trend_z, NULL},
            {"trend_tau", r->trend_tau, NULL},    {"hot_steps", NULL, r->hot_steps},
            {"cold_steps", NULL, r->cold_steps},  {"count_tau", r->count_tau, NULL},
            {"count_p", r->count_p, NULL},        {"count_sen_slope", r->count_sen, NULL},
            {"suppressed", NULL, an.pub ? an.pub->suppressed : NULL}};
        tw_area_table t;
        memset(&t, 0, sizeof t);
        t.areas = an.areas;
        t.count = an.pub ? an.pub->count : an.count; /* published counts only */
        t.z = r->last_z;
        t.p = r->trend_p;
        t.extra = ex;
        t.n_extra = sizeof ex / sizeof ex[0] - (an.pub ? 0 : 1);
        /* --coarse allocate: the share and count spread by population */
        tw_extra_column exa[sizeof ex / sizeof ex[0] + 2];
        double *share = an.allocated && !an.pub ? calloc(n + 1, sizeof *share) : NULL;
        if (share) {
            memcpy(exa, ex, t.n_extra * sizeof *ex);
            for (size_t i = 0; i < n; i++)
                share[i] = an.count[i] > 0 ? an.allocated[i] / an.count[i] : 0;
            exa[t.n_extra++] = (tw_extra_column){"allocated", share, NULL};
            exa[t.n_extra++] = (tw_extra_column){"allocated_count", an.allocated, NULL};
            t.extra = exa;
        }
        s = tw_table_write_geojson(an.ctx, &t, gj);
        free(share);
        if (s) {
            cli_report(an.ctx, gj);
            rc = EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s", gj);
    }
    const char *map = cli_get(&a, "map");
    if (map) {
        char sub[256];
        snprintf(sub, sizeof sub, "%zu %ss %s..%s; weights %s; %d previous step%s; alpha %g%s",
                 steps, tw_step_name(step), labels[0], labels[steps - 1], an.weights_text,
                 eo.time_neighbours, eo.time_neighbours == 1 ? "" : "s", eo.alpha,
                 an.allocated ? "; counts partly allocated by population" : "");
        const char *title = cli_get(&a, "title");
        if ((s = tw_emerging_map_write(an.ctx, an.areas, r->category,
                                       title ? title : "Emerging hot spots", sub, map))) {
            cli_report(an.ctx, map);
            rc = s == TW_E_ARG ? EXIT_USAGE : EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s", map);
    }
    const char *tr = cli_get(&a, "trends");
    if (tr && (rc = write_trends(&an, tr, trend_level, cube, an.pub ? NULL : acube, steps, labels)))
        goto done;
    /* top areas by cases: on stdout with their category, and in the chart */
    items = malloc((n + 1) * sizeof *items);
    if (!items) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = (rank_item){i, an.count[i]};
    qsort(items, n, sizeof *items, cmp_desc);
    size_t m = (size_t)top < n ? (size_t)top : n;
    if (m) {
        printf("areas with the most cases:\n%4s  %-10s  %-30s %8s  %-24s %8s %8s %6s\n", "rank", "id",
               "name", "cases", "category", "trend_z", "last_z", "hot");
        for (size_t q = 0; q < m; q++) {
            size_t i = items[q].i;
            printf("%4zu  %-10s  %-30.30s %8.0f  %-24s %8.3f %8.3f %6d\n", q + 1,
                   tw_areas_id(an.areas, i), tw_areas_name(an.areas, i),
                   an.pub ? an.pub->count[i] : an.count[i],
                   tw_emerging_label(r->category[i]), r->trend_z[i], r->last_z[i], r->hot_steps[i]);
        }
    }
    const char *chart = cli_get(&a, "chart");
    if (chart) {
        size_t ms = m < 12 ? m : 12;
        if (ms == 0)
            ms = n < 12 ? n : 12;
        double *vals = calloc(ms * steps + 1, sizeof *vals);
        const char **names = calloc(ms + 1, sizeof *names);
        const char **sl = calloc(steps, sizeof *sl);
        if (!vals || !names || !sl) {
            free(vals);
            free(names);
            free(sl);
            rc = EXIT_INTERNAL;
            goto done;
        }
        for (size_t q = 0; q < ms; q++) {
            names[q] = tw_areas_name(an.areas, items[q].i);
            for (size_t t = 0; t < steps; t++)
                vals[q * steps + t] = cube[t * n + items[q].i];
        }
        for (size_t t = 0; t < steps; t++)
            sl[t] = labels[t];
        char title[128];
        snprintf(title, sizeof title, "Cases per %s, the %zu areas with the most%s",
                 tw_step_name(step), ms,
                 an.pub ? " (public view)" : an.allocated ? " (partly allocated by population)" : "");
        s = tw_chart_write(an.ctx, names, vals, ms, steps, sl, title, "cases", chart);
        free(vals);
        free(names);
        free(sl);
        if (s) {
            cli_report(an.ctx, chart);
            rc = s == TW_E_ARG ? EXIT_USAGE : EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s", chart);
    }
    rc = EXIT_OK;
done:
    free(items);
    free(labels);
    free(cube);
    free(acube);
    tw_cases_free(cases);
    tw_emerging_result_free(an.ctx, r);
    cli_analysis_free(&an);
    return rc;
}
