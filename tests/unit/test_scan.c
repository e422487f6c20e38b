/*
 * test_scan.c: the purely spatial scan statistic (tw_scan_run).
 *
 *  - Hand-computed cases: a row of five areas (Poisson) and of four
 *    (Bernoulli), LLR, relative risk and membership worked out on paper
 *    (values in the comments, digits from the closed-form LLR).
 *  - A brute-force reference kept here, as simple as possible: for every
 *    centre all areas are sorted by distance from scratch, every prefix is
 *    a candidate window, its cases and population are summed explicitly,
 *    the cap and radius are checked on the sums, and the secondary
 *    clusters are chosen by a direct greedy pass. The library must agree
 *    to 1e-9 on every LLR and exactly on centre and membership of every
 *    reported cluster, over 800 random small geographies (3 to 200 areas; both models,
 *    the three tails, lat/long and Cartesian, co-located points, zero
 *    populations, radius limits); 160 of them with SaTScan's elliptic
 *    windows too (the reference transforms the points for each of the
 *    46 ellipses and applies the non-compactness penalty: none, medium,
 *    strong), where shape and angle must agree as well.
 *  - Replicas (internal): the replicas are regenerated with
 *    scan_make_replicas and each one is scanned by the reference; its
 *    largest LLR must equal the library's (which skips windows by a
 *    likelihood bound), to 1e-9, over 28 geographies x 40 replicas (two
 *    of them with more than 65535 cases, stored in 32 bits; two with
 *    ellipses and their penalty).
 *    Replica totals equal the data's total (conditioned on C).
 *  - No window at all (every area alone over the cap), with ellipses in
 *    one thread: no cluster, and the search ends (regression).
 *  - Properties: p-values in (0, 1], same results for 1 and 2 threads,
 *    the Gumbel p against its closed form, the distance of SaTScan's
 *    sphere, and the errors (fractional cases, cases without population).
 *  - Out of memory: failing the k-th allocation, for every k, gives
 *    TW_E_NOMEM, no result, and no allocation left behind.
 */
#include "harness.h"
#include "scan/scan_internal.h"
#include "scan_testutil.h"
#include "tanaw/tanaw.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- brute-force reference (with scan_testutil.c) ---- */

#define RMAX SCANREF_MAX

/* LLR of Kulldorff (1997), Poisson or Bernoulli, for a window of measure M. */
static double ref_llr(int bern, tw_scan_tail tail, double c, double M, double C, double N,
                      double minc)
{
    double E = M * (C / N);
    if (!bern)
        return scanref_llr_poisson(tail, c, E, C, minc);
    if (!scanref_in_tail(tail, c, E, minc))
        return 0;
    double l = scanref_xlogy(c, M) + scanref_xlogy(M - c, M) + scanref_xlogy(C - c, N - M) +
               scanref_xlogy(N - M - C + c, N - M) - scanref_xlogy(C, N) - scanref_xlogy(N - C, N);
    return l > 0 ? l : 0;
}

typedef struct ref_in {
    int n, latlong, bern;
    int ellipse;               /* 0: circles; 1: SaTScan's ellipses too */
    double pen_power;          /* 0, 0.5, 1 */
    double x[RMAX], y[RMAX], cases[RMAX], pop[RMAX]; /* pop: population or controls */
    double share, maxr;
    tw_scan_tail tail;
    int minc;
} ref_in;

/* Clusters of the reference, most likely first; returns how many. */
static int ref_scan(const ref_in *in, scanref_cl *out)
{
    int n = in->n;
    double P[RMAX][3], meas[RMAX], C = 0, N = 0;
    for (int i = 0; i < n; i++) {
        scanref_point(in->latlong, in->x[i], in->y[i], P[i]);
        meas[i] = in->bern ? in->cases[i] + in->pop[i] : in->pop[i];
        C += in->cases[i];
        N += meas[i];
    }
    double cap = in->share * N;
    static scanref_cl best[RMAX];
    int nb = 0;
    /* the shapes: the circle, then SaTScan's ellipses in its order */
    double shp[64] = {1}, ang[64] = {0};
    int ns = 1;
    if (in->ellipse) {
        const double sh[5] = {1.5, 2, 3, 4, 5};
        const int na[5] = {4, 6, 9, 12, 15};
        for (int q = 0; q < 5; q++)
            for (int a = 0; a < na[q]; a++) {
                shp[ns] = sh[q];
                ang[ns++] = 3.14159265358979323846 * a / na[q];
            }
    }
    /* planar coordinates for the ellipses: km on the 6367 km sphere,
     * equirectangular at the mean latitude (lat/long), or as given */
    double X[RMAX], Y[RMAX], lat0 = 0;
    for (int i = 0; i < n; i++)
        lat0 += in->y[i];
    lat0 /= n;
    for (int i = 0; i < n; i++) {
        if (in->latlong) {
            X[i] = 6367.0 * (in->x[i] * 3.14159265358979323846 / 180.0) *
                   cos(lat0 * 3.14159265358979323846 / 180.0);
            Y[i] = 6367.0 * (in->y[i] * 3.14159265358979323846 / 180.0);
        } else {
            X[i] = in->x[i];
            Y[i] = in->y[i];
        }
    }
    for (int c = 0; c < n; c++) {
        if (scanref_repeated(P, c))
            continue;
        scanref_cl bc = {.shape = 1, .centre = c};
        for (int e = 0; e < ns; e++) {
        double Q[RMAX][3]; /* the points the distances are measured on */
        for (int i = 0; i < n; i++) {
            if (e == 0) {
                Q[i][0] = P[i][0], Q[i][1] = P[i][1], Q[i][2] = P[i][2];
                continue;
            }
            /* SaTScan's transform: the component across the longest axis
             * is kept, the rest divided by the shape */
            double w = 1 / shp[e], xo = X[i], yo = Y[i];
            if (ang[e] == 0) {
                Q[i][0] = xo * w;
                Q[i][1] = yo;
            } else {
                double beta = -cos(ang[e]) / sin(ang[e]);
                double xp = (xo + beta * yo) / (1 + beta * beta), yp = beta * xp;
                Q[i][0] = xo * w + xp * (1 - w);
                Q[i][1] = yo * w + yp * (1 - w);
            }
            Q[i][2] = 0;
        }
        double pen = e == 0 ? 1.0 : pow(4 * shp[e] / ((shp[e] + 1) * (shp[e] + 1)), in->pen_power);
        int ord[RMAX];
        double d[RMAX];
        scanref_order(n, Q, c, ord, d);
        for (int k = 1; k <= n; k++) {
            int last = ord[k - 1];
            if (k < n && scanref_same_point(Q, last, ord[k]))
                continue; /* would split one location */
            double cs = 0, M = 0;
            for (int m = 0; m < k; m++) {
                cs += in->cases[ord[m]];
                M += meas[ord[m]];
            }
            if (M > cap)
                break;
            if (in->maxr > 0 && d[last] > in->maxr)
                break;
            double l = ref_llr(in->bern, in->tail, cs, M, C, N, in->minc > 0 ? in->minc : 2);
            if (pen * l > bc.llr) {
                bc.llr = pen * l;
                bc.raw = l;
                bc.shape = shp[e];
                bc.angle = ang[e] * 180.0 / 3.14159265358979323846;
                bc.k = k;
                memcpy(bc.members, ord, sizeof(int) * (size_t)k);
            }
        }
        }
        if (bc.k > 0)
            best[nb++] = bc;
    }
    return scanref_greedy(best, nb, out);
}

/* ---- helpers ---- */

static uint64_t tst_state = 88172645463325252ULL;
static double tst_unif(void) { return scanref_unif(&tst_state); }
static int tst_int(int n) { return (int)(scanref_next(&tst_state) % (uint64_t)n); }

static tw_scan_result *run_in(tw_ctx *ctx, const ref_in *in, int R)
{
    tw_scan_data d;
    memset(&d, 0, sizeof d);
    d.n = (size_t)in->n;
    d.x = in->x;
    d.y = in->y;
    d.cases = in->cases;
    if (in->bern)
        d.controls = in->pop;
    else
        d.population = in->pop;
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.model = in->bern ? TW_SCAN_BERNOULLI : TW_SCAN_POISSON;
    o.tail = in->tail;
    o.coords = in->latlong ? TW_SCAN_LATLONG : TW_SCAN_CARTESIAN;
    o.max_pop_share = in->share;
    o.max_radius_km = in->maxr;
    o.replicas = R;
    o.seed = 7;
    o.min_cases = in->minc;
    o.shape = in->ellipse ? TW_SCAN_ELLIPSE : TW_SCAN_CIRCLE;
    o.penalty = in->pen_power == 0 ? TW_SCAN_PENALTY_NONE
                : in->pen_power == 1 ? TW_SCAN_PENALTY_STRONG : TW_SCAN_PENALTY_MEDIUM;
    tw_scan_result *r = NULL;
    CHECK_OK(ctx, tw_scan_run(ctx, &d, &o, &r));
    return r;
}

/* ---- hand-computed ---- */

static void test_hand_poisson(void)
{
    /* Five areas on a line, 100 people each, cases 10,2,2,2,2 (C = 18).
     * The cap (50 % of 500) allows windows of one or two areas. Area 0
     * alone: c = 10, E = 18 * 100 / 500 = 3.6,
     * LLR = 10 ln(10/3.6) + 8 ln(8/14.4) = 5.51421915610286; the pair
     * {1, 0} has c = 12, E = 7.2, LLR = 2.6032 (less). RR = (10/3.6) /
     * (8/14.4) = 5. No other window has an excess, so one cluster. */
    tw_ctx *ctx = tw_ctx_new();
    ref_in in;
    memset(&in, 0, sizeof in);
    in.n = 5;
    for (int i = 0; i < 5; i++) {
        in.x[i] = i;
        in.y[i] = 0;
        in.pop[i] = 100;
        in.cases[i] = i == 0 ? 10 : 2;
    }
    in.share = 0.5;
    in.tail = TW_SCAN_HIGH;
    tw_scan_result *r = run_in(ctx, &in, 99);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->n_clusters, 1);
        tw_scan_cluster *c = &r->clusters[0];
        CHECK_EQ_INT(c->center, 0);
        CHECK_EQ_INT(c->n_areas, 1);
        CHECK_EQ_INT(c->members[0], 0);
        CHECK_NEAR(c->llr, 5.51421915610286, 1e-12);
        CHECK_NEAR(c->expected, 3.6, 1e-12);
        CHECK_NEAR(c->observed, 10, 0);
        CHECK_NEAR(c->rr, 5.0, 1e-12);
        CHECK_NEAR(c->oe, 10 / 3.6, 1e-12);
        CHECK_NEAR(c->radius_km, 0, 0);
        CHECK(c->p > 0 && c->p <= 1);
        CHECK_NEAR(r->total_cases, 18, 0);
        /* windows: 5 centres x 2 sizes (the ends of the row included) */
        CHECK_EQ_INT(r->windows, 10);
    }
    tw_scan_result_free(ctx, r);
    /* Low rates: the most likely low cluster is a pair of 2-case areas
     * with c = 4, E = 7.2: LLR = 4 ln(4/7.2) + 14 ln(14/10.8). */
    in.tail = TW_SCAN_LOW;
    r = run_in(ctx, &in, 0);
    if (r) {
        CHECK(r->n_clusters >= 1);
        CHECK_NEAR(r->clusters[0].llr, 4 * log(4 / 7.2) + 14 * log(14 / 10.8), 1e-12);
        CHECK_EQ_INT(r->clusters[0].n_areas, 2);
        CHECK_EQ_INT(r->clusters[0].high, 0);
        CHECK(isnan(r->clusters[0].p));
    }
    tw_scan_result_free(ctx, r);
    tw_ctx_free(ctx);
}

static void test_hand_bernoulli(void)
{
    /* Four areas of 10 people: cases 6,1,1,2 (C = 10, N = 40). Area 0:
     * LLR = 6 ln(6/10) + 4 ln(4/10) + 4 ln(4/30) + 26 ln(26/30)
     *       - 10 ln(10/40) - 30 ln(30/40) = 3.983055097833205,
     * RR = (6/10) / (4/30) = 4.5. */
    tw_ctx *ctx = tw_ctx_new();
    ref_in in;
    memset(&in, 0, sizeof in);
    in.n = 4;
    in.bern = 1;
    double cs[4] = {6, 1, 1, 2};
    for (int i = 0; i < 4; i++) {
        in.x[i] = i;
        in.cases[i] = cs[i];
        in.pop[i] = 10 - cs[i];
    }
    in.share = 0.5;
    tw_scan_result *r = run_in(ctx, &in, 19);
    if (r) {
        CHECK_EQ_INT(r->n_clusters, 1);
        CHECK_NEAR(r->clusters[0].llr, 3.983055097833205, 1e-12);
        CHECK_NEAR(r->clusters[0].rr, 4.5, 1e-12);
        CHECK_NEAR(r->clusters[0].expected, 2.5, 1e-12);
        CHECK_NEAR(r->clusters[0].population, 10, 0);
    }
    tw_scan_result_free(ctx, r);
    tw_ctx_free(ctx);
}

/* ---- against the reference ---- */

static void random_in(ref_in *in, int trial)
{
    memset(in, 0, sizeof *in);
    /* most lists are short; the last trials have long ones (the radix
     * sort of the library starts at 64 entries) */
    in->n = trial < 600 ? 3 + tst_int(38) : trial < 640 ? 64 + tst_int(RMAX - 63)
                                          : 3 + tst_int(trial < 790 ? 28 : 58);
    in->ellipse = trial >= 640;
    in->pen_power = trial % 5 == 0 ? 0 : trial % 5 == 1 ? 1 : 0.5;
    in->latlong = trial % 2;
    in->bern = (trial / 2) % 3 == 2;
    in->tail = (tw_scan_tail)((trial / 6) % 3);
    in->share = (tst_int(5) + 1) / 10.0;
    in->minc = tst_int(3);
    int grid = tst_int(3) == 0; /* grid points: many exact distance ties */
    for (int i = 0; i < in->n; i++) {
        if (i > 0 && tst_int(8) == 0) { /* co-located with an earlier area */
            int j = tst_int(i);
            in->x[i] = in->x[j];
            in->y[i] = in->y[j];
        } else if (grid) {
            in->x[i] = (in->latlong ? 120 : 0) + tst_int(5) * 0.25;
            in->y[i] = (in->latlong ? 10 : 0) + tst_int(5) * 0.25;
        } else if (in->latlong) {
            in->x[i] = 118 + 8 * tst_unif();
            in->y[i] = 5 + 14 * tst_unif();
        } else {
            in->x[i] = 100 * tst_unif();
            in->y[i] = 100 * tst_unif();
        }
        if (in->bern) {
            in->cases[i] = tst_int(6);
            in->pop[i] = tst_int(10);
        } else {
            in->pop[i] = tst_int(7) == 0 ? 0 : 1 + tst_int(1000);
            in->cases[i] = in->pop[i] > 0 ? tst_int(12) : 0;
        }
    }
    if (tst_int(3) == 0)
        in->maxr = in->latlong ? 50 + 400 * tst_unif() : 10 + 40 * tst_unif();
}

static void test_against_reference(void)
{
    tw_ctx *ctx = tw_ctx_new();
    static scanref_cl ref[RMAX];
    int compared = 0, clusters = 0;
    int ell_clusters = 0;
    for (int trial = 0; trial < 800; trial++) {
        ref_in in;
        random_in(&in, trial);
        double C = 0, N = 0;
        for (int i = 0; i < in.n; i++) {
            C += in.cases[i];
            N += in.bern ? in.cases[i] + in.pop[i] : in.pop[i];
        }
        if (N == 0)
            continue;
        int nref = ref_scan(&in, ref);
        tw_scan_result *r = run_in(ctx, &in, 0);
        if (!r)
            continue;
        compared++;
        if ((int)r->n_clusters != nref) {
            harness_fail(__FILE__, __LINE__, "trial %d: %zu clusters, reference %d", trial,
                         r->n_clusters, nref);
            for (int q = 0; q < nref || q < (int)r->n_clusters; q++)
                fprintf(stderr, "    %d: lib centre %d k %zu llr %.17g | ref centre %d k %d llr %.17g\n", q,
                        q < (int)r->n_clusters ? r->clusters[q].center : -1,
                        q < (int)r->n_clusters ? r->clusters[q].n_areas : 0,
                        q < (int)r->n_clusters ? r->clusters[q].llr : 0, q < nref ? ref[q].centre : -1,
                        q < nref ? ref[q].k : 0, q < nref ? ref[q].llr : 0);
        } else {
            for (int q = 0; q < nref; q++) {
                tw_scan_cluster *c = &r->clusters[q];
                clusters++;
                ell_clusters += c->shape > 1;
                CHECK_NEAR(c->test_stat, ref[q].llr, 1e-9);
                CHECK_NEAR(c->llr, ref[q].raw, 1e-9);
                CHECK_NEAR(c->shape, ref[q].shape, 0);
                CHECK_NEAR(c->angle_deg, ref[q].angle, 1e-9);
                if (c->center != ref[q].centre || (int)c->n_areas != ref[q].k) {
                    harness_fail(__FILE__, __LINE__,
                                 "trial %d cluster %d: centre %d size %zu, reference %d size %d",
                                 trial, q, c->center, c->n_areas, ref[q].centre, ref[q].k);
                    break;
                }
                for (int e = 0; e < ref[q].k; e++)
                    if (c->members[e] != ref[q].members[e]) {
                        harness_fail(__FILE__, __LINE__, "trial %d cluster %d member %d differs",
                                     trial, q, e);
                        break;
                    }
            }
        }
        tw_scan_result_free(ctx, r);
    }
    CHECK(compared > 740);
    CHECK(clusters > 780); /* the comparison saw real clusters, not just empty lists */
    CHECK(ell_clusters > 60); /* and elliptic ones */
    tw_ctx_free(ctx);
}

static void test_replicas_internal(void)
{
    tw_ctx *ctx = tw_ctx_new();
    static scanref_cl ref[RMAX];
    const int R = 40;
    tst_state = 4242;
    int checked = 0;
    for (int trial = 0; trial < 28; trial++) {
        ref_in in;
        random_in(&in, trial < 26 ? trial : 640 + trial); /* the last 2: ellipses */
        if (trial >= 24) { /* over 65535 cases: the 32-bit replica counts */
            in.bern = 0;
            for (int i = 0; i < in.n; i++) {
                in.pop[i] = 100 + tst_int(1000);
                in.cases[i] = 70000 / in.n + tst_int(100);
            }
        }
        double C = 0, N = 0, meas[RMAX];
        for (int i = 0; i < in.n; i++) {
            C += in.cases[i];
            meas[i] = in.bern ? in.cases[i] + in.pop[i] : in.pop[i];
            N += meas[i];
        }
        if (N == 0 || C == 0)
            continue;
        if (trial >= 24)
            CHECK(C >= 65536);
        tw_scan_result *r = run_in(ctx, &in, R);
        if (!r)
            continue;
        int32_t *cnt = malloc(sizeof(int32_t) * (size_t)in.n * (size_t)R);
        CHECK_OK(ctx, scan_make_replicas(ctx, in.bern, meas, (size_t)in.n, C, R, 7, cnt, NULL));
        for (int q = 0; q < R; q++) {
            ref_in rep = in;
            double tot = 0;
            for (int i = 0; i < in.n; i++) {
                rep.cases[i] = cnt[(size_t)i * (size_t)R + (size_t)q];
                tot += rep.cases[i];
                if (in.bern) {
                    CHECK(rep.cases[i] <= meas[i]);
                    rep.pop[i] = meas[i] - rep.cases[i];
                }
            }
            CHECK_NEAR(tot, C, 0);
            int nr = ref_scan(&rep, ref);
            CHECK_NEAR(r->replica_llr[q], nr > 0 ? ref[0].llr : 0, 1e-9);
            checked++;
        }
        free(cnt);
        tw_scan_result_free(ctx, r);
    }
    CHECK(checked >= 600);
    tw_ctx_free(ctx);
}

/* ---- properties ---- */

static void test_threads_and_pvalues(void)
{
    ref_in in;
    tst_state = 12345;
    random_in(&in, 0);
    in.n = 40;
    for (int i = 0; i < in.n; i++) {
        in.x[i] = 120 + 3 * tst_unif();
        in.y[i] = 10 + 3 * tst_unif();
        in.pop[i] = 100 + tst_int(900);
        in.cases[i] = tst_int(15);
    }
    in.maxr = 0;
    in.tail = TW_SCAN_BOTH;
    in.bern = 0;
    in.latlong = 1;
    tw_ctx *c1 = tw_ctx_new(), *c2 = tw_ctx_new();
    tw_ctx_set_threads(c1, 1);
    tw_ctx_set_threads(c2, 2);
    tw_scan_result *a = run_in(c1, &in, 199), *b = run_in(c2, &in, 199);
    CHECK(a && b);
    if (a && b) {
        CHECK(memcmp(a->replica_llr, b->replica_llr, 199 * sizeof(double)) == 0);
        CHECK_EQ_INT(a->n_clusters, b->n_clusters);
        for (size_t q = 0; q < a->n_clusters && q < b->n_clusters; q++) {
            CHECK(a->clusters[q].p == b->clusters[q].p);
            CHECK(a->clusters[q].p > 0 && a->clusters[q].p <= 1);
            CHECK(a->clusters[q].p_gumbel >= 0 && a->clusters[q].p_gumbel <= 1);
            /* p counts the replicas at or above the cluster's LLR */
            int ge = 0;
            for (int r = 0; r < 199; r++)
                ge += a->replica_llr[r] >= a->clusters[q].llr;
            CHECK_NEAR(a->clusters[q].p, (ge + 1) / 200.0, 1e-15);
            if (q > 0)
                CHECK(a->clusters[q].llr <= a->clusters[q - 1].llr);
        }
        /* Gumbel by moments, written out */
        double mean = 0, ss = 0;
        for (int r = 0; r < 199; r++)
            mean += a->replica_llr[r] / 199;
        for (int r = 0; r < 199; r++)
            ss += (a->replica_llr[r] - mean) * (a->replica_llr[r] - mean);
        double beta = sqrt(ss / 198) * sqrt(6.0) / 3.14159265358979323846;
        double mu = mean - 0.5772156649015329 * beta;
        double l = a->clusters[0].llr;
        CHECK_NEAR(a->clusters[0].p_gumbel, 1 - exp(-exp(-(l - mu) / beta)), 1e-9);
        /* critical value: the 10th largest of 199 maxima for 0.05 */
        double s[199];
        memcpy(s, a->replica_llr, sizeof s);
        for (int i = 0; i < 199; i++)
            for (int j = i + 1; j < 199; j++)
                if (s[j] > s[i]) {
                    double t = s[i];
                    s[i] = s[j];
                    s[j] = t;
                }
        CHECK_NEAR(a->crit_05, s[9], 0);
        CHECK_NEAR(a->crit_01, s[1], 0);
        CHECK(isnan(a->crit_001));
    }
    tw_scan_result_free(c1, a);
    tw_scan_result_free(c2, b);
    tw_ctx_free(c1);
    tw_ctx_free(c2);
}

static void test_distance(void)
{
    /* SaTScan's sphere: chord on radius 6367 km. One degree of latitude
     * is the chord 2 R sin(0.5 deg) = 111.1231 km. */
    double d = tw_scan_distance_km(121, 10, 121, 11);
    CHECK_NEAR(d, 2 * 6367.0 * sin(0.5 * 3.14159265358979323846 / 180), 1e-12);
    CHECK_NEAR(tw_scan_distance_km(121, 10, 121, 10), 0, 0);
    /* symmetric, and on the equator also along a parallel */
    CHECK_NEAR(tw_scan_distance_km(120, 0, 121, 0), d, 1e-9);
}

/*
 * Every area alone is over the cap, so no centre has a window: the
 * search radius carried from centre to centre must not grow with each
 * empty window (it once did, by 1.25 per centre: 47 shapes x 60 centres
 * in one thread overflowed it to infinity and the search never ended).
 */
static void test_no_window(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_ctx_set_threads(ctx, 1);
    ref_in in;
    memset(&in, 0, sizeof in);
    in.n = 60;
    in.ellipse = 1;
    in.pen_power = 0.5;
    in.share = 0.01;
    for (int i = 0; i < in.n; i++) {
        in.x[i] = 100 * tst_unif();
        in.y[i] = 100 * tst_unif();
        in.pop[i] = 1000;
        in.cases[i] = (double)(i % 7);
    }
    tw_scan_result *r = run_in(ctx, &in, 9);
    if (r) {
        CHECK_EQ_INT((int)r->n_clusters, 0);
        CHECK(r->windows == 0);
    }
    tw_scan_result_free(ctx, r);
    tw_ctx_free(ctx);
}

static void test_errors(void)
{
    tw_ctx *ctx = tw_ctx_new();
    double x[3] = {0, 1, 2}, y[3] = {0, 0, 0}, pop[3] = {10, 10, 10};
    double frac[3] = {1, 2.5, 0}, neg[3] = {1, -1, 0}, ok[3] = {1, 2, 0}, nopop[3] = {10, 0, 10};
    tw_scan_data d = {3, x, y, 0, frac, pop, NULL, NULL};
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.coords = TW_SCAN_CARTESIAN;
    tw_scan_result *r = NULL;
    CHECK_EQ_INT(tw_scan_run(ctx, &d, &o, &r), TW_E_DOMAIN);
    CHECK(strstr(tw_ctx_error(ctx)->message, "whole numbers") != NULL);
    CHECK(strstr(tw_ctx_error(ctx)->message, "area 1") != NULL);
    CHECK(r == NULL);
    d.cases = neg;
    CHECK_EQ_INT(tw_scan_run(ctx, &d, &o, &r), TW_E_DOMAIN);
    d.cases = ok;
    d.population = nopop;
    CHECK_EQ_INT(tw_scan_run(ctx, &d, &o, &r), TW_E_DOMAIN);
    CHECK(strstr(tw_ctx_error(ctx)->message, "population 0") != NULL);
    d.population = pop;
    o.max_pop_share = 0.6;
    CHECK_EQ_INT(tw_scan_run(ctx, &d, &o, &r), TW_E_ARG);
    o.max_pop_share = 0.5;
    o.model = TW_SCAN_BERNOULLI;
    CHECK_EQ_INT(tw_scan_run(ctx, &d, &o, &r), TW_E_ARG); /* no controls */
    o.model = TW_SCAN_POISSON;
    o.coords = TW_SCAN_LATLONG;
    double bad[3] = {0, 200, 0};
    d.x = bad;
    CHECK_EQ_INT(tw_scan_run(ctx, &d, &o, &r), TW_E_DOMAIN);
    d.x = x;
    CHECK_OK(ctx, tw_scan_run(ctx, &d, &o, &r));
    tw_scan_result_free(ctx, r);
    tw_scan_result_free(ctx, NULL);
    tw_ctx_free(ctx);
}

static void test_expected_column(void)
{
    /* Expected counts given directly are rescaled to the total: the same
     * clusters as the population they are proportional to. */
    tw_ctx *ctx = tw_ctx_new();
    ref_in in;
    tst_state = 999;
    random_in(&in, 1);
    in.bern = 0;
    in.tail = TW_SCAN_HIGH;
    for (int i = 0; i < in.n; i++) {
        in.pop[i] = 10 + tst_int(100);
        in.cases[i] = tst_int(8);
    }
    tw_scan_result *a = run_in(ctx, &in, 0);
    double ex[RMAX];
    for (int i = 0; i < in.n; i++)
        ex[i] = in.pop[i] * 0.125; /* exact scaling */
    tw_scan_data d = {(size_t)in.n, in.x, in.y, 0, in.cases, NULL, ex, NULL};
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.coords = TW_SCAN_CARTESIAN;
    o.coords = in.latlong ? TW_SCAN_LATLONG : TW_SCAN_CARTESIAN;
    o.max_pop_share = in.share;
    o.max_radius_km = in.maxr;
    o.min_cases = in.minc;
    tw_scan_result *b = NULL;
    CHECK_OK(ctx, tw_scan_run(ctx, &d, &o, &b));
    if (a && b) {
        CHECK_EQ_INT(a->n_clusters, b->n_clusters);
        for (size_t q = 0; q < a->n_clusters && q < b->n_clusters; q++) {
            CHECK_NEAR(a->clusters[q].llr, b->clusters[q].llr, 1e-12);
            CHECK_EQ_INT(a->clusters[q].center, b->clusters[q].center);
            CHECK_NEAR(a->clusters[q].expected, b->clusters[q].expected, 1e-12);
        }
    }
    tw_scan_result_free(ctx, a);
    tw_scan_result_free(ctx, b);
    tw_ctx_free(ctx);
}

static void test_nomem(void)
{
    ref_in in;
    tst_state = 31337;
    random_in(&in, 0);
    in.bern = 0;
    in.tail = TW_SCAN_BOTH;
    int saw_ok = 0;
    for (long k = 1; k < 400 && !saw_ok; k++) {
        for (int st = 0; st < 2; st++) {
            harness_falloc f = {k - 1, 0}; /* the k-th allocation fails */
            tw_ctx *ctx = tw_ctx_new();
            tw_allocator al = harness_falloc_allocator(&f);
            CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
            tw_scan_data d;
            memset(&d, 0, sizeof d);
            d.n = (size_t)in.n;
            d.x = in.x;
            d.y = in.y;
            d.cases = in.cases;
            d.population = in.pop;
            double cube[RMAX * 2];
            if (st) { /* space-time: two units, cases split */
                for (int i = 0; i < in.n; i++) {
                    cube[2 * i] = floor(in.cases[i] / 2);
                    cube[2 * i + 1] = in.cases[i] - cube[2 * i];
                }
                d.cases = cube;
                d.n_times = 2;
            }
            tw_scan_opts o;
            memset(&o, 0, sizeof o);
            o.tail = in.tail;
            o.replicas = 9;
            o.coords = in.latlong ? TW_SCAN_LATLONG : TW_SCAN_CARTESIAN;
            tw_scan_result *r = NULL;
            tw_status s = tw_scan_run(ctx, &d, &o, &r);
            if (s == TW_OK) {
                CHECK(r != NULL);
                tw_scan_result_free(ctx, r);
                if (st == 0)
                    saw_ok = f.left >= 0; /* the k-th allocation was never asked for */
            } else {
                CHECK_EQ_INT(s, TW_E_NOMEM);
                CHECK(r == NULL);
            }
            CHECK_EQ_INT(f.live, 0);
            tw_ctx_free(ctx);
        }
    }
    CHECK(saw_ok);
}

int main(void)
{
    RUN(test_hand_poisson);
    RUN(test_hand_bernoulli);
    RUN(test_against_reference);
    RUN(test_replicas_internal);
    RUN(test_threads_and_pvalues);
    RUN(test_distance);
    RUN(test_no_window);
    RUN(test_errors);
    RUN(test_expected_column);
    RUN(test_nomem);
    return harness_finish();
}
