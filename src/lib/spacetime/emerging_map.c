/*
 * emerging_map.c: tw_emerging_map_write, the map of the 17 emerging hot
 * spot categories: reds for hot patterns (darkest = new, lightest =
 * historical), blues for cold ones, light grey for no pattern, with a
 * legend of the categories present and their counts. Drawn through the
 * page of kde/draw.c in UTM (zone of the areas' centre). O(vertices).
 */
#include "kde/draw.h"

#include <stdio.h>
#include <string.h>

static const uint32_t hot_col[9] = {0xEEEEEE, 0x67000D, 0xA50F15, 0xCB181D, 0xEF3B2C,
                                    0xFB6A4A, 0xFC9272, 0xE7298A, 0xFDD0A2};
static const uint32_t cold_col[9] = {0xEEEEEE, 0x08306B, 0x08519C, 0x2171B5, 0x4292C6,
                                     0x6BAED6, 0x9ECAE1, 0x7570B3, 0xC6DBEF};

tw_status tw_emerging_map_write(tw_ctx *ctx, const tw_areas *a, const int *category,
                                const char *title, const char *subtitle, const char *path)
{
    if (!a || !category || !path)
        return ctx_error(ctx, TW_E_ARG, "emerging map: areas, categories and path are required");
    size_t n = tw_areas_count(a);
    int zone = draw_zone_for(a);
    double box[4];
    if (!draw_areas_extent(a, zone, box))
        return ctx_error(ctx, TW_E_EMPTY, "emerging map: the areas have no polygon or point");
    /* palette index: 0 none, 1..8 hot, 9..16 cold */
    uint32_t colours[17];
    size_t count[17] = {0};
    colours[0] = hot_col[0];
    for (int k = 1; k <= 8; k++) {
        colours[k] = hot_col[k];
        colours[8 + k] = cold_col[k];
    }
    int *idx = ctx_mallocarray(ctx, n ? n : 1, sizeof *idx);
    if (!idx)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < n; i++) {
        int c = category[i];
        int k = c > 0 && c <= 8 ? c : c < 0 && c >= -8 ? 8 - c : 0;
        idx[i] = k;
        count[k]++;
    }
    draw_page p;
    double pad = 0.02 * (box[2] - box[0] + box[3] - box[1]);
    tw_status s = draw_open(ctx, &p, path, zone, box[0] - pad, box[1] - pad, box[2] + pad,
                            box[3] + pad, title ? title : "Emerging hot spots", subtitle);
    if (s) {
        ctx_free(ctx, idx);
        return s;
    }
    draw_areas(&p, a, idx, colours, 0.5);
    p.avoid = a;
    ctx_free(ctx, idx);
    uint32_t lc[17];
    char text[17][64];
    const char *labels[17];
    size_t m = 0;
    static const int order[17] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0};
    for (int t = 0; t < 17; t++) {
        int k = order[t];
        if (!count[k])
            continue;
        int c = k <= 8 ? k : 8 - k;
        snprintf(text[m], sizeof text[m], "%s (%zu)", tw_emerging_label(c), count[k]);
        labels[m] = text[m];
        lc[m++] = colours[k];
    }
    draw_legend(&p, "Pattern (areas)", m, lc, labels);
    return draw_close(ctx, &p, path);
}
