/*
 * psgc.c: Philippine Standard Geographic Code (PSGC) codes from their digits
 * alone. A 10-digit code reads RR PPP MM BBB (region, province-level unit,
 * city/municipality, barangay) as in the PSA's PSGC 4Q 2023 publication
 * datafile. The rules and the special cases (highly urbanised cities coded
 * as province-level units, NCR, Manila's sub-municipalities, BARMM's Special
 * Geographic Area, City of Isabela, Pateros) are written down and measured
 * in docs/geography.md.
 *
 * O(1) per call, no allocation. Digits cannot tell an HUC's geographic
 * province (Cebu City 0730600000 lies in Cebu 0702200000): that needs a
 * table (the areas CSV's province_psgc column, see areas.c).
 */
#include "core/core.h"

#include <string.h>
#include <strings.h>

const char *tw_level_name(tw_level l)
{
    switch (l) {
    case TW_LEVEL_REGION: return "region";
    case TW_LEVEL_PROVINCE: return "province";
    case TW_LEVEL_MUNICIPALITY: return "municipality";
    case TW_LEVEL_SUBMUNICIPALITY: return "submunicipality";
    case TW_LEVEL_BARANGAY: return "barangay";
    case TW_LEVEL_UNKNOWN: break;
    }
    return "unknown";
}

tw_level tw_level_parse(const char *s)
{
    static const struct {
        const char *name;
        tw_level level;
    } names[] = {
        {"region", TW_LEVEL_REGION},
        {"reg", TW_LEVEL_REGION},
        {"province", TW_LEVEL_PROVINCE},
        {"prov", TW_LEVEL_PROVINCE},
        {"municipality", TW_LEVEL_MUNICIPALITY},
        {"city", TW_LEVEL_MUNICIPALITY},
        {"mun", TW_LEVEL_MUNICIPALITY},
        {"citymun", TW_LEVEL_MUNICIPALITY},
        {"lgu", TW_LEVEL_MUNICIPALITY},
        {"submunicipality", TW_LEVEL_SUBMUNICIPALITY},
        {"submun", TW_LEVEL_SUBMUNICIPALITY},
        {"barangay", TW_LEVEL_BARANGAY},
        {"bgy", TW_LEVEL_BARANGAY},
        {"brgy", TW_LEVEL_BARANGAY},
    };
    if (!s)
        return TW_LEVEL_UNKNOWN;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0)
            return names[i].level;
    return TW_LEVEL_UNKNOWN;
}

tw_status tw_psgc_normalise(const char *s, size_t len, char out[TW_PSGC_LEN + 1])
{
    if (!s)
        return TW_E_PARSE;
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                   s[len - 1] == '\n'))
        len--;
    if (len != TW_PSGC_LEN && len != TW_PSGC_LEN - 1)
        return TW_E_PARSE;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return TW_E_PARSE;
    /* 9 digits: a spreadsheet stored the code as a number and dropped the
     * leading zero of regions 01..09. */
    size_t pad = TW_PSGC_LEN - len;
    if (pad)
        out[0] = '0';
    memcpy(out + pad, s, len);
    out[TW_PSGC_LEN] = '\0';
    return TW_OK;
}

static int all_digits(const char *c)
{
    for (int i = 0; i < TW_PSGC_LEN; i++)
        if (c[i] < '0' || c[i] > '9')
            return 0;
    return c[TW_PSGC_LEN] == '\0';
}

static int zeros(const char *c, int from, int to)
{
    for (int i = from; i < to; i++)
        if (c[i] != '0')
            return 0;
    return 1;
}

/* Manila (1380600000) is the only city whose MM digits number
 * sub-municipalities (13806MM000) rather than cities. */
static int is_manila(const char *c) { return memcmp(c, "13806", 5) == 0; }

tw_level tw_psgc_level(const char code[TW_PSGC_LEN + 1])
{
    if (!code || !all_digits(code) || zeros(code, 0, 2))
        return TW_LEVEL_UNKNOWN;
    if (!zeros(code, 7, 10))
        return TW_LEVEL_BARANGAY;
    if (!zeros(code, 5, 7))
        return is_manila(code) ? TW_LEVEL_SUBMUNICIPALITY : TW_LEVEL_MUNICIPALITY;
    if (!zeros(code, 2, 5))
        return TW_LEVEL_PROVINCE;
    return TW_LEVEL_REGION;
}

tw_status tw_psgc_ancestor(const char code[TW_PSGC_LEN + 1], tw_level level,
                           char out[TW_PSGC_LEN + 1])
{
    tw_level own = tw_psgc_level(code);
    if (own == TW_LEVEL_UNKNOWN || level < TW_LEVEL_REGION || level >= own)
        return TW_E_ARG;
    char buf[TW_PSGC_LEN + 1];
    memcpy(buf, code, TW_PSGC_LEN + 1);
    switch (level) {
    case TW_LEVEL_REGION:
        memset(buf + 2, '0', 8);
        break;
    case TW_LEVEL_PROVINCE:
        memset(buf + 5, '0', 5);
        break;
    case TW_LEVEL_MUNICIPALITY:
        /* Manila's barangays and sub-municipalities belong to the city;
         * an HUC's barangays (MM = 00) get the HUC's own code. */
        memset(buf + (is_manila(code) ? 5 : 7), '0', is_manila(code) ? 5 : 3);
        break;
    case TW_LEVEL_SUBMUNICIPALITY:
        if (!is_manila(code) || zeros(code, 5, 7))
            return TW_E_ARG;
        memset(buf + 7, '0', 3);
        break;
    default:
        return TW_E_ARG;
    }
    memcpy(out, buf, TW_PSGC_LEN + 1);
    return TW_OK;
}
