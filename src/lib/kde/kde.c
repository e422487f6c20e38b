/*
 * kde.c: kernel intensity surfaces on a regular grid.
 *
 * Method (Silverman 1986, ch. 4; Diggle 1985; Wand 1994 for binning):
 *  - SPATSTAT: exactly what spatstat.explore::density.ppp(X, sigma,
 *    kernel, edge, dimyx) computes on a rectangular window: every point
 *    is moved to the centre of its pixel (pixellate), the kernel is
 *    sampled at the pixel offsets {-n..n-1} x {-m..m-1} and scaled to sum
 *    1 over them, the two are convolved (FFT, zero padding, so no wrap
 *    around) and divided by the pixel area. Edge correction divides by
 *    the convolution of the window with the same kernel (Diggle's uniform
 *    correction, density.ppp edge=TRUE, diggle=FALSE).
 *  - LINEAR: each point's weight is shared among the four surrounding
 *    pixel centres (bilinear, Wand 1994) and convolved with the kernel's
 *    own values (not rescaled): the error against the exact sum falls
 *    from O(h) to O(h^2) in the pixel size h.
 *  - EXACT: sum over points at each pixel centre, kernels cut where they
 *    fall below 1e-22 of their peak (Gaussian at 10 sigma).
 * FFT sizes are the next 2^a 3^b 5^c 7^d at or above twice the grid, so
 * a 499-pixel side does not become a 998-point prime-factor transform;
 * padding beyond 2n does not change the result (offsets never reach n),
 * and the spatstat scaling uses spatstat's own set of offsets.
 *
 * Complexity: O(n + P log P) for P padded pixels (3 FFTs; one more with
 * edge correction); EXACT O(n * pixels in a kernel's support). Memory:
 * 3 padded arrays (P doubles + 2 * P/2 complexes) from the ctx allocator;
 * FFTW's plans allocate on their own (like cairo). FFTW's planner is not
 * thread-safe, so planning is serialised by a mutex; execution is not.
 *
 * Limits: square pixels; grids up to 2^28 pixels; points outside the grid
 * are left out and counted in a warning (density.ppp drops points outside
 * the window too).
 */
#define _POSIX_C_SOURCE 200809L
#include "kde/kde_internal.h"
#include "core/rng.h"

#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <string.h>

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

double kde_kernel(tw_kernel k, double sigma, double dx, double dy)
{
    double r2 = dx * dx + dy * dy;
    if (k == TW_KERNEL_GAUSSIAN)
        return exp(-r2 / (2 * sigma * sigma)) / (2 * KDE_PI * sigma * sigma);
    double R2 = 8 * sigma * sigma; /* spatstat: sd of (3/pi)(1-r^2)^2 is 1/sqrt(8) */
    if (r2 >= R2)
        return 0;
    double u = 1 - r2 / R2;
    return 3 / (KDE_PI * R2) * u * u;
}

double kde_cutoff(tw_kernel k, double sigma)
{
    return k == TW_KERNEL_GAUSSIAN ? 10 * sigma : sqrt(8.0) * sigma;
}

/* Smallest 2^a 3^b 5^c 7^d >= n. */
static size_t fft_size(size_t n)
{
    for (size_t m = n;; m++) {
        size_t r = m;
        while (r % 2 == 0)
            r /= 2;
        while (r % 3 == 0)
            r /= 3;
        while (r % 5 == 0)
            r /= 5;
        while (r % 7 == 0)
            r /= 7;
        if (r == 1)
            return m;
    }
}

/* A padded convolution: the image's spectrum is kept so several kernels
 * (bandwidth search, edge correction) reuse it. */
typedef struct conv {
    tw_ctx *ctx;
    size_t nx, ny, P, Q, Qc; /* grid, padded rows and columns, complex columns */
    double *real;
    fftw_complex *img, *tmp;
    fftw_plan fwd, inv;
} conv;

static void conv_free(conv *c)
{
    pthread_mutex_lock(&planner_lock);
    if (c->fwd)
        fftw_destroy_plan(c->fwd);
    if (c->inv)
        fftw_destroy_plan(c->inv);
    pthread_mutex_unlock(&planner_lock);
    ctx_free(c->ctx, c->real);
    ctx_free(c->ctx, c->img);
    ctx_free(c->ctx, c->tmp);
    memset(c, 0, sizeof *c);
}

static tw_status conv_init(tw_ctx *ctx, size_t nx, size_t ny, conv *c)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->nx = nx;
    c->ny = ny;
    c->P = fft_size(2 * ny);
    c->Q = fft_size(2 * nx);
    c->Qc = c->Q / 2 + 1;
    if (c->P > (1u << 15) || c->Q > (1u << 15))
        return ctx_error(ctx, TW_E_UNSUPPORTED, "kde: grid of %zu x %zu cells is too large", nx, ny);
    c->real = ctx_mallocarray(ctx, c->P * c->Q, sizeof *c->real);
    c->img = ctx_mallocarray(ctx, c->P * c->Qc, sizeof *c->img);
    c->tmp = ctx_mallocarray(ctx, c->P * c->Qc, sizeof *c->tmp);
    if (!c->real || !c->img || !c->tmp) {
        conv_free(c);
        return ctx_nomem(ctx);
    }
    pthread_mutex_lock(&planner_lock);
    c->fwd = fftw_plan_dft_r2c_2d((int)c->P, (int)c->Q, c->real, c->tmp, FFTW_ESTIMATE);
    c->inv = fftw_plan_dft_c2r_2d((int)c->P, (int)c->Q, c->tmp, c->real, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    if (!c->fwd || !c->inv) {
        conv_free(c);
        return ctx_error(ctx, TW_E_INTERNAL, "kde: fftw could not plan a %zu x %zu transform", c->P,
                         c->Q);
    }
    return TW_OK;
}

/* Load an ny x nx image (row-major) into the padded array and keep its spectrum. */
static void conv_set_image(conv *c, const double *im)
{
    memset(c->real, 0, c->P * c->Q * sizeof *c->real);
    for (size_t i = 0; i < c->ny; i++)
        memcpy(c->real + i * c->Q, im + i * c->nx, c->nx * sizeof *im);
    fftw_execute(c->fwd);
    memcpy(c->img, c->tmp, c->P * c->Qc * sizeof *c->img);
}

/* Row/column offset (in pixels) of padded index r of a dimension of size P. */
static double offset(size_t r, size_t P) { return r < P / 2 + 1 ? (double)r : (double)r - (double)P; }

/*
 * Put the kernel, sampled at pixel offsets and multiplied by scale, into
 * the padded array (wrap-around layout). Gaussian is separable.
 */
static void conv_load_kernel(conv *c, tw_kernel k, double sigma, double cell, double scale)
{
    size_t P = c->P, Q = c->Q;
    double cut = kde_cutoff(k, sigma);
    if (k == TW_KERNEL_GAUSSIAN) {
        /* outer product of 1-d normals, as density.ppp's outer(dnorm, dnorm) */
        double *gx = c->real + (P - 1) * Q; /* last row as scratch, filled last */
        double *gy = (double *)c->tmp;      /* spectrum scratch, overwritten by fwd */
        double norm = 1 / (sqrt(2 * KDE_PI) * sigma);
        for (size_t j = 0; j < Q; j++) {
            double d = offset(j, Q) * cell;
            gx[j] = fabs(d) > cut ? 0 : norm * exp(-d * d / (2 * sigma * sigma));
        }
        for (size_t i = 0; i < P; i++) {
            double d = offset(i, P) * cell;
            gy[i] = fabs(d) > cut ? 0 : norm * exp(-d * d / (2 * sigma * sigma));
        }
        for (size_t i = 0; i + 1 < P; i++) {
            double *row = c->real + i * Q;
            double a = gy[i] * scale;
            for (size_t j = 0; j < Q; j++)
                row[j] = a * gx[j];
        }
        double a = gy[P - 1] * scale;
        for (size_t j = 0; j < Q; j++)
            gx[j] *= a;
    } else {
        for (size_t i = 0; i < P; i++) {
            double dy = offset(i, P) * cell;
            double *row = c->real + i * Q;
            for (size_t j = 0; j < Q; j++) {
                double dx = offset(j, Q) * cell;
                row[j] = fabs(dy) > cut ? 0 : scale * kde_kernel(k, sigma, dx, dy);
            }
        }
    }
}

/* out (ny x nx) = image (*) loaded kernel, times scale. */
static void conv_apply(conv *c, double *out, double scale)
{
    fftw_execute(c->fwd);
    size_t m = c->P * c->Qc;
    for (size_t t = 0; t < m; t++) {
        double ar = c->tmp[t][0], ai = c->tmp[t][1];
        double br = c->img[t][0], bi = c->img[t][1];
        c->tmp[t][0] = ar * br - ai * bi;
        c->tmp[t][1] = ar * bi + ai * br;
    }
    fftw_execute(c->inv);
    double s = scale / ((double)c->P * (double)c->Q);
    for (size_t i = 0; i < c->ny; i++)
        for (size_t j = 0; j < c->nx; j++)
            out[i * c->nx + j] = c->real[i * c->Q + j] * s;
}

/* Sum of the kernel over spatstat's offsets {-n..n-1} x {-m..m-1} (pixels). */
double kde_spatstat_sum(tw_kernel k, double sigma, double cell, size_t nx, size_t ny)
{
    if (k == TW_KERNEL_GAUSSIAN) {
        double sx = 0, sy = 0, norm = 1 / (sqrt(2 * KDE_PI) * sigma);
        double cut = kde_cutoff(k, sigma);
        for (long j = -(long)nx; j < (long)nx; j++) {
            double d = (double)j * cell;
            sx += fabs(d) > cut ? 0 : norm * exp(-d * d / (2 * sigma * sigma));
        }
        for (long i = -(long)ny; i < (long)ny; i++) {
            double d = (double)i * cell;
            sy += fabs(d) > cut ? 0 : norm * exp(-d * d / (2 * sigma * sigma));
        }
        return sx * sy;
    }
    double R = kde_cutoff(k, sigma);
    long rx = (long)(R / cell) + 1;
    double s = 0;
    for (long i = -(long)ny; i < (long)ny; i++) {
        if (fabs((double)i * cell) >= R)
            continue;
        for (long j = -rx; j <= rx; j++)
            if (j >= -(long)nx && j < (long)nx)
                s += kde_kernel(k, sigma, (double)j * cell, (double)i * cell);
    }
    return s;
}

static tw_status check_common(tw_ctx *ctx, const double *x, const double *y, const double *w,
                              size_t n, const tw_grid *g, const tw_kde_opts *o)
{
    if (!g || !o || (n && (!x || !y)))
        return ctx_error(ctx, TW_E_ARG, "kde: points, grid and options are required");
    if (g->nx == 0 || g->ny == 0 || !(g->cell > 0) || !isfinite(g->x0) || !isfinite(g->y0) ||
        !isfinite(g->cell))
        return ctx_error(ctx, TW_E_ARG, "kde: the grid needs cells (got %zu x %zu, cell %g)", g->nx,
                         g->ny, g->cell);
    if (g->nx > (1u << 14) || g->ny > (1u << 14))
        return ctx_error(ctx, TW_E_UNSUPPORTED, "kde: grid of %zu x %zu cells is too large (16384 a side at most)",
                         g->nx, g->ny);
    if (!(o->sigma > 0) || !isfinite(o->sigma))
        return ctx_error(ctx, TW_E_ARG, "kde: bandwidth must be > 0, got %g", o->sigma);
    if ((unsigned)o->kernel > TW_KERNEL_QUARTIC || (unsigned)o->mode > TW_KDE_EXACT)
        return ctx_error(ctx, TW_E_ARG, "kde: unknown kernel or mode");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return ctx_error(ctx, TW_E_DOMAIN, "kde: point %zu has a coordinate that is not a number",
                             i + 1);
        if (w && (!isfinite(w[i]) || w[i] < 0))
            return ctx_error(ctx, TW_E_DOMAIN, "kde: point %zu has weight %g", i + 1, w[i]);
    }
    return TW_OK;
}

double tw_kde_exact_at(const double *x, const double *y, const double *w, size_t n,
                       tw_kernel kernel, double sigma, double px, double py)
{
    /* beyond the cut-off (10 sigma for the Gaussian: under 1e-22 of the peak)
     * a point adds nothing a double can hold next to the peak: skip its exp() */
    double cut = kde_cutoff(kernel, sigma), cut2 = cut * cut, s = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = px - x[i], dy = py - y[i];
        if (dx * dx + dy * dy > cut2)
            continue;
        s += (w ? w[i] : 1) * kde_kernel(kernel, sigma, dx, dy);
    }
    return s;
}

static tw_status kde_exact(tw_ctx *ctx, const double *x, const double *y, const double *w,
                           size_t n, const tw_grid *g, const tw_kde_opts *o, double *dens)
{
    double cut = kde_cutoff(o->kernel, o->sigma);
    double span = 2 * cut / g->cell + 1;
    double work = (double)n * (span < (double)g->nx ? span : (double)g->nx) *
                  (span < (double)g->ny ? span : (double)g->ny);
    if (work > 2e9)
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "kde: the exact sum needs %.3g kernel evaluations (at most 2e9): use the "
                         "linear or spatstat mode",
                         work);
    size_t nx = g->nx, ny = g->ny;
    int nt = ctx_nthreads(ctx);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 4)
    for (size_t iy = 0; iy < ny; iy++) {
        double yc = g->y0 + ((double)iy + 0.5) * g->cell;
        double *row = dens + iy * nx;
        for (size_t ix = 0; ix < nx; ix++)
            row[ix] = 0;
        for (size_t i = 0; i < n; i++) {
            double dy = yc - y[i];
            if (fabs(dy) > cut)
                continue;
            double a = (x[i] - cut - g->x0) / g->cell - 0.5, b = (x[i] + cut - g->x0) / g->cell - 0.5;
            long j0 = a < 0 ? 0 : (long)ceil(a), j1 = b >= (double)nx ? (long)nx - 1 : (long)floor(b);
            double wi = w ? w[i] : 1;
            for (long j = j0; j <= j1; j++) {
                double xc = g->x0 + ((double)j + 0.5) * g->cell;
                row[j] += wi * kde_kernel(o->kernel, o->sigma, xc - x[i], dy);
            }
        }
    }
    return TW_OK;
}

tw_status tw_kde_compute(tw_ctx *ctx, const double *x, const double *y, const double *w,
                         size_t n, const tw_grid *g, const tw_kde_opts *o, double *density)
{
    tw_status s;
    if ((s = check_common(ctx, x, y, w, n, g, o)))
        return s;
    if (!density)
        return ctx_error(ctx, TW_E_ARG, "kde: output array is required");
    size_t nx = g->nx, ny = g->ny, cells = nx * ny;
    double *bins = NULL, *edge = NULL;
    conv c;
    memset(&c, 0, sizeof c);
    size_t outside = 0;
    double xmax = g->x0 + (double)nx * g->cell, ymax = g->y0 + (double)ny * g->cell;
    for (size_t i = 0; i < n; i++)
        outside += x[i] < g->x0 || x[i] > xmax || y[i] < g->y0 || y[i] > ymax;
    if (o->mode == TW_KDE_EXACT) {
        if ((s = kde_exact(ctx, x, y, w, n, g, o, density)))
            return s;
    } else {
        bins = ctx_calloc(ctx, cells, sizeof *bins);
        if (!bins)
            return ctx_nomem(ctx);
        for (size_t i = 0; i < n; i++) {
            if (x[i] < g->x0 || x[i] > xmax || y[i] < g->y0 || y[i] > ymax)
                continue;
            double wi = w ? w[i] : 1;
            double fx = (x[i] - g->x0) / g->cell, fy = (y[i] - g->y0) / g->cell;
            if (o->mode == TW_KDE_SPATSTAT) {
                /* the pixel containing the point (closed on the window's far edges) */
                size_t j = fx >= (double)nx ? nx - 1 : (size_t)fx;
                size_t k = fy >= (double)ny ? ny - 1 : (size_t)fy;
                bins[k * nx + j] += wi;
            } else {
                /* bilinear share among the four nearest pixel centres; in the
                 * outer half pixel everything goes to the edge centres */
                double u = fx - 0.5, v = fy - 0.5;
                double ju = floor(u), kv = floor(v);
                double au = u - ju, av = v - kv;
                long j0 = (long)ju, k0 = (long)kv;
                for (int dk = 0; dk <= 1; dk++)
                    for (int dj = 0; dj <= 1; dj++) {
                        double f = (dj ? au : 1 - au) * (dk ? av : 1 - av);
                        if (f == 0)
                            continue;
                        long jj = j0 + dj, kk = k0 + dk;
                        jj = jj < 0 ? 0 : jj >= (long)nx ? (long)nx - 1 : jj;
                        kk = kk < 0 ? 0 : kk >= (long)ny ? (long)ny - 1 : kk;
                        bins[(size_t)kk * nx + (size_t)jj] += wi * f;
                    }
            }
        }
        if ((s = conv_init(ctx, nx, ny, &c)))
            goto fail;
        conv_set_image(&c, bins);
        double area = g->cell * g->cell;
        if (o->mode == TW_KDE_SPATSTAT) {
            double ks = kde_spatstat_sum(o->kernel, o->sigma, g->cell, nx, ny);
            if (!(ks > 0)) {
                s = ctx_error(ctx, TW_E_DOMAIN,
                              "kde: bandwidth %g is too small for cells of %g: the kernel misses "
                              "every cell centre",
                              o->sigma, g->cell);
                goto fail;
            }
            conv_load_kernel(&c, o->kernel, o->sigma, g->cell, 1 / ks);
            conv_apply(&c, density, 1 / area);
        } else {
            conv_load_kernel(&c, o->kernel, o->sigma, g->cell, 1);
            conv_apply(&c, density, 1);
        }
    }
    if (o->edge) {
        /* fraction of each cell's kernel mass that falls inside the grid */
        edge = ctx_mallocarray(ctx, cells, sizeof *edge);
        if (!edge) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        if (!c.real && (s = conv_init(ctx, nx, ny, &c)))
            goto fail;
        for (size_t t = 0; t < cells; t++)
            edge[t] = 1;
        conv_set_image(&c, edge);
        if (o->mode == TW_KDE_SPATSTAT) {
            double ks = kde_spatstat_sum(o->kernel, o->sigma, g->cell, nx, ny);
            conv_load_kernel(&c, o->kernel, o->sigma, g->cell, 1 / ks);
            conv_apply(&c, edge, 1);
        } else {
            conv_load_kernel(&c, o->kernel, o->sigma, g->cell, 1);
            conv_apply(&c, edge, g->cell * g->cell);
        }
        for (size_t t = 0; t < cells; t++)
            density[t] /= fabs(edge[t]);
    }
    if (outside)
        ctx_warn(ctx, "kde: %zu of %zu points lie outside the grid and were left out", outside, n);
    s = TW_OK;
fail:
    conv_free(&c);
    ctx_free(ctx, bins);
    ctx_free(ctx, edge);
    return s;
}

tw_status tw_kde_compare_exact(tw_ctx *ctx, const double *x, const double *y, const double *w,
                               size_t n, const tw_grid *g, const tw_kde_opts *o,
                               const double *density, size_t samples, uint64_t seed,
                               double *max_diff_of_peak)
{
    tw_status s;
    if ((s = check_common(ctx, x, y, w, n, g, o)))
        return s;
    if (o->edge)
        return ctx_error(ctx, TW_E_ARG, "kde: the exact sum has no edge correction to compare with");
    if (!density || !max_diff_of_peak)
        return ctx_error(ctx, TW_E_ARG, "kde: surface and result are required");
    size_t cells = g->nx * g->ny, m = samples < cells ? samples : cells;
    double dmax = 0, emax = 0;
    int nt = ctx_nthreads(ctx);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 8) reduction(max : dmax, emax)
    for (size_t t = 0; t < m; t++) {
        size_t cidx = t;
        if (m < cells) {
            rng r;
            rng_init(&r, seed, t);
            cidx = (size_t)rng_below(&r, cells);
        }
        double px = g->x0 + ((double)(cidx % g->nx) + 0.5) * g->cell;
        double py = g->y0 + ((double)(cidx / g->nx) + 0.5) * g->cell;
        double e = tw_kde_exact_at(x, y, w, n, o->kernel, o->sigma, px, py);
        double d = fabs(density[cidx] - e);
        dmax = d > dmax ? d : dmax;
        emax = e > emax ? e : emax;
    }
    *max_diff_of_peak = emax > 0 ? dmax / emax : (dmax > 0 ? INFINITY : 0);
    return TW_OK;
}
