/*
 * test_geocode.c: unit tests of the geocode module on a small PSGC file
 * written here in PSA's CSV export layout (header names with line breaks,
 * two blank columns, rows out of order, trailing blanks, an NCR district
 * without code): normalisation rules, the edit distance, reading and its
 * errors (file, line, field), hierarchy, each outcome of the geocoder, bad
 * addresses, the records and review files of tw_geocode_csv, and allocation
 * failures. The real-data evaluation is in
 * test_geocode_eval.c.
 */
#include "harness.h"
#include "geocode/geocode_internal.h"

#include <stdlib.h>
#include <string.h>

#define HEADER                                                                           \
    "10-digit PSGC,Name,Correspondence Code,Geographic Level,Old names,City Class,"     \
    "\"Income\nClassification\",\"Urban / Rural\n(based on 2020 CPH)\",2015 Population,," \
    "2020 Population,,Status\r\n"

static const char *mini =
    HEADER
    "0731100024,Pusok,072226024,Bgy,,,,U,28810,,32791,,\r\n"
    "0700000000,Region VII (Central Visayas),070000000,Reg,,,,,,,,,\r\n"
    "0702200000,Cebu,072200000,Prov,,,1st,,,,,,\r\n"
    "0702220000,Cordova,072220000,Mun,,,1st,,,,,,\r\n"
    "0702220012,Poblacion,072220012,Bgy,,,,U,1,,1,,Pob.\r\n"
    "0702220005,Gabi,072220005,Bgy,,,,U,1,,1,,\r\n"
    "0702236000,Pilar,072236000,Mun,,,5th,,,,,,\r\n"
    "0702236011,San Isidro,072236011,Bgy,,,,R,1,,1,,\r\n"
    "0702236001,Poblacion I,072236001,Bgy,,,,U,1,,1,,Pob.\r\n"
    "0702236002,Poblacion II,072236002,Bgy,,,,U,1,,1,,Pob.\r\n"
    "0730600000,City of Cebu ,072217000,City,,HUC,1st,,,,,,\r\n"
    "0730600001,Adlaon,072217001,Bgy,,,,R,1,,1,,\r\n"
    "0730600086,To-ong Pardo,072217086,Bgy,,,,U,1,,1,,\r\n"
    "0731100000,City of Lapu-Lapu,072226000,City,Opon,HUC,1st,,,,,,\r\n"
    "0731100020,Pangan-an,072226020,Bgy,,,,R,1,,1,,\r\n"
    "0731100030,Santo Ni\xc3\xb1o,072226030,Bgy,Bagong Lungsod,,,U,1,,1,,\r\n"
    ",,,,,,,,,,,,\r\n"
    "1300000000,National Capital Region (NCR),130000000,Reg,,,,,,,,,\r\n"
    ",\"NCR, City of Manila, First District (Not a Province)\",133900000,Dist,,,,,,,,,\r\n"
    ",\"NCR, Second District (Not a Province)\",137400000,Dist,,,,,,,,,\r\n"
    "1380600000,City of Manila,133900000,City,,HUC,Special,,,,,,\r\n"
    "1380601000,Tondo I/II,133901000,SubMun,,,,,,,,,\r\n"
    "1380601001,Barangay 1,133901001,Bgy,,,,U,1,,1,,\r\n"
    "1380601002,Barangay 2,133901002,Bgy,,,,U,1,,1,,\r\n"
    "1381300000,Quezon City,137404000,City,,HUC,Special,,,,,,\r\n"
    "1381300098,San Isidro Galas,137404098,Bgy,,,,U,1,,1,,\r\n"
    "1381300099,San Isidro Labrador,137404099,Bgy,,,,U,1,,1,,\r\n";

static tw_ctx *C;
static tw_gazetteer *G;

static const char *norm(const char *s)
{
    static char buf[4][256];
    static int k;
    char *b = buf[k++ & 3];
    if (tw_geocode_normalise(C, s, strlen(s), b, 256) != TW_OK)
        return "<error>";
    return b;
}

static void test_normalise(void)
{
    CHECK(strcmp(norm("Brgy. Sto. Ni\xc3\xb1o, Lapu-Lapu City"), "barangay santo nino lapu lapu city") == 0);
    CHECK(strcmp(norm("STA. CRUZ"), "santa cruz") == 0);
    CHECK(strcmp(norm("Pob. II"), "poblacion 2") == 0);
    CHECK(strcmp(norm("Poblacion 02"), "poblacion 2") == 0);
    CHECK(strcmp(norm("Gen. S.K. Pendatun"), "general s k pendatun") == 0);
    CHECK(strcmp(norm("Pres. Roxas"), "president roxas") == 0);
    CHECK(strcmp(norm("Brooke'S Point"), "brookes point") == 0);
    CHECK(strcmp(norm("Bgy. No. 44, Zamboanga"), "barangay 44 zamboanga") == 0);
    CHECK(strcmp(norm("Tondo I/II"), "tondo 1 2") == 0);
    CHECK(strcmp(norm("Rosary Heights XIII"), "rosary heights 13") == 0);
    CHECK(strcmp(norm("1st District"), "1 district") == 0);
    CHECK(strcmp(norm("QC"), "quezon city") == 0);
    CHECK(strcmp(norm("Cebu Prov., Philippines"), "cebu province") == 0);
    CHECK(strcmp(norm("Baarngay 5, Citvy of Naga"), "barangay 5 city of naga") == 0);
    CHECK(strcmp(norm("Balangay"), "balangay") == 0); /* a real name one edit from barangay */
    CHECK(strcmp(norm("\xc3\x89LAN\xe2\x80\x99S"), "elans") == 0); /* É, typographic apostrophe */
    /* Not UTF-8, too long. */
    char out[64];
    CHECK(tw_geocode_normalise(C, "Pusok\xff", 6, out, sizeof out) == TW_E_PARSE);
    CHECK(strstr(tw_ctx_error(C)->message, "byte 6") != NULL);
    CHECK(tw_geocode_normalise(C, "Pusok", 5, out, 3) == TW_E_DOMAIN);
}

static void test_keys_and_distance(void)
{
    gz_tokens t;
    size_t bad;
    char key[128];
    int city = 0;
    CHECK_OK(C, gz_tokenise("City of Lapu-Lapu", 17, 1, &t, &bad));
    CHECK(gz_key(&t, 0, t.n, GZ_NS_MUN, key, sizeof key, &city) == 9);
    CHECK(strcmp(key, "mlapulapu") == 0 && city == 1);
    CHECK_OK(C, gz_tokenise("Lapulapu City", 13, 1, &t, &bad));
    CHECK(gz_key(&t, 0, t.n, GZ_NS_MUN, key, sizeof key, &city) == 9 && strcmp(key, "mlapulapu") == 0);
    CHECK_OK(C, gz_tokenise("a, b;c", 6, 1, &t, &bad));
    CHECK_EQ_INT(t.n, 3);
    CHECK_EQ_INT(t.nparts, 3);
    CHECK(gz_rewrite_filter_ok()); /* the rewrites' first-letter filter is up to date */
    /* The bit-parallel distance agrees with the dynamic programme on random
       strings over small alphabets (many repeats and transpositions), for
       every bound, up to the 64-character limit and beyond it. */
    {
        uint64_t r = 88172645463325252u;
        size_t agree = 0, tried = 0;
        char a[80], b[80];
        for (int it = 0; it < 20000; it++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            size_t la = it < 19900 ? (size_t)(r % 13) : 60 + (size_t)(r % 10);
            size_t lb = la + (size_t)((r >> 8) % 5) - (la >= 2 ? 2 : la);
            int alpha = 2 + (int)((r >> 16) % 4);
            for (size_t i = 0; i < la; i++)
                r ^= r << 13, r ^= r >> 7, r ^= r << 17, a[i] = (char)('a' + r % (uint64_t)alpha);
            for (size_t i = 0; i < lb; i++)
                r ^= r << 13, r ^= r >> 7, r ^= r << 17, b[i] = (char)('a' + r % (uint64_t)alpha);
            for (int maxd = 0; maxd <= 4; maxd++) {
                tried++;
                agree += gz_osa_bounded(a, la, b, lb, maxd) == gz_osa_dp(a, la, b, lb, maxd);
            }
        }
        CHECK_EQ_INT(agree, tried);
        CHECK_EQ_INT(gz_osa_bounded("ab", 2, "ba", 2, 2), 1);  /* one transposition */
        CHECK_EQ_INT(gz_osa_bounded("ca", 2, "abc", 3, 3), 3); /* OSA, not Damerau: 3, not 2 */
    }
    CHECK_EQ_INT(gz_osa_bounded("pusok", 5, "pusok", 5, 2), 0);
    CHECK_EQ_INT(gz_osa_bounded("pusok", 5, "pusak", 5, 2), 1);
    CHECK_EQ_INT(gz_osa_bounded("pusok", 5, "puosk", 5, 2), 1); /* transposition */
    CHECK_EQ_INT(gz_osa_bounded("pusok", 5, "psk", 3, 2), 2);
    CHECK_EQ_INT(gz_osa_bounded("pusok", 5, "cordova", 7, 2), 3); /* beyond the bound */
    CHECK_EQ_INT(gz_popcount32(0xF0F00001u), 9);
}

static uint64_t horner(const char *t, size_t m)
{
    uint64_t h = 0;
    for (size_t k = 0; k < m; k++)
        h = h * UINT64_C(0x100000001b3) + (unsigned char)t[k];
    return h;
}

static uint64_t got_h[64];
static size_t n_got;
static void collect(void *ud, uint64_t h)
{
    (void)ud;
    if (n_got < 64)
        got_h[n_got++] = h;
}

/* The O(1) deletion hashes equal the hashes of the variants spelled out. */
static void test_deletions(void)
{
    const char *key = "pusok";
    n_got = 0;
    gz_deletions('g', key, 5, 2, collect, NULL);
    CHECK_EQ_INT(n_got, 1 + 5 + 10);
    size_t found = 0;
    char t[8];
    /* i < 0: no deletion; j == 5: one deletion (at i); else two. */
    for (int i = -1; i < 5; i++)
        for (int j = i < 0 ? -1 : i + 1; j < 6; j++) {
            if (i < 0 && j >= 0)
                continue;
            size_t m = 0;
            t[m++] = 'g';
            for (int k = 0; k < 5; k++)
                if (k != i && k != j)
                    t[m++] = key[k];
            uint64_t h = horner(t, m);
            for (size_t q = 0; q < n_got; q++)
                if (got_h[q] == h) {
                    found++;
                    break;
                }
        }
    CHECK_EQ_INT(found, 16);
    n_got = 0;
    gz_deletions('m', key, 5, 1, collect, NULL);
    CHECK_EQ_INT(n_got, 6);
    CHECK(got_h[0] == horner("mpusok", 6) && got_h[1] == horner("musok", 5));
}

static void test_read(void)
{
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_UNKNOWN), 26);
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_BARANGAY), 14);
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_MUNICIPALITY), 6);
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_PROVINCE), 3);
    tw_level lv = TW_LEVEL_UNKNOWN;
    const char *nm = tw_gazetteer_name(G, "0730600000", &lv);
    CHECK(nm && strcmp(nm, "City of Cebu") == 0 && lv == TW_LEVEL_MUNICIPALITY);
    CHECK(tw_gazetteer_name(G, "0799999999", NULL) == NULL);
    char p[TW_PSGC_LEN + 1];
    /* HUC -> province by correspondence code; Manila -> district; SubMun -> Manila. */
    CHECK(tw_gazetteer_parent(G, "0731100000", p) && strcmp(p, "0702200000") == 0);
    CHECK(tw_gazetteer_parent(G, "1380600000", p) && strcmp(p, "1303900000") == 0);
    CHECK(tw_gazetteer_parent(G, "1381300000", p) && strcmp(p, "1307400000") == 0);
    CHECK(tw_gazetteer_parent(G, "1380601001", p) && strcmp(p, "1380601000") == 0);
    CHECK(tw_gazetteer_parent(G, "1380601000", p) && strcmp(p, "1380600000") == 0);
    CHECK(tw_gazetteer_parent(G, "1303900000", p) && strcmp(p, "1300000000") == 0);
    CHECK(!tw_gazetteer_parent(G, "0700000000", p) && p[0] == '\0');
}

static tw_geocode_result geo(const char *a)
{
    tw_geocode_result r;
    tw_status s = tw_geocode(C, G, a, strlen(a), &r);
    if (s)
        harness_fail(__FILE__, __LINE__, "geocode '%s': %s", a, tw_ctx_error(C)->message);
    return r;
}

#define EXPECT(addr, oc, code)                                                            \
    do {                                                                                  \
        tw_geocode_result _r = geo(addr);                                                 \
        if (_r.outcome != (oc) || strcmp(_r.psgc, (code)) != 0)                           \
            harness_fail(__FILE__, __LINE__, "'%s' -> %s %s, expected %s %s", addr,      \
                         tw_geocode_outcome_name(_r.outcome), _r.psgc,                    \
                         tw_geocode_outcome_name(oc), code);                              \
    } while (0)

static void test_outcomes(void)
{
    EXPECT("Brgy. Pusok, Lapu-Lapu City", TW_GEOCODE_EXACT, "0731100024");
    EXPECT("Pusok, City of Lapu-Lapu, Cebu", TW_GEOCODE_EXACT, "0731100024");
    EXPECT("Cebu, Lapu-Lapu, Pusok", TW_GEOCODE_EXACT, "0731100024");
    EXPECT("Pusok Lapu-Lapu City", TW_GEOCODE_EXACT, "0731100024");
    EXPECT("123 Rizal St., Pusok, Lapu-Lapu City", TW_GEOCODE_EXACT, "0731100024");
    EXPECT("Pusok Lapu-Lapu City 6015", TW_GEOCODE_EXACT, "0731100024"); /* postal code */
    EXPECT("Pusok Lapu-Lapu City Mactan", TW_GEOCODE_FUZZY, "0731100024"); /* a word ignored */
    EXPECT("Pusok, Opon", TW_GEOCODE_EXACT, "0731100024");          /* old name of the city */
    EXPECT("Bagong Lungsod, Lapu-Lapu", TW_GEOCODE_EXACT, "0731100030"); /* old barangay name */
    EXPECT("Sto. Nino, Lapu-Lapu", TW_GEOCODE_EXACT, "0731100030");
    EXPECT("toong pardo, cebu city", TW_GEOCODE_EXACT, "0730600086");
    EXPECT("Poblacion, Cordova, Cebu", TW_GEOCODE_EXACT, "0702220012");
    EXPECT("Barangay 1, Tondo, Manila", TW_GEOCODE_EXACT, "1380601001");
    EXPECT("Brgy. 2, City of Manila", TW_GEOCODE_EXACT, "1380601002");
    /* Typos. */
    tw_geocode_result r = geo("Pusak, Lapu-Lapu City");
    CHECK(r.outcome == TW_GEOCODE_FUZZY && strcmp(r.psgc, "0731100024") == 0);
    CHECK_NEAR(r.score, 0.8, 1e-4); /* one substitution in 5 letters */
    EXPECT("Gabi, Cordoba", TW_GEOCODE_FUZZY, "0702220005");
    /* Ambiguous: two barangays fit, their common unit is Pilar. */
    r = geo("Poblacion, Pilar, Cebu");
    CHECK(r.outcome == TW_GEOCODE_AMBIGUOUS);
    CHECK(strcmp(r.psgc, "0702236000") == 0 && r.level == TW_LEVEL_MUNICIPALITY);
    CHECK_EQ_INT(r.n_candidates, 2);
    CHECK(strcmp(r.candidates[0], "0702236001") == 0 && strcmp(r.candidates[1], "0702236002") == 0);
    r = geo("San Isidro");
    CHECK(r.outcome == TW_GEOCODE_EXACT && strcmp(r.psgc, "0702236011") == 0); /* the only one here */
    /* A unit named exactly so beats aliases (Poblacion I is "poblacion" by alias). */
    EXPECT("Poblacion", TW_GEOCODE_EXACT, "0702220012");
    r = geo("Poblacion, Cebu");
    CHECK(r.outcome == TW_GEOCODE_EXACT && strcmp(r.psgc, "0702220012") == 0);
    /* Coarser: the barangay is not recognised, the city is. */
    r = geo("Mabolo, Cebu City");
    CHECK(r.outcome == TW_GEOCODE_COARSER && strcmp(r.psgc, "0730600000") == 0);
    CHECK(r.level == TW_LEVEL_MUNICIPALITY);
    EXPECT("Cordova", TW_GEOCODE_COARSER, "0702220000");
    EXPECT("Cebu Province", TW_GEOCODE_COARSER, "0702200000");
    EXPECT("Central Visayas", TW_GEOCODE_COARSER, "0700000000");
    EXPECT("Metro Manila", TW_GEOCODE_COARSER, "1300000000");
    EXPECT("San Isidro, Quezon City", TW_GEOCODE_COARSER, "1381300000");
    EXPECT("Atlantis", TW_GEOCODE_NOT_FOUND, "");
    EXPECT("", TW_GEOCODE_NOT_FOUND, "");
    EXPECT(" , ,, ", TW_GEOCODE_NOT_FOUND, "");
    CHECK(strcmp(tw_geocode_outcome_name(TW_GEOCODE_COARSER), "coarser") == 0);
    CHECK(strcmp(tw_geocode_outcome_name((tw_geocode_outcome)42), "not_found") == 0);
}

static void test_bad_addresses(void)
{
    tw_geocode_result r;
    CHECK(tw_geocode(C, G, "Pusok\xc3", 6, &r) == TW_E_PARSE);
    CHECK(r.outcome == TW_GEOCODE_NOT_FOUND);
    CHECK(strstr(tw_ctx_error(C)->message, "not UTF-8") != NULL);
    CHECK(tw_geocode(C, G, "Pusok\xed\xa0\x80", 8, &r) == TW_E_PARSE); /* a surrogate */
    char *big = malloc(5000);
    memset(big, 'a', 4999);
    big[4999] = '\0';
    CHECK(tw_geocode(C, G, big, 4999, &r) == TW_E_DOMAIN);
    CHECK(strstr(tw_ctx_error(C)->message, "longer than the 1024") != NULL);
    /* 300 one-letter words: too many words. */
    for (int i = 0; i < 600; i++)
        big[i] = i % 2 ? ' ' : 'x';
    CHECK(tw_geocode(C, G, big, 600, &r) == TW_E_DOMAIN);
    free(big);
    CHECK(tw_geocode(C, G, NULL, 3, &r) == TW_E_ARG);
    CHECK(tw_geocode(C, G, "Pusok\0x", 7, &r) == TW_E_PARSE); /* NUL inside */
}

static tw_status read_text(const char *name, const char *text, tw_gazetteer **g)
{
    tw_ctx_clear_error(C);
    return tw_gazetteer_read_psgc(C, harness_write(name, text), g);
}

static void test_read_errors(void)
{
    tw_gazetteer *g = NULL;
    const tw_error *e = tw_ctx_error(C);
    CHECK(read_text("empty.csv", "", &g) == TW_E_EMPTY && g == NULL);
    CHECK(strstr(e->file, "empty.csv") != NULL);
    CHECK(read_text("header.csv", HEADER, &g) == TW_E_EMPTY);
    CHECK(read_text("nocol.csv", "psgc,name\n0700000000,X\n", &g) == TW_E_PARSE);
    CHECK(strcmp(e->field, "Geographic Level") == 0 && e->line == 1);
    CHECK(read_text("latin1.csv", HEADER "0700000000,Region VII,070000000,Reg,,,,,,,,,\r\n"
                                         "0702200000,Ceb\xfa,072200000,Prov,,,,,,,,,\r\n", &g) == TW_E_PARSE);
    CHECK(e->line == 5 && strcmp(e->field, "Name") == 0 && e->column == 2);
    CHECK(strstr(e->message, "not UTF-8") != NULL);
    CHECK(read_text("level.csv", HEADER "0700000000,Region VII,070000000,Region,,,,,,,,,\r\n", &g) ==
          TW_E_PARSE);
    CHECK(e->line == 4 && strcmp(e->field, "Geographic Level") == 0);
    CHECK(read_text("code.csv", HEADER "07000X0000,Region VII,070000000,Reg,,,,,,,,,\r\n", &g) ==
          TW_E_PARSE);
    CHECK(e->line == 4 && strcmp(e->field, "10-digit PSGC") == 0);
    CHECK(read_text("dup.csv", HEADER "0700000000,Region VII,070000000,Reg,,,,,,,,,\r\n"
                                      "0702200000,Cebu,072200000,Prov,,,,,,,,,\r\n"
                                      "0700000000,Region 7,070000000,Reg,,,,,,,,,\r\n", &g) ==
          TW_E_DUPLICATE);
    CHECK(e->line == 6);
    CHECK(read_text("noname.csv", HEADER "0700000000,,070000000,Reg,,,,,,,,,\r\n", &g) == TW_E_PARSE);
    CHECK(strcmp(e->field, "Name") == 0);
    CHECK(read_text("book.xlsx", "PK\x03\x04rest of a zip", &g) == TW_E_UNSUPPORTED);
    CHECK(strstr(e->message, "xlsx") != NULL);
    tw_ctx_clear_error(C);
    CHECK(tw_gazetteer_read_psgc(C, harness_tmp("missing.csv"), &g) == TW_E_IO);
    /* A 9-digit code (leading zero lost in a spreadsheet) is accepted. */
    CHECK_OK(C, read_text("nine.csv", HEADER "700000000,Region VII,70000000,Reg,,,,,,,,,\r\n", &g));
    CHECK(g && tw_gazetteer_name(g, "0700000000", NULL) != NULL);
    tw_gazetteer_free(g);
    tw_gazetteer_free(NULL);
}

/* Allocation failures: every one gives TW_E_NOMEM, never a crash or a leak. */
static size_t fail_at, n_alloc;
static void *fail_malloc(void *ud, size_t n)
{
    (void)ud;
    return ++n_alloc == fail_at ? NULL : malloc(n);
}
static void *fail_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return ++n_alloc == fail_at ? NULL : realloc(p, n);
}
static void plain_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static void test_nomem(void)
{
    const char *path = harness_write("mini_nomem.csv", mini);
    size_t failures = 0, k;
    for (k = 1; k < 2000; k++) {
        tw_ctx *ctx = tw_ctx_new();
        tw_allocator al = {fail_malloc, fail_realloc, plain_free, NULL};
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
        n_alloc = 0;
        fail_at = k;
        tw_gazetteer *g = NULL;
        tw_status s = tw_gazetteer_read_psgc(ctx, path, &g);
        tw_gazetteer_free(g);
        tw_ctx_free(ctx);
        if (s == TW_OK)
            break;
        CHECK(s == TW_E_NOMEM);
        failures++;
    }
    CHECK(failures >= 10); /* the reader allocates in many places */
    CHECK(k < 2000);
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[got] = '\0';
    if (f)
        fclose(f);
    return f ? buf : NULL;
}

/*
 * tw_geocode_csv with a records and a review file: each row in exactly one,
 * the address column (here in the middle) left out of the records, the
 * review rows with their line, candidates named with their parent, and
 * the reason; argument errors; allocation failures leave no files behind.
 */
static void test_records_review(void)
{
    const char *in = harness_write("rr_in.csv",
        "case_id,address,source\n"
        "c1,\"Brgy. Pusok, Lapu-Lapu City\",PNP\n"  /* exact */
        "c2,\"Pusak, Lapu-Lapu City\",PNP\n"        /* fuzzy 0.8: records */
        "c3,\"Poblacion, Pilar, Cebu\",hotline\n"   /* ambiguous */
        "c4,Cordova,hotline\n"                      /* coarser, municipality */
        "c5,Atlantis,NBI\n"                         /* not found */
        "c6,\" , \",NBI\n"                          /* invalid: empty */
        "c7,Central Visayas,NBI\n");                /* coarser, region */
    const char *rec = harness_tmp("rr_rec.csv"), *rev = harness_tmp("rr_rev.csv");
    tw_geocode_csv_opts o = {.records_path = rec, .review_path = rev, .psgc_version = "2023Q4"};
    tw_geocode_report rep;
    CHECK_OK(C, tw_geocode_csv(C, G, in, NULL, &o, &rep));
    CHECK_EQ_INT(rep.rows, 7);
    CHECK_EQ_INT(rep.records, 4);
    CHECK_EQ_INT(rep.review, 3);
    CHECK_EQ_INT(rep.invalid, 1);
    CHECK_EQ_INT(rep.below_score, 0);
    const char *r = slurp(rec);
    CHECK(r && strcmp(r, "case_id,source,psgc,location_precision,psgc_version\n"
                         "c1,PNP,0731100024,barangay,2023Q4\n"
                         "c2,PNP,0731100024,barangay,2023Q4\n"
                         "c4,hotline,0702220000,municipality,2023Q4\n"
                         "c7,NBI,0700000000,region,2023Q4\n") == 0);
    r = slurp(rev);
    CHECK(r && strcmp(r, "case_id,address,source,line,psgc,level,outcome,score,candidates,"
                         "n_candidates,candidate_names,reason\n"
                         "c3,\"Poblacion, Pilar, Cebu\",hotline,4,0702236000,municipality,ambiguous,"
                         "0.970,0702236001;0702236002,2,\"Poblacion I, Pilar; Poblacion II, Pilar\","
                         "ambiguous: 2 units fit; choose one of the candidates\n"
                         "c5,Atlantis,NBI,6,,,not_found,,,0,,not found in the PSGC\n"
                         "c6,\" , \",NBI,7,,,invalid,,,0,,invalid address: address is empty\n") == 0);
    /* a higher threshold sends the typo (0.8) and nothing else to review */
    o.min_score = 0.85;
    o.psgc_version = NULL;
    CHECK_OK(C, tw_geocode_csv(C, G, in, NULL, &o, &rep));
    CHECK_EQ_INT(rep.records, 3);
    CHECK_EQ_INT(rep.review, 4);
    CHECK_EQ_INT(rep.below_score, 1);
    r = slurp(rev);
    CHECK(r && strstr(r, "\nc2,\"Pusak, Lapu-Lapu City\",PNP,3,0731100024,barangay,fuzzy,0.800,,0,,"
                         "score 0.800 below 0.85\n") != NULL);
    CHECK(strncmp(slurp(rec), "case_id,source,psgc,location_precision\n", 39) == 0);
    /* a negative threshold keeps every fuzzy and coarser result */
    o.min_score = -1;
    CHECK_OK(C, tw_geocode_csv(C, G, in, NULL, &o, &rep));
    CHECK_EQ_INT(rep.records, 4);
    /* the --out file at the same time is as without the split */
    CHECK_OK(C, tw_geocode_csv(C, G, in, harness_tmp("rr_out.csv"), &o, &rep));
    r = slurp(harness_tmp("rr_out.csv"));
    CHECK(r && strstr(r, "\nc6,\" , \",NBI,,,invalid,,,0\n") != NULL);
    /* argument errors; an input that has the records' column */
    tw_geocode_csv_opts half = {.records_path = rec};
    CHECK(tw_geocode_csv(C, G, in, NULL, &half, &rep) == TW_E_ARG);
    CHECK(tw_geocode_csv(C, G, in, NULL, NULL, &rep) == TW_E_ARG);
    const char *taken = harness_write("rr_taken.csv", "case_id,address,candidate_names\nc1,Pusok,x\n");
    remove(rec);
    CHECK(tw_geocode_csv(C, G, taken, NULL, &o, &rep) == TW_E_PARSE);
    CHECK(strcmp(tw_ctx_error(C)->field, "candidate_names") == 0);
    CHECK(slurp(rec) == NULL);
    /* allocation failures: TW_E_NOMEM and no file left */
    size_t failures = 0, k;
    for (k = 1; k < 400; k++) {
        tw_ctx *ctx = tw_ctx_new();
        tw_allocator al = {fail_malloc, fail_realloc, plain_free, NULL};
        CHECK_OK(ctx, tw_ctx_set_allocator(ctx, &al));
        n_alloc = 0;
        fail_at = k;
        remove(rec);
        remove(rev);
        tw_status s = tw_geocode_csv(ctx, G, in, NULL, &o, &rep);
        tw_ctx_free(ctx);
        if (s == TW_OK)
            break;
        CHECK(s == TW_E_NOMEM);
        CHECK(slurp(rec) == NULL && slurp(rev) == NULL);
        failures++;
    }
    CHECK(failures >= 3);
    CHECK(k < 400);
}

static void test_evalset_mini(void)
{
    gz_labelled *set = NULL;
    gz_eval ev;
    CHECK_OK(C, gz_evalset_make(C, G, 3, 200, 0, &set));
    CHECK_OK(C, gz_evaluate(C, G, set, 200, &ev));
    CHECK_EQ_INT(ev.n, 200);
    CHECK_EQ_INT(ev.wrong, 0);
    /* Clean addresses: all right except the two Poblacion of Pilar, which can
       only be told apart by their number and are drawn ~2/14 of the time. */
    CHECK(ev.resolved_right + ev.by_outcome[TW_GEOCODE_AMBIGUOUS] == 200);
    gz_labelled *again = NULL;
    CHECK_OK(C, gz_evalset_make(C, G, 3, 200, GZ_P_TYPO_BGY | GZ_P_SWAP, &again));
    gz_labelled *again2 = NULL;
    CHECK_OK(C, gz_evalset_make(C, G, 3, 200, GZ_P_TYPO_BGY | GZ_P_SWAP, &again2));
    int same = 1, perturbed = 0;
    for (size_t i = 0; i < 200; i++) {
        same &= strcmp(again[i].address, again2[i].address) == 0;
        perturbed += again[i].perturbed != 0;
    }
    CHECK(same);          /* deterministic for a seed */
    CHECK(perturbed > 150);
    ctx_free(C, set);
    ctx_free(C, again);
    ctx_free(C, again2);
}

/*
 * Property test: 10,000 random addresses (letters, digits, separators,
 * ñ, stray bytes, long runs) never crash, always give a status the API
 * allows, and a result that is consistent with its outcome.
 */
static void test_random_addresses(void)
{
    static const char *const pieces[] = {
        "pusok", "lapu", "-", "lapu", " city", ", ", ",", "cebu", "poblacion", " ", "brgy.",
        "\xc3\xb1", "ii", "1", "007", "sto.", "(", ")", "/", "\n", "'", "zz",
        "barangay", "of", "tondo", "manila", "xxxxxxxxxxxxxxxxxxxxxxxx", ";", "\xe2\x80\x99",
    };
    uint64_t x = 0x9e3779b97f4a7c15ull;
    size_t ok = 0, parse = 0, domain = 0, bad = 0;
    char buf[2400];
    for (int it = 0; it < 10000; it++) {
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int parts = (int)(x % 400);
        for (int k = 0; k < parts; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *p = pieces[x % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(p);
            if (n + pl >= sizeof buf)
                break;
            memcpy(buf + n, p, pl);
            n += pl;
        }
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (n && x % 5 == 0)
            buf[(x >> 8) % n] = (char)(x % 2 ? 0xff : 0xc3); /* a stray byte */
        tw_geocode_result r;
        tw_status st = tw_geocode(C, G, buf, n, &r);
        if (st == TW_OK)
            ok++;
        else if (st == TW_E_PARSE)
            parse++;
        else if (st == TW_E_DOMAIN)
            domain++;
        else
            bad++;
        int consistent = 1;
        switch (r.outcome) {
        case TW_GEOCODE_EXACT:
        case TW_GEOCODE_FUZZY:
            consistent = r.level == TW_LEVEL_BARANGAY && strlen(r.psgc) == 10 && r.score > 0 &&
                         r.score <= 1 && r.n_candidates == 0;
            break;
        case TW_GEOCODE_AMBIGUOUS:
            consistent = r.n_candidates >= 2 && strlen(r.candidates[0]) == 10;
            break;
        case TW_GEOCODE_COARSER:
            consistent = r.level != TW_LEVEL_BARANGAY && strlen(r.psgc) == 10;
            break;
        case TW_GEOCODE_NOT_FOUND:
            consistent = r.psgc[0] == '\0' && r.score == 0;
            break;
        default:
            consistent = 0;
        }
        if (!consistent) {
            harness_fail(__FILE__, __LINE__, "inconsistent result for '%.*s'", (int)n, buf);
            break;
        }
    }
    printf("  random addresses: %zu ok, %zu not UTF-8, %zu too long\n", ok, parse, domain);
    CHECK_EQ_INT(bad, 0);
    CHECK(ok > 3000 && parse > 1000 && domain > 100);
}

#define CW_HEADER "from_version,to_version,old_code,new_code,kind,weight,scope,note\n"

static tw_status read_cw(const char *name, const char *text, tw_crosswalk **cw)
{
    tw_ctx_clear_error(C);
    return tw_crosswalk_read(C, harness_write(name, text), cw);
}

static void test_crosswalk(void)
{
    tw_crosswalk *cw = NULL;
    CHECK_OK(C, read_cw("cw.csv", CW_HEADER
                        "2023Q4,2024Q2,0702200000,1802200000,recode,1,tree,Cebu moves (a test)\n"
                        "2023Q4,2024Q2,0700000000,0700000000,split,0.25,unit,\n"
                        "2023Q4,2024Q2,0700000000,1800000000,split,0.75,,\n"
                        "2024Q2,2024Q3,1802220012,1802220099,merge,1,unit,\n"
                        "2024Q2,2024Q3,1802220005,1802220099,merge,,unit,\n", &cw));
    if (!cw)
        return;
    CHECK_EQ_INT(tw_crosswalk_count(cw), 5);
    tw_crosswalk_target t[4];
    size_t n = 0;
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", "0702220012", t, 4, &n));
    CHECK(n == 1 && strcmp(t[0].code, "1802220012") == 0 && t[0].weight == 1);
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", "702200000", t, 4, &n)); /* 9 digits */
    CHECK(n == 1 && strcmp(t[0].code, "1802200000") == 0);
    /* Two steps: recode then merge. */
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q3", "0702220005", t, 4, &n));
    CHECK(n == 1 && strcmp(t[0].code, "1802220099") == 0);
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q3", "0700000000", t, 4, &n));
    CHECK_EQ_INT(n, 2);
    CHECK(strcmp(t[0].code, "0700000000") == 0 && strcmp(t[1].code, "1800000000") == 0);
    CHECK_NEAR(t[0].weight, 0.25, 1e-12);
    CHECK_NEAR(t[1].weight, 0.75, 1e-12);
    /* Untouched codes stay; the region code is not caught by the province's tree. */
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q3", "0731100024", t, 4, &n));
    CHECK(n == 1 && strcmp(t[0].code, "0731100024") == 0);
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2024Q2", "2024Q2", "0700000000", t, 4, &n));
    CHECK(n == 1 && strcmp(t[0].code, "0700000000") == 0);
    CHECK(tw_crosswalk_map(C, cw, "2024Q3", "2023Q4", "0700000000", t, 4, &n) == TW_E_ARG);
    CHECK(tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", "07x", t, 4, &n) == TW_E_PARSE);
    /* Write and read back: same mapping. */
    const char *back = harness_tmp("cw_back.csv");
    CHECK_OK(C, tw_crosswalk_write(C, cw, back));
    tw_crosswalk *cw2 = NULL;
    CHECK_OK(C, tw_crosswalk_read(C, back, &cw2));
    CHECK_OK(C, tw_crosswalk_map(C, cw2, "2023Q4", "2024Q3", "0700000000", t, 4, &n));
    CHECK(n == 2 && fabs(t[1].weight - 0.75) < 1e-12);
    tw_crosswalk_free(cw2);
    /* A CSV of counts: the split region's count is shared, totals are kept. */
    const char *in = harness_write("counts.csv", "psgc,count\n0700000000,100\n0702220012,7\n");
    size_t rows = 0;
    CHECK_OK(C, tw_crosswalk_csv(C, cw, "2023Q4", "2024Q3", in, "psgc", "count",
                                 harness_tmp("counts_out.csv"), &rows));
    CHECK_EQ_INT(rows, 2);
    FILE *f = fopen(harness_tmp("counts_out.csv"), "r");
    char buf[512] = "";
    size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[got] = '\0';
    if (f)
        fclose(f);
    CHECK(strcmp(buf, "psgc,count,new_psgc,crosswalk_weight\n0700000000,25,0700000000,0.25\n"
                      "0700000000,75,1800000000,0.75\n0702220012,7,1802220099,1\n") == 0);
    const char *badin = harness_write("counts_bad.csv", "psgc,count\n0700000000,lots\n");
    CHECK(tw_crosswalk_csv(C, cw, "2023Q4", "2024Q3", badin, "psgc", "count",
                           harness_tmp("o.csv"), &rows) == TW_E_PARSE);
    CHECK(tw_ctx_error(C)->line == 2 && strcmp(tw_ctx_error(C)->field, "count") == 0);
    tw_crosswalk_free(cw);
    tw_crosswalk_free(NULL);

    /* Errors, with line and field. */
    const tw_error *e = tw_ctx_error(C);
    CHECK(read_cw("cw_empty.csv", "", &cw) == TW_E_EMPTY);
    CHECK(read_cw("cw_head.csv", CW_HEADER, &cw) == TW_E_EMPTY);
    CHECK(read_cw("cw_col.csv", "from_version,to_version,old_code,new_code\n", &cw) == TW_E_PARSE);
    CHECK(strcmp(e->field, "kind") == 0);
    CHECK(read_cw("cw_sum.csv", CW_HEADER "a,b,0700000000,0700000000,split,0.5,,\n"
                                          "a,b,0700000000,1800000000,split,0.4,,\n", &cw) == TW_E_DOMAIN);
    CHECK(e->line == 2 && strcmp(e->field, "weight") == 0);
    CHECK(strstr(e->message, "sum to 0.9") != NULL);
    CHECK(read_cw("cw_kind.csv", CW_HEADER "a,b,0700000000,1800000000,move,1,,\n", &cw) == TW_E_PARSE);
    CHECK(e->line == 2 && strcmp(e->field, "kind") == 0);
    CHECK(read_cw("cw_w.csv", CW_HEADER "a,b,0700000000,1800000000,split,1.5,,\n", &cw) == TW_E_DOMAIN);
    CHECK(read_cw("cw_code.csv", CW_HEADER "a,b,07000,1800000000,recode,1,,\n", &cw) == TW_E_PARSE);
    CHECK(strcmp(e->field, "old_code") == 0);
    CHECK(read_cw("cw_two.csv", CW_HEADER "a,b,0700000000,1800000000,recode,1,,\n"
                                          "a,b,0700000000,1900000000,recode,1,,\n", &cw) == TW_E_PARSE);
    CHECK(strstr(e->message, "use split") != NULL);
    CHECK(read_cw("cw_dup.csv", CW_HEADER "a,b,0700000000,1800000000,merge,1,,\n"
                                          "a,b,0700000000,1800000000,merge,1,,\n", &cw) == TW_E_DUPLICATE);
    CHECK(e->line == 3);
    CHECK(read_cw("cw_tree.csv", CW_HEADER "a,b,0700000000,1800000000,split,1,tree,\n", &cw) == TW_E_PARSE);
    CHECK(read_cw("cw_lvl.csv", CW_HEADER "a,b,0702200000,1802201000,recode,1,tree,\n", &cw) == TW_E_PARSE);
    CHECK(read_cw("cw_same.csv", CW_HEADER "a,a,0702200000,1802200000,recode,1,,\n", &cw) == TW_E_PARSE);
    CHECK(cw == NULL);
}

int main(void)
{
    C = tw_ctx_new();
    if (tw_gazetteer_read_psgc(C, harness_write("mini.csv", mini), &G) != TW_OK) {
        harness_fail(__FILE__, __LINE__, "mini.csv: %s", tw_ctx_error(C)->message);
        return harness_finish();
    }
    RUN(test_normalise);
    RUN(test_keys_and_distance);
    RUN(test_deletions);
    RUN(test_read);
    RUN(test_outcomes);
    RUN(test_bad_addresses);
    RUN(test_read_errors);
    RUN(test_nomem);
    RUN(test_records_review);
    RUN(test_evalset_mini);
    RUN(test_crosswalk);
    RUN(test_random_addresses);
    tw_gazetteer_free(G);
    tw_ctx_free(C);
    return harness_finish();
}
