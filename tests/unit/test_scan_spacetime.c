/*
 * test_scan_spacetime.c: the space-time scan (cylinders), Poisson and
 * space-time permutation, retrospective and prospective.
 *
 *  - A hand-computed case: 3 areas x 4 months, an outbreak of 6 cases in
 *    area 0 in month 3 (permutation model: mu = C_A C_D / C).
 *  - A brute-force reference: every centre, every prefix of a freshly
 *    sorted list, every interval (only those ending in the last unit when
 *    prospective), cases and expected counts summed from scratch. The
 *    library must agree to 1e-9 on the LLR and exactly on centre,
 *    members and interval of every reported cluster, over 300 random data
 *    sets (both models, both modes, three tails, Cartesian and lat/long).
 *  - Replicas identical for 1 and 2 threads (also with more than 65535
 *    cases, stored in 32 bits); the recurrence interval is 1/p when
 *    prospective.
 *  - Under the null (permutation model, 100 data sets, 99 replicas) the
 *    share with p < 0.05 stays in [0.01, 0.10] (printed).
 */
#include "harness.h"
#include "scan/scan_internal.h"
#include "scan_testutil.h"
#include "tanaw/tanaw.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SN 24
#define ST 8

typedef struct st_in {
    int n, T, latlong, stperm, prosp, minc;
    double x[SN], y[SN], pop[SN], cases[SN * ST];
    double share, tshare, maxr;
    tw_scan_tail tail;
} st_in;

/* Clusters of the reference (with scan_testutil.c), most likely first;
 * returns how many. */
static int ref_st(const st_in *in, scanref_cl *out)
{
    int n = in->n, T = in->T;
    double P[SN][3], meas[SN], C = 0, Ptot = 0, ai[SN], tt[ST];
    memset(ai, 0, sizeof ai);
    memset(tt, 0, sizeof tt);
    for (int i = 0; i < n; i++) {
        scanref_point(in->latlong, in->x[i], in->y[i], P[i]);
        for (int t = 0; t < T; t++) {
            ai[i] += in->cases[i * T + t];
            tt[t] += in->cases[i * T + t];
            C += in->cases[i * T + t];
        }
    }
    for (int i = 0; i < n; i++) {
        meas[i] = in->stperm ? ai[i] : in->pop[i];
        Ptot += meas[i];
    }
    int L = (int)floor(in->tshare * T + 1e-9);
    if (L < 1)
        L = 1;
    double minc = in->minc > 0 ? in->minc : 2;
    static scanref_cl best[SN];
    int nb = 0;
    for (int c = 0; c < n; c++) {
        if (scanref_repeated(P, c))
            continue;
        int ord[SN];
        double d[SN];
        scanref_order(n, P, c, ord, d);
        scanref_cl bc = {.shape = 1, .centre = c};
        for (int k = 1; k <= n; k++) {
            int last = ord[k - 1];
            if (k < n && scanref_same_point(P, last, ord[k]))
                continue;
            double M = 0;
            for (int e = 0; e < k; e++)
                M += meas[ord[e]];
            if (M > in->share * Ptot)
                break;
            if (in->maxr > 0 && d[last] > in->maxr)
                break;
            for (int t2 = T - 1; t2 >= 0; t2--) {
                if (in->prosp && t2 != T - 1)
                    break;
                for (int t1 = t2; t1 >= 0 && t2 - t1 + 1 <= L; t1--) {
                    double cs = 0, E;
                    for (int e = 0; e < k; e++)
                        for (int t = t1; t <= t2; t++)
                            cs += in->cases[ord[e] * T + t];
                    if (in->stperm) {
                        double CA = 0, CD = 0;
                        for (int e = 0; e < k; e++)
                            CA += ai[ord[e]];
                        for (int t = t1; t <= t2; t++)
                            CD += tt[t];
                        E = CA * CD / C;
                    } else {
                        E = C * M / Ptot * (t2 - t1 + 1) / T;
                    }
                    double l = scanref_llr_poisson(in->tail, cs, E, C, minc);
                    if (l > bc.llr) {
                        bc.llr = l;
                        bc.k = k;
                        bc.t1 = t1;
                        bc.t2 = t2;
                        memcpy(bc.members, ord, sizeof(int) * (size_t)k);
                    }
                }
            }
        }
        if (bc.k > 0)
            best[nb++] = bc;
    }
    return scanref_greedy(best, nb, out);
}

static uint64_t sst = 0x2545F4914F6CDD1DULL;
static int sint(int n) { return (int)(scanref_next(&sst) % (uint64_t)n); }
static double sunif(void) { return scanref_unif(&sst); }

static tw_scan_result *run_st(tw_ctx *ctx, const st_in *in, int R, uint64_t seed)
{
    tw_scan_data d;
    memset(&d, 0, sizeof d);
    d.n = (size_t)in->n;
    d.x = in->x;
    d.y = in->y;
    d.n_times = (size_t)in->T;
    d.cases = in->cases;
    d.population = in->stperm ? NULL : in->pop;
    tw_scan_opts o;
    memset(&o, 0, sizeof o);
    o.model = in->stperm ? TW_SCAN_STPERM : TW_SCAN_POISSON;
    o.tail = in->tail;
    o.coords = in->latlong ? TW_SCAN_LATLONG : TW_SCAN_CARTESIAN;
    o.mode = in->prosp ? TW_SCAN_PROSPECTIVE : TW_SCAN_RETROSPECTIVE;
    o.max_pop_share = in->share;
    o.max_time_share = in->tshare;
    o.max_radius_km = in->maxr;
    o.replicas = R;
    o.seed = seed;
    o.min_cases = in->minc;
    tw_scan_result *r = NULL;
    CHECK_OK(ctx, tw_scan_run(ctx, &d, &o, &r));
    return r;
}

static void random_st(st_in *in, int trial)
{
    memset(in, 0, sizeof *in);
    in->n = 2 + sint(SN - 1);
    in->T = 2 + sint(ST - 1);
    in->latlong = trial % 2;
    in->stperm = (trial / 2) % 2;
    in->prosp = (trial / 4) % 2;
    in->tail = (tw_scan_tail)((trial / 8) % 3);
    in->share = (1 + sint(5)) / 10.0;
    in->tshare = (1 + sint(9)) / 10.0;
    in->minc = sint(3);
    for (int i = 0; i < in->n; i++) {
        if (i > 0 && sint(8) == 0) {
            int j = sint(i);
            in->x[i] = in->x[j];
            in->y[i] = in->y[j];
        } else {
            in->x[i] = (in->latlong ? 120 : 0) + (in->latlong ? 3 : 50) * sunif();
            in->y[i] = (in->latlong ? 10 : 0) + (in->latlong ? 3 : 50) * sunif();
        }
        in->pop[i] = 1 + sint(500);
        for (int t = 0; t < in->T; t++)
            in->cases[i * in->T + t] = sint(4) == 0 ? sint(9) : sint(2);
    }
    if (sint(4) == 0)
        in->maxr = in->latlong ? 100 + 200 * sunif() : 10 + 20 * sunif();
}

static void test_hand(void)
{
    /* Areas 0, 1, 2 on a line, months 0..3, one case per area-month and
     * 4 more in area 0, month 3 (C = 16). Permutation model, cap 50 % of
     * the cases (8): area 0 (8 cases) is a window, pairs are not. The
     * cylinder {area 0} x {month 3} has c = 5 and mu = C_A C_D / C =
     * 8 * 7 / 16 = 3.5: LLR = 5 ln(5/3.5) + 11 ln(11/12.5) = 0.3772; the
     * next best, {area 0} x {months 2, 3}, has c = 6, mu = 5, LLR 0.141. */
    tw_ctx *ctx = tw_ctx_new();
    st_in in;
    memset(&in, 0, sizeof in);
    in.n = 3;
    in.T = 4;
    in.stperm = 1;
    in.share = 0.5;
    in.tshare = 0.5;
    for (int i = 0; i < 3; i++) {
        in.x[i] = i;
        for (int t = 0; t < 4; t++)
            in.cases[i * 4 + t] = 1;
    }
    in.cases[0 * 4 + 3] += 4;
    tw_scan_result *r = run_st(ctx, &in, 0, 1);
    if (r) {
        CHECK(r->n_clusters >= 1);
        if (r->n_clusters >= 1) {
            tw_scan_cluster *c = &r->clusters[0];
            CHECK_EQ_INT(c->center, 0);
            CHECK_EQ_INT(c->n_areas, 1);
            CHECK_EQ_INT(c->t_start, 3);
            CHECK_EQ_INT(c->t_end, 3);
            CHECK_NEAR(c->observed, 5, 0);
            CHECK_NEAR(c->expected, 3.5, 1e-12);
            CHECK_NEAR(c->llr, 5 * log(5 / 3.5) + 11 * log(11 / 12.5), 1e-12);
            CHECK(isnan(c->population));
        }
    }
    tw_scan_result_free(ctx, r);
    tw_ctx_free(ctx);
}

static void test_against_reference(void)
{
    tw_ctx *ctx = tw_ctx_new();
    static scanref_cl ref[SN];
    int compared = 0, clusters = 0;
    for (int trial = 0; trial < 300; trial++) {
        st_in in;
        random_st(&in, trial);
        double C = 0;
        for (int q = 0; q < in.n * in.T; q++)
            C += in.cases[q];
        if (C == 0)
            continue;
        int nr = ref_st(&in, ref);
        tw_scan_result *r = run_st(ctx, &in, 0, 1);
        if (!r)
            continue;
        compared++;
        if ((int)r->n_clusters != nr) {
            harness_fail(__FILE__, __LINE__, "trial %d: %zu clusters, reference %d", trial,
                         r->n_clusters, nr);
        } else {
            for (int q = 0; q < nr; q++) {
                tw_scan_cluster *c = &r->clusters[q];
                clusters++;
                CHECK_NEAR(c->llr, ref[q].llr, 1e-9);
                if (c->center != ref[q].centre || (int)c->n_areas != ref[q].k ||
                    c->t_start != ref[q].t1 || c->t_end != ref[q].t2) {
                    harness_fail(__FILE__, __LINE__,
                                 "trial %d cluster %d: centre %d k %zu [%d,%d], reference %d k %d "
                                 "[%d,%d]",
                                 trial, q, c->center, c->n_areas, c->t_start, c->t_end,
                                 ref[q].centre, ref[q].k, ref[q].t1, ref[q].t2);
                    break;
                }
                for (int e = 0; e < ref[q].k; e++)
                    if (c->members[e] != ref[q].members[e]) {
                        harness_fail(__FILE__, __LINE__, "trial %d cluster %d member %d", trial,
                                     q, e);
                        break;
                    }
                if (in.prosp)
                    CHECK_EQ_INT(c->t_end, in.T - 1);
            }
        }
        tw_scan_result_free(ctx, r);
    }
    CHECK(compared > 280);
    CHECK(clusters > 300);
    tw_ctx_free(ctx);
}

static void test_replicas_and_threads(void)
{
    st_in in;
    sst = 77;
    random_st(&in, 0);
    in.stperm = 1;
    in.prosp = 1;
    in.n = SN;
    in.T = ST;
    for (int i = 0; i < SN; i++) {
        in.x[i] = 50 * sunif();
        in.y[i] = 50 * sunif();
        for (int t = 0; t < ST; t++)
            in.cases[i * ST + t] = sint(5);
    }
    in.maxr = 0;
    in.tail = TW_SCAN_HIGH;
    tw_ctx *c1 = tw_ctx_new(), *c2 = tw_ctx_new();
    tw_ctx_set_threads(c1, 1);
    tw_ctx_set_threads(c2, 2);
    tw_scan_result *a = run_st(c1, &in, 49, 3), *b = run_st(c2, &in, 49, 3);
    if (a && b) {
        CHECK(memcmp(a->replica_llr, b->replica_llr, 49 * sizeof(double)) == 0);
        CHECK_EQ_INT(a->n_clusters, b->n_clusters);
        for (size_t q = 0; q < a->n_clusters; q++) {
            CHECK(a->clusters[q].p > 0 && a->clusters[q].p <= 1);
            CHECK_NEAR(a->clusters[q].recurrence, 1 / a->clusters[q].p, 1e-12);
        }
    }
    tw_scan_result_free(c1, a);
    tw_scan_result_free(c2, b);
    tw_ctx_free(c1);
    tw_ctx_free(c2);
}

static void test_large_counts(void)
{
    /* Over 65535 cases: the replicas are stored in 32 bits. The outbreak
     * cell stands out; results are the same for 1 and 2 threads. */
    st_in in;
    memset(&in, 0, sizeof in);
    in.n = 6;
    in.T = 3;
    in.stperm = 1;
    in.share = 0.5;
    in.tshare = 0.5;
    for (int i = 0; i < in.n; i++) {
        in.x[i] = i;
        for (int t = 0; t < in.T; t++)
            in.cases[i * in.T + t] = 4000;
    }
    in.cases[2 * in.T + 2] += 600;
    tw_ctx *c1 = tw_ctx_new(), *c2 = tw_ctx_new();
    tw_ctx_set_threads(c1, 1);
    tw_ctx_set_threads(c2, 2);
    tw_scan_result *a = run_st(c1, &in, 19, 5), *b = run_st(c2, &in, 19, 5);
    if (a && b) {
        CHECK(a->total_cases >= 65536);
        CHECK(memcmp(a->replica_llr, b->replica_llr, 19 * sizeof(double)) == 0);
        CHECK(a->n_clusters >= 1);
        if (a->n_clusters >= 1) {
            CHECK_EQ_INT(a->clusters[0].center, 2);
            CHECK_EQ_INT(a->clusters[0].t_start, 2);
            CHECK_NEAR(a->clusters[0].p, 0.05, 1e-12); /* beats all 19 replicas */
        }
    }
    tw_scan_result_free(c1, a);
    tw_scan_result_free(c2, b);
    tw_ctx_free(c1);
    tw_ctx_free(c2);
}

static void test_null_stperm(void)
{
    tw_ctx *ctx = tw_ctx_new();
    st_in in;
    memset(&in, 0, sizeof in);
    sst = 4711;
    in.n = 20;
    in.T = 6;
    in.stperm = 1;
    in.share = 0.5;
    in.tshare = 0.5;
    for (int i = 0; i < in.n; i++) {
        in.x[i] = 100 * sunif();
        in.y[i] = 100 * sunif();
    }
    double w[SN];
    double tot = 0;
    for (int i = 0; i < in.n; i++) {
        w[i] = 1 + 9 * sunif();
        tot += w[i];
    }
    int sig = 0, runs = 0;
    for (int k = 0; k < 100; k++) {
        /* independent space and time: area by weight, month uniform */
        memset(in.cases, 0, sizeof in.cases);
        for (int c = 0; c < 120; c++) {
            double u = sunif() * tot, acc = 0;
            int i = 0;
            for (; i < in.n - 1; i++) {
                acc += w[i];
                if (u < acc)
                    break;
            }
            in.cases[i * in.T + sint(in.T)]++;
        }
        tw_scan_result *r = run_st(ctx, &in, 99, 100 + (uint64_t)k);
        if (!r)
            continue;
        runs++;
        sig += r->n_clusters > 0 && r->clusters[0].p < 0.05;
        tw_scan_result_free(ctx, r);
    }
    printf("space-time permutation null: %d of %d with p < 0.05\n", sig, runs);
    CHECK_EQ_INT(runs, 100);
    CHECK(sig >= 1 && sig <= 10);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_hand);
    RUN(test_against_reference);
    RUN(test_replicas_and_threads);
    RUN(test_large_counts);
    RUN(test_null_stperm);
    return harness_finish();
}
