/*
 * test_psgc.c: PSGC codes from their digits (geo/psgc.c). Hand cases for
 * every rule of docs/geography.md, then the whole PSA PSGC 4Q 2023
 * datafile (every code's level against its "Geographic Level") and every
 * barangay of barangays.csv (ancestors against its municipality_psgc,
 * submun_psgc, province_psgc and region_psgc columns), with the exact
 * numbers of exceptions.
 */
#include "harness.h"
#include "io/csv.h"
#include "tanaw/tanaw.h"

#include <stdlib.h>
#include <string.h>

static void check_level(const char *code, tw_level want)
{
    char c[TW_PSGC_LEN + 1];
    snprintf(c, sizeof c, "%s", code);
    if (tw_psgc_level(c) != want)
        harness_fail(__FILE__, __LINE__, "level of %s is %s, expected %s", code,
                     tw_level_name(tw_psgc_level(c)), tw_level_name(want));
}

static void check_anc(const char *code, tw_level l, const char *want)
{
    char c[TW_PSGC_LEN + 1], out[TW_PSGC_LEN + 1] = "x";
    snprintf(c, sizeof c, "%s", code);
    tw_status s = tw_psgc_ancestor(c, l, out);
    if (!want) {
        if (s != TW_E_ARG)
            harness_fail(__FILE__, __LINE__, "ancestor(%s, %s) -> %s, expected TW_E_ARG", code,
                         tw_level_name(l), tw_status_str(s));
        if (strcmp(out, "x") != 0)
            harness_fail(__FILE__, __LINE__, "ancestor(%s) wrote %s on failure", code, out);
    } else if (s != TW_OK || strcmp(out, want) != 0) {
        harness_fail(__FILE__, __LINE__, "ancestor(%s, %s) = %s (%s), expected %s", code,
                     tw_level_name(l), s == TW_OK ? out : "-", tw_status_str(s), want);
    }
}

static void test_level_names(void)
{
    for (int l = TW_LEVEL_REGION; l <= TW_LEVEL_BARANGAY; l++)
        CHECK_EQ_INT(tw_level_parse(tw_level_name((tw_level)l)), l);
    CHECK_EQ_INT(tw_level_parse("city"), TW_LEVEL_MUNICIPALITY);
    CHECK_EQ_INT(tw_level_parse("MUN"), TW_LEVEL_MUNICIPALITY);
    CHECK_EQ_INT(tw_level_parse("bgy"), TW_LEVEL_BARANGAY);
    CHECK_EQ_INT(tw_level_parse("Prov"), TW_LEVEL_PROVINCE);
    CHECK_EQ_INT(tw_level_parse("submun"), TW_LEVEL_SUBMUNICIPALITY);
    CHECK_EQ_INT(tw_level_parse("district"), TW_LEVEL_UNKNOWN);
    CHECK_EQ_INT(tw_level_parse(""), TW_LEVEL_UNKNOWN);
    CHECK_EQ_INT(tw_level_parse(NULL), TW_LEVEL_UNKNOWN);
    CHECK(strcmp(tw_level_name(TW_LEVEL_UNKNOWN), "unknown") == 0);
    CHECK(strcmp(tw_level_name(TW_LEVEL_SUBMUNICIPALITY), "submunicipality") == 0);
}

static void test_normalise(void)
{
    char out[TW_PSGC_LEN + 1];
    CHECK_EQ_INT(tw_psgc_normalise("0102801000", 10, out), TW_OK);
    CHECK(strcmp(out, "0102801000") == 0);
    CHECK_EQ_INT(tw_psgc_normalise("102801000", 9, out), TW_OK); /* spreadsheet lost the 0 */
    CHECK(strcmp(out, "0102801000") == 0);
    CHECK_EQ_INT(tw_psgc_normalise(" 1380600000\t", 12, out), TW_OK);
    CHECK(strcmp(out, "1380600000") == 0);
    CHECK_EQ_INT(tw_psgc_normalise("1380600000xyz", 10, out), TW_OK); /* len bounds the text */
    memcpy(out, "unchanged!", 11);
    CHECK_EQ_INT(tw_psgc_normalise("12345678", 8, out), TW_E_PARSE);
    CHECK_EQ_INT(tw_psgc_normalise("01028010001", 11, out), TW_E_PARSE);
    CHECK_EQ_INT(tw_psgc_normalise("01028O1000", 10, out), TW_E_PARSE);
    CHECK_EQ_INT(tw_psgc_normalise("-102801000", 10, out), TW_E_PARSE);
    CHECK_EQ_INT(tw_psgc_normalise("1.02801E+8", 10, out), TW_E_PARSE);
    CHECK_EQ_INT(tw_psgc_normalise("", 0, out), TW_E_PARSE);
    CHECK_EQ_INT(tw_psgc_normalise("0102 801000", 11, out), TW_E_PARSE);
    CHECK(strcmp(out, "unchanged!") == 0);
}

static void test_levels_by_hand(void)
{
    check_level("0100000000", TW_LEVEL_REGION);
    check_level("1300000000", TW_LEVEL_REGION);    /* NCR */
    check_level("0702200000", TW_LEVEL_PROVINCE);  /* Cebu province */
    check_level("0730600000", TW_LEVEL_PROVINCE);  /* Cebu City, HUC: a province-level unit */
    check_level("1380600000", TW_LEVEL_PROVINCE);  /* Manila, HUC */
    check_level("0990100000", TW_LEVEL_PROVINCE);  /* City of Isabela (Not a Province) */
    check_level("1999900000", TW_LEVEL_PROVINCE);  /* BARMM SGA interim province */
    check_level("0990101000", TW_LEVEL_MUNICIPALITY); /* City of Isabela, the city */
    check_level("1999901000", TW_LEVEL_MUNICIPALITY); /* SGA Carmen cluster */
    check_level("1381701000", TW_LEVEL_MUNICIPALITY); /* Pateros */
    check_level("0102801000", TW_LEVEL_MUNICIPALITY);
    check_level("1380601000", TW_LEVEL_SUBMUNICIPALITY); /* Tondo I/II */
    check_level("1380614000", TW_LEVEL_SUBMUNICIPALITY); /* Santa Ana */
    check_level("1380601001", TW_LEVEL_BARANGAY);
    check_level("0730600001", TW_LEVEL_BARANGAY);  /* a Cebu City barangay */
    check_level("0000000000", TW_LEVEL_UNKNOWN);
    check_level("0012345000", TW_LEVEL_UNKNOWN);
    check_level("12345", TW_LEVEL_UNKNOWN);
    check_level("A102801000", TW_LEVEL_UNKNOWN);
    CHECK_EQ_INT(tw_psgc_level(NULL), TW_LEVEL_UNKNOWN);
}

static void test_ancestors_by_hand(void)
{
    /* ordinary barangay */
    check_anc("0102801001", TW_LEVEL_MUNICIPALITY, "0102801000");
    check_anc("0102801001", TW_LEVEL_PROVINCE, "0102800000");
    check_anc("0102801001", TW_LEVEL_REGION, "0100000000");
    check_anc("0102801001", TW_LEVEL_SUBMUNICIPALITY, NULL); /* Manila only */
    check_anc("0102801001", TW_LEVEL_BARANGAY, NULL);
    /* HUC barangay: municipality and province-level unit are the HUC */
    check_anc("0730600001", TW_LEVEL_MUNICIPALITY, "0730600000");
    check_anc("0730600001", TW_LEVEL_PROVINCE, "0730600000");
    check_anc("0730600001", TW_LEVEL_REGION, "0700000000");
    /* Manila: barangay -> sub-municipality -> city */
    check_anc("1380601001", TW_LEVEL_SUBMUNICIPALITY, "1380601000");
    check_anc("1380601001", TW_LEVEL_MUNICIPALITY, "1380600000");
    check_anc("1380614020", TW_LEVEL_MUNICIPALITY, "1380600000");
    check_anc("1380601000", TW_LEVEL_MUNICIPALITY, "1380600000");
    check_anc("1380601000", TW_LEVEL_PROVINCE, "1380600000");
    check_anc("1380601000", TW_LEVEL_SUBMUNICIPALITY, NULL); /* not coarser */
    /* SGA and Isabela */
    check_anc("1999901001", TW_LEVEL_MUNICIPALITY, "1999901000");
    check_anc("1999901000", TW_LEVEL_PROVINCE, "1999900000");
    check_anc("1999901000", TW_LEVEL_REGION, "1900000000");
    check_anc("0990101002", TW_LEVEL_PROVINCE, "0990100000");
    /* not coarser, unknown */
    check_anc("0102801000", TW_LEVEL_MUNICIPALITY, NULL);
    check_anc("0730600000", TW_LEVEL_MUNICIPALITY, NULL); /* HUC: digits say province-level */
    check_anc("0100000000", TW_LEVEL_REGION, NULL);
    check_anc("0102801000", TW_LEVEL_UNKNOWN, NULL);
    check_anc("0000000000", TW_LEVEL_REGION, NULL);
}

static long col(csv_reader *r, const char *name)
{
    long c = csv_find_column(r, name);
    if (c < 0)
        harness_fail(__FILE__, __LINE__, "no column %s", name);
    return c;
}

typedef struct row {
    char code[TW_PSGC_LEN + 1];
    char lv[8];
} row;
static row table[44000];

static int row_cmp(const void *x, const void *y)
{
    return strcmp(((const row *)x)->code, ((const row *)y)->code);
}

/* Published level of a code, or NULL when it is not in the datafile. */
static const char *lookup(size_t n, const char *code)
{
    row key;
    snprintf(key.code, sizeof key.code, "%s", code);
    const row *r = bsearch(&key, table, n, sizeof table[0], row_cmp);
    return r ? r->lv : NULL;
}

/* Every code of the PSA datafile: level from the digits vs the published
 * geographic level; every parent present. */
static void test_psa_datafile(void)
{
    const char *path = harness_data_path("psgc/PSGC-4Q-2023-Publication-Datafile.csv");
    if (!path) {
        fprintf(stderr, "skip: no data folder\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    csv_reader *r = NULL;
    CHECK_OK(ctx, csv_open(ctx, path, &r));
    if (!r)
        goto done;
    bool eof;
    CHECK_OK(ctx, csv_next(r, &eof));
    /* The header's "10-digit PSGC" and "Geographic Level" columns. */
    size_t ccode = 0, clevel = 3;
    CHECK(strcmp(csv_field(r, ccode, NULL), "10-digit PSGC") == 0);
    CHECK(strcmp(csv_field(r, clevel, NULL), "Geographic Level") == 0);
    /* Codes and levels, kept to check parents afterwards. */
    static char codes[44000][TW_PSGC_LEN + 1];
    static char lv[44000][8];
    size_t n = 0, nocode = 0;
    long reg = 0, prov = 0, huc = 0, mun = 0, city = 0, sgu = 0, submun = 0, bgy = 0,
         notprov = 0, wrong = 0;
    while (csv_next(r, &eof) == TW_OK && !eof) {
        size_t len;
        const char *c = csv_field(r, ccode, &len);
        const char *l = csv_field(r, clevel, NULL);
        if (len == 0) {
            nocode++; /* the 4 NCR districts have no 10-digit code */
            continue;
        }
        CHECK(n < 44000);
        if (n >= 44000)
            break;
        CHECK_EQ_INT(tw_psgc_normalise(c, len, codes[n]), TW_OK);
        snprintf(lv[n], sizeof lv[n], "%s", l);
        tw_level got = tw_psgc_level(codes[n]);
        tw_level want = TW_LEVEL_UNKNOWN;
        if (strcmp(l, "Reg") == 0) reg++, want = TW_LEVEL_REGION;
        else if (strcmp(l, "Prov") == 0) prov++, want = TW_LEVEL_PROVINCE;
        else if (strcmp(l, "Mun") == 0) mun++, want = TW_LEVEL_MUNICIPALITY;
        else if (strcmp(l, "SGU") == 0) sgu++, want = TW_LEVEL_MUNICIPALITY;
        else if (strcmp(l, "SubMun") == 0) submun++, want = TW_LEVEL_SUBMUNICIPALITY;
        else if (strcmp(l, "Bgy") == 0) bgy++, want = TW_LEVEL_BARANGAY;
        else if (strcmp(l, "City") == 0) {
            city++;
            /* HUCs (and only they) are coded as province-level units */
            want = got == TW_LEVEL_PROVINCE ? TW_LEVEL_PROVINCE : TW_LEVEL_MUNICIPALITY;
            huc += got == TW_LEVEL_PROVINCE;
        } else if (l[0] == '\0') {
            notprov++; /* City of Isabela (Not a Province), SGA interim province */
            want = TW_LEVEL_PROVINCE;
        }
        if (got != want && wrong++ < 5)
            fprintf(stderr, "%s (%s): level %s\n", codes[n], l, tw_level_name(got));
        n++;
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(n, 43758);
    CHECK_EQ_INT(nocode, 4);
    CHECK_EQ_INT(reg, 17);
    CHECK_EQ_INT(prov, 82);
    CHECK_EQ_INT(mun, 1485);
    CHECK_EQ_INT(city, 149);
    CHECK_EQ_INT(huc, 33);
    CHECK_EQ_INT(sgu, 8);
    CHECK_EQ_INT(submun, 14);
    CHECK_EQ_INT(bgy, 42001);
    CHECK_EQ_INT(notprov, 2);

    /* Parents: every barangay's municipality is a City/Mun/SGU row, every
     * Manila barangay's sub-municipality a SubMun row; every province-level
     * ancestor exists except Pateros' 1381700000 (Pateros + 10 barangays). */
    for (size_t i = 0; i < n; i++) {
        memcpy(table[i].code, codes[i], sizeof table[i].code);
        memcpy(table[i].lv, lv[i], sizeof table[i].lv);
    }
    qsort(table, n, sizeof table[0], row_cmp);
    long bad_mun = 0, bad_sub = 0, no_prov = 0, no_reg = 0;
    for (size_t i = 0; i < n; i++) {
        tw_level l = tw_psgc_level(codes[i]);
        char anc[TW_PSGC_LEN + 1];
        const char *found;
        if (l == TW_LEVEL_BARANGAY) {
            tw_psgc_ancestor(codes[i], TW_LEVEL_MUNICIPALITY, anc);
            found = lookup(n, anc);
            if (!found || !(strcmp(found, "City") == 0 || strcmp(found, "Mun") == 0 ||
                            strcmp(found, "SGU") == 0))
                bad_mun++;
            if (tw_psgc_ancestor(codes[i], TW_LEVEL_SUBMUNICIPALITY, anc) == TW_OK) {
                found = lookup(n, anc);
                if (!found || strcmp(found, "SubMun") != 0)
                    bad_sub++;
            }
        }
        if (l > TW_LEVEL_PROVINCE) {
            tw_psgc_ancestor(codes[i], TW_LEVEL_PROVINCE, anc);
            if (!lookup(n, anc)) {
                no_prov++;
                CHECK(strcmp(anc, "1381700000") == 0);
            }
        }
        if (l > TW_LEVEL_REGION) {
            tw_psgc_ancestor(codes[i], TW_LEVEL_REGION, anc);
            found = lookup(n, anc);
            no_reg += !found || strcmp(found, "Reg") != 0;
        }
    }
    CHECK_EQ_INT(bad_mun, 0);
    CHECK_EQ_INT(bad_sub, 0);
    CHECK_EQ_INT(no_prov, 11);
    CHECK_EQ_INT(no_reg, 0);
done:
    csv_close(r);
    tw_ctx_free(ctx);
}

/* Every barangay of barangays.csv: digits vs the table's columns. */
static void test_barangays_csv(void)
{
    const char *path = harness_data_path("barangays.csv");
    const char *mpath = harness_data_path("municipalities.csv");
    if (!path) {
        fprintf(stderr, "skip: no data folder\n");
        return;
    }
    tw_ctx *ctx = tw_ctx_new();
    csv_reader *r = NULL;
    bool eof;
    /* LGUs whose province is not the one their digits say (HUCs, NCR). */
    static char special[64][TW_PSGC_LEN + 1];
    size_t nspecial = 0;
    CHECK_OK(ctx, csv_open(ctx, mpath, &r));
    if (!r)
        goto done;
    CHECK_OK(ctx, csv_next(r, &eof));
    long mc = col(r, "psgc"), mp = col(r, "province_psgc");
    while (csv_next(r, &eof) == TW_OK && !eof) {
        const char *c = csv_field(r, (size_t)mc, NULL), *p = csv_field(r, (size_t)mp, NULL);
        if (memcmp(c, p, 5) != 0 && nspecial < 64)
            snprintf(special[nspecial++], TW_PSGC_LEN + 1, "%s", c);
    }
    csv_close(r);
    r = NULL;
    CHECK_EQ_INT(nspecial, 34); /* 16 HUCs outside NCR + 17 NCR LGUs + Pateros */

    CHECK_OK(ctx, csv_open(ctx, path, &r));
    if (!r)
        goto done;
    CHECK_OK(ctx, csv_next(r, &eof));
    long cc = col(r, "psgc"), cm = col(r, "municipality_psgc"), cs = col(r, "submun_psgc"),
         cp = col(r, "province_psgc"), cr = col(r, "region_psgc");
    long n = 0, mun_ex = 0, sub_ex = 0, prov_ex = 0, prov_ex_other = 0, reg_ex = 0, manila = 0;
    while (csv_next(r, &eof) == TW_OK && !eof) {
        size_t len;
        char code[TW_PSGC_LEN + 1], anc[TW_PSGC_LEN + 1];
        const char *c = csv_field(r, (size_t)cc, &len);
        CHECK_EQ_INT(tw_psgc_normalise(c, len, code), TW_OK);
        CHECK_EQ_INT(tw_psgc_level(code), TW_LEVEL_BARANGAY);
        n++;
        if (tw_psgc_ancestor(code, TW_LEVEL_MUNICIPALITY, anc) != TW_OK ||
            strcmp(anc, csv_field(r, (size_t)cm, NULL)) != 0) {
            if (mun_ex++ < 5)
                fprintf(stderr, "%s: municipality %s, table %s\n", code, anc,
                        csv_field(r, (size_t)cm, NULL));
        }
        const char *sub = csv_field(r, (size_t)cs, &len);
        if (tw_psgc_ancestor(code, TW_LEVEL_SUBMUNICIPALITY, anc) == TW_OK) {
            manila++;
            sub_ex += strcmp(anc, sub) != 0;
        } else {
            sub_ex += len != 0;
        }
        if (tw_psgc_ancestor(code, TW_LEVEL_REGION, anc) != TW_OK ||
            strcmp(anc, csv_field(r, (size_t)cr, NULL)) != 0)
            reg_ex++;
        tw_psgc_ancestor(code, TW_LEVEL_PROVINCE, anc);
        if (strcmp(anc, csv_field(r, (size_t)cp, NULL)) != 0) {
            /* Only barangays of the 34 special LGUs may differ. */
            prov_ex++;
            char m[TW_PSGC_LEN + 1];
            tw_psgc_ancestor(code, TW_LEVEL_MUNICIPALITY, m);
            int is_special = 0;
            for (size_t k = 0; k < nspecial; k++)
                is_special |= strcmp(special[k], m) == 0;
            prov_ex_other += !is_special;
        }
    }
    CHECK_EQ_INT(n, 42001);
    CHECK_EQ_INT(mun_ex, 0);   /* municipality_psgc == digits, for every barangay */
    CHECK_EQ_INT(manila, 897); /* Manila's barangays, all with their SubMun */
    CHECK_EQ_INT(sub_ex, 0);
    CHECK_EQ_INT(reg_ex, 0);
    CHECK_EQ_INT(prov_ex, 3020); /* geographic province != province-level unit */
    CHECK_EQ_INT(prov_ex_other, 0);
done:
    csv_close(r);
    tw_ctx_free(ctx);
}

int main(void)
{
    RUN(test_level_names);
    RUN(test_normalise);
    RUN(test_levels_by_hand);
    RUN(test_ancestors_by_hand);
    RUN(test_psa_datafile);
    RUN(test_barangays_csv);
    return harness_finish();
}
