/*
 * cases_internal.h: the layout of tw_cases, shared by the files of the
 * cases module (reading in cases.c, aggregation in aggregate.c). Records
 * are kept compact and without the case_id: aggregation never needs it and
 * a pseudonymous id is still an identifier we would rather not hold.
 */
#ifndef TW_CASES_INTERNAL_H
#define TW_CASES_INTERNAL_H

#include "core/core.h"

#define CASES_NO_DAY INT32_MIN  /* record without report_date (aggregated form) */
#define CASES_CODE_NONE 0
#define CASES_CODE_PSGC 1       /* code holds 10 normalised digits */
#define CASES_CODE_ID 2         /* id_str is a non-PSGC area id (aggregated form) */

/* Categories of docs/cases.md, in this order; -1 = none given. */
#define CASES_N_CATEGORIES 7
extern const char *const cases_category_names[CASES_N_CATEGORIES];
/* Index of a category name (case-insensitive), or -1. */
int cases_category_find(const char *s, size_t len);

typedef struct case_rec {
    double lon, lat;   /* NaN when the record has no coordinates */
    double weight;     /* 1 for a record, the count for an aggregated row */
    double children;   /* children involved (default 1; aggregated: count) */
    int32_t day;       /* days since 1970-01-01, or CASES_NO_DAY */
    int32_t source;    /* index in strs, or -1 */
    int32_t id_str;    /* CASES_CODE_ID: index in strs of the area id */
    int8_t category;   /* index in cases_category_names, or -1 */
    uint8_t code_kind; /* CASES_CODE_* */
    char code[TW_PSGC_LEN + 1];
    /* Zero means "not given" for both, so a zeroed record is valid. */
    uint8_t has_radius; /* 1: radius_m holds the source's uncertainty radius */
    double radius_m;    /* uncertainty_m of the coordinates (metres, >= 0) */
    int32_t version;    /* 1 + index in strs of psgc_version, 0 = none */
} case_rec;

/* Interned strings (sources and non-PSGC area ids): few and repeated. */
typedef struct strpool {
    char **s;
    size_t n, cap;
    int32_t *slot;     /* open addressing: index into s, -1 empty */
    size_t nslot;      /* power of two */
} strpool;

struct tw_cases {
    tw_ctx *ctx;
    case_rec *rec;
    size_t n, cap;
    strpool strs;
};

/* Index of s in the pool, adding it when absent (-1 on no memory). */
int32_t strpool_intern(tw_ctx *ctx, strpool *p, const char *s, size_t len);

/*
 * Append a validated record to *inout (created with ctx when NULL), with
 * its source and psgc_version given as text (interned; NULL or "" =
 * none). rec->source and rec->version are ignored. On failure *inout
 * keeps its records (records.c).
 */
tw_status cases_append(tw_ctx *ctx, tw_cases **inout, const case_rec *rec, const char *source,
                       const char *version);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int32_t date_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
