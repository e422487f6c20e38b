/*
 * map.c: tw_map_write, the choropleth of hotspot classes (Gi/Gi*) or local
 * Moran quadrants over the area polygons, as PNG or SVG through cairo.
 * What the map shows and why is in docs/outputs.md.
 *
 * Method:
 *  - Projection: equirectangular with longitudes scaled by the cosine of
 *    the middle latitude of the extent (true scale along that parallel;
 *    over the Philippines, 4.5-21.5 N, lengths are off by at most 4 % at
 *    the edges). Good enough for a reading map of a country this close to
 *    the equator; no projection library needed.
 *  - Drawing: one path per class holding every polygon of that class,
 *    filled with the non-zero rule after orienting exteriors one way and
 *    holes the other (so overlapping neighbours, common in the simplified
 *    boundaries, do not punch holes); then one path of all rings stroked
 *    with a thin line whose width and opacity follow the typical size of
 *    an area on the page, so 41,000 barangays do not turn into a grey
 *    mesh while 50 municipalities still show their borders. Seven fills
 *    and one stroke instead of one per area keep cairo fast and the SVG
 *    small.
 *  - Layout: title and subtitle on top, the map fitted in a frame with
 *    margins, the legend in the emptiest corner of the frame (measured on
 *    a low-resolution mask of the polygons), an optional inset (a lon/lat
 *    box enlarged, e.g. Metro Manila on a national map) in the emptiest
 *    other corner, scale bar, north arrow and attribution in a footer.
 *  - SVG: cairo draws text as glyph outlines, so the title and subtitle
 *    are also injected as <title>/<desc> (searchable, read by screen
 *    readers).
 *
 * Complexity: O(areas + vertices) time; memory O(areas) of ours plus what
 * cairo needs for the paths (cairo allocates with malloc, outside the
 * ctx allocator) and the image (4 bytes a pixel for PNG).
 *
 * Limits: page sizes 200..16000 px a side; antimeridian-crossing extents
 * are not handled (not needed for the Philippines); labels that would
 * overlap earlier ones are left out with a warning.
 */
#include "geo/areas_internal.h"

#include <cairo.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_W 1200
#define DEFAULT_H 1500
#define MIN_SIDE 200
#define MAX_SIDE 16000
#define MAX_CLASSES 7
#define KM_PER_DEG 111.19508 /* 2 pi 6371.0088 / 360 */
#define PROGRESS_EVERY 4096
#define TW_PI 3.14159265358979323846

typedef struct rgb {
    double r, g, b;
} rgb;

#define RGB(hex) {((hex) >> 16 & 255) / 255.0, ((hex) >> 8 & 255) / 255.0, ((hex) & 255) / 255.0}

/*
 * A legend kind: class values lo..hi map to slot (value - lo); order lists
 * slots from the top of the legend down.
 */
typedef struct legend_kind {
    const char *name;
    const char *heading;
    int lo, hi;
    rgb colour[MAX_CLASSES];
    const char *text[MAX_CLASSES];
    int order[MAX_CLASSES];
} legend_kind;

static const legend_kind kinds[] = {
    {
        "hotspot", "Hot and cold spots", -3, 3,
        /* ArcGIS Hot Spot Analysis renderer; not significant in light grey */
        {RGB(0x4575B5), RGB(0x849EBA), RGB(0xC0CCBE), RGB(0xDCDCDC), RGB(0xFAB984),
         RGB(0xED7551), RGB(0xD62F27)},
        {"Cold spot, 99% confidence", "Cold spot, 95% confidence",
         "Cold spot, 90% confidence", "Not significant", "Hot spot, 90% confidence",
         "Hot spot, 95% confidence", "Hot spot, 99% confidence"},
        {6, 5, 4, 3, 2, 1, 0},
    },
    {
        "quadrant", "Local Moran clusters", 0, 4,
        /* GeoDa's LISA cluster map colours, not significant in grey */
        {RGB(0xDCDCDC), RGB(0xFF0000), RGB(0xA7ADF9), RGB(0x0000FF), RGB(0xF4ADA8)},
        {"Not significant", "High-High (hot spot)", "Low-High (outlier)",
         "Low-Low (cold spot)", "High-Low (outlier)"},
        {1, 4, 2, 3, 0, -1, -1},
    },
};

static const rgb ink = RGB(0x222222);
static const rgb grey_text = RGB(0x555555);
static const rgb context_fill = RGB(0xF4F3EF);
static const rgb context_line = RGB(0x5A5A5A);

static const char default_attribution[] =
    "Boundaries: PSA/NAMRIA via faeldon/philippines-json-maps (MIT). "
    "Codes and population: PSA, PSGC 4Q 2023.";

/* ---- output stream -------------------------------------------------- */

typedef struct sink {
    FILE *f;
    int err;            /* errno of the first failure */
    /* SVG only: <title>/<desc> inserted after the root element's start tag */
    const char *inject;
    int state;          /* 0 look for "<svg", 1 look for '>', 2 done */
    size_t match;
} sink;

static int sink_raw(sink *k, const unsigned char *d, size_t n)
{
    if (k->err)
        return 0;
    errno = 0;
    if (n && fwrite(d, 1, n, k->f) != n) {
        k->err = errno ? errno : EIO;
        return 0;
    }
    return 1;
}

static cairo_status_t sink_write(void *closure, const unsigned char *d, unsigned int n)
{
    sink *k = closure;
    size_t i = 0, from = 0;
    while (k->inject && k->state < 2 && i < n) {
        if (k->state == 0) {
            static const char tag[] = "<svg";
            k->match = d[i] == (unsigned char)tag[k->match] ? k->match + 1
                       : d[i] == '<'                        ? 1
                                                            : 0;
            if (k->match == 4)
                k->state = 1;
        } else if (d[i] == '>') {
            if (!sink_raw(k, d + from, i + 1 - from) ||
                !sink_raw(k, (const unsigned char *)k->inject, strlen(k->inject)))
                return CAIRO_STATUS_WRITE_ERROR;
            from = i + 1;
            k->state = 2;
        }
        i++;
    }
    return sink_raw(k, d + from, n - from) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void xml_escape(dbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': dbuf_puts(b, "&amp;"); break;
        case '<': dbuf_puts(b, "&lt;"); break;
        case '>': dbuf_puts(b, "&gt;"); break;
        default:
            /* control characters other than tab and newlines are not XML */
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
                dbuf_append(b, s, 1);
        }
    }
}

/* ---- page geometry -------------------------------------------------- */

typedef struct page {
    double w, h, u;            /* size in px; u = unit for fonts and lines */
    double fx0, fy0, fx1, fy1; /* map frame */
    double lon_c, lat_c, k, s; /* projection: centre, cos(mid lat), px per degree */
    double cx, cy;             /* frame centre */
} page;

static void project(const page *p, double lon, double lat, double *x, double *y)
{
    *x = p->cx + (lon - p->lon_c) * p->k * p->s;
    *y = p->cy - (lat - p->lat_c) * p->s;
}

/* Extent of the areas: polygon bboxes and, for the others, their points. */
static int areas_extent(const tw_areas *a, double bb[4])
{
    int any = 0;
    bb[0] = bb[1] = INFINITY;
    bb[2] = bb[3] = -INFINITY;
    for (size_t i = 0; i < a->n; i++) {
        const area_geom *g = a->geom ? a->geom[i] : NULL;
        double b[4];
        if (g && g->n_points) {
            memcpy(b, g->bbox, sizeof b);
        } else if (isfinite(a->lon[i]) && isfinite(a->lat[i])) {
            b[0] = b[2] = a->lon[i];
            b[1] = b[3] = a->lat[i];
        } else {
            continue;
        }
        if (!(isfinite(b[0]) && isfinite(b[1]) && isfinite(b[2]) && isfinite(b[3])))
            continue;
        any = 1;
        bb[0] = fmin(bb[0], b[0]);
        bb[1] = fmin(bb[1], b[1]);
        bb[2] = fmax(bb[2], b[2]);
        bb[3] = fmax(bb[3], b[3]);
    }
    return any;
}

/* ---- paths ---------------------------------------------------------- */

static double ring_area2(const double *xy, size_t b, size_t e)
{
    double s = 0;
    for (size_t k = b; k + 1 < e; k++)
        s += xy[2 * k] * xy[2 * k + 3] - xy[2 * k + 2] * xy[2 * k + 1];
    return s;
}

/*
 * Add the rings of g to the current path. With orient, exteriors run
 * counter-clockwise and holes clockwise (in lon/lat), as the non-zero
 * rule over many polygons needs.
 */
static void add_geom(cairo_t *cr, const page *p, const area_geom *g, int orient)
{
    for (size_t r = 0; r < g->n_rings; r++) {
        size_t b = g->ring_start[r], e = g->ring_start[r + 1];
        if (e - b < 3)
            continue;
        int reverse = 0;
        if (orient) {
            double a2 = ring_area2(g->xy, b, e);
            reverse = g->ring_hole[r] ? a2 > 0 : a2 < 0;
        }
        for (size_t k = 0; k < e - b; k++) {
            size_t q = reverse ? e - 1 - k : b + k;
            double x, y;
            project(p, g->xy[2 * q], g->xy[2 * q + 1], &x, &y);
            if (k == 0)
                cairo_move_to(cr, x, y);
            else
                cairo_line_to(cr, x, y);
        }
        cairo_close_path(cr);
    }
}

static void set_rgb(cairo_t *cr, rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

/* ---- text ----------------------------------------------------------- */

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

static void text_at(cairo_t *cr, double x, double y, const char *s)
{
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

/* Text with a white halo, readable over any fill. */
static void text_halo(cairo_t *cr, double x, double y, const char *s, double halo)
{
    cairo_move_to(cr, x, y);
    cairo_text_path(cr, s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, halo);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke_preserve(cr);
    set_rgb(cr, ink);
    cairo_fill(cr);
}

/* ---- map elements --------------------------------------------------- */

typedef struct box {
    double x0, y0, x1, y1;
} box;

static int box_overlap(box a, box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/* Length in km for the scale bar: 1, 2 or 5 x 10^k, at most target_km. */
static double nice_km(double target_km)
{
    double e = pow(10, floor(log10(target_km)));
    double m = target_km / e;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * e;
}

static void fmt_km(char *buf, size_t cap, double km)
{
    if (km >= 1)
        snprintf(buf, cap, "%.0f", km);
    else
        snprintf(buf, cap, "%g", km);
}

static void draw_scale_bar(cairo_t *cr, const page *p, double x, double y, double frac,
                           int note_latitude)
{
    double km_per_px = KM_PER_DEG / p->s;
    double km = nice_km((p->fx1 - p->fx0) * frac * km_per_px);
    double len = km / km_per_px, h = 6 * p->u;
    for (int k = 0; k < 4; k++) {
        cairo_rectangle(cr, x + len * k / 4, y, len / 4, h);
        if (k % 2 == 0)
            set_rgb(cr, ink);
        else
            cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        set_rgb(cr, ink);
        cairo_set_line_width(cr, 0.8 * p->u);
        cairo_stroke(cr);
    }
    char a[32], b[32], lab[96];
    font(cr, 11 * p->u, 0);
    set_rgb(cr, ink);
    text_at(cr, x - text_w(cr, "0") / 2, y + h + 13 * p->u, "0");
    fmt_km(a, sizeof a, km / 2);
    text_at(cr, x + len / 2 - text_w(cr, a) / 2, y + h + 13 * p->u, a);
    fmt_km(b, sizeof b, km);
    snprintf(lab, sizeof lab, "%s km", b);
    text_at(cr, x + len - text_w(cr, b) / 2, y + h + 13 * p->u, lab);
    double note_x = x + len - text_w(cr, b) / 2 + text_w(cr, lab) + 16 * p->u;
    if (!note_latitude)
        return;
    /* true scale only along the middle parallel: say which */
    char note[64];
    snprintf(note, sizeof note, "scale true at %.0f\xC2\xB0%s", fabs(p->lat_c),
             p->lat_c >= 0 ? "N" : "S");
    set_rgb(cr, grey_text);
    font(cr, 10 * p->u, 0);
    text_at(cr, note_x, y + h + 13 * p->u, note);
}

static void draw_north_arrow(cairo_t *cr, const page *p, double cx, double top)
{
    double u = p->u, h = 30 * u, w = 10 * u;
    double y0 = top + 14 * u;
    /* two halves, dark and light, the classic compass needle */
    cairo_move_to(cr, cx, y0);
    cairo_line_to(cr, cx - w, y0 + h);
    cairo_line_to(cr, cx, y0 + h * 0.72);
    cairo_close_path(cr);
    set_rgb(cr, ink);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 0.8 * u);
    cairo_stroke(cr);
    cairo_move_to(cr, cx, y0);
    cairo_line_to(cr, cx + w, y0 + h);
    cairo_line_to(cr, cx, y0 + h * 0.72);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    set_rgb(cr, ink);
    cairo_stroke(cr);
    font(cr, 13 * u, 1);
    text_at(cr, cx - text_w(cr, "N") / 2, top + 11 * u, "N");
}

/* ---- the map -------------------------------------------------------- */

typedef struct job {
    tw_ctx *ctx;
    const tw_areas *a;
    const int *cls;
    const legend_kind *kind;
    const tw_map_opts *o;
    size_t count[MAX_CLASSES]; /* areas drawn per slot */
    size_t n_poly, n_dots, n_missing;
    double dot_r;
    int has_inset;
} job;

/*
 * Areas drawn in the frame of p. typical is the side in px of a typical
 * area there (sqrt(frame area / areas in it)): it sets outline width and
 * opacity and the size of the dots (written to *dot_r); zoom (the inset)
 * keeps outlines visible however many areas there are.
 */
static tw_status draw_areas(job *j, cairo_t *cr, const page *p, double typical, int zoom,
                            double *dot_r_out)
{
    const tw_areas *a = j->a;
    int nslots = j->kind->hi - j->kind->lo + 1;
    tw_status s;
    /* bevel: invisible at these widths and far cheaper than round joins */
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);

    if (j->o->context) {
        const tw_areas *c = j->o->context;
        for (size_t i = 0; i < c->n; i++)
            if (c->geom && c->geom[i])
                add_geom(cr, p, c->geom[i], 1);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
        set_rgb(cr, context_fill);
        cairo_fill(cr);
    }

    for (int slot = 0; slot < nslots; slot++) {
        for (size_t i = 0; i < a->n; i++) {
            if (i % PROGRESS_EVERY == 0 &&
                (s = ctx_progress(j->ctx, "draw map", (double)slot * (double)a->n + (double)i,
                                  (double)nslots * (double)a->n)) != TW_OK)
                return s;
            const area_geom *g = a->geom ? a->geom[i] : NULL;
            if (g && g->n_rings && j->cls[i] - j->kind->lo == slot)
                add_geom(cr, p, g, 1);
        }
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
        set_rgb(cr, j->kind->colour[slot]);
        cairo_fill(cr);
    }

    /* outlines: one stroke over everything */
    if (j->n_poly) {
        for (size_t i = 0; i < a->n; i++) {
            const area_geom *g = a->geom ? a->geom[i] : NULL;
            if (g && g->n_rings)
                add_geom(cr, p, g, 0);
        }
        /* national barangays (~6 px each): faint hairlines, or the fills
           drown in grey; municipalities (~25 px): clear borders */
        double lw = fmin(fmax(typical / 45, zoom ? 0.4 : 0.1), 0.8) * p->u;
        double alpha = fmin(fmax(typical / 30, zoom ? 0.6 : 0.15), 0.85);
        cairo_set_source_rgba(cr, 0.25, 0.25, 0.25, alpha);
        cairo_set_line_width(cr, lw);
        cairo_stroke(cr);
    }

    /* context borders on top: they orient the reader (municipal, provincial lines) */
    if (j->o->context) {
        const tw_areas *c = j->o->context;
        for (size_t i = 0; i < c->n; i++)
            if (c->geom && c->geom[i])
                add_geom(cr, p, c->geom[i], 0);
        set_rgb(cr, context_line);
        cairo_set_line_width(cr, 0.9 * p->u);
        cairo_stroke(cr);
    }

    /* areas without polygon: small dots */
    double dot_r = fmin(fmax(typical / 5, 1.5), 4) * p->u;
    *dot_r_out = dot_r;
    for (size_t i = 0; i < a->n; i++) {
        const area_geom *g = a->geom ? a->geom[i] : NULL;
        if ((g && g->n_rings) || !isfinite(a->lon[i]) || !isfinite(a->lat[i]))
            continue;
        double x, y;
        project(p, a->lon[i], a->lat[i], &x, &y);
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, dot_r, 0, 2 * TW_PI);
        set_rgb(cr, j->kind->colour[j->cls[i] - j->kind->lo]);
        cairo_fill_preserve(cr);
        set_rgb(cr, ink);
        cairo_set_line_width(cr, 0.6 * p->u);
        cairo_stroke(cr);
    }
    return TW_OK;
}

/* Labels at the areas' points, greedy: a label that would overlap is left out. */
static tw_status draw_labels(job *j, cairo_t *cr, const page *p)
{
    const tw_areas *a = j->a;
    const char *const *labels = j->o->labels;
    size_t n = 0, cap = 0, skipped = 0;
    box *placed = NULL;
    double u = p->u;
    font(cr, 12 * u, 1);
    for (size_t i = 0; i < a->n; i++) {
        if (!labels[i] || !labels[i][0])
            continue;
        double lon = a->lon[i], lat = a->lat[i];
        const area_geom *g = a->geom ? a->geom[i] : NULL;
        if (!(isfinite(lon) && isfinite(lat)) && g && g->n_points) {
            /* not finalized yet: no centroid, the bbox centre will do */
            lon = (g->bbox[0] + g->bbox[2]) / 2;
            lat = (g->bbox[1] + g->bbox[3]) / 2;
        }
        if (!(isfinite(lon) && isfinite(lat)))
            continue;
        double x, y;
        project(p, lon, lat, &x, &y);
        if (x < p->fx0 || x > p->fx1 || y < p->fy0 || y > p->fy1)
            continue;
        cairo_text_extents_t te;
        cairo_text_extents(cr, labels[i], &te);
        double tw = te.x_advance, th = 12 * u;
        /* right, left, above, below the point */
        double cand[4][2] = {{x + 5 * u, y + th * 0.35},
                             {x - 5 * u - tw, y + th * 0.35},
                             {x - tw / 2, y - 6 * u},
                             {x - tw / 2, y + 6 * u + th}};
        int done = 0;
        for (int c = 0; c < 4 && !done; c++) {
            box b = {cand[c][0] - 4 * u, cand[c][1] - th - 2 * u, cand[c][0] + tw + 4 * u,
                     cand[c][1] + 0.3 * th + 2 * u};
            if (b.x0 < p->fx0 || b.x1 > p->fx1 || b.y0 < p->fy0 || b.y1 > p->fy1)
                continue;
            int clash = 0;
            for (size_t k = 0; k < n && !clash; k++)
                clash = box_overlap(b, placed[k]);
            if (clash)
                continue;
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 32;
                box *nb = ctx_realloc(j->ctx, placed, nc * sizeof *nb);
                if (!nb) {
                    ctx_free(j->ctx, placed);
                    return ctx_nomem(j->ctx);
                }
                placed = nb;
                cap = nc;
            }
            placed[n++] = b;
            cairo_new_sub_path(cr);
            cairo_arc(cr, x, y, 2.2 * u, 0, 2 * TW_PI);
            set_rgb(cr, ink);
            cairo_fill(cr);
            text_halo(cr, cand[c][0], cand[c][1], labels[i], 3 * u);
            done = 1;
        }
        skipped += !done;
    }
    ctx_free(j->ctx, placed);
    if (skipped)
        ctx_warn(j->ctx, "map: %zu labels left out for lack of room", skipped);
    return TW_OK;
}

/*
 * Legend rows from the top; returns the box size. Drawn only when draw is
 * set (the first call measures).
 */
static void legend(job *j, cairo_t *cr, const page *p, double x, double y, int draw,
                   double *w, double *h)
{
    const legend_kind *kd = j->kind;
    double u = p->u, pad = 10 * u, row = 21 * u, sw = 22 * u, sh = 13 * u;
    double fs = 13 * u;
    char num[32];
    double text_col = 0, num_col = 0;
    font(cr, fs, 0);
    for (int r = 0; r < MAX_CLASSES && kd->order[r] >= 0; r++) {
        snprintf(num, sizeof num, "%zu", j->count[kd->order[r]]);
        text_col = fmax(text_col, text_w(cr, kd->text[kd->order[r]]));
        num_col = fmax(num_col, text_w(cr, num));
    }
    char dots[96] = "", missing[96] = "";
    if (j->n_dots)
        snprintf(dots, sizeof dots, "dot: area without boundary (%zu)", j->n_dots);
    if (j->n_missing)
        snprintf(missing, sizeof missing, "not drawn, no location: %zu", j->n_missing);
    font(cr, 11 * u, 0);
    double extra_w = fmax(text_w(cr, dots), text_w(cr, missing));
    font(cr, 14 * u, 1);
    double head_w = text_w(cr, kd->heading);
    font(cr, 11 * u, 0);
    double sub_w = text_w(cr, "areas per class");
    double body_w = sw + 8 * u + text_col + 14 * u + num_col;
    *w = 2 * pad + fmax(fmax(body_w, extra_w + (j->n_dots ? 2 * j->dot_r + 6 * u : 0)),
                        fmax(head_w, sub_w));
    int rows = 0;
    while (rows < MAX_CLASSES && kd->order[rows] >= 0)
        rows++;
    *h = pad + 18 * u + 14 * u + rows * row + (j->n_dots ? 17 * u : 0) +
         (j->n_missing ? 17 * u : 0) + pad * 0.6;
    if (!draw)
        return;

    cairo_rectangle(cr, x, y, *w, *h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.8 * u);
    cairo_stroke(cr);

    double cy = y + pad + 13 * u;
    set_rgb(cr, ink);
    font(cr, 14 * u, 1);
    text_at(cr, x + pad, cy, kd->heading);
    cy += 15 * u;
    set_rgb(cr, grey_text);
    font(cr, 11 * u, 0);
    text_at(cr, x + pad, cy, "areas per class");
    cy += 6 * u;
    font(cr, fs, 0);
    for (int r = 0; r < rows; r++) {
        int slot = kd->order[r];
        double top = cy + r * row + (row - sh) / 2;
        cairo_rectangle(cr, x + pad, top, sw, sh);
        set_rgb(cr, kd->colour[slot]);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
        cairo_set_line_width(cr, 0.6 * u);
        cairo_stroke(cr);
        set_rgb(cr, ink);
        double base = top + sh - 2 * u;
        text_at(cr, x + pad + sw + 8 * u, base, kd->text[slot]);
        snprintf(num, sizeof num, "%zu", j->count[slot]);
        text_at(cr, x + *w - pad - text_w(cr, num), base, num);
    }
    cy += rows * row + 13 * u;
    font(cr, 11 * u, 0);
    if (j->n_dots) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, x + pad + j->dot_r, cy - 4 * u, j->dot_r, 0, 2 * TW_PI);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        set_rgb(cr, ink);
        cairo_set_line_width(cr, 0.6 * u);
        cairo_stroke(cr);
        set_rgb(cr, grey_text);
        text_at(cr, x + pad + 2 * j->dot_r + 6 * u, cy, dots);
        cy += 17 * u;
    }
    if (j->n_missing) {
        set_rgb(cr, grey_text);
        text_at(cr, x + pad, cy, missing);
    }
}

/*
 * Where the map is empty: the polygons and dots rasterised at 1/8 scale
 * into an A8 mask, so the legend and the inset can go to the corner that
 * hides the least. NULL when cairo has no memory.
 */
#define MASK_SCALE 0.125

static cairo_surface_t *mask_build(job *j, const page *p)
{
    int mw = (int)ceil(p->w * MASK_SCALE), mh = (int)ceil(p->h * MASK_SCALE);
    cairo_surface_t *m = cairo_image_surface_create(CAIRO_FORMAT_A8, mw, mh);
    cairo_t *cr = cairo_create(m);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(cr);
        cairo_surface_destroy(m);
        return NULL;
    }
    cairo_scale(cr, MASK_SCALE, MASK_SCALE);
    for (size_t i = 0; i < j->a->n; i++) {
        const area_geom *g = j->a->geom ? j->a->geom[i] : NULL;
        if (g && g->n_rings)
            add_geom(cr, p, g, 1);
        else if (isfinite(j->a->lon[i]) && isfinite(j->a->lat[i])) {
            double px, py;
            project(p, j->a->lon[i], j->a->lat[i], &px, &py);
            cairo_new_sub_path(cr);
            cairo_arc(cr, px, py, 3 * p->u + 8, 0, 2 * TW_PI);
        }
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_flush(m);
    return m;
}

/*
 * The emptiest of the four corners of the frame for a w x h box, skipping
 * corner `skip` (-1: none); returns its index. Ties go to the first
 * candidate: bottom left (the Sulu Sea on a national map), top right (the
 * Pacific), top left, bottom right.
 */
static int pick_corner(cairo_surface_t *m, const page *p, double w, double h, int skip,
                       double *x, double *y)
{
    double inset = 8 * p->u;
    double cand[4][2] = {
        {p->fx0 + inset, p->fy1 - inset - h},
        {p->fx1 - inset - w, p->fy0 + inset},
        {p->fx0 + inset, p->fy0 + inset},
        {p->fx1 - inset - w, p->fy1 - inset - h},
    };
    const unsigned char *px = cairo_image_surface_get_data(m);
    int stride = cairo_image_surface_get_stride(m);
    int mw = cairo_image_surface_get_width(m), mh = cairo_image_surface_get_height(m);
    double best = INFINITY;
    int pick = skip == 0 ? 1 : 0;
    for (int c = 0; c < 4; c++) {
        if (c == skip)
            continue;
        int x0 = (int)floor(cand[c][0] * MASK_SCALE), y0 = (int)floor(cand[c][1] * MASK_SCALE);
        int x1 = (int)ceil((cand[c][0] + w) * MASK_SCALE);
        int y1 = (int)ceil((cand[c][1] + h) * MASK_SCALE);
        double cover = 0;
        for (int yy = y0 < 0 ? 0 : y0; yy < y1 && yy < mh; yy++)
            for (int xx = x0 < 0 ? 0 : x0; xx < x1 && xx < mw; xx++)
                cover += px[(size_t)yy * (size_t)stride + (size_t)xx];
        if (cover < best) {
            best = cover;
            pick = c;
        }
    }
    *x = cand[pick][0];
    *y = cand[pick][1];
    return pick;
}

/* Areas whose polygon bbox or point meets the lon/lat box b. */
static size_t areas_in_box(const tw_areas *a, const double b[4])
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++) {
        const area_geom *g = a->geom ? a->geom[i] : NULL;
        if (g && g->n_rings)
            n += g->bbox[0] <= b[2] && g->bbox[2] >= b[0] && g->bbox[1] <= b[3] &&
                 g->bbox[3] >= b[1];
        else if (isfinite(a->lon[i]) && isfinite(a->lat[i]))
            n += a->lon[i] >= b[0] && a->lon[i] <= b[2] && a->lat[i] >= b[1] &&
                 a->lat[i] <= b[3];
    }
    return n;
}

/*
 * The inset: the box o->inset enlarged in a corner of the frame (not the
 * legend's), with its caption and own scale bar; the box is outlined on
 * the main map so the reader sees where it is.
 */
static tw_status draw_inset(job *j, cairo_t *cr, const page *p, cairo_surface_t *m,
                            int legend_corner)
{
    const double *b = j->o->inset;
    double u = p->u, cap_h = j->o->inset_title && *j->o->inset_title ? 20 * u : 0;
    page q = *p;
    q.lon_c = (b[0] + b[2]) / 2;
    q.lat_c = (b[1] + b[3]) / 2;
    q.k = cos(q.lat_c * TW_PI / 180);
    double fw = p->fx1 - p->fx0, fh = p->fy1 - p->fy0;
    q.s = fmin(0.36 * fw / ((b[2] - b[0]) * q.k), (0.40 * fh - cap_h) / (b[3] - b[1]));
    double w = (b[2] - b[0]) * q.k * q.s, h = (b[3] - b[1]) * q.s + cap_h, x, y;
    pick_corner(m, p, w, h, legend_corner, &x, &y);
    q.fx0 = x, q.fy0 = y + cap_h, q.fx1 = x + w, q.fy1 = y + h;
    q.cx = (q.fx0 + q.fx1) / 2;
    q.cy = (q.fy0 + q.fy1) / 2;

    /* where it is on the main map */
    double x0, y0, x1, y1;
    project(p, b[0], b[3], &x0, &y0);
    project(p, b[2], b[1], &x1, &y1);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    set_rgb(cr, ink);
    cairo_set_line_width(cr, 1.2 * u);
    cairo_stroke(cr);

    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_clip(cr);
    size_t n_in = areas_in_box(j->a, b);
    double typical = sqrt(w * (h - cap_h) / (double)(n_in ? n_in : 1)), dot_r;
    /* the inset is there to show detail: borders at least clearly visible */
    tw_status s = draw_areas(j, cr, &q, typical, 1, &dot_r);
    cairo_restore(cr);
    if (s != TW_OK)
        return s;
    if (cap_h > 0) {
        cairo_rectangle(cr, x, y, w, cap_h);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill(cr);
        font(cr, 12 * u, 1);
        set_rgb(cr, ink);
        text_at(cr, x + 6 * u, y + cap_h - 6 * u, j->o->inset_title);
    }
    /* a white patch under the inset's scale bar keeps it legible over fills */
    double bar_km = nice_km(w * 0.3 * KM_PER_DEG / q.s);
    cairo_rectangle(cr, x, y + h - 32 * u, bar_km * q.s / KM_PER_DEG + 50 * u, 32 * u);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill(cr);
    draw_scale_bar(cr, &q, x + 8 * u, y + h - 26 * u, 0.3, 0);
    cairo_rectangle(cr, x, y, w, h);
    set_rgb(cr, ink);
    cairo_set_line_width(cr, 1.2 * u);
    cairo_stroke(cr);
    return TW_OK;
}

static tw_status draw_page(job *j, cairo_t *cr, page *p)
{
    const tw_map_opts *o = j->o;
    double u = p->u, m = 24 * u;
    tw_status s;

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    /* header */
    double y = m;
    const char *title = o->title && *o->title ? o->title : NULL;
    if (title) {
        font(cr, 28 * u, 1);
        double tw = text_w(cr, title);
        /* shrink an over-long title rather than cut it */
        if (tw > p->w - 2 * m)
            font(cr, 28 * u * (p->w - 2 * m) / tw, 1);
        set_rgb(cr, ink);
        y += 28 * u;
        text_at(cr, m, y, title);
        y += 8 * u;
    }
    if (o->subtitle && *o->subtitle) {
        font(cr, 16 * u, 0);
        double tw = text_w(cr, o->subtitle);
        if (tw > p->w - 2 * m)
            font(cr, 16 * u * (p->w - 2 * m) / tw, 0);
        set_rgb(cr, grey_text);
        y += 17 * u;
        text_at(cr, m, y, o->subtitle);
        y += 6 * u;
    }
    double footer_h = 62 * u;
    p->fx0 = m;
    p->fx1 = p->w - m;
    p->fy0 = y + 10 * u;
    p->fy1 = p->h - m - footer_h;

    /* fit the extent (2 % padding) into the frame */
    double bb[4];
    areas_extent(j->a, bb);
    double dlon = bb[2] - bb[0], dlat = bb[3] - bb[1];
    /* a single point or a line still needs a window: 0.05 deg, ~5 km */
    if (dlon < 0.05) {
        bb[0] -= (0.05 - dlon) / 2;
        bb[2] += (0.05 - dlon) / 2;
        dlon = 0.05;
    }
    if (dlat < 0.05) {
        bb[1] -= (0.05 - dlat) / 2;
        bb[3] += (0.05 - dlat) / 2;
        dlat = 0.05;
    }
    p->lon_c = (bb[0] + bb[2]) / 2;
    p->lat_c = (bb[1] + bb[3]) / 2;
    p->k = cos(p->lat_c * TW_PI / 180);
    double fw = p->fx1 - p->fx0, fh = p->fy1 - p->fy0;
    p->s = fmin(fw / (dlon * p->k), fh / dlat) / 1.04;
    p->cx = (p->fx0 + p->fx1) / 2;
    p->cy = (p->fy0 + p->fy1) / 2;

    /* the map, clipped to its frame */
    cairo_save(cr);
    cairo_rectangle(cr, p->fx0, p->fy0, fw, fh);
    cairo_clip(cr);
    size_t shown = j->n_poly + j->n_dots;
    if ((s = draw_areas(j, cr, p, sqrt(fw * fh / (double)(shown ? shown : 1)), 0,
                        &j->dot_r)) != TW_OK) {
        cairo_restore(cr);
        return s;
    }
    if (o->labels && (s = draw_labels(j, cr, p)) != TW_OK) {
        cairo_restore(cr);
        return s;
    }
    cairo_restore(cr);
    cairo_rectangle(cr, p->fx0, p->fy0, fw, fh);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(cr, 1 * u);
    cairo_stroke(cr);

    /* legend in the emptiest corner, the inset in the emptiest other one */
    double lw, lh, lx = p->fx0, ly = p->fy0;
    legend(j, cr, p, 0, 0, 0, &lw, &lh);
    cairo_surface_t *mask = mask_build(j, p);
    if (!mask)
        return ctx_nomem(j->ctx);
    int corner = pick_corner(mask, p, lw, lh, -1, &lx, &ly);
    s = j->has_inset ? draw_inset(j, cr, p, mask, corner) : TW_OK;
    cairo_surface_destroy(mask);
    if (s != TW_OK)
        return s;
    legend(j, cr, p, lx, ly, 1, &lw, &lh);

    /* footer: scale bar left, north arrow right, attribution below */
    double fy = p->fy1 + 12 * u;
    draw_scale_bar(cr, p, p->fx0 + 6 * u, fy, 0.22, 1);
    draw_north_arrow(cr, p, p->fx1 - 14 * u, fy - 6 * u);
    const char *attr = o->attribution ? o->attribution : default_attribution;
    if (*attr) {
        font(cr, 10.5 * u, 0);
        double tw = text_w(cr, attr), room = p->fx1 - p->fx0 - 40 * u;
        if (tw > room)
            font(cr, 10.5 * u * room / tw, 0);
        set_rgb(cr, grey_text);
        text_at(cr, p->fx0, p->h - m + 4 * u, attr);
    }
    return TW_OK;
}

/* ---- entry point ---------------------------------------------------- */

static int has_suffix(const char *path, const char *suf)
{
    size_t n = strlen(path), k = strlen(suf);
    return n > k && strcasecmp(path + n - k, suf) == 0;
}

static tw_status cairo_fail(tw_ctx *ctx, const char *path, cairo_status_t cs, int err)
{
    if (cs == CAIRO_STATUS_NO_MEMORY)
        return ctx_nomem(ctx);
    if (cs == CAIRO_STATUS_WRITE_ERROR || err)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "write failed: %s",
                            strerror(err ? err : EIO));
    return ctx_error_at(ctx, TW_E_INTERNAL, path, 0, 0, NULL, "cairo: %s",
                        cairo_status_to_string(cs));
}

tw_status tw_map_write(tw_ctx *ctx, const tw_areas *a, const int *cls,
                       const tw_map_opts *opts, const char *path)
{
    static const tw_map_opts defaults;
    const tw_map_opts *o = opts ? opts : &defaults;
    tw_status s = TW_OK;
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;
    sink out = {0};
    dbuf inject;
    dbuf_init(&inject, ctx);

    if (!a || !cls || !path || !*path)
        return ctx_error(ctx, TW_E_ARG, "areas, classes and a path are required");
    int svg = has_suffix(path, ".svg");
    if (!svg && !has_suffix(path, ".png"))
        return ctx_error_at(ctx, TW_E_ARG, path, 0, 0, NULL,
                            "map file must end in .png or .svg");
    const char *kname = o->legend_kind && *o->legend_kind ? o->legend_kind : "hotspot";
    const legend_kind *kind = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (strcmp(kname, kinds[k].name) == 0)
            kind = &kinds[k];
    if (!kind)
        return ctx_error(ctx, TW_E_ARG, "unknown legend kind '%s' (hotspot or quadrant)",
                         kname);
    int W = o->width_px ? o->width_px : DEFAULT_W, H = o->height_px ? o->height_px : DEFAULT_H;
    if (W < MIN_SIDE || H < MIN_SIDE || W > MAX_SIDE || H > MAX_SIDE)
        return ctx_error(ctx, TW_E_ARG, "map size %d x %d px out of range (%d..%d a side)", W,
                         H, MIN_SIDE, MAX_SIDE);

    job j = {.ctx = ctx, .a = a, .cls = cls, .kind = kind, .o = o};
    const double *ib = o->inset;
    if (ib[0] != 0 || ib[1] != 0 || ib[2] != 0 || ib[3] != 0) {
        if (!(ib[0] >= -180 && ib[0] < ib[2] && ib[2] <= 180 && ib[1] >= -90 &&
              ib[1] < ib[3] && ib[3] <= 90))
            return ctx_error(ctx, TW_E_ARG,
                             "inset must be min lon, min lat, max lon, max lat with min < max");
        j.has_inset = 1;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (cls[i] < kind->lo || cls[i] > kind->hi)
            return ctx_error_at(ctx, TW_E_ARG, NULL, 0, 0, a->id[i],
                                "class %d of area %s is outside %d..%d for a %s map", cls[i],
                                a->id[i], kind->lo, kind->hi, kind->name);
        const area_geom *g = a->geom ? a->geom[i] : NULL;
        if (g && g->n_rings)
            j.n_poly++;
        else if (isfinite(a->lon[i]) && isfinite(a->lat[i]))
            j.n_dots++;
        else {
            j.n_missing++;
            continue;
        }
        j.count[cls[i] - kind->lo]++;
    }
    if (j.n_poly + j.n_dots == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no area has a polygon or a point to draw");

    errno = 0;
    out.f = fopen(path, "wb");
    if (!out.f)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open for writing: %s",
                            strerror(errno));

    if (svg) {
        dbuf_puts(&inject, "\n<title>");
        xml_escape(&inject, o->title ? o->title : "");
        dbuf_puts(&inject, "</title>");
        if (o->subtitle && *o->subtitle) {
            dbuf_puts(&inject, "\n<desc>");
            xml_escape(&inject, o->subtitle);
            dbuf_puts(&inject, "</desc>");
        }
        if (inject.failed) {
            s = ctx_nomem(ctx);
            goto fail;
        }
        out.inject = dbuf_str(&inject);
        surf = cairo_svg_surface_create_for_stream(sink_write, &out, W, H);
    } else {
        surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    }
    cr = cairo_create(surf);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        s = cairo_fail(ctx, path, cairo_status(cr), out.err);
        goto fail;
    }

    /* text and lines scale with the page area, so landscape pages stay legible */
    page p = {.w = W, .h = H, .u = fmax(sqrt((double)W * H / (1200.0 * 1500.0)), 0.5)};
    if ((s = draw_page(&j, cr, &p)) != TW_OK)
        goto fail;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        s = cairo_fail(ctx, path, cairo_status(cr), out.err);
        goto fail;
    }
    cairo_destroy(cr);
    cr = NULL;
    cairo_status_t cs;
    if (svg) {
        cairo_surface_finish(surf);
        cs = cairo_surface_status(surf);
    } else {
        cs = cairo_surface_write_to_png_stream(surf, sink_write, &out);
    }
    if (cs != CAIRO_STATUS_SUCCESS || out.err) {
        s = cairo_fail(ctx, path, cs, out.err);
        goto fail;
    }
    s = ctx_progress(ctx, "draw map", 1, 1);

fail:
    if (cr)
        cairo_destroy(cr);
    if (surf)
        cairo_surface_destroy(surf);
    dbuf_free(&inject);
    if (out.f) {
        errno = 0;
        int bad = fflush(out.f) != 0;
        int err = errno;
        bad |= fclose(out.f) != 0;
        if (!err)
            err = errno;
        if (bad && s == TW_OK)
            s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "write failed: %s",
                             strerror(err ? err : EIO));
    }
    return s;
}
