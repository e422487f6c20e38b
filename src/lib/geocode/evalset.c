/*
 * evalset.c: the labelled evaluation set of the geocoder and its scores.
 *
 * Addresses are generated from the gazetteer itself, so that every label
 * is a real PSGC barangay: barangay i is drawn uniformly with the
 * xoshiro256** stream (seed, i), written "Barangay, Municipality,
 * Province" with PSA's names (NCR districts as "Metro Manila"; no
 * province for BARMM's interim province and the City of Isabela's
 * province-level row), and, for a perturbed set, altered by one to three
 * of the ways people write: a typo in the barangay or municipality name
 * (one substitution, deletion, insertion or transposition of a letter
 * past the first, names of 5+ letters), abbreviations (Brgy., Sto., Sta.,
 * Pob., Gen., Pres., "X City" for "City of X", ñ as n), the province left
 * out, the parts in reverse order, an old name (barangay or municipality,
 * when PSA lists one) or all in upper or lower case. The same seed gives
 * the same set on every platform.
 *
 * Scores (gz_evaluate): per outcome the count and how many were right, the
 * barangays resolved right and the wrong matches (EXACT or FUZZY on
 * another barangay). O(n) geocoder calls.
 */
#include "geocode/geocode_internal.h"
#include "core/rng.h"

#include <string.h>

static void copy_trim(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    while (n && src[n - 1] == ' ')
        n--;
    while (n && *src == ' ')
        src++, n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* One random letter edit past the first character; 0 when the name is too short. */
static int typo(rng *r, char *s, size_t cap)
{
    size_t n = strlen(s), pos[256], np = 0;
    for (size_t i = 1; i < n && np < 256; i++)
        if (is_letter(s[i]))
            pos[np++] = i;
    if (np < 4)
        return 0;
    size_t at = pos[rng_below(r, np)];
    int op = (int)rng_below(r, 4);
    char c = (char)('a' + rng_below(r, 26));
    switch (op) {
    case 0: /* substitution by another letter */
        if ((s[at] | 0x20) == c)
            c = c == 'z' ? 'a' : (char)(c + 1);
        s[at] = c;
        break;
    case 1: /* deletion */
        memmove(s + at, s + at + 1, n - at);
        break;
    case 2: /* insertion */
        if (n + 2 > cap)
            return 0;
        memmove(s + at + 1, s + at, n - at + 1);
        s[at] = c;
        break;
    default: /* transposition with the next letter */
        if (at + 1 < n && is_letter(s[at + 1]) && s[at] != s[at + 1]) {
            char t = s[at];
            s[at] = s[at + 1];
            s[at + 1] = t;
        } else {
            s[at] = c;
        }
        break;
    }
    return 1;
}

/* Replace every whole-word occurrence of from by to (ASCII, case as given). */
static void replace_word(char *s, size_t cap, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    for (char *p = strstr(s, from); p; p = strstr(p, from)) {
        int start = p == s || !is_letter(p[-1]);
        int end = !is_letter(p[fl]);
        if (!start || !end) {
            p += fl;
            continue;
        }
        size_t n = strlen(s);
        if (n - fl + tl + 1 > cap)
            return;
        memmove(p + tl, p + fl, n - (size_t)(p - s) - fl + 1);
        memcpy(p, to, tl);
        p += tl;
    }
}

static void abbreviate(rng *r, char *bgy, char *mun, size_t cap)
{
    static const char *const pairs[][2] = {
        {"Santo", "Sto."}, {"Santa", "Sta."}, {"Poblacion", "Pob."}, {"General", "Gen."},
        {"President", "Pres."}, {"\xc3\xb1", "n"}, {"\xc3\x91", "N"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        replace_word(bgy, cap, pairs[i][0], pairs[i][1]);
        replace_word(mun, cap, pairs[i][0], pairs[i][1]);
    }
    /* "City of X" -> "X City" */
    if (strncmp(mun, "City of ", 8) == 0) {
        char tmp[TW_GEOCODE_MAX_ADDRESS + 8];
        snprintf(tmp, sizeof tmp, "%.1000s City", mun + 8);
        copy_trim(mun, cap, tmp);
    }
    if (rng_below(r, 2)) {
        char tmp[TW_GEOCODE_MAX_ADDRESS + 8];
        snprintf(tmp, sizeof tmp, "%s %.1000s", rng_below(r, 2) ? "Brgy." : "Bgy.", bgy);
        copy_trim(bgy, cap, tmp);
    }
}

static void first_alt(char *dst, size_t cap, const char *old)
{
    char tmp[TW_GEOCODE_MAX_ADDRESS];
    copy_trim(tmp, sizeof tmp, old);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash = '\0';
    copy_trim(dst, cap, tmp);
}

tw_status gz_evalset_make(tw_ctx *ctx, const tw_gazetteer *g, uint64_t seed, size_t n,
                          int perturb, gz_labelled **out)
{
    int32_t *bgys = NULL;
    size_t nb = 0;
    gz_labelled *set = NULL;
    tw_status st = TW_OK;
    *out = NULL;
    bgys = ctx_mallocarray(ctx, g->n + 1, sizeof *bgys);
    set = ctx_calloc(ctx, n ? n : 1, sizeof *set);
    if (!bgys || !set) {
        st = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].level == TW_LEVEL_BARANGAY && g->nodes[i].parent >= 0)
            bgys[nb++] = (int32_t)i;
    if (!nb) {
        st = ctx_error(ctx, TW_E_EMPTY, "evaluation set: the gazetteer has no barangays");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        rng r;
        rng_init(&r, seed, i);
        int32_t b = bgys[rng_below(&r, nb)];
        const gz_node *bn = &g->nodes[b];
        int32_t m = bn->parent;
        while (m >= 0 && g->nodes[m].level != TW_LEVEL_MUNICIPALITY)
            m = g->nodes[m].parent;
        int32_t p = m >= 0 ? g->nodes[m].parent : -1;
        char bgy[TW_GEOCODE_MAX_ADDRESS], mun[TW_GEOCODE_MAX_ADDRESS] = "",
            prov[TW_GEOCODE_MAX_ADDRESS] = "";
        copy_trim(bgy, sizeof bgy, g->strs + bn->name);
        if (m >= 0)
            copy_trim(mun, sizeof mun, g->strs + g->nodes[m].name);
        if (p >= 0 && g->nodes[p].kind == GZ_DIST)
            copy_trim(prov, sizeof prov, "Metro Manila");
        else if (p >= 0 && g->nodes[p].kind == GZ_PROV)
            copy_trim(prov, sizeof prov, g->strs + g->nodes[p].name);
        int applied = 0;
        if (perturb) {
            int want = 1 + (int)rng_below(&r, 3);
            for (int tries = 0; tries < 12 && want > 0; tries++) {
                int bit = 1 << rng_below(&r, 8);
                if (!(perturb & bit) || (applied & bit))
                    continue;
                int ok = 1;
                switch (bit) {
                case GZ_P_TYPO_BGY: ok = typo(&r, bgy, sizeof bgy); break;
                case GZ_P_TYPO_MUN: ok = mun[0] && typo(&r, mun, sizeof mun); break;
                case GZ_P_ABBREV: abbreviate(&r, bgy, mun, sizeof bgy); break;
                case GZ_P_NO_PROVINCE: ok = prov[0] != '\0'; prov[0] = '\0'; break;
                case GZ_P_SWAP: break;
                case GZ_P_NO_COMMAS: break;
                case GZ_P_OLD_NAME: {
                    const char *ob = g->strs + bn->old;
                    const char *om = m >= 0 ? g->strs + g->nodes[m].old : "";
                    if (*ob)
                        first_alt(bgy, sizeof bgy, ob);
                    else if (*om)
                        first_alt(mun, sizeof mun, om);
                    else
                        ok = 0;
                    break;
                }
                case GZ_P_CASE: {
                    int up = (int)rng_below(&r, 2);
                    for (char *s2 = bgy; *s2; s2++)
                        if (is_letter(*s2))
                            *s2 = up ? (char)(*s2 & ~0x20) : (char)(*s2 | 0x20);
                    for (char *s2 = mun; *s2; s2++)
                        if (is_letter(*s2))
                            *s2 = up ? (char)(*s2 & ~0x20) : (char)(*s2 | 0x20);
                    break;
                }
                default: ok = 0; break;
                }
                if (ok) {
                    applied |= bit;
                    want--;
                }
            }
        }
        const char *parts[3] = {bgy, mun, prov};
        if (applied & GZ_P_SWAP) {
            parts[0] = prov;
            parts[2] = bgy;
        }
        const char *sep = applied & GZ_P_NO_COMMAS ? " " : ", ";
        char *a = set[i].address;
        size_t al = 0;
        for (int k = 0; k < 3; k++) {
            if (!parts[k][0])
                continue;
            int w = snprintf(a + al, sizeof set[i].address - al, "%s%s", al ? sep : "", parts[k]);
            if (w < 0 || (size_t)w >= sizeof set[i].address - al)
                break;
            al += (size_t)w;
        }
        memcpy(set[i].truth, bn->code, sizeof set[i].truth);
        set[i].perturbed = applied;
    }
    ctx_free(ctx, bgys);
    *out = set;
    return TW_OK;
fail:
    ctx_free(ctx, bgys);
    ctx_free(ctx, set);
    return st;
}

tw_status gz_evaluate(tw_ctx *ctx, const tw_gazetteer *g, const gz_labelled *set, size_t n,
                      gz_eval *ev)
{
    memset(ev, 0, sizeof *ev);
    for (size_t i = 0; i < n; i++) {
        tw_geocode_result res;
        tw_status st = tw_geocode(ctx, g, set[i].address, strlen(set[i].address), &res);
        if (st)
            return st;
        int right = 0;
        switch (res.outcome) {
        case TW_GEOCODE_EXACT:
        case TW_GEOCODE_FUZZY:
            right = strcmp(res.psgc, set[i].truth) == 0;
            ev->resolved_right += (size_t)right;
            ev->wrong += (size_t)!right;
            break;
        case TW_GEOCODE_AMBIGUOUS:
            for (size_t k = 0; k < res.n_candidates && k < TW_GEOCODE_MAX_CANDIDATES; k++)
                right |= strcmp(res.candidates[k], set[i].truth) == 0;
            break;
        case TW_GEOCODE_COARSER: {
            long t = gz_find(g, set[i].truth);
            long c = gz_find(g, res.psgc);
            for (int32_t p = t >= 0 ? g->nodes[t].parent : -1; p >= 0 && c >= 0;
                 p = g->nodes[p].parent)
                right |= p == c;
            break;
        }
        case TW_GEOCODE_NOT_FOUND:
            break;
        }
        ev->n++;
        ev->by_outcome[res.outcome]++;
        ev->right_by_outcome[res.outcome] += (size_t)right;
    }
    return TW_OK;
}
