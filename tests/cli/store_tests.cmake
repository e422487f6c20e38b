# Command-line tests of the case store (`tanaw db`, `tanaw key`):
# tests/cli/test_store.sh, including the SIGKILL crash-safety runs.
add_test(NAME cli_store
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_store.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_store PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
