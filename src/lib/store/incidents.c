/*
 * incidents.c: incidents in the case store (docs/dedup.md): tanaw dedup
 * (tw_store_dedup) links the records of the whole store with the dedup
 * core (src/lib/dedup/) in one write transaction and keeps the run's
 * parameters, every record's incident and every link with its
 * explanation; tw_store_read_incidents gives the analyses one record per
 * incident; tw_store_write_incidents writes the incidents and links CSVs
 * (pseudonymous: case_ref hashes, never identifier hashes).
 *
 * Tables (migration 5, schema.c): dedup_run (one row per run: when,
 * window, max_shared, slack, geography, counts, stale), incident_member
 * (record -> incident of the latest run), incident_link (the latest run's
 * links: record pair, kinds matched, common kinds, day gap, place, rule).
 * An incident's id is the smallest record id of its group, so the same
 * store with the same parameters gives the same incidents (idempotent).
 *
 * One record per incident (docs/dedup.md, "What the analyses count"):
 * day = earliest incident day of its records, else earliest report day;
 * place = the record known at the finest level (a code at a level beats a
 * point trusted at the same level; ties: smallest record id); source =
 * that of the earliest report (ties: smallest id), or under a source
 * filter the first record that passes it; category = the first record
 * (by report day, then id) that gives one, or under a category filter
 * that category; children = the largest count of its records.
 *
 * Records not in the latest run (loaded after it) are incidents of their
 * own until dedup runs again. Memory: O(records + identifiers) during a
 * run; reading streams the records ordered by incident.
 */
#define _POSIX_C_SOURCE 200809L
#include "store/store_internal.h"

#include "cases/cases_internal.h"
#include "dedup/dedup.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NO_DAY INT32_MIN

/* ---- running dedup ---- */

static int id_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

static int kind_index(const char *k)
{
    for (int i = 0; i < ID_NKINDS; i++)
        if (k && strcmp(k, store_id_kinds[i]) == 0)
            return i;
    return -1;
}

/* "account;device" for the bits of mask. */
static void kinds_text(unsigned mask, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int k = 0; k < DD_NKINDS; k++)
        if (mask >> k & 1u) {
            int w = snprintf(out + n, cap - n, "%s%s", n ? ";" : "", dd_kind_names[k]);
            if (w < 0 || (size_t)w >= cap - n)
                break;
            n += (size_t)w;
        }
}

static void utc_now(char out[21])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct run_data {
    dd_rec *rec;
    int64_t *ids;   /* record ids, ascending (= rec[i].id) */
    double *rad;    /* uncertainty radius (m) or NAN */
    size_t n, cap;
    uint32_t *id_rec, *id_hash;
    uint8_t *id_kind;
    size_t ni, icap;
} run_data;

static void run_data_free(tw_ctx *ctx, run_data *d)
{
    ctx_free(ctx, d->rec);
    ctx_free(ctx, d->ids);
    ctx_free(ctx, d->rad);
    ctx_free(ctx, d->id_rec);
    ctx_free(ctx, d->id_hash);
    ctx_free(ctx, d->id_kind);
}

static int grow(tw_ctx *ctx, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t nc = *cap ? 2 * *cap : 1024;
    while (nc < need)
        nc *= 2;
    void *np = ctx_realloc(ctx, *p, nc * size);
    if (!np)
        return 0;
    *p = np;
    return 1;
}

static tw_status load_for_run(tw_store *st, run_data *d)
{
    tw_ctx *ctx = st->ctx;
    sql_stmt *q = NULL;
    tw_status s = store_prepare(st,
                                "SELECT id, report_day, incident_day, lon, lat, psgc, "
                                "uncertainty_m FROM record ORDER BY id",
                                &q, "cannot read records");
    if (s)
        return s;
    int rc;
    while ((rc = sql_step(q)) == SQL_ROW) {
        size_t c1 = d->cap, c2 = d->cap, c3 = d->cap;
        if (!grow(ctx, (void **)&d->rec, &c1, d->n + 1, sizeof *d->rec) ||
            !grow(ctx, (void **)&d->ids, &c2, d->n + 1, sizeof *d->ids) ||
            !grow(ctx, (void **)&d->rad, &c3, d->n + 1, sizeof *d->rad)) {
            sql_finalize(q);
            return ctx_nomem(ctx);
        }
        d->cap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
        dd_rec *r = &d->rec[d->n];
        memset(r, 0, sizeof *r);
        r->id = d->ids[d->n] = sql_column_int64(q, 0);
        r->day = (int32_t)(sql_column_null(q, 2) ? sql_column_int64(q, 1)
                                                 : sql_column_int64(q, 2));
        r->lon = sql_column_null(q, 3) ? NAN : sql_column_double(q, 3);
        r->lat = sql_column_null(q, 4) ? NAN : sql_column_double(q, 4);
        const char *code = sql_column_text(q, 5);
        if (code && strlen(code) == TW_PSGC_LEN)
            memcpy(r->code, code, TW_PSGC_LEN + 1);
        d->rad[d->n] = sql_column_null(q, 6) ? NAN : sql_column_double(q, 6);
        d->n++;
    }
    sql_finalize(q);
    if (rc != SQL_DONE)
        return store_db_error(st, "cannot read records");
    if (d->n >= UINT32_MAX)
        return ctx_error(ctx, TW_E_ARG, "too many records to link (%zu)", d->n);
    /* identifiers ordered by hash: equal hashes get one small number. A
       record's own case_ref is a case reference too: a referred_from
       naming it (kind reference, the same keyed hash) meets it here, and
       two records of one case (an agency's corrected resend) share it */
    if ((s = store_prepare(st, "SELECT record_id, kind, hash FROM identifier UNION ALL "
                               "SELECT id, 'reference', case_ref FROM record "
                               "ORDER BY 3, 1",
                           &q, "cannot read identifiers")))
        return s;
    char prev[STORE_HASH_HEX] = "";
    uint32_t h = 0;
    while ((rc = sql_step(q)) == SQL_ROW) {
        int64_t rid = sql_column_int64(q, 0);
        int k = kind_index(sql_column_text(q, 1));
        const char *hash = sql_column_text(q, 2);
        int64_t *at = bsearch(&rid, d->ids, d->n, sizeof *d->ids, id_cmp);
        if (k < 0 || !hash || !at)
            continue; /* verify reports such rows */
        if (d->ni && strncmp(prev, hash, sizeof prev - 1) != 0)
            h++;
        snprintf(prev, sizeof prev, "%s", hash);
        size_t c1 = d->icap, c2 = d->icap, c3 = d->icap;
        if (!grow(ctx, (void **)&d->id_rec, &c1, d->ni + 1, sizeof *d->id_rec) ||
            !grow(ctx, (void **)&d->id_hash, &c2, d->ni + 1, sizeof *d->id_hash) ||
            !grow(ctx, (void **)&d->id_kind, &c3, d->ni + 1, sizeof *d->id_kind)) {
            sql_finalize(q);
            return ctx_nomem(ctx);
        }
        d->icap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
        d->id_rec[d->ni] = (uint32_t)(at - d->ids);
        d->id_hash[d->ni] = h;
        d->id_kind[d->ni] = (uint8_t)k;
        d->ni++;
    }
    sql_finalize(q);
    return rc == SQL_DONE ? TW_OK : store_db_error(st, "cannot read identifiers");
}

static tw_status save_run(tw_store *st, const run_data *d, const dd_result *res,
                          const dd_opts *o, const char *geography, int64_t *run_id)
{
    sql_stmt *q = NULL;
    tw_status s;
    if ((s = store_exec(st, "DELETE FROM incident_link")) ||
        (s = store_exec(st, "DELETE FROM incident_member")))
        return s;
    char at[21];
    utc_now(at);
    if ((s = store_prepare(st,
                           "INSERT INTO dedup_run(run_at, window_days, max_shared, slack_km, "
                           "geography, records, incidents, links, stale, reference_window_days) "
                           "VALUES($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) RETURNING id",
                           &q, "cannot record the dedup run")))
        return s;
    if (sql_bind_text(q, 1, at, -1) || sql_bind_int64(q, 2, o->window_days) ||
        sql_bind_int64(q, 3, (int64_t)o->max_shared) || sql_bind_double(q, 4, o->slack_km) ||
        sql_bind_text(q, 5, geography, -1) || sql_bind_int64(q, 6, (int64_t)d->n) ||
        sql_bind_int64(q, 7, (int64_t)res->n_incidents) ||
        sql_bind_int64(q, 8, (int64_t)res->n_links) ||
        sql_bind_int64(q, 9, o->ref_window_days) || sql_step(q) != SQL_ROW) {
        s = store_db_error(st, "cannot record the dedup run");
        sql_finalize(q);
        return s;
    }
    *run_id = sql_column_int64(q, 0);
    if (sql_reset(q))
        s = store_db_error(st, "cannot record the dedup run");
    sql_finalize(q);
    if (s)
        return s;
    if ((s = store_prepare(st,
                           "INSERT INTO incident_member(record_id, incident_id, run_id) "
                           "VALUES($1, $2, $3)",
                           &q, "cannot record incidents")))
        return s;
    for (size_t r = 0; r < d->n; r++) {
        if (sql_bind_int64(q, 1, d->ids[r]) || sql_bind_int64(q, 2, res->incident[r]) ||
            sql_bind_int64(q, 3, *run_id) || sql_run(q)) {
            s = store_db_error(st, "cannot record incidents");
            break;
        }
    }
    sql_finalize(q);
    if (s)
        return s;
    if ((s = store_prepare(st,
                           "INSERT INTO incident_link(run_id, record_a, record_b, kinds, "
                           "common_kinds, gap_days, place, rule) VALUES($1, $2, $3, $4, $5, $6, "
                           "$7, $8)",
                           &q, "cannot record links")))
        return s;
    for (size_t k = 0; k < res->n_links; k++) {
        const dd_link *lk = &res->links[k];
        char kinds[96], common[96];
        kinds_text(lk->kinds, kinds, sizeof kinds);
        kinds_text(lk->common, common, sizeof common);
        if (sql_bind_int64(q, 1, *run_id) || sql_bind_int64(q, 2, d->ids[lk->a]) ||
            sql_bind_int64(q, 3, d->ids[lk->b]) || sql_bind_text(q, 4, kinds, -1) ||
            sql_bind_text(q, 5, common, -1) || sql_bind_int64(q, 6, lk->gap_days) ||
            sql_bind_text(q, 7, dd_place_names[lk->place], -1) ||
            sql_bind_text(q, 8, dd_rule_names[lk->rule], -1) || sql_run(q)) {
            s = store_db_error(st, "cannot record links");
            break;
        }
    }
    sql_finalize(q);
    if (!s && sql_sync(st->db))
        s = store_db_error(st, "cannot record incidents");
    return s;
}

tw_status tw_store_dedup(tw_ctx *ctx, tw_store *st, const tw_dedup_opts *opts,
                         tw_dedup_report *rep)
{
    tw_status s = store_enter(ctx, st, 1, "tw_store_dedup");
    if (s)
        return s;
    tw_dedup_opts zero;
    memset(&zero, 0, sizeof zero);
    if (!opts)
        opts = &zero;
    if (opts->window_days < 0 || opts->window_days > 3650)
        return ctx_error(ctx, TW_E_ARG, "the window must be 0..3650 days (0: the default, 90)");
    if (opts->reference_window_days < 0 || opts->reference_window_days > 3650)
        return ctx_error(ctx, TW_E_ARG,
                         "the reference window must be 0..3650 days (0: the default, 365)");
    if (opts->areas && !opts->weights)
        return ctx_error(ctx, TW_E_ARG, "areas for dedup need their weights (adjacency)");
    if (opts->weights && (!opts->areas || tw_weights_n(opts->weights) !=
                                              tw_areas_count(opts->areas)))
        return ctx_error(ctx, TW_E_ARG, "the weights must be those of the areas");
    dd_opts o;
    dd_opts_default(&o);
    if (opts->window_days)
        o.window_days = opts->window_days;
    if (opts->reference_window_days)
        o.ref_window_days = opts->reference_window_days;
    if (opts->max_shared)
        o.max_shared = opts->max_shared;
    o.adj = opts->weights;
    run_data d;
    memset(&d, 0, sizeof d);
    dd_result res;
    memset(&res, 0, sizeof res);
    tw_locator *loc = NULL;
    if (opts->areas && (s = tw_locator_new(ctx, opts->areas, &loc)))
        return s;
    if (sql_begin(st->db, SQL_WRITE)) {
        tw_locator_free(loc);
        return store_db_error(st, "cannot lock the store");
    }
    int64_t run_id = 0;
    if ((s = load_for_run(st, &d)) ||
        (s = dd_place_records(ctx, opts->areas, loc, d.rec, d.n, d.rad)) ||
        (s = dd_link_records(ctx, d.rec, d.n, d.id_rec, d.id_hash, d.id_kind, d.ni, &o, &res)) ||
        (s = save_run(st, &d, &res, &o,
                      opts->geography ? opts->geography : opts->areas ? "areas" : "psgc",
                      &run_id)))
        goto fail;
    if (sql_commit(st->db)) {
        s = store_db_error(st, "cannot commit the dedup run");
        goto fail;
    }
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->run_id = run_id;
        rep->records = d.n;
        rep->incidents = res.n_incidents;
        rep->links = res.n_links;
        for (size_t k = 0; k < res.n_links; k++)
            if (res.links[k].rule >= 1 && res.links[k].rule < DD_NRULES)
                rep->links_by_rule[res.links[k].rule - 1]++;
        /* incidents with more than one record: groups minus singletons */
        int64_t *inc = ctx_mallocarray(ctx, d.n ? d.n : 1, sizeof *inc);
        if (inc) {
            memcpy(inc, res.incident, d.n * sizeof *inc);
            qsort(inc, d.n, sizeof *inc, id_cmp);
            for (size_t r = 0, e; r < d.n; r = e) {
                for (e = r; e < d.n && inc[e] == inc[r]; e++)
                    ;
                rep->multi_record += e - r > 1;
            }
            ctx_free(ctx, inc);
        }
    }
    dd_result_free(ctx, &res);
    run_data_free(ctx, &d);
    tw_locator_free(loc);
    return TW_OK;
fail:
    sql_rollback(st->db);
    dd_result_free(ctx, &res);
    run_data_free(ctx, &d);
    tw_locator_free(loc);
    return s;
}

static int evidence_cmp(const void *pa, const void *pb)
{
    return strcmp(((const tw_source_evidence *)pa)->source,
                  ((const tw_source_evidence *)pb)->source);
}

tw_status tw_store_source_evidence(tw_ctx *ctx, tw_store *st, tw_source_evidence **out,
                                   size_t *n)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    tw_status s = store_enter(ctx, st, out && n, "tw_store_source_evidence");
    if (s)
        return s;
    sql_stmt *q = NULL;
    /* evidence: an identifier or reference of its own, or another record
       naming its case (identifier(record_id, ...) is the primary key's
       prefix, identifier(hash) an index: one probe each) */
    if ((s = store_prepare(st,
                           "SELECT r.source, count(*), sum(CASE WHEN EXISTS(SELECT 1 FROM "
                           "identifier i WHERE i.record_id = r.id) OR EXISTS(SELECT 1 FROM "
                           "identifier j WHERE j.hash = r.case_ref AND j.kind = 'reference') "
                           "THEN 0 ELSE 1 END) FROM record r GROUP BY r.source",
                           &q, "cannot count the records' evidence")))
        return s;
    tw_source_evidence *v = NULL;
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(q)) == SQL_ROW) {
        if (!grow(ctx, (void **)&v, &cap, *n + 1, sizeof *v)) {
            sql_finalize(q);
            ctx_free(ctx, v);
            *n = 0;
            return ctx_nomem(ctx);
        }
        tw_source_evidence *e = &v[(*n)++];
        const char *src = sql_column_text(q, 0);
        snprintf(e->source, sizeof e->source, "%s", src ? src : "");
        e->records = sql_column_int64(q, 1);
        e->without = sql_column_int64(q, 2);
    }
    sql_finalize(q);
    if (rc != SQL_DONE) {
        ctx_free(ctx, v);
        *n = 0;
        return store_db_error(st, "cannot count the records' evidence");
    }
    if (*n)
        qsort(v, *n, sizeof *v, evidence_cmp); /* byte order on both backends */
    *out = v;
    return TW_OK;
}

void tw_source_evidence_free(tw_ctx *ctx, tw_source_evidence *e)
{
    if (ctx)
        ctx_free(ctx, e);
}

tw_status tw_store_dedup_info_get(tw_ctx *ctx, tw_store *st, tw_store_dedup_info *out)
{
    tw_status s = store_enter(ctx, st, out != NULL, "tw_store_dedup_info_get");
    if (s)
        return s;
    memset(out, 0, sizeof *out);
    sql_stmt *q = NULL;
    if ((s = store_prepare(st,
                           "SELECT id, run_at, window_days, max_shared, geography, records, "
                           "incidents, links, stale, reference_window_days FROM dedup_run "
                           "ORDER BY id DESC LIMIT 1",
                           &q, "cannot read the dedup runs")))
        return s;
    int rc = sql_step(q);
    if (rc == SQL_ROW) {
        out->run_id = sql_column_int64(q, 0);
        snprintf(out->run_at, sizeof out->run_at, "%s",
                 sql_column_text(q, 1) ? sql_column_text(q, 1) : "");
        out->window_days = (int32_t)sql_column_int64(q, 2);
        out->max_shared = sql_column_int64(q, 3);
        snprintf(out->geography, sizeof out->geography, "%s",
                 sql_column_text(q, 4) ? sql_column_text(q, 4) : "");
        out->records = sql_column_int64(q, 5);
        out->incidents = sql_column_int64(q, 6);
        out->links = sql_column_int64(q, 7);
        out->stale = (int)sql_column_int64(q, 8);
        out->reference_window_days =
            sql_column_null(q, 9) ? 0 : (int32_t)sql_column_int64(q, 9);
        rc = sql_reset(q) ? SQL_ERR : SQL_DONE;
    }
    sql_finalize(q);
    if (rc != SQL_DONE)
        return store_db_error(st, "cannot read the dedup runs");
    if (!out->run_id)
        return TW_OK;
    return store_query_int64(st,
                             "SELECT count(*) FROM record r WHERE NOT EXISTS (SELECT 1 FROM "
                             "incident_member m WHERE m.record_id = r.id)",
                             &out->unlinked);
}

tw_status tw_count_unit_parse(tw_ctx *ctx, const char *text, tw_count_unit *out)
{
    if (!ctx || !text || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_count_unit_parse: NULL argument") : TW_E_ARG;
    if (strcmp(text, "incidents") == 0)
        *out = TW_COUNT_INCIDENTS;
    else if (strcmp(text, "records") == 0)
        *out = TW_COUNT_RECORDS;
    else
        return ctx_error(ctx, TW_E_ARG, "--count: expected incidents or records, got '%.64s'",
                         text);
    return TW_OK;
}

/* ---- reading incidents ---- */

typedef struct mrow {
    int64_t id;
    char source[40];
    int32_t report_day, incident_day; /* NO_DAY when none */
    double lon, lat, radius_m;        /* NAN when none */
    char code[TW_PSGC_LEN + 1];
    int64_t children;
    int8_t category;
    char version[40];
    char case_ref[STORE_HASH_HEX];
} mrow;

/* Level a record is known at: its code's, else its point's by radius (a
   CyberTipline point without a radius is an IP geolocation: municipality,
   docs/cases.md "Mixed precision"). Codes rank above points of a level. */
static int precision_rank(const mrow *m)
{
    if (m->code[0])
        return 2 * (int)tw_psgc_level(m->code) + 1;
    if (!isfinite(m->lon))
        return 0;
    if (!isfinite(m->radius_m))
        return 2 * (strcasecmp(m->source, "CyberTipline") == 0 ? TW_LEVEL_MUNICIPALITY
                                                                : TW_LEVEL_BARANGAY);
    static const tw_level lv[] = {TW_LEVEL_BARANGAY, TW_LEVEL_MUNICIPALITY, TW_LEVEL_PROVINCE};
    for (int k = 0; k < 3; k++)
        if (m->radius_m <= tw_max_uncertainty_m(lv[k]))
            return 2 * (int)lv[k];
    return 2 * TW_LEVEL_REGION;
}

/* Earlier report first, then smaller id. */
static int earlier(const mrow *a, const mrow *b)
{
    return a->report_day != b->report_day ? a->report_day < b->report_day : a->id < b->id;
}

typedef struct incident {
    int64_t id;
    const mrow *m; /* members, ascending id */
    size_t n;
    int32_t day;
    const mrow *place, *first;
} incident;

static void incident_summary(incident *in)
{
    int32_t inc_day = NO_DAY, rep_day = NO_DAY;
    in->place = in->first = &in->m[0];
    int best = -1;
    for (size_t k = 0; k < in->n; k++) {
        const mrow *m = &in->m[k];
        if (m->incident_day != NO_DAY && (inc_day == NO_DAY || m->incident_day < inc_day))
            inc_day = m->incident_day;
        if (rep_day == NO_DAY || m->report_day < rep_day)
            rep_day = m->report_day;
        int r = precision_rank(m);
        if (r > best) {
            best = r;
            in->place = m;
        }
        if (earlier(m, in->first))
            in->first = m;
    }
    in->day = inc_day != NO_DAY ? inc_day : rep_day;
}

typedef tw_status (*incident_fn)(void *arg, incident *in);

/* Call fn for every incident of the store (latest run; records outside
   it alone), in incident id order. */
static tw_status each_incident(tw_store *st, incident_fn fn, void *arg)
{
    tw_ctx *ctx = st->ctx;
    sql_stmt *q = NULL;
    tw_status s = store_prepare(
        st,
        "SELECT r.id, COALESCE(m.incident_id, r.id) AS inc, r.source, r.report_day, "
        "r.incident_day, r.lon, r.lat, r.uncertainty_m, r.psgc, r.children, r.category, "
        "r.psgc_version, r.case_ref FROM record r LEFT JOIN incident_member m ON m.record_id = "
        "r.id ORDER BY inc, r.id",
        &q, "cannot read incidents");
    if (s)
        return s;
    mrow *buf = NULL;
    size_t nb = 0, cap = 0;
    int64_t cur = 0;
    int rc;
    while ((rc = sql_step(q)) == SQL_ROW) {
        int64_t inc = sql_column_int64(q, 1);
        if (nb && inc != cur) {
            incident in = {cur, buf, nb, 0, NULL, NULL};
            incident_summary(&in);
            if ((s = fn(arg, &in)))
                break;
            nb = 0;
        }
        cur = inc;
        if (!grow(ctx, (void **)&buf, &cap, nb + 1, sizeof *buf)) {
            s = ctx_nomem(ctx);
            break;
        }
        mrow *m = &buf[nb++];
        memset(m, 0, sizeof *m);
        m->id = sql_column_int64(q, 0);
        snprintf(m->source, sizeof m->source, "%s",
                 sql_column_text(q, 2) ? sql_column_text(q, 2) : "");
        m->report_day = (int32_t)sql_column_int64(q, 3);
        m->incident_day = sql_column_null(q, 4) ? NO_DAY : (int32_t)sql_column_int64(q, 4);
        m->lon = sql_column_null(q, 5) ? NAN : sql_column_double(q, 5);
        m->lat = sql_column_null(q, 6) ? NAN : sql_column_double(q, 6);
        m->radius_m = sql_column_null(q, 7) ? NAN : sql_column_double(q, 7);
        const char *code = sql_column_text(q, 8);
        if (code && strlen(code) == TW_PSGC_LEN)
            memcpy(m->code, code, TW_PSGC_LEN + 1);
        m->children = sql_column_int64(q, 9);
        const char *ct = sql_column_text(q, 10);
        m->category = (int8_t)(ct ? cases_category_find(ct, strlen(ct)) : -1);
        snprintf(m->version, sizeof m->version, "%s",
                 sql_column_text(q, 11) ? sql_column_text(q, 11) : "");
        snprintf(m->case_ref, sizeof m->case_ref, "%s",
                 sql_column_text(q, 12) ? sql_column_text(q, 12) : "");
    }
    if (!s && rc != SQL_DONE)
        s = store_db_error(st, "cannot read incidents");
    if (!s && nb) {
        incident in = {cur, buf, nb, 0, NULL, NULL};
        incident_summary(&in);
        s = fn(arg, &in);
    }
    if (s && rc == SQL_ROW)
        sql_reset(q);
    sql_finalize(q);
    ctx_free(ctx, buf);
    return s;
}

typedef struct read_arg {
    tw_ctx *ctx;
    const tw_store_filter *f;
    int cat;
    tw_cases *c;
    size_t added;
} read_arg;

static tw_status read_one(void *arg, incident *in)
{
    read_arg *ra = arg;
    const tw_store_filter *f = ra->f;
    if ((f->from_day || f->to_day) && (in->day < f->from_day || in->day > f->to_day))
        return TW_OK;
    const mrow *src = in->first;
    if (f->source) { /* passes when any record passes; counted under the
                        source of the earliest record that passes */
        src = NULL;
        for (size_t k = 0; k < in->n; k++)
            if (tw_source_in_filter(f->source, in->m[k].source) &&
                (!src || earlier(&in->m[k], src)))
                src = &in->m[k];
        if (!src)
            return TW_OK;
    }
    int cat = -1;
    if (ra->cat >= 0) {
        for (size_t k = 0; k < in->n && cat < 0; k++)
            if (in->m[k].category == ra->cat)
                cat = ra->cat;
        if (cat < 0)
            return TW_OK;
    } else { /* the earliest report that gives one */
        const mrow *best = NULL;
        for (size_t k = 0; k < in->n; k++)
            if (in->m[k].category >= 0 && (!best || earlier(&in->m[k], best)))
                best = &in->m[k];
        cat = best ? best->category : -1;
    }
    const mrow *p = in->place;
    case_rec r;
    memset(&r, 0, sizeof r);
    r.weight = 1;
    r.id_str = -1;
    r.day = in->day;
    r.lon = p->lon;
    r.lat = p->lat;
    if (p->code[0]) {
        memcpy(r.code, p->code, TW_PSGC_LEN + 1);
        r.code_kind = CASES_CODE_PSGC;
    }
    if (isfinite(p->radius_m)) {
        r.has_radius = 1;
        r.radius_m = p->radius_m;
    }
    int64_t children = 0;
    for (size_t k = 0; k < in->n; k++)
        if (in->m[k].children > children)
            children = in->m[k].children;
    r.children = (double)children;
    r.category = (int8_t)cat;
    tw_status s =
        cases_append(ra->ctx, &ra->c, &r, src->source, p->version[0] ? p->version : NULL);
    if (!s)
        ra->added++;
    return s;
}

tw_status tw_store_read_incidents(tw_ctx *ctx, tw_store *st, const tw_store_filter *f,
                                  tw_cases **inout, size_t *n)
{
    tw_status s = store_enter(ctx, st, inout != NULL, "tw_store_read_incidents");
    if (s)
        return s;
    tw_store_filter all = {0};
    read_arg ra = {ctx, f ? f : &all, -1, *inout, 0};
    if (ra.f->category &&
        (ra.cat = cases_category_find(ra.f->category, strlen(ra.f->category))) < 0)
        return ctx_error(ctx, TW_E_ARG, "unknown category '%s'", ra.f->category);
    size_t n0 = ra.c ? tw_cases_count(ra.c) : 0;
    if (sql_begin(st->db, SQL_READ))
        return store_db_error(st, "cannot read incidents");
    s = each_incident(st, read_one, &ra);
    sql_rollback(st->db); /* read only */
    if (s) {
        if (ra.c && !*inout)
            tw_cases_free(ra.c);
        else if (ra.c)
            ra.c->n = n0; /* a failed read adds nothing */
        return s;
    }
    if (!ra.c && (s = cases_append(ctx, &ra.c, &(case_rec){0}, NULL, NULL)) == TW_OK)
        ra.c->n = 0;
    if (s)
        return s;
    *inout = ra.c;
    if (n)
        *n = ra.added;
    return TW_OK;
}

/* ---- writing incidents and links ---- */

typedef struct write_arg {
    FILE *f;
    size_t rows;
    char (*srcs)[40];
    size_t cap;
    tw_ctx *ctx;
} write_arg;

static int str40_cmp(const void *a, const void *b) { return strcasecmp(a, b); }

static void put_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v); /* micro-degrees and metres stay exact */
}

static tw_status write_one(void *arg, incident *in)
{
    write_arg *wa = arg;
    size_t cap = wa->cap;
    if (!grow(wa->ctx, (void **)&wa->srcs, &cap, in->n, sizeof *wa->srcs))
        return ctx_nomem(wa->ctx);
    wa->cap = cap;
    for (size_t k = 0; k < in->n; k++)
        memcpy(wa->srcs[k], in->m[k].source, sizeof wa->srcs[k]);
    qsort(wa->srcs, in->n, sizeof *wa->srcs, str40_cmp);
    int32_t first = in->m[0].report_day, last = first;
    int64_t children = 0;
    for (size_t k = 0; k < in->n; k++) {
        if (in->m[k].report_day < first)
            first = in->m[k].report_day;
        if (in->m[k].report_day > last)
            last = in->m[k].report_day;
        if (in->m[k].children > children)
            children = in->m[k].children;
    }
    const mrow *best = NULL;
    for (size_t k = 0; k < in->n; k++)
        if (in->m[k].category >= 0 && (!best || earlier(&in->m[k], best)))
            best = &in->m[k];
    char d1[11], d2[11], d3[11];
    tw_date_format(first, d1);
    tw_date_format(last, d2);
    tw_date_format(in->day, d3);
    FILE *f = wa->f;
    fprintf(f, "%" PRId64 ",%zu,", in->id, in->n);
    for (size_t k = 0; k < in->n; k++)
        if (!k || strcasecmp(wa->srcs[k], wa->srcs[k - 1]) != 0)
            fprintf(f, "%s%s", k ? ";" : "", wa->srcs[k]);
    fprintf(f, ",%.10s,%.10s,%.10s,%s,", d1, d2, d3, in->place->code);
    put_num(f, in->place->lon);
    fputc(',', f);
    put_num(f, in->place->lat);
    fputc(',', f);
    put_num(f, in->place->radius_m);
    int rank = precision_rank(in->place);
    fprintf(f, ",%s,%s,%" PRId64 "\n", rank ? tw_level_name((tw_level)(rank / 2)) : "",
            best ? cases_category_names[best->category] : "", children);
    wa->rows++;
    return TW_OK;
}

static tw_status write_links(tw_store *st, FILE *f, size_t *rows)
{
    sql_stmt *q = NULL;
    tw_status s = store_prepare(
        st,
        "SELECT m.incident_id, a.case_ref, a.source, b.case_ref, b.source, l.kinds, "
        "l.common_kinds, l.gap_days, l.place, l.rule FROM incident_link l JOIN record a ON "
        "a.id = l.record_a JOIN record b ON b.id = l.record_b JOIN incident_member m ON "
        "m.record_id = l.record_a ORDER BY m.incident_id, l.record_a, l.record_b",
        &q, "cannot read links");
    if (s)
        return s;
    fputs("incident_id,record_a,source_a,record_b,source_b,kinds,common_kinds,day_gap,place,"
          "rule\n",
          f);
    int rc;
    while ((rc = sql_step(q)) == SQL_ROW) {
        fprintf(f, "%" PRId64, sql_column_int64(q, 0));
        for (int c = 1; c <= 6; c++)
            fprintf(f, ",%s", sql_column_text(q, c) ? sql_column_text(q, c) : "");
        fprintf(f, ",%" PRId64 ",%s,%s\n", sql_column_int64(q, 7),
                sql_column_text(q, 8) ? sql_column_text(q, 8) : "",
                sql_column_text(q, 9) ? sql_column_text(q, 9) : "");
        (*rows)++;
    }
    sql_finalize(q);
    return rc == SQL_DONE ? TW_OK : store_db_error(st, "cannot read links");
}

static tw_status close_out(tw_ctx *ctx, FILE *f, const char *path, tw_status s)
{
    int bad = ferror(f) | (fclose(f) != 0);
    if (!s && bad)
        s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "error while writing");
    return s;
}

tw_status tw_store_write_incidents(tw_ctx *ctx, tw_store *st, const char *incidents_path,
                                   const char *links_path, size_t *incidents, size_t *links)
{
    tw_status s = store_enter(ctx, st, incidents_path != NULL, "tw_store_write_incidents");
    if (s)
        return s;
    FILE *f = fopen(incidents_path, "wb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, incidents_path, 0, 0, NULL,
                            "cannot open for writing: %s", strerror(errno));
    fputs("incident_id,n_records,sources,first_report_date,last_report_date,incident_date,"
          "psgc,lon,lat,uncertainty_m,location_level,category,children\n",
          f);
    write_arg wa = {f, 0, NULL, 0, ctx};
    if (sql_begin(st->db, SQL_READ)) {
        fclose(f);
        return store_db_error(st, "cannot read incidents");
    }
    s = each_incident(st, write_one, &wa);
    ctx_free(ctx, wa.srcs);
    s = close_out(ctx, f, incidents_path, s);
    size_t nl = 0;
    if (!s && links_path) {
        if (!(f = fopen(links_path, "wb")))
            s = ctx_error_at(ctx, TW_E_IO, links_path, 0, 0, NULL,
                             "cannot open for writing: %s", strerror(errno));
        else
            s = close_out(ctx, f, links_path, write_links(st, f, &nl));
    }
    sql_rollback(st->db);
    if (incidents)
        *incidents = wa.rows;
    if (links)
        *links = nl;
    return s;
}
