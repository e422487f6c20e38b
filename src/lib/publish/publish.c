/*
 * publish.c: safe publication of counts per area (tanaw ... --public).
 * Rules, guarantee and attacker model: docs/publication.md.
 *
 * Method. The areas and their PSGC ancestors (municipality, province,
 * region) up to a national root form a tree in which every node's count is
 * the sum of its children's; every node is published (the per-area table,
 * the totals file, the national total on stdout) or withheld.
 *  1. Noise (optional): each area's count gets two-sided geometric noise
 *     (Ghosh, Roughgarden & Sundararajan 2009) with a = exp(-epsilon),
 *     negatives clamped to 0; totals are sums of the noisy counts, and all
 *     that follows reads only noisy counts (post-processing), so the whole
 *     release is epsilon-differentially private per record.
 *  2. Primary suppression: nodes with 0 < count < t (zeros are published).
 *  3. Complementary suppression, as statistical offices do: in every
 *     family (a node and its children) no lone withheld cell may be
 *     recovered by subtraction; the complement is the eligible sibling
 *     (published, non-zero) of smallest population, a public quantity, so
 *     the choice tells nothing about counts; with none, the parent goes.
 *  4. Audit: the exact range of every node consistent with all published
 *     numbers when a withheld count is only known to be >= 1. On a tree of
 *     sums the achievable values of a subtree are an integer interval (a
 *     Minkowski sum of intervals), so one bottom-up pass (what the children
 *     allow) and one top-down pass (what the parent and siblings allow)
 *     give the exact ranges, as an integer program over the same
 *     constraints would. A withheld node is exposed when its range is
 *     narrower than the protection width floor((t-1)/2) (4 for t = 10: at
 *     least 5 possible values, never one); each family with an exposed node
 *     gets one more complement per round (a child if its children pin it,
 *     else a sibling, else its parent) and the audit runs again. Full
 *     suppression always passes, so this ends.
 *  5. Public view: withheld counts imputed top-down from published numbers
 *     (what the parent's total leaves after its published children, shared
 *     by population), so statistics computed from the view depend on the
 *     data only through what is published.
 *
 * Complexity: O(N) per round with N = areas + totals; rounds are few
 * (each adds complements for every exposed node at once). Memory O(N).
 *
 * Limits: counts must be whole numbers; the audit assumes the attacker
 * knows only that a withheld count is >= 1 (not which rule withheld it);
 * the algorithm's own choices may leak a little more (the minimality
 * attack, Wong et al. 2007); NEEDSWORK: a choice that is simulatable from
 * published data alone in the audit rounds too.
 */
#include "publish/publish_internal.h"
#include "core/rng.h"
#include "io/csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHOLE_MAX 4503599627370496.0 /* 2^52: sums stay exact in doubles */

/* ---- noise ---------------------------------------------------------- */

/* Geometric on {0, 1, ...} with P(G >= k) = exp(-epsilon k), by inversion. */
static int64_t geometric(rng *r, double epsilon)
{
    double u = 1.0 - rng_uniform(r); /* (0, 1] */
    double g = floor(-log(u) / epsilon);
    return g > 1e15 ? (int64_t)1e15 : (int64_t)g;
}

int64_t pub_geometric_noise(uint64_t seed, uint64_t stream, double epsilon)
{
    rng r;
    rng_init(&r, seed, stream);
    int64_t a = geometric(&r, epsilon);
    return a - geometric(&r, epsilon);
}

/* ---- the audit ------------------------------------------------------ */

typedef struct audit_work {
    double *dlo, *dhi;   /* down: what the subtree allows */
    double *ulo, *uhi;   /* up: what the rest of the tree allows */
    double *slo, *shf;   /* per parent: sum of children's dlo, of finite dhi */
    int32_t *ninf;       /* per parent: children with dhi = inf */
    int32_t *nch;        /* children */
} audit_work;

static void work_free(tw_ctx *ctx, audit_work *w)
{
    ctx_free(ctx, w->dlo);
    ctx_free(ctx, w->dhi);
    ctx_free(ctx, w->ulo);
    ctx_free(ctx, w->uhi);
    ctx_free(ctx, w->slo);
    ctx_free(ctx, w->shf);
    ctx_free(ctx, w->ninf);
    ctx_free(ctx, w->nch);
    memset(w, 0, sizeof *w);
}

static tw_status work_alloc(tw_ctx *ctx, audit_work *w, size_t n)
{
    memset(w, 0, sizeof *w);
    size_t m = n ? n : 1;
    w->dlo = ctx_mallocarray(ctx, m, sizeof(double));
    w->dhi = ctx_mallocarray(ctx, m, sizeof(double));
    w->ulo = ctx_mallocarray(ctx, m, sizeof(double));
    w->uhi = ctx_mallocarray(ctx, m, sizeof(double));
    w->slo = ctx_mallocarray(ctx, m, sizeof(double));
    w->shf = ctx_mallocarray(ctx, m, sizeof(double));
    w->ninf = ctx_mallocarray(ctx, m, sizeof(int32_t));
    w->nch = ctx_mallocarray(ctx, m, sizeof(int32_t));
    if (!w->dlo || !w->dhi || !w->ulo || !w->uhi || !w->slo || !w->shf || !w->ninf || !w->nch) {
        work_free(ctx, w);
        return ctx_nomem(ctx);
    }
    return TW_OK;
}

/*
 * Protection width: a withheld count must keep at least this much room
 * (hi - lo) given everything published: floor((t - 1) / 2), at least 1,
 * so 5 possible values or more for t = 10. Asking more (say, that no
 * withheld count can be shown to be below t) withholds whole regions on
 * sparse data and then the national total.
 */
double pub_width(double t)
{
    double w = floor((t - 1) / 2);
    return w < 1 ? 1 : w;
}

static int exposed_range(double lo, double hi, double t)
{
    return !(hi - lo >= pub_width(t));
}

/* The two passes; lo/hi get the feasible ranges. */
static tw_status audit_core(tw_ctx *ctx, audit_work *w, size_t n, const int32_t *parent,
                            const double *value, const int *supp, double t, size_t n_zero,
                            double *lo, double *hi, size_t *exposed)
{
    for (size_t k = 0; k < n; k++) {
        w->slo[k] = w->shf[k] = 0;
        w->ninf[k] = w->nch[k] = 0;
    }
    for (size_t k = 0; k < n; k++) {
        double blo = supp[k] ? (k < n_zero ? 0 : 1) : value[k], bhi = supp[k] ? INFINITY : value[k];
        double l = blo, h = bhi;
        if (w->nch[k]) {
            double sh = w->ninf[k] ? INFINITY : w->shf[k];
            l = fmax(l, w->slo[k]);
            h = fmin(h, sh);
        }
        if (TW_NEVER(l > h))
            return ctx_error(ctx, TW_E_INTERNAL,
                             "audit: node %zu cannot hold its children's published counts", k);
        w->dlo[k] = l;
        w->dhi[k] = h;
        int32_t p = parent[k];
        if (p >= 0) {
            w->slo[p] += l;
            if (isinf(h))
                w->ninf[p]++;
            else
                w->shf[p] += h;
            w->nch[p]++;
        }
    }
    size_t nexp = 0;
    for (size_t j = n; j-- > 0;) {
        double blo = supp[j] ? (j < n_zero ? 0 : 1) : value[j], bhi = supp[j] ? INFINITY : value[j];
        int32_t p = parent[j];
        if (p < 0) {
            w->ulo[j] = blo;
            w->uhi[j] = bhi;
        } else {
            double sib_lo = w->slo[p] - w->dlo[j];
            int32_t inf_other = w->ninf[p] - (isinf(w->dhi[j]) ? 1 : 0);
            double sib_hi = inf_other ? INFINITY : w->shf[p] - (isinf(w->dhi[j]) ? 0 : w->dhi[j]);
            double from_lo = isinf(sib_hi) ? -INFINITY : w->ulo[p] - sib_hi;
            double from_hi = isinf(w->uhi[p]) ? INFINITY : w->uhi[p] - sib_lo;
            w->ulo[j] = fmax(blo, from_lo);
            w->uhi[j] = fmin(bhi, from_hi);
        }
        lo[j] = fmax(w->ulo[j], w->dlo[j]);
        hi[j] = fmin(w->uhi[j], w->dhi[j]);
        if (TW_NEVER(lo[j] > hi[j]))
            return ctx_error(ctx, TW_E_INTERNAL, "audit: node %zu has no consistent value", j);
        if (supp[j] && exposed_range(lo[j], hi[j], t))
            nexp++;
    }
    *exposed = nexp;
    return TW_OK;
}

tw_status pub_audit_zero(tw_ctx *ctx, size_t n_nodes, const int32_t *parent, const double *value,
                         const int *supp, double t, size_t n_zero, double *lo, double *hi,
                         size_t *exposed)
{
    audit_work w;
    tw_status s = work_alloc(ctx, &w, n_nodes);
    if (s)
        return s;
    s = audit_core(ctx, &w, n_nodes, parent, value, supp, t, n_zero, lo, hi, exposed);
    work_free(ctx, &w);
    return s;
}

tw_status pub_audit(tw_ctx *ctx, size_t n_nodes, const int32_t *parent, const double *value,
                    const int *supp, double t, double *lo, double *hi, size_t *exposed)
{
    return pub_audit_zero(ctx, n_nodes, parent, value, supp, t, 0, lo, hi, exposed);
}

/* ---- suppression ---------------------------------------------------- */

typedef struct tree_idx {
    size_t *start; /* n + 1: children of k are child[start[k] .. start[k+1]) */
    int32_t *child;
} tree_idx;

static double node_pop(const pub_tree *t, size_t k)
{
    double p = t->pop ? t->pop[k] : 0;
    return isfinite(p) ? p : 0;
}

/* Eligible child of p (published, non-zero) with the smallest population; -1 if none. */
static int32_t pick_child(const pub_tree *t, const tree_idx *x, const double *value,
                          const int *supp, size_t p)
{
    int32_t best = -1;
    for (size_t j = x->start[p]; j < x->start[p + 1]; j++) {
        int32_t c = x->child[j];
        if (supp[c] || !(value[c] > 0))
            continue;
        if (best < 0 || node_pop(t, (size_t)c) < node_pop(t, (size_t)best))
            best = c;
    }
    return best;
}

/* Family rules until nothing changes: no lone withheld child under a published parent, no withheld parent over published children. */
static void family_rules(const pub_tree *t, const tree_idx *x, const double *value, int *supp)
{
    int changed;
    do {
        changed = 0;
        for (size_t p = 0; p < t->n_nodes; p++) {
            if (x->start[p] == x->start[p + 1])
                continue;
            size_t nsup = 0;
            for (size_t j = x->start[p]; j < x->start[p + 1]; j++)
                nsup += supp[x->child[j]] != PUB_SHOWN;
            if (supp[p] == PUB_SHOWN && nsup == 1) {
                int32_t c = pick_child(t, x, value, supp, p);
                if (c >= 0)
                    supp[c] = PUB_SECONDARY;
                else
                    supp[p] = PUB_SECONDARY;
                changed = 1;
            } else if (supp[p] != PUB_SHOWN && nsup == 0) {
                int32_t c = pick_child(t, x, value, supp, p);
                if (c >= 0) { /* always: a non-zero parent has a non-zero child */
                    supp[c] = PUB_SECONDARY;
                    changed = 1;
                }
            }
        }
    } while (changed);
}

/* One more complement for exposed node u; returns the node withheld, or -1. */
static int32_t widen(const pub_tree *t, const tree_idx *x, const audit_work *w, const double *value,
                 int *supp, size_t u, double thr)
{
    if (x->start[u] < x->start[u + 1] && exposed_range(w->dlo[u], w->dhi[u], thr)) {
        int32_t c = pick_child(t, x, value, supp, u);
        if (c >= 0) {
            supp[c] = PUB_SECONDARY;
            return c;
        }
    }
    size_t v = u;
    while (t->parent[v] >= 0) {
        size_t p = (size_t)t->parent[v];
        int32_t s = pick_child(t, x, value, supp, p);
        if (s >= 0) {
            supp[s] = PUB_SECONDARY;
            return s;
        }
        if (supp[p] == PUB_SHOWN) {
            supp[p] = PUB_SECONDARY;
            return (int32_t)p;
        }
        v = p;
    }
    return -1;
}

static tw_status check_opts(tw_ctx *ctx, const tw_publish_opts *o, double *t, double *eps)
{
    *t = o && o->min_count != 0 ? o->min_count : 10;
    *eps = o ? o->epsilon : 0;
    if (!(*t >= 1 && *t <= 1e9) || *t != floor(*t) || *t == 2)
        return ctx_error(ctx, TW_E_ARG,
                         "min count must be 1 (no suppression) or a whole number from 3 to 1e9, "
                         "got %g (with 2 every withheld count would be 1)", *t);
    if (!(*eps >= 0 && *eps <= 1000))
        return ctx_error(ctx, TW_E_ARG, "epsilon must be 0 (no noise) or in (0, 1000], got %g",
                         *eps);
    return TW_OK;
}

tw_status pub_run(tw_ctx *ctx, const pub_tree *t, const double *leaf_count,
                  const tw_publish_opts *opts, double *value, int *supp, double *view)
{
    double thr, eps;
    tw_status s = check_opts(ctx, opts, &thr, &eps);
    if (s)
        return s;
    size_t n = t->n_nodes;
    if (n == 0 || t->n_leaves > n || t->parent[n - 1] != -1)
        return ctx_error(ctx, TW_E_ARG, "a tree needs its root last");
    for (size_t k = 0; k + 1 < n; k++)
        if (t->parent[k] <= (int32_t)k || (size_t)t->parent[k] >= n || (size_t)t->parent[k] < t->n_leaves)
            return ctx_error(ctx, TW_E_ARG, "node %zu: parent %ld must be a later total", k,
                             (long)t->parent[k]);
    for (size_t k = 0; k < t->n_leaves; k++) {
        double c = leaf_count[k];
        if (!(c >= 0 && c <= WHOLE_MAX) || c != floor(c))
            return ctx_error(ctx, TW_E_DOMAIN,
                             "area %zu: count %g is not a whole number >= 0; public output "
                             "needs whole counts", k, c);
    }
    tree_idx x = {0};
    audit_work w = {0};
    double *lo = NULL, *hi = NULL;
    x.start = ctx_calloc(ctx, n + 1, sizeof *x.start);
    x.child = ctx_mallocarray(ctx, n, sizeof *x.child);
    lo = ctx_mallocarray(ctx, n, sizeof *lo);
    hi = ctx_mallocarray(ctx, n, sizeof *hi);
    if (!x.start || !x.child || !lo || !hi) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    if ((s = work_alloc(ctx, &w, n)))
        goto fail;
    for (size_t k = 0; k + 1 < n; k++)
        x.start[t->parent[k] + 1]++;
    for (size_t k = 0; k < n; k++)
        x.start[k + 1] += x.start[k];
    {
        size_t *fill = (size_t *)w.dlo; /* scratch: n doubles hold n size_t */
        memcpy(fill, x.start, n * sizeof *fill);
        for (size_t k = 0; k + 1 < n; k++)
            x.child[fill[t->parent[k]]++] = (int32_t)k;
    }
    for (size_t k = t->n_leaves; k < n; k++)
        if (x.start[k] == x.start[k + 1]) {
            s = ctx_error(ctx, TW_E_ARG, "total %zu has no children", k);
            goto fail;
        }

    /* 1. values: counts (noisy), totals as sums */
    for (size_t k = 0; k < n; k++)
        value[k] = 0;
    for (size_t k = 0; k < n; k++) {
        if (k < t->n_leaves) {
            double c = leaf_count[k];
            if (eps > 0) {
                uint64_t st = t->stream ? t->stream[k] : (uint64_t)k;
                c += (double)pub_geometric_noise(opts->noise_seed, st, eps);
                if (c < 0)
                    c = 0;
            }
            value[k] = c;
        }
        if (t->parent[k] >= 0)
            value[t->parent[k]] += value[k];
    }
    /* 2. primary */
    for (size_t k = 0; k < n; k++)
        supp[k] = value[k] > 0 && value[k] < thr ? PUB_PRIMARY : PUB_SHOWN;
    for (size_t k = 0; k < t->n_zero && k < t->n_leaves; k++) /* cells: zeros too */
        if (value[k] == 0 && thr > 1 && value[t->parent[k]] > 0)
            supp[k] = PUB_PRIMARY;
    /* 3-4. complements until the audit passes */
    for (;;) {
        family_rules(t, &x, value, supp);
        size_t exposed;
        if ((s = audit_core(ctx, &w, n, t->parent, value, supp, thr, t->n_zero, lo, hi, &exposed)))
            goto fail;
        if (exposed == 0)
            break;
        /*
         * One complement per family and round: the exposed cells of a
         * family are usually all freed by the same one, and adding one
         * for each would empty the family and climb to the national total.
         */
        size_t added = 0;
        int *snapshot = (int *)w.ulo; /* decide from this round's pattern only */
        int *touched = (int *)w.uhi;
        for (size_t k = 0; k < n; k++) {
            snapshot[k] = supp[k];
            touched[k] = 0;
        }
        for (size_t k = 0; k < n; k++) {
            if (!snapshot[k] || !exposed_range(lo[k], hi[k], thr))
                continue;
            /* a complement already added on k's way up may free it */
            int skip = 0;
            for (int32_t v = (int32_t)k; v >= 0 && !skip; v = t->parent[v])
                skip = touched[v];
            if (skip)
                continue;
            int32_t c = widen(t, &x, &w, value, supp, k, thr);
            if (c >= 0) {
                added++;
                touched[c] = 1;
                int32_t top = t->parent[c] >= 0 ? t->parent[c] : c;
                for (int32_t v = (int32_t)k; v >= 0; v = t->parent[v]) {
                    touched[v] = 1;
                    if (v == top)
                        break;
                }
                touched[top] = 1;
            }
        }
        if (TW_NEVER(added == 0)) {
            s = ctx_error(ctx, TW_E_INTERNAL, "suppression: %zu withheld counts stay exposed",
                          exposed);
            goto fail;
        }
    }
    /* 5. public view: only published numbers and the audit ranges (themselves from published numbers) */
    for (size_t k = 0; k < n; k++)
        view[k] = supp[k] ? NAN : value[k];
    if (supp[n - 1])
        view[n - 1] = isinf(hi[n - 1]) ? lo[n - 1] : (lo[n - 1] + hi[n - 1]) / 2;
    for (size_t p = n; p-- > t->n_leaves;) {
        double rest = view[p], popw = 0;
        size_t m = 0;
        for (size_t j = x.start[p]; j < x.start[p + 1]; j++) {
            int32_t c = x.child[j];
            if (supp[c]) {
                popw += node_pop(t, (size_t)c);
                m++;
            } else {
                rest -= value[c];
            }
        }
        if (m == 0)
            continue;
        if (rest < 0)
            rest = 0;
        for (size_t j = x.start[p]; j < x.start[p + 1]; j++) {
            int32_t c = x.child[j];
            if (supp[c])
                view[c] = popw > 0 ? rest * node_pop(t, (size_t)c) / popw : rest / (double)m;
        }
    }

fail:
    work_free(ctx, &w);
    ctx_free(ctx, x.start);
    ctx_free(ctx, x.child);
    ctx_free(ctx, lo);
    ctx_free(ctx, hi);
    return s;
}

/* ---- areas to tree -------------------------------------------------- */

typedef struct total_key {
    int level;
    char code[TW_PSGC_LEN + 1];
} total_key;

static int cmp_key(const void *a, const void *b)
{
    const total_key *x = a, *y = b;
    if (x->level != y->level)
        return x->level > y->level ? -1 : 1; /* finest first */
    return strcmp(x->code, y->code);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

#define MAX_CHAIN 4

/* Ancestors of area i, finest first, without repeats or the area itself. */
static size_t chain_of(const tw_areas *a, size_t i, total_key out[MAX_CHAIN])
{
    size_t m = 0;
    const char *own = tw_areas_id(a, i);
    for (int l = TW_LEVEL_SUBMUNICIPALITY; l >= TW_LEVEL_REGION; l--) {
        char code[TW_PSGC_LEN + 1];
        if (!tw_areas_ancestor(a, i, (tw_level)l, code) || !code[0] || strcmp(code, own) == 0)
            continue;
        if (m && strcmp(out[m - 1].code, code) == 0)
            continue;
        out[m].level = l;
        memcpy(out[m].code, code, sizeof code);
        m++;
    }
    return m;
}

void tw_publication_free(tw_ctx *ctx, tw_publication *p)
{
    if (!p)
        return;
    ctx_free(ctx, p->count);
    ctx_free(ctx, p->view);
    ctx_free(ctx, p->suppressed);
    ctx_free(ctx, p->parent);
    ctx_free(ctx, p->total_id);
    ctx_free(ctx, p->total_level);
    ctx_free(ctx, p->cell_count);
    ctx_free(ctx, p->cell_view);
    ctx_free(ctx, p->cell_suppressed);
    ctx_free(ctx, p);
}

static long find_total(const total_key *keys, size_t nk, int level, const char *code)
{
    total_key k;
    k.level = level;
    memcpy(k.code, code, sizeof k.code);
    const total_key *f = bsearch(&k, keys, nk, sizeof *keys, cmp_key);
    return f ? (long)(f - keys) : -1;
}

/*
 * The tree of a publication: with steps == 0 the leaves are the n areas;
 * with steps > 0 they are the n * steps cells of a space-time cube
 * (step-major: cell t * n + i), each under its area, so that the areas,
 * their ancestors and the cells form one tree and one suppression pattern
 * (the cube's rows sum to the area counts of the same run). L = n * steps
 * is the index of area 0 in the full tree (0 without a cube); nodes L ..
 * L + nn - 1 are the publication's areas and totals.
 */
static tw_status publish_build(tw_ctx *ctx, const tw_areas *a, const double *leaf, size_t steps,
                               const tw_publish_opts *opts, tw_publication **out)
{
    if (!a || !leaf || !out)
        return ctx_error(ctx, TW_E_ARG, "areas, counts and out are required");
    *out = NULL;
    double thr, eps;
    tw_status s = check_opts(ctx, opts, &thr, &eps);
    if (s)
        return s;
    size_t n = tw_areas_count(a);
    if (n == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no areas to publish");
    if (n > (size_t)INT32_MAX / 8 || (steps && n * steps > (size_t)INT32_MAX / 8))
        return ctx_error(ctx, TW_E_UNSUPPORTED, "too many areas or cells to publish (%zu)", n);
    size_t L = n * steps, nleaf = steps ? L : n;
    for (size_t i = 0; i < nleaf; i++)
        if (!(leaf[i] >= 0 && leaf[i] <= WHOLE_MAX) || leaf[i] != floor(leaf[i]))
            return ctx_error_at(ctx, TW_E_DOMAIN, NULL, 0, 0, "count",
                                "area %s%s: count %g is not a whole number >= 0; public output "
                                "needs whole counts", tw_areas_id(a, steps ? i % n : i),
                                steps ? " (a step of the cube)" : "", leaf[i]);
    tw_publication *p = NULL;
    total_key *keys = NULL;
    int32_t *par = NULL;
    double *pop = NULL, *value = NULL, *view = NULL;
    uint64_t *stream = NULL;
    int *supp = NULL;
    size_t nk = 0;
    keys = ctx_mallocarray(ctx, n * MAX_CHAIN + 1, sizeof *keys);
    if (!keys) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        nk += chain_of(a, i, keys + nk);
    if (nk)
        qsort(keys, nk, sizeof *keys, cmp_key);
    size_t u = 0;
    for (size_t k = 0; k < nk; k++)
        if (u == 0 || cmp_key(&keys[u - 1], &keys[k]) != 0)
            keys[u++] = keys[k];
    nk = u;
    size_t nn = n + nk + 1, nall = L + nn;
    p = ctx_calloc(ctx, 1, sizeof *p);
    par = ctx_mallocarray(ctx, nall, sizeof *par);
    pop = ctx_calloc(ctx, nall, sizeof *pop);
    value = ctx_mallocarray(ctx, nall, sizeof *value);
    view = ctx_mallocarray(ctx, nall, sizeof *view);
    stream = ctx_mallocarray(ctx, nleaf, sizeof *stream);
    supp = ctx_mallocarray(ctx, nall, sizeof *supp);
    if (!p || !par || !pop || !value || !view || !stream || !supp) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    p->n = n;
    p->n_totals = nk + 1;
    p->n_steps = steps;
    p->count = ctx_mallocarray(ctx, nn, sizeof *p->count);
    p->view = ctx_mallocarray(ctx, nn, sizeof *p->view);
    p->suppressed = ctx_mallocarray(ctx, nn, sizeof *p->suppressed);
    p->parent = ctx_mallocarray(ctx, nn, sizeof *p->parent);
    p->total_id = ctx_mallocarray(ctx, nk + 1, sizeof *p->total_id);
    p->total_level = ctx_mallocarray(ctx, nk + 1, sizeof *p->total_level);
    if (!p->count || !p->view || !p->suppressed || !p->parent || !p->total_id || !p->total_level) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    if (steps) {
        p->cell_count = ctx_mallocarray(ctx, L, sizeof *p->cell_count);
        p->cell_view = ctx_mallocarray(ctx, L, sizeof *p->cell_view);
        p->cell_suppressed = ctx_mallocarray(ctx, L, sizeof *p->cell_suppressed);
        if (!p->cell_count || !p->cell_view || !p->cell_suppressed) {
            s = ctx_nomem(ctx);
            goto fail;
        }
    }
    int32_t *pp = par + L; /* the publication's nodes, numbered from 0 */
    for (size_t k = 0; k < nn; k++)
        pp[k] = k + 1 < nn ? -2 : -1; /* -2: not seen yet */
    for (size_t k = 0; k < nk; k++) {
        memcpy(p->total_id[k], keys[k].code, sizeof keys[k].code);
        p->total_level[k] = (tw_level)keys[k].level;
    }
    snprintf(p->total_id[nk], sizeof p->total_id[nk], "PH");
    p->total_level[nk] = TW_LEVEL_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        total_key ch[MAX_CHAIN];
        size_t m = chain_of(a, i, ch);
        size_t node = i;
        for (size_t j = 0; j <= m; j++) {
            int32_t up = j < m ? (int32_t)(n + (size_t)find_total(keys, nk, ch[j].level, ch[j].code))
                               : (int32_t)(nn - 1);
            if (pp[node] != -2 && pp[node] != up) {
                const char *other = pp[node] == (int32_t)(nn - 1) ? "the country" :
                                    p->total_id[pp[node] - (int32_t)n];
                s = ctx_error(ctx, TW_E_ARG,
                              "inconsistent hierarchy: %s %s lies in %s and in %s (area %s)",
                              tw_level_name(p->total_level[node - n]), p->total_id[node - n],
                              other, j < m ? ch[j].code : "the country", tw_areas_id(a, i));
                goto fail;
            }
            pp[node] = up;
            if (j < m)
                node = (size_t)up;
            else
                break;
        }
        double ap = tw_areas_population(a, i);
        pop[L + i] = isfinite(ap) && ap > 0 ? ap : 0;
        uint64_t h = fnv1a(tw_areas_id(a, i));
        if (!steps)
            stream[i] = h;
        for (size_t t = 0; t < steps; t++) { /* cells: a share of the area's population */
            size_t c = t * n + i;
            par[c] = (int32_t)i;
            pop[c] = pop[L + i] / (double)steps;
            stream[c] = h + UINT64_C(0x9e3779b97f4a7c15) * (t + 1);
        }
    }
    for (size_t k = 0; k < nall; k++) /* parents as full-tree indices */
        if (par[k] >= 0)
            par[k] += (int32_t)L;
    for (size_t k = L; k + 1 < nall; k++)
        pop[par[k]] += pop[k];
    pub_tree t = {nleaf, nall, par, pop, stream, L};
    tw_publish_opts o = {thr, eps, opts ? opts->noise_seed : 0};
    if ((s = pub_run(ctx, &t, leaf, &o, value, supp, view)))
        goto fail;
    p->min_count = thr;
    p->epsilon = eps;
    for (size_t k = 0; k < nall; k++)
        p->n_suppressed += supp[k] != PUB_SHOWN;
    for (size_t k = 0; k < nn; k++) {
        p->suppressed[k] = supp[L + k] != PUB_SHOWN;
        p->count[k] = supp[L + k] ? NAN : value[L + k];
        p->view[k] = view[L + k];
        p->parent[k] = par[L + k] < 0 ? -1 : par[L + k] - (int32_t)L;
    }
    for (size_t c = 0; c < L; c++) {
        p->cell_suppressed[c] = supp[c] != PUB_SHOWN;
        p->cell_count[c] = supp[c] ? NAN : value[c];
        p->cell_view[c] = view[c];
    }
    /* narrowest range, from the published numbers as an attacker sees them */
    {
        double *lo = pop, *hi = value; /* reuse: no longer needed */
        size_t exposed;
        for (size_t k = 0; k < nall; k++)
            value[k] = supp[k] ? NAN : value[k];
        for (size_t k = 0; k < nall; k++)
            supp[k] = supp[k] != PUB_SHOWN;
        if ((s = pub_audit_zero(ctx, nall, par, value, supp, thr, L, lo, hi, &exposed)))
            goto fail;
        if (TW_NEVER(exposed)) {
            s = ctx_error(ctx, TW_E_INTERNAL, "suppression left %zu counts exposed", exposed);
            goto fail;
        }
        p->narrowest = INFINITY;
        for (size_t k = 0; k < nall; k++)
            if (supp[k] && hi[k] - lo[k] < p->narrowest)
                p->narrowest = hi[k] - lo[k];
    }
    *out = p;
    p = NULL;

fail:
    tw_publication_free(ctx, p);
    ctx_free(ctx, keys);
    ctx_free(ctx, par);
    ctx_free(ctx, pop);
    ctx_free(ctx, value);
    ctx_free(ctx, view);
    ctx_free(ctx, stream);
    ctx_free(ctx, supp);
    return s;
}

tw_status tw_publish_compute(tw_ctx *ctx, const tw_areas *a, const double *counts,
                             const tw_publish_opts *opts, tw_publication **out)
{
    return publish_build(ctx, a, counts, 0, opts, out);
}

tw_status tw_publish_cube(tw_ctx *ctx, const tw_areas *a, const double *cube, size_t steps,
                          const tw_publish_opts *opts, tw_publication **out)
{
    if (steps == 0)
        return ctx_error(ctx, TW_E_ARG, "a cube needs at least one step");
    return publish_build(ctx, a, cube, steps, opts, out);
}

/*
 * The full tree of p as an attacker sees it: parents (cells first when p
 * is a cube, then areas and totals), the published counts (NaN withheld)
 * and the withheld flags. The caller frees the three arrays.
 */
static tw_status full_tree(tw_ctx *ctx, const tw_publication *p, int32_t **par, double **val,
                           int **sup)
{
    size_t nn = p->n + p->n_totals, L = p->n * p->n_steps, nall = L + nn;
    *par = ctx_mallocarray(ctx, nall, sizeof **par);
    *val = ctx_mallocarray(ctx, nall, sizeof **val);
    *sup = ctx_mallocarray(ctx, nall, sizeof **sup);
    if (!*par || !*val || !*sup) {
        ctx_free(ctx, *par);
        ctx_free(ctx, *val);
        ctx_free(ctx, *sup);
        *par = NULL;
        *val = NULL;
        *sup = NULL;
        return ctx_nomem(ctx);
    }
    for (size_t c = 0; c < L; c++) {
        (*par)[c] = (int32_t)(L + c % p->n);
        (*val)[c] = p->cell_count[c];
        (*sup)[c] = p->cell_suppressed[c];
    }
    for (size_t k = 0; k < nn; k++) {
        (*par)[L + k] = p->parent[k] < 0 ? -1 : p->parent[k] + (int32_t)L;
        (*val)[L + k] = p->count[k];
        (*sup)[L + k] = p->suppressed[k];
    }
    return TW_OK;
}

tw_status tw_publish_audit(tw_ctx *ctx, const tw_publication *p, double *lo, double *hi,
                           size_t *exposed)
{
    if (!p || !lo || !hi || !exposed)
        return ctx_error(ctx, TW_E_ARG, "publication, lo, hi and exposed are required");
    size_t nn = p->n + p->n_totals;
    /* only what is published: the counts shown and which are withheld */
    if (!p->n_steps)
        return pub_audit(ctx, nn, p->parent, p->count, p->suppressed, p->min_count, lo, hi,
                         exposed);
    /* a cube: the cells are published too, and constrain the areas */
    size_t L = p->n * p->n_steps;
    int32_t *par;
    double *val, *flo = NULL, *fhi = NULL;
    int *sup;
    tw_status s = full_tree(ctx, p, &par, &val, &sup);
    if (s)
        return s;
    flo = ctx_mallocarray(ctx, L + nn, sizeof *flo);
    fhi = ctx_mallocarray(ctx, L + nn, sizeof *fhi);
    if (!flo || !fhi)
        s = ctx_nomem(ctx);
    else
        s = pub_audit_zero(ctx, L + nn, par, val, sup, p->min_count, L, flo, fhi, exposed);
    if (!s) {
        memcpy(lo, flo + L, nn * sizeof *lo);
        memcpy(hi, fhi + L, nn * sizeof *hi);
    }
    ctx_free(ctx, flo);
    ctx_free(ctx, fhi);
    ctx_free(ctx, par);
    ctx_free(ctx, val);
    ctx_free(ctx, sup);
    return s;
}

typedef struct share_item {
    double frac;
    uint64_t tie; /* a public hash of the node: equal shares are broken without order */
    size_t node;
} share_item;

static int cmp_share(const void *x, const void *y)
{
    const share_item *a = x, *b = y;
    if (a->frac != b->frac)
        return a->frac < b->frac ? 1 : -1;
    if (a->tie != b->tie)
        return a->tie < b->tie ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

/* splitmix64's finaliser: a fixed, public scramble of a node index */
static uint64_t scramble(uint64_t z)
{
    z += UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/*
 * Whole-number view, top-down from published numbers only: a withheld
 * national total takes the (rounded) middle of its audited range; in
 * every family, what the parent's view leaves after the published
 * children goes to the withheld ones, one each first when it suffices
 * (a withheld count is at least 1), the rest by population with largest
 * remainders (ties by a fixed scramble of the node index, not by order:
 * a cube's cells of one area have equal shares, and ties given to the
 * earlier steps would make a trend of their own). Sums are kept in every
 * family.
 */
static tw_status whole_view(tw_ctx *ctx, size_t nall, const int32_t *par, const double *pop,
                            const double *val, const int *sup, double root, double *out)
{
    size_t *start = ctx_calloc(ctx, nall + 1, sizeof *start);
    size_t *child = ctx_mallocarray(ctx, nall, sizeof *child);
    share_item *it = ctx_mallocarray(ctx, nall, sizeof *it);
    if (!start || !child || !it) {
        ctx_free(ctx, start);
        ctx_free(ctx, child);
        ctx_free(ctx, it);
        return ctx_nomem(ctx);
    }
    for (size_t k = 0; k + 1 < nall; k++)
        start[par[k] + 1]++;
    for (size_t k = 0; k < nall; k++)
        start[k + 1] += start[k];
    for (size_t k = 0, *fill = (size_t *)it; k < nall; k++)
        fill[k] = start[k]; /* scratch: it holds at least nall size_t */
    for (size_t k = 0, *fill = (size_t *)it; k + 1 < nall; k++)
        child[fill[par[k]]++] = k;
    out[nall - 1] = sup[nall - 1] ? floor(root + 0.5) : val[nall - 1];
    for (size_t q = nall; q-- > 0;) {
        double rest = out[q], popw = 0;
        size_t m = 0;
        for (size_t j = start[q]; j < start[q + 1]; j++) {
            size_t c = child[j];
            if (sup[c]) {
                it[m++] = (share_item){0, scramble(c), c};
                popw += pop[c] > 0 ? pop[c] : 0;
            } else {
                rest -= val[c];
                out[c] = val[c];
            }
        }
        if (m == 0)
            continue;
        if (rest < 0)
            rest = 0;
        double base = rest >= (double)m ? 1 : 0;
        rest -= base * (double)m;
        double left = rest;
        for (size_t j = 0; j < m; j++) {
            size_t c = it[j].node;
            double sh = popw > 0 ? rest * (pop[c] > 0 ? pop[c] : 0) / popw : rest / (double)m;
            out[c] = base + floor(sh);
            it[j].frac = sh - floor(sh);
            left -= floor(sh);
        }
        qsort(it, m, sizeof *it, cmp_share);
        for (size_t j = 0; j < m && left > 0.5; j++, left -= 1)
            out[it[j].node] += 1;
    }
    ctx_free(ctx, start);
    ctx_free(ctx, child);
    ctx_free(ctx, it);
    return TW_OK;
}

tw_status tw_publish_view_whole(tw_ctx *ctx, const tw_publication *p, const tw_areas *a,
                                double *area_view, double *cell_view)
{
    if (!p || !a || !area_view || tw_areas_count(a) != p->n || (p->n_steps && !cell_view))
        return ctx_error(ctx, TW_E_ARG, "publication, its areas and the outputs are required");
    size_t nn = p->n + p->n_totals, L = p->n * p->n_steps, nall = L + nn;
    int32_t *par;
    double *val, *pop = NULL, *out = NULL;
    int *sup;
    tw_status s = full_tree(ctx, p, &par, &val, &sup);
    if (s)
        return s;
    pop = ctx_calloc(ctx, nall, sizeof *pop);
    out = ctx_mallocarray(ctx, nall, sizeof *out);
    if (!pop || !out) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t i = 0; i < p->n; i++) { /* the same public weights as the view */
        double ap = tw_areas_population(a, i);
        pop[L + i] = isfinite(ap) && ap > 0 ? ap : 0;
        for (size_t t = 0; t < p->n_steps; t++)
            pop[t * p->n + i] = pop[L + i] / (double)p->n_steps;
    }
    for (size_t k = L; k + 1 < nall; k++)
        pop[par[k]] += pop[k];
    if ((s = whole_view(ctx, nall, par, pop, val, sup, p->view[nn - 1], out)))
        goto fail;
    memcpy(area_view, out + L, p->n * sizeof *area_view);
    if (L)
        memcpy(cell_view, out, L * sizeof *cell_view);
fail:
    ctx_free(ctx, par);
    ctx_free(ctx, val);
    ctx_free(ctx, sup);
    ctx_free(ctx, pop);
    ctx_free(ctx, out);
    return s;
}

void tw_publish_withhold(const tw_publication *p, double *values)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->suppressed[i])
            values[i] = NAN;
}

static const char *node_level(const tw_publication *p, const tw_areas *a, size_t k)
{
    if (k < p->n) {
        tw_level l = tw_areas_level(a);
        return l == TW_LEVEL_UNKNOWN ? "area" : tw_level_name(l);
    }
    tw_level l = p->total_level[k - p->n];
    return l == TW_LEVEL_UNKNOWN ? "national" : tw_level_name(l);
}

static const char *node_id(const tw_publication *p, const tw_areas *a, size_t k)
{
    return k < p->n ? tw_areas_id(a, k) : p->total_id[k - p->n];
}

tw_status tw_publish_write_totals_csv(tw_ctx *ctx, const tw_publication *p,
                                      const tw_areas *a, const char *path)
{
    if (!p || !a || !path || tw_areas_count(a) != p->n)
        return ctx_error(ctx, TW_E_ARG, "publication, its areas and a path are required");
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open for writing");
    fputs("id,level,parent,count,suppressed\n", f);
    size_t nn = p->n + p->n_totals;
    for (size_t k = 0; k < nn; k++) {
        /* ids are PSGC codes or area ids; quote the rare one that needs it */
        const char *id = node_id(p, a, k);
        csv_write_field(f, id);
        fprintf(f, ",%s,", node_level(p, a, k));
        if (p->parent[k] >= 0)
            fputs(node_id(p, a, (size_t)p->parent[k]), f);
        if (p->suppressed[k])
            fputs(",,1\n", f);
        else
            fprintf(f, ",%.0f,0\n", p->count[k]);
    }
    int bad = ferror(f);
    if (f != stdout)
        bad |= fclose(f) != 0;
    else
        bad |= fflush(f) != 0;
    if (bad)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "write failed");
    return TW_OK;
}
