/*
 * sources.c: the distinct sources of a set of records (tanaw gistar/lisa
 * --by-source), in the order they first appear, and the source filter
 * (one name or a comma-separated list) that every analysis applies.
 */
#define _POSIX_C_SOURCE 200809L
#include "cases_internal.h"

#include <string.h>
#include <strings.h>

size_t tw_cases_sources(const tw_cases *c, const char **names, size_t cap)
{
    if (!c)
        return 0;
    size_t found = 0;
    int32_t seen[64];
    for (size_t i = 0; i < c->n; i++) {
        int32_t s = c->rec[i].source;
        if (s < 0 || (size_t)s >= c->strs.n || c->strs.s[s][0] == '\0')
            continue;
        size_t k = 0;
        while (k < found && k < 64 && seen[k] != s &&
               strcasecmp(c->strs.s[seen[k]], c->strs.s[s]) != 0)
            k++; /* aggregation compares sources without regard to case */
        if (k < found && k < 64)
            continue;
        if (found < 64)
            seen[found] = s;
        if (found < cap && names)
            names[found] = c->strs.s[s];
        found++;
        if (found >= 64)
            break; /* more than 64 distinct: the caller gets 64 */
    }
    return found;
}

int tw_source_in_filter(const char *filter, const char *source)
{
    return source && name_in_list(filter, source);
}
