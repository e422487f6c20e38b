/*
 * areas_read.h: staging shared by the two readers of areas (CSV in
 * areas.c, GeoJSON in areas_geojson.c). A reader parses a whole file into
 * records first and only then merges them into the tw_areas, so that a
 * file with an error leaves the areas exactly as they were.
 */
#ifndef TW_AREAS_READ_H
#define TW_AREAS_READ_H

#include "geo/areas_internal.h"

#define AREAS_MAX_ID 255 /* bytes of an id, bounded like any outside input */

typedef struct area_rec {
    char *id;                      /* owned, normalised */
    char *name;                    /* owned, or NULL when not given */
    double pop;                    /* NaN when not given */
    double lon, lat;               /* NaN when not given */
    area_geom *geom;               /* owned, or NULL */
    char anc[6][TW_PSGC_LEN + 1];  /* by tw_level; "" when not given */
    char *anc_name[6];             /* owned, or NULL */
    long pos;                      /* CSV line or 1-based feature number */
} area_rec;

typedef struct area_stage {
    tw_ctx *ctx;
    area_rec *rec;
    size_t n, cap;
    const char *path;
    const char *id_field;  /* column or property of the id (messages) */
    long id_column;        /* 1-based CSV column of the id, 0 for GeoJSON */
    int from_csv;          /* points from a CSV are "given" points */
} area_stage;

/* New record at the end of the stage (fields empty, numbers NaN). */
tw_status stage_push(area_stage *st, area_rec **out);
void stage_free(area_stage *st);
/*
 * Merge the stage into a (join by id: given fields override). Refuses an
 * id that appears twice in the stage (TW_E_DUPLICATE with its position).
 * The stage's owned pointers move into a; the stage is emptied.
 */
tw_status areas_merge(tw_areas *a, area_stage *st);
/*
 * Normalise an id: blanks trimmed; 9 digits get their leading zero back.
 * Returns 0 when empty or longer than AREAS_MAX_ID.
 */
int areas_normalise_id(const char *s, size_t len, char out[AREAS_MAX_ID + 1]);

/* Geometry with room for n_rings rings and n_points points (each array
 * allocated on its own, as area_geom_free expects); bbox set empty. */
area_geom *area_geom_alloc(tw_ctx *ctx, size_t n_rings, size_t n_points);

#endif
