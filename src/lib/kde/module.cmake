# kde: kernel density (intensity) surfaces from points: UTM projection,
# binning and FFT convolution (FFTW), bandwidth rules, grid writers
# (.asc/.prj, CSV) and the heat map.
list(APPEND TANAW_LIB_SOURCES)
list(APPEND TANAW_UNIT_TESTS)
