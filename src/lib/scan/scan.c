/*
 * scan.c: Kulldorff's purely spatial scan statistic (Kulldorff 1997, "A
 * spatial scan statistic", Commun. Stat. Theory Methods 26:1481-1496),
 * Poisson and Bernoulli models, with Monte Carlo inference as SaTScan
 * does it (SaTScan user guide, "Likelihood ratio test", "Secondary
 * clusters"). Space-time cylinders are in spacetime.c.
 *
 * Method. Every centre (an area's point) has its neighbour list sorted by
 * distance (geo.c); the windows are the prefixes of that list up to the
 * population cap and the radius limit. Walking the list keeps running sums
 * of cases and measure, so each window costs O(1) on the data. The best
 * window of each centre is kept; the most likely cluster is the best of
 * all, and secondary clusters are the other centres' best windows, by
 * LLR, that share no area with a cluster already reported (SaTScan's
 * default "no geographical overlap").
 *
 * Replicas. R data sets are drawn under the null conditioned on the total
 * C: Poisson, a multinomial of C cases over the areas with probabilities
 * proportional to the expected counts (alias method); Bernoulli, C cases
 * drawn without replacement from the N individuals (Fenwick tree). Replica
 * r uses RNG stream (seed, r), so replicas are the same for any thread
 * count. Counts are stored area-major (row j holds area j's count in
 * every replica), so adding an area to a window adds one contiguous row
 * to R running sums: one vectorised pass per window. The windows are
 * walked once for the data and all replicas together; a centre's list is
 * computed once and never stored.
 *
 * Pruning. A replica window is skipped when its Pearson bound (lik.c)
 * cannot beat that replica's largest LLR so far (in this thread); a first
 * gate with the smallest of those maxima on the largest running sum skips
 * most windows with one comparison. Only survivors evaluate logarithms.
 * Skipping is exact: the maxima are the same as without pruning.
 *
 * Cost: O(n (candidates + k)) to build the lists and O(W R) additions for
 * W windows; memory n R counts (16 bits when C < 65536, else 32) plus
 * O(n + R) per thread. Limits: n, C < 2^31; measures (population) summed in double
 * (exact for whole numbers below 2^53).
 */
#include "scan/scan_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

tw_status scan_spacetime_run(tw_ctx *ctx, const tw_scan_data *d, const tw_scan_opts *o,
                             tw_scan_result **out);

/* Centres per parallel block, between progress callbacks. */
#define SCAN_BLOCK 512
/* Replicas drawn together before their counts are written area-major. */
#define REP_BLOCK 16

void tw_scan_result_free(tw_ctx *ctx, tw_scan_result *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->n_clusters; k++)
        ctx_free(ctx, r->clusters[k].members);
    ctx_free(ctx, r->clusters);
    ctx_free(ctx, r->replica_llr);
    ctx_free(ctx, r);
}

/* Whole numbers >= 0, finite; total in *sum. */
static tw_status check_counts(tw_ctx *ctx, const double *v, size_t n, const char *what,
                              double *sum)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (!isfinite(x) || x < 0)
            return ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, what,
                                "%s of area %zu is %g: counts must be whole numbers >= 0", what,
                                i, x);
        if (x != floor(x))
            return ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, what,
                                "%s of area %zu is %g: the scan needs whole numbers of cases "
                                "(as SaTScan)",
                                what, i, x);
        s += x;
    }
    *sum = s;
    return TW_OK;
}

/* ---- replicas ---- */

typedef struct fenwick {
    size_t n;
    int64_t *t; /* 1-based */
} fenwick;

static void fen_build(fenwick *f, const int64_t *w)
{
    size_t n = f->n;
    for (size_t i = 1; i <= n; i++)
        f->t[i] = w[i - 1];
    for (size_t i = 1; i <= n; i++) {
        size_t j = i + (i & (~i + 1));
        if (j <= n)
            f->t[j] += f->t[i];
    }
}

/* Index (0-based) holding the u-th unit (0-based), then remove that unit. */
static size_t fen_take(fenwick *f, int64_t u)
{
    size_t pos = 0, n = f->n, step = 1;
    while (step * 2 <= n)
        step *= 2;
    for (; step > 0; step /= 2) {
        if (pos + step <= n && f->t[pos + step] <= u) {
            pos += step;
            u -= f->t[pos];
        }
    }
    for (size_t i = pos + 1; i <= n; i += i & (~i + 1))
        f->t[i]--;
    return pos;
}

/*
 * Fill cnt (n x R, area-major) with R replicas. Poisson: multinomial by
 * the measure (alias table); Bernoulli: C of the N individuals without
 * replacement (the smaller of cases and controls is drawn).
 */
tw_status scan_make_replicas(tw_ctx *ctx, int bernoulli, const double *measure, size_t n,
                            double C, int R, uint64_t seed, int32_t *cnt, uint16_t *cnt16)
{
    tw_status st = TW_OK;
    scan_alias al;
    memset(&al, 0, sizeof al);
    int64_t *wint = NULL;
    int nt = ctx_nthreads(ctx);
    int32_t *local = NULL;
    fenwick *fen = NULL;
    double N = 0;
    if (!bernoulli) {
        if ((st = scan_alias_init(ctx, &al, measure, n)))
            return st;
    } else {
        wint = ctx_mallocarray(ctx, n, sizeof *wint);
        if (!wint)
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            wint[i] = (int64_t)measure[i];
            N += measure[i];
        }
        fen = ctx_calloc(ctx, (size_t)nt, sizeof *fen);
        if (!fen)
            goto nomem;
        for (int t = 0; t < nt; t++) {
            fen[t].n = n;
            fen[t].t = ctx_calloc(ctx, n + 1, sizeof *fen[t].t);
            if (!fen[t].t)
                goto nomem;
        }
    }
    local = ctx_mallocarray(ctx, (size_t)nt * REP_BLOCK, n * sizeof *local);
    if (!local)
        goto nomem;
    int64_t Ci = (int64_t)C;
    int nblocks = (R + REP_BLOCK - 1) / REP_BLOCK;
    int draw_controls = bernoulli && C > N / 2;
    int64_t draws = draw_controls ? (int64_t)N - Ci : Ci;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int b = 0; b < nblocks; b++) {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        int32_t *loc = local + (size_t)t * REP_BLOCK * n;
        int r0 = b * REP_BLOCK, nb = R - r0 < REP_BLOCK ? R - r0 : REP_BLOCK;
        for (int q = 0; q < nb; q++) {
            int32_t *c = loc + (size_t)q * n;
            memset(c, 0, n * sizeof *c);
            rng g;
            rng_init(&g, seed, (uint64_t)(r0 + q));
            if (!bernoulli) {
                for (int64_t k = 0; k < Ci; k++)
                    c[scan_alias_draw(&al, &g)]++;
            } else {
                fen_build(&fen[t], wint);
                int64_t left = (int64_t)N;
                for (int64_t k = 0; k < draws; k++) {
                    size_t j = fen_take(&fen[t], (int64_t)rng_below(&g, (uint64_t)left));
                    left--;
                    c[j]++;
                }
                if (draw_controls)
                    for (size_t j = 0; j < n; j++)
                        c[j] = (int32_t)(wint[j] - c[j]);
            }
        }
        for (size_t j = 0; j < n; j++)
            for (int q = 0; q < nb; q++)
                if (cnt16)
                    cnt16[j * (size_t)R + (size_t)(r0 + q)] = (uint16_t)loc[(size_t)q * n + j];
                else
                    cnt[j * (size_t)R + (size_t)(r0 + q)] = loc[(size_t)q * n + j];
    }
    goto done;
nomem:
    st = ctx_nomem(ctx);
done:
    scan_alias_free(ctx, &al);
    ctx_free(ctx, wint);
    if (fen)
        for (int t = 0; t < nt; t++)
            ctx_free(ctx, fen[t].t);
    ctx_free(ctx, fen);
    ctx_free(ctx, local);
    return st;
}

/* ---- the walk over windows ---- */

typedef struct thread_ws {
    scan_worker wk;  /* window search, replica maxima wk.m and their sqrt wk.q */
    int32_t *cum;    /* R running sums */
    float *qf;       /* R: sqrt(m) rounded down, for the single-precision pass */
    double mmin;     /* min over m */
} thread_ws;

typedef struct scan_ctx {
    const scan_geo *geo;  /* the window shape being walked (geos[e]) */
    const scan_geo *geos; /* n_ell: the circle, then the ellipses */
    int n_ell;
    double pen, isq_pen;  /* non-compactness penalty of the current shape, 1/sqrt(pen) */
    const scan_lik *lik;
    const double *cases;
    const double *measure;
    double cap, max_r;
    int R;
    const int32_t *cnt;   /* n R replica counts, or NULL when cnt16 holds them */
    const uint16_t *cnt16;/* the same in 16 bits when C < 65536 (half the memory traffic) */
    double *best_llr; /* n: best test statistic (LLR x penalty) of the centre so far */
    int32_t *best_k;  /* n: entries of the best window, 0 = none */
    int32_t *best_e;  /* n: its shape (index into geos) */
} scan_ctx;

/* Sum a row into cum, with the largest (HI), smallest (LO) or both
 * running sums. Kept simple so that the compiler vectorises them; the
 * 16-bit rows halve the memory read per window. */
#define ADD_ROW(NAME, T, HI, LO)                                                       \
    static void NAME(int32_t *restrict cum, const T *restrict row, int R, int32_t *mx, \
                     int32_t *mn)                                                      \
    {                                                                                  \
        int32_t a = INT32_MIN, b = INT32_MAX;                                          \
        for (int r = 0; r < R; r++) {                                                  \
            int32_t v = cum[r] + (int32_t)row[r];                                      \
            cum[r] = v;                                                                \
            if (HI)                                                                    \
                a = v > a ? v : a;                                                     \
            if (LO)                                                                    \
                b = v < b ? v : b;                                                     \
        }                                                                              \
        *mx = a;                                                                       \
        *mn = b;                                                                       \
    }
ADD_ROW(add_row32_hi, int32_t, 1, 0)
ADD_ROW(add_row32_lo, int32_t, 0, 1)
ADD_ROW(add_row32_both, int32_t, 1, 1)
ADD_ROW(add_row16_hi, uint16_t, 1, 0)
ADD_ROW(add_row16_lo, uint16_t, 0, 1)
ADD_ROW(add_row16_both, uint16_t, 1, 1)
#undef ADD_ROW

static void add_row(const scan_ctx *s, int32_t *cum, size_t j, int32_t *mx, int32_t *mn)
{
    int R = s->R;
    tw_scan_tail tail = s->lik->tail;
    if (s->cnt16) {
        const uint16_t *row = s->cnt16 + j * (size_t)R;
        if (tail == TW_SCAN_HIGH)
            add_row16_hi(cum, row, R, mx, mn);
        else if (tail == TW_SCAN_LOW)
            add_row16_lo(cum, row, R, mx, mn);
        else
            add_row16_both(cum, row, R, mx, mn);
    } else {
        const int32_t *row = s->cnt + j * (size_t)R;
        if (tail == TW_SCAN_HIGH)
            add_row32_hi(cum, row, R, mx, mn);
        else if (tail == TW_SCAN_LOW)
            add_row32_lo(cum, row, R, mx, mn);
        else
            add_row32_both(cum, row, R, mx, mn);
    }
}

static void recompute_min(thread_ws *w, int R)
{
    double m = INFINITY;
    for (int r = 0; r < R; r++)
        m = w->wk.m[r] < m ? w->wk.m[r] : m;
    w->mmin = R > 0 ? m : 0;
}

/*
 * The replicas at one window. A replica can beat its maximum m_r only if
 * its bound does: c > E + sqrt(m_r) s_hi (high) or c < E - sqrt(m_r) s_lo
 * (low), with sqrt(m_r) kept per replica. s_lo = sqrt(V) is Pearson's
 * bound (lik.c). On the high side of the Poisson LLR a bound twice as
 * tight holds: writing LLR = g(c; E) + g(C - c; C - E) with
 * g(a; b) = a ln(a/b) - a + b, and g'' = 1/a, gives for c > E
 *     LLR <= (c - E)^2 / 2 (1/E + 1/(C - c)) <= (c - E)^2 / 2 (1/E + 1/(C - mx))
 * where mx is the largest running sum over the replicas, so
 * s_hi = sqrt(2 / (1/E + 1/(C - mx))). A gate with the smallest m_r skips
 * whole windows; a vectorisable pass counts candidates before the scalar
 * pass evaluates logarithms.
 */
static void replicas_window(const scan_ctx *s, thread_ws *w, double M, int32_t mx, int32_t mn)
{
    const scan_lik *L = s->lik;
    int need_hi = L->tail != TW_SCAN_LOW, need_lo = L->tail != TW_SCAN_HIGH;
    double E = M * L->ratio;
    double sv = sqrt(scan_llr_bound_v(L, M));
    double s_hi = sv, s_lo = sv;
    if (!L->bernoulli && E > 0 && (double)mx < L->C)
        s_hi = sqrt(2.0 / (1.0 / E + 1.0 / (L->C - (double)mx)));
    /* pen LLR <= pen (c - E)^2 / V: the penalty scales the thresholds */
    s_hi *= (1 - 1e-9) * s->isq_pen;
    s_lo *= (1 - 1e-9) * s->isq_pen;
    double minc = L->min_cases;
    int go_hi = need_hi && (double)mx > E + sqrt(w->mmin) * s_hi && (double)mx >= minc;
    int go_lo = need_lo && (double)mn < E - sqrt(w->mmin) * s_lo;
    if (!go_hi && !go_lo)
        return;
    const int32_t *cum = w->cum;
    double *q = w->wk.q;
    int R = s->R;
    /* The counting pass runs in single precision (vectorised 4 or 8
     * wide) with a margin of one case plus the rounding of counts up to
     * C; the exact test follows. */
    int any = 0;
    const float *qf = w->qf;
    float margin = (float)(1.0 + 1e-6 * L->C);
    if (go_hi && !go_lo) {
        float base = (float)E - margin, sf = (float)(s_hi * (1 - 1e-6));
        for (int r = 0; r < R; r++)
            any |= (float)cum[r] > base + qf[r] * sf;
    } else if (go_lo && !go_hi) {
        float base = (float)E + margin, sf = (float)(s_lo * (1 - 1e-6));
        for (int r = 0; r < R; r++)
            any |= (float)cum[r] < base - qf[r] * sf;
    } else {
        any = 1;
    }
    if (!any)
        return;
    int dirty = 0;
    for (int r = 0; r < R; r++) {
        double c = (double)cum[r];
        int pass = (go_hi && c > E + q[r] * s_hi && c >= minc) || (go_lo && c < E - q[r] * s_lo);
        if (!pass)
            continue;
        double l = s->pen * scan_llr(L, c, M);
        if (l > w->wk.m[r]) {
            if (w->wk.m[r] <= w->mmin)
                dirty = 1;
            w->wk.m[r] = l;
            q[r] = sqrt(l);
            w->qf[r] = (float)(q[r] * (1 - 1e-6));
        }
    }
    if (dirty)
        recompute_min(w, R);
}

/* The windows of centre c in the current shape (s->geo); the centre's
 * best so far is kept across shapes, the earlier shape winning ties. */
static void scan_centre(const scan_ctx *s, thread_ws *w, size_t c, int32_t e)
{
    size_t K = scan_geo_window(s->geo, c, s->measure, s->cap, s->max_r, &w->wk.sw);
    const scan_nbr *buf = w->wk.sw.buf;
    double cobs = 0, M = 0, best = s->best_llr[c];
    int32_t bestk = 0;
    int R = s->R;
    if (R > 0)
        memset(w->cum, 0, (size_t)R * sizeof *w->cum);
    int32_t mx = 0, mn = 0;
    for (size_t k = 0; k < K; k++) {
        int32_t j = buf[k].idx;
        cobs += s->cases[j];
        M += s->measure[j];
        if (R > 0)
            add_row(s, w->cum, (size_t)j, &mx, &mn);
        if (!buf[k].end)
            continue;
        w->wk.windows++;
        double l = s->pen * scan_llr(s->lik, cobs, M);
        if (l > best) {
            best = l;
            bestk = (int32_t)(k + 1);
        }
        if (R > 0)
            replicas_window(s, w, M, mx, mn);
    }
    if (bestk > 0) {
        s->best_llr[c] = best;
        s->best_k[c] = bestk;
        s->best_e[c] = e;
    }
}

static tw_status check_opts(tw_ctx *ctx, const tw_scan_data *d, const tw_scan_opts *o)
{
    if (!d || !o)
        return ctx_error(ctx, TW_E_ARG, "scan: data and options are required");
    if (d->n == 0)
        return ctx_error(ctx, TW_E_EMPTY, "scan: no areas");
    if (d->n >= (size_t)INT32_MAX)
        return ctx_error(ctx, TW_E_UNSUPPORTED, "scan: too many areas (%zu)", d->n);
    if (!d->x || !d->y || !d->cases)
        return ctx_error(ctx, TW_E_ARG, "scan: coordinates and cases are required");
    if (o->max_pop_share < 0 || o->max_pop_share > 0.5 || isnan(o->max_pop_share))
        return ctx_error(ctx, TW_E_ARG,
                         "scan: maximum population share must be in (0, 0.5], got %g",
                         o->max_pop_share);
    if (o->max_radius_km < 0 || isnan(o->max_radius_km))
        return ctx_error(ctx, TW_E_ARG, "scan: maximum radius must be >= 0, got %g",
                         o->max_radius_km);
    if (o->replicas < 0)
        return ctx_error(ctx, TW_E_ARG, "scan: replicas must be >= 0, got %d", o->replicas);
    if (o->min_cases < 0)
        return ctx_error(ctx, TW_E_ARG, "scan: minimum cases must be >= 0, got %d",
                         o->min_cases);
    if ((int)o->tail < 0 || o->tail > TW_SCAN_BOTH || (int)o->model < 0 ||
        o->model > TW_SCAN_STPERM || (int)o->coords < 0 || o->coords > TW_SCAN_CARTESIAN ||
        (int)o->shape < 0 || o->shape > TW_SCAN_ELLIPSE || (int)o->penalty < 0 ||
        o->penalty > TW_SCAN_PENALTY_STRONG)
        return ctx_error(ctx, TW_E_ARG, "scan: unknown model, tail, coordinates, shape or penalty");
    if (o->shape == TW_SCAN_ELLIPSE && (d->n_times > 1 || o->model == TW_SCAN_STPERM))
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "scan: elliptic windows are for the purely spatial scan here");
    return TW_OK;
}

/*
 * Build the reported clusters from the best window of every centre:
 * by LLR (ties: lower centre index), skipping any that shares an area with
 * one reported before.
 */
static tw_status build_clusters(tw_ctx *ctx, const scan_ctx *s, const tw_scan_opts *o,
                                const double *desc_rep, tw_scan_result *res, scan_work *sw)
{
    size_t n = s->geo->n;
    tw_status st = TW_OK;
    scan_cand *cs = ctx_mallocarray(ctx, n, sizeof *cs);
    unsigned char *used = ctx_calloc(ctx, n, 1);
    if (!cs || !used) {
        st = ctx_nomem(ctx);
        goto done;
    }
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (s->best_k[i] > 0 && s->best_llr[i] > 0)
            cs[nc++] = (scan_cand){s->best_llr[i], (int32_t)i};
    qsort(cs, nc, sizeof *cs, scan_cand_cmp);
    size_t cap = 8;
    res->clusters = ctx_calloc(ctx, cap, sizeof *res->clusters);
    if (!res->clusters) {
        st = ctx_nomem(ctx);
        goto done;
    }
    const scan_nbr *buf = sw->buf;
    for (size_t q = 0; q < nc; q++) {
        if (o->max_clusters && res->n_clusters >= o->max_clusters)
            break;
        int32_t c = cs[q].c;
        if (used[c])
            continue;
        int32_t ell = s->best_e[c];
        size_t K = scan_geo_window(&s->geos[ell], (size_t)c, s->measure, s->cap, s->max_r, sw);
        size_t k = (size_t)s->best_k[c];
        if (TW_NEVER(k > K)) {
            st = ctx_error(ctx, TW_E_INTERNAL, "scan: window of centre %d changed", c);
            goto done;
        }
        if (scan_window_overlaps(used, buf, k))
            continue;
        if (res->n_clusters == cap) {
            tw_scan_cluster *g = ctx_realloc(ctx, res->clusters, 2 * cap * sizeof *g);
            if (!g) {
                st = ctx_nomem(ctx);
                goto done;
            }
            memset(g + cap, 0, cap * sizeof *g);
            res->clusters = g;
            cap *= 2;
        }
        tw_scan_cluster *cl = &res->clusters[res->n_clusters];
        cl->members = ctx_mallocarray(ctx, k, sizeof *cl->members);
        if (!cl->members) {
            st = ctx_nomem(ctx);
            goto done;
        }
        res->n_clusters++;
        double obs = 0, M = 0;
        for (size_t e = 0; e < k; e++) {
            int32_t j = buf[e].idx;
            cl->members[e] = j;
            used[j] = 1;
            obs += s->cases[j];
            M += s->measure[j];
        }
        const scan_lik *L = s->lik;
        double E = M * L->ratio, out_o = L->C - obs;
        scan_cluster_set(cl, res, c, buf, k, obs, E, cs[q].llr);
        cl->population = M;
        if (L->bernoulli) {
            double nin = M, nout = L->N - M;
            cl->rr = (nin > 0 && nout > 0 && out_o > 0) ? (obs / nin) / (out_o / nout)
                     : (out_o == 0 && obs > 0 ? INFINITY : NAN);
        }
        double angle;
        scan_ellipse_get(ell, &cl->shape, &angle);
        cl->angle_deg = angle * 180.0 / 3.14159265358979323846;
        cl->llr = ell == 0 ? cs[q].llr : scan_llr(L, obs, M);
    }
    (void)desc_rep;
done:
    ctx_free(ctx, cs);
    ctx_free(ctx, used);
    return st;
}

tw_status tw_scan_run(tw_ctx *ctx, const tw_scan_data *d, const tw_scan_opts *o,
                      tw_scan_result **out)
{
    tw_status st = check_opts(ctx, d, o);
    if (st)
        return st;
    if (!out)
        return ctx_error(ctx, TW_E_ARG, "scan: out is required");
    *out = NULL;
    if (d->n_times > 1 || o->model == TW_SCAN_STPERM)
        return scan_spacetime_run(ctx, d, o, out);

    size_t n = d->n;
    int bern = o->model == TW_SCAN_BERNOULLI;
    int R = o->replicas;
    int nt = ctx_nthreads(ctx);
    int n_ell = o->shape == TW_SCAN_ELLIPSE ? SCAN_N_ELLIPSES : 1;
    scan_geo geos[SCAN_N_ELLIPSES];
    memset(geos, 0, sizeof geos);
    double *px = NULL, *py = NULL, *tx = NULL, *ty = NULL;
    scan_lik lik;
    double *measure = NULL, *desc = NULL;
    int32_t *cnt = NULL;
    uint16_t *cnt16 = NULL;
    thread_ws *ws = NULL;
    tw_scan_result *res = NULL;
    scan_ctx s;
    memset(&s, 0, sizeof s);

    double C = 0, N = 0;
    if ((st = check_counts(ctx, d->cases, n, "cases", &C)))
        return st;
    measure = ctx_mallocarray(ctx, n, sizeof *measure);
    if (!measure)
        return ctx_nomem(ctx);
    if (bern) {
        if (!d->controls) {
            st = ctx_error(ctx, TW_E_ARG, "scan: the Bernoulli model needs controls");
            goto fail;
        }
        if ((st = check_counts(ctx, d->controls, n, "controls", &N)))
            goto fail;
        for (size_t i = 0; i < n; i++)
            measure[i] = d->cases[i] + d->controls[i];
        N += C;
    } else {
        const double *src = d->expected ? d->expected : d->population;
        const char *what = d->expected ? "expected" : "population";
        if (!src) {
            st = ctx_error(ctx, TW_E_ARG, "scan: the Poisson model needs population or expected counts");
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            double v = src[i];
            if (!isfinite(v) || v < 0) {
                st = ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, what,
                                  "%s of area %zu is %g: must be a number >= 0", what, i, v);
                goto fail;
            }
            if (v == 0 && d->cases[i] > 0) {
                st = ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, what,
                                  "area %zu has %g cases but %s 0", i, d->cases[i], what);
                goto fail;
            }
            measure[i] = v;
            N += v;
        }
    }
    if (!(N > 0)) {
        st = ctx_error(ctx, TW_E_EMPTY, "scan: the population at risk is 0");
        goto fail;
    }
    if (C >= (double)INT32_MAX || N >= 9007199254740992.0) {
        st = ctx_error(ctx, TW_E_UNSUPPORTED, "scan: too many cases (%g) or individuals", C);
        goto fail;
    }
    scan_lik_init(&lik, bern, o->tail, C, N, o->min_cases > 0 ? o->min_cases : 2);
    if ((st = scan_geo_init(ctx, &geos[0], o->coords, d->x, d->y, n)))
        goto fail;
    if (n_ell > 1) {
        /* each ellipse: the points transformed so that its circles are the ellipses */
        px = ctx_mallocarray(ctx, n, sizeof *px);
        py = ctx_mallocarray(ctx, n, sizeof *py);
        tx = ctx_mallocarray(ctx, n, sizeof *tx);
        ty = ctx_mallocarray(ctx, n, sizeof *ty);
        if (!px || !py || !tx || !ty)
            goto nomem;
        scan_planar(o->coords, d->x, d->y, n, px, py);
        for (int e = 1; e < n_ell; e++) {
            double shape, angle;
            scan_ellipse_get(e, &shape, &angle);
            for (size_t i = 0; i < n; i++)
                scan_ellipse_transform(px[i], py[i], angle, shape, &tx[i], &ty[i]);
            if ((st = scan_geo_init(ctx, &geos[e], TW_SCAN_CARTESIAN, tx, ty, n)))
                goto fail;
        }
    }

    res = ctx_calloc(ctx, 1, sizeof *res);
    if (!res)
        goto nomem;
    res->total_cases = C;
    res->total_population = N;
    res->replicas = R;
    res->crit_05 = res->crit_01 = res->crit_001 = NAN;
    if (R > 0) {
        if ((st = scan_replicas_alloc(ctx, res, n, R, C, &cnt, &cnt16)))
            goto fail;
        if ((st = scan_make_replicas(ctx, bern, measure, n, C, R, o->seed, cnt, cnt16)))
            goto fail;
    }
    s.geos = geos;
    s.n_ell = n_ell;
    s.lik = &lik;
    s.cases = d->cases;
    s.measure = measure;
    s.cap = (o->max_pop_share > 0 ? o->max_pop_share : 0.5) * N;
    s.max_r = o->max_radius_km;
    s.R = R;
    s.cnt = cnt;
    s.cnt16 = cnt16;
    s.best_llr = ctx_calloc(ctx, n, sizeof *s.best_llr);
    s.best_k = ctx_calloc(ctx, n, sizeof *s.best_k);
    s.best_e = ctx_calloc(ctx, n, sizeof *s.best_e);
    ws = ctx_calloc(ctx, (size_t)nt, sizeof *ws);
    if (!s.best_llr || !s.best_k || !s.best_e || !ws)
        goto nomem;
    for (int t = 0; t < nt; t++) {
        if ((st = scan_worker_init(ctx, &ws[t].wk, n, R)))
            goto fail;
        ws[t].cum = ctx_mallocarray(ctx, R ? (size_t)R : 1, sizeof *ws[t].cum);
        ws[t].qf = ctx_calloc(ctx, R ? (size_t)R : 1, sizeof *ws[t].qf);
        if (!ws[t].cum || !ws[t].qf)
            goto nomem;
    }
    /* Shapes in SaTScan's order (circle, then by shape and angle); a
     * centre's best window changes only for a strictly larger statistic. */
    for (int e = 0; e < n_ell; e++) {
        double shape, angle;
        scan_ellipse_get(e, &shape, &angle);
        s.geo = &geos[e];
        s.pen = e == 0 ? 1.0 : scan_ellipse_penalty(shape, o->penalty);
        s.isq_pen = 1 / sqrt(s.pen);
        for (size_t b0 = 0; b0 < n; b0 += SCAN_BLOCK) {
            size_t b1 = b0 + SCAN_BLOCK < n ? b0 + SCAN_BLOCK : n;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 4)
            for (size_t c = b0; c < b1; c++) {
                int t = 0;
#ifdef _OPENMP
                t = omp_get_thread_num();
#endif
                if (geos[0].is_center[c])
                    scan_centre(&s, &ws[t], c, e);
            }
            double done_c = (double)e * (double)n + (double)b1;
            if ((st = ctx_progress(ctx, "scan", done_c, (double)n_ell * (double)n)))
                goto fail;
        }
    }
    for (int t = 0; t < nt; t++)
        scan_merge_worker(res, &ws[t].wk, R);
    if ((st = scan_replica_summary(ctx, res, R, &desc)))
        goto fail;
    if ((st = build_clusters(ctx, &s, o, desc, res, &ws[0].wk.sw)))
        goto fail;
    goto done;
nomem:
    st = ctx_nomem(ctx);
fail:
    tw_scan_result_free(ctx, res);
    res = NULL;
done:
    if (ws)
        for (int t = 0; t < nt; t++) {
            scan_worker_free(ctx, &ws[t].wk);
            ctx_free(ctx, ws[t].cum);
            ctx_free(ctx, ws[t].qf);
        }
    ctx_free(ctx, ws);
    ctx_free(ctx, s.best_llr);
    ctx_free(ctx, s.best_k);
    ctx_free(ctx, s.best_e);
    ctx_free(ctx, px);
    ctx_free(ctx, py);
    ctx_free(ctx, tx);
    ctx_free(ctx, ty);
    ctx_free(ctx, cnt);
    ctx_free(ctx, cnt16);
    ctx_free(ctx, desc);
    ctx_free(ctx, measure);
    for (int e = 0; e < SCAN_N_ELLIPSES; e++)
        scan_geo_free(ctx, &geos[e]);
    if (st == TW_OK)
        *out = res;
    return st;
}
