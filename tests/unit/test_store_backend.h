/*
 * test_store_backend.h: the backend the store tests run against, so that
 * one test file covers SQLite and PostgreSQL. TANAW_TEST_BACKEND=pg makes
 * store_target() give a fresh PostgreSQL database per store name on the
 * server of TANAW_TEST_PG_URL (scripts/pg-test-server.sh); without that
 * URL the binary reports SKIP and exits 77 (ctest SKIP_RETURN_CODE).
 * Otherwise store_target() is a file in the test's temporary directory.
 * Uses the store's SQL layer (src/lib/store/sql.h) for setup and for
 * looking inside a store.
 */
#ifndef TEST_STORE_BACKEND_H
#define TEST_STORE_BACKEND_H

#include "harness.h"
#include "store/sql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_TEST_SKIP 77

static int store_on_pg(void)
{
    const char *b = getenv("TANAW_TEST_BACKEND");
    return b && strcmp(b, "pg") == 0;
}

/* Skip the whole binary when the PostgreSQL run has no server. */
static void store_backend_check(const char *prog)
{
    if (!store_on_pg())
        return;
    const char *url = getenv("TANAW_TEST_PG_URL");
    if (!url || !*url) {
        printf("SKIP: %s on PostgreSQL: TANAW_TEST_PG_URL is not set (scripts/test.sh starts "
               "a throwaway server with scripts/pg-test-server.sh)\n", prog);
        exit(STORE_TEST_SKIP);
    }
}

/* url with its database (the path after the host) replaced by db. */
static void store_url_with_db(const char *url, const char *db, char *out, size_t cap)
{
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t alen = strcspn(auth, "/?");
    const char *rest = auth + alen;
    if (*rest == '/')
        rest += strcspn(rest, "?");
    snprintf(out, cap, "%.*s/%s%s", (int)(auth + alen - url), url, db, rest);
}

static void store_pg_exec(const char *url, const char *sql, int must)
{
    tw_ctx *ctx = tw_ctx_new();
    sql_db *db = NULL;
    char err[600];
    if (sql_open(ctx, url, 0, &db, err, sizeof err)) {
        harness_fail(__FILE__, __LINE__, "cannot connect to the test server: %s", err);
        tw_ctx_free(ctx);
        return;
    }
    if (sql_exec(db, sql) && must)
        harness_fail(__FILE__, __LINE__, "%s: %s", sql, sql_errmsg(db));
    sql_close(db);
    tw_ctx_free(ctx);
}

/* The PostgreSQL database name of a test store: tw_<prog>_<name>. */
static void store_db_ident(const char *prog, const char *name, char db[64])
{
    int n = snprintf(db, 64, "tw_%s_%s", prog, name);
    for (int i = 0; i < n && i < 63; i++)
        db[i] = isalnum((unsigned char)db[i]) ? (char)tolower((unsigned char)db[i]) : '_';
}

/* Where the store called name lives, as it is: a file in the test's
   directory, or the PostgreSQL database tw_<prog>_<name>. */
static const char *store_name_in(const char *prog, const char *name)
{
    if (!store_on_pg())
        return harness_tmp(name);
    static char bufs[4][1024];
    static int k;
    char *out = bufs[k++ & 3];
    char db[64];
    store_db_ident(prog, name, db);
    store_url_with_db(getenv("TANAW_TEST_PG_URL"), db, out, sizeof bufs[0]);
    return out;
}

/* The same, empty: the file removed (with its WAL), or the database
   created, or emptied when it exists. */
static const char *store_target_in(const char *prog, const char *name)
{
    const char *t = store_name_in(prog, name);
    if (!store_on_pg()) {
        char aux[1100];
        remove(t);
        snprintf(aux, sizeof aux, "%s-wal", t);
        remove(aux);
        snprintf(aux, sizeof aux, "%s-shm", t);
        remove(aux);
        return t;
    }
    char db[64], sql[160];
    store_db_ident(prog, name, db);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    store_pg_exec(getenv("TANAW_TEST_PG_URL"), sql, 0); /* fails when it exists */
    store_pg_exec(t, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", 1);
    return t;
}

#endif
