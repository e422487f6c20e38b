/*
 * cmd_kde.c: `tanaw kde`, a kernel density heat map of the case records'
 * points. Records are filtered as for the other analyses (dates, source,
 * category), projected to UTM (zone 51N by default, EPSG:32651), binned
 * on a grid that covers the points (and the --areas / --population
 * points) with a margin of three bandwidths, and smoothed by FFT
 * (docs/kde.md). Writes an ESRI ASCII grid with its .prj, a CSV of cells
 * and a PNG heat map over the boundaries, and prints how far the surface
 * is from the exact kernel sum at sampled cells. Densities are cases per
 * km^2; with --population, cases per 100,000 people (both surfaces
 * smoothed alike).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const cli_optspec kde_opts[] = {
    {"cases", 1, 1, "FILE", "case records CSV (schema: docs/cases.md); records need lon/lat"},
    {"db", 1, 0, "PATH|URL", "read records from a case store (tanaw db; filters apply)"},
    {"from", 1, 0, "DATE", "only records reported on or after DATE"},
    {"to", 1, 0, "DATE", "only records reported on or before DATE"},
    {"source", 1, 1, "NAME", "only records of this source (repeat, or NAME,NAME: any of these)"},
    {"category", 1, 0, "NAME", "only records of this category"},
    {"children", 0, 0, NULL, "weight records by children involved"},
    {"exact-ip-points", 0, 0, NULL, "take CyberTipline coordinates without uncertainty_m as given "
                                    "(default: IP geolocations, 50 km, left out; docs/kde.md)"},
    {"coarse", 1, 0, "MODE", "not offered: kde smooths points and has no analysis level; records "
                             "without coordinates are left out and counted (docs/cases.md)"},
    {"rejects", 1, 0, "FILE", "where rejected rows go (default: next to --out)"},
    {"bandwidth", 1, 0, "KM|RULE", "kernel sd in km, or scott | silverman | cv (default scott)"},
    {"cell", 1, 0, "KM", "cell side in km (default 2)"},
    {"grid", 1, 0, "N", "cells along the longer side instead of --cell"},
    {"extent", 1, 0, "X0,Y0,X1,Y1", "grid corners in UTM metres (whole cells), instead of the points' box"},
    {"kernel", 1, 0, "NAME", "gaussian | quartic (default gaussian)"},
    {"mode", 1, 0, "MODE", "spatstat (density.ppp) | linear (linear binning) | exact (default spatstat)"},
    {"edge", 0, 0, NULL, "edge correction (density.ppp edge=TRUE); default none"},
    {"population", 1, 0, "FILE", "areas CSV with lon, lat and population: cases per 100,000 people"},
    {"pop-field", 1, 0, "NAME", "population column of --population (default pop2020, then population)"},
    {"areas", 1, 1, "FILE", "boundaries drawn on --map (GeoJSON); their extent joins the grid's"},
    {"utm-zone", 1, 0, "Z", "UTM zone (northern hemisphere) of the grid (default 51)"},
    {"out", 1, 0, "FILE.asc", "ESRI ASCII grid (+ .prj next to it)"},
    {"cells", 1, 0, "FILE.csv", "CSV of the cells that are not zero"},
    {"map", 1, 0, "FILE.png|FILE.svg", "heat map over the --areas boundaries"},
    {"title", 1, 0, "TEXT", "map title"},
    {"check", 1, 0, "N", "cells sampled to report the difference from the exact sum (default 2000; 0 = none)"},
    {"threads", 1, 0, "N", "threads (default: all cores)"},
    {"seed", 1, 0, "S", "seed of the sampled cells (default 1)"},
    {"quiet", 0, 0, NULL, "no progress or notes on stderr"},
    {"by-source", 0, 0, NULL, "for the highest peaks, each source's share of the density there"},
    {"by-source-out", 1, 0, "FILE.csv", "with --by-source: one row per peak and source"},
    {"peaks", 1, 0, "N", "with --by-source: peaks reported (default 10)"},
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void grow(double box[4], double x, double y)
{
    box[0] = fmin(box[0], x);
    box[1] = fmin(box[1], y);
    box[2] = fmax(box[2], x);
    box[3] = fmax(box[3], y);
}

/* Peaks of the density: cells above all 8 neighbours (ties: the first in
   row-major order), highest first; at most cap, their cell indices in idx. */
static size_t find_peaks(const tw_grid *g, const double *d, size_t *idx, size_t cap)
{
    size_t m = 0;
    for (size_t r = 0; r < g->ny; r++)
        for (size_t c = 0; c < g->nx; c++) {
            size_t t = r * g->nx + c;
            double v = d[t];
            if (!(v > 0))
                continue;
            bool top = true;
            for (int dr = -1; dr <= 1 && top; dr++)
                for (int dc = -1; dc <= 1 && top; dc++) {
                    if ((!dr && !dc) || (dr < 0 && !r) || (dc < 0 && !c) ||
                        (dr > 0 && r + 1 == g->ny) || (dc > 0 && c + 1 == g->nx))
                        continue;
                    size_t u = (r + (size_t)(long)dr) * g->nx + c + (size_t)(long)dc;
                    double o = d[u];
                    top = o < v || (o == v && u > t);
                }
            if (!top)
                continue;
            /* insertion into the top list, highest first */
            size_t k = m < cap ? m++ : cap;
            if (k == cap && !(v > d[idx[cap - 1]]))
                continue;
            if (k == cap)
                k = cap - 1;
            while (k > 0 && d[idx[k - 1]] < v) {
                idx[k] = idx[k - 1];
                k--;
            }
            idx[k] = t;
        }
    return m;
}

/*
 * --by-source: the density is a sum over records, so each source's own
 * surface (same grid, kernel, bandwidth, mode) adds up to it: at each of the
 * highest peaks, the source's share of the density says which channel makes
 * the peak. Each source's surface is computed in turn; only the values at
 * the peaks are kept.
 */
static int report_sources(tw_ctx *ctx, const cli_args *a, const tw_cases *cases,
                          const tw_points_opts *po, int zone, const tw_grid *g,
                          const tw_kde_opts *ko, const double *dens, double total)
{
    long npk = 10;
    const char *v = cli_get(a, "peaks");
    if (v && !cli_int("peaks", v, 1, 1000, &npk))
        return EXIT_USAGE;
    size_t cells = g->nx * g->ny, pk[1000];
    size_t m = find_peaks(g, dens, pk, (size_t)npk);
    const char *names[64];
    size_t ns = tw_cases_sources(cases, names, 64), n = tw_cases_count(cases);
    double *sd = malloc(cells * sizeof *sd), *x = malloc((n + 1) * sizeof *x),
           *y = malloc((n + 1) * sizeof *y), *lon = malloc((n + 1) * sizeof *lon),
           *lat = malloc((n + 1) * sizeof *lat), *w = malloc((n + 1) * sizeof *w);
    double *at = calloc(64 * (m ? m : 1), sizeof *at), sum[64] = {0};
    size_t used = 0, k_of[64];
    int rc = sd && x && y && lon && lat && w && at ? EXIT_OK : EXIT_INTERNAL;
    for (size_t j = 0; j < ns && !rc; j++) {
        if (!tw_source_in_filter(po->source, names[j]))
            continue; /* --source: only those */
        tw_points_opts one = *po;
        one.source = names[j];
        size_t np = 0, wo = 0;
        tw_status s = tw_cases_points(ctx, cases, &one, lon, lat, w, n, &np, &wo, NULL);
        if (!s && np > 0) {
            bool weighted = false;
            for (size_t i = 0; i < np; i++) {
                tw_utm_forward(zone, lon[i], lat[i], &x[i], &y[i]);
                weighted |= w[i] != 1;
                sum[used] += w[i];
            }
            s = tw_kde_compute(ctx, x, y, weighted ? w : NULL, np, g, ko, sd);
            cli_progress_done();
        } else if (!s) {
            memset(sd, 0, cells * sizeof *sd);
        }
        if (s) {
            cli_report(ctx, names[j]);
            rc = cli_exit_for(s);
            break;
        }
        for (size_t q = 0; q < m; q++) /* FFT round-off (1e-17 of the peak) is 0 */
            at[used * m + q] = fabs(sd[pk[q]]) < 1e-12 * dens[pk[0]] ? 0 : sd[pk[q]];
        k_of[used++] = j;
    }
    const char *path = cli_get(a, "by-source-out");
    FILE *f = NULL;
    if (!rc && path && !(f = fopen(path, "w"))) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        rc = EXIT_OUTPUT;
    }
    if (f)
        fprintf(f, "peak,lon,lat,easting,northing,density,source,density_source,share,national_share\n");
    if (!rc)
        printf("sources of the %zu highest peaks (share of the density at the peak; national share):\n", m);
    for (size_t q = 0; q < m && !rc; q++) {
        size_t t = pk[q];
        double e = g->x0 + ((double)(t % g->nx) + 0.5) * g->cell;
        double nn = g->y0 + ((double)(t / g->nx) + 0.5) * g->cell, plon, plat;
        tw_utm_inverse(zone, e, nn, &plon, &plat);
        printf("  peak %zu at %.4f, %.4f: %.4g cases per km^2\n", q + 1, plon, plat, dens[t] * 1e6);
        for (size_t u = 0; u < used; u++) {
            double sh = dens[t] > 0 ? at[u * m + q] / dens[t] : 0, nat = total > 0 ? sum[u] / total : 0;
            printf("      %-20s %5.1f%% (national %5.1f%%)%s\n", names[k_of[u]], 100 * sh, 100 * nat,
                   sh > 0.5 && sh > 2 * nat ? "  <- drives this peak" : "");
            if (f)
                fprintf(f, "%zu,%.6f,%.6f,%.1f,%.1f,%.10g,%s,%.10g,%.6f,%.6f\n", q + 1, plon, plat, e, nn,
                        dens[t] * 1e6, names[k_of[u]], at[u * m + q] * 1e6, sh, nat);
        }
    }
    if (f && fclose(f) != 0 && !rc) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        rc = EXIT_OUTPUT;
    } else if (f && !rc)
        cli_note("wrote %s", path);
    free(sd);
    free(x);
    free(y);
    free(lon);
    free(lat);
    free(w);
    free(at);
    return rc;
}

int cmd_kde(int argc, char **argv)
{
    cli_args a;
    cli_optspec spec[CLI_MAX_OPTS];
    size_t ns = 0;
    static const char *const no_totals[] = {"totals", NULL}; /* a surface has no totals table */
    cli_spec_add(spec, &ns, kde_opts, sizeof kde_opts / sizeof kde_opts[0], NULL);
    cli_spec_add(spec, &ns, cli_public_opts, cli_public_nopts, no_totals);
    int rc = cli_parse(&a, spec, ns, argc, argv,
                       "tanaw kde --cases FILE|--db PATH [--bandwidth KM|scott|silverman|cv] [--cell KM] "
                       "[--out grid.asc] [--map FILE.png] [options]",
                       "Kernel density (intensity, cases per km^2) of the records' points on a UTM\n"
                       "grid, as spatstat's density.ppp (points at pixel centres, FFT convolution),\n"
                       "or with linear binning or the exact sum. See docs/kde.md.");
    if (rc >= 0)
        return rc;
    if (cli_get(&a, "coarse")) {
        /* drop is what kde always does; level and allocate would put records
           known only by a code on made-up points (docs/cases.md) */
        fprintf(stderr, "tanaw: kde: --coarse is not offered: the density is smoothed from points and "
                        "has no analysis level; records without coordinates are always left out "
                        "(counted on stdout). Use gistar, lisa or emerging with --coarse level|allocate\n");
        return EXIT_USAGE;
    }
    bool by_source;
    if ((rc = cli_by_source_opts(&a, &by_source)))
        return rc;
    if (cli_get(&a, "peaks") && !by_source) {
        fprintf(stderr, "tanaw: --peaks needs --by-source\n");
        return EXIT_USAGE;
    }
    tw_kde_opts ko;
    memset(&ko, 0, sizeof ko);
    const char *v;
    if ((v = cli_get(&a, "kernel"))) {
        if (strcmp(v, "gaussian") == 0)
            ko.kernel = TW_KERNEL_GAUSSIAN;
        else if (strcmp(v, "quartic") == 0)
            ko.kernel = TW_KERNEL_QUARTIC;
        else {
            fprintf(stderr, "tanaw: --kernel: expected gaussian or quartic, got '%s'\n", v);
            return EXIT_USAGE;
        }
    }
    if ((v = cli_get(&a, "mode"))) {
        if (strcmp(v, "spatstat") == 0)
            ko.mode = TW_KDE_SPATSTAT;
        else if (strcmp(v, "linear") == 0)
            ko.mode = TW_KDE_LINEAR;
        else if (strcmp(v, "exact") == 0)
            ko.mode = TW_KDE_EXACT;
        else {
            fprintf(stderr, "tanaw: --mode: expected spatstat, linear or exact, got '%s'\n", v);
            return EXIT_USAGE;
        }
    }
    ko.edge = cli_flag(&a, "edge");
    double bw_km = 0;
    tw_bw_rule rule = TW_BW_SCOTT;
    int by_rule = 1;
    if ((v = cli_get(&a, "bandwidth")) && tw_bw_rule_parse(v, &rule) != TW_OK) {
        if (!cli_double("bandwidth", v, 1e-3, 1000, &bw_km))
            return EXIT_USAGE;
        by_rule = 0;
    }
    /* --public: a numeric bandwidth of at least 5 km; cells masked and rounded below */
    double pub_t = 0;
    if ((rc = cli_public_kde(&a, bw_km * 1000, !by_rule, &pub_t)))
        return rc;
    if (pub_t > 0 && !cli_get(&a, "extent") && !cli_get(&a, "areas") && !cli_get(&a, "population")) {
        fprintf(stderr, "tanaw: kde --public needs --areas, --population or --extent for the grid: "
                        "a grid fitted to the points would show where the outermost cases are\n");
        return EXIT_USAGE;
    }
    double cell_km = 2;
    long grid_n = 0;
    if ((v = cli_get(&a, "cell")) && !cli_double("cell", v, 1e-3, 1000, &cell_km))
        return EXIT_USAGE;
    if ((v = cli_get(&a, "grid")) && !cli_int("grid", v, 2, 16384, &grid_n))
        return EXIT_USAGE;
    if (cli_get(&a, "grid") && cli_get(&a, "cell")) {
        fprintf(stderr, "tanaw: give --cell or --grid, not both\n");
        return EXIT_USAGE;
    }
    double ext[4] = {0, 0, 0, 0};
    int has_ext = 0;
    if ((v = cli_get(&a, "extent"))) {
        const char *p = v;
        for (int q = 0; q < 4; q++) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            char tmp[64];
            if (len == 0 || len >= sizeof tmp || (q < 3) != (e != NULL)) {
                fprintf(stderr, "tanaw: --extent: expected X0,Y0,X1,Y1 in metres, got '%s'\n", v);
                return EXIT_USAGE;
            }
            memcpy(tmp, p, len);
            tmp[len] = 0;
            if (!cli_double("extent", tmp, -1e8, 1e8, &ext[q]))
                return EXIT_USAGE;
            p = e ? e + 1 : p + len;
        }
        if (!(ext[2] > ext[0] && ext[3] > ext[1])) {
            fprintf(stderr, "tanaw: --extent: X1 must exceed X0 and Y1 Y0\n");
            return EXIT_USAGE;
        }
        if (cli_get(&a, "grid")) {
            fprintf(stderr, "tanaw: give --extent with --cell, not --grid\n");
            return EXIT_USAGE;
        }
        has_ext = 1;
    }
    long zone = 51, check = 2000;
    if ((v = cli_get(&a, "utm-zone")) && !cli_int("utm-zone", v, 1, 60, &zone))
        return EXIT_USAGE;
    if ((v = cli_get(&a, "check")) && !cli_int("check", v, 0, 100000000, &check))
        return EXIT_USAGE;
    tw_points_opts po;
    memset(&po, 0, sizeof po);
    const char *from = cli_get(&a, "from"), *to = cli_get(&a, "to");
    if (from || to) {
        po.from_day = INT32_MIN + 1;
        po.to_day = INT32_MAX;
        if ((from && tw_date_parse(from, strlen(from), &po.from_day)) ||
            (to && tw_date_parse(to, strlen(to), &po.to_day))) {
            fprintf(stderr, "tanaw: --from/--to: expected a date YYYY-MM-DD\n");
            return EXIT_USAGE;
        }
    }
    char sources[1024];
    if (cli_source_filter(&a, sources, sizeof sources, &po.source))
        return EXIT_USAGE;
    po.category = cli_get(&a, "category");
    po.weight_children = cli_flag(&a, "children");
    /* Imprecise points (docs/kde.md, section 1): a point whose uncertainty radius
       (uncertainty_m, or 50 km for a CyberTipline IP geolocation) exceeds the
       bandwidth sigma is left out. A rule's sigma is computed from the points
       trusted at barangay level (radius <= 5 km), then the limit is that sigma. */
    po.ip_rule = !cli_flag(&a, "exact-ip-points");
    po.max_radius_m = by_rule ? tw_max_uncertainty_m(TW_LEVEL_BARANGAY) : bw_km * 1000;

    tw_ctx *ctx = cli_ctx_new(&a);
    if (!ctx)
        return EXIT_USAGE;
    cli_set_quiet(cli_flag(&a, "quiet"));
    tw_cases *cases = NULL;
    tw_areas *areas = NULL, *pop = NULL;
    double *lon = NULL, *lat = NULL, *w = NULL, *x = NULL, *y = NULL, *dens = NULL;
    double *px = NULL, *py = NULL, *pw = NULL, *pdens = NULL;
    size_t n = 0, without = 0, imprecise = 0, np = 0;
    tw_status s;
    tw_read_report rrep = {0};
    size_t nsrc = 0;
    if ((rc = cli_read_records(ctx, &a, &rrep, &nsrc, &cases)))
        goto done;
    if ((s = tw_cases_points(ctx, cases, &po, NULL, NULL, NULL, 0, &n, &without, &imprecise))) {
        cli_report(ctx, "records");
        rc = cli_exit_for(s);
        goto done;
    }
    lon = malloc((n + 1) * sizeof *lon);
    lat = malloc((n + 1) * sizeof *lat);
    w = malloc((n + 1) * sizeof *w);
    x = malloc((n + 1) * sizeof *x);
    y = malloc((n + 1) * sizeof *y);
    if (!lon || !lat || !w || !x || !y) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    if ((s = tw_cases_points(ctx, cases, &po, lon, lat, w, n, &n, &without, &imprecise))) {
        cli_report(ctx, "records");
        rc = cli_exit_for(s);
        goto done;
    }
    if (!by_source && !by_rule) { /* --by-source reads them again per source, a rule once more */
        tw_cases_free(cases);
        cases = NULL;
    }
    if (n < 2) {
        fprintf(stderr, "tanaw: %zu records with coordinates after the filters: a density needs at "
                        "least 2\n", n);
        rc = EXIT_INPUT;
        goto done;
    }
    int weighted = 0;
    for (size_t i = 0; i < n; i++)
        weighted |= w[i] != 1;
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    double xbox[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}; /* areas and population */
    for (size_t i = 0; i < n; i++) {
        tw_utm_forward((int)zone, lon[i], lat[i], &x[i], &y[i]);
        if (pub_t == 0) /* --public: a grid fitted to the points shows the outermost cases */
            grow(box, x[i], y[i]);
    }
    /* boundaries and population points widen the grid to the whole study area */
    const char *af[64];
    size_t naf = cli_all(&a, "areas", af, 64);
    if (naf) {
        if ((s = tw_areas_new(ctx, &areas))) {
            rc = cli_exit_for(s);
            goto done;
        }
        for (size_t k = 0; k < naf; k++) {
            size_t L = strlen(af[k]);
            if (L > 4 && strcasecmp(af[k] + L - 4, ".csv") == 0)
                s = tw_areas_read_csv(ctx, areas, af[k], NULL);
            else
                s = tw_areas_read_geojson(ctx, areas, af[k], NULL, NULL, NULL);
            if (s) {
                cli_report(ctx, af[k]);
                rc = cli_exit_for(s);
                goto done;
            }
        }
        if ((s = tw_areas_finalize(ctx, areas, 0))) {
            cli_report(ctx, "areas");
            rc = cli_exit_for(s);
            goto done;
        }
        for (size_t i = 0; i < tw_areas_count(areas); i++) {
            double lo, la, e, no;
            if (tw_areas_lonlat(areas, i, &lo, &la)) {
                tw_utm_forward((int)zone, lo, la, &e, &no);
                grow(box, e, no);
                grow(xbox, e, no);
            }
        }
    }
    const char *pf = cli_get(&a, "population");
    if (pf) {
        tw_areas_csv_columns cols;
        memset(&cols, 0, sizeof cols);
        cols.population = cli_get(&a, "pop-field");
        if ((s = tw_areas_new(ctx, &pop)) || (s = tw_areas_read_csv(ctx, pop, pf, &cols)) ||
            (s = tw_areas_finalize(ctx, pop, 1))) {
            cli_report(ctx, pf);
            rc = cli_exit_for(s);
            goto done;
        }
        size_t m = tw_areas_count(pop);
        px = malloc((m + 1) * sizeof *px);
        py = malloc((m + 1) * sizeof *py);
        pw = malloc((m + 1) * sizeof *pw);
        if (!px || !py || !pw) {
            rc = EXIT_INTERNAL;
            goto done;
        }
        for (size_t i = 0; i < m; i++) {
            double lo, la, p = tw_areas_population(pop, i);
            if (!tw_areas_lonlat(pop, i, &lo, &la) || !(p > 0))
                continue;
            tw_utm_forward((int)zone, lo, la, &px[np], &py[np]);
            pw[np] = p;
            grow(box, px[np], py[np]);
            grow(xbox, px[np], py[np]);
            np++;
        }
    }
    cli_warnings(ctx, cli_quiet());
    /* bandwidth in metres */
    double sigma;
    if (by_rule) {
        tw_grid cvg;
        memset(&cvg, 0, sizeof cvg);
        if (rule == TW_BW_CV) {
            /* cross-validation runs on the output grid of the case points' box */
            double c = grid_n ? fmax(box[2] - box[0], box[3] - box[1]) / (double)grid_n : cell_km * 1000;
            cvg.cell = c;
            cvg.x0 = floor(box[0] / c) * c - 10 * c;
            cvg.y0 = floor(box[1] / c) * c - 10 * c;
            cvg.nx = (size_t)ceil((box[2] - cvg.x0) / c) + 10;
            cvg.ny = (size_t)ceil((box[3] - cvg.y0) / c) + 10;
        }
        if ((s = tw_kde_bandwidth(ctx, x, y, weighted ? w : NULL, n, rule, ko.kernel, &cvg, &sigma))) {
            cli_report(ctx, "bandwidth");
            rc = cli_exit_for(s);
            goto done;
        }
        /* the surface takes the points whose radius is at most the rule's sigma */
        if (sigma != po.max_radius_m) {
            size_t n2 = 0, wo2 = 0, im2 = 0;
            po.max_radius_m = sigma;
            if ((s = tw_cases_points(ctx, cases, &po, NULL, NULL, NULL, 0, &n2, &wo2, &im2))) {
                cli_report(ctx, "records");
                rc = cli_exit_for(s);
                goto done;
            }
            if (n2 != n || im2 != imprecise) {
                double **arr[] = {&lon, &lat, &w, &x, &y};
                for (size_t q = 0; q < 5; q++) {
                    free(*arr[q]);
                    if (!(*arr[q] = malloc((n2 + 1) * sizeof **arr[q]))) {
                        rc = EXIT_INTERNAL;
                        goto done;
                    }
                }
                if ((s = tw_cases_points(ctx, cases, &po, lon, lat, w, n2, &n, &without,
                                         &imprecise))) {
                    cli_report(ctx, "records");
                    rc = cli_exit_for(s);
                    goto done;
                }
                if (n < 2) {
                    fprintf(stderr, "tanaw: %zu records with coordinates within the bandwidth's %.4g km "
                                    "after the filters: a density needs at least 2\n", n, sigma / 1000);
                    rc = EXIT_INPUT;
                    goto done;
                }
                memcpy(box, xbox, sizeof box);
                weighted = 0;
                for (size_t i = 0; i < n; i++) {
                    tw_utm_forward((int)zone, lon[i], lat[i], &x[i], &y[i]);
                    weighted |= w[i] != 1;
                    if (pub_t == 0)
                        grow(box, x[i], y[i]);
                }
            }
        }
        if (!by_source) {
            tw_cases_free(cases);
            cases = NULL;
        }
    } else {
        sigma = bw_km * 1000;
    }
    ko.sigma = sigma;
    /* grid: the box plus three bandwidths (the kernel's mass beyond is 1 %), snapped to cells */
    double margin = 3 * sigma;
    double cell = grid_n ? fmax(box[2] - box[0] + 2 * margin, box[3] - box[1] + 2 * margin) / (double)grid_n
                         : cell_km * 1000;
    tw_grid g;
    g.cell = cell;
    if (has_ext) {
        double fx = (ext[2] - ext[0]) / cell, fy = (ext[3] - ext[1]) / cell;
        if (fabs(fx - round(fx)) > 1e-6 || fabs(fy - round(fy)) > 1e-6) {
            fprintf(stderr, "tanaw: --extent is not a whole number of %g km cells\n", cell / 1000);
            rc = EXIT_USAGE;
            goto done;
        }
        box[0] = ext[0] + margin;
        box[1] = ext[1] + margin;
        box[2] = ext[2] - margin;
        box[3] = ext[3] - margin;
    }
    if (has_ext) {
        g.x0 = ext[0];
        g.y0 = ext[1];
    } else if (grid_n) {
        g.x0 = box[0] - margin;
        g.y0 = box[1] - margin;
    } else {
        g.x0 = floor((box[0] - margin) / cell) * cell;
        g.y0 = floor((box[1] - margin) / cell) * cell;
    }
    double gx = ceil((box[2] + margin - g.x0) / cell - 1e-9), gy = ceil((box[3] + margin - g.y0) / cell - 1e-9);
    if (gx > 16384 || gy > 16384 || gx * gy > 1.2e8) {
        fprintf(stderr, "tanaw: a %.0f x %.0f grid of %g km cells is too large: use a larger --cell\n",
                gx, gy, cell / 1000);
        rc = EXIT_USAGE;
        goto done;
    }
    g.nx = (size_t)(gx < 2 ? 2 : gx);
    g.ny = (size_t)(gy < 2 ? 2 : gy);
    size_t cells = g.nx * g.ny;
    dens = malloc(cells * sizeof *dens);
    if (!dens) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    cli_progress_attach(ctx, cli_quiet());
    double t0 = now_s();
    s = tw_kde_compute(ctx, x, y, weighted ? w : NULL, n, &g, &ko, dens);
    double t1 = now_s();
    cli_progress_done();
    if (s) {
        cli_report(ctx, "kernel density");
        rc = cli_exit_for(s);
        goto done;
    }
    cli_warnings(ctx, cli_quiet());
    static const char *const modes[] = {"spatstat", "linear", "exact"};
    if (pub_t > 0) {
        /* one case adds at most the kernel's centre value to a cell */
        double one = (ko.kernel == TW_KERNEL_GAUSSIAN ? 0.5 : 0.375) / acos(-1.0) / (sigma * sigma);
        size_t masked = cli_public_kde_mask(dens, cells, one, pub_t);
        check = 0; /* the check reads the unmasked surface */
        printf("kernel density (public): %s kernel, sigma %.4g km, %s mode; %zu of %zu cells where "
               "fewer than %.0f cases weigh in are nodata, the others rounded to whole cases\n",
               ko.kernel == TW_KERNEL_GAUSSIAN ? "gaussian" : "quartic", sigma / 1000,
               modes[ko.mode], masked, cells, pub_t);
    } else {
        printf("kernel density: %zu points (%zu records without coordinates and %zu points "
               "uncertain by more than sigma left out), %s kernel, sigma %.4g km%s, %s mode%s\n",
               n, without, imprecise, ko.kernel == TW_KERNEL_GAUSSIAN ? "gaussian" : "quartic", sigma / 1000,
               by_rule ? (rule == TW_BW_SCOTT ? " (scott)" : rule == TW_BW_SILVERMAN ? " (silverman)" : " (cv)") : "",
               modes[ko.mode], ko.edge ? ", edge corrected" : "");
    }
    printf("grid: %zu x %zu cells of %.4g km, UTM zone %ldN, lower-left (%.1f, %.1f) m; computed in %.3f s\n",
           g.nx, g.ny, cell / 1000, zone, g.x0, g.y0, t1 - t0);
    double peak = 0, mass = 0;
    for (size_t t = 0; t < cells; t++) {
        if (isnan(dens[t])) /* --public: masked */
            continue;
        peak = fmax(peak, dens[t]);
        mass += dens[t] * cell * cell;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    if (pub_t > 0) /* the number of points is a count of its own */
        printf("peak %.6g cases per km^2; mass on the published cells %.6g\n", peak * 1e6, mass);
    else
        printf("peak %.6g cases per km^2; mass on the grid %.6g of %.6g\n", peak * 1e6, mass, total);
    if (check > 0 && !ko.edge) {
        double diff;
        if ((s = tw_kde_compare_exact(ctx, x, y, weighted ? w : NULL, n, &g, &ko, dens, (size_t)check,
                                      tw_ctx_seed(ctx), &diff))) {
            cli_report(ctx, "check");
            rc = cli_exit_for(s);
            goto done;
        }
        printf("difference from the exact kernel sum at %ld sampled cells: at most %.3g %% of the peak\n",
               (long)(check < (long)cells ? check : (long)cells), 100 * diff);
    }
    if (by_source && (rc = report_sources(ctx, &a, cases, &po, (int)zone, &g, &ko, dens, total)))
        goto done;
    /* FFT round-off leaves values of 1e-17 of the peak (some negative) far from
     * every point: written as 0, they keep the .asc and the CSV readable */
    for (size_t t = 0; t < cells; t++)
        dens[t] = fabs(dens[t]) < 1e-12 * peak ? 0 : dens[t] * 1e6; /* per m^2 -> per km^2 */
    const char *legend = "cases per km\xc2\xb2";
    if (pop) {
        pdens = malloc(cells * sizeof *pdens);
        if (!pdens) {
            rc = EXIT_INTERNAL;
            goto done;
        }
        tw_kde_opts pk = ko;
        if ((s = tw_kde_compute(ctx, px, py, pw, np, &g, &pk, pdens))) {
            cli_report(ctx, "population density");
            rc = cli_exit_for(s);
            goto done;
        }
        size_t masked = 0;
        for (size_t t = 0; t < cells; t++) {
            double pd = pdens[t] * 1e6; /* people per km^2 */
            if (pd < 1) {
                dens[t] = NAN;
                masked++;
            } else {
                dens[t] = dens[t] / pd * 1e5;
            }
        }
        legend = "cases per 100,000 people";
        printf("population-adjusted: cases per 100,000 people; %zu cells with under 1 person per "
               "km^2 left as nodata\n", masked);
    }
    const char *out = cli_get(&a, "out");
    if (out) {
        char wkt[1024];
        tw_utm_wkt((int)zone, wkt, sizeof wkt);
        if ((s = tw_grid_write_asc(ctx, &g, dens, wkt, out))) {
            cli_report(ctx, out);
            rc = EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s and its .prj", out);
    }
    const char *cc = cli_get(&a, "cells");
    if (cc) {
        if ((s = tw_grid_write_csv(ctx, &g, dens, (int)zone, 1, cc))) {
            cli_report(ctx, cc);
            rc = EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s", cc);
    }
    const char *map = cli_get(&a, "map");
    if (map) {
        const char *title = cli_get(&a, "title");
        if ((s = tw_kde_map_write(ctx, &g, dens, (int)zone, areas,
                                  title ? title : "Where reports come from (kernel density)", legend,
                                  map))) {
            cli_report(ctx, map);
            rc = s == TW_E_ARG ? EXIT_USAGE : EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s", map);
    }
    rc = EXIT_OK;
done:
    tw_cases_free(cases);
    tw_areas_free(areas);
    tw_areas_free(pop);
    free(lon);
    free(lat);
    free(w);
    free(x);
    free(y);
    free(dens);
    free(px);
    free(py);
    free(pw);
    free(pdens);
    tw_ctx_free(ctx);
    return rc;
}
