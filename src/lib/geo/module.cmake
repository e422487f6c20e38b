# geo: PSGC codes, areas (GeoJSON + CSV, finalize, dissolve) and point
# location. (geo/distance.c is listed by the weights module, which owns it.)
list(APPEND TANAW_LIB_SOURCES
  src/lib/geo/psgc.c
  src/lib/geo/areas.c
  src/lib/geo/areas_geojson.c
  src/lib/geo/locator.c)
list(APPEND TANAW_UNIT_TESTS test_psgc test_areas test_locator)
