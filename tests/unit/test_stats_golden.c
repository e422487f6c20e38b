/*
 * test_stats_golden.c: our statistics against numbers from R 4.2 + spdep
 * 1.2-7 (tests/golden/stats/make_goldens.R writes the inputs and the
 * expected values): localG (Gi* with include.self and Gi, styles B and W),
 * localmoran (Ii, E.Ii, Var.Ii, Z.Ii, Pr), moran.test (randomisation and
 * normality, two-sided and "greater"), EBest and p.adjust. Geographies: a
 * 7x7 rook grid with six cells removed (two islands) and random 4-nearest
 * neighbours (asymmetric); values with ties, counts with many zeros, and
 * the EB rates of those counts.
 * Tolerance: 1e-9 relative (1e-12 absolute floor for values near 0): the
 * methods are the same, only the order of summation differs. NA in R is
 * NaN here and must be NaN.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tanaw/tanaw.h"

#include <stdlib.h>
#include <string.h>

#define REL 1e-9
#define ABS 1e-12

/* ---- a tiny CSV table (no quoting: the goldens need none) ---- */
typedef struct table {
    char *text;
    size_t nrow, ncol;
    char **cell; /* nrow * ncol, row 0 = header */
} table;

static void table_free(table *t)
{
    free(t->text);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

static int table_read(const char *name, table *t)
{
    memset(t, 0, sizeof *t);
    const char *src = getenv("TANAW_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/golden/stats/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        harness_fail(__FILE__, __LINE__, "cannot open %s", path);
        return 0;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    t->text = malloc((size_t)len + 1);
    size_t got = fread(t->text, 1, (size_t)len, f);
    fclose(f);
    t->text[got] = '\0';
    size_t lines = 0, commas = 0;
    for (char *p = t->text; *p; p++) {
        lines += *p == '\n';
        commas += *p == ',';
    }
    t->cell = malloc((lines + commas + 2) * sizeof *t->cell);
    size_t k = 0;
    char *p = t->text;
    while (*p) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = '\0';
        size_t cols = 0;
        for (char *c = p;; cols++) {
            char *comma = strchr(c, ',');
            t->cell[k++] = c;
            if (!comma)
                break;
            *comma = '\0';
            c = comma + 1;
        }
        cols++;
        if (t->nrow == 0)
            t->ncol = cols;
        else if (cols != t->ncol)
            harness_fail(__FILE__, __LINE__, "%s: row %zu has %zu fields", name, t->nrow, cols);
        t->nrow++;
        if (!eol)
            break;
        p = eol + 1;
    }
    return 1;
}

static int col_of(const table *t, const char *name)
{
    for (size_t c = 0; c < t->ncol; c++)
        if (strcmp(t->cell[c], name) == 0)
            return (int)c;
    harness_fail(__FILE__, __LINE__, "no column %s", name);
    return 0;
}

static const char *cell(const table *t, size_t r, const char *name)
{
    return t->cell[r * t->ncol + (size_t)col_of(t, name)];
}

static double num(const table *t, size_t r, const char *name)
{
    const char *s = cell(t, r, name);
    return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL);
}

#define CHECK_REL(a, b, what, idx)                                                   \
    do {                                                                             \
        double _a = (a), _b = (b);                                                   \
        if (!((isnan(_a) && isnan(_b)) || fabs(_a - _b) <= REL * fabs(_b) + ABS))     \
            harness_fail(__FILE__, __LINE__, "%s [%zu]: %.17g, spdep %.17g", what,  \
                         (size_t)(idx), _a, _b);                                     \
    } while (0)

/* ---- inputs ---- */
static size_t graph_n(const table *x, const char *graph)
{
    for (size_t r = 1; r < x->nrow; r++)
        if (strcmp(cell(x, r, "graph"), graph) == 0)
            return (size_t)num(x, r, "n");
    return 0;
}

static double *graph_values(const table *x, const char *graph, const char *var)
{
    size_t n = graph_n(x, graph);
    double *v = malloc(n * sizeof *v);
    for (size_t r = 1; r < x->nrow; r++)
        if (strcmp(cell(x, r, "graph"), graph) == 0)
            v[(size_t)num(x, r, "i")] = num(x, r, var);
    return v;
}

static tw_weights *graph_weights(tw_ctx *ctx, const table *nb, const char *graph, size_t n,
                                 int self, const char *style)
{
    size_t *rowptr = calloc(n + 1, sizeof *rowptr);
    int32_t *col = malloc(nb->nrow * sizeof *col);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t r = 1; r < nb->nrow; r++)
            if (strcmp(cell(nb, r, "graph"), graph) == 0 && (size_t)num(nb, r, "i") == i)
                col[k++] = (int32_t)num(nb, r, "j");
        rowptr[i + 1] = k;
    }
    tw_weights *b = NULL, *w = NULL;
    CHECK_OK(ctx, tw_weights_from_lists(ctx, n, rowptr, col, NULL, &b));
    CHECK_OK(ctx, tw_weights_transform(ctx, b, self, strcmp(style, "W") == 0 ? TW_STYLE_W : TW_STYLE_B, &w));
    tw_weights_free(b);
    free(rowptr);
    free(col);
    return w;
}

/*
 * The per-area goldens: blocks of rows (one per graph, variable, style and
 * self) holding each area's statistic, expectation, variance, z and p in
 * the columns col[0..4], named what[0..4] in failures as spdep names them.
 * gistar: localG (Gi* when the block's self is 1, else Gi); otherwise
 * localmoran, without self-links.
 */
static void check_local(const char *golden, int gistar, const char *const col[5],
                        const char *const what[5])
{
    table nb, x, g;
    if (!table_read("nb.csv", &nb) || !table_read("x.csv", &x) || !table_read(golden, &g))
        return;
    tw_ctx *ctx = tw_ctx_new();
    size_t checked = 0;
    for (size_t r0 = 1; r0 < g.nrow;) {
        const char *graph = cell(&g, r0, "graph"), *var = cell(&g, r0, "var");
        int self = gistar ? (int)num(&g, r0, "self") : 0;
        size_t n = graph_n(&x, graph);
        double *v = graph_values(&x, graph, var);
        tw_weights *w = graph_weights(ctx, &nb, graph, n, self, cell(&g, r0, "style"));
        tw_local_opts o = {0};
        tw_local_result *res = NULL;
        if (gistar)
            CHECK_OK(ctx, tw_gistar_compute(ctx, w, v, self, &o, &res));
        else
            CHECK_OK(ctx, tw_lisa_compute(ctx, w, v, &o, &res));
        for (size_t i = 0; res && i < n; i++) {
            size_t r = r0 + i;
            CHECK_EQ_INT(num(&g, r, "i"), i);
            CHECK_REL(res->stat[i], num(&g, r, col[0]), what[0], i);
            CHECK_REL(res->expected[i], num(&g, r, col[1]), what[1], i);
            CHECK_REL(res->variance[i], num(&g, r, col[2]), what[2], i);
            CHECK_REL(res->z[i], num(&g, r, col[3]), what[3], i);
            CHECK_REL(res->p[i], num(&g, r, col[4]), what[4], i);
            checked++;
        }
        tw_local_result_free(ctx, res);
        tw_weights_free(w);
        free(v);
        r0 += n;
    }
    CHECK_EQ_INT(checked, g.nrow - 1);
    tw_ctx_free(ctx);
    table_free(&nb);
    table_free(&x);
    table_free(&g);
}

static void test_localG(void)
{
    const char *const col[5] = {"G", "EG", "VG", "Z", "P"};
    check_local("localG.csv", 1, col, col);
}

static void test_localmoran(void)
{
    const char *const col[5] = {"Ii", "EIi", "VarIi", "ZIi", "P"};
    const char *const what[5] = {"Ii", "E.Ii", "Var.Ii", "Z.Ii", "Pr"};
    check_local("localmoran.csv", 0, col, what);
}

static void test_moran(void)
{
    table nb, x, g;
    if (!table_read("nb.csv", &nb) || !table_read("x.csv", &x) || !table_read("moran.csv", &g))
        return;
    tw_ctx *ctx = tw_ctx_new();
    for (size_t r = 1; r < g.nrow; r++) {
        const char *graph = cell(&g, r, "graph");
        size_t n = graph_n(&x, graph);
        double *v = graph_values(&x, graph, cell(&g, r, "var"));
        tw_weights *w = graph_weights(ctx, &nb, graph, n, 0, cell(&g, r, "style"));
        tw_moran_result m;
        CHECK_OK(ctx, tw_moran_compute(ctx, w, v, 0, 1, &m));
        int rnd = (int)num(&g, r, "randomisation");
        CHECK_REL(m.I, num(&g, r, "I"), "I", r);
        CHECK_REL(m.expected, num(&g, r, "EI"), "E[I]", r);
        CHECK_REL(rnd ? m.variance_rand : m.variance_norm, num(&g, r, "VI"), "Var[I]", r);
        CHECK_REL(rnd ? m.z_rand : m.z_norm, num(&g, r, "Z"), "z", r);
        CHECK_REL(rnd ? m.p_rand : m.p_norm, num(&g, r, "P2"), "p two-sided", r);
        if (rnd)
            CHECK_REL(m.p_rand_greater, num(&g, r, "Pg"), "p greater", r);
        CHECK(isnan(m.p_perm) && isnan(m.p_perm_two_sided));
        tw_weights_free(w);
        free(v);
    }
    tw_ctx_free(ctx);
    table_free(&nb);
    table_free(&x);
    table_free(&g);
}

static void test_ebest(void)
{
    table e;
    if (!table_read("ebest.csv", &e))
        return;
    tw_ctx *ctx = tw_ctx_new();
    for (size_t r0 = 1; r0 < e.nrow;) {
        size_t n = 0;
        while (r0 + n < e.nrow && strcmp(cell(&e, r0 + n, "case"), cell(&e, r0, "case")) == 0)
            n++;
        double *cnt = malloc(n * sizeof *cnt), *pop = malloc(n * sizeof *pop);
        double *eb = malloc(n * sizeof *eb), *eb5 = malloc(n * sizeof *eb5), *raw = malloc(n * sizeof *raw);
        for (size_t i = 0; i < n; i++) {
            cnt[i] = num(&e, r0 + i, "n");
            pop[i] = num(&e, r0 + i, "x");
        }
        CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_EB, 1, cnt, pop, n, eb));
        CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_EB, 1e5, cnt, pop, n, eb5));
        CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_PER, 1, cnt, pop, n, raw));
        for (size_t i = 0; i < n; i++) {
            CHECK_REL(eb[i], num(&e, r0 + i, "est"), "EBest", i);
            CHECK_REL(eb5[i], num(&e, r0 + i, "est") * 1e5, "EBest * 1e5", i);
            CHECK_REL(raw[i], num(&e, r0 + i, "raw"), "raw", i);
            CHECK(eb[i] >= 0);
        }
        /* "hom" is the case where the moment estimate of a is negative
         * (clipped to 0): every estimate is then the global rate b. */
        if (strcmp(cell(&e, r0, "case"), "hom") == 0) {
            CHECK(num(&e, r0, "a") == 0);
            for (size_t i = 0; i < n; i++)
                CHECK_REL(eb[i], num(&e, r0, "b"), "EB = b", i);
        }
        free(cnt);
        free(pop);
        free(eb);
        free(eb5);
        free(raw);
        r0 += n;
    }
    /* the rates analysed in the localG/localmoran goldens: EBest * 1e5 */
    table x;
    if (table_read("x.csv", &x)) {
        const char *graphs[] = {"grid", "knn"};
        for (int gi = 0; gi < 2; gi++) {
            size_t n = graph_n(&x, graphs[gi]);
            double *cnt = graph_values(&x, graphs[gi], "xn");
            double *pop = graph_values(&x, graphs[gi], "pop");
            double *xr = graph_values(&x, graphs[gi], "xr");
            double *out = malloc(n * sizeof *out);
            CHECK_OK(ctx, tw_rate_compute(ctx, TW_RATE_EB, 1e5, cnt, pop, n, out));
            for (size_t i = 0; i < n; i++)
                CHECK_REL(out[i], xr[i], "EBest * 1e5 (x.csv)", i);
            free(cnt);
            free(pop);
            free(xr);
            free(out);
        }
        table_free(&x);
    }
    tw_ctx_free(ctx);
    table_free(&e);
}

static void test_padjust(void)
{
    table e;
    if (!table_read("padjust.csv", &e))
        return;
    tw_ctx *ctx = tw_ctx_new();
    for (size_t r0 = 1; r0 < e.nrow;) {
        size_t n = 0;
        while (r0 + n < e.nrow && strcmp(cell(&e, r0 + n, "case"), cell(&e, r0, "case")) == 0)
            n++;
        double *p = malloc(n * sizeof *p), *o = malloc(n * sizeof *o);
        for (size_t i = 0; i < n; i++)
            p[i] = num(&e, r0 + i, "p");
        CHECK_OK(ctx, tw_p_adjust(ctx, TW_CORRECT_BONFERRONI, p, n, o));
        for (size_t i = 0; i < n; i++)
            CHECK_REL(o[i], num(&e, r0 + i, "bonferroni"), "bonferroni", i);
        CHECK_OK(ctx, tw_p_adjust(ctx, TW_CORRECT_FDR, p, n, o));
        for (size_t i = 0; i < n; i++)
            CHECK_REL(o[i], num(&e, r0 + i, "BH"), "BH", i);
        /* in place */
        CHECK_OK(ctx, tw_p_adjust(ctx, TW_CORRECT_FDR, p, n, p));
        for (size_t i = 0; i < n; i++)
            CHECK_REL(p[i], num(&e, r0 + i, "BH"), "BH in place", i);
        free(p);
        free(o);
        r0 += n;
    }
    tw_ctx_free(ctx);
    table_free(&e);
}

int main(void)
{
    RUN(test_localG);
    RUN(test_localmoran);
    RUN(test_moran);
    RUN(test_ebest);
    RUN(test_padjust);
    return harness_finish();
}
