/*
 * kde_internal.h: what the files of src/lib/kde share: the kernel
 * function (kde.c) used by the bandwidth rules and the exact sums.
 * Not part of the public API.
 */
#ifndef TW_KDE_INTERNAL_H
#define TW_KDE_INTERNAL_H

#include "core/core.h"

#define KDE_PI 3.14159265358979323846

/* Kernel value (integrates to 1) at offset (dx, dy), sd sigma. */
double kde_kernel(tw_kernel k, double sigma, double dx, double dy);
/* Radius beyond which the kernel is zero or negligible (< 1e-22 of its peak). */
double kde_cutoff(tw_kernel k, double sigma);

/* Sum of the kernel at spatstat's pixel offsets {-nx..nx-1} x {-ny..ny-1}. */
double kde_spatstat_sum(tw_kernel k, double sigma, double cell, size_t nx, size_t ny);

#endif
