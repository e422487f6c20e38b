/*
 * weights_internal.h: the layout of tw_weights (compressed sparse rows),
 * shared by the statistics, which walk rows in their inner loops.
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

#endif
