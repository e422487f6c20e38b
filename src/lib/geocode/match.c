/*
 * match.c: geocoding one written address against the gazetteer.
 *
 * Method. The address is normalised (normalise.c) and cut at commas into
 * parts. Candidate segments are each part, each pair of neighbouring parts
 * (PSGC names may hold a comma: "Quirino-Magsaysay, Lower") and, for a part
 * that matches nothing as a whole, each run of up to 6 of its words
 * ("Brgy. Pusok Lapu-Lapu City" without commas, street prefixes). Every
 * segment is looked up exactly (hash of its key) among names, aliases and
 * old names of all levels. An interpretation anchors on one hit and climbs
 * the anchor's ancestors (barangay, sub-municipality, city/municipality,
 * province or NCR district, region), taking for each ancestor the best
 * hit on it in a segment that does not overlap those already used. Its
 * total is the sum of level weights (municipality 4, barangay 3, province
 * 2, sub-municipality 2, region 1) times the factor of each hit: 1 for a
 * current name, 0.97 for an alias, 0.96 for an old name, 0.9 for
 * "Poblacion" naming a barangay whose status is Pob., 0.9 for a city
 * written without "city", 0.6 for a municipality written with "city",
 * 0.85 for a run of words inside a part, and for fuzzy hits the
 * similarity 1 - d / max(length) with d the optimal string alignment
 * distance. The municipality weighs most so that an address naming a
 * municipality is not explained away by a same-named barangay elsewhere.
 *
 * When the best exact interpretation leaves a part unexplained, stops
 * above the barangay, or ties, fuzzy hits are added: municipalities,
 * provinces and regions for parts with no exact admin hit (d <= 1 for
 * keys of 4-7 letters, d <= 2 from 8, similarity >= 0.8), and barangays
 * of the municipalities named in the address whose own reading is within
 * 3 of the best, at most 8 (similarity >= 0.75); then interpretations are
 * formed again.
 *
 * Outcome: the interpretations within 0.05 of the best (0.25 when the
 * best used a fuzzy hit) that are not ancestors of one another are the
 * candidates. One candidate: EXACT or FUZZY at barangay level, else
 * COARSER. Several: AMBIGUOUS with the candidates and their finest common
 * unit. None: NOT_FOUND.
 *
 * Cost: O(words^2) lookups plus O(hits x depth) for interpretations; the
 * fuzzy pass looks up the query's deletion variants in the gazetteer's
 * deletion index and scans the named municipalities' barangay keys
 * (bfz) with bit-parallel distances. Readings are bounded before they are
 * scored (anchor_bound), presence filters skip lookups of keys and
 * variants that no table holds, and after a fuzzy pass that added
 * barangays only, the earlier readings are kept; an address with a part that
 * no exact hit covers goes to the fuzzy pass at once. About 27,000 instructions
 * for a perturbed address (bench/bench_geocode, callgrind). No allocation:
 * about 175 KB of stack. Limits: MAX_HITS postings per address (very common
 * names such as "Poblacion" fit), 1,024 kept interpretations (beyond that
 * n_candidates is a lower bound).
 */
#include "geocode/geocode_internal.h"

#include <string.h>

#define MAX_SEGS 160
#define MAX_HITS 8192
#define MAX_ADMIN_HITS 512
#define MAX_INTERP 1024
#define SUBSPAN_FACTOR 0.85
#define TIE_EXACT 0.05
#define TIE_FUZZY 0.25
#define MAX_SUBSPAN 6
#define ORDER_REVERSED 0.7f
#define ORDER_MIXED 0.6f
#define UNTILED_FACTOR 0.8f
#define F2_MAX 8
#define F2_SLACK 3.0f
#define UNEXPLAINED_COST 1.5f

typedef struct seg {
    uint16_t lo, hi;  /* token range */
    uint32_t parts;   /* comma parts covered */
    float factor;
    uint8_t whole;    /* a whole part or two joined parts */
} seg;

typedef struct hit {
    int32_t node;
    uint16_t f1e4;    /* factor x 10000 */
    uint8_t seg;
    uint8_t fuzzy;
} hit;

typedef struct interp {
    int32_t node;
    float total, minf;
    uint32_t parts;
    uint8_t fuzzy;
} interp;

typedef struct state {
    const tw_gazetteer *g;
    gz_tokens t;
    seg segs[MAX_SEGS];
    size_t nsegs;
    hit hits[MAX_HITS];
    float total[MAX_HITS]; /* interpretation total per anchor */
    size_t nhits;
    uint16_t admin[MAX_ADMIN_HITS]; /* indices of hits on non-barangay nodes */
    size_t nadmin;
    uint64_t admin_mask[64]; /* bitmap of node & 4095 over admin hits */
    interp in[MAX_INTERP];
    size_t nin;
    int16_t in_hash[2 * MAX_INTERP]; /* node -> index in in[], once nin >= IN_HASH_FROM */
    int in_hashed;
    size_t overflow;
    float best;
    float margin;
    uint32_t all_parts;
    uint16_t plen[GZ_MAX_PARTS]; /* words per part */
} state;

static const float level_weight[6] = {0, 1, 2, 4, 2, 3};
static const float kind_factor[4] = {1.0f, 0.97f, 0.96f, 0.9f};

const char *tw_geocode_outcome_name(tw_geocode_outcome o)
{
    switch (o) {
    case TW_GEOCODE_EXACT: return "exact";
    case TW_GEOCODE_FUZZY: return "fuzzy";
    case TW_GEOCODE_AMBIGUOUS: return "ambiguous";
    case TW_GEOCODE_COARSER: return "coarser";
    case TW_GEOCODE_NOT_FOUND: break;
    }
    return "not_found";
}

static int is_mun_kind(uint8_t k)
{
    return k == GZ_CITY || k == GZ_MUN || k == GZ_SGU || k == GZ_SUBMUN;
}

static void add_hit(state *s, int32_t node, double f, size_t segi, int fuzzy)
{
    if (s->nhits >= MAX_HITS)
        return;
    if (s->g->lvl[node] != TW_LEVEL_BARANGAY) {
        if (s->nadmin >= MAX_ADMIN_HITS)
            return;
        s->admin[s->nadmin++] = (uint16_t)s->nhits;
        s->admin_mask[(node >> 6) & 63] |= UINT64_C(1) << (node & 63);
    }
    hit *h = &s->hits[s->nhits++];
    h->node = node;
    if (f > 1)
        f = 1;
    h->f1e4 = (uint16_t)(f * 10000 + 0.5);
    h->seg = (uint8_t)segi;
    h->fuzzy = (uint8_t)fuzzy;
}

/* Exact lookups of one segment; returns the number of hits added. */
static size_t lookup_seg(state *s, size_t si)
{
    const seg *sg = &s->segs[si];
    char key[GZ_TOKBUF];
    int city = 0;
    size_t before = s->nhits, n;
    int prov = 0;
    size_t kl = gz_key(&s->t, sg->lo, sg->hi, GZ_NS_GEN, key, sizeof key, &prov);
    const uint32_t *p = kl ? gz_lookup(s->g, key, kl, &n) : NULL;
    for (size_t i = 0; p && i < n; i++) {
        /* "X Province" names a province: same-named barangays fit less well. */
        int32_t node = (int32_t)(p[i] >> 2);
        double f = kind_factor[p[i] & 3] * sg->factor;
        if ((prov & 2) && s->g->lvl[node] != TW_LEVEL_PROVINCE)
            f *= 0.6;
        if ((prov & 4) && s->g->lvl[node] != TW_LEVEL_BARANGAY)
            f *= 0.5;
        add_hit(s, node, f, si, 0);
    }
    kl = gz_key(&s->t, sg->lo, sg->hi, GZ_NS_MUN, key, sizeof key, &city);
    p = kl ? gz_lookup(s->g, key, kl, &n) : NULL;
    for (size_t i = 0; p && i < n; i++) {
        int32_t node = (int32_t)(p[i] >> 2);
        const gz_node *nd = &s->g->nodes[node];
        double f = kind_factor[p[i] & 3] * sg->factor;
        if (city & 2)
            f *= 0.4;
        if (city & 4)
            f *= 0.5;
        if (nd->kind == GZ_CITY && !(city & 1))
            f *= 0.9;
        else if (nd->kind != GZ_CITY && (city & 1))
            f *= 0.6;
        add_hit(s, node, f, si, 0);
    }
    return s->nhits - before;
}

static int add_seg(state *s, size_t lo, size_t hi, uint32_t parts, double factor, int whole)
{
    if (s->nsegs >= MAX_SEGS || lo >= hi)
        return -1;
    seg *sg = &s->segs[s->nsegs];
    sg->lo = (uint16_t)lo;
    sg->hi = (uint16_t)hi;
    sg->parts = parts;
    sg->factor = (float)factor;
    sg->whole = (uint8_t)whole;
    return (int)s->nsegs++;
}

static int overlaps(const seg *a, const seg *b) { return a->lo < b->hi && b->lo < a->hi; }

/* Slot of node in in_hash: its entry, or the empty slot where it goes. */
static size_t in_slot(const state *s, int32_t node)
{
    size_t m = 2 * MAX_INTERP - 1, at = ((uint32_t)node * 2654435761u) & m;
    while (s->in_hash[at] >= 0 && s->in[s->in_hash[at]].node != node)
        at = (at + 1) & m;
    return at;
}

/* Keep x (called with s->best final): one entry per node, the best. A
   linear search while there are few, a hash table beyond. */
#define IN_HASH_FROM 32
static void keep_interp(state *s, const interp *x)
{
    long at = -1;
    size_t slot = 0;
    if (s->in_hashed) {
        slot = in_slot(s, x->node);
        at = s->in_hash[slot];
    } else {
        for (size_t i = 0; i < s->nin && at < 0; i++)
            if (s->in[i].node == x->node)
                at = (long)i;
    }
    if (at >= 0) {
        if (x->total > s->in[at].total)
            s->in[at] = *x;
        return;
    }
    if (s->nin >= MAX_INTERP) {
        s->overflow++;
        return;
    }
    s->in[s->nin++] = *x;
    if (s->in_hashed) {
        s->in_hash[slot] = (int16_t)(s->nin - 1);
    } else if (s->nin == IN_HASH_FROM) {
        memset(s->in_hash, 0xff, sizeof s->in_hash);
        for (size_t i = 0; i < s->nin; i++)
            s->in_hash[in_slot(s, s->in[i].node)] = (int16_t)i;
        s->in_hashed = 1;
    }
}

/* The interpretation anchored on hit h. */
static void score_anchor(const state *s, size_t h, interp *xo)
{
    const tw_gazetteer *g = s->g;
    const hit *a = &s->hits[h];
    interp x;
    size_t used[8];
    size_t nused = 0;
    float f = a->f1e4 / 10000.0f;
    x.node = a->node;
    x.total = level_weight[g->lvl[a->node]] * f;
    x.minf = f;
    x.parts = s->segs[a->seg].parts;
    x.fuzzy = a->fuzzy;
    used[nused++] = a->seg;
    /* Ancestors: at most 4 above a barangay (sub-municipality, municipality,
       province, region); the dense table holds them all. */
    const int32_t *chain = g->anc[a->node];
    for (int d = 0; d < 4 && chain[d] >= 0; d++) {
        int32_t anc = chain[d];
        if (!(s->admin_mask[(anc >> 6) & 63] & (UINT64_C(1) << (anc & 63))))
            continue;
        long best = -1;
        float bestv = 0;
        for (size_t k = 0; k < s->nadmin; k++) {
            const hit *b = &s->hits[s->admin[k]];
            if (b->node != anc)
                continue;
            int clash = 0;
            for (size_t u = 0; u < nused && !clash; u++)
                clash = overlaps(&s->segs[b->seg], &s->segs[used[u]]);
            if (clash)
                continue;
            float v = b->f1e4 / 10000.0f;
            if (v > bestv)
                bestv = v, best = (long)s->admin[k];
        }
        if (best < 0 || nused >= 8)
            continue;
        const hit *b = &s->hits[best];
        x.total += level_weight[g->lvl[anc]] * bestv;
        if (bestv < x.minf)
            x.minf = bestv;
        x.parts |= s->segs[b->seg].parts;
        x.fuzzy |= b->fuzzy;
        used[nused++] = b->seg;
    }
    /* People write the finest unit first ("Pusok, Lapu-Lapu City") or,
       less often, last; a reading against the written order is doubtful. */
    int up = 1, down = 1;
    for (size_t u = 1; u < nused; u++) {
        up &= s->segs[used[u]].lo > s->segs[used[u - 1]].lo;
        down &= s->segs[used[u]].lo < s->segs[used[u - 1]].lo;
    }
    if (!up)
        x.total *= down ? ORDER_REVERSED : ORDER_MIXED;
    /* Runs of words inside a part must cover it, else words were ignored. */
    for (size_t u = 0; u < nused; u++) {
        const seg *su = &s->segs[used[u]];
        if (su->whole)
            continue;
        size_t covered = 0;
        for (size_t v = 0; v < nused; v++)
            if (!s->segs[used[v]].whole && s->segs[used[v]].parts == su->parts)
                covered += (size_t)(s->segs[used[v]].hi - s->segs[used[v]].lo);
        size_t p = 0;
        while (!(su->parts & (1u << p)))
            p++;
        /* Numbers of 4+ digits left over are postal codes or house
           numbers: no PSGC name has one, so ignoring them is not fuzzy. */
        for (size_t t = 0; t < s->t.n && covered < s->plen[p]; t++) {
            if (s->t.part[t] != p || s->t.len[t] < 4 || s->t.buf[s->t.off[t]] > '9')
                continue;
            int in_used = 0;
            for (size_t v = 0; v < nused && !in_used; v++)
                in_used = t >= s->segs[used[v]].lo && t < s->segs[used[v]].hi;
            covered += !in_used;
        }
        if (covered < s->plen[p]) {
            x.fuzzy = 1;
            x.total *= UNTILED_FACTOR;
            break;
        }
    }
    x.total -= UNEXPLAINED_COST * (float)gz_popcount32(s->all_parts & ~x.parts);
    *xo = x;
}

/*
 * An upper bound of score_anchor(s, h)'s total, in a few instructions: the
 * anchor's own term, every ancestor that may have a hit (admin_mask) at
 * factor 1, no order or coverage penalty, and only the parts that no
 * admin hit at all covers counted as unexplained (seg_cost, per segment of
 * the anchor). Each step rounds the
 * same way as score_anchor's on terms at least as large, so the bound holds
 * in floating point too.
 */
static float anchor_bound(const state *s, size_t h, const float *seg_cost)
{
    const tw_gazetteer *g = s->g;
    const hit *a = &s->hits[h];
    float ub = level_weight[g->lvl[a->node]] * (a->f1e4 / 10000.0f);
    const int32_t *chain = g->anc[a->node];
    for (int d = 0; d < 4 && chain[d] >= 0; d++) {
        int32_t anc = chain[d];
        if (s->admin_mask[(anc >> 6) & 63] & (UINT64_C(1) << (anc & 63)))
            ub += level_weight[g->lvl[anc]];
    }
    return ub - seg_cost[a->seg];
}

/*
 * Every anchor's interpretation in two passes: totals first (so that the
 * best is known), then only those within the margin are kept. An anchor
 * whose bound is already below the running best minus the margin can be
 * neither the best nor kept, so it is not scored (its total is set below
 * every kept one): the result is the same as scoring every anchor.
 *
 * from > 0: the hits before `from` were enumerated already with the same
 * admin hits (the fuzzy pass added barangay hits only). A reading depends
 * only on its anchor and the admin hits, so their totals and s->best still
 * hold: only the new anchors are scored before the keep pass.
 */
#define BOUND_SLACK 1e-3f
static void enumerate(state *s, float margin, size_t from)
{
    s->nin = 0;
    s->in_hashed = 0;
    s->overflow = 0;
    s->margin = margin;
    uint32_t admin_parts = 0;
    for (size_t k = 0; k < s->nadmin; k++)
        admin_parts |= s->segs[s->hits[s->admin[k]].seg].parts;
    float seg_cost[MAX_SEGS];
    for (size_t i = 0; i < s->nsegs; i++)
        seg_cost[i] = UNEXPLAINED_COST *
                      (float)gz_popcount32(s->all_parts & ~(s->segs[i].parts | admin_parts));
    /* Bounds first; the anchor with the highest bound is scored first, so
       that the running best is high from the start. */
    size_t top = from;
    for (size_t h = from; h < s->nhits; h++) {
        s->total[h] = anchor_bound(s, h, seg_cost);
        if (s->total[h] > s->total[top])
            top = h;
    }
    if (!from) {
        s->best = -1e30f;
        if (s->nhits) {
            interp x;
            score_anchor(s, top, &x);
            s->best = x.total;
        }
    }
    for (size_t h = from; h < s->nhits; h++) {
        if (s->total[h] + BOUND_SLACK < s->best - margin) {
            s->total[h] = -1e30f;
            continue;
        }
        interp x;
        score_anchor(s, h, &x);
        s->total[h] = x.total;
        if (x.total > s->best)
            s->best = x.total;
    }
    for (size_t h = 0; h < s->nhits; h++) {
        if (s->total[h] < s->best - margin)
            continue;
        interp x;
        score_anchor(s, h, &x);
        keep_interp(s, &x);
    }
}

static int is_ancestor(const tw_gazetteer *g, int32_t a, int32_t x)
{
    for (int32_t p = g->nodes[x].parent; p >= 0; p = g->nodes[p].parent)
        if (p == a)
            return 1;
    return 0;
}

/* Candidates: near-best interpretations, finest ones only, best first. */
static size_t candidates(state *s, int32_t *out, size_t cap, const interp **best)
{
    const tw_gazetteer *g = s->g;
    size_t n = 0;
    *best = NULL;
    /* The margin depends on whether the leader leans on a typo. */
    float margin = TIE_EXACT;
    for (size_t i = 0; i < s->nin; i++)
        if (s->in[i].total == s->best && s->in[i].fuzzy)
            margin = TIE_FUZZY;
    for (size_t i = 0; i < s->nin; i++) {
        const interp *x = &s->in[i];
        if (x->total < s->best - margin)
            continue;
        int coarse = 0;
        if (g->nodes[x->node].level != TW_LEVEL_BARANGAY)
            for (size_t j = 0; j < s->nin && !coarse; j++)
                coarse = j != i && s->in[j].total >= s->best - margin &&
                         is_ancestor(g, x->node, s->in[j].node);
        if (coarse)
            continue;
        if (!*best || x->total > (*best)->total ||
            (x->total == (*best)->total && strcmp(g->nodes[x->node].code,
                                                  g->nodes[(*best)->node].code) < 0))
            *best = x;
        if (n < cap)
            out[n] = (int32_t)i;
        n++;
    }
    /* Best first, then by code (insertion sort: cap is small). */
    size_t m = n < cap ? n : cap;
    for (size_t i = 1; i < m; i++) {
        int32_t v = out[i];
        size_t j = i;
        while (j > 0) {
            const interp *a = &s->in[out[j - 1]], *b = &s->in[v];
            int after = a->total < b->total ||
                        (a->total == b->total &&
                         strcmp(g->nodes[a->node].code, g->nodes[b->node].code) > 0);
            if (!after)
                break;
            out[j] = out[j - 1];
            j--;
        }
        out[j] = v;
    }
    return n;
}

/* Fuzzy similarity of key k (no namespace byte) against fz entry z. */
static double fuzzy_sim(const tw_gazetteer *g, const char *k, size_t kl, uint32_t kmask,
                        const gz_fz *z)
{
    int maxd = kl >= 8 ? 2 : kl >= 4 ? 1 : 0;
    if (!maxd)
        return 0;
    size_t zl = z->klen;
    if ((zl > kl ? zl - kl : kl - zl) > (size_t)maxd)
        return 0;
    if (gz_popcount32(kmask ^ z->mask) > 2 * maxd)
        return 0;
    int d = gz_osa_bounded(k, kl, g->keys + z->key, zl, maxd);
    if (d > maxd || d == 0)
        return 0;
    size_t ml = kl > zl ? kl : zl;
    return 1.0 - (double)d / (double)ml;
}

#define BEST_N 16

typedef struct best_n {
    int32_t node[BEST_N];
    double f[BEST_N];
    size_t n;
} best_n;

static void best_push(best_n *b, int32_t node, double f)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->node[i] == node) {
            if (f > b->f[i])
                b->f[i] = f;
            return;
        }
    size_t at = b->n < BEST_N ? b->n++ : BEST_N - 1;
    if (at == BEST_N - 1 && b->n == BEST_N && b->f[at] >= f)
        return;
    b->node[at] = node;
    b->f[at] = f;
    for (size_t i = at; i > 0 && b->f[i] > b->f[i - 1]; i--) {
        int32_t tn = b->node[i];
        double tf = b->f[i];
        b->node[i] = b->node[i - 1], b->f[i] = b->f[i - 1];
        b->node[i - 1] = tn, b->f[i - 1] = tf;
    }
}

/* Keys of a segment in both namespaces, without the namespace byte. */
typedef struct segkeys {
    char gen[GZ_TOKBUF], mun[GZ_TOKBUF];
    size_t gl, ml;
    uint32_t gmask, mmask;
    int city;
} segkeys;

static void seg_keys(const state *s, size_t si, segkeys *k)
{
    const seg *sg = &s->segs[si];
    k->gl = gz_key(&s->t, sg->lo, sg->hi, GZ_NS_GEN, k->gen, sizeof k->gen, NULL);
    k->ml = gz_key(&s->t, sg->lo, sg->hi, GZ_NS_MUN, k->mun, sizeof k->mun, &k->city);
    k->gl = k->gl ? k->gl - 1 : 0;
    k->ml = k->ml ? k->ml - 1 : 0;
    k->gmask = gz_letter_mask(k->gen + 1, k->gl);
    k->mmask = gz_letter_mask(k->mun + 1, k->ml);
}

/* Fuzzy factor of key entry e for the segment's keys, or 0. */
static double fuzzy_factor(const state *s, const segkeys *k, const gz_fz *e, double min_sim)
{
    const tw_gazetteer *g = s->g;
    const gz_node *nd = &g->nodes[e->node];
    int mun = e->ns == GZ_NS_MUN;
    const char *key = mun ? k->mun + 1 : k->gen + 1;
    size_t kl = mun ? k->ml : k->gl;
    if (!kl)
        return 0;
    double sim = fuzzy_sim(g, key, kl, mun ? k->mmask : k->gmask, e);
    if (sim < min_sim)
        return 0;
    double f = sim * kind_factor[e->kind & 3];
    if (nd->kind == GZ_CITY && !(k->city & 1))
        f *= 0.9;
    else if (mun && nd->kind != GZ_CITY && (k->city & 1))
        f *= 0.6;
    if ((k->city & 2) && nd->level != TW_LEVEL_PROVINCE)
        f *= mun ? 0.4 : 0.6;
    if ((k->city & 4) && nd->level != TW_LEVEL_BARANGAY)
        f *= 0.5;
    return f;
}

/*
 * Fuzzy hits of the segment's keys on the barangays of municipality m:
 * one scan of its barangays' keys (bfz, in the order of its children).
 * Keys whose length or letters rule out the allowed distance are skipped
 * before fuzzy_sim, which checks the same and more.
 */
static void fuzzy_barangays(const state *s, const segkeys *k, int32_t m, best_n *b,
                            double min_sim)
{
    const tw_gazetteer *g = s->g;
    const size_t kls[2] = {k->gl, k->ml};
    const size_t md[2] = {kls[0] >= 8 ? 2 : kls[0] >= 4 ? 1 : 0, kls[1] >= 8 ? 2 : kls[1] >= 4 ? 1 : 0};
    const uint32_t masks[2] = {k->gmask, k->mmask};
    for (uint32_t z = g->bfz_lo[m]; z < g->bfz_lo[m + 1]; z++) {
        uint64_t pre = g->bpre[z]; /* mask, length, namespace in 8 bytes */
        int mun = (int)(pre >> 40 & 1);
        size_t kl = kls[mun], maxd = md[mun], el = (size_t)(pre >> 32 & 255);
        if (!maxd || (el < 255 && (el > kl ? el - kl : kl - el) > maxd) ||
            (size_t)gz_popcount32(masks[mun] ^ (uint32_t)pre) > 2 * maxd)
            continue;
        const gz_fz *e = &g->bfz[z];
        double f = fuzzy_factor(s, k, e, min_sim);
        if (f > 0)
            best_push(b, e->node, f);
    }
}

/* Candidate keys gathered from the deletion index (bounded). */
typedef struct cand_set {
    const tw_gazetteer *g;
    uint32_t z[512];
    size_t n;
} cand_set;

static void cand_add(void *ud, uint64_t hash)
{
    cand_set *cs = ud;
    const tw_gazetteer *g = cs->g;
    if (!gz_bit_test(g->del_bits, hash))
        return; /* no key has this variant */
    size_t lo = g->dbucket[hash >> 48], hi = g->dbucket[(hash >> 48) + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->del[mid].hash < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < g->ndel && g->del[i].hash == hash && cs->n < 512; i++)
        cs->z[cs->n++] = g->del[i].z;
}

static void fuzzy_pass(state *s)
{
    const tw_gazetteer *g = s->g;
    size_t nseg = s->nsegs;
    segkeys *k = NULL;
    segkeys kbuf;
    k = &kbuf;
    /* F1: municipalities, provinces, regions for single parts with no exact admin hit. */
    size_t nexact = s->nadmin;
    for (size_t si = 0; si < nseg; si++) {
        if (gz_popcount32(s->segs[si].parts) != 1)
            continue;
        /* A whole part is searched unless a whole part already names a unit
           there; a run of words (addresses without commas) unless any exact
           hit on a unit overlaps it. */
        int has_admin = 0;
        for (size_t a = 0; a < nexact && !has_admin; a++) {
            const seg *sa = &s->segs[s->hits[s->admin[a]].seg];
            has_admin = (sa->whole || !s->segs[si].whole) && overlaps(sa, &s->segs[si]);
        }
        if (has_admin)
            continue;
        seg_keys(s, si, k);
        best_n b;
        b.n = 0;
        /* Candidates from the deletion index, then the exact distance. */
        cand_set cs;
        cs.g = g;
        cs.n = 0;
        int mg = k->gl >= 8 ? 2 : k->gl >= 4 ? 1 : 0, mm = k->ml >= 8 ? 2 : k->ml >= 4 ? 1 : 0;
        if (mg)
            gz_deletions(GZ_NS_GEN, k->gen + 1, k->gl, mg, cand_add, &cs);
        if (mm)
            gz_deletions(GZ_NS_MUN, k->mun + 1, k->ml, mm, cand_add, &cs);
        for (size_t c = 0; c < cs.n; c++) {
            int dup = 0;
            for (size_t c2 = 0; c2 < c && !dup; c2++)
                dup = cs.z[c2] == cs.z[c];
            if (dup)
                continue;
            double f = fuzzy_factor(s, k, &g->fz[cs.z[c]], 0.8);
            if (f > 0)
                best_push(&b, g->fz[cs.z[c]].node, f);
        }
        for (size_t i = 0; i < b.n; i++)
            add_hit(s, b.node[i], b.f[i] * s->segs[si].factor, si, 1);
    }
    /* F2: barangays of the municipalities named, for the other whole parts.
       Only the municipalities whose own reading is near the best are
       searched (at most F2_MAX), so a common name ("San Jose") does not
       send the search through dozens of towns. */
    int32_t mcand[F2_MAX];
    size_t mseg[F2_MAX], nm = 0;
    float mtot[F2_MAX], topm = -1e30f;
    for (size_t a = 0; a < s->nadmin; a++) {
        const hit *mh = &s->hits[s->admin[a]];
        if (!is_mun_kind(g->nodes[mh->node].kind))
            continue;
        interp x;
        score_anchor(s, s->admin[a], &x);
        if (x.total > topm)
            topm = x.total;
        /* Insert by total, best first; duplicates (same node) keep the best. */
        size_t at = nm;
        int dup = 0;
        for (size_t q = 0; q < nm && !dup; q++)
            dup = mcand[q] == mh->node;
        if (dup)
            continue;
        while (at > 0 && mtot[at - 1] < x.total)
            at--;
        if (at >= F2_MAX)
            continue;
        size_t last = nm < F2_MAX ? nm : F2_MAX - 1;
        for (size_t q = last; q > at; q--) {
            mcand[q] = mcand[q - 1];
            mseg[q] = mseg[q - 1];
            mtot[q] = mtot[q - 1];
        }
        mcand[at] = mh->node;
        mseg[at] = mh->seg;
        mtot[at] = x.total;
        if (nm < F2_MAX)
            nm++;
    }
    while (nm > 0 && mtot[nm - 1] < topm - F2_SLACK)
        nm--;
    if (!nm)
        return;
    /* Segments with an exact barangay hit in candidate q (directly or in
       one of its sub-municipalities): bit q of exact_in[seg]. Only the hits
       from before this pass count. */
    uint8_t exact_in[MAX_SEGS];
    memset(exact_in, 0, nseg);
    for (size_t h = 0; h < s->nhits; h++) {
        const hit *x = &s->hits[h];
        if (x->fuzzy || g->lvl[x->node] != TW_LEVEL_BARANGAY)
            continue;
        const int32_t *chain = g->anc[x->node]; /* parent, grandparent (dense) */
        for (size_t q = 0; q < nm && chain[0] >= 0; q++)
            if (chain[0] == mcand[q] || chain[1] == mcand[q])
                exact_in[x->seg] |= (uint8_t)(1u << q);
    }
    for (size_t si = 0; si < nseg; si++) {
        int keys = 0;
        for (size_t q = 0; q < nm; q++) {
            int32_t m = mcand[q];
            if (overlaps(&s->segs[si], &s->segs[mseg[q]]) || (exact_in[si] >> q & 1))
                continue;
            if (!keys) {
                seg_keys(s, si, k);
                keys = 1;
            }
            best_n b;
            b.n = 0;
            fuzzy_barangays(s, k, m, &b, 0.75);
            for (size_t i = 0; i < b.n; i++)
                add_hit(s, b.node[i], b.f[i] * s->segs[si].factor, si, 1);
        }
    }
}

#ifdef GZ_DEBUG
#include <stdio.h>
static void debug_dump(const state *s)
{
    for (size_t h = 0; h < s->nhits; h++)
        fprintf(stderr, "hit seg %u [%u,%u) %s %s f=%.3f%s\n", s->hits[h].seg,
                s->segs[s->hits[h].seg].lo, s->segs[s->hits[h].seg].hi,
                s->g->nodes[s->hits[h].node].code, s->g->strs + s->g->nodes[s->hits[h].node].name,
                s->hits[h].f1e4 / 1e4, s->hits[h].fuzzy ? " fuzzy" : "");
    for (size_t i = 0; i < s->nin; i++)
        fprintf(stderr, "interp %s %s total %.3f parts %x%s\n", s->g->nodes[s->in[i].node].code,
                s->g->strs + s->g->nodes[s->in[i].node].name, s->in[i].total, s->in[i].parts,
                s->in[i].fuzzy ? " fuzzy" : "");
}
#endif

static void set_result(state *s, tw_geocode_result *out)
{
#ifdef GZ_DEBUG
    if (s->nhits < 200)
        debug_dump(s);
#endif
    const tw_gazetteer *g = s->g;
    int32_t idx[MAX_INTERP];
    const interp *best;
    memset(out, 0, sizeof *out);
    size_t n = candidates(s, idx, MAX_INTERP, &best);
    if (!n || !best)
        return;
    out->score = best->minf > 1 ? 1 : best->minf;
    if (n == 1) {
        const gz_node *nd = &g->nodes[best->node];
        memcpy(out->psgc, nd->code, sizeof out->psgc);
        out->level = (tw_level)nd->level;
        out->outcome = nd->level == TW_LEVEL_BARANGAY
                           ? (best->fuzzy ? TW_GEOCODE_FUZZY : TW_GEOCODE_EXACT)
                           : TW_GEOCODE_COARSER;
        return;
    }
    out->outcome = TW_GEOCODE_AMBIGUOUS;
    out->n_candidates = n + s->overflow;
    size_t m = n < MAX_INTERP ? n : MAX_INTERP;
    for (size_t i = 0; i < m && i < TW_GEOCODE_MAX_CANDIDATES; i++)
        memcpy(out->candidates[i], g->nodes[s->in[idx[i]].node].code, TW_PSGC_LEN + 1);
    /* Finest unit holding every candidate. */
    int32_t common = s->in[idx[0]].node;
    for (size_t i = 1; i < m && common >= 0; i++) {
        int32_t x = s->in[idx[i]].node;
        while (common >= 0 && common != x && !is_ancestor(g, common, x))
            common = g->nodes[common].parent;
    }
    if (common >= 0) {
        memcpy(out->psgc, g->nodes[common].code, sizeof out->psgc);
        out->level = (tw_level)g->nodes[common].level;
    }
}

/* Is the best interpretation a single barangay explaining every part? */
static int settled(state *s)
{
    int32_t idx[4];
    const interp *best;
    size_t n = candidates(s, idx, 4, &best);
    return n == 1 && best && !best->fuzzy &&
           s->g->nodes[best->node].level == TW_LEVEL_BARANGAY &&
           (best->parts & s->all_parts) == s->all_parts;
}

tw_status tw_geocode(tw_ctx *ctx, const tw_gazetteer *g, const char *address, size_t len,
                     tw_geocode_result *out)
{
    state st_, *s = &st_;
    size_t bad = 0;
    if (!ctx || !g || !out || (!address && len))
        return ctx ? ctx_error(ctx, TW_E_ARG, "geocode: NULL argument") : TW_E_ARG;
    memset(out, 0, sizeof *out);
    if (len > TW_GEOCODE_MAX_ADDRESS)
        return ctx_error(ctx, TW_E_DOMAIN, "address is %zu bytes, longer than the %d allowed",
                         len, TW_GEOCODE_MAX_ADDRESS);
    s->g = g;
    tw_status st = gz_tokenise(address ? address : "", len, 1, &s->t, &bad);
    if (st == TW_E_PARSE)
        return ctx_error(ctx, st, "address is not UTF-8 (byte %zu)", bad + 1);
    if (st)
        return ctx_error(ctx, st, "address has more than %d words or %d parts", GZ_MAX_TOKENS,
                         GZ_MAX_PARTS);
    s->nsegs = s->nhits = s->nadmin = 0;
    memset(s->admin_mask, 0, sizeof s->admin_mask);
    s->all_parts = 0;
    /* Token range of each part. */
    size_t plo[GZ_MAX_PARTS], phi[GZ_MAX_PARTS];
    for (size_t p = 0; p < s->t.nparts; p++)
        plo[p] = phi[p] = 0;
    for (size_t i = 0; i < s->t.n; i++) {
        size_t p = s->t.part[i];
        if (plo[p] == phi[p])
            plo[p] = i;
        phi[p] = i + 1;
        s->all_parts |= 1u << p;
    }
    for (size_t p = 0; p < s->t.nparts; p++)
        s->plen[p] = (uint16_t)(phi[p] - plo[p]);
    size_t nonempty[GZ_MAX_PARTS], nne = 0;
    for (size_t p = 0; p < s->t.nparts; p++)
        if (phi[p] > plo[p])
            nonempty[nne++] = p;
    for (size_t q = 0; q < nne; q++) {
        size_t p = nonempty[q];
        int si = add_seg(s, plo[p], phi[p], 1u << p, 1.0, 1);
        size_t got = si >= 0 ? lookup_seg(s, (size_t)si) : 0;
        if (q + 1 < nne && phi[p] - plo[p] + phi[nonempty[q + 1]] - plo[nonempty[q + 1]] <= 12) {
            size_t p2 = nonempty[q + 1];
            int sj = add_seg(s, plo[p], phi[p2], (1u << p) | (1u << p2), 1.0, 1);
            if (sj >= 0)
                lookup_seg(s, (size_t)sj);
        }
        if (got == 0 && phi[p] - plo[p] >= 2) {
            size_t n = phi[p] - plo[p];
            for (size_t w = n - 1; w >= 1; w--) {
                if (w > MAX_SUBSPAN)
                    continue;
                for (size_t a = plo[p]; a + w <= phi[p]; a++) {
                    int alpha = 0;
                    for (size_t k = a; k < a + w; k++)
                        alpha |= s->t.buf[s->t.off[k]] >= 'a';
                    if (!alpha)
                        continue; /* a bare number is a house or zip, not a place */
                    int sk = add_seg(s, a, a + w, 1u << p, SUBSPAN_FACTOR, 0);
                    if (sk >= 0)
                        lookup_seg(s, (size_t)sk);
                }
            }
        }
    }
    /* A part that no exact hit covers cannot be explained by any reading,
       so the address cannot be settled without the fuzzy pass: the first
       enumeration is then skipped (the fuzzy pass does not use it). */
    uint32_t covered = 0;
    for (size_t h = 0; h < s->nhits; h++)
        covered |= s->segs[s->hits[h].seg].parts;
    if ((covered & s->all_parts) != s->all_parts) {
        fuzzy_pass(s);
        enumerate(s, TIE_FUZZY, 0);
    } else {
        enumerate(s, TIE_FUZZY, 0);
        if (!settled(s)) {
            size_t before = s->nhits, admin_before = s->nadmin;
            fuzzy_pass(s);
            if (s->nhits != before)
                enumerate(s, TIE_FUZZY, s->nadmin == admin_before ? before : 0);
        }
    }
    set_result(s, out);
    return TW_OK;
}
