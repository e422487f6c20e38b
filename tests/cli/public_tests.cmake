# --public: safe publication, its outside attack and the real-geography smoke test.
add_test(NAME cli_public
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/test_public.sh $<TARGET_FILE:tanaw_cli>)
set_tests_properties(cli_public PROPERTIES
  ENVIRONMENT "TANAW_SOURCE_DIR=${CMAKE_SOURCE_DIR};TANAW_DATA_DEFAULT=${CMAKE_SOURCE_DIR}/../shared/data/ph;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp")
