/*
 * mk.c: the Mann-Kendall trend test (Mann 1945, Econometrica 13:245;
 * Kendall 1975, Rank Correlation Methods) and Sen's slope (Sen 1968,
 * JASA 63:1379) of one series in time order.
 *
 *   S      = sum_{i<j} sign(x_j - x_i)
 *   Var(S) = [m(m-1)(2m+5) - sum_g t_g(t_g-1)(2t_g+5)] / 18, t_g the
 *            sizes of the groups of tied values (time has no ties)
 *   z      = (S - 1)/sqrt(Var S) if S > 0, (S + 1)/sqrt(Var S) if S < 0,
 *            0 if S = 0 (continuity correction), p = 2 (1 - Phi(|z|))
 *   tau    = S / sqrt((m(m-1)/2 - sum_g t_g(t_g-1)/2) m(m-1)/2)  (tau-b with
 *            time, as Kendall::MannKendall)
 *   Sen    = median over i<j of (x_j - x_i) / (j - i), j - i in steps
 * which is what R's cor.test(x, seq_along(x), method = "kendall",
 * exact = FALSE, continuity = TRUE) gives for z and p (goldens in
 * tests/golden/spacetime). NaN values are skipped; the others keep their
 * time positions (a gap stays a gap for Sen's slope).
 *
 * S is an exact integer. O(m^2) time for S and the slopes (quickselect for
 * the median, expected linear), O(m log m) for the ties; scratch of
 * m + m(m-1)/2 doubles, so series stay short (weeks over a few years).
 */
#include "spacetime/spacetime_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

size_t st_mk_scratch(size_t n) { return n + (n > 1 ? n * (n - 1) / 2 : 0) + 1; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* k-th smallest of a[0..n) (0-based), reordering a: Wirth's selection
 * (Hoare partitioning around a[k]); signed indices so j may pass below l. */
static double select_kth(double *a, size_t n, size_t k)
{
    ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (l < m) {
        double piv = a[kk];
        ptrdiff_t i = l, j = m;
        do {
            while (a[i] < piv)
                i++;
            while (piv < a[j])
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < kk)
            l = i;
        if (kk < i)
            m = j;
    }
    return a[kk];
}

size_t st_mk(const double *x, size_t n, double *scratch, int with_sen, tw_mk_result *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += !isnan(x[i]);
    out->n = m;
    out->s = out->var_s = out->z = out->p = out->tau = out->sen_slope = NAN;
    if (m < 2)
        return m;
    long long s = 0;
    double *slopes = scratch + n;
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            continue;
        for (size_t j = i + 1; j < n; j++) {
            if (isnan(x[j]))
                continue;
            s += (x[j] > x[i]) - (x[j] < x[i]);
            if (with_sen)
                slopes[ns++] = (x[j] - x[i]) / (double)(j - i);
        }
    }
    /* ties: sort the values once */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            scratch[k++] = x[i];
    qsort(scratch, m, sizeof *scratch, cmp_double);
    double tie_var = 0, tie_pairs = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && scratch[j] == scratch[i])
            j++;
        double t = (double)(j - i);
        tie_var += t * (t - 1) * (2 * t + 5);
        tie_pairs += t * (t - 1) / 2;
        i = j;
    }
    double dm = (double)m;
    double v = (dm * (dm - 1) * (2 * dm + 5) - tie_var) / 18.0;
    double pairs = dm * (dm - 1) / 2;
    out->s = (double)s;
    out->var_s = v;
    double d = sqrt((pairs - tie_pairs) * pairs);
    out->tau = d > 0 ? (double)s / d : NAN;
    if (v > 0) {
        double z = s > 0 ? ((double)s - 1) / sqrt(v) : s < 0 ? ((double)s + 1) / sqrt(v) : 0.0;
        out->z = z;
        out->p = erfc(fabs(z) / sqrt(2.0));
    }
    if (!with_sen)
        return m;
    /* median of the slopes: for an even count the mean of the two middle ones */
    size_t h = ns / 2;
    double hi = select_kth(slopes, ns, h);
    if (ns % 2 == 0) {
        double lo = slopes[0];
        for (size_t i = 1; i < h; i++)
            lo = slopes[i] > lo ? slopes[i] : lo;
        out->sen_slope = (lo + hi) / 2;
    } else {
        out->sen_slope = hi;
    }
    return m;
}

tw_status tw_mann_kendall(tw_ctx *ctx, const double *x, size_t n, tw_mk_result *out)
{
    if (!x || !out)
        return ctx_error(ctx, TW_E_ARG, "mann-kendall: series and result are required");
    for (size_t i = 0; i < n; i++)
        if (isinf(x[i]))
            return ctx_error(ctx, TW_E_DOMAIN, "mann-kendall: value %zu is infinite", i + 1);
    if (n > 100000)
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "mann-kendall: %zu values is too long a series (at most 100000)", n);
    double *scratch = ctx_mallocarray(ctx, st_mk_scratch(n), sizeof *scratch);
    if (!scratch)
        return ctx_nomem(ctx);
    tw_mk_result r;
    size_t m = st_mk(x, n, scratch, 1, &r);
    ctx_free(ctx, scratch);
    if (m < 2)
        return ctx_error(ctx, TW_E_EMPTY,
                         "mann-kendall needs at least 2 values that are not NaN, got %zu", m);
    *out = r;
    return TW_OK;
}
