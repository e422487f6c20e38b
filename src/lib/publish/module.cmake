# publish: safe publication of per-area counts (--public): optional
# differential-privacy noise, primary and complementary suppression over the
# PSGC hierarchy, an exact interval audit, and the public view of the counts
# that statistics are computed from. See docs/publication.md.
list(APPEND TANAW_LIB_SOURCES src/lib/publish/publish.c)
list(APPEND TANAW_UNIT_TESTS test_publish test_publish_internal)
