/*
 * cmd_geography.c: `tanaw geography --synthetic --out DIR`: writes a small
 * built-in synthetic geography in the same files and columns as the real
 * data folder (municipalities.geojson/.csv, barangays.geojson/.csv), so the
 * demo and tests run where ../shared/data/ph is absent. One made-up region
 * (code 99) with 4 provinces; a mainland block and an island group of
 * square municipalities, each split into 4 x 4 barangays; populations drawn
 * from a log-normal-like law with a fixed seed. Not real places.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const cli_optspec opts[] = {
    {"synthetic", 0, 0, NULL, "write the built-in synthetic geography"},
    {"out", 1, 0, "DIR", "folder to write into (created if missing)"},
    {"seed", 1, 0, "S", "seed of the populations (default 1)"},
    {"quiet", 0, 0, NULL, "no notes on stderr"},
};

enum { MUN_COLS = 10, MUN_ROWS = 8, SUB = 4 };
static const double CELL = 0.12;  /* degrees per municipality */
static const double LON0 = 121.0, LAT0 = 11.0;

static uint64_t mix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double unif(uint64_t *x) { return (double)(mix(x) >> 11) * 0x1.0p-53; }

/* Municipality (c, r) exists unless it is in the strait between mainland and islands. */
static int exists(int c, int r) { return !(c == 6 || (c > 6 && (r == 2 || r == 5))); }

static void square(FILE *f, double x0, double y0, double d)
{
    fprintf(f, "{\"type\":\"Polygon\",\"coordinates\":[[[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f]]]}",
            x0, y0, x0 + d, y0, x0 + d, y0 + d, x0, y0 + d, x0, y0);
}

int cmd_geography(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&a, opts, sizeof opts / sizeof opts[0], argc, argv,
                       "tanaw geography --synthetic --out DIR",
                       "Write the small built-in synthetic geography (made-up region 99) as\n"
                       "municipalities.geojson/.csv and barangays.geojson/.csv.");
    if (rc >= 0)
        return rc;
    cli_set_quiet(cli_flag(&a, "quiet"));
    const char *dir = cli_get(&a, "out");
    if (!cli_flag(&a, "synthetic") || !dir) {
        fprintf(stderr, "tanaw: geography: give --synthetic and --out DIR\n");
        return EXIT_USAGE;
    }
    uint64_t seed = 1;
    const char *s = cli_get(&a, "seed");
    if (s && !cli_uint64("seed", s, &seed))
        return EXIT_USAGE;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tanaw: %s: cannot create folder: %s\n", dir, strerror(errno));
        return EXIT_OUTPUT;
    }
    char p[4][4096];
    const char *names[4] = {"municipalities.geojson", "municipalities.csv", "barangays.geojson",
                            "barangays.csv"};
    FILE *f[4];
    for (int k = 0; k < 4; k++) {
        snprintf(p[k], sizeof p[k], "%s/%s", dir, names[k]);
        f[k] = fopen(p[k], "w");
        if (!f[k]) {
            fprintf(stderr, "tanaw: %s: cannot open for writing: %s\n", p[k], strerror(errno));
            for (int j = 0; j < k; j++)
                fclose(f[j]);
            return EXIT_OUTPUT;
        }
    }
    fprintf(f[0], "{\"type\":\"FeatureCollection\",\"features\":[\n");
    fprintf(f[2], "{\"type\":\"FeatureCollection\",\"features\":[\n");
    fprintf(f[1], "psgc,name,geo_level,region_psgc,province_psgc,province_name,pop2020,lon,lat\n");
    fprintf(f[3], "psgc,name,geo_level,municipality_psgc,municipality_name,province_psgc,region_psgc,pop2020,lon,lat\n");
    uint64_t st = seed * UINT64_C(0x2545f4914f6cdd1d) + 7;
    int first_m = 1, first_b = 1, nm = 0, nb = 0;
    long total = 0;
    for (int c = 0; c < MUN_COLS; c++) {
        for (int r = 0; r < MUN_ROWS; r++) {
            if (!exists(c, r))
                continue;
            int prov = 1 + (c >= 6 ? 2 : 0) + (r >= MUN_ROWS / 2 ? 1 : 0);
            int mnum = ++nm;
            char mcode[48], pcode[48];
            snprintf(pcode, sizeof pcode, "99%03d00000", prov);
            snprintf(mcode, sizeof mcode, "99%03d%02d000", prov, mnum);
            double x0 = LON0 + c * CELL, y0 = LAT0 + r * CELL;
            char mname[64];
            snprintf(mname, sizeof mname, "Synthetic Town %02d", mnum);
            long mpop = 0;
            for (int bi = 0; bi < SUB; bi++) {
                for (int bj = 0; bj < SUB; bj++) {
                    int bnum = bi * SUB + bj + 1;
                    char bcode[48];
                    snprintf(bcode, sizeof bcode, "99%03d%02d%03d", prov, mnum, bnum);
                    double d = CELL / SUB;
                    double bx = x0 + bi * d, by = y0 + bj * d;
                    /* Log-normal-ish: exp of a sum of uniforms; a poblacion is larger. */
                    double g = unif(&st) + unif(&st) + unif(&st) - 1.5;
                    long pop = (long)(800.0 * exp(1.2 * g) * (bnum == 6 ? 4.0 : 1.0)) + 50;
                    mpop += pop;
                    nb++;
                    fprintf(f[2], "%s{\"type\":\"Feature\",\"properties\":{\"psgc\":\"%s\",\"name\":\"Barangay %d\",\"municipality_psgc\":\"%s\"},\"geometry\":",
                            first_b ? "" : ",\n", bcode, bnum, mcode);
                    square(f[2], bx, by, d);
                    fprintf(f[2], "}");
                    first_b = 0;
                    fprintf(f[3], "%s,Barangay %d,Bgy,%s,%s,%s,9900000000,%ld,%.6f,%.6f\n", bcode,
                            bnum, mcode, mname, pcode, pop, bx + d / 2, by + d / 2);
                }
            }
            total += mpop;
            fprintf(f[0], "%s{\"type\":\"Feature\",\"properties\":{\"psgc\":\"%s\",\"name\":\"%s\",\"geo_level\":\"Mun\",\"province_psgc\":\"%s\",\"region_psgc\":\"9900000000\"},\"geometry\":",
                    first_m ? "" : ",\n", mcode, mname, pcode);
            square(f[0], x0, y0, CELL);
            fprintf(f[0], "}");
            first_m = 0;
            fprintf(f[1], "%s,%s,Mun,9900000000,%s,Synthetic Province %d,%ld,%.6f,%.6f\n", mcode,
                    mname, pcode, prov, mpop, x0 + CELL / 2, y0 + CELL / 2);
        }
    }
    fprintf(f[0], "\n]}\n");
    fprintf(f[2], "\n]}\n");
    int bad = 0;
    for (int k = 0; k < 4; k++)
        bad |= fclose(f[k]) != 0;
    if (bad) {
        fprintf(stderr, "tanaw: %s: write failed\n", dir);
        return EXIT_OUTPUT;
    }
    cli_note("wrote a synthetic geography to %s: %d municipalities, %d barangays, population %ld",
             dir, nm, nb, total);
    return EXIT_OK;
}
