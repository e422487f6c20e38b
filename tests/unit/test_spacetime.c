/*
 * test_spacetime.c: Mann-Kendall, Sen's slope, time steps and emerging
 * hot spots.
 *  - Mann-Kendall and Sen on hand-computed series and against the R
 *    goldens of tests/golden/spacetime (make_goldens.R: textbook formulas
 *    checked against cor.test), NaN handling, errors;
 *  - calendar steps (counts, starts, labels, leap years) against
 *    tw_date_parse; the cube of counts (steps, filters, report, totals
 *    equal to tw_cases_aggregate);
 *  - the 17 categories on hand-made significance series, with the
 *    tie-breaking rules of docs/emerging.md;
 *  - space-time Gi*, FDR, trends and categories against spdep::localG on
 *    the flattened cube (tests/golden/spacetime/cube*.csv);
 *  - space-time Gi* against a brute-force re-implementation that builds
 *    each bin's neighbourhood from the definition, a planted emerging
 *    cluster, invariance under relabelling the areas and under the thread
 *    count, bad input and failed allocations.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tanaw/tanaw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- Mann-Kendall ---------------- */

static void test_mk_hand(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_mk_result r;
    /* 1..5: every pair concordant, S = 10, Var = 5*4*15/18, z = 9/sqrt(Var) */
    double up[] = {1, 2, 3, 4, 5};
    CHECK_OK(ctx, tw_mann_kendall(ctx, up, 5, &r));
    CHECK_EQ_INT(r.n, 5);
    CHECK_NEAR(r.s, 10, 0);
    CHECK_NEAR(r.var_s, 300.0 / 18, 1e-15);
    CHECK_NEAR(r.z, 9 / sqrt(300.0 / 18), 1e-15);
    CHECK_NEAR(r.p, erfc(9 / sqrt(300.0 / 18) / sqrt(2.0)), 1e-15);
    CHECK_NEAR(r.tau, 1, 1e-15);
    CHECK_NEAR(r.sen_slope, 1, 1e-15);
    /* 2 2 1: S = 0 - 1 - 1 = -2; one tie of 2: Var = (3*2*11 - 2*1*9)/18 = 48/18;
     * tau = -2 / sqrt((3 - 1) * 3); slopes 0, -1/2, -1 -> median -1/2 */
    double t3[] = {2, 2, 1};
    CHECK_OK(ctx, tw_mann_kendall(ctx, t3, 3, &r));
    CHECK_NEAR(r.s, -2, 0);
    CHECK_NEAR(r.var_s, 48.0 / 18, 1e-15);
    CHECK_NEAR(r.z, -1 / sqrt(48.0 / 18), 1e-15);
    CHECK_NEAR(r.tau, -2 / sqrt(6.0), 1e-15);
    CHECK_NEAR(r.sen_slope, -0.5, 1e-15);
    /* NaN skipped, positions kept: 1 _ 3 2 -> S = 1, slopes 1, 1/3, -1 */
    double gap[] = {1, NAN, 3, 2};
    CHECK_OK(ctx, tw_mann_kendall(ctx, gap, 4, &r));
    CHECK_EQ_INT(r.n, 3);
    CHECK_NEAR(r.s, 1, 0);
    CHECK_NEAR(r.var_s, 66.0 / 18, 1e-15);
    CHECK_NEAR(r.z, 0, 0);
    CHECK_NEAR(r.p, 1, 0);
    CHECK_NEAR(r.sen_slope, 1.0 / 3, 1e-15);
    /* all equal: no variance, z and p NaN, slope 0 */
    double flat[] = {4, 4, 4, 4};
    CHECK_OK(ctx, tw_mann_kendall(ctx, flat, 4, &r));
    CHECK(isnan(r.z) && isnan(r.p) && isnan(r.tau));
    CHECK_NEAR(r.sen_slope, 0, 0);
    /* a straight line a + b t: Sen gives b exactly, with any even count */
    double line[40];
    for (int i = 0; i < 40; i++)
        line[i] = 3.5 - 0.25 * i;
    CHECK_OK(ctx, tw_mann_kendall(ctx, line, 40, &r));
    CHECK_NEAR(r.sen_slope, -0.25, 1e-15);
    CHECK_NEAR(r.tau, -1, 1e-15);
    /* errors */
    double one[] = {1, NAN};
    CHECK(tw_mann_kendall(ctx, one, 2, &r) == TW_E_EMPTY);
    double inf[] = {1, INFINITY, 2};
    CHECK(tw_mann_kendall(ctx, inf, 3, &r) == TW_E_DOMAIN);
    CHECK(strstr(tw_ctx_error(ctx)->message, "infinite") != NULL);
    tw_ctx_free(ctx);
}

/* Read a small CSV into rows of fields (test helper, trusting input). */
static const char *golden(const char *name)
{
    static char buf[4096];
    const char *src = getenv("TANAW_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/tests/golden/spacetime/%s", src ? src : "..", name);
    return buf;
}

static void test_mk_golden(void)
{
    char *ser = harness_read(golden("mk_series.csv"), NULL);
    char *exp = harness_read(golden("mk_expected.csv"), NULL);
    CHECK(ser && exp);
    if (!ser || !exp) {
        free(ser);
        free(exp);
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    int checked = 0;
    char *save = NULL;
    char *line = strtok_r(exp, "\n", &save); /* header */
    while ((line = strtok_r(NULL, "\n", &save))) {
        char id[64];
        double v[7];
        char *comma = strchr(line, ',');
        size_t il = (size_t)(comma - line);
        memcpy(id, line, il);
        id[il] = 0;
        char *p = comma + 1;
        for (int k = 0; k < 7; k++) {
            v[k] = strtod(p, &p);
            if (*p == ',')
                p++;
        }
        /* collect the series with this id */
        double x[256];
        size_t n = 0;
        char *s2 = NULL, *copy = strdup(ser);
        char *l2 = strtok_r(copy, "\n", &s2);
        while ((l2 = strtok_r(NULL, "\n", &s2))) {
            char *c2 = strchr(l2, ',');
            if ((size_t)(c2 - l2) == il && strncmp(l2, id, il) == 0) {
                char *c3 = strchr(c2 + 1, ',');
                x[n++] = strtod(c3 + 1, NULL);
            }
        }
        free(copy);
        tw_mk_result r;
        CHECK_OK(ctx, tw_mann_kendall(ctx, x, n, &r));
        CHECK_EQ_INT(r.n, (long long)v[0]);
        CHECK_NEAR(r.s, v[1], 0);
        CHECK_NEAR(r.var_s, v[2], 1e-13);
        CHECK_NEAR(r.z, v[3], 1e-13);
        CHECK_NEAR(r.p, v[4], 1e-13);
        CHECK_NEAR(r.tau, v[5], 1e-13);
        CHECK_NEAR(r.sen_slope, v[6], 1e-13);
        checked++;
    }
    CHECK_EQ_INT(checked, 9);
    tw_ctx_free(ctx);
    free(ser);
    free(exp);
}


/* spdep::localG on the flattened cube with space-time neighbours, BH over
 * all bins, Mann-Kendall and the categories written again in R
 * (make_goldens.R): a 5 x 4 rook lattice, 12 steps, K = 1. */
static void test_cube_golden(void)
{
    char *cube = harness_read(golden("cube.csv"), NULL), *areas = harness_read(golden("cube_areas.csv"), NULL);
    CHECK(cube && areas);
    if (!cube || !areas) {
        free(cube);
        free(areas);
        return;
    }
    enum { NR = 4, NC = 5, N = 20, T = 12 };
    double x[N * T], z[N * T], pa[N * T];
    char *save = NULL, *line = strtok_r(cube, "\n", &save);
    int rows = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *p = line;
        long st = strtol(p, &p, 10), ar = strtol(p + 1, &p, 10);
        size_t b = (size_t)st * N + (size_t)ar;
        x[b] = strtod(p + 1, &p);
        z[b] = strtod(p + 1, &p);
        pa[b] = strtod(p + 1, &p);
        rows++;
    }
    CHECK_EQ_INT(rows, N * T);
    size_t rowptr[N + 1];
    int32_t col[4 * N];
    size_t e = 0;
    rowptr[0] = 0;
    for (int i = 0; i < N; i++) {
        int r = i / NC, c = i % NC;
        for (int j = 0; j < N; j++)
            if (abs(j / NC - r) + abs(j % NC - c) == 1)
                col[e++] = j;
        rowptr[i + 1] = e;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_weights *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, N, rowptr, col, NULL, &w));
    tw_emerging_opts o = {.time_neighbours = 1, .alpha = 0.05, .correction = TW_CORRECT_FDR};
    tw_emerging_result *r = NULL;
    CHECK_OK(ctx, tw_emerging_compute(ctx, w, x, T, &o, &r));
    if (r) {
        for (size_t b = 0; b < N * T; b++) {
            CHECK_NEAR(r->z[b], z[b], 1e-12);
            CHECK_NEAR(r->p_adjusted[b], pa[b], 1e-12);
        }
        save = NULL;
        line = strtok_r(areas, "\n", &save);
        int na = 0, cats = 0;
        while ((line = strtok_r(NULL, "\n", &save))) {
            char *p = line;
            long i = strtol(p, &p, 10);
            double tz = strtod(p + 1, &p), tp = strtod(p + 1, &p);
            long hot = strtol(p + 1, &p, 10), cold = strtol(p + 1, &p, 10);
            long cat = strtol(p + 1, &p, 10);
            CHECK_NEAR(r->trend_z[i], tz, 1e-10);
            CHECK_NEAR(r->trend_p[i], tp, 1e-10);
            CHECK_EQ_INT(r->hot_steps[i], hot);
            CHECK_EQ_INT(r->cold_steps[i], cold);
            CHECK_EQ_INT(r->category[i], cat);
            cats |= 1 << (cat + 8);
            na++;
        }
        CHECK_EQ_INT(na, N);
        CHECK(__builtin_popcount((unsigned)cats) >= 3);
    }
    tw_emerging_result_free(ctx, r);
    tw_weights_free(w);
    tw_ctx_free(ctx);
    free(cube);
    free(areas);
}

/* ---------------- time steps ---------------- */

static int32_t day(const char *s)
{
    int32_t d = 0;
    tw_status st = tw_date_parse(s, strlen(s), &d);
    CHECK(st == TW_OK);
    return d;
}

static void test_steps(void)
{
    int32_t from = day("2021-01-15"), to = day("2024-12-31");
    CHECK_EQ_INT(tw_step_count(TW_STEP_MONTH, from, to), 48);
    CHECK_EQ_INT(tw_step_count(TW_STEP_QUARTER, from, to), 16);
    CHECK_EQ_INT(tw_step_count(TW_STEP_YEAR, from, to), 4);
    CHECK_EQ_INT(tw_step_count(TW_STEP_MONTH, to, from), 0);
    CHECK_EQ_INT(tw_step_count(TW_STEP_MONTH, from, from), 1);
    /* weeks are 7-day blocks from --from: 14 days = 2, 15 days = 3 */
    CHECK_EQ_INT(tw_step_count(TW_STEP_WEEK, day("2024-01-01"), day("2024-01-14")), 2);
    CHECK_EQ_INT(tw_step_count(TW_STEP_WEEK, day("2024-01-01"), day("2024-01-15")), 3);
    CHECK_EQ_INT(tw_step_start(TW_STEP_MONTH, from, 0), day("2021-01-01"));
    CHECK_EQ_INT(tw_step_start(TW_STEP_MONTH, from, 13), day("2022-02-01"));
    CHECK_EQ_INT(tw_step_start(TW_STEP_QUARTER, day("2023-05-20"), 3), day("2024-01-01"));
    CHECK_EQ_INT(tw_step_start(TW_STEP_YEAR, from, 3), day("2024-01-01"));
    CHECK_EQ_INT(tw_step_start(TW_STEP_WEEK, day("2024-02-26"), 1), day("2024-03-04"));
    char b[16];
    tw_step_label(TW_STEP_MONTH, from, 13, b);
    CHECK(strcmp(b, "2022-02") == 0);
    tw_step_label(TW_STEP_QUARTER, from, 6, b);
    CHECK(strcmp(b, "2022-Q3") == 0);
    tw_step_label(TW_STEP_YEAR, from, 2, b);
    CHECK(strcmp(b, "2023") == 0);
    tw_step_label(TW_STEP_WEEK, day("2024-02-26"), 1, b);
    CHECK(strcmp(b, "2024-03-04") == 0);
    /* every month start from 1899 to 2101 equals the parsed date (leap years, centuries) */
    int32_t f0 = day("1899-12-03");
    for (size_t k = 0; k < 12 * 202; k++) {
        char lab[16], full[32];
        tw_step_label(TW_STEP_MONTH, f0, k, lab);
        snprintf(full, sizeof full, "%s-01", lab);
        if (tw_step_start(TW_STEP_MONTH, f0, k) != day(full)) {
            CHECK(!"month start differs from tw_date_parse");
            break;
        }
        /* the last day of each step belongs to it, the next day does not */
        int32_t last = tw_step_start(TW_STEP_MONTH, f0, k + 1) - 1;
        CHECK_EQ_INT(tw_step_count(TW_STEP_MONTH, f0, last), k + 1);
    }
    tw_step st;
    CHECK(tw_step_parse("quarter", &st) == TW_OK && st == TW_STEP_QUARTER);
    CHECK(tw_step_parse("fortnight", &st) == TW_E_ARG);
    CHECK(strcmp(tw_step_name(TW_STEP_WEEK), "week") == 0);
}


/* The cube of counts: steps cut at calendar months, records outside the
 * period filtered once, placement as tw_cases_aggregate, warnings once. */
static void test_cube_count(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *acsv = harness_write("areas.csv",
        "psgc,name,lon,lat,pop2020\n"
        "0702201000,A,123.44,9.96,1000\n"
        "0702202000,B,123.50,10.00,2000\n"
        "0702203000,C,123.60,10.10,3000\n");
    const char *ccsv = harness_write("cube_cases.csv",
        "case_id,report_date,source,psgc,children\n"
        "c1,2024-01-10,NBI,0702201000,1\n"
        "c2,2024-01-15,NBI,0702201000,2\n"
        "c3,2024-01-31,PNP,0702202000,1\n"
        "c4,2024-02-01,NBI,0702201000,3\n"
        "c5,2024-02-29,NBI,0702203000,1\n"
        "c6,2024-03-31,NBI,0702203000,1\n"
        "c7,2024-04-01,NBI,0702201000,1\n"
        "c8,2024-03-15,NBI,0702299000,1\n");
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, acsv, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));
    tw_cases *c = NULL;
    tw_cases_read_opts ro = {.rejects_path = harness_tmp("rej.csv"), .max_day = 30000};
    tw_read_report rr;
    CHECK_OK(ctx, tw_cases_read_csv(ctx, ccsv, &ro, &c, &rr));
    CHECK_EQ_INT(rr.rows_accepted, 8);
    int32_t from = day("2024-01-15"), to = day("2024-03-31");
    double counts[9];
    tw_aggregate_opts ao;
    memset(&ao, 0, sizeof ao);
    tw_aggregate_report rep;
    tw_ctx_clear_warnings(ctx);
    CHECK_OK(ctx, tw_cube_count(ctx, c, a, NULL, &ao, TW_STEP_MONTH, from, to, counts, &rep));
    double want[9] = {1, 1, 0, 1, 0, 1, 0, 0, 1};
    for (int b = 0; b < 9; b++)
        CHECK_NEAR(counts[b], want[b], 0);
    CHECK_EQ_INT(rep.records, 6);
    CHECK_EQ_INT(rep.placed, 5);
    CHECK_EQ_INT(rep.unknown_code, 1);
    CHECK_EQ_INT(rep.filtered_out, 2);
    CHECK_EQ_INT(rep.records + rep.filtered_out, 8);
    /* one line for the whole period, not one per step */
    size_t lines = 0;
    for (size_t i = 0; i < tw_ctx_warning_count(ctx); i++)
        lines += strstr(tw_ctx_warning(ctx, i), "not placed") != NULL;
    CHECK_EQ_INT(lines, 1);
    for (size_t i = 0; i < tw_ctx_warning_count(ctx); i++)
        if (strstr(tw_ctx_warning(ctx, i), "not placed"))
            CHECK(strstr(tw_ctx_warning(ctx, i), "cube: 1 of 6 records in the period not placed: 0 "
                                                 "outside every area, 0 known only above the "
                                                 "analysis level, 1 with a code not in the geography"));
    for (size_t i = 0; i < tw_ctx_warning_count(ctx); i++)
        for (size_t j = i + 1; j < tw_ctx_warning_count(ctx); j++)
            CHECK(strcmp(tw_ctx_warning(ctx, i), tw_ctx_warning(ctx, j)) != 0);
    /* children and a source filter, by quarter: one step */
    ao.weight_children = 1;
    ao.source = "nbi";
    CHECK_OK(ctx, tw_cube_count(ctx, c, a, NULL, &ao, TW_STEP_QUARTER, from, to, counts, &rep));
    CHECK_NEAR(counts[0], 5, 0); /* c2 + c4 */
    CHECK_NEAR(counts[1], 0, 0); /* c3 is PNP */
    CHECK_NEAR(counts[2], 2, 0);
    CHECK_EQ_INT(rep.filtered_out, 3);
    /* the totals equal tw_cases_aggregate over the same period */
    double tot[3];
    tw_aggregate_opts ag = ao;
    ag.from_day = from;
    ag.to_day = to;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, NULL, &ag, tot, NULL));
    for (int i = 0; i < 3; i++)
        CHECK_NEAR(tot[i], counts[i], 0);
    CHECK(tw_cube_count(ctx, c, a, NULL, &ao, TW_STEP_MONTH, to, from, counts, &rep) == TW_E_ARG);
    tw_cases_free(c);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* ---------------- categories ---------------- */

static int cat(const char *pattern, double tz, double tp)
{
    int sig[64];
    size_t T = strlen(pattern);
    for (size_t k = 0; k < T; k++)
        sig[k] = pattern[k] == 'H' ? 1 : pattern[k] == 'C' ? -1 : 0;
    return tw_emerging_category(sig, T, tz, tp, 0.05);
}

static void test_categories(void)
{
    /* 10 steps: ninety percent is 9 bins. '.' not significant, H hot, C cold. */
    CHECK_EQ_INT(cat("..........", 0, 1), TW_EHS_NONE);
    CHECK_EQ_INT(cat(".........H", 0, 1), TW_EHS_NEW);
    CHECK_EQ_INT(cat(".......HHH", 0, 1), TW_EHS_CONSECUTIVE);
    CHECK_EQ_INT(cat("HHHHHHHHHH", 3, 0.001), TW_EHS_INTENSIFYING);
    CHECK_EQ_INT(cat("HHHHHHHHHH", 0.5, 0.6), TW_EHS_PERSISTENT);
    CHECK_EQ_INT(cat("HHHHHHHHHH", -3, 0.001), TW_EHS_DIMINISHING);
    CHECK_EQ_INT(cat(".H..H....H", 0, 1), TW_EHS_SPORADIC);
    CHECK_EQ_INT(cat("C........H", 0, 1), TW_EHS_OSCILLATING);
    CHECK_EQ_INT(cat("HHHHHHHHH.", -3, 0.001), TW_EHS_HISTORICAL);
    CHECK_EQ_INT(cat(".........C", 0, 1), -TW_EHS_NEW);
    CHECK_EQ_INT(cat("........CC", 0, 1), -TW_EHS_CONSECUTIVE);
    CHECK_EQ_INT(cat("CCCCCCCCCC", -3, 0.001), -TW_EHS_INTENSIFYING);
    CHECK_EQ_INT(cat("CCCCCCCCCC", 1, 0.2), -TW_EHS_PERSISTENT);
    CHECK_EQ_INT(cat("CCCCCCCCCC", 3, 0.001), -TW_EHS_DIMINISHING);
    CHECK_EQ_INT(cat("C.C......C", 0, 1), -TW_EHS_SPORADIC);
    CHECK_EQ_INT(cat("..H......C", 0, 1), -TW_EHS_OSCILLATING);
    CHECK_EQ_INT(cat("CCCCCCCCC.", 3, 0.001), -TW_EHS_HISTORICAL);
    /* boundaries of the ninety percent rule and the tie-breaks */
    CHECK_EQ_INT(cat(".HHHHHHHHH", 0, 1), TW_EHS_PERSISTENT);   /* 9/10 hot, final run */
    CHECK_EQ_INT(cat("..HHHHHHHH", 0, 1), TW_EHS_CONSECUTIVE);  /* 8/10: < 90 % */
    CHECK_EQ_INT(cat("H.HHHHHHHH", 4, 0.0001), TW_EHS_INTENSIFYING);
    CHECK_EQ_INT(cat("HHHHHHHH..", 0, 1), TW_EHS_NONE);         /* 8/10, last not hot */
    CHECK_EQ_INT(cat("HHHHHHHHHC", 0, 1), -TW_EHS_OSCILLATING); /* the last step decides */
    CHECK_EQ_INT(cat("C..HH....H", 0, 1), TW_EHS_OSCILLATING);  /* cold history wins over sporadic */
    CHECK_EQ_INT(cat("H.......HH", 0, 1), TW_EHS_SPORADIC);     /* hot before the final run */
    CHECK_EQ_INT(cat("HHHHHHHHHH", 3, 0.06), TW_EHS_PERSISTENT); /* trend not significant */
    CHECK_EQ_INT(cat("HHHHHHHHHH", NAN, NAN), TW_EHS_PERSISTENT);
    CHECK_EQ_INT(cat("H", 0, 1), TW_EHS_PERSISTENT);            /* 1 step: 100 % */
    CHECK(strcmp(tw_emerging_label(TW_EHS_OSCILLATING), "oscillating hot spot") == 0);
    CHECK(strcmp(tw_emerging_label(-TW_EHS_HISTORICAL), "historical cold spot") == 0);
    CHECK(strcmp(tw_emerging_label(0), "no pattern detected") == 0);
    /* every one of the 17 labels is distinct */
    for (int a = -8; a <= 8; a++)
        for (int b = a + 1; b <= 8; b++)
            CHECK(strcmp(tw_emerging_label(a), tw_emerging_label(b)) != 0);
}

/* ---------------- space-time Gi* ---------------- */

static uint64_t lcg = 88172645463325252ull;
static double unif(void)
{
    lcg ^= lcg << 13;
    lcg ^= lcg >> 7;
    lcg ^= lcg << 17;
    return (double)(lcg >> 11) * 0x1.0p-53;
}

/* z of bin (i, t) from the definition: neighbourhood = {i} u N(i) at steps t-K..t. */
static double brute_z(const tw_weights *w, const double *x, size_t n, size_t T, size_t K,
                      size_t i, size_t t)
{
    size_t N = n * T;
    double mean = 0, m2 = 0;
    for (size_t b = 0; b < N; b++)
        mean += x[b];
    mean /= (double)N;
    for (size_t b = 0; b < N; b++)
        m2 += (x[b] - mean) * (x[b] - mean);
    double L = 0, W = 0, S1 = 0;
    for (size_t s = (t >= K ? t - K : 0); s <= t; s++) {
        L += x[s * n + i];
        W += 1;
        S1 += 1;
        const int32_t *nb;
        const double *wt;
        size_t k = tw_weights_row(w, i, &nb, &wt);
        for (size_t e = 0; e < k; e++) {
            L += wt[e] * x[s * n + (size_t)nb[e]];
            W += wt[e];
            S1 += wt[e] * wt[e];
        }
    }
    double dn = (double)N;
    double var = (m2 / dn) * (dn * S1 - W * W) / (dn - 1);
    return (L - W * mean) / sqrt(var);
}

static tw_weights *random_graph(tw_ctx *ctx, size_t n, int k, int weighted)
{
    size_t *rowptr = malloc((n + 1) * sizeof *rowptr);
    int32_t *col = malloc(n * (size_t)k * sizeof *col);
    double *wt = malloc(n * (size_t)k * sizeof *wt);
    rowptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t base = i * (size_t)k;
        for (int t = 0; t < k;) {
            int32_t j = (int32_t)(unif() * (double)n);
            int dup = (size_t)j == i;
            for (int u = 0; u < t; u++)
                dup |= col[base + (size_t)u] == j;
            if (!dup) {
                wt[base + (size_t)t] = weighted ? 0.5 + unif() : 1.0;
                col[base + (size_t)t++] = j;
            }
        }
        rowptr[i + 1] = base + (size_t)k;
    }
    tw_weights *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, n, rowptr, col, wt, &w));
    free(rowptr);
    free(col);
    free(wt);
    return w;
}

static void test_gistar_cube_brute(void)
{
    tw_ctx *ctx = tw_ctx_new();
    for (int weighted = 0; weighted <= 1; weighted++) {
        for (int K = 0; K <= 3; K++) {
            size_t n = 25, T = 7;
            tw_weights *w = random_graph(ctx, n, 4, weighted);
            double x[25 * 7];
            for (size_t b = 0; b < n * T; b++)
                x[b] = (double)(int)(unif() * 6);
            tw_emerging_opts o = {.time_neighbours = K, .alpha = 0.05,
                                  .correction = TW_CORRECT_NONE};
            tw_emerging_result *r = NULL;
            CHECK_OK(ctx, tw_emerging_compute(ctx, w, x, T, &o, &r));
            if (!r) {
                tw_weights_free(w);
                continue;
            }
            for (size_t t = 0; t < T; t++)
                for (size_t i = 0; i < n; i++) {
                    CHECK_NEAR(r->z[t * n + i], brute_z(w, x, n, T, (size_t)K, i, t), 1e-12);
                    CHECK_NEAR(r->p_adjusted[t * n + i], r->p[t * n + i], 0);
                }
            /* per-area summaries agree with the bins */
            for (size_t i = 0; i < n; i++) {
                int nh = 0;
                int sig[7];
                double zs[7];
                for (size_t t = 0; t < T; t++) {
                    size_t b = t * n + i;
                    sig[t] = r->p_adjusted[b] <= 0.05 ? (r->z[b] > 0 ? 1 : -1) : 0;
                    nh += sig[t] > 0;
                    zs[t] = r->z[b];
                }
                CHECK_EQ_INT(r->hot_steps[i], nh);
                CHECK_NEAR(r->last_z[i], zs[T - 1], 0);
                tw_mk_result m;
                CHECK_OK(ctx, tw_mann_kendall(ctx, zs, T, &m));
                CHECK_NEAR(r->trend_z[i], m.z, 0);
                CHECK_EQ_INT(r->category[i],
                             tw_emerging_category(sig, T, m.z, m.p, 0.05));
            }
            tw_emerging_result_free(ctx, r);
            tw_weights_free(w);
        }
    }
    tw_ctx_free(ctx);
}


/* Properties: relabelling the areas permutes the results and nothing else;
 * 1 and 2 threads give identical results. */
static void test_reorder_threads(void)
{
    tw_ctx *ctx = tw_ctx_new();
    size_t n = 40, T = 9;
    tw_weights *w = random_graph(ctx, n, 5, 0);
    size_t perm[40], inv[40];
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(unif() * (double)(i + 1));
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        inv[perm[i]] = i; /* old area i is new area inv[i] */
    /* the same graph under the new labels */
    size_t rowptr[41];
    int32_t col[200];
    size_t e = 0;
    rowptr[0] = 0;
    for (size_t k = 0; k < n; k++) {
        const int32_t *nb;
        const double *wt;
        size_t m = tw_weights_row(w, perm[k], &nb, &wt);
        for (size_t t = 0; t < m; t++)
            col[e++] = (int32_t)inv[nb[t]];
        rowptr[k + 1] = e;
    }
    tw_weights *w2 = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, n, rowptr, col, NULL, &w2));
    double x[40 * 9], x2[40 * 9];
    for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < n; i++) {
            double v = (double)(int)(unif() * 4) + (i < 6 && t > 4 ? 6 : 0);
            x[t * n + i] = v;
            x2[t * n + inv[i]] = v;
        }
    tw_emerging_opts o = {.time_neighbours = 2, .correction = TW_CORRECT_FDR};
    tw_emerging_result *r1 = NULL, *r2 = NULL, *r3 = NULL;
    tw_ctx_set_threads(ctx, 1);
    CHECK_OK(ctx, tw_emerging_compute(ctx, w, x, T, &o, &r1));
    CHECK_OK(ctx, tw_emerging_compute(ctx, w2, x2, T, &o, &r2));
    tw_ctx_set_threads(ctx, 2);
    CHECK_OK(ctx, tw_emerging_compute(ctx, w, x, T, &o, &r3));
    if (r1 && r2 && r3) {
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            for (size_t t = 0; t < T; t++) {
                CHECK_NEAR(r2->z[t * n + inv[i]], r1->z[t * n + i], 1e-12);
                CHECK_NEAR(r2->p_adjusted[t * n + inv[i]], r1->p_adjusted[t * n + i], 1e-12);
                CHECK(memcmp(&r3->z[t * n + i], &r1->z[t * n + i], sizeof(double)) == 0);
            }
            CHECK_EQ_INT(r2->category[inv[i]], r1->category[i]);
            CHECK_EQ_INT(r3->category[i], r1->category[i]);
            CHECK(memcmp(&r3->count_sen[i], &r1->count_sen[i], sizeof(double)) == 0);
            any |= r1->category[i] != 0;
        }
        CHECK(any);
    }
    tw_emerging_result_free(ctx, r1);
    tw_emerging_result_free(ctx, r2);
    tw_emerging_result_free(ctx, r3);
    tw_weights_free(w);
    tw_weights_free(w2);
    tw_ctx_free(ctx);
}

/* A 12 x 12 lattice (rook), 16 months; a 3 x 3 block starts reporting many
 * cases from month 11 on, another block is high all along. */
static void test_planted(void)
{
    tw_ctx *ctx = tw_ctx_new();
    size_t side = 12, n = side * side, T = 16;
    size_t *rowptr = malloc((n + 1) * sizeof *rowptr);
    int32_t *col = malloc(4 * n * sizeof *col);
    size_t e = 0;
    rowptr[0] = 0;
    for (size_t r = 0; r < side; r++)
        for (size_t c = 0; c < side; c++) {
            if (r > 0)
                col[e++] = (int32_t)((r - 1) * side + c);
            if (c > 0)
                col[e++] = (int32_t)(r * side + c - 1);
            if (c + 1 < side)
                col[e++] = (int32_t)(r * side + c + 1);
            if (r + 1 < side)
                col[e++] = (int32_t)((r + 1) * side + c);
            rowptr[r * side + c + 1] = e;
        }
    tw_weights *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, n, rowptr, col, NULL, &w));
    double *x = malloc(n * T * sizeof *x);
    for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < n; i++) {
            size_t r = i / side, c = i % side;
            double v = (double)(int)(unif() * 3);
            if (t >= 11 && r >= 2 && r <= 4 && c >= 2 && c <= 4)
                v += 12;
            if (r >= 8 && r <= 10 && c >= 8 && c <= 10)
                v += 8;
            x[t * n + i] = v;
        }
    tw_emerging_opts o = {.time_neighbours = 1, .correction = TW_CORRECT_FDR};
    tw_emerging_result *res = NULL;
    CHECK_OK(ctx, tw_emerging_compute(ctx, w, x, T, &o, &res));
    if (res) {
        int centre = res->category[3 * side + 3];
        CHECK(centre == TW_EHS_CONSECUTIVE || centre == TW_EHS_NEW);
        /* hot all along; with one time neighbour the first step sees half the
         * neighbourhood, so its z is lower and the trend may come out rising */
        int steady = res->category[9 * side + 9];
        CHECK(steady == TW_EHS_PERSISTENT || steady == TW_EHS_INTENSIFYING);
        CHECK_EQ_INT(res->hot_steps[9 * side + 9], 16);
        CHECK(res->z[9 * side + 9] < res->z[5 * n + 9 * side + 9]);
        /* the far corner: nothing hot */
        CHECK(res->category[0 * side + 11] <= 0);
        CHECK(res->count_sen[3 * side + 3] > 0);
        CHECK(res->count_tau[3 * side + 3] > 0.3);
        for (size_t b = 0; b < n * T; b++)
            CHECK(res->p_adjusted[b] >= res->p[b] && res->p[b] > 0 && res->p[b] <= 1);
    }
    tw_emerging_result_free(ctx, res);
    res = NULL;
    /* without time neighbours there is no start effect: persistent */
    o.time_neighbours = 0;
    CHECK_OK(ctx, tw_emerging_compute(ctx, w, x, T, &o, &res));
    if (res) {
        CHECK_EQ_INT(res->category[9 * side + 9], TW_EHS_PERSISTENT);
        CHECK(res->trend_p[9 * side + 9] > 0.05);
    }
    tw_emerging_result_free(ctx, res);
    o.time_neighbours = 1;
    /* bad input */
    tw_emerging_result *bad = NULL;
    CHECK(tw_emerging_compute(ctx, w, x, 1, &o, &bad) == TW_E_ARG);
    x[5] = -1;
    CHECK(tw_emerging_compute(ctx, w, x, T, &o, &bad) == TW_E_DOMAIN);
    CHECK(strstr(tw_ctx_error(ctx)->message, "area 6 at step 1") != NULL);
    for (size_t b = 0; b < n * T; b++)
        x[b] = 2;
    CHECK(tw_emerging_compute(ctx, w, x, T, &o, &bad) == TW_E_DOMAIN);
    o.time_neighbours = -1;
    CHECK(tw_emerging_compute(ctx, w, x, T, &o, &bad) == TW_E_ARG);
    CHECK(bad == NULL);
    free(x);
    free(rowptr);
    free(col);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}


static void test_nomem(void)
{
    int done = 0;
    double x[6 * 4];
    for (size_t b = 0; b < 24; b++)
        x[b] = (double)((b * 7) % 5);
    size_t rowptr[] = {0, 2, 4, 6, 8, 10, 12};
    int32_t col[] = {1, 5, 0, 2, 1, 3, 2, 4, 3, 5, 4, 0};
    for (long fail_at = 0; fail_at < 300 && !done; fail_at++) {
        tw_ctx *ctx = tw_ctx_new();
        harness_falloc f = {1000000, 0};
        tw_allocator a = harness_falloc_allocator(&f);
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &a));
        tw_weights *w = NULL;
        CHECK_OK(ctx, tw_weights_from_lists(ctx, 6, rowptr, col, NULL, &w));
        long base = f.live;
        f.left = fail_at;
        tw_emerging_opts o = {.time_neighbours = 1, .correction = TW_CORRECT_FDR};
        tw_emerging_result *r = NULL;
        tw_mk_result m;
        tw_status s = tw_emerging_compute(ctx, w, x, 4, &o, &r);
        if (!s)
            s = tw_mann_kendall(ctx, x, 24, &m);
        CHECK(s == TW_OK || s == TW_E_NOMEM);
        if (s == TW_OK)
            done = 1;
        tw_emerging_result_free(ctx, r);
        CHECK_EQ_INT(f.live, base);
        f.left = 1000000;
        tw_weights_free(w);
        tw_ctx_free(ctx);
    }
    CHECK(done);
}

int main(void)
{
    RUN(test_mk_hand);
    RUN(test_mk_golden);
    RUN(test_steps);
    RUN(test_cube_count);
    RUN(test_categories);
    RUN(test_gistar_cube_brute);
    RUN(test_cube_golden);
    RUN(test_reorder_threads);
    RUN(test_planted);
    RUN(test_nomem);
    return harness_finish();
}
