/*
 * areas_geojson.c: read a GeoJSON FeatureCollection (RFC 7946) of Polygon
 * and MultiPolygon features into tw_areas. The adapter for jansson: the
 * document is parsed whole with json_loadf (jansson's own line/column are
 * reported on a syntax error), then each feature is checked and copied into
 * the flat ring layout of areas_internal.h through the stage of
 * areas_read.h, so a file with an error changes nothing.
 *
 * Checked: root is a FeatureCollection with a features array; every feature
 * has the id property (string or integer; 9-digit PSGC codes get their
 * leading zero back); geometry is null (kept, counted in a warning), an
 * empty Polygon/MultiPolygon (same as null), a Polygon or a MultiPolygon;
 * every ring has >= 4 positions and is closed (first == last exactly);
 * every position has 2 (or more: altitude ignored) numbers with lon in
 * [-180, 180] and lat in [-90, 90] (TW_E_DOMAIN). Ring orientation is not
 * checked (RFC 7946 says parsers should not reject either).
 *
 * Time O(file size); memory: jansson's tree (about 10 times the file)
 * while reading, then 16 bytes per position. jansson allocates with its
 * global allocator, not the context's (json_set_alloc_funcs is process-wide);
 * only what outlives this call goes through the context.
 */
#include "geo/areas_read.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct gj {
    tw_ctx *ctx;
    const char *path;
    size_t fno;     /* 1-based feature number */
    const char *id; /* feature id (messages) */
} gj;

static tw_status gj_error(const gj *g, tw_status code, const char *field, const char *fmt,
                          const char *detail)
{
    char msg[320];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    if (g->id)
        return ctx_error_at(g->ctx, code, g->path, 0, 0, field, "feature %zu (id %s): %s",
                            g->fno, g->id, msg);
    return ctx_error_at(g->ctx, code, g->path, 0, 0, field, "feature %zu: %s", g->fno, msg);
}

/*
 * One ring: check, count its points (*npts) and, when g->xy is given,
 * copy them at *at. part/ringno are 1-based for messages.
 */
static tw_status ring_read(const gj *g, json_t *ring, size_t part, size_t ringno,
                           size_t *npts, double *xy, double *bbox)
{
    char where[96];
    snprintf(where, sizeof where, "ring %zu of polygon %zu", ringno, part);
    if (!json_is_array(ring))
        return gj_error(g, TW_E_GEOMETRY, "geometry", "%s is not an array of positions", where);
    size_t m = json_array_size(ring);
    if (m < 4)
        return gj_error(g, TW_E_GEOMETRY, "geometry", "%s has fewer than 4 positions", where);
    for (size_t k = 0; k < m; k++) {
        json_t *p = json_array_get(ring, k);
        json_t *jx = json_array_get(p, 0), *jy = json_array_get(p, 1);
        if (!json_is_array(p) || !json_is_number(jx) || !json_is_number(jy))
            return gj_error(g, TW_E_GEOMETRY, "geometry",
                            "%s has a position that is not [lon, lat] numbers", where);
        double x = json_number_value(jx), y = json_number_value(jy);
        if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
            char d[256];
            snprintf(d, sizeof d, "%s: coordinate [%.17g, %.17g] outside lon [-180, 180], "
                                  "lat [-90, 90]", where, x, y);
            return gj_error(g, TW_E_DOMAIN, "geometry", "%s", d);
        }
        if (xy) {
            xy[2 * k] = x;
            xy[2 * k + 1] = y;
            if (x < bbox[0]) bbox[0] = x;
            if (y < bbox[1]) bbox[1] = y;
            if (x > bbox[2]) bbox[2] = x;
            if (y > bbox[3]) bbox[3] = y;
        }
    }
    json_t *p0 = json_array_get(ring, 0), *p1 = json_array_get(ring, m - 1);
    if (json_number_value(json_array_get(p0, 0)) != json_number_value(json_array_get(p1, 0)) ||
        json_number_value(json_array_get(p0, 1)) != json_number_value(json_array_get(p1, 1)))
        return gj_error(g, TW_E_GEOMETRY, "geometry", "%s is not closed (first position "
                                                      "differs from last)", where);
    *npts = m;
    return TW_OK;
}

/*
 * Walk the polygons (Polygon: one; MultiPolygon: an array of them): with
 * geom == NULL count rings and points, else fill geom.
 */
static tw_status polys_read(const gj *g, json_t *coords, int multi, size_t *nrings,
                            size_t *npoints, area_geom *geom)
{
    size_t nparts = multi ? json_array_size(coords) : 1;
    size_t ro = 0, po = 0;
    int32_t part_out = 0;
    for (size_t q = 0; q < nparts; q++) {
        json_t *poly = multi ? json_array_get(coords, q) : coords;
        if (!json_is_array(poly))
            return gj_error(g, TW_E_GEOMETRY, "geometry", "%s",
                            multi ? "a polygon of the MultiPolygon is not an array of rings"
                                  : "Polygon coordinates are not an array of rings");
        size_t nr = json_array_size(poly);
        for (size_t r = 0; r < nr; r++) {
            size_t m;
            tw_status s = ring_read(g, json_array_get(poly, r), q + 1, r + 1, &m,
                                    geom ? geom->xy + 2 * po : NULL, geom ? geom->bbox : NULL);
            if (s != TW_OK)
                return s;
            if (geom) {
                geom->ring_start[ro] = po;
                geom->ring_part[ro] = part_out;
                geom->ring_hole[ro] = r > 0;
            }
            ro++;
            po += m;
        }
        if (nr)
            part_out++; /* empty polygons (allowed by RFC 7946) are skipped */
    }
    if (geom)
        geom->ring_start[ro] = po;
    *nrings = ro;
    *npoints = po;
    return TW_OK;
}

/* Text of a string or integer property into buf; 0 when neither. */
static int prop_text(json_t *v, char *buf, size_t cap)
{
    if (json_is_string(v)) {
        snprintf(buf, cap, "%s", json_string_value(v));
        return json_string_length(v) < cap;
    }
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return 1;
    }
    return 0;
}

tw_status tw_areas_read_geojson(tw_ctx *ctx, tw_areas *a, const char *path,
                                const char *id_prop, const char *name_prop,
                                const char *pop_prop)
{
    static const struct {
        const char *prop;
        tw_level level;
    } anc_props[] = {
        {"region_psgc", TW_LEVEL_REGION},
        {"province_psgc", TW_LEVEL_PROVINCE},
        {"municipality_psgc", TW_LEVEL_MUNICIPALITY},
    };
    json_t *root = NULL;
    FILE *f = NULL;
    area_stage st = {0};
    tw_status s = TW_OK;
    gj g = {ctx, path, 0, NULL};
    size_t nulls = 0;

    if (!ctx || !a || !path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_areas_read_geojson: NULL argument")
                   : TW_E_ARG;
    if (a->finalized)
        return ctx_error_at(ctx, TW_E_ARG, path, 0, 0, NULL,
                            "areas are finalized: read every file before tw_areas_finalize");
    if (!id_prop)
        id_prop = "psgc";
    if (!name_prop)
        name_prop = "name";
    st.ctx = ctx;
    st.path = path;
    st.id_field = id_prop;

    f = fopen(path, "rb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    int c = fgetc(f);
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        c = fgetc(f);
    if (c == EOF) {
        s = ctx_error_at(ctx, TW_E_EMPTY, path, 0, 0, NULL, "empty file");
        goto fail;
    }
    rewind(f);
    json_error_t jerr;
    root = json_loadf(f, 0, &jerr);
    if (!root) {
        if (ferror(f))
            s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "read error: %s", strerror(errno));
        else
            s = ctx_error_at(ctx, TW_E_PARSE, path, jerr.line > 0 ? jerr.line : 0,
                             jerr.column > 0 ? jerr.column : 0, NULL, "invalid JSON: %s",
                             jerr.text);
        goto fail;
    }
    json_t *type = json_object_get(root, "type");
    json_t *features = json_object_get(root, "features");
    if (!json_is_object(root) || !json_is_string(type) ||
        strcmp(json_string_value(type), "FeatureCollection") != 0 || !json_is_array(features)) {
        s = ctx_error_at(ctx, TW_E_PARSE, path, 0, 0, "type",
                         "not a GeoJSON FeatureCollection (no \"type\": \"FeatureCollection\" "
                         "with a \"features\" array)");
        goto fail;
    }
    size_t nf = json_array_size(features);
    if (nf == 0) {
        s = ctx_error_at(ctx, TW_E_EMPTY, path, 0, 0, "features", "no features");
        goto fail;
    }
    for (size_t i = 0; i < nf; i++) {
        json_t *ft = json_array_get(features, i);
        g.fno = i + 1;
        g.id = NULL;
        if (!json_is_object(ft)) {
            s = gj_error(&g, TW_E_PARSE, NULL, "%s", "not a Feature object");
            goto fail;
        }
        json_t *props = json_object_get(ft, "properties");
        if (props && !json_is_object(props) && !json_is_null(props)) {
            s = gj_error(&g, TW_E_PARSE, "properties", "%s", "properties is not an object");
            goto fail;
        }
        char raw[AREAS_MAX_ID + 2], idbuf[AREAS_MAX_ID + 1];
        json_t *idv = json_object_get(props, id_prop);
        if (!idv || json_is_null(idv)) {
            s = gj_error(&g, TW_E_PARSE, id_prop, "no '%s' property", id_prop);
            goto fail;
        }
        if (!prop_text(idv, raw, sizeof raw) || !areas_normalise_id(raw, strlen(raw), idbuf)) {
            s = gj_error(&g, TW_E_PARSE, id_prop,
                         "'%s' is not a non-empty string or an integer (at most 255 bytes)",
                         id_prop);
            goto fail;
        }
        area_rec *r;
        if ((s = stage_push(&st, &r)) != TW_OK)
            goto fail;
        r->pos = (long)g.fno;
        if (!(r->id = ctx_strdup(ctx, idbuf)))
            goto nomem;
        g.id = r->id;
        json_t *nv = json_object_get(props, name_prop);
        if (json_is_string(nv) && !(r->name = ctx_strdup(ctx, json_string_value(nv))))
            goto nomem;
        if (pop_prop) {
            json_t *pv = json_object_get(props, pop_prop);
            if (json_is_number(pv)) {
                r->pop = json_number_value(pv);
            } else if (json_is_string(pv)) {
                const char *t = json_string_value(pv);
                if (!num_parse_double(t, strlen(t), &r->pop)) {
                    s = gj_error(&g, TW_E_PARSE, pop_prop, "expected a number, got \"%.40s\"", t);
                    goto fail;
                }
            } else if (pv && !json_is_null(pv)) {
                s = gj_error(&g, TW_E_PARSE, pop_prop, "%s", "population is not a number");
                goto fail;
            }
            if (r->pop < 0) {
                s = gj_error(&g, TW_E_DOMAIN, pop_prop, "%s", "negative population");
                goto fail;
            }
        }
        for (size_t k = 0; k < sizeof anc_props / sizeof anc_props[0]; k++) {
            json_t *av = json_object_get(props, anc_props[k].prop);
            char t[64];
            if (!av || json_is_null(av))
                continue;
            if (!prop_text(av, t, sizeof t) ||
                tw_psgc_normalise(t, strlen(t), r->anc[anc_props[k].level]) != TW_OK) {
                s = gj_error(&g, TW_E_PARSE, anc_props[k].prop, "'%s' is not a PSGC code",
                             anc_props[k].prop);
                goto fail;
            }
        }

        json_t *gm = json_object_get(ft, "geometry");
        if (!gm || json_is_null(gm)) {
            nulls++;
            continue;
        }
        json_t *gt = json_object_get(gm, "type");
        const char *gts = json_is_string(gt) ? json_string_value(gt) : "";
        int multi;
        if (strcmp(gts, "Polygon") == 0)
            multi = 0;
        else if (strcmp(gts, "MultiPolygon") == 0)
            multi = 1;
        else {
            s = gj_error(&g, TW_E_GEOMETRY, "geometry",
                         "geometry type \"%.40s\" is not Polygon or MultiPolygon", gts);
            goto fail;
        }
        json_t *coords = json_object_get(gm, "coordinates");
        if (!json_is_array(coords)) {
            s = gj_error(&g, TW_E_GEOMETRY, "geometry", "%s", "coordinates are not an array");
            goto fail;
        }
        size_t nrings, npoints;
        if ((s = polys_read(&g, coords, multi, &nrings, &npoints, NULL)) != TW_OK)
            goto fail;
        if (nrings == 0) {
            nulls++; /* empty geometry: no polygon, as null */
            continue;
        }
        if (!(r->geom = area_geom_alloc(ctx, nrings, npoints)))
            goto nomem;
        if ((s = polys_read(&g, coords, multi, &nrings, &npoints, r->geom)) != TW_OK)
            goto fail;
    }
    json_decref(root);
    root = NULL;
    if ((s = areas_merge(a, &st)) != TW_OK)
        goto fail;
    if (nulls)
        ctx_warn(ctx, "%s: %zu features have no geometry (kept as areas without polygon)",
                 path, nulls);
    goto fail;
nomem:
    s = ctx_nomem(ctx);
fail:
    stage_free(&st);
    json_decref(root);
    if (f)
        fclose(f);
    return s;
}
