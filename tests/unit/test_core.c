/* test_core.c: context, status text, strict numbers, buffers, RNG streams, name lists. */
#include "harness.h"
#include "core/core.h"
#include "core/rng.h"

#include <string.h>

static void test_status_text(void)
{
    CHECK(strcmp(tw_status_str(TW_OK), "success") == 0);
    CHECK(strcmp(tw_status_str(TW_E_NOMEM), "out of memory") == 0);
    for (int s = TW_OK; s <= TW_E_INTERNAL; s++)
        CHECK(strcmp(tw_status_str((tw_status)s), "unknown status") != 0);
}

static void test_errors_and_warnings(void)
{
    tw_ctx *ctx = tw_ctx_new();
    CHECK(tw_ctx_error(ctx)->code == TW_OK);
    tw_status s = ctx_error_at(ctx, TW_E_PARSE, "a.csv", 12, 3, "lon", "expected number for '%s'", "lon");
    CHECK(s == TW_E_PARSE);
    const tw_error *e = tw_ctx_error(ctx);
    CHECK(e->line == 12 && e->column == 3);
    CHECK(strcmp(e->file, "a.csv") == 0 && strcmp(e->field, "lon") == 0);
    CHECK(strcmp(e->message, "expected number for 'lon'") == 0);
    tw_ctx_clear_error(ctx);
    CHECK(tw_ctx_error(ctx)->code == TW_OK);
    ctx_warn(ctx, "%d islands", 3);
    CHECK(tw_ctx_warning_count(ctx) == 1);
    CHECK(strcmp(tw_ctx_warning(ctx, 0), "3 islands") == 0);
    tw_ctx_free(ctx);
}

static void test_numbers(void)
{
    double d;
    int64_t i;
    CHECK(num_parse_double("1.5", 3, &d) && d == 1.5);
    CHECK(num_parse_double(" -2e3 ", 6, &d) && d == -2000);
    CHECK(!num_parse_double("nan", 3, &d));
    CHECK(!num_parse_double("inf", 3, &d));
    CHECK(!num_parse_double("1e999", 5, &d));
    CHECK(!num_parse_double("", 0, &d));
    CHECK(!num_parse_double("12abc", 5, &d));
    CHECK(!num_parse_double("0x10", 4, &d));
    CHECK(num_parse_int64("42", 2, &i) && i == 42);
    CHECK(!num_parse_int64("4.2", 3, &i));
    CHECK(!num_parse_int64("99999999999999999999", 20, &i));
}

static void test_dbuf(void)
{
    tw_ctx *ctx = tw_ctx_new();
    dbuf b;
    dbuf_init(&b, ctx);
    for (int k = 0; k < 1000; k++)
        dbuf_printf(&b, "%d,", k);
    CHECK(strncmp(dbuf_str(&b), "0,1,2,", 6) == 0);
    CHECK(b.len == strlen(dbuf_str(&b)));
    dbuf_free(&b);
    /* A buffer never appended to is an empty string (fuzzing found a missing NUL). */
    dbuf e;
    dbuf_init(&e, ctx);
    CHECK(strcmp(dbuf_str(&e), "") == 0);
    dbuf_free(&e);
    tw_ctx_free(ctx);
}

static void test_rng_streams(void)
{
    rng a, b, c;
    rng_init(&a, 42, 7);
    rng_init(&b, 42, 7);
    rng_init(&c, 42, 8);
    int same = 1, diff = 0;
    for (int k = 0; k < 100; k++) {
        uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);
        same &= x == y;
        diff += x != z;
    }
    CHECK(same);
    CHECK(diff == 100);
    /* rng_below is uniform: chi-square over 10 bins, 100000 draws. */
    long bins[10] = {0};
    for (int k = 0; k < 100000; k++)
        bins[rng_below(&a, 10)]++;
    double chi = 0;
    for (int k = 0; k < 10; k++)
        chi += (bins[k] - 10000.0) * (bins[k] - 10000.0) / 10000.0;
    CHECK(chi < 27.88); /* 99.9 % quantile, 9 df */
    double u = rng_uniform(&a);
    CHECK(u >= 0 && u < 1);
}

static void test_name_list(void)
{
    CHECK(name_in_list(NULL, "PNP"));
    CHECK(name_in_list("PNP", "pnp"));
    CHECK(name_in_list("CyberTipline, PNP-WCPC ,NBI", "pnp-wcpc"));
    CHECK(name_in_list("CyberTipline, PNP-WCPC ,NBI", "NBI"));
    CHECK(!name_in_list("CyberTipline,PNP-WCPC", "PNP"));
    CHECK(!name_in_list("PNP-WCPC", "PNP-WCPC2"));
    CHECK(!name_in_list("", "PNP"));
    CHECK(!name_in_list("PNP,", "NBI"));
    CHECK(tw_source_in_filter(NULL, "x") && !tw_source_in_filter(NULL, NULL));
    CHECK(tw_source_in_filter("a,B", "b") && !tw_source_in_filter("a,B", "c"));
}

int main(void)
{
    RUN(test_status_text);
    RUN(test_errors_and_warnings);
    RUN(test_numbers);
    RUN(test_dbuf);
    RUN(test_rng_streams);
    RUN(test_name_list);
    return harness_finish();
}
