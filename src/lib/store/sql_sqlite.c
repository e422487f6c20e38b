/*
 * sql_sqlite.c: the SQLite backend of the store's SQL layer (sql.h): a
 * file in WAL mode with synchronous=FULL (a killed writer leaves an
 * uncommitted tail the next open ignores; a committed batch survives a
 * power cut), foreign keys on, and a 10-minute busy timeout so that
 * concurrent loaders queue on the write lock instead of failing.
 * Statements are written with $N placeholders and turned into ?N here.
 */
#include "store/sql_backend.h"

#include <sqlite3.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 600000

static int lite_fail(sql_db *db, const char *what)
{
    if (sqlite3_errcode(db->h) == SQLITE_NOMEM)
        return sql_fail_nomem(db);
    return what ? sql_fail(db, "%s: %s", what, sqlite3_errmsg(db->h))
                : sql_fail(db, "%s", sqlite3_errmsg(db->h));
}

int lite_open(sql_db *db, const char *path, int create)
{
    sqlite3 *h = NULL;
    int how = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &h, how, NULL) != SQLITE_OK) {
        if (!h)
            return sql_fail_nomem(db);
        sql_fail(db, "%s", sqlite3_errmsg(h));
        sqlite3_close_v2(h);
        return SQL_ERR;
    }
    db->h = h;
    sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
    return lite_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                         "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536");
}

void lite_close(sql_db *db)
{
    if (db->h)
        sqlite3_close_v2(db->h);
    db->h = NULL;
}

int lite_exec(sql_db *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = msg ? sql_fail(db, "%s", msg) : lite_fail(db, NULL);
        if (sqlite3_errcode(db->h) == SQLITE_NOMEM)
            rc = sql_fail_nomem(db);
        sqlite3_free(msg);
        return rc;
    }
    db->changes = sqlite3_changes64(db->h);
    return SQL_OK;
}

int lite_table_exists(sql_db *db, const char *name, int *yes)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db->h, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?",
                           -1, &q, NULL) != SQLITE_OK)
        return lite_fail(db, NULL);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *yes = sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? SQL_OK : lite_fail(db, NULL);
}

int lite_prepare(sql_stmt *q, const char *sql)
{
    /* $N -> ?N outside quotes */
    size_t n = strlen(sql);
    char *t = ctx_malloc(q->db->ctx, n + 1);
    if (!t)
        return sql_fail_nomem(q->db);
    char quote = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            c = '?';
        }
        t[i] = c;
    }
    sqlite3_stmt *h = NULL;
    int rc = sqlite3_prepare_v2(q->db->h, t, -1, &h, NULL);
    ctx_free(q->db->ctx, t);
    if (rc != SQLITE_OK)
        return lite_fail(q->db, NULL);
    q->h = h;
    return SQL_OK;
}

void lite_finalize(sql_stmt *q)
{
    sqlite3_finalize(q->h);
    q->h = NULL;
}

int lite_reset(sql_stmt *q)
{
    sqlite3_reset(q->h);
    return SQL_OK;
}

int lite_bind(sql_stmt *q, int i, int type, int64_t iv, double dv, const char *s, int len)
{
    int rc;
    switch (type) {
    case SQLT_INT: rc = sqlite3_bind_int64(q->h, i, iv); break;
    case SQLT_DOUBLE: rc = sqlite3_bind_double(q->h, i, dv); break;
    case SQLT_TEXT: rc = sqlite3_bind_text(q->h, i, s, len, SQLITE_TRANSIENT); break;
    default: rc = sqlite3_bind_null(q->h, i); break;
    }
    return rc == SQLITE_OK ? SQL_OK : lite_fail(q->db, "bind");
}

int lite_step(sql_stmt *q)
{
    int rc = sqlite3_step(q->h);
    if (rc == SQLITE_ROW)
        return SQL_ROW;
    if (rc == SQLITE_DONE) {
        q->db->changes = sqlite3_changes64(q->db->h);
        sqlite3_reset(q->h); /* the next step runs it again */
        return SQL_DONE;
    }
    rc = lite_fail(q->db, NULL);
    sqlite3_reset(q->h);
    return rc;
}

int lite_column_null(sql_stmt *q, int col)
{
    return sqlite3_column_type(q->h, col) == SQLITE_NULL;
}

int64_t lite_column_int64(sql_stmt *q, int col)
{
    return sqlite3_column_int64(q->h, col);
}

double lite_column_double(sql_stmt *q, int col)
{
    return sqlite3_column_double(q->h, col);
}

const char *lite_column_text(sql_stmt *q, int col)
{
    return (const char *)sqlite3_column_text(q->h, col);
}
