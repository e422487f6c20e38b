# spacetime: time steps and the space-time cube of counts, Mann-Kendall
# and Sen's slope, emerging hot spot analysis (space-time Gi* and the 17
# ArcGIS Pro categories) and its category map.
list(APPEND TANAW_LIB_SOURCES
  src/lib/spacetime/mk.c
  src/lib/spacetime/steps.c
  src/lib/spacetime/emerging.c
  src/lib/spacetime/emerging_map.c
  src/lib/spacetime/chart.c)
list(APPEND TANAW_UNIT_TESTS test_spacetime)
