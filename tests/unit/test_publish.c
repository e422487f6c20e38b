/*
 * test_publish.c: safe publication through the public API. A hand-made
 * two-level geography (eight provinces in three regions, PSGC codes) checks
 * the hierarchy read from the codes, the primary and complementary cells,
 * the audit's ranges and the totals file; noise is reproducible for a seed
 * and keeps totals the sums of the published areas; a hierarchy whose
 * columns contradict each other is refused; every allocation failure is
 * TW_E_NOMEM without leaks. A two-step cube is published with its areas
 * as one tree (zeros withheld in the cube) and its whole-number view
 * keeps every sum. With the real geography, random counts over the
 * 1,600-odd municipalities are published and audited.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tanaw/tanaw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *prov_csv =
    "psgc,name,lon,lat,population\n"
    "0102800000,Ilocos Norte,120.7,18.2,100\n"
    "0102900000,Ilocos Sur,120.5,17.2,200\n"
    "0103300000,La Union,120.4,16.6,300\n"
    "0105500000,Pangasinan,120.3,16.0,400\n"
    "0200900000,Batanes,121.9,20.4,50\n"
    "0201500000,Cagayan,121.8,18.0,500\n"
    "0203100000,Isabela,121.9,16.9,600\n"
    "0300800000,Bataan,120.4,14.6,700\n";

static tw_areas *load(tw_ctx *ctx, const char *name, const char *csv)
{
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, harness_write(name, csv), NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    return a;
}

static void test_hand_geography(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load(ctx, "prov.csv", prov_csv);
    double counts[8] = {3, 25, 40, 60, 0, 30, 45, 12};
    tw_publish_opts o = {0, 0, 0}; /* min count 10 by default */
    tw_publication *p = NULL;
    CHECK_OK(ctx, tw_publish_compute(ctx, a, counts, &o, &p));
    if (!p) {
        tw_areas_free(a);
        tw_ctx_free(ctx);
        return;
    }
    CHECK_EQ_INT(p->n, 8);
    CHECK_EQ_INT(p->n_totals, 4); /* three regions and the country */
    CHECK(strcmp(p->total_id[0], "0100000000") == 0);
    CHECK(strcmp(p->total_id[2], "0300000000") == 0);
    CHECK(strcmp(p->total_id[3], "PH") == 0);
    CHECK_EQ_INT(p->total_level[0], TW_LEVEL_REGION);
    CHECK_EQ_INT(p->min_count, 10);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(p->parent[i], 8);
    CHECK_EQ_INT(p->parent[4], 9);
    CHECK_EQ_INT(p->parent[7], 10);
    CHECK_EQ_INT(p->parent[8], 11);
    CHECK_EQ_INT(p->parent[11], -1);
    /* Ilocos Norte (3) withheld, with Ilocos Sur: the smaller population of the others */
    int want[12] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int k = 0; k < 12; k++)
        CHECK_EQ_INT(p->suppressed[k], want[k]);
    CHECK(isnan(p->count[0]) && isnan(p->count[1]));
    CHECK_EQ_INT(p->count[2], 40);
    CHECK_EQ_INT(p->count[8], 128);
    CHECK_EQ_INT(p->count[11], 215);
    CHECK_EQ_INT(p->n_suppressed, 2);
    CHECK_EQ_INT(p->narrowest, 26); /* 3 + 25 = 28: each in [1, 27] */
    /* the view shares the 28 by population 100 : 200 */
    CHECK_NEAR(p->view[0], 28.0 / 3, 1e-12);
    CHECK_NEAR(p->view[1], 56.0 / 3, 1e-12);
    double lo[12], hi[12];
    size_t exposed = 99;
    CHECK_OK(ctx, tw_publish_audit(ctx, p, lo, hi, &exposed));
    CHECK_EQ_INT(exposed, 0);
    CHECK_EQ_INT(lo[0], 1);
    CHECK_EQ_INT(hi[0], 27);
    double rate[8];
    for (int i = 0; i < 8; i++)
        rate[i] = counts[i];
    tw_publish_withhold(p, rate);
    CHECK(isnan(rate[0]) && isnan(rate[1]) && rate[2] == 40);
    const char *path = harness_tmp("totals.csv");
    CHECK_OK(ctx, tw_publish_write_totals_csv(ctx, p, a, path));
    const char *want_csv =
        "id,level,parent,count,suppressed\n"
        "0102800000,province,0100000000,,1\n"
        "0102900000,province,0100000000,,1\n"
        "0103300000,province,0100000000,40,0\n"
        "0105500000,province,0100000000,60,0\n"
        "0200900000,province,0200000000,0,0\n"
        "0201500000,province,0200000000,30,0\n"
        "0203100000,province,0200000000,45,0\n"
        "0300800000,province,0300000000,12,0\n"
        "0100000000,region,PH,128,0\n"
        "0200000000,region,PH,75,0\n"
        "0300000000,region,PH,12,0\n"
        "PH,national,,215,0\n";
    char *got = harness_read(path, NULL);
    CHECK(got && strcmp(got, want_csv) == 0);
    free(got);
    CHECK_EQ_INT(tw_publish_write_totals_csv(ctx, p, a, "/nonexistent/dir/t.csv"), TW_E_IO);
    tw_publication_free(ctx, p);

    /* a small region: Bataan 5 is alone in region III, so region III and another region go too */
    counts[7] = 5;
    CHECK_OK(ctx, tw_publish_compute(ctx, a, counts, &o, &p));
    if (p) {
        CHECK(p->suppressed[7] && p->suppressed[10]);
        CHECK(p->suppressed[8] || p->suppressed[9]);
        CHECK(!p->suppressed[11]);
        CHECK_OK(ctx, tw_publish_audit(ctx, p, lo, hi, &exposed));
        CHECK_EQ_INT(exposed, 0);
        tw_publication_free(ctx, p);
        p = NULL;
    }
    /* refused: fractional counts, min count 2 */
    counts[7] = 1.5;
    CHECK_EQ_INT(tw_publish_compute(ctx, a, counts, &o, &p), TW_E_DOMAIN);
    CHECK(strstr(tw_ctx_error(ctx)->message, "0300800000") != NULL);
    counts[7] = 12;
    o.min_count = 2;
    CHECK_EQ_INT(tw_publish_compute(ctx, a, counts, &o, &p), TW_E_ARG);
    CHECK(p == NULL);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_noise(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load(ctx, "prov2.csv", prov_csv);
    double counts[8] = {3, 25, 40, 60, 0, 30, 45, 12};
    tw_publication *p1 = NULL, *p2 = NULL, *p3 = NULL;
    tw_publish_opts o = {10, 0.5, 12345};
    CHECK_OK(ctx, tw_publish_compute(ctx, a, counts, &o, &p1));
    CHECK_OK(ctx, tw_publish_compute(ctx, a, counts, &o, &p2));
    o.noise_seed = 54321;
    CHECK_OK(ctx, tw_publish_compute(ctx, a, counts, &o, &p3));
    if (p1 && p2 && p3) {
        int differ = 0, noisy = 0;
        for (size_t k = 0; k < 12; k++) {
            CHECK(p1->suppressed[k] == p2->suppressed[k]);
            CHECK(memcmp(&p1->count[k], &p2->count[k], sizeof(double)) == 0);
            differ += memcmp(&p1->count[k], &p3->count[k], sizeof(double)) != 0;
            if (!p1->suppressed[k])
                CHECK(p1->count[k] == 0 || p1->count[k] >= 10);
            if (k < 8 && !p1->suppressed[k])
                noisy += p1->count[k] != counts[k];
        }
        CHECK(differ > 0);
        CHECK(noisy > 0);
        CHECK_EQ_INT(p1->epsilon * 2, 1);
        /* published totals are sums of the noisy areas beneath (view for withheld ones) */
        for (size_t t = 0; t < p1->n_totals; t++) {
            double s = 0;
            for (size_t k = 0; k < p1->n + p1->n_totals; k++)
                if (p1->parent[k] == (int32_t)(p1->n + t))
                    s += p1->view[k];
            if (!p1->suppressed[p1->n + t])
                CHECK_NEAR(s, p1->count[p1->n + t], 1e-9);
        }
    }
    tw_publication_free(ctx, p1);
    tw_publication_free(ctx, p2);
    tw_publication_free(ctx, p3);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_inconsistent_hierarchy(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load(ctx, "mun.csv",
                       "psgc,name,lon,lat,population,province_psgc,region_psgc\n"
                       "0102801000,A,120.9,18.4,10,0102800000,0100000000\n"
                       "0102802000,B,120.8,18.3,10,0102800000,0200000000\n");
    double counts[2] = {20, 30};
    tw_publication *p = NULL;
    CHECK_EQ_INT(tw_publish_compute(ctx, a, counts, NULL, &p), TW_E_ARG);
    CHECK(strstr(tw_ctx_error(ctx)->message, "inconsistent hierarchy") != NULL);
    CHECK(p == NULL);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static long alloc_fail_at, alloc_count;
static void *t_malloc(void *ud, size_t n)
{
    (void)ud;
    return alloc_count++ == alloc_fail_at ? NULL : malloc(n);
}
static void *t_realloc(void *ud, void *q, size_t n)
{
    (void)ud;
    return alloc_count++ == alloc_fail_at ? NULL : realloc(q, n);
}
static void t_free(void *ud, void *q)
{
    (void)ud;
    free(q);
}

/*
 * A cube of two steps over the hand geography: cells, areas and totals are
 * one publication. Counts per step (step-major), by province:
 *   Ilocos Norte 2,1  Ilocos Sur 12,13  La Union 20,20  Pangasinan 30,30
 *   Batanes 0,0       Cagayan 15,15     Isabela 20,25   Bataan 12,0
 */
static const double cube2[16] = {2, 12, 20, 30, 0, 15, 20, 12, 1, 13, 20, 30, 0, 15, 25, 0};

static void test_cube(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load(ctx, "prov4.csv", prov_csv);
    tw_publication *p = NULL;
    CHECK_OK(ctx, tw_publish_cube(ctx, a, cube2, 2, NULL, &p));
    if (!p) {
        tw_areas_free(a);
        tw_ctx_free(ctx);
        return;
    }
    CHECK_EQ_INT(p->n_steps, 2);
    /* areas and totals as sums of the cells; national 215 shown */
    size_t nn = p->n + p->n_totals;
    CHECK(!p->suppressed[nn - 1] && p->count[nn - 1] == 215);
    for (size_t i = 0; i < 8; i++)
        if (!p->suppressed[i])
            CHECK(p->count[i] == cube2[i] + cube2[8 + i]);
    /* primary cells: Ilocos Norte's 2 and 1, Bataan's 0 in an area of 12
       (zeros withheld in the cube), hence Bataan's 12 as its complement */
    CHECK(p->cell_suppressed[0] && p->cell_suppressed[8]);
    CHECK(p->cell_suppressed[15] && p->cell_suppressed[7]);
    /* Batanes: a published 0, its cells shown as zeros */
    CHECK(!p->suppressed[4] && p->count[4] == 0);
    CHECK(!p->cell_suppressed[4] && p->cell_count[4] == 0 && !p->cell_suppressed[12]);
    /* Ilocos Norte's complement in region I, and in the withheld area
       Ilocos Sur one cell more (a withheld total over shown children) */
    CHECK(p->suppressed[0] && p->suppressed[1]);
    CHECK(p->cell_suppressed[1] + p->cell_suppressed[9] >= 1);
    for (size_t c = 0; c < 16; c++) {
        if (!p->cell_suppressed[c]) {
            CHECK(p->cell_count[c] == cube2[c]);
            CHECK(p->cell_count[c] >= 10 || p->count[c % 8] == 0);
        } else {
            CHECK(isnan(p->cell_count[c]));
        }
    }
    double lo[16], hi[16];
    size_t exposed = 99;
    CHECK_OK(ctx, tw_publish_audit(ctx, p, lo, hi, &exposed));
    CHECK_EQ_INT(exposed, 0);
    CHECK(p->narrowest >= 4 && isfinite(p->narrowest));
    /* the whole-number view: published where shown, whole numbers that
       keep every sum (cells to areas, areas to the national total) */
    double av[8], cv[16];
    CHECK_OK(ctx, tw_publish_view_whole(ctx, p, a, av, cv));
    double tot = 0;
    for (size_t i = 0; i < 8; i++) {
        CHECK(av[i] == floor(av[i]) && av[i] >= 0);
        CHECK(av[i] == cv[i] + cv[8 + i]);
        if (!p->suppressed[i])
            CHECK(av[i] == p->count[i]);
        tot += av[i];
    }
    CHECK(tot == 215);
    for (size_t c = 0; c < 16; c++)
        if (!p->cell_suppressed[c])
            CHECK(cv[c] == p->cell_count[c]);
    CHECK(av[0] + av[1] == 28); /* region I (128) less its shown 100 */
    /* the view depends on the published numbers only: move a case inside
       the withheld cells of Ilocos Norte, same publication, same view */
    double moved[16];
    memcpy(moved, cube2, sizeof moved);
    moved[0] = 1;
    moved[8] = 2;
    tw_publication *q = NULL;
    CHECK_OK(ctx, tw_publish_cube(ctx, a, moved, 2, NULL, &q));
    if (q) {
        double av2[8], cv2[16];
        CHECK_OK(ctx, tw_publish_view_whole(ctx, q, a, av2, cv2));
        CHECK(memcmp(av, av2, sizeof av) == 0 && memcmp(cv, cv2, sizeof cv) == 0);
        CHECK(memcmp(p->cell_suppressed, q->cell_suppressed, 16 * sizeof(int)) == 0);
        tw_publication_free(ctx, q);
    }
    /* a cube needs steps and whole counts */
    CHECK_EQ_INT(tw_publish_cube(ctx, a, cube2, 0, NULL, &q), TW_E_ARG);
    moved[3] = 0.5;
    CHECK_EQ_INT(tw_publish_cube(ctx, a, moved, 2, NULL, &q), TW_E_DOMAIN);
    tw_publication_free(ctx, p);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_nomem(void)
{
    tw_ctx *base = tw_ctx_new();
    tw_areas *a = load(base, "prov3.csv", prov_csv);
    double counts[8] = {3, 25, 40, 60, 0, 30, 45, 5};
    int failures = 0, done = 0;
    for (alloc_fail_at = 0; alloc_fail_at < 1000 && !done; alloc_fail_at++) {
        tw_ctx *ctx = tw_ctx_new();
        tw_allocator al = {t_malloc, t_realloc, t_free, NULL};
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
        alloc_count = 0;
        tw_publication *p = NULL;
        tw_status s = tw_publish_compute(ctx, a, counts, NULL, &p);
        if (s == TW_OK) { /* then the cube and its whole view, failing further on */
            tw_publication *q = NULL;
            double av[8], cv[16];
            s = tw_publish_cube(ctx, a, cube2, 2, NULL, &q);
            if (s == TW_OK)
                s = tw_publish_view_whole(ctx, q, a, av, cv);
            tw_publication_free(ctx, q);
        }
        if (s == TW_OK) {
            done = 1;
            CHECK(p != NULL);
        } else if (p) { /* the cube or the view failed */
            CHECK_EQ_INT(s, TW_E_NOMEM);
            failures++;
        } else {
            CHECK_EQ_INT(s, TW_E_NOMEM);
            CHECK(p == NULL);
            failures++;
        }
        tw_publication_free(ctx, p);
        tw_ctx_free(ctx);
    }
    CHECK(done);
    CHECK(failures >= 10);
    tw_areas_free(a);
    tw_ctx_free(base);
}

static void test_real_municipalities(void)
{
    const char *path = harness_data_path("municipalities.csv");
    if (!path) {
        printf("skip: no real geography\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, path, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    size_t n = tw_areas_count(a);
    CHECK(n > 1600);
    double *c = malloc(n * sizeof *c);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t u = x % 100;
        c[i] = u < 30 ? 0 : u < 75 ? (double)(1 + (x >> 20) % 9) : (double)(10 + (x >> 20) % 90);
    }
    for (int eps = 0; eps <= 1; eps++) {
        tw_publish_opts o = {10, eps ? 1.0 : 0, 777};
        tw_publication *p = NULL;
        CHECK_OK(ctx, tw_publish_compute(ctx, a, c, &o, &p));
        if (!p)
            continue;
        size_t regions = 0, provinces = 0;
        for (size_t t = 0; t < p->n_totals; t++) {
            regions += p->total_level[t] == TW_LEVEL_REGION;
            provinces += p->total_level[t] == TW_LEVEL_PROVINCE;
        }
        CHECK(regions >= 17 && regions <= 18);
        CHECK(provinces > 80);
        size_t nn = p->n + p->n_totals;
        double *lo = malloc(nn * sizeof *lo), *hi = malloc(nn * sizeof *hi);
        size_t exposed = 99;
        CHECK_OK(ctx, tw_publish_audit(ctx, p, lo, hi, &exposed));
        CHECK_EQ_INT(exposed, 0);
        for (size_t k = 0; k < nn; k++) {
            if (!p->suppressed[k])
                CHECK(p->count[k] == 0 || p->count[k] >= 10);
            else
                CHECK(hi[k] - lo[k] >= 4);
        }
        CHECK(p->n_suppressed > 400 && p->n_suppressed < nn);
        printf("municipalities, epsilon %g: %zu of %zu nodes withheld, narrowest range %g\n",
               p->epsilon, p->n_suppressed, nn, p->narrowest);
        free(lo);
        free(hi);
        tw_publication_free(ctx, p);
    }
    free(c);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_hand_geography);
    RUN(test_noise);
    RUN(test_inconsistent_hierarchy);
    RUN(test_cube);
    RUN(test_nomem);
    RUN(test_real_municipalities);
    return harness_finish();
}
