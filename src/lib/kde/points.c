/*
 * points.c: the coordinates of case records for the kernel density, with
 * the same filters as tw_cases_aggregate (day range, source compared
 * without case, category) so a heat map and a hotspot table of the same
 * options count the same records. Records known only by a code have no
 * point and are counted apart (placing them at an area's centre would
 * draw false peaks). Points whose uncertainty radius (uncertainty_m, or
 * for CyberTipline points without one the IP rule's municipality-level
 * radius) exceeds opts->max_radius_m are counted apart too: drawn as
 * exact, they would make peaks where the case is not known to be
 * (docs/kde.md). Reads the records' layout from the cases module
 * (cases_internal.h). O(records + sources).
 */
#define _POSIX_C_SOURCE 200809L
#include "cases/cases_internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

tw_status tw_cases_points(tw_ctx *ctx, const tw_cases *c, const tw_points_opts *opts,
                          double *lon, double *lat, double *w, size_t cap, size_t *n,
                          size_t *without, size_t *imprecise)
{
    if (!c || !n)
        return ctx_error(ctx, TW_E_ARG, "points: cases and count are required");
    tw_points_opts none;
    memset(&none, 0, sizeof none);
    if (!opts)
        opts = &none;
    int cat = -1;
    if (opts->category) {
        cat = cases_category_find(opts->category, strlen(opts->category));
        if (cat < 0)
            return ctx_error(ctx, TW_E_ARG,
                             "unknown category '%s' (livestreaming, csam_production, "
                             "csam_distribution, grooming, sextortion, trafficking, other)",
                             opts->category);
    }
    int date_filter = opts->from_day || opts->to_day;
    if (date_filter && opts->from_day > opts->to_day)
        return ctx_error(ctx, TW_E_ARG, "points: empty date range");
    /* sources read as IP geolocations (CyberTipline, any case), per interned string */
    unsigned char *ip = NULL;
    double ip_radius = tw_max_uncertainty_m(TW_LEVEL_MUNICIPALITY);
    if (opts->ip_rule && opts->max_radius_m > 0 && c->strs.n) {
        if (!(ip = ctx_calloc(ctx, c->strs.n, 1)))
            return ctx_nomem(ctx);
        for (size_t k = 0; k < c->strs.n; k++)
            ip[k] = strcasecmp(c->strs.s[k], "CyberTipline") == 0;
    }
    size_t m = 0, wo = 0, im = 0;
    tw_status st = TW_OK;
    for (size_t k = 0; k < c->n; k++) {
        const case_rec *x = &c->rec[k];
        if (date_filter &&
            (x->day == CASES_NO_DAY || x->day < opts->from_day || x->day > opts->to_day))
            continue;
        if (opts->source && (x->source < 0 || !name_in_list(opts->source, c->strs.s[x->source])))
            continue;
        if (cat >= 0 && x->category != cat)
            continue;
        if (isnan(x->lon) || isnan(x->lat)) {
            wo++;
            continue;
        }
        if (opts->max_radius_m > 0) {
            double r = x->has_radius                           ? x->radius_m
                       : ip && x->source >= 0 && ip[x->source] ? ip_radius
                                                               : 0;
            if (r > opts->max_radius_m) {
                im++;
                continue;
            }
        }
        if (lon) {
            if (m >= cap) {
                st = ctx_error(ctx, TW_E_ARG, "points: room for %zu points, more are needed", cap);
                break;
            }
            lon[m] = x->lon;
            lat[m] = x->lat;
            if (w)
                w[m] = opts->weight_children ? x->children : x->weight;
        }
        m++;
    }
    ctx_free(ctx, ip);
    if (st)
        return st;
    *n = m;
    if (without)
        *without = wo;
    if (imprecise)
        *imprecise = im;
    return TW_OK;
}
