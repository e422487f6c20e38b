/*
 * pipeline.c: the steps gistar, lisa and moran share: read the areas
 * (GeoJSON and/or CSV, joined by id; dissolved to a coarser --level),
 * read and validate case records, count them per area (reporting every
 * record that could not be placed), turn counts into the analysed variable
 * (--rate) and build the spatial weights (--weights). Then the writers of
 * the per-area results (CSV, GeoJSON, map, top hotspots on stdout).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const cli_optspec cli_analysis_opts[] = {
    {"areas", 1, 1, "FILE", "areas: GeoJSON FeatureCollection or CSV, joined by id"},
    {"id-field", 1, 0, "NAME", "id property/column of the areas (default psgc)"},
    {"name-field", 1, 0, "NAME", "name property/column (default name)"},
    {"pop-field", 1, 0, "NAME", "population column (default pop2020, then population)"},
    {"level", 1, 0, "LEVEL", "region|province|municipality|barangay (default: the areas' own)"},
    {"hierarchy", 1, 0, "FILE", "CSV of finer areas with *_psgc ancestor columns, to place codes"},
    {"cases", 1, 1, "FILE", "case records CSV (schema: docs/cases.md)"},
    {"counts", 1, 1, "FILE", "counts already aggregated per area (psgc,count)"},
    {"db", 1, 0, "PATH|URL", "read records from a case store (tanaw db; filters apply)"},
    {"count", 1, 0, "UNIT", "with --db: incidents (default when the store has a dedup run: "
                            "tanaw dedup) | records"},
    {"rejects", 1, 0, "FILE", "where rejected rows go (default: next to --out)"},
    {"from", 1, 0, "DATE", "only records reported on or after DATE (YYYY-MM-DD)"},
    {"to", 1, 0, "DATE", "only records reported on or before DATE"},
    {"source", 1, 1, "NAME", "only records of this source (repeat, or NAME,NAME: any of these)"},
    {"category", 1, 0, "NAME", "only records of this category"},
    {"children", 0, 0, NULL, "count children involved instead of records"},
    {"snap", 1, 0, "KM", "place points outside every polygon on the nearest area within KM"},
    {"coarse", 1, 0, "MODE", "records known only above the analysis level: drop (default: "
                             "reported, not counted) | level (analyse at the finest level "
                             "holding every record) | allocate (spread by population, flagged)"},
    {"exact-ip-points", 0, 0, NULL, "take CyberTipline coordinates without uncertainty_m as "
                                    "given (default: municipality level at best)"},
    {"crosswalk", 1, 0, "FILE", "PSGC crosswalk (docs/geocode.md) bringing records with a "
                                "psgc_version onto --to-version"},
    {"to-version", 1, 0, "V", "PSGC version of the analysis geography, e.g. 2024Q2 (with --crosswalk)"},
    {"rate", 1, 0, "KIND", "count | per:N | eb | eb:N (default per:100000)"},
    {"weights", 1, 0, "SPEC", "queen|rook|queen:100m|knn:K|band:KM|idw:KM|gal:FILE|gwt:FILE (default knn:8)"},
    {"threads", 1, 0, "N", "threads (default: all cores; results do not depend on it)"},
    {"seed", 1, 0, "S", "random seed (default 1)"},
    {"quiet", 0, 0, NULL, "no progress or notes on stderr"},
};
const size_t cli_analysis_nopts = sizeof cli_analysis_opts / sizeof cli_analysis_opts[0];

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/* Whether the command has option NAME. */
static bool has_option(const cli_args *a, const char *name)
{
    for (size_t k = 0; k < a->nspec; k++)
        if (strcmp(a->spec[k].name, name) == 0)
            return true;
    return false;
}

static int fail(cli_analysis *an, tw_status s, const char *what)
{
    cli_progress_done();
    cli_report(an->ctx, what);
    return cli_exit_for(s);
}

int cli_load_areas(cli_analysis *an, const cli_args *a, bool need_population)
{
    const char *files[64];
    size_t nf = cli_all(a, "areas", files, 64);
    if (nf == 0) {
        fprintf(stderr, "tanaw: --areas FILE is required (GeoJSON and/or CSV of the areas)\n");
        return EXIT_USAGE;
    }
    const char *id = cli_get(a, "id-field");
    const char *name = cli_get(a, "name-field");
    const char *pop = cli_get(a, "pop-field");
    bool any_csv = false;
    for (size_t i = 0; i < nf; i++)
        any_csv |= has_suffix(files[i], ".csv");
    tw_status s = tw_areas_new(an->ctx, &an->areas);
    if (s)
        return fail(an, s, "areas");
    for (size_t i = 0; i < nf; i++) {
        if (has_suffix(files[i], ".csv")) {
            tw_areas_csv_columns cols = {.id = id, .name = name, .population = pop};
            s = tw_areas_read_csv(an->ctx, an->areas, files[i], &cols);
        } else {
            s = tw_areas_read_geojson(an->ctx, an->areas, files[i], id, name,
                                      any_csv ? NULL : pop);
        }
        if (s)
            return fail(an, s, files[i]);
    }
    s = tw_areas_finalize(an->ctx, an->areas, need_population);
    if (s)
        return fail(an, s, "areas");
    tw_level own = tw_areas_level(an->areas);
    an->level = own;
    const char *lv = cli_get(a, "level");
    if (lv) {
        tw_level want = tw_level_parse(lv);
        if (want == TW_LEVEL_UNKNOWN) {
            fprintf(stderr, "tanaw: --level: expected region, province, municipality or barangay, got '%s'\n", lv);
            return EXIT_USAGE;
        }
        if (own != TW_LEVEL_UNKNOWN && want > own) {
            fprintf(stderr, "tanaw: --level %s is finer than the areas given (%s): give %s areas\n",
                    tw_level_name(want), tw_level_name(own), tw_level_name(want));
            return EXIT_USAGE;
        }
        if (own != TW_LEVEL_UNKNOWN && want < own) {
            tw_areas *d;
            s = tw_areas_dissolve(an->ctx, an->areas, want, &d);
            if (s)
                return fail(an, s, "dissolving areas");
            cli_note("dissolved %zu %s areas into %zu %s areas", tw_areas_count(an->areas),
                     tw_level_name(own), tw_areas_count(d), tw_level_name(want));
            tw_areas_free(an->areas);
            an->areas = d;
        }
        an->level = want;
    }
    const char *cm = cli_get(a, "coarse");
    if (cm && tw_coarse_parse(cm, &an->coarse) != TW_OK) {
        fprintf(stderr, "tanaw: --coarse: expected drop, level or allocate, got '%s'\n", cm);
        return EXIT_USAGE;
    }
    an->exact_ip_points = cli_flag(a, "exact-ip-points");
    an->crosswalk_path = cli_get(a, "crosswalk");
    an->to_version = cli_get(a, "to-version");
    if (!an->crosswalk_path != !an->to_version) {
        fprintf(stderr, "tanaw: --crosswalk FILE and --to-version V go together\n");
        return EXIT_USAGE;
    }
    const char *h = cli_get(a, "hierarchy");
    if (h) {
        if ((s = tw_areas_new(an->ctx, &an->hierarchy)))
            return fail(an, s, "hierarchy");
        tw_areas_csv_columns cols = {.id = id, .name = name, .population = pop};
        if ((s = tw_areas_read_csv(an->ctx, an->hierarchy, h, &cols)))
            return fail(an, s, h);
    }
    cli_warnings(an->ctx, cli_quiet());
    return EXIT_OK;
}

static int parse_day(const char *opt, const char *text, int32_t *day)
{
    if (tw_date_parse(text, strlen(text), day) != TW_OK) {
        fprintf(stderr, "tanaw: --%s: expected a date YYYY-MM-DD, got '%s'\n", opt, text);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static void rejects_path(const cli_args *a, size_t k, size_t nfiles, char *buf, size_t cap)
{
    const char *r = cli_get(a, "rejects");
    const char *out = cli_get(a, "out");
    int n;
    if (r && nfiles == 1) {
        n = snprintf(buf, cap, "%s", r);
    } else {
        const char *stem = r ? r : out ? out : "tanaw";
        size_t len = strlen(stem);
        if (len > 4 && (strcasecmp(stem + len - 4, ".csv") == 0 ||
                        strcasecmp(stem + len - 4, ".asc") == 0))
            len -= 4;
        if (r)
            n = snprintf(buf, cap, "%.*s.%zu.csv", (int)len, stem, k + 1);
        else if (nfiles > 1)
            n = snprintf(buf, cap, "%.*s.rejects.%zu.csv", (int)len, stem, k + 1);
        else
            n = snprintf(buf, cap, "%.*s.rejects.csv", (int)len, stem);
    }
    if (n < 0 || (size_t)n >= cap)
        buf[0] = '\0'; /* too long: the reader then refuses the empty path */
}

/*
 * Records of --cases, --counts (aggregated) and --db (a case store, with
 * --from/--to/--source/--category pushed down; aggregation applies them
 * again, so the numbers are those of the same records read from CSV) in
 * one tw_cases. Every command that reads records goes through here.
 */
int cli_read_records(tw_ctx *ctx, const cli_args *a, tw_read_report *report,
                     size_t *n_sources, tw_cases **out)
{
    const char *cf[64], *af[64];
    size_t ncf = cli_all(a, "cases", cf, 64), naf = cli_all(a, "counts", af, 64);
    const char *db = cli_get(a, "db");
    *out = NULL;
    int prc = cli_public_check(a); /* misused flags fail before a long read */
    if (prc)
        return prc;
    if (cli_get(a, "count") && !db) {
        fprintf(stderr, "tanaw: --count goes with --db (a case store); --cases files are "
                        "counted as given\n");
        return EXIT_USAGE;
    }
    if (ncf + naf == 0 && !db) {
        fprintf(stderr, "tanaw: give case records with --cases FILE or --db STORE%s\n",
                has_option(a, "counts") ? " (or counts with --counts FILE)" : "");
        return EXIT_USAGE;
    }
    tw_cases *cases = NULL;
    tw_status s;
    if (db) {
        tw_store_filter f;
        memset(&f, 0, sizeof f);
        const char *from = cli_get(a, "from"), *to = cli_get(a, "to");
        if (from || to) {
            f.from_day = INT32_MIN + 1;
            f.to_day = INT32_MAX;
            if ((from && parse_day("from", from, &f.from_day)) ||
                (to && parse_day("to", to, &f.to_day)))
                return EXIT_USAGE;
        }
        char srcbuf[1024];
        const char *sources;
        if (cli_source_filter(a, srcbuf, sizeof srcbuf, &sources))
            return EXIT_USAGE;
        /* pushed down: an incident passes when any of its records is from
           one of the sources (docs/dedup.md) */
        f.source = sources;
        f.category = cli_get(a, "category");
        tw_store *st = NULL;
        size_t got = 0;
        char shown[512]; /* a URL without its password */
        tw_store_redact(db, shown, sizeof shown);
        FILE *probe = tw_store_is_url(db) ? NULL : fopen(db, "rb");
        if (!probe && !tw_store_is_url(db)) { /* reading must not create a store */
            fprintf(stderr, "tanaw: --db %s: no such store (create it with tanaw db init)\n",
                    shown);
            return EXIT_INPUT;
        }
        if (probe)
            fclose(probe);
        if ((s = tw_store_open(ctx, db, 0, &st)) ||
            (s = cli_store_read(ctx, a, st, &f, &cases, &got))) {
            tw_store_close(st);
            tw_cases_free(cases);
            cli_progress_done();
            cli_report(ctx, shown);
            return cli_exit_for(s);
        }
        tw_store_close(st);
        report->rows_read += got;
        report->rows_accepted += got;
        cli_note("%s: %zu rows from the store (records or incidents: see 'counted:')", shown, got);
        (*n_sources)++;
    }
    char rej[4096];
    for (size_t k = 0; k < ncf + naf; k++) {
        const char *path = k < ncf ? cf[k] : af[k - ncf];
        rejects_path(a, k, ncf + naf, rej, sizeof rej);
        tw_cases_read_opts ro;
        memset(&ro, 0, sizeof ro);
        /* rejected rows are case-level: never next to public outputs by default */
        ro.rejects_path = cli_flag(a, "public") && !cli_get(a, "rejects") ? NULL : rej;
        ro.aggregated = k >= ncf;
        tw_read_report rep = {0};
        s = tw_cases_read_csv(ctx, path, &ro, &cases, &rep);
        if (s) {
            tw_cases_free(cases);
            cli_progress_done();
            cli_report(ctx, path);
            /* The rejects file is an output: failing to write it is exit 3. */
            return s == TW_E_IO && strcmp(tw_ctx_error(ctx)->file, rej) == 0 ? EXIT_OUTPUT
                                                                            : cli_exit_for(s);
        }
        report->rows_read += rep.rows_read;
        report->rows_accepted += rep.rows_accepted;
        report->rows_rejected += rep.rows_rejected;
        cli_note("%s: %zu rows read, %zu accepted, %zu rejected%s%s%s", path, rep.rows_read,
                 rep.rows_accepted, rep.rows_rejected, rep.rows_rejected ? " (see " : "",
                 rep.rows_rejected ? rej : "", rep.rows_rejected ? ")" : "");
        (*n_sources)++;
    }
    cli_warnings(ctx, cli_quiet());
    *out = cases;
    return EXIT_OK;
}

int cli_source_filter(const cli_args *a, char *buf, size_t cap, const char **out)
{
    const char *v[64];
    size_t n = cli_all(a, "source", v, 64), len = 0;
    *out = NULL;
    if (!n)
        return EXIT_OK;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        for (const char *p = v[k];;) {
            const char *comma = strchr(p, ',');
            size_t l = comma ? (size_t)(comma - p) : strlen(p);
            while (l && (*p == ' ' || *p == '\t'))
                p++, l--;
            while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
                l--;
            bool ok = l >= 1 && l <= 32;
            for (size_t i = 0; ok && i < l; i++)
                ok = isalnum((unsigned char)p[i]) || strchr("_.-", p[i]);
            if (!ok) {
                fprintf(stderr, "tanaw: --source: expected source names (1-32 of A-Z a-z 0-9 "
                                "_ . -) separated by commas, got '%s'\n", v[k]);
                return EXIT_USAGE;
            }
            if (len + l + 2 > cap) {
                fprintf(stderr, "tanaw: --source: too many sources\n");
                return EXIT_USAGE;
            }
            if (len)
                buf[len++] = ',';
            memcpy(buf + len, p, l);
            buf[len += l] = '\0';
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    *out = buf;
    return EXIT_OK;
}

int cli_aggregate_opts(cli_analysis *an, const cli_args *a, tw_aggregate_opts *ao)
{
    memset(ao, 0, sizeof *ao);
    ao->level = an->level;
    ao->hierarchy = an->hierarchy;
    const char *snap = cli_get(a, "snap");
    if (snap) {
        double km;
        if (!cli_double("snap", snap, 0, 20000, &km))
            return EXIT_USAGE;
        ao->snap_outside = 1;
        ao->snap_max_km = km;
    }
    ao->weight_children = cli_flag(a, "children");
    const char *from = cli_get(a, "from"), *to = cli_get(a, "to");
    if (from || to) {
        ao->from_day = INT32_MIN + 1;
        ao->to_day = INT32_MAX;
        if ((from && parse_day("from", from, &ao->from_day)) ||
            (to && parse_day("to", to, &ao->to_day)))
            return EXIT_USAGE;
    }
    if (cli_source_filter(a, an->source_filter, sizeof an->source_filter, &ao->source))
        return EXIT_USAGE;
    ao->category = cli_get(a, "category");
    return EXIT_OK;
}

int cli_placement_opts(cli_analysis *an, tw_aggregate_opts *ao, tw_crosswalk **cw)
{
    tw_status s;
    *cw = NULL;
    if (an->crosswalk_path && (s = tw_crosswalk_read(an->ctx, an->crosswalk_path, cw)))
        return fail(an, s, an->crosswalk_path);
    ao->coarse = an->coarse;
    ao->ip_rule = !an->exact_ip_points;
    ao->crosswalk = *cw;
    ao->to_version = an->to_version;
    an->placement_applied = true;
    return EXIT_OK;
}

/*
 * --coarse level (docs/cases.md): when the count just made (an->agg) left
 * records known only above the analysis level, dissolve the areas to the
 * coarsest of those levels (the finest level that holds every record) and
 * make an ready to count again there: areas, locator, level (also ao->level),
 * count and population are replaced. *moved says whether it happened; the
 * caller counts again when it did. Shared by the totals and emerging's cube.
 */
int cli_coarse_level_move(cli_analysis *an, tw_aggregate_opts *ao, bool *moved)
{
    *moved = false;
    int coarsest = TW_LEVEL_UNKNOWN;
    for (int l = TW_LEVEL_BARANGAY; l >= TW_LEVEL_REGION; l--)
        if (an->agg.coarser_by_level[l])
            coarsest = l;
    if (an->coarse != TW_COARSE_LEVEL || coarsest == TW_LEVEL_UNKNOWN ||
        an->level == TW_LEVEL_UNKNOWN || coarsest >= (int)an->level)
        return EXIT_OK;
    size_t n = tw_areas_count(an->areas);
    tw_areas *d = NULL;
    tw_status s = tw_areas_dissolve(an->ctx, an->areas, (tw_level)coarsest, &d);
    if (s) {
        cli_progress_done();
        cli_report(an->ctx, "--coarse level");
        fprintf(stderr, "tanaw: --coarse level: %zu records are known only at %s level, "
                        "but the areas cannot be dissolved to it; give %s areas or use "
                        "--coarse drop|allocate\n",
                an->agg.coarser_by_level[coarsest], tw_level_name((tw_level)coarsest),
                tw_level_name((tw_level)coarsest));
        return cli_exit_for(s);
    }
    cli_note("--coarse level: %zu records are known only at %s level: analysing %zu %s "
             "areas instead of %zu %s areas",
             an->agg.coarser_by_level[coarsest], tw_level_name((tw_level)coarsest),
             tw_areas_count(d), tw_level_name((tw_level)coarsest), n, tw_level_name(an->level));
    tw_ctx_clear_warnings(an->ctx); /* the first count's, superseded */
    bool had_locator = an->locator != NULL;
    tw_locator_free(an->locator);
    an->locator = NULL;
    tw_areas_free(an->areas);
    an->areas = d;
    an->asked_level = an->level;
    an->level = (tw_level)coarsest;
    ao->level = an->level;
    n = tw_areas_count(d);
    free(an->count);
    free(an->population);
    an->count = calloc(n ? n : 1, sizeof *an->count);
    an->population = calloc(n ? n : 1, sizeof *an->population);
    if (!an->count || !an->population)
        return EXIT_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        double p = tw_areas_population(d, i);
        an->population[i] = isnan(p) ? 0 : p;
    }
    if (had_locator && (s = tw_locator_new(an->ctx, an->areas, &an->locator)))
        return fail(an, s, "spatial index");
    *moved = true;
    return EXIT_OK;
}

/*
 * Aggregate with the mixed-precision and PSGC-version options of an
 * (docs/cases.md), counting again after a --coarse level move.
 */
static int place_counts(cli_analysis *an, const tw_cases *cases, tw_aggregate_opts *ao)
{
    tw_crosswalk *cw = NULL;
    tw_status s;
    int rc = cli_placement_opts(an, ao, &cw);
    if (rc)
        return rc;
    for (int pass = 0; pass < 2; pass++) {
        size_t n = tw_areas_count(an->areas);
        free(an->allocated);
        free(an->split);
        an->allocated = an->coarse == TW_COARSE_ALLOCATE ? calloc(n ? n : 1, sizeof *an->allocated) : NULL;
        an->split = cw ? calloc(n ? n : 1, sizeof *an->split) : NULL;
        if ((an->coarse == TW_COARSE_ALLOCATE && !an->allocated) || (cw && !an->split)) {
            tw_crosswalk_free(cw);
            return EXIT_INTERNAL;
        }
        s = tw_cases_aggregate_ex(an->ctx, cases, an->areas, an->locator, ao, an->count,
                                  an->allocated, an->split, &an->agg);
        if (s) {
            tw_crosswalk_free(cw);
            return fail(an, s, "counting records per area");
        }
        bool moved = false;
        if (pass == 0 && (rc = cli_coarse_level_move(an, ao, &moved))) {
            tw_crosswalk_free(cw);
            return rc;
        }
        if (!moved)
            break;
    }
    ao->crosswalk = NULL;
    tw_crosswalk_free(cw);
    return EXIT_OK;
}

/* --by-source and --by-source-out (gistar, lisa, moran, scan, kde): set
   *on; refused with --public (per-source counts are small counts of their
   own) and --by-source-out without --by-source. */
int cli_by_source_opts(const cli_args *a, bool *on)
{
    *on = cli_flag(a, "by-source");
    if (*on && cli_flag(a, "public")) {
        fprintf(stderr, "tanaw: --by-source cannot be used with --public: per-source counts "
                        "would bypass the suppression of small counts\n");
        return EXIT_USAGE;
    }
    if (cli_get(a, "by-source-out") && !*on) {
        fprintf(stderr, "tanaw: --by-source-out needs --by-source\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* --by-source: count each source's records on the areas as place_counts did. */
static int count_by_source(cli_analysis *an, const tw_cases *cases, const cli_args *a)
{
    const char *names[64];
    size_t ns = tw_cases_sources(cases, names, 64);
    tw_aggregate_opts ao;
    tw_crosswalk *cw = NULL;
    int rc = cli_aggregate_opts(an, a, &ao);
    if (!rc)
        rc = cli_placement_opts(an, &ao, &cw);
    if (rc)
        return rc;
    size_t n = tw_areas_count(an->areas);
    for (size_t j = 0; j < ns && j < 64; j++) {
        if (!tw_source_in_filter(ao.source, names[j]))
            continue; /* --source: only those */
        size_t k = an->n_by_source;
        snprintf(an->source_name[k], sizeof an->source_name[k], "%s", names[j]);
        if (!(an->source_count[k] = calloc(n ? n : 1, sizeof(double)))) {
            tw_crosswalk_free(cw);
            return EXIT_INTERNAL;
        }
        an->n_by_source = k + 1;
        tw_aggregate_opts one = ao;
        one.source = names[j];
        tw_aggregate_report rep;
        tw_status s = tw_cases_aggregate(an->ctx, cases, an->areas, an->locator, &one,
                                         an->source_count[k], &rep);
        if (s) {
            tw_crosswalk_free(cw);
            return fail(an, s, "counting records per source");
        }
    }
    tw_crosswalk_free(cw);
    tw_ctx_clear_warnings(an->ctx); /* the same records' warnings, already given */
    return EXIT_OK;
}

int cli_load_counts(cli_analysis *an, const cli_args *a)
{
    size_t n = tw_areas_count(an->areas);
    an->count = calloc(n ? n : 1, sizeof *an->count);
    an->population = calloc(n ? n : 1, sizeof *an->population);
    if (!an->count || !an->population)
        return EXIT_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        double p = tw_areas_population(an->areas, i);
        an->population[i] = isnan(p) ? 0 : p;
    }
    tw_cases *cases = NULL;
    int rc = cli_read_records(an->ctx, a, &an->cases_report, &an->n_case_files, &cases);
    if (rc)
        return rc;
    tw_aggregate_opts ao;
    if ((rc = cli_aggregate_opts(an, a, &ao))) {
        tw_cases_free(cases);
        return rc;
    }
    tw_status s;
    bool any_polygon = false;
    for (size_t i = 0; i < tw_areas_count(an->areas) && !any_polygon; i++)
        any_polygon = tw_areas_has_polygon(an->areas, i);
    /* Areas given as points only (a CSV): records are placed by code. */
    if (!an->locator && any_polygon) {
        s = tw_locator_new(an->ctx, an->areas, &an->locator);
        if (s) {
            tw_cases_free(cases);
            return fail(an, s, "spatial index");
        }
    }
    rc = place_counts(an, cases, &ao);
    if (!rc && an->by_source) {
        cli_warnings(an->ctx, cli_quiet());
        rc = count_by_source(an, cases, a);
    }
    tw_cases_free(cases);
    if (rc)
        return rc;
    cli_warnings(an->ctx, cli_quiet());
    return EXIT_OK;
}

int cli_make_variable(cli_analysis *an, const cli_args *a)
{
    const char *r = cli_get(a, "rate");
    if (!r)
        r = "per:100000";
    an->rate_per = 100000;
    if (strcmp(r, "count") == 0) {
        an->rate_kind = TW_RATE_COUNT;
        an->rate_per = 1;
        snprintf(an->variable_label, sizeof an->variable_label, "case count");
    } else if (strncmp(r, "per:", 4) == 0 || strcmp(r, "eb") == 0 || strncmp(r, "eb:", 3) == 0) {
        an->rate_kind = r[0] == 'p' ? TW_RATE_PER : TW_RATE_EB;
        const char *num = strchr(r, ':');
        if (num && !cli_double("rate", num + 1, 1e-9, 1e12, &an->rate_per))
            return EXIT_USAGE;
        snprintf(an->variable_label, sizeof an->variable_label, "%scases per %.0f",
                 an->rate_kind == TW_RATE_EB ? "empirical Bayes " : "", an->rate_per);
    } else {
        fprintf(stderr, "tanaw: --rate: expected count, per:N, eb or eb:N, got '%s'\n", r);
        return EXIT_USAGE;
    }
    size_t n = tw_areas_count(an->areas);
    an->x = calloc(n ? n : 1, sizeof *an->x);
    if (!an->x)
        return EXIT_INTERNAL;
    tw_status s = tw_rate_compute(an->ctx, an->rate_kind, an->rate_per, an->count,
                                  an->population, n, an->x);
    if (s)
        return fail(an, s, "rate");
    return EXIT_OK;
}

int cli_make_weights(cli_analysis *an, const cli_args *a)
{
    const char *w = cli_get(a, "weights");
    if (!w)
        w = "knn:8";
    an->weights_text = w;
    tw_status s = tw_weights_spec_parse(an->ctx, w, &an->wspec);
    if (s) {
        cli_report(an->ctx, "--weights");
        return EXIT_USAGE;
    }
    s = tw_weights_build(an->ctx, an->areas, &an->wspec, &an->nb);
    if (s)
        return fail(an, s, "weights");
    cli_warnings(an->ctx, cli_quiet());
    return EXIT_OK;
}

int cli_analysis_prepare(cli_analysis *an, const cli_args *a)
{
    int rc;
    const char *r = cli_get(a, "rate");
    bool need_pop = !(r && strcmp(r, "count") == 0);
    if ((rc = cli_load_areas(an, a, need_pop)) || (rc = cli_load_counts(an, a)) ||
        (rc = cli_public_apply(an, a)) ||
        (rc = cli_make_variable(an, a)) || (rc = cli_make_weights(an, a)))
        return rc;
    cli_progress_done();
    return EXIT_OK;
}

void cli_analysis_free(cli_analysis *an)
{
    tw_weights_free(an->nb);
    tw_locator_free(an->locator);
    tw_areas_free(an->hierarchy);
    tw_areas_free(an->areas);
    free(an->count);
    free(an->population);
    free(an->x);
    free(an->allocated);
    free(an->split);
    for (size_t k = 0; k < an->n_by_source; k++)
        free(an->source_count[k]);
    tw_publication_free(an->ctx, an->pub);
    tw_ctx_free(an->ctx);
    memset(an, 0, sizeof *an);
}

void cli_analysis_print_inputs(const cli_analysis *an)
{
    if (an->pub) { /* only published totals leave a public run */
        cli_public_print_inputs(an);
        return;
    }
    const tw_aggregate_report *g = &an->agg;
    printf("areas: %zu %s areas\n", tw_areas_count(an->areas), tw_level_name(an->level));
    printf("records: %zu read, %zu accepted, %zu rejected\n", an->cases_report.rows_read,
           an->cases_report.rows_accepted, an->cases_report.rows_rejected);
    printf("placed: %zu of %zu records (%zu by code, %zu by coordinates, %zu snapped); "
           "%zu filtered out\n",
           g->placed, g->records, g->by_code, g->by_point, g->snapped, g->filtered_out);
    if (an->asked_level != TW_LEVEL_UNKNOWN)
        printf("analysed at %s level (--coarse level): %s was asked for, but some records "
               "are known only at %s level\n",
               tw_level_name(an->level), tw_level_name(an->asked_level),
               tw_level_name(an->level));
    if (g->coarser) {
        printf("known only at a coarser level (%s):",
               g->allocated ? "spread by population, --coarse allocate" : "not counted");
        for (int l = TW_LEVEL_REGION; l <= TW_LEVEL_BARANGAY; l++)
            if (g->coarser_by_level[l])
                printf(" %zu %s", g->coarser_by_level[l],
                       /* PSGC puts HUCs, NCR districts and SGAs at province level */
                       l == TW_LEVEL_PROVINCE ? "province (or HUC, NCR district, SGA)"
                                              : tw_level_name((tw_level)l));
        printf("\n");
    }
    if (g->imprecise)
        printf("coordinates too uncertain for %s level (uncertainty_m, CyberTipline rule): "
               "%zu records\n", tw_level_name(an->level), g->imprecise);
    if (g->allocated)
        printf("ALLOCATED: %zu records (count %.2f of %.2f) are not observed in the areas they "
               "are counted in: spread by population (per-area column 'allocated')\n",
               g->allocated, g->count_allocated, g->count_placed + g->count_allocated);
    else if (an->placement_applied && an->coarse == TW_COARSE_ALLOCATE && g->coarser)
        printf("allocated: none of the coarser records could be spread (no population or no "
               "area inside their unit)\n");
    if (an->to_version && an->placement_applied)
        printf("PSGC versions: %zu records recoded onto %s by the crosswalk, %zu of them split "
               "by its weights (per-area column 'crosswalk_split')\n",
               g->recoded, an->to_version, g->split);
    if (g->outside)
        printf("outside every area (not counted, see --snap): %zu\n", g->outside);
    if (g->unknown_code)
        printf("unknown PSGC codes (not counted): %zu\n", g->unknown_code);
    tw_weights_summary ws;
    if (an->nb && tw_weights_summarise(an->ctx, an->nb, &ws) == TW_OK)
        printf("weights %s: %zu links, mean %.2f neighbours (min %zu, max %zu), "
               "%zu without neighbours, %zu components\n",
               an->weights_text, ws.links, ws.mean_neighbours, ws.min_neighbours,
               ws.max_neighbours, ws.islands, ws.components);
}

/* ---- writing local results ---- */

typedef struct rank_item {
    size_t i;
    double z;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    double x = ((const rank_item *)a)->z, y = ((const rank_item *)b)->z;
    if (x != y)
        return x < y ? 1 : -1;
    size_t i = ((const rank_item *)a)->i, j = ((const rank_item *)b)->i;
    return (i > j) - (i < j);
}

/*
 * The map: classes (or quadrants) over the polygons, the five strongest
 * hotspots labelled by name, and a Metro Manila inset when a national map
 * holds NCR areas (they are too small to read at national scale).
 */
static int write_map(cli_analysis *an, const cli_args *a, const tw_local_result *r,
                     const char *title, const char *legend_kind, const rank_item *items,
                     size_t m, const char *map)
{
    char sub[512];
    const char *corr = cli_get(a, "correction");
    const char *perm = cli_get(a, "permutations");
    snprintf(sub, sizeof sub, "%s; weights %s; %s permutations; correction %s",
             an->variable_label, an->weights_text, perm ? perm : "999", corr ? corr : "fdr");
    size_t n = tw_areas_count(an->areas);
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    if (!labels)
        return EXIT_INTERNAL;
    for (size_t k = 0; k < m && k < 5; k++)
        labels[items[k].i] = tw_areas_name(an->areas, items[k].i);
    size_t ncr = 0;
    for (size_t i = 0; i < n; i++)
        ncr += strncmp(tw_areas_id(an->areas, i), "13", 2) == 0;
    tw_map_opts mo;
    memset(&mo, 0, sizeof mo);
    const char *mt = cli_get(a, "title");
    mo.title = mt ? mt : title;
    mo.subtitle = sub;
    mo.legend_kind = legend_kind;
    mo.labels = labels;
    if (ncr > 0 && ncr < n && an->level >= TW_LEVEL_MUNICIPALITY) {
        mo.inset[0] = 120.90;
        mo.inset[1] = 14.35;
        mo.inset[2] = 121.15;
        mo.inset[3] = 14.80;
        mo.inset_title = "Metro Manila";
    }
    int is_quadrant = strcmp(legend_kind, "quadrant") == 0;
    tw_status s = tw_map_write(an->ctx, an->areas, is_quadrant ? r->quadrant : r->cls, &mo, map);
    free(labels);
    cli_warnings(an->ctx, true);
    if (s) {
        cli_report(an->ctx, map);
        return s == TW_E_ARG ? EXIT_USAGE : EXIT_OUTPUT;
    }
    return EXIT_OK;
}

static int write_local_outputs(cli_analysis *an, const cli_args *a, const tw_local_result *r,
                               const char *title, const char *legend_kind, const tw_area_table *tab);

int cli_write_local(cli_analysis *an, const cli_args *a, const tw_local_result *r,
                    const char *title, const char *legend_kind,
                    const tw_extra_column *extra, size_t n_extra)
{
    tw_extra_column pub_extra[32];
    if (an->pub) { /* published counts, withheld rates, the suppressed flag */
        n_extra = cli_public_table(an, extra, n_extra, pub_extra, 32);
        extra = pub_extra;
    }
    tw_area_table t;
    memset(&t, 0, sizeof t);
    t.areas = an->areas;
    t.count = an->count;
    t.rate = an->x;
    t.statistic = r->stat;
    t.z = r->z;
    t.p = r->p;
    t.p_adjusted = r->p_adjusted;
    t.cls = r->cls;
    t.extra = extra;
    t.n_extra = n_extra;
    /* Flags of counts not observed whole on the area (--coarse allocate,
       crosswalk splits): in every per-area output, except a public one,
       where they would be counts of their own (public.c leaves such
       columns out too). NEEDSWORK: a public run's stdout (public.c) does
       not yet say that counts were allocated. */
    size_t n_areas = tw_areas_count(an->areas);
    if (an->pub && (an->allocated || an->split))
        cli_note("--public: columns allocated, allocated_count and crosswalk_split left out");
    tw_extra_column *all = malloc((n_extra + 3) * sizeof *all);
    double *share = an->allocated ? malloc((n_areas ? n_areas : 1) * sizeof *share) : NULL;
    if (!all || (an->allocated && !share)) {
        free(all);
        free(share);
        return EXIT_INTERNAL;
    }
    if (n_extra)
        memcpy(all, extra, n_extra * sizeof *all);
    size_t ne = n_extra;
    if (an->allocated && !an->pub) {
        for (size_t i = 0; i < n_areas; i++)
            share[i] = an->count[i] > 0 ? an->allocated[i] / an->count[i] : 0;
        all[ne++] = (tw_extra_column){"allocated", share, NULL};
        all[ne++] = (tw_extra_column){"allocated_count", an->allocated, NULL};
    }
    if (an->split && !an->pub)
        all[ne++] = (tw_extra_column){"crosswalk_split", an->split, NULL};
    t.extra = all;
    t.n_extra = ne;
    int rc = write_local_outputs(an, a, r, title, legend_kind, &t);
    free(all);
    free(share);
    return rc;
}

static int write_local_outputs(cli_analysis *an, const cli_args *a, const tw_local_result *r,
                               const char *title, const char *legend_kind, const tw_area_table *tab)
{
    tw_area_table t = *tab;
    tw_status s;
    const char *out = cli_get(a, "out");
    if (out && (s = tw_table_write_csv(an->ctx, &t, out))) {
        cli_report(an->ctx, out);
        return EXIT_OUTPUT;
    }
    const char *gj = cli_get(a, "geojson");
    if (gj && (s = tw_table_write_geojson(an->ctx, &t, gj))) {
        cli_report(an->ctx, gj);
        return EXIT_OUTPUT;
    }
    const char *map = cli_get(a, "map");
    /* Top hotspots on stdout. */
    long top = 10;
    const char *tp = cli_get(a, "top");
    if (tp && !cli_int("top", tp, 0, 1000000, &top))
        return EXIT_USAGE;
    size_t n = r->n;
    rank_item *items = malloc((n ? n : 1) * sizeof *items);
    if (!items)
        return EXIT_INTERNAL;
    size_t m = 0, hot = 0, cold = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->cls[i] > 0)
            hot++;
        if (r->cls[i] < 0)
            cold++;
        if (r->cls[i] > 0 && (!r->quadrant || r->quadrant[i] == 1))
            items[m++] = (rank_item){i, r->z[i]};
    }
    qsort(items, m, sizeof *items, cmp_rank);
    if (map) {
        int rc = write_map(an, a, r, title, legend_kind, items, m, map);
        if (rc) {
            free(items);
            return rc;
        }
    }
    printf("significant: %zu hot, %zu cold of %zu areas\n", hot, cold, n);
    if (top > 0 && m > 0) {
        printf("top hotspots:\n%4s  %-10s  %-34s %8s %12s %10s %8s %10s  %s\n", "rank", "id", "name",
               "count", "population", "rate", "z", "p_adj", "class");
        for (size_t k = 0; k < m && k < (size_t)top; k++) {
            size_t i = items[k].i;
            printf("%4zu  %-10s  %-34.34s %8.0f %12.0f %10.2f %8.3f %10.3g  %s\n", k + 1,
                   tw_areas_id(an->areas, i), tw_areas_name(an->areas, i), an->count[i],
                   an->population[i], an->x[i], r->z[i], r->p_adjusted[i],
                   r->quadrant ? tw_quadrant_label(r->quadrant[i]) : tw_class_label(r->cls[i]));
        }
    } else if (top > 0) {
        printf("no significant hotspot\n");
    }
    free(items);
    if (out)
        cli_note("wrote %s", out);
    if (gj)
        cli_note("wrote %s", gj);
    if (map)
        cli_note("wrote %s", map);
    return EXIT_OK;
}
