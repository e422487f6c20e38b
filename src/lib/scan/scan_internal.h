/*
 * scan_internal.h: what the files of the scan module share (geometry of
 * the circular windows, the likelihood ratios, the replica generators).
 * Not part of the public API; tests that use it are named *_internal.
 */
#ifndef TW_SCAN_INTERNAL_H
#define TW_SCAN_INTERNAL_H

#include "core/core.h"
#include "core/rng.h"

/* SaTScan's earth radius for lat/long coordinates (km). */
#define SCAN_EARTH_RADIUS_KM 6367.0

/* One entry of a centre's sorted neighbour list. */
typedef struct scan_nbr {
    double d;      /* distance from the centre */
    int32_t idx;   /* area index */
    int32_t end;   /* 1 when the next entry is at another point (a window may end here) */
} scan_nbr;

/*
 * Points of the areas as SaTScan sees them: lat/long converted to 3-D
 * Cartesian coordinates on a sphere of 6367 km (Cartesian input: z = 0),
 * bucketed in a grid over the two widest axes for range searches.
 */
typedef struct scan_geo {
    size_t n;
    double *p;               /* 3 n */
    int ax1, ax2;            /* grid axes (0..2) */
    double lo1, lo2, h;      /* grid origin and cell side */
    size_t nx, ny;
    size_t *cell_start;      /* nx ny + 1: CSR of cell_idx, cells row-major */
    int32_t *cell_idx;       /* n: areas by cell */
    double *cell_p;          /* 3 n: their points, in the same order */
    unsigned char *is_center;/* n: 0 for an area at the same point as a lower index */
} scan_geo;

/* Per-thread scratch of the window search (sizes n). */
typedef struct scan_work {
    scan_nbr *buf;           /* the neighbour list of the last centre */
    scan_nbr *tmp;
    uint64_t *k0, *k1;
    double r_guess;          /* search radius carried between centres */
} scan_work;

tw_status scan_work_init(tw_ctx *ctx, scan_work *w, size_t n);
void scan_work_free(tw_ctx *ctx, scan_work *w);

/*
 * What each worker thread of both scans keeps: the window search scratch
 * and the replicas' running maxima. The spatial and the space-time scan
 * add their own replica sums around it.
 */
typedef struct scan_worker {
    scan_work sw;            /* window search scratch; the list is in sw.buf */
    double *m;               /* R: largest LLR per replica so far */
    double *q;               /* R: sqrt(m) */
    uint64_t windows;        /* windows evaluated */
} scan_worker;

/* Allocates w for n areas and R replicas (m and q zero); on failure w is
 * left for scan_worker_free. */
tw_status scan_worker_init(tw_ctx *ctx, scan_worker *w, size_t n, int R);
void scan_worker_free(tw_ctx *ctx, scan_worker *w);

tw_status scan_geo_init(tw_ctx *ctx, scan_geo *g, tw_scan_coords coords, const double *x,
                        const double *y, size_t n);
void scan_geo_free(tw_ctx *ctx, scan_geo *g);

/*
 * The neighbour list of centre c: areas sorted by distance (ties: lesser
 * coordinate first, as SaTScan; then index), cut where the window would
 * hold more than cap of measure or reach beyond max_r (0 = no limit).
 * Windows are the prefixes ending at entries with end = 1. The list is
 * left in w->buf; returns its number of entries.
 */
size_t scan_geo_window(const scan_geo *g, size_t c, const double *measure, double cap,
                       double max_r, scan_work *w);

/*
 * Elliptic windows (SaTScan; Kulldorff et al. 2006, Stat Med 25:3929).
 * Window e = 0 is the circle; e = 1 .. SCAN_N_ELLIPSES - 1 are SaTScan's
 * default ellipses: shapes 1.5, 2, 3, 4, 5 with 4, 6, 9, 12, 15 angles
 * pi * a / k (a = 0 .. k - 1) of the longest axis. The points are
 * transformed (scan_ellipse_transform) so that circles in the new plane
 * are those ellipses; the circle machinery of geo.c then applies.
 */
#define SCAN_N_ELLIPSES 47
void scan_ellipse_get(int e, double *shape, double *angle);
/* SaTScan's CentroidNeighborCalculator::Transform, in double precision. */
void scan_ellipse_transform(double x, double y, double angle, double shape, double *X,
                            double *Y);
/* Non-compactness penalty (4 s / (s + 1)^2)^a; a = 0, 1/2, 1. */
double scan_ellipse_penalty(double shape, tw_scan_penalty p);
/*
 * Planar coordinates of the points for the ellipses: Cartesian input as
 * it is; lat/long projected on SaTScan's sphere (equirectangular at the
 * points' mean latitude, km): x = R lon cos(lat0), y = R lat (radians).
 */
void scan_planar(tw_scan_coords coords, const double *x, const double *y, size_t n, double *px,
                 double *py);

/* The likelihood of a window. */
typedef struct scan_lik {
    int bernoulli;      /* 0: Poisson LLR (also space-time permutation) */
    tw_scan_tail tail;
    double C;           /* total cases */
    double N;           /* total measure (population, expected or cases + controls) */
    double ratio;       /* C / N */
    double llr0;        /* Bernoulli: log-likelihood under the null */
    double min_cases;   /* high-rate windows need at least this many cases */
} scan_lik;

void scan_lik_init(scan_lik *L, int bernoulli, tw_scan_tail tail, double C, double N,
                   double min_cases);
/* LLR of a window with c cases and measure M (0 when not in the tail). */
double scan_llr(const scan_lik *L, double c, double M);
/* Variance-like V with LLR <= (c - E)^2 / V (Pearson bound; see scan.c). */
double scan_llr_bound_v(const scan_lik *L, double M);

/* Walker/Vose alias table for multinomial draws (Poisson replicas). */
typedef struct scan_alias {
    size_t n;
    double *prob;
    int32_t *alias;
} scan_alias;

tw_status scan_alias_init(tw_ctx *ctx, scan_alias *a, const double *w, size_t n);
void scan_alias_free(tw_ctx *ctx, scan_alias *a);
static inline size_t scan_alias_draw(const scan_alias *a, rng *r)
{
    size_t i = (size_t)rng_below(r, a->n);
    return rng_uniform(r) < a->prob[i] ? i : (size_t)a->alias[i];
}

/*
 * R replicas under the null, conditioned on the total C, into cnt (n x R,
 * area-major: cnt[j * R + r]), or into cnt16 when it is not NULL (C must
 * then be below 65536). Poisson: multinomial by measure; Bernoulli: C of
 * the measure's individuals without replacement. Replica r draws from RNG
 * stream (seed, r).
 */
tw_status scan_make_replicas(tw_ctx *ctx, int bernoulli, const double *measure, size_t n,
                             double C, int R, uint64_t seed, int32_t *cnt, uint16_t *cnt16);

/*
 * Room for R replicas of `cells` counts (R > 0): *cnt16 when C < 65536
 * (no cell holds more than C cases, and 16 bits halve the memory
 * traffic), else *cnt; and res->replica_llr, zero. Both scans free what
 * is set, also on failure.
 */
tw_status scan_replicas_alloc(tw_ctx *ctx, tw_scan_result *res, size_t cells, int R, double C,
                              int32_t **cnt, uint16_t **cnt16);

/* Monte Carlo and Gumbel p-values, critical values. */
double scan_p_mc(const double *rep, int R, double llr);
double scan_p_gumbel(const double *rep, int R, double llr);
/* desc: replica maxima sorted from largest. */
double scan_critical(const double *desc, int R, double alpha);
/*
 * The replica maxima of res sorted from largest into *desc (owned by the
 * caller; NULL when R == 0) and the critical values at 0.05, 0.01 and
 * 0.001 set from them. Shared by the spatial and the space-time scan.
 */
tw_status scan_replica_summary(tw_ctx *ctx, tw_scan_result *res, int R, double **desc);
/* Fold one worker's window count and replica maxima (R) into res. */
void scan_merge_worker(tw_scan_result *res, const scan_worker *w, int R);
/*
 * A centre's best window as a candidate cluster. Candidates are reported
 * by LLR, largest first, ties by the lower centre (qsort with
 * scan_cand_cmp).
 */
typedef struct scan_cand {
    double llr;
    int32_t c;
} scan_cand;
int scan_cand_cmp(const void *a, const void *b);
/* 1 when one of the first k entries of buf is used (secondary clusters). */
int scan_window_overlaps(const unsigned char *used, const scan_nbr *buf, size_t k);
/*
 * A reported cluster as both scans fill it: rank res->n_clusters (counted
 * already), centre, radius and size from the window buf[0..k), observed,
 * expected, O/E and relative risk (Poisson form), llr = test_stat = stat,
 * p-values from the replicas, a circle, purely spatial. Callers change
 * what differs (Bernoulli relative risk, ellipse, time frame).
 */
void scan_cluster_set(tw_scan_cluster *cl, const tw_scan_result *res, int32_t centre,
                      const scan_nbr *buf, size_t k, double obs, double E, double stat);

#endif
