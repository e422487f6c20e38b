/*
 * bench_store.c: speed and size of the case store on SQLite (docs/store.md).
 * Writes N simulated records (tw_simulate_write over the real
 * municipalities, seed 1) with one phone number on every third record,
 * then measures, wall clock:
 *   ingest     tw_store_ingest_csv of the whole file into a new store
 *              (one transaction, synchronous=FULL, WAL)
 *   reingest   the same records in a second file (all duplicates)
 *   size       bytes of the store file after close, per record
 *   read_db    tw_store_read_cases of all records (analysis start-up)
 *   read_csv   tw_cases_read_csv of the same file (start-up from CSV)
 * Wall and process CPU time are both printed: on a shared machine the CPU
 * figure is the one that does not depend on the load. Not a test: numbers
 * go to docs/store.md.
 *
 *   bench_store [DATA_DIR] [N] [WORK_DIR]   (defaults ../shared/data/ph,
 *                                            1000000, /tmp)
 */
#define _POSIX_C_SOURCE 200809L
#include "tanaw/tanaw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "../shared/data/ph";
    size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1000000;
    const char *work = argc > 3 ? argv[3] : "/tmp";
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
    for (const char *suf = ""; suf; suf = strcmp(suf, "") == 0 ? "-wal" : strcmp(suf, "-wal") == 0 ? "-shm" : NULL) {
        snprintf(tmp, sizeof tmp, "%s%s", db, suf);
        unlink(tmp);
    }
    uint8_t key[TW_KEY_BYTES] = {7};
    tw_store *st = NULL;
    if (tw_store_open(ctx, db, TW_STORE_CREATE, &st) || tw_store_migrate(ctx, st, NULL, NULL))
        return die(ctx, db);
    tw_store_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.agency = "bench";
    o.loaded_by = "bench";
    o.key = key;
    o.max_day = so.to_day;
    tw_store_ingest_report r;
    double t0 = now_s(), c0 = cpu_s();
    if (tw_store_ingest_csv(ctx, st, batch, &o, &r))
        return die(ctx, "ingest");
    double t_ingest = now_s() - t0, c_ingest = cpu_s() - c0;
    t0 = now_s();
    c0 = cpu_s();
    tw_store_ingest_report r2;
    if (tw_store_ingest_csv(ctx, st, batch2, &o, &r2))
        return die(ctx, "reingest");
    double t_reingest = now_s() - t0, c_reingest = cpu_s() - c0;
    tw_store_close(st);
    struct stat sb;
    stat(db, &sb);
    if (tw_store_open(ctx, db, 0, &st))
        return die(ctx, db);
    tw_cases *c = NULL;
    size_t got = 0;
    t0 = now_s();
    if (tw_store_read_cases(ctx, st, NULL, &c, &got))
        return die(ctx, "read_db");
    double t_read_db = now_s() - t0;
    tw_cases_free(c);
    c = NULL;
    tw_store_close(st);
    tw_cases_read_opts ro = {.max_day = so.to_day};
    t0 = now_s();
    if (tw_cases_read_csv(ctx, sim, &ro, &c, NULL))
        return die(ctx, "read_csv");
    double t_read_csv = now_s() - t0;
    tw_cases_free(c);
    printf("records %zu (added %zu; second file: %zu duplicates, %zu added)\n", n, r.added,
           r2.duplicates, r2.added);
    printf("ingest   %.2f s wall, %.2f s cpu  %.0f records/s\n", t_ingest, c_ingest,
           (double)n / t_ingest);
    printf("reingest %.2f s wall, %.2f s cpu  %.0f records/s (all already stored)\n", t_reingest,
           c_reingest, (double)n / t_reingest);
    printf("size     %.1f MB  %.0f bytes/record  %.1f MB per million\n", (double)sb.st_size / 1e6,
           (double)sb.st_size / (double)n, (double)sb.st_size / (double)n);
    printf("read_db  %.2f s (%zu records)\nread_csv %.2f s\n", t_read_db, got, t_read_csv);
    tw_areas_free(a);
    tw_ctx_free(ctx);
    unlink(sim);
    unlink(batch);
    unlink(batch2);
    return 0;
}
