/*
 * test_geocode_eval.c: the geocoder against the real PSA PSGC 4Q 2023
 * datafile (data folder psgc/PSGC-4Q-2023-Publication-Datafile.csv) on the
 * labelled evaluation set (evalset.c), asserting issue 6's thresholds:
 * >= 98 % of clean and >= 90 % of perturbed addresses resolved to the right
 * barangay, < 1 % wrong matches; plus the issue's own examples and facts of
 * the file (counts per level, HUC and NCR parents). Skipped (passes with a
 * note) when the data folder is absent. Prints precision per outcome.
 */
#include "harness.h"
#include "geocode/geocode_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static tw_gazetteer *G;
static tw_ctx *C;

static void print_eval(const char *what, const gz_eval *e)
{
    printf("  %s: n=%zu resolved right %.2f%%, wrong %.2f%%\n", what, e->n,
           100.0 * (double)e->resolved_right / (double)e->n, 100.0 * (double)e->wrong / (double)e->n);
    for (int o = 0; o < 5; o++)
        if (e->by_outcome[o])
            printf("    %-9s %6zu (%5.2f%% of all), precision %.2f%%\n",
                   tw_geocode_outcome_name((tw_geocode_outcome)o), e->by_outcome[o],
                   100.0 * (double)e->by_outcome[o] / (double)e->n,
                   100.0 * (double)e->right_by_outcome[o] / (double)e->by_outcome[o]);
}

static void show_failures(const gz_labelled *set, size_t n, size_t max)
{
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < max; i++) {
        tw_geocode_result r;
        tw_geocode(C, G, set[i].address, strlen(set[i].address), &r);
        if ((r.outcome == TW_GEOCODE_EXACT || r.outcome == TW_GEOCODE_FUZZY) &&
            strcmp(r.psgc, set[i].truth) == 0)
            continue;
        printf("    [%s %s %.2f n=%zu] %s (truth %s %s, perturb %d)\n",
               tw_geocode_outcome_name(r.outcome), r.psgc, r.score, r.n_candidates,
               set[i].address, set[i].truth, tw_gazetteer_name(G, set[i].truth, NULL),
               set[i].perturbed);
        shown++;
    }
}

static void test_counts(void)
{
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_BARANGAY), 42001);
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_REGION), 17);
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_SUBMUNICIPALITY), 14);
    /* 149 cities + 1,485 municipalities + 8 SGA clusters */
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_MUNICIPALITY), 1642);
    /* 82 provinces + 4 NCR districts + City of Isabela + interim SGA province */
    CHECK_EQ_INT(tw_gazetteer_count(G, TW_LEVEL_PROVINCE), 88);
    char p[TW_PSGC_LEN + 1];
    CHECK(tw_gazetteer_parent(G, "0730600000", p) && strcmp(p, "0702200000") == 0); /* Cebu City in Cebu */
    CHECK(tw_gazetteer_parent(G, "1381701000", p) && strcmp(p, "1307600000") == 0); /* Pateros */
    CHECK(tw_gazetteer_parent(G, "1380600000", p) && strcmp(p, "1303900000") == 0); /* Manila */
    CHECK(tw_gazetteer_parent(G, "1380601001", p) && strcmp(p, "1380601000") == 0); /* Tondo */
    CHECK(tw_gazetteer_parent(G, "1380601000", p) && strcmp(p, "1380600000") == 0);
    CHECK(tw_gazetteer_parent(G, "1999901000", p) && strcmp(p, "1999900000") == 0); /* SGA */
    CHECK(tw_gazetteer_parent(G, "0990101000", p) && strcmp(p, "0990100000") == 0); /* Isabela */
    tw_level lv;
    const char *nm = tw_gazetteer_name(G, "1303900000", &lv);
    CHECK(nm && strstr(nm, "First District") && lv == TW_LEVEL_PROVINCE);
}

static void expect(const char *addr, tw_geocode_outcome o, const char *psgc)
{
    tw_geocode_result r;
    CHECK_OK(C, tw_geocode(C, G, addr, strlen(addr), &r));
    if (r.outcome != o || (psgc && strcmp(r.psgc, psgc) != 0))
        harness_fail(__FILE__, __LINE__, "'%s': %s %s (%s), expected %s %s", addr,
                     tw_geocode_outcome_name(r.outcome), r.psgc,
                     r.psgc[0] ? tw_gazetteer_name(G, r.psgc, NULL) : "",
                     tw_geocode_outcome_name(o), psgc ? psgc : "");
}

static void test_examples(void)
{
    /* The examples. Pusok is 0731100024 in Lapu-Lapu City. */
    expect("Brgy. Pusok, Lapu-Lapu City", TW_GEOCODE_EXACT, "0731100024");
    expect("Pusok, Lapu-Lapu City, Cebu", TW_GEOCODE_EXACT, "0731100024");
    expect("pusok lapulapu city", TW_GEOCODE_EXACT, "0731100024");
    expect("Pusok, Cebu", TW_GEOCODE_EXACT, "0731100024");
    expect("Cebu, Lapu-Lapu, Pusok", TW_GEOCODE_EXACT, "0731100024");
    expect("Brgy. Pusak, Lapu-Lapu City", TW_GEOCODE_FUZZY, "0731100024");
    expect("Pusok, Lapu-Lapo City", TW_GEOCODE_FUZZY, "0731100024");
    expect("Poblacion, Cordova, Cebu", TW_GEOCODE_EXACT, NULL);
    expect("Lapu-Lapu City", TW_GEOCODE_COARSER, "0731100000");
    expect("Cordova, Cebu", TW_GEOCODE_COARSER, NULL);
    expect("Cebu Province", TW_GEOCODE_COARSER, "0702200000");
    expect("San Isidro", TW_GEOCODE_AMBIGUOUS, "");
    expect("Poblacion", TW_GEOCODE_AMBIGUOUS, "");
    expect("Xyzzy Plugh", TW_GEOCODE_NOT_FOUND, "");
    expect("", TW_GEOCODE_NOT_FOUND, "");
    expect("Metro Manila", TW_GEOCODE_COARSER, "1300000000");
    expect("Region VII", TW_GEOCODE_COARSER, "0700000000");
    expect("Central Visayas", TW_GEOCODE_COARSER, "0700000000");
    /* Old name of Lapu-Lapu City (Opon). */
    expect("Pusok, Opon", TW_GEOCODE_EXACT, "0731100024");
    /* Manila: barangay number under a sub-municipality. */
    expect("Barangay 1, Tondo, Manila", TW_GEOCODE_EXACT, NULL);
    /* Quezon City has a barangay named San Isidro (and San Isidro Galas). */
    expect("San Isidro, Quezon City", TW_GEOCODE_EXACT, "1381300098");
    tw_geocode_result r;
    /* Alone, "San Isidro" names several municipalities before 314 barangays. */
    const char *a = "San Isidro";
    CHECK_OK(C, tw_geocode(C, G, a, strlen(a), &r));
    printf("  '%s' -> %s n=%zu\n", a, tw_geocode_outcome_name(r.outcome), r.n_candidates);
    CHECK(r.n_candidates >= 5);
    a = "Brgy. San Isidro";
    CHECK_OK(C, tw_geocode(C, G, a, strlen(a), &r));
    printf("  '%s' -> %s n=%zu\n", a, tw_geocode_outcome_name(r.outcome), r.n_candidates);
    a = "Poblacion";
    CHECK_OK(C, tw_geocode(C, G, a, strlen(a), &r));
    printf("  '%s' -> %s n=%zu\n", a, tw_geocode_outcome_name(r.outcome), r.n_candidates);
    CHECK(r.n_candidates >= 300);
}

static void run_set(const char *what, int perturb, size_t n, double min_right, double max_wrong)
{
    gz_labelled *set = NULL;
    gz_eval ev;
    CHECK_OK(C, gz_evalset_make(C, G, 20240601, n, perturb, &set));
    if (!set)
        return;
    if (perturb) {
        /* Score only the addresses that were actually altered (an old name,
           say, exists for few barangays). */
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (set[i].perturbed)
                set[k++] = set[i];
        n = k;
    }
    clock_t t0 = clock();
    CHECK_OK(C, gz_evaluate(C, G, set, n, &ev));
    double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_eval(what, &ev);
    printf("    %.0f addresses/s (this build)\n", (double)n / (sec > 0 ? sec : 1e-9));
    double right = (double)ev.resolved_right / (double)ev.n;
    double wrong = (double)ev.wrong / (double)ev.n;
    /* TANAW_GEOCODE_SHOW=N lists N misses (for work on the rules). */
    const char *show = getenv("TANAW_GEOCODE_SHOW");
    if (right < min_right || wrong >= max_wrong || (show && *show))
        show_failures(set, n, show && *show ? (size_t)strtoul(show, NULL, 10) : 20);
    CHECK(right >= min_right);
    CHECK(wrong < max_wrong);
    ctx_free(C, set);
}

static void test_clean(void) { run_set("clean", 0, 20000, 0.98, 0.01); }

static void test_perturbed(void)
{
    int all = GZ_P_TYPO_BGY | GZ_P_TYPO_MUN | GZ_P_ABBREV | GZ_P_NO_PROVINCE | GZ_P_SWAP |
              GZ_P_OLD_NAME | GZ_P_CASE;
    run_set("perturbed", all, 20000, 0.90, 0.01);
    /* The same with "no commas" among the ways (issue 6 lists the others). */
    run_set("perturbed, commas may be left out", all | GZ_P_NO_COMMAS, 20000, 0.90, 0.01);
}

/* Each way of writing alone (2,000 addresses each): where the misses come from. */
static void test_by_perturbation(void)
{
    static const struct {
        int bit;
        const char *name;
        size_t n;
        double min_right;
    } kinds[] = {
        {GZ_P_TYPO_BGY, "typo in barangay", 2000, 0.95},
        {GZ_P_TYPO_MUN, "typo in municipality", 2000, 0.97},
        {GZ_P_ABBREV, "abbreviations", 2000, 0.98},
        {GZ_P_NO_PROVINCE, "no province", 2000, 0.98},
        {GZ_P_SWAP, "reversed order", 2000, 0.98},
        {GZ_P_OLD_NAME, "old name", 20000, 0.94}, /* few barangays have one */
        {GZ_P_CASE, "upper/lower case", 2000, 0.98},
        {GZ_P_NO_COMMAS, "no commas", 2000, 0.90},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        run_set(kinds[k].name, kinds[k].bit, kinds[k].n, kinds[k].min_right, 0.02);
}

/*
 * One gazetteer, several threads (one context each): the results are the
 * same as in one thread. Checks that tw_geocode keeps no state.
 */
static void test_threads(void)
{
    int all = GZ_P_TYPO_BGY | GZ_P_TYPO_MUN | GZ_P_ABBREV | GZ_P_SWAP;
    gz_labelled *set = NULL;
    size_t n = 4000;
    CHECK_OK(C, gz_evalset_make(C, G, 11, n, all, &set));
    if (!set)
        return;
    tw_geocode_result *one = ctx_calloc(C, n, sizeof *one), *many = ctx_calloc(C, n, sizeof *many);
    if (!one || !many) {
        CHECK(0);
        ctx_free(C, set);
        return;
    }
    for (size_t i = 0; i < n; i++)
        tw_geocode(C, G, set[i].address, strlen(set[i].address), &one[i]);
    int failed = 0;
#pragma omp parallel num_threads(4) reduction(| : failed)
    {
        tw_ctx *tc = tw_ctx_new();
        if (!tc) {
            failed = 1;
        } else {
#pragma omp for schedule(dynamic, 64)
            for (size_t i = 0; i < n; i++)
                failed |= tw_geocode(tc, G, set[i].address, strlen(set[i].address), &many[i]) != TW_OK;
            tw_ctx_free(tc);
        }
    }
    CHECK(!failed);
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += memcmp(&one[i], &many[i], sizeof one[i]) == 0;
    CHECK_EQ_INT(same, n);
    ctx_free(C, one);
    ctx_free(C, many);
    ctx_free(C, set);
}

/*
 * The Negros Island Region crosswalk built from the real 4Q 2023 file:
 * every unit of Negros Occidental, Bacolod, Negros Oriental and Siquijor
 * gets region digits 18 and nothing else changes; Regions VI and VII are
 * split by the 2020 populations printed in the file (VII: Negros Oriental
 * 1,432,990 + Siquijor 103,395 of 8,081,988; VI: Negros Occidental
 * 2,623,172 without Bacolod + Bacolod 600,783 of 7,954,723).
 */
static void test_nir_crosswalk(void)
{
    tw_crosswalk *cw = NULL;
    CHECK_OK(C, tw_crosswalk_nir(C, G, &cw));
    if (!cw)
        return;
    CHECK_EQ_INT(tw_crosswalk_count(cw), 8);
    tw_crosswalk_target t[4];
    size_t n = 0, moved = 0, split = 0, same = 0;
    for (size_t i = 0; i < G->n; i++) {
        const char *code = G->nodes[i].code;
        CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", code, t, 4, &n));
        int in_nir = strncmp(code, "06045", 5) == 0 || strncmp(code, "06302", 5) == 0 ||
                     strncmp(code, "07046", 5) == 0 || strncmp(code, "07061", 5) == 0;
        if (n == 2) {
            split++;
        } else if (n == 1 && strcmp(t[0].code, code) == 0) {
            same++;
            CHECK(!in_nir);
        } else if (n == 1) {
            moved++;
            CHECK(in_nir && strncmp(t[0].code, "18", 2) == 0 && strcmp(t[0].code + 2, code + 2) == 0);
        }
    }
    printf("  NIR crosswalk: %zu units moved to region 18, %zu regions split, %zu unchanged\n",
           moved, split, same);
    CHECK_EQ_INT(split, 2);
    CHECK_EQ_INT(moved + split + same, G->n);
    /* Dumaguete's barangay Bagacay: 0704610001 -> 1804610001 (a Negros Oriental barangay). */
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", "0704610001", t, 4, &n));
    CHECK(n == 1 && strcmp(t[0].code, "1804610001") == 0);
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", "0700000000", t, 4, &n));
    CHECK(n == 2 && strcmp(t[1].code, "1800000000") == 0);
    CHECK_NEAR(t[1].weight, (1432990.0 + 103395.0) / 8081988.0, 1e-8);
    CHECK_NEAR(t[0].weight + t[1].weight, 1.0, 1e-12);
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", "0600000000", t, 4, &n));
    CHECK(n == 2);
    CHECK_NEAR(t[1].weight, (2623172.0 + 600783.0) / 7954723.0, 1e-8);
    /* Cebu stays in Central Visayas. */
    CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", "0731100024", t, 4, &n));
    CHECK(n == 1 && strcmp(t[0].code, "0731100024") == 0);
    /* Codes of later PSGC releases as published (sources in docs/geocode.md,
       "The Negros Island Region example"): the tree rule must give them. */
    static const struct {
        const char *old, *name, *published;
    } later[] = {
        {"0704610000", "City of Dumaguete", "1804610000"},
        {"0706102000", "Larena", "1806102000"},
        {"0704601000", "Amlan", "1804601000"},
        {"0604502000", "City of Bago", "1804502000"},
        {"0604502001", "Abuanan", "1804502001"},
        {"0630200000", "City of Bacolod", "1830200000"},
        {"0630200001", "Alangilan", "1830200001"},
    };
    for (size_t k = 0; k < sizeof later / sizeof later[0]; k++) {
        size_t i = 0;
        while (i < G->n && strcmp(G->nodes[i].code, later[k].old) != 0)
            i++;
        CHECK(i < G->n && strcmp(G->strs + G->nodes[i].name, later[k].name) == 0);
        CHECK_OK(C, tw_crosswalk_map(C, cw, "2023Q4", "2024Q2", later[k].old, t, 4, &n));
        CHECK(n == 1 && strcmp(t[0].code, later[k].published) == 0);
    }
    tw_crosswalk_free(cw);
}

/*
 * The 10 EMBO barangays that the Supreme Court placed in Taguig (G.R. No.
 * 235316, 2021; PSA recoded them in 2023) are already under the City of
 * Taguig in the 4Q 2023 file, with Makati's old correspondence codes
 * 137602xxx: no crosswalk step is needed from 2023Q4 on.
 */
static void test_embo(void)
{
    size_t embo = 0, in_makati = 0;
    for (size_t i = 0; i < G->n; i++) {
        const gz_node *b = &G->nodes[i];
        if (b->level != TW_LEVEL_BARANGAY || strncmp(b->corr, "137602", 6) != 0)
            continue;
        if (b->parent >= 0 && strcmp(G->nodes[b->parent].code, "1381500000") == 0)
            embo++;
        else if (b->parent >= 0 && strcmp(G->nodes[b->parent].code, "1380300000") == 0)
            in_makati++;
    }
    CHECK_EQ_INT(embo, 10);
    CHECK_EQ_INT(in_makati, 23);
    tw_geocode_result r;
    const char *a = "West Rembo, Taguig City";
    CHECK_OK(C, tw_geocode(C, G, a, strlen(a), &r));
    CHECK(r.outcome == TW_GEOCODE_EXACT && strcmp(r.psgc, "1381500038") == 0);
}

int main(void)
{
    const char *path = harness_data_path("psgc/PSGC-4Q-2023-Publication-Datafile.csv");
    if (!path) {
        printf("data folder not found: real-data tests skipped\n");
        return harness_finish();
    }
    C = tw_ctx_new();
    if (tw_gazetteer_read_psgc(C, path, &G) != TW_OK) {
        printf("cannot read %s: %s\n", path, tw_ctx_error(C)->message);
        harness_fail(__FILE__, __LINE__, "gazetteer not read");
        tw_ctx_free(C);
        return harness_finish();
    }
    RUN(test_counts);
    RUN(test_examples);
    RUN(test_clean);
    RUN(test_perturbed);
    RUN(test_by_perturbation);
    RUN(test_nir_crosswalk);
    RUN(test_embo);
    RUN(test_threads);
    tw_gazetteer_free(G);
    tw_ctx_free(C);
    return harness_finish();
}
