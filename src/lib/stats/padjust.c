/*
 * padjust.c: multiple-testing adjustment of p-values, exactly as R's
 * p.adjust for "none", "bonferroni" and "BH" (Benjamini & Hochberg 1995,
 * step-up: p_(i) * m / i, running minimum from the largest p down,
 * capped at 1). As in R, NaN entries (R's NA) stay NaN and are not
 * counted in m. BH adjusted p <= alpha is the same decision as the BH
 * procedure at level alpha, which is what ArcGIS's FDR option applies.
 * O(m log m) time (a sort), O(m) memory.
 */
#include "stats/stats_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pv_idx {
    double p;
    size_t i;
} pv_idx;

/* Descending p; ties by index so the order is reproducible (the result
 * does not depend on the order of ties: they get the same value). */
static int cmp_desc(const void *a, const void *b)
{
    const pv_idx *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i);
}

tw_status tw_p_adjust(tw_ctx *ctx, tw_correction method, const double *p, size_t n, double *out)
{
    if (n && (!p || !out))
        return ctx_error(ctx, TW_E_ARG, "p-value adjustment needs input and output arrays");
    if (method != TW_CORRECT_NONE && method != TW_CORRECT_BONFERRONI && method != TW_CORRECT_FDR)
        return ctx_error(ctx, TW_E_ARG, "unknown p-value correction %d", (int)method);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i]))
            continue;
        if (p[i] < 0 || p[i] > 1)
            return ctx_error(ctx, TW_E_DOMAIN, "p-value of area %zu is %g, outside [0, 1]", i, p[i]);
        m++;
    }
    if (method == TW_CORRECT_NONE || m <= 1) {
        if (out != p)
            memmove(out, p, n * sizeof *out);
        return TW_OK;
    }
    if (method == TW_CORRECT_BONFERRONI) {
        for (size_t i = 0; i < n; i++) {
            double v = p[i] * (double)m;
            out[i] = isnan(p[i]) ? NAN : v < 1 ? v : 1;
        }
        return TW_OK;
    }
    pv_idx *v = ctx_mallocarray(ctx, m, sizeof *v);
    if (!v)
        return ctx_nomem(ctx);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]))
            v[k++] = (pv_idx){p[i], i};
    qsort(v, m, sizeof *v, cmp_desc);
    double run = INFINITY;
    for (size_t r = 0; r < m; r++) {
        size_t rank = m - r; /* rank of v[r] in ascending order */
        double a = (double)m / (double)rank * v[r].p;
        if (a < run)
            run = a;
        v[r].p = run < 1 ? run : 1;
    }
    for (size_t i = 0; i < n; i++)
        if (isnan(p[i]))
            out[i] = NAN;
    for (size_t r = 0; r < m; r++)
        out[v[r].i] = v[r].p;
    ctx_free(ctx, v);
    return TW_OK;
}
