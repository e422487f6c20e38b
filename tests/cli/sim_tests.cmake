# Command-line tests of the multi-agency `tanaw simulate` (tests/cli/test_simulate_agencies.sh).
add_test(NAME cli_simulate_agencies
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_simulate_agencies.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_simulate_agencies PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph")
