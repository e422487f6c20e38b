/*
 * steps.c: the time axis of a space-time cube and the cube of counts.
 *
 * Steps are calendar periods (month, quarter, year) or 7-day blocks that
 * start on the first day of the period (week). The first step is the
 * period that contains --from, the last the one that contains --to; only
 * records in [from, to] are counted, so a --from in mid-month gives a
 * shorter first step (the CLI warns). Calendar arithmetic is Hinnant's
 * days_from_civil / civil_from_days (proleptic Gregorian), the same
 * calendar as tw_date_parse.
 *
 * tw_cube_count calls tw_cases_aggregate once per step with the step's
 * day range, so every record is placed by the same rules (codes,
 * hierarchy, point in polygon, snapping) as the totals of `tanaw gistar`
 * and the cube sums to them (with --coarse allocate, the IP rule and the
 * crosswalk of opts too). O(steps * records) filter checks, but each
 * record is located once (in its own step); O(areas * steps) memory
 * owned by the caller.
 */
#include "spacetime/spacetime_internal.h"

#include <stdio.h>
#include <string.h>

void st_civil(int32_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int32_t st_days(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

tw_status tw_step_parse(const char *s, tw_step *out)
{
    static const char *const names[] = {"week", "month", "quarter", "year"};
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (tw_step)i;
            return TW_OK;
        }
    return TW_E_ARG;
}

const char *tw_step_name(tw_step step)
{
    switch (step) {
    case TW_STEP_WEEK: return "week";
    case TW_STEP_MONTH: return "month";
    case TW_STEP_QUARTER: return "quarter";
    case TW_STEP_YEAR: return "year";
    }
    return "?";
}

/* Period number of a day on the step's own scale (months since year 0, ...). */
static int64_t period(tw_step step, int32_t from_day, int32_t day)
{
    int64_t y;
    unsigned m, d;
    if (step == TW_STEP_WEEK) {
        int64_t diff = (int64_t)day - from_day;
        return diff >= 0 ? diff / 7 : -((-diff + 6) / 7);
    }
    st_civil(day, &y, &m, &d);
    switch (step) {
    case TW_STEP_MONTH: return y * 12 + (m - 1);
    case TW_STEP_QUARTER: return y * 4 + (m - 1) / 3;
    default: return y;
    }
}

size_t tw_step_count(tw_step step, int32_t from_day, int32_t to_day)
{
    if (to_day < from_day)
        return 0;
    return (size_t)(period(step, from_day, to_day) - period(step, from_day, from_day) + 1);
}

int32_t tw_step_start(tw_step step, int32_t from_day, size_t k)
{
    if (step == TW_STEP_WEEK)
        return (int32_t)((int64_t)from_day + 7 * (int64_t)k);
    int64_t p = period(step, from_day, from_day) + (int64_t)k;
    switch (step) {
    case TW_STEP_MONTH: return st_days(p / 12, (unsigned)(p % 12) + 1, 1);
    case TW_STEP_QUARTER: return st_days(p / 4, (unsigned)(p % 4) * 3 + 1, 1);
    default: return st_days(p, 1, 1);
    }
}

void tw_step_label(tw_step step, int32_t from_day, size_t k, char buf[16])
{
    int32_t d0 = tw_step_start(step, from_day, k);
    int64_t y;
    unsigned m, d;
    st_civil(d0, &y, &m, &d);
    char tmp[64]; /* years of int32 days have up to 7 digits: format wide, then cut */
    switch (step) {
    case TW_STEP_WEEK: snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u", (long long)y, m, d); break;
    case TW_STEP_MONTH: snprintf(tmp, sizeof tmp, "%04lld-%02u", (long long)y, m); break;
    case TW_STEP_QUARTER: snprintf(tmp, sizeof tmp, "%04lld-Q%u", (long long)y, (m - 1) / 3 + 1); break;
    default: snprintf(tmp, sizeof tmp, "%04lld", (long long)y); break;
    }
    memcpy(buf, tmp, 15);
    buf[15] = '\0';
}

/* Warnings raised by the per-step calls repeat themselves once per step:
 * keep the first of each text, and drop the per-step "records not placed"
 * counts of tw_cases_aggregate (tw_cube_count adds one line for the whole
 * period instead). */
static tw_status dedupe_warnings(tw_ctx *ctx, size_t before)
{
    size_t nw = tw_ctx_warning_count(ctx);
    if (nw <= before)
        return TW_OK;
    char **all = ctx_calloc(ctx, nw, sizeof *all);
    if (!all)
        return ctx_nomem(ctx);
    tw_status s = TW_OK;
    for (size_t i = 0; i < nw; i++)
        if (!(all[i] = ctx_strdup(ctx, tw_ctx_warning(ctx, i)))) {
            s = ctx_nomem(ctx);
            goto done;
        }
    tw_ctx_clear_warnings(ctx);
    for (size_t i = 0; i < nw; i++) {
        int drop = i >= before && strstr(all[i], "records not placed") != NULL;
        for (size_t j = before; j < i && !drop && i >= before; j++)
            drop = strcmp(all[i], all[j]) == 0;
        if (!drop)
            ctx_warn(ctx, "%s", all[i]);
    }
done:
    for (size_t i = 0; i < nw; i++)
        ctx_free(ctx, all[i]);
    ctx_free(ctx, all);
    return s;
}

tw_status tw_cube_count(tw_ctx *ctx, const tw_cases *c, const tw_areas *a,
                        const tw_locator *loc, const tw_aggregate_opts *opts,
                        tw_step step, int32_t from_day, int32_t to_day,
                        double *counts, tw_aggregate_report *rep)
{
    if (!c || !a || !opts || !counts)
        return ctx_error(ctx, TW_E_ARG, "cube: cases, areas, options and counts are required");
    if ((unsigned)step > TW_STEP_YEAR)
        return ctx_error(ctx, TW_E_ARG, "cube: unknown time step %d", (int)step);
    size_t steps = tw_step_count(step, from_day, to_day);
    if (steps == 0) {
        char f[11], t[11];
        tw_date_format(from_day, f);
        tw_date_format(to_day, t);
        return ctx_error(ctx, TW_E_ARG, "cube: the period ends (%s) before it starts (%s)", t, f);
    }
    size_t n = tw_areas_count(a);
    tw_aggregate_report sum;
    memset(&sum, 0, sizeof sum);
    size_t before = tw_ctx_warning_count(ctx);
    for (size_t k = 0; k < steps; k++) {
        tw_aggregate_opts ao = *opts;
        int32_t s0 = tw_step_start(step, from_day, k);
        int32_t s1 = tw_step_start(step, from_day, k + 1) - 1;
        ao.from_day = s0 > from_day ? s0 : from_day;
        ao.to_day = s1 < to_day ? s1 : to_day;
        tw_aggregate_report r;
        tw_status s = tw_cases_aggregate(ctx, c, a, loc, &ao, counts + k * n, &r);
        if (s)
            return s;
        sum.records += r.records;
        sum.placed += r.placed;
        sum.by_point += r.by_point;
        sum.by_code += r.by_code;
        sum.snapped += r.snapped;
        sum.outside += r.outside;
        sum.coarser += r.coarser;
        for (int l = 0; l < 6; l++)
            sum.coarser_by_level[l] += r.coarser_by_level[l];
        sum.unknown_code += r.unknown_code;
        sum.count_placed += r.count_placed;
        sum.imprecise += r.imprecise;
        sum.allocated += r.allocated;
        sum.count_allocated += r.count_allocated;
        sum.recoded += r.recoded;
        sum.split += r.split;
        if ((s = ctx_progress(ctx, "cube", (double)(k + 1), (double)steps)))
            return s;
    }
    sum.filtered_out = tw_cases_count(c) - sum.records;
    tw_status s = dedupe_warnings(ctx, before);
    if (s)
        return s;
    if (sum.placed < sum.records)
        ctx_warn(ctx,
                 "cube: %zu of %zu records in the period not placed: %zu outside every area, %zu "
                 "known only above the analysis level, %zu with a code not in the geography",
                 sum.records - sum.placed, sum.records, sum.outside, sum.coarser, sum.unknown_code);
    if (rep)
        *rep = sum;
    return TW_OK;
}
