/*
 * batch.c: geocoding a CSV file of records (tanaw geocode). Streams the
 * input with the shared CSV reader, geocodes the address column of each
 * record and writes every input column followed by psgc, level, outcome,
 * score, candidates (codes joined by ';', best first, at most
 * TW_GEOCODE_MAX_CANDIDATES) and n_candidates.
 *
 * Input is checked before anything is trusted: an empty file, a missing
 * address column or an output column name already taken is refused; an
 * address that is not UTF-8 or longer than TW_GEOCODE_MAX_ADDRESS bytes
 * stops the run with file, line and field (or, with keep_going, gets the
 * outcome "invalid" and is counted). The output file is removed when the
 * run fails, so a half-written file is never left behind.
 *
 * O(records) time, O(longest record) memory; one core (a gazetteer can be
 * shared by threads, each with its own context, for more).
 */
#define _POSIX_C_SOURCE 200809L
#include "geocode/geocode_internal.h"
#include "io/csv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const added[] = {"psgc", "level", "outcome", "score", "candidates",
                                    "n_candidates"};

tw_status tw_geocode_csv(tw_ctx *ctx, const tw_gazetteer *g, const char *in_path,
                         const char *out_path, const tw_geocode_csv_opts *opts,
                         tw_geocode_report *rep)
{
    csv_reader *r = NULL;
    FILE *out = NULL;
    int own_out = 0; /* we created out_path: remove it on failure */
    tw_status st = TW_OK;
    bool eof = false;
    dbuf line;
    const char *column = opts && opts->column ? opts->column : "address";
    int keep_going = opts ? opts->keep_going : 0;
    tw_geocode_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (!ctx || !g || !in_path || !out_path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "geocode: NULL argument") : TW_E_ARG;
    dbuf_init(&line, ctx);
    if ((st = csv_open(ctx, in_path, &r)))
        return st;
    if ((st = csv_next(r, &eof)))
        goto fail;
    if (eof) {
        st = ctx_error_at(ctx, TW_E_EMPTY, in_path, 0, 0, NULL, "file is empty");
        goto fail;
    }
    long col = csv_find_column(r, column);
    if (col < 0) {
        st = ctx_error_at(ctx, TW_E_PARSE, in_path, 1, 0, column,
                          "no column named '%s' in the header", column);
        goto fail;
    }
    size_t ncols = csv_nfields(r);
    for (size_t k = 0; k < sizeof added / sizeof added[0]; k++)
        if (csv_find_column(r, added[k]) >= 0) {
            st = ctx_error_at(ctx, TW_E_PARSE, in_path, 1, 0, added[k],
                              "the input already has a column '%s', which the output adds",
                              added[k]);
            goto fail;
        }
    if (strcmp(out_path, "-") == 0) {
        out = stdout;
    } else {
        out = fopen(out_path, "wb");
        own_out = out != NULL;
        if (!out) {
            st = ctx_error_at(ctx, TW_E_IO, out_path, 0, 0, NULL, "cannot create: %s",
                              strerror(errno));
            goto fail;
        }
    }
    /* Header: the input's columns, then ours. */
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            dbuf_append(&line, ",", 1);
        csv_dbuf_field(&line, csv_field(r, i, NULL));
    }
    for (size_t k = 0; k < sizeof added / sizeof added[0]; k++) {
        dbuf_append(&line, ",", 1);
        dbuf_puts(&line, added[k]);
    }
    dbuf_append(&line, "\n", 1);
    for (;;) {
        if (line.failed) {
            st = ctx_nomem(ctx);
            goto fail;
        }
        if (line.len && fwrite(line.data, 1, line.len, out) != line.len) {
            st = ctx_error_at(ctx, TW_E_IO, out_path, 0, 0, NULL, "write failed: %s",
                              strerror(errno));
            goto fail;
        }
        line.len = 0;
        if ((st = csv_next(r, &eof)))
            goto fail;
        if (eof)
            break;
        size_t alen = 0;
        const char *addr = (size_t)col < csv_nfields(r) ? csv_field(r, (size_t)col, &alen) : "";
        tw_geocode_result res;
        const char *outcome;
        st = tw_geocode(ctx, g, addr, alen, &res);
        if (st == TW_E_PARSE || st == TW_E_DOMAIN) {
            if (!keep_going) {
                char msg[sizeof tw_ctx_error(ctx)->message];
                snprintf(msg, sizeof msg, "%s", tw_ctx_error(ctx)->message);
                st = ctx_error_at(ctx, st, in_path, csv_line(r), col + 1, column, "%s", msg);
                goto fail;
            }
            ctx_warn(ctx, "%s:%ld: field '%s': %s", in_path, csv_line(r), column,
                     tw_ctx_error(ctx)->message);
            tw_ctx_clear_error(ctx);
            rep->invalid++;
            outcome = "invalid";
            memset(&res, 0, sizeof res);
            st = TW_OK;
        } else if (st) {
            goto fail;
        } else {
            rep->by_outcome[res.outcome]++;
            outcome = tw_geocode_outcome_name(res.outcome);
        }
        rep->rows++;
        for (size_t i = 0; i < ncols; i++) {
            if (i)
                dbuf_append(&line, ",", 1);
            csv_dbuf_field(&line, i < csv_nfields(r) ? csv_field(r, i, NULL) : "");
        }
        dbuf_printf(&line, ",%s,%s,%s,", res.psgc,
                    res.level != TW_LEVEL_UNKNOWN ? tw_level_name(res.level) : "", outcome);
        if (res.outcome != TW_GEOCODE_NOT_FOUND)
            dbuf_printf(&line, "%.3f", res.score);
        dbuf_append(&line, ",", 1);
        for (size_t k = 0; k < res.n_candidates && k < TW_GEOCODE_MAX_CANDIDATES; k++) {
            if (k)
                dbuf_append(&line, ";", 1);
            dbuf_puts(&line, res.candidates[k]);
        }
        dbuf_printf(&line, ",%zu\n", res.n_candidates);
        if (rep->rows % 65536 == 0 && (st = ctx_progress(ctx, "geocode", (double)rep->rows, 0)))
            goto fail;
    }
    if (rep->rows == 0) {
        st = ctx_error_at(ctx, TW_E_EMPTY, in_path, 0, 0, NULL, "no records after the header");
        goto fail;
    }
    if (own_out) {
        int bad = ferror(out) | fclose(out);
        out = NULL;
        if (bad) {
            st = ctx_error_at(ctx, TW_E_IO, out_path, 0, 0, NULL, "write failed: %s",
                              strerror(errno));
            goto fail;
        }
    } else if (fflush(out) != 0) {
        st = ctx_error_at(ctx, TW_E_IO, "-", 0, 0, NULL, "write to standard output failed");
        goto fail;
    }
    csv_close(r);
    dbuf_free(&line);
    return TW_OK;
fail:
    csv_close(r);
    dbuf_free(&line);
    if (own_out) {
        if (out)
            fclose(out);
        remove(out_path);
    }
    return st;
}
