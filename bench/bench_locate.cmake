# bench_locate: points per second of tw_locator_find (and nearest) on the
# 41,096 barangay polygons, single thread; run: bench_locate [DATA_DIR] [N].
add_executable(bench_locate EXCLUDE_FROM_ALL bench/bench_locate.c)
target_link_libraries(bench_locate PRIVATE tanaw)
target_compile_options(bench_locate PRIVATE ${TANAW_WARNINGS})
