/*
 * dedup.c: which records are referrals of one incident (docs/dedup.md).
 *
 * Method: deterministic record linkage with blocking on shared identifier
 * hashes (Christen 2012, "Data Matching", ch. 4: blocking; the rules are
 * Fellegi-Sunter-like agreement/disagreement patterns with fixed
 * thresholds instead of estimated weights). Candidate pairs are only pairs
 * of records that share at least one identifier hash and whose days are
 * within the window: each hash's records are sorted by day and a sliding
 * window walks them (the reference window for case references), so no
 * pair of records without a shared identifier is ever looked at. A pair is
 * judged once, from the smallest hash id it shares whose window covers the
 * pair's gap. It links when
 *   a case reference is shared (one record names the other's case as the
 *   one it was referred from, or both name one case), gap <= reference
 *   window and place not FAR                                       "reference"
 * or
 *   gap <= window, place not FAR, accounts do not disagree, and
 *   (a shared identifier is rare: on at most max_shared records   "strong"
 *    or two kinds of identifier are shared                         "two-kinds"
 *    or the place is the same area)                                "same-area"
 * Accepted links are merged with union-find (path halving, union by rank);
 * an incident's id is the smallest record id of its group, so the result
 * does not depend on the order of the input.
 *
 * Data: identifiers as (hash id, record, kinds) sorted twice (by hash for
 * the blocks, by record for the pair's shared set). Memory O(n + ids +
 * links). Time O(ids log ids + sum over hashes of pairs within the window x
 * identifiers per record); a hash shared by m records inside one window
 * costs m^2 / 2 pair checks (carrier-grade NAT addresses over a short
 * window stay small; docs/dedup.md gives measured times).
 *
 * Limits: n < 2^32 records; at most 8 kinds.
 */
#include "dedup/dedup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const dd_kind_names[DD_NKINDS] = {"account", "payment", "device", "ip",
                                              "phone",   "email",   "handle", "reference"};
const char *const dd_place_names[5] = {"same", "neighbour", "near", "unknown", "far"};
const char *const dd_rule_names[DD_NRULES] = {"", "strong", "two-kinds", "same-area",
                                              "reference"};

void dd_opts_default(dd_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window_days = 90;
    o->ref_window_days = 365;
    o->max_shared = 10;
    o->slack_km = 5;
}

/* ---- union-find ---- */

tw_status dd_uf_init(tw_ctx *ctx, dd_uf *u, size_t n)
{
    u->n = n;
    u->parent = ctx_mallocarray(ctx, n ? n : 1, sizeof *u->parent);
    u->rank = ctx_calloc(ctx, n ? n : 1, 1);
    if (!u->parent || !u->rank) {
        dd_uf_free(ctx, u);
        return ctx_nomem(ctx);
    }
    for (size_t i = 0; i < n; i++)
        u->parent[i] = (uint32_t)i;
    return TW_OK;
}

uint32_t dd_uf_find(dd_uf *u, uint32_t x)
{
    while (u->parent[x] != x) { /* path halving */
        u->parent[x] = u->parent[u->parent[x]];
        x = u->parent[x];
    }
    return x;
}

int dd_uf_union(dd_uf *u, uint32_t x, uint32_t y)
{
    x = dd_uf_find(u, x);
    y = dd_uf_find(u, y);
    if (x == y)
        return 0;
    if (u->rank[x] < u->rank[y]) {
        uint32_t t = x;
        x = y;
        y = t;
    }
    u->parent[y] = x;
    if (u->rank[x] == u->rank[y])
        u->rank[x]++;
    return 1;
}

void dd_uf_free(tw_ctx *ctx, dd_uf *u)
{
    ctx_free(ctx, u->parent);
    ctx_free(ctx, u->rank);
    u->parent = NULL;
    u->rank = NULL;
}

/* ---- place ---- */

static int adjacent(const tw_weights *w, int32_t i, int32_t j)
{
    for (int pass = 0; pass < 2; pass++) {
        const int32_t *nbr;
        const double *wt;
        size_t k = tw_weights_row(w, (size_t)(pass ? j : i), &nbr, &wt);
        int32_t want = pass ? i : j;
        size_t lo = 0, hi = k; /* rows are ascending */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (nbr[mid] < want)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < k && nbr[lo] == want)
            return 1;
    }
    return 0;
}

/* The code's unit at level l (the code itself at its own level). */
static int unit_at(const char *code, tw_level l, char out[TW_PSGC_LEN + 1])
{
    if (tw_psgc_level(code) == l) {
        memcpy(out, code, TW_PSGC_LEN + 1);
        return 1;
    }
    return tw_psgc_ancestor(code, l, out) == TW_OK;
}

dd_place dd_place_of(const dd_rec *a, const dd_rec *b, const dd_opts *o)
{
    if (o->adj && a->area >= 0 && b->area >= 0)
        return a->area == b->area ? DD_SAME : adjacent(o->adj, a->area, b->area) ? DD_NEIGHBOUR
                                                                               : DD_FAR;
    if (a->code[0] && b->code[0]) {
        tw_level la = tw_psgc_level(a->code), lb = tw_psgc_level(b->code);
        tw_level l = la < lb ? la : lb;
        char ua[TW_PSGC_LEN + 1], ub[TW_PSGC_LEN + 1];
        if (l >= TW_LEVEL_REGION && unit_at(a->code, l, ua) && unit_at(b->code, l, ub)) {
            if (strcmp(ua, ub) == 0)
                return DD_SAME;
            if (!o->adj) { /* PSGC hierarchy: same parent one level up */
                tw_level p = l == TW_LEVEL_BARANGAY ? TW_LEVEL_MUNICIPALITY
                                                    : (tw_level)(l - 1);
                if (p >= TW_LEVEL_REGION && unit_at(a->code, p, ua) && unit_at(b->code, p, ub) &&
                    strcmp(ua, ub) == 0)
                    return DD_NEIGHBOUR;
                return DD_FAR;
            }
        }
    }
    if (isfinite(a->lon) && isfinite(b->lon)) {
        double d = tw_distance_km(TW_DIST_HAVERSINE, a->lon, a->lat, b->lon, b->lat);
        return d <= a->radius_km + b->radius_km + o->slack_km ? DD_NEAR : DD_FAR;
    }
    return DD_UNKNOWN;
}

/* ---- linking ---- */

typedef struct ent {
    uint32_t hash, rec;
    uint8_t kinds;
} ent;

static int ent_by_hash(const void *pa, const void *pb)
{
    const ent *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return a->rec < b->rec ? -1 : a->rec > b->rec;
}

static int ent_by_rec(const void *pa, const void *pb)
{
    const ent *a = pa, *b = pb;
    if (a->rec != b->rec)
        return a->rec < b->rec ? -1 : 1;
    return a->hash < b->hash ? -1 : a->hash > b->hash;
}

typedef struct linker {
    const dd_rec *rec;
    const dd_opts *o;
    const ent *byrec;         /* sorted by (rec, hash) */
    const size_t *rstart;     /* record r's entries: byrec[rstart[r] .. rstart[r+1]) */
    const uint32_t *count;    /* records per hash id */
    const uint8_t *carries;   /* kinds each record carries */
    dd_link *links;
    size_t n_links, cap;
} linker;

static int popcount8(unsigned v)
{
    int c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

#define REF_BIT (1u << DD_REFERENCE)

/* The window of a hash block: case references have their own. */
static int32_t block_window(const dd_opts *o, unsigned kinds)
{
    return (kinds & REF_BIT) && o->ref_window_days > o->window_days ? o->ref_window_days
                                                                     : o->window_days;
}

/* Judge pair (i, j) reached through hash h; 1 and *out when it links, 0
   when not, -1 when h is not the smallest shared hash whose block window
   covers the gap (the pair is judged from that block). */
static int judge(const linker *L, uint32_t i, uint32_t j, uint32_t h, dd_link *out)
{
    const ent *a = L->byrec + L->rstart[i], *ae = L->byrec + L->rstart[i + 1];
    const ent *b = L->byrec + L->rstart[j], *be = L->byrec + L->rstart[j + 1];
    const dd_rec *ri = &L->rec[i], *rj = &L->rec[j];
    int32_t gap = ri->day > rj->day ? ri->day - rj->day : rj->day - ri->day;
    unsigned kinds = 0, strong = 0;
    int first = 1;
    while (a < ae && b < be) {
        if (a->hash < b->hash)
            a++;
        else if (b->hash < a->hash)
            b++;
        else {
            unsigned k = (unsigned)(a->kinds | b->kinds);
            if (first && gap <= block_window(L->o, k)) {
                if (a->hash != h)
                    return -1;
                first = 0;
            }
            kinds |= k;
            if (L->count[a->hash] <= L->o->max_shared)
                strong |= k;
            a++;
            b++;
        }
    }
    dd_rule rule = DD_RULE_NONE;
    dd_place p;
    if (kinds & REF_BIT) {
        /* an agency's own statement that the two are one case: no
           account veto, no commonness; the place must still fit (a
           mistyped reference names an unrelated case elsewhere) */
        if (gap > block_window(L->o, REF_BIT) || (p = dd_place_of(ri, rj, L->o)) == DD_FAR)
            return 0;
        rule = DD_RULE_REFERENCE;
    } else {
        unsigned acct = 1u << DD_ACCOUNT;
        int conflict = (L->carries[i] & L->carries[j] & acct) && !(kinds & acct);
        if (gap > L->o->window_days || conflict)
            return 0;
        p = dd_place_of(ri, rj, L->o);
        if (p == DD_FAR)
            return 0;
        rule = strong ? DD_RULE_STRONG
               : popcount8(kinds) >= 2 ? DD_RULE_TWO_KINDS
               : p == DD_SAME          ? DD_RULE_SAME_AREA
                                       : DD_RULE_NONE;
    }
    if (rule == DD_RULE_NONE)
        return 0;
    out->a = i < j ? i : j;
    out->b = i < j ? j : i;
    out->kinds = (uint8_t)kinds;
    out->common = (uint8_t)(kinds & ~strong);
    out->place = (uint8_t)p;
    out->rule = (uint8_t)rule;
    out->gap_days = gap;
    return 1;
}

static int link_cmp(const void *pa, const void *pb)
{
    const dd_link *a = pa, *b = pb;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* Records of one hash block sorted by day (then index). */
typedef struct dayidx {
    int32_t day;
    uint32_t rec;
} dayidx;

static int dayidx_cmp(const void *pa, const void *pb)
{
    const dayidx *a = pa, *b = pb;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return a->rec < b->rec ? -1 : a->rec > b->rec;
}

void dd_result_free(tw_ctx *ctx, dd_result *r)
{
    if (!r)
        return;
    ctx_free(ctx, r->incident);
    ctx_free(ctx, r->links);
    memset(r, 0, sizeof *r);
}

tw_status dd_link_records(tw_ctx *ctx, const dd_rec *rec, size_t n, const uint32_t *id_rec,
                          const uint32_t *id_hash, const uint8_t *id_kind, size_t n_ids,
                          const dd_opts *opts, dd_result *out)
{
    memset(out, 0, sizeof *out);
    if (n >= UINT32_MAX)
        return ctx_error(ctx, TW_E_ARG, "too many records to link (%zu)", n);
    dd_opts o = *opts;
    if (o.window_days < 0 || o.ref_window_days < 0)
        return ctx_error(ctx, TW_E_ARG, "the windows must be >= 0 days");
    tw_status s = TW_OK;
    ent *byhash = NULL, *byrec = NULL;
    size_t *rstart = NULL;
    uint32_t *count = NULL;
    uint8_t *carries = NULL;
    dayidx *blk = NULL;
    dd_uf uf = {0};
    linker L;
    memset(&L, 0, sizeof L);
    uint32_t max_hash = 0;
    for (size_t k = 0; k < n_ids; k++) {
        if (id_rec[k] >= n || id_kind[k] >= DD_NKINDS)
            return ctx_error(ctx, TW_E_ARG, "identifier %zu: record or kind out of range", k);
        if (id_hash[k] > max_hash)
            max_hash = id_hash[k];
    }
    byhash = ctx_mallocarray(ctx, n_ids ? n_ids : 1, sizeof *byhash);
    byrec = ctx_mallocarray(ctx, n_ids ? n_ids : 1, sizeof *byrec);
    rstart = ctx_calloc(ctx, n + 1, sizeof *rstart);
    count = ctx_calloc(ctx, (size_t)max_hash + 1, sizeof *count);
    carries = ctx_calloc(ctx, n ? n : 1, 1);
    out->incident = ctx_mallocarray(ctx, n ? n : 1, sizeof *out->incident);
    if (!byhash || !byrec || !rstart || !count || !carries || !out->incident) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    /* (hash, rec) entries with the union of their kinds */
    for (size_t k = 0; k < n_ids; k++) {
        byhash[k].hash = id_hash[k];
        byhash[k].rec = id_rec[k];
        byhash[k].kinds = (uint8_t)(1u << id_kind[k]);
    }
    if (n_ids)
        qsort(byhash, n_ids, sizeof *byhash, ent_by_hash);
    size_t m = 0;
    for (size_t k = 0; k < n_ids; k++) {
        if (m && byhash[m - 1].hash == byhash[k].hash && byhash[m - 1].rec == byhash[k].rec)
            byhash[m - 1].kinds |= byhash[k].kinds;
        else
            byhash[m++] = byhash[k];
    }
    for (size_t k = 0; k < m; k++) {
        count[byhash[k].hash]++;
        carries[byhash[k].rec] |= byhash[k].kinds;
        rstart[byhash[k].rec + 1]++;
    }
    for (size_t r = 0; r < n; r++)
        rstart[r + 1] += rstart[r];
    memcpy(byrec, byhash, m * sizeof *byrec);
    if (m)
        qsort(byrec, m, sizeof *byrec, ent_by_rec);
    L.rec = rec;
    L.o = &o;
    L.byrec = byrec;
    L.rstart = rstart;
    L.count = count;
    L.carries = carries;
    size_t maxblk = 0;
    for (size_t k = 0, e; k < m; k = e) {
        for (e = k; e < m && byhash[e].hash == byhash[k].hash; e++)
            ;
        if (e - k > maxblk)
            maxblk = e - k;
    }
    blk = ctx_mallocarray(ctx, maxblk ? maxblk : 1, sizeof *blk);
    if (!blk) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t k = 0, e; k < m; k = e) {
        for (e = k; e < m && byhash[e].hash == byhash[k].hash; e++)
            ;
        size_t nb = e - k;
        if (nb < 2)
            continue;
        if ((s = ctx_progress(ctx, "dedup", (double)k, (double)m)))
            goto fail;
        unsigned bk = 0;
        for (size_t t = 0; t < nb; t++) {
            blk[t].rec = byhash[k + t].rec;
            blk[t].day = rec[blk[t].rec].day;
            bk |= byhash[k + t].kinds;
        }
        qsort(blk, nb, sizeof *blk, dayidx_cmp);
        /* at least the window of any pair of the block (judge) */
        const int64_t wnd = block_window(&o, bk);
        for (size_t x = 0; x < nb; x++) {
            for (size_t y = x + 1; y < nb && (int64_t)blk[y].day - blk[x].day <= wnd; y++) {
                dd_link lk;
                if (judge(&L, blk[x].rec, blk[y].rec, byhash[k].hash, &lk) != 1)
                    continue;
                if (L.n_links == L.cap) {
                    size_t nc = L.cap ? 2 * L.cap : 256;
                    dd_link *nl = ctx_realloc(ctx, L.links, nc * sizeof *nl);
                    if (!nl) {
                        s = ctx_nomem(ctx);
                        goto fail;
                    }
                    L.links = nl;
                    L.cap = nc;
                }
                L.links[L.n_links++] = lk;
            }
        }
    }
    if (L.n_links)
        qsort(L.links, L.n_links, sizeof *L.links, link_cmp);
    if ((s = dd_uf_init(ctx, &uf, n)))
        goto fail;
    for (size_t k = 0; k < L.n_links; k++)
        dd_uf_union(&uf, L.links[k].a, L.links[k].b);
    /* the smallest record id of each group names the incident */
    for (size_t r = 0; r < n; r++)
        out->incident[r] = INT64_MAX;
    for (size_t r = 0; r < n; r++) {
        uint32_t root = dd_uf_find(&uf, (uint32_t)r);
        if (rec[r].id < out->incident[root])
            out->incident[root] = rec[r].id;
    }
    for (size_t r = 0; r < n; r++) {
        uint32_t root = dd_uf_find(&uf, (uint32_t)r);
        if ((size_t)root == r)
            out->n_incidents++;
    }
    for (size_t r = 0; r < n; r++)
        if ((size_t)dd_uf_find(&uf, (uint32_t)r) != r)
            out->incident[r] = out->incident[dd_uf_find(&uf, (uint32_t)r)];
    out->links = L.links;
    out->n_links = L.n_links;
    L.links = NULL;
fail:
    ctx_free(ctx, byhash);
    ctx_free(ctx, byrec);
    ctx_free(ctx, rstart);
    ctx_free(ctx, count);
    ctx_free(ctx, carries);
    ctx_free(ctx, blk);
    ctx_free(ctx, L.links);
    dd_uf_free(ctx, &uf);
    if (s) {
        ctx_free(ctx, out->incident);
        out->incident = NULL;
    }
    return s;
}
