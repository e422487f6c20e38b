/*
 * cmd_scan.c: `tanaw scan`: Kulldorff's spatial scan statistic on the
 * areas (tw_scan_run), as analysts run it in SaTScan: circular or
 * elliptic windows on the areas' points, Poisson (cases against population or expected
 * counts) or Bernoulli (cases against controls), Monte Carlo p-values,
 * secondary clusters without geographical overlap. Writes the clusters
 * CSV, the members CSV, a GeoJSON of the areas with their cluster, a map,
 * and a summary on stdout in the spirit of SaTScan's main results. See
 * docs/scan.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_optspec scan_opts[] = {
    {"model", 1, 0, "MODEL", "poisson | bernoulli | stperm (default poisson)"},
    {"coords", 1, 0, "KIND", "latlong | cartesian (default latlong: SaTScan's 6367 km sphere)"},
    {"time", 1, 0, "UNIT", "none | day | week | month | quarter (default none: purely spatial)"},
    {"mode", 1, 0, "MODE", "retrospective | prospective (space-time only)"},
    {"tail", 1, 0, "TAIL", "high | low | both (default high: clusters of excess cases)"},
    {"max-pop", 1, 0, "SHARE", "largest window as a share of the population at risk (default 0.5)"},
    {"max-radius", 1, 0, "KM", "largest window radius in km (default: none)"},
    {"max-time", 1, 0, "SHARE", "space-time: longest window as a share of the period (default 0.5)"},
    {"shape", 1, 0, "SHAPE", "circle | ellipse (default circle; ellipse: SaTScan's 46 ellipses and the circle)"},
    {"ellipse-penalty", 1, 0, "P", "none | medium | strong non-compactness penalty (default medium, as SaTScan)"},
    {"replicas", 1, 0, "N", "Monte Carlo replicas (default 999; 0 = none)"},
    {"min-cases", 1, 0, "N", "high-rate clusters need at least N cases (default 2, as SaTScan)"},
    {"max-clusters", 1, 0, "N", "clusters reported (default: every non-overlapping one)"},
    {"controls", 1, 1, "FILE", "bernoulli: controls counted per area (psgc,count)"},
    {"expected", 0, 0, NULL, "poisson: the population column holds expected counts (covariate-adjusted)"},
    {"out", 1, 0, "FILE.csv", "clusters CSV"},
    {"members", 1, 0, "FILE.csv", "member areas CSV (area id to cluster rank)"},
    {"geojson", 1, 0, "FILE", "GeoJSON of the areas with their cluster"},
    {"map", 1, 0, "FILE.png|FILE.svg", "map of the clusters"},
    {"title", 1, 0, "TEXT", "map title"},
    {"power", 1, 0, "N", "power evaluation (Poisson, purely spatial): N data sets under --alt"},
    {"alt", 1, 0, "FILE.csv", "power: the alternative, relative risk per area (psgc,rr; others 1)"},
    {"alt-cluster", 1, 1, "ID:N:RR", "power: the alternative as simulate --cluster plants it (centre, "
                                     "N nearest areas, relative risk; times --alt's)"},
    {"power-cases", 1, 0, "C", "power: cases in every data set (default: the data's total)"},
    {"power-out", 1, 0, "FILE.csv", "power: critical values, power, sensitivity and PPV per alpha"},
    {"by-source", 0, 0, NULL, "for each cluster: cases per source inside, share, LLR without each source"},
    {"by-source-out", 1, 0, "FILE.csv", "with --by-source: the per-cluster, per-source table"},
};


static int pick(const char *opt, const char *v, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    fprintf(stderr, "tanaw: --%s: unknown value '%s' (expected", opt, v);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "%s%s", i ? (i + 1 == n ? " or " : ", ") : " ", names[i]);
    fprintf(stderr, ")\n");
    return 1;
}

/* Controls per area for the Bernoulli model: counted like cases. */
static int load_controls(cli_analysis *an, const cli_args *a, double *controls)
{
    const char *files[64];
    size_t nf = cli_all(a, "controls", files, 64);
    if (nf == 0) {
        fprintf(stderr, "tanaw: scan: --model bernoulli needs --controls FILE (psgc,count)\n");
        return EXIT_USAGE;
    }
    tw_cases *c = NULL;
    for (size_t k = 0; k < nf; k++) {
        tw_cases_read_opts ro;
        memset(&ro, 0, sizeof ro);
        ro.aggregated = 1;
        tw_read_report rep = {0};
        tw_status s = tw_cases_read_csv(an->ctx, files[k], &ro, &c, &rep);
        if (s) {
            cli_report(an->ctx, files[k]);
            tw_cases_free(c);
            return cli_exit_for(s);
        }
        if (rep.rows_rejected) {
            fprintf(stderr, "tanaw: %s: %zu rows rejected: controls must be valid counts\n",
                    files[k], rep.rows_rejected);
            tw_cases_free(c);
            return EXIT_INPUT;
        }
    }
    tw_aggregate_opts ao;
    memset(&ao, 0, sizeof ao);
    ao.level = an->level;
    ao.hierarchy = an->hierarchy;
    tw_aggregate_report ar;
    tw_status s = tw_cases_aggregate(an->ctx, c, an->areas, an->locator, &ao, controls, &ar);
    tw_cases_free(c);
    if (s) {
        cli_report(an->ctx, "controls");
        return cli_exit_for(s);
    }
    return EXIT_OK;
}


/* ---- space-time: time units ---- */

/* Days since 1970-01-01 of YYYY-MM-01. */
static int month_start(int y, int m, int32_t *day)
{
    char buf[32];
    if (y < 1 || y > 9999 || m < 1 || m > 12)
        return -1;
    snprintf(buf, sizeof buf, "%04d-%02d-01", y, m);
    return tw_date_parse(buf, strlen(buf), day) == TW_OK ? 0 : -1;
}

/*
 * Split [from, to] into time units: days, weeks of 7 days from `from`,
 * calendar months or calendar quarters (the first and last may be
 * partial). Writes up to cap starts and ends; returns the count, or -1.
 */
static long make_units(int unit, int32_t from, int32_t to, int32_t *start, int32_t *end, long cap)
{
    long k = 0;
    if (unit == 1 || unit == 2) {
        int len = unit == 1 ? 1 : 7;
        for (int64_t d = from; d <= to; d += len) {
            if (k >= cap)
                return -1;
            start[k] = (int32_t)d;
            end[k] = (int32_t)(d + len - 1 < to ? d + len - 1 : to);
            k++;
        }
        return k;
    }
    char buf[11];
    tw_date_format(from, buf);
    int y = (int)strtol(buf, NULL, 10), m = (int)strtol(buf + 5, NULL, 10);
    int step = unit == 3 ? 1 : 3;
    if (step == 3)
        m = ((m - 1) / 3) * 3 + 1;
    int32_t s0 = from;
    while (s0 <= to) {
        int ny = y, nm = m + step;
        if (nm > 12) {
            nm -= 12;
            ny++;
        }
        int32_t next;
        if (month_start(ny, nm, &next) || k >= cap)
            return -1;
        start[k] = s0;
        end[k] = next - 1 < to ? next - 1 : to;
        k++;
        s0 = next;
        y = ny;
        m = nm;
    }
    return k;
}

/*
 * Cases per area and unit (area-major) from the records of --cases,
 * --counts and --db, placed as cli_load_counts placed the totals (same
 * areas, after any --coarse level move; --coarse allocate, IP rule,
 * crosswalk).
 */
static int load_cube(cli_analysis *an, const cli_args *a, const int32_t *start,
                     const int32_t *end, long T, double *cube)
{
    tw_cases *c = NULL;
    tw_read_report rrep = {0};
    size_t nsrc = 0;
    tw_aggregate_opts base;
    tw_crosswalk *cw = NULL;
    int rc;
    bool quiet = cli_quiet();
    cli_set_quiet(true); /* the totals' reading already said it */
    rc = cli_read_records(an->ctx, a, &rrep, &nsrc, &c);
    cli_set_quiet(quiet);
    if (rc || (rc = cli_aggregate_opts(an, a, &base)) ||
        (rc = cli_placement_opts(an, &base, &cw))) {
        tw_cases_free(c);
        return rc;
    }
    size_t n = tw_areas_count(an->areas);
    double *col = calloc(n ? n : 1, sizeof *col);
    if (!col) {
        tw_crosswalk_free(cw);
        tw_cases_free(c);
        return EXIT_INTERNAL;
    }
    tw_status s;
    for (long t = 0; t < T; t++) {
        tw_aggregate_opts ao = base;
        ao.from_day = start[t];
        ao.to_day = end[t];
        tw_aggregate_report ar;
        if ((s = tw_cases_aggregate(an->ctx, c, an->areas, an->locator, &ao, col, &ar))) {
            cli_report(an->ctx, "counting records per time unit");
            free(col);
            tw_crosswalk_free(cw);
            tw_cases_free(c);
            return cli_exit_for(s);
        }
        for (size_t i = 0; i < n; i++)
            cube[i * (size_t)T + (size_t)t] = col[i];
    }
    free(col);
    tw_crosswalk_free(cw);
    tw_cases_free(c);
    return EXIT_OK;
}

static int write_clusters(const cli_analysis *an, const tw_scan_result *r, const char *path,
                          const int32_t *ustart, const int32_t *uend)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "tanaw: %s: cannot write\n", path);
        return EXIT_OUTPUT;
    }
    fprintf(f, "rank,center_id,center_name,lon,lat,radius_km,n_areas,observed,expected,"
               "population,rr,oe,llr,p,p_gumbel,direction%s,shape,angle_deg,test_stat\n",
            ustart ? ",start_date,end_date,recurrence_units" : "");
    for (size_t k = 0; k < r->n_clusters; k++) {
        const tw_scan_cluster *c = &r->clusters[k];
        double lon = NAN, lat = NAN;
        tw_areas_lonlat(an->areas, (size_t)c->center, &lon, &lat);
        char pop[40] = "", pv[40] = "", pg[40] = "";
        if (!isnan(c->population))
            snprintf(pop, sizeof pop, "%.0f", c->population);
        if (!isnan(c->p))
            snprintf(pv, sizeof pv, "%.6g", c->p);
        if (!isnan(c->p_gumbel))
            snprintf(pg, sizeof pg, "%.6g", c->p_gumbel);
        fprintf(f, "%d,%s,", c->rank, tw_areas_id(an->areas, (size_t)c->center));
        tw_csv_write_field(f, tw_areas_name(an->areas, (size_t)c->center));
        fprintf(f, ",%.6f,%.6f,%.4f,%zu,%.0f,%.6f,%s,%.6f,%.6f,%.9f,%s,%s,%s", lon, lat, c->radius_km, c->n_areas, c->observed, c->expected, pop, c->rr, c->oe, c->llr, pv,
                pg, c->high ? "high" : "low");
        if (ustart) {
            char b1[11], b2[11];
            tw_date_format(ustart[c->t_start], b1);
            tw_date_format(uend[c->t_end], b2);
            if (isnan(c->recurrence))
                fprintf(f, ",%s,%s,", b1, b2);
            else
                fprintf(f, ",%s,%s,%.6g", b1, b2, c->recurrence);
        }
        fprintf(f, ",%.6g,%.6g,%.9f\n", c->shape, c->angle_deg, c->test_stat);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "tanaw: %s: write failed\n", path);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

static int write_members(const cli_analysis *an, const tw_scan_result *r, const double *cases,
                         const double *measure, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "tanaw: %s: cannot write\n", path);
        return EXIT_OUTPUT;
    }
    fprintf(f, "area_id,area_name,cluster,cases,population\n");
    for (size_t k = 0; k < r->n_clusters; k++) {
        const tw_scan_cluster *c = &r->clusters[k];
        for (size_t e = 0; e < c->n_areas; e++) {
            size_t i = (size_t)c->members[e];
            char cs[40] = ""; /* empty: withheld (--public) */
            if (!isnan(cases[i]))
                snprintf(cs, sizeof cs, "%.0f", cases[i]);
            fprintf(f, "%s,", tw_areas_id(an->areas, i));
            tw_csv_write_field(f, tw_areas_name(an->areas, i));
            fprintf(f, ",%d,%s,%.0f\n", c->rank, cs, measure[i]);
        }
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "tanaw: %s: write failed\n", path);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

/* The alternative of the power evaluation: "area id,relative risk" per
 * line after a header (SaTScan's alternative hypothesis file, as CSV);
 * areas not listed keep 1. */
static int read_alt(const tw_areas *areas, const char *path, double *rr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rr[i] = 1;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "tanaw: %s: cannot open\n", path);
        return EXIT_INPUT;
    }
    char line[512];
    long lineno = 0;
    int rc = EXIT_OK;
    while (rc == EXIT_OK && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1 || line[0] == '\0')
            continue; /* header */
        char *comma = strchr(line, ',');
        double v = 0;
        long i = comma ? (*comma = '\0', tw_areas_find(areas, line)) : -1;
        if (!comma || !cli_double("alt", comma + 1, 1e-12, 1e12, &v)) {
            fprintf(stderr, "tanaw: %s:%ld: expected area id,relative risk (> 0)\n", path, lineno);
            rc = EXIT_INPUT;
        } else if (i < 0) {
            fprintf(stderr, "tanaw: %s:%ld: unknown area '%s'\n", path, lineno, line);
            rc = EXIT_INPUT;
        } else {
            rr[i] = v;
        }
    }
    fclose(f);
    return rc;
}

/* Power evaluation: summary on stdout, table in --power-out. */
static int run_power(const cli_analysis *an, const cli_args *a, const tw_scan_data *d,
                     const tw_scan_opts *o, long n_alt)
{
    size_t n = d->n;
    const char *alt = cli_get(a, "alt"), *pout = cli_get(a, "power-out"), *v;
    double total = 0;
    const char *acl[64];
    size_t nacl = cli_all(a, "alt-cluster", acl, 64);
    if (!alt && !nacl) {
        fprintf(stderr, "tanaw: scan: --power needs --alt FILE.csv (area id,relative risk) or "
                        "--alt-cluster ID:N:RR\n");
        return EXIT_USAGE;
    }
    if ((v = cli_get(a, "power-cases")) && !cli_double("power-cases", v, 1, 2e9, &total))
        return EXIT_USAGE;
    double *rr = calloc(n ? n : 1, sizeof *rr);
    if (!rr)
        return EXIT_INTERNAL;
    int rc = alt ? read_alt(an->areas, alt, rr, n) : EXIT_OK;
    if (!alt)
        for (size_t i = 0; i < n; i++)
            rr[i] = 1;
    /* --alt-cluster: the areas simulate --cluster would plant, their risk multiplied */
    unsigned char *mem = rc || !nacl ? NULL : malloc(n + 1);
    if (!rc && nacl && !mem)
        rc = EXIT_INTERNAL;
    for (size_t k = 0; k < nacl && !rc; k++) {
        tw_sim_cluster cl;
        int32_t onset;
        tw_status s;
        if (!cli_cluster_parse("alt-cluster", acl[k], &cl, &onset))
            rc = EXIT_USAGE;
        else if (onset) {
            fprintf(stderr, "tanaw: --alt-cluster: no onset date in a purely spatial alternative\n");
            rc = EXIT_USAGE;
        } else if ((s = tw_sim_cluster_members(an->ctx, an->areas, &cl, mem))) {
            cli_report(an->ctx, "--alt-cluster");
            rc = s == TW_E_NOMEM ? EXIT_INTERNAL : EXIT_USAGE;
        } else {
            for (size_t i = 0; i < n; i++)
                if (mem[i])
                    rr[i] *= cl.rr;
        }
    }
    free(mem);
    tw_scan_power *pw = NULL;
    if (rc == EXIT_OK) {
        tw_scan_power_opts po = {(int)n_alt, rr, total};
        cli_progress_attach(an->ctx, cli_quiet());
        tw_status s = tw_scan_power_run(an->ctx, d, o, &po, &pw);
        cli_progress_done();
        if (s) {
            cli_report(an->ctx, "scan power");
            rc = cli_exit_for(s);
        }
    }
    if (rc == EXIT_OK) {
        int planted = 0;
        for (size_t i = 0; i < n; i++)
            planted += rr[i] > 1;
        printf("\nPower evaluation: %d data sets under the alternative (%d areas with relative "
               "risk > 1), %.0f cases each; critical values from %d null replicas\n",
               pw->n_alt, planted, pw->total_cases, pw->replicas);
        for (int k = 0; k < 3; k++) {
            if (isnan(pw->crit[k])) {
                printf("  alpha %-5g: no critical value with %d replicas\n", pw->alpha[k],
                       pw->replicas);
                continue;
            }
            printf("  alpha %-5g: critical value %.4f, power %.4f (%d of %d)", pw->alpha[k],
                   pw->crit[k], pw->power[k], pw->rejected[k], pw->n_alt);
            if (!isnan(pw->sensitivity[k]))
                printf("; planted areas found %.3f, cluster areas planted %.3f",
                       pw->sensitivity[k], pw->ppv[k]);
            printf("\n");
        }
    }
    if (rc == EXIT_OK && pout) {
        FILE *f = fopen(pout, "w");
        if (!f) {
            fprintf(stderr, "tanaw: %s: cannot write\n", pout);
            rc = EXIT_OUTPUT;
        } else {
            fprintf(f, "alpha,critical_value,power,rejected,datasets,total_cases,replicas,"
                       "sensitivity,ppv\n");
            for (int k = 0; k < 3; k++) {
                char cv[40] = "", pv[40] = "", se[40] = "", pp[40] = "";
                if (!isnan(pw->crit[k])) {
                    snprintf(cv, sizeof cv, "%.9f", pw->crit[k]);
                    snprintf(pv, sizeof pv, "%.6g", pw->power[k]);
                }
                if (!isnan(pw->sensitivity[k])) {
                    snprintf(se, sizeof se, "%.6f", pw->sensitivity[k]);
                    snprintf(pp, sizeof pp, "%.6f", pw->ppv[k]);
                }
                fprintf(f, "%g,%s,%s,%d,%d,%.0f,%d,%s,%s\n", pw->alpha[k], cv, pv,
                        pw->rejected[k], pw->n_alt, pw->total_cases, pw->replicas, se, pp);
            }
            if (fclose(f) != 0) {
                fprintf(stderr, "tanaw: %s: write failed\n", pout);
                rc = EXIT_OUTPUT;
            } else {
                cli_note("wrote %s", pout);
            }
        }
    }
    tw_scan_power_free(an->ctx, pw);
    free(rr);
    return rc;
}

/*
 * --by-source: for each cluster, each source's cases inside (counted per
 * area by the shared pipeline, as the totals), their share of the
 * cluster's cases against the source's share of all cases, and the LLR of
 * the same window without that source's records (leave one source out:
 * its cases leave the window and the total; Bernoulli: the population at
 * risk too).
 */
static int report_scan_sources(const cli_analysis *an, const cli_args *a, const tw_scan_result *r,
                               const tw_scan_opts *o, const double *measure)
{
    size_t ns = an->n_by_source, n = tw_areas_count(an->areas);
    const char *path = cli_get(a, "by-source-out");
    int bern = o->model == TW_SCAN_BERNOULLI;
    double C = r->total_cases, N = r->total_population, national[64] = {0};
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < n; i++)
            national[k] += an->source_count[k][i];
    FILE *f = NULL;
    if (path && !(f = fopen(path, "w"))) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        return EXIT_OUTPUT;
    }
    if (f)
        fprintf(f, "rank,center_id,source,observed,cluster_observed,share,national_share,llr,"
                   "llr_without\n");
    printf("\nsources of the clusters (cases inside, share of the cluster's cases, share of all "
           "cases; LLR of the window without the source):\n");
    if (ns == 0)
        printf("  no source in the records\n");
    for (size_t q = 0; q < r->n_clusters && ns > 0; q++) {
        const tw_scan_cluster *c = &r->clusters[q];
        double M = 0;
        for (size_t e = 0; e < c->n_areas; e++)
            M += measure[c->members[e]];
        printf("  cluster %d (%s %s, %.0f cases, LLR %.3f)\n", c->rank,
               tw_areas_id(an->areas, (size_t)c->center), tw_areas_name(an->areas, (size_t)c->center),
               c->observed, c->llr);
        for (size_t k = 0; k < ns; k++) {
            double part = 0;
            for (size_t e = 0; e < c->n_areas; e++)
                part += an->source_count[k][c->members[e]];
            double sh = c->observed > 0 ? part / c->observed : 0, nat = C > 0 ? national[k] / C : 0;
            double without = tw_scan_window_llr(o->model, o->tail, c->observed - part,
                                                bern ? M - part : M, C - national[k],
                                                bern ? N - national[k] : N);
            /* significant, and not without the source (the statistic
             * carries the ellipse's penalty) */
            double pen = c->llr > 0 ? c->test_stat / c->llr : 1;
            int drives = !isnan(r->crit_05) && c->test_stat > r->crit_05 &&
                         !(pen * without > r->crit_05);
            printf("      %-20s %8.0f  %5.1f%% (all %5.1f%%)  LLR without: %.3f%s\n",
                   an->source_name[k], part, 100 * sh, 100 * nat, without,
                   drives ? "  <- not significant without it" : "");
            if (f)
                fprintf(f, "%d,%s,%s,%.0f,%.0f,%.6f,%.6f,%.9f,%.9f\n", c->rank,
                        tw_areas_id(an->areas, (size_t)c->center), an->source_name[k], part,
                        c->observed, sh, nat, c->llr, without);
        }
    }
    if (f && fclose(f) != 0) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        return EXIT_OUTPUT;
    }
    if (f)
        cli_note("wrote %s", path);
    return EXIT_OK;
}

static void print_summary(const cli_analysis *an, const tw_scan_result *r, const char *model,
                          double share, double max_r, int R, int coords_cart,
                          const int32_t *ustart, const int32_t *uend, long T, int prosp)
{
    if (ustart)
        printf("%s space-time scan, %s model, %ld time units\n",
               prosp ? "Prospective" : "Retrospective", model, T);
    else
        printf("Purely spatial scan, %s model\n", model);
    cli_analysis_print_inputs(an);
    if (isnan(r->total_population))
        printf("total cases %.0f; largest window %.0f%% of the cases", r->total_cases, 100 * share);
    else
        printf("total cases %.0f, population at risk %.0f; largest window %.0f%% of the population",
               r->total_cases, r->total_population, 100 * share);
    if (max_r > 0)
        printf(", radius %.3g %s", max_r, coords_cart ? "units" : "km");
    printf("; %llu windows; %d replicas\n", (unsigned long long)r->windows, R);
    if (R > 0 && !isnan(r->crit_05))
        printf("critical LLR: %.4f (0.05)%s", r->crit_05, isnan(r->crit_01) ? "\n" : "");
    if (R > 0 && !isnan(r->crit_01))
        printf(", %.4f (0.01)%s", r->crit_01, isnan(r->crit_001) ? "\n" : "");
    if (R > 0 && !isnan(r->crit_001))
        printf(", %.4f (0.001)\n", r->crit_001);
    if (r->n_clusters == 0) {
        printf("no cluster: no window has more cases than expected\n");
        return;
    }
    for (size_t k = 0; k < r->n_clusters && k < 10; k++) {
        const tw_scan_cluster *c = &r->clusters[k];
        double lon = NAN, lat = NAN;
        tw_areas_lonlat(an->areas, (size_t)c->center, &lon, &lat);
        printf("\n%s cluster %d\n", k == 0 ? "Most likely" : "Secondary", c->rank);
        printf("  centre ............: %s %s (%.4f, %.4f) / radius %.2f %s\n",
               tw_areas_id(an->areas, (size_t)c->center),
               tw_areas_name(an->areas, (size_t)c->center), lat, lon, c->radius_km,
               coords_cart ? "units" : "km");
        if (c->shape > 1)
            printf("  ellipse ...........: semi-minor axis %.2f, semi-major axis %.2f %s, "
                   "angle %.0f degrees, shape %g\n",
                   c->radius_km, c->radius_km * c->shape, coords_cart ? "units" : "km",
                   c->angle_deg, c->shape);
        if (c->shape > 1)
            printf("  ellipse ...........: semi-minor axis %.2f, semi-major axis %.2f %s, "
                   "angle %.0f degrees, shape %g\n",
                   c->radius_km, c->radius_km * c->shape, coords_cart ? "units" : "km",
                   c->angle_deg, c->shape);
        printf("  areas .............: %zu\n", c->n_areas);
        if (ustart) {
            char b1[11], b2[11];
            tw_date_format(ustart[c->t_start], b1);
            tw_date_format(uend[c->t_end], b2);
            printf("  time frame ........: %s to %s\n", b1, b2);
        }
        if (!isnan(c->population))
            printf("  population ........: %.0f\n", c->population);
        printf("  observed cases ....: %.0f\n", c->observed);
        printf("  expected cases ....: %.2f\n", c->expected);
        printf("  observed/expected .: %.3f\n", c->oe);
        printf("  relative risk .....: %.3f\n", c->rr);
        printf("  log likelihood ratio: %.6f\n", c->llr);
        if (c->test_stat != c->llr)
            printf("  test statistic ....: %.6f (with the non-compactness penalty)\n",
                   c->test_stat);
        if (c->test_stat != c->llr)
            printf("  test statistic ....: %.6f (with the non-compactness penalty)\n",
                   c->test_stat);
        if (R > 0)
            printf("  p-value ...........: %.6g (Gumbel %.3g)\n", c->p, c->p_gumbel);
        if (R > 0 && prosp)
            printf("  recurrence interval: %.6g time units\n", c->recurrence);
    }
    if (r->n_clusters > 10)
        printf("\n... and %zu more clusters (see --out)\n", r->n_clusters - 10);
}

int cmd_scan(int argc, char **argv)
{
    cli_optspec spec[CLI_MAX_OPTS];
    size_t ns = 0;
    /* The shared options except --rate and --weights, which the scan does not use. */
    static const char *const unused[] = {"rate", "weights", NULL};
    cli_spec_add(spec, &ns, cli_analysis_opts, cli_analysis_nopts, unused);
    cli_spec_add(spec, &ns, scan_opts, sizeof scan_opts / sizeof scan_opts[0], NULL);
    cli_spec_add(spec, &ns, cli_public_opts, cli_public_nopts, NULL);
    cli_args a;
    int rc = cli_parse(&a, spec, ns, argc, argv,
                       "tanaw scan --areas FILE --cases FILE [options]",
                       "Kulldorff's spatial scan statistic (SaTScan's conventions): circular (or\n"
                       "elliptic) windows around each area's point up to --max-pop of the population,\n"
                       "the most likely cluster and secondary clusters without overlap, Monte Carlo\n"
                       "p-values.");
    if (rc >= 0)
        return rc;
    static const char *const models[] = {"poisson", "bernoulli", "stperm"};
    static const char *const coordss[] = {"latlong", "cartesian"};
    static const char *const times[] = {"none", "day", "week", "month", "quarter"};
    static const char *const modes[] = {"retrospective", "prospective"};
    static const char *const tails[] = {"high", "low", "both"};
    static const char *const shapes[] = {"circle", "ellipse"};
    static const char *const penalties[] = {"medium", "none", "strong"};
    int model = 0, coords = 0, tunit = 0, mode = 0, tail = 0, shape = 0, penalty = 0;
    const char *v;
    if (((v = cli_get(&a, "model")) && pick("model", v, models, 3, &model)) ||
        ((v = cli_get(&a, "coords")) && pick("coords", v, coordss, 2, &coords)) ||
        ((v = cli_get(&a, "time")) && pick("time", v, times, 5, &tunit)) ||
        ((v = cli_get(&a, "mode")) && pick("mode", v, modes, 2, &mode)) ||
        ((v = cli_get(&a, "tail")) && pick("tail", v, tails, 3, &tail)) ||
        ((v = cli_get(&a, "shape")) && pick("shape", v, shapes, 2, &shape)) ||
        ((v = cli_get(&a, "ellipse-penalty")) && pick("ellipse-penalty", v, penalties, 3, &penalty)))
        return EXIT_USAGE;
    long n_power = 0;
    if ((v = cli_get(&a, "power")) && !cli_int("power", v, 1, 1000000, &n_power))
        return EXIT_USAGE;
    if (n_power > 0 && (model != 0 || tunit != 0)) {
        fprintf(stderr, "tanaw: scan: --power is for the purely spatial Poisson model\n");
        return EXIT_USAGE;
    }
    if (n_power == 0 && (cli_get(&a, "alt") || cli_get(&a, "alt-cluster") || cli_get(&a, "power-out") ||
                         cli_get(&a, "power-cases"))) {
        fprintf(stderr, "tanaw: scan: --alt, --alt-cluster, --power-cases and --power-out go with --power N\n");
        return EXIT_USAGE;
    }
    if (shape == 1 && tunit != 0) {
        fprintf(stderr, "tanaw: scan: --shape ellipse is for the purely spatial scan (no --time)\n");
        return EXIT_USAGE;
    }
    if ((model == 2 || mode != 0) && tunit == 0) {
        fprintf(stderr, "tanaw: scan: --model stperm and --mode prospective need --time UNIT "
                        "(day, week, month or quarter) and --from/--to\n");
        return EXIT_USAGE;
    }
    if (cli_flag(&a, "public") && model == 1) {
        fprintf(stderr, "tanaw: scan --public: the Bernoulli model's controls are counts of "
                        "their own and are not published; use --model poisson\n");
        return EXIT_USAGE;
    }
    if (tunit != 0 && model == 1) {
        fprintf(stderr, "tanaw: scan: the Bernoulli model is purely spatial here (no --time)\n");
        return EXIT_USAGE;
    }
    int32_t from_day = 0, to_day = 0;
    if (tunit != 0) {
        const char *f = cli_get(&a, "from"), *t = cli_get(&a, "to");
        if (!f || !t || tw_date_parse(f, strlen(f), &from_day) ||
            tw_date_parse(t, strlen(t), &to_day) || to_day < from_day) {
            fprintf(stderr, "tanaw: scan: --time needs the study period as --from DATE --to DATE "
                            "(YYYY-MM-DD, from <= to)\n");
            return EXIT_USAGE;
        }
    }
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.model = model == 1 ? TW_SCAN_BERNOULLI : model == 2 ? TW_SCAN_STPERM : TW_SCAN_POISSON;
    o.mode = mode ? TW_SCAN_PROSPECTIVE : TW_SCAN_RETROSPECTIVE;
    if ((v = cli_get(&a, "max-time")) &&
        !cli_double("max-time", v, 1e-9, 0.9, &o.max_time_share))
        return EXIT_USAGE;
    o.coords = coords ? TW_SCAN_CARTESIAN : TW_SCAN_LATLONG;
    o.tail = (tw_scan_tail)tail;
    o.shape = (tw_scan_shape)shape;
    o.penalty = (tw_scan_penalty)penalty;
    o.max_pop_share = 0.5;
    o.replicas = 999;
    if ((v = cli_get(&a, "max-pop")) && !cli_double("max-pop", v, 1e-9, 0.5, &o.max_pop_share))
        return EXIT_USAGE;
    if ((v = cli_get(&a, "max-radius")) && !cli_double("max-radius", v, 1e-9, 1e7, &o.max_radius_km))
        return EXIT_USAGE;
    long l;
    if ((v = cli_get(&a, "replicas"))) {
        if (!cli_int("replicas", v, 0, 1000000, &l))
            return EXIT_USAGE;
        o.replicas = (int)l;
    }
    if ((v = cli_get(&a, "min-cases"))) {
        if (!cli_int("min-cases", v, 1, 1000000000, &l))
            return EXIT_USAGE;
        o.min_cases = (int)l;
    }
    if ((v = cli_get(&a, "max-clusters"))) {
        if (!cli_int("max-clusters", v, 1, 100000000, &l))
            return EXIT_USAGE;
        o.max_clusters = (size_t)l;
    }
    if (cli_flag(&a, "expected") && o.model != TW_SCAN_POISSON) {
        fprintf(stderr, "tanaw: scan: --expected goes with --model poisson\n");
        return EXIT_USAGE;
    }
    if ((v = cli_get(&a, "coarse")) && strcmp(v, "allocate") == 0) {
        fprintf(stderr, "tanaw: scan: --coarse allocate gives fractional counts, but the scan "
                        "needs whole numbers of cases (as SaTScan): use --coarse drop or level\n");
        return EXIT_USAGE;
    }
    cli_analysis an;
    memset(&an, 0, sizeof an);
    if ((rc = cli_by_source_opts(&a, &an.by_source)))
        return rc;
    if (an.by_source && tunit != 0) {
        fprintf(stderr, "tanaw: scan: --by-source is for the purely spatial scan (no --time)\n");
        return EXIT_USAGE;
    }
    if (!(an.ctx = cli_ctx_new(&a)))
        return EXIT_USAGE;
    o.seed = tw_ctx_seed(an.ctx);
    double *x = NULL, *y = NULL, *controls = NULL, *cube = NULL;
    int32_t *ustart = NULL, *uend = NULL;
    long T = 0;
    int *cls = NULL, *rank = NULL;
    const char **labels = NULL;
    char (*labbuf)[16] = NULL;
    tw_scan_result *r = NULL;
    if ((rc = cli_load_areas(&an, &a, o.model != TW_SCAN_BERNOULLI && o.model != TW_SCAN_STPERM)) ||
        (rc = cli_load_counts(&an, &a)))
        goto done;
    size_t n = tw_areas_count(an.areas);
    x = calloc(n ? n : 1, sizeof *x);
    y = calloc(n ? n : 1, sizeof *y);
    controls = calloc(n ? n : 1, sizeof *controls);
    cls = calloc(n ? n : 1, sizeof *cls);
    rank = calloc(n ? n : 1, sizeof *rank);
    labels = calloc(n ? n : 1, sizeof *labels);
    if (!x || !y || !controls || !cls || !rank || !labels) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (!tw_areas_lonlat(an.areas, i, &x[i], &y[i])) {
            fprintf(stderr, "tanaw: scan: area %s has no point\n", tw_areas_id(an.areas, i));
            rc = EXIT_INPUT;
            goto done;
        }
    if (o.model == TW_SCAN_BERNOULLI && (rc = load_controls(&an, &a, controls)))
        goto done;
    if (tunit != 0) {
        long cap = (long)(to_day - from_day) + 1;
        ustart = calloc((size_t)cap, sizeof *ustart);
        uend = calloc((size_t)cap, sizeof *uend);
        if (!ustart || !uend) {
            rc = EXIT_INTERNAL;
            goto done;
        }
        T = make_units(tunit, from_day, to_day, ustart, uend, cap);
        if (T < 2) {
            fprintf(stderr, "tanaw: scan: the period --from/--to holds %ld time unit%s; a "
                            "space-time scan needs at least 2\n", T < 0 ? 0 : T, T == 1 ? "" : "s");
            rc = EXIT_USAGE;
            goto done;
        }
        cube = calloc(n * (size_t)T, sizeof *cube);
        if (!cube) {
            rc = EXIT_INTERNAL;
            goto done;
        }
        if ((rc = load_cube(&an, &a, ustart, uend, T, cube)))
            goto done;
    }
    /* --public: the scan sees the whole-number public view (docs/publication.md) */
    if ((rc = cli_public_scan(&an, &a, cube, (size_t)T)))
        goto done;
    tw_scan_data d;
    memset(&d, 0, sizeof d);
    d.n = n;
    d.x = x;
    d.y = y;
    d.cases = an.count;
    if (cube) {
        d.cases = cube;
        d.n_times = (size_t)T;
    }
    if (o.model == TW_SCAN_STPERM)
        ;
    else if (o.model == TW_SCAN_BERNOULLI)
        d.controls = controls;
    else if (cli_flag(&a, "expected"))
        d.expected = an.population;
    else
        d.population = an.population;
    cli_progress_attach(an.ctx, cli_quiet());
    tw_status s = tw_scan_run(an.ctx, &d, &o, &r);
    cli_progress_done();
    if (s) {
        cli_report(an.ctx, "scan");
        rc = cli_exit_for(s);
        goto done;
    }
    cli_public_scan_clusters(&an, r); /* --public: small clusters' counts withheld */
    double *measure = controls;
    if (o.model == TW_SCAN_BERNOULLI)
        for (size_t i = 0; i < n; i++)
            measure[i] = controls[i] + an.count[i];
    else
        measure = an.population;
    print_summary(&an, r, models[model], o.max_pop_share, o.max_radius_km, o.replicas, coords,
                  ustart, uend, T, mode);
    const char *out = cli_get(&a, "out"), *mem = cli_get(&a, "members");
    const char *gj = cli_get(&a, "geojson"), *map = cli_get(&a, "map");
    if (out && (rc = write_clusters(&an, r, out, ustart, uend)))
        goto done;
    if (mem && (rc = write_members(&an, r, an.pub ? an.pub->count : an.count, measure, mem)))
        goto done;
    /* Per area: the rank of its cluster, and a class for the map: +3/+2/+1
     * for members of high-rate clusters with p <= 0.01/0.05/0.10, negative
     * for low-rate ones, 0 otherwise (no p: 0). */
    labbuf = calloc(r->n_clusters ? r->n_clusters : 1, sizeof *labbuf);
    if (!labbuf) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    for (size_t k = 0; k < r->n_clusters; k++) {
        const tw_scan_cluster *c = &r->clusters[k];
        int lv = c->p <= 0.01 ? 3 : c->p <= 0.05 ? 2 : c->p <= 0.10 ? 1 : 0;
        for (size_t e = 0; e < c->n_areas; e++) {
            rank[c->members[e]] = c->rank;
            cls[c->members[e]] = c->high ? lv : -lv;
        }
        if (lv > 0) {
            snprintf(labbuf[k], sizeof labbuf[k], "%d", c->rank);
            labels[c->center] = labbuf[k];
        }
    }
    if (gj) {
        double *llr = calloc(n ? n : 1, sizeof *llr), *pv = calloc(n ? n : 1, sizeof *pv);
        double *rr = calloc(n ? n : 1, sizeof *rr);
        if (!llr || !pv || !rr) {
            free(llr);
            free(pv);
            free(rr);
            rc = EXIT_INTERNAL;
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            llr[i] = pv[i] = rr[i] = NAN;
        for (size_t k = 0; k < r->n_clusters; k++)
            for (size_t e = 0; e < r->clusters[k].n_areas; e++) {
                int32_t i = r->clusters[k].members[e];
                llr[i] = r->clusters[k].llr;
                pv[i] = r->clusters[k].p;
                rr[i] = r->clusters[k].rr;
            }
        tw_extra_column extra[5] = {{"cluster", NULL, rank},
                                    {"cluster_llr", llr, NULL},
                                    {"cluster_p", pv, NULL},
                                    {"cluster_rr", rr, NULL},
                                    {"suppressed", NULL, an.pub ? an.pub->suppressed : NULL}};
        tw_area_table t;
        memset(&t, 0, sizeof t);
        t.areas = an.areas;
        t.count = an.pub ? an.pub->count : an.count; /* published counts only */
        t.statistic = llr;
        t.p = pv;
        t.cls = cls;
        t.extra = extra;
        t.n_extra = an.pub ? 5 : 4;
        s = tw_table_write_geojson(an.ctx, &t, gj);
        free(llr);
        free(pv);
        free(rr);
        if (s) {
            cli_report(an.ctx, gj);
            rc = EXIT_OUTPUT;
            goto done;
        }
    }
    if (map) {
        char sub[256];
        snprintf(sub, sizeof sub, "Kulldorff scan, %s model, max %.0f%% of population, %d replicas",
                 models[model], 100 * o.max_pop_share, o.replicas);
        tw_map_opts mo;
        memset(&mo, 0, sizeof mo);
        const char *mt = cli_get(&a, "title");
        mo.title = mt ? mt : "Spatial scan clusters";
        mo.subtitle = sub;
        mo.legend_kind = "hotspot";
        mo.labels = labels;
        if ((s = tw_map_write(an.ctx, an.areas, cls, &mo, map))) {
            cli_report(an.ctx, map);
            rc = s == TW_E_ARG ? EXIT_USAGE : EXIT_OUTPUT;
            goto done;
        }
    }
    if (an.by_source && (rc = report_scan_sources(&an, &a, r, &o, measure)))
        goto done;
    if (n_power > 0 && (rc = run_power(&an, &a, &d, &o, n_power)))
        goto done;
    if (out)
        cli_note("wrote %s", out);
    if (mem)
        cli_note("wrote %s", mem);
    if (gj)
        cli_note("wrote %s", gj);
    if (map)
        cli_note("wrote %s", map);
    rc = EXIT_OK;
done:
    tw_scan_result_free(an.ctx, r);
    free(x);
    free(y);
    free(controls);
    free(cube);
    free(ustart);
    free(uend);
    free(cls);
    free(rank);
    free(labels);
    free(labbuf);
    cli_analysis_free(&an);
    return rc;
}
