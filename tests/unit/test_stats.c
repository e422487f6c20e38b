/*
 * test_stats.c: hand-computed cases and properties of the statistics
 * (goldens from spdep are in test_stats_golden.c):
 *  - a 4-area path computed by hand: Gi*, Gi, local Moran, global Moran;
 *  - rates (EB edge cases), p-value adjustment, labels;
 *  - permutations: p-values uniform under the null (chi-square), p in
 *    (0, 1], identical for 1, 2 and 3 threads, conditional permutation
 *    moments equal to the analytic conditional moments of local Moran
 *    (so the sampling is without replacement), a planted hotspot found;
 *  - Gi* unchanged when areas are reordered;
 *  - zero variance, bad options, cancellation and failed allocations.
 */
#include "harness.h"
#include "tanaw/tanaw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Small deterministic generator for test data (not the library's). */
static uint64_t lcg_state = 88172645463325252ull;
static double unif(void)
{
    lcg_state ^= lcg_state << 13;
    lcg_state ^= lcg_state >> 7;
    lcg_state ^= lcg_state << 17;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}

static tw_weights *path4(tw_ctx *ctx, int self, tw_wstyle style)
{
    size_t rowptr[] = {0, 1, 3, 5, 6};
    int32_t col[] = {1, 0, 2, 1, 3, 2};
    tw_weights *b = NULL, *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, 4, rowptr, col, NULL, &b));
    CHECK_OK(ctx, tw_weights_transform(ctx, b, self, style, &w));
    tw_weights_free(b);
    return w;
}

/* n areas, each with k random distinct neighbours (not symmetric). */
static tw_weights *random_graph(tw_ctx *ctx, size_t n, int k, int self, tw_wstyle style)
{
    size_t *rowptr = malloc((n + 1) * sizeof *rowptr);
    int32_t *col = malloc(n * (size_t)k * sizeof *col);
    rowptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t base = i * (size_t)k;
        for (int t = 0; t < k;) {
            int32_t j = (int32_t)(unif() * (double)n);
            int dup = (size_t)j == i;
            for (int u = 0; u < t; u++)
                dup |= col[base + (size_t)u] == j;
            if (!dup)
                col[base + (size_t)t++] = j;
        }
        rowptr[i + 1] = base + (size_t)k;
    }
    tw_weights *b = NULL, *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, n, rowptr, col, NULL, &b));
    CHECK_OK(ctx, tw_weights_transform(ctx, b, self, style, &w));
    tw_weights_free(b);
    free(rowptr);
    free(col);
    return w;
}

static void test_hand_gistar(void)
{
    tw_ctx *ctx = tw_ctx_new();
    double x[] = {1, 2, 3, 6}; /* mean 3, sum of squares about the mean 14 */
    tw_weights *w = path4(ctx, 1, TW_STYLE_B);
    tw_local_opts o = {0};
    tw_local_result *r = NULL;
    CHECK_OK(ctx, tw_gistar_compute(ctx, w, x, 1, &o, &r));
    /* s^2 = 14/4; area 0: L = 1+2 = 3, W = S1 = 2, E = 6,
     * Var = 3.5 (4*2 - 4)/3 = 14/3. Area 1: L = 6, W = S1 = 3, E = 9, Var = 3.5. */
    CHECK_NEAR(r->z[0], -3 / sqrt(14 / 3.0), 1e-14);
    CHECK_NEAR(r->z[1], -3 / sqrt(3.5), 1e-14);
    CHECK_NEAR(r->z[2], 2 / sqrt(3.5), 1e-14);
    CHECK_NEAR(r->z[3], 3 / sqrt(14 / 3.0), 1e-14);
    CHECK_NEAR(r->stat[0], 3 / 12.0, 1e-15);
    CHECK_NEAR(r->expected[0], 6 / 12.0, 1e-15);
    CHECK_NEAR(r->variance[0], 14 / 3.0 / 144, 1e-15);
    CHECK_NEAR(r->p[1], erfc(3 / sqrt(3.5) / sqrt(2)), 1e-15);
    CHECK(r->quadrant == NULL);
    tw_local_result_free(ctx, r);
    tw_weights_free(w);

    /* Gi, area 0: L = 2, xbar_0 = 11/3, s_0^2 = 49/3 - 121/9 = 26/9,
     * Var = 26/9 (3*1 - 1)/2 = 26/9, z = -5/sqrt(26), G = 2/11. */
    w = path4(ctx, 0, TW_STYLE_B);
    CHECK_OK(ctx, tw_gistar_compute(ctx, w, x, 0, &o, &r));
    CHECK_NEAR(r->z[0], -5 / sqrt(26.0), 1e-14);
    CHECK_NEAR(r->stat[0], 2 / 11.0, 1e-15);
    CHECK_NEAR(r->expected[0], 11 / 3.0 / 11, 1e-15);
    /* area 3: L = 3, xbar_3 = 2, s_3^2 = 14/3 - 4 = 2/3, Var = 2/3, z = 1/sqrt(2/3) */
    CHECK_NEAR(r->z[3], 1 / sqrt(2 / 3.0), 1e-14);
    tw_local_result_free(ctx, r);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

static void test_hand_moran(void)
{
    tw_ctx *ctx = tw_ctx_new();
    double x[] = {1, 2, 3, 6}; /* z = -2, -1, 0, 3; m2 = 3.5 */
    tw_weights *w = path4(ctx, 0, TW_STYLE_W);
    tw_local_opts o = {0};
    tw_local_result *r = NULL;
    CHECK_OK(ctx, tw_lisa_compute(ctx, w, x, &o, &r));
    /* area 0: lz = -1, I = (-2/3.5)(-1), E = -(4*1)/(3*3.5),
     * Var = (2/3.5)^2 (4/2) (1 - 1/3) (3.5 - 4/3) */
    double v0 = (2 / 3.5) * (2 / 3.5) * 2 * (2 / 3.0) * (3.5 - 4 / 3.0);
    CHECK_NEAR(r->stat[0], 2 / 3.5, 1e-15);
    CHECK_NEAR(r->expected[0], -4 / 10.5, 1e-15);
    CHECK_NEAR(r->variance[0], v0, 1e-15);
    CHECK_NEAR(r->z[0], (2 / 3.5 + 4 / 10.5) / sqrt(v0), 1e-14);
    /* area 1: lz = (-2 + 0)/2 = -1, I = (-1/3.5)(-1); W2 = 1/2 */
    double v1 = (1 / 3.5) * (1 / 3.5) * 2 * (0.5 - 1 / 3.0) * (3.5 - 1 / 3.0);
    CHECK_NEAR(r->stat[1], 1 / 3.5, 1e-15);
    CHECK_NEAR(r->variance[1], v1, 1e-15);
    /* area 2 sits at the mean: I = 0 with zero variance, z and p NaN */
    CHECK(r->stat[2] == 0 && r->variance[2] == 0);
    CHECK(isnan(r->z[2]) && isnan(r->p[2]) && r->cls[2] == 0 && r->quadrant[2] == 0);
    tw_local_result_free(ctx, r);

    /* global: lz = (-1, -1, 1, 0), sum z lz = 3, I = 4/4 * 3/14, E = -1/3 */
    tw_moran_result m;
    CHECK_OK(ctx, tw_moran_compute(ctx, w, x, 0, 1, &m));
    CHECK_NEAR(m.I, 3 / 14.0, 1e-15);
    CHECK_NEAR(m.expected, -1 / 3.0, 1e-15);
    /* normality: S0 = 4, S1 = 1 + 1 + .5*.5*4... computed: S1 = sum w(w + w^T) */
    double S0 = 4, S1 = 0, S2 = 0;
    double W[4][4] = {{0, 1, 0, 0}, {.5, 0, .5, 0}, {0, .5, 0, .5}, {0, 0, 1, 0}};
    for (int i = 0; i < 4; i++) {
        double rs = 0, cs = 0;
        for (int j = 0; j < 4; j++) {
            S1 += W[i][j] * (W[i][j] + W[j][i]);
            rs += W[i][j];
            cs += W[j][i];
        }
        S2 += (rs + cs) * (rs + cs);
    }
    double vn = (16 * S1 - 4 * S2 + 3 * S0 * S0) / (S0 * S0 * 15) - 1 / 9.0;
    CHECK_NEAR(m.variance_norm, vn, 1e-14);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

static void test_rates(void)
{
    tw_ctx *ctx = tw_ctx_new();
    double c[] = {0, 5, 2, 0}, pop[] = {0, 1000, 4000, 500}, out[4];
    CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_COUNT, 0, c, NULL, 4, out));
    CHECK(out[1] == 5 && out[3] == 0);
    CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_PER, 1e5, c, pop, 4, out));
    CHECK(out[0] == 0);
    CHECK_NEAR(out[1], 500, 1e-12);
    CHECK_NEAR(out[2], 50, 1e-12);
    /* EB by hand over the 3 populated areas: b = 7/5500,
     * s2 = sum x (p - b)^2 / 5500, a = s2 - b / (5500/3). */
    CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_EB, 1, c, pop, 4, out));
    double b = 7 / 5500.0, p[] = {0, 5 / 1000.0, 2 / 4000.0, 0};
    double s2 = (1000 * (p[1] - b) * (p[1] - b) + 4000 * (p[2] - b) * (p[2] - b) +
                 500 * (p[3] - b) * (p[3] - b)) / 5500;
    double a = s2 - b / (5500 / 3.0);
    CHECK(a > 0);
    CHECK_NEAR(out[0] / b, 1, 1e-14); /* population 0, count 0: prior mean */
    for (int i = 1; i < 4; i++)
        CHECK_NEAR(out[i] / (b + a * (p[i] - b) / (a + b / pop[i])), 1, 1e-13);
    /* errors */
    double c2[] = {1, 5}, pop2[] = {0, 100};
    CHECK(tw_rate_compute(ctx, TW_RATE_PER, 1, c2, pop2, 2, out) == TW_E_DOMAIN);
    CHECK(strstr(tw_ctx_error(ctx)->message, "population 0") != NULL);
    CHECK(tw_rate_compute(ctx, TW_RATE_EB, 1, c2, pop2, 2, out) == TW_E_DOMAIN);
    double cneg[] = {-1, 2};
    CHECK(tw_rate_compute(ctx, TW_RATE_COUNT, 1, cneg, NULL, 2, out) == TW_E_DOMAIN);
    double pnan[] = {NAN, 100};
    CHECK(tw_rate_compute(ctx, TW_RATE_EB, 1, c2, pnan, 2, out) == TW_E_DOMAIN);
    CHECK(tw_rate_compute(ctx, TW_RATE_PER, 0, c2, pop, 2, out) == TW_E_ARG);
    /* all counts zero: EB is 0 everywhere (EBest would divide 0 by 0) */
    double cz[] = {0, 0, 0};
    CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_EB, 1e5, cz, pop + 1, 3, out));
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0);
    tw_ctx_free(ctx);
}

static void test_p_adjust_hand(void)
{
    tw_ctx *ctx = tw_ctx_new();
    double p[] = {0.01, 0.04, 0.03, 0.5}, o[4];
    CHECK_OK(ctx, tw_p_adjust(ctx, TW_CORRECT_FDR, p, 4, o));
    CHECK_NEAR(o[0], 0.04, 1e-15);
    CHECK_NEAR(o[1], 0.04 * 4 / 3, 1e-15);
    CHECK_NEAR(o[2], 0.04 * 4 / 3, 1e-15);
    CHECK_NEAR(o[3], 0.5, 1e-15);
    CHECK_OK(ctx, tw_p_adjust(ctx, TW_CORRECT_BONFERRONI, p, 4, o));
    CHECK_NEAR(o[1], 0.16, 1e-15);
    CHECK(o[3] == 1);
    CHECK_OK(ctx, tw_p_adjust(ctx, TW_CORRECT_NONE, p, 4, o));
    CHECK(memcmp(o, p, sizeof p) == 0);
    double bad[] = {0.5, 1.5};
    CHECK(tw_p_adjust(ctx, TW_CORRECT_FDR, bad, 2, o) == TW_E_DOMAIN);
    tw_ctx_free(ctx);
}

static void test_labels(void)
{
    CHECK(strcmp(tw_class_label(3), "hot 99%") == 0);
    CHECK(strcmp(tw_class_label(-2), "cold 95%") == 0);
    CHECK(strcmp(tw_class_label(0), "not significant") == 0);
    CHECK(strcmp(tw_quadrant_label(1), "HH") == 0);
    CHECK(strcmp(tw_quadrant_label(2), "LH") == 0);
    CHECK(strcmp(tw_quadrant_label(3), "LL") == 0);
    CHECK(strcmp(tw_quadrant_label(4), "HL") == 0);
    CHECK(strcmp(tw_quadrant_label(0), "not significant") == 0);
}

/* Chi-square of the two-sided permutation p over its R/2 possible values
 * 2k/(R+1), k = 1..(R+1)/2, each of probability 2/(R+1) under the null. */
static double chi2_uniform(const double *p, size_t n, int R, int *bad)
{
    int nb = (R + 1) / 2;
    double *cnt = calloc((size_t)nb, sizeof *cnt);
    *bad = 0;
    for (size_t i = 0; i < n; i++) {
        double k = p[i] * (R + 1) / 2;
        int ki = (int)lround(k);
        if (!(p[i] > 0 && p[i] <= 1) || fabs(k - ki) > 1e-9 || ki < 1 || ki > nb) {
            (*bad)++;
            continue;
        }
        cnt[ki - 1]++;
    }
    double e = (double)n / nb, chi = 0;
    for (int b = 0; b < nb; b++)
        chi += (cnt[b] - e) * (cnt[b] - e) / e;
    free(cnt);
    return chi;
}

static void test_permutation_null_uniform(void)
{
    tw_ctx *ctx = tw_ctx_new();
    size_t n = 3000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = unif() * 10 + (i % 7 == 0 ? 0 : 0.5);
    tw_local_opts o = {.permutations = 99, .seed = 7};
    for (int stat = 0; stat < 2; stat++) {
        tw_weights *w = random_graph(ctx, n, 6, stat == 0, stat == 0 ? TW_STYLE_B : TW_STYLE_W);
        tw_local_result *r = NULL;
        if (stat == 0)
            CHECK_OK(ctx, tw_gistar_compute(ctx, w, x, 1, &o, &r));
        else
            CHECK_OK(ctx, tw_lisa_compute(ctx, w, x, &o, &r));
        int bad;
        double chi = chi2_uniform(r->p_perm, n, 99, &bad);
        /* 49 degrees of freedom: P(chi2 > 85.35) = 0.001 */
        CHECK(bad == 0);
        CHECK(chi < 85.35);
        /* about 5 % at p <= 0.05 (values 0.02 and 0.04: exactly 4 %) */
        size_t sig = 0;
        for (size_t i = 0; i < n; i++)
            sig += r->p_perm[i] <= 0.05;
        CHECK(sig > n * 0.025 && sig < n * 0.055);
        tw_local_result_free(ctx, r);
        tw_weights_free(w);
    }
    free(x);
    tw_ctx_free(ctx);
}

static void test_threads_identical(void)
{
    tw_ctx *ctx = tw_ctx_new();
    size_t n = 5000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = floor(unif() * 4); /* counts with ties */
    tw_weights *ws = random_graph(ctx, n, 8, 1, TW_STYLE_B);
    tw_weights *wl = random_graph(ctx, n, 8, 0, TW_STYLE_W);
    tw_local_opts o = {.permutations = 199, .seed = 42, .use_permutation_p = 1,
                       .correction = TW_CORRECT_FDR};
    tw_local_result *g[3] = {0}, *l[3] = {0};
    tw_moran_result m[3];
    int th[3] = {1, 2, 3};
    for (int t = 0; t < 3; t++) {
        tw_ctx_set_threads(ctx, th[t]);
        CHECK_OK(ctx, tw_gistar_compute(ctx, ws, x, 1, &o, &g[t]));
        CHECK_OK(ctx, tw_lisa_compute(ctx, wl, x, &o, &l[t]));
        CHECK_OK(ctx, tw_moran_compute(ctx, wl, x, 99, 5, &m[t]));
    }
    for (int t = 1; t < 3; t++) {
        CHECK(memcmp(g[0]->p_perm, g[t]->p_perm, n * sizeof(double)) == 0);
        CHECK(memcmp(g[0]->z_perm, g[t]->z_perm, n * sizeof(double)) == 0);
        CHECK(memcmp(g[0]->cls, g[t]->cls, n * sizeof(int)) == 0);
        CHECK(memcmp(l[0]->p_perm, l[t]->p_perm, n * sizeof(double)) == 0);
        CHECK(memcmp(l[0]->z_perm, l[t]->z_perm, n * sizeof(double)) == 0);
        CHECK(memcmp(l[0]->quadrant, l[t]->quadrant, n * sizeof(int)) == 0);
        CHECK(m[0].p_perm == m[t].p_perm && m[0].p_perm_two_sided == m[t].p_perm_two_sided);
    }
    /* p in (0, 1] everywhere; a different seed gives different draws */
    for (size_t i = 0; i < n; i++) {
        CHECK(g[0]->p_perm[i] > 0 && g[0]->p_perm[i] <= 1);
        CHECK(g[0]->p_adjusted[i] >= g[0]->p_perm[i] && g[0]->p_adjusted[i] <= 1);
        CHECK(g[0]->p[i] > 0 && g[0]->p[i] <= 1);
        CHECK(isnan(l[0]->p_perm[i]) || (l[0]->p_perm[i] > 0 && l[0]->p_perm[i] <= 1));
    }
    CHECK(m[0].p_perm > 0 && m[0].p_perm <= 1);
    tw_local_result *g2 = NULL;
    o.seed = 43;
    CHECK_OK(ctx, tw_gistar_compute(ctx, ws, x, 1, &o, &g2));
    CHECK(memcmp(g[0]->p_perm, g2->p_perm, n * sizeof(double)) != 0);
    tw_local_result_free(ctx, g2);
    for (int t = 0; t < 3; t++) {
        tw_local_result_free(ctx, g[t]);
        tw_local_result_free(ctx, l[t]);
    }
    tw_weights_free(ws);
    tw_weights_free(wl);
    free(x);
    tw_ctx_free(ctx);
}

/* The conditional analytic E.Ii and Var.Ii of localmoran are the exact
 * moments of I_i under conditional permutation without replacement, so
 * with many permutations z_perm must approach Z.Ii. With replacement the
 * variance would be (n - 2)/(n - 1 - k) times larger: 10/7 here. */
static void test_permutation_moments(void)
{
    tw_ctx *ctx = tw_ctx_new();
    size_t n = 12;
    double x[12];
    for (size_t i = 0; i < n; i++)
        x[i] = unif() * 5 + (i < 4 ? 4 : 0);
    tw_weights *w = random_graph(ctx, n, 4, 0, TW_STYLE_W);
    tw_local_opts o = {.permutations = 40000, .seed = 3};
    tw_local_result *r = NULL;
    CHECK_OK(ctx, tw_lisa_compute(ctx, w, x, &o, &r));
    for (size_t i = 0; i < n; i++) {
        if (fabs(r->z[i]) < 0.3)
            continue;
        double ratio = r->z_perm[i] / r->z[i];
        if (!(fabs(ratio - 1) < 0.03))
            harness_fail(__FILE__, __LINE__, "area %zu: z_perm %g, Z.Ii %g", i, r->z_perm[i], r->z[i]);
    }
    tw_local_result_free(ctx, r);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

static void test_planted_hotspot(void)
{
    tw_ctx *ctx = tw_ctx_new();
    /* 20x20 rook grid; a 4x4 block of high values around (10, 10) */
    size_t side = 20, n = side * side;
    size_t *rowptr = malloc((n + 1) * sizeof *rowptr);
    int32_t *col = malloc(4 * n * sizeof *col);
    double *x = malloc(n * sizeof *x);
    size_t k = 0;
    rowptr[0] = 0;
    for (size_t r = 0; r < side; r++)
        for (size_t c = 0; c < side; c++) {
            size_t i = r * side + c;
            if (r > 0) col[k++] = (int32_t)(i - side);
            if (c > 0) col[k++] = (int32_t)(i - 1);
            if (c + 1 < side) col[k++] = (int32_t)(i + 1);
            if (r + 1 < side) col[k++] = (int32_t)(i + side);
            rowptr[i + 1] = k;
            int hot = r >= 8 && r < 12 && c >= 8 && c < 12;
            x[i] = floor(unif() * 3) + (hot ? 10 : 0);
        }
    tw_weights *b = NULL, *ws = NULL, *ww = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, n, rowptr, col, NULL, &b));
    CHECK_OK(ctx, tw_weights_transform(ctx, b, 1, TW_STYLE_B, &ws));
    CHECK_OK(ctx, tw_weights_transform(ctx, b, 0, TW_STYLE_W, &ww));
    /* No correction here: with 999 permutations the smallest p_perm is
     * 0.002, and FDR over 400 areas may lift it above 0.01. */
    tw_local_opts o = {.permutations = 999, .seed = 11, .use_permutation_p = 1};
    tw_local_result *g = NULL, *l = NULL;
    CHECK_OK(ctx, tw_gistar_compute(ctx, ws, x, 1, &o, &g));
    CHECK_OK(ctx, tw_lisa_compute(ctx, ww, x, &o, &l));
    size_t centre = 10 * side + 10, corner = 0;
    CHECK_NEAR(g->p_perm[centre], 2 / 1000.0, 1e-15);
    CHECK(g->z_perm[centre] > 5);
    CHECK(g->cls[centre] == 3);
    CHECK(l->quadrant[centre] == 1);
    CHECK(l->cls[centre] == 3);
    CHECK(g->cls[corner] <= 0);
    /* class = sign x level of p_adjusted; quadrant from signs when p_adj <= 0.05 */
    for (size_t i = 0; i < n; i++) {
        double pa = g->p_adjusted[i];
        int lev = pa <= 0.01 ? 3 : pa <= 0.05 ? 2 : pa <= 0.10 ? 1 : 0;
        CHECK_EQ_INT(abs(g->cls[i]), lev);
        if (g->cls[i])
            CHECK((g->cls[i] > 0) == (g->z_perm[i] > 0));
        if (l->quadrant[i])
            CHECK(l->p_adjusted[i] <= 0.05);
        else
            CHECK(!(l->p_adjusted[i] <= 0.05) || isnan(l->z_perm[i]));
    }
    /* analytic classes use p */
    tw_local_opts oa = {.permutations = 0, .correction = TW_CORRECT_NONE};
    tw_local_result *ga = NULL;
    CHECK_OK(ctx, tw_gistar_compute(ctx, ws, x, 1, &oa, &ga));
    for (size_t i = 0; i < n; i++) {
        CHECK(isnan(ga->p_perm[i]) && isnan(ga->z_perm[i]));
        CHECK(ga->p_adjusted[i] == ga->p[i]);
        int lev = ga->p[i] <= 0.01 ? 3 : ga->p[i] <= 0.05 ? 2 : ga->p[i] <= 0.10 ? 1 : 0;
        CHECK_EQ_INT(ga->cls[i], (ga->z[i] > 0 ? 1 : -1) * lev);
    }
    /* Moran: strong positive autocorrelation */
    tw_moran_result m;
    CHECK_OK(ctx, tw_moran_compute(ctx, ww, x, 999, 1, &m));
    CHECK(m.I > 0.2 && m.z_rand > 5);
    CHECK_NEAR(m.p_perm, 1 / 1000.0, 1e-15);
    CHECK_NEAR(m.p_perm_two_sided, 2 / 1000.0, 1e-15);
    CHECK_NEAR(m.p_rand_greater * 2, m.p_rand, 1e-15);
    tw_local_result_free(ctx, ga);
    tw_local_result_free(ctx, g);
    tw_local_result_free(ctx, l);
    tw_weights_free(b);
    tw_weights_free(ws);
    tw_weights_free(ww);
    free(rowptr);
    free(col);
    free(x);
    tw_ctx_free(ctx);
}

static void test_reorder_invariance(void)
{
    tw_ctx *ctx = tw_ctx_new();
    size_t n = 300;
    tw_weights *w = random_graph(ctx, n, 5, 1, TW_STYLE_B);
    size_t *perm = malloc(n * sizeof *perm), *inv = malloc(n * sizeof *inv);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        perm[i] = i;
        x[i] = floor(unif() * 20);
    }
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(unif() * (double)(i + 1));
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        inv[perm[i]] = i; /* new index of old area perm[i] is i */
    /* relabel: new area a is old area perm[a] */
    size_t *rowptr = malloc((n + 1) * sizeof *rowptr);
    int32_t *col = malloc(tw_weights_links(w) * sizeof *col);
    double *wt = malloc(tw_weights_links(w) * sizeof *wt);
    size_t k = 0;
    rowptr[0] = 0;
    for (size_t a = 0; a < n; a++) {
        const int32_t *nb;
        const double *ww;
        size_t len = tw_weights_row(w, perm[a], &nb, &ww);
        for (size_t t = 0; t < len; t++) {
            col[k] = (int32_t)inv[nb[t]];
            wt[k++] = ww[t];
        }
        rowptr[a + 1] = k;
        y[a] = x[perm[a]];
    }
    tw_weights *w2 = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, n, rowptr, col, wt, &w2));
    tw_local_opts o = {0};
    tw_local_result *r1 = NULL, *r2 = NULL;
    CHECK_OK(ctx, tw_gistar_compute(ctx, w, x, 1, &o, &r1));
    CHECK_OK(ctx, tw_gistar_compute(ctx, w2, y, 1, &o, &r2));
    for (size_t a = 0; a < n; a++) {
        CHECK_NEAR(r2->z[a], r1->z[perm[a]], 1e-12);
        CHECK_NEAR(r2->stat[a], r1->stat[perm[a]], 1e-12);
        CHECK_NEAR(r2->p[a], r1->p[perm[a]], 1e-12);
        CHECK_EQ_INT(r2->cls[a], r1->cls[perm[a]]);
    }
    tw_local_result_free(ctx, r1);
    tw_local_result_free(ctx, r2);
    tw_weights_free(w);
    tw_weights_free(w2);
    free(perm);
    free(inv);
    free(x);
    free(y);
    free(rowptr);
    free(col);
    free(wt);
    tw_ctx_free(ctx);
}

static void test_degenerate(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_weights *ws = path4(ctx, 1, TW_STYLE_B), *w = path4(ctx, 0, TW_STYLE_W);
    double same[] = {2, 2, 2, 2};
    tw_local_opts o = {.permutations = 9};
    tw_local_result *r = NULL;
    tw_moran_result m;
    CHECK(tw_gistar_compute(ctx, ws, same, 1, &o, &r) == TW_E_DOMAIN && r == NULL);
    CHECK(strstr(tw_ctx_error(ctx)->message, "variance is zero") != NULL);
    CHECK(tw_lisa_compute(ctx, w, same, &o, &r) == TW_E_DOMAIN && r == NULL);
    CHECK(tw_moran_compute(ctx, w, same, 9, 1, &m) == TW_E_DOMAIN);
    /* Gi where the other values of area 0 are all equal: z NaN there only */
    double one[] = {5, 0, 0, 0};
    tw_weights *w0 = path4(ctx, 0, TW_STYLE_B);
    CHECK_OK(ctx, tw_gistar_compute(ctx, w0, one, 0, &o, &r));
    CHECK(isnan(r->z[0]) && isnan(r->p[0]) && r->cls[0] == 0);
    CHECK(!isnan(r->z[1]));
    tw_local_result_free(ctx, r);
    r = NULL;
    /* wrong self-links, bad values and options */
    CHECK(tw_gistar_compute(ctx, w0, one, 1, &o, &r) == TW_E_ARG);
    CHECK(tw_gistar_compute(ctx, ws, one, 0, &o, &r) == TW_E_ARG);
    CHECK(tw_lisa_compute(ctx, ws, one, &o, &r) == TW_E_ARG);
    double bad[] = {1, NAN, 2, 3};
    CHECK(tw_gistar_compute(ctx, ws, bad, 1, &o, &r) == TW_E_DOMAIN);
    tw_local_opts ob = {.permutations = -1};
    CHECK(tw_lisa_compute(ctx, w, one, &ob, &r) == TW_E_ARG);
    tw_local_opts oc = {.use_permutation_p = 1};
    CHECK(tw_lisa_compute(ctx, w, one, &oc, &r) == TW_E_ARG);
    CHECK(tw_lisa_compute(ctx, w, one, NULL, &r) == TW_E_ARG);
    CHECK(r == NULL);
    tw_weights_free(w0);
    tw_weights_free(ws);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

static int cancel_at_first(void *ud, const char *stage, double done, double total)
{
    (void)stage;
    (void)done;
    (void)total;
    ++*(int *)ud;
    return 1;
}

static void test_cancel(void)
{
    tw_ctx *ctx = tw_ctx_new();
    int calls = 0;
    tw_ctx_set_progress(ctx, cancel_at_first, &calls);
    tw_weights *w = random_graph(ctx, 500, 4, 0, TW_STYLE_W);
    double x[500];
    for (int i = 0; i < 500; i++)
        x[i] = unif();
    tw_local_opts o = {.permutations = 9};
    tw_local_result *r = NULL;
    CHECK(tw_lisa_compute(ctx, w, x, &o, &r) == TW_E_CANCELLED && r == NULL);
    tw_moran_result m;
    CHECK(tw_moran_compute(ctx, w, x, 9, 1, &m) == TW_E_CANCELLED);
    CHECK(calls == 2);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

/* Allocator failing at the Nth call: every failure must be TW_E_NOMEM and
 * leak nothing (checked by the live-block count and by ASan). */

static void test_nomem(void)
{
    double x[] = {1, 2, 3, 6, 0, 4};
    size_t rowptr[] = {0, 2, 4, 6, 8, 10, 12};
    int32_t col[] = {1, 5, 0, 2, 1, 3, 2, 4, 3, 5, 4, 0};
    int done = 0;
    for (long fail_at = 0; fail_at < 200 && !done; fail_at++) {
        tw_ctx *ctx = tw_ctx_new();
        harness_falloc f = {1000000, 0};
        tw_allocator a = harness_falloc_allocator(&f);
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &a));
        tw_weights *b = NULL, *w = NULL, *ws = NULL;
        CHECK_OK(ctx, tw_weights_from_lists(ctx, 6, rowptr, col, NULL, &b));
        CHECK_OK(ctx, tw_weights_transform(ctx, b, 0, TW_STYLE_W, &w));
        CHECK_OK(ctx, tw_weights_transform(ctx, b, 1, TW_STYLE_B, &ws));
        long base = f.live;
        f.left = fail_at;
        tw_local_opts o = {.permutations = 19, .correction = TW_CORRECT_FDR};
        tw_local_result *g = NULL, *l = NULL;
        tw_moran_result m;
        double pv[] = {0.5, 0.01, 0.2}, pa[3];
        tw_status s1 = tw_gistar_compute(ctx, ws, x, 1, &o, &g);
        tw_status s2 = s1 ? s1 : tw_lisa_compute(ctx, w, x, &o, &l);
        tw_status s3 = s2 ? s2 : tw_moran_compute(ctx, w, x, 19, 1, &m);
        tw_status s4 = s3 ? s3 : tw_p_adjust(ctx, TW_CORRECT_FDR, pv, 3, pa);
        CHECK(s4 == TW_OK || s4 == TW_E_NOMEM);
        if (s4 == TW_OK)
            done = 1;
        if (s1 != TW_OK)
            CHECK(g == NULL);
        tw_local_result_free(ctx, g);
        tw_local_result_free(ctx, l);
        CHECK_EQ_INT(f.live, base);
        f.left = 1000000;
        tw_weights_free(b);
        tw_weights_free(w);
        tw_weights_free(ws);
        tw_ctx_free(ctx);
    }
    CHECK(done);
}

int main(void)
{
    RUN(test_hand_gistar);
    RUN(test_hand_moran);
    RUN(test_rates);
    RUN(test_p_adjust_hand);
    RUN(test_labels);
    RUN(test_permutation_null_uniform);
    RUN(test_threads_identical);
    RUN(test_permutation_moments);
    RUN(test_planted_hotspot);
    RUN(test_reorder_invariance);
    RUN(test_degenerate);
    RUN(test_cancel);
    RUN(test_nomem);
    return harness_finish();
}
