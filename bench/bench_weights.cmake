# bench_weights: timing of tw_weights_build on the barangays and the recall
# of fuzzy contiguity (bench/bench_weights.sh runs it beside spdep).
add_executable(bench_weights EXCLUDE_FROM_ALL bench/bench_weights.c)
target_link_libraries(bench_weights PRIVATE tanaw)
target_compile_options(bench_weights PRIVATE ${TANAW_WARNINGS})
