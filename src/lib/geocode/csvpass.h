/*
 * csvpass.h: copying a CSV file record by record with columns added at the
 * end, for the two file-to-file operations of the geocode module
 * (tw_geocode_csv, tw_crosswalk_csv). The caller reads with the shared CSV
 * reader and appends its own fields; this part opens, checks the added
 * names, writes the header and each queued line, and on failure removes
 * the half-written output.
 */
#ifndef TANAW_GEOCODE_CSVPASS_H
#define TANAW_GEOCODE_CSVPASS_H

#include "core/core.h"
#include "io/csv.h"

#include <stdio.h>

typedef struct gz_csvpass {
    tw_ctx *ctx;
    csv_reader *r;
    const char *in_path, *out_path;
    FILE *out;
    int own_out; /* out_path was created here: removed on failure */
    size_t ncols; /* columns of the input header */
    dbuf line;    /* what the next gz_csvpass_next writes */
} gz_csvpass;

/* Open in_path and read its header: TW_E_EMPTY "file is empty" when there
   is none. p is ready for gz_csvpass_fail in every case. */
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
/* Close the output (write errors are reported) and the input. */
tw_status gz_csvpass_finish(gz_csvpass *p);
/* Close everything and remove the output if it was created here; returns st. */
tw_status gz_csvpass_fail(gz_csvpass *p, tw_status st);

#endif
