/*
 * cmd_moran.c: `tanaw moran`: global Moran's I of the analysed variable
 * (moran.test with randomisation and normality, moran.mc permutations),
 * written as a one-row CSV; with --by-source, Moran's I of each source's
 * records alone and of the records without each source.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_optspec moran_opts[] = {
    {"permutations", 1, 0, "N", "permutations for the pseudo p-value (default 999; 0 = none)"},
    {"style", 1, 0, "B|W", "weights style (default W, as nb2listw)"},
    {"out", 1, 0, "FILE.csv", "one-row table: I,expected,variance,z,p,p_perm,..."},
    {"by-source", 0, 0, NULL, "also Moran's I of each source alone and of the records without it"},
    {"by-source-out", 1, 0, "FILE.csv", "with --by-source: one row per source"},
};

static void num(FILE *f, double v) { tw_csv_write_double(f, v); }

/* I,z,p,p_perm of m (empty fields when m is NULL: no I). */
static void fields(FILE *f, const tw_moran_result *m, long perms)
{
    if (!m) {
        fputs(",,,", f);
        return;
    }
    num(f, m->I), fputc(',', f), num(f, m->z_rand), fputc(',', f);
    num(f, m->p_rand), fputc(',', f), num(f, perms > 0 ? m->p_perm : NAN);
}

/* Moran's I of the variable made from counts cnt (the --rate of the run). */
static tw_status moran_of(cli_analysis *an, const tw_weights *w, const double *cnt, double *x,
                          long perms, tw_moran_result *m)
{
    tw_status s = tw_rate_compute(an->ctx, an->rate_kind, an->rate_per, cnt, an->population,
                                  tw_areas_count(an->areas), x);
    if (!s)
        s = tw_moran_compute(an->ctx, w, x, (int)perms, tw_ctx_seed(an->ctx), m);
    cli_progress_done();
    cli_warnings(an->ctx, true);
    return s;
}

/*
 * --by-source: does each source's pattern cluster on its own, and does the
 * clustering of all records depend on one source? Moran's I of each
 * source's records alone and of all records without that source, with the
 * same weights, rate and permutations (a source with no variation, e.g. a
 * single record, has no I: empty fields).
 */
static int report_sources(cli_analysis *an, const cli_args *a, const tw_weights *w, long perms,
                          const tw_moran_result *all)
{
    size_t n = tw_areas_count(an->areas), ns = an->n_by_source;
    const char *path = cli_get(a, "by-source-out");
    double *cnt = malloc((n ? n : 1) * sizeof *cnt), *x = malloc((n ? n : 1) * sizeof *x);
    FILE *f = NULL;
    int rc = cnt && x ? EXIT_OK : EXIT_INTERNAL;
    if (!rc && path && !(f = fopen(path, "w"))) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        rc = EXIT_OUTPUT;
    }
    if (f)
        fprintf(f, "source,count,share,I,z,p,p_perm,I_without,z_without,p_without,p_perm_without\n");
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += an->count[i];
    if (!rc)
        printf("by source (I of the source's records alone; I of all records without it; "
               "all records: I = %.4f, z = %.3f):\n", all->I, all->z_rand);
    for (size_t k = 0; k < ns && !rc; k++) {
        tw_moran_result one, wo;
        double c = 0;
        for (size_t i = 0; i < n; i++) {
            cnt[i] = an->source_count[k][i];
            c += cnt[i];
        }
        tw_status s1 = moran_of(an, w, cnt, x, perms, &one);
        for (size_t i = 0; i < n; i++)
            cnt[i] = an->count[i] > an->source_count[k][i] ? an->count[i] - an->source_count[k][i] : 0;
        tw_status s2 = moran_of(an, w, cnt, x, perms, &wo);
        if (s1 == TW_E_NOMEM || s2 == TW_E_NOMEM) {
            rc = EXIT_INTERNAL;
            break;
        }
        double sh = total > 0 ? c / total : 0;
        printf("  %-20s %8.0f records (%5.1f%%)  alone: ", an->source_name[k], c, 100 * sh);
        if (s1)
            printf("%-26s", "no I (no variation)");
        else
            printf("I %7.4f z %7.3f p %-8.3g", one.I, one.z_rand, one.p_rand);
        printf("  without: ");
        if (s2)
            printf("no I (no variation)\n");
        else
            printf("I %7.4f z %7.3f p %.3g\n", wo.I, wo.z_rand, wo.p_rand);
        if (f) {
            fprintf(f, "%s,%.17g,%.6f,", an->source_name[k], c, sh);
            fields(f, s1 ? NULL : &one, perms);
            fputc(',', f);
            fields(f, s2 ? NULL : &wo, perms);
            fputc('\n', f);
        }
    }
    if (f && fclose(f) != 0 && !rc) {
        fprintf(stderr, "tanaw: --by-source-out %s: cannot write\n", path);
        rc = EXIT_OUTPUT;
    } else if (f && !rc)
        cli_note("wrote %s", path);
    free(cnt);
    free(x);
    return rc;
}

int cmd_moran(int argc, char **argv)
{
    cli_optspec spec[CLI_MAX_OPTS];
    size_t ns = 0;
    cli_spec_add(spec, &ns, cli_analysis_opts, cli_analysis_nopts, NULL);
    cli_spec_add(spec, &ns, moran_opts, sizeof moran_opts / sizeof moran_opts[0], NULL);
    cli_spec_add(spec, &ns, cli_public_opts, cli_public_nopts, NULL);
    cli_args a;
    int rc = cli_parse(&a, spec, ns, argc, argv,
                       "tanaw moran --areas FILE --cases FILE [options]",
                       "Global Moran's I with analytic inference under randomisation and normality\n"
                       "(as spdep moran.test) and a permutation pseudo p-value (as moran.mc).");
    if (rc >= 0)
        return rc;
    long perms = 999;
    const char *p = cli_get(&a, "permutations");
    if (p && !cli_int("permutations", p, 0, 1000000, &perms))
        return EXIT_USAGE;
    tw_wstyle style = TW_STYLE_W;
    const char *st = cli_get(&a, "style");
    if (st && strcmp(st, "W") != 0 && strcmp(st, "B") != 0) {
        fprintf(stderr, "tanaw: --style: expected B or W, got '%s'\n", st);
        return EXIT_USAGE;
    }
    if (st && st[0] == 'B')
        style = TW_STYLE_B;
    cli_analysis an;
    memset(&an, 0, sizeof an);
    if ((rc = cli_by_source_opts(&a, &an.by_source)))
        return rc;
    if (!(an.ctx = cli_ctx_new(&a)))
        return EXIT_USAGE;
    if ((rc = cli_analysis_prepare(&an, &a))) {
        cli_analysis_free(&an);
        return rc;
    }
    tw_weights *w = NULL;
    tw_moran_result m;
    tw_status s = tw_weights_transform(an.ctx, an.nb, 0, style, &w);
    if (!s)
        s = tw_moran_compute(an.ctx, w, an.x, (int)perms, tw_ctx_seed(an.ctx), &m);
    cli_progress_done();
    if (s) {
        cli_report(an.ctx, "Moran's I");
        rc = cli_exit_for(s);
        goto done;
    }
    printf("global Moran's I of %s\n", an.variable_label);
    cli_analysis_print_inputs(&an);
    printf("I = %.6f, E[I] = %.6f, Var[I] = %.6g (randomisation)\n", m.I, m.expected, m.variance_rand);
    printf("z = %.4f, p = %.4g (two-sided, randomisation); z = %.4f, p = %.4g (normality)\n",
           m.z_rand, m.p_rand, m.z_norm, m.p_norm);
    if (perms > 0)
        printf("permutation p = %.4g (one-sided, greater; %ld permutations)\n", m.p_perm, perms);
    if (an.by_source && (rc = report_sources(&an, &a, w, perms, &m)))
        goto done;
    const char *out = cli_get(&a, "out");
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) {
            fprintf(stderr, "tanaw: %s: cannot open for writing\n", out);
            rc = EXIT_OUTPUT;
            goto done;
        }
        fprintf(f, "I,expected,variance,z,p,p_perm,variance_normality,z_normality,p_normality,"
                   "p_perm_two_sided,permutations,n,weights,variable,p_greater\n");
        num(f, m.I); fputc(',', f);
        num(f, m.expected); fputc(',', f);
        num(f, m.variance_rand); fputc(',', f);
        num(f, m.z_rand); fputc(',', f);
        num(f, m.p_rand); fputc(',', f);
        num(f, m.p_perm); fputc(',', f);
        num(f, m.variance_norm); fputc(',', f);
        num(f, m.z_norm); fputc(',', f);
        num(f, m.p_norm); fputc(',', f);
        num(f, m.p_perm_two_sided);
        fprintf(f, ",%ld,%zu,%s,%s,", perms, tw_areas_count(an.areas), an.weights_text,
                an.variable_label);
        num(f, m.p_rand_greater); /* moran.test's default: one-sided, greater */
        fputc('\n', f);
        if (fclose(f) != 0) {
            fprintf(stderr, "tanaw: %s: write failed\n", out);
            rc = EXIT_OUTPUT;
            goto done;
        }
        cli_note("wrote %s", out);
    }
done:
    tw_weights_free(w);
    cli_analysis_free(&an);
    return rc;
}
