# scan: Kulldorff's spatial and space-time scan statistics (Poisson,
# Bernoulli, space-time permutation) with Monte Carlo inference.
list(APPEND TANAW_LIB_SOURCES
  src/lib/scan/geo.c
  src/lib/scan/lik.c
  src/lib/scan/power.c
  src/lib/scan/scan.c
  src/lib/scan/spacetime.c)
list(APPEND TANAW_UNIT_TESTS test_scan test_scan_calibration test_scan_spacetime)
# The replica sums are the hot loop: let the compiler vectorise them fully.
set_source_files_properties(src/lib/scan/scan.c src/lib/scan/spacetime.c
  PROPERTIES COMPILE_OPTIONS "$<$<NOT:$<CONFIG:Sanitize>>:-O3>")
