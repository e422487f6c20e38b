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
#include <stdlib.h>
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

tw_status tw_coarse_parse(const char *s, tw_coarse_mode *out)
{
    static const char *const names[] = {"drop", "level", "allocate"};
    for (int k = 0; s && k < 3; k++)
        if (strcmp(s, names[k]) == 0) {
            *out = (tw_coarse_mode)k;
            return TW_OK;
        }
    return TW_E_ARG;
}

double tw_max_uncertainty_m(tw_level level)
{
    switch (level) {
    case TW_LEVEL_BARANGAY:
    case TW_LEVEL_SUBMUNICIPALITY:
        return 5000;
    case TW_LEVEL_MUNICIPALITY:
        return 50000;
    case TW_LEVEL_PROVINCE:
        return 150000;
    default:
        return INFINITY;
    }
}

/*
 * Finest level a record's coordinates can be trusted at: its uncertainty
 * radius against tw_max_uncertainty_m, and CyberTipline points without a
 * radius (IP geolocation) at municipality level at best.
 */
static tw_level point_level(const case_rec *x, int ip_source)
{
    if (!x->has_radius)
        return ip_source ? TW_LEVEL_MUNICIPALITY : TW_LEVEL_BARANGAY;
    for (int l = TW_LEVEL_BARANGAY; l > TW_LEVEL_REGION; l--)
        if (x->radius_m <= tw_max_uncertainty_m((tw_level)l))
            return (tw_level)l;
    return TW_LEVEL_REGION;
}

/*
 * Coarser units for allocation: every (ancestor code, area) pair of the
 * analysis areas at the levels above the analysis level, sorted by code;
 * a unit is a run of one code. Population per unit, weight to spread.
 */
typedef struct unit_member {
    char code[TW_PSGC_LEN + 1];
    int32_t area;
} unit_member;

typedef struct units {
    unit_member *m;
    size_t nm;
    size_t *start;  /* nu + 1 offsets into m */
    double *pop;    /* nu */
    double *weight; /* nu: count waiting to be spread */
    size_t nu;
} units;

static int cmp_member(const void *pa, const void *pb)
{
    const unit_member *a = pa, *b = pb;
    int c = strcmp(a->code, b->code);
    return c ? c : (a->area > b->area) - (a->area < b->area);
}

static void units_free(tw_ctx *ctx, units *u)
{
    ctx_free(ctx, u->m);
    ctx_free(ctx, u->start);
    ctx_free(ctx, u->pop);
    ctx_free(ctx, u->weight);
}

static tw_status units_build(tw_ctx *ctx, const tw_areas *a, tw_level level, units *u)
{
    size_t na = tw_areas_count(a), nl = (size_t)level - 1;
    memset(u, 0, sizeof *u);
    if (nl == 0 || na == 0)
        return TW_OK;
    u->m = ctx_mallocarray(ctx, na * nl, sizeof *u->m);
    if (!u->m)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < na; i++)
        for (int l = TW_LEVEL_REGION; l < (int)level; l++) {
            unit_member *e = &u->m[u->nm];
            if (tw_areas_ancestor(a, i, (tw_level)l, e->code) && e->code[0]) {
                e->area = (int32_t)i;
                u->nm++;
            }
        }
    qsort(u->m, u->nm, sizeof *u->m, cmp_member);
    size_t k = 0; /* the same code at two levels (a HUC) is one member */
    for (size_t j = 0; j < u->nm; j++)
        if (k == 0 || cmp_member(&u->m[k - 1], &u->m[j]) != 0)
            u->m[k++] = u->m[j];
    u->nm = k;
    u->start = ctx_mallocarray(ctx, u->nm + 1, sizeof *u->start);
    u->pop = ctx_calloc(ctx, u->nm ? u->nm : 1, sizeof *u->pop);
    u->weight = ctx_calloc(ctx, u->nm ? u->nm : 1, sizeof *u->weight);
    if (!u->start || !u->pop || !u->weight)
        return ctx_nomem(ctx);
    for (size_t j = 0; j < u->nm; j++) {
        if (j == 0 || strcmp(u->m[j - 1].code, u->m[j].code) != 0)
            u->start[u->nu++] = j;
        double p = tw_areas_population(a, (size_t)u->m[j].area);
        if (p > 0)
            u->pop[u->nu - 1] += p;
    }
    u->start[u->nu] = u->nm;
    return TW_OK;
}

/* Unit of a code, or -1. */
static long units_find(const units *u, const char *code)
{
    size_t lo = 0, hi = u->nu;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(u->m[u->start[mid]].code, code);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Where one record (or one crosswalk part of it) went. */
enum { B_CODE, B_POINT, B_SNAPPED, B_OUTSIDE, B_COARSER, B_UNKNOWN };

typedef struct outcome {
    int bucket;
    tw_level level;  /* B_COARSER: the level it is known at */
    int imprecise;   /* coordinates too uncertain for the analysis level */
    int allocated;   /* B_COARSER: waiting in a unit to be spread */
    long area;       /* placed: the area */
} outcome;

typedef struct placer {
    tw_ctx *ctx;
    const tw_cases *c;
    const tw_areas *a;
    const tw_locator *loc;
    const tw_aggregate_opts *opts;
    tw_level level;
    size_t na;
    units u;
    int allocate;
} placer;

/* Locate a point among the areas (snapping as asked); -1 if outside. */
static tw_status locate(const placer *P, const case_rec *x, long *idx, int *snapped)
{
    *snapped = 0;
    if (!P->loc)
        return ctx_error(P->ctx, TW_E_ARG,
                         "records with coordinates need a locator (loc is NULL)");
    *idx = tw_locator_find(P->loc, x->lon, x->lat);
    if (*idx < 0 && P->opts->snap_outside) {
        double d = NAN;
        *idx = tw_locator_nearest(P->loc, x->lon, x->lat, &d);
        if (*idx >= 0 && P->opts->snap_max_km > 0 && !(d <= P->opts->snap_max_km))
            *idx = -1;
        *snapped = *idx >= 0;
    }
    if (*idx >= 0 && TW_NEVER((size_t)*idx >= P->na))
        return ctx_error(P->ctx, TW_E_INTERNAL, "locator returned area %ld of %zu: was it "
                         "built on these areas?", *idx, P->na);
    return TW_OK;
}

/* A coarser record: counted, and waiting to be spread when allocating. */
static void to_coarser(placer *P, const char *code, tw_level l, double w, outcome *o)
{
    o->bucket = B_COARSER;
    o->level = l;
    if (!P->allocate || !code[0])
        return;
    long u = units_find(&P->u, code);
    if (u >= 0 && P->u.pop[u] > 0) {
        P->u.weight[u] += w;
        o->allocated = 1;
    }
}

/*
 * Place one record with the given code (the record's own, or a crosswalk
 * target; use_id: the aggregated row's area_id may be tried) and weight.
 */
static tw_status place(placer *P, const case_rec *x, const char *code, int use_id,
                       int ip_source, double w, outcome *o)
{
    const tw_areas *a = P->a;
    tw_level level = P->level;
    memset(o, 0, sizeof *o);
    o->area = -1;
    long idx = -1;
    if (use_id && x->code_kind == CASES_CODE_ID)
        idx = tw_areas_find(a, P->c->strs.s[x->id_str]);
    if (idx < 0 && code[0])
        idx = resolve_code(a, P->opts->hierarchy, level, code);
    tw_level lc = code[0] ? tw_psgc_level(code) : TW_LEVEL_UNKNOWN;
    int code_coarser = level != TW_LEVEL_UNKNOWN && lc != TW_LEVEL_UNKNOWN && lc < level;
    tw_status s;
    if (idx >= 0) {
        o->bucket = B_CODE;
    } else if (!isnan(x->lon)) {
        tw_level lp = level == TW_LEVEL_UNKNOWN ? TW_LEVEL_UNKNOWN : point_level(x, ip_source);
        int snapped;
        if ((s = locate(P, x, &idx, &snapped)))
            return s;
        if (lp == TW_LEVEL_UNKNOWN || lp >= level) {
            o->bucket = idx < 0 ? B_OUTSIDE : snapped ? B_SNAPPED : B_POINT;
        } else {
            /* Known only at lp: never placed at a false precision. A coarse
               code at least as fine as lp says more than the point. */
            o->imprecise = 1;
            char anc[TW_PSGC_LEN + 1] = "";
            if (code_coarser && lc >= lp)
                to_coarser(P, code, lc, w, o);
            else if (idx < 0)
                o->bucket = B_OUTSIDE;
            else {
                tw_areas_ancestor(a, (size_t)idx, lp, anc);
                to_coarser(P, anc, lp, w, o);
            }
            idx = -1;
        }
    } else if (code_coarser) {
        to_coarser(P, code, lc, w, o);
    } else {
        o->bucket = B_UNKNOWN;
    }
    if (idx >= 0 && TW_NEVER((size_t)idx >= P->na))
        return ctx_error(P->ctx, TW_E_INTERNAL, "area %ld of %zu", idx, P->na);
    o->area = idx;
    return TW_OK;
}

#define MAX_PARTS 256 /* as tw_crosswalk_map's own limit */

/* The per-area outputs back to zero (the optional ones when given). */
static void zero_outputs(double *counts, double *allocated, double *split, size_t na)
{
    for (size_t i = 0; i < na; i++) {
        counts[i] = 0;
        if (allocated)
            allocated[i] = 0;
        if (split)
            split[i] = 0;
    }
}

tw_status tw_cases_aggregate_ex(tw_ctx *ctx, const tw_cases *c, const tw_areas *a,
                                const tw_locator *loc, const tw_aggregate_opts *opts,
                                double *counts, double *allocated, double *split,
                                tw_aggregate_report *rep)
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
    if ((unsigned)opts->coarse > TW_COARSE_ALLOCATE)
        return ctx_error(ctx, TW_E_ARG, "invalid coarse mode %d", (int)opts->coarse);
    if (!opts->crosswalk != !opts->to_version)
        return ctx_error(ctx, TW_E_ARG, "a crosswalk and to_version go together");
    int cat = -1;
    if (opts->category) {
        cat = cases_category_find(opts->category, strlen(opts->category));
        if (cat < 0)
            return ctx_error(ctx, TW_E_ARG,
                             "unknown category '%s' (livestreaming, csam_production, "
                             "csam_distribution, grooming, sextortion, trafficking, other)",
                             opts->category);
    }
    placer P;
    memset(&P, 0, sizeof P);
    P.ctx = ctx;
    P.c = c;
    P.a = a;
    P.loc = loc;
    P.opts = opts;
    P.level = opts->level ? opts->level : tw_areas_level(a);
    P.na = tw_areas_count(a);
    P.allocate = opts->coarse == TW_COARSE_ALLOCATE && P.level > TW_LEVEL_REGION;
    tw_level level = P.level;
    size_t na = P.na;
    tw_aggregate_report r;
    memset(&r, 0, sizeof r);
    tw_status s = TW_OK;
    tw_crosswalk_target *parts = NULL;
    /* Per interned string: source passes the filter (sources compare
       case-insensitively, and "NBI" and "nbi" are two pool entries); bit 2:
       a CyberTipline source (IP-geolocated points). */
    zero_outputs(counts, allocated, split, na); /* zero even when an allocation fails */
    size_t ns = c->strs.n ? c->strs.n : 1;
    unsigned char *src_ok = ctx_calloc(ctx, ns, 1);
    if (!src_ok)
        return ctx_nomem(ctx);
    for (size_t k = 0; k < c->strs.n; k++)
        src_ok[k] = (unsigned char)(name_in_list(opts->source, c->strs.s[k]) |
                                    (strcasecmp(c->strs.s[k], "CyberTipline") == 0) << 1);
    if (P.allocate && (s = units_build(ctx, a, level, &P.u)))
        goto fail;
    if (opts->crosswalk &&
        !(parts = ctx_mallocarray(ctx, MAX_PARTS, sizeof *parts))) {
        s = ctx_nomem(ctx);
        goto fail;
    }
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
        if (opts->source && (x->source < 0 || !(src_ok[x->source] & 1)))
            keep = 0;
        if (cat >= 0 && x->category != cat)
            keep = 0;
        if (!keep) {
            r.filtered_out++;
            continue;
        }
        r.records++;
        double w = opts->weight_children ? x->children : x->weight;
        int ip = opts->ip_rule && x->source >= 0 && (src_ok[x->source] & 2);
        /* The record's code on the target version: one part, or the
           crosswalk's targets with their weights. */
        size_t np = 1;
        int recoded = 0;
        if (opts->crosswalk && x->version && x->code[0] &&
            strcmp(c->strs.s[x->version - 1], opts->to_version) != 0) {
            const char *from = c->strs.s[x->version - 1];
            if ((s = tw_crosswalk_map(ctx, opts->crosswalk, from, opts->to_version, x->code,
                                      parts, MAX_PARTS, &np))) {
                if (s == TW_E_ARG)
                    s = ctx_error(ctx, TW_E_ARG,
                                  "records coded in psgc version %s cannot be brought to %s: "
                                  "no crosswalk steps lead there", from, opts->to_version);
                goto fail;
            }
            if (TW_NEVER(np == 0 || np > MAX_PARTS)) {
                s = ctx_error(ctx, TW_E_INTERNAL, "crosswalk gave %zu targets", np);
                goto fail;
            }
            recoded = np > 1 || strcmp(parts[0].code, x->code) != 0;
            r.recoded += (size_t)recoded;
            r.split += np > 1;
        }
        outcome main_o;
        memset(&main_o, 0, sizeof main_o);
        double main_w = -1;
        for (size_t p = 0; p < np; p++) {
            const char *code = recoded ? parts[p].code : x->code;
            double wp = recoded ? w * parts[p].weight : w;
            outcome o;
            if ((s = place(&P, x, code, !recoded, ip, wp, &o)))
                goto fail;
            if (o.area >= 0) {
                counts[o.area] += wp;
                r.count_placed += wp;
                if (split && np > 1)
                    split[o.area] += wp;
            }
            if (wp > main_w) { /* the record is counted where its largest part went */
                main_w = wp;
                main_o = o;
            }
        }
        switch (main_o.bucket) {
        case B_CODE: r.by_code++; break;
        case B_POINT: r.by_point++; break;
        case B_SNAPPED: r.snapped++; break;
        case B_OUTSIDE: r.outside++; break;
        case B_COARSER:
            r.coarser++;
            r.coarser_by_level[main_o.level]++;
            r.allocated += (size_t)main_o.allocated;
            break;
        default: r.unknown_code++; break;
        }
        r.imprecise += (size_t)main_o.imprecise;
    }
    r.placed = r.by_code + r.by_point + r.snapped;
    /* Spread what waits in the coarser units over their areas. */
    for (size_t u = 0; u < P.u.nu; u++) {
        if (P.u.weight[u] == 0)
            continue;
        for (size_t j = P.u.start[u]; j < P.u.start[u + 1]; j++) {
            size_t i = (size_t)P.u.m[j].area;
            double pop = tw_areas_population(a, i);
            if (!(pop > 0))
                continue;
            double v = P.u.weight[u] * pop / P.u.pop[u];
            counts[i] += v;
            if (allocated)
                allocated[i] += v;
        }
        r.count_allocated += P.u.weight[u];
    }
    size_t coarse_sum = 0;
    for (int l = 0; l < 6; l++)
        coarse_sum += r.coarser_by_level[l];
    if (TW_NEVER(r.records != r.placed + r.outside + r.coarser + r.unknown_code ||
                 r.records + r.filtered_out != c->n || coarse_sum != r.coarser ||
                 r.allocated > r.coarser)) {
        s = ctx_error(ctx, TW_E_INTERNAL, "aggregation buckets do not add up");
        goto fail;
    }
    if (undated)
        ctx_warn(ctx, "%zu records without report_date left out by the date filter", undated);
    if (r.records > r.placed + r.allocated) /* spread records are said below */
        ctx_warn(ctx,
                 "%zu of %zu records not placed: %zu outside every area, %zu known only "
                 "above the analysis level, %zu with a code not in the geography",
                 r.records - r.placed - r.allocated, r.records, r.outside,
                 r.coarser - r.allocated, r.unknown_code);
    if (r.allocated)
        ctx_warn(ctx, "%zu records known only above the analysis level spread over the areas "
                 "in proportion to population (fractional counts)", r.allocated);
    ctx_free(ctx, parts);
    units_free(ctx, &P.u);
    ctx_free(ctx, src_ok);
    if (rep)
        *rep = r;
    return TW_OK;

fail:
    ctx_free(ctx, parts);
    units_free(ctx, &P.u);
    ctx_free(ctx, src_ok);
    zero_outputs(counts, allocated, split, na); /* nothing half-counted */
    return s;
}

tw_status tw_cases_aggregate(tw_ctx *ctx, const tw_cases *c, const tw_areas *a,
                             const tw_locator *loc, const tw_aggregate_opts *opts,
                             double *counts, tw_aggregate_report *rep)
{
    return tw_cases_aggregate_ex(ctx, c, a, loc, opts, counts, NULL, NULL, rep);
}
