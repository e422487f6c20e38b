/*
 * test_table.c: the result table writers (tw_table_write_csv,
 * tw_table_write_geojson). A hand-made table over three areas (a polygon,
 * a multipolygon with a hole, a point) is written and read back: CSV with
 * our CSV reader, exact values; GeoJSON with jansson and with our own
 * GeoJSON reader. Numbers must read back bit for bit; NaN becomes an empty
 * field / null; names with commas and quotes survive. Write errors
 * (missing folder, full disk) must be TW_E_IO naming the path. With the
 * real geography present, the 41,096 barangay polygons are written and
 * timed.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "io/csv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *geojson3 =
    "{\"type\":\"FeatureCollection\",\"features\":[\n"
    /* A: a plain square, counter-clockwise */
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0722001000\",\"name\":\"Cebu, City\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,10],[121,10],[121,11],"
    "[120,11],[120,10]]]}},\n"
    /* B: two parts, the first with a hole, the second written clockwise */
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0722002000\",\"name\":\"Say \\\"Q\\\"\"},"
    "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["
    "[[[121.5,10],[122.5,10],[122.5,11],[121.5,11],[121.5,10]],"
    "[[121.8,10.3],[121.8,10.7],[122.2,10.7],[122.2,10.3],[121.8,10.3]]],"
    "[[[123,10],[123,10.2],[123.2,10.2],[123.2,10],[123,10]]]]}},\n"
    /* C: no polygon; its point comes from the CSV */
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"0722003000\",\"name\":\"Ni\xC3\xB1o\"},"
    "\"geometry\":null}\n"
    "]}\n";

static const char *csv3 = "psgc,name,lon,lat,population\n"
                          "0722001000,\"Cebu, City\",,,1000\n"
                          "0722002000,\"Say \"\"Q\"\"\",,,2500\n"
                          "0722003000,Ni\xC3\xB1o,124.5,10.25,12345678901\n";

static tw_areas *load3(tw_ctx *ctx)
{
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    if (!a)
        return NULL;
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("a3.geojson", geojson3), NULL,
                                        NULL, NULL));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, harness_write("a3.csv", csv3), NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    CHECK_EQ_INT(tw_areas_count(a), 3);
    return a;
}

/* The table of the tests: every kind of value, NaN in several columns. */
static const double count3[3] = {3, 0, 12345678901.0};
static double rate3[3], stat3[3], z3[3], p3[3], padj3[3], extra3[3];
static const int cls3[3] = {3, 0, -2};
static const int quad3[3] = {1, 0, 3};
static tw_extra_column extras3[2];

static tw_area_table table3(const tw_areas *a)
{
    rate3[0] = 0.1, rate3[1] = NAN, rate3[2] = 1.0 / 3;
    stat3[0] = 1e-300, stat3[1] = -0.0, stat3[2] = 123456.789;
    z3[0] = 2.7, z3[1] = -0.5, z3[2] = NAN;
    p3[0] = 0.0069335, p3[1] = 1, p3[2] = NAN;
    padj3[0] = 0.02, padj3[1] = 1, padj3[2] = INFINITY; /* not finite: empty too */
    extra3[0] = 2.0 / 3, extra3[1] = -1e20, extra3[2] = NAN;
    extras3[0] = (tw_extra_column){"quadrant", NULL, quad3};
    extras3[1] = (tw_extra_column){"z, perm", extra3, NULL};
    return (tw_area_table){.areas = a, .count = count3, .rate = rate3, .statistic = stat3,
                           .z = z3, .p = p3, .p_adjusted = padj3, .cls = cls3,
                           .extra = extras3, .n_extra = 2};
}

/* Field f of the current record parsed as a number (exactly); NaN if empty. */
static double fnum(csv_reader *r, size_t f)
{
    size_t len;
    const char *s = csv_field(r, f, &len);
    if (len == 0)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    if (end != s + len)
        harness_fail(__FILE__, __LINE__, "field %zu '%s' is not a number", f, s);
    return v;
}

/* Equal as written: same double, or both NaN (NaN written as empty). */
#define CHECK_SAME(got, want)                                                         \
    do {                                                                              \
        double _g = (got), _w = (want);                                               \
        if (!(_g == _w || (isnan(_g) && !isfinite(_w))))                               \
            harness_fail(__FILE__, __LINE__, "%s = %.17g, want %.17g", #got, _g, _w); \
    } while (0)

static void test_csv_readback(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load3(ctx);
    tw_area_table t = table3(a);
    const char *path = harness_tmp("t3.csv");
    CHECK_OK(ctx, tw_table_write_csv(ctx, &t, path));

    char *raw = harness_read(path, NULL);
    CHECK(raw != NULL);
    const char *hdr = "id,name,count,population,rate,statistic,z,p,p_adjusted,class,"
                      "quadrant,\"z, perm\"\n";
    CHECK(raw && strncmp(raw, hdr, strlen(hdr)) == 0);
    /* integers stay integers, the comma-name is quoted, NaN is empty */
    CHECK(raw && strstr(raw, "\n0722001000,\"Cebu, City\",3,1000,0.1,") != NULL);
    CHECK(raw && strstr(raw, "\n0722003000,Ni\xC3\xB1o,12345678901,12345678901,") != NULL);
    CHECK(raw && strstr(raw, ",2500,,0,-0.5,1,1,not significant,0,-1e+20\n") != NULL); /* -0 as 0 */
    free(raw);

    csv_reader *r = NULL;
    bool eof;
    CHECK_OK(ctx, csv_open(ctx, path, &r));
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK_EQ_INT(csv_nfields(r), 12);
    CHECK(strcmp(csv_field(r, 11, NULL), "z, perm") == 0);
    const double *cols[] = {count3, NULL, rate3, stat3, z3, p3, padj3};
    const char *names[3] = {"Cebu, City", "Say \"Q\"", "Ni\xC3\xB1o"};
    const char *ids[3] = {"0722001000", "0722002000", "0722003000"};
    const char *classes[3] = {"hot 99%", "not significant", "cold 95%"};
    const double pops[3] = {1000, 2500, 12345678901.0};
    for (size_t i = 0; i < 3; i++) {
        CHECK_OK(ctx, csv_next(r, &eof));
        CHECK(!eof);
        CHECK_EQ_INT(csv_nfields(r), 12);
        CHECK(strcmp(csv_field(r, 0, NULL), ids[i]) == 0);
        CHECK(strcmp(csv_field(r, 1, NULL), names[i]) == 0);
        for (size_t c = 0; c < 7; c++)
            CHECK_SAME(fnum(r, 2 + c), c == 1 ? pops[i] : cols[c][i]);
        CHECK(strcmp(csv_field(r, 9, NULL), classes[i]) == 0);
        CHECK_SAME(fnum(r, 10), quad3[i]);
        CHECK_SAME(fnum(r, 11), extra3[i]);
    }
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(eof);
    csv_close(r);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Property: random doubles of every magnitude read back bit for bit. */
static void test_csv_roundtrip_random(void)
{
    tw_ctx *ctx = tw_ctx_new();
    enum { N = 3000 };
    dbuf b;
    dbuf_init(&b, ctx);
    dbuf_puts(&b, "psgc,lon,lat\n");
    for (int i = 0; i < N; i++)
        dbuf_printf(&b, "A%05d,%d,%d\n", i, 120 + i % 5, 10 + i % 7);
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, harness_write("rand.csv", dbuf_str(&b)), NULL));
    dbuf_free(&b);
    CHECK_EQ_INT(tw_areas_count(a), N);
    static double v[N];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        double m = (double)(x >> 11) / 9007199254740992.0;
        v[i] = ldexp(m, (int)(x % 200) - 100) * ((x >> 8) & 1 ? -1 : 1);
    }
    tw_area_table t = {.areas = a, .rate = v, .count = v};
    const char *path = harness_tmp("rand_out.csv");
    CHECK_OK(ctx, tw_table_write_csv(ctx, &t, path));
    csv_reader *r = NULL;
    bool eof;
    CHECK_OK(ctx, csv_open(ctx, path, &r));
    CHECK_OK(ctx, csv_next(r, &eof));
    int bad = 0;
    for (int i = 0; i < N; i++) {
        CHECK_OK(ctx, csv_next(r, &eof));
        bad += fnum(r, 4) != v[i] || fnum(r, 2) != v[i];
        CHECK(csv_field(r, 5, NULL)[0] == '\0'); /* statistic not given: empty */
    }
    CHECK_EQ_INT(bad, 0);
    csv_close(r);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static double ring_area2(json_t *ring)
{
    double s = 0;
    for (size_t k = 0; k + 1 < json_array_size(ring); k++) {
        json_t *p = json_array_get(ring, k), *q = json_array_get(ring, k + 1);
        s += json_number_value(json_array_get(p, 0)) * json_number_value(json_array_get(q, 1)) -
             json_number_value(json_array_get(q, 0)) * json_number_value(json_array_get(p, 1));
    }
    return s;
}

static int point_is(json_t *pt, double lon, double lat)
{
    return json_array_size(pt) == 2 && json_number_value(json_array_get(pt, 0)) == lon &&
           json_number_value(json_array_get(pt, 1)) == lat;
}

static void test_geojson_readback(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load3(ctx);
    tw_area_table t = table3(a);
    const char *path = harness_tmp("t3.geojson");
    CHECK_OK(ctx, tw_table_write_geojson(ctx, &t, path));

    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        harness_fail(__FILE__, __LINE__, "jansson: %s at line %d", je.text, je.line);
        tw_areas_free(a);
        tw_ctx_free(ctx);
        return;
    }
    CHECK(strcmp(json_string_value(json_object_get(root, "type")), "FeatureCollection") == 0);
    json_t *fs = json_object_get(root, "features");
    CHECK_EQ_INT(json_array_size(fs), 3);

    /* A */
    json_t *f = json_array_get(fs, 0), *pr = json_object_get(f, "properties");
    CHECK(strcmp(json_string_value(json_object_get(f, "type")), "Feature") == 0);
    CHECK(json_is_string(json_object_get(f, "id")));
    CHECK(strcmp(json_string_value(json_object_get(pr, "id")), "0722001000") == 0);
    CHECK(strcmp(json_string_value(json_object_get(pr, "name")), "Cebu, City") == 0);
    CHECK(json_is_integer(json_object_get(pr, "count")));
    CHECK_EQ_INT(json_integer_value(json_object_get(pr, "count")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(pr, "population")), 1000);
    CHECK(json_real_value(json_object_get(pr, "rate")) == 0.1);
    CHECK(json_real_value(json_object_get(pr, "statistic")) == 1e-300);
    CHECK(json_real_value(json_object_get(pr, "z")) == 2.7);
    CHECK(json_real_value(json_object_get(pr, "p")) == 0.0069335);
    CHECK(strcmp(json_string_value(json_object_get(pr, "class")), "hot 99%") == 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(pr, "quadrant")), 1);
    CHECK(json_real_value(json_object_get(pr, "z, perm")) == 2.0 / 3);
    CHECK_EQ_INT(json_object_size(pr), 12);
    json_t *g = json_object_get(f, "geometry");
    CHECK(strcmp(json_string_value(json_object_get(g, "type")), "Polygon") == 0);
    json_t *rings = json_object_get(g, "coordinates");
    CHECK_EQ_INT(json_array_size(rings), 1);
    CHECK_EQ_INT(json_array_size(json_array_get(rings, 0)), 5);
    CHECK(point_is(json_array_get(json_array_get(rings, 0), 0), 120, 10) ||
          point_is(json_array_get(json_array_get(rings, 0), 0), 121, 10));
    CHECK(ring_area2(json_array_get(rings, 0)) == 2.0);

    /* B: MultiPolygon, hole clockwise, second part turned counter-clockwise */
    f = json_array_get(fs, 1);
    pr = json_object_get(f, "properties");
    CHECK(strcmp(json_string_value(json_object_get(pr, "name")), "Say \"Q\"") == 0);
    CHECK(json_is_null(json_object_get(pr, "rate")));
    CHECK(json_is_integer(json_object_get(pr, "count")));
    CHECK_EQ_INT(json_integer_value(json_object_get(pr, "count")), 0);
    CHECK(json_real_value(json_object_get(pr, "z")) == -0.5);
    CHECK(strcmp(json_string_value(json_object_get(pr, "class")), "not significant") == 0);
    CHECK(json_real_value(json_object_get(pr, "z, perm")) == -1e20);
    g = json_object_get(f, "geometry");
    CHECK(strcmp(json_string_value(json_object_get(g, "type")), "MultiPolygon") == 0);
    json_t *parts = json_object_get(g, "coordinates");
    CHECK_EQ_INT(json_array_size(parts), 2);
    json_t *p0 = json_array_get(parts, 0), *p1 = json_array_get(parts, 1);
    CHECK_EQ_INT(json_array_size(p0), 2);
    CHECK_EQ_INT(json_array_size(p1), 1);
    CHECK(ring_area2(json_array_get(p0, 0)) > 0);
    CHECK(ring_area2(json_array_get(p0, 1)) < 0);
    CHECK_NEAR(ring_area2(json_array_get(p0, 1)), -0.32, 1e-9);
    json_t *r1 = json_array_get(p1, 0);
    CHECK(ring_area2(r1) > 0);
    CHECK_EQ_INT(json_array_size(r1), 5);
    /* every corner of the small square is there, exactly */
    int corners = 0;
    for (size_t k = 0; k < 4; k++) {
        json_t *pt = json_array_get(r1, k);
        corners += point_is(pt, 123, 10) || point_is(pt, 123.2, 10) ||
                   point_is(pt, 123.2, 10.2) || point_is(pt, 123, 10.2);
    }
    CHECK_EQ_INT(corners, 4);
    CHECK(json_equal(json_array_get(r1, 0), json_array_get(r1, 4)));

    /* C: a Point, NaN as null, big integer population */
    f = json_array_get(fs, 2);
    pr = json_object_get(f, "properties");
    CHECK(strcmp(json_string_value(json_object_get(pr, "name")), "Ni\xC3\xB1o") == 0);
    CHECK(json_is_null(json_object_get(pr, "z")));
    CHECK(json_is_null(json_object_get(pr, "p_adjusted"))); /* infinity */
    CHECK(json_is_null(json_object_get(pr, "z, perm")));
    CHECK_EQ_INT(json_integer_value(json_object_get(pr, "population")), 12345678901LL);
    CHECK(json_real_value(json_object_get(pr, "rate")) == 1.0 / 3);
    CHECK(json_real_value(json_object_get(pr, "statistic")) == 123456.789);
    CHECK(strcmp(json_string_value(json_object_get(pr, "class")), "cold 95%") == 0);
    g = json_object_get(f, "geometry");
    CHECK(strcmp(json_string_value(json_object_get(g, "type")), "Point") == 0);
    CHECK(point_is(json_object_get(g, "coordinates"), 124.5, 10.25));
    json_decref(root);

    tw_areas_free(a);

    /*
     * Our own reader takes polygons back (it reads Polygon/MultiPolygon
     * only, so the table is of the two polygon areas): same ids, names,
     * populations and extents.
     */
    tw_areas *p2 = NULL, *b = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &p2));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, p2, harness_tmp("a3.geojson"), NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, p2, harness_write("p2.csv", "psgc,population\n"
                                                          "0722001000,1000\n0722002000,2500\n"),
                                    NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, p2, 0)); /* drops the area without location */
    CHECK_EQ_INT(tw_areas_count(p2), 2);
    tw_area_table t2 = {.areas = p2, .count = count3};
    path = harness_tmp("p2.geojson");
    CHECK_OK(ctx, tw_table_write_geojson(ctx, &t2, path));
    CHECK_OK(ctx, tw_areas_new(ctx, &b));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, b, path, "id", "name", "population"));
    CHECK_OK(ctx, tw_areas_finalize(ctx, b, 1)); /* centroids */
    CHECK_EQ_INT(tw_areas_count(b), 2);
    for (size_t i = 0; i < 2 && tw_areas_count(b) == 2; i++) {
        long k = tw_areas_find(b, tw_areas_id(p2, i));
        CHECK(k >= 0);
        if (k < 0)
            continue;
        CHECK(tw_areas_has_polygon(b, (size_t)k));
        CHECK(strcmp(tw_areas_name(b, (size_t)k), tw_areas_name(p2, i)) == 0);
        CHECK(tw_areas_population(b, (size_t)k) == tw_areas_population(p2, i));
        double lon0, lat0, lon1, lat1;
        CHECK(tw_areas_lonlat(p2, i, &lon0, &lat0));
        CHECK(tw_areas_lonlat(b, (size_t)k, &lon1, &lat1));
        CHECK_NEAR(lon1, lon0, 1e-12);
        CHECK_NEAR(lat1, lat0, 1e-12);
    }
    tw_areas_free(b);
    tw_areas_free(p2);
    tw_ctx_free(ctx);
}

static int stop_now(void *ud, const char *stage, double done, double total)
{
    (void)ud, (void)stage, (void)done, (void)total;
    return 1;
}

static void test_errors(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load3(ctx);
    tw_area_table t = table3(a);
    const char *bad = "/nonexistent-tanaw-dir/out.csv";
    CHECK(tw_table_write_csv(ctx, &t, bad) == TW_E_IO);
    CHECK(strcmp(tw_ctx_error(ctx)->file, bad) == 0);
    CHECK(tw_table_write_geojson(ctx, &t, "/nonexistent-tanaw-dir/out.geojson") == TW_E_IO);
    CHECK(strstr(tw_ctx_error(ctx)->file, "out.geojson") != NULL);
    /* a full disk shows only when the buffers are flushed */
    tw_ctx_clear_error(ctx);
    CHECK(tw_table_write_csv(ctx, &t, "/dev/full") == TW_E_IO);
    CHECK(strcmp(tw_ctx_error(ctx)->file, "/dev/full") == 0);
    CHECK(strstr(tw_ctx_error(ctx)->message, "write failed") != NULL);
    CHECK(tw_table_write_geojson(ctx, &t, "/dev/full") == TW_E_IO);

    /* extra columns must be unambiguous */
    tw_extra_column dup[2] = {{"z", extra3, NULL}, {"w", NULL, NULL}};
    t.extra = dup;
    t.n_extra = 1;
    CHECK(tw_table_write_csv(ctx, &t, harness_tmp("x.csv")) == TW_E_ARG);
    dup[0].name = "w";
    t.n_extra = 2;
    CHECK(tw_table_write_csv(ctx, &t, harness_tmp("x.csv")) == TW_E_ARG); /* no values */
    dup[1].values = extra3;
    CHECK(tw_table_write_geojson(ctx, &t, harness_tmp("x.geojson")) == TW_E_ARG); /* twice */
    CHECK(tw_table_write_csv(ctx, NULL, harness_tmp("x.csv")) == TW_E_ARG);

    /* a progress callback that says stop */
    t.n_extra = 0;
    tw_ctx_set_progress(ctx, stop_now, NULL);
    CHECK(tw_table_write_csv(ctx, &t, harness_tmp("stop.csv")) == TW_E_CANCELLED);
    CHECK(tw_table_write_geojson(ctx, &t, harness_tmp("stop.geojson")) == TW_E_CANCELLED);
    tw_ctx_set_progress(ctx, NULL, NULL);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Allocation failures: every one must give TW_E_NOMEM, never a crash or a leak. */
static void test_nomem(void)
{
    tw_ctx *ctx = tw_ctx_new();
    harness_falloc f = {-1, 0}; /* none fails while the areas load */
    tw_allocator al = harness_falloc_allocator(&f);
    CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
    tw_areas *a = load3(ctx);
    tw_area_table t = table3(a);
    for (int kind = 0; kind < 2; kind++) {
        tw_status (*write)(tw_ctx *, const tw_area_table *, const char *) =
            kind ? tw_table_write_geojson : tw_table_write_csv;
        const char *out = harness_tmp(kind ? "m.geojson" : "m.csv");
        const long plenty = 1L << 40; /* counts the allocations of one write */
        f.left = plenty;
        long live = f.live;
        CHECK_OK(ctx, write(ctx, &t, out));
        long used = plenty - f.left;
        CHECK(used > 0);
        CHECK_EQ_INT(f.live, live);
        for (long k = 0; k < used; k++) {
            f.left = k; /* allocation k of the write fails */
            CHECK(write(ctx, &t, out) == TW_E_NOMEM);
            CHECK_EQ_INT(f.live, live); /* and frees what it took */
        }
        f.left = -1;
    }
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* The national barangay layer: valid GeoJSON, one feature per area (speed: bench/). */
static void test_national_barangays(void)
{
    const char *src = harness_data_path("barangays.geojson");
    if (!src) {
        fprintf(stderr, "  (no data folder: skipped)\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, src, NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));
    size_t n = tw_areas_count(a);
    CHECK_EQ_INT(n, 41096);
    double *z = calloc(n, sizeof *z);
    int *cls = calloc(n, sizeof *cls);
    for (size_t i = 0; i < n && z && cls; i++) {
        z[i] = sin((double)i) * 3;
        cls[i] = z[i] > 2.58 ? 3 : z[i] < -2.58 ? -3 : 0;
    }
    tw_area_table t = {.areas = a, .z = z, .count = z, .cls = cls};
    const char *out = harness_tmp("bgy.geojson");
    CHECK_OK(ctx, tw_table_write_geojson(ctx, &t, out));
    CHECK_OK(ctx, tw_table_write_csv(ctx, &t, harness_tmp("bgy.csv")));
    json_error_t je;
    json_t *root = json_load_file(out, 0, &je);
    CHECK(root != NULL);
    if (root) {
        json_t *fs = json_object_get(root, "features");
        CHECK_EQ_INT(json_array_size(fs), n);
        size_t polys = 0;
        for (size_t i = 0; i < json_array_size(fs); i++) {
            const char *ty = json_string_value(
                json_object_get(json_object_get(json_array_get(fs, i), "geometry"), "type"));
            polys += ty && (strcmp(ty, "Polygon") == 0 || strcmp(ty, "MultiPolygon") == 0);
        }
        CHECK_EQ_INT(polys, n);
        json_decref(root);
    }
    free(z);
    free(cls);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_csv_readback);
    RUN(test_csv_roundtrip_random);
    RUN(test_geojson_readback);
    RUN(test_errors);
    RUN(test_nomem);
    RUN(test_national_barangays);
    return harness_finish();
}
