/*
 * tanaw.h: the only public header of libtanaw, the library behind the
 * `tanaw` command. It finds where online sexual exploitation of children
 * concentrates in the Philippines: geography (PSGC areas and polygons), case
 * records, spatial weights, hotspot statistics and their outputs.
 *
 * Compatibility promise: until 1.0 the API may change between minor
 * versions; every change is listed in docs/CHANGES.md. From 1.0 on, a
 * function or type that is documented here keeps its signature and meaning
 * for the whole major version.
 *
 * Conventions (see docs/glossary.md for the words):
 *  - Every name starts with tw_ (functions, types) or TW_ (constants).
 *  - Fallible functions return tw_status (TW_OK == 0) and write results
 *    through out-pointers. On failure the out-pointers are left untouched or
 *    set to NULL, and the context's error (tw_ctx_error) says what went
 *    wrong, with file, line and field where there is one.
 *  - Anything with invariants is an opaque handle with a _free() that
 *    accepts NULL. The caller owns what a function hands out through an
 *    out-pointer, unless the comment says "borrowed".
 *  - A tw_ctx carries allocator, thread count, seed, progress callback and
 *    the last error. There is no global state: a context is used by one
 *    thread at a time; use one context per thread (internal OpenMP
 *    parallelism inside a call is fine and is governed by the context).
 *  - Indices of areas are 0-based, int32 (size_t where a count).
 *  - Longitude/latitude are WGS84 degrees; distances carry their unit in
 *    their names (_km, _m).
 */
#ifndef TANAW_TANAW_H
#define TANAW_TANAW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TW_VERSION_MAJOR 0
#define TW_VERSION_MINOR 1
#define TW_VERSION_PATCH 0
#define TW_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------ */
/* Status, errors, context                                             */
/* ------------------------------------------------------------------ */

/** Status codes. @since 0.1 */
typedef enum tw_status {
    TW_OK = 0,
    TW_E_NOMEM,          /* an allocation failed */
    TW_E_IO,             /* a file could not be opened, read or written */
    TW_E_PARSE,          /* malformed input (CSV, GeoJSON, GAL/GWT, dates) */
    TW_E_ARG,            /* invalid argument or option */
    TW_E_DOMAIN,         /* value out of range: coordinates, negative count */
    TW_E_DUPLICATE,      /* duplicate id */
    TW_E_UNKNOWN_ID,     /* id or PSGC code not in the geography */
    TW_E_EMPTY,          /* no data where some is needed */
    TW_E_GEOMETRY,       /* broken or unsupported geometry */
    TW_E_UNSUPPORTED,    /* valid input that this version does not handle */
    TW_E_CANCELLED,      /* the progress callback asked to stop */
    TW_E_INTERNAL        /* a bug: an invariant did not hold */
} tw_status;

/** Static text for a status ("out of memory", ...). @since 0.1 */
const char *tw_status_str(tw_status s);

/** What went wrong, with position where known (0 / "" when not). */
typedef struct tw_error {
    tw_status code;
    char message[512]; /* lowercase, no final period */
    char file[256];    /* input file, or "" */
    long line;         /* 1-based line in file, or 0 */
    long column;       /* 1-based column (field index for CSV), or 0 */
    char field[64];    /* field or property name, or "" */
} tw_error;

typedef struct tw_ctx tw_ctx;

/** Allocator hooks; all three or none. ud is passed through. */
typedef struct tw_allocator {
    void *(*malloc_fn)(void *ud, size_t size);
    void *(*realloc_fn)(void *ud, void *ptr, size_t size);
    void (*free_fn)(void *ud, void *ptr);
    void *ud;
} tw_allocator;

/**
 * Progress callback: `done` of `total` units of the named stage. Return
 * non-zero to cancel: the running call then returns TW_E_CANCELLED.
 */
typedef int (*tw_progress_fn)(void *ud, const char *stage, double done,
                              double total);

/** New context with malloc, all cores, seed 1. NULL on no memory. */
tw_ctx *tw_ctx_new(void);
void tw_ctx_free(tw_ctx *ctx);
/** Replace the allocator; call before anything is allocated with ctx. */
tw_status tw_ctx_set_allocator(tw_ctx *ctx, const tw_allocator *a);
/** Threads for parallel loops; 0 = OpenMP default. Results never depend on it. */
void tw_ctx_set_threads(tw_ctx *ctx, int nthreads);
int tw_ctx_threads(const tw_ctx *ctx);
void tw_ctx_set_seed(tw_ctx *ctx, uint64_t seed);
uint64_t tw_ctx_seed(const tw_ctx *ctx);
void tw_ctx_set_progress(tw_ctx *ctx, tw_progress_fn fn, void *ud);
/** Last error recorded in ctx (borrowed; code TW_OK when none). */
const tw_error *tw_ctx_error(const tw_ctx *ctx);
void tw_ctx_clear_error(tw_ctx *ctx);
/**
 * Warnings collected by the last calls (one line each, borrowed,
 * e.g. "12 areas have no neighbours"); cleared by tw_ctx_clear_warnings.
 */
size_t tw_ctx_warning_count(const tw_ctx *ctx);
const char *tw_ctx_warning(const tw_ctx *ctx, size_t i);
void tw_ctx_clear_warnings(tw_ctx *ctx);

/* ------------------------------------------------------------------ */
/* PSGC codes                                                          */
/* ------------------------------------------------------------------ */

/** Administrative levels, coarse to fine. @since 0.1 */
typedef enum tw_level {
    TW_LEVEL_UNKNOWN = 0,
    TW_LEVEL_REGION = 1,
    TW_LEVEL_PROVINCE = 2,     /* province, NCR district, HUC, SGA */
    TW_LEVEL_MUNICIPALITY = 3, /* city, municipality, SGA cluster */
    TW_LEVEL_SUBMUNICIPALITY = 4, /* Manila's 14 sub-municipalities */
    TW_LEVEL_BARANGAY = 5
} tw_level;

#define TW_PSGC_LEN 10 /* digits; buffers are TW_PSGC_LEN + 1 */

/** "region"|"province"|"municipality"|"submunicipality"|"barangay" */
const char *tw_level_name(tw_level l);
/** Parse a level name (also "city", "mun", "bgy"); TW_LEVEL_UNKNOWN if none. */
tw_level tw_level_parse(const char *s);

/**
 * Normalise a PSGC code written as text: 10 digits, or 9 digits that lost
 * their leading zero (spreadsheets), surrounding blanks allowed. Writes 10
 * digits + NUL into out. TW_E_PARSE if it is not a code.
 */
tw_status tw_psgc_normalise(const char *s, size_t len, char out[TW_PSGC_LEN + 1]);
/** Level of a code from its digits alone (HUCs look like provinces). */
tw_level tw_psgc_level(const char code[TW_PSGC_LEN + 1]);
/**
 * Ancestor of a code at a coarser level, from the digits alone:
 * region = RR00000000, province-level unit = RRPPP00000, city/municipality
 * = RRPPPMM000 except Manila (13806MM... -> 1380600000), sub-municipality
 * (Manila only). TW_E_ARG if level is not coarser than the code's level.
 */
tw_status tw_psgc_ancestor(const char code[TW_PSGC_LEN + 1], tw_level level,
                           char out[TW_PSGC_LEN + 1]);

/* ------------------------------------------------------------------ */
/* Areas: the geography                                                */
/* ------------------------------------------------------------------ */

typedef struct tw_areas tw_areas;

/** Column names of an areas CSV; NULL fields take the defaults shown. */
typedef struct tw_areas_csv_columns {
    const char *id;         /* "psgc" */
    const char *name;       /* "name" */
    const char *lon;        /* "lon" */
    const char *lat;        /* "lat" */
    const char *population; /* "pop2020", then "population" */
} tw_areas_csv_columns;

/** Empty collection of areas. */
tw_status tw_areas_new(tw_ctx *ctx, tw_areas **out);
void tw_areas_free(tw_areas *a);

/**
 * Read a GeoJSON FeatureCollection of Polygon/MultiPolygon features and add
 * or join them (by id) into a. id_prop defaults to "psgc"; name_prop to
 * "name"; pop_prop (may be NULL) names a population property. Null
 * geometries are kept as areas without polygon and counted in a warning.
 * Errors: TW_E_IO, TW_E_PARSE (with line), TW_E_GEOMETRY (non-polygon,
 * unclosed ring, bad coordinate), TW_E_DOMAIN (lon/lat out of range),
 * TW_E_EMPTY (empty file, no features), TW_E_DUPLICATE (id twice in one
 * file). A file with an error leaves a unchanged (docs/geography.md).
 */
tw_status tw_areas_read_geojson(tw_ctx *ctx, tw_areas *a, const char *path,
                                const char *id_prop, const char *name_prop,
                                const char *pop_prop);
/**
 * Read an areas CSV and add or join it (by id) into a. Columns
 * municipality_psgc, province_psgc, region_psgc, when present, give each
 * area its ancestors (they override what the digits say). Values must be
 * strict numbers; lon in [-180,180], lat in [-90,90], population >= 0.
 */
tw_status tw_areas_read_csv(tw_ctx *ctx, tw_areas *a, const char *path,
                            const tw_areas_csv_columns *cols);

size_t tw_areas_count(const tw_areas *a);
/** Borrowed strings, valid while a lives. */
const char *tw_areas_id(const tw_areas *a, size_t i);
const char *tw_areas_name(const tw_areas *a, size_t i);
/** Population, or NaN when no source gave one. */
double tw_areas_population(const tw_areas *a, size_t i);
/** Representative lon/lat (the CSV's, else the polygon centroid); 0 if none. */
int tw_areas_lonlat(const tw_areas *a, size_t i, double *lon, double *lat);
int tw_areas_has_polygon(const tw_areas *a, size_t i);
/** Index of an id, or -1. */
long tw_areas_find(const tw_areas *a, const char *id);
/** Level of the areas (from the PSGC codes; UNKNOWN for other ids). */
tw_level tw_areas_level(const tw_areas *a);
/**
 * Ancestor code of area i at a coarser level: the CSV's columns when given,
 * else tw_psgc_ancestor (at the code's own digit level: the code itself,
 * so an HUC is its own province-level unit). Returns 0 and writes "" when
 * unknown.
 */
int tw_areas_ancestor(const tw_areas *a, size_t i, tw_level level,
                      char out[TW_PSGC_LEN + 1]);

/**
 * Prepare areas for analysis: drop areas that have neither a polygon nor a
 * point (warning with the count and population), compute centroids where
 * missing, and check that every area has a population when
 * need_population. Call once after reading; further reads are refused.
 */
tw_status tw_areas_finalize(tw_ctx *ctx, tw_areas *a, int need_population);

/**
 * Dissolve areas into a coarser level: populations summed, polygons kept as
 * parts of one multipolygon, point = population-weighted mean of the
 * members' points. Areas whose ancestor at that level is unknown are
 * refused with TW_E_UNKNOWN_ID.
 */
tw_status tw_areas_dissolve(tw_ctx *ctx, const tw_areas *a, tw_level level,
                            tw_areas **out);

/* Point location ----------------------------------------------------- */

typedef struct tw_locator tw_locator;

/** Spatial index over the polygons of a (borrowed: a must outlive it). */
tw_status tw_locator_new(tw_ctx *ctx, const tw_areas *a, tw_locator **out);
void tw_locator_free(tw_locator *loc);
/** Index of the polygon containing the point, or -1 (at sea, abroad). */
long tw_locator_find(const tw_locator *loc, double lon, double lat);
/**
 * Index of the nearest area (polygon boundary distance, great circle on
 * the TW_DIST_HAVERSINE sphere; 0 when inside), or -1 if none.
 */
long tw_locator_nearest(const tw_locator *loc, double lon, double lat,
                        double *dist_km);

/* ------------------------------------------------------------------ */
/* Distances                                                           */
/* ------------------------------------------------------------------ */

typedef enum tw_distance {
    TW_DIST_SPDEP = 0,   /* spdep's longlat distance (knearneigh, dnearneigh) */
    TW_DIST_HAVERSINE,   /* great circle on a sphere of radius 6371.0088 km */
    TW_DIST_EUCLIDEAN    /* plane: coordinates taken as they are */
} tw_distance;

/** Distance in km between two lon/lat points (EUCLIDEAN: coordinate units). */
double tw_distance_km(tw_distance kind, double lon1, double lat1, double lon2,
                      double lat2);

/* ------------------------------------------------------------------ */
/* Spatial weights                                                     */
/* ------------------------------------------------------------------ */

typedef struct tw_weights tw_weights;

typedef enum tw_weights_kind {
    TW_W_QUEEN = 0, /* polygons share a vertex (spdep poly2nb queen=TRUE) */
    TW_W_ROOK,      /* polygons share an edge (2+ points, poly2nb queen=FALSE) */
    TW_W_KNN,       /* k nearest by distance (spdep knearneigh + knn2nb) */
    TW_W_BAND,      /* within band_km (spdep dnearneigh(0, d)) */
    TW_W_IDW,       /* inverse distance within band_km, weight 1/d^power */
    TW_W_GAL,       /* read from a GeoDa .gal file */
    TW_W_GWT        /* read from a GeoDa .gwt file */
} tw_weights_kind;

typedef enum tw_wstyle {
    TW_STYLE_B = 0, /* binary (or the raw weights for IDW/GWT) */
    TW_STYLE_W      /* row-standardised */
} tw_wstyle;

typedef struct tw_weights_spec {
    tw_weights_kind kind;
    double snap_m;      /* QUEEN/ROOK: 0 = exact (spdep default snap);
                           > 0 = fuzzy: boundaries within snap_m metres */
    int k;              /* KNN */
    double band_km;     /* BAND, IDW: required, > 0 (0 <= d <= band_km, as dnearneigh) */
    double idw_power;   /* IDW, default 1 */
    tw_distance distance; /* KNN/BAND/IDW */
    int islands_k;      /* > 0: attach areas without neighbours to their k nearest */
    char path[1024];    /* GAL/GWT */
} tw_weights_spec;

/**
 * Parse the --weights text: queen, rook, queen:100m, rook:50m, knn:K,
 * band:KM, idw:KM (idw:KM:POWER), gal:FILE, gwt:FILE. A suffix
 * "+islands:K" on contiguity attaches islands to their K nearest.
 * Defaults: distance TW_DIST_SPDEP, idw_power 1.
 */
tw_status tw_weights_spec_parse(tw_ctx *ctx, const char *text,
                                tw_weights_spec *out);

/** Build neighbours and weights (style B) for the areas. */
tw_status tw_weights_build(tw_ctx *ctx, const tw_areas *a,
                           const tw_weights_spec *spec, tw_weights **out);
void tw_weights_free(tw_weights *w);

/**
 * Weights from explicit lists (CSR): row i has neighbours
 * col[rowptr[i] .. rowptr[i+1]) with weights wt (NULL: all 1). Neighbours
 * of a row are sorted here; an index out of range or repeated in a row is
 * TW_E_ARG. Arrays are copied.
 */
tw_status tw_weights_from_lists(tw_ctx *ctx, size_t n, const size_t *rowptr,
                                const int32_t *col, const double *wt,
                                tw_weights **out);

/**
 * New weights from w: with self-links added (include_self, weight 1 in
 * style B, as spdep include.self) and then the style applied.
 */
tw_status tw_weights_transform(tw_ctx *ctx, const tw_weights *w,
                               int include_self, tw_wstyle style,
                               tw_weights **out);

size_t tw_weights_n(const tw_weights *w);
size_t tw_weights_links(const tw_weights *w); /* directed links, self-links included */
/** Row i: neighbour indices ascending and their weights (borrowed). */
size_t tw_weights_row(const tw_weights *w, size_t i, const int32_t **nbr,
                      const double **wt);
int tw_weights_symmetric(const tw_weights *w); /* neighbour sets, not weights */

typedef struct tw_weights_summary {
    size_t n;
    size_t links;          /* directed, without self-links */
    size_t islands;        /* areas without neighbours */
    size_t components;     /* connected components (islands count as one each) */
    size_t largest_component;
    double mean_neighbours;
    size_t min_neighbours, max_neighbours;
    int symmetric;
} tw_weights_summary;
tw_status tw_weights_summarise(tw_ctx *ctx, const tw_weights *w,
                               tw_weights_summary *out);
/** Component id per area (0..components-1, in order of first area). */
tw_status tw_weights_components(tw_ctx *ctx, const tw_weights *w, int32_t *comp);

/** GeoDa GAL (neighbours) and GWT (weights) files, ids from a. */
tw_status tw_weights_write_gal(tw_ctx *ctx, const tw_weights *w,
                               const tw_areas *a, const char *path);
tw_status tw_weights_write_gwt(tw_ctx *ctx, const tw_weights *w,
                               const tw_areas *a, const char *path);
/** Read GAL/GWT; ids must be areas of a (TW_E_UNKNOWN_ID otherwise). */
tw_status tw_weights_read_gal(tw_ctx *ctx, const tw_areas *a, const char *path,
                              tw_weights **out);
tw_status tw_weights_read_gwt(tw_ctx *ctx, const tw_areas *a, const char *path,
                              tw_weights **out);

/* ------------------------------------------------------------------ */
/* Case records                                                        */
/* ------------------------------------------------------------------ */

typedef struct tw_cases tw_cases;

/** Outcome of reading a file of records (see docs/cases.md). */
typedef struct tw_read_report {
    size_t rows_read;
    size_t rows_accepted;
    size_t rows_rejected;
} tw_read_report;

typedef struct tw_cases_read_opts {
    const char *rejects_path; /* CSV of rejected rows (file,line,field,reason,record),
                                 rewritten by each call; NULL: none */
    int aggregated;           /* 1: the file is area,count (see docs/cases.md) */
    int32_t max_day;          /* latest accepted report_date (days since
                                 1970-01-01); 0 = today in Manila (UTC+8) */
} tw_cases_read_opts;

/**
 * Read case records (or aggregated counts) from a CSV in the schema of
 * docs/cases.md, validating every row. Rejected rows go to the rejects
 * file; they are never dropped silently. Returns TW_E_PARSE only when the
 * file as a whole is unusable (no header, missing required column, empty);
 * bad rows are counted in rep. Records can be read into one tw_cases from
 * several files (call again with the same *out).
 */
tw_status tw_cases_read_csv(tw_ctx *ctx, const char *path,
                            const tw_cases_read_opts *opts, tw_cases **inout,
                            tw_read_report *rep);
void tw_cases_free(tw_cases *c);
size_t tw_cases_count(const tw_cases *c);
/**
 * Distinct non-empty sources of the records, in order of first appearance:
 * fills names[0..cap) (borrowed, valid while c lives) and returns how many
 * there are (at most 64). @since 0.1
 */
size_t tw_cases_sources(const tw_cases *c, const char **names, size_t cap);
/**
 * 1 when source passes a source filter: one name or a comma-separated list
 * of names, compared without regard to ASCII case (the `source` field of
 * tw_aggregate_opts and tw_points_opts); a NULL filter passes every
 * source. @since 0.1
 */
int tw_source_in_filter(const char *filter, const char *source);

/**
 * What to do with records known only at a level coarser than the analysis
 * (docs/cases.md, "Mixed precision"). @since 0.1
 */
typedef enum tw_coarse_mode {
    TW_COARSE_DROP = 0,  /* counted in the report, not placed (the default) */
    TW_COARSE_LEVEL,     /* as DROP here; the caller analyses at the finest level that
                            holds every record (tanaw --coarse level dissolves the areas) */
    TW_COARSE_ALLOCATE   /* spread over the analysis areas inside the coarser unit in
                            proportion to population: fractional counts, flagged */
} tw_coarse_mode;

/** Parse "drop"|"level"|"allocate" (TW_E_ARG otherwise). @since 0.1 */
tw_status tw_coarse_parse(const char *s, tw_coarse_mode *out);

/**
 * Largest uncertainty radius (metres) of coordinates placed at a level:
 * barangay and sub-municipality 5,000; municipality 50,000; province
 * 150,000; region and UNKNOWN: no limit (INFINITY). A point whose
 * uncertainty_m exceeds the limit of the analysis level is known only at the
 * finest level whose limit it meets. @since 0.1
 */
double tw_max_uncertainty_m(tw_level level);

typedef struct tw_crosswalk tw_crosswalk; /* PSGC crosswalk (Geocoding section) */

/** How records are placed on areas. */
typedef struct tw_aggregate_opts {
    tw_level level;       /* level of the analysis areas */
    int snap_outside;     /* 1: points in no polygon go to the nearest area */
    double snap_max_km;   /* with snap_outside: farther than this stays unplaced (0 = no limit) */
    int weight_children;  /* 1: count children involved instead of records */
    int32_t from_day, to_day; /* inclusive day range (days since 1970-01-01); 0,0 = all */
    const char *source;   /* only records of these sources: one name or a comma-separated
                             list, case-insensitive (NULL = all) */
    const char *category; /* only this category (NULL = all) */
    const tw_areas *hierarchy; /* optional finer areas (e.g. municipalities.csv)
                                  whose ancestor columns map codes to the
                                  analysis areas (NCR cities -> districts);
                                  borrowed, NULL = digits only */
    /* Mixed precision and PSGC versions (docs/cases.md); zero = as before. @since 0.1 */
    tw_coarse_mode coarse;   /* records known only at a coarser level */
    int ip_rule;             /* 1: CyberTipline coordinates without uncertainty_m are IP
                                geolocations, known at municipality level at best (tanaw's
                                default); 0: taken as given, as before */
    const tw_crosswalk *crosswalk; /* with to_version: codes of records that carry a
                                      psgc_version are brought to to_version (borrowed) */
    const char *to_version;
} tw_aggregate_opts;

/** Where records went: every record is in exactly one bucket. */
typedef struct tw_aggregate_report {
    size_t records;        /* records considered (after date/source filters) */
    size_t filtered_out;   /* excluded by date/source/category */
    size_t placed;         /* counted in an area */
    size_t by_point;       /* placed by coordinates */
    size_t by_code;        /* placed by PSGC code */
    size_t snapped;        /* outside every polygon, placed at the nearest */
    size_t outside;        /* coordinates in no polygon, not snapped */
    size_t coarser;        /* known only above the analysis level */
    size_t coarser_by_level[6]; /* indexed by tw_level */
    size_t unknown_code;   /* PSGC code not in the geography */
    double count_placed;   /* total count placed (children when weighted) */
    /* @since 0.1, mixed precision and PSGC versions (docs/cases.md): */
    size_t imprecise;      /* of coarser (or outside): coordinates too uncertain for
                              the analysis level (uncertainty_m, CyberTipline rule) */
    size_t allocated;      /* of coarser: spread by population (TW_COARSE_ALLOCATE) */
    double count_allocated;/* total count spread; count_placed + count_allocated =
                              sum of counts[] */
    size_t recoded;        /* records whose code the crosswalk changed (splits included) */
    size_t split;          /* records shared among several codes by crosswalk weights */
} tw_aggregate_report;

/**
 * Count records per area of a (counts has tw_areas_count(a) entries, set
 * here). loc may be NULL when no record has coordinates.
 */
tw_status tw_cases_aggregate(tw_ctx *ctx, const tw_cases *c, const tw_areas *a,
                             const tw_locator *loc, const tw_aggregate_opts *opts,
                             double *counts, tw_aggregate_report *rep);

/**
 * tw_cases_aggregate, also saying which part of each count was not observed
 * whole on the area: allocated[i] (may be NULL) is the part of counts[i]
 * spread by population from records known only at a coarser level
 * (TW_COARSE_ALLOCATE); split[i] (may be NULL) the part placed on area i
 * by code from records that the crosswalk split by weight. Both have
 * tw_areas_count(a) entries, set here. A record version with no crosswalk
 * steps to to_version is TW_E_ARG. @since 0.1
 */
tw_status tw_cases_aggregate_ex(tw_ctx *ctx, const tw_cases *c, const tw_areas *a,
                                const tw_locator *loc, const tw_aggregate_opts *opts,
                                double *counts, double *allocated, double *split,
                                tw_aggregate_report *rep);

typedef struct tw_gazetteer tw_gazetteer; /* Geocoding section */

/** Simulation of synthetic records (tanaw simulate). */
typedef struct tw_sim_cluster {
    char center_id[64]; /* area id of the centre */
    int n_areas;        /* the centre and its n_areas-1 nearest (by point) */
    double rr;          /* relative risk inside */
} tw_sim_cluster;

/**
 * The areas of a planted cluster, as tw_simulate_write plants it: the
 * centre and its n_areas - 1 nearest areas by representative point
 * (great-circle distance; ties by area order). member[0..count) gets 1 for
 * a member, 0 otherwise. TW_E_UNKNOWN_ID for an unknown centre, TW_E_ARG
 * for a centre without a point or n_areas out of range. Used by tanaw scan
 * --alt-cluster to describe a power alternative the way simulate plants it.
 * @since 0.1
 */
tw_status tw_sim_cluster_members(tw_ctx *ctx, const tw_areas *a, const tw_sim_cluster *cl,
                                 unsigned char *member);

typedef struct tw_sim_opts {
    size_t n;                 /* number of records (multinomial over the areas) */
    uint64_t seed;
    int32_t from_day, to_day; /* inclusive (days since 1970-01-01) */
    const tw_sim_cluster *clusters;
    size_t n_clusters;
    int location_mix;         /* 0: codes only; 1: mix of points and codes (default) */
    /* Multi-agency simulation (docs/cases.md, "Simulation"); all zero = the
       single-channel records above, byte for byte. @since 0.1 */
    int agencies;             /* 1..6: n incidents, each referred by 1-3 of the first
                                 `agencies` channels; 0: off */
    double duplicates;        /* share of incidents referred more than once, [0, 1] */
    const int32_t *cluster_onset_days; /* n_clusters entries (day number, 0 = from
                                          the start) or NULL: all from the start */
    int identifiers;          /* 1: write account_ids, payment_ids, device_ids,
                                 ip_addrs (made-up tokens; for tanaw db ingest) */
    const char *addresses_path; /* CSV case_id,address of messy written addresses
                                   (for tanaw geocode); NULL: none */
    const tw_gazetteer *gazetteer; /* names (and old names) for addresses; NULL:
                                      the areas' names (borrowed) */
    const char *truth_path;   /* CSV: every record's incident, true area, true date
                                 and clusters; NULL: none */
    double id_noise;          /* with identifiers: scale of the identifier noise rates
                                 (docs/cases.md, "Identifier noise"; 1 = documented
                                 rates, [0, 10]); 0: noiseless tokens. @since 0.1 */
} tw_sim_opts;

/**
 * Write n synthetic records over the areas (background in proportion to
 * population, clusters with relative risk) to a CSV in the documented
 * schema. Same seed, same file. With opts->agencies >= 1: incidents and
 * their referrals by several channels, plus the optional truth and address
 * files (docs/cases.md, "Simulation").
 */
tw_status tw_simulate_write(tw_ctx *ctx, const tw_areas *a,
                            const tw_sim_opts *opts, const char *path);

/** Parse YYYY-MM-DD into days since 1970-01-01. */
tw_status tw_date_parse(const char *s, size_t len, int32_t *days);
/** Format days since 1970-01-01 as YYYY-MM-DD (buf >= 11). */
void tw_date_format(int32_t days, char buf[11]);

/* ------------------------------------------------------------------ */
/* Rates                                                               */
/* ------------------------------------------------------------------ */

typedef enum tw_rate_kind {
    TW_RATE_COUNT = 0, /* the count itself */
    TW_RATE_PER,       /* count / population * per */
    TW_RATE_EB         /* global empirical Bayes (spdep EBest, Marshall 1991), * per */
} tw_rate_kind;

/**
 * Variable to analyse from counts and populations. Areas with population 0
 * and count 0 get rate 0 for PER and the prior mean for EB (they are left
 * out of the EB moments); population 0 with a positive count is
 * TW_E_DOMAIN (docs/statistics.md). EB is never negative. population may
 * be NULL for COUNT.
 */
tw_status tw_rate_compute(tw_ctx *ctx, tw_rate_kind kind, double per,
                          const double *counts, const double *population,
                          size_t n, double *out);

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

typedef enum tw_correction {
    TW_CORRECT_NONE = 0,
    TW_CORRECT_BONFERRONI,
    TW_CORRECT_FDR      /* Benjamini-Hochberg, as R p.adjust("BH") */
} tw_correction;

/** Adjust n p-values (as R p.adjust). out may alias p. */
tw_status tw_p_adjust(tw_ctx *ctx, tw_correction method, const double *p,
                      size_t n, double *out);

typedef struct tw_local_opts {
    int permutations;          /* 0 = analytic only; e.g. 999 */
    uint64_t seed;             /* permutation seed */
    tw_correction correction;  /* applied to p_adjusted */
    int use_permutation_p;     /* 1: p_adjusted/class from p_perm; 0: from p */
    double alpha;              /* local Moran quadrant: significant when
                                  p_adjusted <= alpha; 0 = 0.05 */
} tw_local_opts;

/**
 * Per-area results of a local statistic. Arrays have n entries and belong
 * to the result. Meaning of each column: docs/statistics.md.
 */
typedef struct tw_local_result {
    size_t n;
    double *stat;       /* Gi/Gi*: G ratio; local Moran: Ii */
    double *expected;   /* E[stat] under randomisation */
    double *variance;   /* Var[stat] under randomisation */
    double *z;          /* (stat - expected) / sqrt(variance) */
    double *p;          /* two-sided normal p of z (analytic) */
    double *p_perm;     /* two-sided conditional permutation p, not folded:
                           min(1, 2 (min(#sim >= obs, #sim <= obs) + 1) / (R + 1)),
                           as spdep's "Pr(z != E(Ii)) Sim"; twice GeoDa's folded
                           pseudo p. NaN without permutations or neighbours */
    double *z_perm;     /* (obs - mean of sims) / sd of sims (R - 1), NaN without */
    double *p_adjusted; /* p or p_perm after the correction */
    int *cls;           /* confidence class: +3/+2/+1 hot at 99/95/90 % (p_adjusted
                           <= 0.01/0.05/0.10), -1..-3 cold, 0; local Moran: + cluster,
                           - outlier */
    int *quadrant;      /* local Moran: 1 HH, 2 LH, 3 LL, 4 HL, 0 not significant; NULL for Gi */
} tw_local_result;

void tw_local_result_free(tw_ctx *ctx, tw_local_result *r);

/**
 * Getis-Ord Gi (star = 0: w has no self-links) or Gi* (star = 1: w must
 * include self-links). z equals spdep localG(x, listw); see docs.
 */
tw_status tw_gistar_compute(tw_ctx *ctx, const tw_weights *w, const double *x,
                            int star, const tw_local_opts *opts,
                            tw_local_result **out);

/** Local Moran's I (spdep localmoran, conditional permutation as localmoran_perm). */
tw_status tw_lisa_compute(tw_ctx *ctx, const tw_weights *w, const double *x,
                          const tw_local_opts *opts, tw_local_result **out);

typedef struct tw_moran_result {
    double I;
    double expected;
    double variance_norm;   /* under normality */
    double variance_rand;   /* under randomisation */
    double z_norm, p_norm;  /* p: two-sided */
    double z_rand, p_rand;  /* equals moran.test(randomisation=TRUE, alternative="two.sided") */
    double p_rand_greater;  /* one-sided: moran.test's default alternative="greater" */
    double p_perm;          /* one-sided (greater) pseudo p as moran.mc: (#sim >= I + 1)/(R + 1); NaN without */
    double p_perm_two_sided;/* min(1, 2 (min(#sim >= I, #sim <= I) + 1) / (R + 1)), NaN without */
    int permutations;
} tw_moran_result;

/** Global Moran's I with analytic and permutation inference. */
tw_status tw_moran_compute(tw_ctx *ctx, const tw_weights *w, const double *x,
                           int permutations, uint64_t seed,
                           tw_moran_result *out);

/* ------------------------------------------------------------------ */
/* Outputs                                                             */
/* ------------------------------------------------------------------ */

/**
 * A table of per-area results to write: the fixed columns
 * id,name,count,population,rate,statistic,z,p,p_adjusted,class followed
 * by the extra columns. All arrays are borrowed and have tw_areas_count(a)
 * entries (population from a when NULL).
 */
typedef struct tw_extra_column {
    const char *name;
    const double *values;     /* or NULL when ivalues */
    const int *ivalues;
} tw_extra_column;

typedef struct tw_area_table {
    const tw_areas *areas;
    const double *count;
    const double *rate;
    const double *statistic;
    const double *z;
    const double *p;
    const double *p_adjusted;
    const int *cls;            /* written as text: "hot 99%", "cold 95%", "not significant" */
    const tw_extra_column *extra;
    size_t n_extra;
} tw_area_table;

tw_status tw_table_write_csv(tw_ctx *ctx, const tw_area_table *t, const char *path);
/** One CSV field to f (RFC 4180: quoted when it holds a comma, quote, line
    break or edge blank; quotes doubled), as every CSV Tanaw writes. @since 0.1 */
void tw_csv_write_field(FILE *f, const char *s);
/** The shortest of %.15g, %.16g and %.17g that reads back as the same
    double (finite v), with a decimal point whatever the locale, as every
    number in Tanaw's tables; returns its length. */
size_t tw_format_double(char buf[40], double v);
/** v as a CSV field in that form; nothing (an empty field) for NaN or
    an infinity. */
void tw_csv_write_double(FILE *f, double v);
/** GeoJSON FeatureCollection with the table as properties (polygons, else points). */
tw_status tw_table_write_geojson(tw_ctx *ctx, const tw_area_table *t, const char *path);

/** Map of classes over the area polygons; PNG or SVG by the file suffix. */
typedef struct tw_map_opts {
    const char *title;
    const char *subtitle;    /* e.g. "Gi*, knn:8, 999 permutations, FDR" */
    int width_px, height_px; /* 0: 1200 x 1500 */
    const char *legend_kind; /* "hotspot" (classes -3..3) or "quadrant" (0..4) */
    const tw_areas *context; /* optional layer (borrowed): filled beneath as land,
                                its borders drawn over the classes */
    const char *const *labels; /* optional, tw_areas_count(a) entries: text drawn
                                  at the area's point, NULL entry = none (borrowed;
                                  overlapping labels are left out) */
    const char *attribution;   /* footer credit; NULL = the PSA/NAMRIA boundary
                                  and PSGC sources of the shipped data; "" = none */
    double inset[4];           /* optional enlarged view in a corner: min lon,
                                  min lat, max lon, max lat (e.g. Metro Manila
                                  120.90, 14.35, 121.15, 14.80); all 0 = none */
    const char *inset_title;   /* caption of the inset, e.g. "Metro Manila" */
} tw_map_opts;

tw_status tw_map_write(tw_ctx *ctx, const tw_areas *a, const int *cls,
                       const tw_map_opts *opts, const char *path);

/** Label of a confidence class: "hot 99%", ..., "not significant". */
const char *tw_class_label(int cls);
/** Label of a local Moran quadrant: "HH", "LH", "LL", "HL", "not significant". */
const char *tw_quadrant_label(int q);

/* ------------------------------------------------------------------ */
/* Geocoding                                                           */
/* ------------------------------------------------------------------ */

/*
 * A gazetteer of PSGC names (current and old) with their hierarchy, and a
 * geocoder that places written Philippine addresses ("Brgy. Pusok,
 * Lapu-Lapu City") on PSGC codes. Rules, outcomes and measured accuracy:
 * docs/geocode.md. A gazetteer is read-only once built: several threads may
 * geocode with one gazetteer, each with its own context.
 */
typedef struct tw_gazetteer tw_gazetteer;

/**
 * Read the PSA PSGC publication datafile as its CSV export (sheet PSGC,
 * UTF-8, header names may hold line breaks, blank columns ignored; the
 * xlsx itself is refused with TW_E_UNSUPPORTED). Columns found by header
 * name: 10-digit PSGC, Name, Correspondence Code, Geographic Level, Old
 * names, City Class, Status. Errors name file, line and field: TW_E_IO,
 * TW_E_PARSE (missing column, bad code or level, non-UTF-8 bytes),
 * TW_E_DUPLICATE (a code twice), TW_E_EMPTY (no rows). @since 0.1
 */
tw_status tw_gazetteer_read_psgc(tw_ctx *ctx, const char *path, tw_gazetteer **out);
void tw_gazetteer_free(tw_gazetteer *g);
/** Number of units at a level (TW_LEVEL_UNKNOWN: all units). */
size_t tw_gazetteer_count(const tw_gazetteer *g, tw_level level);
/**
 * Name (borrowed, as printed by PSA) and level of a code, or NULL when the
 * code is not in the gazetteer. level may be NULL. NCR districts, which
 * PSA lists without a 10-digit code, carry 13 0 DD 00000 built from their
 * correspondence code (1303900000 = First District), as municipalities.csv.
 */
const char *tw_gazetteer_name(const tw_gazetteer *g, const char *code, tw_level *level);
/** Code of the next coarser unit (HUCs: the province they lie in); 0 if none. */
int tw_gazetteer_parent(const tw_gazetteer *g, const char *code,
                        char out[TW_PSGC_LEN + 1]);

/** What the geocoder could say about an address. @since 0.1 */
typedef enum tw_geocode_outcome {
    TW_GEOCODE_NOT_FOUND = 0, /* nothing recognised */
    TW_GEOCODE_EXACT,         /* one barangay, every matched name as written
                                 (after normalisation; old names included) */
    TW_GEOCODE_FUZZY,         /* one barangay, some name matched with typos */
    TW_GEOCODE_AMBIGUOUS,     /* several units fit equally well: candidates */
    TW_GEOCODE_COARSER        /* only a municipality, province or region */
} tw_geocode_outcome;

/** "not_found", "exact", "fuzzy", "ambiguous", "coarser". */
const char *tw_geocode_outcome_name(tw_geocode_outcome o);

#define TW_GEOCODE_MAX_ADDRESS 1024  /* bytes of one address */
#define TW_GEOCODE_MAX_CANDIDATES 8  /* candidates kept in a result */

typedef struct tw_geocode_result {
    tw_geocode_outcome outcome;
    tw_level level;             /* level of psgc; UNKNOWN when psgc is "" */
    char psgc[TW_PSGC_LEN + 1]; /* EXACT/FUZZY: the barangay; COARSER: the
                                   unit recognised; AMBIGUOUS: the finest unit
                                   containing every candidate, or ""; NOT_FOUND: "" */
    double score;               /* 0..1: 1 = every name exactly as in PSGC;
                                   lower for old names, aliases, typos */
    size_t n_candidates;        /* AMBIGUOUS: how many units fit (may exceed
                                   TW_GEOCODE_MAX_CANDIDATES); else 0 */
    char candidates[TW_GEOCODE_MAX_CANDIDATES][TW_PSGC_LEN + 1]; /* best first */
} tw_geocode_result;

/**
 * Geocode one written address (UTF-8, parts separated by commas in any
 * order; missing parts allowed). No allocation; safe to call from several
 * threads on one gazetteer with one context each. Errors (result set to
 * NOT_FOUND): TW_E_PARSE for bytes that are not UTF-8, TW_E_DOMAIN for an
 * address longer than TW_GEOCODE_MAX_ADDRESS bytes. @since 0.1
 */
tw_status tw_geocode(tw_ctx *ctx, const tw_gazetteer *g, const char *address,
                     size_t len, tw_geocode_result *out);

/**
 * The normalised form the geocoder compares (lowercase ASCII words, rules in
 * docs/geocode.md), written to out (cap bytes with NUL). TW_E_PARSE for
 * non-UTF-8, TW_E_DOMAIN when it does not fit. @since 0.1
 */
tw_status tw_geocode_normalise(tw_ctx *ctx, const char *s, size_t len, char *out,
                               size_t cap);

/** Options of tw_geocode_csv; NULL or zero fields take the defaults. */
typedef struct tw_geocode_csv_opts {
    const char *column; /* address column (header name), default "address" */
    int keep_going;     /* 1: a bad address (empty, not UTF-8, too long) gets the outcome
                           "invalid" and a warning; 0: it stops the run */
    /* Records for the store and the analyses (docs/geocode.md, "From written
       addresses to the analyses and the store"); both paths or neither. @since 0.1 */
    const char *records_path; /* input columns without the address column, + psgc,
                                 location_precision (+ psgc_version): only rows placed
                                 with confidence */
    const char *review_path;  /* every other row (ambiguous, not_found, invalid, a fuzzy or
                                 coarser score below min_score): input columns + the
                                 geocoder's answer, candidates named, and why; implies
                                 keep_going */
    double min_score;         /* fuzzy/coarser results scoring below it go to review:
                                 0 = the default TW_GEOCODE_MIN_SCORE, < 0 = none */
    const char *psgc_version; /* non-NULL: a psgc_version column in the records file */
} tw_geocode_csv_opts;

#define TW_GEOCODE_MIN_SCORE 0.8 /* default review threshold of fuzzy and coarser results */

/** What tw_geocode_csv did. */
typedef struct tw_geocode_report {
    size_t rows;            /* records geocoded (invalid ones included) */
    size_t by_outcome[5];   /* indexed by tw_geocode_outcome */
    size_t invalid;         /* bad addresses kept with keep_going */
    size_t records, review; /* rows written to records_path and review_path */
    size_t below_score;     /* fuzzy/coarser rows sent to review for their score */
} tw_geocode_report;

/**
 * Geocode the address column of a CSV file ("-" = stdin) into out_path
 * ("-" = stdout; NULL: none, then records_path is required): every input
 * column, then psgc, level, outcome, score, candidates (codes joined by ';')
 * and n_candidates. With opts->records_path and review_path, each row also
 * goes to exactly one of the two (docs/geocode.md). Errors name file,
 * line and field: TW_E_EMPTY (no header or no records), TW_E_PARSE (no
 * such column, an output column already present, malformed CSV, a bad
 * address), TW_E_DOMAIN (address too long), TW_E_IO. On failure the
 * output file is removed. @since 0.1
 */
tw_status tw_geocode_csv(tw_ctx *ctx, const tw_gazetteer *g, const char *in_path,
                         const char *out_path, const tw_geocode_csv_opts *opts,
                         tw_geocode_report *rep);

/*
 * PSGC crosswalks: codes of one PSGC version brought onto another
 * (recode 1:1, split by weight, merge), so that a multi-year series stays on
 * one geography. File format (CSV): from_version,to_version,old_code,
 * new_code,kind,weight,scope,note; docs/geocode.md. @since 0.1
 */
typedef struct tw_crosswalk tw_crosswalk;

typedef struct tw_crosswalk_target {
    char code[TW_PSGC_LEN + 1];
    double weight; /* share of the old unit (1 unless split) */
} tw_crosswalk_target;

/**
 * Read a crosswalk CSV. Every row is checked (codes, kind, weight in (0, 1],
 * scope unit|tree) and the rows together (one target per recode, split
 * weights summing to 1, no pair twice); errors name file, line and field.
 */
tw_status tw_crosswalk_read(tw_ctx *ctx, const char *path, tw_crosswalk **out);
/**
 * The built-in example: the Negros Island Region (RA 12000, 2024) from PSGC
 * 4Q 2023 codes in g (step "2023Q4" -> "2024Q2"): Negros Occidental, the
 * City of Bacolod, Negros Oriental and Siquijor move with all their units to
 * region 18; Regions VI and VII split by 2020 population.
 */
tw_status tw_crosswalk_nir(tw_ctx *ctx, const tw_gazetteer *g, tw_crosswalk **out);
tw_status tw_crosswalk_write(tw_ctx *ctx, const tw_crosswalk *cw, const char *path);
void tw_crosswalk_free(tw_crosswalk *cw);
/** Number of rows. */
size_t tw_crosswalk_count(const tw_crosswalk *cw);
/**
 * Targets of code from version `from` to `to`, following the steps
 * forward; codes no step mentions are unchanged. Writes up to cap targets,
 * *n = their number (may exceed cap). TW_E_ARG when no steps lead from
 * `from` to `to`.
 */
tw_status tw_crosswalk_map(tw_ctx *ctx, const tw_crosswalk *cw, const char *from,
                           const char *to, const char *code, tw_crosswalk_target *out,
                           size_t cap, size_t *n);
/**
 * Apply a crosswalk to the code column of a CSV: every input column plus
 * new_psgc and crosswalk_weight, one row per target (splits give several);
 * count_column (may be NULL) is multiplied by the weight. *rows = input
 * records. Errors name file, line and field.
 */
tw_status tw_crosswalk_csv(tw_ctx *ctx, const tw_crosswalk *cw, const char *from,
                           const char *to, const char *in_path, const char *column,
                           const char *count_column, const char *out_path, size_t *rows);

/* ------------------------------------------------------------------ */
/* Scan statistics                                                     */
/* ------------------------------------------------------------------ */

/*
 * Kulldorff's spatial and space-time scan statistics, following SaTScan's
 * conventions (docs/scan.md): circular windows centred on each area's
 * point, grown one location at a time in order of distance, up to a share
 * of the population at risk and/or a radius; the log-likelihood ratio of
 * Kulldorff (1997); Monte Carlo p-values from replicas conditioned on the
 * total; secondary clusters without geographical overlap.
 */
typedef enum tw_scan_model {
    TW_SCAN_POISSON = 0, /* cases against population (or expected counts) */
    TW_SCAN_BERNOULLI,   /* cases against controls */
    TW_SCAN_STPERM       /* space-time permutation (Kulldorff et al. 2005) */
} tw_scan_model;

typedef enum tw_scan_tail {
    TW_SCAN_HIGH = 0, /* more cases than expected (default) */
    TW_SCAN_LOW,      /* fewer */
    TW_SCAN_BOTH
} tw_scan_tail;

typedef enum tw_scan_coords {
    TW_SCAN_LATLONG = 0, /* x = lon, y = lat degrees; distances on SaTScan's sphere (6367 km) */
    TW_SCAN_CARTESIAN    /* x, y planar (km); Euclidean distance */
} tw_scan_coords;

typedef enum tw_scan_mode {
    TW_SCAN_RETROSPECTIVE = 0, /* every time interval of the study period */
    TW_SCAN_PROSPECTIVE        /* only windows that reach the last interval */
} tw_scan_mode;

/** Window shape (SaTScan's "spatial window shape"). @since 0.2 */
typedef enum tw_scan_shape {
    TW_SCAN_CIRCLE = 0, /* circles only (default) */
    TW_SCAN_ELLIPSE     /* the circle and SaTScan's default ellipses: shapes 1.5, 2, 3, 4, 5
                           with 4, 6, 9, 12, 15 angles (Kulldorff et al. 2006) */
} tw_scan_shape;

/** Non-compactness penalty of elliptic windows: LLR x (4s / (s + 1)^2)^a. @since 0.2 */
typedef enum tw_scan_penalty {
    TW_SCAN_PENALTY_MEDIUM = 0, /* a = 1/2 (SaTScan's default) */
    TW_SCAN_PENALTY_NONE,       /* a = 0 */
    TW_SCAN_PENALTY_STRONG      /* a = 1 */
} tw_scan_penalty;

/** The data scanned; all arrays borrowed. @since 0.1 */
typedef struct tw_scan_data {
    size_t n;                 /* areas */
    const double *x, *y;      /* n: coordinates (see tw_scan_coords) */
    size_t n_times;           /* 0 or 1: purely spatial; > 1: space-time intervals */
    const double *cases;      /* n, or n * n_times area-major (cases[i * n_times + t]);
                                 whole numbers >= 0 */
    const double *population; /* POISSON: population at risk (n), or NULL with expected */
    const double *expected;   /* POISSON: expected counts (n or n * n_times), rescaled to
                                 the total of cases; NULL = from population */
    const double *controls;   /* BERNOULLI: controls (n); whole numbers >= 0 */
} tw_scan_data;

typedef struct tw_scan_opts {
    tw_scan_model model;
    tw_scan_tail tail;
    tw_scan_coords coords;
    tw_scan_mode mode;       /* space-time only */
    double max_pop_share;    /* (0, 0.5]: largest window as a share of the population
                                at risk (cases + controls for BERNOULLI, cases for
                                STPERM); 0 = 0.5 */
    double max_radius_km;    /* > 0: largest radius (coordinate units for CARTESIAN);
                                0 = none */
    double max_time_share;   /* space-time: longest window as a share of the period,
                                (0, 0.9]; 0 = 0.5 */
    int replicas;            /* Monte Carlo replicas (999); 0 = none (p is NaN) */
    uint64_t seed;
    size_t max_clusters;     /* clusters reported; 0 = every non-overlapping one */
    int min_cases;           /* high-rate windows need at least this many cases
                                (SaTScan's "minimum cases in cluster"); 0 = 2 */
    tw_scan_shape shape;     /* purely spatial only; @since 0.2 */
    tw_scan_penalty penalty; /* elliptic windows only; @since 0.2 */
} tw_scan_opts;

/** One cluster; members belong to the result. @since 0.1 */
typedef struct tw_scan_cluster {
    int rank;              /* 1 = most likely cluster */
    int32_t center;        /* index of the centre area */
    double radius_km;      /* distance from the centre to the farthest member, as
                              SaTScan prints it (coordinate units for CARTESIAN);
                              ellipses: the semi-minor axis (semi-major = shape x it) */
    size_t n_areas;
    int32_t *members;      /* n_areas area indices, nearest first */
    double observed;       /* cases inside */
    double expected;       /* expected cases inside under the null */
    double population;     /* population (or cases + controls) inside; NaN for STPERM */
    double rr;             /* relative risk: (obs/exp inside) / (obs/exp outside) */
    double oe;             /* observed / expected */
    double llr;            /* log-likelihood ratio */
    double p;              /* Monte Carlo p: (1 + #replicas with max LLR >= llr) / (R + 1) */
    double p_gumbel;       /* Gumbel approximation p (NaN with fewer than 2 replicas) */
    int high;              /* 1: more cases than expected, 0: fewer */
    int32_t t_start, t_end;/* time intervals (inclusive); purely spatial: 0, 0 */
    double recurrence;     /* prospective: recurrence interval in time units (1/p);
                              NaN otherwise */
    double shape;          /* window shape: longest / shortest axis (1 = circle); @since 0.2 */
    double angle_deg;      /* angle of the longest axis, degrees counter-clockwise from
                              the x (east) axis, in [0, 180); 0 for circles */
    double test_stat;      /* LLR x non-compactness penalty: what ranks clusters and is
                              compared with the replicas (= llr for circles) */
} tw_scan_cluster;

typedef struct tw_scan_result {
    size_t n_clusters;
    tw_scan_cluster *clusters;  /* by rank */
    double total_cases;
    double total_population;    /* NaN when not applicable */
    int replicas;
    double *replica_llr;        /* replicas entries: each replica's largest LLR */
    double crit_05, crit_01, crit_001; /* LLR needed for p < 0.05, 0.01, 0.001; NaN when
                                          too few replicas */
    uint64_t windows;           /* windows evaluated on the data */
} tw_scan_result;

/**
 * Run the scan. Fractional, negative or non-finite case counts are
 * TW_E_DOMAIN (naming the area); cases in an area without population are
 * TW_E_DOMAIN. Results are identical for any thread count.
 */
tw_status tw_scan_run(tw_ctx *ctx, const tw_scan_data *data, const tw_scan_opts *opts,
                      tw_scan_result **out);
void tw_scan_result_free(tw_ctx *ctx, tw_scan_result *r);

/**
 * Power evaluation as SaTScan's (user guide, "Power evaluation"): the
 * critical values of the test statistic at alpha 0.05, 0.01, 0.001 come
 * from opts->replicas null replicas with total_cases cases; then n_alt
 * data sets are drawn under the alternative (total_cases cases,
 * multinomial with probabilities population x rr, SaTScan's "fixed number
 * of cases") and scanned with the same options; the power at alpha is the
 * share whose largest statistic exceeds the critical value. Poisson,
 * purely spatial. @since 0.2
 */
typedef struct tw_scan_power_opts {
    int n_alt;                /* data sets under the alternative (>= 1) */
    const double *rr;         /* data->n relative risks (> 0; 1 = no excess); the
                                 planted areas are those with rr > 1 */
    double total_cases;       /* cases in every data set; 0 = the data's total */
} tw_scan_power_opts;

typedef struct tw_scan_power {
    int n_alt, replicas;
    double total_cases;
    double alpha[3];          /* 0.05, 0.01, 0.001 */
    double crit[3];           /* critical values (NaN: too few replicas) */
    int rejected[3];          /* data sets whose statistic exceeds crit */
    double power[3];          /* rejected / n_alt */
    double sensitivity[3];    /* mean over the rejected data sets: share of the planted
                                 areas inside the most likely cluster (NaN: none) */
    double ppv[3];            /* mean over them: share of the cluster's areas planted */
    double *alt_stat;         /* n_alt: largest statistic of each data set */
} tw_scan_power;

tw_status tw_scan_power_run(tw_ctx *ctx, const tw_scan_data *data, const tw_scan_opts *opts,
                            const tw_scan_power_opts *popts, tw_scan_power **out);
void tw_scan_power_free(tw_ctx *ctx, tw_scan_power *p);

/**
 * The log-likelihood ratio of one window (Kulldorff 1997): c cases and
 * measure m inside, C cases and measure N in all (POISSON: population or
 * expected counts; BERNOULLI: cases + controls). 0 when the window is not
 * in the tail (no minimum number of cases is applied). @since 0.2
 */
double tw_scan_window_llr(tw_scan_model model, tw_scan_tail tail, double c, double m, double C,
                          double N);

/** SaTScan's lat/long distance: chord on a sphere of 6367 km. @since 0.1 */
double tw_scan_distance_km(double lon1, double lat1, double lon2, double lat2);

/* ------------------------------------------------------------------ */
/* Space-time and trends                                               */
/* ------------------------------------------------------------------ */

/** Mann-Kendall trend test and Sen's slope of one series. @since 0.1 */
typedef struct tw_mk_result {
    size_t n;          /* values used (NaN entries are skipped, positions kept) */
    double s;          /* S = sum over i<j of sign(x_j - x_i) */
    double var_s;      /* Var(S) under no trend, corrected for ties in x */
    double z;          /* (S - sign S) / sqrt(var_s): continuity corrected; NaN if var_s == 0 */
    double p;          /* two-sided normal p of z; NaN if var_s == 0 */
    double tau;        /* S / sqrt((n(n-1)/2 - sum t(t-1)/2) n(n-1)/2), as Kendall::MannKendall */
    double sen_slope;  /* median over i<j of (x_j - x_i) / (j - i), per step */
} tw_mk_result;

/**
 * Mann-Kendall test (Mann 1945, Kendall 1975) and Sen's slope (Sen 1968)
 * of x[0..n) in time order. Needs at least 2 non-NaN values (TW_E_EMPTY).
 * O(n^2) time, O(n^2) memory for the slopes. See docs/emerging.md.
 */
tw_status tw_mann_kendall(tw_ctx *ctx, const double *x, size_t n, tw_mk_result *out);

/** Time steps of a space-time cube. @since 0.1 */
typedef enum tw_step {
    TW_STEP_WEEK = 0,  /* 7-day blocks starting on the --from day */
    TW_STEP_MONTH,     /* calendar months */
    TW_STEP_QUARTER,   /* calendar quarters (Jan, Apr, Jul, Oct) */
    TW_STEP_YEAR       /* calendar years */
} tw_step;

/** Parse "week"|"month"|"quarter"|"year" (TW_E_ARG otherwise). */
tw_status tw_step_parse(const char *s, tw_step *out);
const char *tw_step_name(tw_step step);
/**
 * Number of steps from the one containing from_day to the one containing
 * to_day (days since 1970-01-01, inclusive); 0 when to_day < from_day.
 */
size_t tw_step_count(tw_step step, int32_t from_day, int32_t to_day);
/** First day of step k (calendar start; week k starts at from_day + 7k). */
int32_t tw_step_start(tw_step step, int32_t from_day, size_t k);
/** Label of step k: "2024-03-04" (week), "2024-03", "2024-Q1", "2024". */
void tw_step_label(tw_step step, int32_t from_day, size_t k, char buf[16]);

/**
 * Space-time cube of counts: counts[k * n + i] for area i of a
 * (n = tw_areas_count(a)) and step k of tw_step_count(step, from, to).
 * Records are placed on areas exactly as tw_cases_aggregate does (opts;
 * its day range is replaced by [from_day, to_day]); empty steps are zeros.
 * rep (may be NULL) sums the placement over the steps; filtered_out counts
 * the records outside the period or filters. O(steps * records).
 */
tw_status tw_cube_count(tw_ctx *ctx, const tw_cases *c, const tw_areas *a,
                        const tw_locator *loc, const tw_aggregate_opts *opts,
                        tw_step step, int32_t from_day, int32_t to_day,
                        double *counts, tw_aggregate_report *rep);

/**
 * Emerging hot spot categories (ArcGIS Pro's 17 patterns; definitions and
 * our tie-breaking in docs/emerging.md): hot spots +1..+8, cold spots
 * -1..-8 (same order), 0 no pattern.
 */
enum {
    TW_EHS_NONE = 0,
    TW_EHS_NEW = 1,
    TW_EHS_CONSECUTIVE = 2,
    TW_EHS_INTENSIFYING = 3,
    TW_EHS_PERSISTENT = 4,
    TW_EHS_DIMINISHING = 5,
    TW_EHS_SPORADIC = 6,
    TW_EHS_OSCILLATING = 7,
    TW_EHS_HISTORICAL = 8
};

/** "new hot spot", ..., "historical cold spot", "no pattern detected". */
const char *tw_emerging_label(int category);

/**
 * Category of one location from its per-step significance (sig[k] = +1
 * significant hot bin, -1 significant cold bin, 0 neither; k = 0 is the
 * oldest step) and the Mann-Kendall trend of its Gi* z series (trend_z,
 * trend_p; a trend counts when trend_p <= alpha).
 */
int tw_emerging_category(const int *sig, size_t steps, double trend_z, double trend_p,
                         double alpha);

typedef struct tw_emerging_opts {
    int time_neighbours;       /* k: bins of the spatial neighbourhood at the same
                                  step and the k previous steps (ArcGIS's
                                  neighbourhood time step; default 1) */
    double alpha;              /* significance of bins and trends; 0 = 0.05 */
    tw_correction correction;  /* on the p-values of all bins (ArcGIS Pro: FDR) */
} tw_emerging_opts;

/** Results: bins are indexed [k * n + i] (step k, area i). */
typedef struct tw_emerging_result {
    size_t n, steps;
    double *z, *p, *p_adjusted; /* per bin: space-time Gi* */
    int *bin_cls;               /* per bin: +3/+2/+1 hot at 99/95/90 %, -1..-3 cold, 0 */
    int *category;              /* per area: TW_EHS_* signed */
    double *trend_z, *trend_p, *trend_tau; /* per area: Mann-Kendall of the Gi* z series */
    double *count_tau, *count_p, *count_sen; /* per area: Mann-Kendall and Sen of the counts */
    int *hot_steps, *cold_steps; /* per area: significant hot / cold bins (p_adjusted <= alpha) */
    double *last_z;             /* per area: Gi* z of the last step */
} tw_emerging_result;

/**
 * Emerging hot spot analysis of a cube (counts[k * n + i], steps >= 2):
 * Gi* of every bin over the whole cube with space-time neighbours (the
 * bin itself, its spatial neighbours in w at the same step, and the same
 * locations in the previous k steps; weights of w, 1 for the location
 * itself), as ArcGIS Pro's Emerging Hot Spot Analysis with the global
 * window "entire cube"; then Mann-Kendall per area and the categories.
 * w: spatial weights without self-links (any self-link is ignored).
 */
tw_status tw_emerging_compute(tw_ctx *ctx, const tw_weights *w, const double *counts,
                              size_t steps, const tw_emerging_opts *opts,
                              tw_emerging_result **out);
void tw_emerging_result_free(tw_ctx *ctx, tw_emerging_result *r);

/** Map of the categories over the area polygons (PNG or SVG by suffix). */
tw_status tw_emerging_map_write(tw_ctx *ctx, const tw_areas *a, const int *category,
                                const char *title, const char *subtitle, const char *path);

/**
 * Line chart (PNG or SVG by suffix) of nseries series over steps:
 * values[s * steps + k] is series s at step k; step_labels has steps
 * entries (some are skipped when crowded). For counts over time of the
 * top areas (at most 12 series).
 */
tw_status tw_chart_write(tw_ctx *ctx, const char *const *names, const double *values,
                         size_t nseries, size_t steps, const char *const *step_labels,
                         const char *title, const char *y_label, const char *path);

/* ------------------------------------------------------------------ */
/* Kernel density                                                      */
/* ------------------------------------------------------------------ */

/** A raster of square cells in planar coordinates. @since 0.1 */
typedef struct tw_grid {
    size_t nx, ny;   /* columns, rows */
    double x0, y0;   /* lower-left corner (cell edges) */
    double cell;     /* cell side */
} tw_grid;

typedef enum tw_kernel {
    TW_KERNEL_GAUSSIAN = 0, /* isotropic normal, sd sigma */
    TW_KERNEL_QUARTIC       /* (3/pi R^2)(1 - r^2/R^2)^2, R = sqrt(8) sigma (sd sigma, as spatstat) */
} tw_kernel;

typedef enum tw_kde_mode {
    TW_KDE_SPATSTAT = 0, /* points moved to their cell centre, kernel sampled at cell
                            offsets and scaled to sum 1: spatstat density.ppp */
    TW_KDE_LINEAR,       /* linear binning, kernel values exact: closer to the exact sum */
    TW_KDE_EXACT         /* exact sum over points at every cell centre (small inputs) */
} tw_kde_mode;

typedef struct tw_kde_opts {
    tw_kernel kernel;
    double sigma;        /* kernel standard deviation, planar units (> 0) */
    tw_kde_mode mode;
    int edge;            /* 1: uniform edge correction (density.ppp edge=TRUE) */
} tw_kde_opts;

/**
 * Kernel intensity on g from n points (x, y) with weights w (NULL = 1):
 * density[iy * nx + ix] at the centre of cell (ix, iy), row 0 the lowest,
 * in points per squared unit. Points outside the grid are ignored (counted
 * in a warning). SPATSTAT and LINEAR convolve by FFT (FFTW): O(n + cells
 * log cells); EXACT is O(n * cells) and refused above 2e9 kernel
 * evaluations (TW_E_UNSUPPORTED).
 */
tw_status tw_kde_compute(tw_ctx *ctx, const double *x, const double *y, const double *w,
                         size_t n, const tw_grid *g, const tw_kde_opts *opts,
                         double *density);

/** Exact kernel sum at (px, py): sum_i w_i K_sigma(p - x_i), Gaussian terms beyond 10 sigma (< 1e-22 of the peak) left out. O(n). */
double tw_kde_exact_at(const double *x, const double *y, const double *w, size_t n,
                       tw_kernel kernel, double sigma, double px, double py);

/**
 * Difference of a computed surface from the exact kernel sum at `samples`
 * cells drawn with seed (all cells when samples >= cells): the largest
 * |density - exact| divided by the largest exact value seen.
 */
tw_status tw_kde_compare_exact(tw_ctx *ctx, const double *x, const double *y, const double *w,
                               size_t n, const tw_grid *g, const tw_kde_opts *opts,
                               const double *density, size_t samples, uint64_t seed,
                               double *max_diff_of_peak);

typedef enum tw_bw_rule {
    TW_BW_SCOTT = 0,  /* spatstat bw.scott(isotropic=TRUE): sqrt(sd_x sd_y) n^(-1/6) */
    TW_BW_SILVERMAN,  /* ArcGIS Kernel Density: 0.9 min(SD, sqrt(1/ln 2) Dm) n^(-1/5) */
    TW_BW_CV          /* likelihood cross-validation over a grid of sigmas (binned) */
} tw_bw_rule;

/** Parse "scott"|"silverman"|"cv". */
tw_status tw_bw_rule_parse(const char *s, tw_bw_rule *out);

/**
 * Bandwidth (sigma, planar units) by rule. g is used by TW_BW_CV only
 * (may be NULL otherwise). Weighted points count w_i times.
 */
tw_status tw_kde_bandwidth(tw_ctx *ctx, const double *x, const double *y, const double *w,
                           size_t n, tw_bw_rule rule, tw_kernel kernel, const tw_grid *g,
                           double *sigma);

/**
 * UTM projection on WGS84 (Krueger series to n^6 as in Karney 2011,
 * accurate to well under a millimetre within 3500 km of the central
 * meridian), northern hemisphere: zone 51 is EPSG:32651.
 */
void tw_utm_forward(int zone, double lon, double lat, double *easting_m, double *northing_m);
void tw_utm_inverse(int zone, double easting_m, double northing_m, double *lon, double *lat);
/** ESRI WKT of WGS 84 / UTM zone `zone`N for .prj files, into buf (TW_E_ARG if too small). */
tw_status tw_utm_wkt(int zone, char *buf, size_t cap);

/** Filters for tw_cases_points. */
typedef struct tw_points_opts {
    int32_t from_day, to_day; /* inclusive; 0,0 = all */
    const char *source;       /* one name or a comma-separated list (NULL = all) */
    const char *category;     /* NULL = all */
    int weight_children;      /* 1: weight = children involved */
    /* Imprecise points (docs/kde.md, "Points"); zero = every point as given. @since 0.1 */
    int ip_rule;         /* 1: CyberTipline coordinates without uncertainty_m are IP
                            geolocations, known at municipality level at best: uncertain
                            by tw_max_uncertainty_m(TW_LEVEL_MUNICIPALITY) (50 km) */
    double max_radius_m; /* > 0: points whose uncertainty radius (uncertainty_m, or the
                            ip_rule's) exceeds it are left out and counted in *imprecise */
} tw_points_opts;

/**
 * Coordinates of the records that have them (after the filters): call with
 * lon == NULL to get the count in *n, then with arrays of that size (w may
 * be NULL). *without (may be NULL) counts filtered-in records without
 * coordinates, *imprecise (may be NULL) those left out for their
 * uncertainty radius (opts->max_radius_m).
 */
tw_status tw_cases_points(tw_ctx *ctx, const tw_cases *c, const tw_points_opts *opts,
                          double *lon, double *lat, double *w, size_t cap, size_t *n,
                          size_t *without, size_t *imprecise);

/**
 * ESRI ASCII grid (rows written north first) with a .prj next to it when
 * prj_wkt is not NULL (path with .asc replaced by .prj). NaN cells are
 * written as nodata -9999.
 */
tw_status tw_grid_write_asc(tw_ctx *ctx, const tw_grid *g, const double *v,
                            const char *prj_wkt, const char *path);
/** CSV of cells: col,row,x,y,lon,lat,value (lon/lat through UTM zone; 0 = none). */
tw_status tw_grid_write_csv(tw_ctx *ctx, const tw_grid *g, const double *v, int utm_zone,
                            int skip_zero, const char *path);
/**
 * Heat map PNG of v (grid in UTM zone), with the polygons of a (may be
 * NULL) drawn over it and a legend titled legend_title.
 */
tw_status tw_kde_map_write(tw_ctx *ctx, const tw_grid *g, const double *v, int utm_zone,
                           const tw_areas *a, const char *title, const char *legend_title,
                           const char *path);

/* ------------------------------------------------------------------ */
/* Case store (docs/store.md)                                          */
/* ------------------------------------------------------------------ */

/**
 * A store of case records from many batches (files sent by agencies): a
 * SQLite file in WAL mode. Each batch is stored whole or not at all, with
 * its provenance; identifiers are kept only as keyed hashes. A store
 * handle is used by one thread at a time. @since 0.1
 */
typedef struct tw_store tw_store;

#define TW_KEY_BYTES 32 /* pseudonymisation key (BLAKE2b key) */

#define TW_STORE_CREATE 1u /* tw_store_open: create the file when absent */

/**
 * Open the store at path: a SQLite file path, or a PostgreSQL connection
 * URL (postgresql://... or postgres://..., libpq; the database must
 * exist). With TW_STORE_CREATE in flags a missing SQLite file is created
 * empty, otherwise it is TW_E_IO (a typo must not make a new store). The
 * schema is not touched: call tw_store_migrate (tanaw db init) once.
 * Errors: TW_E_IO (messages never show a URL's password).
 */
tw_status tw_store_open(tw_ctx *ctx, const char *path, unsigned flags, tw_store **out);
void tw_store_close(tw_store *st);
/** 1 when a --db value names a PostgreSQL store (postgresql:// or postgres://). */
int tw_store_is_url(const char *path);
/** The --db value fit for messages: a URL's password replaced by ***. */
void tw_store_redact(const char *path, char *out, size_t cap);
/**
 * Apply the forward migrations the store lacks. *from and *to (may be
 * NULL) receive the schema version before and after. A store newer than
 * this library is TW_E_UNSUPPORTED.
 */
tw_status tw_store_migrate(tw_ctx *ctx, tw_store *st, int *from, int *to);

typedef struct tw_store_ingest_opts {
    const char *agency;       /* who sent the batch (required, 1-64 chars) */
    const char *loaded_by;    /* who loads it (required, 1-64 chars) */
    const uint8_t *key;       /* TW_KEY_BYTES pseudonymisation key (required) */
    const char *rejects_path; /* CSV of rejected rows, as tw_cases_read_csv; NULL: none */
    int32_t max_day;          /* latest accepted date; 0 = today in Manila */
    int64_t loaded_at;        /* seconds since 1970 (UTC) to record; 0 = now */
} tw_store_ingest_opts;

typedef struct tw_store_ingest_report {
    size_t rows_read, rows_rejected;
    size_t added;          /* records new to the store */
    size_t duplicates;     /* records the store already held (any batch) */
    int64_t batch_id;      /* the new batch, or the earlier one (file_known), or 0 */
    int file_known;        /* 1: a file with the same SHA-256 was loaded before */
    char sha256[65];       /* of the file, lowercase hex */
} tw_store_ingest_report;

/**
 * Validate a record CSV (docs/cases.md, extended by docs/store.md) and
 * store it as one batch in one transaction. Any rejected row rejects the
 * batch (TW_E_PARSE, rows in the rejects file, nothing stored). A file
 * already loaded, or one whose records are all in the store, adds nothing
 * (TW_OK, added 0, no batch). A key other than the store's is TW_E_ARG.
 */
tw_status tw_store_ingest_csv(tw_ctx *ctx, tw_store *st, const char *path,
                              const tw_store_ingest_opts *opts,
                              tw_store_ingest_report *rep);

/** One batch as `tanaw db status` lists it. */
typedef struct tw_store_batch {
    int64_t id;
    char agency[65], loaded_by[65];
    char loaded_at[21];    /* YYYY-MM-DDTHH:MM:SSZ */
    char file_name[256];   /* base name only */
    char sha256[65];
    int64_t rows_read, added, duplicates, purged;
} tw_store_batch;

typedef struct tw_store_info {
    int schema_version;
    int64_t batches, records, identifiers;
    int32_t first_day, last_day; /* report days; 0,0 when empty */
} tw_store_info;

tw_status tw_store_info_get(tw_ctx *ctx, tw_store *st, tw_store_info *out);
/** Batches in id order; free *out with tw_store_batches_free. */
tw_status tw_store_batches(tw_ctx *ctx, tw_store *st, tw_store_batch **out, size_t *n);
void tw_store_batches_free(tw_ctx *ctx, tw_store_batch *b);

/**
 * Check the store: SQLite integrity and foreign keys, records per batch
 * against the counts recorded at ingest (less those purged), and each
 * batch's records hash (BLAKE2b over its records' content hashes, recorded
 * at ingest beside the file's SHA-256). *problems counts what failed; the
 * first few are warnings (tw_ctx_warning). TW_OK even when problems > 0.
 */
tw_status tw_store_verify(tw_ctx *ctx, tw_store *st, size_t *problems);

/**
 * The roles of a national deployment on PostgreSQL (docs/store.md):
 * tanaw_load (ingest), tanaw_link (dedup), tanaw_analyst (read-only, no
 * identifier hashes), as idempotent SQL for the DBA. tw_store_roles_apply
 * runs it in one transaction (the store's owner with CREATEROLE);
 * TW_E_UNSUPPORTED on SQLite.
 */
const char *tw_store_roles_sql(void);
tw_status tw_store_roles_apply(tw_ctx *ctx, tw_store *st);

/**
 * The batch that was loaded from a file with the same SHA-256 as path
 * (*batch_id 0 when none): checks an archived original against the
 * provenance. sha256 (may be NULL) receives the file's hash.
 */
tw_status tw_store_find_file(tw_ctx *ctx, tw_store *st, const char *path, int64_t *batch_id,
                             char sha256[65]);

/**
 * Delete the records reported before before_day (days since 1970-01-01)
 * and their identifiers, in one transaction; batches keep their provenance
 * and count the purged records.
 */
tw_status tw_store_purge(tw_ctx *ctx, tw_store *st, int32_t before_day, size_t *deleted);

/** Write the pseudonymised records (docs/store.md) to a CSV. */
tw_status tw_store_export_csv(tw_ctx *ctx, tw_store *st, const char *path, size_t *rows);

/** Filters applied when reading records back (NULL / 0,0 = all). */
typedef struct tw_store_filter {
    int32_t from_day, to_day; /* inclusive */
    const char *source;       /* one name or a comma-separated list, compared
                                 without regard to case */
    const char *category;
} tw_store_filter;

/**
 * Add the store's records that pass the filter to *inout (created when
 * NULL), as tw_cases_read_csv would have read them. *n (may be NULL)
 * receives the number added.
 */
tw_status tw_store_read_cases(tw_ctx *ctx, tw_store *st, const tw_store_filter *f,
                              tw_cases **inout, size_t *n);

/*
 * Incidents: the records of one incident referred by several agencies,
 * linked through shared identifier hashes, dates within a window and the
 * same or neighbouring place (docs/dedup.md). @since 0.1
 */
typedef struct tw_dedup_opts {
    int32_t window_days;       /* largest day gap of a link, 0..3650; 0: 90 */
    size_t max_shared;         /* an identifier on more records is common; 0: 10 */
    const tw_areas *areas;     /* geography of the place rule; NULL: PSGC hierarchy */
    const tw_weights *weights; /* adjacency of areas (required with areas) */
    const char *geography;     /* text kept with the run (files, level, weights) or NULL */
    int32_t reference_window_days; /* largest day gap of a link through a case
                                      reference (referred_from), 0..3650; 0: 365 */
} tw_dedup_opts;

typedef struct tw_dedup_report {
    int64_t run_id;
    size_t records, incidents;
    size_t multi_record;       /* incidents of more than one record */
    size_t links;
    size_t links_by_rule[4];   /* strong, two-kinds, same-area, reference */
} tw_dedup_report;

/**
 * Link all records of the store into incidents, in one transaction, and
 * keep the run (parameters, membership, every link with its explanation).
 * The same store and options give the same incidents. rep may be NULL.
 */
tw_status tw_store_dedup(tw_ctx *ctx, tw_store *st, const tw_dedup_opts *opts,
                         tw_dedup_report *rep);

/** The latest dedup run; run_id 0 when dedup never ran. */
typedef struct tw_store_dedup_info {
    int64_t run_id;
    char run_at[21];           /* YYYY-MM-DDTHH:MM:SSZ */
    int32_t window_days;
    int32_t reference_window_days; /* 0 for runs before migration 6 */
    int64_t max_shared;
    char geography[256];
    int64_t records, incidents, links; /* of that run */
    int64_t unlinked;          /* records loaded since: incidents of their own */
    int stale;                 /* 1: purge removed records of the run since */
} tw_store_dedup_info;

tw_status tw_store_dedup_info_get(tw_ctx *ctx, tw_store *st, tw_store_dedup_info *out);

/** How much linking evidence one source's records carry. */
typedef struct tw_source_evidence {
    char source[33];
    int64_t records;
    int64_t without;  /* records with no identifier and no case reference that
                         no other record names: they can link to nothing */
} tw_source_evidence;

/**
 * Per source (sorted by name), its records and those that carry no
 * linking evidence at all (docs/dedup.md): the referrals dedup cannot
 * join whatever its parameters. Free *out with tw_source_evidence_free.
 */
tw_status tw_store_source_evidence(tw_ctx *ctx, tw_store *st, tw_source_evidence **out,
                                   size_t *n);
void tw_source_evidence_free(tw_ctx *ctx, tw_source_evidence *e);

/**
 * Add one record per incident of the latest dedup run (records outside it
 * count alone) to *inout, as tw_store_read_cases does for records. Its day
 * is the earliest incident day of the incident's records, else the
 * earliest report day; its place that of the record known at the finest
 * level; its source that of the earliest report. The filter's dates apply
 * to that day; an incident passes the source or category filter when any
 * of its records does (and then carries that source or category).
 */
tw_status tw_store_read_incidents(tw_ctx *ctx, tw_store *st, const tw_store_filter *f,
                                  tw_cases **inout, size_t *n);

/** What analyses count from a store (tanaw --count). */
typedef enum tw_count_unit {
    TW_COUNT_AUTO = 0,   /* incidents when the store has a dedup run, else records */
    TW_COUNT_INCIDENTS,
    TW_COUNT_RECORDS
} tw_count_unit;
/** "incidents" or "records"; anything else is TW_E_ARG. */
tw_status tw_count_unit_parse(tw_ctx *ctx, const char *text, tw_count_unit *out);

/**
 * Write the incidents (one row each) and, when links_path is not NULL,
 * the links with their explanation (case_ref hashes and the kinds of
 * identifier matched, never identifier hashes): docs/dedup.md.
 */
tw_status tw_store_write_incidents(tw_ctx *ctx, tw_store *st, const char *incidents_path,
                                   const char *links_path, size_t *incidents, size_t *links);

/** Write a new random key to path (created 0600; an existing file is TW_E_IO). */
tw_status tw_key_new_file(tw_ctx *ctx, const char *path);
/** Read a key file (64 hex digits); refused when group or others may read it. */
tw_status tw_key_read_file(tw_ctx *ctx, const char *path, uint8_t key[TW_KEY_BYTES]);
/** Parse a key given as 64 hex digits (e.g. from TANAW_KEY). */
tw_status tw_key_parse(tw_ctx *ctx, const char *text, uint8_t key[TW_KEY_BYTES]);

/* ------------------------------------------------------------------ */
/* Safe publication                                                    */
/* ------------------------------------------------------------------ */

/*
 * Counts per area made fit to leave the analysts' room (docs/publication.md):
 * optional differential-privacy noise, small counts suppressed (primary)
 * with complementary suppression over the hierarchy of the areas (their
 * PSGC ancestors up to the national total), checked by an exact audit.
 * Statistics of a public run are computed from the public view (published
 * counts, suppressed ones imputed from published totals), so no statistic
 * reveals more than the counts do. @since 0.1
 */
typedef struct tw_publish_opts {
    double min_count;   /* counts c with 0 < c < min_count are suppressed; 0 = 10;
                           1 = none; 2 is refused (a suppressed cell would be 1) */
    double epsilon;     /* > 0: two-sided geometric noise on the counts before
                           suppression (epsilon-DP per record); 0 = exact counts */
    uint64_t noise_seed;/* seed of the noise: must be secret (whoever knows it
                           can subtract the noise) */
} tw_publish_opts;

/**
 * A publication. Nodes are the n areas (0..n-1, in the order of the areas)
 * followed by the n_totals ancestor totals, finest level first, the
 * national total last. Arrays belong to the publication. @since 0.1
 */
typedef struct tw_publication {
    size_t n;              /* areas */
    size_t n_totals;       /* ancestors, national total included (last) */
    double *count;         /* n + n_totals: published count, NaN when suppressed
                              (noisy when epsilon > 0) */
    double *view;          /* n + n_totals: the count statistics use: published,
                              or imputed from published numbers when suppressed */
    int *suppressed;       /* n + n_totals: 1 withheld, 0 published */
    int32_t *parent;       /* n + n_totals: node index of the parent; -1 national */
    char (*total_id)[TW_PSGC_LEN + 1]; /* n_totals: PSGC code; "PH" for national */
    tw_level *total_level; /* n_totals: TW_LEVEL_UNKNOWN for national */
    double min_count, epsilon;
    size_t n_suppressed;   /* nodes withheld */
    double narrowest;      /* smallest width (hi - lo) of a withheld node's feasible
                              range in the audit; INFINITY when none is withheld */
    /* tw_publish_cube only (else 0 and NULL), @since 0.2: the cells of the
       space-time cube, step-major (cell t * n + i), each a child of its
       area in the same tree, so one pattern covers cells, areas and totals */
    size_t n_steps;
    double *cell_count;    /* n * n_steps: published, NaN when suppressed */
    double *cell_view;     /* n * n_steps: published or imputed from published numbers */
    int *cell_suppressed;  /* n * n_steps: 1 withheld, 0 published */
} tw_publication;

/**
 * Publish counts (n = tw_areas_count(a) whole numbers >= 0, else
 * TW_E_DOMAIN) of areas a. The hierarchy comes from tw_areas_ancestor
 * (ancestor codes equal to the area's own are skipped); a parent seen with
 * two different grandparents is TW_E_ARG. O((n + totals) * rounds).
 */
tw_status tw_publish_compute(tw_ctx *ctx, const tw_areas *a, const double *counts,
                             const tw_publish_opts *opts, tw_publication **out);
void tw_publication_free(tw_ctx *ctx, tw_publication *p);

/**
 * Publish a space-time cube: cube holds n * steps whole counts >= 0,
 * step-major (cell t * n + i, as tw_cube_count writes it). The cells sit
 * under their areas in the tree of tw_publish_compute (an area's count is
 * the sum of its cells), so the per-area table, the totals and the cube
 * share one suppression pattern and one audit. n_suppressed, narrowest
 * and tw_publish_audit cover the cells too. @since 0.2
 */
tw_status tw_publish_cube(tw_ctx *ctx, const tw_areas *a, const double *cube, size_t steps,
                          const tw_publish_opts *opts, tw_publication **out);

/**
 * Whole-number public view (for statistics that need whole counts, such
 * as the scan): area_view (n) and, for a cube, cell_view (n * n_steps)
 * get the published count where shown, and for withheld nodes whole
 * numbers imputed top-down from published numbers only (what the
 * parent's view leaves after its published children, at least 1 each when
 * it suffices, the rest by population with largest remainders). Every
 * family sums to its parent's view. @since 0.2
 */
tw_status tw_publish_view_whole(tw_ctx *ctx, const tw_publication *p, const tw_areas *a,
                                double *area_view, double *cell_view);

/**
 * Audit: the exact range [lo[k], hi[k]] (n + n_totals entries, hi may be
 * INFINITY) of every node consistent with everything p publishes, when a
 * withheld count is only known to be >= 1. *exposed = withheld nodes whose
 * range is narrower than floor((min_count - 1) / 2), at least 1 (0 for
 * every publication that tw_publish_compute returns: no withheld count is
 * ever pinned to one value).
 */
tw_status tw_publish_audit(tw_ctx *ctx, const tw_publication *p, double *lo, double *hi,
                           size_t *exposed);

/** Set values[i] to NaN for every suppressed area i (n entries): rates of withheld counts. */
void tw_publish_withhold(const tw_publication *p, double *values);

/**
 * CSV of every node: id,level,parent,count,suppressed (areas first, then
 * the totals, national last; count empty when suppressed).
 */
tw_status tw_publish_write_totals_csv(tw_ctx *ctx, const tw_publication *p,
                                      const tw_areas *a, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* TANAW_TANAW_H */
