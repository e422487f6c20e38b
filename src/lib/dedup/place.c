/*
 * place.c: where each record is, for the place rule of dedup (docs/dedup.md,
 * "Place"). Given the analysis areas (optional), every record gets
 *   - area: the analysis area that holds it, when it is known at that level
 *     (a code at the areas' level or finer, through its PSGC digit
 *     ancestor; an exact point, radius <= DD_EXACT_M, located in the
 *     polygons);
 *   - a circle (centre, radius): an exact or uncertain point with its
 *     radius; a code's area or coarser unit as the circle around its
 *     bounding box (for a coarser unit, the box of the areas inside it).
 * Without areas a record keeps its code and, for a point, its circle.
 *
 * Complexity: O(m log m) for m areas (sorting the coarser units) plus one
 * locator query per exact point and one binary search per coarse code.
 */
#include "dedup/dedup.h"
#include "geo/areas_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit_box {
    char code[TW_PSGC_LEN + 1];
    double box[4];
} unit_box;

static int unit_cmp(const void *pa, const void *pb)
{
    return strcmp(((const unit_box *)pa)->code, ((const unit_box *)pb)->code);
}

/* Centre and radius (km: half the box diagonal) of a lon/lat box. */
static void box_circle(const double b[4], double *lon, double *lat, double *r_km)
{
    *lon = (b[0] + b[2]) / 2;
    *lat = (b[1] + b[3]) / 2;
    *r_km = tw_distance_km(TW_DIST_HAVERSINE, b[0], b[1], b[2], b[3]) / 2;
}

tw_status dd_place_records(tw_ctx *ctx, const tw_areas *a, const tw_locator *loc, dd_rec *rec,
                           size_t n, const double *radius_m)
{
    size_t na = a ? tw_areas_count(a) : 0;
    tw_level al = a ? tw_areas_level(a) : TW_LEVEL_UNKNOWN;
    unit_box *units = NULL;
    size_t nu = 0;
    if (a && al > TW_LEVEL_REGION) {
        /* boxes of the coarser units: one entry per (level, ancestor) */
        units = ctx_mallocarray(ctx, na * (size_t)al + 1, sizeof *units);
        if (!units)
            return ctx_nomem(ctx);
        for (size_t i = 0; i < na; i++) {
            if (!a->geom[i] || tw_psgc_level(tw_areas_id(a, i)) == TW_LEVEL_UNKNOWN)
                continue;
            for (int l = TW_LEVEL_REGION; l < (int)al; l++) {
                unit_box *u = &units[nu];
                if (tw_psgc_ancestor(tw_areas_id(a, i), (tw_level)l, u->code) != TW_OK ||
                    strcmp(u->code, tw_areas_id(a, i)) == 0)
                    continue;
                memcpy(u->box, a->geom[i]->bbox, sizeof u->box);
                nu++;
            }
        }
        qsort(units, nu, sizeof *units, unit_cmp);
        size_t w = 0; /* merge the boxes of one unit */
        for (size_t k = 0; k < nu; k++) {
            if (w && strcmp(units[w - 1].code, units[k].code) == 0) {
                double *b = units[w - 1].box;
                b[0] = fmin(b[0], units[k].box[0]);
                b[1] = fmin(b[1], units[k].box[1]);
                b[2] = fmax(b[2], units[k].box[2]);
                b[3] = fmax(b[3], units[k].box[3]);
            } else {
                units[w++] = units[k];
            }
        }
        nu = w;
    }
    for (size_t r = 0; r < n; r++) {
        dd_rec *x = &rec[r];
        double rad_m = radius_m && isfinite(radius_m[r]) ? radius_m[r] : 0;
        int has_point = isfinite(x->lon) && isfinite(x->lat);
        x->area = -1;
        x->radius_km = has_point ? rad_m / 1000 : 0;
        if (!a) {
            if (!has_point)
                x->lon = x->lat = NAN;
            continue;
        }
        if (x->code[0]) {
            tw_level l = tw_psgc_level(x->code);
            char up[TW_PSGC_LEN + 1];
            long ai = -1;
            if (l >= al && tw_psgc_ancestor(x->code, al, up) == TW_OK)
                ai = tw_areas_find(a, up);
            if (ai < 0)
                ai = tw_areas_find(a, x->code);
            if (ai >= 0) {
                x->area = (int32_t)ai;
                if (a->geom[ai])
                    box_circle(a->geom[ai]->bbox, &x->lon, &x->lat, &x->radius_km);
                else if (!tw_areas_lonlat(a, (size_t)ai, &x->lon, &x->lat))
                    x->lon = x->lat = NAN;
                continue;
            }
            unit_box key, *u;
            memcpy(key.code, x->code, sizeof key.code);
            if (nu && (u = bsearch(&key, units, nu, sizeof *units, unit_cmp))) {
                box_circle(u->box, &x->lon, &x->lat, &x->radius_km);
                continue;
            }
            if (!has_point) {
                x->lon = x->lat = NAN;
                continue;
            }
        }
        if (has_point && rad_m <= DD_EXACT_M && loc) {
            long ai = tw_locator_find(loc, x->lon, x->lat);
            if (ai >= 0)
                x->area = (int32_t)ai;
        }
    }
    ctx_free(ctx, units);
    return TW_OK;
}
