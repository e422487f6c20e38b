/*
 * fuzz_main.c: replay driver for the fuzz targets. Built with a normal
 * compiler it runs LLVMFuzzerTestOneInput on every file of the corpus
 * folders given as arguments (so the corpora run in ctest, under the
 * sanitizers too), plus a fixed number of seeded random mutations of each
 * file. Built with clang -fsanitize=fuzzer, libFuzzer's own main is used
 * instead (define TW_FUZZ_LIBFUZZER).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef TW_FUZZ_LIBFUZZER
static uint64_t state = 0x853c49e6748fea9bULL;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static int run_file(const char *path, long *runs)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    uint8_t *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    if (!buf)
        return 1;
    LLVMFuzzerTestOneInput(buf, n);
    (*runs)++;
    /* Mutations: flip, delete, duplicate and truncate bytes. */
    uint8_t *m = malloc(2 * n + 16);
    for (int k = 0; m && k < 200; k++) {
        size_t len = n;
        memcpy(m, buf, n);
        int edits = 1 + (int)(next() % 4);
        for (int e = 0; e < edits && len; e++) {
            size_t at = (size_t)(next() % len);
            switch (next() % 4) {
            case 0: m[at] = (uint8_t)next(); break;
            case 1: memmove(m + at, m + at + 1, len - at - 1); len--; break;
            case 2: memmove(m + at + 1, m + at, len - at); len++; break;
            default: len = at; break;
            }
        }
        LLVMFuzzerTestOneInput(m, len);
        (*runs)++;
    }
    free(m);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    long runs = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            if (run_file(argv[i], &runs) == 0)
                files++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            if (run_file(p, &runs) == 0)
                files++;
        }
        closedir(d);
    }
    /* A replay that ran nothing is a broken test, not a pass. */
    printf("%ld passed, %d failed\n", runs, files == 0 ? 1 : 0);
    return files == 0;
}
#endif
