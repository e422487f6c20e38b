/*
 * main.c: the tanaw command. Dispatches `tanaw <subcommand> [options]`
 * from a table (as git.c does), prints help and version, and checks that
 * stdout was written. Each subcommand lives in its own cmd_*.c file and
 * uses only the public header of libtanaw.
 */
#include "cli.h"

#include <string.h>

static const cli_command commands[] = {
    {"gistar", cmd_gistar, "Getis-Ord Gi* hot and cold spots per area"},
    {"lisa", cmd_lisa, "local Moran's I clusters and outliers (HH/LH/LL/HL)"},
    {"moran", cmd_moran, "global Moran's I"},
    {"weights", cmd_weights, "build, summarise and write spatial weights (GAL/GWT)"},
    {"simulate", cmd_simulate, "write synthetic case records over a geography"},
    {"geography", cmd_geography, "write the built-in synthetic geography"},
    {"scan", cmd_scan, "Kulldorff spatial scan statistic: most likely and secondary clusters"},
    {"geocode", cmd_geocode, "place written addresses on PSGC codes (gazetteer, fuzzy, honest outcomes)"},
    {"geo", cmd_geo, "PSGC versions: crosswalk codes between versions (geo crosswalk)"},
    {"emerging", cmd_emerging, "emerging hot spots: space-time Gi*, trends, 17 categories"},
    {"kde", cmd_kde, "kernel density heat map of case points (.asc, CSV, PNG)"},
    {"db", cmd_db, "case store: init, ingest, status, export, verify, purge, incidents (SQLite, PostgreSQL)"},
    {"key", cmd_key, "new pseudonymisation key for the case store (key new --out FILE)"},
    {"dedup", cmd_dedup, "link the store's records into incidents (shared identifiers, dates, place)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tanaw <command> [options]   (tanaw <command> --help for its options)\n\n"
               "Tanaw finds where online sexual exploitation of children concentrates, from\n"
               "case records and the Philippine geography (PSGC).\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nexit codes: 0 success, 1 usage error, 2 input rejected, 3 output not written,\n"
               "4 out of memory or internal error. Documentation: docs/cli.md\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (strcmp(commands[i].name, argv[2]) == 0) {
                    char *hargv[] = {argv[2], (char *)"--help", NULL};
                    return commands[i].fn(2, hargv);
                }
        }
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("tanaw %s\n", TW_VERSION_STRING);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            int rc = commands[i].fn(argc - 1, argv + 1);
            if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "tanaw: could not write to standard output\n");
                return EXIT_OUTPUT;
            }
            return rc;
        }
    }
    fprintf(stderr, "tanaw: '%s' is not a command (see tanaw --help)\n", name);
    return EXIT_USAGE;
}
