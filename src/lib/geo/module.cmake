# geo: (filled by its module)
set(TANAW_LIB_SOURCES ${TANAW_LIB_SOURCES})
