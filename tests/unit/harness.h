/*
 * harness.h: the tiny unit-test harness (after uber/h3's test.h). A test
 * binary defines test functions, lists them in main with RUN(), and ends
 * with return harness_finish(); which prints "N passed, N failed" as its
 * last line (read by CI) and returns non-zero when anything failed.
 */
#ifndef TW_HARNESS_H
#define TW_HARNESS_H

#include "tanaw/tanaw.h"

#include <math.h>
#include <stdio.h>

extern int harness_checks_failed;   /* failed checks in the current test */
extern int harness_tests_passed, harness_tests_failed;

void harness_fail(const char *file, int line, const char *fmt, ...);
void harness_run(const char *name, void (*fn)(void));
int harness_finish(void);
/* Folder of the real geography (TANAW_DATA, else ../shared/data/ph), or NULL. */
const char *harness_data_dir(void);
/* Path of a file below the data folder in a static buffer, or NULL. */
const char *harness_data_path(const char *rel);
/* A fresh temporary directory for this binary (created once). */
const char *harness_tmpdir(void);
/* Path in the temporary directory (static rotating buffers, 8 deep). */
const char *harness_tmp(const char *name);
/* Write text to a file (whole); returns its path (harness_tmp). */
const char *harness_write(const char *name, const char *text);
/* A whole file, NUL-terminated, in malloc'd memory (the caller frees it);
   *len (when len is not NULL) its length. NULL when it cannot be read. */
char *harness_read(const char *path, size_t *len);

/*
 * Allocator for out-of-memory tests: after `left` successful allocations
 * the next one fails (left < 0: none fails); `live` counts the blocks not
 * yet freed, so a test can check that a failed call leaked nothing.
 */
typedef struct harness_falloc {
    long left;
    long live;
} harness_falloc;
tw_allocator harness_falloc_allocator(harness_falloc *f);

#define RUN(fn) harness_run(#fn, fn)

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond))                                                       \
            harness_fail(__FILE__, __LINE__, "check failed: %s", #cond);   \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                 \
    do {                                                                   \
        long long _a = (long long)(a), _b = (long long)(b);                \
        if (_a != _b)                                                      \
            harness_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
                         #a, _a, #b, _b);                                  \
    } while (0)

/* |a - b| <= tol * max(1, |b|): relative for large values, absolute near 0. */
#define CHECK_NEAR(a, b, tol)                                              \
    do {                                                                   \
        double _a = (a), _b = (b), _t = (tol);                             \
        double _s = fabs(_b) > 1 ? fabs(_b) : 1;                           \
        if (!(fabs(_a - _b) <= _t * _s) && !(isnan(_a) && isnan(_b)))      \
            harness_fail(__FILE__, __LINE__, "%s = %.17g, expected %.17g (tol %g)", \
                         #a, _a, _b, _t);                                  \
    } while (0)

#define CHECK_OK(ctx, expr)                                                \
    do {                                                                   \
        tw_status _s = (expr);                                             \
        if (_s != TW_OK)                                                   \
            harness_fail(__FILE__, __LINE__, "%s -> %s: %s", #expr,        \
                         tw_status_str(_s), tw_ctx_error(ctx)->message);   \
    } while (0)

#endif
