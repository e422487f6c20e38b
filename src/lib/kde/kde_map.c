/*
 * kde_map.c: tw_kde_map_write, the heat map of a density grid: cells on
 * the YlOrRd ramp, linear from 0 to the grid's maximum, cells under 2 %
 * of the maximum left transparent (so the land and the sea stay readable
 * where nothing was reported), the area boundaries drawn over, and a
 * colour bar. O(cells + vertices).
 */
#include "kde/draw.h"

#include <math.h>

tw_status tw_kde_map_write(tw_ctx *ctx, const tw_grid *g, const double *v, int utm_zone,
                           const tw_areas *a, const char *title, const char *legend_title,
                           const char *path)
{
    if (!g || !v || !path || g->nx == 0 || g->ny == 0 || utm_zone < 1 || utm_zone > 60)
        return ctx_error(ctx, TW_E_ARG, "heat map: grid, values, zone and path are required");
    if (g->nx > 20000 || g->ny > 20000)
        return ctx_error(ctx, TW_E_UNSUPPORTED, "heat map: grid too large to draw");
    size_t cells = g->nx * g->ny;
    double hi = 0;
    for (size_t t = 0; t < cells; t++)
        if (isfinite(v[t]) && v[t] > hi)
            hi = v[t];
    uint32_t *px = ctx_mallocarray(ctx, cells, sizeof *px);
    if (!px)
        return ctx_nomem(ctx);
    for (size_t t = 0; t < cells; t++) {
        double f = hi > 0 && isfinite(v[t]) ? v[t] / hi : 0;
        px[t] = f < 0.02 ? 0 : draw_ramp(f);
    }
    double box[4] = {g->x0, g->y0, g->x0 + (double)g->nx * g->cell,
                     g->y0 + (double)g->ny * g->cell};
    draw_page p;
    tw_status s = draw_open(ctx, &p, path, utm_zone, box[0], box[1], box[2], box[3], title,
                            legend_title);
    if (s) {
        ctx_free(ctx, px);
        return s;
    }
    draw_raster(&p, g, px);
    ctx_free(ctx, px);
    if (a)
        draw_areas(&p, a, NULL, NULL, 0.55);
    p.avoid = a;
    draw_colour_bar(&p, legend_title ? legend_title : "density", 0, hi);
    return draw_close(ctx, &p, path);
}
