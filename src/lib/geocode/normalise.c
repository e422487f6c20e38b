/*
 * normalise.c: how written Philippine place names are made comparable.
 * One pass decodes UTF-8 (rejecting invalid bytes), folds Latin-1 letters
 * to ASCII (Ñ/ñ -> n, é -> e), lowercases, joins apostrophes ("Brooke's"
 * -> brookes), turns other punctuation into blanks and commas into part
 * breaks, and splits letters from digits ("Bgy5" -> bgy 5). A second pass
 * rewrites words: Roman numerals to Arabic (II -> 2), leading zeros
 * dropped (01 -> 1), abbreviations expanded (Sto. -> santo, Sta. -> santa,
 * Pob. -> poblacion, Gen. -> general, Pres. -> president, Mt. -> mount,
 * QC -> quezon city ...), and words that only say what kind of place
 * follows are dropped (Municipality, Philippines, "No." before a number,
 * ordinal suffixes). Brgy./Bgy. become "barangay" and Prov. "province":
 * keys leave these words out, but the matcher uses them to prefer the
 * level they announce; one typo in these words is forgiven ("Baarngay",
 * "Citvy"). The full list is in
 * docs/geocode.md; the same rules build the gazetteer's keys, so an
 * address matches when both sides normalise alike.
 *
 * Lookup keys join the words without blanks, so "Lapu-Lapu", "Lapu Lapu"
 * and "Lapulapu" are one key. Municipality keys also drop "city" and "of":
 * "City of Cebu" and "Cebu City" are one key (the caller remembers that
 * "city" was written).
 *
 * O(length) time, no allocation: the caller's gz_tokens holds everything.
 * Limits: TW_GEOCODE_MAX_ADDRESS bytes, GZ_MAX_TOKENS words; words are
 * truncated at 255 bytes; scripts other than Latin become blanks.
 */
#include "geocode/geocode_internal.h"

#include <string.h>

/* ASCII letter for U+00C0..U+00FF (lowercase), blank for signs. */
static const char latin1_fold[65] = "aaaaaaaceeeeiiiidnooooo ouuuuy s"
                                    "aaaaaaaceeeeiiiidnooooo ouuuuy y";

/* Words rewritten (to may hold several words); from_len saves a strlen per try. */
#define W(s) s, sizeof s - 1
static const struct {
    const char *from;
    size_t from_len;
    const char *to;
} rewrites[] = {
    {W("sto"), "santo"},
    {W("sta"), "santa"},
    {W("sn"), "san"},
    {W("gen"), "general"},
    {W("gral"), "general"},
    {W("pres"), "president"},
    {W("pob"), "poblacion"},
    {W("pobl"), "poblacion"},
    {W("mt"), "mount"},
    {W("ft"), "fort"},
    {W("cty"), "city"},
    {W("nstra"), "nuestra"},
    {W("ntra"), "nuestra"},
    {W("nra"), "nuestra"},
    {W("sra"), "senora"},
    {W("dr"), "doctor"},
    {W("kap"), "kapitan"},
    {W("kapt"), "kapitan"},
    {W("pto"), "puerto"},
    {W("ext"), "extension"},
    {W("hts"), "heights"},
    {W("subd"), "subdivision"},
    {W("sr"), "sr"},
    {W("senior"), "sr"},
    {W("prov"), "province"},
    {W("jr"), "jr"},
    {W("brgy"), "barangay"},
    {W("bgy"), "barangay"},
    {W("bry"), "barangay"},
    {W("brg"), "barangay"},
    {W("bgry"), "barangay"},
    {W("brangay"), "barangay"},
    {W("baranggay"), "barangay"},
    {W("junior"), "jr"},
    {W("qc"), "quezon city"},
    {W("cdo"), "cagayan de oro"},
    {W("gensan"), "general santos"},
    {W("mm"), "metro manila"},
};

/* rw_first[n]: bit c - 'a' set when a rewrite of n letters starts with c,
   so that most words skip the table. gz_rewrite_filter_ok() checks it
   against the table (tests/unit/test_geocode.c). */
static const uint32_t rw_first[10] = {0x0,     0x0,    0x51228, 0x4a4d6, 0x4a442,
                                      0x2000,  0x40240, 0x2,    0x0,     0x2};

/* Words that only say what kind of place follows. */
static const struct {
    const char *w;
    size_t len;
} dropped[] = {
    {W("philippines")},
    {W("phils")},
    {W("phil")},
    {W("pilipinas")},
    {W("municipality")},
    {W("mun")},
    {W("municipio")},
};
#undef W

static int is_alpha(int c) { return c >= 'a' && c <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Value of a canonical Roman numeral made of i, v, x (1..39), else 0. */
static int roman_value(const char *s, size_t n)
{
    static const char *const romans[] = {
        "", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix",
    };
    static const unsigned char rlen[] = {0, 1, 2, 3, 2, 1, 2, 3, 4, 2};
    for (size_t i = 0; i < n; i++)
        if (s[i] != 'i' && s[i] != 'v' && s[i] != 'x')
            return 0; /* most words: not a numeral */
    size_t tens = 0;
    while (tens < n && s[tens] == 'x')
        tens++;
    if (tens > 3)
        return 0;
    const char *rest = s + tens;
    size_t rn = n - tens;
    for (int u = 0; u < 10; u++)
        if (rlen[u] == rn && memcmp(romans[u], rest, rn) == 0) {
            int v = (int)tens * 10 + u;
            return v;
        }
    return 0;
}

static int token_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* Append one word to t; false when it does not fit. */
static int push(gz_tokens *t, size_t *used, const char *w, size_t n, int part)
{
    if (n == 0)
        return 1;
    if (n > 255)
        n = 255;
    if (t->n >= GZ_MAX_TOKENS || *used + n + 1 > sizeof t->buf)
        return 0;
    memcpy(t->buf + *used, w, n);
    t->buf[*used + n] = '\0';
    t->off[t->n] = (uint16_t)*used;
    t->len[t->n] = (uint8_t)n;
    t->part[t->n] = (uint8_t)part;
    t->n++;
    *used += n + 1;
    return 1;
}

/* Decode one UTF-8 sequence at s[i]; returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned char c = s[i];
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > len)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

tw_status gz_tokenise(const char *s, size_t len, int split_parts, gz_tokens *t, size_t *bad)
{
    /* Pass 1: folded characters; ' ' ends a word, '\1' ends a part. */
    char raw[TW_GEOCODE_MAX_ADDRESS + 2];
    size_t rn = 0;
    t->n = 0;
    t->nparts = 1;
    if (len > TW_GEOCODE_MAX_ADDRESS)
        return TW_E_DOMAIN;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        char out;
        if (c < 0x80) {
            i++;
            if (c >= 'A' && c <= 'Z')
                out = (char)(c - 'A' + 'a');
            else if (is_alpha(c) || is_digit(c))
                out = (char)c;
            else if (c == '\'' || c == '`')
                continue;
            else if (split_parts && (c == ',' || c == ';' || c == '\n' || c == '\r' || c == '|'))
                out = '\1';
            else if (c == 0)
                return (*bad = i - 1, TW_E_PARSE);
            else
                out = ' ';
        } else {
            uint32_t cp;
            size_t k = utf8_decode(u, len, i, &cp);
            if (!k) {
                *bad = i;
                return TW_E_PARSE;
            }
            i += k;
            if (cp >= 0xC0 && cp <= 0xFF)
                out = latin1_fold[cp - 0xC0];
            else if (cp == 0x2019 || cp == 0x2018 || cp == 0x00B4)
                continue; /* typographic apostrophes join like ' */
            else
                out = ' ';
        }
        raw[rn++] = out;
    }
    raw[rn] = '\0';

    /* Pass 2: words, split letters from digits, rewritten. */
    size_t used = 0;
    int part = 0;
    size_t i = 0;
    /* Raw words first, so that "No." can look at the next word. */
    struct {
        uint16_t off, len;
        uint8_t part;
    } w[GZ_MAX_TOKENS];
    size_t nw = 0;
    while (i < rn) {
        char c = raw[i];
        if (c == '\1') {
            part++;
            if (part >= GZ_MAX_PARTS)
                return TW_E_DOMAIN;
            i++;
            continue;
        }
        if (c == ' ') {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < rn && raw[j] != ' ' && raw[j] != '\1' &&
               is_digit(raw[j]) == is_digit(raw[i]))
            j++;
        if (nw >= GZ_MAX_TOKENS)
            return TW_E_DOMAIN;
        w[nw].off = (uint16_t)i;
        w[nw].len = (uint16_t)(j - i);
        w[nw].part = (uint8_t)part;
        nw++;
        i = j;
    }
    t->nparts = (size_t)part + 1;
    for (size_t k = 0; k < nw; k++) {
        const char *ws = raw + w[k].off;
        size_t wl = w[k].len;
        int wp = w[k].part;
        int next_digit = k + 1 < nw && w[k + 1].part == wp && is_digit(raw[w[k + 1].off]);
        int prev_digit = k > 0 && w[k - 1].part == wp && is_digit(raw[w[k - 1].off]);
        if (is_digit(ws[0])) {
            while (wl > 1 && ws[0] == '0')
                ws++, wl--;
            if (!push(t, &used, ws, wl, wp))
                return TW_E_DOMAIN;
            continue;
        }
        if ((token_is(ws, wl, "no") || token_is(ws, wl, "nos") || token_is(ws, wl, "num")) &&
            next_digit)
            continue;
        if (prev_digit && (token_is(ws, wl, "st") || token_is(ws, wl, "nd") ||
                           token_is(ws, wl, "rd") || token_is(ws, wl, "th")))
            continue;
        int drop = 0;
        for (size_t d = 0; d < sizeof dropped / sizeof dropped[0] && !drop; d++)
            drop = dropped[d].len == wl && memcmp(ws, dropped[d].w, wl) == 0;
        if (drop)
            continue;
        int rv = roman_value(ws, wl);
        if (rv > 0) {
            char num[4];
            int nl = rv >= 10 ? 2 : 1;
            if (rv >= 10)
                num[0] = (char)('0' + rv / 10), num[1] = (char)('0' + rv % 10);
            else
                num[0] = (char)('0' + rv);
            if (!push(t, &used, num, (size_t)nl, wp))
                return TW_E_DOMAIN;
            continue;
        }
        const char *to = NULL;
        if (wl < 10 && is_alpha(ws[0]) && (rw_first[wl] >> (ws[0] - 'a') & 1))
            for (size_t r = 0; r < sizeof rewrites / sizeof rewrites[0] && !to; r++)
                if (rewrites[r].from_len == wl && memcmp(ws, rewrites[r].from, wl) == 0)
                    to = rewrites[r].to;
        /* The kind words are often mistyped ("Baarngay", "Citvy"): one edit
           away (first letter right) they still mark a level. No PSGC name holds a word one edit
           from "city"; "balangay" is the only one near "barangay". */
        if (!to && wl >= 7 && wl <= 9 && ws[0] == 'b' && !token_is(ws, wl, "balangay") &&
            gz_osa_bounded(ws, wl, "barangay", 8, 1) <= 1)
            to = "barangay";
        if (!to && wl >= 3 && wl <= 5 && ws[0] == 'c' && gz_osa_bounded(ws, wl, "city", 4, 1) <= 1)
            to = "city";
        if (!to) {
            if (!push(t, &used, ws, wl, wp))
                return TW_E_DOMAIN;
            continue;
        }
        while (*to) {
            const char *sp = strchr(to, ' ');
            size_t n = sp ? (size_t)(sp - to) : strlen(to);
            if (!push(t, &used, to, n, wp))
                return TW_E_DOMAIN;
            to += n;
            while (*to == ' ')
                to++;
        }
    }
    return TW_OK;
}

size_t gz_key(const gz_tokens *t, size_t lo, size_t hi, int ns, char *key, size_t cap,
              int *has_city)
{
    size_t n = 0;
    int city = 0;
    if (cap < 2)
        return 0;
    key[n++] = (char)ns;
    for (size_t i = lo; i < hi; i++) {
        const char *w = t->buf + t->off[i];
        size_t wl = t->len[i];
        if (ns == GZ_NS_MUN && (token_is(w, wl, "city") || token_is(w, wl, "of"))) {
            city |= w[0] == 'c';
            continue;
        }
        if (token_is(w, wl, "province")) {
            city |= 2;
            continue;
        }
        if (token_is(w, wl, "barangay")) {
            city |= 4;
            continue;
        }
        if (n + wl + 1 > cap)
            return 0;
        memcpy(key + n, w, wl);
        n += wl;
    }
    key[n] = '\0';
    if (has_city)
        *has_city = city;
    return n > 1 ? n : 0;
}

uint32_t gz_letter_mask(const char *s, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'a' && c <= 'z')
            m |= 1u << (c - 'a');
        else
            m |= 1u << 26;
    }
    return m;
}

int gz_rewrite_filter_ok(void)
{
    uint32_t m[10] = {0};
    for (size_t r = 0; r < sizeof rewrites / sizeof rewrites[0]; r++) {
        size_t n = rewrites[r].from_len;
        if (n >= 10 || !is_alpha(rewrites[r].from[0]))
            return 0;
        m[n] |= UINT32_C(1) << (rewrites[r].from[0] - 'a');
    }
    return memcmp(m, rw_first, sizeof m) == 0;
}

/*
 * Optimal string alignment distance by Hyyro's bit-parallel algorithm
 * (2003, the Damerau variant of Myers' 1999 bit-vector method): one word
 * operation per character of b, for a pattern a of at most 64 characters.
 * pm holds the positions of each character in a; only the entries of the
 * characters of a and b are written, so it needs no clearing.
 */
static int osa_bitparallel(const char *a, size_t la, const char *b, size_t lb)
{
    uint64_t pm[256];
    for (size_t j = 0; j < lb; j++)
        pm[(unsigned char)b[j]] = 0;
    for (size_t i = 0; i < la; i++)
        pm[(unsigned char)a[i]] = 0;
    for (size_t i = 0; i < la; i++)
        pm[(unsigned char)a[i]] |= UINT64_C(1) << i;
    uint64_t vp = la == 64 ? ~UINT64_C(0) : (UINT64_C(1) << la) - 1, vn = 0, d0 = 0, pm_prev = 0;
    const uint64_t last = UINT64_C(1) << (la - 1);
    int score = (int)la;
    for (size_t j = 0; j < lb; j++) {
        uint64_t x = pm[(unsigned char)b[j]];
        uint64_t tr = (((~d0) & x) << 1) & pm_prev;
        d0 = (((x & vp) + vp) ^ vp) | x | vn | tr;
        uint64_t hp = vn | ~(d0 | vp), hn = d0 & vp;
        if (hp & last)
            score++;
        else if (hn & last)
            score--;
        x = (hp << 1) | 1;
        vn = x & d0;
        vp = (hn << 1) | ~(x | d0);
        pm_prev = pm[(unsigned char)b[j]];
    }
    return score;
}

int gz_osa_bounded(const char *a, size_t la, const char *b, size_t lb, int maxd)
{
    int d0 = (int)(la > lb ? la - lb : lb - la);
    if (d0 > maxd || maxd < 0)
        return maxd + 1;
    if (la == 0 || lb == 0)
        return d0;
    if (la <= 64) {
        int d = osa_bitparallel(a, la, b, lb);
        return d > maxd ? maxd + 1 : d;
    }
    return gz_osa_dp(a, la, b, lb, maxd);
}

int gz_osa_dp(const char *a, size_t la, const char *b, size_t lb, int maxd)
{
    enum { MAXL = 255 };
    int d = (int)(la > lb ? la - lb : lb - la);
    if (d > maxd || la > MAXL || lb > MAXL || maxd < 0)
        return maxd + 1;
    /* Only the band |i - j| <= maxd can stay within the bound (Ukkonen):
       O(len x (2 maxd + 1)). Cells outside the band count as maxd + 1. */
    const int inf = maxd + 1;
    int r0[MAXL + 2], r1[MAXL + 2], r2[MAXL + 2];
    int *prev2 = r0, *prev = r1, *cur = r2;
    for (size_t j = 0; j <= lb; j++) {
        prev[j] = (int)j <= maxd ? (int)j : inf;
        prev2[j] = inf;
        cur[j] = inf;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t jlo = i > (size_t)maxd ? i - (size_t)maxd : 1;
        size_t jhi = i + (size_t)maxd < lb ? i + (size_t)maxd : lb;
        cur[0] = (int)i <= maxd ? (int)i : inf;
        if (jlo > 1)
            cur[jlo - 1] = inf;
        int rowmin = jlo == 1 ? cur[0] : inf;
        for (size_t j = jlo; j <= jhi; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            if (v > inf)
                v = inf;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (jhi + 1 <= lb)
            cur[jhi + 1] = inf;
        if (rowmin > maxd)
            return inf;
        int *tmp = prev2;
        prev2 = prev;
        prev = cur;
        cur = tmp;
    }
    return prev[lb] > maxd ? inf : prev[lb];
}

/*
 * Deletion variants are hashed with a polynomial (Horner) hash mod 2^64 so
 * that each variant costs O(1) from prefix hashes instead of a copy and a
 * rehash: for t = ns + s, without t[i] (and t[j]),
 *   h = pre[i] B^(m-1-i) + sufH[i+1]                                (one)
 *   h = pre[i] B^(m-2-i) + (pre[j] - pre[i+1] B^(j-i-1)) B^(m-1-j) + sufH[j+1]
 * where m = |t|, pre[k] = hash of t[0..k), sufH[k] = sum t[q] B^(m-1-q), q >= k.
 */
#define GZ_DEL_B UINT64_C(0x100000001b3)

void gz_deletions(int ns, const char *s, size_t n, int maxd,
                  void (*fn)(void *ud, uint64_t hash), void *ud)
{
    enum { MAXN = 256 };
    uint64_t pre[MAXN + 2], suf[MAXN + 2], pw[MAXN + 2];
    unsigned char t[MAXN + 1];
    if (n > MAXN - 1)
        return;
    size_t m = n + 1;
    t[0] = (unsigned char)ns;
    memcpy(t + 1, s, n);
    pw[0] = 1;
    pre[0] = 0;
    for (size_t k = 0; k < m; k++) {
        pw[k + 1] = pw[k] * GZ_DEL_B;
        pre[k + 1] = pre[k] * GZ_DEL_B + t[k];
    }
    suf[m] = 0;
    for (size_t k = m; k-- > 0;)
        suf[k] = suf[k + 1] + t[k] * pw[m - 1 - k];
    fn(ud, pre[m]);
    if (maxd < 1)
        return;
    for (size_t i = 1; i < m; i++) {
        fn(ud, pre[i] * pw[m - 1 - i] + suf[i + 1]);
        if (maxd < 2 || n > GZ_DEL2_MAX)
            continue;
        for (size_t j = i + 1; j < m; j++) {
            uint64_t mid = pre[j] - pre[i + 1] * pw[j - i - 1];
            fn(ud, pre[i] * pw[m - 2 - i] + mid * pw[m - 1 - j] + suf[j + 1]);
        }
    }
}

tw_status tw_geocode_normalise(tw_ctx *ctx, const char *s, size_t len, char *out, size_t cap)
{
    gz_tokens t;
    size_t bad = 0;
    if (!s || (!out && cap))
        return ctx_error(ctx, TW_E_ARG, "normalise: NULL argument");
    tw_status st = gz_tokenise(s, len, 0, &t, &bad);
    if (st == TW_E_PARSE)
        return ctx_error(ctx, st, "byte %zu is not UTF-8", bad + 1);
    if (st)
        return ctx_error(ctx, st, "address longer than %d bytes or %d words",
                         TW_GEOCODE_MAX_ADDRESS, GZ_MAX_TOKENS);
    size_t n = 0;
    for (size_t i = 0; i < t.n; i++) {
        size_t wl = t.len[i];
        if (n + wl + (i > 0) + 1 > cap)
            return ctx_error(ctx, TW_E_DOMAIN, "normalised text longer than %zu bytes", cap);
        if (i > 0)
            out[n++] = ' ';
        memcpy(out + n, t.buf + t.off[i], wl);
        n += wl;
    }
    if (cap)
        out[n] = '\0';
    else
        return ctx_error(ctx, TW_E_DOMAIN, "normalised text longer than 0 bytes");
    return TW_OK;
}
