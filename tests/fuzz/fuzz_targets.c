/*
 * fuzz_targets.c: fuzz targets for the parsers of outside input, one per
 * binary, chosen by TW_FUZZ_TARGET at compile time: the CSV reader, the
 * case record reader (validation, rejects), the GeoJSON areas reader and the
 * GAL weights reader. Each writes the input to a temporary file (the readers
 * take paths), parses it, and frees everything; any crash, leak or
 * undefined behaviour is the finding.
 */
#define _POSIX_C_SOURCE 200809L
#include "io/csv.h"
#include "tanaw/tanaw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *to_file(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/tanaw-fuzz-%ld", (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    fwrite(data, 1, size, f);
    fclose(f);
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = to_file(data, size);
    if (!path)
        return 0;
    tw_ctx *ctx = tw_ctx_new();
#if TW_FUZZ_TARGET == 1
    csv_reader *r;
    if (csv_open(ctx, path, &r) == TW_OK) {
        bool eof = false;
        while (csv_next(r, &eof) == TW_OK && !eof)
            for (size_t i = 0; i < csv_nfields(r); i++)
                (void)csv_field(r, i, NULL);
        csv_close(r);
    }
#elif TW_FUZZ_TARGET == 2
    tw_cases *c = NULL;
    tw_read_report rep;
    tw_cases_read_opts o;
    memset(&o, 0, sizeof o);
    char rej[96];
    snprintf(rej, sizeof rej, "%s.rejects", path);
    o.rejects_path = rej;
    (void)tw_cases_read_csv(ctx, path, &o, &c, &rep);
    tw_cases_free(c);
    o.aggregated = 1;
    c = NULL;
    (void)tw_cases_read_csv(ctx, path, &o, &c, &rep);
    tw_cases_free(c);
    remove(rej);
#elif TW_FUZZ_TARGET == 3
    tw_areas *a = NULL;
    if (tw_areas_new(ctx, &a) == TW_OK && tw_areas_read_geojson(ctx, a, path, NULL, NULL, NULL) == TW_OK)
        (void)tw_areas_finalize(ctx, a, 0);
    tw_areas_free(a);
#elif TW_FUZZ_TARGET == 4
    /* GAL against a fixed 5-area geography with ids 1..5. */
    tw_areas *a = NULL;
    char csv[96];
    snprintf(csv, sizeof csv, "%s.areas.csv", path);
    FILE *f = fopen(csv, "w");
    if (f) {
        fputs("id,lon,lat,population\n1,121,11,10\n2,121.1,11,10\n3,121.2,11,10\n4,121,11.1,10\n5,121.1,11.1,10\n", f);
        fclose(f);
        tw_areas_csv_columns cols = {.id = "id", .population = "population"};
        if (tw_areas_new(ctx, &a) == TW_OK && tw_areas_read_csv(ctx, a, csv, &cols) == TW_OK &&
            tw_areas_finalize(ctx, a, 0) == TW_OK) {
            tw_weights *w = NULL;
            if (tw_weights_read_gal(ctx, a, path, &w) == TW_OK)
                (void)tw_weights_symmetric(w);
            tw_weights_free(w);
        }
        tw_areas_free(a);
        remove(csv);
    }
#endif
    tw_ctx_free(ctx);
    return 0;
}
