/*
 * table.c: the per-area result table written as CSV (for Excel and QGIS
 * joins) and as a GeoJSON FeatureCollection (RFC 7946, for QGIS and web
 * maps). See docs/outputs.md for the columns and the conventions.
 *
 * Method: one pass over the areas, everything formatted into a 64 KiB
 * buffer of our own that goes to the file with fwrite, so the cost is the
 * number formatting, not stdio. Numbers of the table are written so they
 * read back to the same double: the shortest of %.15g, %.16g and %.17g that
 * strtod returns unchanged; counts and populations that are whole are
 * written as integers. Coordinates are written in fixed point to 7
 * decimals (about 1 cm, finer than the source geometry, which has at most
 * 7), by integer arithmetic: snprintf would dominate the time for the
 * 600,000 vertices of the national barangay layer.
 *
 * Complexity: O(areas + vertices) time, O(1) memory besides the buffer.
 *
 * Limits and conventions:
 *  - NaN and infinities are written as an empty CSV field / JSON null.
 *  - GeoJSON rings are written counter-clockwise for exteriors and
 *    clockwise for holes (RFC 7946 section 3.1.6) whatever their order in
 *    the input; parts of an area become a MultiPolygon when there are
 *    several. Areas without polygon get a Point (their representative
 *    point), or a null geometry when they have none.
 *  - JSON strings must be UTF-8: invalid bytes in names (e.g. Latin-1 text
 *    from an old spreadsheet) are replaced by U+FFFD.
 *  - The path "-" writes to stdout. A failed write leaves a partial file:
 *    we never delete paths, as the caller may have named a device.
 *  - Printing numbers depends on LC_NUMERIC; a decimal comma from a host
 *    program's locale is turned back into a point.
 */
#include "io/csv.h"
#include "geo/areas_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WOUT_CAP (64 * 1024)
#define PROGRESS_EVERY 8192

static const char *const fixed_columns[] = {
    "id", "name", "count", "population", "rate", "statistic", "z", "p",
    "p_adjusted", "class",
};
#define N_FIXED (sizeof fixed_columns / sizeof fixed_columns[0])

/* ---- buffered output ------------------------------------------------ */

typedef struct wout {
    tw_ctx *ctx;
    const char *path;
    FILE *f;
    int own;       /* we opened f (not stdout) */
    char *buf;
    size_t len;
    int err;       /* errno of the first failed write, 0 if none */
} wout;

static tw_status wout_open(tw_ctx *ctx, wout *w, const char *path)
{
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    w->path = path;
    w->buf = ctx_malloc(ctx, WOUT_CAP);
    if (!w->buf)
        return ctx_nomem(ctx);
    if (strcmp(path, "-") == 0) {
        w->f = stdout;
    } else {
        w->f = fopen(path, "wb");
        w->own = 1;
    }
    if (!w->f) {
        tw_status s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL,
                                   "cannot open for writing: %s", strerror(errno));
        ctx_free(ctx, w->buf);
        w->buf = NULL;
        return s;
    }
    return TW_OK;
}

static void w_flush(wout *w)
{
    if (w->len && !w->err) {
        errno = 0;
        if (fwrite(w->buf, 1, w->len, w->f) != w->len)
            w->err = errno ? errno : EIO;
    }
    w->len = 0;
}

static void w_put(wout *w, const char *s, size_t n)
{
    while (n) {
        if (w->len == WOUT_CAP)
            w_flush(w);
        size_t k = WOUT_CAP - w->len;
        if (k > n)
            k = n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        s += k;
        n -= k;
    }
}

static void w_puts(wout *w, const char *s) { w_put(w, s, strlen(s)); }

static void w_putc(wout *w, char c)
{
    if (w->len == WOUT_CAP)
        w_flush(w);
    w->buf[w->len++] = c;
}

/*
 * Flush and close. s is the status so far: on failure the file is still
 * closed and s returned; otherwise a write, flush or close error (a full
 * disk often shows only at fclose) becomes TW_E_IO.
 */
static tw_status wout_close(wout *w, tw_status s)
{
    if (!w->f)
        return s;
    w_flush(w);
    int err = w->err;
    errno = 0;
    if (fflush(w->f) != 0 && !err)
        err = errno ? errno : EIO;
    if (w->own) {
        errno = 0;
        if (fclose(w->f) != 0 && !err)
            err = errno ? errno : EIO;
    } else if (ferror(w->f) && !err) {
        err = EIO;
    }
    w->f = NULL;
    ctx_free(w->ctx, w->buf);
    w->buf = NULL;
    if (s == TW_OK && err)
        s = ctx_error_at(w->ctx, TW_E_IO, w->path, 0, 0, NULL, "write failed: %s",
                         strerror(err));
    return s;
}

/* ---- numbers -------------------------------------------------------- */

/* A decimal comma (host locale) back to a point; exponent signs stay. */
static void fix_decimal_point(char *s)
{
    for (; *s; s++)
        if (*s == ',')
            *s = '.';
}

/* Shortest %.15g/%.16g/%.17g text that reads back as v (finite v). */
size_t tw_format_double(char buf[40], double v)
{
    static const char *const fmts[] = {"%.15g", "%.16g", "%.17g"};
    int n = 0;
    if (v == 0) /* -0 reads as "0" to people; the value is the same */
        v = 0;
    for (size_t k = 0; k < 3; k++) {
        n = snprintf(buf, 40, fmts[k], v);
        fix_decimal_point(buf);
        if (k == 2 || strtod(buf, NULL) == v)
            break;
    }
    return n > 0 ? (size_t)n : 0;
}

void tw_csv_write_double(FILE *f, double v)
{
    if (!isfinite(v))
        return; /* an empty field: no value */
    char buf[40];
    tw_format_double(buf, v);
    fputs(buf, f);
}

/* Whole values below 2^53 as plain integers ("12", not "12.0" or "1.2e+01"). */
static size_t fmt_integral_or_double(char buf[40], double v)
{
    if (v == trunc(v) && fabs(v) < 9007199254740992.0) {
        int n = snprintf(buf, 40, "%.0f", v == 0 ? 0.0 : v);
        return n > 0 ? (size_t)n : 0;
    }
    return tw_format_double(buf, v);
}

/*
 * Fixed point, 7 decimals, trailing zeros dropped: "121.5", "-0.0000001".
 * Falls back to tw_format_double outside +-1e9 (not a longitude or latitude).
 */
static size_t fmt_coord(char buf[40], double v)
{
    if (!(fabs(v) < 1e9))
        return tw_format_double(buf, v);
    long long q = llround(v * 1e7);
    char tmp[32];
    size_t n = 0, k = 0;
    int neg = q < 0;
    unsigned long long u = neg ? (unsigned long long)(-q) : (unsigned long long)q;
    unsigned long long ip = u / 10000000ULL, fp = u % 10000000ULL;
    if (neg)
        buf[n++] = '-';
    do {
        tmp[k++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (k)
        buf[n++] = tmp[--k];
    if (fp) {
        buf[n++] = '.';
        char d[7];
        for (int i = 6; i >= 0; i--) {
            d[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        int last = 6;
        while (d[last] == '0')
            last--;
        for (int i = 0; i <= last; i++)
            buf[n++] = d[i];
    }
    buf[n] = '\0';
    return n;
}

/* ---- JSON strings --------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min, cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static void w_json_str(wout *w, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    w_putc(w, '"');
    while (*s) {
        const unsigned char *run = s;
        /* copy plain runs in one go */
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        if (s > run)
            w_put(w, (const char *)run, (size_t)(s - run));
        if (!*s)
            break;
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            w_putc(w, '\\');
            w_putc(w, (char)c);
            s++;
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            if (c == '\n')
                w_put(w, "\\n", 2);
            else if (c == '\t')
                w_put(w, "\\t", 2);
            else if (c == '\r')
                w_put(w, "\\r", 2);
            else
                w_put(w, e, 6);
            s++;
        } else {
            size_t n = utf8_seq(s);
            if (n) {
                w_put(w, (const char *)s, n);
                s += n;
            } else {
                w_put(w, "\\ufffd", 6);
                s++;
            }
        }
    }
    w_putc(w, '"');
}

/* ---- validation ----------------------------------------------------- */

static tw_status check_table(tw_ctx *ctx, const tw_area_table *t, const char *path)
{
    if (!t || !t->areas || !path || !*path)
        return ctx_error(ctx, TW_E_ARG, "table, its areas and a path are required");
    if (t->n_extra && !t->extra)
        return ctx_error(ctx, TW_E_ARG, "n_extra is %zu but extra is NULL", t->n_extra);
    for (size_t j = 0; j < t->n_extra; j++) {
        const tw_extra_column *e = &t->extra[j];
        if (!e->name || !*e->name)
            return ctx_error(ctx, TW_E_ARG, "extra column %zu has no name", j + 1);
        if ((e->values == NULL) == (e->ivalues == NULL))
            return ctx_error_at(ctx, TW_E_ARG, NULL, 0, 0, e->name,
                                "extra column '%s' needs exactly one of values and ivalues",
                                e->name);
        /* a repeated name would make duplicate JSON keys and ambiguous joins */
        for (size_t k = 0; k < N_FIXED; k++)
            if (strcmp(e->name, fixed_columns[k]) == 0)
                return ctx_error_at(ctx, TW_E_ARG, NULL, 0, 0, e->name,
                                    "extra column '%s' repeats a fixed column", e->name);
        for (size_t k = 0; k < j; k++)
            if (strcmp(e->name, t->extra[k].name) == 0)
                return ctx_error_at(ctx, TW_E_ARG, NULL, 0, 0, e->name,
                                    "extra column '%s' appears twice", e->name);
    }
    return TW_OK;
}

static const char *class_text(const tw_area_table *t, size_t i)
{
    if (!t->cls)
        return NULL;
    return tw_class_label(t->cls[i]);
}

/* ---- CSV ------------------------------------------------------------ */

/* Number as a CSV field: empty when missing or not finite. */
static void csv_num(dbuf *row, const double *arr, size_t i, int integral)
{
    char num[40];
    dbuf_append(row, ",", 1);
    if (!arr || !isfinite(arr[i]))
        return;
    size_t n = integral ? fmt_integral_or_double(num, arr[i]) : tw_format_double(num, arr[i]);
    dbuf_append(row, num, n);
}

tw_status tw_table_write_csv(tw_ctx *ctx, const tw_area_table *t, const char *path)
{
    tw_status s = check_table(ctx, t, path);
    if (s != TW_OK)
        return s;
    const tw_areas *a = t->areas;
    wout w;
    dbuf row;
    dbuf_init(&row, ctx);
    s = wout_open(ctx, &w, path);
    if (s != TW_OK)
        return s;

    for (size_t k = 0; k < N_FIXED; k++) {
        if (k)
            dbuf_append(&row, ",", 1);
        dbuf_puts(&row, fixed_columns[k]);
    }
    for (size_t j = 0; j < t->n_extra; j++) {
        dbuf_append(&row, ",", 1);
        csv_dbuf_field(&row, t->extra[j].name);
    }
    dbuf_append(&row, "\n", 1);
    if (row.failed) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    w_put(&w, row.data, row.len);

    for (size_t i = 0; i < a->n; i++) {
        if (i % PROGRESS_EVERY == 0 && (s = ctx_progress(ctx, "write table", (double)i,
                                                         (double)a->n)) != TW_OK)
            goto fail;
        row.len = 0;
        csv_dbuf_field(&row, a->id[i]);
        dbuf_append(&row, ",", 1);
        csv_dbuf_field(&row, a->name[i] ? a->name[i] : "");
        csv_num(&row, t->count, i, 1);
        csv_num(&row, a->pop, i, 1);
        csv_num(&row, t->rate, i, 0);
        csv_num(&row, t->statistic, i, 0);
        csv_num(&row, t->z, i, 0);
        csv_num(&row, t->p, i, 0);
        csv_num(&row, t->p_adjusted, i, 0);
        dbuf_append(&row, ",", 1);
        const char *cl = class_text(t, i);
        if (cl)
            csv_dbuf_field(&row, cl);
        for (size_t j = 0; j < t->n_extra; j++) {
            const tw_extra_column *e = &t->extra[j];
            if (e->ivalues)
                dbuf_printf(&row, ",%d", e->ivalues[i]);
            else
                csv_num(&row, e->values, i, 0);
        }
        dbuf_append(&row, "\n", 1);
        if (row.failed) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        w_put(&w, row.data, row.len);
    }
    s = ctx_progress(ctx, "write table", (double)a->n, (double)a->n);

fail:
    dbuf_free(&row);
    return wout_close(&w, s);
}

/* ---- GeoJSON -------------------------------------------------------- */

static void json_num(wout *w, const char *key, const double *arr, size_t i, int integral)
{
    char num[40];
    w_putc(w, ',');
    w_json_str(w, key);
    w_putc(w, ':');
    if (!arr || !isfinite(arr[i])) {
        w_put(w, "null", 4);
        return;
    }
    size_t n = integral ? fmt_integral_or_double(num, arr[i]) : tw_format_double(num, arr[i]);
    w_put(w, num, n);
}

/* Twice the signed area of ring [b, e) (positive = counter-clockwise). */
static double ring_area2(const double *xy, size_t b, size_t e)
{
    double s = 0;
    for (size_t k = b; k + 1 < e; k++)
        s += xy[2 * k] * xy[2 * k + 3] - xy[2 * k + 2] * xy[2 * k + 1];
    return s;
}

static void w_point(wout *w, double lon, double lat)
{
    char num[40];
    w_putc(w, '[');
    w_put(w, num, fmt_coord(num, lon));
    w_putc(w, ',');
    w_put(w, num, fmt_coord(num, lat));
    w_putc(w, ']');
}

static void w_ring(wout *w, const area_geom *g, size_t r)
{
    size_t b = g->ring_start[r], e = g->ring_start[r + 1];
    double area2 = ring_area2(g->xy, b, e);
    /* exteriors counter-clockwise, holes clockwise (RFC 7946 3.1.6) */
    int reverse = g->ring_hole[r] ? area2 > 0 : area2 < 0;
    w_putc(w, '[');
    for (size_t k = 0; k < e - b; k++) {
        size_t p = reverse ? e - 1 - k : b + k;
        if (k)
            w_putc(w, ',');
        w_point(w, g->xy[2 * p], g->xy[2 * p + 1]);
    }
    w_putc(w, ']');
}

static void w_geometry(wout *w, const tw_areas *a, size_t i)
{
    const area_geom *g = a->geom ? a->geom[i] : NULL;
    if (!g || g->n_rings == 0) {
        if (isfinite(a->lon[i]) && isfinite(a->lat[i])) {
            w_puts(w, "{\"type\":\"Point\",\"coordinates\":");
            w_point(w, a->lon[i], a->lat[i]);
            w_putc(w, '}');
        } else {
            w_put(w, "null", 4);
        }
        return;
    }
    /* parts: a new part starts wherever ring_part changes */
    size_t parts = 1;
    for (size_t r = 1; r < g->n_rings; r++)
        parts += g->ring_part[r] != g->ring_part[r - 1];
    int multi = parts > 1;
    w_puts(w, multi ? "{\"type\":\"MultiPolygon\",\"coordinates\":[["
                    : "{\"type\":\"Polygon\",\"coordinates\":[");
    for (size_t r = 0; r < g->n_rings; r++) {
        if (r) {
            if (multi && g->ring_part[r] != g->ring_part[r - 1])
                w_put(w, "],[", 3);
            else
                w_putc(w, ',');
        }
        w_ring(w, g, r);
    }
    w_puts(w, multi ? "]]}" : "]}");
}

tw_status tw_table_write_geojson(tw_ctx *ctx, const tw_area_table *t, const char *path)
{
    tw_status s = check_table(ctx, t, path);
    if (s != TW_OK)
        return s;
    const tw_areas *a = t->areas;
    wout w;
    s = wout_open(ctx, &w, path);
    if (s != TW_OK)
        return s;

    /* one feature per line: readable, and diffs stay small */
    w_puts(&w, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (size_t i = 0; i < a->n; i++) {
        if (i % PROGRESS_EVERY == 0 && (s = ctx_progress(ctx, "write table", (double)i,
                                                         (double)a->n)) != TW_OK)
            goto fail;
        const char *id = a->id[i];
        w_puts(&w, i ? ",\n{\"type\":\"Feature\",\"id\":" : "{\"type\":\"Feature\",\"id\":");
        w_json_str(&w, id);
        w_puts(&w, ",\"properties\":{\"id\":");
        w_json_str(&w, id);
        w_puts(&w, ",\"name\":");
        w_json_str(&w, a->name[i] ? a->name[i] : "");
        json_num(&w, "count", t->count, i, 1);
        json_num(&w, "population", a->pop, i, 1);
        json_num(&w, "rate", t->rate, i, 0);
        json_num(&w, "statistic", t->statistic, i, 0);
        json_num(&w, "z", t->z, i, 0);
        json_num(&w, "p", t->p, i, 0);
        json_num(&w, "p_adjusted", t->p_adjusted, i, 0);
        w_puts(&w, ",\"class\":");
        const char *cl = class_text(t, i);
        if (cl)
            w_json_str(&w, cl);
        else
            w_put(&w, "null", 4);
        for (size_t j = 0; j < t->n_extra; j++) {
            const tw_extra_column *e = &t->extra[j];
            if (e->ivalues) {
                char num[24];
                int n = snprintf(num, sizeof num, "%d", e->ivalues[i]);
                w_putc(&w, ',');
                w_json_str(&w, e->name);
                w_putc(&w, ':');
                w_put(&w, num, (size_t)n);
            } else {
                json_num(&w, e->name, e->values, i, 0);
            }
        }
        w_puts(&w, "},\"geometry\":");
        w_geometry(&w, a, i);
        w_putc(&w, '}');
    }
    w_puts(&w, "\n]}\n");
    s = ctx_progress(ctx, "write table", (double)a->n, (double)a->n);

fail:
    return wout_close(&w, s);
}
