/*
 * util.c: strict number parsing (one helper for the whole library, as
 * redis' string2d: whole field, no NaN/Inf, errno checked), the growable
 * byte buffer used to build text output, and name lists (filters).
 */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' ||
                    (*s)[*len - 1] == '\r' || (*s)[*len - 1] == '\n'))
        (*len)--;
}

bool num_parse_double(const char *s, size_t len, double *out)
{
    char buf[64];
    trim(&s, &len);
    if (len == 0 || len >= sizeof buf)
        return false;
    /* Only digits, sign, point and exponent: refuses "nan", "inf", hex. */
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' ||
              c == 'e' || c == 'E'))
            return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool num_parse_int64(const char *s, size_t len, int64_t *out)
{
    char buf[32];
    trim(&s, &len);
    if (len == 0 || len >= sizeof buf)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (i == 0 && (c == '-' || c == '+'))))
            return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end != buf + len || errno == ERANGE)
        return false;
    *out = (int64_t)v;
    return true;
}

void dbuf_init(dbuf *b, tw_ctx *ctx)
{
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
}

void dbuf_free(dbuf *b)
{
    ctx_free(b->ctx, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static bool dbuf_reserve(dbuf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = ctx_realloc(b->ctx, b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void dbuf_append(dbuf *b, const char *s, size_t n)
{
    if (!dbuf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void dbuf_puts(dbuf *b, const char *s) { dbuf_append(b, s, strlen(s)); }

void dbuf_printf(dbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && dbuf_reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

const char *dbuf_str(dbuf *b)
{
    if (!b->data) {
        if (!dbuf_reserve(b, 0))
            return "";
        b->data[0] = '\0'; /* nothing appended yet: an empty string */
    }
    return b->data;
}

bool name_in_list(const char *list, const char *name)
{
    if (!list)
        return true;
    size_t n = strlen(name);
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *item = p;
        trim(&item, &len);
        if (len == n && strncasecmp(item, name, n) == 0)
            return true;
        if (!comma)
            return false;
        p = comma + 1;
    }
}
