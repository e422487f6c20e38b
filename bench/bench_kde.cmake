# bench_kde: timing of tw_kde_compute against density.ppp (bench/bench_kde.sh).
add_executable(bench_kde EXCLUDE_FROM_ALL bench/bench_kde.c)
target_link_libraries(bench_kde PRIVATE tanaw)
target_compile_options(bench_kde PRIVATE ${TANAW_WARNINGS})
