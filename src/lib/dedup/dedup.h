/*
 * dedup.h: linking the records of one incident referred by several
 * agencies (docs/dedup.md). The pure core: no SQL, no I/O. The store
 * (src/lib/store/incidents.c) loads records and identifier hashes, calls
 * dd_link and writes the incidents and links back. Not public.
 */
#ifndef TW_DEDUP_H
#define TW_DEDUP_H

#include "core/core.h"

#include <stdint.h>

/* Identifier kinds, in the store's order (store_internal.h ID_*). */
enum {
    DD_ACCOUNT, DD_PAYMENT, DD_DEVICE, DD_IP, DD_PHONE, DD_EMAIL, DD_HANDLE,
    DD_REFERENCE, /* a case reference: a record's own case_ref and the
                     referred_from of the records that name it */
    DD_NKINDS
};
extern const char *const dd_kind_names[DD_NKINDS]; /* "account", ... */

/* How two records' places relate, best first. */
typedef enum dd_place {
    DD_SAME = 0,   /* same area at the coarser of the two levels */
    DD_NEIGHBOUR,  /* adjacent areas (geography) or same parent (PSGC) */
    DD_NEAR,       /* circles of uncertainty overlap (points, coarse units) */
    DD_UNKNOWN,    /* cannot be compared (a point and a code, no geography) */
    DD_FAR         /* known to be apart */
} dd_place;
extern const char *const dd_place_names[5]; /* "same", "neighbour", ... */

/* The rule that accepted a link. */
typedef enum dd_rule {
    DD_RULE_NONE = 0,
    DD_RULE_STRONG,     /* an identifier shared by at most max_shared records */
    DD_RULE_TWO_KINDS,  /* two kinds of identifier shared, even common ones */
    DD_RULE_SAME_AREA,  /* one common identifier, and the same area */
    DD_RULE_REFERENCE   /* one names the other's case (or both the same case) */
} dd_rule;
#define DD_NRULES 5
/* "", "strong", "two-kinds", "same-area", "reference" */
extern const char *const dd_rule_names[DD_NRULES];

typedef struct dd_rec {
    int64_t id;       /* record id; an incident's id is its smallest */
    int32_t day;      /* incident day when the source gave one, else report day */
    char code[TW_PSGC_LEN + 1]; /* PSGC code of the record's place, "" when none */
    int32_t area;     /* analysis area holding it (geography given and record
                         known at its level), else -1 */
    double lon, lat;  /* centre of the place's circle; NAN when none */
    double radius_km; /* radius of that circle (0: exact point) */
} dd_rec;

typedef struct dd_opts {
    int32_t window_days;    /* largest day gap of a link (default 90) */
    int32_t ref_window_days; /* ... of a link through a case reference (365) */
    size_t max_shared;      /* an identifier on more records is common (default 10) */
    double slack_km;        /* added to the circles' radii (default 5) */
    const tw_weights *adj;  /* adjacency of the areas (dd_rec.area); NULL: PSGC */
} dd_opts;

/* Defaults: window 90 days, reference window 365, max_shared 10, slack 5
   km, no adjacency. */
void dd_opts_default(dd_opts *o);

/* One accepted link, with its explanation. */
typedef struct dd_link {
    uint32_t a, b;      /* record indices, a < b */
    uint8_t kinds;      /* bit k: an identifier of kind k shared */
    uint8_t common;     /* bit k: every shared identifier of kind k is common */
    uint8_t place;      /* dd_place */
    uint8_t rule;       /* dd_rule */
    int32_t gap_days;
} dd_link;

typedef struct dd_result {
    int64_t *incident;  /* n: incident id (smallest record id of the group) */
    dd_link *links;
    size_t n_links;
    size_t n_incidents;
} dd_result;

/*
 * Link n records. Identifiers: n_ids triples (rec index, hash id, kind),
 * hash ids being small integers, equal for equal hashes (any order,
 * repeats allowed). Candidate pairs come only from shared hash ids, never
 * from all pairs. Result arrays come from ctx; free with dd_result_free.
 */
tw_status dd_link_records(tw_ctx *ctx, const dd_rec *rec, size_t n, const uint32_t *id_rec,
                          const uint32_t *id_hash, const uint8_t *id_kind, size_t n_ids,
                          const dd_opts *opts, dd_result *out);
void dd_result_free(tw_ctx *ctx, dd_result *r);

/* Points with an uncertainty radius up to this (metres) are located in
   the areas; coarser points are compared as circles. */
#define DD_EXACT_M 100.0

/*
 * Fill area and the circle (lon, lat, radius_km) of n records from their
 * code and point (lon/lat NAN when none; radius_m[r] NAN or 0 for an exact
 * point; radius_m may be NULL). a and loc may be NULL (no geography): a
 * record then keeps its code and, for a point, the point's circle. place.c.
 */
tw_status dd_place_records(tw_ctx *ctx, const tw_areas *a, const tw_locator *loc, dd_rec *rec,
                           size_t n, const double *radius_m);

/* The place relation of two records (exposed for the tests). */
dd_place dd_place_of(const dd_rec *a, const dd_rec *b, const dd_opts *opts);

/* Union-find with path compression and union by rank. */
typedef struct dd_uf {
    uint32_t *parent;
    uint8_t *rank;
    size_t n;
} dd_uf;
tw_status dd_uf_init(tw_ctx *ctx, dd_uf *u, size_t n);
uint32_t dd_uf_find(dd_uf *u, uint32_t x);
/* 1 when x and y were in different sets. */
int dd_uf_union(dd_uf *u, uint32_t x, uint32_t y);
void dd_uf_free(tw_ctx *ctx, dd_uf *u);

#endif
