/*
 * scan_testutil.c: the shared pieces of the brute-force reference scans
 * (test_scan.c, test_scan_spacetime.c) and the scan tests' random numbers.
 * Everything here is O(n) or O(n^2) and meant for a few hundred areas at
 * most (SCANREF_MAX); clarity over speed. See scan_testutil.h.
 */
#include "scan_testutil.h"

#include <math.h>

void scanref_point(int latlong, double x, double y, double p[3])
{
    if (latlong) {
        double lon = x * 3.14159265358979323846 / 180.0, lat = y * 3.14159265358979323846 / 180.0;
        p[0] = 6367.0 * cos(lon) * cos(lat);
        p[1] = 6367.0 * sin(lon) * cos(lat);
        p[2] = 6367.0 * sin(lat);
    } else {
        p[0] = x;
        p[1] = y;
        p[2] = 0;
    }
}

int scanref_same_point(double (*P)[3], int a, int b)
{
    return P[a][0] == P[b][0] && P[a][1] == P[b][1] && P[a][2] == P[b][2];
}

int scanref_repeated(double (*P)[3], int c)
{
    for (int i = 0; i < c; i++)
        if (scanref_same_point(P, i, c))
            return 1;
    return 0;
}

double scanref_xlogy(double a, double b) { return a > 0 ? a * log(a / b) : 0; }

int scanref_in_tail(tw_scan_tail tail, double c, double E, double minc)
{
    if (tail == TW_SCAN_HIGH && !(c > E))
        return 0;
    if (tail == TW_SCAN_LOW && !(c < E))
        return 0;
    if (c == E)
        return 0;
    if (c > E && c < minc)
        return 0;
    return 1;
}

/* LLR of Kulldorff (1997), written out again for the references. */
double scanref_llr_poisson(tw_scan_tail tail, double c, double E, double C, double minc)
{
    if (!scanref_in_tail(tail, c, E, minc))
        return 0;
    return scanref_xlogy(c, E) + scanref_xlogy(C - c, C - E);
}

void scanref_order(int n, double (*Q)[3], int c, int *ord, double *d)
{
    for (int i = 0; i < n; i++) {
        double dx = Q[c][0] - Q[i][0], dy = Q[c][1] - Q[i][1], dz = Q[c][2] - Q[i][2];
        d[i] = sqrt(dx * dx + dy * dy + dz * dz);
        ord[i] = i;
    }
    /* insertion sort: distance, then coordinates, then index */
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0; b--) {
            int u = ord[b - 1], v = ord[b];
            int swap = 0;
            if (d[u] != d[v])
                swap = d[u] > d[v];
            else if (Q[u][0] != Q[v][0])
                swap = Q[u][0] > Q[v][0];
            else if (Q[u][1] != Q[v][1])
                swap = Q[u][1] > Q[v][1];
            else if (Q[u][2] != Q[v][2])
                swap = Q[u][2] > Q[v][2];
            else
                swap = u > v;
            if (!swap)
                break;
            ord[b - 1] = v;
            ord[b] = u;
        }
}

int scanref_greedy(const scanref_cl *best, int nb, scanref_cl *out)
{
    int used[SCANREF_MAX] = {0}, taken[SCANREF_MAX] = {0}, nout = 0;
    for (;;) {
        int pick = -1;
        for (int q = 0; q < nb; q++) {
            if (taken[q])
                continue;
            if (pick < 0 || best[q].llr > best[pick].llr ||
                (best[q].llr == best[pick].llr && best[q].centre < best[pick].centre))
                pick = q;
        }
        if (pick < 0)
            break;
        taken[pick] = 1;
        int ov = 0;
        for (int e = 0; e < best[pick].k; e++)
            ov |= used[best[pick].members[e]];
        if (ov)
            continue;
        for (int e = 0; e < best[pick].k; e++)
            used[best[pick].members[e]] = 1;
        out[nout++] = best[pick];
    }
    return nout;
}

uint64_t scanref_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

double scanref_unif(uint64_t *state) { return (double)(scanref_next(state) >> 11) * 0x1.0p-53; }
