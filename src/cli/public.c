/*
 * public.c: --public on the analysis commands (gistar, lisa, moran):
 * counts are published through tw_publish_compute (noise with --epsilon,
 * small counts and their complements withheld), the statistics are
 * computed from the public view of the counts, and every output (CSV,
 * GeoJSON, map, stdout, --totals) shows only what the publication allows:
 * withheld counts and their rates are empty, a `suppressed` column flags
 * them, and the stdout summary prints only published totals. Rules and
 * guarantee: docs/publication.md. Case-level rows are never written: the
 * rejects file is not written in public mode unless --rejects names it.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const cli_optspec cli_public_opts[] = {
    {"public", 0, 0, NULL, "aggregate output fit to publish: small counts withheld with their "
                           "complements (docs/publication.md)"},
    {"min-count", 1, 0, "N", "with --public: counts below N are withheld (default 10)"},
    {"epsilon", 1, 0, "E", "with --public: differential-privacy noise on the counts (epsilon per record)"},
    {"noise-seed", 1, 0, "S", "with --epsilon: seed of the noise, for tests only (default: random; "
                              "whoever knows it can remove the noise)"},
    {"totals", 1, 0, "FILE.csv", "every area and ancestor total with its parent (withheld counts empty)"},
};
const size_t cli_public_nopts = sizeof cli_public_opts / sizeof cli_public_opts[0];

static bool random_seed(uint64_t *out)
{
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f)
        return false;
    bool ok = fread(out, sizeof *out, 1, f) == 1;
    fclose(f);
    return ok;
}

int cli_public_apply(cli_analysis *an, const cli_args *a)
{
    bool pub = cli_flag(a, "public");
    const char *mc = cli_get(a, "min-count"), *ep = cli_get(a, "epsilon");
    const char *ns = cli_get(a, "noise-seed"), *tot = cli_get(a, "totals");
    if (!pub && (mc || ep || ns)) {
        fprintf(stderr, "tanaw: --min-count, --epsilon and --noise-seed need --public\n");
        return EXIT_USAGE;
    }
    if (!pub && !tot)
        return EXIT_OK;
    tw_publish_opts o;
    memset(&o, 0, sizeof o);
    o.min_count = pub ? 10 : 1; /* --totals alone: exact totals of an internal run */
    if (mc && !cli_double("min-count", mc, 1, 1e9, &o.min_count))
        return EXIT_USAGE;
    if (ep && !cli_double("epsilon", ep, 1e-6, 1000, &o.epsilon))
        return EXIT_USAGE;
    if (ns && !ep) {
        fprintf(stderr, "tanaw: --noise-seed needs --epsilon\n");
        return EXIT_USAGE;
    }
    if (ns) {
        if (!cli_uint64("noise-seed", ns, &o.noise_seed))
            return EXIT_USAGE;
        cli_note("--noise-seed: whoever knows this seed can remove the noise; use it for tests only");
    } else if (ep && !random_seed(&o.noise_seed)) {
        fprintf(stderr, "tanaw: --epsilon: cannot read /dev/urandom for a secret noise seed\n");
        return EXIT_INTERNAL;
    }
    tw_publication *p = NULL;
    tw_status s = tw_publish_compute(an->ctx, an->areas, an->count, &o, &p);
    if (s) {
        cli_progress_done();
        cli_report(an->ctx, "--public");
        return s == TW_E_ARG ? EXIT_USAGE : cli_exit_for(s);
    }
    if (tot) {
        s = tw_publish_write_totals_csv(an->ctx, p, an->areas, tot);
        if (s) {
            cli_report(an->ctx, tot);
            tw_publication_free(an->ctx, p);
            return EXIT_OUTPUT;
        }
        cli_note("wrote %s", tot);
    }
    if (!pub) {
        tw_publication_free(an->ctx, p);
        return EXIT_OK;
    }
    /* from here on the analysis sees only the public view of the counts */
    for (size_t i = 0; i < p->n; i++)
        an->count[i] = p->view[i];
    an->pub = p;
    return EXIT_OK;
}

size_t cli_public_table(cli_analysis *an, const tw_extra_column *extra, size_t n_extra,
                        tw_extra_column *out, size_t cap)
{
    const tw_publication *p = an->pub;
    for (size_t i = 0; i < p->n; i++)
        an->count[i] = p->count[i];
    tw_publish_withhold(p, an->x); /* a rate times the population gives the count back */
    /*
     * Extra columns pass only when known to be statistics of the public
     * view; anything else (allocated or split counts) may be a count of
     * its own and is left out.
     */
    static const char *const safe[] = {"expected", "variance", "p_perm", "z_perm", "quadrant_code"};
    size_t m = 0;
    for (size_t j = 0; j < n_extra && m + 1 < cap; j++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof safe / sizeof safe[0]; k++)
            ok |= strcmp(extra[j].name, safe[k]) == 0;
        if (ok)
            out[m++] = extra[j];
        else
            cli_note("--public: column %s left out", extra[j].name);
    }
    out[m++] = (tw_extra_column){"suppressed", NULL, p->suppressed};
    return m;
}

void cli_public_print_inputs(const cli_analysis *an)
{
    const tw_publication *p = an->pub;
    size_t nn = p->n + p->n_totals;
    printf("areas: %zu %s areas\n", tw_areas_count(an->areas), tw_level_name(an->level));
    printf("public output: counts below %.0f withheld, with complements: %zu of %zu areas and "
           "totals withheld\n", p->min_count, p->n_suppressed, nn);
    if (p->epsilon > 0)
        printf("noise: two-sided geometric, epsilon %g per record; every count shown is noisy\n",
               p->epsilon);
    if (p->suppressed[nn - 1])
        printf("national total: withheld\n");
    else
        printf("national total: %.0f\n", p->count[nn - 1]);
    if (p->n_suppressed)
        printf("audit: every withheld count keeps at least %.0f possible values given all "
               "that is published (narrowest range %.0f)\n",
               floor((p->min_count - 1) / 2) < 1 ? 2 : floor((p->min_count - 1) / 2) + 1,
               p->narrowest);
    tw_weights_summary ws;
    if (an->nb && tw_weights_summarise(an->ctx, an->nb, &ws) == TW_OK)
        printf("weights %s: %zu links, mean %.2f neighbours (min %zu, max %zu), "
               "%zu without neighbours, %zu components\n",
               an->weights_text, ws.links, ws.mean_neighbours, ws.min_neighbours,
               ws.max_neighbours, ws.islands, ws.components);
}
