/*
 * csv.c: the streaming CSV reader (see csv.h). A small state machine over
 * a buffered FILE: O(record length) memory, one pass, fields stored in one
 * growing buffer with offsets so that a record costs no allocation once the
 * buffers have grown.
 */
#include "io/csv.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

struct csv_reader {
    tw_ctx *ctx;
    FILE *f;
    int own;
    char *path;
    long line;        /* current physical line (1-based) */
    long rec_line;    /* line where the current record starts */
    char *buf;        /* field bytes, each NUL-terminated */
    size_t len, cap;
    size_t *off;      /* start of each field in buf */
    size_t nf, offcap;
    int first;
};

tw_status csv_open(tw_ctx *ctx, const char *path, csv_reader **out)
{
    csv_reader *r = ctx_calloc(ctx, 1, sizeof *r);
    if (!r)
        return ctx_nomem(ctx);
    r->ctx = ctx;
    r->path = ctx_strdup(ctx, path);
    if (!r->path) {
        ctx_free(ctx, r);
        return ctx_nomem(ctx);
    }
    if (strcmp(path, "-") == 0) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        r->own = 1;
    }
    if (!r->f) {
        tw_status s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open: %s",
                                   strerror(errno));
        ctx_free(ctx, r->path);
        ctx_free(ctx, r);
        return s;
    }
    r->line = 1;
    r->first = 1;
    *out = r;
    return TW_OK;
}

void csv_close(csv_reader *r)
{
    if (!r)
        return;
    if (r->own && r->f)
        fclose(r->f);
    ctx_free(r->ctx, r->buf);
    ctx_free(r->ctx, r->off);
    ctx_free(r->ctx, r->path);
    ctx_free(r->ctx, r);
}

static bool put_byte(csv_reader *r, char c)
{
    if (r->len + 1 >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char *b = ctx_realloc(r->ctx, r->buf, cap);
        if (!b)
            return false;
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return true;
}

static tw_status start_field(csv_reader *r)
{
    if (r->nf >= CSV_MAX_FIELDS)
        return ctx_error_at(r->ctx, TW_E_PARSE, r->path, r->rec_line, (long)r->nf + 1, NULL,
                            "record has more than %d fields", CSV_MAX_FIELDS);
    if (r->nf + 1 > r->offcap) {
        size_t cap = r->offcap ? r->offcap * 2 : 32;
        size_t *o = ctx_realloc(r->ctx, r->off, cap * sizeof *o);
        if (!o)
            return ctx_nomem(r->ctx);
        r->off = o;
        r->offcap = cap;
    }
    r->off[r->nf++] = r->len;
    return TW_OK;
}

static tw_status end_field(csv_reader *r)
{
    if (r->len - r->off[r->nf - 1] > CSV_MAX_FIELD)
        return ctx_error_at(r->ctx, TW_E_PARSE, r->path, r->rec_line, (long)r->nf, NULL,
                            "field longer than %d bytes", CSV_MAX_FIELD);
    if (!put_byte(r, '\0'))
        return ctx_nomem(r->ctx);
    return TW_OK;
}

tw_status csv_next(csv_reader *r, bool *eof)
{
    tw_status s;
    for (;;) {
        r->len = 0;
        r->nf = 0;
        r->rec_line = r->line;
        int c = getc(r->f);
        if (r->first) {
            r->first = 0;
            if (c == 0xEF) { /* UTF-8 BOM */
                int c2 = getc(r->f), c3 = getc(r->f);
                if (c2 != 0xBB || c3 != 0xBF)
                    return ctx_error_at(r->ctx, TW_E_PARSE, r->path, 1, 1, NULL,
                                        "invalid byte order mark");
                c = getc(r->f);
            }
        }
        if (c == EOF) {
            if (ferror(r->f))
                return ctx_error_at(r->ctx, TW_E_IO, r->path, r->line, 0, NULL,
                                    "read error: %s", strerror(errno));
            *eof = true;
            return TW_OK;
        }
        if (c == '\n' || c == '\r') { /* blank line */
            if (c == '\r') {
                int n = getc(r->f);
                if (n != '\n' && n != EOF)
                    ungetc(n, r->f);
            }
            r->line++;
            continue;
        }
        if ((s = start_field(r)))
            return s;
        int quoted = 0, in_quotes = 0, after_quote = 0;
        for (;; c = getc(r->f)) {
            if (c == EOF) {
                if (ferror(r->f))
                    return ctx_error_at(r->ctx, TW_E_IO, r->path, r->line, 0, NULL,
                                        "read error: %s", strerror(errno));
                if (in_quotes)
                    return ctx_error_at(r->ctx, TW_E_PARSE, r->path, r->rec_line,
                                        (long)r->nf, NULL,
                                        "quoted field not closed before end of file (truncated file?)");
                break;
            }
            if (in_quotes) {
                if (c == '"') {
                    int n = getc(r->f);
                    if (n == '"') {
                        if (!put_byte(r, '"'))
                            return ctx_nomem(r->ctx);
                    } else {
                        if (n != EOF)
                            ungetc(n, r->f);
                        in_quotes = 0;
                        after_quote = 1;
                    }
                    continue;
                }
                if (c == '\n')
                    r->line++;
                if (!put_byte(r, (char)c))
                    return ctx_nomem(r->ctx);
                continue;
            }
            if (c == ',') {
                if ((s = end_field(r)) || (s = start_field(r)))
                    return s;
                quoted = after_quote = 0;
                continue;
            }
            if (c == '\n' || c == '\r') {
                if (c == '\r') {
                    int n = getc(r->f);
                    if (n != '\n' && n != EOF)
                        ungetc(n, r->f);
                }
                r->line++;
                break;
            }
            if (c == '"' && !quoted && r->len == r->off[r->nf - 1]) {
                quoted = in_quotes = 1;
                continue;
            }
            if (after_quote)
                return ctx_error_at(r->ctx, TW_E_PARSE, r->path, r->rec_line, (long)r->nf,
                                    NULL, "text after closing quote");
            if (c == '\0')
                return ctx_error_at(r->ctx, TW_E_PARSE, r->path, r->rec_line, (long)r->nf,
                                    NULL, "NUL byte in text (binary file?)");
            if (!put_byte(r, (char)c))
                return ctx_nomem(r->ctx);
        }
        if ((s = end_field(r)))
            return s;
        *eof = false;
        return TW_OK;
    }
}

size_t csv_nfields(const csv_reader *r) { return r->nf; }

const char *csv_field(const csv_reader *r, size_t i, size_t *len)
{
    if (i >= r->nf) {
        if (len)
            *len = 0;
        return "";
    }
    const char *s = r->buf + r->off[i];
    if (len)
        *len = strlen(s);
    return s;
}

long csv_line(const csv_reader *r) { return r->rec_line; }
const char *csv_path(const csv_reader *r) { return r->path; }

void csv_record_text(const csv_reader *r, dbuf *out)
{
    for (size_t i = 0; i < r->nf; i++) {
        if (i)
            dbuf_append(out, ",", 1);
        csv_dbuf_field(out, r->buf + r->off[i]);
    }
}

long csv_find_column(const csv_reader *r, const char *name)
{
    for (size_t i = 0; i < r->nf; i++) {
        const char *f = r->buf + r->off[i];
        size_t n = strlen(f);
        while (n && (*f == ' ' || *f == '\t')) {
            f++;
            n--;
        }
        while (n && (f[n - 1] == ' ' || f[n - 1] == '\t'))
            n--;
        if (n == strlen(name) && strncasecmp(f, name, n) == 0)
            return (long)i;
    }
    return -1;
}

static bool needs_quotes(const char *s)
{
    return s[strcspn(s, ",\"\n\r")] != '\0' || (s[0] == ' ') ||
           (s[0] && s[strlen(s) - 1] == ' ');
}

void csv_dbuf_field(dbuf *b, const char *s)
{
    if (!needs_quotes(s)) {
        dbuf_puts(b, s);
        return;
    }
    dbuf_append(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            dbuf_append(b, "\"", 1);
        dbuf_append(b, s, 1);
    }
    dbuf_append(b, "\"", 1);
}

void csv_write_field(FILE *f, const char *s)
{
    if (!needs_quotes(s)) {
        fputs(s, f);
        return;
    }
    putc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', f);
        putc(*s, f);
    }
    putc('"', f);
}

void tw_csv_write_field(FILE *f, const char *s) { csv_write_field(f, s); }
