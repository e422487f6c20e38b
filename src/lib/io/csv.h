/*
 * csv.h: streaming RFC 4180 CSV reader shared by every module that reads
 * tables (areas, case records, weights, references). Quoted fields may hold
 * commas, doubled quotes and newlines; a UTF-8 byte order mark is skipped;
 * CRLF and LF both end records. Input is bounded: a field longer than
 * CSV_MAX_FIELD or a record with more than CSV_MAX_FIELDS fields is an
 * error, as is a quote left open at the end of the file (truncated file).
 */
#ifndef TW_CSV_H
#define TW_CSV_H

#include "core/core.h"

#define CSV_MAX_FIELD 65536
#define CSV_MAX_FIELDS 1024

typedef struct csv_reader csv_reader;

/* Open path for reading ("-" is stdin). Records TW_E_IO in ctx. */
tw_status csv_open(tw_ctx *ctx, const char *path, csv_reader **out);
void csv_close(csv_reader *r);

/*
 * Read the next record. Returns TW_OK with *eof = false and the fields
 * available through csv_nfields/csv_field, TW_OK with *eof = true at the
 * end, or TW_E_PARSE (error in ctx with file and line). Blank lines are
 * skipped.
 */
tw_status csv_next(csv_reader *r, bool *eof);
size_t csv_nfields(const csv_reader *r);
/* Field i of the current record (NUL-terminated, borrowed until csv_next). */
const char *csv_field(const csv_reader *r, size_t i, size_t *len);
/* 1-based line where the current record starts. */
long csv_line(const csv_reader *r);
const char *csv_path(const csv_reader *r);
/* The raw text of the current record, fields rejoined with commas (for rejects files). */
void csv_record_text(const csv_reader *r, dbuf *out);

/*
 * Header helpers: after reading the header record, find a column by name
 * (case-insensitive, surrounding blanks ignored). Returns the index or -1.
 */
long csv_find_column(const csv_reader *r, const char *name);

/* Write one CSV field to f, quoting when needed. */
void csv_write_field(FILE *f, const char *s);
void csv_dbuf_field(dbuf *b, const char *s);

#endif
