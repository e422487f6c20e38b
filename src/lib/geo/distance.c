/*
 * distance.c: distances between lon/lat points, in km.
 *
 * TW_DIST_SPDEP reproduces spdep's longlat distance (src/gcdist.c, used by
 * knearneigh, dnearneigh and nbdists with longlat=TRUE): not a sphere but
 * the WGS84 ellipsoid (a = 6378.137 km, f = 1/298.257223563) through
 * Andoyer's first-order flattening correction of the spherical distance,
 * as given by Lambert (1942) and in Meeus, Astronomical Algorithms (1991),
 * ch. 11. We evaluate the very same expression in the same order so that
 * results match spdep to the last bits (tested to 1e-12 relative against R;
 * see docs/weights.md). Its error against a true geodesic is ~1e-5
 * relative, which does not matter: what matters is that our neighbour sets
 * equal spdep's, including near-ties.
 *
 * TW_DIST_HAVERSINE: great circle on the IUGG mean sphere (R1 = 6371.0088
 * km), haversine form (stable for short distances).
 * TW_DIST_EUCLIDEAN: the plane, coordinates taken as they are (hypot, as
 * spdep does for longlat=FALSE).
 *
 * O(1) per call; no allocation, no errors (NaN in gives NaN out).
 */
#include "tanaw/tanaw.h"

#include <float.h>
#include <math.h>

#define TW_PI 3.14159265358979323846

static double dist_spdep(double lon1, double lat1, double lon2, double lat2)
{
    const double de2ra = TW_PI / 180;
    const double a = 6378.137;             /* WGS84 equatorial radius, km */
    const double f = 1.0 / 298.257223563; /* WGS84 flattening */

    /* Same point, or the same meridian written modulo 360 (-180 and
     * 180): spdep returns 0 before the formula, which would divide 0 by 0.
     * Note that points on one parallel that differ by less than
     * DBL_EPSILON in longitude also give 0 there. */
    if (fabs(lat1 - lat2) < DBL_EPSILON && fabs(fmod(lon1 - lon2, 360.0)) < DBL_EPSILON)
        return 0.0;
    double lat1r = lat1 * de2ra, lat2r = lat2 * de2ra;
    double lon1r = lon1 * de2ra, lon2r = lon2 * de2ra;
    double F = (lat1r + lat2r) / 2.0;
    double G = (lat1r - lat2r) / 2.0;
    double L = (lon1r - lon2r) / 2.0;
    /* spdep squares with R's R_pow_di(x, 2), which is x * x. */
    double sG = sin(G), cG = cos(G), sF = sin(F), cF = cos(F), sL = sin(L), cL = cos(L);
    double sinG2 = sG * sG, cosG2 = cG * cG;
    double sinF2 = sF * sF, cosF2 = cF * cF;
    double sinL2 = sL * sL, cosL2 = cL * cL;
    double S = sinG2 * cosL2 + cosF2 * sinL2;
    double C = cosG2 * cosL2 + sinF2 * sinL2;
    double w = atan(sqrt(S / C));
    double R = sqrt(S * C) / w;
    double D = 2 * w * a;
    double H1 = (3 * R - 1) / (2 * C);
    double H2 = (3 * R + 1) / (2 * S);
    return D * (1 + f * H1 * sinF2 * cosG2 - f * H2 * cosF2 * sinG2);
}

static double dist_haversine(double lon1, double lat1, double lon2, double lat2)
{
    const double r = 6371.0088; /* IUGG mean radius R1, km */
    const double d = TW_PI / 180;
    double p1 = lat1 * d, p2 = lat2 * d;
    double sdp = sin((p2 - p1) / 2), sdl = sin((lon2 - lon1) * d / 2);
    double h = sdp * sdp + cos(p1) * cos(p2) * sdl * sdl;
    if (h > 1)
        h = 1; /* rounding near antipodes */
    return 2 * r * asin(sqrt(h));
}

double tw_distance_km(tw_distance kind, double lon1, double lat1, double lon2, double lat2)
{
    switch (kind) {
    case TW_DIST_SPDEP:
        return dist_spdep(lon1, lat1, lon2, lat2);
    case TW_DIST_HAVERSINE:
        return dist_haversine(lon1, lat1, lon2, lat2);
    case TW_DIST_EUCLIDEAN:
        return hypot(lon1 - lon2, lat1 - lat2); /* as spdep's knn.c and dnn.c */
    }
    return NAN;
}
