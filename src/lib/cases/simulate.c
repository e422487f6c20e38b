/*
 * simulate.c: synthetic case records (tanaw simulate) for testing the
 * pipeline and for power studies, in the record schema of docs/cases.md.
 * Nothing in the output resembles a person: ids are SIM-<number>, there
 * are no names, no contacts, no free text.
 *
 * Method: the area of each record is a categorical draw with probability
 * proportional to population x relative risk (rr of every planted cluster
 * the area belongs to, multiplied), so the n areas together are one
 * multinomial(n, p) draw. A cluster is its centre area and the n_areas - 1
 * areas nearest to it by representative point (great-circle distance, ties
 * by index). Then, per record and always in the same order, from the one
 * xoshiro256** stream of opts->seed: report day (uniform over
 * [from_day, to_day], thinned to 60 % on weekends for channels other than
 * CyberTipline, whose reports are platform detections), source (shares in
 * docs/cases.md, CyberTipline referrals dominating), category (by channel),
 * children (1, 2, 3 with 60/25/15 %) and location. With location_mix 1, a
 * record carries either the area's PSGC code or a point drawn uniformly in
 * the area polygon by rejection in its bounding box (the point is rounded
 * to 1e-6 degree first and tested after rounding, so what is written is
 * inside); CyberTipline records get a point 25 % of the time (IP
 * geolocation is coarse), other channels 75 %. Same seed, same bytes:
 * numbers are formatted by hand, independent of the C locale.
 *
 * Complexity: O(n log m + m log m) for n records and m areas, plus the
 * point-in-polygon tests (expected bbox area / polygon area tries each,
 * capped at 1000).
 *
 * Limits: areas need a population (>= 0, not all 0); location_mix 0 needs
 * PSGC ids; with location_mix 1 an area without a PSGC id needs a polygon.
 */
#include "cases/cases_internal.h"
#include "core/rng.h"
#include "geo/areas_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRIES 1000

static const char *const sim_sources[] = {"CyberTipline", "PNP-WCPC", "NBI",
                                          "DSWD",         "hotline",  "IJM"};
static const double sim_source_cum[] = {0.70, 0.80, 0.87, 0.92, 0.97, 1.0};
/* Category index per channel (indices of cases_category_names). */
static const double cat_cum_cybertip[CASES_N_CATEGORIES] = {
    0.10, 0.25, 0.80, 0.87, 0.97, 0.97, 1.0};
static const double cat_cum_other[CASES_N_CATEGORIES] = {
    0.40, 0.60, 0.67, 0.74, 0.82, 0.97, 1.0};
static const double children_cum[3] = {0.60, 0.85, 1.0};

static int pick(rng *r, const double *cum, int n)
{
    double u = rng_uniform(r);
    for (int i = 0; i < n - 1; i++)
        if (u < cum[i])
            return i;
    return n - 1;
}

/* Even-odd rule over all rings: holes and separate parts both work since
   parts of a multipolygon do not overlap. */
static int point_in_geom(const area_geom *g, double x, double y)
{
    int in = 0;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t np = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t i = 0, j = np - 1; i < np; j = i++) {
            double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                in = !in;
        }
    }
    return in;
}

/* v micro-degrees as decimal text ("-0.000001", "123.456789"). */
static size_t fmt_micro(char *out, int64_t v)
{
    char tmp[32];
    size_t n = 0, k = 0;
    uint64_t u = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
    if (v < 0)
        out[n++] = '-';
    uint64_t ip = u / 1000000, fp = u % 1000000;
    do {
        tmp[k++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (k)
        out[n++] = tmp[--k];
    out[n++] = '.';
    for (int i = 5; i >= 0; i--) {
        out[n + (size_t)i] = (char)('0' + fp % 10);
        fp /= 10;
    }
    return n + 6;
}

static size_t fmt_uint(char *out, uint64_t v, int width)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = 0;
    for (int i = k; i < width; i++)
        out[n++] = '0';
    while (k)
        out[n++] = tmp[--k];
    return n;
}

/* Point inside area g, rounded to micro-degrees; 0 when none found. */
static int sample_point(rng *r, const area_geom *g, int64_t *lon_u, int64_t *lat_u)
{
    double w = g->bbox[2] - g->bbox[0], h = g->bbox[3] - g->bbox[1];
    for (int t = 0; t < MAX_TRIES; t++) {
        double x = g->bbox[0] + rng_uniform(r) * w;
        double y = g->bbox[1] + rng_uniform(r) * h;
        int64_t xu = (int64_t)llround(x * 1e6), yu = (int64_t)llround(y * 1e6);
        /* (double)xu / 1e6 is what strtod gives back for the written text:
           both are the double nearest to the same decimal */
        if (point_in_geom(g, (double)xu / 1e6, (double)yu / 1e6)) {
            *lon_u = xu;
            *lat_u = yu;
            return 1;
        }
    }
    return 0;
}

typedef struct near_item {
    double d;
    size_t i;
} near_item;

static int near_cmp(const void *pa, const void *pb)
{
    const near_item *a = pa, *b = pb;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

tw_status tw_simulate_write(tw_ctx *ctx, const tw_areas *a, const tw_sim_opts *opts,
                            const char *path)
{
    if (!ctx)
        return TW_E_ARG;
    if (!a || !opts || !path)
        return ctx_error(ctx, TW_E_ARG, "tw_simulate_write: NULL argument");
    size_t na = tw_areas_count(a);
    if (na == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no areas to simulate over");
    if (opts->n == 0)
        return ctx_error(ctx, TW_E_ARG, "number of records must be > 0");
    if (opts->from_day < 7305 || opts->from_day > opts->to_day)
        return ctx_error(ctx, TW_E_ARG,
                         "date range must start on or after 1990-01-01 and not end before "
                         "it starts");
    if (opts->n_clusters && !opts->clusters)
        return ctx_error(ctx, TW_E_ARG, "n_clusters > 0 but clusters is NULL");

    tw_status s = TW_OK;
    double *cum = NULL;
    unsigned char *psgc_ok = NULL;
    near_item *near = NULL;
    FILE *f = NULL;
    cum = ctx_mallocarray(ctx, na, sizeof *cum);
    psgc_ok = ctx_calloc(ctx, na, 1);
    near = ctx_mallocarray(ctx, na, sizeof *near);
    if (!cum || !psgc_ok || !near) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    /* Relative risk per area, kept in cum until the prefix sums. */
    for (size_t i = 0; i < na; i++) {
        double p = tw_areas_population(a, i);
        if (isnan(p) || p < 0 || !isfinite(p)) {
            s = ctx_error(ctx, TW_E_ARG, "area %s has no usable population",
                          tw_areas_id(a, i));
            goto fail;
        }
        cum[i] = 1;
    }
    for (size_t k = 0; k < opts->n_clusters; k++) {
        const tw_sim_cluster *cl = &opts->clusters[k];
        long ci = tw_areas_find(a, cl->center_id);
        if (ci < 0) {
            s = ctx_error(ctx, TW_E_UNKNOWN_ID, "cluster centre '%.64s' is not an area",
                          cl->center_id);
            goto fail;
        }
        if (cl->n_areas < 1 || (size_t)cl->n_areas > na || !isfinite(cl->rr) || cl->rr <= 0) {
            s = ctx_error(ctx, TW_E_ARG,
                          "cluster at %.64s: n_areas must be in 1..%zu and rr > 0",
                          cl->center_id, na);
            goto fail;
        }
        double clon, clat;
        if (!tw_areas_lonlat(a, (size_t)ci, &clon, &clat)) {
            s = ctx_error(ctx, TW_E_ARG, "cluster centre %.64s has no point", cl->center_id);
            goto fail;
        }
        for (size_t i = 0; i < na; i++) {
            double lon, lat;
            near[i].i = i;
            near[i].d = tw_areas_lonlat(a, i, &lon, &lat)
                            ? tw_distance_km(TW_DIST_HAVERSINE, clon, clat, lon, lat)
                            : INFINITY;
        }
        near[ci].d = -1; /* the centre first, even if another area shares its point */
        qsort(near, na, sizeof *near, near_cmp);
        for (int j = 0; j < cl->n_areas; j++)
            cum[near[j].i] *= cl->rr;
    }
    double total = 0;
    for (size_t i = 0; i < na; i++) {
        total += tw_areas_population(a, i) * cum[i];
        cum[i] = total;
    }
    if (!(total > 0)) {
        s = ctx_error(ctx, TW_E_EMPTY, "total population of the areas is 0");
        goto fail;
    }
    /* What each area can carry as location. */
    for (size_t i = 0; i < na; i++) {
        const char *id = tw_areas_id(a, i);
        char norm[TW_PSGC_LEN + 1];
        psgc_ok[i] = tw_psgc_normalise(id, strlen(id), norm) == TW_OK && strcmp(norm, id) == 0;
        double w = tw_areas_population(a, i);
        if (w <= 0)
            continue;
        if (!opts->location_mix && !psgc_ok[i]) {
            s = ctx_error(ctx, TW_E_ARG,
                          "area %.64s has no 10-digit psgc id: codes-only simulation "
                          "(location_mix 0) needs psgc ids",
                          id);
            goto fail;
        }
        if (opts->location_mix && !psgc_ok[i] && !a->geom[i]) {
            s = ctx_error(ctx, TW_E_ARG,
                          "area %.64s has neither a psgc id nor a polygon to place records",
                          id);
            goto fail;
        }
    }

    f = fopen(path, "wb");
    if (!f) {
        s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open for writing: %s",
                         strerror(errno));
        goto fail;
    }
    fputs("case_id,report_date,source,lon,lat,psgc,children,category\n", f);
    rng r;
    rng_init(&r, opts->seed, 0);
    uint32_t span = (uint32_t)(opts->to_day - opts->from_day) + 1;
    char line[256];
    for (size_t k = 0; k < opts->n; k++) {
        if ((k & 0xFFFF) == 0xFFFF &&
            (s = ctx_progress(ctx, "simulate", (double)k, (double)opts->n)))
            goto fail;
        double u = rng_uniform(&r) * total;
        size_t lo = 0, hi = na - 1; /* first i with cum[i] > u */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cum[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        size_t ai = lo;
        int src = pick(&r, sim_source_cum, 6);
        int32_t day;
        for (;;) {
            day = opts->from_day + (int32_t)rng_below(&r, span);
            int wd = (int)(((int64_t)day + 3) % 7); /* 0 = Monday; 1970-01-01 was a Thursday */
            if (src == 0 || wd < 5 || rng_uniform(&r) < 0.6)
                break;
        }
        int cat = pick(&r, src == 0 ? cat_cum_cybertip : cat_cum_other, CASES_N_CATEGORIES);
        int children = pick(&r, children_cum, 3) + 1;
        int use_point = 0;
        int64_t lon_u = 0, lat_u = 0;
        if (opts->location_mix && a->geom[ai]) {
            int want = !psgc_ok[ai] || rng_uniform(&r) < (src == 0 ? 0.25 : 0.75);
            if (want) {
                use_point = sample_point(&r, a->geom[ai], &lon_u, &lat_u);
                if (!use_point && !psgc_ok[ai]) {
                    s = ctx_error(ctx, TW_E_GEOMETRY,
                                  "no point found inside the polygon of %.64s after %d tries",
                                  tw_areas_id(a, ai), MAX_TRIES);
                    goto fail;
                }
            }
        }
        size_t n = 0;
        memcpy(line + n, "SIM-", 4);
        n += 4;
        n += fmt_uint(line + n, (uint64_t)k + 1, 8);
        line[n++] = ',';
        tw_date_format(day, line + n);
        n += 10;
        line[n++] = ',';
        size_t sl = strlen(sim_sources[src]);
        memcpy(line + n, sim_sources[src], sl);
        n += sl;
        line[n++] = ',';
        if (use_point) {
            n += fmt_micro(line + n, lon_u);
            line[n++] = ',';
            n += fmt_micro(line + n, lat_u);
            line[n++] = ','; /* psgc left empty */
        } else {
            line[n++] = ',';
            line[n++] = ',';
            memcpy(line + n, tw_areas_id(a, ai), TW_PSGC_LEN);
            n += TW_PSGC_LEN;
        }
        line[n++] = ',';
        line[n++] = (char)('0' + children);
        line[n++] = ',';
        sl = strlen(cases_category_names[cat]);
        memcpy(line + n, cases_category_names[cat], sl);
        n += sl;
        line[n++] = '\n';
        if (fwrite(line, 1, n, f) != n)
            break; /* reported below through ferror */
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    f = NULL;
    if (bad) {
        s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "error while writing");
        goto fail;
    }
    ctx_free(ctx, cum);
    ctx_free(ctx, psgc_ok);
    ctx_free(ctx, near);
    return TW_OK;

fail:
    if (f)
        fclose(f);
    ctx_free(ctx, cum);
    ctx_free(ctx, psgc_ok);
    ctx_free(ctx, near);
    return s;
}
