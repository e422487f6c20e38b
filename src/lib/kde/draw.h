/*
 * draw.h: the small cairo page the kernel density heat map and the
 * emerging hot spot map share (kde/draw.c): a frame in UTM metres, area
 * polygons filled by class or outlined, a raster, a title and a legend.
 * Not part of the public API.
 */
#ifndef TW_KDE_DRAW_H
#define TW_KDE_DRAW_H

#include "core/core.h"

#include <cairo.h>

typedef struct draw_page {
    cairo_surface_t *surf;
    cairo_t *cr;
    int svg;
    double w, h;                 /* page in px */
    double fx0, fy0, fx1, fy1;   /* map frame in px */
    double s;                    /* px per metre */
    double mx0, my1;             /* UTM of the frame's top-left corner */
    int zone;
    const tw_areas *avoid;       /* legend goes to the corner with fewest of its vertices */
} draw_page;

/* Open a page (PNG or SVG by path suffix) fitting the UTM box e0..e1 x n0..n1. */
tw_status draw_open(tw_ctx *ctx, draw_page *p, const char *path, int zone, double e0, double n0,
                    double e1, double n1, const char *title, const char *subtitle);
/* UTM extent of the areas' polygons (and points); 0 when there is none. */
int draw_areas_extent(const tw_areas *a, int zone, double box[4]);
/* UTM zone of the areas' centre of extent. */
int draw_zone_for(const tw_areas *a);
/* Fill each area with colours[cls[i] index] (rgb 0xRRGGBB; idx < 0: not filled), then outline. */
void draw_areas(draw_page *p, const tw_areas *a, const int *idx, const uint32_t *colours,
                double line_alpha);
/* A raster of cells (grid in the page's UTM zone): RGBA pixels, row 0 the lowest. */
void draw_raster(draw_page *p, const tw_grid *g, const uint32_t *argb);
/* Legend box of n swatches with labels, in the lower-left of the frame. */
void draw_legend(draw_page *p, const char *title, size_t n, const uint32_t *colours,
                 const char *const *labels);
/* Colour bar from the ramp, labelled lo..hi, in the lower-left of the frame. */
void draw_colour_bar(draw_page *p, const char *title, double lo, double hi);
/* Colour of t in [0, 1] on the heat ramp (ARGB, premultiplied, fully opaque). */
uint32_t draw_ramp(double t);
/* Finish and write; TW_E_IO on failure. */
tw_status draw_close(tw_ctx *ctx, draw_page *p, const char *path);

#endif
