/*
 * simulate.c: synthetic case records (tanaw simulate) for testing the
 * pipeline and for power studies, in the record schema of docs/cases.md.
 * Nothing in the output resembles a person: ids are SIM-<number>, there
 * are no names, no contacts, no free text.
 *
 * Method: the area of each record is a categorical draw with probability
 * proportional to population x relative risk (rr of every planted cluster
 * the area belongs to, multiplied), so the n areas together are one
 * multinomial(n, p) draw. A cluster is its centre area and the n_areas - 1
 * areas nearest to it by representative point (great-circle distance, ties
 * by index). Then, per record and always in the same order, from the one
 * xoshiro256** stream of opts->seed: report day (uniform over
 * [from_day, to_day], thinned to 60 % on weekends for channels other than
 * CyberTipline, whose reports are platform detections), source (shares in
 * docs/cases.md, CyberTipline referrals dominating), category (by channel),
 * children (1, 2, 3 with 60/25/15 %) and location. With location_mix 1, a
 * record carries either the area's PSGC code or a point drawn uniformly in
 * the area polygon by rejection in its bounding box (the point is rounded
 * to 1e-6 degree first and tested after rounding, so what is written is
 * inside); CyberTipline records get a point 25 % of the time (IP
 * geolocation is coarse), other channels 75 %. Same seed, same bytes:
 * numbers are formatted by hand, independent of the C locale.
 *
 * Complexity: O(n log m + m log m) for n records and m areas, plus the
 * point-in-polygon tests (expected bbox area / polygon area tries each,
 * capped at 1000).
 *
 * Limits: areas need a population (>= 0, not all 0); location_mix 0 needs
 * PSGC ids; with location_mix 1 an area without a PSGC id needs a polygon.
 *
 * With opts->agencies >= 1 (sim_multi below) n counts incidents instead,
 * each referred by one to three channels with their own delays and
 * location habits, with seasonality, cluster onsets, linked made-up
 * identifiers, messy written addresses and a truth file (docs/cases.md,
 * "Simulation"). Without it the output is the single-channel file above,
 * byte for byte. Memory there: (clusters + 1) x areas doubles.
 */
#include "cases/cases_internal.h"
#include "core/rng.h"
#include "io/csv.h"
#include "geocode/geocode_internal.h"
#include "geocode/perturb.h"
#include "geo/areas_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRIES 1000
#define SIM_N_SOURCES 6
#define SIM_PI 3.14159265358979323846

static const char *const sim_sources[] = {"CyberTipline", "PNP-WCPC", "NBI",
                                          "DSWD",         "hotline",  "IJM"};
static const double sim_source_cum[] = {0.70, 0.80, 0.87, 0.92, 0.97, 1.0};
/* Category index per channel (indices of cases_category_names). */
static const double cat_cum_cybertip[CASES_N_CATEGORIES] = {
    0.10, 0.25, 0.80, 0.87, 0.97, 0.97, 1.0};
static const double cat_cum_other[CASES_N_CATEGORIES] = {
    0.40, 0.60, 0.67, 0.74, 0.82, 0.97, 1.0};
static const double children_cum[3] = {0.60, 0.85, 1.0};

static int pick(rng *r, const double *cum, int n)
{
    double u = rng_uniform(r);
    for (int i = 0; i < n - 1; i++)
        if (u < cum[i])
            return i;
    return n - 1;
}

/* Even-odd rule over all rings: holes and separate parts both work since
   parts of a multipolygon do not overlap. */
static int point_in_geom(const area_geom *g, double x, double y)
{
    int in = 0;
    for (size_t r = 0; r < g->n_rings; r++) {
        const double *p = g->xy + 2 * g->ring_start[r];
        size_t np = g->ring_start[r + 1] - g->ring_start[r];
        for (size_t i = 0, j = np - 1; i < np; j = i++) {
            double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                in = !in;
        }
    }
    return in;
}

/* v micro-degrees as decimal text ("-0.000001", "123.456789"). */
static size_t fmt_micro(char *out, int64_t v)
{
    char tmp[32];
    size_t n = 0, k = 0;
    uint64_t u = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
    if (v < 0)
        out[n++] = '-';
    uint64_t ip = u / 1000000, fp = u % 1000000;
    do {
        tmp[k++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (k)
        out[n++] = tmp[--k];
    out[n++] = '.';
    for (int i = 5; i >= 0; i--) {
        out[n + (size_t)i] = (char)('0' + fp % 10);
        fp /= 10;
    }
    return n + 6;
}

static size_t fmt_uint(char *out, uint64_t v, int width)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = 0;
    for (int i = k; i < width; i++)
        out[n++] = '0';
    while (k)
        out[n++] = tmp[--k];
    return n;
}

/* Point inside area g, rounded to micro-degrees; 0 when none found. */
static int sample_point(rng *r, const area_geom *g, int64_t *lon_u, int64_t *lat_u)
{
    double w = g->bbox[2] - g->bbox[0], h = g->bbox[3] - g->bbox[1];
    for (int t = 0; t < MAX_TRIES; t++) {
        double x = g->bbox[0] + rng_uniform(r) * w;
        double y = g->bbox[1] + rng_uniform(r) * h;
        int64_t xu = (int64_t)llround(x * 1e6), yu = (int64_t)llround(y * 1e6);
        /* (double)xu / 1e6 is what strtod gives back for the written text:
           both are the double nearest to the same decimal */
        if (point_in_geom(g, (double)xu / 1e6, (double)yu / 1e6)) {
            *lon_u = xu;
            *lat_u = yu;
            return 1;
        }
    }
    return 0;
}

typedef struct near_item {
    double d;
    size_t i;
} near_item;

static int near_cmp(const void *pa, const void *pb)
{
    const near_item *a = pa, *b = pb;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

tw_status tw_sim_cluster_members(tw_ctx *ctx, const tw_areas *a, const tw_sim_cluster *cl,
                                 unsigned char *member)
{
    if (!ctx)
        return TW_E_ARG;
    if (!a || !cl || !member)
        return ctx_error(ctx, TW_E_ARG, "tw_sim_cluster_members: NULL argument");
    size_t na = tw_areas_count(a);
    long ci = tw_areas_find(a, cl->center_id);
    if (ci < 0)
        return ctx_error(ctx, TW_E_UNKNOWN_ID, "cluster centre '%.64s' is not an area",
                         cl->center_id);
    if (cl->n_areas < 1 || (size_t)cl->n_areas > na || !isfinite(cl->rr) || cl->rr <= 0)
        return ctx_error(ctx, TW_E_ARG, "cluster at %.64s: n_areas must be in 1..%zu and rr > 0",
                         cl->center_id, na);
    double clon, clat;
    if (!tw_areas_lonlat(a, (size_t)ci, &clon, &clat))
        return ctx_error(ctx, TW_E_ARG, "cluster centre %.64s has no point", cl->center_id);
    near_item *near = ctx_mallocarray(ctx, na, sizeof *near);
    if (!near)
        return ctx_nomem(ctx);
    for (size_t i = 0; i < na; i++) {
        double lon, lat;
        near[i].i = i;
        near[i].d = tw_areas_lonlat(a, i, &lon, &lat)
                        ? tw_distance_km(TW_DIST_HAVERSINE, clon, clat, lon, lat)
                        : INFINITY;
        member[i] = 0;
    }
    near[ci].d = -1; /* the centre first, even if another area shares its point */
    qsort(near, na, sizeof *near, near_cmp);
    for (int j = 0; j < cl->n_areas; j++)
        member[near[j].i] = 1;
    ctx_free(ctx, near);
    return TW_OK;
}

/* ---- multi-agency simulation (opts->agencies >= 1) ----------------------
 *
 * n incidents, each with a true area, a true day and clusters; referred by
 * one channel, or (with probability duplicates) by two or three, each with
 * its own delay, date and location habits (docs/cases.md, "Simulation").
 * One xoshiro256** stream (seed, stream 1) drives everything, in incident
 * order; identifier tokens are hashes of (seed, incident), so they never
 * collide by accident and never look like a person's.
 */

/* Monthly seasonality of incident days (a made-up, documented pattern, not
   an estimate): more in the April-May school break and in December. */
static const double sim_month_w[12] = {1.0, 0.9, 1.0, 1.2, 1.2, 1.0,
                                       0.9, 0.9, 0.9, 1.0, 1.0, 1.2};
/* Channel shares when several are possible, mean reporting delay (days). */
static const double sim_share[SIM_N_SOURCES] = {0.70, 0.10, 0.07, 0.05, 0.05, 0.03};
static const double sim_delay_mean[SIM_N_SOURCES] = {5, 30, 45, 20, 3, 60};

static uint64_t sim_hash(uint64_t seed, uint64_t inc, uint64_t kind)
{
    uint64_t x = seed ^ (inc * 0x9E3779B97F4A7C15ull) ^ (kind << 56);
    rng_splitmix64(&x);
    return rng_splitmix64(&x);
}

/* ---- identifier noise (opts->id_noise > 0; docs/cases.md, "Identifier
 * noise") ----------------------------------------------------------------
 * Drawn from its own stream (seed, stream 2), so the records, the truth and
 * the addresses are those of the same run without noise; only the
 * identifier cells and the incident_date column differ. Every rate below is
 * multiplied by id_noise (capped at 1). */

enum { SIM_ACCT, SIM_PAY, SIM_DEV, SIM_IP, SIM_NKINDS };
/* Probability that a referral of each channel carries each kind (account,
   payment, device, ip): platforms report the account and the IP; police
   and NBI seize devices; DSWD and IJM trace remittances; hotline callers
   rarely know any identifier. */
static const double sim_carry[SIM_N_SOURCES][SIM_NKINDS] = {
    {0.98, 0.05, 0.20, 0.90}, /* CyberTipline */
    {0.90, 0.30, 0.60, 0.10}, /* PNP-WCPC */
    {0.90, 0.30, 0.60, 0.10}, /* NBI */
    {0.75, 0.50, 0.10, 0.00}, /* DSWD */
    {0.15, 0.05, 0.00, 0.00}, /* hotline */
    {0.85, 0.70, 0.40, 0.05}, /* IJM */
};
#define SIM_P_NETWORK 0.15  /* incident belongs to a facilitator network */
#define SIM_P_NET_TOKEN 0.8 /* a network incident's payment/device is the network's */
#define SIM_NET_DAYS 182    /* a network works one municipality for half a year */
#define SIM_NET_PER_MUN 3   /* networks per municipality and half-year */
#define SIM_P_CGNAT 0.30    /* a CyberTipline IP is a carrier-grade NAT address */
#define SIM_P_VARIANT 0.10  /* an identifier written another way (normalised) */
#define SIM_P_TYPO 0.02     /* an identifier with one wrong digit (not normalised) */
#define SIM_P_INCIDENT_DATE 0.7 /* case files (not CyberTipline, hotline) give it */
/* Referral references (column referred_from, from stream 3 so every other
   cell is that of the run without them): a second or third referral of an
   incident was forwarded by an earlier channel (DOJ-OOC endorsing a
   CyberTipline report to PNP-WCPC or NBI, DSWD referring a hotline call to
   the police, IJM supporting a police operation) with probability
   SIM_P_FORWARD, else it is a detection of its own; the receiving channel
   writes the forwarding channel's SOURCE:CASE_ID with its habit below
   (the miss rate scaled by id_noise). CyberTipline receives no referrals
   from Philippine agencies: its reports are the platforms' own. */
#define SIM_P_FORWARD 0.8
static const double sim_ref_keep[SIM_N_SOURCES] = {0.0, 0.90, 0.90, 0.85, 0.50, 0.95};

static double sim_rate(double base, double scale)
{
    double p = base * scale;
    return p < 1 ? p : 1;
}

/* One identifier token of kind k for value h, possibly written another way
   (variant) or with one wrong hex digit (typo), into out. */
static void sim_token(rng *rn, double scale, int k, uint64_t h, int cgnat, char *out, size_t cap)
{
    uint64_t v = h >> 16; /* 48 bits */
    int variant = rng_uniform(rn) < sim_rate(SIM_P_VARIANT, scale);
    if (rng_uniform(rn) < sim_rate(SIM_P_TYPO, scale))
        v ^= (uint64_t)(1 + rng_below(rn, 15)) << (4 * rng_below(rn, 12));
    unsigned long long u = (unsigned long long)v;
    switch (k) {
    case SIM_ACCT:
        snprintf(out, cap, variant ? " SIM-ACCT-%012llX " : "sim-acct-%012llx", u);
        break;
    case SIM_PAY:
        if (variant)
            snprintf(out, cap, "simpay %04llx.%04llx.%04llx", u >> 32, u >> 16 & 0xFFFF,
                     u & 0xFFFF);
        else
            snprintf(out, cap, "SIMPAY-%012llx", u);
        break;
    case SIM_DEV:
        if (variant)
            snprintf(out, cap, "SIMDEV:%04llX:%04llX:%04llX", u >> 32, u >> 16 & 0xFFFF,
                     u & 0xFFFF);
        else
            snprintf(out, cap, "SIMDEV-%012llx", u);
        break;
    default:
        if (cgnat) /* RFC 6598 shared address space, 100.64.0.0/10 */
            snprintf(out, cap, "100.%u.%u.%u", 64u + (unsigned)(u >> 16 & 63),
                     (unsigned)(u >> 8 & 255), (unsigned)(u & 255));
        else if (variant)
            snprintf(out, cap, "2001:0DB8:%04X:%04X:0000:0000:0000:%04X", (unsigned)(u >> 32),
                     (unsigned)(u >> 16 & 0xFFFF), (unsigned)(u & 0xFFFF) | 1u);
        else
            snprintf(out, cap, "2001:db8:%x:%x::%x", (unsigned)(u >> 32),
                     (unsigned)(u >> 16 & 0xFFFF), (unsigned)(u & 0xFFFF) | 1u);
        break;
    }
}

/* Names of the area's barangay, municipality, province (any may be ""). */
typedef struct sim_names {
    char bgy[256], mun[256], prov[256];
    const char *old_bgy, *old_mun; /* PSA's old names ("" when none) */
} sim_names;

static void sim_area_names(const tw_areas *a, size_t ai, const tw_gazetteer *g,
                           sim_names *nm)
{
    nm->bgy[0] = nm->mun[0] = nm->prov[0] = '\0';
    nm->old_bgy = nm->old_mun = "";
    long node = g ? gz_find(g, tw_areas_id(a, ai)) : -1;
    if (node < 0) {
        const char *name = tw_areas_name(a, ai);
        gz_perturb_copy_trim(nm->bgy, sizeof nm->bgy, name ? name : "");
        return;
    }
    for (int32_t k = (int32_t)node; k >= 0; k = g->nodes[k].parent) {
        const gz_node *nd = &g->nodes[k];
        const char *name = g->strs + nd->name;
        if (nd->level == TW_LEVEL_BARANGAY && !nm->bgy[0]) {
            gz_perturb_copy_trim(nm->bgy, sizeof nm->bgy, name);
            nm->old_bgy = g->strs + nd->old;
        } else if (nd->level == TW_LEVEL_MUNICIPALITY && !nm->mun[0]) {
            gz_perturb_copy_trim(nm->mun, sizeof nm->mun, name);
            nm->old_mun = g->strs + nd->old;
        } else if ((nd->kind == GZ_PROV || nd->kind == GZ_DIST) && !nm->prov[0]) {
            gz_perturb_copy_trim(nm->prov, sizeof nm->prov,
                     nd->kind == GZ_DIST ? "Metro Manila" : name);
        }
    }
}

/* A written address for the names: 30 % as PSA writes them, else one to
   three of: Brgy./Bgy. prefix and Sto./Sta./Pob./"X City" abbreviations, a
   typo, the province left out, the parts in reverse order, an old name
   (the edits of geocode/perturb.h, shared with the evaluation set). */
static void sim_messy(rng *r, const sim_names *nm0, char *out, size_t cap)
{
    sim_names nm = *nm0;
    int swap = 0;
    if (rng_uniform(r) >= 0.3) {
        int want = 1 + (int)rng_below(r, 3);
        for (int t = 0; t < 10 && want > 0; t++) {
            int ok = 1;
            switch (rng_below(r, 5)) {
            case 0:
                gz_perturb_abbrev(nm.bgy, nm.mun, sizeof nm.bgy, 0, 200);
                if (nm.bgy[0])
                    gz_perturb_prefix(r, nm.bgy, sizeof nm.bgy, 200);
                break;
            case 1: ok = nm.bgy[0] && gz_perturb_typo(r, nm.bgy, sizeof nm.bgy, 0); break;
            case 2: ok = nm.prov[0] != '\0'; nm.prov[0] = '\0'; break;
            case 3: ok = !swap; swap = 1; break;
            default:
                if (*nm.old_bgy)
                    gz_perturb_first_alt(nm.bgy, sizeof nm.bgy, nm.old_bgy);
                else if (*nm.old_mun)
                    gz_perturb_first_alt(nm.mun, sizeof nm.mun, nm.old_mun);
                else
                    ok = 0;
                break;
            }
            want -= ok;
        }
    }
    const char *parts[3] = {nm.bgy, nm.mun, nm.prov};
    if (swap) {
        parts[0] = nm.prov;
        parts[2] = nm.bgy;
    }
    gz_perturb_join(out, cap, parts, ", ");
}

static int32_t sim_seasonal_day(rng *r, int32_t from_day, uint32_t span)
{
    for (;;) {
        int32_t day = from_day + (int32_t)rng_below(r, span);
        char d[11];
        tw_date_format(day, d);
        int month = (d[5] - '0') * 10 + (d[6] - '0');
        if (rng_uniform(r) * 1.2 < sim_month_w[month - 1])
            return day;
    }
}

static tw_status sim_multi(tw_ctx *ctx, const tw_areas *a, const tw_sim_opts *opts,
                           const char *path, const unsigned char *psgc_ok)
{
    size_t na = tw_areas_count(a), nc = opts->n_clusters;
    tw_status s = TW_OK;
    double *cum = NULL;          /* (nc + 1) x na: prefix sums per epoch */
    unsigned char *member = NULL; /* nc x na */
    size_t *order = NULL;        /* clusters by onset */
    FILE *f = NULL, *ft = NULL, *fa = NULL;
    cum = ctx_mallocarray(ctx, (nc + 1) * na, sizeof *cum);
    member = ctx_calloc(ctx, nc * na + 1, 1);
    order = ctx_mallocarray(ctx, nc + 1, sizeof *order);
    if (!cum || !member || !order) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    for (size_t k = 0; k < nc; k++) {
        const tw_sim_cluster *cl = &opts->clusters[k];
        if ((s = tw_sim_cluster_members(ctx, a, cl, member + k * na))) /* checked by the caller */
            goto fail;
        /* insertion sort by onset, stable */
        int32_t on = opts->cluster_onset_days ? opts->cluster_onset_days[k] : 0;
        size_t p = k;
        while (p > 0 && (opts->cluster_onset_days ? opts->cluster_onset_days[order[p - 1]] : 0) > on) {
            order[p] = order[p - 1];
            p--;
        }
        order[p] = k;
    }
    /* Epoch e: the e clusters with the earliest onsets are active. */
    for (size_t e = 0; e <= nc; e++) {
        double total = 0;
        for (size_t i = 0; i < na; i++) {
            double rr = 1;
            for (size_t j = 0; j < e; j++)
                if (member[order[j] * na + i])
                    rr *= opts->clusters[order[j]].rr;
            total += tw_areas_population(a, i) * rr;
            cum[e * na + i] = total;
        }
    }
    f = fopen(path, "wb");
    if (!f) {
        s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open for writing: %s",
                         strerror(errno));
        goto fail;
    }
    if (opts->truth_path && !(ft = fopen(opts->truth_path, "wb"))) {
        s = ctx_error_at(ctx, TW_E_IO, opts->truth_path, 0, 0, NULL,
                         "cannot open for writing: %s", strerror(errno));
        goto fail;
    }
    if (opts->addresses_path && !(fa = fopen(opts->addresses_path, "wb"))) {
        s = ctx_error_at(ctx, TW_E_IO, opts->addresses_path, 0, 0, NULL,
                         "cannot open for writing: %s", strerror(errno));
        goto fail;
    }
    fputs("case_id,report_date,source,lon,lat,psgc,children,category,uncertainty_m", f);
    fputs(opts->identifiers ? ",account_ids,payment_ids,device_ids,ip_addrs" : "", f);
    fputs(opts->id_noise > 0 ? ",incident_date,referred_from\n" : "\n", f);
    if (ft)
        fputs("case_id,incident_id,source,true_area,true_date,clusters\n", ft);
    if (fa)
        fputs("case_id,address\n", fa);
    rng r, rn;
    rng_init(&r, opts->seed, 1);
    rng r3;
    rng_init(&rn, opts->seed, 2); /* identifier noise only */
    rng_init(&r3, opts->seed, 3); /* referral references only */
    rng r4;
    rng_init(&r4, opts->seed, 4); /* written addresses only: the records and the
                                     truth do not depend on asking for them */
    const double noise = opts->id_noise;
    /* carrier-grade NAT pool: one address per 500 incidents, at least 16 */
    const uint64_t n_cgnat = opts->n / 500 > 16 ? opts->n / 500 : 16;
    uint32_t span = (uint32_t)(opts->to_day - opts->from_day) + 1;
    int nag = opts->agencies;
    uint64_t rec = 0;
    for (size_t inc = 0; inc < opts->n; inc++) {
        if ((inc & 0xFFFF) == 0xFFFF &&
            (s = ctx_progress(ctx, "simulate", (double)inc, (double)opts->n)))
            goto fail;
        int32_t day = sim_seasonal_day(&r, opts->from_day, span);
        size_t e = 0;
        while (e < nc && (opts->cluster_onset_days ? opts->cluster_onset_days[order[e]] : 0) <= day)
            e++;
        const double *c = cum + e * na;
        double u = rng_uniform(&r) * c[na - 1];
        size_t lo = 0, hi = na - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        size_t ai = lo;
        int nref = rng_uniform(&r) < opts->duplicates ? 2 + (int)rng_below(&r, 2) : 1;
        int srcs[3], used = 0;
        for (int k = 0; k < nref; k++) {
            double tot = 0;
            for (int j = 0; j < nag; j++)
                tot += (used >> j & 1) && used != (1 << nag) - 1 ? 0 : sim_share[j];
            double v = rng_uniform(&r) * tot;
            int pick_j = nag - 1;
            for (int j = 0; j < nag; j++) {
                double w = (used >> j & 1) && used != (1 << nag) - 1 ? 0 : sim_share[j];
                if (w > 0 && v < w) {
                    pick_j = j;
                    break;
                }
                v -= w;
            }
            srcs[k] = pick_j;
            used |= 1 << pick_j;
        }
        int cat = pick(&r, srcs[0] == 0 ? cat_cum_cybertip : cat_cum_other, CASES_N_CATEGORIES);
        int children = pick(&r, children_cum, 3) + 1;
        uint64_t h_acct = sim_hash(opts->seed, inc, 1), h_pay = sim_hash(opts->seed, inc, 2),
                 h_dev = sim_hash(opts->seed, inc, 3), h_ip = sim_hash(opts->seed, inc, 4);
        /* noise: a facilitator network of the municipality and half-year
           lends its payment account and device; CyberTipline may see a
           carrier-grade NAT address shared by unrelated incidents */
        uint64_t h_net_pay = 0, h_net_dev = 0, h_cgnat = 0;
        int use_net = 0;
        if (noise > 0) {
            if (rng_uniform(&rn) < sim_rate(SIM_P_NETWORK, noise)) {
                char mun[TW_PSGC_LEN + 1] = "";
                uint64_t key = ai;
                if (psgc_ok[ai] &&
                    tw_psgc_ancestor(tw_areas_id(a, ai), TW_LEVEL_MUNICIPALITY, mun) == TW_OK)
                    key = strtoull(mun, NULL, 10);
                key = key * 1000003u + (uint64_t)(day - opts->from_day) / SIM_NET_DAYS;
                key = key * SIM_NET_PER_MUN + rng_below(&rn, SIM_NET_PER_MUN);
                h_net_pay = sim_hash(opts->seed ^ 0x4E4554ull, key, 2);
                h_net_dev = sim_hash(opts->seed ^ 0x4E4554ull, key, 3);
                use_net = rng_uniform(&rn) < SIM_P_NET_TOKEN;
            }
            if (rng_uniform(&rn) < sim_rate(SIM_P_CGNAT, noise))
                h_cgnat = sim_hash(opts->seed ^ 0x43474Eull, rng_below(&rn, n_cgnat), 4) | 1;
        }
        uint64_t ref_rec[3];
        int32_t ref_day[3];
        for (int k = 0; k < nref; k++) {
            int src = srcs[k];
            double dl = -sim_delay_mean[src] * log(1 - rng_uniform(&r));
            int32_t rday = day + (int32_t)(dl < 365 ? dl : 365);
            ref_rec[k] = rec + 1;
            ref_day[k] = rday;
            /* location habit */
            int use_point = 0, city_only = 0;
            int64_t lon_u = 0, lat_u = 0;
            long unc_m = -1;
            double v = rng_uniform(&r);
            const area_geom *g = a->geom[ai];
            if (src == 0 && !opts->location_mix) { /* codes only: IP known to the city */
                city_only = 1;
            } else if (src == 0) { /* IP geolocation around a point of the area */
                double lon, lat;
                int64_t px = 0, py = 0;
                if (g && sample_point(&r, g, &px, &py)) {
                    lon = (double)px / 1e6;
                    lat = (double)py / 1e6;
                } else if (!tw_areas_lonlat(a, ai, &lon, &lat)) {
                    lon = NAN;
                    lat = NAN;
                }
                if (isfinite(lon)) {
                    int mobile = v < 0.3;
                    double radius = mobile ? 100000 + 200000 * rng_uniform(&r)
                                           : 3000 + 13000 * rng_uniform(&r);
                    double d = radius * sqrt(rng_uniform(&r)), th = 2 * SIM_PI * rng_uniform(&r);
                    double nlat = lat + d * cos(th) / 111320.0;
                    double nlon = lon + d * sin(th) / (111320.0 * cos(lat * SIM_PI / 180));
                    if (nlat > 89.999999) nlat = 89.999999;
                    if (nlat < -89.999999) nlat = -89.999999;
                    if (nlon > 180) nlon -= 360;
                    if (nlon < -180) nlon += 360;
                    lon_u = (int64_t)llround(nlon * 1e6);
                    lat_u = (int64_t)llround(nlat * 1e6);
                    unc_m = (long)llround(radius);
                    use_point = 1;
                }
            } else {
                double p_point = src == 5 ? 0.6 : src == 4 ? 0.0 : 0.15;
                double p_city = src == 4 ? 0.5 : src == 5 ? 0.0 : 0.10;
                if (opts->location_mix && (!psgc_ok[ai] || (v < p_point && g)))
                    use_point = g && sample_point(&r, g, &lon_u, &lat_u);
                else if (v >= 1 - p_city)
                    city_only = 1;
            }
            if (!use_point && !psgc_ok[ai]) {
                s = ctx_error(ctx, TW_E_GEOMETRY, "no location found for a record in %.64s",
                              tw_areas_id(a, ai));
                goto fail;
            }
            char code[TW_PSGC_LEN + 1] = "";
            if (!use_point) {
                memcpy(code, tw_areas_id(a, ai), TW_PSGC_LEN + 1);
                tw_level lv = tw_psgc_level(code);
                if (city_only && lv > TW_LEVEL_MUNICIPALITY) {
                    char up[TW_PSGC_LEN + 1];
                    if (tw_psgc_ancestor(code, TW_LEVEL_MUNICIPALITY, up) == TW_OK)
                        memcpy(code, up, sizeof code);
                }
            }
            rec++;
            char id[32], ds[11], num[32];
            memcpy(id, "SIM-", 4);
            id[4 + fmt_uint(id + 4, rec, 8)] = '\0';
            tw_date_format(rday, ds);
            fprintf(f, "%s,%.10s,%s,", id, ds, sim_sources[src]);
            if (use_point) {
                num[fmt_micro(num, lon_u)] = '\0';
                fprintf(f, "%s,", num);
                num[fmt_micro(num, lat_u)] = '\0';
                fprintf(f, "%s,,", num);
            } else {
                fprintf(f, ",,%s,", code);
            }
            fprintf(f, "%d,%s,", children, cases_category_names[cat]);
            if (unc_m >= 0)
                fprintf(f, "%ld", unc_m);
            if (opts->identifiers && noise > 0) {
                /* each kind with the channel's carriage rate; the network's
                   tokens instead of the incident's own most of the time */
                uint64_t hv[SIM_NKINDS] = {h_acct, h_pay, h_dev, h_ip};
                if (use_net) {
                    hv[SIM_PAY] = h_net_pay;
                    hv[SIM_DEV] = h_net_dev;
                }
                if (h_cgnat)
                    hv[SIM_IP] = h_cgnat;
                for (int kd = 0; kd < SIM_NKINDS; kd++) {
                    fputc(',', f);
                    if (rng_uniform(&rn) < sim_rate(1 - sim_carry[src][kd], noise))
                        continue; /* not carried */
                    char tok[64];
                    sim_token(&rn, noise, kd, hv[kd], kd == SIM_IP && h_cgnat, tok, sizeof tok);
                    fputs(tok, f);
                }
            } else if (opts->identifiers) {
                /* every referral carries the incident's account; channels add
                   what they see: IPs (CyberTipline), devices (police, NBI),
                   payment channels (DSWD, IJM) */
                fprintf(f, ",sim-acct-%012llx", (unsigned long long)(h_acct >> 16));
                fputc(',', f);
                if (src == 3 || src == 5)
                    fprintf(f, "SIMPAY-%012llx", (unsigned long long)(h_pay >> 16));
                fputc(',', f);
                if (src == 1 || src == 2)
                    fprintf(f, "SIMDEV-%012llx", (unsigned long long)(h_dev >> 16));
                fputc(',', f);
                if (src == 0)
                    fprintf(f, "2001:db8:%x:%x::%x", (unsigned)(h_ip >> 48),
                            (unsigned)(h_ip >> 32 & 0xFFFF), (unsigned)(h_ip & 0xFFFF) | 1u);
            }
            if (noise > 0) { /* case files know when the abuse happened */
                fputc(',', f);
                if (src != 0 && src != 4 && rng_uniform(&rn) < SIM_P_INCIDENT_DATE) {
                    tw_date_format(day, ds);
                    fprintf(f, "%.10s", ds);
                }
                /* forwarded by an earlier referral reported by then */
                fputc(',', f);
                int cand[3], nca = 0;
                for (int j = 0; j < k; j++)
                    if (ref_day[j] <= rday)
                        cand[nca++] = j;
                if (src != 0 && nca && rng_uniform(&r3) < SIM_P_FORWARD) {
                    int j = cand[rng_below(&r3, (uint64_t)nca)];
                    if (rng_uniform(&r3) >= sim_rate(1 - sim_ref_keep[src], noise)) {
                        uint64_t up = ref_rec[j];
                        if (rng_uniform(&r3) < sim_rate(SIM_P_TYPO, noise)) /* one digit */
                            up = up % 10 == 9 ? up - 1 : up + 1;
                        num[fmt_uint(num, up, 8)] = '\0';
                        fprintf(f, "%s:SIM-%s", sim_sources[srcs[j]], num);
                    }
                }
            }
            fputc('\n', f);
            if (ft) {
                tw_date_format(day, ds);
                fprintf(ft, "%s,INC-", id);
                num[fmt_uint(num, (uint64_t)inc + 1, 8)] = '\0';
                fprintf(ft, "%s,%s,", num, sim_sources[src]);
                csv_write_field(ft, tw_areas_id(a, ai));
                fprintf(ft, ",%.10s,", ds);
                int first = 1;
                for (size_t k2 = 0; k2 < nc; k2++) {
                    int32_t on = opts->cluster_onset_days ? opts->cluster_onset_days[k2] : 0;
                    if (member[k2 * na + ai] && on <= day) {
                        fprintf(ft, "%s%zu", first ? "" : ";", k2 + 1);
                        first = 0;
                    }
                }
                fputc('\n', ft);
            }
            if (fa && src != 0) { /* CyberTipline referrals carry no written address */
                sim_names nm;
                char addr[800];
                sim_area_names(a, ai, opts->gazetteer, &nm);
                sim_messy(&r4, &nm, addr, sizeof addr);
                fprintf(fa, "%s,", id);
                csv_write_field(fa, addr);
                fputc('\n', fa);
            }
        }
    }
    {
        int bad = ferror(f) | (fclose(f) != 0);
        f = NULL;
        if (bad) {
            s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "error while writing");
            goto fail;
        }
        if (ft) {
            bad = ferror(ft) | (fclose(ft) != 0);
            ft = NULL;
            if (bad) {
                s = ctx_error_at(ctx, TW_E_IO, opts->truth_path, 0, 0, NULL,
                                 "error while writing");
                goto fail;
            }
        }
        if (fa) {
            bad = ferror(fa) | (fclose(fa) != 0);
            fa = NULL;
            if (bad) {
                s = ctx_error_at(ctx, TW_E_IO, opts->addresses_path, 0, 0, NULL,
                                 "error while writing");
                goto fail;
            }
        }
    }
fail:
    if (f)
        fclose(f);
    if (ft)
        fclose(ft);
    if (fa)
        fclose(fa);
    ctx_free(ctx, cum);
    ctx_free(ctx, member);
    ctx_free(ctx, order);
    return s;
}


tw_status tw_simulate_write(tw_ctx *ctx, const tw_areas *a, const tw_sim_opts *opts,
                            const char *path)
{
    if (!ctx)
        return TW_E_ARG;
    if (!a || !opts || !path)
        return ctx_error(ctx, TW_E_ARG, "tw_simulate_write: NULL argument");
    size_t na = tw_areas_count(a);
    if (na == 0)
        return ctx_error(ctx, TW_E_EMPTY, "no areas to simulate over");
    if (opts->n == 0)
        return ctx_error(ctx, TW_E_ARG, "number of records must be > 0");
    if (opts->from_day < 7305 || opts->from_day > opts->to_day)
        return ctx_error(ctx, TW_E_ARG,
                         "date range must start on or after 1990-01-01 and not end before "
                         "it starts");
    if (opts->n_clusters && !opts->clusters)
        return ctx_error(ctx, TW_E_ARG, "n_clusters > 0 but clusters is NULL");
    if (opts->agencies < 0 || opts->agencies > SIM_N_SOURCES)
        return ctx_error(ctx, TW_E_ARG, "agencies must be in 0..%d", SIM_N_SOURCES);
    if (!(opts->id_noise >= 0 && opts->id_noise <= 10))
        return ctx_error(ctx, TW_E_ARG, "id_noise must be a scale in [0, 10]");
    if (opts->id_noise > 0 && !opts->identifiers)
        return ctx_error(ctx, TW_E_ARG, "id_noise needs identifiers");
    if (!(opts->duplicates >= 0 && opts->duplicates <= 1))
        return ctx_error(ctx, TW_E_ARG, "duplicates must be a share in [0, 1]");
    if (!opts->agencies && (opts->duplicates > 0 || opts->cluster_onset_days ||
                            opts->identifiers || opts->addresses_path || opts->truth_path ||
                            opts->gazetteer))
        return ctx_error(ctx, TW_E_ARG,
                         "duplicates, onsets, identifiers, addresses and the truth file "
                         "need the multi-agency simulation (agencies >= 1)");

    tw_status s = TW_OK;
    double *cum = NULL;
    unsigned char *psgc_ok = NULL;
    unsigned char *member = NULL; /* one cluster's areas */
    FILE *f = NULL;
    cum = ctx_mallocarray(ctx, na, sizeof *cum);
    psgc_ok = ctx_calloc(ctx, na, 1);
    member = ctx_calloc(ctx, na, 1);
    if (!cum || !psgc_ok || !member) {
        s = ctx_nomem(ctx);
        goto fail;
    }
    /* Relative risk per area, kept in cum until the prefix sums. */
    for (size_t i = 0; i < na; i++) {
        double p = tw_areas_population(a, i);
        if (isnan(p) || p < 0 || !isfinite(p)) {
            s = ctx_error(ctx, TW_E_ARG, "area %s has no usable population",
                          tw_areas_id(a, i));
            goto fail;
        }
        cum[i] = 1;
    }
    for (size_t k = 0; k < opts->n_clusters; k++) {
        const tw_sim_cluster *cl = &opts->clusters[k];
        if ((s = tw_sim_cluster_members(ctx, a, cl, member)))
            goto fail;
        for (size_t i = 0; i < na; i++)
            if (member[i])
                cum[i] *= cl->rr;
    }
    double total = 0;
    for (size_t i = 0; i < na; i++) {
        total += tw_areas_population(a, i) * cum[i];
        cum[i] = total;
    }
    if (!(total > 0)) {
        s = ctx_error(ctx, TW_E_EMPTY, "total population of the areas is 0");
        goto fail;
    }
    /* What each area can carry as location. */
    for (size_t i = 0; i < na; i++) {
        const char *id = tw_areas_id(a, i);
        char norm[TW_PSGC_LEN + 1];
        psgc_ok[i] = tw_psgc_normalise(id, strlen(id), norm) == TW_OK && strcmp(norm, id) == 0;
        double w = tw_areas_population(a, i);
        if (w <= 0)
            continue;
        if (!opts->location_mix && !psgc_ok[i]) {
            s = ctx_error(ctx, TW_E_ARG,
                          "area %.64s has no 10-digit psgc id: codes-only simulation "
                          "(location_mix 0) needs psgc ids",
                          id);
            goto fail;
        }
        if (opts->location_mix && !psgc_ok[i] && !a->geom[i]) {
            s = ctx_error(ctx, TW_E_ARG,
                          "area %.64s has neither a psgc id nor a polygon to place records",
                          id);
            goto fail;
        }
    }

    if (opts->agencies) {
        s = sim_multi(ctx, a, opts, path, psgc_ok);
        if (s)
            goto fail;
        ctx_free(ctx, cum);
        ctx_free(ctx, psgc_ok);
        ctx_free(ctx, member);
        return TW_OK;
    }
    f = fopen(path, "wb");
    if (!f) {
        s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open for writing: %s",
                         strerror(errno));
        goto fail;
    }
    fputs("case_id,report_date,source,lon,lat,psgc,children,category\n", f);
    rng r;
    rng_init(&r, opts->seed, 0);
    uint32_t span = (uint32_t)(opts->to_day - opts->from_day) + 1;
    char line[256];
    for (size_t k = 0; k < opts->n; k++) {
        if ((k & 0xFFFF) == 0xFFFF &&
            (s = ctx_progress(ctx, "simulate", (double)k, (double)opts->n)))
            goto fail;
        double u = rng_uniform(&r) * total;
        size_t lo = 0, hi = na - 1; /* first i with cum[i] > u */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cum[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        size_t ai = lo;
        int src = pick(&r, sim_source_cum, 6);
        int32_t day;
        for (;;) {
            day = opts->from_day + (int32_t)rng_below(&r, span);
            int wd = (int)(((int64_t)day + 3) % 7); /* 0 = Monday; 1970-01-01 was a Thursday */
            if (src == 0 || wd < 5 || rng_uniform(&r) < 0.6)
                break;
        }
        int cat = pick(&r, src == 0 ? cat_cum_cybertip : cat_cum_other, CASES_N_CATEGORIES);
        int children = pick(&r, children_cum, 3) + 1;
        int use_point = 0;
        int64_t lon_u = 0, lat_u = 0;
        if (opts->location_mix && a->geom[ai]) {
            int want = !psgc_ok[ai] || rng_uniform(&r) < (src == 0 ? 0.25 : 0.75);
            if (want) {
                use_point = sample_point(&r, a->geom[ai], &lon_u, &lat_u);
                if (!use_point && !psgc_ok[ai]) {
                    s = ctx_error(ctx, TW_E_GEOMETRY,
                                  "no point found inside the polygon of %.64s after %d tries",
                                  tw_areas_id(a, ai), MAX_TRIES);
                    goto fail;
                }
            }
        }
        size_t n = 0;
        memcpy(line + n, "SIM-", 4);
        n += 4;
        n += fmt_uint(line + n, (uint64_t)k + 1, 8);
        line[n++] = ',';
        tw_date_format(day, line + n);
        n += 10;
        line[n++] = ',';
        size_t sl = strlen(sim_sources[src]);
        memcpy(line + n, sim_sources[src], sl);
        n += sl;
        line[n++] = ',';
        if (use_point) {
            n += fmt_micro(line + n, lon_u);
            line[n++] = ',';
            n += fmt_micro(line + n, lat_u);
            line[n++] = ','; /* psgc left empty */
        } else {
            line[n++] = ',';
            line[n++] = ',';
            memcpy(line + n, tw_areas_id(a, ai), TW_PSGC_LEN);
            n += TW_PSGC_LEN;
        }
        line[n++] = ',';
        line[n++] = (char)('0' + children);
        line[n++] = ',';
        sl = strlen(cases_category_names[cat]);
        memcpy(line + n, cases_category_names[cat], sl);
        n += sl;
        line[n++] = '\n';
        if (fwrite(line, 1, n, f) != n)
            break; /* reported below through ferror */
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    f = NULL;
    if (bad) {
        s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "error while writing");
        goto fail;
    }
    ctx_free(ctx, cum);
    ctx_free(ctx, psgc_ok);
    ctx_free(ctx, member);
    return TW_OK;

fail:
    if (f)
        fclose(f);
    ctx_free(ctx, cum);
    ctx_free(ctx, psgc_ok);
    ctx_free(ctx, member);
    return s;
}
