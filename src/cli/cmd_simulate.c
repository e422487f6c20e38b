/*
 * cmd_simulate.c: `tanaw simulate`: synthetic case records over a
 * geography, in the documented schema (docs/cases.md), for demos, tests and
 * benchmarks. Background in proportion to population, optional planted
 * clusters with a relative risk. No real case data exists in Tanaw.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const cli_optspec opts[] = {
    {"areas", 1, 1, "FILE", "areas: GeoJSON and/or CSV with population"},
    {"id-field", 1, 0, "NAME", "id property/column (default psgc)"},
    {"name-field", 1, 0, "NAME", "name property/column (default name)"},
    {"pop-field", 1, 0, "NAME", "population column (default pop2020)"},
    {"n", 1, 0, "N", "number of records (default 10000)"},
    {"seed", 1, 0, "S", "random seed (default 1)"},
    {"from", 1, 0, "DATE", "first report date (default 2021-01-01)"},
    {"to", 1, 0, "DATE", "last report date (default 2024-12-31)"},
    {"cluster", 1, 1, "ID:N:RR[:ONSET]",
     "plant a cluster: centre area ID, N areas, relative risk RR, from date ONSET (YYYY-MM-DD; "
     "needs the multi-agency simulation)"},
    {"agencies", 1, 0, "N", "multi-agency simulation: --n incidents, each referred by 1-3 of the "
                            "first N of 6 channels (default 6 when another option below is given)"},
    {"duplicates", 1, 0, "RATE", "share of incidents referred more than once (default 0.3)"},
    {"messy-addresses", 1, 0, "FILE.csv", "write case_id,address as people write them (input of "
                                          "tanaw geocode)"},
    {"psgc", 1, 0, "FILE", "PSGC datafile (CSV export): real and old names for the addresses"},
    {"identifiers", 0, 0, NULL, "add made-up linked identifier columns (input of tanaw db ingest)"},
    {"id-noise", 1, 0, "SCALE", "identifier noise (implies --identifiers): missing identifiers, "
                                "network and CGNAT identifiers shared by incidents, variants, "
                                "typos, incident dates, references to the forwarding "
                                "agency's case (referred_from); rates of docs/cases.md times SCALE "
                                "(1 = as documented; default 0: none)"},
    {"truth", 1, 0, "FILE.csv", "write every record's incident, true area, true date and clusters"},
    {"codes-only", 0, 0, NULL, "locate every record by PSGC code (no coordinates)"},
    {"out", 1, 0, "FILE.csv", "where the records go (required)"},
    {"threads", 1, 0, "N", "threads"},
    {"quiet", 0, 0, NULL, "no notes on stderr"},
};

/* ID:N:RR[:ONSET] of --cluster (and scan's --alt-cluster) into *out and
   *onset (days, 0 when none); false after printing the problem. */
bool cli_cluster_parse(const char *opt, const char *text, tw_sim_cluster *out, int32_t *onset)
{
    memset(out, 0, sizeof *out);
    *onset = 0;
    const char *c1 = strchr(text, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    const char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
    char rbuf[64], nbuf[32];
    if (c3 && (tw_date_parse(c3 + 1, strlen(c3 + 1), onset) || (size_t)(c3 - c2 - 1) >= sizeof rbuf)) {
        fprintf(stderr, "tanaw: --%s: expected ID:N:RR:YYYY-MM-DD, got '%s'\n", opt, text);
        return false;
    }
    if (!c1 || !c2 || (size_t)(c1 - text) >= sizeof out->center_id ||
        (size_t)(c2 - c1 - 1) >= sizeof nbuf) {
        fprintf(stderr, "tanaw: --%s: expected ID:N:RR, got '%s'\n", opt, text);
        return false;
    }
    memcpy(out->center_id, text, (size_t)(c1 - text));
    memcpy(nbuf, c1 + 1, (size_t)(c2 - c1 - 1));
    nbuf[c2 - c1 - 1] = '\0';
    const char *rr_text = c2 + 1;
    if (c3) {
        memcpy(rbuf, c2 + 1, (size_t)(c3 - c2 - 1));
        rbuf[c3 - c2 - 1] = '\0';
        rr_text = rbuf;
    }
    long nareas;
    double rr;
    if (!cli_int(opt, nbuf, 1, 100000, &nareas) || !cli_double(opt, rr_text, 0, 1e6, &rr))
        return false;
    out->n_areas = (int)nareas;
    out->rr = rr;
    return true;
}

int cmd_simulate(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, opts, sizeof opts / sizeof opts[0], argc, argv,
                       "tanaw simulate --areas FILE --n N --seed S --out FILE.csv",
                       "Write synthetic case records over the areas: background in proportion to\n"
                       "population, planted clusters with a relative risk, dates over a period,\n"
                       "several source agencies. The same seed gives the same file.");
    if (rc >= 0)
        return rc;
    const char *out = cli_get(&a, "out");
    if (!out) {
        fprintf(stderr, "tanaw: simulate: --out FILE.csv is required\n");
        return EXIT_USAGE;
    }
    tw_sim_opts so;
    memset(&so, 0, sizeof so);
    so.n = 10000;
    so.seed = 1;
    so.location_mix = cli_flag(&a, "codes-only") ? 0 : 1;
    const char *v;
    if ((v = cli_get(&a, "n"))) {
        uint64_t n;
        if (!cli_uint64("n", v, &n))
            return EXIT_USAGE;
        so.n = (size_t)n;
    }
    if ((v = cli_get(&a, "seed")) && !cli_uint64("seed", v, &so.seed))
        return EXIT_USAGE;
    const char *from = cli_get(&a, "from"), *to = cli_get(&a, "to");
    if (tw_date_parse(from ? from : "2021-01-01", strlen(from ? from : "2021-01-01"), &so.from_day) ||
        tw_date_parse(to ? to : "2024-12-31", strlen(to ? to : "2024-12-31"), &so.to_day) ||
        so.to_day < so.from_day) {
        fprintf(stderr, "tanaw: simulate: --from/--to must be dates YYYY-MM-DD with from <= to\n");
        return EXIT_USAGE;
    }
    const char *cl[64];
    size_t ncl = cli_all(&a, "cluster", cl, 64);
    tw_sim_cluster clusters[64];
    int32_t onsets[64];
    int any_onset = 0;
    for (size_t k = 0; k < ncl; k++) {
        if (!cli_cluster_parse("cluster", cl[k], &clusters[k], &onsets[k]))
            return EXIT_USAGE;
        any_onset |= onsets[k] != 0;
    }
    so.clusters = clusters;
    so.n_clusters = ncl;
    /* Multi-agency options: without any of them, the file is as before. */
    const char *psgc = cli_get(&a, "psgc");
    so.addresses_path = cli_get(&a, "messy-addresses");
    so.truth_path = cli_get(&a, "truth");
    so.identifiers = cli_flag(&a, "identifiers");
    if ((v = cli_get(&a, "id-noise"))) {
        if (!cli_double("id-noise", v, 0, 10, &so.id_noise))
            return EXIT_USAGE;
        so.identifiers = so.identifiers || so.id_noise > 0;
    }
    if (any_onset)
        so.cluster_onset_days = onsets;
    int multi = cli_get(&a, "agencies") || cli_get(&a, "duplicates") || so.addresses_path ||
                so.truth_path || so.identifiers || any_onset || psgc;
    if (multi) {
        long nag = 6;
        double dup = 0.3;
        if ((v = cli_get(&a, "agencies")) && !cli_int("agencies", v, 1, 6, &nag))
            return EXIT_USAGE;
        if ((v = cli_get(&a, "duplicates")) && !cli_double("duplicates", v, 0, 1, &dup))
            return EXIT_USAGE;
        so.agencies = (int)nag;
        so.duplicates = dup;
    }
    if (psgc && !so.addresses_path) {
        fprintf(stderr, "tanaw: simulate: --psgc names the addresses: give --messy-addresses FILE.csv\n");
        return EXIT_USAGE;
    }
    cli_analysis an;
    memset(&an, 0, sizeof an);
    if (!(an.ctx = cli_ctx_new(&a)))
        return EXIT_USAGE;
    if ((rc = cli_load_areas(&an, &a, true))) {
        cli_analysis_free(&an);
        return rc;
    }
    tw_gazetteer *gz = NULL;
    if (psgc && tw_gazetteer_read_psgc(an.ctx, psgc, &gz)) {
        cli_report(an.ctx, "simulate");
        rc = cli_exit_for(tw_ctx_error(an.ctx)->code);
        cli_analysis_free(&an);
        return rc;
    }
    so.gazetteer = gz;
    tw_status s = tw_simulate_write(an.ctx, an.areas, &so, out);
    tw_gazetteer_free(gz);
    cli_progress_done();
    if (s) {
        cli_report(an.ctx, "simulate");
        rc = s == TW_E_IO ? EXIT_OUTPUT : cli_exit_for(s);
    } else {
        cli_warnings(an.ctx, cli_quiet());
        if (so.agencies)
            cli_note("wrote the referrals of %zu synthetic incidents (%d channels, duplicates "
                     "%.2f) over %zu areas to %s (seed %llu)",
                     so.n, so.agencies, so.duplicates, tw_areas_count(an.areas), out,
                     (unsigned long long)so.seed);
        else
            cli_note("wrote %zu synthetic records over %zu areas to %s (seed %llu)", so.n,
                     tw_areas_count(an.areas), out, (unsigned long long)so.seed);
    }
    cli_analysis_free(&an);
    return rc;
}
