# bench_dedup: precision, recall and time of the dedup core on simulated
# multi-agency referrals (bench/bench_dedup.c; numbers in docs/dedup.md).
add_executable(bench_dedup EXCLUDE_FROM_ALL bench/bench_dedup.c)
target_include_directories(bench_dedup PRIVATE src/lib)
target_link_libraries(bench_dedup PRIVATE tanaw)
target_compile_options(bench_dedup PRIVATE ${TANAW_WARNINGS})
