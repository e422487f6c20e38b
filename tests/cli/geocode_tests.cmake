# Command-line tests of `tanaw geocode` (tests/cli/test_geocode.sh, see lib.sh).
add_test(NAME cli_geocode
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_geocode.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_geocode PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph")
