# bench_geocode: addresses per second of tw_geocode on the labelled sets
# built from the real PSGC datafile (needs the data folder; not a test).
add_executable(bench_geocode EXCLUDE_FROM_ALL bench/bench_geocode.c)
target_include_directories(bench_geocode PRIVATE src/lib)
target_link_libraries(bench_geocode PRIVATE tanaw)
target_compile_options(bench_geocode PRIVATE ${TANAW_WARNINGS})
