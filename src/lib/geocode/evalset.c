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
#include "geocode/perturb.h"
#include "core/rng.h"

#include <string.h>

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
        gz_perturb_copy_trim(bgy, sizeof bgy, g->strs + bn->name);
        if (m >= 0)
            gz_perturb_copy_trim(mun, sizeof mun, g->strs + g->nodes[m].name);
        if (p >= 0 && g->nodes[p].kind == GZ_DIST)
            gz_perturb_copy_trim(prov, sizeof prov, "Metro Manila");
        else if (p >= 0 && g->nodes[p].kind == GZ_PROV)
            gz_perturb_copy_trim(prov, sizeof prov, g->strs + g->nodes[p].name);
        int applied = 0;
        if (perturb) {
            int want = 1 + (int)rng_below(&r, 3);
            for (int tries = 0; tries < 12 && want > 0; tries++) {
                int bit = 1 << rng_below(&r, 8);
                if (!(perturb & bit) || (applied & bit))
                    continue;
                int ok = 1;
                switch (bit) {
                case GZ_P_TYPO_BGY:
                    ok = gz_perturb_typo(&r, bgy, sizeof bgy, GZ_PERTURB_SWAP_DISTINCT);
                    break;
                case GZ_P_TYPO_MUN:
                    ok = mun[0] && gz_perturb_typo(&r, mun, sizeof mun, GZ_PERTURB_SWAP_DISTINCT);
                    break;
                case GZ_P_ABBREV:
                    gz_perturb_abbrev(bgy, mun, sizeof bgy, GZ_PERTURB_ALL_WORDS, 1000);
                    if (rng_below(&r, 2))
                        gz_perturb_prefix(&r, bgy, sizeof bgy, 1000);
                    break;
                case GZ_P_NO_PROVINCE: ok = prov[0] != '\0'; prov[0] = '\0'; break;
                case GZ_P_SWAP: break;
                case GZ_P_NO_COMMAS: break;
                case GZ_P_OLD_NAME: {
                    const char *ob = g->strs + bn->old;
                    const char *om = m >= 0 ? g->strs + g->nodes[m].old : "";
                    if (*ob)
                        gz_perturb_first_alt(bgy, sizeof bgy, ob);
                    else if (*om)
                        gz_perturb_first_alt(mun, sizeof mun, om);
                    else
                        ok = 0;
                    break;
                }
                case GZ_P_CASE: {
                    int up = (int)rng_below(&r, 2);
                    gz_perturb_case(bgy, up);
                    gz_perturb_case(mun, up);
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
        gz_perturb_join(set[i].address, sizeof set[i].address, parts,
                        applied & GZ_P_NO_COMMAS ? " " : ", ");
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
