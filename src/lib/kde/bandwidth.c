/*
 * bandwidth.c: bandwidth rules for the kernel density.
 *  - scott: spatstat's bw.scott(X, isotropic = TRUE): the geometric mean
 *    of the coordinates' standard deviations (n - 1 denominator) times
 *    n^(-1/6) (Scott 1992, the normal reference rule in 2-d).
 *  - silverman: the rule ArcGIS Pro's Kernel Density uses for its default
 *    search radius (the spatial variant of Silverman 1986, eq. 3.31):
 *    h = 0.9 min(SD, sqrt(1/ln 2) Dm) n^(-1/5), SD the standard distance
 *    (population denominator) and Dm the median distance to the mean
 *    centre. h is a quartic kernel's radius, so sigma = h / sqrt(8), the
 *    standard deviation of that kernel; a Gaussian gets the same sigma.
 *  - cv: likelihood cross-validation (Loader 1999; spatstat bw.ppl's
 *    criterion sum log lambda_{-i}(x_i) - integral lambda) over 24
 *    geometric steps from one cell to half the diagonal of the points'
 *    box, on the pixel-binned surface: the leave-one-out value at a point
 *    is its pixel's value less the point's own kernel peak. Without edge
 *    correction, so it differs from bw.ppl (which evaluates at the exact
 *    points, edge corrected); the largest criterion wins, as in bw.ppl.
 * Weights are ignored by scott and silverman (records, not children,
 * spread the data); cv uses them. O(n) for scott, O(n log n) silverman
 * (median), cv 24 surfaces (2 FFTs each).
 */
#define _POSIX_C_SOURCE 200809L
#include "kde/kde_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

tw_status tw_bw_rule_parse(const char *s, tw_bw_rule *out)
{
    if (!s)
        return TW_E_ARG;
    if (strcmp(s, "scott") == 0)
        *out = TW_BW_SCOTT;
    else if (strcmp(s, "silverman") == 0)
        *out = TW_BW_SILVERMAN;
    else if (strcmp(s, "cv") == 0)
        *out = TW_BW_CV;
    else
        return TW_E_ARG;
    return TW_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

tw_status tw_kde_bandwidth(tw_ctx *ctx, const double *x, const double *y, const double *w,
                           size_t n, tw_bw_rule rule, tw_kernel kernel, const tw_grid *g,
                           double *sigma)
{
    if (!sigma || (n && (!x || !y)))
        return ctx_error(ctx, TW_E_ARG, "bandwidth: points and result are required");
    if (n < 2)
        return ctx_error(ctx, TW_E_EMPTY, "bandwidth: a rule needs at least 2 points, got %zu", n);
    double dn = (double)n, mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return ctx_error(ctx, TW_E_DOMAIN, "bandwidth: point %zu is not a number", i + 1);
        mx += x[i];
        my += y[i];
    }
    mx /= dn;
    my /= dn;
    double sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (rule == TW_BW_SCOTT) {
        double sx = sqrt(sxx / (dn - 1)), sy = sqrt(syy / (dn - 1));
        /* spatstat: exp(mean(log(pmax(sd, .Machine$double.eps)))) */
        sx = sx > 2.220446049250313e-16 ? sx : 2.220446049250313e-16;
        sy = sy > 2.220446049250313e-16 ? sy : 2.220446049250313e-16;
        *sigma = exp((log(sx) + log(sy)) / 2) * pow(dn, -1.0 / 6);
        return TW_OK;
    }
    if (rule == TW_BW_SILVERMAN) {
        double *d = ctx_mallocarray(ctx, n, sizeof *d);
        if (!d)
            return ctx_nomem(ctx);
        for (size_t i = 0; i < n; i++)
            d[i] = hypot(x[i] - mx, y[i] - my);
        qsort(d, n, sizeof *d, cmp_double);
        double dm = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
        ctx_free(ctx, d);
        double sd = sqrt((sxx + syy) / dn);
        double a = sqrt(1 / log(2.0)) * dm;
        double h = 0.9 * (sd < a ? sd : a) * pow(dn, -0.2);
        if (!(h > 0))
            return ctx_error(ctx, TW_E_DOMAIN, "bandwidth: the points do not spread (silverman gives 0)");
        *sigma = h / sqrt(8.0);
        return TW_OK;
    }
    if (rule != TW_BW_CV)
        return ctx_error(ctx, TW_E_ARG, "bandwidth: unknown rule %d", (int)rule);
    if (!g)
        return ctx_error(ctx, TW_E_ARG, "bandwidth: cross-validation needs the grid");
    double x0 = x[0], x1 = x[0], y0 = y[0], y1 = y[0];
    for (size_t i = 1; i < n; i++) {
        x0 = x[i] < x0 ? x[i] : x0;
        x1 = x[i] > x1 ? x[i] : x1;
        y0 = y[i] < y0 ? y[i] : y0;
        y1 = y[i] > y1 ? y[i] : y1;
    }
    double lo = g->cell, hi = hypot(x1 - x0, y1 - y0) / 2;
    if (!(hi > lo))
        return ctx_error(ctx, TW_E_DOMAIN,
                         "bandwidth: the points spread over less than a cell: cross-validation "
                         "cannot choose");
    size_t cells = g->nx * g->ny;
    double *dens = ctx_mallocarray(ctx, cells, sizeof *dens);
    if (!dens)
        return ctx_nomem(ctx);
    enum { NS = 24 };
    double best = -INFINITY, best_sigma = NAN;
    tw_status s = TW_OK;
    double area = g->cell * g->cell;
    for (int k = 0; k < NS; k++) {
        double sg = lo * pow(hi / lo, (double)k / (NS - 1));
        tw_kde_opts o = {.kernel = kernel, .sigma = sg, .mode = TW_KDE_SPATSTAT, .edge = 0};
        if ((s = tw_kde_compute(ctx, x, y, w, n, g, &o, dens)))
            break;
        /* own contribution of a point at its own pixel: K(0) scaled as the surface */
        double k0 = kde_kernel(kernel, sg, 0, 0);
        /* the spatstat surface scales the kernel to sum 1 over the pixels */
        double ksum = kde_spatstat_sum(kernel, sg, g->cell, g->nx, g->ny);
        double self = k0 / ksum / area;
        double crit = 0, integral = 0;
        for (size_t t = 0; t < cells; t++)
            integral += dens[t] * area;
        for (size_t i = 0; i < n && isfinite(crit); i++) {
            double fx = (x[i] - g->x0) / g->cell, fy = (y[i] - g->y0) / g->cell;
            if (fx < 0 || fy < 0 || fx > (double)g->nx || fy > (double)g->ny)
                continue;
            size_t j = fx >= (double)g->nx ? g->nx - 1 : (size_t)fx;
            size_t r = fy >= (double)g->ny ? g->ny - 1 : (size_t)fy;
            double wi = w ? w[i] : 1;
            double loo = dens[r * g->nx + j] - wi * self;
            crit += loo > 0 ? wi * log(loo) : -INFINITY;
        }
        crit -= integral;
        if (crit > best) {
            best = crit;
            best_sigma = sg;
        }
    }
    ctx_free(ctx, dens);
    if (s)
        return s;
    if (isnan(best_sigma))
        return ctx_error(ctx, TW_E_DOMAIN,
                         "bandwidth: cross-validation found no bandwidth that leaves every point "
                         "some density");
    *sigma = best_sigma;
    return TW_OK;
}
