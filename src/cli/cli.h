/*
 * cli.h: what the tanaw command's files share: exit codes, the option
 * parser, error reporting, progress on stderr, and the analysis pipeline
 * (areas -> records -> counts -> variable -> weights) that gistar, lisa
 * and moran have in common. The command uses only the public header.
 */
#ifndef TANAW_CLI_H
#define TANAW_CLI_H

#include "tanaw/tanaw.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit codes (docs/cli.md). */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,   /* bad command line */
    EXIT_INPUT = 2,   /* input rejected: unreadable or invalid data */
    EXIT_OUTPUT = 3,  /* an output could not be written */
    EXIT_INTERNAL = 4 /* out of memory or a bug */
};

/* ---- options ---- */

typedef struct cli_optspec {
    const char *name;   /* without the leading "--" */
    int has_arg;        /* 0: flag; 1: takes a value */
    int repeatable;
    const char *arg;    /* name of the value in help, e.g. "FILE" */
    const char *help;
} cli_optspec;

#define CLI_MAX_VALUES 512

typedef struct cli_args {
    const cli_optspec *spec;
    size_t nspec;
    const char *values[CLI_MAX_VALUES]; /* value per occurrence */
    int which[CLI_MAX_VALUES];          /* spec index per occurrence */
    size_t n;
    const char *positional[16];
    size_t npositional;
} cli_args;

typedef struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} cli_command;

/*
 * Parse argv[1..] against spec. Returns -1 on success, else an exit code
 * (EXIT_USAGE after printing the problem, EXIT_OK after printing help).
 */
int cli_parse(cli_args *a, const cli_optspec *spec, size_t nspec, int argc,
              char **argv, const char *usage, const char *description);
const char *cli_get(const cli_args *a, const char *name);        /* last value or NULL */
bool cli_flag(const cli_args *a, const char *name);
size_t cli_all(const cli_args *a, const char *name, const char **out, size_t max);

/* Room for the options of one command (its own, the shared ones, --public's). */
#define CLI_MAX_OPTS 128
/*
 * Append the m specs of src to spec[*n..CLI_MAX_OPTS), leaving out those
 * named in skip (NULL-terminated list, or NULL). Too many options is a bug
 * of the command's table: it aborts, and every test of the command finds it.
 */
void cli_spec_add(cli_optspec *spec, size_t *n, const cli_optspec *src, size_t m,
                  const char *const *skip);

/* Numbers from the command line; print "tanaw: --NAME: ..." and return false. */
bool cli_uint64(const char *opt, const char *text, uint64_t *out);
bool cli_int(const char *opt, const char *text, long min, long max, long *out);
bool cli_double(const char *opt, const char *text, double min, double max, double *out);

/* Print the context's error as "tanaw: file:line: field: message". */
void cli_report(tw_ctx *ctx, const char *what);
/* Exit code for a status. */
int cli_exit_for(tw_status s);
/* Print the context's warnings to stderr (unless quiet) and clear them. */
void cli_warnings(tw_ctx *ctx, bool quiet);

/* Progress on stderr when it is a terminal and not --quiet. */
void cli_progress_attach(tw_ctx *ctx, bool quiet);
void cli_progress_done(void);
bool cli_quiet(void);
void cli_set_quiet(bool q);
/* One-line notes on stderr unless quiet. */
void cli_note(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Create a context from --threads and --seed. NULL (message printed) on failure. */
tw_ctx *cli_ctx_new(const cli_args *a);

/* ---- the analysis pipeline ---- */

/* Options shared by gistar, lisa and moran (and the weights command). */
extern const cli_optspec cli_analysis_opts[];
extern const size_t cli_analysis_nopts;

typedef struct cli_analysis {
    tw_ctx *ctx;
    tw_areas *areas;         /* analysis units */
    tw_areas *hierarchy;     /* optional lookup for codes (--hierarchy) */
    tw_locator *locator;
    tw_level level;
    double *count;           /* per area */
    double *population;      /* per area (NaN -> 0) */
    double *x;               /* the analysed variable */
    tw_rate_kind rate_kind;
    double rate_per;
    tw_weights *nb;          /* neighbours as built (style B) */
    tw_weights_spec wspec;
    const char *weights_text;
    tw_read_report cases_report;
    tw_aggregate_report agg;
    size_t n_case_files;
    char variable_label[128]; /* e.g. "cases per 100,000" */
    /* Mixed precision and PSGC versions (--coarse, --exact-ip-points,
       --crosswalk/--to-version; docs/cases.md): read by cli_load_areas,
       applied by cli_load_counts. */
    tw_coarse_mode coarse;
    bool exact_ip_points;
    const char *crosswalk_path, *to_version;
    bool placement_applied;  /* cli_load_counts used the options above */
    tw_level asked_level;    /* --coarse level: the level asked for, when moved coarser */
    double *allocated;       /* per area: part of count spread by population, or NULL */
    double *split;           /* per area: part placed from crosswalk splits, or NULL */
    tw_publication *pub;     /* --public: what may be published (src/cli/public.c), or NULL */
    /* --by-source (gistar, lisa; set before cli_analysis_prepare): the count
       per area of each source present in the records, placed as count. */
    bool by_source;
    size_t n_by_source;
    char source_name[64][40];
    double *source_count[64];
    char source_filter[1024]; /* --source as a comma-separated list (cli_aggregate_opts) */
} cli_analysis;

/* Load areas from --areas (repeatable) and apply --level (dissolving when coarser). */
int cli_load_areas(cli_analysis *an, const cli_args *a, bool need_population);
/* Read --cases, --counts and --db (filters pushed down) into one tw_cases
   (*out, caller frees); rejects next to --out; adds to *report and *n_sources. */
int cli_read_records(tw_ctx *ctx, const cli_args *a, tw_read_report *report,
                     size_t *n_sources, tw_cases **out);
/* tw_aggregate_opts of --level (an->level), --hierarchy, --snap, --children,
   --from/--to, --source, --category; placement fields zero. */
int cli_aggregate_opts(cli_analysis *an, const cli_args *a, tw_aggregate_opts *ao);
/* --source (repeatable, each NAME or NAME,NAME) as one comma-separated list
   in buf (*out = buf), or *out = NULL when not given; EXIT_USAGE after
   printing the problem. */
int cli_source_filter(const cli_args *a, char *buf, size_t cap, const char **out);
/* --by-source/--by-source-out: set *on, refuse them with --public and
   --by-source-out alone (EXIT_USAGE after printing why). */
int cli_by_source_opts(const cli_args *a, bool *on);
/* Placement fields of ao from an (--coarse, IP rule, crosswalk read into *cw,
   which the caller frees after counting); sets an->placement_applied. */
int cli_placement_opts(cli_analysis *an, tw_aggregate_opts *ao, tw_crosswalk **cw);
/* --coarse level: after a count (an->agg) that left records above the
   analysis level, dissolve the areas to the coarsest such level and reset
   areas, locator, level, count and population; *moved when it did (count
   again). Exit code. */
int cli_coarse_level_move(cli_analysis *an, tw_aggregate_opts *ao, bool *moved);
/* Load --cases/--counts/--db, aggregate to areas; fills count and population. */
int cli_load_counts(cli_analysis *an, const cli_args *a);
/* Compute the variable from --rate. */
int cli_make_variable(cli_analysis *an, const cli_args *a);
/* Build neighbours from --weights (default knn:8). */
int cli_make_weights(cli_analysis *an, const cli_args *a);
/* Run the whole pipeline (areas, counts, variable, weights). */
int cli_analysis_prepare(cli_analysis *an, const cli_args *a);
void cli_analysis_free(cli_analysis *an);
/* Human summary of the inputs on stderr (records read, placed, coarser, ...). */
void cli_analysis_print_inputs(const cli_analysis *an);

/* Local statistics output: CSV, GeoJSON, map, and top-N list on stdout. */
int cli_write_local(cli_analysis *an, const cli_args *a, const tw_local_result *r,
                    const char *title, const char *legend_kind,
                    const tw_extra_column *extra, size_t n_extra);

/* --public (public.c): options; publish the counts (after cli_load_counts,
   before the variable); table columns and stdout summary of a public run. */
extern const cli_optspec cli_public_opts[];
extern const size_t cli_public_nopts;
int cli_public_apply(cli_analysis *an, const cli_args *a);
/* The --public options' values (--min-count, --epsilon, --noise-seed and
   their pairing with --public), checked before any input is read: EXIT_OK
   or EXIT_USAGE with the message printed. */
int cli_public_check(const cli_args *a);
/* The same for a space-time cube (n * steps, step-major; NULL: counts only):
   one publication over cells, areas and totals; the analysis then sees the
   public view in an->count and cube (whole numbers when whole). */
int cli_public_apply_cube(cli_analysis *an, const cli_args *a, double *cube, size_t steps,
                          bool whole);
/* scan: cli_public_apply_cube on its area-major cube (or NULL), whole view. */
int cli_public_scan(cli_analysis *an, const cli_args *a, double *cube, size_t steps);
/* scan --public: clusters with 0 < observed < --min-count (public view) get
   observed, rr, oe, llr, p, p_gumbel and recurrence NaN (printed "nan"). */
void cli_public_scan_clusters(const cli_analysis *an, tw_scan_result *r);
/* kde: check --public and its options (bandwidth sigma_m in metres, given
   as a number); *min_count gets --min-count, 0 when not public. Then mask and round the surface:
   cells where fewer than min_count cases weigh in (density / peak_one) are
   NaN, the others rounded to whole cases; returns the cells masked. */
#define CLI_PUBLIC_KDE_MIN_BW_KM 5.0
int cli_public_kde(const cli_args *a, double sigma_m, bool bandwidth_given, double *min_count);
size_t cli_public_kde_mask(double *dens, size_t cells, double peak_one, double min_count);
size_t cli_public_table(cli_analysis *an, const tw_extra_column *extra, size_t n_extra,
                        tw_extra_column *out, size_t cap);
void cli_public_print_inputs(const cli_analysis *an);

/* Subcommands. */
int cmd_gistar(int argc, char **argv);
int cmd_lisa(int argc, char **argv);
int cmd_moran(int argc, char **argv);
int cmd_weights(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
/* ID:N:RR[:ONSET] of simulate --cluster and scan --alt-cluster into *out and
   *onset (days, 0 when none); false after printing the problem (cmd_simulate.c). */
bool cli_cluster_parse(const char *opt, const char *text, tw_sim_cluster *out, int32_t *onset);
int cmd_geography(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_geocode(int argc, char **argv);
int cmd_geo(int argc, char **argv);
int cmd_emerging(int argc, char **argv);
int cmd_kde(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_key(int argc, char **argv);
/* cmd_dedup.c: tanaw dedup; db incidents and db ingest --dedup (routed
   from cmd_db; -1 when argv is neither); what analyses read from --db
   (records or incidents, --count). */
int cmd_dedup(int argc, char **argv);
int cli_db_dedup_route(int argc, char **argv);
int cli_store_read(tw_ctx *ctx, const cli_args *a, tw_store *st, const tw_store_filter *f,
                   tw_cases **cases, size_t *got);

#endif
