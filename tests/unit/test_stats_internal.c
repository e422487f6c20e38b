/*
 * test_stats_internal.c: the conditional permutation engine (perm.c)
 * seen from inside: counts of >= / <= with ties, the moments of the
 * permuted lag against exact enumeration, the fixed self term of Gi*, and
 * areas without neighbours.
 */
#include "harness.h"
#include "stats/stats_internal.h"

#include <string.h>

/* Area 0 has neighbours 1 and 2; the others have area 0 only. */
static tw_weights *star5(tw_ctx *ctx, int self)
{
    size_t rowptr[] = {0, 2, 3, 4, 5, 6};
    int32_t col[] = {1, 2, 0, 0, 0, 0};
    tw_weights *b = NULL, *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, 5, rowptr, col, NULL, &b));
    CHECK_OK(ctx, tw_weights_transform(ctx, b, self, TW_STYLE_B, &w));
    tw_weights_free(b);
    return w;
}

/* Sums of tied values that differ only by rounding are ties both ways.
 * Area 0 sees 0.1 + 0.2 (= 0.30000000000000004); the other values are
 * 0.3 and 0. Of the 6 unordered pairs of {0.1, 0.2, 0.3, 0}, two sum to
 * 0.3 (ties), two are above, two below: ge and le are each 4/6 of R and
 * ge + le - R, the ties, 1/3 of R. Without the tolerance {0.3, 0} would
 * count only as below (ties 1/6). */
static void test_ties(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_weights *w = star5(ctx, 0);
    double x[] = {5, 0.1, 0.2, 0.3, 0.0};
    perm_local pl;
    int R = 6000;
    CHECK_OK(ctx, perm_local_run(ctx, w, x, R, 9, &pl));
    int ties = pl.ge[0] + pl.le[0] - R;
    CHECK(ties > 1800 && ties < 2200);
    CHECK(pl.ge[0] > 3800 && pl.ge[0] < 4200);
    CHECK(pl.obs[0] == 0.1 + 0.2);
    /* exact moments of the sum of 2 of {0.1, 0.2, 0.3, 0} without
     * replacement: mean 2 * 0.15 = 0.3; variance 2 s^2 (N - 2)/(N - 1)
     * with s^2 the population variance 0.0125, N = 4: 0.016667 */
    CHECK_NEAR(pl.mean[0], 0.3, 0.004);
    CHECK_NEAR(pl.sd[0], sqrt(2 * 0.0125 * 2 / 3.0), 0.004);
    perm_local_free(ctx, &pl);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

/* Gi*: the self term w_ii x_i is in every permuted lag; x_i is never
 * drawn for its own neighbours. With x_0 = 100 and the others small, any
 * draw of x_0 would show as a huge lag. */
static void test_self_fixed(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_weights *w = star5(ctx, 1);
    double x[] = {100, 1, 2, 3, 4};
    perm_local pl;
    CHECK_OK(ctx, perm_local_run(ctx, w, x, 2000, 1, &pl));
    /* area 0: 100 + two of {1,2,3,4}: mean 105, lag in [103, 107] */
    CHECK_NEAR(pl.mean[0], 105, 0.1);
    CHECK(pl.obs[0] == 103);
    CHECK_EQ_INT(pl.ge[0], 2000);     /* 103 is the smallest possible lag */
    CHECK(pl.le[0] > 0 && pl.le[0] < 2000 / 6 + 120);
    /* area 1: 1 + one of {100, 2, 3, 4} */
    CHECK_NEAR(pl.mean[1], 1 + 109 / 4.0, 1.5);
    perm_local_free(ctx, &pl);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

static void test_island(void)
{
    tw_ctx *ctx = tw_ctx_new();
    size_t rowptr[] = {0, 1, 2, 2};
    int32_t col[] = {1, 0};
    tw_weights *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, 3, rowptr, col, NULL, &w));
    double x[] = {1, 2, 3};
    perm_local pl;
    CHECK_OK(ctx, perm_local_run(ctx, w, x, 10, 1, &pl));
    CHECK(pl.ge[2] == -1 && pl.le[2] == -1 && isnan(pl.mean[2]));
    CHECK(isnan(perm_p_two_sided(pl.ge[2], pl.le[2], 10)));
    CHECK(pl.ge[0] >= 0);
    perm_local_free(ctx, &pl);
    CHECK(perm_local_run(ctx, w, x, 0, 1, &pl) == TW_E_ARG);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

static void test_p_formula(void)
{
    CHECK_NEAR(perm_p_two_sided(0, 999, 999), 2 / 1000.0, 1e-15);
    CHECK_NEAR(perm_p_two_sided(999, 3, 999), 8 / 1000.0, 1e-15);
    CHECK(perm_p_two_sided(999, 999, 999) == 1);
    CHECK(perm_p_two_sided(500, 500, 999) == 1); /* capped */
}

int main(void)
{
    RUN(test_ties);
    RUN(test_self_fixed);
    RUN(test_island);
    RUN(test_p_formula);
    return harness_finish();
}
