/*
 * test_store_internal.c: internals of the store module: forward migration
 * of a store created at schema version 1 (its batches and records survive,
 * the new columns and tables appear), refusal of a store newer than the
 * library, and the normalisation of identifiers (the same phone, e-mail,
 * handle, device or IP written several ways gives one text; malformed
 * values are refused without being quoted), and records read back from
 * the store equal, field by field, those tw_cases_read_csv reads from the
 * same file (including uncertainty_m and psgc_version), and the bulk
 * load of the PostgreSQL backend (COPY) storing any text as given.
 */
#include "harness.h"
#include "cases/cases_internal.h"
#include "store/store_internal.h"
#include "test_store_backend.h"

#include <string.h>

static void test_migrate_from_v1(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = NULL;
    CHECK_OK(ctx, tw_store_open(ctx, store_target_in("internal", "v1.db"), TW_STORE_CREATE, &st));
    int from = -1;
    CHECK_OK(ctx, store_migrate_to(st, 1, &from));
    CHECK_EQ_INT(from, 0);
    int v = 0;
    CHECK_OK(ctx, store_version(st, &v));
    CHECK_EQ_INT(v, 1);
    CHECK_OK(ctx, store_exec(st, "INSERT INTO batch VALUES(1,'a','b','2024-01-01T00:00:00Z','f.csv',"
                                 "'00',1,1,0,'x');"
                                 "INSERT INTO record VALUES(1,1,'h','r','NBI',19000,NULL,NULL,"
                                 "'0702201001',1,NULL)"));
    /* a v1 store is not used for ingest until migrated */
    tw_store_info info;
    CHECK(tw_store_info_get(ctx, st, &info) == TW_E_ARG);
    int to = 0;
    CHECK_OK(ctx, tw_store_migrate(ctx, st, &from, &to));
    CHECK_EQ_INT(from, 1);
    CHECK_EQ_INT(to, STORE_SCHEMA_VERSION);
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.records, 1);
    CHECK_EQ_INT(info.batches, 1);
    /* columns of later migrations exist, with their defaults */
    CHECK_OK(ctx, store_exec(st, "UPDATE record SET incident_day=18999, location_precision='exact'"));
    tw_store_batch *b = NULL;
    size_t n = 0;
    CHECK_OK(ctx, tw_store_batches(ctx, st, &b, &n));
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK_EQ_INT(b[0].purged, 0);
    tw_store_batches_free(ctx, b);
    /* a store from a newer tanaw is refused, not downgraded */
    CHECK_OK(ctx, store_exec(st, "INSERT INTO schema_migrations VALUES(99, 'future')"));
    CHECK(tw_store_migrate(ctx, st, NULL, NULL) == TW_E_UNSUPPORTED);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

static int norm(int kind, const char *in, char *out)
{
    const char *why = NULL;
    return pseudo_normalise(kind, in, strlen(in), out, 256, &why);
}

static void test_normalise(void)
{
    char a[256], b[256];
    static const char *const phones[] = {"09171234567", "+63 917 123 4567", "917-123-4567",
                                         "(63) 917.123.4567"};
    for (size_t i = 0; i < 4; i++) {
        CHECK(norm(ID_PHONE, phones[i], a));
        CHECK(strcmp(a, "639171234567") == 0);
    }
    CHECK(!norm(ID_PHONE, "0917abc", a));
    CHECK(!norm(ID_PHONE, "12", a));
    CHECK(norm(ID_EMAIL, " Someone@Example.ORG ", a) && strcmp(a, "someone@example.org") == 0);
    CHECK(!norm(ID_EMAIL, "no-at-sign", a));
    CHECK(!norm(ID_EMAIL, "a@b@c", a));
    CHECK(norm(ID_HANDLE, "@Juan_DC", a) && norm(ID_HANDLE, "juan_dc", b) && strcmp(a, b) == 0);
    CHECK(norm(ID_DEVICE, "35-209900-176148-1", a) && strcmp(a, "352099001761481") == 0);
    CHECK(norm(ID_DEVICE, "AA:BB:CC:00:11:22", a) && strcmp(a, "aabbcc001122") == 0);
    CHECK(norm(ID_IP, " 2001:DB8:0:0:0:0:0:1 ", a) && strcmp(a, "2001:db8::1") == 0);
    CHECK(norm(ID_IP, "203.0.113.7", a) && strcmp(a, "203.0.113.7") == 0);
    CHECK(!norm(ID_IP, "203.0.113", a));
    CHECK(!norm(ID_ACCOUNT, "   ", a));
    /* the hash depends on the key and on the domain */
    uint8_t k1[32] = {1}, k2[32] = {2};
    char h1[STORE_HASH_HEX], h2[STORE_HASH_HEX], h3[STORE_HASH_HEX];
    pseudo_hash_hex(k1, "tanaw id v1", "x", 1, h1);
    pseudo_hash_hex(k2, "tanaw id v1", "x", 1, h2);
    pseudo_hash_hex(k1, "tanaw case v1", "x", 1, h3);
    CHECK(strcmp(h1, h2) != 0);
    CHECK(strcmp(h1, h3) != 0);
    CHECK_EQ_INT(strlen(h1), 2 * STORE_HASH_BYTES);
}

static const char *pool_str(const tw_cases *c, int32_t i)
{
    return i >= 0 && (size_t)i < c->strs.n ? c->strs.s[i] : "";
}

static void test_records_equal_csv(void)
{
    const char *csv =
        "case_id,report_date,source,lon,lat,psgc,children,category,uncertainty_m,psgc_version\n"
        "E-1,2023-01-05,CyberTipline,123.9,10.3,,1,livestreaming,5000,\n"
        "E-2,2023-02-05,NBI,,,0702201002,2,grooming,,2023Q4\n"
        "E-3,2023-03-05,hotline,124.25,10.125,0702201001,3,,0,2019Q4\n"
        "E-4,2023-04-05,NBI,-0.5,0.25,,0,,,\n";
    const char *path = harness_write("eq.csv", csv);
    tw_ctx *ctx = tw_ctx_new();
    int32_t maxd = 0;
    tw_date_parse("2024-12-31", 10, &maxd);
    tw_cases *a = NULL, *b = NULL;
    tw_cases_read_opts ro = {.max_day = maxd};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, path, &ro, &a, NULL));
    tw_store *st = NULL;
    CHECK_OK(ctx, tw_store_open(ctx, store_target_in("internal", "eq.db"), TW_STORE_CREATE, &st));
    CHECK_OK(ctx, tw_store_migrate(ctx, st, NULL, NULL));
    uint8_t key[32] = {3};
    tw_store_ingest_opts o = {.agency = "x", .loaded_by = "y", .key = key, .max_day = maxd};
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, path, &o, NULL));
    CHECK_OK(ctx, tw_store_read_cases(ctx, st, NULL, &b, NULL));
    CHECK(a && b);
    if (a && b) {
        CHECK_EQ_INT(b->n, a->n);
        CHECK_EQ_INT(a->n, 4);
        for (size_t i = 0; i < a->n && i < b->n; i++) {
            const case_rec *x = &a->rec[i], *y = &b->rec[i];
            CHECK_EQ_INT(y->day, x->day);
            CHECK_NEAR(y->lon, x->lon, 0);
            CHECK_NEAR(y->lat, x->lat, 0);
            CHECK_NEAR(y->weight, x->weight, 0);
            CHECK_NEAR(y->children, x->children, 0);
            CHECK_EQ_INT(y->category, x->category);
            CHECK_EQ_INT(y->code_kind, x->code_kind);
            CHECK(strcmp(y->code, x->code) == 0);
            CHECK_EQ_INT(y->has_radius, x->has_radius);
            CHECK_NEAR(y->radius_m, x->radius_m, 0);
            CHECK(strcmp(pool_str(b, y->source), pool_str(a, x->source)) == 0);
            CHECK_EQ_INT(y->version != 0, x->version != 0);
            CHECK(strcmp(pool_str(b, y->version - 1), pool_str(a, x->version - 1)) == 0);
        }
        CHECK_EQ_INT(a->rec[0].has_radius, 1); /* the fixture exercises both fields */
        CHECK_EQ_INT(a->rec[1].version != 0, 1);
    }
    tw_cases_free(a);
    tw_cases_free(b);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

/* Bulk load (sql_copy_*, PostgreSQL's COPY) stores any text as it was
   given: tabs, newlines, carriage returns, backslashes, "\N" and "\." as
   text, quotes, braces and commas inside array elements; NULL apart from
   "NULL"; numbers as a bound parameter stores them. A bad row, a NUL byte
   or a value the server refuses fails the copy and leaves the connection
   usable. SQLite refuses COPY. */
static void test_copy_escapes(void)
{
    static const char *const texts[] = {
        "plain", "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash", "trailing\\",
        "\\N", "\\.", "", "\"quoted\" and 'single'", "{braces},commas", "NULL", "\\\"",
        "\xc3\xbc" "n" "\xc3\xaf" "c" "\xc3\xb6" "d" "\xc3\xa9"};
    static const double nums[] = {0.1, -0.0, 1e-300, 123.45678901234568, -1.7976931348623157e308,
                                  2.5, 1.0 / 3, 4e15, 6.02214076e23, -122.4194155, 10.3,
                                  5000, 0.30000000000000004, 1};
    enum { NT = sizeof texts / sizeof *texts };
    tw_ctx *ctx = tw_ctx_new();
    sql_db *db = NULL;
    sql_copy *c = NULL;
    char err[600];
    const char *target = store_target_in("internal", "copy.db");
    CHECK(sql_open(ctx, target, 1, &db, err, sizeof err) == SQL_OK);
    if (!db) {
        tw_ctx_free(ctx);
        return;
    }
    if (!store_on_pg()) {
        CHECK(sql_copy_begin(db, "t(a)", &c) == SQL_ERR);
        CHECK(c == NULL);
        CHECK(strstr(sql_errmsg(db), "COPY needs PostgreSQL") != NULL);
        sql_close(db);
        tw_ctx_free(ctx);
        return;
    }
    CHECK(sql_exec(db, "CREATE TABLE t(k BIGINT, s TEXT, d DOUBLE PRECISION, a TEXT[]);"
                       "CREATE TABLE u(k BIGINT, d DOUBLE PRECISION)") == SQL_OK);
    CHECK(sql_copy_begin(db, "t(k, s, d, a)", &c) == SQL_OK);
    for (int i = 0; c && i < NT; i++) {
        const char *elems[3] = {texts[i], NULL, texts[(i + 1) % NT]};
        CHECK(sql_copy_int64(c, i) == SQL_OK);
        CHECK(sql_copy_text(c, texts[i], -1) == SQL_OK);
        CHECK(sql_copy_double(c, nums[i]) == SQL_OK);
        CHECK(sql_copy_text_array(c, elems, 3) == SQL_OK);
        CHECK(sql_copy_row(c) == SQL_OK);
    }
    if (c) { /* NULLs and an empty array; len cuts the text */
        CHECK(sql_copy_int64(c, -1) == SQL_OK && sql_copy_text(c, NULL, 0) == SQL_OK &&
              sql_copy_null(c) == SQL_OK && sql_copy_text_array(c, NULL, 0) == SQL_OK &&
              sql_copy_row(c) == SQL_OK);
        CHECK(sql_copy_int64(c, INT64_MIN) == SQL_OK &&
              sql_copy_text(c, "cut\there", 3) == SQL_OK && sql_copy_null(c) == SQL_OK &&
              sql_copy_null(c) == SQL_OK && sql_copy_row(c) == SQL_OK);
        CHECK(sql_copy_end(c) == SQL_OK);
        CHECK_EQ_INT(sql_changes(db), NT + 2);
    }
    sql_copy_free(c);
    c = NULL;
    /* the same numbers through a bound parameter */
    sql_stmt *q = NULL;
    CHECK(sql_prepare(db, "INSERT INTO u VALUES($1, $2)", &q) == SQL_OK);
    for (int i = 0; q && i < NT; i++)
        CHECK(sql_bind_int64(q, 1, i) == SQL_OK && sql_bind_double(q, 2, nums[i]) == SQL_OK &&
              sql_step(q) == SQL_DONE);
    sql_finalize(q);
    q = NULL;
    CHECK(sql_prepare(db, "SELECT t.k, s, t.d, a[1], a[2] IS NULL, a[3], cardinality(a), "
                          "t.d = u.d AND t.d::text = u.d::text FROM t LEFT JOIN u USING (k) "
                          "ORDER BY t.k", &q) == SQL_OK);
    int rows = 0;
    while (q && sql_step(q) == SQL_ROW) {
        int64_t k = sql_column_int64(q, 0);
        const char *s = sql_column_text(q, 1);
        rows++;
        if (k == INT64_MIN) {
            CHECK(s && strcmp(s, "cut") == 0);
            CHECK(sql_column_null(q, 3));
            continue;
        }
        if (k == -1) {
            CHECK(s == NULL);
            CHECK(sql_column_null(q, 2));
            CHECK_EQ_INT(sql_column_int64(q, 6), 0); /* cardinality('{}') */
            continue;
        }
        CHECK(k >= 0 && k < NT);
        if (k < 0 || k >= NT)
            break;
        CHECK(s && strcmp(s, texts[k]) == 0);
        CHECK(sql_column_double(q, 2) == nums[k]);
        const char *e1 = sql_column_text(q, 3), *e3 = sql_column_text(q, 5);
        CHECK(e1 && strcmp(e1, texts[k]) == 0);
        CHECK(sql_column_text(q, 4) && sql_column_text(q, 4)[0] == 't');
        CHECK(e3 && strcmp(e3, texts[(k + 1) % NT]) == 0);
        CHECK_EQ_INT(sql_column_int64(q, 6), 3);
        CHECK(sql_column_text(q, 7) && sql_column_text(q, 7)[0] == 't');
    }
    CHECK_EQ_INT(rows, NT + 2);
    sql_finalize(q);
    q = NULL;
    /* failures: a short row, a NUL byte, a value the server refuses; each
       leaves t as it was and the connection usable */
    CHECK(sql_copy_begin(db, "t(k, s)", &c) == SQL_OK);
    if (c) {
        CHECK(sql_copy_int64(c, 100) == SQL_OK);
        CHECK(sql_copy_row(c) == SQL_ERR);
        CHECK(strstr(sql_errmsg(db), "1 fields for 2 columns") != NULL);
        CHECK(sql_copy_end(c) == SQL_ERR);
    }
    sql_copy_free(c);
    c = NULL;
    CHECK(sql_copy_begin(db, "t(k, s)", &c) == SQL_OK);
    if (c) {
        CHECK(sql_copy_int64(c, 101) == SQL_OK);
        CHECK(sql_copy_text(c, "a\0b", 3) == SQL_ERR);
        CHECK(strstr(sql_errmsg(db), "NUL") != NULL);
    }
    sql_copy_free(c);
    c = NULL;
    CHECK(sql_copy_begin(db, "t(k, s)", &c) == SQL_OK);
    if (c) {
        CHECK(sql_copy_text(c, "not a number", -1) == SQL_OK);
        CHECK(sql_copy_text(c, "x", -1) == SQL_OK);
        CHECK(sql_copy_row(c) == SQL_OK);
        CHECK(sql_copy_end(c) == SQL_ERR);
        CHECK(strstr(sql_errmsg(db), "bigint") != NULL);
    }
    sql_copy_free(c);
    c = NULL;
    CHECK(sql_copy_begin(db, "no_such_table(k)", &c) == SQL_ERR);
    CHECK(c == NULL);
    CHECK(sql_prepare(db, "SELECT count(*) FROM t", &q) == SQL_OK);
    CHECK(q && sql_step(q) == SQL_ROW && sql_column_int64(q, 0) == NT + 2);
    sql_finalize(q);
    sql_close(db);
    tw_ctx_free(ctx);
}

/* A connection string never appears in a message with its password. */
static void test_password_never_shown(void)
{
    char out[256];
    sql_redact("postgresql://ana:s3cr%40t@db.example:5432/tanaw?sslmode=require", out, sizeof out);
    CHECK(strcmp(out, "postgresql://ana:***@db.example:5432/tanaw?sslmode=require") == 0);
    sql_redact("postgres://db.example/tanaw?user=ana&password=s3cret&sslmode=require", out,
               sizeof out);
    CHECK(strcmp(out, "postgres://db.example/tanaw?user=ana&password=***&sslmode=require") == 0);
    sql_redact("postgresql://ana@db.example/tanaw", out, sizeof out);
    CHECK(strcmp(out, "postgresql://ana@db.example/tanaw") == 0);
    sql_redact("/tmp/a:b@c.db", out, sizeof out); /* a path is not a URL */
    CHECK(strcmp(out, "/tmp/a:b@c.db") == 0);
    /* nobody listens on port 1: the open fails, and says where without
       the password */
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = NULL;
    CHECK(tw_store_open(ctx, "postgresql://ana:s3cret@127.0.0.1:1/tanaw?connect_timeout=2", 0,
                        &st) == TW_E_IO);
    CHECK(st == NULL);
    const tw_error *e = tw_ctx_error(ctx);
    CHECK(strstr(e->message, "s3cret") == NULL);
    CHECK(strstr(e->file, "s3cret") == NULL);
    CHECK(strstr(e->file, "ana:***@127.0.0.1:1") != NULL);
    tw_ctx_free(ctx);
}

int main(void)
{
    store_backend_check("test_store_internal");
    RUN(test_migrate_from_v1);
    RUN(test_normalise);
    RUN(test_records_equal_csv);
    RUN(test_copy_escapes);
    RUN(test_password_never_shown);
    return harness_finish();
}
