# bench_stats: timing of Gi* and local Moran with permutations (bench/bench_stats.sh).
add_executable(bench_stats EXCLUDE_FROM_ALL bench/bench_stats.c)
target_link_libraries(bench_stats PRIVATE tanaw)
target_compile_options(bench_stats PRIVATE ${TANAW_WARNINGS})
