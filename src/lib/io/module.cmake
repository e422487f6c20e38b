# io: CSV reading/writing and result tables (CSV, GeoJSON).
list(APPEND TANAW_LIB_SOURCES src/lib/io/csv.c src/lib/io/table.c)
list(APPEND TANAW_UNIT_TESTS test_csv)
