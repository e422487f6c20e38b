/*
 * store.c: the case store over the SQL layer (sql.h), one code path for
 * SQLite and PostgreSQL: opening, forward migrations (the list is in
 * schema.c), status, verify, purge, the pseudonymised export and reading
 * records back into a tw_cases for the analyses. Ingest is in ingest.c.
 *
 * Why a batch is one transaction: a transaction that did not commit
 * (process killed, power lost: SQLite WAL with synchronous=FULL, or the
 * PostgreSQL server's own WAL) is simply absent afterwards.
 *
 * Schema (docs/store.md): batch (provenance, counts, file SHA-256 and a
 * records hash), record (one row per distinct record; content_hash UNIQUE
 * is what makes loading the same records twice add nothing), identifier
 * (keyed hashes of linked accounts etc.), meta (the key check),
 * schema_migrations (one row per applied migration). Hashes are lowercase
 * hex text, the same on both backends.
 *
 * Limits: one writer at a time per store (SQLite's write lock, or a
 * PostgreSQL advisory lock: sql.h); concurrent loaders queue.
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

void store_use_ctx(tw_store *st, tw_ctx *ctx)
{
    st->ctx = ctx;
    sql_set_ctx(st->db, ctx);
}

tw_status store_db_error(tw_store *st, const char *what)
{
    if (sql_nomem(st->db))
        return ctx_nomem(st->ctx);
    return ctx_error_at(st->ctx, TW_E_IO, st->path, 0, 0, NULL, "%s: %s", what,
                        sql_errmsg(st->db));
}

tw_status store_exec(tw_store *st, const char *sql)
{
    return sql_exec(st->db, sql) ? store_db_error(st, "store error") : TW_OK;
}

tw_status store_prepare(tw_store *st, const char *sql, sql_stmt **q, const char *what)
{
    return sql_prepare(st->db, sql, q) ? store_db_error(st, what) : TW_OK;
}

tw_status store_query_int64(tw_store *st, const char *sql, int64_t *out)
{
    sql_stmt *q = NULL;
    tw_status s = store_prepare(st, sql, &q, "query failed");
    if (s)
        return s;
    int rc = sql_step(q);
    if (rc == SQL_ROW) {
        *out = sql_column_int64(q, 0);
        s = sql_reset(q) ? store_db_error(st, "query failed") : TW_OK;
    } else {
        s = rc == SQL_DONE ? ctx_error_at(st->ctx, TW_E_IO, st->path, 0, 0, NULL,
                                          "query gave no row: %s", sql)
                           : store_db_error(st, "query failed");
    }
    sql_finalize(q);
    return s;
}

tw_status store_version(tw_store *st, int *version)
{
    *version = 0;
    int have = 0;
    if (sql_table_exists(st->db, "schema_migrations", &have))
        return store_db_error(st, "cannot read the schema");
    if (!have)
        return TW_OK;
    int64_t v;
    tw_status s =
        store_query_int64(st, "SELECT coalesce(max(version), 0) FROM schema_migrations", &v);
    if (!s)
        *version = (int)v;
    return s;
}

static void utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

tw_status store_migrate_to(tw_store *st, int target, int *from)
{
    tw_status s;
    sql_stmt *q = NULL;
    if (sql_begin(st->db, SQL_WRITE))
        return store_db_error(st, "cannot lock the store");
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
    if ((s = store_prepare(st, "INSERT INTO schema_migrations(version, applied_at) VALUES($1, $2)",
                           &q, "cannot record a migration")))
        goto fail;
    for (int k = v + 1; k >= 1 && k <= target && k <= STORE_SCHEMA_VERSION; k++) {
        const store_migration *m = &store_migrations[k - 1];
        if (m->version != k) {
            s = ctx_error(st->ctx, TW_E_INTERNAL, "migration %d is listed as %d (schema.c)", k,
                          m->version);
            goto fail;
        }
        const char *sql = sql_kind(st->db) == SQL_PG && m->pg ? m->pg : m->sqlite;
        if ((s = store_exec(st, sql)))
            goto fail;
        char now[32];
        utc_now(now);
        if (sql_bind_int64(q, 1, k) || sql_bind_text(q, 2, now, -1) || sql_step(q) != SQL_DONE) {
            s = store_db_error(st, "cannot record a migration");
            goto fail;
        }
    }
    sql_finalize(q);
    return sql_commit(st->db) ? store_db_error(st, "cannot commit the migration") : TW_OK;
fail:
    sql_finalize(q);
    sql_rollback(st->db);
    return s;
}

tw_status tw_store_migrate(tw_ctx *ctx, tw_store *st, int *from, int *to)
{
    if (!ctx || !st)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_migrate: NULL argument") : TW_E_ARG;
    store_use_ctx(st, ctx);
    tw_status s = store_migrate_to(st, STORE_SCHEMA_VERSION, from);
    if (!s && to)
        s = store_version(st, to);
    return s;
}

tw_status tw_store_open(tw_ctx *ctx, const char *path, unsigned flags, tw_store **out)
{
    if (!ctx || !path || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_open: NULL argument") : TW_E_ARG;
    *out = NULL;
    if (sodium_init() < 0)
        return ctx_error(ctx, TW_E_INTERNAL, "libsodium could not be initialised");
    tw_store *st = ctx_calloc(ctx, 1, sizeof *st);
    if (!st)
        return ctx_nomem(ctx);
    st->ctx = ctx;
    char err[600];
    int rc = sql_open(ctx, path, (flags & TW_STORE_CREATE) != 0, &st->db, err, sizeof err);
    if (rc) {
        char name[512];
        sql_redact(path, name, sizeof name);
        tw_status s = rc == -2 ? ctx_nomem(ctx)
                               : ctx_error_at(ctx, TW_E_IO, name, 0, 0, NULL,
                                              "cannot open the store: %s", err);
        ctx_free(ctx, st);
        return s;
    }
    st->path = sql_name(st->db);
    *out = st;
    return TW_OK;
}

int tw_store_is_url(const char *path)
{
    return sql_is_url(path);
}

void tw_store_redact(const char *path, char *out, size_t cap)
{
    sql_redact(path, out, cap);
}

void tw_store_close(tw_store *st)
{
    if (!st)
        return;
    sql_close(st->db);
    ctx_free(st->ctx, st);
}

tw_status store_enter(tw_ctx *ctx, tw_store *st, int args_ok, const char *fn)
{
    if (!ctx)
        return TW_E_ARG;
    if (!st || !args_ok)
        return ctx_error(ctx, TW_E_ARG, "%s: NULL argument", fn);
    store_use_ctx(st, ctx);
    return store_require_current(st);
}

/* The store must be at the latest version before use (tanaw db init). */
tw_status store_require_current(tw_store *st)
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

tw_status tw_store_info_get(tw_ctx *ctx, tw_store *st, tw_store_info *out)
{
    if (!ctx || !st || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_info_get: NULL argument") : TW_E_ARG;
    store_use_ctx(st, ctx);
    memset(out, 0, sizeof *out);
    tw_status s = store_version(st, &out->schema_version);
    if (s || out->schema_version != STORE_SCHEMA_VERSION)
        return s ? s : store_require_current(st);
    int64_t v;
    if ((s = store_query_int64(st, "SELECT count(*) FROM batch", &out->batches)) ||
        (s = store_query_int64(st, "SELECT count(*) FROM record", &out->records)) ||
        (s = store_query_int64(st, "SELECT count(*) FROM identifier", &out->identifiers)))
        return s;
    if (out->records) {
        if ((s = store_query_int64(st, "SELECT min(report_day) FROM record", &v)))
            return s;
        out->first_day = (int32_t)v;
        if ((s = store_query_int64(st, "SELECT max(report_day) FROM record", &v)))
            return s;
        out->last_day = (int32_t)v;
    }
    return TW_OK;
}

static void copy_col(char *dst, size_t cap, sql_stmt *q, int col)
{
    const char *t = sql_column_text(q, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

tw_status tw_store_batches(tw_ctx *ctx, tw_store *st, tw_store_batch **out, size_t *n)
{
    if (!ctx || !st || !out || !n)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_batches: NULL argument") : TW_E_ARG;
    store_use_ctx(st, ctx);
    *out = NULL;
    *n = 0;
    tw_status s = store_require_current(st);
    if (s)
        return s;
    if (sql_begin(st->db, SQL_READ)) /* the count and the rows: one snapshot */
        return store_db_error(st, "cannot list batches");
    int64_t count;
    sql_stmt *q = NULL;
    tw_store_batch *b = NULL;
    if ((s = store_query_int64(st, "SELECT count(*) FROM batch", &count)))
        goto fail;
    if (!(b = ctx_calloc(ctx, count ? (size_t)count : 1, sizeof *b))) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    if ((s = store_prepare(st,
                           "SELECT id, agency, loaded_by, loaded_at, file_name, file_sha256, "
                           "rows_read, added, duplicates, purged FROM batch ORDER BY id",
                           &q, "cannot list batches")))
        goto fail;
    size_t k = 0;
    int rc = SQL_DONE;
    while (k < (size_t)count && (rc = sql_step(q)) == SQL_ROW) {
        tw_store_batch *x = &b[k++];
        x->id = sql_column_int64(q, 0);
        copy_col(x->agency, sizeof x->agency, q, 1);
        copy_col(x->loaded_by, sizeof x->loaded_by, q, 2);
        copy_col(x->loaded_at, sizeof x->loaded_at, q, 3);
        copy_col(x->file_name, sizeof x->file_name, q, 4);
        copy_col(x->sha256, sizeof x->sha256, q, 5);
        x->rows_read = sql_column_int64(q, 6);
        x->added = sql_column_int64(q, 7);
        x->duplicates = sql_column_int64(q, 8);
        x->purged = sql_column_int64(q, 9);
    }
    if (k < (size_t)count && rc != SQL_DONE) {
        s = store_db_error(st, "cannot list batches");
        goto fail;
    }
    sql_finalize(q);
    sql_rollback(st->db); /* read only */
    *out = b;
    *n = k;
    return TW_OK;
fail:
    sql_finalize(q);
    sql_rollback(st->db);
    ctx_free(ctx, b);
    return s;
}

void tw_store_batches_free(tw_ctx *ctx, tw_store_batch *b)
{
    if (ctx)
        ctx_free(ctx, b);
}

/* BLAKE2b (unkeyed, 128 bits) over a batch's content hashes in record id
   order: what verify compares with the value recorded at ingest. */
tw_status store_batch_records_hash(tw_store *st, int64_t batch, char out[STORE_HASH_HEX])
{
    sql_stmt *q = NULL;
    tw_status s = store_prepare(st, "SELECT content_hash FROM record WHERE batch_id=$1 ORDER BY id",
                                &q, "cannot hash a batch");
    if (s)
        return s;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, STORE_HASH_BYTES);
    int rc = sql_bind_int64(q, 1, batch) ? SQL_ERR : SQL_ROW;
    while (rc == SQL_ROW && (rc = sql_step(q)) == SQL_ROW) {
        const char *t = sql_column_text(q, 0);
        if (t)
            crypto_generichash_update(&h, (const unsigned char *)t, strlen(t));
    }
    sql_finalize(q);
    if (rc != SQL_DONE)
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

/* Rows whose foreign key points at no row. SQLite: its own
   foreign_key_check (and integrity_check for the pages). PostgreSQL
   enforces foreign keys itself and has no integrity_check; the
   single-column foreign keys of the store's schema are read from
   pg_constraint and each is checked with a NOT EXISTS query, so rows
   written with the checks switched off (session_replication_role =
   replica) are still found. */
static tw_status check_foreign_keys(tw_store *st, size_t *problems)
{
    sql_stmt *q = NULL;
    tw_status s;
    int rc;
    if (sql_kind(st->db) == SQL_SQLITE) {
        /* page-level integrity first: the rest assumes readable tables */
        if ((s = store_prepare(st, "PRAGMA integrity_check", &q, "integrity check failed")))
            return s;
        while ((rc = sql_step(q)) == SQL_ROW) {
            const char *t = sql_column_text(q, 0);
            if (t && strcmp(t, "ok") != 0)
                problem(st->ctx, problems, "integrity: %s", t);
        }
        sql_finalize(q);
        if (rc != SQL_DONE)
            return store_db_error(st, "integrity check failed");
        if ((s = store_prepare(st, "PRAGMA foreign_key_check", &q, "foreign key check failed")))
            return s;
        while ((rc = sql_step(q)) == SQL_ROW)
            problem(st->ctx, problems,
                    "foreign key: a row of %s (rowid %" PRId64 ") refers to a missing row",
                    sql_column_text(q, 0), sql_column_int64(q, 1));
        sql_finalize(q);
        return rc == SQL_DONE ? TW_OK : store_db_error(st, "foreign key check failed");
    }
    /* PostgreSQL: read the constraints first (one statement at a time) */
    enum { MAXFK = 32 };
    char fk[MAXFK][4][64];
    int nfk = 0;
    if ((s = store_prepare(st,
                           "SELECT c.conrelid::regclass::text, a.attname::text, "
                           "c.confrelid::regclass::text, f.attname::text FROM pg_constraint c "
                           "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                           "JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1] "
                           "WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND "
                           "c.connamespace = current_schema()::regnamespace ORDER BY 1, 2",
                           &q, "foreign key check failed")))
        return s;
    while ((rc = sql_step(q)) == SQL_ROW)
        if (nfk < MAXFK) {
            for (int j = 0; j < 4; j++)
                copy_col(fk[nfk][j], sizeof fk[nfk][j], q, j);
            nfk++;
        }
    sql_finalize(q);
    if (rc != SQL_DONE)
        return store_db_error(st, "foreign key check failed");
    for (int i = 0; i < nfk; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT x.%s FROM %s x WHERE x.%s IS NOT NULL AND NOT EXISTS "
                 "(SELECT 1 FROM %s y WHERE y.%s = x.%s)",
                 fk[i][1], fk[i][0], fk[i][1], fk[i][2], fk[i][3], fk[i][1]);
        if ((s = store_prepare(st, sql, &q, "foreign key check failed")))
            return s;
        while ((rc = sql_step(q)) == SQL_ROW)
            problem(st->ctx, problems, "foreign key: a row of %s refers to a missing row (%s %s)",
                    fk[i][0], fk[i][1], sql_column_text(q, 0));
        sql_finalize(q);
        if (rc != SQL_DONE)
            return store_db_error(st, "foreign key check failed");
    }
    return TW_OK;
}

tw_status tw_store_verify(tw_ctx *ctx, tw_store *st, size_t *problems)
{
    if (!ctx || !st || !problems)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_verify: NULL argument") : TW_E_ARG;
    store_use_ctx(st, ctx);
    *problems = 0;
    tw_status s = store_require_current(st);
    if (s)
        return s;
    /* one snapshot: a loader committing meanwhile does not make a
       consistent store look broken */
    if (sql_begin(st->db, SQL_READ))
        return store_db_error(st, "cannot verify");
    sql_stmt *q = NULL;
    struct vb {
        int64_t id, want, have;
        char recorded[STORE_HASH_HEX];
    } *b = NULL;
    int64_t nb = 0, k = 0;
    if ((s = check_foreign_keys(st, problems)) ||
        (s = store_query_int64(st, "SELECT count(*) FROM batch", &nb)))
        goto done;
    if (!(b = ctx_calloc(ctx, nb ? (size_t)nb : 1, sizeof *b))) {
        s = ctx_nomem(ctx);
        goto done;
    }
    if ((s = store_prepare(st,
                           "SELECT b.id, b.added - b.purged, b.records_hash, "
                           "(SELECT count(*) FROM record r WHERE r.batch_id=b.id) FROM batch b "
                           "ORDER BY b.id",
                           &q, "cannot check batches")))
        goto done;
    int rc = SQL_DONE;
    while (k < nb && (rc = sql_step(q)) == SQL_ROW) {
        b[k].id = sql_column_int64(q, 0);
        b[k].want = sql_column_int64(q, 1);
        b[k].have = sql_column_int64(q, 3);
        copy_col(b[k].recorded, sizeof b[k].recorded, q, 2);
        k++;
    }
    if (k < nb && rc != SQL_DONE) {
        s = store_db_error(st, "cannot check batches");
        goto done;
    }
    sql_finalize(q);
    q = NULL;
    for (int64_t i = 0; i < k; i++) {
        char now[STORE_HASH_HEX];
        if (b[i].want != b[i].have)
            problem(ctx, problems, "batch %" PRId64 ": %" PRId64 " records, expected %" PRId64,
                    b[i].id, b[i].have, b[i].want);
        if ((s = store_batch_records_hash(st, b[i].id, now)))
            goto done;
        if (strcmp(now, b[i].recorded) != 0)
            problem(ctx, problems, "batch %" PRId64 ": records hash differs from the one "
                    "recorded at ingest", b[i].id);
    }
    /* a key check must exist once records do */
    int64_t nrec, nkey;
    if ((s = store_query_int64(st, "SELECT count(*) FROM record", &nrec)) ||
        (s = store_query_int64(st, "SELECT count(*) FROM meta WHERE key='key_check'", &nkey)))
        goto done;
    if (nrec && !nkey)
        problem(ctx, problems, "the store holds records but no key check");
    /* incidents (docs/dedup.md): every link joins two records of one incident */
    int64_t bad_links;
    if ((s = store_query_int64(st,
                               "SELECT count(*) FROM incident_link l LEFT JOIN incident_member "
                               "a ON a.record_id = l.record_a LEFT JOIN incident_member b ON "
                               "b.record_id = l.record_b WHERE a.incident_id IS NULL OR "
                               "b.incident_id IS NULL OR a.incident_id <> b.incident_id",
                               &bad_links)))
        goto done;
    if (bad_links)
        problem(ctx, problems, "%" PRId64 " incident links join records of different incidents",
                bad_links);
done:
    sql_finalize(q);
    ctx_free(ctx, b);
    sql_rollback(st->db); /* read only */
    return s;
}

tw_status store_find_batch(tw_store *st, const char *sha256, int64_t *batch_id)
{
    sql_stmt *q = NULL;
    *batch_id = 0;
    tw_status s = store_prepare(st, "SELECT id FROM batch WHERE file_sha256=$1", &q,
                                "cannot look up the file");
    if (s)
        return s;
    int rc = sql_bind_text(q, 1, sha256, -1);
    if (!rc && (rc = sql_step(q)) == SQL_ROW) {
        *batch_id = sql_column_int64(q, 0);
        rc = sql_reset(q);
    }
    sql_finalize(q);
    return rc ? store_db_error(st, "cannot look up the file") : TW_OK;
}

tw_status tw_store_find_file(tw_ctx *ctx, tw_store *st, const char *path, int64_t *batch_id,
                             char sha256[65])
{
    if (!ctx || !st || !path || !batch_id)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_store_find_file: NULL argument") : TW_E_ARG;
    store_use_ctx(st, ctx);
    *batch_id = 0;
    tw_status s = store_require_current(st);
    char hex[65];
    if (s || (s = store_file_sha256(ctx, path, hex)))
        return s;
    if (sha256)
        memcpy(sha256, hex, sizeof hex);
    return store_find_batch(st, hex, batch_id);
}

/* Run a prepared statement with one integer parameter to its end. */
static tw_status run_with_day(tw_store *st, const char *sql, int32_t day, int64_t *changed)
{
    sql_stmt *q = NULL;
    tw_status s = store_prepare(st, sql, &q, "purge failed");
    if (s)
        return s;
    int rc = sql_bind_int64(q, 1, day);
    if (!rc)
        rc = sql_step(q);
    if (rc == SQL_DONE && changed)
        *changed = sql_changes(st->db);
    sql_finalize(q);
    return rc == SQL_DONE ? TW_OK : store_db_error(st, "purge failed");
}

tw_status tw_store_purge(tw_ctx *ctx, tw_store *st, int32_t before_day, size_t *deleted)
{
    tw_status s = store_enter(ctx, st, 1, "tw_store_purge");
    if (s)
        return s;
    sql_stmt *q = NULL;
    int64_t *batches = NULL;
    size_t nb = 0;
    if (sql_begin(st->db, SQL_WRITE))
        return store_db_error(st, "cannot lock the store");
    /* incidents (docs/dedup.md): no row may name a purged record; the run
       is marked stale so analyses say dedup should run again */
    if ((s = run_with_day(st,
                          "UPDATE dedup_run SET stale = 1 WHERE EXISTS (SELECT 1 FROM record "
                          "WHERE report_day < $1)",
                          before_day, NULL)) ||
        (s = run_with_day(st,
                          "DELETE FROM incident_link WHERE record_a IN (SELECT id FROM record "
                          "WHERE report_day < $1) OR record_b IN (SELECT id FROM record WHERE "
                          "report_day < $1)",
                          before_day, NULL)) ||
        (s = run_with_day(st,
                          "DELETE FROM incident_member WHERE record_id IN (SELECT id FROM "
                          "record WHERE report_day < $1)",
                          before_day, NULL)) ||
        (s = run_with_day(st,
                          "DELETE FROM identifier WHERE record_id IN (SELECT id FROM record "
                          "WHERE report_day < $1)",
                          before_day, NULL)) ||
        (s = run_with_day(st,
                          "UPDATE batch SET purged = purged + (SELECT count(*) FROM record r "
                          "WHERE r.batch_id=batch.id AND r.report_day < $1)",
                          before_day, NULL)))
        goto fail;
    if ((s = store_prepare(st,
                           "SELECT DISTINCT batch_id FROM record WHERE report_day < $1 ORDER BY "
                           "batch_id",
                           &q, "purge failed")))
        goto fail;
    int64_t cap = 0;
    int rc = sql_bind_int64(q, 1, before_day) ? SQL_ERR : SQL_ROW;
    while (rc == SQL_ROW && (rc = sql_step(q)) == SQL_ROW) {
        if ((int64_t)nb == cap) {
            cap = cap ? 2 * cap : 16;
            int64_t *nbat = ctx_realloc(ctx, batches, (size_t)cap * sizeof *nbat);
            if (!nbat) {
                s = ctx_nomem(ctx);
                goto fail;
            }
            batches = nbat;
        }
        batches[nb++] = sql_column_int64(q, 0);
    }
    sql_finalize(q);
    q = NULL;
    if (rc != SQL_DONE) {
        s = store_db_error(st, "purge failed");
        goto fail;
    }
    int64_t gone = 0;
    if ((s = run_with_day(st, "DELETE FROM record WHERE report_day < $1", before_day, &gone)))
        goto fail;
    if (deleted)
        *deleted = (size_t)gone;
    /* the records hash follows the records that remain, so verify keeps
       checking purged batches */
    if ((s = store_prepare(st, "UPDATE batch SET records_hash=$1 WHERE id=$2", &q,
                           "purge failed")))
        goto fail;
    for (size_t i = 0; i < nb; i++) {
        char h[STORE_HASH_HEX];
        if ((s = store_batch_records_hash(st, batches[i], h)))
            goto fail;
        if (sql_bind_text(q, 1, h, -1) || sql_bind_int64(q, 2, batches[i]) ||
            sql_step(q) != SQL_DONE) {
            s = store_db_error(st, "purge failed");
            goto fail;
        }
    }
    sql_finalize(q);
    ctx_free(ctx, batches);
    return sql_commit(st->db) ? store_db_error(st, "cannot commit the purge") : TW_OK;
fail:
    sql_finalize(q);
    ctx_free(ctx, batches);
    sql_rollback(st->db);
    return s;
}

static const char *const export_sql[2] = {
    /* SQLite */
    "SELECT r.case_ref, r.report_day, r.source, r.lon, r.lat, r.psgc, r.children, "
    "r.category, r.incident_day, r.location_precision, b.agency, r.batch_id, "
    "r.uncertainty_m, r.psgc_version, "
    "(SELECT group_concat(x, ';') FROM (SELECT i.kind || ':' || i.hash AS x FROM "
    "identifier i WHERE i.record_id = r.id ORDER BY i.kind, i.hash)) "
    "FROM record r JOIN batch b ON b.id = r.batch_id ORDER BY r.id",
    /* PostgreSQL: string_agg, and byte order whatever the collation */
    "SELECT r.case_ref, r.report_day, r.source, r.lon, r.lat, r.psgc, r.children, "
    "r.category, r.incident_day, r.location_precision, b.agency, r.batch_id, "
    "r.uncertainty_m, r.psgc_version, "
    "(SELECT string_agg(i.kind || ':' || i.hash, ';' ORDER BY i.kind COLLATE \"C\", "
    "i.hash COLLATE \"C\") FROM identifier i WHERE i.record_id = r.id) "
    "FROM record r JOIN batch b ON b.id = r.batch_id ORDER BY r.id"};

static const char *col_or_empty(sql_stmt *q, int col)
{
    const char *t = sql_column_text(q, col);
    return t ? t : "";
}

tw_status tw_store_export_csv(tw_ctx *ctx, tw_store *st, const char *path, size_t *rows)
{
    tw_status s = store_enter(ctx, st, path != NULL, "tw_store_export_csv");
    if (s)
        return s;
    FILE *f = fopen(path, "wb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open for writing");
    sql_stmt *q = NULL;
    size_t n = 0;
    /* case_id is the case reference (a keyed hash), so the export reads
       back with tw_cases_read_csv; identifiers are kind:hash pairs in one
       column whose name no personal-data rule refuses */
    if ((s = store_prepare(st, export_sql[sql_kind(st->db)], &q, "cannot export"))) {
        fclose(f);
        return s;
    }
    fputs("case_id,report_date,source,lon,lat,psgc,children,category,incident_date,"
          "location_precision,agency,batch,uncertainty_m,psgc_version,links\n",
          f);
    int rc;
    while ((rc = sql_step(q)) == SQL_ROW) {
        char day[11];
        csv_write_field(f, sql_column_text(q, 0));
        tw_date_format((int32_t)sql_column_int64(q, 1), day);
        fprintf(f, ",%s,", day);
        csv_write_field(f, sql_column_text(q, 2));
        fputc(',', f);
        if (!sql_column_null(q, 3)) { /* shortest exact form, as every table */
            tw_csv_write_double(f, sql_column_double(q, 3));
            fputc(',', f);
            tw_csv_write_double(f, sql_column_double(q, 4));
        } else {
            fputc(',', f);
        }
        fputc(',', f);
        fprintf(f, "%s,%" PRId64 ",", col_or_empty(q, 5), sql_column_int64(q, 6));
        fprintf(f, "%s,", col_or_empty(q, 7));
        if (!sql_column_null(q, 8)) {
            tw_date_format((int32_t)sql_column_int64(q, 8), day);
            fputs(day, f);
        }
        fprintf(f, ",%s,", col_or_empty(q, 9));
        csv_write_field(f, sql_column_text(q, 10));
        fprintf(f, ",%" PRId64 ",", sql_column_int64(q, 11));
        if (!sql_column_null(q, 12))
            tw_csv_write_double(f, sql_column_double(q, 12));
        fprintf(f, ",%s,", col_or_empty(q, 13));
        fprintf(f, "%s\n", col_or_empty(q, 14));
        n++;
    }
    if (rc != SQL_DONE)
        s = store_db_error(st, "export failed");
    sql_finalize(q);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (s)
        return s;
    if (bad)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "error while writing the export");
    if (rows)
        *rows = n;
    return TW_OK;
}

tw_status tw_store_read_cases(tw_ctx *ctx, tw_store *st, const tw_store_filter *f,
                              tw_cases **inout, size_t *n)
{
    tw_status s = store_enter(ctx, st, inout != NULL, "tw_store_read_cases");
    if (s)
        return s;
    tw_store_filter all = {0};
    if (!f)
        f = &all;
    int cat = -1;
    if (f->category && (cat = cases_category_find(f->category, strlen(f->category))) < 0)
        return ctx_error(ctx, TW_E_ARG, "unknown category '%s'", f->category);
    sql_stmt *q = NULL;
    /* the filters mirror tw_cases_aggregate's, which applies them again */
    if ((s = store_prepare(st,
                           "SELECT source, report_day, lon, lat, psgc, children, category, "
                           "uncertainty_m, psgc_version FROM record WHERE ($1 = 0 OR report_day "
                           "BETWEEN $2 AND $3) AND (CAST($4 AS TEXT) IS NULL OR lower(source) = "
                           "lower(CAST($4 AS TEXT))) AND (CAST($5 AS TEXT) IS NULL OR category = "
                           "CAST($5 AS TEXT)) ORDER BY id",
                           &q, "cannot read records")))
        return s;
    int dated = f->from_day != 0 || f->to_day != 0;
    /* one source is compared in SQL; a list (a,b) row by row below */
    const char *one = f->source && !strchr(f->source, ',') ? f->source : NULL;
    int rc = sql_bind_int64(q, 1, dated) || sql_bind_int64(q, 2, f->from_day) ||
                     sql_bind_int64(q, 3, f->to_day) || sql_bind_text(q, 4, one, -1) ||
                     sql_bind_text(q, 5, cat >= 0 ? cases_category_names[cat] : NULL, -1)
                 ? SQL_ERR
                 : SQL_ROW;
    tw_cases *c = *inout;
    size_t n0 = c ? tw_cases_count(c) : 0, added = 0;
    while (rc == SQL_ROW && (rc = sql_step(q)) == SQL_ROW) {
        if (f->source && !one && !tw_source_in_filter(f->source, sql_column_text(q, 0)))
            continue;
        case_rec r;
        memset(&r, 0, sizeof r);
        r.weight = 1;
        r.id_str = -1;
        r.day = (int32_t)sql_column_int64(q, 1);
        if (!sql_column_null(q, 2)) {
            r.lon = sql_column_double(q, 2);
            r.lat = sql_column_double(q, 3);
        } else {
            r.lon = r.lat = NAN;
        }
        const char *code = sql_column_text(q, 4);
        if (code && strlen(code) == TW_PSGC_LEN) {
            memcpy(r.code, code, TW_PSGC_LEN + 1);
            r.code_kind = CASES_CODE_PSGC;
        }
        r.children = (double)sql_column_int64(q, 5);
        const char *ct = sql_column_text(q, 6);
        r.category = (int8_t)(ct ? cases_category_find(ct, strlen(ct)) : -1);
        if (!sql_column_null(q, 7)) {
            r.has_radius = 1;
            r.radius_m = sql_column_double(q, 7);
        }
        if ((s = cases_append(ctx, &c, &r, sql_column_text(q, 0), sql_column_text(q, 8))))
            break;
        added++;
    }
    if (!s && rc != SQL_DONE)
        s = store_db_error(st, "cannot read records");
    sql_finalize(q);
    if (s) {
        if (c && !*inout)
            tw_cases_free(c);
        else if (c)
            c->n = n0; /* a failed read adds nothing */
        return s;
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
