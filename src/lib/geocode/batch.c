/*
 * batch.c: geocoding a CSV file of records (tanaw geocode). Streams the
 * input with the shared CSV reader, geocodes the address column of each
 * record and writes every input column followed by psgc, level, outcome,
 * score, candidates (codes joined by ';', best first, at most
 * TW_GEOCODE_MAX_CANDIDATES) and n_candidates.
 *
 * With a records and a review file, each row also goes to exactly one of
 * them: the records file (the input's columns without the written address,
 * + psgc and location_precision: what the case store and the analyses
 * take) gets the rows placed with confidence; the review file (the input's
 * columns, the geocoder's answer with the candidates named, and why) gets
 * every other row, so nothing is lost and nothing doubtful is stored.
 *
 * Input is checked before anything is trusted: an empty file, a missing
 * address column or an output column name already taken is refused; an
 * address that is empty (blanks and punctuation only), not UTF-8 or longer
 * than TW_GEOCODE_MAX_ADDRESS bytes stops the run with file, line and field
 * (or, with keep_going or a review file, gets the outcome "invalid" and is
 * counted). The output files are removed when the run fails, so a
 * half-written file is never left behind.
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

/* The store's location_precision of a result's level (docs/store.md); the
   14 sub-municipalities of Manila are known at least at municipality level. */
static const char *precision_name(tw_level l)
{
    switch (l) {
    case TW_LEVEL_BARANGAY:
        return "barangay";
    case TW_LEVEL_SUBMUNICIPALITY:
    case TW_LEVEL_MUNICIPALITY:
        return "municipality";
    case TW_LEVEL_PROVINCE:
        return "province";
    default:
        return "region";
    }
}

/* The records and review files, when asked for. */
typedef struct split_out {
    gz_csvout rec, rev;
    dbuf line;
    long skip;      /* the address column, left out of the records */
    double min_score;
    const char *version;
} split_out;

static const char *const review_added[] = {"line", "psgc", "level", "outcome", "score",
                                           "candidates", "n_candidates", "candidate_names",
                                           "reason"};

static tw_status split_start(tw_ctx *ctx, gz_csvpass *p, split_out *so)
{
    tw_status st;
    if (csv_find_column(p->r, "location_precision") >= 0)
        return ctx_error_at(ctx, TW_E_PARSE, p->in_path, 1, 0, "location_precision",
                            "the input already has a column 'location_precision', which the "
                            "records file adds");
    if (so->version && csv_find_column(p->r, "psgc_version") >= 0)
        return ctx_error_at(ctx, TW_E_PARSE, p->in_path, 1, 0, "psgc_version",
                            "the input already has a column 'psgc_version', which the records "
                            "file adds");
    for (size_t k = 0; k < sizeof review_added / sizeof review_added[0]; k++)
        if (csv_find_column(p->r, review_added[k]) >= 0)
            return ctx_error_at(ctx, TW_E_PARSE, p->in_path, 1, 0, review_added[k],
                                "the input already has a column '%s', which the review file "
                                "adds",
                                review_added[k]);
    if ((st = gz_csvout_open(ctx, &so->rec)) || (st = gz_csvout_open(ctx, &so->rev)))
        return st;
    gz_csvpass_copy(p, &so->line, so->skip);
    dbuf_puts(&so->line, so->line.len ? ",psgc,location_precision" : "psgc,location_precision");
    if (so->version)
        dbuf_puts(&so->line, ",psgc_version");
    dbuf_append(&so->line, "\n", 1);
    if ((st = gz_csvout_write(ctx, &so->rec, &so->line)))
        return st;
    gz_csvpass_copy(p, &so->line, -1);
    for (size_t k = 0; k < sizeof review_added / sizeof review_added[0]; k++) {
        dbuf_append(&so->line, ",", 1);
        dbuf_puts(&so->line, review_added[k]);
    }
    dbuf_append(&so->line, "\n", 1);
    return gz_csvout_write(ctx, &so->rev, &so->line);
}

/* One row to the records file, or to the review file with the reason. */
static tw_status split_row(tw_ctx *ctx, const tw_gazetteer *g, gz_csvpass *p, split_out *so,
                           const tw_geocode_result *res, const char *outcome, const char *invalid,
                           tw_geocode_report *rep)
{
    char why[640]; /* "invalid address: " + an error message (512) */
    why[0] = 0;
    if (invalid) {
        snprintf(why, sizeof why, "invalid address: %s", invalid);
    } else if (res->outcome == TW_GEOCODE_AMBIGUOUS) {
        snprintf(why, sizeof why, "ambiguous: %zu units fit; choose one of the candidates",
                 res->n_candidates);
    } else if (res->outcome == TW_GEOCODE_NOT_FOUND) {
        snprintf(why, sizeof why, "not found in the PSGC");
    } else if ((res->outcome == TW_GEOCODE_FUZZY || res->outcome == TW_GEOCODE_COARSER) &&
               res->score < so->min_score) {
        snprintf(why, sizeof why, "score %.3f below %.3g", res->score, so->min_score);
        rep->below_score++;
    }
    if (!why[0]) {
        gz_csvpass_copy(p, &so->line, so->skip);
        dbuf_printf(&so->line, "%s%s,%s", p->ncols > 1 ? "," : "", res->psgc,
                    precision_name(res->level));
        if (so->version)
            dbuf_printf(&so->line, ",%s", so->version);
        dbuf_append(&so->line, "\n", 1);
        rep->records++;
        return gz_csvout_write(ctx, &so->rec, &so->line);
    }
    gz_csvpass_copy(p, &so->line, -1);
    dbuf_printf(&so->line, ",%ld,%s,%s,%s,", csv_line(p->r), res->psgc,
                res->level != TW_LEVEL_UNKNOWN ? tw_level_name(res->level) : "", outcome);
    if (!invalid && res->outcome != TW_GEOCODE_NOT_FOUND)
        dbuf_printf(&so->line, "%.3f", res->score);
    dbuf_append(&so->line, ",", 1);
    size_t nc = res->n_candidates < TW_GEOCODE_MAX_CANDIDATES ? res->n_candidates
                                                               : TW_GEOCODE_MAX_CANDIDATES;
    for (size_t k = 0; k < nc; k++) {
        if (k)
            dbuf_append(&so->line, ";", 1);
        dbuf_puts(&so->line, res->candidates[k]);
    }
    dbuf_printf(&so->line, ",%zu,", res->n_candidates);
    dbuf names;
    dbuf_init(&names, ctx);
    for (size_t k = 0; k < nc; k++) {
        /* "San Isidro, City of Bogo": the name and its parent's tell candidates apart */
        char up[TW_PSGC_LEN + 1];
        const char *nm = tw_gazetteer_name(g, res->candidates[k], NULL);
        const char *pn = tw_gazetteer_parent(g, res->candidates[k], up)
                             ? tw_gazetteer_name(g, up, NULL) : NULL;
        dbuf_printf(&names, "%s%s%s%s", k ? "; " : "", nm ? nm : "", pn ? ", " : "", pn ? pn : "");
    }
    if (nc < res->n_candidates)
        dbuf_printf(&names, "; ... %zu in all", res->n_candidates);
    csv_dbuf_field(&so->line, nc ? dbuf_str(&names) : "");
    int nomem = names.failed;
    dbuf_free(&names);
    if (nomem)
        return ctx_nomem(ctx);
    dbuf_append(&so->line, ",", 1);
    csv_dbuf_field(&so->line, why);
    dbuf_append(&so->line, "\n", 1);
    rep->review++;
    return gz_csvout_write(ctx, &so->rev, &so->line);
}

static tw_status split_fail(gz_csvpass *p, split_out *so, tw_status st)
{
    gz_csvout_discard(&so->rec);
    gz_csvout_discard(&so->rev);
    dbuf_free(&so->line);
    return gz_csvpass_fail(p, st);
}

tw_status tw_geocode_csv(tw_ctx *ctx, const tw_gazetteer *g, const char *in_path,
                         const char *out_path, const tw_geocode_csv_opts *opts,
                         tw_geocode_report *rep)
{
    gz_csvpass p;
    split_out so;
    tw_status st = TW_OK;
    bool eof = false;
    const char *column = opts && opts->column ? opts->column : "address";
    const char *rec_path = opts ? opts->records_path : NULL;
    const char *rev_path = opts ? opts->review_path : NULL;
    int keep_going = opts ? opts->keep_going || rev_path : 0;
    tw_geocode_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (!ctx || !g || !in_path || (!out_path && !rec_path))
        return ctx ? ctx_error(ctx, TW_E_ARG, "geocode: NULL argument") : TW_E_ARG;
    if (!rec_path != !rev_path)
        return ctx_error(ctx, TW_E_ARG, "geocode: a records file needs a review file and the "
                                        "other way round (rows that need a person go there)");
    memset(&so, 0, sizeof so);
    gz_csvout_init(&so.rec, rec_path);
    gz_csvout_init(&so.rev, rev_path);
    dbuf_init(&so.line, ctx);
    so.min_score = opts && opts->min_score != 0 ? opts->min_score : TW_GEOCODE_MIN_SCORE;
    so.version = opts ? opts->psgc_version : NULL;
    if ((st = gz_csvpass_open(ctx, &p, in_path, out_path)))
        return split_fail(&p, &so, st);
    long col = csv_find_column(p.r, column);
    if (col < 0)
        return split_fail(&p, &so, ctx_error_at(ctx, TW_E_PARSE, in_path, 1, 0, column,
                                                "no column named '%s' in the header", column));
    so.skip = col;
    if ((st = gz_csvpass_start(&p, added, sizeof added / sizeof added[0])) ||
        (rec_path && (st = split_start(ctx, &p, &so))))
        return split_fail(&p, &so, st);
    for (;;) {
        if ((st = gz_csvpass_next(&p, &eof)))
            return split_fail(&p, &so, st);
        if (eof)
            break;
        size_t alen = 0;
        const char *addr = (size_t)col < csv_nfields(p.r) ? csv_field(p.r, (size_t)col, &alen) : "";
        tw_geocode_result res;
        const char *outcome;
        char bad[sizeof tw_ctx_error(ctx)->message];
        bad[0] = 0;
        st = blank(addr, alen) ? ctx_error(ctx, TW_E_EMPTY, "address is empty")
                               : tw_geocode(ctx, g, addr, alen, &res);
        if (st == TW_E_PARSE || st == TW_E_DOMAIN || st == TW_E_EMPTY) {
            snprintf(bad, sizeof bad, "%s", tw_ctx_error(ctx)->message);
            if (!keep_going)
                return split_fail(&p, &so, ctx_error_at(ctx, st, in_path, csv_line(p.r),
                                                        col + 1, column, "%s", bad));
            ctx_warn(ctx, "%s:%ld: field '%s': %s", in_path, csv_line(p.r), column, bad);
            tw_ctx_clear_error(ctx);
            rep->invalid++;
            outcome = "invalid";
            memset(&res, 0, sizeof res);
            st = TW_OK;
        } else if (st) {
            return split_fail(&p, &so, st);
        } else {
            rep->by_outcome[res.outcome]++;
            outcome = tw_geocode_outcome_name(res.outcome);
        }
        rep->rows++;
        if (rec_path && (st = split_row(ctx, g, &p, &so, &res, outcome, bad[0] ? bad : NULL, rep)))
            return split_fail(&p, &so, st);
        if (out_path) {
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
        }
        if (rep->rows % 65536 == 0 && (st = ctx_progress(ctx, "geocode", (double)rep->rows, 0)))
            return split_fail(&p, &so, st);
    }
    if (rep->rows == 0)
        return split_fail(&p, &so, ctx_error_at(ctx, TW_E_EMPTY, in_path, 0, 0, NULL,
                                                "no records after the header"));
    if ((st = gz_csvout_close(ctx, &so.rec)) || (st = gz_csvout_close(ctx, &so.rev)))
        return split_fail(&p, &so, st);
    dbuf_free(&so.line);
    if ((st = gz_csvpass_finish(&p))) { /* the records and review files go too */
        gz_csvout_discard(&so.rec);
        gz_csvout_discard(&so.rev);
    }
    return st;
}
