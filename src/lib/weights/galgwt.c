/*
 * galgwt.c: GeoDa's weights files. GAL lists neighbours, GWT weighted links
 * (formats as GeoDa and PySAL libpysal.io write them):
 *
 *   GAL: header "0 N shapefile idvar" (or just "N"), then per area
 *        "id k" on one line and its k neighbour ids on the next.
 *   GWT: header "0 N shapefile idvar" (or "N"), then one "id1 id2 weight"
 *        per line.
 *
 * Ids are the area ids (tw_areas_id), looked up through a sorted index
 * (O(log n) each). Reading checks everything: the header's N must equal
 * the number of areas, every id must be an area (TW_E_UNKNOWN_ID), an area
 * listed twice in a GAL or a link twice in a GWT is TW_E_DUPLICATE, and a
 * GAL row must have as many neighbours as it announces. Errors carry file
 * and line. Files are read whole (bounded at 1 GiB); ids cannot contain
 * blanks, so writing such an id is refused.
 */
#include "weights/weights_internal.h"

#include "geo/areas_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define GAL_MAX_BYTES ((size_t)1 << 30)

/* ---- id index ---- */

typedef struct id_ent {
    const char *id;
    int32_t i;
} id_ent;

typedef struct id_index {
    size_t n;
    id_ent *e; /* sorted by id */
} id_index;

static int cmp_ent(const void *pa, const void *pb)
{
    return strcmp(((const id_ent *)pa)->id, ((const id_ent *)pb)->id);
}

static tw_status id_index_build(tw_ctx *ctx, const tw_areas *a, id_index *ix)
{
    ix->n = a->n;
    ix->e = ctx_mallocarray(ctx, a->n ? a->n : 1, sizeof *ix->e);
    if (!ix->e)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < a->n; i++)
        ix->e[i] = (id_ent){a->id[i], (int32_t)i};
    qsort(ix->e, a->n, sizeof *ix->e, cmp_ent);
    return TW_OK;
}

static long id_find(const id_index *ix, const char *s, size_t len)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = ix->e[mid].id;
        int c = strncmp(m, s, len);
        if (c == 0 && m[len] != '\0')
            c = 1;
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return ix->e[mid].i;
    }
    return -1;
}

/* ---- tokens ---- */

typedef struct tok {
    const char *path;
    char *buf;
    size_t len, pos;
    long line;
} tok;

static tw_status read_all(tw_ctx *ctx, const char *path, tok *t)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->line = 1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot open %s: %s", path,
                            strerror(errno));
    dbuf b;
    dbuf_init(&b, ctx);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        dbuf_append(&b, chunk, got);
        if (b.len > GAL_MAX_BYTES) {
            fclose(f);
            dbuf_free(&b);
            return ctx_error_at(ctx, TW_E_ARG, path, 0, 0, "", "weights file larger than 1 GiB");
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        dbuf_free(&b);
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot read %s", path);
    }
    dbuf_str(&b);
    if (b.failed) {
        dbuf_free(&b);
        return ctx_nomem(ctx);
    }
    t->buf = b.data;
    t->len = b.len;
    return TW_OK;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Next token on the current line (0 at end of line or file). */
static int tok_inline(tok *t, const char **s, size_t *len)
{
    while (t->pos < t->len && is_blank(t->buf[t->pos]))
        t->pos++;
    if (t->pos >= t->len || t->buf[t->pos] == '\n')
        return 0;
    *s = t->buf + t->pos;
    while (t->pos < t->len && !is_blank(t->buf[t->pos]) && t->buf[t->pos] != '\n')
        t->pos++;
    *len = (size_t)(t->buf + t->pos - *s);
    return 1;
}

/* Step past the end of the current line; 0 at the end of the file. */
static int tok_nextline(tok *t)
{
    while (t->pos < t->len && t->buf[t->pos] != '\n')
        t->pos++;
    if (t->pos >= t->len)
        return 0;
    t->pos++;
    t->line++;
    return 1;
}

/* Skip blank lines; 0 at the end of the file. */
static int tok_skip_empty(tok *t)
{
    for (;;) {
        size_t p = t->pos;
        while (p < t->len && is_blank(t->buf[p]))
            p++;
        if (p >= t->len)
            return 0;
        if (t->buf[p] != '\n')
            return 1;
        t->pos = p + 1;
        t->line++;
    }
}

static tw_status read_header(tw_ctx *ctx, tok *t, const tw_areas *a)
{
    const char *s[5];
    size_t l[5];
    int nt = 0;
    if (!tok_skip_empty(t))
        return ctx_error_at(ctx, TW_E_PARSE, t->path, t->line, 0, "", "empty weights file");
    while (nt < 5 && tok_inline(t, &s[nt], &l[nt]))
        nt++;
    int64_t n;
    const char *ns = nt == 1 ? s[0] : s[1];
    size_t nl = nt == 1 ? l[0] : l[1];
    if (nt == 0 || nt > 4 || (nt > 1 && !(l[0] == 1 && s[0][0] == '0')) ||
        !num_parse_int64(ns, nl, &n) || n < 0)
        return ctx_error_at(ctx, TW_E_PARSE, t->path, t->line, 0, "",
                            "expected header \"0 N shapefile idvar\" or \"N\"");
    if ((size_t)n != a->n)
        return ctx_error_at(ctx, TW_E_PARSE, t->path, t->line, 0, "",
                            "header says %lld areas, the geography has %zu", (long long)n, a->n);
    tok_nextline(t);
    return TW_OK;
}

typedef struct trip {
    int32_t i, j;
    double w;
    long line;
} trip;

static int cmp_trip(const void *pa, const void *pb)
{
    const trip *x = pa, *y = pb;
    if (x->i != y->i)
        return (x->i > y->i) - (x->i < y->i);
    if (x->j != y->j)
        return (x->j > y->j) - (x->j < y->j);
    return (x->line > y->line) - (x->line < y->line);
}

typedef struct tripvec {
    trip *v;
    size_t len, cap;
} tripvec;

static int trip_push(tw_ctx *ctx, tripvec *p, trip x)
{
    if (p->len == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 1024;
        trip *nv = ctx_realloc(ctx, p->v, nc * sizeof *nv);
        if (!nv)
            return 0;
        p->v = nv;
        p->cap = nc;
    }
    p->v[p->len++] = x;
    return 1;
}

/* Links (sorted, unique) -> weights. */
static tw_status trips_to_weights(tw_ctx *ctx, const tok *t, size_t n, tripvec *tv,
                                  tw_weights **out)
{
    if (tv->len)
        qsort(tv->v, tv->len, sizeof *tv->v, cmp_trip);
    for (size_t k = 1; k < tv->len; k++)
        if (tv->v[k].i == tv->v[k - 1].i && tv->v[k].j == tv->v[k - 1].j)
            return ctx_error_at(ctx, TW_E_DUPLICATE, t->path, tv->v[k].line, 0, "",
                                "link listed twice (first on line %ld)", tv->v[k - 1].line);
    tw_weights *w;
    tw_status s = weights_alloc(ctx, n, tv->len, &w);
    if (s)
        return s;
    for (size_t k = 0; k < tv->len; k++) {
        w->rowptr[tv->v[k].i + 1]++;
        w->col[k] = tv->v[k].j;
        w->w[k] = tv->v[k].w;
        if (tv->v[k].i == tv->v[k].j)
            w->has_self = 1;
    }
    for (size_t i = 0; i < n; i++)
        w->rowptr[i + 1] += w->rowptr[i];
    w->style = TW_STYLE_B;
    *out = w;
    return TW_OK;
}

static tw_status unknown_id(tw_ctx *ctx, const tok *t, const char *s, size_t len)
{
    return ctx_error_at(ctx, TW_E_UNKNOWN_ID, t->path, t->line, 0, "", "unknown area id '%.*s'",
                        (int)(len > 64 ? 64 : len), s);
}

tw_status tw_weights_read_gal(tw_ctx *ctx, const tw_areas *a, const char *path, tw_weights **out)
{
    tok t;
    id_index ix = {0};
    tripvec tv = {0};
    unsigned char *seen = NULL;
    tw_status s = read_all(ctx, path, &t);
    if (s)
        return s;
    if ((s = read_header(ctx, &t, a)) || (s = id_index_build(ctx, a, &ix)))
        goto fail;
    seen = ctx_calloc(ctx, a->n ? a->n : 1, 1);
    if (!seen) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    while (tok_skip_empty(&t)) {
        const char *is, *ks;
        size_t il, kl;
        int64_t k;
        if (!tok_inline(&t, &is, &il) || !tok_inline(&t, &ks, &kl) ||
            !num_parse_int64(ks, kl, &k) || k < 0 || k > (int64_t)a->n) {
            s = ctx_error_at(ctx, TW_E_PARSE, path, t.line, 0, "",
                             "expected \"id number_of_neighbours\"");
            goto fail;
        }
        const char *extra;
        size_t el;
        if (tok_inline(&t, &extra, &el)) {
            s = ctx_error_at(ctx, TW_E_PARSE, path, t.line, 0, "",
                             "unexpected '%.*s' after the number of neighbours",
                             (int)(el > 64 ? 64 : el), extra);
            goto fail;
        }
        long i = id_find(&ix, is, il);
        if (i < 0) {
            s = unknown_id(ctx, &t, is, il);
            goto fail;
        }
        if (seen[i]) {
            s = ctx_error_at(ctx, TW_E_DUPLICATE, path, t.line, 0, "",
                             "area '%s' listed twice", a->id[i]);
            goto fail;
        }
        seen[i] = 1;
        tok_nextline(&t);
        /* neighbours: on the next line (GeoDa), tolerated across lines */
        long row_line = t.line;
        for (int64_t m = 0; m < k; m++) {
            const char *js;
            size_t jl;
            while (!tok_inline(&t, &js, &jl)) {
                if (!tok_nextline(&t)) {
                    s = ctx_error_at(ctx, TW_E_PARSE, path, row_line, 0, "",
                                     "area '%s' announces %lld neighbours, the file ends after %lld",
                                     a->id[i], (long long)k, (long long)m);
                    goto fail;
                }
            }
            long j = id_find(&ix, js, jl);
            if (j < 0) {
                s = unknown_id(ctx, &t, js, jl);
                goto fail;
            }
            if (!trip_push(ctx, &tv, (trip){(int32_t)i, (int32_t)j, 1.0, t.line})) {
                s = ctx_nomem(ctx);
                goto fail;
            }
        }
        const char *extra2;
        size_t el2;
        if (k > 0 && tok_inline(&t, &extra2, &el2)) {
            s = ctx_error_at(ctx, TW_E_PARSE, path, t.line, 0, "",
                             "area '%s' has more neighbours than the %lld announced", a->id[i],
                             (long long)k);
            goto fail;
        }
        if (k > 0)
            tok_nextline(&t);
        else if (tok_skip_empty(&t) == 0)
            break;
    }
    s = trips_to_weights(ctx, &t, a->n, &tv, out);
fail:
    ctx_free(ctx, t.buf);
    ctx_free(ctx, ix.e);
    ctx_free(ctx, tv.v);
    ctx_free(ctx, seen);
    return s;
}

tw_status tw_weights_read_gwt(tw_ctx *ctx, const tw_areas *a, const char *path, tw_weights **out)
{
    tok t;
    id_index ix = {0};
    tripvec tv = {0};
    tw_status s = read_all(ctx, path, &t);
    if (s)
        return s;
    if ((s = read_header(ctx, &t, a)) || (s = id_index_build(ctx, a, &ix)))
        goto fail;
    while (tok_skip_empty(&t)) {
        const char *f[4];
        size_t l[4];
        int nf = 0;
        while (nf < 4 && tok_inline(&t, &f[nf], &l[nf]))
            nf++;
        double wv;
        if (nf != 3) {
            s = ctx_error_at(ctx, TW_E_PARSE, path, t.line, 0, "", "expected \"id1 id2 weight\"");
            goto fail;
        }
        if (!num_parse_double(f[2], l[2], &wv)) {
            s = ctx_error_at(ctx, TW_E_PARSE, path, t.line, 3, "", "expected a number for the weight, got '%.*s'",
                             (int)(l[2] > 64 ? 64 : l[2]), f[2]);
            goto fail;
        }
        long i = id_find(&ix, f[0], l[0]), j = id_find(&ix, f[1], l[1]);
        if (i < 0 || j < 0) {
            s = unknown_id(ctx, &t, i < 0 ? f[0] : f[1], i < 0 ? l[0] : l[1]);
            goto fail;
        }
        if (!trip_push(ctx, &tv, (trip){(int32_t)i, (int32_t)j, wv, t.line})) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        if (!tok_nextline(&t))
            break;
    }
    s = trips_to_weights(ctx, &t, a->n, &tv, out);
fail:
    ctx_free(ctx, t.buf);
    ctx_free(ctx, ix.e);
    ctx_free(ctx, tv.v);
    return s;
}

static tw_status check_ids(tw_ctx *ctx, const tw_weights *w, const tw_areas *a)
{
    if (w->n != a->n)
        return ctx_error(ctx, TW_E_ARG, "weights have %zu areas, the geography %zu", w->n, a->n);
    for (size_t i = 0; i < a->n; i++) {
        const char *id = a->id[i];
        if (!*id)
            return ctx_error(ctx, TW_E_ARG, "area %zu has an empty id", i);
        for (const char *p = id; *p; p++)
            if (is_blank(*p) || *p == '\n')
                return ctx_error(ctx, TW_E_ARG, "area id '%s' contains a blank", id);
    }
    return TW_OK;
}

static tw_status finish_write(tw_ctx *ctx, FILE *f, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot write %s", path);
    return TW_OK;
}

tw_status tw_weights_write_gal(tw_ctx *ctx, const tw_weights *w, const tw_areas *a,
                               const char *path)
{
    tw_status s = check_ids(ctx, w, a);
    if (s)
        return s;
    FILE *f = fopen(path, "wb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot create %s: %s", path,
                            strerror(errno));
    fprintf(f, "0 %zu tanaw id\n", w->n);
    for (size_t i = 0; i < w->n; i++) {
        fprintf(f, "%s %zu\n", a->id[i], w->rowptr[i + 1] - w->rowptr[i]);
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++)
            fprintf(f, t == w->rowptr[i] ? "%s" : " %s", a->id[w->col[t]]);
        fputc('\n', f);
    }
    return finish_write(ctx, f, path);
}

tw_status tw_weights_write_gwt(tw_ctx *ctx, const tw_weights *w, const tw_areas *a,
                               const char *path)
{
    tw_status s = check_ids(ctx, w, a);
    if (s)
        return s;
    FILE *f = fopen(path, "wb");
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot create %s: %s", path,
                            strerror(errno));
    fprintf(f, "0 %zu tanaw id\n", w->n);
    for (size_t i = 0; i < w->n; i++)
        for (size_t t = w->rowptr[i]; t < w->rowptr[i + 1]; t++)
            fprintf(f, "%s %s %.17g\n", a->id[i], a->id[w->col[t]], w->w[t]);
    return finish_write(ctx, f, path);
}
