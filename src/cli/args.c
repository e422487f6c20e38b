/*
 * args.c: the command line toolkit of the tanaw command: a table-driven
 * option parser (--name VALUE, --name=VALUE, repeatable options, --help),
 * strict numbers for option values, error reporting with file/line/field,
 * and progress on stderr when it is a terminal.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static bool quiet_flag;

bool cli_quiet(void) { return quiet_flag; }
void cli_set_quiet(bool q) { quiet_flag = q; }

void cli_note(const char *fmt, ...)
{
    if (quiet_flag)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void print_help(const cli_optspec *spec, size_t nspec, const char *usage,
                       const char *description)
{
    printf("usage: %s\n\n%s\n\noptions:\n", usage, description);
    for (size_t i = 0; i < nspec; i++) {
        char left[64];
        if (spec[i].has_arg)
            snprintf(left, sizeof left, "--%s %s", spec[i].name, spec[i].arg ? spec[i].arg : "VALUE");
        else
            snprintf(left, sizeof left, "--%s", spec[i].name);
        printf("  %-28s %s%s\n", left, spec[i].help, spec[i].repeatable ? " (repeatable)" : "");
    }
    printf("  %-28s %s\n", "--help", "show this help and exit");
    /* the common codes, unless the command documents its own */
    int own = 0;
    for (const char *p = description; p && *p && !own; p++)
        own = strncasecmp(p, "exit codes", 10) == 0;
    if (!own)
        printf("\nexit codes: 0 success, 1 usage error, 2 input rejected, 3 output not "
               "written, 4 out of memory or internal error\n");
}

int cli_parse(cli_args *a, const cli_optspec *spec, size_t nspec, int argc, char **argv,
              const char *usage, const char *description)
{
    memset(a, 0, sizeof *a);
    a->spec = spec;
    a->nspec = nspec;
    for (size_t k = 0; k < nspec; k++) /* a table listing an option twice is a bug */
        for (size_t j = k + 1; j < nspec; j++)
            if (strcmp(spec[k].name, spec[j].name) == 0) {
                fprintf(stderr, "tanaw: internal error: option --%s listed twice\n",
                        spec[k].name);
                return EXIT_INTERNAL;
            }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help(spec, nspec, usage, description);
            return EXIT_OK;
        }
        if (strncmp(arg, "--", 2) != 0) {
            if (a->npositional >= sizeof a->positional / sizeof a->positional[0]) {
                fprintf(stderr, "tanaw: too many arguments\n");
                return EXIT_USAGE;
            }
            a->positional[a->npositional++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        size_t k;
        for (k = 0; k < nspec; k++)
            if (strlen(spec[k].name) == nlen && strncmp(spec[k].name, name, nlen) == 0)
                break;
        if (k == nspec) {
            fprintf(stderr, "tanaw: unknown option '%.*s' (see --help)\n", (int)nlen + 2, arg);
            return EXIT_USAGE;
        }
        const char *value = NULL;
        if (spec[k].has_arg) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                fprintf(stderr, "tanaw: option --%s needs a value %s\n", spec[k].name,
                        spec[k].arg ? spec[k].arg : "");
                return EXIT_USAGE;
            }
        } else if (eq) {
            fprintf(stderr, "tanaw: option --%s takes no value\n", spec[k].name);
            return EXIT_USAGE;
        }
        if (!spec[k].repeatable) {
            for (size_t t = 0; t < a->n; t++)
                if (a->which[t] == (int)k) {
                    fprintf(stderr, "tanaw: option --%s given twice\n", spec[k].name);
                    return EXIT_USAGE;
                }
        }
        if (a->n >= CLI_MAX_VALUES) {
            fprintf(stderr, "tanaw: too many options\n");
            return EXIT_USAGE;
        }
        a->values[a->n] = value ? value : "";
        a->which[a->n] = (int)k;
        a->n++;
    }
    return -1;
}

static int spec_index(const cli_args *a, const char *name)
{
    for (size_t k = 0; k < a->nspec; k++)
        if (strcmp(a->spec[k].name, name) == 0)
            return (int)k;
    return -1;
}

const char *cli_get(const cli_args *a, const char *name)
{
    int k = spec_index(a, name);
    const char *v = NULL;
    for (size_t t = 0; t < a->n; t++)
        if (a->which[t] == k)
            v = a->values[t];
    return v;
}

bool cli_flag(const cli_args *a, const char *name) { return cli_get(a, name) != NULL; }

void cli_spec_add(cli_optspec *spec, size_t *n, const cli_optspec *src, size_t m,
                  const char *const *skip)
{
    for (size_t k = 0; k < m; k++) {
        bool out = false;
        for (size_t j = 0; skip && skip[j] && !out; j++)
            out = strcmp(skip[j], src[k].name) == 0;
        if (out)
            continue;
        if (*n >= CLI_MAX_OPTS) {
            fprintf(stderr, "tanaw: internal error: more than %d options (--%s)\n", CLI_MAX_OPTS,
                    src[k].name);
            abort();
        }
        spec[(*n)++] = src[k];
    }
}

size_t cli_all(const cli_args *a, const char *name, const char **out, size_t max)
{
    int k = spec_index(a, name);
    size_t m = 0;
    for (size_t t = 0; t < a->n; t++)
        if (a->which[t] == k && m < max)
            out[m++] = a->values[t];
    return m;
}

bool cli_uint64(const char *opt, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!text || !*text || *text == '-')
        goto bad;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end)
        goto bad;
    *out = (uint64_t)v;
    return true;
bad:
    fprintf(stderr, "tanaw: --%s: expected a whole number >= 0, got '%s'\n", opt, text ? text : "");
    return false;
}

bool cli_int(const char *opt, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = text && *text ? strtol(text, &end, 10) : 0;
    if (!text || !*text || errno || *end || v < min || v > max) {
        fprintf(stderr, "tanaw: --%s: expected a whole number from %ld to %ld, got '%s'\n", opt,
                min, max, text ? text : "");
        return false;
    }
    *out = v;
    return true;
}

bool cli_double(const char *opt, const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = text && *text ? strtod(text, &end) : NAN;
    if (!text || !*text || errno || *end || !isfinite(v) || v < min || v > max) {
        fprintf(stderr, "tanaw: --%s: expected a number from %g to %g, got '%s'\n", opt, min, max,
                text ? text : "");
        return false;
    }
    *out = v;
    return true;
}

void cli_report(tw_ctx *ctx, const char *what)
{
    const tw_error *e = tw_ctx_error(ctx);
    fprintf(stderr, "tanaw: ");
    if (e->file[0]) {
        fprintf(stderr, "%s:", e->file);
        if (e->line > 0)
            fprintf(stderr, "%ld:", e->line);
        if (e->column > 0)
            fprintf(stderr, "%ld:", e->column);
        fputc(' ', stderr);
    } else if (what) {
        fprintf(stderr, "%s: ", what);
    }
    if (e->field[0])
        fprintf(stderr, "field '%s': ", e->field);
    fprintf(stderr, "%s\n", e->message[0] ? e->message : tw_status_str(e->code));
}

int cli_exit_for(tw_status s)
{
    switch (s) {
    case TW_OK: return EXIT_OK;
    case TW_E_ARG: return EXIT_USAGE;
    case TW_E_NOMEM:
    case TW_E_INTERNAL: return EXIT_INTERNAL;
    default: return EXIT_INPUT;
    }
}

void cli_warnings(tw_ctx *ctx, bool quiet)
{
    if (!quiet)
        for (size_t i = 0; i < tw_ctx_warning_count(ctx); i++)
            fprintf(stderr, "tanaw: warning: %s\n", tw_ctx_warning(ctx, i));
    tw_ctx_clear_warnings(ctx);
}

/* ---- progress ---- */

static struct {
    int active;
    double last;
    char stage[64];
} prog;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int progress_cb(void *ud, const char *stage, double done, double total)
{
    (void)ud;
    double t = now_s();
    int new_stage = strncmp(prog.stage, stage, sizeof prog.stage - 1) != 0;
    if (!new_stage && t - prog.last < 0.1 && done < total)
        return 0;
    if (new_stage && prog.stage[0])
        fputc('\n', stderr);
    snprintf(prog.stage, sizeof prog.stage, "%s", stage);
    prog.last = t;
    prog.active = 1;
    if (total > 0)
        fprintf(stderr, "\r%-24s %5.1f%%", stage, 100.0 * done / total);
    else
        fprintf(stderr, "\r%-24s %.0f", stage, done);
    fflush(stderr);
    return 0;
}

void cli_progress_attach(tw_ctx *ctx, bool quiet)
{
    if (!quiet && isatty(STDERR_FILENO))
        tw_ctx_set_progress(ctx, progress_cb, NULL);
}

void cli_progress_done(void)
{
    if (prog.active) {
        fputc('\n', stderr);
        prog.active = 0;
        prog.stage[0] = '\0';
    }
}

tw_ctx *cli_ctx_new(const cli_args *a)
{
    tw_ctx *ctx = tw_ctx_new();
    if (!ctx) {
        fprintf(stderr, "tanaw: out of memory\n");
        return NULL;
    }
    const char *t = cli_get(a, "threads");
    if (t) {
        long n;
        if (!cli_int("threads", t, 0, 1024, &n)) {
            tw_ctx_free(ctx);
            return NULL;
        }
        tw_ctx_set_threads(ctx, (int)n);
    }
    const char *s = cli_get(a, "seed");
    if (s) {
        uint64_t seed;
        if (!cli_uint64("seed", s, &seed)) {
            tw_ctx_free(ctx);
            return NULL;
        }
        tw_ctx_set_seed(ctx, seed);
    }
    cli_set_quiet(cli_flag(a, "quiet"));
    cli_progress_attach(ctx, cli_quiet());
    return ctx;
}
