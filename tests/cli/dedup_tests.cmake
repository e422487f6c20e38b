# Command-line test of cross-agency duplicates: simulate --id-noise, db
# ingest, dedup, db incidents, --count (tests/cli/test_dedup.sh).
add_test(NAME cli_dedup
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_dedup.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_dedup PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph")
# The store part of dedup again on PostgreSQL (TANAW_TEST_PG_URL, as the
# store's *_pg tests; skipped without it).
add_test(NAME test_dedup_store_internal_pg COMMAND test_dedup_store_internal)
set_tests_properties(test_dedup_store_internal_pg PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp;TANAW_TEST_BACKEND=pg"
  SKIP_RETURN_CODE 77)
