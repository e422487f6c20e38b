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
 *  - Power evaluation (tw_scan_power_run, SaTScan's design: critical
 *    values from the null replicas, data sets under the alternative with
 *    the total fixed, power = share above each critical value). Null as
 *    alternative (rr 1), 400 data sets, 199 replicas: power at 0.05 in
 *    [0.025, 0.08], at 0.01 below 0.03. Relative risk 4 in a centre and
 *    its 3 nearest, 250 cases: power at 0.05 at least 0.95, sensitivity
 *    and PPV of the rejected data sets above 0.7. The critical values are
 *    tw_scan_run's for the same seed; power = rejected / n agrees with the
 *    statistics; 1 and 2 threads agree; errors (no replicas, rr <= 0,
 *    Bernoulli, fractional total).
 * Data sets use their own seeds; the replicas use the library's streams.
 */
#include "harness.h"
#include "scan_testutil.h"
#include "tanaw/tanaw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NA 60

static uint64_t st;
static double unif(void) { return scanref_unif(&st); }

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

/* planted[]: area 0 and its 3 nearest (SaTScan's distance) */
static void plant_four(int *planted)
{
    double dd[NA];
    for (int i = 0; i < NA; i++) {
        planted[i] = 0;
        dd[i] = tw_scan_distance_km(gx[0], gy[0], gx[i], gy[i]);
    }
    for (int k = 0; k < 4; k++) {
        int best = -1;
        for (int i = 0; i < NA; i++)
            if (!planted[i] && (best < 0 || dd[i] < dd[best]))
                best = i;
        planted[best] = 1;
    }
}

static void test_power(void)
{
    geography();
    tw_ctx *ctx = tw_ctx_new();
    int planted[NA];
    plant_four(planted);
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

/* ---- power evaluation (tw_scan_power_run) ---- */

static double gcases[NA]; /* any data: the null depends on the total only */

/* The geography, some data and relative risks 1 everywhere. */
static void power_data(double *rr)
{
    geography();
    for (int i = 0; i < NA; i++) {
        gcases[i] = (double)(i % 6);
        rr[i] = 1;
    }
}

static tw_scan_power *power(tw_ctx *ctx, const double *rr, int n_alt, double total, int R)
{
    tw_scan_data d = {NA, gx, gy, 0, gcases, gpop, NULL, NULL};
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.replicas = R;
    o.seed = 11;
    tw_scan_power_opts po = {n_alt, rr, total};
    tw_scan_power *p = NULL;
    CHECK_OK(ctx, tw_scan_power_run(ctx, &d, &o, &po, &p));
    return p;
}

static void consistent(const tw_scan_power *p)
{
    for (int k = 0; k < 3; k++) {
        int above = 0;
        for (int a = 0; a < p->n_alt; a++)
            above += p->alt_stat[a] > p->crit[k];
        if (!isnan(p->crit[k])) {
            CHECK_EQ_INT(above, p->rejected[k]);
            CHECK_NEAR(p->power[k], (double)above / p->n_alt, 0);
        }
    }
}

static void test_null_as_alternative(void)
{
    double rr[NA];
    power_data(rr);
    tw_ctx *ctx = tw_ctx_new();
    tw_scan_power *p = power(ctx, rr, 400, 300, 199);
    if (p) {
        printf("null as alternative: power %.4f (0.05), %.4f (0.01), %.4f (0.001); critical "
               "%.4f %.4f %.4f\n",
               p->power[0], p->power[1], p->power[2], p->crit[0], p->crit[1], p->crit[2]);
        CHECK(p->power[0] >= 0.025 && p->power[0] <= 0.08);
        CHECK(p->power[1] < 0.03);
        CHECK(isnan(p->crit[2])); /* 199 replicas: no critical value at 0.001 */
        CHECK(isnan(p->power[2]));
        CHECK(p->crit[0] < p->crit[1]);
        CHECK(p->rejected[0] == 0 || isnan(p->sensitivity[0])); /* nothing planted */
        consistent(p);
        CHECK_NEAR(p->total_cases, 300, 0);
    }
    tw_scan_power_free(ctx, p);
    tw_ctx_free(ctx);
}

static void test_strong_cluster(void)
{
    double rr[NA];
    power_data(rr);
    tw_ctx *ctx = tw_ctx_new();
    int planted[NA];
    plant_four(planted);
    for (int i = 0; i < NA; i++)
        rr[i] = planted[i] ? 4 : 1;
    tw_scan_power *p = power(ctx, rr, 100, 250, 999);
    if (p) {
        printf("rr 4 in 4 areas: power %.3f (0.05), %.3f (0.01), %.3f (0.001); sensitivity "
               "%.2f, PPV %.2f (at 0.05)\n",
               p->power[0], p->power[1], p->power[2], p->sensitivity[0], p->ppv[0]);
        CHECK(p->power[0] >= 0.95);
        CHECK(p->power[0] >= p->power[1] && p->power[1] >= p->power[2]);
        CHECK(p->sensitivity[0] > 0.7);
        CHECK(p->ppv[0] > 0.7);
        consistent(p);
        /* the critical values are those of the scan's own replicas */
        tw_scan_data d = {NA, gx, gy, 0, gcases, gpop, NULL, NULL};
        double c250[NA];
        memcpy(c250, gcases, sizeof c250);
        double tot = 0;
        for (int i = 0; i < NA; i++)
            tot += c250[i];
        c250[0] += 250 - tot; /* 250 cases, placed anyhow */
        d.cases = c250;
        tw_scan_opts o;
        memset(&o, 0, sizeof o);
        o.replicas = 999;
        o.seed = 11;
        tw_scan_result *r = NULL;
        CHECK_OK(ctx, tw_scan_run(ctx, &d, &o, &r));
        if (r) {
            CHECK_NEAR(p->crit[0], r->crit_05, 0);
            CHECK_NEAR(p->crit[1], r->crit_01, 0);
            CHECK_NEAR(p->crit[2], r->crit_001, 0);
        }
        tw_scan_result_free(ctx, r);
        /* same statistics with 1 and 2 threads */
        tw_ctx *c1 = tw_ctx_new();
        tw_ctx_set_threads(c1, 1);
        tw_scan_power *q = power(c1, rr, 100, 250, 999);
        if (q)
            for (int a = 0; a < 100; a++)
                CHECK_NEAR(q->alt_stat[a], p->alt_stat[a], 0);
        tw_scan_power_free(c1, q);
        tw_ctx_free(c1);
    }
    tw_scan_power_free(ctx, p);
    tw_ctx_free(ctx);
}

static void test_power_errors(void)
{
    double rr[NA];
    power_data(rr);
    tw_ctx *ctx = tw_ctx_new();
    tw_scan_data d = {NA, gx, gy, 0, gcases, gpop, NULL, NULL};
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    tw_scan_power_opts po = {10, rr, 0};
    tw_scan_power *p = NULL;
    CHECK_EQ_INT(tw_scan_power_run(ctx, &d, &o, &po, &p), TW_E_ARG); /* no replicas */
    o.replicas = 9;
    rr[3] = 0;
    CHECK_EQ_INT(tw_scan_power_run(ctx, &d, &o, &po, &p), TW_E_DOMAIN);
    rr[3] = 1;
    o.model = TW_SCAN_BERNOULLI;
    CHECK_EQ_INT(tw_scan_power_run(ctx, &d, &o, &po, &p), TW_E_UNSUPPORTED);
    o.model = TW_SCAN_POISSON;
    po.total_cases = 2.5;
    CHECK_EQ_INT(tw_scan_power_run(ctx, &d, &o, &po, &p), TW_E_DOMAIN);
    CHECK(p == NULL);
    po.total_cases = 0; /* the data's total */
    CHECK_OK(ctx, tw_scan_power_run(ctx, &d, &o, &po, &p));
    double tot = 0;
    for (int i = 0; i < NA; i++)
        tot += gcases[i];
    if (p)
        CHECK_NEAR(p->total_cases, tot, 0);
    tw_scan_power_free(ctx, p);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_size_poisson);
    RUN(test_size_bernoulli);
    RUN(test_size_ellipse);
    RUN(test_power);
    RUN(test_null_as_alternative);
    RUN(test_strong_cluster);
    RUN(test_power_errors);
    return harness_finish();
}
