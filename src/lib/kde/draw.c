/*
 * draw.c: a minimal cairo page for the heat map (tw_kde_map_write) and the
 * emerging hot spot map (tw_emerging_map_write). Everything is drawn in
 * UTM metres (tw_utm_forward) so the density raster, which lives on a UTM
 * grid, lies exactly under the boundaries; for the Philippines (zone 51)
 * shapes are true to 0.5 %. The render module's map (render/map.c) keeps
 * its helpers private and draws classes only, hence this file.
 *
 * Layout: title and subtitle on top, the frame fitted to the extent with
 * margins, legend boxed in the lower-left corner of the frame (the sea
 * west of Mindanao and south of Palawan on national maps). Polygons are
 * one path per fill colour and one stroked path of all rings, as
 * render/map.c does, so 42,000 barangays stay fast. O(vertices + pixels).
 * cairo allocates with malloc, outside the ctx allocator.
 */
#define _POSIX_C_SOURCE 200809L
#include "kde/draw.h"
#include "geo/areas_internal.h"

#include <cairo-svg.h>
#include <math.h>
#include <string.h>
#include <strings.h>

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

int draw_zone_for(const tw_areas *a)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < a->n; i++)
        if (isfinite(a->lon[i])) {
            lo = fmin(lo, a->lon[i]);
            hi = fmax(hi, a->lon[i]);
        }
    double c = isfinite(lo) ? (lo + hi) / 2 : 123;
    int z = (int)floor((c + 180) / 6) + 1;
    return z < 1 ? 1 : z > 60 ? 60 : z;
}

int draw_areas_extent(const tw_areas *a, int zone, double box[4])
{
    int any = 0;
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (size_t i = 0; i < a->n; i++) {
        const area_geom *g = a->geom ? a->geom[i] : NULL;
        double ll[4][2];
        int k = 0;
        if (g && g->n_points) {
            /* corners of the lon/lat box: UTM bends meridians, use all four */
            ll[0][0] = g->bbox[0], ll[0][1] = g->bbox[1];
            ll[1][0] = g->bbox[2], ll[1][1] = g->bbox[1];
            ll[2][0] = g->bbox[0], ll[2][1] = g->bbox[3];
            ll[3][0] = g->bbox[2], ll[3][1] = g->bbox[3];
            k = 4;
        } else if (isfinite(a->lon[i]) && isfinite(a->lat[i])) {
            ll[0][0] = a->lon[i], ll[0][1] = a->lat[i];
            k = 1;
        }
        for (int t = 0; t < k; t++) {
            double e, n;
            tw_utm_forward(zone, ll[t][0], ll[t][1], &e, &n);
            box[0] = fmin(box[0], e);
            box[1] = fmin(box[1], n);
            box[2] = fmax(box[2], e);
            box[3] = fmax(box[3], n);
            any = 1;
        }
    }
    return any;
}

static void to_px(const draw_page *p, double e, double n, double *x, double *y)
{
    *x = p->fx0 + (e - p->mx0) * p->s;
    *y = p->fy0 + (p->my1 - n) * p->s;
}

tw_status draw_open(tw_ctx *ctx, draw_page *p, const char *path, int zone, double e0, double n0,
                    double e1, double n1, const char *title, const char *subtitle)
{
    memset(p, 0, sizeof *p);
    p->w = 1200;
    p->h = 1500;
    p->zone = zone;
    p->svg = has_suffix(path, ".svg");
    if (!p->svg && !has_suffix(path, ".png"))
        return ctx_error(ctx, TW_E_ARG, "map: '%s' should end in .png or .svg", path);
    if (!(e1 > e0) || !(n1 > n0))
        return ctx_error(ctx, TW_E_EMPTY, "map: nothing to draw (empty extent)");
    p->surf = p->svg ? cairo_svg_surface_create(path, p->w, p->h)
                     : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)p->w, (int)p->h);
    if (cairo_surface_status(p->surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(p->surf);
        p->surf = NULL;
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot create the image");
    }
    p->cr = cairo_create(p->surf);
    cairo_set_source_rgb(p->cr, 1, 1, 1);
    cairo_paint(p->cr);
    double top = 110, margin = 40;
    double fw = p->w - 2 * margin, fh = p->h - top - margin;
    double s = fmin(fw / (e1 - e0), fh / (n1 - n0));
    p->s = s;
    p->fx0 = margin + (fw - (e1 - e0) * s) / 2;
    p->fy0 = top + (fh - (n1 - n0) * s) / 2;
    p->fx1 = p->fx0 + (e1 - e0) * s;
    p->fy1 = p->fy0 + (n1 - n0) * s;
    p->mx0 = e0;
    p->my1 = n1;
    cairo_t *cr = p->cr;
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 30);
    cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
    cairo_move_to(cr, margin, 50);
    cairo_show_text(cr, title ? title : "");
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 18);
    cairo_set_source_rgb(cr, 0.33, 0.33, 0.33);
    cairo_move_to(cr, margin, 82);
    cairo_show_text(cr, subtitle ? subtitle : "");
    return TW_OK;
}

static void set_hex(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                          (c & 255) / 255.0, alpha);
}

static void add_geom(draw_page *p, const area_geom *g)
{
    for (size_t r = 0; r < g->n_rings; r++) {
        size_t b = g->ring_start[r], e = g->ring_start[r + 1];
        if (e - b < 3)
            continue;
        for (size_t k = b; k < e; k++) {
            double E, N, x, y;
            tw_utm_forward(p->zone, g->xy[2 * k], g->xy[2 * k + 1], &E, &N);
            to_px(p, E, N, &x, &y);
            if (k == b)
                cairo_move_to(p->cr, x, y);
            else
                cairo_line_to(p->cr, x, y);
        }
        cairo_close_path(p->cr);
    }
}

void draw_areas(draw_page *p, const tw_areas *a, const int *idx, const uint32_t *colours,
                double line_alpha)
{
    cairo_t *cr = p->cr;
    if (!a->geom)
        return;
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    if (idx) {
        int maxc = -1;
        for (size_t i = 0; i < a->n; i++)
            maxc = idx[i] > maxc ? idx[i] : maxc;
        for (int c = 0; c <= maxc; c++) {
            int any = 0;
            for (size_t i = 0; i < a->n; i++)
                if (idx[i] == c && a->geom[i]) {
                    add_geom(p, a->geom[i]);
                    any = 1;
                }
            if (any) {
                set_hex(cr, colours[c], 1);
                cairo_fill(cr);
            }
        }
    }
    for (size_t i = 0; i < a->n; i++)
        if (a->geom[i])
            add_geom(p, a->geom[i]);
    /* thin lines for many small areas, so a barangay map is not a grey mesh */
    double lw = a->n > 5000 ? 0.25 : a->n > 500 ? 0.5 : 0.9;
    cairo_set_line_width(cr, lw);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
    cairo_set_source_rgba(cr, 0.25, 0.25, 0.25, line_alpha);
    cairo_stroke(cr);
}

void draw_raster(draw_page *p, const tw_grid *g, const uint32_t *argb)
{
    cairo_surface_t *img =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)g->nx, (int)g->ny);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (size_t r = 0; r < g->ny; r++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)stride * (g->ny - 1 - r));
        memcpy(row, argb + r * g->nx, g->nx * sizeof *row);
    }
    cairo_surface_mark_dirty(img);
    cairo_t *cr = p->cr;
    cairo_save(cr);
    double x, y;
    to_px(p, g->x0, g->y0 + (double)g->ny * g->cell, &x, &y);
    cairo_translate(cr, x, y);
    cairo_scale(cr, g->cell * p->s, g->cell * p->s);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

uint32_t draw_ramp(double t)
{
    /* YlOrRd (ColorBrewer), 5 stops */
    static const double st[5][3] = {{255, 255, 178}, {254, 204, 92}, {253, 141, 60},
                                    {240, 59, 32}, {189, 0, 38}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double f = t * 4;
    int k = f >= 4 ? 3 : (int)f;
    double u = f - k;
    uint32_t c = 0xFF000000u;
    for (int j = 0; j < 3; j++) {
        double v = st[k][j] + (st[k + 1][j] - st[k][j]) * u;
        c |= (uint32_t)lround(v) << (16 - 8 * j);
    }
    return c;
}

/* Vertices of p->avoid (or area points) inside the px box: how much a legend there hides. */
static size_t covered(const draw_page *p, double x0, double y0, double x1, double y1)
{
    const tw_areas *a = p->avoid;
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        const area_geom *g = a->geom ? a->geom[i] : NULL;
        size_t m = g ? g->n_points : 1;
        for (size_t t = 0; t < m; t++) {
            double lon = g ? g->xy[2 * t] : a->lon[i], lat = g ? g->xy[2 * t + 1] : a->lat[i];
            if (!isfinite(lon) || !isfinite(lat))
                continue;
            double E, N, x, y;
            tw_utm_forward(p->zone, lon, lat, &E, &N);
            to_px(p, E, N, &x, &y);
            k += x >= x0 && x <= x1 && y >= y0 && y <= y1;
        }
    }
    return k;
}

static void legend_box(draw_page *p, double w, double h, double *x, double *y)
{
    /* lower-left first (open sea west of Mindanao on national maps), then the
     * other corners; the one hiding the fewest boundary vertices wins */
    double cx[4] = {p->fx0 + 12, p->fx1 - w - 12, p->fx0 + 12, p->fx1 - w - 12};
    double cy[4] = {p->fy1 - h - 12, p->fy1 - h - 12, p->fy0 + 12, p->fy0 + 12};
    int best = 0;
    if (p->avoid) {
        size_t bc = SIZE_MAX;
        for (int c = 0; c < 4; c++) {
            size_t k = covered(p, cx[c], cy[c], cx[c] + w, cy[c] + h);
            if (k < bc) {
                bc = k;
                best = c;
            }
        }
    }
    *x = cx[best];
    *y = cy[best];
    cairo_set_source_rgba(p->cr, 1, 1, 1, 0.92);
    cairo_rectangle(p->cr, *x, *y, w, h);
    cairo_fill_preserve(p->cr);
    cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(p->cr, 1);
    cairo_stroke(p->cr);
}

void draw_legend(draw_page *p, const char *title, size_t n, const uint32_t *colours,
                 const char *const *labels)
{
    cairo_t *cr = p->cr;
    double x, y, row = 26;
    legend_box(p, 330, 44 + row * (double)n, &x, &y);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 17);
    cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
    cairo_move_to(cr, x + 12, y + 26);
    cairo_show_text(cr, title);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 15);
    for (size_t k = 0; k < n; k++) {
        double yy = y + 40 + row * (double)k;
        set_hex(cr, colours[k], 1);
        cairo_rectangle(cr, x + 12, yy, 30, 18);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
        cairo_move_to(cr, x + 52, yy + 14);
        cairo_show_text(cr, labels[k]);
    }
}

void draw_colour_bar(draw_page *p, const char *title, double lo, double hi)
{
    cairo_t *cr = p->cr;
    double x, y;
    legend_box(p, 330, 100, &x, &y);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 16);
    cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
    cairo_move_to(cr, x + 12, y + 24);
    cairo_show_text(cr, title);
    for (int k = 0; k < 300; k++) {
        set_hex(cr, draw_ramp(k / 299.0) & 0xFFFFFF, 1);
        cairo_rectangle(cr, x + 15 + k, y + 36, 1.2, 22);
        cairo_fill(cr);
    }
    char buf[64];
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 14);
    cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
    snprintf(buf, sizeof buf, "%.3g", lo);
    cairo_move_to(cr, x + 15, y + 80);
    cairo_show_text(cr, buf);
    snprintf(buf, sizeof buf, "%.3g", (lo + hi) / 2);
    cairo_text_extents_t te;
    cairo_text_extents(cr, buf, &te);
    cairo_move_to(cr, x + 165 - te.width / 2, y + 80);
    cairo_show_text(cr, buf);
    snprintf(buf, sizeof buf, "%.3g", hi);
    cairo_text_extents(cr, buf, &te);
    cairo_move_to(cr, x + 315 - te.width, y + 80);
    cairo_show_text(cr, buf);
}

tw_status draw_close(tw_ctx *ctx, draw_page *p, const char *path)
{
    cairo_status_t cs = cairo_status(p->cr);
    cairo_destroy(p->cr);
    p->cr = NULL;
    if (cs == CAIRO_STATUS_SUCCESS && !p->svg)
        cs = cairo_surface_write_to_png(p->surf, path);
    cairo_surface_finish(p->surf);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(p->surf);
    cairo_surface_destroy(p->surf);
    p->surf = NULL;
    if (cs != CAIRO_STATUS_SUCCESS)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, "", "cannot write the map: %s",
                            cairo_status_to_string(cs));
    return TW_OK;
}
