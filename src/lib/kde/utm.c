/*
 * utm.c: Universal Transverse Mercator on WGS84, northern hemisphere, for
 * the kernel density grid (zone 51 = EPSG:32651, the zone of the shipped
 * geography's areas). Krueger's series in the form and to the order (n^6)
 * of Karney (2011, J. Geodesy 85:475, eqs. 7-11, 35-36): errors under
 * 5 nm within 3900 km of the central meridian, far beyond what the
 * Philippines needs (116.9-126.6 E is at most 6.1 degrees from 123 E).
 * The inverse solves the conformal latitude by Newton's method (Karney
 * eq. 19-21), converging to machine precision in 2-3 steps. O(1).
 *
 * Limits: the scale factor grows to about 1.0049 at 117 E (Palawan), so
 * distances there are 0.5 % long and areas 1 % large; kernel bandwidths
 * are in grid metres. The southern hemisphere (false northing) is not
 * handled: every area of the Philippines is north of 4.5 N.
 */
#include "core/core.h"

#include <math.h>
#include <stdio.h>

#define WGS84_A 6378137.0
#define WGS84_F (1 / 298.257223563)
#define UTM_K0 0.9996
#define UTM_FE 500000.0
#define KDE_PI 3.14159265358979323846

typedef struct utm_consts {
    double e, A, alpha[7], beta[7];
} utm_consts;

static void consts(utm_consts *c)
{
    double f = WGS84_F, n = f / (2 - f);
    double n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n;
    c->e = sqrt(f * (2 - f));
    c->A = WGS84_A / (1 + n) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
    c->alpha[1] = n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180 - 127 * n5 / 288 +
                  7891 * n6 / 37800;
    c->alpha[2] = 13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440 + 281 * n5 / 630 -
                  1983433 * n6 / 1935360;
    c->alpha[3] = 61 * n3 / 240 - 103 * n4 / 140 + 15061 * n5 / 26880 + 167603 * n6 / 181440;
    c->alpha[4] = 49561 * n4 / 161280 - 179 * n5 / 168 + 6601661 * n6 / 7257600;
    c->alpha[5] = 34729 * n5 / 80640 - 3418889 * n6 / 1995840;
    c->alpha[6] = 212378941 * n6 / 319334400;
    c->beta[1] = n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360 - 81 * n5 / 512 +
                 96199 * n6 / 604800;
    c->beta[2] = n2 / 48 + n3 / 15 - 437 * n4 / 1440 + 46 * n5 / 105 - 1118711 * n6 / 3870720;
    c->beta[3] = 17 * n3 / 480 - 37 * n4 / 840 - 209 * n5 / 4480 + 5569 * n6 / 90720;
    c->beta[4] = 4397 * n4 / 161280 - 11 * n5 / 504 - 830251 * n6 / 7257600;
    c->beta[5] = 4583 * n5 / 161280 - 108847 * n6 / 3991680;
    c->beta[6] = 20648693 * n6 / 638668800;
}

static double central_meridian(int zone) { return 6.0 * zone - 183.0; }

void tw_utm_forward(int zone, double lon, double lat, double *easting_m, double *northing_m)
{
    utm_consts c;
    consts(&c);
    const double d2r = KDE_PI / 180;
    double lam = (lon - central_meridian(zone)) * d2r, phi = lat * d2r;
    double s = sin(phi);
    /* tangent of the conformal latitude (Karney eq. 7-9) */
    double t = sinh(atanh(s) - c.e * atanh(c.e * s));
    double xi1 = atan2(t, cos(lam));
    double eta1 = atanh(sin(lam) / sqrt(1 + t * t));
    double xi = xi1, eta = eta1;
    for (int j = 1; j <= 6; j++) {
        xi += c.alpha[j] * sin(2 * j * xi1) * cosh(2 * j * eta1);
        eta += c.alpha[j] * cos(2 * j * xi1) * sinh(2 * j * eta1);
    }
    *easting_m = UTM_FE + UTM_K0 * c.A * eta;
    *northing_m = UTM_K0 * c.A * xi;
}

void tw_utm_inverse(int zone, double easting_m, double northing_m, double *lon, double *lat)
{
    utm_consts c;
    consts(&c);
    double xi = northing_m / (UTM_K0 * c.A), eta = (easting_m - UTM_FE) / (UTM_K0 * c.A);
    double xi1 = xi, eta1 = eta;
    for (int j = 1; j <= 6; j++) {
        xi1 -= c.beta[j] * sin(2 * j * xi) * cosh(2 * j * eta);
        eta1 -= c.beta[j] * cos(2 * j * xi) * sinh(2 * j * eta);
    }
    double sh = sinh(eta1), cx = cos(xi1);
    double taup = sin(xi1) / sqrt(sh * sh + cx * cx);
    double lam = atan2(sh, cx);
    /* Newton for tau = tan(phi) from tau' (Karney eq. 19-21) */
    double e2 = c.e * c.e, tau = taup;
    for (int it = 0; it < 6; it++) {
        double s1 = sqrt(1 + tau * tau);
        double sig = sinh(c.e * atanh(c.e * tau / s1));
        double taui = tau * sqrt(1 + sig * sig) - sig * s1;
        double d = (taup - taui) / sqrt(1 + taui * taui) * (1 + (1 - e2) * tau * tau) /
                   ((1 - e2) * s1);
        tau += d;
        if (fabs(d) < 1e-15 * (1 + fabs(tau)))
            break;
    }
    const double r2d = 180 / KDE_PI;
    *lat = atan(tau) * r2d;
    *lon = central_meridian(zone) + lam * r2d;
}

tw_status tw_utm_wkt(int zone, char *buf, size_t cap)
{
    if (zone < 1 || zone > 60 || !buf)
        return TW_E_ARG;
    int n = snprintf(buf, cap,
                     "PROJCS[\"WGS_1984_UTM_Zone_%dN\",GEOGCS[\"GCS_WGS_1984\","
                     "DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
                     "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],"
                     "PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"False_Easting\",500000.0],"
                     "PARAMETER[\"False_Northing\",0.0],PARAMETER[\"Central_Meridian\",%.1f],"
                     "PARAMETER[\"Scale_Factor\",0.9996],PARAMETER[\"Latitude_Of_Origin\",0.0],"
                     "UNIT[\"Meter\",1.0]]",
                     zone, central_meridian(zone));
    return n > 0 && (size_t)n < cap ? TW_OK : TW_E_ARG;
}
