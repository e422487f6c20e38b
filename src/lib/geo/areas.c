/*
 * areas.c: the geography (tw_areas): a table of areas joined by id from
 * any number of GeoJSON and CSV files, an id -> index hash, the areas CSV
 * reader, finalize (drop empty areas, centroids) and dissolve to a coarser
 * PSGC level. GeoJSON reading is in areas_geojson.c.
 *
 * Layout: struct-of-arrays (areas_internal.h) so that the statistics walk
 * populations and points without touching polygons. The hash is open
 * addressing with linear probing over FNV-1a, load <= 1/2: O(1) expected
 * lookups, O(n) rebuild after finalize drops areas.
 *
 * Centroids are the planar area-weighted centroid in lon/lat degrees, holes
 * subtracted, computed as GEOS does (triangles fanned from the first point
 * of the geometry), so they equal sf::st_centroid with sf_use_s2(FALSE)
 * (golden test: tests/golden/geo). Zero-area geometries fall back to the
 * length-weighted centroid of their rings, then to their first point.
 *
 * Readers parse a whole file into a stage (areas_read.h) before merging,
 * so a file with an error changes nothing.
 */
#include "geo/areas_read.h"
#include "io/csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- id hash ---- */

typedef struct areas_index {
    size_t cap;  /* power of two, >= 2 * n */
    long *slot;  /* area index or -1 */
} areas_index;

static uint64_t hash_str(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static void index_free(tw_ctx *ctx, areas_index *ix)
{
    if (!ix)
        return;
    ctx_free(ctx, ix->slot);
    ctx_free(ctx, ix);
}

static long index_lookup(const areas_index *ix, char *const *ids, const char *id)
{
    if (!ix || !ix->cap)
        return -1;
    size_t mask = ix->cap - 1;
    for (size_t h = (size_t)hash_str(id) & mask;; h = (h + 1) & mask) {
        long k = ix->slot[h];
        if (k < 0)
            return -1;
        if (strcmp(ids[k], id) == 0)
            return k;
    }
}

static void index_insert(areas_index *ix, char *const *ids, long k)
{
    size_t mask = ix->cap - 1;
    size_t h = (size_t)hash_str(ids[k]) & mask;
    while (ix->slot[h] >= 0)
        h = (h + 1) & mask;
    ix->slot[h] = k;
}

/* Index of ids[0..n) with room for `room` entries; NULL on no memory. */
static areas_index *index_build(tw_ctx *ctx, char *const *ids, size_t n, size_t room)
{
    areas_index *ix = ctx_calloc(ctx, 1, sizeof *ix);
    if (!ix)
        return NULL;
    size_t cap = 16;
    while (cap < 2 * (room > n ? room : n))
        cap *= 2;
    ix->slot = ctx_mallocarray(ctx, cap, sizeof *ix->slot);
    if (!ix->slot) {
        ctx_free(ctx, ix);
        return NULL;
    }
    ix->cap = cap;
    for (size_t i = 0; i < cap; i++)
        ix->slot[i] = -1;
    for (size_t i = 0; i < n; i++)
        index_insert(ix, ids, (long)i);
    return ix;
}

/* ---- geometry ---- */

void area_geom_free(tw_ctx *ctx, area_geom *g)
{
    if (!g)
        return;
    ctx_free(ctx, g->ring_start);
    ctx_free(ctx, g->ring_part);
    ctx_free(ctx, g->ring_hole);
    ctx_free(ctx, g->xy);
    ctx_free(ctx, g);
}

area_geom *area_geom_alloc(tw_ctx *ctx, size_t n_rings, size_t n_points)
{
    area_geom *g = ctx_calloc(ctx, 1, sizeof *g);
    if (!g)
        return NULL;
    g->ring_start = ctx_mallocarray(ctx, n_rings + 1, sizeof *g->ring_start);
    g->ring_part = ctx_mallocarray(ctx, n_rings, sizeof *g->ring_part);
    g->ring_hole = ctx_mallocarray(ctx, n_rings, sizeof *g->ring_hole);
    g->xy = n_points <= SIZE_MAX / 2 ? ctx_mallocarray(ctx, 2 * n_points, sizeof *g->xy) : NULL;
    if (!g->ring_start || !g->ring_part || !g->ring_hole || !g->xy) {
        area_geom_free(ctx, g);
        return NULL;
    }
    g->n_rings = n_rings;
    g->n_points = n_points;
    g->ring_start[0] = 0;
    g->bbox[0] = g->bbox[1] = INFINITY;
    g->bbox[2] = g->bbox[3] = -INFINITY;
    return g;
}

/*
 * Planar centroid (GEOS Centroid: triangles fanned from a base point,
 * signed by ring orientation, holes counted with the opposite sign of
 * their exterior; then line centroid, then first point).
 */
static void geom_centroid(const area_geom *g, double *cx, double *cy)
{
    double bx = g->xy[0], by = g->xy[1];
    double sa = 0, sx = 0, sy = 0;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t m = g->ring_start[r + 1] - g->ring_start[r];
        double ra = 0, rx = 0, ry = 0;
        for (size_t k = 0; k + 1 < m; k++) {
            double x1 = p[2 * k] - bx, y1 = p[2 * k + 1] - by;
            double x2 = p[2 * k + 2] - bx, y2 = p[2 * k + 3] - by;
            double c = x1 * y2 - x2 * y1;
            ra += c;
            rx += c * (x1 + x2);
            ry += c * (y1 + y2);
        }
        /* Exteriors count positive and holes negative, whatever the
         * orientation the file used. */
        double sign = (ra < 0) ? -1.0 : 1.0;
        if (g->ring_hole[r])
            sign = -sign;
        sa += sign * ra;
        sx += sign * rx;
        sy += sign * ry;
    }
    if (sa != 0) {
        *cx = bx + sx / (3 * sa);
        *cy = by + sy / (3 * sa);
        return;
    }
    double len = 0, lx = 0, ly = 0;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t m = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t k = 0; k + 1 < m; k++) {
            double d = hypot(p[2 * k + 2] - p[2 * k], p[2 * k + 3] - p[2 * k + 1]);
            len += d;
            lx += d * (p[2 * k] + p[2 * k + 2]) / 2;
            ly += d * (p[2 * k + 1] + p[2 * k + 3]) / 2;
        }
    }
    if (len > 0) {
        *cx = lx / len;
        *cy = ly / len;
    } else {
        *cx = bx;
        *cy = by;
    }
}

/* ---- the table ---- */

static void level_update(tw_areas *a)
{
    tw_level finest = TW_LEVEL_UNKNOWN;
    for (size_t i = 0; i < a->n; i++) {
        tw_level l = tw_psgc_level(a->id[i]);
        if (l == TW_LEVEL_UNKNOWN) {
            a->level = TW_LEVEL_UNKNOWN;
            return;
        }
        /* HUCs look like provinces; next to municipalities they are
         * municipalities, so the finest level names the collection. */
        if (l > finest)
            finest = l;
    }
    a->level = finest;
}

tw_status tw_areas_new(tw_ctx *ctx, tw_areas **out)
{
    if (!ctx || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_areas_new: out is NULL") : TW_E_ARG;
    tw_areas *a = ctx_calloc(ctx, 1, sizeof *a);
    if (!a)
        return ctx_nomem(ctx);
    a->ctx = ctx;
    a->level = TW_LEVEL_UNKNOWN;
    *out = a;
    return TW_OK;
}

static void free_area_fields(tw_areas *a, size_t i)
{
    ctx_free(a->ctx, a->id[i]);
    ctx_free(a->ctx, a->name[i]);
    area_geom_free(a->ctx, a->geom[i]);
    for (int l = 0; l < 6; l++)
        ctx_free(a->ctx, a->ancestor_name[i][l]);
}

void tw_areas_free(tw_areas *a)
{
    if (!a)
        return;
    tw_ctx *ctx = a->ctx;
    for (size_t i = 0; i < a->n; i++)
        free_area_fields(a, i);
    ctx_free(ctx, a->id);
    ctx_free(ctx, a->name);
    ctx_free(ctx, a->pop);
    ctx_free(ctx, a->lon);
    ctx_free(ctx, a->lat);
    ctx_free(ctx, a->point_from_csv);
    ctx_free(ctx, a->geom);
    ctx_free(ctx, a->ancestor);
    ctx_free(ctx, a->ancestor_name);
    index_free(ctx, a->index);
    ctx_free(ctx, a);
}

#define GROW(ptr, cap)                                                        \
    do {                                                                      \
        if ((cap) > SIZE_MAX / sizeof *(ptr))                                 \
            return ctx_nomem(ctx);                                            \
        void *np_ = ctx_realloc(ctx, (ptr), (cap) * sizeof *(ptr));           \
        if (!np_)                                                             \
            return ctx_nomem(ctx);                                            \
        (ptr) = np_;                                                          \
    } while (0)

/* Room for `need` areas in every array. */
static tw_status areas_reserve(tw_areas *a, size_t need)
{
    tw_ctx *ctx = a->ctx;
    if (need <= a->cap)
        return TW_OK;
    size_t cap = a->cap ? a->cap : 64;
    while (cap < need)
        cap *= 2;
    GROW(a->id, cap);
    GROW(a->name, cap);
    GROW(a->pop, cap);
    GROW(a->lon, cap);
    GROW(a->lat, cap);
    GROW(a->point_from_csv, cap);
    GROW(a->geom, cap);
    GROW(a->ancestor, cap);
    GROW(a->ancestor_name, cap);
    a->cap = cap;
    return TW_OK;
}

/* Ancestors from the digits: coarser levels by tw_psgc_ancestor, the
 * code's own level is the code itself (an HUC is its own province-level
 * unit), finer levels unknown. */
static void ancestors_from_digits(char anc[6][TW_PSGC_LEN + 1], const char *id)
{
    memset(anc, 0, sizeof(char[6][TW_PSGC_LEN + 1]));
    tw_level own = tw_psgc_level(id);
    if (own == TW_LEVEL_UNKNOWN)
        return;
    memcpy(anc[own], id, TW_PSGC_LEN + 1);
    for (int l = TW_LEVEL_REGION; l < (int)own; l++)
        if (tw_psgc_ancestor(id, (tw_level)l, anc[l]) != TW_OK)
            anc[l][0] = '\0';
}

int areas_normalise_id(const char *s, size_t len, char out[AREAS_MAX_ID + 1])
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                   s[len - 1] == '\n'))
        len--;
    if (len == 0 || len > AREAS_MAX_ID)
        return 0;
    if (tw_psgc_normalise(s, len, out) == TW_OK)
        return 1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 1;
}

/* ---- staging ---- */

tw_status stage_push(area_stage *st, area_rec **out)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 256;
        area_rec *r = ctx_realloc(st->ctx, st->rec, cap * sizeof *r);
        if (!r)
            return ctx_nomem(st->ctx);
        st->rec = r;
        st->cap = cap;
    }
    area_rec *r = &st->rec[st->n++];
    memset(r, 0, sizeof *r);
    r->pop = r->lon = r->lat = NAN;
    *out = r;
    return TW_OK;
}

static void rec_clear(tw_ctx *ctx, area_rec *r)
{
    ctx_free(ctx, r->id);
    ctx_free(ctx, r->name);
    area_geom_free(ctx, r->geom);
    for (int l = 0; l < 6; l++)
        ctx_free(ctx, r->anc_name[l]);
    memset(r, 0, sizeof *r);
}

void stage_free(area_stage *st)
{
    for (size_t i = 0; i < st->n; i++)
        rec_clear(st->ctx, &st->rec[i]);
    ctx_free(st->ctx, st->rec);
    st->rec = NULL;
    st->n = st->cap = 0;
}

static void stage_dup_error(area_stage *st, const area_rec *r, const area_rec *first)
{
    if (st->from_csv)
        ctx_error_at(st->ctx, TW_E_DUPLICATE, st->path, r->pos, st->id_column, st->id_field,
                     "duplicate id %s (first on line %ld)", r->id, first->pos);
    else
        ctx_error_at(st->ctx, TW_E_DUPLICATE, st->path, 0, 0, st->id_field,
                     "feature %ld: duplicate id %s (first in feature %ld)", r->pos, r->id,
                     first->pos);
}

tw_status areas_merge(tw_areas *a, area_stage *st)
{
    tw_ctx *ctx = a->ctx;
    tw_status s = TW_OK;
    areas_index *six = NULL, *nix = NULL;
    char **sids = NULL;

    /* Duplicates inside the file first, before anything changes. */
    sids = ctx_mallocarray(ctx, st->n ? st->n : 1, sizeof *sids);
    if (!sids)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < st->n; i++)
        sids[i] = st->rec[i].id;
    six = index_build(ctx, sids, 0, st->n);
    if (!six) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t i = 0; i < st->n; i++) {
        long k = index_lookup(six, sids, sids[i]);
        if (k >= 0) {
            stage_dup_error(st, &st->rec[i], &st->rec[k]);
            s = TW_E_DUPLICATE;
            goto fail;
        }
        index_insert(six, sids, (long)i);
    }

    /* Room for every record as a new area, and an index to match: after
     * this nothing can fail. */
    size_t fresh = 0;
    for (size_t i = 0; i < st->n; i++)
        if (index_lookup(a->index, a->id, st->rec[i].id) < 0)
            fresh++;
    if ((s = areas_reserve(a, a->n + fresh)) != TW_OK)
        goto fail;
    areas_index *old = a->index;
    if (!old || old->cap < 2 * (a->n + fresh)) {
        nix = index_build(ctx, a->id, a->n, a->n + fresh);
        if (!nix) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        index_free(ctx, old);
        a->index = nix;
        nix = NULL;
    }

    for (size_t i = 0; i < st->n; i++) {
        area_rec *r = &st->rec[i];
        long k = index_lookup(a->index, a->id, r->id);
        if (k < 0) {
            k = (long)a->n++;
            a->id[k] = r->id;
            r->id = NULL;
            a->name[k] = NULL;
            a->pop[k] = NAN;
            a->lon[k] = a->lat[k] = NAN;
            a->point_from_csv[k] = 0;
            a->geom[k] = NULL;
            ancestors_from_digits(a->ancestor[k], a->id[k]);
            for (int l = 0; l < 6; l++)
                a->ancestor_name[k][l] = NULL;
            index_insert(a->index, a->id, k);
        }
        if (r->name) {
            ctx_free(ctx, a->name[k]);
            a->name[k] = r->name;
            r->name = NULL;
        }
        if (!isnan(r->pop))
            a->pop[k] = r->pop;
        if (!isnan(r->lon)) {
            a->lon[k] = r->lon;
            a->lat[k] = r->lat;
            a->point_from_csv[k] = (unsigned char)(st->from_csv != 0);
        }
        if (r->geom) {
            area_geom_free(ctx, a->geom[k]);
            a->geom[k] = r->geom;
            r->geom = NULL;
        }
        for (int l = 0; l < 6; l++) {
            if (r->anc[l][0])
                memcpy(a->ancestor[k][l], r->anc[l], TW_PSGC_LEN + 1);
            if (r->anc_name[l]) {
                ctx_free(ctx, a->ancestor_name[k][l]);
                a->ancestor_name[k][l] = r->anc_name[l];
                r->anc_name[l] = NULL;
            }
        }
    }
    /* Names stay NULL internally until here; the accessors promise "". */
    for (size_t i = 0; i < a->n; i++) {
        if (!a->name[i]) {
            a->name[i] = ctx_strdup(ctx, "");
            if (!a->name[i]) {
                s = ctx_nomem(ctx);
                goto fail;
            }
        }
    }
    level_update(a);
    stage_free(st);
fail:
    index_free(ctx, six);
    ctx_free(ctx, sids);
    return s;
}

/* ---- accessors ---- */

size_t tw_areas_count(const tw_areas *a) { return a ? a->n : 0; }

const char *tw_areas_id(const tw_areas *a, size_t i)
{
    return (a && i < a->n) ? a->id[i] : NULL;
}

const char *tw_areas_name(const tw_areas *a, size_t i)
{
    return (a && i < a->n) ? a->name[i] : NULL;
}

double tw_areas_population(const tw_areas *a, size_t i)
{
    return (a && i < a->n) ? a->pop[i] : NAN;
}

int tw_areas_lonlat(const tw_areas *a, size_t i, double *lon, double *lat)
{
    if (!a || i >= a->n || isnan(a->lon[i]))
        return 0;
    if (lon)
        *lon = a->lon[i];
    if (lat)
        *lat = a->lat[i];
    return 1;
}

int tw_areas_has_polygon(const tw_areas *a, size_t i)
{
    return (a && i < a->n && a->geom[i]) ? 1 : 0;
}

long tw_areas_find(const tw_areas *a, const char *id)
{
    char buf[AREAS_MAX_ID + 1];
    if (!a || !id || !areas_normalise_id(id, strlen(id), buf))
        return -1;
    return index_lookup(a->index, a->id, buf);
}

tw_level tw_areas_level(const tw_areas *a) { return a ? a->level : TW_LEVEL_UNKNOWN; }

int tw_areas_ancestor(const tw_areas *a, size_t i, tw_level level,
                      char out[TW_PSGC_LEN + 1])
{
    out[0] = '\0';
    if (!a || i >= a->n || level < TW_LEVEL_REGION || level > TW_LEVEL_BARANGAY)
        return 0;
    if (!a->ancestor[i][level][0])
        return 0;
    memcpy(out, a->ancestor[i][level], TW_PSGC_LEN + 1);
    return 1;
}

/* ---- CSV ---- */

static tw_status csv_bad_number(tw_ctx *ctx, csv_reader *r, long col, const char *field,
                                const char *text)
{
    return ctx_error_at(ctx, TW_E_PARSE, csv_path(r), csv_line(r), col + 1, field,
                        "expected a number for '%s', got \"%.40s\"", field, text);
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* Optional column: -1 when absent. An explicitly named column must exist. */
static tw_status column(tw_ctx *ctx, csv_reader *r, const char *given, const char *dflt,
                        long *out)
{
    *out = csv_find_column(r, given ? given : dflt);
    if (given && *out < 0)
        return ctx_error_at(ctx, TW_E_PARSE, csv_path(r), 1, 0, given,
                            "missing column '%s'", given);
    return TW_OK;
}

tw_status tw_areas_read_csv(tw_ctx *ctx, tw_areas *a, const char *path,
                            const tw_areas_csv_columns *cols)
{
    static const struct {
        const char *code, *name;
        tw_level level;
    } anc_cols[] = {
        {"region_psgc", "region_name", TW_LEVEL_REGION},
        {"province_psgc", "province_name", TW_LEVEL_PROVINCE},
        {"municipality_psgc", "municipality_name", TW_LEVEL_MUNICIPALITY},
        {"submun_psgc", "submun_name", TW_LEVEL_SUBMUNICIPALITY},
    };
    tw_areas_csv_columns none = {0};
    csv_reader *r = NULL;
    area_stage st = {0};
    tw_status s;
    bool eof;

    if (!ctx || !a || !path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_areas_read_csv: NULL argument") : TW_E_ARG;
    if (a->finalized)
        return ctx_error_at(ctx, TW_E_ARG, path, 0, 0, NULL,
                            "areas are finalized: read every file before tw_areas_finalize");
    if (!cols)
        cols = &none;
    st.ctx = ctx;
    st.path = path;
    st.from_csv = 1;

    if ((s = csv_open(ctx, path, &r)) != TW_OK)
        return s;
    if ((s = csv_next(r, &eof)) != TW_OK)
        goto fail;
    if (eof) {
        s = ctx_error_at(ctx, TW_E_EMPTY, path, 0, 0, NULL, "empty file: no header");
        goto fail;
    }
    long c_id, c_name, c_lon, c_lat, c_pop, c_anc[4], c_ancn[4];
    const char *id_name = cols->id ? cols->id : "psgc";
    c_id = csv_find_column(r, id_name);
    if (c_id < 0) {
        s = ctx_error_at(ctx, TW_E_PARSE, path, 1, 0, id_name, "missing column '%s'", id_name);
        goto fail;
    }
    if ((s = column(ctx, r, cols->name, "name", &c_name)) != TW_OK ||
        (s = column(ctx, r, cols->lon, "lon", &c_lon)) != TW_OK ||
        (s = column(ctx, r, cols->lat, "lat", &c_lat)) != TW_OK ||
        (s = column(ctx, r, cols->population, "pop2020", &c_pop)) != TW_OK)
        goto fail;
    const char *pop_name = cols->population ? cols->population : "pop2020";
    if (c_pop < 0 && !cols->population) {
        c_pop = csv_find_column(r, "population");
        pop_name = "population";
    }
    const char *lon_name = cols->lon ? cols->lon : "lon";
    const char *lat_name = cols->lat ? cols->lat : "lat";
    if ((c_lon < 0) != (c_lat < 0)) {
        const char *missing = c_lon < 0 ? lon_name : lat_name;
        s = ctx_error_at(ctx, TW_E_PARSE, path, 1, 0, missing,
                         "missing column '%s' (lon and lat go together)", missing);
        goto fail;
    }
    for (int k = 0; k < 4; k++) {
        c_anc[k] = csv_find_column(r, anc_cols[k].code);
        c_ancn[k] = csv_find_column(r, anc_cols[k].name);
    }
    st.id_field = id_name;
    st.id_column = c_id + 1;

    for (;;) {
        if ((s = csv_next(r, &eof)) != TW_OK)
            goto fail;
        if (eof)
            break;
        size_t nf = csv_nfields(r), len;
        long line = csv_line(r);
        if ((size_t)c_id >= nf) {
            s = ctx_error_at(ctx, TW_E_PARSE, path, line, c_id + 1, id_name,
                             "record has %zu fields, no '%s'", nf, id_name);
            goto fail;
        }
        char idbuf[AREAS_MAX_ID + 1];
        const char *f = csv_field(r, (size_t)c_id, &len);
        if (!areas_normalise_id(f, len, idbuf)) {
            if (blank(f, len))
                s = ctx_error_at(ctx, TW_E_PARSE, path, line, c_id + 1, id_name, "empty id");
            else
                s = ctx_error_at(ctx, TW_E_PARSE, path, line, c_id + 1, id_name,
                                 "id longer than %d bytes", AREAS_MAX_ID);
            goto fail;
        }
        area_rec *rec = NULL;
        if ((s = stage_push(&st, &rec)) != TW_OK)
            goto fail;
        rec->pos = line;
        if (!(rec->id = ctx_strdup(ctx, idbuf)))
            goto nomem;
        if (c_name >= 0 && (size_t)c_name < nf) {
            f = csv_field(r, (size_t)c_name, &len);
            if (!blank(f, len) && !(rec->name = ctx_strndup(ctx, f, len)))
                goto nomem;
        }
        if (c_pop >= 0 && (size_t)c_pop < nf) {
            f = csv_field(r, (size_t)c_pop, &len);
            if (!blank(f, len)) {
                if (!num_parse_double(f, len, &rec->pop)) {
                    s = csv_bad_number(ctx, r, c_pop, pop_name, f);
                    goto fail;
                }
                if (rec->pop < 0) {
                    s = ctx_error_at(ctx, TW_E_DOMAIN, path, line, c_pop + 1, pop_name,
                                     "negative population %s", f);
                    goto fail;
                }
            }
        }
        if (c_lon >= 0) {
            size_t llen;
            const char *fl = (size_t)c_lon < nf ? csv_field(r, (size_t)c_lon, &len) : "";
            const char *ft = (size_t)c_lat < nf ? csv_field(r, (size_t)c_lat, &llen) : "";
            if ((size_t)c_lon >= nf)
                len = 0;
            if ((size_t)c_lat >= nf)
                llen = 0;
            int bx = blank(fl, len), by = blank(ft, llen);
            if (bx != by) {
                long c = bx ? c_lon : c_lat;
                const char *nm = bx ? lon_name : lat_name;
                s = ctx_error_at(ctx, TW_E_PARSE, path, line, c + 1, nm,
                                 "'%s' is empty but '%s' is not", nm, bx ? lat_name : lon_name);
                goto fail;
            }
            if (!bx) {
                if (!num_parse_double(fl, len, &rec->lon)) {
                    s = csv_bad_number(ctx, r, c_lon, lon_name, fl);
                    goto fail;
                }
                if (!num_parse_double(ft, llen, &rec->lat)) {
                    s = csv_bad_number(ctx, r, c_lat, lat_name, ft);
                    goto fail;
                }
                if (rec->lon < -180 || rec->lon > 180) {
                    s = ctx_error_at(ctx, TW_E_DOMAIN, path, line, c_lon + 1, lon_name,
                                     "longitude %s outside [-180, 180]", fl);
                    goto fail;
                }
                if (rec->lat < -90 || rec->lat > 90) {
                    s = ctx_error_at(ctx, TW_E_DOMAIN, path, line, c_lat + 1, lat_name,
                                     "latitude %s outside [-90, 90]", ft);
                    goto fail;
                }
            }
        }
        for (int k = 0; k < 4; k++) {
            tw_level l = anc_cols[k].level;
            if (c_anc[k] >= 0 && (size_t)c_anc[k] < nf) {
                f = csv_field(r, (size_t)c_anc[k], &len);
                if (!blank(f, len) && tw_psgc_normalise(f, len, rec->anc[l]) != TW_OK) {
                    s = ctx_error_at(ctx, TW_E_PARSE, path, line, c_anc[k] + 1,
                                     anc_cols[k].code, "expected a PSGC code for '%s', got \"%.40s\"",
                                     anc_cols[k].code, f);
                    goto fail;
                }
            }
            if (c_ancn[k] >= 0 && (size_t)c_ancn[k] < nf) {
                f = csv_field(r, (size_t)c_ancn[k], &len);
                if (!blank(f, len) && !(rec->anc_name[l] = ctx_strndup(ctx, f, len)))
                    goto nomem;
            }
        }
    }
    if (st.n == 0) {
        s = ctx_error_at(ctx, TW_E_EMPTY, path, 0, 0, NULL, "no areas in file (header only)");
        goto fail;
    }
    s = areas_merge(a, &st);
    goto fail;
nomem:
    s = ctx_nomem(ctx);
fail:
    stage_free(&st);
    csv_close(r);
    return s;
}

/* ---- finalize ---- */

tw_status tw_areas_finalize(tw_ctx *ctx, tw_areas *a, int need_population)
{
    if (!ctx || !a)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_areas_finalize: NULL argument") : TW_E_ARG;
    if (!a->finalized) {
        size_t drop = 0, j = 0;
        double drop_pop = 0;
        for (size_t i = 0; i < a->n; i++) {
            if (!a->geom[i] && isnan(a->lon[i])) {
                drop++;
                if (!isnan(a->pop[i]))
                    drop_pop += a->pop[i];
                free_area_fields(a, i);
                continue;
            }
            if (j != i) {
                a->id[j] = a->id[i];
                a->name[j] = a->name[i];
                a->pop[j] = a->pop[i];
                a->lon[j] = a->lon[i];
                a->lat[j] = a->lat[i];
                a->point_from_csv[j] = a->point_from_csv[i];
                a->geom[j] = a->geom[i];
                memcpy(a->ancestor[j], a->ancestor[i], sizeof a->ancestor[j]);
                memcpy(a->ancestor_name[j], a->ancestor_name[i], sizeof a->ancestor_name[j]);
            }
            j++;
        }
        a->n = j;
        if (drop) {
            ctx_warn(ctx, "%zu areas have neither polygon nor point and were dropped "
                          "(population %.0f)", drop, drop_pop);
            areas_index *ix = index_build(ctx, a->id, a->n, a->n);
            if (!ix)
                return ctx_nomem(ctx);
            index_free(ctx, a->index);
            a->index = ix;
            level_update(a);
        }
        for (size_t i = 0; i < a->n; i++)
            if (isnan(a->lon[i]) && a->geom[i])
                geom_centroid(a->geom[i], &a->lon[i], &a->lat[i]);
        a->finalized = 1;
    }
    if (a->n == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no areas with a polygon or a point");
    if (need_population) {
        size_t missing = 0, first = 0;
        for (size_t i = 0; i < a->n; i++)
            if (isnan(a->pop[i]) && missing++ == 0)
                first = i;
        if (missing)
            return ctx_error_at(ctx, TW_E_EMPTY, NULL, 0, 0, "population",
                                "%zu areas have no population (first: %s)", missing,
                                a->id[first]);
    }
    return TW_OK;
}

/* ---- dissolve ---- */

typedef struct dkey {
    const char *code;
    size_t member;
} dkey;

static int dkey_cmp(const void *x, const void *y)
{
    const dkey *p = x, *q = y;
    int c = strcmp(p->code, q->code);
    if (c)
        return c;
    return (p->member > q->member) - (p->member < q->member);
}

tw_status tw_areas_dissolve(tw_ctx *ctx, const tw_areas *a, tw_level level,
                            tw_areas **out)
{
    tw_status s = TW_OK;
    dkey *keys = NULL;
    tw_areas *d = NULL;
    area_stage st = {0};

    if (!ctx || !a || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_areas_dissolve: NULL argument") : TW_E_ARG;
    if (level < TW_LEVEL_REGION || level > TW_LEVEL_SUBMUNICIPALITY ||
        (a->level != TW_LEVEL_UNKNOWN && level >= a->level))
        return ctx_error(ctx, TW_E_ARG, "cannot dissolve %s areas into %s: not a coarser level",
                         tw_level_name(a->level), tw_level_name(level));
    if (a->n == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no areas to dissolve");
    keys = ctx_mallocarray(ctx, a->n, sizeof *keys);
    if (!keys)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < a->n; i++) {
        if (!a->ancestor[i][level][0]) {
            s = ctx_error(ctx, TW_E_UNKNOWN_ID, "area %s has no %s to dissolve into", a->id[i],
                          tw_level_name(level));
            goto fail;
        }
        keys[i].code = a->ancestor[i][level];
        keys[i].member = i;
    }
    qsort(keys, a->n, sizeof *keys, dkey_cmp);

    st.ctx = ctx;
    st.path = "";
    st.id_field = "";
    st.from_csv = 1; /* the weighted points are given points, not centroids */
    for (size_t g0 = 0, g1; g0 < a->n; g0 = g1) {
        for (g1 = g0 + 1; g1 < a->n && strcmp(keys[g1].code, keys[g0].code) == 0; g1++)
            ;
        area_rec *r = NULL;
        if ((s = stage_push(&st, &r)) != TW_OK)
            goto fail;
        size_t first = keys[g0].member;
        if (!(r->id = ctx_strdup(ctx, keys[g0].code)))
            goto nomem;
        const char *nm = a->ancestor_name[first][level];
        if (nm && !(r->name = ctx_strdup(ctx, nm)))
            goto nomem;
        /* Coarser ancestors come from the first member (in input order). */
        for (int l = TW_LEVEL_REGION; l < (int)level; l++) {
            memcpy(r->anc[l], a->ancestor[first][l], TW_PSGC_LEN + 1);
            if (a->ancestor_name[first][l] &&
                !(r->anc_name[l] = ctx_strdup(ctx, a->ancestor_name[first][l])))
                goto nomem;
        }
        memcpy(r->anc[level], keys[g0].code, TW_PSGC_LEN + 1);
        double pop = 0, wx = 0, wy = 0, wsum = 0, mx = 0, my = 0;
        size_t npt = 0, rings = 0, points = 0;
        int have_pop = 1;
        for (size_t k = g0; k < g1; k++) {
            size_t i = keys[k].member;
            if (isnan(a->pop[i]))
                have_pop = 0;
            else
                pop += a->pop[i];
            if (!isnan(a->lon[i])) {
                npt++;
                mx += a->lon[i];
                my += a->lat[i];
                if (!isnan(a->pop[i])) {
                    wx += a->pop[i] * a->lon[i];
                    wy += a->pop[i] * a->lat[i];
                    wsum += a->pop[i];
                }
            }
            if (a->geom[i]) {
                rings += a->geom[i]->n_rings;
                points += a->geom[i]->n_points;
            }
        }
        r->pop = have_pop ? pop : NAN;
        if (wsum > 0) {
            r->lon = wx / wsum;
            r->lat = wy / wsum;
        } else if (npt) {
            /* No population to weight by (all zero or unknown): plain mean. */
            r->lon = mx / (double)npt;
            r->lat = my / (double)npt;
        }
        if (rings) {
            area_geom *g = area_geom_alloc(ctx, rings, points);
            if (!g)
                goto nomem;
            r->geom = g;
            size_t ro = 0, po = 0;
            int32_t part = 0;
            for (size_t k = g0; k < g1; k++) {
                const area_geom *m = a->geom[keys[k].member];
                if (!m)
                    continue;
                int32_t maxpart = -1;
                for (size_t q = 0; q < m->n_rings; q++) {
                    g->ring_start[ro + q] = po + m->ring_start[q];
                    g->ring_part[ro + q] = part + m->ring_part[q];
                    g->ring_hole[ro + q] = m->ring_hole[q];
                    if (m->ring_part[q] > maxpart)
                        maxpart = m->ring_part[q];
                }
                memcpy(g->xy + 2 * po, m->xy, 2 * m->n_points * sizeof *g->xy);
                ro += m->n_rings;
                po += m->n_points;
                part += maxpart + 1;
                for (int b = 0; b < 2; b++) {
                    if (m->bbox[b] < g->bbox[b])
                        g->bbox[b] = m->bbox[b];
                    if (m->bbox[b + 2] > g->bbox[b + 2])
                        g->bbox[b + 2] = m->bbox[b + 2];
                }
            }
            g->ring_start[ro] = po;
        }
    }
    if ((s = tw_areas_new(ctx, &d)) != TW_OK)
        goto fail;
    if ((s = areas_merge(d, &st)) != TW_OK)
        goto fail;
    d->level = level;
    d->finalized = a->finalized;
    *out = d;
    d = NULL;
    goto fail;
nomem:
    s = ctx_nomem(ctx);
fail:
    stage_free(&st);
    tw_areas_free(d);
    ctx_free(ctx, keys);
    return s;
}
