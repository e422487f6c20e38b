/*
 * areas_internal.h: the layout of tw_areas, shared by the modules that need
 * the polygons directly (weights, locator, render, outputs). Everything
 * else goes through the accessors in tanaw.h.
 *
 * Geometry of one area: a multipolygon stored flat. Coordinates are
 * lon,lat pairs in xy; ring r spans points ring_start[r] ..
 * ring_start[r+1]-1 and is closed (first point == last point, as in
 * GeoJSON). ring_part[r] numbers the polygon the ring belongs to; the first
 * ring of each part is its exterior, the others are holes.
 */
#ifndef TW_AREAS_INTERNAL_H
#define TW_AREAS_INTERNAL_H

#include "core/core.h"

typedef struct area_geom {
    size_t n_rings;
    size_t n_points;
    size_t *ring_start;   /* n_rings + 1 */
    int32_t *ring_part;   /* n_rings */
    unsigned char *ring_hole; /* n_rings: 1 for holes */
    double *xy;           /* 2 * n_points */
    double bbox[4];       /* minlon, minlat, maxlon, maxlat */
} area_geom;

struct tw_areas {
    tw_ctx *ctx;          /* must outlive the areas */
    size_t n, cap;
    char **id;            /* n, owned */
    char **name;          /* n, owned ("" when unknown) */
    double *pop;          /* n, NaN when unknown */
    double *lon, *lat;    /* n, representative point; NaN when none */
    unsigned char *point_from_csv; /* 1 when lon/lat came from a CSV */
    area_geom **geom;     /* n, NULL when no polygon */
    char (*ancestor)[6][TW_PSGC_LEN + 1]; /* n, by tw_level; "" when unknown */
    tw_level level;
    int finalized;
    void *index;          /* id -> index hash (geo/areas.c) */
    char *(*ancestor_name)[6]; /* n, by tw_level; NULL when unknown (owned) */
};

void area_geom_free(tw_ctx *ctx, area_geom *g);

#endif
