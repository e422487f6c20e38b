/*
 * test_scan_calibration.c: the scan's Monte Carlo test keeps its size and
 * has power.
 *
 *  - Size: 200 data sets drawn under the null (cases multinomial in
 *    proportion to population, Poisson; cases drawn without replacement
 *    among individuals, Bernoulli) on a fixed geography of 60 areas with
 *    uneven populations; 199 replicas each. Under the null the Monte Carlo
 *    p is uniform on {1/200, ..., 1}, so P(p < 0.05) = 9/200 = 0.045; the
 *    share observed must lie in [0.02, 0.08] (issue 3). Each share is
 *    printed.
 *  - Power: 100 data sets of 150 cases with relative risk 3 in a centre area and its 3
 *    nearest neighbours (about 7 % of the population), 99 replicas. The
 *    most likely cluster must have p < 0.05 in at least 80 % of them; the
 *    mean sensitivity (planted areas found) and positive predictive value
 *    (found areas that were planted) are printed and must exceed 0.6.
 *  - Size with elliptic windows (SaTScan's 46 ellipses and the circle,
 *    medium penalty): 200 null data sets on 30 of the areas, 99
 *    replicas; P(p < 0.05) = 4/100; the share must lie in [0.02, 0.08].
 * Data sets use their own seeds; the replicas use the library's streams.
 */
#include "harness.h"
#include "tanaw/tanaw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NA 60

static uint64_t st;
static uint64_t nxt(void)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return st;
}
static double unif(void) { return (double)(nxt() >> 11) * 0x1.0p-53; }

static double gx[NA], gy[NA], gpop[NA];

static void geography(void)
{
    st = 0x1234567ULL;
    for (int i = 0; i < NA; i++) {
        gx[i] = 120 + 4 * unif();
        gy[i] = 8 + 6 * unif();
        gpop[i] = floor(2000 + 60000 * unif() * unif()); /* skewed, as towns are */
    }
}

/* Multinomial: C cases with probabilities w (not normalised). */
static void multinomial(double *out, const double *w, int C)
{
    double tot = 0;
    for (int i = 0; i < NA; i++) {
        tot += w[i];
        out[i] = 0;
    }
    for (int k = 0; k < C; k++) {
        double u = unif() * tot, acc = 0;
        int i = 0;
        for (; i < NA - 1; i++) {
            acc += w[i];
            if (u < acc)
                break;
        }
        out[i]++;
    }
}

static tw_scan_result *scan_n(tw_ctx *ctx, size_t n, tw_scan_shape shape, const double *cases,
                              const double *controls, int R, uint64_t seed)
{
    tw_scan_data d = {n, gx, gy, 0, cases, controls ? NULL : gpop, NULL, controls};
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.shape = shape;
    o.model = controls ? TW_SCAN_BERNOULLI : TW_SCAN_POISSON;
    o.replicas = R;
    o.seed = seed;
    o.max_clusters = 1;
    tw_scan_result *r = NULL;
    CHECK_OK(ctx, tw_scan_run(ctx, &d, &o, &r));
    return r;
}

static tw_scan_result *scan(tw_ctx *ctx, const double *cases, const double *controls, int R,
                            uint64_t seed)
{
    return scan_n(ctx, NA, TW_SCAN_CIRCLE, cases, controls, R, seed);
}

static void test_size_poisson(void)
{
    geography();
    tw_ctx *ctx = tw_ctx_new();
    double cases[NA];
    int sig = 0, runs = 0;
    st = 0xABCDEF12345ULL;
    for (int k = 0; k < 200; k++) {
        multinomial(cases, gpop, 300);
        tw_scan_result *r = scan(ctx, cases, NULL, 199, 1000 + (uint64_t)k);
        if (!r)
            continue;
        runs++;
        sig += r->n_clusters > 0 && r->clusters[0].p < 0.05;
        tw_scan_result_free(ctx, r);
    }
    double share = (double)sig / runs;
    printf("Poisson null: %d of %d data sets with p < 0.05 (%.3f; expected 0.045)\n", sig, runs,
           share);
    CHECK_EQ_INT(runs, 200);
    CHECK(share >= 0.02 && share <= 0.08);
    tw_ctx_free(ctx);
}

static void test_size_bernoulli(void)
{
    geography();
    tw_ctx *ctx = tw_ctx_new();
    double cases[NA], controls[NA], n[NA];
    int sig = 0, runs = 0;
    st = 0x5555AAAA1111ULL;
    for (int i = 0; i < NA; i++)
        n[i] = floor(gpop[i] / 100); /* individuals per area */
    for (int k = 0; k < 200; k++) {
        /* 250 cases among the individuals, without replacement */
        double left[NA], tot = 0;
        for (int i = 0; i < NA; i++) {
            left[i] = n[i];
            tot += n[i];
            cases[i] = 0;
        }
        for (int c = 0; c < 250; c++) {
            double u = floor(unif() * tot), acc = 0;
            int i = 0;
            for (; i < NA - 1; i++) {
                acc += left[i];
                if (u < acc)
                    break;
            }
            left[i]--;
            cases[i]++;
            tot--;
        }
        for (int i = 0; i < NA; i++)
            controls[i] = n[i] - cases[i];
        tw_scan_result *r = scan(ctx, cases, controls, 199, 5000 + (uint64_t)k);
        if (!r)
            continue;
        runs++;
        sig += r->n_clusters > 0 && r->clusters[0].p < 0.05;
        tw_scan_result_free(ctx, r);
    }
    double share = (double)sig / runs;
    printf("Bernoulli null: %d of %d data sets with p < 0.05 (%.3f; expected 0.045)\n", sig,
           runs, share);
    CHECK_EQ_INT(runs, 200);
    CHECK(share >= 0.02 && share <= 0.08);
    tw_ctx_free(ctx);
}

/* Elliptic windows with SaTScan's default (medium) penalty: on the first
 * 30 areas, 200 null data sets, 99 replicas: P(p < 0.05) = 4/100. */
static void test_size_ellipse(void)
{
    geography();
    tw_ctx *ctx = tw_ctx_new();
    enum { NE = 30 };
    double cases[NA] = {0}, w[NA] = {0};
    for (int i = 0; i < NE; i++)
        w[i] = gpop[i];
    int sig = 0, runs = 0, elliptic = 0;
    st = 0xE11195EULL;
    for (int k = 0; k < 200; k++) {
        multinomial(cases, w, 200);
        tw_scan_result *r = scan_n(ctx, NE, TW_SCAN_ELLIPSE, cases, NULL, 99, 3000 + (uint64_t)k);
        if (!r)
            continue;
        runs++;
        sig += r->n_clusters > 0 && r->clusters[0].p < 0.05;
        elliptic += r->n_clusters > 0 && r->clusters[0].shape > 1;
        tw_scan_result_free(ctx, r);
    }
    double share = (double)sig / runs;
    printf("Poisson null, elliptic windows: %d of %d data sets with p < 0.05 (%.3f; expected "
           "0.04); most likely cluster an ellipse in %d\n",
           sig, runs, share, elliptic);
    CHECK_EQ_INT(runs, 200);
    CHECK(share >= 0.02 && share <= 0.08);
    CHECK(elliptic > 0);
    tw_ctx_free(ctx);
}

static void test_power(void)
{
    geography();
    tw_ctx *ctx = tw_ctx_new();
    /* planted: area 0 and its 3 nearest (SaTScan's distance) */
    int planted[NA] = {0};
    int centre = 0;
    double dd[NA];
    for (int i = 0; i < NA; i++)
        dd[i] = tw_scan_distance_km(gx[centre], gy[centre], gx[i], gy[i]);
    for (int k = 0; k < 4; k++) {
        int best = -1;
        for (int i = 0; i < NA; i++)
            if (!planted[i] && (best < 0 || dd[i] < dd[best]))
                best = i;
        planted[best] = 1;
    }
    double w[NA], cases[NA], ppop = 0, tot = 0;
    for (int i = 0; i < NA; i++) {
        w[i] = gpop[i] * (planted[i] ? 3.0 : 1.0);
        ppop += planted[i] ? gpop[i] : 0;
        tot += gpop[i];
    }
    st = 0x77777ULL;
    int detected = 0, runs = 0;
    double sens = 0, ppv = 0;
    for (int k = 0; k < 100; k++) {
        multinomial(cases, w, 150);
        tw_scan_result *r = scan(ctx, cases, NULL, 99, 9000 + (uint64_t)k);
        if (!r)
            continue;
        runs++;
        if (r->n_clusters > 0) {
            const tw_scan_cluster *c = &r->clusters[0];
            int hit = 0;
            for (size_t e = 0; e < c->n_areas; e++)
                hit += planted[c->members[e]];
            if (c->p < 0.05)
                detected++;
            sens += hit / 4.0;
            ppv += (double)hit / (double)c->n_areas;
        }
        tw_scan_result_free(ctx, r);
    }
    printf("power (RR 3 in 4 areas, %.1f%% of the population): detected with p < 0.05 in %d of "
           "%d; sensitivity %.2f, positive predictive value %.2f\n",
           100 * ppop / tot, detected, runs, sens / runs, ppv / runs);
    CHECK_EQ_INT(runs, 100);
    CHECK(detected >= 80);
    CHECK(sens / runs > 0.6);
    CHECK(ppv / runs > 0.6);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_size_poisson);
    RUN(test_size_bernoulli);
    RUN(test_size_ellipse);
    RUN(test_power);
    return harness_finish();
}
