# store: the case store (docs/store.md): one SQL layer (sql.h) over SQLite
# (WAL) and PostgreSQL (libpq), the schema as forward migrations (schema.c),
# batch ingest with provenance and per-record content hashes, keyed
# pseudonymisation of identifiers (libsodium), export, verify, purge, and
# reading records back into a tw_cases for the analyses.
list(APPEND TANAW_LIB_SOURCES src/lib/store/store.c src/lib/store/ingest.c
     src/lib/store/schema.c src/lib/store/sql.c src/lib/store/sql_sqlite.c src/lib/store/sql_pg.c
     src/lib/store/pseudo.c src/lib/store/roles.c src/lib/cases/records.c)
list(APPEND TANAW_UNIT_TESTS test_store test_store_internal)
