# geocode: the PSGC gazetteer (PSA publication datafile, CSV export), the
# address normaliser and matcher (tanaw geocode), the labelled evaluation
# set built from real names, and the PSGC crosswalk (docs/geocode.md).
list(APPEND TANAW_LIB_SOURCES
  src/lib/geocode/normalise.c
  src/lib/geocode/gazetteer.c
  src/lib/geocode/match.c
  src/lib/geocode/perturb.c
  src/lib/geocode/evalset.c
  src/lib/geocode/csvpass.c
  src/lib/geocode/batch.c
  src/lib/geocode/crosswalk.c)
list(APPEND TANAW_UNIT_TESTS test_geocode test_geocode_eval)
