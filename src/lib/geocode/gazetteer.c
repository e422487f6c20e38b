/*
 * gazetteer.c: the PSGC gazetteer. Reads PSA's PSGC publication datafile
 * as exported to CSV from its sheet PSGC (header names with line breaks,
 * two unnamed blank columns, rows in no particular order, names with
 * trailing blanks) and builds:
 *
 *  - nodes sorted by code, each with its parent: barangay -> sub-municipality
 *    (Manila) or city/municipality -> province-level unit -> region. The
 *    parent comes from the code's digits (RRPPPMMBBB), except where PSA's
 *    codes do not nest: highly urbanised cities (coded like provinces,
 *    0730600000 Cebu City) and NCR units get the province or NCR district
 *    their correspondence code (old 9-digit code) names (072217000 ->
 *    Cebu 072200000; Pateros 137606000 -> Fourth District). NCR districts
 *    have no 10-digit code in the file and get 13 0 DD 00000 from their
 *    correspondence code, as municipalities.csv does.
 *  - a hash table from normalised keys (normalise.c) to postings (node,
 *    kind): current names, aliases (name without its parenthesis, each
 *    side of a "/", name without a trailing number, "X" for "Island
 *    Garden City of X", region abbreviations, "poblacion" for barangays
 *    whose Status is Pob.) and old names.
 *  - per node, its keys with letter masks for fuzzy comparison.
 *
 * Build: O(N log N) for N ~ 44k rows (about 0.1 s); memory about 10 MB.
 * Lookups are O(key length). Limits: CSV only (the xlsx workbook is
 * detected and refused), one PSGC vintage per gazetteer.
 */
#define _POSIX_C_SOURCE 200809L
#include "geocode/geocode_internal.h"
#include "io/csv.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

uint64_t gz_hash(const char *s, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h ? h : 1;
}

const uint32_t *gz_lookup(const tw_gazetteer *g, const char *key, size_t klen, size_t *n)
{
    *n = 0;
    if (!g->nslots || !klen)
        return NULL;
    uint64_t h = gz_hash(key, klen);
    if (!gz_bit_test(g->key_bits, h))
        return NULL;
    size_t mask = g->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const gz_slot *s = &g->slots[i];
        if (!s->hash)
            return NULL;
        if (s->hash == h && s->klen == klen && memcmp(g->keys + s->key, key, klen) == 0) {
            *n = s->n;
            return g->post + s->lo;
        }
    }
}

long gz_find(const tw_gazetteer *g, const char *code)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(g->nodes[mid].code, code);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- reading -------------------------------------------------------- */

typedef struct build {
    tw_ctx *ctx;
    tw_gazetteer *g;
    const char *path;
    size_t cap;          /* nodes allocated */
    dbuf strs, keys;
    struct entry {
        uint64_t hash;
        uint32_t key, klen;
        int32_t node;
        uint8_t kind;
        const char *text; /* set once the key arena stops moving */
    } *ent;
    size_t nent, capent;
} build;

static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t k;
        if (c < 0x80)
            k = 1;
        else if (c >= 0xC2 && c <= 0xDF)
            k = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 4;
        else
            return 0;
        if (i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((u[i + j] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

/* Header text as compared: lowercase, blanks and line breaks collapsed. */
static void header_norm(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    int blank = 1;
    for (; *s && n + 1 < cap; s++) {
        char c = *s;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            if (!blank)
                out[n++] = ' ';
            blank = 1;
            continue;
        }
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        blank = 0;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static const struct {
    const char *text;
    uint8_t kind;
} level_names[] = {
    {"Reg", GZ_REG}, {"Prov", GZ_PROV}, {"Dist", GZ_DIST}, {"City", GZ_CITY},
    {"Mun", GZ_MUN}, {"SGU", GZ_SGU},   {"SubMun", GZ_SUBMUN}, {"Bgy", GZ_BGY},
};

static uint8_t kind_level(uint8_t kind)
{
    switch (kind) {
    case GZ_REG: return TW_LEVEL_REGION;
    case GZ_PROV: case GZ_DIST: case GZ_PROVLIKE: return TW_LEVEL_PROVINCE;
    case GZ_CITY: case GZ_MUN: case GZ_SGU: return TW_LEVEL_MUNICIPALITY;
    case GZ_SUBMUN: return TW_LEVEL_SUBMUNICIPALITY;
    case GZ_BGY: return TW_LEVEL_BARANGAY;
    default: return TW_LEVEL_UNKNOWN;
    }
}

/*
 * Population as PSA prints it: "1432990", or for provinces with an
 * independent city "(excluding CITY OF BACOLOD)  2,623,172". Only used as
 * weights (crosswalk splits), so what cannot be read is -1, not an error.
 */
static double parse_pop(const char *v, size_t n)
{
    char buf[64];
    size_t k = 0;
    const char *rp = memchr(v, ')', n);
    if (rp) {
        n -= (size_t)(rp + 1 - v);
        v = rp + 1;
    }
    for (size_t i = 0; i < n && k + 1 < sizeof buf; i++)
        if (v[i] != ',' && v[i] != ' ')
            buf[k++] = v[i];
    double x;
    if (!k || !num_parse_double(buf, k, &x) || x < 0)
        return -1;
    return x;
}

static uint32_t put_str(build *b, const char *s, size_t n)
{
    uint32_t off = (uint32_t)b->strs.len;
    dbuf_append(&b->strs, s, n);
    dbuf_append(&b->strs, "", 1);
    return off;
}

static tw_status read_rows(build *b)
{
    tw_ctx *ctx = b->ctx;
    tw_gazetteer *g = b->g;
    csv_reader *r = NULL;
    tw_status st;
    bool eof = false;
    enum { NCOL = 8 };
    long col[NCOL];
    static const char *const want[NCOL] = {"10-digit psgc", "name", "correspondence code",
                                           "geographic level", "old names", "city class",
                                           "status", "2020 population"};
    static const char *const shown[NCOL] = {"10-digit PSGC", "Name", "Correspondence Code",
                                            "Geographic Level", "Old names", "City Class",
                                            "Status", "2020 Population"};
    /* The workbook itself is a zip archive: say so instead of "bad CSV".
       Only regular files are peeked at: a pipe cannot be read twice. */
    struct stat sb;
    FILE *f = stat(b->path, &sb) == 0 && S_ISREG(sb.st_mode) ? fopen(b->path, "rb") : NULL;
    if (f) {
        unsigned char magic[4] = {0, 0, 0, 0};
        size_t got = fread(magic, 1, 4, f);
        fclose(f);
        if (got == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4)
            return ctx_error_at(ctx, TW_E_UNSUPPORTED, b->path, 0, 0, NULL,
                                "is an xlsx workbook: save its sheet PSGC as CSV UTF-8 and "
                                "read that");
    }
    if ((st = csv_open(ctx, b->path, &r)))
        return st;
    if ((st = csv_next(r, &eof)))
        goto fail;
    if (eof) {
        st = ctx_error_at(ctx, TW_E_EMPTY, b->path, 0, 0, NULL, "file is empty");
        goto fail;
    }
    for (int k = 0; k < NCOL; k++) {
        col[k] = -1;
        for (size_t i = 0; i < csv_nfields(r) && col[k] < 0; i++) {
            char h[128];
            header_norm(csv_field(r, i, NULL), h, sizeof h);
            if (strcmp(h, want[k]) == 0 || (k == 0 && (strcmp(h, "psgc") == 0 ||
                                                       strcmp(h, "code") == 0)))
                col[k] = (long)i;
        }
        if (col[k] < 0 && k < 4 && k != 2) {
            st = ctx_error_at(ctx, TW_E_PARSE, b->path, 1, 0, shown[k],
                              "missing column '%s' (is this the PSGC publication datafile?)",
                              shown[k]);
            goto fail;
        }
    }
    for (;;) {
        if ((st = csv_next(r, &eof)))
            goto fail;
        if (eof)
            break;
        long line = csv_line(r);
        const char *v[NCOL];
        size_t vl[NCOL];
        int blank = 1;
        for (int k = 0; k < NCOL; k++) {
            v[k] = "";
            vl[k] = 0;
            if (col[k] >= 0 && (size_t)col[k] < csv_nfields(r))
                v[k] = csv_field(r, (size_t)col[k], &vl[k]);
            trim(&v[k], &vl[k]);
            if (!utf8_valid(v[k], vl[k])) {
                st = ctx_error_at(ctx, TW_E_PARSE, b->path, line, col[k] + 1, shown[k],
                                  "text is not UTF-8 (export the sheet as CSV UTF-8)");
                goto fail;
            }
            blank &= vl[k] == 0;
        }
        if (blank)
            continue;
        uint8_t kind = 0;
        for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
            if (strlen(level_names[i].text) == vl[3] && memcmp(level_names[i].text, v[3], vl[3]) == 0)
                kind = level_names[i].kind;
        char code[TW_PSGC_LEN + 1] = "";
        if (vl[0] == 9 || vl[0] == 10) {
            size_t pad = 10 - vl[0];
            memset(code, '0', pad);
            memcpy(code + pad, v[0], vl[0]);
            code[10] = '\0';
            for (int i = 0; i < 10; i++)
                if (code[i] < '0' || code[i] > '9')
                    code[0] = '\0';
        }
        if (vl[0] && !code[0]) {
            st = ctx_error_at(ctx, TW_E_PARSE, b->path, line, col[0] + 1, shown[0],
                              "expected a 10-digit PSGC code, got \"%.*s\"", (int)(vl[0] > 40 ? 40 : vl[0]), v[0]);
            goto fail;
        }
        if (!kind && vl[3]) {
            st = ctx_error_at(ctx, TW_E_PARSE, b->path, line, col[3] + 1, shown[3],
                              "unknown geographic level \"%.*s\" (expected Reg, Prov, Dist, "
                              "City, Mun, SubMun, SGU or Bgy)", (int)(vl[3] > 20 ? 20 : vl[3]), v[3]);
            goto fail;
        }
        if (!kind) {
            /* Unlevelled province-level rows: City of Isabela, BARMM's interim province. */
            if (!code[0] || strcmp(code + 5, "00000") != 0) {
                st = ctx_error_at(ctx, TW_E_PARSE, b->path, line, col[3] + 1, shown[3],
                                  "geographic level is empty");
                goto fail;
            }
            kind = GZ_PROVLIKE;
        }
        char corr[10] = "";
        if (vl[2] == 9 || vl[2] == 8) {
            size_t pad = 9 - vl[2];
            memset(corr, '0', pad);
            memcpy(corr + pad, v[2], vl[2]);
            corr[9] = '\0';
        }
        if (!code[0]) {
            /* NCR districts: 13 0 DD 00000 from their correspondence code. */
            if (kind != GZ_DIST || !corr[0]) {
                st = ctx_error_at(ctx, TW_E_PARSE, b->path, line, col[0] + 1, shown[0],
                                  "code is empty");
                goto fail;
            }
            snprintf(code, sizeof code, "%.2s0%.2s00000", corr, corr + 2);
        }
        if (!vl[1]) {
            st = ctx_error_at(ctx, TW_E_PARSE, b->path, line, col[1] + 1, shown[1],
                              "name is empty");
            goto fail;
        }
        double pop = parse_pop(v[7], vl[7]);
        if (g->n == b->cap) {
            size_t nc = b->cap ? b->cap * 2 : 1024;
            gz_node *nn = ctx_realloc(ctx, g->nodes, nc * sizeof *nn);
            if (!nn) {
                st = ctx_nomem(ctx);
                goto fail;
            }
            g->nodes = nn;
            b->cap = nc;
        }
        gz_node *nd = &g->nodes[g->n++];
        memset(nd, 0, sizeof *nd);
        memcpy(nd->code, code, sizeof nd->code);
        memcpy(nd->corr, corr, sizeof nd->corr);
        nd->kind = kind;
        nd->level = kind_level(kind);
        nd->is_city = kind == GZ_CITY;
        nd->is_pob = vl[6] >= 3 && memcmp(v[6], "Pob", 3) == 0;
        nd->parent = -1;
        nd->line = line;
        nd->pop2020 = pop;
        nd->name = put_str(b, v[1], vl[1]);
        nd->old = put_str(b, v[4], vl[4]);
        if (b->strs.failed) {
            st = ctx_nomem(ctx);
            goto fail;
        }
    }
    if (g->n == 0) {
        st = ctx_error_at(ctx, TW_E_EMPTY, b->path, 0, 0, NULL, "no PSGC rows");
        goto fail;
    }
    csv_close(r);
    return TW_OK;
fail:
    csv_close(r);
    return st;
}

static int cmp_node(const void *a, const void *b)
{
    return strcmp(((const gz_node *)a)->code, ((const gz_node *)b)->code);
}

typedef struct corr_ix {
    char corr[10];
    int32_t node;
} corr_ix;

/* Province-level node whose correspondence code is corr's first 4 digits. */
static long find_by_corr(const corr_ix *byc, size_t nbyc, const char *corr)
{
    char want[10];
    snprintf(want, sizeof want, "%.4s00000", corr);
    size_t lo = 0, hi = nbyc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(byc[mid].corr, want);
        if (c == 0)
            return byc[mid].node;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int cmp_corr(const void *a, const void *b)
{
    return strcmp(((const corr_ix *)a)->corr, ((const corr_ix *)b)->corr);
}

static tw_status link_parents(build *b)
{
    tw_gazetteer *g = b->g;
    tw_ctx *ctx = b->ctx;
    corr_ix *byc = NULL;
    size_t nbyc = 0;
    tw_status st = TW_OK;
    qsort(g->nodes, g->n, sizeof *g->nodes, cmp_node);
    for (size_t i = 1; i < g->n; i++)
        if (strcmp(g->nodes[i].code, g->nodes[i - 1].code) == 0) {
            long l = g->nodes[i].line > g->nodes[i - 1].line ? g->nodes[i].line
                                                               : g->nodes[i - 1].line;
            return ctx_error_at(ctx, TW_E_DUPLICATE, b->path, l, 1, "10-digit PSGC",
                                "code %s appears twice", g->nodes[i].code);
        }
    byc = ctx_mallocarray(ctx, g->n, sizeof *byc);
    if (!byc)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < g->n; i++) {
        uint8_t k = g->nodes[i].kind;
        if ((k == GZ_PROV || k == GZ_DIST || k == GZ_PROVLIKE) && g->nodes[i].corr[0]) {
            memcpy(byc[nbyc].corr, g->nodes[i].corr, sizeof byc[nbyc].corr);
            byc[nbyc++].node = (int32_t)i;
        }
    }
    qsort(byc, nbyc, sizeof *byc, cmp_corr);
    for (size_t i = 0; i < g->n; i++) {
        gz_node *nd = &g->nodes[i];
        char want[TW_PSGC_LEN + 1];
        long p = -1;
        switch (nd->kind) {
        case GZ_BGY:
            snprintf(want, sizeof want, "%.7s000", nd->code);
            p = gz_find(g, want);
            break;
        case GZ_SUBMUN:
            snprintf(want, sizeof want, "%.5s00000", nd->code);
            p = gz_find(g, want);
            break;
        case GZ_CITY: case GZ_MUN: case GZ_SGU:
            if (strcmp(nd->code + 5, "00000") != 0) {
                snprintf(want, sizeof want, "%.5s00000", nd->code);
                p = gz_find(g, want);
            }
            if (p < 0 && nd->corr[0])
                p = find_by_corr(byc, nbyc, nd->corr);
            if (p < 0) {
                snprintf(want, sizeof want, "%.2s00000000", nd->code);
                p = gz_find(g, want);
            }
            break;
        case GZ_PROV: case GZ_DIST: case GZ_PROVLIKE:
            snprintf(want, sizeof want, "%.2s00000000", nd->code);
            p = gz_find(g, want);
            break;
        default:
            break;
        }
        nd->parent = p == (long)i ? -1 : (int32_t)p;
        g->count[nd->level]++;
    }
    /* Children in CSR form, by counting. */
    g->child = ctx_mallocarray(ctx, g->n + 1, sizeof *g->child);
    if (!g->child) {
        st = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t i = 0; i < g->n; i++)
        g->nodes[i].child_lo = g->nodes[i].child_hi = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].parent >= 0)
            g->nodes[g->nodes[i].parent].child_hi++;
    uint32_t acc = 0;
    for (size_t i = 0; i < g->n; i++) {
        uint32_t c = g->nodes[i].child_hi;
        g->nodes[i].child_lo = g->nodes[i].child_hi = acc;
        acc += c;
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].parent >= 0)
            g->child[g->nodes[g->nodes[i].parent].child_hi++] = (uint32_t)i;
fail:
    ctx_free(ctx, byc);
    return st;
}

/* ---- keys ------------------------------------------------------------ */

static int add_entry(build *b, const char *key, size_t klen, int32_t node, uint8_t kind)
{
    if (b->nent == b->capent) {
        size_t nc = b->capent ? b->capent * 2 : 4096;
        struct entry *ne = ctx_realloc(b->ctx, b->ent, nc * sizeof *ne);
        if (!ne)
            return 0;
        b->ent = ne;
        b->capent = nc;
    }
    struct entry *e = &b->ent[b->nent++];
    e->hash = gz_hash(key, klen);
    e->key = (uint32_t)b->keys.len;
    e->klen = (uint32_t)klen;
    e->node = node;
    e->kind = kind;
    dbuf_append(&b->keys, key, klen);
    dbuf_append(&b->keys, "", 1);
    return !b->keys.failed;
}

static int is_numeral(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] < '0' || w[i] > '9')
            return 0;
    return n > 0;
}

/* Keys of one written name (and its trailing-number alias). */
static int add_name(build *b, const char *s, size_t n, int32_t node, uint8_t kind, int ns)
{
    gz_tokens t;
    size_t bad;
    char key[512];
    if (gz_tokenise(s, n, 0, &t, &bad) != TW_OK || t.n == 0)
        return 1; /* nothing usable in this alias: not an error */
    size_t kl = gz_key(&t, 0, t.n, ns, key, sizeof key, NULL);
    if (kl && !add_entry(b, key, kl, node, kind))
        return 0;
    if (t.n >= 2 && is_numeral(t.buf + t.off[t.n - 1], t.len[t.n - 1])) {
        int alpha = 0;
        for (size_t i = 0; i + 1 < t.n; i++)
            alpha |= !is_numeral(t.buf + t.off[i], t.len[i]);
        kl = alpha ? gz_key(&t, 0, t.n - 1, ns, key, sizeof key, NULL) : 0;
        if (kl && !add_entry(b, key, kl, node, kind == GZ_K_NAME ? GZ_K_ALT : kind))
            return 0;
    }
    return 1;
}

static int ci_find(const char *s, size_t n, const char *w, size_t *at)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++) {
        size_t k = 0;
        while (k < wl && ((s[i + k] | 0x20) == w[k]))
            k++;
        if (k == wl) {
            *at = i;
            return 1;
        }
    }
    return 0;
}

/* Every key of one written name: itself, without parenthesis, each side of '/'. */
static int add_variants(build *b, const char *s, int32_t node, uint8_t kind, int ns,
                        int paren_alias)
{
    char tmp[TW_GEOCODE_MAX_ADDRESS];
    size_t n = strlen(s);
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    /* "(Not a Province)" says nothing about the place. */
    size_t at;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (ci_find(tmp, n, "(not a province)", &at)) {
        memmove(tmp + at, tmp + at + 16, n - at - 16 + 1);
        n -= 16;
    }
    for (size_t i = 0; i < n; i++)
        if (tmp[i] == '*')
            tmp[i] = ' ';
    if (!add_name(b, tmp, n, node, kind, ns))
        return 0;
    const char *lp = memchr(tmp, '(', n);
    const char *rp = lp ? memchr(lp, ')', n - (size_t)(lp - tmp)) : NULL;
    if (lp && rp) {
        char base[TW_GEOCODE_MAX_ADDRESS];
        size_t bl = (size_t)(lp - tmp);
        memcpy(base, tmp, bl);
        memcpy(base + bl, rp + 1, n - (size_t)(rp + 1 - tmp));
        bl += n - (size_t)(rp + 1 - tmp);
        uint8_t k2 = kind == GZ_K_NAME ? GZ_K_ALT : kind;
        if (!add_name(b, base, bl, node, k2, ns))
            return 0;
        if (paren_alias && !add_name(b, lp + 1, (size_t)(rp - lp - 1), node, k2, ns))
            return 0;
    }
    if (memchr(tmp, '/', n)) {
        const char *p = tmp, *end = tmp + n;
        while (p < end) {
            const char *q = memchr(p, '/', (size_t)(end - p));
            size_t pl = q ? (size_t)(q - p) : (size_t)(end - p);
            if (!add_name(b, p, pl, node, kind == GZ_K_NAME ? GZ_K_ALT : kind, ns))
                return 0;
            p += pl + 1;
        }
    }
    return 1;
}

static int node_keys(build *b, int32_t i)
{
    const gz_node *nd = &b->g->nodes[i];
    const char *name = b->g->strs + nd->name;
    int ns = (nd->kind == GZ_CITY || nd->kind == GZ_MUN || nd->kind == GZ_SGU ||
              nd->kind == GZ_SUBMUN) ? GZ_NS_MUN : GZ_NS_GEN;
    if (!add_variants(b, name, i, GZ_K_NAME, ns, nd->kind == GZ_REG))
        return 0;
    size_t n = strlen(name), at;
    if (nd->kind == GZ_CITY && ci_find(name, n, "city of ", &at) && at > 0 &&
        !add_name(b, name + at + 8, n - at - 8, i, GZ_K_ALT, ns))
        return 0;
    if (nd->kind == GZ_REG) {
        /* "MIMAROPA Region" is also written "MIMAROPA". */
        if (ci_find(name, n, " region", &at) && at + 7 == n &&
            !add_name(b, name, at, i, GZ_K_ALT, ns))
            return 0;
        if (strcmp(nd->code, "1300000000") == 0 &&
            !add_name(b, "Metro Manila", 12, i, GZ_K_ALT, ns))
            return 0;
    }
    if (nd->kind == GZ_DIST) {
        /* "NCR, Fourth District" is also "Fourth District". */
        const char *c = strrchr(name, ',');
        if (c && !add_variants(b, c + 1, i, GZ_K_ALT, ns, 0))
            return 0;
    }
    if (nd->kind == GZ_PROVLIKE && ci_find(name, n, "interim province", &at) &&
        (!add_name(b, "Special Geographic Area", 23, i, GZ_K_ALT, ns) ||
         !add_name(b, "SGA", 3, i, GZ_K_ALT, ns)))
        return 0;
    if (nd->is_pob && nd->kind == GZ_BGY && !add_name(b, "Poblacion", 9, i, GZ_K_POB, ns))
        return 0;
    const char *old = b->g->strs + nd->old;
    if (*old && !add_variants(b, old, i, GZ_K_OLD, ns, 0))
        return 0;
    return 1;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    if (a->klen != b->klen)
        return a->klen < b->klen ? -1 : 1;
    int c = memcmp(a->text, b->text, a->klen);
    if (c)
        return c;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    return (int)a->kind - (int)b->kind;
}

static int cmp_fz(const void *pa, const void *pb)
{
    const gz_fz *a = pa, *b = pb;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    return a->key < b->key ? -1 : a->key > b->key;
}

struct del_build {
    tw_ctx *ctx;
    gz_del *v;
    size_t n, cap;
    uint32_t z;
    int failed;
};

static void del_add(void *ud, uint64_t hash)
{
    struct del_build *d = ud;
    if (d->failed)
        return;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 65536;
        gz_del *nv = ctx_realloc(d->ctx, d->v, nc * sizeof *nv);
        if (!nv) {
            d->failed = 1;
            return;
        }
        d->v = nv;
        d->cap = nc;
    }
    d->v[d->n].hash = hash;
    d->v[d->n].z = d->z;
    d->n++;
}

static int cmp_del(const void *pa, const void *pb)
{
    const gz_del *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return a->z < b->z ? -1 : a->z > b->z;
}

static int same_key(const tw_gazetteer *g, const struct entry *a, const struct entry *b)
{
    return a->hash == b->hash && a->klen == b->klen &&
           memcmp(g->keys + a->key, g->keys + b->key, a->klen) == 0;
}

static tw_status build_index(build *b)
{
    tw_gazetteer *g = b->g;
    tw_ctx *ctx = b->ctx;
    for (size_t i = 0; i < g->n; i++)
        if (!node_keys(b, (int32_t)i))
            return ctx_nomem(ctx);
    g->keys = b->keys.data;
    g->keys_len = b->keys.len;
    b->keys.data = NULL;
    b->keys.len = b->keys.cap = 0;
    for (size_t i = 0; i < b->nent; i++)
        b->ent[i].text = g->keys + b->ent[i].key;
    qsort(b->ent, b->nent, sizeof *b->ent, cmp_entry);
    size_t distinct = 0;
    for (size_t i = 0; i < b->nent; i++)
        if (i == 0 || !same_key(g, &b->ent[i - 1], &b->ent[i]))
            distinct++;
    size_t nslots = 16;
    while (nslots < 2 * distinct)
        nslots <<= 1;
    g->slots = ctx_calloc(ctx, nslots, sizeof *g->slots);
    g->post = ctx_mallocarray(ctx, b->nent + 1, sizeof *g->post);
    if (!g->slots || !g->post)
        return ctx_nomem(ctx);
    g->nslots = nslots;
    for (size_t i = 0; i < b->nent;) {
        size_t j = i + 1;
        while (j < b->nent && same_key(g, &b->ent[i], &b->ent[j]))
            j++;
        uint32_t lo = (uint32_t)g->npost;
        for (size_t k = i; k < j; k++)
            if (k == i || b->ent[k].node != b->ent[k - 1].node)
                g->post[g->npost++] = (uint32_t)b->ent[k].node << 2 | b->ent[k].kind;
        size_t mask = nslots - 1;
        size_t at = (size_t)b->ent[i].hash & mask;
        while (g->slots[at].hash)
            at = (at + 1) & mask;
        g->slots[at].hash = b->ent[i].hash;
        g->slots[at].key = b->ent[i].key;
        g->slots[at].klen = b->ent[i].klen;
        g->slots[at].lo = lo;
        g->slots[at].n = (uint32_t)g->npost - lo;
        i = j;
    }
    /* Fuzzy keys: every key but the "poblacion" status alias, by node. */
    g->fz = ctx_mallocarray(ctx, b->nent + 1, sizeof *g->fz);
    g->admin = ctx_mallocarray(ctx, g->n + 1, sizeof *g->admin);
    if (!g->fz || !g->admin)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < b->nent; i++) {
        const struct entry *e = &b->ent[i];
        if (e->kind == GZ_K_POB || e->klen < 2)
            continue;
        if (i > 0 && same_key(g, &b->ent[i - 1], e) && b->ent[i - 1].node == e->node)
            continue;
        gz_fz *z = &g->fz[g->nfz++];
        z->key = e->key + 1;
        z->klen = e->klen - 1;
        z->mask = gz_letter_mask(g->keys + z->key, z->klen);
        z->node = e->node;
        z->kind = e->kind;
        z->ns = (uint8_t)g->keys[e->key];
    }
    qsort(g->fz, g->nfz, sizeof *g->fz, cmp_fz);
    for (size_t i = 0; i < g->n; i++)
        g->nodes[i].fz_lo = g->nodes[i].fz_hi = 0;
    for (size_t i = 0; i < g->nfz;) {
        size_t j = i;
        while (j < g->nfz && g->fz[j].node == g->fz[i].node)
            j++;
        g->nodes[g->fz[i].node].fz_lo = (uint32_t)i;
        g->nodes[g->fz[i].node].fz_hi = (uint32_t)j;
        i = j;
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].level != TW_LEVEL_BARANGAY)
            g->admin[g->nadmin++] = (int32_t)i;
    g->anc = ctx_mallocarray(ctx, g->n + 1, sizeof *g->anc);
    g->lvl = ctx_malloc(ctx, g->n + 1);
    if (!g->anc || !g->lvl)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < g->n; i++) {
        int32_t p = g->nodes[i].parent;
        for (int d = 0; d < 4; d++) {
            g->anc[i][d] = p;
            p = p >= 0 ? g->nodes[p].parent : -1;
        }
        g->lvl[i] = g->nodes[i].level;
    }
    /* The keys of each municipality's barangays in one run (the fuzzy pass
       scans them), in the order of child[] and of fz within a node: a first
       pass counts, the second copies. */
    g->bfz_lo = ctx_mallocarray(ctx, g->n + 1, sizeof *g->bfz_lo);
    if (!g->bfz_lo)
        return ctx_nomem(ctx);
    for (int fill = 0; fill < 2; fill++) {
        if (fill && (!(g->bfz = ctx_mallocarray(ctx, g->nbfz + 1, sizeof *g->bfz)) ||
                     !(g->bpre = ctx_mallocarray(ctx, g->nbfz + 1, sizeof *g->bpre))))
            return ctx_nomem(ctx);
        g->nbfz = 0;
        for (size_t i = 0; i < g->n; i++) {
            const gz_node *m = &g->nodes[i];
            g->bfz_lo[i] = (uint32_t)g->nbfz;
            for (uint32_t c = m->level == TW_LEVEL_BARANGAY ? m->child_hi : m->child_lo;
                 c < m->child_hi; c++) {
                const gz_node *cn = &g->nodes[g->child[c]];
                int sub = cn->kind == GZ_SUBMUN;
                if (!sub && cn->kind != GZ_BGY)
                    continue;
                for (uint32_t c2 = sub ? cn->child_lo : 0; c2 < (sub ? cn->child_hi : 1); c2++) {
                    const gz_node *bn = sub ? &g->nodes[g->child[c2]] : cn;
                    for (uint32_t z = bn->fz_lo; z < bn->fz_hi; z++) {
                        if (fill) {
                            const gz_fz *e = &g->fz[z];
                            g->bfz[g->nbfz] = *e;
                            g->bpre[g->nbfz] = e->mask |
                                               (uint64_t)(e->klen < 255 ? e->klen : 255) << 32 |
                                               (uint64_t)(e->ns == GZ_NS_MUN) << 40;
                        }
                        g->nbfz++;
                    }
                }
            }
        }
        g->bfz_lo[g->n] = (uint32_t)g->nbfz;
    }
    /* Deletion index of the administrative keys (fuzzy search without context). */
    struct del_build db;
    memset(&db, 0, sizeof db);
    db.ctx = ctx;
    for (size_t i = 0; i < g->nfz; i++) {
        const gz_fz *z = &g->fz[i];
        if (g->nodes[z->node].level == TW_LEVEL_BARANGAY || z->klen < 2)
            continue;
        db.z = (uint32_t)i;
        gz_deletions(z->ns, g->keys + z->key, z->klen, 2, del_add, &db);
        if (db.failed)
            break;
    }
    if (db.failed) {
        ctx_free(ctx, db.v);
        return ctx_nomem(ctx);
    }
    qsort(db.v, db.n, sizeof *db.v, cmp_del);
    size_t k = 0;
    for (size_t i = 0; i < db.n; i++)
        if (k == 0 || db.v[i].hash != db.v[k - 1].hash || db.v[i].z != db.v[k - 1].z)
            db.v[k++] = db.v[i];
    g->del = db.v;
    g->ndel = k;
    g->dbucket = ctx_calloc(ctx, 65537, sizeof *g->dbucket);
    if (!g->dbucket)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < k; i++)
        g->dbucket[(g->del[i].hash >> 48) + 1]++;
    for (size_t i = 1; i <= 65536; i++)
        g->dbucket[i] += g->dbucket[i - 1];
    g->key_bits = ctx_calloc(ctx, (size_t)1 << (GZ_BITS_LOG - 6), sizeof *g->key_bits);
    g->del_bits = ctx_calloc(ctx, (size_t)1 << (GZ_BITS_LOG - 6), sizeof *g->del_bits);
    if (!g->key_bits || !g->del_bits)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < g->nslots; i++)
        if (g->slots[i].hash) {
            uint64_t bit = gz_bit_of(g->slots[i].hash);
            g->key_bits[bit >> 6] |= UINT64_C(1) << (bit & 63);
        }
    for (size_t i = 0; i < k; i++) {
        uint64_t bit = gz_bit_of(g->del[i].hash);
        g->del_bits[bit >> 6] |= UINT64_C(1) << (bit & 63);
    }
    return TW_OK;
}

tw_status tw_gazetteer_read_psgc(tw_ctx *ctx, const char *path, tw_gazetteer **out)
{
    build b;
    tw_status st;
    if (!ctx || !path || !out)
        return ctx ? ctx_error(ctx, TW_E_ARG, "gazetteer: NULL argument") : TW_E_ARG;
    *out = NULL;
    memset(&b, 0, sizeof b);
    b.ctx = ctx;
    b.path = path;
    dbuf_init(&b.strs, ctx);
    dbuf_init(&b.keys, ctx);
    b.g = ctx_calloc(ctx, 1, sizeof *b.g);
    if (!b.g)
        return ctx_nomem(ctx);
    b.g->ctx = ctx;
    if ((st = read_rows(&b)))
        goto fail;
    b.g->strs = b.strs.data;
    b.g->strs_len = b.strs.len;
    b.strs.data = NULL;
    b.strs.len = b.strs.cap = 0;
    if ((st = link_parents(&b)))
        goto fail;
    if ((st = build_index(&b)))
        goto fail;
    ctx_free(ctx, b.ent);
    dbuf_free(&b.keys);
    dbuf_free(&b.strs);
    *out = b.g;
    return TW_OK;
fail:
    ctx_free(ctx, b.ent);
    dbuf_free(&b.keys);
    dbuf_free(&b.strs);
    tw_gazetteer_free(b.g);
    return st;
}

void tw_gazetteer_free(tw_gazetteer *g)
{
    if (!g)
        return;
    tw_ctx *ctx = g->ctx;
    ctx_free(ctx, g->nodes);
    ctx_free(ctx, g->strs);
    ctx_free(ctx, g->keys);
    ctx_free(ctx, g->child);
    ctx_free(ctx, g->slots);
    ctx_free(ctx, g->post);
    ctx_free(ctx, g->fz);
    ctx_free(ctx, g->admin);
    ctx_free(ctx, g->del);
    ctx_free(ctx, g->dbucket);
    ctx_free(ctx, g->anc);
    ctx_free(ctx, g->lvl);
    ctx_free(ctx, g->bfz);
    ctx_free(ctx, g->bpre);
    ctx_free(ctx, g->bfz_lo);
    ctx_free(ctx, g->key_bits);
    ctx_free(ctx, g->del_bits);
    ctx_free(ctx, g);
}

size_t tw_gazetteer_count(const tw_gazetteer *g, tw_level level)
{
    if (!g)
        return 0;
    if (level == TW_LEVEL_UNKNOWN)
        return g->n;
    return (size_t)level < 6 ? g->count[level] : 0;
}

const char *tw_gazetteer_name(const tw_gazetteer *g, const char *code, tw_level *level)
{
    long i = g && code ? gz_find(g, code) : -1;
    if (i < 0)
        return NULL;
    if (level)
        *level = (tw_level)g->nodes[i].level;
    return g->strs + g->nodes[i].name;
}

int tw_gazetteer_parent(const tw_gazetteer *g, const char *code, char out[TW_PSGC_LEN + 1])
{
    long i = g && code ? gz_find(g, code) : -1;
    out[0] = '\0';
    if (i < 0 || g->nodes[i].parent < 0)
        return 0;
    memcpy(out, g->nodes[g->nodes[i].parent].code, TW_PSGC_LEN + 1);
    return 1;
}
