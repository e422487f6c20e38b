/*
 * cmd_key.c: `tanaw key new --out FILE`: a new random pseudonymisation key
 * (32 bytes as 64 hex digits) in a file created with mode 0600. An
 * existing file is never overwritten: every hash in a store depends on
 * its key, and a lost key means identifiers no longer link. Keep the key
 * outside the store and back it up separately (docs/store.md).
 */
#include "cli.h"

#include <string.h>

static const cli_optspec opts[] = {
    {"out", 1, 0, "FILE", "where the key goes (created 0600; never overwritten)"},
};

int cmd_key(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "new") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            printf("usage: tanaw key new --out FILE\n  (tanaw key new --help for the "
                   "options)\n\nexit codes: 0 success, 1 usage error, 2 the file exists or "
                   "cannot be written, 4 internal error\n");
            return EXIT_OK;
        }
        fprintf(stderr, "tanaw: key: expected 'new' (tanaw key new --out FILE)\n");
        return EXIT_USAGE;
    }
    cli_args a;
    int rc = cli_parse(&a, opts, sizeof opts / sizeof opts[0], argc - 1, argv + 1,
                       "tanaw key new --out FILE",
                       "Write a new pseudonymisation key for the case store (tanaw db ingest\n"
                       "--key FILE, or its 64 hex digits in TANAW_KEY).\n"
                       "Exit codes: 0 ok, 1 usage, 2 the file exists or cannot be written,\n"
                       "4 internal error.");
    if (rc >= 0)
        return rc;
    const char *out = cli_get(&a, "out");
    if (!out) {
        fprintf(stderr, "tanaw: key new: --out FILE is required\n");
        return EXIT_USAGE;
    }
    tw_ctx *ctx = tw_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    tw_status s = tw_key_new_file(ctx, out);
    if (s)
        cli_report(ctx, out);
    else
        printf("%s: new key written (mode 0600); keep it outside the store\n", out);
    tw_ctx_free(ctx);
    return s ? EXIT_INPUT : EXIT_OK;
}
