/*
 * date.c: calendar dates as days since 1970-01-01 in the proleptic
 * Gregorian calendar (ISO 8601), for report dates and the day filters of
 * aggregation.
 *
 * Method: the era arithmetic of H. Hinnant, "chrono-Compatible Low-Level
 * Date Algorithms" (days_from_civil / civil_from_days): a 400-year era has
 * exactly 146097 days, and counting years from March puts the leap day at
 * the end of the year, so no table and no loop are needed. O(1), exact for
 * every int32 day count; the text form is limited to years 0001..9999.
 *
 * Parsing is strict: exactly YYYY-MM-DD (blanks around it allowed, as CSV
 * cells often carry them), a real date (2023-02-29 is refused, 2024-02-29
 * and 2000-02-29 are accepted, 1900-02-29 is refused). Times of day,
 * 2-digit years, slashes and day-first orders are refused rather than
 * guessed: a silently wrong date moves a case to another period.
 */
#include "cases/cases_internal.h"

#include <string.h>

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : dm[m - 1];
}

int32_t date_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                    /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

tw_status tw_date_parse(const char *s, size_t len, int32_t *days)
{
    if (!s || !days)
        return TW_E_ARG;
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    unsigned y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return TW_E_PARSE;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return TW_E_PARSE;
    *days = date_days_from_civil(y, m, d);
    return TW_OK;
}

void tw_date_format(int32_t days, char buf[11])
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* no 4-digit form: say so rather than overflow buf */
        memcpy(buf, "0000-00-00", 11);
        return;
    }
    unsigned v[3] = {(unsigned)y, m, d};
    buf[0] = (char)('0' + v[0] / 1000);
    buf[1] = (char)('0' + v[0] / 100 % 10);
    buf[2] = (char)('0' + v[0] / 10 % 10);
    buf[3] = (char)('0' + v[0] % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + v[1] / 10);
    buf[6] = (char)('0' + v[1] % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + v[2] / 10);
    buf[9] = (char)('0' + v[2] % 10);
    buf[10] = '\0';
}
