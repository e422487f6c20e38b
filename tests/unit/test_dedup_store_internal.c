/*
 * test_dedup_store_internal.c: incidents in the case store
 * (src/lib/store/incidents.c, docs/dedup.md) on a hand-made batch whose
 * incidents are known: which records link (account, device; accounts that
 * disagree; a gap beyond the window), the rules that choose an incident's
 * day, place, source, category and children, the source, category and
 * date filters, a store without a dedup run, the same run twice, the links
 * file, and purge. Internal: it reads the tw_cases records back. Runs on
 * PostgreSQL too with TANAW_TEST_BACKEND=pg (test_store_backend.h).
 */
#include "cases/cases_internal.h"
#include "harness.h"
#include "test_store_backend.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t key[TW_KEY_BYTES] = {7, 1, 2, 3};

/* Incident 1: A1 (CyberTipline, IP point 12 km), A2 (NBI, barangay code,
   incident date), A3 (IJM, exact point, device shared with A2, no
   account). B1: hotline, no identifier. C1, C2: one payment account but
   two accounts that disagree. C1 and A3 share PAY-7 but lie 180 days
   apart. */
static const char *batch =
    "case_id,report_date,source,lon,lat,psgc,children,category,uncertainty_m,account_ids,"
    "payment_ids,device_ids,ip_addrs,incident_date\n"
    "A1,2023-03-10,CyberTipline,123.9,10.3,,1,csam_distribution,12000,acct-1,,,2001:db8::1,\n"
    "A2,2023-04-20,NBI,,,0702201001,2,livestreaming,, ACCT-1 ,,dev-9,,2023-03-01\n"
    "A3,2023-05-02,IJM,123.91,10.31,,3,,,,PAY-7,DEV-9,,2023-03-05\n"
    "B1,2023-03-11,hotline,,,0702201000,1,grooming,,,,,,\n"
    "C1,2023-09-01,PNP-WCPC,,,0702202001,1,trafficking,,acct-2,PAY-7,,,\n"
    "C2,2023-09-03,DSWD,,,0702202001,1,trafficking,,acct-3,pay-7,,,\n";

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    tw_date_parse(s, strlen(s), &d);
    return d;
}

/* Ingest text as file name into st; the status and report. */
static tw_status ingest(tw_ctx *ctx, tw_store *st, const char *name, const char *text,
                        tw_store_ingest_report *rep)
{
    tw_store_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.agency = "TEST";
    o.loaded_by = "t";
    o.key = key;
    o.max_day = day_of("2024-12-31");
    return tw_store_ingest_csv(ctx, st, harness_write(name, text), &o, rep);
}

/* A new store (name) holding one batch (text). */
static tw_store *loaded_with(tw_ctx *ctx, const char *name, const char *text)
{
    tw_store *st = NULL;
    CHECK_EQ_INT(tw_store_open(ctx, store_target_in("dedup", name), TW_STORE_CREATE, &st), TW_OK);
    CHECK_EQ_INT(tw_store_migrate(ctx, st, NULL, NULL), TW_OK);
    CHECK_EQ_INT(ingest(ctx, st, "b.csv", text, NULL), TW_OK);
    return st;
}

static tw_store *loaded(tw_ctx *ctx, const char *name)
{
    return loaded_with(ctx, name, batch);
}

static const char *src_of(const tw_cases *c, size_t i)
{
    return c->rec[i].source >= 0 ? c->strs.s[c->rec[i].source] : "";
}

static size_t read_inc(tw_ctx *ctx, tw_store *st, const tw_store_filter *f, tw_cases **c)
{
    size_t n = 0;
    *c = NULL;
    CHECK_EQ_INT(tw_store_read_incidents(ctx, st, f, c, &n), TW_OK);
    CHECK_EQ_INT(tw_cases_count(*c), n);
    return n;
}

static void test_incidents(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = loaded(ctx, "inc.db");
    tw_store_dedup_info info;
    CHECK_EQ_INT(tw_store_dedup_info_get(ctx, st, &info), TW_OK);
    CHECK_EQ_INT(info.run_id, 0);
    tw_cases *c;
    CHECK_EQ_INT(read_inc(ctx, st, NULL, &c), 6); /* no run: every record alone */
    tw_cases_free(c);
    /* evidence by source: only the hotline call B1 carries nothing */
    {
        tw_source_evidence *e = NULL;
        size_t ne = 0;
        CHECK_EQ_INT(tw_store_source_evidence(ctx, st, &e, &ne), TW_OK);
        CHECK_EQ_INT(ne, 6);
        static const char *const order[] = {"CyberTipline", "DSWD", "IJM",
                                            "NBI",          "PNP-WCPC", "hotline"};
        for (size_t i = 0; i < ne && i < 6; i++) {
            CHECK(strcmp(e[i].source, order[i]) == 0);
            CHECK_EQ_INT(e[i].records, 1);
            CHECK_EQ_INT(e[i].without, i == 5);
        }
        tw_source_evidence_free(ctx, e);
    }

    tw_dedup_report rep;
    CHECK_EQ_INT(tw_store_dedup(ctx, st, NULL, &rep), TW_OK);
    CHECK_EQ_INT(rep.records, 6);
    CHECK_EQ_INT(rep.incidents, 4);
    CHECK_EQ_INT(rep.multi_record, 1);
    CHECK_EQ_INT(rep.links, 2); /* A1-A2 account, A2-A3 device */
    CHECK_EQ_INT(rep.links_by_rule[0], 2);
    CHECK_EQ_INT(tw_store_dedup_info_get(ctx, st, &info), TW_OK);
    CHECK_EQ_INT(info.run_id, rep.run_id);
    CHECK_EQ_INT(info.window_days, 90);
    CHECK_EQ_INT(info.incidents, 4);
    CHECK_EQ_INT(info.unlinked, 0);
    CHECK_EQ_INT(info.stale, 0);

    CHECK_EQ_INT(read_inc(ctx, st, NULL, &c), 4);
    if (tw_cases_count(c) == 4) {
        /* incident 1 = A1, A2, A3 */
        CHECK_EQ_INT(c->rec[0].day, day_of("2023-03-01"));         /* A2's incident date */
        CHECK(strcmp(c->rec[0].code, "0702201001") == 0);          /* A2's barangay code */
        CHECK(strcmp(src_of(c, 0), "CyberTipline") == 0);          /* earliest report */
        CHECK_EQ_INT(c->rec[0].category, cases_category_find("csam_distribution", 17));
        CHECK_EQ_INT(c->rec[0].children, 3);                       /* the largest */
        /* B1 alone, C1 and C2 apart (accounts disagree) */
        CHECK(strcmp(src_of(c, 1), "hotline") == 0);
        CHECK_EQ_INT(c->rec[1].day, day_of("2023-03-11"));
        CHECK(strcmp(c->rec[1].code, "0702201000") == 0);
        CHECK(strcmp(src_of(c, 2), "PNP-WCPC") == 0);
        CHECK(strcmp(src_of(c, 3), "DSWD") == 0);
    }
    tw_cases_free(c);

    /* filters: any record passes the incident, which then carries it */
    tw_store_filter f;
    memset(&f, 0, sizeof f);
    f.source = "ijm";
    CHECK_EQ_INT(read_inc(ctx, st, &f, &c), 1);
    if (tw_cases_count(c) == 1)
        CHECK(strcmp(src_of(c, 0), "IJM") == 0);
    tw_cases_free(c);
    f.source = NULL;
    f.category = "livestreaming";
    CHECK_EQ_INT(read_inc(ctx, st, &f, &c), 1);
    if (tw_cases_count(c) == 1)
        CHECK_EQ_INT(c->rec[0].category, cases_category_find("livestreaming", 13));
    tw_cases_free(c);
    f.category = NULL;
    f.from_day = day_of("2023-03-05"); /* incident 1 is dated 2023-03-01 */
    f.to_day = day_of("2023-12-31");
    CHECK_EQ_INT(read_inc(ctx, st, &f, &c), 3);
    tw_cases_free(c);

    /* the same run again: same incidents and links, byte for byte */
    const char *i1 = harness_tmp("i1.csv"), *l1 = harness_tmp("l1.csv");
    const char *i2 = harness_tmp("i2.csv"), *l2 = harness_tmp("l2.csv");
    size_t ni = 0, nl = 0;
    CHECK_EQ_INT(tw_store_write_incidents(ctx, st, i1, l1, &ni, &nl), TW_OK);
    CHECK_EQ_INT(ni, 4);
    CHECK_EQ_INT(nl, 2);
    CHECK_EQ_INT(tw_store_dedup(ctx, st, NULL, &rep), TW_OK);
    CHECK_EQ_INT(tw_store_write_incidents(ctx, st, i2, l2, &ni, &nl), TW_OK);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    FILE *fa = fopen(i1, "rb"), *fb = fopen(i2, "rb");
    if (fa && fb) {
        a = calloc(1, 8192);
        b = calloc(1, 8192);
        na = fread(a, 1, 8191, fa);
        nb = fread(b, 1, 8191, fb);
        CHECK(na == nb && memcmp(a, b, na) == 0);
        CHECK(strstr(a, "\n1,3,CyberTipline;IJM;NBI,2023-03-10,2023-05-02,2023-03-01,0702201001,"
                        ",,,barangay,csam_distribution,3\n") != NULL);
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    free(a);
    free(b);
    /* links: kinds and rules, no identifier hash */
    fa = fopen(l1, "rb");
    char links[4096] = "";
    if (fa) {
        size_t k = fread(links, 1, sizeof links - 1, fa);
        links[k] = '\0';
        fclose(fa);
    }
    CHECK(strstr(links, ",CyberTipline,") && strstr(links, ",account,,") &&
          strstr(links, ",device,,"));
    CHECK(strstr(links, ",strong\n") != NULL);

    /* purge: A1, B1 reported before April go; incident 1 keeps its id */
    size_t gone = 0;
    CHECK_EQ_INT(tw_store_purge(ctx, st, day_of("2023-04-01"), &gone), TW_OK);
    CHECK_EQ_INT(gone, 2);
    CHECK_EQ_INT(tw_store_dedup_info_get(ctx, st, &info), TW_OK);
    CHECK_EQ_INT(info.stale, 1);
    CHECK_EQ_INT(read_inc(ctx, st, NULL, &c), 3);
    if (tw_cases_count(c) == 3)
        CHECK(strcmp(src_of(c, 0), "NBI") == 0); /* now the earliest report */
    tw_cases_free(c);
    CHECK_EQ_INT(tw_store_write_incidents(ctx, st, i1, l1, &ni, &nl), TW_OK);
    CHECK_EQ_INT(ni, 3);
    CHECK_EQ_INT(nl, 1); /* A2-A3 remains */
    size_t problems = 9;
    CHECK_EQ_INT(tw_store_verify(ctx, st, &problems), TW_OK);
    CHECK_EQ_INT(problems, 0);
    /* verify sees a link across two incidents */
    {
        sql_db *db = NULL;
        char err[600];
        CHECK_EQ_INT(sql_open(ctx, store_name_in("dedup", "inc.db"), 0, &db, err, sizeof err), 0);
        if (db) {
            CHECK_EQ_INT(sql_exec(db, "UPDATE incident_member SET incident_id = 999 WHERE "
                                      "record_id = (SELECT max(record_b) FROM incident_link)"),
                         0);
            sql_close(db);
        }
        CHECK_EQ_INT(tw_store_verify(ctx, st, &problems), TW_OK);
        CHECK_EQ_INT(problems, 1);
        tw_ctx_clear_warnings(ctx);
    }

    /* options */
    tw_dedup_opts o;
    memset(&o, 0, sizeof o);
    o.window_days = -1;
    CHECK_EQ_INT(tw_store_dedup(ctx, st, &o, NULL), TW_E_ARG);
    /* 200 days: C1 and C2 each reach A3 through PAY-7 (A3 names no
       account), and the chain merges C1 and C2 although their accounts
       disagree: a link is transitive (docs/dedup.md, limits) */
    o.window_days = 200;
    CHECK_EQ_INT(tw_store_dedup(ctx, st, &o, &rep), TW_OK);
    CHECK_EQ_INT(rep.incidents, 1);
    CHECK_EQ_INT(rep.links, 3);
    tw_count_unit u;
    CHECK_EQ_INT(tw_count_unit_parse(ctx, "records", &u), TW_OK);
    CHECK_EQ_INT(u, TW_COUNT_RECORDS);
    CHECK_EQ_INT(tw_count_unit_parse(ctx, "cases", &u), TW_E_ARG);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

/* Case references (referred_from): X2 names the hotline call X1 (171 days
   earlier), X3 names X2 and X1; Y1 names X1 from another province (a
   mistyped or wrong reference: not linked); Z1 names a case the store does
   not hold. A second batch resends X1 corrected (same source and case id,
   other content): one case of one agency, linked through its case_ref. */
static const char *ref_batch =
    "case_id,report_date,source,psgc,children,account_ids,referred_from\n"
    "X1,2023-01-10,hotline,0702201001,1,,\n"
    "X2,2023-06-30,PNP-WCPC,0702201001,2,acct-9,hotline:X1\n"
    "X3,2023-07-02,DSWD,0702201002,2,acct-8, PNP-WCPC:X2 ; hotline:X1\n"
    "Y1,2023-02-01,NBI,0803701001,1,,hotline:X1\n"
    "Z1,2023-02-01,IJM,0702201001,1,,hotline:X9\n";

static void test_references(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = loaded_with(ctx, "ref.db", ref_batch);
    CHECK_EQ_INT(ingest(ctx, st, "ref2.csv",
                        "case_id,report_date,source,psgc,children\n"
                        "X1,2023-01-10,hotline,0702201001,2\n",
                        NULL),
                 TW_OK);
    /* a reference that is not SOURCE:CASE_ID rejects the batch, naming
       the field and the line */
    tw_store_ingest_report ir;
    CHECK_EQ_INT(ingest(ctx, st, "ref3.csv",
                        "case_id,report_date,source,psgc,referred_from\n"
                        "W1,2023-01-10,NBI,0702201001,hotline:X1\n"
                        "W2,2023-01-10,NBI,0702201001,X1\n",
                        &ir),
                 TW_E_PARSE);
    CHECK_EQ_INT(ir.rows_rejected, 1);
    CHECK_EQ_INT(tw_ctx_error(ctx)->line, 3);
    CHECK(tw_ctx_warning_count(ctx) >= 1);
    CHECK(tw_ctx_warning_count(ctx) &&
          strstr(tw_ctx_warning(ctx, tw_ctx_warning_count(ctx) - 1),
                 "ref3.csv:3: referred_from: reference 1: expected SOURCE:CASE_ID") != NULL);
    tw_ctx_clear_warnings(ctx);
    /* every record carries evidence: X1 is named by X2, X3 and Y1; Z1
       names a case the store does not hold, which is evidence too */
    tw_source_evidence *e = NULL;
    size_t ne = 0;
    CHECK_EQ_INT(tw_store_source_evidence(ctx, st, &e, &ne), TW_OK);
    CHECK_EQ_INT(ne, 5);
    for (size_t i = 0; i < ne; i++)
        CHECK_EQ_INT(e[i].without, 0);
    CHECK(ne == 5 && strcmp(e[4].source, "hotline") == 0 && e[4].records == 2);
    tw_source_evidence_free(ctx, e);
    tw_dedup_report rep;
    CHECK_EQ_INT(tw_store_dedup(ctx, st, NULL, &rep), TW_OK);
    CHECK_EQ_INT(rep.records, 6);
    CHECK_EQ_INT(rep.incidents, 3); /* {X1, X1', X2, X3}, {Y1}, {Z1} */
    CHECK_EQ_INT(rep.links_by_rule[3], 6); /* every pair of the four */
    CHECK_EQ_INT(rep.links, 6);
    tw_store_dedup_info info;
    CHECK_EQ_INT(tw_store_dedup_info_get(ctx, st, &info), TW_OK);
    CHECK_EQ_INT(info.reference_window_days, 365);
    /* a reference window of 100 days: X2 and X3 stay apart from the X1s */
    tw_dedup_opts d;
    memset(&d, 0, sizeof d);
    d.reference_window_days = 100;
    CHECK_EQ_INT(tw_store_dedup(ctx, st, &d, &rep), TW_OK);
    CHECK_EQ_INT(rep.incidents, 4);
    CHECK_EQ_INT(rep.links_by_rule[3], 2); /* X1-X1', X2-X3 */
    CHECK_EQ_INT(tw_store_dedup_info_get(ctx, st, &info), TW_OK);
    CHECK_EQ_INT(info.reference_window_days, 100);
    d.reference_window_days = -1;
    CHECK_EQ_INT(tw_store_dedup(ctx, st, &d, NULL), TW_E_ARG);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

int main(void)
{
    store_backend_check("test_dedup_store_internal");
    RUN(test_incidents);
    RUN(test_references);
    return harness_finish();
}
