/*
 * power.c: power evaluation of the spatial scan as SaTScan does it
 * (SaTScan user guide, "Power evaluation"; Kulldorff, Tango and Park 2003
 * for the benchmark design): critical values of the test statistic from
 * the null replicas, then data sets drawn under an alternative (relative
 * risks per area, total number of cases fixed) and scanned like the data;
 * power is the share whose largest statistic exceeds each critical value.
 *
 * Randomness: the null replicas are those of tw_scan_run (streams (seed,
 * r)); alternative data set a draws from stream (seed, 2^40 + a), so the
 * two never share numbers and results are the same for any thread count
 * (each alternative scan is itself thread-invariant).
 *
 * Cost: one scan with R replicas, then n_alt scans without replicas
 * (the data pass only: O(W) windows each).
 */
#include "scan/scan_internal.h"

#include <math.h>
#include <string.h>

#define ALT_STREAM (UINT64_C(1) << 40)

void tw_scan_power_free(tw_ctx *ctx, tw_scan_power *p)
{
    if (!p)
        return;
    ctx_free(ctx, p->alt_stat);
    ctx_free(ctx, p);
}

/* C cases spread over the areas in proportion to w (largest remainders):
 * any placement gives the same null replicas, which depend on C only. */
static void place_cases(const double *w, size_t n, double C, double *out)
{
    double W = 0, used = 0;
    for (size_t i = 0; i < n; i++)
        W += w[i];
    for (size_t i = 0; i < n; i++) {
        out[i] = floor(C * w[i] / W);
        used += out[i];
    }
    for (size_t i = 0; used < C; i = (i + 1) % n)
        if (w[i] > 0) {
            out[i] += 1;
            used += 1;
        }
}

tw_status tw_scan_power_run(tw_ctx *ctx, const tw_scan_data *d, const tw_scan_opts *o,
                            const tw_scan_power_opts *po, tw_scan_power **out)
{
    if (!out)
        return ctx_error(ctx, TW_E_ARG, "scan power: out is required");
    *out = NULL;
    if (!d || !o || !po || !po->rr)
        return ctx_error(ctx, TW_E_ARG, "scan power: data, options and relative risks are required");
    if (o->model != TW_SCAN_POISSON || d->n_times > 1)
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "scan power: the power evaluation is for the purely spatial Poisson model");
    if (po->n_alt < 1)
        return ctx_error(ctx, TW_E_ARG, "scan power: n_alt must be >= 1, got %d", po->n_alt);
    if (o->replicas < 1)
        return ctx_error(ctx, TW_E_ARG, "scan power: the critical values need replicas");
    const double *w = d->expected ? d->expected : d->population;
    if (!w || !d->cases)
        return ctx_error(ctx, TW_E_ARG, "scan power: population (or expected) and cases are required");
    size_t n = d->n;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(po->rr[i]) || po->rr[i] <= 0)
            return ctx_error_at(ctx, TW_E_DOMAIN, "", 0, 0, "rr",
                                "relative risk of area %zu is %g: must be > 0", i, po->rr[i]);
    double Cdata = 0;
    for (size_t i = 0; i < n; i++)
        Cdata += d->cases[i];
    double C = po->total_cases > 0 ? po->total_cases : Cdata;
    if (C != floor(C) || C < 1 || C >= (double)INT32_MAX)
        return ctx_error(ctx, TW_E_DOMAIN, "scan power: total cases must be a whole number >= 1, got %g", C);

    tw_status st = TW_OK;
    tw_scan_power *p = NULL;
    tw_scan_result *res = NULL;
    double *cases = NULL, *wa = NULL;
    unsigned char *planted = NULL;
    scan_alias al;
    memset(&al, 0, sizeof al);
    double sens[3] = {0}, ppv[3] = {0};

    p = ctx_calloc(ctx, 1, sizeof *p);
    cases = ctx_mallocarray(ctx, n, sizeof *cases);
    wa = ctx_mallocarray(ctx, n, sizeof *wa);
    planted = ctx_calloc(ctx, n, 1);
    if (!p || !cases || !wa || !planted)
        goto nomem;
    p->alt_stat = ctx_calloc(ctx, (size_t)po->n_alt, sizeof *p->alt_stat);
    if (!p->alt_stat)
        goto nomem;
    p->n_alt = po->n_alt;
    p->replicas = o->replicas;
    p->total_cases = C;
    p->alpha[0] = 0.05;
    p->alpha[1] = 0.01;
    p->alpha[2] = 0.001;

    /* the null: the critical values of tw_scan_run's replicas */
    tw_scan_data nd = *d;
    if (C != Cdata) {
        place_cases(w, n, C, cases);
        nd.cases = cases;
    }
    tw_scan_opts no = *o;
    no.max_clusters = 1;
    if ((st = tw_scan_run(ctx, &nd, &no, &res)))
        goto fail;
    p->crit[0] = res->crit_05;
    p->crit[1] = res->crit_01;
    p->crit[2] = res->crit_001;
    tw_scan_result_free(ctx, res);
    res = NULL;

    /* the alternative: multinomial by population x rr */
    int n_planted = 0;
    for (size_t i = 0; i < n; i++) {
        wa[i] = w[i] * po->rr[i];
        planted[i] = po->rr[i] > 1;
        n_planted += planted[i];
    }
    if ((st = scan_alias_init(ctx, &al, wa, n)))
        goto fail;
    tw_scan_opts ao = *o;
    ao.replicas = 0;
    ao.max_clusters = 1;
    tw_scan_data ad = *d;
    ad.cases = cases;
    for (int a = 0; a < po->n_alt; a++) {
        memset(cases, 0, n * sizeof *cases);
        rng g;
        rng_init(&g, o->seed, ALT_STREAM + (uint64_t)a);
        for (int64_t k = 0; k < (int64_t)C; k++)
            cases[scan_alias_draw(&al, &g)] += 1;
        if ((st = tw_scan_run(ctx, &ad, &ao, &res)))
            goto fail;
        double stat = 0, hit = 0, size = 0;
        if (res->n_clusters > 0) {
            const tw_scan_cluster *cl = &res->clusters[0];
            stat = cl->test_stat;
            size = (double)cl->n_areas;
            for (size_t e = 0; e < cl->n_areas; e++)
                hit += planted[cl->members[e]];
        }
        p->alt_stat[a] = stat;
        for (int k = 0; k < 3; k++)
            if (!isnan(p->crit[k]) && stat > p->crit[k]) {
                p->rejected[k]++;
                sens[k] += n_planted > 0 ? hit / n_planted : NAN;
                ppv[k] += size > 0 ? hit / size : NAN;
            }
        tw_scan_result_free(ctx, res);
        res = NULL;
        if ((st = ctx_progress(ctx, "scan power", (double)(a + 1), (double)po->n_alt)))
            goto fail;
    }
    for (int k = 0; k < 3; k++) {
        p->power[k] = isnan(p->crit[k]) ? NAN : (double)p->rejected[k] / po->n_alt;
        p->sensitivity[k] = p->rejected[k] ? sens[k] / p->rejected[k] : NAN;
        p->ppv[k] = p->rejected[k] ? ppv[k] / p->rejected[k] : NAN;
    }
    goto done;
nomem:
    st = ctx_nomem(ctx);
fail:
    tw_scan_power_free(ctx, p);
    p = NULL;
done:
    tw_scan_result_free(ctx, res);
    scan_alias_free(ctx, &al);
    ctx_free(ctx, cases);
    ctx_free(ctx, wa);
    ctx_free(ctx, planted);
    if (st == TW_OK)
        *out = p;
    return st;
}
