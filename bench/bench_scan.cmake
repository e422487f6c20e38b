# bench_scan: timing of the spatial scan statistic on the real geography (bench/bench_scan.sh).
add_executable(bench_scan EXCLUDE_FROM_ALL bench/bench_scan.c)
target_link_libraries(bench_scan PRIVATE tanaw)
target_compile_options(bench_scan PRIVATE ${TANAW_WARNINGS})
