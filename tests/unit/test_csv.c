/* test_csv.c: the streaming CSV reader on quoting, line numbers and bad input. */
#include "harness.h"
#include "io/csv.h"

#include <string.h>

static void test_basic_and_quotes(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_write("a.csv",
        "\xEF\xBB\xBFid,name,note\r\n"
        "1,\"Cebu, City\",\"say \"\"hi\"\"\"\r\n"
        "\n"
        "2,\"two\nlines\",x\n"
        "3,last,");
    csv_reader *r;
    CHECK_OK(ctx, csv_open(ctx, p, &r));
    bool eof;
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(!eof && csv_nfields(r) == 3);
    CHECK(csv_find_column(r, "NAME") == 1);
    CHECK(csv_find_column(r, "id") == 0);
    CHECK(csv_find_column(r, "missing") == -1);
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(strcmp(csv_field(r, 1, NULL), "Cebu, City") == 0);
    CHECK(strcmp(csv_field(r, 2, NULL), "say \"hi\"") == 0);
    CHECK(csv_line(r) == 2);
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(csv_line(r) == 4);
    CHECK(strcmp(csv_field(r, 1, NULL), "two\nlines") == 0);
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(csv_line(r) == 6);
    CHECK(csv_nfields(r) == 3 && strcmp(csv_field(r, 2, NULL), "") == 0);
    dbuf b;
    dbuf_init(&b, ctx);
    csv_record_text(r, &b);
    CHECK(strcmp(dbuf_str(&b), "3,last,") == 0);
    dbuf_free(&b);
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(eof);
    csv_close(r);
    tw_ctx_free(ctx);
}

static void test_truncated_quote(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_write("t.csv", "id,name\n1,\"open");
    csv_reader *r;
    CHECK_OK(ctx, csv_open(ctx, p, &r));
    bool eof;
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(csv_next(r, &eof) == TW_E_PARSE);
    CHECK(tw_ctx_error(ctx)->line == 2);
    CHECK(strstr(tw_ctx_error(ctx)->message, "truncated") != NULL);
    csv_close(r);
    tw_ctx_free(ctx);
}

static void test_missing_file(void)
{
    tw_ctx *ctx = tw_ctx_new();
    csv_reader *r = NULL;
    CHECK(csv_open(ctx, harness_tmp("nope.csv"), &r) == TW_E_IO);
    CHECK(r == NULL);
    CHECK(strstr(tw_ctx_error(ctx)->file, "nope.csv") != NULL);
    tw_ctx_free(ctx);
}

static void test_junk_after_quote(void)
{
    tw_ctx *ctx = tw_ctx_new();
    const char *p = harness_write("j.csv", "a,b\n\"x\"y,2\n");
    csv_reader *r;
    CHECK_OK(ctx, csv_open(ctx, p, &r));
    bool eof;
    CHECK_OK(ctx, csv_next(r, &eof));
    CHECK(csv_next(r, &eof) == TW_E_PARSE);
    csv_close(r);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_basic_and_quotes);
    RUN(test_truncated_quote);
    RUN(test_missing_file);
    RUN(test_junk_after_quote);
    return harness_finish();
}
