/*
 * cmd_moran.c: `tanaw moran`: global Moran's I of the analysed variable
 * (moran.test with randomisation and normality, moran.mc permutations),
 * written as a one-row CSV.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <string.h>

static const cli_optspec moran_opts[] = {
    {"permutations", 1, 0, "N", "permutations for the pseudo p-value (default 999; 0 = none)"},
    {"style", 1, 0, "B|W", "weights style (default W, as nb2listw)"},
    {"out", 1, 0, "FILE.csv", "one-row table: I,expected,variance,z,p,p_perm,..."},
};

static void num(FILE *f, double v)
{
    if (isnan(v))
        return;
    fprintf(f, "%.17g", v);
}

int cmd_moran(int argc, char **argv)
{
    cli_optspec spec[64];
    memcpy(spec, cli_analysis_opts, cli_analysis_nopts * sizeof spec[0]);
    memcpy(spec + cli_analysis_nopts, moran_opts, sizeof moran_opts);
    size_t ns = cli_analysis_nopts + sizeof moran_opts / sizeof moran_opts[0];
    memcpy(spec + ns, cli_public_opts, cli_public_nopts * sizeof spec[0]);
    ns += cli_public_nopts;
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
    const char *out = cli_get(&a, "out");
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) {
            fprintf(stderr, "tanaw: %s: cannot open for writing\n", out);
            rc = EXIT_OUTPUT;
            goto done;
        }
        fprintf(f, "I,expected,variance,z,p,p_perm,variance_normality,z_normality,p_normality,"
                   "p_perm_two_sided,permutations,n,weights,variable\n");
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
        fprintf(f, ",%ld,%zu,%s,%s\n", perms, tw_areas_count(an.areas), an.weights_text, an.variable_label);
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
