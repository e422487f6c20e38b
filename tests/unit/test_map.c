/*
 * test_map.c: tw_map_write. Three squares in a row (hot, not significant,
 * cold) are drawn to PNG and read back with cairo: page size, and the
 * colours along the middle row of the page must be the class colours in
 * that order. The SVG must carry the title. Arguments are checked (suffix,
 * legend kind, class range, size) and write failures are TW_E_IO. With the
 * real geography present, the Cebu metro barangays are drawn as a smoke
 * test.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tanaw/tanaw.h"

#include <cairo.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOT99 0xD62F27u
#define NOTSIG 0xDCDCDCu
#define COLD99 0x4575B5u
#define HH 0xFF0000u
#define LL 0x0000FFu

static const char *squares =
    "{\"type\":\"FeatureCollection\",\"features\":[\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"A\",\"name\":\"West\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,10],[120.9,10],[120.9,11],"
    "[120,11],[120,10]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"B\",\"name\":\"Middle\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[121,10],[121.9,10],[121.9,11],"
    "[121,11],[121,10]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"psgc\":\"C\",\"name\":\"East\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[122,10],[122,11],[122.9,11],"
    "[122.9,10],[122,10]]]}}\n"
    "]}\n";

static tw_areas *load_squares(tw_ctx *ctx)
{
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, harness_write("sq.geojson", squares), NULL,
                                        NULL, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));
    CHECK_EQ_INT(tw_areas_count(a), 3);
    return a;
}

static unsigned pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    return *(const uint32_t *)(const void *)(d + (size_t)y * (size_t)stride + 4 * (size_t)x) &
           0xFFFFFFu;
}

/* Longest run of colour c on row y: start in *x0, length returned. */
static int run_of(cairo_surface_t *s, int y, unsigned c, int *x0)
{
    int w = cairo_image_surface_get_width(s), best = 0, cur = 0;
    for (int x = 0; x < w; x++) {
        cur = pixel(s, x, y) == c ? cur + 1 : 0;
        if (cur > best) {
            best = cur;
            *x0 = x - cur + 1;
        }
    }
    return best;
}

static long count_colour(cairo_surface_t *s, unsigned c)
{
    long n = 0;
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            n += pixel(s, x, y) == c;
    return n;
}

static void test_png_colours(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load_squares(ctx);
    int cls[3] = {3, 0, -3};
    tw_map_opts o = {.title = "Test map", .subtitle = "Gi*, three squares"};
    const char *path = harness_tmp("sq.png");
    CHECK_OK(ctx, tw_map_write(ctx, a, cls, &o, path));
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        CHECK_EQ_INT(cairo_image_surface_get_width(s), 1200);
        CHECK_EQ_INT(cairo_image_surface_get_height(s), 1500);
        /* the squares span the frame's width: a third of it each */
        int y = 750, xh = -1, xn = -1, xc = -1;
        int nh = run_of(s, y, HOT99, &xh);
        int nn = run_of(s, y, NOTSIG, &xn);
        int nc = run_of(s, y, COLD99, &xc);
        CHECK(nh > 250);
        CHECK(nn > 250);
        CHECK(nc > 250);
        CHECK(xh < xn && xn < xc); /* west to east */
        CHECK(xh > 0 && xc + nc < 1200);
    }
    cairo_surface_destroy(s);

    /* quadrant kind and another size */
    int q[3] = {1, 0, 3};
    tw_map_opts oq = {.title = "Moran", .legend_kind = "quadrant", .width_px = 800,
                      .height_px = 600};
    path = harness_tmp("sq_q.png");
    CHECK_OK(ctx, tw_map_write(ctx, a, q, &oq, path));
    s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        CHECK_EQ_INT(cairo_image_surface_get_width(s), 800);
        CHECK_EQ_INT(cairo_image_surface_get_height(s), 600);
        int x0 = -1, x1 = -1, yy = -1;
        /* some row crosses both squares; find it */
        for (int y = 100; y < 500 && yy < 0; y += 10)
            if (run_of(s, y, HH, &x0) > 100 && run_of(s, y, LL, &x1) > 100)
                yy = y;
        CHECK(yy >= 0 && x0 < x1);
    } else {
        CHECK(0);
    }
    cairo_surface_destroy(s);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

static void test_svg_and_labels(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load_squares(ctx);
    int cls[3] = {2, -1, 0};
    tw_map_opts o = {.title = "Hot & cold <spots>", .subtitle = "subtitle here"};
    const char *path = harness_tmp("sq.svg");
    CHECK_OK(ctx, tw_map_write(ctx, a, cls, &o, path));
    FILE *f = fopen(path, "rb");
    static char buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    CHECK(n > 1000);
    CHECK(strstr(buf, "<svg") != NULL);
    CHECK(strstr(buf, "<title>Hot &amp; cold &lt;spots&gt;</title>") != NULL);
    CHECK(strstr(buf, "<desc>subtitle here</desc>") != NULL);
    CHECK(strstr(buf, "</svg>") != NULL);
    /* the title sits inside the root element, after its start tag */
    CHECK(strstr(buf, "<title>") > strstr(buf, "<svg"));

    /* labels add dark text to the map */
    const char *labels[3] = {"Westville", NULL, "Eastport"};
    tw_map_opts ol = {.title = "Labels"};
    CHECK_OK(ctx, tw_map_write(ctx, a, cls, &ol, harness_tmp("nolab.png")));
    ol.labels = labels;
    CHECK_OK(ctx, tw_map_write(ctx, a, cls, &ol, harness_tmp("lab.png")));
    cairo_surface_t *s0 = cairo_image_surface_create_from_png(harness_tmp("nolab.png"));
    cairo_surface_t *s1 = cairo_image_surface_create_from_png(harness_tmp("lab.png"));
    CHECK(count_colour(s1, 0x222222u) > count_colour(s0, 0x222222u) + 50);
    cairo_surface_destroy(s0);
    cairo_surface_destroy(s1);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* The inset enlarges its box in a corner the legend does not use. */
static void test_inset(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = load_squares(ctx);
    int cls[3] = {3, 0, -3};
    tw_map_opts o = {.title = "Inset", .inset = {120.2, 10.2, 120.7, 10.8},
                     .inset_title = "West square"};
    CHECK_OK(ctx, tw_map_write(ctx, a, cls, &o, harness_tmp("in1.png")));
    CHECK_OK(ctx, tw_map_write(ctx, a, cls, NULL, harness_tmp("in0.png")));
    cairo_surface_t *s0 = cairo_image_surface_create_from_png(harness_tmp("in0.png"));
    cairo_surface_t *s1 = cairo_image_surface_create_from_png(harness_tmp("in1.png"));
    /* the inset lies inside the hot square: it adds hot pixels, no cold ones */
    long h0 = count_colour(s0, HOT99), h1 = count_colour(s1, HOT99);
    long c0 = count_colour(s0, COLD99), c1 = count_colour(s1, COLD99);
    CHECK(h1 > h0 + 5000);
    CHECK(c1 <= c0);
    cairo_surface_destroy(s0);
    cairo_surface_destroy(s1);
    o.inset[2] = 120.1; /* max lon below min lon */
    CHECK(tw_map_write(ctx, a, cls, &o, harness_tmp("in2.png")) == TW_E_ARG);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Areas with only a point are drawn as dots in their class colour. */
static void test_dots(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, harness_write("pts.csv",
                                                          "psgc,lon,lat\nP1,121,10\n"
                                                          "P2,121.5,10.5\nP3,122,11\n"),
                                    NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));
    int none[3] = {0, 0, 0}, one[3] = {0, 3, 0};
    CHECK_OK(ctx, tw_map_write(ctx, a, none, NULL, harness_tmp("d0.png")));
    CHECK_OK(ctx, tw_map_write(ctx, a, one, NULL, harness_tmp("d1.png")));
    cairo_surface_t *s0 = cairo_image_surface_create_from_png(harness_tmp("d0.png"));
    cairo_surface_t *s1 = cairo_image_surface_create_from_png(harness_tmp("d1.png"));
    /* the legend swatch is hot in both; the dot adds hot pixels */
    CHECK(count_colour(s1, HOT99) > count_colour(s0, HOT99) + 4);
    cairo_surface_destroy(s0);
    cairo_surface_destroy(s1);
    tw_areas_free(a);
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
    tw_areas *a = load_squares(ctx);
    int cls[3] = {3, 0, -3};
    CHECK(tw_map_write(ctx, a, cls, NULL, harness_tmp("x.jpg")) == TW_E_ARG);
    CHECK(tw_map_write(ctx, a, cls, NULL, "png") == TW_E_ARG);
    CHECK(tw_map_write(ctx, a, NULL, NULL, harness_tmp("x.png")) == TW_E_ARG);
    tw_map_opts o = {.legend_kind = "rainbow"};
    CHECK(tw_map_write(ctx, a, cls, &o, harness_tmp("x.png")) == TW_E_ARG);
    o = (tw_map_opts){.legend_kind = "quadrant"};
    CHECK(tw_map_write(ctx, a, cls, &o, harness_tmp("x.png")) == TW_E_ARG); /* -3 */
    CHECK(strcmp(tw_ctx_error(ctx)->field, "C") == 0);
    o = (tw_map_opts){.width_px = 50};
    CHECK(tw_map_write(ctx, a, cls, &o, harness_tmp("x.png")) == TW_E_ARG);
    const char *bad = "/nonexistent-tanaw-dir/map.png";
    CHECK(tw_map_write(ctx, a, cls, NULL, bad) == TW_E_IO);
    CHECK(strcmp(tw_ctx_error(ctx)->file, bad) == 0);
    CHECK(tw_map_write(ctx, a, cls, NULL, "/nonexistent-tanaw-dir/map.svg") == TW_E_IO);
    /* a device has no suffix: write to a full disk through a symlink */
    const char *full_png = harness_tmp("full.png"), *full_svg = harness_tmp("full.svg");
    remove(full_png);
    remove(full_svg);
    if (symlink("/dev/full", full_png) == 0 && symlink("/dev/full", full_svg) == 0) {
        CHECK(tw_map_write(ctx, a, cls, NULL, full_png) == TW_E_IO);
        CHECK(strstr(tw_ctx_error(ctx)->message, "write failed") != NULL);
        CHECK(tw_map_write(ctx, a, cls, NULL, full_svg) == TW_E_IO);
    } else {
        harness_fail(__FILE__, __LINE__, "cannot make symlinks in the temp folder");
    }
    remove(full_png);
    remove(full_svg);
    /* a progress callback that says stop */
    tw_ctx_set_progress(ctx, stop_now, NULL);
    CHECK(tw_map_write(ctx, a, cls, NULL, harness_tmp("stop.png")) == TW_E_CANCELLED);
    tw_ctx_set_progress(ctx, NULL, NULL);
    tw_areas_free(a);

    /* nothing to draw */
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK(tw_map_write(ctx, a, cls, NULL, harness_tmp("empty.png")) == TW_E_EMPTY);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/* Smoke test on real data: the Cebu metro barangays with a context layer. */
static void test_cebu_metro(void)
{
    const char *bg = harness_data_path("cebu_metro/barangays.geojson");
    const char *mu = harness_data_path("cebu_metro/municipalities.geojson");
    if (!bg || !mu) {
        fprintf(stderr, "  (no data folder: skipped)\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL, *m = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, a, bg, NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 0));
    CHECK_OK(ctx, tw_areas_new(ctx, &m));
    CHECK_OK(ctx, tw_areas_read_geojson(ctx, m, mu, NULL, NULL, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, m, 0));
    size_t n = tw_areas_count(a);
    CHECK(n > 1000);
    int *cls = calloc(n, sizeof *cls);
    const char **labels = calloc(n, sizeof *labels);
    long hot = 0;
    for (size_t i = 0; i < n && cls && labels; i++) {
        double lon, lat;
        tw_areas_lonlat(a, i, &lon, &lat);
        /* a hot core near Cebu City, a cold one in the south */
        double dh = hypot(lon - 123.89, lat - 10.31), dc = hypot(lon - 123.45, lat - 9.75);
        cls[i] = dh < 0.05 ? 3 : dh < 0.08 ? 2 : dh < 0.11 ? 1 : dc < 0.08 ? -3 : dc < 0.14 ? -1 : 0;
        hot += cls[i] == 3;
        if (dh < 0.012)
            labels[i] = tw_areas_name(a, i);
    }
    CHECK(hot > 10);
    tw_map_opts o = {.title = "Cebu metro barangays: test classes",
                     .subtitle = "synthetic classes, not results",
                     .context = m,
                     .labels = labels};
    const char *path = harness_tmp("cebu.png");
    CHECK_OK(ctx, tw_map_write(ctx, a, cls, &o, path));
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    CHECK(count_colour(s, HOT99) > 500);
    CHECK(count_colour(s, COLD99) > 500);
    cairo_surface_destroy(s);
    free(cls);
    free(labels);
    tw_areas_free(m);
    tw_areas_free(a);
    tw_ctx_free(ctx);
}

/*
 * cairo's toy font API goes through fontconfig, which keeps its
 * configuration for the life of the process: not our leak. This hook is
 * read by LeakSanitizer in the Sanitize build and ignored otherwise.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

int main(void)
{
    RUN(test_png_colours);
    RUN(test_svg_and_labels);
    RUN(test_inset);
    RUN(test_dots);
    RUN(test_errors);
    RUN(test_cebu_metro);
    return harness_finish();
}
