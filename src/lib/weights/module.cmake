# weights: spatial weights (contiguity, knn, distance band, GAL/GWT).
list(APPEND TANAW_LIB_SOURCES src/lib/weights/weights.c)
