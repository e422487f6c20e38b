# dedup: which records are referrals of one incident (docs/dedup.md): the
# pure linking core (blocking on shared identifier hashes, rules on day gap
# and place, union-find) and the store's incidents (store/incidents.c, built
# here so the store module's list stays the store helper's).
list(APPEND TANAW_LIB_SOURCES src/lib/dedup/dedup.c src/lib/dedup/place.c
     src/lib/store/incidents.c)
list(APPEND TANAW_UNIT_TESTS test_dedup test_dedup_store_internal)
