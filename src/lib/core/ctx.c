/*
 * ctx.c: the context (tw_ctx) that carries what would otherwise be global
 * state: allocator, thread count, seed, progress callback, the last error
 * and warnings. One context is used by one thread at a time; allocation
 * through it is thread-safe when its allocator is (malloc is).
 */
#include "core/core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define CTX_MAX_WARNINGS 200

struct tw_ctx {
    tw_allocator alloc;
    int custom_alloc;
    int nthreads;
    uint64_t seed;
    tw_progress_fn progress;
    void *progress_ud;
    tw_error err;
    char *warnings[CTX_MAX_WARNINGS];
    size_t n_warnings;
    size_t dropped_warnings;
};

static void *sys_malloc(void *ud, size_t n) { (void)ud; return malloc(n); }
static void *sys_realloc(void *ud, void *p, size_t n) { (void)ud; return realloc(p, n); }
static void sys_free(void *ud, void *p) { (void)ud; free(p); }

tw_ctx *tw_ctx_new(void)
{
    tw_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->alloc.malloc_fn = sys_malloc;
    ctx->alloc.realloc_fn = sys_realloc;
    ctx->alloc.free_fn = sys_free;
    ctx->seed = 1;
    return ctx;
}

void tw_ctx_free(tw_ctx *ctx)
{
    if (!ctx)
        return;
    tw_ctx_clear_warnings(ctx);
    free(ctx);
}

tw_status tw_ctx_set_allocator(tw_ctx *ctx, const tw_allocator *a)
{
    if (!a || !a->malloc_fn || !a->realloc_fn || !a->free_fn)
        return ctx_error(ctx, TW_E_ARG, "allocator needs malloc, realloc and free");
    if (ctx->n_warnings)
        return ctx_error(ctx, TW_E_ARG, "allocator must be set before the context is used");
    ctx->alloc = *a;
    ctx->custom_alloc = 1;
    return TW_OK;
}

void tw_ctx_set_threads(tw_ctx *ctx, int nthreads) { ctx->nthreads = nthreads < 0 ? 0 : nthreads; }
int tw_ctx_threads(const tw_ctx *ctx) { return ctx->nthreads; }
void tw_ctx_set_seed(tw_ctx *ctx, uint64_t seed) { ctx->seed = seed; }
uint64_t tw_ctx_seed(const tw_ctx *ctx) { return ctx->seed; }

void tw_ctx_set_progress(tw_ctx *ctx, tw_progress_fn fn, void *ud)
{
    ctx->progress = fn;
    ctx->progress_ud = ud;
}

const tw_error *tw_ctx_error(const tw_ctx *ctx) { return &ctx->err; }
void tw_ctx_clear_error(tw_ctx *ctx) { memset(&ctx->err, 0, sizeof ctx->err); }

size_t tw_ctx_warning_count(const tw_ctx *ctx) { return ctx->n_warnings; }

const char *tw_ctx_warning(const tw_ctx *ctx, size_t i)
{
    return i < ctx->n_warnings ? ctx->warnings[i] : NULL;
}

void tw_ctx_clear_warnings(tw_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_warnings; i++)
        ctx_free(ctx, ctx->warnings[i]);
    ctx->n_warnings = 0;
    ctx->dropped_warnings = 0;
}

const char *tw_status_str(tw_status s)
{
    switch (s) {
    case TW_OK: return "success";
    case TW_E_NOMEM: return "out of memory";
    case TW_E_IO: return "input/output error";
    case TW_E_PARSE: return "malformed input";
    case TW_E_ARG: return "invalid argument";
    case TW_E_DOMAIN: return "value out of range";
    case TW_E_DUPLICATE: return "duplicate id";
    case TW_E_UNKNOWN_ID: return "unknown id";
    case TW_E_EMPTY: return "no data";
    case TW_E_GEOMETRY: return "invalid geometry";
    case TW_E_UNSUPPORTED: return "unsupported";
    case TW_E_CANCELLED: return "cancelled";
    case TW_E_INTERNAL: return "internal error";
    }
    return "unknown status";
}

/* ---- allocation ---- */

void *ctx_malloc(tw_ctx *ctx, size_t size)
{
    return ctx->alloc.malloc_fn(ctx->alloc.ud, size ? size : 1);
}

void *ctx_mallocarray(tw_ctx *ctx, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return ctx_malloc(ctx, n * size);
}

void *ctx_calloc(tw_ctx *ctx, size_t n, size_t size)
{
    void *p = ctx_mallocarray(ctx, n, size);
    size_t bytes = n * size;
    if (p)
        memset(p, 0, bytes > 0 ? bytes : 1);
    return p;
}

void *ctx_realloc(tw_ctx *ctx, void *p, size_t size)
{
    return ctx->alloc.realloc_fn(ctx->alloc.ud, p, size ? size : 1);
}

void ctx_free(tw_ctx *ctx, void *p)
{
    if (p)
        ctx->alloc.free_fn(ctx->alloc.ud, p);
}

char *ctx_strndup(tw_ctx *ctx, const char *s, size_t n)
{
    char *d = ctx_malloc(ctx, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *ctx_strdup(tw_ctx *ctx, const char *s) { return ctx_strndup(ctx, s, strlen(s)); }

/* ---- errors and warnings ---- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static tw_status verror(tw_ctx *ctx, tw_status code, const char *file, long line,
                        long column, const char *field, const char *fmt, va_list ap)
{
    tw_error *e = &ctx->err;
    e->code = code;
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    copy_str(e->file, sizeof e->file, file);
    e->line = line;
    e->column = column;
    copy_str(e->field, sizeof e->field, field);
    return code;
}

tw_status ctx_error(tw_ctx *ctx, tw_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(ctx, code, NULL, 0, 0, NULL, fmt, ap);
    va_end(ap);
    return code;
}

tw_status ctx_error_at(tw_ctx *ctx, tw_status code, const char *file, long line,
                       long column, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(ctx, code, file, line, column, field, fmt, ap);
    va_end(ap);
    return code;
}

tw_status ctx_nomem(tw_ctx *ctx) { return ctx_error(ctx, TW_E_NOMEM, "out of memory"); }

void ctx_warn(tw_ctx *ctx, const char *fmt, ...)
{
    if (ctx->n_warnings >= CTX_MAX_WARNINGS) {
        ctx->dropped_warnings++;
        return;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *w = ctx_strdup(ctx, buf);
    if (w)
        ctx->warnings[ctx->n_warnings++] = w;
}

tw_status ctx_progress(tw_ctx *ctx, const char *stage, double done, double total)
{
    if (ctx->progress && ctx->progress(ctx->progress_ud, stage, done, total))
        return ctx_error(ctx, TW_E_CANCELLED, "cancelled during %s", stage);
    return TW_OK;
}

int ctx_nthreads(const tw_ctx *ctx)
{
    if (ctx->nthreads > 0)
        return ctx->nthreads;
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
