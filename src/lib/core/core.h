/*
 * core.h: internal helpers every module of libtanaw shares: allocation
 * through the context, error and warning recording, progress, strict
 * number parsing and a growable byte buffer. Not part of the public API.
 */
#ifndef TW_CORE_H
#define TW_CORE_H

#include "tanaw/tanaw.h"

#include <stdarg.h>
#include <stdbool.h>

#if defined(__GNUC__)
#define TW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TW_PRINTF(a, b)
#endif

/* Allocation through ctx (thread-safe when the allocator is). */
void *ctx_malloc(tw_ctx *ctx, size_t size);
void *ctx_calloc(tw_ctx *ctx, size_t n, size_t size); /* checks n*size overflow */
void *ctx_realloc(tw_ctx *ctx, void *p, size_t size);
void *ctx_mallocarray(tw_ctx *ctx, size_t n, size_t size); /* checks overflow */
void ctx_free(tw_ctx *ctx, void *p);
char *ctx_strdup(tw_ctx *ctx, const char *s);
char *ctx_strndup(tw_ctx *ctx, const char *s, size_t n);

/* Record an error in ctx and return its code (so: return ctx_error(...)). */
tw_status ctx_error(tw_ctx *ctx, tw_status code, const char *fmt, ...) TW_PRINTF(3, 4);
tw_status ctx_error_at(tw_ctx *ctx, tw_status code, const char *file, long line,
                       long column, const char *field, const char *fmt, ...)
    TW_PRINTF(7, 8);
/* Out of memory: records TW_E_NOMEM. */
tw_status ctx_nomem(tw_ctx *ctx);
/* Append a warning line (kept until tw_ctx_clear_warnings). */
void ctx_warn(tw_ctx *ctx, const char *fmt, ...) TW_PRINTF(2, 3);
/* Report progress; returns TW_E_CANCELLED when the callback asks to stop. */
tw_status ctx_progress(tw_ctx *ctx, const char *stage, double done, double total);
/* Threads to use in an OpenMP region (>= 1). */
int ctx_nthreads(const tw_ctx *ctx);

/*
 * Strict numbers: the whole [s, s+len) (blanks trimmed) must be a number;
 * NaN, Inf, empty text, trailing junk and overflow are refused (return
 * false).
 */
bool num_parse_double(const char *s, size_t len, double *out);
bool num_parse_int64(const char *s, size_t len, int64_t *out);

/*
 * Whether name is one of the comma-separated names in list, compared
 * without regard to ASCII case, blanks around each name ignored (source
 * filters: "CyberTipline,PNP-WCPC"). A NULL list holds every name.
 */
bool name_in_list(const char *list, const char *name);

/* Growable byte buffer (for building strings and output). */
typedef struct dbuf {
    tw_ctx *ctx;
    char *data;
    size_t len, cap;
    bool failed; /* an allocation failed: contents are incomplete */
} dbuf;
void dbuf_init(dbuf *b, tw_ctx *ctx);
void dbuf_free(dbuf *b);
void dbuf_append(dbuf *b, const char *s, size_t n);
void dbuf_puts(dbuf *b, const char *s);
void dbuf_printf(dbuf *b, const char *fmt, ...) TW_PRINTF(2, 3);
/* NUL-terminated view of the contents (valid until the next append). */
const char *dbuf_str(dbuf *b);

/* "Can't happen" checks (h3 style): evaluate to the condition. */
#define TW_NEVER(cond) (cond)
#define TW_ALWAYS(cond) (cond)

#endif
