# Benchmarks (not tests): each bench/bench_<name>.cmake adds its programs.
# Run them through the scripts in bench/ (see bench/README.md).
file(GLOB TANAW_BENCH_PARTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bench/bench_*.cmake)
foreach(part ${TANAW_BENCH_PARTS})
  include(${part})
endforeach()
