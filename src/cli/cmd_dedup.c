/*
 * cmd_dedup.c: `tanaw dedup` (link the records of a case store into
 * incidents), `tanaw db incidents` (write the incidents and the links that
 * made them) and `tanaw db ingest --dedup` (ingest, then dedup):
 * docs/dedup.md. The place rule uses the real geography's contiguity when
 * --areas (with --level and --weights) is given, else the PSGC hierarchy.
 *
 * Exit codes as tanaw db: 0 ok, 1 usage, 2 input rejected, 3 store or
 * output error.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { DD_OK = 0, DD_USAGE = 1, DD_INPUT = 2, DD_STORE = 3 };

static const cli_optspec dedup_opts[] = {
    {"db", 1, 0, "PATH|URL", "the case store (tanaw db)"},
    {"window", 1, 0, "DAYS", "largest day gap of a link (default 90; incident day, else "
                             "report day)"},
    {"reference-window", 1, 0, "DAYS", "largest day gap of a link through a case reference "
                                       "(referred_from; default 365)"},
    {"max-shared", 1, 0, "K", "an identifier on more than K records is common: it links only "
                              "with a second kind or in the same area (default 10)"},
    {"areas", 1, 1, "FILE", "areas (GeoJSON and/or CSV): neighbours by their contiguity "
                            "instead of the PSGC hierarchy"},
    {"id-field", 1, 0, "NAME", "id property/column of the areas (default psgc)"},
    {"name-field", 1, 0, "NAME", "name property/column (default name)"},
    {"pop-field", 1, 0, "NAME", "population column (not needed)"},
    {"level", 1, 0, "LEVEL", "level of the areas (default: their own)"},
    {"weights", 1, 0, "SPEC", "neighbours of the areas (default queen; as gistar --weights)"},
    {"quiet", 0, 0, NULL, "no notes on stderr"},
};

static int exit_for(tw_status s)
{
    switch (s) {
    case TW_OK: return DD_OK;
    case TW_E_ARG: return DD_USAGE;
    case TW_E_PARSE:
    case TW_E_DOMAIN:
    case TW_E_EMPTY:
    case TW_E_DUPLICATE: return DD_INPUT;
    default: return DD_STORE;
    }
}

/* The --db value as it may be shown: a URL without its password (a
   compound literal lives to the end of the enclosing block). */
#define DBSHOW(db) redact_db((db), (char[512]){0}, 512)
static const char *redact_db(const char *db, char *buf, size_t cap)
{
    tw_store_redact(db, buf, cap);
    return buf;
}

static int open_store(tw_ctx *ctx, const char *db, tw_store **st)
{
    tw_status s = tw_store_open(ctx, db, 0, st);
    if (s) {
        cli_report(ctx, DBSHOW(db));
        return s == TW_E_UNSUPPORTED ? DD_USAGE : exit_for(s);
    }
    return DD_OK;
}

/* A new context and the store opened with it; on failure neither. */
static int ctx_and_store(const char *db, tw_ctx **ctx, tw_store **st)
{
    *st = NULL;
    if (!(*ctx = tw_ctx_new()))
        return DD_STORE;
    int rc = open_store(*ctx, db, st);
    if (rc) {
        tw_ctx_free(*ctx);
        *ctx = NULL;
    }
    return rc;
}

/* Per source, the records that carry no identifier and no case reference
   (docs/dedup.md): they stay incidents of their own whatever the rules. */
static void print_evidence(tw_ctx *ctx, tw_store *st)
{
    tw_source_evidence *e = NULL;
    size_t n = 0;
    if (tw_store_source_evidence(ctx, st, &e, &n)) {
        cli_report(ctx, "evidence by source");
        return;
    }
    printf("records without any identifier or case reference (they link to nothing), by "
           "source:\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-20s %9lld of %9lld records (%.1f %%)\n", e[i].source,
               (long long)e[i].without, (long long)e[i].records,
               e[i].records ? 100.0 * (double)e[i].without / (double)e[i].records : 0.0);
    tw_source_evidence_free(ctx, e);
}

static void print_report(const char *db, const tw_dedup_report *r, const char *geo)
{
    printf("%s: dedup run %lld: %zu records -> %zu incidents (%zu of more than one record), "
           "%zu links (%zu strong, %zu two-kinds, %zu same-area, %zu reference); place rule: "
           "%s\n",
           db, (long long)r->run_id, r->records, r->incidents, r->multi_record, r->links,
           r->links_by_rule[0], r->links_by_rule[1], r->links_by_rule[2], r->links_by_rule[3],
           geo);
}

int cmd_dedup(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, dedup_opts, sizeof dedup_opts / sizeof dedup_opts[0], argc, argv,
                       "tanaw dedup --db PATH|URL [--window DAYS] [--reference-window DAYS] "
                       "[--max-shared K] "
                       "[--areas FILE --level LEVEL --weights SPEC]",
                       "Link the records of the store that are referrals of one incident:\n"
                       "records sharing an identifier hash (account, payment, device, IP, ...),\n"
                       "with dates within the window and the same or a neighbouring place,\n"
                       "and records naming another's case in referred_from (SOURCE:CASE_ID).\n"
                       "Recomputes the incidents of the whole store in one transaction; the\n"
                       "same store and options give the same incidents. Analyses reading\n"
                       "--db then count incidents (--count records for records).\n"
                       "Exit codes: 0 ok, 1 usage, 2 input rejected, 3 store error.");
    if (rc >= 0)
        return rc == EXIT_USAGE ? DD_USAGE : rc;
    cli_set_quiet(cli_flag(&a, "quiet"));
    const char *db = cli_get(&a, "db");
    if (!db) {
        fprintf(stderr, "tanaw: dedup: --db PATH|URL is required\n");
        return DD_USAGE;
    }
    tw_dedup_opts o;
    memset(&o, 0, sizeof o);
    const char *v;
    long num;
    if ((v = cli_get(&a, "window"))) {
        if (!cli_int("window", v, 1, 3650, &num))
            return DD_USAGE;
        o.window_days = (int32_t)num;
    }
    if ((v = cli_get(&a, "reference-window"))) {
        if (!cli_int("reference-window", v, 1, 3650, &num))
            return DD_USAGE;
        o.reference_window_days = (int32_t)num;
    }
    if ((v = cli_get(&a, "max-shared"))) {
        if (!cli_int("max-shared", v, 1, 1000000, &num))
            return DD_USAGE;
        o.max_shared = (size_t)num;
    }
    if (!cli_get(&a, "areas")) { /* the geography options mean nothing without areas */
        static const char *const geo_only[] = {"level", "weights", "id-field", "name-field",
                                               "pop-field"};
        for (size_t i = 0; i < sizeof geo_only / sizeof *geo_only; i++)
            if (cli_get(&a, geo_only[i])) {
                fprintf(stderr, "tanaw: dedup: --%s goes with --areas (without them the "
                                "place rule is the PSGC hierarchy)\n",
                        geo_only[i]);
                return DD_USAGE;
            }
    }
    cli_analysis an;
    memset(&an, 0, sizeof an);
    char geo[1024] = "psgc hierarchy";
    if (!(an.ctx = cli_ctx_new(&a)))
        return DD_STORE;
    if (cli_get(&a, "areas")) {
        if ((rc = cli_load_areas(&an, &a, false))) {
            cli_analysis_free(&an);
            return rc == EXIT_USAGE ? DD_USAGE : DD_INPUT;
        }
        const char *w = cli_get(&a, "weights");
        if (!w)
            w = "queen";
        tw_weights_spec spec;
        tw_status s;
        if ((s = tw_weights_spec_parse(an.ctx, w, &spec)) ||
            (s = tw_weights_build(an.ctx, an.areas, &spec, &an.nb))) {
            cli_report(an.ctx, "--weights");
            cli_analysis_free(&an);
            return s == TW_E_ARG ? DD_USAGE : DD_INPUT;
        }
        const char *files[8];
        size_t nf = cli_all(&a, "areas", files, 8);
        size_t n = (size_t)snprintf(geo, sizeof geo, "%s areas (", tw_level_name(an.level));
        for (size_t i = 0; i < nf && n < sizeof geo; i++) {
            const char *base = strrchr(files[i], '/');
            n += (size_t)snprintf(geo + n, sizeof geo - n, "%s%s", i ? ", " : "",
                                  base ? base + 1 : files[i]);
        }
        if (n < sizeof geo)
            snprintf(geo + n, sizeof geo - n, "), weights %s", w);
        o.areas = an.areas;
        o.weights = an.nb;
    }
    o.geography = geo;
    tw_store *st = NULL;
    if ((rc = open_store(an.ctx, db, &st))) {
        cli_analysis_free(&an);
        return rc;
    }
    tw_dedup_report rep;
    cli_progress_attach(an.ctx, cli_quiet());
    tw_status s = tw_store_dedup(an.ctx, st, &o, &rep);
    cli_progress_done();
    if (s) {
        cli_report(an.ctx, DBSHOW(db));
        rc = exit_for(s);
    } else {
        print_report(DBSHOW(db), &rep, geo);
        print_evidence(an.ctx, st);
    }
    tw_store_close(st);
    cli_analysis_free(&an);
    return rc;
}

static const cli_optspec incidents_opts[] = {
    {"db", 1, 0, "PATH|URL", "the case store"},
    {"out", 1, 0, "FILE.csv", "one row per incident (required)"},
    {"links", 1, 0, "FILE.csv", "the links that made the incidents, with their explanation"},
    {"quiet", 0, 0, NULL, "no notes on stderr"},
};

static int db_incidents(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, incidents_opts, sizeof incidents_opts / sizeof incidents_opts[0],
                       argc, argv, "tanaw db incidents --db PATH|URL --out FILE.csv "
                                   "[--links FILE.csv]",
                       "Write the incidents of the latest dedup run (tanaw dedup), one row\n"
                       "each, and the links between records with the rule that accepted them.\n"
                       "Records are named by their case_ref hash; identifiers never appear,\n"
                       "only the kinds that matched. Exit codes as tanaw db.");
    if (rc >= 0)
        return rc == EXIT_USAGE ? DD_USAGE : rc;
    cli_set_quiet(cli_flag(&a, "quiet"));
    const char *db = cli_get(&a, "db"), *out = cli_get(&a, "out"), *links = cli_get(&a, "links");
    if (!db || !out) {
        fprintf(stderr, "tanaw: db incidents: --db PATH|URL and --out FILE.csv are required\n");
        return DD_USAGE;
    }
    tw_ctx *ctx;
    tw_store *st;
    if ((rc = ctx_and_store(db, &ctx, &st)))
        return rc;
    tw_store_dedup_info info;
    size_t ni = 0, nl = 0;
    tw_status s = tw_store_dedup_info_get(ctx, st, &info);
    if (!s)
        s = tw_store_write_incidents(ctx, st, out, links, &ni, &nl);
    if (s) {
        cli_report(ctx, DBSHOW(db));
        rc = exit_for(s);
    } else {
        if (!info.run_id)
            cli_note("%s: no dedup run: every record is an incident of its own (run tanaw "
                     "dedup)", DBSHOW(db));
        else if (info.unlinked || info.stale)
            cli_note("%s: %lld records loaded and %s since dedup run %lld: run tanaw dedup "
                     "again", DBSHOW(db), (long long)info.unlinked, info.stale ? "some purged" : "none purged",
                     (long long)info.run_id);
        printf("%s: %zu incidents", out, ni);
        if (links)
            printf("; %s: %zu links", links, nl);
        printf(" (dedup run %lld)\n", (long long)info.run_id);
    }
    tw_store_close(st);
    tw_ctx_free(ctx);
    return rc;
}

/* tanaw db ingest ... --dedup: the batch, then dedup with the defaults. */
static int db_ingest_dedup(int argc, char **argv)
{
    char **av = malloc((size_t)argc * sizeof *av);
    if (!av)
        return DD_STORE;
    int n = 0;
    const char *db = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dedup") == 0)
            continue;
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[i + 1];
        else if (strncmp(argv[i], "--db=", 5) == 0)
            db = argv[i] + 5;
        av[n++] = argv[i];
    }
    int rc = cmd_db(n, av);
    free(av);
    if (rc != 0 || !db)
        return rc;
    tw_ctx *ctx;
    tw_store *st;
    if ((rc = ctx_and_store(db, &ctx, &st)))
        return rc;
    tw_dedup_opts o;
    memset(&o, 0, sizeof o);
    o.geography = "psgc hierarchy";
    tw_dedup_report rep;
    tw_status s = tw_store_dedup(ctx, st, &o, &rep);
    if (s) {
        cli_report(ctx, DBSHOW(db));
        rc = exit_for(s);
    } else {
        print_report(DBSHOW(db), &rep, o.geography);
    }
    tw_store_close(st);
    tw_ctx_free(ctx);
    return rc;
}

int cli_db_dedup_route(int argc, char **argv)
{
    if (argc < 2)
        return -1;
    if (strcmp(argv[1], "incidents") == 0)
        return db_incidents(argc - 1, argv + 1);
    if (strcmp(argv[1], "ingest") == 0)
        for (int i = 2; i < argc; i++)
            if (strcmp(argv[i], "--dedup") == 0)
                return db_ingest_dedup(argc, argv);
    return -1;
}

/*
 * What analyses read from --db (pipeline.c): incidents when the store has
 * a dedup run, or with --count incidents; records with --count records or
 * when dedup never ran (said on stderr). The unit goes to stdout with the
 * other inputs of the run.
 */
int cli_store_read(tw_ctx *ctx, const cli_args *a, tw_store *st, const tw_store_filter *f,
                   tw_cases **cases, size_t *got)
{
    const char *count = cli_get(a, "count");
    tw_count_unit unit = TW_COUNT_AUTO;
    tw_status s;
    if (count && (s = tw_count_unit_parse(ctx, count, &unit)))
        return s;
    tw_store_dedup_info info;
    if ((s = tw_store_dedup_info_get(ctx, st, &info)))
        return s;
    bool incidents = unit == TW_COUNT_AUTO ? info.run_id > 0 : unit == TW_COUNT_INCIDENTS;
    if (!incidents) {
        if (!info.run_id)
            cli_note("the store has no dedup run: counting records (run tanaw dedup to count "
                     "incidents)");
        if ((s = tw_store_read_cases(ctx, st, f, cases, got)))
            return s;
        if (cli_flag(a, "public")) /* exact totals stay out of public runs */
            printf("counted: records\n");
        else
            printf("counted: records (%zu from the store%s)\n", *got,
                   info.run_id ? "; --count records" : "; no dedup run");
        return TW_OK;
    }
    if (!info.run_id)
        cli_note("--count incidents: the store has no dedup run, so every record counts as "
                 "an incident of its own (run tanaw dedup)");
    else if (info.unlinked || info.stale)
        cli_note("%lld records were loaded%s since dedup run %lld: they count as incidents of "
                 "their own until tanaw dedup runs again",
                 (long long)info.unlinked, info.stale ? " (and some purged)" : "",
                 (long long)info.run_id);
    if ((s = tw_store_read_incidents(ctx, st, f, cases, got)))
        return s;
    if (cli_flag(a, "public"))
        printf("counted: incidents\n");
    else if (!info.run_id)
        printf("counted: incidents (%zu from the store; no dedup run: every record an incident "
               "of its own)\n",
               *got);
    else
        printf("counted: incidents (%zu from the store; dedup run %lld of %s, window %d days; "
               "--count records for records)\n",
               *got, (long long)info.run_id, info.run_at, (int)info.window_days);
    return TW_OK;
}
