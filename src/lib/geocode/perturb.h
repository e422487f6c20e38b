/*
 * perturb.h: the ways people write Philippine addresses, as edits of names
 * (internal). One set of helpers for the geocoder's evaluation set
 * (evalset.c) and the simulator's messy addresses (cases/simulate.c): a
 * letter typo, abbreviations (Sto., Sta., Pob., Gen., Pres., n for ñ),
 * "X City" for "City of X", a Brgy./Bgy. prefix, an old name, upper or lower
 * case, and the parts joined in order. Each edits a caller buffer of cap
 * bytes in place, truncating to fit; the random ones draw from the caller's
 * rng, in a fixed order, so that a seed gives the same text everywhere.
 */
#ifndef TW_GEOCODE_PERTURB_H
#define TW_GEOCODE_PERTURB_H

#include "core/rng.h"

#include <stddef.h>

/* Flags of gz_perturb_typo and gz_perturb_abbrev. */
enum {
    GZ_PERTURB_SWAP_DISTINCT = 1, /* typo: transpose only two different letters */
    GZ_PERTURB_ALL_WORDS = 2      /* abbrev: also Gen., Pres. and N for Ñ */
};

/* src without leading and trailing spaces into dst (cap bytes, truncated). */
void gz_perturb_copy_trim(char *dst, size_t cap, const char *src);

/* One random letter edit past the first character (substitution, deletion,
   insertion or transposition); 0, s unchanged, when s has fewer than 4
   letters there or an insertion would not fit. Draws three numbers. */
int gz_perturb_typo(rng *r, char *s, size_t cap, int flags);

/* Every whole-word occurrence of from replaced by to (ASCII, case as given);
   stops when the next replacement would not fit. */
void gz_perturb_replace_word(char *s, size_t cap, const char *from, const char *to);

/* Sto., Sta., Pob. and n for ñ (with GZ_PERTURB_ALL_WORDS also Gen., Pres.
   and N for Ñ) in both names, then "City of X" as "X City" in mun, keeping
   at most max_name bytes of X. Draws nothing. */
void gz_perturb_abbrev(char *bgy, char *mun, size_t cap, int flags, int max_name);

/* "Brgy. " or "Bgy. " (one draw) before at most max_name bytes of bgy. */
void gz_perturb_prefix(rng *r, char *bgy, size_t cap, int max_name);

/* The first of PSA's old names ("A / B" lists several) into dst. */
void gz_perturb_first_alt(char *dst, size_t cap, const char *old);

/* All letters of s upper (up) or lower case. */
void gz_perturb_case(char *s, int up);

/* The non-empty parts joined by sep into out (always terminated; stops
   before a part that would not fit). */
void gz_perturb_join(char *out, size_t cap, const char *const parts[3], const char *sep);

#endif
