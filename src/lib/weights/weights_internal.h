/*
 * weights_internal.h: the layout of tw_weights (compressed sparse rows),
 * shared by the statistics, which walk rows in their inner loops, and the
 * builders of neighbour sets inside the weights module (contiguity.c,
 * nearest.c, pointgrid.c, build.c, galgwt.c).
 */
#ifndef TW_WEIGHTS_INTERNAL_H
#define TW_WEIGHTS_INTERNAL_H

#include "core/core.h"

struct tw_weights {
    tw_ctx *ctx;       /* must outlive the weights */
    size_t n;
    size_t *rowptr;    /* n + 1 */
    int32_t *col;      /* rowptr[n], ascending within a row */
    double *w;         /* rowptr[n] */
    tw_wstyle style;
    int has_self;      /* self-links were added (include_self) */
};

/* Allocate an empty CSR with room for nnz links (rowptr zeroed). */
tw_status weights_alloc(tw_ctx *ctx, size_t n, size_t nnz, tw_weights **out);

/* ---- builders (each returns style-B weights, rows ascending) ---- */

/*
 * Contiguity. snap_m == 0: exactly spdep poly2nb(queen = !rook) with its
 * default snap (sqrt(DBL_EPSILON) degrees). snap_m > 0: fuzzy contiguity,
 * boundaries within snap_m metres (rook: the contact stretches over more
 * than 2 * snap_m). Areas without polygon have no neighbours.
 */
tw_status weights_contiguity(tw_ctx *ctx, const tw_areas *a, int rook, double snap_m,
                             tw_weights **out);

/* spdep knearneigh(longlat) + knn2nb on the area points (ties: lower index). */
tw_status weights_knn(tw_ctx *ctx, const tw_areas *a, int k, tw_distance dist,
                      tw_weights **out);

/*
 * spdep dnearneigh(0, band_km): 0 <= d <= band_km, self excluded. power > 0:
 * inverse distance weights 1/d^power (a zero distance is TW_E_DOMAIN).
 */
tw_status weights_band(tw_ctx *ctx, const tw_areas *a, double band_km, double power,
                       tw_distance dist, tw_weights **out);

/*
 * Attach every area without neighbours in w to its k nearest areas (by
 * point, ties to the lower index), both ways. power > 0 gives the new links
 * weight 1/d^power, else 1. *attached counts the areas that got links.
 */
tw_status weights_attach_islands(tw_ctx *ctx, const tw_areas *a, const tw_weights *w,
                                 int k, tw_distance dist, double power,
                                 tw_weights **out, size_t *attached);

/* ---- point grid (pointgrid.c): exact nearest and within-distance ---- */

typedef struct pgrid pgrid;

/*
 * Index the n points (lon[i], lat[i]); points with a NaN coordinate are left
 * out. Queries are read-only and may run in parallel.
 */
tw_status pgrid_build(tw_ctx *ctx, size_t n, const double *lon, const double *lat,
                      tw_distance dist, pgrid **out);
void pgrid_free(pgrid *g);

/*
 * The k points nearest to point `self` (excluded), ordered by (distance,
 * index) as spdep's knearneigh keeps them. Writes up to k entries to idx and
 * d; returns how many (fewer than k only when fewer points exist).
 */
size_t pgrid_knn(const pgrid *g, size_t self, size_t k, int32_t *idx, double *d);

/*
 * Points j != self with distance(self, j) <= dmax, in ascending index,
 * appended to *idx / *d (growable, capacity *cap); returns the count or
 * (size_t)-1 when out of memory.
 */
size_t pgrid_within(const pgrid *g, size_t self, double dmax, int32_t **idx, double **d,
                    size_t *cap);

#endif
