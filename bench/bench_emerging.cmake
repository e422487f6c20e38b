# bench_emerging: timing of tw_emerging_compute (bench/bench_emerging.sh).
add_executable(bench_emerging EXCLUDE_FROM_ALL bench/bench_emerging.c)
target_link_libraries(bench_emerging PRIVATE tanaw)
target_compile_options(bench_emerging PRIVATE ${TANAW_WARNINGS})
