/*
 * ingest.c: loading one file of case records into the store as one batch
 * (tw_store_ingest_csv).
 *
 * Method: the file's SHA-256 is taken first (a file loaded before adds
 * nothing). Then, inside one write transaction (sql.h: loaders queue), every row is
 * validated with the rules of the record form of docs/cases.md (the same
 * checks, in the same order, as tw_cases_read_csv; a unit test holds the
 * two readers to the same verdicts), extended by the store's own columns
 * (docs/store.md): incident_date, location_precision and the identifier
 * columns, whose values are normalised and replaced by keyed hashes before
 * anything is written. The case_id becomes a keyed case reference. Each
 * record gets a keyed content hash over its canonical form; the UNIQUE
 * content_hash makes a record already in the store (from any batch) add
 * nothing. Any rejected row rolls the whole batch back: a batch is taken
 * whole or not at all, and the rejects file says what to fix.
 *
 * Why the store has its own reader: tw_cases_read_csv refuses columns that
 * look like personal data (ip, phone, email), which is right for plain
 * analyses; the store accepts exactly the identifier columns it names,
 * because it never keeps their values.
 *
 * How rows reach the store: on SQLite one prepared INSERT per record; on
 * PostgreSQL one COPY of all the batch's records (with their identifier
 * hashes) into a temporary table, then INSERT ... SELECT in file order
 * (sql.h). Both give the same rows, ids in file order and the same
 * report.
 *
 * Complexity: O(rows) time (one BLAKE2b per identifier and per record, one
 * B-tree insert per record); memory O(rows) for the duplicate case_id set
 * of cases.c (the ids and 24 bytes a row); the uncommitted batch waits in
 * the database's WAL (PostgreSQL: and in the temporary table)
 *
 * Limits: as docs/cases.md (case_id <= 64, source <= 32 characters,
 * children <= 1e9), at most 64 identifiers per cell; unknown columns
 * refuse the file (free text is never stored).
 */
#define _POSIX_C_SOURCE 200809L
#include "store/store_internal.h"

#include "cases/cases_internal.h"
#include "io/csv.h"

#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define AGENT_MAX 64
#define WARN_ROWS 5
#define IDS_PER_CELL 64
#define ID_TEXT_MAX 256

enum {
    C_CASE_ID, C_DATE, C_SOURCE, C_LON, C_LAT, C_PSGC, C_CHILDREN, C_CATEGORY,
    C_UNCERTAINTY, C_VERSION, /* record-form columns of docs/cases.md too */
    C_INCIDENT, C_PRECISION, C_ID0 /* + ID_NKINDS identifier columns */
};
#define NCOLS (C_ID0 + ID_NKINDS)
static const char *const base_names[C_ID0] = {
    "case_id", "report_date", "source", "lon", "lat", "psgc", "children", "category",
    "uncertainty_m", "psgc_version", "incident_date", "location_precision"};

static const char *const precisions[] = {"exact", "barangay", "municipality", "province",
                                         "region", "ip_geolocation"};
#define NPRECISIONS (sizeof precisions / sizeof *precisions)

static const char *col_name(int c)
{
    return c < C_ID0 ? base_names[c] : store_id_columns[c - C_ID0];
}

/* ---- one row --------------------------------------------------------- */

typedef struct row {
    char case_ref[STORE_HASH_HEX];
    const char *source;
    size_t source_len;
    int32_t day, incident; /* incident: INT32_MIN when not given */
    double lon, lat;       /* NaN when not given */
    double radius_m;       /* uncertainty_m, NaN when not given */
    const char *version;   /* psgc_version (borrowed from the CSV row), "" none */
    size_t version_len;
    char psgc[TW_PSGC_LEN + 1];
    int precision;         /* index in precisions, -1 */
    int64_t children;
    int category;          /* -1 none */
    /* identifier hashes: kind and hex, sorted for the canonical form */
    struct idh {
        int kind;
        char hex[STORE_HASH_HEX];
    } ids[ID_NKINDS * IDS_PER_CELL];
    size_t nids;
} row;

typedef struct ingest {
    tw_ctx *ctx;
    tw_store *st;
    csv_reader *csv;
    const char *path;
    const uint8_t *key;
    int32_t max_day;
    long col[NCOLS];
    size_t nfields;
    FILE *rej;
    const char *rej_path;
    dbuf line;
    size_t warned;
    int mask_case_id;
    cases_idset dups; /* case_ids of this file (cases.c) */
    /* the source names referred_from spells (the first 16 distinct), to
       check against the store's after the batch (check_ref_sources) */
    char ref_src[16][CASES_SOURCE_MAX + 1];
    size_t n_ref_src;
} ingest;

static const char *fld(const ingest *I, int col, size_t *len)
{
    if (I->col[col] < 0) {
        *len = 0;
        return "";
    }
    const char *s = csv_field(I->csv, (size_t)I->col[col], len);
    cases_trim(&s, len);
    return s;
}

static int idh_cmp(const void *a, const void *b)
{
    const struct idh *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(x->hex, y->hex);
}

/* Validate the current row (the field checks of cases/fields.c, in the
   order of cases.c's validate_row, then the store's columns). 1 valid, 0
   with *field and why set. */
static int validate(ingest *I, row *r, const char **field, char *why, size_t cap)
{
    size_t len;
    const char *s;
    I->mask_case_id = 0;
    r->lon = r->lat = r->radius_m = NAN;
    r->version = "";
    r->version_len = 0;
    r->incident = INT32_MIN;
    r->psgc[0] = '\0';
    r->precision = -1;
    r->children = 1;
    r->category = -1;
    r->nids = 0;
    if (!cases_check_nfields(csv_nfields(I->csv), I->nfields, field, why, cap))
        return 0;
    const char *id = fld(I, C_CASE_ID, &len);
    size_t id_len = len;
    if (!cases_check_case_id(id, len, &I->mask_case_id, field, why, cap))
        return 0;
    s = fld(I, C_DATE, &len);
    if (!cases_check_report_date(s, len, 1, I->max_day, &r->day, field, why, cap))
        return 0;
    s = fld(I, C_SOURCE, &len);
    if (!cases_check_source(s, len, 1, field, why, cap))
        return 0;
    r->source = s;
    r->source_len = len;
    size_t llon, llat;
    const char *slon = fld(I, C_LON, &llon), *slat = fld(I, C_LAT, &llat);
    if (!cases_check_coords(slon, llon, slat, llat, &r->lon, &r->lat, field, why, cap))
        return 0;
    s = fld(I, C_UNCERTAINTY, &len);
    if (!cases_check_uncertainty(s, len, llon != 0, &r->radius_m, field, why, cap))
        return 0;
    s = fld(I, C_PSGC, &len);
    if (!cases_check_psgc(s, len, r->psgc, field, why, cap))
        return 0;
    if (!cases_check_place(!isnan(r->lon), r->psgc[0] != '\0', field, why, cap))
        return 0;
    s = fld(I, C_CHILDREN, &len);
    if (len && !cases_check_count("children", s, len, &r->children, field, why, cap))
        return 0;
    s = fld(I, C_VERSION, &len);
    if (!cases_check_version(s, len, field, why, cap))
        return 0;
    r->version = s;
    r->version_len = len;
    s = fld(I, C_CATEGORY, &len);
    if (!cases_check_category(s, len, &r->category, field, why, cap))
        return 0;
    /* the store's columns */
    *field = "incident_date";
    s = fld(I, C_INCIDENT, &len);
    if (len && !cases_check_day(s, len, I->max_day, &r->incident, why, cap))
        return 0;
    *field = "location_precision";
    s = fld(I, C_PRECISION, &len);
    if (len) {
        for (size_t k = 0; k < NPRECISIONS; k++)
            if (strlen(precisions[k]) == len && strncasecmp(precisions[k], s, len) == 0)
                r->precision = (int)k;
        if (r->precision < 0) {
            cases_reason_value(why, cap,
                         "location_precision must be one of exact, barangay, municipality, "
                         "province, region, ip_geolocation",
                         s, len);
            return 0;
        }
    }
    for (int k = 0; k < ID_NKINDS; k++) {
        *field = store_id_columns[k];
        s = fld(I, C_ID0 + k, &len);
        size_t count = 0;
        while (len) {
            const char *semi = memchr(s, ';', len);
            size_t part = semi ? (size_t)(semi - s) : len;
            const char *p = s;
            size_t plen = part;
            cases_trim(&p, &plen);
            if (plen) {
                char norm[ID_TEXT_MAX];
                const char *bad = NULL;
                if (++count > IDS_PER_CELL) {
                    snprintf(why, cap, "more than %d identifiers in one cell", IDS_PER_CELL);
                    return 0;
                }
                struct idh *h = &r->ids[r->nids];
                if (k == ID_REFERENCE) {
                    /* SOURCE:CASE_ID of the case it was referred from; its
                       hash is that case's case_ref (docs/dedup.md) */
                    const char *colon = memchr(p, ':', plen);
                    const char *f2;
                    size_t sl = colon ? (size_t)(colon - p) : 0, il = colon ? plen - sl - 1 : 0;
                    int mask = 0;
                    char why2[160];
                    if (!colon || !cases_check_source(p, sl, 1, &f2, why2, sizeof why2) ||
                        !cases_check_case_id(colon + 1, il, &mask, &f2, why2, sizeof why2)) {
                        snprintf(why, cap,
                                 "reference %zu: expected SOURCE:CASE_ID (the referring "
                                 "agency's source and case_id as it loads them)",
                                 count);
                        return 0;
                    }
                    store_case_ref(I->key, p, sl, colon + 1, il, h->hex);
                    size_t q = 0;
                    while (q < I->n_ref_src &&
                           !(strlen(I->ref_src[q]) == sl && memcmp(I->ref_src[q], p, sl) == 0))
                        q++;
                    if (q == I->n_ref_src && q < 16) {
                        memcpy(I->ref_src[q], p, sl);
                        I->ref_src[q][sl] = '\0';
                        I->n_ref_src++;
                    }
                } else {
                    /* the value is never quoted: it is an identifier */
                    if (!pseudo_normalise(k, p, plen, norm, sizeof norm, &bad)) {
                        snprintf(why, cap, "identifier %zu: %s", count, bad);
                        return 0;
                    }
                    pseudo_hash_hex(I->key, "tanaw id v1", norm, strlen(norm), h->hex);
                    sodium_memzero(norm, sizeof norm);
                }
                h->kind = k;
                r->nids++;
            }
            if (!semi)
                break;
            s = semi + 1;
            len -= part + 1;
        }
    }
    qsort(r->ids, r->nids, sizeof *r->ids, idh_cmp);
    store_case_ref(I->key, r->source, r->source_len, id, id_len, r->case_ref);
    return 1;
}

/* Canonical text of a validated row: the content hash is taken over it,
   so two files that say the same thing about a case give one record. */
static void canonical(const row *r, dbuf *b)
{
    b->len = 0;
    dbuf_printf(b, "v1|%s|%.*s|%d|", r->case_ref, (int)r->source_len, r->source, (int)r->day);
    if (r->incident != INT32_MIN)
        dbuf_printf(b, "%d", (int)r->incident);
    if (!isnan(r->lon))
        dbuf_printf(b, "|%.17g|%.17g|", r->lon, r->lat);
    else
        dbuf_puts(b, "|||");
    dbuf_printf(b, "%s|%s|%" PRId64 "|%s|", r->psgc,
                r->precision >= 0 ? precisions[r->precision] : "", r->children,
                r->category >= 0 ? cases_category_names[r->category] : "");
    for (size_t i = 0; i < r->nids; i++)
        dbuf_printf(b, "%s:%s;", store_id_kinds[r->ids[i].kind], r->ids[i].hex);
    /* fields added after v1 only when given, so the hashes of records
       without them stay what they were */
    if (!isnan(r->radius_m))
        dbuf_printf(b, "|u:%.17g", r->radius_m);
    if (r->version_len)
        dbuf_printf(b, "|v:%.*s", (int)r->version_len, r->version);
}

static tw_status reject(ingest *I, const char *field, const char *reason, size_t *nrej)
{
    long line = csv_line(I->csv);
    (*nrej)++;
    if (I->warned < WARN_ROWS) {
        ctx_warn(I->ctx, "%s:%ld: %s%s%s", I->path, line, field, *field ? ": " : "", reason);
        I->warned++;
    }
    if (!I->rej)
        return TW_OK;
    /* the record as the plain reader would show it: the analysis columns
       only; identifier columns are never copied anywhere */
    return cases_write_reject(I->ctx, I->rej, I->rej_path, &I->line, I->csv, I->path, line,
                              field, reason, I->col, C_INCIDENT,
                              I->mask_case_id ? I->col[C_CASE_ID] : -1);
}

static tw_status read_header(ingest *I)
{
    tw_status s = cases_header_line(I->ctx, I->csv, I->path, &I->nfields);
    if (s)
        return s;
    for (int c = 0; c < NCOLS; c++)
        I->col[c] = -1;
    for (size_t i = 0; i < I->nfields; i++) {
        size_t len;
        const char *h = csv_field(I->csv, i, &len);
        cases_trim(&h, &len);
        int found = -1;
        for (int c = 0; c < NCOLS; c++)
            if (strlen(col_name(c)) == len && strncasecmp(col_name(c), h, len) == 0)
                found = c;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), h);
        if (found < 0 && (s = cases_check_delimiter(I->ctx, I->csv, I->path)))
            return s; /* one column holding ';': another separator */
        if (found < 0)
            /* the store keeps only what its schema names: an unknown column
               may hold free text about a child, so the file is refused */
            return ctx_error_at(I->ctx, TW_E_PARSE, I->path, csv_line(I->csv), (long)i + 1, name,
                                "column '%s' is not in the store schema (docs/store.md): the "
                                "store refuses unknown and free-text columns; remove it",
                                name);
        if (I->col[found] >= 0)
            return ctx_error_at(I->ctx, TW_E_PARSE, I->path, csv_line(I->csv), (long)i + 1,
                                col_name(found), "column '%s' appears twice", col_name(found));
        I->col[found] = (long)i;
    }
    static const int req[] = {C_CASE_ID, C_DATE, C_SOURCE};
    for (size_t k = 0; k < sizeof req / sizeof *req; k++)
        if (I->col[req[k]] < 0)
            return ctx_error_at(I->ctx, TW_E_PARSE, I->path, csv_line(I->csv), 0,
                                col_name(req[k]), "missing required column '%s'",
                                col_name(req[k]));
    return TW_OK;
}

tw_status store_file_sha256(tw_ctx *ctx, const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open");
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crypto_hash_sha256_update(&h, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot read");
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(out, 65, d, sizeof d);
    return TW_OK;
}

static int agent_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= AGENT_MAX && cases_charset_ok(s, n, "_.-@ ");
}

/* Check the key against the store's, recording it on first use. */
static tw_status check_key(tw_store *st, const uint8_t *key)
{
    char want[STORE_HASH_HEX];
    pseudo_key_check(key, want);
    sql_stmt *q = NULL;
    tw_status s = store_prepare(st, "SELECT value FROM meta WHERE key='key_check'", &q,
                                "cannot read the key check");
    if (s)
        return s;
    int rc = sql_step(q);
    if (rc == SQL_ROW) {
        const char *have = sql_column_text(q, 0);
        int same = have && strcmp(have, want) == 0;
        sql_finalize(q);
        if (!same)
            return ctx_error_at(st->ctx, TW_E_ARG, st->path, 0, 0, NULL,
                                "this key is not the store's key: identifiers would not link "
                                "(use the key the store was first loaded with)");
        return TW_OK;
    }
    sql_finalize(q);
    if (rc != SQL_DONE)
        return store_db_error(st, "cannot read the key check");
    if ((s = store_prepare(st, "INSERT INTO meta(key, value) VALUES('key_check', $1)", &q,
                           "cannot record the key check")))
        return s;
    rc = sql_bind_text(q, 1, want, -1);
    if (!rc)
        rc = sql_step(q);
    sql_finalize(q);
    return rc == SQL_DONE ? TW_OK : store_db_error(st, "cannot record the key check");
}

static int32_t today_manila(void)
{
    return (int32_t)(((int64_t)time(NULL) + 8 * 3600) / 86400);
}

/* The record's columns, in the order put_record gives them. */
#define RECORD_COLS                                                                         \
    "batch_id, content_hash, case_ref, source, report_day, incident_day, lon, lat, psgc, " \
    "location_precision, children, category, uncertainty_m, psgc_version"

/* Where a record's values go: the parameters of the prepared insert
   (SQLite), or the fields of a COPY row (PostgreSQL). One function,
   put_record, gives both the same values. */
typedef struct sink {
    sql_stmt *q;
    sql_copy *c;
    int i; /* parameters bound so far */
} sink;

static int put_int(sink *k, int64_t v)
{
    return k->c ? sql_copy_int64(k->c, v) : sql_bind_int64(k->q, ++k->i, v);
}

static int put_double(sink *k, double v)
{
    return k->c ? sql_copy_double(k->c, v) : sql_bind_double(k->q, ++k->i, v);
}

static int put_text(sink *k, const char *s, int len) /* s NULL: NULL */
{
    return k->c ? sql_copy_text(k->c, s, len) : sql_bind_text(k->q, ++k->i, s, len);
}

static int put_null(sink *k)
{
    return k->c ? sql_copy_null(k->c) : sql_bind_null(k->q, ++k->i);
}

/* The columns RECORD_COLS of a validated row. */
static int put_record(sink *k, int64_t batch, const char *content, const row *rw)
{
    int rc = put_int(k, batch) || put_text(k, content, -1) || put_text(k, rw->case_ref, -1) ||
             put_text(k, rw->source, (int)rw->source_len) || put_int(k, rw->day);
    rc = rc || (rw->incident != INT32_MIN ? put_int(k, rw->incident) : put_null(k));
    if (!isnan(rw->lon))
        rc = rc || put_double(k, rw->lon) || put_double(k, rw->lat);
    else
        rc = rc || put_null(k) || put_null(k);
    rc = rc || put_text(k, rw->psgc[0] ? rw->psgc : NULL, -1) ||
         put_text(k, rw->precision >= 0 ? precisions[rw->precision] : NULL, -1) ||
         put_int(k, rw->children) ||
         put_text(k, rw->category >= 0 ? cases_category_names[rw->category] : NULL, -1);
    rc = rc || (!isnan(rw->radius_m) ? put_double(k, rw->radius_m) : put_null(k));
    rc = rc || (rw->version_len ? put_text(k, rw->version, (int)rw->version_len) : put_null(k));
    return rc ? SQL_ERR : SQL_OK;
}

/* PostgreSQL: one COPY row of stage_record: the row's place in the file,
   its columns, and its identifiers as two arrays (kinds and hashes; a
   connection carries one COPY at a time, so identifiers travel with
   their record). */
static int copy_record(sql_copy *c, int64_t seq, int64_t batch, const char *content,
                       const row *rw)
{
    const char *kinds[ID_NKINDS * IDS_PER_CELL], *hashes[ID_NKINDS * IDS_PER_CELL];
    for (size_t i = 0; i < rw->nids; i++) {
        kinds[i] = store_id_kinds[rw->ids[i].kind];
        hashes[i] = rw->ids[i].hex;
    }
    sink k = {NULL, c, 0};
    if (sql_copy_int64(c, seq) || put_record(&k, batch, content, rw) ||
        sql_copy_text_array(c, kinds, rw->nids) || sql_copy_text_array(c, hashes, rw->nids))
        return SQL_ERR;
    return sql_copy_row(c);
}

/* A reference names its case by source and case id exactly as that
   agency loads them (the hash covers both): warn when a source spelled in
   referred_from is not a source of the store, naming the store's spelling
   when only the case differs. Warnings only: the referring agency's batch
   may come later. */
static void check_ref_sources(ingest *I)
{
    sql_stmt *q = NULL;
    if (store_prepare(I->st, "SELECT DISTINCT source FROM record", &q,
                      "cannot read the sources"))
        return;
    char have[64][CASES_SOURCE_MAX + 1];
    size_t nh = 0;
    while (sql_step(q) == SQL_ROW && nh < 64) {
        const char *t = sql_column_text(q, 0);
        snprintf(have[nh++], sizeof have[0], "%s", t ? t : "");
    }
    sql_finalize(q);
    for (size_t k = 0; k < I->n_ref_src; k++) {
        const char *r = I->ref_src[k], *alike = NULL;
        int exact = 0;
        for (size_t h = 0; h < nh && !exact; h++) {
            exact = strcmp(have[h], r) == 0;
            if (!alike && strcasecmp(have[h], r) == 0)
                alike = have[h];
        }
        if (exact)
            continue;
        if (alike)
            ctx_warn(I->ctx,
                     "%s: referred_from: source '%s' is loaded as '%s': a reference must "
                     "spell the source exactly as its agency loads it, or it links nothing "
                     "(docs/dedup.md)",
                     I->path, r, alike);
        else
            ctx_warn(I->ctx,
                     "%s: referred_from: no record of the store has source '%s' (yet): those "
                     "references link once that agency's records are loaded under exactly "
                     "that name",
                     I->path, r);
    }
}

tw_status tw_store_ingest_csv(tw_ctx *ctx, tw_store *st, const char *path,
                              const tw_store_ingest_opts *opts, tw_store_ingest_report *rep)
{
    if (!ctx || !st || !path || !opts || !opts->key)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_ingest_csv: NULL argument") : TW_E_ARG;
    store_use_ctx(st, ctx);
    if (!agent_ok(opts->agency) || !agent_ok(opts->loaded_by))
        return ctx_error(ctx, TW_E_ARG,
                         "agency and loaded-by must be 1-64 characters of A-Z a-z 0-9 _ . - @ "
                         "and space");
    tw_store_ingest_report r;
    memset(&r, 0, sizeof r);
    ingest I;
    memset(&I, 0, sizeof I);
    I.ctx = ctx;
    I.st = st;
    I.path = path;
    I.key = opts->key;
    I.max_day = opts->max_day ? opts->max_day : today_manila();
    cases_idset_init(&I.dups, ctx);
    dbuf_init(&I.line, ctx);
    dbuf canon;
    dbuf_init(&canon, ctx);
    row *rw = NULL;
    sql_stmt *ins_rec = NULL, *ins_id = NULL, *q = NULL;
    sql_copy *copy = NULL; /* PostgreSQL: the rows to stage_record */
    int in_tx = 0;
    tw_status s;

    int v;
    if ((s = store_version(st, &v)))
        goto fail;
    if (v != STORE_SCHEMA_VERSION) {
        s = ctx_error_at(ctx, TW_E_ARG, st->path, 0, 0, NULL,
                         "store is at schema version %d of %d: run tanaw db init first", v,
                         STORE_SCHEMA_VERSION);
        goto fail;
    }
    if ((s = store_file_sha256(ctx, path, r.sha256)))
        goto fail;
    if ((s = csv_open(ctx, path, &I.csv)) || (s = read_header(&I)))
        goto fail;
    if (!(rw = ctx_malloc(ctx, sizeof *rw))) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    /* the write lock for the whole batch: loaders queue (sql.h) */
    if (sql_begin(st->db, SQL_WRITE)) {
        s = store_db_error(st, "cannot lock the store");
        goto fail;
    }
    in_tx = 1;
    if ((s = check_key(st, opts->key)) || (s = store_find_batch(st, r.sha256, &r.batch_id)))
        goto fail;
    if (r.batch_id) {
        /* the same bytes were loaded before: nothing to add */
        r.file_known = 1;
        sql_rollback(st->db);
        in_tx = 0;
        goto done;
    }

    /* the batch row first: records refer to it */
    {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        time_t t = opts->loaded_at ? (time_t)opts->loaded_at : time(NULL);
        struct tm tm;
        char when[32];
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if ((s = store_prepare(st,
                               /* numbered here, under the write lock: 1, 2, ... on
                                  both backends (a PostgreSQL sequence would skip the
                                  numbers of batches rolled back) */
                               "INSERT INTO batch(id, agency, loaded_by, loaded_at, file_name, "
                               "file_sha256, rows_read, added, duplicates, records_hash) "
                               "SELECT coalesce(max(id), 0) + 1, CAST($1 AS TEXT), "
                               "CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), "
                               "CAST($5 AS TEXT), 0, 0, 0, '' FROM batch RETURNING id",
                               &q, "cannot record the batch")))
            goto fail;
        if (sql_bind_text(q, 1, opts->agency, -1) || sql_bind_text(q, 2, opts->loaded_by, -1) ||
            sql_bind_text(q, 3, when, -1) || sql_bind_text(q, 4, base, -1) ||
            sql_bind_text(q, 5, r.sha256, -1) || sql_step(q) != SQL_ROW) {
            s = store_db_error(st, "cannot record the batch");
            goto fail;
        }
        r.batch_id = sql_column_int64(q, 0);
        sql_finalize(q);
        q = NULL;
    }
    /* a record already in the store (any batch) is skipped by its UNIQUE
       content hash. Rows wait in a temporary table and move to record and
       identifier in INSERT ... SELECT statements at the end: nothing
       waits for the outcome of each row, and no per-row lookup depends on
       a plan made when the table was empty.
       PostgreSQL: every record, with its identifiers, is sent by COPY to
       stage_record (dropped at the end of the transaction); its place in
       the file, seq, orders the insert, so record ids follow the file as
       on SQLite. SQLite: each record is one prepared insert (a local call,
       not a round trip), its identifiers go to stage_identifier. */
    if (sql_kind(st->db) == SQL_PG) {
        if ((s = store_exec(st, "CREATE TEMP TABLE stage_record(seq BIGINT NOT NULL, "
                                "batch_id BIGINT NOT NULL, content_hash TEXT NOT NULL, "
                                "case_ref TEXT NOT NULL, source TEXT NOT NULL, "
                                "report_day INTEGER NOT NULL, incident_day INTEGER, "
                                "lon DOUBLE PRECISION, lat DOUBLE PRECISION, psgc TEXT, "
                                "location_precision TEXT, children BIGINT NOT NULL, "
                                "category TEXT, uncertainty_m DOUBLE PRECISION, "
                                "psgc_version TEXT, id_kinds TEXT[] NOT NULL, "
                                "id_hashes TEXT[] NOT NULL) ON COMMIT DROP")))
            goto fail;
        if (sql_copy_begin(st->db, "stage_record(seq, " RECORD_COLS ", id_kinds, id_hashes)",
                           &copy)) {
            s = store_db_error(st, "cannot store a record");
            goto fail;
        }
    } else if ((s = store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS stage_identifier("
                                   "content_hash TEXT NOT NULL, kind TEXT NOT NULL, "
                                   "hash TEXT NOT NULL)")) ||
               (s = store_exec(st, "DELETE FROM stage_identifier")) ||
               (s = store_prepare(st,
                                  "INSERT INTO record(" RECORD_COLS ") "
                                  "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                                  "$13, $14) ON CONFLICT DO NOTHING",
                                  &ins_rec, "cannot prepare the insert")) ||
               (s = store_prepare(st,
                                  "INSERT INTO stage_identifier(content_hash, kind, hash) "
                                  "VALUES($1, $2, $3)",
                                  &ins_id, "cannot prepare the insert")))
        goto fail;
    if (opts->rejects_path) {
        if ((s = cases_open_rejects(ctx, opts->rejects_path, &I.rej)))
            goto fail;
        I.rej_path = opts->rejects_path;
    }

    char why[256];
    long first_line = 0;
    size_t valid = 0;
    for (;;) {
        bool eof;
        if ((s = csv_next(I.csv, &eof)))
            goto fail;
        if (eof)
            break;
        r.rows_read++;
        if ((r.rows_read & 0xFFFF) == 0 &&
            (s = ctx_progress(ctx, "ingest", (double)r.rows_read, 0)))
            goto fail;
        const char *field = "";
        int ok = validate(&I, rw, &field, why, sizeof why);
        if (ok) {
            size_t len;
            const char *id = fld(&I, C_CASE_ID, &len);
            ok = cases_check_unique_id(&I.dups, id, len, csv_line(I.csv), &field, why, sizeof why);
            if (ok < 0) {
                s = ctx_nomem(ctx);
                goto fail;
            }
        }
        if (!ok) {
            if (!first_line)
                first_line = csv_line(I.csv);
            if ((s = reject(&I, field, why, &r.rows_rejected)))
                goto fail;
            continue;
        }
        if (r.rows_rejected)
            continue; /* the batch will be refused: only validate the rest */
        canonical(rw, &canon);
        if (canon.failed) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        char content[STORE_HASH_HEX];
        pseudo_hash_hex(opts->key, "tanaw record v1", canon.data, canon.len, content);
        valid++;
        if (copy) {
            if (copy_record(copy, (int64_t)valid, r.batch_id, content, rw)) {
                s = store_db_error(st, "cannot store a record");
                goto fail;
            }
            continue;
        }
        sink k = {ins_rec, NULL, 0};
        if (put_record(&k, r.batch_id, content, rw) || sql_run(ins_rec)) {
            s = store_db_error(st, "cannot store a record");
            goto fail;
        }
        for (size_t i = 0; i < rw->nids; i++)
            if (sql_bind_text(ins_id, 1, content, -1) ||
                sql_bind_text(ins_id, 2, store_id_kinds[rw->ids[i].kind], -1) ||
                sql_bind_text(ins_id, 3, rw->ids[i].hex, -1) || sql_run(ins_id)) {
                s = store_db_error(st, "cannot store an identifier");
                goto fail;
            }
    }
    if (I.rej) {
        int bad = ferror(I.rej);
        bad |= fclose(I.rej) != 0;
        I.rej = NULL;
        if (bad) {
            s = ctx_error_at(ctx, TW_E_IO, opts->rejects_path, 0, 0, NULL,
                             "error while writing the rejects file");
            goto fail;
        }
    }
    if (r.rows_read == 0) {
        s = ctx_error_at(ctx, TW_E_EMPTY, path, 1, 0, NULL, "no records after the header");
        goto fail;
    }
    if (r.rows_rejected) {
        s = ctx_error_at(ctx, TW_E_PARSE, path, first_line, 0, NULL,
                         "%zu of %zu rows rejected: nothing stored (a batch is taken whole or "
                         "not at all; fix the rows listed in the rejects file)",
                         r.rows_rejected, r.rows_read);
        goto fail;
    }
    if (copy) {
        /* the server checks the copied rows now. Then one statement moves
           them: the records in file order (ORDER BY seq: ids are given in
           that order), skipping those already in the store, and the
           identifiers of exactly the records it added (RETURNING: no
           lookup in record, whose statistics know nothing of this batch) */
        int rc = sql_copy_end(copy);
        sql_copy_free(copy);
        copy = NULL;
        if (rc || sql_exec(st->db,
                           "WITH added AS (INSERT INTO record(" RECORD_COLS ") SELECT " RECORD_COLS
                           " FROM stage_record ORDER BY seq ON CONFLICT DO NOTHING "
                           "RETURNING id, content_hash) "
                           "INSERT INTO identifier(record_id, kind, hash) "
                           "SELECT a.id, i.kind, i.hash FROM stage_record s "
                           "JOIN added a ON a.content_hash = s.content_hash "
                           "CROSS JOIN LATERAL unnest(s.id_kinds, s.id_hashes) AS i(kind, hash) "
                           "WHERE cardinality(s.id_hashes) > 0 ON CONFLICT DO NOTHING")) {
            s = store_db_error(st, "cannot store a record");
            goto fail;
        }
    } else {
        /* the identifiers of the records this batch added */
        if (sql_sync(st->db)) {
            s = store_db_error(st, "cannot store a record");
            goto fail;
        }
        if ((s = store_prepare(st,
                               "INSERT INTO identifier(record_id, kind, hash) SELECT r.id, "
                               "s.kind, s.hash FROM stage_identifier s JOIN record r ON "
                               "r.content_hash = s.content_hash WHERE r.batch_id = $1 ON "
                               "CONFLICT DO NOTHING",
                               &q, "cannot store the identifiers")))
            goto fail;
        if (sql_bind_int64(q, 1, r.batch_id) || sql_step(q) != SQL_DONE ||
            sql_exec(st->db, "DELETE FROM stage_identifier")) {
            s = store_db_error(st, "cannot store the identifiers");
            goto fail;
        }
        sql_finalize(q);
        q = NULL;
    }
    /* what this batch added: its records (the rest were in the store) */
    {
        int64_t added = 0;
        if ((s = store_prepare(st, "SELECT count(*) FROM record WHERE batch_id = $1", &q,
                               "cannot count the batch")))
            goto fail;
        int rc = sql_bind_int64(q, 1, r.batch_id);
        if (!rc && (rc = sql_step(q)) == SQL_ROW) {
            added = sql_column_int64(q, 0);
            rc = sql_reset(q);
        }
        sql_finalize(q);
        q = NULL;
        if (rc) {
            s = store_db_error(st, "cannot count the batch");
            goto fail;
        }
        r.added = (size_t)added;
        r.duplicates = valid - r.added;
    }
    if (r.added == 0) {
        /* every record is already in the store: no batch either */
        sql_rollback(st->db);
        in_tx = 0;
        r.batch_id = 0;
        goto done;
    }
    {
        char hex[STORE_HASH_HEX];
        if ((s = store_batch_records_hash(st, r.batch_id, hex)))
            goto fail;
        if ((s = store_prepare(st,
                               "UPDATE batch SET rows_read=$1, added=$2, duplicates=$3, "
                               "records_hash=$4 WHERE id=$5",
                               &q, "cannot complete the batch")))
            goto fail;
        if (sql_bind_int64(q, 1, (int64_t)r.rows_read) || sql_bind_int64(q, 2, (int64_t)r.added) ||
            sql_bind_int64(q, 3, (int64_t)r.duplicates) || sql_bind_text(q, 4, hex, -1) ||
            sql_bind_int64(q, 5, r.batch_id) || sql_step(q) != SQL_DONE) {
            s = store_db_error(st, "cannot complete the batch");
            goto fail;
        }
        sql_finalize(q);
        q = NULL;
    }
    sql_finalize(ins_rec);
    sql_finalize(ins_id);
    ins_rec = ins_id = NULL;
    if (sql_commit(st->db)) {
        s = store_db_error(st, "cannot commit the batch");
        goto fail;
    }
    in_tx = 0;
    if (I.n_ref_src)
        check_ref_sources(&I);
done:
    sql_finalize(q);
    sql_finalize(ins_rec);
    sql_finalize(ins_id);
    csv_close(I.csv);
    cases_idset_free(&I.dups);
    dbuf_free(&I.line);
    dbuf_free(&canon);
    ctx_free(ctx, rw);
    if (rep)
        *rep = r;
    return TW_OK;
fail:
    if (I.rej)
        fclose(I.rej);
    sql_copy_free(copy); /* first: the connection is in COPY until then */
    sql_finalize(q);
    sql_finalize(ins_rec);
    sql_finalize(ins_id);
    if (in_tx)
        sql_rollback(st->db);
    csv_close(I.csv);
    cases_idset_free(&I.dups);
    dbuf_free(&I.line);
    dbuf_free(&canon);
    ctx_free(ctx, rw);
    if (rep) {
        r.added = 0; /* rolled back */
        r.batch_id = 0;
        *rep = r;
    }
    return s;
}
