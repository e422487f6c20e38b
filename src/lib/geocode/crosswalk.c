/*
 * crosswalk.c: PSGC crosswalks, which bring codes of one PSGC version onto
 * another so that a multi-year series stays on one geography. A crosswalk
 * is a list of steps (from_version -> to_version), each a set of rows
 * old_code -> new_code of kind recode (1:1), split (one old unit shared
 * among new ones by weight) or merge (several old units into one). A
 * recode with scope "tree" moves a unit and everything below it by
 * replacing its code prefix (region: 2 digits, province-level: 5,
 * municipality: 7): that is how a province changing region is written in
 * one row. Codes a step does not mention are unchanged. File format and the
 * built-in Negros Island Region example: docs/geocode.md.
 *
 * Mapping follows the steps forward from one version to another (breadth
 * first over versions), multiplying weights and merging equal targets.
 * Reading validates every row (codes, kinds, weights in (0, 1], split
 * weights summing to 1, one row per recode, no duplicates) with file, line
 * and field. O(rows) per code and step; rows are few (hundreds).
 */
#define _POSIX_C_SOURCE 200809L
#include "geocode/csvpass.h"
#include "geocode/geocode_internal.h"
#include "io/csv.h"

#include <errno.h>
#include <math.h>
#include <string.h>

enum { CW_RECODE = 1, CW_SPLIT, CW_MERGE };

typedef struct cw_row {
    char from[32], to[32];
    char old_code[TW_PSGC_LEN + 1], new_code[TW_PSGC_LEN + 1];
    int kind;
    int tree;
    double weight;
    char note[160];
    long line;
} cw_row;

struct tw_crosswalk {
    tw_ctx *ctx;
    cw_row *rows;
    size_t n, cap;
};

static const char *const kind_names[] = {"", "recode", "split", "merge"};

void tw_crosswalk_free(tw_crosswalk *cw)
{
    if (!cw)
        return;
    ctx_free(cw->ctx, cw->rows);
    ctx_free(cw->ctx, cw);
}

size_t tw_crosswalk_count(const tw_crosswalk *cw) { return cw ? cw->n : 0; }

static tw_status cw_new(tw_ctx *ctx, tw_crosswalk **out)
{
    tw_crosswalk *cw = ctx_calloc(ctx, 1, sizeof *cw);
    if (!cw)
        return ctx_nomem(ctx);
    cw->ctx = ctx;
    *out = cw;
    return TW_OK;
}

static cw_row *cw_add(tw_crosswalk *cw)
{
    if (cw->n == cw->cap) {
        size_t nc = cw->cap ? cw->cap * 2 : 64;
        cw_row *nr = ctx_realloc(cw->ctx, cw->rows, nc * sizeof *nr);
        if (!nr)
            return NULL;
        cw->rows = nr;
        cw->cap = nc;
    }
    cw_row *r = &cw->rows[cw->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* Digits that name a unit: 2 for a region, 5 province-level, 7 municipality, else 10. */
static size_t prefix_len(const char *code)
{
    if (strcmp(code + 2, "00000000") == 0)
        return 2;
    if (strcmp(code + 5, "00000") == 0)
        return 5;
    if (strcmp(code + 7, "000") == 0)
        return 7;
    return 10;
}

static int same_step(const cw_row *a, const cw_row *b)
{
    return strcmp(a->from, b->from) == 0 && strcmp(a->to, b->to) == 0;
}

/* Rules between rows: checked after reading (and for built-in crosswalks). */
static tw_status cw_validate(tw_ctx *ctx, const tw_crosswalk *cw, const char *path)
{
    for (size_t i = 0; i < cw->n; i++) {
        const cw_row *r = &cw->rows[i];
        double sum = 0;
        size_t same_old = 0;
        for (size_t j = 0; j < cw->n; j++) {
            const cw_row *q = &cw->rows[j];
            if (!same_step(r, q) || strcmp(q->old_code, r->old_code) != 0)
                continue;
            if (j < i && strcmp(q->new_code, r->new_code) == 0)
                return ctx_error_at(ctx, TW_E_DUPLICATE, path, r->line, 0, "old_code",
                                    "%s -> %s appears twice in step %s -> %s", r->old_code,
                                    r->new_code, r->from, r->to);
            same_old++;
            sum += q->weight;
            if (q->kind != r->kind)
                return ctx_error_at(ctx, TW_E_PARSE, path, r->line, 0, "kind",
                                    "%s is both %s and %s in step %s -> %s", r->old_code,
                                    kind_names[r->kind], kind_names[q->kind], r->from, r->to);
        }
        if (r->kind == CW_RECODE && same_old != 1)
            return ctx_error_at(ctx, TW_E_PARSE, path, r->line, 0, "kind",
                                "recode of %s has %zu target codes (a recode has one; "
                                "use split)", r->old_code, same_old);
        if (r->kind == CW_SPLIT && fabs(sum - 1) > 1e-6)
            return ctx_error_at(ctx, TW_E_DOMAIN, path, r->line, 0, "weight",
                                "the weights of split %s sum to %.9g, not 1", r->old_code, sum);
        if (r->kind != CW_SPLIT && r->weight != 1)
            return ctx_error_at(ctx, TW_E_DOMAIN, path, r->line, 0, "weight",
                                "a %s has weight 1, got %.9g", kind_names[r->kind], r->weight);
        if (r->tree && r->kind != CW_RECODE)
            return ctx_error_at(ctx, TW_E_PARSE, path, r->line, 0, "scope",
                                "scope tree is only for recode");
        if (r->tree && prefix_len(r->old_code) != prefix_len(r->new_code))
            return ctx_error_at(ctx, TW_E_PARSE, path, r->line, 0, "new_code",
                                "a tree recode keeps the level: %s and %s differ", r->old_code,
                                r->new_code);
        if (strcmp(r->from, r->to) == 0)
            return ctx_error_at(ctx, TW_E_PARSE, path, r->line, 0, "to_version",
                                "a step goes from one version to another, got %s -> %s", r->from,
                                r->to);
    }
    return TW_OK;
}

tw_status tw_crosswalk_read(tw_ctx *ctx, const char *path, tw_crosswalk **out)
{
    static const char *const cols[] = {"from_version", "to_version", "old_code", "new_code",
                                       "kind", "weight", "scope", "note"};
    enum { NC = 8 };
    csv_reader *r = NULL;
    tw_crosswalk *cw = NULL;
    tw_status st;
    bool eof = false;
    long col[NC];
    if (!ctx || !path || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "crosswalk: NULL argument") : TW_E_ARG;
    *out = NULL;
    if ((st = cw_new(ctx, &cw)))
        return st;
    if ((st = csv_open(ctx, path, &r)))
        goto fail;
    if ((st = csv_next(r, &eof)))
        goto fail;
    if (eof) {
        st = ctx_error_at(ctx, TW_E_EMPTY, path, 0, 0, NULL, "file is empty");
        goto fail;
    }
    for (int k = 0; k < NC; k++) {
        col[k] = csv_find_column(r, cols[k]);
        if (col[k] < 0 && k < 5) {
            st = ctx_error_at(ctx, TW_E_PARSE, path, 1, 0, cols[k], "missing column '%s'",
                              cols[k]);
            goto fail;
        }
    }
    for (;;) {
        if ((st = csv_next(r, &eof)))
            goto fail;
        if (eof)
            break;
        long line = csv_line(r);
        const char *v[NC];
        size_t vl[NC];
        for (int k = 0; k < NC; k++) {
            v[k] = "";
            vl[k] = 0;
            if (col[k] >= 0 && (size_t)col[k] < csv_nfields(r))
                v[k] = csv_field(r, (size_t)col[k], &vl[k]);
            while (vl[k] && (v[k][0] == ' ' || v[k][0] == '\t'))
                v[k]++, vl[k]--;
            while (vl[k] && (v[k][vl[k] - 1] == ' ' || v[k][vl[k] - 1] == '\t'))
                vl[k]--;
        }
        cw_row *row = cw_add(cw);
        if (!row) {
            st = ctx_nomem(ctx);
            goto fail;
        }
        row->line = line;
        for (int k = 0; k < 2; k++) {
            char *dst = k ? row->to : row->from;
            if (!vl[k] || vl[k] >= sizeof row->from) {
                st = ctx_error_at(ctx, TW_E_PARSE, path, line, col[k] + 1, cols[k],
                                  "expected a version label of 1-31 characters");
                goto fail;
            }
            memcpy(dst, v[k], vl[k]);
            dst[vl[k]] = '\0';
        }
        for (int k = 2; k < 4; k++) {
            char *dst = k == 2 ? row->old_code : row->new_code;
            if (tw_psgc_normalise(v[k], vl[k], dst) != TW_OK) {
                st = ctx_error_at(ctx, TW_E_PARSE, path, line, col[k] + 1, cols[k],
                                  "expected a 10-digit PSGC code, got \"%.*s\"",
                                  (int)(vl[k] > 20 ? 20 : vl[k]), v[k]);
                goto fail;
            }
        }
        for (int kk = CW_RECODE; kk <= CW_MERGE; kk++)
            if (strlen(kind_names[kk]) == vl[4] && memcmp(kind_names[kk], v[4], vl[4]) == 0)
                row->kind = kk;
        if (!row->kind) {
            st = ctx_error_at(ctx, TW_E_PARSE, path, line, col[4] + 1, cols[4],
                              "expected recode, split or merge, got \"%.*s\"",
                              (int)(vl[4] > 20 ? 20 : vl[4]), v[4]);
            goto fail;
        }
        row->weight = 1;
        if (vl[5] && (!num_parse_double(v[5], vl[5], &row->weight) || !(row->weight > 0) ||
                      row->weight > 1)) {
            st = ctx_error_at(ctx, TW_E_DOMAIN, path, line, col[5] + 1, cols[5],
                              "expected a weight in (0, 1], got \"%.*s\"",
                              (int)(vl[5] > 20 ? 20 : vl[5]), v[5]);
            goto fail;
        }
        if (vl[6] == 4 && memcmp(v[6], "tree", 4) == 0) {
            row->tree = 1;
        } else if (vl[6] && !(vl[6] == 4 && memcmp(v[6], "unit", 4) == 0)) {
            st = ctx_error_at(ctx, TW_E_PARSE, path, line, col[6] + 1, cols[6],
                              "expected unit or tree, got \"%.*s\"",
                              (int)(vl[6] > 20 ? 20 : vl[6]), v[6]);
            goto fail;
        }
        size_t nl = vl[7] < sizeof row->note ? vl[7] : sizeof row->note - 1;
        memcpy(row->note, v[7], nl);
        row->note[nl] = '\0';
    }
    if (cw->n == 0) {
        st = ctx_error_at(ctx, TW_E_EMPTY, path, 0, 0, NULL, "no crosswalk rows after the header");
        goto fail;
    }
    if ((st = cw_validate(ctx, cw, path)))
        goto fail;
    csv_close(r);
    *out = cw;
    return TW_OK;
fail:
    csv_close(r);
    tw_crosswalk_free(cw);
    return st;
}

tw_status tw_crosswalk_write(tw_ctx *ctx, const tw_crosswalk *cw, const char *path)
{
    if (!ctx || !cw || !path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "crosswalk: NULL argument") : TW_E_ARG;
    int own = strcmp(path, "-") != 0;
    FILE *f = own ? fopen(path, "wb") : stdout;
    if (!f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot create: %s", strerror(errno));
    fprintf(f, "from_version,to_version,old_code,new_code,kind,weight,scope,note\n");
    for (size_t i = 0; i < cw->n; i++) {
        const cw_row *r = &cw->rows[i];
        csv_write_field(f, r->from);
        fputc(',', f);
        csv_write_field(f, r->to);
        fprintf(f, ",%s,%s,%s,%.10g,%s,", r->old_code, r->new_code, kind_names[r->kind],
                r->weight, r->tree ? "tree" : "unit");
        csv_write_field(f, r->note);
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (own)
        bad |= fclose(f);
    else
        bad |= fflush(f);
    if (bad) {
        if (own)
            remove(path);
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "write failed");
    }
    return TW_OK;
}

/* Targets of code through one step (from -> to): appended to out with weight w. */
static void map_step(const tw_crosswalk *cw, const char *from, const char *to, const char *code,
                     double w, tw_crosswalk_target *out, size_t cap, size_t *n)
{
    int found = 0;
    size_t best_p = 0;
    const cw_row *tree = NULL;
    for (size_t i = 0; i < cw->n; i++) {
        const cw_row *r = &cw->rows[i];
        if (strcmp(r->from, from) != 0 || strcmp(r->to, to) != 0)
            continue;
        if (!r->tree && strcmp(r->old_code, code) == 0) {
            found = 1;
            size_t k;
            for (k = 0; k < *n && k < cap; k++)
                if (strcmp(out[k].code, r->new_code) == 0)
                    break;
            if (k < *n && k < cap) {
                out[k].weight += w * r->weight;
            } else {
                if (*n < cap) {
                    memcpy(out[*n].code, r->new_code, sizeof out[*n].code);
                    out[*n].weight = w * r->weight;
                }
                (*n)++;
            }
        } else if (r->tree) {
            size_t p = prefix_len(r->old_code);
            if (p > best_p && strncmp(r->old_code, code, p) == 0 && prefix_len(code) >= p) {
                best_p = p;
                tree = r;
            }
        }
    }
    if (found)
        return;
    char nc[TW_PSGC_LEN + 1];
    memcpy(nc, code, sizeof nc);
    if (tree)
        memcpy(nc, tree->new_code, best_p);
    size_t k;
    for (k = 0; k < *n && k < cap; k++)
        if (strcmp(out[k].code, nc) == 0)
            break;
    if (k < *n && k < cap) {
        out[k].weight += w;
        return;
    }
    if (*n < cap) {
        memcpy(out[*n].code, nc, sizeof out[*n].code);
        out[*n].weight = w;
    }
    (*n)++;
}

#define CW_MAX_VERSIONS 64
#define CW_MAX_TARGETS 256

/* Versions on the way from -> to (forward steps, breadth first); 0 if none. */
static size_t path_of(const tw_crosswalk *cw, const char *from, const char *to,
                      const char *pathv[CW_MAX_VERSIONS])
{
    const char *ver[CW_MAX_VERSIONS];
    int prev[CW_MAX_VERSIONS];
    size_t nv = 0, head = 0;
    ver[nv] = from;
    prev[nv++] = -1;
    while (head < nv) {
        const char *v = ver[head];
        if (strcmp(v, to) == 0) {
            size_t n = 0;
            const char *rev[CW_MAX_VERSIONS];
            for (int i = (int)head; i >= 0; i = prev[i])
                rev[n++] = ver[i];
            for (size_t i = 0; i < n; i++)
                pathv[i] = rev[n - 1 - i];
            return n;
        }
        for (size_t i = 0; i < cw->n && nv < CW_MAX_VERSIONS; i++) {
            if (strcmp(cw->rows[i].from, v) != 0)
                continue;
            int seen = 0;
            for (size_t j = 0; j < nv && !seen; j++)
                seen = strcmp(ver[j], cw->rows[i].to) == 0;
            if (!seen) {
                ver[nv] = cw->rows[i].to;
                prev[nv++] = (int)head;
            }
        }
        head++;
    }
    return 0;
}

tw_status tw_crosswalk_map(tw_ctx *ctx, const tw_crosswalk *cw, const char *from,
                           const char *to, const char *code, tw_crosswalk_target *out,
                           size_t cap, size_t *n)
{
    char c[TW_PSGC_LEN + 1];
    const char *pathv[CW_MAX_VERSIONS];
    if (!ctx || !cw || !from || !to || !code || !n || (!out && cap))
        return ctx ? ctx_error(ctx, TW_E_ARG, "crosswalk: NULL argument") : TW_E_ARG;
    *n = 0;
    if (tw_psgc_normalise(code, strlen(code), c) != TW_OK)
        return ctx_error(ctx, TW_E_PARSE, "'%s' is not a 10-digit PSGC code", code);
    size_t np = path_of(cw, from, to, pathv);
    if (!np)
        return ctx_error(ctx, TW_E_ARG, "no crosswalk steps lead from version %s to %s", from,
                         to);
    tw_crosswalk_target cur[CW_MAX_TARGETS], nxt[CW_MAX_TARGETS];
    size_t ncur = 1;
    memcpy(cur[0].code, c, sizeof c);
    cur[0].weight = 1;
    for (size_t s = 0; s + 1 < np; s++) {
        size_t nn = 0;
        for (size_t i = 0; i < ncur && i < CW_MAX_TARGETS; i++)
            map_step(cw, pathv[s], pathv[s + 1], cur[i].code, cur[i].weight, nxt,
                     CW_MAX_TARGETS, &nn);
        if (nn > CW_MAX_TARGETS)
            return ctx_error(ctx, TW_E_UNSUPPORTED, "%s splits into more than %d units", code,
                             CW_MAX_TARGETS);
        memcpy(cur, nxt, nn * sizeof *cur);
        ncur = nn;
    }
    for (size_t i = 0; i < ncur && i < cap; i++)
        out[i] = cur[i];
    *n = ncur;
    return TW_OK;
}

/*
 * The Negros Island Region (RA 12000, 2024) from a 4Q 2023 gazetteer:
 * Negros Occidental and the City of Bacolod (Region VI) and Negros
 * Oriental and Siquijor (Region VII) move, with everything below them, to
 * region 18; their province-level digits stay (0704600000 ->
 * 1804600000). Regions VI and VII are split between themselves and the
 * new region by 2020 population (the file's region and province rows).
 */
tw_status tw_crosswalk_nir(tw_ctx *ctx, const tw_gazetteer *g, tw_crosswalk **out)
{
    static const struct {
        const char *code, *name;
    } moved[] = {
        {"0604500000", "Negros Occidental"},
        {"0630200000", "City of Bacolod"},
        {"0704600000", "Negros Oriental"},
        {"0706100000", "Siquijor"},
    };
    tw_crosswalk *cw = NULL;
    tw_status st;
    double moved_pop[2] = {0, 0}; /* from Region VI, Region VII */
    if (!ctx || !g || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "crosswalk: NULL argument") : TW_E_ARG;
    *out = NULL;
    if ((st = cw_new(ctx, &cw)))
        return st;
    for (size_t i = 0; i < sizeof moved / sizeof moved[0]; i++) {
        long k = gz_find(g, moved[i].code);
        if (k < 0 || strncmp(g->strs + g->nodes[k].name, moved[i].name, strlen(moved[i].name)) != 0) {
            st = ctx_error(ctx, TW_E_UNKNOWN_ID,
                           "the gazetteer has no %s %s: the Negros Island Region crosswalk "
                           "starts from PSGC 4Q 2023 codes", moved[i].code, moved[i].name);
            goto fail;
        }
        double pop = g->nodes[k].pop2020;
        if (pop < 0) {
            /* Provinces with an independent city print "(excluding ...)": summed instead. */
            pop = 0;
            for (size_t j = 0; j < g->n; j++)
                if (g->nodes[j].level == TW_LEVEL_BARANGAY &&
                    strncmp(g->nodes[j].code, moved[i].code, 5) == 0 && g->nodes[j].pop2020 > 0)
                    pop += g->nodes[j].pop2020;
        }
        moved_pop[moved[i].code[1] == '6' ? 0 : 1] += pop;
        cw_row *r = cw_add(cw);
        if (!r) {
            st = ctx_nomem(ctx);
            goto fail;
        }
        snprintf(r->from, sizeof r->from, "2023Q4");
        snprintf(r->to, sizeof r->to, "2024Q2");
        memcpy(r->old_code, moved[i].code, sizeof r->old_code);
        snprintf(r->new_code, sizeof r->new_code, "18%s", moved[i].code + 2);
        r->kind = CW_RECODE;
        r->tree = 1;
        r->weight = 1;
        snprintf(r->note, sizeof r->note, "%s and all its units: Region %s -> Negros Island "
                 "Region (RA 12000)", moved[i].name, moved[i].code[1] == '6' ? "VI" : "VII");
    }
    for (int reg = 0; reg < 2; reg++) {
        const char *rc = reg ? "0700000000" : "0600000000";
        long k = gz_find(g, rc);
        if (k < 0 || !(g->nodes[k].pop2020 > moved_pop[reg])) {
            st = ctx_error(ctx, TW_E_UNKNOWN_ID, "the gazetteer has no population for region %s",
                           rc);
            goto fail;
        }
        double share = moved_pop[reg] / g->nodes[k].pop2020;
        for (int part = 0; part < 2; part++) {
            cw_row *r = cw_add(cw);
            if (!r) {
                st = ctx_nomem(ctx);
                goto fail;
            }
            snprintf(r->from, sizeof r->from, "2023Q4");
            snprintf(r->to, sizeof r->to, "2024Q2");
            memcpy(r->old_code, rc, sizeof r->old_code);
            memcpy(r->new_code, part ? "1800000000" : rc, sizeof r->new_code);
            r->kind = CW_SPLIT;
            /* Rounded so that the written file reads back to weights summing to 1. */
            double w1 = round(share * 1e9) / 1e9;
            r->weight = part ? w1 : 1 - w1;
            snprintf(r->note, sizeof r->note, "Region %s counts: share of 2020 population %s",
                     reg ? "VII" : "VI", part ? "now in the Negros Island Region" : "that stays");
        }
    }
    if ((st = cw_validate(ctx, cw, "(built-in Negros Island Region crosswalk)")))
        goto fail;
    *out = cw;
    return TW_OK;
fail:
    tw_crosswalk_free(cw);
    return st;
}

/* The count column of a split record: its share of the count. */
typedef struct cw_share {
    double v;
} cw_share;

static void write_share(void *ud, dbuf *line)
{
    dbuf_printf(line, "%.10g", ((const cw_share *)ud)->v);
}

tw_status tw_crosswalk_csv(tw_ctx *ctx, const tw_crosswalk *cw, const char *from,
                           const char *to, const char *in_path, const char *column,
                           const char *count_column, const char *out_path, size_t *rows_out)
{
    static const char *const added[] = {"new_psgc", "crosswalk_weight"};
    gz_csvpass p;
    tw_status st = TW_OK;
    bool eof = false;
    size_t rows = 0;
    const char *pathv[CW_MAX_VERSIONS];
    if (rows_out)
        *rows_out = 0;
    if (!ctx || !cw || !from || !to || !in_path || !out_path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "crosswalk: NULL argument") : TW_E_ARG;
    if (!column)
        column = "psgc";
    if (!path_of(cw, from, to, pathv))
        return ctx_error(ctx, TW_E_ARG, "no crosswalk steps lead from version %s to %s", from,
                         to);
    if ((st = gz_csvpass_open(ctx, &p, in_path, out_path)))
        return gz_csvpass_fail(&p, st);
    long col = csv_find_column(p.r, column);
    long ccol = count_column ? csv_find_column(p.r, count_column) : -1;
    if (col < 0 || (count_column && ccol < 0)) {
        const char *missing = col < 0 ? column : count_column;
        return gz_csvpass_fail(&p, ctx_error_at(ctx, TW_E_PARSE, in_path, 1, 0, missing,
                                                "no column named '%s' in the header", missing));
    }
    if ((st = gz_csvpass_start(&p, added, sizeof added / sizeof added[0])))
        return gz_csvpass_fail(&p, st);
    for (;;) {
        if ((st = gz_csvpass_next(&p, &eof)))
            return gz_csvpass_fail(&p, st);
        if (eof)
            break;
        size_t cl = 0;
        const char *code = (size_t)col < csv_nfields(p.r) ? csv_field(p.r, (size_t)col, &cl) : "";
        char c[TW_PSGC_LEN + 1];
        if (tw_psgc_normalise(code, cl, c) != TW_OK)
            return gz_csvpass_fail(
                &p, ctx_error_at(ctx, TW_E_PARSE, in_path, csv_line(p.r), col + 1, column,
                                 "expected a 10-digit PSGC code, got \"%.*s\"",
                                 (int)(cl > 20 ? 20 : cl), code));
        double count = 0;
        if (ccol >= 0) {
            size_t nl = 0;
            const char *cv =
                (size_t)ccol < csv_nfields(p.r) ? csv_field(p.r, (size_t)ccol, &nl) : "";
            if (!num_parse_double(cv, nl, &count))
                return gz_csvpass_fail(
                    &p, ctx_error_at(ctx, TW_E_PARSE, in_path, csv_line(p.r), ccol + 1,
                                     count_column, "expected a number, got \"%.*s\"",
                                     (int)(nl > 20 ? 20 : nl), cv));
        }
        tw_crosswalk_target tg[CW_MAX_TARGETS];
        size_t nt = 0;
        if ((st = tw_crosswalk_map(ctx, cw, from, to, c, tg, CW_MAX_TARGETS, &nt)))
            return gz_csvpass_fail(&p, st);
        for (size_t t = 0; t < nt && t < CW_MAX_TARGETS; t++) {
            cw_share share = {count * tg[t].weight};
            gz_csvpass_fields(&p, ccol, write_share, &share);
            dbuf_printf(&p.line, ",%s,%.10g\n", tg[t].code, tg[t].weight);
        }
        rows++;
    }
    if ((st = gz_csvpass_finish(&p)))
        return st;
    if (rows_out)
        *rows_out = rows;
    return TW_OK;
}
