/*
 * bench_dedup.c: precision, recall and time of the dedup core on a file of
 * `tanaw simulate --identifiers [--id-noise S] --truth` (docs/dedup.md).
 * Reads the records and truth, normalises identifiers as the store does
 * (pseudo_normalise; the plain normalised text stands in for the keyed
 * hash, which links exactly the same values), links, and compares pairs of
 * records grouped with pairs of records of one true incident.
 *
 * usage: bench_dedup RECORDS.csv TRUTH.csv [AREAS.geojson AREAS.csv WEIGHTS]
 *        [--window D] [--reference-window D] [--max-shared K] [--no-references]
 * (--no-references: ignore referred_from and case ids, identifiers only)
 * Prints: records, incidents, true and found pairs, precision, recall,
 * seconds to place and to link (wall clock, median of 3 link runs).
 */
#define _POSIX_C_SOURCE 200809L
#include "dedup/dedup.h"
#include "store/store_internal.h"

#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct idv {
    char *text;
    uint32_t rec;
    uint8_t kind;
} idv;

static int idv_cmp(const void *pa, const void *pb)
{
    return strcmp(((const idv *)pa)->text, ((const idv *)pb)->text);
}

static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++) {
        if (*p == ',' && n < max) {
            *p = '\0';
            f[n++] = p + 1;
        } else if (*p == '\n' || *p == '\r') {
            *p = '\0';
            break;
        }
    }
    return n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int pair_cmp(const void *pa, const void *pb)
{
    const int64_t *a = pa, *b = pb;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

static int tri_cmp(const void *pa, const void *pb)
{
    const int64_t *a = pa, *b = pb;
    for (int k = 0; k < 3; k++)
        if (a[k] != b[k])
            return a[k] < b[k] ? -1 : 1;
    return 0;
}

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_dedup RECORDS.csv TRUTH.csv [GEOJSON CSV WEIGHTS] "
                        "[--window D] [--max-shared K]\n");
        return 1;
    }
    tw_ctx *ctx = tw_ctx_new();
    dd_opts o;
    dd_opts_default(&o);
    const char *geo[3] = {NULL, NULL, NULL};
    int ng = 0, no_refs = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
            o.window_days = atoi(argv[++i]);
        else if (strcmp(argv[i], "--reference-window") == 0 && i + 1 < argc)
            o.ref_window_days = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-references") == 0)
            no_refs = 1;
        else if (strcmp(argv[i], "--max-shared") == 0 && i + 1 < argc)
            o.max_shared = (size_t)atol(argv[++i]);
        else if (ng < 3)
            geo[ng++] = argv[i];
    }
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return 1;
    char line[4096];
    char *fl[32];
    if (!fgets(line, sizeof line, f))
        return 1;
    int nf = split(line, fl, 32);
    int col[32];
    const char *want[] = {"report_date",   "lon",       "lat",         "psgc",
                          "uncertainty_m", "account_ids", "payment_ids", "device_ids",
                          "ip_addrs",      "incident_date", "source",    "case_id",
                          "referred_from"};
    for (int k = 0; k < 13; k++) {
        col[k] = -1;
        for (int j = 0; j < nf; j++)
            if (strcmp(fl[j], want[k]) == 0)
                col[k] = j;
    }
    size_t cap = 1024, n = 0, ni = 0, icap = 4096;
    dd_rec *rec = malloc(cap * sizeof *rec);
    double *rad = malloc(cap * sizeof *rad);
    idv *ids = malloc(icap * sizeof *ids);
    while (fgets(line, sizeof line, f)) {
        nf = split(line, fl, 32);
        if (n == cap) {
            cap *= 2;
            rec = realloc(rec, cap * sizeof *rec);
            rad = realloc(rad, cap * sizeof *rad);
        }
        dd_rec *r = &rec[n];
        memset(r, 0, sizeof *r);
        r->id = (int64_t)n + 1;
        const char *d = col[9] >= 0 && *fl[col[9]] ? fl[col[9]] : fl[col[0]];
        tw_date_parse(d, strlen(d), &r->day);
        r->lon = *fl[col[1]] ? strtod(fl[col[1]], NULL) : NAN;
        r->lat = *fl[col[2]] ? strtod(fl[col[2]], NULL) : NAN;
        if (*fl[col[3]])
            memcpy(r->code, fl[col[3]], TW_PSGC_LEN);
        rad[n] = col[4] >= 0 && *fl[col[4]] ? strtod(fl[col[4]], NULL) : NAN;
        for (int k = 0; k < 4; k++) {
            const char *v = col[5 + k] >= 0 && col[5 + k] < nf ? fl[col[5 + k]] : "";
            if (!*v)
                continue;
            char norm[256];
            const char *why;
            if (!pseudo_normalise(k, v, strlen(v), norm, sizeof norm, &why)) {
                fprintf(stderr, "line %zu: %s\n", n + 2, why);
                return 2;
            }
            if (ni == icap) {
                icap *= 2;
                ids = realloc(ids, icap * sizeof *ids);
            }
            ids[ni].text = strdup(norm);
            ids[ni].rec = (uint32_t)n;
            ids[ni].kind = (uint8_t)k;
            ni++;
        }
        /* case references as the store has them: the record's own
           SOURCE:CASE_ID and each referred_from token (the plain text
           stands in for the keyed case_ref hash) */
        for (int k = 0; k < 2 && !no_refs; k++) {
            char buf[256];
            const char *v = "";
            if (k == 0 && col[10] >= 0 && col[11] >= 0) {
                snprintf(buf, sizeof buf, "%s:%s", fl[col[10]], fl[col[11]]);
                v = buf;
            } else if (k == 1 && col[12] >= 0 && col[12] < nf)
                v = fl[col[12]]; /* the simulator writes at most one */
            if (!*v)
                continue;
            if (ni == icap) {
                icap *= 2;
                ids = realloc(ids, icap * sizeof *ids);
            }
            size_t l = strlen(v) + 5;
            ids[ni].text = malloc(l);
            snprintf(ids[ni].text, l, "ref|%s", v);
            ids[ni].rec = (uint32_t)n;
            ids[ni].kind = DD_REFERENCE;
            ni++;
        }
        n++;
    }
    fclose(f);
    qsort(ids, ni, sizeof *ids, idv_cmp);
    uint32_t *id_rec = malloc((ni + 1) * sizeof *id_rec), *id_hash = malloc((ni + 1) * 4);
    uint8_t *id_kind = malloc(ni + 1);
    uint32_t h = 0;
    for (size_t k = 0; k < ni; k++) {
        if (k && strcmp(ids[k].text, ids[k - 1].text) != 0)
            h++;
        id_rec[k] = ids[k].rec;
        id_hash[k] = h;
        id_kind[k] = ids[k].kind;
    }
    /* truth: incident number per record */
    int64_t *truth = malloc(n * sizeof *truth);
    f = fopen(argv[2], "r");
    if (!f || !fgets(line, sizeof line, f))
        return 1;
    for (size_t r = 0; r < n && fgets(line, sizeof line, f); r++) {
        split(line, fl, 32);
        truth[r] = strtoll(fl[1] + 4, NULL, 10);
    }
    fclose(f);
    tw_areas *a = NULL;
    tw_locator *loc = NULL;
    tw_weights *w = NULL;
    double t0 = now_s();
    if (ng == 3) {
        tw_weights_spec spec;
        if (tw_areas_new(ctx, &a) || tw_areas_read_geojson(ctx, a, geo[0], NULL, NULL, NULL) ||
            tw_areas_read_csv(ctx, a, geo[1], NULL) || tw_locator_new(ctx, a, &loc) ||
            tw_weights_spec_parse(ctx, geo[2], &spec) || tw_weights_build(ctx, a, &spec, &w)) {
            fprintf(stderr, "geography: %s\n", tw_ctx_error(ctx)->message);
            return 1;
        }
        o.adj = w;
    }
    double t1 = now_s();
    if (dd_place_records(ctx, a, loc, rec, n, rad))
        return 1;
    double t2 = now_s();
    dd_result res;
    double times[3];
    for (int rep = 0; rep < 3; rep++) {
        double s0 = now_s();
        if (dd_link_records(ctx, rec, n, id_rec, id_hash, id_kind, ni, &o, &res)) {
            fprintf(stderr, "link: %s\n", tw_ctx_error(ctx)->message);
            return 1;
        }
        times[rep] = now_s() - s0;
        if (rep < 2)
            dd_result_free(ctx, &res);
    }
    qsort(times, 3, sizeof *times, dbl_cmp);
    /* pairs: sizes of true groups, found groups, and their intersections */
    int64_t *pr = malloc(2 * n * sizeof *pr);
    for (size_t r = 0; r < n; r++) {
        pr[2 * r] = truth[r];
        pr[2 * r + 1] = res.incident[r];
    }
    qsort(pr, n, 2 * sizeof *pr, pair_cmp);
    double tp = 0;
    for (size_t r = 0, e; r < n; r = e) {
        for (e = r; e < n && pr[2 * e] == pr[2 * r] && pr[2 * e + 1] == pr[2 * r + 1]; e++)
            ;
        tp += (double)(e - r) * (double)(e - r - 1) / 2;
    }
    double pairs_of[2] = {0, 0};
    for (int side = 0; side < 2; side++) {
        int64_t *v = malloc(n * sizeof *v);
        for (size_t r = 0; r < n; r++)
            v[r] = side ? res.incident[r] : truth[r];
        qsort(v, n, sizeof *v, cmp_i64);
        for (size_t r = 0, e; r < n; r = e) {
            for (e = r; e < n && v[e] == v[r]; e++)
                ;
            pairs_of[side] += (double)(e - r) * (double)(e - r - 1) / 2;
        }
        free(v);
    }
    /* identifier-linkable pairs: records of one true incident joined by a
       chain of shared (normalised) identifiers, whatever the dates */
    dd_uf uf;
    if (dd_uf_init(ctx, &uf, n))
        return 1;
    for (size_t k = 1; k < ni; k++)
        for (size_t q = k; q-- > 0 && id_hash[q] == id_hash[k];)
            if (truth[id_rec[q]] == truth[id_rec[k]]) {
                dd_uf_union(&uf, id_rec[q], id_rec[k]);
                break;
            }
    double lk_pairs = 0, lk_right = 0;
    int64_t *tri = malloc(3 * n * sizeof *tri);
    for (size_t r = 0; r < n; r++) {
        tri[3 * r] = truth[r];
        tri[3 * r + 1] = dd_uf_find(&uf, (uint32_t)r);
        tri[3 * r + 2] = res.incident[r];
    }
    qsort(tri, n, 3 * sizeof *tri, tri_cmp);
    for (size_t r = 0, e; r < n; r = e) {
        for (e = r; e < n && tri[3 * e] == tri[3 * r] && tri[3 * e + 1] == tri[3 * r + 1]; e++)
            ;
        lk_pairs += (double)(e - r) * (double)(e - r - 1) / 2;
        for (size_t x = r, y; x < e; x = y) {
            for (y = x; y < e && tri[3 * y + 2] == tri[3 * x + 2]; y++)
                ;
            lk_right += (double)(y - x) * (double)(y - x - 1) / 2;
        }
    }
    dd_uf_free(ctx, &uf);
    free(tri);
    printf("linkable_pairs %.0f linkable_right %.0f recall_linkable %.4f\n", lk_pairs, lk_right,
           lk_pairs > 0 ? lk_right / lk_pairs : 1);
    size_t rules[DD_NRULES] = {0};
    for (size_t k = 0; k < res.n_links; k++)
        rules[res.links[k].rule]++;
    printf("records %zu identifiers %zu incidents_true %lld incidents_found %zu\n", n, ni,
           (long long)pr[2 * (n - 1)], res.n_incidents);
    printf("pairs_true %.0f pairs_found %.0f pairs_right %.0f precision %.4f recall %.4f\n",
           pairs_of[0], pairs_of[1], tp, pairs_of[1] > 0 ? tp / pairs_of[1] : 1,
           pairs_of[0] > 0 ? tp / pairs_of[0] : 1);
    printf("links %zu (strong %zu, two-kinds %zu, same-area %zu, reference %zu)\n",
           res.n_links, rules[1], rules[2], rules[3], rules[4]);
    printf("seconds: geography %.3f place %.3f link %.3f (median of 3)\n", t1 - t0, t2 - t1,
           times[1]);
    dd_result_free(ctx, &res);
    tw_weights_free(w);
    tw_locator_free(loc);
    tw_areas_free(a);
    tw_ctx_free(ctx);
    return 0;
}
