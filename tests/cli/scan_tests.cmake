# Command-line tests of `tanaw scan` (tests/cli/test_scan.sh); fontconfig's
# leaks under the sanitizer are suppressed as for the other CLI tests.
add_test(NAME cli_scan
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_scan.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_scan PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
# `tanaw scan` against the independent base-R scan (tests/golden/scan/).
add_test(NAME cli_scan_golden
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_scan_golden.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_scan_golden PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
