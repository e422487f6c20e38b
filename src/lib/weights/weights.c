/*
 * weights.c: the tw_weights container: construction from lists, access,
 * transformation (self-inclusion, row standardisation as spdep's
 * nb2listw(style="B"|"W")), symmetry, summary and connected components.
 * Builders of neighbour sets (contiguity, knn, distance band, files) live
 * beside it and all end in weights_alloc + filled CSR.
 */
#include "weights/weights_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

tw_status weights_alloc(tw_ctx *ctx, size_t n, size_t nnz, tw_weights **out)
{
    tw_weights *w = ctx_calloc(ctx, 1, sizeof *w);
    if (!w)
        return ctx_nomem(ctx);
    w->ctx = ctx;
    w->n = n;
    w->rowptr = ctx_calloc(ctx, n + 1, sizeof *w->rowptr);
    w->col = ctx_mallocarray(ctx, nnz, sizeof *w->col);
    w->w = ctx_mallocarray(ctx, nnz, sizeof *w->w);
    if (!w->rowptr || !w->col || !w->w) {
        tw_weights_free(w);
        return ctx_nomem(ctx);
    }
    *out = w;
    return TW_OK;
}

void tw_weights_free(tw_weights *w)
{
    if (!w)
        return;
    ctx_free(w->ctx, w->rowptr);
    ctx_free(w->ctx, w->col);
    ctx_free(w->ctx, w->w);
    ctx_free(w->ctx, w);
}

typedef struct link_sort {
    int32_t j;
    double w;
} link_sort;

static int cmp_link(const void *a, const void *b)
{
    int32_t x = ((const link_sort *)a)->j, y = ((const link_sort *)b)->j;
    return (x > y) - (x < y);
}

tw_status tw_weights_from_lists(tw_ctx *ctx, size_t n, const size_t *rowptr,
                                const int32_t *col, const double *wt,
                                tw_weights **out)
{
    if (!rowptr || (!col && rowptr[n]))
        return ctx_error(ctx, TW_E_ARG, "weights lists need rowptr and col");
    if (n > INT32_MAX)
        return ctx_error(ctx, TW_E_ARG, "too many areas for weights");
    for (size_t i = 0; i < n; i++)
        if (rowptr[i + 1] < rowptr[i])
            return ctx_error(ctx, TW_E_ARG, "rowptr is not ascending at row %zu", i);
    size_t nnz = rowptr[n] - rowptr[0];
    tw_weights *w;
    tw_status s = weights_alloc(ctx, n, nnz, &w);
    if (s)
        return s;
    size_t maxlen = 0;
    for (size_t i = 0; i < n; i++)
        if (rowptr[i + 1] - rowptr[i] > maxlen)
            maxlen = rowptr[i + 1] - rowptr[i];
    link_sort *tmp = ctx_mallocarray(ctx, maxlen ? maxlen : 1, sizeof *tmp);
    if (!tmp) {
        tw_weights_free(w);
        return ctx_nomem(ctx);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = rowptr[i + 1] - rowptr[i];
        for (size_t t = 0; t < len; t++) {
            size_t src = rowptr[i] + t;
            tmp[t].j = col[src];
            tmp[t].w = wt ? wt[src] : 1.0;
            if (col[src] < 0 || (size_t)col[src] >= n || !isfinite(tmp[t].w)) {
                ctx_free(ctx, tmp);
                tw_weights_free(w);
                return ctx_error(ctx, TW_E_ARG, "row %zu: neighbour %ld out of range or weight not finite",
                                 i, (long)col[src]);
            }
        }
        qsort(tmp, len, sizeof *tmp, cmp_link);
        for (size_t t = 0; t < len; t++) {
            if (t && tmp[t].j == tmp[t - 1].j) {
                ctx_free(ctx, tmp);
                tw_weights_free(w);
                return ctx_error(ctx, TW_E_ARG, "row %zu: neighbour %ld listed twice", i,
                                 (long)tmp[t].j);
            }
            if ((size_t)tmp[t].j == i)
                w->has_self = 1;
            w->col[k] = tmp[t].j;
            w->w[k] = tmp[t].w;
            k++;
        }
        w->rowptr[i + 1] = k;
    }
    ctx_free(ctx, tmp);
    w->style = TW_STYLE_B;
    *out = w;
    return TW_OK;
}

size_t tw_weights_n(const tw_weights *w) { return w->n; }
size_t tw_weights_links(const tw_weights *w) { return w->rowptr[w->n]; }

size_t tw_weights_row(const tw_weights *w, size_t i, const int32_t **nbr, const double **wt)
{
    if (nbr)
        *nbr = w->col + w->rowptr[i];
    if (wt)
        *wt = w->w + w->rowptr[i];
    return w->rowptr[i + 1] - w->rowptr[i];
}

static int row_has(const tw_weights *w, size_t i, int32_t j)
{
    size_t lo = w->rowptr[i], hi = w->rowptr[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->col[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->rowptr[i + 1] && w->col[lo] == j;
}

int tw_weights_symmetric(const tw_weights *w)
{
    for (size_t i = 0; i < w->n; i++)
        for (size_t k = w->rowptr[i]; k < w->rowptr[i + 1]; k++)
            if (!row_has(w, (size_t)w->col[k], (int32_t)i))
                return 0;
    return 1;
}

tw_status tw_weights_transform(tw_ctx *ctx, const tw_weights *in, int include_self,
                               tw_wstyle style, tw_weights **out)
{
    size_t n = in->n;
    size_t extra = 0;
    if (include_self)
        for (size_t i = 0; i < n; i++)
            if (!row_has(in, i, (int32_t)i))
                extra++;
    tw_weights *w;
    tw_status s = weights_alloc(ctx, n, in->rowptr[n] + extra, &w);
    if (s)
        return s;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int placed = !include_self || row_has(in, i, (int32_t)i);
        for (size_t t = in->rowptr[i]; t < in->rowptr[i + 1]; t++) {
            if (!placed && in->col[t] > (int32_t)i) {
                w->col[k] = (int32_t)i;
                w->w[k++] = 1.0;
                placed = 1;
            }
            w->col[k] = in->col[t];
            w->w[k++] = in->w[t];
        }
        if (!placed) {
            w->col[k] = (int32_t)i;
            w->w[k++] = 1.0;
        }
        w->rowptr[i + 1] = k;
        if (style == TW_STYLE_W) {
            double sum = 0;
            for (size_t t = w->rowptr[i]; t < k; t++)
                sum += w->w[t];
            if (sum > 0)
                for (size_t t = w->rowptr[i]; t < k; t++)
                    w->w[t] /= sum;
        }
    }
    w->style = style;
    w->has_self = include_self || in->has_self;
    *out = w;
    return TW_OK;
}

tw_status tw_weights_components(tw_ctx *ctx, const tw_weights *w, int32_t *comp)
{
    size_t n = w->n;
    int32_t *stack = ctx_mallocarray(ctx, n ? n : 1, sizeof *stack);
    if (!stack)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < n; i++)
        comp[i] = -1;
    int32_t next = 0;
    /* Treat links as undirected: knn neighbour sets are not symmetric. */
    /* Build reverse adjacency once. */
    size_t *rptr = ctx_calloc(ctx, n + 1, sizeof *rptr);
    int32_t *rcol = ctx_mallocarray(ctx, w->rowptr[n] ? w->rowptr[n] : 1, sizeof *rcol);
    if (!rptr || !rcol) {
        ctx_free(ctx, stack);
        ctx_free(ctx, rptr);
        ctx_free(ctx, rcol);
        return ctx_nomem(ctx);
    }
    for (size_t k = 0; k < w->rowptr[n]; k++)
        rptr[w->col[k] + 1]++;
    for (size_t i = 0; i < n; i++)
        rptr[i + 1] += rptr[i];
    size_t *fill = ctx_mallocarray(ctx, n ? n : 1, sizeof *fill);
    if (!fill) {
        ctx_free(ctx, stack);
        ctx_free(ctx, rptr);
        ctx_free(ctx, rcol);
        return ctx_nomem(ctx);
    }
    memcpy(fill, rptr, n * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        for (size_t k = w->rowptr[i]; k < w->rowptr[i + 1]; k++)
            rcol[fill[w->col[k]]++] = (int32_t)i;
    ctx_free(ctx, fill);
    for (size_t s0 = 0; s0 < n; s0++) {
        if (comp[s0] >= 0)
            continue;
        size_t top = 0;
        stack[top++] = (int32_t)s0;
        comp[s0] = next;
        while (top) {
            int32_t v = stack[--top];
            for (size_t k = w->rowptr[v]; k < w->rowptr[v + 1]; k++)
                if (comp[w->col[k]] < 0) {
                    comp[w->col[k]] = next;
                    stack[top++] = w->col[k];
                }
            for (size_t k = rptr[v]; k < rptr[v + 1]; k++)
                if (comp[rcol[k]] < 0) {
                    comp[rcol[k]] = next;
                    stack[top++] = rcol[k];
                }
        }
        next++;
    }
    ctx_free(ctx, stack);
    ctx_free(ctx, rptr);
    ctx_free(ctx, rcol);
    return TW_OK;
}

tw_status tw_weights_summarise(tw_ctx *ctx, const tw_weights *w, tw_weights_summary *out)
{
    memset(out, 0, sizeof *out);
    size_t n = w->n;
    out->n = n;
    out->min_neighbours = n ? SIZE_MAX : 0;
    for (size_t i = 0; i < n; i++) {
        size_t deg = 0;
        for (size_t k = w->rowptr[i]; k < w->rowptr[i + 1]; k++)
            if ((size_t)w->col[k] != i)
                deg++;
        out->links += deg;
        if (deg == 0)
            out->islands++;
        if (deg < out->min_neighbours)
            out->min_neighbours = deg;
        if (deg > out->max_neighbours)
            out->max_neighbours = deg;
    }
    out->mean_neighbours = n ? (double)out->links / (double)n : 0;
    out->symmetric = tw_weights_symmetric(w);
    int32_t *comp = ctx_mallocarray(ctx, n ? n : 1, sizeof *comp);
    if (!comp)
        return ctx_nomem(ctx);
    tw_status s = tw_weights_components(ctx, w, comp);
    if (s) {
        ctx_free(ctx, comp);
        return s;
    }
    int32_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (comp[i] + 1 > nc)
            nc = comp[i] + 1;
    out->components = (size_t)nc;
    size_t *sizes = ctx_calloc(ctx, (size_t)nc + 1, sizeof *sizes);
    if (!sizes) {
        ctx_free(ctx, comp);
        return ctx_nomem(ctx);
    }
    for (size_t i = 0; i < n; i++)
        sizes[comp[i]]++;
    for (int32_t c = 0; c < nc; c++)
        if (sizes[c] > out->largest_component)
            out->largest_component = sizes[c];
    ctx_free(ctx, sizes);
    ctx_free(ctx, comp);
    return TW_OK;
}
