/* harness.c: implementation of the unit-test harness (see harness.h). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int harness_checks_failed;
int harness_tests_passed, harness_tests_failed;
static const char *current;

void harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: [%s] ", file, line, current ? current : "?");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    harness_checks_failed++;
}

void harness_run(const char *name, void (*fn)(void))
{
    current = name;
    harness_checks_failed = 0;
    fn();
    if (harness_checks_failed) {
        harness_tests_failed++;
        fprintf(stderr, "FAIL %s\n", name);
    } else {
        harness_tests_passed++;
        fprintf(stderr, "ok   %s\n", name);
    }
    current = NULL;
}

int harness_finish(void)
{
    fflush(stderr);
    printf("%d passed, %d failed\n", harness_tests_passed, harness_tests_failed);
    return harness_tests_failed ? 1 : 0;
}

const char *harness_data_dir(void)
{
    static char buf[4096];
    const char *env = getenv("TANAW_DATA");
    if (!env || !*env)
        env = getenv("TANAW_DATA_DEFAULT");
    if (!env || !*env)
        env = "../shared/data/ph";
    struct stat st;
    snprintf(buf, sizeof buf, "%s/municipalities.csv", env);
    if (stat(buf, &st) != 0)
        return NULL;
    snprintf(buf, sizeof buf, "%s", env);
    return buf;
}

const char *harness_data_path(const char *rel)
{
    static char buf[8][4096];
    static int k;
    const char *d = harness_data_dir();
    if (!d)
        return NULL;
    char *b = buf[k++ & 7];
    snprintf(b, 4096, "%s/%s", d, rel);
    return b;
}

const char *harness_tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/tanaw-test-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return dir;
}

const char *harness_tmp(const char *name)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ & 7];
    snprintf(b, 512, "%s/%s", harness_tmpdir(), name);
    return b;
}

const char *harness_write(const char *name, const char *text)
{
    const char *p = harness_tmp(name);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    return p;
}

char *harness_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *b = malloc(cap);
    while (b && (k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            char *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!b || bad) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

static void *falloc_malloc(void *ud, size_t n)
{
    harness_falloc *f = ud;
    if (f->left-- == 0)
        return NULL;
    void *p = malloc(n);
    f->live += p != NULL;
    return p;
}

static void *falloc_realloc(void *ud, void *p, size_t n)
{
    harness_falloc *f = ud;
    if (f->left-- == 0)
        return NULL;
    f->live += p == NULL;
    return realloc(p, n);
}

static void falloc_free(void *ud, void *p)
{
    harness_falloc *f = ud;
    f->live -= p != NULL;
    free(p);
}

tw_allocator harness_falloc_allocator(harness_falloc *f)
{
    tw_allocator a = {falloc_malloc, falloc_realloc, falloc_free, f};
    return a;
}
