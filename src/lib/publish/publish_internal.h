/*
 * publish_internal.h: the tree form of safe publication, shared by
 * publish.c and the *_internal tests. Nodes are numbered so that every
 * node's parent has a larger index (children first, the national root
 * last): one ascending pass is bottom-up, one descending pass top-down.
 * Leaves (the areas) are nodes 0 .. n_leaves-1 and have no children.
 */
#ifndef TW_PUBLISH_INTERNAL_H
#define TW_PUBLISH_INTERNAL_H

#include "core/core.h"

typedef struct pub_tree {
    size_t n_leaves, n_nodes;
    const int32_t *parent;   /* n_nodes; -1 only for the root, n_nodes - 1 */
    const double *pop;       /* n_nodes (sums over leaves for totals); NULL = all 0 */
    const uint64_t *stream;  /* n_leaves noise streams (e.g. a hash of the id); NULL = index */
    size_t n_zero;           /* leaves 0 .. n_zero-1 (a cube's cells) withhold zeros too: primary
                                when value < t unless the parent is a shown 0; an attacker
                                knows only that such a withheld count is >= 0 */
} pub_tree;

/* Suppression states in supp[]: published, primary (0 < value < t), complementary. */
enum { PUB_SHOWN = 0, PUB_PRIMARY = 1, PUB_SECONDARY = 2 };

/*
 * Noise (opts->epsilon > 0), suppression and imputation on a tree.
 * leaf_count: n_leaves whole numbers >= 0. Writes value (n_nodes: the
 * counts the release is computed from: true or noisy; totals are sums of
 * leaves), supp (n_nodes) and view (n_nodes: value where shown, imputed
 * from published numbers where suppressed). Fails with TW_E_INTERNAL if
 * the audit cannot be satisfied (unreachable: full suppression passes).
 */
tw_status pub_run(tw_ctx *ctx, const pub_tree *t, const double *leaf_count,
                  const tw_publish_opts *opts, double *value, int *supp, double *view);

/*
 * Exact feasible interval [lo, hi] of every node given what is published:
 * shown nodes are fixed at value, suppressed ones lie in [1, inf) (zeros
 * are never suppressed), every node equals the sum of its children.
 * Returns the number of suppressed nodes exposed (hi - lo < pub_width(t)).
 * TW_E_INTERNAL when the constraints are inconsistent.
 */
tw_status pub_audit(tw_ctx *ctx, size_t n_nodes, const int32_t *parent, const double *value,
                    const int *supp, double t, double *lo, double *hi, size_t *exposed);
/* The same when nodes 0 .. n_zero-1 withheld are only known to be >= 0. */
tw_status pub_audit_zero(tw_ctx *ctx, size_t n_nodes, const int32_t *parent, const double *value,
                         const int *supp, double t, size_t n_zero, double *lo, double *hi,
                         size_t *exposed);

/* Room a withheld count must keep: floor((t - 1) / 2), at least 1. */
double pub_width(double t);

/* Two-sided geometric noise: P(k) = (1-a)/(1+a) a^|k|, a = exp(-epsilon). */
int64_t pub_geometric_noise(uint64_t seed, uint64_t stream, double epsilon);

#endif
