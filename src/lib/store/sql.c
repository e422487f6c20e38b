/*
 * sql.c: the SQL layer's front (sql.h): choosing the backend from the
 * --db value, masking passwords in names and messages, and passing each
 * call to sql_sqlite.c or sql_pg.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "store/sql_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sql_is_url(const char *t)
{
    return t && (strncmp(t, "postgresql://", 13) == 0 || strncmp(t, "postgres://", 11) == 0);
}

void sql_redact(const char *t, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (!t)
        return;
    size_t o = 0;
#define PUT(c) do { if (o + 1 < cap) out[o++] = (c); } while (0)
    const char *auth = sql_is_url(t) ? strstr(t, "://") + 3 : NULL;
    const char *at = NULL, *colon = NULL;
    if (auth) {
        size_t alen = strcspn(auth, "/?");
        for (const char *p = auth; p < auth + alen; p++)
            if (*p == '@')
                at = p;
        if (at)
            colon = memchr(auth, ':', (size_t)(at - auth));
    }
    const char *query = auth ? strchr(auth, '?') : NULL;
    for (const char *p = t; *p; p++) {
        if (colon && p == colon) { /* user:password@ */
            PUT(':');
            for (const char *m = "***"; *m; m++)
                PUT(*m);
            p = at - 1;
            continue;
        }
        if (query && p > query && (p[-1] == '?' || p[-1] == '&') &&
            strncmp(p, "password=", 9) == 0) {
            for (const char *m = "password=***"; *m; m++)
                PUT(*m);
            p += 9;
            while (*p && *p != '&')
                p++;
            p--;
            continue;
        }
        PUT(*p);
    }
#undef PUT
    out[o] = '\0';
}

int sql_fail(sql_db *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->err, sizeof db->err, fmt, ap);
    va_end(ap);
    db->nomem = 0;
    return SQL_ERR;
}

int sql_fail_nomem(sql_db *db)
{
    snprintf(db->err, sizeof db->err, "out of memory");
    db->nomem = 1;
    return SQL_ERR;
}

int sql_open(tw_ctx *ctx, const char *target, int create, sql_db **out, char *err, size_t errcap)
{
    *out = NULL;
    sql_db *db = ctx_calloc(ctx, 1, sizeof *db);
    if (!db) {
        snprintf(err, errcap, "out of memory");
        return -2;
    }
    db->ctx = ctx;
    sql_redact(target, db->name, sizeof db->name);
    int rc;
    if (sql_is_url(target)) {
        db->kind = SQL_PG;
        rc = pg_open(db, target);
    } else {
        db->kind = SQL_SQLITE;
        rc = lite_open(db, target, create);
    }
    if (rc != SQL_OK) {
        snprintf(err, errcap, "%s", db->err);
        rc = db->nomem ? -2 : SQL_ERR;
        sql_close(db);
        return rc;
    }
    *out = db;
    return SQL_OK;
}

void sql_close(sql_db *db)
{
    if (!db)
        return;
    if (db->kind == SQL_PG)
        pg_close(db);
    else
        lite_close(db);
    ctx_free(db->ctx, db);
}

void sql_set_ctx(sql_db *db, tw_ctx *ctx)
{
    if (db && ctx)
        db->ctx = ctx;
}

sql_dialect sql_kind(const sql_db *db) { return db->kind; }
const char *sql_name(const sql_db *db) { return db->name; }
const char *sql_errmsg(const sql_db *db) { return db->err; }
int sql_nomem(const sql_db *db) { return db->nomem; }
int64_t sql_changes(sql_db *db) { return db->changes; }

int sql_exec(sql_db *db, const char *sql)
{
    return db->kind == SQL_PG ? pg_exec(db, sql) : lite_exec(db, sql);
}

int sql_begin(sql_db *db, int write)
{
    if (db->kind == SQL_SQLITE)
        return lite_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!write)
        return pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    char sql[96];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", (long long)SQL_WRITE_LOCK);
    return pg_exec(db, sql);
}

int sql_commit(sql_db *db)
{
    return sql_exec(db, "COMMIT");
}

void sql_rollback(sql_db *db)
{
    char keep[SQL_ERRMAX];
    int nomem = db->nomem;
    memcpy(keep, db->err, sizeof keep);
    sql_exec(db, "ROLLBACK");
    memcpy(db->err, keep, sizeof keep); /* the first error is the one to report */
    db->nomem = nomem;
}

int sql_sync(sql_db *db)
{
    return db->kind == SQL_PG ? pg_sync(db) : SQL_OK;
}

int sql_table_exists(sql_db *db, const char *name, int *yes)
{
    *yes = 0;
    return db->kind == SQL_PG ? pg_table_exists(db, name, yes) : lite_table_exists(db, name, yes);
}

int sql_prepare(sql_db *db, const char *sql, sql_stmt **out)
{
    *out = NULL;
    sql_stmt *q = ctx_calloc(db->ctx, 1, sizeof *q);
    if (!q)
        return sql_fail_nomem(db);
    q->db = db;
    int rc = db->kind == SQL_PG ? pg_prepare(q, sql) : lite_prepare(q, sql);
    if (rc != SQL_OK) {
        sql_finalize(q);
        return rc;
    }
    *out = q;
    return SQL_OK;
}

void sql_finalize(sql_stmt *q)
{
    if (!q)
        return;
    if (q->db->kind == SQL_PG)
        pg_finalize(q);
    else
        lite_finalize(q);
    ctx_free(q->db->ctx, q);
}

int sql_reset(sql_stmt *q)
{
    return q->db->kind == SQL_PG ? pg_reset(q) : lite_reset(q);
}

static int bind(sql_stmt *q, int i, int type, int64_t iv, double dv, const char *s, int len)
{
    return q->db->kind == SQL_PG ? pg_bind(q, i, type, iv, dv, s, len)
                                 : lite_bind(q, i, type, iv, dv, s, len);
}

int sql_bind_int64(sql_stmt *q, int i, int64_t v) { return bind(q, i, SQLT_INT, v, 0, NULL, 0); }
int sql_bind_double(sql_stmt *q, int i, double v) { return bind(q, i, SQLT_DOUBLE, 0, v, NULL, 0); }
int sql_bind_null(sql_stmt *q, int i) { return bind(q, i, SQLT_NULL, 0, 0, NULL, 0); }
int sql_bind_text(sql_stmt *q, int i, const char *s, int len)
{
    if (!s)
        return sql_bind_null(q, i);
    return bind(q, i, SQLT_TEXT, 0, 0, s, len < 0 ? (int)strlen(s) : len);
}

int sql_step(sql_stmt *q)
{
    return q->db->kind == SQL_PG ? pg_step(q) : lite_step(q);
}

int sql_run(sql_stmt *q)
{
    if (q->db->kind == SQL_PG)
        return pg_run(q);
    int rc = lite_step(q);
    if (rc == SQL_ROW)
        rc = SQL_DONE; /* a RETURNING row nobody asked for */
    int r2 = lite_reset(q);
    return rc != SQL_OK ? rc : r2;
}

int sql_column_null(sql_stmt *q, int c)
{
    return q->db->kind == SQL_PG ? pg_column_null(q, c) : lite_column_null(q, c);
}
int64_t sql_column_int64(sql_stmt *q, int c)
{
    return q->db->kind == SQL_PG ? pg_column_int64(q, c) : lite_column_int64(q, c);
}
double sql_column_double(sql_stmt *q, int c)
{
    return q->db->kind == SQL_PG ? pg_column_double(q, c) : lite_column_double(q, c);
}
const char *sql_column_text(sql_stmt *q, int c)
{
    return q->db->kind == SQL_PG ? pg_column_text(q, c) : lite_column_text(q, c);
}
