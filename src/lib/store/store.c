/*
 * store.c: the case store on SQLite: opening (WAL, full sync, foreign
 * keys, a busy timeout so that concurrent loaders wait instead of
 * failing), the versioned schema and its forward migrations, status,
 * verify, purge, the pseudonymised export and reading records back into a
 * tw_cases for the analyses. Ingest is in ingest.c.
 *
 * Why SQLite in WAL mode: a batch is one transaction, and a transaction
 * that did not commit (process killed, power lost with synchronous=FULL)
 * is simply absent after the next open. Readers never block the loader.
 *
 * Schema (docs/store.md): batch (provenance, counts, file SHA-256 and a
 * records hash), record (one row per distinct record; content_hash UNIQUE
 * is what makes loading the same records twice add nothing), identifier
 * (keyed hashes of linked accounts etc.), meta (the key check),
 * schema_migrations (one row per applied migration). Hashes are lowercase
 * hex text so that the same schema carries over to PostgreSQL unchanged.
 *
 * Limits: one writer at a time (SQLite); concurrent loaders queue on the
 * write lock for up to the busy timeout (10 minutes).
 */
#define _POSIX_C_SOURCE 200809L
#include "store/store_internal.h"

#include "cases/cases_internal.h"
#include "io/csv.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 600000

tw_status store_db_error(tw_store *st, const char *what)
{
    return ctx_error_at(st->ctx, TW_E_IO, st->path, 0, 0, NULL, "%s: %s", what,
                        sqlite3_errmsg(st->db));
}

tw_status store_exec(tw_store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        tw_status s = ctx_error_at(st->ctx, TW_E_IO, st->path, 0, 0, NULL, "store error: %s",
                                   msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return s;
    }
    return TW_OK;
}

/* ---- migrations ----------------------------------------------------
 * Each migration runs in its own transaction together with the row that
 * records it, so a store is always at exactly one version. Migrations
 * are never edited once released: a change is a new migration. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 1: batches with provenance, records deduplicated by content hash */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE batch("
    " id INTEGER PRIMARY KEY,"
    " agency TEXT NOT NULL, loaded_by TEXT NOT NULL, loaded_at TEXT NOT NULL,"
    " file_name TEXT NOT NULL, file_sha256 TEXT NOT NULL UNIQUE,"
    " rows_read INTEGER NOT NULL, added INTEGER NOT NULL, duplicates INTEGER NOT NULL,"
    " records_hash TEXT NOT NULL);"
    "CREATE TABLE record("
    " id INTEGER PRIMARY KEY,"
    " batch_id INTEGER NOT NULL REFERENCES batch(id),"
    " content_hash TEXT NOT NULL UNIQUE, case_ref TEXT NOT NULL,"
    " source TEXT NOT NULL, report_day INTEGER NOT NULL,"
    " lon REAL, lat REAL, psgc TEXT, children INTEGER NOT NULL, category TEXT);"
    "CREATE INDEX record_batch ON record(batch_id);"
    "CREATE INDEX record_day ON record(report_day);",
    /* 2: the fields agencies send beyond the analysis schema */
    "ALTER TABLE record ADD COLUMN incident_day INTEGER;"
    "ALTER TABLE record ADD COLUMN location_precision TEXT;"
    "CREATE TABLE identifier("
    " record_id INTEGER NOT NULL REFERENCES record(id),"
    " kind TEXT NOT NULL, hash TEXT NOT NULL,"
    " PRIMARY KEY(record_id, kind, hash));"
    "CREATE INDEX identifier_hash ON identifier(hash);",
    /* 3: retention: batches count what purge removed */
    "ALTER TABLE batch ADD COLUMN purged INTEGER NOT NULL DEFAULT 0;",
    /* 4: the record form's uncertainty radius and PSGC version (issue 6) */
    "ALTER TABLE record ADD COLUMN uncertainty_m REAL;"
    "ALTER TABLE record ADD COLUMN psgc_version TEXT;",
};

tw_status store_version(tw_store *st, int *version)
{
    sqlite3_stmt *q = NULL;
    *version = 0;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                "name='schema_migrations'",
                                -1, &q, NULL);
    if (rc != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return store_db_error(st, "cannot read the schema");
    }
    int have = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (!have)
        return TW_OK;
    if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return store_db_error(st, "cannot read the schema version");
    }
    *version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return TW_OK;
}

tw_status store_migrate_to(tw_store *st, int target, int *from)
{
    tw_status s;
    if ((s = store_exec(st, "BEGIN IMMEDIATE")))
        return s;
    int v;
    if ((s = store_version(st, &v)))
        goto fail;
    if (from)
        *from = v;
    if (v > STORE_SCHEMA_VERSION) {
        s = ctx_error_at(st->ctx, TW_E_UNSUPPORTED, st->path, 0, 0, NULL,
                         "store has schema version %d, newer than this tanaw (%d): upgrade tanaw",
                         v, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (v == 0 && (s = store_exec(st, "CREATE TABLE schema_migrations(version INTEGER PRIMARY "
                                      "KEY, applied_at TEXT NOT NULL)")))
        goto fail;
    if (v < 0) { /* only a hand-edited table holds one */
        s = ctx_error_at(st->ctx, TW_E_UNSUPPORTED, st->path, 0, 0, NULL,
                         "store has an invalid schema version %d", v);
        goto fail;
    }
    for (int k = v + 1; k >= 1 && k <= target && k <= STORE_SCHEMA_VERSION; k++) {
        if ((s = store_exec(st, migrations[k - 1])))
            goto fail;
        char sql[160];
        snprintf(sql, sizeof sql,
                 "INSERT INTO schema_migrations VALUES(%d, strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now'))",
                 k);
        if ((s = store_exec(st, sql)))
            goto fail;
    }
    return store_exec(st, "COMMIT");
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

tw_status tw_store_migrate(tw_ctx *ctx, tw_store *st, int *from, int *to)
{
    if (!ctx || !st)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_migrate: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    tw_status s = store_migrate_to(st, STORE_SCHEMA_VERSION, from);
    if (!s && to)
        s = store_version(st, to);
    return s;
}

tw_status tw_store_open(tw_ctx *ctx, const char *path, unsigned flags, tw_store **out)
{
    if (!ctx || !path || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_open: NULL argument") : TW_E_ARG;
    if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "postgresql stores are not supported by this build (docs/store.md)");
    if (sodium_init() < 0)
        return ctx_error(ctx, TW_E_INTERNAL, "libsodium could not be initialised");
    tw_store *st = ctx_calloc(ctx, 1, sizeof *st);
    if (!st)
        return ctx_nomem(ctx);
    st->ctx = ctx;
    tw_status s = TW_OK;
    if (!(st->path = ctx_strdup(ctx, path))) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    int how = SQLITE_OPEN_READWRITE | (flags & TW_STORE_CREATE ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &st->db, how, NULL) != SQLITE_OK) {
        s = st->db ? store_db_error(st, "cannot open the store")
                   : ctx_error_at(ctx, TW_E_NOMEM, path, 0, 0, NULL, "cannot open the store");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    /* WAL: a killed writer leaves an uncommitted tail that the next open
       ignores; FULL: a committed batch survives a power cut too */
    if ((s = store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536")))
        goto fail;
    *out = st;
    return TW_OK;
fail:
    tw_store_close(st);
    return s;
}

void tw_store_close(tw_store *st)
{
    if (!st)
        return;
    if (st->db)
        sqlite3_close_v2(st->db);
    ctx_free(st->ctx, st->path);
    ctx_free(st->ctx, st);
}

/* The store must be at the latest version before use (tanaw db init). */
static tw_status require_current(tw_store *st)
{
    int v;
    tw_status s = store_version(st, &v);
    if (s)
        return s;
    if (v == STORE_SCHEMA_VERSION)
        return TW_OK;
    if (v > STORE_SCHEMA_VERSION)
        return ctx_error_at(st->ctx, TW_E_UNSUPPORTED, st->path, 0, 0, NULL,
                            "store has schema version %d, newer than this tanaw (%d)", v,
                            STORE_SCHEMA_VERSION);
    return ctx_error_at(st->ctx, TW_E_ARG, st->path, 0, 0, NULL,
                        v ? "store has schema version %d of %d: run tanaw db init to migrate it"
                          : "not an initialised store (%d of %d): run tanaw db init first",
                        v, STORE_SCHEMA_VERSION);
}

static tw_status query_int64(tw_store *st, const char *sql, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return store_db_error(st, "query failed");
    }
    *out = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return TW_OK;
}

tw_status tw_store_info_get(tw_ctx *ctx, tw_store *st, tw_store_info *out)
{
    if (!ctx || !st || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_info_get: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    memset(out, 0, sizeof *out);
    tw_status s = store_version(st, &out->schema_version);
    if (s || out->schema_version != STORE_SCHEMA_VERSION)
        return s ? s : require_current(st);
    int64_t v;
    if ((s = query_int64(st, "SELECT count(*) FROM batch", &out->batches)) ||
        (s = query_int64(st, "SELECT count(*) FROM record", &out->records)) ||
        (s = query_int64(st, "SELECT count(*) FROM identifier", &out->identifiers)))
        return s;
    if (out->records) {
        if ((s = query_int64(st, "SELECT min(report_day) FROM record", &v)))
            return s;
        out->first_day = (int32_t)v;
        if ((s = query_int64(st, "SELECT max(report_day) FROM record", &v)))
            return s;
        out->last_day = (int32_t)v;
    }
    return TW_OK;
}

static void copy_col(char *dst, size_t cap, sqlite3_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

tw_status tw_store_batches(tw_ctx *ctx, tw_store *st, tw_store_batch **out, size_t *n)
{
    if (!ctx || !st || !out || !n)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_batches: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    *out = NULL;
    *n = 0;
    tw_status s = require_current(st);
    if (s)
        return s;
    int64_t count;
    if ((s = query_int64(st, "SELECT count(*) FROM batch", &count)))
        return s;
    tw_store_batch *b = ctx_calloc(ctx, count ? (size_t)count : 1, sizeof *b);
    if (!b)
        return ctx_nomem(ctx);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, agency, loaded_by, loaded_at, file_name, file_sha256, "
                           "rows_read, added, duplicates, purged FROM batch ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK) {
        ctx_free(ctx, b);
        return store_db_error(st, "cannot list batches");
    }
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && k < (size_t)count) {
        tw_store_batch *x = &b[k++];
        x->id = sqlite3_column_int64(q, 0);
        copy_col(x->agency, sizeof x->agency, q, 1);
        copy_col(x->loaded_by, sizeof x->loaded_by, q, 2);
        copy_col(x->loaded_at, sizeof x->loaded_at, q, 3);
        copy_col(x->file_name, sizeof x->file_name, q, 4);
        copy_col(x->sha256, sizeof x->sha256, q, 5);
        x->rows_read = sqlite3_column_int64(q, 6);
        x->added = sqlite3_column_int64(q, 7);
        x->duplicates = sqlite3_column_int64(q, 8);
        x->purged = sqlite3_column_int64(q, 9);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        ctx_free(ctx, b);
        return store_db_error(st, "cannot list batches");
    }
    *out = b;
    *n = k;
    return TW_OK;
}

void tw_store_batches_free(tw_ctx *ctx, tw_store_batch *b)
{
    if (ctx)
        ctx_free(ctx, b);
}

/* BLAKE2b (unkeyed, 128 bits) over a batch's content hashes in record id
   order: what verify compares with the value recorded at ingest. */
static tw_status batch_records_hash(tw_store *st, int64_t batch, char out[STORE_HASH_HEX])
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT content_hash FROM record WHERE batch_id=? ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        return store_db_error(st, "cannot hash a batch");
    sqlite3_bind_int64(q, 1, batch);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, STORE_HASH_BYTES);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        if (t)
            crypto_generichash_update(&h, t, strlen((const char *)t));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return store_db_error(st, "cannot hash a batch");
    uint8_t d[STORE_HASH_BYTES];
    crypto_generichash_final(&h, d, sizeof d);
    sodium_bin2hex(out, STORE_HASH_HEX, d, sizeof d);
    return TW_OK;
}

static void problem(tw_ctx *ctx, size_t *problems, const char *fmt, ...) TW_PRINTF(3, 4);
static void problem(tw_ctx *ctx, size_t *problems, const char *fmt, ...)
{
    if (++*problems > 20) /* the count says how many; 20 lines say what */
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx_warn(ctx, "%s", buf);
}

tw_status tw_store_verify(tw_ctx *ctx, tw_store *st, size_t *problems)
{
    if (!ctx || !st || !problems)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_verify: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    *problems = 0;
    tw_status s = require_current(st);
    if (s)
        return s;
    sqlite3_stmt *q = NULL;
    /* page-level integrity first: the rest assumes readable tables */
    if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK)
        return store_db_error(st, "integrity check failed");
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        if (t && strcmp(t, "ok") != 0)
            problem(ctx, problems, "integrity: %s", t);
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &q, NULL) != SQLITE_OK)
        return store_db_error(st, "foreign key check failed");
    while (sqlite3_step(q) == SQLITE_ROW)
        problem(ctx, problems, "foreign key: a row of %s (rowid %" PRId64 ") refers to a missing row",
                (const char *)sqlite3_column_text(q, 0), (int64_t)sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(st->db,
                           "SELECT b.id, b.added - b.purged, b.records_hash, "
                           "(SELECT count(*) FROM record r WHERE r.batch_id=b.id) FROM batch b "
                           "ORDER BY b.id",
                           -1, &q, NULL) != SQLITE_OK)
        return store_db_error(st, "cannot check batches");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0), want = sqlite3_column_int64(q, 1),
                have = sqlite3_column_int64(q, 3);
        char recorded[STORE_HASH_HEX], now[STORE_HASH_HEX];
        copy_col(recorded, sizeof recorded, q, 2);
        if (want != have)
            problem(ctx, problems, "batch %" PRId64 ": %" PRId64 " records, expected %" PRId64,
                    id, have, want);
        if ((s = batch_records_hash(st, id, now))) {
            sqlite3_finalize(q);
            return s;
        }
        if (strcmp(now, recorded) != 0)
            problem(ctx, problems, "batch %" PRId64 ": records hash differs from the one "
                    "recorded at ingest", id);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return store_db_error(st, "cannot check batches");
    /* records without a batch, identifiers without a record: caught by
       foreign_key_check above; a key check must exist once records do */
    int64_t nrec, nkey;
    if ((s = query_int64(st, "SELECT count(*) FROM record", &nrec)) ||
        (s = query_int64(st, "SELECT count(*) FROM meta WHERE key='key_check'", &nkey)))
        return s;
    if (nrec && !nkey)
        problem(ctx, problems, "the store holds records but no key check");
    return TW_OK;
}

tw_status tw_store_find_file(tw_ctx *ctx, tw_store *st, const char *path, int64_t *batch_id,
                             char sha256[65])
{
    if (!ctx || !st || !path || !batch_id)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_find_file: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    *batch_id = 0;
    tw_status s = require_current(st);
    char hex[65];
    if (s || (s = store_file_sha256(ctx, path, hex)))
        return s;
    if (sha256)
        memcpy(sha256, hex, sizeof hex);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM batch WHERE file_sha256=?", -1, &q, NULL) !=
        SQLITE_OK)
        return store_db_error(st, "cannot look up the file");
    sqlite3_bind_text(q, 1, hex, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *batch_id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, "cannot look up the file");
    return TW_OK;
}

tw_status tw_store_purge(tw_ctx *ctx, tw_store *st, int32_t before_day, size_t *deleted)
{
    if (!ctx || !st)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_purge: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    tw_status s = require_current(st);
    if (s)
        return s;
    sqlite3_stmt *q = NULL;
    int64_t *batches = NULL;
    size_t nb = 0;
    if ((s = store_exec(st, "BEGIN IMMEDIATE")))
        return s;
    char sql[512];
    snprintf(sql, sizeof sql,
             "DELETE FROM identifier WHERE record_id IN (SELECT id FROM record WHERE report_day < %d)",
             (int)before_day);
    if ((s = store_exec(st, sql)))
        goto fail;
    snprintf(sql, sizeof sql,
             "UPDATE batch SET purged = purged + (SELECT count(*) FROM record r WHERE "
             "r.batch_id=batch.id AND r.report_day < %d)",
             (int)before_day);
    if ((s = store_exec(st, sql)))
        goto fail;
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT batch_id FROM record WHERE report_day < %d ORDER BY batch_id",
             (int)before_day);
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
        s = store_db_error(st, "purge failed");
        goto fail;
    }
    int64_t cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if ((int64_t)nb == cap) {
            cap = cap ? 2 * cap : 16;
            int64_t *nbat = ctx_realloc(ctx, batches, (size_t)cap * sizeof *nbat);
            if (!nbat) {
                s = ctx_nomem(ctx);
                goto fail;
            }
            batches = nbat;
        }
        batches[nb++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    q = NULL;
    snprintf(sql, sizeof sql, "DELETE FROM record WHERE report_day < %d", (int)before_day);
    if ((s = store_exec(st, sql)))
        goto fail;
    if (deleted)
        *deleted = (size_t)sqlite3_changes(st->db);
    /* the records hash follows the records that remain, so verify keeps
       checking purged batches */
    for (size_t i = 0; i < nb; i++) {
        char h[STORE_HASH_HEX];
        if ((s = batch_records_hash(st, batches[i], h)))
            goto fail;
        snprintf(sql, sizeof sql, "UPDATE batch SET records_hash='%s' WHERE id=%" PRId64, h,
                 batches[i]);
        if ((s = store_exec(st, sql)))
            goto fail;
    }
    ctx_free(ctx, batches);
    return store_exec(st, "COMMIT");
fail:
    sqlite3_finalize(q);
    ctx_free(ctx, batches);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

tw_status tw_store_export_csv(tw_ctx *ctx, tw_store *st, const char *path, size_t *rows)
{
    if (!ctx || !st || !path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_export_csv: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    tw_status s = require_current(st);
    if (s)
        return s;
    FILE *f = fopen(path, "wb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open for writing");
    sqlite3_stmt *q = NULL;
    size_t n = 0;
    /* case_id is the case reference (a keyed hash), so the export reads
       back with tw_cases_read_csv; identifiers are kind:hash pairs in one
       column whose name no personal-data rule refuses */
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT r.case_ref, r.report_day, r.source, r.lon, r.lat, r.psgc, r.children, "
            "r.category, r.incident_day, r.location_precision, b.agency, r.batch_id, "
            "r.uncertainty_m, r.psgc_version, "
            "(SELECT group_concat(x, ';') FROM (SELECT i.kind || ':' || i.hash AS x FROM "
            "identifier i WHERE i.record_id = r.id ORDER BY i.kind, i.hash)) "
            "FROM record r JOIN batch b ON b.id = r.batch_id ORDER BY r.id",
            -1, &q, NULL) != SQLITE_OK) {
        fclose(f);
        return store_db_error(st, "cannot export");
    }
    fputs("case_id,report_date,source,lon,lat,psgc,children,category,incident_date,"
          "location_precision,agency,batch,uncertainty_m,psgc_version,links\n",
          f);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char day[11];
        csv_write_field(f, (const char *)sqlite3_column_text(q, 0));
        tw_date_format((int32_t)sqlite3_column_int(q, 1), day);
        fprintf(f, ",%s,", day);
        csv_write_field(f, (const char *)sqlite3_column_text(q, 2));
        if (sqlite3_column_type(q, 3) != SQLITE_NULL)
            fprintf(f, ",%.17g,%.17g,", sqlite3_column_double(q, 3), sqlite3_column_double(q, 4));
        else
            fputs(",,,", f);
        const unsigned char *t;
        fprintf(f, "%s,%" PRId64 ",", (t = sqlite3_column_text(q, 5)) ? (const char *)t : "",
                (int64_t)sqlite3_column_int64(q, 6));
        fprintf(f, "%s,", (t = sqlite3_column_text(q, 7)) ? (const char *)t : "");
        if (sqlite3_column_type(q, 8) != SQLITE_NULL) {
            tw_date_format((int32_t)sqlite3_column_int(q, 8), day);
            fputs(day, f);
        }
        fprintf(f, ",%s,", (t = sqlite3_column_text(q, 9)) ? (const char *)t : "");
        csv_write_field(f, (const char *)sqlite3_column_text(q, 10));
        fprintf(f, ",%" PRId64 ",", (int64_t)sqlite3_column_int64(q, 11));
        if (sqlite3_column_type(q, 12) != SQLITE_NULL)
            fprintf(f, "%.17g", sqlite3_column_double(q, 12));
        t = sqlite3_column_text(q, 13);
        fprintf(f, ",%s,", t ? (const char *)t : "");
        t = sqlite3_column_text(q, 14);
        fprintf(f, "%s\n", t ? (const char *)t : "");
        n++;
    }
    sqlite3_finalize(q);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (rc != SQLITE_DONE)
        return store_db_error(st, "export failed");
    if (bad)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "error while writing the export");
    if (rows)
        *rows = n;
    return TW_OK;
}

tw_status tw_store_read_cases(tw_ctx *ctx, tw_store *st, const tw_store_filter *f,
                              tw_cases **inout, size_t *n)
{
    if (!ctx || !st || !inout)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_read_cases: NULL argument") : TW_E_ARG;
    st->ctx = ctx;
    tw_status s = require_current(st);
    if (s)
        return s;
    tw_store_filter all = {0};
    if (!f)
        f = &all;
    int cat = -1;
    if (f->category && (cat = cases_category_find(f->category, strlen(f->category))) < 0)
        return ctx_error(ctx, TW_E_ARG, "unknown category '%s'", f->category);
    sqlite3_stmt *q = NULL;
    /* the filters mirror tw_cases_aggregate's, which applies them again */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT source, report_day, lon, lat, psgc, children, category, "
                           "uncertainty_m, psgc_version FROM record WHERE (?1 = 0 OR report_day BETWEEN ?2 AND ?3) "
                           "AND (?4 IS NULL OR lower(source) = lower(?4)) "
                           "AND (?5 IS NULL OR category = ?5) ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        return store_db_error(st, "cannot read records");
    int dated = f->from_day != 0 || f->to_day != 0;
    sqlite3_bind_int(q, 1, dated);
    sqlite3_bind_int(q, 2, f->from_day);
    sqlite3_bind_int(q, 3, f->to_day);
    if (f->source)
        sqlite3_bind_text(q, 4, f->source, -1, SQLITE_STATIC);
    if (cat >= 0)
        sqlite3_bind_text(q, 5, cases_category_names[cat], -1, SQLITE_STATIC);
    tw_cases *c = *inout;
    size_t n0 = c ? tw_cases_count(c) : 0, added = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        case_rec r;
        memset(&r, 0, sizeof r);
        r.weight = 1;
        r.id_str = -1;
        r.day = (int32_t)sqlite3_column_int(q, 1);
        if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
            r.lon = sqlite3_column_double(q, 2);
            r.lat = sqlite3_column_double(q, 3);
        } else {
            r.lon = r.lat = NAN;
        }
        const unsigned char *code = sqlite3_column_text(q, 4);
        if (code && strlen((const char *)code) == TW_PSGC_LEN) {
            memcpy(r.code, code, TW_PSGC_LEN + 1);
            r.code_kind = CASES_CODE_PSGC;
        }
        r.children = (double)sqlite3_column_int64(q, 5);
        const unsigned char *ct = sqlite3_column_text(q, 6);
        r.category = (int8_t)(ct ? cases_category_find((const char *)ct, strlen((const char *)ct)) : -1);
        if (sqlite3_column_type(q, 7) != SQLITE_NULL) {
            r.has_radius = 1;
            r.radius_m = sqlite3_column_double(q, 7);
        }
        if ((s = cases_append(ctx, &c, &r, (const char *)sqlite3_column_text(q, 0),
                              (const char *)sqlite3_column_text(q, 8)))) {
            sqlite3_finalize(q);
            if (c && !*inout)
                tw_cases_free(c);
            else if (c)
                c->n = n0; /* a failed read adds nothing */
            return s;
        }
        added++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        if (c && !*inout)
            tw_cases_free(c);
        else if (c)
            c->n = n0;
        return store_db_error(st, "cannot read records");
    }
    if (!c && (s = cases_append(ctx, &c, &(case_rec){0}, NULL, NULL)) == TW_OK)
        c->n = 0; /* an empty store still gives a tw_cases */
    if (s)
        return s;
    *inout = c;
    if (n)
        *n = added;
    return TW_OK;
}
