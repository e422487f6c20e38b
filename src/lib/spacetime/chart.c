/*
 * chart.c: tw_chart_write, a small line chart of counts over time (the
 * trends of the top areas), PNG or SVG through cairo: one coloured line
 * per series (Tableau 10 palette, then greys), y from 0 to a rounded
 * maximum with 5 gridlines, x labels thinned to at most 12, a legend on
 * the right. O(series * steps). cairo allocates outside the ctx.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define M_PI_2_TW 1.57079632679489661923

static const uint32_t palette[12] = {0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948,
                                     0xB07AA1, 0xFF9DA7, 0x9C755F, 0xBAB0AC, 0x555555, 0x999999};

static void hex(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                         (c & 255) / 255.0);
}

static double nice_max(double v)
{
    if (!(v > 0))
        return 1;
    double e = pow(10, floor(log10(v)));
    double steps[] = {1, 2, 2.5, 5, 10};
    for (int i = 0; i < 5; i++)
        if (steps[i] * e >= v)
            return steps[i] * e;
    return 10 * e;
}

tw_status tw_chart_write(tw_ctx *ctx, const char *const *names, const double *values,
                         size_t nseries, size_t steps, const char *const *step_labels,
                         const char *title, const char *y_label, const char *path)
{
    if (!names || !values || !step_labels || !path || steps == 0)
        return ctx_error(ctx, TW_E_ARG, "chart: names, values, labels and path are required");
    if (nseries == 0 || nseries > 12)
        return ctx_error(ctx, TW_E_ARG, "chart: 1 to 12 series, got %zu", nseries);
    size_t len = strlen(path);
    int svg = len > 4 && strcasecmp(path + len - 4, ".svg") == 0;
    if (!svg && !(len > 4 && strcasecmp(path + len - 4, ".png") == 0))
        return ctx_error(ctx, TW_E_ARG, "chart: '%s' should end in .png or .svg", path);
    double W = 1200, H = 650;
    cairo_surface_t *sf = svg ? cairo_svg_surface_create(path, W, H)
                              : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)W, (int)H);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot create the chart");
    }
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    double x0 = 90, x1 = W - 300, y0 = 90, y1 = H - 80;
    double vmax = 0;
    for (size_t t = 0; t < nseries * steps; t++)
        if (isfinite(values[t]) && values[t] > vmax)
            vmax = values[t];
    double top = nice_max(vmax);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 24);
    cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
    cairo_move_to(cr, 30, 45);
    cairo_show_text(cr, title ? title : "");
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 14);
    char buf[64];
    for (int g = 0; g <= 5; g++) {
        double v = top * g / 5, y = y1 - (y1 - y0) * g / 5;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x1, y);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%g", v);
        cairo_text_extents_t te;
        cairo_text_extents(cr, buf, &te);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_move_to(cr, x0 - 10 - te.width, y + 5);
        cairo_show_text(cr, buf);
    }
    if (y_label) {
        cairo_save(cr);
        cairo_move_to(cr, 25, (y0 + y1) / 2 + 40);
        cairo_rotate(cr, -M_PI_2_TW);
        cairo_show_text(cr, y_label);
        cairo_restore(cr);
    }
    double dx = steps > 1 ? (x1 - x0) / (double)(steps - 1) : 0;
    size_t every = (steps + 11) / 12;
    for (size_t k = 0; k < steps; k += every) {
        double x = steps > 1 ? x0 + dx * (double)k : (x0 + x1) / 2;
        cairo_text_extents_t te;
        cairo_text_extents(cr, step_labels[k], &te);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_move_to(cr, x - te.width / 2, y1 + 22);
        cairo_show_text(cr, step_labels[k]);
    }
    for (size_t s = 0; s < nseries; s++) {
        hex(cr, palette[s]);
        cairo_set_line_width(cr, 2.5);
        int pen = 0;
        for (size_t k = 0; k < steps; k++) {
            double v = values[s * steps + k];
            if (!isfinite(v)) {
                pen = 0;
                continue;
            }
            double x = steps > 1 ? x0 + dx * (double)k : (x0 + x1) / 2;
            double y = y1 - (y1 - y0) * v / top;
            if (pen)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
            pen = 1;
        }
        cairo_stroke(cr);
        double ly = y0 + 26 * (double)s;
        cairo_rectangle(cr, x1 + 25, ly - 10, 22, 4);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
        cairo_move_to(cr, x1 + 55, ly - 3);
        char nm[40];
        snprintf(nm, sizeof nm, "%.36s", names[s] ? names[s] : "");
        cairo_show_text(cr, nm);
    }
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs == CAIRO_STATUS_SUCCESS && !svg)
        cs = cairo_surface_write_to_png(sf, path);
    cairo_surface_finish(sf);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot write the chart: %s",
                            cairo_status_to_string(cs));
    return TW_OK;
}
