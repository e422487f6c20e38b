/*
 * test_cases_date.c: tw_date_parse / tw_date_format against hand-computed
 * days, the Gregorian leap rules, refused forms, and a day-by-day walk over
 * years 0001..9999 checked against a year-by-year count.
 */
#include "harness.h"
#include "tanaw/tanaw.h"

#include <string.h>

static int32_t parse(const char *s)
{
    int32_t d = 123456789;
    tw_status st = tw_date_parse(s, strlen(s), &d);
    return st == TW_OK ? d : -999999999;
}

static void test_known_days(void)
{
    CHECK_EQ_INT(parse("1970-01-01"), 0);
    CHECK_EQ_INT(parse("1969-12-31"), -1);
    CHECK_EQ_INT(parse("1970-03-01"), 59);         /* 31 + 28 */
    CHECK_EQ_INT(parse("1990-01-01"), 7305);       /* 20 * 365 + 5 leap days */
    CHECK_EQ_INT(parse("2000-01-01"), 10957);      /* 30 * 365 + 7 */
    CHECK_EQ_INT(parse("2000-02-29"), 10957 + 59); /* 2000 is a leap year */
    CHECK_EQ_INT(parse("2000-03-01"), 10957 + 60);
    CHECK_EQ_INT(parse("1900-01-01"), -25567);     /* 70 * 365 + 17 leap days back */
    CHECK_EQ_INT(parse("1900-03-01"), -25567 + 59); /* 1900 is not */
    CHECK_EQ_INT(parse("2024-02-29"), 19723 + 59);
    CHECK_EQ_INT(parse("2024-12-31"), 19723 + 365);
    CHECK_EQ_INT(parse(" 2023-06-15\t"), 19523);   /* blanks of a CSV cell */
    CHECK_EQ_INT(parse("0001-01-01"), -719162);
    CHECK_EQ_INT(parse("9999-12-31"), 2932896);
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "2023-02-29", "1900-02-29", "2100-02-29", "2023-04-31", "2023-13-01",
        "2023-00-10", "2023-01-00", "2023-01-32", "2023-4-05",  "23-04-05",
        "2023/04/05", "05-04-2023", "2023-04-05T10:00", "2023-04-05 10:00",
        "",           "0000-01-01", "2023-04-5",  "+023-04-05", "2023-04-0x",
        "2023--04-05"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int32_t d = 42;
        if (tw_date_parse(bad[i], strlen(bad[i]), &d) != TW_E_PARSE)
            harness_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
        CHECK_EQ_INT(d, 42); /* untouched on failure */
    }
    /* len bounds the text: the rest of the buffer is not read */
    int32_t d;
    CHECK(tw_date_parse("2023-06-15XYZ", 10, &d) == TW_OK && d == 19523);
    CHECK(tw_date_parse(NULL, 0, &d) == TW_E_ARG);
}

static void test_format(void)
{
    char b[11];
    tw_date_format(0, b);
    CHECK(strcmp(b, "1970-01-01") == 0);
    tw_date_format(-1, b);
    CHECK(strcmp(b, "1969-12-31") == 0);
    tw_date_format(11016, b);
    CHECK(strcmp(b, "2000-02-29") == 0);
    tw_date_format(-25509, b);
    CHECK(strcmp(b, "1900-02-28") == 0);
    tw_date_format(2932896, b);
    CHECK(strcmp(b, "9999-12-31") == 0);
    tw_date_format(2932897, b); /* year 10000 has no 4-digit form */
    CHECK(strcmp(b, "0000-00-00") == 0);
    tw_date_format(-719162, b);
    CHECK(strcmp(b, "0001-01-01") == 0);
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Every day of 0001..9999: format, parse back, and compare with a count
   built independently, one month length at a time. */
static void test_walk_all_days(void)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int32_t day = -719162; /* 0001-01-01, from the count of test_known_days */
    long bad = 0;
    for (int y = 1; y <= 9999; y++)
        for (int m = 1; m <= 12; m++) {
            int n = dm[m - 1] + (m == 2 && leap(y));
            for (int d = 1; d <= n; d++, day++) {
                char want[40], got[11];
                snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
                tw_date_format(day, got);
                int32_t back;
                if (strcmp(want, got) != 0 || tw_date_parse(want, 10, &back) != TW_OK ||
                    back != day) {
                    if (bad++ < 5)
                        harness_fail(__FILE__, __LINE__, "day %ld: want %s got %s",
                                     (long)day, want, got);
                }
            }
            if (m == 2 && !leap(y)) { /* the 29th must be refused */
                char s[40];
                snprintf(s, sizeof s, "%04d-02-29", y);
                int32_t x;
                if (tw_date_parse(s, 10, &x) != TW_E_PARSE && bad++ < 5)
                    harness_fail(__FILE__, __LINE__, "accepted %s", s);
            }
        }
    CHECK_EQ_INT(day, 2932897);
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    RUN(test_known_days);
    RUN(test_refused);
    RUN(test_format);
    RUN(test_walk_all_days);
    return harness_finish();
}
