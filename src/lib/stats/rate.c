/*
 * rate.c: the variable to analyse from counts and populations: the count,
 * the crude rate count / population * per, or the global empirical Bayes
 * rate of Marshall (1991, "Mapping disease and mortality rates using
 * empirical Bayes estimators", Appl. Statist. 40:283-294), method of
 * moments, Poisson family, exactly as spdep::EBest(n, x) times per:
 *   p_i = n_i / x_i,  b = sum n / sum x,
 *   s2 = sum x_i (p_i - b)^2 / sum x,  a = max(0, s2 - b / (sum x / m)),
 *   est_i = b + a (p_i - b) / (a + b / x_i).
 * est_i is a weighted mean of b and p_i with weights in [0, 1], so it is
 * never negative (we still clamp rounding at 0).
 *
 * Where EBest stops or gives odd numbers we do this instead (see
 * docs/statistics.md):
 *  - population 0 with count 0: the area carries no information; it is
 *    left out of b, s2 and m and gets the prior mean b (the limit of the
 *    shrinkage weight a / (a + b / x) as x -> 0). EBest stops with
 *    "non-positive risk population". PER gives 0.
 *  - population 0 with a positive count: the rate is undefined (infinite);
 *    TW_E_DOMAIN naming the area, for PER and EB.
 *  - tiny positive populations (EBest refuses x < 2.2e-16): used as they
 *    are; the estimate is then pulled almost entirely to b.
 *  - all counts 0 (b = 0, where EBest divides 0 by 0): every rate is 0.
 * O(m) time, no allocation.
 */
#include "stats/stats_internal.h"

#include <math.h>

tw_status tw_rate_compute(tw_ctx *ctx, tw_rate_kind kind, double per, const double *counts,
                          const double *population, size_t n, double *out)
{
    if (n && (!counts || !out))
        return ctx_error(ctx, TW_E_ARG, "rates need counts and an output array");
    if (kind != TW_RATE_COUNT && kind != TW_RATE_PER && kind != TW_RATE_EB)
        return ctx_error(ctx, TW_E_ARG, "unknown rate kind %d", (int)kind);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(counts[i]) || counts[i] < 0)
            return ctx_error(ctx, TW_E_DOMAIN, "count of area %zu is %g: counts must be finite and >= 0",
                             i, counts[i]);
    }
    if (kind == TW_RATE_COUNT) {
        for (size_t i = 0; i < n; i++)
            out[i] = counts[i];
        return TW_OK;
    }
    if (!(per > 0) || !isfinite(per))
        return ctx_error(ctx, TW_E_ARG, "rate multiplier must be a positive number, got %g", per);
    if (n && !population)
        return ctx_error(ctx, TW_E_ARG, "rates need populations");
    double nsum = 0, xsum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = population[i];
        if (isnan(x))
            return ctx_error(ctx, TW_E_DOMAIN, "area %zu has no population", i);
        if (!isfinite(x) || x < 0)
            return ctx_error(ctx, TW_E_DOMAIN, "population of area %zu is %g: it must be >= 0", i, x);
        if (x == 0 && counts[i] > 0)
            return ctx_error(ctx, TW_E_DOMAIN,
                             "area %zu has %g cases but population 0: its rate is undefined", i,
                             counts[i]);
        if (x > 0) {
            nsum += counts[i];
            xsum += x;
            m++;
        }
    }
    if (kind == TW_RATE_PER) {
        for (size_t i = 0; i < n; i++)
            out[i] = population[i] > 0 ? counts[i] / population[i] * per : 0.0;
        return TW_OK;
    }
    if (m == 0)
        return ctx_error(ctx, TW_E_EMPTY, "empirical Bayes rates need an area with population > 0");
    if (nsum == 0) {
        for (size_t i = 0; i < n; i++)
            out[i] = 0.0;
        return TW_OK;
    }
    double b = nsum / xsum;
    double s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double x = population[i];
        if (x > 0) {
            double d = counts[i] / x - b;
            s2 += x * (d * d / xsum);
        }
    }
    double a = s2 - b / (xsum / (double)m);
    if (a < 0)
        a = 0;
    for (size_t i = 0; i < n; i++) {
        double x = population[i], est;
        if (x > 0) {
            double p = counts[i] / x;
            est = b + a * (p - b) / (a + b / x);
        } else {
            est = b;
        }
        if (est < 0)
            est = 0;
        out[i] = est * per;
    }
    return TW_OK;
}
