/*
 * sql_pg.c: the PostgreSQL backend of the store's SQL layer (sql.h),
 * through libpq. Statements are server-side prepared (PQprepare, types
 * inferred by the server), values travel as text (numbers printed with
 * %.17g, read with strtod: exact). Rows are streamed one at a time
 * (single-row mode), so reading a million records needs no more memory
 * than one row. Statements that return no rows (sql_run) are sent in
 * libpq's pipeline mode and synced every PIPE_MAX statements or before
 * anything else is asked of the server: a batch insert does not wait for
 * a round trip per record. Bulk loads use COPY FROM STDIN (sql_copy_*,
 * text format, escaped here), rows streamed as they are written.
 *
 * Connection errors quote libpq's message, which never contains the
 * password; names shown in messages are masked by sql_redact.
 */
#include "store/sql_backend.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_MAX 1024

static int pg_fail_res(sql_db *db, PGresult *res)
{
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *d = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    if (!m) {
        m = PQerrorMessage(db->h);
        d = NULL;
    }
    int rc = d ? sql_fail(db, "%s (%s)", m, d) : sql_fail(db, "%s", m);
    /* one line: libpq ends its messages with a newline and puts hints on
       further lines */
    char *w = db->err;
    for (const char *r = db->err; *r; r++) {
        char c = *r == '\n' || *r == '\t' ? ' ' : *r;
        if (c != ' ' || (w > db->err && w[-1] != ' '))
            *w++ = c;
    }
    while (w > db->err && w[-1] == ' ')
        w--;
    *w = '\0';
    return rc;
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* NOTICEs (e.g. "relation already exists, skipping") are not errors */
}

int pg_open(sql_db *db, const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (!c)
        return sql_fail_nomem(db);
    db->h = c;
    if (PQstatus(c) != CONNECTION_OK)
        return pg_fail_res(db, NULL);
    PQsetNoticeProcessor(c, quiet, NULL);
    /* floats in their shortest exact form; no notices; the store's own
       schema comes first in the search path (whatever the URL's options) */
    return pg_exec(db, "SET extra_float_digits = 3; SET client_min_messages = warning");
}

void pg_close(sql_db *db)
{
    if (db->h)
        PQfinish(db->h);
    db->h = NULL;
}

/* Finish what is in flight: the rows being streamed, the pipeline. */
static int pg_idle(sql_db *db, sql_stmt *except)
{
    if (db->active && db->active != except)
        pg_reset(db->active);
    return pg_sync(db);
}

int pg_sync(sql_db *db)
{
    PGconn *c = db->h;
    if (PQpipelineStatus(c) == PQ_PIPELINE_OFF)
        return SQL_OK;
    int rc = SQL_OK;
    if (!PQpipelineSync(c))
        rc = pg_fail_res(db, NULL);
    int nulls = 0;
    for (;;) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            if (++nulls > db->piped + 2 || PQstatus(c) == CONNECTION_BAD) {
                if (rc == SQL_OK)
                    rc = pg_fail_res(db, NULL);
                break;
            }
            continue;
        }
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (t == PGRES_FATAL_ERROR && rc == SQL_OK)
            rc = pg_fail_res(db, r);
        else if (t == PGRES_COMMAND_OK)
            db->changes = strtoll(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    db->piped = 0;
    if (!PQexitPipelineMode(c) && rc == SQL_OK)
        rc = pg_fail_res(db, NULL);
    return rc;
}

int pg_exec(sql_db *db, const char *sql)
{
    if (pg_idle(db, NULL))
        return SQL_ERR;
    PGresult *r = PQexec(db->h, sql);
    ExecStatusType t = PQresultStatus(r);
    int rc = SQL_OK;
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
        rc = pg_fail_res(db, r);
    else
        db->changes = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return rc;
}

int pg_table_exists(sql_db *db, const char *name, int *yes)
{
    if (pg_idle(db, NULL))
        return SQL_ERR;
    const char *v[1] = {name};
    PGresult *r = PQexecParams(db->h, "SELECT to_regclass($1::text) IS NOT NULL", 1, NULL, v,
                               NULL, NULL, 0);
    int rc = SQL_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        rc = pg_fail_res(db, r);
    else
        *yes = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return rc;
}

/* The highest $N outside quotes. */
static int count_params(const char *sql)
{
    int n = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            int k = atoi(p + 1);
            if (k > n)
                n = k;
        }
    }
    return n;
}

int pg_prepare(sql_stmt *q, const char *sql)
{
    sql_db *db = q->db;
    if (pg_idle(db, NULL))
        return SQL_ERR;
    q->nparams = count_params(sql);
    int n = q->nparams ? q->nparams : 1;
    q->vals = ctx_calloc(db->ctx, (size_t)n, sizeof *q->vals);
    q->lens = ctx_calloc(db->ctx, (size_t)n, sizeof *q->lens); /* capacity of each copy */
    q->buf = ctx_calloc(db->ctx, (size_t)n, sizeof(char *));
    if (!q->vals || !q->lens || !q->buf)
        return sql_fail_nomem(db);
    snprintf(q->pname, sizeof q->pname, "tw%u", ++db->nstmt);
    PGresult *r = PQprepare(db->h, q->pname, sql, 0, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? SQL_OK : pg_fail_res(db, r);
    PQclear(r);
    if (rc)
        q->pname[0] = '\0';
    return rc;
}

void pg_finalize(sql_stmt *q)
{
    sql_db *db = q->db;
    if (db->active == q)
        pg_reset(q);
    if (q->pname[0] && db->h && PQtransactionStatus(db->h) != PQTRANS_INERROR &&
        pg_idle(db, NULL) == SQL_OK) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", q->pname);
        PQclear(PQexec(db->h, sql)); /* a leftover only lives as long as the session */
    }
    char **own = (char **)q->buf;
    for (int i = 0; own && i < q->nparams; i++)
        ctx_free(db->ctx, own[i]);
    ctx_free(db->ctx, q->buf);
    ctx_free(db->ctx, q->vals);
    ctx_free(db->ctx, q->lens);
    q->buf = NULL;
    q->vals = NULL;
    q->lens = NULL;
}

int pg_reset(sql_stmt *q)
{
    if (q->h) {
        PQclear(q->h);
        q->h = NULL;
    }
    if (q->streaming) {
        PGresult *r;
        while ((r = PQgetResult(q->db->h)) != NULL)
            PQclear(r);
        q->streaming = 0;
    }
    if (q->db->active == q)
        q->db->active = NULL;
    return SQL_OK;
}

int pg_bind(sql_stmt *q, int i, int type, int64_t iv, double dv, const char *s, int len)
{
    sql_db *db = q->db;
    if (i < 1 || i > q->nparams)
        return sql_fail(db, "bind: no parameter $%d", i);
    if (type == SQLT_NULL) {
        q->vals[i - 1] = NULL;
        return SQL_OK;
    }
    char num[40];
    if (type == SQLT_INT) {
        snprintf(num, sizeof num, "%lld", (long long)iv);
        s = num;
        len = (int)strlen(num);
    } else if (type == SQLT_DOUBLE) {
        snprintf(num, sizeof num, "%.17g", dv);
        s = num;
        len = (int)strlen(num);
    }
    char **own = (char **)q->buf;
    if (q->lens[i - 1] < len + 1) {
        int cap = len + 1 < 40 ? 40 : 2 * (len + 1);
        char *p = ctx_realloc(db->ctx, own[i - 1], (size_t)cap);
        if (!p)
            return sql_fail_nomem(db);
        own[i - 1] = p;
        q->lens[i - 1] = cap;
    }
    memcpy(own[i - 1], s, (size_t)len);
    own[i - 1][len] = '\0';
    q->vals[i - 1] = own[i - 1];
    return SQL_OK;
}

int pg_step(sql_stmt *q)
{
    sql_db *db = q->db;
    PGconn *c = db->h;
    if (!q->streaming) {
        if (pg_idle(db, q))
            return SQL_ERR;
        if (!PQsendQueryPrepared(c, q->pname, q->nparams, (const char *const *)q->vals, NULL,
                                 NULL, 0))
            return pg_fail_res(db, NULL);
        PQsetSingleRowMode(c);
        q->streaming = 1;
        db->active = q;
    }
    if (q->h) {
        PQclear(q->h);
        q->h = NULL;
    }
    PGresult *r = PQgetResult(c);
    ExecStatusType t = PQresultStatus(r);
    if (r && t == PGRES_SINGLE_TUPLE) {
        q->h = r;
        return SQL_ROW;
    }
    int rc = SQL_DONE;
    if (t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK)
        db->changes = strtoll(PQcmdTuples(r), NULL, 10);
    else
        rc = pg_fail_res(db, r);
    PQclear(r);
    pg_reset(q); /* reads what is left up to the end */
    return rc;
}

int pg_run(sql_stmt *q)
{
    sql_db *db = q->db;
    PGconn *c = db->h;
    if (db->active)
        pg_reset(db->active);
    if (PQpipelineStatus(c) == PQ_PIPELINE_OFF && !PQenterPipelineMode(c))
        return pg_fail_res(db, NULL);
    if (!PQsendQueryPrepared(c, q->pname, q->nparams, (const char *const *)q->vals, NULL, NULL,
                             0))
        return pg_fail_res(db, NULL);
    if (++db->piped >= PIPE_MAX)
        return pg_sync(db);
    return SQL_OK;
}

int pg_column_null(sql_stmt *q, int col)
{
    return !q->h || PQgetisnull(q->h, 0, col);
}

int64_t pg_column_int64(sql_stmt *q, int col)
{
    return q->h ? strtoll(PQgetvalue(q->h, 0, col), NULL, 10) : 0;
}

double pg_column_double(sql_stmt *q, int col)
{
    return q->h ? strtod(PQgetvalue(q->h, 0, col), NULL) : 0;
}

const char *pg_column_text(sql_stmt *q, int col)
{
    return pg_column_null(q, col) ? NULL : PQgetvalue(q->h, 0, col);
}

/* ---- bulk load: COPY FROM STDIN (sql.h) --------------------------------
   COPY exists only on PostgreSQL, so the layer's copy calls live here and
   refuse a SQLite store. Text format: fields separated by a tab, rows by
   a newline, \N for NULL; a backslash, tab, newline or carriage return in
   a value is escaped with a backslash. Rows are gathered in a buffer of
   COPY_SEND bytes and handed to libpq, which sends them at once: the
   server stores rows while the caller prepares the next ones. */

#define COPY_SEND 65536

struct sql_copy {
    sql_db *db;
    int ncols;   /* columns of the table's list */
    int nfields; /* fields of the row being written */
    int open;    /* the server is in COPY IN: end or abort it */
    int failed;  /* an error is recorded on db: only sql_copy_free remains */
    char *buf;
    size_t len, cap;
};

static int copy_fail(sql_copy *c, int rc)
{
    c->failed = 1;
    return rc;
}

static int copy_reserve(sql_copy *c, size_t n)
{
    if (c->len + n <= c->cap)
        return SQL_OK;
    size_t cap = c->cap ? c->cap : COPY_SEND + 1024;
    while (cap < c->len + n)
        cap *= 2;
    char *p = ctx_realloc(c->db->ctx, c->buf, cap);
    if (!p)
        return copy_fail(c, sql_fail_nomem(c->db));
    c->buf = p;
    c->cap = cap;
    return SQL_OK;
}

static int copy_send(sql_copy *c)
{
    if (c->len && PQputCopyData(c->db->h, c->buf, (int)c->len) != 1)
        return copy_fail(c, pg_fail_res(c->db, NULL));
    c->len = 0;
    return SQL_OK;
}

/* Start a field: room for need more bytes, after the separator. */
static int copy_field(sql_copy *c, size_t need)
{
    if (c->failed)
        return SQL_ERR;
    if (c->nfields >= c->ncols)
        return copy_fail(c, sql_fail(c->db, "copy: more than the %d columns in a row", c->ncols));
    if (copy_reserve(c, need + 1))
        return SQL_ERR;
    if (c->nfields++)
        c->buf[c->len++] = '\t';
    return SQL_OK;
}

/* Append s with COPY's escapes (room reserved: 2 bytes per byte). */
static int copy_escaped(sql_copy *c, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char e = 0;
        switch (s[i]) {
        case '\\': e = '\\'; break;
        case '\t': e = 't'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\0':
            /* PostgreSQL text cannot hold it */
            return copy_fail(c, sql_fail(c->db, "copy: a text value contains a NUL byte"));
        default: break;
        }
        if (e) {
            c->buf[c->len++] = '\\';
            c->buf[c->len++] = e;
        } else {
            c->buf[c->len++] = s[i];
        }
    }
    return SQL_OK;
}

int sql_copy_begin(sql_db *db, const char *table, sql_copy **out)
{
    *out = NULL;
    if (db->kind != SQL_PG)
        return sql_fail(db, "COPY needs PostgreSQL");
    const char *open = strchr(table, '(');
    if (!open || !strchr(open, ')'))
        return sql_fail(db, "copy: expected table(columns), got %s", table);
    if (pg_idle(db, NULL))
        return SQL_ERR;
    sql_copy *c = ctx_calloc(db->ctx, 1, sizeof *c);
    if (!c)
        return sql_fail_nomem(db);
    c->db = db;
    c->ncols = 1;
    for (const char *p = open; *p != ')'; p++)
        c->ncols += *p == ',';
    size_t n = strlen(table) + 32;
    char *sql = ctx_malloc(db->ctx, n);
    if (!sql) {
        ctx_free(db->ctx, c);
        return sql_fail_nomem(db);
    }
    snprintf(sql, n, "COPY %s FROM STDIN", table);
    PGresult *r = PQexec(db->h, sql);
    ctx_free(db->ctx, sql);
    int rc = SQL_OK;
    if (PQresultStatus(r) == PGRES_COPY_IN)
        c->open = 1;
    else
        rc = pg_fail_res(db, r);
    PQclear(r);
    if (rc) {
        sql_copy_free(c);
        return rc;
    }
    *out = c;
    return SQL_OK;
}

int sql_copy_int64(sql_copy *c, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)v);
    if (copy_field(c, (size_t)n))
        return SQL_ERR;
    memcpy(c->buf + c->len, num, (size_t)n);
    c->len += (size_t)n;
    return SQL_OK;
}

int sql_copy_double(sql_copy *c, double v)
{
    char num[40];
    int n = snprintf(num, sizeof num, "%.17g", v); /* as pg_bind: the same stored value */
    if (copy_field(c, (size_t)n))
        return SQL_ERR;
    memcpy(c->buf + c->len, num, (size_t)n);
    c->len += (size_t)n;
    return SQL_OK;
}

int sql_copy_null(sql_copy *c)
{
    if (copy_field(c, 2))
        return SQL_ERR;
    c->buf[c->len++] = '\\';
    c->buf[c->len++] = 'N';
    return SQL_OK;
}

int sql_copy_text(sql_copy *c, const char *s, int len)
{
    if (!s)
        return sql_copy_null(c);
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    if (copy_field(c, 2 * n))
        return SQL_ERR;
    return copy_escaped(c, s, n);
}

/* An array literal, {"a","b",NULL}: each element quoted, its quotes and
   backslashes escaped for the array, then the whole for COPY. */
int sql_copy_text_array(sql_copy *c, const char *const *elems, size_t n)
{
    if (!elems && n)
        return sql_copy_null(c);
    size_t need = 2;
    for (size_t i = 0; i < n; i++)
        need += elems[i] ? 8 + 4 * strlen(elems[i]) : 5;
    if (copy_field(c, need))
        return SQL_ERR;
    c->buf[c->len++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            c->buf[c->len++] = ',';
        if (!elems[i]) {
            memcpy(c->buf + c->len, "NULL", 4);
            c->len += 4;
            continue;
        }
        c->buf[c->len++] = '"';
        for (const char *p = elems[i]; *p; p++) {
            if ((*p == '"' || *p == '\\') && copy_escaped(c, "\\", 1))
                return SQL_ERR;
            if (copy_escaped(c, p, 1))
                return SQL_ERR;
        }
        c->buf[c->len++] = '"';
    }
    c->buf[c->len++] = '}';
    return SQL_OK;
}

int sql_copy_row(sql_copy *c)
{
    if (c->failed)
        return SQL_ERR;
    if (c->nfields != c->ncols)
        return copy_fail(c, sql_fail(c->db, "copy: a row of %d fields for %d columns",
                                     c->nfields, c->ncols));
    if (copy_reserve(c, 1))
        return SQL_ERR;
    c->buf[c->len++] = '\n';
    c->nfields = 0;
    return c->len >= COPY_SEND ? copy_send(c) : SQL_OK;
}

int sql_copy_end(sql_copy *c)
{
    if (c->failed)
        return SQL_ERR;
    sql_db *db = c->db;
    if (c->nfields)
        return copy_fail(c, sql_fail(db, "copy: the last row is not complete"));
    if (copy_send(c))
        return SQL_ERR;
    c->open = 0;
    if (PQputCopyEnd(db->h, NULL) != 1)
        return copy_fail(c, pg_fail_res(db, NULL));
    int rc = SQL_OK;
    PGresult *r;
    while ((r = PQgetResult(db->h)) != NULL) {
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_COMMAND_OK)
            db->changes = strtoll(PQcmdTuples(r), NULL, 10);
        else if (rc == SQL_OK)
            rc = pg_fail_res(db, r); /* a bad row: the first error is the one */
        PQclear(r);
        if (t == PGRES_COPY_IN || PQstatus(db->h) == CONNECTION_BAD)
            break; /* still copying: the connection is lost */
    }
    return rc ? copy_fail(c, rc) : SQL_OK;
}

void sql_copy_free(sql_copy *c)
{
    if (!c)
        return;
    sql_db *db = c->db;
    if (c->open && PQputCopyEnd(db->h, "abandoned by the client") == 1) {
        PGresult *r;
        while ((r = PQgetResult(db->h)) != NULL) {
            ExecStatusType t = PQresultStatus(r);
            PQclear(r);
            if (t == PGRES_COPY_IN || PQstatus(db->h) == CONNECTION_BAD)
                break;
        }
    }
    ctx_free(db->ctx, c->buf);
    ctx_free(db->ctx, c);
}
