# Source effects: --by-source on gistar/lisa and --source on every analysis.
add_test(NAME cli_by_source
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_by_source.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_by_source PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
