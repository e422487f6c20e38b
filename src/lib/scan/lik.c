/*
 * lik.c: the likelihood ratios of the scan statistics and the p-values
 * drawn from the replicas.
 *
 * Poisson (Kulldorff 1997, eq. for the Poisson model; also the
 * space-time permutation model of Kulldorff et al. 2005, which uses the
 * same generalised LR with its own expected counts): with c cases and
 * E expected inside a window and C in all,
 *     LLR = c ln(c/E) + (C - c) ln((C - c)/(C - E)),
 * for windows with c > E (high rates), c < E (low), or either (both);
 * 0 otherwise. 0 ln 0 = 0.
 * Bernoulli (Kulldorff 1997): with n individuals (cases + controls)
 * inside and N in all,
 *     LLR = c ln(c/n) + (n-c) ln((n-c)/n) + (C-c) ln((C-c)/(N-n))
 *         + (N-n-C+c) ln((N-n-C+c)/(N-n)) - [C ln(C/N) + (N-C) ln((N-C)/N)].
 * Expected counts are E = M C / N for a window of measure M, so that
 * windows with the same measure give bit-identical LLRs whatever the
 * order of summation (integer populations sum exactly).
 *
 * Bound used to skip replica windows (scan.c): since ln x <= x - 1, each
 * LLR is at most Pearson's chi-square of the window, (c - E)^2 / V with
 * V = E (C - E) / C (Poisson) or n (N - n) C (N - C) / N^3 (Bernoulli).
 *
 * p-values: Monte Carlo p = (1 + #{replicas with max LLR >= llr}) / (R + 1)
 * (Dwass 1957, as SaTScan). Gumbel p (SaTScan's "Gumbel approximation",
 * Abrams, Kleinman & Kulldorff 2010): a Gumbel distribution fitted to the
 * replicas' maxima by moments, beta = sd sqrt(6) / pi, mu = mean - gamma beta,
 * p = 1 - exp(-exp(-(llr - mu) / beta)).
 */
#include "scan/scan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline double xlog(double a, double b) { return a > 0 ? a * log(a / b) : 0.0; }

void scan_lik_init(scan_lik *L, int bernoulli, tw_scan_tail tail, double C, double N,
                   double min_cases)
{
    memset(L, 0, sizeof *L);
    L->bernoulli = bernoulli;
    L->tail = tail;
    L->C = C;
    L->N = N;
    L->ratio = N > 0 ? C / N : 0;
    L->min_cases = min_cases;
    if (bernoulli)
        L->llr0 = xlog(C, N) + xlog(N - C, N);
}

double scan_llr(const scan_lik *L, double c, double M)
{
    double E = M * L->ratio;
    int hi = c > E, lo = c < E;
    if (L->tail == TW_SCAN_HIGH && !hi)
        return 0;
    if (L->tail == TW_SCAN_LOW && !lo)
        return 0;
    if (!hi && !lo)
        return 0;
    if (hi && c < L->min_cases)
        return 0;
    double C = L->C;
    if (!L->bernoulli)
        return xlog(c, E) + xlog(C - c, C - E);
    double N = L->N, n = M;
    double l = xlog(c, n) + xlog(n - c, n) + xlog(C - c, N - n) + xlog(N - n - C + c, N - n) -
               L->llr0;
    return l > 0 ? l : 0;
}

double scan_llr_bound_v(const scan_lik *L, double M)
{
    double C = L->C, N = L->N;
    if (!L->bernoulli) {
        double E = M * L->ratio;
        return C > 0 ? E * (C - E) / C : 0;
    }
    return N > 0 ? M * (N - M) * C * (N - C) / (N * N * N) : 0;
}

tw_status scan_alias_init(tw_ctx *ctx, scan_alias *a, const double *w, size_t n)
{
    memset(a, 0, sizeof *a);
    double tot = 0;
    for (size_t i = 0; i < n; i++)
        tot += w[i];
    if (!(tot > 0) || n == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no population at risk to draw replicas from");
    a->n = n;
    a->prob = ctx_mallocarray(ctx, n, sizeof *a->prob);
    a->alias = ctx_mallocarray(ctx, n, sizeof *a->alias);
    int32_t *small = ctx_mallocarray(ctx, n, sizeof *small);
    int32_t *large = ctx_mallocarray(ctx, n, sizeof *large);
    double *q = ctx_mallocarray(ctx, n, sizeof *q);
    if (!a->prob || !a->alias || !small || !large || !q) {
        ctx_free(ctx, small);
        ctx_free(ctx, large);
        ctx_free(ctx, q);
        scan_alias_free(ctx, a);
        return ctx_nomem(ctx);
    }
    /* Vose (1991): scaled weights split into columns of height 1. */
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        q[i] = w[i] * (double)n / tot;
        if (q[i] < 1)
            small[ns++] = (int32_t)i;
        else
            large[nl++] = (int32_t)i;
    }
    while (ns > 0 && nl > 0) {
        int32_t s = small[--ns], l = large[nl - 1];
        a->prob[s] = q[s];
        a->alias[s] = l;
        q[l] = (q[l] + q[s]) - 1;
        if (q[l] < 1) {
            nl--;
            small[ns++] = l;
        }
    }
    while (nl > 0) {
        int32_t l = large[--nl];
        a->prob[l] = 1;
        a->alias[l] = l;
    }
    while (ns > 0) { /* rounding leftovers: columns that are (almost) full */
        int32_t s = small[--ns];
        a->prob[s] = 1;
        a->alias[s] = s;
    }
    ctx_free(ctx, small);
    ctx_free(ctx, large);
    ctx_free(ctx, q);
    return TW_OK;
}

void scan_alias_free(tw_ctx *ctx, scan_alias *a)
{
    if (!a)
        return;
    ctx_free(ctx, a->prob);
    ctx_free(ctx, a->alias);
    memset(a, 0, sizeof *a);
}

double scan_p_mc(const double *rep, int R, double llr)
{
    if (R < 1 || !rep)
        return NAN;
    int ge = 0;
    for (int r = 0; r < R; r++)
        ge += rep[r] >= llr;
    return (1.0 + ge) / (R + 1.0);
}

double scan_p_gumbel(const double *rep, int R, double llr)
{
    if (R < 2 || !rep)
        return NAN;
    double mean = 0;
    for (int r = 0; r < R; r++)
        mean += rep[r];
    mean /= R;
    double ss = 0;
    for (int r = 0; r < R; r++)
        ss += (rep[r] - mean) * (rep[r] - mean);
    double sd = sqrt(ss / (R - 1));
    if (!(sd > 0))
        return llr > mean ? 0.0 : 1.0;
    const double pi = 3.14159265358979323846, euler_gamma = 0.57721566490153286061;
    double beta = sd * sqrt(6.0) / pi;
    double mu = mean - euler_gamma * beta;
    return -expm1(-exp(-(llr - mu) / beta));
}

double scan_critical(const double *desc, int R, double alpha)
{
    /* desc: the replica maxima sorted from largest. The k-th largest,
     * k = floor(alpha (R + 1)): an LLR above it has p <= alpha. */
    long k = (long)floor(alpha * (R + 1.0) + 1e-9);
    if (R < 1 || k < 1 || !desc)
        return NAN;
    return desc[k - 1];
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

tw_status scan_replica_summary(tw_ctx *ctx, tw_scan_result *res, int R, double **desc)
{
    *desc = NULL;
    if (R <= 0)
        return TW_OK;
    double *d = ctx_mallocarray(ctx, (size_t)R, sizeof *d);
    if (!d)
        return ctx_nomem(ctx);
    memcpy(d, res->replica_llr, (size_t)R * sizeof *d);
    qsort(d, (size_t)R, sizeof *d, cmp_desc);
    res->crit_05 = scan_critical(d, R, 0.05);
    res->crit_01 = scan_critical(d, R, 0.01);
    res->crit_001 = scan_critical(d, R, 0.001);
    *desc = d;
    return TW_OK;
}

tw_status scan_worker_init(tw_ctx *ctx, scan_worker *w, size_t n, int R)
{
    tw_status st = scan_work_init(ctx, &w->sw, n);
    if (st)
        return st;
    w->m = ctx_calloc(ctx, R ? (size_t)R : 1, sizeof *w->m);
    w->q = ctx_calloc(ctx, R ? (size_t)R : 1, sizeof *w->q);
    w->windows = 0;
    return w->m && w->q ? TW_OK : ctx_nomem(ctx);
}

void scan_worker_free(tw_ctx *ctx, scan_worker *w)
{
    if (!w)
        return;
    scan_work_free(ctx, &w->sw);
    ctx_free(ctx, w->m);
    ctx_free(ctx, w->q);
    w->m = w->q = NULL;
}

tw_status scan_replicas_alloc(tw_ctx *ctx, tw_scan_result *res, size_t cells, int R, double C,
                              int32_t **cnt, uint16_t **cnt16)
{
    if (C < 65536)
        *cnt16 = ctx_mallocarray(ctx, cells, (size_t)R * sizeof **cnt16);
    else
        *cnt = ctx_mallocarray(ctx, cells, (size_t)R * sizeof **cnt);
    res->replica_llr = ctx_calloc(ctx, (size_t)R, sizeof *res->replica_llr);
    if ((!*cnt && !*cnt16) || !res->replica_llr)
        return ctx_nomem(ctx);
    return TW_OK;
}

void scan_merge_worker(tw_scan_result *res, const scan_worker *w, int R)
{
    res->windows += w->windows;
    for (int r = 0; r < R; r++)
        if (w->m[r] > res->replica_llr[r])
            res->replica_llr[r] = w->m[r];
}

int scan_cand_cmp(const void *a, const void *b)
{
    const scan_cand *x = a, *y = b;
    if (x->llr != y->llr)
        return x->llr < y->llr ? 1 : -1;
    return (x->c > y->c) - (x->c < y->c);
}

int scan_window_overlaps(const unsigned char *used, const scan_nbr *buf, size_t k)
{
    for (size_t e = 0; e < k; e++)
        if (used[buf[e].idx])
            return 1;
    return 0;
}

void scan_cluster_set(tw_scan_cluster *cl, const tw_scan_result *res, int32_t centre,
                      const scan_nbr *buf, size_t k, double obs, double E, double stat)
{
    double C = res->total_cases;
    cl->rank = (int)res->n_clusters;
    cl->center = centre;
    cl->radius_km = buf[k - 1].d;
    cl->n_areas = k;
    cl->observed = obs;
    cl->expected = E;
    cl->oe = E > 0 ? obs / E : NAN;
    cl->rr = (E > 0 && C - E > 0 && C - obs > 0) ? (obs / E) / ((C - obs) / (C - E))
             : (C - obs == 0 && obs > 0 ? INFINITY : NAN);
    cl->llr = cl->test_stat = stat;
    cl->shape = 1;
    cl->angle_deg = 0;
    cl->high = obs > E;
    cl->p = scan_p_mc(res->replica_llr, res->replicas, stat);
    cl->p_gumbel = scan_p_gumbel(res->replica_llr, res->replicas, stat);
    cl->t_start = cl->t_end = 0;
    cl->recurrence = NAN;
}

double tw_scan_window_llr(tw_scan_model model, tw_scan_tail tail, double c, double m, double C,
                          double N)
{
    if (!(N > 0) || !(C >= 0) || c < 0 || m < 0)
        return NAN;
    scan_lik L;
    scan_lik_init(&L, model == TW_SCAN_BERNOULLI, tail, C, N, 0);
    return scan_llr(&L, c, m);
}
