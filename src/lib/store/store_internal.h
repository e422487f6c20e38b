/*
 * store_internal.h: what the files of the store module share (store.c:
 * open, schema and maintenance; ingest.c: reading a batch; pseudo.c: keys,
 * keyed hashes and the normalisation of identifiers). Not public.
 */
#ifndef TW_STORE_INTERNAL_H
#define TW_STORE_INTERNAL_H

#include "core/core.h"

#include <sqlite3.h>

/* Latest schema version; migrations 1..STORE_SCHEMA_VERSION in store.c. */
#define STORE_SCHEMA_VERSION 4

/* Bytes of every keyed hash kept in the store (128 bits: collisions need
   about 2^64 values; stored as 32 lowercase hex characters). */
#define STORE_HASH_BYTES 16
#define STORE_HASH_HEX (2 * STORE_HASH_BYTES + 1)

struct tw_store {
    tw_ctx *ctx;
    sqlite3 *db;
    char *path;
};

/* Record the SQLite error of st->db (prefixed with what) as TW_E_IO. */
tw_status store_db_error(tw_store *st, const char *what);
/* Run SQL without results; TW_E_IO (recorded) on failure. */
tw_status store_exec(tw_store *st, const char *sql);
/* Schema version of the open store (0: empty file). */
tw_status store_version(tw_store *st, int *version);
/* SHA-256 of a file as 64 lowercase hex digits (ingest.c). */
tw_status store_file_sha256(tw_ctx *ctx, const char *path, char out[65]);
/* Apply the migrations above the current version up to `target`. */
tw_status store_migrate_to(tw_store *st, int target, int *from);

/* ---- identifiers (pseudo.c) ---- */

/* Identifier columns of the store schema, in this order. */
enum {
    ID_ACCOUNT, ID_PAYMENT, ID_DEVICE, ID_IP, ID_PHONE, ID_EMAIL, ID_HANDLE, ID_NKINDS
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
/* Keyed BLAKE2b of (domain, text) as STORE_HASH_BYTES lowercase hex. */
void pseudo_hash_hex(const uint8_t key[32], const char *domain, const char *s, size_t len,
                     char out[STORE_HASH_HEX]);
/* Keyed hash that identifies a key without revealing it (stored in meta). */
void pseudo_key_check(const uint8_t key[32], char out[STORE_HASH_HEX]);

#endif
