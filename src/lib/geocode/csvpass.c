/*
 * csvpass.c: the shared pass-through CSV writer of tw_geocode_csv and
 * tw_crosswalk_csv (csvpass.h): every input column is copied as read
 * (quoted when needed), the caller's columns are added at the end, and a
 * failed run leaves no output file behind.
 */
#define _POSIX_C_SOURCE 200809L
#include "geocode/csvpass.h"

#include <errno.h>
#include <string.h>

void gz_csvout_init(gz_csvout *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = path;
}

tw_status gz_csvout_open(tw_ctx *ctx, gz_csvout *o)
{
    if (!o->path)
        return TW_OK;
    if (strcmp(o->path, "-") == 0) {
        o->f = stdout;
        return TW_OK;
    }
    o->f = fopen(o->path, "wb");
    o->own = o->f != NULL;
    if (!o->f)
        return ctx_error_at(ctx, TW_E_IO, o->path, 0, 0, NULL, "cannot create: %s",
                            strerror(errno));
    return TW_OK;
}

tw_status gz_csvout_write(tw_ctx *ctx, gz_csvout *o, dbuf *line)
{
    if (line->failed)
        return ctx_nomem(ctx);
    if (o->f && line->len && fwrite(line->data, 1, line->len, o->f) != line->len)
        return ctx_error_at(ctx, TW_E_IO, o->path, 0, 0, NULL, "write failed: %s",
                            strerror(errno));
    line->len = 0;
    return TW_OK;
}

tw_status gz_csvout_close(tw_ctx *ctx, gz_csvout *o)
{
    tw_status st = TW_OK;
    if (o->own) {
        int bad = ferror(o->f) | fclose(o->f);
        o->f = NULL;
        if (bad)
            st = ctx_error_at(ctx, TW_E_IO, o->path, 0, 0, NULL, "write failed: %s",
                              strerror(errno));
    } else if (o->f && fflush(o->f) != 0) {
        st = ctx_error_at(ctx, TW_E_IO, "-", 0, 0, NULL, "write to standard output failed");
    }
    if (st)
        gz_csvout_discard(o);
    else
        o->f = NULL;
    return st;
}

void gz_csvout_discard(gz_csvout *o)
{
    if (o->own) {
        if (o->f)
            fclose(o->f);
        remove(o->path);
    }
    o->f = NULL;
    o->own = 0;
}

tw_status gz_csvpass_open(tw_ctx *ctx, gz_csvpass *p, const char *in_path, const char *out_path)
{
    bool eof = false;
    tw_status st;
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->in_path = in_path;
    p->out_path = out_path;
    gz_csvout_init(&p->o, out_path);
    dbuf_init(&p->line, ctx);
    if ((st = csv_open(ctx, in_path, &p->r)) || (st = csv_next(p->r, &eof)))
        return st;
    if (eof)
        return ctx_error_at(ctx, TW_E_EMPTY, in_path, 0, 0, NULL, "file is empty");
    p->ncols = csv_nfields(p->r);
    return TW_OK;
}

tw_status gz_csvpass_start(gz_csvpass *p, const char *const *added, size_t nadded)
{
    tw_status st;
    for (size_t k = 0; k < nadded; k++)
        if (csv_find_column(p->r, added[k]) >= 0)
            return ctx_error_at(p->ctx, TW_E_PARSE, p->in_path, 1, 0, added[k],
                                "the input already has a column '%s', which the output adds",
                                added[k]);
    if ((st = gz_csvout_open(p->ctx, &p->o)))
        return st;
    gz_csvpass_fields(p, -1, NULL, NULL);
    for (size_t k = 0; k < nadded; k++) {
        dbuf_append(&p->line, ",", 1);
        dbuf_puts(&p->line, added[k]);
    }
    dbuf_append(&p->line, "\n", 1);
    return TW_OK;
}

tw_status gz_csvpass_next(gz_csvpass *p, bool *eof)
{
    tw_status st = gz_csvout_write(p->ctx, &p->o, &p->line);
    return st ? st : csv_next(p->r, eof);
}

void gz_csvpass_copy(const gz_csvpass *p, dbuf *line, long skip)
{
    size_t nf = csv_nfields(p->r);
    int first = 1;
    for (size_t i = 0; i < p->ncols; i++) {
        if ((long)i == skip)
            continue;
        if (!first)
            dbuf_append(line, ",", 1);
        first = 0;
        csv_dbuf_field(line, i < nf ? csv_field(p->r, i, NULL) : "");
    }
}

void gz_csvpass_fields(gz_csvpass *p, long replace, void (*fn)(void *ud, dbuf *line), void *ud)
{
    if (replace < 0 || !fn) {
        gz_csvpass_copy(p, &p->line, -1);
        return;
    }
    size_t nf = csv_nfields(p->r);
    for (size_t i = 0; i < p->ncols; i++) {
        if (i)
            dbuf_append(&p->line, ",", 1);
        if ((long)i == replace)
            fn(ud, &p->line);
        else
            csv_dbuf_field(&p->line, i < nf ? csv_field(p->r, i, NULL) : "");
    }
}

tw_status gz_csvpass_finish(gz_csvpass *p)
{
    tw_status st = p->line.failed ? ctx_nomem(p->ctx) : gz_csvout_close(p->ctx, &p->o);
    if (st)
        return gz_csvpass_fail(p, st);
    csv_close(p->r);
    p->r = NULL;
    dbuf_free(&p->line);
    return TW_OK;
}

tw_status gz_csvpass_fail(gz_csvpass *p, tw_status st)
{
    csv_close(p->r);
    p->r = NULL;
    dbuf_free(&p->line);
    gz_csvout_discard(&p->o);
    return st;
}
