/*
 * batch.c: geocoding a CSV file of records (tanaw geocode). Streams the
 * input with the shared CSV reader, geocodes the address column of each
 * record and writes every input column followed by psgc, level, outcome,
 * score, candidates (codes joined by ';', best first, at most
 * TW_GEOCODE_MAX_CANDIDATES) and n_candidates.
 *
 * Input is checked before anything is trusted: an empty file, a missing
 * address column or an output column name already taken is refused; an
 * address that is empty (blanks and punctuation only), not UTF-8 or longer
 * than TW_GEOCODE_MAX_ADDRESS bytes stops the run with file, line and field
 * (or, with keep_going, gets the outcome "invalid" and is counted). The output file is removed when the
 * run fails, so a half-written file is never left behind.
 *
 * O(records) time, O(longest record) memory; one core (a gazetteer can be
 * shared by threads, each with its own context, for more).
 */
#define _POSIX_C_SOURCE 200809L
#include "geocode/csvpass.h"
#include "geocode/geocode_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const added[] = {"psgc", "level", "outcome", "score", "candidates",
                                    "n_candidates"};

/* Nothing to geocode: no letter, digit or non-ASCII byte (blanks and
   punctuation only). */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            return 0;
    }
    return 1;
}

tw_status tw_geocode_csv(tw_ctx *ctx, const tw_gazetteer *g, const char *in_path,
                         const char *out_path, const tw_geocode_csv_opts *opts,
                         tw_geocode_report *rep)
{
    gz_csvpass p;
    tw_status st = TW_OK;
    bool eof = false;
    const char *column = opts && opts->column ? opts->column : "address";
    int keep_going = opts ? opts->keep_going : 0;
    tw_geocode_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (!ctx || !g || !in_path || !out_path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "geocode: NULL argument") : TW_E_ARG;
    if ((st = gz_csvpass_open(ctx, &p, in_path, out_path)))
        return gz_csvpass_fail(&p, st);
    long col = csv_find_column(p.r, column);
    if (col < 0)
        return gz_csvpass_fail(&p, ctx_error_at(ctx, TW_E_PARSE, in_path, 1, 0, column,
                                                "no column named '%s' in the header", column));
    if ((st = gz_csvpass_start(&p, added, sizeof added / sizeof added[0])))
        return gz_csvpass_fail(&p, st);
    for (;;) {
        if ((st = gz_csvpass_next(&p, &eof)))
            return gz_csvpass_fail(&p, st);
        if (eof)
            break;
        size_t alen = 0;
        const char *addr = (size_t)col < csv_nfields(p.r) ? csv_field(p.r, (size_t)col, &alen) : "";
        tw_geocode_result res;
        const char *outcome;
        st = blank(addr, alen) ? ctx_error(ctx, TW_E_EMPTY, "address is empty")
                               : tw_geocode(ctx, g, addr, alen, &res);
        if (st == TW_E_PARSE || st == TW_E_DOMAIN || st == TW_E_EMPTY) {
            if (!keep_going) {
                char msg[sizeof tw_ctx_error(ctx)->message];
                snprintf(msg, sizeof msg, "%s", tw_ctx_error(ctx)->message);
                return gz_csvpass_fail(&p, ctx_error_at(ctx, st, in_path, csv_line(p.r), col + 1,
                                                        column, "%s", msg));
            }
            ctx_warn(ctx, "%s:%ld: field '%s': %s", in_path, csv_line(p.r), column,
                     tw_ctx_error(ctx)->message);
            tw_ctx_clear_error(ctx);
            rep->invalid++;
            outcome = "invalid";
            memset(&res, 0, sizeof res);
            st = TW_OK;
        } else if (st) {
            return gz_csvpass_fail(&p, st);
        } else {
            rep->by_outcome[res.outcome]++;
            outcome = tw_geocode_outcome_name(res.outcome);
        }
        rep->rows++;
        gz_csvpass_fields(&p, -1, NULL, NULL);
        dbuf_printf(&p.line, ",%s,%s,%s,", res.psgc,
                    res.level != TW_LEVEL_UNKNOWN ? tw_level_name(res.level) : "", outcome);
        if (res.outcome != TW_GEOCODE_NOT_FOUND)
            dbuf_printf(&p.line, "%.3f", res.score);
        dbuf_append(&p.line, ",", 1);
        for (size_t k = 0; k < res.n_candidates && k < TW_GEOCODE_MAX_CANDIDATES; k++) {
            if (k)
                dbuf_append(&p.line, ";", 1);
            dbuf_puts(&p.line, res.candidates[k]);
        }
        dbuf_printf(&p.line, ",%zu\n", res.n_candidates);
        if (rep->rows % 65536 == 0 && (st = ctx_progress(ctx, "geocode", (double)rep->rows, 0)))
            return gz_csvpass_fail(&p, st);
    }
    if (rep->rows == 0)
        return gz_csvpass_fail(&p, ctx_error_at(ctx, TW_E_EMPTY, in_path, 0, 0, NULL,
                                                "no records after the header"));
    return gz_csvpass_finish(&p);
}
