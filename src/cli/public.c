/*
 * public.c: --public on every analysis command. gistar, lisa and moran:
 * counts are published through tw_publish_compute (noise with --epsilon,
 * small counts and their complements withheld), the statistics are
 * computed from the public view of the counts, and every output (CSV,
 * GeoJSON, map, stdout, --totals) shows only what the publication allows:
 * withheld counts and their rates are empty, a `suppressed` column flags
 * them, and the stdout summary prints only published totals. scan and
 * emerging: one publication over the cube's cells, the areas and their
 * totals (tw_publish_cube), statistics from its (whole-number, for the
 * scan) public view. kde: a surface masked where fewer than --min-count
 * cases weigh in, rounded, from a bandwidth of at least 5 km. Rules and
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

/* The options common to every public command; false (message printed) on misuse.
   check_only: the values only (no noise seed drawn, no note), before any
   input is read. */
static int public_opts_ex(const cli_args *a, bool pub, tw_publish_opts *o, bool check_only)
{
    const char *mc = cli_get(a, "min-count"), *ep = cli_get(a, "epsilon");
    const char *ns = cli_get(a, "noise-seed");
    if (!pub && (mc || ep || ns)) {
        fprintf(stderr, "tanaw: --min-count, --epsilon and --noise-seed need --public\n");
        return EXIT_USAGE;
    }
    if (pub && cli_flag(a, "by-source")) {
        fprintf(stderr, "tanaw: --by-source cannot be used with --public: per-source counts "
                        "are small and are not published\n");
        return EXIT_USAGE;
    }
    memset(o, 0, sizeof *o);
    o->min_count = pub ? 10 : 1; /* --totals alone: exact totals of an internal run */
    if (mc && !cli_double("min-count", mc, 1, 1e9, &o->min_count))
        return EXIT_USAGE;
    if (ep && !cli_double("epsilon", ep, 1e-6, 1000, &o->epsilon))
        return EXIT_USAGE;
    if (ns && !ep) {
        fprintf(stderr, "tanaw: --noise-seed needs --epsilon\n");
        return EXIT_USAGE;
    }
    if (check_only)
        return ns && !cli_uint64("noise-seed", ns, &o->noise_seed) ? EXIT_USAGE : EXIT_OK;
    if (ns) {
        if (!cli_uint64("noise-seed", ns, &o->noise_seed))
            return EXIT_USAGE;
        cli_note("--noise-seed: whoever knows this seed can remove the noise; use it for tests only");
    } else if (ep && !random_seed(&o->noise_seed)) {
        fprintf(stderr, "tanaw: --epsilon: cannot read /dev/urandom for a secret noise seed\n");
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

/*
 * Tests only (TANAW_TEST_PUBLIC_NO_COMPLEMENTS): show every withheld count
 * that is not below the threshold, i.e. switch complementary suppression
 * off, so that tests/cli/test_public.sh can see the attack succeed.
 */
static void break_complements(tw_publication *p, const double *count, const double *cube)
{
    size_t nn = p->n + p->n_totals, L = p->n * p->n_steps;
    double *v = calloc(nn, sizeof *v);
    if (!v)
        return;
    for (size_t c = 0; c < L; c++)
        v[c % p->n] += cube[c];
    for (size_t i = 0; !L && i < p->n; i++)
        v[i] = count[i];
    for (size_t k = 0; k + 1 < nn; k++)
        v[p->parent[k]] += v[k];
    for (size_t k = 0; k < nn; k++)
        if (p->suppressed[k] && !(v[k] > 0 && v[k] < p->min_count)) {
            p->suppressed[k] = 0;
            p->count[k] = v[k];
        }
    for (size_t c = 0; c < L; c++)
        if (p->cell_suppressed[c] && !(cube[c] > 0 && cube[c] < p->min_count)) {
            p->cell_suppressed[c] = 0;
            p->cell_count[c] = cube[c];
        }
    free(v);
}

static int public_opts(const cli_args *a, bool pub, tw_publish_opts *o)
{
    return public_opts_ex(a, pub, o, false);
}

int cli_public_check(const cli_args *a)
{
    tw_publish_opts o;
    return public_opts_ex(a, cli_flag(a, "public"), &o, true);
}

int cli_public_apply_cube(cli_analysis *an, const cli_args *a, double *cube, size_t steps,
                          bool whole)
{
    bool pub = cli_flag(a, "public");
    const char *tot = cli_get(a, "totals");
    tw_publish_opts o;
    int rc = public_opts(a, pub, &o);
    if (rc || (!pub && !tot))
        return rc;
    tw_publication *p = NULL;
    tw_status s = cube ? tw_publish_cube(an->ctx, an->areas, cube, steps, &o, &p)
                       : tw_publish_compute(an->ctx, an->areas, an->count, &o, &p);
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
    if (getenv("TANAW_TEST_PUBLIC_NO_COMPLEMENTS"))
        break_complements(p, an->count, cube);
    /* from here on the analysis sees only the public view of the counts */
    an->pub = p;
    if (whole) {
        tw_status ws = tw_publish_view_whole(an->ctx, p, an->areas, an->count, cube);
        if (ws)
            cli_report(an->ctx, "--public");
        return ws ? cli_exit_for(ws) : EXIT_OK;
    }
    for (size_t i = 0; i < p->n; i++)
        an->count[i] = p->view[i];
    for (size_t c = 0; cube && c < p->n * steps; c++)
        cube[c] = p->cell_view[c];
    return EXIT_OK;
}

int cli_public_apply(cli_analysis *an, const cli_args *a)
{
    return cli_public_apply_cube(an, a, NULL, 0, false);
}

int cli_public_scan(cli_analysis *an, const cli_args *a, double *cube, size_t steps)
{
    if (!cli_flag(a, "public"))
        return cli_public_apply_cube(an, a, NULL, 0, false); /* --totals alone */
    if (getenv("TANAW_TEST_PUBLIC_SCAN_LEAK")) {
        /* tests only (purely spatial): the scan sees the real counts, so that
           the attack on the cluster table (tests/cli/public_attack.py) can be
           seen to work */
        size_t n = tw_areas_count(an->areas);
        double *keep = malloc((n + 1) * sizeof *keep);
        if (!keep)
            return EXIT_INTERNAL;
        memcpy(keep, an->count, n * sizeof *keep);
        int rc = cli_public_apply_cube(an, a, NULL, 0, true);
        memcpy(an->count, keep, n * sizeof *keep);
        free(keep);
        return rc;
    }
    if (!cube)
        return cli_public_apply_cube(an, a, NULL, 0, true);
    /* the scan's cube is area-major (i * steps + t); publication is step-major */
    size_t n = tw_areas_count(an->areas);
    double *sm = malloc((n * steps + 1) * sizeof *sm);
    if (!sm)
        return EXIT_INTERNAL;
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < steps; t++)
            sm[t * n + i] = cube[i * steps + t];
    int rc = cli_public_apply_cube(an, a, sm, steps, true);
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t t = 0; t < steps; t++)
            cube[i * steps + t] = sm[t * n + i];
    free(sm);
    return rc;
}

void cli_public_scan_clusters(const cli_analysis *an, tw_scan_result *r)
{
    /*
     * The clusters come from the public view, so they reveal nothing more
     * than the per-area table; but a small observed count reads as a
     * count of real cases, and LLR, RR, O/E and p are monotone in it given
     * the expected count: all withheld together, as in the area table.
     */
    if (!an->pub)
        return;
    for (size_t k = 0; k < r->n_clusters; k++) {
        tw_scan_cluster *c = &r->clusters[k];
        if (c->observed > 0 && c->observed < an->pub->min_count)
            c->observed = c->rr = c->oe = c->llr = c->p = c->p_gumbel = c->recurrence = NAN;
    }
}

int cli_public_kde(const cli_args *a, double sigma_m, bool bandwidth_given, double *min_count)
{
    tw_publish_opts o;
    bool pub = cli_flag(a, "public");
    int rc = public_opts(a, pub, &o);
    *min_count = 0;
    if (rc || !pub)
        return rc;
    if (o.epsilon > 0 || cli_get(a, "totals")) {
        fprintf(stderr, "tanaw: kde --public: --epsilon and --totals are not offered (a surface "
                        "has no table of counts; docs/publication.md)\n");
        return EXIT_USAGE;
    }
    if (!bandwidth_given || sigma_m < CLI_PUBLIC_KDE_MIN_BW_KM * 1000) {
        fprintf(stderr, "tanaw: kde --public needs --bandwidth KM of at least %g km (a rule's "
                        "bandwidth is computed from the points; a small one shows single cases)\n",
                CLI_PUBLIC_KDE_MIN_BW_KM);
        return EXIT_USAGE;
    }
    *min_count = o.min_count;
    return EXIT_OK;
}

size_t cli_public_kde_mask(double *dens, size_t cells, double peak_one, double min_count)
{
    /* peak_one: the kernel's value at its centre, what one case adds there
       at most; dens / peak_one is the kernel-weighted number of cases */
    size_t masked = 0;
    for (size_t c = 0; c < cells; c++) {
        double w = dens[c] / peak_one;
        if (!(w >= min_count)) { /* fewer cases weigh in here (or nodata already) */
            dens[c] = NAN;
            masked++;
        } else {
            dens[c] = floor(w + 0.5) * peak_one; /* whole cases at the kernel's centre */
        }
    }
    return masked;
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
    static const char *const safe[] = {"expected", "variance",      "p_perm",
                                       "z_perm",   "quadrant_code", "neighbours"};
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
    if (p->n_steps)
        printf("public output: counts below %.0f withheld (zeros too in the cube), with "
               "complements: %zu of %zu cells, areas and totals withheld\n", p->min_count,
               p->n_suppressed, nn + p->n * p->n_steps);
    else
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
