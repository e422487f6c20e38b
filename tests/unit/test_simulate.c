/*
 * test_simulate.c: tw_simulate_write on a 6 x 6 grid of 0.1-degree squares
 * and on the real Cebu metro barangays: determinism (same seed, same
 * bytes), total n, read-back with every row accepted and every record
 * placed, shares of a planted cluster, of sources, of weekend days and the
 * mean number of children against their exact expectations within 5
 * binomial standard deviations, and the refusals; the multi-agency mode
 * (truth file, duplicates, cluster onset). Also measures simulate +
 * read + aggregate speed.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "io/csv.h"
#include "tanaw/tanaw.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GRID 6

static double grid_pop(int k) { return 1000 + 137.0 * k; }

static void grid_id(char *out, int k)
{
    memcpy(out, "0702200000", 11);
    out[5] = (char)('0' + (k + 1) / 10 % 10);
    out[6] = (char)('0' + (k + 1) % 10);
}

/* Grid area k = row * 6 + col: [123.0 + 0.1 col, +0.1] x [10.0 + 0.1 row, +0.1]. */
static tw_areas *grid(tw_ctx *ctx, int psgc_ids)
{
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (int k = 0; k < GRID * GRID; k++) {
        double x = 123.0 + 0.1 * (k % GRID), y = 10.0 + 0.1 * (k / GRID);
        char id[16];
        if (psgc_ids)
            grid_id(id, k);
        else
            snprintf(id, sizeof id, "G%d", k);
        len += (size_t)snprintf(
            text + len, cap - len,
            "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"%s\",\"pop\":%.0f},"
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],"
            "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}%s\n",
            id, grid_pop(k), x, y, x + 0.1, y, x + 0.1, y + 0.1, x, y + 0.1, x, y,
            k + 1 < GRID * GRID ? "," : "");
    }
    len += (size_t)snprintf(text + len, cap - len, "]}\n");
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("grid.geojson", text), NULL, NULL,
                                        "pop"));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    free(text);
    return a;
}

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    tw_date_parse(s, strlen(s), &d);
    return d;
}

static tw_sim_opts base_opts(size_t n, uint64_t seed)
{
    tw_sim_opts o;
    memset(&o, 0, sizeof o);
    o.n = n;
    o.seed = seed;
    o.from_day = day_of("2023-01-02"); /* a Monday */
    o.to_day = day_of("2023-12-31");   /* a Sunday: exactly 52 weeks */
    o.location_mix = 1;
    return o;
}

static void check_within(double got, double n, double p, double nsd, int line)
{
    double sd = sqrt(n * p * (1 - p));
    if (fabs(got - n * p) > nsd * sd)
        harness_fail(__FILE__, line, "observed %g, expected %g +- %g (%g sd)", got, n * p,
                     nsd * sd, nsd);
}

static void test_determinism(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = grid(ctx, 1);
    tw_sim_opts o = base_opts(3000, 42);
    const char *p1 = harness_tmp("sim1.csv"), *p2 = harness_tmp("sim2.csv"),
               *p3 = harness_tmp("sim3.csv");
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, p1));
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, p2));
    o.seed = 43;
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, p3));
    size_t n1 = 0, n2 = 0, n3 = 0;
    char *t1 = harness_read(p1, &n1), *t2 = harness_read(p2, &n2), *t3 = harness_read(p3, &n3);
    CHECK(n1 == n2 && memcmp(t1, t2, n1) == 0);
    CHECK(n1 != n3 || memcmp(t1, t3, n1) != 0);
    CHECK(strncmp(t1, "case_id,report_date,source,lon,lat,psgc,children,category\n", 58) == 0);
    size_t lines = 0;
    for (size_t i = 0; i < n1; i++)
        lines += t1[i] == '\n';
    CHECK_EQ_INT(lines, 3001);
    /* ids are SIM-<8 digits>, nothing else that could name anyone */
    CHECK(strstr(t1, "\nSIM-00000001,") != NULL && strstr(t1, "\nSIM-00003000,") != NULL);
    free(t1);
    free(t2);
    free(t3);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Read back, place, and compare shares with their exact expectations. */
static void test_read_back_and_shares(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = grid(ctx, 1);
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));
    const size_t n = 20000;
    const double rr = 4;
    tw_sim_cluster cl;
    memset(&cl, 0, sizeof cl);
    grid_id(cl.center_id, 14); /* row 2, col 2: rook neighbours 13, 15, 8, 20 */
    cl.n_areas = 5;
    cl.rr = rr;
    tw_sim_opts o = base_opts(n, 7);
    o.clusters = &cl;
    o.n_clusters = 1;
    const char *path = harness_tmp("sim_cluster.csv");
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, path));

    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {NULL, 0, day_of("2024-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, path, &ro, &c, &rep));
    CHECK_EQ_INT(rep.rows_read, n);
    CHECK_EQ_INT(rep.rows_accepted, n);
    CHECK_EQ_INT(tw_cases_count(c), n);

    double cnt[GRID * GRID];
    tw_aggregate_report r;
    tw_aggregate_opts ao = {0};
    ao.level = TW_LEVEL_MUNICIPALITY;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &ao, cnt, &r));
    CHECK_EQ_INT(r.placed, n);
    CHECK(r.by_point > n / 4 && r.by_code > n / 4); /* a real mix */
    CHECK_NEAR(r.count_placed, (double)n, 0);

    /* cluster share: rr * P_in / (rr * P_in + P_out) */
    static const int in[5] = {14, 13, 15, 8, 20};
    double pin = 0, ptot = 0, obs = 0;
    for (int k = 0; k < GRID * GRID; k++)
        ptot += grid_pop(k);
    for (int j = 0; j < 5; j++) {
        char id[11];
        grid_id(id, in[j]);
        long ai = tw_areas_find(a, id);
        CHECK(ai >= 0);
        pin += grid_pop(in[j]);
        obs += ai >= 0 ? cnt[ai] : 0;
    }
    double share = rr * pin / (rr * pin + (ptot - pin));
    check_within(obs, (double)n, share, 5, __LINE__);
    /* every area against its own expectation */
    for (int k = 0; k < GRID * GRID; k++) {
        char id[11];
        grid_id(id, k);
        long ai = tw_areas_find(a, id);
        int member = k == 14 || k == 13 || k == 15 || k == 8 || k == 20;
        double w = grid_pop(k) * (member ? rr : 1);
        check_within(cnt[ai], (double)n, w / (rr * pin + (ptot - pin)), 5, __LINE__);
    }

    /* CyberTipline share 0.70 */
    ao.source = "CyberTipline";
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &ao, cnt, &r));
    check_within(r.count_placed, (double)n, 0.70, 5, __LINE__);
    ao.source = NULL;
    /* children 1/2/3 with 60/25/15 %: mean 1.55, variance 0.5475 */
    ao.weight_children = 1;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &ao, cnt, &r));
    CHECK(fabs(r.count_placed / (double)n - 1.55) <= 5 * sqrt(0.5475 / (double)n));
    ao.weight_children = 0;
    /* all dates in range */
    ao.from_day = o.from_day;
    ao.to_day = o.to_day;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &ao, cnt, &r));
    CHECK_EQ_INT(r.filtered_out, 0);

    /* weekends: CyberTipline uniform (2/7), other channels thinned to 60 %:
       0.7 * 2/7 + 0.3 * 1.2/6.2 */
    csv_reader *cr;
    CHECK_OK(ctx, csv_open(ctx, path, &cr));
    bool eof;
    CHECK_OK(ctx, csv_next(cr, &eof));
    double weekend = 0;
    while (csv_next(cr, &eof) == TW_OK && !eof) {
        int32_t d;
        CHECK(tw_date_parse(csv_field(cr, 1, NULL), 10, &d) == TW_OK);
        weekend += ((d + 3) % 7) >= 5;
    }
    csv_close(cr);
    check_within(weekend, (double)n, 0.7 * 2.0 / 7.0 + 0.3 * 1.2 / 6.2, 5, __LINE__);

    /* codes only */
    o.location_mix = 0;
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, path));
    tw_cases *c0 = NULL;
    CHECK_OK(ctx, tw_cases_read_csv(ctx, path, &ro, &c0, &rep));
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c0, a, NULL, &ao, cnt, &r));
    CHECK_EQ_INT(r.by_code, n);
    tw_cases_free(c0);
    tw_cases_free(c);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* The members of a planted cluster: the centre, then the nearest by point
   (east and west 0.1 degree of longitude = 10.9 km at 10.2 N are nearer
   than north and south, 11.1 km; ties by area order). */
static void test_cluster_members(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = grid(ctx, 0);
    unsigned char m[GRID * GRID];
    tw_sim_cluster cl;
    memset(&cl, 0, sizeof cl);
    snprintf(cl.center_id, sizeof cl.center_id, "G14");
    cl.rr = 3;
    static const int want3[] = {13, 14, 15}, want5[] = {8, 13, 14, 15, 20};
    for (int pass = 0; pass < 2; pass++) {
        cl.n_areas = pass ? 5 : 3;
        const int *want = pass ? want5 : want3;
        memset(m, 7, sizeof m); /* every byte is written */
        CHECK_OK(ctx, tw_sim_cluster_members(ctx, a, &cl, m));
        int got = 0, w = 0;
        for (int k = 0; k < GRID * GRID; k++) {
            CHECK(m[k] <= 1);
            if (m[k]) {
                got++;
                CHECK_EQ_INT(tw_areas_find(a, "G14") >= 0, 1);
                char id[8];
                snprintf(id, sizeof id, "G%d", want[w < cl.n_areas ? w : 0]);
                CHECK_EQ_INT(tw_areas_find(a, id), k);
                w++;
            }
        }
        CHECK_EQ_INT(got, cl.n_areas);
    }
    cl.n_areas = 1; /* the centre alone */
    CHECK_OK(ctx, tw_sim_cluster_members(ctx, a, &cl, m));
    CHECK(m[tw_areas_find(a, "G14")] == 1 && m[tw_areas_find(a, "G13")] == 0);
    cl.n_areas = GRID * GRID + 1;
    CHECK_EQ_INT(tw_sim_cluster_members(ctx, a, &cl, m), TW_E_ARG);
    cl.n_areas = 0;
    CHECK_EQ_INT(tw_sim_cluster_members(ctx, a, &cl, m), TW_E_ARG);
    cl.n_areas = 3;
    cl.rr = 0;
    CHECK_EQ_INT(tw_sim_cluster_members(ctx, a, &cl, m), TW_E_ARG);
    cl.rr = 3;
    snprintf(cl.center_id, sizeof cl.center_id, "G99");
    CHECK_EQ_INT(tw_sim_cluster_members(ctx, a, &cl, m), TW_E_UNKNOWN_ID);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_refusals(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = grid(ctx, 1);
    const char *path = harness_tmp("sim_bad.csv");
    tw_sim_opts o = base_opts(10, 1);
    o.n = 0;
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_ARG);
    o = base_opts(10, 1);
    o.from_day = day_of("1989-12-31");
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_ARG);
    o = base_opts(10, 1);
    o.to_day = o.from_day - 1;
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_ARG);
    tw_sim_cluster cl;
    memset(&cl, 0, sizeof cl);
    snprintf(cl.center_id, sizeof cl.center_id, "0799999000");
    cl.n_areas = 3;
    cl.rr = 2;
    o = base_opts(10, 1);
    o.clusters = &cl;
    o.n_clusters = 1;
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_UNKNOWN_ID);
    grid_id(cl.center_id, 0);
    cl.n_areas = 37;
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_ARG);
    cl.n_areas = 3;
    cl.rr = 0;
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_ARG);
    o = base_opts(10, 1);
    CHECK(tw_simulate_write(ctx, a, &o, "/nonexistent-dir/x.csv") == TW_E_IO);
    tw_areas_free(a);

    /* non-PSGC ids: codes-only is refused, the mix uses points only */
    a = grid(ctx, 0);
    o = base_opts(500, 3);
    o.location_mix = 0;
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_ARG);
    o.location_mix = 1;
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, path));
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {NULL, 0, day_of("2024-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, path, &ro, &c, &rep));
    CHECK_EQ_INT(rep.rows_accepted, 500);
    double cnt[GRID * GRID];
    tw_aggregate_report r;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, NULL, cnt, &r));
    CHECK_EQ_INT(r.by_point, 500);
    tw_cases_free(c);
    tw_locator_free(loc);
    tw_areas_free(a);

    /* an area without population */
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a,
                                    harness_write("nopop.csv", "psgc,name,lon,lat,pop2020\n"
                                                               "0702201000,A,123,10,5\n"
                                                               "0702202000,B,123.1,10,\n"),
                                    NULL));
    o = base_opts(10, 1);
    CHECK(tw_simulate_write(ctx, a, &o, path) == TW_E_ARG);
    CHECK(strstr(tw_ctx_error(ctx)->message, "0702202000") != NULL);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Failing allocator for the simulate call's context (the areas live in
   another one): every allocation fails in turn, then the call succeeds. */
static long alloc_fail_at, alloc_count;
static void *t_malloc(void *ud, size_t n)
{
    (void)ud;
    return alloc_count++ == alloc_fail_at ? NULL : malloc(n);
}
static void *t_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return alloc_count++ == alloc_fail_at ? NULL : realloc(p, n);
}
static void t_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static void test_allocation_failures(void)
{
    tw_ctx *actx = tw_ctx_new();
    tw_areas *a = grid(actx, 1);
    tw_sim_cluster cl;
    memset(&cl, 0, sizeof cl);
    grid_id(cl.center_id, 3);
    cl.n_areas = 4;
    cl.rr = 2;
    tw_sim_opts o = base_opts(100, 5);
    o.clusters = &cl;
    o.n_clusters = 1;
    const char *path = harness_tmp("sim_nomem.csv");
    tw_allocator al = {t_malloc, t_realloc, t_free, NULL};
    int injected = 1;
    for (alloc_fail_at = 0; injected && alloc_fail_at < 100; alloc_fail_at++) {
        tw_ctx *ctx = tw_ctx_new();
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
        alloc_count = 0;
        tw_status s = tw_simulate_write(ctx, a, &o, path);
        injected = alloc_count > alloc_fail_at;
        CHECK(injected ? s == TW_E_NOMEM : s == TW_OK);
        tw_ctx_free(ctx);
    }
    CHECK(!injected);
    /* aggregation with a source filter allocates once */
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {NULL, 0, day_of("2024-01-01")};
    CHECK_OK(actx, tw_cases_read_csv(actx, path, &ro, &c, &rep));
    tw_locator *loc = NULL;
    CHECK_OK(actx, tw_locator_new(actx, a, &loc));
    double cnt[GRID * GRID];
    tw_aggregate_report r;
    tw_aggregate_opts ao = {0};
    ao.source = "NBI";
    tw_ctx *ctx = tw_ctx_new();
    CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
    alloc_count = 0;
    alloc_fail_at = 0;
    CHECK(tw_cases_aggregate(ctx, c, a, loc, &ao, cnt, &r) == TW_E_NOMEM);
    alloc_fail_at = -1;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &ao, cnt, &r));
    tw_ctx_free(ctx);
    tw_locator_free(loc);
    tw_cases_free(c);
    tw_areas_free(a);
    tw_ctx_free(actx);
}

/* Multi-agency simulation: determinism, every record read back, the truth
   file (one line per record, duplicates share within 5 sd, cluster
   membership only from the onset and more incidents there after it),
   refusals and allocation failures. */
static void test_multi_agency(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = grid(ctx, 1);
    tw_sim_cluster cl;
    memset(&cl, 0, sizeof cl);
    grid_id(cl.center_id, 14);
    cl.n_areas = 5;
    cl.rr = 10;
    int32_t onset = day_of("2023-07-01");
    const size_t n = 8000;
    tw_sim_opts o = base_opts(n, 21);
    o.clusters = &cl;
    o.n_clusters = 1;
    o.cluster_onset_days = &onset;
    o.agencies = 6;
    o.duplicates = 0.25;
    o.identifiers = 0;
    o.truth_path = harness_tmp("multi_truth.csv");
    o.addresses_path = harness_tmp("multi_addr.csv");
    const char *p1 = harness_tmp("multi1.csv"), *p2 = harness_tmp("multi2.csv");
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, p1));
    size_t nt1 = 0, nt2 = 0, n1 = 0, n2 = 0;
    char *t1 = harness_read(o.truth_path, &nt1);
    o.truth_path = harness_tmp("multi_truth2.csv");
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, p2));
    char *t2 = harness_read(o.truth_path, &nt2), *r1 = harness_read(p1, &n1), *r2 = harness_read(p2, &n2);
    CHECK(n1 == n2 && memcmp(r1, r2, n1) == 0);
    CHECK(nt1 == nt2 && memcmp(t1, t2, nt1) == 0);
    const char *hdr = "case_id,report_date,source,lon,lat,psgc,children,category,uncertainty_m\n";
    CHECK(strncmp(r1, hdr, strlen(hdr)) == 0);

    /* every record read back by the plain reader */
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {NULL, 0, day_of("2025-12-31")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, p1, &ro, &c, &rep));
    CHECK_EQ_INT(rep.rows_rejected, 0);

    /* truth: case_id,incident_id,source,true_area,true_date,clusters */
    size_t lines = 0, incidents = 0, multi = 0, in_before = 0, in_after = 0, bad = 0;
    char last_inc[16] = "";
    int cur_size = 0;
    char cl_ids[5][11];
    for (int k = 0; k < 5; k++)
        grid_id(cl_ids[k], k == 0 ? 14 : k == 1 ? 13 : k == 2 ? 15 : k == 3 ? 8 : 20);
    char *line = strchr(t1, '\n') + 1;
    while (*line) {
        char *end = strchr(line, '\n');
        *end = '\0';
        char *f[6] = {0};
        f[0] = line;
        for (int k = 1; k < 6; k++) {
            f[k] = strchr(f[k - 1], ',');
            if (!f[k])
                break;
            *f[k]++ = '\0';
        }
        lines++;
        int32_t d = day_of(f[4]);
        int in_cl = 0;
        for (int k = 0; k < 5; k++)
            in_cl |= strcmp(f[3], cl_ids[k]) == 0;
        if (strcmp(f[1], last_inc) != 0) {
            incidents++;
            memcpy(last_inc, f[1], strlen(f[1]) + 1);
            cur_size = 1;
            if (in_cl)
                *(d < onset ? &in_before : &in_after) += 1;
        } else if (++cur_size == 2) {
            multi++;
        }
        bad += (f[5][0] != '\0') != (in_cl && d >= onset);
        line = end + 1;
    }
    CHECK_EQ_INT(lines, rep.rows_read);
    CHECK_EQ_INT(incidents, n);
    CHECK_EQ_INT(bad, 0);
    check_within((double)multi, (double)n, 0.25, 5, __LINE__);
    /* half a year each side: rr 10 shows as far more incidents after */
    CHECK(in_after > 4 * in_before);
    tw_cases_free(c);
    free(t1);
    free(t2);
    free(r1);
    free(r2);

    /* refusals */
    tw_sim_opts q = base_opts(10, 1);
    q.agencies = 7;
    CHECK(tw_simulate_write(ctx, a, &q, p2) == TW_E_ARG);
    q.agencies = 2;
    q.duplicates = 1.5;
    CHECK(tw_simulate_write(ctx, a, &q, p2) == TW_E_ARG);
    q.agencies = 0;
    q.duplicates = 0;
    q.truth_path = o.truth_path;
    CHECK(tw_simulate_write(ctx, a, &q, p2) == TW_E_ARG);
    q.agencies = 1;
    q.truth_path = "/nonexistent-dir/t.csv";
    CHECK(tw_simulate_write(ctx, a, &q, p2) == TW_E_IO);

    /* allocation failures */
    o.n = 50;
    o.identifiers = 1;
    tw_allocator al = {t_malloc, t_realloc, t_free, NULL};
    int injected = 1;
    for (alloc_fail_at = 0; injected && alloc_fail_at < 100; alloc_fail_at++) {
        tw_ctx *fctx = tw_ctx_new();
        CHECK_OK(fctx, tw_ctx_set_allocator(fctx, &al));
        alloc_count = 0;
        tw_status st = tw_simulate_write(fctx, a, &o, p2);
        injected = alloc_count > alloc_fail_at;
        CHECK(injected ? st == TW_E_NOMEM : st == TW_OK);
        tw_ctx_free(fctx);
    }
    CHECK(!injected);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Real barangays: every simulated record is read back and placed; speed. */
static void test_cebu_barangays(void)
{
    const char *g = harness_data_path("cebu_metro/barangays.geojson");
    if (!g) {
        printf("skip: no cebu_metro data\n");
        return;
    }
    char gp[1024], cp[1024];
    snprintf(gp, sizeof gp, "%s", g);
    snprintf(cp, sizeof cp, "%s", harness_data_path("cebu_metro/barangays.csv"));
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, gp, NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, cp, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    tw_locator *loc = NULL;
    CHECK_OK(ctx, tw_locator_new(ctx, a, &loc));
    const size_t n = 200000;
    tw_sim_opts o = base_opts(n, 2024);
    tw_sim_cluster cl;
    memset(&cl, 0, sizeof cl);
    snprintf(cl.center_id, sizeof cl.center_id, "0731100001"); /* a Lapu-Lapu barangay */
    cl.n_areas = 10;
    cl.rr = 3;
    o.clusters = &cl;
    o.n_clusters = 1;
    const char *path = harness_tmp("sim_cebu.csv");
    double t0 = now_s();
    CHECK_OK(ctx, tw_simulate_write(ctx, a, &o, path));
    double t1 = now_s();
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts ro = {NULL, 0, day_of("2024-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, path, &ro, &c, &rep));
    double t2 = now_s();
    CHECK_EQ_INT(rep.rows_accepted, n);
    double *cnt = calloc(tw_areas_count(a), sizeof *cnt);
    tw_aggregate_report r;
    tw_aggregate_opts ao = {0};
    ao.level = TW_LEVEL_BARANGAY;
    CHECK_OK(ctx, tw_cases_aggregate(ctx, c, a, loc, &ao, cnt, &r));
    double t3 = now_s();
    CHECK_EQ_INT(r.placed, n);
    CHECK_EQ_INT(r.outside + r.unknown_code + r.coarser, 0);
    printf("%zu records over %zu barangays: simulate %.0f rec/s, read %.0f rec/s, "
           "aggregate %.0f rec/s (%zu by point)\n",
           n, tw_areas_count(a), n / (t1 - t0), n / (t2 - t1), n / (t3 - t2), r.by_point);
    free(cnt);
    tw_cases_free(c);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_determinism);
    RUN(test_read_back_and_shares);
    RUN(test_cluster_members);
    RUN(test_refusals);
    RUN(test_allocation_failures);
    RUN(test_multi_agency);
    RUN(test_cebu_barangays);
    return harness_finish();
}
