/*
 * test_cases.c: reading case records (tw_cases_read_csv): row validation
 * with the rejects file (line and field of every bad row), refusal of
 * personal-data columns, file-level errors (empty, header only, truncated,
 * wrong delimiter, missing columns), the aggregated form, accumulation over
 * files, and failure of every allocation in turn.
 */
#include "harness.h"
#include "io/csv.h"
#include "tanaw/tanaw.h"

#include <stdlib.h>
#include <string.h>

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    tw_date_parse(s, strlen(s), &d);
    return d;
}

static const char *const rows_csv =
    "case_id,report_date,source,lon,lat,psgc,children,category,notes\n"
    "C-1,2023-01-05,CyberTipline,,,0702201001,,livestreaming,x\n"   /* 2 ok */
    "C-2,2023-02-29,NBI,,,0702201001,1,,secret-2\n"                 /* 3 date */
    "C-3,2023-03-01,PNP-WCPC,123.9,10.3,,2,grooming,\n"             /* 4 ok */
    "C-1,2023-03-02,DSWD,,,0702201002,1,,\n"                        /* 5 duplicate */
    "C-5,2023-03-02,DSWD,123.9,,,1,,\n"                             /* 6 lat */
    "C-6,2023-03-02,DSWD,,,12345,1,,\n"                             /* 7 psgc */
    "C-7,2023-03-02,DSWD,,,,1,,\n"                                  /* 8 no location */
    "C-8,2023-03-02,IJM,,,0702201001,-1,,\n"                        /* 9 children */
    "C-9,2023-03-02,IJM,,,0702201001,1,selfie,\n"                   /* 10 category */
    "C-10,1989-12-31,hotline,,,0702201001,1,,\n"                    /* 11 date */
    "C-11,2026-01-02,hotline,,,0702201001,1,,\n"                    /* 12 future */
    "C 12,2023-03-02,hotline,,,0702201001,1,,\n"                    /* 13 case_id */
    "C-13,2023-03-02,PNP WCPC,,,0702201001,1,,\n"                   /* 14 source */
    "C-14,2023-03-02,NBI,200,10,,1,,\n"                             /* 15 lon */
    "C-15,2023-03-02,NBI,abc,10,,1,,\n"                             /* 16 lon */
    "C-16,2023-03-02,NBI,,,702201001,1,other,\n"                    /* 17 ok */
    "C-17,2023-03-02,NBI\n"                                         /* 18 fields */
    "\"C-18\",\"2023-03-03\",\"NBI\",\"123.5\",\"10.1\",\"\",\"3\",\"Sextortion\",\n" /* 19 ok */
    "C-19,2023-03-02,NBI,,,0702201001,1.5,,\n"                      /* 20 children */
    "C-20,2023-03-02,NBI,123.5,95,,1,,\n"                           /* 21 lat */
    ",2023-03-02,NBI,123.5,9,,1,,\n"                                /* 22 case_id */
    "C-22,,NBI,123.5,9,,1,,\n"                                      /* 23 date */
    "C-23,2023-03-02,,123.5,9,,1,,\n"                               /* 24 source */
    "C-24,2023-03-02,NBI,123.5,9,,nan,,\n"                          /* 25 children */
    "09171234567,2023-03-02,NBI,,,0702201001,1,,\n";                /* 26 a phone number */

static void test_rows_and_rejects(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_write("rows.csv", rows_csv);
    const char *rej = harness_tmp("rows_rejects.csv");
    remove(rej);
    tw_cases_read_opts o = {rej, 0, day_of("2026-01-01")};
    tw_cases *c = NULL;
    tw_read_report rep;
    CHECK_OK(ctx, tw_cases_read_csv(ctx, p, &o, &c, &rep));
    CHECK_EQ_INT(rep.rows_read, 25);
    CHECK_EQ_INT(rep.rows_accepted, 4);
    CHECK_EQ_INT(rep.rows_rejected, 21);
    CHECK_EQ_INT(tw_cases_count(c), 4);

    /* The rejects file: one row per rejected line, in order, with field. */
    static const struct {
        long line;
        const char *field;
        const char *reason_part;
    } want[] = {{3, "report_date", "real date"},
                {5, "case_id", "first at line 2"},
                {6, "lat", "give both or neither"},
                {7, "psgc", "10-digit"},
                {8, "psgc", "neither coordinates"},
                {9, "children", "negative"},
                {10, "category", "livestreaming"},
                {11, "report_date", "before 1990-01-01"},
                {12, "report_date", "after 2026-01-01"},
                {13, "case_id", "A-Z"},
                {14, "source", "A-Z"},
                {15, "lon", "outside [-180, 180]"},
                {16, "lon", "expected a number"},
                {18, "", "3 fields, the header has 9"},
                {20, "children", "whole number"},
                {21, "lat", "outside [-90, 90]"},
                {22, "case_id", "missing case_id"},
                {23, "report_date", "missing report_date"},
                {24, "source", "missing source"},
                {25, "children", "whole number"},
                {26, "case_id", "mobile number"}};
    csv_reader *r;
    CHECK_OK(ctx, csv_open(ctx, rej, &r));
    bool eof;
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(!eof && csv_nfields(r) == 5 && strcmp(csv_field(r, 4, NULL), "record") == 0);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        CHECK_OK(ctx, csv_next(r, &eof));
        if (eof) {
            harness_fail(__FILE__, __LINE__, "rejects file ends before line %ld", want[i].line);
            break;
        }
        CHECK(strcmp(csv_field(r, 0, NULL), p) == 0);
        long line = strtol(csv_field(r, 1, NULL), NULL, 10);
        if (line != want[i].line || strcmp(csv_field(r, 2, NULL), want[i].field) != 0 ||
            !strstr(csv_field(r, 3, NULL), want[i].reason_part))
            harness_fail(__FILE__, __LINE__, "reject %zu: got line %ld field '%s' reason '%s'",
                         i, line, csv_field(r, 2, NULL), csv_field(r, 3, NULL));
    }
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(eof);
    csv_close(r);
    /* The ignored column is never copied into the rejects file. */
    char *text = harness_read(rej, NULL);
    CHECK(text && !strstr(text, "secret-2"));
    CHECK(text && !strstr(text, "09171234567")); /* nor a number that may be a person's */
    CHECK(text && strstr(text, "(withheld),2023-03-02") != NULL);
    CHECK(text && strstr(text, "\"C-2,2023-02-29,NBI,,,0702201001,1,\"") != NULL);
    free(text);

    /* Warnings: the unknown column once, the first rows, the summary. */
    int unknown = 0, summary = 0;
    for (size_t i = 0; i < tw_ctx_warning_count(ctx); i++) {
        const char *w = tw_ctx_warning(ctx, i);
        unknown += strstr(w, "unknown column") && strstr(w, "'notes'");
        summary += strstr(w, "21 of 25 rows rejected") != NULL;
    }
    CHECK_EQ_INT(unknown, 1);
    CHECK_EQ_INT(summary, 1);

    /* A second file into the same tw_cases; the rejects file is rewritten. */
    const char *p2 = harness_write("rows2.csv",
                                   "source,case_id,report_date,psgc\n"
                                   "NBI,C-1,2023-05-01,0702201001\n"  /* ids: per read */
                                   "NBI,C-2,2023-05-01,07022010011\n");
    tw_ctx_clear_warnings(ctx);
    CHECK_OK(ctx, tw_cases_read_csv(ctx, p2, &o, &c, &rep));
    CHECK_EQ_INT(rep.rows_read, 2);
    CHECK_EQ_INT(rep.rows_accepted, 1);
    CHECK_EQ_INT(tw_cases_count(c), 5);
    text = harness_read(rej, NULL);
    CHECK(text && strstr(text, "file,line,field,reason,record\n") == text);
    CHECK(text && strstr(text, "rows.csv,") == NULL); /* the first file's rows are gone */
    CHECK(text && strstr(text, "rows2.csv,3,psgc,") != NULL);
    free(text);
    /* a clean file leaves a header-only rejects file */
    CHECK_OK(ctx, tw_cases_read_csv(ctx, harness_write("rows3.csv",
                                                       "case_id,report_date,source,psgc\n"
                                                       "Z,2023-05-01,NBI,0702201001\n"),
                                    &o, &c, &rep));
    text = harness_read(rej, NULL);
    CHECK(text && strcmp(text, "file,line,field,reason,record\n") == 0);
    free(text);
    tw_cases_free(c);
    tw_ctx_free(ctx);
}

static void test_default_max_day_is_today(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_write("future.csv",
                                  "case_id,report_date,source,psgc\n"
                                  "a,2099-01-01,NBI,0702201001\n"
                                  "b,2020-01-01,NBI,0702201001\n");
    tw_cases *c = NULL;
    tw_read_report rep;
    CHECK_OK(ctx, tw_cases_read_csv(ctx, p, NULL, &c, &rep));
    CHECK_EQ_INT(rep.rows_accepted, 1);
    CHECK_EQ_INT(rep.rows_rejected, 1);
    tw_cases_free(c);
    tw_ctx_free(ctx);
}

static void test_personal_columns_refused(void)
{
    static const char *const refused[] = {
        "name",         "victim_name",  "Full Name",   "FULLNAME",   "first_name",
        "surname",      "phone",        "mobile_no",   "e-mail",     "email_address",
        "contact",      "contact_no",   "birthdate",   "date_of_birth", "DOB",
        "address",      "street",       "ip_address",  "ip",         "facebook_account",
        "alias",        "tel",          "guardian_phone", "nickname", "photo_url"};
    static const char *const allowed[] = {"municipality_name", "hotel", "notes",
                                          "province_name", "tipline_ref", "agency_name"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        tw_ctx *ctx = tw_ctx_new();
        char text[256];
        snprintf(text, sizeof text, "case_id,report_date,source,psgc,%s\nA,2023-01-01,NBI,0702201001,x\n",
                 refused[i]);
        const char *p = harness_write("personal.csv", text);
        tw_cases *c = NULL;
        tw_read_report rep = {9, 9, 9};
        tw_status s = tw_cases_read_csv(ctx, p, NULL, &c, &rep);
        const tw_error *e = tw_ctx_error(ctx);
        if (s != TW_E_PARSE || c != NULL || e->column != 5 || strcmp(e->field, refused[i]) != 0 ||
            !strstr(e->message, "personal data") || strcmp(e->file, p) != 0)
            harness_fail(__FILE__, __LINE__, "column '%s' not refused properly: %s (col %ld)",
                         refused[i], e->message, e->column);
        CHECK_EQ_INT(rep.rows_read, 0); /* refused before any row is read */
        tw_ctx_free(ctx);
    }
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
        tw_ctx *ctx = tw_ctx_new();
        char text[256];
        snprintf(text, sizeof text, "case_id,report_date,source,psgc,%s\nA,2023-01-01,NBI,0702201001,x\n",
                 allowed[i]);
        const char *p = harness_write("allowed.csv", text);
        tw_cases *c = NULL;
        tw_read_report rep;
        tw_status s = tw_cases_read_csv(ctx, p, NULL, &c, &rep);
        if (s != TW_OK || rep.rows_accepted != 1 || tw_ctx_warning_count(ctx) != 1)
            harness_fail(__FILE__, __LINE__, "column '%s' not ignored: %s", allowed[i],
                         tw_ctx_error(ctx)->message);
        tw_cases_free(c);
        tw_ctx_free(ctx);
    }
}

/* A short row whose fields are all unrecognised columns: the rejects record
   is empty (found by fuzzing: an unterminated buffer was read). */
static void test_short_row_reject(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_write("short.csv", "notes,case_id,report_date,source,psgc\n"
                                               "only-a-note\n"
                                               "n,A,2023-01-01,NBI,0702201001\n");
    const char *rej = harness_tmp("short_rejects.csv");
    tw_cases_read_opts o = {rej, 0, day_of("2026-01-01")};
    tw_cases *c = NULL;
    tw_read_report rep;
    CHECK_OK(ctx, tw_cases_read_csv(ctx, p, &o, &c, &rep));
    CHECK_EQ_INT(rep.rows_rejected, 1);
    CHECK_EQ_INT(rep.rows_accepted, 1);
    char *text = harness_read(rej, NULL);
    char want[512];
    snprintf(want, sizeof want, "%s,2,,\"row has 1 fields, the header has 5\",\n", p);
    CHECK(text && strstr(text, want) != NULL);
    CHECK(text && !strstr(text, "only-a-note"));
    free(text);
    tw_cases_free(c);
    tw_ctx_free(ctx);
}

/* An Excel export: BOM, CRLF, upper-case header, blanks around values. */
static void test_excel_export(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_write("excel.csv", "\xEF\xBB\xBF"
                                               "Case_ID , Report_Date,SOURCE,Lon,Lat,PSGC\r\n"
                                               " X-1 , 2023-07-01 ,NBI, 123.9 , 10.3 ,\r\n"
                                               "X-2,2023-07-02,NBI,,, 702201001 \r\n"
                                               "\r\n");
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts o = {NULL, 0, day_of("2026-01-01")};
    CHECK_OK(ctx, tw_cases_read_csv(ctx, p, &o, &c, &rep));
    CHECK_EQ_INT(rep.rows_read, 2);
    CHECK_EQ_INT(rep.rows_accepted, 2);
    CHECK_EQ_INT(tw_ctx_warning_count(ctx), 0);
    tw_cases_free(c);
    tw_ctx_free(ctx);
}

static tw_status read_text(tw_ctx *ctx, const char *text, int aggregated, tw_cases **c,
                           tw_read_report *rep)
{
    const char *p = harness_write("file.csv", text);
    tw_cases_read_opts o = {NULL, aggregated, day_of("2026-01-01")};
    return tw_cases_read_csv(ctx, p, &o, c, rep);
}

static void test_file_errors(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_cases *c = NULL;
    tw_read_report rep;
    /* a good file first: failures below must leave it intact */
    CHECK_OK(ctx, read_text(ctx, "case_id,report_date,source,psgc\nA,2023-01-01,NBI,0702201001\n",
                            0, &c, &rep));
    CHECK_EQ_INT(tw_cases_count(c), 1);
    tw_cases *keep = c;

    CHECK(read_text(ctx, "", 0, &c, &rep) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(ctx)->message, "empty file") != NULL);
    CHECK(read_text(ctx, "case_id,report_date,source,psgc\n", 0, &c, &rep) == TW_E_EMPTY);
    CHECK(strstr(tw_ctx_error(ctx)->message, "no records after the header") != NULL);
    CHECK(read_text(ctx, "case_id,report_date,source,psgc\nB,2023-01-01,NBI,0702201001\n"
                         "C,2023-01-01,NBI,\"0702201001\nD,2023-01-01,NBI,0702201001\n",
                    0, &c, &rep) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(ctx)->message, "truncated") != NULL);
    CHECK_EQ_INT(tw_ctx_error(ctx)->line, 3);
    CHECK(read_text(ctx, "case_id;report_date;source;psgc\nB;2023-01-01;NBI;0702201001\n", 0,
                    &c, &rep) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(ctx)->message, "comma-separated") != NULL);
    CHECK(read_text(ctx, "case_id\treport_date\tsource\n", 0, &c, &rep) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(ctx)->message, "'tab'") != NULL);
    CHECK(read_text(ctx, "case_id,source,psgc\nB,NBI,0702201001\n", 0, &c, &rep) == TW_E_PARSE);
    CHECK(strcmp(tw_ctx_error(ctx)->field, "report_date") == 0);
    CHECK(read_text(ctx, "psgc,count\n0702201001,3\n", 0, &c, &rep) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(ctx)->message, "aggregated") != NULL);
    CHECK(read_text(ctx, "case_id,report_date,source,psgc,Source\n", 0, &c, &rep) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(ctx)->message, "twice") != NULL);
    CHECK_EQ_INT(tw_ctx_error(ctx)->column, 5);
    CHECK(tw_cases_read_csv(ctx, harness_tmp("does-not-exist.csv"), NULL, &c, &rep) == TW_E_IO);
    CHECK(c == keep);
    CHECK_EQ_INT(tw_cases_count(c), 1);
    /* an unwritable rejects path is an I/O error, before any row */
    tw_cases_read_opts o = {"/nonexistent-dir/rej.csv", 0, 0};
    const char *p = harness_write("f.csv", "case_id,report_date,source,psgc\nA,2023-01-01,NBI,0702201001\n");
    CHECK(tw_cases_read_csv(ctx, p, &o, &c, &rep) == TW_E_IO);
    CHECK_EQ_INT(tw_cases_count(c), 1);
    tw_cases_free(c);

    /* failure on a fresh tw_cases leaves *out NULL */
    c = NULL;
    CHECK(read_text(ctx, "", 0, &c, &rep) == TW_E_PARSE);
    CHECK(c == NULL);
    CHECK(tw_cases_read_csv(NULL, p, NULL, &c, &rep) == TW_E_ARG);
    CHECK(tw_cases_read_csv(ctx, NULL, NULL, &c, &rep) == TW_E_ARG);
    tw_ctx_free(ctx);
}

static void test_aggregated_form(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_cases *c = NULL;
    tw_read_report rep;
    CHECK_OK(ctx, read_text(ctx,
                            "psgc,count,report_date,source\n"
                            "0702201000,12,2023-01-01,CyberTipline\n"
                            "702202000,0,,\n"               /* 9 digits; optional fields empty */
                            "0702203000,-2,,\n"             /* negative */
                            "0702203000,2.5,,\n"            /* not whole */
                            "0702203000,3,2023-02-30,\n"    /* bad date */
                            ",3,,\n"                        /* missing code */
                            "0702204000,1000000001,,\n",    /* too large */
                            1, &c, &rep));
    CHECK_EQ_INT(rep.rows_read, 7);
    CHECK_EQ_INT(rep.rows_accepted, 2);
    CHECK_EQ_INT(rep.rows_rejected, 5);
    CHECK_OK(ctx, read_text(ctx, "area_id,count,category\nCEBU-X,4,grooming\n0702201000,1,\n",
                            1, &c, &rep));
    CHECK_EQ_INT(rep.rows_accepted, 2);
    CHECK_EQ_INT(tw_cases_count(c), 4);
    CHECK(read_text(ctx, "psgc,area_id,count\n", 1, &c, &rep) == TW_E_PARSE);
    CHECK(read_text(ctx, "psgc,report_date\n0702201000,2023-01-01\n", 1, &c, &rep) == TW_E_PARSE);
    CHECK(strcmp(tw_ctx_error(ctx)->field, "count") == 0);
    CHECK(read_text(ctx, "count,name\n", 1, &c, &rep) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(ctx)->message, "personal data") != NULL);
    CHECK_EQ_INT(tw_cases_count(c), 4);
    tw_cases_free(c);
    tw_ctx_free(ctx);
}

static void test_every_allocation_fails(void)
{
    const char *p = harness_write("nomem.csv", rows_csv);
    const char *rej = harness_tmp("nomem_rejects.csv");
    int ok_seen = 0, injected = 1;
    for (long alloc_fail_at = 0; injected && alloc_fail_at < 10000; alloc_fail_at++) {
        tw_ctx *ctx = tw_ctx_new();
        harness_falloc f = {alloc_fail_at, 0}; /* that allocation (0-based) fails */
        tw_allocator al = harness_falloc_allocator(&f);
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
        remove(rej);
        tw_cases_read_opts o = {rej, 0, day_of("2026-01-01")};
        tw_cases *c = NULL;
        tw_read_report rep;
        tw_status s = tw_cases_read_csv(ctx, p, &o, &c, &rep);
        injected = f.left < 0; /* the failure happened */
        if (s == TW_OK) {
            /* only a lost warning may fail quietly */
            ok_seen = 1;
            CHECK_EQ_INT(tw_cases_count(c), 4);
        } else if (s != TW_E_NOMEM) {
            harness_fail(__FILE__, __LINE__, "allocation %ld: got %s", alloc_fail_at,
                         tw_status_str(s));
        } else {
            CHECK(c == NULL);
        }
        tw_cases_free(c); /* leaks show up under ASan */
        tw_ctx_free(ctx);
        CHECK_EQ_INT(f.live, 0); /* nothing leaked, failure or not */
    }
    CHECK(!injected);
    CHECK(ok_seen);
}

int main(void)
{
    RUN(test_rows_and_rejects);
    RUN(test_default_max_day_is_today);
    RUN(test_short_row_reject);
    RUN(test_excel_export);
    RUN(test_personal_columns_refused);
    RUN(test_file_errors);
    RUN(test_aggregated_form);
    RUN(test_every_allocation_fails);
    return harness_finish();
}
