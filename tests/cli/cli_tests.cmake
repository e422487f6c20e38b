# Command-line tests: tests/cli/test_<name>.sh run the tanaw binary with
# arguments and check exit codes, messages and outputs (see lib.sh).
foreach(t basics errors pipeline golden_gistar coarse)
  add_test(NAME cli_${t}
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_${t}.sh $<TARGET_FILE:tanaw_cli>)
  set_tests_properties(cli_${t} PROPERTIES
    ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
endforeach()
