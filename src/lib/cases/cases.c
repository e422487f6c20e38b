/*
 * cases.c: reading case records (or aggregated counts) from CSV into a
 * tw_cases, in the schema of docs/cases.md.
 *
 * Method: one streaming pass with the shared CSV reader. The header is
 * checked first, as a whole: a column that looks like personal data
 * (names, contacts, birth dates, addresses, IP addresses) refuses the whole
 * file, because Tanaw must never hold them, not even in a rejects file.
 * Then every row is validated field by field; the first bad field rejects
 * the row, which is counted and written to the rejects CSV with file, line,
 * field and reason, so nothing is dropped silently. Duplicate case_ids are
 * found with an open-addressing hash set of the ids of this read.
 *
 * Complexity: O(bytes) time; memory O(records) for the kept records
 * (about 64 bytes each, no case_id kept) plus O(ids) for the duplicate
 * check during the read.
 *
 * Limits: case_id <= 64 characters, source <= 32, psgc_version <= 31,
 * uncertainty_m <= 2e7, children and count <= 1e9; report dates from 1990-01-01 to max_day (default: today in
 * Manila). A file-level failure (I/O, malformed CSV such as a truncated
 * quoted field) leaves the tw_cases as it was before the call.
 */
#define _POSIX_C_SOURCE 200809L
#include "cases/cases_internal.h"
#include "io/csv.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WARN_ROWS 5  /* rejected rows also listed as warnings */

const char *const cases_category_names[CASES_N_CATEGORIES] = {
    "livestreaming", "csam_production", "csam_distribution", "grooming",
    "sextortion",    "trafficking",     "other"};

int cases_category_find(const char *s, size_t len)
{
    for (int i = 0; i < CASES_N_CATEGORIES; i++)
        if (strlen(cases_category_names[i]) == len &&
            strncasecmp(cases_category_names[i], s, len) == 0)
            return i;
    return -1;
}

/* ---- string pool -------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

static int pool_grow(tw_ctx *ctx, strpool *p)
{
    size_t nslot = p->nslot ? p->nslot * 2 : 64;
    int32_t *slot = ctx_mallocarray(ctx, nslot, sizeof *slot);
    if (!slot)
        return 0;
    for (size_t i = 0; i < nslot; i++)
        slot[i] = -1;
    for (size_t k = 0; k < p->n; k++) {
        size_t h = (size_t)hash_bytes(p->s[k], strlen(p->s[k])) & (nslot - 1);
        while (slot[h] >= 0)
            h = (h + 1) & (nslot - 1);
        slot[h] = (int32_t)k;
    }
    ctx_free(ctx, p->slot);
    p->slot = slot;
    p->nslot = nslot;
    return 1;
}

int32_t strpool_intern(tw_ctx *ctx, strpool *p, const char *s, size_t len)
{
    if ((p->n + 1) * 2 > p->nslot && !pool_grow(ctx, p))
        return -1;
    size_t h = (size_t)hash_bytes(s, len) & (p->nslot - 1);
    for (; p->slot[h] >= 0; h = (h + 1) & (p->nslot - 1)) {
        const char *t = p->s[p->slot[h]];
        if (strlen(t) == len && memcmp(t, s, len) == 0)
            return p->slot[h];
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **ns = ctx_realloc(ctx, p->s, cap * sizeof *ns);
        if (!ns)
            return -1;
        p->s = ns;
        p->cap = cap;
    }
    char *copy = ctx_strndup(ctx, s, len);
    if (!copy)
        return -1;
    p->s[p->n] = copy;
    p->slot[h] = (int32_t)p->n;
    return (int32_t)p->n++;
}

static void strpool_free(tw_ctx *ctx, strpool *p)
{
    for (size_t i = 0; i < p->n; i++)
        ctx_free(ctx, p->s[i]);
    ctx_free(ctx, p->s);
    ctx_free(ctx, p->slot);
}

/* ---- duplicate case_id set (one file; also the store's ingest) ----- */

void cases_idset_init(cases_idset *s, tw_ctx *ctx)
{
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    dbuf_init(&s->ids, ctx);
}

void cases_idset_free(cases_idset *s)
{
    dbuf_free(&s->ids);
    ctx_free(s->ctx, s->slot);
    s->slot = NULL;
}

static int idset_grow(cases_idset *s)
{
    size_t nslot = s->nslot ? s->nslot * 2 : 1024;
    struct cases_idslot *slot = ctx_mallocarray(s->ctx, nslot, sizeof *slot);
    if (!slot)
        return 0;
    for (size_t i = 0; i < nslot; i++)
        slot[i].off = SIZE_MAX;
    for (size_t i = 0; i < s->nslot; i++) {
        if (s->slot[i].off == SIZE_MAX)
            continue;
        size_t h = (size_t)s->slot[i].hash & (nslot - 1);
        while (slot[h].off != SIZE_MAX)
            h = (h + 1) & (nslot - 1);
        slot[h] = s->slot[i];
    }
    ctx_free(s->ctx, s->slot);
    s->slot = slot;
    s->nslot = nslot;
    return 1;
}

/* Add id; returns 1 when added, 0 when already there (*first = its line),
   -1 on no memory. */
static int idset_add(cases_idset *s, const char *id, size_t len, long line, long *first)
{
    if ((s->n + 1) * 2 > s->nslot && !idset_grow(s))
        return -1;
    uint64_t hv = hash_bytes(id, len);
    size_t h = (size_t)hv & (s->nslot - 1);
    for (; s->slot[h].off != SIZE_MAX; h = (h + 1) & (s->nslot - 1)) {
        const char *t = s->ids.data + s->slot[h].off;
        if (s->slot[h].hash == hv && strlen(t) == len && memcmp(t, id, len) == 0) {
            *first = s->slot[h].line;
            return 0;
        }
    }
    size_t off = s->ids.len;
    dbuf_append(&s->ids, id, len);
    dbuf_append(&s->ids, "", 1);
    if (s->ids.failed)
        return -1;
    s->slot[h].hash = hv;
    s->slot[h].off = off;
    s->slot[h].line = line;
    s->n++;
    return 1;
}

int cases_check_unique_id(cases_idset *s, const char *id, size_t len, long line,
                          const char **field, char *why, size_t cap)
{
    long first = 0;
    int added = idset_add(s, id, len, line, &first);
    if (added == 0) {
        *field = "case_id";
        snprintf(why, cap, "duplicate case_id \"%.*s\", first at line %ld", (int)len, id, first);
    }
    return added;
}

/* ---- header --------------------------------------------------------- */

enum {
    COL_CASE_ID, COL_DATE, COL_SOURCE, COL_LON, COL_LAT, COL_PSGC, COL_AREA_ID,
    COL_CHILDREN, COL_CATEGORY, COL_COUNT, COL_UNCERTAINTY, COL_VERSION, NCOL
};
static const char *const col_names[NCOL] = {
    "case_id", "report_date", "source", "lon", "lat", "psgc", "area_id",
    "children", "category", "count", "uncertainty_m", "psgc_version"};
/* Columns each form knows (others are ignored with a warning). */
static const unsigned char col_in_records[NCOL] = {1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1};
static const unsigned char col_in_aggregated[NCOL] = {0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1};

/*
 * Why a header looks like personal data, or NULL. Matching is on the name
 * folded to lowercase letters and digits, so "Victim Name", "victim_name"
 * and "VictimName" are all caught. It errs on the side of refusing: a
 * refused file costs the sender a column deletion, an accepted one could
 * put a child's identity into outputs and rejects files.
 */
static const char *personal_reason(const char *h, size_t len)
{
    char sq[96];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof sq; i++)
        if (isalnum((unsigned char)h[i]))
            sq[n++] = (char)tolower((unsigned char)h[i]);
    sq[n] = '\0';
    /* Names of places, agencies or categories are not about a person. */
    static const char *const allowed[] = {
        "regionname", "provincename", "municipalityname", "munname", "cityname",
        "barangayname", "bgyname", "brgyname", "areaname", "placename",
        "districtname", "sourcename", "agencyname", "categoryname", "filename"};
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        if (strcmp(sq, allowed[i]) == 0)
            return NULL;
    static const struct {
        const char *part;
        const char *why;
    } parts[] = {
        {"name", "a name"},          {"alias", "an alias"},
        {"phone", "a phone number"}, {"mobile", "a phone number"},
        {"cellular", "a phone number"}, {"email", "an email address"},
        {"mail", "an email address"}, {"contact", "contact details"},
        {"birth", "a birth date"},   {"address", "an address"},
        {"street", "an address"},    {"facebook", "a social media account"},
        {"messenger", "a social media account"}, {"passport", "an identity document"},
        {"photo", "a photograph"},   {"signature", "a signature"}};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        if (strstr(sq, parts[i].part))
            return parts[i].why;
    /* Short words only as whole words ("tel", not "hotel"). */
    static const struct {
        const char *word;
        const char *why;
    } words[] = {{"dob", "a birth date"}, {"tel", "a phone number"},
                 {"ip", "an ip address"}, {"fb", "a social media account"},
                 {"ssn", "an identity number"}, {"tin", "an identity number"},
                 {"philsys", "an identity number"}, {"sss", "an identity number"}};
    size_t i = 0;
    while (i < len) {
        while (i < len && !isalnum((unsigned char)h[i]))
            i++;
        size_t j = i;
        while (j < len && isalnum((unsigned char)h[j]))
            j++;
        for (size_t k = 0; j > i && k < sizeof words / sizeof *words; k++)
            if (strlen(words[k].word) == j - i &&
                strncasecmp(words[k].word, h + i, j - i) == 0)
                return words[k].why;
        i = j;
    }
    return NULL;
}

/* ---- rows ----------------------------------------------------------- */

typedef struct reader {
    tw_ctx *ctx;
    csv_reader *csv;
    const char *path;
    int aggregated;
    int32_t max_day;
    long col[NCOL];     /* field index of each known column, -1 absent */
    size_t nfields;     /* fields of the header */
    FILE *rej;
    const char *rej_path;
    dbuf line;          /* scratch for a rejects line */
    cases_idset ids;
    size_t warned;
    int mask_case_id;   /* the rejected row's case_id must not be copied */
    long first_line;    /* first rejected row, for the summary */
    char first_field[32];
    char first_reason[160];
} reader;

static const char *fld(const reader *R, int col, size_t *len)
{
    if (R->col[col] < 0) {
        *len = 0;
        return "";
    }
    const char *s = csv_field(R->csv, (size_t)R->col[col], len);
    cases_trim(&s, len);
    return s;
}

static void copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Write the reject (when asked), warn for the first few, count it. */
static tw_status reject(reader *R, const char *field, const char *reason)
{
    long line = csv_line(R->csv);
    if (R->first_line == 0) {
        R->first_line = line;
        copy_trunc(R->first_field, sizeof R->first_field, field);
        copy_trunc(R->first_reason, sizeof R->first_reason, reason);
    }
    if (R->warned < WARN_ROWS) {
        ctx_warn(R->ctx, "%s:%ld: %s%s%s", R->path, line, field, *field ? ": " : "",
                 reason);
        R->warned++;
    }
    if (!R->rej)
        return TW_OK;
    return cases_write_reject(R->ctx, R->rej, R->rej_path, &R->line, R->csv, R->path, line,
                              field, reason, R->col, NCOL,
                              R->mask_case_id ? R->col[COL_CASE_ID] : -1);
}

tw_status cases_write_reject(tw_ctx *ctx, FILE *rej, const char *rej_path, dbuf *b,
                             const struct csv_reader *csv, const char *path, long line,
                             const char *field, const char *reason, const long *col,
                             int ncol, long withheld)
{
    b->len = 0;
    csv_dbuf_field(b, path);
    dbuf_printf(b, ",%ld,", line);
    csv_dbuf_field(b, field);
    dbuf_append(b, ",", 1);
    csv_dbuf_field(b, reason);
    dbuf_append(b, ",", 1);
    /* Only the recognised columns are copied, in file order: columns we do
       not understand (identifiers among them) are never written to a new
       file. */
    dbuf rec;
    dbuf_init(&rec, ctx);
    int first = 1;
    for (size_t i = 0; i < csv_nfields(csv); i++) {
        int known = 0;
        for (int c = 0; c < ncol; c++)
            if (col[c] == (long)i)
                known = 1;
        if (!known)
            continue;
        if (!first)
            dbuf_append(&rec, ",", 1);
        first = 0;
        if ((long)i == withheld)
            dbuf_puts(&rec, "(withheld)");
        else
            csv_dbuf_field(&rec, csv_field(csv, i, NULL));
    }
    /* not dbuf_str: on a buffer never appended to it may hand out memory
       without a terminating NUL (a short row has no recognised column) */
    csv_dbuf_field(b, rec.len ? rec.data : "");
    int failed = rec.failed;
    dbuf_free(&rec);
    dbuf_append(b, "\n", 1);
    if (b->failed || failed)
        return ctx_nomem(ctx);
    if (fwrite(b->data, 1, b->len, rej) != b->len)
        return ctx_error_at(ctx, TW_E_IO, rej_path, 0, 0, NULL, "cannot write the rejects file");
    return TW_OK;
}

/*
 * Validate the current row into rec with the field checks of fields.c.
 * Returns 1 when valid, 0 with field and why set when not.
 */
static int validate_row(reader *R, case_rec *rec, const char **field, char *why, size_t cap)
{
    size_t len;
    const char *s;
    memset(rec, 0, sizeof *rec);
    R->mask_case_id = 0;
    rec->lon = rec->lat = NAN;
    rec->day = CASES_NO_DAY;
    rec->source = rec->id_str = -1;
    rec->category = -1;
    rec->weight = 1;
    rec->children = 1;

    if (!cases_check_nfields(csv_nfields(R->csv), R->nfields, field, why, cap))
        return 0;
    if (!R->aggregated) {
        s = fld(R, COL_CASE_ID, &len);
        if (!cases_check_case_id(s, len, &R->mask_case_id, field, why, cap))
            return 0;
    }
    s = fld(R, COL_DATE, &len);
    if (!cases_check_report_date(s, len, !R->aggregated, R->max_day, &rec->day, field, why,
                                 cap))
        return 0;
    s = fld(R, COL_SOURCE, &len);
    if (!cases_check_source(s, len, !R->aggregated, field, why, cap))
        return 0;
    /* interned by the caller once the row is known good */

    if (!R->aggregated) {
        size_t llon, llat;
        const char *slon = fld(R, COL_LON, &llon), *slat = fld(R, COL_LAT, &llat);
        if (!cases_check_coords(slon, llon, slat, llat, &rec->lon, &rec->lat, field, why, cap))
            return 0;
        double r;
        s = fld(R, COL_UNCERTAINTY, &len);
        if (!cases_check_uncertainty(s, len, llon != 0, &r, field, why, cap))
            return 0;
        if (!isnan(r)) {
            rec->has_radius = 1;
            rec->radius_m = r;
        }
    }
    s = fld(R, COL_PSGC, &len);
    if (!cases_check_psgc(s, len, rec->code, field, why, cap))
        return 0;
    if (len)
        rec->code_kind = CASES_CODE_PSGC;
    if (R->aggregated && R->col[COL_AREA_ID] >= 0) {
        *field = "area_id";
        s = fld(R, COL_AREA_ID, &len);
        if (len == 0 || len > CASES_CASE_ID_MAX) {
            snprintf(why, cap, len ? "area_id longer than 64 characters" : "missing area_id");
            return 0;
        }
        /* kept as text (interned by the caller); a code that reads as a
           PSGC also gets its digits so the PSGC rules can place it */
        if (tw_psgc_normalise(s, len, rec->code) != TW_OK)
            rec->code[0] = '\0';
        rec->code_kind = CASES_CODE_ID;
    }
    if (!R->aggregated &&
        !cases_check_place(!isnan(rec->lon), rec->code_kind != CASES_CODE_NONE, field, why, cap))
        return 0;
    if (R->aggregated && rec->code_kind == CASES_CODE_NONE) {
        *field = R->col[COL_PSGC] >= 0 ? "psgc" : "area_id";
        snprintf(why, cap, "missing %s", *field);
        return 0;
    }
    int64_t v;
    if (R->aggregated) {
        s = fld(R, COL_COUNT, &len);
        if (!cases_check_count("count", s, len, &v, field, why, cap))
            return 0;
        rec->weight = rec->children = (double)v;
    }
    s = fld(R, COL_CHILDREN, &len);
    if (len) {
        if (!cases_check_count("children", s, len, &v, field, why, cap))
            return 0;
        rec->children = (double)v;
    }
    s = fld(R, COL_VERSION, &len);
    if (!cases_check_version(s, len, field, why, cap))
        return 0;
    /* interned by the caller once the row is known good */
    int c;
    s = fld(R, COL_CATEGORY, &len);
    if (!cases_check_category(s, len, &c, field, why, cap))
        return 0;
    rec->category = (int8_t)c;
    return 1;
}

static tw_status push_record(tw_cases *c, const case_rec *rec)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        case_rec *r = ctx_realloc(c->ctx, c->rec, cap * sizeof *r);
        if (!r)
            return ctx_nomem(c->ctx);
        c->rec = r;
        c->cap = cap;
    }
    c->rec[c->n++] = *rec;
    return TW_OK;
}

static int32_t today_manila(void)
{
    time_t t = time(NULL);
    return (int32_t)(((int64_t)t + 8 * 3600) / 86400);
}

tw_status cases_header_line(tw_ctx *ctx, csv_reader *csv, const char *path, size_t *nfields)
{
    bool eof;
    tw_status s = csv_next(csv, &eof);
    if (s)
        return s;
    if (eof)
        return ctx_error_at(ctx, TW_E_PARSE, path, 0, 0, NULL,
                            "empty file: expected a header line");
    *nfields = csv_nfields(csv);
    return TW_OK;
}

tw_status cases_check_delimiter(tw_ctx *ctx, csv_reader *csv, const char *path)
{
    if (csv_nfields(csv) != 1)
        return TW_OK;
    size_t len;
    const char *h = csv_field(csv, 0, &len);
    const char *d = strchr(h, ';') ? ";" : strchr(h, '\t') ? "tab" : strchr(h, '|') ? "|" : NULL;
    if (!d)
        return TW_OK;
    return ctx_error_at(ctx, TW_E_PARSE, path, csv_line(csv), 1, NULL,
                        "the header is one column separated by '%s': case files must be "
                        "comma-separated",
                        d);
}

tw_status cases_open_rejects(tw_ctx *ctx, const char *path, FILE **out)
{
    /* rewritten by each call: a rejects file never mixes runs */
    *out = fopen(path, "wb");
    if (!*out)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL,
                            "cannot open the rejects file for writing");
    fputs("file,line,field,reason,record\n", *out);
    return TW_OK;
}

/* Check the header; TW_OK or a file-level error. */
static tw_status read_header(reader *R)
{
    tw_ctx *ctx = R->ctx;
    csv_reader *csv = R->csv;
    tw_status s = cases_header_line(ctx, csv, R->path, &R->nfields);
    if (s)
        return s;
    const unsigned char *known = R->aggregated ? col_in_aggregated : col_in_records;
    for (int c = 0; c < NCOL; c++)
        R->col[c] = -1;
    dbuf unknown;
    dbuf_init(&unknown, ctx);
    size_t n_unknown = 0;
    for (size_t i = 0; i < R->nfields; i++) {
        size_t len;
        const char *h = csv_field(csv, i, &len);
        cases_trim(&h, &len);
        const char *why = personal_reason(h, len);
        if (why) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), h);
            dbuf_free(&unknown);
            return ctx_error_at(ctx, TW_E_PARSE, R->path, csv_line(csv), (long)i + 1, name,
                                "column '%s' looks like personal data (%s): records for "
                                "tanaw must not carry names, contacts or other "
                                "identifying details of anyone; remove the column and "
                                "keep only a pseudonymous case_id",
                                name, why);
        }
        int found = -1;
        for (int c = 0; c < NCOL; c++)
            if (known[c] && strlen(col_names[c]) == len &&
                strncasecmp(col_names[c], h, len) == 0)
                found = c;
        if (found >= 0) {
            if (R->col[found] >= 0) {
                dbuf_free(&unknown);
                return ctx_error_at(ctx, TW_E_PARSE, R->path, csv_line(csv), (long)i + 1,
                                    col_names[found], "column '%s' appears twice",
                                    col_names[found]);
            }
            R->col[found] = (long)i;
        } else {
            if (n_unknown++)
                dbuf_puts(&unknown, ", ");
            if (len)
                dbuf_printf(&unknown, "'%.*s'", (int)(len > 40 ? 40 : len), h);
            else
                dbuf_printf(&unknown, "(unnamed column %zu)", i + 1);
        }
    }
    if (n_unknown == 1) {
        tw_status sd = cases_check_delimiter(ctx, csv, R->path);
        if (sd) {
            dbuf_free(&unknown);
            return sd;
        }
    }
    static const int req_rec[] = {COL_CASE_ID, COL_DATE, COL_SOURCE};
    if (!R->aggregated) {
        for (size_t k = 0; k < sizeof req_rec / sizeof *req_rec; k++)
            if (R->col[req_rec[k]] < 0) {
                dbuf_free(&unknown);
                return ctx_error_at(ctx, TW_E_PARSE, R->path, csv_line(csv), 0,
                                    col_names[req_rec[k]], "missing required column '%s'%s",
                                    col_names[req_rec[k]],
                                    csv_find_column(csv, "count") >= 0
                                        ? " (is this an aggregated file?)"
                                        : "");
            }
    } else {
        const char *miss = NULL;
        if (R->col[COL_PSGC] < 0 && R->col[COL_AREA_ID] < 0)
            miss = "psgc' or 'area_id";
        else if (R->col[COL_PSGC] >= 0 && R->col[COL_AREA_ID] >= 0) {
            dbuf_free(&unknown);
            return ctx_error_at(ctx, TW_E_PARSE, R->path, csv_line(csv),
                                R->col[COL_AREA_ID] + 1, "area_id",
                                "both 'psgc' and 'area_id' columns: give only one");
        } else if (R->col[COL_COUNT] < 0)
            miss = "count";
        if (miss) {
            dbuf_free(&unknown);
            return ctx_error_at(ctx, TW_E_PARSE, R->path, csv_line(csv), 0,
                                miss[0] == 'c' ? "count" : "psgc",
                                "missing required column '%s' of the aggregated form", miss);
        }
    }
    if (n_unknown)
        ctx_warn(ctx, "%s: ignoring %zu unknown column%s: %s", R->path, n_unknown,
                 n_unknown > 1 ? "s" : "", unknown.failed ? "?" : dbuf_str(&unknown));
    dbuf_free(&unknown);
    return TW_OK;
}

tw_status tw_cases_read_csv(tw_ctx *ctx, const char *path, const tw_cases_read_opts *opts,
                            tw_cases **inout, tw_read_report *rep)
{
    if (!ctx || !path || !inout)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_cases_read_csv: NULL argument") : TW_E_ARG;
    tw_cases_read_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    tw_read_report r = {0};
    tw_status s = TW_OK;
    reader R;
    memset(&R, 0, sizeof R);
    R.ctx = ctx;
    R.path = path;
    R.aggregated = opts->aggregated;
    R.max_day = opts->max_day ? opts->max_day : today_manila();
    cases_idset_init(&R.ids, ctx);
    dbuf_init(&R.line, ctx);

    tw_cases *c = *inout;
    int created = 0;
    if (!c) {
        c = ctx_calloc(ctx, 1, sizeof *c);
        if (!c)
            return ctx_nomem(ctx);
        c->ctx = ctx;
        created = 1;
    }
    size_t n0 = c->n;

    if ((s = csv_open(ctx, path, &R.csv)))
        goto fail;
    if ((s = read_header(&R)))
        goto fail;
    if (opts->rejects_path) {
        if ((s = cases_open_rejects(ctx, opts->rejects_path, &R.rej)))
            goto fail;
        R.rej_path = opts->rejects_path;
    }

    char why[256];
    for (;;) {
        bool eof;
        if ((s = csv_next(R.csv, &eof)))
            goto fail;
        if (eof)
            break;
        r.rows_read++;
        if ((r.rows_read & 0xFFFF) == 0 && (s = ctx_progress(ctx, "read cases", (double)r.rows_read, 0)))
            goto fail;
        case_rec rec;
        const char *field = "";
        int ok = validate_row(&R, &rec, &field, why, sizeof why);
        if (ok && !R.aggregated) {
            size_t len;
            const char *id = fld(&R, COL_CASE_ID, &len);
            ok = cases_check_unique_id(&R.ids, id, len, csv_line(R.csv), &field, why, sizeof why);
            if (ok < 0) {
                s = ctx_nomem(ctx);
                goto fail;
            }
        }
        if (!ok) {
            r.rows_rejected++;
            if ((s = reject(&R, field, why)))
                goto fail;
            continue;
        }
        size_t len;
        const char *src = fld(&R, COL_SOURCE, &len);
        if (len && (rec.source = strpool_intern(c->ctx, &c->strs, src, len)) < 0) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        if (rec.code_kind == CASES_CODE_ID) {
            const char *id = fld(&R, COL_AREA_ID, &len);
            if ((rec.id_str = strpool_intern(c->ctx, &c->strs, id, len)) < 0) {
                s = ctx_nomem(ctx);
                goto fail;
            }
        }
        const char *ver = fld(&R, COL_VERSION, &len);
        if (len) {
            int32_t vi = strpool_intern(c->ctx, &c->strs, ver, len);
            if (vi < 0) {
                s = ctx_nomem(ctx);
                goto fail;
            }
            rec.version = vi + 1;
        }
        if ((s = push_record(c, &rec)))
            goto fail;
        r.rows_accepted++;
    }
    if (r.rows_read == 0) {
        s = ctx_error_at(ctx, TW_E_EMPTY, path, 1, 0, NULL, "no records after the header");
        goto fail;
    }
    if (R.rej) {
        int bad = ferror(R.rej);
        bad |= fclose(R.rej) != 0;
        R.rej = NULL;
        if (bad) {
            s = ctx_error_at(ctx, TW_E_IO, opts->rejects_path, 0, 0, NULL,
                             "error while writing the rejects file");
            goto fail;
        }
    }
    if (r.rows_rejected)
        ctx_warn(ctx, "%s: %zu of %zu rows rejected%s (first: line %ld, %s: %s)", path,
                 r.rows_rejected, r.rows_read, opts->rejects_path ? ", see the rejects file" : "",
                 R.first_line, R.first_field[0] ? R.first_field : "row", R.first_reason);
    csv_close(R.csv);
    cases_idset_free(&R.ids);
    dbuf_free(&R.line);
    *inout = c;
    if (rep)
        *rep = r;
    return TW_OK;

fail:
    if (R.rej)
        fclose(R.rej);
    csv_close(R.csv);
    cases_idset_free(&R.ids);
    dbuf_free(&R.line);
    c->n = n0; /* a failed file adds nothing */
    if (created)
        tw_cases_free(c);
    if (rep)
        *rep = r;
    return s;
}

void tw_cases_free(tw_cases *c)
{
    if (!c)
        return;
    strpool_free(c->ctx, &c->strs);
    ctx_free(c->ctx, c->rec);
    ctx_free(c->ctx, c);
}

size_t tw_cases_count(const tw_cases *c) { return c ? c->n : 0; }
