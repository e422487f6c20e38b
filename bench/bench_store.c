/*
 * bench_store.c: speed and size of the case store on SQLite and, when a
 * URL is given, on PostgreSQL, in the same run (docs/store.md,
 * bench/README.md; bench_store.sh starts a PostgreSQL server for it).
 * Writes N simulated records (tw_simulate_write over the real
 * municipalities, seed 1) with one phone number on every third record,
 * then measures for each backend, wall clock, median of RUNS fresh stores:
 *   ingest     tw_store_ingest_csv of the whole file into a new store
 *              (one transaction; SQLite synchronous=FULL, WAL)
 *   reingest   the same records in a second file (all duplicates; run 1)
 *   size       SQLite: bytes of the file after close; PostgreSQL: tables
 *              with their indexes (pg_total_relation_size); per million
 *   read_db    tw_store_read_cases of all records (analysis start-up)
 * and read_csv, tw_cases_read_csv of the same file (start-up from CSV).
 * Process CPU time is printed too: the client's share (on PostgreSQL the
 * server works in another process). Not a test.
 *
 *   bench_store [DATA_DIR] [N] [WORK_DIR] [RUNS] [PG_URL]
 *   (defaults ../shared/data/ph, 1000000, /tmp, 3, none)
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"
#include "store/sql.h" /* to empty a PostgreSQL database between runs */

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int die(tw_ctx *ctx, const char *what)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, tw_ctx_error(ctx)->message);
    return 1;
}

/* Copy in to out adding a phone_numbers column (every third row). */
static int add_phones(const char *in, const char *out)
{
    FILE *f = fopen(in, "rb"), *g = fopen(out, "wb");
    if (!f || !g) {
        if (f)
            fclose(f);
        if (g)
            fclose(g);
        return 0;
    }
    char line[1024];
    long k = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (k == 0)
            fprintf(g, "%s,phone_numbers\n", line);
        else if (k % 3 == 0)
            fprintf(g, "%s,0917%07ld\n", line, k % 10000000);
        else
            fprintf(g, "%s,\n", line);
        k++;
    }
    fclose(f);
    return fclose(g) == 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Run one statement on target (PostgreSQL); the first column of its row
   (0 for none) into *out when out is given. */
static int pg_run1(const char *target, const char *sql, int64_t *out)
{
    tw_ctx *ctx = tw_ctx_new();
    sql_db *db = NULL;
    sql_stmt *q = NULL;
    char err[600];
    int ok = sql_open(ctx, target, 0, &db, err, sizeof err) == SQL_OK;
    if (ok && !out)
        ok = sql_exec(db, sql) == SQL_OK;
    else if (ok) {
        ok = sql_prepare(db, sql, &q) == SQL_OK && sql_step(q) == SQL_ROW;
        if (ok)
            *out = sql_column_int64(q, 0);
        sql_finalize(q);
    }
    if (!ok)
        fprintf(stderr, "bench_store: %s\n", db ? sql_errmsg(db) : err);
    sql_close(db);
    tw_ctx_free(ctx);
    return ok;
}

/* Empty store at target: the SQLite file removed, or the PostgreSQL
   database's schema dropped. */
static int reset(const char *target)
{
    if (tw_store_is_url(target))
        return pg_run1(target, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", NULL);
    char p[1100];
    unlink(target);
    snprintf(p, sizeof p, "%s-wal", target);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", target);
    unlink(p);
    return 1;
}

static int64_t store_bytes(const char *target)
{
    if (tw_store_is_url(target)) {
        int64_t b = 0;
        pg_run1(target,
                "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c WHERE "
                "c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'",
                &b);
        return b;
    }
    struct stat sb;
    return stat(target, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

enum { MAXRUNS = 9 };

/* Ingest (and once reingest) into RUNS fresh stores at target; print the
   medians. */
static int bench_backend(tw_ctx *ctx, const char *name, const char *target, const char *batch,
                         const char *batch2, int32_t max_day, size_t n, int runs)
{
    double ti[MAXRUNS], ci[MAXRUNS], tr[MAXRUNS];
    double t_reingest = 0, c_reingest = 0;
    int64_t bytes = 0;
    size_t added = 0, dups = 0, got = 0;
    uint8_t key[TW_KEY_BYTES] = {7};
    for (int k = 0; k < runs; k++) {
        if (!reset(target))
            return 1;
        tw_store *st = NULL;
        if (tw_store_open(ctx, target, TW_STORE_CREATE, &st) ||
            tw_store_migrate(ctx, st, NULL, NULL))
            return die(ctx, name);
        tw_store_ingest_opts o;
        memset(&o, 0, sizeof o);
        o.agency = "bench";
        o.loaded_by = "bench";
        o.key = key;
        o.max_day = max_day;
        tw_store_ingest_report r;
        double t0 = now_s(), c0 = cpu_s();
        if (tw_store_ingest_csv(ctx, st, batch, &o, &r))
            return die(ctx, "ingest");
        ti[k] = now_s() - t0;
        ci[k] = cpu_s() - c0;
        added = r.added;
        if (k == 0) {
            t0 = now_s();
            c0 = cpu_s();
            tw_store_ingest_report r2;
            if (tw_store_ingest_csv(ctx, st, batch2, &o, &r2))
                return die(ctx, "reingest");
            t_reingest = now_s() - t0;
            c_reingest = cpu_s() - c0;
            dups = r2.duplicates;
        }
        tw_store_close(st);
        if (k == 0)
            bytes = store_bytes(target);
        if (tw_store_open(ctx, target, 0, &st))
            return die(ctx, name);
        tw_cases *c = NULL;
        t0 = now_s();
        if (tw_store_read_cases(ctx, st, NULL, &c, &got))
            return die(ctx, "read_db");
        tr[k] = now_s() - t0;
        tw_cases_free(c);
        tw_store_close(st);
        fprintf(stderr, "%s run %d: ingest %.2f s, read %.2f s\n", name, k + 1, ti[k], tr[k]);
    }
    double mi = median(ti, runs), mc = median(ci, runs), mr = median(tr, runs);
    printf("%-10s ingest   %.2f s wall (median of %d), %.2f s client cpu, %.0f records/s "
           "(%zu added)\n", name, mi, runs, mc, (double)n / mi, added);
    printf("%-10s reingest %.2f s wall, %.2f s client cpu (all %zu already stored)\n", name,
           t_reingest, c_reingest, dups);
    printf("%-10s size     %.1f MB, %.0f bytes/record, %.0f MB per million records\n", name,
           (double)bytes / 1e6, (double)bytes / (double)n, (double)bytes / (double)n);
    printf("%-10s read_db  %.2f s (median, %zu records)\n", name, mr, got);
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "../shared/data/ph";
    size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1000000;
    const char *work = argc > 3 ? argv[3] : "/tmp";
    int runs = argc > 4 ? atoi(argv[4]) : 3;
    const char *url = argc > 5 ? argv[5] : NULL;
    if (runs < 1 || runs > MAXRUNS)
        runs = 3;
    char areas_csv[1024], sim[1024], batch[1024], batch2[1024], db[1024], tmp[3300];
    snprintf(areas_csv, sizeof areas_csv, "%s/municipalities.csv", data);
    snprintf(sim, sizeof sim, "%s/bench_store_sim.csv", work);
    snprintf(batch, sizeof batch, "%s/bench_store_batch.csv", work);
    snprintf(batch2, sizeof batch2, "%s/bench_store_batch2.csv", work);
    snprintf(db, sizeof db, "%s/bench_store.db", work);
    tw_ctx *ctx = tw_ctx_new();
    tw_areas *a = NULL;
    if (tw_areas_new(ctx, &a) || tw_areas_read_csv(ctx, a, areas_csv, NULL) ||
        tw_areas_finalize(ctx, a, 1))
        return die(ctx, areas_csv);
    tw_sim_opts so;
    memset(&so, 0, sizeof so);
    so.n = n;
    so.seed = 1;
    tw_date_parse("2021-01-01", 10, &so.from_day);
    tw_date_parse("2024-12-31", 10, &so.to_day);
    so.location_mix = 0;
    if (tw_simulate_write(ctx, a, &so, sim))
        return die(ctx, "simulate");
    if (!add_phones(sim, batch))
        return die(ctx, "phones");
    /* same records, another file: a different header order is a different
       file (SHA-256) holding the same records */
    snprintf(tmp, sizeof tmp, "(head -1 '%s' | sed 's/$/ /'; tail -n +2 '%s') > '%s'", batch,
             batch, batch2);
    if (system(tmp) != 0)
        return die(ctx, "copy");
    printf("records %zu, %d runs per backend\n", n, runs);
    if (bench_backend(ctx, "sqlite", db, batch, batch2, so.to_day, n, runs))
        return 1;
    reset(db);
    if (url && bench_backend(ctx, "postgresql", url, batch, batch2, so.to_day, n, runs))
        return 1;
    double tc[MAXRUNS];
    for (int k = 0; k < runs; k++) {
        tw_cases *c = NULL;
        tw_cases_read_opts ro = {.max_day = so.to_day};
        double t0 = now_s();
        if (tw_cases_read_csv(ctx, sim, &ro, &c, NULL))
            return die(ctx, "read_csv");
        tc[k] = now_s() - t0;
        tw_cases_free(c);
    }
    printf("csv        read_csv %.2f s (median)\n", median(tc, runs));
    tw_areas_free(a);
    tw_ctx_free(ctx);
    unlink(sim);
    unlink(batch);
    unlink(batch2);
    return 0;
}
