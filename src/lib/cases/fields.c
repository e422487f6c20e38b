/*
 * fields.c: the checks of the fields of a case record (docs/cases.md),
 * shared by the CSV reader (cases.c) and the store's ingest
 * (store/ingest.c), so that both give the same verdict, field name and
 * reason for the same text.
 *
 * Each check takes the trimmed text of one field (pointer and length, not
 * NUL-terminated), sets *field to the name reported for a rejection and
 * returns 1 with the parsed value, or 0 with the reason written to why
 * (cap bytes). The order of the tests inside a check, and so which reason
 * a bad value gets, is part of the contract: the readers are held to the
 * same verdicts by the unit tests.
 *
 * Limits: case_id <= 64 characters, source <= 32, psgc_version <= 31,
 * uncertainty_m <= 2e7, children and count <= 1e9, dates from 1990-01-01.
 */
#include "cases/cases_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define VERSION_MAX 31     /* as the crosswalk's version labels */
#define RADIUS_MAX_M 2.0e7 /* half the Earth's circumference */
#define COUNT_MAX INT64_C(1000000000)
#define MIN_DAY 7305 /* 1990-01-01 */

void cases_trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

int cases_charset_ok(const char *s, size_t len, const char *extra)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && !strchr(extra, c))
            return 0;
    }
    return 1;
}

void cases_reason_value(char *out, size_t cap, const char *what, const char *s, size_t len)
{
    snprintf(out, cap, "%s, got \"%.*s%s\"", what, (int)(len > 40 ? 40 : len), s,
             len > 40 ? "..." : "");
}

/* 09XXXXXXXXX or 639XXXXXXXXX (with optional separators stripped by the
   charset already: only digits reach here as such). */
static int looks_like_mobile(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return (len == 11 && s[0] == '0' && s[1] == '9') ||
           (len == 12 && s[0] == '6' && s[1] == '3' && s[2] == '9');
}

static int parse_count(const char *s, size_t len, int64_t *v, const char **why)
{
    if (!num_parse_int64(s, len, v)) {
        *why = "expected a whole number";
        return 0;
    }
    if (*v < 0) {
        *why = "must not be negative";
        return 0;
    }
    if (*v > COUNT_MAX) {
        *why = "larger than 1000000000";
        return 0;
    }
    return 1;
}

int cases_check_nfields(size_t got, size_t want, const char **field, char *why, size_t cap)
{
    if (got == want)
        return 1;
    *field = "";
    snprintf(why, cap, "row has %zu fields, the header has %zu", got, want);
    return 0;
}

int cases_check_case_id(const char *s, size_t len, int *mask, const char **field, char *why,
                        size_t cap)
{
    *field = "case_id";
    if (len == 0) {
        snprintf(why, cap, "missing case_id");
        return 0;
    }
    if (len > CASES_CASE_ID_MAX || !cases_charset_ok(s, len, "_.:-")) {
        cases_reason_value(why, cap, "case_id must be 1-64 characters of A-Z a-z 0-9 _ . : -", s,
                           len);
        return 0;
    }
    if (looks_like_mobile(s, len)) {
        *mask = 1;
        /* the value is not repeated: it may be someone's number */
        snprintf(why, cap, "case_id looks like a philippine mobile number: use a "
                           "pseudonymous id");
        return 0;
    }
    return 1;
}

int cases_check_day(const char *s, size_t len, int32_t max_day, int32_t *day, char *why,
                    size_t cap)
{
    int32_t d;
    if (tw_date_parse(s, len, &d) != TW_OK) {
        cases_reason_value(why, cap, "expected a real date YYYY-MM-DD", s, len);
        return 0;
    }
    if (d < MIN_DAY) {
        snprintf(why, cap, "date %.10s is before 1990-01-01", s);
        return 0;
    }
    if (d > max_day) {
        char lim[11];
        tw_date_format(max_day, lim);
        snprintf(why, cap, "date %.10s is in the future (after %s)", s, lim);
        return 0;
    }
    *day = d;
    return 1;
}

int cases_check_report_date(const char *s, size_t len, int required, int32_t max_day,
                            int32_t *day, const char **field, char *why, size_t cap)
{
    *field = "report_date";
    if (len == 0) {
        if (required) {
            snprintf(why, cap, "missing report_date");
            return 0;
        }
        *day = CASES_NO_DAY;
        return 1;
    }
    return cases_check_day(s, len, max_day, day, why, cap);
}

int cases_check_source(const char *s, size_t len, int required, const char **field, char *why,
                       size_t cap)
{
    *field = "source";
    if (len == 0) {
        if (required) {
            snprintf(why, cap, "missing source");
            return 0;
        }
    } else if (len > CASES_SOURCE_MAX || !cases_charset_ok(s, len, "_.-")) {
        cases_reason_value(why, cap, "source must be 1-32 characters of A-Z a-z 0-9 _ . -", s,
                           len);
        return 0;
    }
    return 1;
}

int cases_check_coords(const char *slon, size_t llon, const char *slat, size_t llat,
                       double *lon, double *lat, const char **field, char *why, size_t cap)
{
    double x, y;
    *lon = *lat = NAN;
    if (!llon && !llat)
        return 1;
    if (!llon || !llat) {
        *field = llon ? "lat" : "lon";
        snprintf(why, cap, "%s is missing while %s is given (give both or neither)",
                 llon ? "lat" : "lon", llon ? "lon" : "lat");
        return 0;
    }
    *field = "lon";
    if (!num_parse_double(slon, llon, &x)) {
        cases_reason_value(why, cap, "expected a number", slon, llon);
        return 0;
    }
    if (x < -180 || x > 180) {
        cases_reason_value(why, cap, "longitude outside [-180, 180]", slon, llon);
        return 0;
    }
    *field = "lat";
    if (!num_parse_double(slat, llat, &y)) {
        cases_reason_value(why, cap, "expected a number", slat, llat);
        return 0;
    }
    if (y < -90 || y > 90) {
        cases_reason_value(why, cap, "latitude outside [-90, 90]", slat, llat);
        return 0;
    }
    *lon = x;
    *lat = y;
    return 1;
}

int cases_check_uncertainty(const char *s, size_t len, int have_coords, double *radius_m,
                            const char **field, char *why, size_t cap)
{
    double r;
    *field = "uncertainty_m";
    *radius_m = NAN;
    if (!len)
        return 1;
    if (!have_coords) {
        snprintf(why, cap, "uncertainty_m is given without coordinates (lon, lat)");
        return 0;
    }
    if (!num_parse_double(s, len, &r)) {
        cases_reason_value(why, cap, "expected a number of metres", s, len);
        return 0;
    }
    if (r < 0 || r > RADIUS_MAX_M) {
        cases_reason_value(why, cap, "uncertainty radius outside [0, 20000000] metres", s, len);
        return 0;
    }
    *radius_m = r;
    return 1;
}

int cases_check_psgc(const char *s, size_t len, char code[TW_PSGC_LEN + 1], const char **field,
                     char *why, size_t cap)
{
    *field = "psgc";
    if (!len) {
        code[0] = '\0';
        return 1;
    }
    if (tw_psgc_normalise(s, len, code) != TW_OK) {
        cases_reason_value(why, cap, "expected a 10-digit psgc code", s, len);
        return 0;
    }
    return 1;
}

int cases_check_place(int has_coords, int has_psgc, const char **field, char *why, size_t cap)
{
    if (has_coords || has_psgc)
        return 1;
    *field = "psgc";
    snprintf(why, cap, "record has neither coordinates (lon, lat) nor a psgc code");
    return 0;
}

int cases_check_count(const char *name, const char *s, size_t len, int64_t *v,
                      const char **field, char *why, size_t cap)
{
    const char *w = NULL;
    *field = name;
    if (!parse_count(s, len, v, &w)) {
        cases_reason_value(why, cap, w, s, len);
        return 0;
    }
    return 1;
}

int cases_check_version(const char *s, size_t len, const char **field, char *why, size_t cap)
{
    *field = "psgc_version";
    if (len > VERSION_MAX || !cases_charset_ok(s, len, "_.-")) {
        cases_reason_value(why, cap, "psgc_version must be 1-31 characters of A-Z a-z 0-9 _ . -",
                           s, len);
        return 0;
    }
    return 1;
}

int cases_check_category(const char *s, size_t len, int *category, const char **field,
                         char *why, size_t cap)
{
    *field = "category";
    *category = -1;
    if (!len)
        return 1;
    int c = cases_category_find(s, len);
    if (c < 0) {
        cases_reason_value(why, cap,
                           "category must be one of livestreaming, csam_production, "
                           "csam_distribution, grooming, sextortion, trafficking, other",
                           s, len);
        return 0;
    }
    *category = c;
    return 1;
}
