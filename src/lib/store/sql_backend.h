/*
 * sql_backend.h: what the SQL layer's dispatcher (sql.c) shares with its
 * two backends (sql_sqlite.c, sql_pg.c): the handles and the backend entry
 * points. Only the layer includes it; the store uses sql.h.
 */
#ifndef TW_STORE_SQL_BACKEND_H
#define TW_STORE_SQL_BACKEND_H

#include "store/sql.h"

#define SQL_ERRMAX 512

struct sql_db {
    tw_ctx *ctx;
    sql_dialect kind;
    char name[512]; /* path, or URL with the password masked */
    char err[SQL_ERRMAX];
    int nomem;
    int64_t changes;
    void *h;        /* sqlite3 * or PGconn * */
    /* PostgreSQL: statements counter (names), pipeline state */
    unsigned nstmt;
    int piped;      /* statements sent in pipeline mode, not yet synced */
    sql_stmt *active; /* statement whose rows are being streamed */
};

struct sql_stmt {
    sql_db *db;
    void *h;        /* sqlite3_stmt *; PostgreSQL: the current row's PGresult */
    /* PostgreSQL */
    char pname[24];
    int nparams;
    char **vals;    /* parameter texts (NULL: SQL NULL) */
    int *lens;
    char *buf;      /* owned copies of numbers: 32 bytes per parameter */
    int streaming;  /* rows are being received */
};

/* Record an error message on db (printf style); returns SQL_ERR. */
int sql_fail(sql_db *db, const char *fmt, ...) TW_PRINTF(2, 3);
int sql_fail_nomem(sql_db *db);

int lite_open(sql_db *db, const char *path, int create);
void lite_close(sql_db *db);
int lite_exec(sql_db *db, const char *sql);
int lite_table_exists(sql_db *db, const char *name, int *yes);
int lite_prepare(sql_stmt *q, const char *sql);
void lite_finalize(sql_stmt *q);
int lite_reset(sql_stmt *q);
int lite_bind(sql_stmt *q, int i, int type, int64_t iv, double dv, const char *s, int len);
int lite_step(sql_stmt *q);
int lite_column_null(sql_stmt *q, int col);
int64_t lite_column_int64(sql_stmt *q, int col);
double lite_column_double(sql_stmt *q, int col);
const char *lite_column_text(sql_stmt *q, int col);

int pg_open(sql_db *db, const char *url);
void pg_close(sql_db *db);
int pg_exec(sql_db *db, const char *sql);
int pg_sync(sql_db *db);
int pg_table_exists(sql_db *db, const char *name, int *yes);
int pg_prepare(sql_stmt *q, const char *sql);
void pg_finalize(sql_stmt *q);
int pg_reset(sql_stmt *q);
int pg_bind(sql_stmt *q, int i, int type, int64_t iv, double dv, const char *s, int len);
int pg_step(sql_stmt *q);
int pg_run(sql_stmt *q);
int pg_column_null(sql_stmt *q, int col);
int64_t pg_column_int64(sql_stmt *q, int col);
double pg_column_double(sql_stmt *q, int col);
const char *pg_column_text(sql_stmt *q, int col);

enum { SQLT_NULL, SQLT_INT, SQLT_DOUBLE, SQLT_TEXT };

#endif
