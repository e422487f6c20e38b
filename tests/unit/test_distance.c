/*
 * test_distance.c: tw_distance_km. TW_DIST_SPDEP must equal spdep 1.2-7's
 * gcdist to 1e-12 relative (golden: tests/golden/weights/pts_dist.csv,
 * nbdists of knearneigh(k = 8, longlat = TRUE) on pts.csv, written by
 * make_goldens.R); haversine and euclidean against hand-computed values.
 */
#include "harness.h"

#include "tanaw/tanaw.h"

#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static const char *golden(const char *name)
{
    static char buf[4][1024];
    static int k;
    const char *src = getenv("TANAW_SOURCE_DIR");
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/tests/golden/weights/%s", src ? src : ".", name);
    return buf[k];
}

/* pts.csv: id,ix,iy with lon = 121 + ix/4096, lat = 10 + iy/4096 (exact). */
typedef struct pt {
    char id[16];
    double lon, lat;
} pt;

static size_t read_pts(pt *p, size_t max)
{
    FILE *f = fopen(golden("pts.csv"), "r");
    if (!f)
        return 0;
    char line[256];
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return 0;
    }
    while (n < max && fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2)
            break;
        size_t l = (size_t)(c1 - line);
        if (l >= sizeof p[n].id)
            break;
        memcpy(p[n].id, line, l);
        p[n].id[l] = 0;
        p[n].lon = 121 + strtod(c1 + 1, NULL) / 4096;
        p[n].lat = 10 + strtod(c2 + 1, NULL) / 4096;
        n++;
    }
    fclose(f);
    return n;
}

static const pt *find_pt(const pt *p, size_t n, const char *id, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(p[i].id) == len && !strncmp(p[i].id, id, len))
            return &p[i];
    return NULL;
}

static void test_spdep_golden(void)
{
    pt p[128];
    size_t n = read_pts(p, 128);
    CHECK_EQ_INT(n, 65);
    FILE *f = fopen(golden("pts_dist.csv"), "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[256];
    size_t rows = 0, exact = 0;
    double worst = 0;
    CHECK(fgets(line, sizeof line, f) != NULL);
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        CHECK(c2 != NULL);
        if (!c2)
            break;
        const pt *a = find_pt(p, n, line, (size_t)(c1 - line));
        const pt *b = find_pt(p, n, c1 + 1, (size_t)(c2 - c1 - 1));
        CHECK(a && b);
        if (!a || !b)
            break;
        double want = strtod(c2 + 1, NULL);
        double got = tw_distance_km(TW_DIST_SPDEP, a->lon, a->lat, b->lon, b->lat);
        double rel = want > 0 ? fabs(got - want) / want : fabs(got);
        if (rel > worst)
            worst = rel;
        exact += got == want;
        CHECK_NEAR(got, want, 1e-12);
        rows++;
    }
    fclose(f);
    CHECK_EQ_INT(rows, 65 * 8);
    /* the same expression in the same order: bit for bit in practice */
    CHECK_EQ_INT(exact, rows);
    printf("spdep distance: %zu golden pairs, max relative error %.3g\n", rows, worst);
}

static void test_hand_values(void)
{
    /* on the equator spdep's formula reduces to a * dlon (F = G = 0) */
    CHECK_NEAR(tw_distance_km(TW_DIST_SPDEP, 0, 0, 1, 0), 6378.137 * PI / 180, 1e-14);
    CHECK_NEAR(tw_distance_km(TW_DIST_HAVERSINE, 0, 0, 1, 0), 6371.0088 * PI / 180, 1e-14);
    CHECK_NEAR(tw_distance_km(TW_DIST_HAVERSINE, 0, 0, 0, 90), 6371.0088 * PI / 2, 1e-14);
    CHECK_NEAR(tw_distance_km(TW_DIST_HAVERSINE, 0, 0, 180, 0), 6371.0088 * PI, 1e-14);
    CHECK_NEAR(tw_distance_km(TW_DIST_EUCLIDEAN, 1, 2, 4, 6), 5, 0);
    /* spdep's zero cases: the same point, and longitudes equal modulo 360 */
    CHECK(tw_distance_km(TW_DIST_SPDEP, 123.9, 10.3, 123.9, 10.3) == 0);
    CHECK(tw_distance_km(TW_DIST_SPDEP, -180, 5, 180, 5) == 0);
    CHECK(tw_distance_km(TW_DIST_SPDEP, 10, 5, 370, 5) == 0);
    /* along a meridian the ellipsoid is shorter than the sphere near the
     * equator: 1 degree of latitude ~110.57 km (WGS84 110.574) */
    CHECK_NEAR(tw_distance_km(TW_DIST_SPDEP, 120, 0, 120, 1), 110.574, 2e-4);
    CHECK(isnan(tw_distance_km(TW_DIST_HAVERSINE, NAN, 0, 1, 1)));
}

static void test_properties(void)
{
    /* symmetry (bit for bit) and closeness of spdep to haversine over the
     * Philippines: the ellipsoid differs from the sphere by < 0.7 % */
    unsigned s = 12345;
    double worst = 0;
    for (int t = 0; t < 2000; t++) {
        double v[4];
        for (int q = 0; q < 4; q++) {
            s = s * 1103515245u + 12345u;
            v[q] = (double)(s >> 8) / (double)(1u << 24);
        }
        double lon1 = 116 + 11 * v[0], lat1 = 4.5 + 17 * v[1];
        double lon2 = 116 + 11 * v[2], lat2 = 4.5 + 17 * v[3];
        double a = tw_distance_km(TW_DIST_SPDEP, lon1, lat1, lon2, lat2);
        double b = tw_distance_km(TW_DIST_SPDEP, lon2, lat2, lon1, lat1);
        double h = tw_distance_km(TW_DIST_HAVERSINE, lon1, lat1, lon2, lat2);
        CHECK(a == b);
        CHECK(a > 0);
        double rel = fabs(a - h) / h;
        if (rel > worst)
            worst = rel;
    }
    CHECK(worst < 7e-3); /* meridian degree at the equator: 110.574 vs 111.195 km */
    CHECK(worst > 1e-4); /* they really are different models */
}

int main(void)
{
    RUN(test_spdep_golden);
    RUN(test_hand_values);
    RUN(test_properties);
    return harness_finish();
}
