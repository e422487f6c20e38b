/*
 * test_dedup.c: the dedup core (src/lib/dedup/): one hand-made case per
 * rule (window, place, common identifiers, account disagreement, case
 * references, transitivity), an O(n^2) reference that judges every pair of random
 * small inputs with the rules of docs/dedup.md and must give the same
 * links and incidents, union-find properties, independence of the input
 * order, and failing allocations.
 */
#include "dedup/dedup.h"
#include "harness.h"

#include "core/rng.h"

#include <stdlib.h>
#include <string.h>

static dd_rec R(int64_t id, int32_t day, const char *code)
{
    dd_rec r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.day = day;
    r.area = -1;
    r.lon = r.lat = NAN;
    if (code)
        memcpy(r.code, code, TW_PSGC_LEN + 1);
    return r;
}

typedef struct idl {
    uint32_t rec[64], hash[64];
    uint8_t kind[64];
    size_t n;
} idl;

static void ID(idl *l, uint32_t rec, uint32_t hash, int kind)
{
    l->rec[l->n] = rec;
    l->hash[l->n] = hash;
    l->kind[l->n] = (uint8_t)kind;
    l->n++;
}

static dd_result link(tw_ctx *ctx, const dd_rec *r, size_t n, const idl *l, const dd_opts *o)
{
    dd_result res;
    tw_status s = dd_link_records(ctx, r, n, l->rec, l->hash, l->kind, l->n, o, &res);
    CHECK_EQ_INT(s, TW_OK);
    return res;
}

/* Barangays: 0702201001 and 0702201002 in one municipality, 0702202001 in
   another municipality of the same province, 0803701001 elsewhere. */
static void test_rules(void)
{
    tw_ctx *ctx = tw_ctx_new();
    dd_opts o;
    dd_opts_default(&o);
    CHECK_EQ_INT(o.window_days, 90);
    o.window_days = 60;
    /* strong account, same barangay, 10 days apart: linked */
    {
        dd_rec r[2] = {R(7, 100, "0702201001"), R(3, 110, "0702201001")};
        idl l = {0};
        ID(&l, 0, 5, DD_ACCOUNT);
        ID(&l, 1, 5, DD_ACCOUNT);
        dd_result res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_incidents, 1);
        CHECK_EQ_INT(res.incident[0], 3); /* smallest record id */
        CHECK_EQ_INT(res.incident[1], 3);
        CHECK_EQ_INT(res.n_links, 1);
        CHECK_EQ_INT(res.links[0].rule, DD_RULE_STRONG);
        CHECK_EQ_INT(res.links[0].place, DD_SAME);
        CHECK_EQ_INT(res.links[0].gap_days, 10);
        CHECK_EQ_INT(res.links[0].kinds, 1u << DD_ACCOUNT);
        CHECK_EQ_INT(res.links[0].common, 0);
        dd_result_free(ctx, &res);
        /* 61 days apart: beyond the window */
        r[1].day = 161;
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_incidents, 2);
        CHECK_EQ_INT(res.n_links, 0);
        dd_result_free(ctx, &res);
        /* exactly 60: inside */
        r[1].day = 40;
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_incidents, 1);
        dd_result_free(ctx, &res);
        /* another province: far */
        r[1] = R(3, 110, "0803701001");
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_incidents, 2);
        dd_result_free(ctx, &res);
        /* a barangay of the same municipality: neighbour (PSGC) */
        r[1] = R(3, 110, "0702201002");
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_links, 1);
        CHECK_EQ_INT(res.links[0].place, DD_NEIGHBOUR);
        dd_result_free(ctx, &res);
        /* another municipality of the province: far at barangay level */
        r[1] = R(3, 110, "0702202001");
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_links, 0);
        dd_result_free(ctx, &res);
        /* the municipality itself: same (known only at municipality level) */
        r[1] = R(3, 110, "0702201000");
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_links, 1);
        CHECK_EQ_INT(res.links[0].place, DD_SAME);
        dd_result_free(ctx, &res);
        /* a point without geography: unknown, a strong identifier links */
        r[1] = R(3, 110, NULL);
        r[1].lon = 123.9;
        r[1].lat = 10.3;
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_links, 1);
        CHECK_EQ_INT(res.links[0].place, DD_UNKNOWN);
        dd_result_free(ctx, &res);
    }
    /* a common identifier (on more than max_shared records) */
    {
        o.max_shared = 2;
        dd_rec r[3] = {R(1, 100, "0702201001"), R(2, 105, "0702201002"),
                       R(3, 400, "0803701001")};
        idl l = {0};
        for (uint32_t k = 0; k < 3; k++)
            ID(&l, k, 9, DD_IP);
        dd_result res = link(ctx, r, 3, &l, &o);
        CHECK_EQ_INT(res.n_links, 0); /* neighbours only: not enough */
        dd_result_free(ctx, &res);
        memcpy(r[1].code, "0702201001", 11); /* same barangay */
        res = link(ctx, r, 3, &l, &o);
        CHECK_EQ_INT(res.n_links, 1);
        CHECK_EQ_INT(res.links[0].rule, DD_RULE_SAME_AREA);
        CHECK_EQ_INT(res.links[0].common, 1u << DD_IP);
        dd_result_free(ctx, &res);
        /* a second kind, common too, on neighbours: two-kinds */
        memcpy(r[1].code, "0702201002", 11);
        ID(&l, 0, 11, DD_DEVICE);
        ID(&l, 1, 11, DD_DEVICE);
        ID(&l, 2, 11, DD_DEVICE);
        res = link(ctx, r, 3, &l, &o);
        CHECK_EQ_INT(res.n_links, 1);
        CHECK_EQ_INT(res.links[0].rule, DD_RULE_TWO_KINDS);
        CHECK_EQ_INT(res.links[0].kinds, (1u << DD_IP) | (1u << DD_DEVICE));
        dd_result_free(ctx, &res);
        o.max_shared = 10;
    }
    /* accounts disagree: a shared payment account does not link */
    {
        dd_rec r[2] = {R(1, 100, "0702201001"), R(2, 101, "0702201001")};
        idl l = {0};
        ID(&l, 0, 1, DD_PAYMENT);
        ID(&l, 1, 1, DD_PAYMENT);
        ID(&l, 0, 2, DD_ACCOUNT);
        ID(&l, 1, 3, DD_ACCOUNT);
        dd_result res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_links, 0);
        dd_result_free(ctx, &res);
        l.n = 3; /* the second record names no account: no disagreement */
        res = link(ctx, r, 2, &l, &o);
        CHECK_EQ_INT(res.n_links, 1);
        CHECK_EQ_INT(res.links[0].kinds, 1u << DD_PAYMENT);
        dd_result_free(ctx, &res);
    }
    /* a case reference (referred_from naming the other's case): links
       beyond the identifier window, over disagreeing accounts and a
       common hash, up to the reference window; never across a far place */
    {
        CHECK_EQ_INT(o.ref_window_days, 365);
        o.max_shared = 1;
        dd_rec r[3] = {R(1, 100, "0702201001"), R(2, 300, "0702201002"),
                       R(3, 310, "0702201001")};
        idl l = {0};
        ID(&l, 0, 4, DD_REFERENCE); /* record 0's own case_ref */
        ID(&l, 1, 4, DD_REFERENCE); /* record 1: referred from record 0 */
        ID(&l, 2, 4, DD_REFERENCE); /* record 2 too: the hash is "common" */
        ID(&l, 0, 6, DD_ACCOUNT);
        ID(&l, 1, 7, DD_ACCOUNT);
        dd_result res = link(ctx, r, 3, &l, &o);
        CHECK_EQ_INT(res.n_incidents, 1);
        CHECK_EQ_INT(res.n_links, 3);
        CHECK_EQ_INT(res.links[0].rule, DD_RULE_REFERENCE);
        CHECK_EQ_INT(res.links[0].kinds, 1u << DD_REFERENCE);
        CHECK_EQ_INT(res.links[0].gap_days, 200);
        CHECK_EQ_INT(res.links[0].place, DD_NEIGHBOUR);
        CHECK(strcmp(dd_rule_names[res.links[0].rule], "reference") == 0);
        CHECK(strcmp(dd_kind_names[DD_REFERENCE], "reference") == 0);
        dd_result_free(ctx, &res);
        /* a reference window of 199 days keeps 0 apart from 1 and 2 */
        o.ref_window_days = 199;
        res = link(ctx, r, 3, &l, &o);
        CHECK_EQ_INT(res.n_incidents, 2);
        CHECK_EQ_INT(res.incident[0], 1);
        CHECK_EQ_INT(res.incident[2], 2);
        dd_result_free(ctx, &res);
        /* a reference window shorter than the window: the window serves */
        o.ref_window_days = 5;
        res = link(ctx, r, 3, &l, &o);
        CHECK_EQ_INT(res.n_links, 1); /* 1-2: 10 days */
        dd_result_free(ctx, &res);
        o.ref_window_days = 365;
        /* another province (a mistyped reference naming a case elsewhere) */
        r[1] = R(2, 300, "0803701001");
        res = link(ctx, r, 3, &l, &o);
        CHECK_EQ_INT(res.n_links, 1); /* 0-2 only */
        CHECK_EQ_INT(res.incident[1], 2);
        dd_result_free(ctx, &res);
        o.max_shared = 10;
    }
    /* transitivity: a-b by account, b-c by device; a and c share nothing */
    {
        dd_rec r[4] = {R(40, 100, "0702201001"), R(20, 120, "0702201001"),
                       R(30, 170, "0702201001"), R(10, 100, "0702201001")};
        idl l = {0};
        ID(&l, 0, 1, DD_ACCOUNT);
        ID(&l, 1, 1, DD_ACCOUNT);
        ID(&l, 1, 2, DD_DEVICE);
        ID(&l, 2, 2, DD_DEVICE);
        dd_result res = link(ctx, r, 4, &l, &o);
        CHECK_EQ_INT(res.n_incidents, 2);
        CHECK_EQ_INT(res.incident[0], 20);
        CHECK_EQ_INT(res.incident[1], 20);
        CHECK_EQ_INT(res.incident[2], 20);
        CHECK_EQ_INT(res.incident[3], 10); /* no identifier: alone */
        CHECK_EQ_INT(res.n_links, 2);
        dd_result_free(ctx, &res);
    }
    tw_ctx_free(ctx);
}

static void test_place(void)
{
    tw_ctx *ctx = tw_ctx_new();
    dd_opts o;
    dd_opts_default(&o);
    dd_rec a = R(1, 0, NULL), b = R(2, 0, NULL);
    /* points: 0.1 degree of latitude is 11.1 km */
    a.lon = b.lon = 124;
    a.lat = 10;
    b.lat = 10.1;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_FAR); /* 11.1 > 0 + 0 + 5 */
    a.radius_km = 6.2;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_NEAR); /* 11.1 <= 6.2 + 5 */
    a.radius_km = 6.0;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_FAR);
    /* municipality codes of one province: neighbours; of two: far */
    a = R(1, 0, "0702201000");
    b = R(2, 0, "0702202000");
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_NEIGHBOUR);
    b = R(2, 0, "0703001000");
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_FAR);
    /* a province code and a barangay inside it: same */
    a = R(1, 0, "0702200000");
    b = R(2, 0, "0702299001");
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_SAME);
    /* areas with adjacency: 0-1 neighbours, 2 apart; codes are ignored */
    size_t rowptr[4] = {0, 1, 2, 2};
    int32_t col[2] = {1, 0};
    tw_weights *w = NULL;
    CHECK_EQ_INT(tw_weights_from_lists(ctx, 3, rowptr, col, NULL, &w), TW_OK);
    o.adj = w;
    a = R(1, 0, "0702201001");
    b = R(2, 0, "0702201002");
    a.area = 0;
    b.area = 1;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_NEIGHBOUR);
    b.area = 2;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_FAR);
    b.area = 0;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_SAME);
    /* one record known only at municipality level: PSGC digits decide */
    b = R(2, 0, "0702201000");
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_SAME);
    /* a different municipality, both circles known and apart: far */
    b = R(2, 0, "0702202000");
    a.lon = 124;
    a.lat = 10;
    b.lon = 125;
    b.lat = 10;
    b.radius_km = 20;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_FAR);
    b.radius_km = 120;
    CHECK_EQ_INT(dd_place_of(&a, &b, &o), DD_NEAR);
    tw_weights_free(w);
    tw_ctx_free(ctx);
}

/* ---- O(n^2) reference: every pair judged with the documented rules ---- */

typedef struct refin {
    dd_rec r[64];
    size_t n;
    idl l;
} refin;

static void reference(const refin *in, const dd_opts *o, int64_t *incident, size_t *n_links)
{
    size_t n = in->n;
    size_t count[64] = {0}; /* records per hash */
    for (uint32_t h = 0; h < 64; h++) {
        for (size_t r = 0; r < n; r++) {
            int has = 0;
            for (size_t k = 0; k < in->l.n; k++)
                has |= in->l.rec[k] == r && in->l.hash[k] == h;
            count[h] += (size_t)has;
        }
    }
    int label[64];
    for (size_t r = 0; r < n; r++)
        label[r] = (int)r;
    *n_links = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            unsigned kinds = 0, strong = 0, acct_i = 0, acct_j = 0;
            for (size_t p = 0; p < in->l.n; p++) {
                if (in->l.rec[p] == i && in->l.kind[p] == DD_ACCOUNT)
                    acct_i = 1;
                if (in->l.rec[p] == j && in->l.kind[p] == DD_ACCOUNT)
                    acct_j = 1;
            }
            for (uint32_t h = 0; h < 64; h++) {
                unsigned ki = 0, kj = 0;
                for (size_t p = 0; p < in->l.n; p++) {
                    if (in->l.hash[p] != h)
                        continue;
                    if (in->l.rec[p] == i)
                        ki |= 1u << in->l.kind[p];
                    if (in->l.rec[p] == j)
                        kj |= 1u << in->l.kind[p];
                }
                if (ki && kj) {
                    kinds |= ki | kj;
                    if (count[h] <= o->max_shared)
                        strong |= ki | kj;
                }
            }
            if (!kinds)
                continue;
            int32_t gap = abs(in->r[i].day - in->r[j].day);
            dd_place pl = dd_place_of(&in->r[i], &in->r[j], o);
            int nk = 0;
            for (int k = 0; k < DD_NKINDS; k++)
                nk += (kinds >> k) & 1;
            int conflict = acct_i && acct_j && !(kinds & (1u << DD_ACCOUNT));
            if (kinds & (1u << DD_REFERENCE)) {
                int32_t rw = o->ref_window_days > o->window_days ? o->ref_window_days
                                                                 : o->window_days;
                if (gap > rw || pl == DD_FAR)
                    continue;
            } else {
                if (gap > o->window_days || pl == DD_FAR || conflict)
                    continue;
                if (!(strong || nk >= 2 || pl == DD_SAME))
                    continue;
            }
            (*n_links)++;
            int from = label[j], to = label[i]; /* relabel: slow, obviously right */
            for (size_t r = 0; r < n; r++)
                if (label[r] == from)
                    label[r] = to;
        }
    }
    for (size_t r = 0; r < n; r++) {
        int64_t m = INT64_MAX;
        for (size_t q = 0; q < n; q++)
            if (label[q] == label[r] && in->r[q].id < m)
                m = in->r[q].id;
        incident[r] = m;
    }
}

static const char *const codes[] = {"0702201001", "0702201002", "0702201000", "0702202001",
                                    "0702202002", "0803701001", "0702200000"};

static void random_input(rng *g, refin *in)
{
    in->n = 2 + rng_below(g, 40);
    in->l.n = 0;
    for (size_t r = 0; r < in->n; r++) {
        in->r[r] = R((int64_t)(1000 - 7 * r), (int32_t)rng_below(g, 200),
                     rng_below(g, 5) ? codes[rng_below(g, 7)] : NULL);
        if (!in->r[r].code[0] || rng_below(g, 4) == 0) {
            in->r[r].lon = 123.8 + 0.3 * rng_uniform(g);
            in->r[r].lat = 10.2 + 0.3 * rng_uniform(g);
            in->r[r].radius_km = rng_below(g, 2) ? 0 : 10 * rng_uniform(g);
        }
        int m = (int)rng_below(g, 4);
        for (int k = 0; k < m && in->l.n < 64; k++)
            ID(&in->l, (uint32_t)r, (uint32_t)rng_below(g, 12), (int)rng_below(g, 4));
        /* case references: hashes of their own (12..15), as in the store */
        if (rng_below(g, 5) == 0 && in->l.n < 64)
            ID(&in->l, (uint32_t)r, 12 + (uint32_t)rng_below(g, 4), DD_REFERENCE);
    }
}

static void test_reference(void)
{
    tw_ctx *ctx = tw_ctx_new();
    rng g;
    rng_init(&g, 42, 0);
    int mismatches = 0;
    size_t total_links = 0, multi = 0;
    for (int t = 0; t < 500; t++) {
        refin in;
        random_input(&g, &in);
        dd_opts o;
        dd_opts_default(&o);
        o.window_days = (int32_t)rng_below(&g, 80);
        o.ref_window_days = (int32_t)rng_below(&g, 200);
        o.max_shared = 1 + rng_below(&g, 6);
        int64_t ref[64];
        size_t ref_links;
        reference(&in, &o, ref, &ref_links);
        dd_result res = link(ctx, in.r, in.n, &in.l, &o);
        for (size_t r = 0; r < in.n; r++)
            mismatches += res.incident[r] != ref[r];
        mismatches += res.n_links != ref_links;
        total_links += res.n_links;
        multi += res.n_incidents < in.n;
        dd_result_free(ctx, &res);
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(total_links > 500); /* the inputs exercise the rules */
    CHECK(multi > 100);
    tw_ctx_free(ctx);
}

/* Shuffling the records (ids travel with them) changes no incident. */
static void test_order(void)
{
    tw_ctx *ctx = tw_ctx_new();
    rng g;
    rng_init(&g, 7, 0);
    for (int t = 0; t < 100; t++) {
        refin in, sh;
        random_input(&g, &in);
        dd_opts o;
        dd_opts_default(&o);
        uint32_t perm[64];
        for (uint32_t r = 0; r < in.n; r++)
            perm[r] = r;
        for (size_t r = in.n - 1; r > 0; r--) {
            size_t q = rng_below(&g, r + 1);
            uint32_t x = perm[r];
            perm[r] = perm[q];
            perm[q] = x;
        }
        sh = in;
        for (size_t r = 0; r < in.n; r++)
            sh.r[perm[r]] = in.r[r];
        for (size_t k = 0; k < in.l.n; k++)
            sh.l.rec[k] = perm[in.l.rec[k]];
        dd_result a = link(ctx, in.r, in.n, &in.l, &o);
        dd_result b = link(ctx, sh.r, sh.n, &sh.l, &o);
        for (size_t r = 0; r < in.n; r++)
            CHECK_EQ_INT(a.incident[r], b.incident[perm[r]]);
        CHECK_EQ_INT(a.n_links, b.n_links);
        dd_result_free(ctx, &a);
        dd_result_free(ctx, &b);
    }
    tw_ctx_free(ctx);
}

static void test_union_find(void)
{
    tw_ctx *ctx = tw_ctx_new();
    rng g;
    rng_init(&g, 3, 0);
    enum { N = 300 };
    dd_uf u;
    CHECK_EQ_INT(dd_uf_init(ctx, &u, N), TW_OK);
    int label[N];
    for (int i = 0; i < N; i++)
        label[i] = i;
    int sets = N;
    for (int t = 0; t < 400; t++) {
        uint32_t x = (uint32_t)rng_below(&g, N), y = (uint32_t)rng_below(&g, N);
        int was_apart = label[x] != label[y];
        CHECK_EQ_INT(dd_uf_union(&u, x, y), was_apart);
        if (was_apart) {
            int from = label[y];
            for (int i = 0; i < N; i++)
                if (label[i] == from)
                    label[i] = label[x];
            sets--;
        }
    }
    int roots = 0, max_rank = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t r = dd_uf_find(&u, i);
        CHECK_EQ_INT(dd_uf_find(&u, r), r); /* a root is its own root */
        roots += r == i;
        if (u.rank[i] > max_rank)
            max_rank = u.rank[i];
        for (uint32_t j = 0; j < i; j += 7)
            CHECK_EQ_INT(dd_uf_find(&u, i) == dd_uf_find(&u, j), label[i] == label[j]);
    }
    CHECK_EQ_INT(roots, sets);
    CHECK(max_rank <= 9); /* union by rank: rank <= log2(n) */
    dd_uf_free(ctx, &u);
    tw_ctx_free(ctx);
}

static void test_allocation_failures(void)
{
    rng g;
    rng_init(&g, 9, 0);
    refin in;
    do
        random_input(&g, &in);
    while (in.l.n < 20);
    dd_opts o;
    dd_opts_default(&o);
    o.window_days = 200;
    int failed = 0;
    for (long k = 0; k < 40; k++) {
        harness_falloc fa = {k, 0};
        tw_allocator al = harness_falloc_allocator(&fa);
        tw_ctx *ctx = tw_ctx_new();
        CHECK_EQ_INT(tw_ctx_set_allocator(ctx, &al), TW_OK);
        dd_result res;
        tw_status s = dd_link_records(ctx, in.r, in.n, in.l.rec, in.l.hash, in.l.kind, in.l.n,
                                      &o, &res);
        if (s == TW_OK)
            dd_result_free(ctx, &res);
        else {
            CHECK_EQ_INT(s, TW_E_NOMEM);
            failed++;
        }
        tw_ctx_free(ctx);
        CHECK_EQ_INT(fa.live, 0);
    }
    CHECK(failed >= 5);
}

int main(void)
{
    RUN(test_rules);
    RUN(test_place);
    RUN(test_reference);
    RUN(test_order);
    RUN(test_union_find);
    RUN(test_allocation_failures);
    return harness_finish();
}
