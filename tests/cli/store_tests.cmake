# Tests of the case store (`tanaw db`, `tanaw key`): tests/cli/test_store.sh,
# including the SIGKILL crash-safety runs and 4 concurrent loaders, on
# SQLite; and the same test files again on PostgreSQL (the *_pg tests),
# against the server whose URL is in TANAW_TEST_PG_URL (scripts/test.sh
# starts one with scripts/pg-test-server.sh). Without that URL the *_pg
# tests report SKIP (exit 77), counted as skipped, not passed.
set(TANAW_STORE_TEST_ENV
  "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
add_test(NAME cli_store
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_store.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_store PROPERTIES ENVIRONMENT "${TANAW_STORE_TEST_ENV}")
add_test(NAME cli_store_pg
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_store.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_store_pg PROPERTIES
  ENVIRONMENT "${TANAW_STORE_TEST_ENV};TANAW_TEST_BACKEND=pg" SKIP_RETURN_CODE 77)
foreach(t test_store test_store_internal)
  add_test(NAME ${t}_pg COMMAND ${t})
  set_tests_properties(${t}_pg PROPERTIES
    ENVIRONMENT "${TANAW_STORE_TEST_ENV};TANAW_TEST_BACKEND=pg" SKIP_RETURN_CODE 77)
endforeach()
# The roles of a national deployment (tanaw db roles): PostgreSQL only.
add_test(NAME cli_roles_pg
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_roles.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_roles_pg PROPERTIES
  ENVIRONMENT "${TANAW_STORE_TEST_ENV};TANAW_TEST_BACKEND=pg" SKIP_RETURN_CODE 77)
