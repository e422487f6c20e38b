/*
 * aggregate.c: counting case records per analysis area (tw_cases_aggregate).
 *
 * Method (the rules of docs/cases.md, in order): filters first (day range,
 * source, category); then a record's PSGC code is tried, from the most to
 * the least direct evidence: the code itself as an area id, its digit
 * ancestors from finest down to the analysis level, then the optional
 * hierarchy (finer areas whose ancestor columns say which analysis area a
 * code belongs to, needed for NCR cities inside districts). Without a
 * usable code, coordinates go through the point locator, then to the
 * nearest area when snapping is asked. What is left is "coarser" (code above
 * the analysis level: never spread over areas, since spreading would invent
 * where the harm is) or "unknown_code". Every record lands in exactly one
 * bucket of the report, and the buckets are checked to add up.
 *
 * Complexity: O(records * (levels + 1)) hash look-ups plus one point
 * location per record placed by coordinates.
 *
 * Limits: the locator must have been built on the same areas; levels come
 * from the digits of a code (a HUC code reads as a province), which is why
 * an exact id match is tried first.
 */
#include "cases/cases_internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* Area index of a PSGC code under the rules above, or -1. */
static long resolve_code(const tw_areas *a, const tw_areas *h, tw_level level,
                         const char code[TW_PSGC_LEN + 1])
{
    long idx = tw_areas_find(a, code);
    if (idx >= 0)
        return idx;
    if (level == TW_LEVEL_UNKNOWN)
        return -1;
    tw_level lc = tw_psgc_level(code);
    char anc[TW_PSGC_LEN + 1];
    if (lc != TW_LEVEL_UNKNOWN && lc > level) {
        for (int l = (int)lc - 1; l >= (int)level; l--)
            if (tw_psgc_ancestor(code, (tw_level)l, anc) == TW_OK &&
                (idx = tw_areas_find(a, anc)) >= 0)
                return idx;
    }
    if (!h)
        return -1;
    /* Candidates in the hierarchy: the code, then its digit ancestors down
       to the analysis level (a barangay code finds its municipality row). */
    int lo = lc == TW_LEVEL_UNKNOWN ? (int)lc : (int)level;
    for (int l = (int)lc; l >= lo; l--) {
        const char *cand = code;
        if (l != (int)lc) {
            if (tw_psgc_ancestor(code, (tw_level)l, anc) != TW_OK)
                continue;
            cand = anc;
        }
        long hi = tw_areas_find(h, cand);
        char up[TW_PSGC_LEN + 1];
        if (hi >= 0 && tw_areas_ancestor(h, (size_t)hi, level, up) && up[0] &&
            (idx = tw_areas_find(a, up)) >= 0)
            return idx;
    }
    return -1;
}

tw_status tw_cases_aggregate(tw_ctx *ctx, const tw_cases *c, const tw_areas *a,
                             const tw_locator *loc, const tw_aggregate_opts *opts,
                             double *counts, tw_aggregate_report *rep)
{
    if (!ctx)
        return TW_E_ARG;
    if (!c || !a || !counts)
        return ctx_error(ctx, TW_E_ARG, "tw_cases_aggregate: NULL argument");
    tw_aggregate_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    if ((int)opts->level < TW_LEVEL_UNKNOWN || (int)opts->level > TW_LEVEL_BARANGAY)
        return ctx_error(ctx, TW_E_ARG, "invalid analysis level %d", (int)opts->level);
    if ((opts->from_day || opts->to_day) && opts->from_day > opts->to_day) {
        char f[11], t[11];
        tw_date_format(opts->from_day, f);
        tw_date_format(opts->to_day, t);
        return ctx_error(ctx, TW_E_ARG, "empty date range: %s is after %s", f, t);
    }
    if (opts->snap_outside && (isnan(opts->snap_max_km) || opts->snap_max_km < 0))
        return ctx_error(ctx, TW_E_ARG, "snap_max_km must be >= 0 (0 = no limit)");
    int cat = -1;
    if (opts->category) {
        cat = cases_category_find(opts->category, strlen(opts->category));
        if (cat < 0)
            return ctx_error(ctx, TW_E_ARG,
                             "unknown category '%s' (livestreaming, csam_production, "
                             "csam_distribution, grooming, sextortion, trafficking, other)",
                             opts->category);
    }
    tw_level level = opts->level ? opts->level : tw_areas_level(a);
    size_t na = tw_areas_count(a);
    tw_aggregate_report r;
    memset(&r, 0, sizeof r);
    tw_status s = TW_OK;
    /* Source filter per interned string: sources compare case-insensitively,
       and "NBI" and "nbi" are two pool entries. */
    unsigned char *src_ok = NULL;
    if (opts->source) {
        src_ok = ctx_calloc(ctx, c->strs.n ? c->strs.n : 1, 1);
        if (!src_ok)
            return ctx_nomem(ctx);
        for (size_t k = 0; k < c->strs.n; k++)
            src_ok[k] = strcasecmp(c->strs.s[k], opts->source) == 0;
    }
    for (size_t i = 0; i < na; i++)
        counts[i] = 0;
    int date_filter = opts->from_day || opts->to_day;
    size_t undated = 0;

    for (size_t k = 0; k < c->n; k++) {
        const case_rec *x = &c->rec[k];
        if ((k & 0xFFFF) == 0xFFFF &&
            (s = ctx_progress(ctx, "aggregate cases", (double)k, (double)c->n)))
            goto fail;
        int keep = 1;
        if (date_filter) {
            if (x->day == CASES_NO_DAY) {
                undated++;
                keep = 0;
            } else if (x->day < opts->from_day || x->day > opts->to_day) {
                keep = 0;
            }
        }
        if (src_ok && (x->source < 0 || !src_ok[x->source]))
            keep = 0;
        if (cat >= 0 && x->category != cat)
            keep = 0;
        if (!keep) {
            r.filtered_out++;
            continue;
        }
        r.records++;
        double w = opts->weight_children ? x->children : x->weight;
        long idx = -1;
        if (x->code_kind == CASES_CODE_ID)
            idx = tw_areas_find(a, c->strs.s[x->id_str]);
        if (idx < 0 && x->code[0])
            idx = resolve_code(a, opts->hierarchy, level, x->code);
        if (idx >= 0) {
            r.by_code++;
        } else if (!isnan(x->lon)) {
            if (!loc) {
                s = ctx_error(ctx, TW_E_ARG,
                              "records with coordinates need a locator (loc is NULL)");
                goto fail;
            }
            idx = tw_locator_find(loc, x->lon, x->lat);
            if (idx >= 0) {
                r.by_point++;
            } else if (opts->snap_outside) {
                double d = NAN;
                idx = tw_locator_nearest(loc, x->lon, x->lat, &d);
                if (idx >= 0 && opts->snap_max_km > 0 && !(d <= opts->snap_max_km))
                    idx = -1;
                if (idx >= 0)
                    r.snapped++;
                else
                    r.outside++;
            } else {
                r.outside++;
            }
        } else {
            tw_level lc = x->code[0] ? tw_psgc_level(x->code) : TW_LEVEL_UNKNOWN;
            if (level != TW_LEVEL_UNKNOWN && lc != TW_LEVEL_UNKNOWN && lc < level) {
                r.coarser++;
                r.coarser_by_level[lc]++;
            } else {
                r.unknown_code++;
            }
        }
        if (idx >= 0) {
            if (TW_NEVER((size_t)idx >= na)) {
                s = ctx_error(ctx, TW_E_INTERNAL, "locator returned area %ld of %zu: was it "
                              "built on these areas?", idx, na);
                goto fail;
            }
            r.placed++;
            counts[idx] += w;
            r.count_placed += w;
        }
    }
    if (TW_NEVER(r.placed != r.by_code + r.by_point + r.snapped ||
                 r.records != r.placed + r.outside + r.coarser + r.unknown_code ||
                 r.records + r.filtered_out != c->n)) {
        s = ctx_error(ctx, TW_E_INTERNAL, "aggregation buckets do not add up");
        goto fail;
    }
    if (undated)
        ctx_warn(ctx, "%zu records without report_date left out by the date filter", undated);
    if (r.records > r.placed)
        ctx_warn(ctx,
                 "%zu of %zu records not placed: %zu outside every area, %zu known only "
                 "above the analysis level, %zu with a code not in the geography",
                 r.records - r.placed, r.records, r.outside, r.coarser, r.unknown_code);
    ctx_free(ctx, src_ok);
    if (rep)
        *rep = r;
    return TW_OK;

fail:
    ctx_free(ctx, src_ok);
    for (size_t i = 0; i < na; i++)
        counts[i] = 0;
    return s;
}
