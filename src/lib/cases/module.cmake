# cases: case records (CSV schema, validation, rejects), dates, aggregation
# onto areas and the simulator of synthetic records.
list(APPEND TANAW_LIB_SOURCES src/lib/cases/cases.c src/lib/cases/fields.c
     src/lib/cases/date.c src/lib/cases/aggregate.c src/lib/cases/simulate.c
     src/lib/cases/sources.c)
list(APPEND TANAW_UNIT_TESTS test_cases test_cases_date test_cases_aggregate test_simulate)
