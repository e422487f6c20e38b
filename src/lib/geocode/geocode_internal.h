/*
 * geocode_internal.h: what the files of the geocode module share: the
 * address normaliser (normalise.c), the gazetteer's layout (gazetteer.c)
 * and the labelled evaluation set (evalset.c). Not part of the public API;
 * tests that use it are named *_internal or read the real data.
 */
#ifndef TW_GEOCODE_INTERNAL_H
#define TW_GEOCODE_INTERNAL_H

#include "core/core.h"

#include <stdint.h>

/* ---- normalisation ---------------------------------------------------- */

#define GZ_MAX_TOKENS 256
#define GZ_MAX_PARTS 32
#define GZ_TOKBUF (TW_GEOCODE_MAX_ADDRESS * 3 + 64)

/* An address cut into normalised tokens, each tagged with its comma part. */
typedef struct gz_tokens {
    char buf[GZ_TOKBUF];             /* tokens, NUL-separated */
    uint16_t off[GZ_MAX_TOKENS];     /* start of token i in buf */
    uint8_t len[GZ_MAX_TOKENS];      /* its length */
    uint8_t part[GZ_MAX_TOKENS];     /* comma part it came from */
    size_t n;                        /* tokens */
    size_t nparts;                   /* parts (numbered 0..nparts-1, may be empty) */
} gz_tokens;

/*
 * Cut s into normalised tokens. split_parts: commas, semicolons and line
 * breaks start a new part (else they are blanks). Returns TW_OK,
 * TW_E_PARSE (invalid UTF-8 at byte *bad) or TW_E_DOMAIN (too long or too
 * many tokens). Allocation-free.
 */
tw_status gz_tokenise(const char *s, size_t len, int split_parts, gz_tokens *t,
                      size_t *bad);

/* Key namespaces: municipality keys drop the words "city" and "of". */
enum { GZ_NS_GEN = 'g', GZ_NS_MUN = 'm' };

/*
 * Write the lookup key of tokens [lo, hi) of t into key (cap bytes,
 * NUL-terminated): namespace byte then the tokens without blanks. The word
 * "province" is left out of every key and sets bit 2 of *has_city, the word
 * "barangay" likewise sets bit 4; in
 * GZ_NS_MUN "city" and "of" are left out and "city" sets bit 1. Returns
 * the key length, 0 when nothing is left or it does not fit.
 */
size_t gz_key(const gz_tokens *t, size_t lo, size_t hi, int ns, char *key, size_t cap,
              int *has_city);

static inline int gz_popcount32(uint32_t v)
{
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    return (int)((((v + (v >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24);
}

/* 26-bit mask of the letters and one bit for digits in s (fuzzy prefilter). */
uint32_t gz_letter_mask(const char *s, size_t n);

/*
 * Optimal string alignment distance between a and b, or maxd + 1 as soon
 * as it must exceed maxd. O(len * (2 maxd + 1)).
 */
int gz_osa_bounded(const char *a, size_t la, const char *b, size_t lb, int maxd);
/* The same by the banded dynamic programme (the reference of the tests;
   gz_osa_bounded uses a bit-parallel method up to 64 characters). */
int gz_osa_dp(const char *a, size_t la, const char *b, size_t lb, int maxd);

/* 1 when the first-letter filter of the rewrites agrees with their table. */
int gz_rewrite_filter_ok(void);

/* ---- the gazetteer ------------------------------------------------------ */

/* PSA's geographic levels, kept apart where the public tw_level merges them. */
enum gz_kind { GZ_REG = 1, GZ_PROV, GZ_DIST, GZ_PROVLIKE, GZ_CITY, GZ_MUN, GZ_SGU,
               GZ_SUBMUN, GZ_BGY };

/* How a key names its unit; the factor is in match.c. */
enum gz_keykind { GZ_K_NAME = 0, GZ_K_ALT = 1, GZ_K_OLD = 2, GZ_K_POB = 3 };

typedef struct gz_node {
    char code[TW_PSGC_LEN + 1];
    char corr[10];          /* correspondence code, "" when none */
    uint8_t kind;           /* enum gz_kind */
    uint8_t level;          /* tw_level */
    uint8_t is_city;        /* City rows (HUC, ICC, CC) */
    uint8_t is_pob;         /* barangay with Status "Pob." */
    int32_t parent;         /* next coarser node or -1 */
    uint32_t name;          /* display name: offset in strs */
    uint32_t old;           /* old names as printed: offset in strs */
    uint32_t child_lo, child_hi; /* children in child[] */
    uint32_t fz_lo, fz_hi;  /* this node's keys in fz[] */
    long line;              /* line in the source file */
    double pop2020;         /* 2020 census as printed, -1 when empty */
} gz_node;

/* Hash slot: one distinct key, its postings in post[lo .. lo + n). */
typedef struct gz_slot {
    uint64_t hash;
    uint32_t key, klen;
    uint32_t lo, n;
} gz_slot;

/* A key of one node, for fuzzy comparison. */
typedef struct gz_fz {
    uint32_t key, klen; /* in keys (namespace byte excluded) */
    uint32_t mask;
    int32_t node;
    uint8_t kind, ns;
} gz_fz;

/*
 * Deletion neighbourhood (Garbe's SymSpell idea): every string obtained by
 * deleting up to two characters from an administrative key, hashed with
 * its namespace byte, points at the key. Two strings within edit distance
 * d share such a variant with at most d deletions on each side, so a
 * query only looks up its own variants instead of scanning every key.
 */
typedef struct gz_del {
    uint64_t hash;
    uint32_t z; /* index in fz */
} gz_del;

/* Call fn(ud, hash) for ns + every variant of s with up to maxd deletions
   (maxd 2 only for strings of at most GZ_DEL2_MAX characters). */
#define GZ_DEL2_MAX 24
void gz_deletions(int ns, const char *s, size_t n, int maxd,
                  void (*fn)(void *ud, uint64_t hash), void *ud);

struct tw_gazetteer {
    tw_ctx *ctx;
    gz_node *nodes;
    size_t n;
    char *strs;          /* display names, NUL-terminated */
    size_t strs_len;
    char *keys;          /* lookup keys with namespace byte, NUL-terminated */
    size_t keys_len;
    uint32_t *child;
    gz_slot *slots;
    size_t nslots;       /* power of two */
    uint32_t *post;      /* node << 2 | keykind */
    size_t npost;
    gz_fz *fz;
    size_t nfz;
    int32_t *admin;      /* non-barangay nodes */
    size_t nadmin;
    gz_del *del;         /* deletion index of non-barangay keys, sorted by hash */
    size_t ndel;
    int32_t (*anc)[4];   /* per node: parent, grandparent, ... (-1 after the root),
                            dense so that readings touch one cache line per anchor */
    uint8_t *lvl;        /* per node: tw_level, dense */
    uint32_t *dbucket;   /* del[dbucket[h >> 48] .. dbucket[(h >> 48) + 1]) share top bits */
    uint64_t *key_bits;  /* GZ_BITS-bit filter of the hashes of every key in slots */
    uint64_t *del_bits;  /* the same for the deletion variants in del */
    gz_fz *bfz;          /* per municipality-level node: the keys of its barangays
                            (through sub-municipalities), contiguous, in child order */
    size_t nbfz;
    uint64_t *bpre;      /* per bfz entry, packed for the scan's prefilter: letter mask
                            (bits 0-31), key length (32-39, at most 255), MUN namespace (40) */
    uint32_t *bfz_lo;    /* per node: its barangays' keys are bfz[bfz_lo[i] .. bfz_lo[i + 1]) */
    size_t count[6];     /* per tw_level */
};

uint64_t gz_hash(const char *s, size_t n);

/*
 * Presence filters (one-hash Bloom filters of 2^20 bits, 128 KB each, so
 * that they stay in cache): a clear bit means the hash is not in the
 * table, and the lookup is skipped. Most keys and deletion variants that an
 * address produces are in no table; without the filter each costs several
 * cache misses (probes, binary search). No false negatives: results are
 * the same.
 */
#define GZ_BITS_LOG 20
static inline uint64_t gz_bit_of(uint64_t h)
{
    return (h * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - GZ_BITS_LOG);
}
static inline int gz_bit_test(const uint64_t *bits, uint64_t h)
{
    uint64_t k = gz_bit_of(h);
    return (int)(bits[k >> 6] >> (k & 63) & 1);
}
/* Postings of a key (with namespace byte), or NULL and *n = 0. */
const uint32_t *gz_lookup(const tw_gazetteer *g, const char *key, size_t klen, size_t *n);
/* Index of a code, or -1. */
long gz_find(const tw_gazetteer *g, const char *code);

/* ---- evaluation set ----------------------------------------------------- */

/* A written address with the barangay it stands for. */
typedef struct gz_labelled {
    char address[TW_GEOCODE_MAX_ADDRESS];
    char truth[TW_PSGC_LEN + 1];
    int perturbed;      /* 0: clean; else the gz_perturb bits applied */
} gz_labelled;

enum gz_perturb {
    GZ_P_TYPO_BGY = 1, GZ_P_TYPO_MUN = 2, GZ_P_ABBREV = 4, GZ_P_NO_PROVINCE = 8,
    GZ_P_SWAP = 16, GZ_P_OLD_NAME = 32, GZ_P_CASE = 64, GZ_P_NO_COMMAS = 128
};

/*
 * n labelled addresses from the gazetteer's barangays, drawn with seed:
 * clean ("Barangay, Municipality, Province" as PSA names them) when
 * perturb == 0, else each with one to three perturbations of the kind
 * people write. Deterministic for a seed. Caller frees *out with ctx_free.
 */
tw_status gz_evalset_make(tw_ctx *ctx, const tw_gazetteer *g, uint64_t seed, size_t n,
                          int perturb, gz_labelled **out);

/* Scores of the geocoder on a labelled set (see docs/geocode.md). */
typedef struct gz_eval {
    size_t n;
    size_t by_outcome[5];     /* addresses per outcome */
    size_t right_by_outcome[5]; /* of those, right: EXACT/FUZZY: the true barangay;
                                   AMBIGUOUS: truth among the candidates;
                                   COARSER: an ancestor of the truth */
    size_t resolved_right;    /* EXACT or FUZZY on the true barangay */
    size_t wrong;             /* EXACT or FUZZY on another barangay */
} gz_eval;

tw_status gz_evaluate(tw_ctx *ctx, const tw_gazetteer *g, const gz_labelled *set, size_t n,
                      gz_eval *ev);

#endif
