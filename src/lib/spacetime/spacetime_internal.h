/*
 * spacetime_internal.h: what the files of src/lib/spacetime share: the
 * allocation-free Mann-Kendall kernel (mk.c) that the emerging hot spot
 * analysis runs once per area and series inside a parallel loop, and the
 * calendar arithmetic of the time steps (steps.c). Not part of the API.
 */
#ifndef TW_SPACETIME_INTERNAL_H
#define TW_SPACETIME_INTERNAL_H

#include "core/core.h"

/* Doubles of scratch st_mk needs for a series of n values. */
size_t st_mk_scratch(size_t n);

/*
 * Mann-Kendall and Sen's slope of x[0..n) with caller scratch of
 * st_mk_scratch(n) doubles. Returns the number of non-NaN values; with
 * fewer than 2 every field but n is NaN. with_sen = 0 leaves sen_slope NaN
 * (a third of the time: the slopes and their median).
 */
size_t st_mk(const double *x, size_t n, double *scratch, int with_sen, tw_mk_result *out);

/* Civil date of days since 1970-01-01 (proleptic Gregorian; Hinnant's algorithm). */
void st_civil(int32_t days, int64_t *y, unsigned *m, unsigned *d);
int32_t st_days(int64_t y, unsigned m, unsigned d);

#endif
