# stats: hotspot statistics (Gi/Gi*, local and global Moran), rates,
# p-value adjustment, confidence classes; conditional permutations in perm.c.
list(APPEND TANAW_LIB_SOURCES
  src/lib/stats/perm.c
  src/lib/stats/classes.c
  src/lib/stats/padjust.c
  src/lib/stats/rate.c
  src/lib/stats/gistar.c
  src/lib/stats/lisa.c
  src/lib/stats/moran.c)
list(APPEND TANAW_UNIT_TESTS test_stats test_stats_golden test_stats_internal)
