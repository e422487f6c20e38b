# weights: spatial weights (contiguity, knn, distance band, GAL/GWT) and the
# point distances they use (geo/distance.c is owned by this module).
list(APPEND TANAW_LIB_SOURCES
  src/lib/weights/weights.c
  src/lib/weights/pointgrid.c
  src/lib/weights/nearest.c
  src/lib/weights/contiguity.c
  src/lib/weights/build.c
  src/lib/weights/galgwt.c
  src/lib/geo/distance.c)
list(APPEND TANAW_UNIT_TESTS test_distance test_weights test_weights_internal)
