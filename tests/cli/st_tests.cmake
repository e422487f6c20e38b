# Command-line tests of `tanaw emerging` and `tanaw kde` (see lib.sh).
foreach(t emerging kde)
  add_test(NAME cli_${t}
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_${t}.sh $<TARGET_FILE:tanaw_cli>)
  set_tests_properties(cli_${t} PROPERTIES
    ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
endforeach()
