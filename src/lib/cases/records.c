/*
 * records.c: building a tw_cases record by record, for readers other than
 * the CSV reader of cases.c (the case store reads its records back from
 * SQLite). The record is taken as already validated by the caller, with
 * the rules of docs/cases.md; only the source string is interned here.
 */
#include "cases/cases_internal.h"

#include <string.h>

tw_status cases_append(tw_ctx *ctx, tw_cases **inout, const case_rec *rec, const char *source,
                       const char *version)
{
    tw_cases *c = *inout;
    if (!c) {
        c = ctx_calloc(ctx, 1, sizeof *c);
        if (!c)
            return ctx_nomem(ctx);
        c->ctx = ctx;
        *inout = c;
    }
    case_rec r = *rec;
    r.source = -1;
    if (source && *source &&
        (r.source = strpool_intern(c->ctx, &c->strs, source, strlen(source))) < 0)
        return ctx_nomem(ctx);
    r.version = 0;
    if (version && *version) {
        int32_t v = strpool_intern(c->ctx, &c->strs, version, strlen(version));
        if (v < 0)
            return ctx_nomem(ctx);
        r.version = v + 1;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        case_rec *nr = ctx_realloc(c->ctx, c->rec, cap * sizeof *nr);
        if (!nr)
            return ctx_nomem(ctx);
        c->rec = nr;
        c->cap = cap;
    }
    c->rec[c->n++] = r;
    return TW_OK;
}
