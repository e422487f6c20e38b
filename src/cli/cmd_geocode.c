/*
 * cmd_geocode.c: `tanaw geocode`: place written Philippine addresses on
 * PSGC codes with the gazetteer built from PSA's PSGC publication datafile
 * (CSV export). A CSV of records gets psgc, level, outcome, score,
 * candidates and n_candidates appended (tw_geocode_csv); --address geocodes
 * addresses given on the command line and prints one line each. Rules,
 * outcomes and measured accuracy: docs/geocode.md. Also `tanaw geo crosswalk`:
 * PSGC codes brought from one version to another (crosswalk.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const cli_optspec opts[] = {
    {"psgc", 1, 0, "FILE", "PSA PSGC publication datafile, saved as CSV (required)"},
    {"in", 1, 0, "FILE.csv", "records to geocode ('-' = standard input)"},
    {"column", 1, 0, "NAME", "column holding the written address (default address)"},
    {"out", 1, 0, "FILE.csv", "where the records go with the added columns ('-' = standard output)"},
    {"records", 1, 0, "FILE.csv", "records for tanaw db ingest and the analyses: the input's columns "
                                  "without the address, + psgc, location_precision; only rows placed "
                                  "with confidence (needs --review)"},
    {"review", 1, 0, "FILE.csv", "with --records: every other row (ambiguous, not found, invalid, "
                                 "score below --min-score), with the candidates and why"},
    {"min-score", 1, 0, "S", "with --records: fuzzy and coarser results scoring below S go to "
                             "--review (default 0.8; 0 = none)"},
    {"psgc-version", 1, 0, "V", "with --records: add psgc_version V (default: read from a file name "
                                "like PSGC-4Q-2023-..., giving 2023Q4)"},
    {"address", 1, 1, "TEXT", "geocode this address and print the result"},
    {"keep-going", 0, 0, NULL, "bad addresses (empty, not UTF-8, too long) get outcome 'invalid' "
                               "instead of stopping"},
    {"quiet", 0, 0, NULL, "no notes on stderr"},
};

static void print_result(const tw_gazetteer *g, const char *addr, const tw_geocode_result *r)
{
    const char *name = r->psgc[0] ? tw_gazetteer_name(g, r->psgc, NULL) : NULL;
    printf("%s\t%s\t%s\t%s\t", addr, tw_geocode_outcome_name(r->outcome), r->psgc,
           r->level != TW_LEVEL_UNKNOWN ? tw_level_name(r->level) : "");
    if (r->outcome != TW_GEOCODE_NOT_FOUND)
        printf("%.3f", r->score);
    printf("\t%s", name ? name : "");
    for (size_t k = 0; k < r->n_candidates && k < TW_GEOCODE_MAX_CANDIDATES; k++) {
        const char *cn = tw_gazetteer_name(g, r->candidates[k], NULL);
        printf("%s%s %s", k ? "; " : "\t", r->candidates[k], cn ? cn : "");
    }
    if (r->n_candidates > TW_GEOCODE_MAX_CANDIDATES)
        printf("; ... %zu in all", r->n_candidates);
    printf("\n");
}

/*
 * The PSGC version written with --records: --psgc-version, else read from
 * PSA's file name ("PSGC-4Q-2023-Publication-Datafile.csv" -> 2023Q4), else
 * none (version[0] == 0). Labels as the record form takes them (docs/cases.md).
 */
static int psgc_version(const cli_args *a, const char *psgc, int records, char version[32])
{
    const char *v = cli_get(a, "psgc-version");
    version[0] = 0;
    if (v && !records) {
        fprintf(stderr, "tanaw: geocode: --psgc-version needs --records\n");
        return EXIT_USAGE;
    }
    if (v) {
        size_t n = strlen(v), ok = n >= 1 && n <= 31;
        for (size_t i = 0; ok && i < n; i++)
            ok = isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '.' || v[i] == '-';
        if (!ok) {
            fprintf(stderr, "tanaw: geocode: --psgc-version: expected 1-31 characters of A-Z a-z "
                            "0-9 _ . - (e.g. 2023Q4), got '%s'\n", v);
            return EXIT_USAGE;
        }
        memcpy(version, v, n + 1);
        return EXIT_OK;
    }
    const char *base = strrchr(psgc, '/');
    base = base ? base + 1 : psgc;
    if (records && strncasecmp(base, "PSGC-", 5) == 0 && base[5] >= '1' && base[5] <= '4' &&
        (base[6] == 'Q' || base[6] == 'q') && base[7] == '-' && isdigit((unsigned char)base[8]) &&
        isdigit((unsigned char)base[9]) && isdigit((unsigned char)base[10]) &&
        isdigit((unsigned char)base[11]) && !isdigit((unsigned char)base[12]))
        snprintf(version, 32, "%.4sQ%c", base + 8, base[5]);
    return EXIT_OK;
}

int cmd_geocode(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, opts, sizeof opts / sizeof opts[0], argc, argv,
                       "tanaw geocode --psgc PSGC.csv --in FILE.csv [--column address] --out FILE.csv\n"
                       "       tanaw geocode --psgc PSGC.csv --in FILE.csv --records FILE.csv "
                       "--review FILE.csv [--out FILE.csv]\n"
                       "       tanaw geocode --psgc PSGC.csv --address TEXT ...",
                       "Place written addresses (\"Brgy. Pusok, Lapu-Lapu City\") on PSGC codes.\n"
                       "Outcomes: exact, fuzzy (typos; score < 1), ambiguous (candidates listed),\n"
                       "coarser (only a municipality, province or region recognised), not_found.\n"
                       "The PSGC file is PSA's publication datafile, sheet PSGC saved as CSV UTF-8.\n"
                       "--records/--review: the file for tanaw db ingest and the analyses (no written\n"
                       "address), and the rows a person must decide (docs/geocode.md).");
    if (rc >= 0)
        return rc;
    const char *psgc = cli_get(&a, "psgc"), *in = cli_get(&a, "in"), *out = cli_get(&a, "out");
    const char *addrs[CLI_MAX_VALUES];
    size_t naddr = cli_all(&a, "address", addrs, CLI_MAX_VALUES);
    if (!psgc) {
        fprintf(stderr, "tanaw: geocode: --psgc FILE is required (the PSA PSGC datafile as CSV)\n");
        return EXIT_USAGE;
    }
    const char *recs = cli_get(&a, "records"), *rev = cli_get(&a, "review");
    if (!naddr && (!in || (!out && !recs))) {
        fprintf(stderr, "tanaw: geocode: give --in FILE.csv with --out FILE.csv and/or --records "
                        "FILE.csv --review FILE.csv, or --address TEXT\n");
        return EXIT_USAGE;
    }
    if ((in && !out && !recs) || ((out || recs) && !in)) {
        fprintf(stderr, "tanaw: geocode: --in goes with --out or --records\n");
        return EXIT_USAGE;
    }
    if (!recs != !rev) {
        fprintf(stderr, "tanaw: geocode: --records and --review go together: the rows that need a "
                        "person go to --review, so that none is lost\n");
        return EXIT_USAGE;
    }
    if (recs && (strcmp(recs, "-") == 0 || strcmp(rev, "-") == 0 || strcmp(recs, rev) == 0 ||
                 (out && (strcmp(out, recs) == 0 || strcmp(out, rev) == 0)))) {
        fprintf(stderr, "tanaw: geocode: --records, --review and --out must be three different "
                        "files (not '-')\n");
        return EXIT_USAGE;
    }
    double min_score = TW_GEOCODE_MIN_SCORE;
    const char *v = cli_get(&a, "min-score");
    if (v && !recs) {
        fprintf(stderr, "tanaw: geocode: --min-score needs --records\n");
        return EXIT_USAGE;
    }
    if (v && !cli_double("min-score", v, 0, 1, &min_score))
        return EXIT_USAGE;
    char version[32];
    if ((rc = psgc_version(&a, psgc, recs != NULL, version)))
        return rc;
    if (a.npositional) {
        fprintf(stderr, "tanaw: geocode: unexpected argument '%s'\n", a.positional[0]);
        return EXIT_USAGE;
    }
    cli_set_quiet(cli_flag(&a, "quiet"));
    tw_ctx *ctx = tw_ctx_new();
    if (!ctx) {
        fprintf(stderr, "tanaw: out of memory\n");
        return EXIT_INTERNAL;
    }
    tw_gazetteer *g = NULL;
    tw_status s = tw_gazetteer_read_psgc(ctx, psgc, &g);
    if (s) {
        cli_report(ctx, "geocode");
        tw_ctx_free(ctx);
        return cli_exit_for(s);
    }
    rc = EXIT_OK;
    for (size_t i = 0; i < naddr; i++) {
        tw_geocode_result r;
        s = tw_geocode(ctx, g, addrs[i], strlen(addrs[i]), &r);
        if (s) {
            cli_report(ctx, "geocode: --address");
            rc = cli_exit_for(s);
            goto done;
        }
        print_result(g, addrs[i], &r);
    }
    if (in) {
        tw_geocode_csv_opts o = {cli_get(&a, "column"), cli_flag(&a, "keep-going"), recs, rev,
                                 min_score > 0 ? min_score : -1, version[0] ? version : NULL};
        tw_geocode_report rep;
        cli_progress_attach(ctx, cli_quiet());
        s = tw_geocode_csv(ctx, g, in, out, &o, &rep);
        cli_progress_done();
        if (s) {
            cli_report(ctx, "geocode");
            const tw_error *e = tw_ctx_error(ctx);
            bool output = s == TW_E_IO && ((out && strcmp(e->file, out) == 0) ||
                                           (recs && strcmp(e->file, recs) == 0) ||
                                           (rev && strcmp(e->file, rev) == 0));
            rc = output ? EXIT_OUTPUT : cli_exit_for(s);
            goto done;
        }
        cli_warnings(ctx, cli_quiet());
        cli_note("geocoded %zu records: %zu exact, %zu fuzzy, %zu ambiguous, %zu coarser, "
                 "%zu not found%s%s",
                 rep.rows, rep.by_outcome[TW_GEOCODE_EXACT], rep.by_outcome[TW_GEOCODE_FUZZY],
                 rep.by_outcome[TW_GEOCODE_AMBIGUOUS], rep.by_outcome[TW_GEOCODE_COARSER],
                 rep.by_outcome[TW_GEOCODE_NOT_FOUND], out ? " -> " : "", out ? out : "");
        if (rep.invalid)
            cli_note("%zu records had an invalid address (outcome 'invalid')", rep.invalid);
        if (recs)
            cli_note("records: %zu placed -> %s; review: %zu for a person -> %s (%zu ambiguous, "
                     "%zu not found, %zu invalid, %zu scoring below %.3g)",
                     rep.records, recs, rep.review, rev, rep.by_outcome[TW_GEOCODE_AMBIGUOUS],
                     rep.by_outcome[TW_GEOCODE_NOT_FOUND], rep.invalid, rep.below_score,
                     min_score);
    }
done:
    tw_gazetteer_free(g);
    tw_ctx_free(ctx);
    return rc;
}

/* ---- tanaw geo crosswalk -------------------------------------------- */

static const cli_optspec geo_opts[] = {
    {"from", 1, 0, "VERSION", "PSGC version of the codes, e.g. 2023Q4 (required)"},
    {"to", 1, 0, "VERSION", "PSGC version to bring them to, e.g. 2024Q2 (required)"},
    {"crosswalk", 1, 0, "FILE.csv", "crosswalk file (format: docs/geocode.md)"},
    {"psgc", 1, 0, "FILE", "without --crosswalk: build the Negros Island Region crosswalk "
                           "(2023Q4 -> 2024Q2) from this PSGC 4Q 2023 datafile"},
    {"code", 1, 1, "PSGC", "print where this code goes"},
    {"in", 1, 0, "FILE.csv", "records or counts to bring onto the new version"},
    {"column", 1, 0, "NAME", "column holding the PSGC code (default psgc)"},
    {"count", 1, 0, "NAME", "count column, shared out by the weights of splits"},
    {"out", 1, 0, "FILE.csv", "output of --in: input columns + new_psgc, crosswalk_weight"},
    {"write", 1, 0, "FILE.csv", "write the crosswalk in use (e.g. the built-in one)"},
    {"quiet", 0, 0, NULL, "no notes on stderr"},
};

static int geo_crosswalk(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, geo_opts, sizeof geo_opts / sizeof geo_opts[0], argc, argv,
                       "tanaw geo crosswalk --from VERSION --to VERSION (--crosswalk FILE.csv | "
                       "--psgc PSGC.csv)\n"
                       "       [--code PSGC ...] [--in FILE.csv [--column psgc] [--count N] --out "
                       "FILE.csv] [--write FILE.csv]",
                       "Bring PSGC codes of one version onto another (recodes, splits, merges), so\n"
                       "that a multi-year series stays on one geography. Without --crosswalk, the\n"
                       "built-in example: the 2024 Negros Island Region (RA 12000).");
    if (rc >= 0)
        return rc;
    const char *from = cli_get(&a, "from"), *to = cli_get(&a, "to");
    const char *file = cli_get(&a, "crosswalk"), *psgc = cli_get(&a, "psgc");
    const char *in = cli_get(&a, "in"), *out = cli_get(&a, "out"), *wr = cli_get(&a, "write");
    const char *codes[CLI_MAX_VALUES];
    size_t ncodes = cli_all(&a, "code", codes, CLI_MAX_VALUES);
    if (!from || !to) {
        fprintf(stderr, "tanaw: geo crosswalk: --from and --to are required\n");
        return EXIT_USAGE;
    }
    if (!file && !psgc) {
        fprintf(stderr, "tanaw: geo crosswalk: give --crosswalk FILE.csv, or --psgc PSGC.csv for "
                        "the built-in Negros Island Region crosswalk\n");
        return EXIT_USAGE;
    }
    if ((in && !out) || (out && !in)) {
        fprintf(stderr, "tanaw: geo crosswalk: --in and --out go together\n");
        return EXIT_USAGE;
    }
    if (!in && !ncodes && !wr) {
        fprintf(stderr, "tanaw: geo crosswalk: nothing to do (give --code, --in/--out or --write)\n");
        return EXIT_USAGE;
    }
    cli_set_quiet(cli_flag(&a, "quiet"));
    tw_ctx *ctx = tw_ctx_new();
    if (!ctx) {
        fprintf(stderr, "tanaw: out of memory\n");
        return EXIT_INTERNAL;
    }
    tw_crosswalk *cw = NULL;
    tw_gazetteer *g = NULL;
    tw_status s;
    rc = EXIT_OK;
    if (file) {
        s = tw_crosswalk_read(ctx, file, &cw);
    } else {
        s = tw_gazetteer_read_psgc(ctx, psgc, &g);
        if (!s)
            s = tw_crosswalk_nir(ctx, g, &cw);
    }
    if (s) {
        cli_report(ctx, "geo crosswalk");
        rc = cli_exit_for(s);
        goto done;
    }
    if (wr && (s = tw_crosswalk_write(ctx, cw, wr))) {
        cli_report(ctx, "geo crosswalk");
        rc = EXIT_OUTPUT;
        goto done;
    }
    for (size_t i = 0; i < ncodes; i++) {
        tw_crosswalk_target t[64];
        size_t n = 0;
        if ((s = tw_crosswalk_map(ctx, cw, from, to, codes[i], t, 64, &n))) {
            cli_report(ctx, "geo crosswalk");
            rc = cli_exit_for(s);
            goto done;
        }
        for (size_t k = 0; k < n && k < 64; k++)
            printf("%s\t%s\t%.10g\n", codes[i], t[k].code, t[k].weight);
    }
    if (in) {
        size_t rows = 0;
        s = tw_crosswalk_csv(ctx, cw, from, to, in, cli_get(&a, "column"), cli_get(&a, "count"),
                             out, &rows);
        if (s) {
            cli_report(ctx, "geo crosswalk");
            rc = s == TW_E_IO && strcmp(tw_ctx_error(ctx)->file, out) == 0 ? EXIT_OUTPUT
                                                                          : cli_exit_for(s);
            goto done;
        }
        cli_note("brought %zu records from PSGC %s to %s -> %s", rows, from, to, out);
    }
done:
    tw_crosswalk_free(cw);
    tw_gazetteer_free(g);
    tw_ctx_free(ctx);
    return rc;
}

int cmd_geo(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "crosswalk") == 0)
        return geo_crosswalk(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: tanaw geo crosswalk [options]   (tanaw geo crosswalk --help)\n\n"
               "PSGC versions: bring codes of one PSGC version onto another.\n");
        return EXIT_OK;
    }
    fprintf(stderr, "tanaw: geo: expected a subcommand: crosswalk (see tanaw geo --help)\n");
    return EXIT_USAGE;
}
