/*
 * cmd_weights.c: `tanaw weights`: build spatial weights for the areas,
 * print a summary (links, areas without neighbours, connected components),
 * write them as GeoDa GAL/GWT, and optionally compare the neighbour pairs
 * with a reference list (e.g. barangays_neighbours.csv).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const cli_optspec opts[] = {
    {"areas", 1, 1, "FILE", "areas: GeoJSON FeatureCollection or CSV, joined by id"},
    {"id-field", 1, 0, "NAME", "id property/column of the areas (default psgc)"},
    {"name-field", 1, 0, "NAME", "name property/column (default name)"},
    {"level", 1, 0, "LEVEL", "dissolve the areas to region|province|municipality first"},
    {"weights", 1, 0, "SPEC", "queen|rook|queen:100m|knn:K|band:KM|idw:KM|gal:FILE|gwt:FILE (+islands:K)"},
    {"out", 1, 0, "FILE.gal|FILE.gwt", "write the weights in GeoDa's format"},
    {"compare", 1, 0, "FILE", "reference neighbour pairs CSV (columns a,b): recall and extra pairs"},
    {"threads", 1, 0, "N", "threads"},
    {"quiet", 0, 0, NULL, "no progress or notes on stderr"},
};

typedef struct pair {
    int32_t a, b;
} pair;

static int cmp_pair(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

/* Compare undirected pairs of w with the reference CSV (a,b columns of area ids). */
static int compare_reference(tw_ctx *ctx, const tw_areas *areas, const tw_weights *w,
                             const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "tanaw: %s: cannot open\n", path);
        return EXIT_INPUT;
    }
    size_t cap = 1024, n = 0, skipped = 0;
    pair *ref = malloc(cap * sizeof *ref);
    char line[512];
    long lineno = 0;
    while (ref && fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1)
            continue; /* header */
        char *c1 = strchr(line, ',');
        if (!c1)
            continue;
        *c1 = '\0';
        char *c2 = strchr(c1 + 1, ',');
        if (c2)
            *c2 = '\0';
        else
            c1[1 + strcspn(c1 + 1, "\r\n")] = '\0';
        long i = tw_areas_find(areas, line), j = tw_areas_find(areas, c1 + 1);
        if (i < 0 || j < 0 || i == j) {
            skipped++;
            continue;
        }
        if (n == cap) {
            cap *= 2;
            pair *r2 = realloc(ref, cap * sizeof *ref);
            if (!r2) {
                free(ref);
                ref = NULL;
                break;
            }
            ref = r2;
        }
        ref[n++] = (pair){(int32_t)(i < j ? i : j), (int32_t)(i < j ? j : i)};
    }
    fclose(f);
    if (!ref)
        return EXIT_INTERNAL;
    qsort(ref, n, sizeof *ref, cmp_pair);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (k == 0 || cmp_pair(&ref[k], &ref[m - 1]) != 0)
            ref[m++] = ref[k];
    n = m;
    size_t found = 0, ours = 0, extra = 0;
    for (size_t i = 0; i < tw_weights_n(w); i++) {
        const int32_t *nbr;
        size_t len = tw_weights_row(w, i, &nbr, NULL);
        for (size_t k = 0; k < len; k++) {
            if ((size_t)nbr[k] <= i)
                continue;
            ours++;
            pair p = {(int32_t)i, nbr[k]};
            if (bsearch(&p, ref, n, sizeof *ref, cmp_pair))
                found++;
            else
                extra++;
        }
    }
    printf("reference %s: %zu pairs among these areas (%zu rows skipped: ids not in the areas)\n",
           path, n, skipped);
    printf("recovered %zu of %zu reference pairs (recall %.4f); %zu pairs not in the reference "
           "(%.4f of ours)\n",
           found, n, n ? (double)found / (double)n : 0.0, extra, ours ? (double)extra / (double)ours : 0.0);
    free(ref);
    (void)ctx;
    return EXIT_OK;
}

int cmd_weights(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, opts, sizeof opts / sizeof opts[0], argc, argv,
                       "tanaw weights --areas FILE --weights SPEC [--out FILE.gal|FILE.gwt]",
                       "Build spatial weights, summarise them (links, areas without neighbours,\n"
                       "connected components) and write them as GeoDa GAL or GWT files.");
    if (rc >= 0)
        return rc;
    cli_analysis an;
    memset(&an, 0, sizeof an);
    if (!(an.ctx = cli_ctx_new(&a)))
        return EXIT_USAGE;
    if ((rc = cli_load_areas(&an, &a, false)) || (rc = cli_make_weights(&an, &a))) {
        cli_analysis_free(&an);
        return rc;
    }
    cli_progress_done();
    tw_weights_summary ws;
    tw_status s = tw_weights_summarise(an.ctx, an.nb, &ws);
    if (s) {
        cli_report(an.ctx, "weights");
        rc = cli_exit_for(s);
        goto done;
    }
    printf("weights %s on %zu %s areas\n", an.weights_text, ws.n, tw_level_name(an.level));
    printf("links: %zu directed (%s), mean %.3f neighbours, min %zu, max %zu\n", ws.links,
           ws.symmetric ? "symmetric" : "not symmetric", ws.mean_neighbours, ws.min_neighbours,
           ws.max_neighbours);
    printf("areas without neighbours: %zu\n", ws.islands);
    printf("connected components: %zu (largest %zu areas)\n", ws.components, ws.largest_component);
    const char *cmp = cli_get(&a, "compare");
    if (cmp && (rc = compare_reference(an.ctx, an.areas, an.nb, cmp)))
        goto done;
    const char *out = cli_get(&a, "out");
    if (out) {
        size_t n = strlen(out);
        if (n > 4 && strcasecmp(out + n - 4, ".gal") == 0)
            s = tw_weights_write_gal(an.ctx, an.nb, an.areas, out);
        else if (n > 4 && strcasecmp(out + n - 4, ".gwt") == 0)
            s = tw_weights_write_gwt(an.ctx, an.nb, an.areas, out);
        else {
            fprintf(stderr, "tanaw: --out: give a .gal or .gwt file name\n");
            rc = EXIT_USAGE;
            goto done;
        }
        if (s) {
            cli_report(an.ctx, out);
            rc = EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s", out);
    }
done:
    cli_analysis_free(&an);
    return rc;
}
