/*
 * test_areas.c: the geography (geo/areas.c, geo/areas_geojson.c).
 *  - hand-made GeoJSON + CSV: layout of rings/holes/parts, join by id,
 *    hand-computed centroids, finalize, dissolve;
 *  - every bad input named in docs/geography.md: status, file, line, field
 *    and message; a failed read leaves the areas unchanged;
 *  - allocation failures injected at every allocation of a read/dissolve;
 *  - centroids against R sf (s2 off) goldens in tests/golden/geo
 *    (make_centroids.R), tolerance 1e-9 degrees;
 *  - real data: cebu_metro and the national layers (counts, population
 *    sums, dissolve barangays -> municipalities == municipalities.csv).
 */
#include "geo/areas_internal.h"
#include "harness.h"
#include "io/csv.h"
#include "tanaw/tanaw.h"

#include <stdlib.h>
#include <string.h>

/* A: square [0,2]^2 with hole [0.5,1]^2; B: two squares [0,1]^2 and
 * [2,4]x[0,1]; C: null geometry; D: 9-digit integer id (leading zero lost). */
static const char *GJ_SMALL =
    "{\"type\":\"FeatureCollection\",\"features\":[\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0102801001\",\"name\":\"A\",\"pop\":100},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[2,2],[0,2],[0,0]],"
    "[[0.5,0.5],[0.5,1],[1,1],[1,0.5],[0.5,0.5]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0102801002\",\"name\":\"B\",\"pop\":\"300\"},"
    "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"
    "[[[2,0],[4,0],[4,1],[2,1],[2,0]]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0102802001\",\"name\":\"C\"},\"geometry\":null},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":102802002,\"name\":\"D\",\"pop\":null},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[10,10],[11,10],[11,11],[10,10]]]}}\n"
    "]}\n";

static tw_areas *read_small(tw_ctx *ctx)
{
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("small.geojson", GJ_SMALL), NULL,
                                        NULL, "pop"));
    return a;
}

static int contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fprintf(stderr, "    message \"%s\" lacks \"%s\"\n", hay, needle);
        return 0;
    }
    return 1;
}

static void test_geojson_layout(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = read_small(ctx);
    CHECK_EQ_INT(tw_areas_count(a), 4);
    CHECK_EQ_INT(tw_areas_find(a, "0102801001"), 0);
    CHECK_EQ_INT(tw_areas_find(a, "0102802002"), 3); /* integer 102802002 got its 0 back */
    CHECK_EQ_INT(tw_areas_find(a, "102802002"), 3);  /* and so does the query */
    CHECK_EQ_INT(tw_areas_find(a, " 0102801002 "), 1);
    CHECK_EQ_INT(tw_areas_find(a, "0102899999"), -1);
    CHECK_EQ_INT(tw_areas_find(a, ""), -1);
    CHECK(strcmp(tw_areas_name(a, 1), "B") == 0);
    CHECK_NEAR(tw_areas_population(a, 0), 100, 0);
    CHECK_NEAR(tw_areas_population(a, 1), 300, 0); /* from a string property */
    CHECK(isnan(tw_areas_population(a, 3)));
    CHECK_EQ_INT(tw_areas_has_polygon(a, 0), 1);
    CHECK_EQ_INT(tw_areas_has_polygon(a, 2), 0);
    CHECK_EQ_INT(tw_areas_level(a), TW_LEVEL_BARANGAY);
    CHECK_EQ_INT(tw_ctx_warning_count(ctx), 1);
    CHECK(contains(tw_ctx_warning(ctx, 0), "1 features have no geometry"));

    const area_geom *g = a->geom[0];
    CHECK_EQ_INT(g->n_rings, 2);
    CHECK_EQ_INT(g->n_points, 10);
    CHECK_EQ_INT(g->ring_start[1], 5);
    CHECK_EQ_INT(g->ring_start[2], 10);
    CHECK_EQ_INT(g->ring_hole[0], 0);
    CHECK_EQ_INT(g->ring_hole[1], 1);
    CHECK_EQ_INT(g->ring_part[1], 0);
    g = a->geom[1];
    CHECK_EQ_INT(g->n_rings, 2);
    CHECK_EQ_INT(g->ring_part[0], 0);
    CHECK_EQ_INT(g->ring_part[1], 1);
    CHECK_EQ_INT(g->ring_hole[1], 0);
    CHECK_NEAR(g->bbox[0], 0, 0);
    CHECK_NEAR(g->bbox[2], 4, 0);
    CHECK_NEAR(g->bbox[3], 1, 0);
    CHECK_NEAR(g->xy[2 * 5], 2, 0); /* first point of the second part */

    /* Ancestors from the digits. */
    char out[TW_PSGC_LEN + 1];
    CHECK_EQ_INT(tw_areas_ancestor(a, 0, TW_LEVEL_MUNICIPALITY, out), 1);
    CHECK(strcmp(out, "0102801000") == 0);
    CHECK_EQ_INT(tw_areas_ancestor(a, 3, TW_LEVEL_PROVINCE, out), 1);
    CHECK(strcmp(out, "0102800000") == 0);
    CHECK_EQ_INT(tw_areas_ancestor(a, 3, TW_LEVEL_SUBMUNICIPALITY, out), 0);
    CHECK(out[0] == '\0');
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_join_finalize(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = read_small(ctx);
    tw_ctx_clear_warnings(ctx);
    /* CSV: A gets a point and a new population; C stays without either
     * (dropped); E is new with only a point; names override. */
    const char *csv = harness_write(
        "small.csv",
        "psgc,name,pop2020,lon,lat,municipality_psgc,municipality_name,province_psgc\n"
        "0102801001,Alpha,150,1.5,1.5,0102801000,Mun One,0700000000\n"
        "102801002,,30,,,,,\n"
        "0102802001,Gamma,500,,,,,\n"
        "0102803001,Epsilon,7,5.25,6.5,,,\n");
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, csv, NULL));
    CHECK_EQ_INT(tw_areas_count(a), 5);
    CHECK(strcmp(tw_areas_name(a, 0), "Alpha") == 0);
    CHECK(strcmp(tw_areas_name(a, 1), "B") == 0); /* an empty field changes nothing */
    CHECK_NEAR(tw_areas_population(a, 0), 150, 0);
    CHECK_NEAR(tw_areas_population(a, 1), 30, 0);
    char out[TW_PSGC_LEN + 1];
    CHECK_EQ_INT(tw_areas_ancestor(a, 0, TW_LEVEL_PROVINCE, out), 1);
    CHECK(strcmp(out, "0700000000") == 0); /* the column overrides the digits */
    CHECK_EQ_INT(tw_areas_ancestor(a, 1, TW_LEVEL_PROVINCE, out), 1);
    CHECK(strcmp(out, "0102800000") == 0); /* empty column: digits stay */
    CHECK(strcmp(a->ancestor_name[0][TW_LEVEL_MUNICIPALITY], "Mun One") == 0);

    /* Population is missing for D: refused when needed. */
    CHECK_EQ_INT(tw_areas_finalize(ctx, a, 1), TW_E_EMPTY);
    CHECK(contains(tw_ctx_error(ctx)->message, "1 areas have no population (first: 0102802002)"));
    CHECK_EQ_INT(tw_areas_count(a), 4); /* but C was dropped */
    CHECK_EQ_INT(tw_ctx_warning_count(ctx), 1);
    CHECK(contains(tw_ctx_warning(ctx, 0),
                   "1 areas have neither polygon nor point and were dropped (population 500)"));
    CHECK_EQ_INT(tw_areas_find(a, "0102802001"), -1);
    CHECK_EQ_INT(tw_areas_find(a, "0102803001"), 3); /* index rebuilt */
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));     /* again: nothing more to do */

    double lon, lat;
    /* A: the CSV's point, not the centroid */
    CHECK_EQ_INT(tw_areas_lonlat(a, 0, &lon, &lat), 1);
    CHECK_NEAR(lon, 1.5, 0);
    CHECK_NEAR(lat, 1.5, 0);
    /* B: two squares, areas 1 and 2: ((0.5*1 + 3*2)/3, 0.5) */
    CHECK_EQ_INT(tw_areas_lonlat(a, 1, &lon, &lat), 1);
    CHECK_NEAR(lon, 6.5 / 3, 1e-14);
    CHECK_NEAR(lat, 0.5, 1e-14);
    /* D: triangle (10,10),(11,10),(11,11): centroid (32/3, 31/3) */
    CHECK_EQ_INT(tw_areas_lonlat(a, 2, &lon, &lat), 1);
    CHECK_NEAR(lon, 32.0 / 3, 1e-14);
    CHECK_NEAR(lat, 31.0 / 3, 1e-14);
    CHECK_EQ_INT(tw_areas_has_polygon(a, 3), 0);
    CHECK_EQ_INT(tw_areas_lonlat(a, 3, &lon, &lat), 1);
    CHECK_NEAR(lon, 5.25, 0);

    /* Reads after finalize are refused. */
    CHECK_EQ_INT(tw_areas_read_csv(ctx, a, csv, NULL), TW_E_ARG);
    tw_areas_free(a);

    /* Centroid of the square with a hole, hand-computed: area 4 - 0.25,
     * x = (4 * 1 - 0.25 * 0.75) / 3.75 = 1.0166... (same for y). */
    a = read_small(ctx);
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));
    CHECK_EQ_INT(tw_areas_lonlat(a, 0, &lon, &lat), 1);
    CHECK_NEAR(lon, 3.8125 / 3.75, 1e-14);
    CHECK_NEAR(lat, 3.8125 / 3.75, 1e-14);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Read text as GeoJSON into a fresh areas holding one prior area; check
 * the status, that the areas are unchanged, and the error fields. */
static void bad_geojson(int line, const char *text, tw_status want, long want_line,
                        const char *field, const char *msg)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = read_small(ctx);
    const char *path = harness_write("bad.geojson", text);
    tw_status s = tw_areas_read_geojson(ctx, a, path, NULL, NULL, NULL);
    const tw_error *e = tw_ctx_error(ctx);
    if (s != want)
        harness_fail(__FILE__, line, "status %s, expected %s (%s)", tw_status_str(s),
                     tw_status_str(want), e->message);
    if (strcmp(e->file, path) != 0)
        harness_fail(__FILE__, line, "error file \"%s\"", e->file);
    if (want_line >= 0 && e->line != want_line)
        harness_fail(__FILE__, line, "error line %ld, expected %ld", e->line, want_line);
    if (field && strcmp(e->field, field) != 0)
        harness_fail(__FILE__, line, "error field \"%s\", expected \"%s\"", e->field, field);
    if (!strstr(e->message, msg))
        harness_fail(__FILE__, line, "message \"%s\" lacks \"%s\"", e->message, msg);
    if (tw_areas_count(a) != 4 || tw_areas_find(a, "0102801009") != -1)
        harness_fail(__FILE__, line, "a failed read changed the areas");
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

#define FC(features) "{\"type\":\"FeatureCollection\",\"features\":[" features "]}"
#define SQ "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]"
#define FEAT(id, geom) \
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"" id "\"},\"geometry\":" geom "}"

static void test_geojson_errors(void)
{
    bad_geojson(__LINE__, "{\"type\":\"FeatureCollection\",\n\"features\":[\n{\"type\" 1}]}",
                TW_E_PARSE, 3, NULL, "invalid JSON");
    bad_geojson(__LINE__, FC(FEAT("0102801009", "{\"type\":\"Polygon\",\"coordinates\":"
                                                "[[[0,0],[1,0],[NaN,1],[0,0]]]}")),
                TW_E_PARSE, 1, NULL, "invalid JSON");
    bad_geojson(__LINE__, "{\"type\":\"Feature\",\"features\":[]}", TW_E_PARSE, 0, "type",
                "not a GeoJSON FeatureCollection");
    bad_geojson(__LINE__, "[1,2]", TW_E_PARSE, 0, "type", "not a GeoJSON FeatureCollection");
    bad_geojson(__LINE__, FC(""), TW_E_EMPTY, 0, "features", "no features");
    bad_geojson(__LINE__, "  \n", TW_E_EMPTY, 0, NULL, "empty file");
    bad_geojson(__LINE__,
                FC(FEAT("0102801009", "{\"type\":\"Polygon\",\"coordinates\":" SQ "}") ","
                   FEAT("0102801010", "{\"type\":\"Point\",\"coordinates\":[0,0]}")),
                TW_E_GEOMETRY, 0, "geometry",
                "feature 2 (id 0102801010): geometry type \"Point\" is not Polygon or MultiPolygon");
    bad_geojson(__LINE__,
                FC(FEAT("0102801009", "{\"type\":\"Polygon\",\"coordinates\":"
                                      "[[[0,0],[1,0],[1,1],[0,1],[0,0.5]]]}")),
                TW_E_GEOMETRY, 0, "geometry",
                "feature 1 (id 0102801009): ring 1 of polygon 1 is not closed");
    bad_geojson(__LINE__,
                FC(FEAT("0102801009", "{\"type\":\"MultiPolygon\",\"coordinates\":[" SQ
                                      ",[[[0,0],[1,0],[0,0]]]]}")),
                TW_E_GEOMETRY, 0, "geometry", "ring 1 of polygon 2 has fewer than 4 positions");
    bad_geojson(__LINE__,
                FC(FEAT("0102801009", "{\"type\":\"Polygon\",\"coordinates\":"
                                      "[[[0,0],[200,0],[1,1],[0,0]]]}")),
                TW_E_DOMAIN, 0, "geometry", "coordinate [200, 0] outside");
    bad_geojson(__LINE__,
                FC(FEAT("0102801009", "{\"type\":\"Polygon\",\"coordinates\":"
                                      "[[[0,0],[1,-91],[1,1],[0,0]]]}")),
                TW_E_DOMAIN, 0, "geometry", "outside lon [-180, 180], lat [-90, 90]");
    bad_geojson(__LINE__,
                FC(FEAT("0102801009", "{\"type\":\"Polygon\",\"coordinates\":"
                                      "[[[0,0],[1,\"0\"],[1,1],[0,0]]]}")),
                TW_E_GEOMETRY, 0, "geometry", "not [lon, lat] numbers");
    bad_geojson(__LINE__,
                FC("{\"type\":\"Feature\",\"properties\":{\"name\":\"x\"},\"geometry\":null}"),
                TW_E_PARSE, 0, "psgc", "feature 1: no 'psgc' property");
    bad_geojson(__LINE__,
                FC("{\"type\":\"Feature\",\"properties\":{\"psgc\":1.5},\"geometry\":null}"),
                TW_E_PARSE, 0, "psgc", "'psgc' is not a non-empty string or an integer");
    bad_geojson(__LINE__,
                FC(FEAT("0102801009", "null") "," FEAT("0102801011", "null") ","
                   FEAT("102801009", "null")),
                TW_E_DUPLICATE, 0, "psgc",
                "feature 3: duplicate id 0102801009 (first in feature 1)");
}

static void test_geojson_population(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    const char *p1 = harness_write(
        "pop1.geojson",
        FC("{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0102801009\",\"pop\":-1},"
           "\"geometry\":null}"));
    CHECK_EQ_INT(tw_areas_read_geojson(ctx, a, p1, NULL, NULL, "pop"), TW_E_DOMAIN);
    CHECK(contains(tw_ctx_error(ctx)->message, "negative population"));
    CHECK(strcmp(tw_ctx_error(ctx)->field, "pop") == 0);
    const char *p2 = harness_write(
        "pop2.geojson",
        FC("{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0102801009\",\"pop\":\"n/a\"},"
           "\"geometry\":null}"));
    CHECK_EQ_INT(tw_areas_read_geojson(ctx, a, p2, NULL, NULL, "pop"), TW_E_PARSE);
    CHECK(contains(tw_ctx_error(ctx)->message, "expected a number, got \"n/a\""));
    CHECK_EQ_INT(tw_areas_count(a), 0);
    /* Another id property and name property. */
    const char *p3 = harness_write(
        "pop3.geojson",
        FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"X1\",\"nm\":\"Ex\",\"pop\":2.5},"
           "\"geometry\":null}"));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, p3, "code", "nm", "pop"));
    CHECK_EQ_INT(tw_areas_find(a, "X1"), 0);
    CHECK(strcmp(tw_areas_name(a, 0), "Ex") == 0);
    CHECK_NEAR(tw_areas_population(a, 0), 2.5, 0);
    CHECK_EQ_INT(tw_areas_level(a), TW_LEVEL_UNKNOWN); /* not PSGC codes */
    CHECK_EQ_INT(tw_areas_read_geojson(ctx, a, "/nonexistent/x.geojson", NULL, NULL, NULL),
                 TW_E_IO);
    CHECK(strcmp(tw_ctx_error(ctx)->file, "/nonexistent/x.geojson") == 0);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void bad_csv(int line, const char *text, const tw_areas_csv_columns *cols,
                    tw_status want, long want_line, long want_col, const char *field,
                    const char *msg)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = read_small(ctx);
    const char *path = harness_write("bad.csv", text);
    tw_status s = tw_areas_read_csv(ctx, a, path, cols);
    const tw_error *e = tw_ctx_error(ctx);
    if (s != want)
        harness_fail(__FILE__, line, "status %s, expected %s (%s)", tw_status_str(s),
                     tw_status_str(want), e->message);
    if (strcmp(e->file, path) != 0)
        harness_fail(__FILE__, line, "error file \"%s\"", e->file);
    if (e->line != want_line)
        harness_fail(__FILE__, line, "error line %ld, expected %ld", e->line, want_line);
    if (want_col >= 0 && e->column != want_col)
        harness_fail(__FILE__, line, "error column %ld, expected %ld", e->column, want_col);
    if (field && strcmp(e->field, field) != 0)
        harness_fail(__FILE__, line, "error field \"%s\", expected \"%s\"", e->field, field);
    if (!strstr(e->message, msg))
        harness_fail(__FILE__, line, "message \"%s\" lacks \"%s\"", e->message, msg);
    if (tw_areas_count(a) != 4 || tw_areas_population(a, 0) != 100 ||
        tw_areas_find(a, "0102809999") != -1)
        harness_fail(__FILE__, line, "a failed read changed the areas");
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_csv_errors(void)
{
    tw_areas_csv_columns popcol = {.population = "people"};
    tw_areas_csv_columns idcol = {.id = "code"};
    bad_csv(__LINE__, "code,pop2020\n0102801001,5\n", NULL, TW_E_PARSE, 1, -1, "psgc",
            "missing column 'psgc'");
    bad_csv(__LINE__, "psgc,pop2020\n0102801001,5\n", &idcol, TW_E_PARSE, 1, -1, "code",
            "missing column 'code'");
    bad_csv(__LINE__, "psgc,pop2020\n0102801001,5\n", &popcol, TW_E_PARSE, 1, -1, "people",
            "missing column 'people'");
    bad_csv(__LINE__, "psgc,lon\n0102801001,5\n", NULL, TW_E_PARSE, 1, -1, "lat",
            "missing column 'lat'");
    bad_csv(__LINE__, "psgc,name,pop2020\n0102809999,x,5\n0102801001,A,n/a\n", NULL,
            TW_E_PARSE, 3, 3, "pop2020", "expected a number for 'pop2020', got \"n/a\"");
    bad_csv(__LINE__, "psgc,population\n0102809999,1e999\n", NULL, TW_E_PARSE, 2, 2,
            "population", "expected a number for 'population'");
    bad_csv(__LINE__, "psgc,pop2020\n0102809999,nan\n", NULL, TW_E_PARSE, 2, 2, "pop2020",
            "got \"nan\"");
    bad_csv(__LINE__, "psgc,pop2020\n0102809999,5\n0102801001,-3\n", NULL, TW_E_DOMAIN, 3, 2,
            "pop2020", "negative population -3");
    bad_csv(__LINE__, "psgc,lon,lat\n0102809999,121,95\n", NULL, TW_E_DOMAIN, 2, 3, "lat",
            "latitude 95 outside [-90, 90]");
    bad_csv(__LINE__, "psgc,lon,lat\n0102809999,-181,15\n", NULL, TW_E_DOMAIN, 2, 2, "lon",
            "longitude -181 outside [-180, 180]");
    bad_csv(__LINE__, "psgc,lon,lat\n0102809999,121.5,\n", NULL, TW_E_PARSE, 2, 3, "lat",
            "'lat' is empty but 'lon' is not");
    bad_csv(__LINE__, "psgc,lon,lat\n0102809999,121.5,15x\n", NULL, TW_E_PARSE, 2, 3, "lat",
            "expected a number for 'lat', got \"15x\"");
    bad_csv(__LINE__, "psgc,pop2020\n0102809999,1\n0102809998,2\n102809999,3\n", NULL,
            TW_E_DUPLICATE, 4, 1, "psgc", "duplicate id 0102809999 (first on line 2)");
    bad_csv(__LINE__, "psgc,pop2020\n0102809999,1\n ,2\n", NULL, TW_E_PARSE, 3, 1, "psgc",
            "empty id");
    bad_csv(__LINE__, "psgc,province_psgc\n0102809999,07022\n", NULL, TW_E_PARSE, 2, 2,
            "province_psgc", "expected a PSGC code for 'province_psgc'");
    bad_csv(__LINE__, "psgc,pop2020\n", NULL, TW_E_EMPTY, 0, -1, NULL, "no areas in file");
    bad_csv(__LINE__, "", NULL, TW_E_EMPTY, 0, -1, NULL, "empty file");
    bad_csv(__LINE__, "psgc,pop2020\n0102809999,\"5\n", NULL, TW_E_PARSE, 2, -1, NULL, "");

    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_EQ_INT(tw_areas_read_csv(ctx, a, "/nonexistent/a.csv", NULL), TW_E_IO);
    CHECK(strcmp(tw_ctx_error(ctx)->file, "/nonexistent/a.csv") == 0);
    /* Explicit columns and "population" as the fallback. */
    const char *p = harness_write("cols.csv", "code,label,people,x,y\nA,Area A,12,120,14\n");
    tw_areas_csv_columns c = {"code", "label", "x", "y", "people"};
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, p, &c));
    CHECK(strcmp(tw_areas_name(a, 0), "Area A") == 0);
    CHECK_NEAR(tw_areas_population(a, 0), 12, 0);
    p = harness_write("cols2.csv", "psgc,population\nB,0\n");
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, p, NULL));
    CHECK_NEAR(tw_areas_population(a, 1), 0, 0);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Allocator that fails the Nth allocation and counts live blocks. */
/* Run: new areas, GeoJSON, CSV, finalize, dissolve, locator; with the Nth
 * allocation failing, every call must fail cleanly with TW_E_NOMEM and
 * leak nothing. */
static tw_status alloc_scenario(tw_ctx *ctx, const char *gj, const char *csv)
{
    tw_areas *a = NULL, *d = NULL;
    tw_locator *l = NULL;
    tw_status s;
    if ((s = tw_areas_new(ctx, &a)) != TW_OK)
        return s;
    if ((s = tw_areas_read_geojson(ctx, a, gj, NULL, NULL, "pop")) != TW_OK ||
        (s = tw_areas_read_csv(ctx, a, csv, NULL)) != TW_OK ||
        (s = tw_areas_finalize(ctx, a, 0)) != TW_OK ||
        (s = tw_areas_dissolve(ctx, a, TW_LEVEL_MUNICIPALITY, &d)) != TW_OK ||
        (s = tw_locator_new(ctx, a, &l)) != TW_OK)
        goto out;
out:
    tw_locator_free(l);
    tw_areas_free(d);
    tw_areas_free(a);
    return s;
}

static void test_alloc_failures(void)
{
    const char *gj = harness_write("alloc.geojson", GJ_SMALL);
    const char *csv = harness_write("alloc.csv", "psgc,name,pop2020,lon,lat\n"
                                                 "0102801001,Alpha,150,1.5,1.5\n"
                                                 "0102803001,Epsilon,7,5.25,6.5\n");
    long n;
    int done = 0;
    for (n = 0; n < 2000 && !done; n++) {
        harness_falloc f = {n, 0};
        tw_allocator al = harness_falloc_allocator(&f);
        tw_ctx *ctx = tw_ctx_new();
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
        tw_status s = alloc_scenario(ctx, gj, csv);
        tw_ctx_clear_warnings(ctx);
        if (s == TW_OK)
            done = 1;
        else if (s != TW_E_NOMEM)
            harness_fail(__FILE__, __LINE__, "allocation %ld failing gave %s: %s", n,
                         tw_status_str(s), tw_ctx_error(ctx)->message);
        if (f.live != 0)
            harness_fail(__FILE__, __LINE__, "allocation %ld failing leaked %ld blocks", n,
                         f.live);
        tw_ctx_free(ctx);
    }
    CHECK(done);
    CHECK(n > 30); /* the scenario allocates; each of those failures was exercised */
}

static void test_dissolve_small(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = read_small(ctx), *d = NULL;
    const char *csv = harness_write("dis.csv", "psgc,pop2020,lon,lat,municipality_name\n"
                                               "0102801001,100,1,1,Mun One\n"
                                               "0102801002,300,3,2,Mun One\n"
                                               "0102802001,50,7,7,Mun Two\n"
                                               "0102802002,0,10.5,10.2,Mun Two\n");
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, csv, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    CHECK_OK(ctx, tw_areas_dissolve(ctx, a, TW_LEVEL_MUNICIPALITY, &d));
    CHECK_EQ_INT(tw_areas_count(d), 2);
    CHECK_EQ_INT(tw_areas_level(d), TW_LEVEL_MUNICIPALITY);
    long m1 = tw_areas_find(d, "0102801000"), m2 = tw_areas_find(d, "0102802000");
    CHECK_EQ_INT(m1, 0); /* sorted by code */
    CHECK_EQ_INT(m2, 1);
    CHECK(strcmp(tw_areas_name(d, 0), "Mun One") == 0);
    CHECK_NEAR(tw_areas_population(d, 0), 400, 0);
    CHECK_NEAR(tw_areas_population(d, 1), 50, 0);
    double lon, lat;
    CHECK_EQ_INT(tw_areas_lonlat(d, 0, &lon, &lat), 1);
    CHECK_NEAR(lon, (100 * 1 + 300 * 3) / 400.0, 1e-15); /* population-weighted */
    CHECK_NEAR(lat, (100 * 1 + 300 * 2) / 400.0, 1e-15);
    CHECK_EQ_INT(tw_areas_lonlat(d, 1, &lon, &lat), 1);
    CHECK_NEAR(lon, 7, 0); /* the population-0 member weighs nothing */
    /* Polygons: A (2 rings, part 0) then B's two parts renumbered 1, 2. */
    const area_geom *g = d->geom[0];
    CHECK_EQ_INT(g->n_rings, 4);
    CHECK_EQ_INT(g->n_points, 20);
    CHECK_EQ_INT(g->ring_part[0], 0);
    CHECK_EQ_INT(g->ring_part[1], 0);
    CHECK_EQ_INT(g->ring_hole[1], 1);
    CHECK_EQ_INT(g->ring_part[2], 1);
    CHECK_EQ_INT(g->ring_part[3], 2);
    CHECK_EQ_INT(g->ring_start[3], 15);
    CHECK_NEAR(g->bbox[2], 4, 0);
    CHECK_EQ_INT(d->geom[1]->n_rings, 1); /* C had no polygon */
    char out[TW_PSGC_LEN + 1];
    CHECK_EQ_INT(tw_areas_ancestor(d, 0, TW_LEVEL_PROVINCE, out), 1);
    CHECK(strcmp(out, "0102800000") == 0);
    /* and on to the province: one area */
    tw_areas *p = NULL;
    CHECK_OK(ctx, tw_areas_dissolve(ctx, d, TW_LEVEL_PROVINCE, &p));
    CHECK_EQ_INT(tw_areas_count(p), 1);
    CHECK_NEAR(tw_areas_population(p, 0), 450, 0);
    CHECK_EQ_INT(p->geom[0]->n_rings, 5);
    /* a member without population makes the sum unknown */
    tw_areas *q = NULL;
    a->pop[3] = NAN;
    CHECK_OK(ctx, tw_areas_dissolve(ctx, a, TW_LEVEL_MUNICIPALITY, &q));
    CHECK(isnan(tw_areas_population(q, 1)));
    CHECK_NEAR(tw_areas_population(q, 0), 400, 0);
    tw_areas_free(q);
    /* not coarser */
    tw_areas *x = NULL;
    CHECK_EQ_INT(tw_areas_dissolve(ctx, d, TW_LEVEL_MUNICIPALITY, &x), TW_E_ARG);
    CHECK_EQ_INT(tw_areas_dissolve(ctx, d, TW_LEVEL_BARANGAY, &x), TW_E_ARG);
    CHECK(x == NULL);
    tw_areas_free(p);
    tw_areas_free(d);
    tw_areas_free(a);

    /* An id that is not a PSGC code has no ancestor. */
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, harness_write("x.csv", "psgc,lon,lat\n"
                                                                   "0102801001,1,1\nfoo,2,2\n"),
                                    NULL));
    CHECK_EQ_INT(tw_areas_dissolve(ctx, a, TW_LEVEL_MUNICIPALITY, &x), TW_E_UNKNOWN_ID);
    CHECK(contains(tw_ctx_error(ctx)->message, "area foo has no municipality"));
    CHECK(x == NULL);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Centroids of GeoJSON-only areas vs sf::st_centroid (s2 off). */
static void golden_centroids(const char *data_rel, const char *golden)
{
    const char *gpath = harness_data_path(data_rel);
    if (!gpath) {
        fprintf(stderr, "skip: no data folder\n");
        return;
    }
    char gold[4096];
    snprintf(gold, sizeof gold, "%s/tests/golden/geo/%s",
             getenv("TANAW_SOURCE_DIR") ? getenv("TANAW_SOURCE_DIR") : ".", golden);
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    csv_reader *r = NULL;
    bool eof;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, gpath, NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));
    CHECK_OK(ctx, csv_open(ctx, gold, &r));
    if (!r)
        goto done;
    CHECK_OK(ctx, csv_next(r, &eof));
    long rows = 0;
    double worst = 0;
    while (csv_next(r, &eof) == TW_OK && !eof) {
        long i = tw_areas_find(a, csv_field(r, 0, NULL));
        CHECK(i >= 0);
        if (i < 0)
            continue;
        double want[4], lon, lat;
        for (int k = 0; k < 4; k++) {
            size_t len;
            const char *f = csv_field(r, (size_t)k + 1, &len);
            CHECK(num_parse_double(f, len, &want[k]));
        }
        CHECK_EQ_INT(a->geom[i]->n_rings, (long)want[0]);
        CHECK_EQ_INT(a->geom[i]->n_points, (long)want[1]);
        tw_areas_lonlat(a, (size_t)i, &lon, &lat);
        CHECK_NEAR(lon, want[2], 1e-9); /* degrees; golden printed to 1e-12 */
        CHECK_NEAR(lat, want[3], 1e-9);
        worst = fmax(worst, fmax(fabs(lon - want[2]), fabs(lat - want[3])));
        rows++;
    }
    CHECK_EQ_INT(rows, (long)tw_areas_count(a));
    fprintf(stderr, "    %s: %ld centroids, max |diff| %.3g degrees\n", golden, rows, worst);
done:
    csv_close(r);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_golden_centroids(void)
{
    golden_centroids("cebu_metro/municipalities.geojson", "centroids_cebu_municipalities.csv");
    golden_centroids("provinces.geojson", "centroids_provinces.csv");
}

static double pop_sum(const tw_areas *a)
{
    double s = 0;
    for (size_t i = 0; i < tw_areas_count(a); i++)
        s += tw_areas_population(a, i);
    return s;
}

static tw_areas *load(tw_ctx *ctx, const char *gj, const char *csv)
{
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    if (gj)
        CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_data_path(gj), NULL, NULL, NULL));
    if (csv)
        CHECK_OK(ctx, tw_areas_read_csv(ctx, a, harness_data_path(csv), NULL));
    return a;
}

static void test_cebu_metro(void)
{
    if (!harness_data_dir()) {
        fprintf(stderr, "skip: no data folder\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *m = load(ctx, "cebu_metro/municipalities.geojson", "cebu_metro/municipalities.csv");
    tw_areas *b = load(ctx, "cebu_metro/barangays.geojson", "cebu_metro/barangays.csv");
    CHECK_EQ_INT(tw_areas_count(m), 53);
    CHECK_EQ_INT(tw_areas_count(b), 1203);
    CHECK_EQ_INT(tw_areas_level(m), TW_LEVEL_MUNICIPALITY); /* 3 HUCs among them */
    CHECK_EQ_INT(tw_areas_level(b), TW_LEVEL_BARANGAY);
    CHECK_NEAR(pop_sum(m), 5151274, 0);
    CHECK_NEAR(pop_sum(b), 5151274, 0);
    tw_ctx_clear_warnings(ctx);
    CHECK_OK(ctx, tw_areas_finalize(ctx, m, 1));
    CHECK_OK(ctx, tw_areas_finalize(ctx, b, 1));
    CHECK_EQ_INT(tw_ctx_warning_count(ctx), 0);
    for (size_t i = 0; i < 53; i++)
        CHECK(tw_areas_has_polygon(m, i));
    long cebu = tw_areas_find(m, "0730600000");
    CHECK(cebu >= 0);
    CHECK(strcmp(tw_areas_name(m, (size_t)cebu), "City of Cebu") == 0);
    double lon, lat;
    tw_areas_lonlat(m, (size_t)cebu, &lon, &lat); /* the CSV's centroid */
    CHECK_NEAR(lon, 123.8458, 1e-3);
    char out[TW_PSGC_LEN + 1];
    CHECK_EQ_INT(tw_areas_ancestor(m, (size_t)cebu, TW_LEVEL_PROVINCE, out), 1);
    CHECK(strcmp(out, "0702200000") == 0); /* the geographic province, from the CSV */

    /* Barangays -> municipalities: the populations of municipalities.csv. */
    tw_areas *d = NULL;
    CHECK_OK(ctx, tw_areas_dissolve(ctx, b, TW_LEVEL_MUNICIPALITY, &d));
    CHECK_EQ_INT(tw_areas_count(d), 53);
    long same_pop = 0, same_name = 0;
    size_t rings_b = 0, rings_d = 0;
    for (size_t i = 0; i < tw_areas_count(d); i++) {
        long k = tw_areas_find(m, tw_areas_id(d, i));
        CHECK(k >= 0);
        if (k < 0)
            continue;
        same_pop += tw_areas_population(d, i) == tw_areas_population(m, (size_t)k);
        same_name += strcmp(tw_areas_name(d, i), tw_areas_name(m, (size_t)k)) == 0;
        rings_d += d->geom[i]->n_rings;
        CHECK_EQ_INT(tw_areas_ancestor(d, i, TW_LEVEL_PROVINCE, out), 1);
        CHECK(strcmp(out, "0702200000") == 0);
    }
    for (size_t i = 0; i < tw_areas_count(b); i++)
        rings_b += b->geom[i]->n_rings;
    CHECK_EQ_INT(same_pop, 53);
    CHECK_EQ_INT(same_name, 53);
    CHECK_EQ_INT(rings_d, rings_b);
    /* -> provinces: the CSV puts the 3 HUCs in Cebu: one area. */
    tw_areas *p = NULL;
    CHECK_OK(ctx, tw_areas_dissolve(ctx, d, TW_LEVEL_PROVINCE, &p));
    CHECK_EQ_INT(tw_areas_count(p), 1);
    CHECK_NEAR(tw_areas_population(p, 0), 5151274, 0);
    CHECK(strcmp(tw_areas_name(p, 0), "Cebu") == 0);
    tw_areas_free(p);
    /* Without the CSV the digits make each HUC its own province-level unit. */
    tw_areas *bg = load(ctx, "cebu_metro/barangays.geojson", NULL);
    CHECK_OK(ctx, tw_areas_dissolve(ctx, bg, TW_LEVEL_PROVINCE, &p));
    CHECK_EQ_INT(tw_areas_count(p), 4);
    CHECK_EQ_INT(tw_areas_find(p, "0730600000"), 1);
    CHECK(isnan(tw_areas_population(p, 0))); /* no population was read */
    tw_areas_free(p);
    tw_areas_free(bg);
    tw_areas_free(d);
    tw_areas_free(b);
    tw_areas_free(m);
    tw_ctx_free(ctx);
}

static void test_national(void)
{
    if (!harness_data_dir()) {
        fprintf(stderr, "skip: no data folder\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *m = load(ctx, "municipalities.geojson", "municipalities.csv");
    CHECK_EQ_INT(tw_areas_count(m), 1642);
    CHECK_NEAR(pop_sum(m), 109033245, 0);
    CHECK_EQ_INT(tw_areas_level(m), TW_LEVEL_MUNICIPALITY);
    tw_ctx_clear_warnings(ctx);
    CHECK_OK(ctx, tw_areas_finalize(ctx, m, 1));
    CHECK_EQ_INT(tw_ctx_warning_count(ctx), 0);
    CHECK_EQ_INT(tw_areas_count(m), 1642);

    /* Barangays: CSV first (42,001 rows), then the 41,096 polygons. */
    tw_areas *b = load(ctx, NULL, "barangays.csv");
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, b, harness_data_path("barangays.geojson"), NULL,
                                        NULL, NULL));
    CHECK_EQ_INT(tw_areas_count(b), 42001);
    CHECK_NEAR(pop_sum(b), 109033245, 0);
    size_t polys = 0;
    for (size_t i = 0; i < tw_areas_count(b); i++)
        polys += (size_t)tw_areas_has_polygon(b, i);
    CHECK_EQ_INT(polys, 41096);
    /* All barangays -> municipalities == municipalities.csv, to the person. */
    tw_areas *d = NULL;
    CHECK_OK(ctx, tw_areas_dissolve(ctx, b, TW_LEVEL_MUNICIPALITY, &d));
    CHECK_EQ_INT(tw_areas_count(d), 1642);
    long same = 0;
    for (size_t i = 0; i < tw_areas_count(d); i++) {
        long k = tw_areas_find(m, tw_areas_id(d, i));
        same += k >= 0 && tw_areas_population(d, i) == tw_areas_population(m, (size_t)k);
    }
    CHECK_EQ_INT(same, 1642);
    tw_areas_free(d);
    /* Finalize drops Manila's 897 and the 8 null geometries. */
    tw_ctx_clear_warnings(ctx);
    CHECK_OK(ctx, tw_areas_finalize(ctx, b, 1));
    CHECK_EQ_INT(tw_areas_count(b), 41096);
    CHECK_EQ_INT(tw_ctx_warning_count(ctx), 1);
    CHECK(contains(tw_ctx_warning(ctx, 0),
                   "905 areas have neither polygon nor point and were dropped "
                   "(population 1852047)"));
    CHECK_NEAR(pop_sum(b), 109033245 - 1852047, 0);
    CHECK_EQ_INT(tw_areas_find(b, "1380601001"), -1);
    tw_areas_free(b);
    tw_areas_free(m);
    tw_ctx_free(ctx);
}

/* Mutated inputs (seeded): any status, but no crash, no leak (ASan) and
 * either success or an error with a message and the file. */
static void test_mutations(void)
{
    const char *csv_base = "psgc,name,pop2020,lon,lat,province_psgc\n"
                           "0102801001,Alpha,150,1.5,1.5,0102800000\n"
                           "0102803001,\"Ep, silon\",7,5.25,6.5,\n";
    uint64_t x = 88172645463325252ULL;
    long ok = 0, failed = 0;
    for (int it = 0; it < 3000; it++) {
        const char *base = (it & 1) ? csv_base : GJ_SMALL;
        size_t n = strlen(base);
        char buf[4096];
        memcpy(buf, base, n + 1);
        int edits = 1 + it % 4;
        for (int e = 0; e < edits; e++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t pos = (size_t)(x % n);
            static const char alphabet[] = "{}[],:\"0123456789.-eE \nNaInfx";
            buf[pos] = alphabet[(x >> 32) % (sizeof alphabet - 1)];
            if ((x >> 40) % 7 == 0)
                buf[pos] = '\0'; /* truncation */
        }
        const char *path = harness_write((it & 1) ? "mut.csv" : "mut.geojson", buf);
        tw_ctx *ctx = tw_ctx_new();
        tw_areas *a = NULL;
        CHECK_OK(ctx, tw_areas_new(ctx, &a));
        tw_status st = (it & 1) ? tw_areas_read_csv(ctx, a, path, NULL)
                                : tw_areas_read_geojson(ctx, a, path, NULL, NULL, "pop");
        if (st == TW_OK) {
            ok++;
            tw_locator *l = NULL;
            if (tw_areas_finalize(ctx, a, 0) == TW_OK && tw_locator_new(ctx, a, &l) == TW_OK)
                (void)tw_locator_find(l, 0.5, 0.5);
            tw_locator_free(l);
        } else {
            failed++;
            CHECK(tw_ctx_error(ctx)->message[0] != '\0');
            CHECK(strcmp(tw_ctx_error(ctx)->file, path) == 0);
            CHECK_EQ_INT(tw_areas_count(a), 0);
        }
        tw_areas_free(a);
        tw_ctx_free(ctx);
    }
    CHECK(ok > 100 && failed > 100); /* both paths were exercised */
    fprintf(stderr, "    3000 mutated files: %ld read, %ld refused\n", ok, failed);
}

int main(void)
{
    RUN(test_geojson_layout);
    RUN(test_join_finalize);
    RUN(test_geojson_errors);
    RUN(test_geojson_population);
    RUN(test_csv_errors);
    RUN(test_alloc_failures);
    RUN(test_dissolve_small);
    RUN(test_golden_centroids);
    RUN(test_cebu_metro);
    RUN(test_national);
    RUN(test_mutations);
    return harness_finish();
}
