# core: context, errors, allocation, numbers, buffers, random numbers.
list(APPEND TANAW_LIB_SOURCES src/lib/core/ctx.c src/lib/core/util.c)
list(APPEND TANAW_UNIT_TESTS test_core)
