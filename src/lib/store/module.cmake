# store: the case store (docs/store.md): SQLite (WAL) schema with forward
# migrations, batch ingest with provenance and per-record content hashes,
# keyed pseudonymisation of identifiers (libsodium), export, verify, purge,
# and reading records back into a tw_cases for the analyses.
list(APPEND TANAW_LIB_SOURCES src/lib/store/store.c src/lib/store/ingest.c
     src/lib/store/pseudo.c src/lib/cases/records.c)
list(APPEND TANAW_UNIT_TESTS test_store test_store_internal)
