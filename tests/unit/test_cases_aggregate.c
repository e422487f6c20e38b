/*
 * test_cases_aggregate.c: tw_cases_aggregate on hand-made geographies
 * (four 0.1-degree squares; an NCR-like province layer with a municipal
 * hierarchy), every bucket of the report counted by hand, and on the real
 * Cebu metro subset: every barangay code must land in the municipality that
 * barangays.csv names for it.
 */
#include "harness.h"
#include "io/csv.h"
#include "tanaw/tanaw.h"

#include <stdlib.h>
#include <string.h>

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    tw_date_parse(s, strlen(s), &d);
    return d;
}

/* A 0.1-degree square feature. */
static void square(char *buf, size_t cap, const char *id, double x, double y, int pop, int last)
{
    snprintf(buf, cap,
             "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"%s\",\"name\":\"%s\",\"pop\":%d},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],"
             "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}%s\n",
             id, id, pop, x, y, x + 0.1, y, x + 0.1, y + 0.1, x, y + 0.1, x, y, last ? "" : ",");
}

/* Areas A..D: 0702201000 [123.0,123.1]x[10.0,10.1], 0702202000 east of it,
   0702203000 north of A, 0730600000 (a HUC) north-east. */
static tw_areas *four_squares(tw_ctx *ctx)
{
    char f[4][512], text[2400];
    square(f[0], sizeof f[0], "0702201000", 123.0, 10.0, 1000, 0);
    square(f[1], sizeof f[1], "0702202000", 123.1, 10.0, 2000, 0);
    square(f[2], sizeof f[2], "0702203000", 123.0, 10.1, 3000, 0);
    square(f[3], sizeof f[3], "0730600000", 123.1, 10.1, 4000, 1);
    snprintf(text, sizeof text, "{\"type\":\"FeatureCollection\",\"features\":[\n%s%s%s%s]}\n",
             f[0], f[1], f[2], f[3]);
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("four.geojson", text), NULL,
                                        NULL, "pop"));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    return a;
}

static const char *const records_csv =
    "case_id,report_date,source,lon,lat,psgc,children,category\n"
    "r1,2023-01-10,CyberTipline,,,0702201001,1,livestreaming\n" /* A: barangay code */
    "r2,2023-01-11,NBI,,,0702202000,2,grooming\n"               /* B: own code */
    "r3,2023-02-01,NBI,,,0730600005,3,livestreaming\n"          /* D: HUC barangay */
    "r4,2023-02-02,DSWD,123.05,10.15,,1,\n"                     /* C: point */
    "r5,2023-02-03,DSWD,123.5,10.15,,2,\n"                      /* outside, 0.3 deg east of D */
    "r6,2023-03-01,CyberTipline,,,0702200000,1,\n"              /* province: coarser */
    "r7,2023-03-02,CyberTipline,,,0700000000,1,\n"              /* region: coarser */
    "r8,2023-03-03,hotline,,,0702299000,1,\n"                   /* unknown municipality */
    "r9,2023-03-04,hotline,123.15,10.05,0702205001,2,sextortion\n" /* unknown code, point in B */
    "r10,2023-03-05,IJM,123.15,10.15,0702201002,1,\n"           /* code (A) wins over point (D) */
    "r11,2023-04-01,nbi,123.05,10.05,0702200000,1,\n";          /* coarse code, point in A */

enum { A, B, C, D };

static tw_cases *read_records(tw_ctx *ctx, const char *text, int aggregated)
{
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts o = {NULL, aggregated, day_of("2026-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, harness_write("rec.csv", text), &o, &c, &rep));
    CHECK_EQ_INT(rep.rows_rejected, 0);
    return c;
}

static void check_counts(const double *got, double a, double b, double c, double d, int line)
{
    if (got[A] != a || got[B] != b || got[C] != c || got[D] != d)
        harness_fail(__FILE__, line, "counts %g %g %g %g, expected %g %g %g %g", got[A],
                     got[B], got[C], got[D], a, b, c, d);
}

static void test_buckets(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = four_squares(ctx);
    CHECK_EQ_INT(tw_areas_count(a), 4);
    CHECK_EQ_INT(tw_areas_find(a, "0730600000"), D);
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));
    tw_cases *c = read_records(ctx, records_csv, 0);
    CHECK_EQ_INT(tw_cases_count(c), 11);

    double n[4];
    tw_aggregate_report r;
    tw_aggregate_opts o = {0};
    o.level = TW_LEVEL_MUNICIPALITY;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 3, 2, 1, 1, __LINE__);
    CHECK_EQ_INT(r.records, 11);
    CHECK_EQ_INT(r.filtered_out, 0);
    CHECK_EQ_INT(r.placed, 7);
    CHECK_EQ_INT(r.by_code, 4);
    CHECK_EQ_INT(r.by_point, 3);
    CHECK_EQ_INT(r.snapped, 0);
    CHECK_EQ_INT(r.outside, 1);
    CHECK_EQ_INT(r.coarser, 2);
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_PROVINCE], 1);
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_REGION], 1);
    CHECK_EQ_INT(r.unknown_code, 1);
    CHECK_NEAR(r.count_placed, 7, 0);

    /* level 0: the areas' own level (the finest of their codes) */
    CHECK_EQ_INT(tw_areas_level(a), TW_LEVEL_MUNICIPALITY);
    o.level = TW_LEVEL_UNKNOWN;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 3, 2, 1, 1, __LINE__);
    CHECK_EQ_INT(r.coarser, 2);
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, NULL, n, &r)); /* NULL opts: same */
    check_counts(n, 3, 2, 1, 1, __LINE__);
    o.level = TW_LEVEL_MUNICIPALITY;

    o.weight_children = 1; /* children: A 1+1+1, B 2+2, C 1, D 3 */
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 3, 4, 1, 3, __LINE__);
    CHECK_NEAR(r.count_placed, 11, 0);
    o.weight_children = 0;

    /* r5 is 0.3 deg (about 32.9 km at lat 10.15) east of D's edge */
    o.snap_outside = 1;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 3, 2, 1, 2, __LINE__);
    CHECK_EQ_INT(r.snapped, 1);
    CHECK_EQ_INT(r.outside, 0);
    CHECK_EQ_INT(r.placed, 8);
    o.snap_max_km = 30;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    CHECK_EQ_INT(r.snapped, 0);
    CHECK_EQ_INT(r.outside, 1);
    o.snap_max_km = 35;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    CHECK_EQ_INT(r.snapped, 1);
    o.snap_outside = 0;
    o.snap_max_km = 0;

    o.from_day = day_of("2023-02-01"); /* r3..r8 */
    o.to_day = day_of("2023-03-03");
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 0, 0, 1, 1, __LINE__);
    CHECK_EQ_INT(r.records, 6);
    CHECK_EQ_INT(r.filtered_out, 5);
    CHECK_EQ_INT(r.outside, 1);
    CHECK_EQ_INT(r.coarser, 2);
    CHECK_EQ_INT(r.unknown_code, 1);
    o.from_day = o.to_day = 0;

    o.source = "NBI"; /* r2, r3 and r11 ("nbi") */
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 1, 1, 0, 1, __LINE__);
    CHECK_EQ_INT(r.filtered_out, 8);
    o.source = "PNP-WCPC"; /* no record: all filtered, not an error */
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    CHECK_EQ_INT(r.filtered_out, 11);
    CHECK_EQ_INT(r.records, 0);
    o.source = NULL;

    o.category = "Livestreaming"; /* r1, r3 */
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 1, 0, 0, 1, __LINE__);
    o.category = "selfie";
    CHECK(tw_cases_aggregate(ctx, c, a, loc, &o, n, &r) == TW_E_ARG);
    o.category = NULL;

    o.from_day = 2;
    o.to_day = 1;
    CHECK(tw_cases_aggregate(ctx, c, a, loc, &o, n, &r) == TW_E_ARG);
    o.from_day = o.to_day = 0;
    /* coordinates without a locator: refused, not silently unplaced */
    CHECK(tw_cases_aggregate(ctx, c, a, NULL, &o, n, &r) == TW_E_ARG);

    /* Province level: digit ancestors are tried from the finest down to
       the analysis level, so municipal areas present in the layer still
       catch their barangays; a province code at province level that is not
       an area is unknown, not coarser. */
    o.level = TW_LEVEL_PROVINCE;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check_counts(n, 3, 2, 1, 1, __LINE__);
    CHECK_EQ_INT(r.by_code, 4);
    CHECK_EQ_INT(r.by_point, 3);
    CHECK_EQ_INT(r.coarser, 1); /* r7: region */
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_REGION], 1);
    CHECK_EQ_INT(r.unknown_code, 2); /* r6, r8 */
    /* Region level: r7's code is at the level and not an area */
    o.level = TW_LEVEL_REGION;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    CHECK_EQ_INT(r.coarser, 0);
    CHECK_EQ_INT(r.unknown_code, 3);
    tw_cases_free(c);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_aggregated_rows(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = four_squares(ctx);
    tw_cases *c = read_records(ctx,
                               "psgc,count,report_date,source\n"
                               "0702201001,5,2023-01-01,NBI\n"
                               "0702203000,7,,\n"
                               "0702200000,4,2023-01-01,NBI\n",
                               1);
    tw_cases_read_opts ro = {NULL, 1, day_of("2026-01-01")};
    tw_read_report rep;
    CHECK_OK(ctx, tw_cases_read_csv(ctx,
                                    harness_write("agg2.csv", "area_id,count,children\n"
                                                              "0702202000,2,3\n"
                                                              "X-Y,6,\n"),
                                    &ro, &c, &rep));
    double n[4];
    tw_aggregate_report r;
    tw_aggregate_opts o = {0};
    o.level = TW_LEVEL_MUNICIPALITY;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, NULL, &o, n, &r));
    check_counts(n, 5, 2, 7, 0, __LINE__);
    CHECK_EQ_INT(r.records, 5);
    CHECK_EQ_INT(r.by_code, 3);
    CHECK_EQ_INT(r.coarser, 1);
    CHECK_EQ_INT(r.unknown_code, 1);
    CHECK_NEAR(r.count_placed, 14, 0);
    o.weight_children = 1; /* children default to the count, 3 given for B */
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, NULL, &o, n, &r));
    check_counts(n, 5, 3, 7, 0, __LINE__);
    o.weight_children = 0;
    /* undated rows cannot be shown to fall in a date range */
    o.from_day = day_of("2022-01-01");
    o.to_day = day_of("2023-12-31");
    tw_ctx_clear_warnings(ctx);
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, NULL, &o, n, &r));
    check_counts(n, 5, 0, 0, 0, __LINE__);
    CHECK_EQ_INT(r.filtered_out, 3);
    int warned = 0;
    for (size_t i = 0; i < tw_ctx_warning_count(ctx); i++)
        warned += strstr(tw_ctx_warning(ctx, i), "3 records without report_date") != NULL;
    CHECK_EQ_INT(warned, 1);
    tw_cases_free(c);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* NCR cities are province-level codes inside districts: only the hierarchy
   (municipalities.csv's province_psgc) can place them on a province layer. */
static void test_hierarchy(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *prov = NULL, *mun = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &prov));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, prov,
                                    harness_write("prov.csv",
                                                  "psgc,name,lon,lat,pop2020\n"
                                                  "1307500000,Third District,121.0,14.7,100\n"
                                                  "0730600000,Cebu City,123.9,10.3,200\n"
                                                  "0702200000,Cebu,123.8,10.4,300\n"),
                                    NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, prov, 1));
    CHECK_OK(ctx, tw_areas_new(ctx, &mun));
    CHECK_OK(ctx, tw_areas_read_csv(
                      ctx, mun,
                      harness_write("mun.csv",
                                    "psgc,name,province_psgc,region_psgc,lon,lat,pop2020\n"
                                    "1380100000,Caloocan,1307500000,1300000000,120.97,14.65,10\n"
                                    "1380600000,Manila,1303900000,1300000000,120.98,14.60,10\n"
                                    "0730600000,Cebu City,0702200000,0700000000,123.9,10.3,10\n"),
                      NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, mun, 1));
    tw_cases *c = read_records(ctx,
                               "case_id,report_date,source,psgc\n"
                               "h1,2023-01-01,NBI,1380100000\n"  /* Caloocan */
                               "h2,2023-01-01,NBI,1380100012\n"  /* a Caloocan barangay */
                               "h3,2023-01-01,NBI,1380601001\n"  /* Manila: district not an area */
                               "h4,2023-01-01,NBI,0730600000\n"  /* the HUC itself, not Cebu */
                               "h5,2023-01-01,NBI,0730600010\n"  /* a Cebu City barangay */
                               "h6,2023-01-01,NBI,0702201001\n", /* a Cebu barangay */
                               0);
    double n[3];
    tw_aggregate_report r;
    tw_aggregate_opts o = {0};
    o.level = TW_LEVEL_PROVINCE;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, prov, NULL, &o, n, &r));
    CHECK(n[0] == 0 && n[1] == 2 && n[2] == 1);
    CHECK_EQ_INT(r.unknown_code, 3);
    o.hierarchy = mun;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, prov, NULL, &o, n, &r));
    CHECK(n[0] == 2 && n[1] == 2 && n[2] == 1);
    CHECK_EQ_INT(r.by_code, 5);
    CHECK_EQ_INT(r.unknown_code, 1);
    tw_cases_free(c);
    tw_areas_free(mun);
    tw_areas_free(prov);
    tw_ctx_free(ctx);
}

/* Real data: each Cebu metro barangay code must land in its municipality,
   so the counts equal n_barangays of municipalities.csv. */
static void test_cebu_metro(void)
{
    const char *mg = harness_data_path("cebu_metro/municipalities.geojson");
    const char *mc = harness_data_path("cebu_metro/municipalities.csv");
    const char *bc = harness_data_path("cebu_metro/barangays.csv");
    if (!mg || !mc || !bc) {
        printf("skip: no cebu_metro data\n");
        return;
    }
    char mgp[1024], mcp[1024], bcp[1024];
    snprintf(mgp, sizeof mgp, "%s", mg);
    snprintf(mcp, sizeof mcp, "%s", mc);
    snprintf(bcp, sizeof bcp, "%s", bc);
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, mgp, NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, mcp, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    size_t na = tw_areas_count(a);
    CHECK_EQ_INT(na, 53);
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));

    /* cases: one record per barangay by code, one per barangay by its point */
    const char *cases_path = harness_tmp("cebu_cases.csv");
    FILE *out = fopen(cases_path, "w");
    fputs("case_id,report_date,source,lon,lat,psgc\n", out);
    csv_reader *r;
    CHECK_OK(ctx, csv_open(ctx, bcp, &r));
    bool eof;
    CHECK_OK(ctx, csv_next(r, &eof));
    long cp = csv_find_column(r, "psgc"), cm = csv_find_column(r, "municipality_psgc");
    long clon = csv_find_column(r, "rp_lon"), clat = csv_find_column(r, "rp_lat");
    size_t nb = 0, npt = 0;
    char (*bmun)[11] = calloc(2000, sizeof *bmun);
    double *want = calloc(na, sizeof *want);
    while (csv_next(r, &eof) == TW_OK && !eof && nb < 2000) {
        const char *code = csv_field(r, (size_t)cp, NULL);
        long m = tw_areas_find(a, csv_field(r, (size_t)cm, NULL));
        CHECK(m >= 0);
        if (m >= 0)
            want[m]++;
        fprintf(out, "b%zu,2023-01-01,NBI,,,%s\n", nb, code);
        if (*csv_field(r, (size_t)clon, NULL)) {
            fprintf(out, "p%zu,2023-01-01,NBI,%s,%s,\n", nb, csv_field(r, (size_t)clon, NULL),
                    csv_field(r, (size_t)clat, NULL));
            npt++;
        }
        snprintf(bmun[nb], 11, "%s", csv_field(r, (size_t)cm, NULL));
        nb++;
    }
    csv_close(r);
    fclose(out);
    CHECK_EQ_INT(nb, 1203);

    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {NULL, 0, day_of("2026-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, cases_path, &ro, &c, &rep));
    CHECK_EQ_INT(rep.rows_rejected, 0);
    CHECK_EQ_INT(rep.rows_accepted, nb + npt);
    double *n = calloc(na, sizeof *n);
    tw_aggregate_report ar;
    tw_aggregate_opts o = {0};
    o.level = TW_LEVEL_MUNICIPALITY;
    o.source = "nbi";
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &ar));
    CHECK_EQ_INT(ar.by_code, nb);
    CHECK_EQ_INT(ar.records, nb + npt);
    CHECK_EQ_INT(ar.coarser + ar.unknown_code, 0);
    /* points: the barangay's representative point lies inside its lowres
       barangay polygon, not always inside the medres municipal one */
    CHECK(ar.by_point + ar.outside == npt);
    /* every point landed in the municipality of its barangay: each area
       then holds exactly twice its barangays (code + point) */
    size_t off = 0;
    for (size_t i = 0; i < na; i++)
        off += n[i] != 2 * want[i];
    printf("cebu_metro: %zu barangay codes placed; %zu of %zu points inside a municipality, "
           "%zu municipalities off\n",
           ar.by_code, ar.by_point, npt, off);
    CHECK_EQ_INT(npt, 1203);
    CHECK_EQ_INT(ar.by_point, npt);
    CHECK_EQ_INT(off, 0);
    /* codes alone: exactly n_barangays per municipality */
    o.source = NULL;
    tw_cases *codes = NULL;
    const char *only_codes = harness_tmp("cebu_codes.csv");
    out = fopen(only_codes, "w");
    fputs("case_id,report_date,source,psgc\n", out);
    CHECK_OK(ctx, csv_open(ctx, bcp, &r));
    CHECK_OK(ctx, csv_next(r, &eof));
    for (size_t k = 0; csv_next(r, &eof) == TW_OK && !eof; k++)
        fprintf(out, "b%zu,2023-01-01,NBI,%s\n", k, csv_field(r, (size_t)cp, NULL));
    csv_close(r);
    fclose(out);
    CHECK_OK(ctx, tw_cases_read_csv(ctx, only_codes, &ro, &codes, &rep));
    CHECK_OK(ctx, tw_cases_aggregate(ctx, codes, a, NULL, &o, n, &ar));
    size_t mismatch = 0;
    for (size_t i = 0; i < na; i++)
        mismatch += n[i] != want[i];
    CHECK_EQ_INT(mismatch, 0);
    CHECK_EQ_INT(ar.placed, 1203);
    /* Cebu City: 80 barangays (PSGC 4Q 2023) */
    long cebu = tw_areas_find(a, "0730600000");
    CHECK(cebu >= 0 && n[cebu] == 80);
    tw_cases_free(codes);
    free(n);
    free(want);
    free(bmun);
    tw_cases_free(c);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* The whole country: every barangay code onto provinces.geojson (82
   provinces, 4 NCR districts, 16 HUCs, ...) with municipalities.csv as the
   hierarchy. Expected, from barangays.csv's own columns: the barangay's
   municipality when that is a feature (the HUCs), else its province_psgc
   (NCR cities -> districts, Davao City -> Davao del Sur). */
static void test_ph_provinces_hierarchy(void)
{
    const char *x = harness_data_path("provinces.geojson");
    if (!x) {
        printf("skip: no data\n");
        return;
    }
    char pg[1024], mc[1024], bc[1024];
    snprintf(pg, sizeof pg, "%s", x);
    snprintf(mc, sizeof mc, "%s", harness_data_path("municipalities.csv"));
    snprintf(bc, sizeof bc, "%s", harness_data_path("barangays.csv"));
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *prov = NULL, *mun = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &prov));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, prov, pg, NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, prov, 0));
    CHECK_OK(ctx, tw_areas_new(ctx, &mun));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, mun, mc, NULL));
    size_t np = tw_areas_count(prov);
    CHECK_EQ_INT(np, 104);

    const char *cases_path = harness_tmp("ph_codes.csv");
    FILE *out = fopen(cases_path, "w");
    fputs("case_id,report_date,source,psgc\n", out);
    double *want = calloc(np, sizeof *want), *n = calloc(np, sizeof *n);
    csv_reader *r;
    CHECK_OK(ctx, csv_open(ctx, bc, &r));
    bool eof;
    CHECK_OK(ctx, csv_next(r, &eof));
    long cp = csv_find_column(r, "psgc"), cm = csv_find_column(r, "municipality_psgc"),
         cv = csv_find_column(r, "province_psgc");
    size_t nb = 0, lost = 0;
    while (csv_next(r, &eof) == TW_OK && !eof) {
        long w = tw_areas_find(prov, csv_field(r, (size_t)cm, NULL));
        if (w < 0)
            w = tw_areas_find(prov, csv_field(r, (size_t)cv, NULL));
        if (w >= 0)
            want[w]++;
        else
            lost++;
        fprintf(out, "b%zu,2023-01-01,DSWD,%s\n", nb++, csv_field(r, (size_t)cp, NULL));
    }
    csv_close(r);
    fclose(out);
    CHECK_EQ_INT(nb, 42001);
    CHECK_EQ_INT(lost, 0);
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {NULL, 0, day_of("2026-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, cases_path, &ro, &c, &rep));
    CHECK_EQ_INT(rep.rows_accepted, nb);
    tw_aggregate_opts o = {0};
    o.level = TW_LEVEL_PROVINCE;
    o.hierarchy = mun;
    tw_aggregate_report ar;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, prov, NULL, &o, n, &ar));
    CHECK_EQ_INT(ar.placed, nb);
    size_t mismatch = 0;
    for (size_t i = 0; i < np; i++)
        mismatch += n[i] != want[i];
    CHECK_EQ_INT(mismatch, 0);
    long d1 = tw_areas_find(prov, "1303900000"); /* Manila, First District */
    CHECK(d1 >= 0 && n[d1] == 897);
    /* without the hierarchy, NCR (outside Manila's own digits) and Davao
       City barangays have no province-level area */
    o.hierarchy = NULL;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, prov, NULL, &o, n, &ar));
    CHECK_EQ_INT(ar.unknown_code, 1892);
    CHECK_EQ_INT(ar.placed, nb - 1892);
    free(want);
    free(n);
    tw_cases_free(c);
    tw_areas_free(mun);
    tw_areas_free(prov);
    tw_ctx_free(ctx);
}

/* ---- mixed precision and PSGC versions (issue 6 part 2) ---------------- */

static void check4(const double *got, double a, double b, double c, double d, int line)
{
    const double want[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++)
        if (!(fabs(got[i] - want[i]) <= 1e-9))
            harness_fail(__FILE__, line, "area %d: %.12g, expected %.12g", i, got[i], want[i]);
}

/* Records known only at province (r6) and region (r7) spread by population
   over the four squares (populations 1000, 2000, 3000, 4000). */
static void test_allocate(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = four_squares(ctx);
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));
    tw_cases *c = read_records(ctx, records_csv, 0);
    double n[4], al[4], sp[4];
    tw_aggregate_report r;
    tw_aggregate_opts o = {0};
    o.level = TW_LEVEL_MUNICIPALITY;
    /* drop (the default) and level count as before */
    o.coarse = TW_COARSE_LEVEL;
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, a, loc, &o, n, al, sp, &r));
    check4(n, 3, 2, 1, 1, __LINE__);
    check4(al, 0, 0, 0, 0, __LINE__);
    CHECK_EQ_INT(r.coarser, 2);
    CHECK_EQ_INT(r.allocated, 0);
    o.coarse = TW_COARSE_ALLOCATE;
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, a, loc, &o, n, al, sp, &r));
    /* r6 (province 0702200000): A, B, C by digits (the HUC D is not in the
       province by its digits): 1/6, 2/6, 3/6. r7 (region 07): .1 .2 .3 .4 */
    check4(n, 3 + 1.0 / 6 + 0.1, 2 + 2.0 / 6 + 0.2, 1 + 0.5 + 0.3, 1 + 0.4, __LINE__);
    check4(al, 1.0 / 6 + 0.1, 2.0 / 6 + 0.2, 0.8, 0.4, __LINE__);
    check4(sp, 0, 0, 0, 0, __LINE__);
    CHECK_EQ_INT(r.placed, 7);
    CHECK_EQ_INT(r.coarser, 2);
    CHECK_EQ_INT(r.allocated, 2);
    CHECK_NEAR(r.count_placed, 7, 0);
    CHECK_NEAR(r.count_allocated, 2, 1e-12);
    /* with children: r6 and r7 involve one child each, as before */
    o.weight_children = 1;
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, a, loc, &o, n, al, NULL, &r));
    check4(n, 3 + 1.0 / 6 + 0.1, 4 + 2.0 / 6 + 0.2, 1.8, 3.4, __LINE__);
    o.weight_children = 0;
    /* a province with population 0 cannot share: r6 stays coarser, unspread */
    tw_areas *z = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &z));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, z, harness_write("zero.csv",
                                                          "psgc,name,lon,lat,population\n"
                                                          "0702201000,A,123.05,10.05,0\n"
                                                          "0702202000,B,123.15,10.05,0\n"
                                                          "0730600000,D,123.15,10.15,10\n"),
                                    NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, z, 1));
    tw_cases *c2 = read_records(ctx, "case_id,report_date,source,psgc\n"
                                     "p1,2023-01-01,NBI,0702200000\n"
                                     "p2,2023-01-01,NBI,0700000000\n", 0);
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c2, z, NULL, &o, n, al, NULL, &r));
    CHECK_NEAR(n[0] + n[1], 0, 0);
    CHECK_NEAR(n[2], 1, 1e-12); /* p2: all of region 07's population is D's */
    CHECK_EQ_INT(r.coarser, 2);
    CHECK_EQ_INT(r.allocated, 1);
    tw_cases_free(c2);
    tw_areas_free(z);
    /* region-level analysis: nothing is coarser, nothing to spread */
    CHECK(tw_coarse_parse("allocate", &o.coarse) == TW_OK && o.coarse == TW_COARSE_ALLOCATE);
    CHECK(tw_coarse_parse("level", &o.coarse) == TW_OK && o.coarse == TW_COARSE_LEVEL);
    CHECK(tw_coarse_parse("spread", &o.coarse) == TW_E_ARG);
    o.coarse = (tw_coarse_mode)7;
    CHECK(tw_cases_aggregate(ctx, c, a, loc, &o, n, &r) == TW_E_ARG);
    tw_cases_free(c);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Four barangays: 0702201001 (pop 100) and 0702201002 (300) in
   municipality 0702201000; 0702202001 (200) and 0702202002 (200) in
   0702202000. */
static tw_areas *four_barangays(tw_ctx *ctx)
{
    char f[4][512], text[2400];
    square(f[0], sizeof f[0], "0702201001", 123.0, 10.0, 100, 0);
    square(f[1], sizeof f[1], "0702201002", 123.1, 10.0, 300, 0);
    square(f[2], sizeof f[2], "0702202001", 123.0, 10.1, 200, 0);
    square(f[3], sizeof f[3], "0702202002", 123.1, 10.1, 200, 1);
    snprintf(text, sizeof text, "{\"type\":\"FeatureCollection\",\"features\":[\n%s%s%s%s]}\n",
             f[0], f[1], f[2], f[3]);
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("bgy4.geojson", text), NULL,
                                        NULL, "pop"));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    return a;
}

static void test_uncertainty(void)
{
    CHECK_NEAR(tw_max_uncertainty_m(TW_LEVEL_BARANGAY), 5000, 0);
    CHECK_NEAR(tw_max_uncertainty_m(TW_LEVEL_MUNICIPALITY), 50000, 0);
    CHECK_NEAR(tw_max_uncertainty_m(TW_LEVEL_PROVINCE), 150000, 0);
    CHECK(isinf(tw_max_uncertainty_m(TW_LEVEL_REGION)));
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = four_barangays(ctx);
    CHECK_EQ_INT(tw_areas_level(a), TW_LEVEL_BARANGAY);
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));
    tw_cases *c = read_records(
        ctx,
        "case_id,report_date,source,lon,lat,uncertainty_m,psgc\n"
        "b1,2023-01-01,CyberTipline,123.05,10.05,,\n"          /* IP point: municipality 201 */
        "b2,2023-01-01,cybertipline,123.05,10.05,3000,\n"      /* radius says 3 km: barangay */
        "b3,2023-01-01,NBI,123.15,10.15,8000,\n"               /* 8 km: municipality 202 */
        "b4,2023-01-01,NBI,,,,0702201000\n"                    /* municipality code */
        "b5,2023-01-01,NBI,,,,0702200000\n"                    /* province code */
        "b6,2023-01-01,NBI,123.15,10.15,8000,0702201000\n"     /* code as fine as point: 201 */
        "b7,2023-01-01,NBI,123.05,10.15,8000,0700000000\n"     /* point finer than code: 202 */
        "b8,2023-01-01,NBI,,,,0702202002\n"                    /* barangay code */
        "b9,2023-01-01,NBI,123.15,10.05,200000,\n"             /* 200 km: region 07 */
        "b10,2023-01-01,NBI,125.5,10.05,8000,\n",              /* at sea: outside */
        0);
    double n[4], al[4];
    tw_aggregate_report r;
    tw_aggregate_opts o = {0};
    o.ip_rule = 1;
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, a, loc, &o, n, al, NULL, &r));
    check4(n, 1, 0, 0, 1, __LINE__); /* b2 by point, b8 by code */
    CHECK_EQ_INT(r.records, 10);
    CHECK_EQ_INT(r.by_point, 1);
    CHECK_EQ_INT(r.by_code, 1);
    CHECK_EQ_INT(r.outside, 1);
    CHECK_EQ_INT(r.coarser, 7);
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_MUNICIPALITY], 5); /* b1 b3 b4 b6 b7 */
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_PROVINCE], 1);     /* b5 */
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_REGION], 1);       /* b9 */
    CHECK_EQ_INT(r.imprecise, 6);                               /* b1 b3 b6 b7 b9 b10 */
    CHECK_EQ_INT(r.allocated, 0);

    /* allocate: municipality 201 (pop 400) gets b1 b4 b6, 202 (400) b3 b7,
       province and region (800) one each: .125 .375 .25 .25 */
    o.coarse = TW_COARSE_ALLOCATE;
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, a, loc, &o, n, al, NULL, &r));
    check4(n, 1 + 0.75 + 0.25, 2.25 + 0.75, 1 + 0.5, 1 + 1 + 0.5, __LINE__);
    check4(al, 0.75 + 0.25, 2.25 + 0.75, 1.5, 1.5, __LINE__);
    CHECK_EQ_INT(r.allocated, 7);
    CHECK_NEAR(r.count_allocated, 7, 1e-12);
    CHECK_NEAR(r.count_placed, 2, 0);

    /* the CyberTipline rule off (the library's default): b1 is placed by
       its point */
    o.coarse = TW_COARSE_DROP;
    o.ip_rule = 0;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &o, n, &r));
    check4(n, 2, 0, 0, 1, __LINE__);
    CHECK_EQ_INT(r.coarser, 6);
    CHECK_EQ_INT(r.imprecise, 5);
    o.ip_rule = 1;

    /* at municipality level every radius up to 50 km is fine: b3 b6(code)
       b7 b10(outside); b9 (200 km) is known at region only */
    tw_areas *m = NULL;
    CHECK_OK(ctx, tw_areas_dissolve(ctx, a, TW_LEVEL_MUNICIPALITY, &m));
    tw_locator *ml = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, m, &ml));
    double mn[2];
    o.level = TW_LEVEL_MUNICIPALITY;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, m, ml, &o, mn, &r));
    long m1 = tw_areas_find(m, "0702201000"), m2 = tw_areas_find(m, "0702202000");
    CHECK(m1 >= 0 && m2 >= 0);
    CHECK_NEAR(mn[m1], 4, 0); /* b1 b2 b4 b6 */
    CHECK_NEAR(mn[m2], 3, 0); /* b3 b7 b8 */
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_PROVINCE], 1);
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_REGION], 1);
    CHECK_EQ_INT(r.imprecise, 1);
    CHECK_EQ_INT(r.outside, 1);
    tw_locator_free(ml);
    tw_areas_free(m);
    tw_cases_free(c);

    /* the reader checks the new columns */
    tw_cases *bad = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {harness_tmp("rej.csv"), 0, day_of("2026-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(
                      ctx,
                      harness_write("unc.csv",
                                    "case_id,report_date,source,lon,lat,uncertainty_m,psgc,"
                                    "psgc_version\n"
                                    "k1,2023-01-01,NBI,123.05,10.05,-1,,\n"
                                    "k2,2023-01-01,NBI,123.05,10.05,5 km,,\n"
                                    "k3,2023-01-01,NBI,,,100,0702201001,\n"
                                    "k4,2023-01-01,NBI,123.05,10.05,2e7,,\n"
                                    "k5,2023-01-01,NBI,,,,0702201001,2023 Q4\n"
                                    "k6,2023-01-01,NBI,,,,0702201001,2023Q4\n"
                                    "k7,2023-01-01,NBI,123.05,10.05,inf,,\n"),
                      &ro, &bad, &rep));
    CHECK_EQ_INT(rep.rows_accepted, 2); /* k4, k6 */
    CHECK_EQ_INT(rep.rows_rejected, 5);
    FILE *f = fopen(harness_tmp("rej.csv"), "rb");
    char buf[4096] = "";
    CHECK(f && fread(buf, 1, sizeof buf - 1, f) > 0);
    if (f)
        fclose(f);
    CHECK(strstr(buf, ",2,uncertainty_m,\"uncertainty radius outside [0, 20000000] metres"));
    CHECK(strstr(buf, ",4,uncertainty_m,\"uncertainty_m is given without coordinates"));
    CHECK(strstr(buf, ",3,uncertainty_m,\"expected a number of metres"));
    CHECK(strstr(buf, ",8,uncertainty_m,\"expected a number of metres"));
    CHECK(strstr(buf, ",6,psgc_version,\"psgc_version must be 1-31 characters"));
    tw_cases_free(bad);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* The Negros Island Region crosswalk as docs/geocode.md prints it. */
static const char *const nir_csv =
    "from_version,to_version,old_code,new_code,kind,weight,scope,note\n"
    "2023Q4,2024Q2,0604500000,1804500000,recode,1,tree,\n"
    "2023Q4,2024Q2,0630200000,1830200000,recode,1,tree,\n"
    "2023Q4,2024Q2,0704600000,1804600000,recode,1,tree,\n"
    "2023Q4,2024Q2,0706100000,1806100000,recode,1,tree,\n"
    "2023Q4,2024Q2,0600000000,0600000000,split,0.594711846,unit,\n"
    "2023Q4,2024Q2,0600000000,1800000000,split,0.405288154,unit,\n"
    "2023Q4,2024Q2,0700000000,0700000000,split,0.809900114,unit,\n"
    "2023Q4,2024Q2,0700000000,1800000000,split,0.190099886,unit,\n";

/* Records coded in 2023Q4 and 2024Q2 onto 2024Q2 municipalities:
   Dumaguete 1804610000 (pop 1000), another Negros Oriental unit 1804611000
   (3000), a Cebu municipality 0702201000 (2000). */
static void check_nir(tw_ctx *ctx, const tw_crosswalk *cw)
{
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, harness_write("nir_mun.csv",
                                                          "psgc,name,lon,lat,population\n"
                                                          "1804610000,Dumaguete,123.30,9.31,1000\n"
                                                          "1804611000,NegOr,123.20,9.40,3000\n"
                                                          "0702201000,Cebu,123.80,10.30,2000\n"),
                                    NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    tw_cases *c = read_records(ctx,
                               "case_id,report_date,source,psgc,psgc_version\n"
                               "c1,2023-01-01,NBI,0704610001,2023Q4\n" /* -> 1804610001 */
                               "c2,2024-08-01,NBI,1804610001,2024Q2\n" /* already there */
                               "c3,2023-01-01,NBI,0704610001,\n"       /* no version: as given */
                               "c4,2023-01-01,NBI,0702201005,2023Q4\n" /* Cebu: unchanged */
                               "c5,2023-01-01,NBI,0700000000,2023Q4\n" /* region VII: split */
                               "c6,2023-01-01,NBI,0704600000,2023Q4\n", /* Negros Oriental */
                               0);
    double n[3], al[3], sp[3];
    tw_aggregate_report r;
    tw_aggregate_opts o = {0};
    o.level = TW_LEVEL_MUNICIPALITY;
    /* without the crosswalk the old code is not in the geography */
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, NULL, &o, n, &r));
    CHECK_NEAR(n[0], 1, 0);
    CHECK_EQ_INT(r.unknown_code, 2);
    CHECK_EQ_INT(r.recoded, 0);
    o.crosswalk = cw;
    o.to_version = "2024Q2";
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, a, NULL, &o, n, al, sp, &r));
    CHECK_NEAR(n[0], 2, 0); /* c1 c2 */
    CHECK_NEAR(n[1], 0, 0);
    CHECK_NEAR(n[2], 1, 0); /* c4 */
    CHECK_EQ_INT(r.by_code, 3);
    CHECK_EQ_INT(r.unknown_code, 1); /* c3 */
    CHECK_EQ_INT(r.coarser, 2);      /* c5 region, c6 province */
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_REGION], 1);
    CHECK_EQ_INT(r.coarser_by_level[TW_LEVEL_PROVINCE], 1);
    CHECK_EQ_INT(r.recoded, 3);      /* c1 c5 c6 */
    CHECK_EQ_INT(r.split, 1);        /* c5 */
    o.coarse = TW_COARSE_ALLOCATE;
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, a, NULL, &o, n, al, sp, &r));
    /* c5: 0.809900114 to region VII (only Cebu), 0.190099886 to NIR (1:3);
       c6: Negros Oriental 1804600000 -> 1:3 */
    CHECK_NEAR(n[0], 2 + 0.25 * 0.190099886 + 0.25, 1e-9);
    CHECK_NEAR(n[1], 0.75 * 0.190099886 + 0.75, 1e-9);
    CHECK_NEAR(n[2], 1 + 0.809900114, 1e-9);
    CHECK_NEAR(al[2], 0.809900114, 1e-9);
    CHECK_NEAR(sp[0] + sp[1] + sp[2], 0, 0); /* the split parts were spread, not placed */
    CHECK_EQ_INT(r.allocated, 2);
    CHECK_NEAR(r.count_allocated, 2, 1e-9);
    tw_cases_free(c);
    tw_areas_free(a);

    /* regions: the split parts are placed by code on both regions */
    tw_areas *reg = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &reg));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, reg, harness_write("nir_reg.csv",
                                                            "psgc,name,lon,lat,population\n"
                                                            "0700000000,VII,123.8,10.3,6545603\n"
                                                            "1800000000,NIR,123.0,10.0,4760340\n"),
                                    NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, reg, 1));
    c = read_records(ctx,
                     "case_id,report_date,source,psgc,psgc_version\n"
                     "d1,2023-01-01,NBI,0700000000,2023Q4\n"
                     "d2,2023-01-01,NBI,0700000000,2023Q4\n"
                     "d3,2023-01-01,NBI,0706100001,2023Q4\n" /* Siquijor barangay -> NIR */
                     "d4,2023-01-01,NBI,0702201005,2019Q1\n",
                     0);
    o.level = TW_LEVEL_REGION;
    o.category = NULL;
    o.from_day = day_of("2023-01-01"); /* d4's version has no steps: fails */
    o.to_day = day_of("2023-01-01");
    CHECK(tw_cases_aggregate(ctx, c, reg, NULL, &o, n, &r) == TW_E_ARG);
    CHECK(strstr(tw_ctx_error(ctx)->message, "psgc version 2019Q1 cannot be brought to 2024Q2"));
    o.source = "nobody";
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, reg, NULL, &o, n, &r)); /* filtered out first */
    o.source = NULL;
    tw_cases_free(c);
    c = read_records(ctx,
                     "case_id,report_date,source,psgc,psgc_version\n"
                     "d1,2023-01-01,NBI,0700000000,2023Q4\n"
                     "d2,2023-01-01,NBI,0700000000,2023Q4\n"
                     "d3,2023-01-01,NBI,0706100001,2023Q4\n",
                     0);
    CHECK_OK(ctx, tw_cases_aggregate_ex(ctx, c, reg, NULL, &o, n, al, sp, &r));
    CHECK_NEAR(n[0], 2 * 0.809900114, 1e-9);
    CHECK_NEAR(n[1], 2 * 0.190099886 + 1, 1e-9);
    CHECK_NEAR(sp[0], 2 * 0.809900114, 1e-9);
    CHECK_NEAR(sp[1], 2 * 0.190099886, 1e-9);
    CHECK_NEAR(al[0] + al[1], 0, 0);
    CHECK_EQ_INT(r.by_code, 3);
    CHECK_EQ_INT(r.split, 2);
    CHECK_EQ_INT(r.recoded, 3);
    CHECK_NEAR(r.count_placed, 3, 1e-12);
    tw_cases_free(c);
    tw_areas_free(reg);
}

static void test_crosswalk_versions(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_crosswalk *cw = NULL;
    CHECK_OK(ctx, tw_crosswalk_read(ctx, harness_write("nir.csv", nir_csv), &cw));
    check_nir(ctx, cw);
    tw_aggregate_opts o = {0};
    o.crosswalk = cw; /* without to_version */
    double n[1];
    tw_areas *a = four_squares(ctx);
    tw_cases *c = read_records(ctx, records_csv, 0);
    double n4[4];
    (void)n;
    CHECK(tw_cases_aggregate(ctx, c, a, NULL, &o, n4, NULL) == TW_E_ARG);
    tw_cases_free(c);
    tw_areas_free(a);
    tw_crosswalk_free(cw);
    /* the built-in example, from the real 4Q 2023 datafile when present */
    const char *psgc = harness_data_path("psgc/PSGC-4Q-2023-Publication-Datafile.csv");
    FILE *f = psgc ? fopen(psgc, "rb") : NULL;
    if (!f) {
        printf("  (no PSGC datafile: built-in crosswalk not tested)\n");
    } else {
        fclose(f);
        tw_gazetteer *g = NULL;
        CHECK_OK(ctx, tw_gazetteer_read_psgc(ctx, psgc, &g));
        CHECK_OK(ctx, tw_crosswalk_nir(ctx, g, &cw));
        if (cw)
            check_nir(ctx, cw);
        tw_crosswalk_free(cw);
        tw_gazetteer_free(g);
    }
    tw_ctx_free(ctx);
}

/* Every allocation of an allocating, crosswalking aggregation fails in turn:
   TW_E_NOMEM and zeroed outputs, or the right counts; no leak (ASan). */
static void test_allocate_nomem(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = four_barangays(ctx);
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));
    tw_crosswalk *cw = NULL;
    CHECK_OK(ctx, tw_crosswalk_read(ctx, harness_write("nir2.csv", nir_csv), &cw));
    tw_cases *c = read_records(ctx,
                               "case_id,report_date,source,lon,lat,uncertainty_m,psgc,psgc_version\n"
                               "e1,2023-01-01,CyberTipline,123.05,10.05,,,\n"
                               "e2,2023-01-01,NBI,,,,0702201000,2023Q4\n"
                               "e3,2023-01-01,NBI,,,,0700000000,2023Q4\n"
                               "e4,2023-01-01,NBI,,,,0702202002,\n",
                               0);
    int ok_seen = 0, injected = 1;
    for (long alloc_fail_at = 0; injected && alloc_fail_at < 1000; alloc_fail_at++) {
        tw_ctx *c2 = tw_ctx_new();
        harness_falloc fa = {alloc_fail_at, 0}; /* that allocation (0-based) fails */
        tw_allocator al = harness_falloc_allocator(&fa);
        CHECK_OK(c2, tw_ctx_set_allocator(c2, &al));
        tw_aggregate_opts o = {0};
        o.coarse = TW_COARSE_ALLOCATE;
        o.ip_rule = 1;
        o.crosswalk = cw;
        o.to_version = "2024Q2";
        double n[4], al4[4];
        tw_aggregate_report r;
        tw_status s = tw_cases_aggregate_ex(c2, c, a, loc, &o, n, al4, NULL, &r);
        injected = fa.left < 0; /* the failure happened */
        if (s == TW_OK) {
            ok_seen = 1;
            /* e1 (201: .25 .75), e2 (201), e3: 0.809900114 of region 07 over
               800 people (.125 .375 .25 .25; the NIR part has no area), e4 */
            const double f = 0.809900114;
            check4(n, 0.5 + 0.125 * f, 1.5 + 0.375 * f, 0.25 * f, 1 + 0.25 * f, __LINE__);
            CHECK_EQ_INT(r.allocated, 3);
        } else if (s != TW_E_NOMEM) {
            harness_fail(__FILE__, __LINE__, "allocation %ld: got %s", alloc_fail_at,
                         tw_status_str(s));
        } else {
            check4(n, 0, 0, 0, 0, __LINE__);
        }
        tw_ctx_free(c2);
        CHECK_EQ_INT(fa.live, 0); /* nothing leaked, failure or not */
    }
    CHECK(!injected);
    CHECK(ok_seen);
    tw_cases_free(c);
    tw_crosswalk_free(cw);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_buckets);
    RUN(test_aggregated_rows);
    RUN(test_hierarchy);
    RUN(test_cebu_metro);
    RUN(test_ph_provinces_hierarchy);
    RUN(test_allocate);
    RUN(test_uncertainty);
    RUN(test_crosswalk_versions);
    RUN(test_allocate_nomem);
    return harness_finish();
}
