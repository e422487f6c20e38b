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

tw_status gz_csvpass_open(tw_ctx *ctx, gz_csvpass *p, const char *in_path, const char *out_path)
{
    bool eof = false;
    tw_status st;
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->in_path = in_path;
    p->out_path = out_path;
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
    for (size_t k = 0; k < nadded; k++)
        if (csv_find_column(p->r, added[k]) >= 0)
            return ctx_error_at(p->ctx, TW_E_PARSE, p->in_path, 1, 0, added[k],
                                "the input already has a column '%s', which the output adds",
                                added[k]);
    if (strcmp(p->out_path, "-") == 0) {
        p->out = stdout;
    } else {
        p->out = fopen(p->out_path, "wb");
        p->own_out = p->out != NULL;
        if (!p->out)
            return ctx_error_at(p->ctx, TW_E_IO, p->out_path, 0, 0, NULL, "cannot create: %s",
                                strerror(errno));
    }
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
    if (p->line.failed)
        return ctx_nomem(p->ctx);
    if (p->line.len && fwrite(p->line.data, 1, p->line.len, p->out) != p->line.len)
        return ctx_error_at(p->ctx, TW_E_IO, p->out_path, 0, 0, NULL, "write failed: %s",
                            strerror(errno));
    p->line.len = 0;
    return csv_next(p->r, eof);
}

void gz_csvpass_fields(gz_csvpass *p, long replace, void (*fn)(void *ud, dbuf *line), void *ud)
{
    size_t nf = csv_nfields(p->r);
    for (size_t i = 0; i < p->ncols; i++) {
        if (i)
            dbuf_append(&p->line, ",", 1);
        if ((long)i == replace && fn)
            fn(ud, &p->line);
        else
            csv_dbuf_field(&p->line, i < nf ? csv_field(p->r, i, NULL) : "");
    }
}

tw_status gz_csvpass_finish(gz_csvpass *p)
{
    tw_status st = TW_OK;
    if (p->line.failed) {
        st = ctx_nomem(p->ctx);
    } else if (p->own_out) {
        int bad = ferror(p->out) | fclose(p->out);
        p->out = NULL;
        if (bad)
            st = ctx_error_at(p->ctx, TW_E_IO, p->out_path, 0, 0, NULL, "write failed: %s",
                              strerror(errno));
    } else if (p->out && fflush(p->out) != 0) {
        st = ctx_error_at(p->ctx, TW_E_IO, "-", 0, 0, NULL, "write to standard output failed");
    }
    if (st)
        return gz_csvpass_fail(p, st);
    csv_close(p->r);
    dbuf_free(&p->line);
    return TW_OK;
}

tw_status gz_csvpass_fail(gz_csvpass *p, tw_status st)
{
    csv_close(p->r);
    p->r = NULL;
    dbuf_free(&p->line);
    if (p->own_out) {
        if (p->out)
            fclose(p->out);
        p->out = NULL;
        remove(p->out_path);
        p->own_out = 0;
    }
    return st;
}
