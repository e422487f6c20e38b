/*
 * test_store.c: the case store through the public API: init and its
 * idempotence, ingest with provenance, a file loaded twice and the same
 * records in another file adding nothing, a batch with one bad row storing
 * nothing, identifiers never in clear (the raw bytes of the store file are
 * searched), linking of one account written two ways, the key check,
 * verify (clean, then after tampering), purge, the pseudonymised export
 * read back by the plain reader, reading records back with filters giving
 * the same aggregate as the CSV, and the store agreeing with
 * tw_cases_read_csv row by row on which rows are valid, record ids in
 * file order over a long batch, and failure of every allocation in turn.
 */
#include "harness.h"
#include "tanaw/tanaw.h"
#include "test_store_backend.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t key1[TW_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                           17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t key2[TW_KEY_BYTES] = {9};

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    tw_date_parse(s, strlen(s), &d);
    return d;
}

static const char *const batch_a =
    "case_id,report_date,source,lon,lat,psgc,children,category,incident_date,"
    "location_precision,account_ids,phone_numbers,ip_addrs,emails\n"
    "A-1,2023-01-05,CyberTipline,,,0702201001,1,livestreaming,2022-12-30,barangay,"
    "fb:Juan.Dela.Cruz;gcash:1,0917 123 4567,203.0.113.7,Someone@Example.ORG\n"
    "A-2,2023-02-10,CyberTipline,123.9,10.3,,2,grooming,,exact,,,,\n"
    "A-3,2023-03-01,PNP-WCPC,,,0702201002,3,,,,,,,\n";

/* the same record A-2 again, and one new */
static const char *const batch_b =
    "case_id,report_date,source,lon,lat,psgc,children,category,incident_date,"
    "location_precision,account_ids,phone_numbers,ip_addrs,emails\n"
    "A-2,2023-02-10,CyberTipline,123.9,10.3,,2,grooming,,exact,,,,\n"
    "B-1,2023-04-01,NBI,,,0702201001,1,trafficking,,,,+63 917-123-4567,,\n";

static const char *store_target(const char *name)
{
    return store_target_in("store", name);
}

static const char *store_target_name(const char *name)
{
    return store_name_in("store", name);
}

static tw_store *fresh(tw_ctx *ctx, const char *name)
{
    tw_store *st = NULL;
    CHECK_OK(ctx, tw_store_open(ctx, store_target(name), TW_STORE_CREATE, &st));
    int from = -1, to = -1;
    CHECK_OK(ctx, tw_store_migrate(ctx, st, &from, &to));
    CHECK_EQ_INT(from, 0);
    CHECK(to >= 3);
    return st;
}

static tw_store_ingest_opts opts_for(const uint8_t *key)
{
    tw_store_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.agency = "DOJ-OOC";
    o.loaded_by = "analyst.1";
    o.key = key;
    o.max_day = day_of("2024-12-31");
    o.loaded_at = 1700000000;
    return o;
}

static void test_init_is_idempotent(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "init.db");
    int from = -1, to = -1;
    CHECK_OK(ctx, tw_store_migrate(ctx, st, &from, &to));
    CHECK_EQ_INT(from, to);
    tw_store_info info;
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.schema_version, to);
    CHECK_EQ_INT(info.records, 0);
    tw_store_close(st);
    /* an uninitialised store is refused with a hint, not used */
    CHECK_OK(ctx, tw_store_open(ctx, store_target("noinit.db"), TW_STORE_CREATE, &st));
    tw_store_ingest_opts o = opts_for(key1);
    CHECK(tw_store_ingest_csv(ctx, st, harness_write("a0.csv", batch_a), &o, NULL) == TW_E_ARG);
    CHECK(strstr(tw_ctx_error(ctx)->message, "db init") != NULL);
    tw_store_close(st);
    /* without TW_STORE_CREATE a missing store is an error, and no file */
    st = NULL;
    if (store_on_pg()) { /* PostgreSQL: a database nobody created */
        char url[1024];
        store_url_with_db(getenv("TANAW_TEST_PG_URL"), "tw_no_such_db", url, sizeof url);
        CHECK(tw_store_open(ctx, url, TW_STORE_CREATE, &st) == TW_E_IO);
        CHECK(strstr(tw_ctx_error(ctx)->message, "tw_no_such_db") != NULL);
        CHECK(st == NULL);
    }
    CHECK(tw_store_open(ctx, harness_tmp("typo.db"), 0, &st) == TW_E_IO);
    CHECK(st == NULL);
    FILE *f = fopen(harness_tmp("typo.db"), "rb");
    CHECK(f == NULL);
    if (f)
        fclose(f);
    tw_ctx_free(ctx);
}

static void test_ingest_dedup_and_provenance(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "dedup.db");
    tw_store_ingest_opts o = opts_for(key1);
    tw_store_ingest_report r;
    const char *pa = harness_write("batch_a.csv", batch_a);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, pa, &o, &r));
    CHECK_EQ_INT(r.rows_read, 3);
    CHECK_EQ_INT(r.added, 3);
    CHECK_EQ_INT(r.duplicates, 0);
    CHECK_EQ_INT(r.file_known, 0);
    CHECK_EQ_INT(strlen(r.sha256), 64);
    int64_t first_batch = r.batch_id;
    CHECK(first_batch > 0);
    /* same file again: nothing, and it says which batch had it */
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, pa, &o, &r));
    CHECK_EQ_INT(r.file_known, 1);
    CHECK_EQ_INT(r.batch_id, first_batch);
    CHECK_EQ_INT(r.added, 0);
    /* same bytes under another name: still the same file */
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("renamed.csv", batch_a), &o, &r));
    CHECK_EQ_INT(r.file_known, 1);
    /* another file with one known record and one new */
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("batch_b.csv", batch_b), &o, &r));
    CHECK_EQ_INT(r.added, 1);
    CHECK_EQ_INT(r.duplicates, 1);
    CHECK(r.batch_id > first_batch);
    /* a file with only known records adds nothing, not even a batch */
    const char *only_known =
        "case_id,report_date,source,lon,lat,psgc,children,category,incident_date,"
        "location_precision\n"
        "A-3,2023-03-01,PNP-WCPC,,,0702201002,3,,,\n";
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("known.csv", only_known), &o, &r));
    CHECK_EQ_INT(r.added, 0);
    CHECK_EQ_INT(r.duplicates, 1);
    CHECK_EQ_INT(r.batch_id, 0);

    tw_store_info info;
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.batches, 2);
    CHECK_EQ_INT(info.records, 4);
    CHECK_EQ_INT(info.identifiers, 6); /* 2 accounts, 2 phones (one per record), ip, email */
    CHECK_EQ_INT(info.first_day, day_of("2023-01-05"));
    CHECK_EQ_INT(info.last_day, day_of("2023-04-01"));
    tw_store_batch *b = NULL;
    size_t nb = 0;
    CHECK_OK(ctx, tw_store_batches(ctx, st, &b, &nb));
    CHECK_EQ_INT(nb, 2);
    if (nb == 2) {
        CHECK(strcmp(b[0].agency, "DOJ-OOC") == 0);
        CHECK(strcmp(b[0].loaded_by, "analyst.1") == 0);
        CHECK(strcmp(b[0].loaded_at, "2023-11-14T22:13:20Z") == 0);
        CHECK(strcmp(b[0].file_name, "batch_a.csv") == 0);
        CHECK_EQ_INT(b[0].added, 3);
        CHECK_EQ_INT(b[1].added, 1);
        CHECK_EQ_INT(b[1].duplicates, 1);
    }
    tw_store_batches_free(ctx, b);
    size_t problems = 99;
    CHECK_OK(ctx, tw_store_verify(ctx, st, &problems));
    CHECK_EQ_INT(problems, 0);
    /* an archived original is found by its SHA-256, whatever its name */
    int64_t found = -1;
    char sha[65];
    CHECK_OK(ctx, tw_store_find_file(ctx, st, harness_tmp("renamed.csv"), &found, sha));
    CHECK_EQ_INT(found, first_batch);
    CHECK_EQ_INT(strlen(sha), 64);
    CHECK_OK(ctx, tw_store_find_file(ctx, st, harness_tmp("known.csv"), &found, NULL));
    CHECK_EQ_INT(found, 0);
    CHECK(tw_store_find_file(ctx, st, harness_tmp("absent.csv"), &found, NULL) == TW_E_IO);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

/* Record ids follow the file's order on both backends, over a batch long
   enough for many COPY buffers on PostgreSQL (rows go through a staging
   table there): incidents are numbered by their smallest record id, so
   the backends must agree. Known records are skipped where they stand and
   counted as duplicates; every identifier arrives. */
static void test_ids_follow_file_order(void)
{
    enum { N = 3000, M = 900 };
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "order.db");
    tw_store_ingest_opts o = opts_for(key1);
    int32_t base = day_of("2010-01-01");
    size_t cap = (size_t)(N + M) * 96 + 256;
    char *a = malloc(cap), *b = malloc(cap);
    int32_t *want = malloc((N + M) * sizeof *want);
    const char *head = "case_id,report_date,source,psgc,phone_numbers,account_ids\n";
    size_t la = (size_t)snprintf(a, cap, "%s", head), lb = (size_t)snprintf(b, cap, "%s", head);
    char date[11];
    int accounts = 0, nb = 0;
    /* days in a scrambled order: file order is not day order, nor hash order */
    for (int i = 0; i < N; i++) {
        want[i] = base + (int32_t)((i * 7919L) % N);
        tw_date_format(want[i], date);
        la += (size_t)snprintf(a + la, cap - la, "C-%d,%s,NBI,0702201001,0917%07d,%s%s\n", i, date,
                               i % 500, i % 7 ? "" : "acct-", i % 7 ? "" : date);
        accounts += i % 7 == 0;
    }
    /* the second file: new records, and every third row one of the first */
    for (int j = 0; j < M; j++) {
        if (j % 3 == 1) {
            int i = j * 3;
            tw_date_format(want[i], date);
            lb += (size_t)snprintf(b + lb, cap - lb, "C-%d,%s,NBI,0702201001,0917%07d,%s%s\n", i,
                                   date, i % 500, i % 7 ? "" : "acct-", i % 7 ? "" : date);
            continue;
        }
        want[N + nb] = base + N + (int32_t)((j * 613L) % M);
        tw_date_format(want[N + nb], date);
        lb += (size_t)snprintf(b + lb, cap - lb, "D-%d,%s,NBI,0702201001,,\n", j, date);
        nb++;
    }
    tw_store_ingest_report r;
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("order_a.csv", a), &o, &r));
    CHECK_EQ_INT(r.added, N);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("order_b.csv", b), &o, &r));
    CHECK_EQ_INT(r.rows_read, M);
    CHECK_EQ_INT(r.added, nb);
    CHECK_EQ_INT(r.duplicates, M - nb);
    tw_store_info info;
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.records, N + nb);
    CHECK_EQ_INT(info.identifiers, N + accounts);
    size_t problems = 99;
    CHECK_OK(ctx, tw_store_verify(ctx, st, &problems));
    CHECK_EQ_INT(problems, 0);
    tw_store_close(st);
    /* the days in id order are the files' days in file order */
    sql_db *db = NULL;
    sql_stmt *q = NULL;
    char err[600];
    int got = 0, same = 0;
    if (sql_open(ctx, store_target_name("order.db"), 0, &db, err, sizeof err) == SQL_OK &&
        sql_prepare(db, "SELECT report_day FROM record ORDER BY id", &q) == SQL_OK)
        for (; sql_step(q) == SQL_ROW; got++)
            same += got < N + nb && sql_column_int64(q, 0) == want[got];
    CHECK_EQ_INT(got, N + nb);
    CHECK_EQ_INT(same, N + nb);
    sql_finalize(q);
    sql_close(db);
    free(a);
    free(b);
    free(want);
    tw_ctx_free(ctx);
}

/* Raw bytes of a file contain needle (case-sensitive)? */
static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = strlen(needle), cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t got;
    int found = 0;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    for (size_t i = 0; i + n <= len && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

/* 100 * distinct hashes + rows of one identifier kind, read through the
   store's SQL layer (either backend). */
static int count_hash(const char *target, const char *kind)
{
    tw_ctx *ctx = tw_ctx_new();
    sql_db *db = NULL;
    sql_stmt *q = NULL;
    char err[600];
    int distinct = -1;
    if (sql_open(ctx, target, 0, &db, err, sizeof err) == SQL_OK &&
        sql_prepare(db, "SELECT count(DISTINCT hash), count(*) FROM identifier WHERE kind=$1",
                    &q) == SQL_OK &&
        sql_bind_text(q, 1, kind, -1) == SQL_OK && sql_step(q) == SQL_ROW)
        distinct = (int)(sql_column_int64(q, 0) * 100 + sql_column_int64(q, 1));
    sql_finalize(q);
    sql_close(db);
    tw_ctx_free(ctx);
    return distinct;
}

/* Whether any row of the store's tables holds text (PostgreSQL: a row's
   text form; the file search below is SQLite's). 1, 0, or -1 on error. */
static int rows_contain(const char *target, const char *text)
{
    static const char *const tables[] = {"batch", "record", "identifier", "meta"};
    tw_ctx *ctx = tw_ctx_new();
    sql_db *db = NULL;
    char err[600];
    int found = -1;
    if (sql_open(ctx, target, 0, &db, err, sizeof err) == SQL_OK) {
        found = 0;
        for (size_t t = 0; t < 4 && found == 0; t++) {
            char sql[128];
            sql_stmt *q = NULL;
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %s x WHERE strpos(x::text, $1) > 0",
                     tables[t]);
            if (sql_prepare(db, sql, &q) || sql_bind_text(q, 1, text, -1) ||
                sql_step(q) != SQL_ROW)
                found = -1;
            else
                found = sql_column_int64(q, 0) > 0;
            sql_finalize(q);
        }
    }
    sql_close(db);
    tw_ctx_free(ctx);
    return found;
}

static int store_contains(const char *target, const char *text)
{
    return store_on_pg() ? rows_contain(target, text) : file_contains(target, text);
}

static void test_identifiers_never_in_clear(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "clear.db");
    tw_store_ingest_opts o = opts_for(key1);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("c_a.csv", batch_a), &o, NULL));
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("c_b.csv", batch_b), &o, NULL));
    tw_store_close(st); /* checkpoint the WAL into the file */
    const char *db = store_target_name("clear.db");
    /* positive control: the search does find what is stored in clear */
    CHECK_EQ_INT(store_contains(db, "DOJ-OOC"), 1);
    CHECK_EQ_INT(store_contains(db, "0702201001"), 1);
    static const char *const secrets[] = {"Juan", "juan.dela", "9171234567", "917 123",
                                          "203.0.113.7", "example.org", "Example.ORG",
                                          "Someone", "A-1", "A-2", "B-1"};
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        int found = store_contains(db, secrets[i]);
        if (found != 0)
            harness_fail(__FILE__, __LINE__, "'%s' found in the store file (%d)", secrets[i], found);
        char wal[1200];
        snprintf(wal, sizeof wal, "%s-wal", db);
        CHECK(store_on_pg() || file_contains(wal, secrets[i]) != 1);
    }
    /* 0917 123 4567 (batch a) and +63 917-123-4567 (batch b): one hash,
       two rows: the same phone links across batches */
    CHECK_EQ_INT(count_hash(db, "phone"), 102);
    tw_ctx_free(ctx);
}

static void test_wrong_key_refused(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "key.db");
    tw_store_ingest_opts o = opts_for(key1);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("k_a.csv", batch_a), &o, NULL));
    tw_store_ingest_opts o2 = opts_for(key2);
    tw_store_ingest_report r;
    CHECK(tw_store_ingest_csv(ctx, st, harness_write("k_b.csv", batch_b), &o2, &r) == TW_E_ARG);
    CHECK(strstr(tw_ctx_error(ctx)->message, "not the store's key") != NULL);
    tw_store_info info;
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.records, 3);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

static void test_bad_row_stores_nothing(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "bad.db");
    tw_store_ingest_opts o = opts_for(key1);
    o.rejects_path = harness_tmp("bad.rejects.csv");
    const char *bad =
        "case_id,report_date,source,psgc,ip_addrs,phone_numbers\n"
        "X-1,2023-01-05,NBI,0702201001,10.0.0.1,\n"
        "X-2,2023-01-05,NBI,0702201001,999.1.1.1,\n"  /* bad ip */
        "X-3,2023-01-05,NBI,0702201001,,12ab\n";      /* bad phone */
    tw_store_ingest_report r;
    CHECK(tw_store_ingest_csv(ctx, st, harness_write("bad.csv", bad), &o, &r) == TW_E_PARSE);
    CHECK_EQ_INT(r.rows_rejected, 2);
    CHECK_EQ_INT(r.added, 0);
    CHECK_EQ_INT(tw_ctx_error(ctx)->line, 3);
    CHECK(strstr(tw_ctx_error(ctx)->message, "nothing stored") != NULL);
    tw_store_info info;
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.batches, 0);
    CHECK_EQ_INT(info.records, 0);
    /* the rejects file names the field but never copies identifiers */
    CHECK_EQ_INT(file_contains(o.rejects_path, "ip_addrs"), 1);
    CHECK_EQ_INT(file_contains(o.rejects_path, "999.1.1.1"), 0);
    CHECK_EQ_INT(file_contains(o.rejects_path, "12ab"), 0);
    /* unknown (free-text) columns refuse the file */
    const char *notes = "case_id,report_date,source,psgc,notes\nX-1,2023-01-05,NBI,0702201001,hi\n";
    CHECK(tw_store_ingest_csv(ctx, st, harness_write("notes.csv", notes), &o, &r) == TW_E_PARSE);
    CHECK(strcmp(tw_ctx_error(ctx)->field, "notes") == 0);
    CHECK(tw_store_ingest_csv(ctx, st, harness_write("empty.csv", "case_id,report_date,source\n"),
                              &o, &r) == TW_E_EMPTY);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

static void test_verify_finds_tampering(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "tamper.db");
    tw_store_ingest_opts o = opts_for(key1);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("t_a.csv", batch_a), &o, NULL));
    tw_store_close(st);
    /* tamper behind the store's back, foreign key checks switched off */
    const char *target = store_target_name("tamper.db");
    sql_db *db = NULL;
    char err[600];
    CHECK(sql_open(ctx, target, 0, &db, err, sizeof err) == SQL_OK);
    if (db) {
        CHECK(sql_exec(db, sql_kind(db) == SQL_PG ? "SET session_replication_role = replica"
                                                  : "PRAGMA foreign_keys=OFF") == SQL_OK);
        CHECK(sql_exec(db, "UPDATE record SET content_hash='00' WHERE id=2") == SQL_OK);
        CHECK(sql_exec(db, "DELETE FROM record WHERE id=3") == SQL_OK);
        CHECK(sql_exec(db, "INSERT INTO identifier VALUES(999,'ip','ab')") == SQL_OK);
        sql_close(db);
    }
    CHECK_OK(ctx, tw_store_open(ctx, target, 0, &st));
    size_t problems = 0;
    CHECK_OK(ctx, tw_store_verify(ctx, st, &problems));
    /* dangling identifier, count of batch 1, records hash of batch 1 */
    CHECK_EQ_INT(problems, 3);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

static void test_purge(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "purge.db");
    tw_store_ingest_opts o = opts_for(key1);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("p_a.csv", batch_a), &o, NULL));
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("p_b.csv", batch_b), &o, NULL));
    size_t deleted = 0;
    CHECK_OK(ctx, tw_store_purge(ctx, st, day_of("2023-02-11"), &deleted));
    CHECK_EQ_INT(deleted, 2); /* A-1 (with 5 identifiers) and A-2 */
    tw_store_info info;
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.records, 2);
    CHECK_EQ_INT(info.identifiers, 1);
    CHECK_EQ_INT(info.batches, 2); /* provenance stays */
    tw_store_batch *b = NULL;
    size_t nb = 0;
    CHECK_OK(ctx, tw_store_batches(ctx, st, &b, &nb));
    if (nb == 2)
        CHECK_EQ_INT(b[0].purged, 2);
    tw_store_batches_free(ctx, b);
    size_t problems = 9;
    CHECK_OK(ctx, tw_store_verify(ctx, st, &problems));
    CHECK_EQ_INT(problems, 0);
    /* loading the purged file again does not bring its records back */
    tw_store_ingest_report r;
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_tmp("p_a.csv"), &o, &r));
    CHECK_EQ_INT(r.file_known, 1);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

static void test_export_reads_back(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = fresh(ctx, "export.db");
    tw_store_ingest_opts o = opts_for(key1);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, harness_write("e_a.csv", batch_a), &o, NULL));
    size_t rows = 0;
    const char *out = harness_tmp("export.csv");
    CHECK_OK(ctx, tw_store_export_csv(ctx, st, out, &rows));
    CHECK_EQ_INT(rows, 3);
    CHECK_EQ_INT(file_contains(out, "A-1"), 0);
    CHECK_EQ_INT(file_contains(out, "203.0.113"), 0);
    CHECK_EQ_INT(file_contains(out, "phone:"), 1);
    CHECK_EQ_INT(file_contains(out, ",2022-12-30,barangay,DOJ-OOC,"), 1);
    /* the plain reader takes the export (unknown columns ignored) */
    tw_cases *c = NULL;
    tw_cases_read_opts ro = {.max_day = day_of("2024-12-31")};
    tw_read_report rep;
    CHECK_OK(ctx, tw_cases_read_csv(ctx, out, &ro, &c, &rep));
    CHECK_EQ_INT(rep.rows_accepted, 3);
    tw_cases_free(c);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

/* Records read back from the store aggregate exactly as the CSV does, for
   every filter. */
static void test_read_cases_same_as_csv(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    CHECK_OK(ctx, tw_areas_new(ctx, &a));
    const char *areas = harness_write("areas.csv", "psgc,name,lon,lat,pop2020\n"
                                                   "0702201001,A,123.9,10.3,100\n"
                                                   "0702201002,B,124.0,10.4,200\n");
    CHECK_OK(ctx, tw_areas_read_csv(ctx, a, areas, NULL));
    CHECK_OK(ctx, tw_areas_finalize(ctx, a, 1));
    const char *csv =
        "case_id,report_date,source,psgc,children,category\n"
        "R-1,2023-01-05,CyberTipline,0702201001,1,livestreaming\n"
        "R-2,2023-02-05,NBI,0702201002,2,grooming\n"
        "R-3,2023-03-05,cybertipline,0702201002,3,\n"
        "R-4,2023-04-05,NBI,0702201001,4,grooming\n"
        "R-5,2023-05-05,NBI,0702200000,5,other\n";
    const char *path = harness_write("same.csv", csv);
    tw_store *st = fresh(ctx, "same.db");
    tw_store_ingest_opts o = opts_for(key1);
    CHECK_OK(ctx, tw_store_ingest_csv(ctx, st, path, &o, NULL));
    tw_cases *from_csv = NULL;
    tw_cases_read_opts ro = {.max_day = day_of("2024-12-31")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, path, &ro, &from_csv, NULL));
    struct {
        const char *from, *to, *source, *category;
        int children;
    } cases[] = {{NULL, NULL, NULL, NULL, 0},          {"2023-02-01", "2023-04-05", NULL, NULL, 1},
                 {NULL, NULL, "CYBERTIPLINE", NULL, 0}, {NULL, NULL, NULL, "grooming", 1},
                 {"2023-03-01", NULL, "nbi", "grooming", 0}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        tw_store_filter f = {0};
        tw_aggregate_opts ao;
        memset(&ao, 0, sizeof ao);
        ao.level = TW_LEVEL_BARANGAY;
        ao.weight_children = cases[k].children;
        if (cases[k].from || cases[k].to) {
            f.from_day = ao.from_day = cases[k].from ? day_of(cases[k].from) : INT32_MIN + 1;
            f.to_day = ao.to_day = cases[k].to ? day_of(cases[k].to) : INT32_MAX;
        }
        f.source = ao.source = cases[k].source;
        f.category = ao.category = cases[k].category;
        tw_cases *from_db = NULL;
        size_t n = 0;
        CHECK_OK(ctx, tw_store_read_cases(ctx, st, &f, &from_db, &n));
        double c1[2], c2[2];
        tw_aggregate_report r1, r2;
        CHECK_OK(ctx, tw_cases_aggregate(ctx, from_csv, a, NULL, &ao, c1, &r1));
        CHECK_OK(ctx, tw_cases_aggregate(ctx, from_db, a, NULL, &ao, c2, &r2));
        CHECK_EQ_INT(n, r1.records);
        CHECK_NEAR(c2[0], c1[0], 0);
        CHECK_NEAR(c2[1], c1[1], 0);
        CHECK_EQ_INT(r2.placed, r1.placed);
        CHECK_EQ_INT(r2.coarser, r1.coarser);
        tw_cases_free(from_db);
    }
    tw_cases_free(from_csv);
    tw_areas_free(a);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

/* The store's row checks give the same verdict as tw_cases_read_csv on
   every row of a file with one fault per row. */
static void test_same_verdicts_as_plain_reader(void)
{
    const char *rows =
        "case_id,report_date,source,lon,lat,psgc,children,category,uncertainty_m,psgc_version\n"
        "V-1,2023-01-05,CyberTipline,,,0702201001,,livestreaming,,\n"
        "V-2,2023-02-29,NBI,,,0702201001,1,,,\n"
        "V-3,2023-03-01,PNP-WCPC,123.9,10.3,,2,grooming,,\n"
        "V-1,2023-03-02,DSWD,,,0702201002,1,,,\n"
        "V-5,2023-03-02,DSWD,123.9,,,1,,,\n"
        "V-6,2023-03-02,DSWD,,,12345,1,,,\n"
        "V-7,2023-03-02,DSWD,,,,1,,,\n"
        "V-8,2023-03-02,IJM,,,0702201001,-1,,,\n"
        "V-9,2023-03-02,IJM,,,0702201001,1,selfie,,\n"
        "V-10,1989-12-31,hotline,,,0702201001,1,,,\n"
        "V-11,2025-01-02,hotline,,,0702201001,1,,,\n"
        "V 12,2023-03-02,hotline,,,0702201001,1,,,\n"
        "V-13,2023-03-02,PNP WCPC,,,0702201001,1,,,\n"
        "V-14,2023-03-02,NBI,200,10,,1,,,\n"
        "V-15,2023-03-02,NBI,abc,10,,1,,,\n"
        "V-16,2023-03-02,NBI,,,702201001,1,other,,\n"
        "V-17,2023-03-02,NBI\n"
        "V-19,2023-03-02,NBI,,,0702201001,1.5,,,\n"
        "V-20,2023-03-02,NBI,123.5,95,,1,,,\n"
        ",2023-03-02,NBI,123.5,9,,1,,,\n"
        "09171234567,2023-03-02,NBI,123.5,9,,1,,,\n"
        "V-23,2023-03-02,,123.5,9,,1,,,\n"
        "V-24,2023-03-02,NBI,,,0702201001,1,,100,\n"
        "V-25,2023-03-02,NBI,123.5,9,,1,,-1,\n"
        "V-26,2023-03-02,NBI,123.5,9,,1,,abc,\n"
        "V-27,2023-03-02,NBI,,,0702201001,1,,,2023 Q4\n"
        "V-28,2023-03-02,NBI,123.5,9,,1,,250,2023Q4\n";
    tw_ctx *ctx = tw_ctx_new();
    const char *path = harness_write("verdicts.csv", rows);
    tw_cases *c = NULL;
    tw_cases_read_opts ro = {.max_day = day_of("2024-12-31"),
                             .rejects_path = harness_tmp("plain.rej.csv")};
    tw_read_report rep;
    CHECK_OK(ctx, tw_cases_read_csv(ctx, path, &ro, &c, &rep));
    tw_cases_free(c);
    tw_store *st = fresh(ctx, "verdicts.db");
    tw_store_ingest_opts o = opts_for(key1);
    o.rejects_path = harness_tmp("store.rej.csv");
    tw_store_ingest_report r;
    CHECK(tw_store_ingest_csv(ctx, st, path, &o, &r) == TW_E_PARSE);
    CHECK_EQ_INT(r.rows_read, rep.rows_read);
    CHECK_EQ_INT(r.rows_rejected, rep.rows_rejected);
    CHECK_EQ_INT(rep.rows_rejected, 23); /* all 27 rows but V-1, V-3, V-16 and V-28 */
    /* same lines, fields and reasons */
    FILE *f1 = fopen(ro.rejects_path, "rb"), *f2 = fopen(o.rejects_path, "rb");
    CHECK(f1 && f2);
    if (f1 && f2) {
        char l1[1024], l2[1024];
        int same = 1, lines = 0;
        while (fgets(l1, sizeof l1, f1)) {
            if (!fgets(l2, sizeof l2, f2) || strcmp(l1, l2) != 0) {
                same = 0;
                harness_fail(__FILE__, __LINE__, "rejects differ:\n  %s  %s", l1, l2);
                break;
            }
            lines++;
        }
        CHECK(same);
        CHECK(!fgets(l2, sizeof l2, f2));
        CHECK_EQ_INT(lines, (long long)rep.rows_rejected + 1);
    }
    if (f1)
        fclose(f1);
    if (f2)
        fclose(f2);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

static void test_keys(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_tmp("k.key");
    CHECK_OK(ctx, tw_key_new_file(ctx, p));
    CHECK(tw_key_new_file(ctx, p) == TW_E_IO); /* never overwritten */
    uint8_t k[TW_KEY_BYTES], k2[TW_KEY_BYTES];
    CHECK_OK(ctx, tw_key_read_file(ctx, p, k));
    const char *q = harness_tmp("k2.key");
    CHECK_OK(ctx, tw_key_new_file(ctx, q));
    CHECK_OK(ctx, tw_key_read_file(ctx, q, k2));
    CHECK(memcmp(k, k2, sizeof k) != 0);
    const char *loose = harness_write("loose.key", "0001020304050607080900010203040506070809000102030405060708090001\n");
    CHECK(tw_key_read_file(ctx, loose, k) == TW_E_ARG); /* harness_write leaves it 0644 */
    CHECK(strstr(tw_ctx_error(ctx)->message, "chmod 600") != NULL);
    CHECK_OK(ctx, tw_key_parse(ctx, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", k));
    CHECK_EQ_INT(k[31], 31);
    CHECK(tw_key_parse(ctx, "00", k) == TW_E_ARG);
    CHECK(tw_key_parse(ctx, "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", k) ==
          TW_E_ARG);
    tw_ctx_free(ctx);
}

/* Failing allocator: the n-th allocation (0-based) through the context
   returns NULL. SQLite's own allocations do not go through the context. */
static long alloc_fail_at, alloc_count;
static void *t_malloc(void *ud, size_t n)
{
    (void)ud;
    return alloc_count++ == alloc_fail_at ? NULL : malloc(n);
}
static void *t_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return alloc_count++ == alloc_fail_at ? NULL : realloc(p, n);
}
static void t_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

/* Every allocation of open + ingest + read back fails in turn: each call
   then returns TW_E_NOMEM, leaks nothing (ASan) and a failed ingest leaves
   no record behind. */
static void test_every_allocation_fails(void)
{
    char csv[1024], db[1024]; /* harness_tmp's buffers are reused */
    snprintf(csv, sizeof csv, "%s", harness_write("nomem.csv", batch_a));
    snprintf(db, sizeof db, "%s", store_target_name("nomem.db"));
    tw_allocator al = {t_malloc, t_realloc, t_free, NULL};
    int ok_seen = 0, injected = 1;
    for (alloc_fail_at = 0; injected && alloc_fail_at < 10000; alloc_fail_at++) {
        store_target("nomem.db"); /* empty again */
        tw_ctx *ctx = tw_ctx_new();
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
        alloc_count = 0;
        tw_store *st = NULL;
        tw_cases *c = NULL;
        int ingested = 0;
        tw_status s = tw_store_open(ctx, db, TW_STORE_CREATE, &st);
        if (!s)
            s = tw_store_migrate(ctx, st, NULL, NULL);
        if (!s) {
            tw_store_ingest_opts o = opts_for(key1);
            s = tw_store_ingest_csv(ctx, st, csv, &o, NULL);
            ingested = s == TW_OK;
        }
        if (!s)
            s = tw_store_read_cases(ctx, st, NULL, &c, NULL);
        injected = alloc_count > alloc_fail_at;
        if (s == TW_OK) {
            ok_seen = 1;
            CHECK_EQ_INT(tw_cases_count(c), 3);
        } else if (s != TW_E_NOMEM) {
            harness_fail(__FILE__, __LINE__, "allocation %ld: got %s: %s", alloc_fail_at,
                         tw_status_str(s), tw_ctx_error(ctx)->message);
        } else {
            CHECK(c == NULL);
        }
        tw_cases_free(c);
        tw_store_close(st);
        tw_ctx_free(ctx);
        if (st && !ingested) {
            /* the batch is whole or absent: here, absent */
            tw_ctx *plain = tw_ctx_new();
            tw_store *chk = NULL;
            tw_store_info info = {0};
            if (tw_store_open(plain, db, 0, &chk) == TW_OK &&
                tw_store_info_get(plain, chk, &info) == TW_OK)
                CHECK_EQ_INT(info.records, 0);
            tw_store_close(chk);
            tw_ctx_free(plain);
        }
    }
    CHECK(!injected);
    CHECK(ok_seen);
    CHECK(alloc_fail_at > 5); /* the loop did inject failures */
}

int main(void)
{
    store_backend_check("test_store");
    RUN(test_init_is_idempotent);
    RUN(test_ingest_dedup_and_provenance);
    RUN(test_ids_follow_file_order);
    RUN(test_identifiers_never_in_clear);
    RUN(test_wrong_key_refused);
    RUN(test_bad_row_stores_nothing);
    RUN(test_verify_finds_tampering);
    RUN(test_purge);
    RUN(test_export_reads_back);
    RUN(test_read_cases_same_as_csv);
    RUN(test_same_verdicts_as_plain_reader);
    RUN(test_keys);
    RUN(test_every_allocation_fails);
    return harness_finish();
}
