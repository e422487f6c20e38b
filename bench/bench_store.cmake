# bench_store: ingest speed and size of the SQLite case store, 1M records
# (bench/bench_store.c; numbers in docs/store.md).
add_executable(bench_store EXCLUDE_FROM_ALL bench/bench_store.c)
target_link_libraries(bench_store PRIVATE tanaw)
target_compile_options(bench_store PRIVATE ${TANAW_WARNINGS})
