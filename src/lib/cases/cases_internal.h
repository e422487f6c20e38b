/*
 * cases_internal.h: the layout of tw_cases, shared by the files of the
 * cases module (reading in cases.c, aggregation in aggregate.c), and the
 * field checks of fields.c, shared with the store's ingest. Records
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

/* ---- field checks (fields.c), shared with store/ingest.c ------------ */

#define CASES_CASE_ID_MAX 64 /* case_id (and area_id) characters */
#define CASES_SOURCE_MAX 32  /* source characters */

/* Strip leading and trailing blanks and tabs. */
void cases_trim(const char **s, size_t *len);
/* 1 when every byte is a letter, a digit or in extra. */
int cases_charset_ok(const char *s, size_t len, const char *extra);
/* "<what>, got \"<at most 40 bytes of s>\"" into out. */
void cases_reason_value(char *out, size_t cap, const char *what, const char *s, size_t len);

/* (cases.c) One line of a rejects file into rej (path, line, field, reason, then the
   row's recognised columns, those whose index is in col[0..ncol), in file
   order, the column withheld (-1: none) as "(withheld)"), built in the
   scratch buffer b. Shared by the cases reader and the store's ingest so
   that both write the same format. */
struct csv_reader;
tw_status cases_write_reject(tw_ctx *ctx, FILE *rej, const char *rej_path, dbuf *b,
                             const struct csv_reader *csv, const char *path, long line,
                             const char *field, const char *reason, const long *col,
                             int ncol, long withheld);

/* (cases.c) Read the header line of csv (path for messages): TW_E_PARSE
   "empty file" when there is none; *nfields = its field count. */
tw_status cases_header_line(tw_ctx *ctx, struct csv_reader *csv, const char *path,
                            size_t *nfields);
/* (cases.c) A header read as one column holding ';', a tab or '|' (a file
   saved with another separator): TW_E_PARSE saying so; else TW_OK. Both
   record readers (cases.c, the store's ingest) use it. */
tw_status cases_check_delimiter(tw_ctx *ctx, struct csv_reader *csv, const char *path);
/* (cases.c) Create the rejects file at path with its header line. */
tw_status cases_open_rejects(tw_ctx *ctx, const char *path, FILE **out);

/* (cases.c) The case_ids of one file, to refuse a repeated one: shared by
   the cases reader and the store's ingest. */
typedef struct cases_idset {
    tw_ctx *ctx;
    dbuf ids; /* the ids, NUL-separated */
    struct cases_idslot {
        uint64_t hash;
        size_t off; /* SIZE_MAX: empty */
        long line;
    } *slot;
    size_t nslot, n;
} cases_idset;
void cases_idset_init(cases_idset *s, tw_ctx *ctx);
void cases_idset_free(cases_idset *s);
/* 1 when id (at line) is new; 0 when the file had it before (*field =
   "case_id", why says the first line); -1 when memory ran out. */
int cases_check_unique_id(cases_idset *s, const char *id, size_t len, long line,
                          const char **field, char *why, size_t cap);

/*
 * The checks of the record fields, in the order the readers apply them.
 * Each takes the trimmed text of a field (s, len), sets *field to the name
 * to report and returns 1 with the parsed value, or 0 with the reason in
 * why (cap bytes). Messages are part of the rejects format: keep them.
 */
/* The row's field count against the header's (field ""). */
int cases_check_nfields(size_t got, size_t want, const char **field, char *why, size_t cap);
/* case_id: present, 1-64 of A-Z a-z 0-9 _ . : -, not a mobile number
   (then *mask = 1: the rejected row must not repeat the value). */
int cases_check_case_id(const char *s, size_t len, int *mask, const char **field, char *why,
                        size_t cap);
/* A non-empty date YYYY-MM-DD from 1990-01-01 to max_day into *day (no
   field name: the caller's). */
int cases_check_day(const char *s, size_t len, int32_t max_day, int32_t *day, char *why,
                    size_t cap);
/* report_date; when empty and not required, *day = CASES_NO_DAY. */
int cases_check_report_date(const char *s, size_t len, int required, int32_t max_day,
                            int32_t *day, const char **field, char *why, size_t cap);
/* source: 1-32 of A-Z a-z 0-9 _ . - (may be empty when not required). */
int cases_check_source(const char *s, size_t len, int required, const char **field, char *why,
                       size_t cap);
/* lon and lat: both or neither (then NaN), in degrees within range. */
int cases_check_coords(const char *slon, size_t llon, const char *slat, size_t llat,
                       double *lon, double *lat, const char **field, char *why, size_t cap);
/* uncertainty_m in metres, only with coordinates; NaN when not given. */
int cases_check_uncertainty(const char *s, size_t len, int have_coords, double *radius_m,
                            const char **field, char *why, size_t cap);
/* psgc normalised to 10 digits into code; "" when not given. */
int cases_check_psgc(const char *s, size_t len, char code[TW_PSGC_LEN + 1], const char **field,
                     char *why, size_t cap);
/* A record needs coordinates or a psgc code (field "psgc"). */
int cases_check_place(int has_coords, int has_psgc, const char **field, char *why, size_t cap);
/* A count (children, count) in [0, 1e9], reported under name. */
int cases_check_count(const char *name, const char *s, size_t len, int64_t *v,
                      const char **field, char *why, size_t cap);
/* psgc_version: at most 31 of A-Z a-z 0-9 _ . - (may be empty). */
int cases_check_version(const char *s, size_t len, const char **field, char *why, size_t cap);
/* category: one of cases_category_names (any case); -1 when empty. */
int cases_check_category(const char *s, size_t len, int *category, const char **field,
                         char *why, size_t cap);

#endif
