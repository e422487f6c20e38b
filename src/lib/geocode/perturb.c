/*
 * perturb.c: the ways people write Philippine addresses (perturb.h), shared
 * by the geocoder's evaluation set and the simulator's messy addresses.
 */
#include "geocode/perturb.h"
#include "tanaw/tanaw.h"

#include <stdio.h>
#include <string.h>

static int is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

void gz_perturb_copy_trim(char *dst, size_t cap, const char *src)
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

int gz_perturb_typo(rng *r, char *s, size_t cap, int flags)
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
        if (at + 1 < n && is_letter(s[at + 1]) &&
            (!(flags & GZ_PERTURB_SWAP_DISTINCT) || s[at] != s[at + 1])) {
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

void gz_perturb_replace_word(char *s, size_t cap, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    for (char *p = strstr(s, from); p; p = strstr(p, from)) {
        if ((p != s && is_letter(p[-1])) || is_letter(p[fl])) {
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

void gz_perturb_abbrev(char *bgy, char *mun, size_t cap, int flags, int max_name)
{
    static const struct {
        const char *from, *to;
        int all; /* only with GZ_PERTURB_ALL_WORDS */
    } words[] = {
        {"Santo", "Sto.", 0},   {"Santa", "Sta.", 0},         {"Poblacion", "Pob.", 0},
        {"General", "Gen.", 1}, {"President", "Pres.", 1},    {"\xc3\xb1", "n", 0},
        {"\xc3\x91", "N", 1},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (words[i].all && !(flags & GZ_PERTURB_ALL_WORDS))
            continue;
        gz_perturb_replace_word(bgy, cap, words[i].from, words[i].to);
        gz_perturb_replace_word(mun, cap, words[i].from, words[i].to);
    }
    if (strncmp(mun, "City of ", 8) == 0) {
        char tmp[TW_GEOCODE_MAX_ADDRESS + 8];
        snprintf(tmp, sizeof tmp, "%.*s City", max_name, mun + 8);
        gz_perturb_copy_trim(mun, cap, tmp);
    }
}

void gz_perturb_prefix(rng *r, char *bgy, size_t cap, int max_name)
{
    char tmp[TW_GEOCODE_MAX_ADDRESS + 8];
    snprintf(tmp, sizeof tmp, "%s %.*s", rng_below(r, 2) ? "Brgy." : "Bgy.", max_name, bgy);
    gz_perturb_copy_trim(bgy, cap, tmp);
}

void gz_perturb_first_alt(char *dst, size_t cap, const char *old)
{
    char tmp[TW_GEOCODE_MAX_ADDRESS];
    gz_perturb_copy_trim(tmp, cap < sizeof tmp ? cap : sizeof tmp, old);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash = '\0';
    gz_perturb_copy_trim(dst, cap, tmp);
}

void gz_perturb_case(char *s, int up)
{
    for (; *s; s++)
        if (is_letter(*s))
            *s = up ? (char)(*s & ~0x20) : (char)(*s | 0x20);
}

void gz_perturb_join(char *out, size_t cap, const char *const parts[3], const char *sep)
{
    size_t n = 0;
    out[0] = '\0';
    for (int k = 0; k < 3; k++) {
        if (!parts[k][0])
            continue;
        int w = snprintf(out + n, cap - n, "%s%s", n ? sep : "", parts[k]);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
}
