/*
 * spacetime.c: the space-time scan statistic with cylindrical windows
 * (Kulldorff, Athas, Feuer, Miller & Key 1998 for the space-time Poisson
 * scan; Kulldorff, Heffernan, Hartman, Assuncao & Mostashari 2005, "A
 * space-time permutation scan statistic for disease outbreak detection",
 * PLoS Med 2:e59, for the permutation model; prospective surveillance as
 * in Kulldorff 2001, JRSS A 164:61-72).
 *
 * Windows. A cylinder is a circular window of geo.c (same centres,
 * growth, ties and cap) times an interval [t1, t2] of whole time units,
 * at most L = max(1, floor(max_time_share T)) units long. Retrospective:
 * every interval; prospective: only intervals that end with the last unit
 * (clusters still alive).
 *
 * Models. Poisson: expected cases in area i and unit t are
 * C pop_i / P / T (population constant over the period, no time
 * adjustment), the cap is a share of the population. Space-time
 * permutation: expected mu_it = C_i C_t / C from the margins, so
 * mu(A x D) = C_A C_D / C; the cap is a share of all cases (the model has
 * no population). Both use the Poisson generalised LR of lik.c.
 *
 * Replicas. Poisson: C cases multinomial over areas by population and
 * uniform over units. Permutation: the units of the C cases are shuffled
 * (Fisher-Yates) among them, keeping both margins. Replica r draws from
 * stream (seed, r).
 *
 * Cost: for W spatial windows, O(W T (1 + L) (R + 1)) (prefix sums over
 * units make each interval one difference); memory n T R counts (16 bits
 * when C < 65536) for the replicas. Replica cylinders are skipped by Pearson's bound
 * against that replica's best so far (exact, as in scan.c) before any
 * logarithm. Meant for municipalities by month or quarter. Recurrence interval (prospective) = 1 / p time units, for
 * an analysis repeated every unit (SaTScan's definition with one analysis
 * per time unit).
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

typedef struct st_best {
    double llr;
    int32_t k, t1, t2;
} st_best;

typedef struct st_ctx {
    const scan_geo *geo;
    scan_lik lik;          /* Poisson LR with ratio 1: M is the expected count */
    int stperm;
    size_t n, T;
    int L;
    int prospective;
    const double *cases;   /* n T */
    const double *measure; /* n: cap measure (population or case totals) */
    const double *ct;      /* T: cases per unit (perm) */
    double C, P;
    double cap, max_r;
    int R;
    const int32_t *cnt;    /* n T R, [(i T + t) R + r], or NULL when cnt16 has them */
    const uint16_t *cnt16; /* the same in 16 bits when C < 65536 */
    st_best *best;         /* n */
    const double *lnk;     /* log k for k = 0..C (k = 0 unused), or NULL */
} st_ctx;

/*
 * The Poisson LLR of lik.c with the logarithms of whole numbers taken from
 * a table and those of E and C - E computed once per cylinder: sparse
 * space-time cells give many cylinders whose replicas pass any cheap bound
 * (c = 2 where E = 0.1), and log was most of the time. The data and the
 * replicas use this same function, so equal LLRs stay equal.
 */
static inline double st_llr(const st_ctx *s, double c, double E, double lnE, double lnCE)
{
    if (!s->lnk)
        return scan_llr(&s->lik, c, E);
    int hi = c > E, lo = c < E;
    tw_scan_tail tail = s->lik.tail;
    if ((tail == TW_SCAN_HIGH && !hi) || (tail == TW_SCAN_LOW && !lo) || (!hi && !lo))
        return 0;
    if (hi && c < s->lik.min_cases)
        return 0;
    double C = s->C, l = 0;
    if (c > 0)
        l += c * (s->lnk[(size_t)c] - lnE);
    if (C - c > 0)
        l += (C - c) * (s->lnk[(size_t)(C - c)] - lnCE);
    return l;
}

typedef struct st_ws {
    scan_worker wk;  /* window search, replica maxima wk.m and their sqrt wk.q */
    double *cum;     /* T: data counts of the spatial window */
    double *pre;     /* T + 1: their prefix sums */
    int32_t *cumr;   /* T R */
    int32_t *prer;   /* (T + 1) R: prefix sums over units */
} st_ws;

/* Expected count of the cylinder from the window's measure M (population,
 * or cases for the permutation model) and units t1..t2. Computed from
 * whole-number sums, so equal windows tie exactly. */
static double st_expected(const st_ctx *s, double M, int t1, int t2, const double *ctcum)
{
    if (s->stperm)
        return M * (ctcum[t2 + 1] - ctcum[t1]) / s->C;
    return s->C * M / s->P * (double)(t2 - t1 + 1) / (double)s->T;
}

static void st_centre(const st_ctx *s, st_ws *w, size_t c, const double *ctcum)
{
    size_t K = scan_geo_window(s->geo, c, s->measure, s->cap, s->max_r, &w->wk.sw);
    const scan_nbr *buf = w->wk.sw.buf;
    size_t T = s->T;
    int R = s->R;
    memset(w->cum, 0, T * sizeof *w->cum);
    if (R > 0)
        memset(w->cumr, 0, T * (size_t)R * sizeof *w->cumr);
    double eA = 0;
    st_best b = {0, 0, 0, 0};
    int t1lo = s->prospective ? (int)T - s->L : 0;
    if (t1lo < 0)
        t1lo = 0;
    for (size_t k = 0; k < K; k++) {
        int32_t j = buf[k].idx;
        eA += s->measure[j];
        for (size_t t = 0; t < T; t++)
            w->cum[t] += s->cases[(size_t)j * T + t];
        if (R > 0) {
            size_t TR = T * (size_t)R;
            if (s->cnt16) {
                const uint16_t *row = s->cnt16 + (size_t)j * TR;
                for (size_t q = 0; q < TR; q++)
                    w->cumr[q] += (int32_t)row[q];
            } else {
                const int32_t *row = s->cnt + (size_t)j * TR;
                for (size_t q = 0; q < TR; q++)
                    w->cumr[q] += row[q];
            }
        }
        if (!buf[k].end)
            continue;
        /* prefix sums over units: an interval's count is one difference */
        w->pre[0] = 0;
        for (size_t t = 0; t < T; t++)
            w->pre[t + 1] = w->pre[t] + w->cum[t];
        if (R > 0) {
            memset(w->prer, 0, (size_t)R * sizeof *w->prer);
            for (size_t t = 0; t < T; t++) {
                const int32_t *a = w->prer + t * (size_t)R, *add = w->cumr + t * (size_t)R;
                int32_t *o = w->prer + (t + 1) * (size_t)R;
                for (int r = 0; r < R; r++)
                    o[r] = a[r] + add[r];
            }
        }
        for (int t2 = (int)T - 1; t2 >= 0; t2--) {
            if (s->prospective && t2 != (int)T - 1)
                break;
            for (int t1 = t2; t1 >= 0 && t2 - t1 + 1 <= s->L; t1--) {
                if (t1 < t1lo)
                    break;
                double E = st_expected(s, eA, t1, t2, ctcum);
                w->wk.windows++;
                double cs = w->pre[t2 + 1] - w->pre[t1];
                double lnE = E > 0 ? log(E) : 0, lnCE = s->C - E > 0 ? log(s->C - E) : 0;
                double l = st_llr(s, cs, E, lnE, lnCE);
                /* ties: the smaller window, then the later end, then the shorter interval */
                if (l > b.llr) {
                    b.llr = l;
                    b.k = (int32_t)(k + 1);
                    b.t1 = t1;
                    b.t2 = t2;
                }
                /* Pearson's bound (lik.c): a replica can beat its maximum
                 * m_r only if |c - E| > sqrt(m_r) sqrt(V); logarithms only
                 * for those that pass. */
                const int32_t *hi = w->prer + (size_t)(t2 + 1) * (size_t)R;
                const int32_t *lo = w->prer + (size_t)t1 * (size_t)R;
                double sv = sqrt(scan_llr_bound_v(&s->lik, E)) * (1 - 1e-9);
                tw_scan_tail tail = s->lik.tail;
                for (int r = 0; r < R; r++) {
                    double dv = (double)(hi[r] - lo[r]) - E, t = w->wk.q[r] * sv;
                    if (tail == TW_SCAN_HIGH ? dv <= t : tail == TW_SCAN_LOW ? -dv <= t : fabs(dv) <= t)
                        continue;
                    double lr = st_llr(s, (double)(hi[r] - lo[r]), E, lnE, lnCE);
                    if (lr > w->wk.m[r]) {
                        w->wk.m[r] = lr;
                        w->wk.q[r] = sqrt(lr);
                    }
                }
            }
        }
    }
    s->best[c] = b;
}

/* Replica counts, area-major then unit: cnt[(i T + t) R + r] (cnt16 when
 * not NULL). */
static tw_status st_replicas(tw_ctx *ctx, const st_ctx *s, const double *pop, uint64_t seed,
                             int32_t *cnt, uint16_t *cnt16)
{
    size_t n = s->n, T = s->T;
    int R = s->R;
    int64_t C = (int64_t)s->C;
    tw_status st = TW_OK;
    scan_alias al;
    memset(&al, 0, sizeof al);
    int32_t *units = NULL, *areas = NULL;
    int nt = ctx_nthreads(ctx);
    int32_t *local = NULL;
    if (!s->stperm) {
        if ((st = scan_alias_init(ctx, &al, pop, n)))
            return st;
    } else {
        /* the cases as (area, unit) pairs, in area order */
        units = ctx_mallocarray(ctx, C ? (size_t)C : 1, sizeof *units);
        areas = ctx_mallocarray(ctx, C ? (size_t)C : 1, sizeof *areas);
        if (!units || !areas)
            goto nomem;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < T; t++)
                for (double v = 0; v < s->cases[i * T + t]; v++) {
                    areas[k] = (int32_t)i;
                    units[k] = (int32_t)t;
                    k++;
                }
    }
    local = ctx_mallocarray(ctx, (size_t)nt, (n * T + (size_t)C + 1) * sizeof *local);
    if (!local)
        goto nomem;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int r = 0; r < R; r++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        int32_t *c = local + (size_t)th * (n * T + (size_t)C + 1);
        int32_t *perm = c + n * T;
        memset(c, 0, n * T * sizeof *c);
        rng g;
        rng_init(&g, seed, (uint64_t)r);
        if (!s->stperm) {
            for (int64_t k = 0; k < C; k++) {
                size_t i = scan_alias_draw(&al, &g);
                size_t t = (size_t)rng_below(&g, T);
                c[i * T + t]++;
            }
        } else {
            memcpy(perm, units, (size_t)C * sizeof *perm);
            for (int64_t k = C - 1; k > 0; k--) {
                int64_t j = (int64_t)rng_below(&g, (uint64_t)k + 1);
                int32_t tmp = perm[k];
                perm[k] = perm[j];
                perm[j] = tmp;
            }
            for (int64_t k = 0; k < C; k++)
                c[(size_t)areas[k] * T + (size_t)perm[k]]++;
        }
        for (size_t q = 0; q < n * T; q++)
            if (cnt16)
                cnt16[q * (size_t)R + (size_t)r] = (uint16_t)c[q];
            else
                cnt[q * (size_t)R + (size_t)r] = c[q];
    }
    goto done;
nomem:
    st = ctx_nomem(ctx);
done:
    scan_alias_free(ctx, &al);
    ctx_free(ctx, units);
    ctx_free(ctx, areas);
    ctx_free(ctx, local);
    return st;
}

tw_status scan_spacetime_run(tw_ctx *ctx, const tw_scan_data *d, const tw_scan_opts *o,
                             tw_scan_result **out)
{
    tw_status st = TW_OK;
    size_t n = d->n, T = d->n_times > 1 ? d->n_times : 1;
    int stperm = o->model == TW_SCAN_STPERM;
    if (o->model == TW_SCAN_BERNOULLI)
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "space-time scan: the Bernoulli model is not available in space-time");
    if (d->expected)
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "space-time scan: expected counts are not available in space-time");
    if (o->max_time_share < 0 || o->max_time_share > 0.9 || isnan(o->max_time_share))
        return ctx_error(ctx, TW_E_ARG, "space-time scan: maximum time share must be in (0, 0.9]");
    if (T > 100000 || n * T > (size_t)INT32_MAX)
        return ctx_error(ctx, TW_E_UNSUPPORTED, "space-time scan: too many areas x time units");
    int R = o->replicas;
    int nt = ctx_nthreads(ctx);
    st_ctx s;
    memset(&s, 0, sizeof s);
    scan_geo geo;
    memset(&geo, 0, sizeof geo);
    double *lnk = NULL;
    double *measure = NULL, *ct = NULL, *ctcum = NULL, *desc = NULL;
    int32_t *cnt = NULL;
    uint16_t *cnt16 = NULL;
    st_ws *ws = NULL;
    scan_cand *cs = NULL;
    unsigned char *used = NULL;
    tw_scan_result *res = NULL;
    double C = 0, P = 0;
    for (size_t q = 0; q < n * T; q++) {
        double x = d->cases[q];
        if (!isfinite(x) || x < 0 || x != floor(x))
            return ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, "cases",
                                "cases of area %zu, time %zu is %g: the scan needs whole "
                                "numbers of cases (as SaTScan)",
                                q / T, q % T, x);
        C += x;
    }
    if (C >= (double)INT32_MAX)
        return ctx_error(ctx, TW_E_UNSUPPORTED, "space-time scan: too many cases (%g)", C);
    measure = ctx_calloc(ctx, n, sizeof *measure);
    ct = ctx_calloc(ctx, T, sizeof *ct);
    ctcum = ctx_calloc(ctx, T + 1, sizeof *ctcum);
    if (!measure || !ct || !ctcum)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < T; t++) {
            ct[t] += d->cases[i * T + t];
            if (stperm)
                measure[i] += d->cases[i * T + t];
        }
    for (size_t t = 0; t < T; t++)
        ctcum[t + 1] = ctcum[t] + ct[t];
    if (!stperm) {
        if (!d->population) {
            st = ctx_error(ctx, TW_E_ARG, "space-time scan: the Poisson model needs population");
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            double v = d->population[i];
            if (!isfinite(v) || v < 0) {
                st = ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, "population",
                                  "population of area %zu is %g: must be a number >= 0", i, v);
                goto fail;
            }
            double ci = 0;
            for (size_t t = 0; t < T; t++)
                ci += d->cases[i * T + t];
            if (v == 0 && ci > 0) {
                st = ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, "population",
                                  "area %zu has %g cases but population 0", i, ci);
                goto fail;
            }
            measure[i] = v;
            P += v;
        }
        if (!(P > 0)) {
            st = ctx_error(ctx, TW_E_EMPTY, "scan: the population at risk is 0");
            goto fail;
        }
    } else {
        P = C; /* the cap is a share of all cases; E = C_A C_D / C */
        if (!(C > 0)) {
            st = ctx_error(ctx, TW_E_EMPTY, "space-time permutation scan: no cases");
            goto fail;
        }
    }
    if ((st = scan_geo_init(ctx, &geo, o->coords, d->x, d->y, n)))
        goto fail;
    s.geo = &geo;
    scan_lik_init(&s.lik, 0, o->tail, C, C, o->min_cases > 0 ? o->min_cases : 2);
    s.stperm = stperm;
    s.n = n;
    s.T = T;
    double share_t = o->max_time_share > 0 ? o->max_time_share : 0.5;
    s.L = (int)floor(share_t * (double)T + 1e-9);
    if (s.L < 1)
        s.L = 1;
    s.prospective = o->mode == TW_SCAN_PROSPECTIVE;
    s.cases = d->cases;
    s.measure = measure;
    s.ct = ct;
    s.C = C;
    s.P = P;
    s.cap = (o->max_pop_share > 0 ? o->max_pop_share : 0.5) * P;
    s.max_r = o->max_radius_km;
    s.R = R;
    s.best = ctx_calloc(ctx, n, sizeof *s.best);
    res = ctx_calloc(ctx, 1, sizeof *res);
    if (!s.best || !res)
        goto nomem;
    if (C <= 4194304.0) { /* up to 32 MB of table; larger totals use log() */
        lnk = ctx_mallocarray(ctx, (size_t)C + 1, sizeof *lnk);
        if (!lnk)
            goto nomem;
        lnk[0] = 0;
        for (size_t k = 1; k <= (size_t)C; k++)
            lnk[k] = log((double)k);
        s.lnk = lnk;
    }
    res->total_cases = C;
    res->total_population = stperm ? NAN : P;
    res->replicas = R;
    res->crit_05 = res->crit_01 = res->crit_001 = NAN;
    if (R > 0) {
        if ((st = scan_replicas_alloc(ctx, res, n * T, R, C, &cnt, &cnt16)))
            goto fail;
        if ((st = st_replicas(ctx, &s, measure, o->seed, cnt, cnt16)))
            goto fail;
    }
    s.cnt = cnt;
    s.cnt16 = cnt16;
    ws = ctx_calloc(ctx, (size_t)nt, sizeof *ws);
    if (!ws)
        goto nomem;
    for (int t = 0; t < nt; t++) {
        if ((st = scan_worker_init(ctx, &ws[t].wk, n, R)))
            goto fail;
        ws[t].cum = ctx_calloc(ctx, T, sizeof *ws[t].cum);
        ws[t].pre = ctx_calloc(ctx, T + 1, sizeof *ws[t].pre);
        ws[t].cumr = ctx_calloc(ctx, T * (size_t)(R ? R : 1), sizeof *ws[t].cumr);
        ws[t].prer = ctx_calloc(ctx, (T + 1) * (size_t)(R ? R : 1), sizeof *ws[t].prer);
        if (!ws[t].cum || !ws[t].pre || !ws[t].cumr || !ws[t].prer)
            goto nomem;
    }
    for (size_t b0 = 0; b0 < n; b0 += 64) {
        size_t b1 = b0 + 64 < n ? b0 + 64 : n;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
        for (size_t c = b0; c < b1; c++) {
            int th = 0;
#ifdef _OPENMP
            th = omp_get_thread_num();
#endif
            if (geo.is_center[c])
                st_centre(&s, &ws[th], c, ctcum);
        }
        if ((st = ctx_progress(ctx, "space-time scan", (double)b1, (double)n)))
            goto fail;
    }
    for (int t = 0; t < nt; t++)
        scan_merge_worker(res, &ws[t].wk, R);
    if ((st = scan_replica_summary(ctx, res, R, &desc)))
        goto fail;
    /* Clusters: best cylinder per centre, by LLR, no shared area. */
    cs = ctx_mallocarray(ctx, n, sizeof *cs);
    used = ctx_calloc(ctx, n, 1);
    if (!cs || !used)
        goto nomem;
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (s.best[i].k > 0 && s.best[i].llr > 0)
            cs[nc++] = (scan_cand){s.best[i].llr, (int32_t)i};
    qsort(cs, nc, sizeof *cs, scan_cand_cmp);
    res->clusters = ctx_calloc(ctx, nc ? nc : 1, sizeof *res->clusters);
    if (!res->clusters)
        goto nomem;
    for (size_t q = 0; q < nc; q++) {
        if (o->max_clusters && res->n_clusters >= o->max_clusters)
            break;
        int32_t c = cs[q].c;
        if (used[c])
            continue;
        size_t K = scan_geo_window(&geo, (size_t)c, measure, s.cap, s.max_r, &ws[0].wk.sw);
        const scan_nbr *buf = ws[0].wk.sw.buf;
        st_best b = s.best[c];
        if (TW_NEVER((size_t)b.k > K)) {
            st = ctx_error(ctx, TW_E_INTERNAL, "space-time scan: window of centre %d changed", c);
            goto fail;
        }
        if (scan_window_overlaps(used, buf, (size_t)b.k))
            continue;
        tw_scan_cluster *cl = &res->clusters[res->n_clusters];
        cl->members = ctx_mallocarray(ctx, (size_t)b.k, sizeof *cl->members);
        if (!cl->members)
            goto nomem;
        res->n_clusters++;
        double obs = 0, eA = 0, pop = 0;
        for (int e = 0; e < b.k; e++) {
            int32_t j = buf[e].idx;
            cl->members[e] = j;
            used[j] = 1;
            eA += measure[j];
            pop += stperm ? 0 : measure[j];
            for (int t = b.t1; t <= b.t2; t++)
                obs += d->cases[(size_t)j * T + (size_t)t];
        }
        double E = st_expected(&s, eA, b.t1, b.t2, ctcum);
        scan_cluster_set(cl, res, c, buf, (size_t)b.k, obs, E, b.llr);
        cl->population = stperm ? NAN : pop;
        cl->t_start = b.t1;
        cl->t_end = b.t2;
        cl->recurrence = s.prospective && R > 0 ? 1.0 / cl->p : NAN;
    }
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
            ctx_free(ctx, ws[t].cumr);
            ctx_free(ctx, ws[t].pre);
            ctx_free(ctx, ws[t].prer);
        }
    ctx_free(ctx, ws);
    ctx_free(ctx, cs);
    ctx_free(ctx, used);
    ctx_free(ctx, s.best);
    ctx_free(ctx, lnk);
    ctx_free(ctx, cnt);
    ctx_free(ctx, cnt16);
    ctx_free(ctx, desc);
    ctx_free(ctx, measure);
    ctx_free(ctx, ct);
    ctx_free(ctx, ctcum);
    scan_geo_free(ctx, &geo);
    if (st == TW_OK)
        *out = res;
    return st;
}
