/*
 * store_internal.h: what the files of the store module share (store.c:
 * open, migration and maintenance; schema.c: the migrations; ingest.c:
 * reading a batch; pseudo.c: keys, keyed hashes and the normalisation of
 * identifiers; sql.h: the SQL layer over SQLite and PostgreSQL). Not
 * public.
 */
#ifndef TW_STORE_INTERNAL_H
#define TW_STORE_INTERNAL_H

#include "core/core.h"

#include "store/sql.h"

/* One forward migration (schema.c): SQL per dialect; pg NULL when the
   SQLite text serves PostgreSQL too. */
typedef struct store_migration {
    int version; /* 1, 2, ...: the entry's place in the list */
    const char *what;
    const char *sqlite;
    const char *pg;
} store_migration;
extern const store_migration store_migrations[];
extern const int store_nmigrations;

/* Latest schema version: the last migration of schema.c. */
#define STORE_SCHEMA_VERSION store_nmigrations

/* Bytes of every keyed hash kept in the store (128 bits: collisions need
   about 2^64 values; stored as 32 lowercase hex characters). */
#define STORE_HASH_BYTES 16
#define STORE_HASH_HEX (2 * STORE_HASH_BYTES + 1)

struct tw_store {
    tw_ctx *ctx;
    sql_db *db;
    const char *path; /* for messages: the path, or the URL without password */
};

/* Make ctx the store's context (allocations and errors of this call). */
void store_use_ctx(tw_store *st, tw_ctx *ctx);
/* Record the SQL layer's error (prefixed with what) as TW_E_IO, or
   TW_E_NOMEM when an allocation failed. */
tw_status store_db_error(tw_store *st, const char *what);
/* Run SQL without results; TW_E_IO (recorded) on failure. */
tw_status store_exec(tw_store *st, const char *sql);
/* Prepare sql; the layer's error (prefixed with what) on failure. */
tw_status store_prepare(tw_store *st, const char *sql, sql_stmt **q, const char *what);
/* The first column of the one row sql gives. */
tw_status store_query_int64(tw_store *st, const char *sql, int64_t *out);
/* TW_OK when the store is at STORE_SCHEMA_VERSION, else says what to do. */
tw_status store_require_current(tw_store *st);
/* The entry of a public function on a store: ctx and st given and args_ok
   (else TW_E_ARG "fn: NULL argument"), the store on ctx, at the latest
   version. */
tw_status store_enter(tw_ctx *ctx, tw_store *st, int args_ok, const char *fn);
/* BLAKE2b-128 over the content hashes of a batch's records in id order. */
tw_status store_batch_records_hash(tw_store *st, int64_t batch, char out[STORE_HASH_HEX]);
/* The batch loaded from a file with this SHA-256 (0: none). */
tw_status store_find_batch(tw_store *st, const char *sha256, int64_t *batch_id);
/* Schema version of the open store (0: empty file). */
tw_status store_version(tw_store *st, int *version);
/* SHA-256 of a file as 64 lowercase hex digits (ingest.c). */
tw_status store_file_sha256(tw_ctx *ctx, const char *path, char out[65]);
/* Apply the migrations above the current version up to `target`. */
tw_status store_migrate_to(tw_store *st, int target, int *from);

/* ---- identifiers (pseudo.c) ---- */

/* Identifier columns of the store schema, in this order. ID_REFERENCE
   (column referred_from, "SOURCE:CASE_ID") is another agency's case this
   record was referred from: its hash is that case's case_ref
   (store_case_ref), never normalised like the others. */
enum {
    ID_ACCOUNT, ID_PAYMENT, ID_DEVICE, ID_IP, ID_PHONE, ID_EMAIL, ID_HANDLE, ID_REFERENCE,
    ID_NKINDS
};
extern const char *const store_id_columns[ID_NKINDS]; /* "account_ids", ... */
extern const char *const store_id_kinds[ID_NKINDS];   /* "account", ... */

/*
 * Normalise one identifier of the given kind into out (NUL-terminated).
 * Returns 1, or 0 with *why set when the value is not an identifier of
 * that kind (the value itself is never quoted in a message).
 */
int pseudo_normalise(int kind, const char *s, size_t len, char *out, size_t cap,
                     const char **why);
/* The case reference of (source, case id): keyed hash of both, the same
   for a record's own case_ref and for a referred_from naming it. */
void store_case_ref(const uint8_t key[32], const char *source, size_t source_len,
                    const char *case_id, size_t id_len, char out[STORE_HASH_HEX]);
/* Keyed BLAKE2b of (domain, text) as STORE_HASH_BYTES lowercase hex. */
void pseudo_hash_hex(const uint8_t key[32], const char *domain, const char *s, size_t len,
                     char out[STORE_HASH_HEX]);
/* Keyed hash that identifies a key without revealing it (stored in meta). */
void pseudo_key_check(const uint8_t key[32], char out[STORE_HASH_HEX]);

#endif
