# dedup: which records are referrals of one incident (docs/dedup.md): the
# pure linking core (blocking on shared identifier hashes, rules on day gap
# and place, union-find), used by the store's incidents (store/incidents.c).
list(APPEND TANAW_LIB_SOURCES src/lib/dedup/dedup.c src/lib/dedup/place.c)
list(APPEND TANAW_UNIT_TESTS test_dedup)
