/*
 * cmd_db.c: `tanaw db init|ingest|status|export|verify|purge`: the case
 * store (docs/store.md) from the command line. The store is named by
 * --db: a SQLite file path, or a postgresql:// URL (shown in messages
 * with its password masked).
 *
 * Exit codes follow the store's own contract (issue 5), which differs from
 * the analyses' on 3: 0 success, 1 usage error (including a wrong or
 * missing key, or a store not yet initialised), 2 input rejected (nothing
 * stored), 3 store error (the database could not be read or written).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { DB_OK = 0, DB_USAGE = 1, DB_INPUT = 2, DB_STORE = 3 };

static const cli_optspec opts[] = {
    {"db", 1, 0, "PATH|URL",
     "the store: a SQLite file (created by init) or postgresql://user@host/db"},
    {"agency", 1, 0, "NAME", "ingest: agency that sent the file"},
    {"file", 1, 0, "FILE.csv", "ingest: the batch (docs/store.md for the columns)"},
    {"key", 1, 0, "FILE", "ingest: pseudonymisation key file (default: $TANAW_KEY)"},
    {"original", 1, 1, "FILE", "verify: check that FILE is the source of a batch (SHA-256)"},
    {"loaded-by", 1, 0, "NAME", "ingest: who loads it (default: $USER)"},
    {"rejects", 1, 0, "FILE", "ingest: where rejected rows go (default FILE.rejects.csv)"},
    {"max-date", 1, 0, "DATE", "ingest: latest accepted date (default: today in Manila)"},
    {"out", 1, 0, "FILE.csv", "export: where the pseudonymised records go"},
    {"before", 1, 0, "DATE", "purge: delete records reported before DATE"},
    {"dedup", 0, 0, NULL, "ingest: then link cross-agency duplicates (tanaw dedup with its defaults)"},
    {"apply", 0, 0, NULL, "roles: create the roles and grants in the store (PostgreSQL, as its "
                          "owner); without it the SQL is printed for the DBA"},
    {"quiet", 0, 0, NULL, "no notes on stderr"},
};

/* Exit code of a failed store call: who is at fault decides. */
static int db_exit(tw_ctx *ctx, tw_status s, const char *input)
{
    const tw_error *e = tw_ctx_error(ctx);
    switch (s) {
    case TW_OK: return DB_OK;
    case TW_E_ARG: return DB_USAGE;
    case TW_E_PARSE:
    case TW_E_DOMAIN:
    case TW_E_EMPTY:
    case TW_E_DUPLICATE: return DB_INPUT;
    case TW_E_IO:
        /* the input file (or its rejects file) vs the database */
        return input && strcmp(e->file, input) == 0 ? DB_INPUT : DB_STORE;
    default: return DB_STORE;
    }
}

static int fail(tw_ctx *ctx, tw_status s, const char *what, const char *input)
{
    cli_progress_done();
    cli_report(ctx, what);
    return db_exit(ctx, s, input);
}

static int load_key(const cli_args *a, tw_ctx *ctx, uint8_t key[TW_KEY_BYTES])
{
    const char *kf = cli_get(a, "key");
    const char *env = getenv("TANAW_KEY");
    tw_status s;
    if (kf)
        s = tw_key_read_file(ctx, kf, key);
    else if (env && *env)
        s = tw_key_parse(ctx, env, key);
    else {
        fprintf(stderr, "tanaw: db ingest: give the pseudonymisation key with --key FILE or "
                        "TANAW_KEY (make one with tanaw key new --out FILE)\n");
        return DB_USAGE;
    }
    if (s) {
        cli_report(ctx, kf ? kf : "TANAW_KEY");
        return s == TW_E_IO ? DB_USAGE : db_exit(ctx, s, NULL);
    }
    return DB_OK;
}

static int do_ingest(const cli_args *a, tw_ctx *ctx, tw_store *st)
{
    const char *file = cli_get(a, "file"), *agency = cli_get(a, "agency");
    if (!file || !agency) {
        fprintf(stderr, "tanaw: db ingest: --file FILE.csv and --agency NAME are required\n");
        return DB_USAGE;
    }
    uint8_t key[TW_KEY_BYTES];
    int rc = load_key(a, ctx, key);
    if (rc)
        return rc;
    tw_store_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.agency = agency;
    o.key = key;
    o.loaded_by = cli_get(a, "loaded-by");
    if (!o.loaded_by)
        o.loaded_by = getenv("USER");
    if (!o.loaded_by || !*o.loaded_by)
        o.loaded_by = "unknown";
    const char *md = cli_get(a, "max-date");
    if (md && tw_date_parse(md, strlen(md), &o.max_day)) {
        fprintf(stderr, "tanaw: --max-date: expected a date YYYY-MM-DD, got '%s'\n", md);
        return DB_USAGE;
    }
    char rej[4096];
    const char *r = cli_get(a, "rejects");
    size_t len = strlen(file);
    if (len > 4 && strcmp(file + len - 4, ".csv") == 0)
        len -= 4;
    if ((size_t)snprintf(rej, sizeof rej, "%.*s.rejects.csv", (int)len, file) >= sizeof rej) {
        fprintf(stderr, "tanaw: --file: path too long\n");
        return DB_USAGE;
    }
    o.rejects_path = r ? r : rej;
    tw_store_ingest_report rep;
    cli_progress_attach(ctx, cli_quiet());
    tw_status s = tw_store_ingest_csv(ctx, st, file, &o, &rep);
    cli_progress_done();
    memset(key, 0, sizeof key);
    cli_warnings(ctx, cli_quiet());
    if (s) {
        int code = fail(ctx, s, file, file);
        if (s == TW_E_PARSE && rep.rows_rejected)
            fprintf(stderr, "tanaw: rejected rows are listed in %s\n", o.rejects_path);
        return code;
    }
    if (rep.file_known)
        printf("%s: already loaded as batch %lld (sha256 %.16s...): nothing added\n", file,
               (long long)rep.batch_id, rep.sha256);
    else if (rep.added == 0)
        printf("%s: %zu rows, all already in the store: nothing added\n", file, rep.rows_read);
    else
        printf("%s: batch %lld: %zu rows, %zu added, %zu already in the store (sha256 %.16s...)\n",
               file, (long long)rep.batch_id, rep.rows_read, rep.added, rep.duplicates,
               rep.sha256);
    return DB_OK;
}

static int do_status(tw_ctx *ctx, tw_store *st, const char *db)
{
    tw_store_info info;
    tw_status s = tw_store_info_get(ctx, st, &info);
    if (s)
        return fail(ctx, s, db, NULL);
    char d0[11] = "-", d1[11] = "-";
    if (info.records) {
        tw_date_format(info.first_day, d0);
        tw_date_format(info.last_day, d1);
    }
    printf("store %s: schema version %d, %lld batches, %lld records (reported %s to %s), "
           "%lld identifier hashes\n",
           db, info.schema_version, (long long)info.batches, (long long)info.records, d0, d1,
           (long long)info.identifiers);
    tw_store_batch *b = NULL;
    size_t n = 0;
    if ((s = tw_store_batches(ctx, st, &b, &n)))
        return fail(ctx, s, db, NULL);
    if (n)
        printf("batch,agency,loaded_by,loaded_at,file,sha256,rows,added,duplicates,purged\n");
    for (size_t i = 0; i < n; i++)
        printf("%lld,%s,%s,%s,%s,%s,%lld,%lld,%lld,%lld\n", (long long)b[i].id, b[i].agency,
               b[i].loaded_by, b[i].loaded_at, b[i].file_name, b[i].sha256,
               (long long)b[i].rows_read, (long long)b[i].added, (long long)b[i].duplicates,
               (long long)b[i].purged);
    tw_store_batches_free(ctx, b);
    return DB_OK;
}

int cmd_db(int argc, char **argv)
{
    int routed = cli_db_dedup_route(argc, argv); /* incidents, ingest --dedup: cmd_dedup.c */
    if (routed >= 0)
        return routed;
    static const char *const subs[] = {"init",   "ingest", "status", "export",
                                       "verify", "purge",  "roles"};
    /* each subcommand's usage line (the options table is shared) */
    static const char *const usages[] = {
        "tanaw db init --db PATH|URL",
        "tanaw db ingest --db PATH|URL --agency NAME --file FILE.csv [--key FILE] "
        "[--loaded-by NAME] [--rejects FILE] [--max-date DATE] [--dedup]",
        "tanaw db status --db PATH|URL",
        "tanaw db export --db PATH|URL --out FILE.csv",
        "tanaw db verify --db PATH|URL [--original FILE ...]",
        "tanaw db purge --db PATH|URL --before DATE",
        "tanaw db roles [--db postgresql://... --apply]"};
    const char *sub = argc > 1 ? argv[1] : NULL;
    int known = 0;
    const char *usage = NULL;
    for (size_t i = 0; sub && i < sizeof subs / sizeof *subs; i++)
        if (strcmp(sub, subs[i]) == 0) {
            known = 1;
            usage = usages[i];
        }
    if (sub && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)) {
        printf("usage: tanaw db init|ingest|status|export|verify|purge|incidents|roles --db "
               "PATH|URL [options]\n"
               "  (tanaw db SUBCOMMAND --help for the options; docs/store.md)\n"
               "  db ingest ... --dedup links duplicates after the batch; db incidents writes\n"
               "  the incidents of the last dedup run (tanaw dedup; docs/dedup.md)\n");
        return DB_OK;
    }
    if (!known) {
        fprintf(stderr, "tanaw: db: expected init, ingest, status, export, verify, purge, "
                        "incidents or roles%s%s\n",
                sub ? ", got " : "", sub ? sub : "");
        return DB_USAGE;
    }
    cli_args a;
    int rc = cli_parse(&a, opts, sizeof opts / sizeof opts[0], argc - 1, argv + 1, usage,
                       "The case store: batches of records from several agencies, each taken\n"
                       "whole or not at all, with provenance; identifiers kept only as keyed\n"
                       "hashes. Exit codes: 0 ok, 1 usage, 2 input rejected (nothing stored),\n"
                       "3 store error.");
    if (rc >= 0)
        return rc == EXIT_USAGE ? DB_USAGE : rc;
    cli_set_quiet(cli_flag(&a, "quiet"));
    if (cli_flag(&a, "dedup")) { /* db ingest --dedup is routed to cmd_dedup.c before here */
        fprintf(stderr, "tanaw: db %s: --dedup goes with db ingest\n", sub);
        return DB_USAGE;
    }
    const char *target = cli_get(&a, "db");
    if (cli_flag(&a, "apply") && strcmp(sub, "roles") != 0) {
        fprintf(stderr, "tanaw: db %s: --apply goes with db roles\n", sub);
        return DB_USAGE;
    }
    if (strcmp(sub, "roles") == 0 && !cli_flag(&a, "apply")) {
        fputs(tw_store_roles_sql(), stdout); /* for the DBA: needs no store */
        return DB_OK;
    }
    if (!target) {
        fprintf(stderr, "tanaw: db %s: --db PATH|URL is required\n", sub);
        return DB_USAGE;
    }
    char db[512]; /* what messages show: a URL without its password */
    tw_store_redact(target, db, sizeof db);
    int32_t before = 0;
    const char *out = cli_get(&a, "out");
    if (strcmp(sub, "purge") == 0) {
        const char *b = cli_get(&a, "before");
        if (!b) {
            fprintf(stderr, "tanaw: db purge: --before DATE (YYYY-MM-DD) is required\n");
            return DB_USAGE;
        }
        if (tw_date_parse(b, strlen(b), &before)) {
            fprintf(stderr, "tanaw: db purge: --before: '%s' is not a real date YYYY-MM-DD\n",
                    b);
            return DB_USAGE;
        }
    }
    if (strcmp(sub, "export") == 0 && !out) {
        fprintf(stderr, "tanaw: db export: --out FILE.csv is required\n");
        return DB_USAGE;
    }
    tw_ctx *ctx = tw_ctx_new();
    if (!ctx) {
        fprintf(stderr, "tanaw: out of memory\n");
        return DB_STORE;
    }
    tw_store *st = NULL;
    /* only init creates a store: elsewhere a mistyped path is an error */
    tw_status s =
        tw_store_open(ctx, target, strcmp(sub, "init") == 0 ? TW_STORE_CREATE : 0, &st);
    if (s) {
        rc = fail(ctx, s, db, NULL);
        if (s == TW_E_UNSUPPORTED)
            rc = DB_USAGE;
        tw_ctx_free(ctx);
        return rc;
    }
    rc = DB_OK;
    if (strcmp(sub, "init") == 0) {
        int from, to;
        if ((s = tw_store_migrate(ctx, st, &from, &to)))
            rc = fail(ctx, s, db, NULL);
        else if (from == to)
            printf("%s: schema version %d, up to date\n", db, to);
        else
            printf("%s: schema migrated from version %d to %d\n", db, from, to);
    } else if (strcmp(sub, "ingest") == 0) {
        rc = do_ingest(&a, ctx, st);
    } else if (strcmp(sub, "status") == 0) {
        rc = do_status(ctx, st, db);
    } else if (strcmp(sub, "roles") == 0) {
        if ((s = tw_store_roles_apply(ctx, st)))
            rc = fail(ctx, s, db, NULL);
        else
            printf("%s: roles tanaw_load, tanaw_link and tanaw_analyst created or updated; make "
                   "each login a member of one (docs/store.md)\n",
                   db);
    } else if (strcmp(sub, "export") == 0) {
        size_t rows = 0;
        if ((s = tw_store_export_csv(ctx, st, out, &rows)))
            rc = fail(ctx, s, out, NULL);
        else
            printf("%s: %zu pseudonymised records\n", out, rows);
    } else if (strcmp(sub, "verify") == 0) {
        size_t problems = 0;
        if ((s = tw_store_verify(ctx, st, &problems))) {
            rc = fail(ctx, s, db, NULL);
        } else {
            for (size_t i = 0; i < tw_ctx_warning_count(ctx); i++)
                fprintf(stderr, "tanaw: verify: %s\n", tw_ctx_warning(ctx, i));
            tw_ctx_clear_warnings(ctx);
            const char *orig[64];
            size_t no = cli_all(&a, "original", orig, 64);
            for (size_t i = 0; i < no && !s; i++) {
                int64_t batch = 0;
                char sha[65];
                if ((s = tw_store_find_file(ctx, st, orig[i], &batch, sha))) {
                    rc = fail(ctx, s, orig[i], orig[i]);
                    break;
                }
                if (batch)
                    printf("%s: sha256 %s is batch %lld\n", orig[i], sha, (long long)batch);
                else {
                    printf("%s: sha256 %s matches no batch\n", orig[i], sha);
                    problems++;
                }
            }
            if (s)
                goto done;
            printf("%s: %s (%zu problem%s)\n", db, problems ? "NOT OK" : "ok", problems,
                   problems == 1 ? "" : "s");
            rc = problems ? DB_STORE : DB_OK;
        }
    } else { /* purge */
        size_t deleted = 0;
        char d[11];
        tw_date_format(before, d);
        if ((s = tw_store_purge(ctx, st, before, &deleted)))
            rc = fail(ctx, s, db, NULL);
        else
            printf("%s: %zu records reported before %s deleted\n", db, deleted, d);
    }
    if (rc == DB_STORE && s == TW_E_UNSUPPORTED)
        rc = DB_USAGE;
done:
    tw_store_close(st);
    tw_ctx_free(ctx);
    return rc;
}
