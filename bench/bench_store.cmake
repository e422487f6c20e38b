# bench_store: ingest speed and size of the case store on SQLite and
# PostgreSQL, 1M records (bench/bench_store.c, run by bench/bench_store.sh;
# numbers in docs/store.md and bench/README.md).
add_executable(bench_store EXCLUDE_FROM_ALL bench/bench_store.c)
target_link_libraries(bench_store PRIVATE tanaw)
target_include_directories(bench_store PRIVATE src/lib)
target_compile_options(bench_store PRIVATE ${TANAW_WARNINGS})
