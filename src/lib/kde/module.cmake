# kde: kernel density (intensity) surfaces from points: UTM projection,
# binning and FFT convolution (FFTW), bandwidth rules, the records'
# points, grid writers (.asc/.prj, CSV) and the heat map.
list(APPEND TANAW_LIB_SOURCES
  src/lib/kde/utm.c
  src/lib/kde/kde.c
  src/lib/kde/bandwidth.c
  src/lib/kde/points.c
  src/lib/kde/grid_io.c
  src/lib/kde/draw.c
  src/lib/kde/kde_map.c)
list(APPEND TANAW_UNIT_TESTS test_kde)
