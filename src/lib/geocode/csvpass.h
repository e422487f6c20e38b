/*
 * csvpass.h: copying a CSV file record by record with columns added at the
 * end, for the file-to-file operations of the geocode module
 * (tw_geocode_csv, tw_crosswalk_csv). The caller reads with the shared CSV
 * reader and appends its own fields; this part opens, checks the added
 * names, writes the header and each queued line, and on failure removes
 * the half-written outputs. One read can feed several outputs (gz_csvout:
 * tw_geocode_csv's --out, records and review files).
 */
#ifndef TANAW_GEOCODE_CSVPASS_H
#define TANAW_GEOCODE_CSVPASS_H

#include "core/core.h"
#include "io/csv.h"

#include <stdio.h>

/* One output file. */
typedef struct gz_csvout {
    const char *path; /* NULL: this output is not wanted (nothing is written) */
    FILE *f;
    int own; /* path was created here: removed on failure */
} gz_csvout;

/* Ready an output (path NULL: none) for gz_csvout_discard in every case. */
void gz_csvout_init(gz_csvout *o, const char *path);
/* Create the file ("-" = standard output): TW_E_IO naming it when it cannot be. */
tw_status gz_csvout_open(tw_ctx *ctx, gz_csvout *o);
/* Write `line` (nothing when the output is not wanted) and empty it;
   TW_E_NOMEM when building the line failed. */
tw_status gz_csvout_write(tw_ctx *ctx, gz_csvout *o, dbuf *line);
/* Close (write errors are reported); on failure the file is removed. */
tw_status gz_csvout_close(tw_ctx *ctx, gz_csvout *o);
/* Close and remove the file if it was created here. */
void gz_csvout_discard(gz_csvout *o);

typedef struct gz_csvpass {
    tw_ctx *ctx;
    csv_reader *r;
    const char *in_path, *out_path;
    size_t ncols; /* columns of the input header */
    gz_csvout o;  /* the pass-through output (out_path; NULL: none) */
    dbuf line;    /* what the next gz_csvpass_next writes to o */
} gz_csvpass;

/* Open in_path and read its header: TW_E_EMPTY "file is empty" when there
   is none. out_path may be NULL (no pass-through output). p is ready for
   gz_csvpass_fail in every case. */
tw_status gz_csvpass_open(tw_ctx *ctx, gz_csvpass *p, const char *in_path, const char *out_path);
/* Refuse an input that already has one of the added columns (naming it),
   open the output ("-" = standard output) and queue the header: the input's
   columns, then the added ones. */
tw_status gz_csvpass_start(gz_csvpass *p, const char *const *added, size_t nadded);
/* Write the queued line and read the next record (*eof at the end). */
tw_status gz_csvpass_next(gz_csvpass *p, bool *eof);
/* Queue the current record's fields, with field `replace` (or none: -1)
   written by fn(ud, &p->line) instead. No line end: the caller adds its
   fields and "\n". */
void gz_csvpass_fields(gz_csvpass *p, long replace, void (*fn)(void *ud, dbuf *line), void *ud);
/* Append the current record's fields (the header's when called before the
   first gz_csvpass_next) to `line`, leaving out field `skip` (-1: none),
   joined by commas, quoted when needed. No line end. */
void gz_csvpass_copy(const gz_csvpass *p, dbuf *line, long skip);
/* Close the output (write errors are reported) and the input. */
tw_status gz_csvpass_finish(gz_csvpass *p);
/* Close everything and remove the output if it was created here; returns st. */
tw_status gz_csvpass_fail(gz_csvpass *p, tw_status st);

#endif
