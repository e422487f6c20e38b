# weights: spatial weights (contiguity, knn, distance band, GAL/GWT) and the
# point distances they use (geo/distance.c is owned by this module).
list(APPEND TANAW_LIB_SOURCES
  src/lib/weights/weights.c
  src/lib/geo/distance.c)
