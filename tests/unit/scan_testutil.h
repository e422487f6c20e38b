/*
 * scan_testutil.h: what the brute-force reference scans of test_scan.c
 * (purely spatial, circles and ellipses) and test_scan_spacetime.c
 * (cylinders) share, and the data sets' random numbers of the scan tests.
 * Written out again from the papers and SaTScan's conventions rather than
 * taken from src/lib/scan, so that the library is checked against
 * something independent of it; kept as simple as possible.
 */
#ifndef TW_SCAN_TESTUTIL_H
#define TW_SCAN_TESTUTIL_H

#include "tanaw/tanaw.h"

#include <stdint.h>

/* Most areas a reference scan takes. */
#define SCANREF_MAX 200

/* A candidate window of the reference: a centre's best, then a cluster. */
typedef struct scanref_cl {
    double llr;           /* the statistic: LLR x non-compactness penalty */
    double raw;           /* the LLR */
    double shape, angle;  /* ellipse of the window (degrees); 1, 0: circle */
    int centre;
    int k;                /* areas in the window: members[0..k) */
    int t1, t2;           /* space-time: the units of the cylinder */
    int members[SCANREF_MAX];
} scanref_cl;

/*
 * Points are rows double[3]; the functions only read them (the rows are
 * not const because C11 does not convert double[n][3] to that).
 */

/* SaTScan's point: lat/long (degrees) on the 6367 km sphere, x y 0 else. */
void scanref_point(int latlong, double x, double y, double p[3]);
/* 1 when an area before c stands at c's point (c is then no centre). */
int scanref_repeated(double (*P)[3], int c);
/* 1 when areas a and b stand at the same point (a window may not split them). */
int scanref_same_point(double (*P)[3], int a, int b);
/* a ln(a / b), 0 for a = 0. */
double scanref_xlogy(double a, double b);
/*
 * 0 when a window with c cases and E expected gives no LLR: outside the
 * tail, at E, or a high rate with fewer than minc cases.
 */
int scanref_in_tail(tw_scan_tail tail, double c, double E, double minc);
/* Kulldorff's Poisson LLR of a window (c, E) among C cases, 0 outside the tail. */
double scanref_llr_poisson(tw_scan_tail tail, double c, double E, double C, double minc);
/*
 * The n areas by distance from area c on the points Q (ties: lesser
 * coordinate first, then index), by insertion sort: ord the areas, d[i]
 * the distance of area i.
 */
void scanref_order(int n, double (*Q)[3], int c, int *ord, double *d);
/*
 * The clusters among nb candidates (one per centre): highest llr first
 * (ties: lower centre), none sharing an area with one taken before.
 * Returns how many were written to out.
 */
int scanref_greedy(const scanref_cl *best, int nb, scanref_cl *out);

/* xorshift64 (Marsaglia 2003) on the caller's state: the tests' data sets. */
uint64_t scanref_next(uint64_t *state);
/* Uniform on [0, 1) from the next 53 bits. */
double scanref_unif(uint64_t *state);

#endif
