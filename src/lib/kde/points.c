/*
 * points.c: the coordinates of case records for the kernel density, with
 * the same filters as tw_cases_aggregate (day range, source compared
 * without case, category) so a heat map and a hotspot table of the same
 * options count the same records. Records known only by a code have no
 * point and are counted apart (placing them at an area's centre would
 * draw false peaks). Reads the records' layout from the cases module
 * (cases_internal.h). O(records).
 */
#define _POSIX_C_SOURCE 200809L
#include "cases/cases_internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

tw_status tw_cases_points(tw_ctx *ctx, const tw_cases *c, const tw_points_opts *opts,
                          double *lon, double *lat, double *w, size_t cap, size_t *n,
                          size_t *without)
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
    size_t m = 0, wo = 0;
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
        if (lon) {
            if (m >= cap)
                return ctx_error(ctx, TW_E_ARG, "points: room for %zu points, more are needed", cap);
            lon[m] = x->lon;
            lat[m] = x->lat;
            if (w)
                w[m] = opts->weight_children ? x->children : x->weight;
        }
        m++;
    }
    *n = m;
    if (without)
        *without = wo;
    return TW_OK;
}
