/*
 * grid_io.c: writers of a density grid in formats QGIS opens without
 * GeoTIFF: the ESRI ASCII grid (.asc, rows from north to south, corner
 * registration) with its .prj (ESRI WKT), and a CSV of cells with their
 * projected and lon/lat centres. Numbers are written with 10 significant
 * digits (%.10g): a density is an estimate, and this keeps a national
 * 1000 x 1000 grid under 15 MB. Writes go to path.tmp and are renamed,
 * so a failed write never leaves half a file under the final name.
 * O(cells).
 */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static tw_status open_tmp(tw_ctx *ctx, const char *path, char *tmp, size_t cap, FILE **f)
{
    if (snprintf(tmp, cap, "%s.tmp", path) >= (int)cap)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "path is too long");
    *f = fopen(tmp, "wb");
    if (!*f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot write: %s", strerror(errno));
    return TW_OK;
}

static tw_status close_tmp(tw_ctx *ctx, const char *path, const char *tmp, FILE *f)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "write failed: %s", strerror(errno));
    }
    return TW_OK;
}

static tw_status check_grid(tw_ctx *ctx, const tw_grid *g, const double *v, const char *path)
{
    if (!g || !v || !path || g->nx == 0 || g->ny == 0 || !(g->cell > 0))
        return ctx_error(ctx, TW_E_ARG, "grid writer: grid, values and path are required");
    return TW_OK;
}

tw_status tw_grid_write_asc(tw_ctx *ctx, const tw_grid *g, const double *v,
                            const char *prj_wkt, const char *path)
{
    tw_status s;
    if ((s = check_grid(ctx, g, v, path)))
        return s;
    char tmp[4096];
    FILE *f;
    if ((s = open_tmp(ctx, path, tmp, sizeof tmp, &f)))
        return s;
    fprintf(f, "ncols %zu\nnrows %zu\nxllcorner %.10g\nyllcorner %.10g\ncellsize %.10g\n"
               "NODATA_value -9999\n",
            g->nx, g->ny, g->x0, g->y0, g->cell);
    for (size_t r = g->ny; r-- > 0;) {
        const double *row = v + r * g->nx;
        for (size_t c = 0; c < g->nx; c++) {
            if (isnan(row[c]))
                fputs(c ? " -9999" : "-9999", f);
            else
                fprintf(f, c ? " %.10g" : "%.10g", row[c]);
        }
        fputc('\n', f);
    }
    if ((s = close_tmp(ctx, path, tmp, f)))
        return s;
    if (prj_wkt) {
        char prj[4096];
        size_t len = strlen(path);
        if (len > 4 && (strcmp(path + len - 4, ".asc") == 0 || strcmp(path + len - 4, ".ASC") == 0))
            len -= 4;
        if (len + 5 > sizeof prj)
            return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "path is too long");
        memcpy(prj, path, len);
        memcpy(prj + len, ".prj", 5);
        if ((s = open_tmp(ctx, prj, tmp, sizeof tmp, &f)))
            return s;
        fputs(prj_wkt, f);
        fputc('\n', f);
        if ((s = close_tmp(ctx, prj, tmp, f)))
            return s;
    }
    return TW_OK;
}

tw_status tw_grid_write_csv(tw_ctx *ctx, const tw_grid *g, const double *v, int utm_zone,
                            int skip_zero, const char *path)
{
    tw_status s;
    if ((s = check_grid(ctx, g, v, path)))
        return s;
    char tmp[4096];
    FILE *f;
    if ((s = open_tmp(ctx, path, tmp, sizeof tmp, &f)))
        return s;
    fputs(utm_zone ? "col,row,x_m,y_m,lon,lat,value\n" : "col,row,x,y,value\n", f);
    for (size_t r = 0; r < g->ny; r++)
        for (size_t c = 0; c < g->nx; c++) {
            double val = v[r * g->nx + c];
            if (skip_zero && (val == 0 || isnan(val)))
                continue;
            double x = g->x0 + ((double)c + 0.5) * g->cell, y = g->y0 + ((double)r + 0.5) * g->cell;
            if (utm_zone) {
                double lon, lat;
                tw_utm_inverse(utm_zone, x, y, &lon, &lat);
                fprintf(f, "%zu,%zu,%.3f,%.3f,%.6f,%.6f,", c, r, x, y, lon, lat);
            } else {
                fprintf(f, "%zu,%zu,%.10g,%.10g,", c, r, x, y);
            }
            if (isnan(val))
                fputs("\n", f);
            else
                fprintf(f, "%.10g\n", val);
        }
    return close_tmp(ctx, path, tmp, f);
}
