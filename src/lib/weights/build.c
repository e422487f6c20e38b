/*
 * build.c: the --weights text (tw_weights_spec_parse) and tw_weights_build,
 * which dispatches to the builders (contiguity.c, nearest.c, galgwt.c) and
 * then attaches islands when asked.
 *
 * Grammar (lowercase keywords, no blanks):
 *   queen | rook [":" NUMBER ("m" | "km")] ["+islands:" K]
 *   knn:K
 *   band:KM ["+islands:" K]
 *   idw:KM [":" POWER] ["+islands:" K]
 *   gal:FILE | gwt:FILE      (FILE is taken verbatim, up to 1023 bytes)
 * Numbers go through num_parse_double (no NaN, Inf or trailing junk).
 */
#include "weights/weights_internal.h"

#include "geo/areas_internal.h"

#include <math.h>
#include <string.h>

static tw_status spec_err(tw_ctx *ctx, const char *text, const char *why)
{
    return ctx_error_at(ctx, TW_E_ARG, "", 0, 0, "weights", "bad weights '%s': %s", text, why);
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int parse_pos_int(const char *s, size_t len, int *out)
{
    int64_t v;
    if (!num_parse_int64(s, len, &v) || v < 1 || v > 1000000)
        return 0;
    *out = (int)v;
    return 1;
}

tw_status tw_weights_spec_parse(tw_ctx *ctx, const char *text, tw_weights_spec *out)
{
    tw_weights_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.distance = TW_DIST_SPDEP;
    sp.idw_power = 1;
    if (!text || !*text)
        return ctx_error_at(ctx, TW_E_ARG, "", 0, 0, "weights", "empty weights text");
    if (starts(text, "gal:") || starts(text, "gwt:")) {
        sp.kind = text[1] == 'a' ? TW_W_GAL : TW_W_GWT;
        const char *path = text + 4;
        if (!*path)
            return spec_err(ctx, text, "a file name must follow the colon");
        if (strlen(path) >= sizeof sp.path)
            return spec_err(ctx, text, "file name too long");
        memcpy(sp.path, path, strlen(path) + 1);
        *out = sp;
        return TW_OK;
    }
    for (const char *c = text; *c; c++)
        if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
            return spec_err(ctx, text, "blanks are not allowed");
    /* Split off "+islands:K". */
    size_t len = strlen(text);
    const char *plus = strstr(text, "+islands:");
    if (plus) {
        const char *kt = plus + strlen("+islands:");
        if (!parse_pos_int(kt, strlen(kt), &sp.islands_k))
            return spec_err(ctx, text, "islands:K needs a whole number K >= 1");
        len = (size_t)(plus - text);
    }
    const char *colon = memchr(text, ':', len);
    size_t kwlen = colon ? (size_t)(colon - text) : len;
    const char *arg = colon ? colon + 1 : NULL;
    size_t arglen = colon ? len - kwlen - 1 : 0;
    if ((kwlen == 5 && !strncmp(text, "queen", 5)) || (kwlen == 4 && !strncmp(text, "rook", 4))) {
        sp.kind = kwlen == 5 ? TW_W_QUEEN : TW_W_ROOK;
        if (arg) {
            double scale;
            if (arglen > 2 && !strncmp(arg + arglen - 2, "km", 2)) {
                scale = 1000;
                arglen -= 2;
            } else if (arglen > 1 && arg[arglen - 1] == 'm') {
                scale = 1;
                arglen -= 1;
            } else {
                return spec_err(ctx, text, "snap distance needs a unit, as in queen:100m");
            }
            double v;
            if (!num_parse_double(arg, arglen, &v) || v < 0)
                return spec_err(ctx, text, "snap distance must be a number >= 0");
            sp.snap_m = v * scale;
        }
    } else if (kwlen == 3 && !strncmp(text, "knn", 3)) {
        sp.kind = TW_W_KNN;
        if (!arg || !parse_pos_int(arg, arglen, &sp.k))
            return spec_err(ctx, text, "knn:K needs a whole number K >= 1");
        if (sp.islands_k)
            return spec_err(ctx, text, "knn has no islands to attach");
    } else if ((kwlen == 4 && !strncmp(text, "band", 4)) || (kwlen == 3 && !strncmp(text, "idw", 3))) {
        sp.kind = kwlen == 4 ? TW_W_BAND : TW_W_IDW;
        if (!arg)
            return spec_err(ctx, text, "a distance in km must follow the colon");
        const char *c2 = memchr(arg, ':', arglen);
        size_t dlen = c2 ? (size_t)(c2 - arg) : arglen;
        if (!num_parse_double(arg, dlen, &sp.band_km) || !(sp.band_km > 0))
            return spec_err(ctx, text, "the distance must be a number of km > 0");
        if (c2) {
            if (sp.kind != TW_W_IDW)
                return spec_err(ctx, text, "only idw takes a power");
            if (!num_parse_double(c2 + 1, arglen - dlen - 1, &sp.idw_power) ||
                !(sp.idw_power > 0))
                return spec_err(ctx, text, "the power must be a number > 0");
        }
    } else {
        return spec_err(ctx, text, "expected queen, rook, knn:K, band:KM, idw:KM, gal:FILE or gwt:FILE");
    }
    *out = sp;
    return TW_OK;
}

tw_status tw_weights_build(tw_ctx *ctx, const tw_areas *a, const tw_weights_spec *spec,
                           tw_weights **out)
{
    tw_status s;
    tw_weights *w = NULL, *w2 = NULL;
    if (!a || !spec || !out)
        return ctx_error(ctx, TW_E_ARG, "weights need areas, a spec and an output");
    if (a->n == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no areas to build weights on");
    if (spec->islands_k < 0)
        return ctx_error(ctx, TW_E_ARG, "islands_k must be >= 0");
    /* Give a cancel request its chance before the work starts (contiguity
     * also reports while it runs). */
    if ((s = ctx_progress(ctx, "weights", 0, 1)))
        return s;
    double power = 0;
    switch (spec->kind) {
    case TW_W_QUEEN:
    case TW_W_ROOK:
        s = weights_contiguity(ctx, a, spec->kind == TW_W_ROOK, spec->snap_m, &w);
        break;
    case TW_W_KNN:
        s = weights_knn(ctx, a, spec->k, spec->distance, &w);
        break;
    case TW_W_IDW:
        if (!(spec->idw_power > 0) || !isfinite(spec->idw_power))
            return ctx_error(ctx, TW_E_ARG, "idw power must be > 0");
        power = spec->idw_power;
        s = weights_band(ctx, a, spec->band_km, power, spec->distance, &w);
        break;
    case TW_W_BAND:
        s = weights_band(ctx, a, spec->band_km, 0, spec->distance, &w);
        break;
    case TW_W_GAL:
        s = tw_weights_read_gal(ctx, a, spec->path, &w);
        break;
    case TW_W_GWT:
        s = tw_weights_read_gwt(ctx, a, spec->path, &w);
        break;
    default:
        return ctx_error(ctx, TW_E_ARG, "unknown weights kind %d", (int)spec->kind);
    }
    if (s)
        return s;
    size_t islands = 0;
    for (size_t i = 0; i < w->n; i++)
        if (w->rowptr[i + 1] == w->rowptr[i])
            islands++;
    if (islands && spec->islands_k > 0) {
        if (spec->kind == TW_W_KNN || spec->kind == TW_W_GAL || spec->kind == TW_W_GWT) {
            tw_weights_free(w);
            return ctx_error(ctx, TW_E_ARG, "islands can be attached to contiguity and band weights only");
        }
        size_t attached = 0;
        s = weights_attach_islands(ctx, a, w, spec->islands_k, spec->distance, power, &w2,
                                   &attached);
        tw_weights_free(w);
        if (s)
            return s;
        w = w2;
        ctx_warn(ctx, "%zu areas without neighbours attached to their %d nearest", attached,
                 spec->islands_k);
        if (attached < islands)
            ctx_warn(ctx, "%zu areas have no neighbours (no point to attach them by)",
                     islands - attached);
    } else if (islands) {
        ctx_warn(ctx, "%zu areas have no neighbours", islands);
    }
    if ((s = ctx_progress(ctx, "weights", 1, 1))) {
        tw_weights_free(w);
        return s;
    }
    *out = w;
    return TW_OK;
}
