# render: outputs. The map (cairo, PNG/SVG) lives here; the result table
# writer is src/lib/io/table.c (listed in io's module), its test here too.
list(APPEND TANAW_LIB_SOURCES src/lib/render/map.c)
list(APPEND TANAW_UNIT_TESTS test_table test_map)
